/*
 * tests/test_render.c - mlmd_lineage_render: every format (tree, DOT, JSON)
 * shows the same nodes, those reached by following edges in one direction;
 * wide and deep graphs are shown whole; the options carry their version.
 */
#include <ctype.h>
#include <stdbool.h>
#include "helpers.h"

static int64_t at, et;

static int64_t artifact(mlmd_store *s, const char *name)
{
	Mlmd__Pb__Artifact *a = new_artifact(at, NULL);
	OK(mlmd_message_set_string(a, "name", name));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

#define IN MLMD__PB__EVENT__TYPE__INPUT
#define OUT MLMD__PB__EVENT__TYPE__OUTPUT

static mlmd_store *open_typed(void)
{
	mlmd_store *s = open_memory();
	at = artifact_type(s, "Data", 0);
	et = execution_type(s, "Step");
	return s;
}

static char *render(mlmd_store *s, int64_t id, int up, int down, int format, int64_t hops)
{
	mlmd_lineage_render_options o = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	o.id = id;
	o.upstream = up;
	o.downstream = down;
	o.format = format;
	o.max_hops = hops;
	char *text = NULL;
	OK(mlmd_lineage_render(s, &o, &text));
	return text;
}

/* The nodes a rendering shows, as a sorted list of +id (artifacts) and -id (executions). */
typedef struct {
	int64_t v[2048];
	size_t n;
} idset;

static void add(idset *s, int64_t v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return;
	assert_true(s->n < 2048);
	s->v[s->n++] = v;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Tree labels: "Data 'name' #7" for artifacts, "Step #3 [COMPLETE]" for executions. */
static idset tree_nodes(const char *t)
{
	idset s = { .n = 0 };
	for (const char *p = strchr(t, '#'); p; p = strchr(p + 1, '#')) {
		char *end;
		long long id = strtoll(p + 1, &end, 10);
		add(&s, !strncmp(end, " [", 2) ? -id : id);
	}
	qsort(s.v, s.n, sizeof *s.v, cmp64);
	return s;
}

/* DOT node lines: "  a7 [shape=..." and "  e3 [shape=...". */
static idset dot_nodes(const char *t)
{
	idset s = { .n = 0 };
	for (const char *p = strstr(t, "\n  "); p; p = strstr(p + 1, "\n  ")) {
		char k = p[3];
		if ((k != 'a' && k != 'e') || !isdigit((unsigned char)p[4]))
			continue;
		char *end;
		long long id = strtoll(p + 4, &end, 10);
		if (!strncmp(end, " [shape", 7))
			add(&s, k == 'e' ? -id : id);
	}
	qsort(s.v, s.n, sizeof *s.v, cmp64);
	return s;
}

/* JSON nodes: {"kind":"artifact","id":7,... */
static idset json_nodes(const char *t)
{
	idset s = { .n = 0 };
	const char *edges = strstr(t, "\"edges\"");
	for (const char *p = strstr(t, "{\"kind\":\""); p && p < edges; p = strstr(p + 1, "{\"kind\":\"")) {
		bool exec = !strncmp(p + 9, "execution", 9);
		const char *q = strstr(p, "\"id\":");
		add(&s, exec ? -strtoll(q + 5, NULL, 10) : strtoll(q + 5, NULL, 10));
	}
	qsort(s.v, s.n, sizeof *s.v, cmp64);
	return s;
}

static void same_nodes(const idset *a, const idset *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_int_equal(a->v[i], b->v[i]);
}

/* All three formats of one lineage; returns the node set they share. */
static idset every_format(mlmd_store *s, int64_t id, int up, int down, int64_t hops)
{
	char *tree = render(s, id, up, down, MLMD_RENDER_TREE, hops);
	char *dot = render(s, id, up, down, MLMD_RENDER_DOT, hops);
	char *json = render(s, id, up, down, MLMD_RENDER_JSON, hops);
	idset t = tree_nodes(tree), d = dot_nodes(dot), j = json_nodes(json);
	same_nodes(&t, &d);
	same_nodes(&t, &j);
	mlmd_buffer_free(tree);
	mlmd_buffer_free(dot);
	mlmd_buffer_free(json);
	return t;
}

/* Two runs read one data set; the lineage of run 1's model, both ways, is run 1 only. */
static void every_format_shows_the_same_nodes(void **st)
{
	(void)st;
	mlmd_store *s = open_typed();
	int64_t data = artifact(s, "data");
	int64_t train1 = put_execution_node(s, et), model1 = artifact(s, "model-1");
	int64_t eval1 = put_execution_node(s, et), report1 = artifact(s, "report-1");
	int64_t train2 = put_execution_node(s, et), model2 = artifact(s, "model-2");
	put_event_node(s, train1, data, IN);
	put_event_node(s, train1, model1, OUT);
	put_event_node(s, eval1, model1, IN);
	put_event_node(s, eval1, data, IN);
	put_event_node(s, eval1, report1, OUT);
	put_event_node(s, train2, data, IN);
	put_event_node(s, train2, model2, OUT);
	idset both = every_format(s, model1, 1, 1, 0);
	/* model-1, what made it (train-1, data), what came of it (eval-1, report-1): not run 2 */
	int64_t want[] = { -eval1, -train1, data, model1, report1 };
	qsort(want, 5, sizeof *want, cmp64);
	assert_int_equal(both.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(both.v[i], want[i]);
	for (size_t i = 0; i < both.n; i++)
		assert_true(both.v[i] != model2 && both.v[i] != -train2);
	idset up = every_format(s, model1, 1, 0, 0);
	assert_int_equal(up.n, 3);
	idset down = every_format(s, data, 0, 1, 0);
	assert_int_equal(down.n, 7); /* everything came of the data */
	idset from_exec = every_format(s, eval1, 1, 1, 0);
	assert_int_equal(from_exec.n, 5); /* eval-1, its inputs and what made them, its report */
	mlmd_store_free(s);
}

/* A data set read by 300 executions: all of them are in the tree. */
static void wide_nodes_are_shown_whole(void **st)
{
	(void)st;
	mlmd_store *s = open_typed();
	int64_t data = artifact(s, "data");
	for (int i = 0; i < 300; i++)
		put_event_node(s, put_execution_node(s, et), data, IN);
	idset down = every_format(s, data, 0, 1, 0);
	assert_int_equal(down.n, 301);
	mlmd_store_free(s);
}

/* A chain of 45 executions (90 edges, deeper than the old tree's cut at 64 levels), walked 100 hops:
 * every node, none cut off as "(see above)". */
static void deep_chains_are_shown_whole(void **st)
{
	(void)st;
	mlmd_store *s = open_typed();
	int64_t first = artifact(s, "a0"), prev = first;
	for (int i = 1; i <= 45; i++) {
		char name[16];
		snprintf(name, sizeof name, "a%d", i);
		int64_t e = put_execution_node(s, et), a = artifact(s, name);
		put_event_node(s, e, prev, IN);
		put_event_node(s, e, a, OUT);
		prev = a;
	}
	idset down = every_format(s, first, 0, 1, 100);
	assert_int_equal(down.n, 91);
	char *tree = render(s, first, 0, 1, MLMD_RENDER_TREE, 100);
	assert_null(strstr(tree, "see above"));
	assert_non_null(strstr(tree, "'a45'"));
	mlmd_buffer_free(tree);
	/* and upstream from its end: the same chain */
	idset up = every_format(s, prev, 1, 0, 100);
	assert_int_equal(up.n, 91);
	mlmd_store_free(s);
}

/* A diamond and a cycle: each node once, a second meeting is a reference. */
static void diamonds_and_cycles_are_references(void **st)
{
	(void)st;
	mlmd_store *s = open_typed();
	int64_t data = artifact(s, "data"), a = artifact(s, "a"), b = artifact(s, "b"), out = artifact(s, "out");
	int64_t split = put_execution_node(s, et), join = put_execution_node(s, et);
	put_event_node(s, split, data, IN);
	put_event_node(s, split, a, OUT);
	put_event_node(s, split, b, OUT);
	put_event_node(s, join, a, IN);
	put_event_node(s, join, b, IN);
	put_event_node(s, join, out, OUT);
	put_event_node(s, split, out, IN); /* a cycle back into split */
	idset down = every_format(s, data, 0, 1, 0);
	assert_int_equal(down.n, 6);
	char *tree = render(s, data, 0, 1, MLMD_RENDER_TREE, 0);
	assert_non_null(strstr(tree, "(see above)"));
	mlmd_buffer_free(tree);
	mlmd_store_free(s);
}

/* The options carry their version: 0 (not made with the _INIT macro) or one
 * from a newer library is refused, naming the struct. */
static void options_version_is_checked(void **st)
{
	(void)st;
	mlmd_store *s = open_typed();
	int64_t data = artifact(s, "data");
	mlmd_lineage_render_options o = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	o.id = data;
	char *text = NULL;
	for (unsigned v = 0; v < 3; v += 2) {
		o.version = v;
		assert_int_equal(mlmd_lineage_render(s, &o, &text), -MLMD_INVALID_ARGUMENT);
		assert_null(text);
		assert_non_null(strstr(mlmd_error_message(), "mlmd_lineage_render_options.version"));
	}
	o.version = MLMD_LINEAGE_RENDER_OPTIONS_VERSION;
	OK(mlmd_lineage_render(s, &o, &text));
	mlmd_buffer_free(text);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_format_shows_the_same_nodes),
		cmocka_unit_test(wide_nodes_are_shown_whole),
		cmocka_unit_test(deep_chains_are_shown_whole),
		cmocka_unit_test(diamonds_and_cycles_are_references),
		cmocka_unit_test(options_version_is_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_report.c - the HTML report: the layered layout (layers grow
 * along edges, nodes never overlap, cycles are broken, a crossing that can
 * be undone is, the same graph gives the same numbers), the page built from
 * a store (every node of the lineage drawn, labels and tombstones marked,
 * the same bytes twice and in every locale), hostile text kept inert
 * (</script>, markup, quotes, control characters, invalid UTF-8 repaired),
 * the bounds, and every error.
 */
#include <locale.h>
#include <stdbool.h>
#include "helpers.h"
#include "render/report.h"

#define NODE_W 164.0
#define NODE_H 46.0

/* ---- the layout ------------------------------------------------------------------------ */

/* A reproducible graph: n nodes, m edges from a lower to a higher index (a
 * DAG), by a fixed linear congruential sequence. */
static void dag(size_t n, size_t m, int *from, int *to)
{
	uint64_t x = 12345;
	for (size_t j = 0; j < m; j++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int a = (int)((x >> 33) % (n - 1));
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		int b = a + 1 + (int)((x >> 33) % (uint64_t)(n - 1 - (size_t)a));
		from[j] = a;
		to[j] = b;
	}
}

static void assert_no_overlap(const rp_layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = i + 1; k < l->n; k++) {
			double dx = l->x[i] > l->x[k] ? l->x[i] - l->x[k] : l->x[k] - l->x[i];
			double dy = l->y[i] > l->y[k] ? l->y[i] - l->y[k] : l->y[k] - l->y[i];
			if (dx < NODE_W && dy < NODE_H)
				fail_msg("nodes %zu and %zu overlap: (%g, %g) and (%g, %g)", i, k, l->x[i], l->y[i], l->x[k],
					 l->y[k]);
		}
	for (size_t i = 0; i < l->n; i++) {
		assert_true(l->x[i] - NODE_W / 2 >= 0 && l->x[i] + NODE_W / 2 <= l->width);
		assert_true(l->y[i] - NODE_H / 2 >= 0 && l->y[i] + NODE_H / 2 <= l->height);
	}
}

static void layout_layers_increase_along_edges(void **state)
{
	(void)state;
	enum { N = 80, M = 160 };
	int from[M], to[M];
	dag(N, M, from, to);
	rp_layout l;
	OK(mlmd__rp_layout_run(N, from, to, M, NODE_W, NODE_H, &l));
	for (size_t j = 0; j < M; j++) {
		assert_int_equal(l.reversed[j], 0); /* a DAG has nothing to turn round */
		assert_true(l.layer[to[j]] > l.layer[from[j]]);
		assert_true(l.x[to[j]] > l.x[from[j]]);
		/* the polyline runs from the tail's right side to the head's left side, left to right */
		size_t a = l.first[j], z = l.first[j + 1];
		assert_true(z - a >= 2);
		assert_true(l.pt_x[a] == l.x[from[j]] + NODE_W / 2 && l.pt_x[z - 1] == l.x[to[j]] - NODE_W / 2);
		for (size_t k = a + 1; k < z; k++)
			assert_true(l.pt_x[k] > l.pt_x[k - 1]);
	}
	assert_no_overlap(&l);
	mlmd__rp_layout_free(&l);
}

static void layout_breaks_cycles(void **state)
{
	(void)state;
	/* a 3-cycle 0->1->2->0, a 2-cycle 3<->4 joined to it, a self-loop on 5 */
	int from[] = { 0, 1, 2, 3, 4, 2, 5, 5 }, to[] = { 1, 2, 0, 4, 3, 3, 5, 0 };
	size_t m = sizeof from / sizeof *from;
	rp_layout l;
	OK(mlmd__rp_layout_run(6, from, to, m, NODE_W, NODE_H, &l));
	int reversed = 0;
	for (size_t j = 0; j < m; j++) {
		if (from[j] == to[j]) {
			assert_int_equal(l.first[j + 1] - l.first[j], 0); /* a self-loop is not drawn */
			continue;
		}
		reversed += l.reversed[j];
		if (l.reversed[j])
			assert_true(l.layer[from[j]] > l.layer[to[j]]);
		else
			assert_true(l.layer[to[j]] > l.layer[from[j]]);
	}
	assert_int_equal(reversed, 2); /* one edge of each cycle */
	assert_no_overlap(&l);
	mlmd__rp_layout_free(&l);
}

static void layout_undoes_a_crossing(void **state)
{
	(void)state;
	/* 0 and 1 in the first layer, 2 and 3 in the second: 0->3 and 1->2 cross in index order */
	int from[] = { 0, 1 }, to[] = { 3, 2 };
	rp_layout l;
	OK(mlmd__rp_layout_run(4, from, to, 2, NODE_W, NODE_H, &l));
	assert_int_equal(l.layer[0], 0);
	assert_int_equal(l.layer[3], 1);
	assert_true((l.y[0] - l.y[1]) * (l.y[3] - l.y[2]) > 0);
	mlmd__rp_layout_free(&l);
	/* a long edge gets a point per layer it crosses */
	int f2[] = { 0, 1, 2, 0 }, t2[] = { 1, 2, 3, 3 };
	OK(mlmd__rp_layout_run(4, f2, t2, 4, NODE_W, NODE_H, &l));
	assert_int_equal(l.layer[3], 3);
	assert_int_equal(l.first[4] - l.first[3], 4); /* 0 -> 3: two ends and two virtual nodes */
	assert_no_overlap(&l);
	mlmd__rp_layout_free(&l);
}

static void layout_is_deterministic(void **state)
{
	(void)state;
	enum { N = 60, M = 110 };
	int from[M], to[M];
	dag(N, M, from, to);
	rp_layout a, b;
	OK(mlmd__rp_layout_run(N, from, to, M, NODE_W, NODE_H, &a));
	OK(mlmd__rp_layout_run(N, from, to, M, NODE_W, NODE_H, &b));
	assert_memory_equal(a.x, b.x, N * sizeof *a.x);
	assert_memory_equal(a.y, b.y, N * sizeof *a.y);
	assert_int_equal(a.first[M], b.first[M]);
	assert_memory_equal(a.pt_y, b.pt_y, a.first[M] * sizeof *a.pt_y);
	mlmd__rp_layout_free(&a);
	mlmd__rp_layout_free(&b);
	int bad_from[] = { 0 }, bad_to[] = { 7 };
	FAILS(mlmd__rp_layout_run(2, bad_from, bad_to, 1, NODE_W, NODE_H, &a), MLMD_INVALID_ARGUMENT, "out of range");
}

/* ---- text ------------------------------------------------------------------------------- */

static void invalid_utf8_is_replaced(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ok \xC3\xA9", "ok \xC3\xA9" },                   /* é kept */
		{ "a\xFF" "b", "a\xEF\xBF\xBD" "b" },               /* a stray byte */
		{ "\xC0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD" },         /* an overlong NUL */
		{ "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* a surrogate */
		{ "\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* above U+10FFFF */
		{ "x\xE2\x82", "x\xEF\xBF\xBD\xEF\xBF\xBD" },         /* cut short */
		{ "t\x01\x1B\x7F\xC2\x85|", "t\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|" }, /* controls */
		{ "<a href=\"x\">'&'</a>", "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mlmd_buf b = { 0 };
		mlmd__rp_html(&b, cases[i].in);
		mlmd__buf_put(&b, "", 1);
		assert_string_equal(b.p, cases[i].out);
		mlmd__buf_free(&b);
	}
	mlmd_buf b = { 0 };
	mlmd__rp_json_embed(&b, "{\"a\":\"</script><!--&\"}", 22);
	mlmd__buf_put(&b, "", 1);
	assert_string_equal(b.p, "{\"a\":\"\\u003c/script\\u003e\\u003c!--\\u0026\"}");
	mlmd__buf_free(&b);
}

/* ---- the page --------------------------------------------------------------------------- */

typedef struct {
	int64_t data, train, model, eval, old, hostile, run;
} fixture;

static int64_t put_art(mlmd_store *s, int64_t type, const char *name, const char *uri)
{
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	if (name)
		OK(mlmd_message_set_string(a, "name", name));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

#define IN MLMD__PB__EVENT__TYPE__INPUT
#define OUT MLMD__PB__EVENT__TYPE__OUTPUT
#define HOSTILE "</script><img src=x onerror=alert(1)>\"'&\x01"

/* data -> train -> model -> eval, an old input deleted, a labelled data set,
 * a hostile artifact read by train, a registered model and a tracked run. */
static mlmd_store *demo(fixture *f)
{
	mlmd_store *s = open_memory();
	int64_t dt = artifact_type(s, "DataSet", 0), mt = artifact_type(s, "Model", 0);
	int64_t tt = execution_type(s, "Trainer"), et = execution_type(s, "Evaluator");
	f->data = put_art(s, dt, "iris", "file:///data/iris.csv");
	f->old = put_art(s, dt, "old", "file:///data/old.csv");
	f->train = put_execution_as(s, tt, 0, "train-1", MLMD__PB__EXECUTION__STATE__COMPLETE);
	f->model = put_art(s, mt, "iris-model", "file:///m.onnx");
	f->eval = put_execution_as(s, et, 0, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE);
	Mlmd__Pb__Artifact *h = new_artifact(dt, "file:///evil");
	OK(mlmd_message_set_string(h, "name", HOSTILE));
	OK(mlmd_node_set_string(h, 1, "note", "</script><script>alert(2)</script>"));
	OK(put_artifact(s, h, &f->hostile));
	put_event_node(s, f->train, f->data, IN);
	put_event_node(s, f->train, f->old, IN);
	put_event_node(s, f->train, f->model, OUT);
	put_event_node(s, f->eval, f->model, IN);
	put_event_node(s, f->train, f->hostile, IN);
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, f->data, "PII", "names in column 3", 0, 1, NULL));
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &f->old, 1, "superseded", 0, NULL));
	OK(mlmd_registry_create_model(s, "iris", "the iris classifier", NULL, 0, NULL));
	OK(mlmd_registry_create_version(s, "iris", f->model, f->train, NULL, NULL, 0, NULL));
	OK(mlmd_registry_set_alias(s, "iris", "prod", 1));
	mlmd_run_options ro = MLMD_RUN_OPTIONS_INIT;
	ro.no_capture = 1;
	mlmd_run *run;
	OK(mlmd_run_begin(&run, s, "tuning", "trial-1", NULL, &ro));
	OK(mlmd_run_log_param_double(run, "lr", 0.05));
	for (int i = 0; i < 50; i++)
		OK(mlmd_run_log_metric(run, "loss", 1.0 / (i + 1), i));
	OK(mlmd_run_end(run, MLMD_RUN_COMPLETE));
	f->run = mlmd_run_id(run);
	mlmd_run_free(run);
	return s;
}

/* The page for these options, NUL-terminated (free it), or NULL with *rc. */
static char *page(mlmd_store *s, const mlmd_report_options *o, int *rc, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	*rc = mlmd_report_write(s, o, f);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	if (*rc) {
		assert_int_equal(n, 0); /* a failure writes nothing */
		free(buf);
		return NULL;
	}
	return buf;
}

static char *page_ok(mlmd_store *s, const mlmd_report_options *o)
{
	int rc;
	char *p = page(s, o, &rc, NULL);
	if (rc)
		fail_msg("mlmd_report_write -> %s: %s", mlmd_status_name(rc), mlmd_error_message());
	return p;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void has_node(const char *p, char kind, int64_t id)
{
	char want[64];
	snprintf(want, sizeof want, "data-node=\"%c%lld\"", kind, (long long)id);
	if (count(p, want) != 1)
		fail_msg("the page draws %s %zu times", want, count(p, want));
}

static void page_draws_the_lineage_and_the_sections(void **state)
{
	(void)state;
	fixture f;
	mlmd_store *s = demo(&f);
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	char *p = page_ok(s, &o); /* no node chosen: the newest model */
	has_node(p, 'a', f.model);
	has_node(p, 'a', f.data);
	has_node(p, 'a', f.old);
	has_node(p, 'a', f.hostile);
	has_node(p, 'e', f.train);
	has_node(p, 'e', f.eval);
	assert_int_equal(count(p, "<g class=\"node "), 6);
	char want[96];
	snprintf(want, sizeof want, "class=\"node artifact labelled centre\" data-node=\"a%lld\"", (long long)f.model);
	assert_non_null(strstr(p, want));
	assert_non_null(strstr(p, "class=\"node artifact deleted\"")); /* the tombstone */
	assert_true(count(p, " labelled") >= 3); /* PII set on the data, reaching train and the model */
	assert_non_null(strstr(p, ">PII<"));
	assert_non_null(strstr(p, "Experiment tuning"));
	assert_non_null(strstr(p, "trial-1"));
	assert_non_null(strstr(p, "metrics.loss"));
	assert_non_null(strstr(p, "<polyline")); /* the loss chart */
	assert_non_null(strstr(p, "the iris classifier"));
	assert_non_null(strstr(p, "No serving recorded"));
	assert_non_null(strstr(p, "Content-Security-Policy"));
	assert_null(strstr(p, "src=\"http")); /* nothing fetched */
	assert_null(strstr(p, "href=\"http"));
	assert_true(mlmd__utf8_valid(p, strlen(p)));
	/* the same store gives the same bytes */
	char *again = page_ok(s, &o);
	assert_string_equal(p, again);
	free(again);
	/* and so does a comma-decimal locale */
	if (setlocale(LC_ALL, "de_DE.UTF-8")) {
		again = page_ok(s, &o);
		setlocale(LC_ALL, "C");
		assert_string_equal(p, again);
		free(again);
	}
	free(p);
	/* centred elsewhere: the run, the model by name, an artifact */
	o.run = "0";
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)f.train);
	o.run = buf;
	p = page_ok(s, &o);
	assert_non_null(strstr(p, "class=\"node execution labelled centre\""));
	free(p);
	o.run = NULL;
	o.model = "iris";
	p = page_ok(s, &o);
	assert_non_null(strstr(p, "the latest version of the registered model"));
	free(p);
	o.model = NULL;
	o.artifact_id = f.data;
	o.title = "Q3 <review>";
	p = page_ok(s, &o);
	assert_non_null(strstr(p, "<title>Q3 &lt;review&gt;</title>"));
	free(p);
	mlmd_store_free(s);
}

static void hostile_text_stays_inert(void **state)
{
	(void)state;
	fixture f;
	mlmd_store *s = demo(&f);
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	char *p = page_ok(s, &o);
	/* three script elements (the error handler, the node data, the page's script) and no more */
	assert_int_equal(count(p, "<script"), 3);
	assert_int_equal(count(p, "</script"), 3);
	assert_null(strstr(p, "<img"));
	assert_non_null(strstr(p, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;\xEF\xBF\xBD"));
	assert_non_null(strstr(p, "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)"));
	for (const unsigned char *c = (const unsigned char *)p; *c; c++)
		if ((*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7F)
			fail_msg("control byte 0x%02x at %zu", *c, (size_t)((const char *)c - p));
	/* the node data is one JSON value */
	const char *a = strstr(p, "id=\"mlmd-data\">"), *z = a ? strstr(a, "</script>") : NULL;
	assert_non_null(z);
	a += strlen("id=\"mlmd-data\">");
	mlmd_json_reader *r;
	OK(mlmd_json_reader_new(&r, a, (size_t)(z - a), 64));
	int t;
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	assert_int_equal(t, MLMD_JSON_END);
	mlmd_json_reader_free(r);
	free(p);
	mlmd_store_free(s);
}

static void invalid_utf8_in_the_store_is_repaired(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t mt = artifact_type(s, "Model", 0);
	Mlmd__Pb__Artifact *a = new_artifact(mt, NULL);
	OK(mlmd_message_set_string(a, "name", "bad\xFF\xFEname"));
	OK(mlmd_node_set_string(a, 1, "k", "v\xC0\xAF"));
	int64_t id;
	int rc = put_artifact(s, a, &id);
	if (rc) { /* the store refused the bytes itself: nothing to repair */
		mlmd_store_free(s);
		skip();
	}
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	char *p = page_ok(s, &o);
	assert_true(mlmd__utf8_valid(p, strlen(p)));
	assert_non_null(strstr(p, "bad\xEF\xBF\xBD\xEF\xBF\xBDname"));
	free(p);
	mlmd_store_free(s);
}

static void bounds_hold(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t dt = artifact_type(s, "Model", 0), st = execution_type(s, "Step");
	/* a chain of 60 artifacts and 60 executions */
	int64_t prev = put_art(s, dt, "a0", NULL);
	for (int i = 0; i < 60; i++) {
		int64_t e = put_execution_as(s, st, 0, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE);
		put_event_node(s, e, prev, IN);
		char name[16];
		snprintf(name, sizeof name, "a%d", i + 1);
		prev = put_art(s, dt, name, NULL);
		put_event_node(s, e, prev, OUT);
	}
	/* a huge property on the newest model */
	char *big = malloc(200001);
	memset(big, 'x', 200000);
	big[200000] = '\0';
	Mlmd__Pb__Artifact *a = new_artifact(dt, NULL);
	OK(mlmd_node_set_string(a, 1, "blob", big));
	free(big);
	int64_t bigid;
	OK(put_artifact(s, a, &bigid));
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	o.artifact_id = prev;
	o.max_nodes = 10;
	char *p = page_ok(s, &o);
	assert_true(count(p, "<g class=\"node ") <= 10);
	assert_non_null(strstr(p, "Cut short at 10 nodes"));
	free(p);
	o.artifact_id = 0; /* the newest model: the one with the blob */
	o.max_nodes = 0;
	size_t len;
	int rc;
	p = page(s, &o, &rc, &len);
	OK(rc);
	assert_non_null(strstr(p, "(cut: 2048 of 200000 bytes shown)"));
	assert_true(len < 100000);
	free(p);
	/* many runs: the table shows the newest 25 of an experiment */
	mlmd_run_options ro = MLMD_RUN_OPTIONS_INIT;
	ro.no_capture = 1;
	for (int i = 0; i < 30; i++) {
		mlmd_run *run;
		OK(mlmd_run_begin(&run, s, "many", NULL, NULL, &ro));
		mlmd_run_free(run);
	}
	/* a long metric history: drawn with at most 400 points */
	mlmd_run *run;
	OK(mlmd_run_begin(&run, s, "long", "long-run", NULL, &ro));
	enum { POINTS = 20000 };
	double *v = malloc(POINTS * sizeof *v);
	int64_t *steps = malloc(POINTS * sizeof *steps);
	for (int i = 0; i < POINTS; i++)
		v[i] = (i % 7) * 0.5 + i * 1e-4, steps[i] = i;
	OK(mlmd_run_log_metrics(run, "wiggle", v, steps, NULL, POINTS));
	free(v);
	free(steps);
	mlmd_run_free(run);
	p = page_ok(s, &o);
	const char *pl = strstr(p, "<polyline");
	assert_non_null(pl);
	const char *pts = strstr(pl, "points=\""), *end = pts ? strchr(pts + 8, '"') : NULL;
	assert_non_null(end);
	size_t commas = 0;
	for (const char *c = pts; c < end; c++)
		commas += *c == ',';
	assert_true(commas > 100 && commas <= 400);
	assert_int_equal(count(p, "<tr data-run="), 25 + 1);
	assert_non_null(strstr(p, "The newest 25 runs; the experiment has more."));
	free(p);
	mlmd_store_free(s);
}

static void errors_are_named(void **state)
{
	(void)state;
	fixture f;
	mlmd_store *s = demo(&f);
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	int rc;
	FAILS(mlmd_report_write(s, NULL, stdout), MLMD_INVALID_ARGUMENT, "required");
	o.version = 0;
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "MLMD_REPORT_OPTIONS_INIT");
	o.version = MLMD_REPORT_OPTIONS_VERSION;
	o.artifact_id = f.model;
	o.model = "iris";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "at most one way");
	o.model = NULL;
	o.artifact_id = 99999;
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_NOT_FOUND, "artifact 99999 does not exist");
	o.artifact_id = -1;
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "negative");
	o.artifact_id = 0;
	o.run = "12abc";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "not a run id");
	o.run = "99999";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_NOT_FOUND, "no run or execution 99999");
	o.run = NULL;
	o.model = "nope";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_NOT_FOUND, "no registered model named 'nope'");
	OK(mlmd_registry_create_model(s, "empty", NULL, NULL, 0, NULL));
	o.model = "empty";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_NOT_FOUND, "has no version");
	o.model = "";
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "empty");
	o.model = NULL;
	o.max_nodes = 5001;
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "max_nodes");
	o.max_nodes = -1;
	assert_null(page(s, &o, &rc, NULL));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "max_nodes");
	/* the handle is usable after a failure: its transaction was ended */
	o.max_nodes = 0;
	free(page_ok(s, &o));
	mlmd_store_free(s);
}

static void empty_store_says_so(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	char *p = page_ok(s, &o);
	assert_non_null(strstr(p, "No artifact in the store"));
	assert_non_null(strstr(p, "No experiment tracked"));
	assert_non_null(strstr(p, "No registered model"));
	assert_non_null(strstr(p, "No serving recorded"));
	free(p);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_layers_increase_along_edges),
		cmocka_unit_test(layout_breaks_cycles),
		cmocka_unit_test(layout_undoes_a_crossing),
		cmocka_unit_test(layout_is_deterministic),
		cmocka_unit_test(invalid_utf8_is_replaced),
		cmocka_unit_test(page_draws_the_lineage_and_the_sections),
		cmocka_unit_test(hostile_text_stays_inert),
		cmocka_unit_test(invalid_utf8_in_the_store_is_repaired),
		cmocka_unit_test(bounds_hold),
		cmocka_unit_test(errors_are_named),
		cmocka_unit_test(empty_store_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * store/testing_equals.c - CheckLineage's GRAPH_EQUALS: the store's graph
 * compared with the one a notation text describes, nodes matched by name.
 *
 * The store's graph is every live artifact, execution and context whose
 * type is not one of the library's own (types named "mlmd.*": the registry,
 * experiments). A node of the text matches the store node of the same name,
 * preferring one of the same kind and type. Compared: each node's kind and
 * type; its state and custom properties when the text gives them (a state or
 * property the text leaves out is not compared); the edges (INPUT-like and
 * OUTPUT-like events) and context memberships between matched nodes. Store
 * nodes no text node matched are extra, nodes without a name included (the
 * text cannot name them; they are written "#id:Type").
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "testing_check.h"

/* The most differences a failure lists. */
#define MAX_DIFFS 40

typedef struct snode {
	int kind;                    /* KIND_* */
	int64_t id;
	char *name;                  /* NULL: none */
	char *type;
	int has_state, state;
	long match;                  /* the text node it matched, or -1 */
} snode;

typedef struct eq {
	call *c;
	const mlmd__tgraph *g;
	snode *v;                    /* the store's nodes, by kind then id */
	size_t n;
	long *of;                    /* of[i]: the store node text node i matched, or -1 */
	size_t *by_name;             /* indices of the named store nodes, by name then index */
	size_t n_named;
	mlmd_buf *fail;
	size_t diffs;
} eq;

static const char *const nodes_sql[3][2] = {
	[KIND_ARTIFACT] = { "SELECT n.id, n.name, t.name, n.state FROM artifact n JOIN type t ON t.id = n.type_id"
			    " ORDER BY n.id",
			    "SELECT n.id, n.name, t.name, n.state FROM artifact n JOIN type t ON t.id = n.type_id"
			    " WHERE n.deleted_time IS NULL ORDER BY n.id" },
	[KIND_EXECUTION] = { "SELECT n.id, n.name, t.name, n.state FROM execution n JOIN type t ON t.id = n.type_id"
			     " ORDER BY n.id",
			     "SELECT n.id, n.name, t.name, n.state FROM execution n JOIN type t ON t.id = n.type_id"
			     " WHERE n.deleted_time IS NULL ORDER BY n.id" },
	[KIND_CONTEXT] = { "SELECT n.id, n.name, t.name, NULL FROM context n JOIN type t ON t.id = n.type_id"
			   " ORDER BY n.id",
			   "SELECT n.id, n.name, t.name, NULL FROM context n JOIN type t ON t.id = n.type_id"
			   " WHERE n.deleted_time IS NULL ORDER BY n.id" },
};

static char *dup_or_null(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static int load_nodes(eq *e)
{
	static const int order[3] = { KIND_ARTIFACT, KIND_EXECUTION, KIND_CONTEXT };
	for (int o = 0; o < 3; o++) {
		int k = order[o];
		sqlq q;
		int rc = mlmd__q(e->c->sql, &q, nodes_sql[k][MLMD_LIVE_ONLY(e->c) ? 1 : 0]);
		if (rc)
			return rc;
		while ((rc = mlmd__q_step(&q)) == 1) {
			const char *type = mlmd__q_col_text(&q, 2);
			if (type && !strncmp(type, "mlmd.", 5))
				continue; /* the library's own records */
			if (mlmd__grow((void **)&e->v, e->n, sizeof *e->v)) {
				rc = MLMD_OOM();
				break;
			}
			snode *s = &e->v[e->n++];
			memset(s, 0, sizeof *s);
			s->kind = k;
			s->id = mlmd__q_col_i64(&q, 0);
			s->match = -1;
			s->has_state = !mlmd__q_isnull(&q, 3);
			s->state = (int)mlmd__q_col_i64(&q, 3);
			const char *name = mlmd__q_col_text(&q, 1);
			s->name = dup_or_null(name && name[0] ? name : NULL);
			s->type = dup_or_null(type ? type : "?");
			if ((name && name[0] && !s->name) || !s->type) {
				rc = MLMD_OOM();
				break;
			}
		}
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int tkind(mlmd_node_kind k)
{
	return k == MLMD_NODE_ARTIFACT ? KIND_ARTIFACT : k == MLMD_NODE_EXECUTION ? KIND_EXECUTION : KIND_CONTEXT;
}

/* Starts one difference line; 0 when the list is already full. */
static int diff(eq *e)
{
	if (e->diffs++ >= MAX_DIFFS)
		return 0;
	mlmd__buf_puts(e->fail, "\n");
	return 1;
}

static void put_text_node(eq *e, size_t i)
{
	const mlmd__tnode *t = &e->g->nodes[i];
	mlmd__tcheck_put_node_parts(e->fail, tkind(t->kind), 0, t->name, t->type, t->has_state, t->state);
}

static void put_store_node(eq *e, const snode *s)
{
	mlmd__tcheck_put_node_parts(e->fail, s->kind, s->id, s->name, s->type, s->has_state, s->state);
}

typedef struct named {
	const char *name;
	size_t j;
} named;

static int named_cmp(const void *x, const void *y)
{
	const named *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	return c ? c : (a->j > b->j) - (a->j < b->j);
}

/* e->by_name: the named store nodes sorted by name, then index, so that
 * matching a text of n nodes costs n log n, not n times the store. */
static int index_names(eq *e)
{
	named *t = malloc((e->n ? e->n : 1) * sizeof *t);
	if (!t)
		return MLMD_OOM();
	size_t k = 0;
	for (size_t j = 0; j < e->n; j++)
		if (e->v[j].name)
			t[k++] = (named){ e->v[j].name, j };
	qsort(t, k, sizeof *t, named_cmp);
	e->by_name = malloc((k ? k : 1) * sizeof *e->by_name);
	if (!e->by_name) {
		free(t);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < k; i++)
		e->by_name[i] = t[i].j;
	e->n_named = k;
	free(t);
	return 0;
}

/* Matches text node i to the store node of the same name, preferring the
 * same kind and type, then the same kind (the first in store order among
 * equals). */
static void match(eq *e, size_t i)
{
	const mlmd__tnode *t = &e->g->nodes[i];
	long best = -1;
	int best_score = -1;
	size_t lo = 0, hi = e->n_named;
	while (lo < hi) { /* the first with a name not below t's */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(e->v[e->by_name[mid]].name, t->name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < e->n_named; k++) {
		size_t j = e->by_name[k];
		snode *s = &e->v[j];
		if (strcmp(s->name, t->name))
			break;
		if (s->match >= 0 || !s->name || strcmp(s->name, t->name))
			continue;
		int score = (s->kind == tkind(t->kind)) * 2 + (s->kind == tkind(t->kind) && !strcmp(s->type, t->type));
		if (score > best_score)
			best = (long)j, best_score = score;
	}
	e->of[i] = best;
	if (best >= 0)
		e->v[best].match = (long)i;
}

static const char *const props_sql[3] = {
	[KIND_ARTIFACT] = "SELECT value_type, int_value, double_value, string_value, bool_value FROM artifact_property"
			  " WHERE node_id = ? AND name = ? ORDER BY is_custom DESC",
	[KIND_EXECUTION] = "SELECT value_type, int_value, double_value, string_value, bool_value FROM"
			   " execution_property WHERE node_id = ? AND name = ? ORDER BY is_custom DESC",
	[KIND_CONTEXT] = "SELECT value_type, int_value, double_value, string_value, bool_value FROM context_property"
			 " WHERE node_id = ? AND name = ? ORDER BY is_custom DESC",
};

static void put_string(mlmd_buf *b, const char *s)
{
	mlmd__buf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			mlmd__buf_puts(b, "\\");
		mlmd__buf_put(b, s, 1);
	}
	mlmd__buf_puts(b, "'");
}

static void put_double(mlmd_buf *b, double d)
{
	char num[40];
	mlmd__buf_puts(b, mlmd__fmt_double(num, sizeof num, d, 17));
}

static void put_expected(mlmd_buf *b, const mlmd__tprop *p)
{
	switch (p->kind) {
	case MLMD__TVAL_INT: mlmd__buf_printf(b, "%" PRId64, p->i); break;
	case MLMD__TVAL_DOUBLE: put_double(b, p->d); break;
	case MLMD__TVAL_STRING: put_string(b, p->s); break;
	case MLMD__TVAL_BOOL: mlmd__buf_puts(b, p->b ? "true" : "false"); break;
	}
}

/* Compares the properties text node i gives with its store node's. */
static int compare_props(eq *e, size_t i, const snode *s)
{
	const mlmd__tnode *t = &e->g->nodes[i];
	for (size_t p = 0; p < t->n_props; p++) {
		const mlmd__tprop *want = &t->props[p];
		sqlq q;
		int rc = mlmd__q(e->c->sql, &q, props_sql[s->kind]);
		if (rc)
			return rc;
		mlmd__q_i64(&q, 1, s->id);
		mlmd__q_text(&q, 2, want->key);
		rc = mlmd__q_step(&q);
		if (rc < 0) {
			mlmd__q_done(&q);
			return rc;
		}
		int same = 0, vt = rc == 1 ? (int)mlmd__q_col_i64(&q, 0) : 0;
		if (rc == 1) {
			switch (want->kind) {
			case MLMD__TVAL_INT:
				same = vt == MLMD__PB__PROPERTY_TYPE__INT && mlmd__q_col_i64(&q, 1) == want->i;
				break;
			case MLMD__TVAL_DOUBLE:
				same = vt == MLMD__PB__PROPERTY_TYPE__DOUBLE && mlmd__q_col_dbl(&q, 2) == want->d;
				break;
			case MLMD__TVAL_STRING: {
				const char *v = mlmd__q_col_text(&q, 3);
				same = vt == MLMD__PB__PROPERTY_TYPE__STRING && v && !strcmp(v, want->s);
				break;
			}
			case MLMD__TVAL_BOOL:
				same = vt == MLMD__PB__PROPERTY_TYPE__BOOLEAN && (mlmd__q_col_i64(&q, 4) != 0) == (want->b != 0);
				break;
			}
		}
		if (!same && diff(e)) {
			mlmd__buf_printf(e->fail, "%s: property %s: expected ", t->name, want->key);
			put_expected(e->fail, want);
			mlmd__buf_puts(e->fail, ", found ");
			if (rc == 0)
				mlmd__buf_puts(e->fail, "none");
			else if (vt == MLMD__PB__PROPERTY_TYPE__INT)
				mlmd__buf_printf(e->fail, "%" PRId64, mlmd__q_col_i64(&q, 1));
			else if (vt == MLMD__PB__PROPERTY_TYPE__DOUBLE)
				put_double(e->fail, mlmd__q_col_dbl(&q, 2));
			else if (vt == MLMD__PB__PROPERTY_TYPE__STRING)
				put_string(e->fail, mlmd__q_col_text(&q, 3) ? mlmd__q_col_text(&q, 3) : "");
			else if (vt == MLMD__PB__PROPERTY_TYPE__BOOLEAN)
				mlmd__buf_puts(e->fail, mlmd__q_col_i64(&q, 4) ? "true" : "false");
			else
				mlmd__buf_puts(e->fail, vt == MLMD__PB__PROPERTY_TYPE__STRUCT ? "a struct" : "a proto");
		}
		mlmd__q_done(&q);
	}
	return 0;
}

/* ---- edges and memberships ---------------------------------------------------------------------- */

/* A pair of store node indices (from, to), or (context, member). */
typedef struct pair {
	size_t a, b;
	int seen;                    /* the other side has it too */
} pair;

/* A kind's place in e->v, which load_nodes fills artifacts, executions,
 * contexts, each by id. */
static int kind_rank(int kind)
{
	return kind == KIND_ARTIFACT ? 0 : kind == KIND_EXECUTION ? 1 : 2;
}

static long find_node(const eq *e, int kind, int64_t id)
{
	size_t lo = 0, hi = e->n;
	int r = kind_rank(kind);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const snode *s = &e->v[mid];
		int sr = kind_rank(s->kind);
		if (sr < r || (sr == r && s->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->n && e->v[lo].kind == kind && e->v[lo].id == id ? (long)lo : -1;
}

static int push_pair(pair **arr, size_t *n, size_t a, size_t b)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i].a == a && (*arr)[i].b == b)
			return 0;
	if (mlmd__grow((void **)arr, *n, sizeof **arr))
		return MLMD_OOM();
	(*arr)[(*n)++] = (pair){ a, b, 0 };
	return 0;
}

/* The store's edges (ev = 1: from events, as from -> to) or memberships
 * (ev = 0: context, member) between nodes in scope. */
static int load_pairs(eq *e, int ev, pair **out, size_t *n)
{
	static const char *const sql[3] = { "SELECT artifact_id, execution_id, type FROM event ORDER BY id",
					    "SELECT context_id, artifact_id, 0 FROM attribution ORDER BY context_id, artifact_id",
					    "SELECT context_id, execution_id, 0 FROM association ORDER BY context_id, execution_id" };
	for (int w = ev ? 0 : 1; w < (ev ? 1 : 3); w++) {
		sqlq q;
		int rc = mlmd__q(e->c->sql, &q, sql[w]);
		if (rc)
			return rc;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t x = mlmd__q_col_i64(&q, 0), y = mlmd__q_col_i64(&q, 1);
			long a, b;
			if (ev) {
				a = find_node(e, KIND_ARTIFACT, x);
				b = find_node(e, KIND_EXECUTION, y);
				int t = (int)mlmd__q_col_i64(&q, 2);
				if (mlmd__event_is_output(t)) {
					long tmp = a;
					a = b, b = tmp;
				} else if (!mlmd__event_is_input(t)) {
					continue;
				}
			} else {
				a = find_node(e, KIND_CONTEXT, x);
				b = find_node(e, w == 1 ? KIND_ARTIFACT : KIND_EXECUTION, y);
			}
			if (a < 0 || b < 0 || e->v[a].match < 0 || e->v[b].match < 0)
				continue; /* compared between matched nodes only */
			if ((rc = push_pair(out, n, (size_t)a, (size_t)b)) < 0)
				break;
		}
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Compares the text's edges (ev = 1) or memberships with the store's. */
static int compare_pairs(eq *e, int ev)
{
	pair *st = NULL;
	size_t nst = 0;
	int rc = load_pairs(e, ev, &st, &nst);
	size_t nt = ev ? e->g->n_edges : e->g->n_members;
	for (size_t i = 0; !rc && i < nt; i++) {
		size_t ta = ev ? e->g->edges[i].from : e->g->members[i].context;
		size_t tb = ev ? e->g->edges[i].to : e->g->members[i].node;
		long a = e->of[ta], b = e->of[tb];
		/* only between nodes that matched with the right kind */
		if (a < 0 || b < 0 || e->v[a].kind != tkind(e->g->nodes[ta].kind) ||
		    e->v[b].kind != tkind(e->g->nodes[tb].kind))
			continue;
		int found = 0;
		for (size_t j = 0; j < nst; j++)
			if (st[j].a == (size_t)a && st[j].b == (size_t)b)
				st[j].seen = found = 1;
		if (found || !diff(e))
			continue;
		if (ev) {
			mlmd__buf_puts(e->fail, "missing edge ");
			put_text_node(e, ta);
			mlmd__buf_puts(e->fail, " -> ");
			put_text_node(e, tb);
		} else {
			mlmd__buf_puts(e->fail, "missing in context ");
			put_text_node(e, ta);
			mlmd__buf_puts(e->fail, ": ");
			put_text_node(e, tb);
		}
	}
	for (size_t j = 0; !rc && j < nst; j++) {
		if (st[j].seen || !diff(e))
			continue;
		mlmd__buf_puts(e->fail, ev ? "extra edge " : "extra in context ");
		put_store_node(e, &e->v[st[j].a]);
		mlmd__buf_puts(e->fail, ev ? " -> " : ": ");
		put_store_node(e, &e->v[st[j].b]);
	}
	free(st);
	return rc;
}

int mlmd__tcheck_graph_equals(call *c, const char *text, mlmd_buf *fail)
{
	if (!text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: GRAPH_EQUALS needs `text`");
	mlmd__tgraph *g = NULL;
	int rc = mlmd__tgraph_parse(text, &g);
	if (rc)
		return mlmd__context(rc, "CheckLineage: text");
	eq e = { .c = c, .g = g, .fail = fail };
	mlmd__buf_puts(fail, "the store's graph differs from the expected one:");
	e.of = g->n_nodes ? malloc(g->n_nodes * sizeof *e.of) : NULL;
	if (g->n_nodes && !e.of)
		rc = MLMD_OOM();
	if (!rc)
		rc = load_nodes(&e);
	if (!rc)
		rc = index_names(&e);
	for (size_t i = 0; !rc && i < g->n_nodes; i++)
		match(&e, i);
	for (size_t i = 0; !rc && i < g->n_nodes; i++) {
		const mlmd__tnode *t = &g->nodes[i];
		if (e.of[i] < 0) {
			if (diff(&e)) {
				mlmd__buf_puts(fail, "missing ");
				put_text_node(&e, i);
			}
			continue;
		}
		const snode *s = &e.v[e.of[i]];
		if (s->kind != tkind(t->kind) || strcmp(s->type, t->type)) {
			if (diff(&e)) {
				mlmd__buf_printf(fail, "%s: expected ", t->name);
				put_text_node(&e, i);
				mlmd__buf_puts(fail, ", found ");
				put_store_node(&e, s);
			}
			continue;
		}
		if (t->has_state && (!s->has_state || s->state != t->state) && diff(&e))
			mlmd__buf_printf(fail, "%s: expected state %s, found %s", t->name, mlmd__tcheck_state_name(t->state),
					 s->has_state ? mlmd__tcheck_state_name(s->state) : "no state");
		rc = compare_props(&e, i, s);
	}
	for (size_t j = 0; !rc && j < e.n; j++) {
		if (e.v[j].match >= 0 || !diff(&e))
			continue;
		mlmd__buf_puts(fail, "extra ");
		put_store_node(&e, &e.v[j]);
	}
	if (!rc)
		rc = compare_pairs(&e, 1);
	if (!rc)
		rc = compare_pairs(&e, 0);
	if (!rc && e.diffs > MAX_DIFFS)
		mlmd__buf_printf(fail, "\n... and %zu more differences", e.diffs - MAX_DIFFS);
	for (size_t j = 0; j < e.n; j++) {
		free(e.v[j].name);
		free(e.v[j].type);
	}
	free(e.v);
	free(e.of);
	free(e.by_name);
	mlmd__tgraph_free(g);
	if (rc < 0)
		return rc;
	if (!e.diffs) {
		fail->len = 0;
		return 0;
	}
	return 1;
}

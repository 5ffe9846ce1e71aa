/*
 * render/render.c - lineage as a tree, a Graphviz graph or JSON, built from
 * the store's public API alone (GetLineageSubgraph), as a host program would.
 *
 * One walk gives one answer in every format. The nodes are those reached
 * from the starting node by following edges in one direction: upstream (its
 * inputs, what made them, ...) and, when asked, downstream (what read it,
 * what that made, ...), each a GetLineageSubgraph call with that direction,
 * read in one transaction and merged. MLMD's BIDIRECTIONAL walk is not used:
 * it also turns around at every node, so a model's lineage would gather
 * every other run that read the same data set.
 *
 * The tree shows each node once per direction: a node reached again is
 * printed as a reference ("see above"), so a diamond or a cycle cannot
 * repeat forever. It is printed by an explicit stack, not recursion, so a
 * long chain cannot exhaust the C stack.
 *
 * A serving execution that served a model without a matching digest (its
 * bool property model_verified is false) is marked "model NOT verified" in
 * every format, so a picture of lineage never passes it off as verified.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "util/base.h"
#include "util/pbutil.h"
#include "report.h"

/* The merged graph: borrowed pointers into the walks' responses. */
typedef struct {
	const Mlmd__Pb__Artifact **a;
	const Mlmd__Pb__Execution **e;
	const Mlmd__Pb__Event **ev;
	const Mlmd__Pb__ArtifactType **at;
	const Mlmd__Pb__ExecutionType **et;
	size_t na, ne, nev, nat, net;
	/* adjacency: for node i, its events are evs[first[i] .. first[i + 1]) (indexes into ev) */
	size_t *a_first, *a_evs, *e_first, *e_evs;
	int *ev_a, *ev_e;          /* each event's artifact and execution index */
} graph;

static void graph_free(graph *g)
{
	free(g->a);
	free(g->e);
	free(g->ev);
	free(g->at);
	free(g->et);
	free(g->a_first);
	free(g->a_evs);
	free(g->e_first);
	free(g->e_evs);
	free(g->ev_a);
	free(g->ev_e);
}

static int cmp_artifact(const void *x, const void *y)
{
	int64_t a = (*(const Mlmd__Pb__Artifact *const *)x)->id, b = (*(const Mlmd__Pb__Artifact *const *)y)->id;
	return a < b ? -1 : a > b;
}

static int cmp_execution(const void *x, const void *y)
{
	int64_t a = (*(const Mlmd__Pb__Execution *const *)x)->id, b = (*(const Mlmd__Pb__Execution *const *)y)->id;
	return a < b ? -1 : a > b;
}

static int cmp_event(const void *x, const void *y)
{
	const Mlmd__Pb__Event *a = *(const Mlmd__Pb__Event *const *)x, *b = *(const Mlmd__Pb__Event *const *)y;
	if (a->execution_id != b->execution_id)
		return a->execution_id < b->execution_id ? -1 : 1;
	if (a->artifact_id != b->artifact_id)
		return a->artifact_id < b->artifact_id ? -1 : 1;
	int ta = a->has_type ? a->type : 0, tb = b->has_type ? b->type : 0;
	return ta < tb ? -1 : ta > tb;
}

/* Index of the node with this id in a sorted array, or -1. */
static int find_artifact(const graph *g, int64_t id)
{
	size_t lo = 0, hi = g->na;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->a[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->na && g->a[lo]->id == id ? (int)lo : -1;
}

static int find_execution(const graph *g, int64_t id)
{
	size_t lo = 0, hi = g->ne;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->e[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->ne && g->e[lo]->id == id ? (int)lo : -1;
}

/* Appends the items of src to dst (n so far). */
static int append_ptrs(const void ***dst, size_t *n, void *const *src, size_t nsrc)
{
	const void **v = realloc(*dst, (*n + nsrc + 1) * sizeof *v);
	if (!v)
		return MLMD_OOM();
	*dst = v;
	if (nsrc)
		memcpy(v + *n, src, nsrc * sizeof *v);
	*n += nsrc;
	return 0;
}

/* Sorts v and drops the items equal to the one before them. */
static void sort_unique(const void **v, size_t *n, int (*cmp)(const void *, const void *))
{
	if (*n < 2)
		return;
	qsort(v, *n, sizeof *v, cmp);
	size_t k = 1;
	for (size_t i = 1; i < *n; i++)
		if (cmp(&v[i], &v[k - 1]))
			v[k++] = v[i];
	*n = k;
}

/* Types compare by id; the three type messages begin alike (id is field 1). */
static int cmp_artifact_type(const void *x, const void *y)
{
	int64_t a = (*(const Mlmd__Pb__ArtifactType *const *)x)->id, b = (*(const Mlmd__Pb__ArtifactType *const *)y)->id;
	return a < b ? -1 : a > b;
}

static int cmp_execution_type(const void *x, const void *y)
{
	int64_t a = (*(const Mlmd__Pb__ExecutionType *const *)x)->id, b = (*(const Mlmd__Pb__ExecutionType *const *)y)->id;
	return a < b ? -1 : a > b;
}

/* Merges the walks' graphs (one or two): nodes by id, events by (execution,
 * artifact, type), each once; then indexes every node's events. */
static int graph_build(graph *g, const Mlmd__Pb__LineageGraph *const *w, int nw)
{
	memset(g, 0, sizeof *g);
	int rc = 0;
	for (int i = 0; i < nw && !rc; i++) {
		const Mlmd__Pb__LineageGraph *l = w[i];
		if (!l)
			continue;
		if ((rc = append_ptrs((const void ***)&g->a, &g->na, (void *const *)l->artifacts, l->n_artifacts)) ||
		    (rc = append_ptrs((const void ***)&g->e, &g->ne, (void *const *)l->executions, l->n_executions)) ||
		    (rc = append_ptrs((const void ***)&g->at, &g->nat, (void *const *)l->artifact_types,
				      l->n_artifact_types)) ||
		    (rc = append_ptrs((const void ***)&g->et, &g->net, (void *const *)l->execution_types,
				      l->n_execution_types)))
			break;
		rc = append_ptrs((const void ***)&g->ev, &g->nev, (void *const *)l->events, l->n_events);
	}
	if (rc)
		return rc;
	sort_unique((const void **)g->a, &g->na, cmp_artifact);
	sort_unique((const void **)g->e, &g->ne, cmp_execution);
	sort_unique((const void **)g->at, &g->nat, cmp_artifact_type);
	sort_unique((const void **)g->et, &g->net, cmp_execution_type);
	sort_unique((const void **)g->ev, &g->nev, cmp_event);
	/* keep only events between nodes of the graph, and index them by node */
	g->ev_a = malloc((g->nev + 1) * sizeof *g->ev_a);
	g->ev_e = malloc((g->nev + 1) * sizeof *g->ev_e);
	g->a_first = calloc(g->na + 2, sizeof *g->a_first);
	g->e_first = calloc(g->ne + 2, sizeof *g->e_first);
	g->a_evs = malloc((g->nev + 1) * sizeof *g->a_evs);
	g->e_evs = malloc((g->nev + 1) * sizeof *g->e_evs);
	if (!g->ev_a || !g->ev_e || !g->a_first || !g->e_first || !g->a_evs || !g->e_evs)
		return MLMD_OOM();
	size_t kept = 0;
	for (size_t i = 0; i < g->nev; i++) {
		int ai = find_artifact(g, g->ev[i]->artifact_id), ei = find_execution(g, g->ev[i]->execution_id);
		if (ai < 0 || ei < 0)
			continue;
		g->ev[kept] = g->ev[i];
		g->ev_a[kept] = ai;
		g->ev_e[kept++] = ei;
		g->a_first[ai + 1]++;
		g->e_first[ei + 1]++;
	}
	g->nev = kept;
	for (size_t i = 0; i < g->na; i++)
		g->a_first[i + 1] += g->a_first[i];
	for (size_t i = 0; i < g->ne; i++)
		g->e_first[i + 1] += g->e_first[i];
	size_t *fill_a = calloc(g->na + 1, sizeof *fill_a), *fill_e = calloc(g->ne + 1, sizeof *fill_e);
	if (!fill_a || !fill_e) {
		free(fill_a);
		free(fill_e);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < g->nev; i++) { /* in event order, so each node's list keeps it */
		g->a_evs[g->a_first[g->ev_a[i]] + fill_a[g->ev_a[i]]++] = i;
		g->e_evs[g->e_first[g->ev_e[i]] + fill_e[g->ev_e[i]]++] = i;
	}
	free(fill_a);
	free(fill_e);
	return 0;
}

static const char *type_name(const graph *g, bool execution, int64_t type_id)
{
	if (execution) {
		for (size_t i = 0; i < g->net; i++)
			if (g->et[i]->id == type_id)
				return g->et[i]->name;
	} else {
		for (size_t i = 0; i < g->nat; i++)
			if (g->at[i]->id == type_id)
				return g->at[i]->name;
	}
	return "?";
}

/* A tombstone's deletion time (the lineage walk marks deleted nodes with
 * the custom property mlmd.deleted_time), or -1 for a live node. */
int64_t mlmd__rp_deleted_time(const void *node)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, "mlmd.deleted_time");
	return v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? v->int_value : -1;
}

const char *mlmd__rp_custom_text(const void *node, const char *key)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, key);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && v->string_value ? v->string_value : "";
}

static void label_deleted(mlmd_buf *b, const void *node)
{
	if (mlmd__rp_deleted_time(node) < 0)
		return;
	const char *why = mlmd__rp_custom_text(node, "mlmd.delete_reason");
	mlmd__buf_printf(b, " (deleted by %s%s%s)", mlmd__rp_custom_text(node, "mlmd.deleted_by"), *why ? ": " : "", why);
}

/* JSON: "deleted" on every node; a tombstone adds when, by whom and why. */
static void json_deleted(mlmd_json_writer *w, const void *node)
{
	int64_t t = mlmd__rp_deleted_time(node);
	mlmd_json_key(w, "deleted");
	mlmd_json_bool(w, t >= 0);
	if (t < 0)
		return;
	mlmd_json_key(w, "deleted_time");
	mlmd_json_int(w, t);
	mlmd_json_key(w, "deleted_by");
	mlmd_json_string(w, mlmd__rp_custom_text(node, "mlmd.deleted_by"));
	mlmd_json_key(w, "delete_reason");
	mlmd_json_string(w, mlmd__rp_custom_text(node, "mlmd.delete_reason"));
}

static void label_artifact(mlmd_buf *b, const graph *g, const Mlmd__Pb__Artifact *a)
{
	mlmd__buf_printf(b, "%s", type_name(g, false, a->type_id));
	if (a->name && a->name[0])
		mlmd__buf_printf(b, " '%s'", a->name);
	mlmd__buf_printf(b, " #%lld", (long long)a->id);
	if (a->uri && a->uri[0])
		mlmd__buf_printf(b, " %s", a->uri);
	label_deleted(b, a);
}

/* An execution's model_verified property: 1 true, 0 false, -1 not recorded
 * (not a serving execution, or one recorded before the property existed). */
static int model_verified(const Mlmd__Pb__Execution *e)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(e, 0, "model_verified");
	if (!v || v->value_case != MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		return -1;
	return v->bool_value ? 1 : 0;
}

static void label_execution(mlmd_buf *b, const graph *g, const Mlmd__Pb__Execution *e)
{
	mlmd__buf_printf(b, "%s", type_name(g, true, e->type_id));
	if (e->name && e->name[0])
		mlmd__buf_printf(b, " '%s'", e->name);
	mlmd__buf_printf(b, " #%lld [%s]", (long long)e->id, mlmd__execution_state_name(e->has_last_known_state ? e->last_known_state : 0));
	if (model_verified(e) == 0)
		mlmd__buf_puts(b, " (model NOT verified)");
	label_deleted(b, e);
}

/* ---- the tree ------------------------------------------------------------------------------ */

/* A child in the tree: a neighbour, the event between them, which way. */
typedef struct {
	bool execution;
	int idx;
	int type;
	bool upward;
} child;

/* One level of the tree being printed. */
typedef struct {
	child *kids;
	size_t n, next;
	size_t prefix_len;         /* this level's prefix in the shared prefix buffer */
} level;

/* The children of a node: upstream first, then downstream. dir: 0 both ways
 * (the root), 1 only upstream, 2 only downstream. A branch keeps its
 * direction, so "what this came from" never turns into "what else that fed". */
static int children(const graph *g, bool up, bool down, bool execution, int idx, int dir, child **out, size_t *n)
{
	const size_t *first = execution ? g->e_first : g->a_first, *evs = execution ? g->e_evs : g->a_evs;
	size_t deg = first[idx + 1] - first[idx];
	*n = 0;
	*out = malloc((2 * deg + 1) * sizeof **out);
	if (!*out)
		return MLMD_OOM();
	for (int pass = 0; pass < 2; pass++) {
		bool upward = pass == 0;
		if ((upward && (!up || dir == 2)) || (!upward && (!down || dir == 1)))
			continue;
		for (size_t k = first[idx]; k < first[idx + 1]; k++) {
			size_t i = evs[k];
			int t = g->ev[i]->has_type ? g->ev[i]->type : 0;
			/* upstream of an artifact: the executions that output it; of an execution: its inputs */
			if (upward != (execution ? mlmd__event_is_input(t) : !mlmd__event_is_input(t)))
				continue;
			(*out)[(*n)++] = (child){ !execution, execution ? g->ev_a[i] : g->ev_e[i], t, upward };
		}
	}
	return 0;
}

static int render_tree(const graph *g, bool up, bool down, bool start_exec, int start, mlmd_buf *out)
{
	uint8_t *seen[2][2] = { { calloc(g->na + 1, 1), calloc(g->ne + 1, 1) },
				{ calloc(g->na + 1, 1), calloc(g->ne + 1, 1) } }; /* [upward][execution] */
	level *stack = malloc((g->na + g->ne + 2) * sizeof *stack);
	mlmd_buf prefix = { 0 };
	int rc = 0;
	if (!seen[0][0] || !seen[0][1] || !seen[1][0] || !seen[1][1] || !stack) {
		rc = MLMD_OOM();
		goto out;
	}
	if (start_exec)
		label_execution(out, g, g->e[start]);
	else
		label_artifact(out, g, g->a[start]);
	mlmd__buf_puts(out, "\n");
	seen[0][start_exec][start] = seen[1][start_exec][start] = 1;
	size_t depth = 0;
	if ((rc = children(g, up, down, start_exec, start, 0, &stack[0].kids, &stack[0].n)))
		goto out;
	stack[0].next = 0;
	stack[0].prefix_len = 0;
	depth = 1;
	/* each node is expanded at most once per direction, so the stack holds at most every node */
	while (depth) {
		level *l = &stack[depth - 1];
		if (l->next == l->n) {
			free(l->kids);
			depth--;
			continue;
		}
		const child *c = &l->kids[l->next++];
		bool last = l->next == l->n;
		if (l->prefix_len)
			mlmd__buf_put(out, prefix.p, l->prefix_len);
		mlmd__buf_puts(out, last ? "└── " : "├── ");
		const char *edge = mlmd__event_type_name(c->type);
		if (c->execution)
			mlmd__buf_printf(out, "%s ", c->upward ? "made by" : "read by");
		else
			mlmd__buf_printf(out, "%s ", c->upward ? (strcmp(edge, "INPUT") ? edge : "input") :
				(strcmp(edge, "OUTPUT") ? edge : "output"));
		if (c->execution)
			label_execution(out, g, g->e[c->idx]);
		else
			label_artifact(out, g, g->a[c->idx]);
		uint8_t *s = &seen[c->upward][c->execution][c->idx];
		if (*s) {
			mlmd__buf_puts(out, " (see above)\n");
			continue;
		}
		*s = 1;
		mlmd__buf_puts(out, "\n");
		/* the child's level: its prefix is this level's plus a bar (or blank after the last child) */
		prefix.len = l->prefix_len;
		mlmd__buf_puts(&prefix, last ? "    " : "│   ");
		level *nl = &stack[depth];
		if ((rc = children(g, up, down, c->execution, c->idx, c->upward ? 1 : 2, &nl->kids, &nl->n)))
			break;
		nl->next = 0;
		nl->prefix_len = prefix.len;
		depth++;
	}
	while (depth)
		free(stack[--depth].kids);
	if (!rc && prefix.oom)
		rc = MLMD_OOM();
out:
	for (int i = 0; i < 4; i++)
		free(seen[i / 2][i % 2]);
	free(stack);
	mlmd__buf_free(&prefix);
	return rc;
}

/* ---- DOT and JSON ----------------------------------------------------------------------------- */

static void dot_string(mlmd_buf *b, const char *s)
{
	mlmd__buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mlmd__buf_put(b, "\\", 1);
		if (*s == '\n')
			mlmd__buf_puts(b, "\\n");
		else
			mlmd__buf_put(b, s, 1);
	}
	mlmd__buf_puts(b, "\"");
}

static void render_dot(const graph *g, bool start_exec, int64_t start_id, mlmd_buf *b)
{
	mlmd__buf_puts(b, "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
		"  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (size_t i = 0; i < g->na; i++) {
		mlmd_buf l = { 0 };
		label_artifact(&l, g, g->a[i]);
		int dead = mlmd__rp_deleted_time(g->a[i]) >= 0; /* a tombstone: dashed and grey */
		mlmd__buf_printf(b, "  a%lld [shape=ellipse, style=\"%s\", fillcolor=\"%s\"%s, label=",
			(long long)g->a[i]->id, dead ? "filled,dashed" : "filled", dead ? "#e5e7eb" : "#dbeafe",
			!start_exec && g->a[i]->id == start_id ? ", penwidth=2.5" : "");
		dot_string(b, l.p ? l.p : "");
		mlmd__buf_puts(b, "];\n");
		mlmd__buf_free(&l);
	}
	for (size_t i = 0; i < g->ne; i++) {
		mlmd_buf l = { 0 };
		label_execution(&l, g, g->e[i]);
		int dead = mlmd__rp_deleted_time(g->e[i]) >= 0;
		mlmd__buf_printf(b, "  e%lld [shape=box, style=\"%s\", fillcolor=\"%s\"%s, label=",
			(long long)g->e[i]->id, dead ? "rounded,filled,dashed" : "rounded,filled",
			dead ? "#e5e7eb" : model_verified(g->e[i]) == 0 ? "#fca5a5" : "#fde68a",
			start_exec && g->e[i]->id == start_id ? ", penwidth=2.5" : "");
		dot_string(b, l.p ? l.p : "");
		mlmd__buf_puts(b, "];\n");
		mlmd__buf_free(&l);
	}
	for (size_t i = 0; i < g->nev; i++) {
		const Mlmd__Pb__Event *ev = g->ev[i];
		int t = ev->has_type ? ev->type : 0;
		if (mlmd__event_is_input(t))
			mlmd__buf_printf(b, "  a%lld -> e%lld [label=\"%s\"];\n", (long long)ev->artifact_id,
				(long long)ev->execution_id, mlmd__event_type_name(t));
		else
			mlmd__buf_printf(b, "  e%lld -> a%lld [label=\"%s\"];\n", (long long)ev->execution_id,
				(long long)ev->artifact_id, mlmd__event_type_name(t));
	}
	mlmd__buf_puts(b, "}\n");
}

static int render_json(const graph *g, bool partial, mlmd_buf *b)
{
	mlmd_json_writer *w;
	int rc = mlmd_json_writer_new(&w, NULL);
	if (rc)
		return rc;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "nodes");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < g->na; i++) {
		const Mlmd__Pb__Artifact *a = g->a[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, "artifact");
		mlmd_json_key(w, "id");
		mlmd_json_int(w, a->id);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, type_name(g, false, a->type_id));
		mlmd_json_key(w, "name");
		mlmd_json_string(w, a->name ? a->name : "");
		mlmd_json_key(w, "uri");
		mlmd_json_string(w, a->uri ? a->uri : "");
		json_deleted(w, a);
		mlmd_json_object_end(w);
	}
	for (size_t i = 0; i < g->ne; i++) {
		const Mlmd__Pb__Execution *e = g->e[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, "execution");
		mlmd_json_key(w, "id");
		mlmd_json_int(w, e->id);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, type_name(g, true, e->type_id));
		mlmd_json_key(w, "name");
		mlmd_json_string(w, e->name ? e->name : "");
		mlmd_json_key(w, "state");
		mlmd_json_string(w, mlmd__execution_state_name(e->has_last_known_state ? e->last_known_state : 0));
		mlmd_json_key(w, "model_verified");
		int mv = model_verified(e);
		if (mv < 0)
			mlmd_json_null(w);
		else
			mlmd_json_bool(w, mv);
		json_deleted(w, e);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "edges");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < g->nev; i++) {
		const Mlmd__Pb__Event *ev = g->ev[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "artifact");
		mlmd_json_int(w, ev->artifact_id);
		mlmd_json_key(w, "execution");
		mlmd_json_int(w, ev->execution_id);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, mlmd__event_type_name(ev->has_type ? ev->type : 0));
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "partial");
	mlmd_json_bool(w, partial);
	mlmd_json_object_end(w);
	mlmd_json_raw(w, "\n");
	size_t n;
	const char *text = mlmd_json_writer_text(w, &n);
	if (text)
		mlmd__buf_put(b, text, n);
	rc = mlmd_json_writer_status(w);
	mlmd_json_writer_free(w);
	return rc;
}

/* ---- the walk -------------------------------------------------------------------------------- */

/* One directed walk from the starting node, at most max_nodes nodes. */
static int walk(mlmd_store *st, const mlmd_lineage_render_options *o, int direction, int64_t max_nodes,
		Mlmd__Pb__GetLineageSubgraphResponse **rs)
{
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)o->id);
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	Mlmd__Pb__LineageSubgraphQueryOptions qo = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	qo.starting_nodes_case = o->execution ? MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS :
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	qo.starting_artifacts = &sn;
	qo.has_max_num_hops = 1;
	qo.max_num_hops = o->max_hops ? o->max_hops : 20; /* artifact-execution edges, as MLMD counts them */
	qo.has_direction = 1;
	qo.direction = direction;
	qo.has_mlmd_max_nodes = 1;
	qo.mlmd_max_nodes = max_nodes;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &qo;
	return mlmd_store_get_lineage_subgraph(st, &rq, rs);
}

static size_t graph_nodes(const Mlmd__Pb__GetLineageSubgraphResponse *rs)
{
	const Mlmd__Pb__LineageGraph *l = rs ? rs->lineage_subgraph : NULL;
	return l ? l->n_artifacts + l->n_executions : 0;
}

int mlmd_lineage_render(mlmd_store *st, const mlmd_lineage_render_options *o, char **out)
{
	if (!st || !o || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: store, options and out are required");
	*out = NULL;
	if (o->version < 1 || o->version > MLMD_LINEAGE_RENDER_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: mlmd_lineage_render_options.version is %u "
			"(this library knows 1 to %d); initialise the options with MLMD_LINEAGE_RENDER_OPTIONS_INIT",
			o->version, MLMD_LINEAGE_RENDER_OPTIONS_VERSION);
	if (o->format < MLMD_RENDER_TREE || o->format > MLMD_RENDER_JSON)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: unknown format %d", o->format);
	if (o->max_hops < 0 || o->max_nodes < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: max_hops and max_nodes must not be negative");
	bool up = o->upstream || !o->downstream, down = o->downstream;
	int64_t max_nodes = o->max_nodes ? o->max_nodes : 1000;
	Mlmd__Pb__GetLineageSubgraphResponse *rs[2] = { NULL, NULL };
	/* both walks see one snapshot (unless the caller's transaction already gives one) */
	bool own_txn = mlmd_store_begin(st, 0) == 0;
	int rc = 0, nw = 0;
	if (up)
		rc = walk(st, o, MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM, max_nodes, &rs[nw++]);
	/* the downstream walk gets what the upstream one left of the node budget (the start is in both) */
	if (!rc && down) {
		int64_t left = max_nodes - (int64_t)graph_nodes(rs[0]) + (nw ? 1 : 0);
		rc = walk(st, o, MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM, left > 0 ? left : 1,
			  &rs[nw++]);
	}
	if (own_txn)
		mlmd_store_rollback(st); /* a read: nothing to keep */
	bool partial = false;
	const char *reason = NULL;
	const Mlmd__Pb__LineageGraph *lg[2] = { NULL, NULL };
	for (int i = 0; i < nw; i++)
		if (rs[i]) {
			lg[i] = rs[i]->lineage_subgraph;
			if (rs[i]->has_mlmd_partial && rs[i]->mlmd_partial && !partial) {
				partial = true;
				reason = rs[i]->mlmd_partial_reason;
			}
		}
	graph g;
	memset(&g, 0, sizeof g);
	int start = -1;
	if (!rc && !(rc = graph_build(&g, lg, nw)))
		start = o->execution ? find_execution(&g, o->id) : find_artifact(&g, o->id);
	if (rc == -MLMD_NOT_FOUND || (!rc && start < 0))
		rc = mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", o->execution ? "execution" : "artifact",
				(long long)o->id);
	mlmd_buf b = { 0 };
	if (!rc && o->format == MLMD_RENDER_TREE) {
		rc = render_tree(&g, up, down, o->execution, start, &b);
		if (!rc && partial)
			mlmd__buf_printf(&b, "(cut short: %s)\n", reason ? reason : "bounds");
	} else if (!rc && o->format == MLMD_RENDER_DOT) {
		render_dot(&g, o->execution, o->id, &b);
	} else if (!rc) {
		rc = render_json(&g, partial, &b);
	}
	graph_free(&g);
	mlmd_message_free(rs[0]);
	mlmd_message_free(rs[1]);
	if (!rc && (b.oom || !b.p))
		rc = MLMD_OOM();
	if (rc) {
		mlmd__buf_free(&b);
		return rc;
	}
	*out = b.p; /* malloc'd: mlmd_buffer_free() frees it */
	return 0;
}

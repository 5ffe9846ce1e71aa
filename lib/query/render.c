/*
 * query/render.c - lineage as a tree, a Graphviz graph or JSON.
 *
 * One GetLineageSubgraph call (bounded by hops and nodes) fetches the
 * neighbourhood; rendering then walks its events from the starting node.
 * The tree shows each node once: a node reached again is printed as a
 * reference ("see above"), so a diamond or a cycle cannot repeat forever.
 *
 * A serving execution that served a model without a matching digest (its
 * bool property model_verified is false) is marked "model NOT verified" in
 * every format, so a picture of lineage never passes it off as verified.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../internal.h"
#include "mlmd/render.h"

typedef struct {
	const Mlmd__Pb__LineageGraph *g;
	mlmd_buf out;
	uint8_t *seen_a, *seen_e;  /* by position in the graph */
	int format;
	bool up, down;
} rctx;

static int find_artifact(const Mlmd__Pb__LineageGraph *g, int64_t id)
{
	for (size_t i = 0; i < g->n_artifacts; i++)
		if (g->artifacts[i]->id == id)
			return (int)i;
	return -1;
}

static int find_execution(const Mlmd__Pb__LineageGraph *g, int64_t id)
{
	for (size_t i = 0; i < g->n_executions; i++)
		if (g->executions[i]->id == id)
			return (int)i;
	return -1;
}

static const char *type_name(const Mlmd__Pb__LineageGraph *g, bool execution, int64_t type_id)
{
	if (execution) {
		for (size_t i = 0; i < g->n_execution_types; i++)
			if (g->execution_types[i]->id == type_id)
				return g->execution_types[i]->name;
	} else {
		for (size_t i = 0; i < g->n_artifact_types; i++)
			if (g->artifact_types[i]->id == type_id)
				return g->artifact_types[i]->name;
	}
	return "?";
}

static const char *event_name(int t)
{
	static const char *const names[] = { "UNKNOWN", "DECLARED_OUTPUT", "DECLARED_INPUT", "INPUT", "OUTPUT",
		"INTERNAL_INPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT" };
	return t >= 0 && t < 8 ? names[t] : "UNKNOWN";
}

static bool is_input(int t)
{
	return t == MLMD__PB__EVENT__TYPE__INPUT || t == MLMD__PB__EVENT__TYPE__DECLARED_INPUT ||
		t == MLMD__PB__EVENT__TYPE__INTERNAL_INPUT;
}

static const char *exec_state(int s)
{
	static const char *const names[] = { "UNKNOWN", "NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED" };
	return s >= 0 && s < 7 ? names[s] : "UNKNOWN";
}

static void label_artifact(mlmd_buf *b, const Mlmd__Pb__LineageGraph *g, const Mlmd__Pb__Artifact *a)
{
	mlmd__buf_printf(b, "%s", type_name(g, false, a->type_id));
	if (a->name && a->name[0])
		mlmd__buf_printf(b, " '%s'", a->name);
	mlmd__buf_printf(b, " #%lld", (long long)a->id);
	if (a->uri && a->uri[0])
		mlmd__buf_printf(b, " %s", a->uri);
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

static void label_execution(mlmd_buf *b, const Mlmd__Pb__LineageGraph *g, const Mlmd__Pb__Execution *e)
{
	mlmd__buf_printf(b, "%s", type_name(g, true, e->type_id));
	if (e->name && e->name[0])
		mlmd__buf_printf(b, " '%s'", e->name);
	mlmd__buf_printf(b, " #%lld [%s]", (long long)e->id, exec_state(e->has_last_known_state ? e->last_known_state : 0));
	if (model_verified(e) == 0)
		mlmd__buf_puts(b, " (model NOT verified)");
}

static void indent(mlmd_buf *b, const char *prefix, bool last)
{
	mlmd__buf_printf(b, "%s%s", prefix, last ? "└── " : "├── ");
}

static void tree_node(rctx *r, bool execution, int idx, const char *prefix, int depth, int dir);

/* Children of a node in the tree: (kind, index, edge label). */
typedef struct {
	bool execution;
	int idx;
	const char *edge;
	bool upward;
} child;

/* dir: 0 both ways (the root), 1 only upstream, 2 only downstream: a branch keeps its direction, so
 * "what this came from" never turns back into "what else that fed". */
static size_t children(rctx *r, bool execution, int idx, child *out, size_t cap, int dir)
{
	const Mlmd__Pb__LineageGraph *g = r->g;
	size_t n = 0;
	int64_t id = execution ? g->executions[idx]->id : g->artifacts[idx]->id;
	for (int pass = 0; pass < 2; pass++) {
		bool upward = pass == 0;
		if ((upward && (!r->up || dir == 2)) || (!upward && (!r->down || dir == 1)))
			continue;
		for (size_t i = 0; i < g->n_events && n < cap; i++) {
			const Mlmd__Pb__Event *ev = g->events[i];
			int t = ev->has_type ? ev->type : 0;
			if (!execution && ev->artifact_id == id) {
				/* upstream of an artifact: the executions that output it; downstream: those that read it */
				if (upward == is_input(t))
					continue;
				int j = find_execution(g, ev->execution_id);
				if (j >= 0)
					out[n++] = (child){ true, j, event_name(t), upward };
			} else if (execution && ev->execution_id == id) {
				if (upward != is_input(t))
					continue;
				int j = find_artifact(g, ev->artifact_id);
				if (j >= 0)
					out[n++] = (child){ false, j, event_name(t), upward };
			}
		}
	}
	return n;
}

static void tree_node(rctx *r, bool execution, int idx, const char *prefix, int depth, int dir)
{
	child kids[256];
	size_t n = children(r, execution, idx, kids, 256, dir);
	for (size_t k = 0; k < n; k++) {
		bool last = k + 1 == n;
		indent(&r->out, prefix, last);
		const child *c = &kids[k];
		if (c->execution)
			mlmd__buf_printf(&r->out, "%s ", c->upward ? "made by" : "read by");
		else
			mlmd__buf_printf(&r->out, "%s ", c->upward ? (strcmp(c->edge, "INPUT") ? c->edge : "input") :
				(strcmp(c->edge, "OUTPUT") ? c->edge : "output"));
		if (c->execution)
			label_execution(&r->out, r->g, r->g->executions[c->idx]);
		else
			label_artifact(&r->out, r->g, r->g->artifacts[c->idx]);
		uint8_t *seen = c->execution ? &r->seen_e[c->idx] : &r->seen_a[c->idx];
		if (*seen || depth > 64) {
			mlmd__buf_puts(&r->out, " (see above)\n");
			continue;
		}
		*seen = 1;
		mlmd__buf_puts(&r->out, "\n");
		char sub[1024];
		snprintf(sub, sizeof sub, "%s%s", prefix, last ? "    " : "│   ");
		tree_node(r, c->execution, c->idx, sub, depth + 1, c->upward ? 1 : 2);
	}
}

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

static void json_string(mlmd_buf *b, const char *s)
{
	mlmd__buf_puts(b, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			mlmd__buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			mlmd__buf_printf(b, "\\u%04x", c);
		else
			mlmd__buf_put(b, s, 1);
	}
	mlmd__buf_puts(b, "\"");
}

static void render_dot(rctx *r, bool start_exec, int64_t start_id)
{
	const Mlmd__Pb__LineageGraph *g = r->g;
	mlmd_buf *b = &r->out;
	mlmd__buf_puts(b, "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
		"  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (size_t i = 0; i < g->n_artifacts; i++) {
		mlmd_buf l = { 0 };
		label_artifact(&l, g, g->artifacts[i]);
		mlmd__buf_printf(b, "  a%lld [shape=ellipse, style=filled, fillcolor=\"#dbeafe\"%s, label=",
			(long long)g->artifacts[i]->id, !start_exec && g->artifacts[i]->id == start_id ? ", penwidth=2.5" : "");
		dot_string(b, l.p ? l.p : "");
		mlmd__buf_puts(b, "];\n");
		mlmd__buf_free(&l);
	}
	for (size_t i = 0; i < g->n_executions; i++) {
		mlmd_buf l = { 0 };
		label_execution(&l, g, g->executions[i]);
		mlmd__buf_printf(b, "  e%lld [shape=box, style=\"rounded,filled\", fillcolor=\"%s\"%s, label=",
			(long long)g->executions[i]->id, model_verified(g->executions[i]) == 0 ? "#fca5a5" : "#fde68a",
			start_exec && g->executions[i]->id == start_id ? ", penwidth=2.5" : "");
		dot_string(b, l.p ? l.p : "");
		mlmd__buf_puts(b, "];\n");
		mlmd__buf_free(&l);
	}
	for (size_t i = 0; i < g->n_events; i++) {
		const Mlmd__Pb__Event *ev = g->events[i];
		int t = ev->has_type ? ev->type : 0;
		if (find_artifact(g, ev->artifact_id) < 0 || find_execution(g, ev->execution_id) < 0)
			continue;
		if (is_input(t))
			mlmd__buf_printf(b, "  a%lld -> e%lld [label=\"%s\"];\n", (long long)ev->artifact_id,
				(long long)ev->execution_id, event_name(t));
		else
			mlmd__buf_printf(b, "  e%lld -> a%lld [label=\"%s\"];\n", (long long)ev->execution_id,
				(long long)ev->artifact_id, event_name(t));
	}
	mlmd__buf_puts(b, "}\n");
}

static void render_json(rctx *r, bool partial)
{
	const Mlmd__Pb__LineageGraph *g = r->g;
	mlmd_buf *b = &r->out;
	mlmd__buf_puts(b, "{\"nodes\":[");
	for (size_t i = 0; i < g->n_artifacts; i++) {
		const Mlmd__Pb__Artifact *a = g->artifacts[i];
		mlmd__buf_printf(b, "%s{\"kind\":\"artifact\",\"id\":%lld,\"type\":", i ? "," : "", (long long)a->id);
		json_string(b, type_name(g, false, a->type_id));
		mlmd__buf_puts(b, ",\"name\":");
		json_string(b, a->name ? a->name : "");
		mlmd__buf_puts(b, ",\"uri\":");
		json_string(b, a->uri ? a->uri : "");
		mlmd__buf_puts(b, "}");
	}
	for (size_t i = 0; i < g->n_executions; i++) {
		const Mlmd__Pb__Execution *e = g->executions[i];
		mlmd__buf_printf(b, "%s{\"kind\":\"execution\",\"id\":%lld,\"type\":", i || g->n_artifacts ? "," : "",
			(long long)e->id);
		json_string(b, type_name(g, true, e->type_id));
		mlmd__buf_puts(b, ",\"name\":");
		json_string(b, e->name ? e->name : "");
		int mv = model_verified(e);
		mlmd__buf_printf(b, ",\"state\":\"%s\",\"model_verified\":%s}",
			exec_state(e->has_last_known_state ? e->last_known_state : 0),
			mv < 0 ? "null" : mv ? "true" : "false");
	}
	mlmd__buf_puts(b, "],\"edges\":[");
	bool first = true;
	for (size_t i = 0; i < g->n_events; i++) {
		const Mlmd__Pb__Event *ev = g->events[i];
		int t = ev->has_type ? ev->type : 0;
		if (find_artifact(g, ev->artifact_id) < 0 || find_execution(g, ev->execution_id) < 0)
			continue;
		mlmd__buf_printf(b, "%s{\"artifact\":%lld,\"execution\":%lld,\"type\":\"%s\"}", first ? "" : ",",
			(long long)ev->artifact_id, (long long)ev->execution_id, event_name(t));
		first = false;
	}
	mlmd__buf_printf(b, "],\"partial\":%s}\n", partial ? "true" : "false");
}

int mlmd_lineage_render(mlmd_store *st, const mlmd_lineage_render_options *o, char **out)
{
	if (!st || !o || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: store, options and out are required");
	*out = NULL;
	if (o->format < MLMD_RENDER_TREE || o->format > MLMD_RENDER_JSON)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: unknown format %d", o->format);
	if (o->max_hops < 0 || o->max_nodes < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_lineage_render: max_hops and max_nodes must not be negative");
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)o->id);
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	Mlmd__Pb__LineageSubgraphQueryOptions qo = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	bool up = o->upstream || !o->downstream, down = o->downstream;
	qo.starting_nodes_case = o->execution ? MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS :
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	qo.starting_artifacts = &sn;
	qo.has_max_num_hops = 1;
	qo.max_num_hops = o->max_hops ? o->max_hops : 20; /* artifact-execution edges, as MLMD counts them */
	qo.has_direction = 1;
	qo.direction = up && down ? MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__BIDIRECTIONAL :
		up ? MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM :
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM;
	qo.has_mlmd_max_nodes = 1;
	qo.mlmd_max_nodes = o->max_nodes ? o->max_nodes : 1000;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &qo;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	int rc = mlmd_store_get_lineage_subgraph(st, &rq, &rs);
	if (rc == -MLMD_NOT_FOUND || (!rc && (!rs->lineage_subgraph || (o->execution ?
		find_execution(rs->lineage_subgraph, o->id) : find_artifact(rs->lineage_subgraph, o->id)) < 0))) {
		mlmd_message_free(rs);
		return mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", o->execution ? "execution" : "artifact",
			(long long)o->id);
	}
	if (rc)
		return rc;
	const Mlmd__Pb__LineageGraph *g = rs->lineage_subgraph;
	rctx r = { .g = g, .format = o->format, .up = up, .down = down };
	r.seen_a = calloc(g->n_artifacts + 1, 1);
	r.seen_e = calloc(g->n_executions + 1, 1);
	if (!r.seen_a || !r.seen_e) {
		rc = MLMD_OOM();
	} else if (o->format == MLMD_RENDER_TREE) {
		int idx = o->execution ? find_execution(g, o->id) : find_artifact(g, o->id);
		if (o->execution)
			label_execution(&r.out, g, g->executions[idx]);
		else
			label_artifact(&r.out, g, g->artifacts[idx]);
		mlmd__buf_puts(&r.out, "\n");
		(o->execution ? r.seen_e : r.seen_a)[idx] = 1;
		tree_node(&r, o->execution, idx, "", 0, 0);
		if (rs->has_mlmd_partial && rs->mlmd_partial)
			mlmd__buf_printf(&r.out, "(cut short: %s)\n", rs->mlmd_partial_reason ? rs->mlmd_partial_reason : "bounds");
	} else if (o->format == MLMD_RENDER_DOT) {
		render_dot(&r, o->execution, o->id);
	} else {
		render_json(&r, rs->has_mlmd_partial && rs->mlmd_partial);
	}
	free(r.seen_a);
	free(r.seen_e);
	mlmd_message_free(rs);
	if (!rc && (r.out.oom || !r.out.p))
		rc = MLMD_OOM();
	if (rc) {
		mlmd__buf_free(&r.out);
		return rc;
	}
	*out = r.out.p; /* malloc'd: mlmd_buffer_free() frees it */
	return 0;
}

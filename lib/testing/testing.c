/*
 * testing/testing.c - mlmd/testing.h: each function one call of
 * mlmd.testing.TestingService through mlmd_store_call(), the request packed
 * and the response unpacked here; the work is the store's
 * (store/testing_*.c), so C, Python and clients of `mlmd serve` agree.
 */
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd/testing.h"
#include "mlmd_testing.pb-c.h"
#include "util/base.h"
#include "util/msgcall.h"

/* Packs req, runs `method` and unpacks the response as `resp_desc`. */
static int tcall(struct mlmd_store *store, const char *fn, const char *method, const ProtobufCMessage *req,
		 const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	return mlmd__msg_call(store, fn, method, req, resp_desc, resp);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- graphs ------------------------------------------------------------------------------------ */

struct mlmd_graph {
	size_t n;
	char **names;                /* n names, in order of first mention */
	mlmd_node_ref *nodes;        /* their nodes */
};

void mlmd_graph_free(mlmd_graph *graph)
{
	if (!graph)
		return;
	for (size_t i = 0; i < graph->n; i++)
		free(graph->names[i]);
	free(graph->names);
	free(graph->nodes);
	free(graph);
}

int mlmd_graph_build(struct mlmd_store *store, const char *text, mlmd_graph **out)
{
	static const char fn[] = "mlmd_graph_build";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	if (!text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: text is NULL", fn);
	Mlmd__Pb__Testing__BuildGraphRequest rq = MLMD__PB__TESTING__BUILD_GRAPH_REQUEST__INIT;
	rq.text = (char *)text;
	Mlmd__Pb__Testing__BuildGraphResponse *rs;
	int rc = tcall(store, fn, "BuildGraph", &rq.base, &mlmd__pb__testing__build_graph_response__descriptor,
		       (ProtobufCMessage **)&rs);
	if (rc)
		return rc;
	mlmd_graph *g = calloc(1, sizeof *g);
	if (g && rs->n_nodes) {
		g->names = calloc(rs->n_nodes, sizeof *g->names);
		g->nodes = calloc(rs->n_nodes, sizeof *g->nodes);
		if (!g->names || !g->nodes)
			rc = MLMD_OOM();
	}
	for (size_t i = 0; g && !rc && i < rs->n_nodes; i++) {
		const Mlmd__Pb__Testing__GraphNode *m = rs->nodes[i];
		if (!(g->names[i] = dup_str(m->name ? m->name : ""))) {
			rc = MLMD_OOM();
			break;
		}
		g->n++;
		g->nodes[i].kind = (mlmd_node_kind)m->kind;
		g->nodes[i].id = m->id;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!g || rc) {
		mlmd_graph_free(g);
		return rc ? rc : MLMD_OOM();
	}
	*out = g;
	return 0;
}

int mlmd_graph_node(const mlmd_graph *graph, const char *name, mlmd_node_ref *node)
{
	if (!graph || !name || !node)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_graph_node: %s is NULL",
				  !graph ? "graph" : !name ? "name" : "node");
	for (size_t i = 0; i < graph->n; i++)
		if (!strcmp(graph->names[i], name)) {
			*node = graph->nodes[i];
			return 0;
		}
	return mlmd__fail(MLMD_NOT_FOUND, "mlmd_graph_node: the graph names no node '%s'", name);
}

size_t mlmd_graph_size(const mlmd_graph *graph)
{
	return graph ? graph->n : 0;
}

int mlmd_graph_at(const mlmd_graph *graph, size_t i, const char **name, mlmd_node_ref *node)
{
	if (!graph)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_graph_at: graph is NULL");
	if (i >= graph->n)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "mlmd_graph_at: index %zu, the graph has %zu names", i, graph->n);
	if (name)
		*name = graph->names[i];
	if (node)
		*node = graph->nodes[i];
	return 0;
}

/* ---- assertions -------------------------------------------------------------------------------- */

/* Runs one CheckLineage request: 0 when it holds; FAILED_PRECONDITION with
 * the failure text (in *failure too, when asked) when not. */
static int check(struct mlmd_store *store, const char *fn, Mlmd__Pb__Testing__CheckLineageRequest *rq,
		 char **failure)
{
	if (failure)
		*failure = NULL;
	Mlmd__Pb__Testing__CheckLineageResponse *rs;
	int rc = tcall(store, fn, "CheckLineage", &rq->base, &mlmd__pb__testing__check_lineage_response__descriptor,
		       (ProtobufCMessage **)&rs);
	if (rc)
		return rc;
	if (rs->holds) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return 0;
	}
	const char *text = rs->failure ? rs->failure : "the assertion does not hold";
	if (failure && !(*failure = dup_str(text))) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return MLMD_OOM();
	}
	rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "%s", text);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

static void ref_init(Mlmd__Pb__Testing__NodeRef *m, mlmd_node_ref r)
{
	mlmd__pb__testing__node_ref__init(m);
	m->has_kind = 1;
	m->kind = (Mlmd__Pb__Testing__NodeKind)r.kind;
	m->has_id = 1;
	m->id = r.id;
}

/* UPSTREAM or DOWNSTREAM: the contains array as NodeRef messages. */
static int check_reach(struct mlmd_store *store, const char *fn, Mlmd__Pb__Testing__CheckLineageRequest__Check what,
		       mlmd_node_ref node, const mlmd_node_ref *contains, size_t n, int within, char **failure)
{
	if (failure)
		*failure = NULL;
	if (n && !contains)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu nodes in contains, but the array is NULL", fn, n);
	if (n > SIZE_MAX / (sizeof(Mlmd__Pb__Testing__NodeRef) + sizeof(void *)))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu nodes in contains is too many", fn, n);
	Mlmd__Pb__Testing__NodeRef *refs = n ? malloc(n * sizeof *refs) : NULL;
	Mlmd__Pb__Testing__NodeRef **ptrs = n ? malloc(n * sizeof *ptrs) : NULL;
	if (n && (!refs || !ptrs)) {
		free(refs);
		free(ptrs);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		ref_init(&refs[i], contains[i]);
		ptrs[i] = &refs[i];
	}
	Mlmd__Pb__Testing__NodeRef start;
	ref_init(&start, node);
	Mlmd__Pb__Testing__CheckLineageRequest rq = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__INIT;
	rq.has_check = 1;
	rq.check = what;
	rq.node = &start;
	rq.n_contains = n;
	rq.contains = ptrs;
	rq.has_within = within != 0;
	rq.within = within;
	int rc = check(store, fn, &rq, failure);
	free(refs);
	free(ptrs);
	return rc;
}

int mlmd_assert_upstream(struct mlmd_store *store, mlmd_node_ref node, const mlmd_node_ref *contains, size_t n,
			 int within, char **failure)
{
	return check_reach(store, "mlmd_assert_upstream", MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__UPSTREAM,
			   node, contains, n, within, failure);
}

int mlmd_assert_downstream(struct mlmd_store *store, mlmd_node_ref node, const mlmd_node_ref *contains, size_t n,
			   int within, char **failure)
{
	return check_reach(store, "mlmd_assert_downstream",
			   MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__DOWNSTREAM, node, contains, n, within,
			   failure);
}

int mlmd_assert_no_path(struct mlmd_store *store, mlmd_node_ref from, mlmd_node_ref to, char **failure)
{
	Mlmd__Pb__Testing__NodeRef a, b;
	ref_init(&a, from);
	ref_init(&b, to);
	Mlmd__Pb__Testing__CheckLineageRequest rq = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__INIT;
	rq.has_check = 1;
	rq.check = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__NO_PATH;
	rq.node = &a;
	rq.other = &b;
	return check(store, "mlmd_assert_no_path", &rq, failure);
}

int mlmd_assert_produced_by(struct mlmd_store *store, int64_t artifact_id, const char *execution_type, int state,
			    char **failure)
{
	Mlmd__Pb__Testing__NodeRef a;
	ref_init(&a, (mlmd_node_ref){ MLMD_NODE_ARTIFACT, artifact_id });
	Mlmd__Pb__Testing__CheckLineageRequest rq = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__INIT;
	rq.has_check = 1;
	rq.check = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__PRODUCED_BY;
	rq.node = &a;
	rq.execution_type = (char *)execution_type;
	rq.has_state = state >= 0;
	rq.state = (Mlmd__Pb__Execution__State)(state >= 0 ? state : 0);
	return check(store, "mlmd_assert_produced_by", &rq, failure);
}

int mlmd_assert_graph_equals(struct mlmd_store *store, const char *text, char **failure)
{
	if (failure)
		*failure = NULL;
	if (!text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_assert_graph_equals: text is NULL");
	Mlmd__Pb__Testing__CheckLineageRequest rq = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__INIT;
	rq.has_check = 1;
	rq.check = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__GRAPH_EQUALS;
	rq.text = (char *)text;
	return check(store, "mlmd_assert_graph_equals", &rq, failure);
}

/* ---- snapshots --------------------------------------------------------------------------------- */

int mlmd_graph_snapshot(struct mlmd_store *store, const mlmd_node_ref *roots, size_t n, int within, char **text)
{
	static const char fn[] = "mlmd_graph_snapshot";
	if (!text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: text is NULL", fn);
	*text = NULL;
	if (n && !roots)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu roots, but the array is NULL", fn, n);
	if (n > SIZE_MAX / (sizeof(Mlmd__Pb__Testing__NodeRef) + sizeof(void *)))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu roots is too many", fn, n);
	Mlmd__Pb__Testing__NodeRef *refs = n ? malloc(n * sizeof *refs) : NULL;
	Mlmd__Pb__Testing__NodeRef **ptrs = n ? malloc(n * sizeof *ptrs) : NULL;
	if (n && (!refs || !ptrs)) {
		free(refs);
		free(ptrs);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		ref_init(&refs[i], roots[i]);
		ptrs[i] = &refs[i];
	}
	Mlmd__Pb__Testing__GetGraphSnapshotRequest rq = MLMD__PB__TESTING__GET_GRAPH_SNAPSHOT_REQUEST__INIT;
	rq.n_roots = n;
	rq.roots = ptrs;
	rq.has_within = within != 0;
	rq.within = within;
	Mlmd__Pb__Testing__GetGraphSnapshotResponse *rs;
	int rc = tcall(store, fn, "GetGraphSnapshot", &rq.base,
		       &mlmd__pb__testing__get_graph_snapshot_response__descriptor, (ProtobufCMessage **)&rs);
	free(refs);
	free(ptrs);
	if (rc)
		return rc;
	*text = dup_str(rs->text ? rs->text : "");
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return *text ? 0 : MLMD_OOM();
}

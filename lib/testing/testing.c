/*
 * testing/testing.c - mlmd/testing.h: each function one call of
 * mlmd.testing.TestingService through mlmd_store_call().
 */
#include <mlmd.h>
#include "util/base.h"

int mlmd_graph_build(struct mlmd_store *store, const char *text, mlmd_graph **out)
{
	(void)store;
	(void)text;
	if (out)
		*out = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_graph_build: not written yet");
}

int mlmd_graph_node(const mlmd_graph *graph, const char *name, mlmd_node_ref *node)
{
	(void)graph;
	(void)name;
	(void)node;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_graph_node: not written yet");
}

size_t mlmd_graph_size(const mlmd_graph *graph)
{
	(void)graph;
	return 0;
}

int mlmd_graph_at(const mlmd_graph *graph, size_t i, const char **name, mlmd_node_ref *node)
{
	(void)graph;
	(void)i;
	(void)name;
	(void)node;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_graph_at: not written yet");
}

void mlmd_graph_free(mlmd_graph *graph)
{
	(void)graph;
}

int mlmd_assert_upstream(struct mlmd_store *store, mlmd_node_ref node, const mlmd_node_ref *contains, size_t n,
			 int within, char **failure)
{
	(void)store, (void)node, (void)contains, (void)n, (void)within;
	if (failure)
		*failure = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_assert_upstream: not written yet");
}

int mlmd_assert_downstream(struct mlmd_store *store, mlmd_node_ref node, const mlmd_node_ref *contains, size_t n,
			   int within, char **failure)
{
	(void)store, (void)node, (void)contains, (void)n, (void)within;
	if (failure)
		*failure = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_assert_downstream: not written yet");
}

int mlmd_assert_no_path(struct mlmd_store *store, mlmd_node_ref from, mlmd_node_ref to, char **failure)
{
	(void)store, (void)from, (void)to;
	if (failure)
		*failure = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_assert_no_path: not written yet");
}

int mlmd_assert_produced_by(struct mlmd_store *store, int64_t artifact_id, const char *execution_type, int state,
			    char **failure)
{
	(void)store, (void)artifact_id, (void)execution_type, (void)state;
	if (failure)
		*failure = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_assert_produced_by: not written yet");
}

int mlmd_assert_graph_equals(struct mlmd_store *store, const char *text, char **failure)
{
	(void)store, (void)text;
	if (failure)
		*failure = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_assert_graph_equals: not written yet");
}

int mlmd_graph_snapshot(struct mlmd_store *store, const mlmd_node_ref *roots, size_t n, int within, char **text)
{
	(void)store, (void)roots, (void)n, (void)within;
	if (text)
		*text = NULL;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_graph_snapshot: not written yet");
}

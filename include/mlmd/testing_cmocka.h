/*
 * mlmd/testing_cmocka.h - mlmd/testing.h's assertions as cmocka checks, for
 * C tests of pipelines (include after <cmocka.h>; not part of <mlmd.h>).
 *
 *   mlmd_graph *g = build_mlmd_graph(store,
 *           "raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model");
 *   assert_mlmd_upstream(store, mlmd_graph_ref(g, "model"), 0,
 *                        mlmd_graph_ref(g, "raw"), mlmd_graph_ref(g, "fit"));
 *   assert_mlmd_produced_by(store, mlmd_graph_ref(g, "model"), "Trainer", MLMD_STATE_COMPLETE);
 *   mlmd_graph_free(g);
 *
 * Each check fails the running test at the caller's file and line: with the
 * assertion's failure text (expected against found) when it does not hold,
 * or with the call's status and message when the call itself fails (a node
 * that does not exist, ...). Nothing is leaked when a check fails.
 */
#ifndef MLMD_TESTING_CMOCKA_H
#define MLMD_TESTING_CMOCKA_H

#include <stdlib.h>
#include "testing.h"

/* Execution.State numbers, for assert_mlmd_produced_by (-1: any state). */
enum {
	MLMD_STATE_ANY = -1,
	MLMD_STATE_UNKNOWN = 0,
	MLMD_STATE_NEW = 1,
	MLMD_STATE_RUNNING = 2,
	MLMD_STATE_COMPLETE = 3,
	MLMD_STATE_FAILED = 4,
	MLMD_STATE_CACHED = 5,
	MLMD_STATE_CANCELED = 6
};

/* Fails the test at file:line unless rc is 0: with `failure` when the
 * assertion did not hold, else with the call's status and message. Frees
 * `failure` either way. */
static inline void mlmd__cmocka_check(int rc, char *failure, const char *what, const char *file, int line)
{
	if (rc == 0) {
		mlmd_buffer_free(failure);
		return;
	}
	if (failure)
		print_error("%s failed:\n%s\n", what, failure);
	else
		print_error("%s: %s (%d): %s\n", what, mlmd_status_name(rc), rc, mlmd_error_message());
	mlmd_buffer_free(failure);
	_fail(file, line);
}

/* The node the graph names `name`; fails the test when it names none. */
static inline mlmd_node_ref mlmd__cmocka_ref(const mlmd_graph *g, const char *name, const char *file, int line)
{
	mlmd_node_ref r = { MLMD_NODE_ARTIFACT, 0 };
	int rc = mlmd_graph_node(g, name, &r);
	mlmd__cmocka_check(rc, NULL, "mlmd_graph_ref", file, line);
	return r;
}
#define mlmd_graph_ref(graph, name) mlmd__cmocka_ref((graph), (name), __FILE__, __LINE__)

/* Builds the graph `text` describes (mlmd_graph_build); fails the test on
 * an error. Free the graph with mlmd_graph_free(). */
static inline mlmd_graph *mlmd__cmocka_build(struct mlmd_store *store, const char *text, const char *file, int line)
{
	mlmd_graph *g = NULL;
	mlmd__cmocka_check(mlmd_graph_build(store, text, &g), NULL, "mlmd_graph_build", file, line);
	return g;
}
#define build_mlmd_graph(store, text) mlmd__cmocka_build((store), (text), __FILE__, __LINE__)

static inline void mlmd__cmocka_reach(int up, struct mlmd_store *store, mlmd_node_ref node, int within,
				      const mlmd_node_ref *contains, size_t n, const char *file, int line)
{
	char *failure = NULL;
	int rc = up ? mlmd_assert_upstream(store, node, contains, n, within, &failure)
		    : mlmd_assert_downstream(store, node, contains, n, within, &failure);
	mlmd__cmocka_check(rc, failure, up ? "assert_mlmd_upstream" : "assert_mlmd_downstream", file, line);
}

/* Every node after `within` (one or more mlmd_node_ref values) is upstream
 * (downstream) of `node` within `within` hops (0: any distance). */
#define assert_mlmd_upstream(store, node, within, ...)                                                \
	mlmd__cmocka_reach(1, (store), (node), (within), (const mlmd_node_ref[]){ __VA_ARGS__ },       \
			   sizeof((const mlmd_node_ref[]){ __VA_ARGS__ }) / sizeof(mlmd_node_ref), __FILE__, \
			   __LINE__)
#define assert_mlmd_downstream(store, node, within, ...)                                              \
	mlmd__cmocka_reach(0, (store), (node), (within), (const mlmd_node_ref[]){ __VA_ARGS__ },       \
			   sizeof((const mlmd_node_ref[]){ __VA_ARGS__ }) / sizeof(mlmd_node_ref), __FILE__, \
			   __LINE__)

static inline void mlmd__cmocka_no_path(struct mlmd_store *store, mlmd_node_ref from, mlmd_node_ref to,
					const char *file, int line)
{
	char *failure = NULL;
	int rc = mlmd_assert_no_path(store, from, to, &failure);
	mlmd__cmocka_check(rc, failure, "assert_mlmd_no_path", file, line);
}
/* No directed path leads from `from` downstream to `to`. */
#define assert_mlmd_no_path(store, from, to) mlmd__cmocka_no_path((store), (from), (to), __FILE__, __LINE__)

static inline void mlmd__cmocka_produced_by(struct mlmd_store *store, mlmd_node_ref artifact, const char *type,
					    int state, const char *file, int line)
{
	if (artifact.kind != MLMD_NODE_ARTIFACT) {
		print_error("assert_mlmd_produced_by: node %lld is not an artifact\n", (long long)artifact.id);
		_fail(file, line);
		return;
	}
	char *failure = NULL;
	int rc = mlmd_assert_produced_by(store, artifact.id, type, state, &failure);
	mlmd__cmocka_check(rc, failure, "assert_mlmd_produced_by", file, line);
}
/* Artifact node `artifact` (an mlmd_node_ref) is an OUTPUT of an execution
 * of type `type`, in `state` (MLMD_STATE_*; MLMD_STATE_ANY: any). */
#define assert_mlmd_produced_by(store, artifact, type, state)                                          \
	mlmd__cmocka_produced_by((store), (artifact), (type), (state), __FILE__, __LINE__)

static inline void mlmd__cmocka_graph_equals(struct mlmd_store *store, const char *text, const char *file, int line)
{
	char *failure = NULL;
	int rc = mlmd_assert_graph_equals(store, text, &failure);
	mlmd__cmocka_check(rc, failure, "assert_mlmd_graph_equals", file, line);
}
/* The store's graph is the one `text` describes. */
#define assert_mlmd_graph_equals(store, text) mlmd__cmocka_graph_equals((store), (text), __FILE__, __LINE__)

#endif

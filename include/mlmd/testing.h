/*
 * mlmd/testing.h - unit-testing ML pipelines: lineage fixtures built from a
 * compact notation, lineage assertions that show expected against found,
 * and stable text snapshots of a graph for golden files (docs/testing.md).
 *
 *   raw:DataSet -> (clean:Transform) -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model
 *
 * Every function is one mlmd_store_call() of mlmd.testing.TestingService
 * (proto/mlmd_testing.proto), so C, Python (mlmd.testing) and clients of
 * `mlmd serve` share one implementation; mlmd_graph_build() is one
 * transaction (all of the graph, or nothing).
 *
 * Assertions return 0 when they hold. When one does not, it returns
 * -MLMD_FAILED_PRECONDITION, sets the thread's error message to the failure
 * text (possibly shortened) and, when `failure` is not NULL, gives the whole
 * text in *failure (free it with mlmd_buffer_free()). Any other negative
 * status is an error of the call itself (a node that does not exist, ...),
 * and *failure is then NULL. mlmd/testing_cmocka.h wraps them for cmocka.
 */
#ifndef MLMD_TESTING_H
#define MLMD_TESTING_H

#include "common.h"
#include "datagov.h" /* mlmd_node_kind */

struct mlmd_store;

MLMD_BEGIN_DECLS

/* A node: its kind and id. */
typedef struct mlmd_node_ref {
	mlmd_node_kind kind;
	int64_t id;
} mlmd_node_ref;

/* The nodes a notation text named, by name. */
typedef struct mlmd_graph mlmd_graph;

/* Builds the graph `text` describes in the store (the notation:
 * docs/testing.md): types created as needed, a name used again the same
 * node. On success *out maps every name to its node (free it with
 * mlmd_graph_free()). A text with an error is INVALID_ARGUMENT naming the
 * line and column, and nothing is written. */
MLMD_EXTERN(int) mlmd_graph_build(struct mlmd_store *store, const char *text, mlmd_graph **out);

/* The node named `name`: 0 and *node, or NOT_FOUND. */
MLMD_EXTERN(int) mlmd_graph_node(const mlmd_graph *graph, const char *name, mlmd_node_ref *node);
/* The number of names, and the i-th name in order of first mention with its
 * node (OUT_OF_RANGE past the end; the name is borrowed from the graph). */
MLMD_EXTERN(size_t) mlmd_graph_size(const mlmd_graph *graph);
MLMD_EXTERN(int) mlmd_graph_at(const mlmd_graph *graph, size_t i, const char **name, mlmd_node_ref *node);
/* NULL is a no-op. */
MLMD_EXTERN(void) mlmd_graph_free(mlmd_graph *graph);

/* Every node of contains[0..n) is upstream of `node`, within `within` hops
 * (an artifact to an execution is one hop; 0: any distance). */
MLMD_EXTERN(int) mlmd_assert_upstream(struct mlmd_store *store, mlmd_node_ref node, const mlmd_node_ref *contains,
				      size_t n, int within, char **failure);
/* Every node of contains[0..n) is downstream of `node`, within `within` hops. */
MLMD_EXTERN(int) mlmd_assert_downstream(struct mlmd_store *store, mlmd_node_ref node,
					const mlmd_node_ref *contains, size_t n, int within, char **failure);
/* No directed path leads from `from` downstream to `to`. */
MLMD_EXTERN(int) mlmd_assert_no_path(struct mlmd_store *store, mlmd_node_ref from, mlmd_node_ref to,
				     char **failure);
/* Artifact `artifact_id` is an OUTPUT of an execution of type
 * `execution_type`, in `state` (an ml_metadata Execution.State number) when
 * state >= 0. */
MLMD_EXTERN(int) mlmd_assert_produced_by(struct mlmd_store *store, int64_t artifact_id, const char *execution_type,
					 int state, char **failure);
/* The store's graph is the one `text` describes (nodes matched by name). */
MLMD_EXTERN(int) mlmd_assert_graph_equals(struct mlmd_store *store, const char *text, char **failure);

/* The graph around roots[0..n) (every node when n is 0), within `within`
 * hops (0: all), as stable text: names for ids, no times, sorted. On success
 * *text is a new NUL-terminated string (free it with mlmd_buffer_free()). */
MLMD_EXTERN(int) mlmd_graph_snapshot(struct mlmd_store *store, const mlmd_node_ref *roots, size_t n, int within,
				     char **text);

MLMD_END_DECLS

#endif

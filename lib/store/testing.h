/*
 * store/testing.h - the testing service's RPCs (proto/mlmd_testing.proto:
 * mlmd.testing.TestingService), served by store/rpc.c beside the others,
 * and what their handlers share: the lineage notation parsed into a graph
 * description (store/testing_notation.c), built in the store
 * (store/testing_build.c), checked against it (store/testing_check.c) and a
 * store's graph written as stable text (store/testing_snapshot.c).
 */
#ifndef MLMD_STORE_TESTING_H
#define MLMD_STORE_TESTING_H

#include "store_private.h"
#include "mlmd_testing.pb-c.h"
#include "mlmd/datagov.h"

/* X(Method, snake_name, writes); messages Mlmd__Pb__Testing__<Method>Request/Response. */
#define MLMD__TESTING_RPC_LIST(X)                               \
	X(BuildGraph, build_graph, 1)                           \
	X(CheckLineage, check_lineage, 0)                       \
	X(GetGraphSnapshot, get_graph_snapshot, 0)

#define MLMD__TESTING_HANDLER(M, snake, writes)                                                  \
	int mlmd__testing_##M(call *c, const Mlmd__Pb__Testing__##M##Request *rq,                 \
			      Mlmd__Pb__Testing__##M##Response *rs);
MLMD__TESTING_RPC_LIST(MLMD__TESTING_HANDLER)
#undef MLMD__TESTING_HANDLER

/*
 * The notation parsed (store/testing_notation.c): a plain, read-only
 * description the build (store/testing_build.c) and CheckLineage's
 * GRAPH_EQUALS (store/testing_check.c) walk. Everything is owned by the
 * graph and freed by mlmd__tgraph_free(); readers never modify it.
 *
 * nodes[] holds every named node (artifacts, executions and contexts; one
 * namespace) in order of first mention; edges[] and members[] refer to
 * nodes by index. Each edge appears once however often the text repeats it,
 * as does each context membership.
 */
typedef enum mlmd__tval_kind {
	MLMD__TVAL_INT = 1,    /* i */
	MLMD__TVAL_DOUBLE = 2, /* d */
	MLMD__TVAL_STRING = 3, /* s (NUL-terminated, valid UTF-8, no NUL inside) */
	MLMD__TVAL_BOOL = 4    /* b (0 or 1) */
} mlmd__tval_kind;

typedef struct mlmd__tprop {
	char *key;            /* the property's name */
	mlmd__tval_kind kind; /* which of the fields below holds the value */
	int64_t i;
	double d;
	char *s;
	int b;
} mlmd__tprop;

typedef struct mlmd__tnode {
	char *name;           /* the notation's name (the node's MLMD name) */
	mlmd_node_kind kind;  /* MLMD_NODE_ARTIFACT, _EXECUTION or _CONTEXT */
	char *type;           /* its type's name (never NULL) */
	int has_state;        /* executions only: whether a state was given */
	int state;            /* Mlmd__Pb__Execution__State when has_state */
	mlmd__tprop *props;   /* custom properties given, in order of mention */
	size_t n_props;
	int line, column;     /* where the node was first mentioned (1-based) */
} mlmd__tnode;

typedef struct mlmd__tedge {
	size_t from, to; /* node indices: artifact -> execution (an INPUT event)
			    or execution -> artifact (an OUTPUT event) */
} mlmd__tedge;

typedef struct mlmd__tmember {
	size_t context, node; /* node indices: a context and an artifact
				 (attribution) or an execution (association) */
} mlmd__tmember;

typedef struct mlmd__tgraph {
	mlmd__tnode *nodes;
	size_t n_nodes;
	mlmd__tedge *edges;
	size_t n_edges;
	mlmd__tmember *members;
	size_t n_members;
} mlmd__tgraph;

/* Parses `text` (NUL-terminated): 0 and *out (free with mlmd__tgraph_free),
 * or INVALID_ARGUMENT "line L, column C: <what>, got '<token>'" (1-based,
 * columns count bytes) and *out NULL. */
int mlmd__tgraph_parse(const char *text, mlmd__tgraph **out);
void mlmd__tgraph_free(mlmd__tgraph *g); /* NULL is a no-op */
/* The index of the node named `name`, or -1. */
long mlmd__tgraph_find(const mlmd__tgraph *g, const char *name);
/* The state's MLMD name ("COMPLETE"), or NULL for a value out of range. */
const char *mlmd__tgraph_state_name(int state);

#endif

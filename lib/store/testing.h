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

/* The notation parsed (store/testing_notation.c); the owner of
 * testing_notation.c defines this structure and the functions below, which
 * the build and GRAPH_EQUALS use. */
typedef struct mlmd__tgraph mlmd__tgraph;

/* Parses `text`: 0 and *out (free with mlmd__tgraph_free), or
 * INVALID_ARGUMENT naming the line and column ("line 2, column 14: ..."). */
int mlmd__tgraph_parse(const char *text, mlmd__tgraph **out);
void mlmd__tgraph_free(mlmd__tgraph *g);

#endif

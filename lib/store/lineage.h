/*
 * store/lineage.h - what GetLineageSubgraph's two answers share: the struct
 * handler (store/lineage.c) and the wire handler (store/wire_lineage.c) read
 * the request and walk the same way, then write the same LineageGraph.
 */
#ifndef MLMD_STORE_LINEAGE_H
#define MLMD_STORE_LINEAGE_H

#include "store_private.h"

/* The LineageGraph fields a read_mask asks for (F_ALL without a mask). */
enum {
	F_ARTIFACTS = 1 << 0, F_EXECUTIONS = 1 << 1, F_CONTEXTS = 1 << 2, F_EVENTS = 1 << 3,
	F_ARTIFACT_TYPES = 1 << 4, F_EXECUTION_TYPES = 1 << 5, F_CONTEXT_TYPES = 1 << 6,
	F_ATTRIBUTIONS = 1 << 7, F_ASSOCIATIONS = 1 << 8, F_PARENT_CONTEXTS = 1 << 9, F_ALL = (1 << 10) - 1
};

/* Checks the request and sets up walk `w` from its options (bounds, ending
 * nodes, the caller's deadline, the starting nodes, whose kind goes to
 * *start); *fields gets the read mask. With `hydrate` (schema version 5 on),
 * the walk reads the rows of the artifacts and executions the read mask
 * needs as it meets them, and hands them to hydrate(ctx, ...)
 * (mlmd__walk_row_fn). The caller runs it with mlmd__walk_run(w, *start).
 * `w` is initialised first thing, so the caller frees it with
 * mlmd__walk_free() whatever this returns. */
int mlmd__lineage_subgraph_setup(call *c, const Mlmd__Pb__GetLineageSubgraphRequest *rq, mlmd__walk *w, int *fields,
				 int *start, mlmd__walk_row_fn hydrate, void *ctx);

/* What both answers do with the walk's contexts. The contexts of the
 * walk's nodes: their ids in *cids (sorted, each once; free it) and in
 * *cset (free its v); edge(ctx, kind, node, context) for every attribution
 * (kind KIND_ARTIFACT) and association (KIND_EXECUTION) met, in the order
 * both answers write them. */
typedef int (*mlmd__lineage_edge_fn)(void *ctx, int kind, int64_t node, int64_t context);
int mlmd__lineage_contexts(call *c, const mlmd__walk *w, mlmd__lineage_edge_fn edge, void *ctx, int64_t **cids,
			   size_t *ncids, mlmd__idset *cset);
/* parent(ctx, child, parent) for every parent edge between two of the
 * contexts cids[0..n) (set cset), by child, then parent id. */
int mlmd__lineage_parents(call *c, const int64_t *cids, size_t n, const mlmd__idset *cset,
			  int (*parent)(void *ctx, int64_t child, int64_t parent), void *ctx);

#endif

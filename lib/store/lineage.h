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

/* Checks the request, sets up walk `w` from its options (bounds, ending
 * nodes, the caller's deadline) and runs it; *fields gets the read mask.
 * `w` is initialised first thing, so the caller frees it with
 * mlmd__walk_free() whatever this returns. */
int mlmd__lineage_subgraph_walk(call *c, const Mlmd__Pb__GetLineageSubgraphRequest *rq, mlmd__walk *w, int *fields);

#endif

/*
 * mlmd/render.h - lineage as text people can read: an indented tree, a
 * Graphviz DOT graph, or JSON. Used by the `mlmd lineage` command and the
 * demo; see docs/cli.md.
 */
#ifndef MLMD_RENDER_H
#define MLMD_RENDER_H

#include "common.h"
#include "store.h"

MLMD_BEGIN_DECLS

typedef enum mlmd_render_format {
	MLMD_RENDER_TREE = 0,   /* indented text, the starting node at the root */
	MLMD_RENDER_DOT = 1,    /* a Graphviz digraph: artifacts as ellipses, executions as boxes */
	MLMD_RENDER_JSON = 2    /* {"nodes": [...], "edges": [...], "partial": bool} */
} mlmd_render_format;

typedef struct mlmd_lineage_render_options {
	unsigned version;       /* MLMD_LINEAGE_RENDER_OPTIONS_VERSION */
	int execution;          /* 0: start from artifact `id`; 1: from execution `id` */
	int64_t id;
	int upstream;           /* follow edges towards inputs (what this came from) */
	int downstream;         /* follow edges towards outputs (what came of it) */
	int64_t max_hops;       /* edges between artifacts and executions, as MLMD counts hops; 0 = 20 */
	int64_t max_nodes;      /* cap on nodes; 0 = 1000 */
	int format;             /* mlmd_render_format */
} mlmd_lineage_render_options;

#define MLMD_LINEAGE_RENDER_OPTIONS_VERSION 1
#define MLMD_LINEAGE_RENDER_OPTIONS_INIT { MLMD_LINEAGE_RENDER_OPTIONS_VERSION, 0, 0, 1, 0, 0, 0, MLMD_RENDER_TREE }

/* Renders the lineage of one node. With neither upstream nor downstream
 * set, upstream is used. On success *out is a new NUL-terminated string;
 * free it with mlmd_buffer_free(). A node that does not exist is NOT_FOUND. */
MLMD_EXTERN(int) mlmd_lineage_render(mlmd_store *store, const mlmd_lineage_render_options *opts, char **out);

MLMD_END_DECLS

#endif

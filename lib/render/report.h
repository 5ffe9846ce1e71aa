/*
 * render/report.h - what the files of the HTML report share (private):
 *
 *   report.c          mlmd_report_write: options, the read transaction, the
 *                     graph's centre, the page's frame and its CSP
 *   report_text.c     text made safe: UTF-8 repaired, HTML escaping, JSON
 *                     that cannot end its <script> element, times, numbers
 *   report_layout.c   the layered layout of a directed graph
 *   report_graph.c    the lineage graph: walks, labels, SVG, node data
 *   report_sections.c the store at a glance, the experiments' runs
 *   report_registry.c the registry, serving and drift windows
 *   report_assets.c   the page's CSS and JavaScript
 */
#ifndef MLMD_RENDER_REPORT_H
#define MLMD_RENDER_REPORT_H

#include <stdbool.h>
#include <mlmd.h>
#include "util/base.h"

/* ---- bounds (docs/interoperability.md lists them) -------------------------------------- */

#define RP_DEFAULT_NODES 300        /* nodes in the graph when max_nodes is 0 */
#define RP_MAX_NODES 5000           /* the most max_nodes may ask for */
#define RP_TYPE_COUNT_CAP 10000     /* nodes counted per type; more shows as "10000+" */
#define RP_MAX_TYPES 200            /* types listed per kind */
#define RP_MAX_EXPERIMENTS 10       /* experiments shown, newest first */
#define RP_MAX_RUNS_PER_EXPERIMENT 25
#define RP_MAX_RUNS 100             /* runs shown in all */
#define RP_MAX_COLUMNS 12           /* parameter and metric columns per experiment */
#define RP_MAX_CHARTS 6             /* metric charts per experiment */
#define RP_MAX_SERIES 10            /* runs per chart */
#define RP_MAX_MODELS 20            /* registered models shown */
#define RP_MAX_VERSIONS 20          /* versions per model, newest first */
#define RP_MAX_HISTORY 20           /* alias moves per model, newest first */
#define RP_MAX_SERVING 20           /* serving executions, newest first */
#define RP_MAX_WINDOWS 30           /* drift windows, newest first */
#define RP_MAX_PROPS 100            /* properties per node in the node data */
#define RP_MAX_VALUE 2048           /* bytes of one value's text in the node data */
#define RP_MAX_NODE_TEXT 16384      /* bytes of property text per node */

/* ---- text (report_text.c) ---------------------------------------------------------------- */

/* Appends s[0..n) as well-formed UTF-8: an invalid byte sequence becomes
 * U+FFFD, and with `controls` so does a control character other than tab
 * and newline (C0, DEL, C1). */
void mlmd__rp_utf8(mlmd_buf *b, const char *s, size_t n, bool controls);
/* s (NULL: "") escaped for HTML text and for a double-quoted attribute
 * value: & < > " ' as character references, repaired as mlmd__rp_utf8 does with
 * controls. */
void mlmd__rp_html(mlmd_buf *b, const char *s);
/* The same, cut to at most `chars` characters (an ellipsis when cut). */
void mlmd__rp_html_cut(mlmd_buf *b, const char *s, size_t chars);
/* printf into the page (the "C" locale) of text that needs no escaping:
 * numbers, ids, fixed markup. The buffer's own printf (lib/util). */
#define mlmd__rp_printf mlmd__buf_printf
/* List options for the newest `max` nodes first (by create time); lo
 * points at ob, both the caller's. */
void mlmd__rp_newest_first(Mlmd__Pb__ListOperationOptions *lo, Mlmd__Pb__ListOperationOptions__OrderByField *ob,
			   int32_t max);
/* A JSON string of s made safe (repaired UTF-8, at most `max` bytes, cut
 * on a character boundary with a note of the full length). */
void mlmd__rp_json_str(mlmd_json_writer *w, const char *s, size_t max);
/* Appends JSON text for a <script type="application/json"> element: every
 * '<', '>' and '&' written as \u003c, \u003e, \u0026 (they occur only
 * inside strings), so no text in it can close the element. */
void mlmd__rp_json_embed(mlmd_buf *b, const char *json, size_t n);
/* "2026-12-03 13:05:09" (UTC) of ms since the epoch; "-" for 0 or less. */
const char *mlmd__rp_time(char *buf, size_t n, int64_t ms);
/* A double in the "C" locale, `digits` significant digits (0: shortest). */
const char *mlmd__rp_num(char *buf, size_t n, double v, int digits);

/* ---- the layout (report_layout.c) -------------------------------------------------------- */

/* A directed graph laid out in layers left to right. Node i's centre is
 * (x[i], y[i]); edge j is a polyline of points pt_x/pt_y[first[j] ..
 * first[j + 1]) from its tail's right side to its head's left side (for a
 * reversed edge, from its tail's left side backwards). */
typedef struct rp_layout {
	size_t n, m;
	int *layer;                 /* n: the node's layer, 0 the leftmost */
	double *x, *y;              /* n: centres */
	int *reversed;              /* m: 1 when the edge was turned round to break a cycle */
	size_t *first;              /* m + 1 */
	double *pt_x, *pt_y;        /* first[m] points */
	int layers;                 /* how many */
	double width, height;       /* the drawing's size, margins included */
} rp_layout;

/* Lays out n nodes (each node_w x node_h) and m edges from[j] -> to[j]
 * (indexes below n; self-loops drawn as nothing): cycles broken by turning
 * round the back edges of a depth-first search in index order; layers by
 * longest path, sources then moved right next to their first successor;
 * edges longer than one layer get a virtual node per layer crossed; the
 * order within layers by barycenter sweeps (the order with the fewest
 * crossings kept); heights by neighbours' mean placed with minimum gaps.
 * Deterministic: the same graph gives the same numbers. 0 or
 * RESOURCE_EXHAUSTED / INVALID_ARGUMENT (an index out of range). On success
 * free *out's arrays with mlmd__rp_layout_free(). */
int mlmd__rp_layout_run(size_t n, const int *from, const int *to, size_t m, double node_w, double node_h, rp_layout *out);
void mlmd__rp_layout_free(rp_layout *l);

/* ---- the page's parts --------------------------------------------------------------------- */

/* What the sections share: the store, the page being written, the options. */
typedef struct rp_ctx {
	mlmd_store *store;
	mlmd_buf page;
	const mlmd_report_options *opts;
	int64_t max_nodes;
	int centre_exec;            /* the graph's centre: an execution (1) or an artifact (0) */
	int64_t centre_id;          /* 0: none (an empty store) */
	const char *centre_why;     /* how the centre was chosen, for the page */
	Mlmd__Pb__GetArtifactTypesResponse *at;   /* the store's types, read once */
	Mlmd__Pb__GetExecutionTypesResponse *et;
	Mlmd__Pb__GetContextTypesResponse *ct;
} rp_ctx;

/* Whether the store has a type of this kind (0 artifact, 1 execution,
 * 2 context) and name: asked before listing a type's nodes, so that no
 * call of the read transaction fails (a failed call ends it). */
bool mlmd__rp_has_type(const rp_ctx *c, int kind, const char *name);
/* A node's property (custom or not) of one value kind, or NULL / dflt. */
int64_t mlmd__rp_prop_int(const void *node, int custom, const char *name, int64_t dflt);
double mlmd__rp_prop_double(const void *node, int custom, const char *name, double dflt);
const char *mlmd__rp_prop_str(const void *node, int custom, const char *name);
int mlmd__rp_prop_bool(const void *node, int custom, const char *name);   /* 1, 0, -1 when absent */

int mlmd__rp_section_glance(rp_ctx *c);
int mlmd__rp_section_graph(rp_ctx *c);
int mlmd__rp_section_runs(rp_ctx *c);
int mlmd__rp_section_registry(rp_ctx *c);
int mlmd__rp_section_serving(rp_ctx *c);

/* The newest artifact of a model type ("Model", "mlmd.Model" or base type
 * MODEL), else the newest artifact: *id, or 0 when the store has none. */
int mlmd__rp_newest_model(mlmd_store *s, int64_t *id);

extern const char mlmd__rp_css[];
extern const char mlmd__rp_js_errors[];   /* in <head>: records script errors into the page */
extern const char mlmd__rp_js_main[];     /* at the end of <body> */

/* A tombstone's deletion time (the lineage walk marks a deleted node with
 * the custom property mlmd.deleted_time), or -1 for a live node; a string
 * custom property of a node, or "" (render.c; the lineage renderings and
 * the report's graph both use them). */
int64_t mlmd__rp_deleted_time(const void *node);
const char *mlmd__rp_custom_text(const void *node, const char *key);

#endif

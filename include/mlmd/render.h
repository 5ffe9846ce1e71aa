/*
 * mlmd/render.h - pictures people can read: lineage as an indented tree, a
 * Graphviz DOT graph, or JSON (the `mlmd lineage` command and the demo), and
 * an SVG line chart of series such as a metric's history (`mlmd metrics
 * --svg`), and a self-contained HTML report of the store (`mlmd report`);
 * see docs/cli.md and docs/api.md.
 */
#ifndef MLMD_RENDER_H
#define MLMD_RENDER_H

#include <stdio.h>
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

/* ---- line charts -------------------------------------------------------------------- */

/* One line of a chart: n points (x[i], y[i]). A point whose x or y is NaN or
 * infinite is a gap in the line. The arrays are borrowed for the call. */
typedef struct mlmd_chart_series {
	const char *label;      /* the legend's text (UTF-8); NULL or "": "series N" */
	const double *x;        /* n x values (steps); NULL: 0, 1, 2, ... */
	const double *y;        /* n y values; may be NULL when n is 0 */
	size_t n;
} mlmd_chart_series;

typedef struct mlmd_chart_options {
	unsigned version;       /* MLMD_CHART_OPTIONS_VERSION */
	const char *title;      /* above the plot; NULL or "": none */
	const char *x_label;    /* the x axis' title; NULL: "step" */
	const char *y_label;    /* the y axis' title; NULL: "value" */
	int width, height;      /* pixels, 200x150 .. 10000x10000; 0: 720 and 420 */
} mlmd_chart_options;

#define MLMD_CHART_OPTIONS_VERSION 1
#define MLMD_CHART_OPTIONS_INIT { MLMD_CHART_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0 }
/* The most series one chart draws. */
#define MLMD_CHART_MAX_SERIES 64

/* Draws the series as an SVG line chart: axes with ticks at round numbers
 * and their labels, the axis titles, one <polyline> per unbroken stretch of
 * a series (a point alone between gaps is a <circle>), a colour per series,
 * and a legend when there are several. Texts are escaped for XML (and cut
 * at 200 bytes); numbers are written the same in every locale. Series with
 * no finite point draw nothing (the axes then run 0..1). A series with more
 * points than four per pixel column of the plot is thinned to the first,
 * lowest, highest and last point of each column, so the output stays
 * bounded by the chart's size, not the data's.
 * On success *out is a new NUL-terminated string (UTF-8 XML); free it with
 * mlmd_buffer_free(). Refused (INVALID_ARGUMENT, *out NULL): options NULL or
 * of an unknown version, a size out of range, more than
 * MLMD_CHART_MAX_SERIES series, points without y values. */
MLMD_EXTERN(int) mlmd_chart_svg(const mlmd_chart_series *series, size_t n_series, const mlmd_chart_options *opts,
	char **out);

/* ---- the HTML report ---------------------------------------------------------------------- */

typedef struct mlmd_report_options {
	unsigned version;       /* MLMD_REPORT_OPTIONS_VERSION */
	int64_t artifact_id;    /* the lineage graph is this artifact's; 0: none chosen */
	const char *run;        /* ... or this run's: an execution id, or a tracking run's id */
	const char *model;      /* ... or this registered model's (its latest version's artifact) */
	const char *title;      /* the page's title; NULL: "mlmd report" */
	int64_t max_nodes;      /* nodes in the graph; 0: 300; at most 5000 */
} mlmd_report_options;

#define MLMD_REPORT_OPTIONS_VERSION 1
#define MLMD_REPORT_OPTIONS_INIT { MLMD_REPORT_OPTIONS_VERSION, 0, NULL, NULL, NULL, 0 }

/* Writes one self-contained HTML page about the store onto `out`: inline
 * CSS, JavaScript and SVG, nothing fetched from a network, so it opens in a
 * browser straight from disk. It shows the store at a glance (types and
 * counts), the lineage graph of the chosen node (or of the newest model
 * when none is chosen) laid out in layers left to right, artifacts and
 * executions styled apart, labelled and deleted nodes marked, a node's
 * properties on click; the experiments' runs with their parameters, latest
 * metrics and metric charts; the registry (versions, aliases, their
 * history, open requests); serving statistics. Sections with nothing to
 * show say so. At most one of artifact_id, run and model may be set
 * (INVALID_ARGUMENT); one that names nothing is NOT_FOUND (so is a model
 * with no version); run must be a decimal id and max_nodes 0..5000
 * (INVALID_ARGUMENT). Reads run in one read transaction (the caller's when
 * one is open on the handle). Every section is bounded (limits in
 * docs/interoperability.md), so the page's size does not grow with the
 * store's. Strings are escaped for their context; invalid UTF-8 is
 * replaced by U+FFFD. The page is built in memory and written only when
 * complete: on failure nothing is written (UNAVAILABLE when the stream
 * refuses it). The same store gives the same bytes, in every locale. */
MLMD_EXTERN(int) mlmd_report_write(mlmd_store *store, const mlmd_report_options *opts, FILE *out);

MLMD_END_DECLS

#endif

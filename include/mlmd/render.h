/*
 * mlmd/render.h - pictures people can read: lineage as an indented tree, a
 * Graphviz DOT graph, or JSON (the `mlmd lineage` command and the demo), and
 * an SVG line chart of series such as a metric's history (`mlmd metrics
 * --svg`); see docs/cli.md and docs/api.md.
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

MLMD_END_DECLS

#endif

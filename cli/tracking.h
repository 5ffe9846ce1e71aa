/*
 * cli/tracking.h - what the tracking commands share (cli/tracking.c): the
 * mlmd.tracking RPCs called through mlmd_store_call, run ids, values as
 * text and JSON, a run as JSON, aligned tables and sorted key sets.
 * runs.c holds runs ls, show and diff; metrics.c the metrics command.
 */
#ifndef MLMD_CLI_TRACKING_H
#define MLMD_CLI_TRACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mlmd.h>
#include "mlmd_tracking.pb-c.h"

typedef Mlmd__Pb__Tracking__Run Run;

/* Runs a tracking RPC ("GetRun", ...): req packed, the response unpacked
 * into *resp (free it with mlmd_message_free()). Returns 0 or the negative
 * status, with the library's message in mlmd_error_message(). */
int trk_call(mlmd_store *s, const char *method, const void *req, const ProtobufCMessageDescriptor *rd, void **resp);
/* A run id: a decimal execution id (1 .. 2^63-1). Returns 0, or EXIT_USAGE
 * after saying why (`cmd` names the command in the message). */
int trk_run_id(const char *cmd, const char *s, int64_t *id);
/* GetRun; on failure prints why (an unknown run is named) and returns
 * EXIT_FAILED. On success (*out)->run is set; free *out with mlmd_message_free(). */
int trk_get_run(mlmd_store *s, int64_t id, Mlmd__Pb__Tracking__GetRunResponse **out);

/* A double for people (10 significant digits; nan, inf, -inf), into buf. */
const char *trk_dtext(char *buf, size_t n, double v);
/* A double for programs (CSV): the shortest text that reads back the same. */
const char *trk_dexact(char *buf, size_t n, double v);
/* A parameter's value as text: borrowed for a string, else written into buf. */
const char *trk_ptext(char *buf, size_t n, const Mlmd__Pb__Value *v);
/* A parameter's value as JSON (int, double with NaN and inf as null, string); NULL as null. */
void trk_pjson(mlmd_json_writer *w, const Mlmd__Pb__Value *v);
/* The run's status: the name of its execution state ("COMPLETE", ...). */
const char *trk_status(const Run *r);
/* The run's parameter, latest metric point or tag of that key, or NULL. */
const Mlmd__Pb__Tracking__Param *trk_param(const Run *r, const char *key);
const Mlmd__Pb__Tracking__MetricPoint *trk_metric(const Run *r, const char *key);
const char *trk_tag(const Run *r, const char *key);
/* The run as one JSON object, the same keys for every run; `full` adds
 * inputs, outputs, capture and fingerprint (runs show). */
void trk_run_json(mlmd_json_writer *w, const Run *r, bool full);
/* Splits "a, b,c" at its commas into trimmed, non-empty entries (text is
 * modified); returns how many, at most max. */
size_t trk_split_commas(char *text, char **out, size_t max);

/* A table of text cells printed in aligned columns. */
typedef struct {
	char **cell;            /* rows * cols strings (malloc'd; NULL prints "-") */
	size_t rows, cols;
	int oom;
} trk_table;
int trk_table_init(trk_table *t, size_t rows, size_t cols);    /* 0, or -1 when out of memory */
void trk_table_set(trk_table *t, size_t r, size_t c, const char *s); /* copied; NULL prints "-"; sets oom */
void trk_table_print(const trk_table *t);
void trk_table_free(trk_table *t);
/* Sets the first n cells of row 0 to head[0..n-1] (the column titles). */
void trk_table_head(trk_table *t, const char *const *head, size_t n);
/* Prints the table unless a cell ran out of memory, then frees it. Returns
 * 0, or EXIT_FAILED after saying "out of memory". */
int trk_table_done(trk_table *t);

/* Sorted distinct strings. */
typedef struct {
	const char **s;
	size_t n;
} trk_strset;
int trk_strset_add(trk_strset *k, const char *s);   /* borrowed; 0, or -1 when out of memory */
void trk_strset_sort(trk_strset *k);                 /* sorts and drops duplicates */

#endif

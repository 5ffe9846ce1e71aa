/*
 * lib/scorer/load.h - loading model files: the format loaders that load.c
 * picks from (one per format), and reading a file.
 */
#ifndef MLMD_SCORER_LOAD_H
#define MLMD_SCORER_LOAD_H

#include <stddef.h>
#include "mlmd/scorer.h"

/* Each fills a new, empty model from a document of its format (the model's
 * format, producer, values, nodes and signature); on failure the caller frees
 * the model. */
int mlmd__sc_load_onnx(mlmd_model *m, const void *data, size_t len);     /* onnx_load.c */
int mlmd__sc_load_xgboost(mlmd_model *m, const char *json, size_t len);  /* xgboost.c */
int mlmd__sc_load_pmml(mlmd_model *m, const char *data, size_t len);     /* pmml_load.c */

/* Reads a whole file (malloc'd into *buf); refuses directories (load.c). */
int mlmd__sc_read_file(const char *path, char **buf, size_t *len);

/* For tests and benchmarks: how many of a PMML model's TreeModels were
 * compiled into the tree engine and how many are walked node by node; -1 if
 * m is not a PMML model (pmml_load.c). */
int mlmd__sc_pmml_tree_counts(const mlmd_model *m, int *engine, int *walked);
/* The trees a PMML model scores over whole batches (pmml_batch.c): 0 when
 * none, -1 when m is not a PMML model. `on` 0 or 1 switches the batch path
 * off or on first (the row path then gives every answer; for tests and
 * benchmarks, before the model is shared between threads); -1 leaves it. */
int mlmd__sc_pmml_batch(mlmd_model *m, int on);
/* How a PMML model's batched trees are walked (pmml_walk.c), for tests and
 * benchmarks, before the model is shared between threads: `how` 0 by the
 * tree engine, 1 by the interleaved walk where the load built it (the
 * default: when the engine would walk some trees a row at a time), 2 by the
 * interleaved walk whatever the trees (built now); -1 leaves it. Returns 1
 * when the interleaved walk is in use, 0 when not (or no batch path), -1
 * when m is not a PMML model, or a negative status (memory). */
int mlmd__sc_pmml_batch_walk(mlmd_model *m, int how);

#endif

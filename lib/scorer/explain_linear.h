/*
 * lib/scorer/explain_linear.h - what the linear engine's files share
 * (private): the engine's data, built by the ONNX (explain_linear.c) and
 * PMML (explain_pmml_linear.c) front ends and run by explain_linear.c.
 */
#ifndef MLMD_SCORER_EXPLAIN_LINEAR_H
#define MLMD_SCORER_EXPLAIN_LINEAR_H

#include "explain.h"
#include "ops.h"

/* A linear engine: F features read from the inputs (feats), K margins
 * (the engine's n_outputs) with weights w (K x F) and intercepts b (K);
 * mean and bias are filled by mlmd__sc_xlin_finish. All malloc'd. */
typedef struct sc_xlin {
	int64_t F;
	sc_xfeat *feats;
	double *w, *b;
	double *mean;          /* F: the background's means, or 0 */
	double *bias;          /* K: the margin at the means */
	unsigned char *round_f; /* F: the model's input is FLOAT: values rounded to float as the scorer does */
} sc_xlin;

/* explain_linear.c: completes e (method, run, free, n_features) around l,
 * computing the means from the background and the biases. On failure the
 * caller frees e with e->free (l is owned by e from the call on). */
int mlmd__sc_xlin_finish(sc_xeng *e, sc_xlin *l, const mlmd_tensor *background, size_t n_background);

/* explain_pmml_linear.c: the PMML front end (same contract as
 * mlmd__sc_xeng_linear). */
int mlmd__sc_xeng_pmml_linear(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background,
			      size_t n_background);

#endif

/*
 * lib/scorer/explain.h - what the explainer's files share (private).
 *
 *   explain.c         mlmd_explainer (mlmd/explain.h): picks the engine for
 *                     a model, feature names, batches, margins; and the
 *                     trace of an ONNX node's input columns back to the
 *                     model's inputs, which both engines use
 *   explain_tree.c    the tree engine: covers (XGBoost sum_hessian, PMML
 *                     recordCount, ONNX counted from a background sample)
 *                     and path-dependent TreeSHAP
 *   explain_linear.c  the linear engine: ONNX LinearRegressor and
 *                     LinearClassifier (Scalers in front folded in)
 *   explain_pmml_linear.c  its PMML front: RegressionModel and
 *                     GeneralRegression (explain_linear.h)
 */
#ifndef MLMD_SCORER_EXPLAIN_H
#define MLMD_SCORER_EXPLAIN_H

#include "mlmd/explain.h"
#include "sc.h"

/* Where one column of a node's input matrix comes from: column `col` of the
 * model's input `input` (a one-column input has col 0). */
typedef struct sc_xfeat {
	int input;
	int64_t col;
} sc_xfeat;

/* explain.c: for ONNX node n, whose input 0 is an [N, F] (or [N]) matrix,
 * where each of its F columns comes from among the model's inputs, through
 * Identity, Cast (to float or double), Reshape, Flatten, Squeeze, Unsqueeze
 * and Concat (axis 1) only. Anything else on the way is
 * FAILED_PRECONDITION naming that node ("node 's' (ai.onnx.ml::Scaler)
 * lies between the model's inputs and the explained node 't'; ..."). On
 * success *feats (F entries, from `pool`) and *n_feats. */
int mlmd__sc_explain_trace(const mlmd_model *m, const sc_node *n, sc_pool *pool, sc_xfeat **feats,
			   int64_t *n_feats);

/* explain.c: the n x nf matrix of doubles (NaN = missing) the features
 * `f` take in n rows of the model's inputs (float, double and integer
 * inputs; anything else is INVALID_ARGUMENT naming the input). */
int mlmd__sc_explain_gather(const mlmd_tensor *inputs, size_t n_inputs, const sc_xfeat *f, int64_t nf, int64_t n,
			    double *x);

/* The default name of a traced feature: the input's name for a one-column
 * input, else "<input>_<col>". Written into buf. */
void mlmd__sc_explain_feature_name(const mlmd_model *m, const sc_xfeat *f, int one_column, char *buf,
				   size_t len);

/* explain.c: the model's core node: the one node of an ONNX model that is a
 * tree ensemble or a linear model (ai.onnx.ml TreeEnsembleRegressor,
 * TreeEnsembleClassifier, TreeEnsemble, LinearRegressor, LinearClassifier)
 * and whose outputs reach the model's outputs through nodes that take no
 * other computed value (Identity, Cast, ZipMap, ArgMax, post-processing).
 * Returns 0 and *core; 1 (no error set) when the model has no such node (or
 * is not ONNX); FAILED_PRECONDITION when it has two, when they reach none
 * of the model's outputs, or when a node after it mixes in another branch. */
int mlmd__sc_explain_core(const mlmd_model *m, const sc_node **core);

/* An engine: what an explainer delegates to. Built by one of the engines'
 * constructors below, immutable after, freed with its `free`. */
typedef struct sc_xeng sc_xeng;
struct sc_xeng {
	const char *method;          /* "tree_path_dependent" or "linear" */
	int64_t n_features;
	char **feature_names;        /* n_features, malloc'd, freed by free */
	int n_outputs;               /* margins per row */
	char **output_labels;        /* n_outputs (malloc'd), or NULL for one margin */
	/* Explains n rows of the model's inputs into out (n x n_outputs x
	 * (n_features + 1), bias last) and, when margins != NULL, the margins
	 * (n x n_outputs). Scratch memory from ctx's pool (mlmd__sc_pool_*). */
	int (*run)(const sc_xeng *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs, int64_t n,
		   double *out, double *margins);
	void (*free)(sc_xeng *e);
	void *impl;
};

/* Engine constructors. Each returns 0 and *out on success, 1 (no error set)
 * when the model is not of its kind, or a negative status with the message
 * set when it is of its kind but cannot be explained. */
int mlmd__sc_xeng_trees(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background, size_t n_background);
int mlmd__sc_xeng_linear(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background, size_t n_background);

/* Frees the common fields (names, labels) and e itself; engines call it
 * from their `free` after releasing impl. */
void mlmd__sc_xeng_free_common(sc_xeng *e);

#endif

/*
 * mlmd/explain.h - per-prediction explanations: each input feature's
 * contribution to a row's prediction, plus a bias, in the model's margin
 * (before the link function: the raw sum of a tree ensemble, the linear
 * predictor of a linear model), so that bias + sum of contributions equals
 * the margin. docs/explain.md gives the methods:
 *
 *  - tree ensembles (XGBoost JSON; PMML TreeModel and MiningModel of trees
 *    with node record counts; ONNX TreeEnsemble* with a background sample):
 *    exact path-dependent TreeSHAP over the trees' covers;
 *  - linear models (ONNX LinearRegressor and LinearClassifier; PMML
 *    RegressionModel and GeneralRegression with a linear predictor):
 *    w_i (x_i - mean_i), means from the background sample or zero; the bias
 *    is the margin at the means.
 *
 * An explainer is built once per model (and background) and is immutable:
 * any number of threads may explain with it at once, each through its own
 * mlmd_score_ctx (the scratch memory).
 */
#ifndef MLMD_EXPLAIN_H
#define MLMD_EXPLAIN_H

#include "common.h"
#include "scorer.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_explainer mlmd_explainer;

/* Builds an explainer for `model` (which it references; the caller keeps
 * its own reference). `background` (n_background tensors laid out as the
 * model's inputs, or NULL and 0) gives a background sample: required for an
 * ONNX tree ensemble, whose covers are counted from it (FAILED_PRECONDITION
 * saying so without it); the means of a linear model's features (an
 * infinite background value there is INVALID_ARGUMENT). A model
 * that is neither a tree ensemble nor a linear model is UNIMPLEMENTED
 * naming what it is; a supported kind in a shape the explainer cannot follow
 * (a transform between the inputs and the model, a PMML tree without record
 * counts) is FAILED_PRECONDITION naming the node or element. */
MLMD_EXTERN(int) mlmd_explainer_new(mlmd_explainer **out, mlmd_model *model, const mlmd_tensor *background,
	size_t n_background);
MLMD_EXTERN(void) mlmd_explainer_free(mlmd_explainer *e);

/* "tree_path_dependent" or "linear". */
MLMD_EXTERN(const char *) mlmd_explainer_method(const mlmd_explainer *e);
/* The features explained, in order: an input's name when it holds one
 * column, "<input>_<j>" for column j of an [N, F] input, or the model's own
 * feature names (XGBoost feature_names, PMML data fields) when it has them. */
MLMD_EXTERN(size_t) mlmd_explainer_feature_count(const mlmd_explainer *e);
MLMD_EXTERN(const char *) mlmd_explainer_feature_name(const mlmd_explainer *e, size_t i);
/* The margins explained per row: 1, or K for a model with one margin per
 * class, whose labels (as text, the scorer's class labels) are given by
 * mlmd_explainer_output_label() (NULL when there is one margin). */
MLMD_EXTERN(size_t) mlmd_explainer_output_count(const mlmd_explainer *e);
MLMD_EXTERN(const char *) mlmd_explainer_output_label(const mlmd_explainer *e, size_t k);

/* Explains one batch of `inputs` (as for mlmd_model_score(); the number of
 * rows n is the inputs' first dimension). `out` receives n x K x (F + 1)
 * doubles, row-major: for row r and margin k, F contributions in feature
 * order and then the bias. `capacity` is out's size in doubles
 * (OUT_OF_RANGE when too small). `margins` (may be NULL, else n x K) receives
 * each row's margin as the model computes it. `ctx` is the calling thread's
 * scratch (not NULL). */
MLMD_EXTERN(int) mlmd_explainer_explain(const mlmd_explainer *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs,
	size_t n_inputs, double *out, size_t capacity, double *margins);

MLMD_END_DECLS

#endif

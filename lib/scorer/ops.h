/*
 * lib/scorer/ops.h - the operator interface: the registry of operators
 * (registry.c) and how an operator's prepare function reads its node's
 * attributes.
 *
 * A loader that builds nodes of registered operators (the ONNX loader) looks
 * each operator up by domain and name, then runs its prepare function with
 * an sc_load that names an attribute source: a small table of functions that
 * reads the node's attributes from wherever the loader holds them (ONNX: the
 * NodeProto). Operators see only the getters below, never the file format, so
 * they (and the loaders that build nodes of their own, PMML and XGBoost)
 * depend on no loader's code.
 */
#ifndef MLMD_SCORER_OPS_H
#define MLMD_SCORER_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include "sc.h"
#include "trees.h"

/* ---- attribute sources -------------------------------------------------------- */

/* Reads a node's attributes for the getters below. `attrs` is the source's
 * handle on the node's attributes (sc_load.attrs), `n` the node being
 * prepared (for error messages). Each get_* returns 0 when the attribute is
 * absent (leaving *out alone), 1 with the value in *out when it is there, or
 * a negative status, with a message naming the node and the attribute, when
 * it is there with another kind (or memory runs out). Strings, lists and
 * tensors are copied into `pool` (the model's). */
typedef struct sc_attr_source {
	bool (*has)(const void *attrs, const char *name);
	int (*get_int)(const void *attrs, const sc_node *n, const char *name, int64_t *out);
	int (*get_float)(const void *attrs, const sc_node *n, const char *name, double *out);
	int (*get_string)(const void *attrs, const sc_node *n, sc_pool *pool, const char *name, const char **out);
	int (*get_floats)(const void *attrs, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
		const float **out);
	int (*get_ints)(const void *attrs, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
		const int64_t **out);
	int (*get_strings)(const void *attrs, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
		const char *const **out);
	int (*get_tensor)(const void *attrs, const sc_node *n, sc_pool *pool, const char *name, tensor *out);
} sc_attr_source;

/* Load-time state the ops' prepare functions may use. */
struct sc_load {
	mlmd_model *m;
	sc_pool *pool;                /* == &m->pool */
	const sc_attr_source *src;    /* how to read the node's attributes; NULL when it has none */
	const void *attrs;            /* the source's handle on them (ONNX: the NodeProto) */
};

/* ---- attribute getters for prepare functions (attrs.c) ---------------------------- */

/* Absent attributes give the default (or the empty list) and return 0; a
 * present attribute of the wrong kind fails naming the node and attribute. */
bool mlmd__sc_has(sc_node *n, sc_load *L, const char *name);
int mlmd__sc_get_int(sc_node *n, sc_load *L, const char *name, int64_t def, int64_t *out);
int mlmd__sc_get_float(sc_node *n, sc_load *L, const char *name, double def, double *out);
int mlmd__sc_get_string(sc_node *n, sc_load *L, const char *name, const char *def, const char **out);
int mlmd__sc_get_floats(sc_node *n, sc_load *L, const char *name, size_t *count, const float **out);
int mlmd__sc_get_ints(sc_node *n, sc_load *L, const char *name, size_t *count, const int64_t **out);
int mlmd__sc_get_strings(sc_node *n, sc_load *L, const char *name, size_t *count, const char *const **out);
/* A tensor attribute; found is set false when absent. */
int mlmd__sc_get_tensor(sc_node *n, sc_load *L, const char *name, bool *found, tensor *out);
/* A list of numbers given either as `name` (floats) or `name_as_tensor`,
 * converted to doubles in the model pool. */
int mlmd__sc_get_doubles_or_tensor(sc_node *n, sc_load *L, const char *name, size_t *count, double **out);
/* "NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT" (the ONNX names). */
int mlmd__sc_parse_post(const sc_node *n, const char *s, sc_post *out);

/* The constant value feeding input i, or NULL if it is computed. */
const tensor *mlmd__sc_const_input(const sc_node *n, sc_load *L, int i);

/* ---- attributes other files read ------------------------------------------------------------ */

/* The prepared attributes of the shape ops (Reshape, Flatten, Squeeze,
 * Unsqueeze, Concat, Gather, Transpose: ops_shape.c), read by the
 * explainer's trace (explain.c). */
typedef struct sc_shape_attr {
	int64_t allowzero;
	size_t n_shape;        /* opset < 5: the shape attribute */
	const int64_t *shape;
	int64_t axis;
	size_t n_axes;         /* opset < 13: the axes attribute */
	const int64_t *axes;
	bool has_axes;
	size_t n_perm;
	const int64_t *perm;
} sc_shape_attr;

/* The prepared attributes of LinearRegressor and LinearClassifier
 * (ops_ml.c), read by the linear explainer (explain_linear.c): `targets`
 * rows of coefficients (n_coef = targets x features, row-major), one
 * intercept per row (or none), the classifier's labels. */
typedef struct sc_linear_attr {
	size_t n_coef, n_icpt;
	const float *coef, *icpt;
	int64_t targets;
	sc_post post;
	size_t n_labels;
	const int64_t *labels_int;
	const char *const *labels_str;
} sc_linear_attr;

/* The prepared attributes of Scaler, Normalizer, Binarizer and Imputer
 * (ops_ml.c); the linear explainer folds a Scaler into the coefficients. */
typedef struct sc_pre_attr {
	size_t n_a, n_b;
	const float *a, *b;     /* Scaler offset/scale; Imputer values */
	const int64_t *ia;      /* Imputer int64 values */
	double x;               /* Binarizer threshold; Imputer replaced float */
	int64_t ix;             /* Imputer replaced int64 */
	int norm;               /* Normalizer: 0 MAX, 1 L1, 2 L2 */
} sc_pre_attr;

/* ---- the registry (registry.c) ------------------------------------------------------- */

/* The operator of that domain ("" for ai.onnx) and name, or NULL. */
const sc_op *mlmd__sc_find_op(const char *domain, const char *name);

/* The tables it searches, one per file of operators, each ended by a row
 * whose name is NULL. */
extern const sc_op mlmd__sc_ops_elementwise[];  /* ops_elementwise.c */
extern const sc_op mlmd__sc_ops_reduce[];       /* ops_reduce.c */
extern const sc_op mlmd__sc_ops_linalg[];       /* ops_linalg.c */
extern const sc_op mlmd__sc_ops_shape[];        /* ops_shape.c */
extern const sc_op mlmd__sc_ops_ml[];           /* ops_ml.c */
extern const sc_op mlmd__sc_ops_tree[];         /* ops_tree.c */

#endif

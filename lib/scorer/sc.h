/*
 * lib/scorer/sc.h - the scorer's model IR, shared by its loaders and ops.
 *
 * A model is a graph of values (tensors) and nodes (operations) in an order
 * where every node's inputs are computed before it runs. Loaders (ONNX,
 * XGBoost JSON) build it; each op parses and checks its attributes once at
 * load ("prepare") and then runs per batch on tensors held in a score
 * context's arena. Nothing in a loaded model changes after load.
 */
#ifndef MLMD_SC_H
#define MLMD_SC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "../util/base.h"
#include "mlmd/scorer.h"
#include "tensor.h"

/* ---- the graph ---------------------------------------------------------------- */

typedef struct sc_node sc_node;
typedef struct sc_run sc_run;
typedef struct sc_load sc_load;

typedef struct sc_op {
	const char *domain;  /* "" (ai.onnx) or "ai.onnx.ml" */
	const char *name;
	int min_in, max_in, min_out, max_out;
	int (*prepare)(sc_node *n, sc_load *L); /* may be NULL */
	int (*run)(const sc_node *n, sc_run *r);
	/* Load-time typing: the element types input 0 may have (a mask of
	 * SC_T(dtype); 0 = any), whether input 1 must have input 0's type, and
	 * output 0's type (a dtype, SC_OUT_SAME, SC_OUT_IN1, or SC_OUT_SET when
	 * prepare sets it). */
	uint32_t types;
	bool same_types;
	int out;
} sc_op;

/* max_in of Concat and FeatureVectorizer. The runner's argument arrays are
 * sized from the model's widest node at load (mlmd_model.max_nin/max_nout),
 * so this is only a sanity bound on what a file may declare. */
#define SC_VARIADIC 65536
#define SC_T(dt) (1u << (dt))
#define SC_T_FLT (SC_T(MLMD_DTYPE_FLOAT) | SC_T(MLMD_DTYPE_DOUBLE))
#define SC_T_MAIN (SC_T_FLT | SC_T(MLMD_DTYPE_INT32) | SC_T(MLMD_DTYPE_INT64))
#define SC_T_INT (SC_T(MLMD_DTYPE_INT32) | SC_T(MLMD_DTYPE_INT64) | SC_T(MLMD_DTYPE_UINT8) | SC_T(MLMD_DTYPE_INT8) | \
	SC_T(MLMD_DTYPE_UINT16) | SC_T(MLMD_DTYPE_INT16) | SC_T(MLMD_DTYPE_UINT32) | SC_T(MLMD_DTYPE_UINT64))
#define SC_T_NUM (SC_T_FLT | SC_T_INT)
#define SC_OUT_SET 0
#define SC_OUT_SAME (-1)
#define SC_OUT_IN1 (-2)

struct sc_node {
	const sc_op *op;
	const char *name;      /* ONNX node name, or "op#index" */
	int opset;             /* version of the node's domain the model imports */
	int nin, nout;
	int *in, *out;         /* value indexes; -1 for an omitted optional input */
	void *attr;            /* op-specific, allocated from the model pool */
};

typedef struct sc_value {
	const char *name;
	int dtype;             /* element type known at load, or 0 */
	bool is_const;
	tensor t;              /* constant's data (model-owned) when is_const */
	/* class labels carried by a score matrix (set by classifier ops' prepare) */
	size_t n_labels;
	const int64_t *labels_int64;
	const char *const *labels_string;
	bool is_zipmap;        /* produced by ZipMap: a [N, C] float score matrix */
} sc_value;

struct mlmd_model {
	atomic_int refs;
	sc_pool pool;
	const char *format, *producer, *producer_version;
	int64_t ir_version;
	int n_values;
	sc_value *values;
	int n_nodes;
	sc_node *nodes;
	size_t n_inputs, n_outputs;
	int *input_vals, *output_vals;
	mlmd_value_info *inputs, *outputs;
	size_t n_opsets;
	const char **opset_domains;
	int64_t *opset_versions;
	size_t n_meta;
	const char **meta_keys, **meta_values;
	/* Frees what a loader keeps outside the pool (PMML's compiled regular
	 * expressions); called once by mlmd_model_free, also after a failed load. */
	void (*fini)(void *arg);
	void *fini_arg;
	int max_nin, max_nout; /* the widest node's input and output counts (set after load) */
};

/* Load-time state the ops' prepare functions may use. */
struct sc_load {
	mlmd_model *m;
	sc_pool *pool;         /* == &m->pool */
	const void *proto;     /* the ONNX NodeProto being prepared */
};

/* Attribute getters for prepare functions. Absent attributes give the
 * default (or the empty list) and return 0; a present attribute of the
 * wrong kind fails naming the node and attribute. */
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

/* Errors that name the node: "node 'x' (ai.onnx::Gemm): ..." */
int mlmd__sc_fail(const sc_node *n, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The constant value feeding input i, or NULL if it is computed. */
const tensor *mlmd__sc_const_input(const sc_node *n, sc_load *L, int i);

/* ---- running -------------------------------------------------------------------- */

struct mlmd_score_ctx {
	sc_pool pool;
	tensor *slots;         /* one per value of the model being run */
	int n_slots;
	const tensor **args_in; /* a node's input and output slots, sized for the widest */
	tensor **args_out;      /* node of the largest model this context has run */
	int cap_in, cap_out;
};

struct sc_run {
	mlmd_score_ctx *ctx;
	const tensor **in;     /* nin entries; NULL for an omitted optional input */
	tensor **out;          /* nout entries */
	int nin, nout;
};

/* Allocates an output tensor of the given shape in the context. */
int mlmd__sc_out(const sc_node *n, sc_run *r, int k, int dtype, int rank, const int64_t *dims);

/* ---- op tables, tree engine --------------------------------------------------- */

const sc_op *mlmd__sc_find_op(const char *domain, const char *name);
extern const sc_op mlmd__sc_ops_elementwise[], mlmd__sc_ops_reduce[], mlmd__sc_ops_linalg[], mlmd__sc_ops_shape[];
extern const sc_op mlmd__sc_ops_ml[];
extern const sc_op mlmd__sc_ops_tree[];

/* A compiled tree ensemble (see trees.c). */
typedef struct sc_trees sc_trees;
typedef enum { SC_AGG_SUM, SC_AGG_AVERAGE, SC_AGG_MIN, SC_AGG_MAX } sc_agg;
typedef enum { SC_POST_NONE, SC_POST_LOGISTIC, SC_POST_SOFTMAX, SC_POST_SOFTMAX_ZERO, SC_POST_PROBIT } sc_post;
enum { SC_MODE_LEQ, SC_MODE_LT, SC_MODE_GTE, SC_MODE_GT, SC_MODE_EQ, SC_MODE_NEQ, SC_MODE_MEMBER, SC_MODE_LEAF };

/* Tree builder input: nodes of every tree, children given as indexes into
 * the same arrays (for leaves, leaf_start/leaf_count index the votes). */
typedef struct sc_tree_src {
	int n_trees;
	const int32_t *roots;      /* node index of each tree's root */
	int n_nodes;
	const uint8_t *mode;
	const int32_t *feature;
	const double *threshold;   /* in the type the model stores (float values are exact) */
	const uint8_t *missing_true;
	const int32_t *true_child, *false_child;
	const int32_t *vote_start, *vote_count; /* leaves: their votes */
	const int32_t *vote_target;
	const double *vote_weight;
	const double *const *member_sets; /* MEMBER nodes: sorted values */
	const int32_t *member_count;
	int n_targets;
	sc_agg agg;
	const double *base;        /* n_targets or NULL */
	bool base_first;           /* XGBoost: start from the base, then add trees in order */
	bool float_sum;            /* accumulate in float (XGBoost parity) instead of double */
	bool compact;              /* scored a row at a time (PMML): keep the compact generic layout,
	                              whose walk touches only the nodes on the path */
} sc_tree_src;

int mlmd__sc_trees_build(sc_trees **out, sc_pool *pool, const sc_tree_src *src, const char *what);

/* Working arrays behind an sc_tree_src, for loaders (malloc'd, freed after the build). */
typedef struct sc_tree_buf {
	sc_tree_src s;
	int32_t *roots, *feature, *tchild, *fchild, *vstart, *vcount, *vtarget;
	uint8_t *mode, *miss;
	double *thr, *vweight;
	double **sets;
	int32_t *nsets;

} sc_tree_buf;
int mlmd__sc_tree_buf_alloc(sc_tree_buf *b, size_t nodes, size_t votes, size_t trees);
void mlmd__sc_tree_buf_free(sc_tree_buf *b);
/* "NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT" (the ONNX names). */
int mlmd__sc_parse_post(const sc_node *n, const char *s, sc_post *out);
int mlmd__sc_trees_n_features(const sc_trees *t);
/* Scores rows of X (n rows x n_cols, dtype float or double; NaN = missing)
 * into out (n x n_targets) as raw aggregated scores with base values. */
int mlmd__sc_trees_n_targets(const sc_trees *t);
/* `scratch` (the score context's pool) holds any working memory. */
int mlmd__sc_trees_score(const sc_trees *t, sc_pool *scratch, int dtype, const void *x, int64_t n, int64_t n_cols,
	double *out);
/* The first vote of the leaf that one row of doubles reaches in the first
 * tree: a quick path for single trees whose leaves vote once (PMML). */
double mlmd__sc_trees_vote1_d(const sc_trees *t, const double *row);
/* ONNX post transforms over n rows of k scores, in place. */
void mlmd__sc_post_transform(sc_post post, double *scores, int64_t n, int k);

/* Helpers loaders share (model.c and tensor.c). */
int mlmd__sc_add_value(mlmd_model *m, const char *name);
int mlmd__sc_finish_io(mlmd_model *m);

#endif

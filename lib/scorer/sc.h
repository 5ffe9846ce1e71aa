/*
 * lib/scorer/sc.h - the scorer's model IR, shared by its loaders and ops.
 *
 * A model is a graph of values (tensors) and nodes (operations) in an order
 * where every node's inputs are computed before it runs. Loaders (ONNX,
 * XGBoost JSON, PMML) build it; each op parses and checks its attributes
 * once at load ("prepare", through ops.h) and then runs per batch on tensors
 * held in a score context's arena (run.c). Nothing in a loaded model changes
 * after load.
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

/* An operator: a row of an op table (ops.h), or a loader's own (PMML,
 * XGBoost), written with designated initialisers. */
typedef struct sc_op {
	const char *domain;  /* "" (ai.onnx), "ai.onnx.ml", or a loader's own */
	const char *name;
	int min_in, max_in, min_out, max_out;
	int (*prepare)(sc_node *n, sc_load *L); /* reads the node's attributes at load (ops.h); may be NULL */
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

/* Errors that name the node: "node 'x' (ai.onnx::Gemm): ..." (model.c) */
int mlmd__sc_fail(const sc_node *n, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- running -------------------------------------------------------------------- */

struct mlmd_score_ctx {
	sc_pool pool;
	tensor *slots;         /* one per value of the model being run */
	int n_slots;
	const tensor **args_in; /* a node's input and output slots, sized for the widest */
	tensor **args_out;      /* node of the largest model this context has run */
	int cap_in, cap_out;
	int n_threads;         /* mlmd_score_ctx_set_threads(); 0 or 1: the calling thread alone */
	struct sc_team *team;  /* its n_threads - 1 workers, started on first use (trees_threads.c) */
	int fail_thread_start; /* for tests: > 0 makes worker k - 1 and later fail to start */
	int64_t min_part_work; /* for tests: > 0 replaces the smallest work worth a thread */
};

/* A context's worker threads (trees_threads.c). */
typedef struct sc_team sc_team;
/* Runs fn(arg, part) for part 0 .. n_parts - 1 (n_parts <= ctx->n_threads)
 * and returns when all have run: part 0 on the calling thread, the others
 * on ctx's workers, started here on the first call. fn must not fail, nor
 * allocate from ctx's pool. RESOURCE_EXHAUSTED when a worker cannot be
 * started: then nothing ran, no worker is left, and the context is still
 * usable (the next call tries again). */
int mlmd__sc_parallel(mlmd_score_ctx *ctx, int n_parts, void (*fn)(void *arg, int part), void *arg);
/* Stops and joins the workers; NULL is a no-op. */
void mlmd__sc_team_free(sc_team *team);
/* For tests: from now on, starting worker k - 1 (0-based) or a later one
 * fails as if the system refused the thread; 0 turns that off. */
void mlmd__sc_ctx_fail_thread_start(mlmd_score_ctx *ctx, int k);
/* For tests: split batches with at least `work` node visits per part (0:
 * the default), so that small batches use the threads too. */
void mlmd__sc_ctx_set_min_part_work(mlmd_score_ctx *ctx, int64_t work);

struct sc_run {
	mlmd_score_ctx *ctx;
	const tensor **in;     /* nin entries; NULL for an omitted optional input */
	tensor **out;          /* nout entries */
	int nin, nout;
};

/* Allocates an output tensor of the given shape in the context (run.c). */
int mlmd__sc_out(const sc_node *n, sc_run *r, int k, int dtype, int rank, const int64_t *dims);

/* ---- building a model (model.c) ------------------------------------------------ */

/* Adds a value named `name` (kept, not copied) to the model; returns its
 * index, or a negative status. */
int mlmd__sc_add_value(mlmd_model *m, const char *name);
/* Fills the outputs' class labels from the values they name (after a load). */
int mlmd__sc_finish_io(mlmd_model *m);

#endif

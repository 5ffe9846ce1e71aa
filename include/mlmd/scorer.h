/*
 * mlmd/scorer.h - load models stored as data and score them.
 *
 * A model file (ONNX protobuf or XGBoost JSON; the format is detected from
 * the bytes) is compiled at load time into one immutable model: a small graph
 * of typed tensor operations in which tree ensembles become flat node arrays.
 * Everything that can be checked is checked at load (unsupported operators,
 * domains and element types, tensor sizes, node ids, cycles), so scoring a
 * loaded model fails only on bad input data.
 *
 * Threads: a loaded mlmd_model is immutable and may be scored by any number
 * of threads at once with no locking. Each thread scores through its own
 * mlmd_score_ctx, which holds the scratch memory; after the first calls at a
 * given batch size scoring allocates nothing. See docs/scorer.md.
 */
#ifndef MLMD_SCORER_H
#define MLMD_SCORER_H

#include "common.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_model mlmd_model;
typedef struct mlmd_score_ctx mlmd_score_ctx;

/* Element types; the numbers are ONNX's TensorProto.DataType. The first
 * six are the scorer's working types; the other integer types are carried
 * (inputs, outputs, constants, shape ops, Cast, LabelEncoder values, the
 * element-wise integer ops) but the model operators take only the first
 * six. */
typedef enum mlmd_dtype {
	MLMD_DTYPE_UNDEFINED = 0,
	MLMD_DTYPE_FLOAT = 1,   /* float */
	MLMD_DTYPE_INT32 = 6,   /* int32_t */
	MLMD_DTYPE_INT64 = 7,   /* int64_t */
	MLMD_DTYPE_STRING = 8,  /* const char * (NUL-terminated UTF-8) */
	MLMD_DTYPE_BOOL = 9,    /* uint8_t, 0 or 1 */
	MLMD_DTYPE_DOUBLE = 11, /* double */
	MLMD_DTYPE_UINT8 = 2,   /* uint8_t */
	MLMD_DTYPE_INT8 = 3,    /* int8_t */
	MLMD_DTYPE_UINT16 = 4,  /* uint16_t */
	MLMD_DTYPE_INT16 = 5,   /* int16_t */
	MLMD_DTYPE_UINT32 = 12, /* uint32_t */
	MLMD_DTYPE_UINT64 = 13  /* uint64_t */
} mlmd_dtype;

#define MLMD_TENSOR_MAX_RANK 8

/*
 * A dense, row-major tensor. Used for inputs (filled by the caller) and for
 * outputs (filled by the library).
 *
 * As an output: if `data` is NULL on entry, the library points it at memory
 * owned by the score context, valid until the next score call on that
 * context. If `data` is set on entry, the caller provides a buffer of
 * `capacity` elements of the output's dtype; the call fails with
 * OUT_OF_RANGE (and writes nothing to it) when the result does not fit.
 * String outputs are arrays of `const char *` that point into the model or
 * the context (same lifetime as above).
 */
typedef struct mlmd_tensor {
	int dtype;                           /* mlmd_dtype */
	int rank;                            /* 0..MLMD_TENSOR_MAX_RANK */
	int64_t dims[MLMD_TENSOR_MAX_RANK];  /* sizes of the first `rank` dimensions */
	void *data;                          /* elements, row-major */
	size_t capacity;                     /* outputs only: elements `data` can hold */
} mlmd_tensor;

/* A model input or output, as declared by the model. */
typedef struct mlmd_value_info {
	const char *name;
	int dtype;               /* mlmd_dtype; UNDEFINED when not declared */
	int rank;                /* -1 when the shape is not declared */
	const int64_t *dims;     /* `rank` sizes; -1 where a size is symbolic or unset */
	const char *const *dim_names; /* `rank` names; NULL entries where not symbolic */
	/* Class labels when this output holds one score column per class (a
	 * classifier's probabilities, a ZipMap output); n_labels == 0 otherwise.
	 * Exactly one of labels_int64 and labels_string is non-NULL then. */
	size_t n_labels;
	const int64_t *labels_int64;
	const char *const *labels_string;
} mlmd_value_info;

/* The ONNX name of an element type ("FLOAT", "INT64", ...; TensorProto's
 * enum names), "unknown type" for a number ONNX does not define (static
 * strings), and the bytes one element takes (0 for a type the scorer does
 * not carry; sizeof(const char *) for STRING). */
MLMD_EXTERN(const char *) mlmd_dtype_name(int dtype);
MLMD_EXTERN(size_t) mlmd_dtype_size(int dtype);

/* ---- loading ----------------------------------------------------------- */

/* Loads a model from a file. The format is detected from the content:
 * ONNX (protobuf ModelProto) or XGBoost JSON (save_model("m.json")). PFA
 * documents and TensorFlow SavedModels are refused with UNIMPLEMENTED and a
 * message saying what to export instead; anything else is INVALID_ARGUMENT.
 * On success *out is a new model; free it with mlmd_model_free(). */
MLMD_EXTERN(int) mlmd_model_load_file(mlmd_model **out, const char *path);

/* The same, from `len` bytes at `data` (copied as needed; the caller keeps
 * ownership of the buffer). `name` (may be NULL) prefixes error messages. */
MLMD_EXTERN(int) mlmd_model_load_buffer(mlmd_model **out, const void *data, size_t len, const char *name);

/* Reads a model file whole, as mlmd_model_load_file() does before it decodes
 * it: a directory (a TensorFlow SavedModel among them), an unreadable file
 * and an empty one are refused with the same messages. For a host that
 * checks the bytes first (a digest, a signature) and then loads exactly
 * those bytes with mlmd_model_load_buffer(), reading the file once. On
 * success *data is a new buffer of *len bytes; free it with
 * mlmd_model_data_free(). */
MLMD_EXTERN(int) mlmd_model_read_file(const char *path, void **data, size_t *len);
/* Frees a buffer from mlmd_model_read_file(). NULL is a no-op. */
MLMD_EXTERN(void) mlmd_model_data_free(void *data);

/* Takes another reference to the model (for sharing it between owners);
 * each reference is released with mlmd_model_free(). Returns `model`. */
MLMD_EXTERN(mlmd_model *) mlmd_model_ref(mlmd_model *model);

/* Releases one reference; the model is freed with the last. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_model_free(mlmd_model *model);

/* ---- inspecting (all strings borrowed, valid while the model lives) ---- */

/* "onnx" or "xgboost-json". */
MLMD_EXTERN(const char *) mlmd_model_format(const mlmd_model *model);
/* ONNX producer_name and producer_version ("" when absent; for XGBoost
 * models "xgboost" and the version that saved the file). */
MLMD_EXTERN(const char *) mlmd_model_producer(const mlmd_model *model);
MLMD_EXTERN(const char *) mlmd_model_producer_version(const mlmd_model *model);
/* ONNX ir_version (0 for other formats). */
MLMD_EXTERN(int64_t) mlmd_model_ir_version(const mlmd_model *model);

MLMD_EXTERN(size_t) mlmd_model_input_count(const mlmd_model *model);
MLMD_EXTERN(const mlmd_value_info *) mlmd_model_input(const mlmd_model *model, size_t i);
MLMD_EXTERN(size_t) mlmd_model_output_count(const mlmd_model *model);
MLMD_EXTERN(const mlmd_value_info *) mlmd_model_output(const mlmd_model *model, size_t i);
/* Index of the input named `name`, or -1. */
MLMD_EXTERN(int) mlmd_model_input_index(const mlmd_model *model, const char *name);

/* Operator sets the model imports: domain ("" is ai.onnx) and version. */
MLMD_EXTERN(size_t) mlmd_model_opset_count(const mlmd_model *model);
MLMD_EXTERN(int) mlmd_model_opset(const mlmd_model *model, size_t i, const char **domain, int64_t *version);

/* The model's metadata_props (for XGBoost: objective, num_trees, ...). */
MLMD_EXTERN(size_t) mlmd_model_metadata_count(const mlmd_model *model);
MLMD_EXTERN(int) mlmd_model_metadata(const mlmd_model *model, size_t i, const char **key, const char **value);

/* ---- scoring ------------------------------------------------------------ */

/* A new score context (per-thread scratch memory). A context may be used by
 * one thread at a time, with any number of models. Free it with
 * mlmd_score_ctx_free(). */
MLMD_EXTERN(int) mlmd_score_ctx_new(mlmd_score_ctx **out);
MLMD_EXTERN(void) mlmd_score_ctx_free(mlmd_score_ctx *ctx);

/* Caps the scratch memory one score call may use on this context, in bytes
 * (0, the default, means no cap). A call that would need more fails with
 * RESOURCE_EXHAUSTED naming the node and the limit, so one oversized request
 * cannot exhaust a server; the context stays usable. */
MLMD_EXTERN(void) mlmd_score_ctx_set_limit(mlmd_score_ctx *ctx, size_t bytes);

/* Lets score calls on this context split the rows of a large batch across
 * n_threads threads (1, the default, scores on the calling thread alone;
 * at most 256). The context starts n_threads - 1 worker threads of its own
 * on first use, reuses them for every later call, and joins them in
 * mlmd_score_ctx_free(); the calling thread scores a share too. Results are
 * the same as with one thread, row for row. Tree ensembles (ONNX
 * TreeEnsemble*, XGBoost, PMML tree models and ensembles) split their rows;
 * other operators run on the calling thread. A context with threads is
 * still used by one calling thread at a time. INVALID_ARGUMENT for a count
 * out of range; a thread that cannot be started is RESOURCE_EXHAUSTED at
 * the score call that needed it. */
MLMD_EXTERN(int) mlmd_score_ctx_set_threads(mlmd_score_ctx *ctx, int n_threads);

/*
 * Scores one batch. `inputs` holds one tensor per model input, in the order
 * of mlmd_model_input(); their dtypes must match the declared ones (a
 * float, double, int32 or int64 input may also be given as another of those
 * four, converted on entry) and their shapes must fit the declared ones.
 * `outputs` has room for `n_outputs` tensors (at most
 * mlmd_model_output_count(); the first n are computed). See mlmd_tensor
 * for who owns output memory. `ctx` may be NULL, in which case a temporary
 * context is created and freed for this call (and `data == NULL` outputs
 * are refused, since their memory would not outlive the call).
 */
MLMD_EXTERN(int) mlmd_model_score(const mlmd_model *model, mlmd_score_ctx *ctx,
	const mlmd_tensor *inputs, size_t n_inputs, mlmd_tensor *outputs, size_t n_outputs);

MLMD_END_DECLS

#endif

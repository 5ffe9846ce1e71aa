/*
 * mlmd/tracking.h - experiment tracking from C: runs, parameters, tags,
 * metric histories, inputs and outputs with their digests, reproducibility
 * capture and cache lookup (docs/tracking.md).
 *
 *   mlmd_run *run;
 *   mlmd_run_begin(&run, store, "iris", NULL, NULL, NULL);    experiment, name, type, options
 *   mlmd_run_log_param_double(run, "lr", 0.1);
 *   mlmd_run_log_metric(run, "loss", 0.25, epoch);
 *   mlmd_run_log_input(run, "data.csv", NULL, NULL);            SHA-256 and size recorded
 *   mlmd_run_end(run, MLMD_RUN_COMPLETE);
 *   mlmd_run_free(run);
 *
 * The records are ordinary MLMD nodes: a run is an execution (type
 * mlmd.Run unless named) associated with its experiment's context (type
 * mlmd.Experiment); parameters, tags, the latest value of each metric and
 * the capture are the run's custom properties (param.<key>, tag.<key>,
 * metric.<key>, mlmd.*); files are artifacts joined to the run by INPUT or
 * OUTPUT events; the metric history has its own table. Every call is one
 * mlmd_store_call() with a serialized mlmd.tracking request (the Python
 * package sends the same ones), so every call is one transaction.
 *
 * Threads: a run handle makes its calls on the store handle it was begun
 * with, and keeps no other shared state. The rule is the store's: use a
 * store handle, and every run handle begun on it, from one thread at a time.
 * Runs on different store handles are independent (two threads may each log
 * to their own run through their own store handle, even on the same file).
 *
 * This header needs neither mlmd/store.h nor protobuf-c: the store is named
 * by its struct tag, and what a run reads back is plain C structs.
 */
#ifndef MLMD_TRACKING_H
#define MLMD_TRACKING_H

#include "common.h"

/* A store handle (mlmd/store.h), named by its struct tag as in mlmd/serving.h. */
struct mlmd_store;

MLMD_BEGIN_DECLS

/* A run's status. The numbers are ml_metadata.Execution.State's, the
 * execution's last_known_state (MLflow's RUNNING, FINISHED, FAILED and
 * KILLED are RUNNING, COMPLETE, FAILED and CANCELED). */
typedef enum mlmd_run_status {
	MLMD_RUN_RUNNING = 2,
	MLMD_RUN_COMPLETE = 3,
	MLMD_RUN_FAILED = 4,
	MLMD_RUN_CANCELED = 6
} mlmd_run_status;

/* The kind of a parameter's value. */
typedef enum mlmd_value_kind {
	MLMD_VALUE_INT = 1,
	MLMD_VALUE_DOUBLE = 2,
	MLMD_VALUE_STRING = 3
} mlmd_value_kind;

/* A parameter: key and a value of one kind (the field `kind` names). */
typedef struct mlmd_param {
	const char *key;
	mlmd_value_kind kind;
	int64_t int_value;
	double double_value;
	const char *string_value;
} mlmd_param;

/* A key and a text value: a tag, an environment variable, a package version. */
typedef struct mlmd_tag {
	const char *key;
	const char *value;
} mlmd_tag;

/* One point of a metric. */
typedef struct mlmd_metric_point {
	const char *key;
	double value;              /* NaN and the infinities are kept as such */
	int64_t step;
	int64_t timestamp;         /* ms since the epoch */
} mlmd_metric_point;

/* ---- runs -------------------------------------------------------------------------------- */

typedef struct mlmd_run mlmd_run;

/* Options of mlmd_run_begin(). Initialise with MLMD_RUN_OPTIONS_INIT. */
typedef struct mlmd_run_options {
	unsigned version;              /* MLMD_RUN_OPTIONS_VERSION */
	const char *const *extra_env;  /* NULL-terminated names of environment variables to record
	                                  beyond the default allow-list (docs/tracking.md); a name
	                                  ending in '*' matches every variable with that prefix */
	int has_seed;                  /* record `seed` as the run's random seed (mlmd.seed) */
	int64_t seed;
	const char *git_dir;           /* the directory whose git repository is recorded;
	                                  NULL = the working directory */
	int no_capture;                /* record no capture at all (no argv, cwd, host, user,
	                                  environment or git state; the seed still) */
} mlmd_run_options;

#define MLMD_RUN_OPTIONS_VERSION 1
#define MLMD_RUN_OPTIONS_INIT { MLMD_RUN_OPTIONS_VERSION, NULL, 0, 0, NULL, 0 }

/*
 * Begins a run: an execution in state RUNNING of type `run_type` (NULL =
 * "mlmd.Run"; created when new) named `run_name` (NULL = "run-<id>"; unique
 * per run type: ALREADY_EXISTS otherwise), associated with the experiment
 * `experiment` (NULL = "Default"; created when new). Unless
 * opts->no_capture, the reproducibility capture is gathered first and
 * recorded with the run (docs/tracking.md says exactly what). opts may be
 * NULL for the defaults; its version is checked (INVALID_ARGUMENT).
 * On success *out is a new handle on the run; free it with mlmd_run_free().
 * The handle uses `store` for every call: the store must outlive it.
 */
MLMD_EXTERN(int) mlmd_run_begin(mlmd_run **out, struct mlmd_store *store, const char *experiment,
				const char *run_name, const char *run_type, const mlmd_run_options *opts);

/* The run's id (its execution's id), its experiment's id (the context's)
 * and its name (borrowed, valid until mlmd_run_free()). */
MLMD_EXTERN(int64_t) mlmd_run_id(const mlmd_run *run);
MLMD_EXTERN(int64_t) mlmd_run_experiment_id(const mlmd_run *run);
MLMD_EXTERN(const char *) mlmd_run_name(const mlmd_run *run);

/* Logs a parameter (custom property param.<key>). A parameter keeps its
 * first value: logging the same key again with another value is
 * INVALID_ARGUMENT naming the key, with the same value a no-op. Refused
 * (FAILED_PRECONDITION) once the run has ended, as every log call is. */
MLMD_EXTERN(int) mlmd_run_log_param_int(mlmd_run *run, const char *key, int64_t value);
MLMD_EXTERN(int) mlmd_run_log_param_double(mlmd_run *run, const char *key, double value);
MLMD_EXTERN(int) mlmd_run_log_param_string(mlmd_run *run, const char *key, const char *value);
/* Logs n parameters in one call (one transaction: all or none). */
MLMD_EXTERN(int) mlmd_run_log_params(mlmd_run *run, const mlmd_param *params, size_t n);

/* Sets a tag (custom property tag.<key>); a tag may change. */
MLMD_EXTERN(int) mlmd_run_set_tag(mlmd_run *run, const char *key, const char *value);

/* Logs one point of metric `key` at `step`, timestamped now. The run's
 * metric.<key> property is the latest point (by step, then timestamp). */
MLMD_EXTERN(int) mlmd_run_log_metric(mlmd_run *run, const char *key, double value, int64_t step);

/* Logs n points of metric `key` in one call and one transaction: values[i]
 * at steps[i] and timestamps[i] (ms since the epoch). steps NULL: every
 * step 0; timestamps NULL: every point timestamped now. n = 0 is a no-op. */
MLMD_EXTERN(int) mlmd_run_log_metrics(mlmd_run *run, const char *key, const double *values,
				      const int64_t *steps, const int64_t *timestamps, size_t n);

/* Options of mlmd_run_log_input() and mlmd_run_log_output(). Initialise
 * with MLMD_FILE_OPTIONS_INIT. */
typedef struct mlmd_file_options {
	unsigned version;          /* MLMD_FILE_OPTIONS_VERSION */
	const char *type;          /* artifact type; NULL = "mlmd.File" */
	const char *name;          /* artifact name; NULL = none */
	const char *uri;           /* the uri to record; NULL = the path's absolute file:// URI */
	const char *sha256;        /* the file's SHA-256 (64 hex digits), known to the caller: the
	                              file is then not read, path may be NULL (uri is then required) */
	int64_t size;              /* with sha256: the file's size in bytes */
} mlmd_file_options;

#define MLMD_FILE_OPTIONS_VERSION 1
#define MLMD_FILE_OPTIONS_INIT { MLMD_FILE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0 }

/*
 * Records a file the run read (input) or wrote (output): an artifact with
 * its uri and the custom properties mlmd.sha256 and mlmd.size, joined to
 * the run by an INPUT or OUTPUT event and attributed to the experiment. The
 * file is read once, hashing as it goes, unless opts gives the digest. A
 * file whose digest (and type) the store already holds reuses that
 * artifact. opts may be NULL. On success *artifact_id (when not NULL) is
 * the artifact's id. A file that cannot be read is NOT_FOUND or
 * PERMISSION_DENIED naming the path.
 */
MLMD_EXTERN(int) mlmd_run_log_input(mlmd_run *run, const char *path, const mlmd_file_options *opts,
				    int64_t *artifact_id);
MLMD_EXTERN(int) mlmd_run_log_output(mlmd_run *run, const char *path, const mlmd_file_options *opts,
				     int64_t *artifact_id);

/* Ends the run with `status` (COMPLETE, FAILED or CANCELED; others are
 * INVALID_ARGUMENT), its end time now. Ending COMPLETE also records the
 * run's fingerprint (mlmd_run_fingerprint()). A run ends once: ending it
 * again is FAILED_PRECONDITION. The handle stays valid (for its id). */
MLMD_EXTERN(int) mlmd_run_end(mlmd_run *run, mlmd_run_status status);

/* The fingerprint recorded when the run ended COMPLETE (64 hex digits), or
 * "" before that. Borrowed, valid until mlmd_run_free(). */
MLMD_EXTERN(const char *) mlmd_run_fingerprint(const mlmd_run *run);

/* Frees the handle. It does not end the run: a run never ended stays
 * RUNNING in the store, as one whose process died does. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_run_free(mlmd_run *run);

/* ---- reading a run back ------------------------------------------------------------------ */

/* An input or output of a run. */
typedef struct mlmd_run_file {
	int64_t artifact_id;
	const char *type;          /* artifact type name */
	const char *name;          /* "" when the artifact has none */
	const char *uri;
	const char *sha256;        /* "" when not recorded */
	int64_t size;              /* -1 when not recorded */
} mlmd_run_file;

/* What was captured when the run began. Strings are "" when not recorded. */
typedef struct mlmd_capture_info {
	size_t n_argv;
	const char *const *argv;
	const char *cwd;
	const char *host;
	const char *user;
	const char *git_commit;    /* 40 hex digits; "" when unknown (no repository, unreadable) */
	const char *git_branch;    /* "" when detached or unknown */
	int git_dirty;             /* 1 dirty, 0 clean, -1 unknown */
	size_t n_env;
	const mlmd_tag *env;       /* sorted by name */
	int has_seed;
	int64_t seed;
	const char *python_version;
	size_t n_packages;
	const mlmd_tag *packages;  /* sorted by name */
	const char *library_version;
} mlmd_capture_info;

/*
 * A run as the store holds it (what GetRun returns), as plain C. Allocated
 * by the library, read-only for the caller: fields may be appended in later
 * versions, so never allocate or copy one yourself. Every pointer inside is
 * valid until mlmd_run_info_free().
 */
typedef struct mlmd_run_info {
	int64_t id;
	const char *name;
	const char *type;
	int64_t experiment_id;
	const char *experiment;
	mlmd_run_status status;
	int64_t start_time;                  /* ms since the epoch */
	int64_t end_time;                    /* ms since the epoch; 0 while running */
	size_t n_params;
	const mlmd_param *params;            /* sorted by key */
	size_t n_tags;
	const mlmd_tag *tags;                /* sorted by key */
	size_t n_metrics;
	const mlmd_metric_point *metrics;    /* the latest point of each key, sorted by key */
	size_t n_inputs;
	const mlmd_run_file *inputs;
	size_t n_outputs;
	const mlmd_run_file *outputs;
	const mlmd_capture_info *capture;    /* never NULL */
	const char *fingerprint;             /* "" unless the run ended COMPLETE */
} mlmd_run_info;

/* Reads run `run_id` (NOT_FOUND when there is no such run). On success
 * *out is new; free it with mlmd_run_info_free(). */
MLMD_EXTERN(int) mlmd_run_info_get(mlmd_run_info **out, struct mlmd_store *store, int64_t run_id);

/* The parameter, tag or latest metric point named key, or NULL. Borrowed
 * from info. */
MLMD_EXTERN(const mlmd_param *) mlmd_run_info_param(const mlmd_run_info *info, const char *key);
MLMD_EXTERN(const char *) mlmd_run_info_tag(const mlmd_run_info *info, const char *key);
MLMD_EXTERN(const mlmd_metric_point *) mlmd_run_info_metric(const mlmd_run_info *info, const char *key);

/* Frees a run info. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_run_info_free(mlmd_run_info *info);

/* ---- metric histories -------------------------------------------------------------------- */

/* Every point of one metric of one run, as parallel arrays of n. */
typedef struct mlmd_metric_history {
	size_t n;
	double *values;
	int64_t *steps;
	int64_t *timestamps;       /* ms since the epoch */
} mlmd_metric_history;

/* Reads the history of metric `key` of run `run_id`, ordered by step, then
 * timestamp, then logging order (one indexed range scan). A key never
 * logged gives n = 0; an unknown run is NOT_FOUND. On success *out is new;
 * free it with mlmd_metric_history_free(). */
MLMD_EXTERN(int) mlmd_metric_history_get(mlmd_metric_history **out, struct mlmd_store *store, int64_t run_id,
					 const char *key);
MLMD_EXTERN(void) mlmd_metric_history_free(mlmd_metric_history *history);

/* ---- cache lookup ------------------------------------------------------------------------ */

/*
 * "Has a run of this type already completed with these parameters on
 * inputs with these digests?" Computes the fingerprint of (run_type (NULL =
 * "mlmd.Run"), the parameters, the inputs' SHA-256 digests) as EndRun
 * records it (docs/tracking.md) and finds the latest COMPLETE run that has
 * it: one indexed lookup. On success *out is that run (free it with
 * mlmd_run_info_free(); its outputs are what the step made), or NULL when
 * none matches (a miss is not an error). fingerprint, when not NULL,
 * receives the 64 hex digits and a NUL either way.
 */
MLMD_EXTERN(int) mlmd_run_find_cached(mlmd_run_info **out, struct mlmd_store *store, const char *run_type,
				      const mlmd_param *params, size_t n_params, const char *const *input_sha256,
				      size_t n_inputs, char fingerprint[65]);

/* ---- reproducibility capture ------------------------------------------------------------- */

/*
 * [FFI] Gathers the capture mlmd_run_begin() records (argv, cwd, host,
 * user, library version, the git state of the working directory, the
 * allow-listed environment variables plus extra_env, a NULL-terminated list
 * of names or NULL) and writes it as a serialized mlmd.tracking.Capture.
 * The Python package adds the interpreter and package versions to it and
 * passes it to StartRun. On success *bytes is a new buffer of *len bytes
 * (possibly NULL when *len is 0); free it with mlmd_buffer_free()
 * (mlmd/store.h).
 */
MLMD_EXTERN(int) mlmd_capture_collect(const char *const *extra_env, void **bytes, size_t *len);

MLMD_END_DECLS

#endif

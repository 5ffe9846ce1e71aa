/*
 * mlmd/serving.h - serving governed models: models loaded from the store and
 * verified against their recorded digest, swapped without stopping the
 * stream, and serving lineage and statistics recorded in-process.
 *
 *   model artifact (uri, digest)  --INPUT-->  ModelServing execution  <-- Deployment context
 *
 * A model artifact records where the model file is (its uri: a path or a
 * file:// URI) and the SHA-256 of its bytes; mlmd_model_record() writes one
 * correctly. A scorer serves one artifact at a time: it reads the file,
 * checks the digest, loads the model, and records one ModelServing execution
 * with an INPUT event from every artifact it has served. Scoring threads
 * each use their own mlmd_scorer_ctx: a call takes no lock, and statistics
 * are kept per thread and written to the execution in batches (on flush, on
 * an interval, on swap and on close), never per row. A scorer may also be
 * opened on, and swapped to, a registry reference ("NAME@ALIAS",
 * "NAME/VERSION"; mlmd/registry.h): the version's artifact is verified the
 * same way and the execution records the version served. See
 * docs/serving.md.
 */
#ifndef MLMD_SERVING_H
#define MLMD_SERVING_H

#include "common.h"
#include "scorer.h"

/* A store handle (mlmd/store.h). Named by its struct tag here, which C and
 * C++ let any header declare again, so this header needs neither store.h
 * nor protobuf-c: a program that only serves includes it alone. */
struct mlmd_store;

MLMD_BEGIN_DECLS

/* ---- digests and model artifacts ---------------------------------------------------- */

/* SHA-256 of a file, as 64 lowercase hex digits and a NUL in hex[65]. */
MLMD_EXTERN(int) mlmd_file_sha256(const char *path, char hex[65]);

typedef struct mlmd_model_record_options {
	unsigned version;        /* MLMD_MODEL_RECORD_OPTIONS_VERSION */
	const char *path;        /* the model file (required); its absolute file:// URI is the artifact's uri */
	const char *type_name;   /* artifact type; default "Model" (created or extended as needed) */
	const char *name;        /* artifact name (required, unique within the type) */
	const char *uri;         /* uri to record instead (another location); NULL = path's absolute file:// URI */
} mlmd_model_record_options;

#define MLMD_MODEL_RECORD_OPTIONS_VERSION 1
#define MLMD_MODEL_RECORD_OPTIONS_INIT { MLMD_MODEL_RECORD_OPTIONS_VERSION, NULL, NULL, NULL, NULL }

/*
 * Records a model file as an artifact, as a scorer will verify it: loads the
 * model (so only a model the scorer can serve is recorded), computes its
 * SHA-256 and writes the artifact (state LIVE) with the properties
 *   digest  "sha256:<hex>"     size_bytes  file size
 *   format  "onnx" | "xgboost-json" | "pmml"
 *   inputs, outputs  JSON lists of {name, type, shape}
 * and the custom properties experiment tracking gives a file (mlmd.sha256,
 * the 64 hex digits, and mlmd.size), so a tracked run that logs the same
 * file as an output of type type_name reuses this artifact (mlmd/tracking.h).
 * On success *artifact_id is the new artifact's id.
 */
MLMD_EXTERN(int) mlmd_model_record(struct mlmd_store *store, const mlmd_model_record_options *opts, int64_t *artifact_id);

/*
 * Loads the model of artifact `artifact_id`: reads the file its uri names,
 * compares the bytes' SHA-256 with the artifact's `digest` property and
 * loads it. A missing digest or a mismatch is FAILED_PRECONDITION naming both
 * digests, unless allow_unverified is set. On success *out is a new model
 * (free it with mlmd_model_free()).
 */
MLMD_EXTERN(int) mlmd_model_load_artifact(mlmd_model **out, struct mlmd_store *store, int64_t artifact_id,
	int allow_unverified);

/* ---- scorers ------------------------------------------------------------------------ */

typedef struct mlmd_scorer mlmd_scorer;
typedef struct mlmd_scorer_ctx mlmd_scorer_ctx;

typedef struct mlmd_scorer_options {
	unsigned version;           /* MLMD_SCORER_OPTIONS_VERSION */
	const char *store_uri;      /* the store (the scorer opens its own handle) */
	int64_t artifact_id;        /* the model artifact to serve, or 0 and: */
	const char *artifact_type;  /*   the type name ("Model" if NULL) and */
	const char *artifact_name;  /*   the name of the artifact */
	int allow_unverified;       /* serve models whose digest is missing or differs */
	int no_recording;           /* do not record serving lineage or statistics */
	const char *deployment;     /* name of the Deployment context; default "default" */
	int flush_interval_ms;      /* write statistics this often from a background thread; 0 = never */
	int record_batches;         /* also record every scored batch as a ScoredBatch artifact */
	/* fields above are version 1 */
	size_t max_memory;          /* scratch bytes one mlmd_scorer_score() call may use on a context;
	                               0 = MLMD_SCORER_DEFAULT_MAX_MEMORY, SIZE_MAX = no limit */
	/* fields above are version 2 */
	const char *model_ref;      /* instead of artifact_id or artifact_name: a registry reference,
	                               "NAME@ALIAS" or "NAME/VERSION" (mlmd/registry.h), resolved when
	                               the scorer opens; its version's model artifact is served */
	int64_t as_of_ms;           /* with model_ref: resolve the alias as it was at this time (ms since
	                               the epoch); 0 = now */
	const char *actor;          /* who the scorer's writes are by (mlmd_store_options.actor);
	                               NULL = the default (MLMD_ACTOR, else the OS user) */
	/* fields above are version 3 */
	int gate_policy;            /* what a flush does when the model served has become blocked by the
	                               serving gate: MLMD_GATE_STOP (0, the default) or MLMD_GATE_RECORD */
	/* fields above are version 4 */
	int drift;                  /* drift monitoring against the model's reference profile
	                               (mlmd/monitor.h): MLMD_DRIFT_AUTO (0, the default), OFF, REQUIRE */
	double drift_psi;           /* thresholds of a drifted window; <= 0 = MLMD_DRIFT_PSI */
	double drift_pvalue;        /*   and MLMD_DRIFT_PVALUE */
	int64_t drift_min_rows;     /* rows a window needs before it is judged; 0 = MLMD_DRIFT_MIN_ROWS */
} mlmd_scorer_options;

/* Drift monitoring while serving (docs/monitoring.md): with a profile
 * recorded for the model served (mlmd_profile_record()), every scored row's
 * features are counted into the profile's bins and its outputs into class
 * counts or the profile's score histogram, per context without locks or
 * allocation. Each flush compares the window since the last one with the
 * profile and records it (an mlmd.DriftWindow artifact, OUTPUT of the
 * serving execution); a window of at least drift_min_rows rows that crosses
 * a threshold labels the Deployment context DRIFTED. AUTO monitors when the
 * model has a profile, OFF never, REQUIRE refuses (FAILED_PRECONDITION, at
 * open and swap) a model without one. */
typedef enum mlmd_drift_mode {
	MLMD_DRIFT_AUTO = 0,
	MLMD_DRIFT_OFF = 1,
	MLMD_DRIFT_REQUIRE = 2
} mlmd_drift_mode;
#define MLMD_DRIFT_MIN_ROWS 100

/* The serving gate's policy for a model that becomes blocked while it is
 * served (its training data labelled POISONED later, say): found at the
 * serving record's next flush, the scorer either stops (every scoring call
 * then fails with FAILED_PRECONDITION naming the label and its source) or
 * only records the violation on the serving execution. Both record it
 * (custom properties mlmd.gate_violation, the message, and
 * mlmd.gate_violations, the count of flushes that found it). */
typedef enum mlmd_gate_policy {
	MLMD_GATE_STOP = 0,
	MLMD_GATE_RECORD = 1
} mlmd_gate_policy;

/* The scratch limit of a scorer's contexts unless max_memory says otherwise:
 * a call that needs more fails with RESOURCE_EXHAUSTED naming the node and
 * the limit, instead of exhausting the host (see mlmd_score_ctx_set_limit). */
#define MLMD_SCORER_DEFAULT_MAX_MEMORY ((size_t)1 << 30)

#define MLMD_SCORER_OPTIONS_VERSION 5
#define MLMD_SCORER_OPTIONS_INIT { MLMD_SCORER_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL, 0, 0, 0, 0, 0 }

/* Opens a scorer on a model artifact (verified as mlmd_model_load_artifact
 * does) and, unless no_recording, records the serving execution, its
 * Deployment context and the model's INPUT event in one transaction. The
 * execution's bool property model_verified is false when the scorer was opened
 * with allow_unverified (it then serves a file whatever its digest, so
 * nothing it serves counts as verified), true otherwise.
 *
 * With model_ref (options version 3) the artifact is the one of the registry
 * version the reference resolves to (mlmd_registry_resolve(), as of as_of_ms),
 * verified the same way, and the execution records which version it serves in
 * the custom properties mlmd.model (the model's name), mlmd.model_version
 * (int) and, for NAME@ALIAS, mlmd.model_alias (docs/serving.md). A malformed
 * reference is INVALID_ARGUMENT; an unknown model, version or alias NOT_FOUND
 * naming it. Give exactly one of artifact_id, artifact_name and model_ref.
 *
 * The serving gate (docs/datagov.md): before the model is loaded, its
 * artifact's effective labels are checked against the store's gate list
 * (mlmd_gate_check(), mlmd/datagov.h): a blocked model is refused with
 * FAILED_PRECONDITION naming the first blocking label and its source node
 * ("artifact 12 is blocked by the serving gate: POISONED on artifact 3, 2
 * hops upstream: ..."). Every flush checks the model then served again
 * (gate_policy, options version 4, says what happens when it has become
 * blocked). A store below schema version 5, which has no gate, is served
 * unchecked. On success *out is a new scorer; close it with mlmd_scorer_free(). */
MLMD_EXTERN(int) mlmd_scorer_open(mlmd_scorer **out, const mlmd_scorer_options *opts);

/* Switches to another model artifact: loads and verifies it on the calling
 * thread (scoring continues meanwhile on the current model), then switches.
 * Calls in flight finish on the model they started with; each thread moves
 * to the new model at its next call; the old model is freed when its last
 * user has moved on. On failure the current model stays. The new model
 * passes the serving gate first (FAILED_PRECONDITION naming the label when
 * it is blocked); a scorer stopped by the gate (MLMD_GATE_STOP) serves again
 * once it has swapped to an allowed model. */
MLMD_EXTERN(int) mlmd_scorer_swap(mlmd_scorer *scorer, int64_t artifact_id);

/* Switches to the registry version a reference ("NAME@ALIAS" or
 * "NAME/VERSION") resolves to now, as mlmd_scorer_swap() does (verified, then
 * switched; on failure the current model stays), and records the new
 * version and alias in the serving execution (mlmd.model,
 * mlmd.model_version, mlmd.model_alias) at the flush the swap makes. When the
 * reference resolves to the version already served under the same reference
 * nothing is reloaded and 0 is returned, so a server may call it on a timer
 * to follow an alias. */
MLMD_EXTERN(int) mlmd_scorer_swap_ref(mlmd_scorer *scorer, const char *ref);

/* Writes the statistics gathered so far (and any recorded batches) to the
 * store. Safe from any thread. Every flush (explicit, the interval thread's,
 * a swap's, the close's; also with no_recording) checks the model served
 * against the serving gate with one CheckServingGate: blocked, the scorer
 * stops (MLMD_GATE_STOP: scoring calls fail with FAILED_PRECONDITION and
 * the check's message until a flush finds the model allowed again, its
 * label removed or expired or the gate list changed, or a swap to an
 * allowed model) or goes on (MLMD_GATE_RECORD); either way the violation is
 * recorded on the serving execution. A model that was found blocked is not
 * an error of the flush (0); a check that fails otherwise is returned after
 * the record is written. */
MLMD_EXTERN(int) mlmd_scorer_flush(mlmd_scorer *scorer);

/*
 * Serving in runs (an SQL statement, a job's step), each recorded as its own
 * serving execution, without loading the model again for each run.
 *
 * mlmd_scorer_finish() writes the statistics gathered so far and marks the
 * serving execution COMPLETE, as mlmd_scorer_free() does, but keeps the
 * scorer, its model and its contexts: scoring calls then fail with
 * FAILED_PRECONDITION ("... is finished: mlmd_scorer_restart() starts the
 * next one"), and flushes (explicit or the interval thread's) write
 * nothing. Finishing a finished scorer is a no-op (0). When the final
 * record cannot be written the status is returned and nothing changes (the
 * scorer serves on; finish or free it again). Call it after the run's
 * scoring calls have returned: a call in flight may be counted in neither
 * record.
 *
 * mlmd_scorer_restart() starts the next serving execution of a finished
 * scorer (FAILED_PRECONDITION when it is serving):
 *   - a scorer whose current model came from a registry reference
 *     (mlmd_scorer_open's model_ref, as of its as_of_ms, or the last
 *     mlmd_scorer_swap_ref) resolves it again; a version other than the one
 *     served (an alias moved) is read, verified against its digest, passed
 *     through the serving gate and loaded, as mlmd_scorer_swap_ref() does;
 *   - otherwise (the same version, or a model given by artifact) the model
 *     stays loaded and only the serving gate is checked, once. The model's
 *     file is NOT read again: a file changed on disk after the load is not
 *     noticed until a version is loaded (a new scorer, or an alias moved).
 * Then, unless no_recording, it records a new ModelServing execution (its
 * Deployment context, the model's INPUT event, model_verified and the
 * mlmd.model* properties, as mlmd_scorer_open() records them) with every
 * statistic reset (rows, calls, errors, latencies, classes, swaps, gate
 * violations); drift windows go on from the finish's last one. On failure
 * (an unknown reference, a blocked, tampered or unloadable version, the
 * record not written) the error is returned and the scorer stays finished
 * with the model it had; a later restart tries again.
 *
 * Neither may run concurrently with another finish, restart, swap or free
 * of the same scorer (the host serializes its runs); contexts stay valid
 * across both and need not be made again.
 */
MLMD_EXTERN(int) mlmd_scorer_finish(mlmd_scorer *scorer);
MLMD_EXTERN(int) mlmd_scorer_restart(mlmd_scorer *scorer);

/* The serving execution's id (0 with no_recording) and the id of the
 * artifact currently served. */
MLMD_EXTERN(int64_t) mlmd_scorer_execution_id(const mlmd_scorer *scorer);
MLMD_EXTERN(int64_t) mlmd_scorer_artifact_id(const mlmd_scorer *scorer);
/* The registry version currently served (opened or swapped to by reference),
 * 0 when the current model was given by artifact. */
MLMD_EXTERN(int64_t) mlmd_scorer_model_version(const mlmd_scorer *scorer);
/* How many flushes of the current serving execution found the model served
 * blocked by the serving gate (mlmd_scorer_restart() resets it), and
 * whether the scorer is stopped by it now (MLMD_GATE_STOP). */
MLMD_EXTERN(int64_t) mlmd_scorer_gate_violations(const mlmd_scorer *scorer);
MLMD_EXTERN(int) mlmd_scorer_gate_stopped(const mlmd_scorer *scorer);
/* Whether the model served now is monitored for drift (it has a profile and
 * drift is not OFF), and how many drift windows this scorer has recorded
 * and found drifted. */
MLMD_EXTERN(int) mlmd_scorer_drift_monitored(const mlmd_scorer *scorer);
MLMD_EXTERN(int64_t) mlmd_scorer_drift_windows(const mlmd_scorer *scorer, int64_t *drifted);

/* The model currently served: a new reference (free it with
 * mlmd_model_free()), for inspecting its inputs and outputs. */
MLMD_EXTERN(mlmd_model *) mlmd_scorer_model(mlmd_scorer *scorer);

/* Flushes, marks the execution COMPLETE, stops the background thread and
 * frees the scorer. Every context must have been freed first. NULL is a
 * no-op. Returns the final flush's status. */
MLMD_EXTERN(int) mlmd_scorer_free(mlmd_scorer *scorer);

/* A scoring context for one thread at a time, its scratch memory capped at
 * the scorer's max_memory. Free it with mlmd_scorer_ctx_free() before the
 * scorer. */
MLMD_EXTERN(int) mlmd_scorer_ctx_new(mlmd_scorer *scorer, mlmd_scorer_ctx **out);
MLMD_EXTERN(void) mlmd_scorer_ctx_free(mlmd_scorer_ctx *ctx);

/* Scores one batch with the scorer's current model, as mlmd_model_score()
 * does with this context's scratch memory, and counts it. Outputs with
 * data == NULL stay valid until the next call on ctx. */
MLMD_EXTERN(int) mlmd_scorer_score(mlmd_scorer_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs,
	mlmd_tensor *outputs, size_t n_outputs);

/* The model this context's last call used (borrowed; valid until the
 * context's next call), and that model's artifact id. */
MLMD_EXTERN(const mlmd_model *) mlmd_scorer_ctx_model(const mlmd_scorer_ctx *ctx);
MLMD_EXTERN(int64_t) mlmd_scorer_ctx_artifact_id(const mlmd_scorer_ctx *ctx);

MLMD_END_DECLS

#endif

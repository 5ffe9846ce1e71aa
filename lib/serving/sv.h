/*
 * serving/sv.h - what the files of lib/serving share (private).
 *
 * lib/serving is a client of the library's public API: it includes
 * <mlmd.h> (the store's typed calls, the scorer, mlmd/monitor.h's profiles),
 * mlmd/registry.h (model references), util/base.h (errors, buffers,
 * clocks) and, in drift_window.c, the generated mlmd.governance messages
 * (PutDriftWindow through mlmd_store_call, as lib/governance calls its
 * RPCs), nothing else of lib/.
 *
 *   artifact.c  model artifacts: digests, file URIs, verified loads,
 *               mlmd_model_record(), the types the recorder declares
 *   scorer.c    mlmd_scorer: open (by artifact or registry reference), swap,
 *               close, contexts, the scoring path and the statistics it keeps
 *   lifecycle.c mlmd_scorer_finish() and mlmd_scorer_restart(): one serving
 *               execution after another on a loaded model
 *   record.c    the serving record: statistics summed into the
 *               ModelServing execution, its events, Deployment context and
 *               ScoredBatch artifacts, written by the flush
 *   drift.c     drift monitoring: the plan compiled from the model's
 *               profile at each load, the counting on the scoring path
 *   drift_window.c  the drift windows each flush compares with the profile
 *               and records (PutDriftWindow)
 */
#ifndef MLMD_SERVING_SV_H
#define MLMD_SERVING_SV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <mlmd.h>
#include "mlmd/registry.h"
#include "util/base.h"

#define LAT_BUCKETS 256   /* log-linear: 4 per power of two of nanoseconds */
#define CONF_BUCKETS 20   /* max probability, [0, 1] in steps of 0.05 */
#define MAX_CLASSES 64    /* classes counted per model */
#define RING 256          /* recorded batches waiting per context */

/* property types, for the tables of the types the recorder declares */
#define S_ MLMD__PB__PROPERTY_TYPE__STRING
#define I_ MLMD__PB__PROPERTY_TYPE__INT
#define D_ MLMD__PB__PROPERTY_TYPE__DOUBLE
#define B_ MLMD__PB__PROPERTY_TYPE__BOOLEAN

/* A served model's drift plan (drift.c compiles it, drift_window.c records its windows). */
typedef struct dcol {
	size_t pcol;          /* the profile's column */
	int kind;             /* mlmd_column_kind */
	int input;            /* the model input read */
	int64_t col;          /* element within the input's row */
	int64_t width;        /* elements per row the plan expects (a row of another width is not counted) */
	int n_slots;          /* bins, or categories + 1 ("other" last) */
	size_t off;           /* its counts in the block's array, the missing count at off + n_slots */
	const double *edges;  /* numeric: the profile's inner edges (n_slots - 1), for binning without a call;
	                         for a FLOAT input, float_edges */
	bool as_float;        /* it feeds a FLOAT input: values are binned as the float the model receives */
	double float_edges[MLMD_PROFILE_BINS - 1]; /* the edges rounded to float (a FLOAT input's) */
} dcol;

enum { OUT_NONE = 0, OUT_CLASSES = 1, OUT_SCORES = 2 };

typedef struct drift_plan {
	mlmd_profile *profile;
	int64_t profile_id;
	size_t n_cols;
	dcol *cols;
	int out_kind;
	int score_output;     /* OUT_SCORES: the model output */
	int score_bins;
	size_t score_off;     /* score bins, then its missing count */
	size_t rows_slot;     /* rows counted */
	size_t n_slots;
	/* the window (flush, store_mu) */
	uint64_t *prev;       /* totals at the last recorded window */
	uint64_t prev_cls[MAX_CLASSES];
	int64_t start_ms;
} drift_plan;


/* One model version the scorer has served. Kept until the scorer closes so
 * statistics can name its labels; the model itself is released as soon as
 * no one uses it. */
typedef struct served {
	struct served *next;
	mlmd_model *model;       /* NULL once the scorer stops serving it (contexts hold their own refs) */
	int64_t artifact_id;
	uint64_t version;
	int cls_output;          /* output with class labels (scores [N, K]), or -1 */
	size_t n_labels;
	char **labels;           /* copies, for the statistics */
	bool verified;           /* its file matched the artifact's digest when loaded */
	bool event_recorded;
	bool in_record;          /* served during the current serving execution (mu; restart resets it) */
	/* the registry version it was resolved from (mlmd_scorer_open's model_ref,
	 * mlmd_scorer_swap_ref), recorded in the execution while it is served */
	char *model_name;        /* NULL when it was given by artifact */
	int64_t model_version;
	char *model_alias;       /* NULL for NAME/VERSION */
	bool gate_fresh;         /* passed the serving gate at its load, not yet at a flush (mu) */
	drift_plan *drift;       /* monitored for drift against its profile, or NULL (drift.c) */
	int min_outputs;         /* outputs a scoring call computes at least (the class output, the
	                            drift plan's score output), so they can be counted */
} served;

/* Statistics of one context for one model version. */
typedef struct stat_block {
	struct stat_block *next;
	const served *model;
	_Atomic uint64_t calls, rows, errors, lat_sum_ns, lat_min_ns, lat_max_ns;
	_Atomic uint64_t lat[LAT_BUCKETS];
	_Atomic uint64_t conf[CONF_BUCKETS];
	_Atomic uint64_t cls[MAX_CLASSES];
	_Atomic uint64_t *drift;         /* the drift plan's counts (drift.c), allocated with the block */
} stat_block;

typedef struct {
	uint64_t rows;
	int64_t at_ms;
	char digest[65];
} batch_rec;

struct mlmd_scorer_ctx {
	mlmd_scorer *scorer;
	mlmd_scorer_ctx *next, *prev;    /* the scorer's list, under its mutex */
	mlmd_score_ctx *sc;
	served *cur;
	mlmd_model *model;               /* our reference to cur's model */
	uint64_t version;
	stat_block *stats;
	mlmd_tensor *extra;              /* the caller's outputs and up to the class output, when */
	size_t n_extra;                  /*   the caller asked for fewer (grown once, never per call) */
	batch_rec ring[RING];            /* single producer (this context), single consumer (flush) */
	_Atomic uint32_t head, tail;
	_Atomic uint64_t dropped;
};

struct mlmd_scorer {
	pthread_mutex_t mu;              /* current model, lists; never held on the scoring path */
	pthread_mutex_t store_mu;        /* the store handle and the execution's record */
	_Atomic uint64_t version;
	served *current;
	served *all;
	stat_block *blocks;
	mlmd_scorer_ctx *ctxs;
	mlmd_store *store;
	bool recording, record_batches, allow_unverified;
	size_t max_memory;               /* each context's scratch limit */
	int64_t execution_id, execution_type_id, context_id, context_type_id, batch_type_id;
	int64_t *linked;                 /* artifacts with an INPUT event already (store_mu) */
	size_t n_linked, cap_linked;
	char *deployment;
	char host[256];
	int64_t started_ms;
	/* background flush */
	pthread_t thread;
	bool thread_started, stop;
	pthread_mutex_t tmu;
	pthread_cond_t tcond;
	int interval_ms;
	/* the serving gate (record.c checks the model served at every flush) */
	bool gate_on;                    /* the store has one (schema version 5 and later) */
	int gate_policy;                 /* MLMD_GATE_STOP or MLMD_GATE_RECORD */
	_Atomic int gate_stopped;        /* scoring refused: one relaxed load per call */
	char *gate_stop_msg;             /* why (mu) */
	char *gate_violation;            /* the last violation found, for the record (store_mu) */
	_Atomic int64_t gate_violations; /* flushes that found the model served blocked */
	/* drift monitoring (drift.c) */
	int drift_mode;                  /* mlmd_drift_mode */
	mlmd_drift_thresholds drift_th;
	int64_t drift_min_rows;
	_Atomic int64_t drift_windows, drift_drifted;
	/* finish and restart (lifecycle.c) */
	_Atomic int finished;            /* the serving execution is COMPLETE: scoring refused until restart */
	char *ref;                       /* the reference the current model was resolved from, or NULL (mu) */
	int64_t ref_as_of_ms;            /*   and the time it is resolved as of (0 = now) */
};

/* ---- artifact.c ---- */

/* Loads the model of an artifact, as mlmd_model_load_artifact() does, and
 * sets *verified to whether the file's SHA-256 matched the artifact's
 * recorded digest (with allow_unverified a model may load without that).
 * With gate, the artifact must first pass the serving gate
 * (mlmd_gate_check(): FAILED_PRECONDITION naming the blocking label). */
int mlmd__sv_load_artifact(mlmd_model **out, mlmd_store *st, int64_t artifact_id, int allow_unverified,
	bool gate, bool *verified);
/* The id of a type (kind 0 artifact, 1 execution, 2 context), created if
 * missing, extended with the properties (NULL-terminated names, their
 * Mlmd__Pb__PropertyType values) if it exists. */
int mlmd__sv_ensure_type(mlmd_store *st, int kind, const char *name, const char *const *props, const int *types,
	int64_t *id);
/* SHA-256 over the inputs' bytes (strings by content) as hex, "" when it fails. */
void mlmd__sv_inputs_digest(const mlmd_tensor *in, size_t n, char hex[65]);

/* ---- scorer.c ---- */

/* Loads and verifies an artifact's model (the gate first) and makes it the
 * current model, without a flush; mv (or NULL) is the registry version it
 * was resolved from. On failure the current model stays. */
int mlmd__sv_switch(mlmd_scorer *s, int64_t artifact_id, const mlmd_model_version *mv);
/* Whether v is the registry version mv under the same reference (mu held). */
bool mlmd__sv_same_version(const served *v, const mlmd_model_version *mv);

/* ---- record.c ---- */

/* Declares the recorder's types and writes the first record (store_mu held). */
int mlmd__sv_start_recording(mlmd_scorer *s);
/* Writes what the scorer has done since the last flush (store_mu held);
 * `complete` marks the execution COMPLETE (the scorer is closing). */
int mlmd__sv_flush_locked(mlmd_scorer *s, bool complete);
/* Checks the model served against the serving gate (store_mu held), as
 * every flush does: see mlmd_scorer_flush() in mlmd/serving.h. */
int mlmd__sv_gate_flush(mlmd_scorer *s);
/* The background flush, every s->interval_ms until s->stop. */
void *mlmd__sv_flush_thread(void *arg);

/* ---- drift.c ---- */

/* At a load (open, swap): fetches the newest profile of v's artifact and
 * compiles v->drift (store_mu is taken here). No profile: AUTO serves it
 * unmonitored, REQUIRE is FAILED_PRECONDITION naming the model. */
int mlmd__sv_drift_attach(mlmd_scorer *s, served *v);
void mlmd__sv_drift_free(drift_plan *p);
/* Allocates a new block's counts for its model's plan (never on the hot path). */
int mlmd__sv_drift_block(stat_block *b);
/* Counts a scored batch into b (the hot path: relaxed atomics, no allocation). */
void mlmd__sv_drift_count(const drift_plan *p, stat_block *b, const mlmd_tensor *in, size_t n_in,
	const mlmd_tensor *out, size_t n_out, int64_t rows);
/* Records the drift windows due at this flush (store_mu held, the execution
 * written); `complete`: the scorer closes, every non-empty window is due. */
int mlmd__sv_drift_flush(mlmd_scorer *s, bool complete);

#endif

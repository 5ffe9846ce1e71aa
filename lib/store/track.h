/*
 * store/track.h - experiment tracking's RPCs (proto/mlmd_tracking.proto,
 * service mlmd.tracking.TrackingService), served by store/rpc.c beside
 * MLMD's, and what their handlers (store/track_*.c) share.
 *
 * The records are ordinary MLMD nodes (docs/tracking.md): an experiment is a
 * context of type mlmd.Experiment, a run an execution associated with it,
 * parameters, tags, latest metrics and the capture the run's custom
 * properties, files artifacts joined by events; only the metric history has
 * a table of its own (schema version 3).
 */
#ifndef MLMD_STORE_TRACK_H
#define MLMD_STORE_TRACK_H

#include "store_private.h"
#include "mlmd_tracking.pb-c.h"

/* X(Method, snake_name, writes), as MLMD_RPC_LIST in mlmd/rpc_list.h; the
 * messages are Mlmd__Pb__Tracking__<Method>Request and ...Response. */
#define MLMD__TRACK_RPC_LIST(X)                                 \
	X(StartRun, start_run, 1)                               \
	X(Log, log, 1)                                          \
	X(LogFiles, log_files, 1)                               \
	X(EndRun, end_run, 1)                                   \
	X(GetRun, get_run, 0)                                   \
	X(SearchRuns, search_runs, 0)                           \
	X(GetMetricHistory, get_metric_history, 0)              \
	X(FindCachedRun, find_cached_run, 0)                    \
	X(PutMetricHistory, put_metric_history, 1)              \
	X(ListMetricKeys, list_metric_keys, 0)

#define MLMD__TRACK_HANDLER(M, snake, writes) \
	int mlmd__track_##M(call *c, const Mlmd__Pb__Tracking__##M##Request *rq, Mlmd__Pb__Tracking__##M##Response *rs);
MLMD__TRACK_RPC_LIST(MLMD__TRACK_HANDLER)
#undef MLMD__TRACK_HANDLER

/* ---- what the handlers share (store/track_common.c) ---------------------- */

#define MLMD_TRACK_EXPERIMENT_TYPE "mlmd.Experiment"
#define MLMD_TRACK_RUN_TYPE "mlmd.Run"
#define MLMD_TRACK_FILE_TYPE "mlmd.File"
#define MLMD_TRACK_DEFAULT_EXPERIMENT "Default"
#define MLMD_TRACK_MAX_KEY 250           /* bytes of a param, tag or metric key (MLflow's limit) */

/* The id of the type (kind KIND_*, version "") named `name`, created (with
 * no properties) when absent. */
int mlmd__track_type(call *c, int kind, const char *name, int64_t *id);
/* The same without creating it: *id 0 when absent. */
int mlmd__track_find_type(call *c, int kind, const char *name, int64_t *id);
/* The id of the artifact type (version "") named `name` with the n
 * properties keys[i] of types[i]: created, or a type of that name made
 * before without some of them extended (can_add_fields). */
int mlmd__track_artifact_type(call *c, const char *name, size_t n, const char *const *keys,
			      const Mlmd__Pb__PropertyType *types, int64_t *id);

/* Custom properties to write on one node, each with its own copies. */
typedef struct track_item track_item;
typedef struct track_props {
	track_item **items;
	void **entries;              /* the items' map entries, for the node message */
	char **paths;                /* "custom_properties.<name>", for an update mask */
	size_t n, cap;
	const node_kind *k;
} track_props;
void mlmd__tp_init(track_props *tp, const node_kind *k);
void mlmd__tp_free(track_props *tp);
/* Adds custom property prefix+key with a copy of v (INT, DOUBLE, STRING or BOOL). */
int mlmd__tp_value(track_props *tp, const char *prefix, const char *key, const Mlmd__Pb__Value *v);
int mlmd__tp_str(track_props *tp, const char *prefix, const char *key, const char *v);
int mlmd__tp_int(track_props *tp, const char *prefix, const char *key, int64_t v);
int mlmd__tp_dbl(track_props *tp, const char *prefix, const char *key, double v);
int mlmd__tp_bool(track_props *tp, const char *prefix, const char *key, int v);
/* Writes tp's properties on execution `id` (and its state, unless state < 0),
 * leaving its other properties as they are. */
int mlmd__tp_update_execution(call *c, int64_t id, track_props *tp, int state);

/* Loads run `id`: INVALID_ARGUMENT without an id, NOT_FOUND when no
 * execution has it, FAILED_PRECONDITION when `running` is set and the run
 * has ended. Free *out with protobuf_c_message_free_unpacked. */
int mlmd__track_run_load(call *c, int has_id, int64_t id, int running, Mlmd__Pb__Execution **out);
/* The run's custom property `name`, or NULL. */
const Mlmd__Pb__Value *mlmd__track_prop(const Mlmd__Pb__Execution *e, const char *name);
/* The experiment a run belongs to (its associated mlmd.Experiment context): *id 0 when none. */
int mlmd__track_run_experiment(call *c, int64_t run, int64_t *id, char **name);
/* The Run message of execution e (new; free with protobuf_c_message_free_unpacked). */
int mlmd__track_run_message(call *c, const Mlmd__Pb__Execution *e, Mlmd__Pb__Tracking__Run **out);

/* The repeated keys of a request's list (params, tags, metric series) in
 * O(n log n): items are n messages whose `char *key` field sits at
 * key_offset (keys checked non-NULL). (*first)[i] and (*last)[i] are the
 * indexes of the first and the last item with item i's key; free(*first)
 * frees both (*last is NULL when n is 0). */
int mlmd__track_key_groups(void *const *items, size_t n, size_t key_offset, size_t **first, size_t **last);
/* e's custom properties sorted by key (NULL when it has none, or on OOM:
 * *rc says which), for lookups with mlmd__track_prop_sorted(); free() it. */
prop_entry **mlmd__track_props_sorted(const Mlmd__Pb__Execution *e, int *rc);
const Mlmd__Pb__Value *mlmd__track_prop_sorted(prop_entry *const *sorted, size_t n, const char *name);

/* Whether two values are the same kind and value (NaN equals NaN). */
int mlmd__track_same_value(const Mlmd__Pb__Value *a, const Mlmd__Pb__Value *b);
/* Checks a key (param, tag, metric): not empty, at most MLMD_TRACK_MAX_KEY
 * bytes, no control characters. `what` names it in the message. */
int mlmd__track_check_key(const char *key, const char *what);
/* Checks a sha256 text: 64 lowercase hex digits. */
int mlmd__track_check_sha256(const char *s, const char *what);

/* ---- the fingerprint (store/track_cache.c) ------------------------------- */

typedef struct track_param {
	const char *key;
	const Mlmd__Pb__Value *value;
} track_param;
/* SHA-256 (64 lowercase hex + NUL in out) of the canonical text of a run
 * type, its parameters and its input digests (docs/tracking.md). */
/* The same for a stored run: its type, its param.* properties and the
 * digests (mlmd.sha256) of its INPUT files. */
int mlmd__track_run_fingerprint(call *c, const Mlmd__Pb__Execution *e, char out[65]);
int mlmd__track_fingerprint(const char *type, track_param *params, size_t nparams, const char **digests,
			    size_t ndigests, char out[65]);

#endif

/*
 * mlmd/datagov.h - data governance from C: deleting nodes while keeping
 * their lineage (tombstones), erasing what was deleted (mlmd_store_gc),
 * retention policies, classifications (labels) that follow lineage, the
 * serving gate that refuses models built on gated data, and impact analysis
 * (docs/datagov.md).
 *
 * Every call but mlmd_store_gc() is one mlmd_store_call() of the
 * mlmd.governance.DataGovernanceService (proto/mlmd_governance.proto, whose
 * comments are the semantics), so it is one transaction and every writing
 * call appends its audit record (mlmd/audit.h), which names ids, never the
 * deleted values. The store must be at schema version 5 (open with
 * upgrade): FAILED_PRECONDITION says so otherwise.
 *
 * This header needs neither mlmd/store.h nor protobuf-c. What the calls
 * read back is plain C structs, allocated by the library and read-only for
 * the caller (fields may be appended in later versions: never allocate or
 * copy one yourself), each freed with its _free function. NULL is a no-op
 * for every _free.
 *
 * Errors: 0, or a negative status with a message (mlmd_error_last()):
 * INVALID_ARGUMENT for a bad kind, label, duration or argument, NOT_FOUND
 * naming the missing node, label or type, FAILED_PRECONDITION for a
 * deletion that an alias or a HOLD label refuses (naming it) and for a
 * model the serving gate blocks (naming the label and its source node).
 */
#ifndef MLMD_DATAGOV_H
#define MLMD_DATAGOV_H

#include "common.h"

struct mlmd_store;

MLMD_BEGIN_DECLS

/* Node kinds, numbered as mlmd.governance.NodeKind. */
typedef enum mlmd_node_kind {
	MLMD_NODE_ARTIFACT = 1,
	MLMD_NODE_EXECUTION = 2,
	MLMD_NODE_CONTEXT = 3
} mlmd_node_kind;

/* "artifact", "execution", "context" (NULL for another value). */
MLMD_EXTERN(const char *) mlmd_node_kind_name(mlmd_node_kind kind);
/* The kind named "artifact", "execution" or "context": 0 and *out, else
 * INVALID_ARGUMENT. */
MLMD_EXTERN(int) mlmd_node_kind_parse(const char *name, mlmd_node_kind *out);

/* ---- deletion -------------------------------------------------------------------------- */

/* A deleted node (mlmd.governance.Tombstone). */
typedef struct mlmd_tombstone {
	mlmd_node_kind kind;
	int64_t id;
	int64_t type_id;
	char *type;                  /* the type's name */
	int64_t delete_time_ms;
	char *actor;
	char *reason;                /* "" when none was given */
} mlmd_tombstone;

typedef struct mlmd_delete_result {
	mlmd_tombstone *nodes;       /* deleted (with dry_run: would be), ascending ids */
	size_t n_nodes;
	int64_t properties_removed;
	int64_t events_kept;
	int64_t memberships_removed;
	int64_t metric_points_removed;
} mlmd_delete_result;

/* Deletes n_ids nodes of one kind, all or none (DeleteNodesRequest): a
 * tombstone keeps the id, type and the events through it; names, uris and
 * properties go. reason may be NULL. With dry_run nothing is written. On
 * success *out (when out is not NULL) is new. To erase the deleted bytes
 * from the database files, call mlmd_store_gc() afterwards. */
MLMD_EXTERN(int) mlmd_nodes_delete(struct mlmd_store *store, mlmd_node_kind kind, const int64_t *ids,
				   size_t n_ids, const char *reason, int dry_run, mlmd_delete_result **out);
/* The tombstones among the ids (live or unknown ids left out); with
 * n_ids 0, the kind's tombstones with id > after_id, up to max_results
 * (0: 1000). The result's counters are 0. */
MLMD_EXTERN(int) mlmd_tombstones_get(struct mlmd_store *store, mlmd_node_kind kind, const int64_t *ids,
				     size_t n_ids, int64_t after_id, int max_results, mlmd_delete_result **out);
MLMD_EXTERN(void) mlmd_delete_result_free(mlmd_delete_result *result);

/* ---- retention ------------------------------------------------------------------------- */

typedef struct mlmd_retention_policy {
	mlmd_node_kind kind;
	char *type_name;
	int64_t type_id;
	int64_t max_age_ms;          /* 0: no age limit */
	int64_t keep_last;           /* 0: no count limit */
	char *actor;
	int64_t time_ms;
} mlmd_retention_policy;

typedef struct mlmd_retention_policy_list {
	mlmd_retention_policy *policies;
	size_t n;
} mlmd_retention_policy_list;

/* Sets (or replaces) the policy of a type: kind 0 finds the type by name
 * among every kind (INVALID_ARGUMENT when two kinds have a type of that
 * name); at least one of max_age_ms and keep_last is > 0. */
MLMD_EXTERN(int) mlmd_retention_set(struct mlmd_store *store, mlmd_node_kind kind, const char *type_name,
				    int64_t max_age_ms, int64_t keep_last);
MLMD_EXTERN(int) mlmd_retention_list(struct mlmd_store *store, mlmd_retention_policy_list **out);
/* NOT_FOUND when the type has no policy. */
MLMD_EXTERN(int) mlmd_retention_remove(struct mlmd_store *store, mlmd_node_kind kind, const char *type_name);
MLMD_EXTERN(void) mlmd_retention_policy_list_free(mlmd_retention_policy_list *list);

typedef struct mlmd_retention_result {
	mlmd_retention_policy policy;
	int64_t examined, expired, deleted, kept_alias, kept_hold;
} mlmd_retention_result;

typedef struct mlmd_retention_report {
	mlmd_retention_result *results;
	size_t n;
	int64_t deleted;             /* total */
} mlmd_retention_report;

/* Applies every policy once (RunRetentionRequest); idempotent. */
MLMD_EXTERN(int) mlmd_retention_run(struct mlmd_store *store, int dry_run, mlmd_retention_report **out);
MLMD_EXTERN(void) mlmd_retention_report_free(mlmd_retention_report *report);

/* ---- classifications --------------------------------------------------------------------- */

/* One effective label of a node (mlmd.governance.EffectiveLabel). */
typedef struct mlmd_label {
	char *label;
	mlmd_node_kind source_kind;  /* the node the label is set on */
	int64_t source_id;
	int distance;                /* edges from the source; 0: the node's own */
	char *reason;                /* "" when none */
	int64_t until_ms;            /* 0: no end */
	char *actor;
	int64_t time_ms;
	int propagate;
} mlmd_label;

typedef struct mlmd_label_list {
	mlmd_label *labels;
	size_t n;
} mlmd_label_list;

/* Sets `label` on a node (ClassifyRequest): reason may be NULL, until_ms 0
 * for no end, propagate 0 for the node alone. Setting a label the node has
 * replaces it. *reached (when not NULL): the nodes it applies to now. */
MLMD_EXTERN(int) mlmd_label_set(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, const char *label,
				const char *reason, int64_t until_ms, int propagate, int64_t *reached);
/* Removes the node's own `label` and everything it propagated; NOT_FOUND
 * when the node has no such label of its own. */
MLMD_EXTERN(int) mlmd_label_remove(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, const char *label,
				   int64_t *reached);
/* The node's effective labels now (include_expired: also those past their
 * until-time), sorted by label, distance, source. */
MLMD_EXTERN(int) mlmd_labels_effective(struct mlmd_store *store, mlmd_node_kind kind, int64_t id,
				       int include_expired, mlmd_label_list **out);
MLMD_EXTERN(void) mlmd_label_list_free(mlmd_label_list *list);

/* ---- the serving gate ---------------------------------------------------------------------- */

/* The gate list, sorted: *labels a NULL-terminated array, free it with
 * mlmd_strings_free(). */
MLMD_EXTERN(int) mlmd_gate_get(struct mlmd_store *store, char ***labels, size_t *n);
/* Replaces the gate list (n 0: nothing is gated). */
MLMD_EXTERN(int) mlmd_gate_set(struct mlmd_store *store, const char *const *labels, size_t n);
MLMD_EXTERN(void) mlmd_strings_free(char **strings);
/* Whether artifact `artifact_id` may be served: 0 when allowed;
 * FAILED_PRECONDITION naming the first blocking label and its source
 * ("artifact 12 is blocked by the serving gate: POISONED on artifact 3,
 * 2 hops upstream: ...") when not; NOT_FOUND for no such (or a deleted)
 * artifact. With blocking not NULL, *blocking is set (new, possibly empty)
 * whenever the call returns 0 or FAILED_PRECONDITION. */
MLMD_EXTERN(int) mlmd_gate_check(struct mlmd_store *store, int64_t artifact_id, mlmd_label_list **blocking);

/* ---- impact analysis ---------------------------------------------------------------------- */

typedef enum mlmd_impact_what {
	MLMD_IMPACT_MODEL = 1,       /* a model artifact */
	MLMD_IMPACT_VERSION,         /* a registry version naming one (model_name, version) */
	MLMD_IMPACT_ALIAS,           /* an alias on such a version (model_name, alias, version) */
	MLMD_IMPACT_SERVING,         /* a ModelServing execution that read one */
	MLMD_IMPACT_DEPLOYMENT       /* its Deployment context */
} mlmd_impact_what;

typedef struct mlmd_impact_item {
	mlmd_impact_what what;
	mlmd_node_kind kind;         /* the node (a version, an alias: its model artifact) */
	int64_t id;
	char *type;                  /* the node's type name ("" for versions and aliases) */
	char *name;                  /* the node's name ("" when none) */
	char *model_name;            /* versions and aliases, else "" */
	int64_t version;             /* versions and aliases, else 0 */
	char *alias;                 /* aliases, else "" */
	int distance;
	int deleted;                 /* a tombstone */
} mlmd_impact_item;

typedef struct mlmd_impact {
	mlmd_impact_item *items;     /* models, versions, aliases, serving, deployments, each as ImpactResponse orders them */
	size_t n;
	int64_t nodes_walked;
	int truncated;
} mlmd_impact;

/* What is downstream of an artifact or execution and matters (ImpactRequest;
 * max_nodes 0: 1,000,000). */
MLMD_EXTERN(int) mlmd_impact_get(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, int max_nodes,
				 mlmd_impact **out);
MLMD_EXTERN(void) mlmd_impact_free(mlmd_impact *impact);

/* ---- erasure --------------------------------------------------------------------------------- */

typedef struct mlmd_gc_result {
	int complete;                /* 1: every deleted byte is gone from the database files */
	int64_t pages_freed;         /* SQLite: freelist pages released by the compaction (0 elsewhere) */
	char detail[256];            /* what was done, or why it is not complete (a reader holding the WAL) */
} mlmd_gc_result;

/* The store's compaction step, outside any transaction (FAILED_PRECONDITION
 * inside one): SQLite (secure_delete is always on, so freed cells and pages
 * are zeroed as they are freed) checkpoints the WAL and truncates it, and
 * with full also VACUUMs; PostgreSQL VACUUMs the node, property and metric
 * tables, with full VACUUM FULL, which rewrites them into new files
 * (docs/datagov.md says what stays in PostgreSQL's WAL and backups). out may
 * be NULL. */
MLMD_EXTERN(int) mlmd_store_gc(struct mlmd_store *store, int full, mlmd_gc_result *out);

MLMD_END_DECLS

#endif

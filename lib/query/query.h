/*
 * lib/query/query.h - queries over the schema as plain functions: MLMD's
 * filter language compiled to SQL, and lineage walks frontier by frontier.
 *
 * Layer: query/ sits on sql/ (the session and its statements) and util/.
 * It knows the schema's tables but nothing of RPCs: no request or response
 * type appears here; store/ turns requests into these calls and their
 * results into responses. It includes sql/sql.h and util/, never store/.
 *
 * ---- the filter language (query/filter.c) ----
 *
 * A filter is parsed by a hand-written recursive-descent parser, type-checked
 * against the node kind as it is parsed, and emitted as an SQL condition over
 * the node alias `n` plus the joins it needs. Every value from the query
 * (strings, numbers, property names, enum values) becomes a bound parameter;
 * the SQL text holds only our own identifiers, so its shape depends on the
 * query's structure and not on its values.
 */
#ifndef MLMD_QUERY_QUERY_H
#define MLMD_QUERY_QUERY_H

#include "../sql/sql.h"

/* Node kinds, with MLMD's numbering of Type.type_kind (the type table's
 * kind column), and the table each kind lives in. */
enum { KIND_EXECUTION = 0, KIND_ARTIFACT = 1, KIND_CONTEXT = 2 };
/* "artifact", "execution", "context"; the node table of that kind. */
const char *mlmd__kind_table(int kind);

/* One bound parameter. */
typedef struct mlmd__sqlarg {
	char kind;                   /* 'i' int64, 'd' double, 's' text */
	int64_t i;
	double d;
	char *s;                     /* owned */
} mlmd__sqlarg;

typedef struct mlmd__args {
	mlmd__sqlarg *v;
	size_t n, cap;
} mlmd__args;

/* A compiled filter. `join` goes after `FROM <table> n`, `where` is one
 * parenthesised condition; their parameters are bound in that order. */
typedef struct mlmd__filter {
	mlmd_buf join;
	mlmd_buf where;
	mlmd__args join_args, where_args;
	int distinct;                /* a neighbour join may repeat a node */
	char id_col[24];             /* "pN.node_id" of an inner property join, else "" */
} mlmd__filter;

/* Limits that keep a hostile query from costing more than its length. */
#define MLMD_FILTER_MAX_LEN 65536
#define MLMD_FILTER_MAX_DEPTH 24    /* parentheses, NOT, unary minus; SQLite's parser stops near 40 */
#define MLMD_FILTER_MAX_JOINS 16     /* PostgreSQL's planning time grows fast with joins */
#define MLMD_FILTER_MAX_LIST 1000
#define MLMD_FILTER_MAX_PARAMS 4000
#define MLMD_FILTER_MAX_OPS 500      /* operators: keeps SQL expression depth bounded */
#define MLMD_FILTER_MAX_PATTERN 10000 /* bytes of a LIKE pattern */
/* SearchRuns (query/runs.c): bounds that keep a search inside what every
 * backend accepts (SQLite: expression depth 1000, 32766 bound variables) */
#define MLMD_RUNS_MAX_CONDITIONS 200   /* conditions joined by AND */
#define MLMD_RUNS_MAX_ORDER 100        /* order_by entries */
#define MLMD_RUNS_MAX_EXPERIMENTS 1000 /* experiment_names */

/* Compiles `query` for nodes of kind `kind` (KIND_*). `missing_is_null` selects LEFT
 * joins for properties (a node lacking a property compares as NULL) instead
 * of MLMD's inner joins (such a node never matches). On failure returns
 * -MLMD_INVALID_ARGUMENT with "filter_query: LINE:COL: ..." and leaves *f
 * empty. On success free *f with mlmd__filter_free(). */
int mlmd__filter_compile(int kind, const char *query, int missing_is_null, mlmd__filter *f);
void mlmd__filter_free(mlmd__filter *f);
/* Binds args starting at parameter *pos, advancing it. */
void mlmd__args_bind(const mlmd__args *a, sqlq *q, int *pos);

/* ---- sets of ids (query/lineage.c) ------------------------------------------------- */

/* A set of positive int64 ids (open addressing; 0 is never an id).
 * Zero-initialise; free v. */
typedef struct mlmd__idset {
	int64_t *v;
	size_t n, cap;
} mlmd__idset;
/* Adds id; returns 1 if it was new, 0 if present, <0 out of memory. */
int mlmd__idset_add(mlmd__idset *s, int64_t id);
int mlmd__idset_has(const mlmd__idset *s, int64_t id);

/* ---- lineage walks (query/lineage.c) ---------------------------------------------- */

/*
 * A breadth-first walk over events between artifacts and executions, one
 * hop at a time, one prepared, indexed query per chunk of the frontier. The
 * caller sets the bounds, the stopping filters and the starting nodes, runs
 * it inside one read transaction, and reads the ids it collected. Fill in
 * order: mlmd__walk_init, the bounds and flags, mlmd__walk_budget,
 * mlmd__walk_stop, then the starting nodes (mlmd__walk_start_query or
 * mlmd__walk_start_id), mlmd__walk_run, and mlmd__walk_free at the end.
 */
enum { MLMD_WALK_UP = 1, MLMD_WALK_DOWN = 2, MLMD_WALK_BOTH = 3 };
#define MLMD_WALK_MAX_HOPS 100       /* MLMD's kQueryLineageSubgraphMaxNumHops */
#define MLMD_WALK_MAX_START 100      /* starting nodes per query, as in MLMD */

/* The node columns a hydrating hop returns after (other id, event type), in
 * this order: what a wire writer needs of a walk's node, tombstone marks
 * included (schema version 5 on); then one property of the node
 * (MLMD_WALK_PROP_COLS, all NULL for a node without properties), then the
 * event's id. A node's rows are consecutive, its properties in the order
 * (is_custom, name). */
#define MLMD_WALK_NODE_COLS                                                                            \
	"n.id, n.type_id, t.name, n.name, n.external_id, n.uri, n.state, n.create_time, n.update_time,"      \
	" n.system_metadata, n.deleted_time, n.deleted_by, n.delete_reason"
enum { MLMD_WN_ID, MLMD_WN_TYPE_ID, MLMD_WN_TYPE, MLMD_WN_NAME, MLMD_WN_EXTID, MLMD_WN_URI, MLMD_WN_STATE,
       MLMD_WN_CTIME, MLMD_WN_MTIME, MLMD_WN_SYSMETA, MLMD_WN_DELETED, MLMD_WN_BY, MLMD_WN_REASON,
       MLMD_WN_PROP_CUSTOM, MLMD_WN_PROP_NAME, MLMD_WN_PROP_VALUE, /* value_type, then the value columns */
       MLMD_WN_EVENT_ID = MLMD_WN_PROP_VALUE + 7 };
#define MLMD_WALK_PROP_COLS                                                                            \
	"p.is_custom, p.name, p.value_type, p.int_value, p.double_value, p.string_value, p.bool_value,"      \
	" p.struct_value, p.proto_value"
#define MLMD_WALK_HOP_BASE 2 /* the column of MLMD_WN_ID in a hydrating hop's row */

/* Called by a hydrating hop for the rows of each node of `kind` it meets
 * for the first time (more = 0 on the node's first row, 1 on the rows that
 * follow with its further properties), before the walk decides whether to
 * keep the node: the row of `q` holds the columns above from column `base`
 * (the node's all NULL when the event's node row is absent). Returns 0 or a
 * negative status, which ends the walk. */
typedef int (*mlmd__walk_row_fn)(void *ctx, int kind, int64_t id, sqlq *q, int base, int more);

typedef struct mlmd__walk {
	mlmd__sql *sql;
	/* optional: node rows read with the hops (NULL: ids only). Set per kind
	 * reached; needs schema version 5 (the tombstone columns). */
	mlmd__walk_row_fn hydrate[2];
	void *hydrate_ctx;
	/* bounds and flags: set by the caller after mlmd__walk_init */
	int dir;                     /* MLMD_WALK_* */
	int64_t max_hops;            /* mlmd__walk_init sets MLMD_WALK_MAX_HOPS */
	int64_t max_nodes;           /* 0: no cap */
	int keep_matching;           /* 1: stop filters are boundaries (keep matches); 0: ending nodes */
	int include_ending[2];       /* per kind (KIND_EXECUTION = 0, KIND_ARTIFACT = 1): keep ending nodes */
	int live_starts;             /* starting nodes leave tombstones out (schema version 5 on) */
	/* set by mlmd__walk_budget and mlmd__walk_stop */
	uint64_t deadline_ns;        /* mlmd__mono_ns() when the time budget runs out */
	int has_deadline;
	const char *deadline_reason; /* what `partial` says when it does (static text) */
	mlmd__filter stop[2];        /* ending nodes, or the boundary to keep */
	int has_stop[2];
	/* the walk's state and result, by kind */
	mlmd__q_family hopq[2];      /* the hop statements, by from kind */
	mlmd__idset seen[2];         /* every node met, kept or not */
	mlmd__idset in[2];           /* nodes in the result */
	int64_t *ids[2];             /* the result: in discovery order, sorted by mlmd__walk_run */
	size_t n[2];
	int partial;                 /* a bound cut the walk short */
	const char *reason;          /* which (static text), when partial */
} mlmd__walk;

void mlmd__walk_init(mlmd__walk *w, mlmd__sql *sql);
void mlmd__walk_free(mlmd__walk *w);
/* A time budget in ms (0: none; negative is INVALID_ARGUMENT). */
int mlmd__walk_budget(mlmd__walk *w, int64_t ms);
/* The caller's deadline (mlmd__mono_ns() time; mlmd_store_set_deadline):
 * the walk stops at the earlier of it and the time budget, saying which. */
void mlmd__walk_deadline(mlmd__walk *w, uint64_t deadline_ns);
/* Compiles `query` (NULL or "": none) as the stopping filter for nodes of
 * `kind`; errors carry `field` as context. */
int mlmd__walk_stop(mlmd__walk *w, int kind, const char *query, const char *field);
/* Starts from the first MLMD_WALK_MAX_START nodes of `kind` matching
 * `query` (by id); none is NOT_FOUND. Errors name `field`. */
int mlmd__walk_start_query(mlmd__walk *w, int kind, const char *query, const char *field);
/* Starts from node `id`: returns 1 when kept, 0 when the node cap stopped
 * it, <0 on error. */
int mlmd__walk_start_id(mlmd__walk *w, int kind, int64_t id);
/* Walks from the starting nodes (all of kind `start`), then sorts ids[]. */
int mlmd__walk_run(mlmd__walk *w, int start);

/* ---- metric history (query/metric.c; schema version 3) --------------------------------- */

/* A metric's points as parallel arrays (malloc'd; free with
 * mlmd__metric_series_free, or hand the arrays to a response). */
typedef struct mlmd__metric_series {
	double *values;
	int64_t *steps, *timestamps;
	size_t n, cap;
} mlmd__metric_series;
void mlmd__metric_series_free(mlmd__metric_series *m);

/* Inserts n points of `key` for execution `run` with one prepared
 * statement: steps NULL means every step 0, timestamps NULL every timestamp
 * `default_time`. NaN is stored as NULL. Run it inside the caller's
 * transaction; a deferred failure is reported by its end. */
int mlmd__metric_insert(mlmd__sql *s, int64_t run, const char *key, const double *values, const int64_t *steps,
			const int64_t *timestamps, int64_t default_time, size_t n);
/* Appends every point of (run, key) to *out, by step, then timestamp, then
 * insertion order: one range scan of the index. */
int mlmd__metric_history(mlmd__sql *s, int64_t run, const char *key, mlmd__metric_series *out);
/* The keys execution `run` has points for, with their number of points,
 * sorted bytewise by key (the same on every backend): *out is a malloc'd
 * array of *n (free with mlmd__metric_keys_free). One range scan. */
typedef struct mlmd__metric_key {
	char *key;
	int64_t points;
} mlmd__metric_key;
int mlmd__metric_keys(mlmd__sql *s, int64_t run, mlmd__metric_key **out, size_t *n);
void mlmd__metric_keys_free(mlmd__metric_key *keys, size_t n);
/* The last point of (run, key) in that order; *found 0 when there is none. */
int mlmd__metric_latest(mlmd__sql *s, int64_t run, const char *key, int *found, double *value, int64_t *step,
			int64_t *timestamp);

/* ---- run search (query/runs.c): MLflow's search syntax ------------------------------- */

/* Compiles a run search into `SELECT e.id FROM execution e WHERE ...
 * ORDER BY ... LIMIT ? OFFSET ?` with its bound parameters: runs (executions
 * associated with an mlmd.Experiment context, of one of `experiments` when
 * n_experiments > 0) matching `filter` (NULL or "": all), ordered by the
 * order_by entries (none: start time, newest first), ids descending last.
 * Errors are INVALID_ARGUMENT naming "filter" or "order_by[i]", the
 * 1-based position and the token. Free *args with mlmd__runs_args_free and
 * *sql with mlmd__buf_free. */
int mlmd__runs_compile(const char *filter, const char *const *order_by, size_t n_order,
		       const char *const *experiments, size_t n_experiments, int64_t limit, int64_t offset,
		       mlmd_buf *sql, mlmd__args *args);
void mlmd__runs_args_free(mlmd__args *a);

#endif

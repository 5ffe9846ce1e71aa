/*
 * lib/internal.h - declarations shared between the library's own files.
 * Nothing here is public; names shared across files are mlmd__x.
 */
#ifndef MLMD_INTERNAL_H
#define MLMD_INTERNAL_H

#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include "mlmd.h"
#include "mlmd/sys/backend.h"

#define MLMD_SCHEMA_VERSION 2

#include "util/base.h"
#include "util/pbutil.h"

/* ---- backends ------------------------------------------------------------ */

int mlmd__sqlite_open(mlmd_backend **out, const char *path, int read_only, int create,
		      int busy_timeout_ms, int synchronous_full);
/* keys/vals: n libpq connection keywords and values (the first may be
 * dbname=<postgresql:// URI>); create: create the database when missing. */
int mlmd__pg_open(mlmd_backend **out, const char *const *keys, const char *const *vals, int n, int create,
		  int busy_timeout_ms);

/* ---- the store ----------------------------------------------------------- */

typedef struct stmt_slot {
	uint64_t hash;
	size_t len;
	char *sql;                   /* owned copy of the key */
	mlmd_backend_stmt *stmt;
} stmt_slot;

struct mlmd_store {
	mlmd_backend *db;
	stmt_slot *slots;            /* open-addressed statement cache */
	size_t nslots, used;
	size_t ndyn;                 /* cached statements from mlmd__q_dyn */
	int schema_version;
	int read_only;
	int in_txn;                  /* a call is running (its handler is inside a transaction) */
	/* A transaction opened by mlmd_store_begin() (store/rpc.c): the calls
	 * until mlmd_store_commit()/rollback() run inside it. */
	int txn_open;
	int txn_write;               /* it may write */
	int txn_failed;              /* a call failed inside it, which rolled it back */
	char txn_error[256];         /* that call's message, for the calls refused after it */
};

/* A prepared, cached statement in use. Bind failures are sticky and reported
 * by the next q_step(). */
typedef struct sqlq {
	mlmd_backend *db;
	mlmd_backend_stmt *st;
	int rc;
	int owned;                   /* not cached: mlmd__q_done finalizes it */
} sqlq;

int mlmd__q(mlmd_store *s, sqlq *q, const char *sql);
/* The same for SQL built from user input (filters): cached while the store
 * holds fewer than MLMD_DYN_STMT_MAX such statements, prepared for one use
 * after that, so arbitrary queries cannot grow the cache without bound. The
 * caller must end with mlmd__q_done(). */
#define MLMD_DYN_STMT_MAX 256
int mlmd__q_dyn(mlmd_store *s, sqlq *q, const char *sql);
void mlmd__q_i64(sqlq *q, int i, int64_t v);
void mlmd__q_dbl(sqlq *q, int i, double v);
void mlmd__q_text(sqlq *q, int i, const char *v);   /* NULL binds NULL */
void mlmd__q_blob(sqlq *q, int i, const void *v, size_t n);
void mlmd__q_null(sqlq *q, int i);
int mlmd__q_step(sqlq *q);                           /* 1 row, 0 done, <0 error */
int mlmd__q_isnull(sqlq *q, int col);
int64_t mlmd__q_col_i64(sqlq *q, int col);
double mlmd__q_col_dbl(sqlq *q, int col);
const char *mlmd__q_col_text(sqlq *q, int col);     /* NULL when NULL */
const void *mlmd__q_col_blob(sqlq *q, int col, size_t *n);
void mlmd__q_done(sqlq *q);
/* Runs a statement expected to return no rows. */
int mlmd__q_exec(sqlq *q);
/* The same where the caller does not act on this statement's own status: a
 * backend may report its failure later, by the end of the call at the
 * latest (see step_deferred in mlmd/sys/backend.h). */
int mlmd__q_exec_later(sqlq *q);
/* Inserts that need the new row's id. Write MLMD_INSERT("INSERT ...") for the
 * two arguments: the backend's last_insert_id slot is used when it has one,
 * and INSERT ... RETURNING id otherwise. mlmd__q_insert_step runs the
 * statement, sets *id and resets it. */
#define MLMD_INSERT(sql) sql, sql " RETURNING id"
int mlmd__q_insert(mlmd_store *s, sqlq *q, const char *plain, const char *returning);
int mlmd__q_insert_step(sqlq *q, int64_t *id);
void mlmd__stmt_cache_clear(mlmd_store *s);
/* Id lists as IN (?, ?, ...) of a few fixed sizes (1, 4, 16, 64, 256), the
 * tail padded with the last id, so a handful of statement texts serve every
 * list and stay cached. Callers take chunks of at most MLMD_IN_MAX ids. */
#define MLMD_IN_MAX 256
int mlmd__in_list(mlmd_buf *sql, size_t n);          /* appends the ?s; returns the padded size */
/* The same lists as compile-time text: MLMD_IN_SQL(pre, post) is an
 * initializer of five statements, one per size; mlmd__in_slot(n, &size)
 * picks the index and the padded size for n ids. */
#define MLMD_IN_1 "?"
#define MLMD_IN_4 "?, ?, ?, ?"
#define MLMD_IN_16 MLMD_IN_4 ", " MLMD_IN_4 ", " MLMD_IN_4 ", " MLMD_IN_4
#define MLMD_IN_64 MLMD_IN_16 ", " MLMD_IN_16 ", " MLMD_IN_16 ", " MLMD_IN_16
#define MLMD_IN_256 MLMD_IN_64 ", " MLMD_IN_64 ", " MLMD_IN_64 ", " MLMD_IN_64
#define MLMD_IN_SQL(pre, post) \
	{ pre MLMD_IN_1 post, pre MLMD_IN_4 post, pre MLMD_IN_16 post, pre MLMD_IN_64 post, pre MLMD_IN_256 post }
int mlmd__in_slot(size_t n, int *size);
void mlmd__q_bind_ids(sqlq *q, int *pos, const int64_t *ids, size_t n, int size);
/* The chunk size for reading `n` ids: one at a time for a few (an IN list
 * costs SQLite a temporary index, which keyed reads beat up to about eight
 * ids), MLMD_IN_MAX otherwise. */
#define mlmd__in_chunk(n) ((n) <= 8 ? (size_t)1 : (size_t)MLMD_IN_MAX)

/* Schema creation and migration (schema/schema.c). A step takes a database
 * from version-1 to `version`; steps are listed in order. */
typedef struct mlmd__schema_step {
	int version;
	const char *sqlite;          /* the DDL, per dialect */
	const char *sqlite_down;     /* back to version-1; NULL: not possible */
	const char *pg;
	const char *pg_down;
} mlmd__schema_step;
/* Brings the store to the library's schema (creating an empty database). */
int mlmd__schema_prepare(mlmd_store *s, int upgrade);
/* The same with a given step list, whose last step is the target version. */
int mlmd__schema_migrate(mlmd_store *s, const mlmd__schema_step *steps, int nsteps, int upgrade);
/* Takes an existing database down to version `to` in one transaction
 * (MigrationOptions.downgrade_to_schema_version). */
int mlmd__schema_downgrade(mlmd_store *s, int64_t to);

/* ---- per-call state ------------------------------------------------------ */

/* Type definitions looked up during one call. */
typedef struct type_prop {
	char *name;
	int type;                    /* PropertyType */
} type_prop;

typedef struct type_info {
	int64_t id;
	int kind;
	char *name;
	size_t nprops;
	type_prop *props;            /* sorted by name (strcmp order), for mlmd__type_prop */
} type_info;

/* The index of property `name` in t->props, or -1: a binary search, so
 * checking n properties against a type costs n log n, not n * nprops. */
int mlmd__type_prop(const type_info *t, const char *name);

typedef struct call {
	mlmd_store *s;
	int64_t now;                 /* ms since epoch, fixed for the call */
	type_info *types;            /* small cache, linear scan */
	size_t ntypes;
	/* Ids reserved for new nodes of each kind (backends with reserve_ids):
	 * `batch` is how many new nodes the request still holds. */
	int64_t id_next[4], id_left[4], batch[4]; /* by node kind, and ID_POOL_EVENT */
} call;
enum { ID_POOL_EVENT = 3 };

void mlmd__call_cleanup(call *c);
/* The type `id` of the given kind, cached for the call; NOT_FOUND style
 * INVALID_ARGUMENT when absent (message names `what`). */
int mlmd__type_get(call *c, int kind, int64_t id, const type_info **out);

/* Type kinds, with MLMD's numbering of Type.type_kind. */
enum { KIND_EXECUTION = 0, KIND_ARTIFACT = 1, KIND_CONTEXT = 2 };

/* The SQL of one node kind, built at compile time from its table name (see
 * NODE_SQL in store/nodes.c), so no statement text is formatted per row. */
typedef struct node_sql {
	const char *insert, *insert_returning; /* see MLMD_INSERT */
	const char *insert_with_id;  /* with an id from reserve_ids */
	const char *insert_prop;     /* plain insert: properties of a new node */
	const char *upsert_prop;     /* insert or replace one property */
	const char *delete_prop;
	const char *load;            /* NODE_COLS of one node, with its type name */
	const char *load_props;
	const char *load_stored;     /* the columns an update compares */
	const char *update;
	const char *exists;
	const char *by_external_id;
	const char *by_type_and_name;
	const char *load_in[5];      /* NODE_COLS of the ids in an IN list (MLMD_IN_SQL) */
	const char *props_in[5];     /* their properties */
} node_sql;

/* Offsets into one generated node message (Artifact, Execution, Context), so
 * that the node code is written once for the three kinds. */
typedef struct node_kind {
	int kind;
	const char *what;            /* "artifact" */
	const char *table;           /* SQL table name */
	const ProtobufCMessageDescriptor *desc;
	const ProtobufCMessageDescriptor *props_entry;
	const ProtobufCMessageDescriptor *custom_entry;
	size_t o_has_id, o_id, o_has_type_id, o_type_id, o_name, o_type, o_external_id;
	size_t o_uri;                /* SIZE_MAX when the kind has none */
	size_t o_has_state, o_state; /* SIZE_MAX when the kind has none */
	size_t o_n_props, o_props, o_n_custom, o_custom;
	size_t o_has_ctime, o_ctime, o_has_mtime, o_mtime, o_sysmeta;
	node_sql sql;
} node_kind;

extern const node_kind mlmd__artifact_kind, mlmd__execution_kind, mlmd__context_kind;

/* Same layout as every generated map<string, Value> entry (checked statically). */
typedef struct prop_entry {
	ProtobufCMessage base;
	char *key;
	Mlmd__Pb__Value *value;
} prop_entry;

/* Node writes and reads (store/nodes.c). */
typedef struct put_opts {
	const Mlmd__Pb__Wkt__FieldMask *mask;
	int occ;                     /* abort_if_latest_updated_time_changed */
	int force_update_time;
	int reuse_by_external_id;    /* artifacts: reuse a stored node with the same external_id */
	int reuse_context_by_name;   /* contexts: reuse a stored (type, name) */
	int validate_only_if_id;     /* force_reuse_context: nodes with an id are only checked */
} put_opts;
int mlmd__node_put(call *c, const node_kind *k, const ProtobufCMessage *node,
		   const put_opts *o, int64_t *id_out);
/* Inserts that need the new row's id, in batches: when the call announced a
 * batch for `pool` (c->batch, see mlmd__node_batch) and the backend can
 * reserve ids, mlmd__insert_prepare takes an id from the call's pool (filling
 * it for the rest of the batch in one go) and prepares `with_id`, whose last
 * parameter is that id; otherwise it prepares MLMD_INSERT(plain). Bind the
 * other parameters, then mlmd__insert_run: with a known id the statement may
 * be deferred (a conflict is reported by the end of the call); without, *id
 * is the new row's. */
int mlmd__insert_prepare(call *c, int pool, const char *table, sqlq *q, const char *with_id, const char *plain,
			 const char *returning, int64_t *known);
int mlmd__insert_run(sqlq *q, int id_param, int64_t known, int64_t *id);

/* Tells the call how many of `nodes` (n messages of kind k; NULLs skipped)
 * are new, so a backend that can reserve ids does it once for all. */
void mlmd__node_batch(call *c, const node_kind *k, void *const *nodes, size_t n);
/* Loads node `id` (NULL *out when absent). */
int mlmd__node_load(call *c, const node_kind *k, int64_t id, ProtobufCMessage **out);
/* Loads the nodes `ids` in order and appends those that exist; ids already
 * in arr[0..*n) are skipped when `dedupe` is set. */
int mlmd__node_load_ids(call *c, const node_kind *k, const int64_t *ids, size_t nids, int dedupe,
			void ***arr, size_t *n);
/* Runs a prepared query whose first column is an id and collects the ids. */
int mlmd__q_ids(sqlq *q, int64_t **ids, size_t *n);
int mlmd__node_exists(call *c, const node_kind *k, int64_t id);

/* Paged listing (store/list.c). `where` is an SQL condition over alias n
 * (may be NULL) with params bound from `args` (n_args int64 values). */
int mlmd__list_nodes(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *opts,
		     const char *join, const char *where, const int64_t *args, size_t n_args,
		     void ***arr, size_t *n, char **next_token);

/* Edges (store/edges.c). */
int mlmd__event_put(call *c, const Mlmd__Pb__Event *e);
/* Appends the events selected by `sql` (MLMD_EVENT_COLS ... with one int64
 * parameter, `id`), with their paths. */
#define MLMD_EVENT_COLS "SELECT id, artifact_id, execution_id, type, time, system_metadata FROM event"
int mlmd__events_load(call *c, const char *sql, int64_t id, Mlmd__Pb__Event ***arr, size_t *n);
/* The same for a prepared, bound MLMD_EVENT_COLS query `q` (always
 * finished); events for which keep() returns 0 are dropped. */
int mlmd__events_read(call *c, sqlq *q, int (*keep)(void *ctx, const Mlmd__Pb__Event *e), void *ctx,
		      Mlmd__Pb__Event ***arr, size_t *n);
int mlmd__attribution_put(call *c, int64_t context_id, int64_t artifact_id, int check);
int mlmd__association_put(call *c, int64_t context_id, int64_t execution_id, int check);

/* Types (store/types.c). */
int mlmd__type_load(call *c, int kind, int64_t id, ProtobufCMessage **out);

#endif

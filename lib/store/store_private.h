/*
 * lib/store/store_private.h - the store's own declarations: the store
 * handle, the state of one call, node kinds, and the functions the RPC
 * handlers share (nodes, types, edges, listing).
 *
 * Layer: store/ is the top of the storage stack: MLMD's semantics and the
 * RPC dispatch. It includes query/query.h, schema/schema.h, sql/sql.h,
 * backend/backends.h (to open the library's own backends), util/ and the
 * public headers; no folder below includes store/.
 */
#ifndef MLMD_STORE_PRIVATE_H
#define MLMD_STORE_PRIVATE_H

#include <stdint.h>
#include <stddef.h>
#include "mlmd/metadata.h"
#include "../util/pbutil.h"
#include "../sql/sql.h"
#include "../query/query.h"

/* ---- the store ----------------------------------------------------------- */

struct mlmd_store {
	mlmd__sql sql;               /* the connection, its statement cache and transaction */
	mlmd_backend *db;            /* owned: closed by mlmd_store_free() */
	int schema_version;
	int read_only;
	char *actor;                 /* who the calls are by (mlmd_store_set_actor) */
	int audit_off;               /* benchmarks only: append no audit records */
	int in_txn;                  /* a call is running (its handler is inside a transaction) */
	/* A transaction opened by mlmd_store_begin() (store/rpc.c): the calls
	 * until mlmd_store_commit()/rollback() run inside it. */
	int txn_open;
	int txn_write;               /* it may write */
	int txn_failed;              /* a call failed inside it, which rolled it back */
	char txn_error[256];         /* that call's message, for the calls refused after it */
	/* Listeners (store/listen.c): NULL until the first mlmd_store_listen(). */
	struct mlmd__listeners *listen;
	int n_listeners;             /* registered now: 0 costs a writing call nothing */
	/* mlmd_store_set_deadline(): calls starting after it are refused,
	 * lineage walks stop at it (mlmd__mono_ns() time). */
	uint64_t deadline_ns;
	int has_deadline;
	int no_wire;                 /* tests only: answer every read through its struct handler (store/wire.h) */
};

/* For tests: the store's backend (to switch an optional slot off), its SQL
 * session (to count cached statements, to run a query on its connection),
 * and the schema migration run with a given step list instead of the
 * dialect's, updating the store's schema version (see mlmd__schema_migrate). */
mlmd_backend *mlmd__store_backend(mlmd_store *s);
mlmd__sql *mlmd__store_sql(mlmd_store *s);
int mlmd__store_migrate(mlmd_store *s, const mlmd_schema_step *steps, int nsteps, int upgrade);
/* For the benchmark of the audit log's cost only: on = 0 stops the handle
 * appending audit records (nothing else may switch the log off). */
void mlmd__store_set_audit(mlmd_store *s, int on);

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
	mlmd__sql *sql;              /* &s->sql */
	int64_t now;                 /* ms since epoch, fixed for the call */
	type_info *types;            /* small cache, linear scan */
	size_t ntypes;
	/* Ids reserved for new nodes of each kind (backends that reserve ids). */
	mlmd__id_pool ids[4];        /* by node kind, and ID_POOL_EVENT */
	int no_audit;                /* a writing call that wrote nothing (a dry run): no audit record */
	int labels_state;            /* store/dg_*.c: 0 unknown, 1 no propagating label, 2 some */
	/* Lineage walks (store/lineage.c): node loads by id include tombstones,
	 * which the walk marks as deleted; every other read leaves them out. */
	int with_tombstones;
	/* Nodes the call deleted (store/dg_delete.c), by kind (KIND_*), kept
	 * only while the handle has listeners: how a deletion its request and
	 * response do not name (RunRetention, a restore) reaches them. */
	int64_t *deleted[3];
	size_t n_deleted[3];
	/* Nodes the call created, by kind, kept only beside other writers
	 * (sql->keyed): no other writer sees them before the commit, so an
	 * update of one later in the call needs no node lock (store/nodes.c). */
	int64_t *created[3];
	size_t n_created[3];
} call;
enum { ID_POOL_EVENT = 3 };

void mlmd__call_cleanup(call *c);
/* The type `id` of the given kind, cached for the call; NOT_FOUND style
 * INVALID_ARGUMENT when absent (message names `what`). */
int mlmd__type_get(call *c, int kind, int64_t id, const type_info **out);
/* The id of the type (kind, name, version; a NULL version is ""), 0 when
 * there is none; INVALID_ARGUMENT when name is NULL. */
int mlmd__type_find(call *c, int kind, const char *name, const char *version, int64_t *id);

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
	/* The same reads leaving tombstones out (schema version 5 on: the
	 * deleted_time column does not exist before); NODE_SQL picks by
	 * c->s->schema_version and c->with_tombstones. */
	const char *load_live, *load_stored_live, *exists_live;
	const char *load_in_live[5];
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
/* Beside other writers (c->sql->keyed), declares the keyed locks that
 * mlmd__node_put of the same node would take (mlmd__sql_want), reading what
 * it needs to know and writing nothing; a request declares all its nodes'
 * before it writes, then takes them in order (mlmd__sql_lock_wanted). Says
 * nothing about what is wrong with a node: mlmd__node_put does. */
int mlmd__node_want(call *c, const node_kind *k, const ProtobufCMessage *node, const put_opts *o);
/* Tells the call how many of `nodes` (n messages of kind k; NULLs skipped)
 * are new (c->ids[kind].batch, for mlmd__insert_prepare in sql/sql.h), so a
 * backend that can reserve ids does it once for all. */
void mlmd__node_batch(call *c, const node_kind *k, void *const *nodes, size_t n);
/* Loads node `id` (NULL *out when absent). */
int mlmd__node_load(call *c, const node_kind *k, int64_t id, ProtobufCMessage **out);
/* Loads the nodes `ids` in order and appends those that exist; ids already
 * in arr[0..*n) are skipped when `dedupe` is set. */
int mlmd__node_load_ids(call *c, const node_kind *k, const int64_t *ids, size_t nids, int dedupe,
			void ***arr, size_t *n);
/* 1 when the node exists and is live, 0 when absent or a tombstone. */
int mlmd__node_exists(call *c, const node_kind *k, int64_t id);
/* 1 when the node is a tombstone (store/dg_delete.c), 0 otherwise. */
int mlmd__node_deleted(call *c, const node_kind *k, int64_t id);
/* Whether reads on this call leave tombstones out (a store at version 5 or
 * later outside a lineage walk). */
#define MLMD_LIVE_ONLY(c) ((c)->s->schema_version >= 5 && !(c)->with_tombstones)

/* Paged listing (store/list.c). `where` is an SQL condition over alias n
 * (may be NULL) with params bound from `args` (n_args int64 values). */
int mlmd__list_nodes(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *opts,
		     const char *join, const char *where, const int64_t *args, size_t n_args,
		     void ***arr, size_t *n, char **next_token);
/* The same listing's ids only: the page's ids in order in *ids (malloc'd,
 * the caller frees it; NULL when none) and the next page's token (NULL on
 * the last page). The node reads written straight in wire format
 * (store/wire_read.c) load the nodes themselves. */
int mlmd__list_ids(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *opts,
		   const char *join, const char *where, const int64_t *args, size_t n_args,
		   int64_t **ids, size_t *nids, char **next_token);

/* Edges (store/edges.c). */
int mlmd__event_put(call *c, const Mlmd__Pb__Event *e);
/* mlmd__event_put() for ev[0..n) in order, a failure in context
 * "<what>[i]" for the failing event i. When the events are complete,
 * distinct and all their nodes live (checked with one query per
 * MLMD_IN_MAX ids), they are inserted as one batch: ids reserved at once and,
 * on PostgreSQL, sent without waiting (a duplicate of a stored event is then
 * ALREADY_EXISTS by the end of the call, in PostgreSQL's words). */
int mlmd__events_put(call *c, const Mlmd__Pb__Event *ev, size_t n, const char *what);
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

/* The int64 id fields ("id", "<x>_id", "<x>_ids") of m and of the messages
 * it holds directly (store/ids.c), in field order: visit() gets each value
 * with its name ("artifact_ids", or "<field>.<id field>" one level down),
 * the message holding it and the field's own name. */
typedef void (*mlmd__id_visit)(void *ctx, const char *name, const ProtobufCMessage *holder, const char *field,
			       int64_t v);
void mlmd__ids_walk(const ProtobufCMessage *m, mlmd__id_visit visit, void *ctx);

/* Listeners (store/listen.c), driven by store/rpc.c. Only called when
 * s->n_listeners > 0, except mlmd__listen_txn_end and mlmd__listen_free.
 * record: the change of a writing call that succeeded, taken from its
 * request and response (and the nodes it deleted) before its transaction commits (so running out of
 * memory fails the call), kept until the transaction ends. txn_end: the
 * transaction committed (its changes are told, in order) or was rolled
 * back (they are dropped). free: listeners dropped, free_user called. */
struct audit_call;
int mlmd__listen_record(call *c, const struct audit_call *a);
void mlmd__listen_txn_end(mlmd_store *s, int committed);
void mlmd__listen_free(mlmd_store *s);

/* Types (store/types.c). */
int mlmd__type_load(call *c, int kind, int64_t id, ProtobufCMessage **out);

#endif

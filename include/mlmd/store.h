/*
 * mlmd/store.h - the metadata store: open, call, transactions, free.
 *
 * Two entry points share one implementation:
 *  - bytes in, bytes out: mlmd_store_call() takes an MLMD RPC name and a
 *    serialized request, and returns a serialized response. Bindings for other
 *    languages use only the five FFI functions marked [FFI] below.
 *  - typed C: mlmd_store_<rpc>() over the protobuf-c structs generated from
 *    the proto files (names Mlmd__Pb__*), with helpers for building messages
 *    and reading/writing properties: mlmd/metadata.h.
 * This header needs nothing but the C library: the store is opaque here.
 *
 * A store handle is one database connection. It is not safe to use one handle
 * from two threads at once; open one handle per thread (they may share a file).
 * Every call is one transaction: it is applied entirely or not at all
 * (mlmd_store_begin() below joins several calls into one).
 */
#ifndef MLMD_STORE_H
#define MLMD_STORE_H

#include "common.h"
#include "error.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_store mlmd_store;
struct mlmd_backend;         /* mlmd/sys/backend.h */

/* Options for mlmd_store_open(). Initialise with MLMD_STORE_OPTIONS_INIT so
 * new fields keep their defaults when the struct grows. */
typedef struct mlmd_store_options {
	unsigned version;        /* MLMD_STORE_OPTIONS_VERSION */
	const char *uri;         /* "sqlite:PATH", "sqlite::memory:", or "sqlite:file:...?mode=ro" */
	int read_only;           /* open without write access: nothing is written, not even at open
				  * (the store must exist; SQLite opens the file read-only, and a WAL
				  * file on read-only media is read as immutable when it has no
				  * pending -wal; on PostgreSQL no database or schema is created and
				  * writing calls fail with FAILED_PRECONDITION) */
	int no_create;           /* fail with NOT_FOUND-like UNAVAILABLE if the file is missing */
	int upgrade;             /* migrate an older schema to the current one */
	int busy_timeout_ms;     /* wait this long for a lock, then ABORTED; 0 = default 10000 */
	int synchronous_full;    /* SQLite synchronous=FULL instead of NORMAL */
	/* Since version 2: */
	const char *actor;       /* who the handle's writes are by, for the audit log and the
				  * registry's requests and approvals (copied); NULL: the
				  * environment's MLMD_ACTOR, else the OS user name (see
				  * mlmd_store_set_actor) */
	/* Since version 3: */
	const char *openlineage_url;       /* post each committed execution's OpenLineage events to
					    * this endpoint (mlmd/openlineage.h,
					    * mlmd_openlineage_attach); NULL: the environment's
					    * MLMD_OPENLINEAGE_URL when set and not empty, else none.
					    * Ignored for a read-only store. */
	const char *openlineage_namespace; /* the events' job namespace; NULL: the environment's
					    * MLMD_OPENLINEAGE_NAMESPACE, else "mlmd" */
	const char *openlineage_queue_dir; /* the transport's on-disk queue; NULL: the environment's
					    * MLMD_OPENLINEAGE_QUEUE_DIR, else the default in
					    * docs/interoperability.md */
} mlmd_store_options;

#define MLMD_STORE_OPTIONS_VERSION 3
#define MLMD_STORE_OPTIONS_INIT { MLMD_STORE_OPTIONS_VERSION, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL }

/* Opens (creating if needed) the store named by opts->uri.
 * On success *out is a new handle; free it with mlmd_store_free().
 * A database that is not an mlmd store is refused with FAILED_PRECONDITION
 * and left exactly as it was (same bytes, same journal mode): one written by
 * Google MLMD (copy it with `mlmd import-mlmd`), or one that has tables but
 * no mlmd_schema. mlmd creates its schema only in an empty database. */
MLMD_EXTERN(int) mlmd_store_open(mlmd_store **out, const mlmd_store_options *opts);

/* Opens a store on a backend the host implements (mlmd/sys/backend.h, as a
 * VFS for SQLite): the backend is one open connection, checked first (its
 * version, required slots and dialect: INVALID_ARGUMENT naming the field).
 * The schema comes from the backend's dialect; opts may be NULL for the
 * defaults, and only its read_only and upgrade fields apply (uri is
 * ignored; no_create, busy_timeout_ms and synchronous_full are the
 * backend's business). On success *out is a new handle that owns the
 * backend: mlmd_store_free() calls its close(). On failure the caller
 * still owns the backend and closes it. */
MLMD_EXTERN(int) mlmd_store_open_backend(mlmd_store **out, struct mlmd_backend *backend,
					 const mlmd_store_options *opts);

/* [FFI] Opens a store from a serialized ml_metadata.ConnectionConfig:
 * fake_database, or sqlite with an empty filename_uri, opens an in-memory
 * store; sqlite.filename_uri a file (connection_mode honoured). The mlmd
 * extension field mlmd_migration_options (1000) enables upgrades.
 * An unset config is INVALID_ARGUMENT. Free the handle with mlmd_store_free(). */
MLMD_EXTERN(int) mlmd_store_open_config(mlmd_store **out, const void *config, size_t config_len);

/* Limits on the messages mlmd accepts, chosen so that whatever it stores can
 * be read back by protobuf's own parsers (C++, Python), which refuse messages
 * nested more than 100 levels deep:
 *  - MLMD_MAX_NESTING: a request (bytes or typed) nests at most this many
 *    levels of messages below its top level. Bytes are checked before they
 *    are decoded, so a deeply nested request cannot exhaust the stack.
 *  - MLMD_MAX_NODE_NESTING: an artifact, execution, context or type holds
 *    at most this many levels below itself (a property's Struct value counts
 *    three levels per nested object: map entry, Value, Struct). The deepest
 *    a node sits in a response is 3 levels (a Context in
 *    GetParentContextsByContextsResponse), so 3 + 97 stays within 100.
 * Both are INVALID_ARGUMENT when exceeded, as are strings holding a NUL byte
 * (refused, never cut) and enum values their enum does not define. */
#define MLMD_MAX_NESTING 100
#define MLMD_MAX_NODE_NESTING 97

/* [FFI] Runs the RPC `method` (an MLMD name such as "PutArtifacts") on a
 * serialized <method>Request and writes a serialized <method>Response.
 * On success *response is a new buffer (possibly NULL when response_len is 0);
 * free it with mlmd_buffer_free(). On failure *response is NULL. */
MLMD_EXTERN(int) mlmd_store_call(mlmd_store *store, const char *method,
				 const void *request, size_t request_len,
				 void **response, size_t *response_len);

/* What mlmd_store_call() knows about one RPC: `service` is the full proto
 * name of the service declaring it ("ml_metadata.MetadataStoreService",
 * "mlmd.governance.RegistryService", ...), `method` its name as
 * mlmd_store_call() takes it, `writes` 1 when it may modify the store.
 * The strings are static. A server routes "/SERVICE/METHOD" with these. */
typedef struct mlmd_rpc_info {
	const char *service;
	const char *method;
	int writes;
} mlmd_rpc_info;

/* Describes the RPC named `method` (NOT_FOUND when there is none). */
MLMD_EXTERN(int) mlmd_rpc_lookup(const char *method, mlmd_rpc_info *info);
/* The number of RPCs, and the i-th of them in a fixed order (OUT_OF_RANGE
 * past the end): MetadataStoreService's first, then ours. */
MLMD_EXTERN(size_t) mlmd_rpc_count(void);
MLMD_EXTERN(int) mlmd_rpc_at(size_t i, mlmd_rpc_info *info);

/* Bounds the handle's later calls by a deadline `ms_from_now` milliseconds
 * from now (the monotonic clock), as a server does with its client's
 * deadline: a call that starts after it is DEADLINE_EXCEEDED before it
 * touches the database, and a lineage walk (GetLineageGraph,
 * GetLineageSubgraph) still running at it stops and returns what it found
 * with mlmd_partial set and the reason. Other calls that started in time
 * run to their end. Negative is INVALID_ARGUMENT. The deadline stays until
 * the next mlmd_store_set_deadline() or mlmd_store_clear_deadline(). */
MLMD_EXTERN(int) mlmd_store_set_deadline(mlmd_store *store, int64_t ms_from_now);
MLMD_EXTERN(void) mlmd_store_clear_deadline(mlmd_store *store);

/* [FFI] Frees a buffer returned by mlmd_store_call(). NULL is a no-op. */
MLMD_EXTERN(void) mlmd_buffer_free(void *buffer);

/* [FFI] Closes the store. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_store_free(mlmd_store *store);

/* Sets the creation and last-update times (ms since the epoch) of n existing
 * nodes of one kind ("artifact", "execution" or "context"), in one
 * transaction. MLMD's Put calls assign both times themselves; this is for
 * tools that copy a store and must keep them (`mlmd import`, `mlmd
 * import-mlmd`). An id that does not exist is NOT_FOUND and nothing changes. */
MLMD_EXTERN(int) mlmd_store_restore_times(mlmd_store *store, const char *kind, const int64_t *ids,
					  const int64_t *create_time_ms, const int64_t *update_time_ms, size_t n);

/* A transaction over several calls. Without one, every call is its own
 * transaction, as above. Between mlmd_store_begin() and mlmd_store_commit()
 * every call on this handle (typed, mlmd_store_call(),
 * mlmd_store_restore_times()) runs inside one database transaction, so they
 * take effect together or not at all: a tool that copies a store in many
 * calls uses it to leave the target unchanged when any of them fails.
 * `write` = 0 opens a read-only transaction (every call sees one snapshot;
 * a writing call is FAILED_PRECONDITION); 1 a writing one, which holds the
 * store's write lock until it ends (on SQLite the file's, on PostgreSQL the
 * store's advisory lock), so keep it short.
 * A call that fails inside the transaction rolls all of it back at once;
 * later calls are FAILED_PRECONDITION, naming that failure, until the
 * caller ends it with mlmd_store_rollback() (mlmd_store_commit() then
 * returns ABORTED and commits nothing). On PostgreSQL a statement whose
 * answer the store does not wait for may report its failure at the next
 * call or at the commit; the effect is the same. Transactions do not nest:
 * mlmd_store_begin() while one is open is FAILED_PRECONDITION, as are
 * commit and rollback when none is. mlmd_store_free() rolls back a
 * transaction left open. */
MLMD_EXTERN(int) mlmd_store_begin(mlmd_store *store, int write);
MLMD_EXTERN(int) mlmd_store_commit(mlmd_store *store);
MLMD_EXTERN(int) mlmd_store_rollback(mlmd_store *store);

/* [FFI] Sets who the handle's later calls are by (copied): the actor of
 * every audit record it appends and the requester or approver of the
 * registry's requests (docs/audit.md). 1..256 bytes of UTF-8 text without
 * control characters, else INVALID_ARGUMENT. NULL sets the default again:
 * the environment's MLMD_ACTOR when set and valid, else the OS user name of
 * the effective user id, else "uid:<n>".
 * The library trusts its host for identity: it is linked into the program
 * and cannot tell who runs it, so an actor is what the host says it is
 * (authenticate callers before you set it, as a server must). */
MLMD_EXTERN(int) mlmd_store_set_actor(mlmd_store *store, const char *actor);
/* The handle's actor (owned by the handle, valid until the next
 * mlmd_store_set_actor or mlmd_store_free); NULL for a NULL store. */
MLMD_EXTERN(const char *) mlmd_store_actor(const mlmd_store *store);

/* ---- listening to committed writes ------------------------------------------------------ */

/* What one committed writing call changed. The id arrays hold, sorted and
 * without repeats, the nodes the call created, updated or deleted and the
 * nodes an edge it added names (an event names its execution and its
 * artifact, an attribution its artifact and context, an association its
 * execution and context, a parent context both contexts). Borrowed for the
 * callback. */
typedef struct mlmd_store_change {
	const char *method;              /* the RPC, as mlmd_store_call() names it ("PutExecution") */
	const int64_t *artifact_ids;
	size_t n_artifact_ids;
	const int64_t *execution_ids;
	size_t n_execution_ids;
	const int64_t *context_ids;
	size_t n_context_ids;
} mlmd_store_change;

/* Called once per committed writing call, in the order the calls ran, on
 * the thread that committed, after the commit and never inside the
 * transaction: a call in the caller's transaction (mlmd_store_begin) is
 * told about at mlmd_store_commit(), and not at all when it is rolled back.
 * The callback may use the store (reads see the committed state); a write
 * it makes is told about in turn, after the callback returns (so a callback that writes
 * whenever it is told about a write never returns control: guard such a loop). It must not
 * free the store. */
typedef void (*mlmd_store_listener_fn)(mlmd_store *store, const mlmd_store_change *change, void *user);

/* Registers fn with `user` on the handle (a handle holds at most 64
 * listeners: RESOURCE_EXHAUSTED). `free_user` (may be NULL) is called with
 * `user` when the listener is removed or the handle freed. *id (when not
 * NULL) is the listener's id for mlmd_store_unlisten(). */
MLMD_EXTERN(int) mlmd_store_listen(mlmd_store *store, mlmd_store_listener_fn fn, void *user,
				   void (*free_user)(void *user), int *id);

/* Removes listener `id`: NOT_FOUND when the handle has none by that id.
 * Not from inside a callback (FAILED_PRECONDITION). */
MLMD_EXTERN(int) mlmd_store_unlisten(mlmd_store *store, int id);

/* The `user` of the first listener registered with fn, or NULL: how a
 * library that attached a listener finds its state again. */
MLMD_EXTERN(void *) mlmd_store_listener_data(mlmd_store *store, mlmd_store_listener_fn fn);

/* The schema version this library writes, and the one of the open store. */
MLMD_EXTERN(int) mlmd_schema_version(void);
MLMD_EXTERN(int) mlmd_store_schema_version(mlmd_store *store);

MLMD_END_DECLS

#endif

/*
 * mlmd/sys/backend.h - the storage backend interface, for backend authors.
 *
 * A backend is one database connection seen at the SQL level, as SQLite's VFS
 * is at the file level. The store writes its SQL once, with '?' placeholders,
 * and never asks which database it talks to; what differs between databases
 * is here: the statements' execution (the slots below) and the dialect (the
 * DDL of the schema and the query that lists the tables). A backend whose
 * database wants another placeholder style rewrites them in prepare(). Values
 * are always bound. docs/backends.md describes the contract in full: the
 * tables and columns the DDL must create, and the SQL the core sends.
 *
 * The library's own backends (SQLite, PostgreSQL) are opened from a URI by
 * mlmd_store_open(); a host supplies its own with mlmd_store_open_backend()
 * (mlmd/store.h). Implementations embed struct mlmd_backend first in their
 * own connection struct and cast. Slots are appended only at the end, after
 * a comment naming the version that added them; optional slots may be NULL
 * and the core checks before calling them.
 *
 * Every int-returning slot returns 0 on success, or a negative canonical status
 * after recording a message with mlmd_error_set() (mlmd/error.h): busy/locked
 * is -MLMD_ABORTED (callers retry), a unique or primary-key violation
 * -MLMD_ALREADY_EXISTS, a foreign-key violation -MLMD_FAILED_PRECONDITION, a
 * lost server -MLMD_UNAVAILABLE. A backend is used by one thread at a time.
 */
#ifndef MLMD_SYS_BACKEND_H
#define MLMD_SYS_BACKEND_H

#include "../common.h"
#include "../error.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_backend mlmd_backend;
typedef struct mlmd_backend_stmt mlmd_backend_stmt; /* the backend's own; opaque to the core */

/* Column value kinds returned by column_type(). */
enum {
	MLMD_COL_NULL = 0,
	MLMD_COL_INT = 1,
	MLMD_COL_DOUBLE = 2,
	MLMD_COL_TEXT = 3,
	MLMD_COL_BLOB = 4
};

/* One step of the schema: the DDL that takes a database from version - 1
 * to `version` (one or more statements separated by ';', run by exec()),
 * and the DDL that undoes it. The core runs a step and the update of the
 * version record in one write transaction. */
typedef struct mlmd_schema_step {
	int version;               /* 1, 2, ...: the version the step leads to */
	const char *up;
	const char *down;          /* back to version - 1; NULL when it cannot be undone */
} mlmd_schema_step;

/* What the core needs to know about the database beyond the slots. The
 * core never branches on `name`. */
typedef struct mlmd_dialect {
	const char *name;          /* for messages only, e.g. "sqlite" */
	/* A query with no parameters returning one row per table (and view) of
	 * the database the store lives in, the table's name in the first
	 * column; the database's own catalogue tables left out. The core reads
	 * it before writing anything, to tell an empty database (which gets the
	 * schema) from an mlmd store and from someone else's tables. */
	const char *tables_sql;
	/* The schema, steps 1..n_schema in order. It must reach the version the
	 * library needs (mlmd_schema_version()); later steps are ignored. */
	const mlmd_schema_step *schema;
	int n_schema;
} mlmd_dialect;

#define MLMD_BACKEND_VERSION 3

struct mlmd_backend {
	unsigned version;                 /* MLMD_BACKEND_VERSION the backend was built for */
	const mlmd_dialect *dialect;      /* borrowed; must outlive the backend */

	/* Closes the connection and frees the backend. The core has finalized
	 * every statement it prepared before it calls this. */
	void (*close)(mlmd_backend *b);

	/* Transactions. write=1 takes the write lock up front (SQLite: BEGIN
	 * IMMEDIATE), so a busy database fails here, before any work. A read
	 * transaction sees one snapshot until it ends. write=2 comes only to a
	 * backend with lock() (version 3): a write whose conflicts with other
	 * such writes the core serializes itself through lock(), so it may run
	 * beside them; it must still exclude, and be excluded by, write=1. */
	int (*begin)(mlmd_backend *b, int write);
	int (*commit)(mlmd_backend *b);
	/* Must succeed after a failed commit or a failed statement, and when
	 * the database already ended the transaction itself. */
	int (*rollback)(mlmd_backend *b);

	/* Runs SQL text with no parameters and no result rows (DDL). */
	int (*exec)(mlmd_backend *b, const char *sql);

	/* Prepares one statement; the core caches it and runs it many times. */
	int (*prepare)(mlmd_backend *b, const char *sql, mlmd_backend_stmt **out);
	/* Parameters are numbered from 1. Text and blob values are copied. */
	int (*bind_null)(mlmd_backend_stmt *s, int i);
	int (*bind_int64)(mlmd_backend_stmt *s, int i, int64_t v);
	int (*bind_double)(mlmd_backend_stmt *s, int i, double v);
	int (*bind_text)(mlmd_backend_stmt *s, int i, const char *v, size_t len);
	int (*bind_blob)(mlmd_backend_stmt *s, int i, const void *v, size_t len);
	/* 1 when a row is available, 0 when done, negative on failure. */
	int (*step)(mlmd_backend_stmt *s);
	/* Columns are numbered from 0; valid after step() returned 1. Pointers
	 * are valid until the next step/reset of the statement. */
	int (*column_type)(mlmd_backend_stmt *s, int col);
	int64_t (*column_int64)(mlmd_backend_stmt *s, int col);
	double (*column_double)(mlmd_backend_stmt *s, int col);
	const char *(*column_text)(mlmd_backend_stmt *s, int col, size_t *len); /* len may be NULL */
	const void *(*column_blob)(mlmd_backend_stmt *s, int col, size_t *len);
	/* Makes the statement ready to run again and clears its bindings. */
	int (*reset)(mlmd_backend_stmt *s);
	void (*finalize)(mlmd_backend_stmt *s);
	/* Rows changed by the last completed INSERT/UPDATE/DELETE. */
	int64_t (*changes)(mlmd_backend *b);
	/* Optional: the id of the row the last INSERT created. When set, the core
	 * inserts without RETURNING and asks here (cheaper on SQLite); when NULL
	 * it uses INSERT ... RETURNING id. */
	int64_t (*last_insert_id)(mlmd_backend *b);
	/* Optional: runs a statement that returns no rows, allowing the backend
	 * to send it now and report its failure by the next step() that returns
	 * rows, or by commit() (a network backend saves a round trip per row).
	 * The core uses it only where it does not react to the statement's own
	 * status; when NULL it uses step(). */
	int (*step_deferred)(mlmd_backend_stmt *s);
	/* Optional: reserves n consecutive ids of `table` (one of the core's
	 * tables with an auto-assigned id) and sets *first to the lowest, so a
	 * batch can insert with known ids instead of asking for each one. */
	int (*reserve_ids)(mlmd_backend *b, const char *table, int64_t n, int64_t *first);
	/* methods above are version 1 */
	/* Optional (version 2; the core reads it only from a backend whose
	 * version is 2 or more): the compaction step of mlmd_store_gc()
	 * (mlmd/datagov.h), called outside any transaction, so that the bytes
	 * of deleted rows leave the database's files: SQLite checkpoints and
	 * truncates its WAL (with full also VACUUMs), PostgreSQL VACUUMs the
	 * node, property, metric and label tables (full: VACUUM FULL). Sets
	 * *complete to 1 when nothing deleted remains in the files, 0 (with a
	 * reason in detail) when something held it back, e.g. a reader of an
	 * old snapshot; *pages_freed to the pages given back (0 when unknown);
	 * detail (detail_len bytes, NUL-terminated) to what was done. NULL:
	 * the backend has nothing to compact (mlmd_store_gc reports complete). */
	int (*compact)(mlmd_backend *b, int full, int *complete, int64_t *pages_freed, char *detail,
		       size_t detail_len);
	/* methods above are version 2 */
	/* Optional (version 3): takes a lock on `key` (len bytes, not
	 * NUL-terminated) that the transaction holds until it ends, excluding
	 * every other transaction's lock on the same key; a wait past the busy
	 * timeout, or a deadlock, is -MLMD_ABORTED, reported here or by the next
	 * statement that returns rows, or by commit(). Distinct keys may share
	 * a lock (a hash): that only serializes more. The core calls it only in
	 * a write=2 transaction, on what two writers may both decide on: a
	 * name it reuses, a node it updates, the parent-context graph, the
	 * audit chain's head (docs/postgresql.md). NULL: the backend runs one
	 * writer at a time and never sees write=2. */
	int (*lock)(mlmd_backend *b, const char *key, size_t len);
	/* Optional (version 3): takes n new ids of `table` (one of the core's
	 * tables with an auto-assigned id) into ids[0..n), distinct and never
	 * given to any other insert, in any order and not necessarily
	 * consecutive (what a sequence shared with other writers gives). The
	 * core prefers it to reserve_ids when both are set. */
	int (*reserve_id_list)(mlmd_backend *b, const char *table, int64_t n, int64_t *ids);
	/* methods above are version 3 */
};

MLMD_END_DECLS

#endif

/*
 * mlmd/sys/backend.h - the storage backend interface.
 *
 * A backend is one database connection seen at the SQL level, as SQLite's VFS
 * is at the file level. The store writes its SQL once, with '?' placeholders,
 * against the dialect described here; a backend whose database wants another
 * placeholder style rewrites them in prepare(). Values are always bound.
 *
 * Implementations embed struct mlmd_backend first in their own connection
 * struct and cast. Slots are appended only at the end, after a comment naming
 * the version that added them; optional slots may be NULL.
 *
 * Every int-returning slot returns 0 on success, or a negative canonical status
 * after recording a message with the error functions of the core (busy/locked
 * is -MLMD_ABORTED, a unique or primary-key violation -MLMD_ALREADY_EXISTS, a
 * foreign-key violation -MLMD_FAILED_PRECONDITION, a lost server -MLMD_UNAVAILABLE).
 */
#ifndef MLMD_SYS_BACKEND_H
#define MLMD_SYS_BACKEND_H

#include "../common.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_backend mlmd_backend;
typedef struct mlmd_backend_stmt mlmd_backend_stmt; /* opaque to the core */

/* Column value kinds returned by column_type(). */
enum {
	MLMD_COL_NULL = 0,
	MLMD_COL_INT = 1,
	MLMD_COL_DOUBLE = 2,
	MLMD_COL_TEXT = 3,
	MLMD_COL_BLOB = 4
};

/* What the schema layer needs to know to write DDL for this database. */
typedef struct mlmd_dialect {
	const char *name;          /* "sqlite", "postgresql": selects the DDL text */
	const char *id_type;       /* primary key column type, e.g. "INTEGER PRIMARY KEY" */
	const char *blob_type;     /* "BLOB" or "BYTEA" */
	/* A query with one '?' parameter, a table name, returning a row when the
	 * table exists. */
	const char *table_exists_sql;
} mlmd_dialect;

#define MLMD_BACKEND_VERSION 1

struct mlmd_backend {
	unsigned version;                 /* MLMD_BACKEND_VERSION the backend was built for */
	const mlmd_dialect *dialect;

	void (*close)(mlmd_backend *b);   /* finalises nothing the core still holds */

	/* Transactions. write=1 takes the write lock up front (SQLite: BEGIN
	 * IMMEDIATE), so a busy database fails here, before any work. */
	int (*begin)(mlmd_backend *b, int write);
	int (*commit)(mlmd_backend *b);
	int (*rollback)(mlmd_backend *b);

	/* Runs SQL text with no parameters and no result rows (DDL, pragmas). */
	int (*exec)(mlmd_backend *b, const char *sql);

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
	const char *(*column_text)(mlmd_backend_stmt *s, int col, size_t *len);
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
};

MLMD_END_DECLS

#endif

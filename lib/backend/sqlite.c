/*
 * backend/sqlite.c - the embedded SQLite backend.
 *
 * One connection in WAL mode with foreign keys on, a busy timeout, and
 * synchronous=NORMAL (FULL on request). Writes begin with BEGIN IMMEDIATE so a
 * writer takes its lock before doing any work; a lock not obtained within the
 * busy timeout is ABORTED, which callers may retry.
 *
 * Opening writes nothing to the file: WAL is switched on just before the
 * first write transaction, which the store begins only once it has checked
 * that the file is empty or an mlmd store, so a file that is refused (another
 * application's, Google MLMD's) keeps its bytes and its journal mode, and a
 * read-only handle never writes at all.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "backends.h"
#include "ddl.h"

typedef struct sqlite_backend {
	mlmd_backend base;           /* first: the core casts */
	sqlite3 *db;
	char *path;
	int wal_set;                 /* journal_mode=WAL done (at the first write) */
	int immutable;               /* opened with immutable=1 (read-only media) */
} sqlite_backend;

struct mlmd_backend_stmt {
	sqlite3_stmt *st;
	sqlite_backend *b;
};

/* Maps an SQLite result code to a canonical status and records the message. */
static int sq_fail(sqlite_backend *b, int rc, const char *doing)
{
	int ext = b->db ? sqlite3_extended_errcode(b->db) : rc;
	const char *msg = b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc);
	int code;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = MLMD_ABORTED;
		return mlmd__fail(code, "%s: database '%s' is locked by another writer (%s); retry", doing,
				  b->path, msg);
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			code = MLMD_FAILED_PRECONDITION;
		else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
			code = MLMD_ALREADY_EXISTS;
		else
			code = MLMD_INVALID_ARGUMENT;
		break;
	case SQLITE_READONLY:
		code = MLMD_FAILED_PRECONDITION;
		break;
	case SQLITE_NOMEM:
	case SQLITE_FULL:
	case SQLITE_TOOBIG:
		code = MLMD_RESOURCE_EXHAUSTED;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = MLMD_DATA_LOSS;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_PERM:
		code = MLMD_UNAVAILABLE;
		break;
	case SQLITE_INTERRUPT:
		code = MLMD_CANCELLED;
		break;
	default:
		code = MLMD_INTERNAL;
	}
	return mlmd__fail(code, "%s: %s (sqlite '%s')", doing, msg, b->path);
}

static void sq_close(mlmd_backend *base)
{
	sqlite_backend *b = (sqlite_backend *)base;
	if (!b)
		return;
	sqlite3_close_v2(b->db);
	free(b->path);
	free(b);
}

static int sq_exec(mlmd_backend *base, const char *sql)
{
	sqlite_backend *b = (sqlite_backend *)base;
	int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(b, rc, "exec");
}

static int sq_begin(mlmd_backend *base, int write)
{
	sqlite_backend *b = (sqlite_backend *)base;
	/* WAL lets readers proceed while one process writes. It is a property
	 * of the file, so it is set by the first writer only (see the top). */
	if (write && !b->wal_set) {
		int wrc = sqlite3_exec(b->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if (wrc != SQLITE_OK)
			return sq_fail(b, wrc, "switch to WAL journal mode");
		b->wal_set = 1;
	}
	int rc = sqlite3_exec(b->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(b, rc, "begin transaction");
}

static int sq_commit(mlmd_backend *base)
{
	sqlite_backend *b = (sqlite_backend *)base;
	int rc = sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(b, rc, "commit");
}

static int sq_rollback(mlmd_backend *base)
{
	sqlite_backend *b = (sqlite_backend *)base;
	if (sqlite3_get_autocommit(b->db))
		return 0; /* SQLite already rolled back (e.g. after a busy commit) */
	int rc = sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(b, rc, "rollback");
}

static int sq_prepare(mlmd_backend *base, const char *sql, mlmd_backend_stmt **out)
{
	sqlite_backend *b = (sqlite_backend *)base;
	mlmd_backend_stmt *s = malloc(sizeof *s);
	if (!s)
		return MLMD_OOM();
	int rc = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return sq_fail(b, rc, "prepare");
	}
	s->b = b;
	*out = s;
	return 0;
}

static int bind_rc(mlmd_backend_stmt *s, int rc)
{
	return rc == SQLITE_OK ? 0 : sq_fail(s->b, rc, "bind");
}

static int sq_bind_null(mlmd_backend_stmt *s, int i)
{
	return bind_rc(s, sqlite3_bind_null(s->st, i));
}

static int sq_bind_int64(mlmd_backend_stmt *s, int i, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(s->st, i, v));
}

static int sq_bind_double(mlmd_backend_stmt *s, int i, double v)
{
	return bind_rc(s, sqlite3_bind_double(s->st, i, v));
}

static int sq_bind_text(mlmd_backend_stmt *s, int i, const char *v, size_t n)
{
	return bind_rc(s, sqlite3_bind_text64(s->st, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sq_bind_blob(mlmd_backend_stmt *s, int i, const void *v, size_t n)
{
	return bind_rc(s, sqlite3_bind_blob64(s->st, i, v, n, SQLITE_TRANSIENT));
}

static int sq_step(mlmd_backend_stmt *s)
{
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(s->b, rc, "step");
}

static int sq_column_type(mlmd_backend_stmt *s, int col)
{
	switch (sqlite3_column_type(s->st, col)) {
	case SQLITE_INTEGER: return MLMD_COL_INT;
	case SQLITE_FLOAT: return MLMD_COL_DOUBLE;
	case SQLITE_TEXT: return MLMD_COL_TEXT;
	case SQLITE_BLOB: return MLMD_COL_BLOB;
	default: return MLMD_COL_NULL;
	}
}

static int64_t sq_column_int64(mlmd_backend_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static double sq_column_double(mlmd_backend_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

static const char *sq_column_text(mlmd_backend_stmt *s, int col, size_t *len)
{
	const char *p = (const char *)sqlite3_column_text(s->st, col);
	if (len)
		*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static const void *sq_column_blob(mlmd_backend_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s->st, col);
	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static int sq_reset(mlmd_backend_stmt *s)
{
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	return 0;
}

static void sq_finalize(mlmd_backend_stmt *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

static int64_t sq_changes(mlmd_backend *base)
{
	return sqlite3_changes64(((sqlite_backend *)base)->db);
}

/* Statement journals and sorts stay in memory (they are small and short
 * lived; a temp file per statement costs a write syscall each), and a 16 MiB
 * page cache keeps a 1000-row batch from spilling to the WAL mid-transaction. */
/* case_sensitive_like: LIKE in filters compares bytes, as on PostgreSQL and
 * in MLMD's filter language, instead of SQLite's ASCII case folding. */
/* secure_delete: freed cells and pages are overwritten with zeros as they
 * are freed, so a deleted value (a tombstone's name, uri, properties:
 * docs/datagov.md) leaves no bytes in the database file's free space; its
 * copies in the WAL go at the checkpoint of mlmd_store_gc(). */
#define TUNING " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384; PRAGMA case_sensitive_like = ON;" \
	" PRAGMA secure_delete = ON;"

static int64_t sq_last_insert_id(mlmd_backend *base)
{
	return sqlite3_last_insert_rowid(((sqlite_backend *)base)->db);
}

/* The pages on the file's freelist (PRAGMA freelist_count), or -1. */
static int64_t freelist_pages(sqlite_backend *b)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(b->db, "PRAGMA freelist_count", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* mlmd_store_gc: secure_delete (always on, see TUNING) zeroed the deleted
 * cells in the pages that hold them; the WAL still holds older images of
 * those pages until a checkpoint copies the new ones back and TRUNCATE
 * empties it. A reader on an older snapshot keeps the checkpoint from
 * finishing (after the busy timeout): then complete = 0. full also VACUUMs
 * (rebuilds the file without free pages) before the checkpoint. */
static int sq_compact(mlmd_backend *base, int full, int *complete, int64_t *pages_freed, char *detail,
		      size_t detail_len)
{
	sqlite_backend *b = (sqlite_backend *)base;
	*complete = 1;
	*pages_freed = 0;
	int64_t before = freelist_pages(b);
	if (full) {
		int rc = sqlite3_exec(b->db, "VACUUM", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(b, rc, "VACUUM");
	}
	int nlog = -1, nckpt = -1;
	int rc = sqlite3_wal_checkpoint_v2(b->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt);
	int64_t after = freelist_pages(b);
	if (before > 0 && after >= 0 && before > after)
		*pages_freed = before - after;
	if (rc == SQLITE_BUSY || (rc == SQLITE_OK && nlog > 0)) {
		*complete = 0;
		snprintf(detail, detail_len,
			 "%sthe WAL of '%s' could not be checkpointed and truncated (%d of %d frames copied): "
			 "another connection is reading an older snapshot; run gc again when it has finished",
			 full ? "VACUUM done; " : "", b->path, nckpt, nlog);
		return 0;
	}
	if (rc != SQLITE_OK)
		return sq_fail(b, rc, "WAL checkpoint");
	snprintf(detail, detail_len, "%s%s; %lld free pages %s", full ? "VACUUM, then " : "",
		 nlog < 0 ? "no WAL (not in WAL mode)" : "WAL checkpointed and truncated",
		 (long long)(after < 0 ? 0 : after), "left (zeroed: secure_delete)");
	return 0;
}

/* The schema's column types (see ddl.h): ID, INT, DBL, BLOB, clustered
 * tables WITHOUT ROWID, and plain btree indexes on text. */
#define SQLITE_TYPES "INTEGER PRIMARY KEY", "INTEGER", "REAL", "BLOB", " WITHOUT ROWID", ""
static const mlmd_schema_step sqlite_schema[] = { MLMD_DDL_STEPS(SQLITE_TYPES, MLMD_DDL_STRING_BTREE) };

static const mlmd_dialect sqlite_dialect = {
	"sqlite",
	/* SQLite's own tables left out */
	"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	" ORDER BY name",
	sqlite_schema, (int)(sizeof sqlite_schema / sizeof sqlite_schema[0]),
};

static const mlmd_backend sqlite_vtable = {
	MLMD_BACKEND_VERSION, &sqlite_dialect,
	sq_close, sq_begin, sq_commit, sq_rollback, sq_exec, sq_prepare,
	sq_bind_null, sq_bind_int64, sq_bind_double, sq_bind_text, sq_bind_blob,
	sq_step, sq_column_type, sq_column_int64, sq_column_double, sq_column_text,
	sq_column_blob, sq_reset, sq_finalize, sq_changes, sq_last_insert_id,
	NULL, /* step_deferred: nothing to save locally */
	NULL, /* reserve_ids: last_insert_id is free */
	sq_compact,
	NULL, /* lock: one writer at a time (BEGIN IMMEDIATE) */
	NULL, /* reserve_id_list: last_insert_id is free */
};

/* Connection settings; none of them writes to the file. */
static int configure(sqlite_backend *b, int busy_timeout_ms, int synchronous_full)
{
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, busy_timeout_ms > 0 ? busy_timeout_ms : 10000);
	int rc = sqlite3_exec(b->db,
			      synchronous_full ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;" TUNING
					       : "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;" TUNING,
			      NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(b, rc, "configure connection");
}

/* Appends s to the buffer with the characters a "file:" URI reserves
 * (%, ?, #) escaped. */
static void uri_escape(mlmd_buf *u, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' || *s == '?' || *s == '#')
			mlmd__buf_printf(u, "%%%02X", (unsigned char)*s);
		else
			mlmd__buf_put(u, s, 1);
	}
}

/*
 * A read-only handle on a WAL file that has no -shm beside it, in a
 * directory we cannot write (read-only media, another user's directory):
 * SQLite needs the -shm index to read a WAL database and cannot create it,
 * so every read fails. When there is no -wal either (or an empty one), the
 * database file alone is the whole store, and SQLite can read it as
 * immutable (no locks, no -shm). With a non-empty -wal, committed changes
 * live only there and reading the file alone would silently miss them, so
 * that is refused with what to do instead.
 */
static int reopen_immutable(sqlite_backend *b, int busy_timeout_ms, int synchronous_full)
{
	const char *file = sqlite3_db_filename(b->db, "main");
	if (!file || !*file)
		return -MLMD_UNAVAILABLE;
	char *name = mlmd__strdup(file);
	mlmd_buf wal = { 0 }, uri = { 0 };
	mlmd__buf_printf(&wal, "%s-wal", name ? name : "");
	mlmd__buf_puts(&uri, "file:");
	uri_escape(&uri, name ? name : "");
	mlmd__buf_puts(&uri, "?immutable=1");
	int rc = 0;
	struct stat st;
	if (!name || wal.oom || uri.oom) {
		rc = MLMD_OOM();
	} else if (stat(wal.p, &st) == 0 && st.st_size > 0) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
				"store '%s' is in WAL mode with changes still in %s, and its directory is read-only, so "
				"SQLite cannot create the -shm index it needs to read them: open it once read-write "
				"where it is writable (that checkpoints the changes into the file) or copy the file, "
				"its -wal and -shm to writable storage", b->path, wal.p);
	} else {
		sqlite3_close_v2(b->db);
		b->db = NULL;
		int src = sqlite3_open_v2(uri.p, &b->db, SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY,
					  NULL);
		rc = src == SQLITE_OK ? configure(b, busy_timeout_ms, synchronous_full) : sq_fail(b, src, "open");
		b->immutable = rc == 0;
	}
	free(name);
	mlmd__buf_free(&wal);
	mlmd__buf_free(&uri);
	return rc;
}

/* Opens `path` (see backends.h). */
int mlmd__sqlite_open(mlmd_backend **out, const char *path, int read_only, int create,
		      int busy_timeout_ms, int synchronous_full)
{
	sqlite_backend *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	b->base = sqlite_vtable;
	b->path = mlmd__strdup(path);
	if (!b->path) {
		free(b);
		return MLMD_OOM();
	}
	int flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
	if (read_only)
		flags |= SQLITE_OPEN_READONLY;
	else
		flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &b->db, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(b, rc, "open");
		if (!create && !read_only)
			mlmd__context(rc, "database does not exist or cannot be opened (create disabled)");
		sq_close(&b->base);
		return rc;
	}
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, busy_timeout_ms > 0 ? busy_timeout_ms : 10000);
	if (read_only) {
		/* Read the catalogue now: on a WAL file whose -shm cannot be
		 * created this fails, and the file may still be readable as
		 * immutable (read-only media). */
		int prc = sqlite3_exec(b->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
		int ext = sqlite3_extended_errcode(b->db);
		if (prc != SQLITE_OK && (ext == SQLITE_READONLY_CANTINIT || ext == SQLITE_READONLY_DIRECTORY ||
					 (prc & 0xff) == SQLITE_CANTOPEN)) {
			if ((rc = reopen_immutable(b, busy_timeout_ms, synchronous_full))) {
				sq_close(&b->base);
				return rc;
			}
			*out = &b->base;
			return 0;
		}
		if (prc != SQLITE_OK) {
			rc = sq_fail(b, prc, "read the database");
			sq_close(&b->base);
			return rc;
		}
	}
	if ((rc = configure(b, busy_timeout_ms, synchronous_full))) {
		sq_close(&b->base);
		return rc;
	}
	*out = &b->base;
	return 0;
}

/*
 * tests/backend_custom.c - a storage backend from outside the library.
 *
 * It proves the backend interface is enough: it includes only the public
 * headers and sqlite3.h (the Makefile compiles it without -Ilib), fills the
 * vtable of mlmd/sys/backend.h, brings its own DDL in its dialect, reports
 * failures with mlmd_error_set(), and leaves every optional slot NULL, so
 * the core takes its generic paths (INSERT ... RETURNING id instead of
 * last_insert_id, step() instead of step_deferred, no reserved ids).
 *
 * Behaviour a store expects of any backend, and how this one gives it:
 * writers one at a time, waiting for the lock (BEGIN IMMEDIATE and a busy
 * timeout, ABORTED past it); readers that see one snapshot (WAL); foreign
 * keys enforced; LIKE comparing bytes, as the filter language wants.
 */
#include "backend_custom.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct custom_backend {
	mlmd_backend base;           /* first: the core sees this and we cast back */
	sqlite3 *db;
	int wal;                     /* journal_mode = WAL set (at the first write) */
} custom_backend;

struct mlmd_backend_stmt {
	sqlite3_stmt *st;
	custom_backend *b;
};

/* ---- the schema: our own text of the tables the core's SQL reads --------- */

#define NODE(T, NAME)                                                                     \
	"CREATE TABLE " T " (id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL REFERENCES type(id)," \
	" name TEXT" NAME ", external_id TEXT UNIQUE, uri TEXT, state INTEGER,"               \
	" create_time INTEGER NOT NULL, update_time INTEGER NOT NULL, system_metadata BLOB,"     \
	" UNIQUE (type_id, name));\n"                                                         \
	"CREATE INDEX " T "_type ON " T " (type_id, id);\n"                                   \
	"CREATE INDEX " T "_created ON " T " (create_time, id);\n"                            \
	"CREATE INDEX " T "_updated ON " T " (update_time, id);\n"                            \
	"CREATE TABLE " T "_property (node_id INTEGER NOT NULL REFERENCES " T "(id) ON DELETE CASCADE," \
	" is_custom INTEGER NOT NULL, name TEXT NOT NULL, value_type INTEGER NOT NULL,"        \
	" int_value INTEGER, double_value REAL, string_value TEXT, bool_value INTEGER,"        \
	" struct_value TEXT, proto_value BLOB, PRIMARY KEY (node_id, is_custom, name));\n"

static const char schema_v1[] =
	"CREATE TABLE mlmd_schema (version INTEGER NOT NULL);\n"
	"CREATE TABLE type (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, name TEXT NOT NULL,"
	" version TEXT NOT NULL DEFAULT '', description TEXT, external_id TEXT UNIQUE,"
	" base_type INTEGER NOT NULL DEFAULT 0, input_type BLOB, output_type BLOB,"
	" UNIQUE (kind, name, version));\n"
	"CREATE TABLE type_property (type_id INTEGER NOT NULL REFERENCES type(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, value_type INTEGER NOT NULL, PRIMARY KEY (type_id, name));\n"
	NODE("artifact", "") NODE("execution", "") NODE("context", " NOT NULL")
	"CREATE INDEX artifact_uri ON artifact (uri);\n"
	"CREATE TABLE event (id INTEGER PRIMARY KEY,"
	" artifact_id INTEGER NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"
	" execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"
	" type INTEGER NOT NULL, time INTEGER NOT NULL, system_metadata BLOB,"
	" UNIQUE (artifact_id, execution_id, type));\n"
	"CREATE INDEX event_execution ON event (execution_id, artifact_id);\n"
	"CREATE TABLE event_path (event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL, step_index INTEGER, step_key TEXT, PRIMARY KEY (event_id, position));\n"
	"CREATE TABLE attribution (context_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" artifact_id INTEGER NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"
	" PRIMARY KEY (context_id, artifact_id));\n"
	"CREATE INDEX attribution_artifact ON attribution (artifact_id, context_id);\n"
	"CREATE TABLE association (context_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"
	" PRIMARY KEY (context_id, execution_id));\n"
	"CREATE INDEX association_execution ON association (execution_id, context_id);\n"
	"CREATE TABLE parent_context (child_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" parent_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" PRIMARY KEY (child_id, parent_id));\n"
	"CREATE INDEX parent_context_parent ON parent_context (parent_id, child_id);\n";

/* Version 2: an index per property value column, for filters. */
#define VALUE_INDEX(T, C) \
	"CREATE INDEX " T "_by_" C " ON " T "_property (name, is_custom, " C ", node_id) WHERE " C " IS NOT NULL;\n"
#define VALUE_INDEXES(T) \
	VALUE_INDEX(T, "int_value") VALUE_INDEX(T, "double_value") VALUE_INDEX(T, "string_value") \
	VALUE_INDEX(T, "bool_value")
#define DROP_INDEXES(T) \
	"DROP INDEX " T "_by_int_value; DROP INDEX " T "_by_double_value;" \
	" DROP INDEX " T "_by_string_value; DROP INDEX " T "_by_bool_value;\n"

static const char schema_v2[] = VALUE_INDEXES("artifact") VALUE_INDEXES("execution") VALUE_INDEXES("context");
static const char schema_v2_down[] = DROP_INDEXES("artifact") DROP_INDEXES("execution") DROP_INDEXES("context");

/* Version 3: the metric history of experiment tracking. */
static const char schema_v3[] =
	"CREATE TABLE metric (id INTEGER PRIMARY KEY,"
	" execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, value REAL);\n"
	"CREATE INDEX metric_run ON metric (execution_id, key, step, timestamp, id);\n";

/* Version 4: governance: the audit chain and the registry's own tables. */
static const char schema_v4[] =
	"CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
	" operation TEXT NOT NULL, ids TEXT NOT NULL, request_sha256 TEXT NOT NULL, prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL);\n"
	"CREATE TABLE audit_archive (import_seq INTEGER NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL,"
	" actor TEXT NOT NULL, operation TEXT NOT NULL, ids TEXT NOT NULL, request_sha256 TEXT NOT NULL,"
	" prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (import_seq, seq));\n"
	"CREATE TABLE alias (model_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (model_id, alias));\n"
	"CREATE TABLE alias_history (id INTEGER PRIMARY KEY,"
	" model_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE, alias TEXT NOT NULL,"
	" old_version INTEGER NOT NULL, new_version INTEGER NOT NULL, time INTEGER NOT NULL,"
	" actor TEXT NOT NULL, request_id INTEGER NOT NULL);\n"
	"CREATE INDEX alias_history_alias ON alias_history (model_id, alias, time, id);\n"
	"CREATE TABLE alias_policy (model_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	" alias TEXT NOT NULL, approvals INTEGER NOT NULL, actor TEXT NOT NULL, time INTEGER NOT NULL,"
	" PRIMARY KEY (model_id, alias));\n"
	"CREATE TABLE alias_policy_require (model_id INTEGER NOT NULL, alias TEXT NOT NULL, key TEXT NOT NULL,"
	" value TEXT NOT NULL, PRIMARY KEY (model_id, alias, key), FOREIGN KEY (model_id, alias)"
	" REFERENCES alias_policy(model_id, alias) ON DELETE CASCADE);\n"
	"CREATE TABLE alias_request (id INTEGER PRIMARY KEY,"
	" model_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE, requester TEXT NOT NULL,"
	" comment TEXT NOT NULL, status INTEGER NOT NULL, create_time INTEGER NOT NULL, decide_time INTEGER);\n"
	"CREATE INDEX alias_request_model ON alias_request (model_id, status, id);\n"
	"CREATE TABLE alias_request_move (request_id INTEGER NOT NULL REFERENCES alias_request(id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,"
	" PRIMARY KEY (request_id, position));\n"
	"CREATE TABLE alias_approval (request_id INTEGER NOT NULL REFERENCES alias_request(id) ON DELETE CASCADE,"
	" actor TEXT NOT NULL, approve INTEGER NOT NULL, comment TEXT NOT NULL, time INTEGER NOT NULL,"
	" PRIMARY KEY (request_id, actor));\n";

/* Version 5: data governance: tombstone columns, labels, the serving gate,
 * retention policies. */
#define CUSTOM_TOMB(T) \
	"ALTER TABLE " T " ADD COLUMN deleted_time INTEGER; ALTER TABLE " T " ADD COLUMN deleted_by TEXT;" \
	" ALTER TABLE " T " ADD COLUMN delete_reason TEXT;\n"
static const char schema_v5[] = CUSTOM_TOMB("artifact") CUSTOM_TOMB("execution") CUSTOM_TOMB("context")
	"CREATE TABLE label (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, node_id INTEGER NOT NULL,"
	" label TEXT NOT NULL, reason TEXT NOT NULL, until_ms INTEGER NOT NULL, propagate INTEGER NOT NULL,"
	" actor TEXT NOT NULL, time INTEGER NOT NULL, UNIQUE (kind, node_id, label));\n"
	"CREATE INDEX label_label ON label (label, id);\n"
	"CREATE TABLE label_reach (label_id INTEGER NOT NULL REFERENCES label(id) ON DELETE CASCADE,"
	" kind INTEGER NOT NULL, node_id INTEGER NOT NULL, distance INTEGER NOT NULL,"
	" PRIMARY KEY (label_id, kind, node_id));\n"
	"CREATE INDEX label_reach_node ON label_reach (kind, node_id, label_id);\n"
	"CREATE TABLE serving_gate (label TEXT PRIMARY KEY);\n"
	"INSERT INTO serving_gate (label) VALUES ('POISONED'), ('EXPIRED'), ('RESTRICTED');\n"
	"CREATE TABLE retention_policy (type_id INTEGER PRIMARY KEY REFERENCES type(id) ON DELETE CASCADE,"
	" kind INTEGER NOT NULL, max_age_ms INTEGER NOT NULL, keep_last INTEGER NOT NULL, actor TEXT NOT NULL,"
	" time INTEGER NOT NULL);\n";
#define CUSTOM_TOMB_DROP(T) \
	" ALTER TABLE " T " DROP COLUMN deleted_time; ALTER TABLE " T " DROP COLUMN deleted_by;" \
	" ALTER TABLE " T " DROP COLUMN delete_reason;"

static const mlmd_schema_step custom_schema[] = {
	{ 1, schema_v1, NULL },
	{ 2, schema_v2, schema_v2_down },
	{ 3, schema_v3, "DROP TABLE metric;" },
	{ 4, schema_v4, "DROP TABLE alias_approval; DROP TABLE alias_request_move; DROP TABLE alias_request;"
	  " DROP TABLE alias_policy_require; DROP TABLE alias_policy; DROP TABLE alias_history; DROP TABLE alias;"
	  " DROP TABLE audit_archive; DROP TABLE audit_log;" },
	{ 5, schema_v5, "DROP TABLE retention_policy; DROP TABLE serving_gate; DROP TABLE label_reach; DROP TABLE label;"
	  CUSTOM_TOMB_DROP("artifact") CUSTOM_TOMB_DROP("execution") CUSTOM_TOMB_DROP("context") },
};

const mlmd_dialect custom_dialect = {
	"custom-sqlite",
	"SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%' ORDER BY name",
	custom_schema,
	(int)(sizeof custom_schema / sizeof *custom_schema),
};

/* ---- errors ---------------------------------------------------------------- */

/* Records SQLite's error as a canonical status (the mapping the interface
 * asks for) and returns its negative. */
static int fail(custom_backend *b, int rc, const char *doing)
{
	int ext = sqlite3_extended_errcode(b->db);
	int code = MLMD_INTERNAL;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = MLMD_ABORTED;
		break;
	case SQLITE_CONSTRAINT:
		code = ext == SQLITE_CONSTRAINT_FOREIGNKEY ? MLMD_FAILED_PRECONDITION
		       : ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? MLMD_ALREADY_EXISTS
											 : MLMD_INVALID_ARGUMENT;
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
		code = MLMD_UNAVAILABLE;
		break;
	}
	return mlmd_error_set(code, "custom backend: %s: %s", doing, sqlite3_errmsg(b->db));
}

static int run(custom_backend *b, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail(b, rc, doing);
}

/* ---- the slots ------------------------------------------------------------- */

static void c_close(mlmd_backend *base)
{
	custom_backend *b = (custom_backend *)base;
	sqlite3_close_v2(b->db);
	free(b);
}

static int c_begin(mlmd_backend *base, int write)
{
	custom_backend *b = (custom_backend *)base;
	if (write && !b->wal) {
		int rc = run(b, "PRAGMA journal_mode = WAL", "journal mode");
		if (rc)
			return rc;
		b->wal = 1;
	}
	return run(b, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin");
}

static int c_commit(mlmd_backend *base)
{
	return run((custom_backend *)base, "COMMIT", "commit");
}

static int c_rollback(mlmd_backend *base)
{
	custom_backend *b = (custom_backend *)base;
	return sqlite3_get_autocommit(b->db) ? 0 : run(b, "ROLLBACK", "rollback");
}

static int c_exec(mlmd_backend *base, const char *sql)
{
	return run((custom_backend *)base, sql, "exec");
}

static int c_prepare(mlmd_backend *base, const char *sql, mlmd_backend_stmt **out)
{
	custom_backend *b = (custom_backend *)base;
	mlmd_backend_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return mlmd_error_set(MLMD_RESOURCE_EXHAUSTED, "custom backend: out of memory");
	int rc = sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
	if (rc != SQLITE_OK) {
		free(s);
		return fail(b, rc, "prepare");
	}
	s->b = b;
	*out = s;
	return 0;
}

static int bound(mlmd_backend_stmt *s, int rc)
{
	return rc == SQLITE_OK ? 0 : fail(s->b, rc, "bind");
}

static int c_bind_null(mlmd_backend_stmt *s, int i)
{
	return bound(s, sqlite3_bind_null(s->st, i));
}

static int c_bind_int64(mlmd_backend_stmt *s, int i, int64_t v)
{
	return bound(s, sqlite3_bind_int64(s->st, i, v));
}

static int c_bind_double(mlmd_backend_stmt *s, int i, double v)
{
	return bound(s, sqlite3_bind_double(s->st, i, v));
}

static int c_bind_text(mlmd_backend_stmt *s, int i, const char *v, size_t n)
{
	return bound(s, sqlite3_bind_text64(s->st, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int c_bind_blob(mlmd_backend_stmt *s, int i, const void *v, size_t n)
{
	return bound(s, sqlite3_bind_blob64(s->st, i, v, n, SQLITE_TRANSIENT));
}

static int c_step(mlmd_backend_stmt *s)
{
	int rc = sqlite3_step(s->st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fail(s->b, rc, "step");
}

static int c_column_type(mlmd_backend_stmt *s, int col)
{
	switch (sqlite3_column_type(s->st, col)) {
	case SQLITE_INTEGER: return MLMD_COL_INT;
	case SQLITE_FLOAT: return MLMD_COL_DOUBLE;
	case SQLITE_TEXT: return MLMD_COL_TEXT;
	case SQLITE_BLOB: return MLMD_COL_BLOB;
	default: return MLMD_COL_NULL;
	}
}

static int64_t c_column_int64(mlmd_backend_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static double c_column_double(mlmd_backend_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

static const char *c_column_text(mlmd_backend_stmt *s, int col, size_t *len)
{
	const char *p = (const char *)sqlite3_column_text(s->st, col);
	if (len)
		*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static const void *c_column_blob(mlmd_backend_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s->st, col);
	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static int c_reset(mlmd_backend_stmt *s)
{
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	return 0;
}

static void c_finalize(mlmd_backend_stmt *s)
{
	if (s) {
		sqlite3_finalize(s->st);
		free(s);
	}
}

static int64_t c_changes(mlmd_backend *base)
{
	return sqlite3_changes64(((custom_backend *)base)->db);
}

static const mlmd_backend custom_vtable = {
	.version = MLMD_BACKEND_VERSION,
	.dialect = &custom_dialect,
	.close = c_close,
	.begin = c_begin,
	.commit = c_commit,
	.rollback = c_rollback,
	.exec = c_exec,
	.prepare = c_prepare,
	.bind_null = c_bind_null,
	.bind_int64 = c_bind_int64,
	.bind_double = c_bind_double,
	.bind_text = c_bind_text,
	.bind_blob = c_bind_blob,
	.step = c_step,
	.column_type = c_column_type,
	.column_int64 = c_column_int64,
	.column_double = c_column_double,
	.column_text = c_column_text,
	.column_blob = c_column_blob,
	.reset = c_reset,
	.finalize = c_finalize,
	.changes = c_changes,
	/* last_insert_id, step_deferred, reserve_ids: optional, left NULL */
};

int custom_backend_open(mlmd_backend **out, const char *path)
{
	*out = NULL;
	custom_backend *b = calloc(1, sizeof *b);
	if (!b)
		return mlmd_error_set(MLMD_RESOURCE_EXHAUSTED, "custom backend: out of memory");
	b->base = custom_vtable;
	int rc = sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = b->db ? fail(b, rc, "open") : mlmd_error_set(MLMD_RESOURCE_EXHAUSTED, "custom backend: open");
		c_close(&b->base);
		return rc;
	}
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, 10000);
	rc = run(b, "PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON; PRAGMA synchronous = NORMAL",
		 "configure");
	if (rc) {
		c_close(&b->base);
		return rc;
	}
	*out = &b->base;
	return 0;
}

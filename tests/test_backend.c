/*
 * tests/test_backend.c - stores on a backend the host supplies
 * (mlmd_store_open_backend), with the backend of tests/backend_custom.c:
 * who owns it, what the core checks before using it (versions, slots, the
 * dialect's schema), errors reported with mlmd_error_set(), and that the
 * schema really is the dialect's. The conformance suites run on the same
 * backend with MLMD_TEST_BACKEND=custom (make check-backends).
 */
#include "helpers.h"
#include <sqlite3.h>

/* A fresh custom backend on a new temporary file (*path to remove). */
static mlmd_backend *custom(char **path)
{
	*path = tmp_path("custom");
	mlmd_backend *b = NULL;
	OK(custom_backend_open(&b, *path));
	return b;
}

/* Whether the SQLite file at `path` has a schema object called `name`. */
static int has_object(const char *path, const char *name)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/* The store works on the host's backend, its schema is the one the
 * dialect brought, and the library's own SQLite backend reads the file. */
static void store_runs_on_a_host_backend_with_its_ddl(void **st)
{
	(void)st;
	char *path;
	mlmd_backend *b = custom(&path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	mlmd_store *s = NULL;
	OK(mlmd_store_open_backend(&s, b, &o));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	int64_t t = artifact_type(s, "Data", 1, "n", MLMD__PB__PROPERTY_TYPE__INT);
	int64_t id = 0;
	Mlmd__Pb__Artifact *a = new_artifact(t, "/d/1");
	OK(mlmd_node_set_int(a, 0, "n", 7));
	OK(put_artifact(s, a, &id));
	mlmd_store_free(s); /* closes the backend: the store owned it */
	/* the custom DDL's own names, not the library's */
	assert_true(has_object(path, "artifact_uri"));
	assert_false(has_object(path, "artifact_by_uri"));
	assert_true(has_object(path, "artifact_by_int_value"));
	s = open_file(path);
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_non_null(g);
	assert_string_equal(g->uri, "/d/1");
	assert_int_equal(mlmd_node_get(g, 0, "n")->int_value, 7);
	mlmd_message_free(g);
	mlmd_store_free(s);
	tmp_remove(path);
}

/* On failure the caller still owns the backend (closing it here is not a
 * double free under ASan); a NULL backend or out is refused. */
static void failed_open_leaves_the_backend_to_the_caller(void **st)
{
	(void)st;
	char *path;
	mlmd_backend *b = custom(&path);
	static char sentinel;
	mlmd_store *s = (mlmd_store *)(void *)&sentinel; /* set to NULL on failure */
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.read_only = 1; /* an empty database cannot be prepared read-only */
	FAILS(mlmd_store_open_backend(&s, b, &o), MLMD_FAILED_PRECONDITION, "read-only");
	assert_null(s);
	FAILS(mlmd_store_open_backend(&s, NULL, NULL), MLMD_INVALID_ARGUMENT, "backend is NULL");
	FAILS(mlmd_store_open_backend(NULL, b, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	/* NULL options are the defaults */
	OK(mlmd_store_open_backend(&s, b, NULL));
	mlmd_store_free(s);
	tmp_remove(path);
}

/* A zero or unknown version is INVALID_ARGUMENT naming the struct: the
 * backend's and the options'. */
static void versions_are_checked(void **st)
{
	(void)st;
	char *path;
	mlmd_backend *b = custom(&path);
	mlmd_store *s = NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	b->version = 0;
	FAILS(mlmd_store_open_backend(&s, b, &o), MLMD_INVALID_ARGUMENT, "mlmd_backend.version 0 is not supported");
	b->version = MLMD_BACKEND_VERSION + 1;
	FAILS(mlmd_store_open_backend(&s, b, &o), MLMD_INVALID_ARGUMENT, "MLMD_BACKEND_VERSION");
	b->version = MLMD_BACKEND_VERSION;
	o.version = 0;
	FAILS(mlmd_store_open_backend(&s, b, &o), MLMD_INVALID_ARGUMENT, "mlmd_store_options.version 0");
	o.version = MLMD_STORE_OPTIONS_VERSION + 1;
	FAILS(mlmd_store_open_backend(&s, b, &o), MLMD_INVALID_ARGUMENT, "mlmd_store_options.version");
	/* the same check on mlmd_store_open */
	mlmd_store_options u = MLMD_STORE_OPTIONS_INIT;
	u.uri = "sqlite::memory:";
	u.version = 0;
	FAILS(mlmd_store_open(&s, &u), MLMD_INVALID_ARGUMENT, "mlmd_store_options.version 0 is not supported");
	assert_null(s);
	b->close(b);
	tmp_remove(path);
}

/* Required slots and the dialect are checked before anything runs. */
static void slots_and_dialect_are_checked(void **st)
{
	(void)st;
	char *path;
	mlmd_backend *b = custom(&path);
	mlmd_store *s = NULL;
	int (*step)(mlmd_backend_stmt *) = b->step;
	b->step = NULL;
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_INVALID_ARGUMENT, "mlmd_backend.step is NULL");
	b->step = step;
	const mlmd_dialect *keep = b->dialect;
	b->dialect = NULL;
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_INVALID_ARGUMENT, "mlmd_backend.dialect is NULL");
	mlmd_dialect d = custom_dialect;
	b->dialect = &d;
	d.n_schema = 1;
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_INVALID_ARGUMENT, "this library needs versions 1..2");
	d = custom_dialect;
	mlmd_schema_step steps[2] = { custom_dialect.schema[1], custom_dialect.schema[0] };
	d.schema = steps;
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_INVALID_ARGUMENT, "must lead to version 1");
	d = custom_dialect;
	d.tables_sql = NULL;
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_INVALID_ARGUMENT, "tables_sql is NULL");
	/* nothing was written to the database by any of these */
	assert_false(has_object(path, "mlmd_schema"));
	b->dialect = keep;
	OK(mlmd_store_open_backend(&s, b, NULL));
	mlmd_store_free(s);
	tmp_remove(path);
}

/* A backend's own failure reaches the caller with its code and message. */
static int exec_fails(mlmd_backend *b, const char *sql)
{
	(void)b;
	(void)sql;
	return mlmd_error_set(MLMD_UNAVAILABLE, "the disk %s is gone", "sdz");
}

static void backend_errors_reach_the_caller(void **st)
{
	(void)st;
	char *path;
	mlmd_backend *b = custom(&path);
	mlmd_store *s = NULL;
	b->exec = exec_fails; /* the DDL cannot run */
	FAILS(mlmd_store_open_backend(&s, b, NULL), MLMD_UNAVAILABLE, "the disk sdz is gone");
	assert_non_null(strstr(mlmd_error_message(), "schema migration to version 1"));
	b->close(b);
	tmp_remove(path);
}

static void error_set_records_code_and_message(void **st)
{
	(void)st;
	assert_int_equal(mlmd_error_set(MLMD_ABORTED, "table '%s' is locked", "t"), -MLMD_ABORTED);
	assert_int_equal(mlmd_error_last()->code, MLMD_ABORTED);
	assert_string_equal(mlmd_error_message(), "table 't' is locked");
	assert_int_equal(mlmd_error_set(-MLMD_NOT_FOUND, "x"), -MLMD_NOT_FOUND); /* either sign */
	assert_int_equal(mlmd_error_set(0, "no code"), -MLMD_UNKNOWN);
	assert_int_equal(mlmd_error_set(99, "not canonical"), -MLMD_UNKNOWN);
	assert_int_equal(mlmd_error_last()->code, MLMD_UNKNOWN);
	assert_string_equal(mlmd_error_message(), "not canonical");
	mlmd_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_runs_on_a_host_backend_with_its_ddl),
		cmocka_unit_test(failed_open_leaves_the_backend_to_the_caller),
		cmocka_unit_test(versions_are_checked),
		cmocka_unit_test(slots_and_dialect_are_checked),
		cmocka_unit_test(backend_errors_reach_the_caller),
		cmocka_unit_test(error_set_records_code_and_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

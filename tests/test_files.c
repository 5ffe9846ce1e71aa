/*
 * tests/test_files.c - what opening a store does to the database it names.
 *
 * A database that is not an mlmd store (another application's, Google
 * MLMD's) is refused and left exactly as it was: same bytes, same journal
 * mode. A read-only open writes nothing. A WAL store on read-only media can
 * still be read. A damaged version record is reported as such.
 *
 * The SQLite cases use their own files whatever the backend; with
 * MLMD_TEST_BACKEND=postgresql the database cases also run on the server.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "helpers.h"

/* The whole file, or NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (!f)
		return NULL;
	size_t cap = 4096;
	char *p = malloc(cap);
	size_t n;
	while ((n = fread(p + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len == cap)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	return p;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void sql(const char *path, const char *text)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", text, err);
	sqlite3_close(db);
}

/* Whether the file's header says WAL (bytes 18 and 19 are 2) or rollback
 * journal (1), read from the bytes so that looking opens no connection
 * (a reader of a WAL file would create its -wal and -shm). The journal mode
 * a file keeps is exactly this: DELETE, TRUNCATE and PERSIST are settings
 * of a connection. */
static int journal_is(const char *path, const char *mode)
{
	size_t n;
	unsigned char *p = (unsigned char *)slurp(path, &n);
	assert_non_null(p);
	assert_true(n >= 100);
	int wal = p[18] == 2 && p[19] == 2;
	assert_true(wal || (p[18] == 1 && p[19] == 1));
	free(p);
	return wal == (strcmp(mode, "wal") == 0);
}

static int open_path(const char *path, int read_only, mlmd_store **s)
{
	char uri[1200];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.read_only = read_only;
	*s = NULL;
	return mlmd_store_open(s, &o);
}

/* Opens `path` read-write and read-only, both refused with `code` and a
 * message naming `needle`, and checks the file kept its bytes, its journal
 * mode ("delete") and got no -wal or -shm beside it. */
static void refused_unchanged(const char *path, int code, const char *needle)
{
	size_t n0, n1;
	char *before = slurp(path, &n0), wal[1100], shm[1100];
	assert_non_null(before);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	for (int ro = 0; ro < 2; ro++) {
		mlmd_store *s;
		FAILS(open_path(path, ro, &s), code, needle);
		assert_null(s);
		char *after = slurp(path, &n1);
		assert_int_equal(n0, n1);
		assert_memory_equal(before, after, n0);
		free(after);
		assert_true(journal_is(path, "delete"));
		assert_false(exists(wal));
		assert_false(exists(shm));
	}
	free(before);
}

static void another_applications_file_is_refused_unchanged(void **st)
{
	(void)st;
	char *path = tmp_path("foreign");
	sql(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
		  "INSERT INTO users (name) VALUES ('ada'), ('grace');");
	refused_unchanged(path, MLMD_FAILED_PRECONDITION, "such as 'users'");
	refused_unchanged(path, MLMD_FAILED_PRECONDITION, "not an mlmd store");
	/* a table named like one of ours does not make it ours */
	sql(path, "CREATE TABLE artifact (x);");
	refused_unchanged(path, MLMD_FAILED_PRECONDITION, "not an mlmd store");
	tmp_remove(path);
}

/* A file that is not SQLite at all is reported, not overwritten. */
static void a_file_that_is_not_a_database_is_left_alone(void **st)
{
	(void)st;
	char *path = tmp_path("text");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("not a database, just some text that someone cares about\n", f);
	fclose(f);
	size_t n0, n1;
	char *before = slurp(path, &n0);
	for (int ro = 0; ro < 2; ro++) {
		mlmd_store *s;
		FAILS(open_path(path, ro, &s), MLMD_DATA_LOSS, "not a database");
		char *after = slurp(path, &n1);
		assert_int_equal(n0, n1);
		assert_memory_equal(before, after, n0);
		free(after);
	}
	free(before);
	tmp_remove(path);
}

static void google_mlmd_file_is_refused_unchanged(void **st)
{
	(void)st;
	char *path = tmp_path("google");
	sql(path, "CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY);"
		  "INSERT INTO MLMDEnv VALUES (10);"
		  "CREATE TABLE Artifact (id INTEGER PRIMARY KEY, type_id INT NOT NULL, uri TEXT);");
	refused_unchanged(path, MLMD_FAILED_PRECONDITION, "Google MLMD");
	refused_unchanged(path, MLMD_FAILED_PRECONDITION, "mlmd import-mlmd");
	tmp_remove(path);
}

/* A version of 0 or "abc" is a damaged record, not an empty database (it
 * used to run the DDL again and fail with INTERNAL "table already exists"). */
static void damaged_version_record_is_data_loss(void **st)
{
	(void)st;
	const char *bad[] = { "UPDATE mlmd_schema SET version = 0", "UPDATE mlmd_schema SET version = 'abc'",
			      "UPDATE mlmd_schema SET version = -3", "UPDATE mlmd_schema SET version = 2.5" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *path = tmp_path("version");
		mlmd_store_free(open_file(path));
		sql(path, "PRAGMA journal_mode = DELETE");
		sql(path, bad[i]);
		refused_unchanged(path, MLMD_DATA_LOSS, "not a positive schema version");
		tmp_remove(path);
	}
}

/* Our own store: a read-only open reads it and writes nothing, not even the
 * journal mode; a read-write open switches to WAL only with its first write. */
static void read_only_open_writes_nothing(void **st)
{
	(void)st;
	char *path = tmp_path("ro");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "Kept", 0);
	OK(put_artifact(s, new_artifact(t, "/kept"), NULL));
	mlmd_store_free(s);
	sql(path, "PRAGMA journal_mode = DELETE"); /* as a copy made elsewhere may be */
	size_t n0, n1;
	char *before = slurp(path, &n0);
	OK(open_path(path, 1, &s));
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifacts, 1);
	mlmd_message_free(rs);
	FAILS(put_artifact(s, new_artifact(t, "/no"), NULL), MLMD_FAILED_PRECONDITION, "read-only");
	mlmd_store_free(s);
	char *after = slurp(path, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(after);
	assert_true(journal_is(path, "delete"));

	/* read-write, reads only: still untouched; the first write turns on WAL */
	OK(open_path(path, 0, &s));
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	mlmd_message_free(rs);
	assert_true(journal_is(path, "delete"));
	OK(put_artifact(s, new_artifact(t, "/yes"), NULL));
	assert_true(journal_is(path, "wal"));
	mlmd_store_free(s);
	free(before);

	/* an empty file opened read-only is refused and stays empty */
	char *empty = tmp_path("empty");
	close(open(empty, O_CREAT | O_WRONLY, 0644));
	FAILS(open_path(empty, 1, &s), MLMD_FAILED_PRECONDITION, "empty");
	struct stat sb;
	assert_int_equal(stat(empty, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	tmp_remove(empty);
	tmp_remove(path);
}

/* ---- WAL stores on read-only media ---------------------------------------------- */

/* Copies a file (fails the test if it cannot). */
static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *p = slurp(from, &n);
	assert_non_null(p);
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
	free(p);
}

/*
 * In a child that cannot write `dir` (as root, after switching to the user
 * nobody: chmod alone does not stop root), opens `db` read-only and lists
 * its artifacts. Exit status: 0 read, with `want` artifacts; 3 refused with
 * the code `refuse` (when nonzero); 77 the directory was writable after
 * all; other values are failures (the message is on stderr).
 */
static int read_in_child(const char *dir, const char *db, size_t want, int refuse)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(76);
		char probe[1100];
		snprintf(probe, sizeof probe, "%s/probe", dir);
		int fd = open(probe, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			close(fd);
			unlink(probe);
			_exit(77);
		}
		mlmd_store *s;
		int rc = open_path(db, 1, &s);
		if (rc) {
			if (!refuse || rc != -refuse || !strstr(mlmd_error_message(), "-wal"))
				fprintf(stderr, "child: open: %s\n", mlmd_error_message());
			_exit(refuse && rc == -refuse && strstr(mlmd_error_message(), "-wal") ? 3 : 1);
		}
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs;
		rc = mlmd_store_get_artifacts(s, &rq, &rs);
		if (rc) {
			fprintf(stderr, "child: read: %s\n", mlmd_error_message());
			_exit(1);
		}
		int ok = rs->n_artifacts == want;
		if (!ok)
			fprintf(stderr, "child: %zu artifacts, expected %zu\n", rs->n_artifacts, want);
		mlmd_message_free(rs);
		mlmd_store_free(s);
		_exit(ok ? 0 : 2);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void wal_store_on_read_only_media_can_be_read(void **st)
{
	(void)st;
	const char *base = getenv("MLMD_TEST_TMP") ? getenv("MLMD_TEST_TMP") : "/tmp";
	char dir[1024], db[1100], wal[1200], shm[1200];
	snprintf(dir, sizeof dir, "%s/mlmd-romedia-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(db, sizeof db, "%s/store.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	/* a WAL store, closed cleanly: the file alone, no -wal, no -shm */
	mlmd_store *s;
	OK(open_path(db, 0, &s));
	int64_t t = artifact_type(s, "OnDisc", 0);
	OK(put_artifact(s, new_artifact(t, "/a"), NULL));
	OK(put_artifact(s, new_artifact(t, "/b"), NULL));
	mlmd_store_free(s);
	assert_true(journal_is(db, "wal"));
	assert_false(exists(wal));
	assert_false(exists(shm));
	assert_int_equal(chmod(db, 0444), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	int rc = read_in_child(dir, db, 2, 0);
	if (rc == 77) {
		chmod(dir, 0755);
		fprintf(stderr, "SKIPPED: wal_store_on_read_only_media_can_be_read: %s stays writable for this "
				"process even as user nobody; the read-only media case was NOT tested\n", dir);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_false(exists(wal)); /* nothing was created beside it */
	assert_false(exists(shm));

	/* committed changes still in a -wal, and no -shm: refused, naming what to do */
	assert_int_equal(chmod(dir, 0755), 0);
	char src[1100], srcwal[1200], db2[1100];
	snprintf(src, sizeof src, "%s/live.db", dir);
	snprintf(srcwal, sizeof srcwal, "%s-wal", src);
	snprintf(db2, sizeof db2, "%s/pending.db", dir);
	OK(open_path(src, 0, &s));
	t = artifact_type(s, "Pending", 0);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(src, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA wal_autocheckpoint = 0", NULL, NULL, NULL), SQLITE_OK);
	OK(put_artifact(s, new_artifact(t, "/only-in-wal"), NULL));
	copy_file(src, db2); /* copied while open: the artifact is only in the -wal */
	char db2wal[1200];
	snprintf(db2wal, sizeof db2wal, "%s-wal", db2);
	copy_file(srcwal, db2wal);
	sqlite3_close(raw);
	mlmd_store_free(s);
	chmod(db2, 0444);
	chmod(db2wal, 0444);
	assert_int_equal(chmod(dir, 0555), 0);
	rc = read_in_child(dir, db2, 1, MLMD_FAILED_PRECONDITION);
	assert_int_equal(rc, 3);

	chmod(dir, 0755);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the same on PostgreSQL ------------------------------------------------------- */

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static PGconn *pg_connect(const char *db)
{
	char uri[1200];
	snprintf(uri, sizeof uri, "%s/%s", getenv("MLMD_TEST_POSTGRES"), db);
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", uri, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void pg_exec(PGconn *c, const char *text)
{
	PGresult *r = PQexec(c, text);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", text, PQresultErrorMessage(r));
	PQclear(r);
}

static int pg_count(PGconn *c, const char *text)
{
	PGresult *r = PQexec(c, text);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", text, PQresultErrorMessage(r));
	int n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static void postgres_foreign_database_is_refused_and_read_only_writes_nothing(void **st)
{
	(void)st;
	if (!backend_is_pg())
		skip();
	char name[64], uri[1200];
	snprintf(name, sizeof name, "mlmd_t_%d_foreign", (int)getpid());
	PGconn *admin = pg_connect("postgres");
	char q[256];
	snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s", name);
	pg_exec(admin, q);
	snprintf(q, sizeof q, "CREATE DATABASE %s", name);
	pg_exec(admin, q);
	PGconn *c = pg_connect(name);
	pg_exec(c, "CREATE TABLE users (id INT)");
	snprintf(uri, sizeof uri, "%s/%s", getenv("MLMD_TEST_POSTGRES"), name);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "such as 'users'");
	o.read_only = 1;
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "not an mlmd store");
	const char *count_tables =
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()";
	assert_int_equal(pg_count(c, count_tables), 1);
	/* an empty database opened read-only: refused, nothing created */
	pg_exec(c, "DROP TABLE users");
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "empty");
	assert_int_equal(pg_count(c, count_tables), 0);
	/* a database that does not exist is not created by a read-only open */
	char missing[1200];
	snprintf(missing, sizeof missing, "%s/mlmd_t_%d_missing", getenv("MLMD_TEST_POSTGRES"), (int)getpid());
	o.uri = missing;
	assert_int_not_equal(mlmd_store_open(&s, &o), 0);
	snprintf(q, sizeof q, "SELECT count(*) FROM pg_database WHERE datname = 'mlmd_t_%d_missing'", (int)getpid());
	assert_int_equal(pg_count(admin, q), 0);
	/* a store: read-only reads it and refuses writes */
	o.read_only = 0;
	o.uri = uri;
	OK(mlmd_store_open(&s, &o));
	int64_t t = artifact_type(s, "PgKept", 0);
	OK(put_artifact(s, new_artifact(t, "/pg"), NULL));
	mlmd_store_free(s);
	o.read_only = 1;
	OK(mlmd_store_open(&s, &o));
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifacts, 1);
	mlmd_message_free(rs);
	FAILS(put_artifact(s, new_artifact(t, "/no"), NULL), MLMD_FAILED_PRECONDITION, "read-only");
	mlmd_store_free(s);
	PQfinish(c);
	snprintf(q, sizeof q, "DROP DATABASE %s", name);
	pg_exec(admin, q);
	PQfinish(admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(another_applications_file_is_refused_unchanged),
		cmocka_unit_test(google_mlmd_file_is_refused_unchanged),
		cmocka_unit_test(a_file_that_is_not_a_database_is_left_alone),
		cmocka_unit_test(damaged_version_record_is_data_loss),
		cmocka_unit_test(read_only_open_writes_nothing),
		cmocka_unit_test(wal_store_on_read_only_media_can_be_read),
		cmocka_unit_test(postgres_foreign_database_is_refused_and_read_only_writes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

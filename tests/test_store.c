/* tests/test_store.c - the FFI surface, bad input, files, schema, processes, locks. */
#include <sqlite3.h>
#include <sys/wait.h>
#include "helpers.h"
#include "store/store_private.h" /* the backend (to switch off its optional last_insert_id slot), migrations */

static size_t pack_config(Mlmd__Pb__ConnectionConfig *c, uint8_t *buf)
{
	return mlmd__pb__connection_config__pack(c, buf);
}

static void open_config_variants(void **st)
{
	(void)st;
	uint8_t buf[512];
	mlmd_store *s = NULL;
	Mlmd__Pb__ConnectionConfig c = MLMD__PB__CONNECTION_CONFIG__INIT;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_INVALID_ARGUMENT, "no backend set");
	assert_null(s);
	Mlmd__Pb__FakeDatabaseConfig fake = MLMD__PB__FAKE_DATABASE_CONFIG__INIT;
	c.config_case = MLMD__PB__CONNECTION_CONFIG__CONFIG_FAKE_DATABASE;
	c.fake_database = &fake;
	OK(mlmd_store_open_config(&s, buf, pack_config(&c, buf)));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	mlmd_store_free(s);
	Mlmd__Pb__SqliteMetadataSourceConfig sq = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__INIT;
	c.config_case = MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE;
	c.sqlite = &sq;
	OK(mlmd_store_open_config(&s, buf, pack_config(&c, buf))); /* empty filename_uri: memory */
	mlmd_store_free(s);
	char *path = tmp_path("cfg");
	sq.filename_uri = path;
	sq.has_connection_mode = 1;
	sq.connection_mode = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE;
	s = NULL;
	assert_true(mlmd_store_open_config(&s, buf, pack_config(&c, buf)) < 0); /* missing file, no create */
	assert_null(s);
	sq.connection_mode = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE_OPENCREATE;
	OK(mlmd_store_open_config(&s, buf, pack_config(&c, buf)));
	int64_t t = artifact_type(s, "T", 0);
	assert_true(t > 0);
	mlmd_store_free(s);
	sq.connection_mode = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READONLY;
	OK(mlmd_store_open_config(&s, buf, pack_config(&c, buf)));
	Mlmd__Pb__ArtifactType at = MLMD__PB__ARTIFACT_TYPE__INIT;
	at.name = "U";
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs;
	rq.artifact_type = &at;
	FAILS(mlmd_store_put_artifact_type(s, &rq, &rs), MLMD_FAILED_PRECONDITION, "read-only");
	Mlmd__Pb__GetArtifactTypesRequest g = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *gr;
	OK(mlmd_store_get_artifact_types(s, &g, &gr));
	assert_int_equal(gr->n_artifact_types, 1);
	mlmd_message_free(gr);
	mlmd_store_free(s);
	FAILS(mlmd_store_open_config(&s, "\xff\xff\xff", 3), MLMD_INVALID_ARGUMENT, "do not parse");
	Mlmd__Pb__PostgreSQLDatabaseConfig pg = MLMD__PB__POSTGRE_SQLDATABASE_CONFIG__INIT;
	c.config_case = MLMD__PB__CONNECTION_CONFIG__CONFIG_POSTGRESQL;
	c.postgresql = &pg;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_INVALID_ARGUMENT, "postgresql.dbname is required");
	/* a server that is not there: UNAVAILABLE, naming it */
	pg.host = "127.0.0.1";
	pg.port = "1";
	pg.dbname = "mlmd";
	pg.has_skip_db_creation = pg.skip_db_creation = 1;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_UNAVAILABLE, "PostgreSQL server 127.0.0.1:1/mlmd");
	mlmd_store_options o2 = MLMD_STORE_OPTIONS_INIT;
	o2.uri = "postgresql://nobody@127.0.0.1:1/mlmd";
	o2.no_create = 1;
	FAILS(mlmd_store_open(&s, &o2), MLMD_UNAVAILABLE, "127.0.0.1:1/mlmd");
	tmp_remove(path);
}

static void call_by_name_round_trips_bytes(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType at = MLMD__PB__ARTIFACT_TYPE__INIT;
	at.name = "Bytes";
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	rq.artifact_type = &at;
	uint8_t buf[256];
	size_t n = mlmd__pb__put_artifact_type_request__pack(&rq, buf);
	void *out = NULL;
	size_t out_len = 0;
	OK(mlmd_store_call(s, "PutArtifactType", buf, n, &out, &out_len));
	Mlmd__Pb__PutArtifactTypeResponse *rs = mlmd__pb__put_artifact_type_response__unpack(NULL, out_len, out);
	assert_non_null(rs);
	assert_true(rs->has_type_id && rs->type_id > 0);
	mlmd__pb__put_artifact_type_response__free_unpacked(rs, NULL);
	mlmd_buffer_free(out);
	/* an empty request is a valid (empty) message */
	OK(mlmd_store_call(s, "GetArtifactTypes", NULL, 0, &out, &out_len));
	Mlmd__Pb__GetArtifactTypesResponse *gr = mlmd__pb__get_artifact_types_response__unpack(NULL, out_len, out);
	assert_int_equal(gr->n_artifact_types, 1);
	mlmd__pb__get_artifact_types_response__free_unpacked(gr, NULL);
	mlmd_buffer_free(out);
	mlmd_store_free(s);
}

/* The RPC table a server routes by: MLMD's methods first under their
 * service, ours under theirs, every one callable by name, writes as in
 * rpc_list.h. */
static void rpcs_are_described_for_routing(void **st)
{
	(void)st;
	static const struct { const char *m; int writes; } mlmd_rpcs[] = {
#define ROW(M, snake, w) { #M, w },
		MLMD_RPC_LIST(ROW)
#undef ROW
	};
	size_t n_mlmd = sizeof mlmd_rpcs / sizeof *mlmd_rpcs;
	assert_true(mlmd_rpc_count() > n_mlmd);
	mlmd_rpc_info info;
	for (size_t i = 0; i < n_mlmd; i++) {
		OK(mlmd_rpc_at(i, &info));
		assert_string_equal(info.service, "ml_metadata.MetadataStoreService");
		assert_string_equal(info.method, mlmd_rpcs[i].m);
		assert_int_equal(info.writes, mlmd_rpcs[i].writes);
	}
	mlmd_store *s = open_memory();
	for (size_t i = 0; i < mlmd_rpc_count(); i++) {
		OK(mlmd_rpc_at(i, &info));
		mlmd_rpc_info again;
		OK(mlmd_rpc_lookup(info.method, &again));
		assert_string_equal(again.service, info.service);
		assert_int_equal(again.writes, info.writes);
		void *out = NULL;
		size_t len = 0;
		int rc = mlmd_store_call(s, info.method, NULL, 0, &out, &len);
		assert_int_not_equal(rc, -MLMD_UNIMPLEMENTED);
		mlmd_buffer_free(out);
	}
	mlmd_store_free(s);
	OK(mlmd_rpc_lookup("SetAliases", &info));
	assert_string_equal(info.service, "mlmd.governance.RegistryService");
	assert_int_equal(info.writes, 1);
	OK(mlmd_rpc_lookup("StartRun", &info));
	assert_string_equal(info.service, "mlmd.tracking.TrackingService");
	OK(mlmd_rpc_lookup("GetAuditLog", &info));
	assert_string_equal(info.service, "mlmd.governance.AuditService");
	assert_int_equal(info.writes, 0);
	assert_int_equal(mlmd_rpc_lookup("PutArtifact", &info), -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_last()->message, "PutArtifact"));
	assert_int_equal(mlmd_rpc_at(mlmd_rpc_count(), &info), -MLMD_OUT_OF_RANGE);
	assert_int_equal(mlmd_rpc_lookup(NULL, &info), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_rpc_at(0, NULL), -MLMD_INVALID_ARGUMENT);
}

static void bad_input_gets_clear_errors(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	void *out = (void *)1;
	size_t out_len = 7;
	FAILS(mlmd_store_call(s, "NoSuchMethod", NULL, 0, &out, &out_len), MLMD_UNIMPLEMENTED, "unknown method 'NoSuchMethod'");
	assert_null(out);
	assert_int_equal(out_len, 0);
	FAILS(mlmd_store_call(s, "PutArtifacts", "\x0a\xff\xff\xff\xff\x0f", 6, &out, &out_len), MLMD_INVALID_ARGUMENT,
	      "do not parse as ml_metadata.PutArtifactsRequest");
	/* a valid request cut short */
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = 1;
	a.uri = "/some/long/uri/value";
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &ap;
	uint8_t buf[256];
	size_t n = mlmd__pb__put_artifacts_request__pack(&rq, buf);
	for (size_t cut = 1; cut < n; cut++)
		assert_true(mlmd_store_call(s, "PutArtifacts", buf, cut, &out, &out_len) < 0);
	/* random garbage never crashes, whatever it parses as */
	srandom(7);
	for (int i = 0; i < 2000; i++) {
		uint8_t junk[64];
		size_t len = (size_t)(random() % 64);
		for (size_t j = 0; j < len; j++)
			junk[j] = (uint8_t)random();
		const char *methods[] = { "PutArtifacts", "PutExecution", "GetArtifacts", "PutEvents", "PutTypes",
					  "PutParentContexts", "GetContextsByID", "PutLineageSubgraph" };
		int rc = mlmd_store_call(s, methods[i % 8], junk, len, &out, &out_len);
		if (rc == 0)
			mlmd_buffer_free(out);
		else
			assert_true(mlmd_error_last()->code > 0 && mlmd_error_message()[0]);
	}
	FAILS(mlmd_store_call(NULL, "GetArtifacts", NULL, 0, &out, &out_len), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_store_call(s, NULL, NULL, 0, &out, &out_len), MLMD_INVALID_ARGUMENT, "method is NULL");
	FAILS(mlmd_store_call(s, "GetArtifacts", NULL, 5, &out, &out_len), MLMD_INVALID_ARGUMENT, "request is NULL");
	FAILS(mlmd_store_call(s, "GetArtifacts", NULL, 0, NULL, &out_len), MLMD_INVALID_ARGUMENT, "required");
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	mlmd_store *t = NULL;
	o.uri = "mysql://x";
	FAILS(mlmd_store_open(&t, &o), MLMD_INVALID_ARGUMENT, "unknown scheme");
	o.version = 99;
	o.uri = "sqlite::memory:";
	FAILS(mlmd_store_open(&t, &o), MLMD_INVALID_ARGUMENT, "MLMD_STORE_OPTIONS_INIT");
	/* a typed call given the wrong message type */
	Mlmd__Pb__GetArtifactsRequest wrong = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *prs;
	FAILS(mlmd_store_put_artifacts(s, (const Mlmd__Pb__PutArtifactsRequest *)&wrong, &prs), MLMD_INVALID_ARGUMENT,
	      "expected ml_metadata.PutArtifactsRequest");
	mlmd_store_free(s);
}

static void file_store_persists_across_reopen(void **st)
{
	(void)st;
	char *path = tmp_path("persist");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "Kept", 1, "n", MLMD__PB__PROPERTY_TYPE__INT);
	Mlmd__Pb__Artifact *a = new_artifact(t, "/kept");
	OK(mlmd_node_set_int(a, 0, "n", 5));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	mlmd_store_free(s);
	s = open_file(path);
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_non_null(g);
	assert_string_equal(g->uri, "/kept");
	assert_int_equal(mlmd_node_get(g, 0, "n")->int_value, 5);
	mlmd_message_free(g);
	mlmd_store_free(s);
	tmp_remove(path);
}

static void schema_versions_are_checked(void **st)
{
	(void)st;
	char *path = tmp_path("schema");
	mlmd_store_free(open_file(path));
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE mlmd_schema SET version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "newer than this library");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO mlmd_schema VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	FAILS(mlmd_store_open(&s, &o), MLMD_DATA_LOSS, "exactly one");
	tmp_remove(path);
	/* a Google MLMD file is recognised, not clobbered */
	path = tmp_path("mlmdenv");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY);"
					  "CREATE TABLE Artifact (id INTEGER PRIMARY KEY)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "Google MLMD");
	tmp_remove(path);
}

/* MigrationOptions.downgrade_to_schema_version takes a file back a version
 * and answers CANCELLED, as MLMD does; upgrading brings it forward again. */
static void downgrade_then_upgrade(void **st)
{
	(void)st;
	char *path = tmp_path("down");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "D", 0);
	OK(put_artifact(s, new_artifact(t, "/kept"), NULL));
	mlmd_store_free(s);
	uint8_t buf[2048];
	Mlmd__Pb__ConnectionConfig c = MLMD__PB__CONNECTION_CONFIG__INIT;
	Mlmd__Pb__SqliteMetadataSourceConfig sq = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__INIT;
	Mlmd__Pb__MigrationOptions mo = MLMD__PB__MIGRATION_OPTIONS__INIT;
	c.config_case = MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE;
	c.sqlite = &sq;
	sq.filename_uri = path;
	c.mlmd_migration_options = &mo;
	mo.has_downgrade_to_schema_version = 1;
	mo.downgrade_to_schema_version = 0;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_INVALID_ARGUMENT,
	      "MLMD cannot be downgraded to schema_version 0");
	mo.downgrade_to_schema_version = mlmd_schema_version() + 1;
	char want[96];
	snprintf(want, sizeof want, "MLMD cannot be downgraded to schema_version %d", mlmd_schema_version() + 1);
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_INVALID_ARGUMENT, want);
	mo.downgrade_to_schema_version = 1;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_CANCELLED, "Downgrade migration was performed");
	assert_null(s);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT version FROM mlmd_schema), (SELECT count(*) FROM sqlite_master"
					    " WHERE name LIKE '%_property_by_%' OR name LIKE 'metric%' OR name LIKE 'audit%' OR name LIKE 'alias%'),"
					    " (SELECT count(*) FROM artifact)",
					    -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	assert_int_equal(sqlite3_column_int(q, 1), 0);
	assert_int_equal(sqlite3_column_int(q, 2), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* the same version again is a no-op downgrade */
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_CANCELLED, "schema version 1");
	mo.has_downgrade_to_schema_version = 0;
	FAILS(mlmd_store_open_config(&s, buf, pack_config(&c, buf)), MLMD_FAILED_PRECONDITION, "older");
	mo.has_enable_upgrade_migration = mo.enable_upgrade_migration = 1;
	OK(mlmd_store_open_config(&s, buf, pack_config(&c, buf)));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	mlmd_store_free(s);
	/* a missing file is not created by a downgrade */
	char *missing = tmp_path("down-missing");
	sq.filename_uri = missing;
	mo.has_enable_upgrade_migration = mo.enable_upgrade_migration = 0;
	mo.has_downgrade_to_schema_version = 1;
	assert_true(mlmd_store_open_config(&s, buf, pack_config(&c, buf)) < 0);
	assert_int_equal(access(missing, F_OK), -1);
	tmp_remove(missing);
	tmp_remove(path);
}

/* A version-1 store (the same tables, without the property-value indexes
 * and the metric table) is upgraded to the library's version when asked,
 * keeping its data. */
static void version_1_store_upgrades(void **st)
{
	(void)st;
	char *path = tmp_path("v1");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "D", 1, "n", MLMD__PB__PROPERTY_TYPE__INT);
	Mlmd__Pb__Artifact *a = new_artifact(t, "/v1");
	OK(mlmd_node_set_int(a, 0, "n", 5));
	OK(put_artifact(s, a, NULL));
	mlmd_store_free(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	const char *kinds[] = { "artifact", "execution", "context" }, *cols[] = { "int", "double", "string", "bool" };
	for (int k = 0; k < 3; k++)
		for (int c = 0; c < 4; c++) {
			char sql[128];
			snprintf(sql, sizeof sql, "DROP INDEX %s_property_by_%s_value", kinds[k], cols[c]);
			assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		}
	assert_int_equal(sqlite3_exec(db, TEST_DROP_V5_SQL "DROP TABLE metric; " TEST_DROP_V4_SQL "; UPDATE mlmd_schema SET version = 1",
					  NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "older");
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.filter_query = "properties.n.int_value = 5";
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	rq.options = &lo;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifacts, 1);
	assert_string_equal(rs->artifacts[0]->uri, "/v1");
	mlmd_message_free(rs);
	mlmd_store_free(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_property_by_%'", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 12);
	sqlite3_finalize(q);
	sqlite3_close(db);
	tmp_remove(path);
}

/* The migration mechanism, on a real file at the library's version, with a
 * step list that adds one more version. */
static void older_schema_is_upgraded_only_when_asked(void **st)
{
	(void)st;
	char *path = tmp_path("migrate");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "Kept", 0);
	int64_t a = 0;
	OK(put_artifact(s, new_artifact(t, "/before"), &a));
	int v = mlmd_schema_version();
	mlmd_schema_step next[2] = {
		{ v, "", NULL }, /* already applied */
		{ v + 1, "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (7);", "DROP TABLE extra;" },
	};
	FAILS(mlmd__store_migrate(s, next, 2, 0), MLMD_FAILED_PRECONDITION, "open with upgrade enabled");
	assert_int_equal(mlmd_store_schema_version(s), v);
	/* a failing step leaves the database as it was */
	mlmd_schema_step broken[2] = { { v, "", NULL }, { v + 1, "CREATE TABLE extra (x INTEGER); NOT SQL;", NULL } };
	assert_true(mlmd__store_migrate(s, broken, 2, 1) < 0);
	assert_non_null(strstr(mlmd_error_message(), "schema migration to version"));
	assert_int_equal(mlmd_store_schema_version(s), v);
	OK(mlmd__store_migrate(s, next, 2, 1));
	assert_int_equal(mlmd_store_schema_version(s), v + 1);
	Mlmd__Pb__Artifact *g = get_artifact(s, a);
	assert_string_equal(g->uri, "/before"); /* data survives the upgrade */
	mlmd_message_free(g);
	mlmd_store_free(s);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT x FROM extra), (SELECT version FROM mlmd_schema)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 7);
	assert_int_equal(sqlite3_column_int(q, 1), v + 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* the library itself (one version behind) now refuses the file */
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	FAILS(mlmd_store_open(&s, &o), MLMD_FAILED_PRECONDITION, "newer than this library");
	tmp_remove(path);
}

static void a_held_write_lock_is_aborted(void **st)
{
	(void)st;
	char *path = tmp_path("lock");
	mlmd_store_free(open_file(path));
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.busy_timeout_ms = 50;
	mlmd_store *s = NULL;
	OK(mlmd_store_open(&s, &o));
	Mlmd__Pb__ArtifactType at = MLMD__PB__ARTIFACT_TYPE__INIT;
	at.name = "L";
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs;
	rq.artifact_type = &at;
	FAILS(mlmd_store_put_artifact_type(s, &rq, &rs), MLMD_ABORTED, "locked");
	/* reads still work while another connection writes (WAL) */
	Mlmd__Pb__GetArtifactTypesRequest g = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *gr;
	OK(mlmd_store_get_artifact_types(s, &g, &gr));
	mlmd_message_free(gr);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	OK(mlmd_store_put_artifact_type(s, &rq, &rs)); /* the retry succeeds */
	mlmd_message_free(rs);
	sqlite3_close(db);
	mlmd_store_free(s);
	tmp_remove(path);
}

static void two_processes_write_one_file(void **st)
{
	(void)st;
	char *path = tmp_path("procs");
	mlmd_store *s = open_file(path);
	int64_t t = artifact_type(s, "P", 1, "writer", MLMD__PB__PROPERTY_TYPE__INT);
	mlmd_store_free(s);
	enum { PROCS = 2, EACH = 200 };
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			mlmd_store *cs = open_file(path);
			for (int i = 0; i < EACH; i++) {
				int rc;
				do { /* retry ABORTED, as MLMD clients do */
					Mlmd__Pb__Artifact *a = new_artifact(t, NULL);
					mlmd_node_set_int(a, 0, "writer", p);
					rc = put_artifact(cs, a, NULL);
				} while (rc == -MLMD_ABORTED);
				if (rc)
					_exit(1);
			}
			mlmd_store_free(cs);
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int status = 0;
		waitpid(pids[p], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	s = open_file(path);
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifacts, PROCS * EACH);
	for (size_t i = 1; i < rs->n_artifacts; i++)
		assert_true(rs->artifacts[i]->id > rs->artifacts[i - 1]->id); /* no duplicates */
	mlmd_message_free(rs);
	mlmd_store_free(s);
	tmp_remove(path);
}

static void inserts_work_without_last_insert_id_slot(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t t0 = artifact_type(s, "First", 0);
	mlmd__store_backend(s)->last_insert_id = NULL; /* as a backend without the slot: INSERT ... RETURNING id */
	int64_t t1 = artifact_type(s, "Second", 0);
	assert_int_equal(t1, t0 + 1);
	int64_t a1 = 0, a2 = 0;
	OK(put_artifact(s, new_artifact(t1, "/r/1"), &a1));
	OK(put_artifact(s, new_artifact(t1, "/r/2"), &a2));
	assert_int_equal(a2, a1 + 1);
	Mlmd__Pb__Artifact *g = get_artifact(s, a2);
	assert_string_equal(g->uri, "/r/2");
	mlmd_message_free(g);
	int64_t e = put_execution_node(s, execution_type(s, "E"));
	put_event_node(s, e, a1, MLMD__PB__EVENT__TYPE__OUTPUT);
	mlmd_store_free(s);
}

static void error_state_is_per_thread_and_names_codes(void **st)
{
	(void)st;
	mlmd_error_clear();
	assert_int_equal(mlmd_error_last()->code, 0);
	assert_string_equal(mlmd_error_message(), "");
	assert_string_equal(mlmd_status_name(-MLMD_ABORTED), "ABORTED");
	assert_string_equal(mlmd_status_name(MLMD_UNAUTHENTICATED), "UNAUTHENTICATED");
	assert_string_equal(mlmd_status_name(1234), "UNKNOWN");
	assert_string_equal(mlmd_version(), MLMD_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_config_variants),
		cmocka_unit_test(call_by_name_round_trips_bytes),
		cmocka_unit_test(bad_input_gets_clear_errors),
		cmocka_unit_test(file_store_persists_across_reopen),
		cmocka_unit_test(schema_versions_are_checked),
		cmocka_unit_test(older_schema_is_upgraded_only_when_asked),
		cmocka_unit_test(version_1_store_upgrades),
		cmocka_unit_test(downgrade_then_upgrade),
		cmocka_unit_test(a_held_write_lock_is_aborted),
		cmocka_unit_test(two_processes_write_one_file),
		cmocka_unit_test(inserts_work_without_last_insert_id_slot),
		cmocka_unit_test(error_state_is_per_thread_and_names_codes),
		cmocka_unit_test(rpcs_are_described_for_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * store/store.c - opening and closing a store.
 */
#include <stdlib.h>
#include <string.h>
#include "../internal.h"

/* ---- open / free --------------------------------------------------------- */

/* Opens the store on `db`: prepares the schema, or with downgrade >= 0 takes
 * the database down to that version and closes it again (MLMD's contract:
 * the call then fails with CANCELLED saying the downgrade was done). */
static int store_open(mlmd_store **out, mlmd_backend *db, int read_only, int upgrade, int64_t downgrade)
{
	mlmd_store *s = calloc(1, sizeof *s);
	if (!s) {
		db->close(db);
		return MLMD_OOM();
	}
	s->db = db;
	s->read_only = read_only;
	if (downgrade >= 0) {
		int rc = mlmd__schema_downgrade(s, downgrade);
		mlmd_store_free(s);
		if (rc)
			return rc;
		return mlmd__fail(MLMD_CANCELLED,
				  "Downgrade migration was performed. Connection to the downgraded database is "
				  "Cancelled. Now the database is at schema version %lld. Use the mlmd release for "
				  "that schema version to connect to it.",
				  (long long)downgrade);
	}
	int rc = mlmd__schema_prepare(s, upgrade);
	if (rc) {
		mlmd_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int open_sqlite(mlmd_store **out, const char *path, int read_only, int create, int upgrade,
		       int busy_ms, int sync_full, int64_t downgrade)
{
	mlmd_backend *db = NULL;
	int rc = mlmd__sqlite_open(&db, path, read_only, create && downgrade < 0, busy_ms, sync_full);
	if (rc)
		return rc;
	return store_open(out, db, read_only, upgrade, downgrade);
}

/* PostgreSQL has no read-only connection flag; a read_only handle creates
 * no database and no schema, refuses writing calls (run() in rpc.c), and its
 * reads already run in READ ONLY transactions. */
static int open_pg(mlmd_store **out, const char *const *keys, const char *const *vals, int n, int read_only,
		   int create, int upgrade, int busy_ms, int64_t downgrade)
{
	mlmd_backend *db = NULL;
	int rc = mlmd__pg_open(&db, keys, vals, n, create && !read_only && downgrade < 0, busy_ms);
	if (rc)
		return rc;
	return store_open(out, db, read_only, upgrade, downgrade);
}

int mlmd_store_open(mlmd_store **out, const mlmd_store_options *o)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: out is NULL");
	*out = NULL;
	if (!o || !o->uri)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: options and options->uri are required");
	if (o->version < 1 || o->version > MLMD_STORE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_store_open: options version %u is not supported (expected 1..%d); "
				  "initialise with MLMD_STORE_OPTIONS_INIT",
				  o->version, MLMD_STORE_OPTIONS_VERSION);
	if (!strncmp(o->uri, "postgresql://", 13) || !strncmp(o->uri, "postgres://", 11)) {
		const char *keys[1] = { "dbname" }, *vals[1] = { o->uri };
		return open_pg(out, keys, vals, 1, o->read_only, !o->no_create, o->upgrade, o->busy_timeout_ms, -1);
	}
	if (strncmp(o->uri, "sqlite:", 7) != 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "store uri '%s': unknown scheme; expected sqlite:PATH, sqlite::memory: or "
				  "postgresql://USER@HOST:PORT/DB", o->uri);
	const char *path = o->uri + 7;
	if (strncmp(path, "//", 2) == 0)
		path += 2; /* sqlite:///abs/path */
	if (!*path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "store uri '%s': no path", o->uri);
	return open_sqlite(out, path, o->read_only, !o->no_create, o->upgrade, o->busy_timeout_ms,
			   o->synchronous_full, -1);
}

int mlmd_store_open_config(mlmd_store **out, const void *config, size_t config_len)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_config: out is NULL");
	*out = NULL;
	if (!config && config_len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_config: config is NULL");
	if (mlmd__pb_check_wire(&mlmd__pb__connection_config__descriptor, config, config_len, MLMD_MAX_NESTING,
				"ConnectionConfig"))
		return -MLMD_INVALID_ARGUMENT;
	Mlmd__Pb__ConnectionConfig *c = mlmd__pb__connection_config__unpack(NULL, config_len, config);
	if (!c)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "ConnectionConfig: %zu bytes do not parse as ml_metadata.ConnectionConfig",
				  config_len);
	const Mlmd__Pb__MigrationOptions *mo = c->mlmd_migration_options;
	int upgrade = mo && mo->enable_upgrade_migration;
	int64_t downgrade = mo && mo->has_downgrade_to_schema_version ? mo->downgrade_to_schema_version : -1;
	int rc;
	switch (c->config_case) {
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_FAKE_DATABASE:
		rc = open_sqlite(out, ":memory:", 0, 1, upgrade, 0, 0, downgrade);
		break;
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE: {
		const char *uri = c->sqlite->filename_uri;
		int mode = c->sqlite->has_connection_mode ? (int)c->sqlite->connection_mode
							   : MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE_OPENCREATE;
		if (!uri || !*uri)
			uri = ":memory:";
		int ro = mode == MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READONLY;
		int create = mode != MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE;
		rc = open_sqlite(out, uri, ro, create, upgrade, 0, 0, downgrade);
		break;
	}
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_MYSQL:
		rc = mlmd__fail(MLMD_UNIMPLEMENTED, "ConnectionConfig.mysql: MySQL is not a supported backend");
		break;
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_POSTGRESQL: {
		const Mlmd__Pb__PostgreSQLDatabaseConfig *p = c->postgresql;
		const Mlmd__Pb__PostgreSQLDatabaseConfig__SSLOptions *ssl = p->ssloption;
		const char *keys[16], *vals[16];
		int n = 0;
#define KV(K, V)                                  \
	do {                                      \
		if ((V) && *(V)) {                \
			keys[n] = (K);            \
			vals[n++] = (V);          \
		}                                 \
	} while (0)
		KV("host", p->host);
		KV("hostaddr", p->hostaddr);
		KV("port", p->port);
		KV("user", p->user);
		KV("password", p->password);
		KV("passfile", p->passfile);
		KV("dbname", p->dbname);
		if (ssl) {
			KV("sslmode", ssl->sslmode);
			KV("sslcert", ssl->sslcert);
			KV("sslkey", ssl->sslkey);
			KV("sslpassword", ssl->sslpassword);
			KV("sslrootcert", ssl->sslrootcert);
		}
#undef KV
		if (!p->dbname || !*p->dbname)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "ConnectionConfig.postgresql.dbname is required");
		else
			rc = open_pg(out, keys, vals, n, 0, !(p->has_skip_db_creation && p->skip_db_creation), upgrade, 0,
				     downgrade);
		break;
	}
	default:
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
				"ConnectionConfig: no backend set (one of fake_database, sqlite, postgresql)");
	}
	protobuf_c_message_free_unpacked(&c->base, NULL);
	return rc;
}

void mlmd_store_free(mlmd_store *s)
{
	if (!s)
		return;
	if (s->in_txn || (s->txn_open && !s->txn_failed))
		s->db->rollback(s->db); /* a transaction left open is rolled back */
	mlmd__stmt_cache_clear(s);
	s->db->close(s->db);
	free(s);
}

void mlmd_buffer_free(void *buffer)
{
	free(buffer);
}

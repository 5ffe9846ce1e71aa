/*
 * backend/open.c - which of the library's backends a store URI or an MLMD
 * ConnectionConfig names, opened with its arguments. The only place outside
 * the backends themselves that knows their names.
 */
#include <string.h>
#include "backends.h"
#include "mlmd/metadata.h"

int mlmd__backend_open_uri(mlmd_backend **out, const char *uri, int read_only, int create, int busy_timeout_ms,
			   int synchronous_full)
{
	*out = NULL;
	if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
		const char *keys[1] = { "dbname" }, *vals[1] = { uri };
		return mlmd__pg_open(out, keys, vals, 1, create && !read_only, busy_timeout_ms);
	}
	if (strncmp(uri, "sqlite:", 7) != 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "store uri '%s': unknown scheme; expected sqlite:PATH, sqlite::memory: or "
				  "postgresql://USER@HOST:PORT/DB", uri);
	const char *path = uri + 7;
	if (strncmp(path, "//", 2) == 0)
		path += 2; /* sqlite:///abs/path */
	if (!*path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "store uri '%s': no path", uri);
	return mlmd__sqlite_open(out, path, read_only, create, busy_timeout_ms, synchronous_full);
}

int mlmd__backend_open_config(mlmd_backend **out, const Mlmd__Pb__ConnectionConfig *c, int create, int *read_only)
{
	*out = NULL;
	*read_only = 0;
	switch (c->config_case) {
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_FAKE_DATABASE:
		return mlmd__sqlite_open(out, ":memory:", 0, create, 0, 0);
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE: {
		const char *uri = c->sqlite->filename_uri;
		int mode = c->sqlite->has_connection_mode ? (int)c->sqlite->connection_mode
							   : MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE_OPENCREATE;
		if (!uri || !*uri)
			uri = ":memory:";
		*read_only = mode == MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READONLY;
		if (mode == MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE)
			create = 0;
		return mlmd__sqlite_open(out, uri, *read_only, create, 0, 0);
	}
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_MYSQL:
		return mlmd__fail(MLMD_UNIMPLEMENTED, "ConnectionConfig.mysql: MySQL is not a supported backend");
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
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "ConnectionConfig.postgresql.dbname is required");
		if (p->has_skip_db_creation && p->skip_db_creation)
			create = 0;
		return mlmd__pg_open(out, keys, vals, n, create, 0);
	}
	default:
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "ConnectionConfig: no backend set (one of fake_database, sqlite, postgresql)");
	}
}

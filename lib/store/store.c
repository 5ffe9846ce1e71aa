/*
 * store/store.c - opening and closing a store: on a URI or a
 * ConnectionConfig (the library's own backends, backend/open.c), or on a
 * backend the host supplies.
 */
#include <stdlib.h>
#include <string.h>
#include "mlmd/openlineage.h"
#include "store_private.h"
#include "../schema/schema.h"
#include "../backend/backends.h"

/* ---- open / free --------------------------------------------------------- */

/* Opens the store on `db`: prepares the schema, or with downgrade >= 0 takes
 * the database down to that version (MLMD's contract: the call then fails
 * with CANCELLED saying the downgrade was done). The backend is never
 * closed here: on success the store owns it, on failure the caller still does. */
static int store_open(mlmd_store **out, mlmd_backend *db, int read_only, int upgrade, int64_t downgrade,
		      const char *actor)
{
	int rc = mlmd__backend_check(db);
	if (rc || (rc = mlmd__schema_check(db->dialect)))
		return rc;
	mlmd_store *s = calloc(1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	s->db = db;
	s->read_only = read_only;
	if ((rc = mlmd_store_set_actor(s, actor))) {
		free(s);
		return rc;
	}
	mlmd__sql_init(&s->sql, db);
	if (downgrade >= 0) {
		rc = mlmd__schema_downgrade(&s->sql, read_only, downgrade, &s->schema_version);
		mlmd__sql_finish(&s->sql);
		free(s->actor);
		free(s);
		if (rc)
			return rc;
		return mlmd__fail(MLMD_CANCELLED,
				  "Downgrade migration was performed. Connection to the downgraded database is "
				  "Cancelled. Now the database is at schema version %lld. Use the mlmd release for "
				  "that schema version to connect to it.",
				  (long long)downgrade);
	}
	if ((rc = mlmd__schema_prepare(&s->sql, read_only, upgrade, &s->schema_version))) {
		mlmd__sql_finish(&s->sql);
		free(s->actor);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* store_open on a backend the library opened: closed again unless the
 * store took it. */
static int open_owned(mlmd_store **out, mlmd_backend *db, int read_only, int upgrade, int64_t downgrade,
		      const char *actor)
{
	int rc = store_open(out, db, read_only, upgrade, downgrade, actor);
	if (rc)
		db->close(db);
	return rc;
}

/* The options' version: 0 (not initialised) and newer ones are refused. */
static int check_options(const char *fn, const mlmd_store_options *o)
{
	if (o->version < 1 || o->version > MLMD_STORE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s: mlmd_store_options.version %u is not supported (expected 1..%d); "
				  "initialise with MLMD_STORE_OPTIONS_INIT",
				  fn, o->version, MLMD_STORE_OPTIONS_VERSION);
	return 0;
}

/* ---- the OpenLineage transport from the options or the environment ----------------------- */

/* A non-empty environment variable, or NULL. */
static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The default queue of an SQLite file store: "PATH.openlineage" for the
 * database file PATH named by `sqlite` ("PATH", "file:PATH?..." or
 * "file://PATH?..."; new, free it), NULL for an in-memory store or when
 * memory runs out (the transport then uses its own default). */
static char *sqlite_queue_dir(const char *sqlite)
{
	if (!sqlite || !*sqlite || !strcmp(sqlite, ":memory:"))
		return NULL;
	size_t n = strlen(sqlite);
	if (!strncmp(sqlite, "file:", 5)) {
		if (strstr(sqlite, "mode=memory"))
			return NULL;
		sqlite += 5;
		if (!strncmp(sqlite, "//", 2))
			sqlite += 2; /* file:///abs: an empty authority */
		n = strcspn(sqlite, "?#");
		if (!n || (n == 8 && !strncmp(sqlite, ":memory:", 8)))
			return NULL;
	}
	char *dir = malloc(n + sizeof ".openlineage");
	if (dir) {
		memcpy(dir, sqlite, n);
		memcpy(dir + n, ".openlineage", sizeof ".openlineage");
	}
	return dir;
}

/* Attaches the OpenLineage transport when the options (version 3) or the
 * environment name an endpoint and the store may write. `sqlite` is the
 * SQLite database the store is on (for the default queue), or NULL. On
 * failure the caller frees the store. */
static int attach_openlineage(mlmd_store *s, const mlmd_store_options *o, const char *sqlite)
{
	int v3 = o && o->version >= 3;
	const char *url = v3 && o->openlineage_url ? o->openlineage_url : NULL;
	const char *from = "openlineage_url";
	if (!url) {
		url = env_nonempty("MLMD_OPENLINEAGE_URL");
		from = "MLMD_OPENLINEAGE_URL";
	}
	if (!url || s->read_only)
		return 0;
	mlmd_openlineage_transport_options t = MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_INIT;
	t.url = url;
	t.ns = v3 && o->openlineage_namespace ? o->openlineage_namespace : env_nonempty("MLMD_OPENLINEAGE_NAMESPACE");
	t.queue_dir = v3 && o->openlineage_queue_dir ? o->openlineage_queue_dir
		: env_nonempty("MLMD_OPENLINEAGE_QUEUE_DIR");
	char *dir = NULL;
	if (!t.queue_dir)
		t.queue_dir = dir = sqlite_queue_dir(sqlite);
	int rc = mlmd_openlineage_attach(s, &t);
	free(dir);
	return rc ? mlmd__context(rc, "%s", from) : 0;
}

/* store_open's result with the transport attached: on failure the store is freed. */
static int with_openlineage(int rc, mlmd_store **out, const mlmd_store_options *o, const char *sqlite)
{
	if (rc)
		return rc;
	if ((rc = attach_openlineage(*out, o, sqlite))) {
		mlmd_store_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The options' actor: a field since version 2 (a version-1 struct ends before it). */
static const char *options_actor(const mlmd_store_options *o)
{
	return o->version >= 2 ? o->actor : NULL;
}

int mlmd_store_open(mlmd_store **out, const mlmd_store_options *o)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: out is NULL");
	*out = NULL;
	if (!o || !o->uri)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: options and options->uri are required");
	int rc = check_options("mlmd_store_open", o);
	if (rc)
		return rc;
	mlmd_backend *db = NULL;
	if ((rc = mlmd__backend_open_uri(&db, o->uri, o->read_only, !o->no_create, o->busy_timeout_ms,
					 o->synchronous_full)))
		return rc;
	rc = open_owned(out, db, o->read_only, o->upgrade, -1, options_actor(o));
	return with_openlineage(rc, out, o, !strncmp(o->uri, "sqlite:", 7) ? o->uri + 7 : NULL);
}

int mlmd_store_open_backend(mlmd_store **out, struct mlmd_backend *backend, const mlmd_store_options *o)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_backend: out is NULL");
	*out = NULL;
	if (!backend)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_backend: backend is NULL");
	int rc = o ? check_options("mlmd_store_open_backend", o) : 0;
	if (rc)
		return rc;
	rc = store_open(out, backend, o ? o->read_only : 0, o ? o->upgrade : 0, -1, o ? options_actor(o) : NULL);
	if (rc || !(rc = attach_openlineage(*out, o, NULL)))
		return rc;
	/* the caller still owns the backend when the open fails */
	mlmd__listen_free(*out);
	mlmd__sql_finish(&(*out)->sql);
	free((*out)->actor);
	free(*out);
	*out = NULL;
	return rc;
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
	/* a downgrade never creates a missing file or database */
	mlmd_backend *db = NULL;
	int read_only = 0;
	int rc = mlmd__backend_open_config(&db, c, downgrade < 0, &read_only);
	if (!rc) {
		rc = open_owned(out, db, read_only, upgrade, downgrade, NULL);
		rc = with_openlineage(rc, out, NULL, c->config_case == MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE && c->sqlite
					     ? c->sqlite->filename_uri : NULL);
	}
	protobuf_c_message_free_unpacked(&c->base, NULL);
	return rc;
}

void mlmd_store_free(mlmd_store *s)
{
	if (!s)
		return;
	mlmd__listen_free(s); /* first: a listener's free_user may stop threads that use the handle */
	mlmd__sql_finish(&s->sql); /* rolls back a transaction left open */
	s->db->close(s->db);
	free(s->actor);
	free(s);
}

void mlmd_buffer_free(void *buffer)
{
	free(buffer);
}

int mlmd_store_schema_version(mlmd_store *s)
{
	return s ? s->schema_version : 0;
}

/* ---- for tests (store_private.h) ----------------------------------------- */

mlmd_backend *mlmd__store_backend(mlmd_store *s)
{
	return s->db;
}

mlmd__sql *mlmd__store_sql(mlmd_store *s)
{
	return &s->sql;
}

int mlmd__store_migrate(mlmd_store *s, const mlmd_schema_step *steps, int nsteps, int upgrade)
{
	return mlmd__schema_migrate(&s->sql, steps, nsteps, s->read_only, upgrade, steps[nsteps - 1].version,
				    &s->schema_version);
}

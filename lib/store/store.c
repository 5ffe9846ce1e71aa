/*
 * store/store.c - opening and closing a store: on a URI or a
 * ConnectionConfig (the library's own backends, backend/open.c), or on a
 * backend the host supplies.
 */
#include <stdlib.h>
#include <string.h>
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
	return open_owned(out, db, o->read_only, o->upgrade, -1, options_actor(o));
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
	return store_open(out, backend, o ? o->read_only : 0, o ? o->upgrade : 0, -1, o ? options_actor(o) : NULL);
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
	if (!rc)
		rc = open_owned(out, db, read_only, upgrade, downgrade, NULL);
	protobuf_c_message_free_unpacked(&c->base, NULL);
	return rc;
}

void mlmd_store_free(mlmd_store *s)
{
	if (!s)
		return;
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

/*
 * sqlext/sqlext.c - mlmd/sqlite.h: registering the SQL functions on a
 * connection, the loadable-extension entry point, and mlmd_use_store().
 */
#include <stdlib.h>
#include <string.h>
#include "sx.h"
#include "mlmd/sqlite.h"
#include "util/base.h"

void mlmd__sx_conn_release(void *p)
{
	sx_conn *c = p;
	if (!c || --c->refs > 0)
		return;
	mlmd__sx_cache_free(c);
	free(c->store_uri);
	free(c->actor);
	free(c);
}

/* Builds the state and registers the functions: 0, or a negated status. */
static int setup(sqlite3 *db, const sqlite3_api_routines *api, const mlmd_sqlite_options *opts)
{
	if (!db)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_sqlite_register: the connection is NULL");
	if (opts && opts->version != MLMD_SQLITE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_sqlite_register: options version %u, expected %u "
			"(initialise with MLMD_SQLITE_OPTIONS_INIT)", opts->version, MLMD_SQLITE_OPTIONS_VERSION);
	const char *uri = opts && opts->store_uri ? opts->store_uri : getenv("MLMD_STORE");
	if (!uri || !*uri)
		uri = "sqlite:mlmd.db";
	sx_conn *c = calloc(1, sizeof *c);
	if (!c)
		return MLMD_OOM();
	c->api = api;
	c->store_uri = mlmd__strdup(uri);
	c->actor = opts && opts->actor ? mlmd__strdup(opts->actor) : NULL;
	if (!c->store_uri || (opts && opts->actor && !c->actor)) {
		free(c->store_uri);
		free(c->actor);
		free(c);
		return MLMD_OOM();
	}
	return mlmd__sx_register_all(db, c);
}

int mlmd_sqlite_register(struct sqlite3 *db, const mlmd_sqlite_options *opts)
{
	return setup(db, mlmd__sx_host_api(), opts);
}

int mlmd_sqlite_extension_init(struct sqlite3 *db, char **errmsg, const struct sqlite3_api_routines *api)
{
	if (errmsg)
		*errmsg = NULL;
	if (!api)
		return SQLITE_ERROR;
	if (!mlmd__sx_same_sqlite(api)) {
		/* A function's state can only be found with the library's own
		 * sqlite3_user_data() (sx.h), which reads this SQLite's contexts
		 * only when it is the same copy. */
		if (errmsg)
			*errmsg = api->mprintf("mlmd: this program's SQLite %s is another copy than the one libmlmd "
				"uses; load the extension into a program linked with the system's libsqlite3, or "
				"register the functions with mlmd_sqlite_register()", api->libversion());
		return SQLITE_ERROR;
	}
	int rc = setup(db, api, NULL);
	if (rc == 0)
		return SQLITE_OK;
	if (errmsg)
		*errmsg = api->mprintf("mlmd: %s", mlmd_error_message());
	return SQLITE_ERROR;
}

/*
 * sqlext/sqlext.c - mlmd/sqlite.h: registering the SQL functions on a
 * connection, and the loadable-extension entry point.
 */
#include <mlmd.h>
#include "mlmd/sqlite.h"
#include "util/base.h"

int mlmd_sqlite_register(struct sqlite3 *db, const mlmd_sqlite_options *opts)
{
	(void)db;
	(void)opts;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_sqlite_register: not written yet");
}

int mlmd_sqlite_extension_init(struct sqlite3 *db, char **errmsg, const struct sqlite3_api_routines *api)
{
	(void)db;
	(void)api;
	if (errmsg)
		*errmsg = NULL;
	return 1; /* SQLITE_ERROR */
}

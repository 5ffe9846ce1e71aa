/*
 * sqlext/host_api.c - the SQLite routines table of the library's own
 * SQLite, for mlmd_sqlite_register(): a host that holds the connection uses
 * the same SQLite as the library, and the functions go through a table
 * either way (sx.h), so there is one code path. Only the routines lib/sqlext
 * calls are filled in.
 */
#define SQLITE_CORE 1 /* the plain functions below, not sqlite3ext.h's macros */
#include <sqlite3.h>
#include "sx.h"

static const sqlite3_api_routines host_api = {
	.create_function_v2 = sqlite3_create_function_v2,
	.user_data = sqlite3_user_data,
	.get_auxdata = sqlite3_get_auxdata,
	.set_auxdata = sqlite3_set_auxdata,
	.value_type = sqlite3_value_type,
	.value_int64 = sqlite3_value_int64,
	.value_double = sqlite3_value_double,
	.value_text = sqlite3_value_text,
	.value_bytes = sqlite3_value_bytes,
	.result_error = sqlite3_result_error,
	.result_error_code = sqlite3_result_error_code,
	.result_error_nomem = sqlite3_result_error_nomem,
	.result_double = sqlite3_result_double,
	.result_int64 = sqlite3_result_int64,
	.result_null = sqlite3_result_null,
	.result_text = sqlite3_result_text,
	.malloc = sqlite3_malloc,
	.mprintf = sqlite3_mprintf,
	.free = sqlite3_free,
	.libversion_number = sqlite3_libversion_number,
};

const sqlite3_api_routines *mlmd__sx_host_api(void)
{
	return &host_api;
}

int mlmd__sx_same_sqlite(const sqlite3_api_routines *api)
{
	return api && api->user_data == sqlite3_user_data && api->libversion_number &&
		api->libversion_number() == sqlite3_libversion_number();
}

sx_conn *mlmd__sx_conn_of(sqlite3_context *ctx)
{
	return sqlite3_user_data(ctx);
}

/*
 * openlineage/import.c - OpenLineage events into the store (owner: the import).
 */
#include <mlmd.h>
#include "openlineage/ol.h"

int mlmd_openlineage_import(mlmd_store *store, const mlmd_openlineage_options *opts, const char *text, size_t len,
			    mlmd_openlineage_problem problem, void *user, mlmd_openlineage_import_report *report)
{
	(void)store;
	(void)opts;
	(void)text;
	(void)len;
	(void)problem;
	(void)user;
	(void)report;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_import: not written yet");
}

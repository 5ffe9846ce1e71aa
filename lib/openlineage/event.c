/*
 * openlineage/event.c - one execution's run events (owner: the export).
 */
#include <mlmd.h>
#include "openlineage/ol.h"

void mlmd__ol_format_time(int64_t ms, char out[32])
{
	(void)ms;
	out[0] = 0;
}

void mlmd__ol_uuid(const char *kind, int64_t id, int64_t create_time_ms, char out[37])
{
	(void)kind;
	(void)id;
	(void)create_time_ms;
	out[0] = 0;
}

int mlmd_openlineage_execution_events(mlmd_store *store, const mlmd_openlineage_options *opts,
				      int64_t execution_id, mlmd_openlineage_sink sink, void *user)
{
	(void)store;
	(void)opts;
	(void)execution_id;
	(void)sink;
	(void)user;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_execution_events: not written yet");
}

int mlmd_openlineage_export(mlmd_store *store, const mlmd_openlineage_options *opts, mlmd_openlineage_sink sink,
			    void *user, size_t *n_events)
{
	(void)store;
	(void)opts;
	(void)sink;
	(void)user;
	(void)n_events;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_export: not written yet");
}

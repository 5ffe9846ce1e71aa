/*
 * openlineage/transport.c - events posted as they happen (owner: the transport).
 */
#include <mlmd.h>
#include "openlineage/ol.h"

int mlmd_openlineage_attach(mlmd_store *store, const mlmd_openlineage_transport_options *opts)
{
	(void)store;
	(void)opts;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_attach: not written yet");
}

int mlmd_openlineage_transport_stats_get(mlmd_store *store, mlmd_openlineage_transport_stats *out)
{
	(void)store;
	(void)out;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_transport_stats_get: not written yet");
}

int mlmd_openlineage_flush(mlmd_store *store, int timeout_ms)
{
	(void)store;
	(void)timeout_ms;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_openlineage_flush: not written yet");
}

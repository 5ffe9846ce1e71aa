/*
 * render/report.c - the self-contained HTML report (owner: the report).
 */
#include <mlmd.h>
#include "util/base.h"

int mlmd_report_write(mlmd_store *store, const mlmd_report_options *opts, FILE *out)
{
	(void)store;
	(void)opts;
	(void)out;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_report_write: not written yet");
}

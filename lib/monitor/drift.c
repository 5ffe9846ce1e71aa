/*
 * monitor/drift.c - two samples compared column by column (mlmd/monitor.h):
 * exact Kolmogorov-Smirnov and Wasserstein-1 on the raw numbers, PSI and
 * Jensen-Shannon over the reference's decile bins, chi-squared over
 * categories.
 */
#include "../util/base.h"
#include "mlmd/monitor.h"

int mlmd_drift_numeric(const double *reference, size_t n_reference, const double *current, size_t n_current,
		       const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	(void)reference, (void)n_reference, (void)current, (void)n_current, (void)th, (void)out;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_drift_numeric: not written yet (issue 18, helper stats)");
}

int mlmd_drift_categorical(const char *const *reference, size_t n_reference, const char *const *current,
			   size_t n_current, const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	(void)reference, (void)n_reference, (void)current, (void)n_current, (void)th, (void)out;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_drift_categorical: not written yet (issue 18, helper stats)");
}

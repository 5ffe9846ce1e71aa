/*
 * store/mon_drift.c - MonitoringService: PutDriftWindow and GetDriftWindows (proto/mlmd_governance.proto).
 */
#include "governance.h"

int mlmd__gov_PutDriftWindow(call *c, const Mlmd__Pb__Governance__PutDriftWindowRequest *rq, Mlmd__Pb__Governance__PutDriftWindowResponse *rs)
{
	(void)c, (void)rq, (void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "PutDriftWindow: not written yet (issue 18, helper serving)");
}

int mlmd__gov_GetDriftWindows(call *c, const Mlmd__Pb__Governance__GetDriftWindowsRequest *rq, Mlmd__Pb__Governance__GetDriftWindowsResponse *rs)
{
	(void)c, (void)rq, (void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetDriftWindows: not written yet (issue 18, helper serving)");
}


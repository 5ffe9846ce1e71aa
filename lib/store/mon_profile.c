/*
 * store/mon_profile.c - MonitoringService: PutProfile and GetProfile (proto/mlmd_governance.proto).
 */
#include "governance.h"

int mlmd__gov_PutProfile(call *c, const Mlmd__Pb__Governance__PutProfileRequest *rq, Mlmd__Pb__Governance__PutProfileResponse *rs)
{
	(void)c, (void)rq, (void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "PutProfile: not written yet (issue 18, helper profiles)");
}

int mlmd__gov_GetProfile(call *c, const Mlmd__Pb__Governance__GetProfileRequest *rq, Mlmd__Pb__Governance__GetProfileResponse *rs)
{
	(void)c, (void)rq, (void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetProfile: not written yet (issue 18, helper profiles)");
}


/*
 * store/dg_stub_delete.c - placeholders for the retention RPCs: UNIMPLEMENTED until
 * their handlers land (this file is then deleted).
 */
#include "datagov.h"

int mlmd__gov_SetRetentionPolicy(call *c, const Mlmd__Pb__Governance__SetRetentionPolicyRequest *rq,
		Mlmd__Pb__Governance__SetRetentionPolicyResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "SetRetentionPolicy is not implemented yet");
}

int mlmd__gov_GetRetentionPolicies(call *c, const Mlmd__Pb__Governance__GetRetentionPoliciesRequest *rq,
		Mlmd__Pb__Governance__GetRetentionPoliciesResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetRetentionPolicies is not implemented yet");
}

int mlmd__gov_DeleteRetentionPolicy(call *c, const Mlmd__Pb__Governance__DeleteRetentionPolicyRequest *rq,
		Mlmd__Pb__Governance__DeleteRetentionPolicyResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "DeleteRetentionPolicy is not implemented yet");
}

int mlmd__gov_RunRetention(call *c, const Mlmd__Pb__Governance__RunRetentionRequest *rq,
		Mlmd__Pb__Governance__RunRetentionResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "RunRetention is not implemented yet");
}


/*
 * store/dg_stub_label.c - placeholders for the label, gate and impact RPCs: UNIMPLEMENTED until
 * their handlers land (this file is then deleted).
 */
#include "datagov.h"

int mlmd__gov_Classify(call *c, const Mlmd__Pb__Governance__ClassifyRequest *rq,
		Mlmd__Pb__Governance__ClassifyResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "Classify is not implemented yet");
}

int mlmd__gov_Unclassify(call *c, const Mlmd__Pb__Governance__UnclassifyRequest *rq,
		Mlmd__Pb__Governance__UnclassifyResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "Unclassify is not implemented yet");
}

int mlmd__gov_GetEffectiveLabels(call *c, const Mlmd__Pb__Governance__GetEffectiveLabelsRequest *rq,
		Mlmd__Pb__Governance__GetEffectiveLabelsResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetEffectiveLabels is not implemented yet");
}

int mlmd__gov_ListLabels(call *c, const Mlmd__Pb__Governance__ListLabelsRequest *rq,
		Mlmd__Pb__Governance__ListLabelsResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "ListLabels is not implemented yet");
}

int mlmd__gov_GetServingGate(call *c, const Mlmd__Pb__Governance__GetServingGateRequest *rq,
		Mlmd__Pb__Governance__GetServingGateResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetServingGate is not implemented yet");
}

int mlmd__gov_SetServingGate(call *c, const Mlmd__Pb__Governance__SetServingGateRequest *rq,
		Mlmd__Pb__Governance__SetServingGateResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "SetServingGate is not implemented yet");
}

int mlmd__gov_CheckServingGate(call *c, const Mlmd__Pb__Governance__CheckServingGateRequest *rq,
		Mlmd__Pb__Governance__CheckServingGateResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "CheckServingGate is not implemented yet");
}

int mlmd__dg_edge_added(call *c, int from_kind, int64_t from_id, int to_kind, int64_t to_id)
{
	(void)c;
	(void)from_kind;
	(void)from_id;
	(void)to_kind;
	(void)to_id;
	return 0;
}

/*
 * store/dg_stub_label.c - placeholders for the label, gate and impact RPCs: UNIMPLEMENTED until
 * their handlers land (this file is then deleted).
 */
#include "datagov.h"

int mlmd__gov_Impact(call *c, const Mlmd__Pb__Governance__ImpactRequest *rq,
		Mlmd__Pb__Governance__ImpactResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "Impact is not implemented yet");
}

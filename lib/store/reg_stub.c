/*
 * store/reg_stub.c - TEMPORARY (branch work in progress, replaced by
 * store/reg_request.c and store/reg_search.c before merge): the
 * RegistryService RPCs not written yet answer UNIMPLEMENTED.
 */
#include "reg.h"

#define STUB(M)                                                                                   \
	int mlmd__gov_##M(call *c, const Mlmd__Pb__Governance__##M##Request *rq,                  \
			  Mlmd__Pb__Governance__##M##Response *rs)                                \
	{                                                                                         \
		(void)c;                                                                          \
		(void)rq;                                                                         \
		(void)rs;                                                                         \
		return mlmd__fail(MLMD_UNIMPLEMENTED, #M " is not implemented yet");              \
	}
STUB(ListRegisteredModels)
STUB(SearchModelVersions)
STUB(RequestAliasMove)
STUB(ApproveRequest)
STUB(RejectRequest)
STUB(GetAliasRequests)

int mlmd__reg_open_requests(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasRequest ***arr, size_t *n)
{
	(void)c;
	(void)m;
	(void)arr;
	(void)n;
	return 0;
}

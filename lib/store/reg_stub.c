/*
 * store/reg_stub.c - TEMPORARY (branch work in progress, replaced by the
 * registry handlers store/reg_*.c before merge): every RegistryService RPC
 * answers UNIMPLEMENTED.
 */
#include "governance.h"

#define STUB(M, snake, w)                                                                         \
	int mlmd__gov_##M(call *c, const Mlmd__Pb__Governance__##M##Request *rq,                  \
			  Mlmd__Pb__Governance__##M##Response *rs)                                \
	{                                                                                         \
		(void)c;                                                                          \
		(void)rq;                                                                         \
		(void)rs;                                                                         \
		return mlmd__fail(MLMD_UNIMPLEMENTED, #M " is not implemented yet");              \
	}
MLMD__REG_RPC_LIST(STUB)

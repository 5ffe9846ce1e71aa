/*
 * store/rpc.h - one handler per RPC, run by store/rpc.c inside a transaction
 * with a freshly initialised response.
 */
#ifndef MLMD_STORE_RPC_H
#define MLMD_STORE_RPC_H

#include "store_private.h"

#define MLMD__RPC_HANDLER(M, snake, writes)                                   \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs);
MLMD_RPC_LIST(MLMD__RPC_HANDLER)
#undef MLMD__RPC_HANDLER

#endif

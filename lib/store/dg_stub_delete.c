/*
 * store/dg_stub_delete.c - placeholders for the deletion and retention RPCs: UNIMPLEMENTED until
 * their handlers land (this file is then deleted).
 */
#include "datagov.h"

int mlmd__gov_DeleteNodes(call *c, const Mlmd__Pb__Governance__DeleteNodesRequest *rq,
		Mlmd__Pb__Governance__DeleteNodesResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "DeleteNodes is not implemented yet");
}

int mlmd__gov_GetTombstones(call *c, const Mlmd__Pb__Governance__GetTombstonesRequest *rq,
		Mlmd__Pb__Governance__GetTombstonesResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetTombstones is not implemented yet");
}

int mlmd__dg_delete_one(call *c, int kind, int64_t id, const char *reason, dg_delete_counts *n)
{
	(void)c;
	(void)kind;
	(void)id;
	(void)reason;
	(void)n;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "deletion is not implemented yet");
}

/*
 * store/testing_snapshot.c - GetGraphSnapshot: a graph as stable, readable
 * text (names for ids, no times, sorted), for golden files.
 */
#include "testing.h"

int mlmd__testing_GetGraphSnapshot(call *c, const Mlmd__Pb__Testing__GetGraphSnapshotRequest *rq,
				   Mlmd__Pb__Testing__GetGraphSnapshotResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "GetGraphSnapshot: not written yet");
}

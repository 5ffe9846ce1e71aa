/*
 * store/testing_check.c - CheckLineage: one lineage assertion, and when it
 * does not hold, a text that shows expected against found.
 */
#include "testing.h"

int mlmd__testing_CheckLineage(call *c, const Mlmd__Pb__Testing__CheckLineageRequest *rq,
			       Mlmd__Pb__Testing__CheckLineageResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "CheckLineage: not written yet");
}

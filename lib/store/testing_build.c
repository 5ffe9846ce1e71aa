/*
 * store/testing_build.c - BuildGraph: the graph a notation text describes,
 * built in the store in the call's one transaction (docs/testing.md).
 */
#include "testing.h"

int mlmd__testing_BuildGraph(call *c, const Mlmd__Pb__Testing__BuildGraphRequest *rq,
			     Mlmd__Pb__Testing__BuildGraphResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "BuildGraph: not written yet");
}

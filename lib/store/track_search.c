/*
 * store/track_search.c - SearchRuns: MLflow's search syntax, compiled by
 * query/runs.c into SQL over the run executions, then each run's message.
 */
#include <stdlib.h>
#include <string.h>
#include "track.h"

int mlmd__track_SearchRuns(call *c, const Mlmd__Pb__Tracking__SearchRunsRequest *rq,
			   Mlmd__Pb__Tracking__SearchRunsResponse *rs)
{
	(void)c;
	(void)rq;
	(void)rs;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "SearchRuns: not implemented yet");
}

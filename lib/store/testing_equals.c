/*
 * store/testing_equals.c - CheckLineage's GRAPH_EQUALS.
 */
#include "testing_check.h"

int mlmd__tcheck_graph_equals(call *c, const char *text, mlmd_buf *fail)
{
	(void)c, (void)text, (void)fail;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "CheckLineage: GRAPH_EQUALS: not written yet");
}

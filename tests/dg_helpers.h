/*
 * tests/dg_helpers.h - what the data-governance suites (test_delete,
 * test_retention, test_impact) share: the wire NodeKinds, freeing a
 * governance response, and writing one event.
 */
#ifndef MLMD_TEST_DG_HELPERS_H
#define MLMD_TEST_DG_HELPERS_H

#include "helpers.h"
#include "mlmd_governance.pb-c.h"

#define ART MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT
#define EXE MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION
#define CTX MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT

/* Frees a message returned by test_rpc (NULL: nothing). */
static inline void free_msg(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

/* One event of `type` (Mlmd__Pb__Event__Type) between artifact a and execution e; fails the test if refused. */
static inline void event(mlmd_store *s, int64_t a, int64_t e, int type)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = a;
	ev.execution_id = e;
	ev.type = (Mlmd__Pb__Event__Type)type;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs = NULL;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(s, &rq, &rs));
	mlmd_message_free(rs);
}

#endif

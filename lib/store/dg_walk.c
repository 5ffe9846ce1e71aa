/*
 * store/dg_walk.c - one hop of the lineage walks of retention (upstream of
 * what an alias protects) and impact analysis (downstream of a node):
 * batched over the frontier with IN lists, through tombstones (a deleted
 * node keeps its events), following the event types' direction.
 */
#include <stdlib.h>
#include "datagov.h"

static const char *const from_artifacts[5] =
	MLMD_IN_SQL("SELECT execution_id, type FROM event WHERE artifact_id IN (", ")");
static const char *const from_executions[5] =
	MLMD_IN_SQL("SELECT artifact_id, type FROM event WHERE execution_id IN (", ")");

int mlmd__dg_hop(call *c, int from, int down, const int64_t *frontier, size_t n, mlmd__idset *seen,
		 int64_t **next, size_t *nnext)
{
	/* down from an artifact or up from an execution: input events;
	 * otherwise output events */
	int want_input = (from == KIND_ARTIFACT) == (down != 0);
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		int rc = mlmd__q(c->sql, &q, from == KIND_ARTIFACT ? from_artifacts[slot] : from_executions[slot]);
		if (rc)
			return rc;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, frontier + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int t = (int)mlmd__q_col_i64(&q, 1);
			if (want_input ? !mlmd__dg_event_is_input(t) : !mlmd__dg_event_is_output(t))
				continue;
			int64_t other = mlmd__q_col_i64(&q, 0);
			int added = mlmd__idset_add(seen, other);
			if (added < 0 || (added && mlmd__push_i64(next, nnext, other))) {
				rc = MLMD_OOM();
				break;
			}
		}
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

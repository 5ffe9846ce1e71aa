/*
 * store/compound.c - PutExecution and PutLineageSubgraph: nodes, events and
 * context links written atomically in one call.
 */
#include <stdlib.h>
#include <string.h>
#include "rpc.h"
#include "datagov.h"

int mlmd__rpc_PutExecution(call *c, const Mlmd__Pb__PutExecutionRequest *rq, Mlmd__Pb__PutExecutionResponse *rs)
{
	const Mlmd__Pb__PutExecutionRequest__Options *opt = rq->options;
	const Mlmd__Pb__Execution *ex = rq->execution;
	int rc;
	if (!ex)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "PutExecution: execution is required");
	/* Check the pairs before writing anything. */
	for (size_t i = 0; i < rq->n_artifact_event_pairs; i++) {
		const Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p = rq->artifact_event_pairs[i];
		const Mlmd__Pb__Event *e = p->event;
		if (!e && !p->artifact)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "artifact_event_pairs[%zu]: the pair has neither an artifact nor an event", i);
		if (!e)
			continue;
		if (e->has_execution_id && ex->has_id && e->execution_id != ex->id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "artifact_event_pairs[%zu]: event.execution_id %lld does not match execution.id %lld",
					  i, (long long)e->execution_id, (long long)ex->id);
		if (e->has_execution_id && !ex->has_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "artifact_event_pairs[%zu]: event.execution_id is set but the execution is new", i);
		if (p->artifact && p->artifact->has_id && e->has_artifact_id && p->artifact->id != e->artifact_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "artifact_event_pairs[%zu]: event.artifact_id %lld does not match artifact.id %lld",
					  i, (long long)e->artifact_id, (long long)p->artifact->id);
		if (!p->artifact && !e->has_artifact_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "artifact_event_pairs[%zu]: If no artifact is present, given event must have an artifact_id",
					  i);
	}
	put_opts eo = { 0 }, ao = { 0 }, co = { 0 };
	eo.force_update_time = opt && opt->force_update_time;
	ao.reuse_by_external_id = opt && opt->reuse_artifact_if_already_exist_by_external_id;
	co.reuse_context_by_name = opt && opt->reuse_context_if_already_exist;
	co.validate_only_if_id = opt && opt->force_reuse_context;
	/* Beside other writers, every lock the call will take is declared and
	 * taken in order before it writes anything (sql/locks.c). */
	if (c->sql->keyed) {
		rc = mlmd__node_want(c, &mlmd__execution_kind, &ex->base, &eo);
		for (size_t i = 0; i < rq->n_artifact_event_pairs && !rc; i++)
			if (rq->artifact_event_pairs[i]->artifact)
				rc = mlmd__node_want(c, &mlmd__artifact_kind, &rq->artifact_event_pairs[i]->artifact->base,
						     &ao);
		for (size_t i = 0; i < rq->n_contexts && !rc; i++)
			rc = mlmd__node_want(c, &mlmd__context_kind, &rq->contexts[i]->base, &co);
		if (!rc && (rq->n_artifact_event_pairs || rq->n_contexts))
			rc = mlmd__dg_edges_want(c);
		if (rc || (rc = mlmd__sql_lock_wanted(c->sql)))
			return rc;
	}
	int64_t eid;
	if ((rc = mlmd__node_put(c, &mlmd__execution_kind, &ex->base, &eo, &eid)))
		return mlmd__context(rc, "execution");
	rs->has_execution_id = 1;
	rs->execution_id = eid;

	void **arts = calloc(rq->n_artifact_event_pairs + 1, sizeof *arts);
	if (!arts)
		return MLMD_OOM();
	for (size_t i = 0; i < rq->n_artifact_event_pairs; i++)
		arts[i] = rq->artifact_event_pairs[i]->artifact;
	mlmd__node_batch(c, &mlmd__artifact_kind, arts, rq->n_artifact_event_pairs);
	free(arts);
	for (size_t i = 0; i < rq->n_artifact_event_pairs; i++) {
		const Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p = rq->artifact_event_pairs[i];
		int64_t aid = 0;
		if (p->artifact) {
			if ((rc = mlmd__node_put(c, &mlmd__artifact_kind, &p->artifact->base, &ao, &aid)))
				return mlmd__context(rc, "artifact_event_pairs[%zu].artifact", i);
		} else if (p->event) {
			aid = p->event->artifact_id;
		}
		if (p->event) {
			Mlmd__Pb__Event e = *p->event; /* shallow copy with the ids filled in */
			e.has_artifact_id = e.has_execution_id = 1;
			e.artifact_id = aid;
			e.execution_id = eid;
			if ((rc = mlmd__event_put(c, &e)))
				return mlmd__context(rc, "artifact_event_pairs[%zu].event", i);
		}
		if ((rc = mlmd__push_i64(&rs->artifact_ids, &rs->n_artifact_ids, aid)))
			return rc;
	}

	for (size_t i = 0; i < rq->n_contexts; i++) {
		int64_t cid;
		if ((rc = mlmd__node_put(c, &mlmd__context_kind, &rq->contexts[i]->base, &co, &cid)))
			return mlmd__context(rc, "contexts[%zu]", i);
		if ((rc = mlmd__push_i64(&rs->context_ids, &rs->n_context_ids, cid)) ||
		    (rc = mlmd__association_put(c, cid, eid, 0)))
			return rc;
		for (size_t j = 0; j < rs->n_artifact_ids; j++)
			if ((rc = mlmd__attribution_put(c, cid, rs->artifact_ids[j], 1)))
				return mlmd__context(rc, "contexts[%zu]", i);
	}
	return 0;
}

/*
 * Checks event edge i of a PutLineageSubgraph request as MLMD does: each end
 * is named by an index into the request's list, by the event's own id, or
 * both, which must then agree (the indexed node must carry that id). An
 * index outside its list is OUT_OF_RANGE.
 */
static int check_edge(const Mlmd__Pb__PutLineageSubgraphRequest *rq, size_t i)
{
	const Mlmd__Pb__PutLineageSubgraphRequest__EventEdge *ed = rq->event_edges[i];
	const Mlmd__Pb__Event *ev = ed->event;
	if (!ev)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event_edges[%zu]: event is required", i);
	if (!ed->has_execution_index && !ev->has_execution_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "event_edges[%zu]: the edge is missing an execution: give execution_index or "
				  "event.execution_id", i);
	if (ed->has_execution_index && (ed->execution_index < 0 || (size_t)ed->execution_index >= rq->n_executions))
		return mlmd__fail(MLMD_OUT_OF_RANGE,
				  "event_edges[%zu]: execution_index %d is outside the request's executions [0, %zu)", i,
				  ed->execution_index, rq->n_executions);
	if (ed->has_execution_index && ev->has_execution_id) {
		const Mlmd__Pb__Execution *ex = rq->executions[ed->execution_index];
		if (!ex->has_id || ex->id != ev->execution_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "event_edges[%zu]: event.execution_id %lld does not match executions[%d] (%s)", i,
					  (long long)ev->execution_id, ed->execution_index,
					  ex->has_id ? "which has another id" : "which is new and has no id");
	}
	if (!ed->has_artifact_index && !ev->has_artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "event_edges[%zu]: the edge is missing an artifact: give artifact_index or "
				  "event.artifact_id", i);
	if (ed->has_artifact_index && (ed->artifact_index < 0 || (size_t)ed->artifact_index >= rq->n_artifacts))
		return mlmd__fail(MLMD_OUT_OF_RANGE,
				  "event_edges[%zu]: artifact_index %d is outside the request's artifacts [0, %zu)", i,
				  ed->artifact_index, rq->n_artifacts);
	if (ed->has_artifact_index && ev->has_artifact_id) {
		const Mlmd__Pb__Artifact *ar = rq->artifacts[ed->artifact_index];
		if (!ar->has_id || ar->id != ev->artifact_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "event_edges[%zu]: event.artifact_id %lld does not match artifacts[%d] (%s)", i,
					  (long long)ev->artifact_id, ed->artifact_index,
					  ar->has_id ? "which has another id" : "which is new and has no id");
	}
	return 0;
}

int mlmd__rpc_PutLineageSubgraph(call *c, const Mlmd__Pb__PutLineageSubgraphRequest *rq,
				 Mlmd__Pb__PutLineageSubgraphResponse *rs)
{
	const Mlmd__Pb__PutLineageSubgraphRequest__Options *opt = rq->options;
	int rc;
	for (size_t i = 0; i < rq->n_event_edges; i++)
		if ((rc = check_edge(rq, i)))
			return rc;
	put_opts none = { 0 }, ao = { 0 }, co = { 0 };
	ao.reuse_by_external_id = opt && opt->reuse_artifact_if_already_exist_by_external_id;
	co.reuse_context_by_name = opt && opt->reuse_context_if_already_exist;
	/* Beside other writers, every lock the call will take is declared and
	 * taken in order before it writes anything (sql/locks.c). */
	if (c->sql->keyed) {
		rc = 0;
		for (size_t i = 0; i < rq->n_contexts && !rc; i++)
			rc = mlmd__node_want(c, &mlmd__context_kind, &rq->contexts[i]->base, &co);
		for (size_t i = 0; i < rq->n_executions && !rc; i++)
			rc = mlmd__node_want(c, &mlmd__execution_kind, &rq->executions[i]->base, &none);
		for (size_t i = 0; i < rq->n_artifacts && !rc; i++)
			rc = mlmd__node_want(c, &mlmd__artifact_kind, &rq->artifacts[i]->base, &ao);
		if (!rc && (rq->n_event_edges || rq->n_contexts))
			rc = mlmd__dg_edges_want(c);
		if (rc || (rc = mlmd__sql_lock_wanted(c->sql)))
			return rc;
	}
	int64_t id;
	for (size_t i = 0; i < rq->n_contexts; i++) {
		if ((rc = mlmd__node_put(c, &mlmd__context_kind, &rq->contexts[i]->base, &co, &id)))
			return mlmd__context(rc, "contexts[%zu]", i);
		if ((rc = mlmd__push_i64(&rs->context_ids, &rs->n_context_ids, id)))
			return rc;
	}
	mlmd__node_batch(c, &mlmd__execution_kind, (void *const *)rq->executions, rq->n_executions);
	mlmd__node_batch(c, &mlmd__artifact_kind, (void *const *)rq->artifacts, rq->n_artifacts);
	for (size_t i = 0; i < rq->n_executions; i++) {
		if ((rc = mlmd__node_put(c, &mlmd__execution_kind, &rq->executions[i]->base, &none, &id)))
			return mlmd__context(rc, "executions[%zu]", i);
		if ((rc = mlmd__push_i64(&rs->execution_ids, &rs->n_execution_ids, id)))
			return rc;
	}
	for (size_t i = 0; i < rq->n_artifacts; i++) {
		if ((rc = mlmd__node_put(c, &mlmd__artifact_kind, &rq->artifacts[i]->base, &ao, &id)))
			return mlmd__context(rc, "artifacts[%zu]", i);
		if ((rc = mlmd__push_i64(&rs->artifact_ids, &rs->n_artifact_ids, id)))
			return rc;
	}
	/* shallow copies with the ids filled in (an id the event gives was
	 * checked against its index), put as one batch */
	Mlmd__Pb__Event *ev = malloc((rq->n_event_edges + 1) * sizeof *ev);
	if (!ev)
		return MLMD_OOM();
	for (size_t i = 0; i < rq->n_event_edges; i++) {
		const Mlmd__Pb__PutLineageSubgraphRequest__EventEdge *ed = rq->event_edges[i];
		ev[i] = *ed->event;
		if (!ev[i].has_artifact_id)
			ev[i].artifact_id = rs->artifact_ids[ed->artifact_index];
		if (!ev[i].has_execution_id)
			ev[i].execution_id = rs->execution_ids[ed->execution_index];
		ev[i].has_artifact_id = ev[i].has_execution_id = 1;
	}
	rc = mlmd__events_put(c, ev, rq->n_event_edges, "event_edges");
	free(ev);
	if (rc)
		return rc;
	for (size_t i = 0; i < rs->n_context_ids; i++) {
		for (size_t j = 0; j < rs->n_execution_ids; j++)
			if ((rc = mlmd__association_put(c, rs->context_ids[i], rs->execution_ids[j], 0)))
				return rc;
		for (size_t j = 0; j < rs->n_artifact_ids; j++)
			if ((rc = mlmd__attribution_put(c, rs->context_ids[i], rs->artifact_ids[j], 0)))
				return rc;
	}
	return 0;
}

/*
 * store/edges.c - events, attributions, associations and parent contexts.
 */
#include <stdlib.h>
#include <string.h>
#include "rpc.h"

static int require_node(call *c, const node_kind *k, int64_t id)
{
	int rc = mlmd__node_exists(c, k, id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "No %s with the given id %lld", k->what, (long long)id);
	return 0;
}

int mlmd__event_put(call *c, const Mlmd__Pb__Event *e)
{
	if (!e->has_artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event: artifact_id is required");
	if (!e->has_execution_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event: execution_id is required");
	if (!e->has_type)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event (artifact %lld, execution %lld): type is required",
				  (long long)e->artifact_id, (long long)e->execution_id);
	int rc;
	if ((rc = require_node(c, &mlmd__artifact_kind, e->artifact_id)) ||
	    (rc = require_node(c, &mlmd__execution_kind, e->execution_id)))
		return rc;
	sqlq q;
	if ((rc = mlmd__q_insert(c->s, &q, MLMD_INSERT("INSERT INTO event (artifact_id, execution_id, type, time,"
							 " system_metadata) VALUES (?, ?, ?, ?, ?)"))))
		return rc;
	mlmd__q_i64(&q, 1, e->artifact_id);
	mlmd__q_i64(&q, 2, e->execution_id);
	mlmd__q_i64(&q, 3, e->type);
	mlmd__q_i64(&q, 4, e->has_milliseconds_since_epoch ? e->milliseconds_since_epoch : c->now);
	uint8_t *sm = NULL;
	if (e->system_metadata) {
		size_t n = protobuf_c_message_get_packed_size(&e->system_metadata->base);
		if (!(sm = malloc(n + 1))) {
			mlmd__q_done(&q);
			return MLMD_OOM();
		}
		protobuf_c_message_pack(&e->system_metadata->base, sm);
		mlmd__q_blob(&q, 5, sm, n);
	}
	int64_t id = 0;
	rc = mlmd__q_insert_step(&q, &id);
	free(sm);
	if (rc == -MLMD_ALREADY_EXISTS)
		return mlmd__fail(MLMD_ALREADY_EXISTS,
				  "an event of type %d between artifact %lld and execution %lld already exists", e->type,
				  (long long)e->artifact_id, (long long)e->execution_id);
	if (rc < 0)
		return rc;
	for (size_t i = 0; e->path && i < e->path->n_steps; i++) {
		const Mlmd__Pb__Event__Path__Step *st = e->path->steps[i];
		if ((rc = mlmd__q(c->s, &q, "INSERT INTO event_path (event_id, position, step_index, step_key)"
					    " VALUES (?, ?, ?, ?)")))
			return rc;
		mlmd__q_i64(&q, 1, id);
		mlmd__q_i64(&q, 2, (int64_t)i);
		if (st->value_case == MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX)
			mlmd__q_i64(&q, 3, st->index);
		if (st->value_case == MLMD__PB__EVENT__PATH__STEP__VALUE_KEY)
			mlmd__q_text(&q, 4, st->key ? st->key : "");
		if ((rc = mlmd__q_exec_later(&q)))
			return rc;
	}
	return 0;
}

int mlmd__rpc_PutEvents(call *c, const Mlmd__Pb__PutEventsRequest *rq, Mlmd__Pb__PutEventsResponse *rs)
{
	(void)rs;
	for (size_t i = 0; i < rq->n_events; i++) {
		int rc = mlmd__event_put(c, rq->events[i]);
		if (rc)
			return mlmd__context(rc, "events[%zu]", i);
	}
	return 0;
}

static const char *const paths_in[5] =
	MLMD_IN_SQL("SELECT event_id, step_index, step_key FROM event_path WHERE event_id IN (",
		    ") ORDER BY event_id, position");

/* Loads the paths of events[0..n) (ids eids[]) with one query per
 * MLMD_IN_MAX events; events without steps keep a NULL path. */
static int load_paths(call *c, Mlmd__Pb__Event **events, const int64_t *eids, size_t n)
{
	int rc = 0;
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n && !rc; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(c->s, &q, paths_in[slot])))
			return rc;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, eids + at, m, size);
		Mlmd__Pb__Event *e = NULL;
		int64_t cur = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t eid = mlmd__q_col_i64(&q, 0);
			if (!e || eid != cur) {
				e = NULL;
				cur = eid;
				for (size_t i = at; i < at + m && !e; i++)
					if (eids[i] == eid)
						e = events[i];
			}
			if (!e)
				continue;
			if (!e->path && !(e->path = mlmd__msg_new(&mlmd__pb__event__path__descriptor))) {
				rc = MLMD_OOM();
				break;
			}
			Mlmd__Pb__Event__Path__Step *st = mlmd__msg_new(&mlmd__pb__event__path__step__descriptor);
			if (!st || mlmd__push_ptr((void ***)&e->path->steps, &e->path->n_steps, st)) {
				free(st);
				rc = MLMD_OOM();
				break;
			}
			if (!mlmd__q_isnull(&q, 1)) {
				st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
				st->index = mlmd__q_col_i64(&q, 1);
			} else if (!mlmd__q_isnull(&q, 2)) {
				st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
				if (!(st->key = mlmd__strdup(mlmd__q_col_text(&q, 2)))) {
					rc = MLMD_OOM();
					break;
				}
			}
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	return rc;
}

int mlmd__events_read(call *c, sqlq *q, int (*keep)(void *ctx, const Mlmd__Pb__Event *e), void *ctx,
		      Mlmd__Pb__Event ***arr, size_t *n)
{
	size_t first = *n;
	int64_t *eids = NULL;
	size_t neids = 0;
	int rc;
	while ((rc = mlmd__q_step(q)) == 1) {
		Mlmd__Pb__Event *e = mlmd__msg_new(&mlmd__pb__event__descriptor);
		if (!e) {
			rc = MLMD_OOM();
			break;
		}
		e->has_artifact_id = e->has_execution_id = e->has_type = e->has_milliseconds_since_epoch = 1;
		e->artifact_id = mlmd__q_col_i64(q, 1);
		e->execution_id = mlmd__q_col_i64(q, 2);
		e->type = (Mlmd__Pb__Event__Type)mlmd__q_col_i64(q, 3);
		e->milliseconds_since_epoch = mlmd__q_col_i64(q, 4);
		if (keep && !keep(ctx, e)) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			continue;
		}
		if (mlmd__push_ptr((void ***)arr, n, e)) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			rc = MLMD_OOM();
			break;
		}
		if (mlmd__push_i64(&eids, &neids, mlmd__q_col_i64(q, 0))) {
			rc = -MLMD_RESOURCE_EXHAUSTED;
			break;
		}
		size_t smn;
		const void *sm = mlmd__q_col_blob(q, 5, &smn);
		if (sm && !(e->system_metadata = mlmd__pb__wkt__any__unpack(NULL, smn, sm))) {
			rc = mlmd__fail(MLMD_DATA_LOSS, "stored event system_metadata does not parse");
			break;
		}
	}
	mlmd__q_done(q);
	if (rc == 0)
		rc = load_paths(c, *arr + first, eids, neids);
	free(eids);
	return rc < 0 ? rc : 0;
}

int mlmd__events_load(call *c, const char *sql, int64_t id, Mlmd__Pb__Event ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->s, &q, sql);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	return mlmd__events_read(c, &q, NULL, NULL, arr, n);
}

int mlmd__rpc_GetEventsByExecutionIDs(call *c, const Mlmd__Pb__GetEventsByExecutionIDsRequest *rq,
				      Mlmd__Pb__GetEventsByExecutionIDsResponse *rs)
{
	int rc = 0;
	for (size_t i = 0; i < rq->n_execution_ids && !rc; i++)
		rc = mlmd__events_load(c, MLMD_EVENT_COLS " WHERE execution_id = ? ORDER BY id", rq->execution_ids[i], &rs->events,
				 &rs->n_events);
	return rc;
}

int mlmd__rpc_GetEventsByArtifactIDs(call *c, const Mlmd__Pb__GetEventsByArtifactIDsRequest *rq,
				     Mlmd__Pb__GetEventsByArtifactIDsResponse *rs)
{
	int rc = 0;
	for (size_t i = 0; i < rq->n_artifact_ids && !rc; i++)
		rc = mlmd__events_load(c, MLMD_EVENT_COLS " WHERE artifact_id = ? ORDER BY id", rq->artifact_ids[i], &rs->events,
				 &rs->n_events);
	return rc;
}

/* Inserts a membership edge; an existing edge is left as it is. */
static int put_member(call *c, const char *sql, const node_kind *k, int64_t context_id, int64_t node_id, int check)
{
	int rc;
	if (check && ((rc = require_node(c, &mlmd__context_kind, context_id)) || (rc = require_node(c, k, node_id))))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->s, &q, sql)))
		return rc;
	mlmd__q_i64(&q, 1, context_id);
	mlmd__q_i64(&q, 2, node_id);
	return mlmd__q_exec(&q);
}

int mlmd__attribution_put(call *c, int64_t context_id, int64_t artifact_id, int check)
{
	return put_member(c, "INSERT INTO attribution (context_id, artifact_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
			  &mlmd__artifact_kind, context_id, artifact_id, check);
}

int mlmd__association_put(call *c, int64_t context_id, int64_t execution_id, int check)
{
	return put_member(c, "INSERT INTO association (context_id, execution_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
			  &mlmd__execution_kind, context_id, execution_id, check);
}

int mlmd__rpc_PutAttributionsAndAssociations(call *c, const Mlmd__Pb__PutAttributionsAndAssociationsRequest *rq,
					     Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs)
{
	(void)rs;
	int rc;
	for (size_t i = 0; i < rq->n_attributions; i++) {
		const Mlmd__Pb__Attribution *a = rq->attributions[i];
		if (!a->has_context_id || !a->has_artifact_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "attributions[%zu]: context_id and artifact_id are required", i);
		if ((rc = mlmd__attribution_put(c, a->context_id, a->artifact_id, 1)))
			return mlmd__context(rc, "attributions[%zu]", i);
	}
	for (size_t i = 0; i < rq->n_associations; i++) {
		const Mlmd__Pb__Association *a = rq->associations[i];
		if (!a->has_context_id || !a->has_execution_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "associations[%zu]: context_id and execution_id are required", i);
		if ((rc = mlmd__association_put(c, a->context_id, a->execution_id, 1)))
			return mlmd__context(rc, "associations[%zu]", i);
	}
	return 0;
}

/* Is `target` reachable from `from` by following child->parent links? */
static int reaches(call *c, int64_t from, int64_t target, int *found)
{
	int64_t *todo = NULL, *seen = NULL;
	size_t ntodo = 0, nseen = 0;
	int rc = mlmd__push_i64(&todo, &ntodo, from);
	*found = 0;
	while (!rc && ntodo && !*found) {
		int64_t cur = todo[--ntodo];
		sqlq q;
		if ((rc = mlmd__q(c->s, &q, "SELECT parent_id FROM parent_context WHERE child_id = ?")))
			break;
		mlmd__q_i64(&q, 1, cur);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t p = mlmd__q_col_i64(&q, 0);
			if (p == target) {
				*found = 1;
				break;
			}
			size_t j = 0;
			while (j < nseen && seen[j] != p)
				j++;
			if (j == nseen && (mlmd__push_i64(&seen, &nseen, p) || mlmd__push_i64(&todo, &ntodo, p))) {
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	free(todo);
	free(seen);
	return rc;
}

int mlmd__rpc_PutParentContexts(call *c, const Mlmd__Pb__PutParentContextsRequest *rq,
				Mlmd__Pb__PutParentContextsResponse *rs)
{
	(void)rs;
	for (size_t i = 0; i < rq->n_parent_contexts; i++) {
		const Mlmd__Pb__ParentContext *pc = rq->parent_contexts[i];
		int rc, cycle = 0;
		if (!pc->has_child_id || !pc->has_parent_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "parent_contexts[%zu]: child_id and parent_id are required", i);
		if (pc->child_id == pc->parent_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "parent_contexts[%zu]: context %lld cannot be its own parent", i,
					  (long long)pc->child_id);
		if ((rc = require_node(c, &mlmd__context_kind, pc->child_id)) ||
		    (rc = require_node(c, &mlmd__context_kind, pc->parent_id)))
			return mlmd__context(rc, "parent_contexts[%zu]", i);
		if ((rc = reaches(c, pc->parent_id, pc->child_id, &cycle)))
			return rc;
		if (cycle)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "parent_contexts[%zu]: There is a cycle detected of the given relationship "
					  "(context %lld is already an ancestor of %lld)",
					  i, (long long)pc->child_id, (long long)pc->parent_id);
		sqlq q;
		if ((rc = mlmd__q(c->s, &q, "INSERT INTO parent_context (child_id, parent_id) VALUES (?, ?)")))
			return rc;
		mlmd__q_i64(&q, 1, pc->child_id);
		mlmd__q_i64(&q, 2, pc->parent_id);
		rc = mlmd__q_exec(&q);
		if (rc == -MLMD_ALREADY_EXISTS)
			return mlmd__fail(MLMD_ALREADY_EXISTS, "parent_contexts[%zu]: context %lld already has parent %lld",
					  i, (long long)pc->child_id, (long long)pc->parent_id);
		if (rc)
			return rc;
	}
	return 0;
}

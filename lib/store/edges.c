/*
 * store/edges.c - events, attributions, associations and parent contexts.
 */
#include <stdlib.h>
#include <string.h>
#include "rpc.h"
#include "datagov.h"

static int require_node(call *c, const node_kind *k, int64_t id)
{
	int rc = mlmd__node_exists(c, k, id);
	if (rc < 0)
		return rc;
	if (rc == 0 && (rc = mlmd__node_deleted(c, k, id)) != 0)
		return rc < 0 ? rc : mlmd__fail(MLMD_NOT_FOUND, "%s %lld is deleted (no new edge to a tombstone)",
					       k->what, (long long)id);
	if (rc == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "No %s with the given id %lld", k->what, (long long)id);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The ids among ids[0..n) that name live nodes of kind k, appended to
 * *found (sorted): one query per chunk of MLMD_IN_MAX ids, so a batch costs
 * a round trip per chunk on a network database, not per row. */
static int live_ids(call *c, const node_kind *k, const int64_t *ids, size_t n, int64_t **found, size_t *nfound)
{
	int rc = 0;
	for (size_t at = 0; at < n && !rc; at += MLMD_IN_MAX) {
		size_t m = n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX;
		mlmd_buf sql = { 0 };
		mlmd__buf_printf(&sql, "SELECT id FROM %s WHERE %sid IN (", k->table,
				 c->s->schema_version >= 5 ? "deleted_time IS NULL AND " : "");
		int size = mlmd__in_list(&sql, m);
		mlmd__buf_puts(&sql, ")");
		sqlq q;
		rc = sql.oom ? MLMD_OOM() : mlmd__q(c->sql, &q, sql.p);
		mlmd__buf_free(&sql);
		if (rc)
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		rc = mlmd__q_ids(&q, found, nfound);
	}
	if (!rc && *nfound > 1)
		qsort(*found, *nfound, sizeof **found, cmp_i64);
	return rc;
}

/* require_node() for many ids at once (live_ids). */
static int require_nodes(call *c, const node_kind *k, const int64_t *ids, size_t n)
{
	if (n == 1)
		return require_node(c, k, ids[0]);
	int64_t *found = NULL;
	size_t nfound = 0;
	int rc = live_ids(c, k, ids, n, &found, &nfound);
	for (size_t i = 0; i < n && !rc; i++)
		if (!nfound || !bsearch(&ids[i], found, nfound, sizeof *found, cmp_i64))
			rc = require_node(c, k, ids[i]); /* says which: deleted or absent */
	free(found);
	return rc;
}

/* 1 when every id of ids[0..n) names a live node of kind k, 0 when one
 * does not, or a negative status. */
static int all_live(call *c, const node_kind *k, const int64_t *ids, size_t n)
{
	int64_t *found = NULL;
	size_t nfound = 0;
	int rc = live_ids(c, k, ids, n, &found, &nfound);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!nfound || !bsearch(&ids[i], found, nfound, sizeof *found, cmp_i64))
			rc = 1;
	free(found);
	return rc < 0 ? rc : !rc;
}

static int event_check(const Mlmd__Pb__Event *e)
{
	if (!e->has_artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event: artifact_id is required");
	if (!e->has_execution_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event: execution_id is required");
	if (!e->has_type)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "event (artifact %lld, execution %lld): type is required",
				  (long long)e->artifact_id, (long long)e->execution_id);
	return 0;
}

static int event_insert(call *c, const Mlmd__Pb__Event *e);

int mlmd__event_put(call *c, const Mlmd__Pb__Event *e)
{
	int rc;
	if ((rc = event_check(e)) || (rc = require_node(c, &mlmd__artifact_kind, e->artifact_id)) ||
	    (rc = require_node(c, &mlmd__execution_kind, e->execution_id)))
		return rc;
	return event_insert(c, e);
}

/* Inserts a checked event and its path. In a batch, on a backend that
 * reserves ids, with known ids and without waiting (a duplicate is then
 * reported by the end of the call, still as ALREADY_EXISTS). */
static int event_insert(call *c, const Mlmd__Pb__Event *e)
{
	sqlq q;
	int64_t known;
	int rc = mlmd__insert_prepare(c->sql, &c->ids[ID_POOL_EVENT], "event", &q,
				      "INSERT INTO event (artifact_id, execution_id, type, time, system_metadata, id)"
				      " VALUES (?, ?, ?, ?, ?, ?)",
				      MLMD_INSERT("INSERT INTO event (artifact_id, execution_id, type, time,"
						  " system_metadata) VALUES (?, ?, ?, ?, ?)"),
				      &known);
	if (rc)
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
	rc = mlmd__insert_run(&q, 6, known, &id);
	free(sm);
	if (rc == -MLMD_ALREADY_EXISTS)
		return mlmd__fail(MLMD_ALREADY_EXISTS,
				  "an event of type %d between artifact %lld and execution %lld already exists", e->type,
				  (long long)e->artifact_id, (long long)e->execution_id);
	if (rc < 0)
		return rc;
	/* labels that reach its source follow the new edge (store/dg_reach.c) */
	if (mlmd__dg_event_is_input(e->type))
		rc = mlmd__dg_edge_added(c, KIND_ARTIFACT, e->artifact_id, KIND_EXECUTION, e->execution_id);
	else if (mlmd__dg_event_is_output(e->type))
		rc = mlmd__dg_edge_added(c, KIND_EXECUTION, e->execution_id, KIND_ARTIFACT, e->artifact_id);
	if (rc < 0)
		return rc;
	for (size_t i = 0; e->path && i < e->path->n_steps; i++) {
		const Mlmd__Pb__Event__Path__Step *st = e->path->steps[i];
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO event_path (event_id, position, step_index, step_key)"
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

/* Orders events by (artifact_id, execution_id, type): the event table's
 * unique key. */
static int cmp_event_key(const void *a, const void *b)
{
	const Mlmd__Pb__Event *x = *(const Mlmd__Pb__Event *const *)a, *y = *(const Mlmd__Pb__Event *const *)b;
	if (x->artifact_id != y->artifact_id)
		return x->artifact_id < y->artifact_id ? -1 : 1;
	if (x->execution_id != y->execution_id)
		return x->execution_id < y->execution_id ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

/*
 * Whether the events ev[0..n) can be inserted as one batch with the answer
 * n mlmd__event_put() calls would give: 1 when each is complete, no two
 * share the unique key, and all their artifacts and executions are live
 * (one query per MLMD_IN_MAX ids of each kind); 0 when one of these fails
 * (the caller then goes event by event, so the first bad one is named as
 * before); or a negative status.
 */
static int events_batchable(call *c, const Mlmd__Pb__Event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ev[i].has_artifact_id || !ev[i].has_execution_id || !ev[i].has_type)
			return 0;
	const Mlmd__Pb__Event **by_key = malloc(n * sizeof *by_key);
	int64_t *arts = malloc(n * sizeof *arts), *exes = malloc(n * sizeof *exes);
	int rc = 1;
	if (!by_key || !arts || !exes)
		rc = MLMD_OOM();
	for (size_t i = 0; i < n && rc == 1; i++) {
		by_key[i] = &ev[i];
		arts[i] = ev[i].artifact_id;
		exes[i] = ev[i].execution_id;
	}
	if (rc == 1) {
		qsort(by_key, n, sizeof *by_key, cmp_event_key);
		for (size_t i = 1; i < n && rc == 1; i++)
			if (!cmp_event_key(&by_key[i - 1], &by_key[i]))
				rc = 0;
	}
	if (rc == 1)
		rc = all_live(c, &mlmd__artifact_kind, arts, n);
	if (rc == 1)
		rc = all_live(c, &mlmd__execution_kind, exes, n);
	free(by_key);
	free(arts);
	free(exes);
	return rc;
}

int mlmd__events_put(call *c, const Mlmd__Pb__Event *ev, size_t n, const char *what)
{
	int rc = n > 1 ? events_batchable(c, ev, n) : 0;
	if (rc < 0)
		return mlmd__context(rc, "%s", what);
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			if ((rc = mlmd__event_put(c, &ev[i])))
				return mlmd__context(rc, "%s[%zu]", what, i);
		return 0;
	}
	rc = 0;
	c->ids[ID_POOL_EVENT].batch = (int64_t)n;
	for (size_t i = 0; i < n && !rc; i++)
		if ((rc = event_insert(c, &ev[i])))
			mlmd__context(rc, "%s[%zu]", what, i);
	c->ids[ID_POOL_EVENT].batch = 0;
	return rc;
}

int mlmd__rpc_PutEvents(call *c, const Mlmd__Pb__PutEventsRequest *rq, Mlmd__Pb__PutEventsResponse *rs)
{
	(void)rs;
	size_t n = rq->n_events;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if ((rc = event_check(rq->events[i])))
			return mlmd__context(rc, "events[%zu]", i);
	/* the nodes of the whole batch are checked in one go */
	int64_t *arts = malloc((n + 1) * sizeof *arts), *exes = malloc((n + 1) * sizeof *exes);
	if (!arts || !exes) {
		free(arts);
		free(exes);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		arts[i] = rq->events[i]->artifact_id;
		exes[i] = rq->events[i]->execution_id;
	}
	if (n && !(rc = require_nodes(c, &mlmd__artifact_kind, arts, n)))
		rc = require_nodes(c, &mlmd__execution_kind, exes, n);
	free(arts);
	free(exes);
	if (rc)
		return mlmd__context(rc, "events");
	/* beside other writers, the label walks' lock before the first write */
	if (n && ((rc = mlmd__dg_edges_want(c)) || (rc = mlmd__sql_lock_wanted(c->sql))))
		return rc;
	c->ids[ID_POOL_EVENT].batch = (int64_t)n;
	for (size_t i = 0; i < n && !rc; i++)
		if ((rc = event_insert(c, rq->events[i])))
			mlmd__context(rc, "events[%zu]", i);
	c->ids[ID_POOL_EVENT].batch = 0;
	return rc;
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
		if ((rc = mlmd__q(c->sql, &q, paths_in[slot])))
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
	if (rc == 0 && neids) /* no events: *arr may still be NULL */
		rc = load_paths(c, *arr + first, eids, neids);
	free(eids);
	return rc < 0 ? rc : 0;
}

int mlmd__events_load(call *c, const char *sql, int64_t id, Mlmd__Pb__Event ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
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

/* Inserts a membership edge; an existing edge is left as it is. The
 * context's propagating labels follow it (store/dg_reach.c). */
static int put_member(call *c, const char *sql, const node_kind *k, int64_t context_id, int64_t node_id, int check)
{
	int rc;
	if (check && ((rc = require_node(c, &mlmd__context_kind, context_id)) || (rc = require_node(c, k, node_id))))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, sql)))
		return rc;
	mlmd__q_i64(&q, 1, context_id);
	mlmd__q_i64(&q, 2, node_id);
	if ((rc = mlmd__q_exec_later(&q))) /* a duplicate is a no-op; the ids were checked */
		return rc;
	return mlmd__dg_edge_added(c, KIND_CONTEXT, context_id, k->kind, node_id);
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
	int rc = 0;
	size_t na = rq->n_attributions, ne = rq->n_associations;
	for (size_t i = 0; i < na; i++)
		if (!rq->attributions[i]->has_context_id || !rq->attributions[i]->has_artifact_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "attributions[%zu]: context_id and artifact_id are required", i);
	for (size_t i = 0; i < ne; i++)
		if (!rq->associations[i]->has_context_id || !rq->associations[i]->has_execution_id)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "associations[%zu]: context_id and execution_id are required", i);
	/* every id of the batch is checked in a few queries (MLMD #118: a big
	 * batch used to cost a check and an insert per element) */
	int64_t *ctx = malloc((na + ne + 1) * sizeof *ctx), *arts = malloc((na + 1) * sizeof *arts),
		*exes = malloc((ne + 1) * sizeof *exes);
	if (!ctx || !arts || !exes) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		ctx[i] = rq->attributions[i]->context_id;
		arts[i] = rq->attributions[i]->artifact_id;
	}
	for (size_t i = 0; i < ne; i++) {
		ctx[na + i] = rq->associations[i]->context_id;
		exes[i] = rq->associations[i]->execution_id;
	}
	if ((na + ne && (rc = require_nodes(c, &mlmd__context_kind, ctx, na + ne))) ||
	    (na && (rc = require_nodes(c, &mlmd__artifact_kind, arts, na))) ||
	    (ne && (rc = require_nodes(c, &mlmd__execution_kind, exes, ne))))
		goto out;
	/* beside other writers, the label walks' lock before the first write */
	if (na + ne && ((rc = mlmd__dg_edges_want(c)) || (rc = mlmd__sql_lock_wanted(c->sql))))
		goto out;
	for (size_t i = 0; i < na && !rc; i++)
		if ((rc = mlmd__attribution_put(c, ctx[i], arts[i], 0)))
			mlmd__context(rc, "attributions[%zu]", i);
	for (size_t i = 0; i < ne && !rc; i++)
		if ((rc = mlmd__association_put(c, ctx[na + i], exes[i], 0)))
			mlmd__context(rc, "associations[%zu]", i);
out:
	free(ctx);
	free(arts);
	free(exes);
	return rc;
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
		if ((rc = mlmd__q(c->sql, &q, "SELECT parent_id FROM parent_context WHERE child_id = ?")))
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
	/* Beside other writers, the parent-context graph is locked once per
	 * request, before its first cycle check: two writers adding opposite
	 * edges run one after the other, and the second sees the first's. */
	int lrc = rq->n_parent_contexts ? mlmd__sql_lock(c->sql, "parent_context") : 0;
	if (lrc)
		return lrc;
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
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO parent_context (child_id, parent_id) VALUES (?, ?)")))
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

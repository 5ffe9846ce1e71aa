/*
 * tests/test_subgraph_events.c - the events of PutLineageSubgraph, which go
 * in as one batch when the request allows it (store/edges.c,
 * mlmd__events_put): they come out the same as the same edges put one per
 * call (the event-by-event path), and a refused request names the same
 * edge as before and writes nothing. On every backend.
 */
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

/* Artifacts per chain: 2 * (NA - 1) = 278 edges, more ids than one chunk
 * of an id list (MLMD_IN_MAX, 256). */
#define NA 140
#define NE (2 * (NA - 1))

static mlmd_store *s;
static int64_t at, et;

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at = artifact_type(s, "Data", 0);
	et = execution_type(s, "Step");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

/* A chain a[0] -INPUT-> e[0] -OUTPUT-> a[1] ... as one request, on the heap
 * (stack messages, pointing into the struct). Every third edge has a path,
 * every even one an explicit time. */
typedef struct chain {
	Mlmd__Pb__Artifact a[NA], *ap[NA];
	Mlmd__Pb__Execution e[NA - 1], *ep[NA - 1];
	Mlmd__Pb__Event ev[NE];
	Mlmd__Pb__Event__Path path[NE];
	Mlmd__Pb__Event__Path__Step step[NE][2], *stepp[NE][2];
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[NE], *edp[NE];
	Mlmd__Pb__PutLineageSubgraphRequest rq;
} chain;

static chain *chain_new(void)
{
	chain *c = calloc(1, sizeof *c);
	assert_non_null(c);
	for (int i = 0; i < NA; i++) {
		mlmd__pb__artifact__init(&c->a[i]);
		c->a[i].has_type_id = 1;
		c->a[i].type_id = at;
		c->ap[i] = &c->a[i];
	}
	for (int i = 0; i < NA - 1; i++) {
		mlmd__pb__execution__init(&c->e[i]);
		c->e[i].has_type_id = 1;
		c->e[i].type_id = et;
		c->ep[i] = &c->e[i];
	}
	for (int k = 0; k < NE; k++) {
		Mlmd__Pb__Event *ev = &c->ev[k];
		mlmd__pb__event__init(ev);
		ev->has_type = 1;
		ev->type = k % 2 ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		if (k % 2 == 0) {
			ev->has_milliseconds_since_epoch = 1;
			ev->milliseconds_since_epoch = 1700000000000 + k;
		}
		if (k % 3 == 0) {
			mlmd__pb__event__path__init(&c->path[k]);
			for (int j = 0; j < 2; j++) {
				mlmd__pb__event__path__step__init(&c->step[k][j]);
				c->stepp[k][j] = &c->step[k][j];
			}
			c->step[k][0].value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
			c->step[k][0].key = "part";
			c->step[k][1].value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
			c->step[k][1].index = k;
			c->path[k].n_steps = 2;
			c->path[k].steps = c->stepp[k];
			ev->path = &c->path[k];
		}
		mlmd__pb__put_lineage_subgraph_request__event_edge__init(&c->ed[k]);
		c->ed[k].has_execution_index = c->ed[k].has_artifact_index = 1;
		c->ed[k].execution_index = k / 2;
		c->ed[k].artifact_index = k / 2 + k % 2;
		c->ed[k].event = ev;
		c->edp[k] = &c->ed[k];
	}
	mlmd__pb__put_lineage_subgraph_request__init(&c->rq);
	c->rq.n_artifacts = NA;
	c->rq.artifacts = c->ap;
	c->rq.n_executions = NA - 1;
	c->rq.executions = c->ep;
	c->rq.n_event_edges = NE;
	c->rq.event_edges = c->edp;
	return c;
}

static Mlmd__Pb__PutLineageSubgraphResponse *put(Mlmd__Pb__PutLineageSubgraphRequest *rq)
{
	Mlmd__Pb__PutLineageSubgraphResponse *rs = NULL;
	OK(mlmd_store_put_lineage_subgraph(s, rq, &rs));
	return rs;
}

/* An event as read back, its nodes as indexes into the chain. */
typedef struct seen {
	int64_t a, e, type, time, path_index;
	int has_path;
} seen;

static int cmp_seen(const void *x, const void *y)
{
	const seen *p = x, *q = y;
	if (p->e != q->e)
		return p->e < q->e ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->type > q->type) - (p->type < q->type);
}

static int64_t index_of(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return (int64_t)i;
	fail_msg("id %lld is not one of the chain's", (long long)id);
	return -1;
}

/* The events of the chain whose nodes have these ids, sorted (NE of them). */
static void read_chain(const Mlmd__Pb__PutLineageSubgraphResponse *ids, seen *out)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r;
	q.n_execution_ids = ids->n_execution_ids;
	q.execution_ids = ids->execution_ids;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &r));
	assert_int_equal(r->n_events, NE);
	for (size_t i = 0; i < NE; i++) {
		const Mlmd__Pb__Event *ev = r->events[i];
		seen *o = &out[i];
		memset(o, 0, sizeof *o);
		o->a = index_of(ids->artifact_ids, ids->n_artifact_ids, ev->artifact_id);
		o->e = index_of(ids->execution_ids, ids->n_execution_ids, ev->execution_id);
		o->type = ev->type;
		assert_true(ev->has_milliseconds_since_epoch && ev->milliseconds_since_epoch > 0);
		o->time = ev->milliseconds_since_epoch;
		if (ev->path) {
			assert_int_equal(ev->path->n_steps, 2);
			assert_string_equal(ev->path->steps[0]->key, "part");
			o->has_path = 1;
			o->path_index = ev->path->steps[1]->index;
		}
	}
	mlmd_message_free(r);
	qsort(out, NE, sizeof *out, cmp_seen);
}

/* The batch path against the event-by-event one: one request with all the
 * edges, and the same nodes with each edge put by its own request (one edge
 * a call takes the event-by-event path). Same events, types, paths and
 * given times; the times the store fills in are the call's. */
static void batched_events_equal_one_by_one(void **st)
{
	(void)st;
	chain *c = chain_new();
	Mlmd__Pb__PutLineageSubgraphResponse *fast = put(&c->rq);
	assert_int_equal(fast->n_artifact_ids, NA);

	c->rq.n_event_edges = 0; /* the nodes alone, then one request per edge */
	Mlmd__Pb__PutLineageSubgraphResponse *slow = put(&c->rq);
	for (int k = 0; k < NE; k++) {
		Mlmd__Pb__Event ev = c->ev[k];
		ev.has_artifact_id = ev.has_execution_id = 1;
		ev.artifact_id = slow->artifact_ids[c->ed[k].artifact_index];
		ev.execution_id = slow->execution_ids[c->ed[k].execution_index];
		Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT,
								*edp = &ed;
		ed.event = &ev;
		Mlmd__Pb__PutLineageSubgraphRequest one = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
		one.n_event_edges = 1;
		one.event_edges = &edp;
		mlmd_message_free(put(&one));
	}

	seen *f = calloc(2 * NE, sizeof *f), *w = f + NE;
	assert_non_null(f);
	read_chain(fast, f);
	read_chain(slow, w);
	for (int i = 0; i < NE; i++) {
		/* sorted by (execution, artifact, type): edge i of the chain */
		assert_int_equal(f[i].e, i / 2);
		assert_int_equal(f[i].a, i / 2 + i % 2);
		assert_int_equal(f[i].type, i % 2 ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT);
		assert_int_equal(f[i].e, w[i].e);
		assert_int_equal(f[i].a, w[i].a);
		assert_int_equal(f[i].type, w[i].type);
		assert_int_equal(f[i].has_path, i % 3 == 0);
		assert_int_equal(w[i].has_path, i % 3 == 0);
		assert_int_equal(f[i].path_index, w[i].path_index);
		if (i % 2 == 0) {
			assert_int_equal(f[i].time, 1700000000000 + i);
			assert_int_equal(w[i].time, 1700000000000 + i);
		}
	}
	free(f);
	mlmd_message_free(fast);
	mlmd_message_free(slow);
	free(c);
}

static size_t count_artifacts(void)
{
	Mlmd__Pb__GetArtifactsRequest q = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *r;
	OK(mlmd_store_get_artifacts(s, &q, &r));
	size_t n = r->n_artifacts;
	mlmd_message_free(r);
	return n;
}

static size_t count_events(int64_t execution_id)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r;
	q.n_execution_ids = 1;
	q.execution_ids = &execution_id;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &r));
	size_t n = r->n_events;
	mlmd_message_free(r);
	return n;
}

/* Runs rq, which must fail with `code`; its message must name edge
 * `edge` (when not negative) and hold `needle`. Nothing is written. */
static void refused(Mlmd__Pb__PutLineageSubgraphRequest *rq, int code, int edge, const char *needle, int64_t stored_e)
{
	size_t arts = count_artifacts(), evs = count_events(stored_e);
	Mlmd__Pb__PutLineageSubgraphResponse *rs = NULL;
	FAILS(mlmd_store_put_lineage_subgraph(s, rq, &rs), code, needle);
	if (edge >= 0) {
		char want[32];
		snprintf(want, sizeof want, "event_edges[%d]", edge);
		if (!strstr(mlmd_error_message(), want))
			fail_msg("message '%s' lacks '%s'", mlmd_error_message(), want);
	}
	assert_int_equal(count_artifacts(), arts);
	assert_int_equal(count_events(stored_e), evs);
}

/* A request whose edges cannot all go in is refused as edge by edge: the
 * first bad edge is named, with the same message, and the request writes
 * nothing (not its nodes, not the edges before the bad one). */
static void refused_edges_are_named_and_write_nothing(void **st)
{
	(void)st;
	int64_t old_e = put_execution_node(s, et), old_a = 0, gone = 0;
	OK(put_artifact(s, new_artifact(at, "/old"), &old_a));
	OK(put_artifact(s, new_artifact(at, "/gone"), &gone));
	Mlmd__Pb__Governance__DeleteNodesRequest dq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	dq.has_kind = 1;
	dq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	dq.n_ids = 1;
	dq.ids = &gone;
	int rc;
	void *dr = test_rpc(s, "DeleteNodes", &dq, &mlmd__pb__governance__delete_nodes_response__descriptor, &rc);
	OK(rc);
	protobuf_c_message_free_unpacked(dr, NULL);

	chain *c = chain_new();
	c->rq.n_artifacts = 3; /* a[0] -> e[0] -> a[1] -> e[1] -> a[2]: 4 edges, then 2 more by id */
	c->rq.n_executions = 2;
	c->rq.n_event_edges = 6;
	Mlmd__Pb__Event *x = &c->ev[4], *y = &c->ev[5];
	c->ed[4].has_artifact_index = 0; /* old_a -INPUT-> e[0] */
	x->has_artifact_id = 1;
	x->artifact_id = old_a;
	x->type = MLMD__PB__EVENT__TYPE__INPUT;
	c->ed[4].execution_index = 0;
	c->ed[5].has_execution_index = 0; /* old_e -OUTPUT-> a[2] */
	y->has_execution_id = 1;
	y->execution_id = old_e;
	y->type = MLMD__PB__EVENT__TYPE__OUTPUT;
	c->ed[5].artifact_index = 2;

	x->artifact_id = 999999;
	refused(&c->rq, MLMD_INVALID_ARGUMENT, 4, "No artifact with the given id 999999", old_e);
	x->artifact_id = gone;
	refused(&c->rq, MLMD_NOT_FOUND, 4, "is deleted", old_e);
	x->artifact_id = old_a;
	y->execution_id = 888888;
	refused(&c->rq, MLMD_INVALID_ARGUMENT, 5, "No execution with the given id 888888", old_e);
	y->execution_id = old_e;
	x->has_type = 0;
	refused(&c->rq, MLMD_INVALID_ARGUMENT, 4, "type is required", old_e);
	x->has_type = 1;
	/* the same event twice in one request: the second is named */
	c->ed[3] = c->ed[1];
	c->ed[3].event = &c->ev[1];
	refused(&c->rq, MLMD_ALREADY_EXISTS, 3, "an event of type 4 between artifact", old_e);
	c->ed[3] = c->ed[1];
	c->ed[3].execution_index = 1;
	c->ed[3].artifact_index = 2;
	c->ed[3].event = &c->ev[3];

	/* an event that is stored already: refused, whatever the backend's words */
	put_event_node(s, old_e, old_a, MLMD__PB__EVENT__TYPE__OUTPUT);
	y->has_execution_id = 1;
	c->ed[5].has_artifact_index = 0;
	y->has_artifact_id = 1;
	y->artifact_id = old_a;
	refused(&c->rq, MLMD_ALREADY_EXISTS, -1, "", old_e);
	c->ed[5].has_artifact_index = 1;
	y->has_artifact_id = 0;

	/* and the request as meant goes in whole */
	Mlmd__Pb__PutLineageSubgraphResponse *rs = put(&c->rq);
	assert_int_equal(count_events(old_e), 2);
	assert_int_equal(count_events(rs->execution_ids[0]), 3);
	assert_int_equal(count_events(rs->execution_ids[1]), 2);
	mlmd_message_free(rs);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batched_events_equal_one_by_one, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_edges_are_named_and_write_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_deadline.c - mlmd_store_set_deadline() and
 * mlmd_store_clear_deadline(), the library side of a server passing its
 * client's deadline to the store: a call starting after the deadline is
 * DEADLINE_EXCEEDED and writes nothing; a lineage walk well inside its
 * deadline is complete. Runs on the backend MLMD_TEST_BACKEND names.
 *
 * No assertion here depends on how fast the machine is: the deadlines are
 * either already passed (0 ms) or an hour away.
 */
#include "helpers.h"
#include <errno.h>
#include <time.h>

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

/* The number of artifacts in store `h` (every page of GetArtifacts). */
static size_t count_artifacts(mlmd_store *h)
{
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	lo.has_max_result_size = 1;
	lo.max_result_size = 100;
	rq.options = &lo;
	size_t n = 0;
	char *token = NULL;
	do {
		Mlmd__Pb__GetArtifactsResponse *rs = NULL;
		lo.next_page_token = token;
		OK(mlmd_store_get_artifacts(h, &rq, &rs));
		n += rs->n_artifacts;
		free(token);
		token = rs->next_page_token && *rs->next_page_token ? strdup(rs->next_page_token) : NULL;
		mlmd_message_free(rs);
	} while (token);
	return n;
}

static Mlmd__Pb__Artifact *named(const char *name)
{
	Mlmd__Pb__Artifact *a = new_artifact(at, "/deadline");
	OK(mlmd_message_set_string(a, "name", name));
	return a;
}

/* A deadline already passed refuses the next calls, reads and writes, typed
 * and bytes, before they touch the database; clearing it lets them run. */
static void passed_deadline_refuses_calls_and_writes_nothing(void **st)
{
	(void)st;
	size_t before = count_artifacts(s);
	OK(mlmd_store_set_deadline(s, 0));
	FAILS(put_artifact(s, named("late-1"), NULL), MLMD_DEADLINE_EXCEEDED, "PutArtifacts");
	FAILS(put_artifact(s, named("late-2"), NULL), MLMD_DEADLINE_EXCEEDED, "deadline");
	/* a read is refused too */
	Mlmd__Pb__GetArtifactsRequest grq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *grs = NULL;
	FAILS(mlmd_store_get_artifacts(s, &grq, &grs), MLMD_DEADLINE_EXCEEDED, "GetArtifacts");
	assert_null(grs);
	/* and the bytes entry point, whatever the request holds */
	void *resp = (void *)1;
	size_t len = 7;
	FAILS(mlmd_store_call(s, "GetArtifacts", "", 0, &resp, &len), MLMD_DEADLINE_EXCEEDED, "deadline");
	assert_null(resp);
	mlmd_store_clear_deadline(s);
	assert_int_equal(count_artifacts(s), before);
	int64_t id = 0;
	OK(put_artifact(s, named("in-time"), &id));
	assert_true(id > 0);
	assert_int_equal(count_artifacts(s), before + 1);
	/* clearing twice, or a NULL store, is harmless */
	mlmd_store_clear_deadline(s);
	mlmd_store_clear_deadline(NULL);
}

/* A negative deadline is a bad argument and changes nothing; so is a NULL store. */
static void negative_deadline_is_invalid(void **st)
{
	(void)st;
	FAILS(mlmd_store_set_deadline(s, -1), MLMD_INVALID_ARGUMENT, "-1 ms is negative");
	FAILS(mlmd_store_set_deadline(NULL, 10), MLMD_INVALID_ARGUMENT, "store is NULL");
	OK(put_artifact(s, named("after-negative"), NULL)); /* no deadline was set */
	/* a refused negative deadline does not lift one already set */
	OK(mlmd_store_set_deadline(s, 0));
	FAILS(mlmd_store_set_deadline(s, INT64_MIN), MLMD_INVALID_ARGUMENT, "negative");
	FAILS(put_artifact(s, named("still-late"), NULL), MLMD_DEADLINE_EXCEEDED, "deadline");
	mlmd_store_clear_deadline(s);
}

/* A later deadline replaces an earlier one; a huge one is no deadline in
 * practice (it must not wrap around into the past). */
static void deadline_is_replaced_and_does_not_wrap(void **st)
{
	(void)st;
	OK(mlmd_store_set_deadline(s, 0));
	OK(mlmd_store_set_deadline(s, 3600 * 1000));
	OK(put_artifact(s, named("replaced"), NULL));
	OK(mlmd_store_set_deadline(s, INT64_MAX));
	OK(put_artifact(s, named("far-future"), NULL));
	OK(mlmd_store_set_deadline(s, 0));
	FAILS(put_artifact(s, named("past-again"), NULL), MLMD_DEADLINE_EXCEEDED, "deadline");
	mlmd_store_clear_deadline(s);
}

/* The deadline belongs to the handle: another handle on the same store is
 * not bound by it (each server worker has its own). */
static void deadline_is_per_handle(void **st)
{
	(void)st;
	if (!strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a second handle on a memory store is another database */
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = last_store_uri;
	mlmd_store *other = NULL;
	OK(mlmd_store_open(&other, &o));
	OK(mlmd_store_set_deadline(s, 0));
	size_t before = count_artifacts(other);
	OK(put_artifact(other, named("other-handle"), NULL));
	assert_int_equal(count_artifacts(other), before + 1);
	FAILS(put_artifact(s, named("this-handle"), NULL), MLMD_DEADLINE_EXCEEDED, "deadline");
	mlmd_store_clear_deadline(s);
	mlmd_store_free(other);
}

/* A PutExecution refused at its deadline leaves no execution, artifact,
 * event, context or association behind. */
static void refused_put_execution_leaves_nothing(void **st)
{
	(void)st;
	int64_t ct = context_type(s, "Run");
	Mlmd__Pb__PutExecutionRequest *rq = mlmd_message_new(&mlmd__pb__put_execution_request__descriptor);
	rq->execution = mlmd_message_new(&mlmd__pb__execution__descriptor);
	rq->execution->has_type_id = 1;
	rq->execution->type_id = et;
	OK(mlmd_message_set_string(rq->execution, "name", "refused-run"));
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p =
		mlmd_message_new(&mlmd__pb__put_execution_request__artifact_and_event__descriptor);
	p->artifact = named("refused-output");
	p->event = mlmd_message_new(&mlmd__pb__event__descriptor);
	p->event->has_type = 1;
	p->event->type = MLMD__PB__EVENT__TYPE__OUTPUT;
	OK(mlmd_message_append(rq, "artifact_event_pairs", p));
	Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
	c->has_type_id = 1;
	c->type_id = ct;
	OK(mlmd_message_set_string(c, "name", "refused-context"));
	OK(mlmd_message_append(rq, "contexts", c));

	OK(mlmd_store_set_deadline(s, 0));
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	FAILS(mlmd_store_put_execution(s, rq, &rs), MLMD_DEADLINE_EXCEEDED, "PutExecution");
	assert_null(rs);
	mlmd_store_clear_deadline(s);

	Mlmd__Pb__GetExecutionByTypeAndNameRequest eq = MLMD__PB__GET_EXECUTION_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetExecutionByTypeAndNameResponse *er = NULL;
	eq.type_name = "Step";
	eq.execution_name = "refused-run";
	OK(mlmd_store_get_execution_by_type_and_name(s, &eq, &er));
	assert_null(er->execution);
	mlmd_message_free(er);
	Mlmd__Pb__GetArtifactByTypeAndNameRequest aq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetArtifactByTypeAndNameResponse *ar = NULL;
	aq.type_name = "Data";
	aq.artifact_name = "refused-output";
	OK(mlmd_store_get_artifact_by_type_and_name(s, &aq, &ar));
	assert_null(ar->artifact);
	mlmd_message_free(ar);
	Mlmd__Pb__GetContextByTypeAndNameRequest cq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *cr = NULL;
	cq.type_name = "Run";
	cq.context_name = "refused-context";
	OK(mlmd_store_get_context_by_type_and_name(s, &cq, &cr));
	assert_null(cr->context);
	mlmd_message_free(cr);

	/* the same request once the deadline is gone: everything is there */
	OK(mlmd_store_put_execution(s, rq, &rs));
	assert_int_equal(rs->n_artifact_ids, 1);
	assert_int_equal(rs->n_context_ids, 1);
	mlmd_message_free(rs);
	mlmd_message_free(rq);
}

/* A chain exec0 -> a0 -> exec1 -> a1 ... of `levels` executions, WIDTH
 * artifacts each, in store h (types a, e); returns the first execution's id. */
static int64_t chain_in(mlmd_store *h, int64_t a_type, int64_t e_type, int levels)
{
	enum { WIDTH = 4 };
	int64_t prev = 0, first = 0;
	for (int l = 0; l < levels; l++) {
		int64_t e = put_execution_node(h, e_type);
		if (!first)
			first = e;
		if (prev)
			put_event_node(h, e, prev, MLMD__PB__EVENT__TYPE__INPUT);
		for (int w = 0; w < WIDTH; w++) {
			int64_t a = 0;
			OK(put_artifact(h, new_artifact(a_type, "/chain"), &a));
			put_event_node(h, e, a, MLMD__PB__EVENT__TYPE__OUTPUT);
			prev = a;
		}
	}
	return first;
}

static int64_t chain(int levels)
{
	return chain_in(s, at, et, levels);
}

/* A walk with its deadline an hour away runs to its end: nothing is cut
 * and mlmd_partial stays unset, for both lineage RPCs. */
static void lineage_walk_inside_deadline_is_complete(void **st)
{
	(void)st;
	enum { LEVELS = 30 };
	int64_t first = chain(LEVELS);
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)first);

	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes start = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	start.filter_query = filter;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS;
	o.starting_executions = &start;
	o.has_max_num_hops = 1;
	o.max_num_hops = 4 * LEVELS;
	o.has_direction = 1;
	o.direction = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &o;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	OK(mlmd_store_set_deadline(s, 3600 * 1000));
	OK(mlmd_store_get_lineage_subgraph(s, &rq, &rs));
	assert_false(rs->has_mlmd_partial && rs->mlmd_partial);
	assert_int_equal(rs->lineage_subgraph->n_executions, LEVELS);
	assert_int_equal(rs->lineage_subgraph->n_artifacts, 4 * LEVELS);
	mlmd_message_free(rs);

	/* the deprecated GetLineageGraph, from the last artifact upstream */
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__LineageGraphQueryOptions go = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageGraphQueryOptions__BoundaryConstraint bc = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__BOUNDARY_CONSTRAINT__INIT;
	snprintf(filter, sizeof filter, "uri = '/chain'");
	lo.filter_query = filter;
	go.query_nodes_case = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__QUERY_NODES_ARTIFACTS_OPTIONS;
	go.artifacts_options = &lo;
	go.has_max_node_size = 1;
	go.max_node_size = 10 * LEVELS;
	bc.has_max_num_hops = 1;
	bc.max_num_hops = 4 * LEVELS;
	go.stop_conditions = &bc;
	Mlmd__Pb__GetLineageGraphRequest grq = MLMD__PB__GET_LINEAGE_GRAPH_REQUEST__INIT;
	grq.options = &go;
	Mlmd__Pb__GetLineageGraphResponse *grs = NULL;
	OK(mlmd_store_get_lineage_graph(s, &grq, &grs));
	assert_false(grs->has_mlmd_partial && grs->mlmd_partial);
	assert_int_equal(grs->subgraph->n_executions, LEVELS);
	assert_int_equal(grs->subgraph->n_artifacts, 4 * LEVELS);
	mlmd_message_free(grs);
	mlmd_store_clear_deadline(s);
}

/* ---- a deadline passing in the middle of a walk ------------------------------------------------- */

/* The step() of the backend under the walk, and a wait armed before a call:
 * its first step() waits until `hold_until` (CLOCK_MONOTONIC, the clock
 * the store's deadlines use) before running, so the walk that follows is
 * past its deadline however fast the machine is. */
static int (*real_step)(mlmd_backend_stmt *st);
static struct timespec hold_until;
static int hold_armed;

static int holding_step(mlmd_backend_stmt *st)
{
	if (hold_armed) {
		hold_armed = 0;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &hold_until, NULL) == EINTR)
			;
	}
	return real_step(st);
}

/* A walk that starts before its deadline and is still running at it stops
 * there: the answer is OK with what was found, mlmd_partial set and the
 * reason naming the deadline. (The walk runs on tests/backend_custom.c's
 * backend, whose step() the test wraps; whatever MLMD_TEST_BACKEND says.) */
static void lineage_walk_stops_at_deadline_with_partial(void **st)
{
	(void)st;
	enum { LEVELS = 10, DEADLINE_MS = 300 };
	char *path = tmp_path("deadline-walk");
	mlmd_backend *be = NULL;
	OK(custom_backend_open(&be, path));
	real_step = be->step;
	be->step = holding_step;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	mlmd_store *h = NULL;
	OK(mlmd_store_open_backend(&h, be, &o));
	int64_t first = chain_in(h, artifact_type(h, "Data", 0), execution_type(h, "Step"), LEVELS);
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)first);
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes start = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions q = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	start.filter_query = filter;
	q.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS;
	q.starting_executions = &start;
	q.has_max_num_hops = 1;
	q.max_num_hops = 4 * LEVELS;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &q;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	int rc = 0, tries = 0;
	do {
		/* the call must start in time: a machine that stalls longer than the
		 * deadline before it starts gets DEADLINE_EXCEEDED, and a new try */
		OK(mlmd_store_set_deadline(h, DEADLINE_MS));
		clock_gettime(CLOCK_MONOTONIC, &hold_until);
		hold_until.tv_sec += DEADLINE_MS / 1000;
		hold_until.tv_nsec += (DEADLINE_MS % 1000 + 1) * 1000000L;
		if (hold_until.tv_nsec >= 1000000000L) {
			hold_until.tv_sec++;
			hold_until.tv_nsec -= 1000000000L;
		}
		hold_armed = 1;
		rc = mlmd_store_get_lineage_subgraph(h, &rq, &rs);
	} while (rc == -MLMD_DEADLINE_EXCEEDED && hold_armed && ++tries < 10);
	OK(rc);
	assert_true(rs->has_mlmd_partial && rs->mlmd_partial);
	assert_non_null(strstr(rs->mlmd_partial_reason, "mlmd_store_set_deadline"));
	assert_true(rs->lineage_subgraph->n_executions < LEVELS);
	mlmd_message_free(rs);
	/* the deadline has passed: the next call is refused; cleared, the walk is whole */
	FAILS(mlmd_store_get_lineage_subgraph(h, &rq, &rs), MLMD_DEADLINE_EXCEEDED, "deadline");
	mlmd_store_clear_deadline(h);
	OK(mlmd_store_get_lineage_subgraph(h, &rq, &rs));
	assert_false(rs->has_mlmd_partial && rs->mlmd_partial);
	assert_int_equal(rs->lineage_subgraph->n_executions, LEVELS);
	mlmd_message_free(rs);
	mlmd_store_free(h);
	tmp_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passed_deadline_refuses_calls_and_writes_nothing),
		cmocka_unit_test(negative_deadline_is_invalid),
		cmocka_unit_test(deadline_is_replaced_and_does_not_wrap),
		cmocka_unit_test(deadline_is_per_handle),
		cmocka_unit_test(refused_put_execution_leaves_nothing),
		cmocka_unit_test(lineage_walk_inside_deadline_is_complete),
		cmocka_unit_test(lineage_walk_stops_at_deadline_with_partial),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * tests/test_lineage.c - GetLineageSubgraph and GetLineageGraph on a
 * branching DAG: directions, hop limits, ending nodes, boundaries, read
 * masks, hydration, node caps and time budgets.
 */
#include "helpers.h"

/*
 *   raw  ext                        (a = artifact, e = execution)
 *     \  /
 *    clean ---> ds ---> stats ---> report
 *                \
 *               train ---> model ---> eval ---> metrics
 *                              \
 *                             serve <==> preds   (serve reads and writes preds)
 *
 *   other ---> lone ---> otherout   (unconnected; shares context run2 with model)
 *
 * Contexts: run1 {raw, ext, ds, model, clean, train}, run2 {model, other,
 * metrics, eval}, pipe {raw} and parent of run1 and run2.
 */
static mlmd_store *s;
static int64_t at, et, ct;
enum { RAW = 1, EXT, DS, MODEL, REPORT, METRICS, PREDS, OTHER, OTHEROUT, NA };
enum { CLEAN = 1, TRAIN, STATS, EVAL, SERVE, LONE, NE };
static const char *anames[] = { "", "raw", "ext", "ds", "model", "report", "metrics", "preds", "other", "otherout" };
static const char *enames[] = { "", "clean", "train", "stats", "eval", "serve", "lone" };
static int64_t A[NA], E[NE], C[4];

static void event(int a, int e, int type, const char *key)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	Mlmd__Pb__Event__Path path = MLMD__PB__EVENT__PATH__INIT;
	Mlmd__Pb__Event__Path__Step step = MLMD__PB__EVENT__PATH__STEP__INIT, *stp = &step;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = A[a];
	ev.execution_id = E[e];
	ev.type = (Mlmd__Pb__Event__Type)type;
	if (key) {
		step.value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
		step.key = (char *)key;
		path.n_steps = 1;
		path.steps = &stp;
		ev.path = &path;
	}
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(s, &rq, &rs));
	mlmd_message_free(rs);
}

static void member(int64_t ctx, int a, int e)
{
	Mlmd__Pb__Attribution at_ = MLMD__PB__ATTRIBUTION__INIT, *atp = &at_;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at_.has_context_id = at_.has_artifact_id = 1;
	at_.context_id = ctx;
	at_.artifact_id = a ? A[a] : 0;
	as.has_context_id = as.has_execution_id = 1;
	as.context_id = ctx;
	as.execution_id = e ? E[e] : 0;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
	rq.n_attributions = a ? 1 : 0;
	rq.attributions = &atp;
	rq.n_associations = e ? 1 : 0;
	rq.associations = &asp;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
}

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at = artifact_type(s, "Data", 1, "rows", MLMD__PB__PROPERTY_TYPE__INT);
	et = execution_type(s, "Step");
	ct = context_type(s, "Run");
	for (int i = 1; i < NA; i++) {
		Mlmd__Pb__Artifact *a = new_artifact(at, "/x");
		OK(mlmd_message_set_string(a, "name", anames[i]));
		OK(mlmd_node_set_int(a, 0, "rows", 10 * i));
		OK(put_artifact(s, a, &A[i]));
	}
	for (int i = 1; i < NE; i++) {
		Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT, *ep = &e;
		e.has_type_id = 1;
		e.type_id = et;
		e.name = (char *)enames[i];
		Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__PutExecutionsResponse *rs;
		rq.n_executions = 1;
		rq.executions = &ep;
		OK(mlmd_store_put_executions(s, &rq, &rs));
		E[i] = rs->execution_ids[0];
		mlmd_message_free(rs);
	}
	event(RAW, CLEAN, MLMD__PB__EVENT__TYPE__INPUT, "raw");
	event(EXT, CLEAN, MLMD__PB__EVENT__TYPE__DECLARED_INPUT, NULL);
	event(DS, CLEAN, MLMD__PB__EVENT__TYPE__OUTPUT, "out");
	event(DS, TRAIN, MLMD__PB__EVENT__TYPE__INPUT, NULL);
	event(DS, STATS, MLMD__PB__EVENT__TYPE__INTERNAL_INPUT, NULL);
	event(REPORT, STATS, MLMD__PB__EVENT__TYPE__OUTPUT, NULL);
	event(MODEL, TRAIN, MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT, NULL);
	event(MODEL, EVAL, MLMD__PB__EVENT__TYPE__INPUT, NULL);
	event(METRICS, EVAL, MLMD__PB__EVENT__TYPE__OUTPUT, NULL);
	event(MODEL, SERVE, MLMD__PB__EVENT__TYPE__INPUT, NULL);
	event(PREDS, SERVE, MLMD__PB__EVENT__TYPE__PENDING_OUTPUT, NULL);
	event(PREDS, SERVE, MLMD__PB__EVENT__TYPE__INTERNAL_INPUT, NULL);
	event(OTHER, LONE, MLMD__PB__EVENT__TYPE__INPUT, NULL);
	event(OTHEROUT, LONE, MLMD__PB__EVENT__TYPE__OUTPUT, NULL);
	C[1] = put_context_node(s, ct, "run1");
	C[2] = put_context_node(s, ct, "run2");
	C[3] = put_context_node(s, ct, "pipe");
	member(C[1], RAW, CLEAN);
	member(C[1], EXT, TRAIN);
	member(C[1], DS, 0);
	member(C[1], MODEL, 0);
	member(C[2], MODEL, EVAL);
	member(C[2], OTHER, 0);
	member(C[2], METRICS, 0);
	member(C[3], RAW, 0);
	Mlmd__Pb__ParentContext pc[2] = { MLMD__PB__PARENT_CONTEXT__INIT, MLMD__PB__PARENT_CONTEXT__INIT };
	Mlmd__Pb__ParentContext *pcs[2] = { &pc[0], &pc[1] };
	for (int i = 0; i < 2; i++) {
		pc[i].has_child_id = pc[i].has_parent_id = 1;
		pc[i].child_id = C[1 + i];
		pc[i].parent_id = C[3];
	}
	Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *rs;
	rq.n_parent_contexts = 2;
	rq.parent_contexts = pcs;
	OK(mlmd_store_put_parent_contexts(s, &rq, &rs));
	mlmd_message_free(rs);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

typedef struct q {
	const char *start_artifacts, *start_executions;
	int hops;                    /* -1: unset */
	int dir;
	const char *end_artifacts, *end_executions;
	int include_ending;
	int max_nodes, budget_ms;
	const char *mask[4];
} q;

static Mlmd__Pb__GetLineageSubgraphResponse *run(const q *x, int *rc)
{
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__EndingNodes ea = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__ENDING_NODES__INIT,
							  ee = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__ENDING_NODES__INIT;
	if (x->start_artifacts) {
		o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
		o.starting_artifacts = &sn;
		sn.filter_query = (char *)x->start_artifacts;
	} else if (x->start_executions) {
		o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS;
		o.starting_executions = &sn;
		sn.filter_query = (char *)x->start_executions;
	}
	if (x->hops >= 0 || x->hops < -1) {
		o.has_max_num_hops = 1;
		o.max_num_hops = x->hops;
	}
	o.has_direction = x->dir != 0;
	o.direction = (Mlmd__Pb__LineageSubgraphQueryOptions__Direction)x->dir;
	if (x->end_artifacts) {
		ea.filter_query = (char *)x->end_artifacts;
		ea.has_include_ending_nodes = 1;
		ea.include_ending_nodes = x->include_ending;
		o.ending_artifacts = &ea;
	}
	if (x->end_executions) {
		ee.filter_query = (char *)x->end_executions;
		ee.has_include_ending_nodes = 1;
		ee.include_ending_nodes = x->include_ending;
		o.ending_executions = &ee;
	}
	o.has_mlmd_max_nodes = x->max_nodes != 0;
	o.mlmd_max_nodes = x->max_nodes;
	o.has_mlmd_time_budget_ms = x->budget_ms != 0;
	o.mlmd_time_budget_ms = x->budget_ms;
	Mlmd__Pb__Wkt__FieldMask fm = MLMD__PB__WKT__FIELD_MASK__INIT;
	while (fm.n_paths < 4 && x->mask[fm.n_paths])
		fm.n_paths++;
	fm.paths = (char **)x->mask;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &o;
	rq.read_mask = fm.n_paths ? &fm : NULL;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	*rc = mlmd_store_get_lineage_subgraph(s, &rq, &rs);
	return rs;
}

/* "artifact names | execution names" of a graph, in id order. */
static char *names(const Mlmd__Pb__LineageGraph *g)
{
	char *out = calloc(1, 1024);
	for (size_t i = 0; i < g->n_artifacts; i++)
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%s", i ? " " : "", g->artifacts[i]->name);
	strcat(out, " |");
	for (size_t i = 0; i < g->n_executions; i++)
		snprintf(out + strlen(out), 1024 - strlen(out), " %s", g->executions[i]->name);
	return out;
}

static void expect(const q *x, const char *want)
{
	int rc;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = run(x, &rc);
	if (rc)
		fail_msg("lineage failed: %d %s", rc, mlmd_error_message());
	char *got = names(rs->lineage_subgraph);
	if (strcmp(got, want))
		fail_msg("got [%s], want [%s]", got, want);
	assert_false(rs->has_mlmd_partial && rs->mlmd_partial);
	free(got);
	mlmd_message_free(rs);
}

#define DOWN MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM
#define UP MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM
#define BOTH MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__BIDIRECTIONAL

static void downstream_by_hops(void **st)
{
	(void)st;
	q x = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = 0 };
	expect(&x, "raw |");
	x.hops = 1;
	expect(&x, "raw | clean");
	x.hops = 2;
	expect(&x, "raw ds | clean");
	x.hops = 3;
	expect(&x, "raw ds | clean train stats");
	x.hops = 4;
	expect(&x, "raw ds model report | clean train stats");
	/* the default is the cap of 100 hops: everything downstream, never ext
	 * (an input of clean) and never the unconnected component, although it
	 * shares a context with model */
	x.hops = -1;
	expect(&x, "raw ds model report metrics preds | clean train stats eval serve");
	x.hops = 1000; /* capped, not an error */
	expect(&x, "raw ds model report metrics preds | clean train stats eval serve");
}

static void upstream_and_both(void **st)
{
	(void)st;
	q x = { .start_artifacts = "name = 'metrics'", .dir = UP, .hops = -1 };
	expect(&x, "raw ext ds model metrics | clean train eval");
	/* preds is both written and read by serve: the cycle ends the walk */
	x.start_artifacts = "name = 'preds'";
	expect(&x, "raw ext ds model preds | clean train serve");
	x.start_artifacts = "name = 'report'";
	x.dir = BOTH;
	x.hops = 2;
	expect(&x, "ds report | stats");
	x.hops = 3;
	expect(&x, "ds report | clean train stats");
	/* unspecified direction means both, as in MLMD */
	x.dir = 0;
	x.hops = -1;
	expect(&x, "raw ext ds model report metrics preds | clean train stats eval serve");
	/* several starting nodes, from executions */
	q y = { .start_executions = "name IN ('train', 'lone')", .dir = DOWN, .hops = -1 };
	expect(&y, "model metrics preds otherout | train eval serve lone");
	y.dir = UP;
	expect(&y, "raw ext ds other | clean train lone");
}

static void ending_nodes(void **st)
{
	(void)st;
	q x = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = -1, .end_artifacts = "name = 'model'" };
	expect(&x, "raw ds report | clean train stats");
	x.include_ending = 1;
	expect(&x, "raw ds model report | clean train stats");
	/* ending executions, by property of their neighbourhood */
	q y = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = -1, .end_executions = "events_0.type = INTERNAL_INPUT" };
	expect(&y, "raw ds model metrics | clean train eval");
	y.include_ending = 1;
	expect(&y, "raw ds model metrics | clean train stats eval serve");
	/* a starting node is never an ending node */
	q z = { .start_artifacts = "name = 'model'", .dir = DOWN, .hops = -1, .end_artifacts = "properties.rows.int_value > 0" };
	expect(&z, "model | eval serve");
}

static void hydrated_in_one_response(void **st)
{
	(void)st;
	int rc;
	q x = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = 2 };
	Mlmd__Pb__GetLineageSubgraphResponse *rs = run(&x, &rc);
	OK(rc);
	Mlmd__Pb__LineageGraph *g = rs->lineage_subgraph;
	/* nodes carry their type name and properties */
	assert_int_equal(g->n_artifacts, 2);
	assert_string_equal(g->artifacts[0]->type, "Data");
	assert_int_equal(mlmd_node_get(g->artifacts[1], 0, "rows")->int_value, 10 * DS);
	assert_int_equal(g->n_artifact_types, 1);
	assert_string_equal(g->artifact_types[0]->name, "Data");
	assert_int_equal(g->artifact_types[0]->n_properties, 1);
	assert_int_equal(g->n_execution_types, 1);
	assert_string_equal(g->execution_types[0]->name, "Step");
	/* the events between the nodes, with their paths */
	assert_int_equal(g->n_events, 2);
	assert_int_equal(g->events[0]->artifact_id, A[RAW]);
	assert_string_equal(g->events[0]->path->steps[0]->key, "raw");
	assert_int_equal(g->events[1]->artifact_id, A[DS]);
	assert_int_equal(g->events[1]->type, MLMD__PB__EVENT__TYPE__OUTPUT);
	/* contexts of the nodes, their edges, and parent links among them */
	assert_int_equal(g->n_contexts, 2);
	assert_string_equal(g->contexts[0]->name, "run1");
	assert_string_equal(g->contexts[1]->name, "pipe");
	assert_int_equal(g->n_context_types, 1);
	assert_int_equal(g->n_attributions, 3); /* raw in run1 and pipe, ds in run1 */
	assert_int_equal(g->n_associations, 1); /* clean in run1 */
	assert_int_equal(g->n_parent_contexts, 1);
	assert_int_equal(g->parent_contexts[0]->child_id, C[1]);
	assert_int_equal(g->parent_contexts[0]->parent_id, C[3]);
	mlmd_message_free(rs);

	/* both events between serve and preds are returned */
	q y = { .start_artifacts = "name = 'preds'", .dir = UP, .hops = 1 };
	rs = run(&y, &rc);
	OK(rc);
	assert_int_equal(rs->lineage_subgraph->n_events, 2);
	mlmd_message_free(rs);
}

static void read_mask_selects_fields(void **st)
{
	(void)st;
	int rc;
	q x = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = 3, .mask = { "events", "executions" } };
	Mlmd__Pb__GetLineageSubgraphResponse *rs = run(&x, &rc);
	OK(rc);
	Mlmd__Pb__LineageGraph *g = rs->lineage_subgraph;
	assert_int_equal(g->n_artifacts, 0);
	assert_int_equal(g->n_executions, 3);
	assert_int_equal(g->n_events, 4);
	assert_int_equal(g->n_contexts + g->n_artifact_types + g->n_execution_types + g->n_context_types, 0);
	assert_int_equal(g->n_attributions + g->n_associations + g->n_parent_contexts, 0);
	mlmd_message_free(rs);
	q y = { .start_artifacts = "name = 'raw'", .hops = 1, .mask = { "context_types", "associations" } };
	rs = run(&y, &rc);
	OK(rc);
	g = rs->lineage_subgraph;
	assert_int_equal(g->n_contexts, 0);
	assert_int_equal(g->n_context_types, 1);
	assert_int_equal(g->n_associations, 1);
	assert_int_equal(g->n_attributions, 0);
	mlmd_message_free(rs);
}

static void bad_requests(void **st)
{
	(void)st;
	int rc;
	Mlmd__Pb__GetLineageSubgraphResponse *rs;
	q none = { .hops = -1 };
	rs = run(&none, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "starting_nodes must be set"));
	q empty = { .start_artifacts = "", .hops = -1 };
	rs = run(&empty, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "starting_artifacts.filter_query must be set"));
	q bad = { .start_artifacts = "name = ", .hops = -1 };
	rs = run(&bad, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "starting_artifacts: filter_query: 1:8"));
	q miss = { .start_executions = "name = 'nope'", .hops = -1 };
	rs = run(&miss, &rc);
	assert_int_equal(rc, -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_message(), "no executions match starting_executions.filter_query"));
	q neg = { .start_artifacts = "id > 0", .hops = -5 };
	rs = run(&neg, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "max_num_hops must be >= 0"));
	q end = { .start_artifacts = "id > 0", .hops = -1, .end_executions = "" };
	rs = run(&end, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "ending_executions.filter_query must be set"));
	q badend = { .start_artifacts = "id > 0", .hops = -1, .end_artifacts = "last_known_state = NEW" };
	rs = run(&badend, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "ending_artifacts: filter_query: 1:1: unknown field 'last_known_state'"));
	q mask = { .start_artifacts = "id > 0", .hops = -1, .mask = { "artifacts", "nodes" } };
	rs = run(&mask, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "read_mask: unknown path 'nodes'"));
	q cap = { .start_artifacts = "id > 0", .hops = -1, .max_nodes = -1 };
	rs = run(&cap, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_null(rs);
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	FAILS(mlmd_store_get_lineage_subgraph(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "lineage_subgraph_query_options");
}

static void node_cap_marks_partial(void **st)
{
	(void)st;
	int rc;
	q x = { .start_artifacts = "name = 'raw'", .dir = DOWN, .hops = -1, .max_nodes = 4 };
	Mlmd__Pb__GetLineageSubgraphResponse *rs = run(&x, &rc);
	OK(rc);
	char *got = names(rs->lineage_subgraph);
	/* breadth first: the nearest nodes are kept */
	assert_string_equal(got, "raw ds | clean train");
	free(got);
	assert_true(rs->has_mlmd_partial && rs->mlmd_partial);
	assert_non_null(strstr(rs->mlmd_partial_reason, "mlmd_max_nodes"));
	/* events only among the kept nodes */
	assert_int_equal(rs->lineage_subgraph->n_events, 3);
	mlmd_message_free(rs);
	/* a cap the walk does not reach leaves the result whole */
	x.max_nodes = 11;
	expect(&x, "raw ds model report metrics preds | clean train stats eval serve");
	/* the cap bounds the starting set too */
	q y = { .start_artifacts = "id > 0", .hops = 0, .max_nodes = 3 };
	rs = run(&y, &rc);
	OK(rc);
	assert_int_equal(rs->lineage_subgraph->n_artifacts, 3);
	assert_true(rs->mlmd_partial);
	mlmd_message_free(rs);
}

/* A long, wide chain: a 1 ms budget cuts the 100-hop walk; the cut result
 * is the near part of the whole one, and says so. */
static void time_budget_marks_partial(void **st)
{
	(void)st;
	mlmd_store *big = open_memory();
	int64_t t = artifact_type(big, "D", 0), x = execution_type(big, "X");
	enum { LEVELS = 60, WIDTH = 100 };
	Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	static Mlmd__Pb__Execution ex[LEVELS], *exp[LEVELS];
	static Mlmd__Pb__Artifact ar[LEVELS * WIDTH], *arp[LEVELS * WIDTH];
	static Mlmd__Pb__Event ev[2 * LEVELS * WIDTH];
	static Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[2 * LEVELS * WIDTH], *edp[2 * LEVELS * WIDTH];
	size_t ne = 0;
	for (int l = 0; l < LEVELS; l++) {
		ex[l] = (Mlmd__Pb__Execution)MLMD__PB__EXECUTION__INIT;
		ex[l].has_type_id = 1;
		ex[l].type_id = x;
		exp[l] = &ex[l];
		for (int w = 0; w < WIDTH; w++) {
			int i = l * WIDTH + w;
			ar[i] = (Mlmd__Pb__Artifact)MLMD__PB__ARTIFACT__INIT;
			ar[i].has_type_id = 1;
			ar[i].type_id = t;
			arp[i] = &ar[i];
			/* level l's execution writes the artifact, level l+1's reads it */
			for (int k = 0; k < 2 && (k == 0 || l + 1 < LEVELS); k++) {
				ev[ne] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
				ev[ne].has_type = 1;
				ev[ne].type = k ? MLMD__PB__EVENT__TYPE__INPUT : MLMD__PB__EVENT__TYPE__OUTPUT;
				ed[ne] = (Mlmd__Pb__PutLineageSubgraphRequest__EventEdge)MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
				ed[ne].has_execution_index = ed[ne].has_artifact_index = 1;
				ed[ne].execution_index = l + k;
				ed[ne].artifact_index = i;
				ed[ne].event = &ev[ne];
				edp[ne] = &ed[ne];
				ne++;
			}
		}
	}
	rq.n_executions = LEVELS;
	rq.executions = exp;
	rq.n_artifacts = LEVELS * WIDTH;
	rq.artifacts = arp;
	rq.n_event_edges = ne;
	rq.event_edges = edp;
	Mlmd__Pb__PutLineageSubgraphResponse *prs;
	OK(mlmd_store_put_lineage_subgraph(big, &rq, &prs));
	int64_t first = prs->execution_ids[0];
	mlmd_message_free(prs);

	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)first);
	q full = { .start_executions = filter, .dir = DOWN, .hops = -1, .mask = { "executions" } };
	mlmd_store *saved = s;
	s = big;
	int rc;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = run(&full, &rc);
	OK(rc);
	assert_int_equal(rs->lineage_subgraph->n_executions, 51); /* 100 hops: 50 levels further */
	assert_false(rs->has_mlmd_partial);
	mlmd_message_free(rs);
	full.budget_ms = 1;
	full.mask[0] = "artifacts";
	rs = run(&full, &rc);
	OK(rc);
	assert_true(rs->has_mlmd_partial && rs->mlmd_partial);
	assert_non_null(strstr(rs->mlmd_partial_reason, "mlmd_time_budget_ms"));
	assert_true(rs->lineage_subgraph->n_artifacts < 50 * WIDTH);
	/* what came back is the near part: levels 0..k, whole */
	assert_int_equal(rs->lineage_subgraph->n_artifacts % WIDTH, 0);
	mlmd_message_free(rs);
	full.budget_ms = -1;
	rs = run(&full, &rc);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	s = saved;
	mlmd_store_free(big);
}

static void lineage_graph_deprecated_call(void **st)
{
	(void)st;
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__LineageGraphQueryOptions o = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageGraphQueryOptions__BoundaryConstraint bc = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__BOUNDARY_CONSTRAINT__INIT;
	Mlmd__Pb__GetLineageGraphRequest rq = MLMD__PB__GET_LINEAGE_GRAPH_REQUEST__INIT;
	Mlmd__Pb__GetLineageGraphResponse *rs;
	FAILS(mlmd_store_get_lineage_graph(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "artifacts_options");
	rq.options = &o;
	o.query_nodes_case = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__QUERY_NODES_ARTIFACTS_OPTIONS;
	o.artifacts_options = &lo;
	lo.filter_query = "name = 'ds'";
	o.stop_conditions = &bc;
	bc.has_max_num_hops = 1;
	bc.max_num_hops = 1;
	OK(mlmd_store_get_lineage_graph(s, &rq, &rs));
	char *got = names(rs->subgraph);
	assert_string_equal(got, "ds | clean train stats");
	free(got);
	assert_int_equal(rs->subgraph->n_events, 3);
	mlmd_message_free(rs);
	/* boundaries keep only matching nodes and do not walk past the others */
	bc.max_num_hops = 4;
	bc.boundary_executions = "name != 'stats'";
	bc.boundary_artifacts = "name != 'raw'";
	OK(mlmd_store_get_lineage_graph(s, &rq, &rs));
	got = names(rs->subgraph);
	assert_string_equal(got, "ext ds model metrics preds | clean train eval serve");
	free(got);
	assert_false(rs->has_mlmd_partial);
	mlmd_message_free(rs);
	/* max_node_size (default 20) bounds the result, flagged partial */
	o.has_max_node_size = 1;
	o.max_node_size = 3;
	OK(mlmd_store_get_lineage_graph(s, &rq, &rs));
	assert_int_equal(rs->subgraph->n_artifacts + rs->subgraph->n_executions, 3);
	assert_true(rs->mlmd_partial);
	assert_non_null(strstr(rs->mlmd_partial_reason, "max_node_size"));
	mlmd_message_free(rs);
	lo.filter_query = "name = 'nothing'";
	FAILS(mlmd_store_get_lineage_graph(s, &rq, &rs), MLMD_NOT_FOUND, "no artifacts match");
	lo.filter_query = "name = 'ds'";
	bc.boundary_executions = "uri = 'x'";
	FAILS(mlmd_store_get_lineage_graph(s, &rq, &rs), MLMD_INVALID_ARGUMENT,
	      "stop_conditions.boundary_executions: filter_query: 1:1: unknown field 'uri' for executions");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(downstream_by_hops),
		cmocka_unit_test(upstream_and_both),
		cmocka_unit_test(ending_nodes),
		cmocka_unit_test(hydrated_in_one_response),
		cmocka_unit_test(read_mask_selects_fields),
		cmocka_unit_test(bad_requests),
		cmocka_unit_test(node_cap_marks_partial),
		cmocka_unit_test(time_budget_marks_partial),
		cmocka_unit_test(lineage_graph_deprecated_call),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

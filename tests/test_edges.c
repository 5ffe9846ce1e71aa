/* tests/test_edges.c - events, PutExecution, PutLineageSubgraph, context links. */
#include "helpers.h"

static mlmd_store *s;
static int64_t at, et, ct;

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at = artifact_type(s, "Data", 0);
	et = execution_type(s, "Step");
	ct = context_type(s, "Run");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

static int put_event(int64_t a, int64_t e, int type, int with_path)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	Mlmd__Pb__Event__Path path = MLMD__PB__EVENT__PATH__INIT;
	Mlmd__Pb__Event__Path__Step s1 = MLMD__PB__EVENT__PATH__STEP__INIT, s2 = MLMD__PB__EVENT__PATH__STEP__INIT;
	Mlmd__Pb__Event__Path__Step *steps[2] = { &s1, &s2 };
	ev.has_artifact_id = a != 0;
	ev.artifact_id = a;
	ev.has_execution_id = e != 0;
	ev.execution_id = e;
	ev.has_type = type >= 0;
	ev.type = type;
	if (with_path) {
		s1.value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
		s1.key = "data";
		s2.value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
		s2.index = 3;
		path.n_steps = 2;
		path.steps = steps;
		ev.path = &path;
	}
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs = NULL;
	rq.n_events = 1;
	rq.events = &evp;
	int rc = mlmd_store_put_events(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

static void events_round_trip_with_paths(void **st)
{
	(void)st;
	int64_t a = 0, e = put_execution_node(s, et);
	OK(put_artifact(s, new_artifact(at, "/e"), &a));
	OK(put_event(a, e, MLMD__PB__EVENT__TYPE__INPUT, 1));
	FAILS(put_event(a, e, MLMD__PB__EVENT__TYPE__INPUT, 0), MLMD_ALREADY_EXISTS, "already exists");
	OK(put_event(a, e, MLMD__PB__EVENT__TYPE__OUTPUT, 0)); /* another type is another event */
	FAILS(put_event(a, 777, MLMD__PB__EVENT__TYPE__INPUT, 0), MLMD_INVALID_ARGUMENT, "No execution with the given id 777");
	FAILS(put_event(888, e, MLMD__PB__EVENT__TYPE__INPUT, 0), MLMD_INVALID_ARGUMENT, "No artifact with the given id 888");
	FAILS(put_event(a, e, -1, 0), MLMD_INVALID_ARGUMENT, "type is required");
	FAILS(put_event(0, e, 3, 0), MLMD_INVALID_ARGUMENT, "artifact_id is required");

	Mlmd__Pb__GetEventsByArtifactIDsRequest rq = MLMD__PB__GET_EVENTS_BY_ARTIFACT_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByArtifactIDsResponse *rs;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &a;
	OK(mlmd_store_get_events_by_artifact_ids(s, &rq, &rs));
	assert_int_equal(rs->n_events, 2);
	Mlmd__Pb__Event *ev = rs->events[0];
	assert_int_equal(ev->type, MLMD__PB__EVENT__TYPE__INPUT);
	assert_int_equal(ev->execution_id, e);
	assert_true(ev->milliseconds_since_epoch > 0);
	assert_non_null(ev->path);
	assert_int_equal(ev->path->n_steps, 2);
	assert_string_equal(ev->path->steps[0]->key, "data");
	assert_int_equal(ev->path->steps[1]->index, 3);
	assert_null(rs->events[1]->path);
	mlmd_message_free(rs);
}

static Mlmd__Pb__PutExecutionRequest *exec_request(const char *ctx_name)
{
	Mlmd__Pb__PutExecutionRequest *rq = mlmd_message_new(&mlmd__pb__put_execution_request__descriptor);
	rq->execution = mlmd_message_new(&mlmd__pb__execution__descriptor);
	rq->execution->has_type_id = 1;
	rq->execution->type_id = et;
	for (int i = 0; i < 2; i++) {
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p =
			mlmd_message_new(&mlmd__pb__put_execution_request__artifact_and_event__descriptor);
		p->artifact = new_artifact(at, i ? "/out" : "/in");
		p->event = mlmd_message_new(&mlmd__pb__event__descriptor);
		p->event->has_type = 1;
		p->event->type = i ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		OK(mlmd_message_append(rq, "artifact_event_pairs", p));
	}
	Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
	c->has_type_id = 1;
	c->type_id = ct;
	OK(mlmd_message_set_string(c, "name", ctx_name));
	OK(mlmd_message_append(rq, "contexts", c));
	return rq;
}

static void put_execution_links_everything(void **st)
{
	(void)st;
	Mlmd__Pb__PutExecutionRequest *rq = exec_request("run-A");
	Mlmd__Pb__PutExecutionResponse *rs;
	OK(mlmd_store_put_execution(s, rq, &rs));
	assert_int_equal(rs->n_artifact_ids, 2);
	assert_int_equal(rs->n_context_ids, 1);
	int64_t ctx = rs->context_ids[0], exe = rs->execution_id;
	mlmd_message_free(rs);

	Mlmd__Pb__GetArtifactsByContextRequest a = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *ar;
	a.has_context_id = 1;
	a.context_id = ctx;
	OK(mlmd_store_get_artifacts_by_context(s, &a, &ar));
	assert_int_equal(ar->n_artifacts, 2);
	mlmd_message_free(ar);
	Mlmd__Pb__GetContextsByExecutionRequest ce = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__GetContextsByExecutionResponse *cer;
	ce.has_execution_id = 1;
	ce.execution_id = exe;
	OK(mlmd_store_get_contexts_by_execution(s, &ce, &cer));
	assert_int_equal(cer->n_contexts, 1);
	assert_string_equal(cer->contexts[0]->name, "run-A");
	mlmd_message_free(cer);
	Mlmd__Pb__GetEventsByExecutionIDsRequest ev = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evr;
	ev.n_execution_ids = 1;
	ev.execution_ids = &exe;
	OK(mlmd_store_get_events_by_execution_ids(s, &ev, &evr));
	assert_int_equal(evr->n_events, 2);
	mlmd_message_free(evr);

	/* Same context name again: ALREADY_EXISTS and nothing written; with reuse: fine. */
	Mlmd__Pb__GetExecutionsRequest all = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *allr;
	OK(mlmd_store_get_executions(s, &all, &allr));
	size_t before = allr->n_executions;
	mlmd_message_free(allr);
	FAILS(mlmd_store_put_execution(s, rq, &rs), MLMD_ALREADY_EXISTS, "contexts[0]");
	OK(mlmd_store_get_executions(s, &all, &allr));
	assert_int_equal(allr->n_executions, before); /* atomic: the failed call left nothing */
	mlmd_message_free(allr);
	rq->options = mlmd_message_new(&mlmd__pb__put_execution_request__options__descriptor);
	rq->options->has_reuse_context_if_already_exist = 1;
	rq->options->reuse_context_if_already_exist = 1;
	OK(mlmd_store_put_execution(s, rq, &rs));
	assert_int_equal(rs->context_ids[0], ctx);
	mlmd_message_free(rs);
	mlmd_message_free(rq);
}

static void put_execution_validates_pairs(void **st)
{
	(void)st;
	Mlmd__Pb__PutExecutionRequest *rq = exec_request("run-B");
	Mlmd__Pb__PutExecutionResponse *rs;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p = rq->artifact_event_pairs[0];
	mlmd_message_free(p->artifact);
	p->artifact = NULL;
	FAILS(mlmd_store_put_execution(s, rq, &rs), MLMD_INVALID_ARGUMENT, "must have an artifact_id");
	Mlmd__Pb__Event *ev = p->event;
	p->event = NULL;
	FAILS(mlmd_store_put_execution(s, rq, &rs), MLMD_INVALID_ARGUMENT, "neither an artifact nor an event");
	p->event = ev;
	p->event->has_execution_id = 1;
	p->event->execution_id = 5;
	FAILS(mlmd_store_put_execution(s, rq, &rs), MLMD_INVALID_ARGUMENT, "execution");
	mlmd_message_free(rq);
	Mlmd__Pb__PutExecutionRequest empty = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	FAILS(mlmd_store_put_execution(s, &empty, &rs), MLMD_INVALID_ARGUMENT, "execution is required");
}

static void put_lineage_subgraph_checks_indexes(void **st)
{
	(void)st;
	Mlmd__Pb__PutLineageSubgraphRequest *rq = mlmd_message_new(&mlmd__pb__put_lineage_subgraph_request__descriptor);
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = et;
	OK(mlmd_message_append(rq, "executions", e));
	OK(mlmd_message_append(rq, "artifacts", new_artifact(at, "/ls/0")));
	OK(mlmd_message_append(rq, "artifacts", new_artifact(at, "/ls/1")));
	Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
	c->has_type_id = 1;
	c->type_id = ct;
	c->name = strdup("ls-run");
	OK(mlmd_message_append(rq, "contexts", c));
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge *ed =
		mlmd_message_new(&mlmd__pb__put_lineage_subgraph_request__event_edge__descriptor);
	ed->has_execution_index = ed->has_artifact_index = 1;
	ed->artifact_index = 5;
	ed->event = mlmd_message_new(&mlmd__pb__event__descriptor);
	ed->event->has_type = 1;
	ed->event->type = MLMD__PB__EVENT__TYPE__OUTPUT;
	OK(mlmd_message_append(rq, "event_edges", ed));
	Mlmd__Pb__PutLineageSubgraphResponse *rs;
	FAILS(mlmd_store_put_lineage_subgraph(s, rq, &rs), MLMD_OUT_OF_RANGE, "artifact_index 5");
	ed->artifact_index = 1;
	OK(mlmd_store_put_lineage_subgraph(s, rq, &rs));
	assert_int_equal(rs->n_execution_ids, 1);
	assert_int_equal(rs->n_artifact_ids, 2);
	Mlmd__Pb__GetContextsByArtifactRequest q = MLMD__PB__GET_CONTEXTS_BY_ARTIFACT_REQUEST__INIT;
	Mlmd__Pb__GetContextsByArtifactResponse *qr;
	q.has_artifact_id = 1;
	q.artifact_id = rs->artifact_ids[0];
	OK(mlmd_store_get_contexts_by_artifact(s, &q, &qr));
	assert_int_equal(qr->n_contexts, 1); /* every artifact is attributed to every context */
	mlmd_message_free(qr);
	mlmd_message_free(rs);
	mlmd_message_free(rq);
}

/* Runs PutLineageSubgraph over stack messages; returns the status. */
static int put_subgraph(Mlmd__Pb__PutLineageSubgraphRequest *rq, Mlmd__Pb__PutLineageSubgraphResponse **rs)
{
	*rs = NULL;
	return mlmd_store_put_lineage_subgraph(s, rq, rs);
}

static int64_t count_events_of_execution(int64_t eid)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r;
	q.n_execution_ids = 1;
	q.execution_ids = &eid;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &r));
	int64_t n = (int64_t)r->n_events;
	mlmd_message_free(r);
	return n;
}

/* MLMD 1.16's PutLineageSubgraph: an edge names its execution by
 * execution_index or event.execution_id (and its artifact likewise); when
 * both are given they must agree; an index outside its list is OUT_OF_RANGE;
 * an existing context without reuse_context_if_already_exist is
 * ALREADY_EXISTS. A refused request writes nothing. */
static void put_lineage_subgraph_edges_by_index_or_id(void **st)
{
	(void)st;
	int64_t old_e = put_execution_node(s, et), old_a = 0;
	OK(put_artifact(s, new_artifact(at, "/pls/old"), &old_a));
	Mlmd__Pb__Execution ex = MLMD__PB__EXECUTION__INIT, *exs[1] = { &ex };
	ex.has_type_id = 1;
	ex.type_id = et;
	Mlmd__Pb__Artifact a0 = MLMD__PB__ARTIFACT__INIT, a1 = MLMD__PB__ARTIFACT__INIT, *ars[2] = { &a0, &a1 };
	a0.has_type_id = a1.has_type_id = 1;
	a0.type_id = a1.type_id = at;
	a0.uri = "/pls/new";
	a1.has_id = 1; /* an existing artifact, by id */
	a1.id = old_a;
	a1.uri = "/pls/old";
	Mlmd__Pb__Context cx = MLMD__PB__CONTEXT__INIT, *cxs[1] = { &cx };
	cx.has_type_id = 1;
	cx.type_id = ct;
	cx.name = "pls-run";
	Mlmd__Pb__Event ev[3];
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[3], *eds[3];
	for (int i = 0; i < 3; i++) {
		mlmd__pb__event__init(&ev[i]);
		mlmd__pb__put_lineage_subgraph_request__event_edge__init(&ed[i]);
		ev[i].has_type = 1;
		ed[i].event = &ev[i];
		eds[i] = &ed[i];
	}
	/* 0: the stored execution by id, the new artifact by index */
	ev[0].type = MLMD__PB__EVENT__TYPE__OUTPUT;
	ev[0].has_execution_id = 1;
	ev[0].execution_id = old_e;
	ed[0].has_artifact_index = 1;
	ed[0].artifact_index = 0;
	/* 1: the new execution by index, the stored artifact by id only */
	ev[1].type = MLMD__PB__EVENT__TYPE__INPUT;
	ed[1].has_execution_index = 1;
	ed[1].execution_index = 0;
	ev[1].has_artifact_id = 1;
	ev[1].artifact_id = old_a;
	/* 2: both for the artifact, agreeing */
	ev[2].type = MLMD__PB__EVENT__TYPE__DECLARED_INPUT;
	ed[2].has_execution_index = 1;
	ed[2].execution_index = 0;
	ed[2].has_artifact_index = 1;
	ed[2].artifact_index = 1;
	ev[2].has_artifact_id = 1;
	ev[2].artifact_id = old_a;
	Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__PutLineageSubgraphResponse *rs;
	rq.n_executions = 1;
	rq.executions = exs;
	rq.n_artifacts = 2;
	rq.artifacts = ars;
	rq.n_contexts = 1;
	rq.contexts = cxs;
	rq.n_event_edges = 3;
	rq.event_edges = eds;

	/* refusals first: nothing may be written by any of them */
	ev[2].artifact_id = old_a + 1000; /* disagrees with artifacts[1] */
	FAILS(put_subgraph(&rq, &rs), MLMD_INVALID_ARGUMENT, "event.artifact_id");
	ev[2].artifact_id = old_a;
	ed[2].artifact_index = 0; /* artifacts[0] is new: it has no id to agree with */
	FAILS(put_subgraph(&rq, &rs), MLMD_INVALID_ARGUMENT, "which is new and has no id");
	ed[2].artifact_index = 1;
	ed[1].execution_index = 1; /* one execution only */
	FAILS(put_subgraph(&rq, &rs), MLMD_OUT_OF_RANGE, "execution_index 1");
	ed[1].execution_index = -1;
	FAILS(put_subgraph(&rq, &rs), MLMD_OUT_OF_RANGE, "execution_index -1");
	ed[1].execution_index = 0;
	ed[0].artifact_index = 2;
	FAILS(put_subgraph(&rq, &rs), MLMD_OUT_OF_RANGE, "artifact_index 2");
	ed[0].has_artifact_index = 0; /* neither an index nor an id */
	FAILS(put_subgraph(&rq, &rs), MLMD_INVALID_ARGUMENT, "missing an artifact");
	ed[0].has_artifact_index = 1;
	ed[0].artifact_index = 0;
	ev[0].has_execution_id = 0;
	FAILS(put_subgraph(&rq, &rs), MLMD_INVALID_ARGUMENT, "missing an execution");
	ev[0].has_execution_id = 1;
	assert_int_equal(count_events_of_execution(old_e), 0);

	OK(put_subgraph(&rq, &rs));
	assert_int_equal(rs->n_artifact_ids, 2);
	assert_int_equal(rs->artifact_ids[1], old_a);
	int64_t new_e = rs->execution_ids[0], new_a = rs->artifact_ids[0], ctx = rs->context_ids[0];
	mlmd_message_free(rs);
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *qr;
	int64_t both[2] = { old_e, new_e };
	q.n_execution_ids = 2;
	q.execution_ids = both;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &qr));
	assert_int_equal(qr->n_events, 3);
	assert_int_equal(qr->events[0]->execution_id, old_e); /* edge 0 */
	assert_int_equal(qr->events[0]->artifact_id, new_a);
	for (size_t i = 1; i < 3; i++) {                       /* edges 1 and 2 */
		assert_int_equal(qr->events[i]->execution_id, new_e);
		assert_int_equal(qr->events[i]->artifact_id, old_a);
	}
	mlmd_message_free(qr);

	/* the context now exists: without reuse it is ALREADY_EXISTS, with it reused */
	rq.n_event_edges = 0;
	rq.n_artifacts = 0;
	FAILS(put_subgraph(&rq, &rs), MLMD_ALREADY_EXISTS, "contexts[0]");
	Mlmd__Pb__PutLineageSubgraphRequest__Options opt = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	rq.options = &opt;
	OK(put_subgraph(&rq, &rs));
	assert_int_equal(rs->context_ids[0], ctx);
	mlmd_message_free(rs);
}

/* Reading the events of nodes that have none returns nothing (and, under
 * clang's UBSan, does no arithmetic on the still-NULL result array). */
static void events_of_nodes_without_events_are_empty(void **st)
{
	(void)st;
	int64_t e = put_execution_node(s, et), a = 0;
	OK(put_artifact(s, new_artifact(at, "/lonely"), &a));
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r;
	q.n_execution_ids = 1;
	q.execution_ids = &e;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &r));
	assert_int_equal(r->n_events, 0);
	mlmd_message_free(r);
	Mlmd__Pb__GetEventsByArtifactIDsRequest qa = MLMD__PB__GET_EVENTS_BY_ARTIFACT_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByArtifactIDsResponse *ra;
	qa.n_artifact_ids = 1;
	qa.artifact_ids = &a;
	OK(mlmd_store_get_events_by_artifact_ids(s, &qa, &ra));
	assert_int_equal(ra->n_events, 0);
	mlmd_message_free(ra);
}

static void attributions_are_idempotent_and_checked(void **st)
{
	(void)st;
	int64_t a = 0, c = put_context_node(s, ct, "attr");
	OK(put_artifact(s, new_artifact(at, "/attr"), &a));
	Mlmd__Pb__Attribution at1 = MLMD__PB__ATTRIBUTION__INIT, *atp = &at1;
	at1.has_artifact_id = at1.has_context_id = 1;
	at1.artifact_id = a;
	at1.context_id = c;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
	rq.n_attributions = 1;
	rq.attributions = &atp;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs)); /* again: no-op */
	mlmd_message_free(rs);
	at1.context_id = 5555;
	FAILS(mlmd_store_put_attributions_and_associations(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "No context with the given id 5555");
}

static int put_parent(int64_t child, int64_t parent)
{
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = child;
	pc.parent_id = parent;
	Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *rs = NULL;
	rq.n_parent_contexts = 1;
	rq.parent_contexts = &pcp;
	int rc = mlmd_store_put_parent_contexts(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

static void parent_contexts_reject_cycles_and_duplicates(void **st)
{
	(void)st;
	int64_t a = put_context_node(s, ct, "pa"), b = put_context_node(s, ct, "pb"), c = put_context_node(s, ct, "pc");
	OK(put_parent(b, a)); /* a is b's parent */
	OK(put_parent(c, b));
	FAILS(put_parent(c, b), MLMD_ALREADY_EXISTS, "already has parent");
	FAILS(put_parent(a, c), MLMD_INVALID_ARGUMENT, "cycle");
	FAILS(put_parent(a, a), MLMD_INVALID_ARGUMENT, "its own parent");
	FAILS(put_parent(a, 4242), MLMD_INVALID_ARGUMENT, "No context");

	Mlmd__Pb__GetParentContextsByContextRequest p = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextResponse *pr;
	p.has_context_id = 1;
	p.context_id = c;
	OK(mlmd_store_get_parent_contexts_by_context(s, &p, &pr));
	assert_int_equal(pr->n_contexts, 1);
	assert_int_equal(pr->contexts[0]->id, b);
	mlmd_message_free(pr);
	Mlmd__Pb__GetChildrenContextsByContextsRequest ch = MLMD__PB__GET_CHILDREN_CONTEXTS_BY_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetChildrenContextsByContextsResponse *chr;
	int64_t ids[3] = { a, b, c };
	ch.n_context_ids = 3;
	ch.context_ids = ids;
	OK(mlmd_store_get_children_contexts_by_contexts(s, &ch, &chr));
	assert_int_equal(chr->n_contexts, 2); /* c has no children */
	assert_int_equal(chr->contexts[0]->key, a);
	assert_int_equal(chr->contexts[0]->value->children_contexts[0]->id, b);
	mlmd_message_free(chr);
	Mlmd__Pb__GetParentContextsByContextsRequest pp = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextsResponse *ppr;
	pp.n_context_ids = 3;
	pp.context_ids = ids;
	OK(mlmd_store_get_parent_contexts_by_contexts(s, &pp, &ppr));
	assert_int_equal(ppr->n_contexts, 2);
	assert_int_equal(ppr->contexts[1]->value->parent_contexts[0]->id, b);
	mlmd_message_free(ppr);
}

/* A batch of events: checked as a whole, stored as a whole. */
static int put_events(Mlmd__Pb__Event *evs, size_t n)
{
	Mlmd__Pb__Event *ptrs[8];
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &evs[i];
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs = NULL;
	rq.n_events = n;
	rq.events = ptrs;
	int rc = mlmd_store_put_events(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

static size_t events_of(int64_t e)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest q = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r;
	q.n_execution_ids = 1;
	q.execution_ids = &e;
	OK(mlmd_store_get_events_by_execution_ids(s, &q, &r));
	size_t n = r->n_events;
	mlmd_message_free(r);
	return n;
}

static void event_batches_are_atomic(void **st)
{
	(void)st;
	int64_t a[3] = { 0 }, e = put_execution_node(s, et);
	for (int i = 0; i < 3; i++)
		OK(put_artifact(s, new_artifact(at, "/batch"), &a[i]));
	Mlmd__Pb__Event evs[3];
	for (int i = 0; i < 3; i++) {
		evs[i] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
		evs[i].has_artifact_id = evs[i].has_execution_id = evs[i].has_type = 1;
		evs[i].artifact_id = a[i];
		evs[i].execution_id = e;
		evs[i].type = MLMD__PB__EVENT__TYPE__OUTPUT;
	}
	/* a missing node anywhere in the batch: nothing is stored */
	evs[2].artifact_id = 987654;
	FAILS(put_events(evs, 3), MLMD_INVALID_ARGUMENT, "No artifact with the given id 987654");
	assert_int_equal(events_of(e), 0);
	evs[2].artifact_id = a[2];
	OK(put_events(evs, 2));
	/* a duplicate anywhere in the batch: nothing more is stored */
	evs[1].artifact_id = a[2];
	evs[2].artifact_id = a[0];
	FAILS(put_events(evs + 1, 2), MLMD_ALREADY_EXISTS, "already exists");
	assert_int_equal(events_of(e), 2);
	evs[2].artifact_id = a[2];
	evs[2].type = MLMD__PB__EVENT__TYPE__INPUT;
	OK(put_events(evs + 2, 1));
	assert_int_equal(events_of(e), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_round_trip_with_paths),
		cmocka_unit_test(event_batches_are_atomic),
		cmocka_unit_test(put_execution_links_everything),
		cmocka_unit_test(put_execution_validates_pairs),
		cmocka_unit_test(put_lineage_subgraph_checks_indexes),
		cmocka_unit_test(put_lineage_subgraph_edges_by_index_or_id),
		cmocka_unit_test(events_of_nodes_without_events_are_empty),
		cmocka_unit_test(attributions_are_idempotent_and_checked),
		cmocka_unit_test(parent_contexts_reject_cycles_and_duplicates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

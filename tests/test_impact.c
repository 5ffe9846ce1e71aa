/*
 * tests/test_impact.c - impact analysis (the Impact RPC) on every backend:
 * a pipeline whose models are registered (models, versions and aliases
 * through the registry's RPCs) and served (ModelServing executions reading
 * them, in Deployment contexts, written with PutExecution as the serving
 * recorder writes them), walked from a dataset, an execution and a model,
 * through tombstones, with every distance checked exactly; the node cap;
 * bad requests.
 */
#include "dg_helpers.h"

typedef Mlmd__Pb__Governance__ImpactResponse ImpRs;

static ImpRs *impact(mlmd_store *s, int kind, int64_t id, int max_nodes, int *rc)
{
	Mlmd__Pb__Governance__ImpactRequest rq = MLMD__PB__GOVERNANCE__IMPACT_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.id = id;
	if (max_nodes) {
		rq.has_max_nodes = 1;
		rq.max_nodes = max_nodes;
	}
	return test_rpc(s, "Impact", &rq, &mlmd__pb__governance__impact_response__descriptor, rc);
}

static ImpRs *impact_ok(mlmd_store *s, int kind, int64_t id, int max_nodes)
{
	int rc;
	ImpRs *r = impact(s, kind, id, max_nodes, &rc);
	if (rc)
		fail_msg("Impact -> %d (%s): %s", rc, mlmd_status_name(rc), mlmd_error_message());
	return r;
}

/* ---- the store -------------------------------------------------------------------------------- */

static int64_t named_artifact(mlmd_store *s, int64_t type, const char *name)
{
	Mlmd__Pb__Artifact *a = new_artifact(type, NULL);
	OK(mlmd_message_set_string(a, "name", name));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

/* A serving record as lib/serving/record.c writes one: a ModelServing
 * execution with an INPUT event from the model and an OUTPUT event to a new
 * ScoredBatch artifact, in the Deployment context `deployment` (created or
 * reused), in one PutExecution. Returns the execution id; *deployment_id
 * and *batch the others. */
static int64_t serving_record(mlmd_store *s, int64_t serving_type, int64_t deployment_type, int64_t batch_type,
			      const char *name, int64_t model, const char *deployment, int64_t *deployment_id,
			      int64_t *batch)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = serving_type;
	e.name = (char *)name;
	Mlmd__Pb__Event in = MLMD__PB__EVENT__INIT, out = MLMD__PB__EVENT__INIT;
	in.has_type = in.has_artifact_id = 1;
	in.type = MLMD__PB__EVENT__TYPE__INPUT;
	in.artifact_id = model;
	out.has_type = 1;
	out.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	Mlmd__Pb__Artifact *b = new_artifact(batch_type, "file:///scored");
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p0 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
							p1 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
	p0.event = &in;
	p1.artifact = b;
	p1.event = &out;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[] = { &p0, &p1 };
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = deployment_type;
	c.name = (char *)deployment;
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	rq.execution = &e;
	rq.n_artifact_event_pairs = 2;
	rq.artifact_event_pairs = pairs;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	rq.options = &opt;
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	OK(mlmd_store_put_execution(s, &rq, &rs));
	mlmd_message_free(b);
	assert_int_equal(rs->n_artifact_ids, 2);
	assert_int_equal(rs->n_context_ids, 1);
	*batch = rs->artifact_ids[1];
	*deployment_id = rs->context_ids[0];
	int64_t id = rs->execution_id;
	mlmd_message_free(rs);
	return id;
}

static void delete_node(mlmd_store *s, int kind, int64_t id)
{
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = 1;
	rq.ids = &id;
	free_msg(dg_rpc_ok(s, "DeleteNodes", &rq, &mlmd__pb__governance__delete_nodes_response__descriptor));
}

/*
 * raw -> prep -> data (deleted) -> train -> m1 (Model; alpha/1, iris/1: prod, champion)
 *                                        -> m2 (Blob; iris/2: staging)
 *                                        -> w (Weights, no version; served)
 *                                        -> m3 (Model, deleted)
 * m1 -> serve1 (ModelServing, deployment web) -> batch1
 * w  -> serve2 (ModelServing, deployment batch) -> batch2
 */
typedef struct world {
	mlmd_store *s;
	int64_t raw, data, m1, m2, w, m3, batch1, batch2;
	int64_t prep, train, serve1, serve2;
	int64_t web, batch;
} world;

static void build(world *x)
{
	memset(x, 0, sizeof *x);
	mlmd_store *s = x->s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0), mt = artifact_type(s, "Model", 0);
	int64_t bt = artifact_type(s, "Blob", 0), wt = artifact_type(s, "Weights", 0);
	int64_t sb = artifact_type(s, "ScoredBatch", 0);
	int64_t pt = execution_type(s, "Prep"), tt = execution_type(s, "Trainer");
	int64_t st = execution_type(s, "ModelServing");
	int64_t dt = context_type(s, "Deployment");
	x->raw = named_artifact(s, ds, "raw");
	x->data = named_artifact(s, ds, "data");
	x->m1 = named_artifact(s, mt, "m1");
	x->m2 = named_artifact(s, bt, "m2");
	x->w = named_artifact(s, wt, "w");
	x->m3 = named_artifact(s, mt, "m3");
	x->prep = put_execution_node(s, pt);
	x->train = put_execution_node(s, tt);
	event(s, x->raw, x->prep, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, x->data, x->prep, MLMD__PB__EVENT__TYPE__OUTPUT);
	event(s, x->data, x->train, MLMD__PB__EVENT__TYPE__DECLARED_INPUT);
	event(s, x->m1, x->train, MLMD__PB__EVENT__TYPE__OUTPUT);
	event(s, x->m2, x->train, MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT);
	event(s, x->w, x->train, MLMD__PB__EVENT__TYPE__PENDING_OUTPUT);
	event(s, x->m3, x->train, MLMD__PB__EVENT__TYPE__OUTPUT);
	create_model(s, "iris");
	create_model(s, "alpha");
	add_version(s, "iris", x->m1, NULL);
	add_version(s, "iris", x->m2, NULL);
	add_version(s, "alpha", x->m1, NULL);
	set_alias(s, "iris", "prod", 1);
	set_alias(s, "iris", "champion", 1);
	set_alias(s, "iris", "staging", 2);
	x->serve1 = serving_record(s, st, dt, sb, "serve-1", x->m1, "web", &x->web, &x->batch1);
	x->serve2 = serving_record(s, st, dt, sb, "serve-2", x->w, "batch", &x->batch, &x->batch2);
	delete_node(s, ART, x->data);
	delete_node(s, ART, x->m3);
}

static void node_is(const Mlmd__Pb__Governance__ImpactedNode *n, int kind, int64_t id, const char *type,
		    const char *name, int dist, int deleted)
{
	assert_int_equal(n->kind, kind);
	assert_int_equal(n->id, id);
	assert_string_equal(n->type, type);
	if (name)
		assert_string_equal(n->name, name);
	else
		assert_null(n->name);
	assert_int_equal(n->distance, dist);
	assert_int_equal(n->deleted, deleted);
}

static void version_is(const Mlmd__Pb__Governance__ImpactedVersion *v, const char *model, int64_t version,
		       int64_t art, int dist)
{
	assert_string_equal(v->model_name, model);
	assert_int_equal(v->version, version);
	assert_int_equal(v->artifact_id, art);
	assert_int_equal(v->distance, dist);
}

static void alias_is(const Mlmd__Pb__Governance__ImpactedAlias *a, const char *model, const char *alias,
		     int64_t version, int64_t art, int dist)
{
	assert_string_equal(a->model_name, model);
	assert_string_equal(a->alias, alias);
	assert_int_equal(a->version, version);
	assert_int_equal(a->artifact_id, art);
	assert_int_equal(a->distance, dist);
}

/* Everything from raw, through the deleted dataset, at distance d0 + the
 * hops from raw (d0 = -3 when starting at train, which is 3 below raw). */
static void check_all(const world *x, const ImpRs *r, int d0)
{
	assert_int_equal(r->n_models, 4);
	node_is(r->models[0], ART, x->m1, "Model", "m1", d0 + 4, 0);
	node_is(r->models[1], ART, x->m2, "Blob", "m2", d0 + 4, 0);
	node_is(r->models[2], ART, x->w, "Weights", "w", d0 + 4, 0);
	node_is(r->models[3], ART, x->m3, "Model", NULL, d0 + 4, 1);
	assert_int_equal(r->n_versions, 3);
	version_is(r->versions[0], "alpha", 1, x->m1, d0 + 4);
	version_is(r->versions[1], "iris", 1, x->m1, d0 + 4);
	version_is(r->versions[2], "iris", 2, x->m2, d0 + 4);
	assert_int_equal(r->n_aliases, 3);
	alias_is(r->aliases[0], "iris", "champion", 1, x->m1, d0 + 4);
	alias_is(r->aliases[1], "iris", "prod", 1, x->m1, d0 + 4);
	alias_is(r->aliases[2], "iris", "staging", 2, x->m2, d0 + 4);
	assert_int_equal(r->n_serving, 2);
	node_is(r->serving[0], EXE, x->serve1, "ModelServing", "serve-1", d0 + 5, 0);
	node_is(r->serving[1], EXE, x->serve2, "ModelServing", "serve-2", d0 + 5, 0);
	assert_int_equal(r->n_deployments, 2);
	node_is(r->deployments[0], CTX, x->web, "Deployment", "web", d0 + 6, 0);
	node_is(r->deployments[1], CTX, x->batch, "Deployment", "batch", d0 + 6, 0);
	assert_false(r->truncated);
}

static void impact_of_a_dataset_reaches_models_versions_aliases_and_deployments(void **st)
{
	(void)st;
	world x;
	build(&x);
	ImpRs *r = impact_ok(x.s, ART, x.raw, 0);
	check_all(&x, r, 0);
	/* raw, prep, data, train, m1, m2, w, m3, serve1, serve2, batch1, batch2 */
	assert_int_equal(r->nodes_walked, 12);
	free_msg(r);

	/* from the (deleted) dataset in the middle: a tombstone may start a walk */
	r = impact_ok(x.s, ART, x.data, 0);
	check_all(&x, r, -2);
	assert_int_equal(r->nodes_walked, 10);
	free_msg(r);
	mlmd_store_free(x.s);
}

static void impact_of_an_execution_and_of_a_model(void **st)
{
	(void)st;
	world x;
	build(&x);
	ImpRs *r = impact_ok(x.s, EXE, x.train, 0);
	check_all(&x, r, -3);
	assert_int_equal(r->nodes_walked, 9);
	free_msg(r);

	/* a model itself: distance 0, its versions and aliases too */
	r = impact_ok(x.s, ART, x.m1, 0);
	assert_int_equal(r->n_models, 1);
	node_is(r->models[0], ART, x.m1, "Model", "m1", 0, 0);
	assert_int_equal(r->n_versions, 2);
	version_is(r->versions[0], "alpha", 1, x.m1, 0);
	version_is(r->versions[1], "iris", 1, x.m1, 0);
	assert_int_equal(r->n_aliases, 2);
	alias_is(r->aliases[0], "iris", "champion", 1, x.m1, 0);
	alias_is(r->aliases[1], "iris", "prod", 1, x.m1, 0);
	assert_int_equal(r->n_serving, 1);
	node_is(r->serving[0], EXE, x.serve1, "ModelServing", "serve-1", 1, 0);
	assert_int_equal(r->n_deployments, 1);
	node_is(r->deployments[0], CTX, x.web, "Deployment", "web", 2, 0);
	assert_int_equal(r->nodes_walked, 3);
	free_msg(r);

	/* below the models: nothing that matters */
	r = impact_ok(x.s, ART, x.batch1, 0);
	assert_int_equal(r->n_models + r->n_versions + r->n_aliases + r->n_serving + r->n_deployments, 0);
	assert_int_equal(r->nodes_walked, 1);
	free_msg(r);
	mlmd_store_free(x.s);
}

static void the_node_cap_truncates_the_walk(void **st)
{
	(void)st;
	world x;
	build(&x);
	ImpRs *r = impact_ok(x.s, ART, x.raw, 3); /* raw, prep, data */
	assert_true(r->truncated);
	assert_int_equal(r->nodes_walked, 3);
	assert_int_equal(r->n_models, 0);
	free_msg(r);
	r = impact_ok(x.s, ART, x.raw, 6); /* ... train and the first two of its outputs (by id) */
	assert_true(r->truncated);
	assert_int_equal(r->nodes_walked, 6);
	assert_int_equal(r->n_models, 2);
	node_is(r->models[0], ART, x.m1, "Model", "m1", 4, 0);
	node_is(r->models[1], ART, x.m2, "Blob", "m2", 4, 0);
	free_msg(r);
	r = impact_ok(x.s, ART, x.raw, 12); /* exactly the whole walk */
	check_all(&x, r, 0);
	assert_int_equal(r->nodes_walked, 12);
	free_msg(r);
	mlmd_store_free(x.s);
}

static void bad_requests_are_refused(void **st)
{
	(void)st;
	world x;
	build(&x);
	int rc;
	assert_null(impact(x.s, CTX, x.web, 0, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "kind must be ARTIFACT or EXECUTION");
	assert_null(impact(x.s, ART, 999999, 0, &rc));
	FAILS(rc, MLMD_NOT_FOUND, "artifact 999999 does not exist");
	assert_null(impact(x.s, EXE, 0, 0, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "id must be a positive");
	assert_null(impact(x.s, ART, x.raw, -1, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "max_nodes is negative");
	mlmd_store_free(x.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(impact_of_a_dataset_reaches_models_versions_aliases_and_deployments),
		cmocka_unit_test(impact_of_an_execution_and_of_a_model),
		cmocka_unit_test(the_node_cap_truncates_the_walk),
		cmocka_unit_test(bad_requests_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

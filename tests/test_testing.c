/*
 * tests/test_testing.c - mlmd/testing.h's assertions (CheckLineage) on
 * every backend: each one holding, and failing with its exact text; the
 * errors of the call (unknown nodes, missing fields); the checks of
 * mlmd/testing_cmocka.h. The graph is built with plain store calls:
 *
 *   raw:DataSet -> (clean:Transform COMPLETE) -> train:DataSet {rows=100}
 *     -> (fit:Trainer COMPLETE) -> model:Model {acc=0.5, tag='v1', ok=true}
 *     -> (push:Pusher RUNNING) -> served:Endpoint
 *   (clean) -> an artifact of type Stats without a name
 *   other:DataSet (no edges)
 *   context exp:Experiment = raw, model, (fit)
 */
#include <inttypes.h>
#include "helpers.h"
#include "mlmd/testing_cmocka.h"
#include "mlmd_testing.pb-c.h"

enum { RAW, TRAIN, MODEL, SERVED, OTHER, STATS, NA };
enum { CLEAN, FIT, PUSH, NE };

typedef struct fx {
	mlmd_store *s;
	int64_t a[NA], e[NE], exp;
} fx;

static mlmd_node_ref A(const fx *f, int i)
{
	return (mlmd_node_ref){ MLMD_NODE_ARTIFACT, f->a[i] };
}

static mlmd_node_ref E(const fx *f, int i)
{
	return (mlmd_node_ref){ MLMD_NODE_EXECUTION, f->e[i] };
}

static int64_t art(mlmd_store *s, int64_t type, const char *name, int with_props)
{
	Mlmd__Pb__Artifact *a = new_artifact(type, NULL);
	if (name)
		OK(mlmd_message_set_string(a, "name", name));
	if (with_props == 1)
		OK(mlmd_node_set_int(a, 1, "rows", 100));
	if (with_props == 2) {
		OK(mlmd_node_set_double(a, 1, "acc", 0.5));
		OK(mlmd_node_set_string(a, 1, "tag", "v1"));
		OK(mlmd_node_set_bool(a, 1, "ok", 1));
	}
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

static void attribute(mlmd_store *s, int64_t ctx, int64_t a)
{
	Mlmd__Pb__Attribution at = MLMD__PB__ATTRIBUTION__INIT, *ap = &at;
	at.has_context_id = at.has_artifact_id = 1;
	at.context_id = ctx;
	at.artifact_id = a;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs = NULL;
	rq.n_attributions = 1;
	rq.attributions = &ap;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->s = open_memory();
	int64_t ds = artifact_type(f->s, "DataSet", 0), model = artifact_type(f->s, "Model", 0);
	int64_t ep = artifact_type(f->s, "Endpoint", 0), stats = artifact_type(f->s, "Stats", 0);
	f->a[RAW] = art(f->s, ds, "raw", 0);
	f->a[TRAIN] = art(f->s, ds, "train", 1);
	f->a[MODEL] = art(f->s, model, "model", 2);
	f->a[SERVED] = art(f->s, ep, "served", 0);
	f->a[OTHER] = art(f->s, ds, "other", 0);
	f->a[STATS] = art(f->s, stats, NULL, 0);
	f->e[CLEAN] = put_execution_as(f->s, execution_type(f->s, "Transform"), 0, "clean",
				       MLMD__PB__EXECUTION__STATE__COMPLETE);
	f->e[FIT] = put_execution_as(f->s, execution_type(f->s, "Trainer"), 0, "fit",
				     MLMD__PB__EXECUTION__STATE__COMPLETE);
	f->e[PUSH] = put_execution_as(f->s, execution_type(f->s, "Pusher"), 0, "push",
				      MLMD__PB__EXECUTION__STATE__RUNNING);
	put_event_node(f->s, f->e[CLEAN], f->a[RAW], MLMD__PB__EVENT__TYPE__INPUT);
	put_event_node(f->s, f->e[CLEAN], f->a[TRAIN], MLMD__PB__EVENT__TYPE__OUTPUT);
	put_event_node(f->s, f->e[CLEAN], f->a[STATS], MLMD__PB__EVENT__TYPE__OUTPUT);
	put_event_node(f->s, f->e[FIT], f->a[TRAIN], MLMD__PB__EVENT__TYPE__INPUT);
	put_event_node(f->s, f->e[FIT], f->a[MODEL], MLMD__PB__EVENT__TYPE__OUTPUT);
	put_event_node(f->s, f->e[PUSH], f->a[MODEL], MLMD__PB__EVENT__TYPE__INPUT);
	put_event_node(f->s, f->e[PUSH], f->a[SERVED], MLMD__PB__EVENT__TYPE__OUTPUT);
	f->exp = put_context_node(f->s, context_type(f->s, "Experiment"), "exp");
	attribute(f->s, f->exp, f->a[RAW]);
	attribute(f->s, f->exp, f->a[MODEL]);
	put_association(f->s, f->exp, f->e[FIT]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	mlmd_store_free(f->s);
	free(f);
	return 0;
}

/* Asserts rc is FAILED_PRECONDITION, *failure is `want` exactly, and the
 * thread's message is the same text; frees *failure. */
static void failed_with(int rc, char **failure, const char *want)
{
	if (rc != -MLMD_FAILED_PRECONDITION)
		fail_msg("rc %d (%s): %s", rc, mlmd_status_name(rc), mlmd_error_message());
	assert_non_null(*failure);
	assert_string_equal(*failure, want);
	assert_string_equal(mlmd_error_message(), want);
	mlmd_buffer_free(*failure);
	*failure = NULL;
}

/* ---- UPSTREAM and DOWNSTREAM -------------------------------------------------------------------- */

static void upstream_holds(void **state)
{
	fx *f = *state;
	mlmd_node_ref want[] = { A(f, RAW), E(f, FIT), A(f, TRAIN) };
	char *failure = (char *)"untouched";
	OK(mlmd_assert_upstream(f->s, A(f, MODEL), want, 3, 0, &failure));
	assert_null(failure);
	/* raw is 4 hops up: model <- fit <- train <- clean <- raw */
	OK(mlmd_assert_upstream(f->s, A(f, MODEL), want, 3, 4, NULL));
	OK(mlmd_assert_upstream(f->s, E(f, PUSH), want, 3, 0, NULL));
}

static void upstream_fails_beyond_within(void **state)
{
	fx *f = *state;
	mlmd_node_ref want[] = { A(f, RAW), E(f, FIT) };
	char *failure = NULL;
	failed_with(mlmd_assert_upstream(f->s, A(f, MODEL), want, 2, 3, &failure), &failure,
		    "expected upstream of model:Model within 3 hops: raw:DataSet, (fit:Trainer COMPLETE)\n"
		    "found upstream within 3 hops (nearest first): (fit:Trainer COMPLETE), train:DataSet,"
		    " (clean:Transform COMPLETE)\n"
		    "missing raw:DataSet: upstream at 4 hops, beyond 3: raw:DataSet -> (clean:Transform COMPLETE) ->"
		    " train:DataSet -> (fit:Trainer COMPLETE) -> model:Model");
}

static void upstream_fails_other_direction_and_unrelated(void **state)
{
	fx *f = *state;
	mlmd_node_ref want[] = { A(f, SERVED), A(f, OTHER), A(f, TRAIN) };
	char *failure = NULL;
	failed_with(mlmd_assert_upstream(f->s, A(f, TRAIN), want, 3, 0, &failure), &failure,
		    "expected upstream of train:DataSet: served:Endpoint, other:DataSet, train:DataSet\n"
		    "found upstream (nearest first): (clean:Transform COMPLETE), raw:DataSet\n"
		    "missing served:Endpoint: not upstream; downstream at 4 hops: train:DataSet ->"
		    " (fit:Trainer COMPLETE) -> model:Model -> (push:Pusher RUNNING) -> served:Endpoint\n"
		    "missing other:DataSet: no path to or from train:DataSet\n"
		    "missing train:DataSet: that is the node itself");
	/* nothing upstream at all */
	mlmd_node_ref one = A(f, MODEL);
	failed_with(mlmd_assert_upstream(f->s, A(f, RAW), &one, 1, 2, &failure), &failure,
		    "expected upstream of raw:DataSet within 2 hops: model:Model\n"
		    "found upstream within 2 hops: nothing\n"
		    "missing model:Model: not upstream; downstream at 4 hops: raw:DataSet -> (clean:Transform COMPLETE)"
		    " -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model");
}

static void downstream_holds_and_fails(void **state)
{
	fx *f = *state;
	mlmd_node_ref want[] = { A(f, SERVED), A(f, STATS) };
	OK(mlmd_assert_downstream(f->s, A(f, RAW), want, 2, 0, NULL));
	OK(mlmd_assert_downstream(f->s, A(f, RAW), want, 2, 6, NULL));
	char *failure = NULL;
	char expect[1024];
	/* the nameless Stats artifact is written with its id */
	snprintf(expect, sizeof expect,
		 "expected downstream of raw:DataSet within 2 hops: served:Endpoint, #%" PRId64 ":Stats\n"
		 "found downstream within 2 hops (nearest first): (clean:Transform COMPLETE), train:DataSet,"
		 " #%" PRId64 ":Stats\n"
		 "missing served:Endpoint: downstream at 6 hops, beyond 2: raw:DataSet -> (clean:Transform COMPLETE)"
		 " -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model -> (push:Pusher RUNNING) -> served:Endpoint",
		 f->a[STATS], f->a[STATS]);
	failed_with(mlmd_assert_downstream(f->s, A(f, RAW), want, 2, 2, &failure), &failure, expect);
	/* without a failure pointer the text is the thread's message */
	mlmd_node_ref raw = A(f, RAW);
	assert_int_equal(mlmd_assert_downstream(f->s, A(f, MODEL), &raw, 1, 0, NULL), -MLMD_FAILED_PRECONDITION);
	assert_string_equal(mlmd_error_message(),
			    "expected downstream of model:Model: raw:DataSet\n"
			    "found downstream (nearest first): (push:Pusher RUNNING), served:Endpoint\n"
			    "missing raw:DataSet: not downstream; upstream at 4 hops: raw:DataSet ->"
			    " (clean:Transform COMPLETE) -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model");
}

/* More nodes found than a failure lists: the rest are counted. */
static void long_lists_are_capped(void **state)
{
	fx *f = *state;
	int64_t t = artifact_type(f->s, "Shard", 0), x = put_execution_as(f->s, execution_type(f->s, "Split"), 0,
									    "split", -1);
	put_event_node(f->s, x, f->a[OTHER], MLMD__PB__EVENT__TYPE__INPUT);
	char name[16];
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "s%02d", i);
		put_event_node(f->s, x, art(f->s, t, name, 0), MLMD__PB__EVENT__TYPE__OUTPUT);
	}
	mlmd_node_ref want = A(f, MODEL);
	char *failure = NULL;
	failed_with(mlmd_assert_downstream(f->s, A(f, OTHER), &want, 1, 0, &failure), &failure,
		    "expected downstream of other:DataSet: model:Model\n"
		    "found downstream (nearest first): (split:Split), s00:Shard, s01:Shard, s02:Shard, s03:Shard,"
		    " s04:Shard, s05:Shard, s06:Shard, s07:Shard, s08:Shard, and 3 more\n"
		    "missing model:Model: no path to or from other:DataSet");
}

/* ---- NO_PATH and PRODUCED_BY -------------------------------------------------------------------- */

static void no_path(void **state)
{
	fx *f = *state;
	OK(mlmd_assert_no_path(f->s, A(f, MODEL), A(f, RAW), NULL));
	OK(mlmd_assert_no_path(f->s, A(f, RAW), A(f, OTHER), NULL));
	OK(mlmd_assert_no_path(f->s, A(f, STATS), A(f, MODEL), NULL));
	char *failure = NULL;
	failed_with(mlmd_assert_no_path(f->s, A(f, RAW), E(f, FIT), &failure), &failure,
		    "expected no path from raw:DataSet to (fit:Trainer COMPLETE), found one at 3 hops: raw:DataSet ->"
		    " (clean:Transform COMPLETE) -> train:DataSet -> (fit:Trainer COMPLETE)");
	failed_with(mlmd_assert_no_path(f->s, A(f, RAW), A(f, RAW), &failure), &failure,
		    "expected no path from raw:DataSet to itself: they are the same node");
}

static void produced_by(void **state)
{
	fx *f = *state;
	OK(mlmd_assert_produced_by(f->s, f->a[MODEL], "Trainer", -1, NULL));
	OK(mlmd_assert_produced_by(f->s, f->a[MODEL], "Trainer", MLMD__PB__EXECUTION__STATE__COMPLETE, NULL));
	char *failure = NULL;
	failed_with(mlmd_assert_produced_by(f->s, f->a[MODEL], "Trainer", MLMD__PB__EXECUTION__STATE__FAILED,
					    &failure),
		    &failure,
		    "expected model:Model produced by a Trainer execution in state FAILED; produced by"
		    " (fit:Trainer COMPLETE)");
	failed_with(mlmd_assert_produced_by(f->s, f->a[TRAIN], "Trainer", -1, &failure), &failure,
		    "expected train:DataSet produced by a Trainer execution; produced by (clean:Transform COMPLETE)");
	failed_with(mlmd_assert_produced_by(f->s, f->a[RAW], "Transform", -1, &failure), &failure,
		    "expected raw:DataSet produced by a Transform execution; no execution has it as an OUTPUT");
	/* an execution without a name or a state */
	int64_t x = put_execution_node(f->s, execution_type(f->s, "Copy"));
	put_event_node(f->s, x, f->a[RAW], MLMD__PB__EVENT__TYPE__OUTPUT);
	char expect[256];
	snprintf(expect, sizeof expect,
		 "expected raw:DataSet produced by a Transform execution; produced by (#%" PRId64 ":Copy)", x);
	failed_with(mlmd_assert_produced_by(f->s, f->a[RAW], "Transform", -1, &failure), &failure, expect);
}

/* ---- GRAPH_EQUALS ------------------------------------------------------------------------------ */

static const char graph_text[] =
	"raw:DataSet -> (clean:Transform COMPLETE) -> train:DataSet {rows=100}\n"
	"train -> (fit:Trainer COMPLETE) -> model:Model {acc=0.5, tag='v1', ok=true}\n"
	"model -> (push:Pusher RUNNING) -> served:Endpoint\n"
	"other:DataSet\n"
	"context exp:Experiment = raw, model, (fit)\n";

static void graph_equals(void **state)
{
	fx *f = *state;
	char *failure = NULL;
	char expect[1024];
	/* the nameless Stats artifact cannot be named, so it is extra (its
	 * edge is not listed: edges are compared between matched nodes) */
	snprintf(expect, sizeof expect,
		 "the store's graph differs from the expected one:\n"
		 "extra #%" PRId64 ":Stats",
		 f->a[STATS]);
	failed_with(mlmd_assert_graph_equals(f->s, graph_text, &failure), &failure, expect);
	/* deleting it is not possible through MLMD; give it a name instead */
	Mlmd__Pb__Artifact *a = get_artifact(f->s, f->a[STATS]);
	OK(mlmd_message_set_string(a, "name", "stats"));
	OK(put_artifact(f->s, a, NULL));
	char *text = malloc(sizeof graph_text + 64);
	assert_non_null(text);
	snprintf(text, sizeof graph_text + 64, "%s(clean) -> stats:Stats\n", graph_text);
	OK(mlmd_assert_graph_equals(f->s, text, &failure));
	assert_null(failure);
	/* the order of chains and statements does not matter; states and
	 * properties left out are not compared */
	OK(mlmd_assert_graph_equals(f->s,
				    "context exp:Experiment = (fit:Trainer), raw:DataSet, model:Model\n"
				    "other:DataSet; (clean:Transform) -> stats:Stats\n"
				    "model -> (push:Pusher) -> served:Endpoint\n"
				    "raw -> (clean) -> train:DataSet -> (fit) -> model\n",
				    NULL));
	free(text);
}

static void graph_equals_differences(void **state)
{
	fx *f = *state;
	char *failure = NULL;
	char expect[2048];
	snprintf(expect, sizeof expect,
		 "the store's graph differs from the expected one:\n"
		 "clean: expected clean:Transform, found (clean:Transform COMPLETE)\n"
		 "fit: expected state FAILED, found COMPLETE\n"
		 "model: expected model:Dataset, found model:Model\n"
		 "train: property rows: expected 101, found 100\n"
		 "train: property note: expected 'it\\'s', found none\n"
		 "missing gone:DataSet\n"
		 "extra served:Endpoint\n"
		 "extra other:DataSet\n"
		 "extra #%" PRId64 ":Stats\n"
		 "missing edge raw:DataSet -> (fit:Trainer FAILED)\n"
		 "extra edge raw:DataSet -> (clean:Transform COMPLETE)\n"
		 "extra edge (clean:Transform COMPLETE) -> train:DataSet\n"
		 "extra edge train:DataSet -> (fit:Trainer COMPLETE)\n"
		 "extra in context exp:Experiment: raw:DataSet",
		 f->a[STATS]);
	failed_with(mlmd_assert_graph_equals(f->s,
					     "raw:DataSet; clean:Transform\n"
					     "raw -> (fit:Trainer FAILED) -> model:Dataset\n"
					     "train:DataSet {rows=101, note='it\\'s'}\n"
					     "gone:DataSet\n"
					     "model -> (push:Pusher RUNNING)\n"
					     "context exp:Experiment = model, (fit)\n",
					     &failure),
		    &failure, expect);
}

static void graph_equals_bad_text(void **state)
{
	fx *f = *state;
	char *failure = (char *)"untouched";
	FAILS(mlmd_assert_graph_equals(f->s, "raw:DataSet ->\n", &failure), MLMD_INVALID_ARGUMENT, "line ");
	assert_null(failure);
	FAILS(mlmd_assert_graph_equals(f->s, NULL, &failure), MLMD_INVALID_ARGUMENT, "text is NULL");
}

/* ---- errors of the call ----------------------------------------------------------------------- */

static void unknown_nodes_are_not_found(void **state)
{
	fx *f = *state;
	mlmd_node_ref ghost = { MLMD_NODE_ARTIFACT, 9999 };
	mlmd_node_ref want = A(f, RAW);
	char *failure = (char *)"untouched";
	FAILS(mlmd_assert_upstream(f->s, ghost, &want, 1, 0, &failure), MLMD_NOT_FOUND,
	      "CheckLineage: node: artifact 9999 does not exist");
	assert_null(failure);
	FAILS(mlmd_assert_downstream(f->s, A(f, RAW), &ghost, 1, 0, NULL), MLMD_NOT_FOUND,
	      "CheckLineage: contains[0]: artifact 9999 does not exist");
	FAILS(mlmd_assert_no_path(f->s, A(f, RAW), (mlmd_node_ref){ MLMD_NODE_EXECUTION, 9999 }, NULL),
	      MLMD_NOT_FOUND, "CheckLineage: other: execution 9999 does not exist");
	FAILS(mlmd_assert_produced_by(f->s, 9999, "Trainer", -1, NULL), MLMD_NOT_FOUND,
	      "CheckLineage: node: artifact 9999 does not exist");
}

static void bad_requests_are_invalid(void **state)
{
	fx *f = *state;
	mlmd_node_ref want = A(f, RAW);
	FAILS(mlmd_assert_upstream(f->s, A(f, MODEL), NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT,
	      "UPSTREAM needs at least one node in `contains`");
	FAILS(mlmd_assert_upstream(f->s, A(f, MODEL), NULL, 2, 0, NULL), MLMD_INVALID_ARGUMENT,
	      "2 nodes in contains, but the array is NULL");
	FAILS(mlmd_assert_upstream(f->s, A(f, MODEL), &want, 1, -1, NULL), MLMD_INVALID_ARGUMENT,
	      "within is -1");
	FAILS(mlmd_assert_upstream(f->s, (mlmd_node_ref){ MLMD_NODE_CONTEXT, f->exp }, &want, 1, 0, NULL),
	      MLMD_INVALID_ARGUMENT, "contexts have no lineage");
	FAILS(mlmd_assert_produced_by(f->s, f->a[MODEL], "", -1, NULL), MLMD_INVALID_ARGUMENT,
	      "PRODUCED_BY needs `execution_type`");
	FAILS(mlmd_assert_upstream(NULL, A(f, MODEL), &want, 1, 0, NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	/* the RPC itself, with fields left out */
	int rc;
	Mlmd__Pb__Testing__CheckLineageRequest rq = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__INIT;
	assert_null(test_rpc(f->s, "CheckLineage", &rq, &mlmd__pb__testing__check_lineage_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "check is missing"));
	rq.has_check = 1;
	rq.check = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__NO_PATH;
	assert_null(test_rpc(f->s, "CheckLineage", &rq, &mlmd__pb__testing__check_lineage_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_string_equal(mlmd_error_message(), "CheckLineage: node is missing (a node: kind and id)");
	Mlmd__Pb__Testing__NodeRef n = MLMD__PB__TESTING__NODE_REF__INIT;
	n.has_id = 1;
	n.id = f->a[RAW];
	rq.node = &n;
	assert_null(test_rpc(f->s, "CheckLineage", &rq, &mlmd__pb__testing__check_lineage_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "node has no kind"));
	/* a PRODUCED_BY of an execution */
	rq.check = MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__PRODUCED_BY;
	n.has_kind = 1;
	n.kind = MLMD__PB__TESTING__NODE_KIND__EXECUTION;
	n.id = f->e[FIT];
	rq.execution_type = (char *)"Trainer";
	assert_null(test_rpc(f->s, "CheckLineage", &rq, &mlmd__pb__testing__check_lineage_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "PRODUCED_BY needs an artifact"));
	/* a holding check over the RPC: holds, no failure text */
	n.kind = MLMD__PB__TESTING__NODE_KIND__ARTIFACT;
	n.id = f->a[MODEL];
	Mlmd__Pb__Testing__CheckLineageResponse *rs =
		test_rpc(f->s, "CheckLineage", &rq, &mlmd__pb__testing__check_lineage_response__descriptor, &rc);
	assert_non_null(rs);
	assert_true(rs->has_holds && rs->holds);
	assert_null(rs->failure);
	mlmd_message_free(rs);
}

/* ---- the cmocka checks ------------------------------------------------------------------------ */

static void cmocka_checks(void **state)
{
	fx *f = *state;
	assert_mlmd_upstream(f->s, A(f, MODEL), 0, A(f, RAW), E(f, FIT));
	assert_mlmd_upstream(f->s, A(f, MODEL), 2, A(f, TRAIN));
	assert_mlmd_downstream(f->s, A(f, RAW), 0, A(f, SERVED));
	assert_mlmd_no_path(f->s, A(f, SERVED), A(f, RAW));
	assert_mlmd_produced_by(f->s, A(f, MODEL), "Trainer", MLMD_STATE_COMPLETE);
	assert_mlmd_produced_by(f->s, A(f, SERVED), "Pusher", MLMD_STATE_ANY);
}

/* ---- the graph API over BuildGraph, and snapshots ------------------------------------------------ */

static void graph_build_and_lookup(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	mlmd_graph *g = NULL;
	OK(mlmd_graph_build(s, "raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model\ncontext exp:Experiment = model", &g));
	assert_int_equal(mlmd_graph_size(g), 4);
	static const char *const names[] = { "raw", "fit", "model", "exp" };
	static const mlmd_node_kind kinds[] = { MLMD_NODE_ARTIFACT, MLMD_NODE_EXECUTION, MLMD_NODE_ARTIFACT,
						MLMD_NODE_CONTEXT };
	for (size_t i = 0; i < 4; i++) {
		const char *name = NULL;
		mlmd_node_ref r, by_name;
		OK(mlmd_graph_at(g, i, &name, &r));
		assert_string_equal(name, names[i]);
		assert_int_equal(r.kind, kinds[i]);
		assert_true(r.id > 0);
		OK(mlmd_graph_node(g, names[i], &by_name));
		assert_int_equal(by_name.kind, r.kind);
		assert_int_equal(by_name.id, r.id);
	}
	mlmd_node_ref r;
	FAILS(mlmd_graph_at(g, 4, NULL, &r), MLMD_OUT_OF_RANGE, "index 4, the graph has 4 names");
	FAILS(mlmd_graph_node(g, "nope", &r), MLMD_NOT_FOUND, "no node 'nope'");
	/* the built graph is what the assertions see */
	OK(mlmd_graph_node(g, "model", &r));
	OK(mlmd_assert_produced_by(s, r.id, "Trainer", MLMD__PB__EXECUTION__STATE__COMPLETE, NULL));
	OK(mlmd_assert_graph_equals(s, "raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model\n"
				       "context exp:Experiment = model", NULL));
	char *snap = NULL;
	OK(mlmd_graph_snapshot(s, &r, 1, 0, &snap));
	assert_non_null(strstr(snap, "fit"));
	char *again = NULL;
	OK(mlmd_graph_snapshot(s, &r, 1, 0, &again));
	assert_string_equal(snap, again);
	mlmd_buffer_free(snap);
	mlmd_buffer_free(again);
	FAILS(mlmd_graph_snapshot(s, NULL, 2, 0, &snap), MLMD_INVALID_ARGUMENT, "2 roots, but the array is NULL");
	mlmd_graph_free(g);
	/* a bad text writes nothing and gives no graph */
	g = (mlmd_graph *)&r;
	FAILS(mlmd_graph_build(s, "a:X -> b:Y", &g), MLMD_INVALID_ARGUMENT, "line 1, column");
	assert_null(g);
	FAILS(mlmd_graph_build(s, NULL, &g), MLMD_INVALID_ARGUMENT, "text is NULL");
	mlmd_graph_free(NULL);
	mlmd_store_free(s);
}

/* The cmocka helpers over a graph built from the notation. */
static void cmocka_checks_on_built_graph(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	mlmd_graph *g = build_mlmd_graph(s, "raw:DataSet -> (validate:Validator COMPLETE) -> ok:DataSet\n"
					    "ok -> (train:Trainer COMPLETE) -> model:Model");
	assert_mlmd_upstream(s, mlmd_graph_ref(g, "model"), 0, mlmd_graph_ref(g, "ok"), mlmd_graph_ref(g, "validate"));
	assert_mlmd_upstream(s, mlmd_graph_ref(g, "model"), 4, mlmd_graph_ref(g, "raw"));
	assert_mlmd_downstream(s, mlmd_graph_ref(g, "raw"), 2, mlmd_graph_ref(g, "ok"));
	assert_mlmd_no_path(s, mlmd_graph_ref(g, "model"), mlmd_graph_ref(g, "raw"));
	assert_mlmd_produced_by(s, mlmd_graph_ref(g, "model"), "Trainer", MLMD_STATE_COMPLETE);
	assert_mlmd_graph_equals(s, "raw:DataSet -> (validate:Validator) -> ok:DataSet -> (train:Trainer) -> model:Model");
	mlmd_graph_free(g);
	mlmd_store_free(s);
}

/* A deleted node (a tombstone) is not in the lineage, and not in the graph. */
static void deleted_nodes_are_not_lineage(void **state)
{
	fx *f = *state;
	OK(mlmd_nodes_delete(f->s, MLMD_NODE_EXECUTION, &f->e[CLEAN], 1, "test", 0, NULL));
	mlmd_node_ref raw = A(f, RAW);
	char *failure = NULL;
	failed_with(mlmd_assert_upstream(f->s, A(f, TRAIN), &raw, 1, 0, &failure), &failure,
		    "expected upstream of train:DataSet: raw:DataSet\n"
		    "found upstream: nothing\n"
		    "missing raw:DataSet: no path to or from train:DataSet");
	OK(mlmd_assert_no_path(f->s, A(f, RAW), A(f, MODEL), NULL));
	FAILS(mlmd_assert_no_path(f->s, A(f, RAW), E(f, CLEAN), NULL), MLMD_NOT_FOUND,
	      "CheckLineage: other: execution");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(upstream_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(upstream_fails_beyond_within, setup, teardown),
		cmocka_unit_test_setup_teardown(upstream_fails_other_direction_and_unrelated, setup, teardown),
		cmocka_unit_test_setup_teardown(downstream_holds_and_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(long_lists_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(no_path, setup, teardown),
		cmocka_unit_test_setup_teardown(produced_by, setup, teardown),
		cmocka_unit_test_setup_teardown(graph_equals, setup, teardown),
		cmocka_unit_test_setup_teardown(graph_equals_differences, setup, teardown),
		cmocka_unit_test_setup_teardown(graph_equals_bad_text, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_nodes_are_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests_are_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(cmocka_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(deleted_nodes_are_not_lineage, setup, teardown),
		cmocka_unit_test(graph_build_and_lookup),
		cmocka_unit_test(cmocka_checks_on_built_graph),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

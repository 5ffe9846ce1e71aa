/*
 * tests/test_filter.c - the filter_query language on a real store: every
 * attribute, operator and alias kind, enum values, missing-property
 * semantics, paging with filters, injection attempts, error messages and the
 * property indexes' query plans.
 */
#include <math.h>
#include "helpers.h"
#include <sqlite3.h>
#include "store/store_private.h" /* mlmd__store_sql: the store's SQL session */
#include "sql/sql.h"

enum { ART = 1, EXE = 0, CTX = 2 };

typedef struct fixture {
	mlmd_store *s;
	char *path;
	int64_t data_t, model_t, train_t, eval_t, run_t, pipe_t;
	int64_t a[7], e[4], c[4];
} fixture;

static int64_t put_art(fixture *f, int64_t type, const char *name, const char *uri, int state)
{
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	OK(mlmd_message_set_string(a, "name", name));
	if (state >= 0) {
		a->has_state = 1;
		a->state = (Mlmd__Pb__Artifact__State)state;
	}
	int64_t id = 0;
	OK(put_artifact(f->s, a, &id));
	return id;
}

static int64_t put_exe(fixture *f, int64_t type, const char *name, int state)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT, *ep = &e;
	e.has_type_id = 1;
	e.type_id = type;
	e.name = (char *)name;
	if (state >= 0) {
		e.has_last_known_state = 1;
		e.last_known_state = (Mlmd__Pb__Execution__State)state;
	}
	Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *rs;
	rq.n_executions = 1;
	rq.executions = &ep;
	OK(mlmd_store_put_executions(f->s, &rq, &rs));
	int64_t id = rs->execution_ids[0];
	mlmd_message_free(rs);
	return id;
}

static void put_event(fixture *f, int64_t a, int64_t e, int type)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = a;
	ev.execution_id = e;
	ev.type = (Mlmd__Pb__Event__Type)type;
	ev.has_milliseconds_since_epoch = 1;
	ev.milliseconds_since_epoch = 1000 * a + e;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(f->s, &rq, &rs));
	mlmd_message_free(rs);
}

static void link_nodes(fixture *f, int64_t ctx, int64_t art, int64_t exe)
{
	Mlmd__Pb__Attribution at = MLMD__PB__ATTRIBUTION__INIT, *atp = &at;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at.has_context_id = at.has_artifact_id = 1;
	at.context_id = ctx;
	at.artifact_id = art;
	as.has_context_id = as.has_execution_id = 1;
	as.context_id = ctx;
	as.execution_id = exe;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
	rq.n_attributions = art ? 1 : 0;
	rq.attributions = &atp;
	rq.n_associations = exe ? 1 : 0;
	rq.associations = &asp;
	OK(mlmd_store_put_attributions_and_associations(f->s, &rq, &rs));
	mlmd_message_free(rs);
}

static void parent(fixture *f, int64_t child, int64_t par)
{
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = child;
	pc.parent_id = par;
	Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *rs;
	rq.n_parent_contexts = 1;
	rq.parent_contexts = &pcp;
	OK(mlmd_store_put_parent_contexts(f->s, &rq, &rs));
	mlmd_message_free(rs);
}

/*
 * Artifacts: d1 (LIVE, span 1, acc 0.5, owner ann, ok true, custom `my:prop` 7,
 * custom 0b 5), d2 (PENDING, span 2, acc 0.96, owner bob, ok false),
 * d3 (ABANDONED, span 3), m1 (Model, REFERENCE), m2 (Model, no uri, no state),
 * d6 (DELETED, name with a quote). Executions: t1 (Train, COMPLETE),
 * v1 (Eval, RUNNING), t2 (Train, no state). Events: d1, d2 -INPUT-> t1
 * -OUTPUT-> m1 -INPUT-> v1 -PENDING_OUTPUT-> m2; d3 -DECLARED_INPUT-> t2.
 * Contexts: run1 {d1, d2, m1, t1}, run2 {m1, m2, v1}, pipe parent of both.
 */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (backend_is_pg()) {
		f->s = open_memory(); /* a fresh database; the plan tests are SQLite's */
	} else {
		f->path = tmp_path("filter");
		f->s = open_file(f->path);
	}
	f->data_t = artifact_type(f->s, "Data", 4, "span", MLMD__PB__PROPERTY_TYPE__INT, "acc",
				  MLMD__PB__PROPERTY_TYPE__DOUBLE, "owner", MLMD__PB__PROPERTY_TYPE__STRING, "ok",
				  MLMD__PB__PROPERTY_TYPE__BOOLEAN);
	f->model_t = artifact_type(f->s, "Model", 0);
	f->train_t = execution_type(f->s, "Train");
	f->eval_t = execution_type(f->s, "Eval");
	f->run_t = context_type(f->s, "Run");
	f->pipe_t = context_type(f->s, "Pipeline");

	Mlmd__Pb__Artifact *a = new_artifact(f->data_t, "/data/1");
	OK(mlmd_message_set_string(a, "name", "d1"));
	OK(mlmd_message_set_string(a, "external_id", "ext-1"));
	a->has_state = 1;
	a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
	OK(mlmd_node_set_int(a, 0, "span", 1));
	OK(mlmd_node_set_double(a, 0, "acc", 0.5));
	OK(mlmd_node_set_string(a, 0, "owner", "ann"));
	OK(mlmd_node_set_bool(a, 0, "ok", 1));
	OK(mlmd_node_set_int(a, 1, "my:prop", 7));
	OK(mlmd_node_set_int(a, 1, "0b", 5));
	OK(put_artifact(f->s, a, &f->a[1]));

	a = new_artifact(f->data_t, "/data/2");
	OK(mlmd_message_set_string(a, "name", "d2"));
	a->has_state = 1;
	a->state = MLMD__PB__ARTIFACT__STATE__PENDING;
	OK(mlmd_node_set_int(a, 0, "span", 2));
	OK(mlmd_node_set_double(a, 0, "acc", 0.96));
	OK(mlmd_node_set_string(a, 0, "owner", "bob"));
	OK(mlmd_node_set_bool(a, 0, "ok", 0));
	OK(put_artifact(f->s, a, &f->a[2]));

	a = new_artifact(f->data_t, "/data/3");
	OK(mlmd_message_set_string(a, "name", "d3"));
	a->has_state = 1;
	a->state = MLMD__PB__ARTIFACT__STATE__ABANDONED;
	OK(mlmd_node_set_int(a, 0, "span", 3));
	OK(put_artifact(f->s, a, &f->a[3]));

	f->a[4] = put_art(f, f->model_t, "m1", "/models/1", MLMD__PB__ARTIFACT__STATE__REFERENCE);
	f->a[5] = put_art(f, f->model_t, "m2", NULL, -1);
	f->a[6] = put_art(f, f->data_t, "it's", "/data/6", MLMD__PB__ARTIFACT__STATE__DELETED);

	f->e[1] = put_exe(f, f->train_t, "t1", MLMD__PB__EXECUTION__STATE__COMPLETE);
	f->e[2] = put_exe(f, f->eval_t, "v1", MLMD__PB__EXECUTION__STATE__RUNNING);
	f->e[3] = put_exe(f, f->train_t, "t2", -1);

	put_event(f, f->a[1], f->e[1], MLMD__PB__EVENT__TYPE__INPUT);
	put_event(f, f->a[2], f->e[1], MLMD__PB__EVENT__TYPE__INPUT);
	put_event(f, f->a[4], f->e[1], MLMD__PB__EVENT__TYPE__OUTPUT);
	put_event(f, f->a[4], f->e[2], MLMD__PB__EVENT__TYPE__INPUT);
	put_event(f, f->a[5], f->e[2], MLMD__PB__EVENT__TYPE__PENDING_OUTPUT);
	put_event(f, f->a[3], f->e[3], MLMD__PB__EVENT__TYPE__DECLARED_INPUT);

	f->c[1] = put_context_node(f->s, f->run_t, "run1");
	f->c[2] = put_context_node(f->s, f->run_t, "run2");
	f->c[3] = put_context_node(f->s, f->pipe_t, "pipe");
	link_nodes(f, f->c[1], f->a[1], f->e[1]);
	link_nodes(f, f->c[1], f->a[2], 0);
	link_nodes(f, f->c[1], f->a[4], 0);
	link_nodes(f, f->c[2], f->a[4], f->e[2]);
	link_nodes(f, f->c[2], f->a[5], 0);
	parent(f, f->c[1], f->c[3]);
	parent(f, f->c[2], f->c[3]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	mlmd_store_free(f->s);
	if (f->path)
		tmp_remove(f->path);
	free(f);
	return 0;
}

/* Runs a filtered list call; returns the names found, comma-separated in id
 * order (malloc'd), or NULL with the error recorded. */
static char *names_opt(mlmd_store *s, int kind, const char *filter, int as_null)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.has_max_result_size = 1;
	o.max_result_size = 100;
	o.filter_query = (char *)filter;
	o.has_mlmd_missing_property_is_null = as_null;
	o.mlmd_missing_property_is_null = as_null;
	char *out = calloc(1, 4096);
	int rc;
	if (kind == ART) {
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs;
		rq.options = &o;
		if ((rc = mlmd_store_get_artifacts(s, &rq, &rs)) == 0) {
			for (size_t i = 0; i < rs->n_artifacts; i++)
				snprintf(out + strlen(out), 4096 - strlen(out), "%s%s", i ? "," : "",
					 rs->artifacts[i]->name ? rs->artifacts[i]->name : "-");
			mlmd_message_free(rs);
		}
	} else if (kind == EXE) {
		Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsResponse *rs;
		rq.options = &o;
		if ((rc = mlmd_store_get_executions(s, &rq, &rs)) == 0) {
			for (size_t i = 0; i < rs->n_executions; i++)
				snprintf(out + strlen(out), 4096 - strlen(out), "%s%s", i ? "," : "",
					 rs->executions[i]->name ? rs->executions[i]->name : "-");
			mlmd_message_free(rs);
		}
	} else {
		Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__GetContextsResponse *rs;
		rq.options = &o;
		if ((rc = mlmd_store_get_contexts(s, &rq, &rs)) == 0) {
			for (size_t i = 0; i < rs->n_contexts; i++)
				snprintf(out + strlen(out), 4096 - strlen(out), "%s%s", i ? "," : "",
					 rs->contexts[i]->name ? rs->contexts[i]->name : "-");
			mlmd_message_free(rs);
		}
	}
	if (rc) {
		free(out);
		return NULL;
	}
	return out;
}

static void expect_opt(mlmd_store *s, int kind, const char *filter, int as_null, const char *want)
{
	char *got = names_opt(s, kind, filter, as_null);
	if (!got)
		fail_msg("filter [%s] failed: %s", filter, mlmd_error_message());
	if (strcmp(got, want) != 0)
		fail_msg("filter [%s]: got [%s], want [%s]", filter, got, want);
	free(got);
}

#define EXPECT(kind, filter, want) expect_opt(f->s, kind, filter, 0, want)

static void attributes(void **state)
{
	fixture *f = *state;
	char q[256];
	EXPECT(ART, "id = 1", "d1");
	EXPECT(ART, "id != 1 AND id <> 2 AND id < 5", "d3,m1");
	EXPECT(ART, "id IN (1, 3)", "d1,d3");
	snprintf(q, sizeof q, "type_id = %lld", (long long)f->model_t);
	EXPECT(ART, q, "m1,m2");
	EXPECT(ART, "type = 'Model'", "m1,m2");
	EXPECT(ART, "type = 'bar' AND name LIKE 'foo%'", "");
	EXPECT(ART, "name LIKE 'd%'", "d1,d2,d3");
	EXPECT(ART, "name NOT LIKE 'd%'", "m1,m2,it's");
	EXPECT(ART, "name LIKE 'D%'", ""); /* LIKE is case-sensitive */
	EXPECT(ART, "external_id = 'ext-1'", "d1");
	EXPECT(ART, "external_id IS NOT NULL", "d1");
	EXPECT(ART, "uri IS NULL", "m2");
	EXPECT(ART, "uri = '/models/1' OR uri = \"/data/2\"", "d2,m1");
	EXPECT(ART, "create_time_since_epoch > 0 AND last_update_time_since_epoch >= create_time_since_epoch",
	       "d1,d2,d3,m1,m2,it's");
	EXPECT(ART, "NOT(create_time_since_epoch < 1 OR last_update_time_since_epoch < 1)", "d1,d2,d3,m1,m2,it's");
	EXPECT(ART, "state IS NULL", "m2");
	EXPECT(EXE, "last_known_state = COMPLETE", "t1");
	EXPECT(EXE, "type = 'Train'", "t1,t2");
	EXPECT(EXE, "name = 'v1'", "v1");
	EXPECT(CTX, "type = 'Run' AND name != 'run1'", "run2");
	EXPECT(CTX, "name IN ('pipe', 'nope')", "pipe");
	/* arithmetic, as ZetaSQL allows it; '/' divides as doubles */
	EXPECT(ART, "id + 1 = 3", "d2");
	EXPECT(ART, "id * 2 - 1 > 9", "it's");
	EXPECT(ART, "id / 2 = 1.5", "d3");
	EXPECT(ART, "-id = -4", "m1");
	/* the int64 extremes: the minimum is only written with its minus, and
	 * negating it again is left to the database (as a double) */
	EXPECT(ART, "id > -9223372036854775808 AND id < 9223372036854775807 AND id < 3", "d1,d2");
	assert_null(names_opt(f->s, ART, "id = - -9223372036854775808", 0));
	assert_non_null(strstr(mlmd_error_message(), "1:6: integer -(-9223372036854775808) is out of the int64 range"));
	EXPECT(ART, "--id = 2", "d2");
	EXPECT(ART, "id = 1 OR (id = 2 AND name = 'd2')", "d1,d2");
	/* keywords are case-insensitive */
	EXPECT(ART, "name like 'm%' and not id = 4", "m2");
	/* quotes inside strings: doubled, or escaped */
	EXPECT(ART, "name = 'it''s'", "it's");
	EXPECT(ART, "name = 'it\\'s'", "it's");
	EXPECT(ART, "name = \"it's\"", "it's");
	/* a backquoted field name is the same field */
	EXPECT(ART, "`name` = 'd1'", "d1");
}

static void properties(void **state)
{
	fixture *f = *state;
	EXPECT(ART, "properties.span.int_value > 1", "d2,d3");
	EXPECT(ART, "properties.span.int_value >= 1 AND properties.span.int_value <= 2", "d1,d2");
	EXPECT(ART, "properties.acc.double_value > 0.95", "d2");
	EXPECT(ART, "properties.acc.double_value < 1", "d1,d2");
	EXPECT(ART, "properties.owner.string_value = 'ann'", "d1");
	EXPECT(ART, "properties.owner.string_value LIKE '%o%'", "d2");
	EXPECT(ART, "properties.ok.bool_value = true", "d1");
	EXPECT(ART, "properties.ok.bool_value = FALSE", "d2");
	EXPECT(ART, "properties.ok.bool_value", "d1");
	EXPECT(ART, "NOT properties.ok.bool_value", "d2");
	EXPECT(ART, "properties.span.int_value IN (1, 3)", "d1,d3");
	EXPECT(ART, "properties.span.int_value NOT IN (1, 3)", "d2");
	EXPECT(ART, "custom_properties.`my:prop`.int_value = 7", "d1");
	EXPECT(ART, "custom_properties.0b.int_value = 5", "d1");
	EXPECT(ART, "custom_properties.`0b`.int_value = 5", "d1");
	/* a property is not a custom property of the same name */
	EXPECT(ART, "custom_properties.span.int_value = 1", "");
	/* a value of another kind is NULL in this column */
	EXPECT(ART, "properties.span.double_value = 1", "");
	/* int and double compare numerically */
	EXPECT(ART, "properties.span.int_value = 2.0", "d2");
	EXPECT(ART, "properties.acc.double_value * 100 > properties.span.int_value * 40", "d1,d2");
}

/* MLMD joins a property with an inner join: a node without it never matches,
 * even under OR or IS NULL. The extension option compares it as NULL. */
static void missing_property(void **state)
{
	fixture *f = *state;
	EXPECT(ART, "properties.acc.double_value > 0.9 OR name = 'd3'", "d2");
	EXPECT(ART, "properties.acc.double_value IS NULL", "");
	EXPECT(ART, "NOT (properties.acc.double_value > 0.9)", "d1");
	expect_opt(f->s, ART, "properties.acc.double_value > 0.9 OR name = 'd3'", 1, "d2,d3");
	expect_opt(f->s, ART, "properties.acc.double_value IS NULL", 1, "d3,m1,m2,it's");
	expect_opt(f->s, ART, "properties.acc.double_value IS NULL AND type = 'Data'", 1, "d3,it's");
}

static void enums(void **state)
{
	fixture *f = *state;
	EXPECT(ART, "state = LIVE", "d1");
	EXPECT(ART, "state IN (PENDING, LIVE)", "d1,d2");
	/* the values MLMD cannot filter */
	EXPECT(ART, "state = ABANDONED", "d3");
	EXPECT(ART, "state = REFERENCE", "m1");
	EXPECT(ART, "state = UNKNOWN", "");
	/* negations also match an unset state, as in MLMD */
	EXPECT(ART, "state != LIVE", "d2,d3,m1,m2,it's");
	EXPECT(ART, "state NOT IN (DELETED, LIVE)", "d2,d3,m1,m2");
	EXPECT(ART, "NOT state = LIVE", "d2,d3,m1,it's");
	EXPECT(ART, "LIVE = state", "d1");
	EXPECT(EXE, "last_known_state != COMPLETE", "v1,t2");
	EXPECT(EXE, "last_known_state NOT IN (FAILED, CANCELED)", "t1,v1,t2");
	EXPECT(EXE, "last_known_state IN (NEW, RUNNING)", "v1");
	EXPECT(ART, "events_0.type IN (INPUT, INTERNAL_INPUT)", "d1,d2,m1");
	EXPECT(ART, "events_0.type = PENDING_OUTPUT", "m2");
	EXPECT(ART, "events_0.type = DECLARED_INPUT", "d3");
	EXPECT(EXE, "events_0.type = OUTPUT", "t1");
	EXPECT(EXE, "events_0.type = UNKNOWN", "");
}

static void neighbours(void **state)
{
	fixture *f = *state;
	char q[256];
	EXPECT(ART, "contexts_a.type = 'Run' AND contexts_a.name = 'run1'", "d1,d2,m1");
	/* distinct aliases are distinct joins: in both contexts */
	EXPECT(ART, "contexts_a.name = 'run1' AND contexts_b.name = 'run2'", "m1");
	/* like properties, a neighbour is an inner join: a node with no context
	 * never matches, even under OR (MLMD's answer) */
	EXPECT(ART, "type = 'Data' AND contexts_a.type = 'Run' OR name = 'd3'", "d1,d2");
	/* AND binds tighter than OR */
	EXPECT(ART, "name = 'd3' OR name = 'd1' AND id = 2", "d3");
	/* one alias is one context: no context is named both */
	EXPECT(ART, "contexts_a.name = 'run1' AND contexts_a.name = 'run2'", "");
	/* a node in two matching contexts is listed once */
	EXPECT(ART, "contexts_a.type = 'Run'", "d1,d2,m1,m2");
	snprintf(q, sizeof q, "contexts_x.id = %lld", (long long)f->c[2]);
	EXPECT(ART, q, "m1,m2");
	EXPECT(ART, "contexts_x.create_time_since_epoch > 0 AND contexts_x.last_update_time_since_epoch > 0",
	       "d1,d2,m1,m2");
	EXPECT(EXE, "contexts_r.name = 'run2'", "v1");
	snprintf(q, sizeof q, "events_0.execution_id = %lld", (long long)f->e[1]);
	EXPECT(ART, q, "d1,d2,m1");
	snprintf(q, sizeof q, "events_0.artifact_id = %lld", (long long)f->a[4]);
	EXPECT(EXE, q, "t1,v1");
	snprintf(q, sizeof q, "events_0.milliseconds_since_epoch = %lld", (long long)(1000 * f->a[5] + f->e[2]));
	EXPECT(ART, q, "m2");
	/* an input and an output of the same execution */
	EXPECT(ART, "events_i.type = INPUT AND events_o.type = OUTPUT", "m1");
	EXPECT(EXE, "events_i.type = INPUT AND events_o.type = OUTPUT", "t1");
	EXPECT(CTX, "parent_contexts_a.name = 'pipe'", "run1,run2");
	EXPECT(CTX, "parent_contexts_a.type = 'Pipeline'", "run1,run2");
	EXPECT(CTX, "child_contexts_a.name = 'run1'", "pipe");
	EXPECT(CTX, "child_contexts_a.name = 'run1' AND child_contexts_b.name = 'run2'", "pipe");
	EXPECT(CTX, "artifacts_a.state IN (PENDING, LIVE)", "run1");
	EXPECT(CTX, "artifacts_a.uri = '/models/1'", "run1,run2");
	EXPECT(CTX, "artifacts_a.type = 'Model' AND artifacts_a.name = 'm2'", "run2");
	EXPECT(CTX, "executions_a.last_known_state = RUNNING", "run2");
	EXPECT(CTX, "executions_a.type = 'Train' OR artifacts_b.name = 'm2'", "run1,run2");
	EXPECT(CTX, "executions_a.external_id IS NULL AND executions_a.name = 't1'", "run1");
}

/* A NaN double is no number in a filter: no comparison holds for it (it is
 * stored as NULL), on every backend. */
static void nan_matches_no_comparison(void **state)
{
	(void)state;
	mlmd_store *s2 = open_memory();
	int64_t t = artifact_type(s2, "M", 1, "acc", MLMD__PB__PROPERTY_TYPE__DOUBLE);
	const double vals[3] = { NAN, 2, INFINITY };
	const char *names[3] = { "nan", "two", "inf" };
	for (int i = 0; i < 3; i++) {
		Mlmd__Pb__Artifact *a = new_artifact(t, "/m");
		OK(mlmd_message_set_string(a, "name", names[i]));
		OK(mlmd_node_set_double(a, 0, "acc", vals[i]));
		OK(mlmd_node_set_double(a, 1, "c", vals[i]));
		OK(put_artifact(s2, a, NULL));
	}
	expect_opt(s2, ART, "properties.acc.double_value > 1", 0, "two,inf");
	expect_opt(s2, ART, "properties.acc.double_value < 3", 0, "two");
	expect_opt(s2, ART, "custom_properties.c.double_value >= 2", 0, "two,inf");
	expect_opt(s2, ART, "custom_properties.c.double_value <= 2", 0, "two");
	mlmd_store_free(s2);
}

/* The ...ByType and ...ByContext calls take filters too. */
static void filtered_member_lists(void **state)
{
	fixture *f = *state;
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.filter_query = "properties.span.int_value >= 2";
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByTypeResponse *rs;
	rq.type_name = "Data";
	rq.options = &o;
	OK(mlmd_store_get_artifacts_by_type(f->s, &rq, &rs));
	assert_int_equal(rs->n_artifacts, 2);
	assert_string_equal(rs->artifacts[0]->name, "d2");
	assert_string_equal(rs->artifacts[1]->name, "d3");
	mlmd_message_free(rs);

	o.filter_query = "uri LIKE '/models/%' AND contexts_o.name = 'run1'";
	Mlmd__Pb__GetArtifactsByContextRequest rc = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *rcs;
	rc.has_context_id = 1;
	rc.context_id = f->c[2];
	rc.options = &o;
	OK(mlmd_store_get_artifacts_by_context(f->s, &rc, &rcs));
	assert_int_equal(rcs->n_artifacts, 1); /* m1: in run2 and in run1 */
	assert_string_equal(rcs->artifacts[0]->name, "m1");
	mlmd_message_free(rcs);

	o.filter_query = "last_known_state = RUNNING";
	Mlmd__Pb__GetExecutionsByContextRequest re = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *res;
	re.has_context_id = 1;
	re.context_id = f->c[1];
	re.options = &o;
	OK(mlmd_store_get_executions_by_context(f->s, &re, &res));
	assert_int_equal(res->n_executions, 0);
	mlmd_message_free(res);
}

/* Pages through a filter one row at a time in both orders; a token only
 * continues the same filter. */
static void paging_with_filter(void **state)
{
	fixture *f = *state;
	/* m1 is in both Run contexts: the join yields it twice, the list once */
	const char *filter = "contexts_a.type = 'Run'";
	EXPECT(ART, filter, "d1,d2,m1,m2");
	for (int asc = 0; asc <= 1; asc++) {
		for (int field = 1; field <= 3; field++) {
			Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
			Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
			ob.has_field = ob.has_is_asc = 1;
			ob.field = (Mlmd__Pb__ListOperationOptions__OrderByField__Field)field;
			ob.is_asc = asc;
			o.order_by_field = &ob;
			o.has_max_result_size = 1;
			o.max_result_size = 1;
			o.filter_query = (char *)filter;
			char seen[64] = "";
			char *tok = NULL;
			int pages = 0;
			do {
				Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
				Mlmd__Pb__GetArtifactsResponse *rs;
				rq.options = &o;
				o.next_page_token = tok;
				OK(mlmd_store_get_artifacts(f->s, &rq, &rs));
				free(tok);
				tok = NULL;
				assert_true(rs->n_artifacts <= 1);
				if (rs->n_artifacts)
					strcat(seen, rs->artifacts[0]->name);
				if (rs->next_page_token && *rs->next_page_token)
					tok = strdup(rs->next_page_token);
				mlmd_message_free(rs);
				assert_true(++pages <= 5);
			} while (tok);
			/* ids, create and update times all grow in insertion order here */
			assert_string_equal(seen, asc ? "d1d2m1m2" : "m2m1d2d1");
		}
	}
	/* a token from one filter does not continue another */
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.has_max_result_size = 1;
	o.max_result_size = 1;
	o.filter_query = "type = 'Data'";
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	rq.options = &o;
	OK(mlmd_store_get_artifacts(f->s, &rq, &rs));
	o.next_page_token = strdup(rs->next_page_token);
	mlmd_message_free(rs);
	o.filter_query = "type = 'Model'";
	FAILS(mlmd_store_get_artifacts(f->s, &rq, &rs), MLMD_INVALID_ARGUMENT, "different order_by_field or filter_query");
	o.filter_query = "type = 'Data'";
	o.has_mlmd_missing_property_is_null = o.mlmd_missing_property_is_null = 1;
	FAILS(mlmd_store_get_artifacts(f->s, &rq, &rs), MLMD_INVALID_ARGUMENT, "different order_by_field or filter_query");
	free(o.next_page_token);
}

static int64_t count_artifacts(fixture *f)
{
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(f->s, &rq, &rs));
	int64_t n = (int64_t)rs->n_artifacts;
	mlmd_message_free(rs);
	return n;
}

/* Values are bound, never spliced into SQL: these match nothing and change
 * nothing. */
static void injection_is_inert(void **state)
{
	fixture *f = *state;
	int64_t before = count_artifacts(f);
	EXPECT(ART, "name = 'x'' OR 1=1 --'", "");
	EXPECT(ART, "name = 'x\\' OR 1=1 --'", "");
	EXPECT(ART, "name = '''; DROP TABLE artifact; --'", "");
	EXPECT(ART, "properties.`span' OR 1=1 --`.int_value = 1", "");
	EXPECT(ART, "custom_properties.`x\"; DELETE FROM artifact; --`.string_value = 'a'", "");
	EXPECT(ART, "contexts_a.name = 'run1'' OR ''1''=''1'", "");
	assert_int_equal(count_artifacts(f), before);
	/* and a quote inside the value is just a character */
	EXPECT(ART, "name = 'it''s' OR name = 'x'' OR 1=1 --'", "it's");
}

typedef struct bad_case {
	int kind;
	const char *query;
	const char *needle;
} bad_case;

static void errors_name_position_and_token(void **state)
{
	fixture *f = *state;
	static const bad_case cases[] = {
		{ ART, "   ", "1:1: empty query" },
		{ ART, "a == 'a'", "1:4: expected a field, a value or '(', found '='" },
		{ ART, "a = 'a'", "1:1: unknown field 'a' for artifacts" },
		{ EXE, "name = 'x' AND uri = 'y'", "1:16: unknown field 'uri' for executions" },
		{ EXE, "state = LIVE", "1:1: unknown field 'state' for executions" },
		{ ART, "last_known_state = RUNNING", "unknown field 'last_known_state' for artifacts" },
		{ ART, "'a'", "1:1: a filter needs a condition, but ''a'' is a string" },
		{ ART, "type_id", "a filter needs a condition, but 'type_id' is an int64" },
		{ ART, "id = 'a'", "1:4: cannot compare int64 'id' with string ''a''" },
		{ ART, "name > 3", "cannot compare string 'name' with int64 '3'" },
		{ ART, "contexts_0.foo = 1", "unknown field 'foo' for the contexts of artifacts" },
		{ ART, "properties.baz.int = 1", "1:1: unknown field 'int' in 'properties.baz.int'" },
		{ ART, "properties.baz = 1", "write properties.NAME.int_value" },
		{ ART, "properties.0:b.int_value = 1", "1:13: unexpected character ':'; a property name outside [A-Za-z0-9_] must be backquoted" },
		{ ART, "properties.my-prop.int_value = 1", "must be backquoted" },
		{ ART, "state IN RUNNING", "1:10: expected '(' after IN, found 'RUNNING'" },
		{ ART, "state = 'LIVE'", "takes an unquoted enum name" },
		{ ART, "state = 1", "compares only with its enum names" },
		{ ART, "state = RUNNING", "'RUNNING' is not a value of 'state' (expected one of UNKNOWN, PENDING, LIVE" },
		{ ART, "state < LIVE", "supports =, !=, IN and NOT IN" },
		{ ART, "events_0.artifact_id = 1", "unknown field 'artifact_id' for the events of artifacts" },
		{ EXE, "events_0.execution_id = 1", "unknown field 'execution_id' for the events of executions" },
		{ ART, "parent_contexts_a.name = 'x'", "('parent_contexts' applies to contexts)" },
		{ CTX, "contexts_a.name = 'x'", "('contexts' applies to artifacts and executions)" },
		{ CTX, "uri = 'x'", "unknown field 'uri' for contexts" },
		{ ART, "contexts_.name = 'x'", "an alias is contexts_NAME" },
		{ ART, "name = 'x' AND", "1:15: expected a field, a value or '(', found end of query" },
		{ ART, "(name = 'x'", "expected ')', found end of query" },
		{ ART, "name = 'x')", "1:11: unexpected ')' after a complete condition" },
		{ ART, "name = 'x", "1:8: unterminated string" },
		{ ART, "name = `x", "unterminated backquoted name" },
		{ ART, "name = 'x' && id = 1", "unexpected character '&'" },
		{ ART, "name = NULL", "NULL is allowed only in IS NULL" },
		{ ART, "name IS 'x'", "expected NULL after IS" },
		{ ART, "id IN ()", "expected a field, a value or '('" },
		{ ART, "id IN (1, 'a')", "IN list item is a string but 'id' is an int64" },
		{ ART, "id IN (id)", "IN lists hold literal values only" },
		{ ART, "state IN (state)", "1:11: IN lists hold literal values only" },
		{ ART, "name LIKE 3", "LIKE compares strings" },
		{ ART, "id AND name = 'x'", "AND needs a condition, but 'id' is an int64" },
		{ ART, "NOT id", "NOT needs a condition" },
		{ ART, "id = 99999999999999999999", "out of the int64 range" },
		{ ART, "id = 1x", "malformed number" },
		{ ART, "name = 'a\\q'", "unknown escape" },
		{ ART, "properties.ok.bool_value > true", "bool values support = and != only" },
		{ ART, "name + 1 = 2", "'+' needs numbers" },
		{ ART, "(id = 1) = true", "cannot apply = to a condition" },
		{ ART, "name = 'x'\n  AND nope = 1", "2:7: unknown field 'nope' for artifacts" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = names_opt(f->s, cases[i].kind, cases[i].query, 0);
		if (got)
			fail_msg("[%s] should fail, matched [%s]", cases[i].query, got);
		if (mlmd_error_last()->code != MLMD_INVALID_ARGUMENT)
			fail_msg("[%s]: code %d (%s)", cases[i].query, mlmd_error_last()->code, mlmd_error_message());
		if (!strstr(mlmd_error_message(), "filter_query: ") || !strstr(mlmd_error_message(), cases[i].needle))
			fail_msg("[%s]: message '%s' lacks '%s'", cases[i].query, mlmd_error_message(), cases[i].needle);
	}
}

/* Limits: long lists, deep nesting, many joins, huge input all give clear
 * errors, never a crash. */
static void limits(void **state)
{
	fixture *f = *state;
	size_t cap = 200000;
	char *q = malloc(cap);
	strcpy(q, "id IN (1");
	for (int i = 0; i < MLMD_FILTER_MAX_LIST; i++)
		strcat(q + strlen(q), ", 1");
	strcat(q, ")");
	assert_null(names_opt(f->s, ART, q, 0));
	assert_non_null(strstr(mlmd_error_message(), "IN list has more than 1000 items"));

	q[0] = 0;
	for (int i = 0; i < 100; i++)
		strcat(q, "(");
	strcat(q, "id = 1");
	for (int i = 0; i < 100; i++)
		strcat(q, ")");
	assert_null(names_opt(f->s, ART, q, 0));
	assert_non_null(strstr(mlmd_error_message(), "nests deeper than 24"));
	q[0] = 0;
	for (int i = 0; i < 100; i++)
		strcat(q, "NOT ");
	strcat(q, "id = 1");
	assert_null(names_opt(f->s, ART, q, 0));
	assert_non_null(strstr(mlmd_error_message(), "nests deeper than 24"));

	q[0] = 0;
	for (int i = 0; i < 17; i++)
		snprintf(q + strlen(q), cap - strlen(q), "%scustom_properties.p%d.int_value = 1", i ? " OR " : "", i);
	assert_null(names_opt(f->s, ART, q, 0));
	assert_non_null(strstr(mlmd_error_message(), "too many distinct properties and aliases"));

	memset(q, ' ', cap - 1);
	q[cap - 1] = 0;
	assert_null(names_opt(f->s, ART, q, 0));
	assert_non_null(strstr(mlmd_error_message(), "longer than the limit"));

	/* whatever nests within the limits also runs: the SQL emitted nests no
	 * deeper than the query (SQLite's parser gives up near 40 levels) */
	static const char *open_[] = { "(", "NOT ", "id = 1 AND (", "NOT (", "-(", "id + (" };
	static const char *mid[] = { "id = 1", "id = 1", "id = 1", "id = 1", "id", "id" };
	static const char *close_[] = { ")", "", ")", ")", ")", ")" };
	static const char *tail[] = { "", "", "", "", " = 1", " = 0" };
	static const int levels[] = { 24, 24, 23, 12, 12, 23 };
	for (int k = 0; k < 6; k++) {
		q[0] = 0;
		for (int i = 0; i < levels[k]; i++)
			strcat(q, open_[k]);
		strcat(q, mid[k]);
		for (int i = 0; i < levels[k]; i++)
			strcat(q, close_[k]);
		strcat(q, tail[k]);
		char *got = names_opt(f->s, ART, q, 0);
		if (!got)
			fail_msg("[%s] failed: %s", q, mlmd_error_message());
		free(got);
	}
	/* long flat chains: 200 ANDs, 300 subtractions */
	strcpy(q, "id = 1");
	for (int i = 0; i < 200; i++)
		strcat(q, " AND id = 1");
	EXPECT(ART, q, "d1");
	strcpy(q, "id");
	for (int i = 0; i < 300; i++)
		strcat(q, " - 1");
	strcat(q, " = -299");
	EXPECT(ART, q, "d1");
	strcpy(q, "id * 2 / 4 = 0.5 OR 7 / 2 = 3.5 AND id = 2 OR id * 3 / 2 * 2 = 9");
	EXPECT(ART, q, "d1,d2,d3");
	/* 16 aliases is within the limit and runs */
	q[0] = 0;
	for (int i = 0; i < 16; i++)
		snprintf(q + strlen(q), cap - strlen(q), "%scontexts_c%d.name = 'run1'", i ? " AND " : "", i);
	EXPECT(ART, q, "d1,d2,m1");
	free(q);
}

/* Many distinct filter shapes do not grow the statement cache without bound,
 * and still answer correctly once it is full. */
static void statement_cache_is_bounded(void **state)
{
	fixture *f = *state;
	static char q[8192];
	for (int i = 0; i < MLMD_DYN_STMT_MAX + 50; i++) {
		/* values are bound, so vary the shape: an IN list of i + 1 items */
		strcpy(q, "id IN (1");
		for (int j = 0; j < i; j++)
			strcat(q, ", 1");
		strcat(q, ")");
		EXPECT(ART, q, "d1");
	}
	mlmd__sql *s = mlmd__store_sql(f->s);
	assert_true(s->ndyn <= MLMD_DYN_STMT_MAX);
	assert_true(s->ndyn >= MLMD_DYN_STMT_MAX / 2);
}

/* The number of prepared statements the server holds for this store's own
 * connection (the query runs on that session, through the store). */
static int64_t server_prepared(mlmd_store *s)
{
	sqlq q;
	OK(mlmd__q(mlmd__store_sql(s), &q, "SELECT count(*) FROM pg_prepared_statements"));
	assert_int_equal(mlmd__q_step(&q), 1);
	int64_t n = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return n;
}

/* PostgreSQL: statements the store lets go are deallocated on the server
 * too, so 5,000 distinct filter shapes on one handle leave no more prepared
 * plans behind than the statement cache holds (plus the one-shot statement
 * of the last call, deallocated at the start of the next transaction). */
static void server_statements_are_bounded(void **state)
{
	fixture *f = *state;
	if (!backend_is_pg()) {
		print_message("skipped: server-side prepared statements are PostgreSQL's (MLMD_TEST_BACKEND=postgresql)\n");
		skip();
	}
	char q[512];
	int shapes = 0;
	/* values are bound, so vary the shape: three IN lists of 1..18 items */
	for (int a = 1; a <= 18 && shapes < 5000; a++)
		for (int b = 1; b <= 18 && shapes < 5000; b++)
			for (int c = 1; c <= 18 && shapes < 5000; c++, shapes++) {
				size_t n = 0;
				const int len[3] = { a, b, c };
				for (int k = 0; k < 3; k++) {
					n += (size_t)snprintf(q + n, sizeof q - n, "%sid IN (%d", k ? " OR " : "", k + 1);
					for (int j = 1; j < len[k]; j++)
						n += (size_t)snprintf(q + n, sizeof q - n, ", %d", k + 1);
					n += (size_t)snprintf(q + n, sizeof q - n, ")");
				}
				EXPECT(ART, q, "d1,d2,d3");
				if (shapes % 1000 == 999) {
					int64_t held = server_prepared(f->s);
					if (held > (int64_t)mlmd__store_sql(f->s)->used + 2)
						fail_msg("after %d filter shapes the server holds %lld prepared statements; "
							 "the store caches %zu",
							 shapes + 1, (long long)held, mlmd__store_sql(f->s)->used);
				}
			}
	assert_int_equal(shapes, 5000);
	assert_true(mlmd__store_sql(f->s)->ndyn <= MLMD_DYN_STMT_MAX);
	int64_t held = server_prepared(f->s);
	print_message("5000 filter shapes: %lld prepared statements on the server, %zu cached\n", (long long)held,
		      mlmd__store_sql(f->s)->used);
	assert_true(held <= (int64_t)mlmd__store_sql(f->s)->used + 2);
	/* and the store still answers after all that */
	EXPECT(ART, "id IN (1, 2)", "d1,d2");
}

/* The SQL of a filter, as list calls run it, with its parameters bound. */
static char *plan_of(fixture *f, sqlite3 *db, const char *filter)
{
	mlmd__filter fl;
	OK(mlmd__filter_compile(KIND_ARTIFACT, filter, 0, &fl));
	char sql[2048];
	/* as list calls order by id: through the property join when there is one */
	const char *col = fl.id_col[0] ? fl.id_col : "n.id";
	snprintf(sql, sizeof sql,
		 "EXPLAIN QUERY PLAN SELECT n.id, %s FROM artifact n%s WHERE %s AND %s > 0 ORDER BY %s LIMIT 101", col,
		 fl.join.p, fl.where.p, col, col);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	int p = 1;
	for (int part = 0; part < 2; part++) {
		mlmd__args *a = part ? &fl.where_args : &fl.join_args;
		for (size_t i = 0; i < a->n; i++, p++) {
			if (a->v[i].kind == 'i')
				sqlite3_bind_int64(st, p, a->v[i].i);
			else if (a->v[i].kind == 'd')
				sqlite3_bind_double(st, p, a->v[i].d);
			else
				sqlite3_bind_text(st, p, a->v[i].s, -1, SQLITE_TRANSIENT);
		}
	}
	char *out = calloc(1, 4096);
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), 4096 - strlen(out), "%s\n", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	mlmd__filter_free(&fl);
	(void)f;
	return out;
}

/* Property filters are answered from the partial property-value indexes,
 * both on a fresh store and after ANALYZE. */
static void property_filters_use_indexes(void **state)
{
	fixture *f = *state;
	/* more rows, so the planner has something to choose between */
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	Mlmd__Pb__Artifact *arts[500];
	for (int i = 0; i < 500; i++) {
		arts[i] = new_artifact(f->data_t, NULL);
		OK(mlmd_node_set_int(arts[i], 0, "span", 100 + i));
		OK(mlmd_node_set_string(arts[i], 0, "owner", i % 2 ? "odd" : "even"));
	}
	rq.n_artifacts = 500;
	rq.artifacts = arts;
	OK(mlmd_store_put_artifacts(f->s, &rq, &rs));
	mlmd_message_free(rs);
	for (int i = 0; i < 500; i++)
		mlmd_message_free(arts[i]);
	EXPECT(ART, "properties.span.int_value = 3 OR properties.span.int_value = 1", "d1,d3");
	for (int analyzed = 0; analyzed <= 1 && f->path; analyzed++) {
		sqlite3 *db;
		assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
		if (analyzed)
			assert_int_equal(sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
		char *p = plan_of(f, db, "properties.span.int_value = 250");
		if (!strstr(p, "artifact_property_by_int_value"))
			fail_msg("int filter plan (analyzed=%d) does not use the index:\n%s", analyzed, p);
		/* an equality filter pages in index order: no sort of all matches */
		if (strstr(p, "TEMP B-TREE"))
			fail_msg("int filter plan (analyzed=%d) sorts:\n%s", analyzed, p);
		free(p);
		p = plan_of(f, db, "properties.span.int_value > 590 AND properties.span.int_value < 595");
		if (!strstr(p, "artifact_property_by_int_value"))
			fail_msg("range plan (analyzed=%d) does not use the index:\n%s", analyzed, p);
		free(p);
		p = plan_of(f, db, "properties.acc.double_value > 0.9");
		if (!strstr(p, "artifact_property_by_double_value"))
			fail_msg("double plan (analyzed=%d):\n%s", analyzed, p);
		free(p);
		p = plan_of(f, db, "custom_properties.`my:prop`.int_value = 7");
		if (!strstr(p, "artifact_property_by_int_value"))
			fail_msg("custom plan (analyzed=%d):\n%s", analyzed, p);
		free(p);
		p = plan_of(f, db, "properties.owner.string_value = 'ann'");
		if (!strstr(p, "artifact_property_by_string_value"))
			fail_msg("string plan (analyzed=%d):\n%s", analyzed, p);
		free(p);
		if (analyzed)
			assert_int_equal(sqlite3_exec(db, "DROP TABLE sqlite_stat1", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	/* paging a property filter in id order, both ways: every match once, in order */
	for (int asc = 0; asc <= 1; asc++) {
		Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
		ob.has_is_asc = 1;
		ob.is_asc = asc;
		o.order_by_field = &ob;
		o.has_max_result_size = 1;
		o.max_result_size = 40;
		o.filter_query = "properties.owner.string_value = 'odd'";
		char *tok = NULL;
		int seen = 0;
		int64_t last = asc ? 0 : INT64_MAX;
		do {
			Mlmd__Pb__GetArtifactsRequest lrq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsResponse *lrs;
			lrq.options = &o;
			o.next_page_token = tok;
			OK(mlmd_store_get_artifacts(f->s, &lrq, &lrs));
			free(tok);
			tok = lrs->next_page_token && *lrs->next_page_token ? strdup(lrs->next_page_token) : NULL;
			for (size_t i = 0; i < lrs->n_artifacts; i++) {
				int64_t id = lrs->artifacts[i]->id;
				assert_true(asc ? id > last : id < last);
				last = id;
				assert_string_equal(mlmd_node_get(lrs->artifacts[i], 0, "owner")->string_value, "odd");
				seen++;
			}
			mlmd_message_free(lrs);
		} while (tok);
		assert_int_equal(seen, 250);
	}
	EXPECT(ART, "properties.span.int_value > 599", "");
	char *got = names_opt(f->s, ART, "properties.span.int_value >= 598", 0);
	assert_non_null(got);
	assert_string_equal(got, "-,-"); /* two unnamed artifacts */
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(properties, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_property, setup, teardown),
		cmocka_unit_test_setup_teardown(enums, setup, teardown),
		cmocka_unit_test_setup_teardown(neighbours, setup, teardown),
		cmocka_unit_test(nan_matches_no_comparison),
		cmocka_unit_test_setup_teardown(filtered_member_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_with_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(injection_is_inert, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_name_position_and_token, setup, teardown),
		cmocka_unit_test_setup_teardown(limits, setup, teardown),
		cmocka_unit_test_setup_teardown(statement_cache_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(property_filters_use_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(server_statements_are_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

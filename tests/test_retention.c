/*
 * tests/test_retention.c - retention policies (SetRetentionPolicy,
 * GetRetentionPolicies, DeleteRetentionPolicy, RunRetention) on every
 * backend: policies set, listed, replaced and removed; type names by kind;
 * max-age, keep-last and both, with create times written by
 * mlmd_store_restore_times (no sleeps); an aliased model and everything
 * upstream of it kept; HOLD kept (Classify) while it lasts; dry runs
 * that report and write nothing; a second run that deletes nothing; a
 * version 4 store opened without upgrade.
 */
#include "dg_helpers.h"
#include "store/governance.h" /* mlmd__store_sql: counts behind the library's back */

typedef Mlmd__Pb__Governance__RetentionPolicy Policy;
typedef Mlmd__Pb__Governance__RunRetentionResponse RunRs;

#define DAY 86400000LL

/* ---- calls ------------------------------------------------------------------------------------ */

/* SetRetentionPolicy for `type` (kind 0: not given); returns the status
 * and, on success, the answer in *out when out is not NULL. */
static int set_policy(mlmd_store *s, int kind, const char *type, int64_t max_age, int64_t keep, Policy **out)
{
	Policy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	if (kind) {
		p.has_kind = 1;
		p.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	}
	p.type_name = (char *)type;
	if (max_age) {
		p.has_max_age_ms = 1;
		p.max_age_ms = max_age;
	}
	if (keep) {
		p.has_keep_last = 1;
		p.keep_last = keep;
	}
	Mlmd__Pb__Governance__SetRetentionPolicyRequest rq = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	rq.policy = &p;
	int rc;
	Mlmd__Pb__Governance__SetRetentionPolicyResponse *r =
		test_rpc(s, "SetRetentionPolicy", &rq, &mlmd__pb__governance__set_retention_policy_response__descriptor, &rc);
	if (r && out) {
		*out = r->policy;
		r->policy = NULL;
	}
	free_msg(r);
	return rc;
}

static Mlmd__Pb__Governance__GetRetentionPoliciesResponse *get_policies(mlmd_store *s)
{
	Mlmd__Pb__Governance__GetRetentionPoliciesRequest rq = MLMD__PB__GOVERNANCE__GET_RETENTION_POLICIES_REQUEST__INIT;
	int rc;
	void *r = test_rpc(s, "GetRetentionPolicies", &rq,
			   &mlmd__pb__governance__get_retention_policies_response__descriptor, &rc);
	OK(rc);
	return r;
}

static int delete_policy(mlmd_store *s, int kind, const char *type)
{
	Mlmd__Pb__Governance__DeleteRetentionPolicyRequest rq = MLMD__PB__GOVERNANCE__DELETE_RETENTION_POLICY_REQUEST__INIT;
	if (kind) {
		rq.has_kind = 1;
		rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	}
	rq.type_name = (char *)type;
	int rc;
	free_msg(test_rpc(s, "DeleteRetentionPolicy", &rq,
			  &mlmd__pb__governance__delete_retention_policy_response__descriptor, &rc));
	return rc;
}

static RunRs *run(mlmd_store *s, int dry)
{
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	if (dry) {
		rq.has_dry_run = 1;
		rq.dry_run = 1;
	}
	int rc;
	RunRs *r = test_rpc(s, "RunRetention", &rq, &mlmd__pb__governance__run_retention_response__descriptor, &rc);
	if (rc)
		fail_msg("RunRetention -> %d (%s): %s", rc, mlmd_status_name(rc), mlmd_error_message());
	return r;
}

/* The result of the policy on type `type` in r. */
static const Mlmd__Pb__Governance__RetentionResult *result_of(const RunRs *r, const char *type)
{
	for (size_t i = 0; i < r->n_results; i++)
		if (!strcmp(r->results[i]->policy->type_name, type))
			return r->results[i];
	fail_msg("no result for type %s", type);
	return NULL;
}

#define EXPECT(res, ex, exp, del, ka, kh)                                                          \
	do {                                                                                      \
		assert_int_equal((res)->examined, (ex));                                          \
		assert_int_equal((res)->expired, (exp));                                          \
		assert_int_equal((res)->deleted, (del));                                          \
		assert_int_equal((res)->kept_alias, (ka));                                        \
		assert_int_equal((res)->kept_hold, (kh));                                         \
	} while (0)

/* Whether node (wire kind, id) is a tombstone; its reason into why. */
static int is_tombstone(mlmd_store *s, int kind, int64_t id, char *why, size_t n)
{
	Mlmd__Pb__Governance__GetTombstonesRequest rq = MLMD__PB__GOVERNANCE__GET_TOMBSTONES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = 1;
	rq.ids = &id;
	int rc;
	Mlmd__Pb__Governance__GetTombstonesResponse *r =
		test_rpc(s, "GetTombstones", &rq, &mlmd__pb__governance__get_tombstones_response__descriptor, &rc);
	OK(rc);
	int t = r->n_tombstones == 1;
	if (t && why)
		snprintf(why, n, "%s", r->tombstones[0]->reason);
	free_msg(r);
	return t;
}

static int64_t count_sql(mlmd_store *s, const char *sql)
{
	sqlq q;
	OK(mlmd__q(mlmd__store_sql(s), &q, sql));
	assert_int_equal(mlmd__q_step(&q), 1);
	int64_t v = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return v;
}

/* ---- fixtures --------------------------------------------------------------------------------- */

/* The store's clock as it recorded it: a new artifact's create time. */
static int64_t store_now(mlmd_store *s, int64_t type)
{
	int64_t id = 0;
	OK(put_artifact(s, new_artifact(type, NULL), &id));
	Mlmd__Pb__Artifact *a = get_artifact(s, id);
	int64_t t = a->create_time_since_epoch;
	mlmd_message_free(a);
	return t;
}

/* n artifacts of `type`, created at times[i]; ids into ids[]. */
static void artifacts_at(mlmd_store *s, int64_t type, const int64_t *times, size_t n, int64_t *ids)
{
	for (size_t i = 0; i < n; i++)
		OK(put_artifact(s, new_artifact(type, NULL), &ids[i]));
	OK(mlmd_store_restore_times(s, "artifact", ids, times, times, n));
}

static void set_times(mlmd_store *s, const char *kind, const int64_t *ids, size_t n, int64_t t)
{
	int64_t *times = malloc(n * sizeof *times);
	for (size_t i = 0; i < n; i++)
		times[i] = t;
	OK(mlmd_store_restore_times(s, kind, ids, times, times, n));
	free(times);
}

/* ---- policies --------------------------------------------------------------------------------- */

static void policies_are_set_listed_replaced_and_removed(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "carol"));
	int64_t ds = artifact_type(s, "DataSet", 0);
	execution_type(s, "Trainer");
	Policy *p = NULL;
	OK(set_policy(s, 0, "DataSet", 30 * DAY, 0, &p));
	assert_int_equal(p->kind, ART);
	assert_int_equal(p->type_id, ds);
	assert_string_equal(p->type_name, "DataSet");
	assert_int_equal(p->max_age_ms, 30 * DAY);
	assert_int_equal(p->keep_last, 0);
	assert_string_equal(p->actor, "carol");
	assert_true(p->time_ms > 0);
	free_msg(p);
	OK(set_policy(s, EXE, "Trainer", 0, 3, NULL));

	/* by kind (artifact first), then type name */
	Mlmd__Pb__Governance__GetRetentionPoliciesResponse *g = get_policies(s);
	assert_int_equal(g->n_policies, 2);
	assert_string_equal(g->policies[0]->type_name, "DataSet");
	assert_string_equal(g->policies[1]->type_name, "Trainer");
	assert_int_equal(g->policies[1]->kind, EXE);
	assert_int_equal(g->policies[1]->keep_last, 3);
	free_msg(g);

	/* replaced as a whole */
	OK(set_policy(s, ART, "DataSet", 0, 5, NULL));
	g = get_policies(s);
	assert_int_equal(g->n_policies, 2);
	assert_int_equal(g->policies[0]->keep_last, 5);
	assert_int_equal(g->policies[0]->max_age_ms, 0);
	free_msg(g);

	/* bad policies */
	FAILS(set_policy(s, 0, "DataSet", 0, 0, NULL), MLMD_INVALID_ARGUMENT, "max_age_ms or keep_last");
	FAILS(set_policy(s, 0, "DataSet", -1, 3, NULL), MLMD_INVALID_ARGUMENT, "max_age_ms is negative");
	FAILS(set_policy(s, 0, "DataSet", DAY, -3, NULL), MLMD_INVALID_ARGUMENT, "keep_last is negative");
	FAILS(set_policy(s, 0, "Nope", DAY, 0, NULL), MLMD_NOT_FOUND, "'Nope'");
	FAILS(set_policy(s, EXE, "DataSet", DAY, 0, NULL), MLMD_NOT_FOUND, "no execution type is named 'DataSet'");
	FAILS(set_policy(s, 0, "", DAY, 0, NULL), MLMD_INVALID_ARGUMENT, "type_name is required");

	/* removed; a second removal finds nothing */
	OK(delete_policy(s, 0, "DataSet"));
	g = get_policies(s);
	assert_int_equal(g->n_policies, 1);
	assert_string_equal(g->policies[0]->type_name, "Trainer");
	free_msg(g);
	FAILS(delete_policy(s, 0, "DataSet"), MLMD_NOT_FOUND, "has no retention policy");
	FAILS(delete_policy(s, 0, "Nope"), MLMD_NOT_FOUND, "'Nope'");
	mlmd_store_free(s);
}

static void an_ambiguous_type_name_needs_the_kind(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	artifact_type(s, "Thing", 0);
	int64_t et = execution_type(s, "Thing");
	FAILS(set_policy(s, 0, "Thing", DAY, 0, NULL), MLMD_INVALID_ARGUMENT,
	      "there are artifact, execution types of that name; give the kind");
	Policy *p = NULL;
	OK(set_policy(s, EXE, "Thing", DAY, 0, &p));
	assert_int_equal(p->kind, EXE);
	assert_int_equal(p->type_id, et);
	free_msg(p);
	FAILS(delete_policy(s, 0, "Thing"), MLMD_INVALID_ARGUMENT, "give the kind");
	FAILS(delete_policy(s, ART, "Thing"), MLMD_NOT_FOUND, "has no retention policy");
	OK(delete_policy(s, EXE, "Thing"));
	mlmd_store_free(s);
}

/* ---- the rules -------------------------------------------------------------------------------- */

static void max_age_deletes_what_is_older(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0), other = artifact_type(s, "Other", 0);
	int64_t t0 = store_now(s, other);
	int64_t times[] = { t0 - 5 * DAY, t0 - 3 * DAY, t0 - 2 * DAY, t0 - DAY / 2, t0 };
	int64_t ids[5] = { 0 }, old[1] = { 0 };
	artifacts_at(s, ds, times, 5, ids);
	int64_t old_time = t0 - 9 * DAY;
	artifacts_at(s, other, &old_time, 1, old); /* another type: no policy */
	OK(set_policy(s, 0, "DataSet", DAY, 0, NULL));
	RunRs *r = run(s, 0);
	assert_int_equal(r->n_results, 1);
	EXPECT(r->results[0], 5, 3, 3, 0, 0);
	assert_int_equal(r->deleted, 3);
	free_msg(r);
	char why[256];
	for (int i = 0; i < 5; i++)
		assert_int_equal(is_tombstone(s, ART, ids[i], why, sizeof why), i < 3);
	assert_true(is_tombstone(s, ART, ids[0], why, sizeof why));
	assert_string_equal(why, "retention: DataSet max-age 1d");
	assert_false(is_tombstone(s, ART, old[0], NULL, 0));

	/* idempotent: the second run examines the two left and deletes nothing */
	r = run(s, 0);
	EXPECT(r->results[0], 2, 0, 0, 0, 0);
	assert_int_equal(r->deleted, 0);
	free_msg(r);
	mlmd_store_free(s);
}

static void keep_last_keeps_the_newest_by_time_then_id(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0);
	/* newest by (create time, id): ids[3] (300), ids[2] (300), then ids[4] (250) */
	int64_t times[] = { 100, 200, 300, 300, 250, 50 };
	int64_t ids[6];
	artifacts_at(s, ds, times, 6, ids);
	OK(set_policy(s, 0, "DataSet", 0, 2, NULL));
	RunRs *r = run(s, 0);
	EXPECT(r->results[0], 6, 4, 4, 0, 0);
	free_msg(r);
	int want[] = { 1, 1, 0, 0, 1, 1 };
	char why[256];
	for (int i = 0; i < 6; i++)
		assert_int_equal(is_tombstone(s, ART, ids[i], why, sizeof why), want[i]);
	assert_true(is_tombstone(s, ART, ids[0], why, sizeof why));
	assert_string_equal(why, "retention: DataSet keep-last 2");
	r = run(s, 0);
	EXPECT(r->results[0], 2, 0, 0, 0, 0);
	free_msg(r);

	/* more to keep than there are: nothing selected */
	OK(set_policy(s, 0, "DataSet", 0, 10, NULL));
	r = run(s, 0);
	EXPECT(r->results[0], 2, 0, 0, 0, 0);
	free_msg(r);
	mlmd_store_free(s);
}

static void both_rules_must_select_a_node(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0);
	int64_t t0 = store_now(s, artifact_type(s, "Other", 0));
	/* four older than a day, one new: keep-last 3 keeps the new one and
	 * the two youngest old ones, so two go */
	int64_t times[] = { t0 - 10 * DAY, t0 - 9 * DAY, t0 - 8 * DAY, t0 - 7 * DAY, t0 };
	int64_t ids[5];
	artifacts_at(s, ds, times, 5, ids);
	OK(set_policy(s, 0, "DataSet", DAY, 3, NULL));
	RunRs *r = run(s, 0);
	EXPECT(r->results[0], 5, 2, 2, 0, 0);
	free_msg(r);
	char why[256];
	for (int i = 0; i < 5; i++)
		assert_int_equal(is_tombstone(s, ART, ids[i], why, sizeof why), i < 2);
	assert_true(is_tombstone(s, ART, ids[1], why, sizeof why));
	assert_string_equal(why, "retention: DataSet max-age 1d, keep-last 3");
	r = run(s, 0);
	EXPECT(r->results[0], 3, 0, 0, 0, 0);
	free_msg(r);
	mlmd_store_free(s);
}

/* ---- what a run keeps ------------------------------------------------------------------------- */

/* raw -> prep -> data -> train -> model (v1 of iris, alias prod), and
 * data2 -> train2 -> model2 (v2, no alias); everything created long ago. */
typedef struct lineage {
	mlmd_store *s;
	int64_t raw, data, data2, model, model2; /* artifacts */
	int64_t prep, train, train2;             /* executions */
	int64_t iris, v1, v2;                    /* contexts */
} lineage;

static void build_lineage(lineage *l)
{
	memset(l, 0, sizeof *l);
	mlmd_store *s = l->s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0), mt = artifact_type(s, "Model", 0);
	int64_t pt = execution_type(s, "Prep"), tt = execution_type(s, "Trainer");
	OK(put_artifact(s, new_artifact(ds, "file:///raw"), &l->raw));
	OK(put_artifact(s, new_artifact(ds, "file:///data"), &l->data));
	OK(put_artifact(s, new_artifact(ds, "file:///data2"), &l->data2));
	OK(put_artifact(s, new_artifact(mt, "file:///model"), &l->model));
	OK(put_artifact(s, new_artifact(mt, "file:///model2"), &l->model2));
	l->prep = put_execution_node(s, pt);
	l->train = put_execution_node(s, tt);
	l->train2 = put_execution_node(s, tt);
	event(s, l->raw, l->prep, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, l->data, l->prep, MLMD__PB__EVENT__TYPE__OUTPUT);
	event(s, l->data, l->train, MLMD__PB__EVENT__TYPE__DECLARED_INPUT);
	event(s, l->model, l->train, MLMD__PB__EVENT__TYPE__OUTPUT);
	event(s, l->data2, l->train2, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, l->model2, l->train2, MLMD__PB__EVENT__TYPE__OUTPUT);
	/* the aliased model's trainer also read data2's sibling? no: data2 is
	 * only upstream of model2; and model is read by train2 as well (an
	 * input of a later run is not upstream of the aliased model) */
	event(s, l->model, l->train2, MLMD__PB__EVENT__TYPE__INPUT);
	l->iris = create_model(s, "iris");
	int64_t n1, n2;
	l->v1 = add_version(s, "iris", l->model, &n1);
	l->v2 = add_version(s, "iris", l->model2, &n2);
	set_alias(s, "iris", "prod", n1);
	int64_t t = 1000; /* long ago */
	int64_t arts[] = { l->raw, l->data, l->data2, l->model, l->model2 };
	int64_t exes[] = { l->prep, l->train, l->train2 };
	int64_t ctxs[] = { l->iris, l->v1, l->v2 };
	set_times(s, "artifact", arts, 5, t);
	set_times(s, "execution", exes, 3, t);
	set_times(s, "context", ctxs, 3, t);
}

static void an_alias_keeps_its_model_and_everything_upstream(void **st)
{
	(void)st;
	lineage l;
	build_lineage(&l);
	mlmd_store *s = l.s;
	OK(set_policy(s, 0, "DataSet", DAY, 0, NULL));
	OK(set_policy(s, 0, "Model", DAY, 0, NULL));
	OK(set_policy(s, 0, "Prep", DAY, 0, NULL));
	OK(set_policy(s, 0, "Trainer", DAY, 0, NULL));
	OK(set_policy(s, 0, "mlmd.ModelVersion", DAY, 0, NULL));
	OK(set_policy(s, 0, "mlmd.RegisteredModel", DAY, 0, NULL));

	/* a dry run first: the same counts, nothing written, no audit record */
	int64_t audit = count_sql(s, "SELECT COUNT(*) FROM audit_log");
	RunRs *d = run(s, 1);
	assert_int_equal(count_sql(s, "SELECT COUNT(*) FROM audit_log"), audit);
	assert_int_equal(count_sql(s, "SELECT COUNT(*) FROM artifact WHERE deleted_time IS NOT NULL"), 0);
	assert_int_equal(count_sql(s, "SELECT COUNT(*) FROM execution WHERE deleted_time IS NOT NULL"), 0);
	assert_int_equal(count_sql(s, "SELECT COUNT(*) FROM context WHERE deleted_time IS NOT NULL"), 0);

	RunRs *r = run(s, 0);
	assert_int_equal(count_sql(s, "SELECT COUNT(*) FROM audit_log"), audit + 1);
	const char *types[] = { "DataSet", "Model", "Prep", "Trainer", "mlmd.ModelVersion", "mlmd.RegisteredModel" };
	for (int i = 0; i < 6; i++) {
		const Mlmd__Pb__Governance__RetentionResult *a = result_of(d, types[i]), *b = result_of(r, types[i]);
		assert_int_equal(a->examined, b->examined);
		assert_int_equal(a->expired, b->expired);
		assert_int_equal(a->deleted, b->deleted);
		assert_int_equal(a->kept_alias, b->kept_alias);
	}
	assert_int_equal(d->deleted, r->deleted);
	free_msg(d);
	/* raw and data are upstream of the aliased model: kept; data2 goes */
	EXPECT(result_of(r, "DataSet"), 3, 3, 1, 2, 0);
	EXPECT(result_of(r, "Model"), 2, 2, 1, 1, 0);
	EXPECT(result_of(r, "Prep"), 1, 1, 0, 1, 0);
	EXPECT(result_of(r, "Trainer"), 2, 2, 1, 1, 0);
	EXPECT(result_of(r, "mlmd.ModelVersion"), 2, 2, 1, 1, 0);
	EXPECT(result_of(r, "mlmd.RegisteredModel"), 1, 1, 0, 1, 0);
	assert_int_equal(r->deleted, 4);
	/* by kind, then type name */
	assert_string_equal(r->results[0]->policy->type_name, "DataSet");
	assert_string_equal(r->results[1]->policy->type_name, "Model");
	assert_string_equal(r->results[2]->policy->type_name, "Prep");
	assert_string_equal(r->results[3]->policy->type_name, "Trainer");
	assert_string_equal(r->results[4]->policy->type_name, "mlmd.ModelVersion");
	free_msg(r);
	char why[256];
	assert_true(is_tombstone(s, ART, l.data2, why, sizeof why));
	assert_string_equal(why, "retention: DataSet max-age 1d");
	assert_true(is_tombstone(s, ART, l.model2, NULL, 0));
	assert_true(is_tombstone(s, EXE, l.train2, NULL, 0));
	assert_true(is_tombstone(s, CTX, l.v2, NULL, 0));
	assert_false(is_tombstone(s, ART, l.raw, NULL, 0));
	assert_false(is_tombstone(s, ART, l.data, NULL, 0));
	assert_false(is_tombstone(s, ART, l.model, NULL, 0));
	assert_false(is_tombstone(s, EXE, l.prep, NULL, 0));
	assert_false(is_tombstone(s, EXE, l.train, NULL, 0));
	assert_false(is_tombstone(s, CTX, l.v1, NULL, 0));
	assert_false(is_tombstone(s, CTX, l.iris, NULL, 0));

	/* idempotent */
	r = run(s, 0);
	EXPECT(result_of(r, "DataSet"), 2, 2, 0, 2, 0);
	EXPECT(result_of(r, "Trainer"), 1, 1, 0, 1, 0);
	assert_int_equal(r->deleted, 0);
	free_msg(r);

	/* the alias moves away: the old lineage is no longer protected */
	set_alias(s, "iris", "prod", 0);
	r = run(s, 0);
	EXPECT(result_of(r, "DataSet"), 2, 2, 2, 0, 0);
	EXPECT(result_of(r, "Model"), 1, 1, 1, 0, 0);
	EXPECT(result_of(r, "mlmd.RegisteredModel"), 1, 1, 1, 0, 0);
	free_msg(r);
	mlmd_store_free(s);
}

/* Classifies artifact `on` with `label` (until `until`, 0: none). */
static void classify(mlmd_store *s, int64_t on, const char *label, int64_t until)
{
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = ART;
	rq.id = on;
	rq.label = (char *)label;
	rq.reason = "case 12";
	if (until) {
		rq.has_until_ms = 1;
		rq.until_ms = until;
	}
	int rc;
	free_msg(test_rpc(s, "Classify", &rq, &mlmd__pb__governance__classify_response__descriptor, &rc));
	OK(rc);
}

static void hold_keeps_a_node_while_it_lasts(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0);
	int64_t times[] = { 10, 20, 30, 40, 50 };
	int64_t ids[5] = { 0 };
	artifacts_at(s, ds, times, 5, ids);
	/* ids[0] -> copy -> ids[1]: a hold on ids[0] reaches ids[1] */
	int64_t copy = put_execution_node(s, execution_type(s, "Copy"));
	event(s, ids[0], copy, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, ids[1], copy, MLMD__PB__EVENT__TYPE__OUTPUT);
	classify(s, ids[0], "HOLD", 0);
	classify(s, ids[2], "HOLD", 5); /* ended long ago */
	classify(s, ids[3], "PII", 0);  /* not a hold */
	OK(set_policy(s, 0, "DataSet", DAY, 0, NULL));
	RunRs *r = run(s, 1);
	EXPECT(r->results[0], 5, 5, 3, 0, 2);
	free_msg(r);
	r = run(s, 0);
	EXPECT(r->results[0], 5, 5, 3, 0, 2);
	free_msg(r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(is_tombstone(s, ART, ids[i], NULL, 0), i >= 2);
	r = run(s, 0);
	EXPECT(r->results[0], 2, 2, 0, 0, 2);
	free_msg(r);

	/* the hold lifted: they go */
	Mlmd__Pb__Governance__UnclassifyRequest uq = MLMD__PB__GOVERNANCE__UNCLASSIFY_REQUEST__INIT;
	uq.has_kind = uq.has_id = 1;
	uq.kind = ART;
	uq.id = ids[0];
	uq.label = "HOLD";
	int rc;
	free_msg(test_rpc(s, "Unclassify", &uq, &mlmd__pb__governance__unclassify_response__descriptor, &rc));
	OK(rc);
	r = run(s, 0);
	EXPECT(r->results[0], 2, 2, 2, 0, 0);
	free_msg(r);
	mlmd_store_free(s);
}

static void pages_cover_every_node(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t ds = artifact_type(s, "DataSet", 0);
	/* more than a page (1000) in one call */
	enum { N = 2500 };
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__Artifact *arts[N];
	for (int i = 0; i < N; i++)
		arts[i] = new_artifact(ds, NULL);
	rq.n_artifacts = N;
	rq.artifacts = arts;
	Mlmd__Pb__PutArtifactsResponse *rs = NULL;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	int64_t *times = malloc(N * sizeof *times);
	for (int i = 0; i < N; i++)
		times[i] = 1000 + i;
	OK(mlmd_store_restore_times(s, "artifact", rs->artifact_ids, times, times, N));
	free(times);
	for (int i = 0; i < N; i++)
		mlmd_message_free(arts[i]);
	OK(set_policy(s, 0, "DataSet", 0, 7, NULL));
	RunRs *r = run(s, 0);
	EXPECT(r->results[0], N, N - 7, N - 7, 0, 0);
	free_msg(r);
	for (int i = 0; i < N; i++)
		assert_int_equal(is_tombstone(s, ART, rs->artifact_ids[i], NULL, 0), i < N - 7);
	mlmd_message_free(rs);
	r = run(s, 0);
	EXPECT(r->results[0], 7, 0, 0, 0, 0);
	free_msg(r);
	mlmd_store_free(s);
}

static void a_run_without_policies_reports_nothing(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	RunRs *r = run(s, 0);
	assert_int_equal(r->n_results, 0);
	assert_int_equal(r->deleted, 0);
	free_msg(r);
	mlmd_store_free(s);
}

static void a_version_4_store_says_retention_needs_version_5(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own; once is enough */
	char *path = tmp_path("v4");
	mlmd_store *s = open_file(path);
	mlmd_store_free(s);
	sqlite_back_to_v4(path);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), 4);
	artifact_type(s, "DataSet", 0);
	FAILS(set_policy(s, 0, "DataSet", DAY, 0, NULL), MLMD_FAILED_PRECONDITION,
	      "SetRetentionPolicy needs schema version 5");
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	int rc;
	assert_null(test_rpc(s, "RunRetention", &rq, &mlmd__pb__governance__run_retention_response__descriptor, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "RunRetention needs schema version 5");
	Mlmd__Pb__Governance__GetRetentionPoliciesRequest gq = MLMD__PB__GOVERNANCE__GET_RETENTION_POLICIES_REQUEST__INIT;
	assert_null(test_rpc(s, "GetRetentionPolicies", &gq,
			     &mlmd__pb__governance__get_retention_policies_response__descriptor, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "open it with upgrade");
	FAILS(delete_policy(s, 0, "DataSet"), MLMD_FAILED_PRECONDITION, "needs schema version 5");
	mlmd_store_free(s);
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	OK(set_policy(s, 0, "DataSet", DAY, 0, NULL));
	mlmd_store_free(s);
	tmp_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policies_are_set_listed_replaced_and_removed),
		cmocka_unit_test(an_ambiguous_type_name_needs_the_kind),
		cmocka_unit_test(max_age_deletes_what_is_older),
		cmocka_unit_test(keep_last_keeps_the_newest_by_time_then_id),
		cmocka_unit_test(both_rules_must_select_a_node),
		cmocka_unit_test(an_alias_keeps_its_model_and_everything_upstream),
		cmocka_unit_test(hold_keeps_a_node_while_it_lasts),
		cmocka_unit_test(pages_cover_every_node),
		cmocka_unit_test(a_run_without_policies_reports_nothing),
		cmocka_unit_test(a_version_4_store_says_retention_needs_version_5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

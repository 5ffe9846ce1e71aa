/*
 * The data governance C API (mlmd/datagov.h) end to end, on every backend
 * (MLMD_TEST_BACKEND): node kinds by name; deletion with a dry run, the
 * tombstones read back (by id and paged), refused by an alias and by a HOLD
 * label (naming them); labels set, propagated down a chain, read back as
 * effective labels with their source and distance, until-times, removed;
 * retention policies set, listed, run dry and for real (keep-last, an
 * alias's upstream kept) and removed; the gate list read and replaced
 * (empty too); impact on a store with a registry and a serving record.
 * Every call's argument errors name what is wrong; every _free takes NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dg_helpers.h" /* event() */

/* ---- a small lineage -------------------------------------------------------------------------- */

static void associate(mlmd_store *s, int64_t context, int64_t execution)
{
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	as.has_context_id = as.has_execution_id = 1;
	as.context_id = context;
	as.execution_id = execution;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
	rq.n_associations = 1;
	rq.associations = &asp;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
}

static int64_t artifact(mlmd_store *s, int64_t type, const char *uri, const char *note)
{
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	if (note)
		OK(mlmd_node_set_string(a, 1, "note", note));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

/* data -> train -> model (type Model), registered as m/1 with alias prod,
 * served by a ModelServing execution associated with Deployment "dep". */
typedef struct {
	int64_t data, train, model, serving, deployment;
} pipeline;

static pipeline build(mlmd_store *s)
{
	pipeline p;
	int64_t ds = artifact_type(s, "DataSet", 0), model = artifact_type(s, "Model", 0);
	p.data = artifact(s, ds, "file:///data/train.csv", "secret-marker");
	p.train = put_execution_node(s, execution_type(s, "Trainer"));
	p.model = artifact(s, model, "file:///models/m.onnx", NULL);
	event(s, p.data, p.train, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, p.model, p.train, MLMD__PB__EVENT__TYPE__OUTPUT);
	OK(mlmd_registry_create_model(s, "m", NULL, NULL, 0, NULL));
	OK(mlmd_registry_create_version(s, "m", p.model, p.train, NULL, NULL, 0, NULL));
	mlmd_alias_move mv = { "prod", 1 };
	OK(mlmd_registry_set_aliases(s, "m", &mv, 1, NULL));
	p.serving = put_execution_node(s, execution_type(s, "ModelServing"));
	event(s, p.model, p.serving, MLMD__PB__EVENT__TYPE__INPUT);
	p.deployment = put_context_node(s, context_type(s, "Deployment"), "dep");
	associate(s, p.deployment, p.serving);
	return p;
}

/* ---- kinds and argument errors ------------------------------------------------------------------ */

static void kinds_by_name(void **state)
{
	(void)state;
	mlmd_node_kind k;
	OK(mlmd_node_kind_parse("execution", &k));
	assert_int_equal(k, MLMD_NODE_EXECUTION);
	OK(mlmd_node_kind_parse("context", &k));
	assert_int_equal(k, MLMD_NODE_CONTEXT);
	assert_string_equal(mlmd_node_kind_name(MLMD_NODE_ARTIFACT), "artifact");
	assert_null(mlmd_node_kind_name((mlmd_node_kind)0));
	assert_null(mlmd_node_kind_name((mlmd_node_kind)4));
	FAILS(mlmd_node_kind_parse("artifacts", &k), MLMD_INVALID_ARGUMENT, "artifacts");
	FAILS(mlmd_node_kind_parse(NULL, &k), MLMD_INVALID_ARGUMENT, "NULL");
	FAILS(mlmd_node_kind_parse("context", NULL), MLMD_INVALID_ARGUMENT, "out");
}

static void argument_errors_name_what_is_wrong(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t id = 1;
	mlmd_delete_result *d = (mlmd_delete_result *)&id;
	mlmd_label_list *l = (mlmd_label_list *)&id;
	mlmd_impact *im = (mlmd_impact *)&id;
	mlmd_retention_policy_list *pl = (mlmd_retention_policy_list *)&id;
	mlmd_retention_report *rr = (mlmd_retention_report *)&id;
	char **gate = (char **)&id;
	FAILS(mlmd_nodes_delete(NULL, MLMD_NODE_ARTIFACT, &id, 1, NULL, 0, &d), MLMD_INVALID_ARGUMENT, "store is NULL");
	assert_null(d);
	FAILS(mlmd_nodes_delete(s, (mlmd_node_kind)7, &id, 1, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "node kind 7");
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, NULL, 1, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "ids is NULL");
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &id, 0, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "no ids");
	/* a count past the requests' limit is refused before the array is read (it was packed, past its end) */
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &id, SIZE_MAX, NULL, 0, NULL), MLMD_INVALID_ARGUMENT,
	      "at most 100000");
	FAILS(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, &id, (size_t)100001, 0, 0, &d), MLMD_INVALID_ARGUMENT,
	      "at most 100000");
	FAILS(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, NULL, 0, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	FAILS(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, NULL, 3, 0, 0, &d), MLMD_INVALID_ARGUMENT, "NULL");
	FAILS(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, NULL, 0, 0, -1, &d), MLMD_INVALID_ARGUMENT, "max_results");
	FAILS(mlmd_tombstones_get(s, (mlmd_node_kind)0, NULL, 0, 0, 0, &d), MLMD_INVALID_ARGUMENT, "node kind 0");
	assert_null(d);
	FAILS(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, NULL, 1, 0), MLMD_INVALID_ARGUMENT, "type_name");
	FAILS(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "T", -1, 0), MLMD_INVALID_ARGUMENT, "max_age_ms");
	FAILS(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "T", 0, -2), MLMD_INVALID_ARGUMENT, "keep_last");
	FAILS(mlmd_retention_set(s, (mlmd_node_kind)9, "T", 1, 0), MLMD_INVALID_ARGUMENT, "node kind 9");
	FAILS(mlmd_retention_remove(s, MLMD_NODE_ARTIFACT, NULL), MLMD_INVALID_ARGUMENT, "type_name");
	FAILS(mlmd_retention_list(s, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	FAILS(mlmd_retention_list(NULL, &pl), MLMD_INVALID_ARGUMENT, "store is NULL");
	assert_null(pl);
	FAILS(mlmd_retention_run(NULL, 1, &rr), MLMD_INVALID_ARGUMENT, "store is NULL");
	assert_null(rr);
	FAILS(mlmd_label_set(s, MLMD_NODE_ARTIFACT, 1, NULL, NULL, 0, 1, NULL), MLMD_INVALID_ARGUMENT, "label is NULL");
	FAILS(mlmd_label_set(s, MLMD_NODE_ARTIFACT, 1, "PII", NULL, -5, 1, NULL), MLMD_INVALID_ARGUMENT, "until_ms");
	FAILS(mlmd_label_remove(s, (mlmd_node_kind)0, 1, "PII", NULL), MLMD_INVALID_ARGUMENT, "node kind 0");
	FAILS(mlmd_labels_effective(s, MLMD_NODE_ARTIFACT, 1, 0, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	FAILS(mlmd_labels_effective(s, (mlmd_node_kind)4, 1, 0, &l), MLMD_INVALID_ARGUMENT, "node kind 4");
	assert_null(l);
	FAILS(mlmd_gate_get(s, NULL, NULL), MLMD_INVALID_ARGUMENT, "labels is NULL");
	FAILS(mlmd_gate_get(NULL, &gate, NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	assert_null(gate);
	FAILS(mlmd_gate_set(s, NULL, 2), MLMD_INVALID_ARGUMENT, "NULL");
	const char *with_null[] = { "PII", NULL };
	FAILS(mlmd_gate_set(s, with_null, 2), MLMD_INVALID_ARGUMENT, "label #1");
	FAILS(mlmd_impact_get(s, MLMD_NODE_CONTEXT, 1, 0, &im), MLMD_INVALID_ARGUMENT, "node kind 3");
	assert_null(im);
	FAILS(mlmd_impact_get(s, MLMD_NODE_ARTIFACT, 1, -1, &im), MLMD_INVALID_ARGUMENT, "max_nodes");
	FAILS(mlmd_impact_get(s, MLMD_NODE_ARTIFACT, 1, 0, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	/* the store's own checks come back as they are */
	FAILS(mlmd_label_set(s, MLMD_NODE_ARTIFACT, 1, "9lives", NULL, 0, 1, NULL), MLMD_INVALID_ARGUMENT, "9lives");
	FAILS(mlmd_labels_effective(s, MLMD_NODE_ARTIFACT, 424242, 0, &l), MLMD_NOT_FOUND, "424242");
	/* every _free takes NULL */
	mlmd_delete_result_free(NULL);
	mlmd_retention_policy_list_free(NULL);
	mlmd_retention_report_free(NULL);
	mlmd_label_list_free(NULL);
	mlmd_strings_free(NULL);
	mlmd_impact_free(NULL);
	mlmd_store_free(s);
}

/* ---- deletion ------------------------------------------------------------------------------------ */

static void delete_dry_run_then_for_real(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t t = artifact_type(s, "Log", 0);
	int64_t ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = artifact(s, t, "file:///logs/x", "note");
	int64_t e = put_execution_node(s, execution_type(s, "Job"));
	event(s, ids[0], e, MLMD__PB__EVENT__TYPE__OUTPUT);

	mlmd_delete_result *r = NULL;
	int64_t two[] = { ids[1], ids[0], ids[1] }; /* unordered, a duplicate */
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, two, 3, "gdpr", 1, &r));
	assert_int_equal(r->n_nodes, 2);
	assert_int_equal(r->nodes[0].id, ids[0]);
	assert_int_equal(r->nodes[1].id, ids[1]);
	assert_int_equal(r->events_kept, 1);
	mlmd_delete_result_free(r);
	Mlmd__Pb__Artifact *a = get_artifact(s, ids[0]); /* the dry run wrote nothing */
	assert_non_null(a);
	mlmd_message_free(a);

	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, two, 3, "gdpr", 0, &r));
	assert_int_equal(r->n_nodes, 2);
	const mlmd_tombstone *tb = &r->nodes[0];
	assert_int_equal(tb->kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(tb->id, ids[0]);
	assert_int_equal(tb->type_id, t);
	assert_string_equal(tb->type, "Log");
	assert_string_equal(tb->actor, "alice");
	assert_string_equal(tb->reason, "gdpr");
	assert_true(tb->delete_time_ms > 0);
	assert_true(r->properties_removed >= 2); /* the two notes */
	assert_int_equal(r->events_kept, 1);
	mlmd_delete_result_free(r);
	assert_null(get_artifact(s, ids[0]));
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &ids[1], 1, NULL, 0, NULL), MLMD_NOT_FOUND, "");
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &ids[2], 1, NULL, 0, NULL)); /* out may be NULL */

	/* read back: by id (live and unknown ids left out) and paged */
	int64_t ask[] = { ids[0], e, 999999 };
	OK(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, ask, 3, 0, 0, &r));
	assert_int_equal(r->n_nodes, 1);
	assert_int_equal(r->nodes[0].id, ids[0]);
	assert_int_equal(r->properties_removed, 0);
	mlmd_delete_result_free(r);
	OK(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, NULL, 0, 0, 2, &r));
	assert_int_equal(r->n_nodes, 2);
	assert_int_equal(r->nodes[1].id, ids[1]);
	mlmd_delete_result_free(r);
	OK(mlmd_tombstones_get(s, MLMD_NODE_ARTIFACT, NULL, 0, ids[1], 0, &r));
	assert_int_equal(r->n_nodes, 1);
	assert_int_equal(r->nodes[0].id, ids[2]);
	assert_string_equal(r->nodes[0].reason, "");
	mlmd_delete_result_free(r);
	OK(mlmd_tombstones_get(s, MLMD_NODE_EXECUTION, NULL, 0, 0, 0, &r));
	assert_int_equal(r->n_nodes, 0);
	mlmd_delete_result_free(r);
	mlmd_store_free(s);
}

static void delete_refused_by_alias_and_hold(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	pipeline p = build(s);
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &p.model, 1, NULL, 0, NULL), MLMD_FAILED_PRECONDITION, "m@prod");
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &p.model, 1, NULL, 1, NULL), MLMD_FAILED_PRECONDITION, "m@prod");
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, p.data, "HOLD", "litigation", 0, 0, NULL));
	FAILS(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &p.data, 1, NULL, 0, NULL), MLMD_FAILED_PRECONDITION, "HOLD");
	OK(mlmd_label_remove(s, MLMD_NODE_ARTIFACT, p.data, "HOLD", NULL));
	mlmd_delete_result *r = NULL;
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &p.data, 1, NULL, 0, &r));
	assert_int_equal(r->n_nodes, 1);
	mlmd_delete_result_free(r);
	mlmd_store_free(s);
}

/* ---- labels --------------------------------------------------------------------------------------- */

static void labels_follow_lineage(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "dpo"));
	pipeline p = build(s);
	int64_t reached = 0;
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, p.data, "PII", "names", 0, 1, &reached));
	assert_int_equal(reached, 4); /* data, train, model, serving */
	mlmd_label_list *l = NULL;
	OK(mlmd_labels_effective(s, MLMD_NODE_ARTIFACT, p.model, 0, &l));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->labels[0].label, "PII");
	assert_int_equal(l->labels[0].source_kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(l->labels[0].source_id, p.data);
	assert_int_equal(l->labels[0].distance, 2);
	assert_string_equal(l->labels[0].reason, "names");
	assert_string_equal(l->labels[0].actor, "dpo");
	assert_int_equal(l->labels[0].until_ms, 0);
	assert_true(l->labels[0].propagate);
	assert_true(l->labels[0].time_ms > 0);
	mlmd_label_list_free(l);

	/* a label of the model's own, not propagating; one already expired */
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, p.model, "RESTRICTED", NULL, 0, 0, &reached));
	assert_int_equal(reached, 1);
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, p.model, "EXPIRED", NULL, 1000, 0, NULL));
	OK(mlmd_labels_effective(s, MLMD_NODE_ARTIFACT, p.model, 0, &l));
	assert_int_equal(l->n, 2);
	assert_string_equal(l->labels[0].label, "PII");
	assert_string_equal(l->labels[1].label, "RESTRICTED");
	assert_int_equal(l->labels[1].distance, 0);
	assert_false(l->labels[1].propagate);
	assert_string_equal(l->labels[1].reason, "");
	mlmd_label_list_free(l);
	OK(mlmd_labels_effective(s, MLMD_NODE_ARTIFACT, p.model, 1, &l));
	assert_int_equal(l->n, 3);
	assert_string_equal(l->labels[0].label, "EXPIRED");
	assert_int_equal(l->labels[0].until_ms, 1000);
	mlmd_label_list_free(l);
	OK(mlmd_labels_effective(s, MLMD_NODE_EXECUTION, p.serving, 0, &l));
	assert_int_equal(l->n, 1); /* RESTRICTED did not propagate */
	assert_int_equal(l->labels[0].distance, 3);
	mlmd_label_list_free(l);

	/* removing the source removes what it propagated */
	OK(mlmd_label_remove(s, MLMD_NODE_ARTIFACT, p.data, "PII", &reached));
	assert_true(reached >= 4);
	OK(mlmd_labels_effective(s, MLMD_NODE_EXECUTION, p.serving, 0, &l));
	assert_int_equal(l->n, 0);
	mlmd_label_list_free(l);
	FAILS(mlmd_label_remove(s, MLMD_NODE_ARTIFACT, p.data, "PII", NULL), MLMD_NOT_FOUND, "PII");
	mlmd_store_free(s);
}

/* ---- retention ------------------------------------------------------------------------------------ */

static const mlmd_retention_result *result_of(const mlmd_retention_report *r, const char *type)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->results[i].policy.type_name, type))
			return &r->results[i];
	fail_msg("no result for type %s", type);
	return NULL;
}

static void retention_policies_and_runs(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "ops"));
	pipeline p = build(s);
	int64_t log = artifact_type(s, "Log", 0), logs[4];
	for (int i = 0; i < 4; i++)
		logs[i] = artifact(s, log, "file:///logs/l", NULL);
	FAILS(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "NoSuchType", 0, 1), MLMD_NOT_FOUND, "NoSuchType");
	OK(mlmd_retention_set(s, (mlmd_node_kind)0, "Log", 0, 1)); /* kind 0: found by name */
	OK(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "DataSet", 0, 0 + 1));
	OK(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "DataSet", 86400000LL * 30, 0)); /* replaced */

	mlmd_retention_policy_list *pl = NULL;
	OK(mlmd_retention_list(s, &pl));
	assert_int_equal(pl->n, 2);
	assert_string_equal(pl->policies[0].type_name, "DataSet");
	assert_int_equal(pl->policies[0].kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(pl->policies[0].max_age_ms, 86400000LL * 30);
	assert_int_equal(pl->policies[0].keep_last, 0);
	assert_string_equal(pl->policies[1].type_name, "Log");
	assert_int_equal(pl->policies[1].type_id, log);
	assert_int_equal(pl->policies[1].keep_last, 1);
	assert_string_equal(pl->policies[1].actor, "ops");
	assert_true(pl->policies[1].time_ms > 0);
	mlmd_retention_policy_list_free(pl);

	mlmd_retention_report *r = NULL;
	OK(mlmd_retention_run(s, 1, &r));
	assert_int_equal(r->n, 2);
	assert_int_equal(r->deleted, 3);
	const mlmd_retention_result *x = result_of(r, "Log");
	assert_int_equal(x->examined, 4);
	assert_int_equal(x->expired, 3);
	assert_int_equal(x->deleted, 3);
	assert_int_equal(result_of(r, "DataSet")->expired, 0); /* created now, younger than 30 days */
	mlmd_retention_report_free(r);
	Mlmd__Pb__Artifact *a = get_artifact(s, logs[0]);
	assert_non_null(a); /* the dry run wrote nothing */
	mlmd_message_free(a);

	OK(mlmd_retention_run(s, 0, &r));
	assert_int_equal(r->deleted, 3);
	mlmd_retention_report_free(r);
	assert_null(get_artifact(s, logs[0]));
	a = get_artifact(s, logs[3]); /* the newest kept */
	assert_non_null(a);
	mlmd_message_free(a);
	OK(mlmd_retention_run(s, 0, NULL)); /* idempotent; out may be NULL */
	OK(mlmd_retention_run(s, 0, &r));
	assert_int_equal(r->deleted, 0);
	mlmd_retention_report_free(r);

	/* an alias protects its model artifact and everything upstream */
	OK(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "Model", 0, 0 + 1));
	OK(mlmd_retention_set(s, MLMD_NODE_ARTIFACT, "DataSet", 0, 0 + 1));
	int64_t ds2 = artifact(s, artifact_type(s, "DataSet", 0), "file:///data/b.csv", NULL);
	(void)ds2; /* the newer data set: kept by keep-last; the older one by the alias */
	OK(mlmd_retention_run(s, 1, &r));
	x = result_of(r, "DataSet");
	assert_int_equal(x->expired, 1);
	assert_int_equal(x->kept_alias, 1);
	assert_int_equal(x->deleted, 0);
	mlmd_retention_report_free(r);
	a = get_artifact(s, p.data);
	assert_non_null(a);
	mlmd_message_free(a);

	OK(mlmd_retention_remove(s, MLMD_NODE_ARTIFACT, "Log"));
	FAILS(mlmd_retention_remove(s, MLMD_NODE_ARTIFACT, "Log"), MLMD_NOT_FOUND, "Log");
	OK(mlmd_retention_list(s, &pl));
	assert_int_equal(pl->n, 2);
	mlmd_retention_policy_list_free(pl);
	mlmd_store_free(s);
}

/* ---- the gate list and impact --------------------------------------------------------------------- */

static void gate_list_read_and_replaced(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	char **labels = NULL;
	size_t n = 0;
	OK(mlmd_gate_get(s, &labels, &n));
	assert_int_equal(n, 3);
	assert_string_equal(labels[0], "EXPIRED");
	assert_string_equal(labels[1], "POISONED");
	assert_string_equal(labels[2], "RESTRICTED");
	assert_null(labels[3]);
	mlmd_strings_free(labels);
	const char *mine[] = { "PII", "POISONED" };
	OK(mlmd_gate_set(s, mine, 2));
	OK(mlmd_gate_get(s, &labels, NULL)); /* n may be NULL */
	assert_string_equal(labels[0], "PII");
	assert_string_equal(labels[1], "POISONED");
	assert_null(labels[2]);
	mlmd_strings_free(labels);
	const char *bad[] = { "no spaces" };
	FAILS(mlmd_gate_set(s, bad, 1), MLMD_INVALID_ARGUMENT, "no spaces");
	OK(mlmd_gate_set(s, NULL, 0));
	OK(mlmd_gate_get(s, &labels, &n));
	assert_int_equal(n, 0);
	assert_null(labels[0]);
	mlmd_strings_free(labels);
	mlmd_store_free(s);
}

static void impact_of_a_data_set(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	pipeline p = build(s);
	mlmd_impact *im = NULL;
	OK(mlmd_impact_get(s, MLMD_NODE_ARTIFACT, p.data, 0, &im));
	assert_int_equal(im->n, 5);
	assert_false(im->truncated);
	assert_true(im->nodes_walked >= 4);
	const mlmd_impact_item *it = im->items;
	assert_int_equal(it[0].what, MLMD_IMPACT_MODEL);
	assert_int_equal(it[0].kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(it[0].id, p.model);
	assert_string_equal(it[0].type, "Model");
	assert_int_equal(it[0].distance, 2);
	assert_false(it[0].deleted);
	assert_int_equal(it[1].what, MLMD_IMPACT_VERSION);
	assert_string_equal(it[1].model_name, "m");
	assert_int_equal(it[1].version, 1);
	assert_int_equal(it[1].id, p.model);
	assert_string_equal(it[1].alias, "");
	assert_int_equal(it[2].what, MLMD_IMPACT_ALIAS);
	assert_string_equal(it[2].alias, "prod");
	assert_int_equal(it[2].version, 1);
	assert_int_equal(it[2].distance, 2);
	assert_int_equal(it[3].what, MLMD_IMPACT_SERVING);
	assert_int_equal(it[3].kind, MLMD_NODE_EXECUTION);
	assert_int_equal(it[3].id, p.serving);
	assert_int_equal(it[3].distance, 3);
	assert_string_equal(it[3].model_name, "");
	assert_int_equal(it[4].what, MLMD_IMPACT_DEPLOYMENT);
	assert_int_equal(it[4].kind, MLMD_NODE_CONTEXT);
	assert_int_equal(it[4].id, p.deployment);
	assert_string_equal(it[4].name, "dep");
	assert_int_equal(it[4].distance, 4);
	mlmd_impact_free(im);

	OK(mlmd_impact_get(s, MLMD_NODE_EXECUTION, p.serving, 0, &im)); /* nothing downstream but its deployment? */
	for (size_t i = 0; i < im->n; i++)
		assert_int_not_equal(im->items[i].what, MLMD_IMPACT_MODEL);
	mlmd_impact_free(im);
	FAILS(mlmd_impact_get(s, MLMD_NODE_ARTIFACT, 987654, 0, &im), MLMD_NOT_FOUND, "987654");
	assert_null(im);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds_by_name),
		cmocka_unit_test(argument_errors_name_what_is_wrong),
		cmocka_unit_test(delete_dry_run_then_for_real),
		cmocka_unit_test(delete_refused_by_alias_and_hold),
		cmocka_unit_test(labels_follow_lineage),
		cmocka_unit_test(retention_policies_and_runs),
		cmocka_unit_test(gate_list_read_and_replaced),
		cmocka_unit_test(impact_of_a_data_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The serving gate on the scorer's side: mlmd_gate_check() and a scorer
 * refusing a model whose artifact, or whose training data upstream, carries
 * a label of the store's gate list (POISONED, EXPIRED, RESTRICTED unless
 * changed) at open by artifact id and by NAME@ALIAS / NAME/VERSION and at a
 * hot swap (the old model keeps serving, scores unchanged); a model that
 * becomes blocked while it serves, caught at the next flush, with the
 * policy stop (scoring fails naming the label until a swap to an allowed
 * model or the label's removal) and record (scoring goes on, the violation
 * recorded on the serving execution); a model deleted while it serves; an
 * expired label and a label outside the gate list do not block; changing
 * the gate list; a store below schema version 5 served unchecked. Labels are set with the Classify RPC on a real
 * lineage (dataset -> Train -> model); model files are real ONNX files on
 * disk. On every backend (MLMD_TEST_BACKEND); ordered by explicit
 * mlmd_scorer_flush() calls, never by time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "dg_helpers.h"
#include "mlmd/registry.h"
#include "onnx_build.h"
#include "serving_helpers.h"

static int counter;

/* ---- fixtures ---------------------------------------------------------------------------------- */

/* A fresh store a scorer can open by uri (serving_helpers.h). */
static mlmd_store *open_shared(char *uri, size_t cap)
{
	return open_shared_in(dir, &counter, uri, cap);
}

/* A model trained on its own dataset: dataset -> Train -> model (tag),
 * the model recorded with mlmd_model_record. */
typedef struct trained {
	int64_t dataset, train, model;
} trained;

static trained train(mlmd_store *st, float tag)
{
	trained t;
	char path[600], name[64];
	snprintf(path, sizeof path, "%s/m%d-%g.onnx", dir, counter, (double)tag);
	write_tag_model(path, tag);
	snprintf(name, sizeof name, "model-%d-%g", counter++, (double)tag);
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.name = name;
	OK(mlmd_model_record(st, &o, &t.model));
	OK(put_artifact(st, new_artifact(artifact_type(st, "Dataset", 0), "file:///data/train.csv"), &t.dataset));
	t.train = put_execution_node(st, execution_type(st, "Train"));
	put_event_node(st, t.train, t.dataset, MLMD__PB__EVENT__TYPE__INPUT);
	put_event_node(st, t.train, t.model, MLMD__PB__EVENT__TYPE__OUTPUT);
	return t;
}

static int gov(mlmd_store *st, const char *method, const ProtobufCMessage *rq, const ProtobufCMessageDescriptor *d,
	void *out)
{
	int rc;
	*(ProtobufCMessage **)out = test_rpc(st, method, rq, d, &rc);
	return rc;
}

#define GOV(st, method, rq, resp_type, out) \
	gov((st), (method), &(rq)->base, &mlmd__pb__governance__##resp_type##__descriptor, (out))

/* Classify: `label` on an artifact, propagating, until `until_ms` (0: no end). */
static void classify(mlmd_store *st, int64_t artifact, const char *label, const char *reason, int64_t until_ms)
{
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	Mlmd__Pb__Governance__ClassifyResponse *rs;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.has_id = 1;
	rq.id = artifact;
	rq.label = (char *)label;
	rq.reason = (char *)reason;
	if (until_ms) {
		rq.has_until_ms = 1;
		rq.until_ms = until_ms;
	}
	OK(GOV(st, "Classify", &rq, classify_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

static void unclassify(mlmd_store *st, int64_t artifact, const char *label)
{
	Mlmd__Pb__Governance__UnclassifyRequest rq = MLMD__PB__GOVERNANCE__UNCLASSIFY_REQUEST__INIT;
	Mlmd__Pb__Governance__UnclassifyResponse *rs;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.has_id = 1;
	rq.id = artifact;
	rq.label = (char *)label;
	OK(GOV(st, "Unclassify", &rq, unclassify_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

/* SetServingGate: the gate list becomes the n labels. */
static void set_gate(mlmd_store *st, size_t n, const char *const *labels)
{
	Mlmd__Pb__Governance__SetServingGateRequest rq = MLMD__PB__GOVERNANCE__SET_SERVING_GATE_REQUEST__INIT;
	Mlmd__Pb__Governance__SetServingGateResponse *rs;
	rq.n_labels = n;
	rq.labels = (char **)labels;
	OK(GOV(st, "SetServingGate", &rq, set_serving_gate_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

/* A scorer on the store at uri: by artifact id (ref NULL) or by reference. */
static int open_scorer(mlmd_scorer **s, const char *uri, int64_t artifact, const char *ref, int policy)
{
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = ref ? 0 : artifact;
	o.model_ref = ref;
	o.deployment = "gated";
	o.gate_policy = policy;
	*s = NULL;
	return mlmd_scorer_open(s, &o);
}

/* Scores one row: 0 and the model's output (its tag) in *tag, or the status. */
static int score_one(mlmd_scorer_ctx *c, float *tag)
{
	float x[2] = { 1, 2 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1, 2 }, .data = x }, out[1] = { { 0 } };
	int rc = mlmd_scorer_score(c, &in, 1, out, 1);
	if (!rc)
		*tag = ((const float *)out[0].data)[0];
	return rc;
}

static float tag_of(mlmd_scorer_ctx *c)
{
	float t = -1;
	OK(score_one(c, &t));
	return t;
}

/* The serving execution's custom property `name` as text ("" when absent). */
static void exec_custom(mlmd_store *st, int64_t exec_id, const char *name, char *out, size_t cap)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &exec_id;
	OK(mlmd_store_get_executions_by_id(st, &rq, &rs));
	assert_int_equal(rs->n_executions, 1);
	const Mlmd__Pb__Value *v = mlmd_node_get(rs->executions[0], 1, name);
	out[0] = '\0';
	if (v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
		snprintf(out, cap, "%s", v->string_value);
	else if (v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		snprintf(out, cap, "%lld", (long long)v->int_value);
	else if (v)
		fail_msg("custom property %s has an unexpected kind", name);
	mlmd_message_free(rs);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the check ------------------------------------------------------------------------------- */

/* mlmd_gate_check: allowed (0, an empty list), blocked by a label two hops
 * upstream (the list names it, its source and distance; the message the
 * first of them), blocked by the model's own label, NOT_FOUND for no such
 * artifact. */
static void check_names_label_and_source(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained t = train(st, 1);
	mlmd_label_list *l = NULL;
	OK(mlmd_gate_check(st, t.model, &l));
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	mlmd_label_list_free(l);
	classify(st, t.dataset, "POISONED", "label flips in batch 7", 0);
	char want[200];
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: POISONED on artifact %lld, 2 hops "
		"upstream: label flips in batch 7", (long long)t.model, (long long)t.dataset);
	FAILS(mlmd_gate_check(st, t.model, &l), MLMD_FAILED_PRECONDITION, want);
	assert_non_null(l);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->labels[0].label, "POISONED");
	assert_int_equal(l->labels[0].source_kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(l->labels[0].source_id, t.dataset);
	assert_int_equal(l->labels[0].distance, 2);
	assert_string_equal(l->labels[0].reason, "label flips in batch 7");
	mlmd_label_list_free(l);
	FAILS(mlmd_gate_check(st, t.model, NULL), MLMD_FAILED_PRECONDITION, "POISONED on artifact");
	/* with the model's own RESTRICTED too: sorted by label, POISONED first, the other counted */
	classify(st, t.model, "RESTRICTED", NULL, 0);
	snprintf(want, sizeof want, "POISONED on artifact %lld, 2 hops upstream: label flips in batch 7 (and 1 more "
		"blocking label)", (long long)t.dataset);
	FAILS(mlmd_gate_check(st, t.model, &l), MLMD_FAILED_PRECONDITION, want);
	assert_int_equal(l->n, 2);
	mlmd_label_list_free(l);
	unclassify(st, t.dataset, "POISONED");
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: RESTRICTED on artifact %lld, its own "
		"label", (long long)t.model, (long long)t.model);
	FAILS(mlmd_gate_check(st, t.model, NULL), MLMD_FAILED_PRECONDITION, want);
	unclassify(st, t.model, "RESTRICTED");
	OK(mlmd_gate_check(st, t.model, NULL));
	assert_int_equal(mlmd_gate_check(st, t.model + 1000, &l), -MLMD_NOT_FOUND);
	assert_null(l);
	mlmd_store_free(st);
}

/* ---- at load ------------------------------------------------------------------------------------ */

/* A scorer opened by artifact id on a model trained on POISONED data is
 * refused, naming the label and the dataset; a model of clean data opens. */
static void refused_at_load_by_id(void **state)
{
	(void)state;
	char uri[1200], want[200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained bad = train(st, 1), good = train(st, 2);
	classify(st, bad.dataset, "POISONED", "mislabelled", 0);
	mlmd_scorer *s;
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: POISONED on artifact %lld, 2 hops "
		"upstream: mislabelled", (long long)bad.model, (long long)bad.dataset);
	FAILS(open_scorer(&s, uri, bad.model, NULL, MLMD_GATE_STOP), MLMD_FAILED_PRECONDITION, want);
	assert_null(s);
	OK(open_scorer(&s, uri, good.model, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 2.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* By registry reference: NAME@ALIAS and NAME/VERSION on a blocked version
 * are refused with the reference in the message; the other version opens. */
static void refused_at_load_by_reference(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained v1 = train(st, 1), v2 = train(st, 2);
	Mlmd__Pb__Governance__CreateRegisteredModelRequest cm = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *cmr;
	cm.name = "iris";
	OK(GOV(st, "CreateRegisteredModel", &cm, create_registered_model_response, &cmr));
	protobuf_c_message_free_unpacked(&cmr->base, NULL);
	int64_t arts[2] = { v1.model, v2.model };
	for (int i = 0; i < 2; i++) {
		Mlmd__Pb__Governance__CreateModelVersionRequest rq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
		Mlmd__Pb__Governance__CreateModelVersionResponse *rs;
		rq.model_name = "iris";
		rq.has_artifact_id = 1;
		rq.artifact_id = arts[i];
		OK(GOV(st, "CreateModelVersion", &rq, create_model_version_response, &rs));
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	}
	Mlmd__Pb__Governance__AliasMove m = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &m;
	m.alias = "prod";
	m.has_version = 1;
	m.version = 1;
	Mlmd__Pb__Governance__SetAliasesRequest sa = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Mlmd__Pb__Governance__SetAliasesResponse *sar;
	sa.model_name = "iris";
	sa.n_moves = 1;
	sa.moves = &mp;
	OK(GOV(st, "SetAliases", &sa, set_aliases_response, &sar));
	protobuf_c_message_free_unpacked(&sar->base, NULL);
	classify(st, v1.dataset, "EXPIRED", "licence ended", 0);
	mlmd_scorer *s;
	char want[200];
	snprintf(want, sizeof want, "EXPIRED on artifact %lld, 2 hops upstream: licence ended", (long long)v1.dataset);
	FAILS(open_scorer(&s, uri, 0, "iris@prod", MLMD_GATE_STOP), MLMD_FAILED_PRECONDITION, want);
	assert_non_null(strstr(mlmd_error_message(), "iris@prod"));
	assert_null(s);
	FAILS(open_scorer(&s, uri, 0, "iris/1", MLMD_GATE_RECORD), MLMD_FAILED_PRECONDITION, want);
	OK(open_scorer(&s, uri, 0, "iris/2", MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 2.0f);
	/* a swap by reference to the blocked version leaves version 2 serving */
	FAILS(mlmd_scorer_swap_ref(s, "iris@prod"), MLMD_FAILED_PRECONDITION, want);
	assert_int_equal(mlmd_scorer_artifact_id(s), v2.model);
	assert_int_equal(mlmd_scorer_model_version(s), 2);
	assert_true(tag_of(c) == 2.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* ---- at a hot swap --------------------------------------------------------------------------- */

/* A swap to a blocked model fails and the old one keeps serving (scores
 * unchanged, the execution linked to no blocked model); a swap to an
 * allowed one goes through. */
static void blocked_swap_keeps_the_old_model(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1), b = train(st, 2), c3 = train(st, 3);
	classify(st, b.dataset, "RESTRICTED", "consent withdrawn", 0);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 1.0f);
	char want[200];
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: RESTRICTED on artifact %lld",
		(long long)b.model, (long long)b.dataset);
	FAILS(mlmd_scorer_swap(s, b.model), MLMD_FAILED_PRECONDITION, want);
	assert_int_equal(mlmd_scorer_artifact_id(s), a.model);
	assert_true(tag_of(c) == 1.0f);
	assert_false(mlmd_scorer_gate_stopped(s));
	OK(mlmd_scorer_flush(s));
	assert_true(tag_of(c) == 1.0f);
	OK(mlmd_scorer_swap(s, c3.model));
	assert_true(tag_of(c) == 3.0f);
	/* the serving execution read a and c3, never b */
	int64_t exec = mlmd_scorer_execution_id(s);
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &exec;
	OK(mlmd_store_get_events_by_execution_ids(st, &rq, &rs));
	assert_int_equal(rs->n_events, 2);
	for (size_t i = 0; i < rs->n_events; i++)
		assert_int_not_equal(rs->events[i]->artifact_id, b.model);
	mlmd_message_free(rs);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* ---- while serving ----------------------------------------------------------------------------- */

/* Policy stop: the data is labelled POISONED while the model serves; scoring
 * goes on until the next flush, then every call fails naming the label and
 * its source; the violation is on the execution. Removing the label lets
 * the next flush resume; labelling again stops again; a swap to an allowed
 * model resumes at once. */
static void stop_at_flush(void **state)
{
	(void)state;
	char uri[1200], got[400], want[200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1), b = train(st, 2);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 1.0f);
	OK(mlmd_scorer_flush(s));
	assert_int_equal(mlmd_scorer_gate_violations(s), 0);
	classify(st, a.dataset, "POISONED", "backdoor trigger found", 0);
	assert_true(tag_of(c) == 1.0f); /* not flushed yet */
	OK(mlmd_scorer_flush(s));
	assert_true(mlmd_scorer_gate_stopped(s));
	assert_int_equal(mlmd_scorer_gate_violations(s), 1);
	float t;
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: POISONED on artifact %lld, 2 hops "
		"upstream: backdoor trigger found", (long long)a.model, (long long)a.dataset);
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, want);
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, want);
	/* a second context is refused the same way */
	mlmd_scorer_ctx *c2;
	OK(mlmd_scorer_ctx_new(s, &c2));
	FAILS(score_one(c2, &t), MLMD_FAILED_PRECONDITION, want);
	int64_t exec = mlmd_scorer_execution_id(s);
	exec_custom(st, exec, "mlmd.gate_violation", got, sizeof got);
	assert_string_equal(got, want);
	exec_custom(st, exec, "mlmd.gate_violations", got, sizeof got);
	assert_string_equal(got, "1");
	/* the label removed: the next flush finds the model allowed and scoring resumes */
	unclassify(st, a.dataset, "POISONED");
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, want);
	OK(mlmd_scorer_flush(s));
	assert_false(mlmd_scorer_gate_stopped(s));
	assert_true(tag_of(c) == 1.0f);
	/* labelled again: stopped again; a swap to a clean model serves at once */
	classify(st, a.dataset, "POISONED", "backdoor trigger found", 0);
	OK(mlmd_scorer_flush(s));
	FAILS(score_one(c2, &t), MLMD_FAILED_PRECONDITION, want);
	assert_int_equal(mlmd_scorer_gate_violations(s), 2);
	OK(mlmd_scorer_swap(s, b.model));
	assert_false(mlmd_scorer_gate_stopped(s));
	assert_true(tag_of(c) == 2.0f);
	assert_true(tag_of(c2) == 2.0f);
	OK(mlmd_scorer_flush(s));
	assert_true(tag_of(c) == 2.0f);
	/* the violations stay on the record */
	exec_custom(st, exec, "mlmd.gate_violations", got, sizeof got);
	assert_string_equal(got, "2");
	mlmd_scorer_ctx_free(c);
	mlmd_scorer_ctx_free(c2);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* Policy record: the model keeps serving (scores correct) and each flush
 * that finds it blocked is counted on the serving execution. */
static void record_at_flush(void **state)
{
	(void)state;
	char uri[1200], got[400], want[200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 4);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_RECORD));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 4.0f);
	int64_t exec = mlmd_scorer_execution_id(s);
	exec_custom(st, exec, "mlmd.gate_violation", got, sizeof got);
	assert_string_equal(got, "");
	classify(st, a.dataset, "POISONED", "duplicated test rows", 0);
	OK(mlmd_scorer_flush(s));
	assert_false(mlmd_scorer_gate_stopped(s));
	assert_true(tag_of(c) == 4.0f);
	OK(mlmd_scorer_flush(s));
	assert_true(tag_of(c) == 4.0f);
	assert_int_equal(mlmd_scorer_gate_violations(s), 2);
	snprintf(want, sizeof want, "artifact %lld is blocked by the serving gate: POISONED on artifact %lld, 2 hops "
		"upstream: duplicated test rows", (long long)a.model, (long long)a.dataset);
	exec_custom(st, exec, "mlmd.gate_violation", got, sizeof got);
	assert_string_equal(got, want);
	exec_custom(st, exec, "mlmd.gate_violations", got, sizeof got);
	assert_string_equal(got, "2");
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s)); /* the close's flush finds it too */
	exec_custom(st, exec, "mlmd.gate_violations", got, sizeof got);
	assert_string_equal(got, "3");
	mlmd_store_free(st);
}

/* A scorer that records nothing still checks at every explicit flush. */
static void unrecorded_scorer_checks_at_flush(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1);
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = a.model;
	o.no_recording = 1;
	mlmd_scorer *s;
	OK(mlmd_scorer_open(&s, &o));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 1.0f);
	classify(st, a.dataset, "POISONED", NULL, 0);
	OK(mlmd_scorer_flush(s));
	float t;
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, "is blocked by the serving gate: POISONED");
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* The model served is deleted (a tombstone cannot be served): the next
 * flush counts it as blocked and stops the scorer; a swap to a live model
 * resumes. */
static void deleted_model_stops_at_flush(void **state)
{
	(void)state;
	char uri[1200], want[100];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1), b = train(st, 2);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 1.0f);
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	Mlmd__Pb__Governance__DeleteNodesResponse *rs;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.n_ids = 1;
	rq.ids = &a.model;
	rq.reason = "withdrawn";
	OK(GOV(st, "DeleteNodes", &rq, delete_nodes_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	assert_true(tag_of(c) == 1.0f);
	OK(mlmd_scorer_flush(s));
	assert_true(mlmd_scorer_gate_stopped(s));
	float t;
	snprintf(want, sizeof want, "%lld", (long long)a.model);
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, want);
	OK(mlmd_scorer_swap(s, b.model));
	assert_true(tag_of(c) == 2.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* ---- what blocks ------------------------------------------------------------------------------ */

/* A label past its until-time does not block; one until tomorrow does. */
static void expired_label_does_not_block(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1), b = train(st, 2);
	int64_t day = 86400000;
	classify(st, a.dataset, "POISONED", "until yesterday", wall_ms() - day);
	classify(st, b.dataset, "POISONED", "until tomorrow", wall_ms() + day);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_STOP));
	FAILS(mlmd_scorer_swap(s, b.model), MLMD_FAILED_PRECONDITION, "POISONED");
	OK(mlmd_scorer_flush(s));
	assert_false(mlmd_scorer_gate_stopped(s));
	OK(mlmd_scorer_free(s));
	FAILS(open_scorer(&s, uri, b.model, NULL, MLMD_GATE_STOP), MLMD_FAILED_PRECONDITION, "until tomorrow");
	mlmd_store_free(st);
}

/* A label outside the gate list (PII) does not block, until the list names
 * it; a label the list no longer names stops blocking; an empty list gates
 * nothing. A scorer serving then stops at its next flush. */
static void the_gate_list_decides(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1), b = train(st, 2);
	classify(st, a.dataset, "PII", "emails in column 3", 0);
	classify(st, b.dataset, "POISONED", NULL, 0);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a.model, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 1.0f);
	FAILS(mlmd_scorer_swap(s, b.model), MLMD_FAILED_PRECONDITION, "POISONED");
	set_gate(st, 1, (const char *const[]){ "PII" });
	assert_true(tag_of(c) == 1.0f);
	OK(mlmd_scorer_flush(s));
	float t;
	FAILS(score_one(c, &t), MLMD_FAILED_PRECONDITION, "PII on artifact");
	OK(mlmd_scorer_swap(s, b.model)); /* POISONED is no longer gated */
	assert_true(tag_of(c) == 2.0f);
	set_gate(st, 0, NULL);
	OK(mlmd_scorer_swap(s, a.model));
	assert_true(tag_of(c) == 1.0f);
	OK(mlmd_scorer_flush(s));
	assert_true(tag_of(c) == 1.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* ---- options and old stores --------------------------------------------------------------------- */

static void policy_is_checked(void **state)
{
	(void)state;
	char uri[1200];
	mlmd_store *st = open_shared(uri, sizeof uri);
	trained a = train(st, 1);
	mlmd_scorer *s;
	FAILS(open_scorer(&s, uri, a.model, NULL, 2), MLMD_INVALID_ARGUMENT, "gate_policy 2");
	assert_null(s);
	/* options of version 3 (before gate_policy) stop by default */
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.version = 3;
	o.store_uri = uri;
	o.artifact_id = a.model;
	o.gate_policy = 7; /* not read */
	OK(mlmd_scorer_open(&s, &o));
	classify(st, a.dataset, "POISONED", NULL, 0);
	OK(mlmd_scorer_flush(s));
	assert_true(mlmd_scorer_gate_stopped(s));
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* A store at schema version 4, opened without upgrade, has no gate: its
 * models are served unchecked (SQLite file; the version is set back by SQL). */
static void old_store_is_served_unchecked(void **state)
{
	(void)state;
	char db[600], uri[700], path[600];
	snprintf(db, sizeof db, "%s/old%d.db", dir, counter++);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store *st = open_file(db);
	snprintf(path, sizeof path, "%s/old%d.onnx", dir, counter++);
	write_tag_model(path, 5);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = path;
	ro.name = "old";
	int64_t id;
	OK(mlmd_model_record(st, &ro, &id));
	mlmd_store_free(st);
	sqlite_back_to_v4(db);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, id, NULL, MLMD_GATE_STOP));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(tag_of(c) == 5.0f);
	OK(mlmd_scorer_flush(s));
	assert_true(tag_of(c) == 5.0f);
	OK(mlmd_scorer_swap(s, id));
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	OK(mlmd_store_open(&st, &o));
	assert_int_equal(mlmd_store_schema_version(st), 4);
	FAILS(mlmd_gate_check(st, id, NULL), MLMD_FAILED_PRECONDITION, "version 5");
	mlmd_store_free(st);
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_names_label_and_source),
		cmocka_unit_test(refused_at_load_by_id),
		cmocka_unit_test(refused_at_load_by_reference),
		cmocka_unit_test(blocked_swap_keeps_the_old_model),
		cmocka_unit_test(stop_at_flush),
		cmocka_unit_test(record_at_flush),
		cmocka_unit_test(unrecorded_scorer_checks_at_flush),
		cmocka_unit_test(deleted_model_stops_at_flush),
		cmocka_unit_test(expired_label_does_not_block),
		cmocka_unit_test(the_gate_list_decides),
		cmocka_unit_test(policy_is_checked),
		cmocka_unit_test(old_store_is_served_unchecked),
	};
	return cmocka_run_group_tests(tests, serving_dir_setup, serving_dir_teardown);
}

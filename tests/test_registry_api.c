/*
 * The C registry and audit API (mlmd/registry.h, mlmd/audit.h) end to end,
 * on every backend (MLMD_TEST_BACKEND): models and versions created and
 * read back as C structs (tags, creator, the artifact's uri and digest),
 * the model list, version tags, direct alias moves (a swap in one call)
 * with the history entries they return, policies refusing direct moves,
 * the request and approval flow with the actor switched on the handle
 * (self-approval, double approval, N distinct approvers, rejection), and
 * the audit log read in pages, checkpoints as text and back, and verify
 * with a good and a wrong checkpoint. Argument errors name what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"

/* A model artifact with the property digest = sha256:<hex> (as `mlmd model
 * add` records it) and, when not NULL, the custom property validation. */
static int64_t model_artifact(mlmd_store *s, const char *uri, const char *validation)
{
	int64_t type = artifact_type(s, "Model", 1, "digest", MLMD__PB__PROPERTY_TYPE__STRING);
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	OK(mlmd_node_set_string(a, 0, "digest",
		"sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
	if (validation)
		OK(mlmd_node_set_string(a, 1, "validation", validation));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));

	return id;
}

/* A model with n versions of one artifact; returns the artifact's id. */
static int64_t model_with_versions(mlmd_store *s, const char *name, int n)
{
	int64_t art = model_artifact(s, "file:///models/m.onnx", NULL);
	OK(mlmd_registry_create_model(s, name, NULL, NULL, 0, NULL));
	for (int i = 1; i <= n; i++) {
		int64_t v = 0;
		OK(mlmd_registry_create_version(s, name, art, 0, NULL, NULL, 0, &v));
		assert_int_equal(v, i);
	}
	return art;
}

static const char *tag_of(const mlmd_tag *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return t[i].value;
	return NULL;
}

static void models_and_versions_read_back_as_c(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t art = model_artifact(s, "file:///models/iris.onnx", NULL);
	mlmd_tag mtags[] = { { "team", "vision" }, { "owner", "alice" } };
	int64_t ctx = 0;
	OK(mlmd_registry_create_model(s, "iris", "the iris classifier", mtags, 2, &ctx));
	assert_true(ctx > 0);
	FAILS(mlmd_registry_create_model(s, "iris", NULL, NULL, 0, NULL), MLMD_ALREADY_EXISTS, "iris");
	FAILS(mlmd_registry_create_model(s, "a/b", NULL, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "a/b");
	OK(mlmd_registry_create_model(s, "alpha", NULL, NULL, 0, NULL));

	mlmd_tag vtags[] = { { "validation", "passed" } };
	int64_t v1 = 0, v2 = 0;
	OK(mlmd_registry_create_version(s, "iris", art, 0, "first", vtags, 1, &v1));
	OK(mlmd_store_set_actor(s, "bob"));
	OK(mlmd_registry_create_version(s, "iris", art, 0, NULL, NULL, 0, &v2));
	assert_int_equal(v1, 1);
	assert_int_equal(v2, 2);
	FAILS(mlmd_registry_create_version(s, "iris", 999999, 0, NULL, NULL, 0, NULL), MLMD_NOT_FOUND, "999999");
	FAILS(mlmd_registry_create_version(s, "nope", art, 0, NULL, NULL, 0, NULL), MLMD_NOT_FOUND, "nope");

	mlmd_tag set[] = { { "stage", "candidate" } };
	const char *del[] = { "validation" };
	OK(mlmd_registry_set_version_tags(s, "iris", 1, set, 1, del, 1));
	OK(mlmd_registry_update_model(s, "iris", "the iris model", NULL, 0, (const char *[]){ "owner" }, 1));

	mlmd_registered_model *m = NULL;
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_string_equal(m->name, "iris");
	assert_string_equal(m->description, "the iris model");
	assert_int_equal(m->context_id, ctx);
	assert_int_equal(m->latest_version, 2);
	assert_int_equal(m->n_tags, 1);
	assert_string_equal(tag_of(m->tags, m->n_tags, "team"), "vision");
	assert_int_equal(m->n_versions, 2);
	const mlmd_registry_version *a = &m->versions[0], *b = &m->versions[1];
	assert_int_equal(a->version, 1);
	assert_int_equal(a->artifact_id, art);
	assert_int_equal(a->run_id, 0);
	assert_string_equal(a->description, "first");
	assert_string_equal(a->creator, "alice");
	assert_string_equal(b->creator, "bob");
	assert_string_equal(b->description, "");
	assert_true(a->create_time_ms > 0 && a->create_time_ms <= b->create_time_ms);
	assert_true(a->context_id > 0 && a->context_id != b->context_id);
	assert_int_equal(a->n_tags, 1);
	assert_string_equal(tag_of(a->tags, a->n_tags, "stage"), "candidate");
	assert_null(tag_of(a->tags, a->n_tags, "validation"));
	assert_string_equal(a->uri, "file:///models/iris.onnx");
	assert_string_equal(a->sha256, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	assert_int_equal(m->n_aliases, 0);
	assert_int_equal(m->n_policies, 0);
	assert_int_equal(m->n_open_requests, 0);
	mlmd_registered_model_free(m);

	mlmd_registered_model_list *l = NULL;
	OK(mlmd_registry_list_models(&l, s));
	assert_int_equal(l->n, 2);
	assert_string_equal(l->models[0].name, "alpha");
	assert_string_equal(l->models[1].name, "iris");
	assert_int_equal(l->models[1].latest_version, 2);
	assert_int_equal(l->models[0].latest_version, 0);
	assert_int_equal(l->models[1].n_versions, 0); /* the lists are get_model's only */
	mlmd_registered_model_list_free(l);

	FAILS(mlmd_registry_get_model(&m, s, "nope"), MLMD_NOT_FOUND, "nope");
	assert_null(m);
	mlmd_store_free(s);
}

static void aliases_move_together_and_are_kept_in_history(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "carol"));
	model_with_versions(s, "iris", 3);
	OK(mlmd_registry_set_alias(s, "iris", "champion", 1));
	OK(mlmd_registry_set_alias(s, "iris", "challenger", 2));
	/* the swap: one call, two moves */
	mlmd_alias_move swap[] = { { "champion", 2 }, { "challenger", 1 } };
	mlmd_alias_history *moved = NULL;
	OK(mlmd_registry_set_aliases(s, "iris", swap, 2, &moved));
	assert_int_equal(moved->n, 2);
	assert_string_equal(moved->entries[0].alias, "champion");
	assert_int_equal(moved->entries[0].old_version, 1);
	assert_int_equal(moved->entries[0].new_version, 2);
	assert_string_equal(moved->entries[1].alias, "challenger");
	assert_int_equal(moved->entries[1].old_version, 2);
	assert_int_equal(moved->entries[1].new_version, 1);
	assert_string_equal(moved->entries[0].actor, "carol");
	assert_int_equal(moved->entries[0].request_id, 0);
	assert_int_equal(moved->entries[0].time_ms, moved->entries[1].time_ms);
	mlmd_alias_history_free(moved);
	/* a move to a version that does not exist moves nothing, not even the other alias */
	mlmd_alias_move bad[] = { { "champion", 3 }, { "challenger", 9 } };
	FAILS(mlmd_registry_set_aliases(s, "iris", bad, 2, NULL), MLMD_NOT_FOUND, "9");
	OK(mlmd_registry_delete_alias(s, "iris", "challenger"));
	FAILS(mlmd_registry_set_alias(s, "iris", "prod", 0), MLMD_INVALID_ARGUMENT, "version 0");
	FAILS(mlmd_registry_set_alias(s, "iris", "latest", 1), MLMD_INVALID_ARGUMENT, "latest");

	mlmd_registered_model *m = NULL;
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_int_equal(m->n_aliases, 1);
	assert_string_equal(m->aliases[0].alias, "champion");
	assert_int_equal(m->aliases[0].version, 2);
	assert_int_equal(m->versions[1].n_aliases, 1);
	assert_string_equal(m->versions[1].aliases[0], "champion");
	assert_int_equal(m->versions[0].n_aliases, 0);
	mlmd_registered_model_free(m);

	mlmd_alias_history *h = NULL;
	OK(mlmd_registry_history(&h, s, "iris", NULL));
	assert_int_equal(h->n, 5);
	static const char *const alias[] = { "champion", "challenger", "champion", "challenger", "challenger" };
	static const int64_t from[] = { 0, 0, 1, 2, 1 }, to[] = { 1, 2, 2, 1, 0 };
	for (size_t i = 0; i < h->n; i++) {
		assert_string_equal(h->entries[i].alias, alias[i]);
		assert_string_equal(h->entries[i].model_name, "iris");
		assert_int_equal(h->entries[i].old_version, from[i]);
		assert_int_equal(h->entries[i].new_version, to[i]);
		if (i)
			assert_true(h->entries[i].time_ms >= h->entries[i - 1].time_ms);
	}
	mlmd_alias_history_free(h);
	OK(mlmd_registry_history(&h, s, "iris", "champion"));
	assert_int_equal(h->n, 2);
	mlmd_alias_history_free(h);
	mlmd_store_free(s);
}

static void a_policy_refuses_direct_moves(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	model_with_versions(s, "iris", 2);
	OK(mlmd_registry_set_alias(s, "iris", "prod", 1));
	mlmd_tag req[] = { { "validation", "passed" } };
	OK(mlmd_store_set_actor(s, "admin"));
	OK(mlmd_registry_set_policy(s, "iris", "prod", 2, req, 1));
	FAILS(mlmd_registry_set_alias(s, "iris", "prod", 2), MLMD_FAILED_PRECONDITION, "policy");
	FAILS(mlmd_registry_delete_alias(s, "iris", "prod"), MLMD_FAILED_PRECONDITION, "policy");
	/* a swap with one governed alias moves neither */
	mlmd_alias_move swap[] = { { "staging", 1 }, { "prod", 2 } };
	FAILS(mlmd_registry_set_aliases(s, "iris", swap, 2, NULL), MLMD_FAILED_PRECONDITION, "prod");

	mlmd_registered_model *m = NULL;
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_int_equal(m->n_aliases, 1);
	assert_int_equal(m->aliases[0].version, 1);
	assert_int_equal(m->n_policies, 1);
	assert_string_equal(m->policies[0].alias, "prod");
	assert_int_equal(m->policies[0].approvals, 2);
	assert_int_equal(m->policies[0].n_require, 1);
	assert_string_equal(m->policies[0].require[0].key, "validation");
	assert_string_equal(m->policies[0].require[0].value, "passed");
	assert_string_equal(m->policies[0].actor, "admin");
	assert_true(m->policies[0].time_ms > 0);
	mlmd_registered_model_free(m);

	OK(mlmd_registry_delete_policy(s, "iris", "prod"));
	FAILS(mlmd_registry_delete_policy(s, "iris", "prod"), MLMD_NOT_FOUND, "prod");
	OK(mlmd_registry_set_alias(s, "iris", "prod", 2));
	mlmd_store_free(s);
}

static void arguments_are_checked_before_any_call(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	FAILS(mlmd_registry_create_model(NULL, "x", NULL, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_registry_create_model(s, NULL, NULL, NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "name is NULL");
	FAILS(mlmd_registry_create_model(s, "x", NULL, NULL, 2, NULL), MLMD_INVALID_ARGUMENT, "NULL");
	mlmd_tag empty_key[] = { { "", "v" } };
	FAILS(mlmd_registry_create_model(s, "x", NULL, empty_key, 1, NULL), MLMD_INVALID_ARGUMENT, "key is empty");
	FAILS(mlmd_registry_set_aliases(s, "x", NULL, 0, NULL), MLMD_INVALID_ARGUMENT, "no alias moves");
	mlmd_alias_move neg[] = { { "prod", -1 } };
	FAILS(mlmd_registry_set_aliases(s, "x", neg, 1, NULL), MLMD_INVALID_ARGUMENT, "negative");
	FAILS(mlmd_registry_set_policy(s, "x", NULL, 1, NULL, 0), MLMD_INVALID_ARGUMENT, "alias is NULL");
	mlmd_registered_model *m = (void *)1;
	FAILS(mlmd_registry_get_model(&m, s, NULL), MLMD_INVALID_ARGUMENT, "name is NULL");
	assert_null(m);
	assert_string_equal(mlmd_request_status_name(MLMD_REQUEST_PENDING), "pending");
	assert_string_equal(mlmd_request_status_name(MLMD_REQUEST_APPROVED), "approved");
	assert_string_equal(mlmd_request_status_name(MLMD_REQUEST_REJECTED), "rejected");
	assert_string_equal(mlmd_request_status_name(MLMD_REQUEST_SUPERSEDED), "superseded");
	assert_string_equal(mlmd_request_status_name((mlmd_request_status)7), "unknown");
	/* the frees take NULL */
	mlmd_registered_model_free(NULL);
	mlmd_registered_model_list_free(NULL);
	mlmd_alias_history_free(NULL);
	mlmd_alias_request_list_free(NULL);
	mlmd_audit_log_free(NULL);
	mlmd_audit_verdict_free(NULL);
	/* nothing was written: the log is empty */
	mlmd_audit_checkpoint cp;
	OK(mlmd_audit_checkpoint_get(s, &cp));
	assert_int_equal(cp.seq, 0);
	mlmd_store_free(s);
}

/* ---- requests and approvals ---------------------------------------------------------------- */

static void requests_need_distinct_approvers_other_than_the_requester(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	model_with_versions(s, "iris", 3);
	mlmd_tag passed[] = { { "validation", "passed" } };
	OK(mlmd_registry_set_version_tags(s, "iris", 2, passed, 1, NULL, 0));
	OK(mlmd_registry_set_alias(s, "iris", "prod", 1));
	OK(mlmd_store_set_actor(s, "admin"));
	OK(mlmd_registry_set_policy(s, "iris", "prod", 2, passed, 1));

	/* a requirement that does not hold: refused, nothing recorded */
	OK(mlmd_store_set_actor(s, "alice"));
	mlmd_alias_move to3 = { "prod", 3 }, to2 = { "prod", 2 };
	mlmd_request_state st;
	FAILS(mlmd_registry_request(s, "iris", &to3, 1, NULL, &st), MLMD_FAILED_PRECONDITION, "validation");

	OK(mlmd_registry_request(s, "iris", &to2, 1, "ship v2", &st));
	int64_t id = st.request_id;
	assert_true(id > 0);
	assert_int_equal(st.status, MLMD_REQUEST_PENDING);
	assert_int_equal(st.approvals, 0);
	assert_int_equal(st.approvals_needed, 2);
	/* the requester cannot approve */
	FAILS(mlmd_registry_approve(s, id, NULL, &st), MLMD_PERMISSION_DENIED, "alice");
	/* bob twice counts once */
	OK(mlmd_store_set_actor(s, "bob"));
	OK(mlmd_registry_approve(s, id, "looks good", &st));
	assert_int_equal(st.status, MLMD_REQUEST_PENDING);
	assert_int_equal(st.approvals, 1);
	OK(mlmd_registry_approve(s, id, NULL, &st));
	assert_int_equal(st.approvals, 1);

	mlmd_registered_model *m = NULL;
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_int_equal(m->aliases[0].version, 1); /* not moved yet */
	assert_int_equal(m->n_open_requests, 1);
	const mlmd_alias_request *r = &m->open_requests[0];
	assert_int_equal(r->request_id, id);
	assert_string_equal(r->model_name, "iris");
	assert_string_equal(r->requester, "alice");
	assert_string_equal(r->comment, "ship v2");
	assert_int_equal(r->n_moves, 1);
	assert_string_equal(r->moves[0].alias, "prod");
	assert_int_equal(r->moves[0].version, 2);
	assert_int_equal(r->approvals_count, 1);
	assert_int_equal(r->approvals_needed, 2);
	assert_true(r->n_approvals >= 1);
	assert_string_equal(r->approvals[0].actor, "bob");
	assert_true(r->approvals[0].approve);
	assert_int_equal(r->decide_time_ms, 0);
	mlmd_registered_model_free(m);

	/* the second distinct approver moves the alias in the same call */
	OK(mlmd_store_set_actor(s, "carol"));
	OK(mlmd_registry_approve(s, id, NULL, &st));
	assert_int_equal(st.status, MLMD_REQUEST_APPROVED);
	assert_int_equal(st.approvals, 2);
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_int_equal(m->aliases[0].version, 2);
	assert_int_equal(m->n_open_requests, 0);
	mlmd_registered_model_free(m);
	/* an approved request is decided */
	OK(mlmd_store_set_actor(s, "dave"));
	FAILS(mlmd_registry_approve(s, id, NULL, &st), MLMD_FAILED_PRECONDITION, "approved");

	mlmd_alias_history *h = NULL;
	OK(mlmd_registry_history(&h, s, "iris", "prod"));
	assert_int_equal(h->n, 2);
	const mlmd_alias_history_entry *e = &h->entries[1];
	assert_int_equal(e->old_version, 1);
	assert_int_equal(e->new_version, 2);
	assert_int_equal(e->request_id, id);
	assert_string_equal(e->actor, "carol");
	assert_int_equal(e->n_approvers, 2);
	assert_string_equal(e->approvers[0], "bob");
	assert_string_equal(e->approvers[1], "carol");
	mlmd_alias_history_free(h);

	mlmd_alias_request_list *l = NULL;
	OK(mlmd_registry_requests(&l, s, "iris", 0, 0));
	assert_int_equal(l->n, 1);
	assert_int_equal(l->requests[0].status, MLMD_REQUEST_APPROVED);
	assert_true(l->requests[0].decide_time_ms >= l->requests[0].create_time_ms);
	mlmd_alias_request_list_free(l);
	OK(mlmd_registry_requests(&l, s, NULL, 0, 1));
	assert_int_equal(l->n, 0);
	mlmd_alias_request_list_free(l);
	mlmd_store_free(s);
}

static void a_rejected_request_cannot_be_approved(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	model_with_versions(s, "iris", 2);
	OK(mlmd_registry_set_policy(s, "iris", "prod", 1, NULL, 0));
	OK(mlmd_store_set_actor(s, "alice"));
	mlmd_alias_move to2 = { "prod", 2 };
	mlmd_request_state st;
	OK(mlmd_registry_request(s, "iris", &to2, 1, NULL, &st));
	int64_t id = st.request_id;
	OK(mlmd_store_set_actor(s, "bob"));
	OK(mlmd_registry_reject(s, id, "not yet", &st));
	assert_int_equal(st.status, MLMD_REQUEST_REJECTED);
	OK(mlmd_store_set_actor(s, "carol"));
	FAILS(mlmd_registry_approve(s, id, NULL, &st), MLMD_FAILED_PRECONDITION, "rejected");
	mlmd_alias_request_list *l = NULL;
	OK(mlmd_registry_requests(&l, s, NULL, id, 0));
	assert_int_equal(l->n, 1);
	const mlmd_alias_request *r = &l->requests[0];
	assert_int_equal(r->status, MLMD_REQUEST_REJECTED);
	assert_true(r->n_approvals >= 1);
	assert_string_equal(r->approvals[r->n_approvals - 1].actor, "bob");
	assert_false(r->approvals[r->n_approvals - 1].approve);
	assert_string_equal(r->approvals[r->n_approvals - 1].comment, "not yet");
	mlmd_alias_request_list_free(l);
	FAILS(mlmd_registry_approve(s, 424242, NULL, &st), MLMD_NOT_FOUND, "424242");
	/* without a policy a request applies at once */
	mlmd_alias_move staging = { "staging", 1 };
	OK(mlmd_registry_request(s, "iris", &staging, 1, NULL, &st));
	assert_int_equal(st.status, MLMD_REQUEST_APPROVED);
	mlmd_registered_model *m = NULL;
	OK(mlmd_registry_get_model(&m, s, "iris"));
	assert_int_equal(m->n_aliases, 1);
	assert_string_equal(m->aliases[0].alias, "staging");
	mlmd_registered_model_free(m);
	mlmd_store_free(s);
}

/* ---- the audit log ------------------------------------------------------------------------ */

static void the_audit_log_reads_in_pages_and_verifies(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "dave"));
	model_with_versions(s, "iris", 3); /* type, artifact, model, 3 versions: 6 writes */
	mlmd_audit_log *log = NULL;
	OK(mlmd_audit_log_read(&log, s, 0, 0));
	assert_int_equal(log->n, 6);
	assert_int_equal(log->last_seq, 6);
	static const char *const ops[] = { "PutArtifactType", "PutArtifacts", "CreateRegisteredModel",
		"CreateModelVersion", "CreateModelVersion", "CreateModelVersion" };
	for (size_t i = 0; i < log->n; i++) {
		const mlmd_audit_record *r = &log->records[i];
		assert_int_equal(r->seq, (int64_t)i + 1);
		assert_string_equal(r->operation, ops[i]);
		assert_string_equal(r->actor, "dave");
		assert_int_equal(strlen(r->hash), 64);
		assert_int_equal(strlen(r->request_sha256), 64);
		assert_string_equal(r->prev_hash, i ? log->records[i - 1].hash :
			"0000000000000000000000000000000000000000000000000000000000000000");
		assert_true(r->time_ms > 0);
	}
	char last_hash[65];
	snprintf(last_hash, sizeof last_hash, "%s", log->records[5].hash);
	mlmd_audit_log_free(log);
	/* pages: two records after record 2, then the rest */
	OK(mlmd_audit_log_read(&log, s, 2, 2));
	assert_int_equal(log->n, 2);
	assert_int_equal(log->records[0].seq, 3);
	assert_int_equal(log->records[1].seq, 4);
	mlmd_audit_log_free(log);
	OK(mlmd_audit_log_read(&log, s, 6, 0));
	assert_int_equal(log->n, 0);
	assert_int_equal(log->last_seq, 6);
	mlmd_audit_log_free(log);
	FAILS(mlmd_audit_log_read(&log, s, 0, 10001), MLMD_INVALID_ARGUMENT, "max_results");

	/* reading appended nothing; the checkpoint is the last record */
	mlmd_audit_checkpoint cp, back;
	OK(mlmd_audit_checkpoint_get(s, &cp));
	assert_int_equal(cp.seq, 6);
	assert_string_equal(cp.hash, last_hash);
	char text[MLMD_AUDIT_CHECKPOINT_TEXT_MAX], want[100];
	OK(mlmd_audit_checkpoint_format(&cp, text, sizeof text));
	snprintf(want, sizeof want, "6:%s", last_hash);
	assert_string_equal(text, want);
	FAILS(mlmd_audit_checkpoint_format(&cp, text, 10), MLMD_INVALID_ARGUMENT, "too few");
	assert_string_equal(text, "");
	OK(mlmd_audit_checkpoint_parse(want, &back));
	assert_int_equal(back.seq, 6);
	assert_string_equal(back.hash, last_hash);

	mlmd_audit_verdict *v = NULL;
	OK(mlmd_audit_verify(s, NULL, &v));
	assert_true(v->intact);
	assert_int_equal(v->records, 6);
	assert_int_equal(v->last_seq, 6);
	assert_string_equal(v->last_hash, last_hash);
	assert_string_equal(v->reason, "");
	mlmd_audit_verdict_free(v);
	OK(mlmd_audit_verify(s, &cp, &v));
	assert_true(v->intact);
	mlmd_audit_verdict_free(v);
	/* a checkpoint whose hash is not the record's: the log was rewritten */
	mlmd_audit_checkpoint wrong = cp;
	wrong.seq = 3;
	OK(mlmd_audit_verify(s, &wrong, &v));
	assert_false(v->intact);
	assert_int_equal(v->first_bad_seq, 3);
	assert_non_null(strstr(v->reason, "checkpoint"));
	mlmd_audit_verdict_free(v);
	/* a checkpoint beyond the log */
	wrong.seq = 40;
	OK(mlmd_audit_verify(s, &wrong, &v));
	assert_false(v->intact);
	assert_int_equal(v->first_bad_seq, 40);
	mlmd_audit_verdict_free(v);
	mlmd_store_free(s);
}

static void checkpoint_text_is_parsed_strictly(void **state)
{
	(void)state;
	mlmd_audit_checkpoint cp;
	char upper[100], text[MLMD_AUDIT_CHECKPOINT_TEXT_MAX];
	snprintf(upper, sizeof upper, "12:%s", "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789");
	OK(mlmd_audit_checkpoint_parse(upper, &cp));
	assert_int_equal(cp.seq, 12);
	assert_string_equal(cp.hash, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	OK(mlmd_audit_checkpoint_format(&cp, text, sizeof text));
	assert_string_equal(text, "12:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	OK(mlmd_audit_checkpoint_parse("0:0000000000000000000000000000000000000000000000000000000000000000", &cp));
	assert_int_equal(cp.seq, 0);
	FAILS(mlmd_audit_checkpoint_parse("0:1000000000000000000000000000000000000000000000000000000000000000", &cp),
		MLMD_INVALID_ARGUMENT, "empty log");
	FAILS(mlmd_audit_checkpoint_parse("", &cp), MLMD_INVALID_ARGUMENT, "SEQ:HASH");
	FAILS(mlmd_audit_checkpoint_parse("-1:00", &cp), MLMD_INVALID_ARGUMENT, "SEQ:HASH");
	FAILS(mlmd_audit_checkpoint_parse("12", &cp), MLMD_INVALID_ARGUMENT, "':'");
	FAILS(mlmd_audit_checkpoint_parse("12:abc", &cp), MLMD_INVALID_ARGUMENT, "64 hex");
	snprintf(upper, sizeof upper, "12:%s ", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	FAILS(mlmd_audit_checkpoint_parse(upper, &cp), MLMD_INVALID_ARGUMENT, "64 hex");
	FAILS(mlmd_audit_checkpoint_parse("99999999999999999999:00", &cp), MLMD_INVALID_ARGUMENT, "too large");
	cp.seq = 1;
	memset(cp.hash, 'x', sizeof cp.hash);
	FAILS(mlmd_audit_checkpoint_format(&cp, text, sizeof text), MLMD_INVALID_ARGUMENT, "not a checkpoint");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(models_and_versions_read_back_as_c),
		cmocka_unit_test(aliases_move_together_and_are_kept_in_history),
		cmocka_unit_test(a_policy_refuses_direct_moves),
		cmocka_unit_test(requests_need_distinct_approvers_other_than_the_requester),
		cmocka_unit_test(a_rejected_request_cannot_be_approved),
		cmocka_unit_test(arguments_are_checked_before_any_call),
		cmocka_unit_test(the_audit_log_reads_in_pages_and_verifies),
		cmocka_unit_test(checkpoint_text_is_parsed_strictly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

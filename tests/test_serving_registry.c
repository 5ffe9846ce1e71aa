/*
 * Scoring by name: registry references parsed (mlmd_registry_is_ref) and
 * resolved (mlmd_registry_resolve, now and as of a time between two alias
 * moves), scorers opened on NAME@ALIAS and NAME/VERSION that serve the
 * version's verified model and record the version and alias in the serving
 * execution, a swap by reference that follows an alias move, and a version
 * whose file no longer matches its digest refused. On every backend
 * (MLMD_TEST_BACKEND); model files are real ONNX files on disk. The registry
 * is set up through its RPCs, packed here and sent with mlmd_store_call().
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
#include "helpers.h"
#include "mlmd/registry.h"
#include "mlmd_governance.pb-c.h"
#include "onnx_build.h"
#include "serving_helpers.h"

static int counter;

/* ---- fixtures ---------------------------------------------------------------------------------- */

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* A fresh store a scorer can open by uri (serving_helpers.h). */
static mlmd_store *open_shared(char *uri, size_t cap)
{
	return open_shared_in(dir, &counter, uri, cap);
}

static int64_t record(mlmd_store *st, const char *path, const char *name)
{
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.name = name;
	int64_t id;
	OK(mlmd_model_record(st, &o, &id));
	return id;
}

/* One registry RPC: packs rq, calls, unpacks into *out (free with
 * protobuf_c_message_free_unpacked). Returns the call's status. */
static int gov(mlmd_store *st, const char *method, const ProtobufCMessage *rq, const ProtobufCMessageDescriptor *d,
	void *out)
{
	int rc;
	*(ProtobufCMessage **)out = test_rpc(st, method, rq, d, &rc);
	return rc;
}

#define GOV(st, method, rq, resp_type, out) \
	gov((st), (method), &(rq)->base, &mlmd__pb__governance__##resp_type##__descriptor, (out))

static void create_model(mlmd_store *st, const char *name)
{
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *rs;
	rq.name = (char *)name;
	OK(GOV(st, "CreateRegisteredModel", &rq, create_registered_model_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

static int64_t add_version(mlmd_store *st, const char *name, int64_t artifact_id)
{
	Mlmd__Pb__Governance__CreateModelVersionRequest rq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	Mlmd__Pb__Governance__CreateModelVersionResponse *rs;
	rq.model_name = (char *)name;
	rq.has_artifact_id = 1;
	rq.artifact_id = artifact_id;
	OK(GOV(st, "CreateModelVersion", &rq, create_model_version_response, &rs));
	assert_non_null(rs->version);
	int64_t v = rs->version->version;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return v;
}

/* Moves one alias directly (SetAliases). */
static void set_alias(mlmd_store *st, const char *name, const char *alias, int64_t version)
{
	Mlmd__Pb__Governance__AliasMove m = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &m;
	m.alias = (char *)alias;
	m.has_version = 1;
	m.version = version;
	Mlmd__Pb__Governance__SetAliasesRequest rq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Mlmd__Pb__Governance__SetAliasesResponse *rs;
	rq.model_name = (char *)name;
	rq.n_moves = 1;
	rq.moves = &mp;
	OK(GOV(st, "SetAliases", &rq, set_aliases_response, &rs));
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

/* The time the store recorded for the alias's last move (GetAliasHistory). */
static int64_t last_move_time(mlmd_store *st, const char *name, const char *alias, int64_t *new_version)
{
	Mlmd__Pb__Governance__GetAliasHistoryRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_HISTORY_REQUEST__INIT;
	Mlmd__Pb__Governance__GetAliasHistoryResponse *rs;
	rq.model_name = (char *)name;
	rq.alias = (char *)alias;
	OK(GOV(st, "GetAliasHistory", &rq, get_alias_history_response, &rs));
	assert_true(rs->n_entries > 0);
	const Mlmd__Pb__Governance__AliasHistoryEntry *e = rs->entries[rs->n_entries - 1];
	int64_t t = e->time_ms;
	*new_version = e->new_version;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return t;
}

/* The serving execution's custom property `name`, as text ("" when absent;
 * ints in decimal). */
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

static int64_t exec_int(mlmd_store *st, int64_t exec_id, const char *name)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &exec_id;
	OK(mlmd_store_get_executions_by_id(st, &rq, &rs));
	const Mlmd__Pb__Value *v = mlmd_node_get(rs->executions[0], 0, name);
	assert_non_null(v);
	int64_t x = v->int_value;
	mlmd_message_free(rs);
	return x;
}

/* Asserts what the execution records of the registry version it serves. */
static void assert_recorded(mlmd_store *st, int64_t exec_id, const char *model, const char *version, const char *alias)
{
	char got[300];
	exec_custom(st, exec_id, "mlmd.model", got, sizeof got);
	assert_string_equal(got, model);
	exec_custom(st, exec_id, "mlmd.model_version", got, sizeof got);
	assert_string_equal(got, version);
	exec_custom(st, exec_id, "mlmd.model_alias", got, sizeof got);
	assert_string_equal(got, alias);
}

/* Scores one row and returns the model's output (its tag). */
static float score_one(mlmd_scorer_ctx *c)
{
	float x[2] = { 1, 2 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1, 2 }, .data = x }, out[1] = { { 0 } };
	OK(mlmd_scorer_score(c, &in, 1, out, 1));
	return ((const float *)out[0].data)[0];
}

/* A registered model "iris" with versions 1, 2 (tags 1 and 2, recorded with
 * mlmd_model_record) and prod -> 1. paths[i] is version i+1's file. */
static void iris(mlmd_store *st, char paths[2][600], int64_t art[2])
{
	for (int i = 0; i < 2; i++) {
		char name[32];
		snprintf(name, sizeof name, "iris-%d-%d.onnx", counter, i + 1);
		path_in(paths[i], sizeof paths[i], name);
		write_tag_model(paths[i], (float)(i + 1));
		snprintf(name, sizeof name, "iris-v%d", i + 1);
		art[i] = record(st, paths[i], name);
	}
	counter++;
	create_model(st, "iris");
	assert_int_equal(add_version(st, "iris", art[0]), 1);
	assert_int_equal(add_version(st, "iris", art[1]), 2);
	set_alias(st, "iris", "prod", 1);
}

/* Wall-clock milliseconds, the clock the store records times by. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- references ---------------------------------------------------------------------------------- */

/* The form of a reference, checked without a store: a name of 1..250 bytes
 * without control characters, '/' or '@'; an alias of [A-Za-z0-9_.-]
 * starting with a letter or '_' (latest included); a decimal version from 1,
 * without sign or leading zero, within int64. A malformed one is
 * INVALID_ARGUMENT before any call, for resolve and for a scorer. */
static void refs_are_checked_before_any_call(void **state)
{
	(void)state;
	static const char *const good[] = { "iris@prod", "iris/3", "iris@latest", "iris@_x", "iris@a.b-c9",
		"my model@prod", "mod\xc3\xa8le@prod", "iris/9223372036854775807", "x/1" };
	static const char *const bad[] = { "iris", "", "iris/0", "iris/03", "iris/-1", "iris/+1", "iris/1x", "iris/",
		"@prod", "/3", "iris@", "iris@1st", "iris@pro d", "ir\tis@prod", "a/b/1", "a@b@c", "a@b/1",
		"iris/9223372036854775808", "iris@prod\n", "iris\x7f@prod", "./iris.onnx", "models/iris.onnx" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (mlmd_registry_is_ref(good[i]) != 1)
			fail_msg("'%s' should be a reference", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (mlmd_registry_is_ref(bad[i]) != 0)
			fail_msg("'%s' should not be a reference", bad[i]);
	assert_int_equal(mlmd_registry_is_ref(NULL), 0);
	char name[300], ref[400];
	memset(name, 'n', 250);
	name[250] = '\0';
	snprintf(ref, sizeof ref, "%s@prod", name);
	assert_int_equal(mlmd_registry_is_ref(ref), 1);
	snprintf(ref, sizeof ref, "%sn@prod", name);
	assert_int_equal(mlmd_registry_is_ref(ref), 0);
	memset(name, 'a', 65);
	name[64] = '\0';
	snprintf(ref, sizeof ref, "m@%s", name);
	assert_int_equal(mlmd_registry_is_ref(ref), 1);
	name[64] = 'a';
	name[65] = '\0';
	snprintf(ref, sizeof ref, "m@%s", name);
	assert_int_equal(mlmd_registry_is_ref(ref), 0);

	char uri[1300];
	mlmd_store *st = open_shared(uri, sizeof uri);
	mlmd_model_version *v = (mlmd_model_version *)1;
	FAILS(mlmd_registry_resolve(st, "iris/03", 0, &v), MLMD_INVALID_ARGUMENT, "leading zero");
	assert_null(v);
	FAILS(mlmd_registry_resolve(st, "iris@1st", 0, &v), MLMD_INVALID_ARGUMENT, "alias '1st'");
	FAILS(mlmd_registry_resolve(st, "iris", 0, &v), MLMD_INVALID_ARGUMENT, "NAME@ALIAS or NAME/VERSION");
	FAILS(mlmd_registry_resolve(st, "ir/is/1", 0, &v), MLMD_INVALID_ARGUMENT, "version 'is/1'");
	FAILS(mlmd_registry_resolve(st, "iris@prod", -5, &v), MLMD_INVALID_ARGUMENT, "as_of_ms");
	FAILS(mlmd_registry_resolve(NULL, "iris@prod", 0, &v), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_registry_resolve(st, "iris@prod", 0, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	mlmd_model_version_free(NULL);

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris@";
	mlmd_scorer *s = NULL;
	FAILS(mlmd_scorer_open(&s, &o), MLMD_INVALID_ARGUMENT, "iris@");
	assert_null(s);
	o.model_ref = "iris@prod";
	o.artifact_id = 1;
	FAILS(mlmd_scorer_open(&s, &o), MLMD_INVALID_ARGUMENT, "one of artifact_id, artifact_name and model_ref");
	FAILS(mlmd_scorer_swap_ref(NULL, "iris@prod"), MLMD_INVALID_ARGUMENT, "scorer is NULL");
	assert_int_equal(mlmd_scorer_model_version(NULL), 0);
	mlmd_store_free(st);
}

/* NAME@ALIAS, NAME/VERSION and NAME@latest resolve to the version, its
 * artifact, uri and recorded digest; an unknown model, alias or version is
 * NOT_FOUND naming the reference. */
static void resolve_names_the_version_and_its_artifact(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = open_shared(uri, sizeof uri);
	iris(st, paths, art);
	char hex[65];
	OK(mlmd_file_sha256(paths[0], hex));

	mlmd_model_version *v = NULL;
	OK(mlmd_registry_resolve(st, "iris@prod", 0, &v));
	assert_string_equal(v->model_name, "iris");
	assert_int_equal(v->version, 1);
	assert_int_equal(v->artifact_id, art[0]);
	assert_string_equal(v->alias, "prod");
	assert_string_equal(v->sha256, hex);
	assert_non_null(strstr(v->uri, "file://"));
	assert_non_null(strstr(v->uri, "iris-"));
	assert_true(v->context_id > 0);
	assert_true(v->create_time_ms > 0);
	assert_int_equal(v->run_id, 0);
	int64_t ctx1 = v->context_id;
	mlmd_model_version_free(v);

	OK(mlmd_registry_resolve(st, "iris/2", 0, &v));
	assert_int_equal(v->version, 2);
	assert_int_equal(v->artifact_id, art[1]);
	assert_null(v->alias);
	assert_true(v->context_id > 0 && v->context_id != ctx1);
	OK(mlmd_file_sha256(paths[1], hex));
	assert_string_equal(v->sha256, hex);
	mlmd_model_version_free(v);

	OK(mlmd_registry_resolve(st, "iris@latest", 0, &v));
	assert_int_equal(v->version, 2);
	mlmd_model_version_free(v);

	v = (mlmd_model_version *)1;
	FAILS(mlmd_registry_resolve(st, "nope@prod", 0, &v), MLMD_NOT_FOUND, "nope@prod");
	assert_null(v);
	FAILS(mlmd_registry_resolve(st, "iris@staging", 0, &v), MLMD_NOT_FOUND, "staging");
	FAILS(mlmd_registry_resolve(st, "iris/3", 0, &v), MLMD_NOT_FOUND, "iris/3");
	mlmd_store_free(st);
}

/* ---- scorers ----------------------------------------------------------------------------------- */

/* A scorer opened on iris@prod serves version 1 and records it; the alias
 * moves to version 2 and a swap by reference serves and records version 2
 * (a second INPUT event), a second swap to the same reference changes
 * nothing, NAME/VERSION records no alias, and a swap by artifact drops the
 * registry properties (the model is no longer served by name). */
static void scorer_follows_an_alias(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = open_shared(uri, sizeof uri);
	iris(st, paths, art);

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris@prod";
	o.deployment = "by-name";
	mlmd_scorer *s;
	OK(mlmd_scorer_open(&s, &o));
	assert_int_equal(mlmd_scorer_artifact_id(s), art[0]);
	assert_int_equal(mlmd_scorer_model_version(s), 1);
	int64_t exec = mlmd_scorer_execution_id(s);
	assert_true(exec > 0);
	assert_recorded(st, exec, "iris", "1", "prod");
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(score_one(c) == 1.0f);

	set_alias(st, "iris", "prod", 2);
	OK(mlmd_scorer_swap_ref(s, "iris@prod"));
	assert_int_equal(mlmd_scorer_model_version(s), 2);
	assert_int_equal(mlmd_scorer_artifact_id(s), art[1]);
	assert_true(score_one(c) == 2.0f);
	assert_recorded(st, exec, "iris", "2", "prod");
	assert_int_equal(exec_int(st, exec, "swaps"), 1);
	assert_int_equal(exec_int(st, exec, "models_served"), 2);

	/* the alias has not moved: nothing reloaded, no swap counted */
	OK(mlmd_scorer_swap_ref(s, "iris@prod"));
	OK(mlmd_scorer_flush(s));
	assert_int_equal(exec_int(st, exec, "swaps"), 1);

	/* the same version by number: served under that reference, without alias */
	OK(mlmd_scorer_swap_ref(s, "iris/2"));
	OK(mlmd_scorer_flush(s));
	assert_recorded(st, exec, "iris", "2", "");
	/* an unknown alias: NOT_FOUND, the current model stays */
	FAILS(mlmd_scorer_swap_ref(s, "iris@staging"), MLMD_NOT_FOUND, "staging");
	assert_int_equal(mlmd_scorer_model_version(s), 2);

	/* a model given by artifact is not served by name */
	OK(mlmd_scorer_swap(s, art[0]));
	assert_int_equal(mlmd_scorer_model_version(s), 0);
	assert_recorded(st, exec, "", "", "");
	assert_true(score_one(c) == 1.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));

	/* a scorer on NAME/VERSION records no alias */
	o.model_ref = "iris/1";
	OK(mlmd_scorer_open(&s, &o));
	assert_recorded(st, mlmd_scorer_execution_id(s), "iris", "1", "");
	OK(mlmd_scorer_free(s));
	/* an unknown model: NOT_FOUND naming the reference */
	o.model_ref = "nope@prod";
	s = NULL;
	FAILS(mlmd_scorer_open(&s, &o), MLMD_NOT_FOUND, "nope@prod");
	assert_null(s);
	mlmd_store_free(st);
}

/* A version whose model file no longer matches the digest recorded for its
 * artifact is refused as a model given by artifact is (FAILED_PRECONDITION
 * naming both digests): at open, and at a swap by reference after the alias
 * moved to it, which leaves the current version served and recorded. */
static void tampered_version_is_refused(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = open_shared(uri, sizeof uri);
	iris(st, paths, art);
	write_tag_model(paths[1], 7); /* version 2's file replaced behind the registry's back */

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris/2";
	mlmd_scorer *s = NULL;
	FAILS(mlmd_scorer_open(&s, &o), MLMD_FAILED_PRECONDITION, "the artifact records sha256:");
	assert_non_null(strstr(mlmd_error_message(), "version 2 of 'iris'"));
	assert_null(s);

	o.model_ref = "iris@prod";
	OK(mlmd_scorer_open(&s, &o));
	int64_t exec = mlmd_scorer_execution_id(s);
	set_alias(st, "iris", "prod", 2);
	FAILS(mlmd_scorer_swap_ref(s, "iris@prod"), MLMD_FAILED_PRECONDITION, "the artifact records sha256:");
	assert_int_equal(mlmd_scorer_model_version(s), 1);
	assert_int_equal(mlmd_scorer_artifact_id(s), art[0]);
	OK(mlmd_scorer_flush(s));
	assert_recorded(st, exec, "iris", "1", "prod");
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* The alias as it was: prod -> 1, then (at a later millisecond, read from the
 * history the store kept) prod -> 2. As of the first move's time and any
 * time before the second it is version 1; from the second on, version 2;
 * before the first, NOT_FOUND. A scorer opened with as_of_ms serves and
 * records the version of that time. */
static void resolve_as_of_between_moves(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2], nv;
	mlmd_store *st = open_shared(uri, sizeof uri);
	iris(st, paths, art);
	int64_t t1 = last_move_time(st, "iris", "prod", &nv);
	assert_int_equal(nv, 1);
	/* the next move at a later millisecond: wait for the clock to pass t1
	 * (no sleep; the order comes from the recorded times, read back) */
	while (wall_ms() <= t1)
		;
	set_alias(st, "iris", "prod", 2);
	int64_t t2 = last_move_time(st, "iris", "prod", &nv);
	assert_int_equal(nv, 2);
	assert_true(t2 > t1);

	int64_t at[] = { t1, t1 + (t2 - t1) / 2, t2 - 1, t2, t2 + 1 }, want[] = { 1, 1, 1, 2, 2 };
	for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
		mlmd_model_version *v = NULL;
		OK(mlmd_registry_resolve(st, "iris@prod", at[i], &v));
		if (v->version != want[i])
			fail_msg("as of %lld (moves at %lld, %lld): version %lld, expected %lld", (long long)at[i],
				(long long)t1, (long long)t2, (long long)v->version, (long long)want[i]);
		assert_string_equal(v->alias, "prod");
		mlmd_model_version_free(v);
	}
	mlmd_model_version *v = NULL;
	OK(mlmd_registry_resolve(st, "iris@prod", 0, &v)); /* now */
	assert_int_equal(v->version, 2);
	mlmd_model_version_free(v);
	v = (mlmd_model_version *)1;
	FAILS(mlmd_registry_resolve(st, "iris@prod", t1 - 1, &v), MLMD_NOT_FOUND, "iris@prod");
	assert_null(v);

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris@prod";
	o.as_of_ms = t2 - 1;
	mlmd_scorer *s;
	OK(mlmd_scorer_open(&s, &o));
	assert_int_equal(mlmd_scorer_model_version(s), 1);
	assert_recorded(st, mlmd_scorer_execution_id(s), "iris", "1", "prod");
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(score_one(c) == 1.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* The scorer's writes are by the actor its options name (the store option it
 * opens its handle with): the audit records of its serving execution say so. */
static void scorer_writes_as_its_actor(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = open_shared(uri, sizeof uri);
	iris(st, paths, art);
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris@prod";
	o.actor = "serving-bot";
	mlmd_scorer *s;
	OK(mlmd_scorer_open(&s, &o));
	OK(mlmd_scorer_free(s));
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	Mlmd__Pb__Governance__GetAuditLogResponse *rs;
	OK(GOV(st, "GetAuditLog", &rq, get_audit_log_response, &rs));
	int puts = 0;
	for (size_t i = 0; i < rs->n_records; i++) {
		const Mlmd__Pb__Governance__AuditRecord *r = rs->records[i];
		if (!strcmp(r->operation, "PutExecution")) {
			assert_string_equal(r->actor, "serving-bot");
			puts++;
		} else if (!strcmp(r->operation, "SetAliases")) {
			assert_string_equal(r->actor, mlmd_store_actor(st));
		}
	}
	assert_true(puts >= 2); /* the first record, and the closing one */
	assert_string_not_equal(mlmd_store_actor(st), "serving-bot");
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	mlmd_store_free(st);
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refs_are_checked_before_any_call),
		cmocka_unit_test(resolve_names_the_version_and_its_artifact),
		cmocka_unit_test(scorer_follows_an_alias),
		cmocka_unit_test(tampered_version_is_refused),
		cmocka_unit_test(resolve_as_of_between_moves),
		cmocka_unit_test(scorer_writes_as_its_actor),
	};
	return cmocka_run_group_tests(tests, serving_dir_setup, serving_dir_teardown);
}

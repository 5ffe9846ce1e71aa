/*
 * tests/test_registry.c - the model registry's RPCs
 * (proto/mlmd_governance.proto, RegistryService) through mlmd_store_call with
 * real request bytes, on every backend (`make check-backends`): models,
 * versions and tags as MLMD contexts, aliases and their moves, policies,
 * requests and approvals one rule at a time, swaps, as-of resolution from
 * the recorded history, bad input, and the audit record of every writing
 * call (none for a refused one).
 */
#include <pthread.h>
#include <time.h>
#include <sqlite3.h>
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

typedef Mlmd__Pb__Governance__Tag Tag;
typedef Mlmd__Pb__Governance__AliasMove Move;

#define RPC_OK(s, M, rq, snake)                                                                   \
	({                                                                                        \
		int rc__;                                                                         \
		Mlmd__Pb__Governance__##M##Response *r__ =                                        \
			test_rpc(s, #M, rq, &mlmd__pb__governance__##snake##_response__descriptor, &rc__); \
		if (rc__)                                                                         \
			fail_msg(#M " -> %d (%s): %s", rc__, mlmd_status_name(rc__), mlmd_error_message()); \
		r__;                                                                              \
	})
#define RPC_FAILS(s, M, rq, snake, want, needle)                                                  \
	do {                                                                                      \
		int rc__;                                                                         \
		void *r__ = test_rpc(s, #M, rq, &mlmd__pb__governance__##snake##_response__descriptor, &rc__); \
		assert_null(r__);                                                                 \
		FAILS(rc__, want, needle);                                                        \
	} while (0)

static void free_msg(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

/* ---- fixtures ------------------------------------------------------------------------------- */

/* Creates model `name`; returns its context id. */
static int64_t create_model(mlmd_store *s, const char *name)
{
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	rq.name = (char *)name;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *r = RPC_OK(s, CreateRegisteredModel, &rq, create_registered_model);
	assert_non_null(r->model);
	assert_string_equal(r->model->name, name);
	int64_t id = r->model->context_id;
	assert_true(id > 0);
	free_msg(r);
	return id;
}

/* A model artifact with custom property validation=<validation> (NULL: none). */
static int64_t model_artifact(mlmd_store *s, const char *uri, const char *validation)
{
	int64_t type = artifact_type(s, "Model", 1, "digest", MLMD__PB__PROPERTY_TYPE__STRING); /* idempotent */
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	if (validation)
		OK(mlmd_node_set_string(a, 1, "validation", validation));
	OK(mlmd_node_set_string(a, 0, "digest", "sha256:00ff"));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

/* Adds a version of `model` for artifact `art` with tags k=v (NULL-ended
 * pairs); returns its number. */
static int64_t add_version(mlmd_store *s, const char *model, int64_t art, int64_t run, ...)
{
	Mlmd__Pb__Governance__CreateModelVersionRequest rq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	Tag tags[8], *tp[8];
	va_list ap;
	va_start(ap, run);
	const char *k;
	while ((k = va_arg(ap, const char *))) {
		Tag t = MLMD__PB__GOVERNANCE__TAG__INIT;
		t.key = (char *)k;
		t.value = va_arg(ap, char *);
		tags[rq.n_tags] = t;
		tp[rq.n_tags] = &tags[rq.n_tags];
		rq.n_tags++;
	}
	va_end(ap);
	rq.tags = tp;
	rq.model_name = (char *)model;
	rq.has_artifact_id = 1;
	rq.artifact_id = art;
	if (run) {
		rq.has_run_id = 1;
		rq.run_id = run;
	}
	Mlmd__Pb__Governance__CreateModelVersionResponse *r = RPC_OK(s, CreateModelVersion, &rq, create_model_version);
	int64_t v = r->version->version;
	assert_int_equal(r->version->artifact_id, art);
	free_msg(r);
	return v;
}

/* Moves `alias` of `model` to `version` (0 removes) directly; returns the status. */
static int set_alias(mlmd_store *s, const char *model, const char *alias, int64_t version)
{
	Mlmd__Pb__Governance__SetAliasesRequest rq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Move m = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &m;
	m.alias = (char *)alias;
	m.has_version = 1;
	m.version = version;
	rq.model_name = (char *)model;
	rq.moves = &mp;
	rq.n_moves = 1;
	int rc;
	free_msg(test_rpc(s, "SetAliases", &rq, &mlmd__pb__governance__set_aliases_response__descriptor, &rc));
	return rc;
}

/* Resolves model@alias (alias NULL: model/version), as of `as_of` when >= 0;
 * returns the version number, or the (negative) status. */
static int64_t resolve(mlmd_store *s, const char *model, const char *alias, int64_t version, int64_t as_of)
{
	Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	rq.model_name = (char *)model;
	rq.alias = (char *)alias;
	if (!alias) {
		rq.has_version = 1;
		rq.version = version;
	}
	if (as_of >= 0) {
		rq.has_as_of_ms = 1;
		rq.as_of_ms = as_of;
	}
	int rc;
	Mlmd__Pb__Governance__ResolveModelResponse *r =
		test_rpc(s, "ResolveModel", &rq, &mlmd__pb__governance__resolve_model_response__descriptor, &rc);
	if (rc)
		return rc;
	assert_non_null(r->version);
	assert_string_equal(r->version->model_name, model);
	assert_non_null(r->version->artifact);
	assert_int_equal(r->version->artifact->id, r->version->artifact_id);
	if (alias)
		assert_string_equal(r->alias, alias);
	else
		assert_null(r->alias);
	int64_t v = r->version->version;
	free_msg(r);
	return v;
}


/* Sets the policy of (model, alias): `approvals`, and key=value when key is not NULL. */
static void set_policy(mlmd_store *s, const char *model, const char *alias, int64_t approvals, const char *key,
		       const char *value)
{
	Mlmd__Pb__Governance__SetAliasPolicyRequest rq = MLMD__PB__GOVERNANCE__SET_ALIAS_POLICY_REQUEST__INIT;
	Mlmd__Pb__Governance__Requirement r = MLMD__PB__GOVERNANCE__REQUIREMENT__INIT, *rp = &r;
	rq.model_name = (char *)model;
	rq.alias = (char *)alias;
	rq.has_approvals = 1;
	rq.approvals = approvals;
	if (key) {
		r.key = (char *)key;
		r.value = (char *)value;
		rq.require = &rp;
		rq.n_require = 1;
	}
	Mlmd__Pb__Governance__SetAliasPolicyResponse *rs = RPC_OK(s, SetAliasPolicy, &rq, set_alias_policy);
	assert_int_equal(rs->policy->approvals, approvals);
	free_msg(rs);
}

/* Requests moves alias_i -> version_i (n pairs); returns the request id, or
 * the (negative) status; *status gets its status. */
static int64_t request2(mlmd_store *s, const char *model, int *status, size_t n, const char *a1, int64_t v1,
			const char *a2, int64_t v2)
{
	Mlmd__Pb__Governance__RequestAliasMoveRequest rq = MLMD__PB__GOVERNANCE__REQUEST_ALIAS_MOVE_REQUEST__INIT;
	Move m[2] = { MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT };
	Move *mp[2] = { &m[0], &m[1] };
	m[0].alias = (char *)a1;
	m[0].has_version = 1;
	m[0].version = v1;
	m[1].alias = (char *)a2;
	m[1].has_version = 1;
	m[1].version = v2;
	rq.model_name = (char *)model;
	rq.moves = mp;
	rq.n_moves = n;
	rq.comment = "please";
	int rc;
	Mlmd__Pb__Governance__RequestAliasMoveResponse *r =
		test_rpc(s, "RequestAliasMove", &rq, &mlmd__pb__governance__request_alias_move_response__descriptor, &rc);
	if (rc)
		return rc;
	int64_t id = r->request->request_id;
	assert_true(id > 0);
	assert_string_equal(r->request->requester, mlmd_store_actor(s));
	assert_string_equal(r->request->comment, "please");
	assert_int_equal(r->request->n_moves, n);
	if (status)
		*status = r->request->status;
	free_msg(r);
	return id;
}

static int64_t request(mlmd_store *s, const char *model, const char *alias, int64_t version, int *status)
{
	return request2(s, model, status, 1, alias, version, NULL, 0);
}

/* Approves (approve = 1) or rejects request `id` as `actor`; returns the
 * status of the call; *status and *count get the request's. */
static int decide(mlmd_store *s, const char *actor, int approve, int64_t id, int *status, int64_t *count)
{
	OK(mlmd_store_set_actor(s, actor));
	int rc;
	Mlmd__Pb__Governance__AliasRequest *r = NULL;
	void *resp;
	if (approve) {
		Mlmd__Pb__Governance__ApproveRequestRequest rq = MLMD__PB__GOVERNANCE__APPROVE_REQUEST_REQUEST__INIT;
		rq.has_request_id = 1;
		rq.request_id = id;
		rq.comment = "ok";
		Mlmd__Pb__Governance__ApproveRequestResponse *rs =
			test_rpc(s, "ApproveRequest", &rq, &mlmd__pb__governance__approve_request_response__descriptor, &rc);
		resp = rs;
		if (rs)
			r = rs->request;
	} else {
		Mlmd__Pb__Governance__RejectRequestRequest rq = MLMD__PB__GOVERNANCE__REJECT_REQUEST_REQUEST__INIT;
		rq.has_request_id = 1;
		rq.request_id = id;
		rq.comment = "no";
		Mlmd__Pb__Governance__RejectRequestResponse *rs =
			test_rpc(s, "RejectRequest", &rq, &mlmd__pb__governance__reject_request_response__descriptor, &rc);
		resp = rs;
		if (rs)
			r = rs->request;
	}
	if (!rc) {
		assert_int_equal(r->request_id, id);
		if (status)
			*status = r->status;
		if (count)
			*count = r->approvals_count;
	}
	free_msg(resp);
	return rc;
}

/* The request's message as GetAliasRequests gives it (free it). */
static Mlmd__Pb__Governance__AliasRequest *get_request(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__Governance__GetAliasRequestsRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_REQUESTS_REQUEST__INIT;
	rq.has_request_id = 1;
	rq.request_id = id;
	Mlmd__Pb__Governance__GetAliasRequestsResponse *rs = RPC_OK(s, GetAliasRequests, &rq, get_alias_requests);
	assert_int_equal(rs->n_requests, 1);
	Mlmd__Pb__Governance__AliasRequest *r = rs->requests[0];
	rs->n_requests = 0;
	free_msg(rs);
	return r;
}

/* The model's alias history (alias NULL: every alias); free it. */
static Mlmd__Pb__Governance__GetAliasHistoryResponse *history(mlmd_store *s, const char *model, const char *alias)
{
	Mlmd__Pb__Governance__GetAliasHistoryRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_HISTORY_REQUEST__INIT;
	rq.model_name = (char *)model;
	rq.alias = (char *)alias;
	return RPC_OK(s, GetAliasHistory, &rq, get_alias_history);
}

/* A model "iris" with versions 1..n (artifacts without properties). */
static void iris(mlmd_store *s, int n)
{
	create_model(s, "iris");
	for (int i = 1; i <= n; i++) {
		char uri[32];
		snprintf(uri, sizeof uri, "file:///iris/%d", i);
		assert_int_equal(add_version(s, "iris", model_artifact(s, uri, NULL), 0, NULL), i);
	}
}

/* ---- models and versions -------------------------------------------------------------------- */

static void models_and_versions_are_created_in_order(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "alice"));
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	Tag t = MLMD__PB__GOVERNANCE__TAG__INIT, *tp = &t;
	t.key = "team";
	t.value = "vision";
	rq.name = "iris";
	rq.description = "the iris classifier";
	rq.tags = &tp;
	rq.n_tags = 1;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *r = RPC_OK(s, CreateRegisteredModel, &rq, create_registered_model);
	assert_string_equal(r->model->description, "the iris classifier");
	assert_int_equal(r->model->n_tags, 1);
	assert_string_equal(r->model->tags[0]->key, "team");
	assert_string_equal(r->model->tags[0]->value, "vision");
	assert_int_equal(r->model->latest_version, 0);
	free_msg(r);
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_ALREADY_EXISTS, "'iris' already exists");

	int64_t a1 = model_artifact(s, "file:///m/1.onnx", "passed"), a2 = model_artifact(s, "file:///m/2.onnx", NULL);
	int64_t run = put_execution_node(s, execution_type(s, "Train"));
	assert_int_equal(add_version(s, "iris", a1, run, "stage", "dev", NULL), 1);
	assert_int_equal(add_version(s, "iris", a2, 0, NULL), 2);

	Mlmd__Pb__Governance__GetRegisteredModelRequest g = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
	g.name = "iris";
	Mlmd__Pb__Governance__GetRegisteredModelResponse *gr = RPC_OK(s, GetRegisteredModel, &g, get_registered_model);
	assert_int_equal(gr->model->latest_version, 2);
	assert_int_equal(gr->model->n_versions, 2);
	Mlmd__Pb__Governance__ModelVersion *v1 = gr->model->versions[0];
	assert_int_equal(v1->version, 1);
	assert_int_equal(v1->artifact_id, a1);
	assert_int_equal(v1->run_id, run);
	assert_string_equal(v1->creator, "alice");
	assert_int_equal(v1->n_tags, 1);
	assert_string_equal(v1->tags[0]->key, "stage");
	assert_int_equal(gr->model->versions[1]->version, 2);
	assert_false(gr->model->versions[1]->has_run_id);
	free_msg(gr);
	mlmd_store_free(s);
}

static void bad_names_and_unknown_records_are_refused(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_INVALID_ARGUMENT, "model name is required");
	rq.name = "a/b";
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_INVALID_ARGUMENT, "holds '/'");
	rq.name = "a@b";
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_INVALID_ARGUMENT, "holds '@'");
	rq.name = "a\tb";
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_INVALID_ARGUMENT, "control character");
	char longname[300];
	memset(longname, 'x', 251);
	longname[251] = '\0';
	rq.name = longname;
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_INVALID_ARGUMENT, "at most 250");
	longname[250] = '\0';
	create_model(s, longname);

	create_model(s, "iris");
	Mlmd__Pb__Governance__CreateModelVersionRequest v = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	v.model_name = "nosuch";
	v.has_artifact_id = 1;
	v.artifact_id = model_artifact(s, "file:///m.onnx", NULL);
	RPC_FAILS(s, CreateModelVersion, &v, create_model_version, MLMD_NOT_FOUND, "registered model 'nosuch' does not exist");
	v.model_name = "iris";
	v.artifact_id = 999;
	RPC_FAILS(s, CreateModelVersion, &v, create_model_version, MLMD_NOT_FOUND, "artifact 999 does not exist");
	v.has_artifact_id = 0;
	RPC_FAILS(s, CreateModelVersion, &v, create_model_version, MLMD_INVALID_ARGUMENT, "artifact_id is required");
	v.has_artifact_id = 1;
	v.artifact_id = 1;
	v.has_run_id = 1;
	v.run_id = 77;
	RPC_FAILS(s, CreateModelVersion, &v, create_model_version, MLMD_NOT_FOUND, "run (execution) 77 does not exist");
	assert_int_equal(add_version(s, "iris", 1, 0, NULL), 1);

	/* aliases: names, versions, removal of what is not there */
	FAILS(set_alias(s, "iris", "latest", 1), MLMD_INVALID_ARGUMENT, "'latest' is reserved");
	FAILS(set_alias(s, "iris", "9lives", 1), MLMD_INVALID_ARGUMENT, "must start with a letter or '_'");
	FAILS(set_alias(s, "iris", "a b", 1), MLMD_INVALID_ARGUMENT, "only letters, digits");
	FAILS(set_alias(s, "iris", "prod", 2), MLMD_NOT_FOUND, "model 'iris' has no version 2 (its versions are 1..1)");
	FAILS(set_alias(s, "iris", "prod", -1), MLMD_INVALID_ARGUMENT, "version -1");
	FAILS(set_alias(s, "iris", "prod", 0), MLMD_NOT_FOUND, "no alias 'prod' to remove");
	FAILS(set_alias(s, "nosuch", "prod", 1), MLMD_NOT_FOUND, "registered model 'nosuch' does not exist");

	/* resolution */
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "model 'iris' has no alias 'prod'");
	FAILS(resolve(s, "iris", NULL, 5, -1), MLMD_NOT_FOUND, "model 'iris' has no version 5");
	FAILS(resolve(s, "iris", NULL, 0, -1), MLMD_INVALID_ARGUMENT, "give one of alias and version");
	FAILS(resolve(s, "nosuch", "prod", 0, -1), MLMD_NOT_FOUND, "registered model 'nosuch' does not exist");
	FAILS(resolve(s, "iris", "bad alias", 0, -1), MLMD_INVALID_ARGUMENT, "only letters");
	mlmd_store_free(s);
}

/* ---- aliases ------------------------------------------------------------------------------- */

static void aliases_move_and_resolve(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	create_model(s, "iris");
	int64_t a1 = model_artifact(s, "file:///1", NULL), a2 = model_artifact(s, "file:///2", NULL);
	add_version(s, "iris", a1, 0, NULL);
	add_version(s, "iris", a2, 0, NULL);
	OK(set_alias(s, "iris", "prod", 1));
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 1);
	OK(set_alias(s, "iris", "prod", 2));
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	assert_int_equal(resolve(s, "iris", "latest", 0, -1), 2);
	assert_int_equal(resolve(s, "iris", NULL, 1, -1), 1);
	OK(set_alias(s, "iris", "prod", 0));
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	mlmd_store_free(s);
}


/* ---- policies, requests, approvals ---------------------------------------------------------- */

static void direct_moves_are_refused_naming_the_policy(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	OK(set_alias(s, "iris", "prod", 1));
	set_policy(s, "iris", "prod", 2, "validation", "passed");
	FAILS(set_alias(s, "iris", "prod", 2), MLMD_FAILED_PRECONDITION,
	      "alias 'prod' of model 'iris' has a policy (2 approvals, validation=passed): request the move");
	FAILS(set_alias(s, "iris", "prod", 0), MLMD_FAILED_PRECONDITION, "has a policy");
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 1);
	/* a policy needing no approval still makes moves go by request */
	set_policy(s, "iris", "staging", 0, NULL, NULL);
	FAILS(set_alias(s, "iris", "staging", 1), MLMD_FAILED_PRECONDITION,
	      "alias 'staging' of model 'iris' has a policy (0 approvals)");
	int st = -1;
	int64_t id = request(s, "iris", "staging", 2, &st);
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(resolve(s, "iris", "staging", 0, -1), 2);
	Mlmd__Pb__Governance__GetAliasHistoryResponse *h = history(s, "iris", "staging");
	assert_int_equal(h->n_entries, 1);
	assert_int_equal(h->entries[0]->request_id, id);
	free_msg(h);
	/* without a policy a request applies at once too */
	assert_true(request(s, "iris", "canary", 1, &st) > 0);
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(resolve(s, "iris", "canary", 0, -1), 1);
	/* the policy deleted, direct moves work again */
	Mlmd__Pb__Governance__DeleteAliasPolicyRequest d = MLMD__PB__GOVERNANCE__DELETE_ALIAS_POLICY_REQUEST__INIT;
	d.model_name = "iris";
	d.alias = "prod";
	free_msg(RPC_OK(s, DeleteAliasPolicy, &d, delete_alias_policy));
	RPC_FAILS(s, DeleteAliasPolicy, &d, delete_alias_policy, MLMD_NOT_FOUND, "alias 'prod' of model 'iris' has no policy");
	OK(set_alias(s, "iris", "prod", 2));
	mlmd_store_free(s);
}

static void self_approval_is_refused(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	set_policy(s, "iris", "prod", 1, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int st = -1;
	int64_t id = request(s, "iris", "prod", 2, &st);
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	FAILS(decide(s, "alice", 1, id, NULL, NULL), MLMD_PERMISSION_DENIED,
	      "was made by 'alice': a requester cannot approve their own request");
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, id);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	assert_int_equal(r->n_approvals, 0);
	assert_int_equal(r->approvals_needed, 1);
	free_msg(r);
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	/* another actor's approval applies it */
	int64_t count = 0;
	OK(decide(s, "bob", 1, id, &st, &count));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(count, 1);
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	mlmd_store_free(s);
}

static void the_same_approver_twice_counts_once(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	set_policy(s, "iris", "prod", 2, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id = request(s, "iris", "prod", 1, NULL);
	int st = -1;
	int64_t count = -1;
	OK(decide(s, "bob", 1, id, &st, &count));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	assert_int_equal(count, 1);
	OK(decide(s, "bob", 1, id, &st, &count));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	assert_int_equal(count, 1);
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, id);
	assert_int_equal(r->n_approvals, 1);
	assert_string_equal(r->approvals[0]->actor, "bob");
	assert_true(r->approvals[0]->approve);
	assert_int_equal(r->approvals_needed, 2);
	free_msg(r);
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	mlmd_store_free(s);
}

static void n_distinct_approvers_are_needed(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	set_policy(s, "iris", "prod", 3, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id = request(s, "iris", "prod", 2, NULL);
	const char *who[] = { "bob", "carol", "dave" };
	for (int i = 0; i < 3; i++) {
		int st = -1;
		int64_t count = -1;
		OK(decide(s, who[i], 1, id, &st, &count));
		assert_int_equal(count, i + 1);
		assert_int_equal(st, i < 2 ? MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING
					   : MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
		if (i < 2)
			FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	}
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	/* the move is kept with the last approver as its actor, the request and its approvers */
	Mlmd__Pb__Governance__GetAliasHistoryResponse *h = history(s, "iris", "prod");
	assert_int_equal(h->n_entries, 1);
	assert_string_equal(h->entries[0]->actor, "dave");
	assert_int_equal(h->entries[0]->request_id, id);
	assert_int_equal(h->entries[0]->old_version, 0);
	assert_int_equal(h->entries[0]->new_version, 2);
	assert_int_equal(h->entries[0]->n_approvers, 3);
	free_msg(h);
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, id);
	assert_true(r->has_decide_time_ms);
	assert_true(r->decide_time_ms >= r->create_time_ms);
	free_msg(r);
	/* an approved request takes no more decisions */
	FAILS(decide(s, "erin", 1, id, NULL, NULL), MLMD_FAILED_PRECONDITION,
	      "is approved: only a pending request can be approved");
	FAILS(decide(s, "erin", 0, id, NULL, NULL), MLMD_FAILED_PRECONDITION,
	      "is approved: only a pending request can be rejected");
	mlmd_store_free(s);
}

static void requirements_are_checked_at_request_and_at_the_last_approval(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	create_model(s, "iris");
	int64_t plain = model_artifact(s, "file:///1", NULL), good = model_artifact(s, "file:///2", "passed");
	int64_t bad = model_artifact(s, "file:///3", "failed");
	assert_int_equal(add_version(s, "iris", plain, 0, NULL), 1);
	assert_int_equal(add_version(s, "iris", good, 0, NULL), 2);
	assert_int_equal(add_version(s, "iris", bad, 0, "validation", "passed", NULL), 3);
	assert_int_equal(add_version(s, "iris", bad, 0, NULL), 4);
	assert_int_equal(add_version(s, "iris", good, 0, "validation", "failed", NULL), 5);
	set_policy(s, "iris", "prod", 1, "validation", "passed");
	OK(mlmd_store_set_actor(s, "alice"));
	FAILS(request(s, "iris", "prod", 1, NULL), MLMD_FAILED_PRECONDITION,
	      "version 1 of model 'iris' does not meet the policy of alias 'prod': validation=passed is required; "
	      "neither its tags nor artifact");
	FAILS(request(s, "iris", "prod", 4, NULL), MLMD_FAILED_PRECONDITION, "property validation is 'failed'");
	/* the version's own tag decides over its artifact's property */
	FAILS(request(s, "iris", "prod", 5, NULL), MLMD_FAILED_PRECONDITION, "its tag validation is 'failed'");
	int64_t r2 = request(s, "iris", "prod", 2, NULL); /* the artifact's property */
	int64_t r3 = request(s, "iris", "prod", 3, NULL); /* the version's tag */
	/* the tag changes before the last approval: the approval is refused and not kept */
	Mlmd__Pb__Governance__SetModelVersionTagsRequest t = MLMD__PB__GOVERNANCE__SET_MODEL_VERSION_TAGS_REQUEST__INIT;
	Tag tag = MLMD__PB__GOVERNANCE__TAG__INIT, *tp = &tag;
	tag.key = "validation";
	tag.value = "stale";
	t.model_name = "iris";
	t.has_version = 1;
	t.version = 3;
	t.set_tags = &tp;
	t.n_set_tags = 1;
	Mlmd__Pb__Governance__SetModelVersionTagsResponse *tr = RPC_OK(s, SetModelVersionTags, &t, set_model_version_tags);
	assert_int_equal(tr->version->n_tags, 1);
	assert_string_equal(tr->version->tags[0]->value, "stale");
	free_msg(tr);
	FAILS(decide(s, "bob", 1, r3, NULL, NULL), MLMD_FAILED_PRECONDITION,
	      "version 3 of model 'iris' does not meet the policy of alias 'prod': validation=passed is required; "
	      "its tag validation is 'stale'");
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, r3);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	assert_int_equal(r->n_approvals, 0);
	free_msg(r);
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	int st = -1;
	OK(decide(s, "bob", 1, r2, &st, NULL));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	mlmd_store_free(s);
}

static void a_rejected_request_cannot_be_approved(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	set_policy(s, "iris", "prod", 2, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id = request(s, "iris", "prod", 2, NULL);
	int st = -1;
	OK(decide(s, "bob", 1, id, &st, NULL));
	OK(decide(s, "carol", 0, id, &st, NULL));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__REJECTED);
	FAILS(decide(s, "dave", 1, id, NULL, NULL), MLMD_FAILED_PRECONDITION,
	      "is rejected: only a pending request can be approved");
	FAILS(decide(s, "dave", 0, id, NULL, NULL), MLMD_FAILED_PRECONDITION, "is rejected");
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, id);
	assert_int_equal(r->n_approvals, 2);
	assert_string_equal(r->approvals[1]->actor, "carol");
	assert_false(r->approvals[1]->approve);
	assert_string_equal(r->approvals[1]->comment, "no");
	free_msg(r);
	/* the requester may withdraw a request by rejecting it */
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id2 = request(s, "iris", "prod", 1, NULL);
	OK(decide(s, "alice", 0, id2, &st, NULL));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__REJECTED);
	FAILS(decide(s, "nobody", 1, 9999, NULL, NULL), MLMD_NOT_FOUND, "request 9999 does not exist");
	mlmd_store_free(s);
}

static void concurrent_requests_for_one_alias_supersede(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 3);
	set_policy(s, "iris", "prod", 1, NULL, NULL);
	set_policy(s, "iris", "shadow", 1, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t first = request(s, "iris", "prod", 1, NULL);
	OK(mlmd_store_set_actor(s, "dave"));
	int64_t second = request(s, "iris", "prod", 2, NULL);
	int64_t both = request2(s, "iris", NULL, 2, "shadow", 3, "prod", 3);
	int64_t other = request(s, "iris", "shadow", 2, NULL);
	int st = -1;
	OK(decide(s, "bob", 1, first, &st, NULL));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 1);
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, second);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__SUPERSEDED);
	assert_true(r->has_decide_time_ms);
	free_msg(r);
	r = get_request(s, both); /* one of its aliases moved */
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__SUPERSEDED);
	free_msg(r);
	r = get_request(s, other); /* another alias: still waiting */
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING);
	free_msg(r);
	FAILS(decide(s, "bob", 1, second, NULL, NULL), MLMD_FAILED_PRECONDITION,
	      "is superseded: only a pending request can be approved");
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 1);
	/* the open requests of the model, as GetRegisteredModel shows them */
	Mlmd__Pb__Governance__GetRegisteredModelRequest g = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
	g.name = "iris";
	Mlmd__Pb__Governance__GetRegisteredModelResponse *gr = RPC_OK(s, GetRegisteredModel, &g, get_registered_model);
	assert_int_equal(gr->model->n_open_requests, 1);
	assert_int_equal(gr->model->open_requests[0]->request_id, other);
	assert_int_equal(gr->model->n_policies, 2);
	assert_string_equal(gr->model->policies[0]->alias, "prod");
	assert_string_equal(gr->model->policies[1]->alias, "shadow");
	assert_int_equal(gr->model->n_aliases, 1);
	assert_string_equal(gr->model->aliases[0]->alias, "prod");
	assert_int_equal(gr->model->aliases[0]->version, 1);
	assert_int_equal(gr->model->versions[0]->n_aliases, 1);
	free_msg(gr);
	/* pending_only lists */
	Mlmd__Pb__Governance__GetAliasRequestsRequest q = MLMD__PB__GOVERNANCE__GET_ALIAS_REQUESTS_REQUEST__INIT;
	q.model_name = "iris";
	Mlmd__Pb__Governance__GetAliasRequestsResponse *qr = RPC_OK(s, GetAliasRequests, &q, get_alias_requests);
	assert_int_equal(qr->n_requests, 4);
	assert_int_equal(qr->requests[0]->request_id, first);
	free_msg(qr);
	q.has_pending_only = 1;
	q.pending_only = 1;
	qr = RPC_OK(s, GetAliasRequests, &q, get_alias_requests);
	assert_int_equal(qr->n_requests, 1);
	free_msg(qr);
	mlmd_store_free(s);
}

/* ---- swaps -------------------------------------------------------------------------------- */

static void a_swap_moves_all_or_nothing(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	OK(set_alias(s, "iris", "champion", 1));
	OK(set_alias(s, "iris", "challenger", 2));
	Mlmd__Pb__Governance__SetAliasesRequest rq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Move m[2] = { MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT };
	Move *mp[2] = { &m[0], &m[1] };
	m[0].alias = "champion";
	m[0].has_version = 1;
	m[0].version = 2;
	m[1].alias = "challenger";
	m[1].has_version = 1;
	m[1].version = 1;
	rq.model_name = "iris";
	rq.moves = mp;
	rq.n_moves = 2;
	Mlmd__Pb__Governance__SetAliasesResponse *r = RPC_OK(s, SetAliases, &rq, set_aliases);
	assert_int_equal(r->n_moves, 2);
	assert_int_equal(r->moves[0]->old_version, 1);
	assert_int_equal(r->moves[0]->new_version, 2);
	assert_int_equal(r->moves[0]->time_ms, r->moves[1]->time_ms);
	assert_true(r->moves[0]->id < r->moves[1]->id);
	free_msg(r);
	assert_int_equal(resolve(s, "iris", "champion", 0, -1), 2);
	assert_int_equal(resolve(s, "iris", "challenger", 0, -1), 1);
	Mlmd__Pb__Governance__GetAliasHistoryResponse *h = history(s, "iris", NULL);
	size_t before = h->n_entries;
	free_msg(h);
	/* one invalid move: nothing moves */
	m[0].version = 1;
	m[1].version = 9;
	RPC_FAILS(s, SetAliases, &rq, set_aliases, MLMD_NOT_FOUND, "moves[1]: model 'iris' has no version 9");
	m[1].version = 2;
	m[1].alias = "champion";
	RPC_FAILS(s, SetAliases, &rq, set_aliases, MLMD_INVALID_ARGUMENT, "alias 'champion' is moved twice");
	/* one alias with a policy: nothing moves */
	m[1].alias = "challenger";
	set_policy(s, "iris", "challenger", 1, NULL, NULL);
	RPC_FAILS(s, SetAliases, &rq, set_aliases, MLMD_FAILED_PRECONDITION, "alias 'challenger' of model 'iris' has a policy");
	assert_int_equal(resolve(s, "iris", "champion", 0, -1), 2);
	assert_int_equal(resolve(s, "iris", "challenger", 0, -1), 1);
	h = history(s, "iris", NULL);
	assert_int_equal(h->n_entries, before);
	free_msg(h);
	/* the same swap as one request: both aliases move with its approval */
	set_policy(s, "iris", "champion", 1, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id = request2(s, "iris", NULL, 2, "champion", 1, "challenger", 2);
	int st = -1;
	OK(decide(s, "bob", 1, id, &st, NULL));
	assert_int_equal(st, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_int_equal(resolve(s, "iris", "champion", 0, -1), 1);
	assert_int_equal(resolve(s, "iris", "challenger", 0, -1), 2);
	h = history(s, "iris", NULL);
	assert_int_equal(h->n_entries, before + 2);
	assert_int_equal(h->entries[before]->request_id, id);
	assert_int_equal(h->entries[before + 1]->request_id, id);
	free_msg(h);
	mlmd_store_free(s);
}


/* ---- as of a time ------------------------------------------------------------------------- */

/* What `alias` named at `t` by the recorded history: the last entry at or
 * before t (entries come oldest first, ties by id); 0 when none. */
static int64_t expected_at(const Mlmd__Pb__Governance__GetAliasHistoryResponse *h, int64_t t)
{
	int64_t v = 0;
	for (size_t i = 0; i < h->n_entries; i++)
		if (h->entries[i]->time_ms <= t)
			v = h->entries[i]->new_version;
	return v;
}

static void resolution_as_of_a_time_follows_the_history(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 3);
	OK(mlmd_store_set_actor(s, "alice"));
	OK(set_alias(s, "iris", "prod", 1));
	OK(set_alias(s, "iris", "prod", 2));
	OK(set_alias(s, "iris", "other", 3));
	OK(set_alias(s, "iris", "prod", 3));
	OK(set_alias(s, "iris", "prod", 0));
	Mlmd__Pb__Governance__GetAliasHistoryResponse *h = history(s, "iris", "prod");
	assert_int_equal(h->n_entries, 4);
	for (size_t i = 0; i < h->n_entries; i++) {
		assert_string_equal(h->entries[i]->alias, "prod");
		assert_string_equal(h->entries[i]->actor, "alice");
		assert_int_equal(h->entries[i]->request_id, 0);
		assert_int_equal(h->entries[i]->new_version, i < 3 ? (int64_t)i + 1 : 0);
		assert_int_equal(h->entries[i]->old_version, (int64_t)i);
		if (i) {
			assert_true(h->entries[i]->time_ms >= h->entries[i - 1]->time_ms);
			assert_true(h->entries[i]->id > h->entries[i - 1]->id);
		}
	}
	/* every recorded time, the ms before it and a point between each pair */
	int64_t t0 = h->entries[0]->time_ms;
	FAILS(resolve(s, "iris", "prod", 0, t0 - 1), MLMD_NOT_FOUND, "alias 'prod' of model 'iris' named no version at");
	for (size_t i = 0; i < h->n_entries; i++) {
		int64_t t = h->entries[i]->time_ms;
		int64_t probe[3] = { t - 1, t, i + 1 < h->n_entries ? t + (h->entries[i + 1]->time_ms - t) / 2 : t + 1000 };
		for (int j = 0; j < 3; j++) {
			int64_t want = expected_at(h, probe[j]);
			if (want)
				assert_int_equal(resolve(s, "iris", "prod", 0, probe[j]), want);
			else
				FAILS(resolve(s, "iris", "prod", 0, probe[j]), MLMD_NOT_FOUND, "named no version");
		}
	}
	/* removed now: NOT_FOUND now and after the removal */
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_NOT_FOUND, "has no alias 'prod'");
	FAILS(resolve(s, "iris", "prod", 0, h->entries[3]->time_ms + 1), MLMD_NOT_FOUND, "named no version");
	free_msg(h);
	h = history(s, "iris", NULL);
	assert_int_equal(h->n_entries, 5);
	free_msg(h);

	/* a version by number exists from its creation on; latest as of a time */
	Mlmd__Pb__Governance__GetRegisteredModelRequest g = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
	g.name = "iris";
	Mlmd__Pb__Governance__GetRegisteredModelResponse *gr = RPC_OK(s, GetRegisteredModel, &g, get_registered_model);
	int64_t c1 = gr->model->versions[0]->create_time_ms, c3 = gr->model->versions[2]->create_time_ms;
	free_msg(gr);
	FAILS(resolve(s, "iris", NULL, 1, c1 - 1), MLMD_NOT_FOUND, "version 1 of model 'iris' did not exist at");
	assert_int_equal(resolve(s, "iris", NULL, 1, c1), 1);
	assert_int_equal(resolve(s, "iris", NULL, 3, c3), 3);
	assert_int_equal(resolve(s, "iris", "latest", 0, c3), 3);
	assert_int_equal(resolve(s, "iris", "latest", 0, -1), 3);
	FAILS(resolve(s, "iris", "latest", 0, c1 - 1), MLMD_NOT_FOUND, "model 'iris' had no versions");
	Mlmd__Pb__Governance__ResolveModelRequest neg = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	neg.model_name = "iris";
	neg.alias = "other";
	neg.has_as_of_ms = 1;
	neg.as_of_ms = -5;
	RPC_FAILS(s, ResolveModel, &neg, resolve_model, MLMD_INVALID_ARGUMENT, "as_of_ms -5 is before the epoch");
	mlmd_store_free(s);
}

/* ---- the records are MLMD's ---------------------------------------------------------------- */

static void models_and_versions_are_mlmd_contexts(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t model = create_model(s, "iris");
	int64_t art = model_artifact(s, "file:///iris.onnx", NULL);
	int64_t run = put_execution_node(s, execution_type(s, "Train"));
	add_version(s, "iris", art, run, NULL);

	Mlmd__Pb__GetContextsByTypeRequest t = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetContextsByTypeResponse *tr;
	t.type_name = "mlmd.ModelVersion";
	OK(mlmd_store_get_contexts_by_type(s, &t, &tr));
	assert_int_equal(tr->n_contexts, 1);
	Mlmd__Pb__Context *v = tr->contexts[0];
	assert_string_equal(v->name, "iris/1");
	assert_string_equal(mlmd_node_get(v, 1, "mlmd.model")->string_value, "iris");
	assert_int_equal(mlmd_node_get(v, 1, "mlmd.version")->int_value, 1);
	assert_int_equal(mlmd_node_get(v, 1, "mlmd.artifact_id")->int_value, art);
	assert_int_equal(mlmd_node_get(v, 1, "mlmd.run_id")->int_value, run);
	int64_t vid = v->id;
	mlmd_message_free(tr);
	t.type_name = "mlmd.RegisteredModel";
	OK(mlmd_store_get_contexts_by_type(s, &t, &tr));
	assert_int_equal(tr->n_contexts, 1);
	assert_int_equal(tr->contexts[0]->id, model);
	assert_int_equal(mlmd_node_get(tr->contexts[0], 1, "mlmd.latest_version")->int_value, 1);
	mlmd_message_free(tr);

	Mlmd__Pb__GetParentContextsByContextRequest p = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextResponse *pr;
	p.has_context_id = 1;
	p.context_id = vid;
	OK(mlmd_store_get_parent_contexts_by_context(s, &p, &pr));
	assert_int_equal(pr->n_contexts, 1);
	assert_int_equal(pr->contexts[0]->id, model);
	mlmd_message_free(pr);

	Mlmd__Pb__GetContextsByArtifactRequest a = MLMD__PB__GET_CONTEXTS_BY_ARTIFACT_REQUEST__INIT;
	Mlmd__Pb__GetContextsByArtifactResponse *ar;
	a.has_artifact_id = 1;
	a.artifact_id = art;
	OK(mlmd_store_get_contexts_by_artifact(s, &a, &ar));
	assert_int_equal(ar->n_contexts, 2); /* the model and its version */
	mlmd_message_free(ar);

	Mlmd__Pb__GetContextsByExecutionRequest e = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__GetContextsByExecutionResponse *er;
	e.has_execution_id = 1;
	e.execution_id = run;
	OK(mlmd_store_get_contexts_by_execution(s, &e, &er));
	assert_int_equal(er->n_contexts, 1);
	assert_int_equal(er->contexts[0]->id, vid);
	mlmd_message_free(er);
	mlmd_store_free(s);
}

/* A model is an MLMD context that PutContexts can edit: a latest_version no
 * version can follow is refused, not overflowed. */
static void an_edited_latest_version_is_refused(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 1);
	const int64_t bad[] = { INT64_MAX, -5 };
	for (size_t i = 0; i < 2; i++) {
		Mlmd__Pb__GetContextsByTypeRequest t = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
		Mlmd__Pb__GetContextsByTypeResponse *tr;
		t.type_name = "mlmd.RegisteredModel";
		OK(mlmd_store_get_contexts_by_type(s, &t, &tr));
		assert_int_equal(tr->n_contexts, 1);
		((Mlmd__Pb__Value *)mlmd_node_get(tr->contexts[0], 1, "mlmd.latest_version"))->int_value = bad[i];
		Mlmd__Pb__PutContextsRequest pc = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutContextsResponse *pr;
		pc.n_contexts = 1;
		pc.contexts = tr->contexts;
		OK(mlmd_store_put_contexts(s, &pc, &pr));
		mlmd_message_free(pr);
		mlmd_message_free(tr);
		Mlmd__Pb__Governance__CreateModelVersionRequest rq =
			MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
		rq.model_name = "iris";
		rq.has_artifact_id = 1;
		rq.artifact_id = model_artifact(s, i ? "file:///b" : "file:///a", NULL);
		RPC_FAILS(s, CreateModelVersion, &rq, create_model_version, MLMD_FAILED_PRECONDITION,
			  "which no version can follow (the context was edited outside the registry)");
	}
	mlmd_store_free(s);
}

static void models_list_search_and_update(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Governance__ListRegisteredModelsRequest l = MLMD__PB__GOVERNANCE__LIST_REGISTERED_MODELS_REQUEST__INIT;
	Mlmd__Pb__Governance__ListRegisteredModelsResponse *lr = RPC_OK(s, ListRegisteredModels, &l, list_registered_models);
	assert_int_equal(lr->n_models, 0);
	free_msg(lr);
	const char *names[] = { "wine", "iris", "mnist" };
	for (int i = 0; i < 3; i++)
		create_model(s, names[i]);
	int64_t a = model_artifact(s, "file:///a", NULL), b = model_artifact(s, "file:///b", NULL);
	add_version(s, "iris", a, 0, "stage", "dev", NULL);
	add_version(s, "iris", b, 0, "stage", "prod", NULL);
	add_version(s, "wine", a, 0, "stage", "dev", NULL);

	l.has_max_results = 1;
	l.max_results = 2;
	lr = RPC_OK(s, ListRegisteredModels, &l, list_registered_models);
	assert_int_equal(lr->n_models, 2);
	assert_string_equal(lr->models[0]->name, "iris");
	assert_string_equal(lr->models[1]->name, "mnist");
	assert_non_null(lr->next_page_token);
	l.page_token = lr->next_page_token;
	Mlmd__Pb__Governance__ListRegisteredModelsResponse *lr2 = RPC_OK(s, ListRegisteredModels, &l, list_registered_models);
	assert_int_equal(lr2->n_models, 1);
	assert_string_equal(lr2->models[0]->name, "wine");
	assert_int_equal(lr2->models[0]->latest_version, 1);
	assert_null(lr2->next_page_token);
	free_msg(lr2);
	free_msg(lr);

	Mlmd__Pb__Governance__SearchModelVersionsRequest q = MLMD__PB__GOVERNANCE__SEARCH_MODEL_VERSIONS_REQUEST__INIT;
	Mlmd__Pb__Governance__SearchModelVersionsResponse *qr = RPC_OK(s, SearchModelVersions, &q, search_model_versions);
	assert_int_equal(qr->n_versions, 3);
	assert_string_equal(qr->versions[0]->model_name, "iris");
	assert_int_equal(qr->versions[1]->version, 2);
	assert_string_equal(qr->versions[2]->model_name, "wine");
	free_msg(qr);
	q.has_artifact_id = 1;
	q.artifact_id = a;
	qr = RPC_OK(s, SearchModelVersions, &q, search_model_versions);
	assert_int_equal(qr->n_versions, 2);
	free_msg(qr);
	Tag t = MLMD__PB__GOVERNANCE__TAG__INIT, *tp = &t;
	t.key = "stage";
	t.value = "dev";
	q.tags = &tp;
	q.n_tags = 1;
	q.model_name = "iris";
	qr = RPC_OK(s, SearchModelVersions, &q, search_model_versions);
	assert_int_equal(qr->n_versions, 1);
	assert_int_equal(qr->versions[0]->version, 1);
	free_msg(qr);
	q.model_name = "nosuch";
	qr = RPC_OK(s, SearchModelVersions, &q, search_model_versions);
	assert_int_equal(qr->n_versions, 0);
	free_msg(qr);
	/* paging by offset */
	Mlmd__Pb__Governance__SearchModelVersionsRequest p = MLMD__PB__GOVERNANCE__SEARCH_MODEL_VERSIONS_REQUEST__INIT;
	p.has_max_results = 1;
	p.max_results = 2;
	qr = RPC_OK(s, SearchModelVersions, &p, search_model_versions);
	assert_int_equal(qr->n_versions, 2);
	assert_non_null(qr->next_page_token);
	p.page_token = qr->next_page_token;
	Mlmd__Pb__Governance__SearchModelVersionsResponse *qr2 = RPC_OK(s, SearchModelVersions, &p, search_model_versions);
	assert_int_equal(qr2->n_versions, 1);
	assert_string_equal(qr2->versions[0]->model_name, "wine");
	free_msg(qr2);
	free_msg(qr);
	p.page_token = "x";
	RPC_FAILS(s, SearchModelVersions, &p, search_model_versions, MLMD_INVALID_ARGUMENT, "page_token 'x'");
	/* only the digits it printed: no sign, no space, nothing past int64 */
	const char *bad_tokens[] = { " 1", "+1", "-1", "99999999999999999999", "1 " };
	for (size_t i = 0; i < sizeof bad_tokens / sizeof *bad_tokens; i++) {
		p.page_token = (char *)bad_tokens[i];
		RPC_FAILS(s, SearchModelVersions, &p, search_model_versions, MLMD_INVALID_ARGUMENT, "is not one this search");
	}

	/* description and tags change; the others stay */
	Mlmd__Pb__Governance__UpdateRegisteredModelRequest u = MLMD__PB__GOVERNANCE__UPDATE_REGISTERED_MODEL_REQUEST__INIT;
	Tag t2 = MLMD__PB__GOVERNANCE__TAG__INIT, *t2p = &t2;
	t2.key = "owner";
	t2.value = "ml";
	u.name = "iris";
	u.description = "new text";
	u.set_tags = &t2p;
	u.n_set_tags = 1;
	Mlmd__Pb__Governance__UpdateRegisteredModelResponse *ur = RPC_OK(s, UpdateRegisteredModel, &u, update_registered_model);
	assert_string_equal(ur->model->description, "new text");
	assert_int_equal(ur->model->n_tags, 1);
	assert_int_equal(ur->model->latest_version, 2);
	free_msg(ur);
	char *del = "owner";
	u.description = NULL;
	u.n_set_tags = 0;
	u.delete_tags = &del;
	u.n_delete_tags = 1;
	ur = RPC_OK(s, UpdateRegisteredModel, &u, update_registered_model);
	assert_string_equal(ur->model->description, "new text");
	assert_int_equal(ur->model->n_tags, 0);
	free_msg(ur);
	u.name = "nosuch";
	RPC_FAILS(s, UpdateRegisteredModel, &u, update_registered_model, MLMD_NOT_FOUND, "registered model 'nosuch'");
	mlmd_store_free(s);
}

/* ---- the audit log ------------------------------------------------------------------------ */

/* The audit records after `since` (free it). */
static Mlmd__Pb__Governance__GetAuditLogResponse *audit_since(mlmd_store *s, int64_t since)
{
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	rq.has_since_seq = 1;
	rq.since_seq = since;
	return RPC_OK(s, GetAuditLog, &rq, get_audit_log);
}

static void every_writing_registry_call_is_audited_once(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t art = model_artifact(s, "file:///iris.onnx", NULL);
	Mlmd__Pb__Governance__GetAuditLogResponse *a = audit_since(s, 0);
	int64_t start = a->last_seq;
	free_msg(a);

	OK(mlmd_store_set_actor(s, "alice"));
	create_model(s, "iris");
	add_version(s, "iris", art, 0, NULL);
	add_version(s, "iris", art, 0, NULL);
	OK(set_alias(s, "iris", "staging", 1));
	OK(mlmd_store_set_actor(s, "root"));
	set_policy(s, "iris", "prod", 1, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id = request(s, "iris", "prod", 2, NULL);
	OK(decide(s, "bob", 1, id, NULL, NULL));
	/* reads write nothing; refused calls leave no record */
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	free_msg(history(s, "iris", NULL));
	FAILS(set_alias(s, "iris", "prod", 1), MLMD_FAILED_PRECONDITION, "has a policy");
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t id2 = request(s, "iris", "prod", 1, NULL);
	FAILS(decide(s, "alice", 1, id2, NULL, NULL), MLMD_PERMISSION_DENIED, "cannot approve");
	FAILS(decide(s, "bob", 1, id, NULL, NULL), MLMD_FAILED_PRECONDITION, "is approved");
	OK(decide(s, "carol", 0, id2, NULL, NULL));

	static const struct {
		const char *op, *actor;
	} want[] = {
		{ "CreateRegisteredModel", "alice" }, { "CreateModelVersion", "alice" }, { "CreateModelVersion", "alice" },
		{ "SetAliases", "alice" },	      { "SetAliasPolicy", "root" },	 { "RequestAliasMove", "alice" },
		{ "ApproveRequest", "bob" },	      { "RequestAliasMove", "alice" },	 { "RejectRequest", "carol" },
	};
	size_t nwant = sizeof want / sizeof *want;
	a = audit_since(s, start);
	assert_int_equal(a->n_records, nwant);
	assert_int_equal(a->last_seq, start + (int64_t)nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_string_equal(a->records[i]->operation, want[i].op);
		assert_string_equal(a->records[i]->actor, want[i].actor);
		assert_int_equal(a->records[i]->seq, start + (int64_t)i + 1);
	}
	/* the approval's record names the request it decided */
	char ids[64];
	snprintf(ids, sizeof ids, "request_id=%lld", (long long)id);
	if (!strstr(a->records[6]->ids, ids))
		fail_msg("ApproveRequest's ids '%s' lack '%s'", a->records[6]->ids, ids);
	free_msg(a);
	mlmd_store_free(s);
}


/* ---- an older store ------------------------------------------------------------------------ */

static void a_version_3_store_says_the_registry_needs_version_4(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own; once is enough */
	char *path = tmp_path("v3");
	mlmd_store *s = open_file(path);
	mlmd_store_free(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, TEST_DROP_V5_SQL TEST_DROP_V4_SQL " UPDATE mlmd_schema SET version = 3", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), 3);
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	rq.name = "iris";
	RPC_FAILS(s, CreateRegisteredModel, &rq, create_registered_model, MLMD_FAILED_PRECONDITION,
		  "CreateRegisteredModel needs schema version 4");
	FAILS(resolve(s, "iris", "prod", 0, -1), MLMD_FAILED_PRECONDITION, "ResolveModel needs schema version 4");
	mlmd_store_free(s);
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	create_model(s, "iris");
	mlmd_store_free(s);
	tmp_remove(path);
}

/* ---- two handles at once ------------------------------------------------------------------ */

typedef struct approver_arg {
	const char *uri, *actor;
	int64_t request_id;
	pthread_barrier_t *start;
	int rc;                      /* of ApproveRequest; -1000 when the store did not open */
} approver_arg;

/* Opens its own handle as `actor`, waits for the other thread, then approves. */
static void *approver(void *p)
{
	approver_arg *a = p;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = a->uri;
	o.actor = a->actor;
	mlmd_store *s = NULL;
	int opened = mlmd_store_open(&s, &o) == 0;
	pthread_barrier_wait(a->start);
	if (!opened) {
		a->rc = -1000;
		return NULL;
	}
	Mlmd__Pb__Governance__ApproveRequestRequest rq = MLMD__PB__GOVERNANCE__APPROVE_REQUEST_REQUEST__INIT;
	rq.has_request_id = 1;
	rq.request_id = a->request_id;
	uint8_t buf[64];
	size_t n = mlmd__pb__governance__approve_request_request__pack(&rq, buf);
	void *resp = NULL;
	size_t len = 0;
	a->rc = mlmd_store_call(s, "ApproveRequest", buf, n, &resp, &len);
	mlmd_buffer_free(resp);
	mlmd_store_free(s);
	return NULL;
}

/* Two reviewers, each on a handle of their own, approve two pending
 * requests for the same alias at the same moment. The store's write lock
 * puts one before the other: exactly one request is applied, the other is
 * superseded by it (its approval refused as such), the alias names the
 * applied one's version and the history has one move. */
static void racing_approvals_apply_one_request(void **state)
{
	(void)state;
	if (!strcmp(test_backend(), "sqlite-memory"))
		skip(); /* one handle only */
	mlmd_store *s = open_memory();
	iris(s, 3);
	set_policy(s, "iris", "prod", 1, NULL, NULL);
	OK(mlmd_store_set_actor(s, "alice"));
	int64_t ids[2] = { request(s, "iris", "prod", 2, NULL), request(s, "iris", "prod", 3, NULL) };
	char uri[1200];
	snprintf(uri, sizeof uri, "%s", last_store_uri);
	pthread_barrier_t start;
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	approver_arg args[2] = { { uri, "bob", ids[0], &start, 0 }, { uri, "carol", ids[1], &start, 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, approver, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start);
	int won = args[0].rc == 0 ? 0 : 1;
	assert_int_equal(args[won].rc, 0);
	assert_int_equal(args[1 - won].rc, -MLMD_FAILED_PRECONDITION);
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, ids[won]);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	free_msg(r);
	r = get_request(s, ids[1 - won]);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__SUPERSEDED);
	free_msg(r);
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), won == 0 ? 2 : 3);
	Mlmd__Pb__Governance__GetAliasHistoryResponse *h = history(s, "iris", "prod");
	assert_int_equal(h->n_entries, 1);
	assert_int_equal(h->entries[0]->request_id, ids[won]);
	free_msg(h);
	mlmd_store_free(s);
}

/* ---- restoring a model's state (import) --------------------------------------------------- */

/* RestoreRegistry puts back what an export read: aliases, a policy, a
 * request with its approval and the history naming it (mapped to the new
 * request id); bad versions, unknown request ids and a model that already
 * has state are refused with nothing written. */
static void restore_registry_puts_back_a_models_state(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	iris(s, 2);
	Move alias = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *ap = &alias;
	alias.alias = "prod";
	alias.has_version = 1;
	alias.version = 2;
	Mlmd__Pb__Governance__AliasPolicy pol = MLMD__PB__GOVERNANCE__ALIAS_POLICY__INIT, *pp = &pol;
	pol.alias = "prod";
	pol.has_approvals = 1;
	pol.approvals = 1;
	pol.actor = "owner";
	Mlmd__Pb__Governance__AliasRequest req = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__INIT, *rp = &req;
	req.has_request_id = 1;
	req.request_id = 77;
	req.n_moves = 1;
	req.moves = &ap;
	req.requester = "trainer";
	req.has_status = 1;
	req.status = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED;
	Mlmd__Pb__Governance__Approval ok = MLMD__PB__GOVERNANCE__APPROVAL__INIT, *okp = &ok;
	ok.actor = "reviewer";
	ok.has_approve = ok.approve = 1;
	req.n_approvals = 1;
	req.approvals = &okp;
	Mlmd__Pb__Governance__AliasHistoryEntry h = MLMD__PB__GOVERNANCE__ALIAS_HISTORY_ENTRY__INIT, *hp = &h;
	h.alias = "prod";
	h.has_new_version = h.has_time_ms = h.has_request_id = 1;
	h.new_version = 2;
	int64_t t = (int64_t)time(NULL) * 1000 + 5000; /* after the versions were created */
	h.time_ms = t;
	h.actor = "reviewer";
	h.request_id = 77;
	Mlmd__Pb__Governance__RestoreRegistryRequest rq = MLMD__PB__GOVERNANCE__RESTORE_REGISTRY_REQUEST__INIT;
	rq.model_name = "iris";
	rq.n_aliases = 1;
	rq.aliases = &ap;
	rq.n_policies = 1;
	rq.policies = &pp;
	rq.n_requests = 1;
	rq.requests = &rp;
	rq.n_history = 1;
	rq.history = &hp;
	/* refusals first: each leaves the model without state */
	h.request_id = 78;
	RPC_FAILS(s, RestoreRegistry, &rq, restore_registry, MLMD_INVALID_ARGUMENT, "names request 78");
	h.request_id = 77;
	alias.version = 3;
	RPC_FAILS(s, RestoreRegistry, &rq, restore_registry, MLMD_INVALID_ARGUMENT, "has no version 3");
	alias.version = 2;
	Mlmd__Pb__Governance__RestoreRegistryResponse *rs = RPC_OK(s, RestoreRegistry, &rq, restore_registry);
	assert_int_equal(rs->n_request_ids, 1);
	int64_t id = rs->request_ids[0];
	free_msg(rs);
	assert_int_equal(resolve(s, "iris", "prod", 0, -1), 2);
	assert_int_equal(resolve(s, "iris", "prod", 0, t - 1), -MLMD_NOT_FOUND);
	assert_int_equal(resolve(s, "iris", "prod", 0, t), 2);
	Mlmd__Pb__Governance__GetAliasHistoryResponse *hist = history(s, "iris", "prod");
	assert_int_equal(hist->n_entries, 1);
	assert_int_equal(hist->entries[0]->request_id, id);
	assert_string_equal(hist->entries[0]->actor, "reviewer");
	free_msg(hist);
	Mlmd__Pb__Governance__AliasRequest *r = get_request(s, id);
	assert_int_equal(r->status, MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED);
	assert_string_equal(r->requester, "trainer");
	assert_int_equal(r->approvals_count, 1);
	free_msg(r);
	/* the policy holds again: a direct move is refused */
	FAILS(set_alias(s, "iris", "prod", 1), MLMD_FAILED_PRECONDITION, "policy");
	RPC_FAILS(s, RestoreRegistry, &rq, restore_registry, MLMD_FAILED_PRECONDITION, "already has registry state");
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(models_and_versions_are_created_in_order),
		cmocka_unit_test(bad_names_and_unknown_records_are_refused),
		cmocka_unit_test(aliases_move_and_resolve),
		cmocka_unit_test(direct_moves_are_refused_naming_the_policy),
		cmocka_unit_test(self_approval_is_refused),
		cmocka_unit_test(the_same_approver_twice_counts_once),
		cmocka_unit_test(n_distinct_approvers_are_needed),
		cmocka_unit_test(requirements_are_checked_at_request_and_at_the_last_approval),
		cmocka_unit_test(a_rejected_request_cannot_be_approved),
		cmocka_unit_test(concurrent_requests_for_one_alias_supersede),
		cmocka_unit_test(racing_approvals_apply_one_request),
		cmocka_unit_test(a_swap_moves_all_or_nothing),
		cmocka_unit_test(restore_registry_puts_back_a_models_state),
		cmocka_unit_test(resolution_as_of_a_time_follows_the_history),
		cmocka_unit_test(models_and_versions_are_mlmd_contexts),
		cmocka_unit_test(models_list_search_and_update),
		cmocka_unit_test(an_edited_latest_version_is_refused),
		cmocka_unit_test(every_writing_registry_call_is_audited_once),
		cmocka_unit_test(a_version_3_store_says_the_registry_needs_version_4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_registry.c - the model registry's RPCs
 * (proto/mlmd_governance.proto, RegistryService) through mlmd_store_call with
 * real request bytes, on every backend (`make check-backends`): models,
 * versions and tags as MLMD contexts, aliases and their moves, policies,
 * requests and approvals one rule at a time, swaps, as-of resolution from
 * the recorded history, bad input, and the audit record of every writing
 * call (none for a refused one).
 */
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

typedef Mlmd__Pb__Governance__Tag Tag;
typedef Mlmd__Pb__Governance__AliasMove Move;

/* Packs rq, runs `method` through mlmd_store_call and unpacks the response
 * (NULL on failure; *rc is the status). */
static void *rpc(mlmd_store *s, const char *method, const void *rqv, const ProtobufCMessageDescriptor *out, int *rc)
{
	const ProtobufCMessage *rq = rqv;
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	protobuf_c_message_pack(rq, buf);
	void *resp = NULL;
	size_t len = 0;
	*rc = mlmd_store_call(s, method, buf, n, &resp, &len);
	free(buf);
	if (*rc)
		return NULL;
	void *m = protobuf_c_message_unpack(out, NULL, len, resp ? resp : (void *)"");
	mlmd_buffer_free(resp);
	assert_non_null(m);
	return m;
}

#define RPC_OK(s, M, rq, snake)                                                                   \
	({                                                                                        \
		int rc__;                                                                         \
		Mlmd__Pb__Governance__##M##Response *r__ =                                        \
			rpc(s, #M, rq, &mlmd__pb__governance__##snake##_response__descriptor, &rc__); \
		if (rc__)                                                                         \
			fail_msg(#M " -> %d (%s): %s", rc__, mlmd_status_name(rc__), mlmd_error_message()); \
		r__;                                                                              \
	})
#define RPC_FAILS(s, M, rq, snake, want, needle)                                                  \
	do {                                                                                      \
		int rc__;                                                                         \
		void *r__ = rpc(s, #M, rq, &mlmd__pb__governance__##snake##_response__descriptor, &rc__); \
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
	free_msg(rpc(s, "SetAliases", &rq, &mlmd__pb__governance__set_aliases_response__descriptor, &rc));
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
		rpc(s, "ResolveModel", &rq, &mlmd__pb__governance__resolve_model_response__descriptor, &rc);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(models_and_versions_are_created_in_order),
		cmocka_unit_test(bad_names_and_unknown_records_are_refused),
		cmocka_unit_test(aliases_move_and_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/test_types.c - PutArtifactType/PutTypes and type reads. */
#include "helpers.h"

static int put_at(mlmd_store *s, Mlmd__Pb__ArtifactType *t, int add, int omit, int64_t *id)
{
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs = NULL;
	rq.artifact_type = t;
	rq.has_can_add_fields = rq.has_can_omit_fields = 1;
	rq.can_add_fields = add;
	rq.can_omit_fields = omit;
	int rc = mlmd_store_put_artifact_type(s, &rq, &rs);
	if (!rc && id)
		*id = rs->type_id;
	mlmd_message_free(rs);
	return rc;
}

static Mlmd__Pb__ArtifactType *mk(const char *name, const char *version)
{
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	OK(mlmd_message_set_string(t, "name", name));
	if (version)
		OK(mlmd_message_set_string(t, "version", version));
	return t;
}

static void put_type_is_idempotent_and_returns_same_id(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("DataSet", NULL);
	OK(mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__INT));
	int64_t a, b;
	OK(put_at(s, t, 0, 0, &a));
	OK(put_at(s, t, 0, 0, &b));
	assert_true(a > 0);
	assert_int_equal(a, b);
	mlmd_message_free(t);
	mlmd_store_free(s);
}

static void put_type_rejects_changed_property_type(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("DataSet", NULL);
	OK(mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__INT));
	OK(put_at(s, t, 0, 0, NULL));
	mlmd_message_free(t);
	t = mk("DataSet", NULL);
	OK(mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__STRING));
	FAILS(put_at(s, t, 1, 1, NULL), MLMD_ALREADY_EXISTS, "Type already exists with different properties");
	mlmd_message_free(t);
	mlmd_store_free(s);
}

static void put_type_add_and_omit_fields_need_flags(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("M", NULL);
	OK(mlmd_type_add_property(t, "a", MLMD__PB__PROPERTY_TYPE__INT));
	int64_t id = 0, id2 = 0;
	OK(put_at(s, t, 0, 0, &id));
	OK(mlmd_type_add_property(t, "b", MLMD__PB__PROPERTY_TYPE__DOUBLE));
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_ALREADY_EXISTS, "can_add_fields");
	OK(put_at(s, t, 1, 0, &id2));
	assert_int_equal(id, id2);
	mlmd_message_free(t);
	/* omitting 'a' and 'b' */
	t = mk("M", NULL);
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_ALREADY_EXISTS, "can_omit_fields");
	OK(put_at(s, t, 0, 1, &id2));
	assert_int_equal(id, id2);
	mlmd_message_free(t);

	Mlmd__Pb__GetArtifactTypeRequest g = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeResponse *gr;
	g.type_name = "M";
	OK(mlmd_store_get_artifact_type(s, &g, &gr));
	assert_int_equal(gr->artifact_type->n_properties, 2); /* omitted ones stay stored */
	mlmd_message_free(gr);
	mlmd_store_free(s);
}

static void put_type_validates_input(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("", NULL);
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "name is required");
	mlmd_message_free(t);
	t = mk("X", NULL);
	OK(mlmd_type_add_property(t, "p", MLMD__PB__PROPERTY_TYPE__UNKNOWN));
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "UNKNOWN");
	mlmd_message_free(t);
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs = NULL;
	FAILS(mlmd_store_put_artifact_type(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "artifact_type is required");
	assert_null(rs);
	mlmd_store_free(s);
}

static void versions_are_distinct_types(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *v1 = mk("Model", "v1"), *v2 = mk("Model", "v2"), *v0 = mk("Model", "");
	int64_t a = 0, b = 0, c = 0;
	OK(put_at(s, v1, 0, 0, &a));
	OK(put_at(s, v2, 0, 0, &b));
	OK(put_at(s, v0, 0, 0, &c));
	assert_true(a != b && b != c && a != c);
	Mlmd__Pb__GetArtifactTypeRequest g = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeResponse *gr;
	g.type_name = "Model";
	g.type_version = "v2";
	OK(mlmd_store_get_artifact_type(s, &g, &gr));
	assert_int_equal(gr->artifact_type->id, b);
	assert_string_equal(gr->artifact_type->version, "v2");
	mlmd_message_free(gr);
	g.type_version = NULL;
	OK(mlmd_store_get_artifact_type(s, &g, &gr));
	assert_int_equal(gr->artifact_type->id, c);
	assert_null(gr->artifact_type->version);
	mlmd_message_free(gr);
	g.type_version = "v9";
	gr = NULL;
	FAILS(mlmd_store_get_artifact_type(s, &g, &gr), MLMD_NOT_FOUND, "No type found");
	mlmd_message_free(v0);
	mlmd_message_free(v1);
	mlmd_message_free(v2);
	mlmd_store_free(s);
}

static void put_types_is_atomic(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *a = mk("A", NULL);
	Mlmd__Pb__ExecutionType e = MLMD__PB__EXECUTION_TYPE__INIT, bad = MLMD__PB__EXECUTION_TYPE__INIT;
	Mlmd__Pb__ContextType c = MLMD__PB__CONTEXT_TYPE__INIT;
	e.name = "Train";
	c.name = "Run";
	bad.name = "";
	Mlmd__Pb__ExecutionType *es[2] = { &e, &bad };
	Mlmd__Pb__ContextType *cs[1] = { &c };
	Mlmd__Pb__PutTypesRequest rq = MLMD__PB__PUT_TYPES_REQUEST__INIT;
	Mlmd__Pb__PutTypesResponse *rs = NULL;
	rq.n_artifact_types = 1;
	rq.artifact_types = &a;
	rq.n_execution_types = 2;
	rq.execution_types = es;
	rq.n_context_types = 1;
	rq.context_types = cs;
	FAILS(mlmd_store_put_types(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "name is required");
	Mlmd__Pb__GetArtifactTypesRequest g = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *gr;
	OK(mlmd_store_get_artifact_types(s, &g, &gr));
	assert_int_equal(gr->n_artifact_types, 0); /* nothing of the failed call stayed */
	mlmd_message_free(gr);
	rq.n_execution_types = 1;
	OK(mlmd_store_put_types(s, &rq, &rs));
	assert_int_equal(rs->n_artifact_type_ids, 1);
	assert_int_equal(rs->n_execution_type_ids, 1);
	assert_int_equal(rs->n_context_type_ids, 1);
	Mlmd__Pb__GetContextTypesByIDRequest bi = MLMD__PB__GET_CONTEXT_TYPES_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextTypesByIDResponse *br;
	int64_t ids[3] = { rs->context_type_ids[0], 999, rs->artifact_type_ids[0] };
	bi.n_type_ids = 3;
	bi.type_ids = ids;
	OK(mlmd_store_get_context_types_by_id(s, &bi, &br));
	assert_int_equal(br->n_context_types, 1); /* unknown and wrong-kind ids are skipped */
	assert_string_equal(br->context_types[0]->name, "Run");
	mlmd_message_free(br);
	mlmd_message_free(rs);
	mlmd_message_free(a);
	mlmd_store_free(s);
}

static void types_by_external_ids(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("E", NULL), *u = mk("F", NULL);
	OK(mlmd_message_set_string(t, "external_id", "ext-1"));
	OK(mlmd_message_set_string(u, "external_id", "ext-1"));
	OK(put_at(s, t, 0, 0, NULL));
	FAILS(put_at(s, u, 0, 0, NULL), MLMD_ALREADY_EXISTS, "external_id");
	Mlmd__Pb__GetArtifactTypesByExternalIdsRequest rq = MLMD__PB__GET_ARTIFACT_TYPES_BY_EXTERNAL_IDS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesByExternalIdsResponse *rs;
	char *ids[2] = { "ext-1", "nope" };
	rq.n_external_ids = 2;
	rq.external_ids = ids;
	OK(mlmd_store_get_artifact_types_by_external_ids(s, &rq, &rs));
	assert_int_equal(rs->n_artifact_types, 1);
	assert_string_equal(rs->artifact_types[0]->external_id, "ext-1");
	mlmd_message_free(rs);
	rq.external_ids = ids + 1;
	rq.n_external_ids = 1;
	FAILS(mlmd_store_get_artifact_types_by_external_ids(s, &rq, &rs), MLMD_NOT_FOUND, "external_ids");
	char *empty[1] = { "" };
	rq.external_ids = empty;
	FAILS(mlmd_store_get_artifact_types_by_external_ids(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "empty");
	mlmd_message_free(t);
	mlmd_message_free(u);
	mlmd_store_free(s);
}

static void base_type_round_trips_is_added_never_changed(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType *t = mk("MyModel", NULL);
	t->has_base_type = 1;
	t->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__MODEL;
	int64_t id = 0;
	OK(put_at(s, t, 0, 0, &id));
	Mlmd__Pb__GetArtifactTypesByIDRequest g = MLMD__PB__GET_ARTIFACT_TYPES_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesByIDResponse *gr;
	g.n_type_ids = 1;
	g.type_ids = &id;
	OK(mlmd_store_get_artifact_types_by_id(s, &g, &gr));
	assert_int_equal(gr->artifact_types[0]->base_type, MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__MODEL);
	mlmd_message_free(gr);
	t->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__DATASET;
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_UNIMPLEMENTED, "base_type");
	/* given again, or not given: the stored base stays */
	t->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__MODEL;
	OK(put_at(s, t, 0, 0, NULL));
	t->has_base_type = 0;
	OK(put_at(s, t, 0, 0, NULL));
	/* UNSET is a deletion, which MLMD refuses, for a new type too */
	t->has_base_type = 1;
	t->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__UNSET;
	FAILS(put_at(s, t, 0, 0, NULL), MLMD_UNIMPLEMENTED, "base_type deletion is not supported yet");
	Mlmd__Pb__ArtifactType *u = mk("Plain", NULL);
	u->has_base_type = 1;
	u->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__UNSET;
	FAILS(put_at(s, u, 0, 0, NULL), MLMD_UNIMPLEMENTED, "base_type deletion is not supported yet");
	/* a type stored without a base gets one when a later put gives it */
	u->has_base_type = 0;
	int64_t uid = 0;
	OK(put_at(s, u, 0, 0, &uid));
	u->has_base_type = 1;
	u->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__DATASET;
	int64_t uid2 = 0;
	OK(put_at(s, u, 0, 0, &uid2));
	assert_int_equal(uid, uid2);
	g.type_ids = &uid;
	OK(mlmd_store_get_artifact_types_by_id(s, &g, &gr));
	assert_int_equal(gr->artifact_types[0]->base_type, MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__DATASET);
	mlmd_message_free(gr);
	u->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__MODEL;
	FAILS(put_at(s, u, 0, 0, NULL), MLMD_UNIMPLEMENTED, "base_type");
	mlmd_message_free(u);
	mlmd_message_free(t);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_type_is_idempotent_and_returns_same_id),
		cmocka_unit_test(put_type_rejects_changed_property_type),
		cmocka_unit_test(put_type_add_and_omit_fields_need_flags),
		cmocka_unit_test(put_type_validates_input),
		cmocka_unit_test(versions_are_distinct_types),
		cmocka_unit_test(put_types_is_atomic),
		cmocka_unit_test(types_by_external_ids),
		cmocka_unit_test(base_type_round_trips_is_added_never_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

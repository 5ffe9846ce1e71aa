/*
 * tests/test_message.c - the message helpers (mlmd_message_append*,
 * mlmd_node_set_*, mlmd_type_add_property) on messages from every source:
 * built by the helpers, decoded by protobuf_c_message_unpack() (whose
 * repeated fields are sized exactly), and filled by the caller with malloc'd
 * arrays of exactly their length. Run under ASan (make check-san), an append
 * that writes past an exactly sized array is a heap-buffer-overflow.
 */
#include "helpers.h"

/* Initial lengths tried for every helper: the non-powers of two are the ones
 * whose capacity cannot be inferred from the count. */
#define MAX_START 10
#define APPENDS 9

/* An artifact with n custom properties "c0".."c{n-1}" (int i), built by the
 * helpers, then packed and unpacked: its arrays are protobuf-c's. */
static Mlmd__Pb__Artifact *unpacked_artifact(size_t n)
{
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	char name[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "c%zu", i);
		OK(mlmd_node_set_int(a, 1, name, (int64_t)i));
		snprintf(name, sizeof name, "p%zu", i);
		OK(mlmd_node_set_int(a, 0, name, (int64_t)i));
	}
	size_t len = mlmd__pb__artifact__get_packed_size(a);
	uint8_t *buf = malloc(len + 1);
	mlmd__pb__artifact__pack(a, buf);
	mlmd_message_free(a);
	Mlmd__Pb__Artifact *u = mlmd__pb__artifact__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(u);
	assert_int_equal(u->n_custom_properties, n);
	return u;
}

/* The same node with user-filled arrays: malloc'd to exactly n entries. */
static Mlmd__Pb__Artifact *user_artifact(size_t n)
{
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	if (!n)
		return a;
	a->custom_properties = malloc(n * sizeof *a->custom_properties);
	a->properties = malloc(n * sizeof *a->properties);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		Mlmd__Pb__Artifact__CustomPropertiesEntry *e =
			mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
		snprintf(name, sizeof name, "c%zu", i);
		e->key = strdup(name);
		e->value = mlmd_message_new(&mlmd__pb__value__descriptor);
		e->value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		e->value->int_value = (int64_t)i;
		a->custom_properties[a->n_custom_properties++] = e;
		Mlmd__Pb__Artifact__PropertiesEntry *p = mlmd_message_new(&mlmd__pb__artifact__properties_entry__descriptor);
		snprintf(name, sizeof name, "p%zu", i);
		p->key = strdup(name);
		p->value = mlmd_message_new(&mlmd__pb__value__descriptor);
		p->value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		p->value->int_value = (int64_t)i;
		a->properties[a->n_properties++] = p;
	}
	return a;
}

/* Adds APPENDS new properties of both maps with every setter, replaces an
 * old one, and checks every value survived. */
static void grow_node(Mlmd__Pb__Artifact *a, size_t n)
{
	char name[32];
	for (size_t i = n; i < n + APPENDS; i++) {
		snprintf(name, sizeof name, "c%zu", i);
		switch (i % 4) {
		case 0: OK(mlmd_node_set_int(a, 1, name, (int64_t)i)); break;
		case 1: OK(mlmd_node_set_double(a, 1, name, (double)i)); break;
		case 2: OK(mlmd_node_set_string(a, 1, name, "s")); break;
		default: OK(mlmd_node_set_bool(a, 1, name, 1)); break;
		}
		snprintf(name, sizeof name, "p%zu", i);
		OK(mlmd_node_set_int(a, 0, name, (int64_t)i));
	}
	/* a new entry through the generic append, too */
	Mlmd__Pb__Artifact__CustomPropertiesEntry *e =
		mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
	e->key = strdup("appended");
	e->value = mlmd_message_new(&mlmd__pb__value__descriptor);
	e->value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	e->value->int_value = 77;
	OK(mlmd_message_append(a, "custom_properties", e));
	if (n)
		OK(mlmd_node_set_int(a, 1, "c0", -1)); /* replace, not append */
	assert_int_equal(a->n_custom_properties, n + APPENDS + 1);
	assert_int_equal(a->n_properties, n + APPENDS);
	for (size_t i = 0; i < n + APPENDS; i++) {
		snprintf(name, sizeof name, "p%zu", i);
		const Mlmd__Pb__Value *v = mlmd_node_get(a, 0, name);
		assert_non_null(v);
		assert_int_equal(v->int_value, (int64_t)i);
		snprintf(name, sizeof name, "c%zu", i);
		assert_non_null(mlmd_node_get(a, 1, name));
	}
	assert_int_equal(mlmd_node_get(a, 1, "appended")->int_value, 77);
	if (n)
		assert_int_equal(mlmd_node_get(a, 1, "c0")->int_value, -1);
	/* and the message still packs and decodes to the same entries */
	size_t len = mlmd__pb__artifact__get_packed_size(a);
	uint8_t *buf = malloc(len + 1);
	mlmd__pb__artifact__pack(a, buf);
	Mlmd__Pb__Artifact *u = mlmd__pb__artifact__unpack(NULL, len, buf);
	free(buf);
	assert_non_null(u);
	assert_int_equal(u->n_custom_properties, n + APPENDS + 1);
	assert_int_equal(u->n_properties, n + APPENDS);
	mlmd_message_free(u);
}

static void node_setters_grow_unpacked_nodes(void **st)
{
	(void)st;
	for (size_t n = 0; n < MAX_START; n++) {
		Mlmd__Pb__Artifact *a = unpacked_artifact(n);
		grow_node(a, n);
		mlmd_message_free(a);
	}
}

static void node_setters_grow_user_built_nodes(void **st)
{
	(void)st;
	for (size_t n = 0; n < MAX_START; n++) {
		Mlmd__Pb__Artifact *a = user_artifact(n);
		grow_node(a, n);
		mlmd_message_free(a);
	}
}

/* A request decoded from bytes with n artifacts, n ids and n uris. */
static void *unpack_of(const ProtobufCMessageDescriptor *d, const void *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	protobuf_c_message_pack(m, buf);
	void *u = protobuf_c_message_unpack(d, NULL, len, buf);
	free(buf);
	assert_non_null(u);
	return u;
}

static void message_appends_grow_unpacked_repeated_fields(void **st)
{
	(void)st;
	for (size_t n = 0; n < MAX_START; n++) {
		Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
		Mlmd__Pb__GetArtifactsByIDRequest *ids = mlmd_message_new(&mlmd__pb__get_artifacts_by_idrequest__descriptor);
		Mlmd__Pb__GetArtifactsByURIRequest *uris = mlmd_message_new(&mlmd__pb__get_artifacts_by_urirequest__descriptor);
		for (size_t i = 0; i < n; i++) {
			OK(mlmd_message_append(rq, "artifacts", mlmd_message_new(&mlmd__pb__artifact__descriptor)));
			OK(mlmd_message_append_int64(ids, "artifact_ids", (int64_t)i));
			OK(mlmd_message_append_string(uris, "uris", "u"));
		}
		Mlmd__Pb__PutArtifactsRequest *urq = unpack_of(&mlmd__pb__put_artifacts_request__descriptor, rq);
		Mlmd__Pb__GetArtifactsByIDRequest *uids = unpack_of(&mlmd__pb__get_artifacts_by_idrequest__descriptor, ids);
		Mlmd__Pb__GetArtifactsByURIRequest *uuris = unpack_of(&mlmd__pb__get_artifacts_by_urirequest__descriptor, uris);
		mlmd_message_free(rq);
		mlmd_message_free(ids);
		mlmd_message_free(uris);
		for (size_t i = n; i < n + APPENDS; i++) {
			Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
			a->has_id = 1;
			a->id = (int64_t)i;
			OK(mlmd_message_append(urq, "artifacts", a));
			OK(mlmd_message_append_int64(uids, "artifact_ids", (int64_t)i * 10));
			OK(mlmd_message_append_string(uuris, "uris", "appended"));
		}
		assert_int_equal(urq->n_artifacts, n + APPENDS);
		assert_int_equal(uids->n_artifact_ids, n + APPENDS);
		assert_int_equal(uuris->n_uris, n + APPENDS);
		for (size_t i = n; i < n + APPENDS; i++) {
			assert_int_equal(urq->artifacts[i]->id, (int64_t)i);
			assert_int_equal(uids->artifact_ids[i], (int64_t)i * 10);
			assert_string_equal(uuris->uris[i], "appended");
		}
		mlmd_message_free(urq);
		mlmd_message_free(uids);
		mlmd_message_free(uuris);
	}
}

static void message_appends_grow_user_built_arrays(void **st)
{
	(void)st;
	for (size_t n = 1; n < MAX_START; n++) {
		Mlmd__Pb__GetArtifactsByIDRequest *ids = mlmd_message_new(&mlmd__pb__get_artifacts_by_idrequest__descriptor);
		ids->artifact_ids = malloc(n * sizeof *ids->artifact_ids);
		for (size_t i = 0; i < n; i++)
			ids->artifact_ids[ids->n_artifact_ids++] = (int64_t)i;
		Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
		rq->artifacts = malloc(n * sizeof *rq->artifacts);
		for (size_t i = 0; i < n; i++)
			rq->artifacts[rq->n_artifacts++] = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		for (size_t i = 0; i < APPENDS; i++) {
			OK(mlmd_message_append_int64(ids, "artifact_ids", -(int64_t)i));
			OK(mlmd_message_append(rq, "artifacts", mlmd_message_new(&mlmd__pb__artifact__descriptor)));
		}
		assert_int_equal(ids->n_artifact_ids, n + APPENDS);
		assert_int_equal(ids->artifact_ids[n + APPENDS - 1], -(int64_t)(APPENDS - 1));
		assert_int_equal(rq->n_artifacts, n + APPENDS);
		mlmd_message_free(ids);
		mlmd_message_free(rq);
	}
}

static void type_add_property_grows_unpacked_and_user_built_types(void **st)
{
	(void)st;
	char name[32];
	for (size_t n = 0; n < MAX_START; n++) {
		Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
		for (size_t i = 0; i < n; i++) {
			snprintf(name, sizeof name, "p%zu", i);
			OK(mlmd_type_add_property(t, name, MLMD__PB__PROPERTY_TYPE__INT));
		}
		Mlmd__Pb__ArtifactType *u = unpack_of(&mlmd__pb__artifact_type__descriptor, t);
		mlmd_message_free(t);
		/* user-built: exactly n entries in a malloc'd array */
		Mlmd__Pb__ArtifactType *w = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
		if (n)
			w->properties = malloc(n * sizeof *w->properties);
		for (size_t i = 0; i < n; i++) {
			Mlmd__Pb__ArtifactType__PropertiesEntry *e =
				mlmd_message_new(&mlmd__pb__artifact_type__properties_entry__descriptor);
			snprintf(name, sizeof name, "p%zu", i);
			e->key = strdup(name);
			e->has_value = 1;
			e->value = MLMD__PB__PROPERTY_TYPE__INT;
			w->properties[w->n_properties++] = e;
		}
		for (size_t i = n; i < n + APPENDS; i++) {
			snprintf(name, sizeof name, "p%zu", i);
			OK(mlmd_type_add_property(u, name, MLMD__PB__PROPERTY_TYPE__STRING));
			OK(mlmd_type_add_property(w, name, MLMD__PB__PROPERTY_TYPE__STRING));
		}
		assert_int_equal(u->n_properties, n + APPENDS);
		assert_int_equal(w->n_properties, n + APPENDS);
		for (size_t i = 0; i < n + APPENDS; i++) {
			snprintf(name, sizeof name, "p%zu", i);
			assert_string_equal(u->properties[i]->key, name);
			assert_string_equal(w->properties[i]->key, name);
			assert_int_equal(u->properties[i]->value,
					 i < n ? MLMD__PB__PROPERTY_TYPE__INT : MLMD__PB__PROPERTY_TYPE__STRING);
		}
		mlmd_message_free(u);
		mlmd_message_free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_setters_grow_unpacked_nodes),
		cmocka_unit_test(node_setters_grow_user_built_nodes),
		cmocka_unit_test(message_appends_grow_unpacked_repeated_fields),
		cmocka_unit_test(message_appends_grow_user_built_arrays),
		cmocka_unit_test(type_add_property_grows_unpacked_and_user_built_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

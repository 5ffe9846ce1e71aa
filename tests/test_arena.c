/*
 * tests/test_arena.c - responses decoded into one arena (lib/util/arena.h):
 * who owns what, every message helper on an arena response (then put back
 * into the store), packing equal to a malloc'd decode, many blocks, empty
 * repeated fields, nodes taken out of a response, and the malloc'd paths
 * left as they were. Run under ASan+LSan (make check-san): a free of arena
 * memory, a use after the arena is gone or a leaked arena fails there.
 *
 * The responses come from a real store (the backend under test) through
 * mlmd_store_call, so the tests decode with mlmd__arena_unpack whether or
 * not the RPC has a wire handler; the typed entry point is compared too.
 */
#include "helpers.h"
#include "util/arena.h"

/* A store with n artifacts of type "Arena" (properties p_int INT, p_str
 * STRING; custom property c_i = i on every other one); ids in ids[]. */
static mlmd_store *store_with(size_t n, int64_t **ids, int64_t *type_id)
{
	mlmd_store *s = open_memory();
	int64_t t = artifact_type(s, "Arena", 2, "p_int", MLMD__PB__PROPERTY_TYPE__INT, "p_str",
				  MLMD__PB__PROPERTY_TYPE__STRING);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = n;
	rq.artifacts = calloc(n ? n : 1, sizeof *rq.artifacts);
	for (size_t i = 0; i < n; i++) {
		char uri[64];
		snprintf(uri, sizeof uri, "file:///data/arena/%zu", i);
		Mlmd__Pb__Artifact *a = new_artifact(t, uri);
		OK(mlmd_node_set_int(a, 0, "p_int", (int64_t)i * 7));
		OK(mlmd_node_set_string(a, 0, "p_str", "a string property long enough to need a few bytes"));
		if (i % 2)
			OK(mlmd_node_set_int(a, 1, "c_i", (int64_t)i));
		rq.artifacts[i] = a;
	}
	Mlmd__Pb__PutArtifactsResponse *rs = NULL;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifact_ids, n);
	*ids = malloc((n ? n : 1) * sizeof **ids);
	for (size_t i = 0; i < n; i++)
		(*ids)[i] = rs->artifact_ids[i];
	mlmd_message_free(rs);
	for (size_t i = 0; i < n; i++)
		mlmd_message_free(rq.artifacts[i]);
	free(rq.artifacts);
	if (type_id)
		*type_id = t;
	return s;
}

/* The bytes of GetArtifactsByID for ids, from mlmd_store_call (free()). */
static uint8_t *by_id_bytes(mlmd_store *s, const int64_t *ids, size_t n, size_t *len)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = n;
	rq.artifact_ids = (int64_t *)ids;
	size_t rn = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *req = malloc(rn + 1);
	protobuf_c_message_pack(&rq.base, req);
	void *out = NULL;
	OK(mlmd_store_call(s, "GetArtifactsByID", req, rn, &out, len));
	free(req);
	return out;
}

/* The same response decoded into an arena. */
static Mlmd__Pb__GetArtifactsByIDResponse *arena_by_id(mlmd_store *s, const int64_t *ids, size_t n)
{
	size_t len;
	uint8_t *b = by_id_bytes(s, ids, n, &len);
	ProtobufCMessage *m = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifacts_by_idresponse__descriptor, b, len, &m));
	mlmd_buffer_free(b);
	assert_true(mlmd__arena_owns(m));
	return (Mlmd__Pb__GetArtifactsByIDResponse *)m;
}

/* Packs m (free()). */
static uint8_t *packed(const void *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(*len + 1);
	assert_int_equal(protobuf_c_message_pack(m, b), *len);
	return b;
}

static void assert_packs_to(const void *m, const uint8_t *want, size_t want_len)
{
	size_t len;
	uint8_t *got = packed(m, &len);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* ---- ownership ---------------------------------------------------------- */

static void every_message_of_a_response_is_owned_and_only_the_root_frees(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(5, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 5);
	assert_int_equal(rs->n_artifacts, 5);
	Mlmd__Pb__Artifact *a = rs->artifacts[2];
	assert_true(mlmd__arena_owns(&a->base));
	assert_true(mlmd__arena_owns(&a->properties[0]->base));
	assert_true(mlmd__arena_owns(&a->properties[0]->value->base));
	assert_true(mlmd__arena_is_root(&rs->base));
	assert_false(mlmd__arena_is_root(&a->base));
	/* a part passed to mlmd_message_free stays: only the root frees */
	mlmd_message_free(a);
	mlmd_message_free(a->properties[0]->value);
	assert_int_equal(a->id, ids[2]);
	assert_non_null(mlmd_node_get(a, 0, "p_int"));
	assert_int_equal(mlmd_node_get(a, 0, "p_int")->int_value, 14);
	mlmd_message_free(rs); /* the whole arena, once (ASan: no double free, LSan: no leak) */
	mlmd_message_free(NULL);
	free(ids);
	mlmd_store_free(s);
}

static void malloc_paths_are_not_arena_messages(void **state)
{
	(void)state;
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	assert_false(mlmd__arena_owns(&a->base));
	OK(mlmd_node_set_int(a, 1, "x", 1));
	assert_false(mlmd__arena_owns(&a->custom_properties[0]->base));
	size_t len;
	uint8_t *b = packed(a, &len);
	void *u = NULL;
	OK(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, b, len, &u));
	assert_false(mlmd__arena_owns(u));
	assert_null(((ProtobufCMessage *)u)->unknown_fields);
	OK(mlmd_node_set_string(u, 1, "x", "replaced"));
	assert_string_equal(mlmd_node_get(u, 1, "x")->string_value, "replaced");
	/* malloc'd messages still free with protobuf-c's own free too */
	protobuf_c_message_free_unpacked(u, NULL);
	mlmd_message_free(a);
	free(b);
}

/* ---- bytes ---------------------------------------------------------------- */

static void arena_response_packs_to_the_bytes_it_came_from(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(40, &ids, NULL);
	size_t len;
	uint8_t *b = by_id_bytes(s, ids, 40, &len);
	ProtobufCMessage *m = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifacts_by_idresponse__descriptor, b, len, &m));
	ProtobufCMessage *u = protobuf_c_message_unpack(&mlmd__pb__get_artifacts_by_idresponse__descriptor, NULL, len, b);
	assert_non_null(u);
	assert_packs_to(m, b, len);
	assert_packs_to(u, b, len);
	assert_int_equal(protobuf_c_message_get_packed_size(m), len);
	assert_true(protobuf_c_message_check(m));
	/* the typed entry point answers the same bytes, arena or not */
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = 40;
	rq.artifact_ids = ids;
	Mlmd__Pb__GetArtifactsByIDResponse *t = NULL;
	OK(mlmd_store_get_artifacts_by_id(s, &rq, &t));
	assert_packs_to(t, b, len);
	mlmd_message_free(t);
	mlmd_message_free(m);
	protobuf_c_message_free_unpacked(u, NULL);
	mlmd_buffer_free(b);
	free(ids);
	mlmd_store_free(s);
}

static void bytes_with_unknown_fields_decode_with_malloc(void **state)
{
	(void)state;
	/* an Artifact with id 9 and a field 999 no descriptor knows */
	const uint8_t b[] = { 0x08, 0x09, 0xb8, 0x3e, 0x05 };
	ProtobufCMessage *m = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__artifact__descriptor, b, sizeof b, &m));
	assert_false(mlmd__arena_owns(m));
	assert_int_equal(((Mlmd__Pb__Artifact *)m)->id, 9);
	assert_int_equal(m->n_unknown_fields, 1);
	assert_packs_to(m, b, sizeof b); /* nothing lost */
	mlmd_message_free(m);
	/* bytes that do not parse are an error, not a crash */
	const uint8_t bad[] = { 0x0a, 0x7f, 0x01 };
	FAILS(mlmd__arena_unpack(&mlmd__pb__artifact__descriptor, bad, sizeof bad, &m), MLMD_INTERNAL, "do not decode");
	assert_null(m);
}

/* ---- the helpers on arena messages ------------------------------------------ */

static void every_helper_changes_a_response_that_is_then_put_back(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(3, &ids, &t);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 3);
	Mlmd__Pb__Artifact *a = rs->artifacts[0], *b = rs->artifacts[1];
	/* replace existing values, add new ones (the arrays were sized exactly) */
	for (int i = 0; i < 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "c%d", i);
		OK(mlmd_node_set_int(a, 1, name, i));
		OK(mlmd_node_set_double(b, 1, name, i + 0.5));
	}
	OK(mlmd_node_set_int(a, 0, "p_int", 4242));
	OK(mlmd_node_set_string(a, 0, "p_str", "changed in the arena"));
	OK(mlmd_node_set_bool(b, 1, "flag", 1));
	OK(mlmd_node_set_string(b, 1, "c3", "now a string"));
	OK(mlmd_message_set_string(a, "uri", "file:///moved"));
	OK(mlmd_message_set_string(b, "name", "named-in-arena"));
	OK(mlmd_message_set_string(b, "external_id", NULL));
	/* a malloc'd artifact appended to the response: adopted, freed with it */
	Mlmd__Pb__Artifact *fresh = new_artifact(t, "file:///fresh");
	OK(mlmd_message_append(rs, "artifacts", fresh));
	OK(mlmd_node_set_int(fresh, 0, "p_int", 5)); /* still the caller's pointer */
	assert_int_equal(rs->n_artifacts, 4);
	/* put back the changed nodes and the new one */
	Mlmd__Pb__PutArtifactsRequest put = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	put.n_artifacts = rs->n_artifacts;
	put.artifacts = rs->artifacts;
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, &put, &pr));
	int64_t back[4] = { ids[0], ids[1], ids[2], pr->artifact_ids[3] };
	mlmd_message_free(pr);
	mlmd_message_free(rs);
	Mlmd__Pb__GetArtifactsByIDResponse *g = arena_by_id(s, back, 4);
	assert_int_equal(g->n_artifacts, 4);
	Mlmd__Pb__Artifact *ga = NULL, *gb = NULL, *gf = NULL;
	for (size_t i = 0; i < g->n_artifacts; i++) {
		if (g->artifacts[i]->id == ids[0])
			ga = g->artifacts[i];
		else if (g->artifacts[i]->id == ids[1])
			gb = g->artifacts[i];
		else if (g->artifacts[i]->id == back[3])
			gf = g->artifacts[i];
	}
	assert_non_null(ga);
	assert_non_null(gb);
	assert_non_null(gf);
	assert_int_equal(mlmd_node_get(ga, 0, "p_int")->int_value, 4242);
	assert_string_equal(mlmd_node_get(ga, 0, "p_str")->string_value, "changed in the arena");
	assert_int_equal(mlmd_node_get(ga, 1, "c19")->int_value, 19);
	assert_string_equal(ga->uri, "file:///moved");
	assert_true(mlmd_node_get(gb, 1, "c7")->double_value == 7.5);
	assert_string_equal(mlmd_node_get(gb, 1, "c3")->string_value, "now a string");
	assert_true(mlmd_node_get(gb, 1, "flag")->bool_value);
	assert_string_equal(gb->name, "named-in-arena");
	assert_string_equal(gf->uri, "file:///fresh");
	assert_int_equal(mlmd_node_get(gf, 0, "p_int")->int_value, 5);
	mlmd_message_free(g);
	free(ids);
	mlmd_store_free(s);
}

static void type_and_repeated_field_helpers_work_on_arena_messages(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(0, &ids, &t);
	/* a type from GetArtifactTypes, decoded into an arena, extended, put back */
	Mlmd__Pb__GetArtifactTypesRequest trq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	size_t rn = protobuf_c_message_get_packed_size(&trq.base), len;
	uint8_t req[16];
	protobuf_c_message_pack(&trq.base, req);
	void *out = NULL;
	OK(mlmd_store_call(s, "GetArtifactTypes", req, rn, &out, &len));
	ProtobufCMessage *m = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifact_types_response__descriptor, out, len, &m));
	mlmd_buffer_free(out);
	Mlmd__Pb__GetArtifactTypesResponse *tr = (Mlmd__Pb__GetArtifactTypesResponse *)m;
	Mlmd__Pb__ArtifactType *at = NULL;
	for (size_t i = 0; i < tr->n_artifact_types; i++)
		if (tr->artifact_types[i]->name && !strcmp(tr->artifact_types[i]->name, "Arena"))
			at = tr->artifact_types[i];
	assert_non_null(at);
	size_t n_types = tr->n_artifact_types;
	for (int i = 0; i < 9; i++) {
		char name[32];
		snprintf(name, sizeof name, "added%d", i);
		OK(mlmd_type_add_property(at, name, MLMD__PB__PROPERTY_TYPE__DOUBLE));
	}
	Mlmd__Pb__PutArtifactTypeRequest prq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	prq.artifact_type = at;
	prq.has_can_add_fields = prq.can_add_fields = 1;
	Mlmd__Pb__PutArtifactTypeResponse *prs = NULL;
	OK(mlmd_store_put_artifact_type(s, &prq, &prs));
	assert_int_equal(prs->type_id, t);
	mlmd_message_free(prs);
	/* the root's own fields: malloc'd, so they grow (and free) as before */
	OK(mlmd_message_append(tr, "artifact_types", mlmd_message_new(&mlmd__pb__artifact_type__descriptor)));
	assert_int_equal(tr->n_artifact_types, n_types + 1);
	mlmd_message_free(tr);
	/* a nested repeated string (FieldMask.paths) and root int64 and strings */
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	char *paths[] = { "uri" };
	mask.n_paths = 1;
	mask.paths = paths;
	pa.update_mask = &mask;
	uint8_t *pb = packed(&pa, &len);
	OK(mlmd__arena_unpack(&mlmd__pb__put_artifacts_request__descriptor, pb, len, &m));
	free(pb);
	Mlmd__Pb__PutArtifactsRequest *am = (Mlmd__Pb__PutArtifactsRequest *)m;
	assert_true(mlmd__arena_owns(&am->update_mask->base));
	for (int i = 0; i < 11; i++)
		OK(mlmd_message_append_string(am->update_mask, "paths", "custom_properties.x"));
	assert_int_equal(am->update_mask->n_paths, 12);
	assert_string_equal(am->update_mask->paths[0], "uri");
	assert_string_equal(am->update_mask->paths[11], "custom_properties.x");
	mlmd_message_free(am);
	Mlmd__Pb__GetArtifactsByIDRequest ir = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	int64_t one = 1;
	ir.n_artifact_ids = 1;
	ir.artifact_ids = &one;
	pb = packed(&ir, &len);
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifacts_by_idrequest__descriptor, pb, len, &m));
	free(pb);
	Mlmd__Pb__GetArtifactsByIDRequest *im = (Mlmd__Pb__GetArtifactsByIDRequest *)m;
	for (int64_t i = 2; i <= 100; i++)
		OK(mlmd_message_append_int64(im, "artifact_ids", i));
	assert_int_equal(im->n_artifact_ids, 100);
	assert_int_equal(im->artifact_ids[99], 100);
	free(im->artifact_ids); /* the root's arrays are malloc'd, as before */
	im->artifact_ids = NULL;
	im->n_artifact_ids = 0;
	mlmd_message_free(im);
	free(ids);
	mlmd_store_free(s);
}

/* A string member of a oneof set over another member: the other member's
 * storage is not read as a string (in an arena Value and a malloc'd one). */
static void set_string_on_a_oneof_replaces_the_member_that_was_set(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(1, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 1);
	Mlmd__Pb__Value *v = (Mlmd__Pb__Value *)mlmd_node_get(rs->artifacts[0], 0, "p_int");
	assert_int_equal(v->value_case, MLMD__PB__VALUE__VALUE_INT_VALUE);
	OK(mlmd_message_set_string(v, "string_value", "was an int"));
	assert_int_equal(v->value_case, MLMD__PB__VALUE__VALUE_STRING_VALUE);
	assert_string_equal(v->string_value, "was an int");
	OK(mlmd_message_set_string(v, "string_value", NULL));
	assert_int_equal(v->value_case, MLMD__PB__VALUE__VALUE__NOT_SET);
	mlmd_message_free(rs);
	Mlmd__Pb__Value *m = mlmd_message_new(&mlmd__pb__value__descriptor);
	m->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	m->int_value = 12345; /* read as a pointer, this would be freed */
	OK(mlmd_message_set_string(m, "string_value", "was an int"));
	OK(mlmd_message_set_string(m, "string_value", "replaced"));
	assert_string_equal(m->string_value, "replaced");
	mlmd_message_free(m);
	free(ids);
	mlmd_store_free(s);
}

static void empty_repeated_fields_grow_in_the_arena(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = open_memory();
	Mlmd__Pb__ArtifactType bare = MLMD__PB__ARTIFACT_TYPE__INIT;
	bare.name = "Bare";
	Mlmd__Pb__PutArtifactTypeRequest tr = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	tr.artifact_type = &bare;
	Mlmd__Pb__PutArtifactTypeResponse *trs = NULL;
	OK(mlmd_store_put_artifact_type(s, &tr, &trs));
	int64_t t = trs->type_id;
	mlmd_message_free(trs);
	int64_t id;
	OK(put_artifact(s, new_artifact(t, NULL), &id));
	/* an artifact without a property, and a response without an artifact */
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, &id, 1);
	Mlmd__Pb__Artifact *a = rs->artifacts[0];
	assert_int_equal(a->n_custom_properties, 0);
	assert_null(a->custom_properties);
	for (int i = 0; i < 33; i++) {
		char name[32];
		snprintf(name, sizeof name, "k%d", i);
		OK(mlmd_node_set_int(a, 1, name, i));
	}
	assert_int_equal(a->n_custom_properties, 33);
	assert_int_equal(mlmd_node_get(a, 1, "k0")->int_value, 0);
	assert_int_equal(mlmd_node_get(a, 1, "k32")->int_value, 32);
	assert_true(mlmd__arena_owns(&a->custom_properties[32]->base));
	int64_t none = id + 1000;
	Mlmd__Pb__GetArtifactsByIDResponse *empty = arena_by_id(s, &none, 1);
	assert_int_equal(empty->n_artifacts, 0);
	assert_packs_to(empty, (const uint8_t *)"", 0);
	/* an item of another arena is copied into this one */
	OK(mlmd_message_append(empty, "artifacts", a));
	assert_int_equal(empty->n_artifacts, 1);
	assert_ptr_not_equal(empty->artifacts[0], a);
	assert_true(mlmd__arena_same(&empty->base, &empty->artifacts[0]->base));
	assert_int_equal(empty->artifacts[0]->n_custom_properties, 33);
	mlmd_message_free(rs); /* the copy does not depend on it */
	assert_int_equal(mlmd_node_get(empty->artifacts[0], 1, "k32")->int_value, 32);
	mlmd_message_free(empty);
	(void)ids;
	mlmd_store_free(s);
}

static void large_responses_span_many_blocks(void **state)
{
	(void)state;
	enum { N = 3000 };
	int64_t *ids;
	mlmd_store *s = store_with(N, &ids, NULL);
	size_t len;
	uint8_t *b = by_id_bytes(s, ids, N, &len);
	ProtobufCMessage *m = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifacts_by_idresponse__descriptor, b, len, &m));
	Mlmd__Pb__GetArtifactsByIDResponse *rs = (Mlmd__Pb__GetArtifactsByIDResponse *)m;
	assert_int_equal(rs->n_artifacts, N);
	size_t blocks = 0, used = 0, blocks0;
	assert_true(mlmd__arena_stats(m, &blocks0, &used));
	assert_true(used > len);
	assert_packs_to(m, b, len);
	/* changes on every node, then still equal to a malloc'd decode changed the same way */
	ProtobufCMessage *u = protobuf_c_message_unpack(&mlmd__pb__get_artifacts_by_idresponse__descriptor, NULL, len, b);
	Mlmd__Pb__GetArtifactsByIDResponse *ru = (Mlmd__Pb__GetArtifactsByIDResponse *)u;
	char note[200];
	memset(note, 'n', sizeof note - 1);
	note[sizeof note - 1] = 0;
	for (size_t i = 0; i < N; i++) {
		OK(mlmd_node_set_string(rs->artifacts[i], 1, "note", note));
		OK(mlmd_node_set_string(ru->artifacts[i], 1, "note", note));
	}
	/* the first block is sized from the bytes; the changes filled more */
	assert_true(mlmd__arena_stats(m, &blocks, &used));
	assert_true(blocks > blocks0);
	size_t ul;
	uint8_t *ub = packed(u, &ul);
	assert_packs_to(m, ub, ul);
	free(ub);
	protobuf_c_message_free_unpacked(u, NULL);
	mlmd_message_free(m);
	mlmd_buffer_free(b);
	free(ids);
	mlmd_store_free(s);
}

/* ---- nodes taken out of a response ----------------------------------------------- */

static void a_node_taken_out_of_a_response_outlives_it(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(3, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 3);
	/* the way code written for malloc'd responses keeps a node */
	Mlmd__Pb__Artifact *a = rs->artifacts[0], *c = rs->artifacts[2];
	rs->artifacts[0] = rs->artifacts[1];
	rs->n_artifacts = 1;
	mlmd_message_free(rs); /* a and c live on */
	assert_int_equal(a->id, ids[0]);
	assert_int_equal(c->id, ids[2]);
	OK(mlmd_node_set_string(a, 1, "after", "the response was freed"));
	assert_string_equal(mlmd_node_get(a, 1, "after")->string_value, "the response was freed");
	mlmd_message_free(a->custom_properties[0]); /* a part: nothing */
	mlmd_message_free(a);
	assert_int_equal(mlmd_node_get(c, 0, "p_int")->int_value, 14);
	mlmd_message_free(c); /* the last one: the arena goes (LSan: no leak) */

	/* as tests/helpers.h's get_artifact does: the root's array freed by hand */
	rs = arena_by_id(s, &ids[1], 1);
	a = rs->artifacts[0];
	rs->n_artifacts = 0;
	free(rs->artifacts);
	rs->artifacts = NULL;
	mlmd_message_free(rs);
	/* put it back, then free it */
	Mlmd__Pb__PutArtifactsRequest put = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	OK(mlmd_node_set_int(a, 0, "p_int", -1));
	put.n_artifacts = 1;
	put.artifacts = &a;
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, &put, &pr));
	mlmd_message_free(pr);
	mlmd_message_free(a);
	Mlmd__Pb__GetArtifactsByIDResponse *g = arena_by_id(s, &ids[1], 1);
	assert_int_equal(mlmd_node_get(g->artifacts[0], 0, "p_int")->int_value, -1);
	mlmd_message_free(g);
	free(ids);
	mlmd_store_free(s);
}

static void a_node_appended_to_a_malloced_request_is_copied(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(2, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 2);
	Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
	/* a node still in its response: the request gets a malloc'd copy */
	OK(mlmd_message_append(rq, "artifacts", rs->artifacts[0]));
	assert_false(mlmd__arena_owns(&rq->artifacts[0]->base));
	assert_int_equal(rq->artifacts[0]->id, ids[0]);
	/* a node taken out first (the old way of moving it): also copied, and
	 * given up, so freeing the response frees the whole arena */
	Mlmd__Pb__Artifact *b = rs->artifacts[1];
	rs->n_artifacts = 1;
	OK(mlmd_message_append(rq, "artifacts", b));
	assert_false(mlmd__arena_owns(&rq->artifacts[1]->base));
	mlmd_message_free(rs);
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_node_set_int(rq->artifacts[1], 1, "moved", 1));
	OK(mlmd_store_put_artifacts(s, rq, &pr));
	assert_int_equal(pr->artifact_ids[1], ids[1]);
	mlmd_message_free(pr);
	mlmd_message_free(rq); /* LSan: neither the request nor the arena leaks */
	free(ids);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_message_of_a_response_is_owned_and_only_the_root_frees),
		cmocka_unit_test(malloc_paths_are_not_arena_messages),
		cmocka_unit_test(arena_response_packs_to_the_bytes_it_came_from),
		cmocka_unit_test(bytes_with_unknown_fields_decode_with_malloc),
		cmocka_unit_test(every_helper_changes_a_response_that_is_then_put_back),
		cmocka_unit_test(type_and_repeated_field_helpers_work_on_arena_messages),
		cmocka_unit_test(set_string_on_a_oneof_replaces_the_member_that_was_set),
		cmocka_unit_test(empty_repeated_fields_grow_in_the_arena),
		cmocka_unit_test(large_responses_span_many_blocks),
		cmocka_unit_test(a_node_taken_out_of_a_response_outlives_it),
		cmocka_unit_test(a_node_appended_to_a_malloced_request_is_copied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

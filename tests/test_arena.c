/*
 * tests/test_arena.c - typed responses in one arena, the opt-in
 * mlmd_store_call_typed(..., MLMD_CALL_ARENA, ...) (lib/util/arena.h): every
 * wire-answered read packs to the bytes of the flags-0 response (and of
 * mlmd_store_call), who owns what, every message helper on an arena
 * response (then put back into the store), adopted items, copies, many
 * blocks, the contract's errors, and the default typed path left as it was
 * (a node taken out of it is freed with protobuf-c's own free). Run on
 * every backend (the Makefile's CONFORMANCE list) and under ASan+LSan: a
 * free of arena memory, a use after the arena is gone or a leak fails there.
 */
#include "helpers.h"
#include "util/arena.h"

/* A store with n artifacts of type "Arena" (properties p_int INT, p_str
 * STRING; custom property c_i = i on every other one), ids in ids[]; two
 * executions (one using artifact 0, one making artifact 1, both in context
 * "ctx"), when n >= 2. */
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
	if (n >= 2) {
		int64_t et = execution_type(s, "Step"), ct = context_type(s, "Run");
		int64_t e1 = put_execution_as(s, et, 0, "train", 3), e2 = put_execution_as(s, et, 0, "eval", 3);
		put_event_node(s, e1, (*ids)[0], MLMD__PB__EVENT__TYPE__INPUT);
		put_event_node(s, e1, (*ids)[1], MLMD__PB__EVENT__TYPE__OUTPUT);
		put_event_node(s, e2, (*ids)[1], MLMD__PB__EVENT__TYPE__INPUT);
		int64_t c = put_context_node(s, ct, "ctx");
		put_association(s, c, e1);
		put_association(s, c, e2);
	}
	if (type_id)
		*type_id = t;
	return s;
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
	if (len)
		assert_memory_equal(got, want, len);
	free(got);
}

static void *arena_call(mlmd_store *s, const char *method, const void *rq)
{
	void *out = NULL;
	OK(mlmd_store_call_typed(s, method, rq, MLMD_CALL_ARENA, &out));
	assert_non_null(out);
	return out;
}

static Mlmd__Pb__GetArtifactsByIDResponse *arena_by_id(mlmd_store *s, const int64_t *ids, size_t n)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = n;
	rq.artifact_ids = (int64_t *)ids;
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_call(s, "GetArtifactsByID", &rq);
	assert_true(mlmd__arena_is_root(&rs->base));
	return rs;
}

/* ---- every wire-answered read ---------------------------------------------------- */

/* Calls `method` three ways (typed flags 0, typed arena, bytes) and checks
 * the two typed responses pack to the bytes; the arena one lives in an
 * arena (all these reads are answered through a wire handler), the flags-0
 * one does not. Returns the packed size. */
static size_t same_three_ways(mlmd_store *s, const char *method, const void *rq)
{
	size_t rn, len;
	uint8_t *req = packed(rq, &rn);
	void *bytes = NULL;
	OK(mlmd_store_call(s, method, req, rn, &bytes, &len));
	free(req);
	void *plain = NULL, *arena = NULL;
	OK(mlmd_store_call_typed(s, method, rq, 0, &plain));
	OK(mlmd_store_call_typed(s, method, rq, MLMD_CALL_ARENA, &arena));
	assert_false(mlmd__arena_owns(plain));
	assert_true(mlmd__arena_is_root(arena));
	assert_packs_to(plain, bytes, len);
	assert_packs_to(arena, bytes, len);
	assert_true(protobuf_c_message_check(arena));
	mlmd_message_free(plain);
	mlmd_message_free(arena);
	mlmd_buffer_free(bytes);
	return len;
}

static void every_wire_read_in_an_arena_packs_to_the_plain_bytes(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(40, &ids, &t);
	Mlmd__Pb__GetArtifactsByIDRequest a_id = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	a_id.n_artifact_ids = 40;
	a_id.artifact_ids = ids;
	assert_true(same_three_ways(s, "GetArtifactsByID", &a_id) > 40 * 50);
	int64_t few[3] = { 1, 2, 999 };
	Mlmd__Pb__GetExecutionsByIDRequest e_id = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	e_id.n_execution_ids = 3;
	e_id.execution_ids = few;
	assert_true(same_three_ways(s, "GetExecutionsByID", &e_id) > 0);
	Mlmd__Pb__GetContextsByIDRequest c_id = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	c_id.n_context_ids = 3;
	c_id.context_ids = few;
	assert_true(same_three_ways(s, "GetContextsByID", &c_id) > 0);
	/* by type: whole, and one page (a next_page_token string at the root) */
	Mlmd__Pb__ListOperationOptions page = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	page.has_max_result_size = 1;
	page.max_result_size = 7;
	Mlmd__Pb__GetArtifactsByTypeRequest a_t = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	a_t.type_name = "Arena";
	same_three_ways(s, "GetArtifactsByType", &a_t);
	a_t.options = &page;
	same_three_ways(s, "GetArtifactsByType", &a_t);
	Mlmd__Pb__GetExecutionsByTypeRequest e_t = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
	e_t.type_name = "Step";
	assert_true(same_three_ways(s, "GetExecutionsByType", &e_t) > 0);
	Mlmd__Pb__GetContextsByTypeRequest c_t = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	c_t.type_name = "Run";
	assert_true(same_three_ways(s, "GetContextsByType", &c_t) > 0);
	Mlmd__Pb__GetArtifactsRequest all_a = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	same_three_ways(s, "GetArtifacts", &all_a);
	all_a.options = &page;
	same_three_ways(s, "GetArtifacts", &all_a);
	Mlmd__Pb__GetExecutionsRequest all_e = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	assert_true(same_three_ways(s, "GetExecutions", &all_e) > 0);
	Mlmd__Pb__GetContextsRequest all_c = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	assert_true(same_three_ways(s, "GetContexts", &all_c) > 0);
	/* lineage from artifact 0, both directions, two hops */
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)ids[0]);
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn =
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	o.has_max_num_hops = 1;
	o.max_num_hops = 4;
	Mlmd__Pb__GetLineageSubgraphRequest lin = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	lin.lineage_subgraph_query_options = &o;
	assert_true(same_three_ways(s, "GetLineageSubgraph", &lin) > 100);
	free(ids);
	mlmd_store_free(s);
}

/* Reads without a wire handler, and writes: the flag is accepted, the
 * response is malloc'd, mlmd_message_free frees it either way. */
static void other_rpcs_accept_the_flag(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(2, &ids, &t);
	Mlmd__Pb__GetArtifactTypesRequest tr = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *types = arena_call(s, "GetArtifactTypes", &tr);
	assert_int_equal(types->n_artifact_types, 1);
	assert_string_equal(types->artifact_types[0]->name, "Arena");
	mlmd_message_free(types);
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = t;
	Mlmd__Pb__PutArtifactsRequest put = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	put.n_artifacts = 1;
	put.artifacts = &ap;
	Mlmd__Pb__PutArtifactsResponse *pr = arena_call(s, "PutArtifacts", &put);
	assert_int_equal(pr->n_artifact_ids, 1);
	assert_true(pr->artifact_ids[0] > ids[1]);
	mlmd_message_free(pr);
	free(ids);
	mlmd_store_free(s);
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
	assert_false(mlmd__arena_is_root(&a->base));
	/* a part passed to mlmd_message_free stays: only the root frees */
	mlmd_message_free(a);
	mlmd_message_free(a->properties[0]->value);
	assert_int_equal(a->id, ids[2]);
	assert_int_equal(mlmd_node_get(a, 0, "p_int")->int_value, 14);
	mlmd_message_free(rs); /* the whole arena, once (ASan: no double free, LSan: no leak) */
	mlmd_message_free(NULL);
	free(ids);
	mlmd_store_free(s);
}

/* The default typed path (the typed functions, and mlmd_store_call_typed
 * with flags 0) answers malloc'd messages: a caller may take a node out and
 * free it with protobuf-c's own free (the case an arena default crashed). */
static void flags_zero_responses_let_a_node_be_taken_out(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(3, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = 3;
	rq.artifact_ids = ids;
	for (int way = 0; way < 2; way++) {
		Mlmd__Pb__GetArtifactsByIDResponse *rs = NULL;
		if (way == 0)
			OK(mlmd_store_get_artifacts_by_id(s, &rq, &rs));
		else
			OK(mlmd_store_call_typed(s, "GetArtifactsByID", &rq, 0, (void **)&rs));
		assert_int_equal(rs->n_artifacts, 3);
		assert_false(mlmd__arena_owns(&rs->base));
		Mlmd__Pb__Artifact *a = rs->artifacts[0];
		rs->artifacts[0] = rs->artifacts[2];
		rs->n_artifacts = 2;
		free(a->uri); /* its parts are malloc'd too */
		a->uri = strdup("file:///kept");
		OK(mlmd_message_append(rs, "artifacts", mlmd_message_new(&mlmd__pb__artifact__descriptor)));
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		assert_int_equal(a->id, ids[0]);
		assert_string_equal(a->uri, "file:///kept");
		protobuf_c_message_free_unpacked(&a->base, NULL);
	}
	/* the helpers' get_artifact does the same */
	Mlmd__Pb__Artifact *g = get_artifact(s, ids[1]);
	assert_int_equal(mlmd_node_get(g, 1, "c_i")->int_value, 1);
	protobuf_c_message_free_unpacked(&g->base, NULL);
	free(ids);
	mlmd_store_free(s);
}

static void malloc_messages_are_not_arena_messages(void **state)
{
	(void)state;
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	assert_false(mlmd__arena_owns(&a->base));
	OK(mlmd_node_set_int(a, 1, "x", 1));
	OK(mlmd_node_set_int(a, 1, "x", 2));
	assert_int_equal(a->n_custom_properties, 1);
	assert_false(mlmd__arena_owns(&a->custom_properties[0]->base));
	size_t len;
	uint8_t *b = packed(a, &len);
	void *u = NULL;
	OK(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, b, len, &u));
	assert_false(mlmd__arena_owns(u));
	assert_null(((ProtobufCMessage *)u)->unknown_fields);
	OK(mlmd_node_set_string(u, 1, "x", "replaced"));
	assert_string_equal(mlmd_node_get(u, 1, "x")->string_value, "replaced");
	protobuf_c_message_free_unpacked(u, NULL);
	mlmd_message_free(a);
	free(b);
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
	FAILS(mlmd__unpack_malloc(&mlmd__pb__artifact__descriptor, bad, sizeof bad, &m), MLMD_INTERNAL, "do not decode");
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
	assert_true(mlmd__arena_owns(&mlmd_node_get(a, 1, "c19")->base));
	/* many malloc'd artifacts appended to the root: adopted, freed with it */
	Mlmd__Pb__Artifact *fresh = new_artifact(t, "file:///fresh");
	OK(mlmd_message_append(rs, "artifacts", fresh));
	OK(mlmd_node_set_int(fresh, 0, "p_int", 5)); /* still the caller's pointer, now part of rs */
	for (int i = 0; i < 50; i++) {
		char uri[64];
		snprintf(uri, sizeof uri, "file:///more/%d", i);
		OK(mlmd_message_append(rs, "artifacts", new_artifact(t, uri)));
	}
	assert_int_equal(rs->n_artifacts, 54);
	assert_string_equal(rs->artifacts[53]->uri, "file:///more/49");
	/* put back the changed nodes and the new ones (the request borrows them) */
	Mlmd__Pb__PutArtifactsRequest put = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	put.n_artifacts = rs->n_artifacts;
	put.artifacts = rs->artifacts;
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, &put, &pr));
	assert_int_equal(pr->n_artifact_ids, 54);
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

/* Repeated fields of the root and of nested messages, grown many times in
 * the arena; strings set over existing ones; a type extended and put back. */
static void repeated_fields_grow_in_the_root_and_below(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(2, &ids, &t);
	/* the lineage response: LineageGraph's repeated fields, one level down */
	char filter[64];
	snprintf(filter, sizeof filter, "id = %lld", (long long)ids[0]);
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn =
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	Mlmd__Pb__GetLineageSubgraphRequest lin = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	lin.lineage_subgraph_query_options = &o;
	Mlmd__Pb__GetLineageSubgraphResponse *lr = arena_call(s, "GetLineageSubgraph", &lin);
	Mlmd__Pb__LineageGraph *gr = lr->lineage_subgraph;
	assert_non_null(gr);
	assert_true(mlmd__arena_owns(&gr->base));
	size_t na = gr->n_artifacts, ne = gr->n_events;
	assert_true(na >= 2 && ne >= 2);
	Mlmd__Pb__Artifact *first = gr->artifacts[0];
	for (int i = 0; i < 100; i++) {
		OK(mlmd_message_append(gr, "artifacts", new_artifact(t, "file:///lineage")));
		OK(mlmd_message_append(gr, "events", mlmd_message_new(&mlmd__pb__event__descriptor)));
	}
	/* a part is never linked twice, even in its own response */
	FAILS(mlmd_message_append(gr, "artifacts", first), MLMD_INVALID_ARGUMENT, "mlmd_message_copy");
	assert_int_equal(gr->n_artifacts, na + 100);
	assert_int_equal(gr->n_events, ne + 100);
	assert_ptr_equal(gr->artifacts[0], first);
	mlmd_message_free(lr);

	/* a nested repeated string (FieldMask.paths), root int64s, root strings */
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	char *paths[] = { "uri" };
	mask.n_paths = 1;
	mask.paths = paths;
	pa.update_mask = &mask;
	size_t len;
	uint8_t *pb = packed(&pa, &len);
	ProtobufCMessage *m = NULL;
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
	Mlmd__Pb__GetArtifactsByTypeRequest tq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	tq.type_name = "Arena";
	Mlmd__Pb__ListOperationOptions page = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	page.has_max_result_size = 1;
	page.max_result_size = 1;
	tq.options = &page;
	Mlmd__Pb__GetArtifactsByTypeResponse *tr = arena_call(s, "GetArtifactsByType", &tq);
	assert_non_null(tr->next_page_token);
	assert_true(mlmd__arena_owns(&tr->base));
	OK(mlmd_message_set_string(tr, "next_page_token", "replaced token")); /* over an arena string */
	OK(mlmd_message_set_string(tr, "next_page_token", "and again"));
	assert_string_equal(tr->next_page_token, "and again");
	OK(mlmd_message_set_string(tr->artifacts[0], "uri", "file:///over/the/old/one"));
	assert_string_equal(tr->artifacts[0]->uri, "file:///over/the/old/one");
	mlmd_message_free(tr);
	Mlmd__Pb__GetArtifactsByIDRequest ir = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	int64_t one = 1;
	ir.n_artifact_ids = 1;
	ir.artifact_ids = &one;
	pb = packed(&ir, &len);
	OK(mlmd__arena_unpack(&mlmd__pb__get_artifacts_by_idrequest__descriptor, pb, len, &m));
	free(pb);
	Mlmd__Pb__GetArtifactsByIDRequest *im = (Mlmd__Pb__GetArtifactsByIDRequest *)m;
	for (int64_t i = 2; i <= 1000; i++)
		OK(mlmd_message_append_int64(im, "artifact_ids", i));
	assert_int_equal(im->n_artifact_ids, 1000);
	for (int64_t i = 0; i < 1000; i++)
		assert_int_equal(im->artifact_ids[i], i + 1);
	mlmd_message_free(im);
	/* a type from GetArtifactTypes extended and put back (malloc'd: no wire
	 * handler; the helpers work the same) */
	Mlmd__Pb__GetArtifactTypesRequest trq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *types = arena_call(s, "GetArtifactTypes", &trq);
	for (int i = 0; i < 9; i++) {
		char name[32];
		snprintf(name, sizeof name, "added%d", i);
		OK(mlmd_type_add_property(types->artifact_types[0], name, MLMD__PB__PROPERTY_TYPE__DOUBLE));
	}
	Mlmd__Pb__PutArtifactTypeRequest prq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	prq.artifact_type = types->artifact_types[0];
	prq.has_can_add_fields = prq.can_add_fields = 1;
	Mlmd__Pb__PutArtifactTypeResponse *prs = NULL;
	OK(mlmd_store_put_artifact_type(s, &prq, &prs));
	assert_int_equal(prs->type_id, t);
	mlmd_message_free(prs);
	mlmd_message_free(types);
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
	OK(mlmd_message_set_string(v, "string_value", "over the string"));
	assert_string_equal(v->string_value, "over the string");
	OK(mlmd_message_set_string(v, "string_value", NULL));
	assert_int_equal(v->value_case, MLMD__PB__VALUE__VALUE__NOT_SET);
	/* the property setters switch members too */
	OK(mlmd_node_set_string(rs->artifacts[0], 0, "p_str", "s"));
	OK(mlmd_node_set_bool(rs->artifacts[0], 0, "p_str", 1));
	assert_int_equal(mlmd_node_get(rs->artifacts[0], 0, "p_str")->value_case, MLMD__PB__VALUE__VALUE_BOOL_VALUE);
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

/* ---- moving, copying ----------------------------------------------------------- */

static void parts_do_not_change_owner_but_copies_do(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(3, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 3);
	Mlmd__Pb__GetArtifactsByIDResponse *other = arena_by_id(s, ids, 1);
	Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
	FAILS(mlmd_message_append(rq, "artifacts", rs->artifacts[0]), MLMD_INVALID_ARGUMENT, "mlmd_message_copy");
	FAILS(mlmd_message_append(other, "artifacts", rs->artifacts[0]), MLMD_INVALID_ARGUMENT, "arena");
	assert_int_equal(rq->n_artifacts, 0);
	assert_int_equal(other->n_artifacts, 1);
	FAILS(mlmd_message_append(rs, "artifacts", other), MLMD_INVALID_ARGUMENT, "not a repeated field");
	/* copies are malloc'd, outlive the response and can be given away */
	void *copy = NULL;
	OK(mlmd_message_copy(rs->artifacts[1], &copy));
	assert_false(mlmd__arena_owns(copy));
	OK(mlmd_message_append(rq, "artifacts", copy));
	OK(mlmd_message_copy(other->artifacts[0], &copy));
	OK(mlmd_message_append(rs, "artifacts", copy)); /* a malloc'd copy into an arena: adopted */
	assert_int_equal(rs->n_artifacts, 4);
	size_t l1, l2;
	uint8_t *p1 = packed(rs->artifacts[1], &l1), *p2 = packed(rq->artifacts[0], &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(p1, p2, l1);
	free(p1);
	free(p2);
	/* a whole response copied */
	OK(mlmd_message_copy(rs, &copy));
	assert_int_equal(((Mlmd__Pb__GetArtifactsByIDResponse *)copy)->n_artifacts, 4);
	mlmd_message_free(rs);
	mlmd_message_free(other);
	assert_int_equal(rq->artifacts[0]->id, ids[1]);
	assert_int_equal(mlmd_node_get(rq->artifacts[0], 0, "p_int")->int_value, 7);
	OK(mlmd_node_set_int(rq->artifacts[0], 1, "copied", 1));
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, rq, &pr));
	assert_int_equal(pr->artifact_ids[0], ids[1]);
	mlmd_message_free(pr);
	protobuf_c_message_free_unpacked(copy, NULL); /* a copy is an ordinary message */
	FAILS(mlmd_message_copy(NULL, &copy), MLMD_INVALID_ARGUMENT, "not a message");
	assert_null(copy);
	FAILS(mlmd_message_copy(rq, NULL), MLMD_INVALID_ARGUMENT, "out is NULL");
	mlmd_message_free(rq);
	free(ids);
	mlmd_store_free(s);
}

static void no_part_is_appended_twice(void **state)
{
	(void)state;
	/* a google.protobuf.Value holding a list of Values */
	Mlmd__Pb__Wkt__Value item = MLMD__PB__WKT__VALUE__INIT, *ip = &item, top = MLMD__PB__WKT__VALUE__INIT;
	item.kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
	item.number_value = 1.5;
	Mlmd__Pb__Wkt__ListValue list = MLMD__PB__WKT__LIST_VALUE__INIT;
	list.n_values = 1;
	list.values = &ip;
	top.kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
	top.list_value = &list;
	size_t len;
	uint8_t *pb = packed(&top, &len);
	ProtobufCMessage *m = NULL, *n = NULL;
	OK(mlmd__arena_unpack(&mlmd__pb__wkt__value__descriptor, pb, len, &m));
	OK(mlmd__arena_unpack(&mlmd__pb__wkt__value__descriptor, pb, len, &n));
	free(pb);
	Mlmd__Pb__Wkt__Value *v = (Mlmd__Pb__Wkt__Value *)m, *w = (Mlmd__Pb__Wkt__Value *)n;
	assert_true(mlmd__arena_owns(&v->list_value->base));
	/* a Value of the same arena (which would be packed twice), the root into
	 * itself (a cycle), another arena's root or part: all refused */
	FAILS(mlmd_message_append(v->list_value, "values", v->list_value->values[0]), MLMD_INVALID_ARGUMENT,
	      "part of a response");
	FAILS(mlmd_message_append(v->list_value, "values", v), MLMD_INVALID_ARGUMENT, "root");
	FAILS(mlmd_message_append(v->list_value, "values", w), MLMD_INVALID_ARGUMENT, "arena");
	FAILS(mlmd_message_append(v->list_value, "values", w->list_value->values[0]), MLMD_INVALID_ARGUMENT, "arena");
	assert_int_equal(v->list_value->n_values, 1);
	/* a malloc'd Value appended, and so adopted, is a part like the others:
	 * it cannot then be appended again anywhere (an ancestor appended into
	 * its own descendant would make a cycle) */
	Mlmd__Pb__Wkt__Value *lv = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	Mlmd__Pb__Wkt__ListValue *inner = mlmd_message_new(&mlmd__pb__wkt__list_value__descriptor);
	lv->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
	lv->list_value = inner;
	OK(mlmd_message_append(v->list_value, "values", lv));
	assert_true(mlmd_message_is_arena(inner));
	FAILS(mlmd_message_append(inner, "values", lv), MLMD_INVALID_ARGUMENT, "part of a response");
	FAILS(mlmd_message_append(inner, "values", v->list_value->values[0]), MLMD_INVALID_ARGUMENT, "part of");
	assert_int_equal(inner->n_values, 0);
	assert_int_equal(v->list_value->n_values, 2);
	size_t l2;
	uint8_t *p2 = packed(v, &l2);
	assert_true(l2 > len);
	free(p2);
	mlmd_message_free(n);
	mlmd_message_free(m);
}

/* A malloc'd item appended to an arena response becomes a part of it, with
 * everything it holds: the helpers allocate from the arena for it,
 * mlmd_message_free ignores it, it cannot be appended again (there or
 * anywhere), and the response frees its blocks (ASan: none twice, LSan:
 * none left). */
static void adopted_items_are_parts_like_the_others(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(3, &ids, &t);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 3);
	Mlmd__Pb__Artifact *f = new_artifact(t, "file:///adopted");
	OK(mlmd_node_set_int(f, 0, "p_int", 1));
	OK(mlmd_node_set_string(f, 1, "note", "set while malloc'd"));
	assert_false(mlmd_message_is_arena(f));
	OK(mlmd_message_append(rs, "artifacts", f));
	assert_true(mlmd_message_is_arena(f));
	assert_true(mlmd_message_is_arena(f->properties[0]));
	assert_true(mlmd_message_is_arena(f->custom_properties[0]->value));
	/* a part passed to mlmd_message_free stays */
	mlmd_message_free(f);
	mlmd_message_free(f->custom_properties[0]);
	assert_string_equal(f->uri, "file:///adopted");
	/* never appended again: in its response, or into another message */
	FAILS(mlmd_message_append(rs, "artifacts", f), MLMD_INVALID_ARGUMENT, "part of a response");
	Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
	FAILS(mlmd_message_append(rq, "artifacts", f), MLMD_INVALID_ARGUMENT, "mlmd_message_copy");
	assert_int_equal(rq->n_artifacts, 0);
	assert_int_equal(rs->n_artifacts, 4);
	/* changed through the helpers: what they replace (malloc'd before the
	 * append) is freed with the response */
	OK(mlmd_message_set_string(f, "uri", "file:///adopted/changed"));
	OK(mlmd_node_set_int(f, 0, "p_int", 2));
	OK(mlmd_node_set_string(f, 1, "note", "set in the arena"));
	for (int i = 0; i < 10; i++)
		OK(mlmd_node_set_int(f, 1, "n", i));
	/* a copy is the way out; the copy is malloc'd and put back */
	void *copy = NULL;
	OK(mlmd_message_copy(f, &copy));
	assert_false(mlmd_message_is_arena(copy));
	OK(mlmd_message_append(rq, "artifacts", copy));
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, rq, &pr));
	int64_t back = pr->artifact_ids[0];
	mlmd_message_free(pr);
	mlmd_message_free(rq);
	mlmd_message_free(rs);
	Mlmd__Pb__GetArtifactsByIDResponse *g = arena_by_id(s, &back, 1);
	assert_int_equal(g->n_artifacts, 1);
	assert_string_equal(g->artifacts[0]->uri, "file:///adopted/changed");
	assert_int_equal(mlmd_node_get(g->artifacts[0], 0, "p_int")->int_value, 2);
	assert_int_equal(mlmd_node_get(g->artifacts[0], 1, "n")->int_value, 9);
	assert_string_equal(mlmd_node_get(g->artifacts[0], 1, "note")->string_value, "set in the arena");
	mlmd_message_free(g);
	free(ids);
	mlmd_store_free(s);
}

/* An item holding unknown fields (which cannot carry the arena's mark) or a
 * part of an arena response is refused whole, and stays the caller's. */
static void items_that_cannot_join_an_arena_are_refused_whole(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(2, &ids, &t);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, 2);
	/* an Artifact with type_id 1, a uri, and a field 999 nobody knows */
	const uint8_t b[] = { 0x10, 0x01, 0x1a, 0x01, 'u', 0xb8, 0x3e, 0x05 };
	void *u = protobuf_c_message_unpack(&mlmd__pb__artifact__descriptor, NULL, sizeof b, b);
	assert_non_null(u);
	FAILS(mlmd_message_append(rs, "artifacts", u), MLMD_INVALID_ARGUMENT, "does not know");
	assert_false(mlmd_message_is_arena(u));
	assert_int_equal(rs->n_artifacts, 2);
	mlmd_message_free(u); /* still the caller's */
	/* a malloc'd node whose property (set by hand) is an arena part */
	Mlmd__Pb__Artifact *m = new_artifact(t, "file:///holder");
	OK(mlmd_node_set_int(m, 1, "x", 1));
	Mlmd__Pb__Value *own = m->custom_properties[0]->value;
	m->custom_properties[0]->value = rs->artifacts[0]->properties[0]->value;
	FAILS(mlmd_message_append(rs, "artifacts", m), MLMD_INVALID_ARGUMENT, "holds a part");
	assert_false(mlmd_message_is_arena(m));
	assert_false(mlmd_message_is_arena(m->custom_properties[0]));
	m->custom_properties[0]->value = own;
	assert_int_equal(rs->n_artifacts, 2);
	/* the same node, made whole again, joins */
	OK(mlmd_message_append(rs, "artifacts", m));
	assert_int_equal(rs->n_artifacts, 3);
	mlmd_message_free(rs);
	free(ids);
	mlmd_store_free(s);
}

/* A stored proto property whose Any carries a field this library does not
 * know comes back in the response; such a response cannot carry the mark
 * and is decoded with malloc, and mlmd_message_is_arena says so. */
static void a_response_with_unknown_fields_is_malloced_and_says_so(void **state)
{
	(void)state;
	int64_t *ids, t;
	mlmd_store *s = store_with(1, &ids, &t);
	uint8_t five = 5;
	ProtobufCMessageUnknownField uf = { 3, PROTOBUF_C_WIRE_TYPE_VARINT, 1, &five };
	Mlmd__Pb__Wkt__Any any = MLMD__PB__WKT__ANY__INIT;
	any.type_url = "type.googleapis.com/example.Unknown";
	any.base.n_unknown_fields = 1;
	any.base.unknown_fields = &uf;
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
	v.proto_value = &any;
	Mlmd__Pb__Artifact__CustomPropertiesEntry ce = MLMD__PB__ARTIFACT__CUSTOM_PROPERTIES_ENTRY__INIT, *cep = &ce;
	ce.key = "p";
	ce.value = &v;
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = t;
	a.n_custom_properties = 1;
	a.custom_properties = &cep;
	Mlmd__Pb__PutArtifactsRequest put = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	put.n_artifacts = 1;
	put.artifacts = &ap;
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, &put, &pr));
	int64_t both[2] = { ids[0], pr->artifact_ids[0] };
	mlmd_message_free(pr);
	Mlmd__Pb__GetArtifactsByIDResponse *plain = arena_by_id(s, ids, 1);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = 2;
	rq.artifact_ids = both;
	Mlmd__Pb__GetArtifactsByIDResponse *mixed = arena_call(s, "GetArtifactsByID", &rq);
	assert_true(mlmd_message_is_arena(plain));
	assert_true(mlmd_message_is_arena(plain->artifacts[0]));
	assert_false(mlmd_message_is_arena(mixed));
	assert_int_equal(mixed->n_artifacts, 2);
	size_t l0;
	uint8_t *p0 = NULL;
	for (size_t i = 0; i < 2; i++)
		if (mixed->artifacts[i]->id == both[1]) {
			Mlmd__Pb__Wkt__Any *got = mlmd_node_get(mixed->artifacts[i], 1, "p")->proto_value;
			assert_int_equal(got->base.n_unknown_fields, 1); /* kept */
			p0 = packed(got, &l0);
		}
	assert_non_null(p0);
	assert_packs_to(&any, p0, l0);
	free(p0);
	assert_false(mlmd_message_is_arena(NULL));
	mlmd_message_free(mixed);
	mlmd_message_free(plain);
	free(ids);
	mlmd_store_free(s);
}

/* Strings of 512 bytes and more go through the arena's list of large
 * blocks; thousands of them decode to the same bytes as with malloc. */
static void many_large_strings_decode_to_the_same_bytes(void **state)
{
	(void)state;
	enum { N = 2000, LEN = 700 };
	int64_t *ids, t;
	mlmd_store *s = store_with(0, &ids, &t);
	free(ids);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = N;
	rq.artifacts = calloc(N, sizeof *rq.artifacts);
	char uri[LEN + 32];
	memset(uri, 'x', LEN);
	for (size_t i = 0; i < N; i++) {
		snprintf(uri + LEN, 32, "/%zu", i);
		rq.artifacts[i] = new_artifact(t, uri);
	}
	Mlmd__Pb__PutArtifactsResponse *pr = NULL;
	OK(mlmd_store_put_artifacts(s, &rq, &pr));
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, pr->artifact_ids, N);
	assert_int_equal(rs->n_artifacts, N);
	assert_true(mlmd_message_is_arena(rs));
	Mlmd__Pb__GetArtifactsByIDRequest by = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	by.n_artifact_ids = N;
	by.artifact_ids = pr->artifact_ids;
	same_three_ways(s, "GetArtifactsByID", &by);
	mlmd_message_free(rs);
	mlmd_message_free(pr);
	for (size_t i = 0; i < N; i++)
		mlmd_message_free(rq.artifacts[i]);
	free(rq.artifacts);
	mlmd_store_free(s);
}

static void large_responses_span_many_blocks(void **state)
{
	(void)state;
	enum { N = 3000 };
	int64_t *ids;
	mlmd_store *s = store_with(N, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDResponse *rs = arena_by_id(s, ids, N);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = N;
	rq.artifact_ids = ids;
	Mlmd__Pb__GetArtifactsByIDResponse *ru = NULL;
	OK(mlmd_store_get_artifacts_by_id(s, &rq, &ru));
	assert_int_equal(rs->n_artifacts, N);
	size_t blocks = 0, used = 0, blocks0;
	assert_true(mlmd__arena_stats(&rs->base, &blocks0, &used));
	assert_true(used > protobuf_c_message_get_packed_size(&rs->base));
	char note[200];
	memset(note, 'n', sizeof note - 1);
	note[sizeof note - 1] = 0;
	/* every node's custom_properties grows, several times (many arrays in
	 * the arena's table of grown arrays, which doubles as it fills) */
	for (int k = 0; k < 6; k++)
		for (size_t i = 0; i < N; i++) {
			char name[16];
			snprintf(name, sizeof name, "note%d", k);
			OK(mlmd_node_set_string(rs->artifacts[i], 1, name, note));
			OK(mlmd_node_set_string(ru->artifacts[i], 1, name, note));
		}
	assert_int_equal(rs->artifacts[N - 1]->n_custom_properties, 7);
	assert_string_equal(mlmd_node_get(rs->artifacts[N - 1], 1, "note5")->string_value, note);
	/* the first block is sized from the bytes; the changes filled more */
	assert_true(mlmd__arena_stats(&rs->base, &blocks, &used));
	assert_true(blocks > blocks0);
	size_t ul;
	uint8_t *ub = packed(ru, &ul);
	assert_packs_to(rs, ub, ul);
	free(ub);
	mlmd_message_free(ru);
	mlmd_message_free(rs);
	free(ids);
	mlmd_store_free(s);
}

/* ---- the contract's errors -------------------------------------------------------- */

static void call_typed_refuses_what_the_contract_refuses(void **state)
{
	(void)state;
	int64_t *ids;
	mlmd_store *s = store_with(2, &ids, NULL);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDRequest wrong = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	void *out = (void *)&rq;
	FAILS(mlmd_store_call_typed(s, "GetArtifactsByID", &rq, MLMD_CALL_ARENA, NULL), MLMD_INVALID_ARGUMENT,
	      "response is NULL");
	FAILS(mlmd_store_call_typed(s, "NoSuchRpc", &rq, MLMD_CALL_ARENA, &out), MLMD_INVALID_ARGUMENT, "NoSuchRpc");
	assert_null(out);
	out = (void *)&rq;
	FAILS(mlmd_store_call_typed(s, NULL, &rq, 0, &out), MLMD_INVALID_ARGUMENT, "method is NULL");
	assert_null(out);
	FAILS(mlmd_store_call_typed(s, "GetArtifactsByID", &wrong, MLMD_CALL_ARENA, &out), MLMD_INVALID_ARGUMENT,
	      "GetExecutionsByIDRequest");
	FAILS(mlmd_store_call_typed(s, "GetArtifactsByID", &rq, 2, &out), MLMD_INVALID_ARGUMENT, "flag bits 0x2");
	FAILS(mlmd_store_call_typed(s, "GetArtifactsByID", &rq, MLMD_CALL_ARENA | 0x80000000u, &out),
	      MLMD_INVALID_ARGUMENT, "flag bits 0x80000000");
	assert_null(out);
	/* the typed call's own errors come through */
	FAILS(mlmd_store_call_typed(NULL, "GetArtifactsByID", &rq, MLMD_CALL_ARENA, &out), MLMD_INVALID_ARGUMENT,
	      "store is NULL");
	Mlmd__Pb__GetArtifactsByTypeRequest nt = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	nt.type_name = "NoSuchType";
	void *a0 = NULL, *a1 = NULL;
	OK(mlmd_store_call_typed(s, "GetArtifactsByType", &nt, 0, &a0));
	OK(mlmd_store_call_typed(s, "GetArtifactsByType", &nt, MLMD_CALL_ARENA, &a1));
	assert_int_equal(((Mlmd__Pb__GetArtifactsByTypeResponse *)a1)->n_artifacts, 0);
	mlmd_message_free(a0);
	mlmd_message_free(a1);
	Mlmd__Pb__PutArtifactsRequest bad = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__Artifact na = MLMD__PB__ARTIFACT__INIT, *nap = &na; /* no type */
	bad.n_artifacts = 1;
	bad.artifacts = &nap;
	assert_true(mlmd_store_call_typed(s, "PutArtifacts", &bad, MLMD_CALL_ARENA, &out) < 0);
	assert_null(out);
	/* NULL request: an empty one */
	Mlmd__Pb__GetArtifactsResponse *all0 = NULL, *all1 = NULL;
	OK(mlmd_store_call_typed(s, "GetArtifacts", NULL, 0, (void **)&all0));
	OK(mlmd_store_call_typed(s, "GetArtifacts", NULL, MLMD_CALL_ARENA, (void **)&all1));
	assert_int_equal(all0->n_artifacts, 2);
	size_t l0;
	uint8_t *p0 = packed(all0, &l0);
	assert_packs_to(all1, p0, l0);
	free(p0);
	mlmd_message_free(all0);
	mlmd_message_free(all1);
	free(ids);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_wire_read_in_an_arena_packs_to_the_plain_bytes),
		cmocka_unit_test(other_rpcs_accept_the_flag),
		cmocka_unit_test(every_message_of_a_response_is_owned_and_only_the_root_frees),
		cmocka_unit_test(flags_zero_responses_let_a_node_be_taken_out),
		cmocka_unit_test(malloc_messages_are_not_arena_messages),
		cmocka_unit_test(bytes_with_unknown_fields_decode_with_malloc),
		cmocka_unit_test(every_helper_changes_a_response_that_is_then_put_back),
		cmocka_unit_test(repeated_fields_grow_in_the_root_and_below),
		cmocka_unit_test(set_string_on_a_oneof_replaces_the_member_that_was_set),
		cmocka_unit_test(parts_do_not_change_owner_but_copies_do),
		cmocka_unit_test(no_part_is_appended_twice),
		cmocka_unit_test(adopted_items_are_parts_like_the_others),
		cmocka_unit_test(items_that_cannot_join_an_arena_are_refused_whole),
		cmocka_unit_test(a_response_with_unknown_fields_is_malloced_and_says_so),
		cmocka_unit_test(many_large_strings_decode_to_the_same_bytes),
		cmocka_unit_test(large_responses_span_many_blocks),
		cmocka_unit_test(call_typed_refuses_what_the_contract_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

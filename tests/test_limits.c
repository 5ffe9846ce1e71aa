/*
 * tests/test_limits.c - what the store refuses in a request, before it
 * decodes it or stores anything: messages nested too deep (a 34 KB
 * PutArtifacts request nesting a google.protobuf.Value 5,000 deep used to
 * overflow the stack inside protobuf-c), strings holding a NUL byte (they
 * used to be cut: "s3://b/a\0../../etc/passwd" stored as "s3://b/a"), and
 * enum values their enum does not define (stored as sent, then matched by no
 * filter). Runs on every backend.
 */
#include "helpers.h"
#include "util/pbutil.h" /* mlmd__pb_check_wire, to measure a response */

static mlmd_store *s;
static int64_t at, ct; /* DataSet(split STRING), Run */

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at = artifact_type(s, "DataSet", 1, "split", MLMD__PB__PROPERTY_TYPE__STRING);
	ct = context_type(s, "Run");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

/* ---- building request bytes by hand (protobuf-c would recurse, and cannot
 * write a NUL inside a string) ------------------------------------------------ */

typedef struct bytes {
	uint8_t *p;
	size_t n, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_varint(bytes *b, uint64_t v)
{
	uint8_t x[10];
	size_t n = 0;
	do {
		x[n++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, x, n);
}

static void put_tag(bytes *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* Replaces *inner with: tag(field, 2), its length, its bytes. */
static void wrap(bytes *inner, unsigned field)
{
	bytes out = { 0 };
	put_tag(&out, field, 2);
	put_varint(&out, inner->n);
	put(&out, inner->p, inner->n);
	free(inner->p);
	*inner = out;
}

static void put_string(bytes *b, unsigned field, const char *v)
{
	put_tag(b, field, 2);
	put_varint(b, strlen(v));
	put(b, v, strlen(v));
}

/*
 * The bytes of an ml_metadata.Value whose deepest message sits `depth`
 * levels below the node holding it, counting the map entry as level 1:
 * entry(1) Value(2) Struct(3) FieldsEntry(4) google.protobuf.Value(5), then
 * ListValue/Value pairs, and an empty Struct when one more level is needed.
 * With `dicts`, the nesting is objects in objects instead (3 levels each).
 */
static bytes deep_value(int depth, int dicts)
{
	bytes v = { 0 }; /* the innermost google.protobuf.Value, at level 5 + extra */
	assert_true(depth >= 5);
	int extra = depth - 5;
	if (dicts) {
		for (; extra >= 3; extra -= 3) { /* Value{struct_value: {fields: {"a": v}}} */
			wrap(&v, 2);
			bytes e = { 0 };
			put_string(&e, 1, "a");
			put(&e, v.p, v.n);
			free(v.p);
			v = e;
			wrap(&v, 1);
			wrap(&v, 5);
		}
	} else {
		if (extra % 2) { /* Value{struct_value: {}} */
			wrap(&v, 5);
			extra--;
		}
		for (; extra >= 2; extra -= 2) { /* Value{list_value: {values: [v]}} */
			wrap(&v, 1);
			wrap(&v, 6);
		}
	}
	while (extra-- > 0)
		wrap(&v, 5);
	/* Struct{fields: {"k": v}} as the ml_metadata.Value's struct_value (4) */
	wrap(&v, 2);
	bytes e = { 0 };
	put_string(&e, 1, "k");
	put(&e, v.p, v.n);
	free(v.p);
	v = e;
	wrap(&v, 1);
	wrap(&v, 4);
	return v;
}

/* A PutContextsRequest (or PutArtifactsRequest) with one node holding
 * custom property "p" = value. */
static bytes node_request(int context, const char *name, bytes *value)
{
	bytes entry = { 0 };
	put_string(&entry, 1, "p");
	put_tag(&entry, 2, 2);
	put_varint(&entry, value->n);
	put(&entry, value->p, value->n);
	bytes node = { 0 };
	put_tag(&node, 2, 0);
	put_varint(&node, (uint64_t)(context ? ct : at));
	if (name)
		put_string(&node, context ? 3 : 7, name);
	wrap(&entry, 5);
	put(&node, entry.p, entry.n);
	free(entry.p);
	wrap(&node, 1);
	return node;
}

static int rpc(const char *method, const bytes *rq, void **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	return mlmd_store_call(s, method, rq->p, rq->n, out, out_len);
}

static size_t count(const char *method)
{
	void *out;
	size_t len;
	bytes none = { 0 };
	OK(rpc(method, &none, &out, &len));
	ProtobufCMessage *m = protobuf_c_message_unpack(!strcmp(method, "GetArtifacts")
								? &mlmd__pb__get_artifacts_response__descriptor
								: &mlmd__pb__get_contexts_response__descriptor,
							NULL, len, out);
	assert_non_null(m);
	size_t n = !strcmp(method, "GetArtifacts") ? ((Mlmd__Pb__GetArtifactsResponse *)m)->n_artifacts
						  : ((Mlmd__Pb__GetContextsResponse *)m)->n_contexts;
	protobuf_c_message_free_unpacked(m, NULL);
	mlmd_buffer_free(out);
	return n;
}

/* ---- nesting ---------------------------------------------------------------- */

static void request_nested_5000_deep_is_refused_before_decoding(void **st)
{
	(void)st;
	for (int dicts = 1; dicts >= 0; dicts--) {
		/* objects 5,000 deep, or Values in lists 5,000 deep (tens of KB) */
		bytes v = deep_value(dicts ? 5 + 3 * 5000 : 5 + 2 * 5000, dicts);
		bytes rq = node_request(0, NULL, &v);
		free(v.p);
		if (!dicts)
			assert_true(rq.n < 40000); /* the 34 KB request of the report */
		void *out;
		size_t len;
		FAILS(rpc("PutArtifacts", &rq, &out, &len), MLMD_INVALID_ARGUMENT, "nest deeper than 100 levels");
		assert_null(out);
		assert_non_null(strstr(mlmd_error_message(), "PutArtifacts request: artifacts[0].custom_properties[0]"));
		free(rq.p);
	}
	assert_int_equal(count("GetArtifacts"), 0);
}

/* A node holds at most MLMD_MAX_NODE_NESTING (97) levels: then a Context
 * still fits in GetParentContextsByContextsResponse (3 levels deep) within
 * the 100 levels protobuf's parsers read. One level more is refused. */
static void a_node_nests_97_levels_and_no_more(void **st)
{
	(void)st;
	assert_int_equal(MLMD_MAX_NODE_NESTING, 97);
	for (int dicts = 0; dicts < 2; dicts++) {
		int ok_depth = dicts ? 5 + 3 * 30 + 2 : MLMD_MAX_NODE_NESTING; /* 97 either way */
		bytes v = deep_value(ok_depth, dicts);
		char name[32];
		snprintf(name, sizeof name, "deep-%d", dicts);
		bytes rq = node_request(1, name, &v);
		free(v.p);
		void *out;
		size_t len;
		OK(rpc("PutContexts", &rq, &out, &len));
		mlmd_buffer_free(out);
		free(rq.p);
		v = deep_value(ok_depth + 1, dicts);
		snprintf(name, sizeof name, "deeper-%d", dicts);
		rq = node_request(1, name, &v);
		free(v.p);
		FAILS(rpc("PutContexts", &rq, &out, &len), MLMD_INVALID_ARGUMENT, "deeper than 97 levels");
		assert_non_null(strstr(mlmd_error_message(), "contexts[0]: new context: custom_properties[0].value"));
		free(rq.p);
	}
	assert_int_equal(count("GetContexts"), 2);
	/* the same limit for artifacts, and the stored value reads back whole */
	bytes v = deep_value(MLMD_MAX_NODE_NESTING, 0);
	bytes rq = node_request(0, "deep", &v);
	free(v.p);
	void *out;
	size_t len;
	OK(rpc("PutArtifacts", &rq, &out, &len));
	mlmd_buffer_free(out);
	free(rq.p);
	Mlmd__Pb__GetArtifactsRequest g = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *gr;
	OK(mlmd_store_get_artifacts(s, &g, &gr));
	assert_int_equal(gr->n_artifacts, 1);
	const Mlmd__Pb__Value *pv = mlmd_node_get(gr->artifacts[0], 1, "p");
	assert_non_null(pv);
	const Mlmd__Pb__Wkt__Value *w = pv->struct_value->fields[0]->value;
	int lists = 0;
	while (w->kind_case == MLMD__PB__WKT__VALUE__KIND_LIST_VALUE) {
		w = w->list_value->values[0];
		lists++;
	}
	assert_int_equal(lists, (MLMD_MAX_NODE_NESTING - 5) / 2);
	mlmd_message_free(gr);
	/* and responses holding the node are within 100 levels */
	Mlmd__Pb__GetContextsRequest gc = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetContextsResponse *gcr;
	OK(mlmd_store_get_contexts(s, &gc, &gcr));
	Mlmd__Pb__PutParentContextsRequest pp = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = gcr->contexts[1]->id;
	pc.parent_id = gcr->contexts[0]->id;
	pp.n_parent_contexts = 1;
	pp.parent_contexts = &pcp;
	Mlmd__Pb__PutParentContextsResponse *ppr;
	OK(mlmd_store_put_parent_contexts(s, &pp, &ppr));
	mlmd_message_free(ppr);
	Mlmd__Pb__GetParentContextsByContextsRequest q = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXTS_REQUEST__INIT;
	q.n_context_ids = 1;
	q.context_ids = &pc.child_id;
	mlmd_message_free(gcr);
	uint8_t buf[64];
	bytes qb = { 0 };
	put(&qb, buf, mlmd__pb__get_parent_contexts_by_contexts_request__pack(&q, buf));
	OK(rpc("GetParentContextsByContexts", &qb, &out, &len));
	free(qb.p);
	/* the response's deepest message is exactly 100 levels down, as deep as
	 * protobuf's parsers go and no deeper */
	OK(mlmd__pb_check_wire(&mlmd__pb__get_parent_contexts_by_contexts_response__descriptor, out, len, 100, "r"));
	FAILS(mlmd__pb_check_wire(&mlmd__pb__get_parent_contexts_by_contexts_response__descriptor, out, len, 99, "r"),
	      MLMD_INVALID_ARGUMENT, "deeper than 99 levels");
	mlmd_buffer_free(out);
}

/* An artifact whose custom property "p" holds a struct {"k": v}, where v is a
 * chain of lists whose deepest message is `depth` levels below the node. */
static Mlmd__Pb__Artifact *artifact_with_chain(int depth, Mlmd__Pb__Wkt__Value **chain)
{
	Mlmd__Pb__Wkt__Value *inner = mlmd_message_new(&mlmd__pb__wkt__value__descriptor), *top = inner;
	/* node levels: entry 1, Value 2, Struct 3, fields entry 4, then Value, ListValue, ... */
	for (int level = 5; level + 2 <= depth; level += 2) {
		Mlmd__Pb__Wkt__ListValue *l = mlmd_message_new(&mlmd__pb__wkt__list_value__descriptor);
		Mlmd__Pb__Wkt__Value *next = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
		OK(mlmd_message_append(l, "values", next));
		inner->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
		inner->list_value = l;
		inner = next;
	}
	Mlmd__Pb__Wkt__Struct *stc = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	Mlmd__Pb__Wkt__Struct__FieldsEntry *fe = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
	fe->key = strdup("k");
	fe->value = top;
	OK(mlmd_message_append(stc, "fields", fe));
	Mlmd__Pb__Artifact *a = new_artifact(at, "/typed-deep");
	Mlmd__Pb__Artifact__CustomPropertiesEntry *pe =
		mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
	pe->key = strdup("p");
	pe->value = mlmd_message_new(&mlmd__pb__value__descriptor);
	pe->value->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	pe->value->struct_value = stc;
	OK(mlmd_message_append(a, "custom_properties", pe));
	*chain = top;
	return a;
}

/* Frees the list chain from the top without recursing (protobuf-c's free
 * would recurse once per level), then the artifact. */
static void free_chain_artifact(Mlmd__Pb__Artifact *a, Mlmd__Pb__Wkt__Value *v)
{
	a->custom_properties[0]->value->struct_value->fields[0]->value = NULL;
	while (v) {
		Mlmd__Pb__Wkt__Value *next = NULL;
		if (v->kind_case == MLMD__PB__WKT__VALUE__KIND_LIST_VALUE) {
			next = v->list_value->values[0];
			v->list_value->n_values = 0;
		}
		mlmd_message_free(v);
		v = next;
	}
	mlmd_message_free(a);
}

/* Messages built in memory (the typed API, the CLI's imports) are held to the
 * same limits, without recursion: a 200,000-deep value is refused, not
 * followed down the stack. */
static void typed_requests_are_held_to_the_same_limits(void **st)
{
	(void)st;
	Mlmd__Pb__Wkt__Value *chain;
	Mlmd__Pb__Artifact *a = artifact_with_chain(200000, &chain);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs = NULL;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	FAILS(mlmd_store_put_artifacts(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "deeper than 100 levels");
	assert_non_null(strstr(mlmd_error_message(), "PutArtifacts request: artifacts[0].custom_properties[0].value"));
	free_chain_artifact(a, chain);
	a = artifact_with_chain(MLMD_MAX_NODE_NESTING, &chain); /* as deep as a node may go: stored */
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	mlmd_message_free(rs);
	free_chain_artifact(a, chain);

	/* over the node limit, within the request limit */
	a = new_artifact(at, "/typed-99");
	Mlmd__Pb__Value *v = mlmd_message_new(&mlmd__pb__value__descriptor);
	v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	v->struct_value = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	Mlmd__Pb__Wkt__Struct *cur = v->struct_value;
	for (int level = 3; level < 98; level += 3) { /* Struct at 3, 6, ..., 96; entry, Value, Struct */
		Mlmd__Pb__Wkt__Struct__FieldsEntry *fe = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
		fe->key = strdup("a");
		fe->value = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
		fe->value->kind_case = MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE;
		fe->value->struct_value = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
		OK(mlmd_message_append(cur, "fields", fe));
		cur = fe->value->struct_value;
	}
	Mlmd__Pb__Artifact__CustomPropertiesEntry *pe =
		mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
	pe->key = strdup("p");
	pe->value = v;
	OK(mlmd_message_append(a, "custom_properties", pe));
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "new artifact: custom_properties[0].value.struct_value");
	assert_non_null(strstr(mlmd_error_message(), "deeper than 97 levels"));
}

/* ---- NUL bytes -------------------------------------------------------------------- */

#define MARK "~NUL~"

/* Packs m, then turns the first byte of MARK (wherever the string holding it
 * went) into a NUL: the length protobuf records stays the same. */
static bytes with_nul(const ProtobufCMessage *m)
{
	bytes b = { 0 };
	b.n = b.cap = protobuf_c_message_get_packed_size(m);
	b.p = malloc(b.n + 1);
	protobuf_c_message_pack(m, b.p);
	uint8_t *hit = NULL;
	for (size_t i = 0; i + strlen(MARK) <= b.n && !hit; i++)
		if (!memcmp(b.p + i, MARK, strlen(MARK)))
			hit = b.p + i;
	assert_non_null(hit);
	*hit = '\0';
	return b;
}

static void refused(const char *method, const ProtobufCMessage *m, const char *field)
{
	bytes b = with_nul(m);
	void *out;
	size_t len;
	FAILS(rpc(method, &b, &out, &len), MLMD_INVALID_ARGUMENT, "holds a NUL byte");
	char want[256];
	snprintf(want, sizeof want, "%s request: %s: the string", method, field);
	if (!strstr(mlmd_error_message(), want))
		fail_msg("message '%s' lacks '%s'", mlmd_error_message(), want);
	assert_null(out);
	free(b.p);
}

static void strings_with_nul_are_refused_naming_the_field(void **st)
{
	(void)st;
	size_t before = count("GetArtifacts");
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = at;
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	pa.n_artifacts = 1;
	pa.artifacts = &ap;
	a.uri = "s3://b/a" MARK "../../etc/passwd";
	refused("PutArtifacts", &pa.base, "artifacts[0].uri");
	a.uri = "s3://b/a";
	a.name = "same" MARK "1";
	refused("PutArtifacts", &pa.base, "artifacts[0].name");
	a.name = NULL;
	a.external_id = "ext" MARK;
	refused("PutArtifacts", &pa.base, "artifacts[0].external_id");
	a.external_id = NULL;
	Mlmd__Pb__Value val = MLMD__PB__VALUE__INIT;
	val.value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	val.string_value = "train" MARK "x";
	Mlmd__Pb__Artifact__PropertiesEntry pe = MLMD__PB__ARTIFACT__PROPERTIES_ENTRY__INIT, *pep = &pe;
	pe.key = "split";
	pe.value = &val;
	a.n_properties = 1;
	a.properties = &pep;
	refused("PutArtifacts", &pa.base, "artifacts[0].properties[0].value.string_value");
	a.n_properties = 0;
	Mlmd__Pb__Artifact__CustomPropertiesEntry ce = MLMD__PB__ARTIFACT__CUSTOM_PROPERTIES_ENTRY__INIT, *cep = &ce;
	ce.key = "no" MARK "te";
	val.string_value = "v";
	ce.value = &val;
	a.n_custom_properties = 1;
	a.custom_properties = &cep;
	refused("PutArtifacts", &pa.base, "artifacts[0].custom_properties[0].key");
	a.n_custom_properties = 0;
	char *paths[] = { "uri", "properties." MARK };
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = 2;
	mask.paths = paths;
	pa.update_mask = &mask;
	refused("PutArtifacts", &pa.base, "update_mask.paths[1]");
	assert_int_equal(count("GetArtifacts"), before); /* nothing was stored */

	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ct;
	c.name = "run" MARK "a";
	Mlmd__Pb__PutContextsRequest pc = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	pc.n_contexts = 1;
	pc.contexts = &cp;
	refused("PutContexts", &pc.base, "contexts[0].name");

	Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
	t.name = "Data" MARK "Set";
	Mlmd__Pb__PutArtifactTypeRequest pt = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	pt.artifact_type = &t;
	refused("PutArtifactType", &pt.base, "artifact_type.name");
	t.name = "Data";
	t.version = "v" MARK;
	refused("PutArtifactType", &pt.base, "artifact_type.version");
	t.version = NULL;
	Mlmd__Pb__ArtifactType__PropertiesEntry tp = MLMD__PB__ARTIFACT_TYPE__PROPERTIES_ENTRY__INIT, *tpp = &tp;
	tp.key = "sp" MARK "an";
	tp.has_value = 1;
	tp.value = MLMD__PB__PROPERTY_TYPE__INT;
	t.n_properties = 1;
	t.properties = &tpp;
	refused("PutArtifactType", &pt.base, "artifact_type.properties[0].key");

	/* reads: a filter that starts with NUL used to be no filter at all */
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.filter_query = MARK " name = 'x'";
	Mlmd__Pb__GetArtifactsRequest ga = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	ga.options = &lo;
	refused("GetArtifacts", &ga.base, "options.filter_query");
	char *uris[] = { "s3://ok", "s3://b/a" MARK "x" };
	Mlmd__Pb__GetArtifactsByURIRequest gu = MLMD__PB__GET_ARTIFACTS_BY_URIREQUEST__INIT;
	gu.n_uris = 2;
	gu.uris = uris;
	refused("GetArtifactsByURI", &gu.base, "uris[1]");
	char *ext[] = { "e" MARK };
	Mlmd__Pb__GetArtifactsByExternalIdsRequest ge = MLMD__PB__GET_ARTIFACTS_BY_EXTERNAL_IDS_REQUEST__INIT;
	ge.n_external_ids = 1;
	ge.external_ids = ext;
	refused("GetArtifactsByExternalIds", &ge.base, "external_ids[0]");
	Mlmd__Pb__GetArtifactTypeRequest gt = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	gt.type_name = "DataSet" MARK;
	refused("GetArtifactType", &gt.base, "type_name");
	Mlmd__Pb__GetContextByTypeAndNameRequest gn = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	gn.type_name = "Run";
	gn.context_name = "run" MARK;
	refused("GetContextByTypeAndName", &gn.base, "context_name");
	/* an event path key */
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	Mlmd__Pb__Event__Path path = MLMD__PB__EVENT__PATH__INIT;
	Mlmd__Pb__Event__Path__Step step = MLMD__PB__EVENT__PATH__STEP__INIT, *stp = &step;
	step.value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
	step.key = "k" MARK;
	path.n_steps = 1;
	path.steps = &stp;
	ev.path = &path;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = ev.execution_id = 1;
	ev.type = MLMD__PB__EVENT__TYPE__INPUT;
	Mlmd__Pb__PutEventsRequest pev = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	pev.n_events = 1;
	pev.events = &evp;
	refused("PutEvents", &pev.base, "events[0].path.steps[0].key");
	/* proto3 strings (a Struct's) must also be UTF-8: protobuf's parsers
	 * refuse anything else, so such a value could never be read back */
	Mlmd__Pb__Wkt__Value wv = MLMD__PB__WKT__VALUE__INIT;
	wv.kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
	wv.string_value = "caf\xc3";
	Mlmd__Pb__Wkt__Struct__FieldsEntry fe = MLMD__PB__WKT__STRUCT__FIELDS_ENTRY__INIT, *fep = &fe;
	fe.key = "k";
	fe.value = &wv;
	Mlmd__Pb__Wkt__Struct sv = MLMD__PB__WKT__STRUCT__INIT;
	sv.n_fields = 1;
	sv.fields = &fep;
	val.value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	val.struct_value = &sv;
	a.n_custom_properties = 1;
	ce.key = "note";
	pa.update_mask = NULL;
	uint8_t buf[512];
	bytes b = { 0 };
	put(&b, buf, mlmd__pb__put_artifacts_request__pack(&pa, buf));
	void *out;
	size_t len;
	FAILS(rpc("PutArtifacts", &b, &out, &len), MLMD_INVALID_ARGUMENT, "not valid UTF-8");
	assert_non_null(strstr(mlmd_error_message(), "custom_properties[0].value.struct_value.fields[0].value.string_value"));
	free(b.p);
	assert_int_equal(count("GetArtifacts"), before);
}

/* ---- enums -------------------------------------------------------------------- */

static void enum_refused(const char *method, const ProtobufCMessage *m, const char *field, const char *value)
{
	uint8_t buf[512];
	bytes b = { 0 };
	put(&b, buf, protobuf_c_message_pack(m, buf));
	void *out;
	size_t len;
	FAILS(rpc(method, &b, &out, &len), MLMD_INVALID_ARGUMENT, "is not a value of");
	char want[256];
	snprintf(want, sizeof want, "%s request: %s: %s is not a value of", method, field, value);
	if (!strstr(mlmd_error_message(), want))
		fail_msg("message '%s' lacks '%s'", mlmd_error_message(), want);
	free(b.p);
}

static void enum_values_out_of_range_are_refused(void **st)
{
	(void)st;
	size_t before = count("GetArtifacts");
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = at;
	a.has_state = 1;
	a.state = (Mlmd__Pb__Artifact__State)99;
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	pa.n_artifacts = 1;
	pa.artifacts = &ap;
	enum_refused("PutArtifacts", &pa.base, "artifacts[0].state", "99");
	/* the typed API too */
	FAILS(mlmd_store_put_artifacts(s, &pa, &(Mlmd__Pb__PutArtifactsResponse *){ NULL }), MLMD_INVALID_ARGUMENT,
	      "artifacts[0].state: 99 is not a value of ml_metadata.Artifact.State");
	a.state = (Mlmd__Pb__Artifact__State)-1;
	enum_refused("PutArtifacts", &pa.base, "artifacts[0].state", "-1");
	assert_int_equal(count("GetArtifacts"), before);

	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT, *ep = &e;
	e.has_type_id = 1;
	e.type_id = execution_type(s, "EnumStep");
	e.has_last_known_state = 1;
	e.last_known_state = (Mlmd__Pb__Execution__State)99;
	Mlmd__Pb__PutExecutionsRequest pe = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	pe.n_executions = 1;
	pe.executions = &ep;
	enum_refused("PutExecutions", &pe.base, "executions[0].last_known_state", "99");

	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = ev.execution_id = 1;
	ev.type = (Mlmd__Pb__Event__Type)77;
	Mlmd__Pb__PutEventsRequest pev = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	pev.n_events = 1;
	pev.events = &evp;
	enum_refused("PutEvents", &pev.base, "events[0].type", "77");
	FAILS(mlmd_store_put_events(s, &pev, &(Mlmd__Pb__PutEventsResponse *){ NULL }), MLMD_INVALID_ARGUMENT,
	      "events[0].type: 77 is not a value of ml_metadata.Event.Type");

	Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
	t.name = "EnumType";
	Mlmd__Pb__ArtifactType__PropertiesEntry tp = MLMD__PB__ARTIFACT_TYPE__PROPERTIES_ENTRY__INIT, *tpp = &tp;
	tp.key = "p";
	tp.has_value = 1;
	tp.value = (Mlmd__Pb__PropertyType)42;
	t.n_properties = 1;
	t.properties = &tpp;
	Mlmd__Pb__PutArtifactTypeRequest pt = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	pt.artifact_type = &t;
	enum_refused("PutArtifactType", &pt.base, "artifact_type.properties[0].value", "42");
	t.n_properties = 0;
	t.has_base_type = 1;
	t.base_type = (Mlmd__Pb__ArtifactType__SystemDefinedBaseType)9;
	enum_refused("PutArtifactType", &pt.base, "artifact_type.base_type", "9");

	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = 1;
	ob.field = (Mlmd__Pb__ListOperationOptions__OrderByField__Field)9;
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.order_by_field = &ob;
	Mlmd__Pb__GetArtifactsRequest ga = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	ga.options = &lo;
	enum_refused("GetArtifacts", &ga.base, "options.order_by_field.field", "9");

	Mlmd__Pb__LineageSubgraphQueryOptions lq = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	lq.has_direction = 1;
	lq.direction = (Mlmd__Pb__LineageSubgraphQueryOptions__Direction)7;
	Mlmd__Pb__GetLineageSubgraphRequest gl = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	gl.lineage_subgraph_query_options = &lq;
	enum_refused("GetLineageSubgraph", &gl.base, "lineage_subgraph_query_options.direction", "7");
}

/* mlmd_message_unpack, for bytes a host reads from outside, holds them to the
 * same checks: an Artifact holding a value nested 5,000 deep (which
 * protobuf_c_message_unpack would recurse through until the stack ran out), a
 * string with a NUL byte and an undefined enum are refused naming the field;
 * a well-formed Artifact decodes and is freed by mlmd_message_free. */
static void unpack_checks_bytes_from_outside(void **st)
{
	(void)st;
	bytes v = deep_value(5 + 2 * 5000, 0);
	bytes a = { 0 };
	put_string(&a, 3, "s3://b/a");
	bytes entry = { 0 };
	put_string(&entry, 1, "p");
	put_tag(&entry, 2, 2);
	put_varint(&entry, v.n);
	put(&entry, v.p, v.n);
	wrap(&entry, 5); /* custom_properties (field 5) */
	put(&a, entry.p, entry.n);
	void *m = (void *)1;
	FAILS(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, a.p, a.n, &m), MLMD_INVALID_ARGUMENT,
	      "ml_metadata.Artifact: custom_properties[0].value.struct_value");
	assert_null(m);
	free(a.p);
	free(entry.p);
	free(v.p);

	bytes nul = { 0 };
	put_tag(&nul, 3, 2);
	put_varint(&nul, 3);
	put(&nul, "a\0b", 3);
	FAILS(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, nul.p, nul.n, &m), MLMD_INVALID_ARGUMENT, "uri");
	free(nul.p);

	bytes en = { 0 };
	put_tag(&en, 6, 0); /* state = 99 */
	put_varint(&en, 99);
	FAILS(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, en.p, en.n, &m), MLMD_INVALID_ARGUMENT, "state");
	free(en.p);

	bytes ok = { 0 };
	put_string(&ok, 3, "s3://b/a");
	put_tag(&ok, 6, 0);
	put_varint(&ok, 2); /* LIVE */
	OK(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, ok.p, ok.n, &m));
	Mlmd__Pb__Artifact *art = m;
	assert_string_equal(art->uri, "s3://b/a");
	assert_int_equal(art->state, MLMD__PB__ARTIFACT__STATE__LIVE);
	mlmd_message_free(m);
	free(ok.p);
	FAILS(mlmd_message_unpack(&mlmd__pb__artifact__descriptor, "\xff", 1, &m), MLMD_INVALID_ARGUMENT, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_nested_5000_deep_is_refused_before_decoding),
		cmocka_unit_test(a_node_nests_97_levels_and_no_more),
		cmocka_unit_test(typed_requests_are_held_to_the_same_limits),
		cmocka_unit_test(strings_with_nul_are_refused_naming_the_field),
		cmocka_unit_test(enum_values_out_of_range_are_refused),
		cmocka_unit_test(unpack_checks_bytes_from_outside),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

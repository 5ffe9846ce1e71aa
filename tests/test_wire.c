/*
 * tests/test_wire.c - the node reads written straight in wire format
 * (store/wire_read.c) give exactly the bytes of the struct handlers' packed
 * responses: for every wire RPC, on nodes holding properties of every value
 * type (declared and custom, empty and unicode strings, extreme integers,
 * NaN, infinities and -0.0, structs, protos), system metadata, unknown,
 * duplicate and deleted ids, empty results, pages across several tokens and
 * orderings, filters, and populate_artifact_types. Runs on every backend.
 */
#include <math.h>
#include "dg_helpers.h"
#include "store/wire.h" /* mlmd__store_set_no_wire, mlmd__wire_handler */

#define N_ART 300 /* more than one IN chunk (MLMD_IN_MAX) */

static mlmd_store *s;
static int64_t at1, at2, et, ct;
static int64_t arts[N_ART + 2], exes[40], ctxs[40];
static size_t n_arts, n_exes, n_ctxs;

/* Runs rq through mlmd_store_call with and without the wire handlers and
 * checks that both give the same status and message, or the same bytes.
 * Returns the number of response bytes. */
static size_t same(const char *rpc, const void *rqv)
{
	const ProtobufCMessage *rq = rqv;
	assert_non_null(mlmd__wire_handler(rpc, rq)); /* the wire path is the one under test */
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(rq, buf);
	void *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int ra = mlmd_store_call(s, rpc, buf, n, &a, &na);
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", ra ? mlmd_error_message() : "");
	mlmd__store_set_no_wire(s, 1);
	int rb = mlmd_store_call(s, rpc, buf, n, &b, &nb);
	mlmd__store_set_no_wire(s, 0);
	free(buf);
	assert_int_equal(ra, rb);
	if (ra) {
		assert_string_equal(msg, mlmd_error_message());
	} else {
		if (na != nb || (na && memcmp(a, b, na) != 0))
			fail_msg("%s: wire answer (%zu bytes) differs from the packed struct answer (%zu bytes)", rpc, na,
				 nb);
	}
	mlmd_buffer_free(a);
	mlmd_buffer_free(b);
	return na;
}

/* ---- the graph ------------------------------------------------------------------ */

/* Replaces the (string) property `name` of node with a Value holding `v`'s
 * oneof member (struct or proto), which the node then owns. */
static void set_value(void *node, int custom, const char *name, int which, void *msg)
{
	OK(mlmd_node_set_string(node, custom, name, "x"));
	Mlmd__Pb__Value *v = (Mlmd__Pb__Value *)mlmd_node_get(node, custom, name);
	assert_non_null(v);
	free(v->string_value);
	v->string_value = NULL;
	if (which == MLMD__PB__VALUE__VALUE_STRUCT_VALUE) {
		v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
		v->struct_value = msg;
	} else {
		v->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
		v->proto_value = msg;
	}
}

static Mlmd__Pb__Wkt__Struct *new_struct(int i)
{
	Mlmd__Pb__Wkt__Struct *st = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	const char *keys[3] = { "zeta", "alpha", "ünï" };
	for (int k = 0; k < 3; k++) {
		Mlmd__Pb__Wkt__Struct__FieldsEntry *e = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
		Mlmd__Pb__Wkt__Value *v = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
		e->key = strdup(keys[k]);
		if (k == 0) {
			v->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
			v->number_value = i * 1.25;
		} else if (k == 1) {
			v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
			v->string_value = strdup(i % 2 ? "" : "text");
		} else {
			v->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE;
			v->bool_value = i % 2;
		}
		e->value = v;
		OK(mlmd_message_append(st, "fields", e));
	}
	return st;
}

static Mlmd__Pb__Wkt__Any *new_any(int i)
{
	Mlmd__Pb__Wkt__Any *any = mlmd_message_new(&mlmd__pb__wkt__any__descriptor);
	any->type_url = strdup("type.googleapis.com/test.Thing");
	any->value.len = (size_t)(i % 4);
	any->value.data = malloc(4);
	memcpy(any->value.data, "\x08\x96\x01\x00", 4);
	return any;
}

static const double doubles[] = { 0.0, -0.0, 1.5, -2.25e300, 5e-324, 1e308 };

/* Properties of every kind on node m: declared ones when `declared`, then
 * custom ones; which ones and their values vary with i. */
static void fill(void *m, int i, int declared)
{
	for (int custom = declared ? 0 : 1; custom <= 1; custom++) {
		if (i % 7 == 6)
			continue; /* some nodes have none */
		const int64_t ints[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 300 };
		int64_t iv = ints[i % 6];
		if (i > 6 && iv > -1000 && iv < 1000)
			iv += i;
		OK(mlmd_node_set_int(m, custom, custom ? "c_int" : "i", iv));
		double d = i % 9 == 1 ? NAN : i % 9 == 2 ? INFINITY : i % 9 == 3 ? -INFINITY : doubles[i % 6];
		OK(mlmd_node_set_double(m, custom, custom ? "c_dbl" : "d", d));
		const char *strs[] = { "", "plain", "ünïcödé ☃ 𝄞", "with 'quotes' and \"doubles\"", "tab\there" };
		OK(mlmd_node_set_string(m, custom, custom ? "c_str" : "s", strs[i % 5]));
		if (i % 3 != 2)
			OK(mlmd_node_set_bool(m, custom, custom ? "c_bool" : "b", i % 2));
		if (i % 4 == 1)
			set_value(m, custom, custom ? "c_struct" : "st", MLMD__PB__VALUE__VALUE_STRUCT_VALUE, new_struct(i));
		if (i % 5 == 2)
			set_value(m, custom, custom ? "c_proto" : "p", MLMD__PB__VALUE__VALUE_PROTO_VALUE, new_any(i));
		if (custom && i % 3 == 0)
			OK(mlmd_node_set_string(m, 1, "Zed ünï", "z")); /* ordering of names */
	}
}

static int64_t put_node(const char *rpc, const ProtobufCMessageDescriptor *rqd, const char *field,
			const ProtobufCMessageDescriptor *rsd, void *node)
{
	ProtobufCMessage *rq = mlmd_message_new(rqd);
	OK(mlmd_message_append(rq, field, node));
	int rc;
	ProtobufCMessage *rs = test_rpc(s, rpc, rq, rsd, &rc);
	if (rc)
		fail_msg("%s: %s", rpc, mlmd_error_message());
	/* the first field of every Put*Response is the new ids */
	const ProtobufCFieldDescriptor *f = &rsd->fields[0];
	int64_t id = (*(int64_t **)((char *)rs + f->offset))[0];
	protobuf_c_message_free_unpacked(rs, NULL);
	mlmd_message_free(rq);
	return id;
}

static int64_t typed_artifact_type(const char *name)
{
	return artifact_type(s, name, 6, "i", MLMD__PB__PROPERTY_TYPE__INT, "d", MLMD__PB__PROPERTY_TYPE__DOUBLE, "s",
			     MLMD__PB__PROPERTY_TYPE__STRING, "b", MLMD__PB__PROPERTY_TYPE__BOOLEAN, "st",
			     MLMD__PB__PROPERTY_TYPE__STRUCT, "p", MLMD__PB__PROPERTY_TYPE__PROTO);
}

static void del_nodes(int kind, const int64_t *ids, size_t n)
{
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = n;
	rq.ids = (int64_t *)ids;
	rq.reason = "test_wire";
	free_msg(dg_rpc_ok(s, "DeleteNodes", &rq, &mlmd__pb__governance__delete_nodes_response__descriptor));
}

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at1 = typed_artifact_type("Data");
	at2 = typed_artifact_type("Model");
	et = execution_type(s, "Run");
	ct = context_type(s, "Pipeline");
	const int states[] = { 0, 1, 2, 3, 4, 5, 6 };
	n_arts = n_exes = n_ctxs = 0;
	for (int i = 0; i < N_ART; i++) {
		Mlmd__Pb__Artifact *a = new_artifact(i % 4 == 3 ? at2 : at1, i % 10 == 4 ? "" : i % 10 == 5 ? NULL : "/d/p");
		if (i % 3 == 0) {
			char name[64];
			snprintf(name, sizeof name, i % 2 ? "art-%d" : "ärt ☃ %d", i);
			OK(mlmd_message_set_string(a, "name", name));
		}
		if (i % 4 == 0) {
			char ext[64];
			snprintf(ext, sizeof ext, "ext-%d", i);
			OK(mlmd_message_set_string(a, "external_id", ext));
		}
		if (i % 5 != 0) {
			a->has_state = 1;
			a->state = (Mlmd__Pb__Artifact__State)states[i % 7];
		}
		if (i % 11 == 1)
			a->system_metadata = new_any(i + 2);
		fill(a, i, 1);
		arts[n_arts++] = put_node("PutArtifacts", &mlmd__pb__put_artifacts_request__descriptor, "artifacts",
					  &mlmd__pb__put_artifacts_response__descriptor, a);
	}
	for (int i = 0; i < 40; i++) {
		Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
		e->has_type_id = 1;
		e->type_id = et;
		if (i % 2) {
			char name[64];
			snprintf(name, sizeof name, "run %d ☃", i);
			OK(mlmd_message_set_string(e, "name", name));
		}
		if (i % 3) {
			e->has_last_known_state = 1;
			e->last_known_state = (Mlmd__Pb__Execution__State)(i % 6);
		}
		if (i % 6 == 1)
			e->system_metadata = new_any(i);
		fill(e, i, 0);
		exes[n_exes++] = put_node("PutExecutions", &mlmd__pb__put_executions_request__descriptor, "executions",
					  &mlmd__pb__put_executions_response__descriptor, e);
		Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
		c->has_type_id = 1;
		c->type_id = ct;
		char name[64];
		snprintf(name, sizeof name, "ctx-%d-ünï", i);
		OK(mlmd_message_set_string(c, "name", name));
		if (i % 4 == 2) {
			snprintf(name, sizeof name, "cext-%d", i);
			OK(mlmd_message_set_string(c, "external_id", name));
		}
		if (i % 6 == 2)
			c->system_metadata = new_any(i + 1);
		fill(c, i + 3, 0);
		ctxs[n_ctxs++] = put_node("PutContexts", &mlmd__pb__put_contexts_request__descriptor, "contexts",
					  &mlmd__pb__put_contexts_response__descriptor, c);
	}
	/* tombstones: deleted nodes are in no read */
	int64_t gone_a[] = { arts[3], arts[5], arts[200] }, gone_e[] = { exes[7] }, gone_c[] = { ctxs[9] };
	del_nodes(ART, gone_a, 3);
	del_nodes(EXE, gone_e, 1);
	del_nodes(CTX, gone_c, 1);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

/* ---- by id ------------------------------------------------------------------------ */

/* ids[0..*n): every stored id in reverse, unknown ids (0, -1, a large one),
 * duplicates and the deleted ones. */
static size_t mixed_ids(const int64_t *stored, size_t n_stored, int64_t *ids)
{
	size_t n = 0;
	for (size_t i = n_stored; i-- > 0;)
		ids[n++] = stored[i];
	ids[n++] = 0;
	ids[n++] = -1;
	ids[n++] = INT64_MAX;
	ids[n++] = stored[0];
	ids[n++] = stored[n_stored / 2];
	ids[n++] = stored[0];
	return n;
}

static void artifacts_by_id_equal_struct_path(void **st)
{
	(void)st;
	int64_t ids[N_ART + 16];
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.artifact_ids = ids;
	rq.n_artifact_ids = mixed_ids(arts, n_arts, ids);
	assert_true(same("GetArtifactsByID", &rq) > 1000);
	for (int types = 0; types <= 1; types++) {
		rq.has_populate_artifact_types = 1;
		rq.populate_artifact_types = types;
		same("GetArtifactsByID", &rq);
		/* in id order (one statement per chunk, no sort needed) */
		rq.artifact_ids = arts;
		rq.n_artifact_ids = n_arts;
		same("GetArtifactsByID", &rq);
		/* every length up to one past a small chunk, each start */
		for (size_t len = 0; len <= 10; len++)
			for (size_t at = 0; at + len <= 20; at += 3) {
				rq.artifact_ids = ids + at;
				rq.n_artifact_ids = len;
				same("GetArtifactsByID", &rq);
			}
		rq.artifact_ids = ids;
	}
	/* only unknown and deleted ids: an empty response */
	int64_t none[] = { 0, arts[3], 987654321, arts[5] };
	rq.artifact_ids = none;
	rq.n_artifact_ids = 4;
	assert_int_equal(same("GetArtifactsByID", &rq), 0);
}

static void executions_and_contexts_by_id_equal_struct_path(void **st)
{
	(void)st;
	int64_t ids[64];
	Mlmd__Pb__GetExecutionsByIDRequest e = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	e.execution_ids = ids;
	e.n_execution_ids = mixed_ids(exes, n_exes, ids);
	assert_true(same("GetExecutionsByID", &e) > 100);
	for (size_t i = 0; i < 12; i++) {
		e.execution_ids = ids + i;
		e.n_execution_ids = i % 5;
		same("GetExecutionsByID", &e);
	}
	Mlmd__Pb__GetContextsByIDRequest c = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	c.context_ids = ids;
	c.n_context_ids = mixed_ids(ctxs, n_ctxs, ids);
	assert_true(same("GetContextsByID", &c) > 100);
	c.n_context_ids = 0;
	assert_int_equal(same("GetContextsByID", &c), 0);
}

/* The typed entry point reads the same nodes (through the wire bytes). */
static void typed_get_matches_bytes(void **st)
{
	(void)st;
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.artifact_ids = arts;
	rq.n_artifact_ids = n_arts;
	rq.has_populate_artifact_types = rq.populate_artifact_types = 1;
	Mlmd__Pb__GetArtifactsByIDResponse *a = NULL, *b = NULL;
	OK(mlmd_store_get_artifacts_by_id(s, &rq, &a));
	mlmd__store_set_no_wire(s, 1);
	OK(mlmd_store_get_artifacts_by_id(s, &rq, &b));
	mlmd__store_set_no_wire(s, 0);
	assert_int_equal(a->n_artifacts, n_arts - 3);
	assert_int_equal(a->n_artifact_types, 2);
	size_t na = protobuf_c_message_get_packed_size(&a->base), nb = protobuf_c_message_get_packed_size(&b->base);
	assert_int_equal(na, nb);
	uint8_t *pa = malloc(na), *pb = malloc(nb);
	protobuf_c_message_pack(&a->base, pa);
	protobuf_c_message_pack(&b->base, pb);
	assert_memory_equal(pa, pb, na);
	/* NaN stays NaN, the extremes stay exact */
	const Mlmd__Pb__Value *d = mlmd_node_get(a->artifacts[1], 0, "d");
	assert_non_null(d);
	assert_true(isnan(d->double_value));
	const Mlmd__Pb__Value *i = mlmd_node_get(a->artifacts[3], 0, "i"); /* arts[4]; arts[3] is deleted */
	assert_non_null(i);
	assert_true(i->int_value == INT64_MIN);
	free(pa);
	free(pb);
	mlmd_message_free(a);
	mlmd_message_free(b);
}

/* ---- pages -------------------------------------------------------------------------- */

typedef struct pager {
	const char *rpc;
	const ProtobufCMessageDescriptor *rq, *rs;
} pager;

/* Walks every page of rpc with options o (type_name set when `type`),
 * comparing each page's bytes; returns the number of pages. */
static int walk(const pager *p, const char *type, Mlmd__Pb__ListOperationOptions *o)
{
	int pages = 0;
	char *tok = NULL;
	do {
		ProtobufCMessage *rq = mlmd_message_new(p->rq);
		if (type)
			OK(mlmd_message_set_string(rq, "type_name", type));
		o->next_page_token = tok;
		/* options is the field of every listing request named "options" */
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(p->rq, "options");
		*(Mlmd__Pb__ListOperationOptions **)((char *)rq + f->offset) = o;
		same(p->rpc, rq);
		int rc;
		ProtobufCMessage *rs = test_rpc(s, p->rpc, rq, p->rs, &rc);
		OK(rc);
		*(Mlmd__Pb__ListOperationOptions **)((char *)rq + f->offset) = NULL; /* o is not the request's */
		mlmd_message_free(rq);
		free(tok);
		tok = NULL;
		const ProtobufCFieldDescriptor *tf = protobuf_c_message_descriptor_get_field_by_name(p->rs, "next_page_token");
		const char *t = *(char **)((char *)rs + tf->offset);
		if (t)
			tok = strdup(t);
		protobuf_c_message_free_unpacked(rs, NULL);
		pages++;
	} while (tok && pages < 1000);
	o->next_page_token = NULL;
	return pages;
}

static void pages(const pager *p, const char *type, int expect_many)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	o.has_max_result_size = 1;
	o.max_result_size = 7;
	int n = walk(p, type, &o);
	if (expect_many)
		assert_true(n > 3);
	o.order_by_field = &ob;
	ob.has_field = ob.has_is_asc = 1;
	for (int field = 1; field <= 3; field++)
		for (int asc = 0; asc <= 1; asc++) {
			ob.field = (Mlmd__Pb__ListOperationOptions__OrderByField__Field)field;
			ob.is_asc = asc;
			o.max_result_size = 100; /* the largest page */
			walk(p, type, &o);
			o.max_result_size = 13;
			walk(p, type, &o);
		}
	o.order_by_field = NULL;
	o.filter_query = "id > 5 AND create_time_since_epoch > 0";
	walk(p, type, &o);
	o.filter_query = NULL;
}

static const pager by_type_pagers[] = {
	{ "GetArtifactsByType", &mlmd__pb__get_artifacts_by_type_request__descriptor,
	  &mlmd__pb__get_artifacts_by_type_response__descriptor },
	{ "GetExecutionsByType", &mlmd__pb__get_executions_by_type_request__descriptor,
	  &mlmd__pb__get_executions_by_type_response__descriptor },
	{ "GetContextsByType", &mlmd__pb__get_contexts_by_type_request__descriptor,
	  &mlmd__pb__get_contexts_by_type_response__descriptor },
};

static void by_type_pages_equal_struct_path(void **st)
{
	(void)st;
	const char *types[] = { "Data", "Run", "Pipeline" };
	for (int i = 0; i < 3; i++) {
		pages(&by_type_pagers[i], types[i], 1);
		pages(&by_type_pagers[i], "NoSuchType", 0);
	}
	pages(&by_type_pagers[0], "Model", 1);
	/* without options: every node of the type at once */
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	rq.type_name = "Data";
	assert_true(same("GetArtifactsByType", &rq) > 1000);
	rq.type_version = "v9"; /* no such version: no nodes */
	assert_int_equal(same("GetArtifactsByType", &rq), 0);
}

static void listings_equal_struct_path(void **st)
{
	(void)st;
	static const pager lists[] = {
		{ "GetArtifacts", &mlmd__pb__get_artifacts_request__descriptor, &mlmd__pb__get_artifacts_response__descriptor },
		{ "GetExecutions", &mlmd__pb__get_executions_request__descriptor, &mlmd__pb__get_executions_response__descriptor },
		{ "GetContexts", &mlmd__pb__get_contexts_request__descriptor, &mlmd__pb__get_contexts_response__descriptor },
	};
	for (int i = 0; i < 3; i++)
		pages(&lists[i], NULL, 1);
	Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	assert_true(same("GetExecutions", &rq) > 100);
}

/* Errors are the struct path's, word for word. */
static void errors_equal_struct_path(void **st)
{
	(void)st;
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	same("GetArtifactsByType", &rq); /* no type_name */
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	rq.type_name = "Data";
	rq.options = &o;
	o.has_max_result_size = 1;
	o.max_result_size = 0;
	same("GetArtifactsByType", &rq);
	o.max_result_size = 5;
	o.next_page_token = "not a token";
	same("GetArtifactsByType", &rq);
	o.next_page_token = NULL;
	o.filter_query = "no_such_field = 1 AND";
	same("GetArtifactsByType", &rq);
}

/* Each kind's declared field order, which wire_read.c writes in, is the
 * generated descriptor's (protobuf-c packs in descriptor order). */
static void node_fields_are_in_number_order(void **st)
{
	(void)st;
	const ProtobufCMessageDescriptor *d[] = { &mlmd__pb__artifact__descriptor, &mlmd__pb__execution__descriptor,
						  &mlmd__pb__context__descriptor, &mlmd__pb__value__descriptor };
	for (int i = 0; i < 4; i++)
		for (unsigned f = 1; f < d[i]->n_fields; f++)
			assert_true(d[i]->fields[f].id > d[i]->fields[f - 1].id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_fields_are_in_number_order),
		cmocka_unit_test_setup_teardown(artifacts_by_id_equal_struct_path, setup, teardown),
		cmocka_unit_test_setup_teardown(executions_and_contexts_by_id_equal_struct_path, setup, teardown),
		cmocka_unit_test_setup_teardown(typed_get_matches_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(by_type_pages_equal_struct_path, setup, teardown),
		cmocka_unit_test_setup_teardown(listings_equal_struct_path, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_equal_struct_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

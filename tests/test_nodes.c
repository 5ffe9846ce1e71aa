/* tests/test_nodes.c - artifacts, executions and contexts: put, update, reads. */
#include <math.h>
#include "helpers.h"

typedef struct prop_entry_t { /* every generated map<string, Value> entry */
	ProtobufCMessage base;
	char *key;
	Mlmd__Pb__Value *value;
} prop_entry_t;

static mlmd_store *s;
static int64_t ds; /* DataSet(span INT, split STRING, score DOUBLE, ok BOOLEAN, meta STRUCT, blob PROTO) */

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	ds = artifact_type(s, "DataSet", 6, "span", MLMD__PB__PROPERTY_TYPE__INT, "split", MLMD__PB__PROPERTY_TYPE__STRING,
			   "score", MLMD__PB__PROPERTY_TYPE__DOUBLE, "ok", MLMD__PB__PROPERTY_TYPE__BOOLEAN, "meta",
			   MLMD__PB__PROPERTY_TYPE__STRUCT, "blob", MLMD__PB__PROPERTY_TYPE__PROTO);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

static void put_artifact_stores_every_value_kind(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, "/d/1");
	OK(mlmd_node_set_int(a, 0, "span", -42));
	OK(mlmd_node_set_string(a, 0, "split", "tr\"ain\n\xc3\xa9"));
	OK(mlmd_node_set_double(a, 0, "score", 0.1));
	OK(mlmd_node_set_bool(a, 0, "ok", 1));
	OK(mlmd_node_set_string(a, 1, "note", "custom"));
	Mlmd__Pb__Value *sv = mlmd_message_new(&mlmd__pb__value__descriptor);
	sv->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	Mlmd__Pb__Wkt__Struct *stc = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	Mlmd__Pb__Wkt__Struct__FieldsEntry *fe = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
	fe->key = strdup("k");
	fe->value = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	fe->value->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
	fe->value->list_value = mlmd_message_new(&mlmd__pb__wkt__list_value__descriptor);
	const char *strs[] = { "x", "q\"uote\\" };
	for (int i = 0; i < 4; i++) {
		Mlmd__Pb__Wkt__Value *v = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
		if (i == 0) { v->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE; v->number_value = 1.5e-7; }
		if (i == 1) { v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE; v->string_value = strdup(strs[1]); }
		if (i == 2) { v->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE; v->bool_value = 1; }
		if (i == 3) { v->kind_case = MLMD__PB__WKT__VALUE__KIND_NULL_VALUE; }
		OK(mlmd_message_append(fe->value->list_value, "values", v));
	}
	OK(mlmd_message_append(stc, "fields", fe));
	sv->struct_value = stc;
	Mlmd__Pb__Artifact__PropertiesEntry *pe = mlmd_message_new(&mlmd__pb__artifact__properties_entry__descriptor);
	pe->key = strdup("meta");
	pe->value = sv;
	OK(mlmd_message_append(a, "properties", pe));
	/* proto: an Any */
	Mlmd__Pb__Wkt__Any *any = mlmd_message_new(&mlmd__pb__wkt__any__descriptor);
	any->type_url = strdup("type.googleapis.com/x.Y");
	any->value.len = 3;
	any->value.data = malloc(3);
	memcpy(any->value.data, "\x00\x01\x02", 3);
	pe = mlmd_message_new(&mlmd__pb__artifact__properties_entry__descriptor);
	pe->key = strdup("blob");
	pe->value = mlmd_message_new(&mlmd__pb__value__descriptor);
	pe->value->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
	pe->value->proto_value = any;
	OK(mlmd_message_append(a, "properties", pe));

	uint8_t before[4096];
	size_t nbefore = mlmd__pb__artifact__pack(a, before);
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_non_null(g);
	assert_int_equal(mlmd_node_get(g, 0, "span")->int_value, -42);
	assert_string_equal(mlmd_node_get(g, 0, "split")->string_value, "tr\"ain\n\xc3\xa9");
	assert_true(mlmd_node_get(g, 0, "score")->double_value == 0.1);
	assert_true(mlmd_node_get(g, 0, "ok")->bool_value);
	assert_string_equal(mlmd_node_get(g, 1, "note")->string_value, "custom");
	const Mlmd__Pb__Value *m = mlmd_node_get(g, 0, "meta");
	assert_int_equal(m->value_case, MLMD__PB__VALUE__VALUE_STRUCT_VALUE);
	Mlmd__Pb__Wkt__ListValue *lv = m->struct_value->fields[0]->value->list_value;
	assert_int_equal(lv->n_values, 4);
	assert_true(lv->values[0]->number_value == 1.5e-7);
	assert_string_equal(lv->values[1]->string_value, "q\"uote\\");
	assert_int_equal(lv->values[3]->kind_case, MLMD__PB__WKT__VALUE__KIND_NULL_VALUE);
	const Mlmd__Pb__Value *b = mlmd_node_get(g, 0, "blob");
	assert_string_equal(b->proto_value->type_url, "type.googleapis.com/x.Y");
	assert_int_equal(b->proto_value->value.len, 3);
	assert_memory_equal(b->proto_value->value.data, "\x00\x01\x02", 3);
	assert_string_equal(g->type, "DataSet");
	assert_string_equal(g->uri, "/d/1");
	assert_true(g->create_time_since_epoch > 1700000000000LL);
	assert_int_equal(g->create_time_since_epoch, g->last_update_time_since_epoch);
	assert_true(nbefore > 0);
	mlmd_message_free(g);
}

static void put_rejects_unknown_and_mistyped_properties(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, NULL);
	OK(mlmd_node_set_int(a, 0, "nope", 1));
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "Found unknown property: nope");
	a = new_artifact(ds, NULL);
	OK(mlmd_node_set_string(a, 0, "span", "one"));
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "Found unmatched property type: span");
	assert_non_null(strstr(mlmd_error_message(), "is INT in type 'DataSet', got STRING"));
	a = new_artifact(ds, NULL);
	a->type_id = 9999;
	FAILS(put_artifact(s, a, NULL), MLMD_NOT_FOUND, "no artifact type with id 9999");
	a = new_artifact(ds, NULL);
	a->has_type_id = 0;
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "type_id is required");
}

static void name_and_external_id_are_unique(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, NULL);
	OK(mlmd_message_set_string(a, "name", "uniq"));
	OK(mlmd_message_set_string(a, "external_id", "x-1"));
	OK(put_artifact(s, a, NULL));
	a = new_artifact(ds, NULL);
	OK(mlmd_message_set_string(a, "name", "uniq"));
	FAILS(put_artifact(s, a, NULL), MLMD_ALREADY_EXISTS, "Given node already exists");
	a = new_artifact(ds, NULL);
	OK(mlmd_message_set_string(a, "external_id", "x-1"));
	FAILS(put_artifact(s, a, NULL), MLMD_ALREADY_EXISTS, "already exists");
	/* the same name under another type is fine */
	int64_t other = artifact_type(s, "Other", 0);
	a = new_artifact(other, NULL);
	OK(mlmd_message_set_string(a, "name", "uniq"));
	OK(put_artifact(s, a, NULL));
	/* in a batch too (where a network backend learns of it late): the whole
	 * call fails and none of the batch is stored */
	Mlmd__Pb__GetArtifactsRequest all = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *before, *after;
	OK(mlmd_store_get_artifacts(s, &all, &before));
	Mlmd__Pb__Artifact *batch[3];
	const char *names[3] = { "fresh-1", "fresh-2", "uniq" };
	for (int i = 0; i < 3; i++) {
		batch[i] = new_artifact(ds, "/batch");
		OK(mlmd_message_set_string(batch[i], "name", names[i]));
		OK(mlmd_node_set_int(batch[i], 0, "span", i));
	}
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs = NULL;
	rq.n_artifacts = 3;
	rq.artifacts = batch;
	FAILS(mlmd_store_put_artifacts(s, &rq, &rs), MLMD_ALREADY_EXISTS, "already exists");
	assert_null(rs);
	OK(mlmd_store_get_artifacts(s, &all, &after));
	assert_int_equal(after->n_artifacts, before->n_artifacts);
	mlmd_message_free(before);
	mlmd_message_free(after);
	/* and a good batch after it works */
	for (int i = 0; i < 3; i++)
		OK(mlmd_message_set_string(batch[i], "name", names[i][0] == 'u' ? "fresh-3" : names[i]));
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	assert_int_equal(rs->n_artifact_ids, 3);
	assert_true(rs->artifact_ids[0] < rs->artifact_ids[1] && rs->artifact_ids[1] < rs->artifact_ids[2]);
	Mlmd__Pb__Artifact *g = get_artifact(s, rs->artifact_ids[2]);
	assert_string_equal(g->name, "fresh-3");
	assert_int_equal(mlmd_node_get(g, 0, "span")->int_value, 2);
	mlmd_message_free(g);
	mlmd_message_free(rs);
	for (int i = 0; i < 3; i++)
		mlmd_message_free(batch[i]);
}

static void update_replaces_whole_node_without_mask(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, "/u/1");
	OK(mlmd_node_set_int(a, 0, "span", 1));
	OK(mlmd_node_set_string(a, 1, "c", "x"));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	int64_t t0 = g->last_update_time_since_epoch;
	mlmd_message_free(g);
	usleep(5000);
	a = new_artifact(0, "/u/2");
	a->has_type_id = 0;
	a->has_id = 1;
	a->id = id;
	OK(mlmd_node_set_int(a, 0, "span", 2));
	int64_t id2 = 0;
	OK(put_artifact(s, a, &id2));
	assert_int_equal(id, id2);
	g = get_artifact(s, id);
	assert_string_equal(g->uri, "/u/2");
	assert_int_equal(mlmd_node_get(g, 0, "span")->int_value, 2);
	assert_null(mlmd_node_get(g, 1, "c")); /* the request had no custom properties */
	assert_true(g->last_update_time_since_epoch > t0);
	assert_int_equal(g->n_properties, 1);
	mlmd_message_free(g);
}

static void unchanged_update_keeps_update_time(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, "/same");
	OK(mlmd_node_set_int(a, 0, "span", 7));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	int64_t t0 = g->last_update_time_since_epoch;
	usleep(5000);
	OK(put_artifact(s, g, NULL)); /* the stored node, put back unchanged */
	g = get_artifact(s, id);
	assert_int_equal(g->last_update_time_since_epoch, t0);
	mlmd_message_free(g);
}

/* Doubles that are no number survive a put: NaN (stored as NULL on every
 * backend) reads back as NaN, the infinities as themselves; the stored node
 * put back unchanged is unchanged, NaN included. */
static void nan_and_infinities_round_trip(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, "/nan");
	OK(mlmd_node_set_double(a, 0, "score", NAN));
	OK(mlmd_node_set_double(a, 1, "neg_nan", -NAN));
	OK(mlmd_node_set_double(a, 1, "inf", INFINITY));
	OK(mlmd_node_set_double(a, 1, "ninf", -INFINITY));
	OK(mlmd_node_set_double(a, 1, "zero", -0.0));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_int_equal(mlmd_node_get(g, 0, "score")->value_case, MLMD__PB__VALUE__VALUE_DOUBLE_VALUE);
	assert_true(isnan(mlmd_node_get(g, 0, "score")->double_value));
	assert_true(isnan(mlmd_node_get(g, 1, "neg_nan")->double_value));
	assert_true(isinf(mlmd_node_get(g, 1, "inf")->double_value) && mlmd_node_get(g, 1, "inf")->double_value > 0);
	assert_true(isinf(mlmd_node_get(g, 1, "ninf")->double_value) && mlmd_node_get(g, 1, "ninf")->double_value < 0);
	assert_true(mlmd_node_get(g, 1, "zero")->double_value == 0);
	int64_t t0 = g->last_update_time_since_epoch;
	usleep(5000);
	OK(put_artifact(s, g, NULL));
	g = get_artifact(s, id);
	assert_int_equal(g->last_update_time_since_epoch, t0);
	assert_true(isnan(mlmd_node_get(g, 0, "score")->double_value));
	mlmd_message_free(g);
}

static int64_t get_artifact_time(int64_t id)
{
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	int64_t t = g->last_update_time_since_epoch;
	mlmd_message_free(g);
	return t;
}

static void update_mask_touches_only_listed_paths(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, "/m/1");
	OK(mlmd_node_set_int(a, 0, "span", 1));
	OK(mlmd_node_set_string(a, 0, "split", "train"));
	OK(mlmd_node_set_string(a, 1, "k1", "v1"));
	OK(mlmd_node_set_string(a, 1, "k2", "v2"));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));

	Mlmd__Pb__Artifact *u = new_artifact(ds, "/m/changed");
	u->has_id = 1;
	u->id = id;
	OK(mlmd_node_set_int(u, 0, "span", 99));
	OK(mlmd_node_set_string(u, 0, "split", "ignored"));
	OK(mlmd_node_set_string(u, 1, "k3", "v3"));
	char *paths[] = { "properties.span", "custom_properties.k1", "custom_properties.k3" };
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = 3;
	mask.paths = paths;
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = 1;
	rq.artifacts = &u;
	rq.update_mask = &mask;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	mlmd_message_free(rs);
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_string_equal(g->uri, "/m/1");                                  /* not in the mask */
	assert_int_equal(mlmd_node_get(g, 0, "span")->int_value, 99);       /* masked, set */
	assert_string_equal(mlmd_node_get(g, 0, "split")->string_value, "train"); /* not masked */
	assert_null(mlmd_node_get(g, 1, "k1"));                               /* masked, absent: deleted */
	assert_string_equal(mlmd_node_get(g, 1, "k2")->string_value, "v2");
	assert_string_equal(mlmd_node_get(g, 1, "k3")->string_value, "v3");
	mlmd_message_free(g);

	/* paths that are empty or name no field are ignored, as MLMD does: the
	 * update changes nothing */
	int64_t t0 = get_artifact_time(id);
	char *bad[] = { "no_such_field", "", "uri.x", "last_known_state" };
	mask.paths = bad;
	mask.n_paths = 4;
	usleep(2000);
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	assert_int_equal(rs->artifact_ids[0], id);
	mlmd_message_free(rs);
	g = get_artifact(s, id);
	assert_string_equal(g->uri, "/m/1");
	assert_int_equal(g->n_custom_properties, 2);
	assert_int_equal(g->last_update_time_since_epoch, t0);
	mlmd_message_free(g);
	char *uri[] = { "uri", "custom_properties" };
	mask.paths = uri;
	mask.n_paths = 2;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	mlmd_message_free(rs);
	g = get_artifact(s, id);
	assert_string_equal(g->uri, "/m/changed");
	assert_int_equal(g->n_custom_properties, 1); /* whole map replaced */
	mlmd_message_free(g);
	mlmd_message_free(u);
}

static void update_errors(void **st)
{
	(void)st;
	Mlmd__Pb__Artifact *a = new_artifact(ds, NULL);
	a->has_id = 1;
	a->id = 424242;
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "Cannot find the given id 424242");
	a = new_artifact(ds, NULL);
	OK(mlmd_message_set_string(a, "name", "fixed"));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	int64_t other = artifact_type(s, "Other2", 0);
	a = new_artifact(other, NULL);
	a->has_id = 1;
	a->id = id;
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "type_id cannot change");
	a = new_artifact(ds, NULL);
	a->has_id = 1;
	a->id = id;
	OK(mlmd_message_set_string(a, "name", "renamed"));
	FAILS(put_artifact(s, a, NULL), MLMD_INVALID_ARGUMENT, "name cannot change");
}

/* MLMD: an update by an id that is not stored is INVALID_ARGUMENT (not
 * NOT_FOUND), for every node kind, and writes nothing. */
static void update_by_unknown_id_is_invalid_argument(void **st)
{
	(void)st;
	int64_t et = execution_type(s, "UnknownIdStep"), ct = context_type(s, "UnknownIdRun");
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT, *ep = &e;
	e.has_id = e.has_type_id = 1;
	e.id = 515151;
	e.type_id = et;
	Mlmd__Pb__PutExecutionsRequest erq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *ers;
	erq.n_executions = 1;
	erq.executions = &ep;
	FAILS(mlmd_store_put_executions(s, &erq, &ers), MLMD_INVALID_ARGUMENT, "Cannot find the given id 515151");
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_id = c.has_type_id = 1;
	c.id = 525252;
	c.type_id = ct;
	c.name = "ghost";
	Mlmd__Pb__PutContextsRequest crq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *crs;
	crq.n_contexts = 1;
	crq.contexts = &cp;
	FAILS(mlmd_store_put_contexts(s, &crq, &crs), MLMD_INVALID_ARGUMENT, "Cannot find the given id 525252");
	/* through the bytes entry point too, and with an update_mask */
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_id = 1;
	a.id = 535353;
	char *paths[] = { "uri" };
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = 1;
	mask.paths = paths;
	Mlmd__Pb__PutArtifactsRequest arq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	arq.n_artifacts = 1;
	arq.artifacts = &ap;
	arq.update_mask = &mask;
	uint8_t buf[256];
	size_t n = mlmd__pb__put_artifacts_request__pack(&arq, buf);
	void *out = (void *)1;
	size_t out_len = 1;
	FAILS(mlmd_store_call(s, "PutArtifacts", buf, n, &out, &out_len), MLMD_INVALID_ARGUMENT,
	      "Cannot find the given id 535353");
	assert_null(out);
	Mlmd__Pb__GetContextsByTypeRequest g = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetContextsByTypeResponse *gr;
	g.type_name = "UnknownIdRun";
	OK(mlmd_store_get_contexts_by_type(s, &g, &gr));
	assert_int_equal(gr->n_contexts, 0);
	mlmd_message_free(gr);
}

/* Executions and contexts ignore empty and unknown update_mask paths as
 * artifacts do (MLMD keeps only the paths that name a field). */
static void update_mask_ignores_unknown_paths_for_every_kind(void **st)
{
	(void)st;
	int64_t et = execution_type(s, "MaskStep"), ct = context_type(s, "MaskRun");
	int64_t eid = put_execution_node(s, et), cid = put_context_node(s, ct, "mask-ctx");
	char *bad[] = { "", "no_such_field", "uri", "state" }; /* the last two are not fields of these kinds */
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = 4;
	mask.paths = bad;
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT, *ep = &e;
	e.has_id = 1;
	e.id = eid;
	e.has_last_known_state = 1;
	e.last_known_state = MLMD__PB__EXECUTION__STATE__RUNNING;
	Mlmd__Pb__PutExecutionsRequest erq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *ers;
	erq.n_executions = 1;
	erq.executions = &ep;
	erq.update_mask = &mask;
	OK(mlmd_store_put_executions(s, &erq, &ers));
	assert_int_equal(ers->execution_ids[0], eid);
	mlmd_message_free(ers);
	Mlmd__Pb__GetExecutionsByIDRequest gq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *gr;
	gq.n_execution_ids = 1;
	gq.execution_ids = &eid;
	OK(mlmd_store_get_executions_by_id(s, &gq, &gr));
	assert_false(gr->executions[0]->has_last_known_state); /* not masked: unchanged */
	mlmd_message_free(gr);
	/* a valid path among them still applies */
	char *some[] = { "nope", "last_known_state", "" };
	mask.paths = some;
	mask.n_paths = 3;
	OK(mlmd_store_put_executions(s, &erq, &ers));
	mlmd_message_free(ers);
	OK(mlmd_store_get_executions_by_id(s, &gq, &gr));
	assert_int_equal(gr->executions[0]->last_known_state, MLMD__PB__EXECUTION__STATE__RUNNING);
	mlmd_message_free(gr);

	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_id = 1;
	c.id = cid;
	c.name = "not-applied";
	mask.paths = bad;
	mask.n_paths = 4;
	Mlmd__Pb__PutContextsRequest crq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *crs;
	crq.n_contexts = 1;
	crq.contexts = &cp;
	crq.update_mask = &mask;
	OK(mlmd_store_put_contexts(s, &crq, &crs));
	mlmd_message_free(crs);
	Mlmd__Pb__GetContextsByIDRequest cq = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *cr;
	cq.n_context_ids = 1;
	cq.context_ids = &cid;
	OK(mlmd_store_get_contexts_by_id(s, &cq, &cr));
	assert_string_equal(cr->contexts[0]->name, "mask-ctx");
	mlmd_message_free(cr);
}

/* A context's name can change on update (MLMD updates it), while names stay
 * unique within a type; an artifact's cannot. */
static void context_name_can_change_on_update(void **st)
{
	(void)st;
	int64_t ct = context_type(s, "RenameRun"), ct2 = context_type(s, "RenameOther");
	int64_t cid = put_context_node(s, ct, "before"), taken = put_context_node(s, ct, "taken");
	put_context_node(s, ct2, "elsewhere");
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_id = 1;
	c.id = cid;
	c.name = "after";
	Mlmd__Pb__PutContextsRequest crq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *crs;
	crq.n_contexts = 1;
	crq.contexts = &cp;
	OK(mlmd_store_put_contexts(s, &crq, &crs));
	assert_int_equal(crs->context_ids[0], cid);
	mlmd_message_free(crs);
	Mlmd__Pb__GetContextByTypeAndNameRequest q = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *qr;
	q.type_name = "RenameRun";
	q.context_name = "after";
	OK(mlmd_store_get_context_by_type_and_name(s, &q, &qr));
	assert_non_null(qr->context);
	assert_int_equal(qr->context->id, cid);
	mlmd_message_free(qr);
	q.context_name = "before";
	OK(mlmd_store_get_context_by_type_and_name(s, &q, &qr));
	assert_null(qr->context);
	mlmd_message_free(qr);
	/* through a mask too */
	char *paths[] = { "name" };
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = 1;
	mask.paths = paths;
	crq.update_mask = &mask;
	c.name = "masked";
	OK(mlmd_store_put_contexts(s, &crq, &crs));
	mlmd_message_free(crs);
	q.context_name = "masked";
	OK(mlmd_store_get_context_by_type_and_name(s, &q, &qr));
	assert_non_null(qr->context);
	mlmd_message_free(qr);
	/* unique within the type: another context's name is taken */
	c.name = "taken";
	FAILS(mlmd_store_put_contexts(s, &crq, &crs), MLMD_ALREADY_EXISTS, "Given node already exists");
	/* but a name used in another type is free */
	c.name = "elsewhere";
	OK(mlmd_store_put_contexts(s, &crq, &crs));
	mlmd_message_free(crs);
	(void)taken;
}

/* ---- cost per property ------------------------------------------------------------
 * Properties must cost linear (or n log n) work in their number: a lookup
 * per property used to scan them all, so 100,000 properties took 17 s to
 * insert and 103 s to update, holding the write lock. The library's strcmp
 * calls are counted (the test links with --wrap=strcmp), never timed. */
static unsigned long strcmp_calls;
int __real_strcmp(const char *a, const char *b);
int __wrap_strcmp(const char *a, const char *b);
int __wrap_strcmp(const char *a, const char *b)
{
	strcmp_calls++;
	return __real_strcmp(a, b);
}

#define WIDE 3000
/* Comparisons allowed per property per call: a sort or a hash costs a few
 * dozen at this size; the old scans cost WIDE / 2 (1,500) each. */
#define PER_PROPERTY 48

static void check_linear(const char *what, unsigned long calls, size_t n)
{
	if (calls > PER_PROPERTY * n)
		fail_msg("%s: %lu string comparisons for %zu properties (more than %d each)", what, calls, n,
			 PER_PROPERTY);
}

/* n entries "<prefix><i>" (value i + shift) in an exactly sized array. */
static void fill_props(Mlmd__Pb__Artifact *a, int custom, const char *prefix, size_t from, size_t n, int64_t shift)
{
	prop_entry_t **e = malloc(n * sizeof *e);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "%s%zu", prefix, from + i);
		e[i] = mlmd_message_new(custom ? &mlmd__pb__artifact__custom_properties_entry__descriptor
					       : &mlmd__pb__artifact__properties_entry__descriptor);
		e[i]->key = strdup(name);
		e[i]->value = mlmd_message_new(&mlmd__pb__value__descriptor);
		e[i]->value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		e[i]->value->int_value = (int64_t)(from + i) + shift;
	}
	if (custom) {
		a->n_custom_properties = n;
		a->custom_properties = (Mlmd__Pb__Artifact__CustomPropertiesEntry **)e;
	} else {
		a->n_properties = n;
		a->properties = (Mlmd__Pb__Artifact__PropertiesEntry **)e;
	}
}

static void many_properties_cost_linear_work(void **st)
{
	(void)st;
	/* a type declaring WIDE properties, then WIDE more */
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	OK(mlmd_message_set_string(t, "name", "Wide"));
	char name[32];
	for (size_t i = 0; i < WIDE; i++) {
		snprintf(name, sizeof name, "p%zu", i);
		OK(mlmd_type_add_property(t, name, MLMD__PB__PROPERTY_TYPE__INT));
	}
	Mlmd__Pb__PutArtifactTypeRequest trq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *trs;
	trq.artifact_type = t;
	strcmp_calls = 0;
	OK(mlmd_store_put_artifact_type(s, &trq, &trs));
	check_linear("PutArtifactType (new)", strcmp_calls, WIDE);
	int64_t wide = trs->type_id;
	mlmd_message_free(trs);
	for (size_t i = WIDE; i < 2 * WIDE; i++) {
		snprintf(name, sizeof name, "p%zu", i);
		OK(mlmd_type_add_property(t, name, MLMD__PB__PROPERTY_TYPE__INT));
	}
	trq.can_add_fields = 1;
	strcmp_calls = 0;
	OK(mlmd_store_put_artifact_type(s, &trq, &trs));
	check_linear("PutArtifactType (adding)", strcmp_calls, 2 * WIDE);
	mlmd_message_free(trs);
	mlmd_message_free(t);

	/* a node with WIDE declared and WIDE custom properties */
	Mlmd__Pb__Artifact *a = new_artifact(wide, "/wide");
	fill_props(a, 0, "p", 0, WIDE, 0);
	fill_props(a, 1, "c", 0, WIDE, 0);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	strcmp_calls = 0;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	check_linear("PutArtifacts (insert)", strcmp_calls, 2 * WIDE);
	int64_t id = rs->artifact_ids[0];
	mlmd_message_free(rs);
	mlmd_message_free(a);

	/* update: every declared value changes; half the custom ones go, as many new come */
	a = new_artifact(wide, "/wide");
	a->has_id = 1;
	a->id = id;
	fill_props(a, 0, "p", 0, WIDE, 1);
	fill_props(a, 1, "c", WIDE / 2, WIDE, 0);
	strcmp_calls = 0;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	check_linear("PutArtifacts (update)", strcmp_calls, 2 * WIDE);
	mlmd_message_free(rs);
	/* a masked update naming every custom key */
	char **paths = malloc(WIDE * sizeof *paths);
	for (size_t i = 0; i < WIDE; i++) {
		paths[i] = malloc(32);
		snprintf(paths[i], 32, "custom_properties.c%zu", i);
	}
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	mask.n_paths = WIDE;
	mask.paths = paths;
	rq.update_mask = &mask;
	strcmp_calls = 0;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	check_linear("PutArtifacts (masked update)", strcmp_calls, 2 * WIDE);
	mlmd_message_free(rs);
	for (size_t i = 0; i < WIDE; i++)
		free(paths[i]);
	free(paths);
	mlmd_message_free(a);

	/* and the node is what was asked for */
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	assert_int_equal(g->n_properties, WIDE);
	assert_int_equal(g->n_custom_properties, WIDE); /* c0..c{W/2-1} masked out, c{W/2}..c{3W/2-1} kept */
	assert_int_equal(mlmd_node_get(g, 0, "p7")->int_value, 8);
	assert_null(mlmd_node_get(g, 1, "c0"));
	assert_int_equal(mlmd_node_get(g, 1, "c2999")->int_value, 2999);
	assert_int_equal(mlmd_node_get(g, 1, "c4499")->int_value, 4499);
	mlmd_message_free(g);
}

static void occ_aborts_on_stale_update_time(void **st)
{
	(void)st;
	int64_t id = 0;
	OK(put_artifact(s, new_artifact(ds, "/occ"), &id));
	Mlmd__Pb__Artifact *g = get_artifact(s, id);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsRequest__Options opt = MLMD__PB__PUT_ARTIFACTS_REQUEST__OPTIONS__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	opt.has_abort_if_latest_updated_time_changed = 1;
	opt.abort_if_latest_updated_time_changed = 1;
	rq.options = &opt;
	rq.n_artifacts = 1;
	rq.artifacts = &g;
	int64_t seen = g->last_update_time_since_epoch;
	OK(mlmd_store_put_artifacts(s, &rq, &rs)); /* fresh: succeeds and bumps the time */
	mlmd_message_free(rs);
	FAILS(mlmd_store_put_artifacts(s, &rq, &rs), MLMD_FAILED_PRECONDITION, "abort_if_latest_updated_time_changed");
	Mlmd__Pb__Artifact *h = get_artifact(s, id);
	assert_true(h->last_update_time_since_epoch > seen);
	mlmd_message_free(h);
	mlmd_message_free(g);
}

static void executions_and_contexts(void **st)
{
	(void)st;
	int64_t et = execution_type(s, "Trainer"), ct = context_type(s, "Run");
	int64_t e = put_execution_node(s, et);
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &e;
	OK(mlmd_store_get_executions_by_id(s, &rq, &rs));
	assert_int_equal(rs->n_executions, 1);
	assert_string_equal(rs->executions[0]->type, "Trainer");
	mlmd_message_free(rs);

	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT;
	Mlmd__Pb__Context *cp = &c;
	c.has_type_id = 1;
	c.type_id = ct;
	Mlmd__Pb__PutContextsRequest crq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *crs;
	crq.n_contexts = 1;
	crq.contexts = &cp;
	FAILS(mlmd_store_put_contexts(s, &crq, &crs), MLMD_INVALID_ARGUMENT, "name is required");
	c.name = "r1";
	OK(mlmd_store_put_contexts(s, &crq, &crs));
	mlmd_message_free(crs);
	FAILS(mlmd_store_put_contexts(s, &crq, &crs), MLMD_ALREADY_EXISTS, "Given node already exists");

	Mlmd__Pb__GetContextByTypeAndNameRequest n = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *nr;
	n.type_name = "Run";
	n.context_name = "r1";
	OK(mlmd_store_get_context_by_type_and_name(s, &n, &nr));
	assert_non_null(nr->context);
	assert_string_equal(nr->context->name, "r1");
	mlmd_message_free(nr);
	n.context_name = "r2";
	OK(mlmd_store_get_context_by_type_and_name(s, &n, &nr));
	assert_null(nr->context);
	mlmd_message_free(nr);
	n.type_name = "NoType";
	OK(mlmd_store_get_context_by_type_and_name(s, &n, &nr));
	assert_null(nr->context);
	mlmd_message_free(nr);
}

static void reads_by_type_uri_and_external_id(void **st)
{
	(void)st;
	int64_t t = artifact_type(s, "Lookup", 0);
	for (int i = 0; i < 3; i++) {
		Mlmd__Pb__Artifact *a = new_artifact(t, i < 2 ? "/shared" : "/alone");
		char ext[16];
		snprintf(ext, sizeof ext, "lk-%d", i);
		OK(mlmd_message_set_string(a, "external_id", ext));
		OK(put_artifact(s, a, NULL));
	}
	Mlmd__Pb__GetArtifactsByTypeRequest bt = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByTypeResponse *btr;
	bt.type_name = "Lookup";
	OK(mlmd_store_get_artifacts_by_type(s, &bt, &btr));
	assert_int_equal(btr->n_artifacts, 3);
	mlmd_message_free(btr);
	bt.type_name = "Unknown";
	OK(mlmd_store_get_artifacts_by_type(s, &bt, &btr));
	assert_int_equal(btr->n_artifacts, 0);
	mlmd_message_free(btr);

	Mlmd__Pb__GetArtifactsByURIRequest u = MLMD__PB__GET_ARTIFACTS_BY_URIREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByURIResponse *ur;
	char *uris[] = { "/shared", "/shared", "/none" };
	u.n_uris = 3;
	u.uris = uris;
	OK(mlmd_store_get_artifacts_by_uri(s, &u, &ur));
	assert_int_equal(ur->n_artifacts, 2); /* each artifact once */
	mlmd_message_free(ur);

	Mlmd__Pb__GetArtifactsByExternalIdsRequest x = MLMD__PB__GET_ARTIFACTS_BY_EXTERNAL_IDS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByExternalIdsResponse *xr;
	char *ids[] = { "lk-2", "lk-0", "missing" };
	x.n_external_ids = 3;
	x.external_ids = ids;
	OK(mlmd_store_get_artifacts_by_external_ids(s, &x, &xr));
	assert_int_equal(xr->n_artifacts, 2);
	assert_string_equal(xr->artifacts[0]->external_id, "lk-2");
	mlmd_message_free(xr);
	x.n_external_ids = 1;
	x.external_ids = ids + 2;
	FAILS(mlmd_store_get_artifacts_by_external_ids(s, &x, &xr), MLMD_NOT_FOUND, "external_ids");

	Mlmd__Pb__GetArtifactsByIDRequest bi = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *bir;
	int64_t want[] = { 2, 987654, 1, 2 };
	bi.n_artifact_ids = 4;
	bi.artifact_ids = want;
	bi.has_populate_artifact_types = 1;
	bi.populate_artifact_types = 1;
	OK(mlmd_store_get_artifacts_by_id(s, &bi, &bir));
	/* missing ids are skipped, a repeated id comes back once, in the order asked */
	assert_int_equal(bir->n_artifacts, 2);
	assert_int_equal(bir->artifacts[0]->id, 2);
	assert_int_equal(bir->artifacts[1]->id, 1);
	assert_true(bir->n_artifact_types >= 1);
	assert_int_equal(bir->artifact_types[0]->id, bir->artifacts[0]->type_id);
	mlmd_message_free(bir);
}

/* A failed batch leaves the handle fully usable: on a network backend, the
 * statements first used behind the failing row must not count as ready. */
static void handle_works_after_a_failed_batch(void **st)
{
	(void)st;
	mlmd_store *fresh = open_memory();
	int64_t t = artifact_type(fresh, "Fresh", 1, "n", MLMD__PB__PROPERTY_TYPE__INT);
	Mlmd__Pb__Artifact *a = new_artifact(t, NULL);
	OK(mlmd_message_set_string(a, "name", "taken"));
	OK(put_artifact(fresh, a, NULL)); /* no properties yet: their statement is unused */
	for (int round = 0; round < 2; round++) {
		Mlmd__Pb__Artifact *batch[2];
		for (int i = 0; i < 2; i++) {
			batch[i] = new_artifact(t, NULL);
			OK(mlmd_node_set_int(batch[i], 0, "n", i));
		}
		OK(mlmd_message_set_string(batch[0], "name", round ? "free" : "taken"));
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs = NULL;
		rq.n_artifacts = 2;
		rq.artifacts = batch;
		if (round == 0) {
			FAILS(mlmd_store_put_artifacts(fresh, &rq, &rs), MLMD_ALREADY_EXISTS, "already exists");
		} else {
			OK(mlmd_store_put_artifacts(fresh, &rq, &rs));
			Mlmd__Pb__Artifact *g = get_artifact(fresh, rs->artifact_ids[1]);
			assert_int_equal(mlmd_node_get(g, 0, "n")->int_value, 1);
			mlmd_message_free(g);
		}
		mlmd_message_free(rs);
		mlmd_message_free(batch[0]);
		mlmd_message_free(batch[1]);
	}
	mlmd_store_free(fresh);
}

/* mlmd_store_restore_times: copies keep their times; a missing id changes nothing. */
static void restore_times_sets_both_times(void **st)
{
	(void)st;
	int64_t id[2] = { 0, 0 };
	OK(put_artifact(s, new_artifact(ds, "/restore/1"), &id[0]));
	OK(put_artifact(s, new_artifact(ds, "/restore/2"), &id[1]));
	int64_t ct[2] = { 1000, 2000 }, ut[2] = { 1500, 2500 };
	OK(mlmd_store_restore_times(s, "artifact", id, ct, ut, 2));
	for (int i = 0; i < 2; i++) {
		Mlmd__Pb__Artifact *g = get_artifact(s, id[i]);
		assert_int_equal(g->create_time_since_epoch, ct[i]);
		assert_int_equal(g->last_update_time_since_epoch, ut[i]);
		mlmd_message_free(g);
	}
	/* one id missing: NOT_FOUND, and the other keeps its times */
	int64_t bad[2] = { id[0], 987654 }, ct2[2] = { 7, 7 }, ut2[2] = { 8, 8 };
	FAILS(mlmd_store_restore_times(s, "artifact", bad, ct2, ut2, 2), MLMD_NOT_FOUND, "artifact 987654 does not exist");
	Mlmd__Pb__Artifact *g = get_artifact(s, id[0]);
	assert_int_equal(g->create_time_since_epoch, 1000);
	mlmd_message_free(g);
	/* an execution id is not an artifact's; bad arguments */
	FAILS(mlmd_store_restore_times(s, "execution", id, ct, ut, 1), MLMD_NOT_FOUND, "execution");
	FAILS(mlmd_store_restore_times(s, "model", id, ct, ut, 1), MLMD_INVALID_ARGUMENT, "kind 'model'");
	int64_t neg = -1;
	FAILS(mlmd_store_restore_times(s, "artifact", id, &neg, ut, 1), MLMD_INVALID_ARGUMENT, "negative");
	FAILS(mlmd_store_restore_times(s, "artifact", NULL, ct, ut, 1), MLMD_INVALID_ARGUMENT, "must not be NULL");
	OK(mlmd_store_restore_times(s, "context", NULL, NULL, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_artifact_stores_every_value_kind),
		cmocka_unit_test(put_rejects_unknown_and_mistyped_properties),
		cmocka_unit_test(name_and_external_id_are_unique),
		cmocka_unit_test(handle_works_after_a_failed_batch),
		cmocka_unit_test(update_replaces_whole_node_without_mask),
		cmocka_unit_test(unchanged_update_keeps_update_time),
		cmocka_unit_test(nan_and_infinities_round_trip),
		cmocka_unit_test(update_mask_touches_only_listed_paths),
		cmocka_unit_test(update_by_unknown_id_is_invalid_argument),
		cmocka_unit_test(update_mask_ignores_unknown_paths_for_every_kind),
		cmocka_unit_test(context_name_can_change_on_update),
		cmocka_unit_test(many_properties_cost_linear_work),
		cmocka_unit_test(update_errors),
		cmocka_unit_test(occ_aborts_on_stale_update_time),
		cmocka_unit_test(executions_and_contexts),
		cmocka_unit_test(reads_by_type_uri_and_external_id),
		cmocka_unit_test(restore_times_sets_both_times),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

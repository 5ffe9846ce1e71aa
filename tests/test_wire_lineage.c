/*
 * tests/test_wire_lineage.c - GetLineageSubgraph written straight in wire
 * format (store/wire_lineage.c) gives the bytes of the struct handler's
 * packed response, on every option: starts, directions, hops, ending nodes,
 * node caps, every read-mask field alone and together; over every property
 * value kind, custom properties, long strings, event paths, tombstones,
 * contexts with parents, more nodes than one IN chunk holds, and nodes the
 * hops read and the walk then drops. Runs on
 * every backend (MLMD_TEST_BACKEND).
 */
#include "helpers.h"
#include "mlmd_governance.pb-c.h" /* DeleteNodes: tombstones */
#include "store/wire.h" /* mlmd__store_set_no_wire: the struct handler's answer, for comparison */

static mlmd_store *s;
static int64_t at, et, ct;
enum { FAN = 300, CHAIN = 12 };
static int64_t hub, fan_exec, chain_a[CHAIN + 1], chain_e[CHAIN], rich, ctx[4];

/* Puts `a` (freed) and returns its id. */
static int64_t put_art(Mlmd__Pb__Artifact *a)
{
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

static void event_path(int64_t a, int64_t e, int type, int with_path)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	Mlmd__Pb__Event__Path path = MLMD__PB__EVENT__PATH__INIT;
	Mlmd__Pb__Event__Path__Step st[2] = { MLMD__PB__EVENT__PATH__STEP__INIT, MLMD__PB__EVENT__PATH__STEP__INIT };
	Mlmd__Pb__Event__Path__Step *stp[2] = { &st[0], &st[1] };
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = a;
	ev.execution_id = e;
	ev.type = (Mlmd__Pb__Event__Type)type;
	if (with_path) {
		st[0].value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
		st[0].key = "out";
		st[1].value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
		st[1].index = -3;
		path.n_steps = 2;
		path.steps = stp;
		ev.path = &path;
	}
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(s, &rq, &rs));
	mlmd_message_free(rs);
}

static void member(int64_t c, int64_t a, int64_t e)
{
	Mlmd__Pb__Attribution at_ = MLMD__PB__ATTRIBUTION__INIT, *atp = &at_;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at_.has_context_id = at_.has_artifact_id = 1;
	at_.context_id = c;
	at_.artifact_id = a;
	as.has_context_id = as.has_execution_id = 1;
	as.context_id = c;
	as.execution_id = e;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
	rq.n_attributions = a ? 1 : 0;
	rq.attributions = &atp;
	rq.n_associations = e ? 1 : 0;
	rq.associations = &asp;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
}

static void parent(int64_t child, int64_t par)
{
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = child;
	pc.parent_id = par;
	Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *rs;
	rq.n_parent_contexts = 1;
	rq.parent_contexts = &pcp;
	OK(mlmd_store_put_parent_contexts(s, &rq, &rs));
	mlmd_message_free(rs);
}

/* An artifact with every value kind, custom properties, a uri, a name and
 * an external id, and strings longer than one- and two-byte lengths. */
static int64_t put_rich(void)
{
	Mlmd__Pb__Artifact *a = new_artifact(at, "/rich");
	OK(mlmd_message_set_string(a, "name", "rich"));
	OK(mlmd_message_set_string(a, "external_id", "ext-rich"));
	OK(mlmd_node_set_int(a, 0, "i", -7));
	OK(mlmd_node_set_double(a, 0, "d", 0.25));
	char *big = malloc(20001);
	assert_non_null(big);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	OK(mlmd_node_set_string(a, 0, "s", big));
	free(big);
	char mid[301];
	memset(mid, 'm', 300);
	mid[300] = '\0';
	OK(mlmd_node_set_string(a, 1, "note", mid));
	OK(mlmd_node_set_bool(a, 1, "flag", 1));
	OK(mlmd_node_set_double(a, 1, "zero", 0));
	Mlmd__Pb__Value *sv = mlmd_message_new(&mlmd__pb__value__descriptor);
	sv->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	sv->struct_value = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	Mlmd__Pb__Wkt__Struct__FieldsEntry *fe = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
	fe->key = strdup("k");
	fe->value = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	fe->value->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
	fe->value->number_value = 1.5;
	OK(mlmd_message_append(sv->struct_value, "fields", fe));
	Mlmd__Pb__Artifact__CustomPropertiesEntry *ce =
		mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
	ce->key = strdup("meta");
	ce->value = sv;
	OK(mlmd_message_append(a, "custom_properties", ce));
	Mlmd__Pb__Wkt__Any *any = mlmd_message_new(&mlmd__pb__wkt__any__descriptor);
	any->type_url = strdup("type.googleapis.com/x.Y");
	any->value.len = 3;
	any->value.data = malloc(3);
	memcpy(any->value.data, "\x00\x01\x02", 3);
	ce = mlmd_message_new(&mlmd__pb__artifact__custom_properties_entry__descriptor);
	ce->key = strdup("blob");
	ce->value = mlmd_message_new(&mlmd__pb__value__descriptor);
	ce->value->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
	ce->value->proto_value = any;
	OK(mlmd_message_append(a, "custom_properties", ce));
	return put_art(a);
}

static int64_t put_exec(const char *name, int state)
{
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = et;
	if (name)
		OK(mlmd_message_set_string(e, "name", name));
	if (state >= 0) {
		e->has_last_known_state = 1;
		e->last_known_state = (Mlmd__Pb__Execution__State)state;
	}
	OK(mlmd_node_set_string(e, 1, "who", "me"));
	int64_t id = put_execution_msg(s, e);
	mlmd_message_free(e);
	return id;
}

/*
 * hub -INPUT-> fan_exec -OUTPUT-> FAN artifacts (more than one IN chunk);
 * chain: chain_a[0] -> chain_e[0] -> chain_a[1] -> ... (paths on some
 * events); rich feeds chain_e[2]. Contexts: ctx[0] holds the chain, ctx[1]
 * the fan, ctx[2] is ctx[0]'s and ctx[1]'s parent, ctx[3] holds nothing of
 * the walk. One chain artifact and one chain execution are deleted
 * (tombstones), and one fan artifact.
 */
static int setup(void **st)
{
	(void)st;
	s = open_memory();
	at = artifact_type(s, "Data", 3, "i", MLMD__PB__PROPERTY_TYPE__INT, "d", MLMD__PB__PROPERTY_TYPE__DOUBLE, "s",
			   MLMD__PB__PROPERTY_TYPE__STRING);
	et = execution_type(s, "Step");
	ct = context_type(s, "Run");
	for (int i = 0; i < 4; i++) {
		char n[16];
		snprintf(n, sizeof n, "ctx%d", i);
		ctx[i] = put_context_node(s, ct, n);
	}
	parent(ctx[0], ctx[2]);
	parent(ctx[1], ctx[2]);
	parent(ctx[2], ctx[3]);
	Mlmd__Pb__Artifact *a = new_artifact(at, "/hub");
	hub = put_art(a);
	fan_exec = put_exec("fan", 2);
	event_path(hub, fan_exec, MLMD__PB__EVENT__TYPE__INPUT, 0);
	member(ctx[1], hub, fan_exec);
	for (int i = 0; i < FAN; i++) {
		a = new_artifact(at, NULL);
		OK(mlmd_node_set_int(a, 0, "i", i));
		if (i % 3 == 0)
			OK(mlmd_node_set_string(a, 1, "c", "v"));
		int64_t id = put_art(a);
		event_path(id, fan_exec, MLMD__PB__EVENT__TYPE__OUTPUT, i % 7 == 0);
		if (i % 5 == 0)
			member(ctx[1], id, 0);
	}
	for (int i = 0; i <= CHAIN; i++) {
		a = new_artifact(at, "/chain");
		OK(mlmd_node_set_double(a, 0, "d", i * 1.5));
		chain_a[i] = put_art(a);
		member(ctx[0], chain_a[i], 0);
	}
	for (int i = 0; i < CHAIN; i++) {
		char name[16];
		snprintf(name, sizeof name, "step%d", i);
		chain_e[i] = put_exec(i % 2 ? NULL : name, i % 4 == 3 ? -1 : i % 7);
		event_path(chain_a[i], chain_e[i], MLMD__PB__EVENT__TYPE__INPUT, i % 2);
		event_path(chain_a[i + 1], chain_e[i], MLMD__PB__EVENT__TYPE__OUTPUT, 0);
		member(ctx[0], 0, chain_e[i]);
	}
	rich = put_rich();
	event_path(rich, chain_e[2], MLMD__PB__EVENT__TYPE__DECLARED_INPUT, 1);
	member(ctx[0], rich, 0);
	member(ctx[3], 0, 0);
	/* tombstones */
	int64_t gone_a[] = { chain_a[4] }, gone_e[] = { chain_e[6] };
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.n_ids = 1;
	rq.ids = gone_a;
	rq.reason = "test";
	int rc;
	Mlmd__Pb__Governance__DeleteNodesResponse *rs =
		test_rpc(s, "DeleteNodes", &rq, &mlmd__pb__governance__delete_nodes_response__descriptor, &rc);
	OK(rc);
	mlmd_message_free(rs);
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION;
	rq.ids = gone_e;
	rs = test_rpc(s, "DeleteNodes", &rq, &mlmd__pb__governance__delete_nodes_response__descriptor, &rc);
	OK(rc);
	mlmd_message_free(rs);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

/* A request under test: options plus a read mask. */
typedef struct req {
	const char *start_filter;
	int from_executions;
	int direction; /* -1: unset */
	int hops;      /* -1: unset */
	int64_t max_nodes;
	const char *end_artifacts, *end_executions;
	int include_ending;
	const char *mask[10];
} req;

static uint8_t *call_bytes(const Mlmd__Pb__GetLineageSubgraphRequest *rq, int no_wire, size_t *n, int *rc,
			   char *msg, size_t msgn)
{
	size_t len = protobuf_c_message_get_packed_size(&rq->base);
	uint8_t *in = malloc(len + 1);
	assert_non_null(in);
	protobuf_c_message_pack(&rq->base, in);
	mlmd__store_set_no_wire(s, no_wire);
	void *out = NULL;
	*n = 0;
	*rc = mlmd_store_call(s, "GetLineageSubgraph", in, len, &out, n);
	snprintf(msg, msgn, "%s", *rc ? mlmd_error_message() : "");
	mlmd__store_set_no_wire(s, 0);
	free(in);
	return out;
}

/* Runs `r` through the wire handler and through the struct handler, and
 * asserts the same bytes (or the same failure); the typed call's response,
 * packed, must give them too. Returns the number of nodes in the answer
 * (-1 on a failure). */
/* The storage of one GetLineageSubgraphRequest built from a req. */
typedef struct built {
	Mlmd__Pb__LineageSubgraphQueryOptions o;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn;
	Mlmd__Pb__LineageSubgraphQueryOptions__EndingNodes ea, ee;
	Mlmd__Pb__Wkt__FieldMask fm;
	Mlmd__Pb__GetLineageSubgraphRequest rq;
} built;

static void build(const req *r, built *b)
{
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__EndingNodes en = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__ENDING_NODES__INIT;
	Mlmd__Pb__Wkt__FieldMask fm = MLMD__PB__WKT__FIELD_MASK__INIT;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	b->o = o;
	b->sn = sn;
	b->ea = b->ee = en;
	b->fm = fm;
	b->rq = rq;
	b->sn.filter_query = (char *)r->start_filter;
	if (r->from_executions) {
		b->o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS;
		b->o.starting_executions = &b->sn;
	} else {
		b->o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
		b->o.starting_artifacts = &b->sn;
	}
	if (r->direction >= 0) {
		b->o.has_direction = 1;
		b->o.direction = (Mlmd__Pb__LineageSubgraphQueryOptions__Direction)r->direction;
	}
	if (r->hops >= 0) {
		b->o.has_max_num_hops = 1;
		b->o.max_num_hops = r->hops;
	}
	if (r->max_nodes) {
		b->o.has_mlmd_max_nodes = 1;
		b->o.mlmd_max_nodes = r->max_nodes;
	}
	if (r->end_artifacts) {
		b->ea.filter_query = (char *)r->end_artifacts;
		b->ea.has_include_ending_nodes = 1;
		b->ea.include_ending_nodes = r->include_ending;
		b->o.ending_artifacts = &b->ea;
	}
	if (r->end_executions) {
		b->ee.filter_query = (char *)r->end_executions;
		b->ee.has_include_ending_nodes = 1;
		b->ee.include_ending_nodes = r->include_ending;
		b->o.ending_executions = &b->ee;
	}
	while (b->fm.n_paths < 10 && r->mask[b->fm.n_paths])
		b->fm.n_paths++;
	b->fm.paths = (char **)r->mask;
	b->rq.lineage_subgraph_query_options = &b->o;
	b->rq.read_mask = b->fm.n_paths ? &b->fm : NULL;
}

static long same(const req *r)
{
	built b;
	build(r, &b);
	const Mlmd__Pb__GetLineageSubgraphRequest *rq = &b.rq;

	size_t nw, ns;
	int rcw, rcs;
	char mw[512], ms[512];
	uint8_t *bw = call_bytes(rq, 0, &nw, &rcw, mw, sizeof mw);
	uint8_t *bs = call_bytes(rq, 1, &ns, &rcs, ms, sizeof ms);
	assert_int_equal(rcw, rcs);
	long nodes = -1;
	if (rcw) {
		assert_string_equal(mw, ms);
	} else {
		assert_int_equal(nw, ns);
		assert_memory_equal(bw, bs, nw);
		Mlmd__Pb__GetLineageSubgraphResponse *typed;
		OK(mlmd_store_get_lineage_subgraph(s, rq, &typed));
		size_t nt = protobuf_c_message_get_packed_size(&typed->base);
		assert_int_equal(nt, nw);
		uint8_t *bt = malloc(nt + 1);
		assert_non_null(bt);
		protobuf_c_message_pack(&typed->base, bt);
		assert_memory_equal(bt, bw, nw);
		free(bt);
		const Mlmd__Pb__LineageGraph *g = typed->lineage_subgraph;
		assert_non_null(g);
		nodes = (long)(g->n_artifacts + g->n_executions + g->n_contexts);
		mlmd_message_free(typed);
	}
	mlmd_buffer_free(bw);
	mlmd_buffer_free(bs);
	return nodes;
}

static const char *const all_paths[10] = { "artifacts", "executions", "contexts", "events", "artifact_types",
					   "execution_types", "context_types", "attributions", "associations",
					   "parent_contexts" };

static void filter_id(char *buf, size_t n, int64_t id)
{
	snprintf(buf, n, "id = %lld", (long long)id);
}

static void every_read_mask_field_alone_and_together(void **st)
{
	(void)st;
	char f[64];
	filter_id(f, sizeof f, chain_a[0]);
	req r = { .start_filter = f, .direction = -1, .hops = -1 };
	assert_true(same(&r) > CHAIN); /* the default mask: everything */
	for (int i = 0; i < 10; i++) {
		req one = r;
		one.mask[0] = all_paths[i];
		same(&one);
		for (int j = i + 1; j < 10; j++) { /* and every pair */
			req two = one;
			two.mask[1] = all_paths[j];
			same(&two);
		}
	}
	req all = r;
	for (int i = 0; i < 10; i++)
		all.mask[i] = all_paths[9 - i]; /* order does not matter */
	assert_true(same(&all) > CHAIN);
}

static void directions_and_hops(void **st)
{
	(void)st;
	char f[64];
	int64_t starts[] = { chain_a[0], chain_a[5], chain_a[CHAIN], rich, hub, chain_a[4] /* a tombstone */ };
	for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
		filter_id(f, sizeof f, starts[k]);
		for (int d = -1; d <= 3; d++)
			for (int h = -1; h <= 13; h += 2) {
				req r = { .start_filter = f, .direction = d, .hops = h };
				same(&r);
				r.mask[0] = "artifacts";
				r.mask[1] = "executions";
				r.mask[2] = "events";
				same(&r);
			}
	}
	/* from executions, and a filter matching many */
	filter_id(f, sizeof f, chain_e[3]);
	req r = { .start_filter = f, .from_executions = 1, .direction = -1, .hops = 4 };
	assert_true(same(&r) > 0);
	req many = { .start_filter = "uri = '/chain'", .direction = -1, .hops = 2 };
	assert_true(same(&many) > CHAIN);
}

static void more_nodes_than_one_chunk(void **st)
{
	(void)st;
	char f[64];
	filter_id(f, sizeof f, hub);
	req r = { .start_filter = f, .direction = 2 /* DOWNSTREAM */, .hops = 2 };
	assert_true(same(&r) > FAN);
	req both = { .start_filter = f, .direction = -1, .hops = -1 };
	assert_true(same(&both) > FAN);
	/* more than 100 starting nodes: partial, with its reason */
	req wide = { .start_filter = "uri IS NULL", .direction = -1, .hops = 1 };
	assert_true(same(&wide) > 100);
}

static void ending_nodes_and_caps(void **st)
{
	(void)st;
	char f[64], end[64];
	filter_id(f, sizeof f, chain_a[0]);
	filter_id(end, sizeof end, chain_a[3]);
	for (int inc = 0; inc < 2; inc++) {
		req r = { .start_filter = f, .direction = -1, .hops = -1, .end_artifacts = end, .include_ending = inc };
		same(&r);
		req e = { .start_filter = f, .direction = 2, .hops = -1, .end_executions = "name = 'step4'",
			  .include_ending = inc };
		same(&e);
	}
	for (int64_t cap = 1; cap < 30; cap += 4) {
		req r = { .start_filter = f, .direction = -1, .hops = -1, .max_nodes = cap };
		same(&r);
	}
}

/* The hops read the rows and properties of the nodes they reach (a
 * hydrating hop, query/lineage.c): nodes met and then dropped by the cap or
 * an ending filter, a node reached by two events at once, and a node with
 * several properties reached from a wide frontier give the struct
 * handler's bytes too. */
static void hops_read_nodes_the_walk_then_drops(void **st)
{
	(void)st;
	char f[64];
	filter_id(f, sizeof f, hub);
	for (int dir = -1; dir <= 2; dir += 3) /* both ways, then down */
		for (int64_t cap = 2; cap < FAN + 10; cap += cap < 20 ? 3 : 97) {
			req r = { .start_filter = f, .direction = dir, .hops = -1, .max_nodes = cap };
			same(&r);
		}
	for (int inc = 0; inc < 2; inc++) {
		req r = { .start_filter = f, .direction = -1, .hops = -1, .end_artifacts = "properties.i.int_value < 40",
			  .include_ending = inc };
		same(&r);
	}
	/* an artifact that is both an input and an output of one execution, with
	 * several properties, reached from that execution and from the fan */
	Mlmd__Pb__Artifact *a = new_artifact(at, "/twice");
	OK(mlmd_node_set_int(a, 0, "i", 1));
	OK(mlmd_node_set_string(a, 0, "s", "two"));
	OK(mlmd_node_set_string(a, 1, "b", "x"));
	OK(mlmd_node_set_string(a, 1, "a", "y"));
	int64_t twice = put_art(a);
	int64_t e = put_exec("twice", 1);
	event_path(twice, e, MLMD__PB__EVENT__TYPE__INPUT, 1);
	event_path(twice, e, MLMD__PB__EVENT__TYPE__OUTPUT, 0);
	event_path(twice, fan_exec, MLMD__PB__EVENT__TYPE__INPUT, 0);
	for (int ex = 0; ex < 2; ex++)
		for (int dir = -1; dir <= 3; dir++) {
			if (dir == 0)
				continue;
			char g[64];
			filter_id(g, sizeof g, ex ? e : twice);
			req r = { .start_filter = g, .from_executions = ex, .direction = dir, .hops = 3 };
			same(&r);
		}
	req r = { .start_filter = f, .direction = -1, .hops = 2 };
	assert_true(same(&r) > FAN);
}

/* "id = N" starts the walk without the filter compiler (query/lineage.c);
 * the answer must be the compiler's, here reached through "id IN (N)". */
static void single_id_start_matches_the_filter_compiler(void **st)
{
	(void)st;
	int64_t ids[] = { chain_a[0], chain_a[4] /* a tombstone */, rich, hub, 999999, chain_e[2], chain_e[6] };
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		for (int ex = 0; ex < 2; ex++) {
			char fast[64], fast2[64], slow[64];
			snprintf(fast, sizeof fast, "id = %lld", (long long)ids[i]);
			snprintf(fast2, sizeof fast2, "  id=%lld ", (long long)ids[i]);
			snprintf(slow, sizeof slow, "id IN (%lld)", (long long)ids[i]);
			const char *filters[3] = { fast, fast2, slow };
			uint8_t *out[3];
			size_t n[3];
			int rc[3];
			for (int f = 0; f < 3; f++) {
				req r = { .start_filter = filters[f], .from_executions = ex, .direction = -1, .hops = 3 };
				built b;
				build(&r, &b);
				char msg[512];
				out[f] = call_bytes(&b.rq, 0, &n[f], &rc[f], msg, sizeof msg);
				if (rc[f])
					assert_non_null(strstr(msg, filters[f])); /* NOT_FOUND names the filter */
			}
			for (int f = 1; f < 3; f++) {
				assert_int_equal(rc[f], rc[0]);
				assert_int_equal(n[f], n[0]);
				if (!rc[0])
					assert_memory_equal(out[f], out[0], n[0]);
			}
			for (int f = 0; f < 3; f++)
				mlmd_buffer_free(out[f]);
		}
}

static void failures_match(void **st)
{
	(void)st;
	req nomatch = { .start_filter = "id = -5", .direction = -1, .hops = -1 };
	assert_int_equal(same(&nomatch), -1);
	req badmask = { .start_filter = "id = 1", .direction = -1, .hops = -1, .mask = { "nodes" } };
	assert_int_equal(same(&badmask), -1);
	req badhops = { .start_filter = "id = 1", .direction = -1, .hops = -1, .max_nodes = -2 };
	assert_int_equal(same(&badhops), -1);
	req badfilter = { .start_filter = "id ==", .direction = -1, .hops = -1 };
	assert_int_equal(same(&badfilter), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_read_mask_field_alone_and_together),
		cmocka_unit_test(directions_and_hops),
		cmocka_unit_test(more_nodes_than_one_chunk),
		cmocka_unit_test(ending_nodes_and_caps),
		cmocka_unit_test(hops_read_nodes_the_walk_then_drops),
		cmocka_unit_test(single_id_start_matches_the_filter_compiler),
		cmocka_unit_test(failures_match),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

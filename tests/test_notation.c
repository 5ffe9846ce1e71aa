/*
 * tests/test_notation.c - the lineage notation (docs/testing.md): the
 * parser's constructs and errors (line and column), BuildGraph on the store
 * under test (open_memory(): every backend), and GetGraphSnapshot's stable
 * text.
 */
#include <locale.h>
#include "helpers.h"
#include "store/testing.h"
#include "mlmd_governance.pb-c.h"

/* ---- the parser ---------------------------------------------------------- */

static mlmd__tgraph *parse_ok(const char *text)
{
	mlmd__tgraph *g = NULL;
	int rc = mlmd__tgraph_parse(text, &g);
	if (rc)
		fail_msg("parse of '%s' -> %d: %s", text, rc, mlmd_error_message());
	assert_non_null(g);
	return g;
}

static const mlmd__tnode *node(const mlmd__tgraph *g, const char *name)
{
	long i = mlmd__tgraph_find(g, name);
	if (i < 0)
		fail_msg("no node '%s'", name);
	return &g->nodes[i];
}

static int has_edge(const mlmd__tgraph *g, const char *from, const char *to)
{
	long a = mlmd__tgraph_find(g, from), b = mlmd__tgraph_find(g, to);
	for (size_t i = 0; i < g->n_edges; i++)
		if ((long)g->edges[i].from == a && (long)g->edges[i].to == b)
			return 1;
	return 0;
}

static const mlmd__tprop *prop(const mlmd__tnode *n, const char *key)
{
	for (size_t i = 0; i < n->n_props; i++)
		if (!strcmp(n->props[i].key, key))
			return &n->props[i];
	fail_msg("node '%s' has no property '%s'", n->name, key);
	return NULL;
}

static void parse_chain_of_the_issue(void **state)
{
	(void)state;
	mlmd__tgraph *g = parse_ok("raw:DataSet -> (clean:Transform) -> train:DataSet -> (fit:Trainer COMPLETE) -> "
				   "model:Model");
	assert_int_equal(g->n_nodes, 5);
	const char *order[] = {"raw", "clean", "train", "fit", "model"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(g->nodes[i].name, order[i]);
	assert_int_equal(node(g, "raw")->kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(node(g, "clean")->kind, MLMD_NODE_EXECUTION);
	assert_string_equal(node(g, "clean")->type, "Transform");
	assert_false(node(g, "clean")->has_state);
	assert_true(node(g, "fit")->has_state);
	assert_int_equal(node(g, "fit")->state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_int_equal(g->n_edges, 4);
	assert_true(has_edge(g, "raw", "clean"));
	assert_true(has_edge(g, "clean", "train"));
	assert_true(has_edge(g, "train", "fit"));
	assert_true(has_edge(g, "fit", "model"));
	assert_int_equal(node(g, "model")->line, 1);
	assert_int_equal(node(g, "fit")->column, 55);
	mlmd__tgraph_free(g);
}

static void parse_reuse_separators_comments_contexts(void **state)
{
	(void)state;
	mlmd__tgraph *g = parse_ok("# a comment line\n"
				   "\n"
				   "raw:DataSet -> (clean:Transform RUNNING)   # trailing comment\r\n"
				   "raw -> (other:Transform); (clean) -> out:Data/Set.v-1\n"
				   "out -> (fit:Trainer) ; raw -> (clean)\n"
				   "context run1:Pipeline = raw, (clean), extra:Note, (fit), raw\n"
				   "context run1 = out\n"
				   "context empty:Pipeline =\n"
				   "context:Thing\n");
	assert_int_equal(g->n_nodes, 9);
	assert_string_equal(node(g, "out")->type, "Data/Set.v-1");
	assert_int_equal(node(g, "clean")->state, MLMD__PB__EXECUTION__STATE__RUNNING);
	assert_int_equal(node(g, "run1")->kind, MLMD_NODE_CONTEXT);
	assert_string_equal(node(g, "run1")->type, "Pipeline");
	assert_int_equal(node(g, "extra")->kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(node(g, "context")->kind, MLMD_NODE_ARTIFACT);
	assert_int_equal(node(g, "empty")->kind, MLMD_NODE_CONTEXT);
	/* raw->clean once, raw->other, clean->out, out->fit */
	assert_int_equal(g->n_edges, 4);
	/* raw, clean, extra, fit, out in run1 (raw once) */
	assert_int_equal(g->n_members, 5);
	assert_int_equal(node(g, "raw")->line, 3);
	assert_int_equal(node(g, "extra")->line, 6);
	mlmd__tgraph_free(g);
}

static void parse_properties_of_each_type(void **state)
{
	(void)state;
	mlmd__tgraph *g = parse_ok("d:DataSet {n=42, neg=-9223372036854775808, x=2.5, e=-1e3, "
				   "s='it\\'s a \\\\ path', c='\\x09\\x1F\\x7f', "
				   "u='\xc3\xa9t\xc3\xa9', t=true, f=false, empty=''}"
				   " -> (run:Step COMPLETE) {k=1, more=+7}\n"
				   "context c:Ctx {owner='ml'} = d\n");
	const mlmd__tnode *d = node(g, "d");
	assert_int_equal(d->n_props, 10);
	assert_int_equal(prop(d, "n")->kind, MLMD__TVAL_INT);
	assert_int_equal(prop(d, "n")->i, 42);
	assert_true(prop(d, "neg")->i == INT64_MIN);
	assert_int_equal(prop(d, "x")->kind, MLMD__TVAL_DOUBLE);
	assert_true(prop(d, "x")->d == 2.5);
	assert_true(prop(d, "e")->d == -1000.0);
	assert_int_equal(prop(d, "s")->kind, MLMD__TVAL_STRING);
	assert_string_equal(prop(d, "s")->s, "it's a \\ path");
	assert_string_equal(prop(d, "c")->s, "\t\x1f\x7f");
	assert_string_equal(prop(d, "u")->s, "\xc3\xa9t\xc3\xa9");
	assert_string_equal(prop(d, "empty")->s, "");
	assert_int_equal(prop(d, "t")->kind, MLMD__TVAL_BOOL);
	assert_int_equal(prop(d, "t")->b, 1);
	assert_int_equal(prop(d, "f")->b, 0);
	const mlmd__tnode *run = node(g, "run");
	assert_int_equal(run->n_props, 2);
	assert_int_equal(prop(run, "more")->i, 7);
	assert_string_equal(prop(node(g, "c"), "owner")->s, "ml");
	mlmd__tgraph_free(g);
}

/* The same decimals in a German locale (decimal comma): parsed the same. */
static void parse_decimals_in_german_locale(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "de_DE.UTF-8"))
		fail_msg("locale de_DE.UTF-8 is not available (LOCPATH=%s): `make check` builds it",
			 getenv("LOCPATH") ? getenv("LOCPATH") : "unset");
	mlmd__tgraph *g = parse_ok("d:DataSet {x=2.5, y=1e-3, big=12345.678}");
	setlocale(LC_ALL, "C");
	assert_true(prop(node(g, "d"), "x")->d == 2.5);
	assert_true(prop(node(g, "d"), "y")->d == 1e-3);
	assert_true(prop(node(g, "d"), "big")->d == 12345.678);
	mlmd__tgraph_free(g);
}

/* Each error: INVALID_ARGUMENT, the exact message (line, column, what, got). */
static void parse_errors_name_line_and_column(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} cases[] = {
		{"a:A -> b:B", "line 1, column 8: an edge joins an artifact and an execution, but 'a' and 'b' are "
			       "both artifacts, got 'b'"},
		{"(a:A) -> (b:B)", "line 1, column 11: an edge joins an artifact and an execution, but 'a' and 'b' "
				   "are both executions, got 'b'"},
		{"a:A -> (e:E)\nb:B -> (a)", "line 2, column 9: 'a' is an artifact (line 1, column 1), not an "
					     "execution, got 'a'"},
		{"a:A\na:B", "line 2, column 3: 'a' has type 'A' (line 1, column 1), got 'B'"},
		{"raw -> (e:E)", "line 1, column 1: 'raw' is new and needs a type ('raw:Type'), got 'raw'"},
		{"(e:E FINISHED)", "line 1, column 6: unknown execution state (UNKNOWN, NEW, RUNNING, COMPLETE, "
				   "FAILED, CACHED or CANCELED), got 'FINISHED'"},
		{"(e:E COMPLETE)\n(e FAILED)", "line 2, column 4: 'e' is already COMPLETE, got 'FAILED'"},
		{"a:A b:B", "line 1, column 5: expected '->', ';' or end of line (a state goes inside the execution's "
			    "parentheses), got 'b'"},
		{"a:A ->", "line 1, column 7: expected a node (name:Type or (name:Type)), got end of text"},
		{"a:A ->\n(e:E)", "line 1, column 7: expected a node (name:Type or (name:Type)), got end of line"},
		{"a:", "line 1, column 3: expected a type name after ':', got end of text"},
		{"(e:E", "line 1, column 5: expected ')', got end of text"},
		{"(e", "line 1, column 3: expected ':Type', a state or ')', got end of text"},
		{"a/b:A", "line 1, column 1: a name may not contain '/' (only types may), got 'a/b'"},
		{"a:A {n=1", "line 1, column 9: expected ',' or '}' in properties, got end of text"},
		{"a:A {n}", "line 1, column 7: expected '=' after the property name, got '}'"},
		{"a:A {n=1, n=2}", "line 1, column 11: property given twice in one {...}, got 'n'"},
		{"a:A {n=x}", "line 1, column 8: expected a value (an integer, a decimal, a 'string', true or "
			      "false), got 'x'"},
		{"a:A {n=9223372036854775808}", "line 1, column 8: integer out of range (64-bit signed), got "
						"'9223372036854775808'"},
		{"a:A {n=1e999}", "line 1, column 8: number out of range (a double), got '1e999'"},
		{"a:A {n=12abc}", "line 1, column 8: malformed number, got '12abc'"},
		{"a:A {s='abc}", "line 1, column 8: unterminated string (a string ends with ' on its line), got "
				 "''abc}'"},
		{"a:A {s='a\\nb'}", "line 1, column 10: unknown escape in a string (the escapes are \\', \\\\ and "
				    "\\xNN), got '\\n'"},
		{"a:A {s='\\x00'}", "line 1, column 9: \\x in a string takes two hex digits, 01 to 7f, got '\\x00'"},
		{"a:A {s='\\x80'}", "line 1, column 9: \\x in a string takes two hex digits, 01 to 7f, got '\\x80'"},
		{"a:A {s='\\x1'}", "line 1, column 9: \\x in a string takes two hex digits, 01 to 7f, got '\\x'"},
		{"a:A {s='\\x", "line 1, column 9: \\x in a string takes two hex digits, 01 to 7f, got '\\x'"},
		{"a:A {s='\xff'}", "line 1, column 8: string is not valid UTF-8"},
		{"a:A {n=1}\na {n=2}", "line 2, column 3: 'a' already has property 'n' with another value, got '{'"},
		{"a:A @", "line 1, column 5: expected '->', ';' or end of line, got '@'"},
		{"a:A\n  \x01", "line 2, column 3: expected a node (name:Type or (name:Type)), got '\\x01'"},
		{"context c:C a", "line 1, column 13: expected '=' after the context's name and type, got 'a'"},
		{"context c:C = a:A,", "line 1, column 19: expected a node (name:Type or (name:Type)), got end of "
				       "text"},
		{"context c:C = a:A\na -> (c)", "line 2, column 7: 'c' is a context (line 1, column 9), not an "
						"execution, got 'c'"},
		{"context c:C = a:A\ncontext d:C = c", "line 2, column 15: 'c' is a context (line 1, column 9), "
						     "not an artifact, got 'c'"},
		{"a:A\ncontext a:C = ", "line 2, column 9: 'a' is an artifact (line 1, column 1), not a context, "
					"got 'a'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mlmd__tgraph *g = (mlmd__tgraph *)1;
		int rc = mlmd__tgraph_parse(cases[i].text, &g);
		if (rc != -MLMD_INVALID_ARGUMENT)
			fail_msg("'%s' -> %d (%s), expected INVALID_ARGUMENT", cases[i].text, rc,
				 mlmd_error_message());
		assert_null(g);
		if (strstr(cases[i].message, "UTF-8")) {
			if (!strstr(mlmd_error_message(), cases[i].message))
				fail_msg("'%s': message '%s', expected '%s...'", cases[i].text, mlmd_error_message(),
					 cases[i].message);
		} else if (strcmp(mlmd_error_message(), cases[i].message) != 0) {
			fail_msg("'%s': message\n  '%s', expected\n  '%s'", cases[i].text, mlmd_error_message(),
				 cases[i].message);
		}
	}
	/* A long token is shown cut at 40 bytes. */
	mlmd__tgraph *g = NULL;
	assert_int_equal(mlmd__tgraph_parse("a:A -> b_0123456789012345678901234567890123456789:B", &g),
			 -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "got 'b_01234567890123456789012345678901234567...'"));
	assert_int_equal(mlmd__tgraph_parse(NULL, &g), -MLMD_INVALID_ARGUMENT);
}

/* Many names, edges and memberships, each repeated: the parser finds them
 * again by hash (a text of 1 MiB from the network once took minutes), and
 * still counts each edge and membership once. */
static void parse_many_nodes_edges_members(void **state)
{
	(void)state;
	enum { N = 20000 };
	size_t cap = (size_t)N * 64, o = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	o += (size_t)snprintf(t + o, cap - o, "a0:A");
	for (int i = 1; i < N; i++)
		o += (size_t)snprintf(t + o, cap - o, i % 2 ? " -> (e%d:E)" : " -> a%d:A", i);
	o += (size_t)snprintf(t + o, cap - o, "\na0 -> (e1)\ncontext c:C =");
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < N; i++)
			o += (size_t)snprintf(t + o, cap - o, i % 2 ? " (e%d)," : " a%d,", i);
	o += (size_t)snprintf(t + o, cap - o, " a0\n");
	assert_true(o < cap);
	mlmd__tgraph *g = parse_ok(t);
	assert_int_equal(g->n_nodes, N + 1);
	assert_int_equal(g->n_edges, N - 1);
	assert_int_equal(g->n_members, N);
	assert_true(has_edge(g, "a19998", "e19999"));
	assert_int_equal(mlmd__tgraph_find(g, "e12345"), 12345);
	mlmd__tgraph_free(g);
	free(t);
}

/* ---- BuildGraph ---------------------------------------------------------- */

static Mlmd__Pb__Testing__BuildGraphResponse *build(mlmd_store *st, const char *text, int *rc)
{
	Mlmd__Pb__Testing__BuildGraphRequest rq = MLMD__PB__TESTING__BUILD_GRAPH_REQUEST__INIT;
	rq.text = (char *)text;
	return test_rpc(st, "BuildGraph", &rq, &mlmd__pb__testing__build_graph_response__descriptor, rc);
}

static Mlmd__Pb__Testing__BuildGraphResponse *build_ok(mlmd_store *st, const char *text)
{
	int rc;
	Mlmd__Pb__Testing__BuildGraphResponse *r = build(st, text, &rc);
	if (rc)
		fail_msg("BuildGraph '%s' -> %d: %s", text, rc, mlmd_error_message());
	return r;
}

static int64_t id_of(const Mlmd__Pb__Testing__BuildGraphResponse *r, const char *name)
{
	for (size_t i = 0; i < r->n_nodes; i++)
		if (!strcmp(r->nodes[i]->name, name))
			return r->nodes[i]->id;
	fail_msg("no node '%s' in the response", name);
	return 0;
}

static Mlmd__Pb__Event **events_of(mlmd_store *st, int64_t execution, size_t *n)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	rq.n_execution_ids = 1;
	rq.execution_ids = &execution;
	int rc;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r =
		test_rpc(st, "GetEventsByExecutionIDs", &rq, &mlmd__pb__get_events_by_execution_ids_response__descriptor, &rc);
	OK(rc);
	*n = r->n_events;
	Mlmd__Pb__Event **ev = r->events;
	r->events = NULL;
	r->n_events = 0;
	mlmd_message_free(r);
	return ev;
}

static size_t count_events(mlmd_store *st, int64_t execution, int64_t artifact, int type)
{
	size_t n, hits = 0;
	Mlmd__Pb__Event **ev = events_of(st, execution, &n);
	for (size_t i = 0; i < n; i++) {
		if (ev[i]->artifact_id == artifact && (int)ev[i]->type == type)
			hits++;
		protobuf_c_message_free_unpacked(&ev[i]->base, NULL);
	}
	free(ev);
	return hits;
}

static Mlmd__Pb__Artifact *artifact(mlmd_store *st, int64_t id)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	int rc;
	Mlmd__Pb__GetArtifactsByIDResponse *r =
		test_rpc(st, "GetArtifactsByID", &rq, &mlmd__pb__get_artifacts_by_idresponse__descriptor, &rc);
	OK(rc);
	assert_int_equal(r->n_artifacts, 1);
	Mlmd__Pb__Artifact *a = r->artifacts[0];
	r->n_artifacts = 0;
	mlmd_message_free(r);
	return a;
}

static Mlmd__Pb__Execution *execution(mlmd_store *st, int64_t id)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	rq.n_execution_ids = 1;
	rq.execution_ids = &id;
	int rc;
	Mlmd__Pb__GetExecutionsByIDResponse *r =
		test_rpc(st, "GetExecutionsByID", &rq, &mlmd__pb__get_executions_by_idresponse__descriptor, &rc);
	OK(rc);
	assert_int_equal(r->n_executions, 1);
	Mlmd__Pb__Execution *e = r->executions[0];
	r->n_executions = 0;
	mlmd_message_free(r);
	return e;
}

static const Mlmd__Pb__Value *custom(const Mlmd__Pb__Artifact *a, const char *key)
{
	for (size_t i = 0; i < a->n_custom_properties; i++)
		if (!strcmp(a->custom_properties[i]->key, key))
			return a->custom_properties[i]->value;
	fail_msg("artifact '%s' has no custom property '%s'", a->name, key);
	return NULL;
}

static void build_chain_makes_nodes_events_contexts(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	Mlmd__Pb__Testing__BuildGraphResponse *r =
		build_ok(st, "raw:DataSet -> (clean:Transform) -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model\n"
			     "context run1:Pipeline = raw, (clean), (fit), model\n");
	assert_int_equal(r->n_nodes, 6);
	const char *order[] = {"raw", "clean", "train", "fit", "model", "run1"};
	const int kinds[] = {1, 2, 1, 2, 1, 3};
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(r->nodes[i]->name, order[i]);
		assert_int_equal(r->nodes[i]->kind, kinds[i]);
		assert_true(r->nodes[i]->id > 0);
	}
	assert_string_equal(r->nodes[3]->type, "Trainer");
	assert_int_equal(r->n_artifact_ids, 3);
	assert_int_equal(r->n_execution_ids, 2);
	assert_int_equal(r->n_context_ids, 1);
	assert_int_equal(r->artifact_ids[2], id_of(r, "model"));
	assert_int_equal(r->context_ids[0], id_of(r, "run1"));
	assert_int_equal(count_events(st, id_of(r, "clean"), id_of(r, "raw"), MLMD__PB__EVENT__TYPE__INPUT), 1);
	assert_int_equal(count_events(st, id_of(r, "clean"), id_of(r, "train"), MLMD__PB__EVENT__TYPE__OUTPUT), 1);
	assert_int_equal(count_events(st, id_of(r, "fit"), id_of(r, "model"), MLMD__PB__EVENT__TYPE__OUTPUT), 1);
	Mlmd__Pb__Execution *fit = execution(st, id_of(r, "fit"));
	assert_int_equal(fit->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_string_equal(fit->name, "fit");
	assert_string_equal(fit->type, "Trainer");
	protobuf_c_message_free_unpacked(&fit->base, NULL);
	Mlmd__Pb__Execution *clean = execution(st, id_of(r, "clean"));
	assert_false(clean->has_last_known_state);
	protobuf_c_message_free_unpacked(&clean->base, NULL);
	/* the context holds the four nodes named */
	Mlmd__Pb__GetArtifactsByContextRequest ac = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	ac.has_context_id = 1;
	ac.context_id = id_of(r, "run1");
	int rc;
	Mlmd__Pb__GetArtifactsByContextResponse *ar =
		test_rpc(st, "GetArtifactsByContext", &ac, &mlmd__pb__get_artifacts_by_context_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(ar->n_artifacts, 2);
	mlmd_message_free(ar);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

static void build_sets_each_property_type(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	Mlmd__Pb__Testing__BuildGraphResponse *r =
		build_ok(st, "d:DataSet {n=-42, x=0.125, s='it\\'s', t=true, f=false}");
	Mlmd__Pb__Artifact *a = artifact(st, id_of(r, "d"));
	assert_int_equal(custom(a, "n")->value_case, MLMD__PB__VALUE__VALUE_INT_VALUE);
	assert_int_equal(custom(a, "n")->int_value, -42);
	assert_int_equal(custom(a, "x")->value_case, MLMD__PB__VALUE__VALUE_DOUBLE_VALUE);
	assert_true(custom(a, "x")->double_value == 0.125);
	assert_string_equal(custom(a, "s")->string_value, "it's");
	assert_int_equal(custom(a, "t")->value_case, MLMD__PB__VALUE__VALUE_BOOL_VALUE);
	assert_true(custom(a, "t")->bool_value);
	assert_false(custom(a, "f")->bool_value);
	protobuf_c_message_free_unpacked(&a->base, NULL);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

/* The same text built twice: the same ids, no second event or membership;
 * properties and states given are applied to the nodes found. */
static void build_twice_reuses_nodes(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	const char *text = "raw:DataSet {v=1} -> (clean:Transform) -> out:DataSet\ncontext c:Run = raw, (clean)";
	Mlmd__Pb__Testing__BuildGraphResponse *r1 = build_ok(st, text), *r2 = build_ok(st, text);
	assert_int_equal(r1->n_nodes, r2->n_nodes);
	for (size_t i = 0; i < r1->n_nodes; i++)
		assert_int_equal(r1->nodes[i]->id, r2->nodes[i]->id);
	assert_int_equal(count_events(st, id_of(r1, "clean"), id_of(r1, "raw"), MLMD__PB__EVENT__TYPE__INPUT), 1);
	size_t n;
	Mlmd__Pb__Event **ev = events_of(st, id_of(r1, "clean"), &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(&ev[i]->base, NULL);
	free(ev);
	/* a later text names the same nodes, adds a property, a state, an edge */
	Mlmd__Pb__Testing__BuildGraphResponse *r3 =
		build_ok(st, "raw:DataSet {w='x'} -> (clean:Transform COMPLETE)\nraw -> (again:Transform)");
	assert_int_equal(id_of(r3, "raw"), id_of(r1, "raw"));
	Mlmd__Pb__Artifact *a = artifact(st, id_of(r1, "raw"));
	assert_int_equal(custom(a, "v")->int_value, 1);
	assert_string_equal(custom(a, "w")->string_value, "x");
	protobuf_c_message_free_unpacked(&a->base, NULL);
	Mlmd__Pb__Execution *e = execution(st, id_of(r1, "clean"));
	assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	/* a name of another type is another node */
	Mlmd__Pb__Testing__BuildGraphResponse *r4 = build_ok(st, "raw:Model");
	assert_true(id_of(r4, "raw") != id_of(r1, "raw"));
	mlmd_message_free(r1);
	mlmd_message_free(r2);
	mlmd_message_free(r3);
	mlmd_message_free(r4);
	mlmd_store_free(st);
}

static size_t count_rpc(mlmd_store *st, const char *method, const ProtobufCMessageDescriptor *rqd,
			const ProtobufCMessageDescriptor *rsd)
{
	void *rq = malloc(rqd->sizeof_message);
	protobuf_c_message_init(rqd, rq);
	int rc;
	ProtobufCMessage *r = test_rpc(st, method, rq, rsd, &rc);
	free(rq);
	OK(rc);
	/* every Get*s response's first field is its repeated list */
	size_t n = *(size_t *)((char *)r + rsd->fields[0].quantifier_offset);
	mlmd_message_free(r);
	return n;
}

/* An error anywhere in the text: INVALID_ARGUMENT with its line and column,
 * and nothing written (not even the types of the lines before). */
static void build_error_writes_nothing(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	int rc;
	Mlmd__Pb__Testing__BuildGraphResponse *r =
		build(st, "raw:DataSet -> (clean:Transform)\n\n  train:DataSet -> raw", &rc);
	assert_null(r);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_string_equal(mlmd_error_message(), "BuildGraph: line 3, column 20: an edge joins an artifact and an "
						  "execution, but 'train' and 'raw' are both artifacts, got 'raw'");
	assert_null(build(st, "a:A\nb:B {n=1.5.2}", &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_string_equal(mlmd_error_message(), "BuildGraph: line 2, column 8: malformed number, got '1.5.2'");
	assert_int_equal(count_rpc(st, "GetArtifactTypes", &mlmd__pb__get_artifact_types_request__descriptor,
				   &mlmd__pb__get_artifact_types_response__descriptor), 0);
	assert_int_equal(count_rpc(st, "GetExecutionTypes", &mlmd__pb__get_execution_types_request__descriptor,
				   &mlmd__pb__get_execution_types_response__descriptor), 0);
	assert_int_equal(count_rpc(st, "GetArtifacts", &mlmd__pb__get_artifacts_request__descriptor,
				   &mlmd__pb__get_artifacts_response__descriptor), 0);
	/* no text at all */
	Mlmd__Pb__Testing__BuildGraphRequest none = MLMD__PB__TESTING__BUILD_GRAPH_REQUEST__INIT;
	assert_null(test_rpc(st, "BuildGraph", &none, &mlmd__pb__testing__build_graph_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	/* an empty text builds nothing */
	r = build_ok(st, "  # nothing\n");
	assert_int_equal(r->n_nodes, 0);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

static void build_decimals_in_german_locale(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	if (!setlocale(LC_ALL, "de_DE.UTF-8"))
		fail_msg("locale de_DE.UTF-8 is not available (LOCPATH=%s)", getenv("LOCPATH") ? getenv("LOCPATH") : "unset");
	int rc;
	Mlmd__Pb__Testing__BuildGraphResponse *r = build(st, "d:DataSet {x=2.5, y=-0.001}", &rc);
	setlocale(LC_ALL, "C");
	OK(rc);
	Mlmd__Pb__Artifact *a = artifact(st, id_of(r, "d"));
	assert_true(custom(a, "x")->double_value == 2.5);
	assert_true(custom(a, "y")->double_value == -0.001);
	protobuf_c_message_free_unpacked(&a->base, NULL);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

typedef struct seen {
	int calls;
	char method[32];
	size_t na, ne, nc;
	int64_t first_artifact;
} seen;

static void on_change(mlmd_store *st, const mlmd_store_change *ch, void *user)
{
	(void)st;
	seen *s = user;
	s->calls++;
	snprintf(s->method, sizeof s->method, "%s", ch->method);
	s->na = ch->n_artifact_ids;
	s->ne = ch->n_execution_ids;
	s->nc = ch->n_context_ids;
	s->first_artifact = ch->n_artifact_ids ? ch->artifact_ids[0] : 0;
}

/* The listeners (and the audit record, which reads the same fields) see
 * every id BuildGraph wrote. */
static void build_ids_reach_listeners(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	seen s = {0};
	OK(mlmd_store_listen(st, on_change, &s, NULL, NULL));
	Mlmd__Pb__Testing__BuildGraphResponse *r = build_ok(st, "a:A -> (e:E) -> b:B; context c:C = a");
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.method, "BuildGraph");
	assert_int_equal(s.na, 2);
	assert_int_equal(s.ne, 1);
	assert_int_equal(s.nc, 1);
	assert_int_equal(s.first_artifact, id_of(r, "a") < id_of(r, "b") ? id_of(r, "a") : id_of(r, "b"));
	mlmd_message_free(r);
	mlmd_store_free(st);
}

/* ---- GetGraphSnapshot ---------------------------------------------------- */

static char *snapshot(mlmd_store *st, const Mlmd__Pb__Testing__NodeRef *roots, size_t n, int within, int *rc)
{
	Mlmd__Pb__Testing__GetGraphSnapshotRequest rq = MLMD__PB__TESTING__GET_GRAPH_SNAPSHOT_REQUEST__INIT;
	Mlmd__Pb__Testing__NodeRef *rp[8];
	for (size_t i = 0; i < n; i++)
		rp[i] = (Mlmd__Pb__Testing__NodeRef *)&roots[i];
	rq.n_roots = n;
	rq.roots = rp;
	if (within) {
		rq.has_within = 1;
		rq.within = within;
	}
	Mlmd__Pb__Testing__GetGraphSnapshotResponse *r =
		test_rpc(st, "GetGraphSnapshot", &rq, &mlmd__pb__testing__get_graph_snapshot_response__descriptor, rc);
	if (!r)
		return NULL;
	char *t = strdup(r->text ? r->text : "");
	mlmd_message_free(r);
	return t;
}

static char *snapshot_ok(mlmd_store *st, const Mlmd__Pb__Testing__NodeRef *roots, size_t n, int within)
{
	int rc;
	char *t = snapshot(st, roots, n, within, &rc);
	if (rc)
		fail_msg("GetGraphSnapshot -> %d: %s", rc, mlmd_error_message());
	return t;
}

static const char GOLDEN[] =
	"(clean:Transform COMPLETE) {rows=10}\n"
	"(fit:Trainer FAILED)\n"
	"model:Model {acc=0.9, label='a \\'b\\'', ok=true}\n"
	"raw:DataSet {n=3, w=2.0}\n"
	"train:DataSet\n"
	"(clean) -> train\n"
	"(fit) -> model\n"
	"raw -> (clean)\n"
	"train -> (fit)\n"
	"context run1:Pipeline {owner='me'} = (clean), (fit), model, raw\n";

/* The same graph built in two stores, its nodes mentioned in different
 * orders (so its ids differ): the same bytes, the golden text. */
static void snapshot_is_stable_across_orders(void **state)
{
	(void)state;
	mlmd_store *s1 = open_memory(), *s2 = open_memory();
	mlmd_message_free(build_ok(s1, "raw:DataSet {n=3, w=2.0} -> (clean:Transform COMPLETE) {rows=10} -> "
				       "train:DataSet -> (fit:Trainer FAILED) -> model:Model {ok=true, acc=0.9, "
				       "label='a \\'b\\''}\n"
				       "context run1:Pipeline {owner='me'} = raw, (clean), (fit), model\n"));
	mlmd_message_free(build_ok(s2, "context run1:Pipeline {owner='me'} = model:Model {label='a \\'b\\''}\n"
				       "(fit:Trainer FAILED) -> model {acc=0.9, ok=true}\n"
				       "train:DataSet -> (fit); (clean:Transform COMPLETE) {rows=10} -> train\n"
				       "raw:DataSet {w=2.0, n=3} -> (clean)\n"
				       "context run1 = (fit), raw, (clean)\n"));
	char *t1 = snapshot_ok(s1, NULL, 0, 0), *t2 = snapshot_ok(s2, NULL, 0, 0);
	assert_string_equal(t1, GOLDEN);
	assert_string_equal(t2, GOLDEN);
	/* the snapshot is notation: built in a third store it snapshots the same */
	mlmd_store *s3 = open_memory();
	mlmd_message_free(build_ok(s3, t1));
	char *t3 = snapshot_ok(s3, NULL, 0, 0);
	assert_string_equal(t3, GOLDEN);
	free(t1);
	free(t2);
	free(t3);
	mlmd_store_free(s1);
	mlmd_store_free(s2);
	mlmd_store_free(s3);
}

static void snapshot_roots_and_within(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	Mlmd__Pb__Testing__BuildGraphResponse *r =
		build_ok(st, "a:D -> (p:S) -> b:D -> (q:S) -> c:D\nz:D -> (lone:S)\ncontext k:C = b, z\n");
	Mlmd__Pb__Testing__NodeRef root = MLMD__PB__TESTING__NODE_REF__INIT;
	root.has_kind = root.has_id = 1;
	root.kind = MLMD__PB__TESTING__NODE_KIND__ARTIFACT;
	root.id = id_of(r, "b");
	char *t = snapshot_ok(st, &root, 1, 1);
	assert_string_equal(t, "b:D\n(p:S)\n(q:S)\nb -> (q)\n(p) -> b\ncontext k:C = b\n");
	free(t);
	t = snapshot_ok(st, &root, 1, 0);
	assert_string_equal(t, "a:D\nb:D\nc:D\n(p:S)\n(q:S)\na -> (p)\nb -> (q)\n(p) -> b\n(q) -> c\ncontext k:C = b\n");
	free(t);
	/* a context root brings its members */
	Mlmd__Pb__Testing__NodeRef croot = root;
	croot.kind = MLMD__PB__TESTING__NODE_KIND__CONTEXT;
	croot.id = id_of(r, "k");
	t = snapshot_ok(st, &croot, 1, 1);
	assert_string_equal(t, "b:D\n(lone:S)\n(p:S)\n(q:S)\nz:D\nb -> (q)\n(p) -> b\nz -> (lone)\ncontext k:C = b, z\n");
	free(t);
	/* errors */
	int rc;
	Mlmd__Pb__Testing__NodeRef bad = root;
	bad.id = 99999;
	assert_null(snapshot(st, &bad, 1, 0, &rc));
	assert_int_equal(rc, -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_message(), "root artifact 99999 does not exist"));
	bad.has_kind = 0;
	assert_null(snapshot(st, &bad, 1, 0, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_null(snapshot(st, &root, 1, -1, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

/* Nodes put without the notation: unnamed ones are Type#n, ordered by
 * their properties; a name two nodes share is written with its type. */
static void snapshot_names_unnamed_and_shared(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	mlmd_message_free(build_ok(st, "x:A"));
	mlmd_message_free(build_ok(st, "(x:E)"));
	mlmd_message_free(build_ok(st, "x:B"));
	Mlmd__Pb__PutArtifactTypeRequest tr;
	protobuf_c_message_init(&mlmd__pb__put_artifact_type_request__descriptor, &tr);
	Mlmd__Pb__ArtifactType at = MLMD__PB__ARTIFACT_TYPE__INIT;
	at.name = "A";
	tr.artifact_type = &at;
	int rc;
	Mlmd__Pb__PutArtifactTypeResponse *trs =
		test_rpc(st, "PutArtifactType", &tr, &mlmd__pb__put_artifact_type_response__descriptor, &rc);
	OK(rc);
	Mlmd__Pb__Value v1 = MLMD__PB__VALUE__INIT, v2 = MLMD__PB__VALUE__INIT;
	v1.value_case = v2.value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	v1.int_value = 2;
	v2.int_value = 1;
	Mlmd__Pb__Artifact__CustomPropertiesEntry e1 = MLMD__PB__ARTIFACT__CUSTOM_PROPERTIES_ENTRY__INIT, e2 = e1;
	e1.key = e2.key = "k";
	e1.value = &v1;
	e2.value = &v2;
	Mlmd__Pb__Artifact__CustomPropertiesEntry *p1 = &e1, *p2 = &e2;
	Mlmd__Pb__Artifact a1 = MLMD__PB__ARTIFACT__INIT, a2 = MLMD__PB__ARTIFACT__INIT;
	a1.has_type_id = a2.has_type_id = 1;
	a1.type_id = a2.type_id = trs->type_id;
	a1.n_custom_properties = a2.n_custom_properties = 1;
	a1.custom_properties = &p1;
	a2.custom_properties = &p2;
	Mlmd__Pb__Artifact *arts[] = {&a1, &a2};
	Mlmd__Pb__PutArtifactsRequest pr;
	protobuf_c_message_init(&mlmd__pb__put_artifacts_request__descriptor, &pr);
	pr.n_artifacts = 2;
	pr.artifacts = arts;
	mlmd_message_free(test_rpc(st, "PutArtifacts", &pr, &mlmd__pb__put_artifacts_response__descriptor, &rc));
	OK(rc);
	char *t = snapshot_ok(st, NULL, 0, 0);
	assert_string_equal(t, "A#1:A {k=1}\nA#2:A {k=2}\nx:A\nx:B\n(x:E)\n");
	free(t);
	mlmd_message_free(trs);
	mlmd_store_free(st);
}

/* The audit record of a BuildGraph names its ids. */
static void build_ids_reach_audit_record(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	Mlmd__Pb__Testing__BuildGraphResponse *r = build_ok(st, "a:A -> (e:E)");
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	int rc;
	Mlmd__Pb__Governance__GetAuditLogResponse *log =
		test_rpc(st, "GetAuditLog", &rq, &mlmd__pb__governance__get_audit_log_response__descriptor, &rc);
	OK(rc);
	const Mlmd__Pb__Governance__AuditRecord *last = NULL;
	for (size_t i = 0; i < log->n_records; i++)
		if (!strcmp(log->records[i]->operation, "BuildGraph"))
			last = log->records[i];
	assert_non_null(last);
	char want[64];
	snprintf(want, sizeof want, "artifact_ids=%lld", (long long)id_of(r, "a"));
	if (!strstr(last->ids, want))
		fail_msg("audit ids '%s' lack '%s'", last->ids, want);
	snprintf(want, sizeof want, "execution_ids=%lld", (long long)id_of(r, "e"));
	if (!strstr(last->ids, want))
		fail_msg("audit ids '%s' lack '%s'", last->ids, want);
	mlmd_message_free(log);
	mlmd_message_free(r);
	mlmd_store_free(st);
}

/* A name two nodes share is written with its type in edges; an event of
 * another type than INPUT/OUTPUT is marked with a comment. */
static void snapshot_shared_names_in_edges(void **state)
{
	(void)state;
	mlmd_store *st = open_memory();
	Mlmd__Pb__Testing__BuildGraphResponse *ra = build_ok(st, "x:A"), *re = build_ok(st, "(x:E)");
	Mlmd__Pb__Event e1 = MLMD__PB__EVENT__INIT, e2 = MLMD__PB__EVENT__INIT;
	e1.has_artifact_id = e1.has_execution_id = e1.has_type = 1;
	e1.artifact_id = id_of(ra, "x");
	e1.execution_id = id_of(re, "x");
	e1.type = MLMD__PB__EVENT__TYPE__INPUT;
	e2 = e1;
	e2.type = MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT;
	Mlmd__Pb__Event *evs[] = {&e1, &e2};
	Mlmd__Pb__PutEventsRequest pr = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	pr.n_events = 2;
	pr.events = evs;
	int rc;
	mlmd_message_free(test_rpc(st, "PutEvents", &pr, &mlmd__pb__put_events_response__descriptor, &rc));
	OK(rc);
	char *t = snapshot_ok(st, NULL, 0, 0);
	assert_string_equal(t, "x:A\n(x:E)\nx:A -> (x:E)\n(x:E) -> x:A  # DECLARED_OUTPUT\n");
	free(t);
	mlmd_message_free(ra);
	mlmd_message_free(re);
	mlmd_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_chain_of_the_issue),
		cmocka_unit_test(parse_reuse_separators_comments_contexts),
		cmocka_unit_test(parse_properties_of_each_type),
		cmocka_unit_test(parse_decimals_in_german_locale),
		cmocka_unit_test(parse_errors_name_line_and_column),
		cmocka_unit_test(parse_many_nodes_edges_members),
		cmocka_unit_test(build_chain_makes_nodes_events_contexts),
		cmocka_unit_test(build_sets_each_property_type),
		cmocka_unit_test(build_twice_reuses_nodes),
		cmocka_unit_test(build_error_writes_nothing),
		cmocka_unit_test(build_decimals_in_german_locale),
		cmocka_unit_test(build_ids_reach_listeners),
		cmocka_unit_test(snapshot_is_stable_across_orders),
		cmocka_unit_test(snapshot_roots_and_within),
		cmocka_unit_test(snapshot_names_unnamed_and_shared),
		cmocka_unit_test(build_ids_reach_audit_record),
		cmocka_unit_test(snapshot_shared_names_in_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

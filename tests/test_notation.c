/*
 * tests/test_notation.c - the lineage notation (docs/testing.md): the
 * parser's constructs and errors (line and column), BuildGraph on the store
 * under test (open_memory(): every backend), and GetGraphSnapshot's stable
 * text.
 */
#include <locale.h>
#include "helpers.h"
#include "store/testing.h"

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
				   "s='it\\'s a \\\\ path', u='\xc3\xa9t\xc3\xa9', t=true, f=false, empty=''}"
				   " -> (run:Step COMPLETE) {k=1, more=+7}\n"
				   "context c:Ctx {owner='ml'} = d\n");
	const mlmd__tnode *d = node(g, "d");
	assert_int_equal(d->n_props, 9);
	assert_int_equal(prop(d, "n")->kind, MLMD__TVAL_INT);
	assert_int_equal(prop(d, "n")->i, 42);
	assert_true(prop(d, "neg")->i == INT64_MIN);
	assert_int_equal(prop(d, "x")->kind, MLMD__TVAL_DOUBLE);
	assert_true(prop(d, "x")->d == 2.5);
	assert_true(prop(d, "e")->d == -1000.0);
	assert_int_equal(prop(d, "s")->kind, MLMD__TVAL_STRING);
	assert_string_equal(prop(d, "s")->s, "it's a \\ path");
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
		{"a:A {s='a\\nb'}", "line 1, column 10: unknown escape in a string (the escapes are \\' and \\\\), "
				    "got '\\n'"},
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_chain_of_the_issue),
		cmocka_unit_test(parse_reuse_separators_comments_contexts),
		cmocka_unit_test(parse_properties_of_each_type),
		cmocka_unit_test(parse_decimals_in_german_locale),
		cmocka_unit_test(parse_errors_name_line_and_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_profile.c - reference profiles in memory (mlmd/monitor.h):
 * every figure of a profile built from known data, worked out by hand here;
 * the JSON form written and read back byte for byte; each rule of
 * mlmd_profile_from_json broken once; binning and category lookup; and
 * mlmd_profile_compare against the formulas evaluated by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mlmd.h"

#define OK(expr)                                                                                  \
	do {                                                                                      \
		int rc_ = (expr);                                                                 \
		if (rc_ != 0)                                                                     \
			fail_msg("%s -> %d: %s", #expr, rc_, mlmd_error_message());               \
	} while (0)

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * (1 + fabs(b)))

/* x: 1..10 and one missing; z: eight zeros, 1, 2 and one missing; c: a
 * three times, b twice, c once, two missing (cap 2 below). */
static const double X[] = {3, 1, 2, 10, NAN, 4, 5, 6, 7, 8, 9};
static const double Z[] = {0, 0, 0, 0, 2, 0, 0, 0, 0, 1, NAN};
static const char *const C[] = {"b", "a", "c", "a", NULL, "b", "a", "", "c", "b", "a"};
/* c: a 4, b 3, c 2 (rows 2 and 8), missing 2 */

static mlmd_profile *sample(int cap)
{
	mlmd_profile_input in[3] = {
		{.name = "x", .n = 11, .numbers = X},
		{.name = "z", .n = 11, .numbers = Z},
		{.name = "c", .n = 11, .strings = C},
	};
	mlmd_profile_options o = MLMD_PROFILE_OPTIONS_INIT;
	o.category_cap = cap;
	mlmd_profile *p = NULL;
	OK(mlmd_profile_build(&p, in, 3, &o));
	return p;
}

static void numeric_column_figures(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	assert_int_equal(mlmd_profile_rows(p), 11);
	assert_int_equal(mlmd_profile_column_count(p), 3);
	assert_int_equal(mlmd_profile_column_index(p, "z"), 1);
	assert_int_equal(mlmd_profile_column_index(p, "nope"), -1);
	const mlmd_profile_column *x = mlmd_profile_column_at(p, 0);
	assert_string_equal(x->name, "x");
	assert_int_equal(x->kind, MLMD_COLUMN_NUMERIC);
	assert_int_equal(x->count, 10);
	assert_int_equal(x->missing, 1);
	NEAR(x->mean, 5.5);
	NEAR(x->variance, 82.5 / 9); /* sum of (x - 5.5)^2 = 82.5, over n - 1 */
	assert_true(x->min == 1 && x->max == 10);
	assert_int_equal(x->n_bins, 10);
	/* edge j at position 0.9 j of 1..10: 1 + 0.9 j */
	for (int j = 0; j < 9; j++)
		NEAR(x->edges[j], 1 + 0.9 * (j + 1));
	for (int j = 0; j < 10; j++)
		assert_int_equal(x->bin_counts[j], 1);
	/* z: sorted 0 x8, 1, 2; positions 0.9 .. 6.3 fall among the zeros,
	 * 7.2 between 0 and 1 (0.2), 8.1 between 1 and 2 (1.1) */
	const mlmd_profile_column *z = mlmd_profile_column_at(p, 1);
	assert_int_equal(z->count, 10);
	NEAR(z->mean, 0.3);
	NEAR(z->variance, (8 * 0.09 + 0.49 + 2.89) / 9);
	assert_int_equal(z->n_bins, 10); /* always ten, equal edges or not */
	for (int j = 0; j < 7; j++)
		assert_true(z->edges[j] == 0);
	NEAR(z->edges[7], 0.2);
	NEAR(z->edges[8], 1.1);
	static const int64_t zb[10] = {8, 0, 0, 0, 0, 0, 0, 0, 1, 1};
	for (int j = 0; j < 10; j++)
		assert_int_equal(z->bin_counts[j], zb[j]);
	assert_null(mlmd_profile_outputs_get(p));
	mlmd_profile_free(p);
}

static void categorical_column_keeps_the_most_frequent(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	const mlmd_profile_column *c = mlmd_profile_column_at(p, 2);
	assert_int_equal(c->kind, MLMD_COLUMN_CATEGORICAL);
	assert_int_equal(c->count, 9);
	assert_int_equal(c->missing, 2);
	assert_int_equal(c->n_categories, 2);
	assert_string_equal(c->categories[0], "a");
	assert_int_equal(c->category_counts[0], 4);
	assert_string_equal(c->categories[1], "b");
	assert_int_equal(c->category_counts[1], 3);
	assert_int_equal(c->other, 2);
	mlmd_profile_free(p);

	/* ties by byte order: "B" < "a" < "b" */
	const char *const t[] = {"b", "a", "B", "b", "a", "B"};
	mlmd_profile_input in = {.name = "t", .n = 6, .strings = t};
	mlmd_profile_options o = MLMD_PROFILE_OPTIONS_INIT;
	o.category_cap = 2;
	OK(mlmd_profile_build(&p, &in, 1, &o));
	c = mlmd_profile_column_at(p, 0);
	assert_int_equal(c->n_categories, 2);
	assert_string_equal(c->categories[0], "B");
	assert_string_equal(c->categories[1], "a");
	assert_int_equal(c->other, 2);
	mlmd_profile_free(p);
}

static void bin_and_category_lookup(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	assert_int_equal(mlmd_profile_bin(p, 0, 1.9), 0);   /* equal to edge 0: the bin below */
	assert_int_equal(mlmd_profile_bin(p, 0, 1.91), 1);
	assert_int_equal(mlmd_profile_bin(p, 0, -5), 0);
	assert_int_equal(mlmd_profile_bin(p, 0, 100), 9);
	assert_int_equal(mlmd_profile_bin(p, 0, INFINITY), 9);
	assert_int_equal(mlmd_profile_bin(p, 0, NAN), -1);
	assert_int_equal(mlmd_profile_bin(p, 1, 0), 0);
	assert_int_equal(mlmd_profile_bin(p, 1, 0.1), 7);
	assert_int_equal(mlmd_profile_bin(p, 2, 1), -1);     /* categorical */
	assert_int_equal(mlmd_profile_bin(p, 3, 1), -1);     /* no such column */
	assert_int_equal(mlmd_profile_category(p, 2, "a"), 0);
	assert_int_equal(mlmd_profile_category(p, 2, "b"), 1);
	assert_int_equal(mlmd_profile_category(p, 2, "c"), 2);   /* beyond the cap: other */
	assert_int_equal(mlmd_profile_category(p, 2, "zzz"), 2);
	assert_int_equal(mlmd_profile_category(p, 2, ""), -1);
	assert_int_equal(mlmd_profile_category(p, 2, NULL), -1);
	assert_int_equal(mlmd_profile_category(p, 0, "a"), -1);
	mlmd_profile_free(p);

	/* many categories: every one found through the table */
	enum { N = 3000 };
	static char buf[N][16];
	const char *v[N];
	for (int i = 0; i < N; i++) {
		snprintf(buf[i], sizeof buf[i], "k%d", i);
		v[i] = buf[i];
	}
	mlmd_profile_input in = {.name = "k", .n = N, .strings = v};
	mlmd_profile_options o = MLMD_PROFILE_OPTIONS_INIT;
	o.category_cap = N;
	OK(mlmd_profile_build(&p, &in, 1, &o));
	const mlmd_profile_column *c = mlmd_profile_column_at(p, 0);
	assert_int_equal(c->n_categories, N);
	for (int i = 0; i < N; i++) {
		int k = mlmd_profile_category(p, 0, v[i]);
		assert_true(k >= 0 && k < N);
		assert_string_equal(c->categories[k], v[i]);
	}
	assert_int_equal(mlmd_profile_category(p, 0, "k3000"), N);
	mlmd_profile_free(p);
}

static void empty_column_has_no_bins(void **state)
{
	(void)state;
	const double none[] = {NAN, NAN};
	const char *const nos[] = {"", NULL};
	mlmd_profile_input in[2] = {{.name = "n", .n = 2, .numbers = none}, {.name = "s", .n = 2, .strings = nos}};
	mlmd_profile *p;
	OK(mlmd_profile_build(&p, in, 2, NULL));
	const mlmd_profile_column *n = mlmd_profile_column_at(p, 0);
	assert_int_equal(n->count, 0);
	assert_int_equal(n->missing, 2);
	assert_int_equal(n->n_bins, 0);
	assert_true(isnan(n->mean) && isnan(n->variance) && isnan(n->min) && isnan(n->max));
	assert_int_equal(mlmd_profile_bin(p, 0, 1), -1);
	int64_t counts[1] = {0};
	mlmd_drift_column d;
	OK(mlmd_profile_compare(p, 0, counts, 3, NULL, &d));
	assert_true(isnan(d.psi) && isnan(d.js) && isnan(d.ks) && isnan(d.chi2));
	assert_int_equal(d.drift, 0);
	assert_int_equal(d.missing_current, 3);
	assert_int_equal(mlmd_profile_column_at(p, 1)->n_categories, 0);
	assert_int_equal(mlmd_profile_category(p, 1, "x"), 0); /* other */
	char *j;
	OK(mlmd_profile_to_json(p, &j, NULL));
	assert_non_null(strstr(j, "\"mean\":null"));
	assert_non_null(strstr(j, "\"edges\":[],\"bins\":[]"));
	mlmd_profile *q;
	OK(mlmd_profile_from_json(&q, j, strlen(j)));
	char *j2;
	OK(mlmd_profile_to_json(q, &j2, NULL));
	assert_string_equal(j, j2);
	free(j), free(j2);
	mlmd_profile_free(q);
	mlmd_profile_free(p);
}

static void build_refusals(void **state)
{
	(void)state;
	mlmd_profile *p = (mlmd_profile *)1;
	const double a[] = {1, 2}, inf[] = {1, INFINITY};
	const char *const s[] = {"u", "v"};
	mlmd_profile_input in[2] = {{.name = "a", .n = 2, .numbers = a}, {.name = "a", .n = 2, .strings = s}};
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "'a' appears twice"));
	assert_null(p);
	in[1].name = "";
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	in[1].name = "b";
	in[1].n = 1;
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "has 1 rows"));
	in[1].n = 2;
	in[1].numbers = a;
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "exactly one of"));
	in[1].numbers = NULL;
	in[0].numbers = inf;
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "row 1 is infinite"));
	in[0].numbers = a;
	mlmd_profile_options o = MLMD_PROFILE_OPTIONS_INIT;
	o.category_cap = MLMD_PROFILE_MAX_CATEGORIES + 1;
	assert_int_equal(mlmd_profile_build(&p, in, 2, &o), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_profile_build(&p, in, 0, NULL), -MLMD_INVALID_ARGUMENT);
	OK(mlmd_profile_build(&p, in, 2, NULL));
	const double sc[] = {NAN, NAN};
	assert_int_equal(mlmd_profile_set_scores(p, "y", sc, 2), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_profile_set_scores(p, "y", a, 1), -MLMD_INVALID_ARGUMENT);
	mlmd_profile_free(p);
}

/* Names and categories travel in JSON and protobuf strings: bytes that are
 * not UTF-8 (a Latin-1 CSV) are refused by the build and by the reader, naming
 * the column, instead of a profile no client could read back. */
static void text_must_be_utf8(void **state)
{
	(void)state;
	mlmd_profile *p = NULL;
	const double a[] = {1, 2};
	const char *const latin1[] = {"caf\xe9", "tea"}, *const fine[] = {"caf\xc3\xa9", "tea"};
	mlmd_profile_input in[2] = {{.name = "a", .n = 2, .numbers = a}, {.name = "drink", .n = 2, .strings = latin1}};
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "columns[1]: category"));
	assert_non_null(strstr(mlmd_error_message(), "not valid UTF-8"));
	assert_null(p);
	in[1].strings = fine;
	in[0].name = "\xff";
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "columns[0]: the column name is not valid UTF-8"));
	in[0].name = "a";
	assert_int_equal(mlmd_profile_build(&p, in, 2, NULL), 0);
	char *j;
	size_t len;
	assert_int_equal(mlmd_profile_to_json(p, &j, &len), 0);
	mlmd_profile_free(p);
	char *bad = strstr(j, "caf\xc3\xa9");
	assert_non_null(bad);
	bad[3] = (char)0xe9, bad[4] = 'x'; /* "caf\xe9x": a lone Latin-1 byte */
	p = NULL;
	assert_int_equal(mlmd_profile_from_json(&p, j, len), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "not valid UTF-8"));
	assert_null(p);
	free(j);
}

static void outputs_classes_and_scores(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	const char *const cls[] = {"no", "yes", "no", NULL, "no", "yes", "no", "no", "yes", "no", ""};
	OK(mlmd_profile_set_classes(p, "label", cls, 11));
	const mlmd_profile_outputs *o = mlmd_profile_outputs_get(p);
	assert_non_null(o);
	assert_string_equal(o->name, "label");
	assert_int_equal(o->n_classes, 2);
	assert_string_equal(o->classes[0], "no");
	assert_int_equal(o->class_counts[0], 6);
	assert_string_equal(o->classes[1], "yes");
	assert_int_equal(o->class_counts[1], 3);
	assert_int_equal(o->n_bins, 0);
	/* scores replace the classes: 0.0 .. 0.9 and one missing */
	double sc[11];
	for (int i = 0; i < 10; i++)
		sc[i] = i / 10.0;
	sc[10] = NAN;
	OK(mlmd_profile_set_scores(p, "prob", sc, 11));
	o = mlmd_profile_outputs_get(p);
	assert_string_equal(o->name, "prob");
	assert_int_equal(o->n_classes, 0);
	assert_int_equal(o->n_bins, 10);
	for (int j = 0; j < 9; j++)
		NEAR(o->edges[j], 0.09 * (j + 1));
	for (int j = 0; j < 10; j++)
		assert_int_equal(o->bin_counts[j], 1);
	mlmd_profile_free(p);
}

static char *to_json(const mlmd_profile *p)
{
	char *j = NULL;
	size_t n = 0;
	OK(mlmd_profile_to_json(p, &j, &n));
	assert_int_equal(n, strlen(j));
	return j;
}

static void json_round_trip_is_byte_exact(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	const char *const cls[] = {"no", "yes", "no", NULL, "no", "yes", "no", "no", "yes", "no", "q\"uote"};
	OK(mlmd_profile_set_classes(p, "label", cls, 11));
	char *j = to_json(p);
	assert_true(strncmp(j, "{\"format\":\"mlmd.profile\",\"version\":1,\"n_rows\":11,\"columns\":[{\"name\":\"x\","
			       "\"kind\":\"numeric\",\"count\":10,\"missing\":1,\"mean\":5.5,",
			    strlen("{\"format\":\"mlmd.profile\",\"version\":1,\"n_rows\":11,\"columns\":[{\"name\":\"x\","
				   "\"kind\":\"numeric\",\"count\":10,\"missing\":1,\"mean\":5.5,")) == 0);
	/* 17 significant digits: 1.9 is written as the double nearest it reads */
	assert_non_null(strstr(j, "\"edges\":[1.8999999999999999,"));
	assert_non_null(strstr(j, "\"categories\":[{\"value\":\"a\",\"count\":4},{\"value\":\"b\",\"count\":3}],\"other\":2"));
	assert_non_null(strstr(j, "\"outputs\":{\"name\":\"label\",\"kind\":\"classes\",\"classes\":[{\"value\":\"no\",\"count\":6}"));
	mlmd_profile *q;
	OK(mlmd_profile_from_json(&q, j, strlen(j)));
	char *j2 = to_json(q);
	assert_string_equal(j, j2);
	/* the doubles are the same doubles */
	const mlmd_profile_column *a = mlmd_profile_column_at(p, 0), *b = mlmd_profile_column_at(q, 0);
	assert_memory_equal(a->edges, b->edges, 9 * sizeof(double));
	assert_true(a->variance == b->variance);
	assert_int_equal(mlmd_profile_category(q, 2, "b"), 1);
	free(j2);
	mlmd_profile_free(q);
	/* scores too */
	double sc[11];
	for (int i = 0; i < 11; i++)
		sc[i] = 1.0 / (i + 3);
	OK(mlmd_profile_set_scores(p, "prob", sc, 11));
	free(j);
	j = to_json(p);
	OK(mlmd_profile_from_json(&q, j, strlen(j)));
	j2 = to_json(q);
	assert_string_equal(j, j2);
	free(j), free(j2);
	mlmd_profile_free(q);
	mlmd_profile_free(p);
}

/* The sample's JSON with `from` replaced by `to` (once) must be refused
 * with a message containing `needle`. */
static void refused(const char *base, const char *from, const char *to, const char *needle)
{
	const char *at = strstr(base, from);
	if (!at)
		fail_msg("'%s' is not in the sample", from);
	size_t n = strlen(base) - strlen(from) + strlen(to);
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, base, (size_t)(at - base));
	strcpy(s + (at - base), to);
	strcat(s, at + strlen(from));
	mlmd_profile *p = (mlmd_profile *)1;
	int rc = mlmd_profile_from_json(&p, s, n);
	if (rc != -MLMD_INVALID_ARGUMENT)
		fail_msg("%s -> %s -> %d, expected INVALID_ARGUMENT", from, to, rc);
	if (!strstr(mlmd_error_message(), needle))
		fail_msg("%s -> %s: message '%s' lacks '%s'", from, to, mlmd_error_message(), needle);
	assert_null(p);
	free(s);
}

static void from_json_refuses_each_broken_rule(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	char *j = to_json(p);
	mlmd_profile_free(p);
	refused(j, "\"mlmd.profile\"", "\"other.profile\"", "profile: format:");
	refused(j, "\"version\":1", "\"version\":2", "profile: version: 2");
	refused(j, "\"n_rows\":11", "\"n_rows\":\"11\"", "profile: n_rows: expected a count");
	refused(j, "\"count\":10,\"missing\":1,\"mean\":5.5", "\"count\":10,\"missing\":-1,\"mean\":5.5",
		"profile: columns[0].missing: -1 is negative");
	refused(j, "\"count\":10,\"missing\":1,\"mean\":5.5", "\"count\":10,\"missing\":1.5,\"mean\":5.5",
		"columns[0].missing: 1.5 is not a whole number");
	refused(j, "\"count\":10,\"missing\":1,\"mean\":5.5", "\"count\":10,\"missing\":2,\"mean\":5.5",
		"profile: columns[0]: count 10 + missing 2 is not n_rows 11");
	refused(j, "\"mean\":5.5", "\"mean\":\"5.5\"", "columns[0].mean: expected a number");
	refused(j, "\"mean\":5.5", "\"mean\":null", "columns[0]: mean is null");
	refused(j, "\"kind\":\"numeric\"", "\"kind\":\"ordinal\"", "columns[0].kind: \"ordinal\"");
	refused(j, "[1.8999999999999999,2.7999999999999998,", "[1.8999999999999999,1.5,",
		"profile: columns[0].edges[1]: below edges[0]");
	refused(j, "[1.8999999999999999,", "[1e999,", "columns[0].edges[0]: 1e999 is not a finite double");
	refused(j, "[1.8999999999999999,", "[", "columns[0]: edges has 8 entries, expected 9");
	refused(j, "\"bins\":[1,", "\"bins\":[2,", "profile: columns[0].bins: add up to 11, count is 10");
	refused(j, "\"bins\":[1,", "\"bins\":[1,1,", "columns[0].bins: has more than 10 entries");
	refused(j, "\"other\":2", "\"other\":3", "profile: columns[2].categories: the counts and other add up to 10");
	refused(j, "{\"value\":\"a\",\"count\":4},{\"value\":\"b\",\"count\":3}",
		"{\"value\":\"b\",\"count\":3},{\"value\":\"a\",\"count\":4}", "columns[2].categories[1]: out of order");
	refused(j, "{\"value\":\"a\",\"count\":4},{\"value\":\"b\",\"count\":3}",
		"{\"value\":\"a\",\"count\":4},{\"value\":\"a\",\"count\":3}", "category \"a\" appears twice");
	refused(j, "{\"value\":\"a\",\"count\":4}", "{\"value\":\"\",\"count\":4}", "columns[2].categories[0]: value is empty");
	refused(j, "\"name\":\"z\"", "\"name\":\"x\"", "profile: columns[1]: name \"x\" is also columns[0]'s");
	refused(j, "\"name\":\"z\"", "\"name\":\"z\",\"colour\":1", "profile: columns[1]: unknown key \"colour\"");
	refused(j, "\"name\":\"z\"", "\"name\":\"z\",\"name\":\"w\"", "columns[1]: key \"name\" appears twice");
	refused(j, "\"other\":2", "\"other\":2,\"mean\":1", "columns[2]: \"mean\" does not belong to a categorical");
	refused(j, "\"mean\":5.5,", "", "columns[0]: \"mean\" is missing");
	refused(j, "\"version\":1,", "", "\"version\" is missing");
	refused(j, "\"n_rows\":11", "\"n_rows\":11,\"outputs\":{\"name\":\"y\",\"kind\":\"votes\"}",
		"profile: outputs.kind");
	refused(j, "\"columns\":[", "\"columns\":[1,", "profile: columns[0]: expected an object, got a number");
	refused(j, "{\"format\"", "[{\"format\"", "expected an object");
	mlmd_profile *q;
	size_t n = strlen(j);
	assert_int_equal(mlmd_profile_from_json(&q, j, n - 1), -MLMD_INVALID_ARGUMENT);
	free(j);
}

/* n columns (or one column of n categories) in JSON text. */
static char *wide(int columns, int categories)
{
	size_t cap = 64 + (size_t)columns * 160 + (size_t)categories * 40;
	char *s = malloc(cap), *w = s;
	assert_non_null(s);
	w += sprintf(w, "{\"format\":\"mlmd.profile\",\"version\":1,\"n_rows\":%d,\"columns\":[",
		     categories ? categories : 1);
	for (int i = 0; i < columns; i++)
		w += sprintf(w, "%s{\"name\":\"c%d\",\"kind\":\"categorical\",\"count\":1,\"missing\":0,"
			     "\"categories\":[{\"value\":\"v\",\"count\":1}],\"other\":0}", i ? "," : "", i);
	if (categories) {
		w += sprintf(w, "{\"name\":\"k\",\"kind\":\"categorical\",\"count\":%d,\"missing\":0,\"categories\":[",
			     categories);
		for (int i = 0; i < categories; i++)
			w += sprintf(w, "%s{\"value\":\"k%07d\",\"count\":1}", i ? "," : "", i);
		w += sprintf(w, "],\"other\":0}");
	}
	sprintf(w, "]}");
	return s;
}

static void from_json_limits(void **state)
{
	(void)state;
	mlmd_profile *p;
	char *s = wide(MLMD_PROFILE_MAX_COLUMNS, 0);
	OK(mlmd_profile_from_json(&p, s, strlen(s)));
	assert_int_equal(mlmd_profile_column_count(p), MLMD_PROFILE_MAX_COLUMNS);
	mlmd_profile_free(p);
	free(s);
	s = wide(MLMD_PROFILE_MAX_COLUMNS + 1, 0);
	assert_int_equal(mlmd_profile_from_json(&p, s, strlen(s)), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "profile: columns: more than 4096 columns"));
	free(s);
	s = wide(0, MLMD_PROFILE_MAX_CATEGORIES + 1);
	assert_int_equal(mlmd_profile_from_json(&p, s, strlen(s)), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "profile: columns[0].categories: has more than 100000 entries"));
	free(s);
}

static void compare_numeric_by_hand(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	/* reference: one value in each of the ten bins; window: five in each of the first two */
	int64_t w[10] = {5, 5, 0, 0, 0, 0, 0, 0, 0, 0};
	mlmd_drift_column d;
	OK(mlmd_profile_compare(p, 0, w, 4, NULL, &d));
	assert_int_equal(d.kind, MLMD_COLUMN_NUMERIC);
	assert_int_equal(d.n_reference, 10);
	assert_int_equal(d.n_current, 10);
	assert_int_equal(d.missing_reference, 1);
	assert_int_equal(d.missing_current, 4);
	/* PSI: two bins (0.5 - 0.1) ln 5, eight bins (1e-4 - 0.1) ln(1e-4 / 0.1) */
	NEAR(d.psi, 2 * 0.4 * log(5) + 8 * (1e-4 - 0.1) * log(1e-4 / 0.1));
	/* JS: m = 0.3 in the first two bins, 0.05 in the rest */
	double js = 0.5 * (2 * 0.1 * log2(0.1 / 0.3) + 8 * 0.1 * log2(0.1 / 0.05)) + 0.5 * (2 * 0.5 * log2(0.5 / 0.3));
	NEAR(d.js, sqrt(js));
	/* chi-squared: columns 6 (twice, expected 3 a side) and 1 (8 times, 0.5 a side) */
	NEAR(d.chi2, 2 * (4.0 / 3 + 4.0 / 3) + 8 * (0.25 / 0.5 + 0.25 / 0.5));
	assert_int_equal(d.chi2_dof, 9);
	NEAR(d.chi2_pvalue, mlmd_stat_chi2_sf(d.chi2, 9));
	/* binned KS: cumulative 0.2 vs 1.0 after the second bin */
	NEAR(d.ks, 0.8);
	NEAR(d.ks_pvalue, mlmd_stat_ks_pvalue(0.8, 10, 10));
	assert_true(isnan(d.wasserstein));
	assert_int_equal(d.drift, 1);

	/* the same distribution, scaled: nothing drifts */
	int64_t same[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
	OK(mlmd_profile_compare(p, 0, same, 0, NULL, &d));
	assert_true(d.psi == 0 && d.js == 0 && d.ks == 0 && d.chi2 == 0);
	assert_int_equal(d.drift, 0);
	/* thresholds: a PSI threshold below the window's PSI makes it drift */
	int64_t near[10] = {4, 3, 3, 3, 3, 3, 3, 3, 3, 2};
	mlmd_drift_thresholds th = {1e-6, 1e-300};
	OK(mlmd_profile_compare(p, 0, near, 0, &th, &d));
	assert_int_equal(d.drift, 1);
	OK(mlmd_profile_compare(p, 0, near, 0, NULL, &d));
	assert_int_equal(d.drift, 0);
	/* no value in the window: NaN figures */
	int64_t zero[10] = {0};
	OK(mlmd_profile_compare(p, 0, zero, 7, NULL, &d));
	assert_true(isnan(d.psi) && isnan(d.ks_pvalue));
	assert_int_equal(d.drift, 0);
	int64_t neg[10] = {1, -1};
	assert_int_equal(mlmd_profile_compare(p, 0, neg, 0, NULL, &d), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_profile_compare(p, 3, same, 0, NULL, &d), -MLMD_INVALID_ARGUMENT);
	mlmd_profile_free(p);
}

static void compare_categorical_by_hand(void **state)
{
	(void)state;
	mlmd_profile *p = sample(2);
	/* reference a 4, b 3, other 2 (of 9); window a 1, b 1, other 7 (of 9) */
	int64_t w[3] = {1, 1, 7};
	mlmd_drift_column d;
	OK(mlmd_profile_compare(p, 2, w, 0, NULL, &d));
	assert_int_equal(d.kind, MLMD_COLUMN_CATEGORICAL);
	double pr[3] = {4 / 9.0, 3 / 9.0, 2 / 9.0}, q[3] = {1 / 9.0, 1 / 9.0, 7 / 9.0};
	double psi = 0, js = 0;
	for (int i = 0; i < 3; i++) {
		psi += (q[i] - pr[i]) * log(q[i] / pr[i]);
		double m = (pr[i] + q[i]) / 2;
		js += 0.5 * pr[i] * log2(pr[i] / m) + 0.5 * q[i] * log2(q[i] / m);
	}
	NEAR(d.psi, psi);
	NEAR(d.js, sqrt(js));
	/* chi-squared of [[4,3,2],[1,1,7]]: column totals 5, 4, 9, 4.5 expected a side per 9 */
	double chi2 = 2 * (1.5 * 1.5 / 2.5) + 2 * (1.0 / 2) + 2 * (2.5 * 2.5 / 4.5);
	NEAR(d.chi2, chi2);
	assert_int_equal(d.chi2_dof, 2);
	NEAR(d.chi2_pvalue, exp(-chi2 / 2)); /* two degrees of freedom: e^(-x/2) */
	assert_true(isnan(d.ks) && isnan(d.ks_pvalue) && isnan(d.wasserstein));
	assert_int_equal(d.drift, psi >= 0.2 || exp(-chi2 / 2) < 0.01);
	mlmd_profile_free(p);
}

/* The profile's binned comparison and the two-sample functions see the same
 * bins (the reference's deciles) and the same categories, so PSI, JS and
 * (categories) chi-squared must agree; the binned KS can only understate
 * the exact D. */
static void compare_agrees_with_two_sample_drift(void **state)
{
	(void)state;
	enum { NR = 997, NC = 613 };
	static double r[NR], c[NC];
	static const char *rs[NR], *cs[NC];
	static const char *const cats[] = {"ant", "bee", "cat", "dog", "eel"};
	uint64_t x = 12345;
	for (int i = 0; i < NR + NC; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double u = (double)(x >> 11) / 9007199254740992.0;
		if (i < NR) {
			r[i] = i % 50 == 0 ? NAN : u * u * 10;
			rs[i] = i % 40 == 0 ? NULL : cats[(x >> 20) % 5];
		} else {
			c[i - NR] = (i % 70 == 0) ? NAN : u * 10 + 1;
			cs[i - NR] = cats[(x >> 20) % (i % 3 ? 3 : 5)];
		}
	}
	mlmd_profile_input in[2] = {{.name = "r", .n = NR, .numbers = r}, {.name = "s", .n = NR, .strings = rs}};
	mlmd_profile *p;
	OK(mlmd_profile_build(&p, in, 2, NULL));
	int64_t counts[10] = {0}, missing = 0;
	for (int i = 0; i < NC; i++) {
		int b = mlmd_profile_bin(p, 0, c[i]);
		if (b < 0)
			missing++;
		else
			counts[b]++;
	}
	mlmd_drift_column a, b;
	OK(mlmd_profile_compare(p, 0, counts, missing, NULL, &a));
	OK(mlmd_drift_numeric(r, NR, c, NC, NULL, &b));
	assert_int_equal(a.n_reference, b.n_reference);
	assert_int_equal(a.n_current, b.n_current);
	assert_int_equal(a.missing_reference, b.missing_reference);
	assert_int_equal(a.missing_current, b.missing_current);
	NEAR(a.psi, b.psi);
	NEAR(a.js, b.js);
	assert_true(a.ks <= b.ks + 1e-12);
	assert_true(a.ks > 0.2); /* the shift shows in the bins too */

	int64_t cc[6] = {0};
	missing = 0;
	const mlmd_profile_column *col = mlmd_profile_column_at(p, 1);
	assert_int_equal(col->n_categories, 5);
	for (int i = 0; i < NC; i++) {
		int k = mlmd_profile_category(p, 1, cs[i]);
		if (k < 0)
			missing++;
		else
			cc[k]++;
	}
	OK(mlmd_profile_compare(p, 1, cc, missing, NULL, &a));
	OK(mlmd_drift_categorical(rs, NR, cs, NC, NULL, &b));
	assert_int_equal(a.n_reference, b.n_reference);
	assert_int_equal(a.n_current, b.n_current);
	NEAR(a.psi, b.psi);
	NEAR(a.js, b.js);
	NEAR(a.chi2, b.chi2);
	assert_int_equal(a.chi2_dof, b.chi2_dof);
	NEAR(a.chi2_pvalue, b.chi2_pvalue);
	assert_int_equal(a.drift, b.drift);
	mlmd_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numeric_column_figures),
		cmocka_unit_test(categorical_column_keeps_the_most_frequent),
		cmocka_unit_test(bin_and_category_lookup),
		cmocka_unit_test(empty_column_has_no_bins),
		cmocka_unit_test(build_refusals),
		cmocka_unit_test(text_must_be_utf8),
		cmocka_unit_test(outputs_classes_and_scores),
		cmocka_unit_test(json_round_trip_is_byte_exact),
		cmocka_unit_test(from_json_refuses_each_broken_rule),
		cmocka_unit_test(from_json_limits),
		cmocka_unit_test(compare_numeric_by_hand),
		cmocka_unit_test(compare_categorical_by_hand),
		cmocka_unit_test(compare_agrees_with_two_sample_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_json.c - the library's JSON writer and reader (mlmd/json.h),
 * through the public header alone: what the writer writes (separators,
 * escapes, numbers in any locale, into memory or onto a stream), the calls
 * it refuses, the tokens the reader gives, the errors it reports with their
 * byte offset, the nesting bound and skipping a value.
 */
#include <locale.h>
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

static mlmd_json_writer *mem_writer(void)
{
	mlmd_json_writer *w = NULL;
	assert_int_equal(mlmd_json_writer_new(&w, NULL), 0);
	assert_non_null(w);
	return w;
}

static void assert_text(mlmd_json_writer *w, const char *want)
{
	assert_int_equal(mlmd_json_writer_status(w), 0);
	size_t len = 0;
	const char *got = mlmd_json_writer_text(w, &len);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
}

/* ---- writer ------------------------------------------------------------------------- */

static void writer_places_separators_and_escapes(void **state)
{
	(void)state;
	mlmd_json_writer *w = mem_writer();
	assert_text(w, "");
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "s");
	mlmd_json_string(w, "q\" b\\ \b\f\n\r\t \x01\x1f \x7f caf\xc3\xa9 /");
	mlmd_json_key(w, "nul");
	mlmd_json_string_len(w, "a\0b", 3);
	mlmd_json_key(w, "null string");
	mlmd_json_string(w, NULL);
	mlmd_json_key(w, "k\n");
	mlmd_json_array_begin(w);
	mlmd_json_int(w, INT64_MIN);
	mlmd_json_int(w, 0);
	mlmd_json_bool(w, 1);
	mlmd_json_bool(w, 0);
	mlmd_json_null(w);
	mlmd_json_array_begin(w);
	mlmd_json_array_end(w);
	mlmd_json_object_begin(w);
	mlmd_json_object_end(w);
	mlmd_json_array_end(w);
	mlmd_json_key(w, "");
	mlmd_json_int(w, 1);
	mlmd_json_object_end(w);
	assert_text(w, "{\"s\":\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f \x7f caf\xc3\xa9 /\",\"nul\":\"a\\u0000b\","
		"\"null string\":null,\"k\\n\":[-9223372036854775808,0,true,false,null,[],{}],\"\":1}");
	mlmd_json_writer_free(w);
}

static void writer_numbers_are_the_same_in_every_locale(void **state)
{
	(void)state;
	/* a comma-decimal locale when the machine has one (make check builds de_DE.UTF-8) */
	char *old = setlocale(LC_ALL, NULL);
	char *saved = old ? strdup(old) : NULL;
	setlocale(LC_ALL, "de_DE.UTF-8");
	mlmd_json_writer *w = mem_writer();
	mlmd_json_array_begin(w);
	mlmd_json_double(w, 0.1, 0);
	mlmd_json_double(w, 0.1, 17);
	mlmd_json_double(w, -2.5e-300, 0);
	mlmd_json_double(w, 1e21, 0);
	mlmd_json_double(w, -0.0, 0);
	mlmd_json_double(w, NAN, 0);
	mlmd_json_double(w, INFINITY, 17);
	mlmd_json_array_end(w);
	assert_text(w, "[0.1,0.10000000000000001,-2.5e-300,1e+21,-0,null,null]");
	mlmd_json_writer_free(w);
	setlocale(LC_ALL, saved ? saved : "C");
	free(saved);
}

static void writer_refuses_calls_out_of_place(void **state)
{
	(void)state;
	/* a value inside an object without its key; the failure is sticky */
	mlmd_json_writer *w = mem_writer();
	mlmd_json_object_begin(w);
	mlmd_json_int(w, 1);
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	assert_non_null(strstr(mlmd_error_message(), "needs its key first"));
	mlmd_json_key(w, "a");
	mlmd_json_int(w, 1);
	mlmd_json_object_end(w);
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	assert_null(mlmd_json_writer_text(w, NULL));
	mlmd_json_writer_free(w);
	/* a key outside an object, an end that matches no begin, an object ending after a key */
	w = mem_writer();
	mlmd_json_key(w, "a");
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	mlmd_json_writer_free(w);
	w = mem_writer();
	mlmd_json_array_begin(w);
	mlmd_json_object_end(w);
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	mlmd_json_writer_free(w);
	w = mem_writer();
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "a");
	mlmd_json_object_end(w);
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	mlmd_json_writer_free(w);
	/* nesting beyond MLMD_JSON_MAX_DEPTH */
	w = mem_writer();
	for (int i = 0; i < MLMD_JSON_MAX_DEPTH; i++)
		mlmd_json_array_begin(w);
	assert_int_equal(mlmd_json_writer_status(w), 0);
	mlmd_json_array_begin(w);
	assert_int_equal(mlmd_json_writer_status(w), -MLMD_FAILED_PRECONDITION);
	mlmd_json_writer_free(w);
}

static void writer_on_a_stream_writes_json_lines(void **state)
{
	(void)state;
	char buf[256] = { 0 };
	FILE *f = fmemopen(buf, sizeof buf - 1, "w");
	assert_non_null(f);
	mlmd_json_writer *w = NULL;
	assert_int_equal(mlmd_json_writer_new(&w, f), 0);
	for (int i = 0; i < 3; i++) { /* top-level values: nothing between them but what the caller writes */
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "line");
		mlmd_json_int(w, i);
		mlmd_json_object_end(w);
		mlmd_json_raw(w, "\n");
	}
	assert_int_equal(mlmd_json_writer_status(w), 0);
	assert_null(mlmd_json_writer_text(w, NULL)); /* the text went to the stream */
	mlmd_json_writer_free(w);
	fclose(f);
	assert_string_equal(buf, "{\"line\":0}\n{\"line\":1}\n{\"line\":2}\n");
}

/* ---- reader ------------------------------------------------------------------------- */

static mlmd_json_reader *reader(const char *text, int max_depth)
{
	mlmd_json_reader *r = NULL;
	assert_int_equal(mlmd_json_reader_new(&r, text, strlen(text), max_depth), 0);
	return r;
}

/* The next token is `want` (with `text`, when not NULL). */
static void next_is(mlmd_json_reader *r, int want, const char *text)
{
	const char *t = NULL;
	size_t len = 0;
	int got = mlmd_json_next(r, &t, &len);
	if (got != want)
		fail_msg("token %d, want %d (%s)", got, want, got < 0 ? mlmd_error_message() : "");
	if (text) {
		assert_non_null(t);
		assert_string_equal(t, text);
		assert_int_equal(len, strlen(text));
	}
}

static void reader_gives_the_tokens_in_order(void **state)
{
	(void)state;
	mlmd_json_reader *r = reader(" {\"a\" : [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\\/\\n\", true, false, null, {}, []],"
		"\n\"b\":\"\"} ", 10);
	next_is(r, MLMD_JSON_OBJECT, NULL);
	next_is(r, MLMD_JSON_KEY, "a");
	next_is(r, MLMD_JSON_ARRAY, NULL);
	next_is(r, MLMD_JSON_NUMBER, "1");
	next_is(r, MLMD_JSON_NUMBER, "-2.5e3");
	next_is(r, MLMD_JSON_STRING, "x\xc3\xa9\xf0\x9f\x98\x80/\n");
	next_is(r, MLMD_JSON_TRUE, NULL);
	next_is(r, MLMD_JSON_FALSE, NULL);
	next_is(r, MLMD_JSON_NULL, NULL);
	next_is(r, MLMD_JSON_OBJECT, NULL);
	next_is(r, MLMD_JSON_OBJECT_END, NULL);
	next_is(r, MLMD_JSON_ARRAY, NULL);
	next_is(r, MLMD_JSON_ARRAY_END, NULL);
	next_is(r, MLMD_JSON_ARRAY_END, NULL);
	next_is(r, MLMD_JSON_KEY, "b");
	next_is(r, MLMD_JSON_STRING, "");
	next_is(r, MLMD_JSON_OBJECT_END, NULL);
	next_is(r, MLMD_JSON_END, NULL);
	next_is(r, MLMD_JSON_END, NULL);
	assert_int_equal(mlmd_json_reader_offset(r), strlen(" {\"a\" : [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\\/\\n\", true, "
		"false, null, {}, []],\n\"b\":\"\"} "));
	mlmd_json_reader_free(r);
	/* a scalar alone is a value too; a string may hold NUL bytes */
	r = reader("\"a\\u0000b\"", 1);
	const char *t;
	size_t len;
	assert_int_equal(mlmd_json_next(r, &t, &len), MLMD_JSON_STRING);
	assert_int_equal(len, 3);
	assert_memory_equal(t, "a\0b", 4);
	next_is(r, MLMD_JSON_END, NULL);
	mlmd_json_reader_free(r);
}

static void reader_errors_name_the_problem_and_offset(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "", "a value is missing at byte 0" },
		{ "{\"a\":1,}", "expected a key at byte 7" },
		{ "[1 2]", "expected ',' or ']' at byte 3" },
		{ "[1,]", "an unexpected character ']' at byte 3" },
		{ "{\"a\" 1}", "expected ':' at byte 5" },
		{ "{\"a\":1", "the object is not closed at byte 6" },
		{ "[1", "the array is not closed at byte 2" },
		{ "\"abc", "a string is not closed at byte 4" },
		{ "\"a\x01\"", "a control character (0x01) inside a string at byte 2" },
		{ "\"\\x\"", "a bad escape in a string at byte 1" },
		{ "\"\\ud800\"", "a lone surrogate in a string at byte 1" },
		{ "\"\\udc00\"", "a lone surrogate in a string at byte 1" },
		{ "01", "a malformed number at byte 0" },
		{ "-", "a malformed number at byte 0" },
		{ "1.", "a malformed number at byte 0" },
		{ "1e+", "a malformed number at byte 0" },
		{ "tru", "an unexpected character 't' at byte 0" },
		{ "1 2", "text after the value at byte 2" },
		{ "\x01", "an unexpected byte 0x01 at byte 0" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		mlmd_json_reader *r = reader(bad[i].text, 10);
		int t;
		while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
			;
		if (t != -MLMD_INVALID_ARGUMENT)
			fail_msg("'%s': %d, want INVALID_ARGUMENT", bad[i].text, t);
		if (strcmp(mlmd_error_message(), bad[i].message))
			fail_msg("'%s': \"%s\", want \"%s\"", bad[i].text, mlmd_error_message(), bad[i].message);
		assert_int_equal(mlmd_json_next(r, NULL, NULL), -MLMD_INVALID_ARGUMENT); /* sticky */
		mlmd_json_reader_free(r);
	}
}

static void reader_bounds_nesting_before_reading_deeper(void **state)
{
	(void)state;
	mlmd_json_reader *r = reader("[[{\"a\":1}]]", 3);
	int t;
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	assert_int_equal(t, MLMD_JSON_END);
	mlmd_json_reader_free(r);
	r = reader("[[{\"a\":[]}]]", 3);
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	assert_int_equal(t, -MLMD_INVALID_ARGUMENT);
	assert_string_equal(mlmd_error_message(), "values nested deeper than 3 levels at byte 7");
	mlmd_json_reader_free(r);
	/* 200,000 levels against the largest bound: refused without recursion */
	size_t n = 200000;
	char *deep = malloc(n + 1);
	assert_non_null(deep);
	memset(deep, '[', n);
	deep[n] = '\0';
	r = reader(deep, MLMD_JSON_MAX_DEPTH);
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	assert_int_equal(t, -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_json_reader_offset(r), MLMD_JSON_MAX_DEPTH);
	mlmd_json_reader_free(r);
	free(deep);
	/* the bound itself is checked */
	assert_int_equal(mlmd_json_reader_new(&r, "1", 1, 0), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_json_reader_new(&r, "1", 1, MLMD_JSON_MAX_DEPTH + 1), -MLMD_INVALID_ARGUMENT);
}

static void reader_skips_a_value_whole(void **state)
{
	(void)state;
	mlmd_json_reader *r = reader("{\"skip\":{\"x\":[1,{\"y\":2}],\"z\":\"}\"},\"s2\":7,\"keep\":5}", 10);
	next_is(r, MLMD_JSON_OBJECT, NULL);
	next_is(r, MLMD_JSON_KEY, "skip");
	assert_int_equal(mlmd_json_skip(r), 0);
	next_is(r, MLMD_JSON_KEY, "s2");
	assert_int_equal(mlmd_json_skip(r), 0);
	next_is(r, MLMD_JSON_KEY, "keep");
	next_is(r, MLMD_JSON_NUMBER, "5");
	next_is(r, MLMD_JSON_OBJECT_END, NULL);
	next_is(r, MLMD_JSON_END, NULL);
	mlmd_json_reader_free(r);
	/* a skipped value is checked */
	r = reader("{\"skip\":[1,,2],\"keep\":5}", 10);
	next_is(r, MLMD_JSON_OBJECT, NULL);
	next_is(r, MLMD_JSON_KEY, "skip");
	assert_int_equal(mlmd_json_skip(r), -MLMD_INVALID_ARGUMENT);
	assert_string_equal(mlmd_error_message(), "an unexpected character ',' at byte 11");
	mlmd_json_reader_free(r);
}

/* What the writer writes, the reader reads back: every byte value in a
 * string, and numbers at full precision. */
static void written_text_reads_back(void **state)
{
	(void)state;
	char all[256];
	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	mlmd_json_writer *w = mem_writer();
	mlmd_json_array_begin(w);
	mlmd_json_string(w, all);
	mlmd_json_double(w, 0.1 + 0.2, 0);
	mlmd_json_array_end(w);
	size_t len;
	const char *text = mlmd_json_writer_text(w, &len);
	assert_non_null(text);
	mlmd_json_reader *r = NULL;
	assert_int_equal(mlmd_json_reader_new(&r, text, len, 1), 0);
	next_is(r, MLMD_JSON_ARRAY, NULL);
	next_is(r, MLMD_JSON_STRING, all);
	const char *num;
	size_t nl;
	assert_int_equal(mlmd_json_next(r, &num, &nl), MLMD_JSON_NUMBER);
	double d;
	assert_int_equal(mlmd_double_parse(num, nl, &d), 0);
	assert_true(d == 0.1 + 0.2);
	next_is(r, MLMD_JSON_ARRAY_END, NULL);
	next_is(r, MLMD_JSON_END, NULL);
	mlmd_json_reader_free(r);
	mlmd_json_writer_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writer_places_separators_and_escapes),
		cmocka_unit_test(writer_numbers_are_the_same_in_every_locale),
		cmocka_unit_test(writer_refuses_calls_out_of_place),
		cmocka_unit_test(writer_on_a_stream_writes_json_lines),
		cmocka_unit_test(reader_gives_the_tokens_in_order),
		cmocka_unit_test(reader_errors_name_the_problem_and_offset),
		cmocka_unit_test(reader_bounds_nesting_before_reading_deeper),
		cmocka_unit_test(reader_skips_a_value_whole),
		cmocka_unit_test(written_text_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

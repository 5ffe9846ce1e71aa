/*
 * lib/scorer/pmml_fn.h - the string, date and distribution functions behind
 * PMML's built-in functions, and the text they make while a row is scored
 * (pmml_fn.c).
 */
#ifndef MLMD_SCORER_PMML_FN_H
#define MLMD_SCORER_PMML_FN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tensor.h"

/* Text made while scoring one row (string functions' results): chunks from
 * the score call's pool, reused row after row, so a stream of rows allocates
 * nothing once they exist. A row may take at most `cap` bytes; past that, or
 * when the pool is out of memory, an allocation fails and sets `failed`. */
typedef struct pmml_chunk pmml_chunk;
typedef struct {
	sc_pool *pool;
	pmml_chunk *first, *cur, *last;
	size_t used;             /* bytes used in cur */
	size_t row, cap;         /* bytes handed out this row; the most one row may take */
	bool failed;             /* an allocation failed this row */
} pmml_text;
#define PMML_ROW_TEXT_CAP ((size_t)16 << 20)
void mlmd__pmml_text_init(pmml_text *t, sc_pool *pool, size_t cap);
void mlmd__pmml_text_reset(pmml_text *t);          /* a new row: the last row's texts are dead */
char *mlmd__pmml_text_alloc(pmml_text *t, size_t n); /* NULL (and failed) past the cap or out of memory */
bool mlmd__pmml_text_owns(const pmml_text *t, const char *p);

/* A string built piece by piece in a row's text (start with .t set, .ok = true). */
typedef struct {
	pmml_text *t;
	char *p;
	size_t len, cap;
	bool ok;
} pmml_sb;
void mlmd__pmml_sb_put(pmml_sb *b, const char *s, size_t n);
const char *mlmd__pmml_sb_done(pmml_sb *b);        /* NULL if an allocation failed */

/* String functions; each returns its result in t, NULL when t is full. */
const char *mlmd__pmml_case(pmml_text *t, const char *s, bool upper);
int64_t mlmd__pmml_strlen(const char *s);          /* in characters (UTF-8) */
const char *mlmd__pmml_substring(pmml_text *t, const char *s, int64_t start, int64_t len);
const char *mlmd__pmml_trim(pmml_text *t, const char *s);

/* POSIX extended regular expressions, compiled and run in the "C" locale. */
int mlmd__pmml_regcomp(regex_t *re, const char *pattern, char *err, size_t errlen);
bool mlmd__pmml_matches(const regex_t *re, const char *s);
int mlmd__pmml_replacement_check(const char *repl, size_t ngroups); /* 0, or -1 if invalid */
const char *mlmd__pmml_replace(pmml_text *t, const regex_t *re, const char *s, const char *repl);

/* formatNumber: a checked pattern (out needs strlen(pattern) + 3 bytes). */
int mlmd__pmml_numfmt_compile(const char *pattern, char *out, char *conv, char *err, size_t errlen);
const char *mlmd__pmml_format_number(pmml_text *t, const char *fmt, char conv, double x);

/* Dates and times: days since 1970-01-01 and seconds since midnight. */
typedef struct {
	int64_t days;
	int32_t secs;
	bool has_date, has_time;
} pmml_dt;
bool mlmd__pmml_parse_dt(const char *s, pmml_dt *out);
int mlmd__pmml_dtfmt_check(const char *pattern, char *err, size_t errlen);
const char *mlmd__pmml_format_dt(pmml_text *t, const char *pattern, const pmml_dt *dt);

double mlmd__pmml_norm_quantile(double p);

#endif

/*
 * lib/util/base.h - the library's base layer: errors, strings, clocks,
 * growable arrays and buffers, locale-independent numbers, base64.
 *
 * Every folder of lib/ may include this; it includes nothing of lib/ and
 * needs nothing but the C library and the public mlmd/common.h and
 * mlmd/error.h (no protobuf-c), so the scorer can sit on it alone.
 */
#ifndef MLMD_UTIL_BASE_H
#define MLMD_UTIL_BASE_H

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "mlmd/common.h"
#include "mlmd/error.h"

/* ---- errors (util/error.c) ---------------------------------------------- */

/* Records code and message for this thread; returns -code. */
int mlmd__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the recorded message with "<prefix>: "; returns rc unchanged. */
int mlmd__context(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define MLMD_OOM() mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "out of memory")

/* ---- small helpers (util/util.c) ----------------------------------------- */

char *mlmd__strdup(const char *s);
char *mlmd__strndup(const char *s, size_t n);
/* The one pair of clocks: wall-clock milliseconds since the epoch
 * (CLOCK_REALTIME; times the store records), and monotonic nanoseconds from
 * an arbitrary start (CLOCK_MONOTONIC; durations and deadlines). */
int64_t mlmd__now_ms(void);
uint64_t mlmd__mono_ns(void);
/* The instant ms milliseconds from now on `clock`: the absolute deadline
 * pthread_cond_timedwait takes, on the clock the condition variable was
 * made with (CLOCK_REALTIME by default; CLOCK_MONOTONIC where a wall clock
 * set back must not stretch the wait). */
struct timespec mlmd__deadline_in_ms(clockid_t clock, int64_t ms);
/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar
 * (month 1..12, day 1..31, not checked), and the date of such a day: the
 * civil-calendar arithmetic on 400-year eras. Exact, and free of
 * overflow, for years within +-2^40 and day numbers within +-2^62. */
int64_t mlmd__days_from_civil(int64_t y, int m, int d);
void mlmd__civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* Grows an array of n elements by one slot (capacity doubles at powers of
 * two, so appends are amortised O(1)); returns 0 or -RESOURCE_EXHAUSTED.
 * The capacity is inferred from n, so it is only for arrays the library
 * itself grew from NULL through mlmd__grow / mlmd__push_*: never for a
 * message that came from protobuf_c_message_unpack() or from a caller. */
int mlmd__grow(void **arr, size_t n, size_t elem);
/* The same for an array of any origin (sized exactly by protobuf-c's
 * unpack, or malloc'd by a caller): reallocates every time, to the next
 * power of two, which the allocator serves in place once the block has that
 * size. The array must come from malloc. */
int mlmd__grow_any(void **arr, size_t n, size_t elem);
int mlmd__push_ptr(void ***arr, size_t *n, void *item);
int mlmd__push_i64(int64_t **arr, size_t *n, int64_t v);
/* Growable byte buffer. */
typedef struct mlmd_buf {
	char *p;
	size_t len, cap;
	int oom;
} mlmd_buf;
void mlmd__buf_put(mlmd_buf *b, const void *p, size_t n);
void mlmd__buf_puts(mlmd_buf *b, const char *s);
void mlmd__buf_printf(mlmd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mlmd__buf_free(mlmd_buf *b);

/* Locale-independent numbers (util/num.c): the one parse/format pair every
 * number the library reads or writes goes through, whatever LC_NUMERIC the
 * host set. mlmd__strtod/strtof are strtod/strtof in the "C" locale. */
double mlmd__strtod(const char *s, char **end);
float mlmd__strtof(const char *s, char **end);
/* Parses exactly s[0..n) as a decimal number ([+-] digits [. digits]
 * [e [+-] digits]; no hex, no trailing text). Flags: MLMD_NUM_TRIM skips
 * surrounding white space, MLMD_NUM_NONFINITE also takes inf, infinity and
 * nan (any case, signed). Returns 0, MLMD_NUM_BAD (not a number) or
 * MLMD_NUM_RANGE (overflows a double; underflow rounds as strtod does). */
enum { MLMD_NUM_TRIM = 1, MLMD_NUM_NONFINITE = 2 };
enum { MLMD_NUM_BAD = -1, MLMD_NUM_RANGE = -2 };
int mlmd__parse_double(const char *s, size_t n, unsigned flags, double *out);
/* Whether bytes[0..n) are well-formed UTF-8: no overlong forms, no
 * surrogates, nothing above U+10FFFF (util/pbcheck.c). */
int mlmd__utf8_valid(const void *bytes, size_t n);
/* The length (1..4) of the well-formed UTF-8 sequence at the start of
 * bytes[0..n) (n > 0; no overlong, no surrogate, at most U+10FFFF), or 0. */
size_t mlmd__utf8_seq_len(const void *bytes, size_t n);
/* snprintf/vsnprintf in the "C" locale. */
int mlmd__snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mlmd__vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
/* "%.*g" of v into buf; returns buf. */
const char *mlmd__fmt_double(char *buf, size_t n, double v, int precision);
/* Runs the calling thread in the "C" locale (for C library calls that read
 * the locale, such as regcomp/regexec) until mlmd__c_locale_leave(old). */
locale_t mlmd__c_locale_enter(void);
void mlmd__c_locale_leave(locale_t old);

/* The JSON reader (mlmd/json.h), inside the library: numbers may also be
 * NaN, -NaN, Infinity and -Infinity (as XGBoost and Python write them), and
 * the reader's first error can be had without its "at byte N". */
struct mlmd_json_reader;
void mlmd__json_reader_allow_nonfinite(struct mlmd_json_reader *r);
const char *mlmd__json_reader_problem(const struct mlmd_json_reader *r);

/* The JSON writer, inside the library: by default strings are written
 * byte for byte (mlmd/json.h), so text that is not UTF-8 goes out as it
 * came in; after this call each byte that is not part of well-formed UTF-8
 * (a stray byte, an overlong form, a surrogate, a cut sequence) is written
 * as U+FFFD instead, so the text is valid JSON for any reader. Formats
 * that other tools read (OpenLineage events) use it. */
struct mlmd_json_writer;
void mlmd__json_writer_utf8_only(struct mlmd_json_writer *w);

/* The file:// URI of an absolute path (RFC 8089): every byte but the
 * unreserved ones and '/' percent-encoded, into *out (malloc'd; the caller
 * frees it). The form serving's model records and tracking's files share,
 * so one file always gets one URI (util/util.c). */
int mlmd__file_uri_encode(const char *abs_path, char **out);

/* The 32-bit identity of a keyed write lock (mlmd__sql_lock): the order the
 * core takes keys in starts with it, and the PostgreSQL backend locks on
 * it, so keys the backend cannot tell apart are also adjacent in the order. */
uint32_t mlmd__lock_hash(const char *key, size_t len);

/* Web-safe base64 (util/base64.c). Returns a malloc'd string / buffer or NULL. */
char *mlmd__b64_encode(const uint8_t *p, size_t n);
int mlmd__b64_decode(const char *s, uint8_t **out, size_t *out_len);

#endif

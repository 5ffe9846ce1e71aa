/*
 * util/json.c - the one JSON writer and the one JSON reader (mlmd/json.h)
 * that the library (Struct values, serving records, lineage rendering) and
 * the mlmd tool share.
 *
 * The writer keeps one byte per open container (object or array, and
 * whether it has a member yet), so it places commas and colons itself and
 * refuses a call out of place instead of writing broken JSON. Runs of bytes
 * that need no escape are copied whole.
 *
 * The reader is a pull parser: each mlmd_json_next() reads one token and
 * checks it against a small state (what may come next) and a stack of
 * open containers sized by the caller's depth limit, so nesting is bounded
 * before anything recurses and a caller may build what it likes from the
 * tokens, recursing no deeper than the limit. Decoded strings and numbers
 * go to one buffer the reader reuses.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base.h"
#include "mlmd/json.h"

/* ---- writer --------------------------------------------------------------------------- */

enum { LVL_OBJECT = 1, LVL_ITEMS = 2 }; /* per open container */

struct mlmd_json_writer {
	FILE *file;          /* or, when NULL, into buf */
	mlmd_buf buf;
	int status;          /* the first failure, sticky */
	int depth;           /* open containers */
	bool after_key;      /* a key was written; its value is due */
	bool utf8_only;      /* bytes that are not UTF-8 are written as U+FFFD (mlmd__json_writer_utf8_only) */
	unsigned char level[MLMD_JSON_MAX_DEPTH + 1]; /* [1..depth] */
};

int mlmd_json_writer_new(mlmd_json_writer **out, FILE *file)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_json_writer_new: out is NULL");
	*out = calloc(1, sizeof **out);
	if (!*out)
		return MLMD_OOM();
	(*out)->file = file;
	return 0;
}

void mlmd_json_writer_free(mlmd_json_writer *w)
{
	if (!w)
		return;
	mlmd__buf_free(&w->buf);
	free(w);
}

int mlmd_json_writer_status(const mlmd_json_writer *w)
{
	return w ? w->status : mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_json_writer_status: writer is NULL");
}

const char *mlmd_json_writer_text(const mlmd_json_writer *w, size_t *len)
{
	if (len)
		*len = 0;
	if (!w || w->file || w->status)
		return NULL;
	if (len)
		*len = w->buf.len;
	return w->buf.p ? w->buf.p : "";
}

static void misplaced(mlmd_json_writer *w, const char *what)
{
	if (!w->status)
		w->status = mlmd__fail(MLMD_FAILED_PRECONDITION, "JSON writer: %s", what);
}

static void put(mlmd_json_writer *w, const char *p, size_t n)
{
	if (w->status || !n)
		return;
	if (w->file) {
		if (fwrite(p, 1, n, w->file) != n)
			w->status = mlmd__fail(MLMD_UNAVAILABLE, "JSON writer: the stream refused a write");
		return;
	}
	mlmd__buf_put(&w->buf, p, n);
	if (w->buf.oom)
		w->status = MLMD_OOM();
}

/* What comes before a value: a comma in an array that has items, nothing
 * at the top level; in an object the key must have been written. Returns
 * false when the value must not be written. */
static bool before_value(mlmd_json_writer *w)
{
	if (!w)
		return false;
	if (w->status)
		return false;
	if (!w->depth)
		return true;
	unsigned char *l = &w->level[w->depth];
	if (*l & LVL_OBJECT) {
		if (!w->after_key) {
			misplaced(w, "a value inside an object needs its key first");
			return false;
		}
		w->after_key = false;
		return true;
	}
	if (*l & LVL_ITEMS)
		put(w, ",", 1);
	*l |= LVL_ITEMS;
	return !w->status;
}

/* The length of the well-formed UTF-8 sequence starting with the byte
 * s[0] >= 0x80 within s[0..n), or 0 (a stray or truncated byte, an
 * overlong form, a surrogate, above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (!len || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

void mlmd__json_writer_utf8_only(mlmd_json_writer *w)
{
	if (w)
		w->utf8_only = true;
}

static void put_escaped(mlmd_json_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	put(w, "\"", 1);
	size_t run = 0; /* start of the bytes copied as they are */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 && w->utf8_only) { /* a byte that is not part of UTF-8 is written as U+FFFD */
			size_t len = utf8_seq((const unsigned char *)s + i, n - i);
			if (len) {
				i += len - 1;
				continue;
			}
			put(w, s + run, i - run);
			put(w, "\xEF\xBF\xBD", 3);
			run = i + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		char e[7] = { '\\', 0 };
		size_t en = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			en = 6;
		}
		put(w, e, en);
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void mlmd_json_null(mlmd_json_writer *w)
{
	if (before_value(w))
		put(w, "null", 4);
}

void mlmd_json_bool(mlmd_json_writer *w, int v)
{
	if (before_value(w))
		put(w, v ? "true" : "false", v ? 4 : 5);
}

void mlmd_json_int(mlmd_json_writer *w, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", (long long)v); /* no locale reaches %lld */
	if (before_value(w))
		put(w, b, (size_t)n);
}

void mlmd_json_double(mlmd_json_writer *w, double v, int precision)
{
	if (!isfinite(v)) {
		mlmd_json_null(w);
		return;
	}
	char b[40];
	int n = mlmd_double_format(b, sizeof b, v, precision);
	if (before_value(w))
		put(w, b, n < (int)sizeof b ? (size_t)n : sizeof b - 1);
}

void mlmd_json_string_len(mlmd_json_writer *w, const char *s, size_t len)
{
	if (!s) {
		mlmd_json_null(w);
		return;
	}
	if (before_value(w))
		put_escaped(w, s, len);
}

void mlmd_json_string(mlmd_json_writer *w, const char *s)
{
	mlmd_json_string_len(w, s, s ? strlen(s) : 0);
}

void mlmd_json_key(mlmd_json_writer *w, const char *key)
{
	if (!w || w->status)
		return;
	unsigned char *l = &w->level[w->depth];
	if (!w->depth || !(*l & LVL_OBJECT) || w->after_key || !key) {
		misplaced(w, !key ? "a key is NULL" : w->after_key ? "a key follows a key" :
			"a key outside an object");
		return;
	}
	if (*l & LVL_ITEMS)
		put(w, ",", 1);
	*l |= LVL_ITEMS;
	put_escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->after_key = true;
}

static void begin(mlmd_json_writer *w, bool object)
{
	if (!before_value(w))
		return;
	if (w->depth == MLMD_JSON_MAX_DEPTH) {
		misplaced(w, "containers nested deeper than MLMD_JSON_MAX_DEPTH");
		return;
	}
	put(w, object ? "{" : "[", 1);
	w->level[++w->depth] = object ? LVL_OBJECT : 0;
}

static void end(mlmd_json_writer *w, bool object)
{
	if (!w || w->status)
		return;
	if (!w->depth || !(w->level[w->depth] & LVL_OBJECT) != !object || w->after_key) {
		misplaced(w, w->after_key ? "an object ends after a key, before its value" :
			object ? "an object ends that was not begun" : "an array ends that was not begun");
		return;
	}
	w->depth--;
	put(w, object ? "}" : "]", 1);
}

void mlmd_json_object_begin(mlmd_json_writer *w) { begin(w, true); }
void mlmd_json_object_end(mlmd_json_writer *w) { end(w, true); }
void mlmd_json_array_begin(mlmd_json_writer *w) { begin(w, false); }
void mlmd_json_array_end(mlmd_json_writer *w) { end(w, false); }

void mlmd_json_raw(mlmd_json_writer *w, const char *text)
{
	if (w && text)
		put(w, text, strlen(text));
}

/* ---- reader --------------------------------------------------------------------------- */

/* What may come next. */
enum {
	R_VALUE,        /* a value (the top one, an array item after ',' or a member's after ':') */
	R_FIRST_ITEM,   /* after '[': a value or ']' */
	R_FIRST_KEY,    /* after '{': a key or '}' */
	R_KEY,          /* after ',' in an object */
	R_AFTER,        /* after a value inside a container: ',' or its end */
	R_DONE          /* the top value is complete */
};

struct mlmd_json_reader {
	const char *start, *p, *end;
	int max_depth, depth;
	int state;
	int status;              /* the first error, sticky */
	unsigned char *object;   /* [1..depth]: 1 for an object, 0 for an array */
	mlmd_buf text;           /* the last token's text */
	bool nonfinite;          /* NaN, Infinity, -Infinity read as numbers */
	char problem[160];       /* the first error, without its offset */
};

int mlmd_json_reader_new(mlmd_json_reader **out, const char *text, size_t len, int max_depth)
{
	if (!out || (!text && len))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_json_reader_new: out and text are required");
	*out = NULL;
	if (max_depth < 1 || max_depth > MLMD_JSON_MAX_DEPTH)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_json_reader_new: max_depth %d is outside 1..%d", max_depth,
			MLMD_JSON_MAX_DEPTH);
	mlmd_json_reader *r = calloc(1, sizeof *r);
	unsigned char *obj = malloc((size_t)max_depth + 1);
	if (!r || !obj) {
		free(r);
		free(obj);
		return MLMD_OOM();
	}
	r->start = r->p = text ? text : "";
	r->end = r->start + len;
	r->max_depth = max_depth;
	r->object = obj;
	r->state = R_VALUE;
	*out = r;
	return 0;
}

void mlmd_json_reader_free(mlmd_json_reader *r)
{
	if (!r)
		return;
	mlmd__buf_free(&r->text);
	free(r->object);
	free(r);
}

size_t mlmd_json_reader_offset(const mlmd_json_reader *r)
{
	return r ? (size_t)(r->p - r->start) : 0;
}

static int rfail(mlmd_json_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rfail(mlmd_json_reader *r, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	memcpy(r->problem, what, sizeof r->problem);
	r->status = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s at byte %zu", what, (size_t)(r->p - r->start));
	return r->status;
}

/* "an unexpected character 'x'" or, for a byte that does not print, its value. */
static int unexpected(mlmd_json_reader *r)
{
	unsigned char c = (unsigned char)*r->p;
	if (c > 0x20 && c < 0x7f)
		return rfail(r, "an unexpected character '%c'", c);
	return rfail(r, "an unexpected byte 0x%02x", c);
}

static void skip_ws(mlmd_json_reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n'))
		r->p++;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Four hex digits at p (before end) into *out; -1 when they are not there. */
static int hex4(const char *p, const char *end, unsigned *out)
{
	if (end - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static void put_utf8(mlmd_buf *b, unsigned u)
{
	char o[4];
	size_t n;
	if (u < 0x80) {
		o[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		o[0] = (char)(0xC0 | u >> 6);
		o[1] = (char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		o[0] = (char)(0xE0 | u >> 12);
		o[1] = (char)(0x80 | (u >> 6 & 0x3F));
		o[2] = (char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | u >> 18);
		o[1] = (char)(0x80 | (u >> 12 & 0x3F));
		o[2] = (char)(0x80 | (u >> 6 & 0x3F));
		o[3] = (char)(0x80 | (u & 0x3F));
		n = 4;
	}
	mlmd__buf_put(b, o, n);
}

/* The string at r->p (its opening quote), decoded into r->text. */
static int read_string(mlmd_json_reader *r)
{
	const char *p = r->p + 1;
	mlmd_buf *b = &r->text;
	for (;;) {
		const char *run = p;
		while (p < r->end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			p++;
		mlmd__buf_put(b, run, (size_t)(p - run));
		if (p >= r->end) {
			r->p = p;
			return rfail(r, "a string is not closed");
		}
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) {
			r->p = p;
			return rfail(r, "a control character (0x%02x) inside a string", c);
		}
		/* a backslash */
		if (p + 1 >= r->end) {
			r->p = p + 1;
			return rfail(r, "a string is not closed");
		}
		char e = p[1];
		const char *simple = e ? strchr("\"\\/bfnrt", e) : NULL;
		if (simple) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			mlmd__buf_put(b, &map[simple - "\"\\/bfnrt"], 1);
			p += 2;
			continue;
		}
		unsigned u;
		if (e != 'u' || hex4(p + 2, r->end, &u)) {
			r->p = p;
			return rfail(r, "a bad escape in a string");
		}
		if (u >= 0xD800 && u < 0xDC00) { /* a surrogate pair */
			unsigned lo;
			const char *q = p + 6;
			if (r->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, r->end, &lo) || lo < 0xDC00 ||
				lo > 0xDFFF) {
				r->p = p;
				return rfail(r, "a lone surrogate in a string");
			}
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		} else if (u >= 0xDC00 && u < 0xE000) {
			r->p = p;
			return rfail(r, "a lone surrogate in a string");
		}
		put_utf8(b, u);
		p += 6;
	}
	r->p = p + 1;
	return 0;
}

/* A number at r->p, checked against JSON's grammar, copied into r->text. */
static int read_number(mlmd_json_reader *r)
{
	const char *p = r->p, *e = r->end;
	if (p < e && *p == '-')
		p++;
	const char *digits = p;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == digits || (*digits == '0' && p - digits > 1))
		return rfail(r, "a malformed number");
	if (p < e && *p == '.') {
		const char *f = ++p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return rfail(r, "a malformed number");
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		const char *x = p;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p == x)
			return rfail(r, "a malformed number");
	}
	mlmd__buf_put(&r->text, r->p, (size_t)(p - r->p));
	r->p = p;
	return 0;
}

/* NaN, -NaN, Infinity or -Infinity at r->p, when the reader allows them:
 * MLMD_JSON_NUMBER with the word as its text; 0 when none is there. */
static int read_nonfinite(mlmd_json_reader *r)
{
	static const char *const words[] = { "NaN", "-NaN", "Infinity", "-Infinity" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		size_t n = strlen(words[i]);
		if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, words[i], n)) {
			mlmd__buf_put(&r->text, r->p, n);
			r->p += n;
			return MLMD_JSON_NUMBER;
		}
	}
	return 0;
}

static int read_literal(mlmd_json_reader *r, const char *word, int token)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return unexpected(r);
	r->p += n;
	return token;
}

/* The token after a value is complete: more of its container, or the end. */
static int value_done(mlmd_json_reader *r, int token)
{
	r->state = r->depth ? R_AFTER : R_DONE;
	return token;
}

static int read_value(mlmd_json_reader *r)
{
	if (r->p >= r->end)
		return rfail(r, "a value is missing");
	int rc;
	switch (*r->p) {
	case '{':
	case '[':
		if (r->depth == r->max_depth)
			return rfail(r, "values nested deeper than %d levels", r->max_depth);
		r->object[++r->depth] = *r->p == '{';
		r->state = *r->p == '{' ? R_FIRST_KEY : R_FIRST_ITEM;
		r->p++;
		return r->object[r->depth] ? MLMD_JSON_OBJECT : MLMD_JSON_ARRAY;
	case '"':
		return (rc = read_string(r)) ? rc : value_done(r, MLMD_JSON_STRING);
	case 't':
		return (rc = read_literal(r, "true", MLMD_JSON_TRUE)) < 0 ? rc : value_done(r, rc);
	case 'f':
		return (rc = read_literal(r, "false", MLMD_JSON_FALSE)) < 0 ? rc : value_done(r, rc);
	case 'n':
		return (rc = read_literal(r, "null", MLMD_JSON_NULL)) < 0 ? rc : value_done(r, rc);
	default:
		if (r->nonfinite && (*r->p == 'N' || *r->p == 'I' || (*r->p == '-' && r->end - r->p > 1 &&
			(r->p[1] == 'N' || r->p[1] == 'I'))) && (rc = read_nonfinite(r)))
			return value_done(r, rc);
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return (rc = read_number(r)) ? rc : value_done(r, MLMD_JSON_NUMBER);
		return unexpected(r);
	}
}

/* The end of the innermost container at r->p. */
static int close_container(mlmd_json_reader *r)
{
	bool object = r->object[r->depth];
	r->depth--;
	r->p++;
	return value_done(r, object ? MLMD_JSON_OBJECT_END : MLMD_JSON_ARRAY_END);
}

static int read_token(mlmd_json_reader *r)
{
	for (;;) {
		skip_ws(r);
		bool at_end = r->p >= r->end;
		char c = at_end ? 0 : *r->p;
		switch (r->state) {
		case R_DONE:
			if (!at_end)
				return rfail(r, "text after the value");
			return MLMD_JSON_END;
		case R_VALUE:
			return read_value(r);
		case R_FIRST_ITEM:
			if (c == ']')
				return close_container(r);
			r->state = R_VALUE;
			return read_value(r);
		case R_FIRST_KEY:
			if (c == '}')
				return close_container(r);
			/* fall through */
		case R_KEY: {
			if (at_end)
				return rfail(r, "the object is not closed");
			if (c != '"')
				return rfail(r, "expected a key");
			int rc = read_string(r);
			if (rc)
				return rc;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return rfail(r, "expected ':'");
			r->p++;
			r->state = R_VALUE;
			return MLMD_JSON_KEY;
		}
		case R_AFTER: {
			bool object = r->object[r->depth];
			if (at_end)
				return rfail(r, "the %s is not closed", object ? "object" : "array");
			if (c == (object ? '}' : ']'))
				return close_container(r);
			if (c != ',')
				return rfail(r, "expected ',' or '%c'", object ? '}' : ']');
			r->p++;
			r->state = object ? R_KEY : R_VALUE;
			continue;
		}
		}
		return rfail(r, "the reader is in no known state");
	}
}

int mlmd_json_next(mlmd_json_reader *r, const char **text, size_t *len)
{
	if (text)
		*text = NULL;
	if (len)
		*len = 0;
	if (!r)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_json_next: reader is NULL");
	if (r->status)
		return r->status;
	r->text.len = 0;
	int t = read_token(r);
	if (t >= 0 && r->text.oom)
		t = r->status = MLMD_OOM();
	if (t == MLMD_JSON_NUMBER || t == MLMD_JSON_STRING || t == MLMD_JSON_KEY) {
		if (text)
			*text = r->text.p ? r->text.p : "";
		if (len)
			*len = r->text.len;
	}
	return t;
}

int mlmd_json_skip(mlmd_json_reader *r)
{
	int depth = r ? r->depth : 0;
	int t = mlmd_json_next(r, NULL, NULL);
	if (t < 0)
		return t;
	if (t == MLMD_JSON_END || t == MLMD_JSON_KEY || t == MLMD_JSON_OBJECT_END || t == MLMD_JSON_ARRAY_END)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_json_skip: no value comes next");
	while (r->depth > depth)
		if ((t = mlmd_json_next(r, NULL, NULL)) < 0)
			return t;
	return 0;
}

void mlmd__json_reader_allow_nonfinite(mlmd_json_reader *r)
{
	if (r)
		r->nonfinite = true;
}

const char *mlmd__json_reader_problem(const mlmd_json_reader *r)
{
	return r && r->status && r->problem[0] ? r->problem : "no error";
}

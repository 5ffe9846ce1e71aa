/*
 * scorer/pmml_fn.c - the string, date and distribution functions behind
 * PMML's Apply, on plain C strings and numbers (pmml_apply.c handles values,
 * missing values and argument checks).
 *
 * Strings a function makes live in a row's text (pmml_text): chunks taken
 * from the score call's pool and reused for every row, so scoring a stream
 * of rows allocates nothing once the chunks exist. A row may use a bounded
 * number of bytes; past it the allocation fails and the text says so.
 *
 * Everything here is independent of the host's locale: case mapping uses
 * its own table, numbers are formatted through mlmd__snprintf, dates with
 * English names, and regular expressions (POSIX extended) are compiled and
 * run in the "C" locale, so they match bytes.
 */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include "../util/base.h"
#include "pmml_fn.h"

/* ---- a row's text ---------------------------------------------------------------- */

struct pmml_chunk {
	pmml_chunk *next;
	size_t cap;
	char data[];
};

void mlmd__pmml_text_init(pmml_text *t, sc_pool *pool, size_t cap)
{
	*t = (pmml_text){ .pool = pool, .cap = cap };
}

void mlmd__pmml_text_reset(pmml_text *t)
{
	t->cur = t->first;
	t->used = 0;
	t->row = 0;
	t->failed = false;
}

char *mlmd__pmml_text_alloc(pmml_text *t, size_t n)
{
	if (t->failed || n > t->cap - t->row) {
		t->failed = true;
		return NULL;
	}
	while (t->cur && t->cur->cap - t->used < n) { /* on to a later chunk this row has not used yet */
		t->cur = t->cur->next;
		t->used = 0;
	}
	if (!t->cur) {
		size_t size = t->last ? t->last->cap * 2 : 4096;
		if (size < n)
			size = n;
		pmml_chunk *c = mlmd__sc_alloc(t->pool, sizeof *c + size);
		if (!c) {
			t->failed = true;
			return NULL;
		}
		c->cap = size;
		if (t->last)
			t->last->next = c;
		else
			t->first = c;
		t->last = t->cur = c;
		t->used = 0;
	}
	char *p = t->cur->data + t->used;
	t->used += n;
	t->row += n;
	return p;
}

bool mlmd__pmml_text_owns(const pmml_text *t, const char *p)
{
	for (const pmml_chunk *c = t->first; c; c = c->next)
		if (p >= c->data && p < c->data + c->cap)
			return true;
	return false;
}

void mlmd__pmml_sb_put(pmml_sb *b, const char *s, size_t n)
{
	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = mlmd__pmml_text_alloc(b->t, cap); /* (the old space is the row's until the next row) */
		if (!p) {
			b->ok = false;
			return;
		}
		if (b->len)
			memcpy(p, b->p, b->len);
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

const char *mlmd__pmml_sb_done(pmml_sb *b)
{
	if (b->ok && !b->p)
		mlmd__pmml_sb_put(b, "", 0);
	return b->ok ? b->p : NULL;
}

/* ---- UTF-8 and case ------------------------------------------------------------------ */

/* Decodes one character at s (NUL-terminated); a byte that does not start a
 * valid sequence is a character of its own. Returns its length in bytes. */
static size_t u8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	if (n == 1 || n == 0) {
		*cp = c;
		return 1;
	}
	uint32_t v = c & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = c;
			return 1;
		}
		v = v << 6 | (s[i] & 0x3F);
	}
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (v < least[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = c;
		return 1;
	}
	*cp = v;
	return n;
}

static size_t u8_put(char *o, uint32_t v)
{
	if (v < 0x80) {
		o[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		o[0] = (char)(0xC0 | v >> 6);
		o[1] = (char)(0x80 | (v & 0x3F));
		return 2;
	}
	if (v < 0x10000) {
		o[0] = (char)(0xE0 | v >> 12);
		o[1] = (char)(0x80 | (v >> 6 & 0x3F));
		o[2] = (char)(0x80 | (v & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | v >> 18);
	o[1] = (char)(0x80 | (v >> 12 & 0x3F));
	o[2] = (char)(0x80 | (v >> 6 & 0x3F));
	o[3] = (char)(0x80 | (v & 0x3F));
	return 4;
}

/* Case pairs laid out as upper = lower - 1 within [lo, hi] (Latin Extended-A and Cyrillic). */
static bool pair_range(uint32_t c, uint32_t lo, uint32_t hi)
{
	return c >= lo && c <= hi;
}

static uint32_t upper_of(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	if (c == 0xB5)
		return 0x39C;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return c - 0x20;
	if (c == 0xFF)
		return 0x178;
	if (c == 0x131)
		return 'I';
	if (c == 0x17F)
		return 'S';
	if (pair_range(c, 0x100, 0x12F) || pair_range(c, 0x132, 0x137) || pair_range(c, 0x14A, 0x177))
		return c & 1 ? c - 1 : c;
	if (pair_range(c, 0x139, 0x148) || pair_range(c, 0x179, 0x17E))
		return c & 1 ? c : c - 1;
	if ((c >= 0x3B1 && c <= 0x3C1) || (c >= 0x3C3 && c <= 0x3CB))
		return c - 0x20;
	if (c == 0x3C2)
		return 0x3A3;
	if (c == 0x3AC)
		return 0x386;
	if (c >= 0x3AD && c <= 0x3AF)
		return c - 0x25;
	if (c == 0x3CC)
		return 0x38C;
	if (c == 0x3CD || c == 0x3CE)
		return c - 0x3F;
	if (c >= 0x430 && c <= 0x44F)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45F)
		return c - 0x50;
	if (pair_range(c, 0x460, 0x481) || pair_range(c, 0x48A, 0x4BF))
		return c & 1 ? c - 1 : c;
	return c;
}

static uint32_t lower_of(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 0x20;
	if (c == 0x178)
		return 0xFF;
	if (c == 0x130)
		return 'i';
	if (pair_range(c, 0x100, 0x12F) || pair_range(c, 0x132, 0x137) || pair_range(c, 0x14A, 0x177))
		return c & 1 ? c : c + 1;
	if (pair_range(c, 0x139, 0x148) || pair_range(c, 0x179, 0x17E))
		return c & 1 ? c + 1 : c;
	if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB))
		return c + 0x20;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 0x25;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 0x3F;
	if (c >= 0x410 && c <= 0x42F)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (pair_range(c, 0x460, 0x481) || pair_range(c, 0x48A, 0x4BF))
		return c & 1 ? c : c + 1;
	return c;
}

/* uppercase/lowercase. Case is mapped for ASCII, Latin-1, Latin Extended-A,
 * Greek and Cyrillic (every mapping there keeps or shortens the encoding, so
 * the result fits the input's length); other characters, and bytes that are
 * not UTF-8, are kept. */
const char *mlmd__pmml_case(pmml_text *t, const char *s, bool upper)
{
	size_t len = strlen(s);
	char *o = mlmd__pmml_text_alloc(t, len + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c;
		size_t n = u8_next(p, &c);
		/* (a byte that is no UTF-8 is kept as it is: mapped, it would take two bytes) */
		uint32_t m = n == 1 && c >= 0x80 ? c : upper ? upper_of(c) : lower_of(c);
		if (m == c)
			memcpy(o + k, p, n), k += n;
		else
			k += u8_put(o + k, m);
		p += n;
	}
	o[k] = '\0';
	return o;
}

int64_t mlmd__pmml_strlen(const char *s)
{
	int64_t n = 0;
	uint32_t c;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++)
		p += u8_next(p, &c);
	return n;
}

/* substring: `len` characters from the 1-based position `start` (fewer at the end). */
const char *mlmd__pmml_substring(pmml_text *t, const char *s, int64_t start, int64_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	for (int64_t i = 1; i < start && *p; i++)
		p += u8_next(p, &c);
	const unsigned char *e = p;
	for (int64_t i = 0; i < len && *e; i++)
		e += u8_next(e, &c);
	size_t n = (size_t)(e - p);
	char *o = mlmd__pmml_text_alloc(t, n + 1);
	if (!o)
		return NULL;
	memcpy(o, p, n);
	o[n] = '\0';
	return o;
}

/* trimBlanks: without leading and trailing blanks (spaces and control characters). */
const char *mlmd__pmml_trim(pmml_text *t, const char *s)
{
	while (*s && (unsigned char)*s <= ' ')
		s++;
	size_t n = strlen(s);
	while (n && (unsigned char)s[n - 1] <= ' ')
		n--;
	char *o = mlmd__pmml_text_alloc(t, n + 1);
	if (!o)
		return NULL;
	memcpy(o, s, n);
	o[n] = '\0';
	return o;
}

/* ---- regular expressions ----------------------------------------------------------- */

int mlmd__pmml_regcomp(regex_t *re, const char *pattern, char *err, size_t errlen)
{
	locale_t old = mlmd__c_locale_enter();
	int rc = regcomp(re, pattern, REG_EXTENDED);
	if (rc)
		regerror(rc, re, err, errlen); /* (a failed regcomp leaves nothing to free) */
	mlmd__c_locale_leave(old);
	return rc;
}

static int run_regex(const regex_t *re, const char *s, size_t nm, regmatch_t *m, int flags)
{
	locale_t old = mlmd__c_locale_enter();
	int rc = regexec(re, s, nm, m, flags);
	mlmd__c_locale_leave(old);
	return rc;
}

/* matches: whether any part of s matches. */
bool mlmd__pmml_matches(const regex_t *re, const char *s)
{
	return run_regex(re, s, 0, NULL, 0) == 0;
}

int mlmd__pmml_replacement_check(const char *repl, size_t ngroups)
{
	for (const char *p = repl; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return -1;
			p++;
		} else if (*p == '$') {
			if (p[1] < '0' || p[1] > '9' || (size_t)(p[1] - '0') > ngroups)
				return -1;
			p++;
		}
	}
	return 0;
}

/* replace: every match of re in s (left to right, not overlapping) becomes
 * repl, where $0..$9 stand for the match and its groups and a backslash
 * takes the next character as it is. NULL for an invalid replacement (the
 * text's failed flag tells an allocation failure apart). */
const char *mlmd__pmml_replace(pmml_text *t, const regex_t *re, const char *s, const char *repl)
{
	if (mlmd__pmml_replacement_check(repl, re->re_nsub))
		return NULL;
	pmml_sb b = { .t = t, .ok = true };
	size_t len = strlen(s), off = 0;
	regmatch_t m[10];
	while (off <= len) {
		if (run_regex(re, s + off, 10, m, off ? REG_NOTBOL : 0))
			break;
		size_t so = off + (size_t)m[0].rm_so, eo = off + (size_t)m[0].rm_eo;
		mlmd__pmml_sb_put(&b, s + off, so - off);
		for (const char *p = repl; *p; p++) {
			if (*p == '\\') {
				mlmd__pmml_sb_put(&b, ++p, 1);
			} else if (*p == '$') {
				int g = *++p - '0';
				if (g < 10 && m[g].rm_so >= 0)
					mlmd__pmml_sb_put(&b, s + off + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
			} else {
				mlmd__pmml_sb_put(&b, p, 1);
			}
		}
		if (eo == so) { /* an empty match: keep the next byte and look again after it */
			if (so >= len) {
				off = len + 1;
				break;
			}
			mlmd__pmml_sb_put(&b, s + so, 1);
			off = so + 1;
		} else {
			off = eo;
		}
	}
	if (off <= len)
		mlmd__pmml_sb_put(&b, s + off, len - off);
	return mlmd__pmml_sb_done(&b);
}

/* ---- formatNumber ---------------------------------------------------------------------- */

#define FMT_MAX_WIDTH 1000

/* Checks a formatNumber pattern: text with exactly one printf conversion
 * (flags "-+ #0", a width and a precision of at most 1000, and one of
 * d i o u x X e E f F g G a A) and any number of "%%". Writes the pattern to
 * run into out (room for strlen(pattern) + 3): integer conversions get the
 * "ll" length, as they are given a long long. */
int mlmd__pmml_numfmt_compile(const char *pattern, char *out, char *conv, char *err, size_t errlen)
{
	int found = 0;
	size_t k = 0;
	for (const char *p = pattern; *p; p++) {
		out[k++] = *p;
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			out[k++] = *++p;
			continue;
		}
		if (found++) {
			snprintf(err, errlen, "more than one conversion");
			return -1;
		}
		p++;
		while (*p && strchr("-+ #0", *p))
			out[k++] = *p++;
		long width = 0, prec = 0;
		while (*p >= '0' && *p <= '9') {
			width = width * 10 + (*p - '0');
			if (width > FMT_MAX_WIDTH) {
				snprintf(err, errlen, "a width over %d", FMT_MAX_WIDTH);
				return -1;
			}
			out[k++] = *p++;
		}
		if (*p == '.') {
			out[k++] = *p++;
			while (*p >= '0' && *p <= '9') {
				prec = prec * 10 + (*p - '0');
				if (prec > FMT_MAX_WIDTH) {
					snprintf(err, errlen, "a precision over %d", FMT_MAX_WIDTH);
					return -1;
				}
				out[k++] = *p++;
			}
		}
		if (!*p || !strchr("diouxXeEfFgGaA", *p)) {
			snprintf(err, errlen, "'%c' is not a supported conversion (d i o u x X e E f F g G a A)", *p ? *p : '?');
			return -1;
		}
		*conv = *p;
		if (strchr("diouxX", *p)) {
			out[k++] = 'l';
			out[k++] = 'l';
		}
		out[k++] = *p;
	}
	out[k] = '\0';
	if (!found) {
		snprintf(err, errlen, "no conversion (such as %%d or %%.2f)");
		return -1;
	}
	return 0;
}

/* formatNumber: x through a compiled pattern; integer conversions take x
 * truncated toward zero. NULL when x does not fit (or the text is full). */
const char *mlmd__pmml_format_number(pmml_text *t, const char *fmt, char conv, double x)
{
	bool integer = strchr("diouxX", conv) != NULL;
	if (integer && !(x > -9.2e18 && x < 9.2e18))
		return NULL;
	long long v = integer ? (long long)x : 0;
	int n = !integer ? mlmd__snprintf(NULL, 0, fmt, x) : conv == 'd' || conv == 'i' ?
		mlmd__snprintf(NULL, 0, fmt, v) : mlmd__snprintf(NULL, 0, fmt, (unsigned long long)v);
	if (n < 0)
		return NULL;
	char *o = mlmd__pmml_text_alloc(t, (size_t)n + 1);
	if (!o)
		return NULL;
	if (!integer)
		mlmd__snprintf(o, (size_t)n + 1, fmt, x);
	else if (conv == 'd' || conv == 'i')
		mlmd__snprintf(o, (size_t)n + 1, fmt, v);
	else
		mlmd__snprintf(o, (size_t)n + 1, fmt, (unsigned long long)v);
	return o;
}

/* ---- dates and times -------------------------------------------------------------------- */

static bool digits(const char **s, int n, int64_t *out)
{
	int64_t v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool parse_time(const char **s, int32_t *secs)
{
	int64_t h, mi, se;
	const char *p = *s;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &se))
		return false;
	if (h > 23 || mi > 59 || se > 59)
		return false;
	if (*p == '.') { /* fractions of a second are dropped */
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	*s = p;
	*secs = (int32_t)(h * 3600 + mi * 60 + se);
	return true;
}

/* Reads an ISO 8601 date ("2004-08-20"), date and time ("2004-08-20T13:45:00",
 * a space for the T, optional fractions of a second and a final Z) or time
 * ("13:45:00"). Other time zones are refused (a value in another zone is not
 * the same local time). */
bool mlmd__pmml_parse_dt(const char *s, pmml_dt *out)
{
	*out = (pmml_dt){ 0 };
	while (*s == ' ')
		s++;
	const char *p = s;
	if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] == ':') {
		if (!parse_time(&p, &out->secs))
			return false;
		out->has_time = true;
	} else {
		bool neg = *p == '-';
		p += neg;
		int64_t y = 0, m, d;
		int nd = 0;
		while (p[nd] >= '0' && p[nd] <= '9' && nd < 9)
			nd++;
		if (nd < 4 || !digits(&p, nd, &y) || *p++ != '-' || !digits(&p, 2, &m) || *p++ != '-' || !digits(&p, 2, &d))
			return false;
		if (neg)
			y = -y;
		static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
			return false;
		out->days = mlmd__days_from_civil(y, (int)m, (int)d);
		out->has_date = true;
		if (*p == 'T' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
			p++;
			if (!parse_time(&p, &out->secs))
				return false;
			out->has_time = true;
		}
	}
	if (*p == 'Z')
		p++;
	while (*p == ' ')
		p++;
	return *p == '\0';
}

static const char *const MONTHS[] = { "January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December" };
static const char *const DAYS[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

/* The conversions formatDatetime takes, after '%': the date ones, then the time ones. */
static const char DATE_CONV[] = "YyCmdejbhBaAuwFD";
static const char TIME_CONV[] = "HIMSpTR";

int mlmd__pmml_dtfmt_check(const char *pattern, char *err, size_t errlen)
{
	for (const char *p = pattern; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (!*p || (!strchr(DATE_CONV, *p) && !strchr(TIME_CONV, *p) && !strchr("%nt", *p))) {
			snprintf(err, errlen, "'%%%c' is not a supported conversion (%%Y %%y %%C %%m %%d %%e %%j %%b %%h %%B %%a "
				"%%A %%u %%w %%F %%D %%H %%I %%M %%S %%p %%T %%R %%n %%t %%%%)", *p ? *p : '?');
			return -1;
		}
	}
	return 0;
}

/* formatDatetime: strftime's conversions in English, whatever the locale.
 * A date conversion on a time of day (or the reverse, on a date: midnight
 * is used) gives NULL for the first. */
const char *mlmd__pmml_format_dt(pmml_text *t, const char *pattern, const pmml_dt *dt)
{
	pmml_sb b = { .t = t, .ok = true };
	int64_t y = 1970;
	int m = 1, d = 1;
	mlmd__civil_from_days(dt->days, &y, &m, &d);
	int wday = (int)(((dt->days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	int yday = (int)(dt->days - mlmd__days_from_civil(y, 1, 1)) + 1;
	int hh = dt->secs / 3600, mm = dt->secs / 60 % 60, ss = dt->secs % 60;
	char buf[64];
	for (const char *p = pattern; *p; p++) {
		if (*p != '%') {
			mlmd__pmml_sb_put(&b, p, 1);
			continue;
		}
		char c = *++p;
		if (strchr(DATE_CONV, c) && !dt->has_date)
			return NULL;
		buf[0] = '\0';
		switch (c) {
		case 'Y': snprintf(buf, sizeof buf, "%lld", (long long)y); break;
		case 'y': snprintf(buf, sizeof buf, "%02d", (int)(((y % 100) + 100) % 100)); break;
		case 'C': snprintf(buf, sizeof buf, "%02lld", (long long)(y >= 0 ? y / 100 : (y - 99) / 100)); break;
		case 'm': snprintf(buf, sizeof buf, "%02d", m); break;
		case 'd': snprintf(buf, sizeof buf, "%02d", d); break;
		case 'e': snprintf(buf, sizeof buf, "%2d", d); break;
		case 'j': snprintf(buf, sizeof buf, "%03d", yday); break;
		case 'b': case 'h': snprintf(buf, sizeof buf, "%.3s", MONTHS[m - 1]); break;
		case 'B': snprintf(buf, sizeof buf, "%s", MONTHS[m - 1]); break;
		case 'a': snprintf(buf, sizeof buf, "%.3s", DAYS[wday]); break;
		case 'A': snprintf(buf, sizeof buf, "%s", DAYS[wday]); break;
		case 'u': snprintf(buf, sizeof buf, "%d", wday ? wday : 7); break;
		case 'w': snprintf(buf, sizeof buf, "%d", wday); break;
		case 'F': snprintf(buf, sizeof buf, "%lld-%02d-%02d", (long long)y, m, d); break;
		case 'D': snprintf(buf, sizeof buf, "%02d/%02d/%02d", m, d, (int)(((y % 100) + 100) % 100)); break;
		case 'H': snprintf(buf, sizeof buf, "%02d", hh); break;
		case 'I': snprintf(buf, sizeof buf, "%02d", hh % 12 ? hh % 12 : 12); break;
		case 'M': snprintf(buf, sizeof buf, "%02d", mm); break;
		case 'S': snprintf(buf, sizeof buf, "%02d", ss); break;
		case 'p': snprintf(buf, sizeof buf, "%s", hh < 12 ? "AM" : "PM"); break;
		case 'T': snprintf(buf, sizeof buf, "%02d:%02d:%02d", hh, mm, ss); break;
		case 'R': snprintf(buf, sizeof buf, "%02d:%02d", hh, mm); break;
		case 'n': snprintf(buf, sizeof buf, "\n"); break;
		case 't': snprintf(buf, sizeof buf, "\t"); break;
		default: snprintf(buf, sizeof buf, "%%"); break; /* "%%" (others were refused at load) */
		}
		mlmd__pmml_sb_put(&b, buf, strlen(buf));
	}
	return mlmd__pmml_sb_done(&b);
}

/* ---- the normal distribution -------------------------------------------------------------- */

/* The standard normal quantile: a rational first guess (Abramowitz and
 * Stegun 26.2.23, within 4.5e-4) refined by Newton steps on the lower tail,
 * computed with erfc so the tails keep their precision. */
double mlmd__pmml_norm_quantile(double p)
{
	if (!(p > 0 && p < 1))
		return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
	if (p > 0.5)
		return -mlmd__pmml_norm_quantile(1 - p);
	double t = sqrt(-2 * log(p));
	double x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t +
		0.001308 * t * t * t));
	for (int i = 0; i < 8; i++) {
		double cdf = 0.5 * erfc(-x / sqrt(2.0));
		double pdf = exp(-0.5 * x * x) / sqrt(2 * 3.14159265358979323846);
		if (pdf <= 0)
			break;
		double step = (cdf - p) / pdf;
		x -= step;
		if (fabs(step) <= 1e-15 * (fabs(x) + 1e-300))
			break;
	}
	return x;
}

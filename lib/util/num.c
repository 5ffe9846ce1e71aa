/*
 * util/num.c - numbers read and written the same way in every locale.
 *
 * strtod() and printf("%g") follow LC_NUMERIC, so a host that called
 * setlocale(LC_ALL, "") in a comma-decimal locale would read "1.5" as 1 and
 * print 1.5 as "1,5". Every number the library parses or prints goes through
 * the functions here instead, which run the C library's conversions under the
 * "C" locale for the calling thread only (uselocale, POSIX 2008) and put the
 * thread's own locale back before returning.
 *
 * The "C" locale object is created once per process (pthread_once) and never
 * changes afterwards; it is the only process-wide state of the library.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Switches this thread to the C locale; returns what to restore, or 0 when
 * the C locale could not be made (then the thread's locale is kept). */
static locale_t enter_c(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale ? uselocale(c_locale) : (locale_t)0;
}

static void leave_c(locale_t old)
{
	if (old)
		uselocale(old);
}

locale_t mlmd__c_locale_enter(void)
{
	return enter_c();
}

void mlmd__c_locale_leave(locale_t old)
{
	leave_c(old);
}

double mlmd__strtod(const char *s, char **end)
{
	locale_t old = enter_c();
	double d = strtod(s, end);
	leave_c(old);
	return d;
}

float mlmd__strtof(const char *s, char **end)
{
	locale_t old = enter_c();
	float f = strtof(s, end);
	leave_c(old);
	return f;
}

/* Length of a decimal number at s[0..n): [+-] digits [. digits] [e [+-] digits],
 * with at least one digit before the exponent; 0 when there is none. */
static size_t decimal_len(const char *s, size_t n)
{
	size_t i = 0, digits = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, digits++;
	}
	if (!digits)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1, ed = 0;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		while (j < n && isdigit((unsigned char)s[j]))
			j++, ed++;
		if (!ed)
			return 0; /* "1e" is not a number */
		i = j;
	}
	return i;
}

static int word_is(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	if (n != k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)s[i]) != w[i])
			return 0;
	return 1;
}

int mlmd__parse_double(const char *s, size_t n, unsigned flags, double *out)
{
	if (flags & MLMD_NUM_TRIM) {
		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
	}
	if (!n)
		return MLMD_NUM_BAD;
	size_t len = decimal_len(s, n);
	if (len != n) {
		if (!(flags & MLMD_NUM_NONFINITE))
			return MLMD_NUM_BAD;
		const char *w = s;
		size_t wn = n;
		int neg = 0;
		if (*w == '+' || *w == '-')
			neg = *w == '-', w++, wn--;
		if (word_is(w, wn, "inf") || word_is(w, wn, "infinity")) {
			*out = neg ? -INFINITY : INFINITY;
			return 0;
		}
		if (word_is(w, wn, "nan")) {
			*out = NAN;
			return 0;
		}
		return MLMD_NUM_BAD;
	}
	/* strtod needs a terminated string: copy short numbers to the stack. */
	char tmp[128], *buf = tmp;
	if (n >= sizeof tmp) {
		buf = malloc(n + 1);
		if (!buf)
			return MLMD_NUM_BAD;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	char *end;
	double d = mlmd__strtod(buf, &end);
	int range = errno == ERANGE && isinf(d);
	if (buf != tmp)
		free(buf);
	if (range)
		return MLMD_NUM_RANGE;
	*out = d;
	return 0;
}

int mlmd__vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	locale_t old = enter_c();
	int r = vsnprintf(buf, n, fmt, ap);
	leave_c(old);
	return r;
}

int mlmd__snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = mlmd__vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

const char *mlmd__fmt_double(char *buf, size_t n, double v, int precision)
{
	mlmd__snprintf(buf, n, "%.*g", precision, v);
	return buf;
}

int mlmd_double_parse(const char *s, size_t len, double *out)
{
	if (!s || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_double_parse: NULL argument");
	int rc = mlmd__parse_double(s, len, MLMD_NUM_TRIM | MLMD_NUM_NONFINITE, out);
	if (rc == MLMD_NUM_RANGE)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "number '%.*s' is too large for a double",
				  (int)(len > 64 ? 64 : len), s);
	if (rc)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "'%.*s' is not a decimal number", (int)(len > 64 ? 64 : len), s);
	return 0;
}

int mlmd_double_format(char *buf, size_t size, double v, int precision)
{
	if (precision > 0)
		return mlmd__snprintf(buf, size, "%.*g", precision > 17 ? 17 : precision, v);
	if (v != v || isinf(v) || v == 0)
		return mlmd__snprintf(buf, size, "%g", v);
	/* The shortest of %.1g ... %.17g that reads back exactly (17 always does). */
	char tmp[40];
	for (int p = 1; p <= 17; p++) {
		mlmd__snprintf(tmp, sizeof tmp, "%.*g", p, v);
		if (mlmd__strtod(tmp, NULL) == v)
			break;
	}
	size_t n = strlen(tmp);
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(buf, tmp, k);
		buf[k] = '\0';
	}
	return (int)n;
}

/*
 * store/testing_lex.c - the lineage notation's tokens (store/testing_lex.h):
 * scanning, the values of property tokens (integers, decimals read in the
 * "C" locale, strings with their escapes, booleans) and error messages
 * that name a token's line and column.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "testing_lex.h"

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '/';
}

/* Scans the token at the lexer's position into *t and moves past it. */
void mlmd__tlex_next(lexer *lx, tok *t)
{
	const char *s = lx->s;
	for (;;) {
		char c = s[lx->pos];
		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '#') {
			while (s[lx->pos] && s[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
	size_t start = lx->pos;
	char c = s[start];
	t->p = s + start;
	t->line = lx->line;
	t->col = (int)(start - lx->line_start) + 1;
	t->n = 1;
	switch (c) {
	case '\0':
		t->kind = T_EOF;
		t->n = 0;
		return;
	case '\n':
		t->kind = T_SEP;
		lx->pos++;
		lx->line++;
		lx->line_start = lx->pos;
		return;
	case ';': t->kind = T_SEP; lx->pos++; return;
	case ':': t->kind = T_COLON; lx->pos++; return;
	case '(': t->kind = T_LPAREN; lx->pos++; return;
	case ')': t->kind = T_RPAREN; lx->pos++; return;
	case '{': t->kind = T_LBRACE; lx->pos++; return;
	case '}': t->kind = T_RBRACE; lx->pos++; return;
	case '=': t->kind = T_EQ; lx->pos++; return;
	case ',': t->kind = T_COMMA; lx->pos++; return;
	case '\'': {
		/* Up to the closing quote (escapes checked when decoded), or to
		 * the end of the line when there is none. */
		size_t i = start + 1;
		while (s[i] && s[i] != '\n' && s[i] != '\'') {
			if (s[i] == '\\' && s[i + 1] && s[i + 1] != '\n')
				i++;
			i++;
		}
		t->kind = T_STRING;
		t->n = (s[i] == '\'' ? i + 1 : i) - start;
		lx->pos = start + t->n;
		return;
	}
	default:
		break;
	}
	if (c == '-' && s[start + 1] == '>') {
		t->kind = T_ARROW;
		t->n = 2;
		lx->pos += 2;
		return;
	}
	if (is_alpha(c)) {
		size_t i = start + 1;
		while (is_name_char(s[i]) && !(s[i] == '-' && s[i + 1] == '>'))
			i++;
		t->kind = T_NAME;
		t->n = i - start;
		lx->pos = i;
		return;
	}
	if (is_digit(c) || ((c == '-' || c == '+') && is_digit(s[start + 1]))) {
		size_t i = start + 1;
		while (is_digit(s[i]))
			i++;
		if (s[i] == '.' && is_digit(s[i + 1])) {
			i++;
			while (is_digit(s[i]))
				i++;
		}
		if ((s[i] == 'e' || s[i] == 'E') &&
		    (is_digit(s[i + 1]) || ((s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2])))) {
			i += 2;
			while (is_digit(s[i]))
				i++;
		}
		/* "12abc" or "1.2.3" is one malformed token, not a number and a name. */
		while (is_name_char(s[i]) && !(s[i] == '-' && s[i + 1] == '>'))
			i++;
		t->kind = T_NUMBER;
		t->n = i - start;
		lx->pos = i;
		return;
	}
	t->kind = T_BAD;
	lx->pos++;
}

/* The token as an error shows it: 'text' (cut at 40 bytes), a byte that is
 * not printable ASCII as '\xNN', or "end of line" / "end of text". */
static void tok_render(const tok *t, char *buf, size_t n)
{
	if (t->kind == T_EOF) {
		mlmd__snprintf(buf, n, "end of text");
	} else if (t->kind == T_SEP && t->p[0] == '\n') {
		mlmd__snprintf(buf, n, "end of line");
	} else if (t->kind == T_BAD && ((unsigned char)t->p[0] < 0x20 || (unsigned char)t->p[0] > 0x7e)) {
		mlmd__snprintf(buf, n, "'\\x%02x'", (unsigned char)t->p[0]);
	} else {
		size_t len = t->n, cut = 40;
		/* Never cut inside a UTF-8 sequence of a string token. */
		while (len > cut && cut > 0 && ((unsigned char)t->p[cut] & 0xc0) == 0x80)
			cut--;
		if (len > 40)
			mlmd__snprintf(buf, n, "'%.*s...'", (int)cut, t->p);
		else
			mlmd__snprintf(buf, n, "'%.*s'", (int)len, t->p);
	}
}

/* INVALID_ARGUMENT at token t: "line L, column C: <what>, got <token>". */
int mlmd__tlex_fail(const tok *t, const char *what)
{
	char got[64];
	tok_render(t, got, sizeof got);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "line %d, column %d: %s, got %s", t->line, t->col, what,
			  got);
}

int mlmd__tlex_is(const tok *t, const char *word)
{
	return t->kind == T_NAME && strlen(word) == t->n && memcmp(t->p, word, t->n) == 0;
}

/* The value of hex digit c, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes string token t (quotes included) into a new string in *out. The
 * lexer ends a string token at its closing quote or at the end of the line. */
static int decode_string(const tok *t, char **out)
{
	char *s = malloc(t->n);
	if (!s)
		return MLMD_OOM();
	size_t o = 0, i = 1;
	int closed = 0;
	while (i < t->n) {
		char c = t->p[i];
		if (c == '\'') {
			closed = 1;
			break;
		}
		if (c != '\\') {
			s[o++] = c;
			i++;
			continue;
		}
		if (i + 1 >= t->n)
			break;
		char e = t->p[i + 1];
		if (e == 'x') {
			/* \xNN: an ASCII byte other than NUL, as snapshots write
			 * control characters */
			int hi = i + 3 < t->n ? hex_digit(t->p[i + 2]) : -1;
			int lo = hi >= 0 ? hex_digit(t->p[i + 3]) : -1;
			int v = hi * 16 + lo;
			if (hi < 0 || lo < 0 || v == 0 || v > 0x7f) {
				free(s);
				tok et = *t;
				et.p = t->p + i;
				et.n = hi >= 0 && lo >= 0 ? 4 : 2;
				et.col = t->col + (int)i;
				return mlmd__tlex_fail(&et, "\\x in a string takes two hex digits, 01 to 7f");
			}
			s[o++] = (char)v;
			i += 4;
			continue;
		}
		if (e != '\'' && e != '\\') {
			free(s);
			tok et = *t;
			et.p = t->p + i;
			et.n = 2;
			et.col = t->col + (int)i;
			return mlmd__tlex_fail(&et, "unknown escape in a string (the escapes are \\', \\\\ and \\xNN)");
		}
		s[o++] = e;
		i += 2;
	}
	if (!closed) {
		free(s);
		return mlmd__tlex_fail(t, "unterminated string (a string ends with ' on its line)");
	}
	s[o] = '\0';
	if (!mlmd__utf8_valid(s, o)) {
		free(s);
		return mlmd__tlex_fail(t, "string is not valid UTF-8");
	}
	*out = s;
	return 0;
}

/* The value token t (a string, a number, true or false) into pr. */
int mlmd__tlex_value(const tok *t, mlmd__tprop *pr)
{
	if (t->kind == T_STRING) {
		int rc = decode_string(t, &pr->s);
		if (rc)
			return rc;
		pr->kind = MLMD__TVAL_STRING;
	} else if (mlmd__tlex_is(t, "true") || mlmd__tlex_is(t, "false")) {
		pr->kind = MLMD__TVAL_BOOL;
		pr->b = mlmd__tlex_is(t, "true");
	} else if (t->kind == T_NUMBER) {
		/* An integer is a sign and digits only; anything else the lexer
		 * took as a number is a decimal or malformed (mlmd__parse_double
		 * says which). */
		int is_int = 1;
		for (size_t i = (t->p[0] == '-' || t->p[0] == '+'); i < t->n; i++)
			if (!is_digit(t->p[i]))
				is_int = 0;
		if (is_int) {
			/* Accumulate as a negative number so INT64_MIN fits. */
			int neg = t->p[0] == '-';
			int64_t v = 0;
			for (size_t i = (t->p[0] == '-' || t->p[0] == '+'); i < t->n; i++) {
				int d = t->p[i] - '0';
				if (v < (INT64_MIN + d) / 10)
					return mlmd__tlex_fail(t, "integer out of range (64-bit signed)");
				v = v * 10 - d;
			}
			if (!neg && v == INT64_MIN)
				return mlmd__tlex_fail(t, "integer out of range (64-bit signed)");
			pr->kind = MLMD__TVAL_INT;
			pr->i = neg ? v : -v;
		} else {
			double d;
			int rc = mlmd__parse_double(t->p, t->n, 0, &d);
			if (rc == MLMD_NUM_RANGE)
				return mlmd__tlex_fail(t, "number out of range (a double)");
			if (rc)
				return mlmd__tlex_fail(t, "malformed number");
			pr->kind = MLMD__TVAL_DOUBLE;
			pr->d = d;
		}
	} else {
		return mlmd__tlex_fail(t, "expected a value (an integer, a decimal, a 'string', true or false)");
	}
	return 0;
}

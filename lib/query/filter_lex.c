/*
 * query/filter_lex.c - the filter language's lexer: tokens from the query
 * text (names, backquoted names, numbers, strings, operators, keywords),
 * and the position-annotated errors the parser reports through it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "filter_parse.h"

#define perr mlmd__filter_err
#define is_word mlmd__filter_is_word

static void line_col(const parser *p, size_t pos, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos && i < p->n; i++) {
		if (p->src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int mlmd__filter_err(parser *p, size_t pos, const char *fmt, ...)
{
	if (p->rc)
		return p->rc;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line, col;
	line_col(p, pos, &line, &col);
	p->rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "filter_query: %d:%d: %s", line, col, msg);
	return p->rc;
}

const char *mlmd__filter_tok_show(const parser *p, const token *t, char *buf, size_t cap)
{
	if (t->t == T_EOF)
		return "end of query";
	size_t n = t->len < 40 ? t->len : 40;
	snprintf(buf, cap, "'%.*s%s'", (int)n, p->src + t->pos, t->len > 40 ? "..." : "");
	return buf;
}

static const struct {
	const char *w;
	enum tok t;
} keywords[] = {
	{ "AND", T_AND }, { "OR", T_OR }, { "NOT", T_NOT }, { "IN", T_IN }, { "LIKE", T_LIKE },
	{ "IS", T_IS }, { "NULL", T_NULL }, { "TRUE", T_TRUE }, { "FALSE", T_FALSE },
};

/* Reads a quoted string starting at p->at (the quote). Accepts backslash
 * escapes and a doubled quote for the quote itself. */
static int lex_string(parser *p, token *t)
{
	char q = p->src[p->at];
	size_t i = p->at + 1;
	mlmd_buf b = { 0 };
	for (;;) {
		if (i >= p->n) {
			mlmd__buf_free(&b);
			return perr(p, t->pos, "unterminated string starting here");
		}
		char c = p->src[i];
		if (c == q) {
			if (i + 1 < p->n && p->src[i + 1] == q) {
				mlmd__buf_put(&b, &q, 1);
				i += 2;
				continue;
			}
			i++;
			break;
		}
		if (c == '\\') {
			if (i + 1 >= p->n) {
				mlmd__buf_free(&b);
				return perr(p, i, "unterminated escape in string");
			}
			char e = p->src[i + 1], o;
			switch (e) {
			case 'n': o = '\n'; break;
			case 't': o = '\t'; break;
			case 'r': o = '\r'; break;
			case '\\': case '\'': case '"': case '`': o = e; break;
			default:
				mlmd__buf_free(&b);
				return perr(p, i, "unknown escape '\\%c' in string", isprint((unsigned char)e) ? e : '?');
			}
			mlmd__buf_put(&b, &o, 1);
			i += 2;
			continue;
		}
		if (c == '\0') {
			mlmd__buf_free(&b);
			return perr(p, i, "NUL byte inside string");
		}
		mlmd__buf_put(&b, &c, 1);
		i++;
	}
	mlmd__buf_put(&b, "", 1);
	if (b.oom) {
		mlmd__buf_free(&b);
		return p->rc = MLMD_OOM();
	}
	t->t = T_STRING;
	t->text = b.p;
	p->at = i;
	return 0;
}

static int lex_number(parser *p, token *t)
{
	size_t i = p->at;
	int is_float = 0;
	while (i < p->n && isdigit((unsigned char)p->src[i]))
		i++;
	if (i < p->n && p->src[i] == '.' && i + 1 < p->n && isdigit((unsigned char)p->src[i + 1])) {
		is_float = 1;
		i++;
		while (i < p->n && isdigit((unsigned char)p->src[i]))
			i++;
	}
	if (i < p->n && (p->src[i] == 'e' || p->src[i] == 'E')) {
		size_t j = i + 1;
		if (j < p->n && (p->src[j] == '+' || p->src[j] == '-'))
			j++;
		if (j < p->n && isdigit((unsigned char)p->src[j])) {
			is_float = 1;
			i = j;
			while (i < p->n && isdigit((unsigned char)p->src[i]))
				i++;
		}
	}
	if (i < p->n && (isalpha((unsigned char)p->src[i]) || p->src[i] == '_'))
		return perr(p, t->pos, "malformed number '%.*s'", (int)(i - p->at + 1), p->src + p->at);
	char tmp[64];
	size_t len = i - p->at;
	if (len >= sizeof tmp)
		return perr(p, t->pos, "number too long");
	memcpy(tmp, p->src + p->at, len);
	tmp[len] = 0;
	errno = 0;
	if (is_float) {
		t->t = T_FLOAT;
		t->d = mlmd__strtod(tmp, NULL);
		if (errno == ERANGE && isinf(t->d))
			return perr(p, t->pos, "number %s is out of range", tmp);
	} else {
		t->t = T_INT;
		unsigned long long v = strtoull(tmp, NULL, 10);
		/* 9223372036854775808 is allowed only as the operand of a minus. */
		if (errno == ERANGE || v > (unsigned long long)INT64_MAX + 1)
			return perr(p, t->pos, "integer %s is out of the int64 range", tmp);
		t->i = (int64_t)v; /* INT64_MAX + 1 wraps to INT64_MIN; unary minus checks it */
		if (v == (unsigned long long)INT64_MAX + 1)
			t->d = 1; /* marks the overflow for unary minus */
	}
	p->at = i;
	return 0;
}

/* After a dot, a run of [A-Za-z0-9_] is a name even when it starts with a
 * digit (properties.0b.int_value). */
int mlmd__filter_next(parser *p)
{
	int after_dot = p->cur.t == T_DOT;
	free(p->cur.text);
	memset(&p->cur, 0, sizeof p->cur);
	if (p->rc)
		return p->rc;
	while (p->at < p->n && isspace((unsigned char)p->src[p->at]))
		p->at++;
	token *t = &p->cur;
	t->pos = p->at;
	if (p->at >= p->n) {
		t->t = T_EOF;
		return 0;
	}
	char c = p->src[p->at];
	char c2 = p->at + 1 < p->n ? p->src[p->at + 1] : 0;
	int rc = 0;
	if (isalpha((unsigned char)c) || c == '_' || (after_dot && isdigit((unsigned char)c))) {
		size_t i = p->at;
		while (i < p->n && is_word((unsigned char)p->src[i]))
			i++;
		t->t = T_NAME;
		for (size_t j = 0; !after_dot && j < sizeof keywords / sizeof keywords[0]; j++)
			if (strlen(keywords[j].w) == i - p->at && strncasecmp(keywords[j].w, p->src + p->at, i - p->at) == 0)
				t->t = keywords[j].t;
		if (t->t == T_NAME && !(t->text = mlmd__strndup(p->src + p->at, i - p->at)))
			return p->rc = MLMD_OOM();
		p->at = i;
	} else if (c == '`') {
		const char *end = memchr(p->src + p->at + 1, '`', p->n - p->at - 1);
		if (!end)
			return perr(p, t->pos, "unterminated backquoted name");
		size_t len = (size_t)(end - (p->src + p->at + 1));
		if (len == 0)
			return perr(p, t->pos, "empty backquoted name");
		if (memchr(p->src + p->at + 1, '\0', len))
			return perr(p, t->pos, "NUL byte inside backquoted name");
		if (!(t->text = mlmd__strndup(p->src + p->at + 1, len)))
			return p->rc = MLMD_OOM();
		t->t = T_QNAME;
		p->at += len + 2;
	} else if (isdigit((unsigned char)c)) {
		rc = lex_number(p, t);
	} else if (c == '\'' || c == '"') {
		rc = lex_string(p, t);
	} else {
		size_t w = 1;
		switch (c) {
		case '(': t->t = T_LP; break;
		case ')': t->t = T_RP; break;
		case ',': t->t = T_COMMA; break;
		case '.': t->t = T_DOT; break;
		case '+': t->t = T_PLUS; break;
		case '-': t->t = T_MINUS; break;
		case '*': t->t = T_STAR; break;
		case '/': t->t = T_SLASH; break;
		case '=': t->t = T_EQ; break;
		case '!':
			if (c2 != '=')
				return perr(p, t->pos, "unexpected '!' (did you mean '!=' or NOT?)");
			t->t = T_NE;
			w = 2;
			break;
		case '<':
			t->t = c2 == '=' ? T_LE : c2 == '>' ? T_NE : T_LT;
			w = c2 == '=' || c2 == '>' ? 2 : 1;
			break;
		case '>':
			t->t = c2 == '=' ? T_GE : T_GT;
			w = c2 == '=' ? 2 : 1;
			break;
		default:
			if (isprint((unsigned char)c))
				return perr(p, t->pos, "unexpected character '%c'%s", c,
					    p->at > 0 && is_word((unsigned char)p->src[p->at - 1])
						    ? "; a property name outside [A-Za-z0-9_] must be backquoted, as in "
						      "properties.`my:prop`.int_value"
						    : "");
			return perr(p, t->pos, "unexpected byte 0x%02x", (unsigned char)c);
		}
		p->at += w;
	}
	if (rc)
		return rc;
	t->len = p->at - t->pos;
	return 0;
}

/*
 * lib/query/filter_parse.h - what the filter's lexer (filter_lex.c) and its
 * parser and SQL emitter (filter.c) share: tokens, the parser's state, and
 * the lexer's entry points. Private to those two files.
 */
#ifndef MLMD_QUERY_FILTER_PARSE_H
#define MLMD_QUERY_FILTER_PARSE_H

#include <ctype.h>
#include "query.h"

/* ---- tokens ------------------------------------------------------------------ */

enum tok {
	T_EOF, T_NAME, T_QNAME, T_INT, T_FLOAT, T_STRING, T_LP, T_RP, T_COMMA, T_DOT,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_AND, T_OR, T_NOT, T_IN, T_LIKE, T_IS, T_NULL, T_TRUE, T_FALSE, T_BAD
};

typedef struct token {
	enum tok t;
	size_t pos, len;             /* in the query text */
	char *text;                  /* names and strings, unescaped; owned */
	int64_t i;
	double d;
} token;

/* ---- parser state ------------------------------------------------------------ */

enum nb { NB_CONTEXTS, NB_EVENTS, NB_PARENTS, NB_CHILDREN, NB_ARTIFACTS, NB_EXECUTIONS };

typedef struct join {
	int is_prop;
	int is_custom;               /* properties: custom_properties */
	enum nb nb;                  /* neighbours */
	char *name;                  /* property name or alias; owned */
	int need_type;               /* neighbour node: join its type */
} join;

typedef struct parser {
	int kind;                    /* KIND_ARTIFACT, ... */
	const char *src;
	size_t n, at;
	token cur;
	int depth;
	int base_type;               /* `type` used on the node itself */
	join joins[MLMD_FILTER_MAX_JOINS];
	int njoins;
	size_t nparams;
	int nops;
	int rc;
} parser;

/* [A-Za-z0-9_]: a character of a bare name. */
static inline int mlmd__filter_is_word(int c)
{
	return isalnum(c) || c == '_';
}

/* Advances p->cur to the next token (filter_lex.c). After a dot, a run of
 * [A-Za-z0-9_] is a name even when it starts with a digit. Returns 0 or the
 * parser's error. */
int mlmd__filter_next(parser *p);
/* Records the first error at `pos` as "filter_query: LINE:COL: ..."; later
 * errors are consequences. Returns p->rc. */
int mlmd__filter_err(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The token's source text, clipped, for messages. */
const char *mlmd__filter_tok_show(const parser *p, const token *t, char *buf, size_t cap);

#endif

/*
 * store/testing_lex.h - the lineage notation's tokens (store/testing_lex.c),
 * shared by its parser (store/testing_notation.c) and nothing else.
 */
#ifndef MLMD_STORE_TESTING_LEX_H
#define MLMD_STORE_TESTING_LEX_H

#include "testing.h"

enum tok_kind {
	T_EOF,
	T_SEP,    /* a newline or ';' */
	T_NAME,   /* [A-Za-z_][A-Za-z0-9_./-]* (a '-' before '>' ends it) */
	T_COLON,
	T_LPAREN,
	T_RPAREN,
	T_LBRACE,
	T_RBRACE,
	T_EQ,
	T_COMMA,
	T_ARROW,
	T_STRING, /* '...' as written, quotes included */
	T_NUMBER, /* [+-]digits[.digits][e[+-]digits] */
	T_BAD     /* a byte that starts no token */
};

typedef struct tok {
	enum tok_kind kind;
	const char *p; /* the token's bytes in the text */
	size_t n;
	int line, col;
} tok;

typedef struct lexer {
	const char *s;
	size_t pos;
	int line;
	size_t line_start; /* offset of the current line's first byte */
} lexer;

/* Scans the token at the lexer's position into *t and moves past it;
 * comments and blanks other than newlines are skipped. */
void mlmd__tlex_next(lexer *lx, tok *t);
/* INVALID_ARGUMENT at token t: "line L, column C: <what>, got <token>". */
int mlmd__tlex_fail(const tok *t, const char *what);
/* Whether t is the name `word`. */
int mlmd__tlex_is(const tok *t, const char *word);
/* The value token t (a 'string', a number, true or false) into pr's kind
 * and value (a string is a new allocation pr->s); INVALID_ARGUMENT naming
 * what is wrong with it, or that t is no value. */
int mlmd__tlex_value(const tok *t, mlmd__tprop *pr);

#endif

/*
 * query/filter.h - MLMD's filter_query language, compiled to SQL.
 *
 * A filter is parsed by a hand-written recursive-descent parser, type-checked
 * against the node kind as it is parsed, and emitted as an SQL condition over
 * the node alias `n` plus the joins it needs. Every value from the query
 * (strings, numbers, property names, enum values) becomes a bound parameter;
 * the SQL text holds only our own identifiers, so its shape depends on the
 * query's structure and not on its values.
 */
#ifndef MLMD_QUERY_FILTER_H
#define MLMD_QUERY_FILTER_H

#include "../internal.h"

/* One bound parameter. */
typedef struct mlmd__sqlarg {
	char kind;                   /* 'i' int64, 'd' double, 's' text */
	int64_t i;
	double d;
	char *s;                     /* owned */
} mlmd__sqlarg;

typedef struct mlmd__args {
	mlmd__sqlarg *v;
	size_t n, cap;
} mlmd__args;

/* A compiled filter. `join` goes after `FROM <table> n`, `where` is one
 * parenthesised condition; their parameters are bound in that order. */
typedef struct mlmd__filter {
	mlmd_buf join;
	mlmd_buf where;
	mlmd__args join_args, where_args;
	int distinct;                /* a neighbour join may repeat a node */
	char id_col[24];             /* "pN.node_id" of an inner property join, else "" */
} mlmd__filter;

/* Limits that keep a hostile query from costing more than its length. */
#define MLMD_FILTER_MAX_LEN 65536
#define MLMD_FILTER_MAX_DEPTH 24    /* parentheses, NOT, unary minus; SQLite's parser stops near 40 */
#define MLMD_FILTER_MAX_JOINS 16     /* PostgreSQL's planning time grows fast with joins */
#define MLMD_FILTER_MAX_LIST 1000
#define MLMD_FILTER_MAX_PARAMS 4000
#define MLMD_FILTER_MAX_OPS 500      /* operators: keeps SQL expression depth bounded */
#define MLMD_FILTER_MAX_PATTERN 10000 /* bytes of a LIKE pattern */

/* Compiles `query` for nodes of kind `k`. `missing_is_null` selects LEFT
 * joins for properties (a node lacking a property compares as NULL) instead
 * of MLMD's inner joins (such a node never matches). On failure returns
 * -MLMD_INVALID_ARGUMENT with "filter_query: LINE:COL: ..." and leaves *f
 * empty. On success free *f with mlmd__filter_free(). */
int mlmd__filter_compile(const node_kind *k, const char *query, int missing_is_null, mlmd__filter *f);
void mlmd__filter_free(mlmd__filter *f);
/* Binds args starting at parameter *pos, advancing it. */
void mlmd__args_bind(const mlmd__args *a, sqlq *q, int *pos);

#endif

/*
 * query/filter.c - lexer, parser, checker and SQL emitter for filter_query.
 *
 * Grammar (keywords are case-insensitive):
 *
 *   query   := or EOF
 *   or      := and ( OR and )*
 *   and     := not ( AND not )*
 *   not     := NOT not | cmp
 *   cmp     := sum [ op sum | [NOT] IN '(' item (',' item)* ')'
 *                  | [NOT] LIKE sum | IS [NOT] NULL ]          op: = != <> < <= > >=
 *   sum     := prod ( (+|-) prod )*
 *   prod    := unary ( (*|/) unary )*
 *   unary   := - unary | primary
 *   primary := INT | FLOAT | STRING | TRUE | FALSE | path | '(' or ')'
 *   path    := name ( '.' name )*         name: [A-Za-z0-9_]+ or `anything but backquote`
 *
 * Each parse function returns an `ex`: its type, its SQL text and the
 * parameters that text uses, in text order. Combining two expressions
 * concatenates both, so parameters always line up with their `?`. Types are
 * checked where expressions meet, so an error names the exact token.
 *
 * Bare identifiers that are not fields are kept as `names` until they meet an
 * enum column (`state = LIVE`); anywhere else they are unknown fields.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "filter_parse.h"
#include "mlmd/metadata.h"

/* ---- parameters -------------------------------------------------------------- */

static int args_push(mlmd__args *a, mlmd__sqlarg v)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		mlmd__sqlarg *p = realloc(a->v, cap * sizeof *p);
		if (!p) {
			free(v.s);
			return MLMD_OOM();
		}
		a->v = p;
		a->cap = cap;
	}
	a->v[a->n++] = v;
	return 0;
}

static void args_free(mlmd__args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].s);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* Moves every parameter of `src` to the end of `dst`. */
static int args_move(mlmd__args *dst, mlmd__args *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int rc = args_push(dst, src->v[i]);
		src->v[i].s = NULL;
		if (rc) {
			args_free(src);
			return rc;
		}
	}
	src->n = 0;
	args_free(src);
	return 0;
}

void mlmd__args_bind(const mlmd__args *a, sqlq *q, int *pos)
{
	for (size_t i = 0; i < a->n; i++) {
		const mlmd__sqlarg *v = &a->v[i];
		if (v->kind == 'i')
			mlmd__q_i64(q, (*pos)++, v->i);
		else if (v->kind == 'd')
			mlmd__q_dbl(q, (*pos)++, v->d);
		else
			mlmd__q_text(q, (*pos)++, v->s);
	}
}

/* the lexer's entry points (filter_lex.c), by their short names */
#define next mlmd__filter_next
#define perr mlmd__filter_err
#define tok_show mlmd__filter_tok_show
#define is_word mlmd__filter_is_word

/* ---- expressions ------------------------------------------------------------- */

enum ty { TY_COND, TY_BOOL, TY_INT, TY_DBL, TY_STR, TY_ENUM, TY_NAME };

typedef struct ex {
	enum ty ty;
	const ProtobufCEnumDescriptor *en; /* TY_ENUM: which enum */
	const char *what;            /* the field as written, for messages; borrowed from the query copy */
	size_t pos, len;             /* source span start, for messages */
	mlmd_buf sql;
	mlmd__args args;
	char *name;                  /* TY_NAME: the identifier; owned */
	int lit;                     /* a literal (IN lists accept only these) */
} ex;

static void ex_free(ex *e)
{
	mlmd__buf_free(&e->sql);
	args_free(&e->args);
	free(e->name);
	memset(e, 0, sizeof *e);
}

static const char *kind_plural(int kind)
{
	return kind == KIND_ARTIFACT ? "artifacts" : kind == KIND_EXECUTION ? "executions" : "contexts";
}

/* ---- fields -------------------------------------------------------------------- */

static const char *type_name(enum ty t)
{
	switch (t) {
	case TY_COND: return "condition";
	case TY_BOOL: return "bool";
	case TY_INT: return "int64";
	case TY_DBL: return "double";
	case TY_STR: return "string";
	case TY_ENUM: return "enum";
	case TY_NAME: return "name";
	}
	return "?";
}

static int is_num(enum ty t)
{
	return t == TY_INT || t == TY_DBL;
}

/* Finds or adds a join; returns its index or a negative status. */
static int add_join(parser *p, size_t pos, int is_prop, int is_custom, enum nb nb, const char *name)
{
	for (int i = 0; i < p->njoins; i++) {
		join *j = &p->joins[i];
		if (j->is_prop == is_prop && strcmp(j->name, name) == 0 &&
		    (is_prop ? j->is_custom == is_custom : j->nb == nb))
			return i;
	}
	if (p->njoins + p->base_type >= MLMD_FILTER_MAX_JOINS)
		return perr(p, pos, "too many distinct properties and aliases (the limit is %d)", MLMD_FILTER_MAX_JOINS);
	join *j = &p->joins[p->njoins];
	memset(j, 0, sizeof *j);
	if (!(j->name = mlmd__strdup(name)))
		return p->rc = MLMD_OOM();
	j->is_prop = is_prop;
	j->is_custom = is_custom;
	j->nb = nb;
	return p->njoins++;
}

/* The node columns a neighbour or the node itself offers. `kind` is the
 * node's kind; `alias` its SQL alias; `tj` the index of its type join (or -1
 * for the node itself). */
static int node_field(parser *p, ex *e, int kind, const char *alias, int jidx, const char *f)
{
	const char *col = NULL;
	e->ty = TY_INT;
	if (!strcmp(f, "id"))
		col = "id";
	else if (!strcmp(f, "type_id"))
		col = "type_id";
	else if (!strcmp(f, "create_time_since_epoch"))
		col = "create_time";
	else if (!strcmp(f, "last_update_time_since_epoch"))
		col = "update_time";
	else if (!strcmp(f, "name") || !strcmp(f, "external_id") || (!strcmp(f, "uri") && kind == KIND_ARTIFACT))
		col = f, e->ty = TY_STR;
	else if (!strcmp(f, "state") && kind == KIND_ARTIFACT)
		col = "state", e->ty = TY_ENUM, e->en = &mlmd__pb__artifact__state__descriptor;
	else if (!strcmp(f, "last_known_state") && kind == KIND_EXECUTION)
		col = "state", e->ty = TY_ENUM, e->en = &mlmd__pb__execution__state__descriptor;
	else if (!strcmp(f, "type")) {
		e->ty = TY_STR;
		if (jidx < 0) {
			if (!p->base_type && p->njoins >= MLMD_FILTER_MAX_JOINS)
				return perr(p, e->pos, "too many joins (the limit is %d)", MLMD_FILTER_MAX_JOINS);
			p->base_type = 1;
			mlmd__buf_puts(&e->sql, "ty.name");
		} else {
			p->joins[jidx].need_type = 1;
			mlmd__buf_printf(&e->sql, "y%d.name", jidx);
		}
		return 0;
	}
	if (!col)
		return -1;
	mlmd__buf_printf(&e->sql, "%s.%s", alias, col);
	return 0;
}

static const struct {
	const char *prefix;
	enum nb nb;
	int from;                    /* the node kind it applies to; -1 artifacts and executions */
} prefixes[] = {
	{ "parent_contexts_", NB_PARENTS, KIND_CONTEXT },
	{ "child_contexts_", NB_CHILDREN, KIND_CONTEXT },
	{ "contexts_", NB_CONTEXTS, -1 },
	{ "events_", NB_EVENTS, -1 },
	{ "artifacts_", NB_ARTIFACTS, KIND_CONTEXT },
	{ "executions_", NB_EXECUTIONS, KIND_CONTEXT },
};

static int valid_alias(const char *a)
{
	if (!*a)
		return 0;
	for (; *a; a++)
		if (!is_word((unsigned char)*a))
			return 0;
	return 1;
}

/* Resolves a dotted path (parts[0..n)) to a column. Returns 0 with e filled,
 * 1 when the path is a single bare name that is not a field (a possible enum
 * value), or a negative status. */
static int resolve(parser *p, ex *e, char **parts, int *quoted, int n, size_t pos, size_t len)
{
	const char *what = kind_plural(p->kind);
	char shown[200];
	snprintf(shown, sizeof shown, "%.*s", (int)(len < 120 ? len : 120), p->src + pos);
	if (n == 1) {
		if (node_field(p, e, p->kind, "n", -1, parts[0]) == 0)
			return p->rc;
		if (p->rc)
			return p->rc;
		return 1;
	}
	if (!strcmp(parts[0], "properties") || !strcmp(parts[0], "custom_properties")) {
		if (n != 3) {
			/* `properties.my-prop.int_value` stops at `my`: say why. */
			size_t end = pos + len;
			int glued = n == 2 && end < p->n && !isspace((unsigned char)p->src[end]);
			return perr(p, pos, "'%s': write %s.NAME.int_value (or double_value, string_value, bool_value)%s",
				    shown, parts[0],
				    glued ? "; a property name outside [A-Za-z0-9_] must be backquoted, as in "
					    "properties.`my:prop`.int_value"
					  : "");
		}
		const char *f = parts[2];
		const char *col;
		if (!strcmp(f, "int_value"))
			col = "int_value", e->ty = TY_INT;
		else if (!strcmp(f, "double_value"))
			col = "double_value", e->ty = TY_DBL;
		else if (!strcmp(f, "string_value"))
			col = "string_value", e->ty = TY_STR;
		else if (!strcmp(f, "bool_value"))
			col = "bool_value", e->ty = TY_BOOL;
		else
			return perr(p, pos, "unknown field '%s' in '%s'; expected int_value, double_value, string_value or bool_value",
				    f, shown);
		int j = add_join(p, pos, 1, parts[0][0] == 'c', 0, parts[1]);
		if (j < 0)
			return j;
		mlmd__buf_printf(&e->sql, "p%d.%s", j, col);
		return 0;
	}
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t pl = strlen(prefixes[i].prefix);
		if (strncmp(parts[0], prefixes[i].prefix, pl) != 0)
			continue;
		int applies = prefixes[i].from == -1 ? p->kind != KIND_CONTEXT : p->kind == prefixes[i].from;
		if (!applies)
			return perr(p, pos, "unknown field '%s' for %s ('%.*s' applies to %s)", shown, what, (int)(pl - 1),
				    parts[0], prefixes[i].from == -1 ? "artifacts and executions" : "contexts");
		const char *alias = parts[0] + pl;
		if (quoted[0] || !valid_alias(alias))
			return perr(p, pos, "'%s': an alias is %sNAME with NAME in [A-Za-z0-9_]", shown, prefixes[i].prefix);
		if (n != 2)
			return perr(p, pos, "'%s': write %sNAME.FIELD", shown, prefixes[i].prefix);
		int j = add_join(p, pos, 0, 0, prefixes[i].nb, alias);
		if (j < 0)
			return j;
		char sa[16];
		snprintf(sa, sizeof sa, "x%d", j);
		const char *f = parts[1];
		enum nb nb = prefixes[i].nb;
		if (nb == NB_EVENTS) {
			const char *col = NULL;
			e->ty = TY_INT;
			if (!strcmp(f, "type"))
				col = "type", e->ty = TY_ENUM, e->en = &mlmd__pb__event__type__descriptor;
			else if (!strcmp(f, "milliseconds_since_epoch"))
				col = "time";
			else if (!strcmp(f, "execution_id") && p->kind == KIND_ARTIFACT)
				col = "execution_id";
			else if (!strcmp(f, "artifact_id") && p->kind == KIND_EXECUTION)
				col = "artifact_id";
			if (!col)
				return perr(p, pos, "unknown field '%s' for the events of %s; expected type, "
						    "milliseconds_since_epoch or %s",
					    f, what, p->kind == KIND_ARTIFACT ? "execution_id" : "artifact_id");
			mlmd__buf_printf(&e->sql, "%s.%s", sa, col);
			return 0;
		}
		int nk = nb == NB_ARTIFACTS ? KIND_ARTIFACT : nb == NB_EXECUTIONS ? KIND_EXECUTION : KIND_CONTEXT;
		if (node_field(p, e, nk, sa, j, f) != 0)
			return p->rc ? p->rc
				     : perr(p, pos, "unknown field '%s' for the %s of %s", f, kind_plural(nk), what);
		return 0;
	}
	return perr(p, pos, "unknown field '%s' for %s", shown, what);
}

/* Counts one operator; SQL engines bound expression depth (SQLite: 1000). */
static int count_op(parser *p, size_t pos)
{
	if (++p->nops > MLMD_FILTER_MAX_OPS)
		return perr(p, pos, "too many operators (the limit is %d)", MLMD_FILTER_MAX_OPS);
	return 0;
}

/* ---- expression builders -------------------------------------------------------- */

static int ex_lit(parser *p, ex *e, enum ty ty, mlmd__sqlarg v)
{
	if (++p->nparams > MLMD_FILTER_MAX_PARAMS) {
		free(v.s);
		return perr(p, e->pos, "too many values in the query (the limit is %d)", MLMD_FILTER_MAX_PARAMS);
	}
	e->ty = ty;
	e->lit = 1;
	mlmd__buf_puts(&e->sql, "?");
	int rc = args_push(&e->args, v);
	return rc ? (p->rc = rc) : 0;
}

/* Appends `src` (text and parameters) to `dst`. */
static int ex_append(parser *p, ex *dst, ex *src)
{
	mlmd__buf_put(&dst->sql, src->sql.p, src->sql.len);
	int rc = args_move(&dst->args, &src->args);
	ex_free(src);
	if (rc)
		return p->rc = rc;
	return 0;
}

/* Makes `e` usable where a condition is needed. */
static int as_cond(parser *p, ex *e, const char *ctx)
{
	if (e->ty == TY_COND)
		return 0;
	if (e->ty == TY_BOOL) {
		mlmd_buf b = { 0 };
		mlmd__buf_printf(&b, "(%.*s = 1)", (int)e->sql.len, e->sql.p ? e->sql.p : "");
		mlmd__buf_free(&e->sql);
		e->sql = b;
		e->ty = TY_COND;
		return 0;
	}
	if (e->ty == TY_NAME)
		return perr(p, e->pos, "unknown field '%s' for %s", e->name, kind_plural(p->kind));
	return perr(p, e->pos, "%s needs a condition, but '%.*s' is %s %s", ctx, (int)(e->len < 80 ? e->len : 80),
		    p->src + e->pos, e->ty == TY_INT ? "an" : "a", type_name(e->ty));
}

/* A bare name standing for a value outside an enum comparison. */
static int no_name(parser *p, ex *e)
{
	if (e->ty == TY_NAME)
		return perr(p, e->pos, "unknown field '%s' for %s", e->name, kind_plural(p->kind));
	return 0;
}

/* Turns a bare name into the value of enum `en` (named by field `field`). */
static int enum_value(parser *p, ex *e, const ProtobufCEnumDescriptor *en, const char *field)
{
	if (e->ty == TY_NAME) {
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(en, e->name);
		if (!v) {
			mlmd_buf names = { 0 };
			for (unsigned i = 0; i < en->n_values; i++)
				mlmd__buf_printf(&names, "%s%s", i ? ", " : "", en->values[i].name);
			mlmd__buf_put(&names, "", 1);
			int rc = perr(p, e->pos, "'%s' is not a value of %s (expected one of %s)", e->name, field,
				      names.oom ? "..." : names.p);
			mlmd__buf_free(&names);
			return rc;
		}
		free(e->name);
		e->name = NULL;
		mlmd__sqlarg a = { 'i', v->value, 0, NULL };
		return ex_lit(p, e, TY_ENUM, a);
	}
	if (e->ty == TY_STR && e->lit)
		return perr(p, e->pos, "%s takes an unquoted enum name (state = LIVE), not a string", field);
	if (e->ty == TY_ENUM && e->en == en)
		return 0;
	return perr(p, e->pos, "%s compares only with its enum names, not with %s %s", field,
		    e->ty == TY_INT ? "an" : "a", type_name(e->ty));
}

/* Checks that `a op b` is well typed, resolving enum names. */
static int check_pair(parser *p, ex *a, ex *b, size_t oppos, const char *op)
{
	if (a->ty == TY_ENUM || b->ty == TY_ENUM) {
		ex *col = a->ty == TY_ENUM && !a->lit ? a : b->ty == TY_ENUM && !b->lit ? b : a;
		ex *other = col == a ? b : a;
		char field[128];
		snprintf(field, sizeof field, "'%.*s'", (int)(col->len < 100 ? col->len : 100), p->src + col->pos);
		if (strcmp(op, "=") && strcmp(op, "!="))
			return perr(p, oppos, "enum field %s supports =, !=, IN and NOT IN, not %s", field, op);
		return enum_value(p, other, col->en, field);
	}
	if (no_name(p, a) || no_name(p, b))
		return p->rc;
	if (a->ty == TY_COND || b->ty == TY_COND)
		return perr(p, oppos, "cannot apply %s to a condition; use AND, OR, NOT", op);
	if ((is_num(a->ty) && is_num(b->ty)) || a->ty == b->ty) {
		if (a->ty == TY_BOOL && strcmp(op, "=") && strcmp(op, "!="))
			return perr(p, oppos, "bool values support = and != only, not %s", op);
		return 0;
	}
	return perr(p, oppos, "cannot compare %s '%.*s' with %s '%.*s'", type_name(a->ty),
		    (int)(a->len < 60 ? a->len : 60), p->src + a->pos, type_name(b->ty), (int)(b->len < 60 ? b->len : 60),
		    p->src + b->pos);
}

/* ---- parser --------------------------------------------------------------------- */

static int parse_or(parser *p, ex *out);

static int expect(parser *p, enum tok t, const char *what)
{
	if (p->cur.t != t) {
		char b[64];
		return perr(p, p->cur.pos, "expected %s, found %s", what, tok_show(p, &p->cur, b, sizeof b));
	}
	return next(p);
}

static int parse_path(parser *p, ex *e)
{
	char *parts[8];
	int quoted[8], n = 0, rc = 0;
	size_t pos = p->cur.pos;
	for (;;) {
		if (p->cur.t != T_NAME && p->cur.t != T_QNAME) {
			char b[64];
			rc = perr(p, p->cur.pos, "expected a name after '.', found %s%s", tok_show(p, &p->cur, b, sizeof b),
				  "; a property name outside [A-Za-z0-9_] must be backquoted, as in "
				  "properties.`my:prop`.int_value");
			break;
		}
		if (n == 8) {
			rc = perr(p, p->cur.pos, "field path is too long");
			break;
		}
		quoted[n] = p->cur.t == T_QNAME;
		parts[n++] = p->cur.text;
		p->cur.text = NULL;
		size_t end = p->cur.pos + p->cur.len;
		if ((rc = next(p)))
			break;
		if (p->cur.t != T_DOT || p->cur.pos != end) {
			e->pos = pos;
			e->len = end - pos;
			break;
		}
		if ((rc = next(p)))
			break;
	}
	if (!rc) {
		rc = resolve(p, e, parts, quoted, n, pos, e->len);
		if (rc == 1) {
			e->ty = TY_NAME;
			e->name = parts[0];
			parts[0] = NULL;
			rc = 0;
		}
	}
	for (int i = 0; i < n; i++)
		free(parts[i]);
	return rc;
}

static int parse_primary(parser *p, ex *e)
{
	token *t = &p->cur;
	e->pos = t->pos;
	e->len = t->len;
	mlmd__sqlarg a = { 0 };
	switch (t->t) {
	case T_INT:
		if (t->d)
			return perr(p, t->pos, "integer is out of the int64 range");
		a.kind = 'i';
		a.i = t->i;
		if (ex_lit(p, e, TY_INT, a))
			return p->rc;
		return next(p);
	case T_FLOAT:
		a.kind = 'd';
		a.d = t->d;
		if (ex_lit(p, e, TY_DBL, a))
			return p->rc;
		return next(p);
	case T_STRING:
		a.kind = 's';
		a.s = t->text;
		t->text = NULL;
		if (ex_lit(p, e, TY_STR, a))
			return p->rc;
		return next(p);
	case T_TRUE:
	case T_FALSE:
		a.kind = 'i';
		a.i = t->t == T_TRUE;
		if (ex_lit(p, e, TY_BOOL, a))
			return p->rc;
		return next(p);
	case T_NAME:
	case T_QNAME:
		return parse_path(p, e);
	case T_LP: {
		if (++p->depth > MLMD_FILTER_MAX_DEPTH)
			return perr(p, t->pos, "query nests deeper than %d levels", MLMD_FILTER_MAX_DEPTH);
		if (next(p) || parse_or(p, e))
			return p->rc;
		p->depth--;
		if (e->ty == TY_NAME)
			return no_name(p, e);
		/* no parentheses of our own: every compound expression is emitted
		 * parenthesised already, and an atom needs none */
		e->lit = 0;
		e->len = p->cur.pos + 1 - e->pos;
		return expect(p, T_RP, "')'");
	}
	case T_NULL:
		return perr(p, t->pos, "NULL is allowed only in IS NULL and IS NOT NULL");
	default: {
		char b[64];
		return perr(p, t->pos, "expected a field, a value or '(', found %s", tok_show(p, t, b, sizeof b));
	}
	}
}

static int parse_unary(parser *p, ex *e)
{
	if (p->cur.t != T_MINUS)
		return parse_primary(p, e);
	size_t pos = p->cur.pos;
	if (++p->depth > MLMD_FILTER_MAX_DEPTH)
		return perr(p, pos, "query nests deeper than %d levels", MLMD_FILTER_MAX_DEPTH);
	if (next(p))
		return p->rc;
	/* -9223372036854775808 is the one literal that needs the minus. */
	if (p->cur.t == T_INT && p->cur.d) {
		e->pos = pos;
		e->len = p->cur.pos + p->cur.len - pos;
		mlmd__sqlarg a = { 'i', INT64_MIN, 0, NULL };
		p->depth--;
		if (ex_lit(p, e, TY_INT, a))
			return p->rc;
		return next(p);
	}
	ex x = { 0 };
	if (parse_unary(p, &x)) {
		ex_free(&x);
		return p->rc;
	}
	p->depth--;
	if (no_name(p, &x) || !is_num(x.ty)) {
		if (!p->rc)
			perr(p, x.pos, "unary '-' needs a number, got %s", type_name(x.ty));
		ex_free(&x);
		return p->rc;
	}
	e->pos = pos;
	e->len = x.pos + x.len - pos;
	e->ty = x.ty;
	if (x.lit && x.args.n == 1 && x.args.v[0].kind == 'i' && x.args.v[0].i == INT64_MIN) {
		/* databases disagree on -(INT64_MIN): SQLite makes it a double,
		 * PostgreSQL an error; refuse it here so both answer the same */
		perr(p, pos, "integer -(-9223372036854775808) is out of the int64 range");
		ex_free(&x);
		return p->rc;
	}
	if (x.lit && x.args.n == 1) {
		/* fold the sign into the literal */
		mlmd__sqlarg *v = &x.args.v[0];
		if (v->kind == 'i')
			v->i = -v->i;
		else
			v->d = -v->d;
		e->lit = 1;
		return ex_append(p, e, &x);
	}
	mlmd__buf_puts(&e->sql, "(-");
	int rc = ex_append(p, e, &x);
	mlmd__buf_puts(&e->sql, ")");
	return rc;
}

/* Left-associative arithmetic; `hi` selects * and / over + and -. A chain
 * is emitted flat, `(a - b - c)`, as SQL associates it the same way: nesting
 * each step would cost the database's parser one level per operator
 * (SQLite's stops near 40). */
static int parse_arith(parser *p, ex *e, int hi)
{
	if (hi ? parse_unary(p, e) : parse_arith(p, e, 1))
		return p->rc;
	int chained = 0;
	for (;;) {
		enum tok t = p->cur.t;
		if (hi ? t != T_STAR && t != T_SLASH : t != T_PLUS && t != T_MINUS)
			break;
		size_t oppos = p->cur.pos;
		if (count_op(p, oppos))
			return p->rc;
		char op = t == T_STAR ? '*' : t == T_SLASH ? '/' : t == T_PLUS ? '+' : '-';
		ex r = { 0 };
		if (next(p) || (hi ? parse_unary(p, &r) : parse_arith(p, &r, 1))) {
			ex_free(&r);
			return p->rc;
		}
		if (no_name(p, e) || no_name(p, &r) || !is_num(e->ty) || !is_num(r.ty)) {
			if (!p->rc)
				perr(p, oppos, "'%c' needs numbers, got %s and %s", op, type_name(e->ty), type_name(r.ty));
			ex_free(&r);
			return p->rc;
		}
		if (!chained) {
			ex l = *e;
			memset(e, 0, sizeof *e);
			e->pos = l.pos;
			e->ty = l.ty;
			mlmd__buf_puts(&e->sql, "(");
			if (ex_append(p, e, &l))
				return p->rc;
			chained = 1;
		}
		e->len = r.pos + r.len - e->pos;
		/* ZetaSQL's '/' divides as doubles: so does `x * 1.0 / y` */
		e->ty = (op == '/' || e->ty == TY_DBL || r.ty == TY_DBL) ? TY_DBL : TY_INT;
		mlmd__buf_printf(&e->sql, op == '/' ? " * 1.0 / " : " %c ", op);
		if (ex_append(p, e, &r))
			return p->rc;
	}
	if (chained)
		mlmd__buf_puts(&e->sql, ")");
	return 0;
}

/* `a IN (...)`: items are literals (or enum names) of a's type. */
static int parse_in(parser *p, ex *e, int negate, size_t oppos)
{
	if (p->cur.t != T_LP) {
		char b[64];
		return perr(p, p->cur.pos, "expected '(' after %sIN, found %s; write IN (A, B, ...)", negate ? "NOT " : "",
			    tok_show(p, &p->cur, b, sizeof b));
	}
	if (next(p))
		return p->rc;
	if (e->ty == TY_COND || e->ty == TY_BOOL || e->ty == TY_NAME) {
		if (no_name(p, e))
			return p->rc;
		return perr(p, oppos, "IN needs a field or value on its left, not a %s", type_name(e->ty));
	}
	ex l = *e;
	memset(e, 0, sizeof *e);
	e->pos = l.pos;
	e->ty = TY_COND;
	int is_enum = l.ty == TY_ENUM;
	mlmd_buf items = { 0 };
	mlmd__args args = { 0 };
	int n = 0, rc = 0;
	char field[128];
	snprintf(field, sizeof field, "'%.*s'", (int)(l.len < 100 ? l.len : 100), p->src + l.pos);
	for (;;) {
		if (++n > MLMD_FILTER_MAX_LIST) {
			rc = perr(p, p->cur.pos, "IN list has more than %d items", MLMD_FILTER_MAX_LIST);
			break;
		}
		ex it = { 0 };
		if (parse_unary(p, &it)) {
			ex_free(&it);
			rc = p->rc;
			break;
		}
		if (is_enum) {
			rc = enum_value(p, &it, l.en, field);
			if (!rc && !it.lit) /* `state IN (state)`: a field is not a list item */
				rc = perr(p, it.pos, "IN lists hold literal values only");
		} else if (!it.lit)
			rc = no_name(p, &it) ? p->rc : perr(p, it.pos, "IN lists hold literal values only");
		else if (!((is_num(l.ty) && is_num(it.ty)) || l.ty == it.ty))
			rc = perr(p, it.pos, "IN list item is %s %s but %s is %s %s", it.ty == TY_INT ? "an" : "a",
				  type_name(it.ty), field, l.ty == TY_INT ? "an" : "a", type_name(l.ty));
		if (rc) {
			ex_free(&it);
			break;
		}
		mlmd__buf_puts(&items, n > 1 ? ", ?" : "?");
		if ((rc = args_move(&args, &it.args))) {
			ex_free(&it);
			break;
		}
		ex_free(&it);
		if (p->cur.t == T_COMMA) {
			if (next(p)) {
				rc = p->rc;
				break;
			}
			continue;
		}
		rc = expect(p, T_RP, "',' or ')' in the IN list");
		break;
	}
	if (rc) {
		ex_free(&l);
		mlmd__buf_free(&items);
		args_free(&args);
		return p->rc ? p->rc : rc;
	}
	/* MLMD: a negated enum test also matches an unset enum. */
	const char *col_sql = l.sql.p ? l.sql.p : "";
	int col_len = (int)l.sql.len;
	if (negate && is_enum)
		mlmd__buf_printf(&e->sql, "(%.*s NOT IN (%.*s) OR %.*s IS NULL)", col_len, col_sql, (int)items.len,
				 items.p ? items.p : "", col_len, col_sql);
	else
		mlmd__buf_printf(&e->sql, "(%.*s %sIN (%.*s))", col_len, col_sql, negate ? "NOT " : "", (int)items.len,
				 items.p ? items.p : "");
	/* The column text may appear twice; its parameters too (columns have none). */
	rc = args_move(&e->args, &l.args);
	if (!rc)
		rc = args_move(&e->args, &args);
	else
		args_free(&args);
	mlmd__buf_free(&items);
	ex_free(&l);
	e->len = p->at - e->pos;
	return rc ? (p->rc = rc) : 0;
}

static int parse_cmp(parser *p, ex *e)
{
	if (parse_arith(p, e, 0))
		return p->rc;
	token *t = &p->cur;
	size_t oppos = t->pos;
	const char *op = NULL;
	switch (t->t) {
	case T_EQ: op = "="; break;
	case T_NE: op = "!="; break;
	case T_LT: op = "<"; break;
	case T_LE: op = "<="; break;
	case T_GT: op = ">"; break;
	case T_GE: op = ">="; break;
	case T_IS: {
		if (count_op(p, oppos) || next(p))
			return p->rc;
		int neg = 0;
		if (p->cur.t == T_NOT) {
			neg = 1;
			if (next(p))
				return p->rc;
		}
		if (p->cur.t != T_NULL) {
			char b[64];
			return perr(p, p->cur.pos, "expected NULL after IS%s, found %s", neg ? " NOT" : "",
				    tok_show(p, &p->cur, b, sizeof b));
		}
		if (no_name(p, e))
			return p->rc;
		if (e->ty == TY_COND)
			return perr(p, oppos, "IS NULL applies to a field, not a condition");
		mlmd_buf b = { 0 };
		mlmd__buf_printf(&b, "(%.*s IS %sNULL)", (int)e->sql.len, e->sql.p ? e->sql.p : "", neg ? "NOT " : "");
		mlmd__buf_free(&e->sql);
		e->sql = b;
		e->ty = TY_COND;
		e->lit = 0;
		return next(p);
	}
	case T_IN:
		if (count_op(p, oppos) || next(p))
			return p->rc;
		return parse_in(p, e, 0, oppos);
	case T_LIKE:
		op = "LIKE";
		break;
	case T_NOT:
		if (count_op(p, oppos) || next(p))
			return p->rc;
		if (p->cur.t == T_IN) {
			if (next(p))
				return p->rc;
			return parse_in(p, e, 1, oppos);
		}
		if (p->cur.t == T_LIKE) {
			op = "NOT LIKE";
			break;
		}
		{
			char b[64];
			return perr(p, p->cur.pos, "expected IN or LIKE after NOT, found %s", tok_show(p, &p->cur, b, sizeof b));
		}
	default:
		return 0;
	}
	if (count_op(p, oppos) || next(p))
		return p->rc;
	ex r = { 0 };
	if (parse_arith(p, &r, 0)) {
		ex_free(&r);
		return p->rc;
	}
	if (!strcmp(op, "LIKE") || !strcmp(op, "NOT LIKE")) {
		if (no_name(p, e) || no_name(p, &r)) {
			ex_free(&r);
			return p->rc;
		}
		if (e->ty != TY_STR || r.ty != TY_STR) {
			perr(p, oppos, "%s compares strings, got %s and %s", op, type_name(e->ty), type_name(r.ty));
			ex_free(&r);
			return p->rc;
		}
		for (size_t i = 0; i < r.args.n; i++)
			if (r.args.v[i].s && strlen(r.args.v[i].s) > MLMD_FILTER_MAX_PATTERN) {
				perr(p, r.pos, "LIKE pattern is longer than %d bytes", MLMD_FILTER_MAX_PATTERN);
				ex_free(&r);
				return p->rc;
			}
	} else if (check_pair(p, e, &r, oppos, op)) {
		ex_free(&r);
		return p->rc;
	}
	ex l = *e;
	memset(e, 0, sizeof *e);
	e->pos = l.pos;
	e->len = r.pos + r.len - l.pos;
	e->ty = TY_COND;
	int enum_ne = !strcmp(op, "!=") && (l.ty == TY_ENUM || r.ty == TY_ENUM);
	ex *col = l.lit ? &r : &l;
	if (enum_ne) {
		/* MLMD: `state != LIVE` also matches nodes with no state. */
		char *c = mlmd__strndup(col->sql.p ? col->sql.p : "", col->sql.len);
		if (!c) {
			ex_free(&l);
			ex_free(&r);
			return p->rc = MLMD_OOM();
		}
		mlmd__buf_puts(&e->sql, "(");
		if (ex_append(p, e, &l) == 0) {
			mlmd__buf_puts(&e->sql, " != ");
			if (ex_append(p, e, &r) == 0)
				mlmd__buf_printf(&e->sql, " OR %s IS NULL)", c);
		} else {
			ex_free(&r);
		}
		free(c);
		return p->rc;
	}
	mlmd__buf_puts(&e->sql, "(");
	if (ex_append(p, e, &l)) {
		ex_free(&r);
		return p->rc;
	}
	mlmd__buf_printf(&e->sql, " %s ", op);
	if (ex_append(p, e, &r))
		return p->rc;
	mlmd__buf_puts(&e->sql, ")");
	return 0;
}

static int parse_not(parser *p, ex *e)
{
	if (p->cur.t != T_NOT)
		return parse_cmp(p, e);
	size_t pos = p->cur.pos;
	if (++p->depth > MLMD_FILTER_MAX_DEPTH)
		return perr(p, pos, "query nests deeper than %d levels", MLMD_FILTER_MAX_DEPTH);
	ex x = { 0 };
	if (count_op(p, pos) || next(p) || parse_not(p, &x) || as_cond(p, &x, "NOT")) {
		ex_free(&x);
		return p->rc;
	}
	p->depth--;
	e->pos = pos;
	e->len = x.pos + x.len - pos;
	e->ty = TY_COND;
	mlmd__buf_puts(&e->sql, "(NOT ");
	if (ex_append(p, e, &x))
		return p->rc;
	mlmd__buf_puts(&e->sql, ")");
	return 0;
}

/* AND (is_or = 0) and OR (is_or = 1) chains. */
static int parse_logic(parser *p, ex *e, int is_or)
{
	if (is_or ? parse_logic(p, e, 0) : parse_not(p, e))
		return p->rc;
	enum tok want = is_or ? T_OR : T_AND;
	const char *name = is_or ? "OR" : "AND";
	if (p->cur.t != want)
		return 0;
	if (as_cond(p, e, name))
		return p->rc;
	ex l = *e;
	memset(e, 0, sizeof *e);
	e->pos = l.pos;
	e->ty = TY_COND;
	mlmd__buf_puts(&e->sql, "(");
	if (ex_append(p, e, &l))
		return p->rc;
	while (p->cur.t == want) {
		ex r = { 0 };
		if (count_op(p, p->cur.pos) || next(p) || (is_or ? parse_logic(p, &r, 0) : parse_not(p, &r)) || as_cond(p, &r, name)) {
			ex_free(&r);
			return p->rc;
		}
		e->len = r.pos + r.len - e->pos;
		mlmd__buf_printf(&e->sql, " %s ", name);
		if (ex_append(p, e, &r))
			return p->rc;
	}
	mlmd__buf_puts(&e->sql, ")");
	return 0;
}

static int parse_or(parser *p, ex *e)
{
	return parse_logic(p, e, 1);
}

/* ---- joins ------------------------------------------------------------------------ */

static void emit_joins(parser *p, mlmd__filter *f, int missing_is_null)
{
	mlmd_buf *b = &f->join;
	if (p->base_type)
		mlmd__buf_puts(b, " JOIN type ty ON ty.id = n.type_id");
	for (int i = 0; i < p->njoins; i++) {
		join *j = &p->joins[i];
		if (j->is_prop) {
			/* the node id as the property index orders it: ordering by it lets an
			 * equality filter page without sorting */
			if (!missing_is_null && !f->id_col[0])
				snprintf(f->id_col, sizeof f->id_col, "p%d.node_id", i);
			mlmd__buf_printf(b, " %sJOIN %s_property p%d ON p%d.node_id = n.id AND p%d.is_custom = %d AND p%d.name = ?",
					 missing_is_null ? "LEFT " : "", mlmd__kind_table(p->kind), i, i, i, j->is_custom, i);
			mlmd__sqlarg a = { 's', 0, 0, mlmd__strdup(j->name) };
			if (!a.s || args_push(&f->join_args, a)) {
				b->oom = 1;
				return;
			}
			continue;
		}
		f->distinct = 1;
		const char *own = p->kind == KIND_ARTIFACT ? "artifact_id" : "execution_id";
		switch (j->nb) {
		case NB_CONTEXTS:
			mlmd__buf_printf(b, " JOIN %s l%d ON l%d.%s = n.id JOIN context x%d ON x%d.id = l%d.context_id",
					 p->kind == KIND_ARTIFACT ? "attribution" : "association", i, i, own, i, i, i);
			break;
		case NB_EVENTS:
			mlmd__buf_printf(b, " JOIN event x%d ON x%d.%s = n.id", i, i, own);
			break;
		case NB_PARENTS:
			mlmd__buf_printf(b, " JOIN parent_context l%d ON l%d.child_id = n.id JOIN context x%d ON x%d.id = l%d.parent_id",
					 i, i, i, i, i);
			break;
		case NB_CHILDREN:
			mlmd__buf_printf(b, " JOIN parent_context l%d ON l%d.parent_id = n.id JOIN context x%d ON x%d.id = l%d.child_id",
					 i, i, i, i, i);
			break;
		case NB_ARTIFACTS:
			mlmd__buf_printf(b, " JOIN attribution l%d ON l%d.context_id = n.id JOIN artifact x%d ON x%d.id = l%d.artifact_id",
					 i, i, i, i, i);
			break;
		case NB_EXECUTIONS:
			mlmd__buf_printf(b, " JOIN association l%d ON l%d.context_id = n.id JOIN execution x%d ON x%d.id = l%d.execution_id",
					 i, i, i, i, i);
			break;
		}
		if (j->need_type)
			mlmd__buf_printf(b, " JOIN type y%d ON y%d.id = x%d.type_id", i, i, i);
	}
}

/* ---- entry points ---------------------------------------------------------------- */

void mlmd__filter_free(mlmd__filter *f)
{
	mlmd__buf_free(&f->join);
	mlmd__buf_free(&f->where);
	args_free(&f->join_args);
	args_free(&f->where_args);
	memset(f, 0, sizeof *f);
}

int mlmd__filter_compile(int kind, const char *query, int missing_is_null, mlmd__filter *f)
{
	memset(f, 0, sizeof *f);
	if (!query)
		query = "";
	size_t n = strlen(query);
	if (n > MLMD_FILTER_MAX_LEN)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "filter_query: %zu bytes is longer than the limit of %d", n,
				  MLMD_FILTER_MAX_LEN);
	parser p;
	memset(&p, 0, sizeof p);
	p.kind = kind;
	p.src = query;
	p.n = n;
	p.cur.t = T_BAD;
	ex e = { 0 };
	if (next(&p) == 0) {
		if (p.cur.t == T_EOF)
			perr(&p, 0, "empty query; write a condition such as name = 'x'");
		else if (parse_or(&p, &e) == 0 && as_cond(&p, &e, "a filter") == 0 && p.cur.t != T_EOF) {
			char b[64];
			perr(&p, p.cur.pos, "unexpected %s after a complete condition", tok_show(&p, &p.cur, b, sizeof b));
		}
	}
	free(p.cur.text);
	int rc = p.rc;
	if (!rc) {
		emit_joins(&p, f, missing_is_null);
		mlmd__buf_put(&f->where, e.sql.p, e.sql.len);
		mlmd__buf_put(&f->where, "", 1);
		mlmd__buf_put(&f->join, "", 1);
		if (f->where.oom || f->join.oom || e.sql.oom)
			rc = MLMD_OOM();
		else
			rc = args_move(&f->where_args, &e.args);
	}
	ex_free(&e);
	for (int i = 0; i < p.njoins; i++)
		free(p.joins[i].name);
	if (rc)
		mlmd__filter_free(f);
	return rc;
}

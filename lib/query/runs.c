/*
 * query/runs.c - MLflow's run search syntax compiled to SQL over the run
 * executions (experiment tracking's SearchRuns; docs/tracking.md).
 *
 *   filter   := cond (AND cond)*                  (MLflow has no OR)
 *   cond     := ident op value
 *   ident    := entity '.' key     entity: metrics|metric, params|param|parameters|parameter,
 *                                   tags|tag, attributes|attribute|attr|run
 *   key      := bare (letters, digits, _ . - / :) | `quoted` | "quoted"
 *   op       := = | != | <> | < | <= | > | >= | LIKE | ILIKE
 *   value    := number | 'string' | "string"     (backslash escapes the quote)
 *   order_by := ident [ASC|DESC]
 *
 * Every value and key becomes a bound parameter. A run is an execution
 * associated with an mlmd.Experiment context; conditions are EXISTS
 * subqueries on its custom properties (metric.<key> double, param.<key>
 * int/double/string, tag.<key> string), so a run lacking the key never
 * matches, as in MLflow.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "query.h"

typedef struct lex {
	const char *src, *p;
	const char *what;            /* "filter", "order_by[0]" */
} lex;

enum { T_END, T_WORD, T_STR, T_NUM, T_OP, T_DOT, T_QKEY, T_BAD };

typedef struct tok {
	int t;
	const char *s;               /* in src */
	size_t n;
	size_t pos;                  /* 1-based */
	char *text;                  /* T_STR, T_QKEY: decoded (owned) */
} tok;

static int err(lex *l, const tok *t, const char *fmt, const char *arg)
{
	char msg[256];
	mlmd__snprintf(msg, sizeof msg, fmt, arg);
	if (t->t == T_END)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: position %zu: %s, got the end of the text", l->what,
				  t->pos, msg);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: position %zu: %s, got '%.*s'", l->what, t->pos, msg,
			  (int)(t->n > 60 ? 60 : t->n), t->s);
}

static int is_bare(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
	       c == '/' || c == ':';
}

/* A quoted text starting at l->p (the quote); backslash escapes any byte. */
static int quoted(lex *l, tok *t, int kind)
{
	char q = *l->p++;
	mlmd_buf b = { 0 };
	while (*l->p && *l->p != q) {
		if (*l->p == '\\' && l->p[1])
			l->p++;
		mlmd__buf_put(&b, l->p++, 1);
	}
	if (*l->p != q) {
		mlmd__buf_free(&b);
		t->n = (size_t)(l->p - t->s);
		return err(l, t, "%s", "a quoted text is not closed");
	}
	l->p++;
	mlmd__buf_put(&b, "", 1);
	if (!b.p)
		return MLMD_OOM();
	t->t = kind;
	t->text = b.p;
	t->n = (size_t)(l->p - t->s);
	return 0;
}

static int next(lex *l, tok *t)
{
	free(t->text);
	memset(t, 0, sizeof *t);
	while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
		l->p++;
	t->s = l->p;
	t->pos = (size_t)(l->p - l->src) + 1;
	char c = *l->p;
	if (!c) {
		t->t = T_END;
		return 0;
	}
	if (c == '\'')
		return quoted(l, t, T_STR);
	if (c == '"' || c == '`')
		return quoted(l, t, c == '`' ? T_QKEY : T_STR);
	if (c == '.') {
		l->p++;
		t->t = T_DOT;
	} else if (c == '=' ) {
		l->p++;
		t->t = T_OP;
	} else if (c == '!' || c == '<' || c == '>') {
		l->p++;
		if (*l->p == '=' || (c == '<' && *l->p == '>'))
			l->p++;
		t->t = c == '!' && l->p - t->s == 1 ? T_BAD : T_OP;
	} else if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && l->p[1] >= '0' && l->p[1] <= '9')) {
		l->p++;
		while ((*l->p >= '0' && *l->p <= '9') || *l->p == '.' || *l->p == 'e' || *l->p == 'E' ||
		       ((*l->p == '-' || *l->p == '+') && (l->p[-1] == 'e' || l->p[-1] == 'E')))
			l->p++;
		t->t = T_NUM;
	} else if (is_bare(c)) {
		while (is_bare(*l->p))
			l->p++;
		t->t = T_WORD;
	} else {
		l->p++;
		t->t = T_BAD;
	}
	t->n = (size_t)(l->p - t->s);
	return 0;
}

static int word_is(const tok *t, const char *w)
{
	return t->t == T_WORD && strlen(w) == t->n && !strncasecmp(t->s, w, t->n);
}

/* ---- parameters and text ------------------------------------------------------- */

typedef struct out {
	mlmd_buf sql;
	mlmd__args args;
	int rc;
} out;

static void push(out *o, mlmd__sqlarg v)
{
	if (o->rc) {
		free(v.s);
		return;
	}
	if (o->args.n == o->args.cap) {
		size_t cap = o->args.cap ? o->args.cap * 2 : 8;
		mlmd__sqlarg *p = realloc(o->args.v, cap * sizeof *p);
		if (!p) {
			free(v.s);
			o->rc = MLMD_OOM();
			return;
		}
		o->args.v = p;
		o->args.cap = cap;
	}
	o->args.v[o->args.n++] = v;
}

static void arg_s(out *o, const char *prefix, const char *s)
{
	size_t a = strlen(prefix), b = strlen(s);
	mlmd__sqlarg v = { 's', 0, 0, malloc(a + b + 1) };
	if (!v.s) {
		o->rc = o->rc ? o->rc : MLMD_OOM();
		return;
	}
	memcpy(v.s, prefix, a);
	memcpy(v.s + a, s, b + 1);
	push(o, v);
}

static void arg_i(out *o, int64_t i)
{
	mlmd__sqlarg v = { 'i', i, 0, NULL };
	push(o, v);
}

static void arg_d(out *o, double d)
{
	mlmd__sqlarg v = { 'd', 0, d, NULL };
	push(o, v);
}

static void put(out *o, const char *s)
{
	mlmd__buf_puts(&o->sql, s);
}

/* ---- identifiers ------------------------------------------------------------------ */

enum { E_METRIC, E_PARAM, E_TAG, E_ATTR };
enum { A_STATUS, A_RUN_NAME, A_START, A_END, A_RUN_ID };

typedef struct ident {
	int entity, attr;
	char *key;                   /* owned */
	size_t pos;
} ident;

static int parse_ident(lex *l, tok *t, ident *id)
{
	memset(id, 0, sizeof *id);
	id->pos = t->pos;
	if (t->t != T_WORD)
		return err(l, t, "%s", "expected metrics.<key>, params.<key>, tags.<key> or attributes.<name>");
	if (word_is(t, "metrics") || word_is(t, "metric"))
		id->entity = E_METRIC;
	else if (word_is(t, "params") || word_is(t, "param") || word_is(t, "parameters") || word_is(t, "parameter"))
		id->entity = E_PARAM;
	else if (word_is(t, "tags") || word_is(t, "tag"))
		id->entity = E_TAG;
	else if (word_is(t, "attributes") || word_is(t, "attribute") || word_is(t, "attr") || word_is(t, "run"))
		id->entity = E_ATTR;
	else
		return err(l, t, "%s", "expected metrics.<key>, params.<key>, tags.<key> or attributes.<name>");
	int rc = next(l, t);
	if (rc)
		return rc;
	if (t->t != T_DOT)
		return err(l, t, "%s", "expected '.' and a key");
	/* the key: the rest of a bare run of characters (dots included), or quoted */
	const char *start = l->p;
	if (*start == '`' || *start == '"') {
		if ((rc = next(l, t)))
			return rc;
		id->key = t->text;
		t->text = NULL;
	} else {
		while (is_bare(*l->p) || *l->p == '.')
			l->p++;
		size_t n = (size_t)(l->p - start);
		if (!n) {
			if ((rc = next(l, t)))
				return rc;
			return err(l, t, "%s", "expected a key after the '.'");
		}
		id->key = malloc(n + 1);
		if (!id->key)
			return MLMD_OOM();
		memcpy(id->key, start, n);
		id->key[n] = '\0';
	}
	if (!*id->key) {
		t->pos = id->pos;
		return err(l, t, "%s", "the key is empty");
	}
	if (id->entity == E_ATTR) {
		const char *k = id->key;
		if (!strcmp(k, "status"))
			id->attr = A_STATUS;
		else if (!strcmp(k, "run_name") || !strcmp(k, "name"))
			id->attr = A_RUN_NAME;
		else if (!strcmp(k, "start_time") || !strcmp(k, "created"))
			id->attr = A_START;
		else if (!strcmp(k, "end_time"))
			id->attr = A_END;
		else if (!strcmp(k, "run_id") || !strcmp(k, "id"))
			id->attr = A_RUN_ID;
		else {
			tok at = { T_WORD, id->key, strlen(id->key), id->pos, NULL };
			return err(l, &at, "%s", "attributes are status, run_name, start_time, end_time and run_id");
		}
	}
	return next(l, t);
}

/* The property subquery's head for a key of the run. */
#define PROP "SELECT 1 FROM execution_property p WHERE p.node_id = e.id AND p.is_custom = 1 AND p.name = ?"

static const char *prefix_of(int entity)
{
	return entity == E_METRIC ? "metric." : entity == E_PARAM ? "param." : "tag.";
}

/* ml_metadata.Execution.State, by MLflow's names and MLMD's */
static int status_value(const char *s)
{
	static const struct { const char *name; int v; } st[] = {
		{ "RUNNING", 2 }, { "FINISHED", 3 }, { "COMPLETE", 3 }, { "FAILED", 4 }, { "KILLED", 6 },
		{ "CANCELED", 6 }, { "SCHEDULED", 1 }, { "NEW", 1 },
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
		if (!strcasecmp(s, st[i].name))
			return st[i].v;
	return -1;
}

/* One comparison. `op` is the operator's text (=, !=, <>, <, ..., LIKE, ILIKE). */
static int cond(lex *l, out *o, const ident *id, const tok *optok, const tok *v)
{
	char op[8];
	int like = word_is(optok, "LIKE"), ilike = word_is(optok, "ILIKE");
	if (like || ilike)
		mlmd__snprintf(op, sizeof op, "LIKE");
	else if ((optok->n == 2 && !strncmp(optok->s, "!=", 2)) || (optok->n == 2 && !strncmp(optok->s, "<>", 2)))
		mlmd__snprintf(op, sizeof op, "<>");
	else
		mlmd__snprintf(op, sizeof op, "%.*s", (int)optok->n, optok->s);
	int eq = !strcmp(op, "="), ne = !strcmp(op, "<>");
	double num = 0;
	const char *text = v->t == T_STR ? v->text : NULL;
	char numtext[64] = "";
	if (v->t == T_NUM && v->n >= sizeof numtext) /* cut short, it would be another number */
		return err(l, v, "%s", "a number is at most 63 characters");
	if (v->t == T_NUM)
		mlmd__snprintf(numtext, sizeof numtext, "%.*s", (int)v->n, v->s);
	const char *lit = text ? text : numtext;
	int is_num = mlmd__parse_double(lit, strlen(lit), MLMD_NUM_TRIM, &num) == 0;
	if (v->t != T_STR && v->t != T_NUM)
		return err(l, v, "%s", "expected a number or a quoted string");
	if ((like || ilike) && strlen(lit) > MLMD_FILTER_MAX_PATTERN) { /* SQLite refuses patterns over 50000 bytes */
		char msg[64];
		mlmd__snprintf(msg, sizeof msg, "the pattern is %zu bytes; at most %d", strlen(lit),
			       MLMD_FILTER_MAX_PATTERN);
		return err(l, v, "%s", msg);
	}
	char sql[512];
	if (id->entity == E_METRIC) {
		if (like || ilike)
			return err(l, optok, "%s", "metrics compare with = != < <= > >=");
		if (v->t != T_NUM || !is_num)
			return err(l, v, "%s", "a metric compares with a number");
		mlmd__snprintf(sql, sizeof sql, "EXISTS (" PROP " AND p.double_value %s ?)", op);
		put(o, sql);
		arg_s(o, "metric.", id->key);
		arg_d(o, num);
		return 0;
	}
	if (id->entity == E_PARAM || id->entity == E_TAG) {
		const char *pre = prefix_of(id->entity);
		if (like || ilike) {
			put(o, ilike ? "EXISTS (" PROP " AND LOWER(p.string_value) LIKE LOWER(CAST(? AS TEXT)))"
				     : "EXISTS (" PROP " AND p.string_value LIKE ?)");
			arg_s(o, pre, id->key);
			arg_s(o, "", lit);
			return 0;
		}
		/* a parameter logged as a number matches the same number written as text */
		int numeric = id->entity == E_PARAM && is_num;
		if (eq || ne) {
			const char *match = numeric ? " AND (p.string_value = ? OR p.int_value = ? OR p.double_value = ?))"
						    : " AND p.string_value = ?)";
			if (ne)
				put(o, "(EXISTS (" PROP ") AND NOT EXISTS (" PROP);
			else
				put(o, "EXISTS (" PROP);
			put(o, match);
			if (ne) {
				put(o, ")");
				arg_s(o, pre, id->key);
			}
			arg_s(o, pre, id->key);
			arg_s(o, "", lit);
			if (numeric) {
				arg_d(o, num);
				arg_d(o, num);
			}
			return 0;
		}
		if (numeric)
			mlmd__snprintf(sql, sizeof sql, "EXISTS (" PROP " AND (p.int_value %s ? OR p.double_value %s ?))", op,
				       op);
		else
			mlmd__snprintf(sql, sizeof sql, "EXISTS (" PROP " AND p.string_value %s ?)", op);
		put(o, sql);
		arg_s(o, pre, id->key);
		if (numeric) {
			arg_d(o, num);
			arg_d(o, num);
		} else {
			arg_s(o, "", lit);
		}
		return 0;
	}
	switch (id->attr) {
	case A_STATUS: {
		if (!eq && !ne)
			return err(l, optok, "%s", "attributes.status compares with = or !=");
		int s = status_value(lit);
		if (s < 0)
			return err(l, v, "%s", "a status is RUNNING, FINISHED, FAILED or KILLED (or COMPLETE, CANCELED)");
		put(o, eq ? "e.state = ?" : "e.state <> ?");
		arg_i(o, s);
		return 0;
	}
	case A_RUN_NAME:
		if (ilike)
			put(o, "LOWER(e.name) LIKE LOWER(CAST(? AS TEXT))");
		else {
			mlmd__snprintf(sql, sizeof sql, "e.name %s ?", op);
			put(o, sql);
		}
		arg_s(o, "", lit);
		return 0;
	default:
		break;
	}
	/* start_time, end_time, run_id: integers */
	if (like || ilike)
		return err(l, optok, "%s", "this attribute compares with = != < <= > >=");
	if (!is_num)
		return err(l, v, "%s", "this attribute compares with a number");
	if (id->attr == A_END) {
		mlmd__snprintf(sql, sizeof sql, "EXISTS (" PROP " AND p.int_value %s ?)", op);
		put(o, sql);
		arg_s(o, "", "mlmd.end_time");
	} else {
		mlmd__snprintf(sql, sizeof sql, "%s %s ?", id->attr == A_START ? "e.create_time" : "e.id", op);
		put(o, sql);
	}
	arg_d(o, num);
	return 0;
}

static int parse_filter(lex *l, out *o)
{
	tok t = { 0 }, op = { 0 }, v = { 0 };
	ident id = { 0 };
	int rc = next(l, &t), n = 0;
	if (!rc && t.t == T_END)
		return 0;
	while (!rc) {
		if (n == MLMD_RUNS_MAX_CONDITIONS) { /* each one nests the SQL expression deeper */
			char msg[64];
			mlmd__snprintf(msg, sizeof msg, "more than %d conditions", MLMD_RUNS_MAX_CONDITIONS);
			rc = err(l, &t, "%s", msg);
			break;
		}
		if ((rc = parse_ident(l, &t, &id)))
			break;
		if (t.t != T_OP && !word_is(&t, "LIKE") && !word_is(&t, "ILIKE")) {
			rc = err(l, &t, "%s", "expected a comparison (= != < <= > >= LIKE ILIKE)");
			break;
		}
		op = t;
		t.text = NULL;
		if ((rc = next(l, &v))) /* next() frees the token's old text */
			break;
		put(o, n++ ? " AND " : " AND (");
		if ((rc = cond(l, o, &id, &op, &v)))
			break;
		free(id.key);
		id.key = NULL;
		if ((rc = next(l, &t)))
			break;
		if (t.t == T_END)
			break;
		if (word_is(&t, "OR")) {
			rc = err(l, &t, "%s", "conditions are joined by AND (MLflow's search has no OR)");
			break;
		}
		if (!word_is(&t, "AND")) {
			rc = err(l, &t, "%s", "expected AND or the end of the filter");
			break;
		}
		if ((rc = next(l, &t)))
			break;
	}
	free(id.key);
	free(t.text);
	free(v.text);
	if (!rc && n)
		put(o, ")");
	return rc ? rc : o->rc;
}

/* One order_by entry: "<ident> [ASC|DESC]", missing values last. */
static int parse_order(lex *l, out *o)
{
	tok t = { 0 };
	ident id = { 0 };
	int rc = next(l, &t);
	if (!rc)
		rc = parse_ident(l, &t, &id);
	const char *dir = "ASC";
	if (!rc && (word_is(&t, "ASC") || word_is(&t, "DESC"))) {
		dir = word_is(&t, "ASC") ? "ASC" : "DESC";
		rc = next(l, &t);
	}
	if (!rc && t.t != T_END)
		rc = err(l, &t, "%s", "expected ASC, DESC or the end of the entry");
	char sql[640];
	if (!rc && id.entity == E_ATTR && id.attr != A_END) {
		const char *col = id.attr == A_STATUS ? "e.state" : id.attr == A_RUN_NAME ? "e.name" :
				  id.attr == A_START ? "e.create_time" : "e.id";
		mlmd__snprintf(sql, sizeof sql, "%s %s, ", col, dir);
		put(o, sql);
	} else if (!rc) {
		const char *col = id.entity == E_METRIC ? "p.double_value" : id.entity == E_TAG ? "p.string_value" :
				  id.entity == E_ATTR ? "p.int_value" : "COALESCE(p.double_value, p.int_value)";
		const char *pre = id.entity == E_ATTR ? "" : prefix_of(id.entity);
		const char *key = id.entity == E_ATTR ? "mlmd.end_time" : id.key;
#define SUB "(SELECT %s FROM execution_property p WHERE p.node_id = e.id AND p.is_custom = 1 AND p.name = ?)"
		/* missing (or not a number, for the numeric part) last, on both backends */
		mlmd__snprintf(sql, sizeof sql, "CASE WHEN " SUB " IS NULL THEN 1 ELSE 0 END, " SUB " %s, ", col, col, dir);
		put(o, sql);
		arg_s(o, pre, key);
		arg_s(o, pre, key);
		if (id.entity == E_PARAM) { /* numbers first, by value; then strings */
			mlmd__snprintf(sql, sizeof sql, SUB " %s, ", "p.string_value", dir);
			put(o, sql);
			arg_s(o, pre, key);
		}
#undef SUB
	}
	free(id.key);
	free(t.text);
	return rc ? rc : o->rc;
}

int mlmd__runs_compile(const char *filter, const char *const *order_by, size_t n_order,
		       const char *const *experiments, size_t n_experiments, int64_t limit, int64_t offset,
		       mlmd_buf *sql, mlmd__args *args)
{
	if (n_experiments > MLMD_RUNS_MAX_EXPERIMENTS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "experiment_names: %zu names; at most %d", n_experiments,
				  MLMD_RUNS_MAX_EXPERIMENTS);
	if (n_order > MLMD_RUNS_MAX_ORDER)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "order_by: %zu entries; at most %d", n_order,
				  MLMD_RUNS_MAX_ORDER);
	out o = { { 0 }, { 0 }, 0 };
	put(&o, "SELECT e.id FROM execution e WHERE EXISTS (SELECT 1 FROM association a JOIN context x ON x.id ="
		" a.context_id JOIN type xt ON xt.id = x.type_id WHERE a.execution_id = e.id AND xt.kind = 2 AND"
		" xt.name = 'mlmd.Experiment'");
	if (n_experiments) {
		put(&o, " AND x.name IN (");
		for (size_t i = 0; i < n_experiments; i++) {
			put(&o, i ? ", ?" : "?");
			arg_s(&o, "", experiments[i] ? experiments[i] : "");
		}
		put(&o, ")");
	}
	put(&o, ")");
	int rc = 0;
	if (filter && strlen(filter) > MLMD_FILTER_MAX_LEN)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "filter: %zu bytes; at most %d", strlen(filter),
				MLMD_FILTER_MAX_LEN);
	if (!rc && filter) {
		lex l = { filter, filter, "filter" };
		rc = parse_filter(&l, &o);
	}
	put(&o, " ORDER BY ");
	for (size_t i = 0; i < n_order && !rc; i++) {
		char what[32];
		mlmd__snprintf(what, sizeof what, "order_by[%zu]", i);
		lex l = { order_by[i] ? order_by[i] : "", order_by[i] ? order_by[i] : "", what };
		rc = parse_order(&l, &o);
	}
	put(&o, n_order ? "e.id DESC LIMIT ? OFFSET ?" : "e.create_time DESC, e.id DESC LIMIT ? OFFSET ?");
	arg_i(&o, limit);
	arg_i(&o, offset);
	if (!rc)
		rc = o.rc;
	if (!rc && !o.sql.p)
		rc = MLMD_OOM();
	if (rc) {
		mlmd__buf_free(&o.sql);
		mlmd__runs_args_free(&o.args);
		return rc;
	}
	*sql = o.sql;
	*args = o.args;
	return 0;
}

void mlmd__runs_args_free(mlmd__args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].s);
	free(a->v);
	memset(a, 0, sizeof *a);
}

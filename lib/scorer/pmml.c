/*
 * scorer/pmml.c - PMML 3.x/4.x models compiled into one scorer op.
 *
 * The document (pmml_xml.c) is compiled once: every field gets a slot in a
 * row frame, expressions and predicates become small trees with field
 * indexes resolved, tree models become flat node arrays (children of a node
 * stored consecutively, predicates by index), and each model node owns a
 * fixed region of a per-call scratch array. Scoring walks rows through
 * the frame: mining-schema treatment, transformations, the model (nested
 * for MiningModel segments), then the Output fields. Nothing is allocated
 * per row.
 *
 * Values are three-state: missing, number, or string. Predicates use PMML's
 * three-valued logic (TRUE, FALSE, UNKNOWN when an input is missing).
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

/* ---- values ---------------------------------------------------------------------------- */

enum { PV_MISSING, PV_NUM, PV_STR };
typedef struct {
	uint8_t t;
	double d;
	const char *s;
} pv;

static const pv MISSING = { PV_MISSING, 0, NULL };

static pv num(double d)
{
	pv v = { PV_NUM, d, NULL };
	if (d != d)
		v.t = PV_MISSING;
	return v;
}

static bool parse_double(const char *s, double *out)
{
	if (!s)
		return false;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	char *end;
	*out = mlmd__strtod(s, &end);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return end != s && *end == '\0';
}

/* A value as a number (strings that parse); false when it is not one. */
static bool as_num(pv v, double *d)
{
	if (v.t == PV_NUM) {
		*d = v.d;
		return true;
	}
	return v.t == PV_STR && parse_double(v.s, d);
}

/* Equality of a field value with a constant, by the field's kind. */
static int cmp_values(pv a, pv b, bool numeric, int *ok)
{
	double x, y;
	*ok = 1;
	if (numeric || (a.t == PV_NUM && b.t == PV_NUM)) {
		if (as_num(a, &x) && as_num(b, &y))
			return x < y ? -1 : x > y;
		if (a.t == PV_STR && b.t == PV_STR)
			return strcmp(a.s, b.s);
		*ok = 0;
		return 0;
	}
	char ba[40], bb[40];
	const char *sa = a.s, *sb = b.s;
	if (a.t == PV_NUM) {
		mlmd__snprintf(ba, sizeof ba, "%.17g", a.d);
		sa = ba;
	}
	if (b.t == PV_NUM) {
		mlmd__snprintf(bb, sizeof bb, "%.17g", b.d);
		sb = bb;
	}
	if (!sa || !sb) {
		*ok = 0;
		return 0;
	}
	return strcmp(sa, sb);
}

/* ---- the compiled document -------------------------------------------------------------------- */

enum { F_DOUBLE, F_STRING };               /* how a field's values are kept */
enum { TR_AS_IS, TR_MISSING, TR_INVALID, TR_VALUE };

typedef struct pexpr pexpr;
typedef struct ppred ppred;
typedef struct pmodel pmodel;

typedef struct {
	const char *name;
	int kind;                /* F_DOUBLE or F_STRING */
	bool categorical;
	bool is_float;           /* dataType="float": values are rounded to float32 */
	size_t n_values;         /* DataField Value list */
	const char **values;
	uint8_t *vprop;          /* 0 valid, 1 invalid, 2 missing */
	const char **display;
	size_t n_iv;             /* Intervals (continuous validity) */
	double *lo, *hi;
	uint8_t *lo_open, *hi_open;
	pexpr *derive;           /* DerivedField expression, else NULL */
	int n_codes;             /* texts compiled trees compare this (text) field with, sorted: */
	const char **codes;      /* a value's position among them is its number in the tree engine */
} pfield;

struct pexpr {
	int kind;
	pv c;                    /* Constant */
	int field;               /* FieldRef, Norm*, Discretize */
	int fn, nargs;           /* Apply */
	pexpr **args;
	pv map_missing, deflt;
	int invalid;             /* Apply invalidValueTreatment */
	size_t n;                /* NormContinuous points; Discretize bins; MapValues rows */
	double *orig, *norm;
	int outliers;
	double *lo, *hi;
	uint8_t *lo_open, *hi_open, *has_lo, *has_hi;
	pv *bins;
	pv value;                /* NormDiscrete */
	size_t ncols;            /* MapValues */
	int *cols;
	pv *table, *out;
};
enum { E_CONST, E_FIELD, E_APPLY, E_NORMCONT, E_NORMDISC, E_DISCRETIZE, E_MAPVALUES };

struct ppred {
	int kind;
	int field;
	int op;
	bool numeric;
	pv value;
	size_t n;
	pv *set;
	bool is_in;
	ppred **sub;
};
enum { P_TRUE, P_FALSE, P_SIMPLE, P_SET, P_AND, P_OR, P_XOR, P_SURROGATE };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MISSING, OP_NOT_MISSING };
enum { T_FALSE, T_TRUE, T_UNKNOWN };

typedef struct {
	int field;
	int usage;               /* 0 active, 1 target/predicted, 2 other */
	pv replacement;
	int invalid;             /* TR_* */
	pv invalid_value;
	int outliers;            /* 0 asIs, 1 asMissingValues, 2 asExtremeValues */
	double low, high;
	bool noop;               /* nothing to check or replace: treat_input would leave the value as it is */
} pmf;

enum { OF_PREDICTED, OF_DISPLAY, OF_PROBABILITY, OF_TRANSFORMED, OF_REASON, OF_ENTITY, OF_CONFIDENCE };
typedef struct {
	int field;               /* its slot */
	int feature;
	pv value;                /* probability of this category */
	int rank;
	pexpr *expr;
	int out_index;           /* position among the graph outputs, or -1 (nested models) */
} poutf;

enum { M_REGRESSION, M_TREE, M_MINING, M_GENERAL, M_NEURAL, M_BAYES, M_SCORECARD };

/* A result: a value, and for classification a probability per category. */
typedef struct {
	pv value;
	double *p;               /* n_cls probabilities (NaN when not computed), in the model's scratch */
	bool has_p;
	const char *entity;
	int cls;                 /* classification: the index of the predicted category, -1 if not known */
	double confidence;
	int n_reasons;
	const char **reasons;
} pres;

struct pmodel {
	int kind;
	bool classification;
	const char *name;
	size_t n_mf;
	pmf *mf;
	int target;              /* field, or -1 */
	size_t n_local;
	int *local;              /* derived fields to compute first */
	size_t n_out;
	poutf *out;
	size_t n_cls;            /* categories of the target */
	const char **cls;
	int scratch;             /* offset of n_cls doubles (+ model extras) in the per-row scratch */
	bool has_target_xf;      /* Targets */
	double rescale_factor, rescale_const, tmin, tmax;
	bool has_min, has_max;
	int cast;                /* 0 none, 1 round, 2 ceiling, 3 floor */
	void *body;
};

typedef struct {
	int n_fields, cap_fields;
	pfield *fields;
	pmodel *top;
	int n_scratch;
	sc_pool *pool;
	/* name -> field: the latest definition wins (segments may redefine names) */
	const char **names;
	int *ids;
	size_t map_cap;
	int n_inputs;
	int *input_fields;
	size_t n_outputs;
	int *output_fields;      /* fields of the top model's outputs */
	int *output_kinds;       /* F_DOUBLE, F_STRING, or -1 for the probability matrix */
	int trees_engine, trees_walked; /* TreeModels compiled into the tree engine, and walked */
	size_t n_verif;          /* models with a ModelVerification block, checked after the build */
	pmodel *verif_model[64];
	const px *verif_node[64];
} pdoc;

/* ---- errors ------------------------------------------------------------------------------ */

static int bad(const px *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const px *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML line %d: <%s>: %s", n ? n->line : 0, n ? n->name : "?", msg);
}

static int unsupported(const px *n, const char *what)
{
	return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s>: %s is not supported", n->line, n->name, what);
}

/* ---- fields ------------------------------------------------------------------------------- */

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int map_put(pdoc *d, const char *name, int id)
{
	if ((size_t)(d->n_fields + 1) * 2 > d->map_cap) {
		size_t cap = d->map_cap ? d->map_cap * 2 : 64;
		const char **nn = calloc(cap, sizeof *nn);
		int *ni = calloc(cap, sizeof *ni);
		if (!nn || !ni) {
			free(nn);
			free(ni);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < d->map_cap; i++)
			if (d->names[i]) {
				size_t j = hash_name(d->names[i]) & (cap - 1);
				while (nn[j])
					j = (j + 1) & (cap - 1);
				nn[j] = d->names[i];
				ni[j] = d->ids[i];
			}
		free(d->names);
		free(d->ids);
		d->names = nn;
		d->ids = ni;
		d->map_cap = cap;
	}
	size_t j = hash_name(name) & (d->map_cap - 1);
	while (d->names[j] && strcmp(d->names[j], name) != 0)
		j = (j + 1) & (d->map_cap - 1);
	d->names[j] = name;
	d->ids[j] = id;
	return 0;
}

static int field_id(const pdoc *d, const char *name)
{
	if (!name || !d->map_cap)
		return -1;
	size_t j = hash_name(name) & (d->map_cap - 1);
	while (d->names[j]) {
		if (strcmp(d->names[j], name) == 0)
			return d->ids[j];
		j = (j + 1) & (d->map_cap - 1);
	}
	return -1;
}

static int add_field(pdoc *d, const char *name, int kind, int *out)
{
	if (d->n_fields == d->cap_fields) {
		int cap = d->cap_fields ? d->cap_fields * 2 : 32;
		pfield *nf = realloc(d->fields, (size_t)cap * sizeof *nf);
		if (!nf)
			return MLMD_OOM();
		d->fields = nf;
		d->cap_fields = cap;
	}
	pfield *f = &d->fields[d->n_fields];
	memset(f, 0, sizeof *f);
	f->name = name;
	f->kind = kind;
	int rc = map_put(d, name, d->n_fields);
	if (rc)
		return rc;
	*out = d->n_fields++;
	return 0;
}

static int kind_of_type(const char *dtype)
{
	if (!dtype)
		return F_DOUBLE;
	return (!strcmp(dtype, "string") || !strcmp(dtype, "boolean") || !strncmp(dtype, "date", 4) ||
		!strcmp(dtype, "time")) ? F_STRING : F_DOUBLE;
}

/* A constant as a value of the given field kind. */
static pv constant(const pdoc *d, const char *s, int kind)
{
	pv v = { PV_STR, 0, s };
	double x;
	(void)d;
	if (kind == F_DOUBLE && parse_double(s, &x))
		return num(x);
	return v;
}

static const char *dup(pdoc *d, const char *s)
{
	return s ? sc_strdup(d->pool, s, strlen(s)) : NULL;
}

/* Splits an <Array> into values: quoted strings (with \" escapes) or tokens. */
static int parse_array(pdoc *d, const px *a, int kind, pv **out, size_t *n)
{
	const char *t = a->text ? a->text : "";
	size_t cap = 16, k = 0;
	pv *v = malloc(cap * sizeof *v);
	if (!v)
		return MLMD_OOM();
	const char *atype = px_attr(a, "type");
	if (atype && strcmp(atype, "string") != 0)
		kind = F_DOUBLE;
	while (*t) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		if (!*t)
			break;
		char buf[4096];
		size_t bl = 0;
		if (*t == '"') {
			t++;
			while (*t && *t != '"') {
				if (*t == '\\' && t[1] == '"')
					t++;
				if (bl < sizeof buf - 1)
					buf[bl++] = *t;
				t++;
			}
			if (*t == '"')
				t++;
		} else {
			while (*t && *t != ' ' && *t != '\t' && *t != '\n' && *t != '\r') {
				if (bl < sizeof buf - 1)
					buf[bl++] = *t;
				t++;
			}
		}
		buf[bl] = '\0';
		if (k == cap) {
			cap *= 2;
			pv *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				return MLMD_OOM();
			}
			v = nv;
		}
		v[k++] = constant(d, sc_strdup(d->pool, buf, bl), kind);
	}
	pv *pooled = sc_alloc_array(d->pool, k + 1, sizeof *pooled);
	if (!pooled) {
		free(v);
		return MLMD_OOM();
	}
	if (k)
		memcpy(pooled, v, k * sizeof *v);
	free(v);
	*out = pooled;
	*n = k;
	return 0;
}

/* ---- expressions ------------------------------------------------------------------------------ */

static const char *const FUNCS[] = { "+", "-", "*", "/", "min", "max", "sum", "avg", "product", "log10", "ln",
	"sqrt", "abs", "exp", "pow", "threshold", "floor", "ceil", "round", "isMissing", "isNotMissing", "equal",
	"notEqual", "lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual", "and", "or", "not", "isIn", "isNotIn",
	"if", "log", "median", "uppercase", "lowercase", "isValid", "isNotValid", NULL };
enum { FN_ADD, FN_SUB, FN_MUL, FN_DIV, FN_MIN, FN_MAX, FN_SUM, FN_AVG, FN_PRODUCT, FN_LOG10, FN_LN, FN_SQRT, FN_ABS,
	FN_EXP, FN_POW, FN_THRESHOLD, FN_FLOOR, FN_CEIL, FN_ROUND, FN_ISMISSING, FN_ISNOTMISSING, FN_EQ, FN_NE, FN_LT,
	FN_LE, FN_GT, FN_GE, FN_AND, FN_OR, FN_NOT, FN_ISIN, FN_ISNOTIN, FN_IF, FN_LOG, FN_MEDIAN, FN_UPPER, FN_LOWER,
	FN_ISVALID, FN_ISNOTVALID };

static int compile_expr(pdoc *d, const px *n, pexpr **out);

/* The expression child of an element (DerivedField, OutputField, ...), or NULL. */
static const px *expr_child(const px *n)
{
	static const char *const kinds[] = { "Constant", "FieldRef", "Apply", "NormContinuous", "NormDiscrete",
		"Discretize", "MapValues", "TextIndex", "Aggregate", "Lag", NULL };
	for (const px *c = n->first; c; c = c->next)
		for (int k = 0; kinds[k]; k++)
			if (!c->foreign && strcmp(c->name, kinds[k]) == 0)
				return c;
	return NULL;
}

static int resolve(pdoc *d, const px *n, const char *attr, int *field)
{
	const char *name = px_attr(n, attr);
	if (!name)
		return bad(n, "missing attribute '%s'", attr);
	*field = field_id(d, name);
	if (*field < 0)
		return bad(n, "field '%s' is not defined", name);
	return 0;
}

static int compile_expr(pdoc *d, const px *n, pexpr **out)
{
	pexpr *e = sc_alloc(d->pool, sizeof *e);
	if (!e)
		return MLMD_OOM();
	*out = e;
	e->map_missing = e->deflt = MISSING;
	const char *mm = px_attr(n, "mapMissingTo"), *df = px_attr(n, "defaultValue");
	int rc = 0;
	if (!strcmp(n->name, "Constant")) {
		e->kind = E_CONST;
		const char *dt = px_attr(n, "dataType");
		const char *t = n->text ? n->text : "";
		if (px_attr(n, "missing") && !strcmp(px_attr(n, "missing"), "true"))
			e->c = MISSING;
		else
			e->c = constant(d, dup(d, t), dt ? kind_of_type(dt) : F_DOUBLE);
		if (dt && !strcmp(dt, "float") && e->c.t == PV_NUM)
			e->c.d = (float)e->c.d;
		return 0;
	}
	if (!strcmp(n->name, "FieldRef")) {
		e->kind = E_FIELD;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		return resolve(d, n, "field", &e->field);
	}
	if (!strcmp(n->name, "Apply")) {
		e->kind = E_APPLY;
		const char *fn = px_attr(n, "function");
		e->fn = -1;
		for (int k = 0; fn && FUNCS[k]; k++)
			if (!strcmp(fn, FUNCS[k]))
				e->fn = k;
		if (e->fn < 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <Apply function=\"%s\">: function not supported",
				n->line, fn ? fn : "");
		const char *iv = px_attr(n, "invalidValueTreatment");
		e->invalid = iv && !strcmp(iv, "asMissing") ? TR_MISSING : iv && !strcmp(iv, "asIs") ? TR_AS_IS : TR_INVALID;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		if (df)
			e->deflt = constant(d, dup(d, df), F_DOUBLE);
		size_t k = 0;
		for (const px *c = n->first; c; c = c->next)
			k += expr_child(n) != NULL && !c->foreign;
		e->args = sc_alloc_array(d->pool, k + 1, sizeof *e->args);
		if (!e->args)
			return MLMD_OOM();
		for (const px *c = n->first; c; c = c->next) {
			if (c->foreign || !strcmp(c->name, "Extension"))
				continue;
			if ((rc = compile_expr(d, c, &e->args[e->nargs])))
				return rc;
			e->nargs++;
		}
		static const signed char arity[] = { 2, 2, 2, 2, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2, 2,
			2, 2, 2, 2, -1, -1, 1, -1, -1, -1, 1, -1, 1, 1, 1, 1 };
		if (arity[e->fn] >= 0 && e->nargs != arity[e->fn] && !(e->fn == FN_LOG && e->nargs == 2))
			return bad(n, "function '%s' takes %d argument(s), got %d", fn, arity[e->fn], e->nargs);
		if (e->fn == FN_IF && (e->nargs < 2 || e->nargs > 3))
			return bad(n, "function 'if' takes 2 or 3 arguments");
		return 0;
	}
	if (!strcmp(n->name, "NormContinuous")) {
		e->kind = E_NORMCONT;
		if ((rc = resolve(d, n, "field", &e->field)))
			return rc;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		const char *ol = px_attr(n, "outliers");
		e->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		for (const px *c = px_child(n, "LinearNorm"); c; c = px_next(c, "LinearNorm"))
			e->n++;
		if (e->n < 2)
			return bad(n, "needs at least two LinearNorm points");
		e->orig = sc_alloc_array(d->pool, e->n, sizeof(double));
		e->norm = sc_alloc_array(d->pool, e->n, sizeof(double));
		if (!e->orig || !e->norm)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = px_child(n, "LinearNorm"); c; c = px_next(c, "LinearNorm"), k++) {
			if (!parse_double(px_attr(c, "orig"), &e->orig[k]) || !parse_double(px_attr(c, "norm"), &e->norm[k]))
				return bad(c, "orig and norm must be numbers");
			if (k && e->orig[k] <= e->orig[k - 1])
				return bad(c, "orig values must increase");
		}
		return 0;
	}
	if (!strcmp(n->name, "NormDiscrete")) {
		e->kind = E_NORMDISC;
		if ((rc = resolve(d, n, "field", &e->field)))
			return rc;
		const char *v = px_attr(n, "value");
		if (!v)
			return bad(n, "missing attribute 'value'");
		e->value = constant(d, dup(d, v), d->fields[e->field].kind);
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		return 0;
	}
	if (!strcmp(n->name, "Discretize")) {
		e->kind = E_DISCRETIZE;
		if ((rc = resolve(d, n, "field", &e->field)))
			return rc;
		const char *dt = px_attr(n, "dataType");
		int k_out = dt ? kind_of_type(dt) : F_STRING;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, dup(d, df), k_out);
		for (const px *c = px_child(n, "DiscretizeBin"); c; c = px_next(c, "DiscretizeBin"))
			e->n++;
		e->lo = sc_alloc_array(d->pool, e->n + 1, sizeof(double));
		e->hi = sc_alloc_array(d->pool, e->n + 1, sizeof(double));
		e->lo_open = sc_alloc_array(d->pool, e->n + 1, 1);
		e->hi_open = sc_alloc_array(d->pool, e->n + 1, 1);
		e->has_lo = sc_alloc_array(d->pool, e->n + 1, 1);
		e->has_hi = sc_alloc_array(d->pool, e->n + 1, 1);
		e->bins = sc_alloc_array(d->pool, e->n + 1, sizeof(pv));
		if (!e->lo || !e->hi || !e->lo_open || !e->hi_open || !e->has_lo || !e->has_hi || !e->bins)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = px_child(n, "DiscretizeBin"); c; c = px_next(c, "DiscretizeBin"), k++) {
			const px *iv = px_child(c, "Interval");
			if (!iv || !px_attr(c, "binValue"))
				return bad(c, "needs an Interval and a binValue");
			e->bins[k] = constant(d, dup(d, px_attr(c, "binValue")), k_out);
			const char *cl = px_attr(iv, "closure");
			if (!cl)
				return bad(iv, "missing attribute 'closure'");
			e->lo_open[k] = !strncmp(cl, "open", 4);
			e->hi_open[k] = strstr(cl, "Open") != NULL;
			e->has_lo[k] = parse_double(px_attr(iv, "leftMargin"), &e->lo[k]);
			e->has_hi[k] = parse_double(px_attr(iv, "rightMargin"), &e->hi[k]);
		}
		return 0;
	}
	if (!strcmp(n->name, "MapValues")) {
		e->kind = E_MAPVALUES;
		const char *outcol = px_attr(n, "outputColumn");
		const char *dt = px_attr(n, "dataType");
		int k_out = dt ? kind_of_type(dt) : F_STRING;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, dup(d, df), k_out);
		const px *tbl = px_child(n, "InlineTable");
		if (!outcol || !tbl)
			return tbl ? bad(n, "missing attribute 'outputColumn'") : unsupported(n, "a MapValues without an InlineTable");
		for (const px *c = px_child(n, "FieldColumnPair"); c; c = px_next(c, "FieldColumnPair"))
			e->ncols++;
		for (const px *r = px_child(tbl, "row"); r; r = px_next(r, "row"))
			e->n++;
		e->cols = sc_alloc_array(d->pool, e->ncols + 1, sizeof(int));
		const char **colname = sc_alloc_array(d->pool, e->ncols + 1, sizeof(char *));
		e->table = sc_alloc_array(d->pool, e->n * e->ncols + 1, sizeof(pv));
		e->out = sc_alloc_array(d->pool, e->n + 1, sizeof(pv));
		if (!e->cols || !colname || !e->table || !e->out)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = px_child(n, "FieldColumnPair"); c; c = px_next(c, "FieldColumnPair"), k++) {
			if ((rc = resolve(d, c, "field", &e->cols[k])))
				return rc;
			colname[k] = px_attr(c, "column");
			if (!colname[k])
				return bad(c, "missing attribute 'column'");
		}
		size_t r = 0;
		for (const px *row = px_child(tbl, "row"); row; row = px_next(row, "row"), r++) {
			e->out[r] = MISSING;
			for (size_t q = 0; q < e->ncols; q++)
				e->table[r * e->ncols + q] = MISSING;
			for (const px *cell = row->first; cell; cell = cell->next) {
				const char *t = cell->text ? cell->text : "";
				if (!strcmp(cell->name, outcol))
					e->out[r] = constant(d, dup(d, t), k_out);
				for (size_t q = 0; q < e->ncols; q++)
					if (!strcmp(cell->name, colname[q]))
						e->table[r * e->ncols + q] = constant(d, dup(d, t), d->fields[e->cols[q]].kind);
			}
		}
		return 0;
	}
	return unsupported(n, "this expression");
}

typedef struct rowctx rowctx;
static pv field_value(rowctx *rc, int f);
static pv eval_expr(rowctx *rc, const pexpr *e);

static pv bool_pv(bool b)
{
	return num(b ? 1 : 0);
}

static pv apply(rowctx *rc, const pexpr *e)
{
	pv a[64] = { { 0 } };
	int n = e->nargs < 64 ? e->nargs : 64;
	bool any_missing = false;
	if (e->fn == FN_IF) {
		pv c = eval_expr(rc, e->args[0]);
		double cd;
		if (c.t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		bool t = as_num(c, &cd) ? cd != 0 : (c.s && !strcmp(c.s, "true"));
		return t ? eval_expr(rc, e->args[1]) : n > 2 ? eval_expr(rc, e->args[2]) : MISSING;
	}
	for (int i = 0; i < n; i++) {
		a[i] = eval_expr(rc, e->args[i]);
		any_missing |= a[i].t == PV_MISSING;
	}
	switch (e->fn) {
	case FN_ISMISSING: return bool_pv(a[0].t == PV_MISSING);
	case FN_ISNOTMISSING: return bool_pv(a[0].t != PV_MISSING);
	case FN_ISVALID: return bool_pv(a[0].t != PV_MISSING);
	case FN_ISNOTVALID: return bool_pv(false);
	case FN_AND: case FN_OR: {
		/* three-valued */
		bool unknown = false, res = e->fn == FN_AND;
		for (int i = 0; i < n; i++) {
			double v;
			if (a[i].t == PV_MISSING) {
				unknown = true;
				continue;
			}
			bool b = as_num(a[i], &v) ? v != 0 : (a[i].s && !strcmp(a[i].s, "true"));
			if (e->fn == FN_AND && !b)
				return bool_pv(false);
			if (e->fn == FN_OR && b)
				return bool_pv(true);
		}
		return unknown ? (e->map_missing.t ? e->map_missing : MISSING) : bool_pv(res);
	}
	case FN_ISIN: case FN_ISNOTIN: {
		if (a[0].t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		bool in = false;
		for (int i = 1; i < n && !in; i++) {
			int ok;
			in = a[i].t != PV_MISSING && cmp_values(a[0], a[i], false, &ok) == 0 && ok;
		}
		return bool_pv(e->fn == FN_ISIN ? in : !in);
	}
	default:
		break;
	}
	if (any_missing && e->fn != FN_MIN && e->fn != FN_MAX && e->fn != FN_SUM && e->fn != FN_AVG &&
		e->fn != FN_PRODUCT && e->fn != FN_MEDIAN)
		return e->map_missing.t ? e->map_missing : MISSING;
	if (e->fn == FN_EQ || e->fn == FN_NE) {
		int ok;
		int c = cmp_values(a[0], a[1], false, &ok);
		return ok ? bool_pv(e->fn == FN_EQ ? c == 0 : c != 0) : MISSING;
	}
	if (e->fn == FN_UPPER || e->fn == FN_LOWER)
		return a[0]; /* strings keep their case: these functions need per-row storage (not supported for now) */
	double x[64];
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (a[i].t == PV_MISSING)
			continue;
		if (!as_num(a[i], &x[m]))
			return e->invalid == TR_AS_IS ? a[i] : MISSING;
		m++;
	}
	double r = NAN;
	switch (e->fn) {
	case FN_ADD: r = x[0] + x[1]; break;
	case FN_SUB: r = x[0] - x[1]; break;
	case FN_MUL: r = x[0] * x[1]; break;
	case FN_DIV: r = x[1] == 0 ? NAN : x[0] / x[1]; break;
	case FN_MIN: case FN_MAX: case FN_SUM: case FN_AVG: case FN_PRODUCT: case FN_MEDIAN:
		if (m == 0)
			return e->map_missing.t ? e->map_missing : MISSING;
		r = e->fn == FN_PRODUCT ? 1 : e->fn == FN_MIN ? INFINITY : e->fn == FN_MAX ? -INFINITY : 0;
		if (e->fn == FN_MEDIAN) {
			for (int i = 1; i < m; i++)
				for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
					double t = x[j];
					x[j] = x[j - 1];
					x[j - 1] = t;
				}
			r = m % 2 ? x[m / 2] : (x[m / 2 - 1] + x[m / 2]) / 2;
			break;
		}
		for (int i = 0; i < m; i++)
			r = e->fn == FN_MIN ? fmin(r, x[i]) : e->fn == FN_MAX ? fmax(r, x[i]) : e->fn == FN_PRODUCT ? r * x[i] : r + x[i];
		if (e->fn == FN_AVG)
			r /= m;
		break;
	case FN_LOG10: r = x[0] > 0 ? log10(x[0]) : NAN; break;
	case FN_LN: case FN_LOG: r = x[0] > 0 ? log(x[0]) : NAN; break;
	case FN_SQRT: r = x[0] >= 0 ? sqrt(x[0]) : NAN; break;
	case FN_ABS: r = fabs(x[0]); break;
	case FN_EXP: r = exp(x[0]); break;
	case FN_POW: r = pow(x[0], x[1]); break;
	case FN_THRESHOLD: r = x[0] > x[1] ? 1 : 0; break;
	case FN_FLOOR: r = floor(x[0]); break;
	case FN_CEIL: r = ceil(x[0]); break;
	case FN_ROUND: r = x[0] < 0 ? -floor(-x[0] + 0.5) : floor(x[0] + 0.5); break;
	case FN_LT: r = x[0] < x[1]; break;
	case FN_LE: r = x[0] <= x[1]; break;
	case FN_GT: r = x[0] > x[1]; break;
	case FN_GE: r = x[0] >= x[1]; break;
	case FN_NOT: r = x[0] == 0; break;
	default: break;
	}
	if (r != r || isinf(r))
		return e->invalid == TR_AS_IS ? num(r) : e->deflt.t ? e->deflt : MISSING;
	return num(r);
}

static pv eval_expr(rowctx *rc, const pexpr *e)
{
	switch (e->kind) {
	case E_CONST:
		return e->c;
	case E_FIELD: {
		pv v = field_value(rc, e->field);
		return v.t == PV_MISSING && e->map_missing.t ? e->map_missing : v;
	}
	case E_APPLY:
		return apply(rc, e);
	case E_NORMCONT: {
		double x;
		pv v = field_value(rc, e->field);
		if (!as_num(v, &x))
			return e->map_missing.t ? e->map_missing : MISSING;
		size_t k = 0;
		if (x < e->orig[0] || x > e->orig[e->n - 1]) {
			if (e->outliers == 1)
				return MISSING;
			if (e->outliers == 2)
				return num(x < e->orig[0] ? e->norm[0] : e->norm[e->n - 1]);
			k = x < e->orig[0] ? 0 : e->n - 2; /* extrapolate from the outer segment */
		} else {
			while (k + 2 < e->n && x > e->orig[k + 1])
				k++;
		}
		return num(e->norm[k] + (x - e->orig[k]) * (e->norm[k + 1] - e->norm[k]) / (e->orig[k + 1] - e->orig[k]));
	}
	case E_NORMDISC: {
		pv v = field_value(rc, e->field);
		if (v.t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		int ok;
		return num(cmp_values(v, e->value, false, &ok) == 0 && ok ? 1 : 0);
	}
	case E_DISCRETIZE: {
		double x;
		pv v = field_value(rc, e->field);
		if (!as_num(v, &x))
			return e->map_missing;
		for (size_t k = 0; k < e->n; k++) {
			bool lo_ok = !e->has_lo[k] || (e->lo_open[k] ? x > e->lo[k] : x >= e->lo[k]);
			bool hi_ok = !e->has_hi[k] || (e->hi_open[k] ? x < e->hi[k] : x <= e->hi[k]);
			if (lo_ok && hi_ok)
				return e->bins[k];
		}
		return e->deflt;
	}
	case E_MAPVALUES: {
		pv in[16];
		for (size_t q = 0; q < e->ncols && q < 16; q++) {
			in[q] = field_value(rc, e->cols[q]);
			if (in[q].t == PV_MISSING)
				return e->map_missing;
		}
		for (size_t r = 0; r < e->n; r++) {
			bool hit = true;
			for (size_t q = 0; q < e->ncols && q < 16 && hit; q++) {
				int ok;
				hit = cmp_values(in[q], e->table[r * e->ncols + q], false, &ok) == 0 && ok;
			}
			if (hit)
				return e->out[r];
		}
		return e->deflt;
	}
	default:
		return MISSING;
	}
}

/* ---- predicates ----------------------------------------------------------------------------------- */

static int compile_pred(pdoc *d, const px *n, ppred **out)
{
	ppred *p = sc_alloc(d->pool, sizeof *p);
	if (!p)
		return MLMD_OOM();
	*out = p;
	int rc = 0;
	if (!strcmp(n->name, "True")) {
		p->kind = P_TRUE;
		return 0;
	}
	if (!strcmp(n->name, "False")) {
		p->kind = P_FALSE;
		return 0;
	}
	if (!strcmp(n->name, "SimplePredicate")) {
		static const char *const ops[] = { "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan",
			"greaterOrEqual", "isMissing", "isNotMissing", NULL };
		p->kind = P_SIMPLE;
		if ((rc = resolve(d, n, "field", &p->field)))
			return rc;
		const char *op = px_attr(n, "operator");
		p->op = -1;
		for (int k = 0; op && ops[k]; k++)
			if (!strcmp(op, ops[k]))
				p->op = k;
		if (p->op < 0)
			return bad(n, "unknown operator '%s'", op ? op : "");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		if (p->op < OP_MISSING) {
			const char *v = px_attr(n, "value");
			if (!v)
				return bad(n, "missing attribute 'value'");
			p->value = constant(d, dup(d, v), d->fields[p->field].kind);
		}
		return 0;
	}
	if (!strcmp(n->name, "SimpleSetPredicate")) {
		p->kind = P_SET;
		if ((rc = resolve(d, n, "field", &p->field)))
			return rc;
		const char *op = px_attr(n, "booleanOperator");
		if (!op || (strcmp(op, "isIn") && strcmp(op, "isNotIn")))
			return bad(n, "booleanOperator must be isIn or isNotIn");
		p->is_in = !strcmp(op, "isIn");
		const px *arr = px_child(n, "Array");
		if (!arr)
			return bad(n, "needs an Array");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		return parse_array(d, arr, d->fields[p->field].kind, &p->set, &p->n);
	}
	if (!strcmp(n->name, "CompoundPredicate")) {
		const char *op = px_attr(n, "booleanOperator");
		static const char *const ops[] = { "and", "or", "xor", "surrogate", NULL };
		int k = -1;
		for (int i = 0; op && ops[i]; i++)
			if (!strcmp(op, ops[i]))
				k = i;
		if (k < 0)
			return bad(n, "unknown booleanOperator '%s'", op ? op : "");
		p->kind = P_AND + k;
		for (const px *c = n->first; c; c = c->next)
			p->n += !c->foreign && strcmp(c->name, "Extension") != 0;
		if (p->n < 2)
			return bad(n, "needs at least two predicates");
		p->sub = sc_alloc_array(d->pool, p->n, sizeof *p->sub);
		if (!p->sub)
			return MLMD_OOM();
		size_t i = 0;
		for (const px *c = n->first; c; c = c->next)
			if (!c->foreign && strcmp(c->name, "Extension") != 0 && (rc = compile_pred(d, c, &p->sub[i++])))
				return rc;
		return 0;
	}
	return unsupported(n, "this predicate");
}

/* Finds a node's predicate child. */
static const px *pred_child(const px *n)
{
	static const char *const kinds[] = { "True", "False", "SimplePredicate", "SimpleSetPredicate",
		"CompoundPredicate", NULL };
	for (const px *c = n->first; c; c = c->next)
		for (int k = 0; kinds[k]; k++)
			if (!c->foreign && !strcmp(c->name, kinds[k]))
				return c;
	return NULL;
}

static int eval_pred(rowctx *rc, const ppred *p)
{
	switch (p->kind) {
	case P_TRUE: return T_TRUE;
	case P_FALSE: return T_FALSE;
	case P_SIMPLE: {
		pv v = field_value(rc, p->field);
		if (p->op == OP_MISSING)
			return v.t == PV_MISSING ? T_TRUE : T_FALSE;
		if (p->op == OP_NOT_MISSING)
			return v.t != PV_MISSING ? T_TRUE : T_FALSE;
		if (v.t == PV_MISSING)
			return T_UNKNOWN;
		int ok, c = cmp_values(v, p->value, p->numeric, &ok);
		if (!ok)
			return p->op == OP_NE ? T_TRUE : T_FALSE;
		bool r;
		switch (p->op) {
		case OP_EQ: r = c == 0; break;
		case OP_NE: r = c != 0; break;
		case OP_LT: r = c < 0; break;
		case OP_LE: r = c <= 0; break;
		case OP_GT: r = c > 0; break;
		default: r = c >= 0;
		}
		return r ? T_TRUE : T_FALSE;
	}
	case P_SET: {
		pv v = field_value(rc, p->field);
		if (v.t == PV_MISSING)
			return T_UNKNOWN;
		bool in = false;
		for (size_t i = 0; i < p->n && !in; i++) {
			int ok;
			in = cmp_values(v, p->set[i], p->numeric, &ok) == 0 && ok;
		}
		return in == p->is_in ? T_TRUE : T_FALSE;
	}
	case P_AND: {
		int r = T_TRUE;
		for (size_t i = 0; i < p->n; i++) {
			int x = eval_pred(rc, p->sub[i]);
			if (x == T_FALSE)
				return T_FALSE;
			if (x == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case P_OR: {
		int r = T_FALSE;
		for (size_t i = 0; i < p->n; i++) {
			int x = eval_pred(rc, p->sub[i]);
			if (x == T_TRUE)
				return T_TRUE;
			if (x == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case P_XOR: {
		int r = T_FALSE;
		for (size_t i = 0; i < p->n; i++) {
			int x = eval_pred(rc, p->sub[i]);
			if (x == T_UNKNOWN)
				return T_UNKNOWN;
			if (x == T_TRUE)
				r = r == T_TRUE ? T_FALSE : T_TRUE;
		}
		return r;
	}
	default: { /* surrogate: the first that is not UNKNOWN */
		for (size_t i = 0; i < p->n; i++) {
			int x = eval_pred(rc, p->sub[i]);
			if (x != T_UNKNOWN)
				return x;
		}
		return T_UNKNOWN;
	}
	}
}

/* ---- rows ------------------------------------------------------------------------------------ */

struct rowctx {
	const pdoc *d;
	pv *vals;
	uint8_t *done;           /* per field: value computed this row */
	double *scratch;
	uint8_t *tdone;          /* per text field: tcode holds the number of the text at tptr, this row */
	const char **tptr;
	double *tcode;
	bool invalid;            /* an input was invalid under returnInvalid */
};

static pv field_value(rowctx *rc, int f)
{
	if (!rc->done[f]) {
		rc->done[f] = 1; /* a derived field that refers to itself reads missing, not forever */
		rc->vals[f] = MISSING;
		if (rc->d->fields[f].derive) {
			pv v = eval_expr(rc, rc->d->fields[f].derive);
			if (rc->d->fields[f].is_float && v.t == PV_NUM)
				v.d = (float)v.d;
			rc->vals[f] = v;
		}
	}
	return rc->vals[f];
}

/* Applies a MiningField's treatment to its (data) field's value. */
static void treat_input(rowctx *rc, const pmf *mf)
{
	const pfield *f = &rc->d->fields[mf->field];
	pv v = field_value(rc, mf->field);
	if (v.t != PV_MISSING) {
		bool valid = true, missing = false;
		if (f->n_values) {
			bool found = false;
			for (size_t i = 0; i < f->n_values && !found; i++) {
				int ok;
				if (cmp_values(v, constant(rc->d, f->values[i], f->kind), f->kind == F_DOUBLE, &ok) == 0 && ok) {
					found = true;
					missing = f->vprop[i] == 2;
					valid = f->vprop[i] == 0;
				}
			}
			if (!found && f->categorical)
				valid = false;
		}
		double x;
		if (valid && !missing && f->n_iv && as_num(v, &x)) {
			bool in = false;
			for (size_t i = 0; i < f->n_iv && !in; i++)
				in = (f->lo[i] != f->lo[i] || (f->lo_open[i] ? x > f->lo[i] : x >= f->lo[i])) &&
					(f->hi[i] != f->hi[i] || (f->hi_open[i] ? x < f->hi[i] : x <= f->hi[i]));
			valid = in;
		}
		if (missing) {
			v = MISSING;
		} else if (!valid) {
			switch (mf->invalid) {
			case TR_INVALID: rc->invalid = true; break;
			case TR_MISSING: v = MISSING; break;
			case TR_VALUE: v = mf->invalid_value; break;
			default: break;
			}
		}
		if (v.t == PV_NUM && mf->outliers && (v.d < mf->low || v.d > mf->high))
			v = mf->outliers == 1 ? MISSING : num(v.d < mf->low ? mf->low : mf->high);
	}
	if (v.t == PV_MISSING && mf->replacement.t != PV_MISSING)
		v = mf->replacement;
	rc->vals[mf->field] = v;
}

static void eval_model(rowctx *rc, const pmodel *m, pres *r);

static int argmax(const double *p, size_t n)
{
	int best = -1;
	for (size_t k = 0; k < n; k++)
		if (p[k] == p[k] && (best < 0 || p[k] > p[best]))
			best = (int)k;
	return best;
}

static void set_class_result(const pmodel *m, pres *r)
{
	int b = argmax(r->p, m->n_cls);
	r->has_p = true;
	r->value = b >= 0 ? (pv){ PV_STR, 0, m->cls[b] } : MISSING;
	r->cls = b;
	r->confidence = b >= 0 ? r->p[b] : NAN;
}

/* ---- RegressionModel ------------------------------------------------------------------------ */

typedef struct {
	double intercept;
	int cls;                 /* category index, classification */
	size_t n_num, n_cat, n_terms;
	int *num_field;
	double *num_exp, *num_coef;
	int *cat_field;
	pv *cat_value;
	double *cat_coef;
	size_t *term_n;
	int **term_fields;
	double *term_coef;
} rtable;

enum { N_NONE, N_SIMPLEMAX, N_SOFTMAX, N_LOGIT, N_PROBIT, N_CLOGLOG, N_EXP, N_LOGLOG, N_CAUCHIT };
static const char *const NORMS[] = { "none", "simplemax", "softmax", "logit", "probit", "cloglog", "exp", "loglog",
	"cauchit", NULL };

typedef struct {
	size_t n;
	rtable *t;
	int norm;
	int ys;                  /* classification: scratch offset of the n tables' values */
} regbody;

static double inv_link(int norm, double y)
{
	switch (norm) {
	case N_LOGIT: return 1 / (1 + exp(-y));
	case N_PROBIT: return 0.5 * erfc(-y / sqrt(2.0));
	case N_CLOGLOG: return 1 - exp(-exp(y));
	case N_LOGLOG: return exp(-exp(-y));
	case N_CAUCHIT: return 0.5 + atan(y) / 3.14159265358979323846;
	case N_EXP: return exp(y);
	default: return y;
	}
}

static double table_value(rowctx *rc, const rtable *t, bool *missing)
{
	double y = t->intercept;
	for (size_t i = 0; i < t->n_num; i++) {
		double x;
		if (!as_num(field_value(rc, t->num_field[i]), &x)) {
			*missing = true;
			return NAN;
		}
		y += t->num_coef[i] * (t->num_exp[i] == 1 ? x : pow(x, t->num_exp[i]));
	}
	for (size_t i = 0; i < t->n_cat; i++) {
		pv v = field_value(rc, t->cat_field[i]);
		if (v.t == PV_MISSING) {
			*missing = true;
			return NAN;
		}
		int ok;
		if (cmp_values(v, t->cat_value[i], rc->d->fields[t->cat_field[i]].kind == F_DOUBLE, &ok) == 0 && ok)
			y += t->cat_coef[i];
	}
	for (size_t i = 0; i < t->n_terms; i++) {
		double prod = t->term_coef[i];
		for (size_t k = 0; k < t->term_n[i]; k++) {
			double x;
			if (!as_num(field_value(rc, t->term_fields[i][k]), &x)) {
				*missing = true;
				return NAN;
			}
			prod *= x;
		}
		y += prod;
	}
	return y;
}

static void eval_regression(rowctx *rc, const pmodel *m, pres *r)
{
	const regbody *b = m->body;
	bool missing = false;
	if (!m->classification) {
		double y = table_value(rc, &b->t[0], &missing);
		r->value = missing ? MISSING : num(inv_link(b->norm, y));
		return;
	}
	double *p = r->p;
	for (size_t k = 0; k < m->n_cls; k++)
		p[k] = 0;
	double *y = rc->scratch + b->ys;
	size_t nt = b->n;
	for (size_t i = 0; i < nt; i++) {
		y[i] = table_value(rc, &b->t[i], &missing);
		if (missing) {
			r->value = MISSING;
			for (size_t k = 0; k < m->n_cls; k++)
				p[k] = NAN;
			return;
		}
	}
	switch (b->norm) {
	case N_SOFTMAX: {
		double mx = -INFINITY, sum = 0;
		for (size_t i = 0; i < nt; i++)
			mx = y[i] > mx ? y[i] : mx;
		for (size_t i = 0; i < nt; i++)
			sum += exp(y[i] - mx);
		for (size_t i = 0; i < nt; i++)
			p[b->t[i].cls] = exp(y[i] - mx) / sum;
		break;
	}
	case N_SIMPLEMAX: {
		double sum = 0;
		for (size_t i = 0; i < nt; i++)
			sum += y[i];
		for (size_t i = 0; i < nt; i++)
			p[b->t[i].cls] = y[i] / sum;
		break;
	}
	case N_NONE: {
		/* raw scores; with two categories the second is 1 - the first */
		for (size_t i = 0; i < nt; i++)
			p[b->t[i].cls] = y[i];
		if (nt == 2 && m->n_cls == 2)
			p[b->t[1].cls] = 1 - y[0];
		break;
	}
	default: {
		/* binary link: every table but the last through the link, the last gets the rest */
		double sum = 0;
		for (size_t i = 0; i + 1 < nt; i++) {
			p[b->t[i].cls] = inv_link(b->norm, y[i]);
			sum += p[b->t[i].cls];
		}
		p[b->t[nt - 1].cls] = nt == 1 ? inv_link(b->norm, y[0]) : 1 - sum;
		break;
	}
	}
	set_class_result(m, r);
}

/* ---- TreeModel ---------------------------------------------------------------------------------- */

typedef struct {
	ppred *pred;
	int first, n;            /* children: nodes[first .. first+n) */
	pv score;
	double count;            /* recordCount, NaN if absent */
	int dist;                /* offset of n_cls probabilities in probs, or -1 */
	int def;                 /* defaultChild as a node index, or -1 */
	int cls;                 /* classification: the score's category index, or -1 */
	const char *id;
} tnode;

enum { MS_NONE, MS_LAST, MS_NULL, MS_DEFAULT, MS_WEIGHTED, MS_AGGREGATE };

typedef struct {
	tnode *nodes;
	int n;
	double *probs;           /* ScoreDistribution probabilities */
	double *counts;          /* ScoreDistribution record counts */
	int missing;
	bool return_last;        /* noTrueChildStrategy */
	sc_trees *eng;           /* the tree compiled into the tree engine, or NULL: walked node by node */
	int n_feat;              /* the engine's features */
	struct tfeat *feat;
	int xs;                  /* scratch offset of the n_feat feature values */
} treebody;

/* An engine feature: a field's value, or for a text field the position of the
 * value among the field's codes (n_codes if it is none of them). */
typedef struct tfeat {
	int field;
	bool text;
} tfeat;

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static double text_code(const pfield *f, const char *s)
{
	const char **hit = bsearch(&s, f->codes, (size_t)f->n_codes, sizeof *f->codes, cmp_text);
	return hit ? (double)(hit - f->codes) : f->n_codes;
}

/* weightedConfidence / aggregateNodes: distribution below node i over every non-FALSE path. */
static double tree_mix(rowctx *rc, const pmodel *m, const treebody *t, int i, double *acc, double w, int depth)
{
	const tnode *nd = &t->nodes[i];
	if (nd->n == 0 || depth > 1024) {
		if (nd->dist >= 0)
			for (size_t k = 0; k < m->n_cls; k++)
				acc[k] += w * (t->missing == MS_AGGREGATE ? t->counts[nd->dist + (int)k] : t->probs[nd->dist + (int)k]);
		return w;
	}
	double total = 0;
	for (int c = nd->first; c < nd->first + nd->n; c++)
		if (eval_pred(rc, t->nodes[c].pred) != T_FALSE)
			total += t->nodes[c].count == t->nodes[c].count ? t->nodes[c].count : 1;
	if (total <= 0)
		return 0;
	for (int c = nd->first; c < nd->first + nd->n; c++)
		if (eval_pred(rc, t->nodes[c].pred) != T_FALSE) {
			double cw = (t->nodes[c].count == t->nodes[c].count ? t->nodes[c].count : 1) / total;
			tree_mix(rc, m, t, c, acc, t->missing == MS_AGGREGATE ? w : w * cw, depth + 1);
		}
	return w;
}

static void tree_result(const pmodel *m, const treebody *t, int i, pres *r)
{
	const tnode *nd = &t->nodes[i];
	r->entity = nd->id;
	if (m->classification) {
		for (size_t k = 0; k < m->n_cls; k++)
			r->p[k] = nd->dist >= 0 ? t->probs[nd->dist + (int)k] : NAN;
		r->has_p = nd->dist >= 0;
		r->value = nd->score;
		r->cls = nd->cls;
		if (r->value.t == PV_MISSING && nd->dist >= 0)
			set_class_result(m, r);
		else if (nd->dist >= 0 && nd->cls >= 0)
			r->confidence = r->p[nd->cls];
	} else {
		r->value = nd->score;
	}
}

/* Scores a tree through the engine: gathers its features (NaN for missing) and takes
 * the leaf it reaches (-1: no prediction). False when a feature holds a value the
 * engine cannot compare (text in a numeric field), so the row is walked instead. */
static bool eval_tree_engine(rowctx *rc, const pmodel *m, const treebody *t, pres *r)
{
	double *x = rc->scratch + t->xs;
	for (int k = 0; k < t->n_feat; k++) {
		const tfeat *f = &t->feat[k];
		pv v = field_value(rc, f->field);
		if (v.t == PV_MISSING) {
			x[k] = NAN;
		} else if (v.t != (f->text ? PV_STR : PV_NUM) || (f->text && !v.s)) {
			return false;
		} else if (!f->text) {
			x[k] = v.d;
		} else {
			if (!rc->tdone[f->field] || rc->tptr[f->field] != v.s) {
				rc->tdone[f->field] = 1;
				rc->tptr[f->field] = v.s;
				rc->tcode[f->field] = text_code(&rc->d->fields[f->field], v.s);
			}
			x[k] = rc->tcode[f->field];
		}
	}
	double leaf = sc_trees_vote1_d(t->eng, x);
	if (leaf >= 0)
		tree_result(m, t, (int)leaf, r);
	return true;
}

static void eval_tree(rowctx *rc, const pmodel *m, pres *r)
{
	const treebody *t = m->body;
	int i = 0;
	r->value = MISSING;
	if (t->eng && eval_tree_engine(rc, m, t, r))
		return;
	if (t->n == 0 || eval_pred(rc, t->nodes[0].pred) == T_FALSE)
		return;
	for (int guard = 0; guard < 100000; guard++) {
		const tnode *nd = &t->nodes[i];
		if (nd->n == 0)
			break;
		int next = -1;
		bool unknown = false;
		for (int c = nd->first; c < nd->first + nd->n; c++) {
			int x = eval_pred(rc, t->nodes[c].pred);
			if (x == T_TRUE) {
				next = c;
				break;
			}
			if (x == T_UNKNOWN && t->missing != MS_NONE) {
				unknown = true;
				break;
			}
		}
		if (unknown) {
			switch (t->missing) {
			case MS_LAST:
				tree_result(m, t, i, r);
				return;
			case MS_NULL:
				return;
			case MS_DEFAULT:
				if (nd->def < 0) {
					tree_result(m, t, i, r);
					return;
				}
				i = nd->def;
				continue;
			default: {
				if (!m->classification) {
					tree_result(m, t, i, r);
					return;
				}
				double *acc = r->p;
				for (size_t k = 0; k < m->n_cls; k++)
					acc[k] = 0;
				tree_mix(rc, m, t, i, acc, 1, 0);
				double sum = 0;
				for (size_t k = 0; k < m->n_cls; k++)
					sum += acc[k];
				for (size_t k = 0; k < m->n_cls; k++)
					acc[k] = sum > 0 ? acc[k] / sum : NAN;
				r->entity = nd->id;
				set_class_result(m, r);
				return;
			}
			}
		}
		if (next < 0) {
			if (t->return_last)
				tree_result(m, t, i, r);
			return;
		}
		i = next;
	}
	tree_result(m, t, i, r);
}

/* ---- MiningModel ---------------------------------------------------------------------------------- */

enum { MM_SUM, MM_AVERAGE, MM_WAVERAGE, MM_MEDIAN, MM_MAJORITY, MM_WMAJORITY, MM_MAX, MM_FIRST, MM_CHAIN, MM_WSUM,
	MM_WMEDIAN };
static const char *const METHODS[] = { "sum", "average", "weightedAverage", "median", "majorityVote",
	"weightedMajorityVote", "max", "selectFirst", "modelChain", "weightedSum", "weightedMedian", NULL };

typedef struct {
	ppred *pred;
	double weight;
	pmodel *model;
} psegment;

typedef struct {
	int method;
	size_t n;
	psegment *seg;
	int vals;                /* scratch offset: n doubles (median) */
	int missing;             /* 0 continue (PMML 4.4's default), 1 skipSegment, 2 returnMissing */
	double missing_threshold;
} miningbody;

static void eval_mining(rowctx *rc, const pmodel *m, pres *r)
{
	const miningbody *b = m->body;
	double *p = r->p, total_w = 0, acc = 0, best = -INFINITY;
	double *vals = rc->scratch + b->vals;
	size_t nv = 0;
	r->value = MISSING;
	if (m->classification)
		for (size_t k = 0; k < m->n_cls; k++)
			p[k] = 0;
	bool any = false;
	size_t n_missing = 0, n_applied = 0;
	for (size_t i = 0; i < b->n; i++) {
		const psegment *sg = &b->seg[i];
		if (eval_pred(rc, sg->pred) != T_TRUE)
			continue;
		n_applied++;
		pres sr = { .p = rc->scratch + sg->model->scratch, .confidence = NAN };
		eval_model(rc, sg->model, &sr);
		if (b->method == MM_CHAIN || b->method == MM_FIRST) {
			*r = sr;
			if (m->classification && sr.has_p) {
				/* a segment's categories are a prefix of the model's (checked at load) */
				for (size_t k = 0; k < m->n_cls; k++)
					p[k] = k < sg->model->n_cls ? sr.p[k] : 0;
				r->p = p;
			}
			if (b->method == MM_FIRST)
				return;
			any = true;
			continue;
		}
		if (sr.value.t == PV_MISSING) {
			n_missing++;
			if (b->missing == 2) { /* returnMissing: one missing segment makes the whole missing */
				r->value = MISSING;
				if (m->classification)
					for (size_t k = 0; k < m->n_cls; k++)
						p[k] = NAN;
				return;
			}
			continue; /* skipSegment and continue leave it out of the aggregate */
		}
		any = true;
		double w = (b->method == MM_WAVERAGE || b->method == MM_WMAJORITY || b->method == MM_WSUM ||
			b->method == MM_WMEDIAN) ? sg->weight : 1;
		if (!m->classification) {
			double x;
			if (!as_num(sr.value, &x))
				continue;
			if (b->method == MM_MAX)
				best = x > best ? x : best;
			else if (b->method == MM_MEDIAN || b->method == MM_WMEDIAN)
				vals[nv++] = x;
			else
				acc += w * x;
			total_w += w;
			continue;
		}
		total_w += w;
		if ((b->method == MM_MAJORITY || b->method == MM_WMAJORITY) && sr.cls >= 0) {
			p[sr.cls] += w; /* (a segment's categories are a prefix of ours, checked at load) */
		} else if (b->method == MM_MAJORITY || b->method == MM_WMAJORITY) {
			for (size_t k = 0; k < m->n_cls; k++) {
				int ok;
				if (cmp_values(sr.value, (pv){ PV_STR, 0, m->cls[k] }, false, &ok) == 0 && ok) {
					p[k] += w;
					break;
				}
			}
		} else if (b->method == MM_MAX) {
			size_t kc = sg->model->n_cls < m->n_cls ? sg->model->n_cls : m->n_cls;
			int k = argmax(sr.p, kc);
			if (k >= 0 && sr.p[k] > best) {
				best = sr.p[k];
				for (size_t q = 0; q < m->n_cls; q++)
					p[q] = q < kc ? sr.p[q] : 0;
			}
		} else {
			size_t kc = sg->model->n_cls < m->n_cls ? sg->model->n_cls : m->n_cls;
			for (size_t k = 0; k < kc; k++)
				p[k] += w * (sr.p[k] == sr.p[k] ? sr.p[k] : 0);
		}
	}
	if (b->method == MM_CHAIN) {
		if (!any)
			r->value = MISSING;
		return;
	}
	if (!any || (b->missing == 0 && n_applied && (double)n_missing / (double)n_applied > b->missing_threshold)) {
		r->value = MISSING;
		return;
	}
	if (!m->classification) {
		double y;
		switch (b->method) {
		case MM_SUM: case MM_WSUM: y = acc; break;
		case MM_MAX: y = best; break;
		case MM_MEDIAN: case MM_WMEDIAN:
			for (size_t i = 1; i < nv; i++)
				for (size_t j = i; j > 0 && vals[j - 1] > vals[j]; j--) {
					double t = vals[j];
					vals[j] = vals[j - 1];
					vals[j - 1] = t;
				}
			y = nv % 2 ? vals[nv / 2] : (vals[nv / 2 - 1] + vals[nv / 2]) / 2;
			break;
		default: y = acc / total_w;
		}
		r->value = num(y);
		return;
	}
	if (b->method != MM_MAX && b->method != MM_SUM && total_w > 0)
		for (size_t k = 0; k < m->n_cls; k++)
			p[k] /= total_w;
	r->p = p;
	set_class_result(m, r);
}

/* ---- GeneralRegressionModel ------------------------------------------------------------------------ */

typedef struct {
	int type;                /* 0 regression, 1 generalLinear, 2 multinomialLogistic */
	int link;                /* generalLinear: 0 identity, 1 log, 2 logit, 3 probit, 4 cloglog, 5 inverse, 6 power, 7 loglog, 8 cauchit */
	double link_power;
	size_t n_params;
	size_t n_cells;          /* PPMatrix */
	int *cell_param, *cell_field;
	bool *cell_factor;
	pv *cell_value;          /* factor: the level; covariate: the exponent (number) */
	size_t n_beta;
	int *beta_param, *beta_cls;   /* cls -1 for regression models */
	double *beta;
	int ref_cls;             /* multinomialLogistic reference category, or -1 */
	int x;                   /* scratch offset: n_params doubles */
	int offset_field;        /* or -1 */
	double offset_value;
} grmbody;

static void eval_general(rowctx *rc, const pmodel *m, pres *r)
{
	const grmbody *g = m->body;
	double *x = rc->scratch + g->x;
	for (size_t i = 0; i < g->n_params; i++)
		x[i] = 1;
	for (size_t c = 0; c < g->n_cells; c++) {
		pv v = field_value(rc, g->cell_field[c]);
		if (v.t == PV_MISSING) {
			r->value = MISSING;
			for (size_t k = 0; k < m->n_cls; k++)
				r->p[k] = NAN;
			return;
		}
		if (g->cell_factor[c]) {
			int ok;
			x[g->cell_param[c]] *= cmp_values(v, g->cell_value[c], false, &ok) == 0 && ok ? 1 : 0;
		} else {
			double val;
			if (!as_num(v, &val)) {
				r->value = MISSING;
				return;
			}
			x[g->cell_param[c]] *= g->cell_value[c].d == 1 ? val : pow(val, g->cell_value[c].d);
		}
	}
	double off = g->offset_value;
	if (g->offset_field >= 0) {
		double ov;
		if (as_num(field_value(rc, g->offset_field), &ov))
			off += ov;
	}
	if (g->type != 2) {
		double eta = off;
		for (size_t i = 0; i < g->n_beta; i++)
			eta += g->beta[i] * x[g->beta_param[i]];
		double y = eta;
		if (g->type == 1)
			switch (g->link) {
			case 1: y = exp(eta); break;
			case 2: y = 1 / (1 + exp(-eta)); break;
			case 3: y = 0.5 * erfc(-eta / sqrt(2.0)); break;
			case 4: y = 1 - exp(-exp(eta)); break;
			case 5: y = 1 / eta; break;
			case 6: y = g->link_power == 0 ? exp(eta) : pow(eta, 1 / g->link_power); break;
			case 7: y = exp(-exp(-eta)); break;
			case 8: y = 0.5 + atan(eta) / 3.14159265358979323846; break;
			default: break;
			}
		if (!m->classification) {
			r->value = num(y);
			return;
		}
		/* binary generalLinear classification: y is the probability of the first category */
		r->p[0] = y;
		for (size_t k = 1; k < m->n_cls; k++)
			r->p[k] = m->n_cls == 2 ? 1 - y : NAN;
		set_class_result(m, r);
		return;
	}
	double *p = r->p, mx = -INFINITY, sum = 0;
	for (size_t k = 0; k < m->n_cls; k++)
		p[k] = (int)k == g->ref_cls ? 0 : off;
	for (size_t i = 0; i < g->n_beta; i++)
		if (g->beta_cls[i] >= 0)
			p[g->beta_cls[i]] += g->beta[i] * x[g->beta_param[i]];
	for (size_t k = 0; k < m->n_cls; k++)
		mx = p[k] > mx ? p[k] : mx;
	for (size_t k = 0; k < m->n_cls; k++)
		sum += (p[k] = exp(p[k] - mx));
	for (size_t k = 0; k < m->n_cls; k++)
		p[k] /= sum;
	set_class_result(m, r);
}

/* ---- NeuralNetwork ------------------------------------------------------------------------------------ */

enum { A_THRESHOLD, A_LOGISTIC, A_TANH, A_IDENTITY, A_EXPONENTIAL, A_RECIPROCAL, A_SQUARE, A_GAUSS, A_SINE,
	A_COSINE, A_ELLIOTT, A_ARCTAN, A_RECTIFIER };
static const char *const ACTS[] = { "threshold", "logistic", "tanh", "identity", "exponential", "reciprocal",
	"square", "Gauss", "sine", "cosine", "Elliott", "arctan", "rectifier", NULL };

typedef struct {
	size_t n_in;
	pexpr **in_expr;         /* per input neuron */
	size_t n_layers;
	size_t *layer_start, *layer_n;   /* neurons by slot */
	int *act;                /* per layer */
	double *thr;
	int *norm;               /* per layer: 0 none, 1 simplemax, 2 softmax */
	size_t n_neurons;        /* slots: inputs first, then layer neurons */
	double *bias;            /* per slot */
	size_t *con_start, *con_n;
	int *con_from;
	double *con_w;
	size_t n_outputs;
	int *out_slot;
	int *out_kind;           /* 0 regression value (after inverse norm), 1 class probability */
	int *out_cls;
	pexpr **out_norm;        /* regression: the NormContinuous to invert, or NULL (FieldRef) */
	int slots;               /* scratch offset */
} nnbody;

static double activate(int a, double z, double thr)
{
	switch (a) {
	case A_THRESHOLD: return z > thr ? 1 : 0;
	case A_LOGISTIC: return 1 / (1 + exp(-z));
	case A_TANH: return tanh(z);
	case A_EXPONENTIAL: return exp(z);
	case A_RECIPROCAL: return 1 / z;
	case A_SQUARE: return z * z;
	case A_GAUSS: return exp(-z * z);
	case A_SINE: return sin(z);
	case A_COSINE: return cos(z);
	case A_ELLIOTT: return z / (1 + fabs(z));
	case A_ARCTAN: return 2 * atan(z) / 3.14159265358979323846;
	case A_RECTIFIER: return z > 0 ? z : 0;
	default: return z;
	}
}

static void eval_neural(rowctx *rc, const pmodel *m, pres *r)
{
	const nnbody *b = m->body;
	double *s = rc->scratch + b->slots;
	r->value = MISSING;
	for (size_t i = 0; i < b->n_in; i++) {
		double x;
		if (!as_num(eval_expr(rc, b->in_expr[i]), &x)) {
			for (size_t k = 0; k < m->n_cls; k++)
				r->p[k] = NAN;
			return;
		}
		s[i] = x;
	}
	for (size_t l = 0; l < b->n_layers; l++) {
		size_t a = b->layer_start[l], e = a + b->layer_n[l];
		for (size_t j = a; j < e; j++) {
			double z = b->bias[j];
			for (size_t c = b->con_start[j]; c < b->con_start[j] + b->con_n[j]; c++)
				z += b->con_w[c] * s[b->con_from[c]];
			s[j] = b->norm[l] == 2 ? z : activate(b->act[l], z, b->thr[l]);
		}
		if (b->norm[l] == 2) {
			double mx = -INFINITY, sum = 0;
			for (size_t j = a; j < e; j++)
				mx = s[j] > mx ? s[j] : mx;
			for (size_t j = a; j < e; j++)
				sum += (s[j] = exp(s[j] - mx));
			for (size_t j = a; j < e; j++)
				s[j] /= sum;
		} else if (b->norm[l] == 1) {
			double sum = 0;
			for (size_t j = a; j < e; j++)
				sum += s[j];
			for (size_t j = a; j < e; j++)
				s[j] /= sum;
		}
	}
	if (!m->classification) {
		double y = s[b->out_slot[0]];
		const pexpr *nc = b->out_norm[0];
		if (nc) { /* invert the piecewise-linear normalisation */
			size_t k = 0;
			while (k + 2 < nc->n && y > nc->norm[k + 1])
				k++;
			y = nc->orig[k] + (y - nc->norm[k]) * (nc->orig[k + 1] - nc->orig[k]) / (nc->norm[k + 1] - nc->norm[k]);
		}
		r->value = num(y);
		return;
	}
	for (size_t k = 0; k < m->n_cls; k++)
		r->p[k] = 0;
	for (size_t o = 0; o < b->n_outputs; o++)
		if (b->out_cls[o] >= 0)
			r->p[b->out_cls[o]] = s[b->out_slot[o]];
	set_class_result(m, r);
}

/* ---- NaiveBayesModel ------------------------------------------------------------------------------------ */

typedef struct {
	int field;
	bool gaussian;
	size_t n_vals;           /* PairCounts: values x classes counts */
	pv *vals;
	double *counts;          /* n_vals * n_cls */
	double *mean, *var;      /* gaussian: per class */
	pexpr *derive;           /* optional DerivedField (discretization) */
} nbinput;

typedef struct {
	size_t n;
	nbinput *in;
	double *prior;           /* per class */
	double threshold;
} nbbody;

static void eval_bayes(rowctx *rc, const pmodel *m, pres *r)
{
	const nbbody *b = m->body;
	double *lp = r->p;
	for (size_t k = 0; k < m->n_cls; k++)
		lp[k] = log(b->prior[k] > 0 ? b->prior[k] : b->threshold);
	for (size_t i = 0; i < b->n; i++) {
		const nbinput *in = &b->in[i];
		pv v = in->derive ? eval_expr(rc, in->derive) : field_value(rc, in->field);
		if (v.t == PV_MISSING)
			continue;
		if (in->gaussian) {
			double x;
			if (!as_num(v, &x))
				continue;
			for (size_t k = 0; k < m->n_cls; k++) {
				double var = in->var[k], d = x - in->mean[k];
				double p = var > 0 ? exp(-d * d / (2 * var)) / sqrt(2 * 3.14159265358979323846 * var) : 0;
				lp[k] += log(p > b->threshold ? p : b->threshold);
			}
			continue;
		}
		int row = -1;
		for (size_t j = 0; j < in->n_vals && row < 0; j++) {
			int ok;
			if (cmp_values(v, in->vals[j], false, &ok) == 0 && ok)
				row = (int)j;
		}
		if (row < 0)
			continue; /* an unseen value does not contribute */
		for (size_t k = 0; k < m->n_cls; k++) {
			double c = in->counts[(size_t)row * m->n_cls + k], tot = b->prior[k];
			double p = tot > 0 ? c / tot : 0;
			lp[k] += log(p > b->threshold ? p : b->threshold);
		}
	}
	double mx = -INFINITY, sum = 0;
	for (size_t k = 0; k < m->n_cls; k++)
		mx = lp[k] > mx ? lp[k] : mx;
	for (size_t k = 0; k < m->n_cls; k++)
		sum += (lp[k] = exp(lp[k] - mx));
	for (size_t k = 0; k < m->n_cls; k++)
		lp[k] /= sum;
	set_class_result(m, r);
}

/* ---- Scorecard ------------------------------------------------------------------------------------------ */

typedef struct {
	size_t n_attr;
	ppred **pred;
	double *partial;
	const char **reason;     /* per attribute (inherits the characteristic's) */
	double baseline;
} pchar;

typedef struct {
	double initial;
	bool use_reasons, points_above;
	size_t n;
	pchar *ch;
	int diffs;               /* scratch offset: 4 * n doubles */
} scbody;

static void eval_scorecard(rowctx *rc, const pmodel *m, pres *r)
{
	const scbody *b = m->body;
	/* scratch: 4 regions of n doubles: differences, matched attribute, reasons, order */
	double score = b->initial, *diff = rc->scratch + b->diffs;
	int *which = (int *)(rc->scratch + b->diffs + b->n);
	for (size_t i = 0; i < b->n; i++) {
		const pchar *c = &b->ch[i];
		int hit = -1;
		for (size_t a = 0; a < c->n_attr && hit < 0; a++)
			if (eval_pred(rc, c->pred[a]) == T_TRUE)
				hit = (int)a;
		if (hit < 0) {
			r->value = MISSING;
			return;
		}
		score += c->partial[hit];
		diff[i] = b->points_above ? c->partial[hit] - c->baseline : c->baseline - c->partial[hit];
		which[i] = hit;
	}
	r->value = num(score);
	r->n_reasons = 0;
	if (!b->use_reasons)
		return;
	/* rank characteristics by points difference, descending (stable); only positive ones count */
	const char **out = (const char **)(rc->scratch + b->diffs + 2 * b->n);
	int *order = (int *)(rc->scratch + b->diffs + 3 * b->n);
	for (size_t i = 0; i < b->n; i++)
		order[i] = (int)i;
	for (size_t i = 1; i < b->n; i++)
		for (size_t j = i; j > 0 && diff[order[j - 1]] < diff[order[j]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < b->n; i++) {
		int c = order[i];
		if (diff[c] <= 0)
			break;
		out[r->n_reasons++] = b->ch[c].reason[which[c]];
	}
	r->reasons = out;
}

/* ---- one model: schema, transformations, body, targets, outputs ------------------------------------------------ */

static void eval_model(rowctx *rc, const pmodel *m, pres *r)
{
	for (size_t i = 0; i < m->n_mf; i++)
		if (m->mf[i].usage == 0 && !m->mf[i].noop)
			treat_input(rc, &m->mf[i]);
	r->p = rc->scratch + m->scratch;
	r->has_p = false;
	r->value = MISSING;
	r->entity = NULL;
	r->cls = -1;
	r->confidence = NAN;
	r->n_reasons = 0;
	r->reasons = NULL;
	if (m->classification)
		for (size_t k = 0; k < m->n_cls; k++)
			r->p[k] = NAN;
	switch (m->kind) {
	case M_REGRESSION: eval_regression(rc, m, r); break;
	case M_TREE: eval_tree(rc, m, r); break;
	case M_MINING: eval_mining(rc, m, r); break;
	case M_GENERAL: eval_general(rc, m, r); break;
	case M_NEURAL: eval_neural(rc, m, r); break;
	case M_BAYES: eval_bayes(rc, m, r); break;
	default: eval_scorecard(rc, m, r);
	}
	if (!m->classification && m->has_target_xf && r->value.t == PV_NUM) {
		double y = r->value.d * m->rescale_factor + m->rescale_const;
		if (m->cast == 1)
			y = y < 0 ? -floor(-y + 0.5) : floor(y + 0.5);
		else if (m->cast == 2)
			y = ceil(y);
		else if (m->cast == 3)
			y = floor(y);
		if (m->has_min && y < m->tmin)
			y = m->tmin;
		if (m->has_max && y > m->tmax)
			y = m->tmax;
		r->value = num(y);
	}
	if (m->classification && !r->has_p && r->value.t == PV_STR)
		for (size_t k = 0; k < m->n_cls; k++) { /* a predicted category without a distribution */
			int ok;
			r->p[k] = r->cls >= 0 ? (int)k == r->cls :
				cmp_values(r->value, (pv){ PV_STR, 0, m->cls[k] }, false, &ok) == 0 && ok ? 1 : 0;
		}
	for (size_t i = 0; i < m->n_out; i++) {
		const poutf *o = &m->out[i];
		pv v = MISSING;
		switch (o->feature) {
		case OF_PREDICTED: v = r->value; break;
		case OF_DISPLAY:
			v = r->value;
			if (v.t == PV_STR && m->target >= 0) {
				const pfield *tf = &rc->d->fields[m->target];
				for (size_t k = 0; k < tf->n_values; k++)
					if (tf->display[k] && !strcmp(tf->values[k], v.s))
						v.s = tf->display[k];
			}
			break;
		case OF_PROBABILITY:
			if (o->value.t == PV_MISSING) {
				v = num(r->confidence);
				if (r->value.t == PV_STR)
					for (size_t k = 0; k < m->n_cls; k++)
						if (!strcmp(m->cls[k], r->value.s))
							v = num(r->p[k]);
			} else {
				for (size_t k = 0; k < m->n_cls; k++) {
					int ok;
					if (cmp_values(o->value, (pv){ PV_STR, 0, m->cls[k] }, false, &ok) == 0 && ok)
						v = num(r->p[k]);
				}
			}
			break;
		case OF_CONFIDENCE: v = num(r->confidence); break;
		case OF_TRANSFORMED: v = o->expr ? eval_expr(rc, o->expr) : MISSING; break;
		case OF_REASON:
			if (o->rank >= 1 && o->rank <= r->n_reasons && r->reasons[o->rank - 1])
				v = (pv){ PV_STR, 0, r->reasons[o->rank - 1] };
			break;
		default:
			if (r->entity)
				v = (pv){ PV_STR, 0, r->entity };
		}
		rc->vals[o->field] = v;
		rc->done[o->field] = 1;
	}
}

static int add_class(pdoc *d, pmodel *m, const char *v)
{
	for (size_t k = 0; k < m->n_cls; k++)
		if (!strcmp(m->cls[k], v))
			return (int)k;
	if ((m->n_cls & (m->n_cls - 1)) == 0) {
		size_t cap = m->n_cls ? m->n_cls * 2 : 4;
		const char **nc = sc_alloc_array(d->pool, cap, sizeof *nc);
		if (!nc)
			return MLMD_OOM();
		if (m->n_cls)
			memcpy(nc, m->cls, m->n_cls * sizeof *nc);
		m->cls = nc;
	}
	m->cls[m->n_cls] = dup(d, v);
	if (!m->cls[m->n_cls])
		return MLMD_OOM();
	return (int)m->n_cls++;
}

static int compile_model(pdoc *d, const px *n, pmodel **out, const pmodel *parent);

static int compile_derived(pdoc *d, const px *dfe)
{
	const char *name = px_attr(dfe, "name");
	const px *ex = expr_child(dfe);
	if (!name || !ex)
		return bad(dfe, "a DerivedField needs a name and an expression");
	pexpr *e;
	int rc = compile_expr(d, ex, &e);
	if (rc)
		return rc;
	int f;
	if ((rc = add_field(d, dup(d, name), kind_of_type(px_attr(dfe, "dataType")), &f)))
		return rc;
	const char *opt = px_attr(dfe, "optype"), *dt = px_attr(dfe, "dataType");
	d->fields[f].categorical = opt && strcmp(opt, "continuous") != 0;
	d->fields[f].is_float = dt && !strcmp(dt, "float");
	d->fields[f].derive = e;
	return 0;
}

static int compile_regression(pdoc *d, const px *n, pmodel *m)
{
	regbody *b = sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	const char *nm = px_attr(n, "normalizationMethod");
	b->norm = N_NONE;
	for (int k = 0; nm && NORMS[k]; k++)
		if (!strcmp(nm, NORMS[k]))
			b->norm = k;
	if (nm && strcmp(nm, NORMS[b->norm]))
		return bad(n, "unknown normalizationMethod '%s'", nm);
	for (const px *t = px_child(n, "RegressionTable"); t; t = px_next(t, "RegressionTable"))
		b->n++;
	if (b->n == 0 || (!m->classification && b->n != 1))
		return bad(n, "needs %s RegressionTable", m->classification ? "at least one" : "exactly one");
	b->t = sc_alloc_array(d->pool, b->n, sizeof *b->t);
	if (!b->t)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *t = px_child(n, "RegressionTable"); t; t = px_next(t, "RegressionTable"), i++) {
		rtable *rt = &b->t[i];
		if (!parse_double(px_attr(t, "intercept"), &rt->intercept))
			return bad(t, "intercept must be a number");
		if (m->classification) {
			const char *cat = px_attr(t, "targetCategory");
			if (!cat)
				return bad(t, "a classification RegressionTable needs targetCategory");
			if ((rt->cls = add_class(d, m, cat)) < 0)
				return rt->cls;
		}
		for (const px *c = t->first; c; c = c->next) {
			if (c->foreign)
				continue;
			if (!strcmp(c->name, "NumericPredictor"))
				rt->n_num++;
			else if (!strcmp(c->name, "CategoricalPredictor"))
				rt->n_cat++;
			else if (!strcmp(c->name, "PredictorTerm"))
				rt->n_terms++;
			else if (strcmp(c->name, "Extension"))
				return unsupported(c, "this element in a RegressionTable");
		}
		rt->num_field = sc_alloc_array(d->pool, rt->n_num + 1, sizeof(int));
		rt->num_exp = sc_alloc_array(d->pool, rt->n_num + 1, sizeof(double));
		rt->num_coef = sc_alloc_array(d->pool, rt->n_num + 1, sizeof(double));
		rt->cat_field = sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(int));
		rt->cat_value = sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(pv));
		rt->cat_coef = sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(double));
		rt->term_n = sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(size_t));
		rt->term_fields = sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(int *));
		rt->term_coef = sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(double));
		if (!rt->num_field || !rt->num_exp || !rt->num_coef || !rt->cat_field || !rt->cat_value || !rt->cat_coef ||
			!rt->term_n || !rt->term_fields || !rt->term_coef)
			return MLMD_OOM();
		size_t a = 0, c2 = 0, tt = 0;
		for (const px *c = t->first; c; c = c->next) {
			if (c->foreign)
				continue;
			if (!strcmp(c->name, "NumericPredictor")) {
				if ((rc = resolve(d, c, "name", &rt->num_field[a])))
					return rc;
				if (!parse_double(px_attr(c, "coefficient"), &rt->num_coef[a]))
					return bad(c, "coefficient must be a number");
				if (!px_attr(c, "exponent"))
					rt->num_exp[a] = 1;
				else if (!parse_double(px_attr(c, "exponent"), &rt->num_exp[a]))
					return bad(c, "exponent must be a number");
				a++;
			} else if (!strcmp(c->name, "CategoricalPredictor")) {
				if ((rc = resolve(d, c, "name", &rt->cat_field[c2])))
					return rc;
				if (!parse_double(px_attr(c, "coefficient"), &rt->cat_coef[c2]) || !px_attr(c, "value"))
					return bad(c, "needs a value and a numeric coefficient");
				rt->cat_value[c2] = constant(d, dup(d, px_attr(c, "value")), d->fields[rt->cat_field[c2]].kind);
				c2++;
			} else if (!strcmp(c->name, "PredictorTerm")) {
				if (!parse_double(px_attr(c, "coefficient"), &rt->term_coef[tt]))
					return bad(c, "coefficient must be a number");
				size_t k = 0;
				for (const px *f = px_child(c, "FieldRef"); f; f = px_next(f, "FieldRef"))
					k++;
				rt->term_fields[tt] = sc_alloc_array(d->pool, k + 1, sizeof(int));
				if (!rt->term_fields[tt])
					return MLMD_OOM();
				k = 0;
				for (const px *f = px_child(c, "FieldRef"); f; f = px_next(f, "FieldRef"))
					if ((rc = resolve(d, f, "field", &rt->term_fields[tt][k++])))
						return rc;
				rt->term_n[tt++] = k;
			}
		}
	}
	return 0;
}

static int count_nodes(const px *n, int depth, int *count)
{
	if (depth > 1024)
		return bad(n, "the tree is deeper than 1024 levels");
	(*count)++;
	for (const px *c = px_child(n, "Node"); c; c = px_next(c, "Node")) {
		int rc = count_nodes(c, depth + 1, count);
		if (rc)
			return rc;
	}
	return 0;
}

typedef struct {
	treebody *t;
	int next;
	int n_dist;
	int dist_cap;
} tbuild;

static int build_node(pdoc *d, pmodel *m, tbuild *tb, const px *n, int i)
{
	tnode *nd = &tb->t->nodes[i];
	const px *pr = pred_child(n);
	int rc = 0;
	if (!pr)
		return bad(n, "a Node needs a predicate");
	if ((rc = compile_pred(d, pr, &nd->pred)))
		return rc;
	nd->id = dup(d, px_attr(n, "id"));
	nd->def = -1;
	nd->dist = -1;
	if (!parse_double(px_attr(n, "recordCount"), &nd->count))
		nd->count = NAN;
	const char *sc = px_attr(n, "score");
	nd->score = sc ? constant(d, dup(d, sc), m->classification ? F_STRING : F_DOUBLE) : MISSING;
	nd->cls = -1;
	if (m->classification && sc && (nd->cls = add_class(d, m, sc)) < 0)
		return nd->cls;
	for (const px *c = n->first; c; c = c->next)
		if (!c->foreign && (!strcmp(c->name, "Regression") || !strcmp(c->name, "DecisionTree") ||
			!strcmp(c->name, "Partition")))
			return unsupported(c, "a model embedded in a tree Node");
	/* ScoreDistribution: remembered as (class, count, probability) and fixed up once all classes are known */
	int nsd = 0;
	for (const px *s = px_child(n, "ScoreDistribution"); s; s = px_next(s, "ScoreDistribution"))
		nsd++;
	if (nsd && m->classification) {
		nd->dist = tb->n_dist;
		tb->n_dist += nsd + 1;
		if (tb->n_dist > tb->dist_cap) {
			int cap = tb->dist_cap ? tb->dist_cap * 2 : 256;
			while (cap < tb->n_dist)
				cap *= 2;
			double *np = realloc(tb->t->probs, (size_t)cap * 3 * sizeof(double));
			if (!np)
				return MLMD_OOM();
			tb->t->probs = np;
			tb->dist_cap = cap;
		}
		double *rec = tb->t->probs + (size_t)nd->dist * 3;
		rec[0] = nsd; /* header: count */
		rec[1] = rec[2] = 0;
		int k = 1;
		for (const px *s = px_child(n, "ScoreDistribution"); s; s = px_next(s, "ScoreDistribution"), k++) {
			const char *v = px_attr(s, "value");
			double cnt = NAN, prob = NAN;
			if (!v)
				return bad(s, "missing attribute 'value'");
			int ci = add_class(d, m, v);
			if (ci < 0)
				return ci;
			parse_double(px_attr(s, "recordCount"), &cnt);
			parse_double(px_attr(s, "probability"), &prob);
			rec[3 * k] = ci;
			rec[3 * k + 1] = cnt;
			rec[3 * k + 2] = prob;
		}
	}
	int nc = 0;
	for (const px *c = px_child(n, "Node"); c; c = px_next(c, "Node"))
		nc++;
	nd->first = tb->next;
	nd->n = nc;
	tb->next += nc;
	const char *def = px_attr(n, "defaultChild");
	int k = 0;
	for (const px *c = px_child(n, "Node"); c; c = px_next(c, "Node"), k++) {
		if (def && px_attr(c, "id") && !strcmp(def, px_attr(c, "id")))
			nd->def = nd->first + k;
		if ((rc = build_node(d, m, tb, c, nd->first + k)))
			return rc;
		nd = &tb->t->nodes[i]; /* (the array does not move, but keep the pointer fresh) */
	}
	return 0;
}

/* ---- TreeModel -> tree engine ----------------------------------------------------------------------------- */

/* A TreeModel compiles into the tree engine when the engine gives exactly the
 * answers of PMML's rules. A node's children are tried in order and the first
 * whose predicate is true is taken; the engine does the same with a chain of
 * tests, one per child: true goes to the child, false to the next test, and
 * past the last test (no child true) to a leaf standing for "this node's
 * prediction" (returnLastPrediction) or "no prediction". A missing field
 * makes a predicate unknown; where the missingValueStrategy sends such a row
 * (the next child, the default child, or stop here) is fixed per test, and a
 * stop gets one more test that sends only missing values to its leaf. Leaves
 * vote their PMML node index, so the result (score, distribution, entity id)
 * comes from the node the walker would reach.
 *
 * Compiled: SimplePredicate comparisons on numeric fields, equal/notEqual on
 * text fields, SimpleSetPredicate on either, with True allowed after the
 * first child. Text values become their position among the texts the
 * document's compiled trees compare the field with, so equality is exact.
 * Walked node by node instead: compound predicates (and/or/xor/surrogate),
 * text ordering, a root predicate other than True, weightedConfidence and
 * aggregateNodes for classes, a defaultChild other than the child itself or
 * the next child on the same field, and splits into more than MAX_CHAIN
 * children (planning a chain is quadratic in its length). A row whose value has an unexpected kind (text in a numeric field or
 * a number in a text field) is walked too. */

enum { R_TRUE, R_FALSE, R_STOP, R_NULL }; /* where a test sends a missing value */
#define MAX_CHAIN 64

static bool engine_pred(const pdoc *d, const ppred *p)
{
	int want = p->numeric ? PV_NUM : PV_STR;
	if (p->kind == P_SET) {
		for (size_t i = 0; i < p->n; i++)
			if (p->set[i].t != want)
				return false;
		return d->fields[p->field].kind == (p->numeric ? F_DOUBLE : F_STRING);
	}
	if (p->kind != P_SIMPLE || p->op > OP_GE || p->value.t != want)
		return false;
	return p->numeric ? d->fields[p->field].kind == F_DOUBLE : p->op <= OP_NE && d->fields[p->field].kind == F_STRING;
}

/* Plans node nd's chain: route[k] for each test; returns the number of tests
 * (the children before the first True one), or -1 if the engine cannot
 * express the node. *open: no child is True, so the chain can run out. */
static int plan_chain(const pdoc *d, const pmodel *m, const treebody *t, const tnode *nd, uint8_t *route, bool *open)
{
	*open = true;
	if (nd->n > MAX_CHAIN)
		return -1;
	int k = 0;
	for (; k < nd->n; k++) {
		const ppred *p = t->nodes[nd->first + k].pred;
		if (p->kind == P_TRUE) {
			if (k == 0)
				return -1;
			*open = false;
			break;
		}
		if (!engine_pred(d, p))
			return -1;
		/* A row missing this field reaches this test only if every earlier test of the field passed it on. */
		bool reach = true;
		for (int j = 0; j < k; j++)
			if (t->nodes[nd->first + j].pred->field == p->field && route[j] != R_FALSE)
				reach = false;
		route[k] = R_FALSE;
		if (!reach)
			continue;
		switch (t->missing) {
		case MS_NONE: break; /* unknown is not true: try the next child */
		case MS_LAST: route[k] = R_STOP; break;
		case MS_NULL: route[k] = R_NULL; break;
		case MS_DEFAULT: {
			int def = nd->def - nd->first;
			if (nd->def < 0) {
				route[k] = R_STOP;
			} else if (def == k) {
				route[k] = R_TRUE;
			} else {
				/* on to the next test: right only if it is the default child, or tests the same field */
				const ppred *q = k + 1 < nd->n ? t->nodes[nd->first + k + 1].pred : NULL;
				if (def < k || !q || (q->kind == P_TRUE ? def != k + 1 : q->kind == P_SIMPLE || q->kind == P_SET ?
					q->field != p->field : true))
					return -1;
			}
			break;
		}
		default:
			if (m->classification)
				return -1;
			route[k] = R_STOP;
		}
	}
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Working state of one compilation. */
typedef struct {
	sc_tree_buf b;
	int *feat_of;            /* field -> feature + 1 */
	int nf, next, nv;
} tcomp;

static void add_leaf(tcomp *c, int at, int node)
{
	c->b.mode[at] = SC_MODE_LEAF;
	c->b.vstart[at] = c->nv;
	c->b.vcount[at] = 1;
	c->b.vweight[c->nv++] = node;
}

/* Sets engine node `at` to predicate p's test; *neg: the predicate holds when the test is false. */
static int set_test(pdoc *d, treebody *t, tcomp *c, int at, const ppred *p, bool *neg)
{
	const tfeat *tf = &t->feat[c->feat_of[p->field] - 1];
	const pfield *f = tf->text ? &d->fields[p->field] : NULL;
	c->b.feature[at] = c->feat_of[p->field] - 1;
	*neg = false;
	if (p->kind == P_SET) {
		double *set = sc_alloc_array(d->pool, p->n + 1, sizeof *set);
		if (!set)
			return MLMD_OOM();
		for (size_t i = 0; i < p->n; i++)
			set[i] = f ? text_code(f, p->set[i].s) : p->set[i].d;
		qsort(set, p->n, sizeof *set, cmp_double);
		c->b.mode[at] = SC_MODE_MEMBER;
		c->b.sets[at] = set;
		c->b.nsets[at] = (int32_t)p->n;
		*neg = !p->is_in;
		return 0;
	}
	static const uint8_t modes[] = { [OP_EQ] = SC_MODE_EQ, [OP_NE] = SC_MODE_NEQ, [OP_LT] = SC_MODE_LT,
		[OP_LE] = SC_MODE_LEQ, [OP_GT] = SC_MODE_GT, [OP_GE] = SC_MODE_GTE };
	c->b.mode[at] = modes[p->op];
	c->b.thr[at] = f ? text_code(f, p->value.s) : p->value.d;
	return 0;
}

/* Gives every field the tree tests a feature. */
static int tree_features(pdoc *d, treebody *t, tcomp *c)
{
	for (int i = 1; i < t->n; i++) {
		const ppred *p = t->nodes[i].pred;
		if (engine_pred(d, p) && !c->feat_of[p->field]) /* (not: True, or a child after a True one) */
			c->feat_of[p->field] = ++c->nf;
	}
	t->n_feat = c->nf;
	t->feat = sc_alloc_array(d->pool, (size_t)c->nf + 1, sizeof *t->feat);
	if (!t->feat)
		return MLMD_OOM();
	for (int fld = 0; fld < d->n_fields; fld++)
		if (c->feat_of[fld]) {
			tfeat *f = &t->feat[c->feat_of[fld] - 1];
			f->field = fld;
			f->text = d->fields[fld].kind == F_STRING;
		}
	return 0;
}

/* Collects, over every TreeModel in m, the texts each text field is compared
 * with: pass 0 counts them, pass 1 stores them (in fields' codes). */
static void collect_texts(pdoc *d, const pmodel *m, int pass)
{
	if (m->kind == M_MINING) {
		const miningbody *b = m->body;
		for (size_t i = 0; i < b->n; i++)
			collect_texts(d, b->seg[i].model, pass);
		return;
	}
	if (m->kind != M_TREE)
		return;
	const treebody *t = m->body;
	for (int i = 1; i < t->n; i++) {
		const ppred *p = t->nodes[i].pred;
		if (!engine_pred(d, p) || d->fields[p->field].kind != F_STRING)
			continue;
		pfield *f = &d->fields[p->field];
		size_t k = p->kind == P_SET ? p->n : 1;
		for (size_t j = 0; j < k; j++, f->n_codes++)
			if (pass)
				f->codes[f->n_codes] = p->kind == P_SET ? p->set[j].s : p->value.s;
	}
}

/* The fields' codes: every text a compiled tree may compare a field with, sorted, once each. */
static int text_codes(pdoc *d)
{
	collect_texts(d, d->top, 0);
	for (int fld = 0; fld < d->n_fields; fld++) {
		pfield *f = &d->fields[fld];
		if (f->n_codes && !(f->codes = sc_alloc_array(d->pool, (size_t)f->n_codes, sizeof *f->codes)))
			return MLMD_OOM();
		f->n_codes = 0;
	}
	collect_texts(d, d->top, 1);
	for (int fld = 0; fld < d->n_fields; fld++) {
		pfield *f = &d->fields[fld];
		if (!f->n_codes)
			continue;
		qsort(f->codes, (size_t)f->n_codes, sizeof *f->codes, cmp_text);
		int u = 1;
		for (int k = 1; k < f->n_codes; k++)
			if (strcmp(f->codes[k], f->codes[u - 1]))
				f->codes[u++] = f->codes[k];
		f->n_codes = u;
	}
	return 0;
}

/* Fills the engine nodes of internal node i's chain. */
static int build_chain(pdoc *d, const pmodel *m, treebody *t, tcomp *c, int i, uint8_t *route)
{
	const tnode *nd = &t->nodes[i];
	bool open;
	int tests = plan_chain(d, m, t, nd, route, &open), at = i, rc = 0;
	for (int k = 0; k < tests; k++) {
		const ppred *p = t->nodes[nd->first + k].pred;
		int after; /* where a row the predicate does not hold for goes */
		if (k + 1 < tests) {
			after = c->next++;
		} else if (open) {
			after = c->next++;
			add_leaf(c, after, t->return_last ? i : -1);
		} else {
			after = nd->first + tests; /* the True child */
		}
		bool neg;
		if ((rc = set_test(d, t, c, at, p, &neg)))
			return rc;
		int child = nd->first + k;
		c->b.tchild[at] = neg ? after : child;
		c->b.fchild[at] = neg ? child : after;
		/* missing: to the child's side, or onward */
		c->b.miss[at] = (route[k] == R_TRUE) != neg;
		if (route[k] >= R_STOP) { /* onward goes through the same test again, where missing values stop */
			int again = c->next++, stop = c->next++;
			if (neg)
				c->b.tchild[at] = again;
			else
				c->b.fchild[at] = again;
			c->b.mode[again] = c->b.mode[at];
			c->b.feature[again] = c->b.feature[at];
			c->b.thr[again] = c->b.thr[at];
			c->b.sets[again] = c->b.sets[at];
			c->b.nsets[again] = c->b.nsets[at];
			/* rows other than missing ones reaching it fail the predicate: the test says !neg */
			c->b.miss[again] = !neg;
			c->b.tchild[again] = neg ? after : stop;
			c->b.fchild[again] = neg ? stop : after;
			add_leaf(c, stop, route[k] == R_STOP ? i : -1);
		}
		at = after;
	}
	return 0;
}

static int tree_engine(pdoc *d, const pmodel *m, treebody *t)
{
	d->trees_walked++;
	if (t->n == 0 || t->nodes[0].pred->kind != P_TRUE)
		return 0;
	int max_children = 0;
	for (int i = 0; i < t->n; i++)
		max_children = t->nodes[i].n > max_children ? t->nodes[i].n : max_children;
	uint8_t *route = malloc((size_t)max_children + 1);
	if (!route)
		return MLMD_OOM();
	/* sizes: per internal node, a test per child after the first, two nodes and a leaf per stop, a leaf at an open end */
	size_t nodes = (size_t)t->n, leaves = 0;
	bool ok = true, open;
	for (int i = 0; i < t->n && ok; i++) {
		const tnode *nd = &t->nodes[i];
		if (nd->n == 0) {
			leaves++;
			continue;
		}
		int tests = plan_chain(d, m, t, nd, route, &open);
		ok = tests > 0;
		nodes += (size_t)(tests - 1) + open;
		leaves += open;
		for (int k = 0; k < tests; k++)
			if (route[k] >= R_STOP) {
				nodes += 2;
				leaves++;
			}
	}
	if (!ok || nodes > INT32_MAX / 2) {
		free(route);
		return 0;
	}
	tcomp c = { .next = t->n };
	int rc = sc_tree_buf_alloc(&c.b, nodes, leaves, 1);
	if (!rc && !(c.feat_of = calloc((size_t)d->n_fields + 1, sizeof *c.feat_of)))
		rc = MLMD_OOM();
	if (!rc)
		rc = tree_features(d, t, &c);
	for (int i = 0; !rc && i < t->n; i++) {
		if (t->nodes[i].n == 0)
			add_leaf(&c, i, i);
		else
			rc = build_chain(d, m, t, &c, i, route);
	}
	free(route);
	free(c.feat_of);
	c.b.roots[0] = 0;
	c.b.s.n_trees = 1;
	c.b.s.n_targets = 1;
	c.b.s.agg = SC_AGG_SUM;
	c.b.s.compact = true;
	if (!rc)
		rc = sc_trees_build(&t->eng, d->pool, &c.b.s, "PMML TreeModel");
	sc_tree_buf_free(&c.b);
	if (rc) {
		t->eng = NULL;
		t->n_feat = 0;
		/* beyond what the engine takes (its chains are deeper than the PMML tree): walk it */
		return rc == -MLMD_RESOURCE_EXHAUSTED ? rc : 0;
	}
	d->trees_walked--;
	d->trees_engine++;
	return 0;
}

static int compile_tree(pdoc *d, const px *n, pmodel *m)
{
	treebody *t = sc_alloc(d->pool, sizeof *t);
	if (!t)
		return MLMD_OOM();
	m->body = t;
	static const char *const ms[] = { "none", "lastPrediction", "nullPrediction", "defaultChild",
		"weightedConfidence", "aggregateNodes", NULL };
	const char *mv = px_attr(n, "missingValueStrategy"), *nt = px_attr(n, "noTrueChildStrategy");
	t->missing = MS_NONE;
	for (int k = 0; mv && ms[k]; k++)
		if (!strcmp(mv, ms[k]))
			t->missing = k;
	if (mv && strcmp(mv, ms[t->missing]))
		return bad(n, "unknown missingValueStrategy '%s'", mv);
	t->return_last = nt && !strcmp(nt, "returnLastPrediction");
	const px *root = px_child(n, "Node");
	if (!root)
		return bad(n, "a TreeModel needs a Node");
	int count = 0, rc = 0;
	if ((rc = count_nodes(root, 0, &count)))
		return rc;
	t->nodes = sc_alloc_array(d->pool, (size_t)count, sizeof *t->nodes);
	if (!t->nodes)
		return MLMD_OOM();
	t->n = count;
	tbuild tb = { .t = t, .next = 1 };
	t->probs = NULL;
	rc = build_node(d, m, &tb, root, 0);
	if (rc) {
		free(t->probs);
		t->probs = NULL;
		return rc;
	}
	/* distributions as dense per-class probabilities and counts, now that every class is known */
	double *raw = t->probs;
	size_t K = m->n_cls;
	if (m->classification && raw) {
		t->probs = sc_alloc_array(d->pool, (size_t)count * K + 1, sizeof(double));
		t->counts = sc_alloc_array(d->pool, (size_t)count * K + 1, sizeof(double));
		if (!t->probs || !t->counts) {
			free(raw);
			return MLMD_OOM();
		}
		int at = 0;
		for (int i = 0; i < count; i++) {
			tnode *nd = &t->nodes[i];
			if (nd->dist < 0)
				continue;
			const double *rec = raw + (size_t)nd->dist * 3;
			int nsd = (int)rec[0];
			double total = 0;
			bool have_prob = true;
			for (int k = 1; k <= nsd; k++) {
				total += rec[3 * k + 1] == rec[3 * k + 1] ? rec[3 * k + 1] : 0;
				have_prob &= rec[3 * k + 2] == rec[3 * k + 2];
			}
			for (size_t k = 0; k < K; k++)
				t->probs[(size_t)at + k] = t->counts[(size_t)at + k] = 0;
			for (int k = 1; k <= nsd; k++) {
				int ci = (int)rec[3 * k];
				double cnt = rec[3 * k + 1] == rec[3 * k + 1] ? rec[3 * k + 1] : 0;
				t->counts[at + ci] = cnt;
				t->probs[at + ci] = have_prob ? rec[3 * k + 2] : total > 0 ? cnt / total : 0;
			}
			if (nd->count != nd->count)
				nd->count = total;
			nd->dist = at;
			at += (int)K;
		}
	} else {
		free(raw);
		raw = NULL;
		t->probs = NULL;
	}
	free(raw);
	return 0;
}

static int compile_mining(pdoc *d, const px *n, pmodel *m)
{
	miningbody *b = sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	const px *sg = px_child(n, "Segmentation");
	if (!sg)
		return unsupported(n, "a MiningModel without Segmentation");
	const char *mm = px_attr(sg, "multipleModelMethod");
	b->method = -1;
	for (int k = 0; mm && METHODS[k]; k++)
		if (!strcmp(mm, METHODS[k]))
			b->method = k;
	if (b->method < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <Segmentation>: multipleModelMethod '%s' is not "
			"supported", sg->line, mm ? mm : "");
	const char *mp = px_attr(sg, "missingPredictionTreatment");
	if (!mp)
		mp = px_attr(sg, "x-missingPredictionTreatment");
	b->missing = !mp || !strcmp(mp, "continue") ? 0 : !strcmp(mp, "skipSegment") ? 1 : !strcmp(mp, "returnMissing") ? 2 : -1;
	if (b->missing < 0)
		return bad(sg, "unknown missingPredictionTreatment '%s'", mp);
	b->missing_threshold = 1;
	const char *mt = px_attr(sg, "missingThreshold");
	if (!mt)
		mt = px_attr(sg, "x-missingThreshold");
	if (mt && !parse_double(mt, &b->missing_threshold))
		return bad(sg, "missingThreshold must be a number");
	for (const px *s = px_child(sg, "Segment"); s; s = px_next(s, "Segment"))
		b->n++;
	if (b->n == 0)
		return bad(sg, "no segments");
	b->seg = sc_alloc_array(d->pool, b->n, sizeof *b->seg);
	if (!b->seg)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	static const char *const models[] = { "RegressionModel", "TreeModel", "MiningModel", "GeneralRegressionModel",
		"NeuralNetwork", "NaiveBayesModel", "Scorecard", NULL };
	for (const px *s = px_child(sg, "Segment"); s; s = px_next(s, "Segment"), i++) {
		psegment *seg = &b->seg[i];
		const px *pr = pred_child(s);
		if (!pr)
			return bad(s, "a Segment needs a predicate");
		if ((rc = compile_pred(d, pr, &seg->pred)))
			return rc;
		seg->weight = 1;
		if (px_attr(s, "weight") && !parse_double(px_attr(s, "weight"), &seg->weight))
			return bad(s, "weight must be a number");
		const px *mod = NULL;
		for (const px *c = s->first; c && !mod; c = c->next)
			if (!c->foreign && strcmp(c->name, "Extension") && !pred_child(c) && strcmp(c->name, "True") &&
				strcmp(c->name, "False") && strcmp(c->name, "SimplePredicate") &&
				strcmp(c->name, "SimpleSetPredicate") && strcmp(c->name, "CompoundPredicate"))
				mod = c;
		if (!mod)
			return bad(s, "a Segment needs a model");
		bool known = false;
		for (int k = 0; models[k]; k++)
			known |= !strcmp(mod->name, models[k]);
		if (!known)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s>: model type not supported", mod->line,
				mod->name);
		if ((rc = compile_model(d, mod, &seg->model, m)))
			return rc;
		if (m->classification && seg->model->classification)
			for (size_t k = 0; k < seg->model->n_cls; k++)
				if ((rc = add_class(d, m, seg->model->cls[k])) < 0)
					return rc;
	}
	return 0;
}

static int compile_general(pdoc *d, const px *n, pmodel *m)
{
	grmbody *g = sc_alloc(d->pool, sizeof *g);
	if (!g)
		return MLMD_OOM();
	m->body = g;
	const char *mt = px_attr(n, "modelType");
	if (!mt)
		return bad(n, "missing attribute 'modelType'");
	if (!strcmp(mt, "regression"))
		g->type = 0;
	else if (!strcmp(mt, "generalLinear") || !strcmp(mt, "generalizedLinear"))
		g->type = 1;
	else if (!strcmp(mt, "multinomialLogistic"))
		g->type = 2;
	else
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <GeneralRegressionModel modelType=\"%s\">: not "
			"supported (regression, generalLinear, multinomialLogistic are)", n->line, mt);
	static const char *const links[] = { "identity", "log", "logit", "probit", "cloglog", "inverse", "power",
		"loglog", "cauchit", NULL };
	const char *lf = px_attr(n, "linkFunction");
	g->link = 0;
	if (g->type == 1 && lf) {
		g->link = -1;
		for (int k = 0; links[k]; k++)
			if (!strcmp(lf, links[k]))
				g->link = k;
		if (g->link < 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: linkFunction '%s' is not supported", n->line, lf);
		parse_double(px_attr(n, "linkParameter"), &g->link_power);
	}
	g->offset_field = -1;
	if (px_attr(n, "offsetVariable")) {
		int rc = resolve(d, n, "offsetVariable", &g->offset_field);
		if (rc)
			return rc;
	}
	parse_double(px_attr(n, "offsetValue"), &g->offset_value);
	const px *pl = px_child(n, "ParameterList");
	if (!pl)
		return bad(n, "needs a ParameterList");
	const char *names[4096];
	for (const px *p = px_child(pl, "Parameter"); p && g->n_params < 4096; p = px_next(p, "Parameter"))
		names[g->n_params++] = px_attr(p, "name");
	/* factors and covariates by name */
	const px *fl = px_child(n, "FactorList");
	const px *pp = px_child(n, "PPMatrix");
	for (const px *c = pp ? px_child(pp, "PPCell") : NULL; c; c = px_next(c, "PPCell"))
		g->n_cells++;
	g->cell_param = sc_alloc_array(d->pool, g->n_cells + 1, sizeof(int));
	g->cell_field = sc_alloc_array(d->pool, g->n_cells + 1, sizeof(int));
	g->cell_factor = sc_alloc_array(d->pool, g->n_cells + 1, sizeof(bool));
	g->cell_value = sc_alloc_array(d->pool, g->n_cells + 1, sizeof(pv));
	if (!g->cell_param || !g->cell_field || !g->cell_factor || !g->cell_value)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *c = pp ? px_child(pp, "PPCell") : NULL; c; c = px_next(c, "PPCell"), i++) {
		const char *pn = px_attr(c, "parameterName"), *pred = px_attr(c, "predictorName"), *v = px_attr(c, "value");
		int pi = -1;
		for (size_t k = 0; pn && k < g->n_params; k++)
			if (names[k] && !strcmp(names[k], pn))
				pi = (int)k;
		if (pi < 0 || !pred || !v)
			return bad(c, "needs a known parameterName, a predictorName and a value");
		g->cell_param[i] = pi;
		if ((rc = resolve(d, c, "predictorName", &g->cell_field[i])))
			return rc;
		bool factor = false;
		for (const px *f = fl ? px_child(fl, "Predictor") : NULL; f; f = px_next(f, "Predictor"))
			factor |= px_attr(f, "name") && !strcmp(px_attr(f, "name"), pred);
		g->cell_factor[i] = factor;
		g->cell_value[i] = factor ? constant(d, dup(d, v), d->fields[g->cell_field[i]].kind) : constant(d, dup(d, v), F_DOUBLE);
		if (!factor && g->cell_value[i].t != PV_NUM)
			return bad(c, "a covariate's value (its exponent) must be a number");
	}
	const px *pm = px_child(n, "ParamMatrix");
	for (const px *c = pm ? px_child(pm, "PCell") : NULL; c; c = px_next(c, "PCell"))
		g->n_beta++;
	g->beta_param = sc_alloc_array(d->pool, g->n_beta + 1, sizeof(int));
	g->beta_cls = sc_alloc_array(d->pool, g->n_beta + 1, sizeof(int));
	g->beta = sc_alloc_array(d->pool, g->n_beta + 1, sizeof(double));
	if (!g->beta_param || !g->beta_cls || !g->beta)
		return MLMD_OOM();
	i = 0;
	for (const px *c = pm ? px_child(pm, "PCell") : NULL; c; c = px_next(c, "PCell"), i++) {
		const char *pn = px_attr(c, "parameterName");
		int pi = -1;
		for (size_t k = 0; pn && k < g->n_params; k++)
			if (names[k] && !strcmp(names[k], pn))
				pi = (int)k;
		if (pi < 0 || !parse_double(px_attr(c, "beta"), &g->beta[i]))
			return bad(c, "needs a known parameterName and a numeric beta");
		g->beta_param[i] = pi;
		g->beta_cls[i] = -1;
		const char *tc = px_attr(c, "targetCategory");
		if (g->type == 2) {
			if (!tc)
				return bad(c, "a multinomialLogistic PCell needs targetCategory");
			if ((g->beta_cls[i] = add_class(d, m, tc)) < 0)
				return g->beta_cls[i];
		}
	}
	g->ref_cls = -1;
	if (g->type == 2) {
		const char *ref = px_attr(n, "targetReferenceCategory");
		if (ref) {
			if ((g->ref_cls = add_class(d, m, ref)) < 0)
				return g->ref_cls;
		} else {
			/* the category without parameters */
			for (size_t k = 0; k < m->n_cls && g->ref_cls < 0; k++) {
				bool has = false;
				for (size_t b2 = 0; b2 < g->n_beta; b2++)
					has |= g->beta_cls[b2] == (int)k;
				if (!has)
					g->ref_cls = (int)k;
			}
		}
	}
	return 0;
}

static int compile_neural(pdoc *d, const px *n, pmodel *m)
{
	nnbody *b = sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	int net_act = A_LOGISTIC, rc;
	double net_thr = 0;
	const char *a = px_attr(n, "activationFunction");
	if (!a)
		return bad(n, "missing attribute 'activationFunction'");
	net_act = -1;
	for (int k = 0; ACTS[k]; k++)
		if (!strcmp(a, ACTS[k]))
			net_act = k;
	if (net_act < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: activationFunction '%s' is not supported", n->line, a);
	parse_double(px_attr(n, "threshold"), &net_thr);
	const char *nn = px_attr(n, "normalizationMethod");
	int net_norm = nn && !strcmp(nn, "softmax") ? 2 : nn && !strcmp(nn, "simplemax") ? 1 : 0;
	const px *ins = px_child(n, "NeuralInputs");
	if (!ins)
		return bad(n, "needs NeuralInputs");
	/* count slots: inputs and neurons */
	size_t n_in = 0, n_neu = 0, n_con = 0, n_layers = 0;
	for (const px *c = px_child(ins, "NeuralInput"); c; c = px_next(c, "NeuralInput"))
		n_in++;
	for (const px *l = px_child(n, "NeuralLayer"); l; l = px_next(l, "NeuralLayer"), n_layers++)
		for (const px *c = px_child(l, "Neuron"); c; c = px_next(c, "Neuron"), n_neu++)
			for (const px *w = px_child(c, "Con"); w; w = px_next(w, "Con"))
				n_con++;
	size_t slots = n_in + n_neu;
	b->n_in = n_in;
	b->n_layers = n_layers;
	b->n_neurons = slots;
	b->in_expr = sc_alloc_array(d->pool, n_in + 1, sizeof(pexpr *));
	b->layer_start = sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->layer_n = sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->act = sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->thr = sc_alloc_array(d->pool, n_layers + 1, sizeof(double));
	b->norm = sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->bias = sc_alloc_array(d->pool, slots + 1, sizeof(double));
	b->con_start = sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_n = sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_from = sc_alloc_array(d->pool, n_con + 1, sizeof(int));
	b->con_w = sc_alloc_array(d->pool, n_con + 1, sizeof(double));
	const char **ids = calloc(slots + 1, sizeof *ids);
	if (!b->in_expr || !b->layer_start || !b->layer_n || !b->act || !b->thr || !b->norm || !b->bias ||
		!b->con_start || !b->con_n || !b->con_from || !b->con_w || !ids) {
		free(ids);
		return MLMD_OOM();
	}
	size_t s = 0, ci = 0, l = 0;
	rc = 0;
	for (const px *c = px_child(ins, "NeuralInput"); c && !rc; c = px_next(c, "NeuralInput"), s++) {
		ids[s] = px_attr(c, "id");
		const px *df = px_child(c, "DerivedField");
		const px *ex = df ? expr_child(df) : NULL;
		rc = !ids[s] || !ex ? bad(c, "a NeuralInput needs an id and a DerivedField") : compile_expr(d, ex, &b->in_expr[s]);
	}
	for (const px *ly = px_child(n, "NeuralLayer"); ly && !rc; ly = px_next(ly, "NeuralLayer"), l++) {
		b->act[l] = net_act;
		b->thr[l] = net_thr;
		b->norm[l] = net_norm;
		const char *la = px_attr(ly, "activationFunction");
		if (la) {
			b->act[l] = -1;
			for (int k = 0; ACTS[k]; k++)
				if (!strcmp(la, ACTS[k]))
					b->act[l] = k;
			if (b->act[l] < 0) {
				rc = mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: activationFunction '%s' is not supported",
					ly->line, la);
				break;
			}
		}
		parse_double(px_attr(ly, "threshold"), &b->thr[l]);
		const char *ln = px_attr(ly, "normalizationMethod");
		if (ln)
			b->norm[l] = !strcmp(ln, "softmax") ? 2 : !strcmp(ln, "simplemax") ? 1 : 0;
		b->layer_start[l] = s;
		for (const px *c = px_child(ly, "Neuron"); c && !rc; c = px_next(c, "Neuron"), s++) {
			ids[s] = px_attr(c, "id");
			if (!ids[s])
				rc = bad(c, "a Neuron needs an id");
			if (px_attr(c, "bias") && !parse_double(px_attr(c, "bias"), &b->bias[s]))
				rc = bad(c, "bias must be a number");
			b->con_start[s] = ci;
			for (const px *w = px_child(c, "Con"); w && !rc; w = px_next(w, "Con"), ci++) {
				const char *from = px_attr(w, "from");
				int fi = -1;
				for (size_t q = 0; from && q < s; q++)
					if (ids[q] && !strcmp(ids[q], from))
						fi = (int)q;
				if (fi < 0 || (size_t)fi >= b->layer_start[l])
					rc = bad(w, "Con from '%s' is not an input or a neuron of an earlier layer", from ? from : "");
				else if (!parse_double(px_attr(w, "weight"), &b->con_w[ci]))
					rc = bad(w, "weight must be a number");
				b->con_from[ci] = fi;
			}
			b->con_n[s] = ci - b->con_start[s];
		}
		b->layer_n[l] = s - b->layer_start[l];
	}
	const px *outs = px_child(n, "NeuralOutputs");
	if (!rc && !outs)
		rc = bad(n, "needs NeuralOutputs");
	for (const px *c = outs ? px_child(outs, "NeuralOutput") : NULL; c && !rc; c = px_next(c, "NeuralOutput"))
		b->n_outputs++;
	b->out_slot = sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_cls = sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_norm = sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(pexpr *));
	if (!rc && (!b->out_slot || !b->out_cls || !b->out_norm))
		rc = MLMD_OOM();
	size_t o = 0;
	for (const px *c = outs ? px_child(outs, "NeuralOutput") : NULL; c && !rc; c = px_next(c, "NeuralOutput"), o++) {
		const char *on = px_attr(c, "outputNeuron");
		b->out_slot[o] = -1;
		for (size_t q = n_in; on && q < slots; q++)
			if (ids[q] && !strcmp(ids[q], on))
				b->out_slot[o] = (int)q;
		const px *df = px_child(c, "DerivedField");
		const px *ex = df ? expr_child(df) : NULL;
		if (b->out_slot[o] < 0 || !ex) {
			rc = bad(c, "needs an outputNeuron that is a neuron, and a DerivedField");
			break;
		}
		b->out_cls[o] = -1;
		if (!strcmp(ex->name, "NormDiscrete")) {
			const char *v = px_attr(ex, "value");
			if (!v || (b->out_cls[o] = add_class(d, m, v)) < 0)
				rc = v ? b->out_cls[o] : bad(ex, "missing attribute 'value'");
		} else if (!strcmp(ex->name, "NormContinuous")) {
			rc = compile_expr(d, ex, &b->out_norm[o]);
		} else if (strcmp(ex->name, "FieldRef")) {
			rc = unsupported(ex, "this NeuralOutput expression");
		}
	}
	free(ids);
	if (!rc && !m->classification && b->n_outputs != 1)
		rc = unsupported(n, "a regression network with more than one output");
	return rc;
}

static int compile_bayes(pdoc *d, const px *n, pmodel *m)
{
	nbbody *b = sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	if (!parse_double(px_attr(n, "threshold"), &b->threshold))
		return bad(n, "threshold must be a number");
	const px *out = px_child(n, "BayesOutput"), *ins = px_child(n, "BayesInputs");
	const px *tvc = out ? px_child(out, "TargetValueCounts") : NULL;
	if (!tvc || !ins)
		return bad(n, "needs BayesInputs and BayesOutput/TargetValueCounts");
	int rc = 0;
	for (const px *c = px_child(tvc, "TargetValueCount"); c; c = px_next(c, "TargetValueCount"))
		if (!px_attr(c, "value") || (rc = add_class(d, m, px_attr(c, "value"))) < 0)
			return px_attr(c, "value") ? rc : bad(c, "missing attribute 'value'");
	/* classes may grow with the inputs' counts; size arrays after a first pass */
	for (const px *in = px_child(ins, "BayesInput"); in; in = px_next(in, "BayesInput")) {
		b->n++;
		for (const px *pc = px_child(in, "PairCounts"); pc; pc = px_next(pc, "PairCounts")) {
			const px *t = px_child(pc, "TargetValueCounts");
			for (const px *c = t ? px_child(t, "TargetValueCount") : NULL; c; c = px_next(c, "TargetValueCount"))
				if (px_attr(c, "value") && (rc = add_class(d, m, px_attr(c, "value"))) < 0)
					return rc;
		}
	}
	size_t K = m->n_cls;
	b->prior = sc_alloc_array(d->pool, K + 1, sizeof(double));
	b->in = sc_alloc_array(d->pool, b->n + 1, sizeof *b->in);
	if (!b->prior || !b->in)
		return MLMD_OOM();
	for (const px *c = px_child(tvc, "TargetValueCount"); c; c = px_next(c, "TargetValueCount")) {
		double cnt;
		if (!parse_double(px_attr(c, "count"), &cnt))
			return bad(c, "count must be a number");
		b->prior[add_class(d, m, px_attr(c, "value"))] = cnt;
	}
	size_t i = 0;
	for (const px *in = px_child(ins, "BayesInput"); in; in = px_next(in, "BayesInput"), i++) {
		nbinput *bi = &b->in[i];
		if ((rc = resolve(d, in, "fieldName", &bi->field)))
			return rc;
		const px *df = px_child(in, "DerivedField");
		if (df && expr_child(df) && (rc = compile_expr(d, expr_child(df), &bi->derive)))
			return rc;
		const px *tvs = px_child(in, "TargetValueStats");
		if (tvs) {
			bi->gaussian = true;
			bi->mean = sc_alloc_array(d->pool, K + 1, sizeof(double));
			bi->var = sc_alloc_array(d->pool, K + 1, sizeof(double));
			if (!bi->mean || !bi->var)
				return MLMD_OOM();
			for (const px *s = px_child(tvs, "TargetValueStat"); s; s = px_next(s, "TargetValueStat")) {
				const px *g = px_child(s, "GaussianDistribution");
				if (!g)
					return unsupported(s, "a distribution other than GaussianDistribution");
				int k = px_attr(s, "value") ? add_class(d, m, px_attr(s, "value")) : -1;
				if (k < 0 || (size_t)k >= K || !parse_double(px_attr(g, "mean"), &bi->mean[k]) ||
					!parse_double(px_attr(g, "variance"), &bi->var[k]))
					return bad(s, "needs a known value and a numeric mean and variance");
			}
			continue;
		}
		for (const px *pc = px_child(in, "PairCounts"); pc; pc = px_next(pc, "PairCounts"))
			bi->n_vals++;
		bi->vals = sc_alloc_array(d->pool, bi->n_vals + 1, sizeof(pv));
		bi->counts = sc_alloc_array(d->pool, bi->n_vals * K + 1, sizeof(double));
		if (!bi->vals || !bi->counts)
			return MLMD_OOM();
		size_t j = 0;
		for (const px *pc = px_child(in, "PairCounts"); pc; pc = px_next(pc, "PairCounts"), j++) {
			if (!px_attr(pc, "value"))
				return bad(pc, "missing attribute 'value'");
			bi->vals[j] = constant(d, dup(d, px_attr(pc, "value")), bi->derive ? F_STRING : d->fields[bi->field].kind);
			const px *t = px_child(pc, "TargetValueCounts");
			for (const px *c = t ? px_child(t, "TargetValueCount") : NULL; c; c = px_next(c, "TargetValueCount")) {
				double cnt;
				if (!parse_double(px_attr(c, "count"), &cnt))
					return bad(c, "count must be a number");
				bi->counts[j * K + (size_t)add_class(d, m, px_attr(c, "value"))] = cnt;
			}
		}
	}
	return 0;
}

static int compile_scorecard(pdoc *d, const px *n, pmodel *m)
{
	scbody *b = sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	parse_double(px_attr(n, "initialScore"), &b->initial);
	const char *ur = px_attr(n, "useReasonCodes"), *alg = px_attr(n, "reasonCodeAlgorithm");
	b->use_reasons = !ur || strcmp(ur, "false") != 0;
	b->points_above = alg && !strcmp(alg, "pointsAbove");
	double model_base = NAN;
	parse_double(px_attr(n, "baselineScore"), &model_base);
	const px *chs = px_child(n, "Characteristics");
	if (!chs)
		return bad(n, "needs Characteristics");
	for (const px *c = px_child(chs, "Characteristic"); c; c = px_next(c, "Characteristic"))
		b->n++;
	b->ch = sc_alloc_array(d->pool, b->n + 1, sizeof *b->ch);
	if (!b->ch)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *c = px_child(chs, "Characteristic"); c; c = px_next(c, "Characteristic"), i++) {
		pchar *ch = &b->ch[i];
		ch->baseline = model_base;
		parse_double(px_attr(c, "baselineScore"), &ch->baseline);
		if (b->use_reasons && ch->baseline != ch->baseline)
			return bad(c, "reason codes need a baselineScore (on the Characteristic or the Scorecard)");
		const char *cr = px_attr(c, "reasonCode");
		for (const px *a = px_child(c, "Attribute"); a; a = px_next(a, "Attribute"))
			ch->n_attr++;
		ch->pred = sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(ppred *));
		ch->partial = sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(double));
		ch->reason = sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(char *));
		if (!ch->pred || !ch->partial || !ch->reason)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *a = px_child(c, "Attribute"); a; a = px_next(a, "Attribute"), k++) {
			if (px_child(a, "ComplexPartialScore"))
				return unsupported(px_child(a, "ComplexPartialScore"), "ComplexPartialScore");
			const px *pr = pred_child(a);
			if (!pr || !parse_double(px_attr(a, "partialScore"), &ch->partial[k]))
				return bad(a, "an Attribute needs a predicate and a numeric partialScore");
			if ((rc = compile_pred(d, pr, &ch->pred[k])))
				return rc;
			const char *ar = px_attr(a, "reasonCode");
			ch->reason[k] = dup(d, ar ? ar : cr ? cr : "");
		}
	}
	return 0;
}

static int compile_outputs(pdoc *d, const px *n, pmodel *m)
{
	const px *o = px_child(n, "Output");
	if (!o)
		return 0;
	for (const px *f = px_child(o, "OutputField"); f; f = px_next(f, "OutputField"))
		m->n_out++;
	m->out = sc_alloc_array(d->pool, m->n_out + 1, sizeof *m->out);
	if (!m->out)
		return MLMD_OOM();
	static const char *const feats[] = { "predictedValue", "predictedDisplayValue", "probability",
		"transformedValue", "reasonCode", "entityId", "confidence", NULL };
	size_t i = 0;
	int rc = 0;
	for (const px *f = px_child(o, "OutputField"); f; f = px_next(f, "OutputField"), i++) {
		poutf *of = &m->out[i];
		const char *name = px_attr(f, "name"), *feat = px_attr(f, "feature");
		if (!name)
			return bad(f, "missing attribute 'name'");
		of->feature = OF_PREDICTED;
		if (feat) {
			of->feature = -1;
			for (int k = 0; feats[k]; k++)
				if (!strcmp(feat, feats[k]))
					of->feature = k;
			if (of->feature < 0)
				return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <OutputField feature=\"%s\">: not supported",
					f->line, feat);
		}
		const char *v = px_attr(f, "value");
		of->value = v ? (pv){ PV_STR, 0, dup(d, v) } : MISSING;
		of->rank = 1;
		if (px_attr(f, "rank")) {
			double r;
			if (!parse_double(px_attr(f, "rank"), &r) || r < 1)
				return bad(f, "rank must be a positive number");
			of->rank = (int)r;
		}
		if (px_attr(f, "segmentId"))
			return unsupported(f, "segmentId");
		if (of->feature == OF_TRANSFORMED) {
			const px *ex = expr_child(f);
			if (!ex)
				return bad(f, "a transformedValue needs an expression");
			if ((rc = compile_expr(d, ex, &of->expr)))
				return rc;
		}
		int kind = F_DOUBLE;
		const char *dt = px_attr(f, "dataType");
		if (of->feature == OF_REASON || of->feature == OF_ENTITY ||
			((of->feature == OF_PREDICTED || of->feature == OF_DISPLAY) && m->classification))
			kind = F_STRING;
		else if (dt && of->feature == OF_TRANSFORMED)
			kind = kind_of_type(dt);
		of->out_index = -1;
		if ((rc = add_field(d, dup(d, name), kind, &of->field)))
			return rc;
	}
	return 0;
}

static int compile_model(pdoc *d, const px *n, pmodel **out, const pmodel *parent)
{
	pmodel *m = sc_alloc(d->pool, sizeof *m);
	if (!m)
		return MLMD_OOM();
	*out = m;
	static const char *const kinds[] = { "RegressionModel", "TreeModel", "MiningModel", "GeneralRegressionModel",
		"NeuralNetwork", "NaiveBayesModel", "Scorecard", NULL };
	m->kind = -1;
	for (int k = 0; kinds[k]; k++)
		if (!strcmp(n->name, kinds[k]))
			m->kind = k;
	if (m->kind < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s>: model type not supported (supported: "
			"RegressionModel, GeneralRegressionModel, TreeModel, MiningModel, NeuralNetwork, NaiveBayesModel, "
			"Scorecard)", n->line, n->name);
	const char *sc = px_attr(n, "isScorable");
	if (sc && !strcmp(sc, "false"))
		return bad(n, "the model is marked isScorable=\"false\"");
	const char *fn = px_attr(n, "functionName");
	if (!fn || (strcmp(fn, "classification") && strcmp(fn, "regression")))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s functionName=\"%s\">: only classification and "
			"regression are supported", n->line, n->name, fn ? fn : "");
	m->classification = !strcmp(fn, "classification");
	m->name = dup(d, px_attr(n, "modelName"));
	m->target = -1;
	int rc = 0;
	const px *ms = px_child(n, "MiningSchema");
	if (!ms)
		return bad(n, "a model needs a MiningSchema");
	for (const px *f = px_child(ms, "MiningField"); f; f = px_next(f, "MiningField"))
		m->n_mf++;
	m->mf = sc_alloc_array(d->pool, m->n_mf + 1, sizeof *m->mf);
	if (!m->mf)
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = px_child(ms, "MiningField"); f; f = px_next(f, "MiningField"), i++) {
		pmf *mf = &m->mf[i];
		if ((rc = resolve(d, f, "name", &mf->field)))
			return rc;
		const char *u = px_attr(f, "usageType");
		mf->usage = !u || !strcmp(u, "active") ? 0 : (!strcmp(u, "predicted") || !strcmp(u, "target")) ? 1 : 2;
		if (mf->usage == 1 && m->target < 0)
			m->target = mf->field;
		int kind = d->fields[mf->field].kind;
		const char *rep = px_attr(f, "missingValueReplacement");
		mf->replacement = rep ? constant(d, dup(d, rep), kind) : MISSING;
		const char *mt = px_attr(f, "missingValueTreatment");
		if (mt && !strcmp(mt, "returnInvalid"))
			return unsupported(f, "missingValueTreatment=\"returnInvalid\"");
		const char *iv = px_attr(f, "invalidValueTreatment");
		mf->invalid = !iv || !strcmp(iv, "returnInvalid") ? TR_INVALID : !strcmp(iv, "asIs") ? TR_AS_IS :
			!strcmp(iv, "asMissing") ? TR_MISSING : !strcmp(iv, "asValue") ? TR_VALUE : -1;
		if (mf->invalid < 0)
			return bad(f, "unknown invalidValueTreatment '%s'", iv);
		const char *ivr = px_attr(f, "invalidValueReplacement");
		mf->invalid_value = ivr ? constant(d, dup(d, ivr), kind) : MISSING;
		const char *ol = px_attr(f, "outliers");
		mf->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		if (mf->outliers && (!parse_double(px_attr(f, "lowValue"), &mf->low) ||
			!parse_double(px_attr(f, "highValue"), &mf->high)))
			return bad(f, "outliers treatment needs numeric lowValue and highValue");
		const pfield *fd = &d->fields[mf->field];
		mf->noop = mf->replacement.t == PV_MISSING && !mf->outliers && !fd->n_values && !fd->n_iv;
	}
	if (m->target < 0 && px_attr(n, "targetFieldName"))
		m->target = field_id(d, px_attr(n, "targetFieldName"));
	/* categories: the target's valid values first, so the order is the data dictionary's */
	if (parent && parent->classification && m->classification)
		for (size_t k = 0; k < parent->n_cls; k++)
			if ((rc = add_class(d, m, parent->cls[k])) < 0)
				return rc;
	if (m->classification && m->target >= 0) {
		const pfield *tf = &d->fields[m->target];
		for (size_t k = 0; k < tf->n_values; k++)
			if (tf->vprop[k] == 0 && (rc = add_class(d, m, tf->values[k])) < 0)
				return rc;
	}
	const px *lt = px_child(n, "LocalTransformations");
	for (const px *df = lt ? px_child(lt, "DerivedField") : NULL; df; df = px_next(df, "DerivedField"))
		if ((rc = compile_derived(d, df)))
			return rc;
	const px *tg = px_child(n, "Targets");
	const px *t = tg ? px_child(tg, "Target") : NULL;
	if (t) {
		m->has_target_xf = true;
		m->rescale_factor = 1;
		parse_double(px_attr(t, "rescaleFactor"), &m->rescale_factor);
		parse_double(px_attr(t, "rescaleConstant"), &m->rescale_const);
		m->has_min = parse_double(px_attr(t, "min"), &m->tmin);
		m->has_max = parse_double(px_attr(t, "max"), &m->tmax);
		const char *ci = px_attr(t, "castInteger");
		m->cast = !ci ? 0 : !strcmp(ci, "round") ? 1 : !strcmp(ci, "ceiling") ? 2 : !strcmp(ci, "floor") ? 3 : -1;
		if (m->cast < 0)
			return bad(t, "unknown castInteger '%s'", ci);
		if (m->classification)
			for (const px *tv = px_child(t, "TargetValue"); tv; tv = px_next(tv, "TargetValue"))
				if (px_attr(tv, "value") && (rc = add_class(d, m, px_attr(tv, "value"))) < 0)
					return rc;
	}
	switch (m->kind) {
	case M_REGRESSION: rc = compile_regression(d, n, m); break;
	case M_TREE: rc = compile_tree(d, n, m); break;
	case M_MINING: rc = compile_mining(d, n, m); break;
	case M_GENERAL: rc = compile_general(d, n, m); break;
	case M_NEURAL: rc = compile_neural(d, n, m); break;
	case M_BAYES: rc = compile_bayes(d, n, m); break;
	default: rc = compile_scorecard(d, n, m);
	}
	if (rc)
		return rc;
	if (m->classification && m->n_cls == 0)
		return bad(n, "a classification model with no categories (no target values)");
	const px *mv = px_child(n, "ModelVerification");
	if (mv) {
		if (d->n_verif == 64)
			return unsupported(mv, "more than 64 ModelVerification blocks");
		d->verif_model[d->n_verif] = m;
		d->verif_node[d->n_verif++] = mv;
	}
	return compile_outputs(d, n, m);
}

/* Scratch regions and segment category maps, once the whole model is known. */
static int finalize(pdoc *d, pmodel *m)
{
	m->scratch = d->n_scratch;
	d->n_scratch += (int)m->n_cls;
	int rc = 0;
	switch (m->kind) {
	case M_MINING: {
		miningbody *b = m->body;
		b->vals = d->n_scratch;
		d->n_scratch += (int)b->n;
		for (size_t i = 0; i < b->n; i++) {
			pmodel *c = b->seg[i].model;
			if ((rc = finalize(d, c)))
				return rc;
			if (m->classification && c->classification)
				for (size_t k = 0; k < c->n_cls; k++) /* segments were seeded with our categories: same order */
					if (k >= m->n_cls || strcmp(c->cls[k], m->cls[k]))
						return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML: segment %zu's categories differ from "
							"its MiningModel's", i + 1);
		}
		break;
	}
	case M_TREE:
		if ((rc = tree_engine(d, m, m->body)))
			return rc;
		((treebody *)m->body)->xs = d->n_scratch;
		d->n_scratch += ((treebody *)m->body)->n_feat;
		break;
	case M_REGRESSION: ((regbody *)m->body)->ys = d->n_scratch; d->n_scratch += (int)((regbody *)m->body)->n; break;
	case M_GENERAL: ((grmbody *)m->body)->x = d->n_scratch; d->n_scratch += (int)((grmbody *)m->body)->n_params; break;
	case M_NEURAL: ((nnbody *)m->body)->slots = d->n_scratch; d->n_scratch += (int)((nnbody *)m->body)->n_neurons; break;
	case M_SCORECARD: ((scbody *)m->body)->diffs = d->n_scratch; d->n_scratch += 4 * (int)((scbody *)m->body)->n; break;
	default: break;
	}
	if (d->n_scratch > (1 << 26))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML: the model needs too much working memory per row");
	return 0;
}

/* ---- the scorer op ---------------------------------------------------------------------------------- */

typedef struct {
	pdoc doc;
	size_t n_in;
	int *in_fields;
	size_t n_out;            /* graph outputs */
	int *out_field;          /* field to read, or -1 for out 0 (predicted) / -2 for the probability matrix */
	int *out_kind;
	size_t scratch_bytes;
} pmml_attr;

/* A row context's arrays, from the score context's pool; -1 when out of memory. */
static int rowctx_init(rowctx *rc, const pdoc *d, sc_pool *pool)
{
	size_t n = (size_t)d->n_fields + 1;
	*rc = (rowctx){ .d = d };
	rc->vals = sc_alloc_array(pool, n, sizeof *rc->vals);
	rc->done = sc_alloc_array(pool, n, 1);
	rc->tdone = sc_alloc_array(pool, n, 1);
	rc->tptr = sc_alloc_array(pool, n, sizeof *rc->tptr);
	rc->tcode = sc_alloc_array(pool, n, sizeof *rc->tcode);
	rc->scratch = sc_alloc_array(pool, (size_t)d->n_scratch + 1, sizeof(double));
	return rc->vals && rc->done && rc->tdone && rc->tptr && rc->tcode && rc->scratch ? 0 : -1;
}

/* Forgets the previous row's values. */
static void rowctx_next(rowctx *rc)
{
	memset(rc->done, 0, (size_t)rc->d->n_fields);
	memset(rc->tdone, 0, (size_t)rc->d->n_fields);
}

/* Scores one row whose inputs are already in rc->vals; returns the result. */
static void eval_row(const pmml_attr *a, rowctx *rc, pres *res)
{
	rc->invalid = false;
	eval_model(rc, a->doc.top, res);
}

static int run_pmml(const sc_node *n, sc_run *r)
{
	const pmml_attr *a = n->attr;
	const pdoc *d = &a->doc;
	int64_t rows = -1;
	for (int k = 0; k < r->nin; k++) {
		const tensor *t = r->in[k];
		if (t->rank < 1 || t->rank > 2 || (t->rank == 2 && t->dims[1] != 1))
			return sc_fail(n, MLMD_INVALID_ARGUMENT, "input '%s' must be [N] or [N, 1]", d->fields[a->in_fields[k]].name);
		if (rows >= 0 && t->dims[0] != rows)
			return sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different row counts");
		rows = t->dims[0];
	}
	if (rows < 0)
		rows = 0;
	const pmodel *top = d->top;
	int64_t dims[2] = { rows, (int64_t)top->n_cls };
	int rc = 0;
	for (size_t o = 0; o < a->n_out; o++)
		if ((rc = sc_out(n, r, (int)o, a->out_kind[o] == -1 ? MLMD_DTYPE_DOUBLE : a->out_kind[o] == F_STRING ?
			MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE, a->out_kind[o] == -1 ? 2 : 1, dims)))
			return rc;
	rowctx rcx;
	if (rowctx_init(&rcx, d, &r->ctx->pool))
		return MLMD_OOM();
	for (int64_t i = 0; i < rows; i++) {
		rowctx_next(&rcx);
		for (size_t k = 0; k < a->n_in; k++) {
			const tensor *t = r->in[k];
			int f = a->in_fields[k];
			pv v = MISSING;
			if (t->dtype == MLMD_DTYPE_STRING) {
				const char *sv = ((const char *const *)t->data)[i];
				if (sv && sv[0])
					v = d->fields[f].kind == F_DOUBLE ? constant(d, sv, F_DOUBLE) : (pv){ PV_STR, 0, sv };
			} else {
				v = num(sc_getd(t, i));
			}
			if (d->fields[f].is_float && v.t == PV_NUM)
				v.d = (float)v.d;
			rcx.vals[f] = v;
			rcx.done[f] = 1;
		}
		pres res;
		eval_row(a, &rcx, &res);
		for (size_t o = 0; o < a->n_out; o++) {
			tensor *t = r->out[o];
			if (a->out_kind[o] == -1) {
				for (size_t k = 0; k < top->n_cls; k++)
					((double *)t->data)[i * (int64_t)top->n_cls + (int64_t)k] =
						rcx.invalid || !res.has_p ? NAN : res.p[k];
				continue;
			}
			pv v = a->out_field[o] < 0 ? res.value : rcx.vals[a->out_field[o]];
			if (a->out_field[o] >= 0 && !rcx.done[a->out_field[o]])
				v = MISSING;
			if (rcx.invalid)
				v = MISSING;
			if (a->out_kind[o] == F_STRING) {
				const char *sv = v.t == PV_STR ? v.s : NULL;
				if (v.t == PV_NUM) /* a numeric category: its name from the model's categories */
					for (size_t k = 0; k < top->n_cls && !sv; k++) {
						double c;
						if (parse_double(top->cls[k], &c) && c == v.d)
							sv = top->cls[k];
					}
				((const char **)t->data)[i] = sv;
			} else {
				double x = NAN;
				if (!as_num(v, &x))
					x = NAN;
				((double *)t->data)[i] = x;
			}
		}
	}
	return 0;
}

static const sc_op pmml_op = { "pmml", "PMML", 0, 4096, 1, 4096, NULL, run_pmml, 0, false, SC_OUT_SET };

/* ---- ModelVerification ------------------------------------------------------------------------------ */

/* Scores the verification rows with model m (the top model or a segment's)
 * and compares its prediction and output fields with the expected values. */
static int verify(pmml_attr *a, pmodel *m, const px *mv, sc_pool *tmp)
{
	pdoc *d = &a->doc;
	const px *vf = px_child(mv, "VerificationFields"), *tbl = px_child(mv, "InlineTable");
	if (!vf || !tbl)
		return bad(mv, "needs VerificationFields and an InlineTable");
	size_t nf = 0;
	for (const px *f = px_child(vf, "VerificationField"); f; f = px_next(f, "VerificationField"))
		nf++;
	int *field = sc_alloc_array(tmp, nf + 1, sizeof(int));
	const char **col = sc_alloc_array(tmp, nf + 1, sizeof(char *));
	double *prec = sc_alloc_array(tmp, nf + 1, sizeof(double)), *zero = sc_alloc_array(tmp, nf + 1, sizeof(double));
	bool *is_in = sc_alloc_array(tmp, nf + 1, sizeof(bool));
	rowctx rc;
	if (!field || !col || !prec || !zero || !is_in || rowctx_init(&rc, d, tmp))
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = px_child(vf, "VerificationField"); f; f = px_next(f, "VerificationField"), i++) {
		const char *name = px_attr(f, "field");
		field[i] = name ? field_id(d, name) : -1;
		if (field[i] < 0)
			return bad(f, "field '%s' is not defined", name ? name : "");
		/* expected values: the model's prediction and its output fields; anything else is an input */
		is_in[i] = field[i] != m->target;
		for (size_t k = 0; k < m->n_out; k++)
			if (m->out[k].field == field[i])
				is_in[i] = false;
		col[i] = px_attr(f, "column") ? px_attr(f, "column") : name;
		prec[i] = 1e-6;
		zero[i] = 1e-16;
		parse_double(px_attr(f, "precision"), &prec[i]);
		parse_double(px_attr(f, "zeroThreshold"), &zero[i]);
	}
	int row = 0;
	for (const px *r = px_child(tbl, "row"); r; r = px_next(r, "row"), row++) {
		rowctx_next(&rc);
		for (size_t k = 0; k < a->n_in; k++) {
			rc.vals[a->in_fields[k]] = MISSING;
			rc.done[a->in_fields[k]] = 1;
		}
		for (size_t k = 0; k < nf; k++) {
			if (!is_in[k])
				continue;
			rc.vals[field[k]] = MISSING;
			rc.done[field[k]] = 1;
			for (const px *c = r->first; c; c = c->next)
				if (!strcmp(c->name, col[k]) && c->text)
					rc.vals[field[k]] = constant(d, c->text, d->fields[field[k]].kind);
		}
		pres res;
		rc.invalid = false;
		eval_model(&rc, m, &res);
		for (size_t k = 0; k < nf; k++) {
			if (is_in[k])
				continue;
			const char *want = NULL;
			for (const px *c = r->first; c; c = c->next)
				if (!strcmp(c->name, col[k]))
					want = c->text ? c->text : "";
			if (!want)
				continue;
			pv got = field[k] == m->target ? res.value : rc.vals[field[k]];
			double g, w;
			bool ok;
			if (parse_double(want, &w) && as_num(got, &g))
				ok = (fabs(w) < zero[k] && fabs(g) < zero[k]) || fabs(g - w) <= prec[k] * fabs(w);
			else
				ok = got.t == PV_STR && !strcmp(got.s, want);
			if (!ok) {
				char gs[64];
				if (got.t == PV_NUM)
					mlmd__snprintf(gs, sizeof gs, "%.17g", got.d);
				else
					snprintf(gs, sizeof gs, "%s", got.t == PV_STR ? got.s : "(missing)");
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML ModelVerification (line %d) row %d: field '%s' is "
					"%s, the model file expects %s", mv->line, row + 1, d->fields[field[k]].name, gs, want);
			}
		}
	}
	return 0;
}

/* ---- loading ------------------------------------------------------------------------------------------ */

static int data_dictionary(pdoc *d, const px *dd)
{
	int rc = 0;
	for (const px *f = px_child(dd, "DataField"); f; f = px_next(f, "DataField")) {
		const char *name = px_attr(f, "name");
		if (!name)
			return bad(f, "missing attribute 'name'");
		int id;
		if ((rc = add_field(d, dup(d, name), kind_of_type(px_attr(f, "dataType")), &id)))
			return rc;
		pfield *pf = &d->fields[id];
		const char *opt = px_attr(f, "optype"), *dt = px_attr(f, "dataType");
		pf->categorical = opt && strcmp(opt, "continuous") != 0;
		pf->is_float = dt && !strcmp(dt, "float");
		for (const px *v = px_child(f, "Value"); v; v = px_next(v, "Value"))
			pf->n_values++;
		for (const px *v = px_child(f, "Interval"); v; v = px_next(v, "Interval"))
			pf->n_iv++;
		pf->values = sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->vprop = sc_alloc_array(d->pool, pf->n_values + 1, 1);
		pf->display = sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->lo = sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->hi = sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->lo_open = sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		pf->hi_open = sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		if (!pf->values || !pf->vprop || !pf->display || !pf->lo || !pf->hi || !pf->lo_open || !pf->hi_open)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *v = px_child(f, "Value"); v; v = px_next(v, "Value"), k++) {
			const char *val = px_attr(v, "value"), *prop = px_attr(v, "property");
			if (!val)
				return bad(v, "missing attribute 'value'");
			pf->values[k] = dup(d, val);
			pf->vprop[k] = !prop || !strcmp(prop, "valid") ? 0 : !strcmp(prop, "invalid") ? 1 : 2;
			pf->display[k] = dup(d, px_attr(v, "displayValue"));
		}
		k = 0;
		for (const px *v = px_child(f, "Interval"); v; v = px_next(v, "Interval"), k++) {
			const char *cl = px_attr(v, "closure");
			if (!cl)
				return bad(v, "missing attribute 'closure'");
			pf->lo_open[k] = !strncmp(cl, "open", 4);
			pf->hi_open[k] = strstr(cl, "Open") != NULL;
			if (!parse_double(px_attr(v, "leftMargin"), &pf->lo[k]))
				pf->lo[k] = NAN;
			if (!parse_double(px_attr(v, "rightMargin"), &pf->hi[k]))
				pf->hi[k] = NAN;
		}
	}
	return 0;
}

int sc_load_pmml(mlmd_model *m, const char *data, size_t len)
{
	sc_pool tmp = { 0 };
	px *root;
	int rc = px_parse(&tmp, data, len, &root);
	if (rc) {
		sc_pool_free(&tmp);
		return rc;
	}
	pmml_attr *a = sc_alloc(&m->pool, sizeof *a);
	if (!a) {
		sc_pool_free(&tmp);
		return MLMD_OOM();
	}
	pdoc *d = &a->doc;
	d->pool = &m->pool;
	const px *dd = px_child(root, "DataDictionary");
	if (!dd)
		rc = bad(root, "no DataDictionary");
	if (!rc)
		rc = data_dictionary(d, dd);
	const px *td = px_child(root, "TransformationDictionary");
	if (!rc && td && px_child(td, "DefineFunction"))
		rc = unsupported(px_child(td, "DefineFunction"), "DefineFunction");
	for (const px *df = td ? px_child(td, "DerivedField") : NULL; !rc && df; df = px_next(df, "DerivedField"))
		rc = compile_derived(d, df);
	const px *model = NULL;
	for (const px *c = root->first; !rc && c && !model; c = c->next)
		if (!c->foreign && strcmp(c->name, "Header") && strcmp(c->name, "DataDictionary") &&
			strcmp(c->name, "TransformationDictionary") && strcmp(c->name, "Extension") &&
			strcmp(c->name, "MiningBuildTask"))
			model = c;
	if (!rc && !model)
		rc = bad(root, "the document has no model");
	if (!rc)
		rc = compile_model(d, model, &d->top, NULL);
	if (!rc)
		rc = text_codes(d);
	if (!rc)
		rc = finalize(d, d->top);
	/* the graph: the top model's active data fields in, the prediction (and outputs) out */
	pmodel *top = d->top;
	size_t n_in = 0;
	for (size_t i = 0; !rc && i < top->n_mf; i++)
		n_in += top->mf[i].usage == 0 && !d->fields[top->mf[i].field].derive;
	a->in_fields = rc ? NULL : sc_alloc_array(&m->pool, n_in + 1, sizeof(int));
	size_t max_out = rc ? 0 : 2 + top->n_out;
	a->out_field = rc ? NULL : sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
	a->out_kind = rc ? NULL : sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
	if (!rc && (!a->in_fields || !a->out_field || !a->out_kind))
		rc = MLMD_OOM();
	if (!rc) {
		for (size_t i = 0; i < top->n_mf; i++)
			if (top->mf[i].usage == 0 && !d->fields[top->mf[i].field].derive)
				a->in_fields[a->n_in++] = top->mf[i].field;
		const char *pname = top->target >= 0 ? d->fields[top->target].name : "predicted";
		a->out_field[0] = -1;
		a->out_kind[0] = top->classification ? F_STRING : F_DOUBLE;
		a->n_out = 1;
		if (top->classification) {
			a->out_field[1] = -2;
			a->out_kind[1] = -1;
			a->n_out = 2;
		}
		for (size_t i = 0; i < top->n_out; i++) {
			const char *on = d->fields[top->out[i].field].name;
			bool dupname = !strcmp(on, pname) || (top->classification && !strcmp(on, "probability"));
			for (size_t j = 0; j < i; j++)
				dupname |= !strcmp(d->fields[top->out[j].field].name, on);
			if (dupname)
				continue;
			a->out_field[a->n_out] = top->out[i].field;
			a->out_kind[a->n_out++] = d->fields[top->out[i].field].kind;
		}
		/* values, node, signature */
		m->nodes = sc_alloc(&m->pool, sizeof *m->nodes);
		m->inputs = sc_alloc_array(&m->pool, a->n_in + 1, sizeof *m->inputs);
		m->input_vals = sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
		m->outputs = sc_alloc_array(&m->pool, a->n_out + 1, sizeof *m->outputs);
		m->output_vals = sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
		sc_node *nd = m->nodes;
		if (!nd || !m->inputs || !m->input_vals || !m->outputs || !m->output_vals)
			rc = MLMD_OOM();
		if (!rc) {
			nd->op = &pmml_op;
			nd->name = top->name ? top->name : dup(d, model->name);
			nd->opset = 1;
			nd->attr = a;
			nd->nin = (int)a->n_in;
			nd->nout = (int)a->n_out;
			nd->in = sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
			nd->out = sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
			if (!nd->in || !nd->out)
				rc = MLMD_OOM();
		}
		static const int64_t one_dim[1] = { -1 }, two_dims[2] = { -1, -1 };
		for (size_t k = 0; !rc && k < a->n_in; k++) {
			const pfield *f = &d->fields[a->in_fields[k]];
			int v = sc_add_value(m, f->name);
			if (v < 0) {
				rc = v;
				break;
			}
			nd->in[k] = v;
			m->input_vals[k] = v;
			m->inputs[k] = (mlmd_value_info){ .name = f->name, .dtype = f->kind == F_STRING ? MLMD_DTYPE_STRING :
				MLMD_DTYPE_DOUBLE, .rank = 1, .dims = one_dim };
		}
		m->n_inputs = rc ? 0 : a->n_in;
		for (size_t o = 0; !rc && o < a->n_out; o++) {
			const char *name = a->out_field[o] == -1 ? pname : a->out_field[o] == -2 ? "probability" :
				d->fields[a->out_field[o]].name;
			int v = sc_add_value(m, name);
			if (v < 0) {
				rc = v;
				break;
			}
			nd->out[o] = v;
			m->output_vals[o] = v;
			m->outputs[o] = (mlmd_value_info){ .name = name, .dtype = a->out_kind[o] == -1 ? MLMD_DTYPE_DOUBLE :
				a->out_kind[o] == F_STRING ? MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE,
				.rank = a->out_kind[o] == -1 ? 2 : 1, .dims = a->out_kind[o] == -1 ? two_dims : one_dim };
			if (a->out_field[o] == -2) {
				int64_t *dims = sc_alloc_array(&m->pool, 2, sizeof(int64_t));
				if (!dims) {
					rc = MLMD_OOM();
					break;
				}
				dims[0] = -1;
				dims[1] = (int64_t)top->n_cls;
				m->outputs[o].dims = dims;
				m->values[v].n_labels = top->n_cls;
				m->values[v].labels_string = top->cls;
			}
		}
		m->n_outputs = rc ? 0 : a->n_out;
		m->n_nodes = rc ? 0 : 1;
	}
	for (size_t v = 0; !rc && v < d->n_verif; v++)
		rc = verify(a, d->verif_model[v], d->verif_node[v], &tmp);
	if (!rc) {
		m->format = "pmml";
		const px *hd = px_child(root, "Header"), *app = hd ? px_child(hd, "Application") : NULL;
		m->producer = app && px_attr(app, "name") ? dup(d, px_attr(app, "name")) : "";
		m->producer_version = app && px_attr(app, "version") ? dup(d, px_attr(app, "version")) : "";
		const char *ver = px_attr(root, "version");
		m->n_meta = 2;
		m->meta_keys = sc_alloc_array(&m->pool, 2, sizeof(char *));
		m->meta_values = sc_alloc_array(&m->pool, 2, sizeof(char *));
		if (!m->meta_keys || !m->meta_values || !m->producer || !m->producer_version) {
			rc = MLMD_OOM();
		} else {
			m->meta_keys[0] = "pmml_version";
			m->meta_values[0] = dup(d, ver ? ver : "");
			m->meta_keys[1] = "model_type";
			m->meta_values[1] = dup(d, model->name);
		}
	}
	free(d->names);
	free(d->ids);
	d->names = NULL;
	d->ids = NULL;
	d->map_cap = 0;
	/* the field table moves into the model pool: the op reads it at run time */
	if (!rc) {
		pfield *ff = sc_alloc_array(&m->pool, (size_t)d->n_fields + 1, sizeof *ff);
		if (!ff)
			rc = MLMD_OOM();
		else if (d->n_fields)
			memcpy(ff, d->fields, (size_t)d->n_fields * sizeof *ff);
		free(d->fields);
		d->fields = ff;
	} else {
		free(d->fields);
		d->fields = NULL;
	}
	sc_pool_free(&tmp);
	return rc;
}

int sc_pmml_tree_counts(const mlmd_model *m, int *engine, int *walked)
{
	*engine = *walked = 0;
	if (m->n_nodes != 1 || m->nodes[0].op != &pmml_op)
		return -1;
	const pmml_attr *a = m->nodes[0].attr;
	*engine = a->doc.trees_engine;
	*walked = a->doc.trees_walked;
	return 0;
}

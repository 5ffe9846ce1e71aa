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
 * per row: Apply arguments and user functions' parameters live on a value
 * stack sized at load (the most any expression needs at once), and strings
 * that functions make live in a row's text (pmml_fn.c), reused row after row.
 *
 * User functions (DefineFunction) are compiled once, bodies bound to their
 * ParameterFields; a call evaluates its arguments onto the stack and runs the
 * body against them. Recursion, direct or through other functions, and
 * calls with the wrong number of arguments are refused at load, and so is an
 * expression whose evaluation would take more than PMML_MAX_EVALS steps
 * (functions calling functions can multiply work exponentially).
 *
 * Sizes the document declares (Array n, numberOf... counts) must agree with
 * what it holds, and every allocation of the load comes from pools capped at
 * a multiple of the document's size (PMML_LOAD_FACTOR, at least
 * PMML_LOAD_FLOOR), so a small document cannot make the loader allocate
 * gigabytes through products of counts (nodes x categories, rows x columns).
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
#include "load.h"

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
	/* a number and a text: as numbers when the text is one ("1.9" equals 1.9), else as texts */
	if ((a.t == PV_NUM) != (b.t == PV_NUM) && as_num(a, &x) && as_num(b, &y))
		return x < y ? -1 : x > y;
	char ba[40], bb[40];
	const char *sa = a.s, *sb = b.s;
	if (a.t == PV_NUM) {
		mlmd_double_format(ba, sizeof ba, a.d, 0);
		sa = ba;
	}
	if (b.t == PV_NUM) {
		mlmd_double_format(bb, sizeof bb, b.d, 0);
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
	size_t need;             /* value-stack slots computing derive takes */
	int n_codes;             /* texts compiled trees compare this (text) field with, sorted: */
	const char **codes;      /* a value's position among them is its number in the tree engine */
} pfield;

struct pexpr {
	int kind;
	pv c;                    /* Constant */
	const char *text;        /* Constant: its text as written */
	int field;               /* FieldRef, Norm*, Discretize: a field, or -1-k for parameter k of a function body */
	int fn, nargs;           /* Apply: a built-in (E_APPLY) or a user function's index (E_CALL) */
	pexpr **args;
	regex_t *re;             /* matches, replace: the compiled pattern */
	const char *fmt;         /* formatNumber (run-ready), formatDatetime: the pattern */
	char conv;               /* formatNumber: the conversion */
	size_t need;             /* value-stack slots evaluating this takes */
	double cost;             /* sub-expressions evaluated, at most (fields count once per row, not here) */
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
enum { E_CONST, E_FIELD, E_APPLY, E_NORMCONT, E_NORMDISC, E_DISCRETIZE, E_MAPVALUES, E_CALL };

/* A name -> index map (open addressing, in a pool), for lookups by name at load. */
typedef struct {
	const char **names;
	int *ids;
	size_t cap;
} strmap;

/* A user function (DefineFunction). */
typedef struct pfunc {
	const char *name;
	const px *node;
	size_t n_params;
	const char **pnames;
	int *pkind;              /* F_DOUBLE / F_STRING, or -1 (no dataType: the argument as it is) */
	int kind;                /* the result's, likewise */
	bool is_float, is_int;   /* the result's dataType */
	pexpr *body;
	strmap pmap;             /* parameter name -> position */
	int state;               /* 0 not compiled yet, 1 being compiled, 2 compiled */
	struct pfunc *via;       /* while compiled: the function whose body called for it */
} pfunc;

/* A compiled regular expression: regfree'd when the model is freed. */
typedef struct pregex {
	regex_t re;
	struct pregex *next;
} pregex;

#define PMML_MAX_EVALS 1e6              /* sub-expressions one expression may evaluate per row */
#define PMML_MAX_STACK ((size_t)1 << 20) /* values one expression may hold at once */
#define PMML_LOAD_FACTOR 16             /* a load's two pools hold at most this many bytes per document byte */
#define PMML_LOAD_FLOOR ((size_t)64 << 20) /* together, or this many if that is more */

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
	size_t n_cls, cap_cls;   /* categories of the target */
	const char **cls;
	strmap cmap;             /* category -> index, once there are many (load time only) */
	bool cmap_shared;        /* cmap is the parent's (a segment seeded with its parent's categories) */
	int scratch;             /* offset of n_cls doubles in the per-row scratch */
	int body_scratch;        /* offset of the body's own doubles there (set by finalize) */
	int body_need;           /* how many the body takes (set by its compile; trees: with the engine) */
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
	size_t n_verif, cap_verif; /* models with a ModelVerification block, checked after the build */
	pmodel **verif_model;
	const px **verif_node;
	sc_pool *tmp;            /* load-time memory (the element tree) */
	size_t n_funcs;          /* user functions */
	pfunc *funcs;
	strmap fmap;             /* name -> function */
	pfunc *scope;            /* the function whose body is being compiled, or NULL */
	pregex *regexes;         /* compiled patterns, freed with the model */
	size_t max_stack;        /* value-stack slots the deepest expression takes */
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

/* A map for n names, in pool. */
static int strmap_init(sc_pool *pool, strmap *m, size_t n)
{
	size_t cap = 8;
	while (cap < 2 * n + 2)
		cap *= 2;
	m->cap = cap;
	m->names = mlmd__sc_alloc_array(pool, cap, sizeof *m->names);
	m->ids = mlmd__sc_alloc_array(pool, cap, sizeof *m->ids);
	return m->names && m->ids ? 0 : MLMD_OOM();
}

/* Adds name -> id (at most the n names the map was made for); returns the id
 * a name already had, else -1. */
static int strmap_put(strmap *m, const char *name, int id)
{
	size_t j = hash_name(name) & (m->cap - 1);
	while (m->names[j]) {
		if (!strcmp(m->names[j], name))
			return m->ids[j];
		j = (j + 1) & (m->cap - 1);
	}
	m->names[j] = name;
	m->ids[j] = id;
	return -1;
}

static int strmap_get(const strmap *m, const char *name)
{
	if (!name || !m->cap)
		return -1;
	size_t j = hash_name(name) & (m->cap - 1);
	while (m->names[j]) {
		if (!strcmp(m->names[j], name))
			return m->ids[j];
		j = (j + 1) & (m->cap - 1);
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
	return s ? mlmd__sc_strdup(d->pool, s, strlen(s)) : NULL;
}

/* A declared count (Array n, numberOfInputs, ...): a non-negative integer. */
static int declared_count(const px *n, const char *attr, bool *present, size_t *out)
{
	const char *v = mlmd__px_attr(n, attr);
	*present = v != NULL;
	if (!v)
		return 0;
	double x;
	if (!parse_double(v, &x) || x < 0 || x != floor(x) || x > 9e15)
		return bad(n, "%s=\"%s\" is not a count (a non-negative integer)", attr, v);
	*out = (size_t)x;
	return 0;
}

/* Checks a declared count against the number of items the element holds. */
static int check_count(const px *n, const char *attr, size_t have, const char *what)
{
	bool present;
	size_t want = 0;
	int rc = declared_count(n, attr, &present, &want);
	if (!rc && present && want != have)
		rc = bad(n, "%s=\"%zu\" but it holds %zu %s", attr, want, have, what);
	return rc;
}

/* Splits an <Array> into values: quoted strings (with \" escapes) or tokens,
 * each kept whole. A declared n must match the count. */
static int parse_array(pdoc *d, const px *a, int kind, pv **out, size_t *n)
{
	const char *t = a->text ? a->text : "";
	size_t cap = 16, k = 0;
	pv *v = malloc(cap * sizeof *v);
	if (!v)
		return MLMD_OOM();
	const char *atype = mlmd__px_attr(a, "type");
	if (atype && strcmp(atype, "string") != 0)
		kind = F_DOUBLE;
	while (*t) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		if (!*t)
			break;
		const char *start = t;
		size_t bl = 0; /* the token's length once unescaped */
		bool quoted = *t == '"';
		if (quoted) {
			start = ++t;
			while (*t && *t != '"') {
				if (*t == '\\' && t[1] == '"')
					t++;
				bl++;
				t++;
			}
		} else {
			while (*t && *t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
				t++, bl++;
		}
		char *tok = mlmd__sc_alloc(d->pool, bl + 1);
		if (!tok) {
			free(v);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < bl; i++, start++) {
			if (quoted && *start == '\\' && start[1] == '"')
				start++;
			tok[i] = *start;
		}
		if (quoted && *t == '"')
			t++;
		if (k == cap) {
			cap *= 2;
			pv *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				return MLMD_OOM();
			}
			v = nv;
		}
		v[k++] = constant(d, tok, kind);
	}
	int rc = check_count(a, "n", k, "values");
	pv *pooled = rc ? NULL : mlmd__sc_alloc_array(d->pool, k + 1, sizeof *pooled);
	if (!rc && !pooled)
		rc = MLMD_OOM();
	if (!rc && k)
		memcpy(pooled, v, k * sizeof *v);
	free(v);
	if (rc)
		return rc;
	*out = pooled;
	*n = k;
	return 0;
}

/* ---- expressions ------------------------------------------------------------------------------ */

/* PMML's built-in functions (PMML 4.4's complete list, and "log", an old
 * spelling of ln): name and number of arguments (max -1: any). */
enum { FN_ADD, FN_SUB, FN_MUL, FN_DIV, FN_MIN, FN_MAX, FN_SUM, FN_AVG, FN_PRODUCT, FN_MEDIAN, FN_LOG10, FN_LN, FN_LOG,
	FN_SQRT, FN_ABS, FN_EXP, FN_POW, FN_THRESHOLD, FN_FLOOR, FN_CEIL, FN_ROUND, FN_MODULO, FN_RINT, FN_EXPM1, FN_LN1P,
	FN_HYPOT, FN_SIN, FN_ASIN, FN_SINH, FN_COS, FN_ACOS, FN_COSH, FN_TAN, FN_ATAN, FN_TANH, FN_ERF, FN_STDNORMCDF,
	FN_STDNORMPDF, FN_STDNORMIDF, FN_NORMCDF, FN_NORMPDF, FN_NORMIDF, FN_ISMISSING, FN_ISNOTMISSING, FN_ISVALID,
	FN_ISNOTVALID, FN_EQ, FN_NE, FN_LT, FN_LE, FN_GT, FN_GE, FN_AND, FN_OR, FN_NOT, FN_ISIN, FN_ISNOTIN, FN_IF,
	FN_UPPER, FN_LOWER, FN_STRLEN, FN_SUBSTRING, FN_TRIM, FN_CONCAT, FN_REPLACE, FN_MATCHES, FN_FORMATNUMBER,
	FN_FORMATDATETIME, FN_DAYSSINCEYEAR, FN_SECSSINCEYEAR, FN_SECSSINCEMIDNIGHT, FN_COUNT };
static const struct {
	const char *name;
	int8_t min, max;
} BUILTINS[FN_COUNT] = {
	[FN_ADD] = { "+", 2, 2 }, [FN_SUB] = { "-", 2, 2 }, [FN_MUL] = { "*", 2, 2 }, [FN_DIV] = { "/", 2, 2 },
	[FN_MIN] = { "min", 0, -1 }, [FN_MAX] = { "max", 0, -1 }, [FN_SUM] = { "sum", 0, -1 },
	[FN_AVG] = { "avg", 0, -1 }, [FN_PRODUCT] = { "product", 0, -1 }, [FN_MEDIAN] = { "median", 0, -1 },
	[FN_LOG10] = { "log10", 1, 1 }, [FN_LN] = { "ln", 1, 1 }, [FN_LOG] = { "log", 1, 1 }, [FN_SQRT] = { "sqrt", 1, 1 },
	[FN_ABS] = { "abs", 1, 1 }, [FN_EXP] = { "exp", 1, 1 }, [FN_POW] = { "pow", 2, 2 },
	[FN_THRESHOLD] = { "threshold", 2, 2 }, [FN_FLOOR] = { "floor", 1, 1 }, [FN_CEIL] = { "ceil", 1, 1 },
	[FN_ROUND] = { "round", 1, 1 }, [FN_MODULO] = { "modulo", 2, 2 }, [FN_RINT] = { "rint", 1, 1 },
	[FN_EXPM1] = { "expm1", 1, 1 }, [FN_LN1P] = { "ln1p", 1, 1 }, [FN_HYPOT] = { "hypot", 2, 2 },
	[FN_SIN] = { "sin", 1, 1 }, [FN_ASIN] = { "asin", 1, 1 }, [FN_SINH] = { "sinh", 1, 1 },
	[FN_COS] = { "cos", 1, 1 }, [FN_ACOS] = { "acos", 1, 1 }, [FN_COSH] = { "cosh", 1, 1 },
	[FN_TAN] = { "tan", 1, 1 }, [FN_ATAN] = { "atan", 1, 1 }, [FN_TANH] = { "tanh", 1, 1 },
	[FN_ERF] = { "erf", 1, 1 }, [FN_STDNORMCDF] = { "stdNormalCDF", 1, 1 }, [FN_STDNORMPDF] = { "stdNormalPDF", 1, 1 },
	[FN_STDNORMIDF] = { "stdNormalIDF", 1, 1 }, [FN_NORMCDF] = { "normalCDF", 3, 3 },
	[FN_NORMPDF] = { "normalPDF", 3, 3 }, [FN_NORMIDF] = { "normalIDF", 3, 3 },
	[FN_ISMISSING] = { "isMissing", 1, 1 }, [FN_ISNOTMISSING] = { "isNotMissing", 1, 1 },
	[FN_ISVALID] = { "isValid", 1, 1 }, [FN_ISNOTVALID] = { "isNotValid", 1, 1 },
	[FN_EQ] = { "equal", 2, 2 }, [FN_NE] = { "notEqual", 2, 2 }, [FN_LT] = { "lessThan", 2, 2 },
	[FN_LE] = { "lessOrEqual", 2, 2 }, [FN_GT] = { "greaterThan", 2, 2 }, [FN_GE] = { "greaterOrEqual", 2, 2 },
	[FN_AND] = { "and", 1, -1 }, [FN_OR] = { "or", 1, -1 }, [FN_NOT] = { "not", 1, 1 },
	[FN_ISIN] = { "isIn", 1, -1 }, [FN_ISNOTIN] = { "isNotIn", 1, -1 }, [FN_IF] = { "if", 2, 3 },
	[FN_UPPER] = { "uppercase", 1, 1 }, [FN_LOWER] = { "lowercase", 1, 1 }, [FN_STRLEN] = { "stringLength", 1, 1 },
	[FN_SUBSTRING] = { "substring", 3, 3 }, [FN_TRIM] = { "trimBlanks", 1, 1 }, [FN_CONCAT] = { "concat", 1, -1 },
	[FN_REPLACE] = { "replace", 3, 3 }, [FN_MATCHES] = { "matches", 2, 2 },
	[FN_FORMATNUMBER] = { "formatNumber", 2, 2 }, [FN_FORMATDATETIME] = { "formatDatetime", 2, 2 },
	[FN_DAYSSINCEYEAR] = { "dateDaysSinceYear", 2, 2 }, [FN_SECSSINCEYEAR] = { "dateSecondsSinceYear", 2, 2 },
	[FN_SECSSINCEMIDNIGHT] = { "dateSecondsSinceMidnight", 1, 1 },
};

static int builtin_id(const char *name)
{
	for (int k = 0; name && k < FN_COUNT; k++)
		if (!strcmp(name, BUILTINS[k].name))
			return k;
	return -1;
}

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

/* A field reference: a field by name, or inside a function body one of the
 * function's parameters (-1 - its position); a body sees nothing else. */
static int resolve(pdoc *d, const px *n, const char *attr, int *field)
{
	const char *name = mlmd__px_attr(n, attr);
	if (!name)
		return bad(n, "missing attribute '%s'", attr);
	if (d->scope) {
		int k = strmap_get(&d->scope->pmap, name);
		if (k >= 0) {
			*field = -1 - k;
			return 0;
		}
		return bad(n, "DefineFunction '%s': '%s' is not one of its ParameterFields (a function body may refer "
			"to its parameters only)", d->scope->name, name);
	}
	*field = field_id(d, name);
	if (*field < 0)
		return bad(n, "field '%s' is not defined", name);
	return 0;
}

/* The kind of values a reference gives (a parameter without a dataType: F_STRING, compared as text). */
static int ref_kind(const pdoc *d, int ref)
{
	if (ref >= 0)
		return d->fields[ref].kind;
	int k = d->scope ? d->scope->pkind[-1 - ref] : -1;
	return k < 0 ? F_STRING : k;
}

static size_t ref_need(const pdoc *d, int ref)
{
	return ref >= 0 ? d->fields[ref].need : 0;
}

/* Checks that a table of rows x cols elements fits what the load may still
 * allocate, before it is allocated. */
static int check_table(pdoc *d, const px *n, size_t rows, size_t cols, size_t elem, const char *what)
{
	size_t room = d->pool->limit ? d->pool->limit - (d->pool->used_total < d->pool->limit ? d->pool->used_total :
		d->pool->limit) : SIZE_MAX;
	if (cols && rows > SIZE_MAX / cols / (elem ? elem : 1))
		return bad(n, "%s: %zu x %zu elements overflow", what, rows, cols);
	if (rows * cols * elem > room)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML line %d: <%s>: %s: %zu x %zu elements (%zu MiB) are more "
			"than the load may allocate for this document (%d times its size, at least %zu MiB)", n->line,
			n->name, what, rows, cols, rows * cols * elem >> 20, PMML_LOAD_FACTOR, PMML_LOAD_FLOOR >> 20);
	return 0;
}

/* The user function of that name, or NULL. */
static pfunc *find_func(const pdoc *d, const char *name)
{
	int k = strmap_get(&d->fmap, name);
	return k < 0 ? NULL : &d->funcs[k];
}

static int compile_func(pdoc *d, pfunc *f, const px *site);

/* The pattern argument of a string function: its Constant's text. */
static int pattern_arg(const px *n, const pexpr *a, const char *fn, const char *what, const char **out)
{
	if (a->kind != E_CONST || !a->text || a->c.t == PV_MISSING)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <Apply function=\"%s\">: the %s must be a Constant "
			"(it is compiled once, at load)", n->line, fn, what);
	*out = a->text;
	return 0;
}

/* Load-time checks of the string functions' constant arguments: patterns
 * are compiled once here and refused when invalid. */
static int prepare_string_fn(pdoc *d, const px *n, pexpr *e, const char *fn)
{
	char err[200];
	const char *pat = NULL;
	int rc = 0;
	switch (e->fn) {
	case FN_MATCHES: case FN_REPLACE: {
		if ((rc = pattern_arg(n, e->args[1], fn, "pattern", &pat)))
			return rc;
		pregex *r = mlmd__sc_alloc(d->pool, sizeof *r);
		if (!r)
			return MLMD_OOM();
		if (mlmd__pmml_regcomp(&r->re, pat, err, sizeof err))
			return bad(n, "function '%s': invalid regular expression '%s' (POSIX extended): %s", fn, pat, err);
		r->next = d->regexes;
		d->regexes = r;
		e->re = &r->re;
		const pexpr *rp = e->fn == FN_REPLACE ? e->args[2] : NULL;
		if (rp && rp->kind == E_CONST && rp->text && mlmd__pmml_replacement_check(rp->text, r->re.re_nsub))
			return bad(n, "function 'replace': invalid replacement '%s' ($0 to $%zu name the match and its groups; "
				"\\ quotes the next character)", rp->text, r->re.re_nsub < 9 ? r->re.re_nsub : 9);
		return 0;
	}
	case FN_FORMATNUMBER: {
		if ((rc = pattern_arg(n, e->args[1], fn, "pattern", &pat)))
			return rc;
		char *f = mlmd__sc_alloc(d->pool, strlen(pat) + 3);
		if (!f)
			return MLMD_OOM();
		if (mlmd__pmml_numfmt_compile(pat, f, &e->conv, err, sizeof err))
			return bad(n, "function 'formatNumber': pattern '%s': %s", pat, err);
		e->fmt = f;
		return 0;
	}
	case FN_FORMATDATETIME:
		if ((rc = pattern_arg(n, e->args[1], fn, "pattern", &pat)))
			return rc;
		if (mlmd__pmml_dtfmt_check(pat, err, sizeof err))
			return bad(n, "function 'formatDatetime': pattern '%s': %s", pat, err);
		e->fmt = pat;
		return 0;
	default:
		return 0;
	}
}

/* Stack slots and evaluation steps of a compiled expression, from its
 * children's; refuses what exceeds the caps. */
static int measure_expr(pdoc *d, const px *n, pexpr *e)
{
	size_t inner = 0;
	double cost = 1;
	for (int i = 0; i < e->nargs; i++) {
		inner = e->args[i]->need > inner ? e->args[i]->need : inner;
		cost += e->args[i]->cost;
	}
	switch (e->kind) {
	case E_FIELD: case E_NORMCONT: case E_NORMDISC: case E_DISCRETIZE:
		e->need = ref_need(d, e->field);
		break;
	case E_MAPVALUES:
		for (size_t q = 0; q < e->ncols; q++)
			inner = ref_need(d, e->cols[q]) > inner ? ref_need(d, e->cols[q]) : inner;
		e->need = inner;
		break;
	case E_APPLY:
		e->need = e->fn == FN_IF ? inner : (size_t)e->nargs + inner;
		break;
	case E_CALL: {
		const pfunc *f = &d->funcs[e->fn];
		e->need = f->n_params + (f->body->need > inner ? f->body->need : inner);
		cost += f->body->cost;
		break;
	}
	default:
		e->need = 0;
	}
	e->cost = cost;
	if (e->cost > PMML_MAX_EVALS)
		return bad(n, "evaluating this expression takes more than %.0f steps per row (user functions that call "
			"functions multiply the work)", PMML_MAX_EVALS);
	if (e->need > PMML_MAX_STACK)
		return bad(n, "evaluating this expression holds more than %zu values at once", PMML_MAX_STACK);
	if (e->need > d->max_stack)
		d->max_stack = e->need;
	return 0;
}

/* An Apply: a built-in or a user function, its arguments compiled. */
static int compile_apply(pdoc *d, const px *n, pexpr *e)
{
	const char *fn = mlmd__px_attr(n, "function");
	const char *mm = mlmd__px_attr(n, "mapMissingTo"), *df = mlmd__px_attr(n, "defaultValue");
	int rc = 0;
	e->kind = E_APPLY;
	e->fn = builtin_id(fn);
	pfunc *uf = NULL;
	if (e->fn < 0) {
		if (!(uf = find_func(d, fn)))
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <Apply function=\"%s\">: function not supported "
				"(neither a PMML built-in function nor a DefineFunction of this document)", n->line, fn ? fn : "");
		if ((rc = compile_func(d, uf, n)))
			return rc;
		e->kind = E_CALL;
		e->fn = (int)(uf - d->funcs);
	}
	const char *iv = mlmd__px_attr(n, "invalidValueTreatment");
	e->invalid = iv && !strcmp(iv, "asMissing") ? TR_MISSING : iv && !strcmp(iv, "asIs") ? TR_AS_IS : TR_INVALID;
	if (mm)
		e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
	if (df)
		e->deflt = constant(d, dup(d, df), F_DOUBLE);
	size_t k = 0;
	for (const px *c = n->first; c; c = c->next)
		k += !c->foreign && strcmp(c->name, "Extension") != 0;
	e->args = mlmd__sc_alloc_array(d->pool, k + 1, sizeof *e->args);
	if (!e->args)
		return MLMD_OOM();
	for (const px *c = n->first; c; c = c->next) {
		if (c->foreign || !strcmp(c->name, "Extension"))
			continue;
		if ((rc = compile_expr(d, c, &e->args[e->nargs])))
			return rc;
		e->nargs++;
	}
	if (uf) {
		if ((size_t)e->nargs != uf->n_params)
			return bad(n, "function '%s' (DefineFunction at line %d) takes %zu argument(s), got %d", uf->name,
				uf->node->line, uf->n_params, e->nargs);
		return 0;
	}
	int lo = BUILTINS[e->fn].min, hi = BUILTINS[e->fn].max;
	if (e->nargs < lo || (hi >= 0 && e->nargs > hi)) {
		if (lo == hi)
			return bad(n, "function '%s' takes %d argument(s), got %d", fn, lo, e->nargs);
		if (hi < 0)
			return bad(n, "function '%s' takes at least %d argument(s), got %d", fn, lo, e->nargs);
		return bad(n, "function '%s' takes %d to %d arguments, got %d", fn, lo, hi, e->nargs);
	}
	return prepare_string_fn(d, n, e, fn);
}

static int compile_expr_in(pdoc *d, const px *n, pexpr *e)
{
	const char *mm = mlmd__px_attr(n, "mapMissingTo"), *df = mlmd__px_attr(n, "defaultValue");
	int rc = 0;
	if (!strcmp(n->name, "Constant")) {
		e->kind = E_CONST;
		const char *dt = mlmd__px_attr(n, "dataType");
		const char *t = n->text ? n->text : "";
		e->text = dup(d, t);
		if (!e->text)
			return MLMD_OOM();
		if (mlmd__px_attr(n, "missing") && !strcmp(mlmd__px_attr(n, "missing"), "true"))
			e->c = MISSING;
		else
			e->c = constant(d, e->text, dt ? kind_of_type(dt) : F_DOUBLE);
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
	if (!strcmp(n->name, "Apply"))
		return compile_apply(d, n, e);
	if (!strcmp(n->name, "NormContinuous")) {
		e->kind = E_NORMCONT;
		if ((rc = resolve(d, n, "field", &e->field)))
			return rc;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		const char *ol = mlmd__px_attr(n, "outliers");
		e->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		for (const px *c = mlmd__px_child(n, "LinearNorm"); c; c = mlmd__px_next(c, "LinearNorm"))
			e->n++;
		if (e->n < 2)
			return bad(n, "needs at least two LinearNorm points");
		e->orig = mlmd__sc_alloc_array(d->pool, e->n, sizeof(double));
		e->norm = mlmd__sc_alloc_array(d->pool, e->n, sizeof(double));
		if (!e->orig || !e->norm)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = mlmd__px_child(n, "LinearNorm"); c; c = mlmd__px_next(c, "LinearNorm"), k++) {
			if (!parse_double(mlmd__px_attr(c, "orig"), &e->orig[k]) || !parse_double(mlmd__px_attr(c, "norm"), &e->norm[k]))
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
		const char *v = mlmd__px_attr(n, "value");
		if (!v)
			return bad(n, "missing attribute 'value'");
		e->value = constant(d, dup(d, v), ref_kind(d, e->field));
		if (mm)
			e->map_missing = constant(d, dup(d, mm), F_DOUBLE);
		return 0;
	}
	if (!strcmp(n->name, "Discretize")) {
		e->kind = E_DISCRETIZE;
		if ((rc = resolve(d, n, "field", &e->field)))
			return rc;
		const char *dt = mlmd__px_attr(n, "dataType");
		int k_out = dt ? kind_of_type(dt) : F_STRING;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, dup(d, df), k_out);
		for (const px *c = mlmd__px_child(n, "DiscretizeBin"); c; c = mlmd__px_next(c, "DiscretizeBin"))
			e->n++;
		e->lo = mlmd__sc_alloc_array(d->pool, e->n + 1, sizeof(double));
		e->hi = mlmd__sc_alloc_array(d->pool, e->n + 1, sizeof(double));
		e->lo_open = mlmd__sc_alloc_array(d->pool, e->n + 1, 1);
		e->hi_open = mlmd__sc_alloc_array(d->pool, e->n + 1, 1);
		e->has_lo = mlmd__sc_alloc_array(d->pool, e->n + 1, 1);
		e->has_hi = mlmd__sc_alloc_array(d->pool, e->n + 1, 1);
		e->bins = mlmd__sc_alloc_array(d->pool, e->n + 1, sizeof(pv));
		if (!e->lo || !e->hi || !e->lo_open || !e->hi_open || !e->has_lo || !e->has_hi || !e->bins)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = mlmd__px_child(n, "DiscretizeBin"); c; c = mlmd__px_next(c, "DiscretizeBin"), k++) {
			const px *iv = mlmd__px_child(c, "Interval");
			if (!iv || !mlmd__px_attr(c, "binValue"))
				return bad(c, "needs an Interval and a binValue");
			e->bins[k] = constant(d, dup(d, mlmd__px_attr(c, "binValue")), k_out);
			const char *cl = mlmd__px_attr(iv, "closure");
			if (!cl)
				return bad(iv, "missing attribute 'closure'");
			e->lo_open[k] = !strncmp(cl, "open", 4);
			e->hi_open[k] = strstr(cl, "Open") != NULL;
			e->has_lo[k] = parse_double(mlmd__px_attr(iv, "leftMargin"), &e->lo[k]);
			e->has_hi[k] = parse_double(mlmd__px_attr(iv, "rightMargin"), &e->hi[k]);
		}
		return 0;
	}
	if (!strcmp(n->name, "MapValues")) {
		e->kind = E_MAPVALUES;
		const char *outcol = mlmd__px_attr(n, "outputColumn");
		const char *dt = mlmd__px_attr(n, "dataType");
		int k_out = dt ? kind_of_type(dt) : F_STRING;
		if (mm)
			e->map_missing = constant(d, dup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, dup(d, df), k_out);
		const px *tbl = mlmd__px_child(n, "InlineTable");
		if (!outcol || !tbl)
			return tbl ? bad(n, "missing attribute 'outputColumn'") : unsupported(n, "a MapValues without an InlineTable");
		for (const px *c = mlmd__px_child(n, "FieldColumnPair"); c; c = mlmd__px_next(c, "FieldColumnPair"))
			e->ncols++;
		for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"))
			e->n++;
		e->cols = mlmd__sc_alloc_array(d->pool, e->ncols + 1, sizeof(int));
		const char **colname = mlmd__sc_alloc_array(d->pool, e->ncols + 1, sizeof(char *));
		if ((rc = check_table(d, n, e->n, e->ncols, sizeof(pv), "the MapValues table (rows x columns)")))
			return rc;
		e->table = mlmd__sc_alloc_array(d->pool, e->n * e->ncols + 1, sizeof(pv));
		e->out = mlmd__sc_alloc_array(d->pool, e->n + 1, sizeof(pv));
		if (!e->cols || !colname || !e->table || !e->out)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = mlmd__px_child(n, "FieldColumnPair"); c; c = mlmd__px_next(c, "FieldColumnPair"), k++) {
			if ((rc = resolve(d, c, "field", &e->cols[k])))
				return rc;
			colname[k] = mlmd__px_attr(c, "column");
			if (!colname[k])
				return bad(c, "missing attribute 'column'");
		}
		size_t r = 0;
		for (const px *row = mlmd__px_child(tbl, "row"); row; row = mlmd__px_next(row, "row"), r++) {
			e->out[r] = MISSING;
			for (size_t q = 0; q < e->ncols; q++)
				e->table[r * e->ncols + q] = MISSING;
			for (const px *cell = row->first; cell; cell = cell->next) {
				const char *t = cell->text ? cell->text : "";
				if (!strcmp(cell->name, outcol))
					e->out[r] = constant(d, dup(d, t), k_out);
				for (size_t q = 0; q < e->ncols; q++)
					if (!strcmp(cell->name, colname[q]))
						e->table[r * e->ncols + q] = constant(d, dup(d, t), ref_kind(d, e->cols[q]));
			}
		}
		return 0;
	}
	return unsupported(n, "this expression");
}

static int compile_expr(pdoc *d, const px *n, pexpr **out)
{
	pexpr *e = mlmd__sc_alloc(d->pool, sizeof *e);
	if (!e)
		return MLMD_OOM();
	*out = e;
	e->map_missing = e->deflt = MISSING;
	int rc = compile_expr_in(d, n, e);
	return rc ? rc : measure_expr(d, n, e);
}

/* ---- evaluating expressions ------------------------------------------------------------------ */

/* What scoring one row needs: the field frame, the scratch of the models,
 * the value stack for Apply arguments and function parameters, and the
 * row's text. */
typedef struct rowctx {
	const pdoc *d;
	pv *vals;
	uint8_t *done;           /* per field: value computed this row */
	uint8_t *bad;            /* per field: an invalid value kept as it is (invalidValueTreatment asIs) */
	double *scratch;
	uint8_t *tdone;          /* per text field: tcode holds the number of the text at tptr, this row */
	const char **tptr;
	double *tcode;
	pv *stack;               /* d->max_stack values */
	size_t sp;               /* first free slot */
	size_t frame;            /* the running user function's first parameter */
	pmml_text text;          /* strings made this row */
	bool invalid;            /* an input was invalid under returnInvalid */
	int err;                 /* 0, or why the row cannot be scored (a negative status, message recorded) */
} rowctx;

static pv field_value(rowctx *rc, int f);
static pv eval_expr(rowctx *rc, const pexpr *e);

static pv bool_pv(bool b)
{
	return num(b ? 1 : 0);
}

/* A field's value, or inside a function body a parameter's. */
static pv ref_value(rowctx *rc, int ref)
{
	return ref >= 0 ? field_value(rc, ref) : rc->stack[rc->frame + (size_t)(-1 - ref)];
}

/* Stops the row (the first failure wins). */
static void row_fail(rowctx *rc, int status)
{
	if (!rc->err)
		rc->err = status;
}

/* A function's result that is not a valid value: its defaultValue, else missing. */
static pv invalid_result(const pexpr *e)
{
	return e->deflt.t ? e->deflt : MISSING;
}

/* A string a function made; NULL is an invalid result, or a full row text (which stops the row). */
static pv text_result(rowctx *rc, const pexpr *e, const char *s)
{
	if (s)
		return (pv){ PV_STR, 0, s };
	if (rc->text.failed)
		row_fail(rc, mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML: the string functions of one row need more than "
			"%zu MiB (or the score context's memory limit was reached)", rc->text.cap >> 20));
	return invalid_result(e);
}

/* A value as text: strings as they are, numbers in their shortest exact form. */
static const char *text_of(pv v, char *buf, size_t n)
{
	if (v.t == PV_STR)
		return v.s ? v.s : "";
	mlmd_double_format(buf, n, v.d, 0);
	return buf;
}

/* An argument that must be a whole number (positions, lengths, years). */
static bool whole(pv v, double lo, double hi, int64_t *out)
{
	double x;
	if (!as_num(v, &x) || x != floor(x) || x < lo || x > hi)
		return false;
	*out = (int64_t)x;
	return true;
}

/* The string and date functions: arguments a[0..n) are not missing (but for concat). */
static pv apply_text(rowctx *rc, const pexpr *e, pv *a, int n)
{
	char b0[40], b1[40];
	pmml_text *t = &rc->text;
	int64_t i1, i2;
	switch (e->fn) {
	case FN_UPPER: case FN_LOWER:
		return text_result(rc, e, mlmd__pmml_case(t, text_of(a[0], b0, sizeof b0), e->fn == FN_UPPER));
	case FN_STRLEN:
		return num((double)mlmd__pmml_strlen(text_of(a[0], b0, sizeof b0)));
	case FN_TRIM:
		return text_result(rc, e, mlmd__pmml_trim(t, text_of(a[0], b0, sizeof b0)));
	case FN_SUBSTRING:
		/* "the first character of a string is at position 1"; a length of 0 or more */
		if (!whole(a[1], 1, 9e15, &i1) || !whole(a[2], 0, 9e15, &i2))
			return invalid_result(e);
		return text_result(rc, e, mlmd__pmml_substring(t, text_of(a[0], b0, sizeof b0), i1, i2));
	case FN_CONCAT: {
		pmml_sb sb = { .t = t, .ok = true };
		for (int i = 0; i < n; i++) /* missing arguments are left out */
			if (a[i].t != PV_MISSING) {
				const char *p = text_of(a[i], b0, sizeof b0);
				mlmd__pmml_sb_put(&sb, p, strlen(p));
			}
		return text_result(rc, e, mlmd__pmml_sb_done(&sb));
	}
	case FN_MATCHES:
		return bool_pv(mlmd__pmml_matches(e->re, text_of(a[0], b0, sizeof b0)));
	case FN_REPLACE:
		return text_result(rc, e, mlmd__pmml_replace(t, e->re, text_of(a[0], b0, sizeof b0),
			text_of(a[2], b1, sizeof b1)));
	case FN_FORMATNUMBER: {
		double x;
		if (!as_num(a[0], &x))
			return invalid_result(e);
		return text_result(rc, e, mlmd__pmml_format_number(t, e->fmt, e->conv, x));
	}
	default: break;
	}
	/* dates and times: ISO 8601 text */
	pmml_dt dt;
	if (a[0].t != PV_STR || !a[0].s || !mlmd__pmml_parse_dt(a[0].s, &dt))
		return invalid_result(e);
	switch (e->fn) {
	case FN_FORMATDATETIME:
		return text_result(rc, e, mlmd__pmml_format_dt(t, e->fmt, &dt));
	case FN_DAYSSINCEYEAR: case FN_SECSSINCEYEAR: {
		if (!dt.has_date || !whole(a[1], -9999999, 9999999, &i1))
			return invalid_result(e);
		int64_t days = dt.days - mlmd__pmml_days_from_civil(i1, 1, 1);
		return num(e->fn == FN_DAYSSINCEYEAR ? (double)days : (double)days * 86400 + dt.secs);
	}
	default: /* dateSecondsSinceMidnight */
		return dt.has_time ? num(dt.secs) : invalid_result(e);
	}
}

/* The numeric functions of one or more numbers x[0..m) (missing ones left out). */
static double apply_math(int fn, const pv *x, int m)
{
	const double a = m > 0 ? x[0].d : NAN, b = m > 1 ? x[1].d : NAN, c = m > 2 ? x[2].d : NAN;
	switch (fn) {
	case FN_ADD: return a + b;
	case FN_SUB: return a - b;
	case FN_MUL: return a * b;
	case FN_DIV: return b == 0 ? NAN : a / b;
	case FN_LOG10: return a > 0 ? log10(a) : NAN;
	case FN_LN: case FN_LOG: return a > 0 ? log(a) : NAN;
	case FN_SQRT: return a >= 0 ? sqrt(a) : NAN;
	case FN_ABS: return fabs(a);
	case FN_EXP: return exp(a);
	case FN_POW: return pow(a, b);
	case FN_THRESHOLD: return a > b ? 1 : 0;
	case FN_FLOOR: return floor(a);
	case FN_CEIL: return ceil(a);
	case FN_ROUND: return a < 0 ? -floor(-a + 0.5) : floor(a + 0.5);
	case FN_MODULO: return b == 0 ? NAN : a - floor(a / b) * b;
	case FN_RINT: return nearbyint(a);
	case FN_EXPM1: return expm1(a);
	case FN_LN1P: return a > -1 ? log1p(a) : NAN;
	case FN_HYPOT: return hypot(a, b);
	case FN_SIN: return sin(a);
	case FN_ASIN: return a >= -1 && a <= 1 ? asin(a) : NAN;
	case FN_SINH: return sinh(a);
	case FN_COS: return cos(a);
	case FN_ACOS: return a >= -1 && a <= 1 ? acos(a) : NAN;
	case FN_COSH: return cosh(a);
	case FN_TAN: return tan(a);
	case FN_ATAN: return atan(a);
	case FN_TANH: return tanh(a);
	case FN_ERF: return erf(a);
	case FN_STDNORMCDF: return 0.5 * erfc(-a / sqrt(2.0));
	case FN_STDNORMPDF: return exp(-0.5 * a * a) / sqrt(2 * 3.14159265358979323846);
	case FN_STDNORMIDF: return mlmd__pmml_norm_quantile(a);
	case FN_NORMCDF: return c > 0 ? 0.5 * erfc(-(a - b) / c / sqrt(2.0)) : NAN;
	case FN_NORMPDF: return c > 0 ? exp(-0.5 * (a - b) * (a - b) / (c * c)) / (c * sqrt(2 * 3.14159265358979323846)) : NAN;
	case FN_NORMIDF: return c > 0 ? b + c * mlmd__pmml_norm_quantile(a) : NAN;
	case FN_LT: return a < b;
	case FN_LE: return a <= b;
	case FN_GT: return a > b;
	case FN_GE: return a >= b;
	case FN_NOT: return a == 0;
	default: return NAN;
	}
}

/* Whether a value passed its field's validity checks (isValid/isNotValid):
 * missing values are neither valid nor invalid. */
static bool arg_valid(rowctx *rc, const pexpr *arg, pv v)
{
	return !(arg->kind == E_FIELD && arg->field >= 0 && rc->bad[arg->field]) && v.t != PV_MISSING;
}

/* A built-in function on its evaluated arguments a[0..n). */
static pv apply_values(rowctx *rc, const pexpr *e, pv *a, int n, bool any_missing)
{
	switch (e->fn) {
	case FN_ISMISSING: return bool_pv(a[0].t == PV_MISSING);
	case FN_ISNOTMISSING: return bool_pv(a[0].t != PV_MISSING);
	case FN_ISVALID: return bool_pv(arg_valid(rc, e->args[0], a[0]));
	case FN_ISNOTVALID: return bool_pv(a[0].t != PV_MISSING && !arg_valid(rc, e->args[0], a[0]));
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
	case FN_CONCAT:
		return apply_text(rc, e, a, n);
	default:
		break;
	}
	bool aggregate = e->fn == FN_MIN || e->fn == FN_MAX || e->fn == FN_SUM || e->fn == FN_AVG ||
		e->fn == FN_PRODUCT || e->fn == FN_MEDIAN;
	if (any_missing && !aggregate)
		return e->map_missing.t ? e->map_missing : MISSING;
	if (e->fn == FN_EQ || e->fn == FN_NE) {
		int ok;
		int c = cmp_values(a[0], a[1], false, &ok);
		return ok ? bool_pv(e->fn == FN_EQ ? c == 0 : c != 0) : MISSING;
	}
	if (e->fn >= FN_UPPER)
		return apply_text(rc, e, a, n);
	/* numbers: the arguments that are not missing, as doubles, packed in place */
	int m = 0;
	for (int i = 0; i < n; i++) {
		double v;
		if (a[i].t == PV_MISSING)
			continue;
		if (!as_num(a[i], &v))
			return e->invalid == TR_AS_IS ? a[i] : MISSING;
		a[m++].d = v;
	}
	double r;
	if (aggregate) {
		if (m == 0)
			return e->map_missing.t ? e->map_missing : MISSING;
		if (e->fn == FN_MEDIAN) {
			for (int i = 1; i < m; i++)
				for (int j = i; j > 0 && a[j - 1].d > a[j].d; j--) {
					double t = a[j].d;
					a[j].d = a[j - 1].d;
					a[j - 1].d = t;
				}
			r = m % 2 ? a[m / 2].d : (a[m / 2 - 1].d + a[m / 2].d) / 2;
		} else {
			r = e->fn == FN_PRODUCT ? 1 : e->fn == FN_MIN ? INFINITY : e->fn == FN_MAX ? -INFINITY : 0;
			for (int i = 0; i < m; i++)
				r = e->fn == FN_MIN ? fmin(r, a[i].d) : e->fn == FN_MAX ? fmax(r, a[i].d) :
					e->fn == FN_PRODUCT ? r * a[i].d : r + a[i].d;
			if (e->fn == FN_AVG)
				r /= m;
		}
	} else {
		r = apply_math(e->fn, a, m);
	}
	if (r != r || isinf(r))
		return e->invalid == TR_AS_IS ? num(r) : invalid_result(e);
	return num(r);
}

/* Apply of a built-in: its arguments go on the value stack (above them,
 * nested expressions take their own slots), then the function runs. */
static pv apply(rowctx *rc, const pexpr *e)
{
	if (e->fn == FN_IF) {
		pv c = eval_expr(rc, e->args[0]);
		double cd;
		if (c.t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		bool t = as_num(c, &cd) ? cd != 0 : (c.s && !strcmp(c.s, "true"));
		return t ? eval_expr(rc, e->args[1]) : e->nargs > 2 ? eval_expr(rc, e->args[2]) : MISSING;
	}
	size_t base = rc->sp, n = (size_t)e->nargs;
	if (n > rc->d->max_stack - base) { /* (the stack is sized for the deepest expression at load) */
		row_fail(rc, mlmd__fail(MLMD_INTERNAL, "PMML: the value stack is too small"));
		return MISSING;
	}
	pv *a = rc->stack + base;
	rc->sp += n;
	bool any_missing = false;
	for (size_t i = 0; i < n; i++) {
		a[i] = eval_expr(rc, e->args[i]);
		any_missing |= a[i].t == PV_MISSING;
	}
	pv r = apply_values(rc, e, a, (int)n, any_missing);
	rc->sp = base;
	return r;
}

/* A value converted to a declared dataType's kind (kind -1: as it is):
 * text is read as a number for numeric types (missing if it is none). */
static pv coerce(pv v, int kind, bool is_float, bool is_int)
{
	double x;
	if (kind == F_DOUBLE && v.t == PV_STR)
		v = as_num(v, &x) ? num(x) : MISSING;
	if (v.t == PV_NUM && is_float)
		v.d = (float)v.d;
	if (v.t == PV_NUM && is_int)
		v.d = trunc(v.d);
	return v;
}

/* A user function call: the arguments (each converted to its parameter's
 * dataType) become the body's frame on the value stack. */
static pv call_user(rowctx *rc, const pexpr *e)
{
	const pfunc *f = &rc->d->funcs[e->fn];
	size_t base = rc->sp, n = f->n_params;
	if (n > rc->d->max_stack - base) {
		row_fail(rc, mlmd__fail(MLMD_INTERNAL, "PMML: the value stack is too small"));
		return MISSING;
	}
	pv *a = rc->stack + base;
	rc->sp += n;
	for (size_t i = 0; i < n; i++)
		a[i] = coerce(eval_expr(rc, e->args[i]), f->pkind[i], false, false);
	size_t caller = rc->frame;
	rc->frame = base;
	pv r = eval_expr(rc, f->body);
	rc->frame = caller;
	rc->sp = base;
	r = coerce(r, f->kind, f->is_float, f->is_int);
	if (r.t == PV_MISSING && e->map_missing.t)
		return e->map_missing;
	return r;
}

static pv eval_expr(rowctx *rc, const pexpr *e)
{
	switch (e->kind) {
	case E_CONST:
		return e->c;
	case E_FIELD: {
		pv v = ref_value(rc, e->field);
		return v.t == PV_MISSING && e->map_missing.t ? e->map_missing : v;
	}
	case E_APPLY:
		return apply(rc, e);
	case E_CALL:
		return call_user(rc, e);
	case E_NORMCONT: {
		double x;
		pv v = ref_value(rc, e->field);
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
		pv v = ref_value(rc, e->field);
		if (v.t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		int ok;
		return num(cmp_values(v, e->value, false, &ok) == 0 && ok ? 1 : 0);
	}
	case E_DISCRETIZE: {
		double x;
		pv v = ref_value(rc, e->field);
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
		/* every input column (fields are computed once per row, so reading them again is cheap) */
		for (size_t q = 0; q < e->ncols; q++)
			if (ref_value(rc, e->cols[q]).t == PV_MISSING)
				return e->map_missing;
		for (size_t r = 0; r < e->n; r++) {
			bool hit = true;
			for (size_t q = 0; q < e->ncols && hit; q++) {
				int ok;
				hit = cmp_values(ref_value(rc, e->cols[q]), e->table[r * e->ncols + q], false, &ok) == 0 && ok;
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
	ppred *p = mlmd__sc_alloc(d->pool, sizeof *p);
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
		const char *op = mlmd__px_attr(n, "operator");
		p->op = -1;
		for (int k = 0; op && ops[k]; k++)
			if (!strcmp(op, ops[k]))
				p->op = k;
		if (p->op < 0)
			return bad(n, "unknown operator '%s'", op ? op : "");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		if (p->op < OP_MISSING) {
			const char *v = mlmd__px_attr(n, "value");
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
		const char *op = mlmd__px_attr(n, "booleanOperator");
		if (!op || (strcmp(op, "isIn") && strcmp(op, "isNotIn")))
			return bad(n, "booleanOperator must be isIn or isNotIn");
		p->is_in = !strcmp(op, "isIn");
		const px *arr = mlmd__px_child(n, "Array");
		if (!arr)
			return bad(n, "needs an Array");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		return parse_array(d, arr, d->fields[p->field].kind, &p->set, &p->n);
	}
	if (!strcmp(n->name, "CompoundPredicate")) {
		const char *op = mlmd__px_attr(n, "booleanOperator");
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
		p->sub = mlmd__sc_alloc_array(d->pool, p->n, sizeof *p->sub);
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
			default: rc->bad[mf->field] = 1; break; /* asIs: kept, and isValid says it is not */
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
	double *y = rc->scratch + m->body_scratch; /* n doubles: the tables' values */
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
	double *x = rc->scratch + m->body_scratch; /* the n_feat feature values */
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
	double leaf = mlmd__sc_trees_vote1_d(t->eng, x);
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
	int missing;             /* 0 continue (PMML 4.4's default), 1 skipSegment, 2 returnMissing */
	double missing_threshold;
} miningbody;

static void eval_mining(rowctx *rc, const pmodel *m, pres *r)
{
	const miningbody *b = m->body;
	double *p = r->p, total_w = 0, acc = 0, best = -INFINITY;
	double *vals = rc->scratch + m->body_scratch; /* n doubles (median) */
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

enum { G_REGRESSION, G_LINEAR, G_MULTINOMIAL, G_ORDINAL };

typedef struct {
	int type;                /* G_* (G_LINEAR: generalLinear and generalizedLinear) */
	int link;                /* G_LINEAR: 0 identity, 1 log, 2 logit, 3 probit, 4 cloglog, 5 inverse, 6 power, 7 loglog, 8 cauchit */
	double link_power;
	int cum_link;            /* G_ORDINAL: 0 logit, 1 probit, 2 cloglog, 3 loglog, 4 cauchit */
	size_t n_params;
	size_t n_cells;          /* PPMatrix */
	int *cell_param, *cell_field;
	bool *cell_factor;
	pv *cell_value;          /* factor: the level; covariate: the exponent (number) */
	size_t n_beta;
	int *beta_param, *beta_cls;   /* cls: the PCell's targetCategory, or -1 when it has none */
	double *beta;
	int ref_cls;             /* classification: the reference category (G_LINEAR, G_MULTINOMIAL), or -1 */
	int offset_field;        /* or -1 */
	double offset_value;
} grmbody;

static double glm_link_inverse(const grmbody *g, double eta)
{
	switch (g->link) {
	case 1: return exp(eta);
	case 2: return 1 / (1 + exp(-eta));
	case 3: return 0.5 * erfc(-eta / sqrt(2.0));
	case 4: return 1 - exp(-exp(eta));
	case 5: return 1 / eta;
	case 6: return g->link_power == 0 ? exp(eta) : pow(eta, 1 / g->link_power);
	case 7: return exp(-exp(-eta));
	case 8: return 0.5 + atan(eta) / 3.14159265358979323846;
	default: return eta;
	}
}

static double cumulative_inverse(int link, double eta)
{
	switch (link) {
	case 1: return 0.5 * erfc(-eta / sqrt(2.0));
	case 2: return 1 - exp(-exp(eta));
	case 3: return exp(-exp(-eta));
	case 4: return 0.5 + atan(eta) / 3.14159265358979323846;
	default: return 1 / (1 + exp(-eta));
	}
}

/* The linear predictor of category cls: the offset, the PCells of that
 * category and those without one (cls -2, regression: every PCell). */
static double grm_eta(const grmbody *g, const double *x, double off, int cls)
{
	double eta = off;
	for (size_t i = 0; i < g->n_beta; i++)
		if (cls == -2 || g->beta_cls[i] == -1 || g->beta_cls[i] == cls)
			eta += g->beta[i] * x[g->beta_param[i]];
	return eta;
}

static void eval_general(rowctx *rc, const pmodel *m, pres *r)
{
	const grmbody *g = m->body;
	double *x = rc->scratch + m->body_scratch; /* n_params doubles */
	for (size_t i = 0; i < g->n_params; i++)
		x[i] = 1;
	for (size_t c = 0; c < g->n_cells; c++) {
		pv v = field_value(rc, g->cell_field[c]);
		double val;
		if (v.t == PV_MISSING || (!g->cell_factor[c] && !as_num(v, &val))) {
			r->value = MISSING;
			for (size_t k = 0; k < m->n_cls; k++)
				r->p[k] = NAN;
			return;
		}
		if (g->cell_factor[c]) {
			int ok;
			x[g->cell_param[c]] *= cmp_values(v, g->cell_value[c], false, &ok) == 0 && ok ? 1 : 0;
		} else {
			x[g->cell_param[c]] *= g->cell_value[c].d == 1 ? val : pow(val, g->cell_value[c].d);
		}
	}
	double off = g->offset_value;
	if (g->offset_field >= 0) {
		double ov;
		if (as_num(field_value(rc, g->offset_field), &ov))
			off += ov;
	}
	if (!m->classification) {
		double y = grm_eta(g, x, off, -2);
		r->value = num(g->type == G_LINEAR ? glm_link_inverse(g, y) : y);
		return;
	}
	double *p = r->p;
	switch (g->type) {
	case G_LINEAR: {
		/* binary: the link gives the probability of the category that is not the reference */
		int other = g->ref_cls == 0 ? 1 : 0;
		double y = glm_link_inverse(g, grm_eta(g, x, off, other));
		p[other] = y;
		p[g->ref_cls] = 1 - y;
		break;
	}
	case G_ORDINAL: {
		/* cumulative: P(Y <= k) = F(eta_k) for every category but the last, in the target's order */
		double prev = 0;
		for (size_t k = 0; k + 1 < m->n_cls; k++) {
			double cum = cumulative_inverse(g->cum_link, grm_eta(g, x, off, (int)k));
			p[k] = cum - prev;
			prev = cum;
		}
		p[m->n_cls - 1] = 1 - prev;
		break;
	}
	default: { /* multinomial logistic: the reference category's linear predictor is 0 */
		double mx = -INFINITY, sum = 0;
		for (size_t k = 0; k < m->n_cls; k++) {
			p[k] = (int)k == g->ref_cls ? 0 : grm_eta(g, x, off, (int)k);
			mx = p[k] > mx ? p[k] : mx;
		}
		for (size_t k = 0; k < m->n_cls; k++)
			sum += (p[k] = exp(p[k] - mx));
		for (size_t k = 0; k < m->n_cls; k++)
			p[k] /= sum;
	}
	}
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
	double *s = rc->scratch + m->body_scratch; /* n_neurons doubles */
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
} scbody;

static void eval_scorecard(rowctx *rc, const pmodel *m, pres *r)
{
	const scbody *b = m->body;
	/* scratch: 4 regions of n doubles: differences, matched attribute, reasons, order */
	double score = b->initial, *diff = rc->scratch + m->body_scratch;
	int *which = (int *)(rc->scratch + m->body_scratch + b->n);
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
	const char **out = (const char **)(rc->scratch + m->body_scratch + 2 * b->n);
	int *order = (int *)(rc->scratch + m->body_scratch + 3 * b->n);
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

/* Appends category name (already in the model pool) to m's list; past a
 * few categories they are also indexed in a map (in the load's temporary
 * pool, rebuilt as the list doubles), so looking them up stays linear. */
static int append_class(pdoc *d, pmodel *m, const char *name)
{
	if (m->n_cls == m->cap_cls) {
		size_t cap = m->cap_cls ? m->cap_cls * 2 : 4;
		const char **nc = mlmd__sc_alloc_array(d->pool, cap, sizeof *nc);
		if (!nc)
			return MLMD_OOM();
		if (m->n_cls)
			memcpy(nc, m->cls, m->n_cls * sizeof *nc);
		m->cls = nc;
		m->cap_cls = cap;
	}
	m->cls[m->n_cls] = name;
	int id = (int)m->n_cls++;
	if (m->n_cls > 16 && (2 * m->n_cls + 2 > m->cmap.cap || m->cmap_shared)) {
		strmap nm;
		if (strmap_init(d->tmp, &nm, 2 * m->n_cls))
			return MLMD_OOM();
		for (size_t k = 0; k < m->n_cls; k++)
			strmap_put(&nm, m->cls[k], (int)k);
		m->cmap = nm;
		m->cmap_shared = false;
	} else if (m->cmap.cap) {
		strmap_put(&m->cmap, name, id);
	}
	return id;
}

/* The index of category v among m's, added at the end if it is new. */
static int add_class(pdoc *d, pmodel *m, const char *v)
{
	if (m->cmap.cap) {
		int k = strmap_get(&m->cmap, v);
		if (k >= 0)
			return k;
	} else {
		for (size_t k = 0; k < m->n_cls; k++)
			if (!strcmp(m->cls[k], v))
				return (int)k;
	}
	const char *name = dup(d, v);
	return name ? append_class(d, m, name) : MLMD_OOM();
}

static int compile_model(pdoc *d, const px *n, pmodel **out, const pmodel *parent);

static int compile_derived(pdoc *d, const px *dfe)
{
	const char *name = mlmd__px_attr(dfe, "name");
	const px *ex = expr_child(dfe);
	if (!name || !ex)
		return bad(dfe, "a DerivedField needs a name and an expression");
	pexpr *e;
	int rc = compile_expr(d, ex, &e);
	if (rc)
		return rc;
	int f;
	if ((rc = add_field(d, dup(d, name), kind_of_type(mlmd__px_attr(dfe, "dataType")), &f)))
		return rc;
	const char *opt = mlmd__px_attr(dfe, "optype"), *dt = mlmd__px_attr(dfe, "dataType");
	d->fields[f].categorical = opt && strcmp(opt, "continuous") != 0;
	d->fields[f].is_float = dt && !strcmp(dt, "float");
	d->fields[f].derive = e;
	d->fields[f].need = e->need;
	return 0;
}

/* Registers the TransformationDictionary's DefineFunctions (names,
 * parameters, result types) so any expression may call any of them, then
 * compiles every body (an unused function is checked too). */
static int define_functions(pdoc *d, const px *td)
{
	for (const px *f = mlmd__px_child(td, "DefineFunction"); f; f = mlmd__px_next(f, "DefineFunction"))
		d->n_funcs++;
	if (!d->n_funcs)
		return 0;
	d->funcs = mlmd__sc_alloc_array(d->pool, d->n_funcs, sizeof *d->funcs);
	if (!d->funcs || strmap_init(d->tmp, &d->fmap, d->n_funcs))
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(td, "DefineFunction"); f; f = mlmd__px_next(f, "DefineFunction"), i++) {
		pfunc *fn = &d->funcs[i];
		fn->node = f;
		fn->name = dup(d, mlmd__px_attr(f, "name"));
		if (!fn->name)
			return bad(f, "missing attribute 'name'");
		if (builtin_id(fn->name) >= 0)
			return bad(f, "DefineFunction '%s' has the name of a built-in function", fn->name);
		int prev = strmap_put(&d->fmap, fn->name, (int)i);
		if (prev >= 0)
			return bad(f, "DefineFunction '%s' is defined twice (also at line %d)", fn->name, d->funcs[prev].node->line);
		const char *dt = mlmd__px_attr(f, "dataType");
		fn->kind = dt ? kind_of_type(dt) : -1;
		fn->is_float = dt && !strcmp(dt, "float");
		fn->is_int = dt && !strcmp(dt, "integer");
		for (const px *p = mlmd__px_child(f, "ParameterField"); p; p = mlmd__px_next(p, "ParameterField"))
			fn->n_params++;
		fn->pnames = mlmd__sc_alloc_array(d->pool, fn->n_params + 1, sizeof *fn->pnames);
		fn->pkind = mlmd__sc_alloc_array(d->pool, fn->n_params + 1, sizeof *fn->pkind);
		if (!fn->pnames || !fn->pkind || strmap_init(d->tmp, &fn->pmap, fn->n_params))
			return MLMD_OOM();
		size_t k = 0;
		for (const px *p = mlmd__px_child(f, "ParameterField"); p; p = mlmd__px_next(p, "ParameterField"), k++) {
			fn->pnames[k] = mlmd__px_attr(p, "name");
			if (!fn->pnames[k])
				return bad(p, "missing attribute 'name'");
			if (strmap_put(&fn->pmap, fn->pnames[k], (int)k) >= 0)
				return bad(p, "DefineFunction '%s': parameter '%s' is listed twice", fn->name, fn->pnames[k]);
			fn->pnames[k] = dup(d, fn->pnames[k]);
			const char *pdt = mlmd__px_attr(p, "dataType");
			fn->pkind[k] = pdt ? kind_of_type(pdt) : -1;
		}
		if (!expr_child(f))
			return bad(f, "DefineFunction '%s' has no expression (its body)", fn->name);
	}
	int rc = 0;
	for (i = 0; !rc && i < d->n_funcs; i++)
		rc = compile_func(d, &d->funcs[i], NULL);
	return rc;
}

/* Compiles a user function's body once, in the function's scope (its
 * parameters only). A call that reaches a function still being compiled
 * is recursion, refused naming the chain of calls. */
static int compile_func(pdoc *d, pfunc *f, const px *site)
{
	if (f->state == 2)
		return 0;
	if (f->state == 1) {
		/* the callers being compiled, from the innermost back to f, printed in call order */
		const pfunc *loop[16];
		size_t n = 0;
		bool more = false;
		for (const pfunc *g = d->scope; g; g = g == f ? NULL : g->via) {
			if (n < sizeof loop / sizeof *loop)
				loop[n++] = g;
			else
				more = true;
		}
		char chain[400];
		size_t at = 0;
		for (size_t k = n; k-- > 0 && at < sizeof chain;)
			at += (size_t)snprintf(chain + at, sizeof chain - at, "%s%s -> ", k + 1 == n && more ? "... -> " : "",
				loop[k]->name);
		if (at < sizeof chain)
			snprintf(chain + at, sizeof chain - at, "%s", f->name);
		return bad(site, "DefineFunction '%s' calls itself (%s): recursion is not allowed", f->name, chain);
	}
	f->state = 1;
	f->via = d->scope;
	pfunc *outer = d->scope;
	d->scope = f;
	int rc = compile_expr(d, expr_child(f->node), &f->body);
	d->scope = outer;
	f->state = 2;
	return rc;
}

static int compile_regression(pdoc *d, const px *n, pmodel *m)
{
	regbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	const char *nm = mlmd__px_attr(n, "normalizationMethod");
	b->norm = N_NONE;
	for (int k = 0; nm && NORMS[k]; k++)
		if (!strcmp(nm, NORMS[k]))
			b->norm = k;
	if (nm && strcmp(nm, NORMS[b->norm]))
		return bad(n, "unknown normalizationMethod '%s'", nm);
	for (const px *t = mlmd__px_child(n, "RegressionTable"); t; t = mlmd__px_next(t, "RegressionTable"))
		b->n++;
	if (b->n == 0 || (!m->classification && b->n != 1))
		return bad(n, "needs %s RegressionTable", m->classification ? "at least one" : "exactly one");
	m->body_need = (int)b->n;
	b->t = mlmd__sc_alloc_array(d->pool, b->n, sizeof *b->t);
	if (!b->t)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *t = mlmd__px_child(n, "RegressionTable"); t; t = mlmd__px_next(t, "RegressionTable"), i++) {
		rtable *rt = &b->t[i];
		if (!parse_double(mlmd__px_attr(t, "intercept"), &rt->intercept))
			return bad(t, "intercept must be a number");
		if (m->classification) {
			const char *cat = mlmd__px_attr(t, "targetCategory");
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
		rt->num_field = mlmd__sc_alloc_array(d->pool, rt->n_num + 1, sizeof(int));
		rt->num_exp = mlmd__sc_alloc_array(d->pool, rt->n_num + 1, sizeof(double));
		rt->num_coef = mlmd__sc_alloc_array(d->pool, rt->n_num + 1, sizeof(double));
		rt->cat_field = mlmd__sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(int));
		rt->cat_value = mlmd__sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(pv));
		rt->cat_coef = mlmd__sc_alloc_array(d->pool, rt->n_cat + 1, sizeof(double));
		rt->term_n = mlmd__sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(size_t));
		rt->term_fields = mlmd__sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(int *));
		rt->term_coef = mlmd__sc_alloc_array(d->pool, rt->n_terms + 1, sizeof(double));
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
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->num_coef[a]))
					return bad(c, "coefficient must be a number");
				if (!mlmd__px_attr(c, "exponent"))
					rt->num_exp[a] = 1;
				else if (!parse_double(mlmd__px_attr(c, "exponent"), &rt->num_exp[a]))
					return bad(c, "exponent must be a number");
				a++;
			} else if (!strcmp(c->name, "CategoricalPredictor")) {
				if ((rc = resolve(d, c, "name", &rt->cat_field[c2])))
					return rc;
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->cat_coef[c2]) || !mlmd__px_attr(c, "value"))
					return bad(c, "needs a value and a numeric coefficient");
				rt->cat_value[c2] = constant(d, dup(d, mlmd__px_attr(c, "value")), d->fields[rt->cat_field[c2]].kind);
				c2++;
			} else if (!strcmp(c->name, "PredictorTerm")) {
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->term_coef[tt]))
					return bad(c, "coefficient must be a number");
				size_t k = 0;
				for (const px *f = mlmd__px_child(c, "FieldRef"); f; f = mlmd__px_next(f, "FieldRef"))
					k++;
				rt->term_fields[tt] = mlmd__sc_alloc_array(d->pool, k + 1, sizeof(int));
				if (!rt->term_fields[tt])
					return MLMD_OOM();
				k = 0;
				for (const px *f = mlmd__px_child(c, "FieldRef"); f; f = mlmd__px_next(f, "FieldRef"))
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
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node")) {
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
	nd->id = dup(d, mlmd__px_attr(n, "id"));
	nd->def = -1;
	nd->dist = -1;
	if (!parse_double(mlmd__px_attr(n, "recordCount"), &nd->count))
		nd->count = NAN;
	const char *sc = mlmd__px_attr(n, "score");
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
	for (const px *s = mlmd__px_child(n, "ScoreDistribution"); s; s = mlmd__px_next(s, "ScoreDistribution"))
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
		for (const px *s = mlmd__px_child(n, "ScoreDistribution"); s; s = mlmd__px_next(s, "ScoreDistribution"), k++) {
			const char *v = mlmd__px_attr(s, "value");
			double cnt = NAN, prob = NAN;
			if (!v)
				return bad(s, "missing attribute 'value'");
			int ci = add_class(d, m, v);
			if (ci < 0)
				return ci;
			parse_double(mlmd__px_attr(s, "recordCount"), &cnt);
			parse_double(mlmd__px_attr(s, "probability"), &prob);
			rec[3 * k] = ci;
			rec[3 * k + 1] = cnt;
			rec[3 * k + 2] = prob;
		}
	}
	int nc = 0;
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node"))
		nc++;
	nd->first = tb->next;
	nd->n = nc;
	tb->next += nc;
	const char *def = mlmd__px_attr(n, "defaultChild");
	int k = 0;
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node"), k++) {
		if (def && mlmd__px_attr(c, "id") && !strcmp(def, mlmd__px_attr(c, "id")))
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
		double *set = mlmd__sc_alloc_array(d->pool, p->n + 1, sizeof *set);
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
	t->feat = mlmd__sc_alloc_array(d->pool, (size_t)c->nf + 1, sizeof *t->feat);
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
		if (f->n_codes && !(f->codes = mlmd__sc_alloc_array(d->pool, (size_t)f->n_codes, sizeof *f->codes)))
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
	int rc = mlmd__sc_tree_buf_alloc(&c.b, nodes, leaves, 1);
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
		rc = mlmd__sc_trees_build(&t->eng, d->pool, &c.b.s, "PMML TreeModel");
	mlmd__sc_tree_buf_free(&c.b);
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
	treebody *t = mlmd__sc_alloc(d->pool, sizeof *t);
	if (!t)
		return MLMD_OOM();
	m->body = t;
	static const char *const ms[] = { "none", "lastPrediction", "nullPrediction", "defaultChild",
		"weightedConfidence", "aggregateNodes", NULL };
	const char *mv = mlmd__px_attr(n, "missingValueStrategy"), *nt = mlmd__px_attr(n, "noTrueChildStrategy");
	t->missing = MS_NONE;
	for (int k = 0; mv && ms[k]; k++)
		if (!strcmp(mv, ms[k]))
			t->missing = k;
	if (mv && strcmp(mv, ms[t->missing]))
		return bad(n, "unknown missingValueStrategy '%s'", mv);
	t->return_last = nt && !strcmp(nt, "returnLastPrediction");
	const px *root = mlmd__px_child(n, "Node");
	if (!root)
		return bad(n, "a TreeModel needs a Node");
	int count = 0, rc = 0;
	if ((rc = count_nodes(root, 0, &count)))
		return rc;
	t->nodes = mlmd__sc_alloc_array(d->pool, (size_t)count, sizeof *t->nodes);
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
	size_t K = m->n_cls, with_dist = 0;
	for (int i = 0; i < count; i++)
		with_dist += t->nodes[i].dist >= 0;
	if (m->classification && raw && (rc = check_table(d, n, with_dist, K, 2 * sizeof(double),
		"the tree's score distributions (nodes x categories)"))) {
		free(raw);
		t->probs = NULL;
		return rc;
	}
	if (m->classification && raw) {
		t->probs = mlmd__sc_alloc_array(d->pool, with_dist * K + 1, sizeof(double));
		t->counts = mlmd__sc_alloc_array(d->pool, with_dist * K + 1, sizeof(double));
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
	miningbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	const px *sg = mlmd__px_child(n, "Segmentation");
	if (!sg)
		return unsupported(n, "a MiningModel without Segmentation");
	const char *mm = mlmd__px_attr(sg, "multipleModelMethod");
	b->method = -1;
	for (int k = 0; mm && METHODS[k]; k++)
		if (!strcmp(mm, METHODS[k]))
			b->method = k;
	if (b->method < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <Segmentation>: multipleModelMethod '%s' is not "
			"supported", sg->line, mm ? mm : "");
	const char *mp = mlmd__px_attr(sg, "missingPredictionTreatment");
	if (!mp)
		mp = mlmd__px_attr(sg, "x-missingPredictionTreatment");
	b->missing = !mp || !strcmp(mp, "continue") ? 0 : !strcmp(mp, "skipSegment") ? 1 : !strcmp(mp, "returnMissing") ? 2 : -1;
	if (b->missing < 0)
		return bad(sg, "unknown missingPredictionTreatment '%s'", mp);
	b->missing_threshold = 1;
	const char *mt = mlmd__px_attr(sg, "missingThreshold");
	if (!mt)
		mt = mlmd__px_attr(sg, "x-missingThreshold");
	if (mt && !parse_double(mt, &b->missing_threshold))
		return bad(sg, "missingThreshold must be a number");
	for (const px *s = mlmd__px_child(sg, "Segment"); s; s = mlmd__px_next(s, "Segment"))
		b->n++;
	if (b->n == 0)
		return bad(sg, "no segments");
	m->body_need = (int)b->n;
	b->seg = mlmd__sc_alloc_array(d->pool, b->n, sizeof *b->seg);
	if (!b->seg)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	static const char *const models[] = { "RegressionModel", "TreeModel", "MiningModel", "GeneralRegressionModel",
		"NeuralNetwork", "NaiveBayesModel", "Scorecard", NULL };
	for (const px *s = mlmd__px_child(sg, "Segment"); s; s = mlmd__px_next(s, "Segment"), i++) {
		psegment *seg = &b->seg[i];
		const px *pr = pred_child(s);
		if (!pr)
			return bad(s, "a Segment needs a predicate");
		if ((rc = compile_pred(d, pr, &seg->pred)))
			return rc;
		seg->weight = 1;
		if (mlmd__px_attr(s, "weight") && !parse_double(mlmd__px_attr(s, "weight"), &seg->weight))
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

/* Names the category a PCell list leaves out, for messages. */
static const char *cls_name(const pmodel *m, int k)
{
	return k >= 0 && (size_t)k < m->n_cls ? m->cls[k] : "?";
}

/* The reference category of a GeneralRegressionModel classifier, by PMML's
 * rule: targetReferenceCategory when given; otherwise the one category of
 * the target that no PCell names (for a binary model whose PCells name no
 * category, the last of the target's categories). Every other category must
 * have parameters, and the reference may have none but zeros. */
static int grm_reference(pdoc *d, const px *n, pmodel *m, grmbody *g)
{
	const char *ref = mlmd__px_attr(n, "targetReferenceCategory");
	size_t K = m->n_cls;
	bool *named = mlmd__sc_alloc_array(d->tmp, K + 1, sizeof *named);
	if (!named)
		return MLMD_OOM();
	size_t n_named = 0;
	for (size_t i = 0; i < g->n_beta; i++)
		if (g->beta_cls[i] >= 0 && !named[g->beta_cls[i]]) {
			named[g->beta_cls[i]] = true;
			n_named++;
		}
	bool untargeted = false; /* (binary models: cells without a category belong to the modelled one) */
	for (size_t i = 0; i < g->n_beta; i++)
		untargeted |= g->beta_cls[i] < 0;
	g->ref_cls = -1;
	if (ref) {
		for (size_t k = 0; k < K; k++)
			if (!strcmp(m->cls[k], ref))
				g->ref_cls = (int)k;
		if (g->ref_cls < 0)
			return bad(n, "targetReferenceCategory '%s' is not one of the target's categories", ref);
	} else if (n_named == 0 && g->type == G_LINEAR) {
		g->ref_cls = (int)K - 1;
	} else if (n_named + 1 == K) {
		for (size_t k = 0; k < K && g->ref_cls < 0; k++)
			if (!named[k])
				g->ref_cls = (int)k;
	} else if (n_named == K) {
		return bad(n, "every target category has PCells, so the reference category is not known: name it with "
			"targetReferenceCategory");
	}
	for (size_t i = 0; i < g->n_beta; i++)
		if (g->beta_cls[i] == g->ref_cls && g->beta[i] != 0)
			return bad(n, "the reference category '%s' has a non-zero PCell (its parameters are 0 by definition)",
				cls_name(m, g->ref_cls));
	for (size_t k = 0; k < K; k++)
		if ((int)k != g->ref_cls && !named[k] && !(untargeted && g->type == G_LINEAR))
			return bad(n, "target category '%s' has no PCell in the ParamMatrix (only the reference category may "
				"have none)", m->cls[k]);
	return 0;
}

static int compile_general(pdoc *d, const px *n, pmodel *m)
{
	grmbody *g = mlmd__sc_alloc(d->pool, sizeof *g);
	if (!g)
		return MLMD_OOM();
	m->body = g;
	const char *mt = mlmd__px_attr(n, "modelType");
	if (!mt)
		return bad(n, "missing attribute 'modelType'");
	if (!strcmp(mt, "regression"))
		g->type = G_REGRESSION;
	else if (!strcmp(mt, "generalLinear") || !strcmp(mt, "generalizedLinear"))
		g->type = G_LINEAR;
	else if (!strcmp(mt, "multinomialLogistic"))
		g->type = G_MULTINOMIAL;
	else if (!strcmp(mt, "ordinalMultinomial"))
		g->type = G_ORDINAL;
	else
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <GeneralRegressionModel modelType=\"%s\">: not "
			"supported (regression, generalLinear, generalizedLinear, multinomialLogistic, ordinalMultinomial are)",
			n->line, mt);
	if ((g->type == G_MULTINOMIAL || g->type == G_ORDINAL) && !m->classification)
		return bad(n, "modelType '%s' needs functionName=\"classification\"", mt);
	static const char *const links[] = { "identity", "log", "logit", "probit", "cloglog", "inverse", "power",
		"loglog", "cauchit", NULL };
	const char *lf = mlmd__px_attr(n, "linkFunction");
	g->link = 0;
	if (g->type == G_LINEAR && lf) {
		g->link = -1;
		for (int k = 0; links[k]; k++)
			if (!strcmp(lf, links[k]))
				g->link = k;
		if (g->link < 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: linkFunction '%s' is not supported", n->line, lf);
		parse_double(mlmd__px_attr(n, "linkParameter"), &g->link_power);
	}
	if (g->type == G_ORDINAL) {
		static const char *const cums[] = { "logit", "probit", "cloglog", "loglog", "cauchit", NULL };
		const char *cl = mlmd__px_attr(n, "cumulativeLink");
		g->cum_link = -1;
		for (int k = 0; cl && cums[k]; k++)
			if (!strcmp(cl, cums[k]))
				g->cum_link = k;
		if (g->cum_link < 0)
			return bad(n, "an ordinalMultinomial model needs cumulativeLink (logit, probit, cloglog, loglog or "
				"cauchit), got '%s'", cl ? cl : "");
	}
	g->offset_field = -1;
	if (mlmd__px_attr(n, "offsetVariable")) {
		int rc = resolve(d, n, "offsetVariable", &g->offset_field);
		if (rc)
			return rc;
	}
	parse_double(mlmd__px_attr(n, "offsetValue"), &g->offset_value);
	const px *pl = mlmd__px_child(n, "ParameterList");
	if (!pl)
		return bad(n, "needs a ParameterList");
	for (const px *p = mlmd__px_child(pl, "Parameter"); p; p = mlmd__px_next(p, "Parameter"))
		g->n_params++;
	m->body_need = (int)g->n_params;
	strmap params, factors;
	int rc = strmap_init(d->tmp, &params, g->n_params);
	size_t i = 0;
	for (const px *p = mlmd__px_child(pl, "Parameter"); !rc && p; p = mlmd__px_next(p, "Parameter"), i++) {
		if (!mlmd__px_attr(p, "name"))
			return bad(p, "missing attribute 'name'");
		if (strmap_put(&params, mlmd__px_attr(p, "name"), (int)i) >= 0)
			return bad(p, "parameter '%s' is listed twice", mlmd__px_attr(p, "name"));
	}
	/* factors by name; a factor coded through a contrast matrix is not supported (read as indicators it would
	 * give wrong answers) */
	const px *fl = mlmd__px_child(n, "FactorList");
	size_t nf = 0;
	for (const px *f = fl ? mlmd__px_child(fl, "Predictor") : NULL; f; f = mlmd__px_next(f, "Predictor"))
		nf++;
	if (!rc)
		rc = strmap_init(d->tmp, &factors, nf);
	for (const px *f = fl ? mlmd__px_child(fl, "Predictor") : NULL; !rc && f; f = mlmd__px_next(f, "Predictor")) {
		if (mlmd__px_child(f, "Matrix"))
			return unsupported(f, "a factor coded by a contrast Matrix");
		if (mlmd__px_attr(f, "name"))
			strmap_put(&factors, mlmd__px_attr(f, "name"), 1);
	}
	if (rc)
		return rc;
	const px *pp = mlmd__px_child(n, "PPMatrix");
	for (const px *c = pp ? mlmd__px_child(pp, "PPCell") : NULL; c; c = mlmd__px_next(c, "PPCell"))
		g->n_cells++;
	g->cell_param = mlmd__sc_alloc_array(d->pool, g->n_cells + 1, sizeof(int));
	g->cell_field = mlmd__sc_alloc_array(d->pool, g->n_cells + 1, sizeof(int));
	g->cell_factor = mlmd__sc_alloc_array(d->pool, g->n_cells + 1, sizeof(bool));
	g->cell_value = mlmd__sc_alloc_array(d->pool, g->n_cells + 1, sizeof(pv));
	if (!g->cell_param || !g->cell_field || !g->cell_factor || !g->cell_value)
		return MLMD_OOM();
	i = 0;
	for (const px *c = pp ? mlmd__px_child(pp, "PPCell") : NULL; c; c = mlmd__px_next(c, "PPCell"), i++) {
		const char *pred = mlmd__px_attr(c, "predictorName"), *v = mlmd__px_attr(c, "value");
		int pi = strmap_get(&params, mlmd__px_attr(c, "parameterName"));
		if (pi < 0 || !pred || !v)
			return bad(c, "needs a known parameterName, a predictorName and a value");
		if (mlmd__px_attr(c, "targetCategory"))
			return unsupported(c, "a PPCell for one target category");
		g->cell_param[i] = pi;
		if ((rc = resolve(d, c, "predictorName", &g->cell_field[i])))
			return rc;
		bool factor = strmap_get(&factors, pred) >= 0;
		g->cell_factor[i] = factor;
		g->cell_value[i] = factor ? constant(d, dup(d, v), d->fields[g->cell_field[i]].kind) : constant(d, dup(d, v), F_DOUBLE);
		if (!factor && g->cell_value[i].t != PV_NUM)
			return bad(c, "a covariate's value (its exponent) must be a number");
	}
	const px *pm = mlmd__px_child(n, "ParamMatrix");
	for (const px *c = pm ? mlmd__px_child(pm, "PCell") : NULL; c; c = mlmd__px_next(c, "PCell"))
		g->n_beta++;
	g->beta_param = mlmd__sc_alloc_array(d->pool, g->n_beta + 1, sizeof(int));
	g->beta_cls = mlmd__sc_alloc_array(d->pool, g->n_beta + 1, sizeof(int));
	g->beta = mlmd__sc_alloc_array(d->pool, g->n_beta + 1, sizeof(double));
	if (!g->beta_param || !g->beta_cls || !g->beta)
		return MLMD_OOM();
	i = 0;
	for (const px *c = pm ? mlmd__px_child(pm, "PCell") : NULL; c; c = mlmd__px_next(c, "PCell"), i++) {
		int pi = strmap_get(&params, mlmd__px_attr(c, "parameterName"));
		if (pi < 0 || !parse_double(mlmd__px_attr(c, "beta"), &g->beta[i]))
			return bad(c, "needs a known parameterName and a numeric beta");
		g->beta_param[i] = pi;
		g->beta_cls[i] = -1;
		const char *tc = mlmd__px_attr(c, "targetCategory");
		if (tc && m->classification && (g->beta_cls[i] = add_class(d, m, tc)) < 0)
			return g->beta_cls[i];
		if (!tc && g->type == G_MULTINOMIAL)
			return bad(c, "a multinomialLogistic PCell needs targetCategory");
	}
	g->ref_cls = -1;
	if (!m->classification)
		return 0;
	if (g->type == G_REGRESSION)
		return bad(n, "modelType 'regression' needs functionName=\"regression\"");
	if (mlmd__px_attr(n, "targetReferenceCategory") && (rc = add_class(d, m, mlmd__px_attr(n, "targetReferenceCategory"))) < 0)
		return rc;
	if (g->type == G_LINEAR && m->n_cls != 2)
		return bad(n, "a %s classifier needs exactly two target categories (a binomial model), it has %zu", mt,
			m->n_cls);
	if (g->type == G_ORDINAL) {
		/* the categories in the target's order; each but the last has its own intercept PCell */
		if (m->n_cls < 2)
			return bad(n, "an ordinalMultinomial model needs at least two target categories");
		for (size_t k = 0; k + 1 < m->n_cls; k++) {
			bool has = false;
			for (size_t b = 0; b < g->n_beta; b++)
				has |= g->beta_cls[b] == (int)k;
			if (!has)
				return bad(n, "target category '%s' has no intercept PCell", m->cls[k]);
		}
		for (size_t b = 0; b < g->n_beta; b++)
			if (g->beta_cls[b] == (int)m->n_cls - 1 && g->beta[b] != 0)
				return bad(n, "the last target category '%s' has a non-zero PCell (its cumulative probability "
					"is 1)", m->cls[m->n_cls - 1]);
		return 0;
	}
	return grm_reference(d, n, m, g);
}

static int compile_neural(pdoc *d, const px *n, pmodel *m)
{
	nnbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	int net_act = A_LOGISTIC, rc;
	double net_thr = 0;
	const char *a = mlmd__px_attr(n, "activationFunction");
	if (!a)
		return bad(n, "missing attribute 'activationFunction'");
	net_act = -1;
	for (int k = 0; ACTS[k]; k++)
		if (!strcmp(a, ACTS[k]))
			net_act = k;
	if (net_act < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: activationFunction '%s' is not supported", n->line, a);
	parse_double(mlmd__px_attr(n, "threshold"), &net_thr);
	const char *nn = mlmd__px_attr(n, "normalizationMethod");
	int net_norm = nn && !strcmp(nn, "softmax") ? 2 : nn && !strcmp(nn, "simplemax") ? 1 : 0;
	const px *ins = mlmd__px_child(n, "NeuralInputs");
	if (!ins)
		return bad(n, "needs NeuralInputs");
	/* count slots: inputs and neurons */
	size_t n_in = 0, n_neu = 0, n_con = 0, n_layers = 0;
	for (const px *c = mlmd__px_child(ins, "NeuralInput"); c; c = mlmd__px_next(c, "NeuralInput"))
		n_in++;
	if ((rc = check_count(ins, "numberOfInputs", n_in, "NeuralInputs")))
		return rc;
	for (const px *l = mlmd__px_child(n, "NeuralLayer"); l; l = mlmd__px_next(l, "NeuralLayer"), n_layers++) {
		size_t in_layer = 0;
		for (const px *c = mlmd__px_child(l, "Neuron"); c; c = mlmd__px_next(c, "Neuron"), n_neu++, in_layer++)
			for (const px *w = mlmd__px_child(c, "Con"); w; w = mlmd__px_next(w, "Con"))
				n_con++;
		if ((rc = check_count(l, "numberOfNeurons", in_layer, "Neurons")))
			return rc;
	}
	if ((rc = check_count(n, "numberOfLayers", n_layers, "NeuralLayers")))
		return rc;
	size_t slots = n_in + n_neu;
	b->n_in = n_in;
	b->n_layers = n_layers;
	b->n_neurons = slots;
	m->body_need = (int)slots;
	b->in_expr = mlmd__sc_alloc_array(d->pool, n_in + 1, sizeof(pexpr *));
	b->layer_start = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->layer_n = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->act = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->thr = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(double));
	b->norm = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->bias = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(double));
	b->con_start = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_n = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_from = mlmd__sc_alloc_array(d->pool, n_con + 1, sizeof(int));
	b->con_w = mlmd__sc_alloc_array(d->pool, n_con + 1, sizeof(double));
	const char **ids = calloc(slots + 1, sizeof *ids);
	strmap idmap = { 0 };
	if (!b->in_expr || !b->layer_start || !b->layer_n || !b->act || !b->thr || !b->norm || !b->bias ||
		!b->con_start || !b->con_n || !b->con_from || !b->con_w || !ids || strmap_init(d->tmp, &idmap, slots)) {
		free(ids);
		return MLMD_OOM();
	}
	size_t s = 0, ci = 0, l = 0;
	rc = 0;
	for (const px *c = mlmd__px_child(ins, "NeuralInput"); c && !rc; c = mlmd__px_next(c, "NeuralInput"), s++) {
		ids[s] = mlmd__px_attr(c, "id");
		const px *df = mlmd__px_child(c, "DerivedField");
		const px *ex = df ? expr_child(df) : NULL;
		rc = !ids[s] || !ex ? bad(c, "a NeuralInput needs an id and a DerivedField") : compile_expr(d, ex, &b->in_expr[s]);
		if (!rc && strmap_put(&idmap, ids[s], (int)s) >= 0)
			rc = bad(c, "the id '%s' is used twice", ids[s]);
	}
	for (const px *ly = mlmd__px_child(n, "NeuralLayer"); ly && !rc; ly = mlmd__px_next(ly, "NeuralLayer"), l++) {
		b->act[l] = net_act;
		b->thr[l] = net_thr;
		b->norm[l] = net_norm;
		const char *la = mlmd__px_attr(ly, "activationFunction");
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
		parse_double(mlmd__px_attr(ly, "threshold"), &b->thr[l]);
		const char *ln = mlmd__px_attr(ly, "normalizationMethod");
		if (ln)
			b->norm[l] = !strcmp(ln, "softmax") ? 2 : !strcmp(ln, "simplemax") ? 1 : 0;
		b->layer_start[l] = s;
		for (const px *c = mlmd__px_child(ly, "Neuron"); c && !rc; c = mlmd__px_next(c, "Neuron"), s++) {
			ids[s] = mlmd__px_attr(c, "id");
			if (!ids[s])
				rc = bad(c, "a Neuron needs an id");
			else if (strmap_get(&idmap, ids[s]) >= 0)
				rc = bad(c, "the id '%s' is used twice", ids[s]);
			if (mlmd__px_attr(c, "bias") && !parse_double(mlmd__px_attr(c, "bias"), &b->bias[s]))
				rc = bad(c, "bias must be a number");
			b->con_start[s] = ci;
			for (const px *w = mlmd__px_child(c, "Con"); w && !rc; w = mlmd__px_next(w, "Con"), ci++) {
				const char *from = mlmd__px_attr(w, "from");
				int fi = strmap_get(&idmap, from);
				if (fi < 0 || (size_t)fi >= b->layer_start[l])
					rc = bad(w, "Con from '%s' is not an input or a neuron of an earlier layer", from ? from : "");
				else if (!parse_double(mlmd__px_attr(w, "weight"), &b->con_w[ci]))
					rc = bad(w, "weight must be a number");
				b->con_from[ci] = fi;
			}
			b->con_n[s] = ci - b->con_start[s];
			if (!rc)
				strmap_put(&idmap, ids[s], (int)s); /* (after its own connections: a neuron cannot feed itself) */
		}
		b->layer_n[l] = s - b->layer_start[l];
	}
	const px *outs = mlmd__px_child(n, "NeuralOutputs");
	if (!rc && !outs)
		rc = bad(n, "needs NeuralOutputs");
	for (const px *c = outs ? mlmd__px_child(outs, "NeuralOutput") : NULL; c && !rc; c = mlmd__px_next(c, "NeuralOutput"))
		b->n_outputs++;
	if (!rc && outs)
		rc = check_count(outs, "numberOfOutputs", b->n_outputs, "NeuralOutputs");
	b->out_slot = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_cls = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_norm = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(pexpr *));
	if (!rc && (!b->out_slot || !b->out_cls || !b->out_norm))
		rc = MLMD_OOM();
	size_t o = 0;
	for (const px *c = outs ? mlmd__px_child(outs, "NeuralOutput") : NULL; c && !rc; c = mlmd__px_next(c, "NeuralOutput"), o++) {
		const char *on = mlmd__px_attr(c, "outputNeuron");
		b->out_slot[o] = strmap_get(&idmap, on);
		if ((size_t)b->out_slot[o] < n_in)
			b->out_slot[o] = -1; /* (an input is not a neuron) */
		const px *df = mlmd__px_child(c, "DerivedField");
		const px *ex = df ? expr_child(df) : NULL;
		if (b->out_slot[o] < 0 || !ex) {
			rc = bad(c, "needs an outputNeuron that is a neuron, and a DerivedField");
			break;
		}
		b->out_cls[o] = -1;
		if (!strcmp(ex->name, "NormDiscrete")) {
			const char *v = mlmd__px_attr(ex, "value");
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
	nbbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	if (!parse_double(mlmd__px_attr(n, "threshold"), &b->threshold))
		return bad(n, "threshold must be a number");
	const px *out = mlmd__px_child(n, "BayesOutput"), *ins = mlmd__px_child(n, "BayesInputs");
	const px *tvc = out ? mlmd__px_child(out, "TargetValueCounts") : NULL;
	if (!tvc || !ins)
		return bad(n, "needs BayesInputs and BayesOutput/TargetValueCounts");
	int rc = 0;
	for (const px *c = mlmd__px_child(tvc, "TargetValueCount"); c; c = mlmd__px_next(c, "TargetValueCount"))
		if (!mlmd__px_attr(c, "value") || (rc = add_class(d, m, mlmd__px_attr(c, "value"))) < 0)
			return mlmd__px_attr(c, "value") ? rc : bad(c, "missing attribute 'value'");
	/* classes may grow with the inputs' counts; size arrays after a first pass */
	for (const px *in = mlmd__px_child(ins, "BayesInput"); in; in = mlmd__px_next(in, "BayesInput")) {
		b->n++;
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts")) {
			const px *t = mlmd__px_child(pc, "TargetValueCounts");
			for (const px *c = t ? mlmd__px_child(t, "TargetValueCount") : NULL; c; c = mlmd__px_next(c, "TargetValueCount"))
				if (mlmd__px_attr(c, "value") && (rc = add_class(d, m, mlmd__px_attr(c, "value"))) < 0)
					return rc;
		}
	}
	size_t K = m->n_cls;
	b->prior = mlmd__sc_alloc_array(d->pool, K + 1, sizeof(double));
	b->in = mlmd__sc_alloc_array(d->pool, b->n + 1, sizeof *b->in);
	if (!b->prior || !b->in)
		return MLMD_OOM();
	for (const px *c = mlmd__px_child(tvc, "TargetValueCount"); c; c = mlmd__px_next(c, "TargetValueCount")) {
		double cnt;
		if (!parse_double(mlmd__px_attr(c, "count"), &cnt))
			return bad(c, "count must be a number");
		b->prior[add_class(d, m, mlmd__px_attr(c, "value"))] = cnt;
	}
	size_t i = 0;
	for (const px *in = mlmd__px_child(ins, "BayesInput"); in; in = mlmd__px_next(in, "BayesInput"), i++) {
		nbinput *bi = &b->in[i];
		if ((rc = resolve(d, in, "fieldName", &bi->field)))
			return rc;
		const px *df = mlmd__px_child(in, "DerivedField");
		if (df && expr_child(df) && (rc = compile_expr(d, expr_child(df), &bi->derive)))
			return rc;
		const px *tvs = mlmd__px_child(in, "TargetValueStats");
		if (tvs) {
			bi->gaussian = true;
			bi->mean = mlmd__sc_alloc_array(d->pool, K + 1, sizeof(double));
			bi->var = mlmd__sc_alloc_array(d->pool, K + 1, sizeof(double));
			if (!bi->mean || !bi->var)
				return MLMD_OOM();
			for (const px *s = mlmd__px_child(tvs, "TargetValueStat"); s; s = mlmd__px_next(s, "TargetValueStat")) {
				const px *g = mlmd__px_child(s, "GaussianDistribution");
				if (!g)
					return unsupported(s, "a distribution other than GaussianDistribution");
				int k = mlmd__px_attr(s, "value") ? add_class(d, m, mlmd__px_attr(s, "value")) : -1;
				if (k < 0 || (size_t)k >= K || !parse_double(mlmd__px_attr(g, "mean"), &bi->mean[k]) ||
					!parse_double(mlmd__px_attr(g, "variance"), &bi->var[k]))
					return bad(s, "needs a known value and a numeric mean and variance");
			}
			continue;
		}
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts"))
			bi->n_vals++;
		if ((rc = check_table(d, in, bi->n_vals, K, sizeof(double), "the PairCounts (values x categories)")))
			return rc;
		bi->vals = mlmd__sc_alloc_array(d->pool, bi->n_vals + 1, sizeof(pv));
		bi->counts = mlmd__sc_alloc_array(d->pool, bi->n_vals * K + 1, sizeof(double));
		if (!bi->vals || !bi->counts)
			return MLMD_OOM();
		size_t j = 0;
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts"), j++) {
			if (!mlmd__px_attr(pc, "value"))
				return bad(pc, "missing attribute 'value'");
			bi->vals[j] = constant(d, dup(d, mlmd__px_attr(pc, "value")), bi->derive ? F_STRING : d->fields[bi->field].kind);
			const px *t = mlmd__px_child(pc, "TargetValueCounts");
			for (const px *c = t ? mlmd__px_child(t, "TargetValueCount") : NULL; c; c = mlmd__px_next(c, "TargetValueCount")) {
				double cnt;
				if (!parse_double(mlmd__px_attr(c, "count"), &cnt))
					return bad(c, "count must be a number");
				bi->counts[j * K + (size_t)add_class(d, m, mlmd__px_attr(c, "value"))] = cnt;
			}
		}
	}
	return 0;
}

static int compile_scorecard(pdoc *d, const px *n, pmodel *m)
{
	scbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	parse_double(mlmd__px_attr(n, "initialScore"), &b->initial);
	const char *ur = mlmd__px_attr(n, "useReasonCodes"), *alg = mlmd__px_attr(n, "reasonCodeAlgorithm");
	b->use_reasons = !ur || strcmp(ur, "false") != 0;
	b->points_above = alg && !strcmp(alg, "pointsAbove");
	double model_base = NAN;
	parse_double(mlmd__px_attr(n, "baselineScore"), &model_base);
	const px *chs = mlmd__px_child(n, "Characteristics");
	if (!chs)
		return bad(n, "needs Characteristics");
	for (const px *c = mlmd__px_child(chs, "Characteristic"); c; c = mlmd__px_next(c, "Characteristic"))
		b->n++;
	m->body_need = 4 * (int)b->n; /* differences, matched attributes, reasons, order */
	b->ch = mlmd__sc_alloc_array(d->pool, b->n + 1, sizeof *b->ch);
	if (!b->ch)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *c = mlmd__px_child(chs, "Characteristic"); c; c = mlmd__px_next(c, "Characteristic"), i++) {
		pchar *ch = &b->ch[i];
		ch->baseline = model_base;
		parse_double(mlmd__px_attr(c, "baselineScore"), &ch->baseline);
		if (b->use_reasons && ch->baseline != ch->baseline)
			return bad(c, "reason codes need a baselineScore (on the Characteristic or the Scorecard)");
		const char *cr = mlmd__px_attr(c, "reasonCode");
		for (const px *a = mlmd__px_child(c, "Attribute"); a; a = mlmd__px_next(a, "Attribute"))
			ch->n_attr++;
		ch->pred = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(ppred *));
		ch->partial = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(double));
		ch->reason = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(char *));
		if (!ch->pred || !ch->partial || !ch->reason)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *a = mlmd__px_child(c, "Attribute"); a; a = mlmd__px_next(a, "Attribute"), k++) {
			if (mlmd__px_child(a, "ComplexPartialScore"))
				return unsupported(mlmd__px_child(a, "ComplexPartialScore"), "ComplexPartialScore");
			const px *pr = pred_child(a);
			if (!pr || !parse_double(mlmd__px_attr(a, "partialScore"), &ch->partial[k]))
				return bad(a, "an Attribute needs a predicate and a numeric partialScore");
			if ((rc = compile_pred(d, pr, &ch->pred[k])))
				return rc;
			const char *ar = mlmd__px_attr(a, "reasonCode");
			ch->reason[k] = dup(d, ar ? ar : cr ? cr : "");
		}
	}
	return 0;
}

static int compile_outputs(pdoc *d, const px *n, pmodel *m)
{
	const px *o = mlmd__px_child(n, "Output");
	if (!o)
		return 0;
	for (const px *f = mlmd__px_child(o, "OutputField"); f; f = mlmd__px_next(f, "OutputField"))
		m->n_out++;
	m->out = mlmd__sc_alloc_array(d->pool, m->n_out + 1, sizeof *m->out);
	if (!m->out)
		return MLMD_OOM();
	static const char *const feats[] = { "predictedValue", "predictedDisplayValue", "probability",
		"transformedValue", "reasonCode", "entityId", "confidence", NULL };
	size_t i = 0;
	int rc = 0;
	for (const px *f = mlmd__px_child(o, "OutputField"); f; f = mlmd__px_next(f, "OutputField"), i++) {
		poutf *of = &m->out[i];
		const char *name = mlmd__px_attr(f, "name"), *feat = mlmd__px_attr(f, "feature");
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
		const char *v = mlmd__px_attr(f, "value");
		of->value = v ? (pv){ PV_STR, 0, dup(d, v) } : MISSING;
		of->rank = 1;
		if (mlmd__px_attr(f, "rank")) {
			double r;
			if (!parse_double(mlmd__px_attr(f, "rank"), &r) || r < 1)
				return bad(f, "rank must be a positive number");
			of->rank = (int)r;
		}
		if (mlmd__px_attr(f, "segmentId"))
			return unsupported(f, "segmentId");
		if (of->feature == OF_TRANSFORMED) {
			const px *ex = expr_child(f);
			if (!ex)
				return bad(f, "a transformedValue needs an expression");
			if ((rc = compile_expr(d, ex, &of->expr)))
				return rc;
		}
		int kind = F_DOUBLE;
		const char *dt = mlmd__px_attr(f, "dataType");
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
	pmodel *m = mlmd__sc_alloc(d->pool, sizeof *m);
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
	const char *sc = mlmd__px_attr(n, "isScorable");
	if (sc && !strcmp(sc, "false"))
		return bad(n, "the model is marked isScorable=\"false\"");
	const char *fn = mlmd__px_attr(n, "functionName");
	if (!fn || (strcmp(fn, "classification") && strcmp(fn, "regression")))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s functionName=\"%s\">: only classification and "
			"regression are supported", n->line, n->name, fn ? fn : "");
	m->classification = !strcmp(fn, "classification");
	m->name = dup(d, mlmd__px_attr(n, "modelName"));
	m->target = -1;
	int rc = 0;
	const px *ms = mlmd__px_child(n, "MiningSchema");
	if (!ms)
		return bad(n, "a model needs a MiningSchema");
	for (const px *f = mlmd__px_child(ms, "MiningField"); f; f = mlmd__px_next(f, "MiningField"))
		m->n_mf++;
	m->mf = mlmd__sc_alloc_array(d->pool, m->n_mf + 1, sizeof *m->mf);
	if (!m->mf)
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(ms, "MiningField"); f; f = mlmd__px_next(f, "MiningField"), i++) {
		pmf *mf = &m->mf[i];
		if ((rc = resolve(d, f, "name", &mf->field)))
			return rc;
		const char *u = mlmd__px_attr(f, "usageType");
		mf->usage = !u || !strcmp(u, "active") ? 0 : (!strcmp(u, "predicted") || !strcmp(u, "target")) ? 1 : 2;
		if (mf->usage == 1 && m->target < 0)
			m->target = mf->field;
		int kind = d->fields[mf->field].kind;
		const char *rep = mlmd__px_attr(f, "missingValueReplacement");
		mf->replacement = rep ? constant(d, dup(d, rep), kind) : MISSING;
		const char *mt = mlmd__px_attr(f, "missingValueTreatment");
		if (mt && !strcmp(mt, "returnInvalid"))
			return unsupported(f, "missingValueTreatment=\"returnInvalid\"");
		const char *iv = mlmd__px_attr(f, "invalidValueTreatment");
		mf->invalid = !iv || !strcmp(iv, "returnInvalid") ? TR_INVALID : !strcmp(iv, "asIs") ? TR_AS_IS :
			!strcmp(iv, "asMissing") ? TR_MISSING : !strcmp(iv, "asValue") ? TR_VALUE : -1;
		if (mf->invalid < 0)
			return bad(f, "unknown invalidValueTreatment '%s'", iv);
		const char *ivr = mlmd__px_attr(f, "invalidValueReplacement");
		mf->invalid_value = ivr ? constant(d, dup(d, ivr), kind) : MISSING;
		const char *ol = mlmd__px_attr(f, "outliers");
		mf->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		if (mf->outliers && (!parse_double(mlmd__px_attr(f, "lowValue"), &mf->low) ||
			!parse_double(mlmd__px_attr(f, "highValue"), &mf->high)))
			return bad(f, "outliers treatment needs numeric lowValue and highValue");
		const pfield *fd = &d->fields[mf->field];
		mf->noop = mf->replacement.t == PV_MISSING && !mf->outliers && !fd->n_values && !fd->n_iv;
	}
	if (m->target < 0 && mlmd__px_attr(n, "targetFieldName"))
		m->target = field_id(d, mlmd__px_attr(n, "targetFieldName"));
	/* categories: the target's valid values first, so the order is the data dictionary's */
	if (parent && parent->classification && m->classification && parent->n_cls) {
		/* the parent's categories, and its map until this model adds one of its own */
		m->cls = mlmd__sc_alloc_array(d->pool, parent->cap_cls, sizeof *m->cls);
		if (!m->cls)
			return MLMD_OOM();
		memcpy(m->cls, parent->cls, parent->n_cls * sizeof *m->cls);
		m->n_cls = parent->n_cls;
		m->cap_cls = parent->cap_cls;
		m->cmap = parent->cmap;
		m->cmap_shared = parent->cmap.cap != 0;
	}
	if (m->classification && m->target >= 0) {
		const pfield *tf = &d->fields[m->target];
		for (size_t k = 0; k < tf->n_values; k++)
			if (tf->vprop[k] == 0 && (rc = add_class(d, m, tf->values[k])) < 0)
				return rc;
	}
	const px *lt = mlmd__px_child(n, "LocalTransformations");
	for (const px *df = lt ? mlmd__px_child(lt, "DerivedField") : NULL; df; df = mlmd__px_next(df, "DerivedField"))
		if ((rc = compile_derived(d, df)))
			return rc;
	const px *tg = mlmd__px_child(n, "Targets");
	const px *t = tg ? mlmd__px_child(tg, "Target") : NULL;
	if (t) {
		m->has_target_xf = true;
		m->rescale_factor = 1;
		parse_double(mlmd__px_attr(t, "rescaleFactor"), &m->rescale_factor);
		parse_double(mlmd__px_attr(t, "rescaleConstant"), &m->rescale_const);
		m->has_min = parse_double(mlmd__px_attr(t, "min"), &m->tmin);
		m->has_max = parse_double(mlmd__px_attr(t, "max"), &m->tmax);
		const char *ci = mlmd__px_attr(t, "castInteger");
		m->cast = !ci ? 0 : !strcmp(ci, "round") ? 1 : !strcmp(ci, "ceiling") ? 2 : !strcmp(ci, "floor") ? 3 : -1;
		if (m->cast < 0)
			return bad(t, "unknown castInteger '%s'", ci);
		if (m->classification)
			for (const px *tv = mlmd__px_child(t, "TargetValue"); tv; tv = mlmd__px_next(tv, "TargetValue"))
				if (mlmd__px_attr(tv, "value") && (rc = add_class(d, m, mlmd__px_attr(tv, "value"))) < 0)
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
	const px *mv = mlmd__px_child(n, "ModelVerification");
	if (mv) {
		if (d->n_verif == d->cap_verif) {
			size_t cap = d->cap_verif ? d->cap_verif * 2 : 8;
			pmodel **nm = mlmd__sc_alloc_array(d->tmp, cap, sizeof *nm);
			const px **nn = mlmd__sc_alloc_array(d->tmp, cap, sizeof *nn);
			if (!nm || !nn)
				return MLMD_OOM();
			if (d->n_verif) {
				memcpy(nm, d->verif_model, d->n_verif * sizeof *nm);
				memcpy(nn, d->verif_node, d->n_verif * sizeof *nn);
			}
			d->verif_model = nm;
			d->verif_node = nn;
			d->cap_verif = cap;
		}
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
	if (m->kind == M_TREE) {
		if ((rc = tree_engine(d, m, m->body)))
			return rc;
		m->body_need = ((treebody *)m->body)->n_feat;
	}
	m->body_scratch = d->n_scratch;
	d->n_scratch += m->body_need;
	if (m->kind == M_MINING) {
		miningbody *b = m->body;
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

/* A row context's arrays, from the score context's pool (for one call);
 * -1 when out of memory. */
static int rowctx_init(rowctx *rc, const pdoc *d, sc_pool *pool)
{
	size_t n = (size_t)d->n_fields + 1;
	*rc = (rowctx){ .d = d };
	rc->vals = mlmd__sc_alloc_array(pool, n, sizeof *rc->vals);
	rc->done = mlmd__sc_alloc_array(pool, n, 1);
	rc->bad = mlmd__sc_alloc_array(pool, n, 1);
	rc->tdone = mlmd__sc_alloc_array(pool, n, 1);
	rc->tptr = mlmd__sc_alloc_array(pool, n, sizeof *rc->tptr);
	rc->tcode = mlmd__sc_alloc_array(pool, n, sizeof *rc->tcode);
	rc->scratch = mlmd__sc_alloc_array(pool, (size_t)d->n_scratch + 1, sizeof(double));
	rc->stack = mlmd__sc_alloc_array(pool, d->max_stack + 1, sizeof *rc->stack);
	mlmd__pmml_text_init(&rc->text, pool, PMML_ROW_TEXT_CAP);
	return rc->vals && rc->done && rc->bad && rc->tdone && rc->tptr && rc->tcode && rc->scratch && rc->stack ? 0 : -1;
}

/* Forgets the previous row's values (and its texts). */
static void rowctx_next(rowctx *rc)
{
	memset(rc->done, 0, (size_t)rc->d->n_fields);
	memset(rc->bad, 0, (size_t)rc->d->n_fields);
	memset(rc->tdone, 0, (size_t)rc->d->n_fields);
	mlmd__pmml_text_reset(&rc->text);
	rc->sp = rc->frame = 0;
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
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input '%s' must be [N] or [N, 1]", d->fields[a->in_fields[k]].name);
		if (rows >= 0 && t->dims[0] != rows)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different row counts");
		rows = t->dims[0];
	}
	if (rows < 0)
		rows = 0;
	const pmodel *top = d->top;
	int64_t dims[2] = { rows, (int64_t)top->n_cls };
	int rc = 0;
	for (size_t o = 0; o < a->n_out; o++)
		if ((rc = mlmd__sc_out(n, r, (int)o, a->out_kind[o] == -1 ? MLMD_DTYPE_DOUBLE : a->out_kind[o] == F_STRING ?
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
				v = num(mlmd__sc_getd(t, i));
			}
			if (d->fields[f].is_float && v.t == PV_NUM)
				v.d = (float)v.d;
			rcx.vals[f] = v;
			rcx.done[f] = 1;
		}
		pres res;
		eval_row(a, &rcx, &res);
		if (rcx.err)
			return mlmd__context(rcx.err, "row %lld", (long long)i);
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
				if (sv && mlmd__pmml_text_owns(&rcx.text, sv) && !(sv = mlmd__sc_strdup(&r->ctx->pool, sv, strlen(sv))))
					return MLMD_OOM(); /* made this row: the output keeps a copy for the call */
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

static const sc_op pmml_op = {
	.domain = "pmml", .name = "PMML", .min_in = 0, .max_in = 4096, .min_out = 1, .max_out = 4096,
	.run = run_pmml, .out = SC_OUT_SET,
};

/* ---- ModelVerification ------------------------------------------------------------------------------ */

/* Scores the verification rows with model m (the top model or a segment's)
 * and compares its prediction and output fields with the expected values. */
static int verify(pmml_attr *a, pmodel *m, const px *mv, sc_pool *tmp)
{
	pdoc *d = &a->doc;
	const px *vf = mlmd__px_child(mv, "VerificationFields"), *tbl = mlmd__px_child(mv, "InlineTable");
	if (!vf || !tbl)
		return bad(mv, "needs VerificationFields and an InlineTable");
	size_t nf = 0, nrows = 0;
	for (const px *f = mlmd__px_child(vf, "VerificationField"); f; f = mlmd__px_next(f, "VerificationField"))
		nf++;
	for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"))
		nrows++;
	int rcc = check_count(mv, "fieldCount", nf, "VerificationFields");
	if (!rcc)
		rcc = check_count(mv, "recordCount", nrows, "rows");
	if (rcc)
		return rcc;
	int *field = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(int));
	const char **col = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(char *));
	double *prec = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(double)), *zero = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(double));
	bool *is_in = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(bool));
	rowctx rc;
	if (!field || !col || !prec || !zero || !is_in || rowctx_init(&rc, d, tmp))
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(vf, "VerificationField"); f; f = mlmd__px_next(f, "VerificationField"), i++) {
		const char *name = mlmd__px_attr(f, "field");
		field[i] = name ? field_id(d, name) : -1;
		if (field[i] < 0)
			return bad(f, "field '%s' is not defined", name ? name : "");
		/* expected values: the model's prediction and its output fields; anything else is an input */
		is_in[i] = field[i] != m->target;
		for (size_t k = 0; k < m->n_out; k++)
			if (m->out[k].field == field[i])
				is_in[i] = false;
		col[i] = mlmd__px_attr(f, "column") ? mlmd__px_attr(f, "column") : name;
		prec[i] = 1e-6;
		zero[i] = 1e-16;
		parse_double(mlmd__px_attr(f, "precision"), &prec[i]);
		parse_double(mlmd__px_attr(f, "zeroThreshold"), &zero[i]);
	}
	int row = 0;
	for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"), row++) {
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
		if (rc.err)
			return mlmd__context(rc.err, "PMML ModelVerification (line %d) row %d", mv->line, row + 1);
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
	size_t count = 0;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField"))
		count++;
	int rc = check_count(dd, "numberOfFields", count, "DataFields");
	if (rc)
		return rc;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField")) {
		const char *name = mlmd__px_attr(f, "name");
		if (!name)
			return bad(f, "missing attribute 'name'");
		int id;
		if ((rc = add_field(d, dup(d, name), kind_of_type(mlmd__px_attr(f, "dataType")), &id)))
			return rc;
		pfield *pf = &d->fields[id];
		const char *opt = mlmd__px_attr(f, "optype"), *dt = mlmd__px_attr(f, "dataType");
		pf->categorical = opt && strcmp(opt, "continuous") != 0;
		pf->is_float = dt && !strcmp(dt, "float");
		for (const px *v = mlmd__px_child(f, "Value"); v; v = mlmd__px_next(v, "Value"))
			pf->n_values++;
		for (const px *v = mlmd__px_child(f, "Interval"); v; v = mlmd__px_next(v, "Interval"))
			pf->n_iv++;
		pf->values = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->vprop = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, 1);
		pf->display = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->lo = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->hi = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->lo_open = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		pf->hi_open = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		if (!pf->values || !pf->vprop || !pf->display || !pf->lo || !pf->hi || !pf->lo_open || !pf->hi_open)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *v = mlmd__px_child(f, "Value"); v; v = mlmd__px_next(v, "Value"), k++) {
			const char *val = mlmd__px_attr(v, "value"), *prop = mlmd__px_attr(v, "property");
			if (!val)
				return bad(v, "missing attribute 'value'");
			pf->values[k] = dup(d, val);
			pf->vprop[k] = !prop || !strcmp(prop, "valid") ? 0 : !strcmp(prop, "invalid") ? 1 : 2;
			pf->display[k] = dup(d, mlmd__px_attr(v, "displayValue"));
		}
		k = 0;
		for (const px *v = mlmd__px_child(f, "Interval"); v; v = mlmd__px_next(v, "Interval"), k++) {
			const char *cl = mlmd__px_attr(v, "closure");
			if (!cl)
				return bad(v, "missing attribute 'closure'");
			pf->lo_open[k] = !strncmp(cl, "open", 4);
			pf->hi_open[k] = strstr(cl, "Open") != NULL;
			if (!parse_double(mlmd__px_attr(v, "leftMargin"), &pf->lo[k]))
				pf->lo[k] = NAN;
			if (!parse_double(mlmd__px_attr(v, "rightMargin"), &pf->hi[k]))
				pf->hi[k] = NAN;
		}
	}
	return 0;
}

/* Frees what the model keeps outside its pool: the compiled regular expressions. */
static void pmml_fini(void *arg)
{
	pmml_attr *a = arg;
	for (pregex *r = a->doc.regexes; r; r = r->next)
		regfree(&r->re);
	a->doc.regexes = NULL;
}

/* A refusal for going over the load's memory cap, which the pools report as out of memory. */
static int load_cap_error(int rc, const sc_pool *tmp, const sc_pool *model, size_t budget, size_t len)
{
	if (rc != -MLMD_RESOURCE_EXHAUSTED || !strstr(mlmd_error_message(), "out of memory") ||
		(tmp->peak < budget / 4 && model->peak < budget / 4))
		return rc;
	return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML: loading this document (%zu bytes) takes more than the %zu MiB "
		"allowed (%d times its size, at least %zu MiB)", len, budget >> 20, PMML_LOAD_FACTOR, PMML_LOAD_FLOOR >> 20);
}

int mlmd__sc_load_pmml(mlmd_model *m, const char *data, size_t len)
{
	/* Every allocation of the load comes from two pools, the element tree's and the model's, which may
	 * hold half the budget each: PMML_LOAD_FACTOR times the document's size, at least PMML_LOAD_FLOOR. */
	size_t budget = len > PMML_LOAD_FLOOR / PMML_LOAD_FACTOR ? (len > SIZE_MAX / PMML_LOAD_FACTOR ? SIZE_MAX :
		len * PMML_LOAD_FACTOR) : PMML_LOAD_FLOOR;
	sc_pool tmp = { .limit = budget / 2 };
	m->pool.limit = budget / 2;
	px *root;
	int rc = mlmd__px_parse(&tmp, data, len, &root);
	if (rc) {
		rc = load_cap_error(rc, &tmp, &m->pool, budget, len);
		mlmd__sc_pool_free(&tmp);
		m->pool.limit = 0;
		return rc;
	}
	pmml_attr *a = mlmd__sc_alloc(&m->pool, sizeof *a);
	if (!a) {
		mlmd__sc_pool_free(&tmp);
		m->pool.limit = 0;
		return MLMD_OOM();
	}
	m->fini = pmml_fini;
	m->fini_arg = a;
	pdoc *d = &a->doc;
	d->pool = &m->pool;
	d->tmp = &tmp;
	const px *dd = mlmd__px_child(root, "DataDictionary");
	if (!dd)
		rc = bad(root, "no DataDictionary");
	if (!rc)
		rc = data_dictionary(d, dd);
	const px *td = mlmd__px_child(root, "TransformationDictionary");
	if (!rc && td)
		rc = define_functions(d, td);
	for (const px *df = td ? mlmd__px_child(td, "DerivedField") : NULL; !rc && df; df = mlmd__px_next(df, "DerivedField"))
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
	/* what a score call takes per row, beside the fields: the models' scratch and the value stack */
	if (!rc && ((size_t)d->n_scratch * sizeof(double) + d->max_stack * sizeof(pv)) > budget)
		rc = mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML: scoring a row would take %zu MiB of working memory, more "
			"than the %zu MiB allowed for this document", ((size_t)d->n_scratch * sizeof(double) + d->max_stack *
			sizeof(pv)) >> 20, budget >> 20);
	/* the graph: the top model's active data fields in, the prediction (and outputs) out */
	pmodel *top = d->top;
	size_t n_in = 0;
	for (size_t i = 0; !rc && i < top->n_mf; i++)
		n_in += top->mf[i].usage == 0 && !d->fields[top->mf[i].field].derive;
	a->in_fields = rc ? NULL : mlmd__sc_alloc_array(&m->pool, n_in + 1, sizeof(int));
	size_t max_out = rc ? 0 : 2 + top->n_out;
	a->out_field = rc ? NULL : mlmd__sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
	a->out_kind = rc ? NULL : mlmd__sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
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
		m->nodes = mlmd__sc_alloc(&m->pool, sizeof *m->nodes);
		m->inputs = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof *m->inputs);
		m->input_vals = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
		m->outputs = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof *m->outputs);
		m->output_vals = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
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
			nd->in = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
			nd->out = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
			if (!nd->in || !nd->out)
				rc = MLMD_OOM();
		}
		static const int64_t one_dim[1] = { -1 }, two_dims[2] = { -1, -1 };
		for (size_t k = 0; !rc && k < a->n_in; k++) {
			const pfield *f = &d->fields[a->in_fields[k]];
			int v = mlmd__sc_add_value(m, f->name);
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
			int v = mlmd__sc_add_value(m, name);
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
				int64_t *dims = mlmd__sc_alloc_array(&m->pool, 2, sizeof(int64_t));
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
		const px *hd = mlmd__px_child(root, "Header"), *app = hd ? mlmd__px_child(hd, "Application") : NULL;
		m->producer = app && mlmd__px_attr(app, "name") ? dup(d, mlmd__px_attr(app, "name")) : "";
		m->producer_version = app && mlmd__px_attr(app, "version") ? dup(d, mlmd__px_attr(app, "version")) : "";
		const char *ver = mlmd__px_attr(root, "version");
		m->n_meta = 2;
		m->meta_keys = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		m->meta_values = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
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
		pfield *ff = mlmd__sc_alloc_array(&m->pool, (size_t)d->n_fields + 1, sizeof *ff);
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
	rc = load_cap_error(rc, &tmp, &m->pool, budget, len);
	d->tmp = NULL;
	mlmd__sc_pool_free(&tmp);
	m->pool.limit = 0;
	return rc;
}

int mlmd__sc_pmml_tree_counts(const mlmd_model *m, int *engine, int *walked)
{
	*engine = *walked = 0;
	if (m->n_nodes != 1 || m->nodes[0].op != &pmml_op)
		return -1;
	const pmml_attr *a = m->nodes[0].attr;
	*engine = a->doc.trees_engine;
	*walked = a->doc.trees_walked;
	return 0;
}

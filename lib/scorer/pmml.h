/*
 * lib/scorer/pmml.h - what the PMML files share: PMML 3.x/4.x models
 * compiled into one scorer op.
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
 *
 * The files, from the bottom: pmml_xml.c (the element tree) and pmml_fn.c
 * (the string, date and distribution functions) know nothing of the rest;
 * pmml_doc.c holds what every other file uses (errors, fields, name maps,
 * declared sizes, categories); pmml_expr.c and pmml_apply.c compile and
 * evaluate expressions, pmml_pred.c predicates; a file per model type holds
 * its compilation and evaluation together (pmml_regression.c,
 * pmml_general.c, pmml_tree.c with pmml_tree_compile.c, pmml_mining.c,
 * pmml_neural.c, pmml_bayes.c, pmml_scorecard.c); pmml_model.c puts one
 * model's MiningSchema, transformations, targets and outputs around its
 * body; pmml_batch.c scores a MiningModel's TreeModels as one tree-engine
 * ensemble over a block of rows, the rest of each row evaluated as before;
 * pmml_load.c loads the document, pmml_run.c runs it as a scorer op. Two
 * pairs call each other because PMML nests that way: an Apply's arguments
 * are expressions (pmml_expr.c <-> pmml_apply.c), and a MiningModel's
 * segments are models (pmml_model.c <-> pmml_mining.c).
 */
#ifndef MLMD_SCORER_PMML_H
#define MLMD_SCORER_PMML_H

#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "sc.h"
#include "load.h"
#include "trees.h"
#include "pmml_fn.h"
#include "pmml_xml.h"

/* ---- values -------------------------------------------------------------------------------------- */

/* A value: missing, a number (NaN is missing) or a text. */
enum { PV_MISSING, PV_NUM, PV_STR };
typedef struct {
	uint8_t t;
	double d;
	const char *s;
} pv;

static const pv MISSING = { PV_MISSING, 0, NULL };

/* A number as a value; NaN is missing. */
static inline pv num(double d)
{
	pv v = { PV_NUM, d, NULL };
	if (d != d)
		v.t = PV_MISSING;
	return v;
}

/* The whole of s (blanks around it allowed) as a number, whatever the locale. */
static inline bool parse_double(const char *s, double *out)
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
static inline bool as_num(pv v, double *d)
{
	if (v.t == PV_NUM) {
		*d = v.d;
		return true;
	}
	return v.t == PV_STR && parse_double(v.s, d);
}

/* Equality and order of a field value with a constant, by the field's kind;
 * *ok is 0 when they do not compare. (Inline: rows compare values in loops.) */
static inline int cmp_values(pv a, pv b, bool numeric, int *ok)
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

/* ---- the compiled document ----------------------------------------------------------------------- */

enum { F_DOUBLE, F_STRING };               /* how a field's values are kept */
enum { TR_AS_IS, TR_MISSING, TR_INVALID, TR_VALUE };

typedef struct pexpr pexpr;
typedef struct ppred ppred;
typedef struct pmodel pmodel;
typedef struct pbatch pbatch;
typedef struct pwalk pwalk;

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
	pbatch *batch;           /* the tree ensemble scored over whole batches (pmml_batch.c), or NULL */
} pdoc;

/* PMML's built-in functions (PMML 4.4's complete list, and "log", an old
 * spelling of ln); their names and numbers of arguments are in pmml_apply.c. */
enum { FN_ADD, FN_SUB, FN_MUL, FN_DIV, FN_MIN, FN_MAX, FN_SUM, FN_AVG, FN_PRODUCT, FN_MEDIAN, FN_LOG10, FN_LN, FN_LOG,
	FN_SQRT, FN_ABS, FN_EXP, FN_POW, FN_THRESHOLD, FN_FLOOR, FN_CEIL, FN_ROUND, FN_MODULO, FN_RINT, FN_EXPM1, FN_LN1P,
	FN_HYPOT, FN_SIN, FN_ASIN, FN_SINH, FN_COS, FN_ACOS, FN_COSH, FN_TAN, FN_ATAN, FN_TANH, FN_ERF, FN_STDNORMCDF,
	FN_STDNORMPDF, FN_STDNORMIDF, FN_NORMCDF, FN_NORMPDF, FN_NORMIDF, FN_ISMISSING, FN_ISNOTMISSING, FN_ISVALID,
	FN_ISNOTVALID, FN_EQ, FN_NE, FN_LT, FN_LE, FN_GT, FN_GE, FN_AND, FN_OR, FN_NOT, FN_ISIN, FN_ISNOTIN, FN_IF,
	FN_UPPER, FN_LOWER, FN_STRLEN, FN_SUBSTRING, FN_TRIM, FN_CONCAT, FN_REPLACE, FN_MATCHES, FN_FORMATNUMBER,
	FN_FORMATDATETIME, FN_DAYSSINCEYEAR, FN_SECSSINCEYEAR, FN_SECSSINCEMIDNIGHT, FN_COUNT };

/* ---- rows ---------------------------------------------------------------------------------------- */

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
	const double *leaves;    /* this row's leaves of the batched trees (by treebody slot), or NULL */
} rowctx;

/* ---- tree and mining model bodies (shared with pmml_tree_compile.c) ------------------------------ */

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
	int slot;                /* its tree in the document's batched ensemble (pmml_batch.c), or -1 */
} treebody;

/* An engine feature: a field's value, or for a text field the position of the
 * value among the field's codes (n_codes if it is none of them). */
typedef struct tfeat {
	int field;
	bool text;
} tfeat;

typedef struct {
	ppred *pred;
	double weight;
	pmodel *model;
} psegment;

/* A MiningModel's TreeModels scored as one ensemble over a block of rows
 * (pmml_batch.c): the engine's target k is the PMML node index that tree k
 * reaches (-1: none), which the row's own evaluation then takes instead of
 * walking the tree (rowctx.leaves). The fields the trees read are gathered
 * per row after the MiningSchema treatment of the models from the top down
 * to the ensemble, which is all the row's evaluation does before its trees. */
struct pbatch {
	const pmodel *ens;       /* the MiningModel */
	size_t n_path;
	const pmodel **path;     /* the top model down to ens: their treatment comes before the trees */
	int n_trees;             /* the engine's trees and targets (slots of the segments' treebodies) */
	int n_feat;              /* the engine's features: fields, text fields by their codes */
	tfeat *feat;
	size_t n_treat;          /* the segments' MiningSchema treatments that may change a value, once each */
	const pmf **treat;
	sc_trees *eng;           /* the trees as the engine compiled them one by one: any row */
	sc_trees *dense;         /* the same trees for rows with no missing feature (mlmd__pmml_tree_dense), or NULL */
	pwalk *eng_walk;         /* eng and dense laid out for the interleaved walk (pmml_walk.c), used instead of */
	pwalk *dense_walk;       /* ... the engine when it would walk some of their trees a row at a time; or NULL */
	bool no_walk;            /* the engine scores every tree (tests and benchmarks) */
	int *seg_slot;           /* per segment of ens: its tree's slot, and ... */
	double **seg_score;      /* ... per PMML node its score, NaN for none: a regression ensemble summing or
	                            averaging numeric scores (mlmd__pmml_eval_mining's short loop); else NULL */
	bool off;                /* every row takes the row-at-a-time path (tests and benchmarks) */
};

/* multipleModelMethod, in the order of pmml_mining.c's METHODS */
enum { MM_SUM, MM_AVERAGE, MM_WAVERAGE, MM_MEDIAN, MM_MAJORITY, MM_WMAJORITY, MM_MAX, MM_FIRST, MM_CHAIN, MM_WSUM,
	MM_WMEDIAN };

typedef struct {
	int method;              /* MM_* */
	size_t n;
	psegment *seg;
	int missing;             /* 0 continue (PMML 4.4's default), 1 skipSegment, 2 returnMissing */
	double missing_threshold;
} miningbody;

/* ---- regression bodies (pmml_regression.c, pmml_general.c; read by the linear explainer) ---------- */

/* A RegressionTable: intercept, NumericPredictors (field, exponent,
 * coefficient), CategoricalPredictors (field, value, coefficient) and
 * PredictorTerms (products of fields). */
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

/* A RegressionModel: its tables (one per category for classification) and
 * normalizationMethod (an index into pmml_regression.c's NORMS). */
typedef struct {
	size_t n;
	rtable *t;
	int norm;
} regbody;

/* A GeneralRegressionModel: PPMatrix cells (parameter x field: a factor's
 * level or a covariate's exponent) and ParamMatrix betas. */
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

/* ---- small helpers ------------------------------------------------------------------------------- */

/* How a field of that dataType keeps its values (F_DOUBLE when none is given). */
static inline int kind_of_type(const char *dtype)
{
	if (!dtype)
		return F_DOUBLE;
	return (!strcmp(dtype, "string") || !strcmp(dtype, "boolean") || !strncmp(dtype, "date", 4) ||
		!strcmp(dtype, "time")) ? F_STRING : F_DOUBLE;
}

/* A constant as a value of the given field kind. */
static inline pv constant(const pdoc *d, const char *s, int kind)
{
	pv v = { PV_STR, 0, s };
	double x;
	(void)d;
	if (kind == F_DOUBLE && parse_double(s, &x))
		return num(x);
	return v;
}

/* A copy of s in the model's pool; NULL for NULL. */
static inline const char *pstrdup(pdoc *d, const char *s)
{
	return s ? mlmd__sc_strdup(d->pool, s, strlen(s)) : NULL;
}

/* The index of the largest of p[0..n) that is not NaN, or -1. */
static inline int argmax(const double *p, size_t n)
{
	int best = -1;
	for (size_t k = 0; k < n; k++)
		if (p[k] == p[k] && (best < 0 || p[k] > p[best]))
			best = (int)k;
	return best;
}

/* A classification result from its probabilities: the most probable category. */
static inline void set_class_result(const pmodel *m, pres *r)
{
	int b = argmax(r->p, m->n_cls);
	r->has_p = true;
	r->value = b >= 0 ? (pv){ PV_STR, 0, m->cls[b] } : MISSING;
	r->cls = b;
	r->confidence = b >= 0 ? r->p[b] : NAN;
}

/* A field's value this row, computed on first use (mlmd__pmml_field_derive). */
void mlmd__pmml_field_derive(rowctx *rc, int f);
static inline pv field_value(rowctx *rc, int f)
{
	if (!rc->done[f])
		mlmd__pmml_field_derive(rc, f);
	return rc->vals[f];
}

/* ---- functions the files share ------------------------------------------------------------------- */

/* pmml_load.c: errors (an INVALID_ARGUMENT or UNIMPLEMENTED naming the line and element), fields, name maps,
 * declared counts and the load's limits. */
int mlmd__pmml_bad(const px *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mlmd__pmml_unsupported(const px *n, const char *what);
int mlmd__pmml_add_field(pdoc *d, const char *name, int kind, int *out);
int mlmd__pmml_field_id(const pdoc *d, const char *name);
int mlmd__pmml_strmap_init(sc_pool *pool, strmap *m, size_t n);
int mlmd__pmml_strmap_put(strmap *m, const char *name, int id);
int mlmd__pmml_strmap_get(const strmap *m, const char *name);
int mlmd__pmml_check_count(const px *n, const char *attr, size_t have, const char *what);
int mlmd__pmml_check_table(pdoc *d, const px *n, size_t rows, size_t cols, size_t elem, const char *what);
int mlmd__pmml_parse_array(pdoc *d, const px *a, int kind, pv **out, size_t *n);

/* pmml_expr.c and pmml_apply.c: expressions. */
const px *mlmd__pmml_expr_child(const px *n);
int mlmd__pmml_resolve(pdoc *d, const px *n, const char *attr, int *field);
int mlmd__pmml_compile_expr(pdoc *d, const px *n, pexpr **out);
int mlmd__pmml_compile_apply(pdoc *d, const px *n, pexpr *e);
int mlmd__pmml_compile_derived(pdoc *d, const px *dfe);
int mlmd__pmml_define_functions(pdoc *d, const px *td);
pv mlmd__pmml_eval_expr(rowctx *rc, const pexpr *e);
pv mlmd__pmml_apply(rowctx *rc, const pexpr *e);
pv mlmd__pmml_call_user(rowctx *rc, const pexpr *e);

/* pmml_pred.c: predicates. */
int mlmd__pmml_compile_pred(pdoc *d, const px *n, ppred **out);
const px *mlmd__pmml_pred_child(const px *n);
int mlmd__pmml_eval_pred(rowctx *rc, const ppred *p);

/* pmml_model.c: one model, its categories, the document's scratch layout. */
int mlmd__pmml_compile_model(pdoc *d, const px *n, pmodel **out, const pmodel *parent);
void mlmd__pmml_eval_model(rowctx *rc, const pmodel *m, pres *r);
void mlmd__pmml_eval_treated(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_add_class(pdoc *d, pmodel *m, const char *v);
int mlmd__pmml_finalize(pdoc *d, pmodel *m);

/* The model types: each compiles its element into m->body (and sets m->body_need) and evaluates a row. */
int mlmd__pmml_compile_regression(pdoc *d, const px *n, pmodel *m);   /* pmml_regression.c */
void mlmd__pmml_eval_regression(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_general(pdoc *d, const px *n, pmodel *m);      /* pmml_general.c */
void mlmd__pmml_eval_general(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_tree(pdoc *d, const px *n, pmodel *m);         /* pmml_tree.c */
void mlmd__pmml_eval_tree(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_mining(pdoc *d, const px *n, pmodel *m);       /* pmml_mining.c */
void mlmd__pmml_eval_mining(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_neural(pdoc *d, const px *n, pmodel *m);       /* pmml_neural.c */
void mlmd__pmml_eval_neural(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_bayes(pdoc *d, const px *n, pmodel *m);        /* pmml_bayes.c */
void mlmd__pmml_eval_bayes(rowctx *rc, const pmodel *m, pres *r);
int mlmd__pmml_compile_scorecard(pdoc *d, const px *n, pmodel *m);    /* pmml_scorecard.c */
void mlmd__pmml_eval_scorecard(rowctx *rc, const pmodel *m, pres *r);

/* pmml_run.c: the scorer op (its node's attribute: the document, the graph's inputs and outputs), and rows. */
typedef struct {
	pdoc doc;
	size_t n_in;
	int *in_fields;
	size_t n_out;            /* graph outputs */
	int *out_field;          /* field to read, or -1 for out 0 (predicted) / -2 for the probability matrix */
	int *out_kind;
	size_t scratch_bytes;
} pmml_attr;
extern const sc_op mlmd__pmml_op;
int mlmd__pmml_rowctx_init(rowctx *rc, const pdoc *d, sc_pool *pool);
void mlmd__pmml_rowctx_next(rowctx *rc);

/* pmml_batch.c: tree ensembles over whole batches. */
int mlmd__pmml_batch_plan(pdoc *d);
int mlmd__pmml_batch_features(rowctx *rc, const pbatch *b, double *x);
/* For tests and benchmarks (mlmd__sc_pmml_batch_walk): how 0 makes the
 * engine score every tree, 1 the interleaved walk where it was built, 2 the
 * walk for every tree (built now when it was not); -1 leaves it. Returns 1
 * when the walk is in use, 0 when not, or an error. */
int mlmd__pmml_batch_walk(pdoc *d, int how);
void mlmd__pmml_treat_inputs(rowctx *rc, const pmodel *m);   /* pmml_model.c */
void mlmd__pmml_treat_field(rowctx *rc, const pmf *mf);       /* pmml_model.c */

/* pmml_walk.c: a batched ensemble's trees walked sixteen rows at a time. */
/* Whether the engine walks some of eng's trees a row at a time (deeper than
 * it pads, or testing equality or sets): then the interleaved walk pays. */
bool mlmd__pmml_walk_pays(const sc_trees *eng);
/* eng's trees (tree k's leaves voting at most once, for target k, as
 * pmml_batch.c builds them) laid out for the walk, in pool; *out NULL, not
 * an error, when they do not fit it (see pmml_walk.c). whole[f]: feature
 * f's values are whole numbers (text codes). */
int mlmd__pmml_walk_build(pwalk **out, sc_pool *pool, const sc_trees *eng, const bool *whole);
/* Scores n rows of x (ld doubles apart, NaN missing) into out (n x the
 * number of trees): what mlmd__sc_trees_score gives for eng, on the
 * context's threads. */
int mlmd__pmml_walk_score(const pwalk *w, mlmd_score_ctx *ctx, const double *x, int64_t n, int64_t ld, double *out);
/* The same on the calling thread. */
void mlmd__pmml_walk_rows(const pwalk *w, const double *x, int64_t n, int64_t ld, double *out);

/* pmml_tree_compile.c: TreeModels into the tree engine. */
int mlmd__pmml_text_codes(pdoc *d);
int mlmd__pmml_tree_engine(pdoc *d, const pmodel *m, treebody *t);
double mlmd__pmml_text_code(const pfield *f, const char *s);
int mlmd__pmml_tree_dense(pdoc *d, const treebody *t, sc_tree_buf *b, const int *feat_of, int target, int32_t *next,
	int32_t *nv);

#endif

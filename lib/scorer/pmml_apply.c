/*
 * scorer/pmml_apply.c - Apply: PMML's built-in functions and the document's
 * own (DefineFunction), compiled and evaluated. The string, date and
 * distribution functions themselves are in pmml_fn.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pmml.h"

/* ---- built-in functions -------------------------------------------------------------------------- */

/* The built-in functions' names and numbers of arguments (max -1: any). */
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

/* ---- compiling ----------------------------------------------------------------------------------- */

/* The user function of that name, or NULL. */
static pfunc *find_func(const pdoc *d, const char *name)
{
	int k = mlmd__pmml_strmap_get(&d->fmap, name);
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
			return mlmd__pmml_bad(n, "function '%s': invalid regular expression '%s' (POSIX extended): %s", fn, pat, err);
		r->next = d->regexes;
		d->regexes = r;
		e->re = &r->re;
		const pexpr *rp = e->fn == FN_REPLACE ? e->args[2] : NULL;
		if (rp && rp->kind == E_CONST && rp->text && mlmd__pmml_replacement_check(rp->text, r->re.re_nsub))
			return mlmd__pmml_bad(n, "function 'replace': invalid replacement '%s' ($0 to $%zu name the match and its groups; "
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
			return mlmd__pmml_bad(n, "function 'formatNumber': pattern '%s': %s", pat, err);
		e->fmt = f;
		return 0;
	}
	case FN_FORMATDATETIME:
		if ((rc = pattern_arg(n, e->args[1], fn, "pattern", &pat)))
			return rc;
		if (mlmd__pmml_dtfmt_check(pat, err, sizeof err))
			return mlmd__pmml_bad(n, "function 'formatDatetime': pattern '%s': %s", pat, err);
		e->fmt = pat;
		return 0;
	default:
		return 0;
	}
}

/* An Apply: a built-in or a user function, its arguments compiled. */
int mlmd__pmml_compile_apply(pdoc *d, const px *n, pexpr *e)
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
		e->map_missing = constant(d, pstrdup(d, mm), F_DOUBLE);
	if (df)
		e->deflt = constant(d, pstrdup(d, df), F_DOUBLE);
	size_t k = 0;
	for (const px *c = n->first; c; c = c->next)
		k += !c->foreign && strcmp(c->name, "Extension") != 0;
	e->args = mlmd__sc_alloc_array(d->pool, k + 1, sizeof *e->args);
	if (!e->args)
		return MLMD_OOM();
	for (const px *c = n->first; c; c = c->next) {
		if (c->foreign || !strcmp(c->name, "Extension"))
			continue;
		if ((rc = mlmd__pmml_compile_expr(d, c, &e->args[e->nargs])))
			return rc;
		e->nargs++;
	}
	if (uf) {
		if ((size_t)e->nargs != uf->n_params)
			return mlmd__pmml_bad(n, "function '%s' (DefineFunction at line %d) takes %zu argument(s), got %d", uf->name,
				uf->node->line, uf->n_params, e->nargs);
		return 0;
	}
	int lo = BUILTINS[e->fn].min, hi = BUILTINS[e->fn].max;
	if (e->nargs < lo || (hi >= 0 && e->nargs > hi)) {
		if (lo == hi)
			return mlmd__pmml_bad(n, "function '%s' takes %d argument(s), got %d", fn, lo, e->nargs);
		if (hi < 0)
			return mlmd__pmml_bad(n, "function '%s' takes at least %d argument(s), got %d", fn, lo, e->nargs);
		return mlmd__pmml_bad(n, "function '%s' takes %d to %d arguments, got %d", fn, lo, hi, e->nargs);
	}
	return prepare_string_fn(d, n, e, fn);
}

/* ---- user functions (DefineFunction) ------------------------------------------------------------- */

/* Registers the TransformationDictionary's DefineFunctions (names,
 * parameters, result types) so any expression may call any of them, then
 * compiles every body (an unused function is checked too). */
int mlmd__pmml_define_functions(pdoc *d, const px *td)
{
	for (const px *f = mlmd__px_child(td, "DefineFunction"); f; f = mlmd__px_next(f, "DefineFunction"))
		d->n_funcs++;
	if (!d->n_funcs)
		return 0;
	d->funcs = mlmd__sc_alloc_array(d->pool, d->n_funcs, sizeof *d->funcs);
	if (!d->funcs || mlmd__pmml_strmap_init(d->tmp, &d->fmap, d->n_funcs))
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(td, "DefineFunction"); f; f = mlmd__px_next(f, "DefineFunction"), i++) {
		pfunc *fn = &d->funcs[i];
		fn->node = f;
		fn->name = pstrdup(d, mlmd__px_attr(f, "name"));
		if (!fn->name)
			return mlmd__pmml_bad(f, "missing attribute 'name'");
		if (builtin_id(fn->name) >= 0)
			return mlmd__pmml_bad(f, "DefineFunction '%s' has the name of a built-in function", fn->name);
		int prev = mlmd__pmml_strmap_put(&d->fmap, fn->name, (int)i);
		if (prev >= 0)
			return mlmd__pmml_bad(f, "DefineFunction '%s' is defined twice (also at line %d)", fn->name, d->funcs[prev].node->line);
		const char *dt = mlmd__px_attr(f, "dataType");
		fn->kind = dt ? kind_of_type(dt) : -1;
		fn->is_float = dt && !strcmp(dt, "float");
		fn->is_int = dt && !strcmp(dt, "integer");
		for (const px *p = mlmd__px_child(f, "ParameterField"); p; p = mlmd__px_next(p, "ParameterField"))
			fn->n_params++;
		fn->pnames = mlmd__sc_alloc_array(d->pool, fn->n_params + 1, sizeof *fn->pnames);
		fn->pkind = mlmd__sc_alloc_array(d->pool, fn->n_params + 1, sizeof *fn->pkind);
		if (!fn->pnames || !fn->pkind || mlmd__pmml_strmap_init(d->tmp, &fn->pmap, fn->n_params))
			return MLMD_OOM();
		size_t k = 0;
		for (const px *p = mlmd__px_child(f, "ParameterField"); p; p = mlmd__px_next(p, "ParameterField"), k++) {
			fn->pnames[k] = mlmd__px_attr(p, "name");
			if (!fn->pnames[k])
				return mlmd__pmml_bad(p, "missing attribute 'name'");
			if (mlmd__pmml_strmap_put(&fn->pmap, fn->pnames[k], (int)k) >= 0)
				return mlmd__pmml_bad(p, "DefineFunction '%s': parameter '%s' is listed twice", fn->name, fn->pnames[k]);
			fn->pnames[k] = pstrdup(d, fn->pnames[k]);
			const char *pdt = mlmd__px_attr(p, "dataType");
			fn->pkind[k] = pdt ? kind_of_type(pdt) : -1;
		}
		if (!mlmd__pmml_expr_child(f))
			return mlmd__pmml_bad(f, "DefineFunction '%s' has no expression (its body)", fn->name);
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
		return mlmd__pmml_bad(site, "DefineFunction '%s' calls itself (%s): recursion is not allowed", f->name, chain);
	}
	f->state = 1;
	f->via = d->scope;
	pfunc *outer = d->scope;
	d->scope = f;
	int rc = mlmd__pmml_compile_expr(d, mlmd__pmml_expr_child(f->node), &f->body);
	d->scope = outer;
	f->state = 2;
	return rc;
}

/* ---- evaluating ---------------------------------------------------------------------------------- */

static pv bool_pv(bool b)
{
	return num(b ? 1 : 0);
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
		int64_t days = dt.days - mlmd__days_from_civil(i1, 1, 1);
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
pv mlmd__pmml_apply(rowctx *rc, const pexpr *e)
{
	if (e->fn == FN_IF) {
		pv c = mlmd__pmml_eval_expr(rc, e->args[0]);
		double cd;
		if (c.t == PV_MISSING)
			return e->map_missing.t ? e->map_missing : MISSING;
		bool t = as_num(c, &cd) ? cd != 0 : (c.s && !strcmp(c.s, "true"));
		return t ? mlmd__pmml_eval_expr(rc, e->args[1]) : e->nargs > 2 ? mlmd__pmml_eval_expr(rc, e->args[2]) : MISSING;
	}
	size_t base = rc->sp, n = (size_t)e->nargs;
	if (n > rc->d->max_stack - base) { /* (the stack is sized for the deepest expression at load) */
		row_fail(rc, mlmd__fail(MLMD_INTERNAL, "PMML: the value stack is too small"));
		return MISSING;
	}
	pv *a = rc->stack + base;
	rc->sp += n;
	bool any_missing = false, numbers = true;
	for (size_t i = 0; i < n; i++) {
		a[i] = mlmd__pmml_eval_expr(rc, e->args[i]);
		any_missing |= a[i].t == PV_MISSING;
		numbers &= a[i].t == PV_NUM;
	}
	if (numbers && n && (e->fn <= FN_DIV || e->fn == FN_SUM)) {
		/* arithmetic on numbers, the commonest case (scalers, projections): what apply_values computes */
		double x;
		if (e->fn == FN_SUM) {
			x = 0;
			for (size_t i = 0; i < n; i++)
				x = x + a[i].d;
		} else {
			x = apply_math(e->fn, a, 2);
		}
		rc->sp = base;
		if (x != x || isinf(x))
			return e->invalid == TR_AS_IS ? num(x) : invalid_result(e);
		return num(x);
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
pv mlmd__pmml_call_user(rowctx *rc, const pexpr *e)
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
		a[i] = coerce(mlmd__pmml_eval_expr(rc, e->args[i]), f->pkind[i], false, false);
	size_t caller = rc->frame;
	rc->frame = base;
	pv r = mlmd__pmml_eval_expr(rc, f->body);
	rc->frame = caller;
	rc->sp = base;
	r = coerce(r, f->kind, f->is_float, f->is_int);
	if (r.t == PV_MISSING && e->map_missing.t)
		return e->map_missing;
	return r;
}

/*
 * scorer/pmml_expr.c - expressions: field references, Constant, FieldRef,
 * NormContinuous, NormDiscrete, Discretize and MapValues (Apply is in
 * pmml_apply.c), compiled and evaluated; and derived fields (transformations).
 */
#include <string.h>
#include "pmml.h"

/* ---- references ---------------------------------------------------------------------------------- */

/* The expression child of an element (DerivedField, OutputField, ...), or NULL. */
const px *mlmd__pmml_expr_child(const px *n)
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
int mlmd__pmml_resolve(pdoc *d, const px *n, const char *attr, int *field)
{
	const char *name = mlmd__px_attr(n, attr);
	if (!name)
		return mlmd__pmml_bad(n, "missing attribute '%s'", attr);
	if (d->scope) {
		int k = mlmd__pmml_strmap_get(&d->scope->pmap, name);
		if (k >= 0) {
			*field = -1 - k;
			return 0;
		}
		return mlmd__pmml_bad(n, "DefineFunction '%s': '%s' is not one of its ParameterFields (a function body may refer "
			"to its parameters only)", d->scope->name, name);
	}
	*field = mlmd__pmml_field_id(d, name);
	if (*field < 0)
		return mlmd__pmml_bad(n, "field '%s' is not defined", name);
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

/* ---- compiling ----------------------------------------------------------------------------------- */

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
		return mlmd__pmml_bad(n, "evaluating this expression takes more than %.0f steps per row (user functions that call "
			"functions multiply the work)", PMML_MAX_EVALS);
	if (e->need > PMML_MAX_STACK)
		return mlmd__pmml_bad(n, "evaluating this expression holds more than %zu values at once", PMML_MAX_STACK);
	if (e->need > d->max_stack)
		d->max_stack = e->need;
	return 0;
}

static int compile_expr_in(pdoc *d, const px *n, pexpr *e)
{
	const char *mm = mlmd__px_attr(n, "mapMissingTo"), *df = mlmd__px_attr(n, "defaultValue");
	int rc = 0;
	if (!strcmp(n->name, "Constant")) {
		e->kind = E_CONST;
		const char *dt = mlmd__px_attr(n, "dataType");
		const char *t = n->text ? n->text : "";
		e->text = pstrdup(d, t);
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
			e->map_missing = constant(d, pstrdup(d, mm), F_DOUBLE);
		return mlmd__pmml_resolve(d, n, "field", &e->field);
	}
	if (!strcmp(n->name, "Apply"))
		return mlmd__pmml_compile_apply(d, n, e);
	if (!strcmp(n->name, "NormContinuous")) {
		e->kind = E_NORMCONT;
		if ((rc = mlmd__pmml_resolve(d, n, "field", &e->field)))
			return rc;
		if (mm)
			e->map_missing = constant(d, pstrdup(d, mm), F_DOUBLE);
		const char *ol = mlmd__px_attr(n, "outliers");
		e->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		for (const px *c = mlmd__px_child(n, "LinearNorm"); c; c = mlmd__px_next(c, "LinearNorm"))
			e->n++;
		if (e->n < 2)
			return mlmd__pmml_bad(n, "needs at least two LinearNorm points");
		e->orig = mlmd__sc_alloc_array(d->pool, e->n, sizeof(double));
		e->norm = mlmd__sc_alloc_array(d->pool, e->n, sizeof(double));
		if (!e->orig || !e->norm)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = mlmd__px_child(n, "LinearNorm"); c; c = mlmd__px_next(c, "LinearNorm"), k++) {
			if (!parse_double(mlmd__px_attr(c, "orig"), &e->orig[k]) || !parse_double(mlmd__px_attr(c, "norm"), &e->norm[k]))
				return mlmd__pmml_bad(c, "orig and norm must be numbers");
			if (k && e->orig[k] <= e->orig[k - 1])
				return mlmd__pmml_bad(c, "orig values must increase");
		}
		return 0;
	}
	if (!strcmp(n->name, "NormDiscrete")) {
		e->kind = E_NORMDISC;
		if ((rc = mlmd__pmml_resolve(d, n, "field", &e->field)))
			return rc;
		const char *v = mlmd__px_attr(n, "value");
		if (!v)
			return mlmd__pmml_bad(n, "missing attribute 'value'");
		e->value = constant(d, pstrdup(d, v), ref_kind(d, e->field));
		if (mm)
			e->map_missing = constant(d, pstrdup(d, mm), F_DOUBLE);
		return 0;
	}
	if (!strcmp(n->name, "Discretize")) {
		e->kind = E_DISCRETIZE;
		if ((rc = mlmd__pmml_resolve(d, n, "field", &e->field)))
			return rc;
		const char *dt = mlmd__px_attr(n, "dataType");
		int k_out = dt ? kind_of_type(dt) : F_STRING;
		if (mm)
			e->map_missing = constant(d, pstrdup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, pstrdup(d, df), k_out);
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
				return mlmd__pmml_bad(c, "needs an Interval and a binValue");
			e->bins[k] = constant(d, pstrdup(d, mlmd__px_attr(c, "binValue")), k_out);
			const char *cl = mlmd__px_attr(iv, "closure");
			if (!cl)
				return mlmd__pmml_bad(iv, "missing attribute 'closure'");
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
			e->map_missing = constant(d, pstrdup(d, mm), k_out);
		if (df)
			e->deflt = constant(d, pstrdup(d, df), k_out);
		const px *tbl = mlmd__px_child(n, "InlineTable");
		if (!outcol || !tbl)
			return tbl ? mlmd__pmml_bad(n, "missing attribute 'outputColumn'") : mlmd__pmml_unsupported(n, "a MapValues without an InlineTable");
		for (const px *c = mlmd__px_child(n, "FieldColumnPair"); c; c = mlmd__px_next(c, "FieldColumnPair"))
			e->ncols++;
		for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"))
			e->n++;
		e->cols = mlmd__sc_alloc_array(d->pool, e->ncols + 1, sizeof(int));
		const char **colname = mlmd__sc_alloc_array(d->pool, e->ncols + 1, sizeof(char *));
		if ((rc = mlmd__pmml_check_table(d, n, e->n, e->ncols, sizeof(pv), "the MapValues table (rows x columns)")))
			return rc;
		e->table = mlmd__sc_alloc_array(d->pool, e->n * e->ncols + 1, sizeof(pv));
		e->out = mlmd__sc_alloc_array(d->pool, e->n + 1, sizeof(pv));
		if (!e->cols || !colname || !e->table || !e->out)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *c = mlmd__px_child(n, "FieldColumnPair"); c; c = mlmd__px_next(c, "FieldColumnPair"), k++) {
			if ((rc = mlmd__pmml_resolve(d, c, "field", &e->cols[k])))
				return rc;
			colname[k] = mlmd__px_attr(c, "column");
			if (!colname[k])
				return mlmd__pmml_bad(c, "missing attribute 'column'");
		}
		size_t r = 0;
		for (const px *row = mlmd__px_child(tbl, "row"); row; row = mlmd__px_next(row, "row"), r++) {
			e->out[r] = MISSING;
			for (size_t q = 0; q < e->ncols; q++)
				e->table[r * e->ncols + q] = MISSING;
			for (const px *cell = row->first; cell; cell = cell->next) {
				const char *t = cell->text ? cell->text : "";
				if (!strcmp(cell->name, outcol))
					e->out[r] = constant(d, pstrdup(d, t), k_out);
				for (size_t q = 0; q < e->ncols; q++)
					if (!strcmp(cell->name, colname[q]))
						e->table[r * e->ncols + q] = constant(d, pstrdup(d, t), ref_kind(d, e->cols[q]));
			}
		}
		return 0;
	}
	return mlmd__pmml_unsupported(n, "this expression");
}

int mlmd__pmml_compile_expr(pdoc *d, const px *n, pexpr **out)
{
	pexpr *e = mlmd__sc_alloc(d->pool, sizeof *e);
	if (!e)
		return MLMD_OOM();
	*out = e;
	e->map_missing = e->deflt = MISSING;
	int rc = compile_expr_in(d, n, e);
	return rc ? rc : measure_expr(d, n, e);
}

/* ---- evaluating ---------------------------------------------------------------------------------- */

/* A field's value, or inside a function body a parameter's. */
static pv ref_value(rowctx *rc, int ref)
{
	return ref >= 0 ? field_value(rc, ref) : rc->stack[rc->frame + (size_t)(-1 - ref)];
}

pv mlmd__pmml_eval_expr(rowctx *rc, const pexpr *e)
{
	switch (e->kind) {
	case E_CONST:
		return e->c;
	case E_FIELD: {
		pv v = ref_value(rc, e->field);
		return v.t == PV_MISSING && e->map_missing.t ? e->map_missing : v;
	}
	case E_APPLY:
		return mlmd__pmml_apply(rc, e);
	case E_CALL:
		return mlmd__pmml_call_user(rc, e);
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

/* ---- derived fields ------------------------------------------------------------------------------ */

/* Computes field f's value for this row (field_value() in pmml.h calls this
 * once per row): its derived value, or missing. */
void mlmd__pmml_field_derive(rowctx *rc, int f)
{
	rc->done[f] = 1; /* a derived field that refers to itself reads missing, not forever */
	rc->vals[f] = MISSING;
	if (rc->d->fields[f].derive) {
		pv v = mlmd__pmml_eval_expr(rc, rc->d->fields[f].derive);
		if (rc->d->fields[f].is_float && v.t == PV_NUM)
			v.d = (float)v.d;
		rc->vals[f] = v;
	}
}

int mlmd__pmml_compile_derived(pdoc *d, const px *dfe)
{
	const char *name = mlmd__px_attr(dfe, "name");
	const px *ex = mlmd__pmml_expr_child(dfe);
	if (!name || !ex)
		return mlmd__pmml_bad(dfe, "a DerivedField needs a name and an expression");
	pexpr *e;
	int rc = mlmd__pmml_compile_expr(d, ex, &e);
	if (rc)
		return rc;
	int f;
	if ((rc = mlmd__pmml_add_field(d, pstrdup(d, name), kind_of_type(mlmd__px_attr(dfe, "dataType")), &f)))
		return rc;
	const char *opt = mlmd__px_attr(dfe, "optype"), *dt = mlmd__px_attr(dfe, "dataType");
	d->fields[f].categorical = opt && strcmp(opt, "continuous") != 0;
	d->fields[f].is_float = dt && !strcmp(dt, "float");
	d->fields[f].derive = e;
	d->fields[f].need = e->need;
	return 0;
}

/*
 * scorer/pmml_load.c - loading a PMML document: the DataDictionary, the
 * TransformationDictionary and the top model compiled under the load's
 * memory cap, the scorer op that runs the compiled document over rows and
 * its signature, and ModelVerification (the document's own test rows,
 * scored at load).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"
#include "load.h"

/* ---- the scorer op ------------------------------------------------------------------------------- */

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
	mlmd__pmml_eval_model(rc, a->doc.top, res);
}

/* Row i's inputs into the row's frame. */
static void set_inputs(const pmml_attr *a, rowctx *rcx, const sc_run *r, int64_t i)
{
	const pdoc *d = &a->doc;
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
		rcx->vals[f] = v;
		rcx->done[f] = 1;
	}
}

/* Row i's result into the outputs. */
static int put_outputs(const pmml_attr *a, rowctx *rcx, const pres *res, sc_run *r, int64_t i)
{
	const pmodel *top = a->doc.top;
	for (size_t o = 0; o < a->n_out; o++) {
		tensor *t = r->out[o];
		if (a->out_kind[o] == -1) {
			for (size_t k = 0; k < top->n_cls; k++)
				((double *)t->data)[i * (int64_t)top->n_cls + (int64_t)k] =
					rcx->invalid || !res->has_p ? NAN : res->p[k];
			continue;
		}
		pv v = a->out_field[o] < 0 ? res->value : rcx->vals[a->out_field[o]];
		if (a->out_field[o] >= 0 && !rcx->done[a->out_field[o]])
			v = MISSING;
		if (rcx->invalid)
			v = MISSING;
		if (a->out_kind[o] == F_STRING) {
			const char *sv = v.t == PV_STR ? v.s : NULL;
			if (v.t == PV_NUM) /* a numeric category: its name from the model's categories */
				for (size_t k = 0; k < top->n_cls && !sv; k++) {
					double c;
					if (parse_double(top->cls[k], &c) && c == v.d)
						sv = top->cls[k];
				}
			if (sv && mlmd__pmml_text_owns(&rcx->text, sv) && !(sv = mlmd__sc_strdup(&r->ctx->pool, sv, strlen(sv))))
				return MLMD_OOM(); /* made this row: the output keeps a copy for the call */
			((const char **)t->data)[i] = sv;
		} else {
			double x = NAN;
			if (!as_num(v, &x))
				x = NAN;
			((double *)t->data)[i] = x;
		}
	}
	return 0;
}

/* The batched ensemble's working arrays for blocks of rows: features and
 * the nodes each tree reaches, rows with no missing feature from the top
 * (scored with the dense trees), the others from the bottom; each row's
 * place, or -1 when it takes the row path. */
typedef struct {
	const pbatch *b;
	int64_t block;           /* rows per block */
	double *x, *leaves;
	int64_t *at;
} batchbuf;

/* Rows per block: enough to keep the engine busy, with the block's nodes (a
 * double per row and tree) in about 1 MiB. */
static int batch_init(batchbuf *bb, const pdoc *d, sc_pool *pool, int64_t rows)
{
	*bb = (batchbuf){ .b = d->batch && !d->batch->off && rows > 1 ? d->batch : NULL };
	if (!bb->b)
		return 0;
	int64_t block = ((int64_t)1 << 17) / bb->b->n_trees;
	block = block < 64 ? 64 : block > 4096 ? 4096 : block;
	bb->block = block < rows ? block : rows;
	bb->x = mlmd__sc_alloc_array(pool, (size_t)bb->block * (size_t)(bb->b->n_feat + 1), sizeof(double));
	bb->leaves = mlmd__sc_alloc_array(pool, (size_t)bb->block * (size_t)bb->b->n_trees, sizeof(double));
	bb->at = mlmd__sc_alloc_array(pool, (size_t)bb->block, sizeof *bb->at);
	return bb->x && bb->leaves && bb->at ? 0 : MLMD_OOM();
}

/* Scores rows [i0, i0+nb) of the batched ensemble: each row's features, then
 * the block through the engine (rows with no missing feature through the
 * dense trees, the others through the engine's own compilation), on the
 * score context's threads. */
static int batch_block(batchbuf *bb, const pmml_attr *a, rowctx *rcx, sc_run *r, int64_t i0, int64_t nb)
{
	const pbatch *b = bb->b;
	int64_t nf = b->n_feat + 1, top = 0, bottom = nb;
	for (int64_t k = 0; k < nb; k++) {
		rowctx_next(rcx);
		set_inputs(a, rcx, r, i0 + k);
		rcx->invalid = false;
		double *x = bb->x + top * nf;
		int how = mlmd__pmml_batch_features(rcx, b, x);
		if (rcx->err)
			return mlmd__context(rcx->err, "row %lld", (long long)(i0 + k));
		if (how == 2) {
			bb->at[k] = top++;
		} else if (how == 1) {
			bb->at[k] = --bottom;
			memcpy(bb->x + bottom * nf, x, (size_t)nf * sizeof *x);
		} else {
			bb->at[k] = -1;
		}
	}
	int rc = 0;
	if (top)
		rc = mlmd__sc_trees_score_ctx(b->dense, r->ctx, MLMD_DTYPE_DOUBLE, bb->x, top, nf, bb->leaves);
	if (!rc && bottom < nb)
		rc = mlmd__sc_trees_score_ctx(b->eng, r->ctx, MLMD_DTYPE_DOUBLE, bb->x + bottom * nf, nb - bottom, nf,
			bb->leaves + bottom * b->n_trees);
	return rc;
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
	batchbuf bb;
	if (rowctx_init(&rcx, d, &r->ctx->pool) || batch_init(&bb, d, &r->ctx->pool, rows))
		return MLMD_OOM();
	int64_t block = bb.b ? bb.block : rows;
	for (int64_t i0 = 0; i0 < rows; i0 += block) {
		int64_t nb = rows - i0 < block ? rows - i0 : block;
		if (bb.b && (rc = batch_block(&bb, a, &rcx, r, i0, nb)))
			return rc;
		for (int64_t k = 0; k < nb; k++) {
			int64_t i = i0 + k;
			rowctx_next(&rcx);
			set_inputs(a, &rcx, r, i);
			rcx.leaves = bb.b && bb.at[k] >= 0 ? bb.leaves + bb.at[k] * bb.b->n_trees : NULL;
			pres res;
			eval_row(a, &rcx, &res);
			if (rcx.err)
				return mlmd__context(rcx.err, "row %lld", (long long)i);
			if ((rc = put_outputs(a, &rcx, &res, r, i)))
				return rc;
		}
	}
	return 0;
}

static const sc_op pmml_op = {
	.domain = "pmml", .name = "PMML", .min_in = 0, .max_in = 4096, .min_out = 1, .max_out = 4096,
	.run = run_pmml, .out = SC_OUT_SET,
};

/* ---- ModelVerification --------------------------------------------------------------------------- */

/* Scores the verification rows with model m (the top model or a segment's)
 * and compares its prediction and output fields with the expected values. */
static int verify(pmml_attr *a, pmodel *m, const px *mv, sc_pool *tmp)
{
	pdoc *d = &a->doc;
	const px *vf = mlmd__px_child(mv, "VerificationFields"), *tbl = mlmd__px_child(mv, "InlineTable");
	if (!vf || !tbl)
		return mlmd__pmml_bad(mv, "needs VerificationFields and an InlineTable");
	size_t nf = 0, nrows = 0;
	for (const px *f = mlmd__px_child(vf, "VerificationField"); f; f = mlmd__px_next(f, "VerificationField"))
		nf++;
	for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"))
		nrows++;
	int rcc = mlmd__pmml_check_count(mv, "fieldCount", nf, "VerificationFields");
	if (!rcc)
		rcc = mlmd__pmml_check_count(mv, "recordCount", nrows, "rows");
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
		field[i] = name ? mlmd__pmml_field_id(d, name) : -1;
		if (field[i] < 0)
			return mlmd__pmml_bad(f, "field '%s' is not defined", name ? name : "");
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
		mlmd__pmml_eval_model(&rc, m, &res);
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

/* ---- loading ------------------------------------------------------------------------------------- */

static int data_dictionary(pdoc *d, const px *dd)
{
	size_t count = 0;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField"))
		count++;
	int rc = mlmd__pmml_check_count(dd, "numberOfFields", count, "DataFields");
	if (rc)
		return rc;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField")) {
		const char *name = mlmd__px_attr(f, "name");
		if (!name)
			return mlmd__pmml_bad(f, "missing attribute 'name'");
		int id;
		if ((rc = mlmd__pmml_add_field(d, pstrdup(d, name), kind_of_type(mlmd__px_attr(f, "dataType")), &id)))
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
				return mlmd__pmml_bad(v, "missing attribute 'value'");
			pf->values[k] = pstrdup(d, val);
			pf->vprop[k] = !prop || !strcmp(prop, "valid") ? 0 : !strcmp(prop, "invalid") ? 1 : 2;
			pf->display[k] = pstrdup(d, mlmd__px_attr(v, "displayValue"));
		}
		k = 0;
		for (const px *v = mlmd__px_child(f, "Interval"); v; v = mlmd__px_next(v, "Interval"), k++) {
			const char *cl = mlmd__px_attr(v, "closure");
			if (!cl)
				return mlmd__pmml_bad(v, "missing attribute 'closure'");
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
		rc = mlmd__pmml_bad(root, "no DataDictionary");
	if (!rc)
		rc = data_dictionary(d, dd);
	const px *td = mlmd__px_child(root, "TransformationDictionary");
	if (!rc && td)
		rc = mlmd__pmml_define_functions(d, td);
	for (const px *df = td ? mlmd__px_child(td, "DerivedField") : NULL; !rc && df; df = mlmd__px_next(df, "DerivedField"))
		rc = mlmd__pmml_compile_derived(d, df);
	const px *model = NULL;
	for (const px *c = root->first; !rc && c && !model; c = c->next)
		if (!c->foreign && strcmp(c->name, "Header") && strcmp(c->name, "DataDictionary") &&
			strcmp(c->name, "TransformationDictionary") && strcmp(c->name, "Extension") &&
			strcmp(c->name, "MiningBuildTask"))
			model = c;
	if (!rc && !model)
		rc = mlmd__pmml_bad(root, "the document has no model");
	if (!rc)
		rc = mlmd__pmml_compile_model(d, model, &d->top, NULL);
	if (!rc)
		rc = mlmd__pmml_text_codes(d);
	if (!rc)
		rc = mlmd__pmml_finalize(d, d->top);
	if (!rc)
		rc = mlmd__pmml_batch_plan(d);
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
			nd->name = top->name ? top->name : pstrdup(d, model->name);
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
		m->producer = app && mlmd__px_attr(app, "name") ? pstrdup(d, mlmd__px_attr(app, "name")) : "";
		m->producer_version = app && mlmd__px_attr(app, "version") ? pstrdup(d, mlmd__px_attr(app, "version")) : "";
		const char *ver = mlmd__px_attr(root, "version");
		m->n_meta = 2;
		m->meta_keys = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		m->meta_values = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		if (!m->meta_keys || !m->meta_values || !m->producer || !m->producer_version) {
			rc = MLMD_OOM();
		} else {
			m->meta_keys[0] = "pmml_version";
			m->meta_values[0] = pstrdup(d, ver ? ver : "");
			m->meta_keys[1] = "model_type";
			m->meta_values[1] = pstrdup(d, model->name);
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

int mlmd__sc_pmml_batch(mlmd_model *m, int on)
{
	if (m->n_nodes != 1 || m->nodes[0].op != &pmml_op)
		return -1;
	pmml_attr *a = m->nodes[0].attr;
	if (on >= 0 && a->doc.batch)
		a->doc.batch->off = !on;
	return a->doc.batch && !a->doc.batch->off ? a->doc.batch->n_trees : 0;
}

/*
 * scorer/explain_pmml_linear.c - the PMML front of the linear engine
 * (explain_linear.h): a document whose top model is a RegressionModel or a
 * GeneralRegressionModel with a linear predictor.
 *
 * The predictor is a sum of terms, each a coefficient times a basis value
 * of one input field: the field's value (a NumericPredictor with exponent
 * 1, a covariate's PPMatrix cell with exponent 1) or 1 when the field
 * equals a category (a CategoricalPredictor, a factor's cell). A term
 * contributes coef (basis(x) - mean of basis over the background) to its
 * field's contribution (for a categorical field: its coefficient for the
 * row's category minus the background's mean coefficient); without a
 * background the means are 0. The bias is the margin at those means.
 * Margins: a regression's predictor; a RegressionModel classifier's table
 * per category; a GeneralRegression multinomial's per category (the
 * reference's is 0), an ordinal's per cumulative category (all but the
 * last), a binary generalized linear model's one predictor. All before
 * normalizationMethod / the link, and before Targets.
 *
 * The mining schema's missingValueReplacement is applied as the scorer
 * does; a value still missing makes its field's contribution and the
 * margins NaN, as the scorer's result is missing. A category the model
 * does not name matches no term (its contribution is minus the mean).
 * Refused with FAILED_PRECONDITION naming the element: PredictorTerms,
 * exponents other than 1, a parameter over two fields, a predictor on a
 * DerivedField, outlier treatment, an offsetVariable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain_linear.h"
#include "pmml.h"

typedef struct {
	int k;           /* margin */
	int feat;
	bool cat;        /* basis: [x == value], else x */
	bool num_cmp;    /* categories compared as numbers (RegressionModel on a numeric field) */
	pv value;
	double coef;
	double mean;     /* of the basis over the background */
} pterm;

typedef struct {
	const pdoc *d;
	int n_feat;
	int *field;      /* per feature: its field */
	int *input;      /* per feature: the model input carrying it */
	pv *repl;        /* per feature: missingValueReplacement, or MISSING */
	size_t n_terms;
	pterm *t;
	double *b;       /* K intercepts */
	double *bias;    /* K */
} pxlin;

static void pl_free(sc_xeng *e)
{
	pxlin *l = e->impl;
	if (l) {
		free(l->field);
		free(l->input);
		free(l->repl);
		free(l->t);
		free(l->b);
		free(l->bias);
		free(l);
	}
	mlmd__sc_xeng_free_common(e);
}

static int refuse(const pmodel *m, const char *what)
{
	return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML %s%s%s: %s; explanations need a linear predictor of the input "
		"fields", m->kind == M_REGRESSION ? "RegressionModel" : "GeneralRegressionModel", m->name ? " " : "",
		m->name ? m->name : "", what);
}

/* The feature of field f (added on first use), or a negative status. */
static int feature_of(const mlmd_model *mm, pxlin *l, const pmodel *m, int f)
{
	for (int j = 0; j < l->n_feat; j++)
		if (l->field[j] == f)
			return j;
	const pfield *fd = &l->d->fields[f];
	char why[400];
	if (fd->derive) {
		snprintf(why, sizeof why, "its predictor field '%s' is a DerivedField, not an input field", fd->name);
		return refuse(m, why);
	}
	int in = -1;
	for (size_t i = 0; i < mm->n_inputs; i++)
		if (!strcmp(mm->inputs[i].name, fd->name))
			in = (int)i;
	if (in < 0) {
		snprintf(why, sizeof why, "its predictor field '%s' is not one of the model's inputs", fd->name);
		return refuse(m, why);
	}
	pv repl = MISSING;
	for (size_t i = 0; i < m->n_mf; i++)
		if (m->mf[i].field == f) {
			if (m->mf[i].outliers) {
				snprintf(why, sizeof why, "MiningField '%s' treats outliers (%s)", fd->name,
					m->mf[i].outliers == 1 ? "asMissingValues" : "asExtremeValues");
				return refuse(m, why);
			}
			repl = m->mf[i].replacement;
		}
	l->field[l->n_feat] = f;
	l->input[l->n_feat] = in;
	l->repl[l->n_feat] = repl;
	return l->n_feat++;
}

static int add_term(const mlmd_model *mm, pxlin *l, const pmodel *m, int k, int f, bool cat, pv value, double coef)
{
	int j = feature_of(mm, l, m, f);
	if (j < 0)
		return j;
	l->t[l->n_terms++] = (pterm){ .k = k, .feat = j, .cat = cat, .value = value, .coef = coef,
		.num_cmp = m->kind == M_REGRESSION && l->d->fields[f].kind == F_DOUBLE };
	return 0;
}

/* Field j's value in row r of the inputs, after the mining schema's replacement. */
static pv row_value(const pxlin *l, const mlmd_tensor *in, int j, int64_t r)
{
	const pfield *fd = &l->d->fields[l->field[j]];
	const mlmd_tensor *t = &in[l->input[j]];
	pv v = MISSING;
	if (t->dtype == MLMD_DTYPE_STRING) {
		const char *s = ((const char *const *)t->data)[r];
		if (s && s[0])
			v = fd->kind == F_DOUBLE ? constant(l->d, s, F_DOUBLE) : (pv){ PV_STR, 0, s };
	} else {
		v = num(mlmd__sc_getd(t, r));
	}
	if (fd->is_float && v.t == PV_NUM)
		v.d = (float)v.d;
	if (v.t == PV_MISSING)
		v = l->repl[j];
	return v;
}

/* A term's basis at value v; NaN when v is missing (or not a number for a numeric term). */
static double basis(const pterm *t, pv v)
{
	if (v.t == PV_MISSING)
		return NAN;
	if (t->cat) {
		int ok;
		return cmp_values(v, t->value, t->num_cmp, &ok) == 0 && ok ? 1 : 0;
	}
	double x;
	return as_num(v, &x) ? x : NAN;
}

static int pl_check_inputs(const pxlin *l, const mlmd_tensor *in, size_t n_in, int64_t n)
{
	for (int j = 0; j < l->n_feat; j++) {
		if ((size_t)l->input[j] >= n_in)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d is missing", l->input[j]);
		const mlmd_tensor *t = &in[l->input[j]];
		int dt = t->dtype;
		if (dt != MLMD_DTYPE_STRING && dt != MLMD_DTYPE_FLOAT && dt != MLMD_DTYPE_DOUBLE && !mlmd__sc_is_int(dt))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d has element type %s", l->input[j],
				mlmd__sc_dtype_name(dt));
		if (t->rank < 1 || t->rank > 2 || t->dims[0] != n || (t->rank == 2 && t->dims[1] != 1))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d must be [N] or [N, 1] with %lld rows", l->input[j],
				(long long)n);
	}
	return 0;
}

static int pl_run(const sc_xeng *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs, int64_t n,
	double *out, double *margins)
{
	(void)ctx;
	const pxlin *l = e->impl;
	int K = e->n_outputs;
	int64_t F = l->n_feat;
	int rc = pl_check_inputs(l, inputs, n_inputs, n);
	if (rc)
		return rc;
	for (int64_t r = 0; r < n; r++) {
		double *o = out + (size_t)r * (size_t)K * (size_t)(F + 1);
		for (int k = 0; k < K; k++) {
			for (int64_t j = 0; j < F; j++)
				o[k * (F + 1) + j] = 0;
			o[k * (F + 1) + F] = l->bias[k];
			if (margins)
				margins[r * K + k] = l->b[k];
		}
		for (size_t i = 0; i < l->n_terms; i++) {
			const pterm *t = &l->t[i];
			double x = basis(t, row_value(l, inputs, t->feat, r));
			o[t->k * (F + 1) + t->feat] += t->coef * (x - t->mean);
			if (margins)
				margins[r * K + t->k] += t->coef * x;
		}
	}
	return 0;
}

static int pl_background(pxlin *l, const mlmd_tensor *bg, size_t n_bg)
{
	int64_t rows = n_bg ? bg[0].dims[0] : 0;
	int rc = pl_check_inputs(l, bg, n_bg, rows);
	if (rc)
		return mlmd__context(rc, "background");
	for (size_t i = 0; i < l->n_terms; i++) {
		pterm *t = &l->t[i];
		double s = 0, c = 0;
		for (int64_t r = 0; r < rows; r++) {
			double x = basis(t, row_value(l, bg, t->feat, r));
			if (isinf(x)) /* the mean, the bias and every contribution of the term would be */
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "background row %lld: field '%s' is infinite (a "
					"missing value is NaN or an empty cell)", (long long)(r + 1),
					l->d->fields[l->field[t->feat]].name);
			if (x == x)
				s += x, c++;
		}
		t->mean = c ? s / c : 0;
		if (!isfinite(t->mean))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "background: the values of field '%s' overflow their sum",
				l->d->fields[l->field[t->feat]].name);
	}
	return 0;
}

/* The terms of a RegressionModel. */
static int regression_terms(const mlmd_model *mm, pxlin *l, const pmodel *m, int *K, char ***labels)
{
	const regbody *b = m->body;
	*K = m->classification ? (int)b->n : 1;
	for (size_t i = 0; i < (size_t)*K; i++) {
		const rtable *t = &b->t[i];
		if (t->n_terms)
			return refuse(m, "a RegressionTable has PredictorTerms (products of fields)");
		l->b[i] = t->intercept;
		for (size_t p = 0; p < t->n_num; p++) {
			if (t->num_exp[p] != 1) {
				char why[300];
				snprintf(why, sizeof why, "NumericPredictor '%s' has exponent %g", l->d->fields[t->num_field[p]].name,
					t->num_exp[p]);
				return refuse(m, why);
			}
			int rc = add_term(mm, l, m, (int)i, t->num_field[p], false, MISSING, t->num_coef[p]);
			if (rc)
				return rc;
		}
		for (size_t p = 0; p < t->n_cat; p++) {
			int rc = add_term(mm, l, m, (int)i, t->cat_field[p], true, t->cat_value[p], t->cat_coef[p]);
			if (rc)
				return rc;
		}
	}
	if (m->classification) {
		*labels = calloc((size_t)*K, sizeof **labels);
		if (!*labels)
			return MLMD_OOM();
		for (int i = 0; i < *K; i++)
			if (!((*labels)[i] = strdup(b->t[i].cls >= 0 ? m->cls[b->t[i].cls] : "")))
				return MLMD_OOM();
	}
	return 0;
}

/* The terms of a GeneralRegressionModel; margin k's betas are those of
 * category cls[k] (or of every category when cls[k] is -2). */
static int general_terms(const mlmd_model *mm, pxlin *l, const pmodel *m, int *K, char ***labels)
{
	const grmbody *g = m->body;
	if (g->offset_field >= 0)
		return refuse(m, "it has an offsetVariable");
	int cls[4096];
	if (!m->classification) {
		*K = 1;
		cls[0] = -2;
	} else if (g->type == G_LINEAR) {
		*K = 1;
		cls[0] = g->ref_cls == 0 ? 1 : 0;
	} else if (m->n_cls > sizeof cls / sizeof *cls) {
		return refuse(m, "it has too many categories");
	} else {
		*K = g->type == G_ORDINAL ? (int)m->n_cls - 1 : (int)m->n_cls;
		for (int k = 0; k < *K; k++)
			cls[k] = k;
	}
	/* each parameter: at most one cell (a field), exponent 1 */
	int *cell_of = malloc((g->n_params + 1) * sizeof *cell_of);
	if (!cell_of)
		return MLMD_OOM();
	for (size_t p = 0; p < g->n_params; p++)
		cell_of[p] = -1;
	int rc = 0;
	for (size_t c = 0; c < g->n_cells && !rc; c++) {
		int p = g->cell_param[c];
		if (cell_of[p] >= 0)
			rc = refuse(m, "a PPMatrix parameter multiplies two fields (an interaction)");
		else if (!g->cell_factor[c] && g->cell_value[c].d != 1)
			rc = refuse(m, "a PPMatrix covariate cell has an exponent other than 1");
		cell_of[p] = (int)c;
	}
	for (int k = 0; k < *K && !rc; k++) {
		l->b[k] = g->offset_value;
		/* the reference category (multinomial): the scorer takes its predictor as 0 */
		bool ref = m->classification && g->type != G_ORDINAL && cls[k] == g->ref_cls;
		for (size_t i = 0; i < g->n_beta && !rc && !ref; i++) {
			if (!(cls[k] == -2 || g->beta_cls[i] == -1 || g->beta_cls[i] == cls[k]))
				continue;
			int c = cell_of[g->beta_param[i]];
			if (c < 0)
				l->b[k] += g->beta[i];
			else
				rc = add_term(mm, l, m, k, g->cell_field[c], g->cell_factor[c], g->cell_value[c], g->beta[i]);
		}
	}
	free(cell_of);
	if (!rc && m->classification && *K > 1) {
		*labels = calloc((size_t)*K, sizeof **labels);
		if (!*labels)
			return MLMD_OOM();
		for (int k = 0; k < *K; k++)
			if (!((*labels)[k] = strdup(m->cls[cls[k]])))
				return MLMD_OOM();
	}
	return rc;
}

int mlmd__sc_xeng_pmml_linear(sc_xeng **out, const mlmd_model *mm, const mlmd_tensor *background, size_t n_background)
{
	if (mm->n_nodes != 1)
		return 1;
	const pdoc *d = mm->nodes[0].attr; /* the PMML op's attributes start with its document */
	const pmodel *m = d->top;
	if (!m || (m->kind != M_REGRESSION && m->kind != M_GENERAL))
		return 1;
	size_t most = 0, n_margins = m->n_cls + 1; /* terms: at most one per predictor, or beta and margin */
	if (m->kind == M_REGRESSION) {
		const regbody *b = m->body;
		for (size_t i = 0; i < b->n; i++)
			most += b->t[i].n_num + b->t[i].n_cat;
		n_margins += b->n;
	} else {
		const grmbody *g = m->body;
		most = g->n_beta * (m->n_cls + 1);
	}
	sc_xeng *e = calloc(1, sizeof *e);
	pxlin *l = calloc(1, sizeof *l);
	if (!e || !l) {
		free(e);
		free(l);
		return MLMD_OOM();
	}
	e->impl = l;
	e->free = pl_free;
	e->method = "linear";
	e->run = pl_run;
	l->d = d;
	size_t nf = (size_t)d->n_fields + 1;
	l->field = malloc(nf * sizeof *l->field);
	l->input = malloc(nf * sizeof *l->input);
	l->repl = malloc(nf * sizeof *l->repl);
	l->t = malloc((most + 1) * sizeof *l->t);
	l->b = calloc(n_margins + 1, sizeof *l->b);
	int K = 0;
	char **labels = NULL;
	int rc = l->field && l->input && l->repl && l->t && l->b ? 0 : MLMD_OOM();
	if (!rc)
		rc = m->kind == M_REGRESSION ? regression_terms(mm, l, m, &K, &labels) : general_terms(mm, l, m, &K, &labels);
	e->n_outputs = K;
	e->output_labels = labels;
	if (!rc && background && n_background)
		rc = pl_background(l, background, n_background);
	if (!rc) {
		e->n_features = l->n_feat;
		e->feature_names = calloc((size_t)l->n_feat + 1, sizeof *e->feature_names);
		l->bias = calloc((size_t)K + 1, sizeof *l->bias);
		rc = e->feature_names && l->bias ? 0 : MLMD_OOM();
		for (int j = 0; !rc && j < l->n_feat; j++)
			if (!(e->feature_names[j] = strdup(d->fields[l->field[j]].name)))
				rc = MLMD_OOM();
	}
	if (!rc) {
		for (int k = 0; k < K; k++)
			l->bias[k] = l->b[k];
		for (size_t i = 0; i < l->n_terms; i++)
			l->bias[l->t[i].k] += l->t[i].coef * l->t[i].mean;
	}
	if (rc) {
		pl_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/*
 * scorer/pmml_general.c - GeneralRegressionModel (regression, general and
 * generalized linear models, multinomial and ordinal logistic), compiled and
 * evaluated.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"



/* ---- evaluating ---------------------------------------------------------------------------------- */

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

void mlmd__pmml_eval_general(rowctx *rc, const pmodel *m, pres *r)
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

/* ---- compiling ----------------------------------------------------------------------------------- */

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
			return mlmd__pmml_bad(n, "targetReferenceCategory '%s' is not one of the target's categories", ref);
	} else if (n_named == 0 && g->type == G_LINEAR) {
		g->ref_cls = (int)K - 1;
	} else if (n_named + 1 == K) {
		for (size_t k = 0; k < K && g->ref_cls < 0; k++)
			if (!named[k])
				g->ref_cls = (int)k;
	} else if (n_named == K) {
		return mlmd__pmml_bad(n, "every target category has PCells, so the reference category is not known: name it with "
			"targetReferenceCategory");
	}
	for (size_t i = 0; i < g->n_beta; i++)
		if (g->beta_cls[i] == g->ref_cls && g->beta[i] != 0)
			return mlmd__pmml_bad(n, "the reference category '%s' has a non-zero PCell (its parameters are 0 by definition)",
				cls_name(m, g->ref_cls));
	for (size_t k = 0; k < K; k++)
		if ((int)k != g->ref_cls && !named[k] && !(untargeted && g->type == G_LINEAR))
			return mlmd__pmml_bad(n, "target category '%s' has no PCell in the ParamMatrix (only the reference category may "
				"have none)", m->cls[k]);
	return 0;
}

int mlmd__pmml_compile_general(pdoc *d, const px *n, pmodel *m)
{
	grmbody *g = mlmd__sc_alloc(d->pool, sizeof *g);
	if (!g)
		return MLMD_OOM();
	m->body = g;
	const char *mt = mlmd__px_attr(n, "modelType");
	if (!mt)
		return mlmd__pmml_bad(n, "missing attribute 'modelType'");
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
		return mlmd__pmml_bad(n, "modelType '%s' needs functionName=\"classification\"", mt);
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
			return mlmd__pmml_bad(n, "an ordinalMultinomial model needs cumulativeLink (logit, probit, cloglog, loglog or "
				"cauchit), got '%s'", cl ? cl : "");
	}
	g->offset_field = -1;
	if (mlmd__px_attr(n, "offsetVariable")) {
		int rc = mlmd__pmml_resolve(d, n, "offsetVariable", &g->offset_field);
		if (rc)
			return rc;
	}
	parse_double(mlmd__px_attr(n, "offsetValue"), &g->offset_value);
	const px *pl = mlmd__px_child(n, "ParameterList");
	if (!pl)
		return mlmd__pmml_bad(n, "needs a ParameterList");
	for (const px *p = mlmd__px_child(pl, "Parameter"); p; p = mlmd__px_next(p, "Parameter"))
		g->n_params++;
	m->body_need = (int)g->n_params;
	strmap params, factors;
	int rc = mlmd__pmml_strmap_init(d->tmp, &params, g->n_params);
	size_t i = 0;
	for (const px *p = mlmd__px_child(pl, "Parameter"); !rc && p; p = mlmd__px_next(p, "Parameter"), i++) {
		if (!mlmd__px_attr(p, "name"))
			return mlmd__pmml_bad(p, "missing attribute 'name'");
		if (mlmd__pmml_strmap_put(&params, mlmd__px_attr(p, "name"), (int)i) >= 0)
			return mlmd__pmml_bad(p, "parameter '%s' is listed twice", mlmd__px_attr(p, "name"));
	}
	/* factors by name; a factor coded through a contrast matrix is not supported (read as indicators it would
	 * give wrong answers) */
	const px *fl = mlmd__px_child(n, "FactorList");
	size_t nf = 0;
	for (const px *f = fl ? mlmd__px_child(fl, "Predictor") : NULL; f; f = mlmd__px_next(f, "Predictor"))
		nf++;
	if (!rc)
		rc = mlmd__pmml_strmap_init(d->tmp, &factors, nf);
	for (const px *f = fl ? mlmd__px_child(fl, "Predictor") : NULL; !rc && f; f = mlmd__px_next(f, "Predictor")) {
		if (mlmd__px_child(f, "Matrix"))
			return mlmd__pmml_unsupported(f, "a factor coded by a contrast Matrix");
		if (mlmd__px_attr(f, "name"))
			mlmd__pmml_strmap_put(&factors, mlmd__px_attr(f, "name"), 1);
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
		int pi = mlmd__pmml_strmap_get(&params, mlmd__px_attr(c, "parameterName"));
		if (pi < 0 || !pred || !v)
			return mlmd__pmml_bad(c, "needs a known parameterName, a predictorName and a value");
		if (mlmd__px_attr(c, "targetCategory"))
			return mlmd__pmml_unsupported(c, "a PPCell for one target category");
		g->cell_param[i] = pi;
		if ((rc = mlmd__pmml_resolve(d, c, "predictorName", &g->cell_field[i])))
			return rc;
		bool factor = mlmd__pmml_strmap_get(&factors, pred) >= 0;
		g->cell_factor[i] = factor;
		g->cell_value[i] = factor ? constant(d, pstrdup(d, v), d->fields[g->cell_field[i]].kind) : constant(d, pstrdup(d, v), F_DOUBLE);
		if (!factor && g->cell_value[i].t != PV_NUM)
			return mlmd__pmml_bad(c, "a covariate's value (its exponent) must be a number");
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
		int pi = mlmd__pmml_strmap_get(&params, mlmd__px_attr(c, "parameterName"));
		if (pi < 0 || !parse_double(mlmd__px_attr(c, "beta"), &g->beta[i]))
			return mlmd__pmml_bad(c, "needs a known parameterName and a numeric beta");
		g->beta_param[i] = pi;
		g->beta_cls[i] = -1;
		const char *tc = mlmd__px_attr(c, "targetCategory");
		if (tc && m->classification && (g->beta_cls[i] = mlmd__pmml_add_class(d, m, tc)) < 0)
			return g->beta_cls[i];
		if (!tc && g->type == G_MULTINOMIAL)
			return mlmd__pmml_bad(c, "a multinomialLogistic PCell needs targetCategory");
	}
	g->ref_cls = -1;
	if (!m->classification)
		return 0;
	if (g->type == G_REGRESSION)
		return mlmd__pmml_bad(n, "modelType 'regression' needs functionName=\"regression\"");
	if (mlmd__px_attr(n, "targetReferenceCategory") && (rc = mlmd__pmml_add_class(d, m, mlmd__px_attr(n, "targetReferenceCategory"))) < 0)
		return rc;
	if (g->type == G_LINEAR && m->n_cls != 2)
		return mlmd__pmml_bad(n, "a %s classifier needs exactly two target categories (a binomial model), it has %zu", mt,
			m->n_cls);
	if (g->type == G_ORDINAL) {
		/* the categories in the target's order; each but the last has its own intercept PCell */
		if (m->n_cls < 2)
			return mlmd__pmml_bad(n, "an ordinalMultinomial model needs at least two target categories");
		for (size_t k = 0; k + 1 < m->n_cls; k++) {
			bool has = false;
			for (size_t b = 0; b < g->n_beta; b++)
				has |= g->beta_cls[b] == (int)k;
			if (!has)
				return mlmd__pmml_bad(n, "target category '%s' has no intercept PCell", m->cls[k]);
		}
		for (size_t b = 0; b < g->n_beta; b++)
			if (g->beta_cls[b] == (int)m->n_cls - 1 && g->beta[b] != 0)
				return mlmd__pmml_bad(n, "the last target category '%s' has a non-zero PCell (its cumulative probability "
					"is 1)", m->cls[m->n_cls - 1]);
		return 0;
	}
	return grm_reference(d, n, m, g);
}

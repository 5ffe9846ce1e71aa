/*
 * scorer/pmml_bayes.c - NaiveBayesModel: counts and Gaussian inputs, compiled
 * and evaluated.
 */
#include <math.h>
#include "pmml.h"

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

/* ---- evaluating ---------------------------------------------------------------------------------- */

void mlmd__pmml_eval_bayes(rowctx *rc, const pmodel *m, pres *r)
{
	const nbbody *b = m->body;
	double *lp = r->p;
	for (size_t k = 0; k < m->n_cls; k++)
		lp[k] = log(b->prior[k] > 0 ? b->prior[k] : b->threshold);
	for (size_t i = 0; i < b->n; i++) {
		const nbinput *in = &b->in[i];
		pv v = in->derive ? mlmd__pmml_eval_expr(rc, in->derive) : field_value(rc, in->field);
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

/* ---- compiling ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_bayes(pdoc *d, const px *n, pmodel *m)
{
	nbbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	if (!parse_double(mlmd__px_attr(n, "threshold"), &b->threshold))
		return mlmd__pmml_bad(n, "threshold must be a number");
	const px *out = mlmd__px_child(n, "BayesOutput"), *ins = mlmd__px_child(n, "BayesInputs");
	const px *tvc = out ? mlmd__px_child(out, "TargetValueCounts") : NULL;
	if (!tvc || !ins)
		return mlmd__pmml_bad(n, "needs BayesInputs and BayesOutput/TargetValueCounts");
	int rc = 0;
	for (const px *c = mlmd__px_child(tvc, "TargetValueCount"); c; c = mlmd__px_next(c, "TargetValueCount"))
		if (!mlmd__px_attr(c, "value") || (rc = mlmd__pmml_add_class(d, m, mlmd__px_attr(c, "value"))) < 0)
			return mlmd__px_attr(c, "value") ? rc : mlmd__pmml_bad(c, "missing attribute 'value'");
	/* classes may grow with the inputs' counts; size arrays after a first pass */
	for (const px *in = mlmd__px_child(ins, "BayesInput"); in; in = mlmd__px_next(in, "BayesInput")) {
		b->n++;
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts")) {
			const px *t = mlmd__px_child(pc, "TargetValueCounts");
			for (const px *c = t ? mlmd__px_child(t, "TargetValueCount") : NULL; c; c = mlmd__px_next(c, "TargetValueCount"))
				if (mlmd__px_attr(c, "value") && (rc = mlmd__pmml_add_class(d, m, mlmd__px_attr(c, "value"))) < 0)
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
			return mlmd__pmml_bad(c, "count must be a number");
		b->prior[mlmd__pmml_add_class(d, m, mlmd__px_attr(c, "value"))] = cnt;
	}
	size_t i = 0;
	for (const px *in = mlmd__px_child(ins, "BayesInput"); in; in = mlmd__px_next(in, "BayesInput"), i++) {
		nbinput *bi = &b->in[i];
		if ((rc = mlmd__pmml_resolve(d, in, "fieldName", &bi->field)))
			return rc;
		const px *df = mlmd__px_child(in, "DerivedField");
		if (df && mlmd__pmml_expr_child(df) && (rc = mlmd__pmml_compile_expr(d, mlmd__pmml_expr_child(df), &bi->derive)))
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
					return mlmd__pmml_unsupported(s, "a distribution other than GaussianDistribution");
				int k = mlmd__px_attr(s, "value") ? mlmd__pmml_add_class(d, m, mlmd__px_attr(s, "value")) : -1;
				if (k < 0 || (size_t)k >= K || !parse_double(mlmd__px_attr(g, "mean"), &bi->mean[k]) ||
					!parse_double(mlmd__px_attr(g, "variance"), &bi->var[k]))
					return mlmd__pmml_bad(s, "needs a known value and a numeric mean and variance");
			}
			continue;
		}
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts"))
			bi->n_vals++;
		if ((rc = mlmd__pmml_check_table(d, in, bi->n_vals, K, sizeof(double), "the PairCounts (values x categories)")))
			return rc;
		bi->vals = mlmd__sc_alloc_array(d->pool, bi->n_vals + 1, sizeof(pv));
		bi->counts = mlmd__sc_alloc_array(d->pool, bi->n_vals * K + 1, sizeof(double));
		if (!bi->vals || !bi->counts)
			return MLMD_OOM();
		size_t j = 0;
		for (const px *pc = mlmd__px_child(in, "PairCounts"); pc; pc = mlmd__px_next(pc, "PairCounts"), j++) {
			if (!mlmd__px_attr(pc, "value"))
				return mlmd__pmml_bad(pc, "missing attribute 'value'");
			bi->vals[j] = constant(d, pstrdup(d, mlmd__px_attr(pc, "value")), bi->derive ? F_STRING : d->fields[bi->field].kind);
			const px *t = mlmd__px_child(pc, "TargetValueCounts");
			for (const px *c = t ? mlmd__px_child(t, "TargetValueCount") : NULL; c; c = mlmd__px_next(c, "TargetValueCount")) {
				double cnt;
				if (!parse_double(mlmd__px_attr(c, "count"), &cnt))
					return mlmd__pmml_bad(c, "count must be a number");
				bi->counts[j * K + (size_t)mlmd__pmml_add_class(d, m, mlmd__px_attr(c, "value"))] = cnt;
			}
		}
	}
	return 0;
}

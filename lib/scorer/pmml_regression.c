/*
 * scorer/pmml_regression.c - RegressionModel: regression tables, compiled and
 * evaluated.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"


enum { N_NONE, N_SIMPLEMAX, N_SOFTMAX, N_LOGIT, N_PROBIT, N_CLOGLOG, N_EXP, N_LOGLOG, N_CAUCHIT };
static const char *const NORMS[] = { "none", "simplemax", "softmax", "logit", "probit", "cloglog", "exp", "loglog",
	"cauchit", NULL };


/* ---- evaluating ---------------------------------------------------------------------------------- */

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

void mlmd__pmml_eval_regression(rowctx *rc, const pmodel *m, pres *r)
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

/* ---- compiling ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_regression(pdoc *d, const px *n, pmodel *m)
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
		return mlmd__pmml_bad(n, "unknown normalizationMethod '%s'", nm);
	for (const px *t = mlmd__px_child(n, "RegressionTable"); t; t = mlmd__px_next(t, "RegressionTable"))
		b->n++;
	if (b->n == 0 || (!m->classification && b->n != 1))
		return mlmd__pmml_bad(n, "needs %s RegressionTable", m->classification ? "at least one" : "exactly one");
	m->body_need = (int)b->n;
	b->t = mlmd__sc_alloc_array(d->pool, b->n, sizeof *b->t);
	if (!b->t)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *t = mlmd__px_child(n, "RegressionTable"); t; t = mlmd__px_next(t, "RegressionTable"), i++) {
		rtable *rt = &b->t[i];
		if (!parse_double(mlmd__px_attr(t, "intercept"), &rt->intercept))
			return mlmd__pmml_bad(t, "intercept must be a number");
		if (m->classification) {
			const char *cat = mlmd__px_attr(t, "targetCategory");
			if (!cat)
				return mlmd__pmml_bad(t, "a classification RegressionTable needs targetCategory");
			if ((rt->cls = mlmd__pmml_add_class(d, m, cat)) < 0)
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
				return mlmd__pmml_unsupported(c, "this element in a RegressionTable");
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
				if ((rc = mlmd__pmml_resolve(d, c, "name", &rt->num_field[a])))
					return rc;
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->num_coef[a]))
					return mlmd__pmml_bad(c, "coefficient must be a number");
				if (!mlmd__px_attr(c, "exponent"))
					rt->num_exp[a] = 1;
				else if (!parse_double(mlmd__px_attr(c, "exponent"), &rt->num_exp[a]))
					return mlmd__pmml_bad(c, "exponent must be a number");
				a++;
			} else if (!strcmp(c->name, "CategoricalPredictor")) {
				if ((rc = mlmd__pmml_resolve(d, c, "name", &rt->cat_field[c2])))
					return rc;
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->cat_coef[c2]) || !mlmd__px_attr(c, "value"))
					return mlmd__pmml_bad(c, "needs a value and a numeric coefficient");
				rt->cat_value[c2] = constant(d, pstrdup(d, mlmd__px_attr(c, "value")), d->fields[rt->cat_field[c2]].kind);
				c2++;
			} else if (!strcmp(c->name, "PredictorTerm")) {
				if (!parse_double(mlmd__px_attr(c, "coefficient"), &rt->term_coef[tt]))
					return mlmd__pmml_bad(c, "coefficient must be a number");
				size_t k = 0;
				for (const px *f = mlmd__px_child(c, "FieldRef"); f; f = mlmd__px_next(f, "FieldRef"))
					k++;
				rt->term_fields[tt] = mlmd__sc_alloc_array(d->pool, k + 1, sizeof(int));
				if (!rt->term_fields[tt])
					return MLMD_OOM();
				k = 0;
				for (const px *f = mlmd__px_child(c, "FieldRef"); f; f = mlmd__px_next(f, "FieldRef"))
					if ((rc = mlmd__pmml_resolve(d, f, "field", &rt->term_fields[tt][k++])))
						return rc;
				rt->term_n[tt++] = k;
			}
		}
	}
	return 0;
}

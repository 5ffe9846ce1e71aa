/*
 * scorer/pmml_model.c - one model: its MiningSchema (the treatment of its
 * inputs), LocalTransformations, Targets and Output fields around the body
 * of its type, compiled and evaluated; and the document's scratch layout
 * once every model is compiled.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"

/* ---- evaluating ---------------------------------------------------------------------------------- */

/* Applies a MiningField's treatment to its (data) field's value. */
void mlmd__pmml_treat_field(rowctx *rc, const pmf *mf)
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

/* The model's MiningSchema treatment of its active fields, the first thing
 * evaluating it does (pmml_batch.c runs it for the models down to a batched
 * ensemble). */
void mlmd__pmml_treat_inputs(rowctx *rc, const pmodel *m)
{
	for (size_t i = 0; i < m->n_mf; i++)
		if (m->mf[i].usage == 0 && !m->mf[i].noop)
			mlmd__pmml_treat_field(rc, &m->mf[i]);
}

void mlmd__pmml_eval_model(rowctx *rc, const pmodel *m, pres *r)
{
	mlmd__pmml_treat_inputs(rc, m);
	mlmd__pmml_eval_treated(rc, m, r);
}

/* Model m on a row its MiningSchema treatment has been applied to (or is
 * known to leave as it is: a batched ensemble's segments, pmml_batch.c). */
void mlmd__pmml_eval_treated(rowctx *rc, const pmodel *m, pres *r)
{
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
	case M_REGRESSION: mlmd__pmml_eval_regression(rc, m, r); break;
	case M_TREE: mlmd__pmml_eval_tree(rc, m, r); break;
	case M_MINING: mlmd__pmml_eval_mining(rc, m, r); break;
	case M_GENERAL: mlmd__pmml_eval_general(rc, m, r); break;
	case M_NEURAL: mlmd__pmml_eval_neural(rc, m, r); break;
	case M_BAYES: mlmd__pmml_eval_bayes(rc, m, r); break;
	default: mlmd__pmml_eval_scorecard(rc, m, r);
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
		case OF_TRANSFORMED: v = o->expr ? mlmd__pmml_eval_expr(rc, o->expr) : MISSING; break;
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

/* ---- compiling ----------------------------------------------------------------------------------- */

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
			return mlmd__pmml_bad(f, "missing attribute 'name'");
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
		of->value = v ? (pv){ PV_STR, 0, pstrdup(d, v) } : MISSING;
		of->rank = 1;
		if (mlmd__px_attr(f, "rank")) {
			double r;
			if (!parse_double(mlmd__px_attr(f, "rank"), &r) || r < 1)
				return mlmd__pmml_bad(f, "rank must be a positive number");
			of->rank = (int)r;
		}
		if (mlmd__px_attr(f, "segmentId"))
			return mlmd__pmml_unsupported(f, "segmentId");
		if (of->feature == OF_TRANSFORMED) {
			const px *ex = mlmd__pmml_expr_child(f);
			if (!ex)
				return mlmd__pmml_bad(f, "a transformedValue needs an expression");
			if ((rc = mlmd__pmml_compile_expr(d, ex, &of->expr)))
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
		if ((rc = mlmd__pmml_add_field(d, pstrdup(d, name), kind, &of->field)))
			return rc;
	}
	return 0;
}

int mlmd__pmml_compile_model(pdoc *d, const px *n, pmodel **out, const pmodel *parent)
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
		return mlmd__pmml_bad(n, "the model is marked isScorable=\"false\"");
	const char *fn = mlmd__px_attr(n, "functionName");
	if (!fn || (strcmp(fn, "classification") && strcmp(fn, "regression")))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s functionName=\"%s\">: only classification and "
			"regression are supported", n->line, n->name, fn ? fn : "");
	m->classification = !strcmp(fn, "classification");
	m->name = pstrdup(d, mlmd__px_attr(n, "modelName"));
	m->target = -1;
	int rc = 0;
	const px *ms = mlmd__px_child(n, "MiningSchema");
	if (!ms)
		return mlmd__pmml_bad(n, "a model needs a MiningSchema");
	for (const px *f = mlmd__px_child(ms, "MiningField"); f; f = mlmd__px_next(f, "MiningField"))
		m->n_mf++;
	m->mf = mlmd__sc_alloc_array(d->pool, m->n_mf + 1, sizeof *m->mf);
	if (!m->mf)
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(ms, "MiningField"); f; f = mlmd__px_next(f, "MiningField"), i++) {
		pmf *mf = &m->mf[i];
		if ((rc = mlmd__pmml_resolve(d, f, "name", &mf->field)))
			return rc;
		const char *u = mlmd__px_attr(f, "usageType");
		mf->usage = !u || !strcmp(u, "active") ? 0 : (!strcmp(u, "predicted") || !strcmp(u, "target")) ? 1 : 2;
		if (mf->usage == 1 && m->target < 0)
			m->target = mf->field;
		int kind = d->fields[mf->field].kind;
		const char *rep = mlmd__px_attr(f, "missingValueReplacement");
		mf->replacement = rep ? constant(d, pstrdup(d, rep), kind) : MISSING;
		const char *mt = mlmd__px_attr(f, "missingValueTreatment");
		if (mt && !strcmp(mt, "returnInvalid"))
			return mlmd__pmml_unsupported(f, "missingValueTreatment=\"returnInvalid\"");
		const char *iv = mlmd__px_attr(f, "invalidValueTreatment");
		mf->invalid = !iv || !strcmp(iv, "returnInvalid") ? TR_INVALID : !strcmp(iv, "asIs") ? TR_AS_IS :
			!strcmp(iv, "asMissing") ? TR_MISSING : !strcmp(iv, "asValue") ? TR_VALUE : -1;
		if (mf->invalid < 0)
			return mlmd__pmml_bad(f, "unknown invalidValueTreatment '%s'", iv);
		const char *ivr = mlmd__px_attr(f, "invalidValueReplacement");
		mf->invalid_value = ivr ? constant(d, pstrdup(d, ivr), kind) : MISSING;
		const char *ol = mlmd__px_attr(f, "outliers");
		mf->outliers = ol && !strcmp(ol, "asMissingValues") ? 1 : ol && !strcmp(ol, "asExtremeValues") ? 2 : 0;
		if (mf->outliers && (!parse_double(mlmd__px_attr(f, "lowValue"), &mf->low) ||
			!parse_double(mlmd__px_attr(f, "highValue"), &mf->high)))
			return mlmd__pmml_bad(f, "outliers treatment needs numeric lowValue and highValue");
		const pfield *fd = &d->fields[mf->field];
		mf->noop = mf->replacement.t == PV_MISSING && !mf->outliers && !fd->n_values && !fd->n_iv;
	}
	if (m->target < 0 && mlmd__px_attr(n, "targetFieldName"))
		m->target = mlmd__pmml_field_id(d, mlmd__px_attr(n, "targetFieldName"));
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
			if (tf->vprop[k] == 0 && (rc = mlmd__pmml_add_class(d, m, tf->values[k])) < 0)
				return rc;
	}
	const px *lt = mlmd__px_child(n, "LocalTransformations");
	for (const px *df = lt ? mlmd__px_child(lt, "DerivedField") : NULL; df; df = mlmd__px_next(df, "DerivedField"))
		if ((rc = mlmd__pmml_compile_derived(d, df)))
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
			return mlmd__pmml_bad(t, "unknown castInteger '%s'", ci);
		if (m->classification)
			for (const px *tv = mlmd__px_child(t, "TargetValue"); tv; tv = mlmd__px_next(tv, "TargetValue"))
				if (mlmd__px_attr(tv, "value") && (rc = mlmd__pmml_add_class(d, m, mlmd__px_attr(tv, "value"))) < 0)
					return rc;
	}
	switch (m->kind) {
	case M_REGRESSION: rc = mlmd__pmml_compile_regression(d, n, m); break;
	case M_TREE: rc = mlmd__pmml_compile_tree(d, n, m); break;
	case M_MINING: rc = mlmd__pmml_compile_mining(d, n, m); break;
	case M_GENERAL: rc = mlmd__pmml_compile_general(d, n, m); break;
	case M_NEURAL: rc = mlmd__pmml_compile_neural(d, n, m); break;
	case M_BAYES: rc = mlmd__pmml_compile_bayes(d, n, m); break;
	default: rc = mlmd__pmml_compile_scorecard(d, n, m);
	}
	if (rc)
		return rc;
	if (m->classification && m->n_cls == 0)
		return mlmd__pmml_bad(n, "a classification model with no categories (no target values)");
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
int mlmd__pmml_finalize(pdoc *d, pmodel *m)
{
	m->scratch = d->n_scratch;
	d->n_scratch += (int)m->n_cls;
	int rc = 0;
	if (m->kind == M_TREE) {
		if ((rc = mlmd__pmml_tree_engine(d, m, m->body)))
			return rc;
		m->body_need = ((treebody *)m->body)->n_feat;
	}
	m->body_scratch = d->n_scratch;
	d->n_scratch += m->body_need;
	if (m->kind == M_MINING) {
		miningbody *b = m->body;
		for (size_t i = 0; i < b->n; i++) {
			pmodel *c = b->seg[i].model;
			if ((rc = mlmd__pmml_finalize(d, c)))
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

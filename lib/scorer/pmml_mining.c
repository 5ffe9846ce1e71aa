/*
 * scorer/pmml_mining.c - MiningModel: segmentation and the ways segments
 * combine, compiled and evaluated.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"

static const char *const METHODS[] = { "sum", "average", "weightedAverage", "median", "majorityVote",
	"weightedMajorityVote", "max", "selectFirst", "modelChain", "weightedSum", "weightedMedian", NULL };

/* ---- evaluating ---------------------------------------------------------------------------------- */

#define PREFETCH 4               /* batched ensembles: segments ahead whose tree node is prefetched */

/* A batched tree segment's result straight from the node its tree reached,
 * where that is short: a regression tree's score, a classification tree's
 * category (under a vote, where its probabilities are not read) or its
 * category and distribution (the other methods read both, never write
 * them). What evaluating the segment gives the loop below; false to
 * evaluate it. */
static bool leaf_result(rowctx *rc, const miningbody *b, const pmodel *sm, pres *sr)
{
	const treebody *t = sm->kind == M_TREE ? sm->body : NULL;
	if (!t || t->slot < 0 || sm->has_target_xf)
		return false;
	int leaf = (int)rc->leaves[t->slot];
	const tnode *nd = leaf >= 0 ? &t->nodes[leaf] : NULL;
	bool vote = b->method == MM_MAJORITY || b->method == MM_WMAJORITY;
	if (sm->classification && (b->method == MM_CHAIN || (nd && (nd->score.t == PV_MISSING || (!vote && nd->dist < 0)))))
		return false; /* (a category from the distribution, or probabilities from the category) */
	*sr = (pres){ .p = rc->scratch + sm->scratch, .value = nd ? nd->score : MISSING, .entity = nd ? nd->id : NULL,
		.cls = nd && sm->classification ? nd->cls : -1, .confidence = NAN };
	if (sm->classification && !vote && nd) { /* the node's distribution, read in place (not written) */
		sr->p = t->probs + nd->dist;
		sr->has_p = true;
	}
	return true;
}

void mlmd__pmml_eval_mining(rowctx *rc, const pmodel *m, pres *r)
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
	/* A batched ensemble's row (pmml_batch.c): every predicate is True and every segment's treatment was
	 * found to leave the row as it is, so both are skipped. */
	bool batched = rc->leaves && rc->d->batch && rc->d->batch->ens == m;
	const pbatch *pb = batched ? rc->d->batch : NULL;
	for (size_t i = 0; i < b->n; i++) {
		const psegment *sg = &b->seg[i];
		if (pb && pb->seg_score) {
			/* a regression summing or averaging numeric scores (pmml_batch.c): the steps below, for a
			 * score read from the tables */
			int leaf = (int)rc->leaves[pb->seg_slot[i]];
			double x = leaf >= 0 ? pb->seg_score[i][leaf] : NAN;
			n_applied++;
			if (x != x) {
				n_missing++;
				if (b->missing == 2) {
					r->value = MISSING;
					return;
				}
				continue;
			}
			any = true;
			double w = b->method == MM_WAVERAGE || b->method == MM_WSUM ? sg->weight : 1;
			acc += w * x;
			total_w += w;
			continue;
		}
		if (!batched && mlmd__pmml_eval_pred(rc, sg->pred) != T_TRUE)
			continue;
		n_applied++;
		pres sr = { .p = rc->scratch + sg->model->scratch, .confidence = NAN };
		if (batched && i + PREFETCH < b->n) {
			/* the node a later tree reached is known: start loading it (nodes of big forests miss the cache) */
			const treebody *t = b->seg[i + PREFETCH].model->body;
			if (t->slot >= 0 && rc->leaves[t->slot] >= 0)
				__builtin_prefetch(&t->nodes[(int)rc->leaves[t->slot]]);
		}
		if (!batched || !leaf_result(rc, b, sg->model, &sr)) {
			if (batched)
				mlmd__pmml_eval_treated(rc, sg->model, &sr);
			else
				mlmd__pmml_eval_model(rc, sg->model, &sr);
		}
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

/* ---- compiling ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_mining(pdoc *d, const px *n, pmodel *m)
{
	miningbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	const px *sg = mlmd__px_child(n, "Segmentation");
	if (!sg)
		return mlmd__pmml_unsupported(n, "a MiningModel without Segmentation");
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
		return mlmd__pmml_bad(sg, "unknown missingPredictionTreatment '%s'", mp);
	b->missing_threshold = 1;
	const char *mt = mlmd__px_attr(sg, "missingThreshold");
	if (!mt)
		mt = mlmd__px_attr(sg, "x-missingThreshold");
	if (mt && !parse_double(mt, &b->missing_threshold))
		return mlmd__pmml_bad(sg, "missingThreshold must be a number");
	for (const px *s = mlmd__px_child(sg, "Segment"); s; s = mlmd__px_next(s, "Segment"))
		b->n++;
	if (b->n == 0)
		return mlmd__pmml_bad(sg, "no segments");
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
		const px *pr = mlmd__pmml_pred_child(s);
		if (!pr)
			return mlmd__pmml_bad(s, "a Segment needs a predicate");
		if ((rc = mlmd__pmml_compile_pred(d, pr, &seg->pred)))
			return rc;
		seg->weight = 1;
		if (mlmd__px_attr(s, "weight") && !parse_double(mlmd__px_attr(s, "weight"), &seg->weight))
			return mlmd__pmml_bad(s, "weight must be a number");
		const px *mod = NULL;
		for (const px *c = s->first; c && !mod; c = c->next)
			if (!c->foreign && strcmp(c->name, "Extension") && !mlmd__pmml_pred_child(c) && strcmp(c->name, "True") &&
				strcmp(c->name, "False") && strcmp(c->name, "SimplePredicate") &&
				strcmp(c->name, "SimpleSetPredicate") && strcmp(c->name, "CompoundPredicate"))
				mod = c;
		if (!mod)
			return mlmd__pmml_bad(s, "a Segment needs a model");
		bool known = false;
		for (int k = 0; models[k]; k++)
			known |= !strcmp(mod->name, models[k]);
		if (!known)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s>: model type not supported", mod->line,
				mod->name);
		if ((rc = mlmd__pmml_compile_model(d, mod, &seg->model, m)))
			return rc;
		if (m->classification && seg->model->classification)
			for (size_t k = 0; k < seg->model->n_cls; k++)
				if ((rc = mlmd__pmml_add_class(d, m, seg->model->cls[k])) < 0)
					return rc;
	}
	return 0;
}

/*
 * scorer/pmml_scorecard.c - Scorecard: characteristics, partial scores and
 * reason codes, compiled and evaluated.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"

typedef struct {
	size_t n_attr;
	ppred **pred;
	double *partial;
	const char **reason;     /* per attribute (inherits the characteristic's) */
	double baseline;
} pchar;

typedef struct {
	double initial;
	bool use_reasons, points_above;
	size_t n;
	pchar *ch;
} scbody;

/* ---- evaluating ---------------------------------------------------------------------------------- */

void mlmd__pmml_eval_scorecard(rowctx *rc, const pmodel *m, pres *r)
{
	const scbody *b = m->body;
	/* scratch: 4 regions of n doubles: differences, matched attribute, reasons, order */
	double score = b->initial, *diff = rc->scratch + m->body_scratch;
	int *which = (int *)(rc->scratch + m->body_scratch + b->n);
	for (size_t i = 0; i < b->n; i++) {
		const pchar *c = &b->ch[i];
		int hit = -1;
		for (size_t a = 0; a < c->n_attr && hit < 0; a++)
			if (mlmd__pmml_eval_pred(rc, c->pred[a]) == T_TRUE)
				hit = (int)a;
		if (hit < 0) {
			r->value = MISSING;
			return;
		}
		score += c->partial[hit];
		diff[i] = b->points_above ? c->partial[hit] - c->baseline : c->baseline - c->partial[hit];
		which[i] = hit;
	}
	r->value = num(score);
	r->n_reasons = 0;
	if (!b->use_reasons)
		return;
	/* rank characteristics by points difference, descending (stable); only positive ones count */
	const char **out = (const char **)(rc->scratch + m->body_scratch + 2 * b->n);
	int *order = (int *)(rc->scratch + m->body_scratch + 3 * b->n);
	for (size_t i = 0; i < b->n; i++)
		order[i] = (int)i;
	for (size_t i = 1; i < b->n; i++)
		for (size_t j = i; j > 0 && diff[order[j - 1]] < diff[order[j]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < b->n; i++) {
		int c = order[i];
		if (diff[c] <= 0)
			break;
		out[r->n_reasons++] = b->ch[c].reason[which[c]];
	}
	r->reasons = out;
}

/* ---- compiling ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_scorecard(pdoc *d, const px *n, pmodel *m)
{
	scbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	parse_double(mlmd__px_attr(n, "initialScore"), &b->initial);
	const char *ur = mlmd__px_attr(n, "useReasonCodes"), *alg = mlmd__px_attr(n, "reasonCodeAlgorithm");
	b->use_reasons = !ur || strcmp(ur, "false") != 0;
	b->points_above = alg && !strcmp(alg, "pointsAbove");
	double model_base = NAN;
	parse_double(mlmd__px_attr(n, "baselineScore"), &model_base);
	const px *chs = mlmd__px_child(n, "Characteristics");
	if (!chs)
		return mlmd__pmml_bad(n, "needs Characteristics");
	for (const px *c = mlmd__px_child(chs, "Characteristic"); c; c = mlmd__px_next(c, "Characteristic"))
		b->n++;
	m->body_need = 4 * (int)b->n; /* differences, matched attributes, reasons, order */
	b->ch = mlmd__sc_alloc_array(d->pool, b->n + 1, sizeof *b->ch);
	if (!b->ch)
		return MLMD_OOM();
	size_t i = 0;
	int rc = 0;
	for (const px *c = mlmd__px_child(chs, "Characteristic"); c; c = mlmd__px_next(c, "Characteristic"), i++) {
		pchar *ch = &b->ch[i];
		ch->baseline = model_base;
		parse_double(mlmd__px_attr(c, "baselineScore"), &ch->baseline);
		if (b->use_reasons && ch->baseline != ch->baseline)
			return mlmd__pmml_bad(c, "reason codes need a baselineScore (on the Characteristic or the Scorecard)");
		const char *cr = mlmd__px_attr(c, "reasonCode");
		for (const px *a = mlmd__px_child(c, "Attribute"); a; a = mlmd__px_next(a, "Attribute"))
			ch->n_attr++;
		ch->pred = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(ppred *));
		ch->partial = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(double));
		ch->reason = mlmd__sc_alloc_array(d->pool, ch->n_attr + 1, sizeof(char *));
		if (!ch->pred || !ch->partial || !ch->reason)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *a = mlmd__px_child(c, "Attribute"); a; a = mlmd__px_next(a, "Attribute"), k++) {
			if (mlmd__px_child(a, "ComplexPartialScore"))
				return mlmd__pmml_unsupported(mlmd__px_child(a, "ComplexPartialScore"), "ComplexPartialScore");
			const px *pr = mlmd__pmml_pred_child(a);
			if (!pr || !parse_double(mlmd__px_attr(a, "partialScore"), &ch->partial[k]))
				return mlmd__pmml_bad(a, "an Attribute needs a predicate and a numeric partialScore");
			if ((rc = mlmd__pmml_compile_pred(d, pr, &ch->pred[k])))
				return rc;
			const char *ar = mlmd__px_attr(a, "reasonCode");
			ch->reason[k] = pstrdup(d, ar ? ar : cr ? cr : "");
		}
	}
	return 0;
}

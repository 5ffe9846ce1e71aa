/*
 * scorer/pmml_run.c - the scorer op that runs a compiled PMML document over
 * the rows of a call: each row's inputs into the field frame, the top model
 * evaluated, its results into the outputs; a batched tree ensemble
 * (pmml_batch.c) scored a block of rows at a time first.
 */
#include <math.h>
#include <string.h>
#include "pmml.h"

/* A row context's arrays, from the score context's pool (for one call);
 * -1 when out of memory. */
int mlmd__pmml_rowctx_init(rowctx *rc, const pdoc *d, sc_pool *pool)
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
void mlmd__pmml_rowctx_next(rowctx *rc)
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
 * the block through the trees (rows with no missing feature through the
 * dense trees, the others through the engine's own compilation), by the
 * interleaved walk where one is built, else by the engine, on the score
 * context's threads. */
static int batch_block(batchbuf *bb, const pmml_attr *a, rowctx *rcx, sc_run *r, int64_t i0, int64_t nb)
{
	const pbatch *b = bb->b;
	int64_t nf = b->n_feat + 1, top = 0, bottom = nb;
	for (int64_t k = 0; k < nb; k++) {
		mlmd__pmml_rowctx_next(rcx);
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
	bool walk = !b->no_walk;
	if (top && walk && b->dense_walk)
		rc = mlmd__pmml_walk_score(b->dense_walk, r->ctx, bb->x, top, nf, bb->leaves);
	else if (top)
		rc = mlmd__sc_trees_score_ctx(b->dense, r->ctx, MLMD_DTYPE_DOUBLE, bb->x, top, nf, bb->leaves);
	if (!rc && bottom < nb && walk && b->eng_walk)
		rc = mlmd__pmml_walk_score(b->eng_walk, r->ctx, bb->x + bottom * nf, nb - bottom, nf,
			bb->leaves + bottom * b->n_trees);
	else if (!rc && bottom < nb)
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
	if (mlmd__pmml_rowctx_init(&rcx, d, &r->ctx->pool) || batch_init(&bb, d, &r->ctx->pool, rows))
		return MLMD_OOM();
	int64_t block = bb.b ? bb.block : rows;
	for (int64_t i0 = 0; i0 < rows; i0 += block) {
		int64_t nb = rows - i0 < block ? rows - i0 : block;
		if (bb.b && (rc = batch_block(&bb, a, &rcx, r, i0, nb)))
			return rc;
		for (int64_t k = 0; k < nb; k++) {
			int64_t i = i0 + k;
			mlmd__pmml_rowctx_next(&rcx);
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

const sc_op mlmd__pmml_op = {
	.domain = "pmml", .name = "PMML", .min_in = 0, .max_in = 4096, .min_out = 1, .max_out = 4096,
	.run = run_pmml, .out = SC_OUT_SET,
};


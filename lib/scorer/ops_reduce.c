/*
 * scorer/ops_reduce.c - ai.onnx's reductions: Softmax, LogSoftmax, ArgMax,
 * ReduceSum.
 */
#include <math.h>
#include "ops_common.h"

/* ---- Softmax, LogSoftmax, ArgMax, ReduceSum ----------------------------------------------- */

typedef struct {
	int64_t axis;
	int64_t keepdims;
	int64_t select_last;
	int64_t noop_empty;
	bool has_axes;
	size_t n_axes;
	const int64_t *axes;
	bool log;
} axis_attr;

static int prep_softmax_common(sc_node *n, sc_load *L, bool lg)
{
	axis_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	a->log = lg;
	n->attr = a;
	return mlmd__sc_get_int(n, L, "axis", n->opset >= 13 ? -1 : 1, &a->axis);
}
static int prep_softmax(sc_node *n, sc_load *L) { return prep_softmax_common(n, L, false); }
static int prep_logsoftmax(sc_node *n, sc_load *L) { return prep_softmax_common(n, L, true); }

static int run_softmax(const sc_node *n, sc_run *r)
{
	const axis_attr *a = n->attr;
	const tensor *x = r->in[0];
	int rc = need(n, x, 0, is_flt(x->dtype), "FLOAT or DOUBLE"), ax = 0;
	if (rc || (rc = norm_axis(n, a->axis, x->rank ? x->rank : 1, &ax)) ||
		(rc = mlmd__sc_out(n, r, 0, x->dtype, x->rank, x->dims)))
		return rc;
	/* Before opset 13 the input is coerced to 2-D at axis; from 13 the
	 * softmax runs along the one axis. Both are: outer x len x inner. */
	int64_t outer = 1, len = 1, inner = 1;
	for (int d = 0; d < x->rank; d++) {
		if (d < ax)
			outer *= x->dims[d];
		else if (d == ax || n->opset < 13)
			len *= x->dims[d];
		else
			inner *= x->dims[d];
	}
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in;
			double mx = -INFINITY, sum = 0;
			for (int64_t j = 0; j < len; j++) {
				double v = getd(x, base + j * inner);
				mx = v > mx ? v : mx;
			}
			for (int64_t j = 0; j < len; j++)
				sum += exp(getd(x, base + j * inner) - mx);
			for (int64_t j = 0; j < len; j++) {
				double v = getd(x, base + j * inner) - mx;
				double res = a->log ? v - log(sum) : exp(v) / sum;
				if (x->dtype == F)
					((float *)r->out[0]->data)[base + j * inner] = (float)res;
				else
					((double *)r->out[0]->data)[base + j * inner] = res;
			}
		}
	return 0;
}

static int prep_argmax(sc_node *n, sc_load *L)
{
	axis_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_int(n, L, "axis", 0, &a->axis);
	if (!rc)
		rc = mlmd__sc_get_int(n, L, "keepdims", 1, &a->keepdims);
	if (!rc)
		rc = mlmd__sc_get_int(n, L, "select_last_index", 0, &a->select_last);
	return rc;
}

static int run_argmax(const sc_node *n, sc_run *r)
{
	const axis_attr *a = n->attr;
	const tensor *x = r->in[0];
	int rc = need(n, x, 0, is_num(x->dtype), "a number type"), ax = 0;
	if (rc || (rc = norm_axis(n, a->axis, x->rank, &ax)))
		return rc;
	shape s = { 0, { 0 } };
	int64_t outer = 1, len = x->dims[ax], inner = 1;
	for (int d = 0; d < x->rank; d++) {
		if (d < ax)
			outer *= x->dims[d];
		if (d > ax)
			inner *= x->dims[d];
		if (d != ax)
			s.dims[s.rank++] = x->dims[d];
		else if (a->keepdims)
			s.dims[s.rank++] = 1;
	}
	if (len == 0)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "ArgMax over an empty axis");
	if ((rc = mlmd__sc_out(n, r, 0, I64, s.rank, s.dims)))
		return rc;
	int64_t *o = r->out[0]->data;
	for (int64_t p = 0; p < outer; p++)
		for (int64_t q = 0; q < inner; q++) {
			int64_t base = p * len * inner + q, best = 0;
			double bv = getd(x, base);
			for (int64_t j = 1; j < len; j++) {
				double v = getd(x, base + j * inner);
				if (v > bv || (a->select_last && v == bv)) {
					bv = v;
					best = j;
				}
			}
			o[p * inner + q] = best;
		}
	return 0;
}

static int prep_reduce(sc_node *n, sc_load *L)
{
	axis_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_int(n, L, "keepdims", 1, &a->keepdims);
	if (!rc)
		rc = mlmd__sc_get_int(n, L, "noop_with_empty_axes", 0, &a->noop_empty);
	if (!rc && n->opset < 13) {
		a->has_axes = mlmd__sc_has(n, L, "axes");
		rc = mlmd__sc_get_ints(n, L, "axes", &a->n_axes, &a->axes);
	}
	return rc;
}

static int run_reducesum(const sc_node *n, sc_run *r)
{
	const axis_attr *a = n->attr;
	const tensor *x = r->in[0];
	int rc = need(n, x, 0, is_num(x->dtype), "a number type");
	if (rc)
		return rc;
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na = 0;
	bool have = false;
	if (n->opset >= 13 && r->nin > 1 && r->in[1]) {
		if ((rc = axes_input(n, r->in[1], axes, &na)))
			return rc;
		have = true;
	} else if (n->opset < 13 && a->has_axes) {
		if (a->n_axes > MLMD_TENSOR_MAX_RANK)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "too many axes");
		sc_memcpy(axes, a->axes, a->n_axes * sizeof *axes);
		na = a->n_axes;
		have = true;
	}
	bool red[MLMD_TENSOR_MAX_RANK] = { false };
	if (!have || na == 0) {
		if (a->noop_empty) {
			*r->out[0] = *x;
			return 0;
		}
		for (int d = 0; d < x->rank; d++)
			red[d] = true;
	}
	for (size_t i = 0; i < na; i++) {
		int ax = 0;
		if ((rc = norm_axis(n, axes[i], x->rank, &ax)))
			return rc;
		red[ax] = true;
	}
	shape s = { 0, { 0 } };
	int64_t ostride[MLMD_TENSOR_MAX_RANK] = { 0 };
	for (int d = 0; d < x->rank; d++)
		if (!red[d] || a->keepdims)
			s.dims[s.rank++] = red[d] ? 1 : x->dims[d];
	if ((rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims)))
		return rc;
	/* strides of each input dim in the output (0 for reduced dims) */
	int64_t st = 1;
	for (int d = x->rank - 1; d >= 0; d--) {
		ostride[d] = red[d] ? 0 : st;
		if (!red[d])
			st *= x->dims[d];
	}
	int64_t m = mlmd__sc_numel(x), on = mlmd__sc_numel(r->out[0]);
	double *acc = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)on + 1, sizeof *acc);
	int64_t *iacc = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)on + 1, sizeof *iacc);
	if (!acc || !iacc)
		return MLMD_OOM();
	int64_t idx[MLMD_TENSOR_MAX_RANK] = { 0 }, off = 0;
	for (int64_t i = 0; i < m; i++) {
		if (mlmd__sc_is_int(x->dtype))
			iacc[off] = (int64_t)((uint64_t)iacc[off] + (uint64_t)geti(x, i));
		else
			acc[off] += getd(x, i);
		for (int d = x->rank - 1; d >= 0; d--) {
			off += ostride[d];
			if (++idx[d] < x->dims[d])
				break;
			off -= ostride[d] * idx[d];
			idx[d] = 0;
		}
	}
	for (int64_t i = 0; i < on; i++) {
		if (mlmd__sc_is_int(x->dtype))
			mlmd__sc_seti(r->out[0], i, iacc[i]);
		else
			mlmd__sc_setd(r->out[0], i, acc[i]);
	}
	return 0;
}

/* ---- the table ----------------------------------------------------------------------------------- */

const sc_op mlmd__sc_ops_reduce[] = {
	{ .domain = "", .name = "Softmax", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_softmax, .run = run_softmax, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "LogSoftmax", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_logsoftmax, .run = run_softmax, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "ArgMax", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_argmax, .run = run_argmax, .types = SC_T_NUM, .out = MLMD_DTYPE_INT64 },
	{ .domain = "", .name = "ReduceSum", .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
	  .prepare = prep_reduce, .run = run_reducesum, .types = SC_T_NUM, .out = SC_OUT_SAME },
	{ .name = NULL }
};

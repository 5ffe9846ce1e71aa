/*
 * scorer/ops_core.c - the ai.onnx operators the scorer supports.
 *
 * Element types: FLOAT, DOUBLE, INT32, INT64, BOOL, STRING (as each op
 * allows). Binary and ternary element-wise ops broadcast like numpy.
 * Integer arithmetic wraps (two's complement) instead of overflowing, and
 * integer division by zero is an error, so no input makes the C undefined.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sc.h"

#define F MLMD_DTYPE_FLOAT
#define D MLMD_DTYPE_DOUBLE
#define I32 MLMD_DTYPE_INT32
#define I64 MLMD_DTYPE_INT64
#define B MLMD_DTYPE_BOOL
#define S MLMD_DTYPE_STRING

static bool is_num(int dt) { return dt == F || dt == D || mlmd__sc_is_int(dt); }
static bool is_main(int dt) { return dt == F || dt == D || dt == I32 || dt == I64; }
static bool is_flt(int dt) { return dt == F || dt == D; }

static int need(const sc_node *n, const tensor *t, int k, bool ok, const char *want)
{
	if (ok)
		return 0;
	return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d has element type %s; expected %s", k,
		mlmd__sc_dtype_name(t->dtype), want);
}

#define getd mlmd__sc_getd
#define geti mlmd__sc_geti

/* Normalises axis a for rank r (negative counts from the end). */
static int norm_axis(const sc_node *n, int64_t a, int r, int *out)
{
	if (a < -r || a >= r)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "axis %lld is out of range for rank %d", (long long)a, r);
	*out = (int)(a < 0 ? a + r : a);
	return 0;
}

/* ---- broadcasting ---------------------------------------------------------------------- */

typedef struct {
	int rank;
	int64_t dims[MLMD_TENSOR_MAX_RANK];
} shape;

static int bcast_shape(const sc_node *n, const tensor *const *ts, int k, shape *s)
{
	s->rank = 0;
	for (int i = 0; i < k; i++)
		if (ts[i]->rank > s->rank)
			s->rank = ts[i]->rank;
	for (int d = 0; d < s->rank; d++) {
		int64_t v = 1;
		for (int i = 0; i < k; i++) {
			int off = ts[i]->rank - s->rank + d;
			if (off < 0)
				continue;
			int64_t x = ts[i]->dims[off];
			if (x == v || x == 1)
				continue;
			if (v == 1)
				v = x;
			else
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shapes do not broadcast: dimension %d is %lld "
					"and %lld", d, (long long)v, (long long)x);
		}
		s->dims[d] = v;
	}
	return 0;
}

/* Iterates a broadcast over runs along the last output dimension. */
typedef struct {
	shape s;
	int k;
	int64_t st[3][MLMD_TENSOR_MAX_RANK]; /* element strides per input, 0 when broadcast */
	int64_t idx[MLMD_TENSOR_MAX_RANK];
	int64_t off[3];
	int64_t inner, outer;
} bc_it;

static void bc_init(bc_it *it, const tensor *const *ts, int k, const shape *s)
{
	memset(it, 0, sizeof *it);
	it->s = *s;
	it->k = k;
	for (int i = 0; i < k; i++) {
		int64_t stride = 1;
		for (int d = s->rank - 1; d >= 0; d--) {
			int off = ts[i]->rank - s->rank + d;
			int64_t x = off >= 0 ? ts[i]->dims[off] : 1;
			it->st[i][d] = x == 1 ? 0 : stride;
			stride *= x;
		}
	}
	it->inner = s->rank ? s->dims[s->rank - 1] : 1;
	int64_t total = mlmd__sc_shape_numel(s->rank, s->dims);
	it->outer = it->inner ? total / it->inner : 0;
}

/* Moves to the next run (after the first); the run's starting offsets are in off[]. */
static void bc_next(bc_it *it)
{
	for (int d = it->s.rank - 2; d >= 0; d--) {
		for (int i = 0; i < it->k; i++)
			it->off[i] += it->st[i][d];
		if (++it->idx[d] < it->s.dims[d])
			return;
		for (int i = 0; i < it->k; i++)
			it->off[i] -= it->st[i][d] * it->idx[d];
		it->idx[d] = 0;
	}
}

static int64_t last_stride(const bc_it *it, int i)
{
	return it->s.rank ? it->st[i][it->s.rank - 1] : 0;
}

/* ---- element-wise binary ops --------------------------------------------------------------- */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_LESS, OP_GREATER, OP_EQUAL };

#define ARITH_F(T) \
	static void arith_##T(int op, const T *a, int64_t sa, const T *b, int64_t sb, T *o, int64_t m) \
	{ \
		switch (op) { \
		case OP_ADD: for (int64_t j = 0; j < m; j++) o[j] = a[j * sa] + b[j * sb]; break; \
		case OP_SUB: for (int64_t j = 0; j < m; j++) o[j] = a[j * sa] - b[j * sb]; break; \
		case OP_MUL: for (int64_t j = 0; j < m; j++) o[j] = a[j * sa] * b[j * sb]; break; \
		default: for (int64_t j = 0; j < m; j++) o[j] = a[j * sa] / b[j * sb]; \
		} \
	}
ARITH_F(float)
ARITH_F(double)

/* Integers wrap through the unsigned type; division truncates. Returns -1 on
 * division by zero. */
#define ARITH_I(T, U, MIN) \
	static int arith_##T(int op, const T *a, int64_t sa, const T *b, int64_t sb, T *o, int64_t m) \
	{ \
		for (int64_t j = 0; j < m; j++) { \
			T x = a[j * sa], y = b[j * sb]; \
			switch (op) { \
			case OP_ADD: o[j] = (T)((U)x + (U)y); break; \
			case OP_SUB: o[j] = (T)((U)x - (U)y); break; \
			case OP_MUL: o[j] = (T)((U)x * (U)y); break; \
			default: \
				if (y == 0) \
					return -1; \
				o[j] = (x == MIN && y == -1) ? MIN : x / y; \
			} \
		} \
		return 0; \
	}
ARITH_I(int32_t, uint32_t, INT32_MIN)
ARITH_I(int64_t, uint64_t, INT64_MIN)

/* The other integer types: computed in 64 bits (unsigned for the unsigned
 * types) and wrapped to the type's width on store. */
static int arith_small(int op, const tensor *a, int64_t oa, int64_t sa, const tensor *b, int64_t ob, int64_t sb,
	tensor *o, int64_t oo, int64_t m)
{
	bool u = mlmd__sc_is_unsigned(a->dtype);
	for (int64_t j = 0; j < m; j++) {
		uint64_t x = mlmd__sc_getu(a, oa + j * sa), y = mlmd__sc_getu(b, ob + j * sb), res;
		switch (op) {
		case OP_ADD: res = x + y; break;
		case OP_SUB: res = x - y; break;
		case OP_MUL: res = x * y; break;
		default:
			if (y == 0)
				return -1;
			if (u)
				res = x / y;
			else
				res = (uint64_t)((int64_t)x / (int64_t)y); /* |values| < 2^31 here: no overflow */
		}
		mlmd__sc_seti(o, oo + j, (int64_t)res);
	}
	return 0;
}

static int run_arith(const sc_node *n, sc_run *r, int op)
{
	const tensor *a = r->in[0], *b = r->in[1];
	int rc = need(n, a, 0, is_num(a->dtype), "a number type");
	if (rc)
		return rc;
	if (b->dtype != a->dtype)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different element types (%s, %s)",
			mlmd__sc_dtype_name(a->dtype), mlmd__sc_dtype_name(b->dtype));
	const tensor *ts[2] = { a, b };
	shape s;
	bc_it it;
	if ((rc = bcast_shape(n, ts, 2, &s)) || (rc = mlmd__sc_out(n, r, 0, a->dtype, s.rank, s.dims)))
		return rc;
	bc_init(&it, ts, 2, &s);
	int64_t sa = last_stride(&it, 0), sb = last_stride(&it, 1);
	size_t es = mlmd__sc_dtype_size(a->dtype);
	char *o = r->out[0]->data;
	for (int64_t q = 0; q < it.outer; q++, bc_next(&it)) {
		const char *pa = (const char *)a->data + it.off[0] * (int64_t)es;
		const char *pb = (const char *)b->data + it.off[1] * (int64_t)es;
		char *po = o + q * it.inner * (int64_t)es;
		int bad = 0;
		switch (a->dtype) {
		case F: arith_float(op, (const float *)pa, sa, (const float *)pb, sb, (float *)po, it.inner); break;
		case D: arith_double(op, (const double *)pa, sa, (const double *)pb, sb, (double *)po, it.inner); break;
		case I32: bad = arith_int32_t(op, (const int32_t *)pa, sa, (const int32_t *)pb, sb, (int32_t *)po, it.inner); break;
		case I64: bad = arith_int64_t(op, (const int64_t *)pa, sa, (const int64_t *)pb, sb, (int64_t *)po, it.inner); break;
		default: bad = arith_small(op, a, it.off[0], sa, b, it.off[1], sb, r->out[0], q * it.inner, it.inner);
		}
		if (bad)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "integer division by zero");
	}
	return 0;
}

static int run_add(const sc_node *n, sc_run *r) { return run_arith(n, r, OP_ADD); }
static int run_sub(const sc_node *n, sc_run *r) { return run_arith(n, r, OP_SUB); }
static int run_mul(const sc_node *n, sc_run *r) { return run_arith(n, r, OP_MUL); }
static int run_div(const sc_node *n, sc_run *r) { return run_arith(n, r, OP_DIV); }

static int run_compare(const sc_node *n, sc_run *r, int op)
{
	const tensor *a = r->in[0], *b = r->in[1];
	bool ok = is_num(a->dtype) || (op == OP_EQUAL && (a->dtype == B || a->dtype == S));
	int rc = need(n, a, 0, ok, op == OP_EQUAL ? "a number, BOOL or STRING type" : "a number type");
	if (rc)
		return rc;
	if (b->dtype != a->dtype)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different element types (%s, %s)",
			mlmd__sc_dtype_name(a->dtype), mlmd__sc_dtype_name(b->dtype));
	const tensor *ts[2] = { a, b };
	shape s;
	bc_it it;
	if ((rc = bcast_shape(n, ts, 2, &s)) || (rc = mlmd__sc_out(n, r, 0, B, s.rank, s.dims)))
		return rc;
	bc_init(&it, ts, 2, &s);
	int64_t sa = last_stride(&it, 0), sb = last_stride(&it, 1);
	uint8_t *o = r->out[0]->data;
	for (int64_t q = 0; q < it.outer; q++, bc_next(&it)) {
		uint8_t *po = o + q * it.inner;
		for (int64_t j = 0; j < it.inner; j++) {
			int64_t ia = it.off[0] + j * sa, ib = it.off[1] + j * sb;
			int res;
			if (a->dtype == S) {
				res = strcmp(((const char *const *)a->data)[ia], ((const char *const *)b->data)[ib]) == 0;
			} else if (a->dtype == MLMD_DTYPE_UINT64) {
				uint64_t x = mlmd__sc_getu(a, ia), y = mlmd__sc_getu(b, ib);
				res = op == OP_LESS ? x < y : op == OP_GREATER ? x > y : x == y;
			} else if (mlmd__sc_is_int(a->dtype)) {
				int64_t x = geti(a, ia), y = geti(b, ib);
				res = op == OP_LESS ? x < y : op == OP_GREATER ? x > y : x == y;
			} else {
				double x = getd(a, ia), y = getd(b, ib);
				res = op == OP_LESS ? x < y : op == OP_GREATER ? x > y : x == y;
			}
			po[j] = (uint8_t)res;
		}
	}
	return 0;
}

static int run_less(const sc_node *n, sc_run *r) { return run_compare(n, r, OP_LESS); }
static int run_greater(const sc_node *n, sc_run *r) { return run_compare(n, r, OP_GREATER); }
static int run_equal(const sc_node *n, sc_run *r) { return run_compare(n, r, OP_EQUAL); }

static int run_where(const sc_node *n, sc_run *r)
{
	const tensor *c = r->in[0], *x = r->in[1], *y = r->in[2];
	int rc = need(n, c, 0, c->dtype == B, "BOOL");
	if (rc)
		return rc;
	if (x->dtype != y->dtype)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X and Y have different element types (%s, %s)",
			mlmd__sc_dtype_name(x->dtype), mlmd__sc_dtype_name(y->dtype));
	const tensor *ts[3] = { c, x, y };
	shape s;
	bc_it it;
	if ((rc = bcast_shape(n, ts, 3, &s)) || (rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims)))
		return rc;
	bc_init(&it, ts, 3, &s);
	int64_t sc = last_stride(&it, 0), sx = last_stride(&it, 1), sy = last_stride(&it, 2);
	size_t es = mlmd__sc_dtype_size(x->dtype);
	char *o = r->out[0]->data;
	for (int64_t q = 0; q < it.outer; q++, bc_next(&it))
		for (int64_t j = 0; j < it.inner; j++) {
			bool pick = ((const uint8_t *)c->data)[it.off[0] + j * sc];
			const char *src = pick ? (const char *)x->data + (it.off[1] + j * sx) * (int64_t)es
					       : (const char *)y->data + (it.off[2] + j * sy) * (int64_t)es;
			sc_memcpy(o + (q * it.inner + j) * (int64_t)es, src, es);
		}
	return 0;
}

static int run_not(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0];
	int rc = need(n, x, 0, x->dtype == B, "BOOL");
	if (rc || (rc = mlmd__sc_out(n, r, 0, B, x->rank, x->dims)))
		return rc;
	int64_t m = mlmd__sc_numel(x);
	for (int64_t i = 0; i < m; i++)
		((uint8_t *)r->out[0]->data)[i] = !((const uint8_t *)x->data)[i];
	return 0;
}

/* ---- element-wise unary ops ---------------------------------------------------------------- */

enum { U_ABS, U_NEG, U_SQRT, U_EXP, U_LOG, U_RELU, U_LEAKY, U_SIGMOID, U_TANH, U_CLIP };

typedef struct {
	int kind;
	double alpha;
	double lo, hi;  /* Clip before opset 11 */
} unary_attr;

static double unary_d(int kind, double x, double alpha)
{
	switch (kind) {
	case U_ABS: return fabs(x);
	case U_NEG: return -x;
	case U_SQRT: return sqrt(x);
	case U_EXP: return exp(x);
	case U_LOG: return log(x);
	case U_RELU: return x > 0 ? x : 0 * x;
	case U_LEAKY: return x >= 0 ? x : alpha * x;
	case U_SIGMOID: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
	default: return tanh(x);
	}
}

static float unary_f(int kind, float x, float alpha)
{
	switch (kind) {
	case U_ABS: return fabsf(x);
	case U_NEG: return -x;
	case U_SQRT: return sqrtf(x);
	case U_EXP: return expf(x);
	case U_LOG: return logf(x);
	case U_RELU: return x > 0 ? x : 0 * x;
	case U_LEAKY: return x >= 0 ? x : alpha * x;
	case U_SIGMOID: return x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x));
	default: return tanhf(x);
	}
}

static int run_unary(const sc_node *n, sc_run *r)
{
	const unary_attr *a = n->attr;
	const tensor *x = r->in[0];
	bool int_ok = a->kind == U_ABS || a->kind == U_NEG || a->kind == U_RELU;
	int rc = need(n, x, 0, is_flt(x->dtype) || (int_ok && is_num(x->dtype)),
		int_ok ? "a number type" : "FLOAT or DOUBLE");
	if (rc || (rc = mlmd__sc_out(n, r, 0, x->dtype, x->rank, x->dims)))
		return rc;
	int64_t m = mlmd__sc_numel(x);
	void *o = r->out[0]->data;
	switch (x->dtype) {
	case F: {
		const float *p = x->data;
		float *q = o, al = (float)a->alpha;
		if (a->kind == U_RELU)
			for (int64_t i = 0; i < m; i++)
				q[i] = p[i] > 0 ? p[i] : 0.0f;
		else
			for (int64_t i = 0; i < m; i++)
				q[i] = unary_f(a->kind, p[i], al);
		break;
	}
	case D:
		for (int64_t i = 0; i < m; i++)
			((double *)o)[i] = unary_d(a->kind, ((const double *)x->data)[i], a->alpha);
		break;
	default: /* integers, wrapping (Abs and Neg of the minimum stay the minimum) */
		for (int64_t i = 0; i < m; i++) {
			uint64_t u = mlmd__sc_getu(x, i);
			bool negative = !mlmd__sc_is_unsigned(x->dtype) && (int64_t)u < 0;
			uint64_t res = a->kind == U_NEG ? 0u - u : a->kind == U_ABS ? (negative ? 0u - u : u)
				: (negative ? 0 : u);
			mlmd__sc_seti(r->out[0], i, (int64_t)res);
		}
	}
	return 0;
}

static int prep_unary(sc_node *n, sc_load *L, int kind)
{
	unary_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	a->kind = kind;
	n->attr = a;
	if (kind == U_LEAKY)
		return mlmd__sc_get_float(n, L, "alpha", 0.01, &a->alpha);
	if (kind == U_CLIP) {
		int rc = mlmd__sc_get_float(n, L, "min", -INFINITY, &a->lo);
		return rc ? rc : mlmd__sc_get_float(n, L, "max", INFINITY, &a->hi);
	}
	return 0;
}

static int prep_abs(sc_node *n, sc_load *L) { return prep_unary(n, L, U_ABS); }
static int prep_neg(sc_node *n, sc_load *L) { return prep_unary(n, L, U_NEG); }
static int prep_sqrt(sc_node *n, sc_load *L) { return prep_unary(n, L, U_SQRT); }
static int prep_exp(sc_node *n, sc_load *L) { return prep_unary(n, L, U_EXP); }
static int prep_log(sc_node *n, sc_load *L) { return prep_unary(n, L, U_LOG); }
static int prep_relu(sc_node *n, sc_load *L) { return prep_unary(n, L, U_RELU); }
static int prep_leaky(sc_node *n, sc_load *L) { return prep_unary(n, L, U_LEAKY); }
static int prep_sigmoid(sc_node *n, sc_load *L) { return prep_unary(n, L, U_SIGMOID); }
static int prep_tanh(sc_node *n, sc_load *L) { return prep_unary(n, L, U_TANH); }
static int prep_clip(sc_node *n, sc_load *L) { return prep_unary(n, L, U_CLIP); }

static int run_clip(const sc_node *n, sc_run *r)
{
	const unary_attr *a = n->attr;
	const tensor *x = r->in[0];
	int rc = need(n, x, 0, is_num(x->dtype), "a number type");
	if (rc || (rc = mlmd__sc_out(n, r, 0, x->dtype, x->rank, x->dims)))
		return rc;
	int64_t m = mlmd__sc_numel(x);
	if (mlmd__sc_is_int(x->dtype)) {
		int64_t lo = INT64_MIN, hi = INT64_MAX;
		for (int k = 1; k <= 2; k++) {
			const tensor *b = k < r->nin ? r->in[k] : NULL;
			if (!b)
				continue;
			if (b->dtype != x->dtype || mlmd__sc_numel(b) != 1)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%s must be a scalar of the input's type",
					k == 1 ? "min" : "max");
			*(k == 1 ? &lo : &hi) = geti(b, 0);
		}
		bool u = x->dtype == MLMD_DTYPE_UINT64;
		for (int64_t i = 0; i < m; i++) {
			if (u) {
				uint64_t v = mlmd__sc_getu(x, i), l = lo == INT64_MIN ? 0 : (uint64_t)lo;
				uint64_t h = hi == INT64_MAX ? UINT64_MAX : (uint64_t)hi;
				v = v < l ? l : v;
				v = v > h ? h : v;
				mlmd__sc_seti(r->out[0], i, (int64_t)v);
				continue;
			}
			int64_t v = geti(x, i);
			v = v < lo ? lo : v;
			v = v > hi ? hi : v;
			mlmd__sc_seti(r->out[0], i, v);
		}
		return 0;
	}
	double lo = a->lo, hi = a->hi;
	if (n->opset >= 11) {
		lo = -INFINITY;
		hi = INFINITY;
		for (int k = 1; k <= 2; k++) {
			const tensor *b = k < r->nin ? r->in[k] : NULL;
			if (!b)
				continue;
			if (b->dtype != x->dtype || mlmd__sc_numel(b) != 1)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%s must be a scalar of the input's type",
					k == 1 ? "min" : "max");
			*(k == 1 ? &lo : &hi) = getd(b, 0);
		}
	}
	for (int64_t i = 0; i < m; i++) {
		double v = getd(x, i);
		v = v < lo ? lo : v;
		v = v > hi ? hi : v;
		if (x->dtype == F)
			((float *)r->out[0]->data)[i] = (float)v;
		else
			((double *)r->out[0]->data)[i] = v;
	}
	return 0;
}

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

/* Reads an axes list from an int64 tensor input. */
static int axes_input(const sc_node *n, const tensor *t, int64_t *axes, size_t *na)
{
	if (t->dtype != I64)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "axes must be INT64, got %s", mlmd__sc_dtype_name(t->dtype));
	int64_t m = mlmd__sc_numel(t);
	if (m > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "axes has %lld entries", (long long)m);
	for (int64_t i = 0; i < m; i++)
		axes[i] = ((const int64_t *)t->data)[i];
	*na = (size_t)m;
	return 0;
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

/* ---- Gemm, MatMul ----------------------------------------------------------------------------- */

typedef struct {
	double alpha, beta;
	int64_t ta, tb;
} gemm_attr;

static int prep_gemm(sc_node *n, sc_load *L)
{
	gemm_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_float(n, L, "alpha", 1.0, &a->alpha);
	if (!rc)
		rc = mlmd__sc_get_float(n, L, "beta", 1.0, &a->beta);
	if (!rc)
		rc = mlmd__sc_get_int(n, L, "transA", 0, &a->ta);
	if (!rc)
		rc = mlmd__sc_get_int(n, L, "transB", 0, &a->tb);
	return rc;
}

/* C[M,N] = A[M,K] * B[K,N] with strides (row, col) for A and B; accumulates
 * in the element type, i-k-j order so the inner loop runs along rows. */
#define MATMUL(T) \
	static void mm_##T(const T *a, int64_t ar, int64_t ac, const T *b, int64_t br, int64_t bc, T *c, \
		int64_t M, int64_t K, int64_t N) \
	{ \
		for (int64_t i = 0; i < M; i++) { \
			T *ci = c + i * N; \
			for (int64_t j = 0; j < N; j++) \
				ci[j] = 0; \
			for (int64_t k = 0; k < K; k++) { \
				T av = a[i * ar + k * ac]; \
				const T *bk = b + k * br; \
				if (bc == 1) \
					for (int64_t j = 0; j < N; j++) \
						ci[j] += av * bk[j]; \
				else \
					for (int64_t j = 0; j < N; j++) \
						ci[j] += av * bk[j * bc]; \
			} \
		} \
	}
MATMUL(float)
MATMUL(double)

#define MATMUL_I(T, U) \
	static void mm_##T(const T *a, int64_t ar, int64_t ac, const T *b, int64_t br, int64_t bc, T *c, \
		int64_t M, int64_t K, int64_t N) \
	{ \
		for (int64_t i = 0; i < M; i++) \
			for (int64_t j = 0; j < N; j++) { \
				U s = 0; \
				for (int64_t k = 0; k < K; k++) \
					s += (U)a[i * ar + k * ac] * (U)b[k * br + j * bc]; \
				c[i * N + j] = (T)s; \
			} \
	}
MATMUL_I(int32_t, uint32_t)
MATMUL_I(int64_t, uint64_t)

static void mm(int dt, const void *a, int64_t ar, int64_t ac, const void *b, int64_t br, int64_t bc, void *c,
	int64_t M, int64_t K, int64_t N)
{
	switch (dt) {
	case F: mm_float(a, ar, ac, b, br, bc, c, M, K, N); break;
	case D: mm_double(a, ar, ac, b, br, bc, c, M, K, N); break;
	case I32: mm_int32_t(a, ar, ac, b, br, bc, c, M, K, N); break;
	default: mm_int64_t(a, ar, ac, b, br, bc, c, M, K, N);
	}
}

static int run_gemm(const sc_node *n, sc_run *r)
{
	const gemm_attr *g = n->attr;
	const tensor *a = r->in[0], *b = r->in[1], *c = r->nin > 2 ? r->in[2] : NULL;
	int rc = need(n, a, 0, is_main(a->dtype), "FLOAT, DOUBLE, INT32 or INT64");
	if (rc)
		return rc;
	if (b->dtype != a->dtype || (c && c->dtype != a->dtype))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different element types");
	if (a->rank != 2 || b->rank != 2)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "A and B must be 2-D (ranks %d, %d)", a->rank, b->rank);
	int64_t M = g->ta ? a->dims[1] : a->dims[0], K = g->ta ? a->dims[0] : a->dims[1];
	int64_t K2 = g->tb ? b->dims[1] : b->dims[0], N = g->tb ? b->dims[0] : b->dims[1];
	if (K != K2)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inner dimensions differ (%lld and %lld)", (long long)K,
			(long long)K2);
	int64_t od[2] = { M, N };
	if ((rc = mlmd__sc_out(n, r, 0, a->dtype, 2, od)))
		return rc;
	tensor *o = r->out[0];
	mm(a->dtype, a->data, g->ta ? 1 : K, g->ta ? M : 1, b->data, g->tb ? 1 : N, g->tb ? K : 1, o->data, M, K, N);
	tensor ct = { 0 };
	const tensor *ts[2] = { o, c };
	shape s;
	bc_it it;
	if (c) {
		if ((rc = bcast_shape(n, ts, 2, &s)))
			return rc;
		if (s.rank != 2 || s.dims[0] != M || s.dims[1] != N)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "C does not broadcast to [%lld, %lld]", (long long)M,
				(long long)N);
		bc_init(&it, ts, 2, &s);
	}
	(void)ct;
	int64_t mn = M * N;
	for (int64_t i = 0; i < mn; i++) {
		int64_t ci = 0;
		if (c) {
			int64_t row = i / (N ? N : 1), col = i - row * N;
			ci = row * it.st[1][0] + col * it.st[1][1];
		}
		switch (a->dtype) {
		case F: {
			float *p = o->data;
			p[i] = (float)g->alpha * p[i] + (c ? (float)g->beta * ((const float *)c->data)[ci] : 0.0f);
			break;
		}
		case D: {
			double *p = o->data;
			p[i] = g->alpha * p[i] + (c ? g->beta * ((const double *)c->data)[ci] : 0.0);
			break;
		}
		default: {
			int64_t v = (int64_t)(g->alpha * (double)geti(o, i) + (c ? g->beta * (double)geti(c, ci) : 0));
			if (a->dtype == I32)
				((int32_t *)o->data)[i] = (int32_t)v;
			else
				((int64_t *)o->data)[i] = v;
		}
		}
	}
	return 0;
}

static int run_matmul(const sc_node *n, sc_run *r)
{
	const tensor *a = r->in[0], *b = r->in[1];
	int rc = need(n, a, 0, is_main(a->dtype), "FLOAT, DOUBLE, INT32 or INT64");
	if (rc)
		return rc;
	if (b->dtype != a->dtype)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different element types");
	if (a->rank < 1 || b->rank < 1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "MatMul needs inputs of rank 1 or more");
	/* Promote 1-D operands as numpy does, then broadcast the batch dims. */
	tensor A = *a, Bt = *b;
	if (A.rank == 1) {
		A.rank = 2;
		A.dims[1] = A.dims[0];
		A.dims[0] = 1;
	}
	if (Bt.rank == 1) {
		Bt.rank = 2;
		Bt.dims[1] = 1;
	}
	int64_t M = A.dims[A.rank - 2], K = A.dims[A.rank - 1], K2 = Bt.dims[Bt.rank - 2], N = Bt.dims[Bt.rank - 1];
	if (K != K2)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inner dimensions differ (%lld and %lld)", (long long)K,
			(long long)K2);
	tensor ab = A, bb = Bt; /* batch parts */
	ab.rank -= 2;
	bb.rank -= 2;
	const tensor *ts[2] = { &ab, &bb };
	shape s;
	if ((rc = bcast_shape(n, ts, 2, &s)))
		return rc;
	shape os = s;
	if (a->rank > 1)
		os.dims[os.rank++] = M;
	if (b->rank > 1)
		os.dims[os.rank++] = N;
	if ((rc = mlmd__sc_out(n, r, 0, a->dtype, os.rank, os.dims)))
		return rc;
	bc_it it;
	bc_init(&it, ts, 2, &s);
	int64_t batches = mlmd__sc_shape_numel(s.rank, s.dims);
	size_t es = mlmd__sc_dtype_size(a->dtype);
	/* per batch index compute the offsets of A and B matrices */
	int64_t idx[MLMD_TENSOR_MAX_RANK] = { 0 };
	for (int64_t q = 0; q < batches; q++) {
		int64_t oa = 0, ob = 0;
		for (int d = 0; d < s.rank; d++) {
			oa += idx[d] * it.st[0][d];
			ob += idx[d] * it.st[1][d];
		}
		mm(a->dtype, (const char *)a->data + oa * M * K * (int64_t)es, K, 1,
			(const char *)b->data + ob * K * N * (int64_t)es, N, 1,
			(char *)r->out[0]->data + q * M * N * (int64_t)es, M, K, N);
		for (int d = s.rank - 1; d >= 0; d--) {
			if (++idx[d] < s.dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

/* ---- shape ops -------------------------------------------------------------------------------- */

static int run_identity(const sc_node *n, sc_run *r)
{
	(void)n;
	*r->out[0] = *r->in[0];
	return 0;
}

static int prep_constant(sc_node *n, sc_load *L)
{
	tensor *t = mlmd__sc_alloc(L->pool, sizeof *t);
	if (!t)
		return MLMD_OOM();
	n->attr = t;
	bool found;
	int rc = mlmd__sc_get_tensor(n, L, "value", &found, t);
	if (rc || found)
		return rc;
	size_t k;
	if (mlmd__sc_has(n, L, "value_float") || mlmd__sc_has(n, L, "value_int") || mlmd__sc_has(n, L, "value_string")) {
		t->rank = 0;
		t->capacity = 1;
		if (mlmd__sc_has(n, L, "value_float")) {
			double v;
			t->dtype = F;
			if ((rc = mlmd__sc_get_float(n, L, "value_float", 0, &v)) || !(t->data = mlmd__sc_alloc(L->pool, 4)))
				return rc ? rc : MLMD_OOM();
			*(float *)t->data = (float)v;
		} else if (mlmd__sc_has(n, L, "value_int")) {
			t->dtype = I64;
			if (!(t->data = mlmd__sc_alloc(L->pool, 8)))
				return MLMD_OOM();
			return mlmd__sc_get_int(n, L, "value_int", 0, t->data);
		} else {
			t->dtype = S;
			if (!(t->data = mlmd__sc_alloc(L->pool, sizeof(char *))))
				return MLMD_OOM();
			return mlmd__sc_get_string(n, L, "value_string", "", t->data);
		}
		return 0;
	}
	t->rank = 1;
	if (mlmd__sc_has(n, L, "value_floats")) {
		const float *f;
		t->dtype = F;
		rc = mlmd__sc_get_floats(n, L, "value_floats", &k, &f);
		t->data = (void *)f;
	} else if (mlmd__sc_has(n, L, "value_ints")) {
		const int64_t *v;
		t->dtype = I64;
		rc = mlmd__sc_get_ints(n, L, "value_ints", &k, &v);
		t->data = (void *)v;
	} else if (mlmd__sc_has(n, L, "value_strings")) {
		const char *const *v;
		t->dtype = S;
		rc = mlmd__sc_get_strings(n, L, "value_strings", &k, &v);
		t->data = (void *)v;
	} else {
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "needs a 'value' attribute (sparse values are not supported)");
	}
	t->dims[0] = (int64_t)k;
	t->capacity = k;
	return rc;
}

static int prep_constant_typed(sc_node *n, sc_load *L)
{
	int rc = prep_constant(n, L);
	if (!rc)
		L->m->values[n->out[0]].dtype = ((const tensor *)n->attr)->dtype;
	return rc;
}

static int run_constant(const sc_node *n, sc_run *r)
{
	*r->out[0] = *(const tensor *)n->attr;
	return 0;
}

static int parse_num(const char *s, double *out)
{
	char *end;
	while (*s == ' ')
		s++;
	*out = mlmd__strtod(s, &end);
	return end != s && *end == '\0' ? 0 : -1;
}

/* Shortest "%.Ng" that reads back as the same value. */
static void fmt_num(char *buf, size_t len, double v, bool is_float)
{
	if (v != v) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "INF" : "-INF");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		mlmd__snprintf(buf, len, "%.*g", p, v);
		double back = mlmd__strtod(buf, NULL);
		if (is_float ? (float)back == (float)v : back == v)
			return;
	}
}

typedef struct {
	int64_t to;
} cast_attr;

static int prep_cast(sc_node *n, sc_load *L)
{
	cast_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (!mlmd__sc_has(n, L, "to"))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "missing attribute 'to'");
	const char *name = NULL;
	int rc = 0;
	/* opsets 1-5 spelled the type as a string */
	int64_t to = 0;
	if (n->opset < 6 && mlmd__sc_get_string(n, L, "to", NULL, &name) == 0 && name) {
		static const char *const names[] = { "", "FLOAT", "", "", "", "", "INT32", "INT64", "STRING", "BOOL",
			"", "DOUBLE" };
		for (int i = 0; i < 12; i++)
			if (names[i][0] && strcmp(names[i], name) == 0)
				to = i;
	} else if ((rc = mlmd__sc_get_int(n, L, "to", 0, &to))) {
		return rc;
	}
	if (!mlmd__sc_dtype_supported((int)to))
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "cast to element type %s is not supported", mlmd__sc_dtype_name((int)to));
	a->to = to;
	L->m->values[n->out[0]].dtype = (int)to;
	return 0;
}

static int run_cast(const sc_node *n, sc_run *r)
{
	const cast_attr *a = n->attr;
	const tensor *x = r->in[0];
	int to = (int)a->to, rc;
	if (x->dtype == to) {
		*r->out[0] = *x;
		return 0;
	}
	if ((rc = mlmd__sc_out(n, r, 0, to, x->rank, x->dims)))
		return rc;
	int64_t m = mlmd__sc_numel(x);
	void *o = r->out[0]->data;
	for (int64_t i = 0; i < m; i++) {
		if (to == S) {
			char buf[40];
			if (x->dtype == MLMD_DTYPE_UINT64)
				snprintf(buf, sizeof buf, "%llu", (unsigned long long)mlmd__sc_getu(x, i));
			else if (mlmd__sc_is_int(x->dtype))
				snprintf(buf, sizeof buf, "%lld", (long long)geti(x, i));
			else if (x->dtype == B)
				snprintf(buf, sizeof buf, "%s", geti(x, i) ? "1" : "0");
			else
				fmt_num(buf, sizeof buf, getd(x, i), x->dtype == F);
			char *s = mlmd__sc_strdup(&r->ctx->pool, buf, strlen(buf));
			if (!s)
				return MLMD_OOM();
			((const char **)o)[i] = s;
			continue;
		}
		if (x->dtype == S) {
			const char *str = ((const char *const *)x->data)[i];
			double d;
			if (parse_num(str, &d))
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot cast string '%.40s' to a number", str);
			mlmd__sc_setd(r->out[0], i, d);
		} else if (mlmd__sc_is_int(x->dtype) || x->dtype == B) {
			if (mlmd__sc_is_int(to) || to == B)
				mlmd__sc_seti(r->out[0], i, (int64_t)mlmd__sc_getu(x, i));
			else
				mlmd__sc_setd(r->out[0], i, getd(x, i));
		} else {
			mlmd__sc_setd(r->out[0], i, getd(x, i));
		}
	}
	return 0;
}

typedef struct {
	int64_t allowzero;
	size_t n_shape;        /* opset < 5: the shape attribute */
	const int64_t *shape;
	int64_t axis;
	size_t n_axes;
	const int64_t *axes;
	bool has_axes;
	size_t n_perm;
	const int64_t *perm;
} shape_attr;

static int prep_reshape(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_int(n, L, "allowzero", 0, &a->allowzero);
	if (!rc && n->opset < 5)
		rc = mlmd__sc_get_ints(n, L, "shape", &a->n_shape, &a->shape);
	if (!rc && n->opset >= 5 && (n->nin < 2 || n->in[1] < 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs a shape input");
	return rc;
}

static int run_reshape(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t want[MLMD_TENSOR_MAX_RANK];
	size_t k;
	if (n->opset < 5) {
		k = a->n_shape;
		if (k > MLMD_TENSOR_MAX_RANK)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape has rank %zu", k);
		sc_memcpy(want, a->shape, k * sizeof *want);
	} else {
		const tensor *s = r->in[1];
		if (s->dtype != I64 || s->rank != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape must be a 1-D INT64 tensor");
		if (s->dims[0] > MLMD_TENSOR_MAX_RANK)
			return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "shape has rank %lld (limit %d)", (long long)s->dims[0],
				MLMD_TENSOR_MAX_RANK);
		k = (size_t)s->dims[0];
		sc_memcpy(want, s->data, k * sizeof *want);
	}
	int64_t total = mlmd__sc_numel(x), known = 1;
	int infer = -1;
	shape os = { (int)k, { 0 } };
	for (size_t d = 0; d < k; d++) {
		int64_t v = want[d];
		if (v == 0 && !a->allowzero) {
			if ((int)d >= x->rank)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape[%zu] = 0 copies a dimension the input lacks", d);
			v = x->dims[d];
		}
		if (v == -1) {
			if (infer >= 0)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape has more than one -1");
			infer = (int)d;
			v = 1;
		} else if (v < 0) {
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape[%zu] = %lld is invalid", d, (long long)v);
		}
		os.dims[d] = v;
		if (v && known > SC_MAX_ELEMENTS / v)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape is too large");
		known *= v;
	}
	if (infer >= 0) {
		if (known == 0 || total % known)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot infer the -1 dimension (%lld elements into %lld)",
				(long long)total, (long long)known);
		os.dims[infer] = total / known;
		known = total;
	}
	if (known != total)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot reshape %lld elements into %lld", (long long)total,
			(long long)known);
	*r->out[0] = *x;
	r->out[0]->rank = os.rank;
	sc_memcpy(r->out[0]->dims, os.dims, sizeof os.dims);
	return 0;
}

static int prep_axis1(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	return mlmd__sc_get_int(n, L, "axis", 1, &a->axis);
}

static int prep_axis0(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (strcmp(n->op->name, "Concat") == 0 && !mlmd__sc_has(n, L, "axis"))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "missing attribute 'axis'");
	return mlmd__sc_get_int(n, L, "axis", 0, &a->axis);
}

static int run_flatten(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int ax = 0;
	if (a->axis == x->rank)
		ax = x->rank;
	else {
		int rc = norm_axis(n, a->axis, x->rank, &ax);
		if (rc)
			return rc;
	}
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < x->rank; d++)
		*(d < ax ? &outer : &inner) *= x->dims[d];
	*r->out[0] = *x;
	r->out[0]->rank = 2;
	r->out[0]->dims[0] = outer;
	r->out[0]->dims[1] = inner;
	return 0;
}

static int prep_axes(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (n->opset < 13) {
		a->has_axes = mlmd__sc_has(n, L, "axes");
		return mlmd__sc_get_ints(n, L, "axes", &a->n_axes, &a->axes);
	}
	return 0;
}

static int get_axes(const sc_node *n, sc_run *r, int64_t *axes, size_t *na, bool *have)
{
	const shape_attr *a = n->attr;
	*have = false;
	*na = 0;
	if (n->opset >= 13) {
		if (r->nin > 1 && r->in[1]) {
			*have = true;
			return axes_input(n, r->in[1], axes, na);
		}
		return 0;
	}
	if (a->n_axes > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "too many axes");
	*have = a->has_axes;
	*na = a->n_axes;
	sc_memcpy(axes, a->axes, a->n_axes * sizeof *axes);
	return 0;
}

static int run_squeeze(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0];
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na;
	bool have;
	int rc = get_axes(n, r, axes, &na, &have);
	if (rc)
		return rc;
	bool drop[MLMD_TENSOR_MAX_RANK] = { false };
	if (!have || na == 0)
		for (int d = 0; d < x->rank; d++)
			drop[d] = x->dims[d] == 1;
	for (size_t i = 0; i < na; i++) {
		int ax = 0;
		if ((rc = norm_axis(n, axes[i], x->rank, &ax)))
			return rc;
		if (x->dims[ax] != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot squeeze axis %d of size %lld", ax,
				(long long)x->dims[ax]);
		drop[ax] = true;
	}
	tensor o = *x;
	o.rank = 0;
	for (int d = 0; d < x->rank; d++)
		if (!drop[d])
			o.dims[o.rank++] = x->dims[d];
	*r->out[0] = o;
	return 0;
}

static int run_unsqueeze(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0];
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na;
	bool have;
	int rc = get_axes(n, r, axes, &na, &have);
	if (rc)
		return rc;
	int orank = x->rank + (int)na;
	if (!have || orank > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, have ? "result rank %d exceeds the limit" : "needs axes", orank);
	bool ins[MLMD_TENSOR_MAX_RANK] = { false };
	for (size_t i = 0; i < na; i++) {
		int ax = 0;
		if ((rc = norm_axis(n, axes[i], orank, &ax)))
			return rc;
		if (ins[ax])
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "axis %d repeated", ax);
		ins[ax] = true;
	}
	tensor o = *x;
	o.rank = orank;
	for (int d = 0, k = 0; d < orank; d++)
		o.dims[d] = ins[d] ? 1 : x->dims[k++];
	*r->out[0] = o;
	return 0;
}

static int run_concat(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x0 = r->in[0];
	int ax = 0, rc;
	if ((rc = norm_axis(n, a->axis, x0->rank, &ax)))
		return rc;
	shape s = { x0->rank, { 0 } };
	sc_memcpy(s.dims, x0->dims, sizeof s.dims);
	s.dims[ax] = 0;
	for (int i = 0; i < r->nin; i++) {
		const tensor *t = r->in[i];
		if (!t)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d is omitted", i);
		if (t->dtype != x0->dtype || t->rank != x0->rank)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d has type %s rank %d, input 0 has %s rank %d", i,
				mlmd__sc_dtype_name(t->dtype), t->rank, mlmd__sc_dtype_name(x0->dtype), x0->rank);
		for (int d = 0; d < t->rank; d++)
			if (d != ax && t->dims[d] != x0->dims[d])
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d differs in dimension %d", i, d);
		s.dims[ax] += t->dims[ax];
	}
	if ((rc = mlmd__sc_out(n, r, 0, x0->dtype, s.rank, s.dims)))
		return rc;
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < s.rank; d++) {
		if (d < ax)
			outer *= s.dims[d];
		if (d > ax)
			inner *= s.dims[d];
	}
	size_t es = mlmd__sc_dtype_size(x0->dtype);
	char *o = r->out[0]->data;
	for (int64_t p = 0; p < outer; p++)
		for (int i = 0; i < r->nin; i++) {
			size_t chunk = (size_t)(r->in[i]->dims[ax] * inner) * es;
			if (chunk)
				sc_memcpy(o, (const char *)r->in[i]->data + (size_t)p * chunk, chunk);
			o += chunk;
		}
	return 0;
}

static int run_gather(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0], *idx = r->in[1];
	int ax = 0, rc;
	if ((rc = norm_axis(n, a->axis, x->rank, &ax)))
		return rc;
	if (idx->dtype != I64 && idx->dtype != I32)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "indices must be INT32 or INT64");
	shape s = { 0, { 0 } };
	if (x->rank - 1 + idx->rank > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "result rank exceeds %d", MLMD_TENSOR_MAX_RANK);
	for (int d = 0; d < ax; d++)
		s.dims[s.rank++] = x->dims[d];
	for (int d = 0; d < idx->rank; d++)
		s.dims[s.rank++] = idx->dims[d];
	for (int d = ax + 1; d < x->rank; d++)
		s.dims[s.rank++] = x->dims[d];
	if ((rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims)))
		return rc;
	int64_t outer = 1, inner = 1, len = x->dims[ax], ni = mlmd__sc_numel(idx);
	for (int d = 0; d < ax; d++)
		outer *= x->dims[d];
	for (int d = ax + 1; d < x->rank; d++)
		inner *= x->dims[d];
	size_t es = mlmd__sc_dtype_size(x->dtype);
	char *o = r->out[0]->data;
	for (int64_t p = 0; p < outer; p++)
		for (int64_t i = 0; i < ni; i++) {
			int64_t k = geti(idx, i);
			if (k < -len || k >= len)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "index %lld is out of range for size %lld",
					(long long)k, (long long)len);
			if (k < 0)
				k += len;
			sc_memcpy(o, (const char *)x->data + (size_t)((p * len + k) * inner) * es, (size_t)inner * es);
			o += (size_t)inner * es;
		}
	return 0;
}

static int prep_transpose(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	return mlmd__sc_get_ints(n, L, "perm", &a->n_perm, &a->perm);
}

static int run_transpose(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int perm[MLMD_TENSOR_MAX_RANK];
	bool seen[MLMD_TENSOR_MAX_RANK] = { false };
	if (a->n_perm && (int)a->n_perm != x->rank)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "perm has %zu entries for rank %d", a->n_perm, x->rank);
	for (int d = 0; d < x->rank; d++) {
		int64_t p = a->n_perm ? a->perm[d] : x->rank - 1 - d;
		if (p < 0 || p >= x->rank || seen[p])
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "perm is not a permutation of 0..%d", x->rank - 1);
		seen[p] = true;
		perm[d] = (int)p;
	}
	shape s = { x->rank, { 0 } };
	int64_t ist[MLMD_TENSOR_MAX_RANK], st = 1;
	for (int d = x->rank - 1; d >= 0; d--) {
		ist[d] = st;
		st *= x->dims[d];
	}
	int64_t pst[MLMD_TENSOR_MAX_RANK];
	for (int d = 0; d < x->rank; d++) {
		s.dims[d] = x->dims[perm[d]];
		pst[d] = ist[perm[d]];
	}
	int rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims);
	if (rc)
		return rc;
	int64_t m = mlmd__sc_numel(x), idx[MLMD_TENSOR_MAX_RANK] = { 0 }, off = 0;
	size_t es = mlmd__sc_dtype_size(x->dtype);
	char *o = r->out[0]->data;
	for (int64_t i = 0; i < m; i++) {
		sc_memcpy(o + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
		for (int d = s.rank - 1; d >= 0; d--) {
			off += pst[d];
			if (++idx[d] < s.dims[d])
				break;
			off -= pst[d] * idx[d];
			idx[d] = 0;
		}
	}
	return 0;
}

/* ---- the table ----------------------------------------------------------------------------------- */

const sc_op mlmd__sc_ops_core[] = {
	{ "", "Identity", 1, 1, 1, 1, NULL, run_identity, 0, false, SC_OUT_SAME },
	{ "", "Constant", 0, 0, 1, 1, prep_constant_typed, run_constant, 0, false, SC_OUT_SET },
	{ "", "Cast", 1, 1, 1, 1, prep_cast, run_cast, 0, false, SC_OUT_SET },
	{ "", "Reshape", 1, 2, 1, 1, prep_reshape, run_reshape, 0, false, SC_OUT_SAME },
	{ "", "Flatten", 1, 1, 1, 1, prep_axis1, run_flatten, 0, false, SC_OUT_SAME },
	{ "", "Squeeze", 1, 2, 1, 1, prep_axes, run_squeeze, 0, false, SC_OUT_SAME },
	{ "", "Unsqueeze", 1, 2, 1, 1, prep_axes, run_unsqueeze, 0, false, SC_OUT_SAME },
	{ "", "Concat", 1, SC_VARIADIC, 1, 1, prep_axis0, run_concat, 0, true, SC_OUT_SAME },
	{ "", "Gather", 2, 2, 1, 1, prep_axis0, run_gather, 0, false, SC_OUT_SAME },
	{ "", "Transpose", 1, 1, 1, 1, prep_transpose, run_transpose, 0, false, SC_OUT_SAME },
	{ "", "Gemm", 2, 3, 1, 1, prep_gemm, run_gemm, SC_T_MAIN, true, SC_OUT_SAME },
	{ "", "MatMul", 2, 2, 1, 1, NULL, run_matmul, SC_T_MAIN, true, SC_OUT_SAME },
	{ "", "Add", 2, 2, 1, 1, NULL, run_add, SC_T_NUM, true, SC_OUT_SAME },
	{ "", "Sub", 2, 2, 1, 1, NULL, run_sub, SC_T_NUM, true, SC_OUT_SAME },
	{ "", "Mul", 2, 2, 1, 1, NULL, run_mul, SC_T_NUM, true, SC_OUT_SAME },
	{ "", "Div", 2, 2, 1, 1, NULL, run_div, SC_T_NUM, true, SC_OUT_SAME },
	{ "", "Abs", 1, 1, 1, 1, prep_abs, run_unary, SC_T_NUM, false, SC_OUT_SAME },
	{ "", "Neg", 1, 1, 1, 1, prep_neg, run_unary, SC_T_NUM, false, SC_OUT_SAME },
	{ "", "Sqrt", 1, 1, 1, 1, prep_sqrt, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Exp", 1, 1, 1, 1, prep_exp, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Log", 1, 1, 1, 1, prep_log, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Clip", 1, 3, 1, 1, prep_clip, run_clip, SC_T_NUM, false, SC_OUT_SAME },
	{ "", "Relu", 1, 1, 1, 1, prep_relu, run_unary, SC_T_NUM, false, SC_OUT_SAME },
	{ "", "LeakyRelu", 1, 1, 1, 1, prep_leaky, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Sigmoid", 1, 1, 1, 1, prep_sigmoid, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Tanh", 1, 1, 1, 1, prep_tanh, run_unary, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "Softmax", 1, 1, 1, 1, prep_softmax, run_softmax, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "LogSoftmax", 1, 1, 1, 1, prep_logsoftmax, run_softmax, SC_T_FLT, false, SC_OUT_SAME },
	{ "", "ArgMax", 1, 1, 1, 1, prep_argmax, run_argmax, SC_T_NUM, false, MLMD_DTYPE_INT64 },
	{ "", "ReduceSum", 1, 2, 1, 1, prep_reduce, run_reducesum, SC_T_NUM, false, SC_OUT_SAME },
	{ "", "Where", 3, 3, 1, 1, NULL, run_where, SC_T(MLMD_DTYPE_BOOL), false, SC_OUT_IN1 },
	{ "", "Less", 2, 2, 1, 1, NULL, run_less, SC_T_NUM, true, MLMD_DTYPE_BOOL },
	{ "", "Greater", 2, 2, 1, 1, NULL, run_greater, SC_T_NUM, true, MLMD_DTYPE_BOOL },
	{ "", "Equal", 2, 2, 1, 1, NULL, run_equal, SC_T_NUM | SC_T(MLMD_DTYPE_BOOL) | SC_T(MLMD_DTYPE_STRING), true, MLMD_DTYPE_BOOL },
	{ "", "Not", 1, 1, 1, 1, NULL, run_not, SC_T(MLMD_DTYPE_BOOL), false, MLMD_DTYPE_BOOL },
	{ NULL, NULL, 0, 0, 0, 0, NULL, NULL, 0, false, 0 }
};

const sc_op *mlmd__sc_find_op(const char *domain, const char *name)
{
	const sc_op *tables[] = { mlmd__sc_ops_core, mlmd__sc_ops_ml, mlmd__sc_ops_tree };
	for (size_t t = 0; t < 3; t++)
		for (const sc_op *o = tables[t]; o->name; o++)
			if (strcmp(o->domain, domain) == 0 && strcmp(o->name, name) == 0)
				return o;
	return NULL;
}

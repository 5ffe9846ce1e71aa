/*
 * scorer/ops_elementwise.c - ai.onnx's element-wise operators: arithmetic
 * and comparisons (broadcasting like numpy), Where, Not, the unary
 * functions and Clip.
 *
 * Integer arithmetic wraps (two's complement) instead of overflowing, and
 * integer division by zero is an error, so no input makes the C undefined.
 */
#include <math.h>
#include <string.h>
#include "ops_common.h"

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

/* ---- the table ----------------------------------------------------------------------------------- */

const sc_op mlmd__sc_ops_elementwise[] = {
	{ .domain = "", .name = "Add", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_add, .types = SC_T_NUM, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Sub", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_sub, .types = SC_T_NUM, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Mul", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_mul, .types = SC_T_NUM, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Div", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_div, .types = SC_T_NUM, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Abs", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_abs, .run = run_unary, .types = SC_T_NUM, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Neg", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_neg, .run = run_unary, .types = SC_T_NUM, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Sqrt", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_sqrt, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Exp", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_exp, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Log", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_log, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Clip", .min_in = 1, .max_in = 3, .min_out = 1, .max_out = 1,
	  .prepare = prep_clip, .run = run_clip, .types = SC_T_NUM, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Relu", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_relu, .run = run_unary, .types = SC_T_NUM, .out = SC_OUT_SAME },
	{ .domain = "", .name = "LeakyRelu", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_leaky, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Sigmoid", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_sigmoid, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Tanh", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_tanh, .run = run_unary, .types = SC_T_FLT, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Where", .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
	  .run = run_where, .types = SC_T(MLMD_DTYPE_BOOL), .out = SC_OUT_IN1 },
	{ .domain = "", .name = "Less", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_less, .types = SC_T_NUM, .same_types = true, .out = MLMD_DTYPE_BOOL },
	{ .domain = "", .name = "Greater", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_greater, .types = SC_T_NUM, .same_types = true, .out = MLMD_DTYPE_BOOL },
	{ .domain = "", .name = "Equal", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_equal, .types = SC_T_NUM | SC_T(MLMD_DTYPE_BOOL) | SC_T(MLMD_DTYPE_STRING), .same_types = true, .out = MLMD_DTYPE_BOOL },
	{ .domain = "", .name = "Not", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .run = run_not, .types = SC_T(MLMD_DTYPE_BOOL), .out = MLMD_DTYPE_BOOL },
	{ .name = NULL }
};

/*
 * scorer/ops_linalg.c - ai.onnx's linear algebra: Gemm and MatMul (batched,
 * broadcasting the batch dimensions).
 */
#include "ops_common.h"

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

/* ---- the table ----------------------------------------------------------------------------------- */

const sc_op mlmd__sc_ops_linalg[] = {
	{ .domain = "", .name = "Gemm", .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
	  .prepare = prep_gemm, .run = run_gemm, .types = SC_T_MAIN, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "MatMul", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_matmul, .types = SC_T_MAIN, .same_types = true, .out = SC_OUT_SAME },
	{ .name = NULL }
};

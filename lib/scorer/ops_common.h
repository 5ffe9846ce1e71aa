/*
 * lib/scorer/ops_common.h - helpers the ai.onnx operator files share (ops_*.c
 * but ops_ml.c): element type checks, axes, numpy broadcasting.
 */
#ifndef MLMD_SCORER_OPS_COMMON_H
#define MLMD_SCORER_OPS_COMMON_H

#include <string.h>
#include "ops.h"

#define F MLMD_DTYPE_FLOAT
#define D MLMD_DTYPE_DOUBLE
#define I32 MLMD_DTYPE_INT32
#define I64 MLMD_DTYPE_INT64
#define B MLMD_DTYPE_BOOL
#define S MLMD_DTYPE_STRING

static inline bool is_num(int dt) { return dt == F || dt == D || mlmd__sc_is_int(dt); }
static inline bool is_main(int dt) { return dt == F || dt == D || dt == I32 || dt == I64; }
static inline bool is_flt(int dt) { return dt == F || dt == D; }

static inline int need(const sc_node *n, const tensor *t, int k, bool ok, const char *want)
{
	if (ok)
		return 0;
	return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d has element type %s; expected %s", k,
		mlmd__sc_dtype_name(t->dtype), want);
}

#define getd mlmd__sc_getd
#define geti mlmd__sc_geti

/* Normalises axis a for rank r (negative counts from the end). */
static inline int norm_axis(const sc_node *n, int64_t a, int r, int *out)
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

static inline int bcast_shape(const sc_node *n, const tensor *const *ts, int k, shape *s)
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

static inline void bc_init(bc_it *it, const tensor *const *ts, int k, const shape *s)
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
static inline void bc_next(bc_it *it)
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

static inline int64_t last_stride(const bc_it *it, int i)
{
	return it->s.rank ? it->st[i][it->s.rank - 1] : 0;
}

/* Reads an axes list from an int64 tensor input. */
static inline int axes_input(const sc_node *n, const tensor *t, int64_t *axes, size_t *na)
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

#endif

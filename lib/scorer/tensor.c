/*
 * scorer/tensor.c - the scorer's leaf: memory pools (bump allocators over
 * blocks) and tensors (element types, element access, shapes).
 */
#include <stdlib.h>
#include <string.h>
#include "tensor.h"

/* ---- pools ----------------------------------------------------------------------- */

struct sc_block {
	sc_block *next;
	size_t size, used;
	_Alignas(32) unsigned char data[];
};

void *mlmd__sc_alloc(sc_pool *p, size_t n)
{
	n = (n + 31) & ~(size_t)31;
	if (n == 0)
		n = 32;
	if (p->limit && (n > p->limit || p->used_total > p->limit - n)) {
		p->refused = n;
		return NULL;
	}
	sc_block *b = p->head;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : 4096;
		if (p->limit && size > p->limit - p->used_total)
			size = p->limit - p->used_total; /* a new block never reserves past the limit */
		if (size < n)
			size = n;
		if (size > ((size_t)1 << 40))
			return NULL;
		sc_block *nb = aligned_alloc(32, (sizeof *nb + size + 31) & ~(size_t)31);
		if (!nb)
			return NULL;
		nb->size = size;
		nb->used = 0;
		nb->next = b;
		p->head = b = nb;
	}
	void *r = b->data + b->used;
	b->used += n;
	p->used_total += n;
	if (p->used_total > p->peak)
		p->peak = p->used_total;
	memset(r, 0, n);
	return r;
}

void *mlmd__sc_alloc_array(sc_pool *p, size_t n, size_t elem)
{
	if (elem && n > (((size_t)1 << 40) / elem))
		return NULL;
	return mlmd__sc_alloc(p, n * elem);
}

char *mlmd__sc_strdup(sc_pool *p, const char *s, size_t len)
{
	char *r = mlmd__sc_alloc(p, len + 1);
	if (r && len)
		sc_memcpy(r, s, len);
	return r;
}

/* Frees all blocks but one big enough for the peak, so the next call of the
 * same size runs in a single block without allocating. */
void mlmd__sc_pool_reset(sc_pool *p)
{
	if (p->head && p->head->next) {
		size_t want = p->peak;
		mlmd__sc_pool_free(p);
		p->peak = want;
		sc_block *nb = aligned_alloc(32, (sizeof *nb + want + 31) & ~(size_t)31);
		if (nb) {
			nb->size = want;
			nb->used = 0;
			nb->next = NULL;
			p->head = nb;
		}
	} else if (p->head) {
		p->head->used = 0;
	}
	p->used_total = 0;
	p->refused = 0;
}

void mlmd__sc_pool_free(sc_pool *p)
{
	for (sc_block *b = p->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	p->head = NULL;
	p->used_total = p->peak = p->refused = 0; /* the limit stays */
}

/* ---- tensors ---------------------------------------------------------------------- */

size_t mlmd__sc_dtype_size(int dtype)
{
	switch (dtype) {
	case MLMD_DTYPE_FLOAT: case MLMD_DTYPE_INT32: case MLMD_DTYPE_UINT32: return 4;
	case MLMD_DTYPE_DOUBLE: case MLMD_DTYPE_INT64: case MLMD_DTYPE_UINT64: return 8;
	case MLMD_DTYPE_BOOL: case MLMD_DTYPE_UINT8: case MLMD_DTYPE_INT8: return 1;
	case MLMD_DTYPE_UINT16: case MLMD_DTYPE_INT16: return 2;
	case MLMD_DTYPE_STRING: return sizeof(char *);
	default: return 0;
	}
}

bool mlmd__sc_is_int(int dt)
{
	switch (dt) {
	case MLMD_DTYPE_INT32: case MLMD_DTYPE_INT64: case MLMD_DTYPE_UINT8: case MLMD_DTYPE_INT8:
	case MLMD_DTYPE_UINT16: case MLMD_DTYPE_INT16: case MLMD_DTYPE_UINT32: case MLMD_DTYPE_UINT64:
		return true;
	default:
		return false;
	}
}

bool mlmd__sc_is_unsigned(int dt)
{
	return dt == MLMD_DTYPE_UINT8 || dt == MLMD_DTYPE_UINT16 || dt == MLMD_DTYPE_UINT32 || dt == MLMD_DTYPE_UINT64 ||
		dt == MLMD_DTYPE_BOOL;
}

/* Integer element i as int64 (UINT64 wraps; callers that care use mlmd__sc_getu). */
int64_t mlmd__sc_geti(const tensor *t, int64_t i)
{
	const void *p = t->data;
	switch (t->dtype) {
	case MLMD_DTYPE_INT32: return ((const int32_t *)p)[i];
	case MLMD_DTYPE_INT64: return ((const int64_t *)p)[i];
	case MLMD_DTYPE_UINT8: case MLMD_DTYPE_BOOL: return ((const uint8_t *)p)[i];
	case MLMD_DTYPE_INT8: return ((const int8_t *)p)[i];
	case MLMD_DTYPE_UINT16: return ((const uint16_t *)p)[i];
	case MLMD_DTYPE_INT16: return ((const int16_t *)p)[i];
	case MLMD_DTYPE_UINT32: return ((const uint32_t *)p)[i];
	case MLMD_DTYPE_UINT64: return (int64_t)((const uint64_t *)p)[i];
	default: {
		double v = mlmd__sc_getd(t, i);
		if (v != v)
			return INT64_MIN;
		if (v >= 9.2233720368547758e18)
			return INT64_MAX;
		if (v <= -9.2233720368547758e18)
			return INT64_MIN;
		return (int64_t)v;
	}
	}
}

uint64_t mlmd__sc_getu(const tensor *t, int64_t i)
{
	return t->dtype == MLMD_DTYPE_UINT64 ? ((const uint64_t *)t->data)[i] : (uint64_t)mlmd__sc_geti(t, i);
}

double mlmd__sc_getd(const tensor *t, int64_t i)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: return ((const float *)t->data)[i];
	case MLMD_DTYPE_DOUBLE: return ((const double *)t->data)[i];
	case MLMD_DTYPE_UINT64: return (double)((const uint64_t *)t->data)[i];
	case MLMD_DTYPE_STRING: return 0;
	default: return (double)mlmd__sc_geti(t, i);
	}
}

/* Stores v into integer element i, wrapping to the type's width. */
void mlmd__sc_seti(tensor *t, int64_t i, int64_t v)
{
	void *p = t->data;
	uint64_t u = (uint64_t)v;
	switch (t->dtype) {
	case MLMD_DTYPE_INT32: ((int32_t *)p)[i] = (int32_t)(uint32_t)u; break;
	case MLMD_DTYPE_INT64: ((int64_t *)p)[i] = v; break;
	case MLMD_DTYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)u; break;
	case MLMD_DTYPE_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case MLMD_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)(uint8_t)u; break;
	case MLMD_DTYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)u; break;
	case MLMD_DTYPE_INT16: ((int16_t *)p)[i] = (int16_t)(uint16_t)u; break;
	case MLMD_DTYPE_UINT32: ((uint32_t *)p)[i] = (uint32_t)u; break;
	case MLMD_DTYPE_UINT64: ((uint64_t *)p)[i] = u; break;
	case MLMD_DTYPE_FLOAT: ((float *)p)[i] = (float)v; break;
	case MLMD_DTYPE_DOUBLE: ((double *)p)[i] = (double)v; break;
	default: break;
	}
}

/* Stores a number: floats directly, integers converted (NaN and values out
 * of range saturate, so no input is undefined behaviour in C). */
void mlmd__sc_setd(tensor *t, int64_t i, double v)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: ((float *)t->data)[i] = (float)v; return;
	case MLMD_DTYPE_DOUBLE: ((double *)t->data)[i] = v; return;
	case MLMD_DTYPE_BOOL: ((uint8_t *)t->data)[i] = v != 0; return;
	case MLMD_DTYPE_UINT64:
		((uint64_t *)t->data)[i] = v != v || v <= 0 ? 0 : v >= 1.8446744073709552e19 ? UINT64_MAX : (uint64_t)v;
		return;
	default: {
		int64_t x = v != v ? INT64_MIN : v >= 9.2233720368547758e18 ? INT64_MAX : v <= -9.2233720368547758e18 ?
			INT64_MIN : (int64_t)v;
		mlmd__sc_seti(t, i, x);
	}
	}
}

bool mlmd__sc_dtype_supported(int dtype)
{
	return mlmd__sc_dtype_size(dtype) != 0;
}

const char *mlmd_dtype_name(int dtype)
{
	return mlmd__sc_dtype_name(dtype);
}

size_t mlmd_dtype_size(int dtype)
{
	return mlmd__sc_dtype_size(dtype);
}

const char *mlmd__sc_dtype_name(int dtype)
{
	static const char *const names[] = { "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
		"INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128",
		"BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4" };
	if (dtype >= 0 && dtype < (int)(sizeof names / sizeof names[0]))
		return names[dtype];
	return "unknown type";
}

/* The product of the non-zero dimensions must stay within SC_MAX_ELEMENTS
 * even when another dimension is 0, so that no product of a subset of a
 * tensor's dimensions (which ops compute: outer and inner sizes, strides)
 * can overflow. */
int64_t mlmd__sc_shape_numel(int rank, const int64_t *dims)
{
	int64_t n = 1;
	bool empty = false;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return -1;
		if (dims[i] == 0) {
			empty = true;
			continue;
		}
		if (n > SC_MAX_ELEMENTS / dims[i])
			return -1;
		n *= dims[i];
	}
	return empty ? 0 : n;
}

int64_t mlmd__sc_numel(const tensor *t)
{
	return mlmd__sc_shape_numel(t->rank, t->dims);
}

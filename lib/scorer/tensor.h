/*
 * lib/scorer/tensor.h - the scorer's leaf: memory pools, and tensors with
 * their element types (tensor.c).
 *
 * Everything else of the scorer sits on this; it includes nothing of lib/,
 * only the public mlmd/scorer.h (for mlmd_tensor and the dtypes).
 */
#ifndef MLMD_SCORER_TENSOR_H
#define MLMD_SCORER_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mlmd/scorer.h"

typedef mlmd_tensor tensor;

/* memcpy that accepts (NULL, 0): empty tensors have no data pointer. */
static inline void sc_memcpy(void *dst, const void *src, size_t n)
{
	if (n)
		__builtin_memcpy(dst, src, n);
}

/* ---- memory pools --------------------------------------------------------- */

/* Bump allocator over a list of blocks. The model uses one for everything it
 * owns (freed at once); a score context uses one per call, reset between
 * calls and coalesced into a single block, so steady-state calls allocate
 * nothing. */
typedef struct sc_block sc_block;
typedef struct sc_pool {
	sc_block *head;
	size_t used_total; /* bytes handed out since the last reset */
	size_t peak;       /* largest used_total seen */
	size_t limit;      /* 0, or the most used_total may reach */
	size_t refused;    /* the size of the last request the limit refused since the last reset, or 0 */
} sc_pool;
void *mlmd__sc_alloc(sc_pool *p, size_t n);          /* 32-byte aligned, zeroed; NULL on OOM */
void *mlmd__sc_alloc_array(sc_pool *p, size_t n, size_t elem); /* checks n*elem overflow */
char *mlmd__sc_strdup(sc_pool *p, const char *s, size_t len);
void mlmd__sc_pool_reset(sc_pool *p);
void mlmd__sc_pool_free(sc_pool *p);

/* ---- tensors ------------------------------------------------------------------ */

size_t mlmd__sc_dtype_size(int dtype);    /* 0 for unsupported types */
const char *mlmd__sc_dtype_name(int dtype); /* ONNX's names; "unknown type" for numbers ONNX lacks */
bool mlmd__sc_dtype_supported(int dtype);
bool mlmd__sc_is_int(int dtype);          /* any integer type (not BOOL) */
bool mlmd__sc_is_unsigned(int dtype);
/* Element access for any numeric or BOOL tensor (see tensor.c). */
int64_t mlmd__sc_geti(const tensor *t, int64_t i);
uint64_t mlmd__sc_getu(const tensor *t, int64_t i);
double mlmd__sc_getd(const tensor *t, int64_t i);
void mlmd__sc_seti(tensor *t, int64_t i, int64_t v);
void mlmd__sc_setd(tensor *t, int64_t i, double v);
int64_t mlmd__sc_numel(const tensor *t);
/* Number of elements for dims, or -1 on overflow / negative / over the limit. */
int64_t mlmd__sc_shape_numel(int rank, const int64_t *dims);
#define SC_MAX_ELEMENTS ((int64_t)1 << 34)

#endif

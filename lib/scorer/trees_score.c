/*
 * scorer/trees_score.c - the tree engine's walks (layouts: trees.c).
 *
 * Rows are scored in blocks of SC_TREES_BLOCK, tree by tree, so one tree
 * stays in cache while the block's rows go through it. How a block goes
 * through a complete tree is chosen at load (mlmd__sc_trees_pick_walk):
 *  - keyed (the usual one): the block's values of the features the trees
 *    use are first copied twice into a small row-major block, once with
 *    NaN replaced by +infinity and once by -infinity. Every threshold is
 *    finite and every comparison is "x < t", so a missing value that must
 *    go right reads the +infinity copy and one that must go left the
 *    -infinity copy, and each node is one load of its packed (threshold,
 *    column) pair, one load of the value and one compare: no NaN test. The
 *    walk keeps SC_TREES_GROUP rows in flight through the tree, unrolled,
 *    so their dependent loads overlap without vector gathers (which are
 *    slow on some CPUs, AMD's among them).
 *  - direct: the caller's rows as they are, with a NaN test at each node
 *    (when the trees use more than SC_TREES_MAX_KEYED features, or so
 *    many that copying them would cost more than walking); with AVX2,
 *    eight rows a step with gathers.
 * Generic trees are walked a row at a time. Every walk gives the same
 * leaf for every row (tests/test_scorer_batch.c checks them all against
 * the row-at-a-time walk).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/base.h"
#include "trees_impl.h"

#define BLOCK SC_TREES_BLOCK
#define GROUP SC_TREES_GROUP

typedef sc_gnode gnode;
typedef sc_tree tree;

static inline bool go_true(const gnode *g, double x)
{
	return sc_split_true(g->mode, g->thr, g->miss, g->set, g->nset, x);
}

/* Generic trees compare in double; a float feature converts exactly. */
static int32_t walk_generic_d(const sc_trees *T, int32_t i, const double *row)
{
	while (i >= 0) {
		const gnode *g = &T->g[i];
		i = go_true(g, row[g->feat]) ? g->t : g->f;
	}
	return ~i;
}

static int32_t walk_generic_f(const sc_trees *T, int32_t i, const float *row)
{
	while (i >= 0) {
		const gnode *g = &T->g[i];
		i = go_true(g, (double)row[g->feat]) ? g->t : g->f;
	}
	return ~i;
}

/* The direct walks of complete trees: leaf slots for `n` rows (n <= BLOCK)
 * read straight from the caller's rows, with a NaN test at every node. The
 * body is written per row and per level with no data-dependent branch. */
#define WALK_BODY(T, THR) \
	int D = t->depth; \
	const int32_t *feat = t->feat; \
	const T *thr = t->THR; \
	const uint8_t *ml = t->miss_left; \
	int r = 0; \
	for (; r + 8 <= n; r += 8) { \
		int32_t k[8] = { 0, 0, 0, 0, 0, 0, 0, 0 }; \
		for (int d = 0; d < D; d++) \
			for (int j = 0; j < 8; j++) { \
				T v = x[(r + j) * ld + feat[k[j]]]; \
				int left = (v < thr[k[j]]) | ((v != v) & ml[k[j]]); \
				k[j] = 2 * k[j] + 2 - left; \
			} \
		for (int j = 0; j < 8; j++) \
			slot[r + j] = k[j] - ((1 << D) - 1); \
	} \
	for (; r < n; r++) { \
		int32_t k = 0; \
		const T *row = x + r * ld; \
		for (int d = 0; d < D; d++) { \
			T v = row[feat[k]]; \
			int left = (v < thr[k]) | ((v != v) & ml[k]); \
			k = 2 * k + 2 - left; \
		} \
		slot[r] = k - ((1 << D) - 1); \
	}

static void walk_f(const tree *t, const float *x, int64_t ld, int n, int32_t *slot) { WALK_BODY(float, thr_f) }
static void walk_d(const tree *t, const double *x, int64_t ld, int n, int32_t *slot) { WALK_BODY(double, thr_d) }

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_CLONE 1
#include <immintrin.h>
/* Eight rows per step with AVX2 gathers: node fields, then each row's
 * feature value. Node k's left child is 2k+1, taken when x < t or when x
 * is NaN and the node sends missing values left (bit 31 of featm). */
__attribute__((target("avx2"))) static void walk_f_avx2(const tree *t, const float *x, int64_t ld, int n,
	int32_t *slot)
{
	int D = t->depth, r = 0;
	const __m256i rows = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)ld));
	const __m256i feat_mask = _mm256_set1_epi32(0x7fffffff), two = _mm256_set1_epi32(2);
	const __m256i first_leaf = _mm256_set1_epi32((1 << D) - 1);
	if (ld * 8 < INT32_MAX)
		for (; r + 8 <= n; r += 8) {
			const float *xb = x + r * ld;
			__m256i k = _mm256_setzero_si256();
			for (int d = 0; d < D; d++) {
				__m256i fm = _mm256_i32gather_epi32(t->featm, k, 4);
				__m256 thr = _mm256_i32gather_ps(t->thr_f, k, 4);
				__m256 v = _mm256_i32gather_ps(xb, _mm256_add_epi32(rows, _mm256_and_si256(fm, feat_mask)), 4);
				__m256 lt = _mm256_cmp_ps(v, thr, _CMP_LT_OQ);
				__m256 nan_left = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q),
					_mm256_castsi256_ps(_mm256_srai_epi32(fm, 31)));
				__m256i left = _mm256_castps_si256(_mm256_or_ps(lt, nan_left)); /* -1 or 0 */
				k = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(k, 1), two), left);
			}
			_mm256_storeu_si256((__m256i *)(slot + r), _mm256_sub_epi32(k, first_leaf));
		}
	for (; r < n; r++) {
		int32_t k = 0;
		const float *row = x + r * ld;
		for (int d = 0; d < D; d++) {
			float v = row[t->feat[k]];
			int left = (v < t->thr_f[k]) | ((v != v) & t->miss_left[k]);
			k = 2 * k + 2 - left;
		}
		slot[r] = k - ((1 << D) - 1);
	}
}
#endif


/* ---- the keyed walk ------------------------------------------------------------------ */

/* The block copy: for each of nb rows, the used features in pairs (NaN as
 * +infinity, NaN as -infinity), W = 2 * n_used values a row. */
#define KEY_BLOCK(NAME, T) \
	static void NAME(const sc_trees *S, const T *x, int64_t ld, int nb, T *xb) \
	{ \
		int U = S->n_used; \
		const int32_t *used = S->used; \
		for (int r = 0; r < nb; r++) { \
			const T *row = x + r * ld; \
			T *o = xb + (size_t)r * 2 * (size_t)U; \
			for (int u = 0; u < U; u++) { \
				T v = row[used[u]]; \
				bool nan = v != v; \
				o[2 * u] = nan ? (T)INFINITY : v; \
				o[2 * u + 1] = nan ? -(T)INFINITY : v; \
			} \
		} \
	}
KEY_BLOCK(key_block_f, float)
KEY_BLOCK(key_block_d, double)

/* m rows (m <= GROUP) of the keyed block xb through one complete tree of
 * depth D, interleaved: level by level, each row one step. With m ==
 * GROUP (a constant after inlining) the row loop unrolls, so the rows'
 * load chains overlap. */
#define KEYED_GROUP(NAME, T, KN) \
	static inline __attribute__((always_inline)) void NAME(const KN *nd, int D, const T *xb, int W, int m, \
		int32_t *slot) \
	{ \
		uint32_t k[GROUP] = { 0 }; \
		for (int d = 0; d < D; d++) { \
			_Pragma("GCC unroll 16") \
			for (int j = 0; j < m; j++) { \
				KN c = nd[k[j]]; \
				k[j] = 2 * k[j] + 2 - (uint32_t)(xb[j * W + c.col] < c.thr); \
			} \
		} \
		_Pragma("GCC unroll 16") \
		for (int j = 0; j < m; j++) \
			slot[j] = (int32_t)k[j] - ((1 << D) - 1); \
	}
KEYED_GROUP(keyed_group_f, float, sc_knode_f)
KEYED_GROUP(keyed_group_d, double, sc_knode_d)

static void walk_keyed_f(const tree *t, const float *xb, int W, int n, int32_t *slot)
{
	int r = 0;
	for (; r + GROUP <= n; r += GROUP)
		keyed_group_f(t->kf, t->depth, xb + (size_t)r * W, W, GROUP, slot + r);
	if (r < n)
		keyed_group_f(t->kf, t->depth, xb + (size_t)r * W, W, n - r, slot + r);
}

static void walk_keyed_d(const tree *t, const double *xb, int W, int n, int32_t *slot)
{
	int r = 0;
	for (; r + GROUP <= n; r += GROUP)
		keyed_group_d(t->kd, t->depth, xb + (size_t)r * W, W, GROUP, slot + r);
	if (r < n)
		keyed_group_d(t->kd, t->depth, xb + (size_t)r * W, W, n - r, slot + r);
}

/* ---- choosing a walk ---------------------------------------------------------------- */

bool mlmd__sc_trees_walk_ok(int walk)
{
	switch (walk) {
	case SC_WALK_DIRECT:
	case SC_WALK_KEYED:
		return true;
#ifdef HAVE_AVX2_CLONE
	case SC_WALK_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
	default:
		return false;
	}
}

static bool keyed_possible(const sc_trees *T)
{
	return T->n_used > 0;
}

/* Copying a row's used features costs about as much as a few levels of a
 * walk; the keyed walk pays when the complete trees have, between them,
 * at least as many levels as there are used features. */
static bool keyed_pays(const sc_trees *T)
{
	int64_t levels = 0;
	for (int k = 0; k < T->n_trees; k++)
		if (T->trees[k].complete)
			levels += T->trees[k].depth;
	return keyed_possible(T) && levels >= T->n_used;
}

static bool env_set(const char *name)
{
	const char *e = getenv(name);
	return e && *e && strcmp(e, "0") != 0;
}

/* MLMD_SCORER_WALK (direct, avx2, keyed) picks one where it can run;
 * MLMD_SCORER_PORTABLE (any value but 0) rules out the AVX2 one.
 * Both are read when a model is loaded; the tests use them to run every
 * walk on the same models. */
int mlmd__sc_trees_pick_walk(const sc_trees *T)
{
	static const char *const names[SC_WALK_COUNT] = { "direct", "avx2", "keyed" };
	const char *e = getenv("MLMD_SCORER_WALK");
	for (int w = 0; e && w < SC_WALK_COUNT; w++)
		if (!strcmp(e, names[w]) && mlmd__sc_trees_walk_ok(w) && (keyed_possible(T) || w != SC_WALK_KEYED))
			return w;
	if (keyed_pays(T))
		return SC_WALK_KEYED;
	return !env_set("MLMD_SCORER_PORTABLE") && mlmd__sc_trees_walk_ok(SC_WALK_AVX2) ? SC_WALK_AVX2 :
		SC_WALK_DIRECT;
}

int mlmd__sc_trees_force_walk(sc_trees *T, int walk)
{
	if (!mlmd__sc_trees_walk_ok(walk))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "walk %d cannot run on this CPU", walk);
	if (walk == SC_WALK_KEYED && !keyed_possible(T))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "these trees have no keyed layout");
	T->walk = walk;
	return 0;
}

/* ---- scoring -------------------------------------------------------------------------- */

static bool keyed(const sc_trees *T)
{
	return T->walk == SC_WALK_KEYED;
}

static size_t align32(size_t n)
{
	return (n + 31) & ~(size_t)31;
}

size_t mlmd__sc_trees_scratch_size(const sc_trees *T)
{
	size_t n = align32((size_t)BLOCK * (size_t)T->n_targets * sizeof(float));
	if (keyed(T))
		n += align32((size_t)BLOCK * 2 * (size_t)T->n_used * sizeof(double));
	return n;
}

static inline void vote(const sc_trees *T, double *acc, float *accf, int32_t leaf)
{
	for (int32_t v = T->vote_start[leaf]; v < T->vote_start[leaf] + T->vote_count[leaf]; v++) {
		int tg = T->vote_target[v];
		switch (T->agg) {
		case SC_AGG_MIN:
			acc[tg] = T->vote_w[v] < acc[tg] ? T->vote_w[v] : acc[tg];
			break;
		case SC_AGG_MAX:
			acc[tg] = T->vote_w[v] > acc[tg] ? T->vote_w[v] : acc[tg];
			break;
		default:
			if (accf)
				accf[tg] += T->vote_wf[v];
			else
				acc[tg] += T->vote_w[v];
		}
	}
}


void mlmd__sc_trees_score_part(const sc_trees *T, void *scratch, int dtype, const void *xv, int64_t n,
	int64_t n_cols, double *out)
{
	int K = T->n_targets, W = 2 * T->n_used;
	bool fsum = T->float_sum && T->agg != SC_AGG_MIN && T->agg != SC_AGG_MAX;
	bool use_keyed = keyed(T);
	int32_t slot[BLOCK];
	float *accf_all = scratch;
	void *xb = (char *)scratch + align32((size_t)BLOCK * (size_t)K * sizeof(float));
	double init = T->agg == SC_AGG_MIN ? FLT_MAX : T->agg == SC_AGG_MAX ? -FLT_MAX : 0;
	if (dtype == MLMD_DTYPE_DOUBLE && T->agg == SC_AGG_MIN)
		init = DBL_MAX;
	if (dtype == MLMD_DTYPE_DOUBLE && T->agg == SC_AGG_MAX)
		init = -DBL_MAX;
	for (int64_t r0 = 0; r0 < n; r0 += BLOCK) {
		int nb = (int)(n - r0 < BLOCK ? n - r0 : BLOCK);
		double *acc = out + r0 * K;
		float *accf = fsum ? accf_all : NULL;
		const float *xf = dtype == MLMD_DTYPE_FLOAT ? (const float *)xv + r0 * n_cols : NULL;
		const double *xd = dtype == MLMD_DTYPE_DOUBLE ? (const double *)xv + r0 * n_cols : NULL;
		for (int i = 0; i < nb * K; i++) {
			double b = T->base_first ? T->base[i % K] : 0;
			acc[i] = T->base_first ? b : init;
			if (accf)
				accf[i] = (float)b;
		}
		if (use_keyed && xf)
			key_block_f(T, xf, n_cols, nb, xb);
		else if (use_keyed)
			key_block_d(T, xd, n_cols, nb, xb);
		for (int k = 0; k < T->n_trees; k++) {
			const tree *t = &T->trees[k];
			if (t->complete) {
				if (use_keyed && xf)
					walk_keyed_f(t, xb, W, nb, slot);
				else if (use_keyed)
					walk_keyed_d(t, xb, W, nb, slot);
#ifdef HAVE_AVX2_CLONE
				else if (xf && T->walk == SC_WALK_AVX2)
					walk_f_avx2(t, xf, n_cols, nb, slot);
#endif
				else if (xf)
					walk_f(t, xf, n_cols, nb, slot);
				else
					walk_d(t, xd, n_cols, nb, slot);
				if (t->target >= 0 && (T->agg == SC_AGG_SUM || T->agg == SC_AGG_AVERAGE)) {
					int tg = t->target;
					if (accf)
						for (int r = 0; r < nb; r++)
							accf[r * K + tg] += t->leaf_f[slot[r]];
					else
						for (int r = 0; r < nb; r++)
							acc[r * K + tg] += t->leaf_d[slot[r]];
				} else if (t->target >= 0) {
					for (int r = 0; r < nb; r++) {
						double w = t->leaf_d[slot[r]], *a = &acc[r * K + t->target];
						*a = T->agg == SC_AGG_MIN ? (w < *a ? w : *a) : (w > *a ? w : *a);
					}
				} else {
					for (int r = 0; r < nb; r++)
						vote(T, acc + r * K, accf ? accf + r * K : NULL, t->leaf_id[slot[r]]);
				}
			} else {
				for (int r = 0; r < nb; r++) {
					int32_t leaf = xd ? walk_generic_d(T, t->root, xd + r * n_cols) :
						walk_generic_f(T, t->root, xf + r * n_cols);
					vote(T, acc + r * K, accf ? accf + r * K : NULL, leaf);
				}
			}
		}
		if (accf)
			for (int i = 0; i < nb * K; i++)
				acc[i] = accf[i];
		if (!T->base_first)
			for (int i = 0; i < nb * K; i++) {
				if (T->agg == SC_AGG_AVERAGE)
					acc[i] /= T->n_trees;
				acc[i] += T->base[i % K];
			}
	}
}

int mlmd__sc_trees_check_cols(const sc_trees *T, int64_t n_cols)
{
	if (n_cols < T->n_features)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the trees use %d features, the input has %lld columns",
			T->n_features, (long long)n_cols);
	return 0;
}

int mlmd__sc_trees_score(const sc_trees *T, sc_pool *scratch, int dtype, const void *xv, int64_t n, int64_t n_cols,
	double *out)
{
	int rc = mlmd__sc_trees_check_cols(T, n_cols);
	if (rc)
		return rc;
	void *mem = mlmd__sc_alloc(scratch, mlmd__sc_trees_scratch_size(T));
	if (!mem)
		return MLMD_OOM();
	mlmd__sc_trees_score_part(T, mem, dtype, xv, n, n_cols, out);
	return 0;
}

double mlmd__sc_trees_vote1_d(const sc_trees *T, const double *row)
{
	const tree *t = &T->trees[0];
	int32_t leaf;
	if (t->complete) {
		int32_t slot;
		walk_d(t, row, 0, 1, &slot);
		if (t->target >= 0)
			return t->leaf_d[slot];
		leaf = t->leaf_id[slot];
	} else {
		leaf = walk_generic_d(T, t->root, row);
	}
	return T->vote_count[leaf] ? T->vote_w[T->vote_start[leaf]] : 0;
}

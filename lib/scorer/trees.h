/*
 * lib/scorer/trees.h - the tree engine (trees.c): tree ensembles of every
 * format (ONNX, XGBoost, PMML) compiled to flat node arrays and scored.
 *
 * It sits on tensor.h alone: loaders and operators describe their trees in
 * an sc_tree_src and get back an immutable sc_trees in their model's pool.
 */
#ifndef MLMD_SCORER_TREES_H
#define MLMD_SCORER_TREES_H

#include <stdbool.h>
#include <stdint.h>
#include "tensor.h"

/* A compiled tree ensemble (see trees.c). */
typedef struct sc_trees sc_trees;
typedef enum { SC_AGG_SUM, SC_AGG_AVERAGE, SC_AGG_MIN, SC_AGG_MAX } sc_agg;
typedef enum { SC_POST_NONE, SC_POST_LOGISTIC, SC_POST_SOFTMAX, SC_POST_SOFTMAX_ZERO, SC_POST_PROBIT } sc_post;
enum { SC_MODE_LEQ, SC_MODE_LT, SC_MODE_GTE, SC_MODE_GT, SC_MODE_EQ, SC_MODE_NEQ, SC_MODE_MEMBER, SC_MODE_LEAF };

/* Whether a split node sends x down its true branch: NaN (missing) goes
 * where miss says; MEMBER tests membership in set, nset sorted values. The
 * one rule for scoring (trees.c) and explaining (explain_tree.c). */
static inline bool sc_split_true(int mode, double thr, bool miss, const double *set, int32_t nset, double x)
{
	if (x != x)
		return miss;
	switch (mode) {
	case SC_MODE_LEQ: return x <= thr;
	case SC_MODE_LT: return x < thr;
	case SC_MODE_GTE: return x >= thr;
	case SC_MODE_GT: return x > thr;
	case SC_MODE_EQ: return x == thr;
	case SC_MODE_NEQ: return x != thr;
	default: {
		int32_t lo = 0, hi = nset;
		while (lo < hi) {
			int32_t mid = (lo + hi) / 2;
			if (set[mid] < x)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < nset && set[lo] == x;
	}
	}
}

/* Tree builder input: nodes of every tree, children given as indexes into
 * the same arrays (for leaves, leaf_start/leaf_count index the votes). */
typedef struct sc_tree_src {
	int n_trees;
	const int32_t *roots;      /* node index of each tree's root */
	int n_nodes;
	const uint8_t *mode;
	const int32_t *feature;
	const double *threshold;   /* in the type the model stores (float values are exact) */
	const uint8_t *missing_true;
	const int32_t *true_child, *false_child;
	const int32_t *vote_start, *vote_count; /* leaves: their votes */
	const int32_t *vote_target;
	const double *vote_weight;
	const double *const *member_sets; /* MEMBER nodes: sorted values */
	const int32_t *member_count;
	int n_targets;
	sc_agg agg;
	const double *base;        /* n_targets or NULL */
	bool base_first;           /* XGBoost: start from the base, then add trees in order */
	bool float_sum;            /* accumulate in float (XGBoost parity) instead of double */
	bool compact;              /* scored a row at a time (PMML): keep the compact generic layout,
	                              whose walk touches only the nodes on the path */
	const double *cover;       /* per node: training rows (or hessian sum) reaching it, or NULL
	                              (explanations: explain_tree.c) */
} sc_tree_src;

int mlmd__sc_trees_build(sc_trees **out, sc_pool *pool, const sc_tree_src *src, const char *what);

/* The trees as the loader described them, kept by the build for
 * explanations (explain_tree.c): node indexes are the source's, votes are
 * by source node index, cover is NULL when the source had none. The
 * arrays live in the model's pool (about 22 bytes a node, 30 with covers;
 * the scoring layouts do not use them). */
typedef struct sc_tree_view {
	int n_trees, n_nodes, n_targets;
	sc_agg agg;
	const double *base;        /* n_targets */
	const int32_t *roots;
	const uint8_t *mode, *missing_true;
	const int32_t *feature, *true_child, *false_child;
	const double *threshold;
	const double *const *member_sets; /* NULL when no node is MEMBER */
	const int32_t *member_count;
	const int32_t *vote_start, *vote_count, *vote_target;
	const double *vote_weight;
	const double *cover;
} sc_tree_view;
void mlmd__sc_trees_view(const sc_trees *t, sc_tree_view *v);

/* Working arrays behind an sc_tree_src, for loaders (malloc'd, freed after the build). */
typedef struct sc_tree_buf {
	sc_tree_src s;
	int32_t *roots, *feature, *tchild, *fchild, *vstart, *vcount, *vtarget;
	uint8_t *mode, *miss;
	double *thr, *vweight, *cover; /* cover: NULL until a loader allocates it (s.cover) */
	double **sets;
	int32_t *nsets;
} sc_tree_buf;
int mlmd__sc_tree_buf_alloc(sc_tree_buf *b, size_t nodes, size_t votes, size_t trees);
void mlmd__sc_tree_buf_free(sc_tree_buf *b);
int mlmd__sc_trees_n_features(const sc_trees *t);
int mlmd__sc_trees_n_targets(const sc_trees *t);
/* Scores rows of X (n rows x n_cols, dtype float or double; NaN = missing)
 * into out (n x n_targets) as raw aggregated scores with base values.
 * `scratch` (the score context's pool) holds any working memory. */
int mlmd__sc_trees_score(const sc_trees *t, sc_pool *scratch, int dtype, const void *x, int64_t n, int64_t n_cols,
	double *out);
/* As mlmd__sc_trees_score, on a score context: working memory from its
 * pool, and a batch big enough to be worth it split by rows across the
 * context's threads (mlmd_score_ctx_set_threads; trees_threads.c), with
 * the same result row for row. Operators call it from their run() as
 * mlmd__sc_trees_score_ctx(trees, r->ctx, dtype, x, rows, cols, out). */
struct mlmd_score_ctx;
int mlmd__sc_trees_score_ctx(const sc_trees *t, struct mlmd_score_ctx *ctx, int dtype, const void *x, int64_t n,
	int64_t n_cols, double *out);
/* The first vote of the leaf that one row of doubles reaches in the first
 * tree: a quick path for single trees whose leaves vote once (PMML). */
double mlmd__sc_trees_vote1_d(const sc_trees *t, const double *row);
/* Explanations (explain_tree.c) find a node's trees through its loader:
 * each returns 1 when node n is not of its kind. */
struct sc_node;
/* xgboost.c: feature_names is NULL when the JSON has none. */
int mlmd__sc_xgb_explain_info(const struct sc_node *n, const sc_trees **trees, const char *const **feature_names,
	int *n_features, bool *softprob);
/* ops_tree.c: the ONNX tree ensembles. binary_id >= 0: a two-class
 * classifier whose votes all go to that class (its score is the margin). */
int mlmd__sc_onnx_trees_explain_info(const struct sc_node *n, const sc_trees **trees, bool *classifier,
	int *binary_id, const int64_t **labels_int, const char *const **labels_str);

/* ONNX post transforms over n rows of k scores, in place. */
void mlmd__sc_post_transform(sc_post post, double *scores, int64_t n, int k);

#endif

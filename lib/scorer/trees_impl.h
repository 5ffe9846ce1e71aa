/*
 * lib/scorer/trees_impl.h - the tree engine's private layouts, shared by
 * its files: trees.c (building), trees_score.c (the walks) and
 * trees_threads.c (worker threads). Nothing outside the engine includes it,
 * except tests/test_scorer_batch.c for the walk switch below.
 */
#ifndef MLMD_SCORER_TREES_IMPL_H
#define MLMD_SCORER_TREES_IMPL_H

#include "trees.h"

#define SC_TREES_MAX_PAD 8        /* deepest tree padded to a complete tree */
#define SC_TREES_MAX_DEPTH 1024   /* deeper (or cyclic) trees are refused */
#define SC_TREES_BLOCK 64         /* rows per block: each tree is walked by a block before the next tree */
#define SC_TREES_GROUP 16         /* rows walked interleaved through one tree */
#define SC_TREES_MAX_KEYED 1024   /* most features the keyed walk copies per row */

/* A node of the generic layout. */
typedef struct {
	double thr;
	int32_t feat;
	uint8_t mode, miss;
	int32_t t, f;           /* >= 0: generic node index; < 0: ~leaf id */
	const double *set;      /* MEMBER: sorted values */
	int32_t nset;
} sc_gnode;

/* A node of the keyed layout (see trees_score.c): the threshold and the
 * column of the block copy to compare, packed so one load fetches both. */
typedef struct {
	float thr;
	int32_t col;            /* 2 * (the feature's index among the used ones) + missing-goes-left */
} sc_knode_f;
typedef struct {
	double thr;
	int32_t col, pad;
} sc_knode_d;

typedef struct {
	bool complete;
	int depth;
	int target;             /* complete trees whose leaves each vote once for one target; else -1 */
	int32_t *feat;          /* complete: 2^depth - 1 internal nodes, level by level */
	int32_t *featm;         /* the same, with the missing-goes-left flag in bit 31 (for the AVX2 walk) */
	float *thr_f;
	double *thr_d;
	uint8_t *miss_left;
	sc_knode_f *kf;         /* the keyed layout of the same nodes (NULL unless the keyed walk is used) */
	sc_knode_d *kd;
	double *leaf_d;         /* complete, single target: 2^depth leaf values */
	float *leaf_f;
	int32_t *leaf_id;       /* complete, several votes: 2^depth leaf ids */
	int32_t root;           /* generic: root (node index, or ~leaf id) */
} sc_tree;

/* How complete trees are walked in a batch (chosen at load, trees.c). */
enum {
	SC_WALK_DIRECT,         /* scalar, reading the caller's rows, with a NaN test per node */
	SC_WALK_AVX2,           /* eight rows per step with AVX2 gathers */
	SC_WALK_KEYED,          /* scalar, 16 rows interleaved, on a NaN-free block copy */
	SC_WALK_COUNT
};

struct sc_trees {
	int n_trees, n_targets, n_features;
	int walk;               /* SC_WALK_* */
	sc_agg agg;
	bool base_first, float_sum;
	double *base;
	sc_tree *trees;
	sc_gnode *g;
	int32_t *vote_start, *vote_count, *vote_target;  /* by leaf id (= source node index) */
	double *vote_w;
	float *vote_wf;
	int n_used;             /* features the complete trees test ... */
	int32_t *used;          /* ... and their indexes (the keyed block's columns, in pairs) */
	int64_t work;           /* node visits per row, about (for splitting a batch across threads) */
	sc_tree_view src;       /* the source trees, for explanations (vote arrays shared) */
};

/* The walk chosen for this CPU and these trees, MLMD_SCORER_PORTABLE
 * and MLMD_SCORER_WALK honoured (trees_score.c). */
int mlmd__sc_trees_pick_walk(const sc_trees *t);
/* Whether this CPU can run `walk` (trees_score.c). */
bool mlmd__sc_trees_walk_ok(int walk);
/* INVALID_ARGUMENT when rows of n_cols columns lack a feature the trees use. */
int mlmd__sc_trees_check_cols(const sc_trees *t, int64_t n_cols);
/* Bytes of working memory one call of mlmd__sc_trees_score_part needs. */
size_t mlmd__sc_trees_scratch_size(const sc_trees *t);
/* Scores rows [0, n) of x into out with `scratch` (scratch_size bytes,
 * 32-byte aligned) as its only working memory: safe on any thread. The
 * caller has checked n_cols. */
void mlmd__sc_trees_score_part(const sc_trees *t, void *scratch, int dtype, const void *x, int64_t n, int64_t n_cols,
	double *out);

/* For tests: makes t use `walk` (SC_WALK_*); INVALID_ARGUMENT when this
 * CPU or these trees cannot (the keyed walk needs the keyed layout, built
 * when the complete trees use 1 to SC_TREES_MAX_KEYED features). */
int mlmd__sc_trees_force_walk(sc_trees *t, int walk);

#endif

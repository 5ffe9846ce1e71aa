/*
 * scorer/trees.c - the tree engine: every tree format compiles to this.
 * This file builds the layouts; trees_score.c walks them, trees_threads.c
 * splits a batch across a score context's threads.
 *
 * Each tree becomes one of two layouts:
 *  - complete: trees at most MAX_PAD deep whose splits are all <, <=, >, >=
 *    against finite thresholds. Every comparison is rewritten as "x < t"
 *    (<= t becomes < the next representable value; > and >= swap the
 *    children), so the exact answer is kept, in float for float input and in
 *    double for double input. The tree is padded to a complete binary tree
 *    of its depth, stored level by level (the hot top levels first): node
 *    k's children are 2k+1 (x < t, or NaN when missing goes that way) and
 *    2k+2, so a walk is exactly `depth` steps with no branch and no leaf
 *    test. Besides the split arrays (feature, threshold, missing direction)
 *    each node is kept packed with its threshold in 8 bytes (16 for double)
 *    for the keyed walk (trees_score.c), when the trees use at most
 *    SC_TREES_MAX_KEYED features.
 *  - generic: explicit children and the six comparison modes plus set
 *    membership, for everything else.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/base.h"
#include "trees_impl.h"

#define MAX_PAD SC_TREES_MAX_PAD
#define MAX_DEPTH SC_TREES_MAX_DEPTH

typedef sc_gnode gnode;
typedef sc_tree tree;

int mlmd__sc_trees_n_features(const sc_trees *t) { return t->n_features; }
int mlmd__sc_trees_n_targets(const sc_trees *t) { return t->n_targets; }

/* ---- build -------------------------------------------------------------------------- */

static float round_down_f(double t)
{
	float f = (float)t;
	if ((double)f > t)
		f = nextafterf(f, -INFINITY);
	return f;
}

static float round_up_f(double t)
{
	float f = (float)t;
	if ((double)f < t)
		f = nextafterf(f, INFINITY);
	return f;
}

/* Depth of the tree at src node i (1 for a leaf), or -1 if deeper than
 * MAX_DEPTH (which is how a cycle shows up) or if internal nodes are
 * reached more often than there are nodes (shared subtrees, which could
 * blow up exponentially). *budget counts internal visits left. */
static int tree_depth(const sc_tree_src *s, int32_t i, int level, int64_t *budget)
{
	if (level > MAX_DEPTH)
		return -1;
	if (s->mode[i] == SC_MODE_LEAF)
		return 1;
	if (--*budget < 0)
		return -1;
	int a = tree_depth(s, s->true_child[i], level + 1, budget);
	if (a < 0)
		return -1;
	int b = tree_depth(s, s->false_child[i], level + 1, budget);
	if (b < 0)
		return -1;
	return 1 + (a > b ? a : b);
}

/* Can this subtree use the complete layout; sets *target to the single
 * target all its leaves vote for (or -1). */
static bool simple_subtree(const sc_tree_src *s, int32_t i, int *target, bool *single)
{
	if (s->mode[i] == SC_MODE_LEAF) {
		if (s->vote_count[i] != 1) {
			*single = false;
		} else {
			int tg = s->vote_target[s->vote_start[i]];
			if (*target == -2)
				*target = tg;
			else if (*target != tg)
				*single = false;
		}
		return true;
	}
	if (s->mode[i] > SC_MODE_GT || !isfinite(s->threshold[i]))
		return false;
	return simple_subtree(s, s->true_child[i], target, single) && simple_subtree(s, s->false_child[i], target, single);
}

/* Fills the complete layout below slot k (at level lvl) from src node i. */
static void fill_complete(const sc_tree_src *s, tree *t, int32_t i, int k, int lvl)
{
	int n_int = (1 << t->depth) - 1;
	if (s->mode[i] == SC_MODE_LEAF) {
		/* every padded leaf below slot k gets this leaf */
		int first = k, count = 1;
		for (int l = lvl; l < t->depth; l++) {
			first = 2 * first + 1;
			count *= 2;
		}
		for (int j = 0; j < count; j++) {
			int slot = first + j - n_int;
			if (t->target >= 0) {
				double w = s->vote_weight[s->vote_start[i]];
				t->leaf_d[slot] = w;
				t->leaf_f[slot] = (float)w;
			} else {
				t->leaf_id[slot] = i;
			}
		}
		/* internal phantom nodes below k: any comparison, both sides lead here */
		return;
	}
	double thr = s->threshold[i];
	int mode = s->mode[i];
	bool swap = mode == SC_MODE_GT || mode == SC_MODE_GTE;
	bool le = mode == SC_MODE_LEQ || mode == SC_MODE_GT; /* compare as <= */
	t->feat[k] = s->feature[i];
	if (le) {
		t->thr_f[k] = nextafterf(round_down_f(thr), INFINITY);
		t->thr_d[k] = nextafter(thr, INFINITY);
	} else {
		t->thr_f[k] = round_up_f(thr);
		t->thr_d[k] = thr;
	}
	t->miss_left[k] = (uint8_t)((s->missing_true && s->missing_true[i]) ^ swap);
	int32_t left = swap ? s->false_child[i] : s->true_child[i];
	int32_t right = swap ? s->true_child[i] : s->false_child[i];
	fill_complete(s, t, left, 2 * k + 1, lvl + 1);
	fill_complete(s, t, right, 2 * k + 2, lvl + 1);
}

static int build_generic(const sc_tree_src *s, sc_trees *T, int32_t i, int32_t *next, int32_t *out)
{
	if (s->mode[i] == SC_MODE_LEAF) {
		*out = ~i;
		return 0;
	}
	int32_t k = (*next)++;
	gnode *g = &T->g[k];
	g->thr = s->threshold[i];
	g->feat = s->feature[i];
	g->mode = s->mode[i];
	g->miss = s->missing_true ? s->missing_true[i] : 0;
	if (g->mode == SC_MODE_MEMBER) {
		g->set = s->member_sets[i];
		g->nset = s->member_count[i];
	}
	int rc = build_generic(s, T, s->true_child[i], next, &g->t);
	if (!rc)
		rc = build_generic(s, T, s->false_child[i], next, &g->f);
	*out = k;
	return rc;
}

/* A pool copy of n elements of `size` bytes (NULL for n == 0 is not an error: *ok stays). */
static void *keep(sc_pool *pool, const void *src, size_t n, size_t size, bool *ok)
{
	void *p = mlmd__sc_alloc_array(pool, n + 1, size);
	if (!p)
		*ok = false;
	else if (n)
		sc_memcpy(p, src, n * size);
	return p;
}

/* Keeps the source trees for explanations (sc_tree_view). */
static int keep_source(sc_trees *T, sc_pool *pool, const sc_tree_src *s)
{
	sc_tree_view *v = &T->src;
	size_t n = (size_t)s->n_nodes;
	bool ok = true, sets = false;
	v->n_trees = s->n_trees;
	v->n_nodes = s->n_nodes;
	v->n_targets = s->n_targets;
	v->agg = s->agg;
	v->base = T->base;
	v->roots = keep(pool, s->roots, (size_t)s->n_trees, sizeof(int32_t), &ok);
	v->mode = keep(pool, s->mode, n, 1, &ok);
	v->feature = keep(pool, s->feature, n, sizeof(int32_t), &ok);
	v->true_child = keep(pool, s->true_child, n, sizeof(int32_t), &ok);
	v->false_child = keep(pool, s->false_child, n, sizeof(int32_t), &ok);
	v->threshold = keep(pool, s->threshold, n, sizeof(double), &ok);
	if (s->missing_true) {
		v->missing_true = keep(pool, s->missing_true, n, 1, &ok);
	} else if (!(v->missing_true = mlmd__sc_alloc_array(pool, n + 1, 1))) {
		ok = false;
	}
	if (s->cover)
		v->cover = keep(pool, s->cover, n, sizeof(double), &ok);
	for (size_t i = 0; i < n; i++)
		sets = sets || s->mode[i] == SC_MODE_MEMBER;
	if (sets) {
		v->member_sets = keep(pool, s->member_sets, n, sizeof(double *), &ok);
		v->member_count = keep(pool, s->member_count, n, sizeof(int32_t), &ok);
	}
	v->vote_start = T->vote_start;
	v->vote_count = T->vote_count;
	v->vote_target = T->vote_target;
	v->vote_weight = T->vote_w;
	return ok ? 0 : MLMD_OOM();
}

void mlmd__sc_trees_view(const sc_trees *t, sc_tree_view *v) { *v = t->src; }

/* The keyed layout of every complete tree (trees_score.c): the features
 * the complete trees test, numbered in order of first use, and each node
 * packed as (threshold, 2 * used index + missing-goes-left). Padding nodes
 * below an early leaf get column 0: both their children lead to that leaf.
 * Skipped (t->kf NULL) when more than SC_TREES_MAX_KEYED features are used. */
static int build_keyed(sc_trees *T, sc_pool *pool)
{
	if (T->n_features == 0)
		return 0;
	int32_t *index = malloc((size_t)T->n_features * sizeof *index);
	if (!index)
		return MLMD_OOM();
	for (int f = 0; f < T->n_features; f++)
		index[f] = -1;
	int n_used = 0;
	for (int k = 0; k < T->n_trees; k++) {
		const tree *t = &T->trees[k];
		if (!t->complete)
			continue;
		for (int q = 0; q < (1 << t->depth) - 1; q++)
			if (index[t->feat[q]] < 0)
				index[t->feat[q]] = n_used++;
	}
	if (n_used == 0 || n_used > SC_TREES_MAX_KEYED) {
		free(index);
		return 0;
	}
	T->used = mlmd__sc_alloc_array(pool, (size_t)n_used, sizeof *T->used);
	if (!T->used) {
		free(index);
		return MLMD_OOM();
	}
	for (int f = 0; f < T->n_features; f++)
		if (index[f] >= 0)
			T->used[index[f]] = f;
	T->n_used = n_used;
	for (int k = 0; k < T->n_trees; k++) {
		tree *t = &T->trees[k];
		size_t ni = ((size_t)1 << t->depth) - 1;
		if (!t->complete)
			continue;
		t->kf = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->kf);
		t->kd = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->kd);
		if (!t->kf || !t->kd) {
			free(index);
			return MLMD_OOM();
		}
		for (size_t q = 0; q < ni; q++) {
			int32_t col = 2 * index[t->feat[q]] + t->miss_left[q];
			t->kf[q].thr = t->thr_f[q];
			t->kf[q].col = col;
			t->kd[q].thr = t->thr_d[q];
			t->kd[q].col = col;
		}
	}
	free(index);
	return 0;
}

int mlmd__sc_trees_build(sc_trees **out, sc_pool *pool, const sc_tree_src *s, const char *what)
{
	int rc_keep;
	sc_trees *T = mlmd__sc_alloc(pool, sizeof *T);
	if (!T)
		return MLMD_OOM();
	if (s->n_targets < 1 || s->n_targets > 100000)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %d targets", what, s->n_targets);
	T->n_trees = s->n_trees;
	T->n_targets = s->n_targets;
	T->agg = s->agg;
	T->base_first = s->base_first;
	T->float_sum = s->float_sum;
	T->trees = mlmd__sc_alloc_array(pool, (size_t)s->n_trees + 1, sizeof *T->trees);
	T->g = mlmd__sc_alloc_array(pool, (size_t)s->n_nodes + 1, sizeof *T->g);
	T->base = mlmd__sc_alloc_array(pool, (size_t)s->n_targets, sizeof *T->base);
	if (!T->trees || !T->g || !T->base)
		return MLMD_OOM();
	for (int k = 0; k < s->n_targets; k++)
		T->base[k] = s->base ? s->base[k] : 0;
	/* check every reference first, so the walks below stay in bounds */
	int n_votes = 0;
	for (int i = 0; i < s->n_nodes; i++) {
		if (s->mode[i] > SC_MODE_LEAF)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: node %d has an unknown mode", what, i);
		if (s->mode[i] == SC_MODE_LEAF) {
			if (s->vote_count[i] < 0 || s->vote_start[i] < 0)
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: leaf %d has invalid votes", what, i);
			n_votes = s->vote_start[i] + s->vote_count[i] > n_votes ? s->vote_start[i] + s->vote_count[i] : n_votes;
			for (int v = s->vote_start[i]; v < s->vote_start[i] + s->vote_count[i]; v++)
				if (s->vote_target[v] < 0 || s->vote_target[v] >= s->n_targets)
					return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: leaf %d votes for target %d, outside "
						"0..%d", what, i, s->vote_target[v], s->n_targets - 1);
			continue;
		}
		if (s->true_child[i] < 0 || s->true_child[i] >= s->n_nodes || s->false_child[i] < 0 ||
			s->false_child[i] >= s->n_nodes)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: node %d has a child outside the tree", what, i);
		if (s->feature[i] < 0 || s->feature[i] > 10000000)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: node %d uses feature %d", what, i, s->feature[i]);
		if (s->feature[i] + 1 > T->n_features)
			T->n_features = s->feature[i] + 1;
	}
	T->vote_start = mlmd__sc_alloc_array(pool, (size_t)s->n_nodes + 1, sizeof(int32_t));
	T->vote_count = mlmd__sc_alloc_array(pool, (size_t)s->n_nodes + 1, sizeof(int32_t));
	T->vote_target = mlmd__sc_alloc_array(pool, (size_t)n_votes + 1, sizeof(int32_t));
	T->vote_w = mlmd__sc_alloc_array(pool, (size_t)n_votes + 1, sizeof(double));
	T->vote_wf = mlmd__sc_alloc_array(pool, (size_t)n_votes + 1, sizeof(float));
	if (!T->vote_start || !T->vote_count || !T->vote_target || !T->vote_w || !T->vote_wf)
		return MLMD_OOM();
	sc_memcpy(T->vote_start, s->vote_start, (size_t)s->n_nodes * sizeof(int32_t));
	sc_memcpy(T->vote_count, s->vote_count, (size_t)s->n_nodes * sizeof(int32_t));
	if (n_votes) {
		sc_memcpy(T->vote_target, s->vote_target, (size_t)n_votes * sizeof(int32_t));
		sc_memcpy(T->vote_w, s->vote_weight, (size_t)n_votes * sizeof(double));
	}
	for (int v = 0; v < n_votes; v++)
		T->vote_wf[v] = (float)T->vote_w[v];
	if ((rc_keep = keep_source(T, pool, s)))
		return rc_keep;
	int32_t next = 0;
	int64_t budget = s->n_nodes;
	for (int k = 0; k < s->n_trees; k++) {
		tree *t = &T->trees[k];
		int32_t root = s->roots[k];
		if (root < 0 || root >= s->n_nodes)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: tree %d has no valid root", what, k);
		int depth = tree_depth(s, root, 1, &budget);
		if (depth < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: tree %d is deeper than %d levels, has a cycle or "
				"shares nodes with another branch or tree", what, k, MAX_DEPTH);
		int target = -2;
		bool single = true;
		if (!s->compact && depth - 1 <= MAX_PAD && simple_subtree(s, root, &target, &single)) {
			t->complete = true;
			t->depth = depth - 1;
			t->target = single && target >= 0 ? target : -1;
			size_t ni = ((size_t)1 << t->depth) - 1, nl = (size_t)1 << t->depth;
			t->feat = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->feat);
			t->thr_f = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->thr_f);
			t->thr_d = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->thr_d);
			t->miss_left = mlmd__sc_alloc_array(pool, ni + 1, 1);
			t->featm = mlmd__sc_alloc_array(pool, ni + 1, sizeof *t->featm);
			if (t->target >= 0) {
				t->leaf_d = mlmd__sc_alloc_array(pool, nl, sizeof *t->leaf_d);
				t->leaf_f = mlmd__sc_alloc_array(pool, nl, sizeof *t->leaf_f);
			} else {
				t->leaf_id = mlmd__sc_alloc_array(pool, nl, sizeof *t->leaf_id);
			}
			if (!t->feat || !t->thr_f || !t->thr_d || !t->miss_left || (!t->leaf_d && !t->leaf_id) ||
				(t->target >= 0 && !t->leaf_f))
				return MLMD_OOM();
			if (!t->featm)
				return MLMD_OOM();
			fill_complete(s, t, root, 0, 0);
			for (size_t q = 0; q < ni; q++)
				t->featm[q] = (int32_t)((uint32_t)t->feat[q] | ((uint32_t)t->miss_left[q] << 31));
		} else {
			t->complete = false;
			int rc = build_generic(s, T, root, &next, &t->root);
			if (rc)
				return rc;
		}
		T->work += depth;
	}
	int rc = build_keyed(T, pool);
	if (rc)
		return rc;
	T->walk = mlmd__sc_trees_pick_walk(T);
	*out = T;
	return 0;
}

/* ---- loaders' helpers ----------------------------------------------------------------- */

void mlmd__sc_tree_buf_free(sc_tree_buf *b)
{
	free(b->roots);
	free(b->feature);
	free(b->tchild);
	free(b->fchild);
	free(b->vstart);
	free(b->vcount);
	free(b->vtarget);
	free(b->mode);
	free(b->miss);
	free(b->thr);
	free(b->vweight);
	free(b->sets);
	free(b->nsets);
	free(b->cover);
}

int mlmd__sc_tree_buf_alloc(sc_tree_buf *b, size_t nodes, size_t votes, size_t trees)
{
	memset(b, 0, sizeof *b);
	b->roots = calloc(trees + 1, sizeof(int32_t));
	b->feature = calloc(nodes + 1, sizeof(int32_t));
	b->tchild = calloc(nodes + 1, sizeof(int32_t));
	b->fchild = calloc(nodes + 1, sizeof(int32_t));
	b->vstart = calloc(nodes + 1, sizeof(int32_t));
	b->vcount = calloc(nodes + 1, sizeof(int32_t));
	b->vtarget = calloc(votes + 1, sizeof(int32_t));
	b->mode = calloc(nodes + 1, 1);
	b->miss = calloc(nodes + 1, 1);
	b->thr = calloc(nodes + 1, sizeof(double));
	b->vweight = calloc(votes + 1, sizeof(double));
	b->sets = calloc(nodes + 1, sizeof(double *));
	b->nsets = calloc(nodes + 1, sizeof(int32_t));
	if (!b->roots || !b->feature || !b->tchild || !b->fchild || !b->vstart || !b->vcount || !b->vtarget ||
		!b->mode || !b->miss || !b->thr || !b->vweight || !b->sets || !b->nsets)
		return MLMD_OOM();
	b->s.roots = b->roots;
	b->s.mode = b->mode;
	b->s.feature = b->feature;
	b->s.threshold = b->thr;
	b->s.missing_true = b->miss;
	b->s.true_child = b->tchild;
	b->s.false_child = b->fchild;
	b->s.vote_start = b->vstart;
	b->s.vote_count = b->vcount;
	b->s.vote_target = b->vtarget;
	b->s.vote_weight = b->vweight;
	b->s.member_sets = (const double *const *)b->sets;
	b->s.member_count = b->nsets;
	b->s.n_nodes = (int)nodes;
	return 0;
}

/* ---- post transforms ------------------------------------------------------------------------ */

/* Inverse error function: a rational first guess refined by Newton steps
 * on erf() from libm (two steps reach double precision). */
static double erfinv(double y)
{
	if (y <= -1)
		return y == -1 ? -INFINITY : NAN;
	if (y >= 1)
		return y == 1 ? INFINITY : NAN;
	double w = -log((1.0 - y) * (1.0 + y)), x;
	if (w < 5.0) {
		w -= 2.5;
		x = 2.81022636e-08;
		x = 3.43273939e-07 + x * w;
		x = -3.5233877e-06 + x * w;
		x = -4.39150654e-06 + x * w;
		x = 0.00021858087 + x * w;
		x = -0.00125372503 + x * w;
		x = -0.00417768164 + x * w;
		x = 0.246640727 + x * w;
		x = 1.50140941 + x * w;
	} else {
		w = sqrt(w) - 3.0;
		x = -0.000200214257;
		x = 0.000100950558 + x * w;
		x = 0.00134934322 + x * w;
		x = -0.00367342844 + x * w;
		x = 0.00573950773 + x * w;
		x = -0.0076224613 + x * w;
		x = 0.00943887047 + x * w;
		x = 1.00167406 + x * w;
		x = 2.83297682 + x * w;
	}
	x *= y;
	for (int i = 0; i < 2; i++)
		x -= (erf(x) - y) / (1.1283791670955126 /* 2/sqrt(pi) */ * exp(-x * x));
	return x;
}

void mlmd__sc_post_transform(sc_post post, double *s, int64_t n, int k)
{
	for (int64_t r = 0; r < n; r++) {
		double *v = s + r * k;
		switch (post) {
		case SC_POST_LOGISTIC:
			for (int j = 0; j < k; j++) {
				double e = 1.0 / (1.0 + exp(-fabs(v[j])));
				v[j] = v[j] < 0 ? 1 - e : e;
			}
			break;
		case SC_POST_SOFTMAX:
		case SC_POST_SOFTMAX_ZERO: {
			double mx = -INFINITY, sum = 0;
			for (int j = 0; j < k; j++)
				mx = v[j] > mx ? v[j] : mx;
			for (int j = 0; j < k; j++) {
				v[j] = (post == SC_POST_SOFTMAX_ZERO && v[j] == 0) ? 0 : exp(v[j] - mx);
				sum += v[j];
			}
			for (int j = 0; j < k; j++)
				v[j] = sum > 0 ? v[j] / sum : 0;
			break;
		}
		case SC_POST_PROBIT:
			for (int j = 0; j < k; j++)
				v[j] = sqrt(2.0) * erfinv(2 * v[j] - 1);
			break;
		default:
			break;
		}
	}
}

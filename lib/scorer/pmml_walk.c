/*
 * scorer/pmml_walk.c - the batched PMML ensemble's trees (pmml_batch.c)
 * walked sixteen rows at a time, for trees the tree engine would walk one
 * row at a time.
 *
 * The engine keeps its branch-free walks for trees of at most eight levels
 * whose tests are all <, <=, > or >= (trees.c); deeper trees, and trees
 * testing equality or set membership (text fields), go through its generic
 * walk: one row, one node after the other, with a switch on the test and a
 * branch per node that the processor mispredicts about every other time.
 * Random forests grow trees 15 to 30 levels deep, so that walk was most of
 * the time a batch of them took. Here the same trees (the engine's own
 * compilation, read through mlmd__sc_trees_view, so the paths and leaves are
 * the engine's by construction) are laid out again for a walk that keeps
 * sixteen rows in flight through one tree, without vector gathers:
 *
 *  - Every test is one compare: x goes to the node's "true" side when
 *    x <= c, the answer inverted when flip is set; NaN (a missing value)
 *    fails the compare, and a per-node bit sends it where the source node
 *    sent it. <= t is x <= t, < t is x <= (the double below t), > and >=
 *    are those inverted; == t (and a run of a set) is an interval [lo, hi]:
 *    two such nodes, x <= hi then x >= lo. A set becomes a small search
 *    tree over its values (runs of consecutive codes merged for text
 *    fields, whose values are always whole codes). So each step is the
 *    same few instructions whatever the test was, with no branch.
 *  - Nodes are 24 bytes with both children's indexes, stored tree by tree
 *    and, within a tree, level by level (breadth first), so the top levels
 *    every row crosses share a few cache lines.
 *  - A tree is walked by sixteen lanes, each a row at some node; each step
 *    moves every lane one level down; the lanes' chains of loads do not
 *    depend on each other, so the processor overlaps them. A lane that
 *    reaches a leaf writes it and takes the next row from the root, so
 *    lanes never wait for the deepest row.
 *
 * What the walk cannot express, it does not take: a set holding NaN, or a
 * leaf voting other than once for its own tree (never built by
 * pmml_batch.c). mlmd__pmml_walk_build then builds nothing and the engine
 * walks those trees as before.
 */
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

#define LANES 16                 /* rows in flight through one tree */
#define CHUNK 256                /* rows a call walks through every tree before the next rows */
#define MIN_PART_WORK 20000      /* node visits worth a thread handoff (as the engine's, trees_threads.c) */
#define DEEP 9                   /* levels (a leaf counting one) past which the engine walks a tree generically */

/* One test: x goes to kid[1] when x <= c, the answer inverted by flip. A
 * leaf is not a node: a child index k < 0 is leaf ~k. */
typedef struct {
	double c;
	int32_t feat;            /* the row's column */
	uint8_t flip;
	uint8_t nanx;            /* flip ^ (1 when NaN goes to kid[1]): NaN fails the compare */
	int32_t kid[2];          /* [0] the test fails, [1] it holds */
} pwnode;

struct pwalk {
	int n_trees;
	int32_t *root;           /* per tree: its first node, or ~leaf for a tree that is a leaf */
	pwnode *node;
	double *leaf;            /* each leaf's result: what the engine gives for its tree's target */
	int64_t work;            /* node visits per row, about (the trees' depths summed) */
};

/* ---- building ------------------------------------------------------------------------------ */

/* The interval an engine split of `mode` against thr tests: x in [*lo, *hi]
 * (inverted when *flip) sends x to the true child. <= t is [-inf, t], < t
 * is [-inf, the double below t], >= and > likewise, == t is [t, t], != t
 * its inverse; a NaN threshold, or < -inf and > +inf, hold for no x. */
static void interval(int mode, double thr, double *lo, double *hi, bool *flip)
{
	bool empty = thr != thr;
	*lo = -INFINITY;
	*hi = INFINITY;
	*flip = mode == SC_MODE_NEQ;
	switch (mode) {
	case SC_MODE_LEQ: *hi = thr; break;
	case SC_MODE_LT: empty |= thr == -INFINITY; *hi = nextafter(thr, -INFINITY); break;
	case SC_MODE_GTE: *lo = thr; break;
	case SC_MODE_GT: empty |= thr == INFINITY; *lo = nextafter(thr, INFINITY); break;
	default: *lo = *hi = thr; break; /* SC_MODE_EQ, SC_MODE_NEQ */
	}
	if (empty) {
		*lo = INFINITY;
		*hi = -INFINITY;
	}
}

/* Nodes an interval test takes: one when it is open on a side (or empty), else two. */
static int interval_nodes(double lo, double hi)
{
	return lo == -INFINITY || hi == INFINITY || lo > hi ? 1 : 2;
}

static void set_node(pwnode *nd, int32_t feat, double c, bool flip, int32_t k1, int32_t k0, int32_t nan_to)
{
	*nd = (pwnode){ .c = c, .feat = feat, .flip = flip, .kid = { k0, k1 } };
	nd->nanx = (uint8_t)(flip ^ (nan_to == k1 && nan_to != k0)); /* (NaN compares false: flip sends it to kid[flip]) */
}

/* Emits the interval test (x in [lo, hi]) xor flip -> t, else f, NaN ->
 * nan_to, at node `at` (and the one after it when it takes two); returns
 * the next free node. */
static int32_t emit_interval(pwnode *N, int32_t at, int32_t feat, double lo, double hi, bool flip, int32_t t, int32_t f,
	int32_t nan_to)
{
	int32_t in = flip ? f : t, out = flip ? t : f;
	if (lo > hi) { /* no x: x <= +inf inverted fails for every x */
		set_node(&N[at], feat, INFINITY, true, in, out, nan_to);
		return at + 1;
	}
	if (lo == -INFINITY) { /* x <= hi */
		set_node(&N[at], feat, hi, false, in, out, nan_to);
		return at + 1;
	}
	if (hi == INFINITY) { /* x >= lo: x <= (the double below lo) inverted */
		set_node(&N[at], feat, nextafter(lo, -INFINITY), true, in, out, nan_to);
		return at + 1;
	}
	/* x <= hi, then x <= (the double below lo) inverted */
	set_node(&N[at], feat, hi, false, at + 1, out, nan_to == out ? out : at + 1);
	set_node(&N[at + 1], feat, nextafter(lo, -INFINITY), true, in, out, nan_to);
	return at + 2;
}

/* Runs of a sorted set: values equal to the one before are dropped (0 and
 * -0 included), and for a feature whose values are whole numbers (a text
 * field's codes) consecutive values join one run. Returns the count; lo/hi
 * NULL only counts. */
static int set_runs(const double *set, int32_t n, bool whole, double *lo, double *hi)
{
	int r = 0;
	double cur_hi = 0;
	for (int32_t i = 0; i < n; i++) {
		double v = set[i];
		if (r && (v == cur_hi || (whole && v == cur_hi + 1 && v == floor(v) && fabs(v) < 1e15))) {
			cur_hi = v;
			if (hi)
				hi[r - 1] = v;
			continue;
		}
		if (lo)
			lo[r] = hi[r] = v;
		cur_hi = v;
		r++;
	}
	return r;
}

/* Working state of one build. */
typedef struct {
	const sc_tree_view *v;
	const bool *whole;       /* per feature: its values are whole numbers */
	int32_t *slot;           /* source node -> its first node here, or ~its leaf */
	int32_t *queue;
	pwalk *w;
	int32_t n_nodes, n_leaves;
	double *rlo, *rhi;       /* one set's runs */
} wbuild;

/* Nodes source node i takes: its interval test's, or for a set of r runs
 * a search tree: r - 1 splits and each run's test. */
static int32_t nodes_of(const wbuild *b, int32_t i)
{
	const sc_tree_view *v = b->v;
	if (v->mode[i] != SC_MODE_MEMBER) {
		double lo, hi;
		bool flip;
		interval(v->mode[i], v->threshold[i], &lo, &hi, &flip);
		return interval_nodes(lo, hi);
	}
	int r = set_runs(v->member_sets[i], v->member_count[i], b->whole[v->feature[i]], b->rlo, b->rhi);
	int32_t n = r ? r - 1 : 1;
	for (int k = 0; k < r; k++)
		n += interval_nodes(b->rlo[k], b->rhi[k]);
	return n;
}

/* Emits the search tree of runs [a, z] of a set at node `at` (and the
 * nodes after it, preorder); returns the next free node. The runs' tests
 * lead to t (in the set) or f, NaN to nan_to; splits send NaN to their
 * first half, down to run a. */
static int32_t emit_runs(wbuild *b, int32_t at, int a, int z, int32_t feat, int32_t t, int32_t f, int32_t nan_to)
{
	pwnode *N = b->w->node;
	if (a == z)
		return emit_interval(N, at, feat, b->rlo[a], b->rhi[a], false, t, f, nan_to);
	int mid = (a + z) / 2;
	int32_t second = emit_runs(b, at + 1, a, mid, feat, t, f, nan_to);
	set_node(&N[at], feat, b->rhi[mid], false, at + 1, second, at + 1);
	return emit_runs(b, second, mid + 1, z, feat, t, f, nan_to);
}

/* Whether tree k's nodes are what the walk takes: leaves voting at most once, for target k; sets
 * without NaN. Counts its nodes and leaves, and its depth in *depth. */
static bool tree_fits(wbuild *b, int k, int *depth)
{
	const sc_tree_view *v = b->v;
	int32_t head = 0, tail = 0;
	b->queue[tail++] = v->roots[k];
	*depth = 0;
	/* breadth first, a level at a time (the engine has checked: no cycle, no shared node) */
	while (head < tail) {
		int32_t end = tail;
		++*depth;
		for (; head < end; head++) {
			int32_t i = b->queue[head];
			if (v->mode[i] == SC_MODE_LEAF) {
				if (v->vote_count[i] > 1 || (v->vote_count[i] == 1 && v->vote_target[v->vote_start[i]] != k))
					return false;
				b->n_leaves++;
				continue;
			}
			if (v->mode[i] == SC_MODE_MEMBER)
				for (int32_t s = 0; s < v->member_count[i]; s++)
					if (v->member_sets[i][s] != v->member_sets[i][s])
						return false;
			b->n_nodes += nodes_of(b, i);
			b->queue[tail++] = v->true_child[i];
			b->queue[tail++] = v->false_child[i];
		}
	}
	return true;
}

/* Lays tree k out: slots in breadth-first order, then each node's test. */
static void lay_tree(wbuild *b, int k, int32_t *next_node, int32_t *next_leaf)
{
	const sc_tree_view *v = b->v;
	pwalk *w = b->w;
	int32_t head = 0, tail = 0;
	b->queue[tail++] = v->roots[k];
	while (head < tail) {
		int32_t i = b->queue[head++];
		if (v->mode[i] == SC_MODE_LEAF) {
			int32_t l = (*next_leaf)++;
			b->slot[i] = ~l;
			/* the engine's result for target k: its vote (0 without one) plus a base of 0 */
			w->leaf[l] = (v->vote_count[i] ? v->vote_weight[v->vote_start[i]] : 0) + 0.0;
			continue;
		}
		b->slot[i] = *next_node;
		*next_node += nodes_of(b, i);
		b->queue[tail++] = v->true_child[i];
		b->queue[tail++] = v->false_child[i];
	}
	w->root[k] = b->slot[v->roots[k]];
	for (head = 0; head < tail; head++) {
		int32_t i = b->queue[head];
		if (v->mode[i] == SC_MODE_LEAF)
			continue;
		int32_t at = b->slot[i], t = b->slot[v->true_child[i]], f = b->slot[v->false_child[i]];
		int32_t nan_to = v->missing_true && v->missing_true[i] ? t : f;
		if (v->mode[i] == SC_MODE_MEMBER) {
			int r = set_runs(v->member_sets[i], v->member_count[i], b->whole[v->feature[i]], b->rlo, b->rhi);
			if (r)
				emit_runs(b, at, 0, r - 1, v->feature[i], t, f, nan_to);
			else /* the empty set */
				emit_interval(w->node, at, v->feature[i], INFINITY, -INFINITY, false, t, f, nan_to);
		} else {
			double lo, hi;
			bool flip;
			interval(v->mode[i], v->threshold[i], &lo, &hi, &flip);
			emit_interval(w->node, at, v->feature[i], lo, hi, flip, t, f, nan_to);
		}
	}
}

bool mlmd__pmml_walk_pays(const sc_trees *eng)
{
	sc_tree_view v;
	mlmd__sc_trees_view(eng, &v);
	for (int q = 0; q < v.n_nodes; q++)
		if (v.mode[q] != SC_MODE_LEAF && (v.mode[q] > SC_MODE_GT || !isfinite(v.threshold[q])))
			return true;
	/* a tree deeper than the engine pads: breadth first, a level at a time */
	int32_t *queue = malloc((2 * (size_t)v.n_nodes + 2) * sizeof *queue);
	if (!queue)
		return false; /* (the engine walks them, as before) */
	bool deep = false;
	for (int k = 0; k < v.n_trees && !deep; k++) {
		int32_t head = 0, tail = 0, depth = 0;
		queue[tail++] = v.roots[k];
		while (head < tail && !deep) {
			deep = ++depth > DEEP;
			for (int32_t end = tail; head < end; head++) {
				int32_t i = queue[head];
				if (v.mode[i] != SC_MODE_LEAF) {
					queue[tail++] = v.true_child[i];
					queue[tail++] = v.false_child[i];
				}
			}
		}
	}
	free(queue);
	return deep;
}

int mlmd__pmml_walk_build(pwalk **out, sc_pool *pool, const sc_trees *eng, const bool *whole)
{
	*out = NULL;
	sc_tree_view v;
	mlmd__sc_trees_view(eng, &v);
	if (v.n_trees < 1 || v.n_targets != v.n_trees)
		return 0;
	wbuild b = { .v = &v, .whole = whole };
	int32_t max_set = 1;
	for (int q = 0; q < v.n_nodes; q++)
		if (v.mode[q] == SC_MODE_MEMBER && v.member_count[q] > max_set)
			max_set = v.member_count[q];
	b.slot = malloc(((size_t)v.n_nodes + 1) * sizeof *b.slot);
	b.queue = malloc((2 * (size_t)v.n_nodes + 2) * sizeof *b.queue); /* (a leaf may have two parents) */
	b.rlo = malloc((size_t)max_set * sizeof *b.rlo);
	b.rhi = malloc((size_t)max_set * sizeof *b.rhi);
	int rc = b.slot && b.queue && b.rlo && b.rhi ? 0 : MLMD_OOM();
	int64_t work = 0;
	bool fits = true;
	for (int k = 0; !rc && fits && k < v.n_trees; k++) {
		int depth;
		fits = tree_fits(&b, k, &depth);
		work += depth;
		fits &= b.n_nodes < INT32_MAX / 2 && b.n_leaves < INT32_MAX / 2;
	}
	pwalk *w = NULL;
	if (!rc && fits) {
		w = mlmd__sc_alloc(pool, sizeof *w);
		if (w) {
			w->n_trees = v.n_trees;
			w->work = work;
			w->root = mlmd__sc_alloc_array(pool, (size_t)v.n_trees, sizeof *w->root);
			w->node = mlmd__sc_alloc_array(pool, (size_t)b.n_nodes + 1, sizeof *w->node);
			w->leaf = mlmd__sc_alloc_array(pool, (size_t)b.n_leaves + 1, sizeof *w->leaf);
		}
		if (!w || !w->root || !w->node || !w->leaf)
			rc = MLMD_OOM();
	}
	if (!rc && fits) {
		b.w = w;
		int32_t nn = 0, nl = 0;
		for (int k = 0; k < v.n_trees; k++)
			lay_tree(&b, k, &nn, &nl);
		*out = w;
	}
	free(b.slot);
	free(b.queue);
	free(b.rlo);
	free(b.rhi);
	return rc;
}

/* ---- walking ------------------------------------------------------------------------------- */

/* Rows [0, n) of x (ld doubles apart) through tree k: each row's leaf
 * result into out[r * ldo + k]. */
static void walk_tree(const pwalk *w, int k, const double *x, int64_t ld, int n, double *out, int64_t ldo)
{
	int32_t root = w->root[k];
	if (root < 0) {
		for (int r = 0; r < n; r++)
			out[r * ldo + k] = w->leaf[~root];
		return;
	}
	const pwnode *N = w->node;
	const double *row[LANES];
	double *dst[LANES], sink;
	int32_t at[LANES];
	int next = 0, left = n;
	/* lanes past the last row walk row 0 into `sink` until the others are done */
	for (int j = 0; j < LANES; j++, next++) {
		at[j] = root;
		row[j] = next < n ? x + next * ld : x;
		dst[j] = next < n ? out + next * ldo + k : &sink;
	}
	while (left > 0) {
		_Pragma("GCC unroll 16")
		for (int j = 0; j < LANES; j++) {
			const pwnode *nd = &N[at[j]];
			double v = row[j][nd->feat];
			unsigned go = (unsigned)(v <= nd->c) ^ nd->flip ^ ((unsigned)(v != v) & nd->nanx);
			int32_t c = nd->kid[go];
			at[j] = c;
			if (c < 0) {
				*dst[j] = w->leaf[~c];
				left -= dst[j] != &sink;
				at[j] = root;
				row[j] = next < n ? x + next * ld : x;
				dst[j] = next < n ? out + next * ldo + k : &sink;
				next++;
			}
		}
	}
}

void mlmd__pmml_walk_rows(const pwalk *w, const double *x, int64_t n, int64_t ld, double *out)
{
	for (int64_t r0 = 0; r0 < n; r0 += CHUNK) {
		int m = (int)(n - r0 < CHUNK ? n - r0 : CHUNK);
		for (int k = 0; k < w->n_trees; k++)
			walk_tree(w, k, x + r0 * ld, ld, m, out + r0 * w->n_trees, w->n_trees);
	}
}

/* ---- across a score context's threads ------------------------------------------------------ */

typedef struct {
	const pwalk *w;
	const double *x;
	int64_t n, ld, chunk;
	double *out;
	atomic_llong next;       /* the first row no part has taken yet */
} walk_job;

static void walk_piece(void *p, int part)
{
	(void)part;
	walk_job *j = p;
	for (;;) {
		int64_t r0 = atomic_fetch_add(&j->next, j->chunk);
		if (r0 >= j->n)
			break;
		int64_t r1 = r0 + j->chunk < j->n ? r0 + j->chunk : j->n;
		mlmd__pmml_walk_rows(j->w, j->x + r0 * j->ld, r1 - r0, j->ld, j->out + r0 * j->w->n_trees);
	}
}

int mlmd__pmml_walk_score(const pwalk *w, mlmd_score_ctx *ctx, const double *x, int64_t n, int64_t ld, double *out)
{
	int threads = ctx->n_threads > 1 ? ctx->n_threads : 1;
	int64_t parts = n * (w->work > 0 ? w->work : 1) / (ctx->min_part_work > 0 ? ctx->min_part_work : MIN_PART_WORK);
	parts = parts < 1 ? 1 : parts > threads ? threads : parts;
	if (parts <= 1) {
		mlmd__pmml_walk_rows(w, x, n, ld, out);
		return 0;
	}
	/* about eight chunks a part, taken in turn, so a part slowed by other work does less of them */
	int64_t chunk = (n + parts * 8 - 1) / (parts * 8);
	chunk = chunk < LANES ? LANES : chunk;
	walk_job j = { .w = w, .x = x, .n = n, .ld = ld, .chunk = chunk, .out = out };
	atomic_init(&j.next, 0);
	return mlmd__sc_parallel(ctx, (int)parts, walk_piece, &j);
}

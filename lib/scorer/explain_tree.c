/*
 * scorer/explain_tree.c - the tree engine of explanations (explain.h):
 * covers and exact path-dependent TreeSHAP (Lundberg et al., "Consistent
 * individualized feature attribution for tree ensembles").
 *
 * For one leaf with value v, let U be the d distinct features on its path,
 * z_j the product of the cover fractions cover(child)/cover(node) of the
 * path's nodes that split on j, and o_j = 1 when the row follows every one
 * of j's splits on the path (0 otherwise). The path-dependent expectation
 * of the leaf given the features S is v * prod_{j in S} o_j * prod_{j not
 * in S} z_j, and its Shapley values over U are (Algorithm 2's result)
 *
 *   phi_i = v (o_i - z_i) sum_k w(k, d) [y^k] prod_{j != i} (z_j + o_j y),
 *   w(k, d) = k! (d - 1 - k)! / d!.
 *
 * Since o is 0 or 1, a leaf's coefficients depend only on which of its
 * features are hot (the mask of o): every cold feature gets the same
 * -Zc S(P_H), every hot one (1 - z_i) Zc S(P_H / (z_i + y)), with Zc the
 * product of the cold z, P_H(y) = prod_{hot j} (z_j + y) and S(P) =
 * sum_k w(k, d) [y^k] P. They are computed once per leaf and mask at build
 * (2^d + d 2^(d-1) doubles a leaf, for d <= TABLE_D within a memory
 * budget), so a row costs, per tree, one comparison per node and, per
 * leaf, its path's bits and d additions (the precomputation idea of Fast
 * TreeSHAP v2, by hot set rather than by subset). Leaves beyond the table
 * are computed per row from the same formula.
 *
 * The bias of a target is the ensemble's base value plus, for every tree,
 * the sum over its leaves of v times the product of the cover fractions on
 * the way (the cover-weighted mean of the leaves); averaging ensembles
 * divide the leaf values by the number of trees. Covers: XGBoost's
 * sum_hessian, PMML's recordCount, ONNX counted from a background sample.
 * A node whose cover is 0 gives its children fraction 0. Which trees a
 * model holds, and their covers, is explain_tree_model.c's and
 * explain_tree_pmml.c's.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain_tree.h"

#define TABLE_D 12                      /* leaves with more distinct features are computed per row */
#define TABLE_BUDGET (64u << 20)        /* bytes of leaf tables per explainer */
#define ROW_BLOCK 32                    /* rows explained together, tree by tree */

typedef struct {
	double thr;
	int32_t feat;
	uint8_t mode, miss;
	int32_t nset;
	const double *set;
} xint;

typedef struct {
	int32_t d, plen;
	int32_t path;                   /* first entry in the tree's path arrays */
	int32_t slots;                  /* first entry in the tree's slot arrays */
	int32_t vstart, vcount;         /* votes in the engine's arrays */
	const double *table;            /* per mask: cold coefficient, then the hot ones in slot order; or NULL */
} xleaf;

typedef struct {
	int32_t n_int, n_leaves, n_path, n_slots;
	xint *in;
	xleaf *lf;
	int32_t *pnode, *pslot;         /* path entries: internal node, slot of its feature */
	uint8_t *pwant;                 /* 1: the path takes the node's true child */
	int32_t *sfeat;                 /* slots: feature (column), cold fraction */
	double *sz;
} xtree;

typedef struct {
	sc_pool pool;                   /* everything below */
	const sc_trees *T;
	int n_cols;                     /* columns of the trees' input matrix (= features explained) */
	int n_out;
	int n_trees;
	xtree *trees;
	int32_t *vout;                  /* votes: output index */
	double *vw;                     /* votes: weight (divided by the tree count when averaging) */
	double *bias;                   /* n_out */
	int32_t *tmap;                  /* the trees' targets: output index or -1 */
	int32_t *offs;                  /* table offsets: offs[obase[d] + mask] */
	int32_t obase[TABLE_D + 2];
	int max_int, max_d;
	bool direct;                    /* XGBoost: input 0 is the [N, n_cols] float matrix */
	bool nullable;                  /* some leaf gives no prediction (NaN vote): rows reaching it are NaN */
	sc_xfeat *feats;                /* ONNX: where each column comes from */
} teng;

/* ---- the coefficients of one leaf --------------------------------------------------------- */

/* out[0] = the cold features' coefficient, out[1..] the hot ones' in slot
 * order, for the d slots' cold fractions z and hot flags. w and poly are
 * scratch of d + 1 doubles. */
static void leaf_coefs(const double *z, const uint8_t *hot, int d, double *w, double *poly, double *out)
{
	/* w[k] = k! (d-1-k)! / d! = 1 / (d C(d-1, k)) */
	double c = 1;
	for (int k = 0; k < d; k++) {
		w[k] = 1.0 / (d * c);
		c = c * (d - 1 - k) / (k + 1);
	}
	double zc = 1;
	for (int j = 0; j < d; j++)
		if (!hot[j])
			zc *= z[j];
	int deg = 0;
	poly[0] = 1;
	for (int j = 0; j < d; j++) {
		if (!hot[j])
			continue;
		poly[deg + 1] = 0;
		for (int k = deg + 1; k > 0; k--)
			poly[k] = poly[k] * z[j] + poly[k - 1];
		poly[0] *= z[j];
		deg++;
	}
	double s = 0;
	for (int k = 0; k <= deg && k < d; k++)
		s += w[k] * poly[k];
	out[0] = -zc * s;
	int h = 1;
	for (int i = 0; i < d; i++) {
		if (!hot[i])
			continue;
		/* prod over the other hot features, built afresh (exact, no division) */
		int dg = 0;
		poly[0] = 1;
		for (int j = 0; j < d; j++) {
			if (!hot[j] || j == i)
				continue;
			poly[dg + 1] = 0;
			for (int k = dg + 1; k > 0; k--)
				poly[k] = poly[k] * z[j] + poly[k - 1];
			poly[0] *= z[j];
			dg++;
		}
		double si = 0;
		for (int k = 0; k <= dg; k++)
			si += w[k] * poly[k];
		out[h++] = (1 - z[i]) * zc * si;
	}
}

/* ---- building ------------------------------------------------------------------------------ */

typedef struct {
	teng *E;
	const sc_tree_view *v;
	const double *cover;
	xtree *t;
	bool fill;
	int32_t *path_node, *path_slot;  /* the current path (depth entries) */
	uint8_t *path_want;
	int32_t *slot_feat;
	double *slot_z;
	int32_t nv;                      /* votes placed so far (engine-wide) */
	double scale;                    /* 1, or 1 / trees when averaging */
} bctx;

static double frac(const bctx *b, int32_t parent, int32_t child)
{
	double p = b->cover[parent];
	return p > 0 ? b->cover[child] / p : 0;
}

static void walk(bctx *b, int32_t i, int d, int plen)
{
	const sc_tree_view *v = b->v;
	xtree *t = b->t;
	if (v->mode[i] == SC_MODE_LEAF) {
		if (b->fill) {
			xleaf *l = &t->lf[t->n_leaves];
			l->d = d;
			l->plen = plen;
			l->path = t->n_path;
			l->slots = t->n_slots;
			sc_memcpy(t->pnode + t->n_path, b->path_node, (size_t)plen * sizeof(int32_t));
			sc_memcpy(t->pslot + t->n_path, b->path_slot, (size_t)plen * sizeof(int32_t));
			sc_memcpy(t->pwant + t->n_path, b->path_want, (size_t)plen);
			sc_memcpy(t->sfeat + t->n_slots, b->slot_feat, (size_t)d * sizeof(int32_t));
			sc_memcpy(t->sz + t->n_slots, b->slot_z, (size_t)d * sizeof(double));
			double reach = 1;
			for (int s = 0; s < d; s++)
				reach *= b->slot_z[s];
			l->vstart = b->nv;
			for (int32_t q = v->vote_start[i]; q < v->vote_start[i] + v->vote_count[i]; q++) {
				int32_t o = b->E->tmap[v->vote_target[q]];
				if (o < 0)
					continue;
				if (v->vote_weight[q] != v->vote_weight[q]) { /* no prediction: the margin says so */
					b->E->nullable = true;
					continue;
				}
				b->E->vout[b->nv] = o;
				b->E->vw[b->nv] = v->vote_weight[q] * b->scale;
				b->E->bias[o] += b->E->vw[b->nv] * reach;
				b->nv++;
			}
			l->vcount = b->nv - l->vstart;
		} else {
			b->nv += v->vote_count[i];
		}
		t->n_leaves++;
		t->n_path += plen;
		t->n_slots += d;
		if (d > b->E->max_d)
			b->E->max_d = d;
		return;
	}
	int32_t li = t->n_int++;
	if (b->fill) {
		xint *g = &t->in[li];
		g->thr = v->threshold[i];
		g->feat = v->feature[i];
		g->mode = v->mode[i];
		g->miss = v->missing_true[i];
		if (g->mode == SC_MODE_MEMBER && v->member_sets) {
			g->set = v->member_sets[i];
			g->nset = v->member_count[i];
		}
	}
	int32_t f = v->feature[i];
	int s = 0;
	while (s < d && b->slot_feat[s] != f)
		s++;
	for (int side = 0; side < 2; side++) {
		int32_t c = side == 0 ? v->true_child[i] : v->false_child[i];
		double fr = frac(b, i, c);
		b->path_node[plen] = li;
		b->path_slot[plen] = s;
		b->path_want[plen] = side == 0;
		if (s < d) {
			double saved = b->slot_z[s];
			b->slot_z[s] *= fr;
			walk(b, c, d, plen + 1);
			b->slot_z[s] = saved;
		} else {
			b->slot_feat[d] = f;
			b->slot_z[d] = fr;
			walk(b, c, d + 1, plen + 1);
		}
	}
}

static size_t table_doubles(int d) { return ((size_t)1 << d) + (size_t)d * ((size_t)1 << d) / 2; }

/* Fills the tables of one tree's leaves, while the budget lasts. */
static int build_tables(teng *E, xtree *t, size_t *budget)
{
	double w[TABLE_D + 1], poly[TABLE_D + 2];
	uint8_t hot[TABLE_D];
	for (int32_t k = 0; k < t->n_leaves; k++) {
		xleaf *l = &t->lf[k];
		if (l->d > TABLE_D || l->vcount == 0)
			continue;
		size_t need = table_doubles(l->d) * sizeof(double);
		if (need > *budget)
			continue;
		double *tab = mlmd__sc_alloc(&E->pool, need);
		if (!tab)
			return MLMD_OOM();
		*budget -= need;
		for (uint32_t mask = 0; mask < (1u << l->d); mask++) {
			for (int s = 0; s < l->d; s++)
				hot[s] = (uint8_t)((mask >> s) & 1);
			leaf_coefs(t->sz + l->slots, hot, l->d, w, poly, tab + E->offs[E->obase[l->d] + (int32_t)mask]);
		}
		l->table = tab;
	}
	return 0;
}

/* ---- covers counted from a background sample (ONNX) ------------------------------------------ */

static inline bool go_true(const xint *g, double x)
{
	return sc_split_true(g->mode, g->thr, g->miss, g->set, g->nset, x);
}

/* cover[i] = how many of the n rows of x (n x nc) reach source node i,
 * walking as the model does. */
void mlmd__sc_xtree_count_covers(const sc_tree_view *v, const double *x, int64_t n, int64_t nc, double *cover)
{
	for (int k = 0; k < v->n_trees; k++)
		for (int64_t r = 0; r < n; r++) {
			const double *row = x + r * nc;
			int32_t i = v->roots[k];
			for (int guard = 0; guard <= v->n_nodes; guard++) {
				cover[i] += 1;
				if (v->mode[i] == SC_MODE_LEAF)
					break;
				xint g = { .thr = v->threshold[i], .feat = v->feature[i], .mode = v->mode[i],
					.miss = v->missing_true[i] };
				if (g.mode == SC_MODE_MEMBER && v->member_sets) {
					g.set = v->member_sets[i];
					g.nset = v->member_count[i];
				}
				i = go_true(&g, row[g.feat]) ? v->true_child[i] : v->false_child[i];
			}
		}
}

/* ---- explaining ------------------------------------------------------------------------------ */

/* Adds the contributions of one tree for one row (x: its columns). */
static void explain_tree_row(const teng *E, const xtree *t, const double *x, uint8_t *dir, double *out, int stride,
	double *scratch)
{
	for (int32_t i = 0; i < t->n_int; i++)
		dir[i] = (uint8_t)go_true(&t->in[i], x[t->in[i].feat]);
	for (int32_t k = 0; k < t->n_leaves; k++) {
		const xleaf *l = &t->lf[k];
		if (!l->vcount || !l->d)
			continue;
		const int32_t *pn = t->pnode + l->path, *ps = t->pslot + l->path;
		const uint8_t *pw = t->pwant + l->path;
		const int32_t *sf = t->sfeat + l->slots;
		const double *blk;
		uint32_t mask = 0;
		if (l->table) {
			mask = (1u << l->d) - 1;
			for (int32_t p = 0; p < l->plen; p++)
				if (dir[pn[p]] != pw[p])
					mask &= ~(1u << ps[p]);
			blk = l->table + E->offs[E->obase[l->d] + (int32_t)mask];
		} else {
			/* scratch: hot flags (d bytes, as doubles' room), w, poly, coefficients */
			uint8_t *hot = (uint8_t *)scratch;
			double *w = scratch + (l->d + 8) / 8 + 1, *poly = w + l->d + 1, *co = poly + l->d + 2;
			memset(hot, 1, (size_t)l->d);
			for (int32_t p = 0; p < l->plen; p++)
				if (dir[pn[p]] != pw[p])
					hot[ps[p]] = 0;
			leaf_coefs(t->sz + l->slots, hot, l->d, w, poly, co);
			for (int s = 0; s < l->d && s < 32; s++)
				mask |= (uint32_t)hot[s] << s;
			blk = co;
			if (l->d > 32) { /* past the mask's bits: the flags decide */
				for (int32_t q = l->vstart; q < l->vstart + l->vcount; q++) {
					double vw = E->vw[q], *ph = out + (size_t)E->vout[q] * (size_t)stride;
					int h = 1;
					for (int s = 0; s < l->d; s++)
						ph[sf[s]] += vw * (hot[s] ? blk[h++] : blk[0]);
				}
				continue;
			}
		}
		for (int32_t q = l->vstart; q < l->vstart + l->vcount; q++) {
			double vw = E->vw[q], *ph = out + (size_t)E->vout[q] * (size_t)stride;
			double c0 = vw * blk[0];
			int h = 1;
			for (int s = 0; s < l->d; s++)
				ph[sf[s]] += ((mask >> s) & 1) ? vw * blk[h++] : c0;
		}
	}
}

static int run_trees(const sc_xeng *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs, int64_t n,
	double *out, double *margins)
{
	const teng *E = e->impl;
	int F = E->n_cols, K = mlmd__sc_trees_n_targets(E->T);
	int stride = F + 1;
	double *x;
	if (E->direct) {
		const mlmd_tensor *in = &inputs[0];
		if (in->rank != 2 || in->dims[1] != F || (in->dtype != MLMD_DTYPE_FLOAT && in->dtype != MLMD_DTYPE_DOUBLE))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "explain: the input must be a FLOAT [N, %d] matrix", F);
		if (!(x = mlmd__sc_alloc_array(&ctx->pool, (size_t)(n * F) + 1, sizeof *x)))
			return MLMD_OOM();
		for (int64_t i = 0; i < n * F; i++)
			x[i] = in->dtype == MLMD_DTYPE_FLOAT ? (double)((const float *)in->data)[i] : ((const double *)in->data)[i];
	} else {
		if (!(x = mlmd__sc_alloc_array(&ctx->pool, (size_t)(n * F) + 1, sizeof *x)))
			return MLMD_OOM();
		int rc = mlmd__sc_explain_gather(inputs, n_inputs, E->feats, F, n, x);
		if (rc)
			return rc;
	}
	if (!margins && E->nullable && !(margins = mlmd__sc_alloc_array(&ctx->pool, (size_t)(n * E->n_out) + 1,
		sizeof *margins)))
		return MLMD_OOM();
	if (margins) {
		double *m = mlmd__sc_alloc_array(&ctx->pool, (size_t)(n * K) + 1, sizeof *m);
		if (!m)
			return MLMD_OOM();
		int rc = mlmd__sc_trees_score(E->T, &ctx->pool, MLMD_DTYPE_DOUBLE, x, n, F, m);
		if (rc)
			return rc;
		for (int64_t r = 0; r < n; r++)
			for (int k = 0; k < K; k++)
				if (E->tmap[k] >= 0)
					margins[r * E->n_out + E->tmap[k]] = m[r * K + k];
	}
	uint8_t *dir = mlmd__sc_alloc(&ctx->pool, (size_t)E->max_int + 1);
	double *scratch = mlmd__sc_alloc_array(&ctx->pool, 4 * (size_t)E->max_d + 16, sizeof(double));
	if (!dir || !scratch)
		return MLMD_OOM();
	size_t per_row = (size_t)E->n_out * (size_t)stride;
	memset(out, 0, (size_t)n * per_row * sizeof *out);
	for (int64_t r0 = 0; r0 < n; r0 += ROW_BLOCK) {
		int64_t nb = n - r0 < ROW_BLOCK ? n - r0 : ROW_BLOCK;
		for (int k = 0; k < E->n_trees; k++)
			for (int64_t r = r0; r < r0 + nb; r++)
				explain_tree_row(E, &E->trees[k], x + r * F, dir, out + (size_t)r * per_row, stride, scratch);
	}
	for (int64_t r = 0; r < n; r++)
		for (int o = 0; o < E->n_out; o++) {
			double *ph = out + (size_t)r * per_row + (size_t)o * (size_t)stride;
			ph[F] = E->bias[o];
			if (E->nullable && margins[r * E->n_out + o] != margins[r * E->n_out + o])
				for (int j = 0; j <= F; j++)
					ph[j] = NAN;
		}
	return 0;
}

static void free_trees(sc_xeng *e)
{
	teng *E = e->impl;
	if (E) {
		mlmd__sc_pool_free(&E->pool);
		free(E);
	}
	mlmd__sc_xeng_free_common(e);
}

/* ---- the engine ------------------------------------------------------------------------------ */

/* Compiles the trees (with covers, one per source node) into E. */
static int compile(teng *E, const sc_tree_view *v, const double *cover, const char *what)
{
	for (int i = 0; i < v->n_nodes; i++)
		if (!(cover[i] >= 0) || isinf(cover[i]))
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: node %d has cover %g; covers must be finite and not "
				"negative", what, i, cover[i]);
	/* Infinite leaf values and base scores, or leaf values that can add
	 * up past a float's range (XGBoost sums in float; ONNX outputs float),
	 * make the margin inf or NaN, and the contributions NaN or rounding
	 * noise that no longer add up to it: refused. The bound adds every
	 * leaf's |value|, so it holds for any path through every tree. (A NaN
	 * leaf is a leaf without a prediction: the margin is missing, as
	 * walk() notes.) */
	double bound = 0;
	for (int i = 0; i < v->n_nodes; i++)
		for (int32_t j = v->vote_start[i]; v->mode[i] == SC_MODE_LEAF && j < v->vote_start[i] + v->vote_count[i];
			j++) {
			if (v->vote_weight[j] != v->vote_weight[j])
				continue;
			if (isinf(v->vote_weight[j]))
				return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: node %d has leaf value %g; explanations need "
					"finite leaf values", what, i, v->vote_weight[j]);
			bound += fabs(v->vote_weight[j]);
		}
	if (v->agg == SC_AGG_AVERAGE && v->n_trees)
		bound /= v->n_trees;
	for (int k = 0; v->base && k < v->n_targets; k++) {
		if (!isfinite(v->base[k]))
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: base score %d is %g; explanations need a finite one",
				what, k, v->base[k]);
		bound += fabs(v->base[k]);
	}
	if (!(bound <= FLT_MAX))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the leaf values can add up to %g, past a float's range; "
			"the margin would overflow", what, bound);
	if (v->agg != SC_AGG_SUM && v->agg != SC_AGG_AVERAGE)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the trees are aggregated by %s, which is not a sum; "
			"TreeSHAP explains sums and averages of trees", what, v->agg == SC_AGG_MIN ? "MIN" : "MAX");
	E->n_trees = v->n_trees;
	E->trees = mlmd__sc_alloc_array(&E->pool, (size_t)v->n_trees + 1, sizeof *E->trees);
	E->bias = mlmd__sc_alloc_array(&E->pool, (size_t)E->n_out + 1, sizeof *E->bias);
	size_t depth = (size_t)v->n_nodes + 2;
	bctx b = { .E = E, .v = v, .cover = cover, .scale = v->agg == SC_AGG_AVERAGE && v->n_trees ? 1.0 / v->n_trees : 1 };
	b.path_node = calloc(depth, sizeof(int32_t));
	b.path_slot = calloc(depth, sizeof(int32_t));
	b.path_want = calloc(depth, 1);
	b.slot_feat = calloc(depth, sizeof(int32_t));
	b.slot_z = calloc(depth, sizeof(double));
	int rc = 0;
	if (!E->trees || !E->bias || !b.path_node || !b.path_slot || !b.path_want || !b.slot_feat || !b.slot_z) {
		rc = MLMD_OOM();
		goto out;
	}
	for (int k = 0; k < v->n_targets; k++)
		if (E->tmap[k] >= 0)
			E->bias[E->tmap[k]] += v->base[k];
	/* first pass: sizes */
	int32_t votes = 0;
	for (int k = 0; k < v->n_trees; k++) {
		b.t = &E->trees[k];
		b.nv = 0;
		walk(&b, v->roots[k], 0, 0);
		votes += b.nv;
		if (b.t->n_int > E->max_int)
			E->max_int = b.t->n_int;
	}
	E->vout = mlmd__sc_alloc_array(&E->pool, (size_t)votes + 1, sizeof *E->vout);
	E->vw = mlmd__sc_alloc_array(&E->pool, (size_t)votes + 1, sizeof *E->vw);
	if (!E->vout || !E->vw) {
		rc = MLMD_OOM();
		goto out;
	}
	b.fill = true;
	b.nv = 0;
	for (int k = 0; k < v->n_trees; k++) {
		xtree *t = &E->trees[k];
		t->in = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_int + 1, sizeof *t->in);
		t->lf = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_leaves + 1, sizeof *t->lf);
		t->pnode = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_path + 1, sizeof *t->pnode);
		t->pslot = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_path + 1, sizeof *t->pslot);
		t->pwant = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_path + 1, 1);
		t->sfeat = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_slots + 1, sizeof *t->sfeat);
		t->sz = mlmd__sc_alloc_array(&E->pool, (size_t)t->n_slots + 1, sizeof *t->sz);
		if (!t->in || !t->lf || !t->pnode || !t->pslot || !t->pwant || !t->sfeat || !t->sz) {
			rc = MLMD_OOM();
			goto out;
		}
		t->n_int = t->n_leaves = t->n_path = t->n_slots = 0;
		b.t = t;
		walk(&b, v->roots[k], 0, 0);
	}
	/* table offsets, then the tables */
	int32_t at = 0;
	for (int d = 0; d <= TABLE_D; d++) {
		E->obase[d] = at;
		at += 1 << d;
	}
	E->offs = mlmd__sc_alloc_array(&E->pool, (size_t)at + 1, sizeof *E->offs);
	if (!E->offs) {
		rc = MLMD_OOM();
		goto out;
	}
	for (int d = 0; d <= TABLE_D; d++) {
		int32_t o = 0;
		for (uint32_t mask = 0; mask < (1u << d); mask++) {
			E->offs[E->obase[d] + (int32_t)mask] = o;
			o += 1 + __builtin_popcount(mask);
		}
	}
	size_t budget = TABLE_BUDGET;
	for (int k = 0; k < v->n_trees && !rc; k++)
		rc = build_tables(E, &E->trees[k], &budget);
out:
	free(b.path_node);
	free(b.path_slot);
	free(b.path_want);
	free(b.slot_feat);
	free(b.slot_z);
	return rc;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* The input columns' names: given names, else as the explainer names traced features. */
static int name_features(sc_xeng *e, const mlmd_model *m, const teng *E, const char *const *given)
{
	if (!(e->feature_names = calloc((size_t)E->n_cols + 1, sizeof(char *))))
		return MLMD_OOM();
	char buf[256];
	for (int j = 0; j < E->n_cols; j++) {
		if (given) {
			snprintf(buf, sizeof buf, "%s", given[j]);
		} else {
			sc_xfeat f = { 0, j };
			const sc_xfeat *fp = E->feats ? &E->feats[j] : &f;
			const mlmd_value_info *vi = fp->input >= 0 && (size_t)fp->input < m->n_inputs ? &m->inputs[fp->input] : NULL;
			int one = vi && (vi->rank == 1 || (vi->rank == 2 && vi->dims[1] == 1));
			mlmd__sc_explain_feature_name(m, fp, one, buf, sizeof buf);
			if (!buf[0])
				snprintf(buf, sizeof buf, "f%d", j);
		}
		if (!(e->feature_names[j] = dup_str(buf)))
			return MLMD_OOM();
	}
	return 0;
}

/* Output labels for K > 1 margins. */
static int name_outputs(sc_xeng *e, const int64_t *li, const char *const *ls)
{
	if (e->n_outputs < 2)
		return 0;
	if (!(e->output_labels = calloc((size_t)e->n_outputs, sizeof(char *))))
		return MLMD_OOM();
	char buf[64];
	for (int k = 0; k < e->n_outputs; k++) {
		if (ls)
			e->output_labels[k] = dup_str(ls[k]);
		else {
			snprintf(buf, sizeof buf, "%lld", li ? (long long)li[k] : (long long)k);
			e->output_labels[k] = dup_str(buf);
		}
		if (!e->output_labels[k])
			return MLMD_OOM();
	}
	return 0;
}

/* The common part: margins mapped, covers checked, trees compiled, names. */
static int finish(sc_xeng *e, teng *E, const mlmd_model *m, const sc_tree_view *v, const double *cover, int binary_id,
	const char *const *given, const int64_t *labels_int, const char *const *labels_str, const char *what)
{
	int K = v->n_targets;
	if (!(E->tmap = mlmd__sc_alloc_array(&E->pool, (size_t)K + 1, sizeof *E->tmap)))
		return MLMD_OOM();
	if (binary_id >= 0) {
		for (int k = 0; k < K; k++)
			E->tmap[k] = k == binary_id ? 0 : -1;
		E->n_out = 1;
	} else {
		for (int k = 0; k < K; k++)
			E->tmap[k] = k;
		E->n_out = K;
	}
	int rc = compile(E, v, cover, what);
	if (rc)
		return rc;
	e->n_features = E->n_cols;
	e->n_outputs = E->n_out;
	if ((rc = name_features(e, m, E, given)))
		return rc;
	return name_outputs(e, labels_int, labels_str);
}

static int new_engine(sc_xeng **pe, teng **pE)
{
	sc_xeng *e = calloc(1, sizeof *e);
	teng *E = calloc(1, sizeof *E);
	if (!e || !E) {
		free(e);
		free(E);
		return MLMD_OOM();
	}
	e->impl = E;
	e->free = free_trees;
	e->run = run_trees;
	e->method = "tree_path_dependent";
	*pe = e;
	*pE = E;
	return 0;
}

int mlmd__sc_xeng_trees_src(sc_xeng **out, const mlmd_model *m, const sc_tree_src *src, const sc_xfeat *feats,
	int64_t nf, const char *const *labels, const char *what)
{
	sc_xeng *e;
	teng *E;
	int rc = new_engine(&e, &E);
	if (rc)
		return rc;
	sc_trees *T;
	sc_tree_view v;
	/* the member sets, into the engine's memory (the build keeps pointers) */
	sc_tree_src s = *src;
	double **sets = NULL;
	for (int i = 0; i < s.n_nodes && !rc; i++) {
		if (s.mode[i] != SC_MODE_MEMBER)
			continue;
		if (!sets && !(sets = mlmd__sc_alloc_array(&E->pool, (size_t)s.n_nodes + 1, sizeof *sets)))
			rc = MLMD_OOM();
		else if (!(sets[i] = mlmd__sc_alloc_array(&E->pool, (size_t)s.member_count[i] + 1, sizeof(double))))
			rc = MLMD_OOM();
		else
			sc_memcpy(sets[i], s.member_sets[i], (size_t)s.member_count[i] * sizeof(double));
	}
	if (sets)
		s.member_sets = (const double *const *)sets;
	if (!rc && !(rc = mlmd__sc_trees_build(&T, &E->pool, &s, what))) {
		E->T = T;
		E->n_cols = (int)nf;
		mlmd__sc_trees_view(T, &v);
		if (!(E->feats = mlmd__sc_alloc_array(&E->pool, (size_t)nf + 1, sizeof *E->feats)))
			rc = MLMD_OOM();
		else
			sc_memcpy(E->feats, feats, (size_t)nf * sizeof *feats);
	}
	if (!rc)
		rc = finish(e, E, m, &v, v.cover, -1, NULL, NULL, labels, what);
	if (rc) {
		free_trees(e);
		return rc;
	}
	*out = e;
	return 0;
}

int mlmd__sc_xtree_engine(sc_xeng **out, const mlmd_model *m, const sc_trees *T, const double *cover,
	const sc_xfeat *feats, int64_t n_cols, int binary_id, const char *const *given, const int64_t *labels_int,
	const char *const *labels_str, const char *what)
{
	sc_xeng *e;
	teng *E;
	int rc = new_engine(&e, &E);
	if (rc)
		return rc;
	sc_tree_view v;
	mlmd__sc_trees_view(T, &v);
	E->T = T;
	E->n_cols = (int)n_cols;
	E->direct = !feats;
	if (feats && !(E->feats = mlmd__sc_alloc_array(&E->pool, (size_t)n_cols + 1, sizeof *E->feats)))
		rc = MLMD_OOM();
	else if (feats)
		sc_memcpy(E->feats, feats, (size_t)n_cols * sizeof *feats);
	if (!rc)
		rc = finish(e, E, m, &v, cover, binary_id, given, labels_int, labels_str, what);
	if (rc) {
		free_trees(e);
		return rc;
	}
	*out = e;
	return 0;
}

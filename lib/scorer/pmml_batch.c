/*
 * scorer/pmml_batch.c - a MiningModel's TreeModels scored as one tree
 * ensemble over a block of rows, instead of one tree at a time per row.
 *
 * The row-at-a-time evaluation (pmml_model.c, pmml_mining.c) stays the one
 * that gives answers; this file only takes the tree walks out of it. At load
 * the trees of one MiningModel that pmml_tree_compile.c compiled into the
 * tree engine are joined into a single engine ensemble whose target k
 * receives, as its only vote, the PMML node index tree k reaches (-1 for no
 * prediction). A score call then, per block of rows: gathers each row's
 * feature values (the fields the trees read, after the MiningSchema
 * treatment of every model from the top down to the ensemble), scores the
 * block with mlmd__sc_trees_score (or, for trees the engine would walk a
 * row at a time, the interleaved walk of pmml_walk.c, which gives the same
 * nodes), and evaluates each row as before, with
 * eval_tree taking the node from the block's results instead of walking
 * (pmml_tree.c). Segmentation, targets, outputs and everything else of the
 * document run per row exactly as on the row path, so the answers are the
 * row path's by construction.
 *
 * That holds because the trees see the same field values in both passes. A
 * row's evaluation reaches the ensemble's trees after only the MiningSchema
 * treatment of the models on the way (each ensemble is the first segment of
 * its parent, under a True predicate); between its trees, nothing may change
 * a field: every segment is a TreeModel with a True predicate and no Output,
 * and each row is checked to be left as it is by every distinct MiningSchema
 * treatment of the segments (a row that one would change, say an invalid
 * value made missing, takes the row path). Derived fields are
 * computed on first use and kept for the row, so gathering them early gives
 * the values the trees would have read. A row holding a value the engine
 * cannot compare (text in a numeric field) is evaluated wholly on the row
 * path, as the per-tree engine path would hand it to the node walk.
 *
 * Ensembles that do not fit (another segment type, a predicate other than
 * True, selectFirst, segments with outputs) stay on the row
 * path, unchanged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

#define MAX_PATH 64              /* nesting searched for an ensemble */

/* Whether two values are the same, bit for bit. */
static bool same_value(pv a, pv b)
{
	if (a.t != b.t)
		return false;
	if (a.t == PV_NUM)
		return !memcmp(&a.d, &b.d, sizeof a.d);
	return a.t != PV_STR || a.s == b.s || (a.s && b.s && !strcmp(a.s, b.s));
}

/* Whether two MiningFields treat their field the same way. */
static bool same_treatment(const pmf *a, const pmf *b)
{
	return a->field == b->field && a->invalid == b->invalid && a->outliers == b->outliers &&
		same_value(a->replacement, b->replacement) && same_value(a->invalid_value, b->invalid_value) &&
		(!a->outliers || (!memcmp(&a->low, &b->low, sizeof a->low) && !memcmp(&a->high, &b->high, sizeof a->high)));
}

#define MAX_TREAT 4096           /* distinct treatments checked per row, at most */

/* The segments' treatments that may change a value, once each, into
 * pb->treat; false when there are too many to check per row. */
static bool collect_treatments(pdoc *d, pbatch *pb, const miningbody *mb)
{
	const pmf *t[MAX_TREAT];
	size_t n = 0;
	for (size_t i = 0; i < mb->n; i++) {
		const pmodel *m = mb->seg[i].model;
		for (size_t k = 0; k < m->n_mf; k++) {
			const pmf *mf = &m->mf[k];
			if (mf->usage != 0 || mf->noop)
				continue;
			size_t j = 0;
			while (j < n && !same_treatment(t[j], mf))
				j++;
			if (j < n)
				continue;
			if (n == MAX_TREAT)
				return false;
			t[n++] = mf;
		}
	}
	pb->treat = mlmd__sc_alloc_array(d->pool, n + 1, sizeof *pb->treat);
	if (!pb->treat)
		return false;
	memcpy(pb->treat, t, n * sizeof *t);
	pb->n_treat = n;
	return true;
}

/* The number of m's segments the batch can score (trees in the engine), or
 * 0 when m is not an ensemble the batch path takes. */
static int ensemble_trees(const pmodel *m)
{
	if (m->kind != M_MINING)
		return 0;
	const miningbody *b = m->body;
	if (b->method == MM_FIRST)
		return 0;
	int n = 0;
	for (size_t i = 0; i < b->n; i++) {
		const pmodel *s = b->seg[i].model;
		if (b->seg[i].pred->kind != P_TRUE || s->kind != M_TREE || s->n_out)
			return 0;
		n += ((const treebody *)s->body)->eng != NULL;
	}
	return n >= 2 && n <= 100000 ? n : 0;
}

/* Lays eng and dense out for the interleaved walk: each when `all`, or
 * when the engine would walk some of its trees a row at a time. */
static int walk_layouts(pdoc *d, pbatch *pb, bool all)
{
	bool *whole = mlmd__sc_alloc_array(d->pool, (size_t)pb->n_feat + 1, sizeof *whole);
	if (!whole)
		return MLMD_OOM();
	for (int k = 0; k < pb->n_feat; k++)
		whole[k] = pb->feat[k].text; /* (a text field's value is its code, a whole number) */
	int rc = 0;
	if (!pb->eng_walk && (all || mlmd__pmml_walk_pays(pb->eng)))
		rc = mlmd__pmml_walk_build(&pb->eng_walk, d->pool, pb->eng, whole);
	if (!rc && pb->dense && !pb->dense_walk && (all || mlmd__pmml_walk_pays(pb->dense)))
		rc = mlmd__pmml_walk_build(&pb->dense_walk, d->pool, pb->dense, whole);
	return rc;
}

/* The ensemble's trees for rows with no missing feature: each tree as
 * mlmd__pmml_tree_dense writes it (about half as deep as the chains that
 * route missing values). None (pb->dense NULL) when a tree does not fit or
 * memory runs short. */
static int dense_trees(pdoc *d, pbatch *pb, const miningbody *mb, const int *feat_of)
{
	size_t cap = 0;
	for (size_t i = 0; i < mb->n; i++) {
		const treebody *t = mb->seg[i].model->body;
		cap += t->eng ? 2 * (size_t)t->n + 1 : 0;
	}
	if (cap >= (size_t)INT32_MAX / 2)
		return 0;
	sc_tree_buf b;
	int rc = mlmd__sc_tree_buf_alloc(&b, cap, cap, (size_t)pb->n_trees);
	int32_t next = 0, nv = 0;
	for (size_t i = 0; !rc && i < mb->n; i++) {
		const treebody *t = mb->seg[i].model->body;
		if (!t->eng)
			continue;
		b.roots[t->slot] = next;
		rc = mlmd__pmml_tree_dense(d, t, &b, feat_of, t->slot, &next, &nv);
	}
	if (!rc) {
		b.s.n_nodes = next;
		b.s.n_trees = pb->n_trees;
		b.s.n_targets = pb->n_trees;
		b.s.agg = SC_AGG_SUM;
		rc = mlmd__sc_trees_build(&pb->dense, d->pool, &b.s, "PMML tree ensemble");
	}
	mlmd__sc_tree_buf_free(&b);
	if (rc)
		pb->dense = NULL; /* (every row takes the engine's own compilation) */
	return 0;
}

/* The interleaved walk (pmml_walk.c) of eng and dense where the engine
 * would walk some of their trees a row at a time. An option, as the dense
 * trees are: when memory runs short the engine walks them all. */
static int plan_walks(pdoc *d, pbatch *pb)
{
	if (walk_layouts(d, pb, false))
		pb->eng_walk = pb->dense_walk = NULL;
	return 0;
}

/* Joins the engine trees of ensemble ens into one engine: tree k (the k-th
 * segment with an engine tree) votes its leaf's PMML node index for target k. */
static int join_trees(pdoc *d, pbatch *pb, const miningbody *mb)
{
	size_t nodes = 0;
	bool one_vote = true;
	int *feat_of = calloc((size_t)d->n_fields + 1, sizeof *feat_of), nf = 0;
	if (!feat_of)
		return MLMD_OOM();
	for (size_t i = 0; i < mb->n; i++) {
		const treebody *t = mb->seg[i].model->body;
		if (!t->eng)
			continue;
		sc_tree_view v;
		mlmd__sc_trees_view(t->eng, &v);
		nodes += (size_t)v.n_nodes;
		for (int q = 0; q < v.n_nodes; q++) /* (pmml_tree_compile.c gives each leaf one vote) */
			one_vote &= v.mode[q] != SC_MODE_LEAF || v.vote_count[q] <= 1;
		for (int f = 0; f < t->n_feat; f++)
			if (!feat_of[t->feat[f].field])
				feat_of[t->feat[f].field] = ++nf;
	}
	if (!one_vote || nodes >= (size_t)INT32_MAX / 2) {
		free(feat_of);
		return 0;
	}
	pb->n_feat = nf;
	pb->feat = mlmd__sc_alloc_array(d->pool, (size_t)nf + 1, sizeof *pb->feat);
	sc_tree_buf b;
	int rc = pb->feat ? mlmd__sc_tree_buf_alloc(&b, nodes, nodes, (size_t)pb->n_trees) : MLMD_OOM();
	if (rc) {
		free(feat_of);
		return rc;
	}
	for (int fld = 0; fld < d->n_fields; fld++)
		if (feat_of[fld])
			pb->feat[feat_of[fld] - 1] = (tfeat){ .field = fld, .text = d->fields[fld].kind == F_STRING };
	int at = 0, nv = 0, k = 0;
	for (size_t i = 0; i < mb->n; i++) {
		treebody *t = mb->seg[i].model->body;
		if (!t->eng)
			continue;
		sc_tree_view v;
		mlmd__sc_trees_view(t->eng, &v);
		b.roots[k] = at + v.roots[0];
		for (int q = 0; q < v.n_nodes; q++) {
			int o = at + q;
			b.mode[o] = v.mode[q];
			if (v.mode[q] == SC_MODE_LEAF) {
				b.vstart[o] = nv;
				b.vcount[o] = v.vote_count[q];
				for (int w = 0; w < v.vote_count[q]; w++, nv++) {
					b.vtarget[nv] = k;
					b.vweight[nv] = v.vote_weight[v.vote_start[q] + w];
				}
				continue;
			}
			b.feature[o] = feat_of[t->feat[v.feature[q]].field] - 1;
			b.thr[o] = v.threshold[q];
			b.miss[o] = v.missing_true[q];
			b.tchild[o] = at + v.true_child[q];
			b.fchild[o] = at + v.false_child[q];
			if (v.mode[q] == SC_MODE_MEMBER) {
				b.sets[o] = (double *)v.member_sets[q]; /* (in the model's pool, like the tree's own) */
				b.nsets[o] = v.member_count[q];
			}
		}
		t->slot = k++;
		at += v.n_nodes;
	}
	b.s.n_trees = pb->n_trees;
	b.s.n_targets = pb->n_trees;
	b.s.agg = SC_AGG_SUM;
	rc = mlmd__sc_trees_build(&pb->eng, d->pool, &b.s, "PMML tree ensemble");
	mlmd__sc_tree_buf_free(&b);
	if (!rc)
		rc = dense_trees(d, pb, mb, feat_of);
	free(feat_of);
	if (!rc)
		rc = plan_walks(d, pb);
	return rc;
}

/* For a regression ensemble that sums or averages its trees' numeric
 * scores, each segment's slot and its nodes' scores as doubles (NaN: no
 * score), so a batched row's aggregate reads two arrays per tree rather
 * than each segment's model, tree and node. Not built (NULL) when a node's
 * score is not a number, a segment rescales its target, or memory is short. */
static void score_tables(pdoc *d, pbatch *pb)
{
	const pmodel *m = pb->ens;
	const miningbody *mb = m->body;
	if (m->classification || (mb->method != MM_SUM && mb->method != MM_AVERAGE && mb->method != MM_WAVERAGE &&
		mb->method != MM_WSUM))
		return;
	for (size_t i = 0; i < mb->n; i++) {
		const pmodel *sm = mb->seg[i].model;
		const treebody *t = sm->body;
		if (sm->classification || sm->has_target_xf || t->slot < 0)
			return;
		for (int q = 0; q < t->n; q++)
			if (t->nodes[q].score.t != PV_MISSING && t->nodes[q].score.t != PV_NUM)
				return;
	}
	int *slot = mlmd__sc_alloc_array(d->pool, mb->n, sizeof *slot);
	double **score = mlmd__sc_alloc_array(d->pool, mb->n, sizeof *score);
	for (size_t i = 0; slot && score && i < mb->n; i++) {
		const treebody *t = mb->seg[i].model->body;
		slot[i] = t->slot;
		if (!(score[i] = mlmd__sc_alloc_array(d->pool, (size_t)t->n + 1, sizeof **score)))
			return;
		for (int q = 0; q < t->n; q++) /* (num() keeps no NaN: a NaN here is no score) */
			score[i][q] = t->nodes[q].score.t == PV_NUM ? t->nodes[q].score.d : NAN;
	}
	if (slot && score) {
		pb->seg_slot = slot;
		pb->seg_score = score;
	}
}

/* Finds the document's batched ensemble: the first MiningModel that fits on
 * the way down from the top model through first segments under True
 * predicates. None found, or none built (memory), is not an error: every
 * row takes the row path. */
int mlmd__pmml_batch_plan(pdoc *d)
{
	const pmodel *path[MAX_PATH];
	size_t n = 0;
	const pmodel *m = d->top;
	int n_trees = 0;
	while (m && m->kind == M_MINING && n < MAX_PATH) {
		path[n++] = m;
		if ((n_trees = ensemble_trees(m)))
			break;
		const miningbody *mb = m->body;
		m = mb->seg[0].pred->kind == P_TRUE ? mb->seg[0].model : NULL;
	}
	if (!n_trees)
		return 0;
	pbatch *pb = mlmd__sc_alloc(d->pool, sizeof *pb);
	const pmodel **p = mlmd__sc_alloc_array(d->pool, n, sizeof *p);
	if (!pb || !p)
		return MLMD_OOM();
	memcpy(p, path, n * sizeof *p);
	*pb = (pbatch){ .ens = m, .n_path = n, .path = p, .n_trees = n_trees };
	const miningbody *mb = m->body;
	/* The batch is an option: it may take half of what the load may still allocate, and when it cannot be
	 * built the document loads as before, every row on the row path. */
	size_t limit = d->pool->limit;
	if (limit)
		d->pool->limit = d->pool->used_total + (limit - d->pool->used_total) / 2;
	int rc = collect_treatments(d, pb, mb) ? join_trees(d, pb, mb) : 1;
	d->pool->limit = limit;
	if (rc || !pb->eng) {
		for (size_t i = 0; i < mb->n; i++)
			((treebody *)mb->seg[i].model->body)->slot = -1;
		return 0;
	}
	d->batch = pb;
	score_tables(d, pb);
	return 0;
}

/* One row's features for the batched ensemble, into x[0..n_feat): the
 * MiningSchema treatment of the models down to the trees first, as the row's
 * evaluation does, then each field (NaN when missing, a text field's value
 * by its code). Returns 2 when no feature is missing (the row may take
 * b->dense), 1 when one is (b->eng), 0 when the row must take the row path:
 * a value of a kind the engine cannot compare, or a segment's treatment
 * that would change a value (then the trees could each see other values).
 * rc->err may be set. */
int mlmd__pmml_batch_features(rowctx *rc, const pbatch *b, double *x)
{
	for (size_t i = 0; i < b->n_path; i++)
		mlmd__pmml_treat_inputs(rc, b->path[i]);
	/* Every segment's treatment must leave this row's values as they are; then
	 * every tree sees them as they are now, whatever the order of the segments. */
	for (size_t i = 0; i < b->n_treat; i++) {
		int f = b->treat[i]->field;
		pv before = field_value(rc, f);
		bool invalid = rc->invalid;
		uint8_t bad = rc->bad[f];
		mlmd__pmml_treat_field(rc, b->treat[i]);
		if (!same_value(before, rc->vals[f]) || invalid != rc->invalid || bad != rc->bad[f])
			return 0;
	}
	int ret = b->dense ? 2 : 1;
	for (int k = 0; k < b->n_feat; k++) {
		const tfeat *f = &b->feat[k];
		pv v = field_value(rc, f->field);
		if (v.t == PV_MISSING) {
			x[k] = NAN;
			ret = 1;
		} else if (v.t != (f->text ? PV_STR : PV_NUM) || (f->text && !v.s)) {
			return 0;
		} else {
			x[k] = f->text ? mlmd__pmml_text_code(&rc->d->fields[f->field], v.s) : v.d;
		}
	}
	return ret;
}

int mlmd__pmml_batch_walk(pdoc *d, int how)
{
	pbatch *pb = d->batch;
	if (!pb)
		return 0;
	if (how == 2) {
		int rc = walk_layouts(d, pb, true);
		if (rc)
			return rc;
	}
	if (how >= 0)
		pb->no_walk = how == 0;
	return !pb->no_walk && (pb->eng_walk || pb->dense_walk);
}

/*
 * scorer/explain_tree_pmml.c - PMML trees for TreeSHAP (explain_tree.h): a
 * TreeModel, or a MiningModel whose segments (predicate True) are
 * TreeModels combined by sum, average, weightedSum or weightedAverage,
 * rewritten as binary trees whose covers are the nodes' recordCounts.
 *
 * A node's children, taken in order (the first whose predicate is true),
 * become a chain of binary splits on the node's one field: "child k's
 * predicate, else the next", where the chain's k-th link covers the
 * records of children k.. (the first the node's own recordCount); TreeSHAP
 * merges splits on one feature along a path, so the chain explains as the
 * multiway split it is. A True child ends the chain; False children are
 * never taken. Missing values: defaultChild sends them along the chain to
 * the default child, none treats the predicates as false, lastPrediction
 * stops at the node (an extra split on "missing or not" whose missing side
 * is a leaf with the node's score, cover 0). Rows no child takes get the
 * node's score (noTrueChildStrategy returnLastPrediction) or no prediction
 * (NaN margins and contributions). Regression margins are the model's
 * value, Targets' rescaleFactor and rescaleConstant included; a
 * classification model's margins are its class probabilities (the leaves'
 * ScoreDistribution), averaged or summed over segments as the model
 * combines them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain_tree.h"
#include "pmml.h"

typedef struct {
	const pdoc *d;
	const mlmd_model *m;
	sc_tree_buf b;
	double *cover;
	int32_t n_nodes, n_votes, cap_nodes, cap_votes;
	int K;
	int *feat_of_field;      /* field -> feature index, -1 if not an explained input */
	double *base;            /* K */
	int32_t *cmap;           /* this tree's class index -> the top model's */
	double scale, factor;    /* leaf weight = scale * factor * value */
	const pmodel *pm;
	const char *tree;        /* the tree's name for errors */
} pctx;

static int refuse(const pctx *c, const tnode *nd, const char *why)
{
	return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML TreeModel '%s': node '%s': %s", c->tree,
		nd && nd->id ? nd->id : "?", why);
}

static int32_t new_node(pctx *c)
{
	if (c->n_nodes >= c->cap_nodes)
		return -1;
	return c->n_nodes++;
}

/* A leaf voting the node's value (its score, or its class probabilities). */
static int leaf_of(pctx *c, const tnode *nd, double cover, int32_t *out)
{
	const treebody *t = c->pm->body;
	int32_t i = new_node(c);
	if (i < 0 || c->n_votes + c->K > c->cap_votes)
		return mlmd__fail(MLMD_INTERNAL, "PMML trees: more nodes than counted");
	c->b.mode[i] = SC_MODE_LEAF;
	c->b.vstart[i] = c->n_votes;
	c->cover[i] = cover;
	if (!c->pm->classification) {
		double y = nd && nd->score.t == PV_NUM ? nd->score.d : NAN;
		c->b.vtarget[c->n_votes] = 0;
		c->b.vweight[c->n_votes++] = c->scale * c->factor * y;
	} else {
		for (size_t k = 0; k < c->pm->n_cls; k++) {
			double p = nd && nd->dist >= 0 ? t->probs[nd->dist + (int)k] : NAN;
			if (c->cmap[k] < 0)
				continue;
			c->b.vtarget[c->n_votes] = c->cmap[k];
			c->b.vweight[c->n_votes++] = c->scale * (p == p ? p : nd && nd->dist >= 0 ? 0 : NAN);
		}
	}
	c->b.vcount[i] = c->n_votes - c->b.vstart[i];
	*out = i;
	return 0;
}

/* A leaf's cover: its recordCount (a tree of one node may have none: its cover is unused). */
static double count_of(const tnode *nd) { return nd->count >= 0 ? nd->count : 0; }

static int convert(pctx *c, int i, int depth, int32_t *out);
static int take_children(pctx *c, const tnode *nd, int *takes, int *n_take, int *field, int *last);
static int chain(pctx *c, int i, int depth, const int *takes, int n_take, int field, int last, int32_t *out);

/* The field a child's predicate tests (its feature), or -1 for True / -2 for False. */
static int pred_feature(pctx *c, const tnode *child, int *feature)
{
	const ppred *p = child->pred;
	char msg[200];
	if (p->kind == P_TRUE || p->kind == P_FALSE) {
		*feature = p->kind == P_TRUE ? -1 : -2;
		return 0;
	}
	if (p->kind != P_SIMPLE && p->kind != P_SET)
		return refuse(c, child, "its predicate is a CompoundPredicate or SimpleSetPredicate over several fields; "
			"TreeSHAP follows SimplePredicate, SimpleSetPredicate and True");
	if (p->kind == P_SIMPLE && (p->op == OP_MISSING || p->op == OP_NOT_MISSING))
		return refuse(c, child, "its predicate is isMissing / isNotMissing; TreeSHAP follows comparisons and "
			"set membership");
	const pfield *f = &c->d->fields[p->field];
	if (c->feat_of_field[p->field] < 0) {
		snprintf(msg, sizeof msg, "its predicate tests field '%s', which is not a numeric input of the model "
			"(derived or text fields are not explained)", f->name);
		return refuse(c, child, msg);
	}
	if (p->kind == P_SIMPLE && p->value.t != PV_NUM)
		return refuse(c, child, "its predicate compares with a value that is not a number");
	for (size_t k = 0; p->kind == P_SET && k < p->n; k++)
		if (p->set[k].t != PV_NUM)
			return refuse(c, child, "its set holds a value that is not a number");
	*feature = c->feat_of_field[p->field];
	return 0;
}

/* One link of a chain: child's predicate (on feature f), true -> t, else -> e. */
static int link(pctx *c, const tnode *child, int f, int32_t t, int32_t e, bool miss_to_child, double cover,
	int32_t *out)
{
	const ppred *p = child->pred;
	int32_t i = new_node(c);
	if (i < 0)
		return mlmd__fail(MLMD_INTERNAL, "PMML trees: more nodes than counted");
	c->b.feature[i] = f;
	c->cover[i] = cover;
	bool swap = false;
	if (p->kind == P_SIMPLE) {
		static const uint8_t modes[] = { SC_MODE_EQ, SC_MODE_NEQ, SC_MODE_LT, SC_MODE_LEQ, SC_MODE_GT, SC_MODE_GTE };
		c->b.mode[i] = modes[p->op];
		c->b.thr[i] = p->value.d;
	} else {
		double *set = malloc((p->n + 1) * sizeof *set); /* freed with the buffers; the engine copies it */
		if (!set)
			return MLMD_OOM();
		for (size_t k = 0; k < p->n; k++)
			set[k] = p->set[k].d;
		for (size_t k = 1; k < p->n; k++)
			for (size_t j = k; j > 0 && set[j - 1] > set[j]; j--) {
				double tmp = set[j];
				set[j] = set[j - 1];
				set[j - 1] = tmp;
			}
		c->b.mode[i] = SC_MODE_MEMBER;
		c->b.sets[i] = set;
		c->b.nsets[i] = (int32_t)p->n;
		swap = !p->is_in;
	}
	c->b.tchild[i] = swap ? e : t;
	c->b.fchild[i] = swap ? t : e;
	c->b.miss[i] = (uint8_t)(miss_to_child != swap);
	*out = i;
	return 0;
}

static int convert(pctx *c, int i, int depth, int32_t *out)
{
	const treebody *t = c->pm->body;
	const tnode *nd = &t->nodes[i];
	if (depth > 1024)
		return refuse(c, nd, "the tree is deeper than 1024 levels");
	if (nd->n == 0)
		return leaf_of(c, nd, count_of(nd), out);
	if (t->n > 1 && !(nd->count >= 0))
		return refuse(c, nd, nd->count < 0 ? "its recordCount is negative; TreeSHAP weighs a tree's branches by "
			"their nodes' recordCount" : "it has no recordCount; TreeSHAP weighs a tree's branches by their nodes' "
			"recordCount");
	/* the children a row can take, up to the first True; their field */
	int field = -1, last = -1, n_take = 0;
	int *takes = malloc((size_t)nd->n * sizeof *takes);
	if (!takes)
		return MLMD_OOM();
	int rc = take_children(c, nd, takes, &n_take, &field, &last);
	if (!rc)
		rc = chain(c, i, depth, takes, n_take, field, last, out);
	free(takes);
	return rc;
}

/* The children a row can take, up to the first True (*last), and their one field. */
static int take_children(pctx *c, const tnode *nd, int *takes, int *n_take, int *field, int *last)
{
	const treebody *t = c->pm->body;
	int feat = -2;
	for (int k = nd->first; k < nd->first + nd->n; k++) {
		int rc = pred_feature(c, &t->nodes[k], &feat);
		if (rc)
			return rc;
		if (feat == -2)
			continue;
		if (!(t->nodes[k].count >= 0))
			return refuse(c, &t->nodes[k], t->nodes[k].count < 0 ? "its recordCount is negative; TreeSHAP weighs "
				"a tree's branches by their nodes' recordCount" : "it has no recordCount; TreeSHAP weighs a "
				"tree's branches by their nodes' recordCount");
		if (feat == -1) {
			*last = k;
			break;
		}
		if (*field >= 0 && feat != *field)
			return refuse(c, nd, "its children test different fields; TreeSHAP follows splits on one field "
				"(binary or multiway)");
		*field = feat;
		takes[(*n_take)++] = k;
	}
	return 0;
}

/* Node i as the chain of its children takes[0..n_take) on `field`, ending at `last` (or -1). */
static int chain(pctx *c, int i, int depth, const int *takes, int n_take, int field, int last, int32_t *out)
{
	const treebody *t = c->pm->body;
	const tnode *nd = &t->nodes[i];
	if (field < 0) /* only True (or nothing): the node passes to that child */
		return last >= 0 ? convert(c, last, depth + 1, out) : leaf_of(c, t->return_last ? nd : NULL,
			count_of(nd), out);
	/* the end of the chain: the True child, the node's score, or no prediction */
	int32_t tail;
	int rc;
	double rest = 0;
	if (last >= 0) {
		rc = convert(c, last, depth + 1, &tail);
		rest = t->nodes[last].count;
	} else if (t->return_last) {
		rc = leaf_of(c, nd, 0, &tail);
	} else {
		rc = leaf_of(c, NULL, 0, &tail);
	}
	if (rc)
		return rc;
	int def = t->missing == MS_DEFAULT ? nd->def : -1;
	for (int k = n_take - 1; k >= 0; k--) {
		int32_t child;
		if ((rc = convert(c, takes[k], depth + 1, &child)))
			return rc;
		rest += t->nodes[takes[k]].count;
		double cover = k == 0 ? nd->count : rest;
		if ((rc = link(c, &t->nodes[takes[k]], field, child, tail, def == takes[k], cover, &tail)))
			return rc;
	}
	bool stop_at_missing = t->missing == MS_LAST || (t->missing == MS_DEFAULT && nd->def < 0);
	if (stop_at_missing) {
		/* "field < +inf": false (missing) -> the node's score */
		int32_t here, g = new_node(c);
		if (g < 0)
			return mlmd__fail(MLMD_INTERNAL, "PMML trees: more nodes than counted");
		if ((rc = leaf_of(c, nd, 0, &here)))
			return rc;
		c->b.mode[g] = SC_MODE_LT;
		c->b.feature[g] = field;
		c->b.thr[g] = INFINITY;
		c->b.miss[g] = 0;
		c->b.tchild[g] = tail;
		c->b.fchild[g] = here;
		c->cover[g] = nd->count;
		tail = g;
	}
	*out = tail;
	return 0;
}

/* A TreeModel's checks: strategies, Targets, MiningSchema treatments. */
static int check_model(const pctx *c, const pmodel *pm)
{
	const char *name = pm->name ? pm->name : "(unnamed)";
	if (pm->kind == M_TREE) {
		const treebody *t = pm->body;
		if (t->missing != MS_NONE && t->missing != MS_LAST && t->missing != MS_DEFAULT)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML TreeModel '%s': missingValueStrategy %s; TreeSHAP "
				"follows defaultChild, none and lastPrediction", name, t->missing == MS_NULL ? "nullPrediction" :
				t->missing == MS_WEIGHTED ? "weightedConfidence" : "aggregateNodes");
	}
	if (pm->has_target_xf && (pm->classification || pm->has_min || pm->has_max || pm->cast))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML model '%s': its Targets clamp, round or apply to classes; "
			"TreeSHAP explains a sum of trees (rescaleFactor and rescaleConstant only)", name);
	for (size_t i = 0; i < pm->n_mf; i++)
		if (pm->mf[i].usage == 0 && !pm->mf[i].noop && c->feat_of_field[pm->mf[i].field] >= 0)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML model '%s': MiningField '%s' replaces or checks "
				"values (missingValueReplacement, outliers, valid values); TreeSHAP explains the trees' own inputs",
				name, c->d->fields[pm->mf[i].field].name);
	return 0;
}

static int count_tree(const pmodel *pm, int *nodes)
{
	const treebody *t = pm->body;
	*nodes += 4 * t->n + 4;
	return 0;
}

int mlmd__sc_xeng_pmml_trees(sc_xeng **out, const mlmd_model *m)
{
	if (m->n_nodes != 1 || !m->nodes[0].attr)
		return 1;
	const pdoc *d = m->nodes[0].attr; /* the PMML op's attributes start with its document */
	const pmodel *top = d->top;
	if (!top || (top->kind != M_TREE && top->kind != M_MINING))
		return 1;
	const miningbody *mb = top->kind == M_MINING ? top->body : NULL;
	size_t n_trees = mb ? mb->n : 1;
	for (size_t s = 0; mb && s < mb->n; s++)
		if (mb->seg[s].model->kind != M_TREE)
			return 1; /* not a tree ensemble (another kind of segment) */
	const char *tname = top->name ? top->name : "(unnamed)";
	if (mb && mb->method != MM_SUM && mb->method != MM_AVERAGE && mb->method != MM_WSUM && mb->method != MM_WAVERAGE)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML MiningModel '%s': segments combined by a method other than "
			"sum, average, weightedSum or weightedAverage; TreeSHAP explains sums and averages of trees", tname);
	pctx c = { .d = d, .m = m, .K = top->classification ? (int)top->n_cls : 1 };
	int rc = 0;
	sc_xfeat *feats = calloc(m->n_inputs + 1, sizeof *feats);
	c.feat_of_field = malloc(((size_t)d->n_fields + 1) * sizeof *c.feat_of_field);
	c.base = calloc((size_t)c.K + 1, sizeof *c.base);
	c.cmap = calloc((size_t)c.K + 64, sizeof *c.cmap);
	int64_t nf = 0;
	if (!feats || !c.feat_of_field || !c.base || !c.cmap) {
		rc = MLMD_OOM();
		goto out;
	}
	/* the explained features: the model's numeric inputs, in order */
	for (int f = 0; f < d->n_fields; f++)
		c.feat_of_field[f] = -1;
	for (size_t k = 0; k < m->n_inputs; k++) {
		if (m->inputs[k].dtype == MLMD_DTYPE_STRING)
			continue;
		for (int f = 0; f < d->n_fields; f++)
			if (d->fields[f].name == m->inputs[k].name && !d->fields[f].derive)
				c.feat_of_field[f] = (int)nf;
		feats[nf++] = (sc_xfeat){ (int)k, 0 };
	}
	if (c.K < 1 || c.K > 100000) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML model '%s': %d classes", tname, c.K);
		goto out;
	}
	if ((rc = check_model(&c, top)))
		goto out;
	int total = 0;
	double wsum = 0;
	for (size_t s = 0; s < n_trees; s++) {
		const pmodel *pm = mb ? mb->seg[s].model : top;
		if (mb && mb->seg[s].pred->kind != P_TRUE) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML MiningModel '%s': segment %zu has a predicate other "
				"than True; TreeSHAP explains every tree for every row", tname, s + 1);
			goto out;
		}
		if ((rc = check_model(&c, pm)) || (rc = count_tree(pm, &total)))
			goto out;
		if (pm->classification && pm->n_cls > (size_t)c.K + 63) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML model '%s': more classes than its MiningModel", tname);
			goto out;
		}
		wsum += mb ? mb->seg[s].weight : 1;
	}
	if ((rc = mlmd__sc_tree_buf_alloc(&c.b, (size_t)total, (size_t)total * (size_t)c.K, n_trees)))
		goto out;
	if (!(c.cover = calloc((size_t)total + 1, sizeof *c.cover))) {
		rc = MLMD_OOM();
		goto out;
	}
	c.cap_nodes = total;
	c.cap_votes = total * c.K;
	double top_factor = top->has_target_xf ? top->rescale_factor : 1;
	for (size_t s = 0; s < n_trees; s++) {
		const pmodel *pm = mb ? mb->seg[s].model : top;
		double w = mb ? mb->seg[s].weight : 1;
		c.pm = pm;
		c.tree = pm->name ? pm->name : tname;
		/* as pmml_mining.c combines: classification divides weighted sums by the weights too */
		int method = mb ? mb->method : MM_SUM;
		if (top->classification && method == MM_WSUM)
			method = MM_WAVERAGE;
		c.scale = method == MM_SUM ? 1 : method == MM_WSUM ? w : method == MM_AVERAGE ? 1.0 / (double)n_trees :
			w / wsum;
		c.factor = top_factor * (pm != top && pm->has_target_xf ? pm->rescale_factor : 1);
		if (pm != top && pm->has_target_xf)
			c.base[0] += top_factor * c.scale * pm->rescale_const;
		for (size_t k = 0; pm->classification && k < pm->n_cls; k++) {
			c.cmap[k] = -1;
			for (size_t j = 0; j < top->n_cls; j++)
				if (!strcmp(pm->cls[k], top->cls[j]))
					c.cmap[k] = (int32_t)j;
		}
		const treebody *t = pm->body;
		if (t->n == 0 || t->nodes[0].pred->kind != P_TRUE) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "PMML TreeModel '%s': the root node's predicate is not True",
				c.tree);
			goto out;
		}
		if ((rc = convert(&c, 0, 0, &c.b.roots[s])))
			goto out;
	}
	if (top->has_target_xf)
		c.base[0] += top->rescale_const;
	c.b.s.n_nodes = c.n_nodes;
	c.b.s.n_trees = (int)n_trees;
	c.b.s.n_targets = c.K;
	c.b.s.agg = SC_AGG_SUM;
	c.b.s.base = c.base;
	c.b.s.cover = c.cover;
	c.b.s.compact = true;
	char what[300];
	snprintf(what, sizeof what, "PMML model '%s'", tname);
	rc = mlmd__sc_xeng_trees_src(out, m, &c.b.s, feats, nf, c.K > 1 ? top->cls : NULL, what);
out:
	for (int32_t k = 0; c.b.sets && k < c.n_nodes; k++)
		free(c.b.sets[k]);
	mlmd__sc_tree_buf_free(&c.b);
	free(c.cover);
	free(feats);
	free(c.feat_of_field);
	free(c.base);
	free(c.cmap);
	return rc;
}

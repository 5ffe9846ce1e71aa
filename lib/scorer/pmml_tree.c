/*
 * scorer/pmml_tree.c - TreeModel: node trees, compiled and evaluated by
 * walking them node by node (or through the tree engine, when
 * pmml_tree_compile.c compiled the tree into it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

/* ---- evaluating ---------------------------------------------------------------------------------- */

/* weightedConfidence / aggregateNodes: distribution below node i over every non-FALSE path. */
static double tree_mix(rowctx *rc, const pmodel *m, const treebody *t, int i, double *acc, double w, int depth)
{
	const tnode *nd = &t->nodes[i];
	if (nd->n == 0 || depth > 1024) {
		if (nd->dist >= 0)
			for (size_t k = 0; k < m->n_cls; k++)
				acc[k] += w * (t->missing == MS_AGGREGATE ? t->counts[nd->dist + (int)k] : t->probs[nd->dist + (int)k]);
		return w;
	}
	double total = 0;
	for (int c = nd->first; c < nd->first + nd->n; c++)
		if (mlmd__pmml_eval_pred(rc, t->nodes[c].pred) != T_FALSE)
			total += t->nodes[c].count == t->nodes[c].count ? t->nodes[c].count : 1;
	if (total <= 0)
		return 0;
	for (int c = nd->first; c < nd->first + nd->n; c++)
		if (mlmd__pmml_eval_pred(rc, t->nodes[c].pred) != T_FALSE) {
			double cw = (t->nodes[c].count == t->nodes[c].count ? t->nodes[c].count : 1) / total;
			tree_mix(rc, m, t, c, acc, t->missing == MS_AGGREGATE ? w : w * cw, depth + 1);
		}
	return w;
}

static void tree_result(const pmodel *m, const treebody *t, int i, pres *r)
{
	const tnode *nd = &t->nodes[i];
	r->entity = nd->id;
	if (m->classification) {
		for (size_t k = 0; k < m->n_cls; k++)
			r->p[k] = nd->dist >= 0 ? t->probs[nd->dist + (int)k] : NAN;
		r->has_p = nd->dist >= 0;
		r->value = nd->score;
		r->cls = nd->cls;
		if (r->value.t == PV_MISSING && nd->dist >= 0)
			set_class_result(m, r);
		else if (nd->dist >= 0 && nd->cls >= 0)
			r->confidence = r->p[nd->cls];
	} else {
		r->value = nd->score;
	}
}

/* Scores a tree through the engine: gathers its features (NaN for missing) and takes
 * the leaf it reaches (-1: no prediction). False when a feature holds a value the
 * engine cannot compare (text in a numeric field), so the row is walked instead. */
static bool eval_tree_engine(rowctx *rc, const pmodel *m, const treebody *t, pres *r)
{
	double *x = rc->scratch + m->body_scratch; /* the n_feat feature values */
	for (int k = 0; k < t->n_feat; k++) {
		const tfeat *f = &t->feat[k];
		pv v = field_value(rc, f->field);
		if (v.t == PV_MISSING) {
			x[k] = NAN;
		} else if (v.t != (f->text ? PV_STR : PV_NUM) || (f->text && !v.s)) {
			return false;
		} else if (!f->text) {
			x[k] = v.d;
		} else {
			if (!rc->tdone[f->field] || rc->tptr[f->field] != v.s) {
				rc->tdone[f->field] = 1;
				rc->tptr[f->field] = v.s;
				rc->tcode[f->field] = mlmd__pmml_text_code(&rc->d->fields[f->field], v.s);
			}
			x[k] = rc->tcode[f->field];
		}
	}
	double leaf = mlmd__sc_trees_vote1_d(t->eng, x);
	if (leaf >= 0)
		tree_result(m, t, (int)leaf, r);
	return true;
}

void mlmd__pmml_eval_tree(rowctx *rc, const pmodel *m, pres *r)
{
	const treebody *t = m->body;
	int i = 0;
	r->value = MISSING;
	if (t->slot >= 0 && rc->leaves) { /* scored with the whole batch: the node the engine reached */
		double leaf = rc->leaves[t->slot];
		if (leaf >= 0)
			tree_result(m, t, (int)leaf, r);
		return;
	}
	if (t->eng && eval_tree_engine(rc, m, t, r))
		return;
	if (t->n == 0 || mlmd__pmml_eval_pred(rc, t->nodes[0].pred) == T_FALSE)
		return;
	for (int guard = 0; guard < 100000; guard++) {
		const tnode *nd = &t->nodes[i];
		if (nd->n == 0)
			break;
		int next = -1;
		bool unknown = false;
		for (int c = nd->first; c < nd->first + nd->n; c++) {
			int x = mlmd__pmml_eval_pred(rc, t->nodes[c].pred);
			if (x == T_TRUE) {
				next = c;
				break;
			}
			if (x == T_UNKNOWN && t->missing != MS_NONE) {
				unknown = true;
				break;
			}
		}
		if (unknown) {
			switch (t->missing) {
			case MS_LAST:
				tree_result(m, t, i, r);
				return;
			case MS_NULL:
				return;
			case MS_DEFAULT:
				if (nd->def < 0) {
					tree_result(m, t, i, r);
					return;
				}
				i = nd->def;
				continue;
			default: {
				if (!m->classification) {
					tree_result(m, t, i, r);
					return;
				}
				double *acc = r->p;
				for (size_t k = 0; k < m->n_cls; k++)
					acc[k] = 0;
				tree_mix(rc, m, t, i, acc, 1, 0);
				double sum = 0;
				for (size_t k = 0; k < m->n_cls; k++)
					sum += acc[k];
				for (size_t k = 0; k < m->n_cls; k++)
					acc[k] = sum > 0 ? acc[k] / sum : NAN;
				r->entity = nd->id;
				set_class_result(m, r);
				return;
			}
			}
		}
		if (next < 0) {
			if (t->return_last)
				tree_result(m, t, i, r);
			return;
		}
		i = next;
	}
	tree_result(m, t, i, r);
}

/* ---- compiling ----------------------------------------------------------------------------------- */

static int count_nodes(const px *n, int depth, int *count)
{
	if (depth > 1024)
		return mlmd__pmml_bad(n, "the tree is deeper than 1024 levels");
	(*count)++;
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node")) {
		int rc = count_nodes(c, depth + 1, count);
		if (rc)
			return rc;
	}
	return 0;
}

typedef struct {
	treebody *t;
	int next;
	int n_dist;
	int dist_cap;
} tbuild;

static int build_node(pdoc *d, pmodel *m, tbuild *tb, const px *n, int i)
{
	tnode *nd = &tb->t->nodes[i];
	const px *pr = mlmd__pmml_pred_child(n);
	int rc = 0;
	if (!pr)
		return mlmd__pmml_bad(n, "a Node needs a predicate");
	if ((rc = mlmd__pmml_compile_pred(d, pr, &nd->pred)))
		return rc;
	nd->id = pstrdup(d, mlmd__px_attr(n, "id"));
	nd->def = -1;
	nd->dist = -1;
	if (!parse_double(mlmd__px_attr(n, "recordCount"), &nd->count))
		nd->count = NAN;
	const char *sc = mlmd__px_attr(n, "score");
	nd->score = sc ? constant(d, pstrdup(d, sc), m->classification ? F_STRING : F_DOUBLE) : MISSING;
	nd->cls = -1;
	if (m->classification && sc && (nd->cls = mlmd__pmml_add_class(d, m, sc)) < 0)
		return nd->cls;
	for (const px *c = n->first; c; c = c->next)
		if (!c->foreign && (!strcmp(c->name, "Regression") || !strcmp(c->name, "DecisionTree") ||
			!strcmp(c->name, "Partition")))
			return mlmd__pmml_unsupported(c, "a model embedded in a tree Node");
	/* ScoreDistribution: remembered as (class, count, probability) and fixed up once all classes are known */
	int nsd = 0;
	for (const px *s = mlmd__px_child(n, "ScoreDistribution"); s; s = mlmd__px_next(s, "ScoreDistribution"))
		nsd++;
	if (nsd && m->classification) {
		nd->dist = tb->n_dist;
		tb->n_dist += nsd + 1;
		if (tb->n_dist > tb->dist_cap) {
			int cap = tb->dist_cap ? tb->dist_cap * 2 : 256;
			while (cap < tb->n_dist)
				cap *= 2;
			double *np = realloc(tb->t->probs, (size_t)cap * 3 * sizeof(double));
			if (!np)
				return MLMD_OOM();
			tb->t->probs = np;
			tb->dist_cap = cap;
		}
		double *rec = tb->t->probs + (size_t)nd->dist * 3;
		rec[0] = nsd; /* header: count */
		rec[1] = rec[2] = 0;
		int k = 1;
		for (const px *s = mlmd__px_child(n, "ScoreDistribution"); s; s = mlmd__px_next(s, "ScoreDistribution"), k++) {
			const char *v = mlmd__px_attr(s, "value");
			double cnt = NAN, prob = NAN;
			if (!v)
				return mlmd__pmml_bad(s, "missing attribute 'value'");
			int ci = mlmd__pmml_add_class(d, m, v);
			if (ci < 0)
				return ci;
			parse_double(mlmd__px_attr(s, "recordCount"), &cnt);
			parse_double(mlmd__px_attr(s, "probability"), &prob);
			rec[3 * k] = ci;
			rec[3 * k + 1] = cnt;
			rec[3 * k + 2] = prob;
		}
	}
	int nc = 0;
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node"))
		nc++;
	nd->first = tb->next;
	nd->n = nc;
	tb->next += nc;
	const char *def = mlmd__px_attr(n, "defaultChild");
	int k = 0;
	for (const px *c = mlmd__px_child(n, "Node"); c; c = mlmd__px_next(c, "Node"), k++) {
		if (def && mlmd__px_attr(c, "id") && !strcmp(def, mlmd__px_attr(c, "id")))
			nd->def = nd->first + k;
		if ((rc = build_node(d, m, tb, c, nd->first + k)))
			return rc;
		nd = &tb->t->nodes[i]; /* (the array does not move, but keep the pointer fresh) */
	}
	return 0;
}

int mlmd__pmml_compile_tree(pdoc *d, const px *n, pmodel *m)
{
	treebody *t = mlmd__sc_alloc(d->pool, sizeof *t);
	if (!t)
		return MLMD_OOM();
	m->body = t;
	t->slot = -1;
	static const char *const ms[] = { "none", "lastPrediction", "nullPrediction", "defaultChild",
		"weightedConfidence", "aggregateNodes", NULL };
	const char *mv = mlmd__px_attr(n, "missingValueStrategy"), *nt = mlmd__px_attr(n, "noTrueChildStrategy");
	t->missing = MS_NONE;
	for (int k = 0; mv && ms[k]; k++)
		if (!strcmp(mv, ms[k]))
			t->missing = k;
	if (mv && strcmp(mv, ms[t->missing]))
		return mlmd__pmml_bad(n, "unknown missingValueStrategy '%s'", mv);
	t->return_last = nt && !strcmp(nt, "returnLastPrediction");
	const px *root = mlmd__px_child(n, "Node");
	if (!root)
		return mlmd__pmml_bad(n, "a TreeModel needs a Node");
	int count = 0, rc = 0;
	if ((rc = count_nodes(root, 0, &count)))
		return rc;
	t->nodes = mlmd__sc_alloc_array(d->pool, (size_t)count, sizeof *t->nodes);
	if (!t->nodes)
		return MLMD_OOM();
	t->n = count;
	tbuild tb = { .t = t, .next = 1 };
	t->probs = NULL;
	rc = build_node(d, m, &tb, root, 0);
	if (rc) {
		free(t->probs);
		t->probs = NULL;
		return rc;
	}
	/* distributions as dense per-class probabilities and counts, now that every class is known */
	double *raw = t->probs;
	size_t K = m->n_cls, with_dist = 0;
	for (int i = 0; i < count; i++)
		with_dist += t->nodes[i].dist >= 0;
	if (m->classification && raw && (rc = mlmd__pmml_check_table(d, n, with_dist, K, 2 * sizeof(double),
		"the tree's score distributions (nodes x categories)"))) {
		free(raw);
		t->probs = NULL;
		return rc;
	}
	if (m->classification && raw) {
		t->probs = mlmd__sc_alloc_array(d->pool, with_dist * K + 1, sizeof(double));
		t->counts = mlmd__sc_alloc_array(d->pool, with_dist * K + 1, sizeof(double));
		if (!t->probs || !t->counts) {
			free(raw);
			return MLMD_OOM();
		}
		int at = 0;
		for (int i = 0; i < count; i++) {
			tnode *nd = &t->nodes[i];
			if (nd->dist < 0)
				continue;
			const double *rec = raw + (size_t)nd->dist * 3;
			int nsd = (int)rec[0];
			double total = 0;
			bool have_prob = true;
			for (int k = 1; k <= nsd; k++) {
				total += rec[3 * k + 1] == rec[3 * k + 1] ? rec[3 * k + 1] : 0;
				have_prob &= rec[3 * k + 2] == rec[3 * k + 2];
			}
			for (size_t k = 0; k < K; k++)
				t->probs[(size_t)at + k] = t->counts[(size_t)at + k] = 0;
			for (int k = 1; k <= nsd; k++) {
				int ci = (int)rec[3 * k];
				double cnt = rec[3 * k + 1] == rec[3 * k + 1] ? rec[3 * k + 1] : 0;
				t->counts[at + ci] = cnt;
				t->probs[at + ci] = have_prob ? rec[3 * k + 2] : total > 0 ? cnt / total : 0;
			}
			if (nd->count != nd->count)
				nd->count = total;
			nd->dist = at;
			at += (int)K;
		}
	} else {
		free(raw);
		raw = NULL;
		t->probs = NULL;
	}
	free(raw);
	return 0;
}

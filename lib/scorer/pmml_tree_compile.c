/*
 * scorer/pmml_tree_compile.c - TreeModel -> tree engine: the TreeModels whose
 * ordered, three-valued rules reduce to chains of binary tests, compiled into
 * the tree engine (trees.c).
 */
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

/* A TreeModel compiles into the tree engine when the engine gives exactly the
 * answers of PMML's rules. A node's children are tried in order and the first
 * whose predicate is true is taken; the engine does the same with a chain of
 * tests, one per child: true goes to the child, false to the next test, and
 * past the last test (no child true) to a leaf standing for "this node's
 * prediction" (returnLastPrediction) or "no prediction". A missing field
 * makes a predicate unknown; where the missingValueStrategy sends such a row
 * (the next child, the default child, or stop here) is fixed per test, and a
 * stop gets one more test that sends only missing values to its leaf. Leaves
 * vote their PMML node index, so the result (score, distribution, entity id)
 * comes from the node the walker would reach.
 *
 * Compiled: SimplePredicate comparisons on numeric fields, equal/notEqual on
 * text fields, SimpleSetPredicate on either, with True allowed after the
 * first child. Text values become their position among the texts the
 * document's compiled trees compare the field with, so equality is exact.
 * Walked node by node instead: compound predicates (and/or/xor/surrogate),
 * text ordering, a root predicate other than True, weightedConfidence and
 * aggregateNodes for classes, a defaultChild other than the child itself or
 * the next child on the same field, and splits into more than MAX_CHAIN
 * children (planning a chain is quadratic in its length). A row whose value has an unexpected kind (text in a numeric field or
 * a number in a text field) is walked too. */

enum { R_TRUE, R_FALSE, R_STOP, R_NULL }; /* where a test sends a missing value */
#define MAX_CHAIN 64

static bool engine_pred(const pdoc *d, const ppred *p)
{
	int want = p->numeric ? PV_NUM : PV_STR;
	if (p->kind == P_SET) {
		for (size_t i = 0; i < p->n; i++)
			if (p->set[i].t != want)
				return false;
		return d->fields[p->field].kind == (p->numeric ? F_DOUBLE : F_STRING);
	}
	if (p->kind != P_SIMPLE || p->op > OP_GE || p->value.t != want)
		return false;
	return p->numeric ? d->fields[p->field].kind == F_DOUBLE : p->op <= OP_NE && d->fields[p->field].kind == F_STRING;
}

/* Plans node nd's chain: route[k] for each test; returns the number of tests
 * (the children before the first True one), or -1 if the engine cannot
 * express the node. *open: no child is True, so the chain can run out. */
static int plan_chain(const pdoc *d, const pmodel *m, const treebody *t, const tnode *nd, uint8_t *route, bool *open)
{
	*open = true;
	if (nd->n > MAX_CHAIN)
		return -1;
	int k = 0;
	for (; k < nd->n; k++) {
		const ppred *p = t->nodes[nd->first + k].pred;
		if (p->kind == P_TRUE) {
			if (k == 0)
				return -1;
			*open = false;
			break;
		}
		if (!engine_pred(d, p))
			return -1;
		/* A row missing this field reaches this test only if every earlier test of the field passed it on. */
		bool reach = true;
		for (int j = 0; j < k; j++)
			if (t->nodes[nd->first + j].pred->field == p->field && route[j] != R_FALSE)
				reach = false;
		route[k] = R_FALSE;
		if (!reach)
			continue;
		switch (t->missing) {
		case MS_NONE: break; /* unknown is not true: try the next child */
		case MS_LAST: route[k] = R_STOP; break;
		case MS_NULL: route[k] = R_NULL; break;
		case MS_DEFAULT: {
			int def = nd->def - nd->first;
			if (nd->def < 0) {
				route[k] = R_STOP;
			} else if (def == k) {
				route[k] = R_TRUE;
			} else {
				/* on to the next test: right only if it is the default child, or tests the same field */
				const ppred *q = k + 1 < nd->n ? t->nodes[nd->first + k + 1].pred : NULL;
				if (def < k || !q || (q->kind == P_TRUE ? def != k + 1 : q->kind == P_SIMPLE || q->kind == P_SET ?
					q->field != p->field : true))
					return -1;
			}
			break;
		}
		default:
			if (m->classification)
				return -1;
			route[k] = R_STOP;
		}
	}
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Working state of one compilation. */
typedef struct {
	sc_tree_buf b;
	int *feat_of;            /* field -> feature + 1 */
	int nf, next, nv;
} tcomp;

static void add_leaf(tcomp *c, int at, int node)
{
	c->b.mode[at] = SC_MODE_LEAF;
	c->b.vstart[at] = c->nv;
	c->b.vcount[at] = 1;
	c->b.vweight[c->nv++] = node;
}

/* Sets engine node `at` to predicate p's test; *neg: the predicate holds when the test is false. */
static int set_test(pdoc *d, tcomp *c, int at, const ppred *p, bool *neg)
{
	const pfield *f = d->fields[p->field].kind == F_STRING ? &d->fields[p->field] : NULL;
	c->b.feature[at] = c->feat_of[p->field] - 1;
	*neg = false;
	if (p->kind == P_SET) {
		double *set = mlmd__sc_alloc_array(d->pool, p->n + 1, sizeof *set);
		if (!set)
			return MLMD_OOM();
		for (size_t i = 0; i < p->n; i++)
			set[i] = f ? mlmd__pmml_text_code(f, p->set[i].s) : p->set[i].d;
		qsort(set, p->n, sizeof *set, cmp_double);
		c->b.mode[at] = SC_MODE_MEMBER;
		c->b.sets[at] = set;
		c->b.nsets[at] = (int32_t)p->n;
		*neg = !p->is_in;
		return 0;
	}
	static const uint8_t modes[] = { [OP_EQ] = SC_MODE_EQ, [OP_NE] = SC_MODE_NEQ, [OP_LT] = SC_MODE_LT,
		[OP_LE] = SC_MODE_LEQ, [OP_GT] = SC_MODE_GT, [OP_GE] = SC_MODE_GTE };
	c->b.mode[at] = modes[p->op];
	c->b.thr[at] = f ? mlmd__pmml_text_code(f, p->value.s) : p->value.d;
	return 0;
}

/* Gives every field the tree tests a feature. */
static int tree_features(pdoc *d, treebody *t, tcomp *c)
{
	for (int i = 1; i < t->n; i++) {
		const ppred *p = t->nodes[i].pred;
		if (engine_pred(d, p) && !c->feat_of[p->field]) /* (not: True, or a child after a True one) */
			c->feat_of[p->field] = ++c->nf;
	}
	t->n_feat = c->nf;
	t->feat = mlmd__sc_alloc_array(d->pool, (size_t)c->nf + 1, sizeof *t->feat);
	if (!t->feat)
		return MLMD_OOM();
	for (int fld = 0; fld < d->n_fields; fld++)
		if (c->feat_of[fld]) {
			tfeat *f = &t->feat[c->feat_of[fld] - 1];
			f->field = fld;
			f->text = d->fields[fld].kind == F_STRING;
		}
	return 0;
}

/* ---- text fields --------------------------------------------------------------------------------- */

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

double mlmd__pmml_text_code(const pfield *f, const char *s)
{
	const char **hit = bsearch(&s, f->codes, (size_t)f->n_codes, sizeof *f->codes, cmp_text);
	return hit ? (double)(hit - f->codes) : f->n_codes;
}

/* Collects, over every TreeModel in m, the texts each text field is compared
 * with: pass 0 counts them, pass 1 stores them (in fields' codes). */
static void collect_texts(pdoc *d, const pmodel *m, int pass)
{
	if (m->kind == M_MINING) {
		const miningbody *b = m->body;
		for (size_t i = 0; i < b->n; i++)
			collect_texts(d, b->seg[i].model, pass);
		return;
	}
	if (m->kind != M_TREE)
		return;
	const treebody *t = m->body;
	for (int i = 1; i < t->n; i++) {
		const ppred *p = t->nodes[i].pred;
		if (!engine_pred(d, p) || d->fields[p->field].kind != F_STRING)
			continue;
		pfield *f = &d->fields[p->field];
		size_t k = p->kind == P_SET ? p->n : 1;
		for (size_t j = 0; j < k; j++, f->n_codes++)
			if (pass)
				f->codes[f->n_codes] = p->kind == P_SET ? p->set[j].s : p->value.s;
	}
}

/* The fields' codes: every text a compiled tree may compare a field with, sorted, once each. */
int mlmd__pmml_text_codes(pdoc *d)
{
	collect_texts(d, d->top, 0);
	for (int fld = 0; fld < d->n_fields; fld++) {
		pfield *f = &d->fields[fld];
		if (f->n_codes && !(f->codes = mlmd__sc_alloc_array(d->pool, (size_t)f->n_codes, sizeof *f->codes)))
			return MLMD_OOM();
		f->n_codes = 0;
	}
	collect_texts(d, d->top, 1);
	for (int fld = 0; fld < d->n_fields; fld++) {
		pfield *f = &d->fields[fld];
		if (!f->n_codes)
			continue;
		qsort(f->codes, (size_t)f->n_codes, sizeof *f->codes, cmp_text);
		int u = 1;
		for (int k = 1; k < f->n_codes; k++)
			if (strcmp(f->codes[k], f->codes[u - 1]))
				f->codes[u++] = f->codes[k];
		f->n_codes = u;
	}
	return 0;
}

/* ---- the compilation ----------------------------------------------------------------------------- */

/* Fills the engine nodes of internal node i's chain. */
static int build_chain(pdoc *d, const pmodel *m, treebody *t, tcomp *c, int i, uint8_t *route)
{
	const tnode *nd = &t->nodes[i];
	bool open;
	int tests = plan_chain(d, m, t, nd, route, &open), at = i, rc = 0;
	for (int k = 0; k < tests; k++) {
		const ppred *p = t->nodes[nd->first + k].pred;
		int after; /* where a row the predicate does not hold for goes */
		if (k + 1 < tests) {
			after = c->next++;
		} else if (open) {
			after = c->next++;
			add_leaf(c, after, t->return_last ? i : -1);
		} else {
			after = nd->first + tests; /* the True child */
		}
		bool neg;
		if ((rc = set_test(d, c, at, p, &neg)))
			return rc;
		int child = nd->first + k;
		c->b.tchild[at] = neg ? after : child;
		c->b.fchild[at] = neg ? child : after;
		/* missing: to the child's side, or onward */
		c->b.miss[at] = (route[k] == R_TRUE) != neg;
		if (route[k] >= R_STOP) { /* onward goes through the same test again, where missing values stop */
			int again = c->next++, stop = c->next++;
			if (neg)
				c->b.tchild[at] = again;
			else
				c->b.fchild[at] = again;
			c->b.mode[again] = c->b.mode[at];
			c->b.feature[again] = c->b.feature[at];
			c->b.thr[again] = c->b.thr[at];
			c->b.sets[again] = c->b.sets[at];
			c->b.nsets[again] = c->b.nsets[at];
			/* rows other than missing ones reaching it fail the predicate: the test says !neg */
			c->b.miss[again] = !neg;
			c->b.tchild[again] = neg ? after : stop;
			c->b.fchild[again] = neg ? stop : after;
			add_leaf(c, stop, route[k] == R_STOP ? i : -1);
		}
		at = after;
	}
	return 0;
}

int mlmd__pmml_tree_engine(pdoc *d, const pmodel *m, treebody *t)
{
	d->trees_walked++;
	if (t->n == 0 || t->nodes[0].pred->kind != P_TRUE)
		return 0;
	int max_children = 0;
	for (int i = 0; i < t->n; i++)
		max_children = t->nodes[i].n > max_children ? t->nodes[i].n : max_children;
	uint8_t *route = malloc((size_t)max_children + 1);
	if (!route)
		return MLMD_OOM();
	/* sizes: per internal node, a test per child after the first, two nodes and a leaf per stop, a leaf at an open end */
	size_t nodes = (size_t)t->n, leaves = 0;
	bool ok = true, open;
	for (int i = 0; i < t->n && ok; i++) {
		const tnode *nd = &t->nodes[i];
		if (nd->n == 0) {
			leaves++;
			continue;
		}
		int tests = plan_chain(d, m, t, nd, route, &open);
		ok = tests > 0;
		nodes += (size_t)(tests - 1) + open;
		leaves += open;
		for (int k = 0; k < tests; k++)
			if (route[k] >= R_STOP) {
				nodes += 2;
				leaves++;
			}
	}
	if (!ok || nodes > INT32_MAX / 2) {
		free(route);
		return 0;
	}
	tcomp c = { .next = t->n };
	int rc = mlmd__sc_tree_buf_alloc(&c.b, nodes, leaves, 1);
	if (!rc && !(c.feat_of = calloc((size_t)d->n_fields + 1, sizeof *c.feat_of)))
		rc = MLMD_OOM();
	if (!rc)
		rc = tree_features(d, t, &c);
	for (int i = 0; !rc && i < t->n; i++) {
		if (t->nodes[i].n == 0)
			add_leaf(&c, i, i);
		else
			rc = build_chain(d, m, t, &c, i, route);
	}
	free(route);
	free(c.feat_of);
	c.b.roots[0] = 0;
	c.b.s.n_trees = 1;
	c.b.s.n_targets = 1;
	c.b.s.agg = SC_AGG_SUM;
	c.b.s.compact = true;
	if (!rc)
		rc = mlmd__sc_trees_build(&t->eng, d->pool, &c.b.s, "PMML TreeModel");
	mlmd__sc_tree_buf_free(&c.b);
	if (rc) {
		t->eng = NULL;
		t->n_feat = 0;
		/* beyond what the engine takes (its chains are deeper than the PMML tree): walk it */
		return rc == -MLMD_RESOURCE_EXHAUSTED ? rc : 0;
	}
	d->trees_walked--;
	d->trees_engine++;
	return 0;
}

/* ---- trees for rows with no missing value (pmml_batch.c) ------------------------------------------ */

/* Whether q holds exactly when p does not, for any value that is not
 * missing: the same field and constant, opposite comparisons. */
static bool complement(const ppred *p, const ppred *q)
{
	static const int8_t opposite[] = { [OP_EQ] = OP_NE, [OP_NE] = OP_EQ, [OP_LT] = OP_GE, [OP_LE] = OP_GT,
		[OP_GT] = OP_LE, [OP_GE] = OP_LT };
	if (p->field != q->field || p->kind != q->kind || p->numeric != q->numeric)
		return false;
	if (p->kind == P_SET) {
		if (p->is_in == q->is_in || p->n != q->n)
			return false;
		for (size_t i = 0; i < p->n; i++) {
			int ok;
			if (cmp_values(p->set[i], q->set[i], p->numeric, &ok) != 0 || !ok || p->set[i].t != q->set[i].t)
				return false;
		}
		return true;
	}
	int ok;
	return q->op == opposite[p->op] && p->value.t == q->value.t && cmp_values(p->value, q->value, p->numeric, &ok) == 0 &&
		ok;
}

/* Emits TreeModel t into b for rows none of whose fields the tree reads is
 * missing: then no predicate is unknown, so the missing-value strategy never
 * applies, and a node whose two children test complementary predicates
 * (x <= t, then x > t) needs one test, not a chain of two and a leaf no row
 * reaches. PMML node i is b's node *next + i; leaves vote their PMML node
 * index (-1: no prediction) for `target`; feat_of maps a field to its
 * feature + 1. Returns 0, or 1 when the tree does not fit (as the engine
 * compilation refuses it), or an error. */
int mlmd__pmml_tree_dense(pdoc *d, const treebody *t, sc_tree_buf *b, const int *feat_of, int target, int32_t *next,
	int32_t *nv)
{
	tcomp c = { .b = *b, .feat_of = (int *)feat_of, .next = *next + t->n, .nv = *nv };
	int base = *next, rc = 0;
	for (int i = 0; i < t->n && !rc; i++) {
		const tnode *nd = &t->nodes[i];
		if (nd->n == 0) {
			add_leaf(&c, base + i, i);
			c.b.vtarget[c.nv - 1] = target;
			continue;
		}
		if (nd->n > MAX_CHAIN)
			return 1;
		int tests = 0;
		bool open = true;
		for (; tests < nd->n; tests++) {
			const ppred *p = t->nodes[nd->first + tests].pred;
			if (p->kind == P_TRUE) {
				open = false;
				break;
			}
			if (!engine_pred(d, p))
				return 1;
		}
		if (tests == 0)
			return 1;
		if (open && tests == 2 && complement(t->nodes[nd->first].pred, t->nodes[nd->first + 1].pred)) {
			tests = 1; /* the second child takes every row the first does not */
			open = false;
		}
		int at = base + i;
		for (int k = 0; k < tests && !rc; k++) {
			int after;
			if (k + 1 < tests) {
				after = c.next++;
			} else if (open) {
				after = c.next++;
				add_leaf(&c, after, t->return_last ? i : -1);
				c.b.vtarget[c.nv - 1] = target;
			} else {
				after = base + nd->first + tests;
			}
			bool neg;
			if ((rc = set_test(d, &c, at, t->nodes[nd->first + k].pred, &neg)))
				break;
			c.b.tchild[at] = neg ? after : base + nd->first + k;
			c.b.fchild[at] = neg ? base + nd->first + k : after;
			c.b.miss[at] = 0;
			at = after;
		}
	}
	*next = c.next;
	*nv = c.nv;
	return rc;
}

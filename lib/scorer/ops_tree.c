/*
 * scorer/ops_tree.c - ONNX's tree operators, compiled to the tree engine:
 * TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml 1 and 3,
 * nodes keyed by (tree id, node id)) and TreeEnsemble (ai.onnx.ml 5, node
 * and leaf arrays indexed directly, set membership).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

typedef struct {
	sc_trees *trees;
	sc_post post;
	bool classifier;
	int n_classes;
	const int64_t *labels_int;
	const char *const *labels_str;
	int binary_id;        /* classifier: the one class id every vote uses, else -1 */
	int out_dtype;        /* TreeEnsemble v5: follows X; others FLOAT */
} tree_attr;

static int parse_mode(const sc_node *n, const char *s, uint8_t *out)
{
	static const char *const names[] = { "BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ",
		"BRANCH_NEQ", "BRANCH_MEMBER", "LEAF" };
	for (int i = 0; i < 8; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "unknown node mode '%s'", s);
}

/* (tree id, node id) -> node index, for the load. */
typedef struct {
	uint64_t *keys;
	int32_t *vals;
	size_t cap;
} id_map;

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static uint64_t id_key(int64_t tree, int64_t node)
{
	return ((uint64_t)tree << 32) ^ (uint64_t)(uint32_t)node;
}

static int32_t *id_slot(id_map *m, uint64_t key, bool *found)
{
	size_t i = mix(key) & (m->cap - 1);
	while (m->vals[i] >= 0) {
		if (m->keys[i] == key) {
			*found = true;
			return &m->vals[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	*found = false;
	m->keys[i] = key;
	return &m->vals[i];
}

static int32_t id_get(const id_map *m, uint64_t key)
{
	size_t i = mix(key) & (m->cap - 1);
	while (m->vals[i] >= 0) {
		if (m->keys[i] == key)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

/* Groups votes (leaf index per vote) by leaf: fills vstart/vcount and
 * reorders targets and weights. */
static int group_votes(sc_tree_buf *b, const int32_t *leaf_of, const int32_t *tg, const double *w, size_t nv)
{
	size_t nn = (size_t)b->s.n_nodes;
	for (size_t v = 0; v < nv; v++)
		b->vcount[leaf_of[v]]++;
	int32_t at = 0;
	for (size_t i = 0; i < nn; i++) {
		b->vstart[i] = at;
		at += b->vcount[i];
	}
	int32_t *fill = calloc(nn + 1, sizeof *fill);
	if (!fill)
		return MLMD_OOM();
	for (size_t v = 0; v < nv; v++) {
		int32_t l = leaf_of[v], pos = b->vstart[l] + fill[l]++;
		b->vtarget[pos] = tg[v];
		b->vweight[pos] = w[v];
	}
	free(fill);
	return 0;
}

/* TreeEnsembleRegressor / TreeEnsembleClassifier, ml opsets 1 and 3. */
static int prep_v3(sc_node *n, sc_load *L, bool classifier)
{
	tree_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	a->classifier = classifier;
	a->out_dtype = MLMD_DTYPE_FLOAT;
	a->binary_id = -1;
	size_t nt, nn, nf, nm, ntr, nfa, nmiss, nval;
	const int64_t *treeids, *nodeids, *feats, *tids, *fids, *miss = NULL;
	const char *const *modes;
	double *vals;
	int rc;
	if ((rc = mlmd__sc_get_ints(n, L, "nodes_treeids", &nt, &treeids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_nodeids", &nn, &nodeids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_featureids", &nf, &feats)) ||
		(rc = mlmd__sc_get_strings(n, L, "nodes_modes", &nm, &modes)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_truenodeids", &ntr, &tids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_falsenodeids", &nfa, &fids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_missing_value_tracks_true", &nmiss, &miss)) ||
		(rc = mlmd__sc_get_doubles_or_tensor(n, L, "nodes_values", &nval, &vals)))
		return rc;
	size_t N = nt;
	if (N == 0)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has no nodes");
	if (nn != N || nf != N || nm != N || ntr != N || nfa != N || (nmiss && nmiss != N) || (nval && nval != N))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node attribute arrays differ in length (nodes_treeids has %zu)", N);
	if (N > 50000000)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has %zu nodes", N);
	const char *pfx = classifier ? "class" : "target";
	char an[64];
	size_t nvt, nvn, nvi, nvw;
	const int64_t *vt, *vn, *vi;
	double *vw;
	snprintf(an, sizeof an, "%s_treeids", pfx);
	if ((rc = mlmd__sc_get_ints(n, L, an, &nvt, &vt)))
		return rc;
	snprintf(an, sizeof an, "%s_nodeids", pfx);
	if ((rc = mlmd__sc_get_ints(n, L, an, &nvn, &vn)))
		return rc;
	snprintf(an, sizeof an, "%s_ids", pfx);
	if ((rc = mlmd__sc_get_ints(n, L, an, &nvi, &vi)))
		return rc;
	snprintf(an, sizeof an, "%s_weights", pfx);
	if ((rc = mlmd__sc_get_doubles_or_tensor(n, L, an, &nvw, &vw)))
		return rc;
	if (nvn != nvt || nvi != nvt || nvw != nvt)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%s_* attribute arrays differ in length", pfx);
	int64_t n_targets = 1;
	if (classifier) {
		size_t nli, nls;
		if ((rc = mlmd__sc_get_ints(n, L, "classlabels_int64s", &nli, &a->labels_int)) ||
			(rc = mlmd__sc_get_strings(n, L, "classlabels_strings", &nls, &a->labels_str)))
			return rc;
		if ((nli > 0) == (nls > 0))
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs exactly one of classlabels_int64s and "
				"classlabels_strings");
		if (nli == 1 || nls == 1)
			return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "a single class label is not supported");
		n_targets = (int64_t)(nli ? nli : nls);
		if (!nli)
			a->labels_int = NULL;
		if (!nls)
			a->labels_str = NULL;
	} else if ((rc = mlmd__sc_get_int(n, L, "n_targets", 1, &n_targets))) {
		return rc;
	}
	if (n_targets < 1 || n_targets > 100000)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "n_targets %lld is out of range", (long long)n_targets);
	a->n_classes = (int)n_targets;
	const char *post, *agg = "SUM";
	if ((rc = mlmd__sc_get_string(n, L, "post_transform", "NONE", &post)) || (rc = mlmd__sc_parse_post(n, post, &a->post)))
		return rc;
	if (!classifier && (rc = mlmd__sc_get_string(n, L, "aggregate_function", "SUM", &agg)))
		return rc;
	size_t nb;
	double *base;
	if ((rc = mlmd__sc_get_doubles_or_tensor(n, L, "base_values", &nb, &base)))
		return rc;
	if (nb && nb != (size_t)n_targets && nb != 1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "base_values has %zu values for %lld targets", nb,
			(long long)n_targets);
	/* a declared count that sizes arrays: every target is written by a vote or a base value */
	if (!classifier && (size_t)n_targets > (nvt > nb ? nvt : nb) && n_targets > 1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "n_targets is %lld but only %zu votes and %zu base values "
			"are given", (long long)n_targets, nvt, nb);
	if (nb == 1 && n_targets > 1) {
		double *b2 = mlmd__sc_alloc_array(L->pool, (size_t)n_targets, sizeof *b2);
		if (!b2)
			return MLMD_OOM();
		for (int64_t k = 0; k < n_targets; k++)
			b2[k] = base[0];
		base = b2;
	}

	sc_tree_buf b;
	id_map map = { 0 };
	int32_t *leaf_of = NULL, *tg = NULL;
	if ((rc = mlmd__sc_tree_buf_alloc(&b, N, nvt, N)))
		goto out;
	map.cap = 16;
	while (map.cap < N * 4)
		map.cap *= 2;
	map.keys = calloc(map.cap, sizeof *map.keys);
	map.vals = malloc(map.cap * sizeof *map.vals);
	leaf_of = calloc(nvt + 1, sizeof *leaf_of);
	tg = calloc(nvt + 1, sizeof *tg);
	if (!map.keys || !map.vals || !leaf_of || !tg) {
		rc = MLMD_OOM();
		goto out;
	}
	memset(map.vals, 0xff, map.cap * sizeof *map.vals);
	int n_trees = 0;
	for (size_t i = 0; i < N; i++) {
		bool found;
		if (treeids[i] < 0 || treeids[i] > INT32_MAX || nodeids[i] < 0 || nodeids[i] > INT32_MAX) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node %zu has tree id %lld, node id %lld", i,
				(long long)treeids[i], (long long)nodeids[i]);
			goto out;
		}
		int32_t *slot = id_slot(&map, id_key(treeids[i], nodeids[i]), &found);
		if (found) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node (tree %lld, id %lld) is defined twice",
				(long long)treeids[i], (long long)nodeids[i]);
			goto out;
		}
		*slot = (int32_t)i;
		/* the first node of each tree id is its root (tree markers use node id 2^32-1) */
		int32_t *root = id_slot(&map, id_key(treeids[i], -1), &found);
		if (!found) {
			*root = (int32_t)i;
			b.roots[n_trees++] = (int32_t)i;
		}
		if ((rc = parse_mode(n, modes[i], &b.mode[i])))
			goto out;
		if (b.mode[i] == SC_MODE_MEMBER) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "BRANCH_MEMBER exists only in TreeEnsemble (ml opset 5)");
			goto out;
		}
		b.feature[i] = feats[i] < 0 || feats[i] > INT32_MAX ? -1 : (int32_t)feats[i];
		b.thr[i] = nval ? vals[i] : 0;
		b.miss[i] = miss ? miss[i] != 0 : 0;
	}
	for (size_t i = 0; i < N; i++) {
		if (b.mode[i] == SC_MODE_LEAF)
			continue;
		int32_t t = id_get(&map, id_key(treeids[i], tids[i])), f = id_get(&map, id_key(treeids[i], fids[i]));
		if (t < 0 || f < 0) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node (tree %lld, id %lld): %s node id %lld does not exist "
				"in that tree", (long long)treeids[i], (long long)nodeids[i], t < 0 ? "true" : "false",
				(long long)(t < 0 ? tids[i] : fids[i]));
			goto out;
		}
		b.tchild[i] = t;
		b.fchild[i] = f;
	}
	for (size_t v = 0; v < nvt; v++) {
		int32_t l = id_get(&map, id_key(vt[v], vn[v]));
		if (l < 0 || b.mode[l] != SC_MODE_LEAF) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%s %zu refers to (tree %lld, id %lld), which is not a leaf",
				pfx, v, (long long)vt[v], (long long)vn[v]);
			goto out;
		}
		if (vi[v] < 0 || vi[v] >= n_targets) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%s_ids[%zu] = %lld is outside 0..%lld", pfx, v,
				(long long)vi[v], (long long)n_targets - 1);
			goto out;
		}
		leaf_of[v] = l;
		tg[v] = (int32_t)vi[v];
		if (classifier) {
			if (v == 0)
				a->binary_id = (int)vi[v];
			else if (a->binary_id != (int)vi[v])
				a->binary_id = -2;
		}
	}
	if (a->binary_id == -2 || a->n_classes != 2)
		a->binary_id = -1;
	if ((rc = group_votes(&b, leaf_of, tg, vw, nvt)))
		goto out;
	b.s.n_trees = n_trees;
	b.s.n_targets = (int)n_targets;
	b.s.base = nb ? base : NULL;
	if (!strcmp(agg, "SUM"))
		b.s.agg = SC_AGG_SUM;
	else if (!strcmp(agg, "AVERAGE"))
		b.s.agg = SC_AGG_AVERAGE;
	else if (!strcmp(agg, "MIN"))
		b.s.agg = SC_AGG_MIN;
	else if (!strcmp(agg, "MAX"))
		b.s.agg = SC_AGG_MAX;
	else {
		rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "unknown aggregate_function '%s'", agg);
		goto out;
	}
	char what[200];
	snprintf(what, sizeof what, "node '%s'", n->name);
	rc = mlmd__sc_trees_build(&a->trees, L->pool, &b.s, what);
	if (!rc && classifier)
		L->m->values[n->out[0]].dtype = a->labels_int ? MLMD_DTYPE_INT64 : MLMD_DTYPE_STRING;
	if (!rc && classifier && n->nout > 1) {
		sc_value *z = &L->m->values[n->out[1]];
		z->dtype = MLMD_DTYPE_FLOAT;
		z->n_labels = (size_t)n_targets;
		z->labels_int64 = a->labels_int;
		z->labels_string = a->labels_str;
	}
out:
	mlmd__sc_tree_buf_free(&b);
	free(map.keys);
	free(map.vals);
	free(leaf_of);
	free(tg);
	return rc;
}

static int prep_regressor(sc_node *n, sc_load *L) { return prep_v3(n, L, false); }
static int prep_classifier(sc_node *n, sc_load *L) { return prep_v3(n, L, true); }

/* TreeEnsemble, ml opset 5. */
static int prep_v5(sc_node *n, sc_load *L)
{
	tree_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	a->binary_id = -1;
	size_t nroots, nf, ntr, nfa, ntl, nfl, nmiss, nlt;
	const int64_t *roots, *feats, *tids, *fids, *tleaf, *fleaf, *miss, *ltarget;
	int rc;
	if ((rc = mlmd__sc_get_ints(n, L, "tree_roots", &nroots, &roots)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_featureids", &nf, &feats)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_truenodeids", &ntr, &tids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_falsenodeids", &nfa, &fids)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_trueleafs", &ntl, &tleaf)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_falseleafs", &nfl, &fleaf)) ||
		(rc = mlmd__sc_get_ints(n, L, "nodes_missing_value_tracks_true", &nmiss, &miss)) ||
		(rc = mlmd__sc_get_ints(n, L, "leaf_targetids", &nlt, &ltarget)))
		return rc;
	tensor modes, splits, weights, members;
	bool fm, fs, fw, fmem;
	if ((rc = mlmd__sc_get_tensor(n, L, "nodes_modes", &fm, &modes)) ||
		(rc = mlmd__sc_get_tensor(n, L, "nodes_splits", &fs, &splits)) ||
		(rc = mlmd__sc_get_tensor(n, L, "leaf_weights", &fw, &weights)) ||
		(rc = mlmd__sc_get_tensor(n, L, "membership_values", &fmem, &members)))
		return rc;
	if (!fm || !fs || !fw)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs nodes_modes, nodes_splits and leaf_weights");
	size_t NN = nf;
	if (NN == 0 || nroots == 0)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has no nodes or no trees");
	if (ntr != NN || nfa != NN || ntl != NN || nfl != NN || (nmiss && nmiss != NN) || modes.capacity != NN ||
		splits.capacity != NN)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node attribute arrays differ in length (nodes_featureids has %zu)",
			NN);
	if (weights.capacity != nlt)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "leaf_weights and leaf_targetids differ in length");
	if (!mlmd__sc_is_int(modes.dtype))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "nodes_modes must be an integer tensor");
	if (splits.dtype != MLMD_DTYPE_FLOAT && splits.dtype != MLMD_DTYPE_DOUBLE)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "nodes_splits of type %s is not supported", mlmd__sc_dtype_name(splits.dtype));
	if (weights.dtype != MLMD_DTYPE_FLOAT && weights.dtype != MLMD_DTYPE_DOUBLE)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "leaf_weights of type %s is not supported", mlmd__sc_dtype_name(weights.dtype));
	if (fmem && members.dtype != MLMD_DTYPE_FLOAT && members.dtype != MLMD_DTYPE_DOUBLE)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "membership_values of type %s is not supported",
			mlmd__sc_dtype_name(members.dtype));
	a->out_dtype = splits.dtype;
	L->m->values[n->out[0]].dtype = splits.dtype;
	if (n->in[0] >= 0 && L->m->values[n->in[0]].dtype && L->m->values[n->in[0]].dtype != splits.dtype)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X is %s but nodes_splits is %s; they must match",
			mlmd__sc_dtype_name(L->m->values[n->in[0]].dtype), mlmd__sc_dtype_name(splits.dtype));
	int64_t n_targets, agg, post;
	if ((rc = mlmd__sc_get_int(n, L, "n_targets", 1, &n_targets)) || (rc = mlmd__sc_get_int(n, L, "aggregate_function", 1, &agg)) ||
		(rc = mlmd__sc_get_int(n, L, "post_transform", 0, &post)))
		return rc;
	if (n_targets < 1 || n_targets > 100000)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "n_targets %lld is out of range", (long long)n_targets);
	/* a declared count that sizes arrays: every target is written by some leaf */
	if ((size_t)n_targets > nlt && n_targets > 1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "n_targets is %lld but only %zu leaf weights are given",
			(long long)n_targets, nlt);
	static const sc_agg aggs[] = { SC_AGG_AVERAGE, SC_AGG_SUM, SC_AGG_MIN, SC_AGG_MAX };
	static const sc_post posts[] = { SC_POST_NONE, SC_POST_SOFTMAX, SC_POST_LOGISTIC, SC_POST_SOFTMAX_ZERO,
		SC_POST_PROBIT };
	if (agg < 0 || agg > 3 || post < 0 || post > 4)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "aggregate_function %lld or post_transform %lld is unknown",
			(long long)agg, (long long)post);
	a->post = posts[post];
	/* Nodes keep their indexes; leaf j becomes node NN + j. */
	size_t total = NN + nlt;
	if (total > 50000000)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has %zu nodes and leaves", total);
	sc_tree_buf b;
	int32_t *leaf_of = NULL, *tg = NULL;
	double *w = NULL;
	if ((rc = mlmd__sc_tree_buf_alloc(&b, total, nlt, nroots)))
		goto out;
	leaf_of = calloc(nlt + 1, sizeof *leaf_of);
	tg = calloc(nlt + 1, sizeof *tg);
	w = calloc(nlt + 1, sizeof *w);
	if (!leaf_of || !tg || !w) {
		rc = MLMD_OOM();
		goto out;
	}
	size_t mpos = 0, mlen = fmem ? members.capacity : 0;
	for (size_t i = 0; i < NN; i++) {
		int64_t md = mlmd__sc_geti(&modes, (int64_t)i); /* UINT8 per the spec; any integer type accepted */
		if (md < 0 || md > 6) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "nodes_modes[%zu] = %lld is not a mode", i, (long long)md);
			goto out;
		}
		b.mode[i] = (uint8_t)md;
		b.feature[i] = feats[i] < 0 || feats[i] > INT32_MAX ? -1 : (int32_t)feats[i];
		b.thr[i] = splits.dtype == MLMD_DTYPE_FLOAT ? ((const float *)splits.data)[i] : ((const double *)splits.data)[i];
		b.miss[i] = nmiss ? miss[i] != 0 : 0;
		int64_t t = tids[i], f = fids[i];
		int64_t tl = tleaf[i], fl = fleaf[i];
		if (t < 0 || f < 0 || (tl ? (size_t)t >= nlt : (size_t)t >= NN) || (fl ? (size_t)f >= nlt : (size_t)f >= NN)) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "node %zu has a child id out of range", i);
			goto out;
		}
		b.tchild[i] = (int32_t)(tl ? (int64_t)NN + t : t);
		b.fchild[i] = (int32_t)(fl ? (int64_t)NN + f : f);
		if (md == SC_MODE_MEMBER) {
			size_t start = mpos;
			while (mpos < mlen && !isnan(members.dtype == MLMD_DTYPE_FLOAT ? ((const float *)members.data)[mpos]
				: ((const double *)members.data)[mpos]))
				mpos++;
			if (mpos > mlen || !fmem) {
				rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "membership_values has no set for node %zu", i);
				goto out;
			}
			size_t cnt = mpos - start;
			double *set = mlmd__sc_alloc_array(L->pool, cnt + 1, sizeof *set);
			if (!set) {
				rc = MLMD_OOM();
				goto out;
			}
			for (size_t k = 0; k < cnt; k++)
				set[k] = members.dtype == MLMD_DTYPE_FLOAT ? ((const float *)members.data)[start + k]
					: ((const double *)members.data)[start + k];
			/* insertion sort: sets are small */
			for (size_t k = 1; k < cnt; k++)
				for (size_t j = k; j > 0 && set[j - 1] > set[j]; j--) {
					double tmp = set[j];
					set[j] = set[j - 1];
					set[j - 1] = tmp;
				}
			b.sets[i] = set;
			b.nsets[i] = (int32_t)cnt;
			mpos++; /* skip the NaN */
		}
	}
	for (size_t j = 0; j < nlt; j++) {
		b.mode[NN + j] = SC_MODE_LEAF;
		if (ltarget[j] < 0 || ltarget[j] >= n_targets) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "leaf_targetids[%zu] = %lld is outside 0..%lld", j,
				(long long)ltarget[j], (long long)n_targets - 1);
			goto out;
		}
		leaf_of[j] = (int32_t)(NN + j);
		tg[j] = (int32_t)ltarget[j];
		w[j] = weights.dtype == MLMD_DTYPE_FLOAT ? ((const float *)weights.data)[j] : ((const double *)weights.data)[j];
	}
	for (size_t k = 0; k < nroots; k++) {
		if (roots[k] < 0 || (size_t)roots[k] >= NN) {
			rc = mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "tree_roots[%zu] = %lld is not a node", k, (long long)roots[k]);
			goto out;
		}
		b.roots[k] = (int32_t)roots[k];
	}
	if ((rc = group_votes(&b, leaf_of, tg, w, nlt)))
		goto out;
	b.s.n_trees = (int)nroots;
	b.s.n_targets = (int)n_targets;
	b.s.agg = aggs[agg];
	char what[200];
	snprintf(what, sizeof what, "node '%s'", n->name);
	rc = mlmd__sc_trees_build(&a->trees, L->pool, &b.s, what);
	a->n_classes = (int)n_targets;
out:
	mlmd__sc_tree_buf_free(&b);
	free(leaf_of);
	free(tg);
	free(w);
	return rc;
}

/* The input as a dense float or double matrix [rows, cols]. Integers are
 * converted to float, as the operators specify. */
static int input_matrix(const sc_node *n, sc_run *r, const void **data, int *dtype, int64_t *rows, int64_t *cols)
{
	const tensor *x = r->in[0];
	if (x->rank == 2) {
		*rows = x->dims[0];
		*cols = x->dims[1];
	} else if (x->rank == 1) {
		*rows = 1;
		*cols = x->dims[0];
	} else {
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X must be 1-D or 2-D, got rank %d", x->rank);
	}
	*dtype = x->dtype;
	*data = x->data;
	if (x->dtype == MLMD_DTYPE_FLOAT || x->dtype == MLMD_DTYPE_DOUBLE)
		return 0;
	if (x->dtype != MLMD_DTYPE_INT64 && x->dtype != MLMD_DTYPE_INT32)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s; expected FLOAT, DOUBLE, INT64 or INT32",
			mlmd__sc_dtype_name(x->dtype));
	int64_t m = *rows * *cols;
	float *f = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)m, sizeof *f);
	if (!f)
		return MLMD_OOM();
	for (int64_t i = 0; i < m; i++)
		f[i] = x->dtype == MLMD_DTYPE_INT64 ? (float)((const int64_t *)x->data)[i] : (float)((const int32_t *)x->data)[i];
	*data = f;
	*dtype = MLMD_DTYPE_FLOAT;
	return 0;
}

static int run_trees(const sc_node *n, sc_run *r)
{
	const tree_attr *a = n->attr;
	const void *x = NULL;
	int dt = 0, rc;
	int64_t rows = 0, cols = 0;
	if ((rc = input_matrix(n, r, &x, &dt, &rows, &cols)))
		return rc;
	int K = a->n_classes;
	double *s = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)(rows * K) + 1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	if ((rc = mlmd__sc_trees_score_ctx(a->trees, r->ctx, dt, x, rows, cols, s)))
		return mlmd__sc_fail(n, -rc, "%s", mlmd_error_message());
	if (a->classifier && a->binary_id >= 0) {
		for (int64_t i = 0; i < rows; i++) {
			double v = s[i * 2 + a->binary_id];
			s[i * 2 + 1] = v;
			s[i * 2] = (a->post == SC_POST_NONE || a->post == SC_POST_PROBIT) ? 1 - v : -v;
		}
	}
	mlmd__sc_post_transform(a->post, s, rows, K);
	int out_dt = a->classifier ? MLMD_DTYPE_FLOAT : a->out_dtype;
	int64_t dims[2] = { rows, K };
	int zk = a->classifier ? 1 : 0;
	if (zk < r->nout) {
		if ((rc = mlmd__sc_out(n, r, zk, out_dt, 2, dims)))
			return rc;
		for (int64_t i = 0; i < rows * K; i++) {
			if (out_dt == MLMD_DTYPE_FLOAT)
				((float *)r->out[zk]->data)[i] = (float)s[i];
			else
				((double *)r->out[zk]->data)[i] = s[i];
		}
	}
	if (a->classifier) {
		if ((rc = mlmd__sc_out(n, r, 0, a->labels_int ? MLMD_DTYPE_INT64 : MLMD_DTYPE_STRING, 1, dims)))
			return rc;
		for (int64_t i = 0; i < rows; i++) {
			int best = 0;
			for (int k = 1; k < K; k++)
				if (s[i * K + k] > s[i * K + best])
					best = k;
			if (a->labels_int)
				((int64_t *)r->out[0]->data)[i] = a->labels_int[best];
			else
				((const char **)r->out[0]->data)[i] = a->labels_str[best];
		}
	}
	return 0;
}

int mlmd__sc_onnx_trees_explain_info(const sc_node *n, const sc_trees **trees, bool *classifier, int *binary_id,
	const int64_t **labels_int, const char *const **labels_str)
{
	if (!n->op || n->op->run != run_trees || !n->attr)
		return 1;
	const tree_attr *a = n->attr;
	*trees = a->trees;
	*classifier = a->classifier;
	*binary_id = a->binary_id;
	*labels_int = a->labels_int;
	*labels_str = a->labels_str;
	return 0;
}

const sc_op mlmd__sc_ops_tree[] = {
	{ .domain = "ai.onnx.ml", .name = "TreeEnsembleRegressor", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_regressor, .run = run_trees, .types = SC_T_MAIN, .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "TreeEnsembleClassifier", .min_in = 1, .max_in = 1, .min_out = 2, .max_out = 2,
	  .prepare = prep_classifier, .run = run_trees, .types = SC_T_MAIN, .out = SC_OUT_SET },
	{ .domain = "ai.onnx.ml", .name = "TreeEnsemble", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_v5, .run = run_trees, .types = SC_T_FLT, .out = SC_OUT_SET },
	{ .name = NULL }
};

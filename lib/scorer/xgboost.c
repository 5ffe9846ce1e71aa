/*
 * scorer/xgboost.c - XGBoost JSON models (Booster.save_model("m.json"),
 * xgboost >= 1.0) compiled to the tree engine.
 *
 * XGBoost's arithmetic is reproduced exactly: splits are "x < threshold" in
 * float with NaN going to default_left's side, and each row's margin starts
 * at the base score (as a margin) and adds the trees' leaf values in float,
 * in tree order; the objective's transform is then applied in float. The
 * JSON is read with the library's reader (mlmd/json.h) into a flat document
 * that keeps each number's text, so float values are converted once,
 * directly (strtof), as XGBoost wrote them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlmd/json.h"
#include "sc.h"
#include "trees.h"
#include "load.h"

/* ---- the document, read with the library's JSON reader ---------------------------------- */

/* The document is kept as a flat array of values (members are found by
 * name, in any order). Strings and numbers keep their text, so each float is
 * converted once, directly (strtof), from the digits XGBoost wrote. */
enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct {
	int32_t type;
	int32_t first, next;    /* first child; next sibling (-1 at the end) */
	int32_t count;          /* children */
	int32_t len, key_len;
	const char *p;          /* text: number as written, string decoded, "true" or "false" */
	const char *key;        /* member name when inside an object */
} jv;

typedef struct {
	jv *v;
	int32_t n, cap;
	char *text;             /* every token's text, NUL-terminated, back to back */
	size_t used, text_cap;
} jdoc;

#define J_MAX_DEPTH 64

/* An upper bound of the number of values in the text, from one pass over
 * it: every value but the root follows a ',' or opens its container's
 * first element, so values <= commas + containers + 1 (outside strings).
 * The document is allocated once at that size: memory follows the text. */
static int64_t jcount(const char *s, size_t len)
{
	int64_t n = 1;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ',' || c == '[' || c == '{') {
			n++;
		}
	}
	return n;
}

/* A copy of a token's text in the document's text area. A decoded token is
 * never longer than its bytes in the source, so the area (the source's
 * length plus one NUL per value) cannot run out; the check stays. */
static const char *jkeep(jdoc *d, const char *t, size_t len)
{
	if (len + 1 > d->text_cap - d->used)
		return NULL;
	char *p = d->text + d->used;
	memcpy(p, t, len);
	p[len] = '\0';
	d->used += len + 1;
	return p;
}

static int jfail(mlmd_json_reader *r, const char *problem)
{
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: malformed JSON at byte %zu: %s",
		mlmd_json_reader_offset(r), problem);
}

/* Reads json[0..len) into d; returns the root's index in *root. */
static int jload(jdoc *d, const char *json, size_t len, int32_t *root)
{
	int64_t cap = jcount(json, len);
	if (cap > (1 << 28))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: the document holds more than 2^28 values");
	d->v = malloc((size_t)cap * sizeof *d->v);
	d->text_cap = len + (size_t)cap;
	d->text = malloc(d->text_cap);
	if (!d->v || !d->text)
		return MLMD_OOM();
	d->cap = (int32_t)cap;
	mlmd_json_reader *r;
	int rc = mlmd_json_reader_new(&r, json, len, J_MAX_DEPTH);
	if (rc)
		return rc;
	mlmd__json_reader_allow_nonfinite(r);
	int32_t open[J_MAX_DEPTH + 1], last[J_MAX_DEPTH + 1];
	int depth = 0;
	const char *key = NULL;
	int32_t key_len = 0;
	*root = -1;
	for (;;) {
		const char *t;
		size_t tl;
		int tok = mlmd_json_next(r, &t, &tl);
		if (tok < 0) {
			rc = tok == -MLMD_INVALID_ARGUMENT ? jfail(r, mlmd__json_reader_problem(r)) : tok;
			break;
		}
		if (tok == MLMD_JSON_END)
			break;
		if (tok == MLMD_JSON_OBJECT_END || tok == MLMD_JSON_ARRAY_END) {
			depth--;
			continue;
		}
		if ((tok == MLMD_JSON_KEY || tok == MLMD_JSON_STRING || tok == MLMD_JSON_NUMBER) && tl > INT32_MAX) {
			rc = jfail(r, "a string longer than 2^31 bytes");
			break;
		}
		const char *kept = NULL;
		if ((tok == MLMD_JSON_KEY || tok == MLMD_JSON_STRING || tok == MLMD_JSON_NUMBER) &&
			!(kept = jkeep(d, t, tl))) {
			rc = jfail(r, "more text than the document holds");
			break;
		}
		if (tok == MLMD_JSON_KEY) {
			key = kept;
			key_len = (int32_t)tl;
			continue;
		}
		if (d->n == d->cap) { /* cannot happen: jcount() bounds every well-formed prefix */
			rc = jfail(r, "more values than separators");
			break;
		}
		int32_t me = d->n++;
		jv *v = &d->v[me];
		*v = (jv){ .first = -1, .next = -1, .key = key, .key_len = key_len };
		key = NULL;
		key_len = 0;
		switch (tok) {
		case MLMD_JSON_NULL: v->type = J_NULL; break;
		case MLMD_JSON_FALSE: v->type = J_BOOL; v->p = "false"; v->len = 5; break;
		case MLMD_JSON_TRUE: v->type = J_BOOL; v->p = "true"; v->len = 4; break;
		case MLMD_JSON_NUMBER: v->type = J_NUM; v->p = kept; v->len = (int32_t)tl; break;
		case MLMD_JSON_STRING: v->type = J_STR; v->p = kept; v->len = (int32_t)tl; break;
		case MLMD_JSON_OBJECT: v->type = J_OBJ; break;
		default: v->type = J_ARR; break;
		}
		if (depth == 0) {
			*root = me;
		} else {
			int32_t parent = open[depth - 1];
			if (last[depth - 1] < 0)
				d->v[parent].first = me;
			else
				d->v[last[depth - 1]].next = me;
			last[depth - 1] = me;
			d->v[parent].count++;
		}
		if (tok == MLMD_JSON_OBJECT || tok == MLMD_JSON_ARRAY) {
			open[depth] = me;
			last[depth] = -1;
			depth++;
		}
	}
	mlmd_json_reader_free(r);
	return rc;
}

static int32_t jget(const jdoc *j, int32_t obj, const char *key)
{
	if (obj < 0 || j->v[obj].type != J_OBJ)
		return -1;
	size_t kl = strlen(key);
	for (int32_t c = j->v[obj].first; c >= 0; c = j->v[c].next)
		if ((size_t)j->v[c].key_len == kl && memcmp(j->v[c].key, key, kl) == 0)
			return c;
	return -1;
}

/* The text of a string or number value, copied (cut at cap - 1 bytes). */
static void jtext(const jdoc *j, int32_t v, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (v < 0 || (j->v[v].type != J_STR && j->v[v].type != J_NUM && j->v[v].type != J_BOOL))
		return;
	size_t len = (size_t)j->v[v].len < cap - 1 ? (size_t)j->v[v].len : cap - 1;
	sc_memcpy(buf, j->v[v].p, len);
	buf[len] = '\0';
}

/* A number given as a JSON number or a numeric string ("5E-1", "[5E-1]"). */
static int jnumber(const jdoc *j, int32_t v, double *out)
{
	char buf[64];
	jtext(j, v, buf, sizeof buf);
	char *p = buf;
	while (*p == '[' || *p == ' ')
		p++;
	char *end;
	errno = 0;
	*out = mlmd__strtod(p, &end);
	while (*end == ']' || *end == ' ')
		end++;
	return (end == p || *end) ? -1 : 0;
}

static int jfloat(const jdoc *j, int32_t v, float *out)
{
	char buf[64];
	if (v < 0 || j->v[v].type != J_NUM)
		return -1;
	jtext(j, v, buf, sizeof buf);
	char *end;
	*out = mlmd__strtof(buf, &end);
	return *end ? -1 : 0;
}

static int jint(const jdoc *j, int32_t v, int64_t *out)
{
	if (v >= 0 && j->v[v].type == J_BOOL) {
		*out = j->v[v].p[0] == 't';
		return 0;
	}
	double d;
	if (jnumber(j, v, &d) || d != floor(d) || d < -2147483648.0 || d > 2147483647.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* ---- the model ------------------------------------------------------------------------------ */

enum { XT_IDENTITY, XT_LOGISTIC, XT_SOFTPROB, XT_SOFTMAX_CLASS, XT_EXP };

typedef struct {
	sc_trees *trees;
	int n_class;           /* output columns for softprob; 1 otherwise */
	int transform;
	int n_features;
	const char **feature_names; /* n_features from learner.feature_names, or NULL */
} xgb_attr;

static int run_xgb(const sc_node *n, sc_run *r)
{
	const xgb_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t rows = x->dims[0], cols = x->rank == 2 ? x->dims[1] : 0;
	if (x->rank != 2 || x->dtype != MLMD_DTYPE_FLOAT)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input must be a FLOAT [N, %d] matrix", a->n_features);
	int K = mlmd__sc_trees_n_targets(a->trees);
	double *m = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)(rows * K) + 1, sizeof *m);
	if (!m)
		return MLMD_OOM();
	int rc = mlmd__sc_trees_score_ctx(a->trees, r->ctx, MLMD_DTYPE_FLOAT, x->data, rows, cols, m);
	if (rc)
		return rc;
	int64_t dims[2] = { rows, a->transform == XT_SOFTPROB ? K : 1 };
	if ((rc = mlmd__sc_out(n, r, 0, MLMD_DTYPE_FLOAT, a->transform == XT_SOFTPROB ? 2 : 1, dims)))
		return rc;
	float *o = r->out[0]->data;
	for (int64_t i = 0; i < rows; i++) {
		const double *mi = m + i * K;
		switch (a->transform) {
		case XT_LOGISTIC:
			o[i] = 1.0f / (1.0f + expf(-(float)mi[0]));
			break;
		case XT_EXP:
			o[i] = expf((float)mi[0]);
			break;
		case XT_SOFTPROB:
		case XT_SOFTMAX_CLASS: {
			float wmax = (float)mi[0];
			for (int k = 1; k < K; k++)
				wmax = (float)mi[k] > wmax ? (float)mi[k] : wmax;
			if (a->transform == XT_SOFTMAX_CLASS) {
				int best = 0;
				for (int k = 1; k < K; k++)
					if ((float)mi[k] > (float)mi[best])
						best = k;
				o[i] = (float)best;
				break;
			}
			double wsum = 0;
			float *oi = o + i * K;
			for (int k = 0; k < K; k++) {
				oi[k] = expf((float)mi[k] - wmax);
				wsum += oi[k];
			}
			for (int k = 0; k < K; k++)
				oi[k] /= (float)wsum;
			break;
		}
		default:
			o[i] = (float)mi[0];
		}
	}
	return 0;
}

static const sc_op xgb_op = {
	.domain = "ai.onnx.ml", .name = "XGBoostTrees", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	.run = run_xgb, .types = SC_T(MLMD_DTYPE_FLOAT), .out = MLMD_DTYPE_FLOAT,
};

static int bad(const char *what)
{
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: %s", what);
}

/* Reads tree k into the arrays from node offset `at`. */
static int read_tree(const jdoc *j, int32_t tv, int k, int target, sc_tree_buf *b, int32_t at, int32_t nn, int n_features)
{
	int32_t lc = jget(j, tv, "left_children"), rc_ = jget(j, tv, "right_children");
	int32_t si = jget(j, tv, "split_indices"), sc = jget(j, tv, "split_conditions"), dl = jget(j, tv, "default_left");
	int32_t st = jget(j, tv, "split_type"), sh = jget(j, tv, "sum_hessian");
	char msg[160];
	int32_t arrs[5] = { lc, rc_, si, sc, dl };
	for (int i = 0; i < 5; i++)
		if (arrs[i] < 0 || j->v[arrs[i]].type != J_ARR || j->v[arrs[i]].count != nn) {
			snprintf(msg, sizeof msg, "tree %d: node arrays are missing or differ in length", k);
			return bad(msg);
		}
	int32_t e[6] = { j->v[lc].first, j->v[rc_].first, j->v[si].first, j->v[sc].first, j->v[dl].first,
		st >= 0 && j->v[st].type == J_ARR && j->v[st].count == nn ? j->v[st].first : -1 };
	b->roots[k] = at;
	/* the covers (explanations): every tree has them, or none is used */
	int32_t hv = -1;
	if (b->cover && sh >= 0 && j->v[sh].type == J_ARR && j->v[sh].count == nn)
		hv = j->v[sh].first;
	else if (b->cover) {
		free(b->cover);
		b->cover = NULL;
		b->s.cover = NULL;
	}
	for (int32_t i = 0; i < nn; i++, hv = hv >= 0 ? j->v[hv].next : -1) {
		if (hv >= 0 && jnumber(j, hv, &b->cover[at + i])) {
			snprintf(msg, sizeof msg, "tree %d node %d: sum_hessian is not a number", k, i);
			return bad(msg);
		}
		int64_t l, r, f, d, t = 0;
		float thr;
		if (jint(j, e[0], &l) || jint(j, e[1], &r) || jint(j, e[2], &f) || jfloat(j, e[3], &thr) || jint(j, e[4], &d) ||
			(e[5] >= 0 && jint(j, e[5], &t))) {
			snprintf(msg, sizeof msg, "tree %d node %d: a value is not a number", k, i);
			return bad(msg);
		}
		if (t != 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "XGBoost JSON: tree %d node %d: categorical splits are not "
				"supported", k, i);
		int32_t g = at + i;
		if (l == -1) {
			b->mode[g] = SC_MODE_LEAF;
			b->vstart[g] = g;
			b->vcount[g] = 1;
			b->vtarget[g] = target;
			b->vweight[g] = thr;
		} else {
			if (l < 0 || l >= nn || r < 0 || r >= nn || f < 0 || f >= n_features) {
				snprintf(msg, sizeof msg, "tree %d node %d: child or feature index out of range", k, i);
				return bad(msg);
			}
			b->mode[g] = SC_MODE_LT;
			b->feature[g] = (int32_t)f;
			b->thr[g] = thr;
			b->miss[g] = d != 0;
			b->tchild[g] = at + (int32_t)l;
			b->fchild[g] = at + (int32_t)r;
		}
		for (int q = 0; q < 6; q++)
			if (e[q] >= 0)
				e[q] = j->v[e[q]].next;
	}
	return 0;
}

static int build(mlmd_model *m, const jdoc *j, int32_t root)
{
	char buf[128];
	int32_t learner = jget(j, root, "learner");
	int32_t gb = jget(j, learner, "gradient_booster");
	int32_t mp = jget(j, learner, "learner_model_param");
	int32_t obj = jget(j, learner, "objective");
	if (learner < 0 || gb < 0 || mp < 0 || obj < 0)
		return bad("missing learner, gradient_booster, learner_model_param or objective");
	jtext(j, jget(j, gb, "name"), buf, sizeof buf);
	if (strcmp(buf, "gbtree") != 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "XGBoost JSON: booster '%s' is not supported (gbtree is)", buf);
	int32_t model = jget(j, gb, "model");
	int32_t trees = jget(j, model, "trees"), info = jget(j, model, "tree_info");
	if (trees < 0 || j->v[trees].type != J_ARR || info < 0 || j->v[info].type != J_ARR ||
		j->v[info].count != j->v[trees].count)
		return bad("gradient_booster.model needs trees and tree_info of the same length");
	double base, nf, ncls = 0;
	if (jnumber(j, jget(j, mp, "base_score"), &base) || jnumber(j, jget(j, mp, "num_feature"), &nf))
		return bad("learner_model_param needs base_score and num_feature");
	if (jget(j, mp, "num_class") >= 0 && jnumber(j, jget(j, mp, "num_class"), &ncls))
		return bad("num_class is not a number");
	if (nf < 1 || nf > 10000000 || ncls < 0 || ncls > 100000)
		return bad("num_feature or num_class out of range");
	char objective[64];
	jtext(j, jget(j, obj, "name"), objective, sizeof objective);
	int K = ncls >= 2 ? (int)ncls : 1, transform;
	float basef = (float)base, margin;
	if (!strcmp(objective, "reg:squarederror") || !strcmp(objective, "reg:linear") ||
		!strcmp(objective, "reg:pseudohubererror") || !strcmp(objective, "reg:absoluteerror")) {
		transform = XT_IDENTITY;
		margin = basef;
	} else if (!strcmp(objective, "binary:logistic") || !strcmp(objective, "reg:logistic")) {
		transform = XT_LOGISTIC;
		margin = -logf(1.0f / basef - 1.0f);
	} else if (!strcmp(objective, "binary:logitraw")) {
		transform = XT_IDENTITY;
		margin = -logf(1.0f / basef - 1.0f);
	} else if (!strcmp(objective, "multi:softprob") || !strcmp(objective, "multi:softmax")) {
		transform = !strcmp(objective, "multi:softprob") ? XT_SOFTPROB : XT_SOFTMAX_CLASS;
		margin = basef;
		if (K < 2)
			return bad("multi-class objective without num_class >= 2");
	} else if (!strcmp(objective, "count:poisson") || !strcmp(objective, "reg:gamma") ||
		!strcmp(objective, "reg:tweedie")) {
		transform = XT_EXP;
		margin = logf(basef);
	} else {
		return mlmd__fail(MLMD_UNIMPLEMENTED, "XGBoost JSON: objective '%s' is not supported (supported: "
			"reg:squarederror, reg:logistic, binary:logistic, binary:logitraw, multi:softprob, multi:softmax, "
			"count:poisson, reg:gamma, reg:tweedie)", objective[0] ? objective : "(none)");
	}
	if (transform != XT_SOFTPROB && transform != XT_SOFTMAX_CLASS)
		K = 1;
	/* Declared counts must agree with the arrays present; memory is sized
	 * from the arrays only. */
	int n_trees = j->v[trees].count;
	double declared;
	int32_t gp = jget(j, model, "gbtree_model_param");
	if (jget(j, gp, "num_trees") >= 0 && (jnumber(j, jget(j, gp, "num_trees"), &declared) || declared != n_trees))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: gbtree_model_param.num_trees is %.*s, the model "
			"holds %d trees", (int)j->v[jget(j, gp, "num_trees")].len, j->v[jget(j, gp, "num_trees")].p, n_trees);
	if (K > 1 && K > n_trees)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: num_class is %d but the model holds %d trees "
			"(every class has at least one)", K, n_trees);
	int64_t total = 0;
	int k = 0;
	for (int32_t t = j->v[trees].first; t >= 0; t = j->v[t].next, k++) {
		int32_t lc = jget(j, t, "left_children");
		if (lc < 0 || j->v[lc].type != J_ARR || j->v[lc].count < 1)
			return bad("a tree has no left_children");
		int32_t nn = jget(j, jget(j, t, "tree_param"), "num_nodes");
		if (nn >= 0 && (jnumber(j, nn, &declared) || declared != j->v[lc].count))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "XGBoost JSON: tree %d: tree_param.num_nodes is %.*s, its "
				"node arrays hold %d", k, (int)j->v[nn].len, j->v[nn].p, j->v[lc].count);
		int32_t lv = jget(j, jget(j, t, "tree_param"), "size_leaf_vector");
		if (lv >= 0 && (jnumber(j, lv, &declared) || declared > 1))
			return mlmd__fail(MLMD_UNIMPLEMENTED, "XGBoost JSON: tree %d has vector leaves (size_leaf_vector "
				"%.*s, multi_strategy=multi_output_tree); only scalar leaves are supported", k, (int)j->v[lv].len,
				j->v[lv].p);
		total += j->v[lc].count;
	}
	if (total > 50000000)
		return bad("too many nodes");
	sc_tree_buf b;
	int rc = mlmd__sc_tree_buf_alloc(&b, (size_t)total, (size_t)total, (size_t)n_trees);
	if (rc)
		goto out;
	if (!(b.cover = calloc((size_t)total + 1, sizeof *b.cover))) {
		rc = MLMD_OOM();
		goto out;
	}
	b.s.cover = b.cover;
	int32_t at = 0, ti = j->v[info].first;
	k = 0;
	for (int32_t t = j->v[trees].first; t >= 0; t = j->v[t].next, ti = j->v[ti].next, k++) {
		int64_t cls;
		if (jint(j, ti, &cls) || cls < 0 || cls >= K) {
			rc = bad("tree_info has a class outside 0..num_class-1");
			goto out;
		}
		int32_t cnt = j->v[jget(j, t, "left_children")].count;
		if ((rc = read_tree(j, t, k, (int)cls, &b, at, cnt, (int)nf)))
			goto out;
		at += cnt;
	}
	double *basev = malloc((size_t)K * sizeof *basev);
	if (!basev) {
		rc = MLMD_OOM();
		goto out;
	}
	for (int c = 0; c < K; c++)
		basev[c] = margin;
	b.s.n_trees = n_trees;
	b.s.n_targets = K;
	b.s.agg = SC_AGG_SUM;
	b.s.base = basev;
	b.s.base_first = true;
	b.s.float_sum = true;
	xgb_attr *a = mlmd__sc_alloc(&m->pool, sizeof *a);
	if (!a) {
		free(basev);
		rc = MLMD_OOM();
		goto out;
	}
	a->n_class = K;
	a->transform = transform;
	a->n_features = (int)nf;
	rc = mlmd__sc_trees_build(&a->trees, &m->pool, &b.s, "XGBoost JSON");
	free(basev);
	if (rc)
		goto out;
	/* feature names (explanations), when the model has one per feature */
	int32_t fn = jget(j, learner, "feature_names");
	if (fn >= 0 && j->v[fn].type == J_ARR && j->v[fn].count == (int32_t)nf) {
		if (!(a->feature_names = mlmd__sc_alloc_array(&m->pool, (size_t)nf, sizeof(char *)))) {
			rc = MLMD_OOM();
			goto out;
		}
		int q = 0;
		for (int32_t c = j->v[fn].first; c >= 0; c = j->v[c].next, q++) {
			if (j->v[c].type != J_STR) {
				a->feature_names = NULL;
				break;
			}
			if (!(a->feature_names[q] = mlmd__sc_strdup(&m->pool, j->v[c].p, (size_t)j->v[c].len))) {
				rc = MLMD_OOM();
				goto out;
			}
		}
	}

	/* the graph: one input, one node, one output */
	int vin = mlmd__sc_add_value(m, "input"), vout = mlmd__sc_add_value(m, transform == XT_SOFTPROB ? "probabilities" : "predictions");
	m->nodes = mlmd__sc_alloc(&m->pool, sizeof *m->nodes);
	m->inputs = mlmd__sc_alloc(&m->pool, sizeof *m->inputs);
	m->outputs = mlmd__sc_alloc(&m->pool, sizeof *m->outputs);
	m->input_vals = mlmd__sc_alloc(&m->pool, sizeof(int));
	m->output_vals = mlmd__sc_alloc(&m->pool, sizeof(int));
	int64_t *idims = mlmd__sc_alloc_array(&m->pool, 2, sizeof(int64_t)), *odims = mlmd__sc_alloc_array(&m->pool, 2, sizeof(int64_t));
	const char **inames = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *)), **onames = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
	int64_t *labels = mlmd__sc_alloc_array(&m->pool, (size_t)K, sizeof(int64_t));
	int *nin = mlmd__sc_alloc(&m->pool, 2 * sizeof(int));
	if (vin < 0 || vout < 0 || !m->nodes || !m->inputs || !m->outputs || !m->input_vals || !m->output_vals || !idims ||
		!odims || !inames || !onames || !labels || !nin) {
		rc = MLMD_OOM();
		goto out;
	}
	sc_node *node = &m->nodes[0];
	node->op = &xgb_op;
	node->name = "xgboost";
	node->opset = 1;
	node->nin = node->nout = 1;
	node->in = &nin[0];
	node->out = &nin[1];
	nin[0] = vin;
	nin[1] = vout;
	node->attr = a;
	m->n_nodes = 1;
	idims[0] = -1;
	idims[1] = (int64_t)nf;
	inames[0] = "N";
	m->inputs[0] = (mlmd_value_info){ .name = "input", .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = idims,
		.dim_names = inames };
	m->input_vals[0] = vin;
	m->n_inputs = 1;
	odims[0] = -1;
	odims[1] = K;
	onames[0] = "N";
	m->outputs[0] = (mlmd_value_info){ .name = m->values[vout].name, .dtype = MLMD_DTYPE_FLOAT,
		.rank = transform == XT_SOFTPROB ? 2 : 1, .dims = odims, .dim_names = onames };
	if (transform == XT_SOFTPROB) {
		for (int c = 0; c < K; c++)
			labels[c] = c;
		m->values[vout].n_labels = (size_t)K;
		m->values[vout].labels_int64 = labels;
	}
	m->output_vals[0] = vout;
	m->n_outputs = 1;
	m->format = "xgboost-json";
	m->producer = "xgboost";
	/* metadata: objective, counts, and the saving version */
	char vbuf[64] = "";
	int32_t ver = jget(j, root, "version");
	if (ver >= 0 && j->v[ver].type == J_ARR) {
		size_t off = 0;
		for (int32_t c = j->v[ver].first; c >= 0 && off < sizeof vbuf - 12; c = j->v[c].next) {
			int64_t x = 0;
			jint(j, c, &x);
			off += (size_t)snprintf(vbuf + off, sizeof vbuf - off, "%s%lld", off ? "." : "", (long long)x);
		}
	}
	m->producer_version = mlmd__sc_strdup(&m->pool, vbuf, strlen(vbuf));
	char tmp[4][64];
	snprintf(tmp[0], 64, "%s", objective);
	snprintf(tmp[1], 64, "%d", n_trees);
	snprintf(tmp[2], 64, "%d", (int)nf);
	mlmd__snprintf(tmp[3], 64, "%.9g", base);
	static const char *const keys[4] = { "objective", "num_trees", "num_feature", "base_score" };
	m->n_meta = 4;
	m->meta_keys = mlmd__sc_alloc_array(&m->pool, 4, sizeof(char *));
	m->meta_values = mlmd__sc_alloc_array(&m->pool, 4, sizeof(char *));
	if (!m->meta_keys || !m->meta_values || !m->producer_version) {
		rc = MLMD_OOM();
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		m->meta_keys[i] = keys[i];
		m->meta_values[i] = mlmd__sc_strdup(&m->pool, tmp[i], strlen(tmp[i]));
	}
out:
	mlmd__sc_tree_buf_free(&b);
	return rc;
}

int mlmd__sc_xgb_explain_info(const sc_node *n, const sc_trees **trees, const char *const **feature_names,
	int *n_features, bool *softprob)
{
	if (n->op != &xgb_op)
		return 1;
	const xgb_attr *a = n->attr;
	*trees = a->trees;
	*feature_names = a->feature_names;
	*n_features = a->n_features;
	*softprob = a->transform == XT_SOFTPROB;
	return 0;
}

int mlmd__sc_load_xgboost(mlmd_model *m, const char *json, size_t len)
{
	jdoc d = { 0 };
	int32_t root;
	int rc = jload(&d, json, len, &root);
	if (!rc)
		rc = build(m, &d, root);
	free(d.v);
	free(d.text);
	return rc;
}

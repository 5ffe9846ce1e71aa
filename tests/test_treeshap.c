/*
 * tests/test_treeshap.c - TreeSHAP's edge cases (lib/scorer/explain_tree.c)
 * against a brute-force reference: XGBoost JSON models written here, and
 * for each row the exact Shapley values of the path-dependent game
 * v(S) = base + sum over trees of E[tree | x_S] (Lundberg et al.'s
 * Algorithm 1: follow the row on features in S, else weight both children
 * by their covers), enumerated over every subset of the features.
 *
 * Cases: a single-leaf tree, a feature split on twice on one path, missing
 * values going either way, nodes whose cover is zero, a path with more
 * distinct features than the engine tabulates (computed per row), several
 * rows at once, and threads sharing one explainer (also run under
 * ThreadSanitizer by check-tsan).
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mlmd.h"

#define MAXN 64

typedef struct {
	int n;
	int left[MAXN], right[MAXN], feat[MAXN], dl[MAXN];
	double cond[MAXN], hess[MAXN];
} ttree;

/* An XGBoost JSON regression model (reg:squarederror) of the trees. */
static char *xgb_json(const ttree *t, int nt, int nf, double base)
{
	size_t cap = 1 << 20, at = 0;
	char *s = malloc(cap);
	assert_non_null(s);
#define OUT(...) (at += (size_t)snprintf(s + at, cap - at, __VA_ARGS__))
	OUT("{\"learner\":{\"feature_names\":[],\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{"
		"\"gbtree_model_param\":{\"num_trees\":\"%d\"},\"tree_info\":[", nt);
	for (int k = 0; k < nt; k++)
		OUT("%s0", k ? "," : "");
	OUT("],\"trees\":[");
	for (int k = 0; k < nt; k++) {
		const ttree *x = &t[k];
		OUT("%s{\"tree_param\":{\"num_nodes\":\"%d\"}", k ? "," : "", x->n);
		const char *names[6] = { "left_children", "right_children", "split_indices", "default_left",
			"split_conditions", "sum_hessian" };
		for (int a = 0; a < 6; a++) {
			OUT(",\"%s\":[", names[a]);
			for (int i = 0; i < x->n; i++) {
				if (a < 4) {
					const int *v = a == 0 ? x->left : a == 1 ? x->right : a == 2 ? x->feat : x->dl;
					OUT("%s%d", i ? "," : "", v[i]);
				} else {
					OUT("%s%.17g", i ? "," : "", a == 4 ? x->cond[i] : x->hess[i]);
				}
			}
			OUT("]");
		}
		OUT("}");
	}
	OUT("]}},\"learner_model_param\":{\"base_score\":\"%.17g\",\"num_class\":\"0\",\"num_feature\":\"%d\"},"
		"\"objective\":{\"name\":\"reg:squarederror\"}},\"version\":[1,7,4]}", base, nf);
#undef OUT
	assert_true(at < cap);
	return s;
}

/* ---- the reference ---------------------------------------------------------------------- */

static double expval(const ttree *t, int i, const double *x, unsigned long S)
{
	if (t->left[i] == -1)
		return t->cond[i];
	int f = t->feat[i], l = t->left[i], r = t->right[i];
	if ((S >> f) & 1) {
		bool left = isnan(x[f]) ? t->dl[i] : x[f] < t->cond[i];
		return expval(t, left ? l : r, x, S);
	}
	if (t->hess[i] <= 0)
		return 0;
	return (t->hess[l] * expval(t, l, x, S) + t->hess[r] * expval(t, r, x, S)) / t->hess[i];
}

static double game(const ttree *t, int nt, double base, const double *x, unsigned long S)
{
	double v = base;
	for (int k = 0; k < nt; k++)
		v += expval(&t[k], 0, x, S);
	return v;
}

/* phi (nf + 1, bias last) by enumerating every subset. */
static void reference(const ttree *t, int nt, int nf, double base, const double *x, double *phi)
{
	double *fact = calloc((size_t)nf + 1, sizeof *fact);
	fact[0] = 1;
	for (int k = 1; k <= nf; k++)
		fact[k] = fact[k - 1] * k;
	for (int i = 0; i <= nf; i++)
		phi[i] = 0;
	for (unsigned long S = 0; S < (1ul << nf); S++) {
		double vs = game(t, nt, base, x, S);
		int s = __builtin_popcountl(S);
		for (int i = 0; i < nf; i++) {
			if ((S >> i) & 1)
				continue;
			double w = fact[s] * fact[nf - s - 1] / fact[nf];
			phi[i] += w * (game(t, nt, base, x, S | (1ul << i)) - vs);
		}
	}
	phi[nf] = game(t, nt, base, x, 0);
	free(fact);
}

/* ---- checking ------------------------------------------------------------------------------ */

/* Explains n rows (floats) of the model and compares with the reference. */
static void check(const ttree *t, int nt, int nf, double base, const float *rows, int n)
{
	char *json = xgb_json(t, nt, nf, base);
	mlmd_model *m;
	int rc = mlmd_model_load_buffer(&m, json, strlen(json), "t.json");
	assert_int_equal(rc, 0);
	free(json);
	mlmd_explainer *e;
	rc = mlmd_explainer_new(&e, m, NULL, 0);
	if (rc)
		fail_msg("explainer: %s", mlmd_error_message());
	assert_string_equal(mlmd_explainer_method(e), "tree_path_dependent");
	assert_int_equal(mlmd_explainer_feature_count(e), nf);
	assert_int_equal(mlmd_explainer_output_count(e), 1);
	assert_null(mlmd_explainer_output_label(e, 0));
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	double *out = calloc((size_t)n * (size_t)(nf + 1), sizeof *out), *margins = calloc((size_t)n, sizeof *margins);
	double *want = calloc((size_t)nf + 1, sizeof *want), *x = calloc((size_t)nf, sizeof *x);
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { n, nf }, .data = (void *)rows };
	/* too small an output is refused */
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, (size_t)n * (size_t)(nf + 1) - 1, NULL),
		-MLMD_OUT_OF_RANGE);
	rc = mlmd_explainer_explain(e, ctx, &in, 1, out, (size_t)n * (size_t)(nf + 1), margins);
	if (rc)
		fail_msg("explain: %s", mlmd_error_message());
	for (int r = 0; r < n; r++) {
		for (int j = 0; j < nf; j++)
			x[j] = rows[r * nf + j];
		reference(t, nt, nf, base, x, want);
		double sum = 0;
		for (int j = 0; j <= nf; j++) {
			double got = out[r * (nf + 1) + j];
			if (fabs(got - want[j]) > 1e-9 * (1 + fabs(want[j])))
				fail_msg("row %d feature %d: %.17g, the reference %.17g", r, j, got, want[j]);
			sum += got;
		}
		/* bias + contributions = the margin (the model sums its leaves in float) */
		if (fabs(sum - margins[r]) > 1e-5 * (1 + fabs(margins[r])))
			fail_msg("row %d: bias + contributions %.17g, margin %.17g", r, sum, margins[r]);
	}
	free(out);
	free(margins);
	free(want);
	free(x);
	mlmd_score_ctx_free(ctx);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
}

/* node i: split on f at c (missing left when dl), children l and r, cover h */
static void split(ttree *t, int i, int f, double c, int dl, int l, int r, double h)
{
	t->feat[i] = f, t->cond[i] = c, t->dl[i] = dl, t->left[i] = l, t->right[i] = r, t->hess[i] = h;
	if (i + 1 > t->n)
		t->n = i + 1;
}

static void leaf(ttree *t, int i, double v, double h)
{
	t->feat[i] = 0, t->cond[i] = v, t->dl[i] = 0, t->left[i] = -1, t->right[i] = -1, t->hess[i] = h;
	if (i + 1 > t->n)
		t->n = i + 1;
}

#define NAN_F ((float)NAN)

static const float rows4[] = {
	0.1f, 0.2f, 0.3f, 0.4f,
	-1.0f, 1.5f, -0.25f, 2.0f,
	NAN_F, 0.0f, NAN_F, -3.0f,
	0.75f, NAN_F, 1.0f, NAN_F,
	NAN_F, NAN_F, NAN_F, NAN_F,
	-0.6f, -2.0f, 0.6f, 0.5f,
};

static void single_leaf_and_repeated_feature(void **state)
{
	(void)state;
	ttree t[3];
	memset(t, 0, sizeof t);
	leaf(&t[0], 0, 1.25, 100);                    /* a tree of one leaf: bias only */
	/* feature 0 twice on the left path, feature 1 below it */
	split(&t[1], 0, 0, 0.5, 1, 1, 2, 100);
	split(&t[1], 1, 0, -0.5, 0, 3, 4, 70);
	leaf(&t[1], 2, 2.0, 30);
	leaf(&t[1], 3, -1.0, 20);
	split(&t[1], 4, 1, 0.25, 1, 5, 6, 50);
	leaf(&t[1], 5, 0.5, 35);
	leaf(&t[1], 6, 3.0, 15);
	/* a tree over features 2 and 3, 0 again at the bottom */
	split(&t[2], 0, 2, 0.0, 0, 1, 2, 100);
	split(&t[2], 1, 3, 1.0, 1, 3, 4, 40);
	split(&t[2], 2, 0, 0.5, 0, 5, 6, 60);
	leaf(&t[2], 3, -0.75, 10);
	leaf(&t[2], 4, 0.125, 30);
	leaf(&t[2], 5, 1.5, 45);
	leaf(&t[2], 6, -2.5, 15);
	check(t, 3, 4, 0.5, rows4, 6);
	check(t, 1, 4, 0, rows4, 6); /* the single leaf alone: every contribution 0 */
}

static void zero_cover_nodes(void **state)
{
	(void)state;
	ttree t[1];
	memset(t, 0, sizeof t);
	/* the right subtree saw no training rows */
	split(&t[0], 0, 0, 0.0, 1, 1, 2, 40);
	split(&t[0], 1, 1, 0.0, 0, 3, 4, 40);
	split(&t[0], 2, 2, 0.0, 1, 5, 6, 0);
	leaf(&t[0], 3, 1.0, 10);
	leaf(&t[0], 4, -1.0, 30);
	leaf(&t[0], 5, 4.0, 0);
	leaf(&t[0], 6, 8.0, 0);
	check(t, 1, 4, 0, rows4, 6);
}

/* A chain over 14 distinct features: more than the engine tabulates (12). */
static void deep_path(void **state)
{
	(void)state;
	enum { NF = 14 };
	ttree t[1];
	memset(t, 0, sizeof t);
	double cover = 1 << 20;
	for (int k = 0; k < NF; k++) {
		split(&t[0], 2 * k, k, 0.0625 * (k % 5) - 0.1, k % 2, 2 * k + 1, 2 * k + 2, cover);
		leaf(&t[0], 2 * k + 1, 0.5 * k - 2, cover / 2 + k);
		cover = cover / 2 - k;
	}
	leaf(&t[0], 2 * NF, 7.0, cover);
	float rows[3 * NF];
	for (int r = 0; r < 3; r++)
		for (int j = 0; j < NF; j++)
			rows[r * NF + j] = r == 0 ? 1.0f : r == 1 ? (j % 3 ? 1.0f : NAN_F) : (j == 9 ? -1.0f : 1.0f);
	check(t, 1, NF, 0.25, rows, 3);
}

/* ---- threads --------------------------------------------------------------------------------- */

#define T_THREADS 4
#define T_ROWS 6

typedef struct {
	const mlmd_explainer *e;
	double out[T_ROWS * 5];
	int rc;
} job;

static void *explain_thread(void *arg)
{
	job *j = arg;
	mlmd_score_ctx *ctx;
	if ((j->rc = mlmd_score_ctx_new(&ctx)))
		return NULL;
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { T_ROWS, 4 }, .data = (void *)rows4 };
	for (int rep = 0; rep < 50 && !j->rc; rep++)
		j->rc = mlmd_explainer_explain(j->e, ctx, &in, 1, j->out, T_ROWS * 5, NULL);
	mlmd_score_ctx_free(ctx);
	return NULL;
}

static void threads_share_one_explainer(void **state)
{
	(void)state;
	ttree t[2];
	memset(t, 0, sizeof t);
	split(&t[0], 0, 0, 0.5, 1, 1, 2, 100);
	split(&t[0], 1, 0, -0.5, 0, 3, 4, 70);
	leaf(&t[0], 2, 2.0, 30);
	leaf(&t[0], 3, -1.0, 20);
	split(&t[0], 4, 1, 0.25, 1, 5, 6, 50);
	leaf(&t[0], 5, 0.5, 35);
	leaf(&t[0], 6, 3.0, 15);
	split(&t[1], 0, 2, 0.0, 0, 1, 2, 100);
	leaf(&t[1], 1, -0.75, 40);
	leaf(&t[1], 2, 1.5, 60);
	char *json = xgb_json(t, 2, 4, 0.5);
	mlmd_model *m;
	assert_int_equal(mlmd_model_load_buffer(&m, json, strlen(json), "t.json"), 0);
	free(json);
	mlmd_explainer *e;
	assert_int_equal(mlmd_explainer_new(&e, m, NULL, 0), 0);
	static job jobs[T_THREADS];
	pthread_t th[T_THREADS];
	for (int k = 0; k < T_THREADS; k++) {
		jobs[k].e = e;
		assert_int_equal(pthread_create(&th[k], NULL, explain_thread, &jobs[k]), 0);
	}
	for (int k = 0; k < T_THREADS; k++)
		pthread_join(th[k], NULL);
	double want[5], x[4];
	for (int k = 0; k < T_THREADS; k++) {
		assert_int_equal(jobs[k].rc, 0);
		for (int r = 0; r < T_ROWS; r++) {
			for (int j = 0; j < 4; j++)
				x[j] = rows4[r * 4 + j];
			reference(t, 2, 4, 0.5, x, want);
			for (int j = 0; j < 5; j++)
				assert_true(fabs(jobs[k].out[r * 5 + j] - want[j]) < 1e-9);
		}
	}
	mlmd_explainer_free(e);
	mlmd_model_free(m);
}

/* Leaf values that are not finite (1e300 is a float's inf), or that can add
 * up past a float's range, would make the margin inf or NaN and the
 * contributions no longer add up to it: the explainer refuses the model
 * (found by the hostile-input helper; it used to give NaN contributions). */
static void leaf_values_out_of_range_refused(void **state)
{
	(void)state;
	static const struct {
		double v;
		int nt;
		const char *want;
	} cases[] = {
		{ 1e300, 1, "node 1 has leaf value inf; explanations need finite leaf values" },
		{ 3e38, 2, "past a float's range" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ttree t[2];
		memset(t, 0, sizeof t);
		for (int k = 0; k < cases[c].nt; k++) {
			split(&t[k], 0, 0, 0.5, 1, 1, 2, 100);
			leaf(&t[k], 1, cases[c].v, 60);
			leaf(&t[k], 2, 1.0, 40);
		}
		char *json = xgb_json(t, cases[c].nt, 2, 0.5);
		mlmd_model *m;
		assert_int_equal(mlmd_model_load_buffer(&m, json, strlen(json), "t.json"), 0);
		mlmd_explainer *e = NULL;
		assert_int_equal(mlmd_explainer_new(&e, m, NULL, 0), -MLMD_FAILED_PRECONDITION);
		assert_null(e);
		if (!strstr(mlmd_error_message(), cases[c].want))
			fail_msg("'%s' lacks '%s'", mlmd_error_message(), cases[c].want);
		mlmd_model_free(m);
		free(json);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_leaf_and_repeated_feature),
		cmocka_unit_test(zero_cover_nodes),
		cmocka_unit_test(deep_path),
		cmocka_unit_test(leaf_values_out_of_range_refused),
		cmocka_unit_test(threads_share_one_explainer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

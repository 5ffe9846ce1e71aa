/*
 * tests/test_scorer_batch.c - the tree engine's batch path against a
 * row-at-a-time walk of the same trees.
 *
 * Random ensembles (depths up to 12, every split mode, set membership,
 * missing values sent either way, infinite thresholds, leaves with zero to
 * three votes, one to three targets, every aggregation, float and double
 * sums) are compiled by the engine and scored over batches of 1 to 1000
 * rows by every walk this CPU can run, on 1, 2, 3 and 8 threads. Every
 * output must equal, bit for bit, what this file computes by walking the
 * source trees one row at a time with sc_split_true (the engine's one
 * rule for a split) and aggregating the votes in tree order.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mlmd.h"
#include "scorer/sc.h"
#include "scorer/trees_impl.h"

#define FEATURES 13
#define MAX_ROWS 5000

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)((seed >> 11) % n);
}

/* Values that inputs and thresholds share, so ties are common: a grid of
 * quarters, 0.1 as a float and its neighbour below, and (thresholds and
 * double inputs only) 0.1 as a double, which lies between two floats. */
static double grid(bool dbl)
{
	uint32_t k = rnd(dbl ? 24 : 23);
	if (k == 20)
		return 0.1f;
	if (k == 21)
		return nextafterf(0.1f, 0);
	if (k == 22)
		return rnd(2) ? INFINITY : -INFINITY;
	if (k == 23)
		return 0.1;
	return (k - 10) * 0.25;
}

/* One random ensemble, in the source form the loaders give the engine. */
typedef struct ens {
	sc_tree_buf b;
	sc_pool sets;          /* MEMBER sets (the engine keeps pointers to them) */
	int n, n_votes, max_nodes, max_votes;
	int kind;              /* 0: complete-friendly splits only; 1: anything */
	int vote_mode;         /* 0: one vote for the tree's target; 1: zero to three votes for any target */
	int tree;
	double base[3];
} ens;

static int32_t grow(ens *e, int depth_left, int level)
{
	int32_t i = e->n++;
	assert_true(e->n <= e->max_nodes);
	bool leaf = depth_left == 0 || (level > 0 && rnd(100) < 12);
	if (leaf) {
		e->b.mode[i] = SC_MODE_LEAF;
		int nv = e->vote_mode == 0 ? 1 : (int)rnd(4);
		assert_true(e->n_votes + nv <= e->max_votes);
		e->b.vstart[i] = e->n_votes;
		e->b.vcount[i] = nv;
		for (int v = 0; v < nv; v++) {
			e->b.vtarget[e->n_votes] = e->vote_mode == 0 ? e->tree % e->b.s.n_targets :
				(int32_t)rnd((uint32_t)e->b.s.n_targets);
			e->b.vweight[e->n_votes] = ((int)rnd(17) - 8) * 0.37 + rnd(1000) * 1e-7;
			e->n_votes++;
		}
		return i;
	}
	int mode = e->kind == 0 ? (int)rnd(4) : (int)rnd(7); /* LEQ LT GTE GT, then EQ NEQ MEMBER */
	e->b.mode[i] = (uint8_t)mode;
	e->b.feature[i] = (int32_t)rnd(FEATURES);
	double t = grid(true);
	if (e->kind == 0)
		while (!isfinite(t))
			t = grid(true);
	e->b.thr[i] = t;
	e->b.miss[i] = (uint8_t)rnd(2);
	if (mode == SC_MODE_MEMBER) {
		int ns = 1 + (int)rnd(4);
		double *set = mlmd__sc_alloc_array(&e->sets, (size_t)ns, sizeof *set);
		assert_non_null(set);
		for (int k = 0; k < ns; k++)
			set[k] = (k - 2) * 0.25 + (rnd(3) == 0 ? 0.1 : 0);
		for (int a = 1; a < ns; a++) /* sort (tiny) */
			for (int c = a; c > 0 && set[c] < set[c - 1]; c--) {
				double tmp = set[c];
				set[c] = set[c - 1];
				set[c - 1] = tmp;
			}
		e->b.sets[i] = set;
		e->b.nsets[i] = ns;
	}
	int32_t tc = grow(e, depth_left - 1, level + 1);
	int32_t fc = grow(e, depth_left - 1, level + 1);
	e->b.tchild[i] = tc;
	e->b.fchild[i] = fc;
	return i;
}

/* A random ensemble of n_trees trees of depth at most max_depth. */
static void ens_make(ens *e, int n_trees, int max_depth, int n_targets, int kind, int vote_mode)
{
	memset(e, 0, sizeof *e);
	e->max_nodes = 60000;
	e->max_votes = 3 * e->max_nodes;
	assert_int_equal(mlmd__sc_tree_buf_alloc(&e->b, (size_t)e->max_nodes, (size_t)e->max_votes, (size_t)n_trees), 0);
	e->kind = kind;
	e->vote_mode = vote_mode;
	e->b.s.n_trees = n_trees;
	e->b.s.n_targets = n_targets;
	for (int t = 0; t < n_trees; t++) {
		e->tree = t;
		int d = 1 + (int)rnd((uint32_t)max_depth);
		if (e->n + (2 << d) > e->max_nodes)
			d = 3;
		e->b.roots[t] = grow(e, d, 0);
	}
	e->b.s.n_nodes = e->n;
	for (int k = 0; k < n_targets; k++)
		e->base[k] = rnd(2) ? 0.5 * k - 0.25 : 0;
	e->b.s.base = e->base;
}

static void ens_free(ens *e)
{
	mlmd__sc_tree_buf_free(&e->b);
	mlmd__sc_pool_free(&e->sets);
}

static int32_t ref_walk(const sc_tree_src *s, int32_t i, const double *row)
{
	while (s->mode[i] != SC_MODE_LEAF) {
		bool miss = s->missing_true && s->missing_true[i];
		bool t = sc_split_true(s->mode[i], s->threshold[i], miss, s->member_sets[i], s->member_count[i],
			row[s->feature[i]]);
		i = t ? s->true_child[i] : s->false_child[i];
	}
	return i;
}

/* The engine's aggregation, a row at a time, over the source trees. */
static void reference(const sc_tree_src *s, bool dbl_input, const double *row, double *out)
{
	int K = s->n_targets;
	bool fsum = s->float_sum && s->agg != SC_AGG_MIN && s->agg != SC_AGG_MAX;
	double init = s->agg == SC_AGG_MIN ? (dbl_input ? DBL_MAX : FLT_MAX) :
		s->agg == SC_AGG_MAX ? (dbl_input ? -DBL_MAX : -FLT_MAX) : 0;
	double acc[3];
	float accf[3];
	for (int k = 0; k < K; k++) {
		double b = s->base_first ? s->base[k] : 0;
		acc[k] = s->base_first ? b : init;
		accf[k] = (float)b;
	}
	for (int t = 0; t < s->n_trees; t++) {
		int32_t leaf = ref_walk(s, s->roots[t], row);
		for (int v = s->vote_start[leaf]; v < s->vote_start[leaf] + s->vote_count[leaf]; v++) {
			int tg = s->vote_target[v];
			double w = s->vote_weight[v];
			if (s->agg == SC_AGG_MIN)
				acc[tg] = w < acc[tg] ? w : acc[tg];
			else if (s->agg == SC_AGG_MAX)
				acc[tg] = w > acc[tg] ? w : acc[tg];
			else if (fsum)
				accf[tg] += (float)w;
			else
				acc[tg] += w;
		}
	}
	for (int k = 0; k < K; k++) {
		if (fsum)
			acc[k] = accf[k];
		if (!s->base_first) {
			if (s->agg == SC_AGG_AVERAGE)
				acc[k] /= s->n_trees;
			acc[k] += s->base[k];
		}
		out[k] = acc[k];
	}
}

static float xf[MAX_ROWS * FEATURES];
static double xd[MAX_ROWS * FEATURES], xdf[MAX_ROWS * FEATURES]; /* xdf: xf as doubles */
static double want_f[MAX_ROWS * 3], want_d[MAX_ROWS * 3], got[MAX_ROWS * 3];

static void make_rows(void)
{
	for (int i = 0; i < MAX_ROWS * FEATURES; i++) {
		uint32_t k = rnd(30);
		xd[i] = k >= 27 ? NAN : grid(true);
		xf[i] = k >= 27 ? NAN : (float)grid(false);
		xdf[i] = xf[i];
	}
}

static const char *walk_name(int w)
{
	static const char *const names[SC_WALK_COUNT] = { "direct", "avx2", "keyed" };
	return names[w];
}

static void expect_same(const double *want, const double *have, int64_t n, int K, const char *what, int walk,
	int threads)
{
	for (int64_t i = 0; i < n * K; i++)
		if (memcmp(&want[i], &have[i], sizeof *want) != 0)
			fail_msg("%s, walk %s, %d thread(s): row %lld target %d: got %.17g, want %.17g", what,
				walk_name(walk), threads, (long long)(i / K), (int)(i % K), have[i], want[i]);
}

static const int64_t batch_sizes[] = { 1, 2, 15, 16, 17, 63, 64, 65, 100, 257, 1000, 4099 };
static const int thread_counts[] = { 1, 2, 3, 8 };

/* Scores e (built with the given settings) through every walk and thread count. */
static int check_ensemble(ens *e, sc_agg agg, bool float_sum, bool base_first)
{
	e->b.s.agg = agg;
	e->b.s.float_sum = float_sum;
	e->b.s.base_first = base_first;
	sc_pool pool = { 0 };
	sc_trees *T;
	assert_int_equal(mlmd__sc_trees_build(&T, &pool, &e->b.s, "random trees"), 0);
	int K = e->b.s.n_targets, walks = 0;
	for (int r = 0; r < MAX_ROWS; r++) {
		reference(&e->b.s, false, xdf + r * FEATURES, want_f + r * K);
		reference(&e->b.s, true, xd + r * FEATURES, want_d + r * K);
	}
	for (int walk = 0; walk < SC_WALK_COUNT; walk++) {
		if (mlmd__sc_trees_force_walk(T, walk))
			continue; /* not on this CPU, or no complete tree to key */
		walks++;
		for (size_t ti = 0; ti < sizeof thread_counts / sizeof *thread_counts; ti++) {
			mlmd_score_ctx *ctx;
			assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
			assert_int_equal(mlmd_score_ctx_set_threads(ctx, thread_counts[ti]), 0);
			mlmd__sc_ctx_set_min_part_work(ctx, 1); /* split even one-row batches */
			for (size_t bi = 0; bi < sizeof batch_sizes / sizeof *batch_sizes; bi++) {
				int64_t n = batch_sizes[bi];
				int64_t off = (int64_t)rnd((uint32_t)(MAX_ROWS - n + 1));
				mlmd__sc_pool_reset(&ctx->pool);
				memset(got, 0xff, sizeof got);
				assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_FLOAT, xf + off * FEATURES, n,
					FEATURES, got), 0);
				expect_same(want_f + off * K, got, n, K, "float rows", walk, thread_counts[ti]);
				mlmd__sc_pool_reset(&ctx->pool);
				assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_DOUBLE, xd + off * FEATURES, n,
					FEATURES, got), 0);
				expect_same(want_d + off * K, got, n, K, "double rows", walk, thread_counts[ti]);
			}
			mlmd_score_ctx_free(ctx);
		}
	}
	mlmd__sc_pool_free(&pool);
	return walks;
}

/* Trees the complete layout takes (< <= > >= on finite thresholds, depth
 * at most 8): the keyed and gather walks are the ones under test. */
static void complete_trees_every_walk(void **state)
{
	(void)state;
	make_rows();
	for (int round = 0; round < 6; round++) {
		ens e;
		int K = 1 + round % 3;
		ens_make(&e, 5 + round * 4, round < 3 ? 8 : 6, K, 0, round % 2);
		static const sc_agg aggs[] = { SC_AGG_SUM, SC_AGG_AVERAGE, SC_AGG_MIN, SC_AGG_MAX };
		for (int a = 0; a < 4; a++) {
			int walks = check_ensemble(&e, aggs[a], round % 2 == 0, a == 0 && round % 3 == 0);
			assert_true(walks >= 2); /* at least direct and keyed */
		}
		ens_free(&e);
	}
}

/* Every split mode, set membership, infinite thresholds and depths up to
 * 12: mostly generic trees, mixed with complete ones in one ensemble. */
static void mixed_trees_every_walk(void **state)
{
	(void)state;
	make_rows();
	for (int round = 0; round < 6; round++) {
		ens e;
		int K = 1 + (round + 1) % 3;
		ens_make(&e, 4 + round * 3, 12, K, round % 3 == 2 ? 0 : 1, round % 2);
		check_ensemble(&e, round % 4 == 3 ? SC_AGG_MAX : SC_AGG_SUM, round % 2 == 1, round == 0);
		ens_free(&e);
	}
}

/* A tree with a single leaf (depth 0) and a stump, mixed: the keyed block
 * has one used feature, and padding below early leaves reads column 0. */
static void shallow_trees(void **state)
{
	(void)state;
	make_rows();
	ens e;
	ens_make(&e, 6, 1, 1, 0, 0);
	check_ensemble(&e, SC_AGG_SUM, true, true);
	ens_free(&e);
}

/* The public path: an XGBoost model scored with threads gives what one thread gives. */
static void xgboost_model_with_threads(void **state)
{
	(void)state;
	char json[65536];
	size_t len = 0;
	len += (size_t)snprintf(json + len, sizeof json - len, "{\"learner\":{\"attributes\":{},\"feature_names\":[],"
		"\"feature_types\":[],\"gradient_booster\":{\"model\":{\"gbtree_model_param\":{\"num_parallel_tree\":\"1\","
		"\"num_trees\":\"40\"},\"tree_info\":[");
	for (int t = 0; t < 40; t++)
		len += (size_t)snprintf(json + len, sizeof json - len, "%s0", t ? "," : "");
	len += (size_t)snprintf(json + len, sizeof json - len, "],\"trees\":[");
	for (int t = 0; t < 40; t++) {
		/* a depth-2 tree: root on feature t%4, children on (t+1)%4 */
		int f0 = t % 4, f1 = (t + 1) % 4;
		len += (size_t)snprintf(json + len, sizeof json - len, "%s{\"base_weights\":[0,0,0,0,0,0,0],"
			"\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],\"categories_sizes\":[],"
			"\"default_left\":[%d,0,1,0,0,0,0],\"id\":%d,\"left_children\":[1,3,5,-1,-1,-1,-1],"
			"\"loss_changes\":[0,0,0,0,0,0,0],\"parents\":[2147483647,0,0,1,1,2,2],"
			"\"right_children\":[2,4,6,-1,-1,-1,-1],\"split_conditions\":[%g,%g,%g,%g,%g,%g,%g],"
			"\"split_indices\":[%d,%d,%d,0,0,0,0],\"split_type\":[0,0,0,0,0,0,0],"
			"\"sum_hessian\":[1,1,1,1,1,1,1],\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"4\","
			"\"num_nodes\":\"7\",\"size_leaf_vector\":\"0\"}}", t ? "," : "", t % 2, t, 0.25 * (t % 5) - 0.5,
			-0.3, 0.7, 0.01 * t, -0.02 * t, 0.03, -0.04 * (t % 3), f0, f1, f1);
	}
	len += (size_t)snprintf(json + len, sizeof json - len, "]},\"name\":\"gbtree\"},\"learner_model_param\":{"
		"\"base_score\":\"5E-1\",\"num_class\":\"0\",\"num_feature\":\"4\",\"num_target\":\"1\"},\"objective\":{"
		"\"name\":\"reg:squarederror\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},\"version\":[1,7,4]}");
	assert_true(len < sizeof json - 1);
	mlmd_model *m;
	int rc = mlmd_model_load_buffer(&m, json, len, "threads.json");
	if (rc)
		fail_msg("load: %s", mlmd_error_message());
	enum { N = 5000 };
	static float x[N * 4], one[N], many[N];
	for (int i = 0; i < N * 4; i++)
		x[i] = rnd(11) == 0 ? NAN : (float)grid(false);
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { N, 4 }, .data = x };
	mlmd_score_ctx *c1, *c2;
	assert_int_equal(mlmd_score_ctx_new(&c1), 0);
	assert_int_equal(mlmd_score_ctx_new(&c2), 0);
	assert_int_equal(mlmd_score_ctx_set_threads(c2, 2), 0);
	mlmd__sc_ctx_set_min_part_work(c2, 1);
	mlmd_tensor o1 = { .data = one, .capacity = N }, o2 = { .data = many, .capacity = N };
	assert_int_equal(mlmd_model_score(m, c1, &in, 1, &o1, 1), 0);
	for (int rep = 0; rep < 3; rep++) { /* the workers are reused */
		memset(many, 0, sizeof many);
		assert_int_equal(mlmd_model_score(m, c2, &in, 1, &o2, 1), 0);
		assert_memory_equal(one, many, sizeof one);
	}
	/* a different count replaces the workers */
	assert_int_equal(mlmd_score_ctx_set_threads(c2, 5), 0);
	assert_int_equal(mlmd_model_score(m, c2, &in, 1, &o2, 1), 0);
	assert_memory_equal(one, many, sizeof one);
	mlmd_score_ctx_free(c1);
	mlmd_score_ctx_free(c2);
	mlmd_model_free(m);
}

static void set_threads_checks_its_arguments(void **state)
{
	(void)state;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_score_ctx_set_threads(NULL, 2), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 0), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "0 threads"));
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 257), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 256), 0);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 1), 0);
	mlmd_score_ctx_free(ctx); /* no worker was started */
}

/* A worker that cannot be started fails the call with RESOURCE_EXHAUSTED;
 * the context is left without workers and scores again once threads can
 * start (or with one thread). */
static void thread_start_failure_is_reported(void **state)
{
	(void)state;
	make_rows();
	ens e;
	ens_make(&e, 10, 6, 1, 0, 0);
	e.b.s.agg = SC_AGG_SUM;
	sc_pool pool = { 0 };
	sc_trees *T;
	assert_int_equal(mlmd__sc_trees_build(&T, &pool, &e.b.s, "random trees"), 0);
	for (int r = 0; r < MAX_ROWS; r++)
		reference(&e.b.s, false, xdf + r * FEATURES, want_f + r);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 4), 0);
	mlmd__sc_ctx_set_min_part_work(ctx, 1);
	mlmd__sc_ctx_fail_thread_start(ctx, 3); /* workers 1 and 2 start, the third does not */
	assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_FLOAT, xf, MAX_ROWS, FEATURES, got),
		-MLMD_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(mlmd_error_message(), "worker thread 3 of 3 could not be started"));
	/* one thread needs no worker */
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 1), 0);
	assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_FLOAT, xf, MAX_ROWS, FEATURES, got), 0);
	expect_same(want_f, got, MAX_ROWS, 1, "after a failed start, one thread", SC_WALK_DIRECT, 1);
	/* and threads again once they can start */
	mlmd__sc_ctx_fail_thread_start(ctx, 0);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 4), 0);
	memset(got, 0, sizeof got);
	assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_FLOAT, xf, MAX_ROWS, FEATURES, got), 0);
	expect_same(want_f, got, MAX_ROWS, 1, "after a failed start, four threads", T->walk, 4);
	mlmd_score_ctx_free(ctx);
	mlmd__sc_pool_free(&pool);
	ens_free(&e);
}

/* Too few columns for the features the trees use is refused, with threads too. */
static void short_rows_are_refused(void **state)
{
	(void)state;
	ens e;
	ens_make(&e, 3, 4, 1, 0, 0);
	e.b.feature[e.b.roots[0]] = FEATURES - 1; /* feature 12 is used */
	sc_pool pool = { 0 };
	sc_trees *T;
	assert_int_equal(mlmd__sc_trees_build(&T, &pool, &e.b.s, "random trees"), 0);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_score_ctx_set_threads(ctx, 2), 0);
	assert_int_equal(mlmd__sc_trees_score_ctx(T, ctx, MLMD_DTYPE_FLOAT, xf, 10, FEATURES - 1, got),
		-MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "the trees use 13 features, the input has 12 columns"));
	mlmd_score_ctx_free(ctx);
	mlmd__sc_pool_free(&pool);
	ens_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_trees_every_walk),
		cmocka_unit_test(mixed_trees_every_walk),
		cmocka_unit_test(shallow_trees),
		cmocka_unit_test(xgboost_model_with_threads),
		cmocka_unit_test(set_threads_checks_its_arguments),
		cmocka_unit_test(thread_start_failure_is_reported),
		cmocka_unit_test(short_rows_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

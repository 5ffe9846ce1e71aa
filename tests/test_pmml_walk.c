/*
 * The interleaved walk of deep and irregular PMML trees
 * (scorer/pmml_walk.c) against the tree engine it stands in for: random
 * ensembles of every split mode, NaN and infinite thresholds, sets of
 * whole numbers and of any values, leaves voting once or not at all, as
 * pmml_batch.c builds them; every score bit for bit, on one thread and
 * split across two.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mlmd.h"
#include "scorer/sc.h"
#include "scorer/pmml.h"

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static const double SPECIAL[] = { -INFINITY, -1.5, -1, -0.0, 0.0, 4.9406564584124654e-324, 0.5, 1, 1.5, 2, 3,
	1.7976931348623157e308, INFINITY, NAN };
#define N_SPECIAL (sizeof SPECIAL / sizeof *SPECIAL)

/* A random value for feature f: whole features take whole numbers 0..7 (a text field's codes). */
static double random_value(uint64_t *s, bool whole)
{
	uint32_t k = rnd(s) % 16;
	if (whole)
		return k < 2 ? NAN : (double)(rnd(s) % 8);
	return k < N_SPECIAL ? SPECIAL[k] : (double)(int)(rnd(s) % 400) / 100 - 2;
}

typedef struct {
	sc_tree_buf b;
	int32_t next, nv, n_trees;
	const bool *whole;
	uint64_t *s;
	double **sets;           /* MEMBER sets made, freed at the end */
	int n_sets;
} rtrees;

/* A random subtree of tree `target` at depth `depth`: every split mode,
 * thresholds from SPECIAL (NaN and infinities included), sets of whole
 * numbers with runs or of arbitrary values with duplicates; leaves vote
 * once for their tree (their weight a node number, or -1) or not at all. */
static int32_t random_subtree(rtrees *t, int depth, int max_depth, int32_t limit, int target)
{
	int32_t me = t->next++;
	sc_tree_buf *b = &t->b;
	if (depth >= max_depth || t->next >= limit || (depth > 1 && rnd(t->s) % 100 < 45)) {
		b->mode[me] = SC_MODE_LEAF;
		b->vstart[me] = t->nv;
		b->vcount[me] = rnd(t->s) % 9 ? 1 : 0;
		if (b->vcount[me]) {
			b->vtarget[t->nv] = target;
			b->vweight[t->nv++] = (double)(int)(rnd(t->s) % 1000) - 1;
		}
		return me;
	}
	int f = (int)(rnd(t->s) % 5);
	b->feature[me] = f;
	b->miss[me] = rnd(t->s) % 2;
	uint32_t kind = rnd(t->s) % 10;
	if (kind < 6) {
		b->mode[me] = (uint8_t)kind; /* LEQ, LT, GTE, GT, EQ, NEQ */
		b->thr[me] = t->whole[f] && rnd(t->s) % 2 ? (double)(rnd(t->s) % 8) : SPECIAL[rnd(t->s) % N_SPECIAL];
	} else {
		int n = (int)(rnd(t->s) % 6);
		double *set = malloc(((size_t)n + 1) * sizeof *set);
		assert_non_null(set);
		t->sets = realloc(t->sets, ((size_t)t->n_sets + 1) * sizeof *t->sets);
		assert_non_null(t->sets);
		t->sets[t->n_sets++] = set;
		for (int k = 0; k < n; k++)
			set[k] = t->whole[f] ? (double)(rnd(t->s) % 8) : SPECIAL[rnd(t->s) % (N_SPECIAL - 1)]; /* (no NaN) */
		for (int i = 1; i < n; i++) /* sorted, as the engine keeps sets */
			for (int j = i; j > 0 && set[j - 1] > set[j]; j--) {
				double x = set[j];
				set[j] = set[j - 1];
				set[j - 1] = x;
			}
		b->mode[me] = SC_MODE_MEMBER;
		b->sets[me] = set;
		b->nsets[me] = n;
	}
	b->tchild[me] = random_subtree(t, depth + 1, max_depth, limit, target);
	b->fchild[me] = random_subtree(t, depth + 1, max_depth, limit, target);
	return me;
}

/* Random ensembles of trees up to 30 levels deep, each tree voting for its
 * own target as pmml_batch.c builds them: the walk gives the engine's
 * scores bit for bit, on one thread and split across two. */
static void random_trees_walk_equals_engine(void **state)
{
	(void)state;
	static const bool whole[5] = { false, false, true, false, true };
	for (uint64_t seed = 1; seed <= 40; seed++) {
		uint64_t s = seed * 2654435761u;
		int n_trees = 1 + (int)(rnd(&s) % 12);
		size_t cap = (size_t)n_trees * 4096;
		rtrees t = { .whole = whole, .s = &s, .n_trees = n_trees };
		assert_int_equal(mlmd__sc_tree_buf_alloc(&t.b, cap, cap, (size_t)n_trees), 0);
		for (int k = 0; k < n_trees; k++) {
			/* (each internal node has 1.1 internal children on average: trees of a few to a few hundred
			 * nodes, some of them 10 to 30 levels deep; at most about 3000 nodes a tree) */
			t.b.roots[k] = random_subtree(&t, 0, 1 + (int)(rnd(&s) % 30), t.next + 3000, k);
			assert_true((size_t)t.next < cap);
		}
		t.b.s.n_nodes = t.next;
		t.b.s.n_trees = n_trees;
		t.b.s.n_targets = n_trees;
		t.b.s.agg = SC_AGG_SUM;
		sc_pool pool = { 0 };
		sc_trees *eng;
		if (mlmd__sc_trees_build(&eng, &pool, &t.b.s, "random trees"))
			fail_msg("seed %llu: build: %s", (unsigned long long)seed, mlmd_error_message());
		pwalk *w;
		assert_int_equal(mlmd__pmml_walk_build(&w, &pool, eng, whole), 0);
		assert_non_null(w);
		int64_t rows = 1 + (int64_t)(rnd(&s) % 700), ld = 6;
		double *x = malloc((size_t)(rows * ld) * sizeof *x);
		double *a = malloc((size_t)(rows * n_trees) * sizeof *a), *c = malloc((size_t)(rows * n_trees) * sizeof *c);
		double *d = malloc((size_t)(rows * n_trees) * sizeof *d);
		assert_true(x && a && c && d);
		for (int64_t i = 0; i < rows * ld; i++)
			x[i] = random_value(&s, i % ld < 5 && whole[i % ld]);
		assert_int_equal(mlmd__sc_trees_score(eng, &pool, MLMD_DTYPE_DOUBLE, x, rows, ld, a), 0);
		mlmd__pmml_walk_rows(w, x, rows, ld, c);
		mlmd_score_ctx *ctx;
		assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
		assert_int_equal(mlmd_score_ctx_set_threads(ctx, 2), 0);
		mlmd__sc_ctx_set_min_part_work(ctx, 1);
		assert_int_equal(mlmd__pmml_walk_score(w, ctx, x, rows, ld, d), 0);
		for (int64_t i = 0; i < rows * n_trees; i++)
			if (memcmp(&a[i], &c[i], sizeof a[i]) || memcmp(&a[i], &d[i], sizeof a[i]))
				fail_msg("seed %llu: row %lld tree %lld: engine %.17g, walk %.17g, walk on 2 threads %.17g",
					(unsigned long long)seed, (long long)(i / n_trees), (long long)(i % n_trees), a[i], c[i], d[i]);
		mlmd_score_ctx_free(ctx);
		free(x);
		free(a);
		free(c);
		free(d);
		for (int k = 0; k < t.n_sets; k++)
			free(t.sets[k]);
		free(t.sets);
		mlmd__sc_tree_buf_free(&t.b);
		mlmd__sc_pool_free(&pool);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_trees_walk_equals_engine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

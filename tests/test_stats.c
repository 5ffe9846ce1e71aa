/*
 * tests/test_stats.c - the drift statistics (lib/monitor/stats.c, drift.c)
 * on small samples whose figures are worked out by hand in the comments,
 * the distributions' tails against published values, the column rule and
 * the refusals. tests/python/test_drift_stats.py compares random samples
 * with scipy.
 */
#include <math.h>
#include "helpers.h"
#include "mlmd/monitor.h"

/* |got - want| within rel of |want| (or of 1 near zero) */
#define NEAR(got, want, rel)                                                                      \
	do {                                                                                      \
		double g_ = (got), w_ = (want);                                                   \
		double tol_ = (rel) * (fabs(w_) > 1 ? fabs(w_) : 1);                              \
		if (!(fabs(g_ - w_) <= tol_))                                                     \
			fail_msg("%s = %.17g, expected %.17g", #got, g_, w_);                     \
	} while (0)
/* relative, for values far below one */
#define REL(got, want, rel)                                                                       \
	do {                                                                                      \
		double g_ = (got), w_ = (want);                                                   \
		if (!(fabs(g_ - w_) <= (rel) * fabs(w_)))                                         \
			fail_msg("%s = %.17g, expected %.17g", #got, g_, w_);                     \
	} while (0)

static void ks_and_wasserstein_with_ties(void **state)
{
	(void)state;
	/* a = 1 2 2 3, b = 2 3 3 4 (and a missing value). At 1: F_a 1/4, F_b 0;
	 * at 2: 3/4, 1/4; at 3: 1, 3/4; at 4: 1, 1. D = 1/2. W = 1/4 (1 to 2)
	 * + 1/2 (2 to 3) + 1/4 (3 to 4) = 1. */
	double a[] = { 3, 2, 1, 2 }, b[] = { 4, NAN, 3, 2, 3 };
	mlmd_drift_column c;
	OK(mlmd_drift_numeric(a, 4, b, 5, NULL, &c));
	assert_int_equal(c.kind, MLMD_COLUMN_NUMERIC);
	assert_int_equal(c.n_reference, 4);
	assert_int_equal(c.n_current, 4);
	assert_int_equal(c.missing_reference, 0);
	assert_int_equal(c.missing_current, 1);
	NEAR(c.ks, 0.5, 1e-15);
	NEAR(c.wasserstein, 1.0, 1e-15);
	/* Q(sqrt(4 * 4 / 8) / 2) = Q(0.70710678...) */
	NEAR(c.ks_pvalue, 0.6993741991310154, 1e-12);
	assert_true(isnan(c.chi2) && isnan(c.chi2_pvalue));
	/* the arrays are left as they were */
	assert_true(a[0] == 3 && a[1] == 2 && isnan(b[1]));
	/* deciles of 1 2 2 3: h = 0.3 0.6 0.9 | 1.2 .. 1.8 | 2.1 2.4 2.7 -> 1.3 1.6 1.9 2 2 2 2.1 2.4 2.7;
	 * reference bins: 1 -> 0, 2 2 -> 3 (2 <= 2, edge 4 is 2), 3 -> 9: p = 1/4 in bins 0, 3 and
	 * 2/4 ... current 2 -> 3, 3 3 -> 9, 4 -> 9: q = 1/4 in 3, 3/4 in 9. */
	double p[10] = { 0.25, 0, 0, 0.5, 0, 0, 0, 0, 0, 0.25 };
	double q[10] = { 0, 0, 0, 0.25, 0, 0, 0, 0, 0, 0.75 };
	NEAR(c.psi, mlmd_stat_psi(p, q, 10), 1e-15);
	NEAR(c.js, mlmd_stat_js(p, q, 10), 1e-15);
	/* psi = (1e-4 - .25) ln(1e-4/.25) + (.25 - .5) ln(.5) + (.75 - .25) ln 3 */
	NEAR(c.psi, (1e-4 - .25) * log(1e-4 / .25) + (.25 - .5) * log(.5) + .5 * log(3), 1e-14);
	assert_true(c.drift); /* psi is about 2.2 */
}

static void identical_and_disjoint_samples(void **state)
{
	(void)state;
	double a[100], b[100];
	for (int i = 0; i < 100; i++)
		a[i] = b[99 - i] = i * 0.5 - 7;
	mlmd_drift_column c;
	OK(mlmd_drift_numeric(a, 100, b, 100, NULL, &c));
	NEAR(c.ks, 0, 0);
	NEAR(c.wasserstein, 0, 0);
	NEAR(c.psi, 0, 0);
	NEAR(c.js, 0, 0);
	NEAR(c.ks_pvalue, 1, 0);
	assert_false(c.drift);
	/* b = a + 1000: every reference value below every current one */
	for (int i = 0; i < 100; i++)
		b[i] = a[i] + 1000;
	OK(mlmd_drift_numeric(a, 100, b, 100, NULL, &c));
	NEAR(c.ks, 1, 0);
	NEAR(c.wasserstein, 1000, 1e-12);
	/* all of q in the top bin, a tenth of p in each: m = .05 nine times and
	 * .55; KL(p||m) = .9 + .1 log2(.1/.55), KL(q||m) = log2(1/.55) */
	NEAR(c.js, sqrt((0.9 + 0.1 * log2(0.1 / 0.55) + log2(1 / 0.55)) / 2), 1e-14);
	assert_true(c.drift);
	/* -0 and 0 are one value */
	double z1[] = { -0.0, 1 }, z2[] = { 0.0, 1 };
	OK(mlmd_drift_numeric(z1, 2, z2, 2, NULL, &c));
	NEAR(c.ks, 0, 0);
}

static void infinities(void **state)
{
	(void)state;
	mlmd_drift_column c;
	/* a third of the reference at -inf, none of the current: the CDFs differ
	 * over an infinite stretch */
	double a[] = { -INFINITY, 1, 2 }, b[] = { 1, 2, 3 };
	OK(mlmd_drift_numeric(a, 3, b, 3, NULL, &c));
	assert_true(isinf(c.wasserstein) && c.wasserstein > 0);
	NEAR(c.ks, 1.0 / 3, 1e-15);
	assert_false(isnan(c.psi) || isnan(c.js));
	/* the same share at -inf on both sides: only the finite part counts */
	double d[] = { -INFINITY, 1, 3 };
	OK(mlmd_drift_numeric(a, 3, d, 3, NULL, &c));
	NEAR(c.wasserstein, 1.0 / 3, 1e-15);
	NEAR(c.ks, 1.0 / 3, 1e-15);
	double e[] = { 1, INFINITY }, f[] = { 1, 2 };
	OK(mlmd_drift_numeric(e, 2, f, 2, NULL, &c));
	assert_true(isinf(c.wasserstein));
	/* decile edges next to an infinite order statistic take it */
	double s[] = { -INFINITY, 0, 1, INFINITY }, edges[9];
	mlmd_stat_deciles(s, 4, edges);
	assert_true(isinf(edges[0]) && edges[0] < 0); /* between -inf and 0 */
	NEAR(edges[4], 0.5, 1e-15);                   /* h = 1.5 */
	assert_true(isinf(edges[8]) && edges[8] > 0); /* between 1 and inf */
}

static void deciles_as_numpy(void **state)
{
	(void)state;
	double e[9];
	double s11[11];
	for (int i = 0; i < 11; i++)
		s11[i] = i;
	mlmd_stat_deciles(s11, 11, e);
	for (int j = 0; j < 9; j++)
		NEAR(e[j], j + 1, 0);
	/* 1 2 4 8: h = 3 j / 10; below one half a + (b - a) f, else b - (b - a)(1 - f);
	 * numpy.percentile([1, 2, 4, 8], range(10, 100, 10)) gives the same doubles */
	double s4[] = { 1, 2, 4, 8 };
	const double want[9] = { 1.3, 1.6, 1.9, 2.4000000000000004, 3.0, 3.5999999999999996, 4.399999999999999,
				 5.600000000000001, 6.800000000000001 };
	mlmd_stat_deciles(s4, 4, e);
	for (int j = 0; j < 9; j++)
		if (e[j] != want[j])
			fail_msg("edge %d = %.17g, numpy %.17g", j, e[j], want[j]);
	double one = 5;
	mlmd_stat_deciles(&one, 1, e);
	for (int j = 0; j < 9; j++)
		NEAR(e[j], 5, 0);
}

static void edge_belongs_below(void **state)
{
	(void)state;
	double edges[] = { 1, 2, 2, 3 };
	assert_int_equal(mlmd_stat_bin(edges, 4, 0.5), 0);
	assert_int_equal(mlmd_stat_bin(edges, 4, 1), 0);
	assert_int_equal(mlmd_stat_bin(edges, 4, 1.5), 1);
	assert_int_equal(mlmd_stat_bin(edges, 4, 2), 1); /* the first of equal edges */
	assert_int_equal(mlmd_stat_bin(edges, 4, 2.5), 3);
	assert_int_equal(mlmd_stat_bin(edges, 4, 3), 3);
	assert_int_equal(mlmd_stat_bin(edges, 4, 3.5), 4);
	assert_int_equal(mlmd_stat_bin(edges, 4, INFINITY), 4);
	assert_int_equal(mlmd_stat_bin(edges, 4, -INFINITY), 0);
	assert_int_equal(mlmd_stat_bin(edges, 0, 7), 0);
}

static void psi_floor_and_js_bounds(void **state)
{
	(void)state;
	double p[] = { 0.5, 0.5, 0 }, q[] = { 0.5, 0.25, 0.25 };
	/* 0 + (.25 - .5) ln(.5) + (.25 - 1e-4) ln(.25 / 1e-4) */
	NEAR(mlmd_stat_psi(p, q, 3), -0.25 * log(0.5) + (0.25 - 1e-4) * log(2500), 1e-14);
	NEAR(mlmd_stat_psi(p, q, 3), mlmd_stat_psi(q, p, 3), 1e-14); /* PSI is symmetric too */
	NEAR(mlmd_stat_psi(p, p, 3), 0, 0);
	/* p = (1, 0), q = (.5, .5): m = (.75, .25); KL(p||m) = log2(4/3),
	 * KL(q||m) = .5 log2(2/3) + .5 log2 2; JSD = the mean of the two */
	double p2[] = { 1, 0 }, q2[] = { 0.5, 0.5 };
	double jsd = (log2(4.0 / 3) + 0.5 * log2(2.0 / 3) + 0.5) / 2;
	NEAR(mlmd_stat_js(p2, q2, 2), sqrt(jsd), 1e-15);
	NEAR(mlmd_stat_js(q2, p2, 2), sqrt(jsd), 1e-15);
	double r[] = { 0, 1 };
	NEAR(mlmd_stat_js(p2, r, 2), 1, 0);
	NEAR(mlmd_stat_js(p2, p2, 2), 0, 0);
	double u[] = { 0.1, 0.2, 0.3, 0.4 }, v[] = { 0.4, 0.3, 0.2, 0.1 };
	double j = mlmd_stat_js(u, v, 4);
	assert_true(j > 0 && j < 1);
	NEAR(mlmd_stat_js(v, u, 4), j, 1e-15);
}

static void chi2_table_and_tail(void **state)
{
	(void)state;
	/* reference 10 20 30, current 20 20 20: expected 15 20 25 on both rows;
	 * chi2 = 2 (25/15 + 0 + 25/25) = 16/3, dof 2, tail exp(-x/2) */
	int64_t r[] = { 10, 20, 30, 0 }, c[] = { 20, 20, 20, 0 };
	double x, pv;
	int64_t dof;
	OK(mlmd_stat_chi2(r, c, 4, &x, &pv, &dof)); /* the empty column is left out */
	NEAR(x, 16.0 / 3, 1e-14);
	assert_int_equal(dof, 2);
	REL(pv, exp(-8.0 / 3), 1e-13);
	int64_t r1[] = { 5, 0 }, c1[] = { 7, 0 };
	OK(mlmd_stat_chi2(r1, c1, 2, &x, &pv, &dof));
	assert_true(x == 0 && pv == 1 && dof == 0);
	int64_t neg[] = { -1, 2 };
	FAILS(mlmd_stat_chi2(neg, c1, 2, &x, &pv, &dof), MLMD_INVALID_ARGUMENT, "negative");
	/* published quantiles and scipy.stats.chi2.sf */
	REL(mlmd_stat_chi2_sf(3.841458820694124, 1), 0.05, 1e-12);
	REL(mlmd_stat_chi2_sf(100, 100), 0.48119168452795674, 1e-12);
	REL(mlmd_stat_chi2_sf(0.5, 3), 0.9188914116546758, 1e-12);
	REL(mlmd_stat_chi2_sf(30, 40), 0.8752187849674751, 1e-12);
	REL(mlmd_stat_chi2_sf(5000, 5000), 0.4973403788923451, 1e-10);
	REL(mlmd_stat_chi2_sf(0.001, 1), 0.9747728793699604, 1e-12);
	REL(mlmd_stat_chi2_sf(1000, 10), 1.870290720915977e-208, 1e-10);
	REL(mlmd_stat_chi2_sf(7, 2), exp(-3.5), 1e-13);
	assert_true(mlmd_stat_chi2_sf(0, 3) == 1);
	assert_true(mlmd_stat_chi2_sf(INFINITY, 3) == 0);
	int64_t none[] = { 0, 0 }, two[] = { 3, 4 };
	OK(mlmd_stat_chi2(none, two, 2, &x, &pv, &dof)); /* a side with no count */
	assert_true(x == 0 && pv == 1 && dof == 0);
	assert_true(isnan(mlmd_stat_chi2_sf(1, 0)));
}

static void kolmogorov_tail(void **state)
{
	(void)state;
	/* Q(1) = 2 (e^-2 - e^-8 + e^-18 - ...); the others: the Kolmogorov
	 * distribution's published critical values (scipy.stats.kstwobign.sf) */
	REL(mlmd_stat_ks_pvalue(1, 1, 1 << 30), 2 * (exp(-2) - exp(-8) + exp(-18) - exp(-32)), 1e-8);
	static const double lam[] = { 0.3, 0.5, 1.0, 1.36, 1.63, 2.5, 5.0 };
	static const double q[] = { 0.9999906941986655, 0.9639452436648751, 0.26999967167735456,
				    0.049485876755377876, 0.009846364888486529, 7.453306344157342e-06,
				    3.8574996959278356e-22 };
	for (int i = 0; i < 7; i++) {
		/* n = m = 2: sqrt(n m / (n + m)) = 1, so d = lambda */
		REL(mlmd_stat_ks_pvalue(lam[i], 2, 2), q[i], 1e-12);
	}
	NEAR(mlmd_stat_ks_pvalue(0, 10, 10), 1, 0);
	NEAR(mlmd_stat_ks_pvalue(0.01, 10, 10), 1, 1e-15);
	assert_true(isnan(mlmd_stat_ks_pvalue(0.5, 0, 3)));
}

static void categorical_counts(void **state)
{
	(void)state;
	/* reference a a b (and a missing one), current a b b c (and ""):
	 * n 7, rows 3 and 4, columns a 3 b 3 c 1; expected 9/7 9/7 3/7 and
	 * 12/7 12/7 4/7; chi2 = 25/63 + 4/63 + 27/63 + 25/84 + 4/84 + 27/84
	 * = 8/9 + 2/3 = 14/9, dof 2 */
	const char *r[] = { "a", "a", "b", NULL }, *c[] = { "a", "b", "b", "c", "" };
	mlmd_drift_column d;
	OK(mlmd_drift_categorical(r, 4, c, 5, NULL, &d));
	assert_int_equal(d.kind, MLMD_COLUMN_CATEGORICAL);
	assert_int_equal(d.n_reference, 3);
	assert_int_equal(d.n_current, 4);
	assert_int_equal(d.missing_reference, 1);
	assert_int_equal(d.missing_current, 1);
	NEAR(d.chi2, 14.0 / 9, 1e-14);
	assert_int_equal(d.chi2_dof, 2);
	REL(d.chi2_pvalue, exp(-7.0 / 9), 1e-13);
	double p[] = { 2.0 / 3, 1.0 / 3, 0 }, q[] = { 0.25, 0.5, 0.25 };
	NEAR(d.psi, mlmd_stat_psi(p, q, 3), 1e-15);
	NEAR(d.js, mlmd_stat_js(p, q, 3), 1e-15);
	assert_true(isnan(d.ks) && isnan(d.ks_pvalue) && isnan(d.wasserstein));
	assert_true(d.drift); /* psi: the floor makes c's term about 2 */
	/* a higher PSI threshold and a p-value threshold below 0.46: no drift */
	mlmd_drift_thresholds th = { 10, 0.05 };
	OK(mlmd_drift_categorical(r, 4, c, 5, &th, &d));
	assert_false(d.drift);
	/* many categories: the table grows */
	enum { N = 5000 };
	static char names[N][16];
	static const char *many[N];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "k%d", i);
		many[i] = names[i];
	}
	OK(mlmd_drift_categorical(many, N, many, N, NULL, &d));
	NEAR(d.chi2, 0, 0);
	assert_int_equal(d.chi2_dof, N - 1);
	NEAR(d.psi, 0, 0);
	NEAR(d.js, 0, 0);
	assert_false(d.drift);
}

static void thresholds_decide(void **state)
{
	(void)state;
	double a[200], b[200];
	for (int i = 0; i < 200; i++) {
		a[i] = i;
		b[i] = i + 20; /* D = 0.1: lambda = sqrt(100) 0.1 = 1, p = Q(1) = 0.27 */
	}
	/* reference deciles 19.9, 39.8, ...: q = 0, .1 (eight times), .2;
	 * psi = (1e-4 - .1) ln(1e-3) + .1 ln 2 */
	mlmd_drift_column c;
	OK(mlmd_drift_numeric(a, 200, b, 200, NULL, &c));
	NEAR(c.ks, 0.1, 1e-15);
	REL(c.ks_pvalue, 0.26999967167735456, 1e-12);
	NEAR(c.psi, (1e-4 - 0.1) * log(1e-3) + 0.1 * log(2), 1e-14);
	assert_true(c.drift); /* psi 0.76 >= 0.2 */
	mlmd_drift_thresholds th = { 1, 0 };
	OK(mlmd_drift_numeric(a, 200, b, 200, &th, &c));
	assert_false(c.drift);
	th.psi = c.psi; /* at the threshold counts */
	OK(mlmd_drift_numeric(a, 200, b, 200, &th, &c));
	assert_true(c.drift);
	mlmd_drift_thresholds th2 = { 1, 0.3 }; /* the p-value 0.27 is below 0.3 */
	OK(mlmd_drift_numeric(a, 200, b, 200, &th2, &c));
	assert_true(c.drift);
	mlmd_drift_thresholds th3 = { -1, -1 }; /* defaults */
	OK(mlmd_drift_numeric(a, 200, b, 200, &th3, &c));
	assert_true(c.drift);
}

static void column_rule(void **state)
{
	(void)state;
	const char *num[] = { "1", "", "2.5", "nan", " -inf ", "1e-3", " 7 " };
	double x[7];
	assert_int_equal(mlmd_column_classify(num, 7, x), MLMD_COLUMN_NUMERIC);
	assert_true(x[0] == 1 && isnan(x[1]) && x[2] == 2.5 && isnan(x[3]) && isinf(x[4]) && x[4] < 0);
	assert_true(x[5] == 1e-3 && x[6] == 7);
	const char *cat[] = { "1", "2", "x" };
	assert_int_equal(mlmd_column_classify(cat, 3, NULL), MLMD_COLUMN_CATEGORICAL);
	const char *hex[] = { "0x10" }, *comma[] = { "1,5" };
	assert_int_equal(mlmd_column_classify(hex, 1, NULL), MLMD_COLUMN_CATEGORICAL);
	assert_int_equal(mlmd_column_classify(comma, 1, NULL), MLMD_COLUMN_CATEGORICAL);
	const char *empty[] = { "", NULL, "  " };
	assert_int_equal(mlmd_column_classify(empty, 3, x), MLMD_COLUMN_NUMERIC);
	assert_true(isnan(x[0]) && isnan(x[1]) && isnan(x[2]));
}

static void refusals(void **state)
{
	(void)state;
	double nan2[] = { NAN, NAN }, one[] = { 1 };
	mlmd_drift_column c;
	FAILS(mlmd_drift_numeric(nan2, 2, one, 1, NULL, &c), MLMD_INVALID_ARGUMENT, "reference sample has no value");
	assert_int_equal(c.missing_reference, 2);
	FAILS(mlmd_drift_numeric(one, 1, nan2, 0, NULL, &c), MLMD_INVALID_ARGUMENT, "current sample has no value");
	FAILS(mlmd_drift_numeric(one, 1, NULL, 3, NULL, &c), MLMD_INVALID_ARGUMENT, "NULL");
	FAILS(mlmd_drift_numeric(one, 1, one, 1, NULL, NULL), MLMD_INVALID_ARGUMENT, "NULL");
	const char *none[] = { "", NULL }, *some[] = { "a" };
	FAILS(mlmd_drift_categorical(some, 1, none, 2, NULL, &c), MLMD_INVALID_ARGUMENT, "current sample has no value");
	FAILS(mlmd_drift_categorical(none, 2, some, 1, NULL, &c), MLMD_INVALID_ARGUMENT, "reference sample has no value");
	FAILS(mlmd_drift_categorical(NULL, 2, some, 1, NULL, &c), MLMD_INVALID_ARGUMENT, "NULL");
}

/* A larger sample through the radix sort: D and W against a sort-free
 * count (every value an integer in 0..99, so the CDFs are counts) */
static void radix_sorted_sample(void **state)
{
	(void)state;
	enum { N = 20000 };
	static double a[N], b[N];
	uint32_t s = 12345;
	double ca[100] = { 0 }, cb[100] = { 0 };
	for (int i = 0; i < N; i++) {
		s = s * 1103515245u + 12345u;
		a[i] = (double)((s >> 8) % 100) - 50;
		s = s * 1103515245u + 12345u;
		b[i] = (double)((s >> 8) % 97) - 48;
		ca[(int)a[i] + 50]++;
		cb[(int)b[i] + 50]++;
	}
	double fa = 0, fb = 0, d = 0, w = 0;
	for (int v = 0; v < 100; v++) {
		fa += ca[v] / N;
		fb += cb[v] / N;
		d = fmax(d, fabs(fa - fb));
		if (v < 99)
			w += fabs(fa - fb);
	}
	mlmd_drift_column c;
	OK(mlmd_drift_numeric(a, N, b, N, NULL, &c));
	NEAR(c.ks, d, 1e-12);
	NEAR(c.wasserstein, w, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ks_and_wasserstein_with_ties),
		cmocka_unit_test(identical_and_disjoint_samples),
		cmocka_unit_test(infinities),
		cmocka_unit_test(deciles_as_numpy),
		cmocka_unit_test(edge_belongs_below),
		cmocka_unit_test(psi_floor_and_js_bounds),
		cmocka_unit_test(chi2_table_and_tail),
		cmocka_unit_test(kolmogorov_tail),
		cmocka_unit_test(categorical_counts),
		cmocka_unit_test(thresholds_decide),
		cmocka_unit_test(column_rule),
		cmocka_unit_test(refusals),
		cmocka_unit_test(radix_sorted_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * monitor/drift.c - two samples compared column by column (mlmd/monitor.h):
 * exact Kolmogorov-Smirnov and Wasserstein-1 on the raw numbers, PSI and
 * Jensen-Shannon over the reference's decile bins, chi-squared over
 * categories. docs/monitoring.md ("stats") states every formula.
 *
 * Numbers are sorted by an LSD radix sort on their IEEE bits (six passes of
 * eleven bits, a pass skipped when every key shares its digit): O(n) time
 * and one scratch array, several times faster than qsort on a million
 * doubles. Categories are counted in an open-addressing hash table of the
 * caller's strings (borrowed, never copied).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/base.h"
#include "mlmd/monitor.h"
#include "stats_int.h"

static void column_init(mlmd_drift_column *out, int kind)
{
	memset(out, 0, sizeof *out);
	out->kind = kind;
	out->ks = out->ks_pvalue = out->wasserstein = NAN;
	out->psi = out->js = out->chi2 = out->chi2_pvalue = NAN;
}

/* ---- sorting doubles -------------------------------------------------------------------- */

/* The key that orders doubles (no NaN) as unsigned integers: negative
 * numbers have every bit flipped, the others only the sign bit. */
static uint64_t key_of(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

static double double_of(uint64_t k)
{
	uint64_t u = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
	double x;
	memcpy(&x, &u, sizeof x);
	return x;
}

#define RADIX_BITS 11
#define RADIX_PASSES 6 /* 66 bits >= 64 */
#define RADIX_SIZE (1u << RADIX_BITS)

/* Sorts keys[0..n) ascending; tmp has room for n keys. */
static void radix_sort(uint64_t *keys, uint64_t *tmp, size_t n)
{
	static const uint64_t mask = RADIX_SIZE - 1;
	size_t (*hist)[RADIX_SIZE] = calloc(RADIX_PASSES, sizeof *hist);
	if (!hist) {
		/* no memory for the histograms (16 bytes per bucket): sort in place */
		for (size_t i = 1; i < n; i++) {
			uint64_t k = keys[i];
			size_t j = i;
			for (; j > 0 && keys[j - 1] > k; j--)
				keys[j] = keys[j - 1];
			keys[j] = k;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < RADIX_PASSES; p++)
			hist[p][(keys[i] >> (p * RADIX_BITS)) & mask]++;
	uint64_t *src = keys, *dst = tmp;
	for (int p = 0; p < RADIX_PASSES; p++) {
		size_t *h = hist[p], sum = 0;
		if (h[(src[0] >> (p * RADIX_BITS)) & mask] == n)
			continue; /* every key has this digit */
		for (size_t b = 0; b < RADIX_SIZE; b++) {
			size_t c = h[b];
			h[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t k = src[i];
			dst[h[(k >> (p * RADIX_BITS)) & mask]++] = k;
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != keys)
		memcpy(keys, src, n * sizeof *keys);
	free(hist);
}

/* The values of x[0..n) that are not NaN, sorted ascending into out (as
 * doubles, -0 read as 0); returns how many. scratch has room for n keys. */
static size_t sorted_present(const double *x, size_t n, double *out, uint64_t *scratch)
{
	uint64_t *keys = (uint64_t *)out; /* same size; turned into doubles in place */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			keys[k++] = key_of(x[i] == 0 ? 0.0 : x[i]);
	if (k > 1)
		radix_sort(keys, scratch, k);
	for (size_t i = 0; i < k; i++) {
		double d = double_of(keys[i]);
		memcpy(&out[i], &d, sizeof d);
	}
	return k;
}

/* ---- numeric ----------------------------------------------------------------------------- */

/* KS D and Wasserstein-1 of two sorted samples in one merge: between two
 * consecutive distinct values t < t' of the union both empirical CDFs are
 * constant, F_a = i/na and F_b = j/nb; D is the largest |F_a - F_b|, W the
 * sum of |F_a - F_b| (t' - t). A step where the CDFs agree adds nothing,
 * even one of infinite length. */
static void ks_wasserstein(const double *a, size_t na, const double *b, size_t nb, double *d, double *w)
{
	size_t i = 0, j = 0;
	double dmax = 0, sum = 0, fa = 0, fb = 0, prev = 0;
	int started = 0;
	while (i < na || j < nb) {
		double x = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
		if (started && fa != fb)
			sum += fabs(fa - fb) * (x - prev);
		while (i < na && a[i] == x)
			i++;
		while (j < nb && b[j] == x)
			j++;
		fa = (double)i / (double)na;
		fb = (double)j / (double)nb;
		double g = fabs(fa - fb);
		if (g > dmax)
			dmax = g;
		prev = x;
		started = 1;
	}
	*d = dmax;
	*w = sum;
}

int mlmd_drift_numeric(const double *reference, size_t n_reference, const double *current, size_t n_current,
		       const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	if (!out || (n_reference && !reference) || (n_current && !current))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_drift_numeric: NULL argument");
	column_init(out, MLMD_COLUMN_NUMERIC);
	size_t nmax = n_reference > n_current ? n_reference : n_current;
	if (nmax > SIZE_MAX / 3 / sizeof(double))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_drift_numeric: %zu values are too many", nmax);
	double *a = malloc((n_reference ? n_reference : 1) * sizeof *a);
	double *b = malloc((n_current ? n_current : 1) * sizeof *b);
	uint64_t *scratch = malloc((nmax ? nmax : 1) * sizeof *scratch);
	if (!a || !b || !scratch) {
		free(a), free(b), free(scratch);
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_drift_numeric: out of memory for %zu values", nmax);
	}
	size_t na = sorted_present(reference, n_reference, a, scratch);
	size_t nb = sorted_present(current, n_current, b, scratch);
	free(scratch);
	out->n_reference = (int64_t)na;
	out->n_current = (int64_t)nb;
	out->missing_reference = (int64_t)(n_reference - na);
	out->missing_current = (int64_t)(n_current - nb);
	if (!na || !nb) {
		free(a), free(b);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_drift_numeric: the %s sample has no value present (%zu missing)",
				  !na ? "reference" : "current", !na ? n_reference : n_current);
	}
	ks_wasserstein(a, na, b, nb, &out->ks, &out->wasserstein);
	out->ks_pvalue = mlmd_stat_ks_pvalue(out->ks, (int64_t)na, (int64_t)nb);
	double edges[9], pq[20];
	int64_t ca[10], cb[10];
	mlmd_stat_deciles(a, na, edges);
	mlmd__stat_count_bins(a, na, edges, ca);
	mlmd__stat_count_bins(b, nb, edges, cb);
	mlmd__stat_psi_js(ca, (int64_t)na, cb, (int64_t)nb, 10, pq, &out->psi, &out->js);
	free(a), free(b);
	double tpsi, tp;
	mlmd__stat_thresholds(th, &tpsi, &tp);
	out->drift = out->psi >= tpsi || out->ks_pvalue < tp;
	return 0;
}

/* ---- categorical ------------------------------------------------------------------------- */

typedef struct cat_slot {
	const char *s;          /* NULL: empty slot */
	uint64_t hash;
	int64_t count[2];       /* reference, current */
} cat_slot;

typedef struct cat_table {
	cat_slot *slots;
	size_t cap, used;       /* cap a power of two, used <= cap / 2 */
} cat_table;

static int cat_grow(cat_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(cat_slot))
		return -1;
	cat_slot *s = calloc(cap, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].s)
			continue;
		size_t at = t->slots[i].hash & (cap - 1);
		while (s[at].s)
			at = (at + 1) & (cap - 1);
		s[at] = t->slots[i];
	}
	free(t->slots);
	t->slots = s;
	t->cap = cap;
	return 0;
}

static int cat_add(cat_table *t, const char *v, int side)
{
	if ((t->used + 1) * 2 > t->cap && cat_grow(t))
		return -1;
	uint64_t h = mlmd__stat_hash(v);
	size_t at = h & (t->cap - 1);
	while (t->slots[at].s && (t->slots[at].hash != h || strcmp(t->slots[at].s, v)))
		at = (at + 1) & (t->cap - 1);
	if (!t->slots[at].s) {
		t->slots[at].s = v;
		t->slots[at].hash = h;
		t->used++;
	}
	t->slots[at].count[side]++;
	return 0;
}

static int cmp_slot(const void *x, const void *y)
{
	return strcmp(((const cat_slot *)x)->s, ((const cat_slot *)y)->s);
}

int mlmd_drift_categorical(const char *const *reference, size_t n_reference, const char *const *current,
			   size_t n_current, const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	if (!out || (n_reference && !reference) || (n_current && !current))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_drift_categorical: NULL argument");
	column_init(out, MLMD_COLUMN_CATEGORICAL);
	cat_table t = { NULL, 0, 0 };
	const char *const *side[2] = { reference, current };
	size_t n[2] = { n_reference, n_current };
	int64_t present[2] = { 0, 0 };
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < n[s]; i++) {
			const char *v = side[s][i];
			if (!v || !*v)
				continue;
			present[s]++;
			if (cat_add(&t, v, s)) {
				free(t.slots);
				return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_drift_categorical: out of memory for %zu categories",
						  t.used);
			}
		}
	out->n_reference = present[0];
	out->n_current = present[1];
	out->missing_reference = (int64_t)n_reference - present[0];
	out->missing_current = (int64_t)n_current - present[1];
	if (!present[0] || !present[1]) {
		free(t.slots);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_drift_categorical: the %s sample has no value present (%zu missing)",
				  !present[0] ? "reference" : "current", !present[0] ? n_reference : n_current);
	}
	/* the categories in byte order, so the sums do not depend on the table's layout */
	size_t k = 0;
	for (size_t i = 0; i < t.cap; i++)
		if (t.slots[i].s)
			t.slots[k++] = t.slots[i];
	qsort(t.slots, k, sizeof *t.slots, cmp_slot);
	int64_t *counts = malloc(2 * k * sizeof *counts);
	double *pq = malloc(2 * k * sizeof *pq);
	if (!counts || !pq) {
		free(counts), free(pq), free(t.slots);
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_drift_categorical: out of memory for %zu categories", k);
	}
	for (size_t i = 0; i < k; i++) {
		counts[i] = t.slots[i].count[0];
		counts[k + i] = t.slots[i].count[1];
	}
	free(t.slots);
	int rc = mlmd_stat_chi2(counts, counts + k, k, &out->chi2, &out->chi2_pvalue, &out->chi2_dof);
	if (!rc) {
		mlmd__stat_psi_js(counts, present[0], counts + k, present[1], k, pq, &out->psi, &out->js);
		double tpsi, tp;
		mlmd__stat_thresholds(th, &tpsi, &tp);
		out->drift = out->psi >= tpsi || out->chi2_pvalue < tp;
	}
	free(counts), free(pq);
	return rc;
}

/*
 * monitor/stats.c - the statistics drift is judged by, over proportions and
 * counts: PSI, Jensen-Shannon distance, chi-squared with its p-value, the
 * Kolmogorov distribution's tail, deciles and binning, and the rule that
 * says whether a column of text is numeric. docs/monitoring.md states each
 * formula; the functions follow it term by term.
 */
#include <math.h>
#include <string.h>
#include "../util/base.h"
#include "mlmd/monitor.h"
#include "stats_int.h"

#define PSI_FLOOR 1e-4

double mlmd_stat_psi(const double *p, const double *q, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++) {
		double a = p[i] > 0 ? p[i] : PSI_FLOOR, b = q[i] > 0 ? q[i] : PSI_FLOOR;
		s += (b - a) * log(b / a);
	}
	return s;
}

double mlmd_stat_js(const double *p, const double *q, size_t k)
{
	double d = 0;
	for (size_t i = 0; i < k; i++) {
		double m = (p[i] + q[i]) / 2;
		if (p[i] > 0)
			d += p[i] * log2(p[i] / m) / 2;
		if (q[i] > 0)
			d += q[i] * log2(q[i] / m) / 2;
	}
	/* rounding can leave a hair below zero or above one */
	return d <= 0 ? 0 : d >= 1 ? 1 : sqrt(d);
}

/* The regularized upper incomplete gamma function Q(a, x): a series for
 * x < a + 1, a continued fraction (modified Lentz) otherwise. */
static double gamma_q(double a, double x)
{
	if (x <= 0)
		return 1;
	double lg = lgamma(a);
	if (x < a + 1) {
		double term = 1 / a, sum = term;
		for (int n = 1; n < 100000; n++) {
			term *= x / (a + n);
			sum += term;
			if (fabs(term) < fabs(sum) * 1e-17)
				break;
		}
		double p = sum * exp(-x + a * log(x) - lg);
		return p >= 1 ? 0 : 1 - p;
	}
	double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
	for (int i = 1; i < 100000; i++) {
		double an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return exp(-x + a * log(x) - lg) * h;
}

double mlmd_stat_chi2_sf(double x, double dof)
{
	if (!(dof > 0) || isnan(x))
		return NAN;
	if (isinf(x))
		return x > 0 ? 0 : 1;
	return gamma_q(dof / 2, x / 2);
}

int mlmd_stat_chi2(const int64_t *reference, const int64_t *current, size_t k, double *chi2, double *pvalue,
		   int64_t *dof)
{
	if (!chi2 || !pvalue || !dof || (k && (!reference || !current)))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_stat_chi2: NULL argument");
	double nr = 0, nc = 0;
	size_t used = 0;
	for (size_t i = 0; i < k; i++) {
		if (reference[i] < 0 || current[i] < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_stat_chi2: count %zu is negative", i);
		nr += (double)reference[i];
		nc += (double)current[i];
		used += reference[i] + current[i] > 0;
	}
	*chi2 = 0;
	*pvalue = 1;
	*dof = 0;
	if (used < 2 || nr == 0 || nc == 0)
		return 0;
	double n = nr + nc, s = 0;
	for (size_t i = 0; i < k; i++) {
		double col = (double)reference[i] + (double)current[i];
		if (col == 0)
			continue;
		double er = nr * col / n, ec = nc * col / n;
		double dr = (double)reference[i] - er, dc = (double)current[i] - ec;
		s += dr * dr / er + dc * dc / ec;
	}
	*chi2 = s;
	*dof = (int64_t)used - 1;
	*pvalue = mlmd_stat_chi2_sf(s, (double)*dof);
	return 0;
}

double mlmd_stat_ks_pvalue(double d, int64_t n, int64_t m)
{
	if (n <= 0 || m <= 0 || isnan(d))
		return NAN;
	double lambda = sqrt((double)n * (double)m / ((double)n + (double)m)) * d;
	/* Q(lambda) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2); the series
	 * converges slowly as lambda -> 0, where Q is 1 to double precision. */
	if (lambda < 0.2)
		return 1;
	double s = 0;
	for (int k = 1; k <= 200; k++) {
		double t = exp(-2.0 * k * k * lambda * lambda);
		s += (k & 1) ? t : -t;
		if (t < 1e-18)
			break;
	}
	s *= 2;
	return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* numpy's interpolation between order statistics a <= b at fraction f:
 * a + (b - a) f below one half, b - (b - a)(1 - f) from one half on (the
 * same rounding as numpy.percentile). With an infinite statistic the
 * formula would give NaN or overflow: a = b (or f = 0) gives a, an
 * infinite a gives a, an infinite b gives b. */
static double lerp(double a, double b, double f)
{
	if (a == b || f == 0 || isinf(a))
		return a;
	if (isinf(b))
		return b;
	double d = b - a;
	return f >= 0.5 ? b - d * (1 - f) : a + d * f;
}

void mlmd_stat_deciles(const double *sorted, size_t n, double edges[9])
{
	for (int j = 1; j <= 9; j++) {
		/* numpy's virtual index (n - 1) q, q the double nearest j / 10 */
		double h = (double)(n - 1) * (j / 10.0);
		size_t lo = (size_t)floor(h);
		if (lo > n - 1)
			lo = n - 1;
		size_t hi = lo + 1 < n ? lo + 1 : lo;
		edges[j - 1] = lerp(sorted[lo], sorted[hi], h - (double)lo);
	}
}

int mlmd_stat_bin(const double *edges, int n_edges, double x)
{
	/* the first edge >= x: a value equal to an edge falls in the bin below */
	int lo = 0, hi = n_edges;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (edges[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s;
}

int mlmd_column_classify(const char *const *values, size_t n, double *numbers)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = values[i];
		double x = NAN;
		/* empty, blank and "nan" are missing (x stays or becomes NaN) */
		if (v && !blank(v) && mlmd__parse_double(v, strlen(v), MLMD_NUM_TRIM | MLMD_NUM_NONFINITE, &x))
			return MLMD_COLUMN_CATEGORICAL;
		if (numbers)
			numbers[i] = x;
	}
	return MLMD_COLUMN_NUMERIC;
}

/* ---- steps drift.c and profile.c share (stats_int.h) ---------------------------------- */

void mlmd__stat_thresholds(const mlmd_drift_thresholds *th, double *psi, double *pvalue)
{
	*psi = th && th->psi > 0 ? th->psi : MLMD_DRIFT_PSI;
	*pvalue = th && th->pvalue > 0 ? th->pvalue : MLMD_DRIFT_PVALUE;
}

void mlmd__stat_count_bins(const double *x, size_t n, const double edges[9], int64_t counts[10])
{
	memset(counts, 0, 10 * sizeof *counts);
	for (size_t i = 0; i < n; i++)
		counts[mlmd_stat_bin(edges, 9, x[i])]++;
}

void mlmd__stat_psi_js(const int64_t *ref, int64_t n_ref, const int64_t *cur, int64_t n_cur, size_t k, double *pq,
		       double *psi, double *js)
{
	for (size_t i = 0; i < k; i++) {
		pq[i] = (double)ref[i] / (double)n_ref;
		pq[k + i] = (double)cur[i] / (double)n_cur;
	}
	*psi = mlmd_stat_psi(pq, pq + k, k);
	*js = mlmd_stat_js(pq, pq + k, k);
}

uint64_t mlmd__stat_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* the FNV offset basis */
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		h = (h ^ *u) * 1099511628211ull;
	return h;
}

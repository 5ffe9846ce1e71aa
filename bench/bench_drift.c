/*
 * bench/bench_drift.c - the two-sample statistics on two one-million-row
 * numeric columns (normal samples, the current one shifted): the time of
 * mlmd_drift_numeric (copy, sort, KS, Wasserstein, deciles, bins), next to
 * qsort of the same two columns as the baseline measured in the same run;
 * then, with the mlmd binary given, `mlmd drift --json` on the same columns
 * written as CSV files (reading and parsing included).
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread; in each repetition the baseline's qsort runs next to
 * mlmd_drift_numeric (in turns: ours first in even repetitions), and the
 * ratio is taken per pair.
 *
 *   bench_drift DIR [MLMD] [--rows N]
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "bench.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void write_csv(const char *path, const double *x, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs("x\n", f);
	char buf[40];
	for (size_t i = 0; i < n; i++) {
		mlmd_double_format(buf, sizeof buf, x[i], 0);
		fputs(buf, f);
		fputc('\n', f);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *cli = NULL;
	size_t n = 1000000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rows") && i + 1 < argc)
			n = (size_t)strtoull(argv[++i], NULL, 10);
		else if (!dir)
			dir = argv[i];
		else
			cli = argv[i];
	}
	if (!dir || n < 10) {
		fprintf(stderr, "usage: bench_drift DIR [MLMD] [--rows N]\n");
		return 2;
	}
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *t = malloc(2 * n * sizeof *t);
	if (!a || !b || !t)
		return 1;
	for (size_t i = 0; i < n; i++) {
		a[i] = normal();
		b[i] = 0.05 + 1.02 * normal();
	}
	/* ours and the baseline (qsort of both columns), in turns */
	int reps = bench_rep_count();
	bench_reps ours = { 0 }, base = { 0 }, ratio = { 0 };
	mlmd_drift_column c;
	memset(&c, 0, sizeof c);
	for (int rep = 0; rep < reps; rep++) {
		double dt[2] = { 0, 0 };
		for (int k = 0; k < 2; k++) {
			int which = k ^ (rep & 1); /* 0: ours, 1: the baseline */
			if (which) {
				memcpy(t, a, n * sizeof *t);
				memcpy(t + n, b, n * sizeof *t);
			}
			double t0 = now_s();
			if (which) {
				qsort(t, n, sizeof *t, cmp_double);
				qsort(t + n, n, sizeof *t, cmp_double);
			} else if (mlmd_drift_numeric(a, n, b, n, NULL, &c)) {
				die("mlmd_drift_numeric");
			}
			dt[which] = now_s() - t0;
		}
		bench_reps_add(&ours, dt[0]);
		bench_reps_add(&base, dt[1]);
		bench_reps_add(&ratio, dt[0] / dt[1]);
	}
	printf("drift: 2 x %zu rows; ks %.5f p %.3g wasserstein %.5f psi %.5f js %.5f; median of %d repetitions, "
	       "\u00b1 the range over the median\n", n, c.ks, c.ks_pvalue, c.wasserstein, c.psi, c.js, reps);
	bench_head("", "mlmd seconds", "qsort seconds", "mlmd/qsort");
	bench_row("drift: mlmd_drift_numeric vs qsort of both", "%.3f", &ours, &base, "%.2f", &ratio);
	if (cli) {
		char ref[1024], cur[1024], cmd[4096];
		snprintf(ref, sizeof ref, "%s/drift_ref.csv", dir);
		snprintf(cur, sizeof cur, "%s/drift_cur.csv", dir);
		write_csv(ref, a, n);
		write_csv(cur, b, n);
		snprintf(cmd, sizeof cmd, "'%s' drift --reference '%s' --current '%s' --json > /dev/null", cli, ref, cur);
		bench_reps secs = { 0 };
		for (int rep = 0; rep < reps; rep++) {
			double t0 = now_s();
			if (system(cmd)) {
				fprintf(stderr, "bench: %s failed\n", cmd);
				return 1;
			}
			bench_reps_add(&secs, now_s() - t0);
		}
		bench_row("drift: mlmd drift --json on the CSV files", "%.3f", &secs, NULL, NULL, NULL);
		unlink(ref);
		unlink(cur);
	}
	free(a), free(b), free(t);
	return 0;
}

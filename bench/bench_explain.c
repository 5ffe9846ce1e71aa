/*
 * bench/bench_explain.c - TreeSHAP (mlmd_explainer, tree_path_dependent)
 * against libxgboost's pred_contribs (XGBoosterPredictFromDMatrix,
 * "type":2; in-place prediction has no contributions in 1.7) on the same
 * XGBoost model and rows, both single-threaded; XGBoost's DMatrices are
 * built before the clock starts, so only its prediction is timed. Checks first
 * that the contributions agree (float32 tolerance), then prints rows/s of
 * each in batches of 1 and 1,000 rows and the ratio mlmd / libxgboost: the
 * median of MLMD_BENCH_REPS repetitions (default 5) with its spread, each
 * repetition a run of ours and one of libxgboost's (each SECONDS_PER_CASE /
 * repetitions long, ours first in even repetitions), the ratio per pair.
 *
 *   bench_explain MODEL.json [SECONDS_PER_CASE]
 * The model is bench_scorer's (100 trees, depth 6, 20 features).
 */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>
#include <xgboost/version_config.h>
#include "bench.h"

#define FEATURES 20
#define ROWS 3000

static BoosterHandle booster;
static char config[] = "{\"type\":2,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,"
	"\"strict_shape\":false}";
static DMatrixHandle *mats[2];  /* per batch size: the DMatrix of each batch */

static void xgb_check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench_explain: %s: %s\n", what, XGBGetLastError());
		exit(1);
	}
}

static DMatrixHandle xgb_matrix(const float *x, long n)
{
	DMatrixHandle d;
	xgb_check(XGDMatrixCreateFromMat(x, (bst_ulong)n, FEATURES, NAN, &d), "DMatrix");
	return d;
}

/* libxgboost's contributions for the rows of d: n x (FEATURES + 1) floats (bias last). */
static const float *xgb_contribs(DMatrixHandle d)
{
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;
	xgb_check(XGBoosterPredictFromDMatrix(booster, d, config, &shape, &dim, &res), "predict");
	return res;
}

static void mlmd_contribs(const mlmd_explainer *e, mlmd_score_ctx *ctx, const float *x, long n, double *out)
{
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { n, FEATURES }, .data = (void *)x };
	if (mlmd_explainer_explain(e, ctx, &in, 1, out, (size_t)n * (FEATURES + 1), NULL))
		die("explain");
}

/* Rows per second of `which` (0: mlmd, 1: libxgboost) explaining batches of
 * b rows, passing over the rows until secs have gone by; the clock is read
 * after every batch, so a slow machine does not stretch a run to whole
 * passes (one pass at batch 1000 is 3000 rows). */
static double run(int which, int bi, const mlmd_explainer *e, mlmd_score_ctx *ctx, const float *x, double *out, long b,
	double secs)
{
	long rows = 0;
	double t0 = now_s(), t = t0;
	while (t - t0 < secs)
		for (long r = 0; r + b <= ROWS && (b > 100 || r < 500) && (t = now_s()) - t0 < secs; r += b) {
			if (which)
				xgb_contribs(mats[bi][r / b]);
			else
				mlmd_contribs(e, ctx, x + r * FEATURES, b, out);
			rows += b;
		}
	return rows / (t - t0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_explain MODEL.json [SECONDS_PER_CASE]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof cpus, &cpus);

	mlmd_model *m;
	if (mlmd_model_load_file(&m, argv[1]))
		die("load");
	mlmd_score_ctx *ctx;
	mlmd_explainer *e;
	if (mlmd_score_ctx_new(&ctx))
		die("context");
	double t0 = now_s();
	if (mlmd_explainer_new(&e, m, NULL, 0))
		die("explainer");
	double build = now_s() - t0;
	xgb_check(XGBoosterCreate(NULL, 0, &booster), "create");
	xgb_check(XGBoosterLoadModel(booster, argv[1]), "load");
	xgb_check(XGBoosterSetParam(booster, "nthread", "1"), "nthread");

	float *x = malloc(sizeof(float) * ROWS * FEATURES);
	double *a = malloc(sizeof(double) * ROWS * (FEATURES + 1));
	uint64_t s = 88172645463325252ull;
	for (long i = 0; i < (long)ROWS * FEATURES; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		x[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 4.0 - 2.0);
		if (i % 97 == 0)
			x[i] = NAN;
	}
	/* the same contributions, to float precision, on every row */
	mlmd_contribs(e, ctx, x, ROWS, a);
	DMatrixHandle all = xgb_matrix(x, ROWS);
	const float *b = xgb_contribs(all);
	double worst = 0;
	long bad = 0;
	for (long i = 0; i < (long)ROWS * (FEATURES + 1); i++) {
		double d = fabs(a[i] - (double)b[i]);
		worst = d > worst ? d : worst;
		bad += d > 1e-4;
	}
	printf("bench_explain: XGBoost model %s, %d features, %d rows (1%% NaN); TreeSHAP vs libxgboost %d.%d "
		"pred_contribs: largest difference %.3g, %ld above 1e-4; explainer built in %.3f s\n", argv[1], FEATURES, ROWS,
		XGBOOST_VER_MAJOR, XGBOOST_VER_MINOR, worst, bad, build);
	if (bad)
		return 1;
	long batches[2] = { 1, 1000 };
	for (int k = 0; k < 2; k++) {
		long nm = batches[k] > 100 ? ROWS / batches[k] : 500;
		mats[k] = malloc(sizeof(DMatrixHandle) * (size_t)nm);
		for (long q = 0; q < nm; q++)
			mats[k][q] = xgb_matrix(x + q * batches[k] * FEATURES, batches[k]);
	}
	int ok = 1, reps = bench_rep_count();
	printf("median of %d repetitions, \u00b1 the range over the median (target: mlmd/libxgboost >= 2x)\n", reps);
	bench_head("batch (rows)", "mlmd rows/s", "libxgboost rows/s", "mlmd/libxgboost");
	for (int k = 0; k < 2; k++) {
		bench_reps ours = { 0 }, theirs = { 0 }, ratio = { 0 };
		for (int rep = 0; rep < reps; rep++) {
			double v[2] = { 0, 0 };
			for (int j = 0; j < 2; j++) {
				int which = j ^ (rep & 1);
				v[which] = run(which, k, e, ctx, x, a, batches[k], secs / reps);
			}
			bench_reps_add(&ours, v[0]);
			bench_reps_add(&theirs, v[1]);
			bench_reps_add(&ratio, v[0] / v[1]);
		}
		ok &= bench_median(&ratio) >= 2.0;
		char name[32];
		snprintf(name, sizeof name, "%ld", batches[k]);
		bench_row(name, "%.0f", &ours, &theirs, "%.2fx", &ratio);
	}
	printf("bench_explain: targets %s\n", ok ? "met" : "NOT met");
	for (int k = 0; k < 2; k++) {
		long nm = batches[k] > 100 ? ROWS / batches[k] : 500;
		for (long q = 0; q < nm; q++)
			XGDMatrixFree(mats[k][q]);
		free(mats[k]);
	}
	XGDMatrixFree(all);
	XGBoosterFree(booster);
	mlmd_explainer_free(e);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
	free(x);
	free(a);
	return 0;
}

/*
 * bench/bench_serving.c - the cost of governed serving: the same model and
 * rows scored with mlmd_model_score() directly and through a scorer that
 * records statistics (flushing every 100 ms from its background thread),
 * single-threaded, at batches of 100 and 1000 rows. Prints rows/s and the
 * overhead as the time ratio recording/plain; the target is at most 1.05
 * (5 %) at batch >= 100.
 *
 * Then drift monitoring (docs/monitoring.md "serving"): the model gets a
 * reference profile of its 20 input columns (from the first 10000 rows),
 * and the same recording scorer with drift counting on (every row's 20
 * values binned into the profile) is compared with one opened with drift
 * OFF, at batch 100, alternating in the same run; the target is at most
 * 10 % slower (a time ratio of 1.10).
 *
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread; a repetition runs each side of a comparison for
 * SECONDS_PER_CASE / repetitions, in turns (the baseline first in even
 * repetitions), and the ratio is taken per pair.
 *
 *   bench_serving MODEL DIR [SECONDS_PER_CASE]
 */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define FEATURES 20
#define ROWS 100000

static double run(mlmd_model *m, mlmd_score_ctx *sc, mlmd_scorer_ctx *c, const float *x, float *out, long b,
	double secs)
{
	long rows = 0;
	double t0 = now_s(), t;
	do {
		for (long r = 0; r + b <= ROWS; r += b) {
			mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { b, FEATURES },
				.data = (void *)(x + r * FEATURES) };
			mlmd_tensor o = { .data = out + r, .capacity = (size_t)b };
			if (c ? mlmd_scorer_score(c, &in, 1, &o, 1) : mlmd_model_score(m, sc, &in, 1, &o, 1))
				die("score");
			rows += b;
		}
		t = now_s();
	} while (t - t0 < secs);
	return rows / (t - t0);
}

/* One row: the scorer context `c` (ours) against `base` (NULL: the model
 * scored directly), in turns, `reps` times; rows/s of each and the time
 * ratio ours/base per pair. */
static void compare(mlmd_model *m, mlmd_score_ctx *sc, mlmd_scorer_ctx *base, mlmd_scorer_ctx *c, const float *x,
	float *out, long b, double secs, int reps)
{
	bench_reps ours = { 0 }, theirs = { 0 }, ratio = { 0 };
	for (int rep = 0; rep < reps; rep++) {
		double v[2] = { 0, 0 };
		for (int j = 0; j < 2; j++) {
			int which = j ^ (rep & 1); /* 0: the baseline, 1: ours */
			v[which] = run(m, sc, which ? c : base, x, out, b, secs / reps);
		}
		bench_reps_add(&ours, v[1]);
		bench_reps_add(&theirs, v[0]);
		bench_reps_add(&ratio, v[0] / v[1]); /* rows/s base / rows/s ours = time ours / time base */
	}
	char name[32];
	snprintf(name, sizeof name, "%ld", b);
	bench_row(name, "%.0f", &ours, &theirs, "%.3f", &ratio);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_serving MODEL DIR [SECONDS_PER_CASE]\n");
		return 2;
	}
	double secs = argc > 3 ? atof(argv[3]) : 1.0;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof cpus, &cpus); /* scoring on one core; the flush thread may run on another */
	char db[1024], uri[1100];
	snprintf(db, sizeof db, "%s/serving.db", argv[2]);
	rm_db(db);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	mlmd_store *st;
	if (mlmd_store_open(&st, &so))
		die("store");
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = argv[1];
	ro.name = "bench";
	int64_t id;
	if (mlmd_model_record(st, &ro, &id))
		die("record");
	mlmd_model *m;
	if (mlmd_model_load_file(&m, argv[1]))
		die("load");
	mlmd_score_ctx *sc;
	if (mlmd_score_ctx_new(&sc))
		die("context");
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = id;
	o.flush_interval_ms = 100;
	mlmd_scorer *s;
	mlmd_scorer_ctx *c;
	if (mlmd_scorer_open(&s, &o) || mlmd_scorer_ctx_new(s, &c))
		die("scorer");
	float *x = malloc(sizeof(float) * ROWS * FEATURES), *out = malloc(sizeof(float) * ROWS);
	uint64_t r = 88172645463325252ull;
	for (long i = 0; i < (long)ROWS * FEATURES; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		x[i] = (float)((double)(r >> 11) / 9007199254740992.0 * 4.0 - 2.0);
	}
	/* the reference profile of the drift case: the first 10000 rows, column by column */
	{
		enum { PROFILE_ROWS = 10000 };
		double *cols = malloc(sizeof(double) * PROFILE_ROWS * FEATURES);
		mlmd_profile_input in[FEATURES];
		char names[FEATURES][8];
		for (int f = 0; f < FEATURES; f++) {
			for (long i = 0; i < PROFILE_ROWS; i++)
				cols[f * PROFILE_ROWS + i] = x[i * FEATURES + f];
			snprintf(names[f], sizeof names[f], "f%d", f);
			in[f] = (mlmd_profile_input){ names[f], PROFILE_ROWS, cols + f * PROFILE_ROWS, NULL };
		}
		mlmd_profile *p;
		if (mlmd_profile_build(&p, in, FEATURES, NULL) || mlmd_profile_record(st, id, NULL, p, 0, NULL, NULL))
			die("profile");
		mlmd_profile_free(p);
		free(cols);
	}
	mlmd_store_free(st);
	printf("bench_serving: %s, scoring with recording (ModelServing statistics, flush every 100 ms) vs plain\n",
		argv[1]);
	int reps = bench_rep_count();
	printf("median of %d repetitions, \u00b1 the range over the median (target: recording/plain time <= 1.05)\n",
	       reps);
	bench_head("batch (rows)", "recording rows/s", "plain rows/s", "recording/plain time");
	long batches[2] = { 100, 1000 };
	for (int k = 0; k < 2; k++)
		compare(m, sc, NULL, c, x, out, batches[k], secs, reps);
	mlmd_scorer_ctx_free(c);
	if (mlmd_scorer_free(s))
		die("close");
	/* drift counting on vs off, both recording */
	mlmd_scorer *sd[2];
	mlmd_scorer_ctx *cd[2];
	for (int k = 0; k < 2; k++) {
		o.drift = k ? MLMD_DRIFT_REQUIRE : MLMD_DRIFT_OFF;
		o.deployment = k ? "drift-on" : "drift-off";
		if (mlmd_scorer_open(&sd[k], &o) || mlmd_scorer_ctx_new(sd[k], &cd[k]))
			die("drift scorer");
	}
	if (mlmd_scorer_drift_monitored(sd[0]) || !mlmd_scorer_drift_monitored(sd[1]))
		die("drift monitoring");
	printf("\ndrift monitoring (%d columns binned per row into the profile's deciles, a window per flush; target: "
	       "on/off time <= 1.10)\n", FEATURES);
	bench_head("batch (rows)", "drift on rows/s", "drift off rows/s", "on/off time");
	compare(m, sc, cd[0], cd[1], x, out, 100, secs, reps);
	for (int k = 0; k < 2; k++) {
		mlmd_scorer_ctx_free(cd[k]);
		if (mlmd_scorer_free(sd[k]))
			die("close");
	}
	mlmd_score_ctx_free(sc);
	mlmd_model_free(m);
	free(x);
	free(out);
	return 0;
}

/*
 * bench/bench_sql.c - scoring inside SQLite (mlmd/sqlite.h) against the
 * other ways to score the same rows, in one run:
 *   SQL    SELECT sum(mlmd_score('bench@prod', c0, ..., c19)) FROM t
 *          (a host-held connection, mlmd_sqlite_register; one statement:
 *          the model is verified, gated and recorded once, rows scored one
 *          at a time through the statement's scorer)
 *   CLI    mlmd score --model bench@prod on the same rows as CSV
 *   batch  mlmd_model_score() on batches of 1000 rows in memory
 * and many short statements (SHORT statements of 100 rows each,
 * SELECT sum(mlmd_score(...)) FROM t WHERE rowid BETWEEN ...), prepared and
 * finalized one after another on one connection, which keeps the model
 * loaded across them (each restarts the cached scorer: a new serving
 * execution, the gate checked), against the same statements each on a new
 * connection, which loads the model for every statement as the SQL functions
 * did before the cache (SHORT / 10 of those, at least 10: they are slow).
 * Usage: bench_sql MODEL.json DIR MLMD_CLI [ROWS [SHORT]]   (ROWS default
 * 1000000, at least 100; SHORT default 1000)
 * The model has 20 float inputs (make build/bench/xgb100.json). The sums of
 * the SQL and batch predictions are compared, so the figures are for the
 * same work.
 *
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread. The rows are cut into one slice per repetition (so the
 * whole run scores ROWS rows each way, as one pass did before): a
 * repetition scores its slice by SQL (WHERE rowid BETWEEN), the batch API
 * and the CLI (on a CSV file of the slice) in turns, and its share of the
 * short statements, cached and on new connections, in turns; ratios are
 * taken per repetition.
 */
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include "bench.h"
#include "mlmd/sqlite.h"

#define F 20

/* The value of row r, column c: deterministic, in [0, 100). */
static float cell(long r, int c)
{
	uint64_t x = (uint64_t)r * 0x9E3779B97F4A7C15ull + (uint64_t)c * 0xBF58476D1CE4E5B9ull;
	x ^= x >> 31;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 29;
	return (float)(x % 100000) / 1000.0f;
}

static void sql_ok(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench_sql: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

/* The first row of slice k of n rows cut in `parts` (slice `parts` is n). */
static long slice(long n, int parts, int k)
{
	return (long)((double)n * k / parts);
}

#define BATCH 1000

/* Rows [lo, hi) scored with mlmd_model_score, BATCH a call; the seconds of
 * the calls (filling the input is not timed); the sum of the predictions
 * is added to *sum. */
static double batch(mlmd_model *m, mlmd_score_ctx *ctx, float *x, float *y, long lo, long hi, double *sum)
{
	double t = 0;
	for (long r0 = lo; r0 < hi; r0 += BATCH) {
		long n = hi - r0 < BATCH ? hi - r0 : BATCH;
		for (long r = 0; r < n; r++)
			for (int c = 0; c < F; c++)
				x[r * F + c] = cell(r0 + r, c);
		mlmd_tensor in = { MLMD_DTYPE_FLOAT, 2, { n, F }, x, 0 };
		mlmd_tensor out = { MLMD_DTYPE_FLOAT, 0, { 0 }, y, BATCH };
		double b0 = now_s();
		if (mlmd_model_score(m, ctx, &in, 1, &out, 1))
			die("batch score");
		t += now_s() - b0;
		for (long r = 0; r < n; r++)
			*sum += y[r];
	}
	return t;
}

/* The 100 rows short statement i reads start at this rowid. */
static long short_first(long i, long rows)
{
	return (i * 100) % (rows - 99) + 1;
}

/* Short statements [i0, i1) prepared and finalized one after another on
 * db (the model cached on the connection); the sum of the results of those
 * with i < n_old (the ones short_new runs too). */
static double short_cached(sqlite3 *db, const char *sel, long rows, long i0, long i1, long n_old)
{
	double sum = 0;
	for (long i = i0; i < i1; i++) {
		sqlite3_stmt *s;
		sql_ok(db, sqlite3_prepare_v2(db, sel, -1, &s, NULL), "short select");
		sqlite3_bind_int64(s, 1, short_first(i, rows));
		sqlite3_bind_int64(s, 2, short_first(i, rows) + 99);
		sql_ok(db, sqlite3_step(s), "short select");
		if (i < n_old)
			sum += sqlite3_column_double(s, 0);
		sqlite3_finalize(s);
	}
	return sum;
}

/* Short statements [i0, i1), each on a new connection to the data file (a
 * model load each, as before the cache); the sum of their results. */
static double short_new(const char *path, const mlmd_sqlite_options *so, const char *sel, long rows, long i0, long i1)
{
	double sum = 0;
	for (long i = i0; i < i1; i++) {
		sqlite3 *one;
		sqlite3_stmt *s;
		sql_ok(NULL, sqlite3_open(path, &one) == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR, path);
		if (mlmd_sqlite_register(one, so))
			die("mlmd_sqlite_register");
		sql_ok(one, sqlite3_prepare_v2(one, sel, -1, &s, NULL), "short select");
		sqlite3_bind_int64(s, 1, short_first(i, rows));
		sqlite3_bind_int64(s, 2, short_first(i, rows) + 99);
		sql_ok(one, sqlite3_step(s), "short select");
		sum += sqlite3_column_double(s, 0);
		sqlite3_finalize(s);
		sqlite3_close(one);
	}
	return sum;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_sql MODEL.json DIR MLMD_CLI [ROWS]\n");
		return 2;
	}
	const char *model_path = argv[1], *dir = argv[2], *cli = argv[3];
	long rows = argc > 4 ? atol(argv[4]) : 1000000;
	long n_short = argc > 5 ? atol(argv[5]) : 1000;
	if (rows < 100 || n_short <= 0) {
		fprintf(stderr, "bench_sql: ROWS must be at least 100 and SHORT positive\n");
		return 2;
	}
	long n_old = n_short / 10 < 10 ? 10 : n_short / 10;
	char store_path[1024], data_path[1024], csv_path[1024], uri[1100];
	snprintf(store_path, sizeof store_path, "%s/bench_sql_store.db", dir);
	snprintf(data_path, sizeof data_path, "%s/bench_sql_data.db", dir);
	snprintf(csv_path, sizeof csv_path, "%s/bench_sql.csv", dir);
	snprintf(uri, sizeof uri, "sqlite:%s", store_path);

	/* the store: the model recorded and registered as bench@prod */
	mlmd_store *st = bench_open_sqlite(store_path, 1, "bench");
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = model_path;
	ro.name = "xgb100";
	int64_t aid;
	if (mlmd_model_record(st, &ro, &aid) || mlmd_registry_create_model(st, "bench", NULL, NULL, 0, NULL) ||
		mlmd_registry_create_version(st, "bench", aid, 0, NULL, NULL, 0, NULL) ||
		mlmd_registry_set_alias(st, "bench", "prod", 1))
		die("registering the model");
	mlmd_store_free(st);

	/* the rows: a table of 20 REAL columns, and the same as CSV */
	rm_db(data_path);
	sqlite3 *db = NULL;
	sql_ok(db, sqlite3_open(data_path, &db) == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR, data_path);
	char ddl[1024] = "CREATE TABLE t(", ins[1024] = "INSERT INTO t VALUES(", sel[1024] = "SELECT sum(mlmd_score('bench@prod'";
	for (int c = 0; c < F; c++) {
		char one[32];
		snprintf(one, sizeof one, "%sc%d REAL", c ? ", " : "", c);
		strcat(ddl, one);
		strcat(ins, c ? ", ?" : "?");
		snprintf(one, sizeof one, ", c%d", c);
		strcat(sel, one);
	}
	strcat(ddl, ")");
	strcat(ins, ")");
	strcat(sel, ")) FROM t");
	sql_ok(db, sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL), "pragma");
	sql_ok(db, sqlite3_exec(db, ddl, NULL, NULL, NULL), "create");
	sql_ok(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
	sqlite3_stmt *s;
	sql_ok(db, sqlite3_prepare_v2(db, ins, -1, &s, NULL), "insert");
	/* the CSV: one file per repetition's slice of the rows */
	int reps = bench_rep_count();
	FILE *csv[BENCH_MAX_REPS];
	for (int k = 0; k < reps; k++) {
		char p[1100];
		snprintf(p, sizeof p, "%s.%d", csv_path, k);
		if (!(csv[k] = fopen(p, "w"))) {
			perror(p);
			return 1;
		}
		for (int c = 0; c < F; c++)
			fprintf(csv[k], "%sc%d", c ? "," : "", c);
		fputc('\n', csv[k]);
	}
	for (long r = 0, k = 0; r < rows; r++) {
		while (r >= slice(rows, reps, (int)k + 1))
			k++;
		for (int c = 0; c < F; c++) {
			float v = cell(r, c);
			sqlite3_bind_double(s, c + 1, v);
			fprintf(csv[k], "%s%.3f", c ? "," : "", (double)v);
		}
		fputc('\n', csv[k]);
		sql_ok(db, sqlite3_step(s), "insert");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	sql_ok(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
	for (int k = 0; k < reps; k++)
		if (fclose(csv[k])) {
			perror(csv_path);
			return 1;
		}

	mlmd_sqlite_options so = MLMD_SQLITE_OPTIONS_INIT;
	so.store_uri = uri;
	if (mlmd_sqlite_register(db, &so))
		die("mlmd_sqlite_register");
	mlmd_model *m;
	if (mlmd_model_load_file(&m, model_path))
		die(model_path);
	mlmd_score_ctx *ctx;
	if (mlmd_score_ctx_new(&ctx))
		die("context");
	float *x = malloc(sizeof(float) * BATCH * F), *y = malloc(sizeof(float) * BATCH);
	if (!x || !y)
		return 1;
	char slice_sel[1100];
	snprintf(slice_sel, sizeof slice_sel, "%s WHERE rowid BETWEEN ?1 AND ?2", sel);

	/* each repetition: its slice of the rows by SQL, the batch API and the
	 * CLI (in turns: the batch API first in odd repetitions), then its share
	 * of the short statements, cached and on new connections (in turns) */
	bench_reps r_sql = { 0 }, r_cli = { 0 }, r_batch = { 0 }, q_sql = { 0 }, q_cli = { 0 };
	bench_reps ms_cached = { 0 }, ms_old = { 0 }, q_short = { 0 };
	double sql_sum = 0, batch_sum = 0, sum_cached_old = 0, sum_old = 0;
	for (int rep = 0; rep < reps; rep++) {
		long lo = slice(rows, reps, rep), hi = slice(rows, reps, rep + 1), n = hi - lo;
		double t[3] = { 0, 0, 0 }; /* SQL, batch, CLI */
		for (int j = 0; j < 3; j++) {
			int which = rep & 1 ? (j + 1) % 3 : j;
			if (which == 0) {
				double t0 = now_s();
				sql_ok(db, sqlite3_prepare_v2(db, slice_sel, -1, &s, NULL), "select");
				sqlite3_bind_int64(s, 1, lo + 1);
				sqlite3_bind_int64(s, 2, hi);
				sql_ok(db, sqlite3_step(s), "select");
				sql_sum += sqlite3_column_double(s, 0);
				sqlite3_finalize(s);
				t[0] = now_s() - t0;
			} else if (which == 1) {
				t[1] = batch(m, ctx, x, y, lo, hi, &batch_sum);
			} else {
				char cmd[4200];
				snprintf(cmd, sizeof cmd, "'%s' score --store '%s' --model bench@prod --input '%s.%d' "
					 "--output /dev/null", cli, uri, csv_path, rep);
				double t0 = now_s();
				int rc = system(cmd);
				t[2] = now_s() - t0;
				if (rc != 0) {
					fprintf(stderr, "bench_sql: %s failed (%d)\n", cmd, rc);
					return 1;
				}
			}
		}
		bench_reps_add(&r_sql, (double)n / t[0]);
		bench_reps_add(&r_batch, (double)n / t[1]);
		bench_reps_add(&r_cli, (double)n / t[2]);
		bench_reps_add(&q_sql, t[0] / t[1]);
		bench_reps_add(&q_cli, t[2] / t[1]);

		/* the short statements of this repetition */
		double ts[2] = { 0, 0 };
		long c0 = slice(n_short, reps, rep), c1 = slice(n_short, reps, rep + 1);
		long o0 = slice(n_old, reps, rep), o1 = slice(n_old, reps, rep + 1);
		for (int j = 0; j < 2; j++) {
			double t0 = now_s();
			if (j ^ (rep & 1))
				sum_old += short_new(data_path, &so, slice_sel, rows, o0, o1);
			else
				sum_cached_old += short_cached(db, slice_sel, rows, c0, c1, n_old);
			ts[j ^ (rep & 1)] = now_s() - t0;
		}
		double cached_ms = c1 > c0 ? ts[0] * 1e3 / (double)(c1 - c0) : 0;
		double old_ms = o1 > o0 ? ts[1] * 1e3 / (double)(o1 - o0) : 0;
		bench_reps_add(&ms_cached, cached_ms);
		bench_reps_add(&ms_old, old_ms);
		bench_reps_add(&q_short, cached_ms > 0 ? old_ms / cached_ms : 0);
	}
	sqlite3_close(db);
	free(x);
	free(y);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
	for (int k = 0; k < reps; k++) {
		char p[1100];
		snprintf(p, sizeof p, "%s.%d", csv_path, k);
		unlink(p);
	}
	rm_db(data_path);

	double rel = fabs(sql_sum - batch_sum) / (fabs(batch_sum) > 1 ? fabs(batch_sum) : 1);
	printf("bench_sql: %ld rows x %d columns, %s; median of %d repetitions (each on its %ld-row slice), \u00b1 the "
	       "range over the median; sums of predictions, SQL and batch, agree to %.1e (relative)\n", rows, F,
	       model_path, reps, rows / reps, rel);
	bench_head("", "rows/s", "batch rows/s", "time / batch time");
	bench_row("SQL   SELECT sum(mlmd_score(...)) FROM t", "%.0f", &r_sql, &r_batch, "%.2fx", &q_sql);
	bench_row("CLI   mlmd score --model (CSV in)", "%.0f", &r_cli, &r_batch, "%.2fx", &q_cli);
	bench_row("batch mlmd_model_score, 1000 rows a call", "%.0f", &r_batch, NULL, NULL, NULL);
	printf("short statements of 100 rows: %ld with the model cached on the connection, %ld on a new connection "
	       "each (a load each), split among the repetitions\n", n_short, n_old);
	bench_head("", "cached ms each", "new connection ms each", "new / cached");
	bench_row("short statements of 100 rows", "%.2f", &ms_cached, &ms_old, "%.2fx", &q_short);
	if (fabs(sum_old - sum_cached_old) > 1e-6 * (fabs(sum_old) > 1 ? fabs(sum_old) : 1)) {
		fprintf(stderr, "bench_sql: the short statements' sums differ (%.17g against %.17g)\n", sum_cached_old,
			sum_old);
		return 1;
	}
	if (rel > 1e-6) {
		fprintf(stderr, "bench_sql: the SQL and batch predictions differ (%.17g against %.17g)\n", sql_sum, batch_sum);
		return 1;
	}
	return 0;
}

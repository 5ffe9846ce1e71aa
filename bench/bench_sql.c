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
	FILE *csv = fopen(csv_path, "w");
	if (!csv) {
		perror(csv_path);
		return 1;
	}
	for (int c = 0; c < F; c++)
		fprintf(csv, "%sc%d", c ? "," : "", c);
	fputc('\n', csv);
	for (long r = 0; r < rows; r++) {
		for (int c = 0; c < F; c++) {
			float v = cell(r, c);
			sqlite3_bind_double(s, c + 1, v);
			fprintf(csv, "%s%.3f", c ? "," : "", (double)v);
		}
		fputc('\n', csv);
		sql_ok(db, sqlite3_step(s), "insert");
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	sql_ok(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
	if (fclose(csv)) {
		perror(csv_path);
		return 1;
	}

	/* SQL */
	mlmd_sqlite_options so = MLMD_SQLITE_OPTIONS_INIT;
	so.store_uri = uri;
	if (mlmd_sqlite_register(db, &so))
		die("mlmd_sqlite_register");
	double t0 = now_s();
	sql_ok(db, sqlite3_prepare_v2(db, sel, -1, &s, NULL), "select");
	sql_ok(db, sqlite3_step(s), "select");
	double sql_sum = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	double t_sql = now_s() - t0;

	/* many short statements: on this connection (the model cached), then
	 * each on a new connection (loaded per statement) */
	char short_sel[1100];
	snprintf(short_sel, sizeof short_sel, "%s WHERE rowid BETWEEN ?1 AND ?2", sel);
	double sum_cached_old = 0, sum_old = 0;
	t0 = now_s();
	for (long i = 0; i < n_short; i++) {
		long first = (i * 100) % (rows - 99) + 1;
		sql_ok(db, sqlite3_prepare_v2(db, short_sel, -1, &s, NULL), "short select");
		sqlite3_bind_int64(s, 1, first);
		sqlite3_bind_int64(s, 2, first + 99);
		sql_ok(db, sqlite3_step(s), "short select");
		if (i < n_old)
			sum_cached_old += sqlite3_column_double(s, 0);
		sqlite3_finalize(s);
	}
	double t_cached = now_s() - t0;
	sqlite3_close(db);
	t0 = now_s();
	for (long i = 0; i < n_old; i++) {
		long first = (i * 100) % (rows - 99) + 1;
		sqlite3 *one;
		sql_ok(NULL, sqlite3_open(data_path, &one) == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR, data_path);
		if (mlmd_sqlite_register(one, &so))
			die("mlmd_sqlite_register");
		sql_ok(one, sqlite3_prepare_v2(one, short_sel, -1, &s, NULL), "short select");
		sqlite3_bind_int64(s, 1, first);
		sqlite3_bind_int64(s, 2, first + 99);
		sql_ok(one, sqlite3_step(s), "short select");
		sum_old += sqlite3_column_double(s, 0);
		sqlite3_finalize(s);
		sqlite3_close(one);
	}
	double t_old = now_s() - t0;

	/* the batch API, 1000 rows a call */
	mlmd_model *m;
	if (mlmd_model_load_file(&m, model_path))
		die(model_path);
	mlmd_score_ctx *ctx;
	if (mlmd_score_ctx_new(&ctx))
		die("context");
	enum { B = 1000 };
	float *x = malloc(sizeof(float) * B * F), *y = malloc(sizeof(float) * B);
	if (!x || !y)
		return 1;
	double batch_sum = 0, t_batch = 0;
	for (long r0 = 0; r0 < rows; r0 += B) {
		long n = rows - r0 < B ? rows - r0 : B;
		for (long r = 0; r < n; r++)
			for (int c = 0; c < F; c++)
				x[r * F + c] = cell(r0 + r, c);
		mlmd_tensor in = { MLMD_DTYPE_FLOAT, 2, { n, F }, x, 0 };
		mlmd_tensor out = { MLMD_DTYPE_FLOAT, 0, { 0 }, y, B };
		double b0 = now_s();
		if (mlmd_model_score(m, ctx, &in, 1, &out, 1))
			die("batch score");
		t_batch += now_s() - b0;
		for (long r = 0; r < n; r++)
			batch_sum += y[r];
	}
	free(x);
	free(y);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);

	/* the CLI on the CSV */
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "'%s' score --store '%s' --model bench@prod --input '%s' --output /dev/null", cli, uri,
		csv_path);
	t0 = now_s();
	int rc = system(cmd);
	double t_cli = now_s() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_sql: %s failed (%d)\n", cmd, rc);
		return 1;
	}
	unlink(csv_path);
	rm_db(data_path);

	double rel = fabs(sql_sum - batch_sum) / (fabs(batch_sum) > 1 ? fabs(batch_sum) : 1);
	printf("bench_sql: %ld rows x %d columns, %s\n", rows, F, model_path);
	printf("  SQL   SELECT sum(mlmd_score(...)) FROM t  %8.2f s  %12.0f rows/s\n", t_sql, rows / t_sql);
	printf("  CLI   mlmd score --model (CSV in)         %8.2f s  %12.0f rows/s\n", t_cli, rows / t_cli);
	printf("  batch mlmd_model_score, 1000 rows a call   %8.2f s  %12.0f rows/s\n", t_batch, rows / t_batch);
	printf("  SQL / batch time: %.2fx; sums of predictions agree to %.1e (relative)\n", t_sql / t_batch, rel);
	printf("  short statements of 100 rows, model cached on the connection: %ld in %.2f s, %8.2f ms each\n",
		n_short, t_cached, t_cached * 1e3 / (double)n_short);
	printf("  short statements of 100 rows, a new connection each (a load each): %ld in %.2f s, %8.2f ms each\n",
		n_old, t_old, t_old * 1e3 / (double)n_old);
	printf("  cached / per-statement load: %.2fx faster\n", (t_old / (double)n_old) / (t_cached / (double)n_short));
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

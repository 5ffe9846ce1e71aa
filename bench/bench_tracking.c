/*
 * bench/bench_tracking.c - experiment tracking's metric history (make
 * bench). Not a test.
 *
 *   1. bulk logging: one Log call through mlmd_store_call with 1,000,000
 *      points of one key (steps and timestamps given), against a raw SQLite
 *      loop inserting the same rows with one prepared statement in one
 *      transaction into the same table and index (same pragmas, foreign keys
 *      on), both on files in DIR. The time of the call is timed (the request
 *      is packed before); points/s of both and the ratio ours/raw.
 *   2. GetMetricHistory of 100,000 points through mlmd_store_call (the
 *      response bytes unpacked too, as a client would) against the raw range
 *      scan of the same index reading the three columns into arrays.
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread; each repetition makes fresh files and runs ours and the
 * raw loop in turns (ours first in even repetitions), and ours/raw (rate
 * over rate, in percent) is taken per repetition.
 * Usage: bench_tracking DIR [points]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "mlmd_tracking.pb-c.h"

#define HISTORY 100000

static const char *raw_schema =
	"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
	"PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;"
	"CREATE TABLE execution (id INTEGER PRIMARY KEY);"
	"INSERT INTO execution VALUES (1), (2);"
	"CREATE TABLE metric (id INTEGER PRIMARY KEY, execution_id INTEGER NOT NULL REFERENCES execution(id)"
	" ON DELETE CASCADE, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, value REAL);"
	"CREATE INDEX metric_by_run ON metric (execution_id, key, step, timestamp, id);";

/* The raw floor: one prepared insert, one transaction. */
static double raw_insert(sqlite3 *db, int64_t run, const double *v, const int64_t *st, const int64_t *ts, size_t n)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "INSERT INTO metric (execution_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)",
			       -1, &q, NULL) != SQLITE_OK)
		exit(1);
	double t0 = now_s();
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(q, 1, run);
		sqlite3_bind_text(q, 2, "loss", 4, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, st[i]);
		sqlite3_bind_int64(q, 4, ts[i]);
		sqlite3_bind_double(q, 5, v[i]);
		if (sqlite3_step(q) != SQLITE_DONE)
			exit(1);
		sqlite3_reset(q);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		exit(1);
	double t = now_s() - t0;
	sqlite3_finalize(q);
	return t;
}

static double raw_scan(sqlite3 *db, int64_t run, size_t want)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT step, timestamp, value FROM metric WHERE execution_id = ? AND key = ?"
			       " ORDER BY step, timestamp, id", -1, &q, NULL) != SQLITE_OK)
		exit(1);
	double t0 = now_s();
	double *v = malloc(want * sizeof *v);
	int64_t *st = malloc(want * sizeof *st), *ts = malloc(want * sizeof *ts);
	size_t n = 0;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, "loss", 4, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW && n < want) {
		st[n] = sqlite3_column_int64(q, 0);
		ts[n] = sqlite3_column_int64(q, 1);
		v[n] = sqlite3_column_double(q, 2);
		n++;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	double t = now_s() - t0;
	if (n != want)
		exit(1);
	free(v);
	free(st);
	free(ts);
	sqlite3_finalize(q);
	return t;
}

static int64_t start_run(mlmd_store *s)
{
	Mlmd__Pb__Tracking__StartRunRequest rq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	uint8_t buf[64];
	size_t n = protobuf_c_message_pack(&rq.base, buf);
	void *resp;
	size_t len;
	if (mlmd_store_call(s, "StartRun", buf, n, &resp, &len))
		die("StartRun");
	Mlmd__Pb__Tracking__StartRunResponse *r = (Mlmd__Pb__Tracking__StartRunResponse *)protobuf_c_message_unpack(
		&mlmd__pb__tracking__start_run_response__descriptor, NULL, len, resp);
	int64_t id = r->run_id;
	protobuf_c_message_free_unpacked(&r->base, NULL);
	mlmd_buffer_free(resp);
	return id;
}

/* One Log call with every point; returns the call's time. */
static double ours_log(mlmd_store *s, int64_t run, double *v, int64_t *st, int64_t *ts, size_t n)
{
	Mlmd__Pb__Tracking__MetricSeries m = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	m.key = "loss";
	m.values = v;
	m.n_values = n;
	m.steps = st;
	m.n_steps = n;
	m.timestamps = ts;
	m.n_timestamps = n;
	Mlmd__Pb__Tracking__MetricSeries *mp = &m;
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.metrics = &mp;
	rq.n_metrics = 1;
	size_t len = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *buf = malloc(len);
	protobuf_c_message_pack(&rq.base, buf);
	void *resp;
	size_t rlen;
	double t0 = now_s();
	if (mlmd_store_call(s, "Log", buf, len, &resp, &rlen))
		die("Log");
	double t = now_s() - t0;
	mlmd_buffer_free(resp);
	free(buf);
	return t;
}

static double ours_history(mlmd_store *s, int64_t run, size_t want)
{
	Mlmd__Pb__Tracking__GetMetricHistoryRequest rq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.key = "loss";
	uint8_t buf[64];
	size_t n = protobuf_c_message_pack(&rq.base, buf);
	void *resp;
	size_t len;
	double t0 = now_s();
	if (mlmd_store_call(s, "GetMetricHistory", buf, n, &resp, &len))
		die("GetMetricHistory");
	Mlmd__Pb__Tracking__GetMetricHistoryResponse *r =
		(Mlmd__Pb__Tracking__GetMetricHistoryResponse *)protobuf_c_message_unpack(
			&mlmd__pb__tracking__get_metric_history_response__descriptor, NULL, len, resp);
	double t = now_s() - t0;
	if (!r || !r->history || r->history->n_values != want)
		die("GetMetricHistory: wrong point count");
	protobuf_c_message_free_unpacked(&r->base, NULL);
	mlmd_buffer_free(resp);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_tracking DIR [points]\n");
		return 2;
	}
	size_t n = argc > 2 ? (size_t)atol(argv[2]) : 1000000;
	char ours_path[1024], raw_path[1024], uri[1100];
	double *v = malloc(n * sizeof *v);
	int64_t *st = malloc(n * sizeof *st), *ts = malloc(n * sizeof *ts);
	for (size_t i = 0; i < n; i++) {
		v[i] = 1.0 / (double)(i + 1);
		st[i] = (int64_t)i;
		ts[i] = 1700000000000LL + (int64_t)i;
	}
	size_t h = n < HISTORY ? n : HISTORY;
	int reps = bench_rep_count();
	bench_reps log_ours = { 0 }, log_raw = { 0 }, log_ratio = { 0 };
	bench_reps hist_ours = { 0 }, hist_raw = { 0 }, hist_ratio = { 0 };
	snprintf(ours_path, sizeof ours_path, "%s/tracking-ours.db", argv[1]);
	snprintf(raw_path, sizeof raw_path, "%s/tracking-raw.db", argv[1]);
	snprintf(uri, sizeof uri, "sqlite:%s", ours_path);
	for (int rep = 0; rep < reps; rep++) {
		double t_log[2] = { 0, 0 }, t_hist[2] = { 0, 0 }; /* [ours, raw] */
		rm_db(ours_path);
		rm_db(raw_path);
		for (int k = 0; k < 2; k++) {
			if (k ^ (rep & 1)) {
				sqlite3 *db;
				if (sqlite3_open(raw_path, &db) != SQLITE_OK ||
				    sqlite3_exec(db, raw_schema, NULL, NULL, NULL) != SQLITE_OK)
					return 1;
				t_log[1] = raw_insert(db, 1, v, st, ts, n);
				raw_insert(db, 2, v, st, ts, h);
				t_hist[1] = raw_scan(db, 2, h);
				sqlite3_close(db);
			} else {
				mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
				o.uri = uri;
				mlmd_store *s;
				if (mlmd_store_open(&s, &o))
					die("open");
				int64_t run = start_run(s), small = start_run(s);
				t_log[0] = ours_log(s, run, v, st, ts, n);
				ours_log(s, small, v, st, ts, h);
				t_hist[0] = ours_history(s, small, h);
				mlmd_store_free(s);
			}
		}
		bench_reps_add(&log_ours, (double)n / t_log[0]);
		bench_reps_add(&log_raw, (double)n / t_log[1]);
		bench_reps_add(&log_ratio, 100.0 * t_log[1] / t_log[0]);
		bench_reps_add(&hist_ours, t_hist[0] * 1e3);
		bench_reps_add(&hist_raw, t_hist[1] * 1e3);
		bench_reps_add(&hist_ratio, 100.0 * t_hist[1] / t_hist[0]);
		rm_db(ours_path);
		rm_db(raw_path);
	}
	printf("tracking (SQLite files): median of %d repetitions, \u00b1 the range over the median\n", reps);
	char name[96];
	bench_head("", "mlmd points/s", "raw SQLite points/s", "ours/raw");
	snprintf(name, sizeof name, "tracking: bulk Log of %zu points, one call", n);
	bench_row(name, "%.0f", &log_ours, &log_raw, "%.0f%%", &log_ratio);
	bench_head("", "mlmd ms", "raw range scan ms", "ours/raw");
	snprintf(name, sizeof name, "tracking: GetMetricHistory of %zu points", h);
	bench_row(name, "%.1f", &hist_ours, &hist_raw, "%.0f%%", &hist_ratio);
	free(v);
	free(st);
	free(ts);
	return 0;
}

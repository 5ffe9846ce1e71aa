/*
 * bench/bench_pg.c - the core put workload on PostgreSQL (make bench, when
 * MLMD_TEST_POSTGRES names a server). Not a test.
 *
 * Artifacts with 3 properties, put in batches of 1000 through mlmd, beside
 * raw libpq doing the same inserts in pipeline mode (one statement per
 * artifact that inserts it and its properties, 1000 per transaction), in
 * the same run, into separate fresh databases on the same server; the two
 * alternate, MLMD_BENCH_REPS times (bench.h), and each figure is the median
 * with its spread, the ratio the median of the per-pair ratios.
 * Usage: bench_pg POSTGRES_URI [ARTIFACTS]   (default 20000)
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define BATCH 1000

static mlmd_store *open_db(const char *base, const char *db)
{
	char uri[1200];
	snprintf(uri, sizeof uri, "%s/%s", base, db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");
	return s;
}

static void drop_db(const char *base, const char *db)
{
	char uri[1200], sql[256];
	snprintf(uri, sizeof uri, "%s/postgres", base);
	PGconn *c = PQconnectdb(uri);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
	PQclear(PQexec(c, sql));
	PQfinish(c);
}

static double ours(const char *base, int n)
{
	drop_db(base, "mlmd_bench_ours");
	mlmd_store *s = open_db(base, "mlmd_bench_ours");
	int64_t tid = put_dataset_type(s);
	Mlmd__Pb__Artifact **arts = malloc(sizeof *arts * BATCH);
	double t0 = now_s();
	for (int b = 0; b < n; b += BATCH) {
		for (int i = 0; i < BATCH; i++)
			arts[i] = mk_artifact(tid, b + i);
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = BATCH;
		rq.artifacts = arts;
		if (mlmd_store_put_artifacts(s, &rq, &rs))
			die("put");
		mlmd_message_free(rs);
		for (int i = 0; i < BATCH; i++)
			mlmd_message_free(arts[i]);
	}
	double rate = n / (now_s() - t0);
	free(arts);
	mlmd_store_free(s);
	drop_db(base, "mlmd_bench_ours");
	return rate;
}

static void must(PGconn *c, PGresult *r, const char *what)
{
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_SYNC) {
		fprintf(stderr, "raw %s: %s\n", what, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

static double raw(const char *base, int n)
{
	/* the same schema as mlmd's, created by mlmd */
	drop_db(base, "mlmd_bench_raw");
	mlmd_store *s = open_db(base, "mlmd_bench_raw");
	mlmd_store_free(s);
	char uri[1200];
	snprintf(uri, sizeof uri, "%s/mlmd_bench_raw", base);
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "raw connect: %s\n", PQerrorMessage(c));
		exit(1);
	}
	must(c, PQexec(c, "INSERT INTO type (kind, name) VALUES (1, 'DataSet')"), "type");
	must(c, PQprepare(c, "put",
			  "WITH a AS (INSERT INTO artifact (type_id, uri, create_time, update_time)"
			  " VALUES ((SELECT id FROM type WHERE name = 'DataSet'), $1, 1, 1) RETURNING id)"
			  " INSERT INTO artifact_property (node_id, is_custom, name, value_type, int_value, double_value,"
			  " string_value) SELECT a.id, 0, v.name, v.t, v.i, v.d, v.s FROM a, (VALUES"
			  " ('span', 1, $2::bigint, NULL::double precision, NULL::text),"
			  " ('score', 2, NULL, $3::double precision, NULL),"
			  " ('split', 3, NULL, NULL, $4::text)) AS v(name, t, i, d, s)",
			  4, NULL),
	     "prepare");
	if (!PQenterPipelineMode(c)) {
		fprintf(stderr, "raw: no pipeline mode\n");
		exit(1);
	}
	double t0 = now_s();
	for (int b = 0; b < n; b += BATCH) {
		PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
		for (int i = b; i < b + BATCH; i++) {
			char u[64], span[24], score[40];
			snprintf(u, sizeof u, "/data/part-%d", i);
			snprintf(span, sizeof span, "%d", i);
			snprintf(score, sizeof score, "%.17g", i * 0.5);
			const char *v[4] = { u, span, score, i % 2 ? "train" : "eval" };
			PQsendQueryPrepared(c, "put", 4, v, NULL, NULL, 0);
		}
		PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
		PQpipelineSync(c);
		for (int k = 0; k < BATCH + 2; k++) {
			must(c, PQgetResult(c), "pipelined statement");
			PGresult *end = PQgetResult(c); /* NULL after each statement */
			if (end)
				must(c, end, "pipeline order");
		}
		must(c, PQgetResult(c), "sync");
	}
	double rate = n / (now_s() - t0);
	PQexitPipelineMode(c);
	PQfinish(c);
	drop_db(base, "mlmd_bench_raw");
	return rate;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_pg POSTGRES_URI [ARTIFACTS]\n");
		return 2;
	}
	const char *base = argv[1];
	int n = argc > 2 ? atoi(argv[2]) : 20000;
	n = (n + BATCH - 1) / BATCH * BATCH;
	/* repetitions interleaved, raw then ours; the ratio per pair */
	int reps = bench_rep_count();
	bench_reps o = { 0 }, r = { 0 }, q = { 0 };
	for (int i = 0; i < reps; i++) {
		double x = raw(base, n), y = ours(base, n);
		bench_reps_add(&r, x);
		bench_reps_add(&o, y);
		bench_reps_add(&q, 100.0 * y / x);
	}
	char a[80], b[80], c[80];
	printf("PostgreSQL %s, loopback, %d repetitions (median, spread):\n", base, reps);
	printf("%-44s %16s %16s %12s\n", "", "ours a/s", "raw libpq a/s", "ours/raw");
	printf("%-44s %16s %16s %12s\n", "put artifacts, 3 props, batches of 1000", bench_fmt(a, sizeof a, "%.0f", &o),
	       bench_fmt(b, sizeof b, "%.0f", &r), bench_fmt(c, sizeof c, "%.0f%%", &q));
	return 0;
}

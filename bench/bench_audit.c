/*
 * bench/bench_audit.c - what the audit log costs (make bench). Not a test.
 *
 *   1. MLMD writes with the log on and off (the same build; the switch is
 *      the benchmark-only mlmd__store_set_audit): PutArtifacts in batches of
 *      1000 artifacts with three properties each, and single-artifact
 *      PutArtifacts calls, each on a fresh SQLite file in DIR. The two
 *      settings alternate, each measurement the best of REPS; the ratio
 *      on/off is what the issue bounds (at most 1.10).
 *   2. VerifyAudit of a chain of N records (default 1,000,000): the chain is
 *      written with SQL in one transaction (each record's hash computed as
 *      the library computes it), then verified through mlmd_store_call.
 * Usage: bench_audit DIR [records]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "store/governance.h" /* mlmd__store_set_audit, mlmd__audit_hash, mlmd__store_sql */

#define REPS 9
#define BATCH 1000
#define BATCHES 10
#define SINGLES 2000

static mlmd_store *fresh(const char *path, int audit)
{
	rm_db(path);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.actor = "bench";
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");
	mlmd__store_set_audit(s, audit);
	return s;
}

/* Seconds for BATCHES PutArtifacts calls of BATCH artifacts. */
static double bulk(const char *path, int audit)
{
	mlmd_store *s = fresh(path, audit);
	int64_t tid = put_dataset_type(s);
	Mlmd__Pb__Artifact **a = malloc(BATCH * sizeof *a);
	double total = 0;
	for (int b = 0; b < BATCHES; b++) {
		for (int i = 0; i < BATCH; i++)
			a[i] = mk_artifact(tid, b * BATCH + i);
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = BATCH;
		rq.artifacts = a;
		double t0 = now_s();
		if (mlmd_store_put_artifacts(s, &rq, &rs))
			die("PutArtifacts");
		total += now_s() - t0;
		mlmd_message_free(rs);
		for (int i = 0; i < BATCH; i++)
			mlmd_message_free(a[i]);
	}
	free(a);
	mlmd_store_free(s);
	rm_db(path);
	return total;
}

/* Seconds for SINGLES PutArtifacts calls of one artifact each. */
static double singles(const char *path, int audit)
{
	mlmd_store *s = fresh(path, audit);
	int64_t tid = put_dataset_type(s);
	double total = 0;
	for (int i = 0; i < SINGLES; i++) {
		Mlmd__Pb__Artifact *a = mk_artifact(tid, i);
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = 1;
		rq.artifacts = &a;
		double t0 = now_s();
		if (mlmd_store_put_artifacts(s, &rq, &rs))
			die("PutArtifacts");
		total += now_s() - t0;
		mlmd_message_free(rs);
		mlmd_message_free(a);
	}
	mlmd_store_free(s);
	rm_db(path);
	return total;
}

static void cost(const char *path)
{
	double best[2][2] = { { 1e9, 1e9 }, { 1e9, 1e9 } }; /* [bulk|single][off|on] */
	for (int r = 0; r < REPS; r++)
		for (int on = 0; on < 2; on++) {
			double t = bulk(path, on);
			if (t < best[0][on])
				best[0][on] = t;
			t = singles(path, on);
			if (t < best[1][on])
				best[1][on] = t;
		}
	double n_bulk = (double)BATCH * BATCHES;
	printf("audit cost, PutArtifacts batches of %d (%d batches), best of %d:\n", BATCH, BATCHES, REPS);
	printf("  log off   %10.0f artifacts/s\n", n_bulk / best[0][0]);
	printf("  log on    %10.0f artifacts/s\n", n_bulk / best[0][1]);
	printf("  on/off time ratio %.3f (issue: at most 1.10)\n", best[0][1] / best[0][0]);
	printf("audit cost, single-artifact PutArtifacts (%d calls), best of %d:\n", SINGLES, REPS);
	printf("  log off   %10.1f us/call\n", best[1][0] / SINGLES * 1e6);
	printf("  log on    %10.1f us/call\n", best[1][1] / SINGLES * 1e6);
	printf("  on/off time ratio %.3f (issue: at most 1.10)\n", best[1][1] / best[1][0]);
}

/* A valid chain of n records written with SQL, then verified. */
static void verify_chain(const char *path, int64_t n)
{
	mlmd_store *s = fresh(path, 1);
	mlmd__sql *q = mlmd__store_sql(s);
	char prev[65] = MLMD_AUDIT_GENESIS_TEXT, hash[65], req[65], ids[64];
	double t0 = now_s();
	if (mlmd__sql_begin(q, 1))
		die("begin");
	for (int64_t seq = 1; seq <= n; seq++) {
		snprintf(ids, sizeof ids, "artifact_ids=%" PRId64, seq);
		mlmd__sha256_hex(ids, strlen(ids), req);
		int64_t t = 1796270846442 + seq;
		mlmd__audit_hash(seq, t, "bench", "PutArtifacts", ids, req, prev, hash);
		sqlq st;
		if (mlmd__q(q, &st, "INSERT INTO audit_log (seq, time, actor, operation, ids, request_sha256, prev_hash, "
			    "hash) VALUES (?, ?, 'bench', 'PutArtifacts', ?, ?, ?, ?)"))
			die("insert");
		mlmd__q_i64(&st, 1, seq);
		mlmd__q_i64(&st, 2, t);
		mlmd__q_text(&st, 3, ids);
		mlmd__q_text(&st, 4, req);
		mlmd__q_text(&st, 5, prev);
		mlmd__q_text(&st, 6, hash);
		if (mlmd__q_exec(&st))
			die("insert");
		memcpy(prev, hash, sizeof prev);
	}
	if (mlmd__sql_commit(q))
		die("commit");
	double built = now_s() - t0;
	Mlmd__Pb__Governance__VerifyAuditRequest rq = MLMD__PB__GOVERNANCE__VERIFY_AUDIT_REQUEST__INIT;
	uint8_t buf[16];
	size_t len = mlmd__pb__governance__verify_audit_request__pack(&rq, buf);
	double best = 1e9;
	Mlmd__Pb__Governance__VerifyAuditResponse *v = NULL;
	for (int r = 0; r < 3; r++) {
		void *out;
		size_t out_len;
		t0 = now_s();
		if (mlmd_store_call(s, "VerifyAudit", buf, len, &out, &out_len))
			die("VerifyAudit");
		double t = now_s() - t0;
		if (t < best)
			best = t;
		mlmd__pb__governance__verify_audit_response__free_unpacked(v, NULL);
		v = mlmd__pb__governance__verify_audit_response__unpack(NULL, out_len, out);
		mlmd_buffer_free(out);
	}
	if (!v || !v->intact || v->records != n) {
		fprintf(stderr, "bench: the chain of %" PRId64 " records did not verify\n", n);
		exit(1);
	}
	printf("verify of a %" PRId64 "-record chain (SQLite file, best of 3): %.2f s (%.2f us/record); "
	       "writing the chain with SQL took %.1f s\n", n, best, best / (double)n * 1e6, built);
	mlmd__pb__governance__verify_audit_response__free_unpacked(v, NULL);
	mlmd_store_free(s);
	rm_db(path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int64_t n = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
	char path[1024];
	snprintf(path, sizeof path, "%s/bench-audit.db", dir);
	cost(path);
	verify_chain(path, n);
	return 0;
}

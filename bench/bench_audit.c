/*
 * bench/bench_audit.c - what the audit log costs (make bench). Not a test.
 *
 *   1. MLMD writes with the log on and off (the same build; the switch is
 *      the benchmark-only mlmd__store_set_audit, per handle): PutArtifacts
 *      of 1000 artifacts with three properties each, and single-artifact
 *      PutArtifacts calls, on one SQLite file in DIR. Blocks of calls with
 *      the log off and on alternate on the same handle, so both see the
 *      same file and the same machine; the ratio on/off is what the issue
 *      bounds (at most 1.10). The 40 rounds of blocks are split among the
 *      repetitions; each repetition's ratio is its own on/off time.
 *   2. VerifyAudit of a chain of N records (default 1,000,000): the chain is
 *      written with SQL in one transaction (each record's hash computed as
 *      the library computes it), then verified through mlmd_store_call,
 *      once per repetition.
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread (bench.h).
 * Usage: bench_audit DIR [records]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "store/governance.h" /* mlmd__store_set_audit, mlmd__audit_hash, mlmd__store_sql */


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

/* One PutArtifacts call of n artifacts (numbered from *next); its seconds. */
static double put(mlmd_store *s, int64_t tid, int n, int *next)
{
	Mlmd__Pb__Artifact **a = malloc((size_t)n * sizeof *a);
	for (int i = 0; i < n; i++)
		a[i] = mk_artifact(tid, (*next)++);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = (size_t)n;
	rq.artifacts = a;
	double t0 = now_s();
	if (mlmd_store_put_artifacts(s, &rq, &rs))
		die("PutArtifacts");
	double t = now_s() - t0;
	mlmd_message_free(rs);
	for (int i = 0; i < n; i++)
		mlmd_message_free(a[i]);
	free(a);
	return t;
}

/* The log's cost on calls of `per_call` artifacts, on one file: ROUNDS
 * rounds, each a block of `calls` calls with the log off and a block with it
 * on, in turns (the switch is per handle, so both see the same file, WAL and
 * machine). The rounds are grouped into the repetitions (ROUNDS / reps
 * each, at least 2); a repetition's figures are its us/call with the log on
 * and off and their ratio, and the row gives the medians of those. */
#define ROUNDS 40
static void cost(const char *path, const char *what, int per_call, int calls, int reps)
{
	mlmd_store *s = fresh(path, 1);
	int64_t tid = put_dataset_type(s);
	int next = 0, rounds = ROUNDS / reps < 2 ? 2 : ROUNDS / reps;
	bench_reps on_us = { 0 }, off_us = { 0 }, ratio = { 0 };
	for (int rep = 0; rep < reps; rep++) {
		double t[2] = { 0, 0 };
		for (int r = 0; r < rounds; r++)
			for (int k = 0; k < 2; k++) {
				int on = k ^ (r & 1); /* off first in even rounds, on first in odd ones: a
						       * WAL checkpoint every other call lands on both */
				mlmd__store_set_audit(s, on);
				for (int i = 0; i < calls; i++)
					t[on] += put(s, tid, per_call, &next);
			}
		double n = (double)rounds * calls;
		bench_reps_add(&on_us, t[1] / n * 1e6);
		bench_reps_add(&off_us, t[0] / n * 1e6);
		bench_reps_add(&ratio, t[1] / t[0]);
	}
	char name[128];
	snprintf(name, sizeof name, "audit cost, %s", what);
	bench_row(name, "%.1f", &on_us, &off_us, "%.3f", &ratio);
	mlmd_store_free(s);
	rm_db(path);
}

/* A valid chain of n records written with SQL, then verified. */
static void verify_chain(const char *path, int64_t n, int reps)
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
	bench_reps us = { 0 };
	Mlmd__Pb__Governance__VerifyAuditResponse *v = NULL;
	for (int r = 0; r < reps; r++) {
		void *out;
		size_t out_len;
		t0 = now_s();
		if (mlmd_store_call(s, "VerifyAudit", buf, len, &out, &out_len))
			die("VerifyAudit");
		bench_reps_add(&us, (now_s() - t0) / (double)n * 1e6);
		mlmd__pb__governance__verify_audit_response__free_unpacked(v, NULL);
		v = mlmd__pb__governance__verify_audit_response__unpack(NULL, out_len, out);
		mlmd_buffer_free(out);
	}
	if (!v || !v->intact || v->records != n) {
		fprintf(stderr, "bench: the chain of %" PRId64 " records did not verify\n", n);
		exit(1);
	}
	char name[128];
	snprintf(name, sizeof name, "VerifyAudit of a %" PRId64 "-record chain", n);
	bench_head("", "us/record", NULL, NULL);
	bench_row(name, "%.2f", &us, NULL, NULL, NULL);
	printf("(the chain was written with SQL in %.1f s, one transaction, SQLite file)\n", built);
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
	int reps = bench_rep_count();
	printf("audit benchmark: median of %d repetitions, \u00b1 the range over the median; on one SQLite file, "
	       "blocks of calls with the log off and on in turns (issue: on/off at most 1.10)\n", reps);
	bench_head("", "log on us/call", "log off us/call", "on/off");
	cost(path, "PutArtifacts of 1000 artifacts", 1000, 1, reps);
	cost(path, "single-artifact PutArtifacts", 1, 50, reps);
	verify_chain(path, n, reps);
	return 0;
}

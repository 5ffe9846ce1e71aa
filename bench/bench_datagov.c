/*
 * bench/bench_datagov.c - deletion and retention at scale (make bench). Not
 * a test. (Labels and the serving gate: bench_labels.c, bench_gate.c.)
 *
 * A SQLite file in DIR gets about NODES nodes (1,000,000 by default) through
 * the MLMD RPCs, in transactions of 30,000: chains Raw -> (Step) -> Scratch,
 * three nodes and two events each, every artifact with a uri and a custom
 * property. Then, each in a fresh process (this program run again with a
 * phase argument, so that ru_maxrss is that operation's own peak):
 *   - DeleteNodes of 100,000 Scratch artifacts in one call, then the
 *     compaction (mlmd_store_gc);
 *   - RunRetention with a keep-last-1000 policy on Raw over the whole store
 *     (about a third of it selected), then again (idempotent: nothing more).
 * Usage: bench_datagov DIR [nodes]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "bench.h"
#include "mlmd_governance.pb-c.h"

#define DELETE_N 100000
#define BATCH 1000

/* n new artifacts (with a uri and a custom property each) or executions of type tid; ids into out. */
static void put_nodes(mlmd_store *s, int kind, int64_t tid, size_t n, int64_t *out)
{
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		void **v = calloc(k, sizeof *v);
		for (size_t j = 0; j < k; j++) {
			if (kind == 1) {
				Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
				char uri[64];
				snprintf(uri, sizeof uri, "/data/%zu", i + j);
				a->has_type_id = 1;
				a->type_id = tid;
				mlmd_message_set_string(a, "uri", uri);
				mlmd_node_set_int(a, 1, "n", (int64_t)(i + j));
				v[j] = a;
			} else {
				Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
				e->has_type_id = 1;
				e->type_id = tid;
				v[j] = e;
			}
		}
		if (kind == 1) {
			Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__PutArtifactsResponse *rs;
			rq.n_artifacts = k;
			rq.artifacts = (Mlmd__Pb__Artifact **)v;
			if (mlmd_store_put_artifacts(s, &rq, &rs))
				die("put artifacts");
			memcpy(out + i, rs->artifact_ids, k * sizeof *out);
			mlmd_message_free(rs);
		} else {
			Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
			Mlmd__Pb__PutExecutionsResponse *rs;
			rq.n_executions = k;
			rq.executions = (Mlmd__Pb__Execution **)v;
			if (mlmd_store_put_executions(s, &rq, &rs))
				die("put executions");
			memcpy(out + i, rs->execution_ids, k * sizeof *out);
			mlmd_message_free(rs);
		}
		for (size_t j = 0; j < k; j++)
			mlmd_message_free(v[j]);
		free(v);
	}
}

/* Events art[i] -> exec[i] (input) when `input`, exec[i] -> art[i] (output) otherwise. */
static void put_events(mlmd_store *s, const int64_t *art, const int64_t *exec, size_t n, int input)
{
	Mlmd__Pb__Event *ev = calloc(BATCH, sizeof *ev);
	Mlmd__Pb__Event **p = calloc(BATCH, sizeof *p);
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		for (size_t j = 0; j < k; j++) {
			mlmd__pb__event__init(&ev[j]);
			ev[j].has_artifact_id = ev[j].has_execution_id = ev[j].has_type = 1;
			ev[j].artifact_id = art[i + j];
			ev[j].execution_id = exec[i + j];
			ev[j].type = input ? MLMD__PB__EVENT__TYPE__INPUT : MLMD__PB__EVENT__TYPE__OUTPUT;
			p[j] = &ev[j];
		}
		Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
		Mlmd__Pb__PutEventsResponse *rs;
		rq.n_events = k;
		rq.events = p;
		if (mlmd_store_put_events(s, &rq, &rs))
			die("put events");
		mlmd_message_free(rs);
	}
	free(ev);
	free(p);
}

static mlmd_store *open_store(const char *path)
{
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.actor = "bench";
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");
	return s;
}

static long rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- the phases run in a process of their own ---------------------------------------------------- */

/* Deletes slice k of `reps` of the Scratch artifacts the main run wrote
 * down (DIR/bench-datagov.db.ids) in one DeleteNodes call, then compacts;
 * prints "deleted seconds properties peak_MB opened_MB listed_MB gc_seconds"
 * for the parent. */
static int phase_delete(const char *path, int k, int reps)
{
	mlmd_store *s = open_store(path);
	long before = rss_kb();
	char ipath[1100];
	snprintf(ipath, sizeof ipath, "%s.ids", path);
	FILE *f = fopen(ipath, "rb");
	int64_t *ids = malloc(DELETE_N * sizeof *ids);
	size_t n = f ? fread(ids, sizeof *ids, DELETE_N, f) : 0;
	if (f)
		fclose(f);
	size_t lo = n * (size_t)k / (size_t)reps, hi = n * (size_t)(k + 1) / (size_t)reps;
	long listed = rss_kb();
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.n_ids = hi - lo;
	rq.ids = ids + lo;
	rq.reason = "bench";
	double t0 = now_s();
	Mlmd__Pb__Governance__DeleteNodesResponse *rs =
		bench_rpc(s, "DeleteNodes", &rq.base, &mlmd__pb__governance__delete_nodes_response__descriptor);
	double t = now_s() - t0;
	long peak = rss_kb();
	size_t deleted = rs->n_deleted;
	long long props = (long long)rs->properties_removed;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	free(ids);
	double g0 = now_s();
	mlmd_gc_result gc;
	if (mlmd_store_gc(s, 0, &gc))
		die("gc");
	printf("%zu %.6f %lld %ld %ld %ld %.6f\n", deleted, t, props, peak / 1024, before / 1024, listed / 1024,
	       now_s() - g0);
	mlmd_store_free(s);
	return 0;
}

/* RunRetention with a keep-last-`keep` policy on Raw over the whole store,
 * then again (nothing more to delete); prints "deleted examined seconds
 * peak_MB opened_MB deleted_again seconds_again" for the parent. */
static int phase_retention(const char *path, long keep)
{
	mlmd_store *s = open_store(path);
	long before = rss_kb();
	Mlmd__Pb__Governance__RetentionPolicy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	p.type_name = "Raw";
	p.has_kind = 1;
	p.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	p.has_keep_last = 1;
	p.keep_last = keep;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest sq = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	sq.policy = &p;
	bench_rpc(s, "SetRetentionPolicy", &sq.base, NULL);
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	double t0 = now_s();
	Mlmd__Pb__Governance__RunRetentionResponse *rs =
		bench_rpc(s, "RunRetention", &rq.base, &mlmd__pb__governance__run_retention_response__descriptor);
	double t = now_s() - t0;
	long peak = rss_kb();
	int64_t examined = rs->n_results ? rs->results[0]->examined : 0, deleted = rs->deleted;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	t0 = now_s();
	rs = bench_rpc(s, "RunRetention", &rq.base, &mlmd__pb__governance__run_retention_response__descriptor);
	printf("%lld %lld %.6f %ld %ld %lld %.6f\n", (long long)deleted, (long long)examined, t, peak / 1024,
	       before / 1024, (long long)rs->deleted, now_s() - t0);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	mlmd_store_free(s);
	return 0;
}

/* Runs this program again as `self PHASE PATH A B` and reads the n numbers
 * it prints into v. */
static void run_phase(const char *self, const char *phase, const char *path, long a, long b, double *v, int n)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "'%s' %s '%s' %ld %ld", self, phase, path, a, b);
	fflush(stdout);
	FILE *f = popen(cmd, "r");
	int got = 0;
	while (f && got < n && fscanf(f, "%lf", &v[got]) == 1)
		got++;
	if (!f || pclose(f) != 0 || got != n) {
		fprintf(stderr, "bench: phase %s failed\n", phase);
		exit(1);
	}
}

/* ---- the main run --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "delete"))
		return phase_delete(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "retention"))
		return phase_retention(argv[2], atol(argv[3]));
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long nodes = argc > 2 ? atol(argv[2]) : 1000000;
	char path[1024];
	snprintf(path, sizeof path, "%s/bench-datagov.db", dir);
	rm_db(path);
	mlmd_store *s = open_store(path);
	int64_t raw = bench_node_type(s, 1, "Raw"), scratch = bench_node_type(s, 1, "Scratch");
	int64_t step = bench_node_type(s, 0, "Step");
	double t0 = now_s();
	/* the filler, in transactions of 30,000 nodes */
	long built = 0;
	size_t chunk = 10000, n_scratch = 0;
	int64_t *scratch_ids = malloc(DELETE_N * sizeof *scratch_ids);
	int64_t *r = malloc(chunk * sizeof *r), *x = malloc(chunk * sizeof *x), *o = malloc(chunk * sizeof *o);
	while (built + 3 <= nodes) {
		size_t k = (size_t)((nodes - built) / 3);
		if (k > chunk)
			k = chunk;
		if (mlmd_store_begin(s, 1))
			die("begin");
		put_nodes(s, 1, raw, k, r);
		put_nodes(s, 0, step, k, x);
		put_nodes(s, 1, scratch, k, o);
		for (size_t i = 0; i < k && n_scratch < DELETE_N; i++)
			scratch_ids[n_scratch++] = o[i];
		put_events(s, r, x, k, 1);
		put_events(s, o, x, k, 0);
		if (mlmd_store_commit(s))
			die("commit");
		built += 3 * (long)k;
	}
	free(r);
	free(x);
	free(o);
	char ipath[1100];
	snprintf(ipath, sizeof ipath, "%s.ids", path);
	FILE *idf = fopen(ipath, "wb");
	if (!idf || fwrite(scratch_ids, sizeof *scratch_ids, n_scratch, idf) != n_scratch || fclose(idf))
		die("ids file");
	free(scratch_ids);
	printf("datagov: a store of %ld nodes built in %.1f s\n", built, now_s() - t0);

	mlmd_store_free(s);

	/* the phases, each repetition in a process of its own: a slice of the
	 * Scratch artifacts deleted, then a retention run deleting a slice of
	 * the Raw artifacts (keep_last lowered by a slice each time, down to
	 * 1000), so the repetitions together do what one run did before */
	int reps = bench_rep_count();
	long raw_n = built / 3, slice = (raw_n - 1000) / reps;
	bench_reps del_rate = { 0 }, del_rss = { 0 }, del_gc = { 0 }, ret_s = { 0 }, ret_rss = { 0 }, again_s = { 0 };
	double dv[7], rv[7], deleted = 0, props = 0, r_deleted = 0, r_examined = 0, again_deleted = 0;
	for (int k = 0; k < reps; k++) {
		run_phase(argv[0], "delete", path, k, reps, dv, 7);
		bench_reps_add(&del_rate, dv[0] / dv[1]);
		bench_reps_add(&del_rss, dv[3]);
		bench_reps_add(&del_gc, dv[6]);
		deleted += dv[0], props += dv[2];
	}
	for (int k = 0; k < reps; k++) {
		long keep = k == reps - 1 ? 1000 : raw_n - (long)(k + 1) * slice;
		run_phase(argv[0], "retention", path, keep, 0, rv, 7);
		bench_reps_add(&ret_s, rv[2]);
		bench_reps_add(&ret_rss, rv[3]);
		bench_reps_add(&again_s, rv[6]);
		r_deleted += rv[0], r_examined += rv[1], again_deleted += rv[5];
	}
	unlink(ipath);
	printf("datagov: median of %d repetitions (each in a process of its own), \u00b1 the range over the median\n",
	       reps);
	printf("datagov: DeleteNodes of %.0f artifacts in %d calls (%.0f properties removed); RunRetention (keep the "
	       "last Raw, lowered by %ld a run to 1000) deleted %.0f (%.0f examined, summed over the runs), and %.0f when "
	       "run again\n",
	       deleted, reps, props, slice, r_deleted, r_examined, again_deleted);
	char name[96];
	snprintf(name, sizeof name, "datagov: DeleteNodes, %.0f artifacts a call", deleted / reps);
	bench_head("", "figure", NULL, NULL);
	bench_row(name, "%.0f nodes/s", &del_rate, NULL, NULL, NULL);
	bench_row("datagov: DeleteNodes peak RSS", "%.0f MB", &del_rss, NULL, NULL, NULL);
	bench_row("datagov: gc after it", "%.2f s", &del_gc, NULL, NULL, NULL);
	snprintf(name, sizeof name, "datagov: RunRetention, %ld Raw a run", slice);
	bench_row(name, "%.2f s", &ret_s, NULL, NULL, NULL);
	bench_row("datagov: RunRetention peak RSS", "%.0f MB", &ret_rss, NULL, NULL, NULL);
	bench_row("datagov: RunRetention again (nothing to delete)", "%.2f s", &again_s, NULL, NULL, NULL);
	rm_db(path);
	return 0;
}

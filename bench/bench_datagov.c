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

static int phase_delete(const char *path)
{
	mlmd_store *s = open_store(path);
	long before = rss_kb();
	/* the Scratch artifacts the main run wrote down (DIR/bench-datagov.ids) */
	char ipath[1100];
	snprintf(ipath, sizeof ipath, "%s.ids", path);
	FILE *f = fopen(ipath, "rb");
	int64_t *ids = malloc(DELETE_N * sizeof *ids);
	size_t n = f ? fread(ids, sizeof *ids, DELETE_N, f) : 0;
	if (f)
		fclose(f);
	unlink(ipath);
	long listed = rss_kb();
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.n_ids = n;
	rq.ids = ids;
	rq.reason = "bench";
	double t0 = now_s();
	Mlmd__Pb__Governance__DeleteNodesResponse *rs =
		bench_rpc(s, "DeleteNodes", &rq.base, &mlmd__pb__governance__delete_nodes_response__descriptor);
	double t = now_s() - t0;
	printf("datagov: DeleteNodes of %zu artifacts in one call: %.2f s (%.0f nodes/s), %lld properties removed; "
	       "peak RSS %ld MB (%ld MB after opening, %ld MB with the id list)\n",
	       rs->n_deleted, t, (double)rs->n_deleted / t, (long long)rs->properties_removed, rss_kb() / 1024,
	       before / 1024, listed / 1024);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	free(ids);
	double g0 = now_s();
	mlmd_gc_result gc;
	if (mlmd_store_gc(s, 0, &gc))
		die("gc");
	printf("datagov: gc after it: %.2f s (%s)\n", now_s() - g0, gc.detail);
	mlmd_store_free(s);
	return 0;
}

static int phase_retention(const char *path)
{
	mlmd_store *s = open_store(path);
	long before = rss_kb();
	Mlmd__Pb__Governance__RetentionPolicy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	p.type_name = "Raw";
	p.has_kind = 1;
	p.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	p.has_keep_last = 1;
	p.keep_last = 1000;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest sq = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	sq.policy = &p;
	bench_rpc(s, "SetRetentionPolicy", &sq.base, NULL);
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	double t0 = now_s();
	Mlmd__Pb__Governance__RunRetentionResponse *rs =
		bench_rpc(s, "RunRetention", &rq.base, &mlmd__pb__governance__run_retention_response__descriptor);
	double t = now_s() - t0;
	int64_t examined = rs->n_results ? rs->results[0]->examined : 0;
	printf("datagov: RunRetention (keep the last 1000 Raw) over the store: %lld of %lld examined deleted in %.2f s; "
	       "peak RSS %ld MB (%ld MB after opening)\n",
	       (long long)rs->deleted, (long long)examined, t, rss_kb() / 1024, before / 1024);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	t0 = now_s();
	rs = bench_rpc(s, "RunRetention", &rq.base, &mlmd__pb__governance__run_retention_response__descriptor);
	printf("datagov: RunRetention again: %lld deleted in %.2f s\n", (long long)rs->deleted, now_s() - t0);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	mlmd_store_free(s);
	return 0;
}

static void run_phase(const char *self, const char *phase, const char *path)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl(self, self, phase, path, (char *)NULL);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench: phase %s failed\n", phase);
		exit(1);
	}
}

/* ---- the main run --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "delete"))
		return phase_delete(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "retention"))
		return phase_retention(argv[2]);
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
	run_phase(argv[0], "delete", path);
	run_phase(argv[0], "retention", path);
	rm_db(path);
	return 0;
}

/*
 * bench/bench_openlineage.c - OpenLineage out and in, next to our own
 * JSON-lines export and import of the same store, in the same run.
 *
 * Builds a store of N executions (default 100,000) in the lineage
 * benchmark's shape (bench_query.c: chains of 50 artifacts, each execution
 * reading one and writing the next, so one input and one output each), all
 * COMPLETE, then measures with the wall clock:
 *   1. mlmd_openlineage_export of the store into memory (START + COMPLETE
 *      per execution): events/s;
 *   2. mlmd_openlineage_import of those events into an empty store (one
 *      transaction): events/s; and the same through `mlmd import --format
 *      openlineage` (reading the file included);
 *   3. `mlmd export` (JSON lines) of the store and `mlmd import` of it into
 *      an empty store: rows/s;
 * and prints one table with the ratio of each to our JSON-lines import.
 *
 *   bench_openlineage DIR MLMD [--executions N]
 *
 * The stores and files it writes under DIR are removed at the end, except
 * the source store and the events with BENCH_KEEP=1 in the environment
 * (to profile the ingest on them).
 */
#include <string.h>
#include "bench.h"

#define CHAIN 50

/* The store: chains of CHAIN artifacts and CHAIN-1 executions, n executions in all. */
static void build(mlmd_store *s, size_t n)
{
	int64_t atid = bench_artifact_type(s, "Data");
	int64_t etid = bench_execution_type(s, "Step");

	Mlmd__Pb__Artifact art[CHAIN], *artp[CHAIN];
	Mlmd__Pb__Execution exe[CHAIN - 1], *exep[CHAIN - 1];
	Mlmd__Pb__Event ev[2 * (CHAIN - 1)];
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[2 * (CHAIN - 1)], *edp[2 * (CHAIN - 1)];
	char uris[CHAIN][48];
	size_t made = 0, k = 0;
	if (mlmd_store_begin(s, 1))
		die("begin");
	while (made < n) {
		size_t ne = 0, nx = n - made < CHAIN - 1 ? n - made : CHAIN - 1;
		for (size_t i = 0; i <= nx; i++, k++) {
			art[i] = (Mlmd__Pb__Artifact)MLMD__PB__ARTIFACT__INIT;
			art[i].has_type_id = 1;
			art[i].type_id = atid;
			snprintf(uris[i], sizeof uris[i], "s3://bench/data/part-%zu", k);
			art[i].uri = uris[i];
			artp[i] = &art[i];
			if (i == nx)
				continue;
			exe[i] = (Mlmd__Pb__Execution)MLMD__PB__EXECUTION__INIT;
			exe[i].has_type_id = 1;
			exe[i].type_id = etid;
			exe[i].has_last_known_state = 1;
			exe[i].last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
			exep[i] = &exe[i];
			for (int j = 0; j < 2; j++, ne++) {
				ev[ne] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
				ev[ne].has_type = 1;
				ev[ne].type = j ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
				ed[ne] = (Mlmd__Pb__PutLineageSubgraphRequest__EventEdge)
					MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
				ed[ne].has_execution_index = ed[ne].has_artifact_index = 1;
				ed[ne].execution_index = (int32_t)i;
				ed[ne].artifact_index = (int32_t)i + j;
				ed[ne].event = &ev[ne];
				edp[ne] = &ed[ne];
			}
		}
		Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
		Mlmd__Pb__PutLineageSubgraphResponse *rs;
		rq.n_artifacts = nx + 1;
		rq.artifacts = artp;
		rq.n_executions = nx;
		rq.executions = exep;
		rq.n_event_edges = ne;
		rq.event_edges = edp;
		if (mlmd_store_put_lineage_subgraph(s, &rq, &rs))
			die("put chain");
		mlmd_message_free(rs);
		made += nx;
	}
	if (mlmd_store_commit(s))
		die("commit");
}

typedef struct text {
	char *p;
	size_t len, cap;
} text;

static int sink(const char *event, size_t len, void *user)
{
	text *t = user;
	if (t->len + len + 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1 << 20;
		while (cap < t->len + len + 2)
			cap *= 2;
		char *g = realloc(t->p, cap);
		if (!g)
			return 1;
		t->p = g;
		t->cap = cap;
	}
	memcpy(t->p + t->len, event, len);
	t->len += len;
	t->p[t->len++] = '\n';
	return 0;
}

/* Runs a shell command and returns its wall time; exits when it fails. */
static double timed(const char *cmd)
{
	double t0 = now_s();
	if (system(cmd)) {
		fprintf(stderr, "bench: %s failed\n", cmd);
		exit(1);
	}
	return now_s() - t0;
}

static size_t count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t n = 0;
	int c;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *cli = NULL;
	size_t n = 100000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--executions") && i + 1 < argc)
			n = (size_t)strtoull(argv[++i], NULL, 10);
		else if (!dir)
			dir = argv[i];
		else
			cli = argv[i];
	}
	if (!dir || !cli || n < 1) {
		fprintf(stderr, "usage: bench_openlineage DIR MLMD [--executions N]\n");
		return 2;
	}
	char src[1024], dst[1024], dst_cli[1024], dst_jsonl[1024], ol_path[1024], jsonl[1024], cmd[4096];
	snprintf(src, sizeof src, "%s/ol_src.db", dir);
	snprintf(dst, sizeof dst, "%s/ol_dst.db", dir);
	snprintf(dst_cli, sizeof dst_cli, "%s/ol_dst_cli.db", dir);
	snprintf(dst_jsonl, sizeof dst_jsonl, "%s/ol_dst_jsonl.db", dir);
	snprintf(ol_path, sizeof ol_path, "%s/ol_events.ndjson", dir);
	snprintf(jsonl, sizeof jsonl, "%s/ol_export.jsonl", dir);

	mlmd_store *s = bench_open_sqlite(src, 1, NULL);
	double t0 = now_s();
	build(s, n);
	double t_build = now_s() - t0;

	/* 1. OpenLineage export into memory */
	text t = { 0 };
	size_t n_events = 0;
	t0 = now_s();
	if (mlmd_openlineage_export(s, NULL, sink, &t, &n_events))
		die("mlmd_openlineage_export");
	double t_export = now_s() - t0;
	mlmd_store_free(s);
	FILE *f = fopen(ol_path, "wb");
	if (!f || fwrite(t.p, 1, t.len, f) != t.len || fclose(f)) {
		perror(ol_path);
		return 1;
	}

	/* 2. OpenLineage ingest into an empty store: the library, then the command */
	mlmd_store *d = bench_open_sqlite(dst, 1, NULL);
	mlmd_openlineage_import_report r;
	t0 = now_s();
	if (mlmd_openlineage_import(d, NULL, t.p, t.len, NULL, NULL, &r))
		die("mlmd_openlineage_import");
	double t_ingest = now_s() - t0;
	if (r.events != n_events || r.skipped || r.executions_created != n) {
		fprintf(stderr, "bench: the import read %zu events (%zu skipped) and created %zu executions; expected %zu "
			"events and %zu executions\n", r.events, r.skipped, r.executions_created, n_events, n);
		return 1;
	}
	mlmd_store_free(d);
	rm_db(dst_cli);
	snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' import --format openlineage '%s' 2>/dev/null", cli, dst_cli,
		 ol_path);
	double t_ingest_cli = timed(cmd);

	/* 3. our JSON lines: mlmd export, mlmd import into an empty store */
	snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' export '%s' 2>/dev/null", cli, src, jsonl);
	double t_jexport = timed(cmd);
	size_t rows = count_lines(jsonl);
	rm_db(dst_jsonl);
	snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' import '%s' 2>/dev/null", cli, dst_jsonl, jsonl);
	double t_jimport = timed(cmd);

	double jin = (double)rows / t_jimport;
	printf("openlineage: a store of %zu executions (%zu artifacts, %zu INPUT/OUTPUT events) built in %.1f s; "
	       "%zu OpenLineage events (%.1f MB), %zu JSON-lines rows\n",
	       n, n + (n + CHAIN - 2) / (CHAIN - 1), 2 * n, t_build, n_events, (double)t.len / 1e6, rows);
	printf("openlineage: %-48s %10s %12s %14s\n", "what", "seconds", "per second", "vs jsonl import");
	printf("openlineage: %-48s %10.2f %12.0f %14.2f\n", "OpenLineage export (library, events)", t_export,
	       (double)n_events / t_export, (double)n_events / t_export / jin);
	printf("openlineage: %-48s %10.2f %12.0f %14.2f\n", "OpenLineage ingest (library, events)", t_ingest,
	       (double)n_events / t_ingest, (double)n_events / t_ingest / jin);
	printf("openlineage: %-48s %10.2f %12.0f %14.2f\n", "OpenLineage ingest (mlmd import, events)", t_ingest_cli,
	       (double)n_events / t_ingest_cli, (double)n_events / t_ingest_cli / jin);
	printf("openlineage: %-48s %10.2f %12.0f %14.2f\n", "JSON lines: mlmd export (rows)", t_jexport,
	       (double)rows / t_jexport, (double)rows / t_jexport / jin);
	printf("openlineage: %-48s %10.2f %12.0f %14.2f\n", "JSON lines: mlmd import (rows)", t_jimport, jin, 1.0);
	free(t.p);
	if (!getenv("BENCH_KEEP")) rm_db(src);
	rm_db(dst);
	rm_db(dst_cli);
	rm_db(dst_jsonl);
	if (!getenv("BENCH_KEEP")) unlink(ol_path);
	unlink(jsonl);
	return 0;
}

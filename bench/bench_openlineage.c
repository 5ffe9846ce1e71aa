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
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread; a repetition runs the five cases in turns (the baseline,
 * our JSON-lines import, last in even repetitions and first in odd ones),
 * and the ratios are taken per repetition. To keep the run's length, the
 * store holds N / repetitions executions (20,000 by default), so the
 * repetitions together move as much as one pass over N did before.
 *
 *   bench_openlineage DIR MLMD [--executions N]
 *
 * The stores and files it writes under DIR are removed at the end, except
 * the source store and the events with BENCH_KEEP=1 in the environment
 * (to profile the ingest on them).
 */
#include <string.h>
#define BENCH_NAME_W 54 /* "openlineage: " and the case */
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

	int reps = bench_rep_count();
	size_t per = n / (size_t)reps < 1 ? 1 : n / (size_t)reps; /* the store's executions: n split among the repetitions */
	mlmd_store *s = bench_open_sqlite(src, 1, NULL);
	double t0 = now_s();
	build(s, per);
	double t_build = now_s() - t0;
	mlmd_store_free(s);

	/* the cases; the last (our JSON-lines import) is the baseline of every ratio */
	enum { OL_EXPORT, OL_INGEST, OL_INGEST_CLI, J_EXPORT, J_IMPORT, N_CASES };
	static const char *const name[N_CASES] = { "OpenLineage export (library, events)",
		"OpenLineage ingest (library, events)", "OpenLineage ingest (mlmd import, events)",
		"JSON lines: mlmd export (rows)", "JSON lines: mlmd import (rows)" };
	bench_reps rate[N_CASES] = { { { 0 }, 0 } }, ratio[N_CASES] = { { { 0 }, 0 } };
	size_t n_events = 0, rows = 0, ol_bytes = 0;
	for (int rep = 0; rep < reps; rep++) {
		double r[N_CASES];
		/* even repetitions end with the baseline, odd ones start with it (it
		 * imports the file the previous repetition exported) */
		for (int j = 0; j < N_CASES; j++) {
			int c = rep & 1 ? (j + N_CASES - 1) % N_CASES : j;
			if (c == OL_EXPORT || c == OL_INGEST) {
				/* the library: export into memory, then ingest that into an empty store */
				text t = { 0 };
				s = bench_open_sqlite(src, 0, NULL);
				t0 = now_s();
				if (mlmd_openlineage_export(s, NULL, sink, &t, &n_events))
					die("mlmd_openlineage_export");
				double dt = now_s() - t0;
				mlmd_store_free(s);
				if (c == OL_EXPORT) {
					r[c] = (double)n_events / dt;
					ol_bytes = t.len;
					FILE *f = fopen(ol_path, "wb");
					if (!f || fwrite(t.p, 1, t.len, f) != t.len || fclose(f)) {
						perror(ol_path);
						return 1;
					}
				} else {
					mlmd_store *d = bench_open_sqlite(dst, 1, NULL);
					mlmd_openlineage_import_report ir;
					t0 = now_s();
					if (mlmd_openlineage_import(d, NULL, t.p, t.len, NULL, NULL, &ir))
						die("mlmd_openlineage_import");
					r[c] = (double)n_events / (now_s() - t0);
					if (ir.events != n_events || ir.skipped || ir.executions_created != per) {
						fprintf(stderr, "bench: the import read %zu events (%zu skipped) and created %zu "
							"executions; expected %zu events and %zu executions\n", ir.events, ir.skipped,
							ir.executions_created, n_events, per);
						return 1;
					}
					mlmd_store_free(d);
				}
				free(t.p);
			} else if (c == OL_INGEST_CLI) { /* the events file of OL_EXPORT, which always runs before */
				rm_db(dst_cli);
				snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' import --format openlineage '%s' 2>/dev/null",
					 cli, dst_cli, ol_path);
				r[c] = (double)n_events / timed(cmd);
			} else if (c == J_EXPORT) {
				snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' export '%s' 2>/dev/null", cli, src, jsonl);
				double dt = timed(cmd);
				rows = count_lines(jsonl);
				r[c] = (double)rows / dt;
			} else {
				rm_db(dst_jsonl);
				snprintf(cmd, sizeof cmd, "'%s' --store 'sqlite:%s' import '%s' 2>/dev/null", cli, dst_jsonl,
					 jsonl);
				r[c] = (double)rows / timed(cmd);
			}
		}
		for (int c = 0; c < N_CASES; c++) {
			bench_reps_add(&rate[c], r[c]);
			bench_reps_add(&ratio[c], r[c] / r[J_IMPORT]);
		}
	}
	printf("openlineage: a store of %zu executions (%zu artifacts, %zu INPUT/OUTPUT events) built in %.1f s; "
	       "%zu OpenLineage events (%.1f MB), %zu JSON-lines rows; median of %d repetitions, \u00b1 the range over "
	       "the median\n",
	       per, per + (per + CHAIN - 2) / (CHAIN - 1), 2 * per, t_build, n_events, (double)ol_bytes / 1e6, rows, reps);
	bench_head("openlineage: what", "per second", "jsonl import per s", "vs jsonl import");
	for (int c = 0; c < N_CASES; c++) {
		char label[96];
		snprintf(label, sizeof label, "openlineage: %s", name[c]);
		bench_row(label, "%.0f", &rate[c], &rate[J_IMPORT], "%.2f", &ratio[c]);
	}
	if (!getenv("BENCH_KEEP")) rm_db(src);
	rm_db(dst);
	rm_db(dst_cli);
	rm_db(dst_jsonl);
	if (!getenv("BENCH_KEEP")) unlink(ol_path);
	unlink(jsonl);
	return 0;
}

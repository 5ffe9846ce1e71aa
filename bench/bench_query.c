/*
 * bench/bench_query.c - query benchmark (make bench). Not a test.
 *
 * Builds a store of chains through the API: each chain is 50 artifacts and
 * 49 executions, a[i] -INPUT-> e[i] -OUTPUT-> a[i+1]; every artifact has an
 * int property `shard` = its number mod 100. Then, in the same run, each
 * workload through mlmd and as hand-written raw SQLite over the same file:
 *   1. 10-hop downstream lineage from random chain heads (µs per query),
 *      hydrated: nodes with properties and type names, and the events
 *   2. a filter returning 1 % of the artifacts (properties.shard.int_value
 *      = 7), 100-row pages, first to last (ms per page)
 * Usage: bench_query DIR [ARTIFACTS]   (default 100k artifacts, about 200k
 * nodes; make bench also runs 505k artifacts, about 1M nodes)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>
#include "bench.h"

#define CHAIN 50
#define HOPS 10
#define QUERIES 2000

/* ---- building the store through the API -------------------------------------- */

static int64_t build(mlmd_store *s, int chains, int64_t **heads_out)
{
	Mlmd__Pb__ArtifactType *at = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	mlmd_message_set_string(at, "name", "Data");
	mlmd_type_add_property(at, "shard", MLMD__PB__PROPERTY_TYPE__INT);
	Mlmd__Pb__PutArtifactTypeRequest arq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *ars;
	arq.artifact_type = at;
	if (mlmd_store_put_artifact_type(s, &arq, &ars))
		die("artifact type");
	int64_t atid = ars->type_id;
	mlmd_message_free(ars);
	mlmd_message_free(at);
	int64_t etid = bench_execution_type(s, "Step");

	int64_t *heads = malloc(sizeof *heads * (size_t)chains);
	Mlmd__Pb__Artifact art[CHAIN], *artp[CHAIN];
	Mlmd__Pb__Execution exe[CHAIN - 1], *exep[CHAIN - 1];
	Mlmd__Pb__Event ev[2 * (CHAIN - 1)];
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[2 * (CHAIN - 1)], *edp[2 * (CHAIN - 1)];
	Mlmd__Pb__Value val[CHAIN];
	Mlmd__Pb__Artifact__PropertiesEntry pe[CHAIN], *pep[CHAIN];
	int64_t n = 0;
	for (int c = 0; c < chains; c++) {
		size_t ne = 0;
		for (int i = 0; i < CHAIN; i++, n++) {
			art[i] = (Mlmd__Pb__Artifact)MLMD__PB__ARTIFACT__INIT;
			art[i].has_type_id = 1;
			art[i].type_id = atid;
			val[i] = (Mlmd__Pb__Value)MLMD__PB__VALUE__INIT;
			val[i].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
			val[i].int_value = n % 100;
			pe[i] = (Mlmd__Pb__Artifact__PropertiesEntry)MLMD__PB__ARTIFACT__PROPERTIES_ENTRY__INIT;
			pe[i].key = "shard";
			pe[i].value = &val[i];
			pep[i] = &pe[i];
			art[i].n_properties = 1;
			art[i].properties = &pep[i];
			artp[i] = &art[i];
			if (i == CHAIN - 1)
				continue;
			exe[i] = (Mlmd__Pb__Execution)MLMD__PB__EXECUTION__INIT;
			exe[i].has_type_id = 1;
			exe[i].type_id = etid;
			exep[i] = &exe[i];
			for (int k = 0; k < 2; k++, ne++) {
				ev[ne] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
				ev[ne].has_type = 1;
				ev[ne].type = k ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
				ed[ne] = (Mlmd__Pb__PutLineageSubgraphRequest__EventEdge)
					MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
				ed[ne].has_execution_index = ed[ne].has_artifact_index = 1;
				ed[ne].execution_index = i;
				ed[ne].artifact_index = i + k;
				ed[ne].event = &ev[ne];
				edp[ne] = &ed[ne];
			}
		}
		Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
		Mlmd__Pb__PutLineageSubgraphResponse *rs;
		rq.n_artifacts = CHAIN;
		rq.artifacts = artp;
		rq.n_executions = CHAIN - 1;
		rq.executions = exep;
		rq.n_event_edges = ne;
		rq.event_edges = edp;
		if (mlmd_store_put_lineage_subgraph(s, &rq, &rs))
			die("put chain");
		heads[c] = rs->artifact_ids[0];
		mlmd_message_free(rs);
	}
	*heads_out = heads;
	return n;
}

/* ---- raw SQLite: the same work by hand --------------------------------------------- */

typedef struct raw {
	sqlite3 *db;
	sqlite3_stmt *ev_a, *ev_e, *art, *exe, *props, *events, *page;
} raw;

static void prep(raw *r, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw: %s: %s\n", sql, sqlite3_errmsg(r->db));
		exit(1);
	}
}

static void raw_open(raw *r, const char *path)
{
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		exit(1);
	prep(r, &r->ev_a, "SELECT execution_id, type FROM event WHERE artifact_id = ?");
	prep(r, &r->ev_e, "SELECT artifact_id, type FROM event WHERE execution_id = ?");
	prep(r, &r->art, "SELECT a.id, a.type_id, t.name, a.name, a.uri, a.state, a.create_time, a.update_time"
			 " FROM artifact a JOIN type t ON t.id = a.type_id WHERE a.id = ?");
	prep(r, &r->exe, "SELECT x.id, x.type_id, t.name, x.name, x.state, x.create_time, x.update_time"
			 " FROM execution x JOIN type t ON t.id = x.type_id WHERE x.id = ?");
	prep(r, &r->props, "SELECT name, value_type, int_value, double_value, string_value FROM artifact_property"
			   " WHERE node_id = ?");
	prep(r, &r->events, "SELECT id, execution_id, type, time FROM event WHERE artifact_id = ?");
	prep(r, &r->page, "SELECT a.id FROM artifact a JOIN artifact_property p ON p.node_id = a.id AND p.is_custom = 0"
			  " AND p.name = 'shard' WHERE p.int_value = ? AND a.id > ? ORDER BY a.id LIMIT 101");
}

static void raw_close(raw *r)
{
	sqlite3_finalize(r->ev_a);
	sqlite3_finalize(r->ev_e);
	sqlite3_finalize(r->art);
	sqlite3_finalize(r->exe);
	sqlite3_finalize(r->props);
	sqlite3_finalize(r->events);
	sqlite3_finalize(r->page);
	sqlite3_close(r->db);
}

static long read_artifact(raw *r, int64_t id)
{
	long sum = 0;
	sqlite3_bind_int64(r->art, 1, id);
	if (sqlite3_step(r->art) == SQLITE_ROW) {
		sum += sqlite3_column_int64(r->art, 0) + sqlite3_column_bytes(r->art, 2);
		sqlite3_bind_int64(r->props, 1, id);
		while (sqlite3_step(r->props) == SQLITE_ROW)
			sum += sqlite3_column_int64(r->props, 2);
		sqlite3_reset(r->props);
	}
	sqlite3_reset(r->art);
	return sum;
}

/* A 10-hop downstream walk from one artifact, reading every node it finds
 * and the events among them: what the lineage call returns, by hand. The
 * chains have no branches, so a walk is a list. */
static long raw_walk(raw *r, int64_t head)
{
	sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL); /* one snapshot, as mlmd reads */
	int64_t arts[HOPS + 1], exes[HOPS + 1];
	int na = 0, nx = 0;
	long sum = 0;
	arts[na++] = head;
	int64_t cur = head;
	int from_artifact = 1;
	for (int h = 0; h < HOPS; h++) {
		sqlite3_stmt *st = from_artifact ? r->ev_a : r->ev_e;
		sqlite3_bind_int64(st, 1, cur);
		int64_t next = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			int t = sqlite3_column_int(st, 1);
			int down = from_artifact ? t == MLMD__PB__EVENT__TYPE__INPUT : t == MLMD__PB__EVENT__TYPE__OUTPUT;
			if (down)
				next = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (!next)
			break;
		if (from_artifact)
			exes[nx++] = next;
		else
			arts[na++] = next;
		cur = next;
		from_artifact = !from_artifact;
	}
	for (int i = 0; i < na; i++) {
		sum += read_artifact(r, arts[i]);
		sqlite3_bind_int64(r->events, 1, arts[i]);
		while (sqlite3_step(r->events) == SQLITE_ROW) {
			int64_t e = sqlite3_column_int64(r->events, 1);
			for (int j = 0; j < nx; j++)
				if (exes[j] == e)
					sum += sqlite3_column_int64(r->events, 0) + sqlite3_column_int64(r->events, 3);
		}
		sqlite3_reset(r->events);
	}
	for (int i = 0; i < nx; i++) {
		sqlite3_bind_int64(r->exe, 1, exes[i]);
		if (sqlite3_step(r->exe) == SQLITE_ROW)
			sum += sqlite3_column_int64(r->exe, 0) + sqlite3_column_bytes(r->exe, 2);
		sqlite3_reset(r->exe);
	}
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	return sum;
}

/* ---- mlmd ---------------------------------------------------------------------------- */

/* One 10-hop downstream walk from `head`. `everything`: the default read
 * mask (types, contexts, all edges); otherwise nodes and events only, what
 * the raw walk reads. Returns the nodes found. */
static long lineage(mlmd_store *s, int64_t head, int everything)
{
	char filter[48];
	snprintf(filter, sizeof filter, "id = %lld", (long long)head);
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	o.has_max_num_hops = 1;
	o.max_num_hops = HOPS;
	o.has_direction = 1;
	o.direction = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM;
	char *paths[] = { "artifacts", "executions", "events" };
	Mlmd__Pb__Wkt__FieldMask fm = MLMD__PB__WKT__FIELD_MASK__INIT;
	fm.n_paths = 3;
	fm.paths = paths;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &o;
	rq.read_mask = everything ? NULL : &fm;
	Mlmd__Pb__GetLineageSubgraphResponse *rs;
	if (mlmd_store_get_lineage_subgraph(s, &rq, &rs))
		die("lineage");
	long n = (long)(rs->lineage_subgraph->n_artifacts + rs->lineage_subgraph->n_executions);
	mlmd_message_free(rs);
	return n;
}

/* Pages through the filter; returns rows seen, and the page count. */
static long filter_pages(mlmd_store *s, int *pages)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.has_max_result_size = 1;
	o.max_result_size = 100;
	o.filter_query = "properties.shard.int_value = 7";
	char *tok = NULL;
	long rows = 0;
	*pages = 0;
	do {
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs;
		o.next_page_token = tok;
		rq.options = &o;
		if (mlmd_store_get_artifacts(s, &rq, &rs))
			die("filter page");
		free(tok);
		tok = rs->next_page_token && *rs->next_page_token ? strdup(rs->next_page_token) : NULL;
		rows += (long)rs->n_artifacts;
		(*pages)++;
		mlmd_message_free(rs);
	} while (tok);
	return rows;
}

static long raw_filter_pages(raw *r, int *pages)
{
	long rows = 0;
	int64_t last = 0;
	*pages = 0;
	for (;;) {
		int64_t ids[101];
		int n = 0;
		sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_int64(r->page, 1, 7);
		sqlite3_bind_int64(r->page, 2, last);
		while (sqlite3_step(r->page) == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(r->page, 0);
		sqlite3_reset(r->page);
		int take = n > 100 ? 100 : n;
		for (int i = 0; i < take; i++)
			read_artifact(r, ids[i]);
		sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
		rows += take;
		(*pages)++;
		if (n <= 100)
			break;
		last = ids[99];
	}
	return rows;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	long nodes = argc > 2 ? atol(argv[2]) : 100000;
	int chains = (int)(nodes / CHAIN);
	if (chains < 1)
		chains = 1;
	mkdir(dir, 0755);
	char path[1024], uri[1100];
	snprintf(path, sizeof path, "%s/bench-query-%ld.db", dir, nodes);
	rm_db(path);
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &so))
		die("open");
	double t0 = now_s();
	int64_t *heads;
	int64_t narts = build(s, chains, &heads);
	double tb = now_s() - t0;
	long total = (long)narts + (long)chains * (CHAIN - 1);
	printf("query bench: %d chains of %d artifacts + %d executions = %ld nodes, %ld events; built through "
	       "PutLineageSubgraph in %.1f s (%.0f nodes/s)\n",
	       chains, CHAIN, CHAIN - 1, total, (long)chains * 2 * (CHAIN - 1), tb, total / tb);

	raw r;
	raw_open(&r, path);
	srandom(42);
	int64_t *pick = malloc(sizeof *pick * QUERIES);
	for (int i = 0; i < QUERIES; i++)
		pick[i] = heads[random() % chains];
	long sink = 0;
	/* warm both caches the same way */
	for (int i = 0; i < 200; i++)
		sink += lineage(s, pick[i], 0) + raw_walk(&r, pick[i]);

	t0 = now_s();
	for (int i = 0; i < QUERIES; i++)
		sink += raw_walk(&r, pick[i]);
	double raw_us = (now_s() - t0) / QUERIES * 1e6;
	t0 = now_s();
	long found = 0;
	for (int i = 0; i < QUERIES; i++)
		found += lineage(s, pick[i], 0);
	double our_us = (now_s() - t0) / QUERIES * 1e6;
	t0 = now_s();
	for (int i = 0; i < QUERIES; i++)
		sink += lineage(s, pick[i], 1);
	double all_us = (now_s() - t0) / QUERIES * 1e6;
	printf("  10-hop lineage (%ld nodes each): mlmd %.1f us/query, raw SQLite %.1f us/query, raw/mlmd %.2f "
	       "(1.00 = as fast as hand-written SQL)\n",
	       found / QUERIES, our_us, raw_us, raw_us / our_us);
	printf("  10-hop lineage with types, contexts and all edges (default read mask): %.1f us/query\n", all_us);

	int pages = 0, rpages = 0;
	long rows = filter_pages(s, &pages) + raw_filter_pages(&r, &rpages); /* warm */
	int reps = nodes > 200000 ? 3 : 10;
	t0 = now_s();
	for (int i = 0; i < reps; i++)
		rows = raw_filter_pages(&r, &rpages);
	double raw_ms = (now_s() - t0) / (reps * rpages) * 1e3;
	t0 = now_s();
	for (int i = 0; i < reps; i++)
		rows = filter_pages(s, &pages);
	double our_ms = (now_s() - t0) / (reps * pages) * 1e3;
	printf("  filter 'properties.shard.int_value = 7' (%ld rows, %d pages of 100): mlmd %.3f ms/page, raw SQLite "
	       "%.3f ms/page, raw/mlmd %.2f\n",
	       rows, pages, our_ms, raw_ms, raw_ms / our_ms);
	(void)sink;
	raw_close(&r);
	free(pick);
	free(heads);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}

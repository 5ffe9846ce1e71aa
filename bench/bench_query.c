/*
 * bench/bench_query.c - query benchmark (make bench). Not a test.
 *
 * Builds a store of chains through the API: each chain is 50 artifacts and
 * 49 executions, a[i] -INPUT-> e[i] -OUTPUT-> a[i+1]; every artifact has an
 * int property `shard` = its number mod 100. Then, in the same run, each
 * workload through mlmd and as hand-written raw SQLite over the same file
 * (a connection opened as the library opens its own: no mutex):
 *   1. 10-hop downstream lineage from random chain heads (us per query),
 *      hydrated: nodes with properties and type names, and the events
 *      between them. Ours goes through the bytes entry point
 *      (mlmd_store_call, the request packed per call); the raw walk reads
 *      the same rows (node rows with their type name and tombstone columns,
 *      properties, events, event paths) with one prepared statement per
 *      node, and writes the same GetLineageSubgraphResponse bytes with a
 *      minimal encoder; the two are compared once, outside the timing.
 *      (Ours reads each node with the hop that reaches it, and each
 *      artifact's events with their paths, in one statement each.)
 *      Also ours with the default read mask (types, contexts, all edges),
 *      which has no raw counterpart.
 *   2. a filter returning 1 % of the artifacts (properties.shard.int_value
 *      = 7), 100-row pages, first to last (ms per page): ours through the
 *      typed call, the raw loop reading the rows without encoding them.
 * Every figure is the median of MLMD_BENCH_REPS repetitions (bench.h) with
 * its spread; ours and the raw loop's repetitions alternate, and a ratio is
 * the median of the per-pair ratios (mlmd time / raw time).
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
#define BENCH_NAME_W 56 /* row names carry their sizes */
#include "bench.h"

#define CHAIN BENCH_CHAIN
#define HOPS 10
#define QUERIES 2000

/* ---- building the store through the API -------------------------------------- */

static int64_t build(mlmd_store *s, int chains, int64_t **heads_out)
{
	int64_t etid, atid = bench_chain_types(s, &etid);
	int64_t *heads = malloc(sizeof *heads * (size_t)chains);
	if (!heads)
		die("out of memory");
	int64_t n = 0;
	for (int c = 0; c < chains; c++, n += CHAIN)
		heads[c] = bench_put_chain(s, atid, etid, n);
	*heads_out = heads;
	return n;
}

/* ---- raw SQLite: the same work by hand --------------------------------------------- */

typedef struct raw {
	sqlite3 *db;
	sqlite3_stmt *ev_a, *ev_e, *node[2], *props[2], *events, *path, *art, *aprops, *page;
} raw;

enum { R_EXE = 0, R_ART = 1 };

static void prep(raw *r, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw: %s: %s\n", sql, sqlite3_errmsg(r->db));
		exit(1);
	}
}

#define RAW_NODE(T)                                                                                          \
	"SELECT n.id, n.type_id, t.name, n.name, n.external_id, n.uri, n.state, n.create_time, n.update_time,"  \
	" n.system_metadata, n.deleted_time, n.deleted_by, n.delete_reason FROM " T " n JOIN type t"            \
	" ON t.id = n.type_id WHERE n.id = ?"
#define RAW_PROPS(T)                                                                                         \
	"SELECT is_custom, name, value_type, int_value, double_value, string_value, bool_value, struct_value,"  \
	" proto_value FROM " T "_property WHERE node_id = ? ORDER BY is_custom, name"

static void raw_open(raw *r, const char *path)
{
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		exit(1);
	prep(r, &r->ev_a, "SELECT execution_id, type FROM event WHERE artifact_id = ?");
	prep(r, &r->ev_e, "SELECT artifact_id, type FROM event WHERE execution_id = ?");
	prep(r, &r->node[R_ART], RAW_NODE("artifact"));
	prep(r, &r->node[R_EXE], RAW_NODE("execution"));
	prep(r, &r->props[R_ART], RAW_PROPS("artifact"));
	prep(r, &r->props[R_EXE], RAW_PROPS("execution"));
	prep(r, &r->events, "SELECT id, execution_id, type, time, system_metadata FROM event WHERE artifact_id = ?");
	prep(r, &r->path, "SELECT step_index, step_key FROM event_path WHERE event_id = ? ORDER BY position");
	/* the filter pages read what the walk of issue 21 read: rows, no encoding */
	prep(r, &r->art, "SELECT a.id, a.type_id, t.name, a.name, a.uri, a.state, a.create_time, a.update_time"
			 " FROM artifact a JOIN type t ON t.id = a.type_id WHERE a.id = ?");
	prep(r, &r->aprops, "SELECT name, value_type, int_value, double_value, string_value FROM artifact_property"
			    " WHERE node_id = ?");
	prep(r, &r->page, "SELECT a.id FROM artifact a JOIN artifact_property p ON p.node_id = a.id AND p.is_custom = 0"
			  " AND p.name = 'shard' WHERE p.int_value = ? AND a.id > ? ORDER BY a.id LIMIT 101");
}

static void raw_close(raw *r)
{
	sqlite3_stmt *all[] = { r->ev_a, r->ev_e, r->node[0], r->node[1], r->props[0], r->props[1], r->events,
				r->path, r->art, r->aprops, r->page };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(r->db);
}

/* A minimal protobuf writer: what the bench's rows need (ints, strings,
 * doubles, nested messages); it refuses what they do not hold. */
typedef struct wbuf {
	uint8_t *p;
	size_t len, cap;
} wbuf;

static void w_room(wbuf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? 2 * b->cap : 4096;
	if (!(b->p = realloc(b->p, b->cap)))
		exit(1);
}

static void w_varint(wbuf *b, uint64_t v)
{
	w_room(b, 10);
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static void w_int(wbuf *b, unsigned field, int64_t v)
{
	w_varint(b, field << 3);
	w_varint(b, (uint64_t)v);
}

static void w_bytes(wbuf *b, unsigned field, const void *p, size_t n)
{
	w_varint(b, field << 3 | 2);
	w_varint(b, n);
	w_room(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void w_text(wbuf *b, unsigned field, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) != SQLITE_NULL)
		w_bytes(b, field, sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
}

/* A nested message: its body is written to `tmp`, then copied with its length. */
static void w_nested(wbuf *b, unsigned field, wbuf *tmp)
{
	w_bytes(b, field, tmp->p, tmp->len);
	tmp->len = 0;
}

/* One property row as a map entry (Value: int, double or string here). */
static void w_prop(wbuf *b, sqlite3_stmt *st, wbuf *v, wbuf *e)
{
	switch (sqlite3_column_int(st, 2)) {
	case MLMD__PB__PROPERTY_TYPE__INT: w_int(v, 1, sqlite3_column_int64(st, 3)); break;
	case MLMD__PB__PROPERTY_TYPE__STRING: w_text(v, 3, st, 5); break;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE: {
		double d = sqlite3_column_double(st, 4);
		uint8_t le[8];
		uint64_t u;
		memcpy(&u, &d, 8);
		for (int i = 0; i < 8; i++)
			le[i] = (uint8_t)(u >> 8 * i);
		w_varint(v, 2 << 3 | 1);
		w_room(v, 8);
		memcpy(v->p + v->len, le, 8);
		v->len += 8;
		break;
	}
	default: fprintf(stderr, "raw: a property kind the bench does not write\n"); exit(1);
	}
	w_text(e, 1, st, 1);
	w_nested(e, 2, v);
	w_nested(b, sqlite3_column_int(st, 0) ? 5 : 4, e);
}

/* Node `id` of kind R_ART or R_EXE as LineageGraph field 4 or 5. */
static void w_node(raw *r, int kind, int64_t id, wbuf *g, wbuf *t[3])
{
	sqlite3_stmt *st = r->node[kind], *ps = r->props[kind];
	wbuf *n = t[0];
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int tomb = sqlite3_column_type(st, 10) != SQLITE_NULL;
		if (tomb || sqlite3_column_type(st, 9) != SQLITE_NULL) {
			fprintf(stderr, "raw: a tombstone or system_metadata, which the bench does not write\n");
			exit(1);
		}
		w_int(n, 1, sqlite3_column_int64(st, 0));
		w_int(n, 2, sqlite3_column_int64(st, 1));
		if (kind == R_ART)
			w_text(n, 3, st, 5);
		else if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			w_int(n, 3, sqlite3_column_int(st, 6));
		sqlite3_bind_int64(ps, 1, id);
		while (sqlite3_step(ps) == SQLITE_ROW)
			w_prop(n, ps, t[1], t[2]);
		sqlite3_reset(ps);
		if (kind == R_ART) {
			if (sqlite3_column_type(st, 6) != SQLITE_NULL)
				w_int(n, 6, sqlite3_column_int(st, 6));
			w_text(n, 7, st, 3);
			w_text(n, 8, st, 2);
			w_int(n, 9, sqlite3_column_int64(st, 7));
			w_int(n, 10, sqlite3_column_int64(st, 8));
			w_text(n, 11, st, 4);
		} else {
			w_text(n, 6, st, 3);
			w_text(n, 7, st, 2);
			w_int(n, 8, sqlite3_column_int64(st, 7));
			w_int(n, 9, sqlite3_column_int64(st, 8));
			w_text(n, 10, st, 4);
		}
		w_nested(g, kind == R_ART ? 4 : 5, n);
	}
	sqlite3_reset(st);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* A 10-hop downstream walk from one artifact that reads every node it
 * finds, their properties and the events among them, and writes the
 * GetLineageSubgraphResponse (nodes and events) the bytes entry point
 * returns, into `out`. The chains have no branches, so a walk is a list. */
static int raw_walk(raw *r, int64_t head, wbuf *out)
{
	static wbuf g, t0, t1, t2; /* scratch, kept between calls (a bench, single-threaded) */
	wbuf *t[3] = { &t0, &t1, &t2 };
	sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL); /* one snapshot, as mlmd reads */
	int64_t arts[HOPS + 1], exes[HOPS + 1];
	int na = 0, nx = 0;
	arts[na++] = head;
	int64_t cur = head;
	int from_artifact = 1;
	for (int h = 0; h < HOPS; h++) {
		sqlite3_stmt *st = from_artifact ? r->ev_a : r->ev_e;
		sqlite3_bind_int64(st, 1, cur);
		int64_t next = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			int ty = sqlite3_column_int(st, 1);
			int down = from_artifact ? ty == MLMD__PB__EVENT__TYPE__INPUT : ty == MLMD__PB__EVENT__TYPE__OUTPUT;
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
	qsort(arts, (size_t)na, sizeof *arts, cmp_id);
	qsort(exes, (size_t)nx, sizeof *exes, cmp_id);
	g.len = 0;
	for (int i = 0; i < na; i++)
		w_node(r, R_ART, arts[i], &g, t);
	for (int i = 0; i < nx; i++)
		w_node(r, R_EXE, exes[i], &g, t);
	for (int i = 0; i < na; i++) {
		sqlite3_bind_int64(r->events, 1, arts[i]);
		while (sqlite3_step(r->events) == SQLITE_ROW) {
			int64_t x = sqlite3_column_int64(r->events, 1);
			int in = 0;
			for (int j = 0; j < nx && !in; j++)
				in = exes[j] == x;
			if (!in)
				continue;
			if (sqlite3_column_type(r->events, 4) != SQLITE_NULL) {
				fprintf(stderr, "raw: event system_metadata, which the bench does not write\n");
				exit(1);
			}
			wbuf *e = t[0];
			w_int(e, 1, arts[i]);
			w_int(e, 2, x);
			sqlite3_bind_int64(r->path, 1, sqlite3_column_int64(r->events, 0));
			while (sqlite3_step(r->path) == SQLITE_ROW) {
				if (sqlite3_column_type(r->path, 0) != SQLITE_NULL)
					w_int(t[2], 1, sqlite3_column_int64(r->path, 0));
				else
					w_text(t[2], 2, r->path, 1);
				w_nested(t[1], 1, t[2]);
			}
			sqlite3_reset(r->path);
			if (t[1]->len)
				w_nested(e, 3, t[1]);
			w_int(e, 4, sqlite3_column_int(r->events, 2));
			w_int(e, 5, sqlite3_column_int64(r->events, 3));
			w_nested(&g, 7, e);
		}
		sqlite3_reset(r->events);
	}
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	out->len = 0;
	w_bytes(out, 1, g.p, g.len);
	return na + nx;
}

static long read_artifact(raw *r, int64_t id)
{
	long sum = 0;
	sqlite3_bind_int64(r->art, 1, id);
	if (sqlite3_step(r->art) == SQLITE_ROW) {
		sum += sqlite3_column_int64(r->art, 0) + sqlite3_column_bytes(r->art, 2);
		sqlite3_bind_int64(r->aprops, 1, id);
		while (sqlite3_step(r->aprops) == SQLITE_ROW)
			sum += sqlite3_column_int64(r->aprops, 2);
		sqlite3_reset(r->aprops);
	}
	sqlite3_reset(r->art);
	return sum;
}

/* ---- mlmd ---------------------------------------------------------------------------- */

/* One 10-hop downstream walk from `head` through the bytes entry point
 * (mlmd_store_call), the request packed here as a client would. `everything`:
 * the default read mask (types, contexts, all edges); otherwise nodes and
 * events only, what the raw walk writes. The response's bytes are left in
 * *out (free with mlmd_buffer_free); returns their length. */
static size_t lineage(mlmd_store *s, int64_t head, int everything, void **out)
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
	uint8_t in[256];
	size_t n = protobuf_c_message_get_packed_size(&rq.base);
	if (n > sizeof in)
		die("lineage request size");
	protobuf_c_message_pack(&rq.base, in);
	size_t len = 0;
	if (mlmd_store_call(s, "GetLineageSubgraph", in, n, out, &len))
		die("lineage");
	return len;
}

/* One timed pass of the walks: ours (everything as in lineage()) or the raw walk. */
static double lineage_pass(mlmd_store *s, raw *r, const int64_t *pick, int which, long *sink)
{
	wbuf b = { 0 };
	double t0 = now_s();
	for (int i = 0; i < QUERIES; i++) {
		if (which == 2) {
			*sink += raw_walk(r, pick[i], &b);
		} else {
			void *out = NULL;
			*sink += (long)lineage(s, pick[i], which, &out);
			mlmd_buffer_free(out);
		}
	}
	double us = (now_s() - t0) / QUERIES * 1e6;
	free(b.p);
	return us;
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
	/* the same bytes, checked once outside the timing */
	wbuf rb = { 0 };
	void *ours = NULL;
	int found = raw_walk(&r, pick[0], &rb);
	size_t olen = lineage(s, pick[0], 0, &ours);
	if (olen != rb.len || memcmp(ours, rb.p, olen)) {
		fprintf(stderr, "bench: the raw walk's bytes (%zu) differ from GetLineageSubgraph's (%zu)\n", rb.len, olen);
		return 1;
	}
	mlmd_buffer_free(ours);
	free(rb.p);
	/* warm both caches the same way */
	for (int i = 0; i < 200; i++) {
		ours = NULL;
		sink += (long)lineage(s, pick[i], 0, &ours);
		mlmd_buffer_free(ours);
		rb = (wbuf){ 0 };
		sink += raw_walk(&r, pick[i], &rb);
		free(rb.p);
	}

	/* repetitions: ours and the raw walk's in pairs, the pair's order alternating */
	int reps = bench_rep_count();
	bench_reps l_ours = { 0 }, l_raw = { 0 }, l_ratio = { 0 }, l_all = { 0 };
	for (int k = 0; k < reps; k++) {
		double o, w;
		if (k % 2) {
			w = lineage_pass(s, &r, pick, 2, &sink);
			o = lineage_pass(s, &r, pick, 0, &sink);
		} else {
			o = lineage_pass(s, &r, pick, 0, &sink);
			w = lineage_pass(s, &r, pick, 2, &sink);
		}
		bench_reps_add(&l_ours, o);
		bench_reps_add(&l_raw, w);
		bench_reps_add(&l_ratio, o / w);
		bench_reps_add(&l_all, lineage_pass(s, &r, pick, 1, &sink));
	}

	int pages = 0, rpages = 0;
	long rows = filter_pages(s, &pages) + raw_filter_pages(&r, &rpages); /* warm */
	int passes = nodes > 200000 ? 2 : 5;
	bench_reps f_ours = { 0 }, f_raw = { 0 }, f_ratio = { 0 };
	for (int k = 0; k < reps; k++) {
		double o = 0, w = 0;
		for (int half = 0; half < 2; half++) {
			double t = now_s();
			if ((half + k) % 2 == 0) {
				for (int i = 0; i < passes; i++)
					rows = filter_pages(s, &pages);
				o = (now_s() - t) / (passes * pages) * 1e3;
			} else {
				for (int i = 0; i < passes; i++)
					rows = raw_filter_pages(&r, &rpages);
				w = (now_s() - t) / (passes * rpages) * 1e3;
			}
		}
		bench_reps_add(&f_ours, o);
		bench_reps_add(&f_raw, w);
		bench_reps_add(&f_ratio, o / w);
	}

	char name[96];
	printf("  %d repetitions, median \u00b1spread; ratio = mlmd time / raw time, the median of per-pair ratios "
	       "(1.00 = as fast as hand-written SQL)\n",
	       reps);
	bench_head("", "mlmd", "raw SQLite", "ratio");
	snprintf(name, sizeof name, "10-hop lineage, nodes+events (%d nodes), us/query", found);
	bench_row(name, "%.1f", &l_ours, &l_raw, "%.2fx", &l_ratio);
	bench_row("10-hop lineage, default read mask, us/query", "%.1f", &l_all, NULL, NULL, NULL);
	snprintf(name, sizeof name, "filter shard = 7 (%ld rows), ms per 100-row page", rows);
	bench_row(name, "%.3f", &f_ours, &f_raw, "%.2fx", &f_ratio);
	(void)sink;
	raw_close(&r);
	free(pick);
	free(heads);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}

/*
 * bench/bench_scale.c - cost curves (make bench-scale; not part of make
 * bench). Not a test.
 *
 * For each size N it builds, through the public API, a store of N
 * artifacts in the lineage benchmark's shape (bench_query.c): chains of 50
 * artifacts and 49 executions, a[i] -INPUT-> e[i] -OUTPUT-> a[i+1], one
 * PutLineageSubgraph per chain, every artifact with an int property `shard`
 * = its number mod 100. Then it measures, each figure the median of
 * MLMD_BENCH_REPS repetitions with its spread (bench.h):
 *   put     artifacts/s and nodes+events/s over the last 10 % of the build
 *           (each repetition one slice of it), the cost at that size
 *   get     GetArtifactsByID with 1000 random distinct ids (µs per artifact)
 *   page    a 100-row page of 'properties.shard.int_value = 7 AND id > R'
 *           from a random R (µs per page)
 *   lineage 10-hop downstream lineage from a random chain head, hydrated:
 *           nodes with properties and type names, and the events (µs)
 *   size    the database's bytes per node (artifacts + executions) and per
 *           artifact (file and WAL; PostgreSQL: pg_database_size)
 * The table is printed on the wall clock and again on the CPU clock, which
 * leaves out the wait for a core on a shared machine: this process's CPU
 * time, plus for PostgreSQL that of the server process serving the store's
 * connection when the server runs on this machine (its /proc/PID/schedstat;
 * a remote server's row is left out of that table).
 * SQLite stores are files under DIR. With MLMD_TEST_POSTGRES set, one more
 * row at MLMD_SCALE_PG_SIZE artifacts (default 1000000; 0: none) in a fresh
 * database on that server, run after the SQLite row of the same size (or
 * last), dropped afterwards. MLMD_SCALE_SQLITE=0 leaves the SQLite rows out
 * (a PostgreSQL row alone; the SIZE arguments are then not needed).
 *
 * Stores of KEEP_MIN artifacts or more are kept with a marker file
 * (bench-scale-N.done, written last, with the put figures of their build)
 * and the chain heads (bench-scale-N.heads), and reused by the next run, so
 * a rerun does not rebuild ten million artifacts; MLMD_SCALE_REBUILD=1
 * builds afresh. Before a build the free space is checked against an
 * estimate, and a size that would not fit is refused.
 *
 * Usage: bench_scale DIR SIZE...   (make bench-scale: 100000 1000000 10000000)
 *        MLMD_SCALE_SQLITE=0 MLMD_TEST_POSTGRES=... bench_scale DIR
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>
#include "bench.h"

#define CHAIN BENCH_CHAIN
#define HOPS 10
#define GET_IDS 1000      /* ids per GetArtifactsByID */
#define GET_CALLS 10      /* calls per repetition */
#define PAGE 100          /* rows per page */
#define PAGES 20          /* pages per repetition */
#define WALKS 100         /* lineage queries per repetition */
#ifndef KEEP_MIN
#define KEEP_MIN 1000000  /* stores this large are kept and reused */
#endif
#define EST_BYTES 900.0   /* disk per artifact before one is measured (419 at 100k, 427 at 1M) */
#define MAX_ROWS 16

/* The figures of one row, on one clock. */
typedef struct figures {
	bench_reps put_a, put_r;      /* artifacts/s; nodes+events/s */
	bench_reps get, page, walk;   /* µs per artifact, per page, per query */
} figures;

/* One row of the table: on the wall clock (the table) and on this
 * process's CPU clock (the second table: on a shared machine it leaves out
 * the time spent waiting for a core; it also leaves out a server's work). */
typedef struct row {
	char label[32];
	long n;                       /* artifacts */
	figures wall, cpu;
	int has_cpu;                  /* the CPU figures count all the work (not a remote server's) */
	double bytes;                 /* database size */
	char note[1200];              /* reused store, refused, ... */
	int done;
} row;

/* A moment on both clocks. */
typedef struct stamp {
	double w, c;
} stamp;

/* The PostgreSQL server process serving the store under measurement, when
 * it runs on this machine (0 otherwise): its CPU time counts on the CPU
 * clock. Set by run_pg for its row, 0 again after it. */
static int server_pid;

/* A process's time on a CPU in seconds (/proc/PID/schedstat, ns), or -1. */
static double proc_cpu_s(int pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/schedstat", pid);
	FILE *f = fopen(p, "r");
	unsigned long long ns = 0;
	int ok = f && fscanf(f, "%llu", &ns) == 1;
	if (f)
		fclose(f);
	return ok ? (double)ns / 1e9 : -1;
}

static stamp stamp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	double c = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, srv = server_pid ? proc_cpu_s(server_pid) : 0;
	if (srv < 0) {
		fprintf(stderr, "bench_scale: the server process %d is gone\n", server_pid);
		exit(1);
	}
	return (stamp){ now_s(), c + srv };
}

/* Adds `per / elapsed` (a rate) or `elapsed / per` (a time in µs) since t0. */
static void add_rate(bench_reps *w, bench_reps *c, stamp t0, double per)
{
	stamp t = stamp_now();
	bench_reps_add(w, per / (t.w - t0.w));
	bench_reps_add(c, per / (t.c - t0.c > 1e-9 ? t.c - t0.c : 1e-9));
}

static void add_us(bench_reps *w, bench_reps *c, stamp t0, double per)
{
	stamp t = stamp_now();
	bench_reps_add(w, (t.w - t0.w) / per * 1e6);
	bench_reps_add(c, (t.c - t0.c) / per * 1e6);
}

/* nodes+events per artifact: 1 artifact, 49/50 execution, 98/50 events */
static void put_rows(figures *f)
{
	f->put_r.n = 0;
	for (int i = 0; i < f->put_a.n; i++)
		bench_reps_add(&f->put_r, f->put_a.v[i] * (CHAIN + (CHAIN - 1) * 3.0) / CHAIN);
}

/* A built store: the handle and its chain heads. */
typedef struct built {
	mlmd_store *s;
	int64_t *heads;
	int chains;
	int64_t amin, amax;           /* artifact id range */
	int64_t atid, etid;           /* the artifact and execution types */
} built;

/* "100k", "1M", "10M", or the number. */
static void size_label(char *b, size_t n, long v)
{
	if (v >= 1000000 && v % 1000000 == 0)
		snprintf(b, n, "%ldM", v / 1000000);
	else if (v >= 1000 && v % 1000 == 0)
		snprintf(b, n, "%ldk", v / 1000);
	else
		snprintf(b, n, "%ld", v);
}

static void types(mlmd_store *s, built *b)
{
	b->atid = bench_chain_types(s, &b->etid);
}

/* Builds the chains into s (its types made already); the last 10 % timed
 * in `reps` slices. */
static void build(mlmd_store *s, built *b, row *r)
{
	int reps = bench_rep_count();
	int slice = b->chains / 10 / reps ? b->chains / 10 / reps : 1;
	if (slice * reps > b->chains)
		reps = b->chains / slice;
	int start = b->chains - slice * reps, per5 = b->chains / 20 ? b->chains / 20 : 1;
	double t0 = now_s();
	stamp ts = { 0, 0 };
	for (int c = 0; c < b->chains; c++) {
		if (c >= start && (c - start) % slice == 0) { /* a slice's end and the next one's start */
			if (c > start)
				add_rate(&r->wall.put_a, &r->cpu.put_a, ts, (double)slice * CHAIN);
			ts = stamp_now();
		}
		b->heads[c] = bench_put_chain(s, b->atid, b->etid, (int64_t)c * CHAIN);
		if ((c + 1) % per5 == 0)
			fprintf(stderr, "  %s: %d/%d chains, %.0f s\n", r->label, c + 1, b->chains, now_s() - t0);
	}
	add_rate(&r->wall.put_a, &r->cpu.put_a, ts, (double)slice * CHAIN);
	put_rows(&r->wall);
	put_rows(&r->cpu);
}

/* ---- kept SQLite stores: marker and heads -------------------------------------- */

static void paths(const char *dir, long n, char *db, char *done, char *heads, size_t len)
{
	snprintf(db, len, "%s/bench-scale-%ld.db", dir, n);
	snprintf(done, len, "%s/bench-scale-%ld.done", dir, n);
	snprintf(heads, len, "%s/bench-scale-%ld.heads", dir, n);
}

static void write_marker(const char *done, const char *heads, const built *b, const row *r)
{
	FILE *f = fopen(heads, "wb");
	if (!f || fwrite(b->heads, sizeof *b->heads, (size_t)b->chains, f) != (size_t)b->chains || fclose(f)) {
		fprintf(stderr, "bench_scale: %s: cannot write\n", heads);
		exit(1);
	}
	char tmp[1100], when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(tmp, sizeof tmp, "%s.tmp", done);
	f = fopen(tmp, "w");
	if (!f)
		exit(1);
	fprintf(f, "bench_scale store\nartifacts %ld\nchains %d\nbuilt %s\nput", r->n, b->chains, when);
	for (int i = 0; i < r->wall.put_a.n; i++)
		fprintf(f, " %.3f", r->wall.put_a.v[i]);
	fprintf(f, "\nputcpu");
	for (int i = 0; i < r->cpu.put_a.n; i++)
		fprintf(f, " %.3f", r->cpu.put_a.v[i]);
	fprintf(f, "\n");
	if (fclose(f) || rename(tmp, done)) {
		fprintf(stderr, "bench_scale: %s: cannot write\n", done);
		exit(1);
	}
}

/* Reads a kept store's marker and heads; 0 when they are complete. */
static int read_marker(const char *db, const char *done, const char *heads, built *b, row *r)
{
	struct stat st;
	if (stat(db, &st) || stat(heads, &st) || st.st_size != (off_t)(sizeof *b->heads * (size_t)b->chains))
		return -1;
	FILE *f = fopen(done, "r");
	if (!f)
		return -1;
	long n = 0;
	int chains = 0;
	char when[32] = "";
	int ok = fscanf(f, "bench_scale store\nartifacts %ld\nchains %d\nbuilt %31s\nput", &n, &chains, when) == 3 &&
		 n == r->n && chains == b->chains;
	double v;
	while (ok && fscanf(f, " %lf", &v) == 1)
		bench_reps_add(&r->wall.put_a, v);
	if (ok && fscanf(f, " putcpu") == 0) /* (absent in markers of the first version) */
		while (fscanf(f, " %lf", &v) == 1)
			bench_reps_add(&r->cpu.put_a, v);
	fclose(f);
	if (!ok || !r->wall.put_a.n)
		return -1;
	put_rows(&r->wall);
	put_rows(&r->cpu);
	f = fopen(heads, "rb");
	ok = f && fread(b->heads, sizeof *b->heads, (size_t)b->chains, f) == (size_t)b->chains;
	if (f)
		fclose(f);
	snprintf(r->note, sizeof r->note, "reused the store built %s (put figures from that build)", when);
	return ok ? 0 : -1;
}

/* ---- the reads ------------------------------------------------------------------ */

static int64_t rnd(int64_t lo, int64_t hi) /* uniform in [lo, hi] */
{
	uint64_t x = ((uint64_t)random() << 31) ^ (uint64_t)random();
	return lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Fills ids with GET_IDS distinct random artifact ids (in random order). */
static void pick_ids(const built *b, int64_t *ids)
{
	int64_t s[GET_IDS];
	int n = 0;
	while (n < GET_IDS) {
		while (n < GET_IDS)
			ids[n++] = rnd(b->amin, b->amax);
		memcpy(s, ids, sizeof s);
		qsort(s, GET_IDS, sizeof *s, cmp_i64);
		n = 0;
		for (int i = 0; i < GET_IDS; i++)
			if (!i || s[i] != s[i - 1])
				s[n++] = s[i];
		memcpy(ids, s, sizeof *s * (size_t)n);
	}
	for (int i = GET_IDS - 1; i > 0; i--) { /* shuffle: no help from sorted input */
		int j = (int)(random() % (i + 1));
		int64_t t = ids[i];
		ids[i] = ids[j];
		ids[j] = t;
	}
}

static void get_rep(const built *b, row *r)
{
	int64_t ids[GET_CALLS][GET_IDS];
	for (int c = 0; c < GET_CALLS; c++)
		pick_ids(b, ids[c]);
	stamp t0 = stamp_now();
	for (int c = 0; c < GET_CALLS; c++) {
		Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetArtifactsByIDResponse *rs;
		rq.n_artifact_ids = GET_IDS;
		rq.artifact_ids = ids[c];
		if (mlmd_store_get_artifacts_by_id(b->s, &rq, &rs))
			die("get by id");
		if (rs->n_artifacts != GET_IDS) {
			fprintf(stderr, "bench_scale: get by id: %zu of %d artifacts found\n", rs->n_artifacts,
				GET_IDS);
			exit(1);
		}
		mlmd_message_free(rs);
	}
	if (r)
		add_us(&r->wall.get, &r->cpu.get, t0, GET_CALLS * GET_IDS);
}

static void page_rep(const built *b, row *r)
{
	char filter[PAGES][96];
	/* keep 2 pages' worth of matches (1 in 100) after the bound */
	int64_t hi = b->amax - 2 * PAGE * 100 > b->amin ? b->amax - 2 * PAGE * 100 : b->amin;
	for (int i = 0; i < PAGES; i++)
		snprintf(filter[i], sizeof filter[i], "properties.shard.int_value = 7 AND id > %lld",
			 (long long)rnd(b->amin, hi));
	stamp t0 = stamp_now();
	for (int i = 0; i < PAGES; i++) {
		Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		o.has_max_result_size = 1;
		o.max_result_size = PAGE;
		o.filter_query = filter[i];
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs;
		rq.options = &o;
		if (mlmd_store_get_artifacts(b->s, &rq, &rs))
			die("filter page");
		if (rs->n_artifacts != PAGE && b->amax - b->amin > 4 * PAGE * 100) {
			fprintf(stderr, "bench_scale: filter page: %zu rows, expected %d\n", rs->n_artifacts, PAGE);
			exit(1);
		}
		mlmd_message_free(rs);
	}
	if (r)
		add_us(&r->wall.page, &r->cpu.page, t0, PAGES);
}

/* One hydrated 10-hop downstream walk: nodes (with properties and type
 * names) and events, as bench_query's main lineage figure. */
static void walk(mlmd_store *s, int64_t head)
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
	char *fields[] = { "artifacts", "executions", "events" };
	Mlmd__Pb__Wkt__FieldMask fm = MLMD__PB__WKT__FIELD_MASK__INIT;
	fm.n_paths = 3;
	fm.paths = fields;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &o;
	rq.read_mask = &fm;
	Mlmd__Pb__GetLineageSubgraphResponse *rs;
	if (mlmd_store_get_lineage_subgraph(s, &rq, &rs))
		die("lineage");
	size_t got = rs->lineage_subgraph->n_artifacts + rs->lineage_subgraph->n_executions;
	if (got != HOPS + 1 || rs->lineage_subgraph->n_events != HOPS) {
		fprintf(stderr, "bench_scale: lineage from %lld: %zu nodes and %zu events, expected %d and %d\n",
			(long long)head, got, rs->lineage_subgraph->n_events, HOPS + 1, HOPS);
		exit(1);
	}
	mlmd_message_free(rs);
}

static void walk_rep(const built *b, row *r)
{
	int64_t h[WALKS];
	for (int i = 0; i < WALKS; i++)
		h[i] = b->heads[random() % b->chains];
	stamp t0 = stamp_now();
	for (int i = 0; i < WALKS; i++)
		walk(b->s, h[i]);
	if (r)
		add_us(&r->wall.walk, &r->cpu.walk, t0, WALKS);
}

/* The reads, repetitions interleaved (get, page, lineage, get, ...). */
static void reads(built *b, row *r)
{
	b->amin = b->heads[0];
	b->amax = b->heads[b->chains - 1] + CHAIN - 1;
	if (b->amax - b->amin + 1 != r->n) {
		fprintf(stderr, "bench_scale: artifact ids %lld..%lld are not %ld contiguous ids\n",
			(long long)b->amin, (long long)b->amax, r->n);
		exit(1);
	}
	srandom(42);
	get_rep(b, NULL); /* warm up: the store's statements and the top of the indexes */
	page_rep(b, NULL);
	walk_rep(b, NULL);
	for (int i = 0, n = bench_rep_count(); i < n; i++) {
		get_rep(b, r);
		page_rep(b, r);
		walk_rep(b, r);
	}
}

/* ---- the table -------------------------------------------------------------------- */

static double nodes_of(long n)
{
	return (double)n + (double)n / CHAIN * (CHAIN - 1);
}

/* The columns: the size, then the figures, each right-aligned (bench_cell
 * pads by characters, so the "±" of a cell does not shift the columns). */
static const char *const col_title[8] = { "SIZE", "PUT art/s", "PUT nodes+ev/s", "GET us/art", "PAGE us",
					  "LINEAGE us", "B/node", "B/art" };
static const int col_w[8] = { 16, 13, 16, 13, 13, 13, 8, 8 };

static void print_header(void)
{
	for (int i = 0; i < 8; i++) {
		fputs(i ? " " : "", stdout);
		bench_cell(col_title[i], col_w[i], i == 0);
	}
	putchar('\n');
}

/* A row of figures f; `notes`: the row's note after it. */
static void print_row(const row *r, const figures *f, int notes)
{
	char a[8][80];
	if (!r->done) {
		printf("%-16s %s\n", r->label, r->note);
		return;
	}
	snprintf(a[0], 80, "%s", r->label);
	if (f->put_a.n)
		bench_fmt(a[1], 80, "%.0f", &f->put_a), bench_fmt(a[2], 80, "%.0f", &f->put_r);
	else
		snprintf(a[1], 80, "n/a"), snprintf(a[2], 80, "n/a");
	bench_fmt(a[3], 80, "%.2f", &f->get);
	bench_fmt(a[4], 80, "%.0f", &f->page);
	bench_fmt(a[5], 80, "%.0f", &f->walk);
	snprintf(a[6], 80, "%.0f", r->bytes / nodes_of(r->n));
	snprintf(a[7], 80, "%.0f", r->bytes / (double)r->n);
	for (int i = 0; i < 8; i++) {
		fputs(i ? " " : "", stdout);
		bench_cell(a[i], col_w[i], i == 0);
	}
	putchar('\n');
	if (notes && r->note[0])
		printf("%-16s   (%s)\n", "", r->note);
	fflush(stdout);
}

/* ---- one SQLite size --------------------------------------------------------------- */

static double file_bytes(const char *db)
{
	char p[1100];
	struct stat st;
	double t = stat(db, &st) ? 0 : (double)st.st_size;
	snprintf(p, sizeof p, "%s-wal", db);
	if (!stat(p, &st))
		t += (double)st.st_size;
	return t;
}

static double free_bytes(const char *dir)
{
	struct statvfs v;
	return statvfs(dir, &v) ? 0 : (double)v.f_bavail * (double)v.f_frsize;
}

static void run_sqlite(const char *dir, row *r, double *per_art)
{
	char db[1024], done[1024], heads[1024];
	paths(dir, r->n, db, done, heads, sizeof db);
	built b = { 0 };
	b.chains = (int)(r->n / CHAIN);
	b.heads = malloc(sizeof *b.heads * (size_t)b.chains);
	if (!b.heads)
		exit(1);
	int keep = r->n >= KEEP_MIN;
	const char *rb = getenv("MLMD_SCALE_REBUILD");
	if (keep && !(rb && *rb && strcmp(rb, "0")) && !read_marker(db, done, heads, &b, r)) {
		b.s = bench_open_sqlite(db, 0, NULL);
	} else {
		memset(&r->wall, 0, sizeof r->wall);
		memset(&r->cpu, 0, sizeof r->cpu);
		r->note[0] = 0;
		unlink(done);
		unlink(heads);
		rm_db(db);
		double need = *per_art * (double)r->n * 1.3, have = free_bytes(dir);
		printf("%-16s building: needs about %.1f GB of disk (%.0f bytes per artifact, +30 %%), %.1f GB free in %s\n",
		       r->label, need / 1e9, *per_art, have / 1e9, dir);
		fflush(stdout);
		if (have < need) {
			snprintf(r->note, sizeof r->note, "refused: needs about %.1f GB of disk, %.1f GB free in %s",
				 need / 1e9, have / 1e9, dir);
			fprintf(stderr, "bench_scale: %s: %s\n", r->label, r->note);
			free(b.heads);
			return;
		}
		b.s = bench_open_sqlite(db, 1, NULL);
		types(b.s, &b);
		build(b.s, &b, r);
		mlmd_store_free(b.s); /* checkpoint and close; reads start from a reopened store */
		b.s = bench_open_sqlite(db, 0, NULL);
		if (keep)
			write_marker(done, heads, &b, r);
	}
	reads(&b, r);
	r->bytes = file_bytes(db);
	*per_art = r->bytes / (double)r->n;
	r->done = 1;
	r->has_cpu = 1;
	mlmd_store_free(b.s);
	if (!keep)
		rm_db(db);
	else if (!r->note[0])
		snprintf(r->note, sizeof r->note, "kept %s for the next run", db);
	free(b.heads);
}

/* ---- PostgreSQL ------------------------------------------------------------------- */


static void pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *pg_admin(const char *base)
{
	char uri[1200];
	snprintf(uri, sizeof uri, "%s/postgres", base);
	PGconn *c = PQconnectdb(uri);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_scale: %s: %s", uri, PQerrorMessage(c));
		exit(1);
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL); /* DROP DATABASE IF EXISTS's notice */
	return c;
}

/* The process of the one connection to database `db` (the store's),
 * when the server runs on this machine; 0 otherwise. */
static int find_server(PGconn *c, const char *db)
{
	const char *params[1] = { db };
	PGresult *res = PQexecParams(c, "SELECT pid FROM pg_stat_activity WHERE datname = $1", 1, NULL, params,
				     NULL, NULL, 0);
	int pid = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	if (pid && proc_cpu_s(pid) < 0) {
		fprintf(stderr, "bench_scale: the server is not on this machine (no /proc/%d): no CPU figures for it\n",
			pid);
		pid = 0;
	}
	return pid;
}

static void run_pg(const char *base, row *r)
{
	PGconn *c = pg_admin(base);
	char db[64], sql[128], uri[1200];
	snprintf(db, sizeof db, "mlmd_bench_scale_%ld", (long)getpid()); /* runs side by side do not meet */
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
	PQclear(PQexec(c, sql));
	snprintf(uri, sizeof uri, "%s/%s", base, db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	built b = { 0 };
	if (mlmd_store_open(&b.s, &o))
		die(uri);
	b.chains = (int)(r->n / CHAIN);
	b.heads = malloc(sizeof *b.heads * (size_t)b.chains);
	if (!b.heads)
		exit(1);
	types(b.s, &b); /* the store's connection is open from here on */
	server_pid = find_server(c, db);
	r->has_cpu = server_pid != 0;
	build(b.s, &b, r);
	reads(&b, r);
	server_pid = 0;
	mlmd_store_free(b.s);
	char q[128];
	snprintf(q, sizeof q, "SELECT pg_database_size('%s')", db);
	PGresult *res = PQexec(c, q);
	r->bytes = PQresultStatus(res) == PGRES_TUPLES_OK ? atof(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	PQclear(PQexec(c, sql));
	PQfinish(c);
	r->done = 1;
	snprintf(r->note, sizeof r->note, "fresh database, dropped afterwards; size: pg_database_size%s",
		 r->has_cpu ? "; CPU clock: this process and its server process" : "");
	free(b.heads);
}

/* Runs the PostgreSQL row of n artifacts into r and prints it. */
static void pg_row(row *r, const char *base, long n)
{
	memset(r, 0, sizeof *r);
	r->n = n;
	size_label(r->label, sizeof r->label, n);
	strcat(r->label, " PostgreSQL");
	run_pg(base, r);
	print_header();
	print_row(r, &r->wall, 1);
}

/* The load average (/proc/loadavg; zeros where there is none). */
static void loadavg(double l[3])
{
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3)
			l[0] = l[1] = l[2] = 0;
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	const char *pg = getenv("MLMD_TEST_POSTGRES");
	const char *pgs = getenv("MLMD_SCALE_PG_SIZE");
	const char *sq = getenv("MLMD_SCALE_SQLITE");
	long pg_n = pg && *pg ? (pgs ? atol(pgs) : 1000000) : 0;
	int sqlite = !(sq && !strcmp(sq, "0"));
	if (argc < (sqlite ? 3 : 2) || (!sqlite && pg_n < 4 * CHAIN)) {
		fprintf(stderr, "usage: bench_scale DIR SIZE...   (artifacts per size, at least %d)\n"
			"       MLMD_SCALE_SQLITE=0 MLMD_TEST_POSTGRES=URI [MLMD_SCALE_PG_SIZE=N] bench_scale DIR\n",
			4 * CHAIN);
		return 2;
	}
	const char *dir = argv[1];
	mkdir(dir, 0755);
	row rows[MAX_ROWS];
	int nr = 0;
	double per_art = EST_BYTES;
	double load[3] = { 0 };
	loadavg(load);
	printf("scale bench: chains of %d artifacts and %d executions (bench_query's shape), %d reps per figure, "
	       "%ld MiB of memory, load average %.2f %.2f %.2f\n",
	       CHAIN, CHAIN - 1, bench_rep_count(),
	       (long)(sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024), load[0], load[1], load[2]);
	for (int i = 2; sqlite && i < argc && nr < MAX_ROWS - 1; i++) {
		long n = atol(argv[i]) / CHAIN * CHAIN;
		if (n < 4 * CHAIN) {
			fprintf(stderr, "bench_scale: size '%s': at least %d artifacts\n", argv[i], 4 * CHAIN);
			return 2;
		}
		row *r = &rows[nr++];
		memset(r, 0, sizeof *r);
		r->n = n;
		size_label(r->label, sizeof r->label, n);
		run_sqlite(dir, r, &per_art);
		print_header();
		print_row(r, &r->wall, 1);
		if (pg_n && n == pg_n / CHAIN * CHAIN) {
			pg_row(&rows[nr++], pg, n);
			pg_n = 0;
		}
	}
	if (pg_n >= 4 * CHAIN)
		pg_row(&rows[nr++], pg, pg_n / CHAIN * CHAIN);
	loadavg(load);
	printf("\nscale bench: medians ±spread of %d reps; PUT over the last 10 %% of each build; GET: %d random ids "
	       "per GetArtifactsByID; PAGE: %d rows of 'properties.shard.int_value = 7 AND id > R'; LINEAGE: %d hops "
	       "downstream from a chain head, hydrated; B/node: bytes per artifact+execution. Load average at the end "
	       "%.2f %.2f %.2f\n",
	       bench_rep_count(), GET_IDS, PAGE, HOPS, load[0], load[1], load[2]);
	print_header();
	int failed = 0;
	for (int i = 0; i < nr; i++) {
		print_row(&rows[i], &rows[i].wall, 1);
		failed |= !rows[i].done;
	}
	printf("\nThe same on the CPU clock (leaves out waiting for a core on a shared machine): this process's, "
	       "plus for PostgreSQL its server process's when the server runs here:\n");
	print_header();
	for (int i = 0; i < nr; i++)
		if (rows[i].has_cpu)
			print_row(&rows[i], &rows[i].cpu, 0);
	return failed;
}

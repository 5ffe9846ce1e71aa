/*
 * bench/bench_server.c - what `mlmd serve` adds to a call (make bench). Not
 * a test.
 *
 * Small unary calls over gRPC on loopback (plaintext) against the server
 * running in this process (srv_start, a port the system picks, its own
 * worker threads), beside the same calls made in process in the same run:
 *  - GetArtifactsByID of one id (an artifact with three properties);
 *  - PutArtifacts of one new artifact with three properties;
 *  - a path the server does not serve, answered UNIMPLEMENTED without
 *    touching the store: the round trip alone, so (GetArtifactsByID over
 *    gRPC - the round trip) is what the server and the store do for a read,
 *    to be set beside the same read in process;
 *  - the health service's Check (which reads the store once), what a
 *    probe costs.
 * With 8 clients (8 threads, each with its own channel; in process, 8
 * threads each with its own store handle on the same file, calling
 * mlmd_store_call with the same request bytes) and with 1 client, whose
 * latencies are free of queueing. Each case runs SECONDS, the cases take
 * turns, REPS times; every figure is the median of the repetitions with its
 * spread (the range over the median, bench.h), and the ratios gRPC / in
 * process and the differences are taken per repetition, between cases
 * that ran next to each other.
 * Latency is per call as its client saw it; CPU is the whole process's CPU
 * time (clients, server, gRPC's threads) over the run per call, which a
 * busy machine disturbs less than time.
 *
 * Usage: bench_server DIR|postgresql://USER@HOST:PORT [SECONDS] [REPS] [THREADS]
 *   DIR: an SQLite file DIR/server.db (removed at the end); a PostgreSQL
 *   server: a database mlmd_bench_server on it (dropped at the end).
 *   SECONDS per case and repetition (default 0.5), REPS (default
 *   MLMD_BENCH_REPS, else 5; at most BENCH_MAX_REPS),
 *   THREADS the server's workers (default 8, one per client).
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"
#include "grpc_client.h"
#include "server/server.h"

#define MAX_CLIENTS 8
#define SEED_ARTIFACTS 1000

/* The calls: a path the server does not serve (UNIMPLEMENTED at once: the
 * round trip alone), the health check (which reads the store once: a
 * GetArtifactsByID of id 0), and the two MLMD calls. */
enum { NOP, HEALTH, GET, PUT, N_KINDS };
static const char *const kind_name[N_KINDS] = { "round trip (unknown path)", "Health/Check", "GetArtifactsByID, 1 id",
	"PutArtifacts, 1 artifact" };
static const char *const kind_path[N_KINDS] = { "/mlmd.bench.None/Nothing", "/grpc.health.v1.Health/Check",
	"/ml_metadata.MetadataStoreService/GetArtifactsByID", "/ml_metadata.MetadataStoreService/PutArtifacts" };
static const char *const kind_method[N_KINDS] = { NULL, NULL, "GetArtifactsByID", "PutArtifacts" };
static const int kind_status[N_KINDS] = { 12, 0, 0, 0 }; /* the status each must get */

/* Growable list of latencies in seconds. */
typedef struct lat {
	double *v;
	size_t n, cap;
} lat;

static void lat_add(lat *l, double x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v) {
			fprintf(stderr, "bench_server: out of memory\n");
			exit(1);
		}
	}
	l->v[l->n++] = x;
}

/* One client thread of one run. */
typedef struct worker {
	pthread_barrier_t *start;
	double secs;
	gc_channel *ch;   /* over gRPC, else NULL */
	mlmd_store *st;   /* in process, else NULL */
	int kind;
	const char *path, *method;
	const uint8_t *req;
	size_t len;
	lat l;            /* this run's latencies */
	long calls;
	double elapsed;
	char err[512];    /* the first failure, "" when none */
} worker;

static void *client(void *arg)
{
	worker *w = arg;
	pthread_barrier_wait(w->start);
	double t0 = now_s(), t = t0;
	while (t - t0 < w->secs && !w->err[0]) {
		double c0 = now_s();
		if (w->ch) {
			gc_result r;
			if (gc_call(w->ch, w->path, w->req, w->len, 10000, &r))
				snprintf(w->err, sizeof w->err, "%s: the client could not make the call", w->path);
			else if (r.status != kind_status[w->kind])
				snprintf(w->err, sizeof w->err, "%s: status %d: %s", w->path, r.status,
					 r.message ? r.message : "");
			else if (w->kind == HEALTH && !(r.len == 2 && r.data[0] == 0x08 && r.data[1] == 1))
				snprintf(w->err, sizeof w->err, "%s: the answer is not SERVING", w->path);
			gc_result_free(&r);
		} else {
			void *out = NULL;
			size_t out_len = 0;
			if (mlmd_store_call(w->st, w->method, w->req, w->len, &out, &out_len))
				snprintf(w->err, sizeof w->err, "%s: %s", w->method, mlmd_error_message());
			mlmd_buffer_free(out);
		}
		t = now_s();
		lat_add(&w->l, t - c0);
		w->calls++;
	}
	w->elapsed = t - t0;
	return NULL;
}

/* A run's figures. */
typedef struct figures {
	double rate, p50, p99; /* calls per second (all clients), seconds */
	double cpu;            /* CPU seconds of the whole process (clients, server, gRPC) per call */
} figures;

/* CPU seconds (user and system) this process has used. */
static double cpu_s(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int cmp_dbl(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double pct(const double *sorted, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

/* Runs `clients` threads for secs, over the channels ch[] when given, else
 * on the store handles st[]; each thread sends its own request req[i]. */
static figures run(int clients, double secs, gc_channel **ch, mlmd_store **st, int kind, uint8_t **req,
		   size_t *len)
{
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)clients);
	double cpu0 = cpu_s();
	worker w[MAX_CLIENTS];
	pthread_t th[MAX_CLIENTS];
	for (int i = 0; i < clients; i++) {
		w[i] = (worker){ .start = &start, .secs = secs, .ch = ch ? ch[i] : NULL, .st = ch ? NULL : st[i],
			.kind = kind, .path = kind_path[kind], .method = kind_method[kind], .req = req[i], .len = len[i] };
		if (pthread_create(&th[i], NULL, client, &w[i])) {
			fprintf(stderr, "bench_server: cannot start a thread\n");
			exit(1);
		}
	}
	lat all = { 0 };
	figures f = { 0, 0, 0, 0 };
	for (int i = 0; i < clients; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err[0]) {
			fprintf(stderr, "bench_server: %s\n", w[i].err);
			exit(1);
		}
		f.rate += (double)w[i].calls / w[i].elapsed;
		for (size_t k = 0; k < w[i].l.n; k++)
			lat_add(&all, w[i].l.v[k]);
		free(w[i].l.v);
	}
	f.cpu = (cpu_s() - cpu0) / (double)all.n;
	pthread_barrier_destroy(&start);
	qsort(all.v, all.n, sizeof *all.v, cmp_dbl);
	f.p50 = pct(all.v, all.n, 0.50);
	f.p99 = pct(all.v, all.n, 0.99);
	free(all.v);
	return f;
}

static uint8_t *pack(const void *msg, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(msg);
	uint8_t *b = malloc(*len + 1);
	if (!b)
		exit(1);
	protobuf_c_message_pack(msg, b);
	return b;
}

static void drop_pg(const char *base)
{
	char uri[1200];
	snprintf(uri, sizeof uri, "%s/postgres", base);
	PGconn *c = PQconnectdb(uri);
	PQclear(PQexec(c, "DROP DATABASE IF EXISTS mlmd_bench_server"));
	PQfinish(c);
}

/* The rows of the table: which transport, which call. */
typedef struct row {
	int grpc, kind;
} row;
static const row rows[] = { { 1, NOP }, { 1, HEALTH }, { 1, GET }, { 0, GET }, { 1, PUT }, { 0, PUT } };
enum { R_NOP, R_HEALTH, R_GET, R_GET_IN, R_PUT, R_PUT_IN };
#define N_ROWS (int)(sizeof rows / sizeof rows[0])

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_server DIR|postgresql://USER@HOST:PORT [SECONDS] [REPS] [THREADS]\n");
		return 2;
	}
	double secs = argc > 2 ? atof(argv[2]) : 0.5;
	int reps = argc > 3 ? atoi(argv[3]) : bench_rep_count(), threads = argc > 4 ? atoi(argv[4]) : 8;
	if (!(secs > 0) || reps < 1 || reps > BENCH_MAX_REPS || threads < 1) {
		fprintf(stderr, "bench_server: SECONDS must be positive, REPS 1..%d and THREADS at least 1\n",
			BENCH_MAX_REPS);
		return 2;
	}
	int pg = strncmp(argv[1], "postgresql://", 13) == 0;
	char db[1024], uri[1200];
	if (pg) {
		drop_pg(argv[1]);
		snprintf(uri, sizeof uri, "%s/mlmd_bench_server", argv[1]);
	} else {
		snprintf(db, sizeof db, "%s/server.db", argv[1]);
		rm_db(db);
		snprintf(uri, sizeof uri, "sqlite:%s", db);
	}

	/* the store: the type and SEED_ARTIFACTS artifacts to read */
	mlmd_store *st[MAX_CLIENTS];
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	so.actor = "bench";
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (mlmd_store_open(&st[i], &so))
			die(uri);
	int64_t tid = put_dataset_type(st[0]);
	{
		Mlmd__Pb__Artifact *a[SEED_ARTIFACTS];
		for (int i = 0; i < SEED_ARTIFACTS; i++)
			a[i] = mk_artifact(tid, i);
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = SEED_ARTIFACTS;
		rq.artifacts = a;
		if (mlmd_store_put_artifacts(st[0], &rq, &rs))
			die("PutArtifacts");
		mlmd_message_free(rs);
		for (int i = 0; i < SEED_ARTIFACTS; i++)
			mlmd_message_free(a[i]);
	}

	/* each client's request bytes per kind: client i reads artifact 100 i + 1
	 * and puts an artifact of its own */
	uint8_t *req[N_KINDS][MAX_CLIENTS];
	size_t len[N_KINDS][MAX_CLIENTS];
	for (int i = 0; i < MAX_CLIENTS; i++) {
		req[NOP][i] = malloc(1);
		len[NOP][i] = 0;
		req[HEALTH][i] = malloc(1); /* HealthCheckRequest{service ""}: no bytes */
		len[HEALTH][i] = 0;
		int64_t id = 100 * i + 1;
		Mlmd__Pb__GetArtifactsByIDRequest g = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		g.n_artifact_ids = 1;
		g.artifact_ids = &id;
		req[GET][i] = pack(&g, &len[GET][i]);
		Mlmd__Pb__Artifact *a = mk_artifact(tid, SEED_ARTIFACTS + i);
		Mlmd__Pb__PutArtifactsRequest p = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		p.n_artifacts = 1;
		p.artifacts = &a;
		req[PUT][i] = pack(&p, &len[PUT][i]);
		mlmd_message_free(a);
	}

	srv_config cfg = SRV_CONFIG_INIT;
	cfg.store_uri = uri;
	cfg.actor = "bench";
	cfg.port = 0;
	cfg.threads = threads;
	srv *server;
	char err[512];
	if (srv_start(&cfg, &server, err, sizeof err)) {
		fprintf(stderr, "bench_server: srv_start: %s\n", err);
		return 1;
	}
	char target[64];
	snprintf(target, sizeof target, "127.0.0.1:%d", srv_port(server));
	gc_channel *ch[MAX_CLIENTS];
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (!(ch[i] = gc_open(target, NULL, 0))) {
			fprintf(stderr, "bench_server: cannot open a channel to %s\n", target);
			return 1;
		}

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("bench_server: unary calls over gRPC (plaintext, loopback, server in this process) vs in process;\n"
	       "  %s; server threads %d, %ld CPUs online; median of %d repetitions of %.2f s per case\n",
	       pg ? "PostgreSQL database mlmd_bench_server" : "SQLite file", threads, cpus, reps, secs);
	int counts[2] = { MAX_CLIENTS, 1 };
	/* [8 clients, 1 client][row]: the repetitions' calls/s, median and p99 latency (us), CPU us per call */
	bench_reps rate[2][N_ROWS], p50[2][N_ROWS], p99[2][N_ROWS], cpu[2][N_ROWS];
	memset(rate, 0, sizeof rate), memset(p50, 0, sizeof p50), memset(p99, 0, sizeof p99), memset(cpu, 0, sizeof cpu);
	for (int c = 0; c < 2; c++) {
		int n = counts[c];
		for (int r = 0; r < N_ROWS; r++) /* warm channels, workers and statement caches */
			run(n, secs / 5, rows[r].grpc ? ch : NULL, st, rows[r].kind, req[rows[r].kind], len[rows[r].kind]);
		for (int k = 0; k < reps; k++)
			for (int r = 0; r < N_ROWS; r++) {
				figures f = run(n, secs, rows[r].grpc ? ch : NULL, st, rows[r].kind, req[rows[r].kind],
						len[rows[r].kind]);
				bench_reps_add(&rate[c][r], f.rate);
				bench_reps_add(&p50[c][r], f.p50 * 1e6);
				bench_reps_add(&p99[c][r], f.p99 * 1e6);
				bench_reps_add(&cpu[c][r], f.cpu * 1e6);
			}
		char head[64];
		snprintf(head, sizeof head, "%d client%s  call", n, n > 1 ? "s" : "");
		bench_cell(head, 40, 1);
		bench_cell("via", 12, 1);
		bench_cell("calls/s", 18, 0);
		bench_cell("median us", 18, 0);
		bench_cell("p99 us", 18, 0);
		bench_cell("CPU us", 18, 0);
		putchar('\n');
		for (int r = 0; r < N_ROWS; r++) {
			char b[64], name[64];
			snprintf(name, sizeof name, "           %s", kind_name[rows[r].kind]);
			bench_cell(name, 40, 1);
			bench_cell(rows[r].grpc ? "gRPC" : "in process", 12, 1);
			bench_cell(bench_fmt(b, sizeof b, "%.0f", &rate[c][r]), 18, 0);
			bench_cell(bench_fmt(b, sizeof b, "%.1f", &p50[c][r]), 18, 0);
			bench_cell(bench_fmt(b, sizeof b, "%.1f", &p99[c][r]), 18, 0);
			bench_cell(bench_fmt(b, sizeof b, "%.1f", &cpu[c][r]), 18, 0);
			putchar('\n');
		}
		putchar('\n');
	}
	/* per repetition: GetArtifactsByID over gRPC less the round trip, and gRPC / in process */
	printf("GetArtifactsByID over gRPC less the round trip (a path the server answers UNIMPLEMENTED at once),\n"
	       "against the same call in process; and calls/s over gRPC / in process (per repetition):\n");
	bench_head("", "gRPC - round trip", "in process", "gRPC/in process");
	for (int c = 0; c < 2; c++) {
		bench_reps net = { 0 }, lcpu = { 0 }, get = { 0 }, put = { 0 };
		for (int k = 0; k < reps; k++) {
			bench_reps_add(&net, p50[c][R_GET].v[k] - p50[c][R_NOP].v[k]);
			bench_reps_add(&lcpu, cpu[c][R_GET].v[k] - cpu[c][R_NOP].v[k]);
			bench_reps_add(&get, rate[c][R_GET].v[k] / rate[c][R_GET_IN].v[k]);
			bench_reps_add(&put, rate[c][R_PUT].v[k] / rate[c][R_PUT_IN].v[k]);
		}
		char name[96];
		snprintf(name, sizeof name, "%d client%s: GetArtifactsByID latency us", counts[c], c ? "" : "s");
		bench_row(name, "%.1f", &net, &p50[c][R_GET_IN], NULL, NULL);
		snprintf(name, sizeof name, "%d client%s: GetArtifactsByID CPU us", counts[c], c ? "" : "s");
		bench_row(name, "%.1f", &lcpu, &cpu[c][R_GET_IN], NULL, NULL);
		snprintf(name, sizeof name, "%d client%s: GetArtifactsByID calls/s", counts[c], c ? "" : "s");
		bench_row(name, "%.0f", &rate[c][R_GET], &rate[c][R_GET_IN], "%.2f", &get);
		snprintf(name, sizeof name, "%d client%s: PutArtifacts calls/s", counts[c], c ? "" : "s");
		bench_row(name, "%.0f", &rate[c][R_PUT], &rate[c][R_PUT_IN], "%.2f", &put);
	}

	for (int i = 0; i < MAX_CLIENTS; i++)
		gc_close(ch[i]);
	int cancelled = srv_stop(server);
	unsigned long long served[17];
	srv_counts(server, served);
	srv_free(server);
	unsigned long long failed = 0;
	for (int k = 1; k < 17; k++)
		if (k != 12) /* UNIMPLEMENTED: the unknown path's answer */
			failed += served[k];
	if (cancelled || failed) {
		fprintf(stderr, "bench_server: the server cancelled %d calls and failed %llu\n", cancelled, failed);
		return 1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		mlmd_store_free(st[i]);
		for (int k = 0; k < N_KINDS; k++)
			free(req[k][i]);
	}
	if (pg)
		drop_pg(argv[1]);
	else
		rm_db(db);
	return 0;
}

/*
 * bench/bench_pg_writers.c - parallel writers on one PostgreSQL database
 * (make bench, when MLMD_TEST_POSTGRES names a server). Not a test.
 *
 * 1, 2, 4, 8 and 16 writer processes, each with its own store handle (its
 * own connection), each doing CALLS PutExecution calls: an execution with
 * 2 input and 2 output artifacts of three properties each, in one shared
 * context reused by name (reuse_context_if_already_exist). The processes
 * open their handles first and start together (a pipe barrier); the time
 * runs from the barrier to the last one's exit. ABORTED calls are retried,
 * as MLMD clients do, and counted. Each repetition measures every writer
 * count in turn; a row's ratio is its calls/s over the one-writer calls/s
 * of the same repetition, the median of those per-repetition ratios.
 * Usage: bench_pg_writers POSTGRES_URI [CALLS]   (default 200 per writer)
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "bench.h"

#define DB "mlmd_bench_writers"
#define MAX_WRITERS 16

static const int writer_counts[] = { 1, 2, 4, 8, 16 };
#define NCOUNTS (int)(sizeof writer_counts / sizeof writer_counts[0])

static char uri[1200];
static int64_t art_t, exe_t, ctx_t;

static mlmd_store *open_store(void)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.busy_timeout_ms = 60000;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");
	return s;
}

static void drop_db(const char *base)
{
	char u[1200];
	snprintf(u, sizeof u, "%s/postgres", base);
	PGconn *c = PQconnectdb(u);
	PQclear(PQexec(c, "DROP DATABASE IF EXISTS " DB));
	PQfinish(c);
}

/* One PutExecution; returns how many times it was ABORTED before it went in. */
static int put_one(mlmd_store *s, int writer, int call)
{
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = exe_t;
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair[4], *pairs[4];
	Mlmd__Pb__Event ev[4];
	for (int k = 0; k < 4; k++) {
		mlmd__pb__put_execution_request__artifact_and_event__init(&pair[k]);
		mlmd__pb__event__init(&ev[k]);
		ev[k].has_type = 1;
		ev[k].type = k < 2 ? MLMD__PB__EVENT__TYPE__INPUT : MLMD__PB__EVENT__TYPE__OUTPUT;
		pair[k].artifact = mk_artifact(art_t, (writer * 1000000 + call) * 4 + k);
		pair[k].event = &ev[k];
		pairs[k] = &pair[k];
	}
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ctx_t;
	c.name = "shared-pipeline";
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	rq.options = &opt;
	rq.execution = e;
	rq.n_artifact_event_pairs = 4;
	rq.artifact_event_pairs = pairs;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc, aborted = 0;
	while ((rc = mlmd_store_put_execution(s, &rq, &rs)) == -MLMD_ABORTED && aborted < 1000)
		aborted++;
	if (rc)
		die("PutExecution");
	mlmd_message_free(rs);
	for (int k = 0; k < 4; k++)
		mlmd_message_free(pair[k].artifact);
	mlmd_message_free(e);
	return aborted;
}

/* Runs `writers` processes of `calls` calls each, started together; returns
 * calls/s over all of them and adds their retries to *aborted. */
static double run_writers(int writers, int calls, long *aborted)
{
	int ready[2], go[2], done[2];
	if (pipe(ready) || pipe(go) || pipe(done))
		exit(1);
	pid_t pids[MAX_WRITERS];
	for (int w = 0; w < writers; w++) {
		if ((pids[w] = fork()) < 0)
			exit(1);
		if (pids[w] == 0) {
			close(ready[0]);
			close(go[1]);
			close(done[0]);
			mlmd_store *s = open_store();
			char c = 'r';
			if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 0)
				_exit(3);
			long n = 0;
			for (int i = 0; i < calls; i++)
				n += put_one(s, w, i);
			mlmd_store_free(s);
			_exit(write(done[1], &n, sizeof n) == (ssize_t)sizeof n ? 0 : 3);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(done[1]);
	char c;
	for (int w = 0; w < writers; w++)
		if (read(ready[0], &c, 1) != 1)
			exit(1);
	double t0 = now_s();
	close(go[1]); /* the barrier opens */
	long n;
	for (int w = 0; w < writers; w++)
		if (read(done[0], &n, sizeof n) == (ssize_t)sizeof n)
			*aborted += n;
	double t = now_s() - t0;
	for (int w = 0; w < writers; w++) {
		int st;
		waitpid(pids[w], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "bench_pg_writers: a writer failed\n");
			exit(1);
		}
	}
	close(ready[0]);
	close(done[0]);
	return writers * calls / t;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_pg_writers POSTGRES_URI [CALLS]\n");
		return 2;
	}
	const char *base = argv[1];
	int calls = argc > 2 ? atoi(argv[2]) : 200;
	if (calls < 1)
		calls = 1;
	snprintf(uri, sizeof uri, "%s/%s", base, DB);
	drop_db(base);
	mlmd_store *s = open_store();
	art_t = put_dataset_type(s);
	exe_t = bench_execution_type(s, "Trainer");
	Mlmd__Pb__ContextType ct = MLMD__PB__CONTEXT_TYPE__INIT;
	ct.name = "Pipeline";
	Mlmd__Pb__PutContextTypeRequest crq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutContextTypeResponse *crs;
	crq.context_type = &ct;
	if (mlmd_store_put_context_type(s, &crq, &crs))
		die("context type");
	ctx_t = crs->type_id;
	mlmd_message_free(crs);
	mlmd_store_free(s);

	int reps = bench_rep_count();
	bench_reps rate[NCOUNTS] = { 0 }, ratio[NCOUNTS] = { 0 };
	long aborted[NCOUNTS] = { 0 };
	for (int r = 0; r < reps; r++) {
		double one = 0;
		for (int i = 0; i < NCOUNTS; i++) {
			double x = run_writers(writer_counts[i], calls, &aborted[i]);
			if (i == 0)
				one = x;
			bench_reps_add(&rate[i], x);
			bench_reps_add(&ratio[i], x / one);
		}
	}
	drop_db(base);

	printf("PostgreSQL %s, loopback: PutExecution (2 in, 2 out, 3 properties each, one shared context\n"
	       "reused by name), %d calls per writer process, %d repetitions (median, spread):\n",
	       base, calls, reps);
	printf("%-28s %16s %16s %14s %10s\n", "", "calls/s", "1 writer", "ratio", "aborted");
	for (int i = 0; i < NCOUNTS; i++) {
		char name[48], a[80], b[80], q[80];
		snprintf(name, sizeof name, "put execution, %2d writer%s", writer_counts[i], writer_counts[i] > 1 ? "s" : "");
		printf("%-28s %16s %16s %14s %10ld\n", name, bench_fmt(a, sizeof a, "%.0f", &rate[i]),
		       bench_fmt(b, sizeof b, "%.0f", &rate[0]), bench_fmt(q, sizeof q, "%.2fx", &ratio[i]),
		       aborted[i] / reps);
	}
	return 0;
}

/*
 * bench/bench_listener.c - what a registered listener costs a write (make
 * bench). Not a test.
 *
 * PutExecution of one new execution (with one property), on one SQLite
 * file in DIR, with no listener and with one registered listener that does
 * nothing. Blocks of calls without and with the listener alternate on the
 * same handle (it is registered and removed between blocks), so both see
 * the same file, WAL and machine; the ratio with/without is what the issue
 * bounds (at most 1.05).
 * Usage: bench_listener DIR [rounds] [calls per block]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

static void nothing(mlmd_store *s, const mlmd_store_change *ch, void *user)
{
	(void)s;
	(void)ch;
	++*(long *)user;
}

/* One PutExecution call of a new execution; its seconds. */
static double put(mlmd_store *s, int64_t tid, int i)
{
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = tid;
	e->has_last_known_state = 1;
	e->last_known_state = MLMD__PB__EXECUTION__STATE__RUNNING;
	mlmd_node_set_int(e, 1, "step", i);
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__PutExecutionResponse *rs;
	rq.execution = e;
	double t0 = now_s();
	if (mlmd_store_put_execution(s, &rq, &rs))
		die("PutExecution");
	double t = now_s() - t0;
	mlmd_message_free(rs);
	mlmd_message_free(e);
	return t;
}

static int cmp_dbl(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_listener DIR [rounds] [calls per block]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 40, calls = argc > 3 ? atoi(argv[3]) : 250;
	if (rounds < 2 || calls < 1) {
		fprintf(stderr, "bench_listener: rounds must be at least 2 and calls at least 1\n");
		return 2;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s/listener.db", argv[1]);
	mlmd_store *s = bench_open_sqlite(path, 1, "bench");
	int64_t tid = bench_execution_type(s, "Train");
	int next = 0;
	for (int i = 0; i < calls; i++) /* warm the statement cache and the file */
		put(s, tid, next++);

	long told = 0;
	double total[2] = { 0, 0 }, *ratio = malloc((size_t)rounds * sizeof *ratio);
	for (int r = 0; r < rounds; r++) {
		double tm[2] = { 0, 0 };
		for (int k = 0; k < 2; k++) {
			int on = k ^ (r & 1); /* without first in even rounds, with first in odd ones */
			int id = 0;
			if (on && mlmd_store_listen(s, nothing, &told, NULL, &id))
				die("listen");
			for (int i = 0; i < calls; i++)
				tm[on] += put(s, tid, next++);
			if (on && mlmd_store_unlisten(s, id))
				die("unlisten");
			total[on] += tm[on];
		}
		ratio[r] = tm[1] / tm[0];
	}
	qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_dbl);
	double n = (double)rounds * calls;
	if (told != (long)n) {
		fprintf(stderr, "bench_listener: the listener was told %ld changes, expected %.0f\n", told, n);
		return 1;
	}
	printf("listener cost, PutExecution of one execution (%d rounds of %d calls without and %d with, one file):\n",
	       rounds, calls, calls);
	printf("  no listener      %8.1f us/call\n", total[0] / n * 1e6);
	printf("  no-op listener   %8.1f us/call\n", total[1] / n * 1e6);
	printf("  with/without time ratio %.3f overall, median of rounds %.3f (issue: at most 1.05)\n",
	       total[1] / total[0], (ratio[rounds / 2 - 1] + ratio[rounds / 2]) / 2);
	free(ratio);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}

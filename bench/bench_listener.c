/*
 * bench/bench_listener.c - what a registered listener costs a write (make
 * bench). Not a test.
 *
 * PutExecution of one new execution (with one property), on one SQLite
 * file in DIR, with no listener and with one registered listener that does
 * nothing. Blocks of calls without and with the listener alternate on the
 * same handle (it is registered and removed between blocks), so both see
 * the same file, WAL and machine; the ratio with/without is what the issue
 * bounds (at most 1.05). The rounds are split among MLMD_BENCH_REPS
 * repetitions (default 5, at least 2 rounds each); each figure is the
 * median of the repetitions with its spread, the ratio taken per
 * repetition.
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

	/* the rounds split among the repetitions; a repetition's figures are its
	 * us/call without and with the listener and their ratio */
	int reps = bench_rep_count(), per = rounds / reps < 2 ? 2 : rounds / reps;
	long told = 0, made = 0;
	bench_reps with = { 0 }, without = { 0 }, ratio = { 0 };
	for (int rep = 0; rep < reps; rep++) {
		double tm[2] = { 0, 0 };
		for (int r = 0; r < per; r++)
			for (int k = 0; k < 2; k++) {
				int on = k ^ (r & 1); /* without first in even rounds, with first in odd ones */
				int id = 0;
				if (on && mlmd_store_listen(s, nothing, &told, NULL, &id))
					die("listen");
				for (int i = 0; i < calls; i++)
					tm[on] += put(s, tid, next++);
				made += on ? calls : 0;
				if (on && mlmd_store_unlisten(s, id))
					die("unlisten");
			}
		double n = (double)per * calls;
		bench_reps_add(&with, tm[1] / n * 1e6);
		bench_reps_add(&without, tm[0] / n * 1e6);
		bench_reps_add(&ratio, tm[1] / tm[0]);
	}
	if (told != made) {
		fprintf(stderr, "bench_listener: the listener was told %ld changes, expected %ld\n", told, made);
		return 1;
	}
	printf("listener cost, PutExecution of one execution (%d repetitions of %d rounds of %d calls without and %d "
	       "with, one file; median, \u00b1 the range over the median; issue: with/without at most 1.05):\n",
	       reps, per, calls, calls);
	bench_head("", "no-op listener us/call", "no listener us/call", "with/without");
	bench_row("PutExecution, one execution", "%.1f", &with, &without, "%.3f", &ratio);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}

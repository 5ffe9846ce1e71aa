/*
 * tools/bench.h - small helpers shared by the benchmark programs.
 */
#ifndef MLMD_TOOLS_BENCH_H
#define MLMD_TOOLS_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reports the library's last error for `what` and exits. */
static inline void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, mlmd_error_message());
	exit(1);
}

/* Removes a SQLite database and its WAL files. */
static inline void rm_db(const char *p)
{
	char x[1100];
	unlink(p);
	snprintf(x, sizeof x, "%s-wal", p);
	unlink(x);
	snprintf(x, sizeof x, "%s-shm", p);
	unlink(x);
}
#endif

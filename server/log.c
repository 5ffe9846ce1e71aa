/*
 * server/log.c - the access log: one line per call (verbosity 1), and one
 * when a call starts (verbosity 2), in the format docs/server.md gives:
 *   2026-12-03T16:40:00.123Z ipv4:127.0.0.1:54321 /SERVICE/METHOD OK 532us
 *   2026-12-03T16:40:00.122Z ipv4:127.0.0.1:54321 /SERVICE/METHOD START
 * Each line is one fprintf on the log stream (whose lock keeps lines from
 * different workers whole), flushed at once.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "internal.h"

int64_t srv_now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* A client's text for a log line: bytes outside printable ASCII and spaces
 * become '?', so a line always has its five fields. */
static void clean(char *out, size_t size, const char *in)
{
	size_t i = 0;
	for (; in && in[i] && i + 1 < size; i++)
		out[i] = in[i] > ' ' && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	if (!i && size > 1) {
		out[0] = '-';
		out[1] = '\0';
	}
}

void srv_log_line(srv *s, const char *peer, const char *path, const char *what, int64_t us)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	struct tm tm;
	gmtime_r(&t.tv_sec, &tm);
	char when[96], p[256], m[1024];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000000);
	clean(p, sizeof p, peer);
	clean(m, sizeof m, path);
	if (us >= 0)
		fprintf(s->log, "%s %s %s %s %" PRId64 "us\n", when, p, m, what, us);
	else
		fprintf(s->log, "%s %s %s %s\n", when, p, m, what);
	fflush(s->log);
}

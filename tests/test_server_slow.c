/*
 * tests/test_server_slow.c - the server's limit on a slow client, built with
 * SRV_IO_LIMIT_MS at 400 ms instead of 60 s (the Makefile passes it): a call
 * whose request never comes, and one whose answer is never read, are
 * cancelled by the server at the limit with the message the client gets,
 * and counted and logged CANCELLED. The tests wait for the call's status or
 * for the server's log line (tests/server_drain.h); nothing here is timed
 * (one test waits out a deadline: the limit acted on late).
 */
#define _GNU_SOURCE /* fopencookie, memmem */
#include "server_drain.h"
#include <sched.h>
#include "server/internal.h"
#ifndef SRV_IO_LIMIT_MS
#error "the Makefile builds this test with -DSRV_IO_LIMIT_MS=400"
#endif

#define TOO_SLOW "the client did not send its request or read its answer in time"

/* One worker, logging -v into l. */
static void slow_up(sfx *f, sd_log *l)
{
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.threads = 1;
	cfg.verbosity = 1;
	sd_log_pipe(l);
	cfg.log = l->w;
	sfx_up(f, &cfg);
}

/* After the slow call of `path` ended: the server is still serving, and
 * once stopped its counts and log have the one CANCELLED call and the
 * health check OK. */
static void one_cancelled(sfx *f, sd_log *l, const char *path)
{
	int serving = -1;
	assert_int_equal(sfx_health(f, "", &serving), 0);
	assert_int_equal(serving, 1);
	assert_int_equal(srv_stop(f->server), 0);
	unsigned long long n[17];
	srv_counts(f->server, n);
	assert_int_equal(n[MLMD_CANCELLED], 1);
	assert_int_equal(n[0], 1);
	assert_int_equal(srv_too_slow(f->server), 1);
	sd_log_wait(l, SD_HEALTH, "OK", 1);
	sd_log_wait(l, path, "CANCELLED", 1);
	assert_int_equal(sd_log_count(l, path, "CANCELLED"), 1);
}

static void request_never_sent_is_cancelled_at_the_limit(void **st)
{
	(void)st;
	sfx f;
	sd_log l;
	slow_up(&f, &l);
	char path[256], message[256];
	gc_stalled slow;
	assert_int_equal(gc_stall_open(f.ch, sfx_path("GetArtifactTypes", path, sizeof path), NULL, 0, &slow), 0);
	assert_int_equal(gc_stall_close(&slow, 0, message, sizeof message), GRPC_STATUS_CANCELLED);
	assert_string_equal(message, TOO_SLOW);
	one_cancelled(&f, &l, path);
	sfx_down(&f);
	sd_log_close(&l);
}

/* An answer of 3 MiB on a channel that takes 64 KiB unread. Its client
 * cannot see the server's status without reading the answer, so the test
 * waits for the server's CANCELLED line, then its client gives up. */
static void answer_never_read_is_cancelled_at_the_limit(void **st)
{
	(void)st;
	enum { BIG = 3 << 20 };
	sfx f;
	sd_log l;
	slow_up(&f, &l);
	gc_close(f.ch);
	assert_non_null(f.ch = gc_open_small_window(f.target));
	int64_t id;
	uint8_t buf[32];
	size_t len = sfx_big_artifact_request(f.local, BIG, &id, buf);
	char path[256], message[256];
	gc_stalled slow;
	assert_int_equal(gc_stall_open(f.ch, sfx_path("GetArtifactsByID", path, sizeof path), buf, len, &slow), 0);
	sd_log_wait(&l, path, "CANCELLED", 1);
	gc_stall_close(&slow, 1, message, sizeof message);
	print_message("(the unread answer's client saw '%s')\n", message);
	one_cancelled(&f, &l, path);
	sfx_down(&f);
	sd_log_close(&l);
}

/* ---- an answer sent in time, seen late ------------------------------------------- */

/* A log FILE whose writes block while a line names HOLD_PATH, until
 * released: the intake thread writing that line stands still, as on a
 * stderr pipe nobody reads. */
#define HOLD_PATH "/hold.Me/Up"
typedef struct held_log {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int holding, released;
} held_log;

static ssize_t held_write(void *cookie, const char *buf, size_t n)
{
	held_log *h = cookie;
	pthread_mutex_lock(&h->mu);
	if (memmem(buf, n, HOLD_PATH, strlen(HOLD_PATH))) {
		h->holding = 1;
		pthread_cond_broadcast(&h->cv);
		while (!h->released)
			pthread_cond_wait(&h->cv, &h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return (ssize_t)n;
}

static int calls_inside(srv *s)
{
	pthread_mutex_lock(&s->gate);
	int n = s->inside;
	pthread_mutex_unlock(&s->gate);
	return n;
}

/* A call whose answer went out (its client got OK) while the intake thread
 * was held up past the call's limit is counted and logged OK: the limit,
 * acted on late, finds nothing left to cancel. */
static void answer_sent_before_a_late_limit_counts_as_sent(void **st)
{
	(void)st;
	held_log h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	cookie_io_functions_t io = { NULL, held_write, NULL, NULL };
	FILE *log = fopencookie(&h, "w", io);
	assert_non_null(log);
	setvbuf(log, NULL, _IOLBF, 0);
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.threads = 2;
	cfg.verbosity = 1;
	cfg.log = log;
	sfx f;
	sfx_up(&f, &cfg);
	sd_types t = sd_make_types(f.local);
	mlmd_store *lock = sd_lock(&f);
	Mlmd__Pb__PutArtifactsRequest *put = sd_put_artifact(&t, "sent-in-time");
	sd_call b;
	sd_call_start(&b, f.target, SD_PATH("PutArtifacts"), put, 0);
	while (calls_inside(f.server) < 1) /* b is in the store, waiting for the lock */
		sched_yield();
	gc_result r; /* an unknown method: its log line holds the intake up */
	assert_int_equal(gc_call(f.ch, HOLD_PATH, "", 0, 0, &r), 0);
	gc_result_free(&r);
	pthread_mutex_lock(&h.mu);
	while (!h.holding)
		pthread_cond_wait(&h.cv, &h.mu);
	pthread_mutex_unlock(&h.mu);
	sd_unlock(lock); /* b runs; its answer goes out without the intake */
	assert_int_equal(sd_call_join(&b), 0);
	/* b's answer started before its client had it, so its limit ends within
	 * SRV_IO_LIMIT_MS of now: wait that long (a deadline, not a race) */
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += SRV_IO_LIMIT_MS / 1000 + 1;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
	pthread_mutex_lock(&h.mu);
	h.released = 1;
	pthread_cond_broadcast(&h.cv);
	pthread_mutex_unlock(&h.mu);
	assert_int_equal(srv_stop(f.server), 0);
	unsigned long long n[17];
	srv_counts(f.server, n);
	assert_int_equal(n[0], 1); /* b */
	assert_int_equal(n[MLMD_CANCELLED], 0);
	assert_int_equal(n[MLMD_UNIMPLEMENTED], 1);
	assert_int_equal(srv_too_slow(f.server), 0);
	assert_true(sd_artifact_id(f.local, "sent-in-time") > 0);
	gc_result_free(&b.r);
	mlmd_message_free(put);
	sfx_down(&f);
	fclose(log);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server_slow: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_never_sent_is_cancelled_at_the_limit),
		cmocka_unit_test(answer_never_read_is_cancelled_at_the_limit),
		cmocka_unit_test(answer_sent_before_a_late_limit_counts_as_sent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_server_slow.c - the server's limit on a slow client, built with
 * SRV_IO_LIMIT_MS at 400 ms instead of 60 s (the Makefile passes it): a call
 * whose request never comes, and one whose answer is never read, are
 * cancelled by the server at the limit with the message the client gets,
 * and counted and logged CANCELLED. The tests wait for the call's status or
 * for the server's log line (tests/server_drain.h); nothing here is timed.
 */
#include "server_drain.h"

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

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server_slow: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_never_sent_is_cancelled_at_the_limit),
		cmocka_unit_test(answer_never_read_is_cancelled_at_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_server_abuse.c - the server against what a careless operator or
 * a hostile client does, beyond request bytes (tests/test_server_hostile.c):
 *   - a store URI with a password never reaches stderr: srv_redact_uri's
 *     cases, and `mlmd serve` (MLMD_CLI, else build/mlmd) at a start that
 *     fails and at one that succeeds;
 *   - raw TCP garbage, an HTTP/1.1 request, connections opened and dropped
 *     by the thousand and connections that send nothing: the server goes on
 *     answering health and store calls;
 *   - more calls than workers that send their headers and never their
 *     request, or never read their answer: they hold no worker, other calls
 *     and health are answered, and they end CANCELLED when their clients
 *     give up.
 * Waits are for the child's output and exit, or for calls' completions,
 * never for time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "server_fixture.h"

extern char **environ;

static void redacted(const char *uri, const char *want)
{
	char buf[256];
	srv_redact_uri(uri, buf, sizeof buf);
	if (strcmp(buf, want))
		fail_msg("redact '%s': got '%s', expected '%s'", uri, buf, want);
}

static void uri_passwords_are_redacted(void **st)
{
	(void)st;
	redacted("postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db");
	redacted("postgres://u:p@ss@h/db", "postgres://u:***@h/db");
	redacted("postgresql://u@h/db", "postgresql://u@h/db");
	redacted("postgresql://h/db?user=u&password=secret&sslmode=require",
		 "postgresql://h/db?user=u&password=***&sslmode=require");
	redacted("postgresql://h/db?PASSWORD=secret", "postgresql://h/db?PASSWORD=***");
	redacted("postgresql://u:a%40b@h/db?password=x#frag", "postgresql://u:***@h/db?password=***#frag");
	redacted("sqlite:file:x.db?mode=ro&password=s", "sqlite:file:x.db?mode=ro&password=***");
	redacted("sqlite:/tmp/a:b@c.db", "sqlite:/tmp/a:b@c.db");
	redacted("sqlite::memory:", "sqlite::memory:");
	char small[12];
	srv_redact_uri("postgresql://u:secret@h/db", small, sizeof small);
	assert_string_equal(small, "postgresql:");
}

static const char *cli(void)
{
	const char *p = getenv("MLMD_CLI");
	return p && *p ? p : "build/mlmd";
}

/* Runs `mlmd --store URI serve --port 0` with stdout and stderr on one pipe;
 * sends SIGTERM once the start line on stderr came (when it comes). Returns
 * the exit status; *text is all it printed. */
static int run_serve(const char *uri, char **text)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	char *argv[] = { (char *)cli(), "--store", (char *)uri, "serve", "--port", "0", NULL };
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	size_t n = 0, cap = 4096;
	char *o = malloc(cap);
	assert_non_null(o);
	int termed = 0;
	for (;;) {
		if (n + 1 == cap)
			assert_non_null(o = realloc(o, cap *= 2));
		ssize_t k = read(p[0], o + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		o[n] = '\0';
		if (!termed && strstr(o, "mlmd serve: store ") && strchr(strstr(o, "mlmd serve: store "), '\n')) {
			kill(pid, SIGTERM);
			termed = 1;
		}
	}
	o[n] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	*text = o;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void serve_never_prints_the_password(void **st)
{
	(void)st;
	char *text;
	/* a start that fails: nothing listens on port 1 */
	int code = run_serve("postgresql://mlmd:hunter2@127.0.0.1:1/mlmd_t_abuse?password=hunter3", &text);
	if (code != 1 || strstr(text, "hunter") || !strstr(text, "postgresql://mlmd:***@127.0.0.1:1/"))
		fail_msg("failed start: exit %d, output '%s'", code, text);
	free(text);
	/* a start that succeeds (SQLite ignores a URI parameter it does not know) */
	char *path = tmp_path("abuse");
	char uri[1200];
	snprintf(uri, sizeof uri, "sqlite:file:%s?password=hunter4", path);
	code = run_serve(uri, &text);
	if (code != 0 || strstr(text, "hunter") || !strstr(text, "password=***") || !strstr(text, "listening on"))
		fail_msg("start: exit %d, output '%s'", code, text);
	free(text);
	free(path);
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Sends bytes and reads until the server closes the connection. */
static void send_and_read_to_close(int port, const void *data, size_t len)
{
	int fd = connect_to(port);
	assert_int_equal(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	char buf[512];
	ssize_t k;
	while ((k = read(fd, buf, sizeof buf)) > 0 || (k < 0 && errno == EINTR))
		;
	close(fd);
}

static void still_serving(sfx *f)
{
	int serving = -1;
	assert_int_equal(sfx_health(f, "", &serving), 0);
	assert_int_equal(serving, 1);
	Mlmd__Pb__GetArtifactTypesRequest req = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	gc_result r;
	sfx_call(f, "GetArtifactTypes", &req, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
}

static void raw_connections_do_not_stop_the_server(void **state)
{
	sfx *f = *state; /* a running server (sfx_setup) */
	int port = srv_port(f->server);
	/* connections that send nothing, held open through the rest */
	int idle[64];
	for (int i = 0; i < 64; i++)
		idle[i] = connect_to(port);
	unsigned char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	send_and_read_to_close(port, junk, sizeof junk);
	static const char http1[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	send_and_read_to_close(port, http1, sizeof http1 - 1);
	/* the HTTP/2 preface, then a frame header announcing 16 MB of nothing */
	static const char h2[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\x00\x00\x00\x00\x00\x01";
	send_and_read_to_close(port, h2, sizeof h2 - 1);
	for (int i = 0; i < 2000; i++)
		close(connect_to(port));
	still_serving(f);
	for (int i = 0; i < 64; i++)
		close(idle[i]);
	still_serving(f);
}

/* Lines of the access log `log` whose status field is `what`. */
static int log_lines_with(FILE *log, const char *what)
{
	char line[2048], key[64];
	int n = 0;
	snprintf(key, sizeof key, " %s ", what);
	rewind(log);
	while (fgets(line, sizeof line, log))
		n += strstr(line, key) != NULL;
	return n;
}

#define STALL_THREADS 2
#define STALLED (STALL_THREADS + 2)

/* A server with STALL_THREADS workers, logging -v into *log. */
static void stall_up(sfx *f, FILE **log)
{
	*log = tmpfile();
	assert_non_null(*log);
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.threads = STALL_THREADS;
	cfg.verbosity = 1;
	cfg.log = *log;
	sfx_up(f, &cfg);
}

/*
 * With STALLED slow calls open on the fixture's channel, a store call and a
 * health check made after them on the same connection (so the server has
 * taken the slow calls first) are answered. The 20 s deadline only bounds a
 * failure: a server whose workers wait on slow clients would hold both
 * calls until its 60 s limit, and they would end DEADLINE_EXCEEDED. Then the
 * slow calls' clients cancel them; once srv_stop() has joined the server's
 * threads every call has ended: the slow ones CANCELLED (in the counts and
 * the access log), the other two OK.
 */
static void others_answered_then_slow_ones_cancelled(sfx *f, FILE *log, gc_stalled *slow)
{
	Mlmd__Pb__GetArtifactTypesRequest req = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	char path[256];
	uint8_t buf[16];
	size_t n = protobuf_c_message_pack((const ProtobufCMessage *)&req, buf);
	gc_result r;
	assert_int_equal(gc_call(f->ch, sfx_path("GetArtifactTypes", path, sizeof path), buf, n, 20000, &r), 0);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	assert_int_equal(gc_call(f->ch, SFX_HEALTH_CHECK, "", 0, 20000, &r), 0);
	SFX_STATUS(&r, 0);
	if (r.len != 2 || r.data[0] != 0x08 || r.data[1] != 1)
		fail_msg("health did not answer SERVING (%zu bytes)", r.len);
	gc_result_free(&r);

	for (int i = 0; i < STALLED; i++)
		assert_int_equal(gc_stall_close(&slow[i], 1, NULL, 0), GRPC_STATUS_CANCELLED);
	assert_int_equal(srv_stop(f->server), 0); /* they ended before the grace period did */
	unsigned long long counts[17];
	srv_counts(f->server, counts);
	assert_int_equal(counts[MLMD_CANCELLED], STALLED);
	assert_int_equal(counts[0], 2);
	fflush(log);
	assert_int_equal(log_lines_with(log, "CANCELLED"), STALLED);
	assert_int_equal(log_lines_with(log, "OK"), 2);
}

/* More calls than workers send their headers and never their request. */
static void calls_without_requests_hold_no_worker(void **st)
{
	(void)st;
	sfx f;
	FILE *log;
	stall_up(&f, &log);
	char path[256];
	sfx_path("GetArtifactTypes", path, sizeof path);
	gc_stalled slow[STALLED];
	for (int i = 0; i < STALLED; i++)
		assert_int_equal(gc_stall_open(f.ch, path, NULL, 0, &slow[i]), 0);
	others_answered_then_slow_ones_cancelled(&f, log, slow);
	sfx_down(&f);
	fclose(log);
}

/* More calls than workers ask for an answer of 3 MiB and never read it; on
 * a channel that takes 64 KiB unread per call, the server cannot finish
 * sending them. */
static void answers_not_read_hold_no_worker(void **st)
{
	(void)st;
	enum { BIG = 3 << 20 };
	sfx f;
	FILE *log;
	stall_up(&f, &log);
	int64_t id;
	uint8_t buf[32];
	size_t n = sfx_big_artifact_request(f.local, BIG, &id, buf);
	char path[256];
	sfx_path("GetArtifactsByID", path, sizeof path);
	/* the fixture's channel, with a small window: every call on one connection */
	gc_close(f.ch);
	assert_non_null(f.ch = gc_open_small_window(f.target));
	gc_stalled slow[STALLED];
	for (int i = 0; i < STALLED; i++)
		assert_int_equal(gc_stall_open(f.ch, path, buf, n, &slow[i]), 0);
	others_answered_then_slow_ones_cancelled(&f, log, slow);
	sfx_down(&f);
	fclose(log);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server_abuse: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uri_passwords_are_redacted),
		cmocka_unit_test(serve_never_prints_the_password),
		cmocka_unit_test_setup_teardown(raw_connections_do_not_stop_the_server, sfx_setup, sfx_teardown),
		cmocka_unit_test(calls_without_requests_hold_no_worker),
		cmocka_unit_test(answers_not_read_hold_no_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

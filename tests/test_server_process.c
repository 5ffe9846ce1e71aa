/*
 * tests/test_server_process.c - the `mlmd serve` program (MLMD_CLI, else
 * build/mlmd) as scripts and service managers run it: it prints its port on
 * stdout, serves, and on SIGTERM lets a call in flight finish and exits 0; a
 * start that cannot succeed (port in use, store that cannot be opened, TLS
 * file missing) exits 1 naming the problem; bad usage exits 2.
 *
 * The store is a temporary SQLite file, or a fresh PostgreSQL database with
 * MLMD_TEST_BACKEND=postgresql. Port 0 always (the server's printed line
 * says which); the "port in use" case takes the port an in-process server
 * bound. Waits are for the child's output and exit, never for time.
 */
#include "server_drain.h"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static const char *cli(void)
{
	const char *p = getenv("MLMD_CLI");
	return p && *p ? p : "build/mlmd";
}

/* A running `mlmd`: its pid, its stdout (read end) and its stderr, read by a thread. */
typedef struct child {
	pid_t pid;
	int out;
	sd_log err;
} child;

static void cloexec_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFD, FD_CLOEXEC), 0);
	assert_int_equal(fcntl(p[1], F_SETFD, FD_CLOEXEC), 0);
}

static void spawn(child *c, char *const argv[])
{
	int o[2], e[2];
	cloexec_pipe(o);
	cloexec_pipe(e);
	posix_spawn_file_actions_t fa;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, o[1], 1), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, e[1], 2), 0);
	int rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		fail_msg("cannot run %s: %s (set MLMD_CLI to the mlmd program)", argv[0], strerror(rc));
	close(o[1]);
	close(e[1]);
	c->out = o[0];
	sd_log_read(&c->err, e[0]);
}

/* Reads one line of the child's stdout (without the newline) into buf;
 * fails when nothing comes for SD_GUARD_S seconds. Returns its length, or
 * -1 at end of file before any byte. */
static int read_line(child *c, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		struct pollfd p = { c->out, POLLIN, 0 };
		int r = poll(&p, 1, SD_GUARD_S * 1000);
		if (r == 0) {
			kill(c->pid, SIGKILL);
			fail_msg("%s printed nothing on stdout for %d s; stderr:\n%s", cli(), SD_GUARD_S,
				 c->err.text ? c->err.text : "");
		}
		char ch;
		ssize_t k = read(c->out, &ch, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (n == 0)
				return -1;
			break;
		}
		if (ch == '\n')
			break;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Waits for the child to end (its stderr closes first) and returns its exit
 * status; fails when it was killed by a signal or outlives the guard. */
static int wait_exit(child *c)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SD_GUARD_S;
	pthread_mutex_lock(&c->err.mu);
	while (!c->err.eof)
		if (pthread_cond_timedwait(&c->err.cv, &c->err.mu, &until) == ETIMEDOUT)
			break;
	int eof = c->err.eof;
	pthread_mutex_unlock(&c->err.mu);
	if (!eof)
		kill(c->pid, SIGKILL);
	int ws;
	assert_int_equal(waitpid(c->pid, &ws, 0), c->pid);
	if (!eof)
		fail_msg("%s did not exit within %d s", cli(), SD_GUARD_S);
	if (!WIFEXITED(ws))
		fail_msg("%s ended by signal %d; stderr:\n%s", cli(), WTERMSIG(ws), c->err.text ? c->err.text : "");
	return WEXITSTATUS(ws);
}

static void child_free(child *c)
{
	close(c->out);
	sd_log_close(&c->err);
}

/* "mlmd serve: listening on HOST:PORT": returns PORT, checks HOST. */
static int listening_port(child *c)
{
	char line[300];
	if (read_line(c, line, sizeof line) < 0) {
		wait_exit(c);
		fail_msg("%s ended without saying where it listens; stderr:\n%s", cli(), c->err.text ? c->err.text : "");
	}
	const char *pre = "mlmd serve: listening on 127.0.0.1:";
	if (strncmp(line, pre, strlen(pre)))
		fail_msg("stdout said '%s', expected '%sPORT'", line, pre);
	char *end;
	long port = strtol(line + strlen(pre), &end, 10);
	if (*end || port <= 0 || port > 65535)
		fail_msg("stdout said '%s': no port", line);
	return (int)port;
}

/* Runs `mlmd ARGS` to its end: returns the exit status; *out and *err get
 * what it printed (free them). */
static int run(char *const argv[], char **out, char **err)
{
	child c;
	spawn(&c, argv);
	size_t n = 0, cap = 256;
	char *o = malloc(cap);
	assert_non_null(o);
	for (;;) {
		if (n + 1 == cap) {
			o = realloc(o, cap *= 2);
			assert_non_null(o);
		}
		ssize_t k = read(c.out, o + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	o[n] = '\0';
	int code = wait_exit(&c);
	*out = o;
	*err = strdup(c.err.text ? c.err.text : "");
	assert_non_null(*err);
	child_free(&c);
	return code;
}

/*
 * SIGTERM while a PutExecution waits for the store's write lock: the
 * program stops taking calls, the call finishes once the lock goes, its
 * answer is OK with its write whole in the store, and the exit status is 0.
 */
static void sigterm_lets_call_in_flight_finish_and_exits_0(void **st)
{
	(void)st;
	if (sfx_unsupported())
		skip();
	sfx f;
	sfx_store(&f);
	sd_types t = sd_make_types(f.local);
	char *argv[] = { (char *)cli(), "--store", f.uri, "serve", "--port", "0", "--threads", "2", "-vv", NULL };
	child c;
	spawn(&c, argv);
	char target[64];
	snprintf(target, sizeof target, "127.0.0.1:%d", listening_port(&c));

	Mlmd__Pb__PutArtifactsRequest *a = sd_put_artifact(&t, "before-term");
	sd_call w;
	sd_call_start(&w, target, SD_PATH("PutArtifacts"), a, SD_GUARD_S * 1000);
	assert_int_equal(sd_call_join(&w), 0);
	gc_result_free(&w.r);

	mlmd_store *lock = sd_lock(&f);
	Mlmd__Pb__PutExecutionRequest *rq = sd_put_execution(&t, "through-term");
	sd_call_start(&w, target, SD_PATH("PutExecution"), rq, 0);
	sd_log_wait(&c.err, SD_PATH("PutExecution"), "START", 1);
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	/* once it says so, it takes no new call */
	sd_log_wait_text(&c.err, "mlmd serve: SIGTERM: draining calls in flight");
	Mlmd__Pb__PutArtifactsRequest *refused = sd_put_artifact(&t, "during-drain");
	sd_call z;
	sd_call_start_own(&z, target, SD_PATH("PutArtifacts"), refused, SD_GUARD_S * 1000);
	int zs = sd_call_join(&z);
	if (!sd_refusal(zs))
		fail_msg("a call during the drain ended %d (%s): %s", zs, mlmd_status_name(-zs), z.r.message);
	gc_result_free(&z.r);
	sd_unlock(lock);
	int status = sd_call_join(&w);
	if (status != 0)
		fail_msg("the call in flight ended %d (%s): %s", status, mlmd_status_name(-status), w.r.message);
	assert_int_equal(wait_exit(&c), 0);

	assert_true(sd_artifact_id(f.local, "before-term") > 0);
	assert_int_equal(sd_execution_whole(f.local, "through-term"), 1);
	char rest[64];
	assert_int_equal(read_line(&c, rest, sizeof rest), -1); /* one line on stdout, no more */
	assert_int_equal(sd_log_count(&c.err, SD_PATH("PutExecution"), "OK"), 1);
	assert_int_equal(sd_log_count(&c.err, SD_PATH("PutArtifacts"), "OK"), 1);
	assert_int_equal(sd_log_count(&c.err, SD_PATH("PutArtifacts"), "START"), 1);
	assert_int_equal(sd_artifact_id(f.local, "during-drain"), 0);
	assert_non_null(strstr(c.err.text, "mlmd serve: stopped (0 calls cancelled)"));
	mlmd_message_free(refused);
	gc_result_free(&w.r);
	mlmd_message_free(a);
	mlmd_message_free(rq);
	child_free(&c);
	sfx_down(&f);
}

/* Asserts a run ended with `code`, printed nothing on stdout, and said
 * `needle` (and "mlmd: ") on stderr. */
static void expect_exit(char *const argv[], int code, const char *needle)
{
	char *out, *err;
	int got = run(argv, &out, &err);
	if (got != code || *out || !strstr(err, "mlmd: ") || !strstr(err, needle))
		fail_msg("%s %s %s ...: exit %d (expected %d), stdout '%s', stderr '%s' (expected to name '%s')", argv[0],
			 argv[1], argv[2], got, code, out, err, needle);
	free(out);
	free(err);
}

/* A start that cannot serve exits 1 and names what is wrong; the server
 * already on the port keeps serving. */
static void start_failures_exit_1(void **st)
{
	(void)st;
	if (sfx_unsupported())
		skip();
	sfx f;
	sfx_up(&f, NULL);
	char port[16];
	snprintf(port, sizeof port, "%d", srv_port(f.server));
	char *taken[] = { (char *)cli(), "--store", f.uri, "serve", "--port", port, NULL };
	expect_exit(taken, 1, "serve: ");
	expect_exit(taken, 1, port);

	char *path = tmp_path("no-such-dir");
	char missing[1200];
	snprintf(missing, sizeof missing, "sqlite:%s/sub/store.db", path);
	char *no_store[] = { (char *)cli(), "--store", missing, "serve", "--port", "0", NULL };
	expect_exit(no_store, 1, "serve: ");
	expect_exit(no_store, 1, "sub/store.db");

	char cert[1100];
	snprintf(cert, sizeof cert, "%s/cert.pem", path);
	char *no_cert[] = { (char *)cli(), "--store", f.uri, "serve", "--port", "0", "--tls-cert", cert, "--tls-key", cert,
			    NULL };
	expect_exit(no_cert, 1, "cert.pem");

	/* the first server was not disturbed */
	gc_result r;
	assert_int_equal(gc_call(f.ch, SD_HEALTH, "", 0, SD_GUARD_S * 1000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_true(r.len == 2 && r.data[0] == 0x08 && r.data[1] == 1);
	gc_result_free(&r);
	free(path);
	sfx_down(&f);
}

/* Bad usage exits 2 before anything is opened. */
static void bad_usage_exits_2(void **st)
{
	(void)st;
	char *bogus[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--bogus", NULL };
	expect_exit(bogus, 2, "--bogus");
	char *port_word[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--port", "eighty", NULL };
	expect_exit(port_word, 2, "eighty");
	char *port_big[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--port", "70000", NULL };
	expect_exit(port_big, 2, "70000");
	char *threads_word[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--threads", "many", NULL };
	expect_exit(threads_word, 2, "many");
	char *grace_word[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--grace-seconds", "soon", NULL };
	expect_exit(grace_word, 2, "soon");
	char *no_value[] = { (char *)cli(), "--store", "sqlite::memory:", "serve", "--port", NULL };
	expect_exit(no_value, 2, "--port");
}

int main(void)
{
	/* a child that dies must not take the test with it through SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigterm_lets_call_in_flight_finish_and_exits_0),
		cmocka_unit_test(start_failures_exit_1),
		cmocka_unit_test(bad_usage_exits_2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

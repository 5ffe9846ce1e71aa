/*
 * tests/test_openlineage_transport.c - the OpenLineage HTTP transport
 * against a real HTTP receiver on 127.0.0.1 (a small socket server thread
 * below) that records the bodies it accepts and answers as told: 200, 500,
 * 429, 400, or is down (nothing listens on its port). Nothing is timed:
 * the tests wait with mlmd_openlineage_flush() or on the receiver's
 * condition variable, with generous bounds that only guard against a hang.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "helpers.h"

extern char **environ;

#define GUARD_MS 60000 /* a hang guard, never a measurement */
#define MAX_BODIES 512

/* ---- the receiver ---------------------------------------------------------------------------- */

typedef struct receiver {
	int port;
	int fd;                      /* listening socket, -1 when down */
	int wake[2];                 /* a pipe that stops the thread */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int script[16], n_script;    /* the next answers, then `status` */
	int status;
	int delay_ms;                /* each answer waits this long (a slow endpoint) */
	int requests;
	char *bodies[MAX_BODIES];    /* bodies answered 2xx, in arrival order */
	int n;
	char path[256], ctype[128], auth[256];
} receiver;

/* The value of header `name` in the request head, into out. */
static void header(const char *head, const char *name, char *out, size_t n)
{
	out[0] = '\0';
	size_t len = strlen(name);
	for (const char *p = head; (p = strstr(p, "\r\n")); p += 2) {
		if (strncasecmp(p + 2, name, len) || p[2 + len] != ':')
			continue;
		const char *v = p + 3 + len;
		while (*v == ' ')
			v++;
		size_t k = strcspn(v, "\r");
		snprintf(out, n, "%.*s", (int)k, v);
		return;
	}
}

static void serve_one(receiver *r, int c)
{
	char *buf = malloc(1 << 20);
	size_t got = 0;
	char *end = NULL;
	while (!end && got < (1 << 20) - 1) {
		ssize_t k = recv(c, buf + got, (1 << 20) - 1 - got, 0);
		if (k <= 0)
			break;
		got += (size_t)k;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end) {
		free(buf);
		return;
	}
	char cl[32];
	*end = '\0';
	header(buf, "Content-Length", cl, sizeof cl);
	size_t want = (size_t)strtoul(cl, NULL, 10), head = (size_t)(end - buf) + 4;
	while (got < head + want) {
		ssize_t k = recv(c, buf + got, head + want - got, 0);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	pthread_mutex_lock(&r->mu);
	int status = r->status;
	if (r->n_script) {
		status = r->script[0];
		memmove(r->script, r->script + 1, (size_t)--r->n_script * sizeof *r->script);
	}
	r->requests++;
	sscanf(buf, "POST %255s", r->path);
	header(buf, "Content-Type", r->ctype, sizeof r->ctype);
	header(buf, "Authorization", r->auth, sizeof r->auth);
	if (status / 100 == 2 && r->n < MAX_BODIES && got >= head + want)
		r->bodies[r->n++] = strndup(buf + head, want);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->delay_ms)
		nanosleep(&(struct timespec){ r->delay_ms / 1000, (long)(r->delay_ms % 1000) * 1000000L }, NULL);
	char answer[160];
	/* a redirect sends the client to /moved on the same receiver */
	int len = snprintf(answer, sizeof answer, "HTTP/1.1 %d X\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n",
			   status, status / 100 == 3 ? "Location: /moved\r\n" : "");
	(void)!send(c, answer, (size_t)len, MSG_NOSIGNAL);
	free(buf);
}

static void *serve(void *arg)
{
	receiver *r = arg;
	for (;;) {
		struct pollfd p[2] = { { r->fd, POLLIN, 0 }, { r->wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno == EINTR)
			continue;
		if (p[1].revents)
			return NULL;
		int c = accept(r->fd, NULL, NULL);
		if (c >= 0) {
			serve_one(r, c);
			close(c);
		}
	}
}

/* Listens on r->port (0: a free one, kept in r->port). */
static void receiver_up(receiver *r)
{
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(r->fd >= 0);
	int one = 1;
	setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)r->port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(r->fd, (struct sockaddr *)&a, sizeof a))
		fail_msg("bind 127.0.0.1:%d: %s", r->port, strerror(errno));
	socklen_t len = sizeof a;
	getsockname(r->fd, (struct sockaddr *)&a, &len);
	r->port = ntohs(a.sin_port);
	assert_int_equal(listen(r->fd, 64), 0);
	assert_int_equal(pipe(r->wake), 0);
	assert_int_equal(pthread_create(&r->thread, NULL, serve, r), 0);
}

/* Nothing listens on the port any more: connections are refused. */
static void receiver_down(receiver *r)
{
	(void)!write(r->wake[1], "x", 1);
	pthread_join(r->thread, NULL);
	close(r->fd);
	close(r->wake[0]);
	close(r->wake[1]);
	r->fd = -1;
}

static receiver *receiver_new(void)
{
	receiver *r = calloc(1, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->status = 200;
	receiver_up(r);
	return r;
}

static void receiver_free(receiver *r)
{
	if (r->fd >= 0)
		receiver_down(r);
	for (int i = 0; i < r->n; i++)
		free(r->bodies[i]);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Waits until the receiver accepted n bodies (a hang guard only). */
static void receiver_wait(receiver *r, int n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += GUARD_MS / 1000;
	pthread_mutex_lock(&r->mu);
	while (r->n < n)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &until) == ETIMEDOUT)
			break;
	int got = r->n;
	pthread_mutex_unlock(&r->mu);
	if (got < n)
		fail_msg("the receiver got %d bodies, expected %d", got, n);
}

static int receiver_count(receiver *r)
{
	pthread_mutex_lock(&r->mu);
	int n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static char *url_of(receiver *r, const char *path)
{
	char *u = malloc(128);
	snprintf(u, 128, "http://127.0.0.1:%d%s", r->port, path);
	return u;
}

/* ---- the store side -------------------------------------------------------------------------- */

typedef struct fixture {
	char *db, *queue;
	mlmd_store *s;
	int64_t et;
} fixture;

static char *queue_dir(void)
{
	char *p = tmp_path("olq");
	strcat(p, ".d");
	return p;
}

static void rm_queue(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Events files in a queue directory. */
static int queued_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "ev-", 3);
	closedir(d);
	return n;
}

static mlmd_store *open_with(const char *db, const char *url, const char *queue, int64_t max_bytes)
{
	mlmd_store *s = open_file(db);
	mlmd_openlineage_transport_options t = MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_INIT;
	t.url = url;
	t.queue_dir = queue;
	t.queue_max_bytes = max_bytes;
	t.api_key = "sesame";
	OK(mlmd_openlineage_attach(s, &t));
	return s;
}

static void fixture_open(fixture *f, const char *url, int64_t max_bytes)
{
	f->db = tmp_path("ol");
	f->queue = queue_dir();
	f->s = open_with(f->db, url, f->queue, max_bytes);
	f->et = execution_type(f->s, "Train");
}

static void fixture_close(fixture *f)
{
	mlmd_store_free(f->s);
	rm_queue(f->queue);
	free(f->queue);
	tmp_remove(f->db);
}

static int has(const char *body, const char *needle)
{
	return strstr(body, needle) != NULL;
}

/* The run id of an event body (copied into out). */
static void run_id(const char *body, char out[64])
{
	const char *p = strstr(body, "\"runId\":\"");
	assert_non_null(p);
	snprintf(out, 37, "%s", p + 9);
}

static mlmd_openlineage_transport_stats stats(mlmd_store *s)
{
	mlmd_openlineage_transport_stats st;
	OK(mlmd_openlineage_transport_stats_get(s, &st));
	return st;
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void a_running_then_complete_execution_posts_start_then_complete(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	fixture f;
	fixture_open(&f, url, 0);
	int64_t id = put_execution_as(f.s, f.et, 0, "fit", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 1);
	assert_true(has(r->bodies[0], "\"eventType\":\"START\""));
	assert_string_equal(r->path, "/api/v1/lineage"); /* a URL with no path: Marquez's */
	assert_string_equal(r->ctype, "application/json");
	assert_string_equal(r->auth, "Bearer sesame");

	put_execution_as(f.s, f.et, id, "fit", MLMD__PB__EXECUTION__STATE__COMPLETE);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 2);
	assert_true(has(r->bodies[1], "\"eventType\":\"COMPLETE\""));
	char a[64], b[64];
	run_id(r->bodies[0], a);
	run_id(r->bodies[1], b);
	assert_string_equal(a, b);

	/* nothing new: nothing posted */
	put_execution_as(f.s, f.et, id, "fit", MLMD__PB__EXECUTION__STATE__COMPLETE);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 2);
	mlmd_openlineage_transport_stats st = stats(f.s);
	assert_int_equal(st.posted, 2);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.failures + st.rejected + st.dropped, 0);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

static void while_the_endpoint_is_down_events_wait_on_disk_then_arrive_in_order_once(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "/api/v1/lineage");
	receiver_down(r);
	fixture f;
	fixture_open(&f, url, 0);
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "r%d", i);
		ids[i] = put_execution_as(f.s, f.et, 0, name, MLMD__PB__EXECUTION__STATE__RUNNING);
	}
	put_execution_as(f.s, f.et, ids[0], "r0", MLMD__PB__EXECUTION__STATE__FAILED);
	assert_int_equal(queued_files(f.queue), 4);
	FAILS(mlmd_openlineage_flush(f.s, 0), MLMD_DEADLINE_EXCEEDED, "4 events still queued");
	mlmd_openlineage_transport_stats st = stats(f.s);
	assert_int_equal(st.queued, 4);
	assert_true(st.queued_bytes > 0);
	assert_int_equal(st.posted, 0);

	receiver_up(r);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 4);
	const char *want[4][2] = { { "Train.r0", "START" }, { "Train.r1", "START" }, { "Train.r2", "START" },
				   { "Train.r0", "FAIL" } };
	for (int i = 0; i < 4; i++) {
		char name[64], type[64];
		snprintf(name, sizeof name, "\"name\":\"%s\"", want[i][0]);
		snprintf(type, sizeof type, "\"eventType\":\"%s\"", want[i][1]);
		if (!has(r->bodies[i], name) || !has(r->bodies[i], type))
			fail_msg("event %d is not %s %s: %.300s", i, want[i][0], want[i][1], r->bodies[i]);
	}
	st = stats(f.s);
	assert_int_equal(st.posted, 4);
	assert_int_equal(st.queued, 0);
	assert_int_equal(queued_files(f.queue), 0);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

/* A process whose clock ran an hour ahead left an event; with the clock
 * right again, a later event must still be named, and posted, after it. */
static void events_queued_after_the_clock_went_back_still_come_after(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	receiver_down(r);
	fixture f;
	f.db = tmp_path("ol");
	f.queue = queue_dir();
	assert_int_equal(mkdir(f.queue, 0700), 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char path[1200];
	snprintf(path, sizeof path, "%s/ev-%020lld-0000000001-000001-000000000001.json", f.queue,
		 ((long long)now.tv_sec + 3600) * 1000000000LL);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"eventType\":\"START\",\"run\":{\"runId\":\"queued-an-hour-ahead\"}}", fp);
	fclose(fp);
	f.s = open_with(f.db, url, f.queue, 0);
	f.et = execution_type(f.s, "Train");
	put_execution_as(f.s, f.et, 0, "later", MLMD__PB__EXECUTION__STATE__RUNNING);
	assert_int_equal(queued_files(f.queue), 2);

	receiver_up(r);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 2);
	if (!has(r->bodies[0], "queued-an-hour-ahead") || !has(r->bodies[1], "Train.later"))
		fail_msg("posted out of order: first %.120s, then %.120s", r->bodies[0], r->bodies[1]);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

static void answers_429_and_5xx_are_retried_and_4xx_rejected(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "/lineage");
	r->script[0] = 500;
	r->script[1] = 429;
	r->script[2] = 503;
	r->n_script = 3;
	fixture f;
	fixture_open(&f, url, 0);
	put_execution_as(f.s, f.et, 0, "a", MLMD__PB__EXECUTION__STATE__COMPLETE);
	/* the flush waits out the backoff between the attempts */
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(r->requests, 5);
	assert_string_equal(r->path, "/lineage");
	mlmd_openlineage_transport_stats st = stats(f.s);
	assert_int_equal(st.failures, 3);
	assert_int_equal(st.posted, 2);
	assert_true(has(r->bodies[0], "START") && has(r->bodies[1], "COMPLETE"));

	pthread_mutex_lock(&r->mu);
	r->status = 400;
	pthread_mutex_unlock(&r->mu);
	put_execution_as(f.s, f.et, 0, "b", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS)); /* rejected: gone from the queue */
	st = stats(f.s);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.posted, 2);
	assert_int_equal(st.queued, 0);
	assert_int_equal(receiver_count(r), 2);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

/* An endpoint behind a redirect (http to https, a moved path) still gets
 * the events: redirects are followed, still as POSTs. */
static void redirects_are_followed_as_posts(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "/lineage");
	r->script[0] = 308;
	r->script[1] = 301;
	r->n_script = 2;
	fixture f;
	fixture_open(&f, url, 0);
	put_execution_as(f.s, f.et, 0, "a", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	mlmd_openlineage_transport_stats st = stats(f.s);
	assert_int_equal(st.posted, 1);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(r->requests, 3);
	assert_string_equal(r->path, "/moved");
	assert_int_equal(receiver_count(r), 1);
	assert_true(has(r->bodies[0], "START"));
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

static void a_full_queue_drops_the_oldest_and_counts_them(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	receiver_down(r);
	/* one event's size, from a first handle */
	fixture f;
	fixture_open(&f, url, 0);
	put_execution_as(f.s, f.et, 0, "x0", MLMD__PB__EXECUTION__STATE__RUNNING);
	mlmd_openlineage_transport_stats st = stats(f.s);
	assert_int_equal(st.queued, 1);
	int64_t one = st.queued_bytes;
	mlmd_store_free(f.s);
	rm_queue(f.queue);

	/* room for three */
	f.s = open_with(f.db, url, f.queue, 3 * one + one / 2);
	for (int i = 1; i <= 5; i++) {
		char name[16];
		snprintf(name, sizeof name, "x%d", i);
		put_execution_as(f.s, f.et, 0, name, MLMD__PB__EXECUTION__STATE__RUNNING);
	}
	st = stats(f.s);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.dropped, 2);
	receiver_up(r);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 3);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "\"name\":\"Train.x%d\"", i + 3);
		assert_true(has(r->bodies[i], name));
	}
	/* an event larger than the whole bound is dropped, the queue kept */
	mlmd_store_free(f.s);
	f.s = open_with(f.db, url, f.queue, 16);
	put_execution_as(f.s, f.et, 0, "big", MLMD__PB__EXECUTION__STATE__RUNNING);
	st = stats(f.s);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.queued, 0);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

static void a_new_handle_posts_what_an_earlier_one_left(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	receiver_down(r);
	fixture f;
	fixture_open(&f, url, 0);
	put_execution_as(f.s, f.et, 0, "left1", MLMD__PB__EXECUTION__STATE__RUNNING);
	put_execution_as(f.s, f.et, 0, "left2", MLMD__PB__EXECUTION__STATE__RUNNING);
	mlmd_store_free(f.s); /* the endpoint is down: the events stay */
	assert_int_equal(queued_files(f.queue), 2);

	receiver_up(r);
	char *db2 = tmp_path("ol2");
	f.s = open_with(db2, url, f.queue, 0);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 2);
	assert_true(has(r->bodies[0], "Train.left1"));
	assert_true(has(r->bodies[1], "Train.left2"));
	assert_int_equal(stats(f.s).posted, 2);
	fixture_close(&f);
	tmp_remove(db2);
	free(url);
	receiver_free(r);
}

/* A short-lived program (the CLI) frees its handle right after writing:
 * the free posts the whole queue while the endpoint keeps taking events,
 * however long that takes in all, instead of leaving most of them for a
 * next handle that may never come. */
static void freeing_a_handle_posts_the_queue_while_the_endpoint_takes_it(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	receiver_down(r);
	fixture f;
	fixture_open(&f, url, 0);
	for (int i = 0; i < 12; i++) {
		char name[16];
		snprintf(name, sizeof name, "slow%d", i);
		put_execution_as(f.s, f.et, 0, name, MLMD__PB__EXECUTION__STATE__RUNNING);
	}
	r->delay_ms = 250; /* 3 s in all, more than the 2 s the free waits for one post */
	receiver_up(r);
	mlmd_store_free(f.s);
	f.s = NULL;
	assert_int_equal(receiver_count(r), 12);
	assert_int_equal(queued_files(f.queue), 0);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

/* Two handles (as two processes would) on one store and one queue, each
 * writing from its own thread: every event arrives once. */
typedef struct writer_arg {
	mlmd_store *s;
	int64_t et;
	int which;
} writer_arg;

#define PER_WRITER 20

static void *write_runs(void *arg)
{
	writer_arg *w = arg;
	for (int i = 0; i < PER_WRITER; i++) {
		char name[32];
		snprintf(name, sizeof name, "w%d_%02d", w->which, i);
		put_execution_as(w->s, w->et, 0, name, MLMD__PB__EXECUTION__STATE__COMPLETE);
	}
	return NULL;
}

static void two_handles_on_one_queue_post_every_event_once(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	fixture f;
	fixture_open(&f, url, 0);
	mlmd_store *s2 = open_with(f.db, url, f.queue, 0);
	writer_arg a = { f.s, f.et, 1 }, b = { s2, f.et, 2 };
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, write_runs, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, write_runs, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	OK(mlmd_openlineage_flush(s2, GUARD_MS));
	receiver_wait(r, 4 * PER_WRITER);
	assert_int_equal(receiver_count(r), 4 * PER_WRITER);
	/* each (run, type) once */
	for (int i = 0; i < r->n; i++)
		for (int j = i + 1; j < r->n; j++)
			if (!strcmp(r->bodies[i], r->bodies[j]))
				fail_msg("event %d posted twice", i);
	mlmd_openlineage_transport_stats s1 = stats(f.s), st2 = stats(s2);
	assert_int_equal(s1.posted + st2.posted, 4 * PER_WRITER);
	mlmd_store_free(s2);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

/* The child process of the test below (this program run again with
 * "--child DB URL QUEUE"): writes PER_WRITER runs through its own handle and
 * exits, its handle freed (what it could not post stays queued). */
static int child_main(char **argv)
{
	mlmd_store *s = open_with(argv[2], argv[3], argv[4], 0);
	writer_arg w = { s, execution_type(s, "Train"), 3 };
	write_runs(&w);
	mlmd_store_free(s);
	return 0;
}

static void two_processes_on_one_queue_post_every_event_once(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	fixture f;
	fixture_open(&f, url, 0);
	char *args[] = { "test_openlineage_transport", "--child", f.db, url, f.queue, NULL };
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ), 0);
	writer_arg a = { f.s, f.et, 1 };
	write_runs(&a); /* while the child writes its own */
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS)); /* the child's leftovers too */
	assert_int_equal(receiver_count(r), 4 * PER_WRITER);
	for (int i = 0; i < r->n; i++)
		for (int j = i + 1; j < r->n; j++)
			if (!strcmp(r->bodies[i], r->bodies[j]))
				fail_msg("event %d posted twice", i);
	int child = 0;
	for (int i = 0; i < r->n; i++)
		child += has(r->bodies[i], "\"name\":\"Train.w3_") != 0;
	assert_int_equal(child, 2 * PER_WRITER);
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

/* A child forked while the transport runs has no sender thread: freeing
 * the handle it inherited (as a forked Python child does at exit) must
 * neither hang nor touch the parent's sender, which goes on posting. */
static void a_forked_child_frees_an_inherited_handle_without_hanging(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	fixture f;
	fixture_open(&f, url, 0);
	put_execution_as(f.s, f.et, 0, "before", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		mlmd_store_free(f.s);
		_exit(0);
	}
	int status = 0;
	pid_t got = 0;
	for (int i = 0; i < GUARD_MS / 10 && !(got = waitpid(pid, &status, WNOHANG)); i++)
		nanosleep(&(struct timespec){ 0, 10000000L }, NULL); /* a hang guard, never a measurement */
	if (!got) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the forked child hung freeing the handle it inherited");
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	put_execution_as(f.s, f.et, 0, "after", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(f.s, GUARD_MS));
	assert_int_equal(receiver_count(r), 2);
	assert_true(has(r->bodies[1], "Train.after"));
	fixture_close(&f);
	free(url);
	receiver_free(r);
}

static void bad_urls_are_refused_at_open(void **state)
{
	(void)state;
	char *db = tmp_path("olbad"), uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	o.openlineage_url = "ftp://example.org/x";
	FAILS(mlmd_store_open(&s, &o), MLMD_INVALID_ARGUMENT, "ftp://example.org/x");
	assert_null(s);
	o.openlineage_url = "not a url";
	FAILS(mlmd_store_open(&s, &o), MLMD_INVALID_ARGUMENT, "openlineage_url");
	o.openlineage_url = NULL;
	setenv("MLMD_OPENLINEAGE_URL", "http://", 1);
	FAILS(mlmd_store_open(&s, &o), MLMD_INVALID_ARGUMENT, "MLMD_OPENLINEAGE_URL");
	setenv("MLMD_OPENLINEAGE_URL", "", 1); /* empty: none */
	OK(mlmd_store_open(&s, &o));
	FAILS(mlmd_openlineage_flush(s, 0), MLMD_NOT_FOUND, "no OpenLineage transport");
	mlmd_openlineage_transport_stats st;
	FAILS(mlmd_openlineage_transport_stats_get(s, &st), MLMD_NOT_FOUND, "no OpenLineage transport");
	mlmd_openlineage_transport_options t = MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_INIT;
	FAILS(mlmd_openlineage_attach(s, &t), MLMD_INVALID_ARGUMENT, "url");
	char *q = queue_dir();
	t.url = "https://example.org";
	t.queue_dir = q;
	OK(mlmd_openlineage_attach(s, &t));
	FAILS(mlmd_openlineage_attach(s, &t), MLMD_ALREADY_EXISTS, "already");
	mlmd_store_free(s);
	/* a read-only store never posts: the URL is not even looked at */
	unsetenv("MLMD_OPENLINEAGE_URL");
	o.openlineage_url = "ftp://ignored";
	o.read_only = 1;
	OK(mlmd_store_open(&s, &o));
	mlmd_store_free(s);
	/* a queue directory that cannot be one */
	o.read_only = 0;
	o.openlineage_url = "http://127.0.0.1:9";
	o.openlineage_queue_dir = uri + strlen("sqlite:"); /* a file */
	FAILS(mlmd_store_open(&s, &o), MLMD_INVALID_ARGUMENT, "queue directory");
	/* a host's backend: the open fails and the caller still owns (and closes) the backend */
	o.openlineage_queue_dir = NULL;
	o.openlineage_url = "gopher://127.0.0.1";
	mlmd_backend *be = NULL;
	OK(custom_backend_open(&be, db));
	FAILS(mlmd_store_open_backend(&s, be, &o), MLMD_INVALID_ARGUMENT, "gopher://127.0.0.1");
	assert_null(s);
	be->close(be);
	rm_queue(q);
	free(q);
	tmp_remove(db);
}

static void the_environment_attaches_the_transport_to_open_config(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "/custom/path");
	char *db = tmp_path("olenv");
	setenv("MLMD_OPENLINEAGE_URL", url, 1);
	setenv("MLMD_OPENLINEAGE_NAMESPACE", "team-x", 1);
	unsetenv("MLMD_OPENLINEAGE_QUEUE_DIR");
	Mlmd__Pb__SqliteMetadataSourceConfig sq = MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__INIT;
	sq.filename_uri = db;
	Mlmd__Pb__ConnectionConfig cc = MLMD__PB__CONNECTION_CONFIG__INIT;
	cc.config_case = MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE;
	cc.sqlite = &sq;
	uint8_t buf[2048];
	size_t n = protobuf_c_message_pack(&cc.base, buf);
	mlmd_store *s = NULL;
	OK(mlmd_store_open_config(&s, buf, n));
	unsetenv("MLMD_OPENLINEAGE_URL");
	unsetenv("MLMD_OPENLINEAGE_NAMESPACE");
	int64_t et = execution_type(s, "Train");
	put_execution_as(s, et, 0, "env", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(s, GUARD_MS));
	assert_int_equal(receiver_count(r), 1);
	assert_string_equal(r->path, "/custom/path");
	assert_true(has(r->bodies[0], "\"namespace\":\"team-x\""));
	mlmd_store_free(s);
	/* the default queue of an SQLite file store: beside it */
	char dir[1100];
	snprintf(dir, sizeof dir, "%s.openlineage", db);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	rm_queue(dir);
	tmp_remove(db);
	free(url);
	receiver_free(r);
}

static void a_store_without_a_file_queues_under_xdg_state_home(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	char *rel = queue_dir(), *home;
	assert_int_equal(mkdir(rel, 0700), 0);
	assert_non_null(home = realpath(rel, NULL)); /* XDG_STATE_HOME must be absolute */
	free(rel);
	setenv("XDG_STATE_HOME", home, 1);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	o.openlineage_url = url;
	mlmd_store *s = NULL;
	OK(mlmd_store_open(&s, &o));
	unsetenv("XDG_STATE_HOME");
	put_execution_as(s, execution_type(s, "Train"), 0, "mem", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(s, GUARD_MS));
	assert_int_equal(receiver_count(r), 1);
	mlmd_store_free(s);
	/* one directory per endpoint: <state>/mlmd/openlineage/<16 hex digits> */
	char dir[1200];
	snprintf(dir, sizeof dir, "%s/mlmd/openlineage", home);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			assert_int_equal(strlen(e->d_name), 16);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	rm_queue(home);
	free(home);
	free(url);
	receiver_free(r);
}

/* Queue files a crash or a full disk left cut short, or junk: never
 * posted (an endpoint that answers them 5xx would hold the queue behind
 * them for good), removed and counted as rejected; the queue goes on. */
static void truncated_or_junk_queue_files_are_rejected_unposted(void **state)
{
	(void)state;
	receiver *r = receiver_new();
	char *url = url_of(r, "");
	pthread_mutex_lock(&r->mu);
	r->status = 500; /* what some servers answer to a body that is not JSON */
	pthread_mutex_unlock(&r->mu);
	char *queue = queue_dir();
	assert_int_equal(mkdir(queue, 0700), 0);
	static const char *const junk[] = { "{\"eventType\":\"START\",\"run\":{\"ru", "\x01\xff garbage", "", "[1]", "{} {}" };
	for (int i = 0; i < 5; i++) {
		char path[1400];
		snprintf(path, sizeof path, "%s/ev-%020d-0000000001-000000-%012d.json", queue, i + 1, i + 1);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(junk[i], 1, strlen(junk[i]), f);
		fclose(f);
	}
	char *db = tmp_path("ol");
	mlmd_store *s = open_with(db, url, queue, 0);
	OK(mlmd_openlineage_flush(s, GUARD_MS));
	mlmd_openlineage_transport_stats st = stats(s);
	assert_int_equal(st.rejected, 5);
	assert_int_equal(st.posted, 0);
	assert_int_equal(queued_files(queue), 0);
	pthread_mutex_lock(&r->mu);
	int requests = r->requests;
	r->status = 200;
	pthread_mutex_unlock(&r->mu);
	assert_int_equal(requests, 0);
	put_execution_as(s, execution_type(s, "Train"), 0, "after", MLMD__PB__EXECUTION__STATE__RUNNING);
	OK(mlmd_openlineage_flush(s, GUARD_MS));
	assert_int_equal(stats(s).posted, 1);
	assert_int_equal(receiver_count(r), 1);
	mlmd_store_free(s);
	rm_queue(queue);
	free(queue);
	tmp_remove(db);
	free(url);
	receiver_free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_running_then_complete_execution_posts_start_then_complete),
		cmocka_unit_test(while_the_endpoint_is_down_events_wait_on_disk_then_arrive_in_order_once),
		cmocka_unit_test(events_queued_after_the_clock_went_back_still_come_after),
		cmocka_unit_test(answers_429_and_5xx_are_retried_and_4xx_rejected),
		cmocka_unit_test(redirects_are_followed_as_posts),
		cmocka_unit_test(a_full_queue_drops_the_oldest_and_counts_them),
		cmocka_unit_test(a_new_handle_posts_what_an_earlier_one_left),
		cmocka_unit_test(freeing_a_handle_posts_the_queue_while_the_endpoint_takes_it),
		cmocka_unit_test(two_handles_on_one_queue_post_every_event_once),
		cmocka_unit_test(two_processes_on_one_queue_post_every_event_once),
		cmocka_unit_test(a_forked_child_frees_an_inherited_handle_without_hanging),
		cmocka_unit_test(bad_urls_are_refused_at_open),
		cmocka_unit_test(the_environment_attaches_the_transport_to_open_config),
		cmocka_unit_test(a_store_without_a_file_queues_under_xdg_state_home),
		cmocka_unit_test(truncated_or_junk_queue_files_are_rejected_unposted),
	};
	if (argc == 5 && !strcmp(argv[1], "--child"))
		return child_main(argv);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

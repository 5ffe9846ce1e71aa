/*
 * tests/server_drain.h - what the tests of a server with calls in flight
 * share (tests/test_server_drain.c, tests/test_server_process.c): the
 * server's log read line by line on a thread of its own, the store's write
 * lock held from a direct handle (so a writing call blocks until the test
 * lets it go), calls made on threads of their own, the wait until the
 * server refuses new calls, and the check that a PutExecution was applied
 * whole or not at all.
 *
 * Every wait here is for an event (a log line, a call's answer, a refusal);
 * the only time limits are guards that turn a hang into a failure.
 */
#ifndef MLMD_TESTS_SERVER_DRAIN_H
#define MLMD_TESTS_SERVER_DRAIN_H

#include "server_fixture.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

#define SD_PATH(m) "/ml_metadata.MetadataStoreService/" m
#define SD_HEALTH "/grpc.health.v1.Health/Check"
#define SD_GUARD_S 120 /* a wait longer than this is a hang: fail */

/* ---- the log, read by a thread ------------------------------------------------------------------ */

/* Lines from a pipe (the in-process server's `log` FILE*, or a child's
 * stderr), kept whole so tests can wait for one and count them. */
typedef struct sd_log {
	int fd;                 /* the read end */
	FILE *w;                /* the write end as the server's log (NULL: a child's) */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *text;             /* every byte read so far, NUL-terminated */
	size_t len, cap;
	int eof;
} sd_log;

static void *sd__log_main(void *arg)
{
	sd_log *l = arg;
	char buf[4096];
	for (;;) {
		ssize_t n = read(l->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		pthread_mutex_lock(&l->mu);
		if (n <= 0) {
			l->eof = 1;
		} else {
			if (l->len + (size_t)n + 1 > l->cap) {
				size_t cap = (l->len + (size_t)n + 1) * 2;
				char *t = realloc(l->text, cap);
				if (!t)
					abort();
				l->text = t;
				l->cap = cap;
			}
			memcpy(l->text + l->len, buf, (size_t)n);
			l->len += (size_t)n;
			l->text[l->len] = '\0';
		}
		pthread_cond_broadcast(&l->cv);
		int done = l->eof;
		pthread_mutex_unlock(&l->mu);
		if (done)
			return NULL;
	}
}

/* Starts reading fd (owned from now on). */
static inline void sd_log_read(sd_log *l, int fd)
{
	memset(l, 0, sizeof *l);
	l->fd = fd;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	assert_int_equal(pthread_create(&l->th, NULL, sd__log_main, l), 0);
}

/* A pipe whose write end is a line-buffered FILE* for srv_config.log. */
static inline void sd_log_pipe(sd_log *l)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	sd_log_read(l, p[0]);
	l->w = fdopen(p[1], "w");
	assert_non_null(l->w);
	setvbuf(l->w, NULL, _IOLBF, 0);
}

/* Closes the write end (after the server is freed) and waits for the rest. */
static inline void sd_log_close(sd_log *l)
{
	if (l->w)
		fclose(l->w);
	l->w = NULL;
	pthread_join(l->th, NULL);
	close(l->fd);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l->text);
	memset(l, 0, sizeof *l);
}

/* The number of complete log lines whose third field is `path` and fourth
 * `what` ("START", "OK", "DEADLINE_EXCEEDED", ...). Call with l->mu held. */
static inline int sd__count(const sd_log *l, const char *path, const char *what)
{
	int n = 0;
	const char *p = l->text;
	size_t lp = strlen(path), lw = strlen(what);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			break; /* not a whole line yet */
		/* TIME PEER PATH WHAT[ US] */
		const char *f = p;
		for (int k = 0; k < 2 && f; k++) {
			const char *sp = memchr(f, ' ', (size_t)(nl - f));
			f = sp ? sp + 1 : NULL;
		}
		if (f && f + lp + 1 + lw <= nl && !memcmp(f, path, lp) && f[lp] == ' ' && !memcmp(f + lp + 1, what, lw) &&
		    (f + lp + 1 + lw == nl || f[lp + 1 + lw] == ' '))
			n++;
		p = nl + 1;
	}
	return n;
}

static inline int sd_log_count(sd_log *l, const char *path, const char *what)
{
	pthread_mutex_lock(&l->mu);
	int n = sd__count(l, path, what);
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* Waits until at least `n` lines say `path` `what`; fails when the log ends
 * first or nothing comes for SD_GUARD_S seconds. */
static inline void sd_log_wait(sd_log *l, const char *path, const char *what, int n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SD_GUARD_S;
	pthread_mutex_lock(&l->mu);
	while (sd__count(l, path, what) < n && !l->eof)
		if (pthread_cond_timedwait(&l->cv, &l->mu, &until) == ETIMEDOUT)
			break;
	int got = sd__count(l, path, what);
	pthread_mutex_unlock(&l->mu);
	if (got < n)
		fail_msg("the log has %d line(s) '%s %s', expected %d; it reads:\n%s", got, path, what, n,
			 l->text ? l->text : "");
}

/* Waits until the log holds `text` anywhere; fails as sd_log_wait() does. */
static inline void sd_log_wait_text(sd_log *l, const char *text)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SD_GUARD_S;
	pthread_mutex_lock(&l->mu);
	while (!(l->text && strstr(l->text, text)) && !l->eof)
		if (pthread_cond_timedwait(&l->cv, &l->mu, &until) == ETIMEDOUT)
			break;
	int found = l->text && strstr(l->text, text);
	pthread_mutex_unlock(&l->mu);
	if (!found)
		fail_msg("the log never said '%s'; it reads:\n%s", text, l->text ? l->text : "");
}

/* ---- the store's write lock, held from a direct handle --------------------------------------------- */

/* Opens a handle on the fixture's store and begins a writing transaction on
 * it: until sd_unlock(), every writing call on the store waits (SQLite's
 * file lock, PostgreSQL's advisory lock; the library takes either at begin). */
static inline mlmd_store *sd_lock(const sfx *f)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = f->uri;
	mlmd_store *h = NULL;
	OK(mlmd_store_open(&h, &o));
	OK(mlmd_store_begin(h, 1));
	return h;
}

static inline void sd_unlock(mlmd_store *h)
{
	OK(mlmd_store_rollback(h));
	mlmd_store_free(h);
}

/* ---- a call on a thread of its own ------------------------------------------------------------------ */

/* A plaintext channel with a connection of its own (gRPC's local subchannel
 * pool). Channels to one target otherwise share the process's connection,
 * and a call sent on it in the instant before the stopping server's GOAWAY
 * arrives can be left unanswered by gRPC until the drain ends
 * (docs/server.md); on a connection of its own, a call made after the
 * server stopped listening is refused at once. Close with gc_close(). */
static inline gc_channel *sd_open_own(const char *target)
{
	gc_channel *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	grpc_init();
	grpc_arg arg;
	arg.type = GRPC_ARG_INTEGER;
	arg.key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
	arg.value.integer = 1;
	grpc_channel_args args = { 1, &arg };
	grpc_channel_credentials *creds = grpc_insecure_credentials_create();
	c->ch = grpc_channel_create(target, creds, &args);
	grpc_channel_credentials_release(creds);
	c->cq = grpc_completion_queue_create_for_pluck(NULL);
	return c;
}

typedef struct sd_call {
	char target[64];
	int own;                /* on a connection of its own (sd_open_own) */
	const char *path;
	uint8_t *req;
	size_t len;
	int deadline_ms;
	int rc;                 /* gc_call's return */
	gc_result r;
	pthread_t th;
} sd_call;

static void *sd__call_main(void *arg)
{
	sd_call *c = arg;
	gc_channel *ch = c->own ? sd_open_own(c->target) : gc_open(c->target, NULL, 0);
	c->rc = ch ? gc_call(ch, c->path, c->req, c->len, c->deadline_ms, &c->r) : -1;
	gc_close(ch);
	return NULL;
}

/* Starts calling `path` on `target` with message m on a new thread and
 * channel; `own`: on a connection of its own (sd_open_own). */
static inline void sd__call_start(sd_call *c, const char *target, const char *path, const void *m, int deadline_ms,
				  int own)
{
	memset(c, 0, sizeof *c);
	c->own = own;
	snprintf(c->target, sizeof c->target, "%s", target);
	c->path = path;
	c->len = protobuf_c_message_get_packed_size(m);
	c->req = malloc(c->len + 1);
	assert_non_null(c->req);
	protobuf_c_message_pack(m, c->req);
	c->deadline_ms = deadline_ms;
	assert_int_equal(pthread_create(&c->th, NULL, sd__call_main, c), 0);
}

static inline void sd_call_start(sd_call *c, const char *target, const char *path, const void *m, int deadline_ms)
{
	sd__call_start(c, target, path, m, deadline_ms, 0);
}

static inline void sd_call_start_own(sd_call *c, const char *target, const char *path, const void *m, int deadline_ms)
{
	sd__call_start(c, target, path, m, deadline_ms, 1);
}

/* Waits for the call's answer; returns its status (free c->r after). */
static inline int sd_call_join(sd_call *c)
{
	assert_int_equal(pthread_join(c->th, NULL), 0);
	free(c->req);
	c->req = NULL;
	if (c->rc != 0)
		fail_msg("%s: the client could not make the call", c->path);
	return c->r.status;
}

/* ---- requests ------------------------------------------------------------------------------------- */

/* The types the tests' nodes have: artifacts "DrainData", executions
 * "DrainStep", contexts "DrainRun" (made through the direct handle). */
typedef struct sd_types {
	int64_t at, et, ct;
} sd_types;

static inline sd_types sd_make_types(mlmd_store *h)
{
	sd_types t = { artifact_type(h, "DrainData", 0), execution_type(h, "DrainStep"), context_type(h, "DrainRun") };
	return t;
}

/* A PutArtifacts of one artifact named `name`. Free with mlmd_message_free. */
static inline Mlmd__Pb__PutArtifactsRequest *sd_put_artifact(const sd_types *t, const char *name)
{
	Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
	Mlmd__Pb__Artifact *a = new_artifact(t->at, "/drain");
	OK(mlmd_message_set_string(a, "name", name));
	OK(mlmd_message_append(rq, "artifacts", a));
	return rq;
}

/* A PutExecution of execution `name` writing artifact "<name>-out", in
 * context "<name>-ctx". Free with mlmd_message_free. */
static inline Mlmd__Pb__PutExecutionRequest *sd_put_execution(const sd_types *t, const char *name)
{
	char buf[200];
	Mlmd__Pb__PutExecutionRequest *rq = mlmd_message_new(&mlmd__pb__put_execution_request__descriptor);
	rq->execution = mlmd_message_new(&mlmd__pb__execution__descriptor);
	rq->execution->has_type_id = 1;
	rq->execution->type_id = t->et;
	OK(mlmd_message_set_string(rq->execution, "name", name));
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *p =
		mlmd_message_new(&mlmd__pb__put_execution_request__artifact_and_event__descriptor);
	p->artifact = new_artifact(t->at, "/drain/out");
	snprintf(buf, sizeof buf, "%s-out", name);
	OK(mlmd_message_set_string(p->artifact, "name", buf));
	p->event = mlmd_message_new(&mlmd__pb__event__descriptor);
	p->event->has_type = 1;
	p->event->type = MLMD__PB__EVENT__TYPE__OUTPUT;
	OK(mlmd_message_append(rq, "artifact_event_pairs", p));
	Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
	c->has_type_id = 1;
	c->type_id = t->ct;
	snprintf(buf, sizeof buf, "%s-ctx", name);
	OK(mlmd_message_set_string(c, "name", buf));
	OK(mlmd_message_append(rq, "contexts", c));
	return rq;
}

/* ---- what the store holds -------------------------------------------------------------------------- */

/* The id of the artifact named `name` ("DrainData"), 0 when there is none. */
static inline int64_t sd_artifact_id(mlmd_store *h, const char *name)
{
	Mlmd__Pb__GetArtifactByTypeAndNameRequest rq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetArtifactByTypeAndNameResponse *rs = NULL;
	rq.type_name = "DrainData";
	rq.artifact_name = (char *)name;
	OK(mlmd_store_get_artifact_by_type_and_name(h, &rq, &rs));
	int64_t id = rs->artifact ? rs->artifact->id : 0;
	mlmd_message_free(rs);
	return id;
}

/*
 * Whether sd_put_execution(name) is in the store: 1 when all of it is (the
 * execution, its output artifact, the event between them, the context, the
 * association and the attribution), 0 when none of it is; fails on anything
 * in between.
 */
static inline int sd_execution_whole(mlmd_store *h, const char *name)
{
	char out[200], ctx[200];
	snprintf(out, sizeof out, "%s-out", name);
	snprintf(ctx, sizeof ctx, "%s-ctx", name);
	Mlmd__Pb__GetExecutionByTypeAndNameRequest eq = MLMD__PB__GET_EXECUTION_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetExecutionByTypeAndNameResponse *er = NULL;
	eq.type_name = "DrainStep";
	eq.execution_name = (char *)name;
	OK(mlmd_store_get_execution_by_type_and_name(h, &eq, &er));
	int64_t exec = er->execution ? er->execution->id : 0;
	mlmd_message_free(er);
	Mlmd__Pb__GetContextByTypeAndNameRequest cq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *cr = NULL;
	cq.type_name = "DrainRun";
	cq.context_name = ctx;
	OK(mlmd_store_get_context_by_type_and_name(h, &cq, &cr));
	int64_t ctx_id = cr->context ? cr->context->id : 0;
	mlmd_message_free(cr);
	int64_t art = sd_artifact_id(h, out);
	if (!exec) {
		if (art || ctx_id)
			fail_msg("%s: no execution, but its artifact (%lld) or context (%lld) is there: half applied", name,
				 (long long)art, (long long)ctx_id);
		return 0;
	}
	if (!art || !ctx_id)
		fail_msg("%s: the execution is there without its artifact (%lld) or context (%lld): half applied", name,
			 (long long)art, (long long)ctx_id);
	Mlmd__Pb__GetEventsByExecutionIDsRequest vq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *vr = NULL;
	vq.n_execution_ids = 1;
	vq.execution_ids = &exec;
	OK(mlmd_store_get_events_by_execution_ids(h, &vq, &vr));
	assert_int_equal(vr->n_events, 1);
	assert_int_equal(vr->events[0]->artifact_id, art);
	mlmd_message_free(vr);
	Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *xr = NULL;
	xq.has_context_id = 1;
	xq.context_id = ctx_id;
	OK(mlmd_store_get_executions_by_context(h, &xq, &xr));
	assert_int_equal(xr->n_executions, 1);
	assert_int_equal(xr->executions[0]->id, exec);
	mlmd_message_free(xr);
	Mlmd__Pb__GetArtifactsByContextRequest aq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *ar = NULL;
	aq.has_context_id = 1;
	aq.context_id = ctx_id;
	OK(mlmd_store_get_artifacts_by_context(h, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 1);
	assert_int_equal(ar->artifacts[0]->id, art);
	mlmd_message_free(ar);
	return 1;
}

/* ---- the server refusing new calls ------------------------------------------------------------------ */

/* Whether `status` is how a server that stopped taking calls refuses one:
 * UNAVAILABLE (no longer listening, or gone away) or, for a call that
 * reached gRPC while the server was shutting down, gRPC's CANCELLED. */
static inline int sd_refusal(int status)
{
	return status == GRPC_STATUS_UNAVAILABLE || status == GRPC_STATUS_CANCELLED;
}

/*
 * Calls health on `target` until the server stops answering: returns the
 * status the refused call got (the caller checks it). While the server still
 * answers, health must say SERVING or NOT_SERVING; *saw_not_serving tells
 * whether it said NOT_SERVING on the way (the drain may be too quick to see).
 *
 * A call that reaches the server at the very moment it shuts down can stay
 * unanswered, neither served nor refused, until the drain ends (seen about
 * once in 40 runs under ASan; gRPC 1.51 keeps it queued); so each probe has
 * a deadline of SD_PROBE_MS and one that runs out is simply made again. The
 * loop counts calls; no outcome depends on how long one takes.
 */
#define SD_PROBE_MS 1000
static inline int sd_wait_refused(const char *target, int *saw_not_serving)
{
	gc_channel *ch = gc_open(target, NULL, 0);
	assert_non_null(ch);
	*saw_not_serving = 0;
	for (int i = 0; i < 1000000; i++) {
		gc_result r;
		assert_int_equal(gc_call(ch, SD_HEALTH, "", 0, SD_PROBE_MS, &r), 0);
		if (r.status == GRPC_STATUS_DEADLINE_EXCEEDED) {
			gc_result_free(&r);
			continue;
		}
		if (r.status != 0) {
			int st = r.status;
			gc_result_free(&r);
			gc_close(ch);
			return st;
		}
		/* HealthCheckResponse: field 1 (varint) is the status; absent is UNKNOWN */
		int serving = r.len >= 2 && r.data[0] == 0x08 ? r.data[1] : 0;
		gc_result_free(&r);
		if (serving != 1 && serving != 2)
			fail_msg("health answered status %d while the server stops", serving);
		if (serving == 2)
			*saw_not_serving = 1;
	}
	gc_close(ch);
	fail_msg("the server still answers health after a million calls");
	return -1;
}

#endif

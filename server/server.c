/*
 * server/server.c - the server's lifecycle: settings checked, store handles
 * opened, gRPC started, workers run, the drain at stop (server/server.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <mlmd.h>
#include "internal.h"

#define DEFAULT_MAX_MESSAGE (4u << 20)
#define DEFAULT_GRACE_MS 10000
#define MAX_THREADS 256

static int fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -code;
}

/* A store whose every handle would be its own database: the workers share
 * one. "sqlite::memory:", "sqlite:" and SQLite URIs in memory mode. */
static int uri_is_memory(const char *uri)
{
	if (strncmp(uri, "sqlite:", 7))
		return 0;
	const char *p = uri + 7;
	return !*p || !strcmp(p, ":memory:") || strstr(p, "mode=memory") != NULL;
}

static int uri_is_sqlite_file(const char *uri)
{
	return !strncmp(uri, "sqlite:", 7) && !uri_is_memory(uri);
}

static int default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		n = 2;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	return (int)n;
}

/* The settings a start needs, checked before anything is opened. */
static int check_config(const srv_config *cfg, char *err, size_t errlen)
{
	if (!cfg)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "no configuration");
	if (!cfg->store_uri || !cfg->store_uri[0])
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "no store URI");
	if (cfg->threads < 0 || cfg->threads > MAX_THREADS)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "threads %d is out of range: 1 to %d (0: the online CPUs)",
			    cfg->threads, MAX_THREADS);
	if (cfg->port < 0 || cfg->port > 65535)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "port %d is out of range: 0 to 65535", cfg->port);
	if (cfg->max_message_bytes > INT_MAX)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "max message bytes %zu is over the limit %d",
			    cfg->max_message_bytes, INT_MAX);
	if (cfg->host && (!cfg->host[0] || strlen(cfg->host) > 255))
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "host '%s' is not an address", cfg->host);
	if (!cfg->tls_cert_file != !cfg->tls_key_file)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "TLS needs both a certificate and a key file (%s given alone)",
			    cfg->tls_cert_file ? "certificate" : "key");
	if (cfg->tls_client_ca_file && !cfg->tls_cert_file)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT,
			    "a client CA needs the server's TLS certificate and key too");
	return 0;
}

/* Opens the workers' store handles: one each, or one shared by all for a
 * memory store. */
static int open_stores(srv *s, const srv_config *cfg, char *err, size_t errlen)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = cfg->store_uri;
	o.upgrade = cfg->upgrade;
	o.actor = cfg->actor;
	int memory = uri_is_memory(cfg->store_uri);
	for (int i = 0; i < s->nworkers; i++) {
		srv_worker *w = &s->workers[i];
		mlmd_store *h = NULL;
		if (memory && i > 0) {
			h = s->shared;
		} else {
			int rc = mlmd_store_open(&h, &o);
			if (rc) {
				char shown[1024];
				srv_redact_uri(cfg->store_uri, shown, sizeof shown);
				return fail(err, errlen, -rc, "store %s: %s", shown, mlmd_error_message());
			}
			if (memory)
				s->shared = h;
		}
		w->store = h;
		const char *a = mlmd_store_actor(h);
		w->default_actor = strdup(a ? a : "");
		if (!w->default_actor)
			return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "out of memory");
	}
	s->serialize_writes = uri_is_sqlite_file(cfg->store_uri);
	return 0;
}

/* "HOST:PORT", with brackets around an IPv6 address. */
static void format_addr(char *buf, size_t size, const char *host, int port)
{
	if (strchr(host, ':') && host[0] != '[')
		snprintf(buf, size, "[%s]:%d", host, port);
	else
		snprintf(buf, size, "%s:%d", host, port);
}

/* Binds host:port once with a plain socket, to name what is wrong before
 * gRPC tries (it reports only that no address could be added): a host that
 * does not resolve, a port in use, an address not of this host. The socket
 * is closed at once; gRPC binds again. */
static int probe_bind(const char *host, int port, char *err, size_t errlen)
{
	char service[16];
	snprintf(service, sizeof service, "%d", port);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	const char *h = host;
	char unbracketed[300];
	size_t n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']' && n < sizeof unbracketed) {
		memcpy(unbracketed, host + 1, n - 2);
		unbracketed[n - 2] = '\0';
		h = unbracketed;
	}
	int g = getaddrinfo(h, service, &hints, &res);
	if (g)
		return fail(err, errlen, MLMD_INVALID_ARGUMENT, "host '%s' is not an address: %s", host, gai_strerror(g));
	int e = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		int ok = bind(fd, a->ai_addr, a->ai_addrlen) == 0;
		e = ok ? 0 : errno;
		close(fd);
		if (ok)
			break;
	}
	freeaddrinfo(res);
	if (e == EADDRINUSE)
		return fail(err, errlen, MLMD_UNAVAILABLE, "cannot listen on %s port %d: the port is in use", host, port);
	if (e == EADDRNOTAVAIL)
		return fail(err, errlen, MLMD_UNAVAILABLE, "cannot listen on %s: not an address of this host", host);
	if (e)
		return fail(err, errlen, MLMD_UNAVAILABLE, "cannot listen on %s port %d: %s", host, port, strerror(e));
	return 0;
}

static int start_grpc(srv *s, const srv_config *cfg, char *err, size_t errlen)
{
	const char *host = cfg->host ? cfg->host : "127.0.0.1";
	int rc = probe_bind(host, cfg->port, err, errlen);
	if (rc)
		return rc;
	grpc_server_credentials *creds = NULL;
	if ((rc = srv_tls_credentials(cfg, &creds, err, errlen)))
		return rc;
	grpc_init();
	s->grpc_inited = 1;

	grpc_arg args[3];
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[0].value.integer = (int)s->max_message_bytes;
	args[1].type = GRPC_ARG_INTEGER;
	args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
	args[1].value.integer = (int)s->max_message_bytes;
	/* Without this, Linux lets a second server bind the same port and
	 * share its connections: a port in use must be an error. */
	args[2].type = GRPC_ARG_INTEGER;
	args[2].key = (char *)GRPC_ARG_ALLOW_REUSEPORT;
	args[2].value.integer = 0;
	grpc_channel_args ca = { 3, args };

	s->server = grpc_server_create(&ca, NULL);
	if (!s->server) {
		grpc_server_credentials_release(creds);
		return fail(err, errlen, MLMD_INTERNAL, "gRPC could not create a server");
	}
	s->shutdown_cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(s->server, s->shutdown_cq, NULL);
	s->cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(s->server, s->cq, NULL);
	char addr[300];
	format_addr(addr, sizeof addr, host, cfg->port);
	s->port = grpc_server_add_http2_port(s->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (s->port <= 0) {
		s->port = 0;
		return fail(err, errlen, MLMD_UNAVAILABLE,
			    "cannot listen on %s: the port is in use, or the address is not one of this host's", addr);
	}
	grpc_server_start(s->server);
	s->started = 1;
	return 0;
}

int srv_start(const srv_config *cfg, srv **out, char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	int rc = check_config(cfg, err, errlen);
	if (rc)
		return rc;
	srv *s = calloc(1, sizeof *s);
	if (!s)
		return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "out of memory");
	s->nworkers = cfg->threads ? cfg->threads : default_threads();
	s->max_message_bytes = cfg->max_message_bytes ? cfg->max_message_bytes : DEFAULT_MAX_MESSAGE;
	s->grace_ms = cfg->grace_ms ? cfg->grace_ms : DEFAULT_GRACE_MS;
	s->verbosity = cfg->verbosity;
	s->log = cfg->log ? cfg->log : stderr;
	s->mtls = cfg->tls_client_ca_file != NULL;
	pthread_mutex_init(&s->shared_lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->gate, NULL);
	pthread_mutex_init(&s->queue_lock, NULL);
	pthread_cond_init(&s->queue_ready, NULL);
	pthread_mutex_init(&s->wait_lock, NULL);
	pthread_condattr_t ca; /* both are waited on with CLOCK_MONOTONIC deadlines */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->gate_empty, &ca);
	pthread_cond_init(&s->workers_done, &ca);
	pthread_condattr_destroy(&ca);
	s->locks_made = 1;
	atomic_init(&s->cancelled, 0);
	atomic_init(&s->draining, 0);
	atomic_init(&s->past_grace, 0);
	atomic_init(&s->live, 0);
	atomic_init(&s->too_slow, 0);
	for (int i = 0; i < 17; i++)
		atomic_init(&s->counts[i], 0);
	s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
	if (!s->workers) {
		srv_free(s);
		return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "out of memory");
	}
	for (int i = 0; i < s->nworkers; i++) {
		s->workers[i].s = s;
		s->workers[i].index = i;
	}
	if ((rc = open_stores(s, cfg, err, errlen)) || (rc = start_grpc(s, cfg, err, errlen))) {
		srv_stop(s);
		srv_free(s);
		return rc;
	}
	s->free_slots = s->nworkers;
	int e = pthread_create(&s->intake, NULL, srv_intake_main, s);
	if (e) {
		srv_stop(s);
		srv_free(s);
		return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "cannot start the intake thread: %s", strerror(e));
	}
	s->intake_running = 1;
	pthread_mutex_lock(&s->gate);
	s->workers_left++;
	pthread_mutex_unlock(&s->gate);
	for (int i = 0; i < s->nworkers; i++) {
		e = pthread_create(&s->workers[i].thread, NULL, srv_worker_main, &s->workers[i]);
		if (e) {
			srv_stop(s);
			srv_free(s);
			return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "cannot start worker thread %d: %s", i,
				    strerror(e));
		}
		s->workers[i].running = 1;
		pthread_mutex_lock(&s->gate);
		s->workers_left++;
		pthread_mutex_unlock(&s->gate);
	}
	*out = s;
	return 0;
}

int srv_port(const srv *s)
{
	return s ? s->port : 0;
}

/* Waits for the shutdown notification on s->shutdown_cq until `deadline`;
 * 1 when it came. */
static int await_shutdown(srv *s, gpr_timespec deadline)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(s->shutdown_cq, deadline, NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			return 0;
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == (void *)s)
			return 1;
	}
}

void srv_worker_exit(srv *s)
{
	pthread_mutex_lock(&s->gate);
	if (--s->workers_left == 0)
		pthread_cond_broadcast(&s->workers_done);
	pthread_mutex_unlock(&s->gate);
}

/* Waits until every worker and the intake thread have returned (1) or the
 * grace period is over (0). After the shutdown began, the intake returns
 * once no call is left (every call answered or ended), then the workers
 * do; so this is "no call left" without waiting for idle client
 * connections, which gRPC would keep until their clients close them. */
static int await_workers(srv *s)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += s->grace_ms / 1000;
	until.tv_nsec += (long)(s->grace_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->gate);
	int e = 0;
	while (s->workers_left > 0 && e != ETIMEDOUT)
		e = pthread_cond_timedwait(&s->workers_done, &s->gate, &until);
	int done = s->workers_left == 0;
	pthread_mutex_unlock(&s->gate);
	return done;
}

int srv_gate_enter(srv *s)
{
	pthread_mutex_lock(&s->gate);
	int open = !s->gate_closed;
	if (open)
		s->inside++;
	pthread_mutex_unlock(&s->gate);
	return open;
}

void srv_gate_leave(srv *s, int answering)
{
	pthread_mutex_lock(&s->gate);
	s->sending += answering; /* before inside can reach 0 */
	if (--s->inside == 0)
		pthread_cond_broadcast(&s->gate_empty);
	pthread_mutex_unlock(&s->gate);
}

void srv_gate_sent(srv *s)
{
	pthread_mutex_lock(&s->gate);
	if (--s->sending == 0)
		pthread_cond_broadcast(&s->gate_empty);
	pthread_mutex_unlock(&s->gate);
}

/* How long srv_stop lets answers already started reach their clients
 * before it cancels the rest (a client that does not read its answer is
 * otherwise held up to SRV_IO_LIMIT_MS). */
#ifndef SRV_SENDING_GRACE_MS
#define SRV_SENDING_GRACE_MS 1000
#endif

/* The grace period is over: no call starts any more, and the ones the store
 * is running finish and are answered before the rest are cancelled (a store
 * call cannot be stopped halfway, and its client should learn its outcome). */
static void close_gate(srv *s)
{
	pthread_mutex_lock(&s->gate);
	s->gate_closed = 1;
	atomic_store(&s->past_grace, 1);
	while (s->inside > 0)
		pthread_cond_wait(&s->gate_empty, &s->gate);
	/* Answers already handed to gRPC get SRV_SENDING_GRACE_MS to reach
	 * their clients, not SRV_IO_LIMIT_MS: one whose client does not read
	 * is cancelled next, as server.h says. */
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += SRV_SENDING_GRACE_MS / 1000;
	until.tv_nsec += (long)(SRV_SENDING_GRACE_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int e = 0;
	while (s->sending > 0 && e != ETIMEDOUT)
		e = pthread_cond_timedwait(&s->gate_empty, &s->gate, &until);
	pthread_mutex_unlock(&s->gate);
}

static void drain_cq(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
}

void srv_stop_accepting(srv *s)
{
	if (!s || s->accepting_stopped)
		return;
	s->accepting_stopped = 1;
	atomic_store(&s->draining, 1);
	if (s->server)
		grpc_server_shutdown_and_notify(s->server, s->shutdown_cq, s);
}

int srv_stop(srv *s)
{
	if (!s || s->stopped)
		return 0;
	srv_stop_accepting(s);
	s->stopped = 1;
	int cancelled = 0;
	if (s->server) {
		/* Calls in flight get the grace period; then the ones not started
		 * are refused and the ones the store runs are answered. Either
		 * way, what is left are idle connections (and calls waiting for
		 * request bytes): cancel_all_calls closes them, so the shutdown
		 * does not wait for clients to hang up. */
		if (s->started && (s->grace_ms < 0 || !await_workers(s)))
			close_gate(s);
		grpc_server_cancel_all_calls(s->server);
		await_shutdown(s, gpr_inf_future(GPR_CLOCK_MONOTONIC));
	}
	/* The intake's pending requests failed at shutdown: it returns once
	 * no call is left, and closes the ready queue; then the workers return. */
	if (s->intake_running) {
		pthread_join(s->intake, NULL);
		s->intake_running = 0;
	}
	for (int i = 0; i < s->nworkers; i++)
		if (s->workers[i].running) {
			pthread_join(s->workers[i].thread, NULL);
			s->workers[i].running = 0;
		}
	cancelled = atomic_load(&s->cancelled);
	if (s->server) {
		grpc_server_destroy(s->server);
		s->server = NULL;
	}
	if (s->cq) {
		drain_cq(s->cq);
		s->cq = NULL;
	}
	if (s->shutdown_cq) {
		drain_cq(s->shutdown_cq);
		s->shutdown_cq = NULL;
	}
	for (int i = 0; i < s->nworkers; i++) {
		if (s->workers[i].store != s->shared)
			mlmd_store_free(s->workers[i].store);
		s->workers[i].store = NULL;
	}
	mlmd_store_free(s->shared);
	s->shared = NULL;
	return cancelled;
}

void srv_free(srv *s)
{
	if (!s)
		return;
	srv_stop(s);
	if (s->workers)
		for (int i = 0; i < s->nworkers; i++)
			free(s->workers[i].default_actor);
	free(s->workers);
	if (s->locks_made) {
		pthread_mutex_destroy(&s->shared_lock);
		pthread_mutex_destroy(&s->write_lock);
		pthread_mutex_destroy(&s->gate);
		pthread_cond_destroy(&s->gate_empty);
		pthread_cond_destroy(&s->workers_done);
		pthread_mutex_destroy(&s->queue_lock);
		pthread_cond_destroy(&s->queue_ready);
		pthread_mutex_destroy(&s->wait_lock);
	}
	if (s->grpc_inited)
		grpc_shutdown_blocking();
	free(s);
}

unsigned long long srv_too_slow(const srv *s)
{
	return s ? atomic_load(&((srv *)s)->too_slow) : 0;
}

void srv_counts(const srv *s, unsigned long long n[17])
{
	for (int i = 0; i < 17; i++)
		n[i] = s ? atomic_load(&((srv *)s)->counts[i]) : 0;
}

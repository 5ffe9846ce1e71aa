/*
 * server/server.c - the server's lifecycle: settings checked, store handles
 * opened, gRPC started, workers run, the drain at stop (server/server.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
			if (rc)
				return fail(err, errlen, -rc, "store %s: %s", cfg->store_uri, mlmd_error_message());
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

static int start_grpc(srv *s, const srv_config *cfg, char *err, size_t errlen)
{
	grpc_server_credentials *creds = NULL;
	int rc = srv_tls_credentials(cfg, &creds, err, errlen);
	if (rc)
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
	for (int i = 0; i < s->nworkers; i++) {
		s->workers[i].cq = grpc_completion_queue_create_for_next(NULL);
		grpc_server_register_completion_queue(s->server, s->workers[i].cq, NULL);
	}
	char addr[300];
	const char *host = cfg->host ? cfg->host : "127.0.0.1";
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
	s->locks_made = 1;
	atomic_init(&s->draining, 0);
	atomic_init(&s->inflight, 0);
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
	for (int i = 0; i < s->nworkers; i++) {
		int e = pthread_create(&s->workers[i].thread, NULL, srv_worker_main, &s->workers[i]);
		if (e) {
			srv_stop(s);
			srv_free(s);
			return fail(err, errlen, MLMD_RESOURCE_EXHAUSTED, "cannot start worker thread %d: %s", i,
				    strerror(e));
		}
		s->workers[i].running = 1;
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

static void drain_cq(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
}

int srv_stop(srv *s)
{
	if (!s || s->stopped)
		return 0;
	s->stopped = 1;
	atomic_store(&s->draining, 1);
	int cancelled = 0;
	if (s->server) {
		grpc_server_shutdown_and_notify(s->server, s->shutdown_cq, s);
		if (!s->started) {
			await_shutdown(s, gpr_inf_future(GPR_CLOCK_MONOTONIC));
		} else {
			gpr_timespec until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
							  gpr_time_from_millis(s->grace_ms > 0 ? s->grace_ms : 0,
									       GPR_TIMESPAN));
			if (s->grace_ms < 0 || !await_shutdown(s, until)) {
				cancelled = atomic_load(&s->inflight);
				grpc_server_cancel_all_calls(s->server);
				await_shutdown(s, gpr_inf_future(GPR_CLOCK_MONOTONIC));
			}
		}
	}
	/* The workers' pending requests failed at shutdown: they return. */
	for (int i = 0; i < s->nworkers; i++)
		if (s->workers[i].running) {
			pthread_join(s->workers[i].thread, NULL);
			s->workers[i].running = 0;
		}
	if (s->server) {
		grpc_server_destroy(s->server);
		s->server = NULL;
	}
	for (int i = 0; i < s->nworkers; i++)
		if (s->workers[i].cq) {
			drain_cq(s->workers[i].cq);
			s->workers[i].cq = NULL;
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
	}
	if (s->grpc_inited)
		grpc_shutdown_blocking();
	free(s);
}

void srv_counts(const srv *s, unsigned long long n[17])
{
	for (int i = 0; i < 17; i++)
		n[i] = s ? atomic_load(&((srv *)s)->counts[i]) : 0;
}

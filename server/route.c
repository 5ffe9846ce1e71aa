/*
 * server/route.c - a call's path to the store. "/SERVICE/METHOD" is served
 * when the library knows METHOD (mlmd_rpc_lookup) under that very SERVICE;
 * health has its own path. Around the store call: the memory store's lock
 * or a SQLite file's write lock, the call's actor under mutual TLS, and the
 * client's deadline.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "internal.h"

#define HEALTH_SERVICE "grpc.health.v1.Health"

int srv_serves_service(const char *service, size_t len)
{
	if (len == 0)
		return 1;
	if (len == strlen(HEALTH_SERVICE) && !memcmp(service, HEALTH_SERVICE, len))
		return 1;
	size_t n = mlmd_rpc_count();
	for (size_t i = 0; i < n; i++) {
		mlmd_rpc_info info;
		if (!mlmd_rpc_at(i, &info) && strlen(info.service) == len && !memcmp(info.service, service, len))
			return 1;
	}
	return 0;
}

/* The store call itself, on the worker's handle, with its locks, actor and
 * deadline; fills c's answer. */
static void call_store(srv_worker *w, srv_call *c, const mlmd_rpc_info *info)
{
	srv *s = w->s;
	if (c->actor == NULL && s->mtls && info->writes) {
		srv_call_fail(c, MLMD_UNAUTHENTICATED,
			      "%s: the client certificate has no common name, which the writes' actor would be", c->path);
		return;
	}
	pthread_mutex_t *lock = s->shared ? &s->shared_lock : s->serialize_writes && info->writes ? &s->write_lock : NULL;
	/* The deadline is set once the lock is held (the memory store's one
	 * handle is shared: setting it before would change the deadline of the
	 * call another worker runs on it), less the time spent waiting for the
	 * lock: a call that gets the lock after its deadline does not run. */
	int64_t t0 = srv_now_us();
	if (lock)
		pthread_mutex_lock(lock);
	int actor_set = 0, deadline_set = 0;
	if (c->deadline_ms > 0) {
		int64_t left = c->deadline_ms - (srv_now_us() - t0) / 1000;
		if (left <= 0) {
			srv_call_fail(c, MLMD_DEADLINE_EXCEEDED, "%s: the call's deadline passed before it started",
				      c->path);
			goto out;
		}
		mlmd_store_set_deadline(w->store, left);
		deadline_set = 1;
	}
	if (c->actor) {
		if (mlmd_store_set_actor(w->store, c->actor)) {
			srv_call_fail(c, mlmd_error_last()->code, "%s: actor '%s': %s", c->path, c->actor,
				      mlmd_error_message());
			goto out;
		}
		actor_set = 1;
	}
	c->resp_free = mlmd_buffer_free;
	int rc = mlmd_store_call(w->store, info->method, c->req, c->req_len, &c->resp, &c->resp_len);
	if (rc) {
		const mlmd_error *e = mlmd_error_last();
		c->status = -rc;
		snprintf(c->message, sizeof c->message, "%s", e->message[0] ? e->message : mlmd_status_name(rc));
	}
	if (actor_set)
		mlmd_store_set_actor(w->store, w->default_actor);
out:
	if (deadline_set)
		mlmd_store_clear_deadline(w->store);
	if (lock)
		pthread_mutex_unlock(lock);
}

void srv_route(srv_worker *w, srv_call *c)
{
	const char *path = c->path;
	const char *slash = path[0] == '/' ? strrchr(path + 1, '/') : NULL;
	if (!slash || slash == path + 1 || !slash[1]) {
		srv_call_fail(c, MLMD_UNIMPLEMENTED, "'%s' is not a method path (/SERVICE/METHOD)", path);
		return;
	}
	const char *service = path + 1;
	size_t service_len = (size_t)(slash - service);
	const char *method = slash + 1;
	if (service_len == strlen(HEALTH_SERVICE) && !memcmp(service, HEALTH_SERVICE, service_len)) {
		if (!strcmp(method, "Check"))
			srv_health_check(w, c);
		else if (!strcmp(method, "Watch"))
			srv_call_fail(c, MLMD_UNIMPLEMENTED, "%s: health is served by Check only, not Watch", path);
		else
			srv_call_fail(c, MLMD_UNIMPLEMENTED, "%s: no such method", path);
		return;
	}
	mlmd_rpc_info info;
	if (mlmd_rpc_lookup(method, &info) || strlen(info.service) != service_len ||
	    memcmp(info.service, service, service_len)) {
		srv_call_fail(c, MLMD_UNIMPLEMENTED, "%s: no such method", path);
		return;
	}
	call_store(w, c, &info);
}

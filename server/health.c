/*
 * server/health.c - grpc.health.v1.Health/Check, gRPC's health protocol:
 *   HealthCheckRequest  { string service = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }  UNKNOWN 0, SERVING 1,
 *                                                       NOT_SERVING 2, SERVICE_UNKNOWN 3
 * The two messages are small enough to read and write by hand here, so the
 * library's protos do not grow a foreign package.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "internal.h"

enum { SERVING = 1, NOT_SERVING = 2 };

/* Reads a varint at *p (below end); 0, or -1 when it is cut or too long. */
static int varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* The request's service name (the last field 1, as protobuf reads it);
 * unknown fields are skipped. 0, or -1 when the bytes are not a message. */
static int decode_request(const unsigned char *p, size_t len, const char **service, size_t *service_len)
{
	const unsigned char *end = p + len;
	*service = "";
	*service_len = 0;
	while (p < end) {
		uint64_t key, n;
		if (varint(&p, end, &key) || (key >> 3) == 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (varint(&p, end, &n))
				return -1;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 2:
			if (varint(&p, end, &n) || n > (uint64_t)(end - p))
				return -1;
			if ((key >> 3) == 1) {
				*service = (const char *)p;
				*service_len = (size_t)n;
			}
			p += n;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* Whether the worker's store answers a cheap read now. */
static int store_answers(srv_worker *w, int64_t deadline_ms)
{
	srv *s = w->s;
	/* GetArtifactsByID of id 0 (which no node has): one indexed read. */
	static const unsigned char req[] = { 0x08, 0x00 };
	void *resp = NULL;
	size_t resp_len = 0;
	if (deadline_ms > 0)
		mlmd_store_set_deadline(w->store, deadline_ms);
	if (s->shared)
		pthread_mutex_lock(&s->shared_lock);
	int rc = mlmd_store_call(w->store, "GetArtifactsByID", req, sizeof req, &resp, &resp_len);
	if (s->shared)
		pthread_mutex_unlock(&s->shared_lock);
	if (deadline_ms > 0)
		mlmd_store_clear_deadline(w->store);
	mlmd_buffer_free(resp);
	return rc == 0;
}

void srv_health_check(srv_worker *w, srv_call *c)
{
	const char *service;
	size_t len;
	if (decode_request(c->req, c->req_len, &service, &len)) {
		srv_call_fail(c, MLMD_INVALID_ARGUMENT, "%s: the request is not a HealthCheckRequest", c->path);
		return;
	}
	if (!srv_serves_service(service, len)) {
		srv_call_fail(c, MLMD_NOT_FOUND, "%s: service '%.*s' is not served here", c->path,
			      len > 200 ? 200 : (int)len, service);
		return;
	}
	/* Asked again after the read: a drain that began meanwhile wins. */
	int status = !atomic_load(&w->s->draining) && store_answers(w, c->deadline_ms) ? SERVING : NOT_SERVING;
	if (atomic_load(&w->s->draining))
		status = NOT_SERVING;
	c->small[0] = 0x08; /* field 1, varint */
	c->small[1] = (unsigned char)status;
	c->resp = c->small;
	c->resp_len = 2;
	c->resp_free = NULL;
}

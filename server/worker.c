/*
 * server/worker.c - a worker's loop: it takes the oldest call whose request
 * has arrived from the ready queue (the intake thread, server/intake.c, puts
 * it there), runs it on the worker's own store handle, starts sending the
 * answer and takes the next, until the queue is closed and empty. A worker
 * waits on no client: not for a request (the intake receives it) nor for
 * the client to take its answer (the intake sees the send complete). One
 * call at a time per worker keeps "one store handle, one thread".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <mlmd.h>
#include "internal.h"

void srv_call_fail(srv_call *c, int status, const char *fmt, ...)
{
	va_list ap;
	c->status = status;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
}

/* The next received call, or NULL when the queue is closed and empty. A
 * call that holds no worker slot takes this worker's now (see struct srv). */
static srv_rec *take(srv *s)
{
	pthread_mutex_lock(&s->queue_lock);
	while (!s->queue_head && !s->queue_closed)
		pthread_cond_wait(&s->queue_ready, &s->queue_lock);
	srv_rec *r = s->queue_head;
	if (r) {
		s->queue_head = r->queued;
		if (!s->queue_head)
			s->queue_tail = NULL;
		r->queued = NULL;
		if (!r->claimed) {
			r->claimed = 1;
			s->free_slots--;
			/* gRPC would still have held it in its queue when the
			 * drain began: it refuses those */
			r->refused_queued = atomic_load(&s->draining);
		}
	}
	pthread_mutex_unlock(&s->queue_lock);
	return r;
}

/* The worker is done with r's store call: its slot is free again. */
static void give_slot(srv *s, srv_rec *r)
{
	pthread_mutex_lock(&s->queue_lock);
	s->free_slots++;
	r->claimed = 0;
	pthread_mutex_unlock(&s->queue_lock);
}

/* Runs one received call and starts its answer. */
static void serve(srv_worker *w, srv_rec *r)
{
	srv *s = w->s;
	srv_call *c = &r->c;
	int64_t left = srv_deadline_left_ms(r->details.deadline);
	if (r->refused_queued) {
		srv_call_fail(c, MLMD_CANCELLED, "%s: the server is stopping; the call was not started", r->path);
	} else if (left != 0 && atomic_load(&r->gone)) {
		/* (a passed deadline also ends the call early: it is answered
		 * DEADLINE_EXCEEDED below, as before) */
		srv_call_fail(c, MLMD_CANCELLED, "%s: the client cancelled the call before it started", r->path);
	} else {
		r->t0 = srv_now_us();
		if (s->verbosity > 1)
			srv_log_line(s, r->peer, r->path, "START", -1);
		c->deadline_ms = left;
		if (c->deadline_ms == 0) {
			srv_call_fail(c, MLMD_DEADLINE_EXCEEDED, "%s: the call's deadline passed before it started",
				      r->path);
		} else if (!(r->entered = srv_gate_enter(s))) {
			srv_call_fail(c, MLMD_CANCELLED, "%s: the server is stopping; the call was not started", r->path);
		} else {
			if (s->mtls)
				c->actor = r->cn = srv_tls_peer_cn(r->call);
			srv_route(w, c);
		}
	}
	grpc_slice_unref(r->held); /* the request is no longer needed */
	r->held = grpc_empty_slice();
	c->req = NULL;
	c->req_len = 0;
	give_slot(s, r);
	if (c->status == 0 && c->resp_len > s->max_message_bytes) {
		srv_call_fail(c, MLMD_RESOURCE_EXHAUSTED, "%s: the response is %zu bytes, over the limit of %zu bytes",
			      r->path, c->resp_len, s->max_message_bytes);
	}
	if (c->status) {
		if (c->resp && c->resp_free)
			c->resp_free(c->resp);
		c->resp = NULL;
		c->resp_len = 0;
	}
	srv_answer_start(r);
}

void *srv_worker_main(void *arg)
{
	srv_worker *w = arg;
	srv_rec *r;
	while ((r = take(w->s)) != NULL)
		serve(w, r);
	srv_worker_exit(w->s);
	return NULL;
}

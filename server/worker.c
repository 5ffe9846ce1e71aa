/*
 * server/worker.c - a worker's loop: it asks gRPC for a call on its own
 * completion queue, serves that call to its end (request bytes in, status
 * and response bytes out), releases everything the call held, and asks for
 * the next, until the server shuts down. One call at a time per worker keeps
 * "one store handle, one thread".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <mlmd.h>
#include "internal.h"

#define MAX_PATH 1024
/* How long a client may take to send its request or read its answer
 * (a build for tests may define it shorter). */
#ifndef SRV_IO_LIMIT_MS
#define SRV_IO_LIMIT_MS 60000
#endif

void srv_call_fail(srv_call *c, int status, const char *fmt, ...)
{
	va_list ap;
	c->status = status;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
}

/* Runs one batch on the call and waits for it on the worker's queue, where
 * nothing else is pending. A batch the client does not let finish within
 * SRV_IO_LIMIT_MS (a request that does not arrive, an answer it does not
 * read) is cancelled, so no client holds a worker longer. 0 when it
 * succeeded. */
static int run_batch(srv_worker *w, grpc_call *call, const grpc_op *ops, size_t n)
{
	if (grpc_call_start_batch(call, ops, n, &w->running, NULL) != GRPC_CALL_OK)
		return -1;
	gpr_timespec limit = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(SRV_IO_LIMIT_MS, GPR_TIMESPAN));
	int cancelled = 0;
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			w->cq, cancelled ? gpr_inf_future(GPR_CLOCK_MONOTONIC) : limit, NULL);
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == &w->running)
			return ev.success && !cancelled ? 0 : -1;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return -1;
		if (ev.type == GRPC_QUEUE_TIMEOUT && !cancelled) {
			/* the batch completes (failed) once the call is cancelled */
			grpc_call_cancel_with_status(call, GRPC_STATUS_CANCELLED,
						     "the client did not send its request or read its answer in time",
						     NULL);
			cancelled = 1;
		}
	}
}

/* Milliseconds left until the call's deadline (rounded up), -1 when it has
 * none, 0 when it has passed. */
static int64_t deadline_left_ms(gpr_timespec deadline)
{
	gpr_timespec d = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC);
	if (gpr_time_cmp(d, gpr_inf_future(GPR_CLOCK_MONOTONIC)) >= 0)
		return -1;
	gpr_timespec left = gpr_time_sub(d, gpr_now(GPR_CLOCK_MONOTONIC));
	if (left.tv_sec < 0 || (left.tv_sec == 0 && left.tv_nsec == 0))
		return 0;
	if (left.tv_sec > INT64_MAX / 2000)
		return -1;
	return (int64_t)left.tv_sec * 1000 + (left.tv_nsec + 999999) / 1000000;
}

/* Receives the request message into c->req (a slice the caller unrefs). */
static void receive(srv_worker *w, grpc_call *call, srv_call *c, grpc_slice *held)
{
	grpc_byte_buffer *bb = NULL;
	grpc_op op;
	memset(&op, 0, sizeof op);
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &bb;
	if (run_batch(w, call, &op, 1)) {
		srv_call_fail(c, MLMD_CANCELLED, "the call was cancelled before its request arrived");
		return;
	}
	if (!bb) {
		srv_call_fail(c, MLMD_INVALID_ARGUMENT, "%s: the call has no request message", c->path);
		return;
	}
	grpc_byte_buffer_reader reader;
	if (!grpc_byte_buffer_reader_init(&reader, bb)) {
		grpc_byte_buffer_destroy(bb);
		srv_call_fail(c, MLMD_INVALID_ARGUMENT, "%s: the request message cannot be decompressed", c->path);
		return;
	}
	*held = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	grpc_byte_buffer_destroy(bb);
	c->req = GRPC_SLICE_START_PTR(*held);
	c->req_len = GRPC_SLICE_LENGTH(*held);
}

/* Sends the answer: initial metadata, the response (status OK only), the
 * status and its message; waits for the client's close. 0 when the client
 * was sent the status. */
static int answer(srv_worker *w, grpc_call *call, srv_call *c)
{
	grpc_op ops[4];
	size_t n = 0;
	memset(ops, 0, sizeof ops);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	grpc_byte_buffer *bb = NULL;
	if (c->status == 0) {
		grpc_slice body;
		if (!c->resp_len) {
			body = grpc_empty_slice();
		} else if (c->resp_free) {
			body = grpc_slice_new(c->resp, c->resp_len, c->resp_free);
			c->resp = NULL; /* the slice frees it */
		} else {
			body = grpc_slice_from_copied_buffer(c->resp, c->resp_len);
		}
		bb = grpc_raw_byte_buffer_create(&body, 1);
		grpc_slice_unref(body);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = bb;
	}
	grpc_slice details = grpc_slice_from_copied_string(c->status ? c->message : "");
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = (grpc_status_code)c->status;
	ops[n++].data.send_status_from_server.status_details = &details;
	int cancelled = 0;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &cancelled;
	int rc = run_batch(w, call, ops, n);
	grpc_slice_unref(details);
	if (bb)
		grpc_byte_buffer_destroy(bb);
	return rc || cancelled ? -1 : 0;
}

static void release(srv_call *c)
{
	if (c->resp && c->resp_free)
		c->resp_free(c->resp);
	c->resp = NULL;
}

/* Copies the method slice as a NUL-terminated path (cut at MAX_PATH - 1). */
static void copy_path(char *buf, grpc_slice method)
{
	size_t n = GRPC_SLICE_LENGTH(method);
	if (n > MAX_PATH - 1)
		n = MAX_PATH - 1;
	memcpy(buf, GRPC_SLICE_START_PTR(method), n);
	buf[n] = '\0';
	if (strlen(buf) != n) /* a NUL inside: no path we serve */
		buf[0] = '\0';
}

/* Serves one accepted call to its end. */
static void serve(srv_worker *w, grpc_call *call, grpc_call_details *details)
{
	srv *s = w->s;
	int64_t t0 = srv_now_us();
	char path[MAX_PATH];
	copy_path(path, details->method);
	char *peer = s->verbosity > 0 ? grpc_call_get_peer(call) : NULL;
	if (s->verbosity > 1)
		srv_log_line(s, peer, path, "START", -1);

	srv_call c;
	memset(&c, 0, sizeof c);
	c.path = path;
	c.deadline_ms = deadline_left_ms(details->deadline);
	char *cn = NULL;
	int entered = 0;
	grpc_slice held = grpc_empty_slice();
	if (c.deadline_ms == 0) {
		srv_call_fail(&c, MLMD_DEADLINE_EXCEEDED, "%s: the call's deadline passed before it started", path);
	} else {
		receive(w, call, &c, &held);
		if (!c.status && !(entered = srv_gate_enter(s)))
			srv_call_fail(&c, MLMD_CANCELLED, "%s: the server is stopping; the call was not started", path);
		if (!c.status) {
			if (s->mtls)
				c.actor = cn = srv_tls_peer_cn(call);
			srv_route(w, &c);
		}
	}
	grpc_slice_unref(held);
	if (c.status == 0 && c.resp_len > s->max_message_bytes) {
		srv_call_fail(&c, MLMD_RESOURCE_EXHAUSTED, "%s: the response is %zu bytes, over the limit of %zu bytes",
			      path, c.resp_len, s->max_message_bytes);
	}
	if (c.status) {
		release(&c);
		c.resp_len = 0;
	}
	int sent = answer(w, call, &c) == 0;
	if (entered)
		srv_gate_leave(s);
	release(&c);
	free(cn);
	/* A call whose answer could not be sent was cancelled (by its client or
	 * the drain); one refused for its deadline counts as that. */
	int final = sent || c.status == MLMD_DEADLINE_EXCEEDED ? c.status : MLMD_CANCELLED;
	if (final < 0 || final > 16)
		final = MLMD_UNKNOWN;
	atomic_fetch_add(&s->counts[final], 1);
	if (final == MLMD_CANCELLED && atomic_load(&s->past_grace))
		atomic_fetch_add(&s->cancelled, 1);
	if (s->verbosity > 0)
		srv_log_line(s, peer, path, mlmd_status_name(final), srv_now_us() - t0);
	if (peer)
		gpr_free(peer);
}

void *srv_worker_main(void *arg)
{
	srv_worker *w = arg;
	srv *s = w->s;
	for (;;) {
		grpc_call *call = NULL;
		grpc_call_details details;
		grpc_metadata_array md;
		grpc_call_details_init(&details);
		grpc_metadata_array_init(&md);
		int ok = grpc_server_request_call(s->server, &call, &details, &md, w->cq, w->cq, w) == GRPC_CALL_OK;
		while (ok) {
			grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
			if (ev.type == GRPC_OP_COMPLETE && ev.tag == w) {
				ok = ev.success;
				break;
			}
			if (ev.type == GRPC_QUEUE_SHUTDOWN)
				ok = 0;
		}
		if (ok && call)
			serve(w, call, &details);
		if (call)
			grpc_call_unref(call);
		grpc_call_details_destroy(&details);
		grpc_metadata_array_destroy(&md);
		if (!ok)
			break;
	}
	srv_worker_exit(s);
	return NULL;
}

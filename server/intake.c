/*
 * server/intake.c - the intake thread. It keeps calls requested from gRPC on
 * the server's one completion queue and, for each call gRPC hands over,
 * starts receiving its request without waiting for it; a call goes to the
 * workers (the ready queue) only once its whole request is in, so a client
 * that opens calls and sends nothing, or a trickle, holds no worker. From
 * then on it also waits for the call's close, which comes early when the
 * client cancels, so a worker skips a call nobody waits for any more. Every
 * batch completes here: requests received, answers sent. A client that does
 * not send its request, or does not take its answer, within SRV_IO_LIMIT_MS
 * has its call cancelled. Every call ends here too (srv_call_end): counted,
 * logged, freed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
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

/* How long a client may take to send its request or read its answer
 * (a build for tests may define it shorter). */
#ifndef SRV_IO_LIMIT_MS
#define SRV_IO_LIMIT_MS 60000
#endif
#define LIMIT_US ((int64_t)SRV_IO_LIMIT_MS * 1000)

/* The message a client that is too slow gets with its CANCELLED. */
#define TOO_SLOW "the client did not send its request or read its answer in time"

/* Puts r at the end of the wait list (its limit is the latest so far). The
 * lock also orders everything the caller wrote into r before the batch it
 * starts next with the intake thread's reading it after the completion. */
static void wait_add(srv_rec *r)
{
	srv *s = r->s;
	pthread_mutex_lock(&s->wait_lock);
	r->limit_us = srv_now_us() + LIMIT_US;
	r->prev = s->wait_tail;
	r->next = NULL;
	if (s->wait_tail)
		s->wait_tail->next = r;
	else
		s->wait_head = r;
	s->wait_tail = r;
	r->listed = 1;
	pthread_mutex_unlock(&s->wait_lock);
}

/* Takes r out of the wait list if it is there (call with wait_lock held). */
static void wait_unlink(srv_rec *r)
{
	srv *s = r->s;
	if (!r->listed)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		s->wait_head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		s->wait_tail = r->prev;
	r->prev = r->next = NULL;
	r->listed = 0;
}

static void wait_remove(srv_rec *r)
{
	pthread_mutex_lock(&r->s->wait_lock);
	wait_unlink(r);
	pthread_mutex_unlock(&r->s->wait_lock);
}

/* Cancels the calls whose client's time is up; returns when the next one's
 * is (INT64_MAX: none waits). Their pending batch then completes, failed. */
static int64_t wait_expire(srv *s)
{
	int64_t now = srv_now_us(), next = INT64_MAX;
	pthread_mutex_lock(&s->wait_lock);
	while (s->wait_head) {
		srv_rec *r = s->wait_head;
		if (r->limit_us > now) {
			next = r->limit_us;
			break;
		}
		wait_unlink(r);
		r->timed_out = 1;
		grpc_call_cancel_with_status(r->call, GRPC_STATUS_CANCELLED, TOO_SLOW, NULL);
	}
	pthread_mutex_unlock(&s->wait_lock);
	return next;
}

/* Asks gRPC for one more call; 0 when the request is pending. */
static int request_one(srv *s)
{
	srv_rec *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	r->kind = SRV_TAG_CALL;
	r->close_kind = SRV_TAG_CLOSE;
	r->s = s;
	r->stage = SRV_REQUESTED;
	r->held = grpc_empty_slice();
	r->status_details = grpc_empty_slice();
	grpc_call_details_init(&r->details);
	grpc_metadata_array_init(&r->md);
	if (grpc_server_request_call(s->server, &r->call, &r->details, &r->md, s->cq, s->cq, r) != GRPC_CALL_OK) {
		grpc_call_details_destroy(&r->details);
		grpc_metadata_array_destroy(&r->md);
		free(r);
		return -1;
	}
	return 0;
}

/* Milliseconds left until the call's deadline (rounded up), -1 when it has
 * none, 0 when it has passed. */
int64_t srv_deadline_left_ms(gpr_timespec deadline)
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

/* Copies the method slice as a NUL-terminated path (cut to fit). */
static void copy_path(char *buf, size_t size, grpc_slice method)
{
	size_t n = GRPC_SLICE_LENGTH(method);
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, GRPC_SLICE_START_PTR(method), n);
	buf[n] = '\0';
	if (strlen(buf) != n) /* a NUL inside: no path we serve */
		buf[0] = '\0';
}

/* Gives the call a worker slot when one is free (see struct srv). */
static void claim_slot(srv_rec *r)
{
	srv *s = r->s;
	pthread_mutex_lock(&s->queue_lock);
	if (s->free_slots > 0) {
		s->free_slots--;
		r->claimed = 1;
	}
	pthread_mutex_unlock(&s->queue_lock);
}

/* gRPC handed over a call: start receiving its request. */
static void taken(srv_rec *r)
{
	srv *s = r->s;
	r->t0 = srv_now_us();
	copy_path(r->path, sizeof r->path, r->details.method);
	r->c.path = r->path;
	if (s->verbosity > 0)
		r->peer = grpc_call_get_peer(r->call);
	claim_slot(r);
	if (srv_deadline_left_ms(r->details.deadline) == 0) {
		srv_call_fail(&r->c, MLMD_DEADLINE_EXCEEDED, "%s: the call's deadline passed before it started", r->path);
		srv_answer_start(r);
		return;
	}
	grpc_op op;
	memset(&op, 0, sizeof op);
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &r->recv;
	r->stage = SRV_RECEIVING;
	wait_add(r);
	if (grpc_call_start_batch(r->call, &op, 1, r, NULL) != GRPC_CALL_OK) {
		wait_remove(r);
		srv_call_fail(&r->c, MLMD_CANCELLED, "the call was cancelled before its request arrived");
		srv_call_end(r, 0);
	}
}

/* The request arrived (or the call ended before it did): queue the call for
 * a worker, or answer it here when there is nothing to run. */
static void received(srv_rec *r, int ok)
{
	srv *s = r->s;
	if (!ok || r->timed_out) {
		/* cancelled: by its client, its deadline, the drain, or the limit
		 * (then its client has TOO_SLOW); nothing can be sent */
		srv_call_fail(&r->c, MLMD_CANCELLED, "the call was cancelled before its request arrived");
		srv_call_end(r, 0);
		return;
	}
	if (!r->recv) {
		srv_call_fail(&r->c, MLMD_INVALID_ARGUMENT, "%s: the call has no request message", r->path);
		srv_answer_start(r);
		return;
	}
	grpc_byte_buffer_reader reader;
	if (!grpc_byte_buffer_reader_init(&reader, r->recv)) {
		srv_call_fail(&r->c, MLMD_INVALID_ARGUMENT, "%s: the request message cannot be decompressed", r->path);
		srv_answer_start(r);
		return;
	}
	r->held = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	grpc_byte_buffer_destroy(r->recv);
	r->recv = NULL;
	r->c.req = GRPC_SLICE_START_PTR(r->held);
	r->c.req_len = GRPC_SLICE_LENGTH(r->held);
	/* The call's close, received now: it completes when the client
	 * cancels (or its deadline passes, or its connection goes) before
	 * the answer, so a worker can skip a call nobody waits for; else once
	 * the answer is sent. */
	grpc_op op;
	memset(&op, 0, sizeof op);
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &r->client_cancelled;
	r->close_started = grpc_call_start_batch(r->call, &op, 1, &r->close_kind, NULL) == GRPC_CALL_OK;
	r->stage = SRV_READY;
	pthread_mutex_lock(&s->queue_lock);
	r->queued = NULL;
	if (s->queue_tail)
		s->queue_tail->queued = r;
	else
		s->queue_head = r;
	s->queue_tail = r;
	pthread_cond_signal(&s->queue_ready);
	pthread_mutex_unlock(&s->queue_lock);
}

void srv_answer_start(srv_rec *r)
{
	grpc_op ops[4];
	size_t n = 0;
	memset(ops, 0, sizeof ops);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	srv_call *c = &r->c;
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
		r->send = grpc_raw_byte_buffer_create(&body, 1);
		grpc_slice_unref(body);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = r->send;
	}
	r->status_details = grpc_slice_from_copied_string(c->status ? c->message : "");
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = (grpc_status_code)c->status;
	ops[n++].data.send_status_from_server.status_details = &r->status_details;
	if (!r->close_started) {
		ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[n++].data.recv_close_on_server.cancelled = &r->client_cancelled;
	}
	r->stage = SRV_ANSWERING;
	if (r->entered) { /* the store call is done: the drain waits for this answer a bounded time only */
		srv_gate_leave(r->s, 1);
		r->entered = 0;
		r->sending_counted = 1;
	}
	/* Once the batch is started the intake thread may end r at any time:
	 * nothing of r is read after wait_add() (whose lock is what orders
	 * this thread's writes before the intake's reads, for TSan too). */
	grpc_call *call = r->call;
	wait_add(r);
	if (grpc_call_start_batch(call, ops, n, r, NULL) != GRPC_CALL_OK) {
		/* not expected (the call has no other send): with its close
		 * pending, the cancel completes that and the intake ends the
		 * call (closed() sees answer_done under the same lock); with no
		 * close, or one the intake has already seen, end it here (the
		 * intake notices the last call gone at its next wake-up) */
		srv *s = r->s;
		pthread_mutex_lock(&s->wait_lock);
		wait_unlink(r);
		r->answer_done = 1;
		r->answer_ok = 0;
		int close_pending = r->close_started && !r->close_done;
		pthread_mutex_unlock(&s->wait_lock);
		grpc_call_cancel(call, NULL);
		if (!close_pending)
			srv_call_end(r, 0);
	}
}

void srv_call_end(srv_rec *r, int sent)
{
	srv *s = r->s;
	srv_call *c = &r->c;
	if (r->entered)
		srv_gate_leave(s, 0);
	if (r->sending_counted)
		srv_gate_sent(s);
	if (r->claimed) { /* a call that never reached a worker gives its slot back */
		pthread_mutex_lock(&s->queue_lock);
		s->free_slots++;
		pthread_mutex_unlock(&s->queue_lock);
	}
	if (c->resp && c->resp_free)
		c->resp_free(c->resp);
	/* A call whose answer could not be sent was cancelled (by its client,
	 * the drain or the limit); one refused for its deadline counts as that. */
	int final = sent || c->status == MLMD_DEADLINE_EXCEEDED ? c->status : MLMD_CANCELLED;
	if (final < 0 || final > 16)
		final = MLMD_UNKNOWN;
	atomic_fetch_add(&s->counts[final], 1);
	if (final == MLMD_CANCELLED && r->timed_out)
		atomic_fetch_add(&s->too_slow, 1);
	if (final == MLMD_CANCELLED && atomic_load(&s->past_grace) && !r->refused_queued)
		atomic_fetch_add(&s->cancelled, 1);
	if (s->verbosity > 0)
		srv_log_line(s, r->peer, r->path, mlmd_status_name(final), srv_now_us() - r->t0);
	if (r->peer)
		gpr_free(r->peer);
	free(r->cn);
	if (r->recv)
		grpc_byte_buffer_destroy(r->recv);
	if (r->send)
		grpc_byte_buffer_destroy(r->send);
	grpc_slice_unref(r->held);
	grpc_slice_unref(r->status_details);
	if (r->call)
		grpc_call_unref(r->call);
	grpc_call_details_destroy(&r->details);
	grpc_metadata_array_destroy(&r->md);
	free(r);
	atomic_fetch_sub(&s->live, 1);
}

/* Ends r once its answer and its close (when started) have completed. */
static void end_when_done(srv_rec *r)
{
	if (r->answer_done && (!r->close_started || r->close_done))
		srv_call_end(r, r->answer_ok && !r->client_cancelled);
}

static void answered(srv_rec *r, int ok)
{
	r->answer_done = 1;
	r->answer_ok = ok;
	end_when_done(r);
}

/* The close batch completed: before the answer, the client is gone. */
static void closed(srv_rec *r)
{
	/* the lock pairs with a worker whose answer failed to start
	 * (srv_answer_start): exactly one of the two ends the call */
	pthread_mutex_lock(&r->s->wait_lock);
	r->close_done = 1;
	int answered = r->answer_done;
	pthread_mutex_unlock(&r->s->wait_lock);
	if (!answered)
		atomic_store(&r->gone, 1);
	else
		end_when_done(r);
}

void *srv_intake_main(void *arg)
{
	srv *s = arg;
	/* as many requests pending as workers (at least 4), so a burst of
	 * calls does not wait for this thread to ask for each */
	int pending = 0, want = s->nworkers < 4 ? 4 : s->nworkers;
	for (int i = 0; i < want; i++)
		pending += request_one(s) == 0;
	while (pending > 0 || atomic_load(&s->live) > 0) {
		/* A call that starts waiting on its client after this point has
		 * its limit at least LIMIT_US from now: waking up no later than
		 * that never misses one. */
		int64_t next = wait_expire(s), now = srv_now_us();
		if (next > now + LIMIT_US)
			next = now + LIMIT_US;
		gpr_timespec until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
						  gpr_time_from_micros(next > now ? next - now : 0, GPR_TIMESPAN));
		grpc_event ev = grpc_completion_queue_next(s->cq, until, NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT)
			continue;
		if (ev.type != GRPC_OP_COMPLETE)
			break; /* the queue was shut down: not before this thread returns */
		int *kind = ev.tag;
		if (*kind == SRV_TAG_CLOSE) {
			srv_rec *r = (srv_rec *)((char *)kind - offsetof(srv_rec, close_kind));
			closed(r);
			continue;
		}
		srv_rec *r = (srv_rec *)kind; /* kind is its first member */
		wait_remove(r);
		switch (r->stage) {
		case SRV_REQUESTED:
			pending--;
			if (!ev.success || !r->call) {
				/* the shutdown began (or gRPC failed the request) */
				if (r->call)
					grpc_call_unref(r->call);
				grpc_call_details_destroy(&r->details);
				grpc_metadata_array_destroy(&r->md);
				free(r);
				break;
			}
			atomic_fetch_add(&s->live, 1);
			pending += request_one(s) == 0;
			taken(r);
			break;
		case SRV_RECEIVING:
			received(r, ev.success);
			break;
		case SRV_ANSWERING:
			answered(r, ev.success);
			break;
		default:
			break;
		}
	}
	pthread_mutex_lock(&s->queue_lock);
	s->queue_closed = 1;
	pthread_cond_broadcast(&s->queue_ready);
	pthread_mutex_unlock(&s->queue_lock);
	srv_worker_exit(s);
	return NULL;
}

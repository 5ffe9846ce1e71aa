/*
 * tests/grpc_client.h - a small blocking unary gRPC client on gRPC's C core,
 * for tests/test_server*.c and bench/bench_server.c: open a channel (plain or
 * TLS, with or without a client certificate), make one call with a deadline,
 * read the status, the message and the response bytes.
 *
 * Everything is a static inline function so each test program gets its own
 * copy and an unused one draws no warning. A channel owns one completion
 * queue that only its own calls use, and every call waits for its own
 * completion before it returns, so a channel is used by one thread at a time;
 * threads that call concurrently each open their own channel.
 *
 * gRPC counts grpc_init()/grpc_shutdown(): each gc_open() takes one reference
 * and its gc_close() gives it back, so a program that closes every channel
 * (and stops its in-process server) leaves nothing of gRPC running.
 *
 * Targets are best numeric ("127.0.0.1:PORT"): a host name goes through
 * gRPC's c-ares resolver, which keeps a few bytes LeakSanitizer reports. A
 * TLS test that needs the certificate checked against a name sets
 * gc_tls.server_name instead.
 */
#ifndef MLMD_TESTS_GRPC_CLIENT_H
#define MLMD_TESTS_GRPC_CLIENT_H

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TLS settings of a channel; the paths name PEM files. */
typedef struct gc_tls {
	const char *ca_file;     /* roots the server's certificate must chain to; NULL: gRPC's default roots */
	const char *cert_file;   /* client certificate (mutual TLS); with key_file, or both NULL */
	const char *key_file;    /* the client certificate's private key */
	const char *server_name; /* name to check the server's certificate against instead of the
				  * target's host (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG); NULL: none */
} gc_tls;

/* One channel and the completion queue its calls complete on. */
typedef struct gc_channel {
	grpc_channel *ch;
	grpc_completion_queue *cq;
} gc_channel;

/* The outcome of a completed call. `message` is always a string after
 * gc_call() returned 0 (empty when the server sent no message); `data` is the
 * response message (`len` bytes, followed by a NUL the length leaves out), or
 * NULL when the call ended without one (any failed call). Free both with
 * gc_result_free(). */
typedef struct gc_result {
	int status;             /* a grpc_status_code: 0 OK, ... 16 UNAUTHENTICATED */
	char *message;
	unsigned char *data;
	size_t len;
} gc_result;

/* Reads a whole file into a new NUL-terminated string (free() it); NULL when
 * the file cannot be read, with the reason on stderr. */
static inline char *gc__read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f) {
		fprintf(stderr, "grpc_client: %s: cannot open\n", path);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "grpc_client: %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Builds the channel credentials `tls` asks for: NULL (with the reason on
 * stderr) when a file cannot be read or only one of cert_file and key_file
 * is given. The PEM text is copied by gRPC, so it is freed here. */
static inline grpc_channel_credentials *gc__tls_creds(const gc_tls *tls)
{
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_channel_credentials *creds = NULL;

	if ((tls->cert_file == NULL) != (tls->key_file == NULL)) {
		fprintf(stderr, "grpc_client: a client certificate needs both cert_file and key_file\n");
		return NULL;
	}
	if (tls->ca_file && !(ca = gc__read_file(tls->ca_file)))
		goto done;
	if (tls->cert_file) {
		if (!(cert = gc__read_file(tls->cert_file)) || !(key = gc__read_file(tls->key_file)))
			goto done;
		grpc_ssl_pem_key_cert_pair pair = { .private_key = key, .cert_chain = cert };
		creds = grpc_ssl_credentials_create(ca, &pair, NULL, NULL);
	} else {
		creds = grpc_ssl_credentials_create(ca, NULL, NULL, NULL);
	}
done:
	free(ca);
	free(cert);
	free(key);
	return creds;
}

/* The start of opening a channel to target: a zeroed channel with a
 * grpc_init() reference taken (gc__finish_open() or gc_close() gives it
 * back), or NULL when target is NULL or memory runs out. */
static inline gc_channel *gc__start_open(const char *target)
{
	gc_channel *c;
	if (!target)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c)
		grpc_init();
	return c;
}

/* The end of opening a channel: c is calloc'd and grpc_init() taken; the
 * channel on creds (released here) and its completion queue are created.
 * Returns c, or NULL with c freed and grpc_init() given back. */
static inline gc_channel *gc__finish_open(gc_channel *c, const char *target, grpc_channel_credentials *creds,
					  const grpc_channel_args *args)
{
	c->ch = grpc_channel_create(target, creds, args);
	grpc_channel_credentials_release(creds);
	c->cq = grpc_completion_queue_create_for_pluck(NULL);
	if (!c->ch || !c->cq) {
		if (c->ch)
			grpc_channel_destroy(c->ch);
		if (c->cq) {
			grpc_completion_queue_shutdown(c->cq);
			grpc_completion_queue_destroy(c->cq);
		}
		grpc_shutdown();
		free(c);
		return NULL;
	}
	return c;
}

/* Opens a channel to `target` ("HOST:PORT"): plaintext when tls is NULL, else
 * TLS as *tls says. max_receive_bytes: the largest response message the
 * channel accepts (a larger one ends the call with RESOURCE_EXHAUSTED); 0
 * keeps gRPC's default (4 MiB), -1 is unlimited. gRPC connects lazily, so an
 * address nobody listens on or a failed TLS handshake shows up as the first
 * call's status (UNAVAILABLE), not here. Returns a new channel (free it with
 * gc_close()), or NULL when target is NULL or a TLS file cannot be read. */
static inline gc_channel *gc_open(const char *target, const gc_tls *tls, int max_receive_bytes)
{
	grpc_arg argv[2];
	grpc_channel_args args = { 0, argv };
	grpc_channel_credentials *creds;
	gc_channel *c;

	c = gc__start_open(target);
	if (!c)
		return NULL;
	creds = tls ? gc__tls_creds(tls) : grpc_insecure_credentials_create();
	if (!creds) {
		grpc_shutdown();
		free(c);
		return NULL;
	}
	if (max_receive_bytes != 0) {
		argv[args.num_args].type = GRPC_ARG_INTEGER;
		argv[args.num_args].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
		argv[args.num_args].value.integer = max_receive_bytes;
		args.num_args++;
	}
	if (tls && tls->server_name) {
		argv[args.num_args].type = GRPC_ARG_STRING;
		argv[args.num_args].key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		argv[args.num_args].value.string = (char *)tls->server_name;
		args.num_args++;
	}
	return gc__finish_open(c, target, creds, args.num_args ? &args : NULL);
}

/* Closes the channel and gives back its grpc_init() reference. Every call on
 * it has completed (gc_call() waits), so the queue has nothing left to
 * drain. NULL is a no-op. */
static inline void gc_close(gc_channel *c)
{
	if (!c)
		return;
	grpc_channel_destroy(c->ch);
	grpc_completion_queue_shutdown(c->cq);
	grpc_completion_queue_destroy(c->cq);
	free(c);
	grpc_shutdown();
}

/* Frees what a call put into *r and zeroes it. NULL is a no-op. */
static inline void gc_result_free(gc_result *r)
{
	if (!r)
		return;
	free(r->message);
	free(r->data);
	memset(r, 0, sizeof *r);
}

/* Copies a byte buffer's contents into a new malloc'd block with a NUL after
 * them; NULL when out of memory. */
static inline unsigned char *gc__take_buffer(grpc_byte_buffer *bb, size_t *len)
{
	grpc_byte_buffer_reader rd;
	grpc_slice all;
	unsigned char *out;

	if (!grpc_byte_buffer_reader_init(&rd, bb))
		return NULL;
	all = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	*len = GRPC_SLICE_LENGTH(all);
	out = malloc(*len + 1);
	if (out) {
		if (*len)
			memcpy(out, GRPC_SLICE_START_PTR(all), *len);
		out[*len] = '\0';
	}
	grpc_slice_unref(all);
	return out;
}

/* Makes one unary call of `path` ("/ml_metadata.MetadataStoreService/
 * PutArtifacts") with the `len` request bytes at `req` (NULL when len is 0)
 * and waits for it to end. deadline_ms > 0 bounds the call (it then ends with
 * DEADLINE_EXCEEDED at the latest); <= 0 sets none. Returns 0 when the call
 * completed, whatever its status: *out then holds the status, the status
 * message and the response (free them with gc_result_free()); a connection
 * that could not be made is a completed call with status UNAVAILABLE.
 * Returns -1 (with *out zeroed) when the client could not make the call at
 * all (bad arguments, gRPC refused the batch, out of memory). */
static inline int gc_call(gc_channel *c, const char *path, const void *req, size_t len,
			  int deadline_ms, gc_result *out)
{
	grpc_metadata_array init_md, trail_md;
	grpc_byte_buffer *send = NULL, *recv = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice(), method, body;
	gpr_timespec deadline;
	grpc_op ops[6];
	grpc_call *call;
	grpc_event ev;
	int rc = -1;

	if (!out)
		return -1;
	memset(out, 0, sizeof *out);
	if (!c || !path || (!req && len))
		return -1;
	deadline = deadline_ms > 0
		? gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(deadline_ms, GPR_TIMESPAN))
		: gpr_inf_future(GPR_CLOCK_REALTIME);
	method = grpc_slice_from_copied_string(path);
	call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, method, NULL,
					deadline, NULL);
	grpc_slice_unref(method);
	if (!call)
		return -1;

	body = grpc_slice_from_copied_buffer(len ? (const char *)req : "", len);
	send = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);
	grpc_metadata_array_init(&init_md);
	grpc_metadata_array_init(&trail_md);

	memset(ops, 0, sizeof ops);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;

	if (grpc_call_start_batch(call, ops, 6, call, NULL) != GRPC_CALL_OK)
		goto done;
	/* RECV_STATUS_ON_CLIENT always completes (the deadline, if any, ends the
	 * call), so waiting without a bound here cannot outlive the call. */
	ev = grpc_completion_queue_pluck(c->cq, call, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE)
		goto done;

	out->status = (int)status;
	out->message = malloc(GRPC_SLICE_LENGTH(details) + 1);
	if (!out->message)
		goto done;
	memcpy(out->message, GRPC_SLICE_START_PTR(details), GRPC_SLICE_LENGTH(details));
	out->message[GRPC_SLICE_LENGTH(details)] = '\0';
	if (recv && !(out->data = gc__take_buffer(recv, &out->len)))
		goto done;
	rc = 0;
done:
	if (rc != 0)
		gc_result_free(out);
	grpc_metadata_array_destroy(&init_md);
	grpc_metadata_array_destroy(&trail_md);
	grpc_byte_buffer_destroy(send);
	if (recv)
		grpc_byte_buffer_destroy(recv);
	grpc_slice_unref(details);
	grpc_call_unref(call);
	return rc;
}

/* A plaintext channel to `target` whose connection takes little that its
 * calls have not read: no BDP probing, 64 KiB of look-ahead per stream, so
 * an answer nobody reads stays mostly with the server (tests of slow
 * clients). Free it with gc_close(); NULL as gc_open(). */
static inline gc_channel *gc_open_small_window(const char *target)
{
	grpc_arg argv[2];
	grpc_channel_args args = { 2, argv };
	grpc_channel_credentials *creds;
	gc_channel *c;

	c = gc__start_open(target);
	if (!c)
		return NULL;
	argv[0].type = GRPC_ARG_INTEGER;
	argv[0].key = (char *)GRPC_ARG_HTTP2_BDP_PROBE;
	argv[0].value.integer = 0;
	argv[1].type = GRPC_ARG_INTEGER;
	argv[1].key = (char *)GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES;
	argv[1].value.integer = 65536;
	creds = grpc_insecure_credentials_create();
	return gc__finish_open(c, target, creds, &args);
}

/* A call whose client is slow on purpose (tests of slow clients): it has
 * sent its initial metadata and nothing more (a request that never comes),
 * or its whole request, after which it reads nothing (an answer never
 * taken). */
typedef struct gc_stalled {
	grpc_call *call;
	grpc_completion_queue *cq;          /* this call's own (pluck) */
	grpc_byte_buffer *send;
	grpc_metadata_array trail_md;
	grpc_status_code status;            /* once closed */
	grpc_slice details;
} gc_stalled;

/* Opens a call of `path` on channel c (no deadline) and sends its initial
 * metadata; with req, also the `len` bytes at req as its request and the
 * client's close. Waits until gRPC has taken them; nothing is received
 * until gc_stall_close(). Returns 0, or -1 (with nothing left open) when
 * gRPC refused. */
static inline int gc_stall_open(gc_channel *c, const char *path, const void *req, size_t len, gc_stalled *st)
{
	grpc_op ops[3];
	size_t n = 0;
	grpc_slice method, body;
	grpc_event ev;

	memset(st, 0, sizeof *st);
	st->details = grpc_empty_slice();
	grpc_metadata_array_init(&st->trail_md);
	st->cq = grpc_completion_queue_create_for_pluck(NULL);
	if (!st->cq)
		return -1;
	method = grpc_slice_from_copied_string(path);
	st->call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, st->cq, method, NULL,
					    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	grpc_slice_unref(method);
	if (!st->call)
		goto fail;
	memset(ops, 0, sizeof ops);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (req) {
		body = grpc_slice_from_copied_buffer(len ? (const char *)req : "", len);
		st->send = grpc_raw_byte_buffer_create(&body, 1);
		grpc_slice_unref(body);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = st->send;
		ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	}
	if (grpc_call_start_batch(st->call, ops, n, &st->details, NULL) != GRPC_CALL_OK)
		goto fail;
	ev = grpc_completion_queue_pluck(st->cq, &st->details, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE || !ev.success)
		goto fail;
	return 0;
fail:
	if (st->call) {
		grpc_call_cancel(st->call, NULL);
		grpc_call_unref(st->call);
	}
	if (st->send)
		grpc_byte_buffer_destroy(st->send);
	grpc_metadata_array_destroy(&st->trail_md);
	grpc_completion_queue_shutdown(st->cq);
	grpc_completion_queue_destroy(st->cq);
	memset(st, 0, sizeof *st);
	return -1;
}

/* Cancels the call (when cancel is set) and waits for its status, which it
 * returns (a grpc_status_code: CANCELLED, or what the server ended it with
 * first), or -1 when it could not be had; copies the status message into
 * message (size bytes, always terminated) unless message is NULL; frees
 * everything the call held. Without cancel it waits until the server (or
 * the connection) ends the call. */
static inline int gc_stall_close(gc_stalled *st, int cancel, char *message, size_t size)
{
	grpc_op ops[2];
	grpc_metadata_array init_md;
	int status = -1;

	if (message && size)
		message[0] = '\0';
	if (cancel)
		grpc_call_cancel(st->call, NULL);
	/* the answer's initial metadata too: gRPC surfaces a status only after
	 * them (without them a call the server ends is never seen to end) */
	grpc_metadata_array_init(&init_md);
	memset(ops, 0, sizeof ops);
	ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[0].data.recv_initial_metadata.recv_initial_metadata = &init_md;
	ops[1].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[1].data.recv_status_on_client.trailing_metadata = &st->trail_md;
	ops[1].data.recv_status_on_client.status = &st->status;
	ops[1].data.recv_status_on_client.status_details = &st->details;
	if (grpc_call_start_batch(st->call, ops, 2, st, NULL) == GRPC_CALL_OK &&
	    grpc_completion_queue_pluck(st->cq, st, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type == GRPC_OP_COMPLETE) {
		status = (int)st->status;
		if (message && size)
			snprintf(message, size, "%.*s", (int)GRPC_SLICE_LENGTH(st->details),
				 (const char *)GRPC_SLICE_START_PTR(st->details));
	}
	grpc_metadata_array_destroy(&init_md);
	grpc_metadata_array_destroy(&st->trail_md);
	grpc_slice_unref(st->details);
	if (st->send)
		grpc_byte_buffer_destroy(st->send);
	grpc_call_unref(st->call);
	grpc_completion_queue_shutdown(st->cq);
	grpc_completion_queue_destroy(st->cq);
	memset(st, 0, sizeof *st);
	return status;
}

#endif

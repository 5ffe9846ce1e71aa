/*
 * tests/server_fixture.h - an in-process `mlmd serve` (server/server.h) on a
 * fresh store, a plaintext channel to it (tests/grpc_client.h) and a second,
 * in-process handle on the same store, for tests/test_server*.c.
 *
 * The store is a temporary SQLite file (MLMD_TEST_BACKEND unset,
 * sqlite-memory or sqlite-file: a memory database could not be shared with
 * the in-process handle) or, with MLMD_TEST_BACKEND=postgresql, a new
 * database as open_memory() names them. The custom backend is not a URI the
 * server can open: suites skip under it (sfx_unsupported()).
 */
#ifndef MLMD_TESTS_SERVER_FIXTURE_H
#define MLMD_TESTS_SERVER_FIXTURE_H

#include "helpers.h"
#include "grpc_client.h"
#include "server/server.h"

/* The actor the fixture's servers write as. */
#define SFX_ACTOR "server-actor"

typedef struct sfx {
	char *path;          /* the SQLite file; NULL on PostgreSQL */
	char uri[1200];      /* the store's URI, as the server opens it */
	mlmd_store *local;   /* an in-process handle on the same store */
	srv *server;         /* NULL until sfx_start() succeeded */
	char target[64];     /* "127.0.0.1:PORT" of the running server */
	gc_channel *ch;      /* a plaintext channel to it (sfx_up) */
} sfx;

/* 1 when the backend under test is one the server cannot open by URI. */
static inline int sfx_unsupported(void)
{
	return strcmp(test_backend(), "custom") == 0;
}

/* Makes the fixture's store and its in-process handle (no server yet). */
static inline void sfx_store(sfx *f)
{
	memset(f, 0, sizeof *f);
	if (backend_is_pg()) {
		f->local = open_memory();
		snprintf(f->uri, sizeof f->uri, "%s", last_store_uri);
	} else {
		f->path = tmp_path("server");
		snprintf(f->uri, sizeof f->uri, "sqlite:%s", f->path);
		f->local = open_file(f->path);
	}
}

/* Starts a server on the fixture's store with the settings in *cfg (its
 * store_uri and port are replaced: this store, port 0), two workers unless
 * cfg says, writing as SFX_ACTOR unless cfg names an actor. Returns
 * srv_start()'s status; its message is in err. */
static inline int sfx_start(sfx *f, const srv_config *cfg, char *err, size_t errlen)
{
	srv_config c = *cfg;
	c.store_uri = f->uri;
	c.port = 0;
	if (!c.threads)
		c.threads = 2;
	if (!c.actor)
		c.actor = SFX_ACTOR;
	err[0] = '\0';
	int rc = srv_start(&c, &f->server, err, errlen);
	if (rc == 0) {
		assert_non_null(f->server);
		assert_true(srv_port(f->server) > 0);
		snprintf(f->target, sizeof f->target, "127.0.0.1:%d", srv_port(f->server));
	}
	return rc;
}

/* Stops and frees everything sfx_store()/sfx_up()/sfx_start() made and removes the file. */
static inline void sfx_down(sfx *f)
{
	gc_close(f->ch);
	if (f->server) {
		srv_stop(f->server);
		srv_free(f->server);
	}
	mlmd_store_free(f->local);
	if (f->path)
		tmp_remove(f->path);
	memset(f, 0, sizeof *f);
}

/* A store, a server on it as *cfg says (NULL: the defaults) and a plaintext
 * channel to the server. */
static inline void sfx_up(sfx *f, const srv_config *cfg)
{
	srv_config dflt = SRV_CONFIG_INIT;
	char err[512];
	sfx_store(f);
	int rc = sfx_start(f, cfg ? cfg : &dflt, err, sizeof err);
	if (rc) {
		sfx_down(f); /* cmocka runs no teardown after a failed setup: remove the file now */
		fail_msg("srv_start -> %d (%s): %s", rc, mlmd_status_name(rc), err);
	}
	f->ch = gc_open(f->target, NULL, 0);
	assert_non_null(f->ch);
}

/* Puts an artifact of type "Big" whose uri is `bytes` bytes long into s and
 * packs a GetArtifactsByID request for it into buf[32]: an answer larger
 * than a connection's window (tests of slow clients). Returns the request's
 * length. */
static inline size_t sfx_big_artifact_request(mlmd_store *s, size_t bytes, int64_t *id, uint8_t buf[32])
{
	char *uri = malloc(bytes + 1);
	assert_non_null(uri);
	memset(uri, 'u', bytes);
	uri[bytes] = '\0';
	OK(put_artifact(s, new_artifact(artifact_type(s, "Big", 0), uri), id));
	free(uri);
	Mlmd__Pb__GetArtifactsByIDRequest req = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	req.n_artifact_ids = 1;
	req.artifact_ids = id;
	return protobuf_c_message_pack((const ProtobufCMessage *)&req, buf);
}

/* "/SERVICE/METHOD" of the RPC mlmd_store_call() names `method`. */
static inline const char *sfx_path(const char *method, char *buf, size_t n)
{
	mlmd_rpc_info info;
	OK(mlmd_rpc_lookup(method, &info));
	snprintf(buf, n, "/%s/%s", info.service, info.method);
	return buf;
}

/* Calls `method` through the server with the `len` bytes at req. The call
 * must complete (its status is in *r; free it with gc_result_free()). */
static inline void sfx_call_bytes(sfx *f, const char *method, const void *req, size_t len, gc_result *r)
{
	char path[256];
	if (gc_call(f->ch, sfx_path(method, path, sizeof path), req, len, 0, r) != 0)
		fail_msg("%s: the client could not make the call", method);
}

/* Packs message m and calls `method` through the server. */
static inline void sfx_call(sfx *f, const char *method, const void *m, gc_result *r)
{
	const ProtobufCMessage *msg = m;
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(n + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(msg, buf);
	sfx_call_bytes(f, method, buf, n, r);
	free(buf);
}

/* Runs `method` in process on handle s with the same bytes, with the
 * outcome in the shape of a gRPC call's: the positive status, the store's
 * message ("" on success) and the response bytes. */
static inline void sfx_local_bytes(mlmd_store *s, const char *method, const void *req, size_t len, gc_result *r)
{
	void *resp = NULL;
	size_t n = 0;
	memset(r, 0, sizeof *r);
	int rc = mlmd_store_call(s, method, req, len, &resp, &n);
	r->status = -rc;
	r->message = strdup(rc ? mlmd_error_message() : "");
	assert_non_null(r->message);
	if (rc == 0) {
		r->data = malloc(n + 1);
		assert_non_null(r->data);
		if (n)
			memcpy(r->data, resp, n);
		r->data[n] = '\0';
		r->len = n;
	}
	mlmd_buffer_free(resp);
}

static inline void sfx_local(mlmd_store *s, const char *method, const void *m, gc_result *r)
{
	const ProtobufCMessage *msg = m;
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = malloc(n + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(msg, buf);
	sfx_local_bytes(s, method, buf, n, r);
	free(buf);
}

/* Asserts r has status `want`, printing the message when not. */
#define SFX_STATUS(r, want)                                                                      \
	do {                                                                                     \
		if ((r)->status != (want))                                                       \
			fail_msg("status %d (%s), expected %d (%s); message: %s", (r)->status,    \
				 mlmd_status_name((r)->status), (want), mlmd_status_name(want),     \
				 (r)->message ? (r)->message : "(none)");                         \
	} while (0)

/* Unpacks a successful call's response as `d` (a new message; free it with
 * mlmd_message_free()). */
static inline void *sfx_unpack(const gc_result *r, const ProtobufCMessageDescriptor *d)
{
	SFX_STATUS(r, 0);
	void *m = protobuf_c_message_unpack(d, NULL, r->len, r->data ? r->data : (const uint8_t *)"");
	assert_non_null(m);
	return m;
}

/* cmocka setup and teardown: *state is an sfx with a default server. */
static inline int sfx_setup(void **state)
{
	sfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	sfx_up(f, NULL);
	*state = f;
	return 0;
}

static inline int sfx_teardown(void **state)
{
	sfx_down(*state);
	free(*state);
	return 0;
}

/* Asserts two outcomes (through the server, in process) are the same status
 * with the same message. */
static inline void sfx_same_outcome(const char *what, const gc_result *remote, const gc_result *local)
{
	if (remote->status != local->status || strcmp(remote->message, local->message) != 0)
		fail_msg("%s: through the server %s '%s', in process %s '%s'", what, mlmd_status_name(remote->status),
			 remote->message, mlmd_status_name(local->status), local->message);
}

#define SFX_HEALTH_CHECK "/grpc.health.v1.Health/Check"

/* Health.Check for `service`; returns the call's status and the serving
 * status the response carries (-1 when it has none). */
static inline int sfx_health(sfx *f, const char *service, int *serving)
{
	unsigned char req[300];
	size_t n = strlen(service), len = 0;
	assert_true(n < 128);
	if (n) { /* field 1, length-delimited */
		req[len++] = 0x0a;
		req[len++] = (unsigned char)n;
		memcpy(req + len, service, n);
		len += n;
	}
	gc_result r;
	assert_int_equal(gc_call(f->ch, SFX_HEALTH_CHECK, req, len, 0, &r), 0);
	*serving = -1;
	if (r.status == 0) { /* HealthCheckResponse: field 1 varint, or nothing (UNKNOWN) */
		assert_non_null(r.data);
		if (r.len == 0)
			*serving = 0;
		else if (r.len == 2 && r.data[0] == 0x08 && r.data[1] < 0x80)
			*serving = r.data[1];
		else
			fail_msg("health response of %zu bytes is not a HealthCheckResponse", r.len);
	}
	int st = r.status;
	gc_result_free(&r);
	return st;
}

#endif

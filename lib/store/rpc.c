/*
 * store/rpc.c - running an RPC: by name over bytes (mlmd_store_call), or
 * typed (mlmd_store_<rpc>). Both go through run(), which runs the handler in
 * exactly one transaction and either commits all of it or none. The names
 * are those of MLMD's MetadataStoreService, of our TrackingService
 * (proto/mlmd_tracking.proto, handlers in store/track_*.c) and of our
 * RegistryService and AuditService (proto/mlmd_governance.proto, handlers in
 * store/reg_*.c and store/audit*.c); no name is in two. Every writing call
 * appends its audit record (store/audit.c) in its own transaction, after its
 * handler succeeded, so the write and its record commit together or not at
 * all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rpc.h"
#include "track.h"
#include "governance.h"
#include "testing.h"
#include "wire.h"
#include "../util/arena.h"

typedef int (*handler_fn)(call *c, const void *rq, void *rs);

typedef struct rpc_def {
	const char *name;
	handler_fn fn;
	int writes;                  /* 0 reads; 1 writes alone; 2 writes beside other 2s */
	const ProtobufCServiceDescriptor *service; /* where its messages are described */
} rpc_def;

/* Thunks give every handler the same type, so calls need no pointer casts. */
#define THUNK(M, snake, w)                                              \
	static int thunk_##M(call *c, const void *rq, void *rs)         \
	{                                                               \
		return mlmd__rpc_##M(c, rq, rs);                        \
	}
MLMD_RPC_LIST(THUNK)
#undef THUNK
#define TRACK_THUNK(M, snake, w)                                        \
	static int thunk_##M(call *c, const void *rq, void *rs)         \
	{                                                               \
		return mlmd__track_##M(c, rq, rs);                      \
	}
MLMD__TRACK_RPC_LIST(TRACK_THUNK)
#undef TRACK_THUNK
#define GOV_THUNK(M, snake, w)                                          \
	static int thunk_##M(call *c, const void *rq, void *rs)         \
	{                                                               \
		return mlmd__gov_##M(c, rq, rs);                        \
	}
MLMD__REG_RPC_LIST(GOV_THUNK)
MLMD__AUDIT_RPC_LIST(GOV_THUNK)
MLMD__DATA_RPC_LIST(GOV_THUNK)
MLMD__MON_RPC_LIST(GOV_THUNK)
#undef GOV_THUNK
#define TESTING_THUNK(M, snake, w)                                      \
	static int thunk_##M(call *c, const void *rq, void *rs)         \
	{                                                               \
		return mlmd__testing_##M(c, rq, rs);                    \
	}
MLMD__TESTING_RPC_LIST(TESTING_THUNK)
#undef TESTING_THUNK

enum {
#define IDX(M, snake, w) RPC_##M,
	MLMD_RPC_LIST(IDX)
	MLMD__TRACK_RPC_LIST(IDX)
	MLMD__REG_RPC_LIST(IDX)
	MLMD__AUDIT_RPC_LIST(IDX)
	MLMD__DATA_RPC_LIST(IDX)
	MLMD__MON_RPC_LIST(IDX)
	MLMD__TESTING_RPC_LIST(IDX)
#undef IDX
	RPC_COUNT
};

static const rpc_def rpcs[RPC_COUNT] = {
/* MLMD's own writes run beside each other on a backend that locks by key
 * (writes = 2, see mlmd__sql_begin); every other write runs alone. */
#define DEF(M, snake, w)                                                                          \
	[RPC_##M] = { #M, thunk_##M, (w) ? 2 : 0, &mlmd__pb__metadata_store_service__descriptor },
	MLMD_RPC_LIST(DEF)
#undef DEF
#define TRACK_DEF(M, snake, w)                                                                    \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__tracking__tracking_service__descriptor },
	MLMD__TRACK_RPC_LIST(TRACK_DEF)
#undef TRACK_DEF
#define REG_DEF(M, snake, w)                                                                      \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__governance__registry_service__descriptor },
	MLMD__REG_RPC_LIST(REG_DEF)
#undef REG_DEF
#define AUDIT_DEF(M, snake, w)                                                                    \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__governance__audit_service__descriptor },
	MLMD__AUDIT_RPC_LIST(AUDIT_DEF)
#undef AUDIT_DEF
#define DATA_DEF(M, snake, w)                                                                     \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__governance__data_governance_service__descriptor },
	MLMD__DATA_RPC_LIST(DATA_DEF)
#undef DATA_DEF
#define MON_DEF(M, snake, w)                                                                      \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__governance__monitoring_service__descriptor },
	MLMD__MON_RPC_LIST(MON_DEF)
#undef MON_DEF
#define TESTING_DEF(M, snake, w)                                                                  \
	[RPC_##M] = { #M, thunk_##M, w, &mlmd__pb__testing__testing_service__descriptor },
	MLMD__TESTING_RPC_LIST(TESTING_DEF)
#undef TESTING_DEF
};

/* The request and response types of an RPC, from its generated service
 * descriptor (so this file needs no generated message names). */
static const ProtobufCMethodDescriptor *method_of(const rpc_def *d)
{
	return protobuf_c_service_descriptor_get_method_by_name(d->service, d->name);
}

/* Ends the caller's transaction after a call in it failed: rolls it back
 * now (releasing its locks) and keeps the message, so the calls refused
 * until the caller ends it can say why. */
static void txn_abort(mlmd_store *s)
{
	mlmd__snprintf(s->txn_error, sizeof s->txn_error, "%s", mlmd_error_message());
	mlmd__sql_rollback(&s->sql);
	s->txn_failed = 1;
	if (s->listen)
		mlmd__listen_txn_end(s, 0);
}

/* Whether a call may run now: not inside another call on this handle, and,
 * inside the caller's transaction, only while it is healthy and writes only
 * when it was opened for writing. `what` names the call in the message. */
static int may_call(mlmd_store *s, int writes, const char *what)
{
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "%s: the store is already running a call (one handle, one call at a time)", what);
	if (writes && s->read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the store was opened read-only", what);
	if (s->txn_open && s->txn_failed)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "%s: the transaction was rolled back when an earlier call in it failed (%s); "
				  "end it with mlmd_store_rollback()", what, s->txn_error);
	if (s->txn_open && writes && !s->txn_write)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "%s: the open transaction is read-only (mlmd_store_begin with write = 0)", what);
	return 0;
}

/* fn, then (for a writing call: `audit` not NULL) its audit record and,
 * when the handle has listeners, its change (told after the commit). */
static int handle(call *c, handler_fn fn, const void *rq, void *rs, const audit_call *audit)
{
	int rc = fn(c, rq, rs);
	if (!rc && audit && !c->no_audit)
		rc = mlmd__audit_append(c, audit);
	if (!rc && audit && !c->no_audit && c->s->n_listeners)
		rc = mlmd__listen_record(c, audit);
	return rc;
}

/* Runs fn in a transaction: its own, committed when fn succeeds and rolled
 * back otherwise, or the one the caller opened with mlmd_store_begin(),
 * which a failure rolls back as a whole. A writing call's audit record
 * (`audit`, NULL for reads) is appended in the same transaction. Failures
 * carry `what` as context. */
static int in_transaction(mlmd_store *s, int writes, handler_fn fn, const void *rq, void *rs, const char *what,
			  const audit_call *audit)
{
	call c = { .s = s, .sql = &s->sql, .now = mlmd__now_ms() };
	int rc;
	if (!writes)
		audit = NULL;
	if (s->txn_open) {
		s->in_txn = 1;
		rc = handle(&c, fn, rq, rs, audit);
		s->in_txn = 0;
		mlmd__call_cleanup(&c);
		if (rc) {
			mlmd__context(rc, "%s", what);
			txn_abort(s);
		}
		return rc;
	}
	rc = mlmd__sql_begin(&s->sql, writes);
	if (!rc) {
		s->in_txn = 1;
		rc = handle(&c, fn, rq, rs, audit);
		if (!rc)
			rc = mlmd__sql_commit(&s->sql);
		if (rc)
			mlmd__sql_rollback(&s->sql);
		s->in_txn = 0;
	}
	mlmd__call_cleanup(&c);
	if (rc)
		mlmd__context(rc, "%s", what);
	if (s->listen) /* told now that it committed, or dropped */
		mlmd__listen_txn_end(s, rc == 0);
	return rc;
}

/* What every call checks before it starts: its RPC's descriptor md, the
 * store, the request's type, whether the handle may run it now, the
 * deadline, and (a request not from bytes, which were checked before
 * decoding) the request's limits in memory. */
static int precheck(mlmd_store *s, const rpc_def *d, const ProtobufCMethodDescriptor *md,
		    const ProtobufCMessage *rq, const void *bytes)
{
	if (!md)
		return mlmd__fail(MLMD_INTERNAL, "%s: not in the service descriptor", d->name);
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: store is NULL", d->name);
	if (!rq)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is NULL", d->name);
	if (rq->descriptor != md->input)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is a %s, expected %s", d->name,
				  rq->descriptor ? rq->descriptor->name : "(no descriptor)", md->input->name);
	int rc = may_call(s, d->writes, d->name);
	if (rc)
		return rc;
	if (s->has_deadline && mlmd__mono_ns() >= s->deadline_ns)
		return mlmd__fail(MLMD_DEADLINE_EXCEEDED, "%s: the call's deadline passed before it started", d->name);
	char what[96];
	mlmd__snprintf(what, sizeof what, "%s request", d->name);
	if (!bytes && (rc = mlmd__pb_check_msg(rq, MLMD_MAX_NESTING, what)))
		return rc;
	return 0;
}

/* How many times a request may run when each attempt finds a lock it
 * needs out of order (a request learns its locks a few at a time when they
 * depend on what is stored; one that needs more is ABORTED: retry it). */
#define MAX_ATTEMPTS 32

/* Runs RPC d on request rq. A request that came through mlmd_store_call
 * has its bytes (`bytes`, checked before decoding; their hash goes into the
 * audit record); any other (bytes NULL) is checked in memory for the same
 * limits first. */
static int run(mlmd_store *s, const rpc_def *d, const ProtobufCMessage *rq, const void *bytes, size_t len,
	       ProtobufCMessage **out)
{
	const ProtobufCMethodDescriptor *md = method_of(d);
	*out = NULL;
	int rc = precheck(s, d, md, rq, bytes);
	if (rc)
		return rc;
	ProtobufCMessage *rs = NULL;
	/* A write beside other writers that needs a lock out of the global
	 * order runs again from the start, taking the locks it learnt up
	 * front (sql/locks.c): each attempt learns at least one key more. */
	for (int attempt = 0;; attempt++) {
		if (!(rs = mlmd__msg_new(md->output))) {
			rc = MLMD_OOM();
			break;
		}
		audit_call audit = { d->name, bytes, len, rq, rs, NULL, NULL, 0 };
		rc = in_transaction(s, d->writes, d->fn, rq, rs, d->name, &audit);
		if (!rc || !s->sql.relock || attempt + 1 == MAX_ATTEMPTS)
			break;
		protobuf_c_message_free_unpacked(rs, NULL);
		rs = NULL;
		s->sql.relock = 0;
	}
	mlmd__sql_plan_clear(&s->sql);
	if (rc) {
		if (rs)
			protobuf_c_message_free_unpacked(rs, NULL);
		return rc;
	}
	*out = rs;
	return 0;
}

/* A wire handler's call (store/wire.h) in the handler shape in_transaction runs. */
typedef struct {
	mlmd__wire_fn fn;
	mlmd_buf out;
} wire_call;

static int wire_thunk(call *c, const void *rq, void *rs)
{
	wire_call *w = rs;
	int rc = w->fn(c, rq, &w->out);
	if (!rc && w->out.oom)
		rc = MLMD_OOM();
	return rc;
}

/* Runs read RPC d through its wire handler fn: the same checks as run(),
 * then the response's bytes in *out (malloc'd; free with free()). */
static int run_wire(mlmd_store *s, const rpc_def *d, mlmd__wire_fn fn, const ProtobufCMessage *rq,
		    const void *bytes, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	int rc = precheck(s, d, method_of(d), rq, bytes);
	if (rc)
		return rc;
	wire_call w = { fn, { 0 } };
	rc = in_transaction(s, 0, wire_thunk, rq, &w, d->name, NULL);
	if (rc) {
		mlmd__buf_free(&w.out);
		return rc;
	}
	if (!w.out.p && !(w.out.p = malloc(1))) /* an empty response still gets a buffer */
		return MLMD_OOM();
	*out = (uint8_t *)w.out.p;
	*out_len = w.out.len;
	return 0;
}

/* Runs RPC d and returns its response serialized: written straight by its
 * wire handler when it has one, else packed from the struct response. */
static int run_bytes(mlmd_store *s, const rpc_def *d, const ProtobufCMessage *rq, const void *bytes, size_t len,
		     void **response, size_t *response_len)
{
	mlmd__wire_fn fn = d->writes || !rq || (s && s->no_wire) ? NULL : mlmd__wire_handler(d->name, rq);
	if (fn) {
		uint8_t *out;
		int rc = run_wire(s, d, fn, rq, bytes, &out, response_len);
		*response = out;
		return rc;
	}
	ProtobufCMessage *rs = NULL;
	int rc = run(s, d, rq, bytes, len, &rs);
	if (rc)
		return rc;
	size_t n = protobuf_c_message_get_packed_size(rs);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		protobuf_c_message_free_unpacked(rs, NULL);
		return MLMD_OOM();
	}
	protobuf_c_message_pack(rs, buf);
	protobuf_c_message_free_unpacked(rs, NULL);
	*response = buf;
	*response_len = n;
	return 0;
}

/* A typed call: through the wire handler when the RPC has one, its bytes
 * decoded with malloc, or into one arena when `arena` is set (util/arena.h);
 * else the struct handler's response (malloc'd either way). */
static int run_typed(mlmd_store *s, const rpc_def *d, const ProtobufCMessage *rq, int arena, ProtobufCMessage **out)
{
	mlmd__wire_fn fn = d->writes || !rq || (s && s->no_wire) ? NULL : mlmd__wire_handler(d->name, rq);
	if (!fn)
		return run(s, d, rq, NULL, 0, out);
	*out = NULL;
	uint8_t *buf;
	size_t n;
	int rc = run_wire(s, d, fn, rq, NULL, &buf, &n);
	if (rc)
		return rc;
	const ProtobufCMessageDescriptor *od = method_of(d)->output;
	rc = arena ? mlmd__arena_unpack(od, buf, n, out) : mlmd__unpack_malloc(od, buf, n, out);
	free(buf);
	return rc;
}

static const rpc_def *find_rpc(const char *name)
{
	for (int i = 0; i < RPC_COUNT; i++)
		if (strcmp(rpcs[i].name, name) == 0)
			return &rpcs[i];
	return NULL;
}

/* ---- describing the RPCs (mlmd_rpc_lookup, mlmd_rpc_at) -------------------------------------- */

static void describe(const rpc_def *d, mlmd_rpc_info *info)
{
	info->service = d->service->name; /* the full name: "ml_metadata.MetadataStoreService" */
	info->method = d->name;
	info->writes = d->writes != 0;
}

size_t mlmd_rpc_count(void)
{
	return RPC_COUNT;
}

int mlmd_rpc_at(size_t i, mlmd_rpc_info *info)
{
	if (!info)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_rpc_at: info is NULL");
	if (i >= RPC_COUNT)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "mlmd_rpc_at: index %zu, there are %d RPCs", i, (int)RPC_COUNT);
	describe(&rpcs[i], info);
	return 0;
}

int mlmd_rpc_lookup(const char *method, mlmd_rpc_info *info)
{
	if (!method || !info)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_rpc_lookup: method and info are required");
	const rpc_def *d = find_rpc(method);
	if (!d)
		return mlmd__fail(MLMD_NOT_FOUND, "no RPC is named '%s'", method);
	describe(d, info);
	return 0;
}

/* ---- deadlines ------------------------------------------------------------------------------- */

int mlmd_store_set_deadline(mlmd_store *s, int64_t ms_from_now)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_set_deadline: store is NULL");
	if (ms_from_now < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_set_deadline: %lld ms is negative",
				  (long long)ms_from_now);
	/* ten years is "no deadline" for any call; capping keeps the sum from wrapping */
	const int64_t cap = INT64_C(10) * 366 * 24 * 3600 * 1000;
	uint64_t ns = (uint64_t)(ms_from_now < cap ? ms_from_now : cap) * 1000000u;
	s->deadline_ns = mlmd__mono_ns() + ns;
	s->has_deadline = 1;
	return 0;
}

void mlmd_store_clear_deadline(mlmd_store *s)
{
	if (s)
		s->has_deadline = 0;
}

int mlmd_store_call(mlmd_store *s, const char *method, const void *request, size_t request_len, void **response,
		    size_t *response_len)
{
	if (!response || !response_len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_call: response and response_len are required");
	*response = NULL;
	*response_len = 0;
	if (!method)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_call: method is NULL");
	const rpc_def *d = find_rpc(method);
	if (!d)
		return mlmd__fail(MLMD_UNIMPLEMENTED,
				  "unknown method '%s': not an RPC of ml_metadata.MetadataStoreService, "
				  "mlmd.tracking.TrackingService, mlmd.governance.RegistryService, "
				  "mlmd.governance.AuditService, mlmd.governance.DataGovernanceService, "
				  "mlmd.governance.MonitoringService or mlmd.testing.TestingService", method);
	if (!request && request_len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is NULL but request_len is %zu", method,
				  request_len);
	const ProtobufCMessageDescriptor *in = method_of(d)->input;
	/* Before protobuf-c decodes (and recurses into) anything: nesting,
	 * NUL bytes in strings, enum values (see util/pbcheck.c). */
	char what[96];
	mlmd__snprintf(what, sizeof what, "%s request", method);
	int rc = mlmd__pb_check_wire(in, request, request_len, MLMD_MAX_NESTING, what);
	if (rc)
		return rc;
	ProtobufCMessage *rq = protobuf_c_message_unpack(in, NULL, request_len,
							 request ? request : (const void *)"");
	if (!rq)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu request bytes do not parse as %s", method,
				  request_len, in->name);
	rc = run_bytes(s, d, rq, request ? request : (const void *)"", request_len, response, response_len);
	protobuf_c_message_free_unpacked(rq, NULL);
	return rc;
}

#define TYPED(M, snake, w)                                                                          \
	int mlmd_store_##snake(mlmd_store *store, const Mlmd__Pb__##M##Request *req,                \
			       Mlmd__Pb__##M##Response **resp)                                      \
	{                                                                                           \
		if (!resp)                                                                          \
			return mlmd__fail(MLMD_INVALID_ARGUMENT, #M ": resp is NULL");              \
		return run_typed(store, &rpcs[RPC_##M], req ? &req->base : NULL, 0, (ProtobufCMessage **)resp); \
	}
MLMD_RPC_LIST(TYPED)
#undef TYPED

int mlmd_store_call_typed(mlmd_store *store, const char *method, const void *request, unsigned flags,
			  void **response)
{
	if (!response)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_call_typed: response is NULL");
	*response = NULL;
	if (!method)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_call_typed: method is NULL");
	const rpc_def *d = find_rpc(method);
	if (!d)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_call_typed: no RPC is named '%s'", method);
	if (flags & ~MLMD_CALL_ARENA)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: unknown flag bits 0x%x (only MLMD_CALL_ARENA is defined)",
				  method, flags & ~MLMD_CALL_ARENA);
	const ProtobufCMessageDescriptor *in = method_of(d) ? method_of(d)->input : NULL;
	const ProtobufCMessage *rq = request;
	if (rq && in && rq->descriptor != in)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is a %s, expected %s", method,
				  rq->descriptor && rq->descriptor->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC
					  ? rq->descriptor->name : "(not a message)", in->name);
	ProtobufCMessage *empty = NULL; /* NULL asks for an empty request */
	if (!rq && in && !(rq = empty = mlmd__msg_new(in)))
		return MLMD_OOM();
	int rc = run_typed(store, d, rq, (flags & MLMD_CALL_ARENA) != 0, (ProtobufCMessage **)response);
	free(empty); /* an empty message holds nothing */
	return rc;
}

/* ---- mlmd_store_restore_times ---------------------------------------------------------------- */

typedef struct {
	const node_kind *k;
	const int64_t *ids, *ctime, *mtime;
	size_t n;
} restore_req;

static int restore_times(call *c, const void *rqv, void *rs)
{
	const restore_req *rq = rqv;
	(void)rs;
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE %s SET create_time = ?, update_time = ? WHERE id = ?", rq->k->table);
	for (size_t i = 0; i < rq->n; i++) {
		int rc = mlmd__node_exists(c, rq->k, rq->ids[i]);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", rq->k->what, (long long)rq->ids[i]);
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, sql)))
			return rc;
		mlmd__q_i64(&q, 1, rq->ctime[i]);
		mlmd__q_i64(&q, 2, rq->mtime[i]);
		mlmd__q_i64(&q, 3, rq->ids[i]);
		if ((rc = mlmd__q_exec(&q)))
			return rc;
	}
	return 0;
}

int mlmd_store_restore_times(mlmd_store *s, const char *kind, const int64_t *ids, const int64_t *create_time_ms,
	const int64_t *update_time_ms, size_t n)
{
	restore_req rq = { NULL, ids, create_time_ms, update_time_ms, n };
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: store is NULL");
	if (!kind)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: kind is NULL");
	rq.k = !strcmp(kind, "artifact") ? &mlmd__artifact_kind : !strcmp(kind, "execution") ? &mlmd__execution_kind :
		!strcmp(kind, "context") ? &mlmd__context_kind : NULL;
	if (!rq.k)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: kind '%s' is not artifact, execution or context", kind);
	if (n && (!ids || !create_time_ms || !update_time_ms))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: ids and times must not be NULL");
	for (size_t i = 0; i < n; i++)
		if (create_time_ms[i] < 0 || update_time_ms[i] < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: %s %lld: times must not be negative", kind,
				(long long)ids[i]);
	int rc = may_call(s, 1, "restore_times");
	if (rc)
		return rc;
	/* its audit record hashes the arguments: (id, create, update) triples
	 * of little-endian 64-bit integers (docs/audit.md) */
	if (n > SIZE_MAX / 24)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "restore_times: %zu nodes is more than memory holds", n);
	uint8_t *raw = n ? malloc(n * 24) : NULL;
	if (n && !raw)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++) {
		const int64_t v[3] = { ids[i], create_time_ms[i], update_time_ms[i] };
		for (int k = 0; k < 3; k++)
			for (int b = 0; b < 8; b++)
				raw[i * 24 + (size_t)k * 8 + (size_t)b] = (uint8_t)((uint64_t)v[k] >> (8 * b));
	}
	char field[32];
	mlmd__snprintf(field, sizeof field, "%s_ids", kind);
	audit_call audit = { "RestoreTimes", raw ? (const void *)raw : "", n * 24, NULL, NULL, field, ids, n };
	rc = in_transaction(s, 1, restore_times, &rq, NULL, "restore_times", &audit);
	free(raw);
	return rc;
}

/* ---- transactions over several calls ------------------------------------------------------- */

int mlmd_store_begin(mlmd_store *s, int write)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_begin: store is NULL");
	if (s->txn_open)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "mlmd_store_begin: a transaction is already open on this handle (they do not nest)");
	int rc = may_call(s, write, "mlmd_store_begin");
	if (rc)
		return rc;
	if ((rc = mlmd__sql_begin(&s->sql, write != 0)))
		return mlmd__context(rc, "mlmd_store_begin");
	s->txn_open = 1;
	s->txn_write = write != 0;
	s->txn_failed = 0;
	s->txn_error[0] = '\0';
	return 0;
}

int mlmd_store_commit(mlmd_store *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_commit: store is NULL");
	if (!s->txn_open)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_commit: no transaction is open (mlmd_store_begin)");
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_commit: the store is running a call");
	s->txn_open = 0;
	if (s->txn_failed)
		return mlmd__fail(MLMD_ABORTED, "mlmd_store_commit: nothing was committed: the transaction was rolled "
				  "back when a call in it failed (%s)", s->txn_error);
	int rc = mlmd__sql_commit(&s->sql);
	if (rc) {
		mlmd__sql_rollback(&s->sql);
		if (s->listen)
			mlmd__listen_txn_end(s, 0);
		return mlmd__context(rc, "mlmd_store_commit: nothing was committed");
	}
	if (s->listen) /* the calls in it, told in the order they ran */
		mlmd__listen_txn_end(s, 1);
	return 0;
}

int mlmd_store_rollback(mlmd_store *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_rollback: store is NULL");
	if (!s->txn_open)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_rollback: no transaction is open (mlmd_store_begin)");
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_rollback: the store is running a call");
	s->txn_open = 0;
	if (!s->txn_failed)
		mlmd__sql_rollback(&s->sql);
	if (s->listen)
		mlmd__listen_txn_end(s, 0);
	return 0;
}

/*
 * store/rpc.c - running an RPC: by name over bytes (mlmd_store_call), or
 * typed (mlmd_store_<rpc>). Both go through run(), which runs the handler in
 * exactly one transaction and either commits all of it or none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rpc.h"

typedef int (*handler_fn)(call *c, const void *rq, void *rs);

typedef struct rpc_def {
	const char *name;
	handler_fn fn;
	int writes;
} rpc_def;

/* Thunks give every handler the same type, so calls need no pointer casts. */
#define THUNK(M, snake, w)                                              \
	static int thunk_##M(call *c, const void *rq, void *rs)         \
	{                                                               \
		return mlmd__rpc_##M(c, rq, rs);                        \
	}
MLMD_RPC_LIST(THUNK)
#undef THUNK

enum {
#define IDX(M, snake, w) RPC_##M,
	MLMD_RPC_LIST(IDX)
#undef IDX
	RPC_COUNT
};

static const rpc_def rpcs[RPC_COUNT] = {
#define DEF(M, snake, w)                                                                          \
	[RPC_##M] = { #M, thunk_##M, w },
	MLMD_RPC_LIST(DEF)
#undef DEF
};

/* The request and response types of an RPC, from the generated service
 * descriptor (so this file needs no generated message names). */
static const ProtobufCMethodDescriptor *method_of(const rpc_def *d)
{
	return protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__metadata_store_service__descriptor,
							       d->name);
}

/* Runs fn in one transaction of its own: all of it is committed, or none. */
static int in_transaction(mlmd_store *s, int writes, handler_fn fn, const void *rq, void *rs)
{
	call c = { .s = s, .now = mlmd__now_ms() };
	int rc = s->db->begin(s->db, writes);
	if (!rc) {
		s->in_txn = 1;
		rc = fn(&c, rq, rs);
		if (!rc)
			rc = s->db->commit(s->db);
		if (rc)
			s->db->rollback(s->db);
		s->in_txn = 0;
	}
	mlmd__call_cleanup(&c);
	return rc;
}

/* Runs RPC d on request rq. A request that did not come through
 * mlmd_store_call (whose bytes were checked before decoding) is checked in
 * memory for the same limits first. */
static int run(mlmd_store *s, const rpc_def *d, const ProtobufCMessage *rq, int checked, ProtobufCMessage **out)
{
	const ProtobufCMethodDescriptor *md = method_of(d);
	*out = NULL;
	if (!md)
		return mlmd__fail(MLMD_INTERNAL, "%s: not in the service descriptor", d->name);
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: store is NULL", d->name);
	if (!rq)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is NULL", d->name);
	if (rq->descriptor != md->input)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: request is a %s, expected %s", d->name,
				  rq->descriptor ? rq->descriptor->name : "(no descriptor)", md->input->name);
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "%s: the store is already running a call (one handle, one call at a time)", d->name);
	if (d->writes && s->read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the store was opened read-only", d->name);
	char what[96];
	mlmd__snprintf(what, sizeof what, "%s request", d->name);
	int rc;
	if (!checked && (rc = mlmd__pb_check_msg(rq, MLMD_MAX_NESTING, what)))
		return rc;
	ProtobufCMessage *rs = mlmd__msg_new(md->output);
	if (!rs)
		return MLMD_OOM();
	rc = in_transaction(s, d->writes, d->fn, rq, rs);
	if (rc) {
		mlmd__context(rc, "%s", d->name);
		protobuf_c_message_free_unpacked(rs, NULL);
		return rc;
	}
	*out = rs;
	return 0;
}

static const rpc_def *find_rpc(const char *name)
{
	for (int i = 0; i < RPC_COUNT; i++)
		if (strcmp(rpcs[i].name, name) == 0)
			return &rpcs[i];
	return NULL;
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
		return mlmd__fail(MLMD_UNIMPLEMENTED, "unknown method '%s': not an RPC of MetadataStoreService", method);
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
	ProtobufCMessage *rs = NULL;
	rc = run(s, d, rq, 1, &rs);
	protobuf_c_message_free_unpacked(rq, NULL);
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

#define TYPED(M, snake, w)                                                                          \
	int mlmd_store_##snake(mlmd_store *store, const Mlmd__Pb__##M##Request *req,                \
			       Mlmd__Pb__##M##Response **resp)                                      \
	{                                                                                           \
		if (!resp)                                                                          \
			return mlmd__fail(MLMD_INVALID_ARGUMENT, #M ": resp is NULL");              \
		return run(store, &rpcs[RPC_##M], req ? &req->base : NULL, 0, (ProtobufCMessage **)resp); \
	}
MLMD_RPC_LIST(TYPED)
#undef TYPED

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
		if ((rc = mlmd__q(c->s, &q, sql)))
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
	if (s->in_txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "restore_times: the store is already running a call (one handle, one call at a time)");
	if (s->read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "restore_times: the store was opened read-only");
	int rc = in_transaction(s, 1, restore_times, &rq, NULL);
	if (rc)
		mlmd__context(rc, "restore_times");
	return rc;
}

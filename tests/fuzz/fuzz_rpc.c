/*
 * tests/fuzz/fuzz_rpc.c - fuzz target for request bytes through
 * mlmd_store_call(), every RPC of MetadataStoreService, of
 * mlmd.tracking.TrackingService and of mlmd.governance's RegistryService,
 * AuditService and DataGovernanceService.
 *
 * An input is a short program of calls on a fresh in-memory store, so a
 * mutation can put types and nodes and then read, list and walk them:
 *
 *   repeated { u8 method; u16 length (little-endian); length bytes }
 *
 * `method` picks an RPC (modulo their number): MLMD_RPC_LIST's 52 first, then
 * the tracking RPCs in MLMD__TRACK_RPC_LIST's order (52 StartRun, ...), then
 * MLMD__REG_RPC_LIST's (62 CreateRegisteredModel, ...) and MLMD__AUDIT_RPC_LIST's
 * (78 GetAuditLog, ...); the bytes are the serialized request. The last
 * index (83) is not an RPC: its bytes become the store's actor
 * (mlmd_store_set_actor), so that a program can request a move as one
 * actor and approve it as another. The indices after it (84 DeleteNodes, ...)
 * are MLMD__DATA_RPC_LIST's, appended there so that the older seeds keep
 * their meaning, and MLMD__MON_RPC_LIST's (PutProfile, ...) after those. A
 * record that runs past the end takes what is left.
 * Each call must either succeed with a response that parses as the method's
 * response message, or fail with a canonical status whose code and message
 * mlmd_error_last() reports. Crashes, leaks and sanitizer reports are the
 * findings. tests/fuzz/make_rpc_corpus.py writes the seed corpus; FUZZ_RPC_TRACE=1
 * prints each call's status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd/rpc_list.h"
#include "store/track.h"
#include "store/governance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RPC_NAME(Method, snake, writes) #Method,
static const char *const rpcs[] = { MLMD_RPC_LIST(RPC_NAME) MLMD__TRACK_RPC_LIST(RPC_NAME)
				     MLMD__REG_RPC_LIST(RPC_NAME) MLMD__AUDIT_RPC_LIST(RPC_NAME) };
static const char *const data_rpcs[] = { MLMD__DATA_RPC_LIST(RPC_NAME) MLMD__MON_RPC_LIST(RPC_NAME) };
#undef RPC_NAME
#define N_RPCS (sizeof rpcs / sizeof rpcs[0])
#define N_DATA_RPCS (sizeof data_rpcs / sizeof data_rpcs[0])
#define MAX_CALLS 32
#define SET_ACTOR N_RPCS /* the method index that sets the actor */

static void rpc_call(mlmd_store *s, const char *method, const uint8_t *req, size_t len)
{
	const ProtobufCMethodDescriptor *md =
		protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__metadata_store_service__descriptor, method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__tracking__tracking_service__descriptor,
								      method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(
			&mlmd__pb__governance__registry_service__descriptor, method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__governance__audit_service__descriptor,
								      method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(
			&mlmd__pb__governance__data_governance_service__descriptor, method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(
			&mlmd__pb__governance__monitoring_service__descriptor, method);
	if (!md)
		abort();
	void *resp = NULL;
	size_t resp_len = 0;
	int rc = mlmd_store_call(s, method, req, len, &resp, &resp_len);
	if (getenv("FUZZ_RPC_TRACE")) /* to see what a seed does */
		fprintf(stderr, "%s: %s %s\n", method, mlmd_status_name(rc), rc ? mlmd_error_message() : "");
	if (rc == 0) {
		ProtobufCMessage *m = protobuf_c_message_unpack(md->output, NULL, resp_len, resp);
		if (!m) {
			fprintf(stderr, "%s: the response does not parse\n", method);
			abort();
		}
		protobuf_c_message_free_unpacked(m, NULL);
	} else {
		const mlmd_error *e = mlmd_error_last();
		if (rc > 0 || rc < -MLMD_UNAUTHENTICATED || e->code != -rc || !e->message[0]) {
			fprintf(stderr, "%s: status %d with error {%d, '%s'}\n", method, rc, e->code, e->message);
			abort();
		}
		if (resp) {
			fprintf(stderr, "%s: failed (%d) but handed out a response\n", method, rc);
			abort();
		}
	}
	mlmd_buffer_free(resp);
}

/* Sets the actor to the record's bytes (up to the first NUL); a bad name
 * must be refused with a message, the actor left as it was. */
static void set_actor(mlmd_store *s, const uint8_t *name, size_t len)
{
	char buf[300];
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, name, len);
	buf[len] = 0;
	char *before = strdup(mlmd_store_actor(s));
	if (!before)
		abort();
	int rc = mlmd_store_set_actor(s, buf);
	if (getenv("FUZZ_RPC_TRACE"))
		fprintf(stderr, "set actor '%s': %s %s\n", buf, mlmd_status_name(rc), rc ? mlmd_error_message() : "");
	if (rc ? !mlmd_error_message()[0] || strcmp(before, mlmd_store_actor(s)) : strcmp(buf, mlmd_store_actor(s)))
		abort();
	free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		abort();
	size_t at = 0;
	for (int n = 0; n < MAX_CALLS && at < size; n++) {
		size_t m = data[at++] % (N_RPCS + 1 + N_DATA_RPCS);
		size_t len = 0;
		if (at + 2 <= size) {
			len = (size_t)data[at] | (size_t)data[at + 1] << 8;
			at += 2;
		} else {
			at = size;
		}
		if (len > size - at)
			len = size - at;
		if (m == SET_ACTOR)
			set_actor(s, data + at, len);
		else if (m > SET_ACTOR)
			rpc_call(s, data_rpcs[m - SET_ACTOR - 1], data + at, len);
		else
			rpc_call(s, rpcs[m], data + at, len);
		at += len;
	}
	mlmd_store_free(s);
	return 0;
}

/*
 * tests/fuzz/fuzz_rpc.c - fuzz target for request bytes through
 * mlmd_store_call(), every RPC of MetadataStoreService and of
 * mlmd.tracking.TrackingService.
 *
 * An input is a short program of calls on a fresh in-memory store, so a
 * mutation can put types and nodes and then read, list and walk them:
 *
 *   repeated { u8 method; u16 length (little-endian); length bytes }
 *
 * `method` picks an RPC (modulo their number): MLMD_RPC_LIST's 52 first, then
 * the tracking RPCs in MLMD__TRACK_RPC_LIST's order (52 StartRun, ...); the bytes are
 * the serialized request. A record that runs past the end takes what is left.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RPC_NAME(Method, snake, writes) #Method,
static const char *const rpcs[] = { MLMD_RPC_LIST(RPC_NAME) MLMD__TRACK_RPC_LIST(RPC_NAME) };
#undef RPC_NAME
#define N_RPCS (sizeof rpcs / sizeof rpcs[0])
#define MAX_CALLS 16

static void rpc_call(mlmd_store *s, const char *method, const uint8_t *req, size_t len)
{
	const ProtobufCMethodDescriptor *md =
		protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__metadata_store_service__descriptor, method);
	if (!md)
		md = protobuf_c_service_descriptor_get_method_by_name(&mlmd__pb__tracking__tracking_service__descriptor,
								      method);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		abort();
	size_t at = 0;
	for (int n = 0; n < MAX_CALLS && at < size; n++) {
		const char *method = rpcs[data[at++] % N_RPCS];
		size_t len = 0;
		if (at + 2 <= size) {
			len = (size_t)data[at] | (size_t)data[at + 1] << 8;
			at += 2;
		} else {
			at = size;
		}
		if (len > size - at)
			len = size - at;
		rpc_call(s, method, data + at, len);
		at += len;
	}
	mlmd_store_free(s);
	return 0;
}

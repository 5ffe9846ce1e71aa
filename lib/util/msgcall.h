/*
 * util/msgcall.h - one RPC by message: pack the request, run it through
 * mlmd_store_call(), unpack the response. For the folders that are clients
 * of the public API (lib/governance, lib/tracking, lib/testing): it is
 * inline, so util itself never calls the store (the layers stay one-way).
 */
#ifndef MLMD_UTIL_MSGCALL_H
#define MLMD_UTIL_MSGCALL_H

#include <stdint.h>
#include <stdlib.h>
#include <mlmd.h>
#include "util/base.h"

/* Packs req, runs `method` and unpacks the response as `resp_desc` into
 * *resp (free it with protobuf_c_message_free_unpacked). `fn` names the
 * caller's public function in the NULL-store message. */
static inline int mlmd__msg_call(struct mlmd_store *store, const char *fn, const char *method,
				 const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
				 ProtobufCMessage **resp)
{
	*resp = NULL;
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: store is NULL", fn);
	size_t n = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = (uint8_t *)malloc(n ? n : 1);
	if (!buf)
		return MLMD_OOM();
	protobuf_c_message_pack(req, buf);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(store, method, buf, n, &out, &out_len);
	free(buf);
	if (rc)
		return rc;
	static const uint8_t empty[1];
	*resp = protobuf_c_message_unpack(resp_desc, NULL, out_len, out ? (const uint8_t *)out : empty);
	mlmd_buffer_free(out);
	if (!*resp)
		return mlmd__fail(MLMD_INTERNAL, "%s: the store's response does not decode as %s", method,
				  resp_desc->name);
	return 0;
}

#endif

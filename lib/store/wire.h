/*
 * store/wire.h - read RPCs answered straight in protobuf wire format.
 *
 * A wire handler runs inside the call's read transaction (store/rpc.c opens
 * and ends it, as for every handler) and appends the response's serialized
 * bytes to `out` as it reads the rows, without building protobuf-c structs
 * first. Its bytes must be exactly what packing the struct response of the
 * same RPC would give (tests compare both). The bytes entry point
 * (mlmd_store_call) returns them as they are; the typed entry points decode
 * them into one arena (util/arena.h), so both share one implementation.
 *
 * Errors are returned as every handler returns them (negative status, with
 * mlmd__fail's message); `out` is then discarded by the caller.
 */
#ifndef MLMD_STORE_WIRE_H
#define MLMD_STORE_WIRE_H

#include "store_private.h"

typedef int (*mlmd__wire_fn)(call *c, const ProtobufCMessage *rq, mlmd_buf *out);

/* The wire handler for this request of the RPC named `rpc` (e.g.
 * "GetArtifactsByID"), or NULL when it is answered through the RPC's struct
 * handler and packed (an RPC without a wire handler, or a request a wire
 * handler does not cover). store/wire.c asks each area in turn. */
mlmd__wire_fn mlmd__wire_handler(const char *rpc, const ProtobufCMessage *rq);

/* Each area's part of that choice: NULL when it has no handler for it. */
mlmd__wire_fn mlmd__wire_read_select(const char *rpc, const ProtobufCMessage *rq);    /* wire_read.c: nodes */
mlmd__wire_fn mlmd__wire_lineage_select(const char *rpc, const ProtobufCMessage *rq); /* wire_lineage.c */

/* Tests only: with on != 0, every read on this handle goes through its
 * struct handler, so a test can compare the two answers. */
void mlmd__store_set_no_wire(mlmd_store *s, int on);

#endif

/*
 * util/arena.h - decoding a typed read's response (store/rpc.c run_typed).
 *
 * A typed store call whose RPC has a wire handler (store/wire.h) gets its
 * response as wire bytes and decodes them here. Today they are decoded with
 * malloc, exactly as protobuf_c_message_unpack() does, so a response is
 * owned, changed and freed as every other message (mlmd_message_free, or
 * protobuf_c_message_free_unpacked, which callers and tests use on nodes
 * taken out of a response). The one-arena decoding of issue 22 (branch
 * wt22-arena) is not merged: it broke callers that free parts of a response
 * with protobuf-c directly. The other functions answer "not an arena message".
 */
#ifndef MLMD_UTIL_ARENA_H
#define MLMD_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Decodes `len` bytes (the library's own, already well formed) as a message
 * of type d into a new arena. On success *out is the root message; free it
 * with mlmd_message_free(). */
int mlmd__arena_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
		       ProtobufCMessage **out);

/* Whether m lives in an arena (any message of it, not only the root). */
int mlmd__arena_owns(const ProtobufCMessage *m);

/* Frees the whole arena m belongs to, when m is its root; 0 when m is not
 * an arena message (the caller frees it as a malloc'd one). */
int mlmd__arena_free_root(ProtobufCMessage *m);

/* Memory for a change to arena message m: n bytes from m's arena (never
 * freed on its own), or NULL when out of memory. */
void *mlmd__arena_alloc_for(const ProtobufCMessage *m, size_t n);

#endif

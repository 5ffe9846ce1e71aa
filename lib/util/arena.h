/*
 * util/arena.h - responses decoded into one arena.
 *
 * A typed store call whose RPC has a wire handler (store/wire.h) returns its
 * response decoded into one arena: every sub-message, array and string of it
 * lives in a few large blocks, which mlmd_message_free() releases together.
 * Each message in the arena is marked (so mlmd_message_free and the helpers
 * in store/message.c can tell an arena message from a malloc'd one) in a way
 * protobuf-c's pack and get_packed_size ignore. The helpers that change a
 * message (mlmd_message_append, mlmd_message_set_string, mlmd_node_set_*)
 * allocate from the arena when given an arena message, so changing a
 * response before putting it back works as it always did.
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

/*
 * util/arena.h - decoding a typed read's response (store/rpc.c run_typed).
 *
 * A typed store call whose RPC has a wire handler (store/wire.h) gets its
 * response as wire bytes and decodes them here, in one of two ways:
 * - mlmd__unpack_malloc: with malloc, exactly as protobuf_c_message_unpack()
 *   does. The typed functions (mlmd_store_get_artifacts_by_id...) and
 *   mlmd_store_call_typed() with flags 0 answer this way, so a response is
 *   owned, changed and freed as every other message (callers may take a node
 *   out and free it with protobuf_c_message_free_unpacked).
 * - mlmd__arena_unpack: into one arena, for mlmd_store_call_typed() with
 *   MLMD_CALL_ARENA. Every message, array and string of the response lives
 *   in a few large blocks that mlmd_message_free() on the root releases
 *   together. No part of it may be freed, kept or moved on its own.
 *
 * Each message in an arena is marked (so mlmd_message_free and the helpers
 * in store/message.c can tell an arena message from a malloc'd one) in a way
 * protobuf-c's pack and get_packed_size ignore (see util/arena.c). The
 * helpers that change a message allocate from the arena when given an arena
 * message. Arena memory is never freed or moved on its own: growing an
 * array takes a new one from the arena, and what it replaced stays until
 * the root is freed. A malloc'd message appended to an arena message is
 * adopted: marked like the rest, its own blocks freed with the root. One
 * thread at a time may change an arena (its parts share it).
 */
#ifndef MLMD_UTIL_ARENA_H
#define MLMD_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Decodes `len` bytes (the library's own, already well formed) as a new
 * malloc'd message of type d in *out; free it with mlmd_message_free() or
 * protobuf_c_message_free_unpacked(). 0, or a negative status. */
int mlmd__unpack_malloc(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
			ProtobufCMessage **out);

/* Decodes `len` bytes (the library's own answer, well formed; stored client
 * data inside may carry unknown fields) as a message of type d into a new
 * arena. On success *out is the root message; free it
 * with mlmd_message_free(). Bytes with fields d does not know (which the
 * mark cannot coexist with) are decoded with malloc instead: the answer is
 * the same, only its memory differs. */
int mlmd__arena_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
		       ProtobufCMessage **out);

/* Whether m lives in an arena (any message of it, the root too). */
int mlmd__arena_owns(const ProtobufCMessage *m);

/* Whether m is the root of its arena. */
int mlmd__arena_is_root(const ProtobufCMessage *m);

/* For an arena message: frees the whole arena when m is its root, does
 * nothing when m is any other part of it (freed with the root), and
 * returns 1. Returns 0 when m is not an arena message (the caller frees it
 * as a malloc'd one). */
int mlmd__arena_free_root(ProtobufCMessage *m);

/* Memory for a change to arena message m: n bytes from m's arena (never
 * freed on its own; aligned for any protobuf-c struct), or NULL when out of
 * memory. */
void *mlmd__arena_alloc_for(const ProtobufCMessage *m, size_t n);

/* A copy of string s in arena message m's arena, or NULL when out of memory. */
char *mlmd__arena_strdup_for(const ProtobufCMessage *m, const char *s);

/* A new initialised message of type d in arena message m's arena, marked as
 * an arena message, or NULL when out of memory. */
void *mlmd__arena_new_for(const ProtobufCMessage *m, const ProtobufCMessageDescriptor *d);

/* Makes room for element n (0-based) of the array *arr holding n elements
 * of `elem` bytes, a field of arena message m: when the array is full a
 * larger one is taken from the arena and the n elements copied to it (the
 * old one is not freed). Appends cost O(1) amortised. 0, -RESOURCE_EXHAUSTED,
 * or -INTERNAL when m is not an arena message. */
int mlmd__arena_grow_for(const ProtobufCMessage *m, void **arr, size_t n, size_t elem);

/* Makes `foreign`, a malloc'd message (with everything it holds), part of
 * arena message m's arena: marked as an arena message, so the helpers
 * allocate from the arena for it and mlmd_message_free ignores it, and its
 * malloc'd blocks are freed with the arena's root. 0; -INVALID_ARGUMENT
 * when it holds unknown fields or an arena message, or nests deeper than
 * MLMD_MAX_NESTING; -RESOURCE_EXHAUSTED. On failure nothing changed (the
 * caller still owns foreign). */
int mlmd__arena_adopt(const ProtobufCMessage *m, ProtobufCMessage *foreign);

/* Tests only: the number of blocks of m's arena and the bytes handed out
 * from them; 0 when m is not an arena message. */
int mlmd__arena_stats(const ProtobufCMessage *m, size_t *blocks, size_t *used);

#endif

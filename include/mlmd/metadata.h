/*
 * mlmd/metadata.h - the typed MLMD API: one function per RPC over the
 * protobuf-c structs generated from the proto files (names Mlmd__Pb__*),
 * and helpers for building messages and reading and writing properties.
 *
 * This is the part of the store's API that needs protobuf-c on the include
 * path (and the generated headers, installed under mlmd/proto); mlmd/store.h
 * has the rest (open, the bytes call, transactions) without it.
 */
#ifndef MLMD_METADATA_H
#define MLMD_METADATA_H

#include "common.h"
#include "error.h"
#include "store.h"
#include "rpc_list.h"
#include <protobuf-c/protobuf-c.h>
#include "ml_metadata/proto/metadata_store_service.pb-c.h"

MLMD_BEGIN_DECLS

/*
 * Typed calls, one per RPC (see rpc_list.h), for example
 *   int mlmd_store_put_artifacts(mlmd_store *store,
 *           const Mlmd__Pb__PutArtifactsRequest *req,
 *           Mlmd__Pb__PutArtifactsResponse **resp);
 * The request stays the caller's. On success *resp is a new message; free it
 * with mlmd_message_free(). On failure *resp is NULL.
 */
#define MLMD__DECLARE_RPC(M, snake, writes)                                  \
	MLMD_EXTERN(int) mlmd_store_##snake(mlmd_store *store,               \
					    const Mlmd__Pb__##M##Request *req,  \
					    Mlmd__Pb__##M##Response **resp);
MLMD_RPC_LIST(MLMD__DECLARE_RPC)
#undef MLMD__DECLARE_RPC

/* Flags for mlmd_store_call_typed(). */
#define MLMD_CALL_ARENA 1u

/* The typed call of RPC `method` (named as in mlmd_store_call:
 * "GetArtifactsByID"), with `request` a message of that RPC's request type
 * (NULL: an empty request) and on success *response a new message of its
 * response type; on failure *response is NULL. The request stays the
 * caller's.
 * flags 0 does exactly what the RPC's typed function does
 * (mlmd_store_get_artifacts_by_id...): the response is malloc'd as every
 * message; free it with mlmd_message_free().
 * MLMD_CALL_ARENA: the response may live in one arena (a few large blocks):
 * cheaper to build and to free. Then, and only then, the response is owned
 * as a whole: free it with mlmd_message_free() on the response itself; no
 * part of it may be freed on its own (not with mlmd_message_free, which
 * ignores a part, not with protobuf_c_message_free_unpacked or free(), which
 * would crash), kept after the response is freed, or moved into another
 * message (mlmd_message_append refuses it); copy what you keep with
 * mlmd_message_copy(). The message helpers (mlmd_message_append*,
 * mlmd_message_set_string, the property setters) work on it and allocate
 * from its arena; a malloc'd item appended to it becomes part of it (freed
 * with the response, and then subject to the same rules). Its parts share
 * the arena, so one thread at a time may change any of them (reading from
 * many threads is fine). The responses of RPCs not answered from wire
 * bytes (writes, type reads) and a response holding fields this library
 * does not know (a stored proto property can) are malloc'd instead, as with
 * flags 0: mlmd_message_is_arena() tells which; code that keeps the rules
 * above is right on either.
 * Errors: INVALID_ARGUMENT for an unknown method, a request of another
 * type, an unknown flag bit, or NULL response; otherwise the typed call's. */
MLMD_EXTERN(int) mlmd_store_call_typed(mlmd_store *store, const char *method, const void *request,
				       unsigned flags, void **response);

/* ---- message helpers (work on any generated message) ------------------- *
 * They accept messages from any source: built with mlmd_message_new(),
 * decoded by protobuf_c_message_unpack() with the default allocator, or
 * filled by the caller. Repeated fields are grown with realloc(), so their
 * arrays (like every string and sub-message the message holds) must come
 * from malloc, which is also what mlmd_message_free() assumes; their
 * capacity is never inferred from the count, so exactly sized arrays are
 * fine. A message unpacked with a custom ProtobufCAllocator is not. On an
 * arena response (mlmd_store_call_typed with MLMD_CALL_ARENA) or any part of
 * it they allocate from its arena and never free what they replace (the
 * arena frees it with the response). */

/* A new, initialised message of the given type (e.g.
 * &mlmd__pb__artifact__descriptor), or NULL when out of memory.
 * Free it with mlmd_message_free(), which also frees everything it owns. */
MLMD_EXTERN(void *) mlmd_message_new(const ProtobufCMessageDescriptor *type);

/* Decodes serialized bytes from outside (a file, a socket) into a new message
 * of the given type, after checking them as mlmd_store_call() checks a
 * request: nesting within MLMD_MAX_NESTING, no NUL byte inside a string, no
 * enum value the enum does not define, well-formed wire format. A failure is
 * INVALID_ARGUMENT naming the field's path; nothing is allocated then. On
 * success *out is a new message; free it with mlmd_message_free(). Use this
 * instead of protobuf_c_message_unpack(), whose recursion a deeply nested
 * input can drive off the stack. */
MLMD_EXTERN(int) mlmd_message_unpack(const ProtobufCMessageDescriptor *type, const void *data, size_t len,
				     void **out);

/* Frees a message and everything it owns. NULL is a no-op. Every string,
 * sub-message and array it holds must come from malloc (as the helpers here
 * do), except in a response of mlmd_store_call_typed(..., MLMD_CALL_ARENA,
 * ...): that response frees its arena whole, and a part of it passed here
 * is left alone (it is freed with the response). */
MLMD_EXTERN(void) mlmd_message_free(void *message);

/* A deep copy of `message` (any message, an arena response's part too) in
 * *out, malloc'd as every message: free it with mlmd_message_free(). It is
 * packed and decoded, so it costs what a round trip through bytes does.
 * INVALID_ARGUMENT when message is not a message or out is NULL. */
MLMD_EXTERN(int) mlmd_message_copy(const void *message, void **out);

/* Appends `item` (a message from mlmd_message_new()) to the repeated message
 * field `field` of `message`; on success the message owns the item, on
 * failure the caller still owns it. An item that is part of an arena
 * response (MLMD_CALL_ARENA), an item appended to one included, is never
 * moved or linked a second time, even within its response: INVALID_ARGUMENT
 * (append a copy from mlmd_message_copy()). Appended to an arena response,
 * an item holding fields this library does not know is refused the same
 * way (INVALID_ARGUMENT). */
MLMD_EXTERN(int) mlmd_message_append(void *message, const char *field, void *item);

/* 1 when `message` is a response of mlmd_store_call_typed(...,
 * MLMD_CALL_ARENA, ...) decoded into an arena, or any part of one (an item
 * appended to it included); 0 for every other message and NULL. */
MLMD_EXTERN(int) mlmd_message_is_arena(const void *message);

/* Appends an integer to a repeated int64/int32 field (e.g. "artifact_ids"). */
MLMD_EXTERN(int) mlmd_message_append_int64(void *message, const char *field, int64_t value);

/* Sets the string field `field` to a copy of value (NULL clears it). */
MLMD_EXTERN(int) mlmd_message_set_string(void *message, const char *field, const char *value);

/* Appends a copy of value to a repeated string field (e.g. "external_ids"). */
MLMD_EXTERN(int) mlmd_message_append_string(void *message, const char *field, const char *value);

/* Properties of an Artifact, Execution or Context. `custom` selects
 * custom_properties (1) or properties (0). Setting replaces any value under
 * the same name; the node owns the copies. */
MLMD_EXTERN(int) mlmd_node_set_int(void *node, int custom, const char *name, int64_t value);
MLMD_EXTERN(int) mlmd_node_set_double(void *node, int custom, const char *name, double value);
MLMD_EXTERN(int) mlmd_node_set_string(void *node, int custom, const char *name, const char *value);
MLMD_EXTERN(int) mlmd_node_set_bool(void *node, int custom, const char *name, int value);

/* The value of a property, or NULL when the node has none under that name.
 * The returned value is borrowed from the node. */
MLMD_EXTERN(const Mlmd__Pb__Value *) mlmd_node_get(const void *node, int custom, const char *name);

/* Adds a property definition to an ArtifactType, ExecutionType or ContextType. */
MLMD_EXTERN(int) mlmd_type_add_property(void *type, const char *name, Mlmd__Pb__PropertyType value_type);

MLMD_END_DECLS

#endif

/*
 * lib/util/pbutil.h - helpers for protobuf-c messages: new messages, the
 * checks on bytes and messages from outside, google.protobuf.Struct as JSON.
 */
#ifndef MLMD_UTIL_PBUTIL_H
#define MLMD_UTIL_PBUTIL_H

#include "base.h"
#include "mlmd.h"

/* A new initialised message, or NULL. */
void *mlmd__msg_new(const ProtobufCMessageDescriptor *d);

/* Limits on messages from outside (util/pbcheck.c). mlmd__pb_check_wire
 * reads serialized bytes of message type d, before protobuf-c unpacks them,
 * without recursion: it refuses (INVALID_ARGUMENT, the message naming the
 * field's path, prefixed with `what`) messages nested deeper than
 * max_depth (at most MLMD_MAX_NESTING; the top level is depth 0), strings
 * with a NUL byte, proto3 strings that are not UTF-8, enum values the enum
 * does not define, and malformed bytes. mlmd__pb_check_msg checks a message
 * in memory for the same depth and enum rules. */
int mlmd__pb_check_wire(const ProtobufCMessageDescriptor *d, const void *buf, size_t len, int max_depth,
			const char *what);
int mlmd__pb_check_msg(const ProtobufCMessage *m, int max_depth, const char *what);

/* MLMD's enums by the names the protos give them (util/pbnames.c):
 * "UNKNOWN" for a value the enum does not define. */
const char *mlmd__event_type_name(int type);
const char *mlmd__execution_state_name(int state);
/* Whether an event of this type reads the artifact into the execution
 * (DECLARED_INPUT, INPUT, INTERNAL_INPUT); every other defined type but
 * UNKNOWN writes it (mlmd__event_is_output). */
int mlmd__event_is_input(int type);
int mlmd__event_is_output(int type);

/* google.protobuf.Struct <-> JSON text (util/json.c). */
int mlmd__struct_to_json(const Mlmd__Pb__Wkt__Struct *s, mlmd_buf *out);
int mlmd__json_to_struct(const char *json, size_t len, Mlmd__Pb__Wkt__Struct **out);

#endif

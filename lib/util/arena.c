/*
 * util/arena.c - responses decoded into one arena (util/arena.h).
 */
#include "arena.h"
#include "base.h"

int mlmd__arena_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
		       ProtobufCMessage **out)
{
	/* decoded with malloc, freed as every other message (arena.h) */
	*out = protobuf_c_message_unpack(d, NULL, len, data ? data : (const uint8_t *)"");
	return *out ? 0 : mlmd__fail(MLMD_INTERNAL, "%s: %zu response bytes do not decode", d->name, len);
}

int mlmd__arena_owns(const ProtobufCMessage *m)
{
	(void)m;
	return 0;
}

int mlmd__arena_free_root(ProtobufCMessage *m)
{
	(void)m;
	return 0;
}

void *mlmd__arena_alloc_for(const ProtobufCMessage *m, size_t n)
{
	(void)m;
	(void)n;
	return NULL;
}

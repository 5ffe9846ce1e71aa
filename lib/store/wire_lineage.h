/*
 * store/wire_lineage.h - what the two files of GetLineageSubgraph's wire
 * handler share: a minimal protobuf writer over mlmd_buf (the encodings
 * protobuf-c's pack gives: int32 and enums sign-extended to ten bytes,
 * little-endian doubles, varint lengths) and the node writer of
 * store/wire_lineage_nodes.c.
 */
#ifndef MLMD_STORE_WIRE_LINEAGE_H
#define MLMD_STORE_WIRE_LINEAGE_H

#include <stdlib.h>
#include <string.h>
#include "wire.h"

/* ---- a minimal protobuf writer over mlmd_buf ------------------------------------------ */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

/* Makes room for n more bytes (plus the NUL mlmd_buf keeps room for). */
static inline int wb_grow(mlmd_buf *b, size_t n)
{
	if (b->oom)
		return -1;
	size_t cap = b->cap ? b->cap : 1024; /* a walk's section in one allocation, mostly */
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static inline int wb_room(mlmd_buf *b, size_t n)
{
	return !b->oom && b->len + n + 1 <= b->cap ? 0 : wb_grow(b, n);
}

static inline void wb_varint(mlmd_buf *b, uint64_t v)
{
	if (wb_room(b, 10))
		return;
	uint8_t *p = (uint8_t *)b->p + b->len;
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	b->len += n;
}

static inline void wb_tag(mlmd_buf *b, unsigned field, unsigned wt)
{
	wb_varint(b, (uint64_t)field << 3 | wt);
}

static inline void wb_raw(mlmd_buf *b, const void *p, size_t n)
{
	if (n && !wb_room(b, n)) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	}
}

/* int64 (and uint64) fields: the value's two's complement as a varint. */
static inline void wb_i64(mlmd_buf *b, unsigned field, int64_t v)
{
	wb_tag(b, field, WT_VARINT);
	wb_varint(b, (uint64_t)v);
}

/* int32 and enum fields: negative values sign-extended to ten bytes. */
static inline void wb_i32(mlmd_buf *b, unsigned field, int32_t v)
{
	wb_tag(b, field, WT_VARINT);
	wb_varint(b, (uint64_t)(int64_t)v);
}

static inline void wb_double(mlmd_buf *b, unsigned field, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(u >> (8 * i));
	wb_tag(b, field, WT_I64);
	wb_raw(b, le, sizeof le);
}

static inline void wb_bytes(mlmd_buf *b, unsigned field, const void *p, size_t n)
{
	wb_tag(b, field, WT_LEN);
	wb_varint(b, n);
	wb_raw(b, p, n);
}

static inline void wb_str(mlmd_buf *b, unsigned field, const char *s)
{
	wb_bytes(b, field, s, strlen(s));
}

/* Starts a length-delimited field whose length comes later: returns where
 * its one-byte length slot is, for wb_end(). */
static inline size_t wb_begin(mlmd_buf *b, unsigned field)
{
	wb_tag(b, field, WT_LEN);
	wb_room(b, 1);
	size_t at = b->len;
	if (!b->oom)
		b->len++;
	return at;
}

/* Ends the field wb_begin() started at `at`: fills in its length, moving
 * the body up when the length takes more than one byte. */
static inline void wb_end(mlmd_buf *b, size_t at)
{
	if (b->oom)
		return;
	size_t n = b->len - at - 1;
	if (n < 0x80) {
		b->p[at] = (char)n;
		return;
	}
	size_t k = 1;
	for (size_t v = n; v >= 0x80; v >>= 7)
		k++;
	if (wb_room(b, k - 1))
		return;
	memmove(b->p + at + k, b->p + at + 1, n);
	size_t end = b->len + k - 1;
	b->len = at;
	wb_varint(b, n);
	b->len = end;
}

/* A message field packed by protobuf-c (Any, Struct, types: rare or few). */
static inline void wb_message(mlmd_buf *b, unsigned field, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	wb_tag(b, field, WT_LEN);
	wb_varint(b, n);
	if (!wb_room(b, n))
		b->len += protobuf_c_message_pack(m, (uint8_t *)b->p + b->len);
}

/* A stored google.protobuf.Any blob, written as packing its parse gives
 * (the blob may hold unknown fields in another order); NULL when it does not
 * parse. */
static inline int wb_any(mlmd_buf *b, unsigned field, const void *blob, size_t n)
{
	Mlmd__Pb__Wkt__Any *any = mlmd__pb__wkt__any__unpack(NULL, n, blob);
	if (!any)
		return -1;
	wb_message(b, field, &any->base);
	protobuf_c_message_free_unpacked(&any->base, NULL);
	return 0;
}

/* The type ids of written nodes, each once, in first-seen order. */
typedef struct type_ids {
	mlmd__idset seen;
	int64_t *ids;
	size_t n;
} type_ids;

static inline int type_ids_add(type_ids *t, int64_t id)
{
	int added = mlmd__idset_add(&t->seen, id);
	if (added < 0 || (added && mlmd__push_i64(&t->ids, &t->n, id)))
		return MLMD_OOM();
	return 0;
}

static inline void type_ids_free(type_ids *t)
{
	free(t->seen.v);
	free(t->ids);
}

/* Nodes a walk's hydrating hops read (mlmd__walk.hydrate), by kind: each
 * node's fields before its properties (buf[off, split)), its property
 * entries (buf[split, props_end)), and its tombstone marks with the fields
 * after (tails[tail, tail_end)). */
typedef struct wire_row {
	int64_t id, type_id;
	size_t off, split, props_end, tail, tail_end;
} wire_row;
typedef struct wire_rows {
	mlmd_buf buf, tails;
	wire_row *v;
	size_t n, cap;
	int64_t dropped; /* a node whose rows are passed over (it could not be written) */
} wire_rows;
/* The walk's hydrate callback (mlmd__walk_row_fn); ctx is wire_rows[2], by
 * kind. A node that cannot be written is left out: its load statements
 * read it again, and fail then only if the node is in the result. */
int mlmd__wire_lineage_hydrate(void *ctx, int kind, int64_t id, sqlq *q, int base, int more);
/* Sorts the rows by id, for mlmd__wire_lineage_nodes. */
void mlmd__wire_rows_sort(wire_rows *r);
void mlmd__wire_rows_free(wire_rows *r);

/* Writes the nodes `ids` (sorted, each once; absent ones skipped) of kind k
 * as field `field` of `out`, as mlmd__node_load_ids loads them: with `walk`
 * set, tombstones included and marked (what a walk's nodes get), else as any
 * other read on this call. Their type ids go to `types` when not NULL. With
 * `walk`, a chunk whose nodes are all in `pre` (sorted; NULL: none) is
 * written from it, with no statement. */
int mlmd__wire_lineage_nodes(call *c, const node_kind *k, const int64_t *ids, size_t n, int walk, mlmd_buf *out,
			     unsigned field, type_ids *types, const wire_rows *pre);
/* The types `t` of one kind as field `field` (packed by protobuf-c: a
 * response has a few). */
int mlmd__wire_lineage_types(call *c, int kind, const type_ids *t, mlmd_buf *out, unsigned field);

#endif

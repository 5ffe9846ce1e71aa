/*
 * util/pbwire.h - the few protobuf wire-format encoders the wire handlers
 * (store/wire.h) write responses with.
 *
 * Each writes into an mlmd_buf (util/base.h), whose oom flag records a
 * failed allocation: check it once at the end. The encodings are those
 * protobuf-c's pack gives for the same field, so that bytes written here
 * equal packing the struct: int32 and enum values are sign-extended to ten
 * bytes when negative, lengths are varints, doubles are little-endian
 * fixed64. Sizes (pbw_*_size) let a caller write a length before the bytes
 * it covers without writing them twice.
 */
#ifndef MLMD_UTIL_PBWIRE_H
#define MLMD_UTIL_PBWIRE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base.h"

enum { PBW_VARINT = 0, PBW_FIXED64 = 1, PBW_LEN = 2 };

/* Bytes a varint of v takes (1 to 10). */
static inline size_t pbw_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Makes room for n more bytes; NULL (and b->oom set) when out of memory. */
static inline uint8_t *pbw_reserve(mlmd_buf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return (uint8_t *)b->p + b->len;
}

static inline void pbw_varint(mlmd_buf *b, uint64_t v)
{
	uint8_t *p = pbw_reserve(b, 10);
	if (!p)
		return;
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	b->len += n;
}

static inline size_t pbw_tag_size(uint32_t field)
{
	return pbw_varint_size((uint64_t)field << 3);
}

static inline void pbw_tag(mlmd_buf *b, uint32_t field, int wire_type)
{
	pbw_varint(b, ((uint64_t)field << 3) | (uint64_t)wire_type);
}

static inline void pbw_bytes(mlmd_buf *b, const void *p, size_t n)
{
	uint8_t *d = pbw_reserve(b, n);
	if (d && n) {
		memcpy(d, p, n);
		b->len += n;
	}
}

/* Field sizes, tag included. */
static inline size_t pbw_int64_size(uint32_t field, int64_t v)
{
	return pbw_tag_size(field) + pbw_varint_size((uint64_t)v);
}

static inline size_t pbw_len_size(uint32_t field, size_t n)
{
	return pbw_tag_size(field) + pbw_varint_size(n) + n;
}

/* int64, and int32/enum (sign-extended as protobuf-c packs them). */
static inline void pbw_int64(mlmd_buf *b, uint32_t field, int64_t v)
{
	pbw_tag(b, field, PBW_VARINT);
	pbw_varint(b, (uint64_t)v);
}

static inline void pbw_bool(mlmd_buf *b, uint32_t field, int v)
{
	pbw_tag(b, field, PBW_VARINT);
	pbw_varint(b, v ? 1 : 0);
}

static inline void pbw_double(mlmd_buf *b, uint32_t field, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	pbw_tag(b, field, PBW_FIXED64);
	uint8_t *p = pbw_reserve(b, 8);
	if (!p)
		return;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(u >> (8 * i));
	b->len += 8;
}

/* A length-delimited field (string, bytes, or an already encoded message). */
static inline void pbw_lenfield(mlmd_buf *b, uint32_t field, const void *p, size_t n)
{
	pbw_tag(b, field, PBW_LEN);
	pbw_varint(b, n);
	pbw_bytes(b, p, n);
}

/* The header of a length-delimited field whose n bytes the caller writes next. */
static inline void pbw_lenhead(mlmd_buf *b, uint32_t field, size_t n)
{
	pbw_tag(b, field, PBW_LEN);
	pbw_varint(b, n);
}

#endif

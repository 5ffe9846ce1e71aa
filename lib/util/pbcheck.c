/*
 * util/pbcheck.c - limits on protobuf messages that come from outside.
 *
 * protobuf_c_message_unpack() recurses once per nested message, so a request
 * of a few kilobytes nesting google.protobuf.Value 5,000 deep exhausts the
 * stack before any check of ours runs; it also turns strings into C strings,
 * cutting them at an embedded NUL, and keeps enum values it does not know.
 * mlmd__pb_check_wire() therefore reads the wire bytes first, without
 * recursion and without allocating, following the descriptors: it refuses
 * messages nested deeper than a limit, strings holding a NUL byte (and, in
 * proto3 fields, strings that are not UTF-8, which protobuf's own parsers
 * refuse), enum values the enum does not define, and bytes that are not
 * well-formed protobuf. mlmd__pb_check_msg() applies the same depth and enum
 * rules to a message built in memory (the typed C API), also without
 * recursion, so that a message nested too deep (or a cycle) is refused
 * rather than followed.
 *
 * Depth counts nested messages: the top-level message is at depth 0, a
 * message in one of its fields at depth 1, and so on. Map entries are
 * messages too (a map<string, Value> costs a level for the entry).
 */
#include <string.h>
#include "pbutil.h"

#define PATH_FRAMES 6 /* frames named in a message before "..." */

/* ---- paths for messages ------------------------------------------------------------------ */

typedef struct path_step {
	const ProtobufCFieldDescriptor *f;
	long index; /* element of a repeated field, or -1 */
} path_step;

/* Writes "a[0].b.c" for steps[0..n), eliding the middle of long paths. */
static void path_text(char *out, size_t len, const path_step *steps, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && at + 1 < len; i++) {
		if (n > 2 * PATH_FRAMES && i == PATH_FRAMES) {
			at += (size_t)mlmd__snprintf(out + at, len - at, ".(%zu more levels)", n - 2 * PATH_FRAMES);
			i = n - PATH_FRAMES - 1;
			continue;
		}
		int w = steps[i].index >= 0
			? mlmd__snprintf(out + at, len - at, "%s%s[%ld]", i ? "." : "", steps[i].f->name, steps[i].index)
			: mlmd__snprintf(out + at, len - at, "%s%s", i ? "." : "", steps[i].f->name);
		if (w < 0)
			break;
		at += (size_t)w;
		if (at >= len)
			at = len - 1;
	}
}

/* ---- UTF-8 ------------------------------------------------------------------------------- */

size_t mlmd__utf8_seq_len(const void *bytes, size_t n)
{
	const uint8_t *s = bytes;
	uint8_t c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp, min;
	if ((c & 0xE0) == 0xC0)
		len = 2, cp = c & 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		len = 3, cp = c & 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t j = 1; j < len; j++) {
		if ((s[j] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[j] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* Whether p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at
 * most U+10FFFF), as protobuf requires of proto3 string fields. */
int mlmd__utf8_valid(const void *bytes, size_t n)
{
	const uint8_t *p = bytes;
	for (size_t i = 0; i < n;) {
		size_t len = mlmd__utf8_seq_len(p + i, n - i);
		if (!len)
			return 0;
		i += len;
	}
	return 1;
}

/* ---- wire bytes ---------------------------------------------------------------------------- */

/* Reads a varint at p[*at..end); 0 on success. */
static int varint(const uint8_t *p, size_t end, size_t *at, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 70 && *at < end; shift += 7) {
		uint8_t b = p[(*at)++];
		r |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Skips the value of a field of wire type wt at p[*at..end); 0 on success. */
static int skip_value(const uint8_t *p, size_t end, size_t *at, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return varint(p, end, at, &v);
	case 1:
		if (end - *at < 8)
			return -1;
		*at += 8;
		return 0;
	case 2:
		if (varint(p, end, at, &v) || v > end - *at)
			return -1;
		*at += (size_t)v;
		return 0;
	case 5:
		if (end - *at < 4)
			return -1;
		*at += 4;
		return 0;
	default: /* groups (deprecated; protobuf-c cannot read them) and invalid types */
		return -1;
	}
}

typedef struct wire_frame {
	const ProtobufCMessageDescriptor *d;
	size_t start, end;           /* the message's bytes */
	size_t tag_at;               /* where the field that entered the child frame starts */
	const ProtobufCFieldDescriptor *via; /* that field, in the parent frame */
} wire_frame;

/* The element index of the field at frame->tag_at among the fields with the
 * same number before it in that frame (for messages only). */
static long occurrence(const uint8_t *p, const wire_frame *fr, const ProtobufCFieldDescriptor *f)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return -1;
	long n = 0;
	size_t at = fr->start;
	while (at < fr->tag_at) {
		uint64_t tag;
		if (varint(p, fr->end, &at, &tag) || skip_value(p, fr->end, &at, (unsigned)(tag & 7)))
			break;
		n += (tag >> 3) == f->id;
	}
	return n;
}

/* Fails with the path to (and including) field f in frame `top`. */
static int wire_fail(const uint8_t *p, const wire_frame *st, int top, const ProtobufCFieldDescriptor *f,
		     size_t f_at, const char *what, const char *msg)
{
	path_step steps[MLMD_MAX_NESTING + 2] = { { NULL, -1 } };
	size_t n = 0;
	for (int i = 1; i <= top; i++) {
		wire_frame parent = st[i - 1];
		parent.tag_at = st[i].tag_at;
		steps[n].f = st[i].via;
		steps[n++].index = occurrence(p, &parent, st[i].via);
	}
	if (f) {
		wire_frame here = st[top];
		here.tag_at = f_at;
		steps[n].f = f;
		steps[n++].index = occurrence(p, &here, f);
	}
	char path[512];
	path_text(path, sizeof path, steps, n);
	if (!msg) /* malformed */
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu bytes do not parse as %s (%s%snot well-formed protobuf)",
				  what, st[0].end, st[0].d->name, path, n ? ": " : "");
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s%s%s", what, path, n ? ": " : "", msg);
}

static const char *const malformed = NULL;

/* An enum value on the wire (an int32, as protobuf reads it) must be one the
 * enum defines. */
static int enum_check(const uint8_t *p, const wire_frame *st, int top, const ProtobufCFieldDescriptor *f,
		      size_t f_at, const char *what, uint64_t v)
{
	int iv = (int)(int32_t)(uint32_t)v;
	if (protobuf_c_enum_descriptor_get_value(f->descriptor, iv))
		return 0;
	char msg[160];
	mlmd__snprintf(msg, sizeof msg,
		       "%d is not a value of %s (mlmd refuses values it could neither filter on nor give back)", iv,
		       ((const ProtobufCEnumDescriptor *)f->descriptor)->name);
	return wire_fail(p, st, top, f, f_at, what, msg);
}

int mlmd__pb_check_wire(const ProtobufCMessageDescriptor *d, const void *buf, size_t len, int max_depth,
			const char *what)
{
	const uint8_t *p = buf;
	wire_frame st[MLMD_MAX_NESTING + 2];
	if (max_depth > MLMD_MAX_NESTING)
		max_depth = MLMD_MAX_NESTING;
	int top = 0, rc;
	st[0] = (wire_frame){ d, 0, len, 0, NULL };
	size_t at = 0;
	if (len && !p)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: no bytes", what);
	for (;;) {
		while (at == st[top].end) {
			if (top == 0)
				return 0;
			top--;
		}
		size_t tag_at = at;
		uint64_t tag;
		if (varint(p, st[top].end, &at, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
			return wire_fail(p, st, top, NULL, 0, what, malformed);
		unsigned wt = (unsigned)(tag & 7);
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(st[top].d, (unsigned)(tag >> 3));
		if (f && wt == 2 && (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING ||
				     f->type == PROTOBUF_C_TYPE_ENUM)) {
			uint64_t n;
			if (varint(p, st[top].end, &at, &n) || n > st[top].end - at)
				return wire_fail(p, st, top, f, tag_at, what, malformed);
			size_t body = at;
			if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (top + 1 > max_depth) {
					char msg[160];
					mlmd__snprintf(msg, sizeof msg,
						       "messages nest deeper than %d levels (the limit that keeps what mlmd "
						       "stores readable by protobuf's parsers, which stop at 100)", max_depth);
					return wire_fail(p, st, top, f, tag_at, what, msg);
				}
				st[top + 1] = (wire_frame){ f->descriptor, body, body + (size_t)n, tag_at, f };
				top++;
				continue; /* read the child's fields next */
			}
			at = body + (size_t)n;
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				const uint8_t *nul = memchr(p + body, 0, (size_t)n);
				if (nul) {
					char msg[160];
					mlmd__snprintf(msg, sizeof msg,
						       "the string holds a NUL byte (byte %zu of %llu); mlmd refuses such "
						       "strings rather than cut them", (size_t)(nul - (p + body)) + 1,
						       (unsigned long long)n);
					return wire_fail(p, st, top, f, tag_at, what, msg);
				}
				if (f->label == PROTOBUF_C_LABEL_NONE && !mlmd__utf8_valid(p + body, (size_t)n))
					return wire_fail(p, st, top, f, tag_at, what,
							 "the string is not valid UTF-8, which this proto3 field requires "
							 "(protobuf's parsers refuse it)");
				continue;
			}
			/* packed enums */
			size_t e = body;
			while (e < at) {
				uint64_t v;
				if (varint(p, at, &e, &v))
					return wire_fail(p, st, top, f, tag_at, what, malformed);
				if ((rc = enum_check(p, st, top, f, tag_at, what, v)))
					return rc;
			}
			continue;
		}
		if (f && wt == 0 && f->type == PROTOBUF_C_TYPE_ENUM) {
			uint64_t v;
			if (varint(p, st[top].end, &at, &v))
				return wire_fail(p, st, top, f, tag_at, what, malformed);
			if ((rc = enum_check(p, st, top, f, tag_at, what, v)))
				return rc;
			continue;
		}
		if (skip_value(p, st[top].end, &at, wt))
			return wire_fail(p, st, top, f, tag_at, what, malformed);
	}
}

/* ---- messages in memory ---------------------------------------------------------------------- */

typedef struct mem_frame {
	const ProtobufCMessage *m;
	unsigned fi;                 /* next field to look at */
	size_t ri;                   /* next element of that field, when repeated */
	path_step step;              /* how the parent reached this message */
} mem_frame;

/* Whether field f of m is set (so its value means something). */
static int present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES)
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset) != 0;
	return 1;
}

static int mem_fail(const mem_frame *st, int top, const ProtobufCFieldDescriptor *f, long index, const char *what,
		    const char *msg)
{
	path_step steps[MLMD_MAX_NESTING + 2] = { { NULL, -1 } };
	size_t n = 0;
	for (int i = 1; i <= top; i++)
		steps[n++] = st[i].step;
	if (f) {
		steps[n].f = f;
		steps[n++].index = index;
	}
	char path[512];
	path_text(path, sizeof path, steps, n);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s%s%s", what, path, n ? ": " : "", msg);
}

static int enum_ok(const ProtobufCFieldDescriptor *f, int v)
{
	return protobuf_c_enum_descriptor_get_value(f->descriptor, v) != NULL;
}

int mlmd__pb_check_msg(const ProtobufCMessage *m, int max_depth, const char *what)
{
	mem_frame st[MLMD_MAX_NESTING + 2];
	if (max_depth > MLMD_MAX_NESTING)
		max_depth = MLMD_MAX_NESTING;
	if (!m)
		return 0;
	if (!m->descriptor || m->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: not a protobuf-c message", what);
	int top = 0;
	st[0] = (mem_frame){ m, 0, 0, { NULL, -1 } };
	while (top >= 0) {
		mem_frame *fr = &st[top];
		const ProtobufCMessageDescriptor *d = fr->m->descriptor;
		if (fr->fi >= d->n_fields) {
			top--;
			continue;
		}
		const ProtobufCFieldDescriptor *f = &d->fields[fr->fi];
		const char *base = (const char *)fr->m;
		if (f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_ENUM) {
			fr->fi++;
			continue;
		}
		if (!present(fr->m, f)) {
			fr->fi++;
			continue;
		}
		int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
		size_t count = repeated ? *(const size_t *)(base + f->quantifier_offset) : 1;
		if (f->type == PROTOBUF_C_TYPE_ENUM) {
			const int *vals = repeated ? *(const int *const *)(base + f->offset) : (const int *)(base + f->offset);
			for (size_t i = 0; vals && i < count; i++) {
				if (!enum_ok(f, vals[i])) {
					char msg[160];
					mlmd__snprintf(msg, sizeof msg,
						       "%d is not a value of %s (mlmd refuses values it could neither filter on "
						       "nor give back)", vals[i], ((const ProtobufCEnumDescriptor *)f->descriptor)->name);
					return mem_fail(st, top, f, repeated ? (long)i : -1, what, msg);
				}
			}
			fr->fi++;
			continue;
		}
		const ProtobufCMessage *child = NULL;
		long index = -1;
		if (repeated) {
			const ProtobufCMessage *const *arr = *(const ProtobufCMessage *const *const *)(base + f->offset);
			while (fr->ri < count && !(arr && arr[fr->ri]))
				fr->ri++;
			if (fr->ri < count) {
				index = (long)fr->ri;
				child = arr[fr->ri++];
			}
		} else if (fr->ri == 0) {
			child = *(const ProtobufCMessage *const *)(base + f->offset);
			fr->ri = 1;
		}
		if (!child) {
			fr->fi++;
			fr->ri = 0;
			continue;
		}
		if (top + 1 > max_depth) {
			char msg[160];
			mlmd__snprintf(msg, sizeof msg,
				       "messages nest deeper than %d levels (the limit that keeps what mlmd stores "
				       "readable by protobuf's parsers, which stop at 100)", max_depth);
			return mem_fail(st, top, f, index, what, msg);
		}
		if (!child->descriptor || child->descriptor != f->descriptor)
			return mem_fail(st, top, f, index, what, "holds a message of the wrong type");
		st[top + 1] = (mem_frame){ child, 0, 0, { f, index } };
		top++;
	}
	return 0;
}

/*
 * util/arena_root.c - the root of an arena response (util/arena.h).
 *
 * Code written before responses lived in arenas treats a response's own
 * fields as malloc'd: it frees or reallocs the root's arrays, and takes a
 * node out of a response (`a = rs->artifacts[0]; rs->n_artifacts = 0;
 * free(rs->artifacts); rs->artifacts = NULL;`), frees the response, and
 * frees the node later with mlmd_message_free. So the root keeps that
 * contract:
 * - its arrays and strings (not the messages they point to) are malloc'd
 *   here right after decoding, as protobuf-c would have made them;
 * - its direct sub-messages (the kids) are recorded; when the root is
 *   freed, a kid it no longer holds was taken out, and the arena lives on
 *   until every taken kid has been passed to mlmd_message_free.
 * Anything deeper belongs to the arena for good: only the root and the
 * kids it held are ever freed on their own.
 */
#include <stdlib.h>
#include <string.h>
#include "arena_impl.h"
#include "base.h"

typedef mlmd__arena arena;

#define AT(m, off, T) (*(T *)((char *)(m) + (off)))

static size_t elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default: /* the 32-bit integers, float, enum */
		return 4;
	}
}

static int oneof_unset(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && AT(m, f->quantifier_offset, uint32_t) != f->id;
}

static const void *bytes_default(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCBinaryData *d = f->default_value;
	return d ? d->data : NULL;
}

/* Frees what mlmd__arena_root_own malloc'd in the root's first n_fields
 * fields, as protobuf_c_message_free_unpacked would (arrays, their strings
 * and bytes, strings, bytes), but not the messages: they are the arena's. */
void mlmd__arena_root_fields_free(ProtobufCMessage *root, unsigned n_fields)
{
	const ProtobufCMessageDescriptor *d = root->descriptor;
	for (unsigned i = 0; i < n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (oneof_unset(root, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = AT(root, f->quantifier_offset, size_t);
			void *arr = AT(root, f->offset, void *);
			for (size_t k = 0; arr && k < n; k++)
				if (f->type == PROTOBUF_C_TYPE_STRING)
					free(((char **)arr)[k]);
				else if (f->type == PROTOBUF_C_TYPE_BYTES)
					free(((ProtobufCBinaryData *)arr)[k].data);
			free(arr);
			AT(root, f->offset, void *) = NULL;
			AT(root, f->quantifier_offset, size_t) = 0;
		} else if (f->type == PROTOBUF_C_TYPE_STRING) {
			char *p = AT(root, f->offset, char *);
			if (p != f->default_value)
				free(p);
			AT(root, f->offset, char *) = NULL;
		} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
			ProtobufCBinaryData *b = &AT(root, f->offset, ProtobufCBinaryData);
			if (b->data != bytes_default(f))
				free(b->data);
			b->data = NULL;
			b->len = 0;
		}
	}
}

static void *dup_mem(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

/* Moves one field of the root from the arena to malloc; -1 when out of
 * memory (the field is then as it was). */
static int own_field(arena *a, ProtobufCMessage *root, const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = AT(root, f->quantifier_offset, size_t);
		void *arr = AT(root, f->offset, void *);
		if (!n || !arr)
			return 0;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && a->cap_kids - a->n_kids < n) { /* room for all at once */
			size_t cap = a->n_kids + n;
			void *k = cap <= SIZE_MAX / sizeof *a->kids ? realloc(a->kids, cap * sizeof *a->kids) : NULL;
			if (!k)
				return -1;
			a->kids = k;
			a->cap_kids = cap;
		}
		void *copy = dup_mem(arr, n * elt_size(f->type));
		if (!copy)
			return -1;
		size_t k = 0;
		for (; k < n; k++) {
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				char **s = &((char **)copy)[k];
				if (*s && !(*s = dup_mem(*s, strlen(*s) + 1)))
					break;
			} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
				ProtobufCBinaryData *b = &((ProtobufCBinaryData *)copy)[k];
				if (b->data && !(b->data = dup_mem(b->data, b->len)))
					break;
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				ProtobufCMessage *kid = ((ProtobufCMessage **)copy)[k];
				if (mlmd__arena_list_push((void **)&a->kids, &a->n_kids, &a->cap_kids, sizeof kid, &kid))
					break;
			}
		}
		if (k < n) { /* out of memory: undo this field */
			for (size_t j = 0; j < k; j++)
				if (f->type == PROTOBUF_C_TYPE_STRING)
					free(((char **)copy)[j]);
				else if (f->type == PROTOBUF_C_TYPE_BYTES)
					free(((ProtobufCBinaryData *)copy)[j].data);
			free(copy);
			return -1;
		}
		AT(root, f->offset, void *) = copy;
		return 0;
	}
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		char *s = AT(root, f->offset, char *);
		if (s && s != f->default_value && !(AT(root, f->offset, char *) = dup_mem(s, strlen(s) + 1))) {
			AT(root, f->offset, char *) = s;
			return -1;
		}
	} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
		ProtobufCBinaryData *b = &AT(root, f->offset, ProtobufCBinaryData);
		void *old = b->data;
		if (old && old != bytes_default(f) && !(b->data = dup_mem(old, b->len))) {
			b->data = old;
			return -1;
		}
	} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		ProtobufCMessage *kid = AT(root, f->offset, ProtobufCMessage *);
		if (kid && mlmd__arena_list_push((void **)&a->kids, &a->n_kids, &a->cap_kids, sizeof kid, &kid))
			return -1;
	}
	return 0;
}

int mlmd__arena_root_own(arena *a, ProtobufCMessage *root)
{
	const ProtobufCMessageDescriptor *d = root->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		if (oneof_unset(root, &d->fields[i]))
			continue;
		if (own_field(a, root, &d->fields[i])) {
			mlmd__arena_root_fields_free(root, i);
			return -1;
		}
	}
	return 0;
}

/* Calls fn(ctx, sub) for each direct sub-message the root holds now, in
 * field order; stops at (and returns) the first nonzero result. */
static int each_held(const ProtobufCMessage *root, int (*fn)(void *, ProtobufCMessage *), void *ctx)
{
	const ProtobufCMessageDescriptor *d = root->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE || oneof_unset(root, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = AT(root, f->quantifier_offset, size_t);
			ProtobufCMessage **v = AT(root, f->offset, ProtobufCMessage **);
			for (size_t k = 0; v && k < n; k++) {
				int rc = v[k] ? fn(ctx, v[k]) : 0;
				if (rc)
					return rc;
			}
		} else {
			ProtobufCMessage *m = AT(root, f->offset, ProtobufCMessage *);
			int rc = m ? fn(ctx, m) : 0;
			if (rc)
				return rc;
		}
	}
	return 0;
}

typedef struct {
	ProtobufCMessage **v;
	size_t n, i;
} held_list;

/* For the quick check: 0 while the held messages are the kids in order. */
static int same_as_kid(void *ctx, ProtobufCMessage *m)
{
	held_list *l = ctx;
	return l->i < l->n && l->v[l->i++] == m ? 0 : 1;
}

static int collect(void *ctx, ProtobufCMessage *m)
{
	held_list *l = ctx;
	if (l->v)
		l->v[l->i] = m;
	l->i++;
	return 0;
}

static int cmp_ptr(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t) * (void *const *)x, b = (uintptr_t) * (void *const *)y;
	return a < b ? -1 : a > b;
}

static int cmp_detached(const void *x, const void *y)
{
	uintptr_t a = (uintptr_t)((const mlmd__arena_detached *)x)->m;
	uintptr_t b = (uintptr_t)((const mlmd__arena_detached *)y)->m;
	return a < b ? -1 : a > b;
}

static int in_sorted(ProtobufCMessage **v, size_t n, const ProtobufCMessage *m)
{
	return v && n && bsearch(&m, v, n, sizeof *v, cmp_ptr) != NULL;
}

/* The kids (and root-level adopted messages) the root no longer holds:
 * kids become detached (the arena waits for them), adopted ones go back
 * to the caller, who took them. Returns the number detached. */
static size_t detach_taken(arena *a, ProtobufCMessage *root)
{
	held_list q = { a->kids, a->n_kids, 0 };
	if (!each_held(root, same_as_kid, &q) && q.i == a->n_kids)
		return 0; /* the usual case: the root holds what it was given */
	held_list h = { NULL, 0, 0 };
	each_held(root, collect, &h);
	size_t n_held = h.i;
	h.v = n_held ? malloc(n_held * sizeof *h.v) : NULL;
	if (n_held && !h.v)
		return SIZE_MAX; /* out of memory: keep everything alive (a leak, never a dangling pointer) */
	h.i = 0;
	each_held(root, collect, &h);
	if (n_held)
		qsort(h.v, n_held, sizeof *h.v, cmp_ptr);
	if (a->n_released)
		qsort(a->released, a->n_released, sizeof *a->released, cmp_ptr);
	size_t n = 0;
	for (size_t i = 0; i < a->n_kids; i++)
		if (!in_sorted(h.v, n_held, a->kids[i]) && !in_sorted(a->released, a->n_released, a->kids[i]))
			a->kids[n++] = a->kids[i]; /* taken: kept in place, the others dropped */
	a->n_kids = n;
	size_t k = 0;
	for (size_t i = 0; i < a->n_adopted; i++)
		if (!a->adopted[i].at_root || in_sorted(h.v, n_held, a->adopted[i].m))
			a->adopted[k++] = a->adopted[i];
	a->n_adopted = k;
	free(h.v);
	if (!n)
		return 0;
	a->detached = malloc(n * sizeof *a->detached);
	if (!a->detached)
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		a->detached[i].m = a->kids[i];
		a->detached[i].live = 1;
	}
	qsort(a->detached, n, sizeof *a->detached, cmp_detached);
	a->n_detached = n;
	return n;
}

void mlmd__arena_root_free(arena *a)
{
	ProtobufCMessage *root = a->root;
	size_t taken = detach_taken(a, root);
	mlmd__arena_root_fields_free(root, root->descriptor->n_fields);
	if (!taken) {
		mlmd__arena_destroy(a);
		return;
	}
	a->root_gone = 1;
	a->refs = taken; /* SIZE_MAX (out of memory) never reaches 0 */
}

void mlmd__arena_detached_free(arena *a, const ProtobufCMessage *m)
{
	mlmd__arena_detached key = { (ProtobufCMessage *)m, 0 };
	mlmd__arena_detached *d =
		a->detached ? bsearch(&key, a->detached, a->n_detached, sizeof key, cmp_detached) : NULL;
	if (!d || !d->live)
		return; /* a part of the response: freed with it */
	d->live = 0;
	if (--a->refs == 0)
		mlmd__arena_destroy(a);
}

/*
 * util/arena.c - decoding typed responses, with malloc or into one arena
 * (util/arena.h).
 *
 * protobuf-c unpacks through a ProtobufCAllocator whose alloc bumps through
 * a few large blocks and whose free does nothing, except for the large
 * scratch arrays unpack frees itself (see arena_free below), which are
 * reused. The arena's header lives at the start of its first block.
 *
 * How an arena message is marked. Every message of the tree gets
 * base.unknown_fields pointing at the arena's header while
 * base.n_unknown_fields stays 0. Checked against protobuf-c 1.4.1's source
 * (protobuf-c/protobuf-c.c, Debian's libprotobuf-c 1.4.1):
 * - protobuf_c_message_get_packed_size, protobuf_c_message_pack and
 *   protobuf_c_message_pack_to_buffer read unknown fields only in a loop
 *   `for (i = 0; i < message->n_unknown_fields; i++)`, so with a count of
 *   0 the pointer is never read, and packing an arena message gives the
 *   same bytes as packing a malloc'd one;
 * - protobuf_c_message_check does not look at unknown fields;
 * - protobuf_c_message_unpack allocates unknown_fields only when it saw
 *   unknown fields (n_unknown > 0) and then counts each one, and the
 *   generated *_init leaves it NULL; so no message protobuf-c or
 *   mlmd_message_new makes has a non-NULL array with a zero count, and the
 *   mark cannot be mistaken for one of theirs;
 * - protobuf_c_message_free_unpacked would free() the pointer: arena
 *   messages are never passed to it by the library (mlmd_message_free
 *   checks the mark), and callers are told not to.
 * A message that does have unknown fields cannot carry the mark; the
 * library's own responses never have any, and mlmd__arena_unpack decodes
 * such bytes with malloc instead.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "base.h"
#include "mlmd/store.h" /* MLMD_MAX_NESTING */

#define ARENA_MAGIC UINT64_C(0x6d6c6d6441524e41) /* "mlmdARNA" */

/* protobuf-c's structs and the scratch arrays unpack allocates hold
 * nothing aligned more strictly than these (no long double, no vectors). */
typedef union {
	int64_t i;
	double d;
	size_t z;
	void *p;
	void (*f)(void);
} pb_align;

typedef struct block {
	struct block *next; /* the block filled before this one */
	size_t cap, used;   /* bytes of data[] */
	pb_align data[];    /* cap bytes */
} block;

typedef struct {
	void *p;
	size_t size;
	int free; /* handed back by protobuf-c: may be given out again */
} big_alloc;

typedef struct {
	void *p;    /* an array grown by mlmd__arena_grow_for; NULL: a free slot */
	size_t cap; /* its capacity in elements */
} grown_array;

typedef struct {
	uint64_t magic;
	ProtobufCMessage *root;
	block *cur;      /* the block being filled; older blocks follow ->next */
	size_t next_cap; /* the data size of the next block */
	size_t n_blocks, used;
	big_alloc *big; /* allocations of BIG bytes or more */
	size_t n_big, cap_big;
	size_t *free_big; /* indexes into big[] of those handed back, to reuse */
	size_t n_free_big, cap_free_big;
	grown_array *grown; /* open addressing by address, cap_grown slots (a power of 2) */
	size_t n_grown, cap_grown;
	void **owned; /* malloc'd blocks of adopted messages, free()d with the arena */
	size_t n_owned, cap_owned;
	int oom;
} arena;

#define ALIGN alignof(pb_align)
/* Allocations this large are remembered, so the scratch arrays unpack
 * frees can be reused by the next message (a response of n messages would
 * otherwise leave n of them behind). */
#define BIG 512
#define MAX_BLOCK ((size_t)4 << 20)

int mlmd__unpack_malloc(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
			ProtobufCMessage **out)
{
	*out = protobuf_c_message_unpack(d, NULL, len, data ? data : (const uint8_t *)"");
	return *out ? 0 : mlmd__fail(MLMD_INTERNAL, "%s: %zu response bytes do not decode", d->name, len);
}

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static block *block_new(size_t cap)
{
	if (cap > SIZE_MAX - sizeof(block))
		return NULL;
	block *b = malloc(sizeof(block) + cap);
	if (b) {
		b->next = NULL;
		b->cap = cap;
		b->used = 0;
	}
	return b;
}

/* n bytes from the current block, or from a new one (at least twice the
 * last, up to MAX_BLOCK, or n when larger); NULL when out of memory. */
static void *bump(arena *a, size_t n)
{
	if (n > SIZE_MAX - ALIGN) {
		a->oom = 1;
		return NULL;
	}
	n = round_up(n ? n : 1);
	block *b = a->cur;
	if (b->cap - b->used < n) {
		block *nb = block_new(a->next_cap > n ? a->next_cap : n);
		if (!nb) {
			a->oom = 1;
			return NULL;
		}
		nb->next = b;
		a->cur = b = nb;
		a->n_blocks++;
		if (a->next_cap < MAX_BLOCK)
			a->next_cap *= 2;
	}
	void *p = (unsigned char *)b->data + b->used;
	b->used += n;
	a->used += n;
	return p;
}

/* Appends item (elem bytes) to a malloc'd list; -1 when out of memory. */
static int list_push(void **arr, size_t *n, size_t *cap, size_t elem, const void *item)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		void *p = c <= SIZE_MAX / elem ? realloc(*arr, c * elem) : NULL;
		if (!p)
			return -1;
		*arr = p;
		*cap = c;
	}
	memcpy((char *)*arr + *n * elem, item, elem);
	(*n)++;
	return 0;
}

static void *arena_alloc(void *data, size_t size)
{
	arena *a = data;
	if (size < BIG)
		return bump(a, size);
	/* only blocks handed back are searched: unpack frees its scratch
	 * arrays, of a few sizes, so this list stays short however many large
	 * strings the response holds */
	for (size_t k = a->n_free_big; k-- > 0;) {
		big_alloc *b = &a->big[a->free_big[k]];
		if (b->size == size) {
			b->free = 0;
			a->free_big[k] = a->free_big[--a->n_free_big];
			return b->p;
		}
	}
	void *p = bump(a, size);
	big_alloc r = { p, size, 0 };
	if (p && list_push((void **)&a->big, &a->n_big, &a->cap_big, sizeof r, &r)) {
		a->oom = 1;
		return NULL; /* the bytes stay in the block, unused */
	}
	return p;
}

/* protobuf-c frees, during a successful unpack, only its scratch arrays of
 * scanned fields (large) and strings or sub-messages a repeated singular
 * field replaces (small, left in place). Searching from the newest finds a
 * scratch array at once: it was allocated while its message was read. */
static void arena_free(void *data, void *p)
{
	arena *a = data;
	for (size_t i = a->n_big; i-- > 0;)
		if (a->big[i].p == p) {
			if (!a->big[i].free &&
			    !list_push((void **)&a->free_big, &a->n_free_big, &a->cap_free_big, sizeof i, &i))
				a->big[i].free = 1; /* out of memory: the block is just not reused */
			return;
		}
}

static arena *arena_of(const ProtobufCMessage *m)
{
	if (!m || m->n_unknown_fields != 0 || !m->unknown_fields)
		return NULL;
	arena *a = (arena *)(void *)m->unknown_fields;
	return a->magic == ARENA_MAGIC ? a : NULL;
}

static arena *arena_new(size_t hint)
{
	size_t head = round_up(sizeof(arena));
	size_t cap = head + (hint < MAX_BLOCK ? hint : MAX_BLOCK);
	block *b = block_new(cap);
	if (!b)
		return NULL;
	arena *a = (arena *)(void *)b->data;
	memset(a, 0, sizeof *a);
	b->used = head;
	a->magic = ARENA_MAGIC;
	a->cur = b;
	a->n_blocks = 1;
	a->next_cap = cap < MAX_BLOCK / 2 ? cap * 2 : MAX_BLOCK;
	return a;
}

static void arena_destroy(arena *a)
{
	for (size_t i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->big);
	free(a->free_big);
	free(a->grown);
	a->magic = 0;
	block *b = a->cur;
	while (b) { /* the header is in the last block of the chain: nothing of it is read after */
		block *next = b->next;
		free(b);
		b = next;
	}
}

/* Marks m and every message below it as living in arena a. Returns -1 when
 * a message has unknown fields (it cannot carry the mark). Recursion depth
 * is the message's nesting, which the library bounds on the way in
 * (MLMD_MAX_NESTING). */
static int mark(ProtobufCMessage *m, arena *a)
{
	if (m->n_unknown_fields)
		return -1;
	m->unknown_fields = (ProtobufCMessageUnknownField *)(void *)a;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		char *at = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(size_t *)((char *)m + f->quantifier_offset);
			ProtobufCMessage **v = *(ProtobufCMessage ***)at;
			for (size_t k = 0; k < n; k++)
				if (v[k] && mark(v[k], a))
					return -1;
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(uint32_t *)((char *)m + f->quantifier_offset) != f->id)
			continue;
		ProtobufCMessage *sub = *(ProtobufCMessage **)at;
		if (sub && mark(sub, a))
			return -1;
	}
	return 0;
}

int mlmd__arena_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
		       ProtobufCMessage **out)
{
	*out = NULL;
	/* Decoded, a response of nodes takes about five times its wire size
	 * in structs, pointer arrays and strings (1000 artifacts with three
	 * properties each: 107 KB of bytes, 552 KB decoded), so one block of
	 * six times covers it; more (many tiny fields) goes to later, doubling
	 * blocks. 1 KiB covers the smallest answers. */
	size_t hint = len < (SIZE_MAX - 1024) / 6 ? 6 * len + 1024 : SIZE_MAX;
	arena *a = arena_new(hint);
	if (!a)
		return MLMD_OOM();
	ProtobufCAllocator al = { arena_alloc, arena_free, a };
	ProtobufCMessage *m = protobuf_c_message_unpack(d, &al, len, data ? data : (const uint8_t *)"");
	int unknown = m && mark(m, a);
	if (!m || unknown) {
		int oom = a->oom;
		arena_destroy(a); /* what the failed unpack allocated was in the arena */
		if (oom)
			return MLMD_OOM();
		if (!unknown)
			return mlmd__fail(MLMD_INTERNAL, "%s: %zu response bytes do not decode", d->name, len);
		return mlmd__unpack_malloc(d, data, len, out);
	}
	a->root = m;
	*out = m;
	return 0;
}

int mlmd__arena_owns(const ProtobufCMessage *m)
{
	return arena_of(m) != NULL;
}

int mlmd__arena_is_root(const ProtobufCMessage *m)
{
	arena *a = arena_of(m);
	return a && a->root == m;
}

int mlmd__arena_free_root(ProtobufCMessage *m)
{
	arena *a = arena_of(m);
	if (!a)
		return 0;
	if (a->root == m)
		arena_destroy(a);
	return 1;
}

void *mlmd__arena_alloc_for(const ProtobufCMessage *m, size_t n)
{
	arena *a = arena_of(m);
	return a ? bump(a, n) : NULL;
}

char *mlmd__arena_strdup_for(const ProtobufCMessage *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = mlmd__arena_alloc_for(m, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void *mlmd__arena_new_for(const ProtobufCMessage *m, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *x = mlmd__arena_alloc_for(m, d->sizeof_message);
	if (!x)
		return NULL;
	protobuf_c_message_init(d, x);
	x->unknown_fields = m->unknown_fields; /* the mark: see the top of the file */
	return x;
}

/* The slot of array p in a's table of grown arrays: its entry, or the free
 * slot where it would go. The table is never full (see remember). */
static grown_array *grown_slot(const arena *a, const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9e3779b97f4a7c15);
	size_t mask = a->cap_grown - 1;
	for (size_t i = (size_t)(h >> 32) & mask;; i = (i + 1) & mask)
		if (!a->grown[i].p || a->grown[i].p == p)
			return &a->grown[i];
}

/* Records that array p has room for cap elements. The table doubles at half
 * full; an array that grew again leaves its old entry (arena memory is never
 * reused, so no other array has that address). -1 when out of memory. */
static int remember(arena *a, void *p, size_t cap)
{
	if ((a->n_grown + 1) * 2 > a->cap_grown) {
		size_t nc = a->cap_grown ? a->cap_grown * 2 : 64;
		grown_array *old = a->grown;
		size_t old_cap = a->cap_grown;
		grown_array *t = nc <= SIZE_MAX / sizeof *t ? calloc(nc, sizeof *t) : NULL;
		if (!t)
			return -1;
		a->grown = t;
		a->cap_grown = nc;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].p)
				*grown_slot(a, old[i].p) = old[i];
		free(old);
	}
	grown_array *g = grown_slot(a, p);
	if (!g->p)
		a->n_grown++;
	g->p = p;
	g->cap = cap;
	return 0;
}

int mlmd__arena_grow_for(const ProtobufCMessage *m, void **arr, size_t n, size_t elem)
{
	arena *a = arena_of(m);
	if (!a)
		return mlmd__fail(MLMD_INTERNAL, "mlmd__arena_grow_for: not an arena message");
	/* an array that grew here before knows its capacity; any other (as
	 * unpacked, exactly sized, or NULL) is full */
	grown_array *g = *arr && a->cap_grown ? grown_slot(a, *arr) : NULL;
	if (g && g->p && n < g->cap)
		return 0;
	if (n >= SIZE_MAX / 2)
		return MLMD_OOM();
	size_t cap = n < 4 ? 4 : n * 2;
	void *p = cap <= SIZE_MAX / elem ? bump(a, cap * elem) : NULL;
	if (!p || remember(a, p, cap))
		return MLMD_OOM(); /* *arr is as it was; what bump gave stays unused */
	if (n)
		memcpy(p, *arr, n * elem);
	*arr = p;
	return 0;
}

/* Records p, a malloc'd block of an adopted message; -1 when out of memory. */
static int own(arena *a, void *p)
{
	return list_push((void **)&a->owned, &a->n_owned, &a->cap_owned, sizeof p, &p);
}

/* Records every malloc'd block of message m in a->owned, walking it as
 * protobuf_c_message_free_unpacked frees it: m itself, its strings, bytes,
 * arrays and sub-messages (of a oneof, the member set only), nothing that is
 * a field's default. Returns 0, -1 when out of memory, or a positive reason
 * m cannot join an arena: ADOPT_UNKNOWN, ADOPT_ARENA, ADOPT_DEEP. */
enum { ADOPT_UNKNOWN = 1, ADOPT_ARENA, ADOPT_DEEP };
static int collect(arena *a, ProtobufCMessage *m, int depth)
{
	if (depth > MLMD_MAX_NESTING)
		return ADOPT_DEEP;
	if (m->n_unknown_fields)
		return ADOPT_UNKNOWN;
	if (m->unknown_fields)
		return ADOPT_ARENA; /* a mark: see the top of the file */
	if (own(a, m))
		return -1;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	int rc;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *at = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(size_t *)((char *)m + f->quantifier_offset);
			void *arr = *(void **)at;
			if (!arr)
				continue;
			for (size_t k = 0; k < n; k++) {
				void *p = NULL;
				if (f->type == PROTOBUF_C_TYPE_STRING)
					p = ((char **)arr)[k];
				else if (f->type == PROTOBUF_C_TYPE_BYTES)
					p = ((ProtobufCBinaryData *)arr)[k].data;
				else if (f->type == PROTOBUF_C_TYPE_MESSAGE && ((ProtobufCMessage **)arr)[k] &&
					 (rc = collect(a, ((ProtobufCMessage **)arr)[k], depth + 1)))
					return rc;
				if (p && own(a, p))
					return -1;
			}
			if (own(a, arr))
				return -1;
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(uint32_t *)((char *)m + f->quantifier_offset) != f->id)
			continue;
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			char *str = *(char **)at;
			if (str && str != f->default_value && own(a, str))
				return -1;
		} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
			const ProtobufCBinaryData *bd = (const ProtobufCBinaryData *)(void *)at, *dv = f->default_value;
			if (bd->data && (!dv || bd->data != dv->data) && own(a, bd->data))
				return -1;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub = *(ProtobufCMessage **)at;
			if (sub && sub != f->default_value && (rc = collect(a, sub, depth + 1)))
				return rc;
		}
	}
	return 0;
}

int mlmd__arena_adopt(const ProtobufCMessage *m, ProtobufCMessage *foreign)
{
	arena *a = arena_of(m);
	if (!a)
		return mlmd__fail(MLMD_INTERNAL, "mlmd__arena_adopt: not an arena message");
	size_t n0 = a->n_owned;
	int rc = collect(a, foreign, 1);
	if (rc) {
		a->n_owned = n0; /* nothing is taken */
		if (rc < 0)
			return MLMD_OOM();
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the %s %s, so it cannot join a response decoded into an arena "
				  "(MLMD_CALL_ARENA)", foreign->descriptor->name,
				  rc == ADOPT_UNKNOWN ? "holds fields this library does not know"
				  : rc == ADOPT_ARENA ? "holds a part of a response decoded into an arena"
						      : "nests deeper than MLMD_MAX_NESTING");
	}
	mark(foreign, a); /* cannot fail: collect saw no unknown fields */
	return 0;
}

int mlmd__arena_stats(const ProtobufCMessage *m, size_t *blocks, size_t *used)
{
	arena *a = arena_of(m);
	if (!a)
		return 0;
	*blocks = a->n_blocks;
	*used = a->used;
	return 1;
}

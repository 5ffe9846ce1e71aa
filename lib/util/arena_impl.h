/*
 * util/arena_impl.h - the arena's insides, shared by util/arena.c (blocks,
 * decoding, marking, memory for changes) and util/arena_root.c (the root's
 * own fields, and sub-messages taken out of the root). Nothing else
 * includes it: the rest of the library uses util/arena.h.
 */
#ifndef MLMD_UTIL_ARENA_IMPL_H
#define MLMD_UTIL_ARENA_IMPL_H

#include <stdalign.h>
#include "arena.h"

#define MLMD__ARENA_MAGIC UINT64_C(0x6d6c6d6441524e41) /* "mlmdARNA" */

/* protobuf-c's structs and the scratch arrays unpack allocates hold
 * nothing aligned more strictly than these (no long double, no vectors). */
typedef union {
	int64_t i;
	double d;
	size_t z;
	void *p;
	void (*f)(void);
} mlmd__pb_align;

typedef struct mlmd__arena_block {
	struct mlmd__arena_block *next; /* the block filled before this one */
	size_t cap, used;               /* bytes of data[] */
	mlmd__pb_align data[];          /* cap bytes */
} mlmd__arena_block;

typedef struct {
	void *p;
	size_t size;
	int free; /* handed back by protobuf-c: may be given out again */
} mlmd__arena_big;

typedef struct {
	void *p;    /* an array grown by mlmd__arena_grow_for */
	size_t cap; /* its capacity in elements */
} mlmd__arena_grown;

typedef struct {
	ProtobufCMessage *m; /* malloc'd, freed with the arena */
	int at_root;         /* appended straight to the root: may be taken out of it */
} mlmd__arena_adopted;

typedef struct {
	ProtobufCMessage *m;
	int live; /* not yet freed with mlmd_message_free */
} mlmd__arena_detached;

typedef struct mlmd__arena {
	uint64_t magic;
	ProtobufCMessage *root;
	mlmd__arena_block *cur; /* the block being filled; older blocks follow ->next */
	size_t next_cap;        /* the data size of the next block */
	size_t n_blocks, used;
	mlmd__arena_big *big; /* allocations of BIG bytes or more */
	size_t n_big, cap_big;
	mlmd__arena_grown *grown;
	size_t n_grown, cap_grown;
	mlmd__arena_adopted *adopted;
	size_t n_adopted, cap_adopted;
	/* The root's own arrays and strings are malloc'd (arena_root.c), and
	 * its direct sub-messages may be taken out of it before it is freed: */
	ProtobufCMessage **kids; /* the root's direct sub-messages, as decoded or added */
	size_t n_kids, cap_kids;
	ProtobufCMessage **released; /* kids copied elsewhere and given up */
	size_t n_released, cap_released;
	mlmd__arena_detached *detached; /* kids out of the root when it was freed; sorted */
	size_t n_detached;
	size_t refs;   /* once the root is freed: detached kids not yet freed */
	int root_gone; /* the root was freed; the arena lives on for its detached kids */
	int oom;
} mlmd__arena;

/* The arena m lives in, or NULL (arena.c). */
mlmd__arena *mlmd__arena_of(const ProtobufCMessage *m);
/* Frees every block and list of a (arena.c). */
void mlmd__arena_destroy(mlmd__arena *a);
/* Appends item (elem bytes) to a malloc'd list; -1 when out of memory. */
int mlmd__arena_list_push(void **arr, size_t *n, size_t *cap, size_t elem, const void *item);

/* arena_root.c: after decoding, moves the root's arrays and strings to
 * malloc and records its kids (0, or -1 when out of memory: nothing then
 * changed); frees the root (detaching taken kids); frees a detached kid;
 * frees what root_own malloc'd. */
int mlmd__arena_root_own(mlmd__arena *a, ProtobufCMessage *root);
void mlmd__arena_root_free(mlmd__arena *a);
void mlmd__arena_detached_free(mlmd__arena *a, const ProtobufCMessage *m);
void mlmd__arena_root_fields_free(ProtobufCMessage *root, unsigned n_fields);

#endif

/*
 * governance/call.c - what the registry and audit clients share: one call
 * through mlmd_store_call() (the request packed, the response unpacked),
 * C arrays of tags and moves as the messages' repeated fields, and the
 * arena a read-back struct and everything it points to live in, so one
 * _free releases it all.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "gov.h"
#include "util/msgcall.h"

/* ---- one call ------------------------------------------------------------------------------ */

int mlmd__gv_call(struct mlmd_store *store, const char *fn, const char *method, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	return mlmd__msg_call(store, fn, method, req, resp_desc, resp);
}

/* ---- C arrays as repeated fields ------------------------------------------------------------- */

/* One block: n pointers, then n messages of `size` bytes, each pointer to
 * its message. */
static void **block(size_t n, size_t size)
{
	size_t head = (n * sizeof(void *) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
	if (n > (SIZE_MAX - head) / size)
		return NULL;
	char *b = malloc(head + n * size);
	if (!b)
		return NULL;
	void **p = (void **)b;
	for (size_t i = 0; i < n; i++)
		p[i] = b + head + i * size;
	return p;
}

int mlmd__gv_tags(const mlmd_tag *tags, size_t n, const char *what, Mlmd__Pb__Governance__Tag ***out)
{
	*out = NULL;
	if (!n)
		return 0;
	if (!tags)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%zu %ss given, but the array is NULL", n, what);
	for (size_t i = 0; i < n; i++)
		if (!tags[i].key || !tags[i].key[0] || !tags[i].value)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s #%zu: %s", what, i,
				!tags[i].key || !tags[i].key[0] ? "its key is empty" : "its value is NULL");
	Mlmd__Pb__Governance__Tag **p = (Mlmd__Pb__Governance__Tag **)block(n, sizeof **p);
	if (!p)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__governance__tag__init(p[i]);
		p[i]->key = (char *)tags[i].key;
		p[i]->value = (char *)tags[i].value;
	}
	*out = p;
	return 0;
}

int mlmd__gv_requirements(const mlmd_tag *req, size_t n, Mlmd__Pb__Governance__Requirement ***out)
{
	*out = NULL;
	Mlmd__Pb__Governance__Tag **t;
	int rc = mlmd__gv_tags(req, n, "requirement", &t); /* checks them */
	if (rc || !n)
		return rc;
	free(t);
	Mlmd__Pb__Governance__Requirement **p = (Mlmd__Pb__Governance__Requirement **)block(n, sizeof **p);
	if (!p)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__governance__requirement__init(p[i]);
		p[i]->key = (char *)req[i].key;
		p[i]->value = (char *)req[i].value;
	}
	*out = p;
	return 0;
}

int mlmd__gv_moves(const mlmd_alias_move *moves, size_t n, Mlmd__Pb__Governance__AliasMove ***out)
{
	*out = NULL;
	if (!n)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "no alias moves given");
	if (!moves)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%zu alias moves given, but the array is NULL", n);
	for (size_t i = 0; i < n; i++) {
		if (!moves[i].alias)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "alias move #%zu: its alias is NULL", i);
		if (moves[i].version < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "alias '%s': version %lld is negative (0 removes "
				"the alias)", moves[i].alias, (long long)moves[i].version);
	}
	Mlmd__Pb__Governance__AliasMove **p = (Mlmd__Pb__Governance__AliasMove **)block(n, sizeof **p);
	if (!p)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__governance__alias_move__init(p[i]);
		p[i]->alias = (char *)moves[i].alias;
		p[i]->has_version = 1;
		p[i]->version = moves[i].version;
	}
	*out = p;
	return 0;
}

/* ---- the arena ------------------------------------------------------------------------------- */

#define GV_BLOCK 4096

struct mlmd__gv_block {
	mlmd__gv_block *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

void *mlmd__gv_alloc(mlmd__gv_arena *a, size_t n)
{
	if (!n || a->oom)
		return NULL;
	const size_t al = alignof(max_align_t);
	if (n > SIZE_MAX / 2) {
		a->oom = 1;
		return NULL;
	}
	n = (n + al - 1) / al * al;
	mlmd__gv_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > GV_BLOCK ? n : GV_BLOCK;
		if (!(b = malloc(sizeof *b + cap))) {
			a->oom = 1;
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

const char *mlmd__gv_str(mlmd__gv_arena *a, const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s) + 1;
	char *d = mlmd__gv_alloc(a, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void mlmd__gv_arena_free(mlmd__gv_arena *a)
{
	for (mlmd__gv_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

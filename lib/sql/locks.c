/*
 * sql/locks.c - keyed write locks: the locks MLMD's writes take beside each
 * other on a backend with lock() (PostgreSQL), in one global order.
 *
 * Why no two writers deadlock on them. A keyed transaction (write=2) waits
 * on three kinds of things: the store lock, taken shared at begin() before
 * anything else; keyed locks; and, inside PostgreSQL, rows another writer
 * inserted or updated and has not committed yet (a unique index entry, say).
 * Writers that run alone take the store lock exclusively and no keyed lock.
 * The rules here are:
 *   1. Keys are ordered by (mlmd__lock_hash, bytes). A transaction waits for
 *      a keyed lock only while it has written nothing (no statement but a
 *      SELECT has run: `wrote`) and only for a key above every key it holds.
 *      A key it needs out of that order is not waited for: the call fails
 *      with `relock` set and the request runs again from the start (a new
 *      transaction), taking that key and the ones it held, up front and in
 *      order.
 *   2. One lock comes after all others (mlmd__sql_lock_last: the audit
 *      chain's head). Its holder then only reads the head, inserts its
 *      record (no other writer inserts one while it holds the lock) and
 *      commits: it waits on nothing.
 * Suppose writers waited in a cycle. No one in it waits for the last lock's
 * holder, who waits on nothing. A writer waiting for a keyed lock has
 * written nothing, so no one waits for its rows; whoever waits for it waits
 * for a keyed lock it holds. So going backwards around the cycle from a
 * writer waiting for a keyed lock, every writer waits for a keyed lock, and
 * each waits for a key above all it holds, held by the next: the largest
 * key held grows strictly along the cycle, which cannot close. The store
 * lock's waiters hold nothing. What is left, cycles made only of row waits,
 * are conflicts no key covers (two calls inserting the same two artifact
 * names, or the same two attributions, in opposite orders): PostgreSQL
 * breaks those as ever, ABORTED (docs/postgresql.md).
 *
 * The PostgreSQL backend locks on mlmd__lock_hash of the key, so keys it
 * cannot tell apart are adjacent in the order, and taking such a key again
 * while one is held never waits. A backend that locks on the exact key
 * needs nothing more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sql.h"

/* Keys are cut at this length: a longer one (a long name) may share a
 * lock with another, which only serializes more. */
#define KEY_MAX 320

static int key_cmp(uint32_t h, const char *key, size_t len, const mlmd__lock_key *b)
{
	if (h != b->h)
		return h < b->h ? -1 : 1;
	int c = memcmp(key, b->key, len < b->len ? len : b->len);
	if (c)
		return c;
	return len < b->len ? -1 : len > b->len;
}

static int sort_cmp(const void *pa, const void *pb)
{
	const mlmd__lock_key *a = pa;
	return key_cmp(a->h, a->key, a->len, pb);
}

/* Whether the sorted set v[0..n) holds the key. */
static int has_sorted(const mlmd__lock_key *v, size_t n, uint32_t h, const char *key, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(h, key, len, &v[mid]);
		if (!c)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int push(mlmd__lock_key **v, size_t *n, uint32_t h, const char *key, size_t len)
{
	if (mlmd__grow((void **)v, *n, sizeof **v))
		return MLMD_OOM();
	char *copy = malloc(len + 1);
	if (!copy)
		return MLMD_OOM();
	memcpy(copy, key, len);
	copy[len] = 0;
	(*v)[(*n)++] = (mlmd__lock_key){ h, len, copy };
	return 0;
}

static void free_keys(mlmd__lock_key **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i].key);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Adds a key to the plan unless it is there already (a short list: a
 * request's keys). */
static int plan_add(mlmd__sql *s, uint32_t h, const char *key, size_t len)
{
	for (size_t i = 0; i < s->nplan; i++)
		if (!key_cmp(h, key, len, &s->plan[i]))
			return 0;
	return push(&s->plan, &s->nplan, h, key, len);
}

/* Rule 1 of the comment at the top: take the key now, or restart. */
static int take(mlmd__sql *s, const char *key, size_t len)
{
	uint32_t h = mlmd__lock_hash(key, len);
	if (has_sorted(s->held, s->nheld, h, key, len))
		return 0;
	if (!s->wrote && !s->tail && (!s->nheld || key_cmp(h, key, len, &s->held[s->nheld - 1]) > 0)) {
		int rc = push(&s->held, &s->nheld, h, key, len);
		return rc ? rc : s->db->lock(s->db, key, len);
	}
	/* the next attempt takes this key and every one this attempt held */
	int rc = plan_add(s, h, key, len);
	for (size_t i = 0; i < s->nheld && !rc; i++)
		rc = plan_add(s, s->held[i].h, s->held[i].key, s->held[i].len);
	if (rc)
		return rc;
	s->relock = 1;
	return mlmd__fail(MLMD_ABORTED, "the write lock '%.*s' is needed out of order; the request runs again",
			  (int)(len > 64 ? 64 : len), key);
}

enum { KEY_TAKE, KEY_WANT, KEY_LAST };

/* Formats a key and takes it now (KEY_TAKE), adds it to the plan
 * (KEY_WANT) or takes it as the last lock (KEY_LAST). */
static int keyed(mlmd__sql *s, int op, const char *fmt, va_list ap)
{
	char key[KEY_MAX];
	int n = vsnprintf(key, KEY_MAX, fmt, ap);
	if (n < 0)
		return mlmd__fail(MLMD_INTERNAL, "formatting a lock key");
	size_t len = (size_t)n < KEY_MAX ? (size_t)n : KEY_MAX - 1;
	if (op == KEY_TAKE)
		return take(s, key, len);
	if (op == KEY_WANT)
		return plan_add(s, mlmd__lock_hash(key, len), key, len);
	s->tail = 1;
	return s->db->lock(s->db, key, len);
}

#define KEYED(op)                                  \
	do {                                       \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		int rc_ = keyed(s, op, fmt, ap);   \
		va_end(ap);                        \
		return rc_;                        \
	} while (0)

int mlmd__sql_lock(mlmd__sql *s, const char *fmt, ...)
{
	if (!s->keyed)
		return 0;
	KEYED(KEY_TAKE);
}

int mlmd__sql_want(mlmd__sql *s, const char *fmt, ...)
{
	if (!s->keyed)
		return 0;
	KEYED(KEY_WANT);
}

int mlmd__sql_lock_last(mlmd__sql *s, const char *fmt, ...)
{
	if (!s->keyed || s->tail)
		return 0;
	KEYED(KEY_LAST);
}

int mlmd__sql_lock_wanted(mlmd__sql *s)
{
	if (!s->keyed || !s->nplan)
		return 0;
	qsort(s->plan, s->nplan, sizeof *s->plan, sort_cmp);
	int rc = 0;
	/* a key out of order makes take() add to the plan (moving the array,
	 * not the strings it points to) and fail, which ends the loop */
	for (size_t i = 0; i < s->nplan && !rc; i++)
		rc = take(s, s->plan[i].key, s->plan[i].len);
	return rc;
}

void mlmd__sql_plan_clear(mlmd__sql *s)
{
	free_keys(&s->plan, &s->nplan);
	s->relock = 0;
}

void mlmd__sql_locks_end(mlmd__sql *s)
{
	free_keys(&s->held, &s->nheld);
	s->wrote = s->tail = 0;
}

/*
 * sql/sql.c - the SQL session on one backend: the statement cache, the
 * query helpers, inserts that need ids, IN lists, transactions, and the
 * checks a backend passes before the core uses it (see sql.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sql.h"

/* ---- statement cache --------------------------------------------------- */

/* The cache key: the length and the first and last 48 bytes of the SQL,
 * mixed eight bytes at a time. Statements differ at the start (verb, table)
 * or the end (WHERE, ORDER BY), and a full compare confirms every hit, so
 * hashing the middle of a long statement would only cost time on every call. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

static uint64_t sql_hash(const char *s, size_t *len_out)
{
	size_t n = strlen(s);
	uint64_t h = 1469598103934665603ULL ^ n, w;
	if (n < 96) {
		size_t i = 0;
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			h = mix(h, w);
		}
		w = 0;
		memcpy(&w, s + i, n - i);
		h = mix(h, w);
	} else {
		for (size_t i = 0; i < 48; i += 8) {
			memcpy(&w, s + i, 8);
			h = mix(h, w);
			memcpy(&w, s + n - 48 + i, 8);
			h = mix(h, w);
		}
	}
	*len_out = n;
	return h;
}

static int cache_grow(mlmd__sql *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 64;
	mlmd__stmt_slot *slots = calloc(n, sizeof *slots);
	if (!slots)
		return MLMD_OOM();
	for (size_t i = 0; i < s->nslots; i++) {
		if (!s->slots[i].sql)
			continue;
		size_t j = s->slots[i].hash & (n - 1);
		while (slots[j].sql)
			j = (j + 1) & (n - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
	return 0;
}

/* Returns the cached statement for `sql`, preparing it on first use. The
 * cache is keyed by the SQL text, so dynamically built queries are cached too. */
static int q_lookup(mlmd__sql *s, sqlq *q, const char *sql, int dyn)
{
	q->db = s->db;
	q->st = NULL;
	q->rc = 0;
	q->owned = 0;
	size_t len;
	uint64_t h = sql_hash(sql, &len);
	if (s->used * 2 >= s->nslots && cache_grow(s))
		return -MLMD_RESOURCE_EXHAUSTED;
	size_t j = h & (s->nslots - 1);
	while (s->slots[j].sql) {
		if (s->slots[j].hash == h && s->slots[j].len == len && memcmp(s->slots[j].sql, sql, len) == 0) {
			q->st = s->slots[j].stmt;
			s->db->reset(q->st);
			return 0;
		}
		j = (j + 1) & (s->nslots - 1);
	}
	if (dyn && s->ndyn >= MLMD_DYN_STMT_MAX) {
		q->owned = 1;
		return s->db->prepare(s->db, sql, &q->st);
	}
	char *copy = mlmd__strdup(sql);
	if (!copy)
		return MLMD_OOM();
	int rc = s->db->prepare(s->db, sql, &q->st);
	if (rc) {
		free(copy);
		return rc;
	}
	s->slots[j].hash = h;
	s->slots[j].len = len;
	s->slots[j].sql = copy;
	s->slots[j].stmt = q->st;
	s->used++;
	s->ndyn += dyn != 0;
	return 0;
}

/* Beside other writers, whether a statement may write (or lock rows): all
 * but SELECT. Keyed locks wait only until the first one (sql/locks.c). */
#define NOTE_WRITE(s, sql) \
	if ((s)->keyed && !(s)->wrote && strncmp((sql), "SELECT", 6) != 0) \
		(s)->wrote = 1

int mlmd__q(mlmd__sql *s, sqlq *q, const char *sql)
{
	NOTE_WRITE(s, sql);
	return q_lookup(s, q, sql, 0);
}

int mlmd__q_dyn(mlmd__sql *s, sqlq *q, const char *sql)
{
	NOTE_WRITE(s, sql);
	return q_lookup(s, q, sql, 1);
}

void mlmd__stmt_cache_clear(mlmd__sql *s)
{
	for (size_t i = 0; i < s->nslots; i++) {
		if (s->slots[i].sql) {
			s->db->finalize(s->slots[i].stmt);
			free(s->slots[i].sql);
		}
	}
	free(s->slots);
	s->slots = NULL;
	s->nslots = s->used = s->ndyn = 0;
}

void mlmd__q_i64(sqlq *q, int i, int64_t v)
{
	if (!q->rc)
		q->rc = q->db->bind_int64(q->st, i, v);
}

void mlmd__q_dbl(sqlq *q, int i, double v)
{
	if (!q->rc)
		q->rc = q->db->bind_double(q->st, i, v);
}

void mlmd__q_text(sqlq *q, int i, const char *v)
{
	if (!q->rc)
		q->rc = v ? q->db->bind_text(q->st, i, v, strlen(v)) : q->db->bind_null(q->st, i);
}

void mlmd__q_blob(sqlq *q, int i, const void *v, size_t n)
{
	if (!q->rc)
		q->rc = v ? q->db->bind_blob(q->st, i, v, n) : q->db->bind_null(q->st, i);
}

void mlmd__q_null(sqlq *q, int i)
{
	if (!q->rc)
		q->rc = q->db->bind_null(q->st, i);
}

int mlmd__q_step(sqlq *q)
{
	if (q->rc)
		return q->rc;
	return q->db->step(q->st);
}

int mlmd__q_isnull(sqlq *q, int col)
{
	return q->db->column_type(q->st, col) == MLMD_COL_NULL;
}

int mlmd__q_coltype(sqlq *q, int col)
{
	return q->db->column_type(q->st, col);
}

int64_t mlmd__q_col_i64(sqlq *q, int col)
{
	return q->db->column_int64(q->st, col);
}

double mlmd__q_col_dbl(sqlq *q, int col)
{
	return q->db->column_double(q->st, col);
}

const char *mlmd__q_col_text(sqlq *q, int col)
{
	if (mlmd__q_isnull(q, col))
		return NULL;
	return q->db->column_text(q->st, col, NULL);
}

const void *mlmd__q_col_blob(sqlq *q, int col, size_t *n)
{
	*n = 0;
	if (mlmd__q_isnull(q, col))
		return NULL;
	return q->db->column_blob(q->st, col, n);
}

void mlmd__q_done(sqlq *q)
{
	if (q->st && q->owned) {
		q->db->finalize(q->st);
		q->st = NULL;
	} else if (q->st) {
		q->db->reset(q->st);
	}
}

int mlmd__q_again(sqlq *q)
{
	if (!q->st || q->owned)
		return mlmd__fail(MLMD_INTERNAL, "a statement run again after it was finalized");
	q->rc = 0; /* mlmd__q_done reset it and cleared its bindings */
	return 0;
}

int mlmd__q_family_get(mlmd__sql *s, mlmd__q_family *f, const char *const sql[5], int slot, sqlq **out)
{
	sqlq *q = &f->q[slot];
	int rc = f->held[slot] ? mlmd__q_again(q) : mlmd__q(s, q, sql[slot]);
	if (rc)
		return rc;
	f->held[slot] = 1;
	*out = q;
	return 0;
}

int mlmd__in_slot(size_t n, int *size)
{
	static const int sizes[] = { 1, 4, 16, 64, MLMD_IN_MAX };
	for (int i = 0; i < 4; i++)
		if ((size_t)sizes[i] >= n) {
			*size = sizes[i];
			return i;
		}
	*size = MLMD_IN_MAX;
	return 4;
}

int mlmd__in_list(mlmd_buf *b, size_t n)
{
	int size;
	mlmd__in_slot(n, &size);
	for (int i = 0; i < size; i++)
		mlmd__buf_puts(b, i ? ", ?" : "?");
	return size;
}

void mlmd__q_bind_ids(sqlq *q, int *pos, const int64_t *ids, size_t n, int size)
{
	for (int i = 0; i < size; i++)
		mlmd__q_i64(q, (*pos)++, ids[(size_t)i < n ? (size_t)i : n - 1]);
}

int mlmd__q_ids(sqlq *q, int64_t **ids, size_t *n)
{
	int rc;
	while ((rc = mlmd__q_step(q)) == 1) {
		if (mlmd__push_i64(ids, n, mlmd__q_col_i64(q, 0))) {
			rc = -MLMD_RESOURCE_EXHAUSTED;
			break;
		}
	}
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

int mlmd__q_insert(mlmd__sql *s, sqlq *q, const char *plain, const char *returning)
{
	return mlmd__q(s, q, s->db->last_insert_id ? plain : returning);
}

int mlmd__q_insert_step(sqlq *q, int64_t *id)
{
	int rc = mlmd__q_step(q);
	if (rc == 1)
		*id = mlmd__q_col_i64(q, 0);
	else if (rc == 0 && q->db->last_insert_id)
		*id = q->db->last_insert_id(q->db);
	else if (rc == 0)
		rc = mlmd__fail(MLMD_INTERNAL, "insert returned no id");
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

/* The most ids one reservation takes into a list: a larger batch takes
 * several, so the list stays small whatever the request's size. */
#define ID_LIST_MAX 4096

/* Fills pool with ids for (up to) the rest of its batch, when the backend
 * can reserve them; left stays 0 otherwise. */
static int reserve(mlmd_backend *db, mlmd__id_pool *pool, const char *table)
{
	if (db->version >= 3 && db->reserve_id_list) {
		int64_t n = pool->batch < ID_LIST_MAX ? pool->batch : ID_LIST_MAX;
		if (n > pool->cap) {
			int64_t *list = realloc(pool->list, (size_t)n * sizeof *list);
			if (!list)
				return MLMD_OOM();
			pool->list = list;
			pool->cap = n;
		}
		int rc = db->reserve_id_list(db, table, n, pool->list);
		if (rc)
			return rc;
		for (int64_t i = 0; i < n; i++)
			if (pool->list[i] <= 0)
				return mlmd__fail(MLMD_INTERNAL, "reserving ids of %s: the backend gave id %lld", table,
						  (long long)pool->list[i]);
		pool->at = 0;
		pool->left = n;
		return 0;
	}
	if (db->reserve_ids) {
		int rc = db->reserve_ids(db, table, pool->batch, &pool->next);
		if (rc)
			return rc;
		pool->left = pool->batch;
	}
	return 0;
}

void mlmd__id_pool_free(mlmd__id_pool *pool)
{
	free(pool->list);
	*pool = (mlmd__id_pool){ 0 };
}

int mlmd__insert_prepare(mlmd__sql *s, mlmd__id_pool *pool, const char *table, sqlq *q, const char *with_id,
			 const char *plain, const char *returning, int64_t *known)
{
	mlmd_backend *db = s->db;
	*known = 0;
	if (!pool->left && pool->batch > 1) {
		int rc = reserve(db, pool, table);
		if (rc)
			return rc;
	}
	if (pool->left) {
		*known = pool->list ? pool->list[pool->at++] : pool->next++;
		pool->left--;
	}
	if (pool->batch)
		pool->batch--;
	return *known ? mlmd__q(s, q, with_id) : mlmd__q_insert(s, q, plain, returning);
}

int mlmd__insert_run(sqlq *q, int id_param, int64_t known, int64_t *id)
{
	if (!known)
		return mlmd__q_insert_step(q, id);
	mlmd__q_i64(q, id_param, known);
	*id = known;
	return mlmd__q_exec_later(q);
}

int mlmd__q_exec_later(sqlq *q)
{
	if (!q->db->step_deferred || q->rc)
		return mlmd__q_exec(q);
	int rc = q->db->step_deferred(q->st);
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

int mlmd__q_exec(sqlq *q)
{
	int rc = mlmd__q_step(q);
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

/* ---- the session ---------------------------------------------------------- */

int mlmd__backend_check(const mlmd_backend *b)
{
	if (!b)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_backend is NULL");
	if (b->version < 1 || b->version > MLMD_BACKEND_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_backend.version %u is not supported (expected 1..%d); set it to "
				  "MLMD_BACKEND_VERSION", b->version, MLMD_BACKEND_VERSION);
	/* The slots every backend fills; the optional ones may be NULL. */
	const char *missing = NULL;
#define REQUIRED(f) \
	if (!missing && !b->f) \
		missing = #f;
	REQUIRED(close) REQUIRED(begin) REQUIRED(commit) REQUIRED(rollback) REQUIRED(exec) REQUIRED(prepare)
	REQUIRED(bind_null) REQUIRED(bind_int64) REQUIRED(bind_double) REQUIRED(bind_text) REQUIRED(bind_blob)
	REQUIRED(step) REQUIRED(column_type) REQUIRED(column_int64) REQUIRED(column_double) REQUIRED(column_text)
	REQUIRED(column_blob) REQUIRED(reset) REQUIRED(finalize) REQUIRED(changes)
#undef REQUIRED
	if (missing)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_backend.%s is NULL; every backend must fill it", missing);
	if (!b->dialect)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_backend.dialect is NULL");
	return 0;
}

void mlmd__sql_init(mlmd__sql *s, mlmd_backend *db)
{
	*s = (mlmd__sql){ 0 };
	s->db = db;
}

void mlmd__sql_finish(mlmd__sql *s)
{
	if (!s->db)
		return;
	if (s->txn)
		mlmd__sql_rollback(s); /* a transaction left open is rolled back */
	mlmd__sql_plan_clear(s);
	mlmd__stmt_cache_clear(s);
}

int mlmd__sql_begin(mlmd__sql *s, int write)
{
	/* a writer that locks its conflicts by key needs a backend that can */
	int keyed = write == 2 && s->db->version >= 3 && s->db->lock;
	if (write == 2 && !keyed)
		write = 1;
	int rc = s->db->begin(s->db, write);
	if (!rc) {
		s->txn = 1;
		s->keyed = keyed;
		/* a request run again takes what its last attempt locked, up front */
		if (keyed && s->nplan && (rc = mlmd__sql_lock_wanted(s)))
			mlmd__sql_rollback(s);
	}
	return rc;
}

int mlmd__sql_commit(mlmd__sql *s)
{
	int rc = s->db->commit(s->db);
	if (!rc) {
		s->txn = s->keyed = 0;
		mlmd__sql_locks_end(s);
	}
	return rc;
}

int mlmd__sql_rollback(mlmd__sql *s)
{
	s->txn = 0;
	s->keyed = 0;
	mlmd__sql_locks_end(s);
	return s->db->rollback(s->db);
}

int mlmd__sql_exec(mlmd__sql *s, const char *sql)
{
	return s->db->exec(s->db, sql);
}

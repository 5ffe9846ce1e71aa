/*
 * lib/sql/sql.h - the SQL session the storage layers share: one backend
 * connection with its statement cache, the query helpers, inserts that need
 * the new row's id, id lists as IN (...), and transactions.
 *
 * Layer: sql/ sits on the backend vtable (the public mlmd/sys/backend.h)
 * and util/base.h. It knows no table of the schema and no message of the
 * API; schema/, query/ and store/ sit on it. It includes no other folder of
 * lib/ than util/.
 */
#ifndef MLMD_SQL_SQL_H
#define MLMD_SQL_SQL_H

#include <stdint.h>
#include <stddef.h>
#include "../util/base.h"
#include "mlmd/sys/backend.h"

/* ---- the session ---------------------------------------------------------- */

typedef struct mlmd__stmt_slot {
	uint64_t hash;
	size_t len;
	char *sql;                   /* owned copy of the key */
	mlmd_backend_stmt *stmt;
} mlmd__stmt_slot;

/* A keyed write lock's key (sql/locks.c), with its place in the order. */
typedef struct mlmd__lock_key {
	uint32_t h;                  /* mlmd__lock_hash of the key: first in the order */
	size_t len;
	char *key;                   /* owned */
} mlmd__lock_key;

/* One connection and what the core keeps for it. Embedded in the store. */
typedef struct mlmd__sql {
	mlmd_backend *db;            /* borrowed: whoever opened it closes it */
	mlmd__stmt_slot *slots;      /* open-addressed statement cache */
	size_t nslots, used;
	size_t ndyn;                 /* cached statements from mlmd__q_dyn */
	int txn;                     /* a transaction is open on the connection */
	int keyed;                   /* it is a write=2 one: conflicts are locked by key */
	/* Keyed locks (sql/locks.c; only in a keyed transaction). */
	mlmd__lock_key *held;        /* taken in this transaction, in increasing order */
	size_t nheld;
	mlmd__lock_key *plan;        /* to take up front: declared, or learnt by an attempt */
	size_t nplan;
	int wrote;                   /* a statement that may write ran in this transaction */
	int tail;                    /* the last lock (the audit head) is held */
	int relock;                  /* a lock came out of order: the request must restart */
	int no_lookahead;            /* tests only: requests declare nothing ahead of their
				      * writes (mlmd__node_want and the like), so they learn
				      * their keys by running again */
} mlmd__sql;

/* Checks a backend before the core uses it: its version (the struct's
 * layout), the slots every backend must fill, and its dialect. A failure is
 * INVALID_ARGUMENT naming the struct and the field. */
int mlmd__backend_check(const mlmd_backend *b);

/* Starts a session on `db` (checked with mlmd__backend_check). */
void mlmd__sql_init(mlmd__sql *s, mlmd_backend *db);
/* Ends it: rolls back a transaction left open and finalizes every cached
 * statement. The backend stays open (its owner closes it). */
void mlmd__sql_finish(mlmd__sql *s);

/* Transactions. write = 1 takes the write lock up front (see begin in
 * mlmd/sys/backend.h). A failed commit leaves the transaction open: roll it
 * back. Rollback always ends it. */
int mlmd__sql_begin(mlmd__sql *s, int write);
/*
 * Keyed write locks (sql/locks.c). In a write=2 transaction (begun so on a
 * backend with lock(), version 3) these take transaction-long locks on keys
 * that name what two writers could both decide on; otherwise (a read, a
 * write=1 transaction, which already runs alone, or SQLite) they do
 * nothing. Keys are taken in one global order (see locks.c for why that
 * cannot deadlock): a request declares what it will lock up front
 * (mlmd__sql_want, then mlmd__sql_lock_wanted); a lock it finds it needs
 * later is taken only if it still fits the order, else the call fails
 * ABORTED with `relock` set, and the caller runs the request again from the
 * start (a new transaction), which takes every key the failed attempt held
 * or asked for up front, in order (mlmd__sql_plan_clear when the request is
 * over).
 */
/* Takes the lock of the key printed from fmt now, or restarts (above). */
int mlmd__sql_lock(mlmd__sql *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Declares a key the request will lock; nothing is sent. */
int mlmd__sql_want(mlmd__sql *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes every declared key not held yet, in order, in one round trip. */
int mlmd__sql_lock_wanted(mlmd__sql *s);
/* Takes the lock of the key printed from fmt as the transaction's last:
 * after it the transaction takes no other lock and waits on nothing but
 * its own statements (the audit chain's head, just before the commit). */
int mlmd__sql_lock_last(mlmd__sql *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forgets the declared and learnt keys: the request is over. */
void mlmd__sql_plan_clear(mlmd__sql *s);
/* For sql.c: the transaction's held keys are released (commit, rollback). */
void mlmd__sql_locks_end(mlmd__sql *s);
int mlmd__sql_commit(mlmd__sql *s);
int mlmd__sql_rollback(mlmd__sql *s);
/* Runs SQL text with no parameters and no rows (DDL). */
int mlmd__sql_exec(mlmd__sql *s, const char *sql);

/* ---- statements ----------------------------------------------------------- */

/* A prepared, cached statement in use. Bind failures are sticky and reported
 * by the next q_step(). */
typedef struct sqlq {
	mlmd_backend *db;
	mlmd_backend_stmt *st;
	int rc;
	int owned;                   /* not cached: mlmd__q_done finalizes it */
} sqlq;

/* The cached statement for `sql` (prepared on first use), reset and ready to
 * bind. The cache is keyed by the SQL text. */
int mlmd__q(mlmd__sql *s, sqlq *q, const char *sql);
/* The same for SQL built from user input (filters): cached while the session
 * holds fewer than MLMD_DYN_STMT_MAX such statements, prepared for one use
 * after that, so arbitrary queries cannot grow the cache without bound. The
 * caller must end with mlmd__q_done(). */
#define MLMD_DYN_STMT_MAX 256
int mlmd__q_dyn(mlmd__sql *s, sqlq *q, const char *sql);
void mlmd__q_i64(sqlq *q, int i, int64_t v);
void mlmd__q_dbl(sqlq *q, int i, double v);
void mlmd__q_text(sqlq *q, int i, const char *v);   /* NULL binds NULL */
void mlmd__q_blob(sqlq *q, int i, const void *v, size_t n);
void mlmd__q_null(sqlq *q, int i);
int mlmd__q_step(sqlq *q);                           /* 1 row, 0 done, <0 error */
int mlmd__q_isnull(sqlq *q, int col);
int mlmd__q_coltype(sqlq *q, int col);               /* MLMD_COL_* */
int64_t mlmd__q_col_i64(sqlq *q, int col);
double mlmd__q_col_dbl(sqlq *q, int col);
const char *mlmd__q_col_text(sqlq *q, int col);     /* NULL when NULL */
const void *mlmd__q_col_blob(sqlq *q, int col, size_t *n);
void mlmd__q_done(sqlq *q);
/* Readies `q`, a statement from mlmd__q that mlmd__q_done ended, for
 * another run with new bindings: it stays prepared in the session's cache
 * until the session ends, so a loop that runs one statement many times
 * looks it up once. A statement mlmd__q_dyn prepared for one use is gone
 * after mlmd__q_done: INTERNAL. */
int mlmd__q_again(sqlq *q);
/* Runs a statement expected to return no rows. */
int mlmd__q_exec(sqlq *q);
/* The same where the caller does not act on this statement's own status: a
 * backend may report its failure later, by the end of the call at the
 * latest (see step_deferred in mlmd/sys/backend.h). */
int mlmd__q_exec_later(sqlq *q);
/* Runs a prepared query whose first column is an id and collects the ids. */
int mlmd__q_ids(sqlq *q, int64_t **ids, size_t *n);
void mlmd__stmt_cache_clear(mlmd__sql *s);

/* ---- inserts that need the new row's id ---------------------------------------- */

/* Write MLMD_INSERT("INSERT ...") for the two arguments: the backend's
 * last_insert_id slot is used when it has one, and INSERT ... RETURNING id
 * otherwise. mlmd__q_insert_step runs the statement, sets *id and resets it. */
#define MLMD_INSERT(sql) sql, sql " RETURNING id"
int mlmd__q_insert(mlmd__sql *s, sqlq *q, const char *plain, const char *returning);
int mlmd__q_insert_step(sqlq *q, int64_t *id);

/* Ids reserved for the new rows of one table during one call (backends with
 * reserve_id_list or reserve_ids): `batch` is how many new rows the request
 * still holds. The next `left` ids are list[at..] when list is set (a
 * reserve_id_list backend), else next, next + 1, ... Free the list with
 * mlmd__id_pool_free when the call ends. */
typedef struct mlmd__id_pool {
	int64_t next, left, batch;
	int64_t *list;
	int64_t at, cap;
} mlmd__id_pool;
void mlmd__id_pool_free(mlmd__id_pool *pool);

/* Inserts in batches: when `pool` announced a batch and the backend can
 * reserve ids, mlmd__insert_prepare takes an id from the pool (filling it
 * for the rest of the batch in one go) and prepares `with_id`, whose last
 * parameter is that id; otherwise it prepares MLMD_INSERT(plain). Bind the
 * other parameters, then mlmd__insert_run: with a known id the statement may
 * be deferred (a conflict is reported by the end of the call); without, *id
 * is the new row's. */
int mlmd__insert_prepare(mlmd__sql *s, mlmd__id_pool *pool, const char *table, sqlq *q, const char *with_id,
			 const char *plain, const char *returning, int64_t *known);
int mlmd__insert_run(sqlq *q, int id_param, int64_t known, int64_t *id);

/* ---- id lists ------------------------------------------------------------------- */

/* Id lists as IN (?, ?, ...) of a few fixed sizes (1, 4, 16, 64, 256), the
 * tail padded with the last id, so a handful of statement texts serve every
 * list and stay cached. Callers take chunks of at most MLMD_IN_MAX ids. */
#define MLMD_IN_MAX 256
int mlmd__in_list(mlmd_buf *sql, size_t n);          /* appends the ?s; returns the padded size */
/* The same lists as compile-time text: MLMD_IN_SQL(pre, post) is an
 * initializer of five statements, one per size; mlmd__in_slot(n, &size)
 * picks the index and the padded size for n ids. */
#define MLMD_IN_1 "?"
#define MLMD_IN_4 "?, ?, ?, ?"
#define MLMD_IN_16 MLMD_IN_4 ", " MLMD_IN_4 ", " MLMD_IN_4 ", " MLMD_IN_4
#define MLMD_IN_64 MLMD_IN_16 ", " MLMD_IN_16 ", " MLMD_IN_16 ", " MLMD_IN_16
#define MLMD_IN_256 MLMD_IN_64 ", " MLMD_IN_64 ", " MLMD_IN_64 ", " MLMD_IN_64
#define MLMD_IN_SQL(pre, post) \
	{ pre MLMD_IN_1 post, pre MLMD_IN_4 post, pre MLMD_IN_16 post, pre MLMD_IN_64 post, pre MLMD_IN_256 post }
int mlmd__in_slot(size_t n, int *size);
/* One MLMD_IN_SQL family of statements run many times in one call (a walk's
 * hops, a writer's chunks): each size is looked up once, then run again
 * (mlmd__q_again). Zero-initialise it; nothing to free. *out is the
 * statement for `slot`, reset and ready to bind; end each run with
 * mlmd__q_done. */
typedef struct mlmd__q_family {
	sqlq q[5];
	unsigned char held[5];
} mlmd__q_family;
int mlmd__q_family_get(mlmd__sql *s, mlmd__q_family *f, const char *const sql[5], int slot, sqlq **out);
void mlmd__q_bind_ids(sqlq *q, int *pos, const int64_t *ids, size_t n, int size);
/* The chunk size for reading `n` ids: one at a time for a few (an IN list
 * costs SQLite a temporary index, which keyed reads beat up to about eight
 * ids), MLMD_IN_MAX otherwise. */
#define mlmd__in_chunk(n) ((n) <= 8 ? (size_t)1 : (size_t)MLMD_IN_MAX)

#endif

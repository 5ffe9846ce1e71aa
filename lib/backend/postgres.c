/*
 * backend/postgres.c - the PostgreSQL backend, over libpq.
 *
 * One backend is one connection. Statements are prepared on the server the
 * first time they run (with the types of that run's int64, double and bytea
 * parameters; text and NULL are left for the server to infer) and reused by
 * name. Values travel in text form, bytea in binary.
 *
 * Transactions: writes run in READ COMMITTED. One transaction-scoped
 * advisory lock, the store lock, is taken first: exclusively by a write=1
 * transaction (registry, tracking, governance, a caller's own transaction),
 * which so runs alone across every process and host, as on SQLite; shared by
 * a write=2 one (MLMD's Put* RPCs), which runs beside the others of its kind
 * and takes lock() keys, advisory locks on a hash of the key, on what two of
 * them could both decide (store/nodes.c, types.c, edges.c, audit.c). A read
 * runs in a REPEATABLE READ READ ONLY transaction, so all the statements of
 * one RPC see one snapshot. A lock not granted within the busy timeout is
 * ABORTED (callers retry), as are serialization failures and deadlocks.
 *
 * A lost server is UNAVAILABLE, naming it. The next transaction reconnects;
 * statements prepared on the old connection are prepared again on first use.
 *
 * A statement the core finalizes (a one-shot filter query, the cache at
 * close) is deallocated on the server too, or every new query shape would
 * leave a plan in the server's memory for the life of the connection. libpq
 * 15 cannot send a protocol-level Close, and a DEALLOCATE sent inside an
 * aborted transaction (or behind a failed statement in the pipeline) would
 * fail, so finalize only notes the name: the next begin() sends the
 * DEALLOCATEs ahead of its BEGIN, each in a pipeline segment of its own, in
 * the same round trip. Prepared statements are not transactional, so nothing
 * a later rollback does brings them back.
 *
 * The connection runs in libpq's pipeline mode, so a batch costs round trips
 * only where the store needs an answer: a statement that returns no rows
 * (an INSERT of properties, an UPDATE) is sent and not waited for; the next
 * statement that returns rows, or the commit, sends a sync and reads every
 * pending result in order. An error in a deferred statement is reported
 * there, and the whole call fails and rolls back as usual.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libpq-fe.h>
#include "backends.h"
#include "ddl.h"

#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define FLOAT4OID 700
#define FLOAT8OID 701
#define NUMERICOID 1700
#define BYTEAOID 17
#define OIDOID 26

/* Any constant works, as long as every mlmd process uses the same one. */
#define WRITE_LOCK_KEY "7215470310248061"
/* The first half of the two-int advisory lock keys of lock() (a key space
 * apart from the one-bigint store lock). */
#define KEY_SPACE "1835822180"

typedef struct pg_backend {
	mlmd_backend base;
	PGconn *conn;
	char *server;                /* "host:port/db", for messages */
	unsigned gen;                /* connection generation; bumps on reconnect */
	unsigned names;              /* prepared statement name counter */
	unsigned *dead;              /* numbers of finalized statements still on the server */
	size_t ndead, cap_dead;
	int in_txn;
	int pending;                 /* commands sent whose results are unread */
	int64_t changes;
	int busy_timeout_ms;
} pg_backend;

/* Deferred commands are drained at least this often, so neither side's
 * socket buffer fills while the other waits. */
#define MAX_PENDING 256
/* At most this many DEALLOCATEs go ahead of one BEGIN (the rest wait for the
 * next one), for the same reason. */
#define MAX_DEALLOC 64

struct mlmd_backend_stmt {
	pg_backend *b;
	char *sql;                   /* with $1, $2, ... */
	int n;                       /* parameters */
	char name[32];
	unsigned num;                /* the name's number: "mlmd_<num>" */
	unsigned gen;                /* prepared on this generation; 0: not yet */
	int rows;                    /* returns rows (SELECT, ... RETURNING) */
	int deferred;                /* this run may be deferred (step_deferred) */
	char **vals;                 /* owned; NULL is SQL NULL */
	int *lens, *fmts;
	Oid *types;                  /* of the current binds */
	PGresult *res;
	int row, nrows;
	unsigned char *blob;         /* last column_blob() result */
};

/* ---- errors ---------------------------------------------------------------------- */

static int conn_fail(pg_backend *b, const char *what)
{
	const char *m = PQerrorMessage(b->conn);
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	return mlmd__fail(MLMD_UNAVAILABLE, "PostgreSQL server %s: %s: %.*s", b->server, what, (int)n, m);
}

/* Maps a failed result to a status, by SQLSTATE. Clears `res`. */
static int res_fail(pg_backend *b, PGresult *res, const char *what)
{
	if (!res || PQstatus(b->conn) == CONNECTION_BAD) {
		PQclear(res);
		return conn_fail(b, what);
	}
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	int code = MLMD_INTERNAL;
	if (state) {
		if (!strcmp(state, "23505"))
			code = MLMD_ALREADY_EXISTS;
		else if (!strcmp(state, "23503"))
			code = MLMD_FAILED_PRECONDITION;
		else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
			 !strcmp(state, "57014"))
			code = MLMD_ABORTED;
		else if (!strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
			 !strcmp(state, "57P03"))
			code = MLMD_UNAVAILABLE;
		else if (!strncmp(state, "22", 2) || !strcmp(state, "54000"))
			code = MLMD_INVALID_ARGUMENT;
	}
	int rc = mlmd__fail(code, "PostgreSQL %s: %s (SQLSTATE %s)%s%s", what, msg ? msg : "error",
			    state ? state : "?", detail ? ": " : "", detail ? detail : "");
	if (code == MLMD_UNAVAILABLE)
		mlmd__context(rc, "PostgreSQL server %s", b->server);
	PQclear(res);
	return rc;
}

/* Reads the results of every pending command and the sync after them.
 * With `last`, the final command's result is handed over instead of freed.
 * Returns the first error among them. */
static int drain(pg_backend *b, PGresult **last)
{
	int rc = 0, n = b->pending;
	b->pending = 0;
	if (last)
		*last = NULL;
	for (int i = 0; i < n; i++) {
		PGresult *r = PQgetResult(b->conn);
		if (!r) {
			rc = rc ? rc : conn_fail(b, "reading results");
			break;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			const char *t = PQcmdTuples(r);
			b->changes = t && *t ? strtoll(t, NULL, 10) : 0;
		} else if (st != PGRES_PIPELINE_ABORTED && !rc) {
			rc = res_fail(b, r, "query");
			r = NULL;
		}
		if (last && i == n - 1 && r && !rc)
			*last = r;
		else
			PQclear(r);
		PGresult *end;
		while ((end = PQgetResult(b->conn)) != NULL) /* NULL ends each command */
			PQclear(end);
	}
	/* the sync */
	PGresult *r;
	while ((r = PQgetResult(b->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (rc && last && *last) {
		PQclear(*last);
		*last = NULL;
	}
	if (!rc && PQstatus(b->conn) == CONNECTION_BAD)
		rc = conn_fail(b, "reading results");
	return rc;
}

/* Ends the pipeline segment: a sync, then every pending result. */
static int sync_drain(pg_backend *b, PGresult **last)
{
	if (!PQpipelineSync(b->conn)) {
		b->pending = 0;
		return conn_fail(b, "sending");
	}
	return drain(b, last);
}

/* Queues one statement without parameters. */
static int send_cmd(pg_backend *b, const char *sql)
{
	if (!PQsendQueryParams(b->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
		return conn_fail(b, "sending");
	b->pending++;
	return 0;
}

/* ---- connection -------------------------------------------------------------------- */

/* Server notices (warnings, a shutdown under way) are not printed: a library
 * does not write to its host's stderr, and errors reach callers as statuses. */
static void quiet(void *arg, const char *message)
{
	(void)arg, (void)message;
}

/* Session settings, then pipeline mode (PQexec only works outside it). */
static int session_setup(pg_backend *b)
{
	char sql[256];
	/* a lock wait past the busy timeout fails with 55P03 (ABORTED). The join
	 * limits keep planning time flat for filters with many neighbour aliases
	 * (each is two joins): with the defaults, eight aliases take PostgreSQL
	 * seconds to plan. Four still lets it start a one-alias filter from the
	 * selective side (context by name, then its members). */
	snprintf(sql, sizeof sql,
		 "SET lock_timeout = %d; SET client_min_messages = warning; SET join_collapse_limit = 4;"
		 " SET from_collapse_limit = 4",
		 b->busy_timeout_ms > 0 ? b->busy_timeout_ms : 10000);
	PGresult *r = PQexec(b->conn, sql);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		return res_fail(b, r, "session setup");
	PQclear(r);
	b->pending = 0;
	if (!PQenterPipelineMode(b->conn))
		return conn_fail(b, "entering pipeline mode");
	return 0;
}

/* Reconnects a lost connection between transactions. */
static int ensure_conn(pg_backend *b)
{
	if (PQstatus(b->conn) == CONNECTION_OK)
		return 0;
	PQreset(b->conn);
	if (PQstatus(b->conn) != CONNECTION_OK)
		return conn_fail(b, "reconnecting");
	b->gen++; /* the server forgot our prepared statements */
	b->ndead = 0;
	return session_setup(b);
}

static void pg_close(mlmd_backend *base)
{
	pg_backend *b = (pg_backend *)base;
	PQfinish(b->conn);
	free(b->server);
	free(b->dead);
	free(b);
}

/*
 * Queues a DEALLOCATE for up to MAX_DEALLOC finalized statements, each
 * followed by a sync, so one that fails cannot skip the others or what comes
 * after them. Call with nothing pending and outside a transaction; returns
 * how many were queued (their results are read by read_deallocs()).
 */
static size_t send_deallocs(pg_backend *b)
{
	size_t n = 0;
	if (b->pending)
		return 0;
	while (b->ndead && n < MAX_DEALLOC) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE mlmd_%u", b->dead[b->ndead - 1]);
		if (send_cmd(b, sql) || !PQpipelineSync(b->conn))
			break; /* a lost connection: the next begin reconnects and forgets them */
		b->pending = 0;
		b->ndead--;
		n++;
	}
	b->pending = 0;
	return n;
}

/* Reads the results of n queued DEALLOCATEs. Their failure is not the
 * caller's: a name the server does not know is gone already, and a lost
 * connection fails the commands read next. */
static void read_deallocs(pg_backend *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		b->pending = 1;
		drain(b, NULL);
	}
}

static int begin_once(pg_backend *b, int write)
{
	size_t nd = send_deallocs(b);
	int rc = send_cmd(b, write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (!rc && write == 2)
		rc = send_cmd(b, "SELECT pg_advisory_xact_lock_shared(" WRITE_LOCK_KEY ")");
	else if (!rc && write)
		rc = send_cmd(b, "SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")");
	if (!rc && nd) {
		/* every segment is sent; read the deallocations' first */
		int pending = b->pending;
		if (!PQpipelineSync(b->conn)) {
			b->pending = 0;
			rc = conn_fail(b, "sending");
		} else {
			read_deallocs(b, nd);
			b->pending = pending;
			rc = drain(b, NULL);
		}
	} else if (!rc) {
		rc = sync_drain(b, NULL);
	}
	return rc ? mlmd__context(rc, "begin") : 0;
}

static int pg_begin(mlmd_backend *base, int write)
{
	pg_backend *b = (pg_backend *)base;
	int rc = ensure_conn(b);
	if (rc)
		return rc;
	rc = begin_once(b, write);
	if (rc == -MLMD_UNAVAILABLE && PQstatus(b->conn) == CONNECTION_BAD) {
		/* The server went away since our last call (a restart, say):
		 * nothing of this call has run yet, so reconnect and begin again. */
		if ((rc = ensure_conn(b)))
			return rc;
		rc = begin_once(b, write);
	}
	if (rc) {
		/* a failed lock wait leaves an aborted transaction behind */
		if (PQstatus(b->conn) == CONNECTION_OK && !send_cmd(b, "ROLLBACK"))
			sync_drain(b, NULL);
		return rc;
	}
	b->in_txn = 1;
	return 0;
}

static int pg_commit(mlmd_backend *base)
{
	pg_backend *b = (pg_backend *)base;
	int rc = send_cmd(b, "COMMIT");
	if (!rc)
		rc = sync_drain(b, NULL); /* reports a failed deferred statement too */
	b->in_txn = 0;
	return rc ? mlmd__context(rc, "commit") : 0;
}

static int pg_rollback(mlmd_backend *base)
{
	pg_backend *b = (pg_backend *)base;
	b->in_txn = 0;
	if (PQstatus(b->conn) != CONNECTION_OK) {
		b->pending = 0;
		return 0; /* the server dropped the transaction with the connection */
	}
	int rc = send_cmd(b, "ROLLBACK");
	if (!rc)
		sync_drain(b, NULL); /* earlier errors were reported already */
	return 0;
}

/* DDL, several statements at once: outside pipeline mode. */
static int pg_exec(mlmd_backend *base, const char *sql)
{
	pg_backend *b = (pg_backend *)base;
	int rc = 0;
	if (b->pending && (rc = sync_drain(b, NULL)))
		return rc;
	if (!PQexitPipelineMode(b->conn))
		return conn_fail(b, "leaving pipeline mode");
	PGresult *r = PQexec(b->conn, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = res_fail(b, r, "statement");
	else
		PQclear(r);
	if (!PQenterPipelineMode(b->conn) && !rc)
		rc = conn_fail(b, "entering pipeline mode");
	return rc;
}

/* ---- statements ---------------------------------------------------------------------- */

/* Rewrites '?' placeholders to $1, $2, ... outside quoted text. */
static char *number_params(const char *sql, int *n)
{
	size_t len = strlen(sql);
	char *out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	char *o = out;
	char quote = 0;
	*n = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
		} else if (*p == '?') {
			o += sprintf(o, "$%d", ++*n);
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
	return out;
}

static void stmt_free(mlmd_backend_stmt *s)
{
	free(s->sql);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->types);
	free(s);
}

static int pg_prepare(mlmd_backend *base, const char *sql, mlmd_backend_stmt **out)
{
	pg_backend *b = (pg_backend *)base;
	mlmd_backend_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	s->b = b;
	s->sql = number_params(sql, &s->n);
	if (s->n) {
		s->vals = calloc((size_t)s->n, sizeof *s->vals);
		s->lens = calloc((size_t)s->n, sizeof *s->lens);
		s->fmts = calloc((size_t)s->n, sizeof *s->fmts);
		s->types = calloc((size_t)s->n, sizeof *s->types);
	}
	if (!s->sql || (s->n && (!s->vals || !s->lens || !s->fmts || !s->types))) {
		stmt_free(s);
		return MLMD_OOM();
	}
	s->num = ++b->names;
	snprintf(s->name, sizeof s->name, "mlmd_%u", s->num);
	/* does it return rows? SELECTs and anything with RETURNING do */
	const char *p = sql;
	while (*p == ' ' || *p == '\n' || *p == '(')
		p++;
	s->rows = strncasecmp(p, "INSERT", 6) && strncasecmp(p, "UPDATE", 6) && strncasecmp(p, "DELETE", 6);
	if (!s->rows && strstr(sql, "RETURNING"))
		s->rows = 1;
	*out = s;
	return 0;
}

static int set_param(mlmd_backend_stmt *s, int i, char *v, int len, int fmt, Oid type)
{
	if (i < 1 || i > s->n) {
		free(v);
		return mlmd__fail(MLMD_INTERNAL, "bind index %d out of range (statement has %d)", i, s->n);
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = v;
	s->lens[i - 1] = len;
	s->fmts[i - 1] = fmt;
	s->types[i - 1] = type;
	return 0;
}

static int pg_bind_null(mlmd_backend_stmt *s, int i)
{
	return set_param(s, i, NULL, 0, 0, 0);
}

static int pg_bind_int64(mlmd_backend_stmt *s, int i, int64_t v)
{
	char *t = malloc(24);
	if (!t)
		return MLMD_OOM();
	snprintf(t, 24, "%lld", (long long)v);
	return set_param(s, i, t, 0, 0, INT8OID);
}

static int pg_bind_double(mlmd_backend_stmt *s, int i, double v)
{
	char *t = malloc(40);
	if (!t)
		return MLMD_OOM();
	mlmd__snprintf(t, 40, "%.17g", v);
	return set_param(s, i, t, 0, 0, FLOAT8OID);
}

static int pg_bind_text(mlmd_backend_stmt *s, int i, const char *v, size_t len)
{
	if (memchr(v, 0, len))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "PostgreSQL text cannot hold a NUL byte");
	char *t = mlmd__strndup(v, len);
	if (!t)
		return MLMD_OOM();
	return set_param(s, i, t, 0, 0, 0);
}

static int pg_bind_blob(mlmd_backend_stmt *s, int i, const void *v, size_t len)
{
	char *t = malloc(len ? len : 1);
	if (!t)
		return MLMD_OOM();
	memcpy(t, v, len);
	return set_param(s, i, t, (int)len, 1, BYTEAOID);
}

static void clear_result(mlmd_backend_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
}

static int pg_step(mlmd_backend_stmt *s)
{
	pg_backend *b = s->b;
	if (!s->res) {
		if (s->gen != b->gen) {
			/* Prepared and waited for, once per connection: a prepare
			 * queued behind a failing deferred statement would be skipped
			 * by the server, and the statement must not count as prepared. */
			if (!PQsendPrepare(b->conn, s->name, s->sql, s->n, s->types))
				return conn_fail(b, "sending");
			b->pending++;
			PGresult *pr = NULL;
			int prc = sync_drain(b, &pr);
			PQclear(pr);
			if (prc)
				return prc;
			s->gen = b->gen;
		}
		if (!PQsendQueryPrepared(b->conn, s->name, s->n, (const char *const *)s->vals, s->lens, s->fmts, 0))
			return conn_fail(b, "sending");
		b->pending++;
		if (!s->rows && s->deferred) {
			/* its result is read at the next sync */
			if (b->pending >= MAX_PENDING)
				return sync_drain(b, NULL);
			return 0;
		}
		PGresult *r = NULL;
		int rc = sync_drain(b, &r);
		if (rc)
			return rc;
		if (!s->rows) {
			PQclear(r); /* done: no rows */
			return 0;
		}
		if (!r)
			return mlmd__fail(MLMD_INTERNAL, "PostgreSQL: no result for a query");
		s->res = r;
		s->nrows = PQntuples(r);
		s->row = 0;
	}
	PQfreemem(s->blob);
	s->blob = NULL;
	if (s->row >= s->nrows)
		return 0;
	s->row++;
	return 1;
}

static int pg_step_deferred(mlmd_backend_stmt *s)
{
	s->deferred = 1;
	int rc = pg_step(s);
	s->deferred = 0;
	return rc;
}

static int pg_column_type(mlmd_backend_stmt *s, int col)
{
	if (!s->res || PQgetisnull(s->res, s->row - 1, col))
		return MLMD_COL_NULL;
	switch (PQftype(s->res, col)) {
	case INT8OID:
	case INT4OID:
	case INT2OID:
	case OIDOID:
		return MLMD_COL_INT;
	case FLOAT8OID:
	case FLOAT4OID:
	case NUMERICOID:
		return MLMD_COL_DOUBLE;
	case BYTEAOID:
		return MLMD_COL_BLOB;
	default:
		return MLMD_COL_TEXT;
	}
}

static int64_t pg_column_int64(mlmd_backend_stmt *s, int col)
{
	if (!s->res || PQgetisnull(s->res, s->row - 1, col))
		return 0;
	return strtoll(PQgetvalue(s->res, s->row - 1, col), NULL, 10);
}

static double pg_column_double(mlmd_backend_stmt *s, int col)
{
	if (!s->res || PQgetisnull(s->res, s->row - 1, col))
		return 0;
	return mlmd__strtod(PQgetvalue(s->res, s->row - 1, col), NULL);
}

static const char *pg_column_text(mlmd_backend_stmt *s, int col, size_t *len)
{
	if (!s->res || PQgetisnull(s->res, s->row - 1, col)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)PQgetlength(s->res, s->row - 1, col);
	return PQgetvalue(s->res, s->row - 1, col);
}

static const void *pg_column_blob(mlmd_backend_stmt *s, int col, size_t *len)
{
	*len = 0;
	if (!s->res || PQgetisnull(s->res, s->row - 1, col))
		return NULL;
	PQfreemem(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row - 1, col), len);
	return s->blob;
}

static int pg_reset(mlmd_backend_stmt *s)
{
	clear_result(s);
	for (int i = 0; i < s->n; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = s->fmts[i] = 0;
	}
	return 0;
}

/* Frees the statement, and notes its server-side twin (when this connection
 * prepared it) for DEALLOCATE at the next begin(). Out of memory, the plan
 * stays on the server until the connection closes: finalize cannot fail. */
static void pg_finalize(mlmd_backend_stmt *s)
{
	if (!s)
		return;
	pg_backend *b = s->b;
	if (s->gen == b->gen) {
		if (b->ndead == b->cap_dead) {
			size_t cap = b->cap_dead ? b->cap_dead * 2 : 16;
			unsigned *d = realloc(b->dead, cap * sizeof *d);
			if (d) {
				b->dead = d;
				b->cap_dead = cap;
			}
		}
		if (b->ndead < b->cap_dead)
			b->dead[b->ndead++] = s->num;
	}
	pg_reset(s);
	stmt_free(s);
}

static int64_t pg_changes(mlmd_backend *base)
{
	pg_backend *b = (pg_backend *)base;
	if (b->pending)
		sync_drain(b, NULL); /* the count of a deferred statement */
	return b->changes;
}

/*
 * Takes n ids of `table` from its identity sequence with one statement, n
 * nextval() calls in one round trip. Other writers' single INSERTs may take
 * ids from the same sequence meanwhile, so the ids need not be consecutive;
 * each is still ours alone (a sequence never hands one out twice, and
 * nextval() is not rolled back), so nothing has to exclude the others. The
 * sequence is looked up once, not per row (a lookup per row cost 6 µs per
 * id, against under 1 µs for the nextval() itself).
 */
static int pg_reserve_id_list(mlmd_backend *base, const char *table, int64_t n, int64_t *ids)
{
	pg_backend *b = (pg_backend *)base;
	char count[24];
	snprintf(count, sizeof count, "%lld", (long long)n);
	const char *params[2] = { table, count };
	if (!PQsendQueryParams(b->conn,
			       "SELECT nextval(q.s) FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s OFFSET 0) q,"
			       " generate_series(1, $2::bigint)", 2,
			       NULL, params, NULL, NULL, 0))
		return conn_fail(b, "sending");
	b->pending++;
	PGresult *r = NULL;
	int rc = sync_drain(b, &r);
	if (rc)
		return mlmd__context(rc, "reserving %lld ids of %s", (long long)n, table);
	if (!r || PQntuples(r) != n) {
		int got = r ? PQntuples(r) : 0;
		PQclear(r);
		return mlmd__fail(MLMD_INTERNAL, "PostgreSQL: reserving %lld ids of %s returned %d rows", (long long)n,
				  table, got);
	}
	for (int i = 0; i < (int)n; i++)
		ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	PQclear(r);
	return 0;
}

/* Takes the transaction-long advisory lock of `key`: the lock (KEY_SPACE,
 * mlmd__lock_hash of the key), the hash the core orders keys by, so keys
 * that share a lock are adjacent in that order (sql/locks.c) and two keys
 * sharing one only serializes more. It is sent and not waited for: the
 * server runs it before the statements sent after it, and a wait past
 * lock_timeout or a deadlock fails the next sync (ABORTED). */
static int pg_lock(mlmd_backend *base, const char *key, size_t len)
{
	pg_backend *b = (pg_backend *)base;
	char num[16];
	snprintf(num, sizeof num, "%d", (int)(int32_t)mlmd__lock_hash(key, len));
	const char *params[1] = { num };
	if (!PQsendQueryParams(b->conn, "SELECT pg_advisory_xact_lock(" KEY_SPACE ", $1::int)", 1, NULL, params,
			       NULL, NULL, 0))
		return conn_fail(b, "sending");
	if (++b->pending >= MAX_PENDING)
		return sync_drain(b, NULL);
	return 0;
}

#define PG_GC_TABLES \
	"artifact, artifact_property, execution, execution_property, context, context_property, metric, label, " \
	"label_reach"
/* mlmd_store_gc: VACUUM (full: VACUUM FULL) of the tables that hold
 * deleted values, one statement outside any transaction block. Plain VACUUM
 * marks dead rows' space reusable but leaves their bytes in the pages until
 * new rows overwrite them (complete = 0); VACUUM FULL writes each table into
 * new files and unlinks the old ones. The WAL segments and base backups
 * keep what they recorded (docs/datagov.md). */
static int pg_compact(mlmd_backend *base, int full, int *complete, int64_t *pages_freed, char *detail,
		      size_t detail_len)
{
	*pages_freed = 0;
	*complete = 0;
	int rc = pg_exec(base, full ? "VACUUM (FULL) " PG_GC_TABLES : "VACUUM " PG_GC_TABLES);
	if (rc)
		return rc;
	*complete = full;
	snprintf(detail, detail_len, "%s",
		 full ? "VACUUM FULL: the node, property, metric and label tables were rewritten into new files; "
			"WAL segments and backups keep what they recorded until they are recycled or expire"
		      : "VACUUM: dead rows' space is reusable, but their bytes stay in the pages until "
			"overwritten; gc --full (VACUUM FULL) rewrites the tables");
	return 0;
}

/* The schema's column types (see ddl.h): ID, INT, DBL, BLOB, no clustered
 * tables, and hash indexes on unbounded text (a btree refuses entries above
 * ~2.7 KB, MLMD #194). */
#define PG_TYPES "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BIGINT", "DOUBLE PRECISION", "BYTEA", "", \
	" USING hash"
static const mlmd_schema_step pg_schema[] = { MLMD_DDL_STEPS(PG_TYPES, MLMD_DDL_STRING_HASH) };

static const mlmd_dialect pg_dialect = {
	"postgresql",
	/* the tables of the current schema */
	"SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
	pg_schema, (int)(sizeof pg_schema / sizeof pg_schema[0]),
};

static const mlmd_backend pg_vtable = {
	MLMD_BACKEND_VERSION, &pg_dialect,
	pg_close, pg_begin, pg_commit, pg_rollback, pg_exec, pg_prepare,
	pg_bind_null, pg_bind_int64, pg_bind_double, pg_bind_text, pg_bind_blob,
	pg_step, pg_column_type, pg_column_int64, pg_column_double, pg_column_text,
	pg_column_blob, pg_reset, pg_finalize, pg_changes,
	NULL, /* no last_insert_id: inserts use RETURNING id */
	pg_step_deferred,
	NULL, /* reserve_ids: ids need not be consecutive, so reserve_id_list */
	pg_compact,
	pg_lock,
	pg_reserve_id_list,
};

/* ---- opening ------------------------------------------------------------------------- */

/* Connects with keyword/value pairs (the first dbname may be a URI). */
static PGconn *connect_kv(const char *const *keys, const char *const *vals)
{
	return PQconnectdbParams(keys, vals, 1);
}

/* Creates database `db` through the maintenance database unless it exists. */
static int create_database(const char *const *keys, const char *const *vals, int n, const char *db, const char *server)
{
	const char *k2[24], *v2[24];
	int m = 0;
	for (int i = 0; i < n && m < 22; i++) {
		k2[m] = keys[i];
		v2[m++] = vals[i];
	}
	k2[m] = "dbname"; /* a later dbname overrides the URI's */
	v2[m++] = "postgres";
	k2[m] = NULL;
	v2[m] = NULL;
	PGconn *c = connect_kv(k2, v2);
	if (PQstatus(c) != CONNECTION_OK) {
		int rc = mlmd__fail(MLMD_UNAVAILABLE, "PostgreSQL server %s: cannot connect to create database '%s': %s",
				    server, db, PQerrorMessage(c));
		PQfinish(c);
		return rc;
	}
	const char *params[1] = { db };
	PGresult *r = PQexecParams(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params, NULL, NULL, 0);
	int exists = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	int rc = 0;
	if (!exists) {
		char *ident = PQescapeIdentifier(c, db, strlen(db));
		char sql[512];
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", ident ? ident : "\"\"");
		PQfreemem(ident);
		r = PQexec(c, sql);
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && !(state && !strcmp(state, "42P04"))))
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "PostgreSQL server %s: cannot create database '%s': %s",
					server, db, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

/*
 * Opens a connection. keys/vals (n pairs) are libpq connection keywords; the
 * first may be dbname=<URI>. Creates the database first when create is set.
 */
int mlmd__pg_open(mlmd_backend **out, const char *const *keys, const char *const *vals, int n, int create,
		  int busy_timeout_ms)
{
	const char *k[24], *v[24];
	if (n > 22)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "too many PostgreSQL connection options");
	for (int i = 0; i < n; i++) {
		k[i] = keys[i];
		v[i] = vals[i];
	}
	k[n] = NULL;
	v[n] = NULL;
	/* what the options name, for messages and for creating the database */
	char *db = NULL, server[256] = "";
	PQconninfoOption *opts = NULL;
	{
		PGconn *probe = PQconnectStartParams(k, v, 1); /* parses without blocking */
		if (probe) {
			opts = PQconninfo(probe);
			PQfinish(probe);
		}
	}
	const char *host = NULL, *port = NULL;
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!strcmp(o->keyword, "dbname") && o->val)
			db = mlmd__strdup(o->val);
		else if (!strcmp(o->keyword, "host") && o->val)
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr") && o->val && !host)
			host = o->val;
		else if (!strcmp(o->keyword, "port") && o->val)
			port = o->val;
	}
	snprintf(server, sizeof server, "%s:%s/%s", host && *host ? host : "localhost", port && *port ? port : "5432",
		 db ? db : "");
	PQconninfoFree(opts);
	int rc = 0;
	if (create && db && *db)
		rc = create_database(k, v, n, db, server);
	free(db);
	if (rc)
		return rc;
	pg_backend *b = calloc(1, sizeof *b);
	if (!b || !(b->server = mlmd__strdup(server))) {
		free(b);
		return MLMD_OOM();
	}
	b->base = pg_vtable;
	b->busy_timeout_ms = busy_timeout_ms;
	b->gen = 1;
	b->conn = connect_kv(k, v);
	if (PQstatus(b->conn) != CONNECTION_OK) {
		rc = conn_fail(b, "connecting");
		pg_close(&b->base);
		return rc;
	}
	PQsetNoticeProcessor(b->conn, quiet, NULL); /* kept across PQreset */
	if ((rc = session_setup(b))) {
		pg_close(&b->base);
		return rc;
	}
	*out = &b->base;
	return 0;
}

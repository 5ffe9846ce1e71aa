/*
 * sqlext/sx.h - shared by the files of lib/sqlext (mlmd/sqlite.h): the
 * per-connection state and the SQLite routines it calls through.
 *
 * Every call into SQLite goes through the sqlite3_api_routines table the
 * connection was registered with (the shell's table for a loaded extension,
 * host_api.c's table of this library's SQLite for mlmd_sqlite_register), so
 * a shell whose SQLite is another copy than the library's works, and there
 * is no global: the table lives in the connection's state.
 */
#ifndef MLMD_SQLEXT_SX_H
#define MLMD_SQLEXT_SX_H

#include <sqlite3ext.h>
#include <mlmd.h>

struct sx_stmt;

/* What the functions registered on one connection share. Freed when the
 * last of them is destroyed (the connection closes) and no statement uses
 * a model any more. SQLite serializes the calls on one connection (and the
 * auxdata destructors), so nothing here is locked. */
typedef struct sx_conn {
	const sqlite3_api_routines *api;
	char *store_uri;     /* the store model references resolve in */
	char *actor;         /* NULL: the store's default */
	int refs;            /* functions registered and not yet destroyed, statements using a model */
	struct sx_stmt *cache; /* the loaded models (stmt.c), in use or idle */
	uint64_t tick;       /* statement ends so far: an idle model's age */
} sx_conn;

/* The table of this library's own SQLite (host_api.c). */
const sqlite3_api_routines *mlmd__sx_host_api(void);
/* Whether `api` is the table of this library's own SQLite copy. */
int mlmd__sx_same_sqlite(const sqlite3_api_routines *api);
/* The connection state of a call: the function's user data, read with the
 * library's own sqlite3_user_data() (the one routine that cannot go
 * through the table, which the state holds); the entry point refuses an
 * SQLite that is another copy than the library's, so this is the same
 * routine the table has. */
sx_conn *mlmd__sx_conn_of(sqlite3_context *ctx);

/* Registers every function on db; the state is shared by them (refs). */
int mlmd__sx_register_all(sqlite3 *db, sx_conn *c);
void mlmd__sx_conn_release(void *p);

#endif

/* ---- one statement's model (stmt.c) ------------------------------------------------ */

/* A loaded model of the connection's cache: a scorer opened on the model
 * argument (verified, gated), the model's inputs flattened to features (one
 * SQL argument each) and one row of input buffers. One statement's call
 * site uses it at a time (busy); the statement's first call restarts its
 * scorer (a new serving execution; the model reloaded only when the alias
 * moved) and the statement's end (the call site's auxdata destructor)
 * finishes it, recording the statement's statistics. Idle entries stay
 * loaded for the next statement with the same store and model argument, at
 * most SX_CACHE_IDLE of them (the least recently used go first); all are
 * freed when the connection closes. */
#define SX_CACHE_IDLE 8
typedef struct sx_stmt {
	const sqlite3_api_routines *api;
	struct sx_stmt *next;     /* the connection's cache */
	char *store_uri;          /* the key: the store and */
	char *model_text;         /*   the model argument (an id in decimal), also for messages */
	int busy;                 /* a statement uses it */
	uint64_t used;            /* the connection's tick at its last statement end */
	mlmd_scorer *scorer;
	mlmd_scorer_ctx *sctx;
	mlmd_model *model;        /* a reference to the model served */
	size_t n_in;              /* the model's inputs */
	mlmd_tensor *in;          /* one row each */
	size_t n_feat;            /* SQL arguments: the inputs' columns in order */
	char **feat_name;
	size_t *feat_input, *feat_col;
	unsigned char *seen;      /* per feature: given in the JSON object */
	int cls_output;           /* the output with class labels, -1 when none */
	mlmd_explainer *explainer;/* built at the first mlmd_explain() */
	mlmd_score_ctx *ectx;
	double *ebuf;             /* K x (F + 1) contributions, then K margins */
} sx_stmt;

/* The loaded model for the model argument argv[0] of function `fn` in this
 * statement: taken from the cache (restarted) or opened at the statement's
 * first call. NULL after reporting the error. */
sx_stmt *mlmd__sx_stmt_get(sqlite3_context *ctx, sqlite3_value *model, const char *fn);
/* Frees the connection's cache (every entry idle: the connection closes). */
void mlmd__sx_cache_free(sx_conn *c);
/* Sets feature i of the row from an SQL value (argument number argno,
 * 1-based, for messages). 0, or reports the error and returns -1. */
int mlmd__sx_set_value(sqlite3_context *ctx, sx_stmt *st, size_t i, sqlite3_value *v, const char *fn, int argno);
/* Sets every feature from a JSON object's text. 0, or reports and -1. */
int mlmd__sx_set_json(sqlite3_context *ctx, sx_stmt *st, sqlite3_value *v, const char *fn, int argno);
/* Reports "fn: <message>" as the SQL error. */
void mlmd__sx_error(sqlite3_context *ctx, const sqlite3_api_routines *api, const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * mlmd/sqlite.h - models inside the database: SQL functions that score with
 * the store's governed models on an SQLite connection (docs/sql.md).
 *
 *   SELECT id, mlmd_score('churn@prod', age, income) FROM customers;
 *
 * Functions registered on a connection:
 *   mlmd_use_store(uri)                       the metadata store the model
 *                                             references resolve in (else
 *                                             $MLMD_STORE, else sqlite:mlmd.db)
 *   mlmd_score(model, x1, x2, ...)            the prediction: a class label or a value
 *   mlmd_score_proba(model, label, x1, ...)   the probability of one class
 *   mlmd_explain(model, feature, x1, ...)     one feature's contribution (mlmd/explain.h)
 *   mlmd_score_json(model, json_object)       inputs by name, and _proba/_explain likewise
 *   mlmd_score_proba_json(model, label, json), mlmd_explain_json(model, feature, json)
 * `model` is a registry reference ("NAME@ALIAS", "NAME/VERSION") or a model
 * artifact id, resolved again at each statement's first row (so a moved
 * alias is followed by the next statement) and checked by the serving gate
 * there; its model is loaded (its file read and verified against its
 * digest) once per connection and cached across statements until the alias
 * moves (mlmd_scorer_restart(), mlmd/serving.h: a file changed on disk
 * after the load is not read again). Each statement that scores is recorded
 * as its own serving execution with the statistics of other scoring, when
 * the statement finishes; two call sites or statements using one model at
 * once each get their own scorer. NULL
 * arguments are missing values (NaN); text and blobs are errors naming the
 * argument. `feature` is a 0-based index or the explainer's feature name.
 *
 * This header needs neither sqlite3.h nor the store's headers.
 */
#ifndef MLMD_SQLITE_H
#define MLMD_SQLITE_H

#include "common.h"

struct sqlite3;
struct sqlite3_api_routines;

MLMD_BEGIN_DECLS

typedef struct mlmd_sqlite_options {
	unsigned version;        /* MLMD_SQLITE_OPTIONS_VERSION */
	const char *store_uri;   /* the store until mlmd_use_store(); NULL: $MLMD_STORE, else sqlite:mlmd.db */
	const char *actor;       /* who the serving records are by; NULL: the store's default */
} mlmd_sqlite_options;

#define MLMD_SQLITE_OPTIONS_VERSION 1
#define MLMD_SQLITE_OPTIONS_INIT { MLMD_SQLITE_OPTIONS_VERSION, NULL, NULL }

/* Registers the functions on `db` (a host that holds the connection); opts
 * may be NULL for the defaults. What they keep (the loaded models, each with
 * its store handle: those in use and up to 8 idle ones) is freed when the
 * connection closes. */
MLMD_EXTERN(int) mlmd_sqlite_register(struct sqlite3 *db, const mlmd_sqlite_options *opts);

/* The loadable-extension entry point: `.load libmlmd.so mlmd_sqlite_extension_init`
 * in the sqlite3 shell, or sqlite3_load_extension(). Returns an SQLite
 * result code (SQLITE_OK, else SQLITE_ERROR with *errmsg from sqlite3_malloc),
 * as SQLite requires of an entry point. The program's SQLite must be the
 * copy libmlmd uses (the system's libsqlite3); another copy is refused with
 * a message saying so (use mlmd_sqlite_register() from such a host). */
MLMD_EXTERN(int) mlmd_sqlite_extension_init(struct sqlite3 *db, char **errmsg, const struct sqlite3_api_routines *api);

MLMD_END_DECLS

#endif

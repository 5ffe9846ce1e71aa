/*
 * lib/backend/backends.h - the library's own backends: SQLite and
 * PostgreSQL, each one file implementing the public vtable
 * (mlmd/sys/backend.h), and the store URIs that name them.
 *
 * Layer: backend/ is the bottom of the storage stack. It includes util/ and
 * the public headers only; nothing here knows the statement cache, the
 * schema's versions or the store. Each backend's dialect carries its DDL
 * (ddl.h). Only this folder includes sqlite3.h or libpq-fe.h.
 */
#ifndef MLMD_BACKEND_BACKENDS_H
#define MLMD_BACKEND_BACKENDS_H

#include "../util/base.h"
#include "mlmd/sys/backend.h"

/* Opens `path` (a file name, ":memory:", or an SQLite "file:" URI).
 * read_only opens without write access; create=0 refuses a missing file. */
int mlmd__sqlite_open(mlmd_backend **out, const char *path, int read_only, int create,
		      int busy_timeout_ms, int synchronous_full);
/* keys/vals: n libpq connection keywords and values (the first may be
 * dbname=<postgresql:// URI>); create: create the database when missing. */
int mlmd__pg_open(mlmd_backend **out, const char *const *keys, const char *const *vals, int n, int create,
		  int busy_timeout_ms);

/* Opens the backend a store URI names: "sqlite:PATH", "sqlite:///PATH",
 * "sqlite::memory:", "sqlite:file:...?mode=ro", or
 * "postgresql://USER@HOST:PORT/DB" ("postgres://" too). create: create the
 * file or database when missing (never on a read_only PostgreSQL handle,
 * which has no read-only connection flag: the store refuses its writes). An
 * unknown scheme is INVALID_ARGUMENT. On success *out is a new backend; the
 * caller closes it. */
int mlmd__backend_open_uri(mlmd_backend **out, const char *uri, int read_only, int create, int busy_timeout_ms,
			   int synchronous_full);

/* The same for MLMD's ConnectionConfig (fake_database and sqlite open
 * SQLite, postgresql PostgreSQL with its connection fields, mysql is
 * UNIMPLEMENTED). create = 0 never creates a missing file or database (the
 * config's connection_mode or skip_db_creation may forbid it too);
 * *read_only is set when the config asks for a read-only connection. */
struct Mlmd__Pb__ConnectionConfig;
int mlmd__backend_open_config(mlmd_backend **out, const struct Mlmd__Pb__ConnectionConfig *c, int create,
			      int *read_only);

#endif

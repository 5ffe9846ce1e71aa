/*
 * lib/schema/schema.h - the schema's version and its migrations.
 *
 * The DDL of each version comes from the backend's dialect
 * (mlmd_dialect.schema); this layer reads the database's version record,
 * refuses databases that are not mlmd stores, and runs the steps in order,
 * each batch in one write transaction with the version update.
 *
 * Layer: schema/ sits on sql/ (and through it on the backend vtable); it
 * includes sql/sql.h and util/, never store/ or query/.
 */
#ifndef MLMD_SCHEMA_SCHEMA_H
#define MLMD_SCHEMA_SCHEMA_H

#include "../sql/sql.h"

/* The schema version this library reads and writes (mlmd_schema_version()). */
#define MLMD_SCHEMA_VERSION 5
/* The oldest version a store may stay at: a version-2 store lacks only the
 * metric table of experiment tracking, so it opens as it is when the caller
 * does not ask for the upgrade (every MLMD call works; the tracking calls
 * that need the table say the store needs the upgrade), and a backend whose
 * dialect stops at version 2 still serves. Older stores must be upgraded. */
#define MLMD_SCHEMA_VERSION_MIN 2

/* Checks a dialect before it is used: a tables query, and schema steps
 * numbered 1, 2, ... that reach at least MLMD_SCHEMA_VERSION_MIN. INVALID_ARGUMENT names
 * the field and the dialect. */
int mlmd__schema_check(const mlmd_dialect *d);

/* Brings the database to MLMD_SCHEMA_VERSION (or the dialect's last step,
 * when it stops earlier) with the dialect's steps (creating the schema in an
 * empty database); *version is the database's version after. read_only:
 * nothing may be written (a database that needs a step is
 * FAILED_PRECONDITION); upgrade: an older database may be migrated. Without
 * upgrade, a database at MLMD_SCHEMA_VERSION_MIN or later is left at its
 * version. */
int mlmd__schema_prepare(mlmd__sql *s, int read_only, int upgrade, int *version);
/* The same with a given step list, whose last step is the target version;
 * without upgrade, a database at version `oldest` or later (up to the
 * target) is used as it is, an older one refused. */
int mlmd__schema_migrate(mlmd__sql *s, const mlmd_schema_step *steps, int nsteps, int read_only, int upgrade,
			 int oldest, int *version);
/* Takes an existing database down to version `to` in one transaction
 * (MigrationOptions.downgrade_to_schema_version); *version is then `to`. */
int mlmd__schema_downgrade(mlmd__sql *s, int read_only, int64_t to, int *version);

#endif

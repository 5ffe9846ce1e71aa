/*
 * schema/schema.c - the schema's version, and migrations.
 *
 * The schema is ours (not MLMD's physical layout): 64-bit ids, foreign keys,
 * one typed column per property value kind, struct values as JSON text.
 * `mlmd_schema` holds one row with the version. The DDL of each version is
 * the backend's (mlmd_dialect.schema; lib/backend/ddl.h for the library's
 * own backends). Steps are applied in order, in the same transaction as the
 * version update, so a database is always at exactly one version. A newer
 * database is refused; an older one is upgraded only when the caller asks.
 */
#include <string.h>
#include "schema.h"
#include "mlmd/store.h" /* mlmd_schema_version(), exported */

int mlmd_schema_version(void)
{
	return MLMD_SCHEMA_VERSION;
}

/* What a database holds, found by reading its catalogue only. */
enum { DB_EMPTY, DB_MLMD, DB_GOOGLE_MLMD, DB_FOREIGN };

/* ASCII case-insensitive equality (SQLite table names, PostgreSQL's folded
 * identifiers). */
static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/*
 * Classifies the database before anything is written to it: empty (no
 * tables at all), an mlmd store (it has mlmd_schema), a Google MLMD database
 * (MLMDEnv), or something else. *other receives one of the other tables'
 * names for the message (a copy, for DB_FOREIGN).
 */
static int classify(mlmd__sql *s, int *what, char *other, size_t other_len)
{
	sqlq q;
	int rc = mlmd__q(s, &q, s->db->dialect->tables_sql);
	if (rc)
		return rc;
	int mlmd = 0, google = 0, any = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		const char *name = mlmd__q_col_text(&q, 0);
		if (!name)
			continue;
		if (same_name(name, "mlmd_schema"))
			mlmd = 1;
		else if (same_name(name, "MLMDEnv"))
			google = 1;
		if (!any++)
			mlmd__snprintf(other, other_len, "%s", name);
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	*what = mlmd ? DB_MLMD : google ? DB_GOOGLE_MLMD : any ? DB_FOREIGN : DB_EMPTY;
	return 0;
}

/*
 * Reads the version: 0 for an empty database. A database that is not an
 * mlmd store (a Google MLMD file, another application's tables) and a
 * version record that is not one positive integer are refused here, before
 * the caller writes anything, so a refused database is left as it was.
 */
static int read_version(mlmd__sql *s, int *version)
{
	int what = DB_EMPTY, rc;
	char other[128] = "";
	if ((rc = classify(s, &what, other, sizeof other)))
		return rc;
	if (what == DB_GOOGLE_MLMD)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "this database was written by Google MLMD (it has an MLMDEnv table); mlmd keeps its "
				  "own schema and does not open MLMD databases in place: copy it into an mlmd store with "
				  "`mlmd import-mlmd` (the database was not changed)");
	if (what == DB_FOREIGN)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "the database has tables (such as '%s') but no mlmd_schema table: it is not an mlmd "
				  "store, and mlmd only creates its tables in an empty database (the database was not "
				  "changed)", other);
	if (what == DB_EMPTY) {
		*version = 0;
		return 0;
	}
	sqlq q;
	if ((rc = mlmd__q(s, &q, "SELECT version FROM mlmd_schema")))
		return rc;
	int n = 0, bad = 0;
	char shown[64] = "";
	while ((rc = mlmd__q_step(&q)) == 1) {
		n++;
		int64_t v = mlmd__q_col_i64(&q, 0);
		int type = mlmd__q_coltype(&q, 0);
		if (type != MLMD_COL_INT || v < 1 || v > 1000000) {
			const char *t = type == MLMD_COL_NULL ? "NULL" : mlmd__q_col_text(&q, 0);
			mlmd__snprintf(shown, sizeof shown, "%s", t ? t : "?");
			bad = 1;
		}
		*version = (int)v;
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (n != 1)
		return mlmd__fail(MLMD_DATA_LOSS, "mlmd_schema holds %d rows; exactly one is expected", n);
	if (bad)
		return mlmd__fail(MLMD_DATA_LOSS,
				  "mlmd_schema holds version '%s', not a positive schema version: the store's version "
				  "record is damaged (restore the store from a backup or an `mlmd export`)", shown);
	return 0;
}

static int apply_steps(mlmd__sql *s, const mlmd_schema_step *st, int nsteps, int from, int to)
{
	int rc;
	for (int i = 0; i < nsteps; i++) {
		if (st[i].version <= from || st[i].version > to)
			continue;
		if ((rc = mlmd__sql_exec(s, st[i].up)))
			return mlmd__context(rc, "schema migration to version %d", st[i].version);
	}
	sqlq q;
	if (from == 0) {
		if ((rc = mlmd__q(s, &q, "INSERT INTO mlmd_schema (version) VALUES (?)")))
			return rc;
	} else if ((rc = mlmd__q(s, &q, "UPDATE mlmd_schema SET version = ?"))) {
		return rc;
	}
	mlmd__q_i64(&q, 1, to);
	return mlmd__q_exec(&q);
}

/* Brings the schema to the last step's version inside one write transaction. */
int mlmd__schema_migrate(mlmd__sql *s, const mlmd_schema_step *st, int nsteps, int read_only, int upgrade,
			 int oldest, int *version_out)
{
	int target = st[nsteps - 1].version, version = 0, rc;
	if ((rc = read_version(s, &version)))
		return rc;
	if (version == target || (version >= oldest && version < target && !upgrade)) {
		*version_out = version;
		return 0;
	}
	if (version > target)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "database schema version %d is newer than this library's (%d); use a newer mlmd",
				  version, target);
	if (read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  version == 0 ? "database is empty and the store is read-only"
					       : "database schema version %d is older than %d and the store is read-only",
				  version, target);
	if (version > 0 && !upgrade)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "database schema version %d is older than this library's (%d); "
				  "open with upgrade enabled (mlmd_store_options.upgrade, or "
				  "MigrationOptions.enable_upgrade_migration) to migrate it",
				  version, target);
	if ((rc = mlmd__sql_begin(s, 1)))
		return rc;
	/* Re-read under the write lock: another process may have migrated it. */
	if ((rc = read_version(s, &version)))
		goto fail;
	if (version < target && (rc = apply_steps(s, st, nsteps, version, target)))
		goto fail;
	if ((rc = mlmd__sql_commit(s)))
		goto fail;
	*version_out = version < target ? target : version;
	return 0;
fail:
	mlmd__sql_rollback(s);
	return rc;
}

int mlmd__schema_check(const mlmd_dialect *d)
{
	const char *name = d->name ? d->name : "(unnamed)";
	if (!d->tables_sql)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_dialect '%s': tables_sql is NULL", name);
	if (!d->schema || d->n_schema < MLMD_SCHEMA_VERSION_MIN)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_dialect '%s': its schema has %d steps; this library needs versions 1..%d "
				  "(and 1..%d for experiment tracking's metric history)",
				  name, d->schema ? d->n_schema : 0, MLMD_SCHEMA_VERSION_MIN, MLMD_SCHEMA_VERSION);
	int n = d->n_schema < MLMD_SCHEMA_VERSION ? d->n_schema : MLMD_SCHEMA_VERSION;
	for (int i = 0; i < n; i++)
		if (d->schema[i].version != i + 1 || !d->schema[i].up)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "mlmd_dialect '%s': schema step %d must lead to version %d and have DDL "
					  "(it says version %d%s)", name, i, i + 1, d->schema[i].version,
					  d->schema[i].up ? "" : ", up is NULL");
	return 0;
}

int mlmd__schema_prepare(mlmd__sql *s, int read_only, int upgrade, int *version)
{
	/* mlmd__schema_check: steps 0..n-1 lead to versions 1..n, n >= MLMD_SCHEMA_VERSION_MIN */
	const mlmd_dialect *d = s->db->dialect;
	int n = d->n_schema < MLMD_SCHEMA_VERSION ? d->n_schema : MLMD_SCHEMA_VERSION;
	return mlmd__schema_migrate(s, d->schema, n, read_only, upgrade, MLMD_SCHEMA_VERSION_MIN, version);
}

int mlmd__schema_downgrade(mlmd__sql *s, int read_only, int64_t to, int *version_out)
{
	const mlmd_schema_step *steps = s->db->dialect->schema;
	int version = 0, rc;
	if ((rc = read_version(s, &version)))
		return rc;
	if (version == 0)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "cannot downgrade: the database has no mlmd schema");
	if (to < 1 || to > version)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "MLMD cannot be downgraded to schema_version %lld: the database is at version %d and "
				  "the oldest version mlmd can go back to is 1",
				  (long long)to, version);
	if (version > MLMD_SCHEMA_VERSION)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "database schema version %d is newer than this library's (%d); downgrade it with the "
				  "mlmd that wrote it",
				  version, MLMD_SCHEMA_VERSION);
	if (version > s->db->dialect->n_schema)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "cannot downgrade from schema version %d: the backend '%s' knows versions 1..%d only",
				  version, s->db->dialect->name ? s->db->dialect->name : "(unnamed)",
				  s->db->dialect->n_schema);
	if (read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "cannot downgrade a store opened read-only");
	for (int v = version; v > to; v--)
		if (!steps[v - 1].down)
			return mlmd__fail(MLMD_FAILED_PRECONDITION,
					  "cannot downgrade from schema version %d: the backend '%s' has no undo for it",
					  v, s->db->dialect->name ? s->db->dialect->name : "(unnamed)");
	if ((rc = mlmd__sql_begin(s, 1)))
		return rc;
	for (int v = version; v > to && !rc; v--)
		if ((rc = mlmd__sql_exec(s, steps[v - 1].down)))
			mlmd__context(rc, "schema downgrade from version %d", v);
	sqlq q;
	if (!rc && !(rc = mlmd__q(s, &q, "UPDATE mlmd_schema SET version = ?"))) {
		mlmd__q_i64(&q, 1, to);
		rc = mlmd__q_exec(&q);
	}
	if (!rc)
		rc = mlmd__sql_commit(s);
	if (rc) {
		mlmd__sql_rollback(s);
		return rc;
	}
	*version_out = (int)to;
	return 0;
}

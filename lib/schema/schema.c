/*
 * schema/schema.c - the database schema, its version, and migrations.
 *
 * The schema is ours (not MLMD's physical layout): 64-bit ids, foreign keys,
 * one typed column per property value kind, struct values as JSON text.
 * `mlmd_schema` holds one row with the version. Steps are applied in order,
 * each in the same transaction as the version update, so a database is
 * always at exactly one version. A newer database is refused; an older one
 * is upgraded only when the caller asks.
 */
#include <string.h>
#include "../internal.h"

/* Node tables share one layout; uri and state are NULL where a kind has none. */
#define NODE_TABLE(T, NAME_NULL)                                                  \
	"CREATE TABLE " T " ("                                                    \
	"  id INTEGER PRIMARY KEY,"                                               \
	"  type_id INTEGER NOT NULL REFERENCES type(id),"                         \
	"  name TEXT" NAME_NULL ","                                               \
	"  external_id TEXT UNIQUE,"                                              \
	"  uri TEXT,"                                                             \
	"  state INTEGER,"                                                        \
	"  create_time INTEGER NOT NULL,"                                         \
	"  update_time INTEGER NOT NULL,"                                         \
	"  system_metadata BLOB,"                                                 \
	"  UNIQUE (type_id, name));"                                              \
	"CREATE INDEX " T "_by_type ON " T " (type_id, id);"                      \
	"CREATE INDEX " T "_by_ctime ON " T " (create_time, id);"                 \
	"CREATE INDEX " T "_by_mtime ON " T " (update_time, id);"                 \
	"CREATE TABLE " T "_property ("                                           \
	"  node_id INTEGER NOT NULL REFERENCES " T "(id) ON DELETE CASCADE,"      \
	"  is_custom INTEGER NOT NULL,"                                           \
	"  name TEXT NOT NULL,"                                                   \
	"  value_type INTEGER NOT NULL,"                                          \
	"  int_value INTEGER,"                                                    \
	"  double_value REAL,"                                                    \
	"  string_value TEXT,"                                                    \
	"  bool_value INTEGER,"                                                   \
	"  struct_value TEXT,"                                                    \
	"  proto_value BLOB,"                                                     \
	"  PRIMARY KEY (node_id, is_custom, name)) WITHOUT ROWID;"

static const char sqlite_v1[] =
	"CREATE TABLE mlmd_schema (version INTEGER NOT NULL);"
	"CREATE TABLE type ("
	"  id INTEGER PRIMARY KEY,"
	"  kind INTEGER NOT NULL," /* 0 execution, 1 artifact, 2 context */
	"  name TEXT NOT NULL,"
	"  version TEXT NOT NULL DEFAULT '',"
	"  description TEXT,"
	"  external_id TEXT UNIQUE,"
	"  base_type INTEGER NOT NULL DEFAULT 0,"
	"  input_type BLOB,"
	"  output_type BLOB,"
	"  UNIQUE (kind, name, version));"
	"CREATE TABLE type_property ("
	"  type_id INTEGER NOT NULL REFERENCES type(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  value_type INTEGER NOT NULL,"
	"  PRIMARY KEY (type_id, name)) WITHOUT ROWID;"
	NODE_TABLE("artifact", "")
	"CREATE INDEX artifact_by_uri ON artifact (uri);"
	NODE_TABLE("execution", "")
	NODE_TABLE("context", " NOT NULL")
	"CREATE TABLE event ("
	"  id INTEGER PRIMARY KEY,"
	"  artifact_id INTEGER NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"
	"  execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"
	"  type INTEGER NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  system_metadata BLOB,"
	"  UNIQUE (artifact_id, execution_id, type));"
	"CREATE INDEX event_by_execution ON event (execution_id, artifact_id);"
	"CREATE TABLE event_path ("
	"  event_id INTEGER NOT NULL REFERENCES event(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  step_index INTEGER,"
	"  step_key TEXT,"
	"  PRIMARY KEY (event_id, position)) WITHOUT ROWID;"
	"CREATE TABLE attribution ("
	"  context_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	"  artifact_id INTEGER NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (context_id, artifact_id)) WITHOUT ROWID;"
	"CREATE INDEX attribution_by_artifact ON attribution (artifact_id, context_id);"
	"CREATE TABLE association ("
	"  context_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	"  execution_id INTEGER NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (context_id, execution_id)) WITHOUT ROWID;"
	"CREATE INDEX association_by_execution ON association (execution_id, context_id);"
	"CREATE TABLE parent_context ("
	"  child_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	"  parent_id INTEGER NOT NULL REFERENCES context(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (child_id, parent_id)) WITHOUT ROWID;"
	"CREATE INDEX parent_context_by_parent ON parent_context (parent_id, child_id);";

/* Version 2: property-value indexes for filter queries. Each property row
 * has one value column set, so with partial indexes it enters exactly one of
 * them: a write pays for one extra index entry, not four. A comparison on a
 * column (p.int_value > ?) implies IS NOT NULL, which lets the planner use
 * the partial index. */
#define PROP_INDEX(T, COL) \
	"CREATE INDEX " T "_property_by_" COL " ON " T "_property (name, is_custom, " COL ", node_id)" \
	" WHERE " COL " IS NOT NULL;"
#define PROP_INDEXES(T) \
	PROP_INDEX(T, "int_value") PROP_INDEX(T, "double_value") PROP_INDEX(T, "string_value") \
	PROP_INDEX(T, "bool_value")

static const char sqlite_v2[] = PROP_INDEXES("artifact") PROP_INDEXES("execution") PROP_INDEXES("context");

#define DROP_PROP_INDEX(T, COL) "DROP INDEX " T "_property_by_" COL ";"
#define DROP_PROP_INDEXES(T) \
	DROP_PROP_INDEX(T, "int_value") DROP_PROP_INDEX(T, "double_value") DROP_PROP_INDEX(T, "string_value") \
	DROP_PROP_INDEX(T, "bool_value")
static const char sqlite_v2_down[] =
	DROP_PROP_INDEXES("artifact") DROP_PROP_INDEXES("execution") DROP_PROP_INDEXES("context");

/* The library's steps. Append new ones; never edit a released one. */
static const mlmd__schema_step steps[] = {
	{ 1, sqlite_v1, NULL },
	{ 2, sqlite_v2, sqlite_v2_down },
};

#define NSTEPS ((int)(sizeof steps / sizeof steps[0]))
_Static_assert(sizeof steps / sizeof steps[0] == MLMD_SCHEMA_VERSION,
	       "steps run 1..MLMD_SCHEMA_VERSION, one per version");
/* Every step after the first can be undone (downgrade_to_schema_version). */

int mlmd_schema_version(void)
{
	return MLMD_SCHEMA_VERSION;
}

static int table_exists(mlmd_store *s, const char *name, int *exists)
{
	sqlq q;
	int rc = mlmd__q(s, &q, s->db->dialect->table_exists_sql);
	if (rc)
		return rc;
	mlmd__q_text(&q, 1, name);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	*exists = rc;
	return 0;
}

/* Reads the version: 0 for an empty database, -1 for a foreign one. */
static int read_version(mlmd_store *s, int *version)
{
	int exists = 0, rc;
	if ((rc = table_exists(s, "mlmd_schema", &exists)))
		return rc;
	if (!exists) {
		int mlmd_env = 0, other = 0;
		if ((rc = table_exists(s, "MLMDEnv", &mlmd_env)) || (rc = table_exists(s, "type", &other)))
			return rc;
		if (mlmd_env)
			return mlmd__fail(MLMD_FAILED_PRECONDITION,
					  "this database was written by Google MLMD (it has an MLMDEnv table); "
					  "mlmd uses its own schema and cannot open it in place");
		if (other)
			return mlmd__fail(MLMD_FAILED_PRECONDITION,
					  "database has tables but no mlmd_schema table; it is not an mlmd store");
		*version = 0;
		return 0;
	}
	sqlq q;
	if ((rc = mlmd__q(s, &q, "SELECT version FROM mlmd_schema")))
		return rc;
	int n = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		*version = (int)mlmd__q_col_i64(&q, 0);
		n++;
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (n != 1)
		return mlmd__fail(MLMD_DATA_LOSS, "mlmd_schema holds %d rows; exactly one is expected", n);
	return 0;
}

static int apply_steps(mlmd_store *s, const mlmd__schema_step *st, int nsteps, int from, int to)
{
	int rc;
	for (int i = 0; i < nsteps; i++) {
		if (st[i].version <= from || st[i].version > to)
			continue;
		if ((rc = s->db->exec(s->db, st[i].sqlite)))
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
int mlmd__schema_migrate(mlmd_store *s, const mlmd__schema_step *st, int nsteps, int upgrade)
{
	int target = st[nsteps - 1].version, version = 0, rc;
	if ((rc = read_version(s, &version)))
		return rc;
	if (version == target) {
		s->schema_version = version;
		return 0;
	}
	if (version > target)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "database schema version %d is newer than this library's (%d); use a newer mlmd",
				  version, target);
	if (s->read_only)
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
	if ((rc = s->db->begin(s->db, 1)))
		return rc;
	/* Re-read under the write lock: another process may have migrated it. */
	if ((rc = read_version(s, &version)))
		goto fail;
	if (version < target && (rc = apply_steps(s, st, nsteps, version, target)))
		goto fail;
	if ((rc = s->db->commit(s->db)))
		goto fail;
	s->schema_version = version < target ? target : version;
	return 0;
fail:
	s->db->rollback(s->db);
	return rc;
}

int mlmd__schema_prepare(mlmd_store *s, int upgrade)
{
	return mlmd__schema_migrate(s, steps, NSTEPS, upgrade);
}

int mlmd__schema_downgrade(mlmd_store *s, int64_t to)
{
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
	if (version > NSTEPS)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "database schema version %d is newer than this library's (%d); downgrade it with the "
				  "mlmd that wrote it",
				  version, NSTEPS);
	if (s->read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "cannot downgrade a store opened read-only");
	if ((rc = s->db->begin(s->db, 1)))
		return rc;
	for (int v = version; v > to && !rc; v--)
		if ((rc = s->db->exec(s->db, steps[v - 1].sqlite_down)))
			mlmd__context(rc, "schema downgrade from version %d", v);
	sqlq q;
	if (!rc && !(rc = mlmd__q(s, &q, "UPDATE mlmd_schema SET version = ?"))) {
		mlmd__q_i64(&q, 1, to);
		rc = mlmd__q_exec(&q);
	}
	if (!rc)
		rc = s->db->commit(s->db);
	if (rc) {
		s->db->rollback(s->db);
		return rc;
	}
	s->schema_version = (int)to;
	return 0;
}

int mlmd_store_schema_version(mlmd_store *s)
{
	return s ? s->schema_version : 0;
}

/*
 * lib/backend/ddl.h - the DDL of the core schema, for the library's own
 * backends.
 *
 * The schema belongs to the backend's dialect (mlmd_dialect.schema in
 * mlmd/sys/backend.h): each backend hands the core the DDL of every version,
 * and the core (lib/schema/) only runs the steps in order. The built-in
 * backends share this one text, instantiated with their column types; a
 * backend from outside writes its own (docs/backends.md lists the tables and
 * columns the core's SQL expects). Macros only: nothing here is compiled
 * until a backend instantiates it.
 */
#ifndef MLMD_BACKEND_DDL_H
#define MLMD_BACKEND_DDL_H

/*
 * The DDL is written once, with the column types and the few statements that
 * differ between SQLite and PostgreSQL as macro parameters:
 *   ID    a 64-bit auto-assigned primary key   INT  a 64-bit integer
 *   DBL   a double                              BLOB bytes
 *   WR    SQLite's WITHOUT ROWID (clustered tables)
 *   HASH  how an index on unbounded text is built: PostgreSQL's btree refuses
 *         entries above ~2.7 KB (MLMD #194), so it gets a hash index there.
 */

/* Node tables share one layout; uri and state are NULL where a kind has none. */
#define MLMD_DDL_NODE_TABLE(T, NAME_NULL, ID, INT, DBL, BLOB, WR, HASH)                    \
	"CREATE TABLE " T " ("                                                    \
	"  id " ID ","                                                            \
	"  type_id " INT " NOT NULL REFERENCES type(id),"                         \
	"  name TEXT" NAME_NULL ","                                               \
	"  external_id TEXT UNIQUE,"                                              \
	"  uri TEXT,"                                                             \
	"  state " INT ","                                                        \
	"  create_time " INT " NOT NULL,"                                         \
	"  update_time " INT " NOT NULL,"                                         \
	"  system_metadata " BLOB ","                                             \
	"  UNIQUE (type_id, name));"                                              \
	"CREATE INDEX " T "_by_type ON " T " (type_id, id);"                      \
	"CREATE INDEX " T "_by_ctime ON " T " (create_time, id);"                 \
	"CREATE INDEX " T "_by_mtime ON " T " (update_time, id);"                 \
	"CREATE TABLE " T "_property ("                                           \
	"  node_id " INT " NOT NULL REFERENCES " T "(id) ON DELETE CASCADE,"      \
	"  is_custom " INT " NOT NULL,"                                           \
	"  name TEXT NOT NULL,"                                                   \
	"  value_type " INT " NOT NULL,"                                          \
	"  int_value " INT ","                                                    \
	"  double_value " DBL ","                                                 \
	"  string_value TEXT,"                                                    \
	"  bool_value " INT ","                                                   \
	"  struct_value TEXT,"                                                    \
	"  proto_value " BLOB ","                                                 \
	"  PRIMARY KEY (node_id, is_custom, name))" WR ";"

#define MLMD_DDL_V1(ID, INT, DBL, BLOB, WR, HASH)                                                   \
	"CREATE TABLE mlmd_schema (version " INT " NOT NULL);"                                   \
	"CREATE TABLE type ("                                                                     \
	"  id " ID ","                                                                            \
	"  kind " INT " NOT NULL," /* 0 execution, 1 artifact, 2 context */                      \
	"  name TEXT NOT NULL,"                                                                   \
	"  version TEXT NOT NULL DEFAULT '',"                                                     \
	"  description TEXT,"                                                                     \
	"  external_id TEXT UNIQUE,"                                                              \
	"  base_type " INT " NOT NULL DEFAULT 0,"                                                 \
	"  input_type " BLOB ","                                                                  \
	"  output_type " BLOB ","                                                                 \
	"  UNIQUE (kind, name, version));"                                                        \
	"CREATE TABLE type_property ("                                                            \
	"  type_id " INT " NOT NULL REFERENCES type(id) ON DELETE CASCADE,"                       \
	"  name TEXT NOT NULL,"                                                                   \
	"  value_type " INT " NOT NULL,"                                                          \
	"  PRIMARY KEY (type_id, name))" WR ";"                                                   \
	MLMD_DDL_NODE_TABLE("artifact", "", ID, INT, DBL, BLOB, WR, HASH)                                  \
	"CREATE INDEX artifact_by_uri ON artifact" HASH " (uri);"                                 \
	MLMD_DDL_NODE_TABLE("execution", "", ID, INT, DBL, BLOB, WR, HASH)                                 \
	MLMD_DDL_NODE_TABLE("context", " NOT NULL", ID, INT, DBL, BLOB, WR, HASH)                          \
	"CREATE TABLE event ("                                                                    \
	"  id " ID ","                                                                            \
	"  artifact_id " INT " NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"               \
	"  execution_id " INT " NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"             \
	"  type " INT " NOT NULL,"                                                                \
	"  time " INT " NOT NULL,"                                                                \
	"  system_metadata " BLOB ","                                                             \
	"  UNIQUE (artifact_id, execution_id, type));"                                            \
	"CREATE INDEX event_by_execution ON event (execution_id, artifact_id);"                   \
	"CREATE TABLE event_path ("                                                               \
	"  event_id " INT " NOT NULL REFERENCES event(id) ON DELETE CASCADE,"                     \
	"  position " INT " NOT NULL,"                                                            \
	"  step_index " INT ","                                                                   \
	"  step_key TEXT,"                                                                        \
	"  PRIMARY KEY (event_id, position))" WR ";"                                              \
	"CREATE TABLE attribution ("                                                              \
	"  context_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                 \
	"  artifact_id " INT " NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,"               \
	"  PRIMARY KEY (context_id, artifact_id))" WR ";"                                         \
	"CREATE INDEX attribution_by_artifact ON attribution (artifact_id, context_id);"         \
	"CREATE TABLE association ("                                                              \
	"  context_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                 \
	"  execution_id " INT " NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"             \
	"  PRIMARY KEY (context_id, execution_id))" WR ";"                                        \
	"CREATE INDEX association_by_execution ON association (execution_id, context_id);"       \
	"CREATE TABLE parent_context ("                                                           \
	"  child_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                   \
	"  parent_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                  \
	"  PRIMARY KEY (child_id, parent_id))" WR ";"                                             \
	"CREATE INDEX parent_context_by_parent ON parent_context (parent_id, child_id);"

/* MLMD_DDL_V1(TYPES) with TYPES one macro expanding to the six arguments. */
#define MLMD_DDL_V1_(...) MLMD_DDL_V1(__VA_ARGS__)

/* Version 2: property-value indexes for filter queries. Each property row
 * has one value column set, so with partial indexes it enters exactly one of
 * them: a write pays for one extra index entry, not four. A comparison on a
 * column (p.int_value > ?) implies IS NOT NULL, which lets the planner use
 * the partial index. STRING(T) builds the index on string values: a btree
 * like the others (MLMD_DDL_STRING_BTREE), or on PostgreSQL a hash index on
 * the value alone (MLMD_DDL_STRING_HASH; a btree would refuse long strings). */
#define MLMD_DDL_PROP_INDEX(T, COL) \
	"CREATE INDEX " T "_property_by_" COL " ON " T "_property (name, is_custom, " COL ", node_id)" \
	" WHERE " COL " IS NOT NULL;"
#define MLMD_DDL_STRING_BTREE(T) MLMD_DDL_PROP_INDEX(T, "string_value")
#define MLMD_DDL_STRING_HASH(T) \
	"CREATE INDEX " T "_property_by_string_value ON " T "_property USING hash (string_value)" \
	" WHERE string_value IS NOT NULL;"
#define MLMD_DDL_PROP_INDEXES(T, STRING) \
	MLMD_DDL_PROP_INDEX(T, "int_value") MLMD_DDL_PROP_INDEX(T, "double_value") STRING(T) \
	MLMD_DDL_PROP_INDEX(T, "bool_value")
#define MLMD_DDL_V2(STRING) \
	MLMD_DDL_PROP_INDEXES("artifact", STRING) MLMD_DDL_PROP_INDEXES("execution", STRING) \
	MLMD_DDL_PROP_INDEXES("context", STRING)

#define MLMD_DDL_DROP_PROP_INDEX(T, COL) "DROP INDEX " T "_property_by_" COL ";"
#define MLMD_DDL_DROP_PROP_INDEXES(T) \
	MLMD_DDL_DROP_PROP_INDEX(T, "int_value") MLMD_DDL_DROP_PROP_INDEX(T, "double_value") \
	MLMD_DDL_DROP_PROP_INDEX(T, "string_value") MLMD_DDL_DROP_PROP_INDEX(T, "bool_value")
#define MLMD_DDL_V2_DOWN \
	MLMD_DDL_DROP_PROP_INDEXES("artifact") MLMD_DDL_DROP_PROP_INDEXES("execution") \
	MLMD_DDL_DROP_PROP_INDEXES("context")

/* Version 3: the metric history of experiment tracking (docs/tracking.md).
 * One row per point; value NULL is NaN (as in property rows). The index
 * makes one run's key one range scan, in step, then timestamp, then logging
 * order. Keys are bounded by the Log RPC (256 bytes), so a btree takes them
 * on PostgreSQL too. */
#define MLMD_DDL_V3(ID, INT, DBL, BLOB, WR, HASH)                                                   \
	"CREATE TABLE metric ("                                                                   \
	"  id " ID ","                                                                            \
	"  execution_id " INT " NOT NULL REFERENCES execution(id) ON DELETE CASCADE,"             \
	"  key TEXT NOT NULL,"                                                                    \
	"  step " INT " NOT NULL,"                                                                \
	"  timestamp " INT " NOT NULL,"                                                           \
	"  value " DBL ");"                                                                       \
	"CREATE INDEX metric_by_run ON metric (execution_id, key, step, timestamp, id);"
#define MLMD_DDL_V3_(...) MLMD_DDL_V3(__VA_ARGS__)
#define MLMD_DDL_V3_DOWN "DROP TABLE metric;"

/* Version 4: governance (docs/registry.md, docs/audit.md).
 * audit_log is the append-only chain of every write: one row per writing
 * call, its hash over the row's other columns and the previous row's hash
 * (a rowid table on SQLite: appending fills pages in order). audit_archive keeps another store's records brought in by an
 * import, under the seq of the import's own record. The registry's models
 * and versions are MLMD contexts; its aliases, policies, requests, approvals
 * and every alias move have their own tables, keyed by the model's context. */
#define MLMD_DDL_V4(ID, INT, DBL, BLOB, WR, HASH)                                                   \
	"CREATE TABLE audit_log ("                                                                \
	"  seq " ID ","                                                                           \
	"  time " INT " NOT NULL,"                                                                \
	"  actor TEXT NOT NULL,"                                                                  \
	"  operation TEXT NOT NULL,"                                                              \
	"  ids TEXT NOT NULL,"                                                                    \
	"  request_sha256 TEXT NOT NULL,"                                                         \
	"  prev_hash TEXT NOT NULL,"                                                              \
	"  hash TEXT NOT NULL);"                                                                  \
	"CREATE TABLE audit_archive ("                                                            \
	"  import_seq " INT " NOT NULL,"                                                          \
	"  seq " INT " NOT NULL,"                                                                 \
	"  time " INT " NOT NULL,"                                                                \
	"  actor TEXT NOT NULL,"                                                                  \
	"  operation TEXT NOT NULL,"                                                              \
	"  ids TEXT NOT NULL,"                                                                    \
	"  request_sha256 TEXT NOT NULL,"                                                         \
	"  prev_hash TEXT NOT NULL,"                                                              \
	"  hash TEXT NOT NULL,"                                                                   \
	"  PRIMARY KEY (import_seq, seq))" WR ";"                                                 \
	"CREATE TABLE alias ("                                                                    \
	"  model_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                   \
	"  alias TEXT NOT NULL,"                                                                  \
	"  version " INT " NOT NULL,"                                                             \
	"  PRIMARY KEY (model_id, alias))" WR ";"                                                 \
	"CREATE TABLE alias_history ("                                                            \
	"  id " ID ","                                                                            \
	"  model_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                   \
	"  alias TEXT NOT NULL,"                                                                  \
	"  old_version " INT " NOT NULL,"                                                         \
	"  new_version " INT " NOT NULL,"                                                         \
	"  time " INT " NOT NULL,"                                                                \
	"  actor TEXT NOT NULL,"                                                                  \
	"  request_id " INT " NOT NULL);"                                                         \
	"CREATE INDEX alias_history_by_alias ON alias_history (model_id, alias, time, id);"      \
	"CREATE TABLE alias_policy ("                                                             \
	"  model_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                   \
	"  alias TEXT NOT NULL,"                                                                  \
	"  approvals " INT " NOT NULL,"                                                           \
	"  actor TEXT NOT NULL,"                                                                  \
	"  time " INT " NOT NULL,"                                                                \
	"  PRIMARY KEY (model_id, alias))" WR ";"                                                 \
	"CREATE TABLE alias_policy_require ("                                                     \
	"  model_id " INT " NOT NULL,"                                                            \
	"  alias TEXT NOT NULL,"                                                                  \
	"  key TEXT NOT NULL,"                                                                    \
	"  value TEXT NOT NULL,"                                                                  \
	"  PRIMARY KEY (model_id, alias, key),"                                                   \
	"  FOREIGN KEY (model_id, alias) REFERENCES alias_policy(model_id, alias) ON DELETE CASCADE)" WR ";" \
	"CREATE TABLE alias_request ("                                                            \
	"  id " ID ","                                                                            \
	"  model_id " INT " NOT NULL REFERENCES context(id) ON DELETE CASCADE,"                   \
	"  requester TEXT NOT NULL,"                                                              \
	"  comment TEXT NOT NULL,"                                                                \
	"  status " INT " NOT NULL,"                                                              \
	"  create_time " INT " NOT NULL,"                                                         \
	"  decide_time " INT ");"                                                                 \
	"CREATE INDEX alias_request_by_model ON alias_request (model_id, status, id);"           \
	"CREATE TABLE alias_request_move ("                                                       \
	"  request_id " INT " NOT NULL REFERENCES alias_request(id) ON DELETE CASCADE,"           \
	"  position " INT " NOT NULL,"                                                            \
	"  alias TEXT NOT NULL,"                                                                  \
	"  version " INT " NOT NULL,"                                                             \
	"  PRIMARY KEY (request_id, position))" WR ";"                                            \
	"CREATE TABLE alias_approval ("                                                           \
	"  request_id " INT " NOT NULL REFERENCES alias_request(id) ON DELETE CASCADE,"           \
	"  actor TEXT NOT NULL,"                                                                  \
	"  approve " INT " NOT NULL,"                                                             \
	"  comment TEXT NOT NULL,"                                                                \
	"  time " INT " NOT NULL,"                                                                \
	"  PRIMARY KEY (request_id, actor))" WR ";"
#define MLMD_DDL_V4_(...) MLMD_DDL_V4(__VA_ARGS__)
#define MLMD_DDL_V4_DOWN \
	"DROP TABLE alias_approval; DROP TABLE alias_request_move; DROP TABLE alias_request;" \
	"DROP TABLE alias_policy_require; DROP TABLE alias_policy; DROP TABLE alias_history; DROP TABLE alias;" \
	"DROP TABLE audit_archive; DROP TABLE audit_log;"

/* Version 5: data governance (docs/datagov.md). A deleted node keeps its
 * row (the events through it reference it) as a tombstone: deleted_time,
 * deleted_by and delete_reason set, its values removed; listings and reads
 * by id leave such rows out. label holds the labels set on nodes (kind as
 * type.kind: 0 execution, 1 artifact, 2 context; until_ms 0 = no end);
 * label_reach every node a label applies to (its own node at distance 0),
 * found by node through label_reach_by_node. serving_gate lists the labels
 * that stop a model from serving; retention_policy one policy per type. */
#define MLMD_DDL_TOMBSTONE_COLS(T, INT) \
	"ALTER TABLE " T " ADD COLUMN deleted_time " INT ";" \
	"ALTER TABLE " T " ADD COLUMN deleted_by TEXT;" \
	"ALTER TABLE " T " ADD COLUMN delete_reason TEXT;"
#define MLMD_DDL_V5(ID, INT, DBL, BLOB, WR, HASH)                                                   \
	MLMD_DDL_TOMBSTONE_COLS("artifact", INT) MLMD_DDL_TOMBSTONE_COLS("execution", INT)               \
	MLMD_DDL_TOMBSTONE_COLS("context", INT)                                                          \
	"CREATE TABLE label ("                                                                    \
	"  id " ID ","                                                                            \
	"  kind " INT " NOT NULL,"                                                                \
	"  node_id " INT " NOT NULL,"                                                             \
	"  label TEXT NOT NULL,"                                                                  \
	"  reason TEXT NOT NULL,"                                                                 \
	"  until_ms " INT " NOT NULL,"                                                            \
	"  propagate " INT " NOT NULL,"                                                           \
	"  actor TEXT NOT NULL,"                                                                  \
	"  time " INT " NOT NULL,"                                                                \
	"  UNIQUE (kind, node_id, label));"                                                       \
	"CREATE INDEX label_by_label ON label (label, id);"                                       \
	"CREATE TABLE label_reach ("                                                              \
	"  label_id " INT " NOT NULL REFERENCES label(id) ON DELETE CASCADE,"                     \
	"  kind " INT " NOT NULL,"                                                                \
	"  node_id " INT " NOT NULL,"                                                             \
	"  distance " INT " NOT NULL,"                                                            \
	"  PRIMARY KEY (label_id, kind, node_id))" WR ";"                                         \
	"CREATE INDEX label_reach_by_node ON label_reach (kind, node_id, label_id);"             \
	"CREATE TABLE serving_gate (label TEXT PRIMARY KEY)" WR ";"                               \
	"INSERT INTO serving_gate (label) VALUES ('POISONED'), ('EXPIRED'), ('RESTRICTED');"      \
	"CREATE TABLE retention_policy ("                                                         \
	"  type_id " INT " PRIMARY KEY REFERENCES type(id) ON DELETE CASCADE,"                    \
	"  kind " INT " NOT NULL,"                                                                \
	"  max_age_ms " INT " NOT NULL,"                                                          \
	"  keep_last " INT " NOT NULL,"                                                           \
	"  actor TEXT NOT NULL,"                                                                  \
	"  time " INT " NOT NULL)" WR ";"
#define MLMD_DDL_V5_(...) MLMD_DDL_V5(__VA_ARGS__)
#define MLMD_DDL_TOMBSTONE_DROP(T) \
	"ALTER TABLE " T " DROP COLUMN deleted_time; ALTER TABLE " T " DROP COLUMN deleted_by;" \
	"ALTER TABLE " T " DROP COLUMN delete_reason;"
#define MLMD_DDL_V5_DOWN \
	"DROP TABLE retention_policy; DROP TABLE serving_gate; DROP TABLE label_reach; DROP TABLE label;" \
	MLMD_DDL_TOMBSTONE_DROP("artifact") MLMD_DDL_TOMBSTONE_DROP("execution") MLMD_DDL_TOMBSTONE_DROP("context")

/* The steps above, in the order the core runs them. Append new versions;
 * never edit a released one. TYPES and STRING as above. */
#define MLMD_DDL_STEPS(TYPES, STRING) \
	{ 1, MLMD_DDL_V1_(TYPES), NULL }, { 2, MLMD_DDL_V2(STRING), MLMD_DDL_V2_DOWN }, \
	{ 3, MLMD_DDL_V3_(TYPES), MLMD_DDL_V3_DOWN }, { 4, MLMD_DDL_V4_(TYPES), MLMD_DDL_V4_DOWN }, \
	{ 5, MLMD_DDL_V5_(TYPES), MLMD_DDL_V5_DOWN }

#endif

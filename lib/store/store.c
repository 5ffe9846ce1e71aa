/*
 * store/store.c - opening and closing a store, and the statement cache.
 */
#include <stdlib.h>
#include <string.h>
#include "../internal.h"

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

static int cache_grow(mlmd_store *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 64;
	stmt_slot *slots = calloc(n, sizeof *slots);
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
static int q_lookup(mlmd_store *s, sqlq *q, const char *sql, int dyn)
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

int mlmd__q(mlmd_store *s, sqlq *q, const char *sql)
{
	return q_lookup(s, q, sql, 0);
}

int mlmd__q_dyn(mlmd_store *s, sqlq *q, const char *sql)
{
	return q_lookup(s, q, sql, 1);
}

void mlmd__stmt_cache_clear(mlmd_store *s)
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

int mlmd__q_insert(mlmd_store *s, sqlq *q, const char *plain, const char *returning)
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

int mlmd__insert_prepare(call *c, int pool, const char *table, sqlq *q, const char *with_id, const char *plain,
			 const char *returning, int64_t *known)
{
	mlmd_backend *db = c->s->db;
	*known = 0;
	if (db->reserve_ids && !c->id_left[pool] && c->batch[pool] > 1) {
		int rc = db->reserve_ids(db, table, c->batch[pool], &c->id_next[pool]);
		if (rc)
			return rc;
		c->id_left[pool] = c->batch[pool];
	}
	if (c->id_left[pool]) {
		*known = c->id_next[pool]++;
		c->id_left[pool]--;
	}
	if (c->batch[pool])
		c->batch[pool]--;
	return *known ? mlmd__q(c->s, q, with_id) : mlmd__q_insert(c->s, q, plain, returning);
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

/* ---- open / free --------------------------------------------------------- */

/* Opens the store on `db`: prepares the schema, or with downgrade >= 0 takes
 * the database down to that version and closes it again (MLMD's contract:
 * the call then fails with CANCELLED saying the downgrade was done). */
static int store_open(mlmd_store **out, mlmd_backend *db, int read_only, int upgrade, int64_t downgrade)
{
	mlmd_store *s = calloc(1, sizeof *s);
	if (!s) {
		db->close(db);
		return MLMD_OOM();
	}
	s->db = db;
	s->read_only = read_only;
	if (downgrade >= 0) {
		int rc = mlmd__schema_downgrade(s, downgrade);
		mlmd_store_free(s);
		if (rc)
			return rc;
		return mlmd__fail(MLMD_CANCELLED,
				  "Downgrade migration was performed. Connection to the downgraded database is "
				  "Cancelled. Now the database is at schema version %lld. Use the mlmd release for "
				  "that schema version to connect to it.",
				  (long long)downgrade);
	}
	int rc = mlmd__schema_prepare(s, upgrade);
	if (rc) {
		mlmd_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int open_sqlite(mlmd_store **out, const char *path, int read_only, int create, int upgrade,
		       int busy_ms, int sync_full, int64_t downgrade)
{
	mlmd_backend *db = NULL;
	int rc = mlmd__sqlite_open(&db, path, read_only, create && downgrade < 0, busy_ms, sync_full);
	if (rc)
		return rc;
	return store_open(out, db, read_only, upgrade, downgrade);
}

/* PostgreSQL has no read-only connection flag; a read_only handle creates
 * no database and no schema, refuses writing calls (run() in rpc.c), and its
 * reads already run in READ ONLY transactions. */
static int open_pg(mlmd_store **out, const char *const *keys, const char *const *vals, int n, int read_only,
		   int create, int upgrade, int busy_ms, int64_t downgrade)
{
	mlmd_backend *db = NULL;
	int rc = mlmd__pg_open(&db, keys, vals, n, create && !read_only && downgrade < 0, busy_ms);
	if (rc)
		return rc;
	return store_open(out, db, read_only, upgrade, downgrade);
}

int mlmd_store_open(mlmd_store **out, const mlmd_store_options *o)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: out is NULL");
	*out = NULL;
	if (!o || !o->uri)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open: options and options->uri are required");
	if (o->version < 1 || o->version > MLMD_STORE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_store_open: options version %u is not supported (expected 1..%d); "
				  "initialise with MLMD_STORE_OPTIONS_INIT",
				  o->version, MLMD_STORE_OPTIONS_VERSION);
	if (!strncmp(o->uri, "postgresql://", 13) || !strncmp(o->uri, "postgres://", 11)) {
		const char *keys[1] = { "dbname" }, *vals[1] = { o->uri };
		return open_pg(out, keys, vals, 1, o->read_only, !o->no_create, o->upgrade, o->busy_timeout_ms, -1);
	}
	if (strncmp(o->uri, "sqlite:", 7) != 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "store uri '%s': unknown scheme; expected sqlite:PATH, sqlite::memory: or "
				  "postgresql://USER@HOST:PORT/DB", o->uri);
	const char *path = o->uri + 7;
	if (strncmp(path, "//", 2) == 0)
		path += 2; /* sqlite:///abs/path */
	if (!*path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "store uri '%s': no path", o->uri);
	return open_sqlite(out, path, o->read_only, !o->no_create, o->upgrade, o->busy_timeout_ms,
			   o->synchronous_full, -1);
}

int mlmd_store_open_config(mlmd_store **out, const void *config, size_t config_len)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_config: out is NULL");
	*out = NULL;
	if (!config && config_len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_open_config: config is NULL");
	if (mlmd__pb_check_wire(&mlmd__pb__connection_config__descriptor, config, config_len, MLMD_MAX_NESTING,
				"ConnectionConfig"))
		return -MLMD_INVALID_ARGUMENT;
	Mlmd__Pb__ConnectionConfig *c = mlmd__pb__connection_config__unpack(NULL, config_len, config);
	if (!c)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "ConnectionConfig: %zu bytes do not parse as ml_metadata.ConnectionConfig",
				  config_len);
	const Mlmd__Pb__MigrationOptions *mo = c->mlmd_migration_options;
	int upgrade = mo && mo->enable_upgrade_migration;
	int64_t downgrade = mo && mo->has_downgrade_to_schema_version ? mo->downgrade_to_schema_version : -1;
	int rc;
	switch (c->config_case) {
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_FAKE_DATABASE:
		rc = open_sqlite(out, ":memory:", 0, 1, upgrade, 0, 0, downgrade);
		break;
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_SQLITE: {
		const char *uri = c->sqlite->filename_uri;
		int mode = c->sqlite->has_connection_mode ? (int)c->sqlite->connection_mode
							   : MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE_OPENCREATE;
		if (!uri || !*uri)
			uri = ":memory:";
		int ro = mode == MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READONLY;
		int create = mode != MLMD__PB__SQLITE_METADATA_SOURCE_CONFIG__CONNECTION_MODE__READWRITE;
		rc = open_sqlite(out, uri, ro, create, upgrade, 0, 0, downgrade);
		break;
	}
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_MYSQL:
		rc = mlmd__fail(MLMD_UNIMPLEMENTED, "ConnectionConfig.mysql: MySQL is not a supported backend");
		break;
	case MLMD__PB__CONNECTION_CONFIG__CONFIG_POSTGRESQL: {
		const Mlmd__Pb__PostgreSQLDatabaseConfig *p = c->postgresql;
		const Mlmd__Pb__PostgreSQLDatabaseConfig__SSLOptions *ssl = p->ssloption;
		const char *keys[16], *vals[16];
		int n = 0;
#define KV(K, V)                                  \
	do {                                      \
		if ((V) && *(V)) {                \
			keys[n] = (K);            \
			vals[n++] = (V);          \
		}                                 \
	} while (0)
		KV("host", p->host);
		KV("hostaddr", p->hostaddr);
		KV("port", p->port);
		KV("user", p->user);
		KV("password", p->password);
		KV("passfile", p->passfile);
		KV("dbname", p->dbname);
		if (ssl) {
			KV("sslmode", ssl->sslmode);
			KV("sslcert", ssl->sslcert);
			KV("sslkey", ssl->sslkey);
			KV("sslpassword", ssl->sslpassword);
			KV("sslrootcert", ssl->sslrootcert);
		}
#undef KV
		if (!p->dbname || !*p->dbname)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "ConnectionConfig.postgresql.dbname is required");
		else
			rc = open_pg(out, keys, vals, n, 0, !(p->has_skip_db_creation && p->skip_db_creation), upgrade, 0,
				     downgrade);
		break;
	}
	default:
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
				"ConnectionConfig: no backend set (one of fake_database, sqlite, postgresql)");
	}
	protobuf_c_message_free_unpacked(&c->base, NULL);
	return rc;
}

void mlmd_store_free(mlmd_store *s)
{
	if (!s)
		return;
	if (s->in_txn || (s->txn_open && !s->txn_failed))
		s->db->rollback(s->db); /* a transaction left open is rolled back */
	mlmd__stmt_cache_clear(s);
	s->db->close(s->db);
	free(s);
}

void mlmd_buffer_free(void *buffer)
{
	free(buffer);
}

/*
 * bench/bench_store.c - core store benchmark (make bench). Not a test.
 *
 * Each workload runs through mlmd and, in the same run, as hand-written raw
 * SQLite with prepared statements over equivalent tables and indexes, and
 * prints both rates and the ratio ours/raw (higher is better for mlmd).
 *   1. 100k artifacts with 3 properties, put in batches of 1000
 *   2. 2000 calls that each put one artifact
 *   3. a 100-row page by type at offset 50k (keyset token), repeated
 *   4. get all 100k artifacts by id, 1000 ids per call
 * Usage: bench_store DIR [put|one|page|get]   (default: all; later ones need put)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util/base.h" /* mlmd__b64_encode, for a page token */
#include "bench.h"

#define N 100000
#define BATCH 1000
#define SINGLES 2000
#define PAGE_REPS 200

/* ---- raw SQLite baseline ----------------------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db;
	rm_db(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		exit(1);
	sqlite3_exec(db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		     "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;"
		     "CREATE TABLE type (id INTEGER PRIMARY KEY, name TEXT);"
		     "INSERT INTO type VALUES (1, 'DataSet');"
		     "CREATE TABLE artifact (id INTEGER PRIMARY KEY, type_id INTEGER NOT NULL REFERENCES type(id),"
		     " name TEXT, external_id TEXT UNIQUE, uri TEXT, state INTEGER, create_time INTEGER NOT NULL,"
		     " update_time INTEGER NOT NULL, UNIQUE (type_id, name));"
		     "CREATE INDEX a_type ON artifact (type_id, id); CREATE INDEX a_ct ON artifact (create_time, id);"
		     "CREATE INDEX a_mt ON artifact (update_time, id); CREATE INDEX a_uri ON artifact (uri);"
		     "CREATE TABLE prop (node_id INTEGER NOT NULL REFERENCES artifact(id), is_custom INTEGER NOT NULL,"
		     " name TEXT NOT NULL, value_type INTEGER, int_value INTEGER, double_value REAL, string_value TEXT,"
		     " PRIMARY KEY (node_id, is_custom, name)) WITHOUT ROWID;"
		     /* the property-value indexes mlmd keeps for filters (schema v2) */
		     "CREATE INDEX p_int ON prop (name, is_custom, int_value, node_id) WHERE int_value IS NOT NULL;"
		     "CREATE INDEX p_dbl ON prop (name, is_custom, double_value, node_id) WHERE double_value IS NOT NULL;"
		     "CREATE INDEX p_str ON prop (name, is_custom, string_value, node_id) WHERE string_value IS NOT NULL;",
		     NULL, NULL, NULL);
	return db;
}

typedef struct raw {
	sqlite3 *db;
	sqlite3_stmt *ins, *prop, *sel, *props, *page;
} raw;

static void raw_prepare(raw *r)
{
	sqlite3_prepare_v2(r->db, "INSERT INTO artifact (type_id, uri, create_time, update_time) VALUES (1, ?, ?, ?)",
			   -1, &r->ins, NULL);
	sqlite3_prepare_v2(r->db, "INSERT INTO prop (node_id, is_custom, name, value_type, int_value, double_value,"
				  " string_value) VALUES (?, 0, ?, ?, ?, ?, ?)", -1, &r->prop, NULL);
	sqlite3_prepare_v2(r->db, "SELECT a.id, a.type_id, t.name, a.uri, a.create_time, a.update_time FROM artifact a"
				  " JOIN type t ON t.id = a.type_id WHERE a.id = ?", -1, &r->sel, NULL);
	sqlite3_prepare_v2(r->db, "SELECT name, value_type, int_value, double_value, string_value FROM prop"
				  " WHERE node_id = ?", -1, &r->props, NULL);
	sqlite3_prepare_v2(r->db, "SELECT id FROM artifact WHERE type_id = 1 AND id > ? ORDER BY id LIMIT 100", -1,
			   &r->page, NULL);
}

static void raw_insert(raw *r, int i)
{
	char uri[64];
	snprintf(uri, sizeof uri, "/data/part-%d", i);
	sqlite3_bind_text(r->ins, 1, uri, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(r->ins, 2, 1);
	sqlite3_bind_int64(r->ins, 3, 1);
	sqlite3_step(r->ins);
	sqlite3_reset(r->ins);
	int64_t id = sqlite3_last_insert_rowid(r->db);
	const char *names[3] = { "span", "score", "split" };
	for (int p = 0; p < 3; p++) {
		sqlite3_bind_int64(r->prop, 1, id);
		sqlite3_bind_text(r->prop, 2, names[p], -1, SQLITE_STATIC);
		sqlite3_bind_int(r->prop, 3, p + 1);
		if (p == 0)
			sqlite3_bind_int64(r->prop, 4, i);
		if (p == 1)
			sqlite3_bind_double(r->prop, 5, i * 0.5);
		if (p == 2)
			sqlite3_bind_text(r->prop, 6, i % 2 ? "train" : "eval", -1, SQLITE_STATIC);
		sqlite3_step(r->prop);
		sqlite3_reset(r->prop);
		sqlite3_clear_bindings(r->prop);
	}
}

/* Reads one artifact and its properties the way a real reader must. */
static long raw_read(raw *r, int64_t id)
{
	long sum = 0;
	sqlite3_bind_int64(r->sel, 1, id);
	if (sqlite3_step(r->sel) == SQLITE_ROW) {
		sum += sqlite3_column_int64(r->sel, 0) + sqlite3_column_bytes(r->sel, 3);
		sqlite3_bind_int64(r->props, 1, id);
		while (sqlite3_step(r->props) == SQLITE_ROW)
			sum += sqlite3_column_bytes(r->props, 0) + sqlite3_column_int64(r->props, 2);
		sqlite3_reset(r->props);
	}
	sqlite3_reset(r->sel);
	return sum;
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	const char *only = argc > 2 ? argv[2] : NULL;
#define RUN(name) (!only || !strcmp(only, name))
	long sink = 0;
	mkdir(dir, 0755);
	char ours_path[1024], raw_path[1024], uri[1100];
	snprintf(ours_path, sizeof ours_path, "%s/bench-mlmd.db", dir);
	snprintf(raw_path, sizeof raw_path, "%s/bench-raw.db", dir);
	rm_db(ours_path);
	snprintf(uri, sizeof uri, "sqlite:%s", ours_path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");
	int64_t tid = put_dataset_type(s);
	raw r = { raw_open(raw_path), 0, 0, 0, 0, 0 };
	raw_prepare(&r);

	printf("mlmd %s core store benchmark: SQLite %s, file stores in %s, WAL, synchronous=NORMAL\n",
	       mlmd_version(), sqlite3_libversion(), dir);
	printf("%-44s %14s %14s %8s\n", "workload", "mlmd", "raw sqlite", "ours/raw");

	/* 1. bulk put */
	double t0 = now_s();
	for (int b = 0; b < N / BATCH; b++) {
		Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
		for (int i = 0; i < BATCH; i++)
			mlmd_message_append(rq, "artifacts", mk_artifact(tid, b * BATCH + i));
		Mlmd__Pb__PutArtifactsResponse *rs;
		if (mlmd_store_put_artifacts(s, rq, &rs))
			die("put batch");
		mlmd_message_free(rs);
		mlmd_message_free(rq);
	}
	double ours = N / (now_s() - t0);
	t0 = now_s();
	for (int b = 0; b < N / BATCH; b++) {
		sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (int i = 0; i < BATCH; i++)
			raw_insert(&r, b * BATCH + i);
		sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
	}
	double rawr = N / (now_s() - t0);
	printf("%-44s %10.0f a/s %10.0f a/s %7.0f%%\n", "put 100k artifacts, 3 props, batches of 1000", ours, rawr,
	       100 * ours / rawr);

	if (!RUN("put") && !RUN("page") && !RUN("get"))
		goto out; /* "one" alone still needed the rows above */
	/* 2. one artifact per call */
	if (RUN("one")) {
	t0 = now_s();
	for (int i = 0; i < SINGLES; i++) {
		Mlmd__Pb__Artifact *a = mk_artifact(tid, N + i);
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = 1;
		rq.artifacts = &a;
		if (mlmd_store_put_artifacts(s, &rq, &rs))
			die("put one");
		mlmd_message_free(rs);
		mlmd_message_free(a);
	}
	ours = SINGLES / (now_s() - t0);
	t0 = now_s();
	for (int i = 0; i < SINGLES; i++) {
		sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		raw_insert(&r, N + i);
		sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
	}
	rawr = SINGLES / (now_s() - t0);
	printf("%-44s %8.0f call/s %8.0f call/s %7.0f%%\n", "put 1 artifact per call (2000 calls)", ours, rawr,
	       100 * ours / rawr);
	}
	if (only && strcmp(only, "page") && strcmp(only, "get"))
		goto out;

	/* 3. a 100-row page by type at offset 50k */
	if (RUN("page")) {
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.has_max_result_size = 1;
	lo.max_result_size = 100;
	Mlmd__Pb__ListOperationNextPageToken tok = MLMD__PB__LIST_OPERATION_NEXT_PAGE_TOKEN__INIT;
	tok.has_id_offset = tok.has_field_offset = 1;
	tok.id_offset = tok.field_offset = 50000;
	tok.set_options = &lo;
	uint8_t raw_tok[256];
	size_t tn = mlmd__pb__list_operation_next_page_token__pack(&tok, raw_tok);
	char *tok64 = mlmd__b64_encode(raw_tok, tn);
	lo.next_page_token = tok64;
	Mlmd__Pb__GetArtifactsByTypeRequest prq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	prq.type_name = "DataSet";
	prq.options = &lo;
	t0 = now_s();
	for (int i = 0; i < PAGE_REPS; i++) {
		Mlmd__Pb__GetArtifactsByTypeResponse *rs;
		if (mlmd_store_get_artifacts_by_type(s, &prq, &rs))
			die("page");
		if (rs->n_artifacts != 100 || rs->artifacts[0]->id != 50001)
			die("page content");
		mlmd_message_free(rs);
	}
	double ours_ms = (now_s() - t0) * 1000 / PAGE_REPS;

	t0 = now_s();
	for (int i = 0; i < PAGE_REPS; i++) {
		sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL);
		int64_t ids[100];
		int n = 0;
		sqlite3_bind_int64(r.page, 1, 50000);
		while (sqlite3_step(r.page) == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(r.page, 0);
		sqlite3_reset(r.page);
		for (int j = 0; j < n; j++)
			sink += raw_read(&r, ids[j]);
		sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
	}
	double raw_ms = (now_s() - t0) * 1000 / PAGE_REPS;
	printf("%-44s %11.3f ms %11.3f ms %7.0f%%\n", "100-row page by type at offset 50k", ours_ms, raw_ms,
	       100 * raw_ms / ours_ms);
	free(tok64);
	}

	/* 4. get 100k by id */
	if (RUN("get")) {
	t0 = now_s();
	for (int b = 0; b < N / BATCH; b++) {
		int64_t ids[BATCH];
		for (int i = 0; i < BATCH; i++)
			ids[i] = b * BATCH + i + 1;
		Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetArtifactsByIDResponse *rs;
		rq.n_artifact_ids = BATCH;
		rq.artifact_ids = ids;
		if (mlmd_store_get_artifacts_by_id(s, &rq, &rs) || rs->n_artifacts != BATCH)
			die("get by id");
		mlmd_message_free(rs);
	}
	ours = N / (now_s() - t0);
	t0 = now_s();
	for (int b = 0; b < N / BATCH; b++) {
		sqlite3_exec(r.db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < BATCH; i++)
			sink += raw_read(&r, b * BATCH + i + 1);
		sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
	}
	rawr = N / (now_s() - t0);
	printf("%-44s %10.0f a/s %10.0f a/s %7.0f%%\n", "get 100k artifacts by id, 1000 per call", ours, rawr,
	       100 * ours / rawr);
	}
	printf("(ratios: ours/raw throughput; for the page row, raw time / our time)  [%ld]\n", sink % 10);
out:

	sqlite3_finalize(r.ins);
	sqlite3_finalize(r.prop);
	sqlite3_finalize(r.sel);
	sqlite3_finalize(r.props);
	sqlite3_finalize(r.page);
	sqlite3_close(r.db);
	mlmd_store_free(s);
	rm_db(ours_path);
	rm_db(raw_path);
	return 0;
}

/*
 * bench/bench_store.c - core store benchmark (make bench). Not a test.
 *
 * Each workload runs through mlmd and, in the same run, as hand-written raw
 * SQLite, and prints both figures and the ratio ours/raw (higher is better
 * for mlmd). Every figure is the median of MLMD_BENCH_REPS repetitions
 * (bench.h) with its spread; ours and raw alternate, and the ratio is the
 * median of the per-repetition ratios.
 *   1. 100k artifacts with 3 properties, put in batches of 1000 (raw: its
 *      own file with equivalent tables and indexes; each repetition adds
 *      100k more to both)
 *   2. 2000 calls that each put one artifact
 *   3. a 100-row page by type at offset 50k (keyset token), repeated: the
 *      typed call, the typed call into one arena (mlmd_store_call_typed with
 *      MLMD_CALL_ARENA), and the bytes call (mlmd_store_call)
 *   4. get the first 100k artifacts by id, 1000 ids per call: the same three
 * The raw baseline of 3 and 4 reads the same rows from the same mlmd
 * database file with prepared statements and builds the same response
 * bytes with the minimal encoder below; the bytes are compared with ours
 * once, before the timed part.
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
#define BENCH_NAME_W 56
#include "bench.h"

#define N 100000
#define BATCH 1000
#define SINGLES 2000
#define PAGE_REPS 200
#define MAX_PAGE_ROWS 100

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
	sqlite3_stmt *ins, *prop;
} raw;

static void raw_prepare(raw *r)
{
	sqlite3_prepare_v2(r->db, "INSERT INTO artifact (type_id, uri, create_time, update_time) VALUES (1, ?, ?, ?)",
			   -1, &r->ins, NULL);
	sqlite3_prepare_v2(r->db, "INSERT INTO prop (node_id, is_custom, name, value_type, int_value, double_value,"
				  " string_value) VALUES (?, 0, ?, ?, ?, ?, ?)", -1, &r->prop, NULL);
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

/* ---- the raw reader: the same rows from mlmd's own file, encoded by hand ---- */

typedef struct wb {
	uint8_t *p;
	size_t len, cap;
} wb;

static void wb_need(wb *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	if (!(b->p = realloc(b->p, cap)))
		exit(1);
	b->cap = cap;
}

static size_t vsize(uint64_t v)
{
	size_t n = 1;
	for (; v >= 0x80; v >>= 7)
		n++;
	return n;
}

static void wb_varint(wb *b, uint64_t v)
{
	wb_need(b, 10);
	for (; v >= 0x80; v >>= 7)
		b->p[b->len++] = (uint8_t)(v | 0x80);
	b->p[b->len++] = (uint8_t)v;
}

static void wb_raw(wb *b, const void *p, size_t n)
{
	wb_need(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void wb_str(wb *b, int field, const void *p, size_t n)
{
	wb_varint(b, (uint64_t)field << 3 | 2);
	wb_varint(b, n);
	wb_raw(b, p, n);
}

static void wb_int(wb *b, int field, int64_t v)
{
	wb_varint(b, (uint64_t)field << 3);
	wb_varint(b, (uint64_t)v);
}

typedef struct reader {
	sqlite3 *db;
	sqlite3_stmt *node, *props, *page;
	wb node_buf;                 /* one artifact, before its length is known */
} reader;

static void reader_open(reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		exit(1);
	sqlite3_exec(r->db, "PRAGMA cache_size=-16384", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(r->db, "SELECT n.type_id, t.name, n.name, n.external_id, n.uri, n.state, n.create_time,"
				      " n.update_time FROM artifact n JOIN type t ON t.id = n.type_id"
				      " WHERE n.id = ? AND n.deleted_time IS NULL", -1, &r->node, NULL) ||
	    sqlite3_prepare_v2(r->db, "SELECT is_custom, name, value_type, int_value, double_value, string_value,"
				      " bool_value FROM artifact_property WHERE node_id = ? ORDER BY is_custom, name",
			       -1, &r->props, NULL) ||
	    sqlite3_prepare_v2(r->db, "SELECT id FROM artifact WHERE type_id = ? AND deleted_time IS NULL AND id > ?"
				      " ORDER BY id LIMIT ?", -1, &r->page, NULL)) {
		fprintf(stderr, "bench: raw reader: %s\n", sqlite3_errmsg(r->db));
		exit(1);
	}
}

static void reader_close(reader *r)
{
	sqlite3_finalize(r->node);
	sqlite3_finalize(r->props);
	sqlite3_finalize(r->page);
	sqlite3_close(r->db);
	free(r->node_buf.p);
}

static void text_field(wb *b, int field, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) != SQLITE_NULL)
		wb_str(b, field, sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
}

/* Appends artifact `id` (when it exists) to out as field 1 of the response,
 * with the properties the benchmark writes (int, double, string, bool). */
static void raw_artifact(reader *r, int64_t id, wb *out)
{
	sqlite3_stmt *n = r->node, *p = r->props;
	sqlite3_bind_int64(n, 1, id);
	if (sqlite3_step(n) != SQLITE_ROW) {
		sqlite3_reset(n);
		return;
	}
	wb *b = &r->node_buf;
	b->len = 0;
	wb_int(b, 1, id);
	wb_int(b, 2, sqlite3_column_int64(n, 0));
	text_field(b, 3, n, 4);
	sqlite3_bind_int64(p, 1, id);
	while (sqlite3_step(p) == SQLITE_ROW) {
		uint8_t v[16];
		size_t vn = 0;
		const void *sv = NULL;
		size_t sn = 0;
		switch (sqlite3_column_int(p, 2)) {
		case 1: { /* INT */
			uint64_t x = (uint64_t)sqlite3_column_int64(p, 3);
			v[vn++] = 0x08;
			for (; x >= 0x80; x >>= 7)
				v[vn++] = (uint8_t)(x | 0x80);
			v[vn++] = (uint8_t)x;
			break;
		}
		case 2: { /* DOUBLE */
			double d = sqlite3_column_double(p, 4);
			v[vn++] = 0x11;
			memcpy(v + vn, &d, 8); /* little-endian hosts */
			vn += 8;
			break;
		}
		case 3: /* STRING */
			sv = sqlite3_column_text(p, 5);
			sn = (size_t)sqlite3_column_bytes(p, 5);
			break;
		case 6: /* BOOLEAN */
			v[vn++] = 0x30;
			v[vn++] = sqlite3_column_int(p, 6) != 0;
			break;
		default:
			fprintf(stderr, "bench: raw reader: a property type it does not encode\n");
			exit(1);
		}
		size_t vlen = sv ? 1 + vsize(sn) + sn : vn;
		const void *key = sqlite3_column_text(p, 1);
		size_t kn = (size_t)sqlite3_column_bytes(p, 1);
		wb_varint(b, sqlite3_column_int(p, 0) ? 0x2a : 0x22);
		wb_varint(b, 1 + vsize(kn) + kn + 1 + vsize(vlen) + vlen);
		wb_str(b, 1, key, kn);
		wb_varint(b, 0x12);
		wb_varint(b, vlen);
		if (sv)
			wb_str(b, 3, sv, sn);
		else
			wb_raw(b, v, vn);
	}
	sqlite3_reset(p);
	if (sqlite3_column_type(n, 5) != SQLITE_NULL)
		wb_int(b, 6, sqlite3_column_int(n, 5));
	text_field(b, 7, n, 2);
	text_field(b, 8, n, 1);
	wb_int(b, 9, sqlite3_column_int64(n, 6));
	wb_int(b, 10, sqlite3_column_int64(n, 7));
	text_field(b, 11, n, 3);
	sqlite3_reset(n);
	wb_str(out, 1, b->p, b->len);
}

/* GetArtifactsByID's bytes for ids[0..n), in one read transaction. */
static void raw_get(reader *r, const int64_t *ids, int n, wb *out)
{
	out->len = 0;
	sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < n; i++)
		raw_artifact(r, ids[i], out);
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
}

/* GetArtifactsByType's bytes for the page of `size` after id `after`, with
 * the token for the next page (options `lo`, as mlmd's list.c writes it). */
static void raw_page(reader *r, int64_t tid, int64_t after, int size, Mlmd__Pb__ListOperationOptions *lo, wb *out)
{
	int64_t ids[MAX_PAGE_ROWS + 1];
	int n = 0;
	out->len = 0;
	sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL);
	sqlite3_bind_int64(r->page, 1, tid);
	sqlite3_bind_int64(r->page, 2, after);
	sqlite3_bind_int(r->page, 3, size + 1);
	while (sqlite3_step(r->page) == SQLITE_ROW && n <= size)
		ids[n++] = sqlite3_column_int64(r->page, 0);
	sqlite3_reset(r->page);
	int more = n > size;
	if (more)
		n = size;
	for (int j = 0; j < n; j++)
		raw_artifact(r, ids[j], out);
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	if (more) {
		Mlmd__Pb__ListOperationNextPageToken t = MLMD__PB__LIST_OPERATION_NEXT_PAGE_TOKEN__INIT;
		Mlmd__Pb__ListOperationOptions set = *lo;
		set.next_page_token = NULL;
		t.has_id_offset = t.has_field_offset = 1;
		t.id_offset = t.field_offset = ids[n - 1];
		t.set_options = &set;
		uint8_t raw_tok[256];
		size_t tn = mlmd__pb__list_operation_next_page_token__pack(&t, raw_tok);
		char *tok = mlmd__b64_encode(raw_tok, tn);
		if (!tok)
			exit(1);
		wb_str(out, 2, tok, strlen(tok));
		free(tok);
	}
}

/* ---- timing helpers ------------------------------------------------------------ */

static uint8_t *pack(const void *m, size_t *n)
{
	*n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(*n + 1);
	if (!b)
		exit(1);
	protobuf_c_message_pack(m, b);
	return b;
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	const char *only = argc > 2 ? argv[2] : NULL;
#define RUN(name) (!only || !strcmp(only, name))
	int reps = bench_rep_count();
	setvbuf(stdout, NULL, _IOLBF, 0); /* rows appear as they are measured */
	mkdir(dir, 0755);
	char ours_path[1024], raw_path[1024];
	snprintf(ours_path, sizeof ours_path, "%s/bench-mlmd.db", dir);
	snprintf(raw_path, sizeof raw_path, "%s/bench-raw.db", dir);
	mlmd_store *s = bench_open_sqlite(ours_path, 1, NULL);
	int64_t tid = put_dataset_type(s);
	raw r = { raw_open(raw_path), 0, 0 };
	raw_prepare(&r);

	printf("mlmd %s core store benchmark: SQLite %s, file stores in %s, WAL, synchronous=NORMAL, %d repetitions\n",
	       mlmd_version(), sqlite3_libversion(), dir, reps);
	bench_head("workload", "mlmd", "raw sqlite", "ours/raw");

	/* 1. bulk put: each repetition adds 100k to both stores */
	bench_reps ours = { 0 }, base = { 0 }, ratio = { 0 };
	int next = 0, raw_next = 0;
	for (int rep = 0; rep < reps; rep++) {
		double t0 = now_s();
		for (int b = 0; b < N / BATCH; b++) {
			Mlmd__Pb__PutArtifactsRequest *rq = mlmd_message_new(&mlmd__pb__put_artifacts_request__descriptor);
			for (int i = 0; i < BATCH; i++)
				mlmd_message_append(rq, "artifacts", mk_artifact(tid, next++));
			Mlmd__Pb__PutArtifactsResponse *rs;
			if (mlmd_store_put_artifacts(s, rq, &rs))
				die("put batch");
			mlmd_message_free(rs);
			mlmd_message_free(rq);
		}
		double o = N / (now_s() - t0);
		t0 = now_s();
		for (int b = 0; b < N / BATCH; b++) {
			sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
			for (int i = 0; i < BATCH; i++)
				raw_insert(&r, raw_next++);
			sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
		}
		double w = N / (now_s() - t0);
		bench_reps_add(&ours, o);
		bench_reps_add(&base, w);
		bench_reps_add(&ratio, 100 * o / w);
		if (only && !RUN("put"))
			break; /* the rows the reads need are there */
	}
	if (RUN("put"))
		bench_row("put 100k artifacts, 3 props, batches of 1000", "%.0f a/s", &ours, &base, "%.0f%%", &ratio);

	/* 2. one artifact per call */
	if (RUN("one")) {
		ours = base = ratio = (bench_reps){ 0 };
		for (int rep = 0; rep < reps; rep++) {
			double t0 = now_s();
			for (int i = 0; i < SINGLES; i++) {
				Mlmd__Pb__Artifact *a = mk_artifact(tid, next++);
				Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
				Mlmd__Pb__PutArtifactsResponse *rs;
				rq.n_artifacts = 1;
				rq.artifacts = &a;
				if (mlmd_store_put_artifacts(s, &rq, &rs))
					die("put one");
				mlmd_message_free(rs);
				mlmd_message_free(a);
			}
			double o = SINGLES / (now_s() - t0);
			t0 = now_s();
			for (int i = 0; i < SINGLES; i++) {
				sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
				raw_insert(&r, raw_next++);
				sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL);
			}
			double w = SINGLES / (now_s() - t0);
			bench_reps_add(&ours, o);
			bench_reps_add(&base, w);
			bench_reps_add(&ratio, 100 * o / w);
		}
		bench_row("put 1 artifact per call (2000 calls)", "%.0f call/s", &ours, &base, "%.0f%%", &ratio);
	}

	reader rd;
	reader_open(&rd, ours_path);
	wb raw_out = { 0 };

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
		size_t plen;
		uint8_t *pbytes = pack(&prq, &plen);
		/* the same bytes, once, untimed */
		void *resp;
		size_t rlen;
		if (mlmd_store_call(s, "GetArtifactsByType", pbytes, plen, &resp, &rlen))
			die("page");
		raw_page(&rd, tid, 50000, 100, &lo, &raw_out);
		if (rlen != raw_out.len || memcmp(resp, raw_out.p, rlen)) {
			fprintf(stderr, "bench: page: mlmd's bytes (%zu) differ from the raw encoder's (%zu)\n", rlen,
				raw_out.len);
			exit(1);
		}
		mlmd_buffer_free(resp);
		bench_reps ot = { 0 }, rt = { 0 }, oa = { 0 }, ra = { 0 };
		ours = base = ratio = (bench_reps){ 0 };
		for (int rep = 0; rep < reps; rep++) {
			double t0 = now_s();
			for (int i = 0; i < PAGE_REPS; i++) {
				Mlmd__Pb__GetArtifactsByTypeResponse *rs;
				if (mlmd_store_get_artifacts_by_type(s, &prq, &rs))
					die("page");
				if (rs->n_artifacts != 100 || rs->artifacts[0]->id != 50001)
					die("page content");
				mlmd_message_free(rs);
			}
			double typed = (now_s() - t0) * 1000 / PAGE_REPS;
			t0 = now_s();
			for (int i = 0; i < PAGE_REPS; i++) {
				Mlmd__Pb__GetArtifactsByTypeResponse *rs;
				if (mlmd_store_call_typed(s, "GetArtifactsByType", &prq, MLMD_CALL_ARENA, (void **)&rs))
					die("page (arena)");
				if (rs->n_artifacts != 100 || rs->artifacts[0]->id != 50001)
					die("page content (arena)");
				mlmd_message_free(rs);
			}
			double arena = (now_s() - t0) * 1000 / PAGE_REPS;
			t0 = now_s();
			for (int i = 0; i < PAGE_REPS; i++) {
				if (mlmd_store_call(s, "GetArtifactsByType", pbytes, plen, &resp, &rlen))
					die("page");
				mlmd_buffer_free(resp);
			}
			double bytes = (now_s() - t0) * 1000 / PAGE_REPS;
			t0 = now_s();
			for (int i = 0; i < PAGE_REPS; i++)
				raw_page(&rd, tid, 50000, 100, &lo, &raw_out);
			double w = (now_s() - t0) * 1000 / PAGE_REPS;
			bench_reps_add(&ot, typed);
			bench_reps_add(&rt, 100 * w / typed);
			bench_reps_add(&oa, arena);
			bench_reps_add(&ra, 100 * w / arena);
			bench_reps_add(&ours, bytes);
			bench_reps_add(&base, w);
			bench_reps_add(&ratio, 100 * w / bytes);
		}
		bench_row("100-row page by type at offset 50k", "%.3f ms", &ot, &base, "%.0f%%", &rt);
		bench_row("100-row page by type at offset 50k (typed, arena)", "%.3f ms", &oa, &base, "%.0f%%", &ra);
		bench_row("100-row page by type at offset 50k, bytes", "%.3f ms", &ours, &base, "%.0f%%", &ratio);
		free(pbytes);
		free(tok64);
	}

	/* 4. get the first 100k by id */
	if (RUN("get")) {
		static int64_t ids[N];
		for (int i = 0; i < N; i++)
			ids[i] = i + 1;
		Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		rq.n_artifact_ids = BATCH;
		uint8_t *calls[N / BATCH];
		size_t lens[N / BATCH];
		for (int b = 0; b < N / BATCH; b++) {
			rq.artifact_ids = ids + b * BATCH;
			calls[b] = pack(&rq, &lens[b]);
		}
		void *resp;
		size_t rlen;
		if (mlmd_store_call(s, "GetArtifactsByID", calls[0], lens[0], &resp, &rlen))
			die("get by id");
		raw_get(&rd, ids, BATCH, &raw_out);
		if (rlen != raw_out.len || memcmp(resp, raw_out.p, rlen)) {
			fprintf(stderr, "bench: get: mlmd's bytes (%zu) differ from the raw encoder's (%zu)\n", rlen,
				raw_out.len);
			exit(1);
		}
		mlmd_buffer_free(resp);
		bench_reps ot = { 0 }, rt = { 0 }, oa = { 0 }, ra = { 0 };
		ours = base = ratio = (bench_reps){ 0 };
		size_t sink = 0;
		for (int rep = 0; rep < reps; rep++) {
			double t0 = now_s();
			for (int b = 0; b < N / BATCH; b++) {
				Mlmd__Pb__GetArtifactsByIDResponse *rs;
				rq.artifact_ids = ids + b * BATCH;
				if (mlmd_store_get_artifacts_by_id(s, &rq, &rs) || rs->n_artifacts != BATCH)
					die("get by id");
				mlmd_message_free(rs);
			}
			double typed = N / (now_s() - t0);
			t0 = now_s();
			for (int b = 0; b < N / BATCH; b++) {
				Mlmd__Pb__GetArtifactsByIDResponse *rs;
				rq.artifact_ids = ids + b * BATCH;
				if (mlmd_store_call_typed(s, "GetArtifactsByID", &rq, MLMD_CALL_ARENA, (void **)&rs) ||
				    rs->n_artifacts != BATCH)
					die("get by id (arena)");
				mlmd_message_free(rs);
			}
			double arena = N / (now_s() - t0);
			t0 = now_s();
			for (int b = 0; b < N / BATCH; b++) {
				if (mlmd_store_call(s, "GetArtifactsByID", calls[b], lens[b], &resp, &rlen))
					die("get by id");
				sink += rlen;
				mlmd_buffer_free(resp);
			}
			double bytes = N / (now_s() - t0);
			t0 = now_s();
			for (int b = 0; b < N / BATCH; b++) {
				raw_get(&rd, ids + b * BATCH, BATCH, &raw_out);
				sink += raw_out.len;
			}
			double w = N / (now_s() - t0);
			bench_reps_add(&ot, typed);
			bench_reps_add(&rt, 100 * typed / w);
			bench_reps_add(&oa, arena);
			bench_reps_add(&ra, 100 * arena / w);
			bench_reps_add(&ours, bytes);
			bench_reps_add(&base, w);
			bench_reps_add(&ratio, 100 * bytes / w);
		}
		bench_row("get 100k artifacts by id, 1000 per call", "%.0f a/s", &ot, &base, "%.0f%%", &rt);
		bench_row("get 100k artifacts by id, 1000 per call (typed, arena)", "%.0f a/s", &oa, &base, "%.0f%%", &ra);
		bench_row("get 100k artifacts by id, 1000 per call, bytes", "%.0f a/s", &ours, &base, "%.0f%%", &ratio);
		for (int b = 0; b < N / BATCH; b++)
			free(calls[b]);
		if (sink == 1)
			printf("\n");
	}
	printf("(medians of %d repetitions, ±: (max - min) / median; ratios: ours/raw throughput, for pages raw time /"
	       " our time;\n the typed rows decode the response, with malloc or into one arena (MLMD_CALL_ARENA);"
	       " the bytes rows and raw do not)\n", reps);

	free(raw_out.p);
	reader_close(&rd);
	sqlite3_finalize(r.ins);
	sqlite3_finalize(r.prop);
	sqlite3_close(r.db);
	mlmd_store_free(s);
	rm_db(ours_path);
	rm_db(raw_path);
	return 0;
}

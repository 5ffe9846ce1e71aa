/*
 * tests/test_plans.c - the indexes behind filters and lineage walks, checked
 * in the database's own query plans: EXPLAIN QUERY PLAN on an SQLite file, and
 * EXPLAIN on PostgreSQL (MLMD_TEST_BACKEND=postgresql).
 *
 * The statements are built the way the library builds them: filters through
 * the filter compiler, the walk's per-hop queries as lineage.c writes them.
 */
#include "helpers.h"
#include <libpq-fe.h>
#include <sqlite3.h>
#include "query/query.h"

/* The per-hop queries of query/lineage.c, for a frontier of one. */
static const char *const hop_sql[2] = {
	"SELECT execution_id, type FROM event WHERE artifact_id IN (?)",
	"SELECT artifact_id, type FROM event WHERE execution_id IN (?)",
};

static char *path;
static mlmd_store *s;
static int64_t ids[2];

/* 2000 artifacts with properties, 1000 executions, a chain of events. */
static int setup(void **st)
{
	(void)st;
	if (backend_is_pg()) {
		s = open_memory();
		path = NULL;
	} else {
		path = tmp_path("plans");
		s = open_file(path);
	}
	int64_t t = artifact_type(s, "D", 2, "n", MLMD__PB__PROPERTY_TYPE__INT, "tag", MLMD__PB__PROPERTY_TYPE__STRING);
	int64_t et = execution_type(s, "X");
	Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	enum { NA = 2000, NE = 1000 };
	static Mlmd__Pb__Artifact *arts[NA];
	static Mlmd__Pb__Execution ex[NE], *exp[NE];
	static Mlmd__Pb__Event ev[NA];
	static Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[NA], *edp[NA];
	for (int i = 0; i < NA; i++) {
		arts[i] = new_artifact(t, "/p");
		OK(mlmd_node_set_int(arts[i], 0, "n", i));
		char tag[32];
		snprintf(tag, sizeof tag, "t%d", i % 50);
		OK(mlmd_node_set_string(arts[i], 0, "tag", tag));
		ev[i] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
		ev[i].has_type = 1;
		ev[i].type = i % 2 ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		ed[i] = (Mlmd__Pb__PutLineageSubgraphRequest__EventEdge)MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
		ed[i].has_execution_index = ed[i].has_artifact_index = 1;
		ed[i].execution_index = i / 2;
		ed[i].artifact_index = i;
		ed[i].event = &ev[i];
		edp[i] = &ed[i];
	}
	for (int i = 0; i < NE; i++) {
		ex[i] = (Mlmd__Pb__Execution)MLMD__PB__EXECUTION__INIT;
		ex[i].has_type_id = 1;
		ex[i].type_id = et;
		exp[i] = &ex[i];
	}
	rq.n_artifacts = NA;
	rq.artifacts = arts;
	rq.n_executions = NE;
	rq.executions = exp;
	rq.n_event_edges = NA;
	rq.event_edges = edp;
	Mlmd__Pb__PutLineageSubgraphResponse *rs;
	OK(mlmd_store_put_lineage_subgraph(s, &rq, &rs));
	ids[0] = rs->artifact_ids[7];
	ids[1] = rs->execution_ids[7];
	mlmd_message_free(rs);
	for (int i = 0; i < NA; i++)
		mlmd_message_free(arts[i]);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	if (path)
		tmp_remove(path);
	return 0;
}

typedef struct param {
	int is_text;
	int64_t i;
	const char *t;
} param;

/* The plan of `sql` ('?' placeholders) with `params`, as one string. */
static char *plan(const char *sql, const param *params, int n, int no_seqscan)
{
	char *out = calloc(1, 8192);
	if (!backend_is_pg()) {
		sqlite3 *db;
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		char q[4096];
		snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", q, sqlite3_errmsg(db));
		for (int i = 0; i < n; i++) {
			if (params[i].is_text)
				sqlite3_bind_text(st, i + 1, params[i].t, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_int64(st, i + 1, params[i].i);
		}
		while (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out + strlen(out), 8192 - strlen(out), "%s\n", (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
		sqlite3_close(db);
		return out;
	}
	PGconn *c = PQconnectdb(last_store_uri);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "ANALYZE"));
	if (no_seqscan)
		PQclear(PQexec(c, "SET enable_seqscan = off"));
	char q[4096] = "EXPLAIN ";
	int k = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '?')
			snprintf(q + strlen(q), sizeof q - strlen(q), "$%d", ++k);
		else
			snprintf(q + strlen(q), sizeof q - strlen(q), "%c", *p);
	}
	char vals[16][64];
	const char *pv[16];
	for (int i = 0; i < n; i++) {
		if (params[i].is_text)
			pv[i] = params[i].t;
		else {
			snprintf(vals[i], sizeof vals[i], "%lld", (long long)params[i].i);
			pv[i] = vals[i];
		}
	}
	PGresult *r = PQexecParams(c, q, n, NULL, pv, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQresultErrorMessage(r));
	for (int i = 0; i < PQntuples(r); i++)
		snprintf(out + strlen(out), 8192 - strlen(out), "%s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	PQfinish(c);
	return out;
}

/* Asserts that the plan uses `index`. On PostgreSQL, whose planner may
 * prefer a scan of a small table, the index must at least serve the query
 * once scans are discouraged. */
static void expect_index(const char *what, const char *sql, const param *params, int n, const char *index)
{
	char *p = plan(sql, params, n, 0);
	if (!strstr(p, index) && backend_is_pg()) {
		free(p);
		p = plan(sql, params, n, 1);
	}
	if (!strstr(p, index))
		fail_msg("%s: the plan does not use %s:\n%s\n%s", what, index, sql, p);
	free(p);
}

/* A filter's list query, as list.c writes it for ID order. */
static void filter_uses(const char *filter, const char *index)
{
	mlmd__filter f;
	OK(mlmd__filter_compile(KIND_ARTIFACT, filter, 0, &f));
	const char *col = f.id_col[0] ? f.id_col : "n.id";
	char sql[2048];
	snprintf(sql, sizeof sql, "SELECT n.id, %s FROM artifact n%s WHERE 1 = 1 AND %s ORDER BY %s ASC LIMIT 101", col,
		 f.join.p, f.where.p, col);
	param ps[16];
	int n = 0;
	mlmd__args *parts[2] = { &f.join_args, &f.where_args };
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < parts[k]->n && n < 16; i++, n++) {
			ps[n].is_text = parts[k]->v[i].kind == 's';
			ps[n].t = parts[k]->v[i].s;
			ps[n].i = parts[k]->v[i].i;
		}
	expect_index(filter, sql, ps, n, index);
	mlmd__filter_free(&f);
}

static void property_filters(void **st)
{
	(void)st;
	filter_uses("properties.n.int_value = 1500", "artifact_property_by_int_value");
	filter_uses("properties.n.int_value > 1990", "artifact_property_by_int_value");
	filter_uses("properties.tag.string_value = 't7'", "artifact_property_by_string_value");
}

static void lineage_hops(void **st)
{
	(void)st;
	param a = { 0, ids[0], NULL }, e = { 0, ids[1], NULL };
	/* SQLite names the UNIQUE (artifact_id, execution_id, type) index
	 * sqlite_autoindex_event_1; PostgreSQL event_artifact_id_execution_id_type_key */
	expect_index("hop from an artifact", hop_sql[0], &a, 1,
		     backend_is_pg() ? "event_artifact_id_execution_id_type_key" : "sqlite_autoindex_event_1");
	expect_index("hop from an execution", hop_sql[1], &e, 1, "event_by_execution");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(property_filters),
		cmocka_unit_test(lineage_hops),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

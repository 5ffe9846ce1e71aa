/*
 * test_sqlite_functions.c - the SQL functions of mlmd/sqlite.h on a
 * connection the test holds (mlmd_sqlite_register), against a real store
 * file and real XGBoost model files: predictions equal the scorer's, an
 * alias moved between statements, a tampered file and a blocked model
 * refused, one serving execution per scoring statement with its rows, the
 * model kept loaded across statements (its file removed, it still scores),
 * two statements at once each with its own scorer, type errors naming the
 * argument, JSON inputs, explanations.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#define SQLITE_CORE 1 /* sqlite3ext.h for its routines struct, not its macros */
#include <sqlite3ext.h>
#include "mlmd.h"
#include "mlmd/sqlite.h"

#define MODELS "tests/fuzz/corpus/model/"

static char dir[512];
static char store_uri[800];

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* A fresh store in dir/NAME.db with model "churn": version 1 the 3-class
 * softprob model, version 2 the regressor (copies in dir), alias prod -> 1. */
static mlmd_store *make_store(const char *name, int64_t ids[2])
{
	char path[700], m1[700], m2[700];
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	unlink(path);
	snprintf(store_uri, sizeof store_uri, "sqlite:%s", path);
	snprintf(m1, sizeof m1, "%s/%s-cls.json", dir, name);
	snprintf(m2, sizeof m2, "%s/%s-reg.json", dir, name);
	copy_file(MODELS "xgb_multi_softprob.json", m1);
	copy_file(MODELS "xgb_reg_squarederror.json", m2);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = store_uri;
	mlmd_store *st;
	assert_int_equal(mlmd_store_open(&st, &o), 0);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = m1;
	ro.name = "cls";
	assert_int_equal(mlmd_model_record(st, &ro, &ids[0]), 0);
	ro.path = m2;
	ro.name = "reg";
	assert_int_equal(mlmd_model_record(st, &ro, &ids[1]), 0);
	assert_int_equal(mlmd_registry_create_model(st, "churn", NULL, NULL, 0, NULL), 0);
	assert_int_equal(mlmd_registry_create_version(st, "churn", ids[0], 0, NULL, NULL, 0, NULL), 0);
	assert_int_equal(mlmd_registry_create_version(st, "churn", ids[1], 0, NULL, NULL, 0, NULL), 0);
	assert_int_equal(mlmd_registry_set_alias(st, "churn", "prod", 1), 0);
	return st;
}

static sqlite3 *open_db(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	mlmd_sqlite_options so = MLMD_SQLITE_OPTIONS_INIT;
	so.store_uri = store_uri;
	assert_int_equal(mlmd_sqlite_register(db, &so), 0);
	char *err = NULL;
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c);"
		"INSERT INTO t(a, b, c) VALUES (1, 2, 3), (0.5, NULL, 7), (-3, 3.25, 0);", NULL, NULL, &err), SQLITE_OK);
	return db;
}

/* Runs sql; returns its rows' first column as text joined by '|' (NULL as
 * "NULL"), or "ERROR: <message>" (static buffer). */
static const char *query(sqlite3 *db, const char *sql)
{
	static char out[4096];
	out[0] = 0;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(out, sizeof out, "ERROR: %s", sqlite3_errmsg(db));
		return out;
	}
	int rc;
	size_t used = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? "|" : "", v ? v : "NULL");
		assert_true(used < sizeof out);
	}
	if (rc != SQLITE_DONE)
		snprintf(out, sizeof out, "ERROR: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return out;
}

/* The ModelServing executions of the store, in id order. */
static Mlmd__Pb__GetExecutionsByTypeResponse *servings(mlmd_store *st)
{
	Mlmd__Pb__GetExecutionsByTypeRequest rq = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByTypeResponse *rs = NULL;
	rq.type_name = (char *)"ModelServing";
	if (mlmd_store_get_executions_by_type(st, &rq, &rs))
		return NULL;
	return rs;
}

static int64_t int_prop(const Mlmd__Pb__Execution *e, int custom, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(e, custom, name);
	assert_non_null(v);
	return v->int_value;
}

/* The scorer's own answer for row (a, b, c) of the file model: output 0. */
static void direct(const char *path, const float x[3], float *outv, size_t n)
{
	mlmd_model *m;
	assert_int_equal(mlmd_model_load_file(&m, path), 0);
	mlmd_tensor in = { MLMD_DTYPE_FLOAT, 2, { 1, 3 }, (void *)x, 0 };
	mlmd_tensor out = { MLMD_DTYPE_FLOAT, 0, { 0 }, outv, n };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &out, 1), 0);
	mlmd_model_free(m);
}

static void scores_match_the_scorer(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("match", ids);
	sqlite3 *db = open_db();
	float x[3] = { 1, 2, 3 }, p[3];
	char path[700];
	snprintf(path, sizeof path, "%s/match-cls.json", dir);
	direct(path, x, p, 3);
	int best = 0;
	for (int k = 1; k < 3; k++)
		if (p[k] > p[best])
			best = k;
	char want[64];
	snprintf(want, sizeof want, "%d", best);
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t WHERE id = 1"), want);
	/* the same by artifact id, and by version */
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT mlmd_score(%lld, a, b, c) FROM t WHERE id = 1", (long long)ids[0]);
	assert_string_equal(query(db, sql), want);
	assert_string_equal(query(db, "SELECT mlmd_score('churn/1', a, b, c) FROM t WHERE id = 1"), want);
	for (int k = 0; k < 3; k++) {
		snprintf(sql, sizeof sql, "SELECT mlmd_score_proba('churn@prod', %d, a, b, c) FROM t WHERE id = 1", k);
		double got = atof(query(db, sql));
		assert_float_equal(got, p[k], 1e-6);
	}
	/* the label as text too */
	assert_float_equal(atof(query(db, "SELECT mlmd_score_proba('churn@prod', '2', a, b, c) FROM t WHERE id = 1")),
		p[2], 1e-6);
	assert_string_equal(query(db, "SELECT mlmd_score_proba('churn@prod', 7, a, b, c) FROM t WHERE id = 1"),
		"ERROR: mlmd_score_proba: argument 2 (label) 7 is not a class of model 'churn@prod' (its classes: 0, 1, 2)");
	/* JSON inputs by name give the positional answer; a missing member is a missing value */
	assert_string_equal(query(db, "SELECT mlmd_score_json('churn@prod', '{\"input_2\": 3, \"input_0\": 1, "
		"\"input_1\": 2}') = mlmd_score('churn@prod', 1, 2, 3)"), "1");
	assert_string_equal(query(db, "SELECT mlmd_score_json('churn@prod', '{\"input_0\": 0.5, \"input_2\": 7}') "
		"= mlmd_score('churn@prod', 0.5, NULL, 7)"), "1");
	assert_string_equal(query(db, "SELECT mlmd_score_proba_json('churn@prod', 0, '{\"input_0\": 1, \"input_1\": 2,"
		" \"input_2\": 3}') = mlmd_score_proba('churn@prod', 0, 1, 2, 3)"), "1");
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void alias_moved_between_statements(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("alias", ids);
	sqlite3 *db = open_db();
	const char *first = query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t");
	/* version 1 is a classifier: integer labels */
	assert_null(strchr(first, '.'));
	assert_int_equal(mlmd_registry_set_alias(st, "churn", "prod", 2), 0);
	char second[4096];
	snprintf(second, sizeof second, "%s", query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"));
	/* version 2 is the regressor: real values, as churn/2 gives them */
	assert_non_null(strchr(second, '.'));
	assert_string_equal(second, query(db, "SELECT mlmd_score('churn/2', a, b, c) FROM t"));

	Mlmd__Pb__GetExecutionsByTypeResponse *rs = servings(st);
	assert_non_null(rs);
	assert_int_equal(rs->n_executions, 3);
	int64_t versions[3] = { 1, 2, 2 };
	for (size_t i = 0; i < 3; i++) {
		const Mlmd__Pb__Execution *e = rs->executions[i];
		assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
		assert_int_equal(int_prop(e, 0, "rows"), 3);
		assert_int_equal(int_prop(e, 1, "mlmd.model_version"), versions[i]);
		const Mlmd__Pb__Value *dep = mlmd_node_get(e, 0, "deployment");
		assert_non_null(dep);
		assert_string_equal(dep->string_value, "sqlite");
	}
	/* the classifier's statement counted its classes */
	const Mlmd__Pb__Value *cc = mlmd_node_get(rs->executions[0], 0, "class_counts");
	assert_non_null(cc);
	assert_non_null(strstr(cc->string_value, "\""));
	mlmd_message_free(rs);
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void tampered_model_is_refused(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("tamper", ids);
	sqlite3 *db = open_db();
	char path[700];
	snprintf(path, sizeof path, "%s/tamper-cls.json", dir);
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	fputs(" ", f);
	fclose(f);
	const char *r = query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t");
	assert_non_null(strstr(r, "ERROR: mlmd_score: "));
	assert_non_null(strstr(r, "has digest sha256:"));
	assert_non_null(strstr(r, "churn@prod"));
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void blocked_model_is_refused(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("gate", ids);
	sqlite3 *db = open_db();
	assert_int_equal(mlmd_label_set(st, MLMD_NODE_ARTIFACT, ids[0], "POISONED", "bad rows", 0, 0, NULL), 0);
	const char *r = query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t");
	assert_non_null(strstr(r, "blocked by the serving gate: POISONED"));
	assert_non_null(strstr(r, "its own label"));
	/* the other version is allowed */
	assert_null(strstr(query(db, "SELECT mlmd_score('churn/2', a, b, c) FROM t"), "ERROR"));
	sqlite3_close(db);
	mlmd_store_free(st);
}


/* The ModelServing executions' rows and mlmd.model_version, from index `from`. */
static void assert_runs(mlmd_store *st, size_t from, size_t n, const int64_t *rows, const int64_t *versions)
{
	Mlmd__Pb__GetExecutionsByTypeResponse *rs = servings(st);
	assert_non_null(rs);
	assert_int_equal(rs->n_executions, from + n);
	for (size_t i = 0; i < n; i++) {
		const Mlmd__Pb__Execution *e = rs->executions[from + i];
		assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
		assert_int_equal(int_prop(e, 0, "rows"), rows[i]);
		assert_int_equal(int_prop(e, 1, "mlmd.model_version"), versions[i]);
	}
	mlmd_message_free(rs);
}

/* The model stays loaded across statements: its file removed after the
 * first statement, the second still scores (another connection, which must
 * load it, cannot), each statement its own serving execution; a moved alias
 * loads the new version; a model blocked since it was loaded is refused at
 * the next statement and served again once the label is removed. Two
 * statements running at once with the same model each use their own
 * scorer, recorded apart. */
static void model_loaded_once_across_statements(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("cache", ids);
	sqlite3 *db = open_db();
	char first[4096], path[700];
	snprintf(first, sizeof first, "%s", query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"));
	assert_null(strstr(first, "ERROR"));
	snprintf(path, sizeof path, "%s/cache-cls.json", dir);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"), first);
	char two[4096];
	snprintf(two, sizeof two, "%s", first);
	*strrchr(two, '|') = 0; /* the first two rows' answers */
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t WHERE id < 3"), two);
	sqlite3 *other = open_db();
	assert_non_null(strstr(query(other, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"), "ERROR: mlmd_score: "));
	sqlite3_close(other);
	assert_runs(st, 0, 3, (int64_t[]){ 3, 3, 2 }, (int64_t[]){ 1, 1, 1 });

	/* the alias moved: the next statement loads version 2 */
	assert_int_equal(mlmd_registry_set_alias(st, "churn", "prod", 2), 0);
	char second[4096];
	snprintf(second, sizeof second, "%s", query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"));
	assert_non_null(strchr(second, '.'));
	assert_string_equal(second, query(db, "SELECT mlmd_score('churn/2', a, b, c) FROM t"));
	assert_runs(st, 3, 2, (int64_t[]){ 3, 3 }, (int64_t[]){ 2, 2 });

	/* blocked since it was loaded: refused at the next statement's first call */
	assert_int_equal(mlmd_label_set(st, MLMD_NODE_ARTIFACT, ids[1], "POISONED", "bad rows", 0, 0, NULL), 0);
	const char *r = query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t");
	assert_non_null(strstr(r, "ERROR: mlmd_score: "));
	assert_non_null(strstr(r, "blocked by the serving gate: POISONED"));
	assert_int_equal(mlmd_label_remove(st, MLMD_NODE_ARTIFACT, ids[1], "POISONED", NULL), 0);
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', a, b, c) FROM t"), second);
	assert_runs(st, 5, 1, (int64_t[]){ 3 }, (int64_t[]){ 2 });

	/* two statements at once: s1 takes the cached scorer, s2 opens its own */
	sqlite3_stmt *s1, *s2;
	const char *sql = "SELECT mlmd_score('churn@prod', a, b, c) FROM t";
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s1, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s2, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s1), SQLITE_ROW);
	assert_int_equal(sqlite3_step(s2), SQLITE_ROW);
	assert_float_equal(sqlite3_column_double(s1, 0), sqlite3_column_double(s2, 0), 0);
	while (sqlite3_step(s1) == SQLITE_ROW)
		;
	assert_int_equal(sqlite3_finalize(s1), SQLITE_OK);
	assert_int_equal(sqlite3_finalize(s2), SQLITE_OK);
	assert_runs(st, 6, 2, (int64_t[]){ 3, 1 }, (int64_t[]){ 2, 2 });
	/* both stay loaded: with version 2's file gone, two call sites of one statement still score */
	snprintf(path, sizeof path, "%s/cache-reg.json", dir);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', a, b, c) = mlmd_score('churn@prod', a, b, c) "
		"FROM t"), "1|1|1");
	assert_runs(st, 8, 2, (int64_t[]){ 3, 3 }, (int64_t[]){ 2, 2 });
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void type_errors_name_the_argument(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("types", ids);
	sqlite3 *db = open_db();
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', 1, 'abc', 3)"),
		"ERROR: mlmd_score: argument 3 (input_1) is text 'abc', expected a number");
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', 1, x'00', 3)"),
		"ERROR: mlmd_score: argument 3 (input_1) is a blob, expected a number");
	assert_string_equal(query(db, "SELECT mlmd_score('churn@prod', 1, 2)"),
		"ERROR: mlmd_score: the model 'churn@prod' takes 3 inputs (input_0 ... input_2), got 2");
	assert_string_equal(query(db, "SELECT mlmd_score('no such model', 1, 2, 3)"),
		"ERROR: mlmd_score: argument 1 (model) 'no such model' is neither a registry reference (NAME@ALIAS, "
		"NAME/VERSION) nor a model artifact id");
	assert_string_equal(query(db, "SELECT mlmd_score(NULL, 1, 2, 3)"),
		"ERROR: mlmd_score: argument 1 (model) is NULL, expected a registry reference (NAME@ALIAS, "
		"NAME/VERSION) or a model artifact id");
	assert_non_null(strstr(query(db, "SELECT mlmd_score('churn@staging', 1, 2, 3)"), "staging"));
	assert_string_equal(query(db, "SELECT mlmd_score_json('churn@prod', '{\"age\": 3}')"),
		"ERROR: mlmd_score_json: argument 2 (inputs): the model 'churn@prod' has no input 'age' (its inputs: "
		"input_0, ...)");
	assert_string_equal(query(db, "SELECT mlmd_score_json('churn@prod', '{\"input_0\": \"3\"}')"),
		"ERROR: mlmd_score_json: argument 2 (inputs): 'input_0' is a string, expected a number");
	assert_non_null(strstr(query(db, "SELECT mlmd_score_json('churn@prod', '{\"input_0\": ')"),
		"ERROR: mlmd_score_json: argument 2 (inputs): "));
	assert_string_equal(query(db, "SELECT mlmd_score_proba('churn/2', 1, 1, 2, 3)"),
		"ERROR: mlmd_score_proba: model 'churn/2' has no output of class probabilities (an output with class "
		"labels); use mlmd_score");
	assert_string_equal(query(db, "SELECT mlmd_use_store(42)"),
		"ERROR: mlmd_use_store: argument 1 (uri) is not text");
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void explain_by_name_and_index(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *st = make_store("explain", ids);
	sqlite3 *db = open_db();
	/* the regressor: one margin; contributions plus bias are the margin */
	mlmd_model *m;
	char path[700];
	snprintf(path, sizeof path, "%s/explain-reg.json", dir);
	assert_int_equal(mlmd_model_load_file(&m, path), 0);
	mlmd_explainer *e;
	assert_int_equal(mlmd_explainer_new(&e, m, NULL, 0), 0);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	float x[3] = { 1, 2, 3 };
	mlmd_tensor in = { MLMD_DTYPE_FLOAT, 2, { 1, 3 }, x, 0 };
	double contrib[4];
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, contrib, 4, NULL), 0);
	char sql[300];
	for (int f = 0; f < 3; f++) {
		snprintf(sql, sizeof sql, "SELECT mlmd_explain('churn/2', %d, 1, 2, 3)", f);
		assert_float_equal(atof(query(db, sql)), contrib[f], 1e-9);
		snprintf(sql, sizeof sql, "SELECT mlmd_explain('churn/2', '%s', 1, 2, 3)", mlmd_explainer_feature_name(e, (size_t)f));
		assert_float_equal(atof(query(db, sql)), contrib[f], 1e-9);
	}
	assert_float_equal(atof(query(db, "SELECT mlmd_explain_json('churn/2', 1, '{\"input_0\": 1, \"input_1\": 2, "
		"\"input_2\": 3}')")), contrib[1], 1e-9);
	assert_non_null(strstr(query(db, "SELECT mlmd_explain('churn/2', 3, 1, 2, 3)"),
		"argument 2 (feature) 3 is not a feature index of model 'churn/2' (0 to 2)"));
	assert_non_null(strstr(query(db, "SELECT mlmd_explain('churn/2', 'nope', 1, 2, 3)"),
		"argument 2 (feature) 'nope' is not a feature of model 'churn/2'"));
	mlmd_score_ctx_free(ctx);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	sqlite3_close(db);
	mlmd_store_free(st);
}

static void use_store_switches_stores(void **state)
{
	(void)state;
	int64_t ids[2];
	mlmd_store *a = make_store("storea", ids);
	char uri_a[800];
	snprintf(uri_a, sizeof uri_a, "%s", store_uri);
	mlmd_store *b = make_store("storeb", ids);  /* store_uri is b's now */
	assert_int_equal(mlmd_registry_set_alias(b, "churn", "prod", 2), 0);
	sqlite3 *db = open_db();                      /* registered on b */
	assert_non_null(strchr(query(db, "SELECT mlmd_score('churn@prod', 1, 2, 3)"), '.'));
	char sql[900];
	snprintf(sql, sizeof sql, "SELECT mlmd_use_store('%s')", uri_a);
	assert_string_equal(query(db, sql), uri_a);
	assert_null(strchr(query(db, "SELECT mlmd_score('churn@prod', 1, 2, 3)"), '.'));
	assert_non_null(strstr(query(db, "SELECT mlmd_use_store('nosuchscheme:x')"), "ERROR: mlmd_use_store: "));
	Mlmd__Pb__GetExecutionsByTypeResponse *rs = servings(a);
	assert_non_null(rs);
	assert_int_equal(rs->n_executions, 1);
	mlmd_message_free(rs);
	sqlite3_close(db);
	mlmd_store_free(b);
	mlmd_store_free(a);
}

static void register_checks_its_arguments(void **state)
{
	(void)state;
	assert_int_equal(mlmd_sqlite_register(NULL, NULL), -MLMD_INVALID_ARGUMENT);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	mlmd_sqlite_options so = MLMD_SQLITE_OPTIONS_INIT;
	so.version = 99;
	assert_int_equal(mlmd_sqlite_register(db, &so), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "options version 99"));
	/* registering twice replaces the functions; the first state is freed */
	assert_int_equal(mlmd_sqlite_register(db, NULL), 0);
	assert_int_equal(mlmd_sqlite_register(db, NULL), 0);
	sqlite3_close(db);
}

/* A routines table that is not the library's SQLite (another copy, as a
 * program with SQLite built in would pass): refused with a message. */
static void *other_user_data(sqlite3_context *c)
{
	(void)c;
	return NULL;
}

static void extension_refuses_another_sqlite(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	sqlite3_api_routines other;
	memset(&other, 0, sizeof other);
	other.user_data = other_user_data;
	other.mprintf = sqlite3_mprintf;
	other.libversion = sqlite3_libversion;
	other.libversion_number = sqlite3_libversion_number;
	char *err = NULL;
	assert_int_equal(mlmd_sqlite_extension_init(db, &err, &other), SQLITE_ERROR);
	assert_non_null(err);
	assert_non_null(strstr(err, "is another copy than the one libmlmd uses"));
	sqlite3_free(err);
	/* nothing was registered */
	assert_string_equal(query(db, "SELECT mlmd_score('m@prod', 1)"), "ERROR: no such function: mlmd_score");
	sqlite3_close(db);
}

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("MLMD_TEST_TMP");
	snprintf(dir, sizeof dir, "%s/sqlfn-%d", base ? base : "/tmp", (int)getpid());
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(scores_match_the_scorer),
		cmocka_unit_test(alias_moved_between_statements),
		cmocka_unit_test(tampered_model_is_refused),
		cmocka_unit_test(blocked_model_is_refused),
		cmocka_unit_test(model_loaded_once_across_statements),
		cmocka_unit_test(type_errors_name_the_argument),
		cmocka_unit_test(explain_by_name_and_index),
		cmocka_unit_test(use_store_switches_stores),
		cmocka_unit_test(register_checks_its_arguments),
		cmocka_unit_test(extension_refuses_another_sqlite),
	};
	return cmocka_run_group_tests(all, setup, teardown);
}

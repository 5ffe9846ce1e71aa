/*
 * bench/bench_retention.c - what a retention run costs over a store of about
 * a million nodes (make bench). Not a test.
 *
 *   bench_retention build DIR [GROUPS]   builds DIR/retention.db with SQL in
 *                                        one transaction (default 250,000
 *                                        groups: 1,000,000 nodes)
 *   bench_retention run DIR              RunRetention: a dry run, the run,
 *                                        and a second run (idempotent)
 * DIR may be a PostgreSQL URI naming an empty database instead.
 *
 * Run the second under /usr/bin/time -v for the peak RSS of the run alone
 * (the build's SQLite page cache is not in it). A group is two DataSet
 * artifacts read (INPUT) by a Trainer execution that writes (OUTPUT) one
 * Features artifact: GROUPS groups are 2 * GROUPS DataSets (the policy's
 * type) and 4 * GROUPS nodes, 3 * GROUPS events. Every other group is old
 * (created 400 days ago), the rest new. Besides: a chain of CHAIN
 * DataSets (d0 -> train -> d1 -> ... , old) ending in a model artifact
 * that the registry's alias iris@prod names (all of it upstream of the
 * alias: kept), and a HOLD on one old group's first DataSet (kept, and
 * its output with it). Policy: DataSet, max-age 30d, keep-last 1000.
 *
 * `run` gives medians of MLMD_BENCH_REPS repetitions (default 5) with
 * their spread: the dry run repeated on the whole store; the run cut into
 * one slice per repetition (keep-last lowered step by step to 1000, so
 * together they delete what one run did; the run is not repeatable
 * otherwise); the second run repeated. Counts are the first dry run's, the
 * slices' sum and the first second run's. Peak RSS is the process's so
 * far.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "bench.h"
#include "store/store_private.h" /* mlmd__store_sql: the store built with SQL */
#include "mlmd_governance.pb-c.h"

#define CHAIN 5000
#define DAY 86400000LL

static long peak_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int64_t put_type(mlmd_store *s, int kind, const char *name)
{
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO type (kind, name) VALUES (%d, '%s')", kind, name);
	if (mlmd__sql_exec(mlmd__store_sql(s), sql))
		die("type");
	sqlq q;
	snprintf(sql, sizeof sql, "SELECT id FROM type WHERE kind = %d AND name = '%s'", kind, name);
	if (mlmd__q(mlmd__store_sql(s), &q, sql) || mlmd__q_step(&q) != 1)
		die("type id");
	int64_t id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return id;
}

static int64_t next_art = 1, next_exe = 1;

static void put_node(mlmd__sql *sql, int art, int64_t id, int64_t type_id, int64_t t)
{
	sqlq q;
	if (mlmd__q(sql, &q, art ? "INSERT INTO artifact (id, type_id, create_time, update_time) VALUES (?, ?, ?, ?)"
				 : "INSERT INTO execution (id, type_id, create_time, update_time) VALUES (?, ?, ?, ?)"))
		die("prepare");
	mlmd__q_i64(&q, 1, id);
	mlmd__q_i64(&q, 2, type_id);
	mlmd__q_i64(&q, 3, t);
	mlmd__q_i64(&q, 4, t);
	if (mlmd__q_exec(&q))
		die("node");
}

static void put_edge(mlmd__sql *sql, int64_t a, int64_t e, int type)
{
	sqlq q;
	if (mlmd__q(sql, &q, "INSERT INTO event (artifact_id, execution_id, type, time) VALUES (?, ?, ?, ?)"))
		die("prepare");
	mlmd__q_i64(&q, 1, a);
	mlmd__q_i64(&q, 2, e);
	mlmd__q_i64(&q, 3, type);
	mlmd__q_i64(&q, 4, 1700000000000);
	if (mlmd__q_exec(&q))
		die("event");
}

/* DIR/retention.db, or a PostgreSQL URI (a database of its own: the
 * build expects it empty) */
static mlmd_store *open_store(const char *dir, int fresh)
{
	char path[1024], uri[1100];
	if (!strncmp(dir, "postgresql://", 13)) {
		snprintf(uri, sizeof uri, "%s", dir);
	} else {
		snprintf(path, sizeof path, "%s/retention.db", dir);
		if (fresh)
			rm_db(path);
		snprintf(uri, sizeof uri, "sqlite:%s", path);
	}
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	if (mlmd_store_open(&s, &o))
		die("open");
	return s;
}

static void build(const char *dir, long groups)
{
	mlmd_store *s = open_store(dir, 1);
	double t0 = now_s();
	int64_t ds = put_type(s, 1, "DataSet"), ft = put_type(s, 1, "Features"), mt = put_type(s, 1, "Model");
	int64_t tt = put_type(s, 0, "Trainer");
	int64_t now = mlmd__now_ms(), old = now - 400 * DAY;
	mlmd__sql *sql = mlmd__store_sql(s);
	if (mlmd__sql_begin(sql, 1))
		die("begin");
	int64_t held = 0;
	for (long g = 0; g < groups; g++) {
		int64_t t = g % 2 ? now - DAY : old, a = next_art, b = next_art + 1, f = next_art + 2, e = next_exe++;
		next_art += 3;
		put_node(sql, 1, a, ds, t);
		put_node(sql, 1, b, ds, t);
		put_node(sql, 1, f, ft, t);
		put_node(sql, 0, e, tt, t);
		put_edge(sql, a, e, MLMD__PB__EVENT__TYPE__INPUT);
		put_edge(sql, b, e, MLMD__PB__EVENT__TYPE__INPUT);
		put_edge(sql, f, e, MLMD__PB__EVENT__TYPE__OUTPUT);
		if (g == 1000)
			held = a;
	}
	/* the chain upstream of the aliased model */
	int64_t prev = next_art++;
	put_node(sql, 1, prev, ds, old);
	for (int i = 0; i < CHAIN; i++) {
		int64_t e = next_exe++, out = next_art++;
		put_node(sql, 0, e, tt, old);
		put_node(sql, 1, out, i == CHAIN - 1 ? mt : ds, old);
		put_edge(sql, prev, e, MLMD__PB__EVENT__TYPE__INPUT);
		put_edge(sql, out, e, MLMD__PB__EVENT__TYPE__OUTPUT);
		prev = out;
	}
	if (mlmd__sql_commit(sql))
		die("commit");
	double built = now_s() - t0;
	/* the registry and the hold through their RPCs */
	Mlmd__Pb__Governance__CreateRegisteredModelRequest cm = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	cm.name = "iris";
	mlmd_message_free(bench_rpc(s, "CreateRegisteredModel", &cm,
			      &mlmd__pb__governance__create_registered_model_response__descriptor));
	Mlmd__Pb__Governance__CreateModelVersionRequest cv = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	cv.model_name = "iris";
	cv.has_artifact_id = 1;
	cv.artifact_id = prev;
	mlmd_message_free(bench_rpc(s, "CreateModelVersion", &cv,
			      &mlmd__pb__governance__create_model_version_response__descriptor));
	Mlmd__Pb__Governance__AliasMove m = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &m;
	m.alias = "prod";
	m.has_version = 1;
	m.version = 1;
	Mlmd__Pb__Governance__SetAliasesRequest sa = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	sa.model_name = "iris";
	sa.moves = &mp;
	sa.n_moves = 1;
	mlmd_message_free(bench_rpc(s, "SetAliases", &sa, &mlmd__pb__governance__set_aliases_response__descriptor));
	Mlmd__Pb__Governance__ClassifyRequest cl = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	cl.has_kind = cl.has_id = 1;
	cl.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	cl.id = held;
	cl.label = "HOLD";
	mlmd_message_free(bench_rpc(s, "Classify", &cl, &mlmd__pb__governance__classify_response__descriptor));
	Mlmd__Pb__Governance__RetentionPolicy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	p.type_name = "DataSet";
	p.has_max_age_ms = p.has_keep_last = 1;
	p.max_age_ms = 30 * DAY;
	p.keep_last = 1000;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest sp = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	sp.policy = &p;
	mlmd_message_free(bench_rpc(s, "SetRetentionPolicy", &sp,
			      &mlmd__pb__governance__set_retention_policy_response__descriptor));
	printf("built: %lld artifacts (%ld + %d DataSets), %lld executions, %.1f s\n", (long long)(next_art - 1),
	       2 * groups, CHAIN, (long long)(next_exe - 1), built);
	mlmd_store_free(s);
}

/* One RunRetention (a dry run when dry); its seconds. The counts of each
 * policy are added into tot[5] (examined, expired, deleted, kept_alias,
 * kept_hold). */
static double run_once(mlmd_store *s, int dry, int64_t *tot)
{
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	rq.has_dry_run = 1;
	rq.dry_run = dry;
	double t0 = now_s();
	Mlmd__Pb__Governance__RunRetentionResponse *r =
		bench_rpc(s, "RunRetention", &rq, &mlmd__pb__governance__run_retention_response__descriptor);
	double t = now_s() - t0;
	for (size_t i = 0; i < r->n_results; i++) {
		const Mlmd__Pb__Governance__RetentionResult *x = r->results[i];
		tot[0] += x->examined, tot[1] += x->expired, tot[2] += x->deleted;
		tot[3] += x->kept_alias, tot[4] += x->kept_hold;
	}
	mlmd_message_free(r);
	return t;
}

/* The DataSet policy with this keep-last limit (max-age 30 days, as built). */
static void set_policy(mlmd_store *s, int64_t keep)
{
	Mlmd__Pb__Governance__RetentionPolicy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	p.type_name = "DataSet";
	p.has_max_age_ms = p.has_keep_last = 1;
	p.max_age_ms = 30 * DAY;
	p.keep_last = keep;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest sp = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	sp.policy = &p;
	mlmd_message_free(bench_rpc(s, "SetRetentionPolicy", &sp,
			      &mlmd__pb__governance__set_retention_policy_response__descriptor));
}

static void print_counts(const char *what, const int64_t *c, long peak_mb)
{
	printf("%-12s examined %lld, expired %lld, deleted %lld, kept_alias %lld, kept_hold %lld; peak RSS %ld MB\n",
	       what, (long long)c[0], (long long)c[1], (long long)c[2], (long long)c[3], (long long)c[4], peak_mb);
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "build") && strcmp(argv[1], "run"))) {
		fprintf(stderr, "usage: bench_retention build DIR [GROUPS] | run DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "build")) {
		build(argv[2], argc > 3 ? atol(argv[3]) : 250000);
		return 0;
	}
	mlmd_store *s = open_store(argv[2], 0);
	int reps = bench_rep_count();
	printf("opened: peak RSS %ld MB; median of %d repetitions, \u00b1 the range over the median\n", peak_kb() / 1024,
	       reps);
	/* the dry run, repeated on the whole store */
	bench_reps dry = { 0 }, run = { 0 }, again = { 0 };
	int64_t c_dry[5] = { 0 }, c_run[5] = { 0 }, c_again[5] = { 0 };
	for (int k = 0; k < reps; k++) {
		int64_t c[5] = { 0 };
		bench_reps_add(&dry, run_once(s, 1, c));
		if (!k)
			memcpy(c_dry, c, sizeof c);
	}
	print_counts("dry run", c_dry, peak_kb() / 1024);
	/* the run, cut into one slice per repetition: keep-last lowered each time
	 * (the oldest DataSets fall out of the window first) down to the built
	 * policy's 1000, so the repetitions together delete what one run did */
	int64_t examined = c_dry[0];
	for (int k = 0; k < reps; k++) {
		int64_t keep = k == reps - 1 ? 1000 : examined - (int64_t)(k + 1) * (examined - 1000) / reps;
		set_policy(s, keep);
		bench_reps_add(&run, run_once(s, 0, c_run));
	}
	print_counts("run", c_run, peak_kb() / 1024);
	for (int k = 0; k < reps; k++) {
		int64_t c[5] = { 0 };
		bench_reps_add(&again, run_once(s, 0, c));
		if (!k)
			memcpy(c_again, c, sizeof c);
	}
	print_counts("second run", c_again, peak_kb() / 1024);
	bench_head("", "seconds", NULL, NULL);
	bench_row("dry run (the whole store)", "%.2f", &dry, NULL, NULL, NULL);
	char name[96];
	snprintf(name, sizeof name, "run (a 1/%d slice of the deletions each)", reps);
	bench_row(name, "%.2f", &run, NULL, NULL, NULL);
	bench_row("second run (nothing to delete)", "%.2f", &again, NULL, NULL, NULL);
	mlmd_store_free(s);
	return 0;
}

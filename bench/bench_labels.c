/*
 * bench/bench_labels.c - what classifications cost (make bench). Not a test.
 *
 * Builds, with SQL in one transaction (the nodes' content does not matter
 * here, only the lineage), a store of about a million nodes on a SQLite
 * file in DIR: PIPELINES chains of 15 artifacts and 15 executions
 * (a[k] -INPUT-> e[k] -OUTPUT-> a[k+1]; default 30,000: 900,000 nodes) and
 * one dataset with a tree of 102,221 nodes below it (each artifact read by
 * an execution that also reads its neighbour, each execution writing 10
 * artifacts, 8 at the last level). Then, through mlmd_store_call:
 *   1. PutExecution (one input event from a chain's artifact, one new
 *      output artifact) per call, the calls in one transaction (so that
 *      the commit's fsync does not hide their own work; CPU time, which a
 *      busy machine disturbs less than the wall clock): in a store without
 *      labels, with 1 % of the chains' heads labelled (the input not
 *      reached), and with the input reached by a label (the label follows
 *      the new edges)
 *   2. Classify of a chain's head (30 nodes reached)
 *   3. GetEffectiveLabels and CheckServingGate of the node 10 hops below a
 *      labelled head (the bound: 1 ms)
 *   4. Classify and Unclassify of the tree's dataset (100k downstream nodes;
 *      the bound: a few seconds each)
 * Usage: bench_labels DIR [PIPELINES [POSTGRES]]: with POSTGRES
 * (postgresql://USER@HOST:PORT) the store is a new database there, named
 * mlmd_t_bench_labels_<pid> (make pg-cleanup drops it), and section 1 is
 * left out (the rows written with their ids leave the id sequences behind).
 *
 * Every figure is the median of MLMD_BENCH_REPS repetitions (default 5)
 * with its spread (the range over the median); each repetition goes
 * through sections 1 to 4 in that order (the heads unclassified again at
 * its end), so PutExecution with no label runs next to the others and
 * their ratios are taken per repetition. GetEffectiveLabels and
 * CheckServingGate make CALLS / repetitions calls each a repetition; the
 * tree's Classify and Unclassify run once per repetition (twice in all
 * before, once timed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bench.h"
#include "store/store_private.h" /* mlmd__store_sql: the store built with SQL */
#include "mlmd_governance.pb-c.h"

#define CHAIN 15    /* artifacts (and executions) per pipeline */
#define CALLS 2000
#define PUTS 1000

static int64_t next_art, next_exe;

/* Seconds of this process's CPU time: the machine may be shared, and the
 * differences the put section looks for are smaller than a busy machine's
 * noise on the wall clock. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- building the store with SQL ------------------------------------------------------------ */

static void exec_q(sqlq *q)
{
	if (mlmd__q_exec_later(q))
		die("insert");
}

static void put_node(mlmd__sql *sql, const char *table, int64_t id, int64_t type_id)
{
	sqlq q;
	const char *text = table[0] == 'a' ? "INSERT INTO artifact (id, type_id, create_time, update_time) VALUES (?, ?, ?, ?)"
					   : "INSERT INTO execution (id, type_id, create_time, update_time) VALUES (?, ?, ?, ?)";
	if (mlmd__q(sql, &q, text))
		die("prepare");
	mlmd__q_i64(&q, 1, id);
	mlmd__q_i64(&q, 2, type_id);
	mlmd__q_i64(&q, 3, 1700000000000 + id);
	mlmd__q_i64(&q, 4, 1700000000000 + id);
	exec_q(&q);
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
	exec_q(&q);
}

/* The tree below one dataset; returns the dataset's id and the number of
 * nodes below it in *below. */
static int64_t build_tree(mlmd__sql *sql, int64_t at, int64_t et, int64_t *below)
{
	static const int fan[5] = { 10, 10, 10, 10, 8 };
	int64_t root = next_art++;
	put_node(sql, "artifact", root, at);
	int64_t *cur = malloc(sizeof *cur), *nxt = NULL;
	size_t ncur = 1;
	cur[0] = root;
	*below = 0;
	for (int level = 0; level < 5; level++) {
		nxt = malloc(sizeof *nxt * ncur * (size_t)fan[level]);
		size_t nn = 0;
		for (size_t i = 0; i < ncur; i++) {
			int64_t x = next_exe++;
			put_node(sql, "execution", x, et);
			put_edge(sql, cur[i], x, MLMD__PB__EVENT__TYPE__INPUT);
			if (i > 0) /* and its neighbour: a DAG, not a tree */
				put_edge(sql, cur[i - 1], x, MLMD__PB__EVENT__TYPE__INPUT);
			for (int k = 0; k < fan[level]; k++) {
				int64_t a = next_art++;
				put_node(sql, "artifact", a, at);
				put_edge(sql, a, x, MLMD__PB__EVENT__TYPE__OUTPUT);
				nxt[nn++] = a;
			}
			*below += 1 + fan[level];
		}
		free(cur);
		cur = nxt;
		ncur = nn;
	}
	free(cur);
	return root;
}

/* ---- calls --------------------------------------------------------------------------------- */

static int64_t classify(mlmd_store *s, int64_t id, const char *label)
{
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.id = id;
	rq.label = (char *)label;
	Mlmd__Pb__Governance__ClassifyResponse *rs =
		bench_rpc(s, "Classify", &rq, &mlmd__pb__governance__classify_response__descriptor);
	int64_t n = rs->reached;
	mlmd_message_free(rs);
	return n;
}

static int64_t unclassify(mlmd_store *s, int64_t id, const char *label)
{
	Mlmd__Pb__Governance__UnclassifyRequest rq = MLMD__PB__GOVERNANCE__UNCLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.id = id;
	rq.label = (char *)label;
	Mlmd__Pb__Governance__UnclassifyResponse *rs =
		bench_rpc(s, "Unclassify", &rq, &mlmd__pb__governance__unclassify_response__descriptor);
	int64_t n = rs->reached;
	mlmd_message_free(rs);
	return n;
}

/* PUTS PutExecution calls reading chain artifacts inputs[i]; CPU µs per call. */
static double put_executions(mlmd_store *s, int64_t at, int64_t et, const int64_t *inputs)
{
	/* in one transaction, so that the commit's fsync does not hide the calls' own work */
	if (mlmd_store_begin(s, 1))
		die("begin");
	double t0 = cpu_s();
	for (int i = 0; i < PUTS; i++) {
		Mlmd__Pb__Execution ex = MLMD__PB__EXECUTION__INIT;
		ex.has_type_id = 1;
		ex.type_id = et;
		Mlmd__Pb__Artifact out = MLMD__PB__ARTIFACT__INIT;
		out.has_type_id = 1;
		out.type_id = at;
		Mlmd__Pb__Event in = MLMD__PB__EVENT__INIT, ev = MLMD__PB__EVENT__INIT;
		in.has_artifact_id = in.has_type = 1;
		in.artifact_id = inputs[i];
		in.type = MLMD__PB__EVENT__TYPE__INPUT;
		ev.has_type = 1;
		ev.type = MLMD__PB__EVENT__TYPE__OUTPUT;
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p1 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
								p2 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
		p1.event = &in;
		p2.artifact = &out;
		p2.event = &ev;
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &p1, &p2 };
		Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
		rq.execution = &ex;
		rq.n_artifact_event_pairs = 2;
		rq.artifact_event_pairs = pairs;
		mlmd_message_free(bench_rpc(s, "PutExecution", &rq, &mlmd__pb__put_execution_response__descriptor));
	}
	double us = (cpu_s() - t0) / PUTS * 1e6;
	if (mlmd_store_commit(s))
		die("commit");
	return us;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_labels DIR [PIPELINES [POSTGRES]]\n");
		return 2;
	}
	const char *dir = argv[1];
	int pipelines = argc > 2 ? atoi(argv[2]) : 30000;
	if (pipelines < 100)
		pipelines = 100;
	const char *pg = argc > 3 ? argv[3] : NULL;
	mkdir(dir, 0755);
	char path[1024], uri[1100];
	snprintf(path, sizeof path, "%s/bench-labels.db", dir);
	if (pg) {
		snprintf(uri, sizeof uri, "%s/mlmd_t_bench_labels_%d", pg, (int)getpid());
	} else {
		rm_db(path);
		snprintf(uri, sizeof uri, "sqlite:%s", path);
	}
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	so.actor = "bench";
	mlmd_store *s;
	if (mlmd_store_open(&s, &so))
		die("open");
	int64_t at = put_dataset_type(s);
	int64_t et = bench_node_type(s, 0, "Step");

	/* the store, with SQL in one transaction */
	double t0 = now_s();
	mlmd__sql *sql = mlmd__store_sql(s);
	if (mlmd__sql_begin(sql, 1))
		die("begin");
	next_art = next_exe = 1;
	for (int p = 0; p < pipelines; p++) {
		int64_t a0 = next_art, e0 = next_exe;
		for (int k = 0; k < CHAIN; k++) {
			put_node(sql, "artifact", a0 + k, at);
			put_node(sql, "execution", e0 + k, et);
		}
		for (int k = 0; k < CHAIN; k++) {
			put_edge(sql, a0 + k, e0 + k, MLMD__PB__EVENT__TYPE__INPUT);
			if (k + 1 < CHAIN)
				put_edge(sql, a0 + k + 1, e0 + k, MLMD__PB__EVENT__TYPE__OUTPUT);
		}
		next_art += CHAIN;
		next_exe += CHAIN;
	}
	int64_t below;
	int64_t root = build_tree(sql, at, et, &below);
	if (mlmd__sql_commit(sql))
		die("commit");
	if (pg && mlmd__sql_exec(sql, "ANALYZE")) /* the statistics a store that grew by itself would have */
		die("analyze");
	long nodes = (long)(next_art - 1 + next_exe - 1);
	printf("labels bench (%s): %d chains of %d artifacts + %d executions and a dataset with %lld nodes below it: "
	       "%ld nodes, built with SQL in %.1f s\n",
	       pg ? "PostgreSQL" : "SQLite", pipelines, CHAIN, CHAIN, (long long)below, nodes, now_s() - t0);

	/* Each repetition: PutExecution with no label in the store; the chains'
	 * heads classified (timed); PutExecution with labels elsewhere and with a
	 * label reaching the input; GetEffectiveLabels 10 hops below a head;
	 * the tree's dataset classified (timed), CheckServingGate (which then
	 * finds a label in the store), the dataset unclassified (timed); the
	 * heads unclassified again (not timed) for the next repetition. */
	int reps = bench_rep_count(), calls = CALLS / reps < 50 ? 50 : CALLS / reps;
	srandom(7);
	int npick = pipelines / 100; /* the labelled heads: chains 0, 100, 200, ... */
	int64_t *free_in = malloc(sizeof *free_in * PUTS), *lab_in = malloc(sizeof *lab_in * PUTS);
	for (int i = 0; i < PUTS; i++) /* the last artifact of a chain no label reaches (not 0, 100, 200, ...) */
		free_in[i] = ((random() % npick) * 100 + 1 + random() % 99 + 1) * CHAIN;
	for (int i = 0; i < PUTS; i++) /* the last artifact of a labelled chain */
		lab_in[i] = ((random() % npick) * 100 + 1) * CHAIN;
	int64_t *pick = malloc(sizeof *pick * CALLS);
	for (int i = 0; i < CALLS; i++) /* a[5] of a labelled chain: a0 -> e0 -> a1 ... a5, 10 hops */
		pick[i] = (int64_t)(random() % npick) * 100 * CHAIN + 1 + 5;
	Mlmd__Pb__Governance__GetEffectiveLabelsRequest grq = MLMD__PB__GOVERNANCE__GET_EFFECTIVE_LABELS_REQUEST__INIT;
	grq.has_kind = grq.has_id = 1;
	grq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	Mlmd__Pb__Governance__CheckServingGateRequest crq = MLMD__PB__GOVERNANCE__CHECK_SERVING_GATE_REQUEST__INIT;
	crq.has_artifact_id = 1;
	bench_reps put_none = { 0 }, put_other = { 0 }, put_labelled = { 0 }, q_other = { 0 }, q_labelled = { 0 };
	bench_reps head_ms = { 0 }, eff_us = { 0 }, gate_us = { 0 }, cl_s = { 0 }, un_s = { 0 };
	int64_t reached = 0;
	long sink = 0;
	if (!pg)
		put_executions(s, at, et, free_in); /* warm the cache: the first calls read the file */
	for (int rep = 0; rep < reps; rep++) {
		double none = 0;
		if (!pg)
			none = put_executions(s, at, et, free_in);
		t0 = now_s();
		for (int i = 0; i < npick; i++) {
			int64_t r = classify(s, (int64_t)i * 100 * CHAIN + 1, "PII");
			reached += rep ? 0 : r;
		}
		bench_reps_add(&head_ms, (now_s() - t0) / npick * 1e3);
		if (!pg) {
			double other = put_executions(s, at, et, free_in), lab = put_executions(s, at, et, lab_in);
			bench_reps_add(&put_none, none);
			bench_reps_add(&put_other, other);
			bench_reps_add(&put_labelled, lab);
			bench_reps_add(&q_other, other / none);
			bench_reps_add(&q_labelled, lab / none);
		}

		/* effective labels 10 hops below a labelled head */
		for (int i = 0; i < (rep ? 20 : 200); i++) { /* warm the cache; check the answer */
			grq.id = pick[i];
			Mlmd__Pb__Governance__GetEffectiveLabelsResponse *r =
				bench_rpc(s, "GetEffectiveLabels", &grq,
					  &mlmd__pb__governance__get_effective_labels_response__descriptor);
			if (r->n_labels != 1 || r->labels[0]->distance != 10) {
				fprintf(stderr, "bench: artifact %lld: expected PII at 10 hops\n", (long long)pick[i]);
				return 1;
			}
			mlmd_message_free(r);
		}
		t0 = now_s();
		for (int i = 0; i < calls; i++) {
			grq.id = pick[(rep * calls + i) % CALLS];
			Mlmd__Pb__Governance__GetEffectiveLabelsResponse *r =
				bench_rpc(s, "GetEffectiveLabels", &grq,
					  &mlmd__pb__governance__get_effective_labels_response__descriptor);
			sink += (long)r->n_labels;
			mlmd_message_free(r);
		}
		bench_reps_add(&eff_us, (now_s() - t0) / calls * 1e6);

		/* the dataset with 100k nodes below it; the gate check while it is labelled */
		t0 = now_s();
		int64_t n = classify(s, root, "POISONED");
		bench_reps_add(&cl_s, now_s() - t0);
		t0 = now_s();
		for (int i = 0; i < calls; i++) {
			crq.artifact_id = pick[(rep * calls + i) % CALLS];
			Mlmd__Pb__Governance__CheckServingGateResponse *r =
				bench_rpc(s, "CheckServingGate", &crq,
					  &mlmd__pb__governance__check_serving_gate_response__descriptor);
			sink += r->allowed;
			mlmd_message_free(r);
		}
		bench_reps_add(&gate_us, (now_s() - t0) / calls * 1e6);
		t0 = now_s();
		int64_t m = unclassify(s, root, "POISONED");
		bench_reps_add(&un_s, now_s() - t0);
		if (n != below + 1 || m != n) {
			fprintf(stderr, "bench: the tree's label reached %lld and removed %lld nodes, expected %lld\n",
				(long long)n, (long long)m, (long long)below + 1);
			return 1;
		}
		if (rep + 1 < reps) /* the store without labels again */
			for (int i = 0; i < npick; i++)
				unclassify(s, (int64_t)i * 100 * CHAIN + 1, "PII");
	}

	printf("  median of %d repetitions, \u00b1 the range over the median\n", reps);
	if (!pg) {
		printf("  PutExecution (1 input event, 1 new output), %d calls in one transaction, CPU time:\n", PUTS);
		bench_head("", "us/call", "no label us/call", "vs no label");
		bench_row("  with no label in the store", "%.0f", &put_none, NULL, NULL, NULL);
		char name[96];
		snprintf(name, sizeof name, "  with %d labels elsewhere", npick);
		bench_row(name, "%.0f", &put_other, &put_none, "%.2f", &q_other);
		bench_row("  a label reaches the input (2 new edges)", "%.0f", &put_labelled, &put_none, "%.2f", &q_labelled);
	}
	char name[96];
	bench_head("", "figure", NULL, NULL);
	snprintf(name, sizeof name, "  Classify of a chain's head (%lld reached)", (long long)(reached / npick));
	bench_row(name, "%.2f ms", &head_ms, NULL, NULL, NULL);
	bench_row("  GetEffectiveLabels 10 hops below a label", "%.1f us", &eff_us, NULL, NULL, NULL);
	bench_row("  CheckServingGate, same nodes", "%.1f us", &gate_us, NULL, NULL, NULL);
	snprintf(name, sizeof name, "  Classify, %lld nodes below", (long long)below);
	bench_row(name, "%.2f s", &cl_s, NULL, NULL, NULL);
	snprintf(name, sizeof name, "  Unclassify, %lld nodes below", (long long)below);
	bench_row(name, "%.2f s", &un_s, NULL, NULL, NULL);
	printf("  (%d GetEffectiveLabels and CheckServingGate calls a repetition, %ld nodes)\n", calls, nodes);
	free(free_in);
	free(lab_in);
	free(pick);
	mlmd_store_free(s);
	if (!pg)
		rm_db(path);
	return sink < 0;
}

/*
 * tests/test_tracking.c - experiment tracking's RPCs (proto/mlmd_tracking.proto)
 * through mlmd_store_call with real request bytes, on every backend
 * (`make check-backends`): runs, parameters, tags, metric history, files,
 * the fingerprint cache, search, bad input, and the schema step to version 3.
 */
#include <math.h>
#include <time.h>
#include <sqlite3.h>
#include "helpers.h"
#include "mlmd_tracking.pb-c.h"

/* SearchRuns' limits (lib/query/runs.c, store/track_search.c) */
#define MAX_SEARCH_CONDITIONS 200
#define MAX_SEARCH_ORDER 100
#define MAX_SEARCH_EXPERIMENTS 1000

typedef Mlmd__Pb__Tracking__Param Param;
typedef Mlmd__Pb__Tracking__Tag Tag;
typedef Mlmd__Pb__Tracking__MetricSeries Series;

#define RPC_OK(s, M, rq, snake)                                                                   \
	({                                                                                        \
		int rc__;                                                                         \
		Mlmd__Pb__Tracking__##M##Response *r__ =                                          \
			test_rpc(s, #M, rq, &mlmd__pb__tracking__##snake##_response__descriptor, &rc__); \
		if (rc__)                                                                         \
			fail_msg(#M " -> %d (%s): %s", rc__, mlmd_status_name(rc__), mlmd_error_message()); \
		r__;                                                                              \
	})
#define RPC_FAILS(s, M, rq, snake, want, needle)                                                  \
	do {                                                                                      \
		int rc__;                                                                         \
		void *r__ = test_rpc(s, #M, rq, &mlmd__pb__tracking__##snake##_response__descriptor, &rc__); \
		assert_null(r__);                                                                 \
		FAILS(rc__, want, needle);                                                        \
	} while (0)

static void free_msg(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

/* Values and parameters built on the stack of the test. */
static Mlmd__Pb__Value ival(int64_t v)
{
	Mlmd__Pb__Value x = MLMD__PB__VALUE__INIT;
	x.value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	x.int_value = v;
	return x;
}
static Mlmd__Pb__Value dval(double v)
{
	Mlmd__Pb__Value x = MLMD__PB__VALUE__INIT;
	x.value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
	x.double_value = v;
	return x;
}
static Mlmd__Pb__Value sval(const char *v)
{
	Mlmd__Pb__Value x = MLMD__PB__VALUE__INIT;
	x.value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	x.string_value = (char *)v;
	return x;
}
static Param param(const char *k, Mlmd__Pb__Value *v)
{
	Param p = MLMD__PB__TRACKING__PARAM__INIT;
	p.key = (char *)k;
	p.value = v;
	return p;
}

/* Starts a run in `experiment` with the given parameters; returns its id. */
static int64_t start(mlmd_store *s, const char *experiment, const char *name, Param **params, size_t n)
{
	Mlmd__Pb__Tracking__StartRunRequest rq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	rq.experiment_name = (char *)experiment;
	rq.run_name = (char *)name;
	rq.params = params;
	rq.n_params = n;
	Mlmd__Pb__Tracking__StartRunResponse *r = RPC_OK(s, StartRun, &rq, start_run);
	int64_t id = r->run_id;
	free_msg(r);
	return id;
}

/* Logs n points of `key` (steps 0..n-1 unless steps is NULL and nostep). */
static int log_series(mlmd_store *s, int64_t run, const char *key, const double *v, const int64_t *steps,
		      const int64_t *ts, size_t n, size_t nsteps)
{
	Series m = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	m.key = (char *)key;
	m.values = (double *)v;
	m.n_values = n;
	m.steps = (int64_t *)steps;
	m.n_steps = steps ? nsteps : 0;
	m.timestamps = (int64_t *)ts;
	m.n_timestamps = ts ? n : 0;
	Series *mp = &m;
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.metrics = &mp;
	rq.n_metrics = 1;
	int rc;
	free_msg(test_rpc(s, "Log", &rq, &mlmd__pb__tracking__log_response__descriptor, &rc));
	return rc;
}

static int end_run(mlmd_store *s, int64_t run, int state, char **fingerprint)
{
	Mlmd__Pb__Tracking__EndRunRequest rq = MLMD__PB__TRACKING__END_RUN_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	if (state) {
		rq.has_status = 1;
		rq.status = state;
	}
	int rc;
	Mlmd__Pb__Tracking__EndRunResponse *r = test_rpc(s, "EndRun", &rq, &mlmd__pb__tracking__end_run_response__descriptor, &rc);
	if (fingerprint)
		*fingerprint = r && r->fingerprint ? strdup(r->fingerprint) : NULL;
	free_msg(r);
	return rc;
}

static Mlmd__Pb__Tracking__Run *get_run(mlmd_store *s, int64_t run)
{
	Mlmd__Pb__Tracking__GetRunRequest rq = MLMD__PB__TRACKING__GET_RUN_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	Mlmd__Pb__Tracking__GetRunResponse *r = RPC_OK(s, GetRun, &rq, get_run);
	Mlmd__Pb__Tracking__Run *run_msg = r->run;
	r->run = NULL;
	free_msg(r);
	return run_msg;
}

static Series *history(mlmd_store *s, int64_t run, const char *key)
{
	Mlmd__Pb__Tracking__GetMetricHistoryRequest rq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.key = (char *)key;
	Mlmd__Pb__Tracking__GetMetricHistoryResponse *r = RPC_OK(s, GetMetricHistory, &rq, get_metric_history);
	Series *h = r->history;
	r->history = NULL;
	free_msg(r);
	return h;
}

/* ---- runs ------------------------------------------------------------------------ */

/* StartRun creates the system types, the experiment and the run; the run
 * is an ordinary execution MLMD clients see, with its properties. */
static void start_run_records_mlmd_nodes(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Value lr = dval(0.1), ep = ival(10), opt = sval("adam");
	Param p1 = param("lr", &lr), p2 = param("epochs", &ep), p3 = param("optimizer", &opt);
	Param *ps[] = { &p1, &p2, &p3 };
	Tag t1 = MLMD__PB__TRACKING__TAG__INIT;
	t1.key = "team";
	t1.value = "vision";
	Tag *ts[] = { &t1 };
	Mlmd__Pb__Tracking__Capture cap = MLMD__PB__TRACKING__CAPTURE__INIT;
	char *argv[] = { "train.py", "--lr", "0.1" };
	cap.argv = argv;
	cap.n_argv = 3;
	cap.cwd = "/work";
	cap.host = "box";
	cap.has_seed = 1;
	cap.seed = 42;
	cap.has_git_dirty = 1;
	cap.git_dirty = 1;
	Mlmd__Pb__Tracking__Capture__EnvEntry env = MLMD__PB__TRACKING__CAPTURE__ENV_ENTRY__INIT;
	env.key = "CUDA_VISIBLE_DEVICES";
	env.value = "0";
	Mlmd__Pb__Tracking__Capture__EnvEntry *envs[] = { &env };
	cap.env = envs;
	cap.n_env = 1;
	Mlmd__Pb__Tracking__StartRunRequest rq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	rq.experiment_name = "mnist";
	rq.run_name = "first";
	rq.params = ps;
	rq.n_params = 3;
	rq.tags = ts;
	rq.n_tags = 1;
	rq.capture = &cap;
	Mlmd__Pb__Tracking__StartRunResponse *r = RPC_OK(s, StartRun, &rq, start_run);
	int64_t run = r->run_id, xid = r->experiment_id;
	assert_string_equal(r->run_name, "first");
	free_msg(r);
	/* a second run in the same experiment reuses its context; no name: run-<id> */
	rq.run_name = NULL;
	rq.n_params = rq.n_tags = 0;
	rq.capture = NULL;
	r = RPC_OK(s, StartRun, &rq, start_run);
	assert_int_equal(r->experiment_id, xid);
	char want[32];
	snprintf(want, sizeof want, "run-%lld", (long long)r->run_id);
	assert_string_equal(r->run_name, want);
	free_msg(r);
	/* a run name is unique per run type */
	rq.run_name = "first";
	RPC_FAILS(s, StartRun, &rq, start_run, MLMD_ALREADY_EXISTS, "first");
	rq.run_type = "Training";
	free_msg(RPC_OK(s, StartRun, &rq, start_run));
	rq.run_type = NULL;

	/* MLMD's view: an execution of type mlmd.Run, RUNNING, with custom properties */
	Mlmd__Pb__GetExecutionsByIDRequest gq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	gq.execution_ids = &run;
	gq.n_execution_ids = 1;
	Mlmd__Pb__GetExecutionsByIDResponse *gr;
	OK(mlmd_store_get_executions_by_id(s, &gq, &gr));
	assert_int_equal(gr->n_executions, 1);
	Mlmd__Pb__Execution *e = gr->executions[0];
	assert_string_equal(e->type, "mlmd.Run");
	assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__RUNNING);
	assert_true(mlmd_node_get(e, 1, "param.lr")->double_value == 0.1);
	assert_int_equal(mlmd_node_get(e, 1, "param.epochs")->int_value, 10);
	assert_string_equal(mlmd_node_get(e, 1, "param.optimizer")->string_value, "adam");
	assert_string_equal(mlmd_node_get(e, 1, "tag.team")->string_value, "vision");
	assert_string_equal(mlmd_node_get(e, 1, "mlmd.argv")->string_value, "[\"train.py\",\"--lr\",\"0.1\"]");
	assert_string_equal(mlmd_node_get(e, 1, "mlmd.env.CUDA_VISIBLE_DEVICES")->string_value, "0");
	assert_int_equal(mlmd_node_get(e, 1, "mlmd.seed")->int_value, 42);
	assert_true(mlmd_node_get(e, 1, "mlmd.git_dirty")->bool_value);
	assert_string_equal(mlmd_node_get(e, 1, "mlmd.library_version")->string_value, mlmd_version());
	mlmd_message_free(gr);
	/* the experiment is a context of type mlmd.Experiment holding the run */
	Mlmd__Pb__GetContextsByExecutionRequest cq = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
	cq.has_execution_id = 1;
	cq.execution_id = run;
	Mlmd__Pb__GetContextsByExecutionResponse *cr;
	OK(mlmd_store_get_contexts_by_execution(s, &cq, &cr));
	assert_int_equal(cr->n_contexts, 1);
	assert_string_equal(cr->contexts[0]->type, "mlmd.Experiment");
	assert_string_equal(cr->contexts[0]->name, "mnist");
	mlmd_message_free(cr);
	/* an MLMD filter finds it by parameter */
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.filter_query = "custom_properties.`param.optimizer`.string_value = 'adam'";
	Mlmd__Pb__GetExecutionsRequest eq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	eq.options = &lo;
	Mlmd__Pb__GetExecutionsResponse *er;
	OK(mlmd_store_get_executions(s, &eq, &er));
	assert_int_equal(er->n_executions, 1);
	assert_int_equal(er->executions[0]->id, run);
	mlmd_message_free(er);

	/* GetRun shows it back, lists sorted by key, the capture rebuilt */
	Mlmd__Pb__Tracking__Run *g = get_run(s, run);
	assert_int_equal(g->run_id, run);
	assert_string_equal(g->run_name, "first");
	assert_string_equal(g->run_type, "mlmd.Run");
	assert_string_equal(g->experiment_name, "mnist");
	assert_int_equal(g->experiment_id, xid);
	assert_int_equal(g->status, MLMD__PB__EXECUTION__STATE__RUNNING);
	assert_false(g->has_end_time);
	assert_true(g->start_time > 0);
	assert_int_equal(g->n_params, 3);
	assert_string_equal(g->params[0]->key, "epochs");
	assert_string_equal(g->params[1]->key, "lr");
	assert_string_equal(g->params[2]->key, "optimizer");
	assert_int_equal(g->n_tags, 1);
	assert_non_null(g->capture);
	assert_int_equal(g->capture->n_argv, 3);
	assert_string_equal(g->capture->argv[1], "--lr");
	assert_string_equal(g->capture->cwd, "/work");
	assert_int_equal(g->capture->seed, 42);
	assert_int_equal(g->capture->n_env, 1);
	assert_string_equal(g->capture->env[0]->key, "CUDA_VISIBLE_DEVICES");
	free_msg(g);
	mlmd_store_free(s);
}

/* Log: parameters keep their first value, tags change, metric series go to
 * the history table and their latest point to metric.<key>. */
static void log_params_tags_and_metrics(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t run = start(s, NULL, "r", NULL, 0);
	Mlmd__Pb__Value lr = dval(0.1), lr2 = dval(0.2), layers = ival(3);
	Param p1 = param("lr", &lr), p2 = param("layers", &layers);
	Param *ps[] = { &p1, &p2 };
	Tag t1 = MLMD__PB__TRACKING__TAG__INIT;
	t1.key = "stage";
	t1.value = "warmup";
	Tag *ts[] = { &t1 };
	double loss[] = { 0.9, 0.5, 0.7 };
	int64_t steps[] = { 0, 2, 1 };
	Series m = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	m.key = "loss";
	m.values = loss;
	m.n_values = 3;
	m.steps = steps;
	m.n_steps = 3;
	Series *ms[] = { &m };
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.params = ps;
	rq.n_params = 2;
	rq.tags = ts;
	rq.n_tags = 1;
	rq.metrics = ms;
	rq.n_metrics = 1;
	Mlmd__Pb__Tracking__LogResponse *lr_ = RPC_OK(s, Log, &rq, log);
	assert_int_equal(lr_->points, 3);
	free_msg(lr_);
	/* the same parameter value again is fine; the tag changes */
	t1.value = "main";
	rq.n_metrics = 0;
	free_msg(RPC_OK(s, Log, &rq, log));
	Mlmd__Pb__Tracking__Run *g = get_run(s, run);
	assert_int_equal(g->n_params, 2);
	assert_string_equal(g->tags[0]->value, "main");
	assert_int_equal(g->n_metrics, 1);
	assert_string_equal(g->metrics[0]->key, "loss");
	assert_true(g->metrics[0]->value == 0.5); /* step 2 is the latest */
	assert_int_equal(g->metrics[0]->step, 2);
	free_msg(g);
	/* another value for a logged parameter is refused, and nothing of the call is kept */
	p1.value = &lr2;
	t1.value = "changed";
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "parameter 'lr' already has another value");
	g = get_run(s, run);
	assert_string_equal(g->tags[0]->value, "main");
	assert_true(g->params[1]->value->double_value == 0.1);
	free_msg(g);
	/* the same key twice in one call with two values */
	Param p3 = param("lr", &lr), p4 = param("lr", &lr2);
	Param *dup[] = { &p3, &p4 };
	rq.params = dup;
	rq.n_params = 2;
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "already has another value");
	mlmd_store_free(s);
}

/* The history comes back by step, then timestamp, then logging order, from
 * several calls; another run's and another key's points stay apart. */
static void metric_history_is_ordered_and_separate(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t a = start(s, "x", "a", NULL, 0), b = start(s, "x", "b", NULL, 0);
	double v1[] = { 1, 2, 3 }, v2[] = { 4, 5 };
	int64_t s1[] = { 5, 1, 3 }, s2[] = { 1, 7 }, t1[] = { 100, 100, 100 }, t2[] = { 50, 1 };
	OK(log_series(s, a, "acc", v1, s1, t1, 3, 3));
	OK(log_series(s, a, "acc", v2, s2, t2, 2, 2));
	OK(log_series(s, b, "acc", v1, NULL, NULL, 3, 0));
	OK(log_series(s, a, "other", v2, NULL, NULL, 2, 0));
	Series *h = history(s, a, "acc");
	assert_string_equal(h->key, "acc");
	assert_int_equal(h->n_values, 5);
	assert_int_equal(h->n_steps, 5);
	assert_int_equal(h->n_timestamps, 5);
	/* (1,50)=4 (1,100)=2 (3,100)=3 (5,100)=1 (7,1)=5 */
	double want_v[] = { 4, 2, 3, 1, 5 };
	int64_t want_s[] = { 1, 1, 3, 5, 7 }, want_t[] = { 50, 100, 100, 100, 1 };
	for (int i = 0; i < 5; i++) {
		assert_true(h->values[i] == want_v[i]);
		assert_int_equal(h->steps[i], want_s[i]);
		assert_int_equal(h->timestamps[i], want_t[i]);
	}
	free_msg(h);
	/* without steps: step 0 and the call's time, in logging order */
	h = history(s, b, "acc");
	assert_int_equal(h->n_values, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(h->values[i] == v1[i]);
		assert_int_equal(h->steps[i], 0);
		assert_true(h->timestamps[i] > 1000000000000LL);
	}
	free_msg(h);
	Mlmd__Pb__Tracking__Run *g = get_run(s, a);
	assert_int_equal(g->n_metrics, 2);
	assert_true(g->metrics[0]->value == 5); /* acc at step 7 */
	assert_true(g->metrics[1]->value == 5); /* other: the last logged at step 0 */
	free_msg(g);
	/* a key never logged: an empty history */
	h = history(s, a, "nothing");
	assert_int_equal(h->n_values, 0);
	free_msg(h);
	mlmd_store_free(s);
}

/* 100,000 points in one call come back exactly, bit for bit. */
static void metric_history_of_100k_points_round_trips(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t run = start(s, NULL, NULL, NULL, 0);
	size_t n = 100000;
	double *v = malloc(n * sizeof *v);
	int64_t *steps = malloc(n * sizeof *steps), *ts = malloc(n * sizeof *ts);
	for (size_t i = 0; i < n; i++) {
		v[i] = 1.0 / (double)(i + 3) + (double)i * 1e-7;
		steps[i] = (int64_t)i;
		ts[i] = 1700000000000LL + (int64_t)i;
	}
	OK(log_series(s, run, "loss", v, steps, ts, n, n));
	Series *h = history(s, run, "loss");
	assert_int_equal(h->n_values, n);
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&h->values[i], &v[i], sizeof v[i]) || h->steps[i] != steps[i] || h->timestamps[i] != ts[i])
			fail_msg("point %zu differs", i);
	}
	free_msg(h);
	free(v);
	free(steps);
	free(ts);
	mlmd_store_free(s);
}

/* NaN and the infinities are stored as such and come back. */
static void nonfinite_metrics_round_trip(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t run = start(s, NULL, NULL, NULL, 0);
	double v[] = { NAN, INFINITY, -INFINITY, 1.5 };
	int64_t steps[] = { 0, 1, 2, 3 };
	OK(log_series(s, run, "m", v, steps, NULL, 4, 4));
	Series *h = history(s, run, "m");
	assert_int_equal(h->n_values, 4);
	assert_true(isnan(h->values[0]));
	assert_true(isinf(h->values[1]) && h->values[1] > 0);
	assert_true(isinf(h->values[2]) && h->values[2] < 0);
	assert_true(h->values[3] == 1.5);
	free_msg(h);
	double last[] = { NAN };
	int64_t s9[] = { 9 };
	OK(log_series(s, run, "m", last, s9, NULL, 1, 1));
	Mlmd__Pb__Tracking__Run *g = get_run(s, run);
	assert_true(isnan(g->metrics[0]->value));
	free_msg(g);
	mlmd_store_free(s);
}

/* EndRun sets the state and end time; nothing more is logged to the run. */
static void end_run_closes_the_run(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t a = start(s, NULL, "a", NULL, 0), b = start(s, NULL, "b", NULL, 0);
	char *fp = NULL;
	OK(end_run(s, a, 0, &fp));
	assert_non_null(fp);
	assert_int_equal(strlen(fp), 64);
	free(fp);
	OK(end_run(s, b, MLMD__PB__EXECUTION__STATE__FAILED, &fp));
	assert_null(fp);
	Mlmd__Pb__Tracking__Run *g = get_run(s, a);
	assert_int_equal(g->status, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_true(g->has_end_time && g->end_time >= g->start_time);
	assert_non_null(g->fingerprint);
	free_msg(g);
	g = get_run(s, b);
	assert_int_equal(g->status, MLMD__PB__EXECUTION__STATE__FAILED);
	assert_null(g->fingerprint);
	free_msg(g);
	double v[] = { 1 };
	FAILS(log_series(s, a, "x", v, NULL, NULL, 1, 0), MLMD_FAILED_PRECONDITION, "has ended (COMPLETE)");
	FAILS(end_run(s, b, 0, NULL), MLMD_FAILED_PRECONDITION, "has ended (FAILED)");
	FAILS(end_run(s, 999999, 0, NULL), MLMD_NOT_FOUND, "run 999999 does not exist");
	int64_t c = start(s, NULL, "c", NULL, 0);
	FAILS(end_run(s, c, MLMD__PB__EXECUTION__STATE__RUNNING, NULL), MLMD_INVALID_ARGUMENT,
	      "status must be COMPLETE, FAILED or CANCELED");
	mlmd_store_free(s);
}

/* Bad input is refused with a message naming what is wrong. */
static void bad_input_is_refused(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t run = start(s, NULL, NULL, NULL, 0);
	double v[] = { 1, 2 };
	int64_t steps[] = { 1 };
	FAILS(log_series(s, 424242, "x", v, NULL, NULL, 2, 0), MLMD_NOT_FOUND, "run 424242 does not exist");
	FAILS(log_series(s, run, "x", v, steps, NULL, 2, 1), MLMD_INVALID_ARGUMENT, "has 2 values but 1 steps");
	FAILS(log_series(s, run, "", v, NULL, NULL, 2, 0), MLMD_INVALID_ARGUMENT, "metrics[0]: the key is empty");
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "run_id is required");
	Mlmd__Pb__Value b = MLMD__PB__VALUE__INIT;
	b.value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
	b.bool_value = 1;
	Param p = param("flag", &b);
	Param *ps[] = { &p };
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.params = ps;
	rq.n_params = 1;
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "must have an int, double or string value");
	Mlmd__Pb__Value one = ival(1);
	p = param("", &one);
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "params[0]: the key is empty");
	Tag t = MLMD__PB__TRACKING__TAG__INIT;
	t.key = "";
	t.value = "x";
	Tag *ts[] = { &t };
	rq.n_params = 0;
	rq.tags = ts;
	rq.n_tags = 1;
	RPC_FAILS(s, Log, &rq, log, MLMD_INVALID_ARGUMENT, "tags[0]: the key is empty");
	/* a file needs a well-formed sha256 and a size */
	Mlmd__Pb__Tracking__FileRecord f = MLMD__PB__TRACKING__FILE_RECORD__INIT;
	f.uri = "/data/x";
	f.sha256 = "ABC";
	f.has_size = 1;
	f.size = 3;
	Mlmd__Pb__Tracking__FileRecord *fs[] = { &f };
	Mlmd__Pb__Tracking__LogFilesRequest lq = MLMD__PB__TRACKING__LOG_FILES_REQUEST__INIT;
	lq.has_run_id = 1;
	lq.run_id = run;
	lq.inputs = fs;
	lq.n_inputs = 1;
	RPC_FAILS(s, LogFiles, &lq, log_files, MLMD_INVALID_ARGUMENT, "inputs[0]: sha256 'ABC' is not 64 lowercase hex");
	f.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	f.has_size = 0;
	RPC_FAILS(s, LogFiles, &lq, log_files, MLMD_INVALID_ARGUMENT, "size is required");
	/* history of an unknown run, and of an empty key */
	Mlmd__Pb__Tracking__GetMetricHistoryRequest hq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
	hq.has_run_id = 1;
	hq.run_id = 31337;
	hq.key = "loss";
	RPC_FAILS(s, GetMetricHistory, &hq, get_metric_history, MLMD_NOT_FOUND, "run 31337 does not exist");
	hq.key = "";
	RPC_FAILS(s, GetMetricHistory, &hq, get_metric_history, MLMD_INVALID_ARGUMENT, "the key is empty");
	/* an unknown method names both services */
	void *out = NULL;
	size_t len = 0;
	FAILS(mlmd_store_call(s, "StartRunz", "", 0, &out, &len), MLMD_UNIMPLEMENTED, "mlmd.tracking.TrackingService");
	mlmd_store_free(s);
}

/* ---- files and the cache ------------------------------------------------------------- */

#define SHA_A "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA_C "3333333333333333333333333333333333333333333333333333333333333333"

static void log_files(mlmd_store *s, int64_t run, const char **in, size_t nin, const char **out, size_t nout,
		      int64_t *in_ids, int64_t *out_ids)
{
	Mlmd__Pb__Tracking__FileRecord fr[8], *fp[8];
	Mlmd__Pb__Tracking__LogFilesRequest rq = MLMD__PB__TRACKING__LOG_FILES_REQUEST__INIT;
	for (size_t i = 0; i < nin + nout; i++) {
		Mlmd__Pb__Tracking__FileRecord f = MLMD__PB__TRACKING__FILE_RECORD__INIT;
		f.sha256 = (char *)(i < nin ? in[i] : out[i - nin]);
		f.has_size = 1;
		f.size = 10 + (int64_t)i;
		f.uri = i < nin ? "/in" : "/out";
		fr[i] = f;
		fp[i] = &fr[i];
	}
	rq.has_run_id = 1;
	rq.run_id = run;
	rq.inputs = fp;
	rq.n_inputs = nin;
	rq.outputs = fp + nin;
	rq.n_outputs = nout;
	Mlmd__Pb__Tracking__LogFilesResponse *r = RPC_OK(s, LogFiles, &rq, log_files);
	assert_int_equal(r->n_input_ids, nin);
	assert_int_equal(r->n_output_ids, nout);
	for (size_t i = 0; i < nin && in_ids; i++)
		in_ids[i] = r->input_ids[i];
	for (size_t i = 0; i < nout && out_ids; i++)
		out_ids[i] = r->output_ids[i];
	free_msg(r);
}

/* Files are artifacts with their digest and size, reused by digest, joined
 * by events and attributed to the experiment. */
static void log_files_reuses_artifacts_by_digest(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t a = start(s, "files", "a", NULL, 0), b = start(s, "files", "b", NULL, 0);
	const char *in[] = { SHA_A, SHA_B }, *out[] = { SHA_C };
	int64_t ia[2], oa[1], ib[1];
	log_files(s, a, in, 2, out, 1, ia, oa);
	log_files(s, b, out, 1, NULL, 0, ib, NULL); /* b reads what a wrote */
	assert_int_equal(ib[0], oa[0]);
	log_files(s, a, in, 1, NULL, 0, ib, NULL); /* again: same artifact, no new event */
	assert_int_equal(ib[0], ia[0]);
	Mlmd__Pb__Tracking__Run *g = get_run(s, a);
	assert_int_equal(g->n_inputs, 2);
	assert_int_equal(g->n_outputs, 1);
	assert_string_equal(mlmd_node_get(g->outputs[0], 1, "mlmd.sha256")->string_value, SHA_C);
	assert_int_equal(mlmd_node_get(g->outputs[0], 1, "mlmd.size")->int_value, 12);
	assert_string_equal(g->outputs[0]->type, "mlmd.File");
	free_msg(g);
	/* MLMD's lineage view: the events, and the attribution */
	Mlmd__Pb__GetEventsByExecutionIDsRequest eq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	eq.execution_ids = &a;
	eq.n_execution_ids = 1;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *er;
	OK(mlmd_store_get_events_by_execution_ids(s, &eq, &er));
	assert_int_equal(er->n_events, 3);
	mlmd_message_free(er);
	Mlmd__Pb__GetContextsByArtifactRequest cq = MLMD__PB__GET_CONTEXTS_BY_ARTIFACT_REQUEST__INIT;
	cq.has_artifact_id = 1;
	cq.artifact_id = oa[0];
	Mlmd__Pb__GetContextsByArtifactResponse *cr;
	OK(mlmd_store_get_contexts_by_artifact(s, &cq, &cr));
	assert_int_equal(cr->n_contexts, 1);
	assert_string_equal(cr->contexts[0]->name, "files");
	mlmd_message_free(cr);
	mlmd_store_free(s);
}

static Mlmd__Pb__Tracking__FindCachedRunResponse *find_cached(mlmd_store *s, Param **ps, size_t np, const char **dig,
							     size_t nd)
{
	Mlmd__Pb__Tracking__FindCachedRunRequest rq = MLMD__PB__TRACKING__FIND_CACHED_RUN_REQUEST__INIT;
	rq.params = ps;
	rq.n_params = np;
	rq.input_sha256 = (char **)dig;
	rq.n_input_sha256 = nd;
	return RPC_OK(s, FindCachedRun, &rq, find_cached_run);
}

/* A completed run is found by its type, parameters and input digests; a
 * changed parameter or input misses; the latest completed run wins. */
static void find_cached_run_hits_and_misses(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Value lr = dval(0.1), ep = ival(10), lr2 = dval(0.2);
	Param p1 = param("lr", &lr), p2 = param("epochs", &ep);
	Param *ps[] = { &p1, &p2 }, *rev[] = { &p2, &p1 };
	int64_t run = start(s, NULL, "train", ps, 2);
	const char *in[] = { SHA_B, SHA_A }, *sorted[] = { SHA_A, SHA_B }, *other[] = { SHA_A, SHA_C };
	log_files(s, run, in, 2, in + 1, 0, NULL, NULL);
	/* not completed yet: a miss */
	Mlmd__Pb__Tracking__FindCachedRunResponse *r = find_cached(s, ps, 2, sorted, 2);
	assert_null(r->run);
	char *want = strdup(r->fingerprint);
	free_msg(r);
	char *fp = NULL;
	OK(end_run(s, run, 0, &fp));
	assert_string_equal(fp, want); /* the same text, however the request orders it */
	free(fp);
	r = find_cached(s, rev, 2, in, 2);
	assert_string_equal(r->fingerprint, want);
	assert_non_null(r->run);
	assert_int_equal(r->run->run_id, run);
	assert_int_equal(r->run->n_inputs, 2);
	free_msg(r);
	/* a changed parameter, a changed input, a missing input: misses */
	p1.value = &lr2;
	r = find_cached(s, ps, 2, sorted, 2);
	assert_null(r->run);
	assert_string_not_equal(r->fingerprint, want);
	free_msg(r);
	p1.value = &lr;
	r = find_cached(s, ps, 2, other, 2);
	assert_null(r->run);
	free_msg(r);
	r = find_cached(s, ps, 2, sorted, 1);
	assert_null(r->run);
	free_msg(r);
	/* an int 10 is not the double 10 */
	Mlmd__Pb__Value ep_d = dval(10);
	p2.value = &ep_d;
	r = find_cached(s, ps, 2, sorted, 2);
	assert_null(r->run);
	free_msg(r);
	p2.value = &ep;
	/* a failed run with the same fingerprint is not a hit; a later completed one wins */
	int64_t failed = start(s, NULL, "again", ps, 2);
	log_files(s, failed, in, 2, NULL, 0, NULL, NULL);
	OK(end_run(s, failed, MLMD__PB__EXECUTION__STATE__FAILED, NULL));
	int64_t later = start(s, NULL, "later", ps, 2);
	log_files(s, later, in, 2, NULL, 0, NULL, NULL);
	r = find_cached(s, ps, 2, sorted, 2);
	assert_int_equal(r->run->run_id, run);
	free_msg(r);
	OK(end_run(s, later, 0, NULL));
	r = find_cached(s, ps, 2, sorted, 2);
	assert_int_equal(r->run->run_id, later);
	free_msg(r);
	free(want);
	mlmd_store_free(s);
}

/* The fingerprint is SHA-256 of the documented text (docs/tracking.md). */
static void fingerprint_is_the_documented_text(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Value a = ival(5), b = dval(0.1), c = sval("x\ny");
	Param p1 = param("b", &b), p2 = param("a", &a), p3 = param("c", &c);
	Param *ps[] = { &p1, &p2, &p3 };
	const char *dig[] = { SHA_B, SHA_A, SHA_B };
	Mlmd__Pb__Tracking__FindCachedRunResponse *r = find_cached(s, ps, 3, dig, 3);
	/* printf 'mlmd.fingerprint.v1\nmlmd.Run\na=i:5\nb=d:0.10000000000000001\nc=s:x\\ny\n<A>\n<B>\n' | sha256sum */
	const char *text = "mlmd.fingerprint.v1\nmlmd.Run\na=i:5\nb=d:0.10000000000000001\nc=s:x\\ny\n" SHA_A "\n" SHA_B "\n";
	char cmd[1024];
	char *path = tmp_path("fp");
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
	FILE *p = popen(cmd, "r");
	char want[65] = "";
	assert_int_equal(fscanf(p, "%64s", want), 1);
	pclose(p);
	tmp_remove(path);
	assert_string_equal(r->fingerprint, want);
	free_msg(r);
	/* a key's '=' is escaped: {"x=s:y": "z"} and {"x": "y=s:z"} are different lists */
	Mlmd__Pb__Value z = sval("z"), ysz = sval("y=s:z");
	Param q1 = param("x=s:y", &z), q2 = param("x", &ysz);
	Param *qa[] = { &q1 }, *qb[] = { &q2 };
	Mlmd__Pb__Tracking__FindCachedRunResponse *ra = find_cached(s, qa, 1, NULL, 0);
	Mlmd__Pb__Tracking__FindCachedRunResponse *rb = find_cached(s, qb, 1, NULL, 0);
	assert_string_not_equal(ra->fingerprint, rb->fingerprint);
	free_msg(ra);
	free_msg(rb);
	mlmd_store_free(s);
}


/* ---- search ----------------------------------------------------------------------------- */

static Mlmd__Pb__Tracking__SearchRunsResponse *search(mlmd_store *s, const char *filter, const char **order, size_t norder,
						      const char **exps, size_t nexp, int max, const char *token)
{
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	rq.filter = (char *)filter;
	rq.order_by = (char **)order;
	rq.n_order_by = norder;
	rq.experiment_names = (char **)exps;
	rq.n_experiment_names = nexp;
	if (max) {
		rq.has_max_results = 1;
		rq.max_results = max;
	}
	rq.page_token = (char *)token;
	return RPC_OK(s, SearchRuns, &rq, search_runs);
}

/* The names of the runs a search returns, joined by ',' in order. */
static char *names(mlmd_store *s, const char *filter, const char *order, const char *exp)
{
	static char buf[512];
	const char *o[] = { order }, *e[] = { exp };
	Mlmd__Pb__Tracking__SearchRunsResponse *r = search(s, filter, o, order ? 1 : 0, e, exp ? 1 : 0, 0, NULL);
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_runs; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, r->runs[i]->run_name);
	}
	free_msg(r);
	return buf;
}

static void search_fails(mlmd_store *s, const char *filter, const char *order, const char *needle)
{
	const char *o[] = { order };
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	rq.filter = (char *)filter;
	rq.order_by = (char **)o;
	rq.n_order_by = order ? 1 : 0;
	RPC_FAILS(s, SearchRuns, &rq, search_runs, MLMD_INVALID_ARGUMENT, needle);
}

/* Three runs: a (lr 0.1 as a double, loss 0.5, team x, FINISHED),
 * b (lr '0.01' as text, loss 0.1, team y, RUNNING), c (lr 1 as an int,
 * loss 0.3, my key 7, team x, KILLED), d in another experiment. */
static mlmd_store *search_store(void)
{
	mlmd_store *s = open_memory();
	Mlmd__Pb__Value a_lr = dval(0.1), b_lr = sval("0.01"), c_lr = ival(1), opt = sval("Adam");
	Param pa = param("lr", &a_lr), pb = param("lr", &b_lr), pc = param("lr", &c_lr), po = param("opt", &opt);
	Param *psa[] = { &pa, &po }, *psb[] = { &pb }, *psc[] = { &pc };
	int64_t a = start(s, "exp", "a", psa, 2), b = start(s, "exp", "b", psb, 1), c = start(s, "exp", "c", psc, 1);
	int64_t d = start(s, "other", "d", psb, 1);
	double la[] = { 0.9, 0.5 }, lb[] = { 0.1 }, lc[] = { 0.3 }, mk[] = { 7 };
	int64_t sa[] = { 0, 1 };
	OK(log_series(s, a, "loss", la, sa, NULL, 2, 2));
	OK(log_series(s, b, "loss", lb, NULL, NULL, 1, 0));
	OK(log_series(s, c, "loss", lc, NULL, NULL, 1, 0));
	OK(log_series(s, c, "my key", mk, NULL, NULL, 1, 0));
	OK(log_series(s, d, "loss", lb, NULL, NULL, 1, 0));
	const char *team[] = { "x", "y", "x" };
	int64_t runs[] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		Tag t = MLMD__PB__TRACKING__TAG__INIT;
		t.key = "team";
		t.value = (char *)team[i];
		Tag *ts[] = { &t };
		Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
		rq.has_run_id = 1;
		rq.run_id = runs[i];
		rq.tags = ts;
		rq.n_tags = 1;
		free_msg(RPC_OK(s, Log, &rq, log));
	}
	OK(end_run(s, a, 0, NULL));
	OK(end_run(s, c, MLMD__PB__EXECUTION__STATE__CANCELED, NULL));
	return s;
}

/* Each operator on each entity, AND, experiment names, the param rule. */
static void search_runs_filters(void **st)
{
	(void)st;
	mlmd_store *s = search_store();
	/* default order: newest first (start time, then id) */
	assert_string_equal(names(s, NULL, NULL, NULL), "d,c,b,a");
	assert_string_equal(names(s, "", NULL, "exp"), "c,b,a");
	assert_string_equal(names(s, "metrics.loss < 0.2", NULL, NULL), "d,b");
	assert_string_equal(names(s, "metrics.loss <= 0.3", NULL, "exp"), "c,b");
	assert_string_equal(names(s, "metrics.loss > 0.3", NULL, NULL), "a");
	assert_string_equal(names(s, "metrics.loss >= 0.3", NULL, NULL), "c,a");
	assert_string_equal(names(s, "metrics.loss = 0.5", NULL, NULL), "a");
	assert_string_equal(names(s, "metrics.loss != 0.5", NULL, "exp"), "c,b");
	assert_string_equal(names(s, "metrics.`my key` = 7", NULL, NULL), "c");
	assert_string_equal(names(s, "metric.\"my key\" > 1e0", NULL, NULL), "c");
	/* params: text matches text; a number logged as a number matches its text */
	assert_string_equal(names(s, "params.lr = '0.1'", NULL, NULL), "a");
	assert_string_equal(names(s, "params.lr = '0.10'", NULL, NULL), "a");
	assert_string_equal(names(s, "params.lr = '0.01'", NULL, NULL), "d,b");
	assert_string_equal(names(s, "params.lr = '1'", NULL, NULL), "c");
	assert_string_equal(names(s, "params.lr = \"1.0\"", NULL, NULL), "c");
	assert_string_equal(names(s, "params.lr != '0.1'", NULL, "exp"), "c,b");
	assert_string_equal(names(s, "params.opt != 'x'", NULL, NULL), "a"); /* runs without the key never match */
	assert_string_equal(names(s, "params.lr > '0.05'", NULL, NULL), "c,a"); /* numbers: numeric params */
	assert_string_equal(names(s, "params.opt LIKE 'Ad%'", NULL, NULL), "a");
	assert_string_equal(names(s, "params.opt LIKE 'ad%'", NULL, NULL), "");
	assert_string_equal(names(s, "params.opt ILIKE 'ad%'", NULL, NULL), "a");
	/* tags and attributes */
	assert_string_equal(names(s, "tags.team = 'x'", NULL, NULL), "c,a");
	assert_string_equal(names(s, "tags.team != 'x'", NULL, NULL), "b");
	assert_string_equal(names(s, "attributes.status = 'FINISHED'", NULL, NULL), "a");
	assert_string_equal(names(s, "attributes.status = 'RUNNING'", NULL, NULL), "d,b");
	assert_string_equal(names(s, "attributes.status = 'KILLED'", NULL, NULL), "c");
	assert_string_equal(names(s, "attributes.status != 'RUNNING'", NULL, NULL), "c,a");
	assert_string_equal(names(s, "attributes.run_name = 'b'", NULL, NULL), "b");
	assert_string_equal(names(s, "attributes.run_name LIKE '_'", NULL, "exp"), "c,b,a");
	assert_string_equal(names(s, "attributes.start_time > 0", NULL, "exp"), "c,b,a");
	assert_string_equal(names(s, "attributes.end_time > 0", NULL, NULL), "c,a");
	/* the example, AND in any case */
	assert_string_equal(names(s, "metrics.loss < 0.6 and params.lr = '0.1' AND tags.team = 'x' and "
				     "attributes.status = 'FINISHED'", NULL, NULL), "a");
	assert_string_equal(names(s, "metrics.loss < 0.6 and params.lr = '0.01'", NULL, "exp"), "b");
	mlmd_store_free(s);
}

/* order_by on metrics, params, tags and attributes, missing values last;
 * max_results and page tokens. */
static void search_runs_orders_and_pages(void **st)
{
	(void)st;
	mlmd_store *s = search_store();
	assert_string_equal(names(s, NULL, "metrics.loss ASC", "exp"), "b,c,a");
	assert_string_equal(names(s, NULL, "metrics.loss DESC", "exp"), "a,c,b");
	assert_string_equal(names(s, NULL, "metrics.`my key` DESC", "exp"), "c,b,a"); /* missing last, then id DESC */
	assert_string_equal(names(s, NULL, "metrics.`my key`", "exp"), "c,b,a");
	assert_string_equal(names(s, NULL, "params.lr ASC", "exp"), "a,c,b"); /* numbers, then text */
	assert_string_equal(names(s, NULL, "tags.team DESC", "exp"), "b,c,a");
	assert_string_equal(names(s, NULL, "attributes.run_name ASC", NULL), "a,b,c,d");
	const char *by_start[] = { "attributes.start_time ASC" };
	Mlmd__Pb__Tracking__SearchRunsResponse *r = search(s, NULL, by_start, 1, NULL, 0, 0, NULL);
	assert_int_equal(r->n_runs, 4);
	for (size_t i = 1; i < r->n_runs; i++) /* runs started in one millisecond tie: id DESC */
		assert_true(r->runs[i - 1]->start_time < r->runs[i]->start_time ||
			    (r->runs[i - 1]->start_time == r->runs[i]->start_time &&
			     r->runs[i - 1]->run_id > r->runs[i]->run_id));
	free_msg(r);
	assert_string_equal(names(s, NULL, "attributes.run_id DESC", NULL), "d,c,b,a");
	/* pages of two */
	const char *o[] = { "attributes.run_name ASC" };
	r = search(s, NULL, o, 1, NULL, 0, 2, NULL);
	assert_int_equal(r->n_runs, 2);
	assert_string_equal(r->runs[1]->run_name, "b");
	assert_non_null(r->next_page_token);
	char *tok = strdup(r->next_page_token);
	free_msg(r);
	r = search(s, NULL, o, 1, NULL, 0, 2, tok);
	assert_int_equal(r->n_runs, 2);
	assert_string_equal(r->runs[0]->run_name, "c");
	assert_string_equal(r->runs[1]->run_name, "d");
	assert_null(r->next_page_token);
	/* each run comes with its params, latest metrics and tags */
	assert_int_equal(r->runs[0]->n_metrics, 2);
	assert_int_equal(r->runs[0]->n_tags, 1);
	assert_string_equal(r->runs[0]->experiment_name, "exp");
	free_msg(r);
	free(tok);
	mlmd_store_free(s);
}

/* Errors name the position and the token. */
static void search_runs_errors_name_position_and_token(void **st)
{
	(void)st;
	mlmd_store *s = search_store();
	search_fails(s, "metrics.loss < 0.2 or params.lr = '1'", NULL,
		     "filter: position 20: conditions are joined by AND (MLflow's search has no OR), got 'or'");
	search_fails(s, "metrics.loss ~ 1", NULL, "filter: position 14: expected a comparison");
	search_fails(s, "metrics.loss < 'abc'", NULL, "position 16: a metric compares with a number, got ''abc''");
	search_fails(s, "foo.bar = 1", NULL, "position 1: expected metrics.<key>, params.<key>");
	search_fails(s, "attributes.color = 'red'", NULL, "attributes are status, run_name");
	search_fails(s, "attributes.status = 'DONE'", NULL, "a status is RUNNING, FINISHED, FAILED or KILLED");
	search_fails(s, "attributes.status < 'RUNNING'", NULL, "attributes.status compares with = or !=");
	search_fails(s, "params.lr = 'open", NULL, "position 13: a quoted text is not closed");
	search_fails(s, "metrics.loss < 1 and", NULL, "position 21: expected metrics.<key>");
	search_fails(s, "metrics.loss < 1 tags.x = 'a'", NULL, "position 18: expected AND or the end of the filter");
	search_fails(s, "metrics.loss LIKE '1'", NULL, "metrics compare with = != < <= > >=");
	search_fails(s, NULL, "metrics.loss UP", "order_by[0]: position 14: expected ASC, DESC or the end");
	search_fails(s, "metrics. < 1", NULL, "expected a key after the '.'");
	/* a number too long to keep is refused, not cut to another number */
	search_fails(s, "metrics.loss < 1000000000000000000000000000000000000000000000000000000000000000000", NULL,
		     "filter: position 16: a number is at most 63 characters, got '100000");
	assert_string_equal(names(s, "metrics.loss < 100000000000000000000000000000000000000000000000000000000000000",
				  NULL, "exp"), "c,b,a");
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	rq.has_max_results = 1;
	rq.max_results = 0;
	RPC_FAILS(s, SearchRuns, &rq, search_runs, MLMD_INVALID_ARGUMENT, "max_results 0");
	rq.max_results = 10;
	rq.page_token = "zz";
	RPC_FAILS(s, SearchRuns, &rq, search_runs, MLMD_INVALID_ARGUMENT, "page_token 'zz'");
	mlmd_store_free(s);
}

/* Hostile searches are refused by the compiler, naming what is too big,
 * before the database sees them: conditions beyond what SQL engines nest
 * (SQLite stops at an expression depth of 1000), LIKE patterns beyond
 * SQLite's 50000 bytes, order_by entries and experiment names beyond the
 * bound variables a statement may have. At the limits the searches run. */
static void search_runs_refuses_oversized_requests(void **st)
{
	(void)st;
	mlmd_store *s = search_store();
	char *f = malloc(32 * (MAX_SEARCH_CONDITIONS + 1)), needle[96];
	strcpy(f, "metrics.loss > -1");
	for (int i = 1; i < MAX_SEARCH_CONDITIONS; i++)
		strcat(f, " and metrics.loss > -1");
	assert_string_equal(names(s, f, NULL, "exp"), "c,b,a");
	size_t at = strlen(f) + 6; /* where the condition past the limit starts */
	strcat(f, " and tags.team = 'x'");
	snprintf(needle, sizeof needle, "filter: position %zu: more than %d conditions", at, MAX_SEARCH_CONDITIONS);
	search_fails(s, f, NULL, needle);
	free(f);

	/* a LIKE pattern of 10000 bytes runs; one more byte is refused where it starts */
	char *pat = malloc(60000);
	memcpy(pat, "tags.team LIKE '", 16);
	memset(pat + 16, '%', 10000);
	strcpy(pat + 16 + 10000, "'");
	assert_string_equal(names(s, pat, NULL, "exp"), "c,b,a");
	memset(pat + 16, '%', 55000);
	strcpy(pat + 16 + 55000, "'");
	search_fails(s, pat, NULL, "filter: position 16: the pattern is 55000 bytes; at most 10000");
	free(pat);

	/* order_by: 100 entries run, 101 are refused */
	const char *many[MAX_SEARCH_ORDER + 1];
	for (int i = 0; i <= MAX_SEARCH_ORDER; i++)
		many[i] = "params.lr DESC";
	Mlmd__Pb__Tracking__SearchRunsResponse *r = search(s, NULL, many, MAX_SEARCH_ORDER, NULL, 0, 0, NULL);
	assert_int_equal(r->n_runs, 4);
	free_msg(r);
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	rq.order_by = (char **)many;
	rq.n_order_by = MAX_SEARCH_ORDER + 1;
	snprintf(needle, sizeof needle, "order_by: %d entries; at most %d", MAX_SEARCH_ORDER + 1, MAX_SEARCH_ORDER);
	RPC_FAILS(s, SearchRuns, &rq, search_runs, MLMD_INVALID_ARGUMENT, needle);

	/* experiment_names: 1000 run, 70000 (more than PostgreSQL's 65535 bound parameters) are refused */
	const char **exps = malloc(70000 * sizeof *exps);
	for (int i = 0; i < 70000; i++)
		exps[i] = i % 2 ? "exp" : "nope";
	r = search(s, NULL, NULL, 0, exps, MAX_SEARCH_EXPERIMENTS, 0, NULL);
	assert_int_equal(r->n_runs, 3);
	free_msg(r);
	rq.n_order_by = 0;
	rq.experiment_names = (char **)exps;
	rq.n_experiment_names = 70000;
	snprintf(needle, sizeof needle, "experiment_names: 70000 names; at most %d", MAX_SEARCH_EXPERIMENTS);
	RPC_FAILS(s, SearchRuns, &rq, search_runs, MLMD_INVALID_ARGUMENT, needle);
	free(exps);
	mlmd_store_free(s);
}

/* Requests with many keys (a megabyte of request holds 50000) keep the
 * rules for repeated keys: repeated keys are found by sorting, the run's
 * properties by binary search, and the Run message's lists grow
 * geometrically (pairwise, these calls took about a minute on SQLite, and
 * GetRun's growth by one two minutes under ASan; no time is asserted here:
 * a test does not depend on the machine's speed); the rules hold as before (the first parameter, the last
 * tag, the latest point of each metric even when its last series is empty). */
#define MANY 50000
static void requests_with_many_keys_keep_the_rules(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Param *p = calloc(MANY + 1, sizeof *p), **pp = calloc(MANY + 1, sizeof *pp);
	Tag *t = calloc(MANY + 1, sizeof *t), **tp = calloc(MANY + 1, sizeof *tp);
	Series *m = calloc(MANY + 1, sizeof *m), **mp = calloc(MANY + 1, sizeof *mp);
	Mlmd__Pb__Value *v = calloc(MANY + 1, sizeof *v);
	char (*keys)[16] = calloc(MANY, sizeof *keys);
	double one[] = { 1, 2 };
	int64_t steps[] = { 5, 3 };
	for (int i = 0; i < MANY; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", (i * 7919) % MANY); /* not in key order */
		v[i] = ival(i);
		p[i] = param(keys[i], &v[i]);
		Tag ti = MLMD__PB__TRACKING__TAG__INIT;
		ti.key = keys[i];
		ti.value = "first";
		t[i] = ti;
		Series mi = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
		mi.key = keys[i];
		mi.values = one;
		mi.steps = steps;
		mi.n_values = mi.n_steps = 2;
		m[i] = mi;
		pp[i] = &p[i], tp[i] = &t[i], mp[i] = &m[i];
	}
	/* one key again at the end of each list */
	v[MANY] = ival(7);
	p[MANY] = param(keys[7], &v[MANY]); /* the same value: one parameter */
	t[MANY] = t[3];
	t[MANY].value = "last";
	m[MANY] = m[5];
	m[MANY].n_values = m[MANY].n_steps = 0; /* empty: the key's latest point is still its value */
	pp[MANY] = &p[MANY], tp[MANY] = &t[MANY], mp[MANY] = &m[MANY];

	Mlmd__Pb__Tracking__StartRunRequest srq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	srq.params = pp, srq.n_params = MANY + 1;
	srq.tags = tp, srq.n_tags = MANY + 1;
	Mlmd__Pb__Tracking__StartRunResponse *sr = RPC_OK(s, StartRun, &srq, start_run);
	int64_t run = sr->run_id;
	free_msg(sr);
	/* a parameter given twice with different values is refused, naming the second */
	v[MANY] = ival(8);
	char needle[96];
	snprintf(needle, sizeof needle, "params[%d]: parameter '%s' is given twice with different values", MANY, keys[7]);
	RPC_FAILS(s, StartRun, &srq, start_run, MLMD_INVALID_ARGUMENT, needle);

	/* Log: the same parameters again are accepted, the tags replaced, MANY series */
	v[MANY] = ival(7);
	for (int i = 0; i < MANY; i++)
		t[i].value = "second";
	Mlmd__Pb__Tracking__LogRequest lrq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	lrq.has_run_id = 1, lrq.run_id = run;
	lrq.params = pp, lrq.n_params = MANY + 1;
	lrq.tags = tp, lrq.n_tags = MANY + 1;
	lrq.metrics = mp, lrq.n_metrics = MANY + 1;
	Mlmd__Pb__Tracking__LogResponse *lr = RPC_OK(s, Log, &lrq, log);
	assert_int_equal(lr->points, 2 * MANY);
	free_msg(lr);
	Mlmd__Pb__Tracking__Run *g = get_run(s, run);
	assert_int_equal(g->n_params, MANY);
	assert_int_equal(g->n_tags, MANY);
	assert_int_equal(g->n_metrics, MANY);
	for (size_t i = 0; i < g->n_tags; i++)
		assert_string_equal(g->tags[i]->value, strcmp(g->tags[i]->key, keys[3]) ? "second" : "last");
	for (size_t i = 0; i < g->n_metrics; i++) { /* step 5 is the latest: value 1 */
		assert_true(g->metrics[i]->value == 1);
		assert_int_equal(g->metrics[i]->step, 5);
	}
	free_msg(g);
	/* another value for a logged parameter is refused, naming it */
	v[MANY] = ival(9);
	lrq.tags = NULL, lrq.n_tags = 0, lrq.metrics = NULL, lrq.n_metrics = 0;
	snprintf(needle, sizeof needle, "params[%d]: run %lld: parameter '%s' already has another value", MANY,
		 (long long)run, keys[7]);
	RPC_FAILS(s, Log, &lrq, log, MLMD_INVALID_ARGUMENT, needle);

	/* FindCachedRun: a key given twice is refused */
	Mlmd__Pb__Tracking__FindCachedRunRequest frq = MLMD__PB__TRACKING__FIND_CACHED_RUN_REQUEST__INIT;
	frq.params = pp, frq.n_params = MANY + 1;
	snprintf(needle, sizeof needle, "params[%d]: parameter '%s' is given twice", MANY, keys[7]);
	RPC_FAILS(s, FindCachedRun, &frq, find_cached_run, MLMD_INVALID_ARGUMENT, needle);
	frq.n_params = MANY;
	free_msg(RPC_OK(s, FindCachedRun, &frq, find_cached_run));
	mlmd_store_free(s);
	free(p), free(pp), free(t), free(tp), free(m), free(mp), free(v), free(keys);
}
#undef MANY

/* ---- the schema step ------------------------------------------------------------------- */

/* A version-2 file (no metric table) opens as it is without the upgrade:
 * MLMD calls and runs work, metric history asks for the upgrade; with it,
 * the file reaches the current version and keeps its runs. */
/* ---- restoring histories (export and import) --------------------------------------- */

static Series series(const char *key, double *v, int64_t *steps, int64_t *ts, size_t n)
{
	Series m = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	m.key = (char *)key;
	m.values = v;
	m.n_values = n;
	m.steps = steps;
	m.n_steps = steps ? n : 0;
	m.timestamps = ts;
	m.n_timestamps = ts ? n : 0;
	return m;
}

/* PutMetricHistory writes points to any execution, an ended run too,
 * leaving its properties (metric.<key>) as they were; ListMetricKeys
 * names every key with points, sorted bytewise on every backend. */
static void put_metric_history_restores_points(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t a = start(s, "x", "a", NULL, 0), b = start(s, "x", "b", NULL, 0);
	double v[] = { 1, 2 };
	int64_t st01[] = { 0, 1 };
	OK(log_series(s, a, "loss", v, st01, NULL, 2, 2));
	OK(end_run(s, a, 0, NULL));
	double lv[] = { 0.5, NAN, INFINITY }, av[] = { 0.9 }, zv[] = { -INFINITY };
	int64_t ls[] = { 5, 6, 7 }, lt[] = { 10, 11, 12 }, as[] = { 1 }, at[] = { 13 };
	Series m[3] = { series("loss", lv, ls, lt, 3), series("acc", av, as, at, 1), series("Zeta", zv, NULL, NULL, 1) };
	Series *mp[3] = { &m[0], &m[1], &m[2] };
	Mlmd__Pb__Tracking__PutMetricHistoryRequest rq = MLMD__PB__TRACKING__PUT_METRIC_HISTORY_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = a;
	rq.metrics = mp;
	rq.n_metrics = 3;
	Mlmd__Pb__Tracking__PutMetricHistoryResponse *r = RPC_OK(s, PutMetricHistory, &rq, put_metric_history);
	assert_int_equal(r->points, 5);
	free_msg(r);
	Series *h = history(s, a, "loss");
	assert_int_equal(h->n_values, 5);
	double want[] = { 1, 2, 0.5, NAN, INFINITY };
	int64_t want_s[] = { 0, 1, 5, 6, 7 };
	for (int i = 0; i < 5; i++) {
		assert_true(isnan(want[i]) ? isnan(h->values[i]) : h->values[i] == want[i]);
		assert_int_equal(h->steps[i], want_s[i]);
	}
	assert_int_equal(h->timestamps[4], 12);
	free_msg(h);
	h = history(s, a, "Zeta");
	assert_true(h->n_values == 1 && isinf(h->values[0]) && h->values[0] < 0 && h->steps[0] == 0);
	assert_true(h->timestamps[0] > 1000000000000LL); /* the call's time */
	free_msg(h);
	/* the properties are as Log left them: metric.loss = 2, no metric.acc */
	Mlmd__Pb__Tracking__Run *g = get_run(s, a);
	assert_int_equal(g->status, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_int_equal(g->n_metrics, 1);
	assert_string_equal(g->metrics[0]->key, "loss");
	assert_true(g->metrics[0]->value == 2);
	free_msg(g);
	/* the keys: by run in request order, then bytewise ("Zeta" before "acc") */
	int64_t ids[] = { b, a, 999999 };
	Mlmd__Pb__Tracking__ListMetricKeysRequest kq = MLMD__PB__TRACKING__LIST_METRIC_KEYS_REQUEST__INIT;
	kq.run_ids = ids;
	kq.n_run_ids = 3;
	Mlmd__Pb__Tracking__ListMetricKeysResponse *k = RPC_OK(s, ListMetricKeys, &kq, list_metric_keys);
	assert_int_equal(k->n_keys, 3);
	const char *want_k[] = { "Zeta", "acc", "loss" };
	int64_t want_n[] = { 1, 1, 5 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(k->keys[i]->run_id, a);
		assert_string_equal(k->keys[i]->key, want_k[i]);
		assert_int_equal(k->keys[i]->points, want_n[i]);
	}
	free_msg(k);
	/* refused: an unknown execution, no run id, a bad series (nothing of the call kept) */
	rq.run_id = 999999;
	RPC_FAILS(s, PutMetricHistory, &rq, put_metric_history, MLMD_NOT_FOUND, "run 999999 does not exist");
	rq.has_run_id = 0;
	RPC_FAILS(s, PutMetricHistory, &rq, put_metric_history, MLMD_INVALID_ARGUMENT, "run_id is required");
	rq.has_run_id = 1;
	rq.run_id = a;
	m[1].n_steps = 0;
	m[1].n_timestamps = 0;
	m[0].n_steps = 2;
	RPC_FAILS(s, PutMetricHistory, &rq, put_metric_history, MLMD_INVALID_ARGUMENT,
		  "metrics[0]: metric 'loss' has 3 values but 2 steps");
	h = history(s, a, "acc");
	assert_int_equal(h->n_values, 1);
	free_msg(h);
	int64_t many[1001] = { 0 };
	kq.run_ids = many;
	kq.n_run_ids = 1001;
	RPC_FAILS(s, ListMetricKeys, &kq, list_metric_keys, MLMD_INVALID_ARGUMENT, "at most 1000");
	mlmd_store_free(s);
}

static void version_2_store_upgrades(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own; once is enough */
	char *path = tmp_path("v2");
	mlmd_store *s = open_file(path);
	int64_t run = start(s, "old", "r", NULL, 0);
	mlmd_store_free(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, TEST_DROP_V5_SQL "DROP TABLE metric; " TEST_DROP_V4_SQL "; UPDATE mlmd_schema SET version = 2",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), 2);
	Mlmd__Pb__Tracking__Run *g = get_run(s, run);
	assert_string_equal(g->run_name, "r");
	free_msg(g);
	int64_t run2 = start(s, "old", "r2", NULL, 0);
	double v[] = { 1 };
	FAILS(log_series(s, run2, "loss", v, NULL, NULL, 1, 0), MLMD_FAILED_PRECONDITION,
	      "schema version 2, which has no metric history table");
	mlmd_store_free(s);
	/* read-only, too, it opens as it is */
	o.read_only = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), 2);
	mlmd_store_free(s);
	o.read_only = 0;
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	OK(log_series(s, run2, "loss", v, NULL, NULL, 1, 0));
	Series *h = history(s, run2, "loss");
	assert_int_equal(h->n_values, 1);
	free_msg(h);
	mlmd_store_free(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT version FROM mlmd_schema), (SELECT count(*) FROM sqlite_master"
					    " WHERE name = 'metric_by_run')", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), mlmd_schema_version());
	assert_int_equal(sqlite3_column_int(q, 1), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	tmp_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_run_records_mlmd_nodes),
		cmocka_unit_test(log_params_tags_and_metrics),
		cmocka_unit_test(metric_history_is_ordered_and_separate),
		cmocka_unit_test(metric_history_of_100k_points_round_trips),
		cmocka_unit_test(nonfinite_metrics_round_trip),
		cmocka_unit_test(end_run_closes_the_run),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(log_files_reuses_artifacts_by_digest),
		cmocka_unit_test(find_cached_run_hits_and_misses),
		cmocka_unit_test(fingerprint_is_the_documented_text),
		cmocka_unit_test(search_runs_filters),
		cmocka_unit_test(search_runs_orders_and_pages),
		cmocka_unit_test(search_runs_errors_name_position_and_token),
		cmocka_unit_test(search_runs_refuses_oversized_requests),
		cmocka_unit_test(requests_with_many_keys_keep_the_rules),
		cmocka_unit_test(put_metric_history_restores_points),
		cmocka_unit_test(version_2_store_upgrades),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

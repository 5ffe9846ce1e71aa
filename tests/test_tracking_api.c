/*
 * The C tracking API (mlmd/tracking.h) end to end, on every backend
 * (MLMD_TEST_BACKEND): runs with parameters, tags, metric points and
 * histories (bulk, NaN and infinities, order), real files logged as inputs
 * and outputs with their digests (reused by digest, given by the caller),
 * the run read back as plain C, cache hits and misses, the capture
 * (seed, argv, the git state of a real repository made with `git`), the
 * errors (a parameter changed, logging to an ended run, an unknown run, a
 * missing file, bad options), and two threads logging through their own
 * store handles.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "helpers.h"

static char dir[700];  /* this suite's files */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static const char *file_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
	return out;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **st)
{
	(void)st;
	const char *tmp = getenv("MLMD_TEST_TMP");
	char cwd[400];
	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(dir, sizeof dir, "%s%s%s/tracking-api-%d", tmp && tmp[0] != '/' ? cwd : "",
		tmp && tmp[0] != '/' ? "/" : "", tmp ? tmp : "/tmp", (int)getpid());
	sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	sh("rm -rf '%s'", dir);
	return 0;
}

static mlmd_run *begin(mlmd_store *s, const char *exp, const char *name, const char *type)
{
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	o.no_capture = 1;
	mlmd_run *r = NULL;
	OK(mlmd_run_begin(&r, s, exp, name, type, &o));
	return r;
}

static mlmd_run_info *info_of(mlmd_store *s, int64_t id)
{
	mlmd_run_info *i = NULL;
	OK(mlmd_run_info_get(&i, s, id));
	assert_non_null(i);
	return i;
}

/* ---- the whole life of a run ----------------------------------------------------------- */

static void a_run_records_params_tags_metrics_and_files(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	char data[800], model[800];
	write_text(file_in(data, sizeof data, "data.csv"), "x,y\n1,2\n3,4\n");
	write_text(file_in(model, sizeof model, "model.bin"), "weights");
	setenv("OMP_NUM_THREADS", "2", 1);
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	o.has_seed = 1;
	o.seed = 1234;
	mlmd_run *run = NULL;
	OK(mlmd_run_begin(&run, s, "iris", "first", NULL, &o));
	assert_true(mlmd_run_id(run) > 0);
	assert_true(mlmd_run_experiment_id(run) > 0);
	assert_string_equal(mlmd_run_name(run), "first");
	assert_string_equal(mlmd_run_fingerprint(run), "");
	OK(mlmd_run_log_param_int(run, "epochs", 3));
	OK(mlmd_run_log_param_double(run, "lr", 0.125));
	OK(mlmd_run_log_param_string(run, "optimizer", "sgd"));
	mlmd_param more[] = { { "batch", MLMD_VALUE_INT, 32, 0, NULL }, { "l2", MLMD_VALUE_DOUBLE, 0, 1e-4, NULL } };
	OK(mlmd_run_log_params(run, more, 2));
	OK(mlmd_run_set_tag(run, "team", "vision"));
	OK(mlmd_run_set_tag(run, "team", "search")); /* a tag may change */
	for (int e = 0; e < 3; e++)
		OK(mlmd_run_log_metric(run, "loss", 1.0 / (e + 1), e));
	double acc[] = { 0.5, 0.75, 0.9 };
	int64_t steps[] = { 0, 1, 2 }, ts[] = { 1000, 2000, 3000 };
	OK(mlmd_run_log_metrics(run, "accuracy", acc, steps, ts, 3));
	int64_t in_id = 0, out_id = 0;
	OK(mlmd_run_log_input(run, data, NULL, &in_id));
	mlmd_file_options fo = MLMD_FILE_OPTIONS_INIT;
	fo.type = "Model";
	fo.name = "the-model";
	OK(mlmd_run_log_output(run, model, &fo, &out_id));
	assert_true(in_id > 0 && out_id > 0 && in_id != out_id);
	OK(mlmd_run_end(run, MLMD_RUN_COMPLETE));
	assert_int_equal(strlen(mlmd_run_fingerprint(run)), 64);

	mlmd_run_info *i = info_of(s, mlmd_run_id(run));
	assert_int_equal(i->id, mlmd_run_id(run));
	assert_string_equal(i->name, "first");
	assert_string_equal(i->type, "mlmd.Run");
	assert_string_equal(i->experiment, "iris");
	assert_int_equal(i->experiment_id, mlmd_run_experiment_id(run));
	assert_int_equal(i->status, MLMD_RUN_COMPLETE);
	assert_true(i->start_time > 0 && i->end_time >= i->start_time);
	assert_string_equal(i->fingerprint, mlmd_run_fingerprint(run));
	/* parameters sorted by key, each with its kind */
	assert_int_equal(i->n_params, 5);
	const char *keys[] = { "batch", "epochs", "l2", "lr", "optimizer" };
	for (size_t k = 0; k < 5; k++)
		assert_string_equal(i->params[k].key, keys[k]);
	assert_int_equal(mlmd_run_info_param(i, "epochs")->kind, MLMD_VALUE_INT);
	assert_int_equal(mlmd_run_info_param(i, "epochs")->int_value, 3);
	assert_int_equal(mlmd_run_info_param(i, "lr")->kind, MLMD_VALUE_DOUBLE);
	assert_true(mlmd_run_info_param(i, "lr")->double_value == 0.125);
	assert_string_equal(mlmd_run_info_param(i, "optimizer")->string_value, "sgd");
	assert_null(mlmd_run_info_param(i, "nope"));
	assert_string_equal(mlmd_run_info_tag(i, "team"), "search");
	/* the latest point of each metric */
	assert_int_equal(i->n_metrics, 2);
	const mlmd_metric_point *loss = mlmd_run_info_metric(i, "loss"), *a = mlmd_run_info_metric(i, "accuracy");
	assert_true(loss->value == 1.0 / 3 && loss->step == 2);
	assert_true(a->value == 0.9 && a->step == 2 && a->timestamp == 3000);
	/* the files, with digests computed from the bytes on disk */
	char hex[65];
	assert_int_equal(i->n_inputs, 1);
	assert_int_equal(i->n_outputs, 1);
	OK(mlmd_file_sha256(data, hex));
	assert_int_equal(i->inputs[0].artifact_id, in_id);
	assert_string_equal(i->inputs[0].sha256, hex);
	assert_int_equal(i->inputs[0].size, 12);
	assert_string_equal(i->inputs[0].type, "mlmd.File");
	assert_true(strncmp(i->inputs[0].uri, "file:///", 8) == 0);
	assert_non_null(strstr(i->inputs[0].uri, "/data.csv"));
	assert_int_equal(i->outputs[0].artifact_id, out_id);
	assert_string_equal(i->outputs[0].type, "Model");
	assert_string_equal(i->outputs[0].name, "the-model");
	assert_int_equal(i->outputs[0].size, 7);
	/* the capture: the seed, this process, the allow-listed environment */
	const mlmd_capture_info *c = i->capture;
	assert_true(c->has_seed);
	assert_int_equal(c->seed, 1234);
	assert_true(c->n_argv >= 1);
	assert_non_null(strstr(c->argv[0], "test_tracking_api"));
	char cwd[1024];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_string_equal(c->cwd, cwd);
	assert_true(c->host[0] && c->user[0]);
	assert_string_equal(c->library_version, mlmd_version());
	int omp = 0;
	for (size_t k = 0; k < c->n_env; k++)
		omp += !strcmp(c->env[k].key, "OMP_NUM_THREADS") && !strcmp(c->env[k].value, "2");
	assert_int_equal(omp, 1);
	mlmd_run_info_free(i);
	mlmd_run_free(run);
	mlmd_store_free(s);
}

static void defaults_names_and_no_capture(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	mlmd_run *r = begin(s, NULL, NULL, NULL);
	char want[64];
	snprintf(want, sizeof want, "run-%lld", (long long)mlmd_run_id(r));
	assert_string_equal(mlmd_run_name(r), want);
	mlmd_run_info *i = info_of(s, mlmd_run_id(r));
	assert_string_equal(i->experiment, "Default");
	assert_string_equal(i->type, "mlmd.Run");
	assert_int_equal(i->status, MLMD_RUN_RUNNING);
	assert_int_equal(i->end_time, 0);
	assert_string_equal(i->fingerprint, "");
	assert_int_equal(i->capture->n_argv, 0);
	assert_string_equal(i->capture->cwd, "");
	assert_string_equal(i->capture->git_commit, "");
	assert_int_equal(i->capture->git_dirty, -1);
	assert_false(i->capture->has_seed);
	mlmd_run_info_free(i);
	/* a run name is unique per run type */
	mlmd_run *named = begin(s, "e", "same", "Step");
	mlmd_run *other = NULL;
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	o.no_capture = 1;
	assert_int_equal(mlmd_run_begin(&other, s, "e", "same", "Step", &o), -MLMD_ALREADY_EXISTS);
	assert_null(other);
	OK(mlmd_run_begin(&other, s, "e", "same", "OtherStep", &o));
	mlmd_run_free(other);
	mlmd_run_free(named);
	mlmd_run_free(r);
	mlmd_store_free(s);
}

/* ---- metric histories -------------------------------------------------------------------- */

static void metric_history_bulk_order_and_nonfinite(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	mlmd_run *r = begin(s, "m", NULL, NULL);
	enum { N = 20000 };
	double *v = malloc(N * sizeof *v);
	int64_t *step = malloc(N * sizeof *step), *ts = malloc(N * sizeof *ts);
	for (int k = 0; k < N; k++) { /* logged in reverse step order */
		step[k] = N - 1 - k;
		ts[k] = 1700000000000 + k;
		v[k] = (double)step[k] / 2;
	}
	v[N - 1] = NAN;           /* step 0 */
	v[N - 2] = INFINITY;      /* step 1 */
	v[N - 3] = -INFINITY;     /* step 2 */
	OK(mlmd_run_log_metrics(r, "loss", v, step, ts, N));
	OK(mlmd_run_log_metrics(r, "loss", v, step, ts, 0)); /* nothing */
	mlmd_metric_history *h = NULL;
	OK(mlmd_metric_history_get(&h, s, mlmd_run_id(r), "loss"));
	assert_int_equal(h->n, N);
	assert_true(isnan(h->values[0]) && h->steps[0] == 0);
	assert_true(isinf(h->values[1]) && h->values[1] > 0);
	assert_true(isinf(h->values[2]) && h->values[2] < 0);
	for (size_t k = 3; k < h->n; k++) {
		assert_int_equal(h->steps[k], (int64_t)k);
		assert_true(h->values[k] == (double)k / 2);
		assert_int_equal(h->timestamps[k], 1700000000000 + (N - 1 - (int64_t)k));
	}
	mlmd_metric_history_free(h);
	/* steps and timestamps left out: step 0, timestamp now; same step again keeps logging order */
	double two[] = { 5, 6 };
	OK(mlmd_run_log_metrics(r, "plain", two, NULL, NULL, 2));
	OK(mlmd_metric_history_get(&h, s, mlmd_run_id(r), "plain"));
	assert_int_equal(h->n, 2);
	assert_true(h->values[0] == 5 && h->values[1] == 6 && h->steps[1] == 0 && h->timestamps[0] > 1700000000000);
	mlmd_metric_history_free(h);
	/* a key never logged is empty; an unknown run is NOT_FOUND */
	OK(mlmd_metric_history_get(&h, s, mlmd_run_id(r), "never"));
	assert_int_equal(h->n, 0);
	mlmd_metric_history_free(h);
	h = NULL;
	FAILS(mlmd_metric_history_get(&h, s, 999999, "loss"), MLMD_NOT_FOUND, "999999");
	assert_null(h);
	/* the latest point (highest step) is the run's metric */
	mlmd_run_info *i = info_of(s, mlmd_run_id(r));
	assert_true(mlmd_run_info_metric(i, "loss")->step == N - 1);
	assert_true(mlmd_run_info_metric(i, "loss")->value == (double)(N - 1) / 2);
	mlmd_run_info_free(i);
	free(v);
	free(step);
	free(ts);
	mlmd_run_free(r);
	mlmd_store_free(s);
}

/* ---- files ------------------------------------------------------------------------------- */

static void the_same_file_reuses_its_artifact(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	char a[800], b[800];
	write_text(file_in(a, sizeof a, "same-a.txt"), "identical bytes");
	write_text(file_in(b, sizeof b, "same-b.txt"), "identical bytes");
	mlmd_run *r1 = begin(s, "files", NULL, NULL), *r2 = begin(s, "files", NULL, NULL);
	int64_t id1, id2, id3, id4;
	OK(mlmd_run_log_input(r1, a, NULL, &id1));
	OK(mlmd_run_log_input(r2, b, NULL, &id2)); /* another path, the same digest */
	assert_int_equal(id1, id2);
	/* a digest the caller gives: the file is not read, the uri is the caller's */
	char hex[65];
	OK(mlmd_file_sha256(a, hex));
	mlmd_file_options fo = MLMD_FILE_OPTIONS_INIT;
	fo.sha256 = hex;
	fo.size = 15;
	fo.uri = "s3://bucket/same.txt";
	OK(mlmd_run_log_output(r2, NULL, &fo, &id3));
	assert_int_equal(id3, id1);
	/* one byte changed: another artifact */
	write_text(b, "identical byteS");
	OK(mlmd_run_log_input(r2, b, NULL, &id4));
	assert_int_not_equal(id4, id1);
	mlmd_run_info *i = info_of(s, mlmd_run_id(r2));
	assert_int_equal(i->n_inputs, 2);
	assert_int_equal(i->n_outputs, 1);
	mlmd_run_info_free(i);
	mlmd_run_free(r1);
	mlmd_run_free(r2);
	mlmd_store_free(s);
}

/* ---- cache lookup ------------------------------------------------------------------------ */

static void cache_hits_and_misses(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	char in[800], out[800];
	write_text(file_in(in, sizeof in, "cache-in.txt"), "training data v1");
	write_text(file_in(out, sizeof out, "cache-out.txt"), "model v1");
	mlmd_run *r = begin(s, "cache", NULL, "Train");
	OK(mlmd_run_log_param_double(r, "lr", 0.1));
	OK(mlmd_run_log_param_int(r, "epochs", 3));
	OK(mlmd_run_log_param_string(r, "opt", "adam"));
	OK(mlmd_run_log_input(r, in, NULL, NULL));
	int64_t out_id;
	OK(mlmd_run_log_output(r, out, NULL, &out_id));
	OK(mlmd_run_end(r, MLMD_RUN_COMPLETE));
	char hex[65], fp[65];
	OK(mlmd_file_sha256(in, hex));
	const char *digests[] = { hex };
	/* the same parameters in another order, the same input: a hit */
	mlmd_param p[] = { { "opt", MLMD_VALUE_STRING, 0, 0, "adam" }, { "epochs", MLMD_VALUE_INT, 3, 0, NULL },
		{ "lr", MLMD_VALUE_DOUBLE, 0, 0.1, NULL } };
	mlmd_run_info *hit = NULL;
	OK(mlmd_run_find_cached(&hit, s, "Train", p, 3, digests, 1, fp));
	assert_non_null(hit);
	assert_int_equal(hit->id, mlmd_run_id(r));
	assert_string_equal(fp, mlmd_run_fingerprint(r));
	assert_int_equal(hit->n_outputs, 1);
	assert_int_equal(hit->outputs[0].artifact_id, out_id);
	mlmd_run_info_free(hit);
	/* a changed parameter, another kind for the same number, another type, another input: misses */
	mlmd_param changed[3];
	memcpy(changed, p, sizeof p);
	changed[2].double_value = 0.2;
	mlmd_run_info *miss = (mlmd_run_info *)1;
	OK(mlmd_run_find_cached(&miss, s, "Train", changed, 3, digests, 1, fp));
	assert_null(miss);
	assert_int_equal(strlen(fp), 64);
	assert_string_not_equal(fp, mlmd_run_fingerprint(r));
	memcpy(changed, p, sizeof p);
	changed[1] = (mlmd_param){ "epochs", MLMD_VALUE_DOUBLE, 0, 3.0, NULL };
	OK(mlmd_run_find_cached(&miss, s, "Train", changed, 3, digests, 1, NULL));
	assert_null(miss);
	OK(mlmd_run_find_cached(&miss, s, "Evaluate", p, 3, digests, 1, NULL));
	assert_null(miss);
	write_text(in, "training data v2");
	char hex2[65];
	OK(mlmd_file_sha256(in, hex2));
	const char *digests2[] = { hex2 };
	OK(mlmd_run_find_cached(&miss, s, "Train", p, 3, digests2, 1, NULL));
	assert_null(miss);
	/* a run with those inputs that FAILED is no cache entry; the one that completes is */
	mlmd_run *f = begin(s, "cache", NULL, "Train");
	OK(mlmd_run_log_params(f, p, 3));
	OK(mlmd_run_log_input(f, in, NULL, NULL));
	OK(mlmd_run_end(f, MLMD_RUN_FAILED));
	assert_string_equal(mlmd_run_fingerprint(f), "");
	OK(mlmd_run_find_cached(&miss, s, "Train", p, 3, digests2, 1, NULL));
	assert_null(miss);
	mlmd_run *g = begin(s, "cache", NULL, "Train");
	OK(mlmd_run_log_params(g, p, 3));
	OK(mlmd_run_log_input(g, in, NULL, NULL));
	OK(mlmd_run_end(g, MLMD_RUN_COMPLETE));
	OK(mlmd_run_find_cached(&hit, s, "Train", p, 3, digests2, 1, NULL));
	assert_non_null(hit);
	assert_int_equal(hit->id, mlmd_run_id(g));
	mlmd_run_info_free(hit);
	mlmd_run_free(f);
	mlmd_run_free(g);
	mlmd_run_free(r);
	mlmd_store_free(s);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void errors_name_what_is_wrong(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	mlmd_run *r = begin(s, "errors", NULL, NULL);
	OK(mlmd_run_log_param_int(r, "k", 1));
	OK(mlmd_run_log_param_int(r, "k", 1)); /* the same value again */
	FAILS(mlmd_run_log_param_int(r, "k", 2), MLMD_INVALID_ARGUMENT, "'k'");
	FAILS(mlmd_run_log_param_string(r, "", "x"), MLMD_INVALID_ARGUMENT, "key");
	mlmd_param bad = { "bad", (mlmd_value_kind)9, 0, 0, NULL };
	FAILS(mlmd_run_log_params(r, &bad, 1), MLMD_INVALID_ARGUMENT, "kind 9");
	FAILS(mlmd_run_log_metric(r, "", 1, 0), MLMD_INVALID_ARGUMENT, "key");
	char missing[800], d[800];
	file_in(missing, sizeof missing, "no-such-file");
	FAILS(mlmd_run_log_input(r, missing, NULL, NULL), MLMD_NOT_FOUND, "no-such-file");
	FAILS(mlmd_run_log_output(r, dir, NULL, NULL), MLMD_INVALID_ARGUMENT, "Is a directory");
	mlmd_file_options fo = MLMD_FILE_OPTIONS_INIT;
	fo.sha256 = "abc";
	FAILS(mlmd_run_log_input(r, file_in(d, sizeof d, "x"), &fo, NULL), MLMD_INVALID_ARGUMENT, "64 hex digits");
	fo.version = 0;
	FAILS(mlmd_run_log_input(r, d, &fo, NULL), MLMD_INVALID_ARGUMENT, "mlmd_file_options.version");
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	mlmd_run *x = NULL;
	for (unsigned v = 0; v < 3; v += 2) {
		o.version = v;
		FAILS(mlmd_run_begin(&x, s, NULL, NULL, NULL, &o), MLMD_INVALID_ARGUMENT, "mlmd_run_options.version");
		assert_null(x);
	}
	FAILS(mlmd_run_end(r, MLMD_RUN_RUNNING), MLMD_INVALID_ARGUMENT, "status 2");
	/* an ended run takes nothing more */
	OK(mlmd_run_end(r, MLMD_RUN_CANCELED));
	FAILS(mlmd_run_log_metric(r, "loss", 1, 0), MLMD_FAILED_PRECONDITION, "has ended");
	FAILS(mlmd_run_set_tag(r, "t", "v"), MLMD_FAILED_PRECONDITION, "has ended");
	FAILS(mlmd_run_end(r, MLMD_RUN_COMPLETE), MLMD_FAILED_PRECONDITION, "has ended");
	mlmd_run_info *i = info_of(s, mlmd_run_id(r));
	assert_int_equal(i->status, MLMD_RUN_CANCELED);
	mlmd_run_info_free(i);
	i = (mlmd_run_info *)1;
	FAILS(mlmd_run_info_get(&i, s, 424242), MLMD_NOT_FOUND, "424242");
	assert_null(i);
	FAILS(mlmd_run_log_metric(NULL, "loss", 1, 0), MLMD_INVALID_ARGUMENT, "run is NULL");
	mlmd_run_free(NULL);
	mlmd_run_info_free(NULL);
	mlmd_metric_history_free(NULL);
	mlmd_run_free(r);
	mlmd_store_free(s);
}

/* ---- the git state of a real repository, through a run ------------------------------------ */

static void git_state_is_captured(void **st)
{
	(void)st;
	char repo[800], head[64] = "", cmd[1200];
	file_in(repo, sizeof repo, "repo");
	sh("mkdir -p '%s' && git -C '%s' init -q -b trunk && git -C '%s' config user.name T && "
	   "git -C '%s' config user.email t@example.com", repo, repo, repo, repo);
	char f[900];
	snprintf(f, sizeof f, "%s/train.py", repo);
	write_text(f, "print('train')\n");
	sh("git -C '%s' add -A && git -C '%s' commit -qm first", repo, repo);
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD", repo);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(head, sizeof head, p));
	pclose(p);
	head[strcspn(head, "\n")] = '\0';
	mlmd_store *s = open_memory();
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	o.git_dir = repo;
	int want_dirty[] = { 0, 1, 1 };
	for (int k = 0; k < 3; k++) {
		if (k == 1)
			write_text(f, "print('changed')\n"); /* a tracked file modified */
		if (k == 2)
			sh("git -C '%s' checkout -q -- train.py && rm '%s'", repo, f); /* deleted */
		mlmd_run *r = NULL;
		OK(mlmd_run_begin(&r, s, "git", NULL, NULL, &o));
		mlmd_run_info *i = info_of(s, mlmd_run_id(r));
		assert_string_equal(i->capture->git_commit, head);
		assert_string_equal(i->capture->git_branch, "trunk");
		assert_int_equal(i->capture->git_dirty, want_dirty[k]);
		mlmd_run_info_free(i);
		mlmd_run_free(r);
	}
	mlmd_store_free(s);
}

/* ---- threads: one store handle each ------------------------------------------------------ */

typedef struct {
	mlmd_store *store;
	int64_t run_id;
	int rc;
} worker;

static void *log_points(void *arg)
{
	worker *w = arg;
	mlmd_run_options o = MLMD_RUN_OPTIONS_INIT;
	o.no_capture = 1;
	mlmd_run *r = NULL;
	w->rc = mlmd_run_begin(&r, w->store, "threads", NULL, NULL, &o);
	for (int k = 0; k < 200 && !w->rc; k++)
		w->rc = mlmd_run_log_metric(r, "x", k, k);
	if (!w->rc)
		w->rc = mlmd_run_end(r, MLMD_RUN_COMPLETE);
	w->run_id = mlmd_run_id(r);
	mlmd_run_free(r);
	return NULL;
}

static void two_threads_log_through_their_own_handles(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory") == 0 || strcmp(test_backend(), "custom") == 0)
		skip(); /* one handle per memory database; the custom backend opens one connection per file */
	mlmd_store *s = open_memory();
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = last_store_uri;
	worker w[2] = { { 0 } };
	pthread_t t[2];
	for (int k = 0; k < 2; k++) {
		OK(mlmd_store_open(&w[k].store, &o));
		assert_int_equal(pthread_create(&t[k], NULL, log_points, &w[k]), 0);
	}
	for (int k = 0; k < 2; k++) {
		pthread_join(t[k], NULL);
		OK(w[k].rc);
		mlmd_metric_history *h = NULL;
		OK(mlmd_metric_history_get(&h, s, w[k].run_id, "x"));
		assert_int_equal(h->n, 200);
		mlmd_metric_history_free(h);
		mlmd_store_free(w[k].store);
	}
	assert_int_not_equal(w[0].run_id, w[1].run_id);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_run_records_params_tags_metrics_and_files),
		cmocka_unit_test(defaults_names_and_no_capture),
		cmocka_unit_test(metric_history_bulk_order_and_nonfinite),
		cmocka_unit_test(the_same_file_reuses_its_artifact),
		cmocka_unit_test(cache_hits_and_misses),
		cmocka_unit_test(errors_name_what_is_wrong),
		cmocka_unit_test(git_state_is_captured),
		cmocka_unit_test(two_threads_log_through_their_own_handles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

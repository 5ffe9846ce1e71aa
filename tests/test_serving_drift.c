/*
 * Drift monitoring while serving (docs/monitoring.md "serving"): a real
 * ONNX classifier (class "yes" when x0 > x1) recorded in the store, a
 * reference profile of its two input columns and its classes recorded from
 * rows of a fixed-seed generator; a stable stream (same distribution) over
 * several flushes records windows, none drifted, no DRIFTED label; a
 * shifted stream (x0's mean moved by 2 sd) records a drifted window and
 * labels the Deployment context DRIFTED while serving goes on, and stops
 * the scorer when DRIFTED is in the gate list (MLMD_GATE_STOP); the
 * report's counts equal the bins computed here, also summed over contexts
 * scoring on threads (joined before the flush: no timing), and summed over
 * every window when a thread flushes while they score; REQUIRE without
 * a profile is refused, AUTO without one records no window; a swap closes
 * the old version's window; a window below drift_min_rows is carried over.
 * On every backend (MLMD_TEST_BACKEND); ordered by explicit flushes.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "dg_helpers.h"
#include "onnx_build.h"
#include "serving_helpers.h"

static int counter;

/* ---- data: a fixed-seed generator ----------------------------------------------------------- */

typedef struct rng {
	uint64_t s;
} rng;

static double uniform(rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(rng *r)
{
	double u = uniform(r), v = uniform(r);
	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows [x0, x1], x0 ~ N(shift, 1), x1 ~ N(0, 1), as the model takes them (float). */
static float *rows_new(uint64_t seed, size_t n, double shift)
{
	rng r = { seed * 0x9E3779B97F4A7C15ull + 1 };
	float *x = malloc(2 * n * sizeof *x);
	assert_non_null(x);
	for (size_t i = 0; i < n; i++) {
		x[2 * i] = (float)(normal(&r) + shift);
		x[2 * i + 1] = (float)normal(&r);
	}
	return x;
}

/* ---- the model, its profile, the store --------------------------------------------------- */

static void write_classifier(const char *path)
{
	ob b = { 0 };
	ob_opset(&b, "ai.onnx.ml", 1);
	ob_node(&b, "LinearClassifier", "ai.onnx.ml", "lin", "X", "label,probs",
		ob_floats(&b, "coefficients", (float[]){ -1, 1, 1, -1 }, 4),
		ob_floats(&b, "intercepts", (float[]){ 0, 0 }, 2),
		ob_strings(&b, "classlabels_strings", (const char *[]){ "no", "yes" }, 2),
		ob_string(&b, "post_transform", "SOFTMAX"), NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "label", MLMD_DTYPE_STRING, 1, (int64_t[]){ -1 });
	ob_output(&b, "probs", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_write(&b, path);
}

static int64_t record_model(mlmd_store *st)
{
	char path[600], name[64];
	snprintf(path, sizeof path, "%s/clf%d.onnx", dir, counter);
	snprintf(name, sizeof name, "clf-%d", counter++);
	write_classifier(path);
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.name = name;
	int64_t id;
	OK(mlmd_model_record(st, &o, &id));
	return id;
}

#define REF_ROWS 4000

/* The profile of columns x0, x1 and the classes, from REF_ROWS rows of seed 1. */
static mlmd_profile *reference_profile(void)
{
	float *x = rows_new(1, REF_ROWS, 0);
	double *c0 = malloc(REF_ROWS * sizeof *c0), *c1 = malloc(REF_ROWS * sizeof *c1);
	const char **cls = malloc(REF_ROWS * sizeof *cls);
	assert_true(c0 && c1 && cls);
	for (size_t i = 0; i < REF_ROWS; i++) {
		c0[i] = x[2 * i];
		c1[i] = x[2 * i + 1];
		cls[i] = x[2 * i] > x[2 * i + 1] ? "yes" : "no";
	}
	mlmd_profile_input in[2] = { { "x0", REF_ROWS, c0, NULL }, { "x1", REF_ROWS, c1, NULL } };
	mlmd_profile *p = NULL;
	OK(mlmd_profile_build(&p, in, 2, NULL));
	OK(mlmd_profile_set_classes(p, "label", cls, REF_ROWS));
	free(x);
	free(c0);
	free(c1);
	free(cls);
	return p;
}

static int64_t record_profile(mlmd_store *st, int64_t model)
{
	mlmd_profile *p = reference_profile();
	int64_t pid = 0;
	OK(mlmd_profile_record(st, model, NULL, p, 0, NULL, &pid));
	mlmd_profile_free(p);
	return pid;
}

static int open_scorer(mlmd_scorer **s, const char *uri, int64_t model, int mode, const char *deployment)
{
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = model;
	o.deployment = deployment;
	o.drift = mode;
	*s = NULL;
	return mlmd_scorer_open(s, &o);
}

/* Scores n rows in batches of 100 (the last one shorter). */
static void score_rows(mlmd_scorer_ctx *c, const float *x, size_t n)
{
	for (size_t at = 0; at < n; at += 100) {
		size_t k = n - at < 100 ? n - at : 100;
		mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { (int64_t)k, 2 },
			.data = (void *)(x + 2 * at) };
		mlmd_tensor out[1] = { { 0 } };
		OK(mlmd_scorer_score(c, &in, 1, out, 1));
	}
}

static void score_stream(mlmd_scorer *s, uint64_t seed, size_t n, double shift)
{
	float *x = rows_new(seed, n, shift);
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	score_rows(c, x, n);
	mlmd_scorer_ctx_free(c);
	free(x);
}

/* The windows of a serving execution (GetDriftWindows). */
static Mlmd__Pb__Governance__GetDriftWindowsResponse *windows(mlmd_store *st, int64_t exec)
{
	Mlmd__Pb__Governance__GetDriftWindowsRequest rq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	rq.has_serving_execution_id = 1;
	rq.serving_execution_id = exec;
	return dg_rpc_ok(st, "GetDriftWindows", &rq, &mlmd__pb__governance__get_drift_windows_response__descriptor);
}

static int64_t deployment_id(mlmd_store *st, const char *name)
{
	Mlmd__Pb__GetContextByTypeAndNameRequest rq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *rs = NULL;
	rq.type_name = (char *)"Deployment";
	rq.context_name = (char *)name;
	OK(mlmd_store_get_context_by_type_and_name(st, &rq, &rs));
	assert_non_null(rs->context);
	int64_t id = rs->context->id;
	mlmd_message_free(rs);
	return id;
}

/* The deployment's effective DRIFTED label (NULL: none); free with mlmd_label_list_free. */
static mlmd_label_list *drifted_label(mlmd_store *st, int64_t ctx, const mlmd_label **l)
{
	mlmd_label_list *ls = NULL;
	OK(mlmd_labels_effective(st, MLMD_NODE_CONTEXT, ctx, 0, &ls));
	*l = NULL;
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->labels[i].label, "DRIFTED"))
			*l = &ls->labels[i];
	return ls;
}

/* `"counts":[...]` of column j's bins for the rows, computed here from the
 * profile's edges (a value equal to an edge in the bin below it). */
static void expected_counts(const mlmd_profile *p, size_t col, const float *const *xs, const size_t *ns, size_t nx,
	char *out, size_t cap)
{
	const mlmd_profile_column *pc = mlmd_profile_column_at(p, col);
	int64_t cnt[MLMD_PROFILE_BINS + 1] = { 0 };
	for (size_t k = 0; k < nx; k++)
		for (size_t i = 0; i < ns[k]; i++) {
			double x = xs[k][2 * i + col];
			int b = 0;
			while (b < pc->n_bins - 1 && x > pc->edges[b])
				b++;
			cnt[b]++;
		}
	size_t n = (size_t)snprintf(out, cap, "\"counts\":[");
	for (int b = 0; b < pc->n_bins; b++)
		n += (size_t)snprintf(out + n, cap - n, "%s%lld", b ? "," : "", (long long)cnt[b]);
	snprintf(out + n, cap - n, "]");
}

/* The report's text of column `name` (from its "name" to the end of its counts). */
static void column_text(const char *report, const char *name, char *out, size_t cap)
{
	char key[64];
	snprintf(key, sizeof key, "{\"name\":\"%s\"", name);
	const char *a = strstr(report, key);
	assert_non_null(a);
	const char *b = strchr(strstr(a, "\"counts\":["), ']');
	assert_non_null(b);
	snprintf(out, cap, "%.*s", (int)(b + 1 - a), a);
}

static mlmd_store *fresh(char *uri, size_t cap)
{
	return open_shared_in(dir, &counter, uri, cap);
}

/* ---- tests -------------------------------------------------------------------------------------- */

/* Same distribution over three flushes: three judged windows, none drifted,
 * no label; the report's counts are the bins computed here. */
static void stable_stream(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	int64_t pid = record_profile(st, model);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_AUTO, "stable"));
	assert_true(mlmd_scorer_drift_monitored(s));
	float *first = NULL;
	for (int w = 0; w < 3; w++) {
		float *x = rows_new(100 + (uint64_t)w, 1000, 0);
		mlmd_scorer_ctx *c;
		OK(mlmd_scorer_ctx_new(s, &c));
		score_rows(c, x, 1000);
		mlmd_scorer_ctx_free(c);
		OK(mlmd_scorer_flush(s));
		if (!first)
			first = x;
		else
			free(x);
	}
	int64_t drifted = -1;
	assert_int_equal(mlmd_scorer_drift_windows(s, &drifted), 3);
	assert_int_equal(drifted, 0);
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
	assert_int_equal(ws->n_windows, 3);
	mlmd_profile *p = reference_profile();
	for (size_t i = 0; i < 3; i++) {
		const Mlmd__Pb__Governance__DriftWindow *w = ws->windows[i];
		assert_int_equal(w->rows, 1000);
		assert_false(w->drifted);
		assert_int_equal(w->model_artifact_id, model);
		assert_int_equal(w->profile_artifact_id, pid);
		assert_true(w->end_ms >= w->start_ms);
		if (i)
			assert_true(w->start_ms >= ws->windows[i - 1]->end_ms);
		assert_non_null(strstr(w->report_json, "\"judged\":true"));
		assert_non_null(strstr(w->report_json, "\"n_current\":1000"));
		assert_true(w->max_psi < 0.2);
	}
	/* the first window's counts, column by column */
	const float *xs[1] = { first };
	size_t ns[1] = { 1000 };
	for (size_t col = 0; col < 2; col++) {
		char want[256], got[4096];
		expected_counts(p, col, xs, ns, 1, want, sizeof want);
		column_text(ws->windows[0]->report_json, col ? "x1" : "x0", got, sizeof got);
		assert_non_null(strstr(got, want));
		assert_non_null(strstr(got, "\"kind\":\"numeric\""));
		assert_non_null(strstr(got, "\"missing_current\":0"));
	}
	/* the classes: yes when x0 > x1 */
	int64_t yes = 0;
	for (size_t i = 0; i < 1000; i++)
		yes += first[2 * i] > first[2 * i + 1];
	const char *outs = strstr(ws->windows[0]->report_json, "\"outputs\":");
	assert_non_null(outs);
	assert_non_null(strstr(outs, "\"kind\":\"classes\""));
	char yes_first[96], no_first[96];
	snprintf(yes_first, sizeof yes_first, "\"classes\":[\"yes\",\"no\"],\"counts\":[%lld,%lld]", (long long)yes,
		(long long)(1000 - yes));
	snprintf(no_first, sizeof no_first, "\"classes\":[\"no\",\"yes\"],\"counts\":[%lld,%lld]", (long long)(1000 - yes),
		(long long)yes);
	assert_true(strstr(outs, yes_first) || strstr(outs, no_first));
	free_msg(ws);
	const mlmd_label *l;
	mlmd_label_list *ls = drifted_label(st, deployment_id(st, "stable"), &l);
	assert_null(l);
	mlmd_label_list_free(ls);
	mlmd_profile_free(p);
	free(first);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* x0 moved by 2 sd: a drifted window naming x0, DRIFTED on the deployment
 * (with the window in its reason), and serving goes on. */
static void shifted_stream(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	record_profile(st, model);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_AUTO, "shifted"));
	score_stream(s, 200, 500, 0);
	OK(mlmd_scorer_flush(s));
	score_stream(s, 201, 500, 2.0);
	OK(mlmd_scorer_flush(s));
	int64_t drifted = 0;
	assert_int_equal(mlmd_scorer_drift_windows(s, &drifted), 2);
	assert_int_equal(drifted, 1);
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
	assert_int_equal(ws->n_windows, 2);
	assert_false(ws->windows[0]->drifted);
	assert_true(ws->windows[1]->drifted);
	assert_true(ws->windows[1]->max_psi >= 0.2);
	char x0[4096], x1[4096];
	column_text(ws->windows[1]->report_json, "x0", x0, sizeof x0);
	column_text(ws->windows[1]->report_json, "x1", x1, sizeof x1);
	assert_non_null(strstr(x0, "\"drift\":true"));
	assert_non_null(strstr(x1, "\"drift\":false"));
	int64_t win = ws->windows[1]->artifact_id;
	free_msg(ws);
	const mlmd_label *l;
	mlmd_label_list *ls = drifted_label(st, deployment_id(st, "shifted"), &l);
	assert_non_null(l);
	assert_int_equal(l->distance, 0);
	char want[64];
	snprintf(want, sizeof want, "drift window %lld", (long long)win);
	assert_non_null(strstr(l->reason, want));
	assert_non_null(strstr(l->reason, "'x0'"));
	assert_null(strstr(l->reason, "'x1'"));
	mlmd_label_list_free(ls);
	/* not in the gate by default: serving goes on */
	assert_false(mlmd_scorer_gate_stopped(s));
	score_stream(s, 202, 100, 0);
	OK(mlmd_scorer_flush(s));
	assert_false(mlmd_scorer_gate_stopped(s));
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* DRIFTED in the gate list: the flush that finds the drift stops the scorer. */
static void drifted_in_the_gate_stops(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	record_profile(st, model);
	const char *gate[] = { "POISONED", "DRIFTED" };
	OK(mlmd_gate_set(st, gate, 2));
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_AUTO, "gated"));
	score_stream(s, 300, 500, 0);
	OK(mlmd_scorer_flush(s));
	assert_false(mlmd_scorer_gate_stopped(s));
	score_stream(s, 301, 500, 2.0);
	OK(mlmd_scorer_flush(s));
	assert_true(mlmd_scorer_gate_stopped(s));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	float x[2] = { 0, 0 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1, 2 }, .data = x }, out[1] = { { 0 } };
	FAILS(mlmd_scorer_score(c, &in, 1, out, 1), MLMD_FAILED_PRECONDITION, "DRIFTED");
	mlmd_scorer_ctx_free(c);
	mlmd_scorer_free(s);
	mlmd_store_free(st);
}

typedef struct job {
	mlmd_scorer *s;
	const float *x;
	size_t n;
	int rc;
} job;

static void *run_job(void *arg)
{
	job *j = arg;
	mlmd_scorer_ctx *c;
	if ((j->rc = mlmd_scorer_ctx_new(j->s, &c)))
		return NULL;
	for (size_t at = 0; at < j->n && !j->rc; at += 100) {
		mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 100, 2 }, .data = (void *)(j->x + 2 * at) };
		mlmd_tensor out[1] = { { 0 } };
		j->rc = mlmd_scorer_score(c, &in, 1, out, 1);
	}
	mlmd_scorer_ctx_free(c);
	return NULL;
}

/* Four contexts on threads: the window's counts are exactly the sums. */
static void threads_sum_exactly(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	record_profile(st, model);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_AUTO, "threads"));
	enum { T = 4, N = 700 };
	float *xs[T];
	job jobs[T];
	pthread_t th[T];
	for (int t = 0; t < T; t++) {
		xs[t] = rows_new(400 + (uint64_t)t, N, t * 0.5);
		jobs[t] = (job){ s, xs[t], N, 0 };
		assert_int_equal(pthread_create(&th[t], NULL, run_job, &jobs[t]), 0);
	}
	for (int t = 0; t < T; t++) {
		pthread_join(th[t], NULL);
		OK(jobs[t].rc);
	}
	OK(mlmd_scorer_flush(s));
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
	assert_int_equal(ws->n_windows, 1);
	assert_int_equal(ws->windows[0]->rows, T * N);
	mlmd_profile *p = reference_profile();
	size_t ns[T] = { N, N, N, N };
	for (size_t col = 0; col < 2; col++) {
		char want[256], got[4096];
		expected_counts(p, col, (const float *const *)xs, ns, T, want, sizeof want);
		column_text(ws->windows[0]->report_json, col ? "x1" : "x0", got, sizeof got);
		assert_non_null(strstr(got, want));
	}
	free_msg(ws);
	mlmd_profile_free(p);
	for (int t = 0; t < T; t++)
		free(xs[t]);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* The bins of column `name` in a report, added to sum[] (n entries). */
static void add_counts(const char *report, const char *name, int64_t *sum, int n)
{
	char text[4096];
	column_text(report, name, text, sizeof text);
	const char *c = strstr(text, "\"counts\":[") + 10;
	for (int b = 0; b < n; b++) {
		char *end;
		sum[b] += strtoll(c, &end, 10);
		assert_true(end != c);
		c = end + 1;
	}
}

typedef struct flusher {
	mlmd_scorer *s;
	_Atomic int done;
	int rc, flushes;
} flusher;

static void *run_flusher(void *arg)
{
	flusher *f = arg;
	/* flushes while the contexts score, until they are done (at least one) */
	do {
		if ((f->rc = mlmd_scorer_flush(f->s)))
			break;
		f->flushes++;
	} while (!atomic_load(&f->done));
	return NULL;
}

/* Flushes concurrent with scoring on four threads: a batch may fall in
 * either of two windows, but summed over every window (the close records
 * the rest) each bin's count is exact. */
static void concurrent_flushes_lose_nothing(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	record_profile(st, model);
	mlmd_scorer *s;
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = model;
	o.deployment = "concurrent";
	o.drift_min_rows = 1;
	OK(mlmd_scorer_open(&s, &o));
	enum { T = 4, N = 2000 };
	float *xs[T];
	job jobs[T];
	pthread_t th[T], ft;
	flusher f = { .s = s };
	assert_int_equal(pthread_create(&ft, NULL, run_flusher, &f), 0);
	for (int t = 0; t < T; t++) {
		xs[t] = rows_new(700 + (uint64_t)t, N, 0);
		jobs[t] = (job){ s, xs[t], N, 0 };
		assert_int_equal(pthread_create(&th[t], NULL, run_job, &jobs[t]), 0);
	}
	for (int t = 0; t < T; t++) {
		pthread_join(th[t], NULL);
		OK(jobs[t].rc);
	}
	atomic_store(&f.done, 1);
	pthread_join(ft, NULL);
	OK(f.rc);
	int64_t exec = mlmd_scorer_execution_id(s);
	OK(mlmd_scorer_free(s));
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, exec);
	assert_true(ws->n_windows >= 1);
	mlmd_profile *p = reference_profile();
	size_t ns[T] = { N, N, N, N };
	int64_t rows = 0;
	for (size_t col = 0; col < 2; col++) {
		int64_t sum[MLMD_PROFILE_BINS] = { 0 };
		int nb = mlmd_profile_column_at(p, col)->n_bins;
		for (size_t i = 0; i < ws->n_windows; i++) {
			add_counts(ws->windows[i]->report_json, col ? "x1" : "x0", sum, nb);
			rows += col ? 0 : ws->windows[i]->rows;
		}
		char want[256], got[256];
		expected_counts(p, col, (const float *const *)xs, ns, T, want, sizeof want);
		size_t n = (size_t)snprintf(got, sizeof got, "\"counts\":[");
		for (int b = 0; b < nb; b++)
			n += (size_t)snprintf(got + n, sizeof got - n, "%s%lld", b ? "," : "", (long long)sum[b]);
		snprintf(got + n, sizeof got - n, "]");
		assert_string_equal(got, want);
	}
	assert_int_equal(rows, T * N);
	free_msg(ws);
	mlmd_profile_free(p);
	for (int t = 0; t < T; t++)
		free(xs[t]);
	mlmd_store_free(st);
}

/* REQUIRE refuses a model without a profile, naming it and how to record
 * one; AUTO serves it unmonitored and records no window. */
static void no_profile(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_model(st);
	mlmd_scorer *s;
	char want[64];
	snprintf(want, sizeof want, "model artifact %lld has no reference profile", (long long)model);
	FAILS(open_scorer(&s, uri, model, MLMD_DRIFT_REQUIRE, "req"), MLMD_FAILED_PRECONDITION, want);
	assert_non_null(strstr(mlmd_error_message(), "mlmd profile"));
	assert_null(s);
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_AUTO, "auto"));
	assert_false(mlmd_scorer_drift_monitored(s));
	score_stream(s, 500, 300, 3.0);
	OK(mlmd_scorer_flush(s));
	assert_int_equal(mlmd_scorer_drift_windows(s, NULL), 0);
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
	assert_int_equal(ws->n_windows, 0);
	free_msg(ws);
	OK(mlmd_scorer_free(s));
	/* OFF: a model with a profile is not monitored */
	record_profile(st, model);
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_OFF, "off"));
	assert_false(mlmd_scorer_drift_monitored(s));
	score_stream(s, 501, 300, 3.0);
	OK(mlmd_scorer_free(s));
	/* and REQUIRE now serves it */
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_REQUIRE, "req"));
	assert_true(mlmd_scorer_drift_monitored(s));
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* Below drift_min_rows a window is carried over; a swap closes the old
 * version's window (recorded unjudged when short); the new version's
 * windows are its own. A swap under REQUIRE to a model without a profile
 * is refused and the old model stays. */
static void swap_closes_the_window(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t a = record_model(st), b = record_model(st), bare = record_model(st);
	record_profile(st, a);
	record_profile(st, b);
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, a, MLMD_DRIFT_REQUIRE, "swap"));
	score_stream(s, 600, 50, 0);
	OK(mlmd_scorer_flush(s));
	assert_int_equal(mlmd_scorer_drift_windows(s, NULL), 0); /* 50 < 100: carried over */
	score_stream(s, 601, 30, 0);
	FAILS(mlmd_scorer_swap(s, bare), MLMD_FAILED_PRECONDITION, "no reference profile");
	assert_int_equal(mlmd_scorer_artifact_id(s), a);
	OK(mlmd_scorer_swap(s, b));
	assert_int_equal(mlmd_scorer_drift_windows(s, NULL), 1);
	score_stream(s, 602, 150, 0);
	OK(mlmd_scorer_flush(s));
	int64_t drifted = -1;
	assert_int_equal(mlmd_scorer_drift_windows(s, &drifted), 2);
	assert_int_equal(drifted, 0);
	Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
	assert_int_equal(ws->n_windows, 2);
	assert_int_equal(ws->windows[0]->model_artifact_id, a);
	assert_int_equal(ws->windows[0]->rows, 80);
	assert_false(ws->windows[0]->drifted);
	assert_non_null(strstr(ws->windows[0]->report_json, "\"judged\":false"));
	assert_int_equal(ws->windows[1]->model_artifact_id, b);
	assert_int_equal(ws->windows[1]->rows, 150);
	assert_non_null(strstr(ws->windows[1]->report_json, "\"judged\":true"));
	free_msg(ws);
	/* `last` 1: the newest only */
	Mlmd__Pb__Governance__GetDriftWindowsRequest rq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	rq.has_serving_execution_id = rq.has_last = 1;
	rq.serving_execution_id = mlmd_scorer_execution_id(s);
	rq.last = 1;
	ws = dg_rpc_ok(st, "GetDriftWindows", &rq, &mlmd__pb__governance__get_drift_windows_response__descriptor);
	assert_int_equal(ws->n_windows, 1);
	assert_int_equal(ws->windows[0]->model_artifact_id, b);
	free_msg(ws);
	/* close records what is left, unjudged */
	score_stream(s, 603, 20, 0);
	int64_t exec = mlmd_scorer_execution_id(s);
	OK(mlmd_scorer_free(s));
	ws = windows(st, exec);
	assert_int_equal(ws->n_windows, 3);
	assert_int_equal(ws->windows[2]->rows, 20);
	free_msg(ws);
	mlmd_store_free(st);
}

/* GetDriftWindows of something that is not a serving execution. */
static void not_a_serving_execution(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t e = put_execution_node(st, execution_type(st, "Train"));
	Mlmd__Pb__Governance__GetDriftWindowsRequest rq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	rq.has_serving_execution_id = 1;
	rq.serving_execution_id = e;
	int rc;
	void *r = test_rpc(st, "GetDriftWindows", &rq, &mlmd__pb__governance__get_drift_windows_response__descriptor, &rc);
	assert_null(r);
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "not a serving execution"));
	rq.serving_execution_id = e + 1000;
	r = test_rpc(st, "GetDriftWindows", &rq, &mlmd__pb__governance__get_drift_windows_response__descriptor, &rc);
	assert_int_equal(rc, -MLMD_NOT_FOUND);
	mlmd_store_free(st);
}

/* A model with two one-column inputs, by name: "num" (float) and "cat"
 * (int64, a categorical column of the profile): Y = num + cat. */
static int64_t record_two_input_model(mlmd_store *st)
{
	char path[600], name[64];
	snprintf(path, sizeof path, "%s/two%d.onnx", dir, counter);
	snprintf(name, sizeof name, "two-%d", counter++);
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_node(&b, "Cast", "", "c", "cat", "catf", ob_int(&b, "to", MLMD_DTYPE_FLOAT), NULL);
	ob_node(&b, "Add", "", "add", "num,catf", "Y", NULL);
	ob_input(&b, "num", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	ob_input(&b, "cat", MLMD_DTYPE_INT64, 2, (int64_t[]){ -1, 1 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	ob_write(&b, path);
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.name = name;
	int64_t id;
	OK(mlmd_model_record(st, &o, &id));
	return id;
}

/* Categories 1, 2, 3 with weights w (of 10), drawn with a fixed seed. */
static void draw_cats(uint64_t seed, int64_t *cat, float *num, size_t n, const int w[3])
{
	rng r = { seed * 0x9E3779B97F4A7C15ull + 7 };
	for (size_t i = 0; i < n; i++) {
		double u = uniform(&r) * 10;
		cat[i] = u < w[0] ? 1 : u < w[0] + w[1] ? 2 : 3;
		num[i] = i % 50 == 7 ? NAN : (float)normal(&r); /* some missing */
	}
}

/* Inputs by name, an integer input counted as a categorical column by its
 * decimal text, NaN counted missing; a changed category mix drifts. */
static void categorical_mix_changes(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = fresh(uri, sizeof uri);
	int64_t model = record_two_input_model(st);
	enum { R = 3000, N = 600 };
	int64_t refcat[R];
	float rn[R];
	draw_cats(1, refcat, rn, R, (const int[]){ 5, 3, 2 });
	double num[R];
	char txt[R][4];
	const char *cats[R];
	for (size_t i = 0; i < R; i++) {
		num[i] = rn[i];
		snprintf(txt[i], sizeof txt[i], "%lld", (long long)refcat[i]);
		cats[i] = txt[i];
	}
	mlmd_profile_input in[2] = { { "num", R, num, NULL }, { "cat", R, NULL, cats } };
	mlmd_profile *p;
	OK(mlmd_profile_build(&p, in, 2, NULL));
	OK(mlmd_profile_record(st, model, NULL, p, 0, NULL, NULL));
	mlmd_scorer *s;
	OK(open_scorer(&s, uri, model, MLMD_DRIFT_REQUIRE, "cats"));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	for (int w = 0; w < 2; w++) {
		int64_t cat[N];
		float x[N];
		draw_cats(10 + (uint64_t)w, cat, x, N, w ? (const int[]){ 2, 3, 5 } : (const int[]){ 5, 3, 2 });
		mlmd_tensor tin[2] = { { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { N, 1 }, .data = x },
			{ .dtype = MLMD_DTYPE_INT64, .rank = 2, .dims = { N, 1 }, .data = cat } };
		mlmd_tensor out[1] = { { 0 } };
		OK(mlmd_scorer_score(c, tin, 2, out, 1));
		OK(mlmd_scorer_flush(s));
		Mlmd__Pb__Governance__GetDriftWindowsResponse *ws = windows(st, mlmd_scorer_execution_id(s));
		assert_int_equal(ws->n_windows, (size_t)w + 1);
		const char *rep = ws->windows[w]->report_json;
		assert_int_equal(ws->windows[w]->drifted, w == 1);
		/* the categories in the profile's order, "other" last, counted here */
		const mlmd_profile_column *pc = mlmd_profile_column_at(p, 1);
		assert_int_equal(pc->n_categories, 3);
		int64_t want[4] = { 0 };
		for (size_t i = 0; i < N; i++) {
			char t[4];
			snprintf(t, sizeof t, "%lld", (long long)cat[i]);
			for (size_t k = 0; k < 3; k++)
				want[k] += !strcmp(pc->categories[k], t);
		}
		char wtxt[128], got[4096];
		snprintf(wtxt, sizeof wtxt, "\"counts\":[%lld,%lld,%lld,0]", (long long)want[0], (long long)want[1],
			(long long)want[2]);
		column_text(rep, "cat", got, sizeof got);
		assert_non_null(strstr(got, wtxt));
		assert_non_null(strstr(got, "\"kind\":\"categorical\""));
		assert_null(strstr(got, "\"ks\""));
		assert_non_null(strstr(got, w ? "\"drift\":true" : "\"drift\":false"));
		column_text(rep, "num", got, sizeof got);
		assert_non_null(strstr(got, "\"missing_current\":12"));
		assert_non_null(strstr(got, "\"n_current\":588"));
		free_msg(ws);
	}
	mlmd_scorer_ctx_free(c);
	mlmd_profile_free(p);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

/* ---- main -------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]); /* e.g. threads_sum_exactly, under TSan */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stable_stream),
		cmocka_unit_test(shifted_stream),
		cmocka_unit_test(drifted_in_the_gate_stops),
		cmocka_unit_test(threads_sum_exactly),
		cmocka_unit_test(concurrent_flushes_lose_nothing),
		cmocka_unit_test(categorical_mix_changes),
		cmocka_unit_test(no_profile),
		cmocka_unit_test(swap_closes_the_window),
		cmocka_unit_test(not_a_serving_execution),
	};
	return cmocka_run_group_tests(tests, serving_dir_setup, serving_dir_teardown);
}

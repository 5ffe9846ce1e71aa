/*
 * Serving governed models: recording a model artifact with its digest,
 * refusing files that do not match, scorers that record their serving
 * execution, statistics, events and deployment context, hot swap under
 * load (also built with ThreadSanitizer by `make check`), the interval
 * flush, and recorded batches. Stores are real SQLite files.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include "mlmd.h"
#include "onnx_build.h"

static char dir[512];
static int counter;

static void path_in(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* A model whose every output element is `tag`: Y = X * 0 + tag, X [N, 2]. */
static void write_tag_model(const char *path, float tag)
{
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "Z", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ 0, 0 }, 2));
	ob_init(&b, ob_tensor_new(&b, "T", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ tag, tag }, 2));
	ob_node(&b, "Mul", "", "mul", "X,Z", "XZ", NULL);
	ob_node(&b, "Add", "", "add", "XZ,T", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	write_bytes(path, bytes, len);
	ob_free(&b);
}

/* A two-class classifier: class "yes" when x0 > x1. */
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
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	write_bytes(path, bytes, len);
	ob_free(&b);
}

static mlmd_store *open_store(char *uri, size_t cap)
{
	char db[600];
	snprintf(db, sizeof db, "%s/s%d.db", dir, counter++);
	snprintf(uri, cap, "sqlite:%s", db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		fail_msg("open: %s", mlmd_error_message());
	return s;
}

static mlmd_store *open_store_uri(const char *uri)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		fail_msg("open %s: %s", uri, mlmd_error_message());
	return s;
}

static int64_t record(mlmd_store *st, const char *path, const char *name)
{
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.name = name;
	int64_t id;
	if (mlmd_model_record(st, &o, &id))
		fail_msg("record: %s", mlmd_error_message());
	return id;
}

static Mlmd__Pb__Execution *get_execution(mlmd_store *st, int64_t id, Mlmd__Pb__GetExecutionsByIDResponse **keep)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	rq.n_execution_ids = 1;
	rq.execution_ids = &id;
	assert_int_equal(mlmd_store_get_executions_by_id(st, &rq, keep), 0);
	assert_int_equal((*keep)->n_executions, 1);
	return (*keep)->executions[0];
}

static int64_t prop_int(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 0, name);
	if (!v || v->value_case != MLMD__PB__VALUE__VALUE_INT_VALUE)
		fail_msg("no int property %s", name);
	return v->int_value;
}

static const char *prop_str(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 0, name);
	if (!v || v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)
		fail_msg("no string property %s", name);
	return v->string_value;
}

/* ---- model artifacts ------------------------------------------------------------------ */

static void record_verify_and_refuse(void **state)
{
	(void)state;
	char uri[700], path[600], hex[65];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(path, sizeof path, "tag1.onnx");
	write_tag_model(path, 1);
	int64_t id = record(st, path, "tagger");
	assert_int_equal(mlmd_file_sha256(path, hex), 0);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	assert_int_equal(mlmd_store_get_artifacts_by_id(st, &rq, &rs), 0);
	const Mlmd__Pb__Artifact *a = rs->artifacts[0];
	char want[80];
	snprintf(want, sizeof want, "sha256:%s", hex);
	assert_string_equal(prop_str(a, "digest"), want);
	assert_string_equal(prop_str(a, "format"), "onnx");
	assert_non_null(strstr(prop_str(a, "inputs"), "\"name\":\"X\",\"type\":\"FLOAT\",\"shape\":[-1,2]"));
	char abs_uri[4200], abs_path[4096];
	assert_non_null(realpath(path, abs_path));
	snprintf(abs_uri, sizeof abs_uri, "file://%s", abs_path);
	assert_string_equal(a->uri, abs_uri); /* the absolute file:// URI, wherever it was recorded from */
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	assert_int_equal(prop_int(a, "size_bytes"), ftell(f));
	fclose(f);
	mlmd_message_free(rs);

	mlmd_model *m;
	assert_int_equal(mlmd_model_load_artifact(&m, st, id, 0), 0);
	mlmd_model_free(m);

	/* the file changes after it was recorded: refused, naming both digests */
	write_tag_model(path, 5);
	char now[65];
	assert_int_equal(mlmd_file_sha256(path, now), 0);
	assert_int_equal(mlmd_model_load_artifact(&m, st, id, 0), -MLMD_FAILED_PRECONDITION);
	assert_null(m);
	assert_non_null(strstr(mlmd_error_message(), hex));
	assert_non_null(strstr(mlmd_error_message(), now));
	/* ... unless the caller explicitly allows it */
	assert_int_equal(mlmd_model_load_artifact(&m, st, id, 1), 0);
	mlmd_model_free(m);

	/* an artifact with no digest, through a file:// URI */
	Mlmd__Pb__Artifact *plain = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	Mlmd__Pb__GetArtifactTypeRequest trq = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeResponse *trs;
	trq.type_name = "Model";
	assert_int_equal(mlmd_store_get_artifact_type(st, &trq, &trs), 0);
	plain->has_type_id = 1;
	plain->type_id = trs->artifact_type->id;
	mlmd_message_free(trs);
	char furi[4200], abs[4096];
	assert_non_null(realpath(path, abs));
	snprintf(furi, sizeof furi, "file://%s", abs);
	assert_int_equal(mlmd_message_set_string(plain, "uri", furi), 0);
	Mlmd__Pb__PutArtifactsRequest prq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *prs;
	prq.n_artifacts = 1;
	prq.artifacts = &plain;
	assert_int_equal(mlmd_store_put_artifacts(st, &prq, &prs), 0);
	int64_t plain_id = prs->artifact_ids[0];
	mlmd_message_free(prs);
	mlmd_message_free(plain);
	assert_int_equal(mlmd_model_load_artifact(&m, st, plain_id, 0), -MLMD_FAILED_PRECONDITION);
	assert_non_null(strstr(mlmd_error_message(), "has no recorded digest"));
	assert_int_equal(mlmd_model_load_artifact(&m, st, plain_id, 1), 0);
	mlmd_model_free(m);

	/* no such artifact; a file that is not a model is not recorded */
	assert_int_equal(mlmd_model_load_artifact(&m, st, 999999, 0), -MLMD_NOT_FOUND);
	char junk[600];
	path_in(junk, sizeof junk, "junk.bin");
	write_bytes(junk, "\xff\xff\xff", 3);
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = junk;
	o.name = "junk";
	int64_t jid;
	assert_int_equal(mlmd_model_record(st, &o, &jid), -MLMD_INVALID_ARGUMENT);
	mlmd_store_free(st);
}

/* ---- scorers --------------------------------------------------------------------------- */

static void scorer_records_serving_lineage(void **state)
{
	(void)state;
	char uri[700], p1[600], p2[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p1, sizeof p1, "cls.onnx");
	path_in(p2, sizeof p2, "tag2.onnx");
	write_classifier(p1);
	write_tag_model(p2, 2);
	int64_t a1 = record(st, p1, "classifier"), a2 = record(st, p2, "tag-two");

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_name = "classifier";
	o.deployment = "prod-eu";
	mlmd_scorer *s;
	if (mlmd_scorer_open(&s, &o))
		fail_msg("open: %s", mlmd_error_message());
	assert_int_equal(mlmd_scorer_artifact_id(s), a1);
	int64_t exec_id = mlmd_scorer_execution_id(s);
	assert_true(exec_id > 0);
	mlmd_scorer_ctx *c;
	assert_int_equal(mlmd_scorer_ctx_new(s, &c), 0);
	/* 3 rows "yes" (x0 > x1), 1 row "no"; only the label is asked for: the
	 * probabilities are still computed for the statistics */
	float x[8] = { 3, 0, 2, 1, 5, -5, 0, 4 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 4, 2 }, .data = x }, out[1] = { { 0 } };
	for (int i = 0; i < 5; i++) {
		memset(out, 0, sizeof out);
		assert_int_equal(mlmd_scorer_score(c, &in, 1, out, 1), 0);
	}
	assert_string_equal(((const char **)out[0].data)[0], "yes");
	assert_string_equal(((const char **)out[0].data)[3], "no");
	/* a failing call is counted as an error */
	mlmd_tensor bad = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 4, 3 }, .data = x };
	memset(out, 0, sizeof out);
	assert_int_equal(mlmd_scorer_score(c, &bad, 1, out, 1), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_scorer_flush(s), 0);

	Mlmd__Pb__GetExecutionsByIDResponse *ers;
	Mlmd__Pb__Execution *e = get_execution(st, exec_id, &ers);
	assert_int_equal(prop_int(e, "rows"), 20);
	assert_int_equal(prop_int(e, "calls"), 6);
	assert_int_equal(prop_int(e, "errors"), 1);
	assert_int_equal(prop_int(e, "pid"), getpid());
	assert_string_equal(prop_str(e, "deployment"), "prod-eu");
	assert_string_equal(prop_str(e, "library_version"), mlmd_version());
	assert_string_equal(prop_str(e, "class_counts"), "{\"no\":5,\"yes\":15}");
	const Mlmd__Pb__Value *p50 = mlmd_node_get(e, 0, "latency_p50_us");
	assert_non_null(p50);
	assert_true(p50->double_value > 0);
	/* top probabilities per batch: sigmoid(6), sigmoid(2) = 0.88, sigmoid(20), sigmoid(8): bins 19, 17, 19, 19 */
	assert_non_null(strstr(prop_str(e, "confidence_histogram"), ",5,0,15]"));
	assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__RUNNING);
	mlmd_message_free(ers);

	/* swap to another artifact: the next call uses it; a second INPUT event */
	assert_int_equal(mlmd_scorer_swap(s, a2), 0);
	assert_int_equal(mlmd_scorer_artifact_id(s), a2);
	mlmd_tensor out2[1] = { { 0 } };
	assert_int_equal(mlmd_scorer_score(c, &in, 1, out2, 1), 0);
	assert_int_equal(mlmd_scorer_ctx_artifact_id(c), a2);
	assert_true(((float *)out2[0].data)[0] == 2.0f);
	/* a swap to an artifact that fails verification leaves the current model */
	write_tag_model(p1, 9); /* the classifier's file was replaced */
	assert_int_equal(mlmd_scorer_swap(s, a1), -MLMD_FAILED_PRECONDITION);
	assert_int_equal(mlmd_scorer_artifact_id(s), a2);
	mlmd_scorer_ctx_free(c);
	assert_int_equal(mlmd_scorer_free(s), 0);

	e = get_execution(st, exec_id, &ers);
	assert_int_equal(e->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_int_equal(prop_int(e, "rows"), 24);
	assert_int_equal(prop_int(e, "models_served"), 2);
	assert_int_equal(prop_int(e, "swaps"), 1);
	assert_string_equal(prop_str(e, "host")[0] ? "host" : "", "host");
	mlmd_message_free(ers);
	/* INPUT events from both models */
	Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
	evq.n_execution_ids = 1;
	evq.execution_ids = &exec_id;
	assert_int_equal(mlmd_store_get_events_by_execution_ids(st, &evq, &evs), 0);
	assert_int_equal(evs->n_events, 2);
	bool saw1 = false, saw2 = false;
	for (size_t i = 0; i < evs->n_events; i++) {
		assert_int_equal(evs->events[i]->type, MLMD__PB__EVENT__TYPE__INPUT);
		saw1 |= evs->events[i]->artifact_id == a1;
		saw2 |= evs->events[i]->artifact_id == a2;
	}
	assert_true(saw1 && saw2);
	mlmd_message_free(evs);
	/* the deployment context holds the execution and both models */
	Mlmd__Pb__GetContextByTypeAndNameRequest cq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *cs;
	cq.type_name = "Deployment";
	cq.context_name = "prod-eu";
	assert_int_equal(mlmd_store_get_context_by_type_and_name(st, &cq, &cs), 0);
	assert_non_null(cs->context);
	int64_t ctx_id = cs->context->id;
	mlmd_message_free(cs);
	Mlmd__Pb__GetArtifactsByContextRequest aq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *as;
	aq.has_context_id = 1;
	aq.context_id = ctx_id;
	assert_int_equal(mlmd_store_get_artifacts_by_context(st, &aq, &as), 0);
	assert_int_equal(as->n_artifacts, 2);
	mlmd_message_free(as);
	Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *xs;
	xq.has_context_id = 1;
	xq.context_id = ctx_id;
	assert_int_equal(mlmd_store_get_executions_by_context(st, &xq, &xs), 0);
	assert_int_equal(xs->n_executions, 1);
	assert_int_equal(xs->executions[0]->id, exec_id);
	mlmd_message_free(xs);
	mlmd_store_free(st);
}

static void scorer_open_refuses(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag3.onnx");
	write_tag_model(p, 3);
	int64_t a = record(st, p, "three");
	write_tag_model(p, 33); /* changed after recording */
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = a;
	mlmd_scorer *s = NULL;
	assert_int_equal(mlmd_scorer_open(&s, &o), -MLMD_FAILED_PRECONDITION);
	assert_null(s);
	o.artifact_id = 0;
	o.artifact_name = "nope";
	assert_int_equal(mlmd_scorer_open(&s, &o), -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_message(), "no artifact of type 'Model' named 'nope'"));
	o.artifact_name = NULL;
	assert_int_equal(mlmd_scorer_open(&s, &o), -MLMD_INVALID_ARGUMENT);
	/* allowed unverified, without recording: nothing is written */
	o.artifact_id = a;
	o.allow_unverified = 1;
	o.no_recording = 1;
	assert_int_equal(mlmd_scorer_open(&s, &o), 0);
	assert_int_equal(mlmd_scorer_execution_id(s), 0);
	mlmd_scorer_ctx *c;
	assert_int_equal(mlmd_scorer_ctx_new(s, &c), 0);
	/* closing with an open context is refused */
	assert_int_equal(mlmd_scorer_free(s), -MLMD_FAILED_PRECONDITION);
	mlmd_scorer_ctx_free(c);
	assert_int_equal(mlmd_scorer_free(s), 0);
	mlmd_store_free(st);
}

/* The options structs carry their version: one left at 0 (not made with the
 * _INIT macro) or from a newer library is refused, naming the struct, before
 * anything is read from it; versions 1 (before max_memory) and 2 (before
 * model_ref) of the scorer's options still open. */
static void options_versions_are_checked(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag4.onnx");
	write_tag_model(p, 4);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = p;
	ro.name = "four";
	int64_t a = 0;
	for (unsigned v = 0; v < 3; v += 2) { /* 0, and 2: one past the newest */
		ro.version = v;
		assert_int_equal(mlmd_model_record(st, &ro, &a), -MLMD_INVALID_ARGUMENT);
		assert_non_null(strstr(mlmd_error_message(), "mlmd_model_record_options.version"));
	}
	ro.version = MLMD_MODEL_RECORD_OPTIONS_VERSION;
	assert_int_equal(mlmd_model_record(st, &ro, &a), 0);
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = a;
	o.no_recording = 1;
	mlmd_scorer *s = NULL;
	for (unsigned v = 0; v < 7; v += 6) { /* 0, and 6: one past the newest */
		o.version = v;
		assert_int_equal(mlmd_scorer_open(&s, &o), -MLMD_INVALID_ARGUMENT);
		assert_null(s);
		assert_non_null(strstr(mlmd_error_message(), "mlmd_scorer_options.version"));
	}
	for (unsigned v = 1; v <= 2; v++) {
		o.version = v;
		assert_int_equal(mlmd_scorer_open(&s, &o), 0);
		assert_int_equal(mlmd_scorer_free(s), 0);
	}
	mlmd_store_free(st);
}

/* ---- scratch limits and wide models ------------------------------------------------------------ */

/* A scorer's contexts have a scratch limit by default (1 GiB): a 131 KB
 * model broadcasting into 4 GiB for one row fails with RESOURCE_EXHAUSTED
 * naming the node and the limit instead of taking the memory; max_memory
 * sets another limit, and the failure counts as an error. */
static void scorer_has_a_default_scratch_limit(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "broadcast.onnx");
	ob b = { 0 };
	ob_broadcast_model(&b);
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	write_bytes(p, bytes, len);
	ob_free(&b);
	int64_t a = record(st, p, "broadcast");
	static float x[32768];
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1, 32768 }, .data = x };
	for (int variant = 0; variant < 2; variant++) {
		mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
		o.store_uri = uri;
		o.artifact_id = a;
		o.max_memory = variant ? (size_t)8 << 20 : 0;
		mlmd_scorer *s;
		if (mlmd_scorer_open(&s, &o))
			fail_msg("open: %s", mlmd_error_message());
		mlmd_scorer_ctx *c;
		assert_int_equal(mlmd_scorer_ctx_new(s, &c), 0);
		mlmd_tensor out = { 0 };
		assert_int_equal(mlmd_scorer_score(c, &in, 1, &out, 1), -MLMD_RESOURCE_EXHAUSTED);
		char want[200];
		snprintf(want, sizeof want, "node 'wide_add' (ai.onnx::Add) needs more scratch memory than the score "
			"context's limit of %zu bytes", variant ? (size_t)8 << 20 : MLMD_SCORER_DEFAULT_MAX_MEMORY);
		if (!strstr(mlmd_error_message(), want))
			fail_msg("message: %s", mlmd_error_message());
		assert_int_equal(mlmd_scorer_flush(s), 0);
		Mlmd__Pb__GetExecutionsByIDResponse *ers;
		Mlmd__Pb__Execution *e = get_execution(st, mlmd_scorer_execution_id(s), &ers);
		assert_int_equal(prop_int(e, "errors"), 1);
		mlmd_message_free(ers);
		mlmd_scorer_ctx_free(c);
		assert_int_equal(mlmd_scorer_free(s), 0);
	}
	assert_int_equal(MLMD_SCORER_DEFAULT_MAX_MEMORY, (size_t)1 << 30);
	mlmd_store_free(st);
}

/* The class statistics come from the probability output even when it is
 * the 11th output and the caller asks for the first only (the scorer once
 * kept the outputs it adds in a fixed array of 8 and then counted nothing). */
static void class_counts_from_a_late_output(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "late.onnx");
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_opset(&b, "ai.onnx.ml", 1);
	char outs[10][16];
	for (int i = 0; i < 9; i++) {
		snprintf(outs[i], sizeof outs[i], "c%d", i);
		ob_node(&b, "Identity", "", outs[i], "X", outs[i], NULL);
		ob_output(&b, outs[i], MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	}
	ob_node(&b, "LinearClassifier", "ai.onnx.ml", "lin", "X", "label,probs",
		ob_floats(&b, "coefficients", (float[]){ -1, 1, 1, -1 }, 4),
		ob_floats(&b, "intercepts", (float[]){ 0, 0 }, 2),
		ob_strings(&b, "classlabels_strings", (const char *[]){ "no", "yes" }, 2),
		ob_string(&b, "post_transform", "SOFTMAX"), NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "label", MLMD_DTYPE_STRING, 1, (int64_t[]){ -1 });
	ob_output(&b, "probs", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	write_bytes(p, bytes, len);
	ob_free(&b);
	int64_t a = record(st, p, "late");
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = a;
	mlmd_scorer *s;
	if (mlmd_scorer_open(&s, &o))
		fail_msg("open: %s", mlmd_error_message());
	mlmd_scorer_ctx *c;
	assert_int_equal(mlmd_scorer_ctx_new(s, &c), 0);
	float x[8] = { 3, 0, 2, 1, 5, -5, 0, 4 }; /* yes, yes, yes, no */
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 4, 2 }, .data = x }, out[1];
	for (int i = 0; i < 3; i++) {
		memset(out, 0, sizeof out);
		assert_int_equal(mlmd_scorer_score(c, &in, 1, out, 1), 0);
		assert_true(((float *)out[0].data)[0] == 3);
	}
	assert_int_equal(mlmd_scorer_flush(s), 0);
	Mlmd__Pb__GetExecutionsByIDResponse *ers;
	Mlmd__Pb__Execution *e = get_execution(st, mlmd_scorer_execution_id(s), &ers);
	assert_string_equal(prop_str(e, "class_counts"), "{\"no\":3,\"yes\":9}");
	mlmd_message_free(ers);
	mlmd_scorer_ctx_free(c);
	assert_int_equal(mlmd_scorer_free(s), 0);
	mlmd_store_free(st);
}

/* ---- model URIs ------------------------------------------------------------------------------ */

/* Puts an artifact of type Model with this uri (no digest); returns its id. */
static int64_t put_uri(mlmd_store *st, const char *uri)
{
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	Mlmd__Pb__GetArtifactTypeRequest trq = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeResponse *trs;
	trq.type_name = "Model";
	assert_int_equal(mlmd_store_get_artifact_type(st, &trq, &trs), 0);
	a->has_type_id = 1;
	a->type_id = trs->artifact_type->id;
	mlmd_message_free(trs);
	assert_int_equal(mlmd_message_set_string(a, "uri", uri), 0);
	Mlmd__Pb__PutArtifactsRequest prq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *prs;
	prq.n_artifacts = 1;
	prq.artifacts = &a;
	assert_int_equal(mlmd_store_put_artifacts(st, &prq, &prs), 0);
	int64_t id = prs->artifact_ids[0];
	mlmd_message_free(prs);
	mlmd_message_free(a);
	return id;
}

/* A model recorded by a relative path gets its absolute file:// URI
 * (percent-encoded), so it is found from any directory; file:// URIs are
 * decoded strictly: a NUL escape, a bad escape or a path too long for the
 * buffer is refused, never cut to a prefix. */
static void model_uris_are_absolute_and_decoded_strictly(void **state)
{
	(void)state;
	char uri[700], sub[600], cwd[4096];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(sub, sizeof sub, "a dir%20x");
	assert_int_equal(mkdir(sub, 0700), 0);
	char p[700];
	snprintf(p, sizeof p, "%s/m 1.onnx", sub);
	write_tag_model(p, 4);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(sub), 0);
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = "m 1.onnx"; /* relative */
	o.name = "relative";
	int64_t id;
	int rc = mlmd_model_record(st, &o, &id);
	assert_int_equal(chdir(cwd), 0);
	if (rc)
		fail_msg("record: %s", mlmd_error_message());
	/* from another directory, the model loads and verifies */
	mlmd_model *m = NULL;
	if (mlmd_model_load_artifact(&m, st, id, 0))
		fail_msg("load: %s", mlmd_error_message());
	mlmd_model_free(m);
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	assert_int_equal(mlmd_store_get_artifacts_by_id(st, &rq, &rs), 0);
	const char *u = rs->artifacts[0]->uri;
	assert_true(strncmp(u, "file:///", 8) == 0);
	assert_non_null(strstr(u, "/a%20dir%2520x/m%201.onnx")); /* ' ' and '%' are escaped */
	/* the same file through file://localhost/ */
	char lh[4300];
	snprintf(lh, sizeof lh, "file://localhost%s", u + 7);
	assert_int_equal(mlmd_model_load_artifact(&m, st, put_uri(st, lh), 1), 0);
	mlmd_model_free(m);
	mlmd_message_free(rs);
	/* refused: a NUL escape (would name a prefix of the path), bad escapes, a path too long, a remote host */
	struct { const char *uri; int code; const char *needle; } bad[] = {
		{ "file:///etc/passwd%00.onnx", MLMD_INVALID_ARGUMENT, "invalid percent-escape" },
		{ "file:///tmp/x%zz", MLMD_INVALID_ARGUMENT, "invalid percent-escape" },
		{ "file:///tmp/x%+1", MLMD_INVALID_ARGUMENT, "invalid percent-escape" },
		{ "file:///tmp/x%4", MLMD_INVALID_ARGUMENT, "invalid percent-escape" },
		{ "file://server/share/m.onnx", MLMD_INVALID_ARGUMENT, "not a local file:// URI" },
		{ "s3://bucket/m.onnx", MLMD_UNIMPLEMENTED, "only local paths and file:// URIs" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(mlmd_model_load_artifact(&m, st, put_uri(st, bad[i].uri), 1), -bad[i].code);
		if (!strstr(mlmd_error_message(), bad[i].needle))
			fail_msg("%s: %s", bad[i].uri, mlmd_error_message());
	}
	char *longuri = malloc(6000);
	assert_non_null(longuri);
	strcpy(longuri, "file:///");
	memset(longuri + 8, 'a', 5000);
	longuri[5008] = '\0';
	assert_int_equal(mlmd_model_load_artifact(&m, st, put_uri(st, longuri), 1), -MLMD_INVALID_ARGUMENT);
	if (!strstr(mlmd_error_message(), "names a path longer than 4095 bytes"))
		fail_msg("%s", mlmd_error_message());
	free(longuri);
	mlmd_store_free(st);
}

/* ---- hot swap under load ------------------------------------------------------------------- */

#define THREADS 4
#define SWAPS 100
#define N_MODELS 3

typedef struct {
	mlmd_scorer *s;
	_Atomic int *stop;
	_Atomic int *started;    /* workers that have scored once */
	int64_t ids[N_MODELS];
	long calls, torn, wrong;
} swap_arg;

static void *swap_worker(void *p)
{
	swap_arg *a = p;
	mlmd_scorer_ctx *c;
	if (mlmd_scorer_ctx_new(a->s, &c))
		return NULL;
	float x[64 * 2];
	for (int i = 0; i < 128; i++)
		x[i] = (float)i;
	while (!*a->stop) {
		int rows = 1 + (int)(a->calls % 64);
		mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { rows, 2 }, .data = x }, out = { 0 };
		if (mlmd_scorer_score(c, &in, 1, &out, 1)) {
			a->wrong++;
			continue;
		}
		if (a->calls++ == 0)
			atomic_fetch_add(a->started, 1);
		const float *y = out.data;
		/* the whole batch from one model: every element the same tag ... */
		for (int i = 1; i < rows * 2; i++)
			if (y[i] != y[0])
				a->torn++;
		/* ... and that tag is the model this context says it used */
		int64_t used = mlmd_scorer_ctx_artifact_id(c);
		int k = (int)y[0] - 1;
		if (k < 0 || k >= N_MODELS || a->ids[k] != used)
			a->wrong++;
	}
	mlmd_scorer_ctx_free(c);
	return NULL;
}

static void swap_under_load(void **state)
{
	(void)state;
	char uri[700];
	mlmd_store *st = open_store(uri, sizeof uri);
	int64_t ids[N_MODELS];
	for (int k = 0; k < N_MODELS; k++) {
		char p[600], name[32];
		snprintf(name, sizeof name, "tag%d-swap.onnx", k + 1);
		path_in(p, sizeof p, name);
		write_tag_model(p, (float)(k + 1));
		ids[k] = record(st, p, name);
	}
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = ids[0];
	o.flush_interval_ms = 5;
	mlmd_scorer *s;
	if (mlmd_scorer_open(&s, &o))
		fail_msg("open: %s", mlmd_error_message());
	_Atomic int stop = 0, started = 0;
	pthread_t th[THREADS];
	swap_arg args[THREADS];
	for (int t = 0; t < THREADS; t++) {
		args[t] = (swap_arg){ .s = s, .stop = &stop, .started = &started };
		memcpy(args[t].ids, ids, sizeof ids);
		assert_int_equal(pthread_create(&th[t], NULL, swap_worker, &args[t]), 0);
	}
	/* the swaps start once every worker is scoring, however busy the machine */
	while (atomic_load(&started) < THREADS)
		sched_yield();
	for (int i = 1; i <= SWAPS; i++) {
		if (mlmd_scorer_swap(s, ids[i % N_MODELS]))
			fail_msg("swap %d: %s", i, mlmd_error_message());
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	stop = 1;
	long calls = 0;
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(args[t].torn, 0);
		assert_int_equal(args[t].wrong, 0);
		calls += args[t].calls;
	}
	assert_true(calls >= THREADS);
	assert_int_equal(mlmd_scorer_free(s), 0);
	/* every call was counted once */
	Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *rs;
	assert_int_equal(mlmd_store_get_executions(st, &rq, &rs), 0);
	assert_int_equal(rs->n_executions, 1);
	assert_int_equal(prop_int(rs->executions[0], "calls"), calls);
	assert_int_equal(prop_int(rs->executions[0], "models_served"), N_MODELS);
	assert_int_equal(prop_int(rs->executions[0], "swaps"), SWAPS);
	mlmd_message_free(rs);
	mlmd_store_free(st);
}

/* ---- interval flush, recorded batches ------------------------------------------------------ */

static void interval_flush_and_recorded_batches(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag4.onnx");
	write_tag_model(p, 4);
	int64_t a = record(st, p, "four");
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = a;
	o.flush_interval_ms = 10;
	o.record_batches = 1;
	mlmd_scorer *s;
	assert_int_equal(mlmd_scorer_open(&s, &o), 0);
	mlmd_scorer_ctx *c;
	assert_int_equal(mlmd_scorer_ctx_new(s, &c), 0);
	float x[6] = { 1, 2, 3, 4, 5, 6 };
	for (int i = 0; i < 3; i++) {
		mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1 + i, 2 }, .data = x }, out = { 0 };
		assert_int_equal(mlmd_scorer_score(c, &in, 1, &out, 1), 0);
	}
	/* the background thread writes without an explicit flush: wait for it
	 * (the bound only turns a flush that never comes into a failure) */
	int64_t exec_id = mlmd_scorer_execution_id(s);
	bool seen = false;
	for (int tries = 0; tries < 6000 && !seen; tries++) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
		Mlmd__Pb__GetExecutionsByIDResponse *ers;
		Mlmd__Pb__Execution *e = get_execution(st, exec_id, &ers);
		seen = prop_int(e, "rows") == 6;
		mlmd_message_free(ers);
	}
	assert_true(seen);
	mlmd_scorer_ctx_free(c);
	assert_int_equal(mlmd_scorer_free(s), 0);
	/* three ScoredBatch artifacts, OUTPUT of the execution, with the inputs' digests */
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByTypeResponse *rs;
	rq.type_name = "ScoredBatch";
	assert_int_equal(mlmd_store_get_artifacts_by_type(st, &rq, &rs), 0);
	assert_int_equal(rs->n_artifacts, 3);
	for (size_t i = 0; i < 3; i++) {
		int64_t rows = prop_int(rs->artifacts[i], "rows");
		assert_true(rows >= 1 && rows <= 3);
		unsigned char d[32];
		unsigned int dl;
		EVP_Digest(x, (size_t)rows * 2 * sizeof(float), d, &dl, EVP_sha256(), NULL);
		char want[80] = "sha256:";
		for (int k = 0; k < 32; k++)
			snprintf(want + 7 + 2 * k, 3, "%02x", d[k]);
		assert_string_equal(prop_str(rs->artifacts[i], "input_digest"), want);
	}
	mlmd_message_free(rs);
	Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
	evq.n_execution_ids = 1;
	evq.execution_ids = &exec_id;
	assert_int_equal(mlmd_store_get_events_by_execution_ids(st, &evq, &evs), 0);
	int outputs = 0;
	for (size_t i = 0; i < evs->n_events; i++)
		outputs += evs->events[i]->type == MLMD__PB__EVENT__TYPE__OUTPUT;
	assert_int_equal(outputs, 3);
	mlmd_message_free(evs);
	mlmd_store_free(st);
}

/* ---- records: atomic, complete, honest about verification --------------------------------- */

static size_t count_of_type(mlmd_store *st, bool execution, const char *type)
{
	size_t n;
	if (execution) {
		Mlmd__Pb__GetExecutionsByTypeRequest rq = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsByTypeResponse *rs;
		rq.type_name = (char *)type;
		if (mlmd_store_get_executions_by_type(st, &rq, &rs))
			fail_msg("executions of %s: %s", type, mlmd_error_message());
		n = rs->n_executions;
		mlmd_message_free(rs);
	} else {
		Mlmd__Pb__GetContextsByTypeRequest rq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
		Mlmd__Pb__GetContextsByTypeResponse *rs;
		rq.type_name = (char *)type;
		if (mlmd_store_get_contexts_by_type(st, &rq, &rs))
			fail_msg("contexts of %s: %s", type, mlmd_error_message());
		n = rs->n_contexts;
		mlmd_message_free(rs);
	}
	return n;
}

/* The Deployment context `name`: its id, and how many executions it holds,
 * each of which must have an INPUT event from `model`. */
static int64_t deployment_members(mlmd_store *st, const char *name, int64_t model, size_t *n_exec)
{
	Mlmd__Pb__GetContextByTypeAndNameRequest cq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *cs;
	cq.type_name = "Deployment";
	cq.context_name = (char *)name;
	assert_int_equal(mlmd_store_get_context_by_type_and_name(st, &cq, &cs), 0);
	if (!cs->context)
		fail_msg("no Deployment context '%s'", name);
	int64_t ctx = cs->context->id;
	mlmd_message_free(cs);
	Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *xs;
	xq.has_context_id = 1;
	xq.context_id = ctx;
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.has_max_result_size = 1;
	lo.max_result_size = 1000;
	xq.options = &lo;
	assert_int_equal(mlmd_store_get_executions_by_context(st, &xq, &xs), 0);
	*n_exec = xs->n_executions;
	for (size_t i = 0; i < xs->n_executions; i++) {
		int64_t id = xs->executions[i]->id;
		Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
		evq.n_execution_ids = 1;
		evq.execution_ids = &id;
		assert_int_equal(mlmd_store_get_events_by_execution_ids(st, &evq, &evs), 0);
		assert_int_equal(evs->n_events, 1);
		assert_int_equal(evs->events[0]->artifact_id, model);
		assert_int_equal(evs->events[0]->type, MLMD__PB__EVENT__TYPE__INPUT);
		mlmd_message_free(evs);
	}
	mlmd_message_free(xs);
	return ctx;
}

#define RACERS 8
#define RACES 12

typedef struct {
	pthread_barrier_t *go;
	const char *uri;
	int64_t model;
	char deployment[32];
	mlmd_scorer *s;
	int rc;
	char msg[256];
} racer;

static void *race_open(void *p)
{
	racer *r = p;
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = r->uri;
	o.artifact_id = r->model;
	o.deployment = r->deployment;
	pthread_barrier_wait(r->go); /* every scorer starts at once */
	r->rc = mlmd_scorer_open(&r->s, &o);
	if (r->rc)
		snprintf(r->msg, sizeof r->msg, "%s", mlmd_error_message());
	return NULL;
}

/* Scorers (threads of one process) starting on one new deployment at the
 * same moment: every one starts, there is exactly one Deployment context,
 * and every serving execution is in it with its model's INPUT event.
 * tests/test_concurrency.c races processes the same way, on every backend. */
static void scorers_race_on_one_deployment(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag-race.onnx");
	write_tag_model(p, 7);
	int64_t model = record(st, p, "race");
	int failed = 0;
	for (int round = 0; round < RACES; round++) {
		pthread_barrier_t go;
		assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
		racer r[RACERS];
		pthread_t th[RACERS];
		for (int i = 0; i < RACERS; i++) {
			r[i] = (racer){ .go = &go, .uri = uri, .model = model };
			snprintf(r[i].deployment, sizeof r[i].deployment, "race-%d", round);
			assert_int_equal(pthread_create(&th[i], NULL, race_open, &r[i]), 0);
		}
		for (int i = 0; i < RACERS; i++) {
			pthread_join(th[i], NULL);
			if (r[i].rc) {
				if (!failed++)
					print_message("round %d: a scorer failed to start: %s\n", round, r[i].msg);
			} else {
				assert_int_equal(mlmd_scorer_free(r[i].s), 0);
			}
		}
		pthread_barrier_destroy(&go);
		char name[32];
		snprintf(name, sizeof name, "race-%d", round);
		size_t n = 0;
		deployment_members(st, name, model, &n);
		if (!failed)
			assert_int_equal(n, RACERS);
	}
	assert_int_equal(failed, 0);
	assert_int_equal(count_of_type(st, false, "Deployment"), RACES);
	assert_int_equal(count_of_type(st, true, "ModelServing"), RACERS * RACES);
	mlmd_store_free(st);
}

/* A failure while the serving record is written leaves nothing behind: no
 * execution without its deployment, no deployment without its execution.
 * (The store refuses the association with a trigger, as a failing disk or
 * a lost server would refuse any write.) */
static void serving_record_is_atomic(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag-atomic.onnx");
	write_tag_model(p, 8);
	int64_t model = record(st, p, "atomic");
	mlmd_store_free(st);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(uri + 7, &db), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, "CREATE TRIGGER refuse_association BEFORE INSERT ON association "
			     "BEGIN SELECT RAISE(ABORT, 'association refused by the test'); END", NULL, NULL, &err))
		fail_msg("trigger: %s", err);
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = model;
	o.deployment = "atomic";
	mlmd_scorer *s = NULL;
	int rc = mlmd_scorer_open(&s, &o);
	assert_true(rc < 0);
	assert_null(s);
	assert_non_null(strstr(mlmd_error_message(), "association refused by the test"));
	st = open_store_uri(uri);
	assert_int_equal(count_of_type(st, true, "ModelServing"), 0);
	assert_int_equal(count_of_type(st, false, "Deployment"), 0);
	/* with the store writable again, the same scorer starts and is whole */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER refuse_association", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(mlmd_scorer_open(&s, &o), 0);
	size_t n = 0;
	deployment_members(st, "atomic", model, &n);
	assert_int_equal(n, 1);
	assert_int_equal(mlmd_scorer_free(s), 0);
	mlmd_store_free(st);
}

static int prop_bool(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 0, name);
	if (!v || v->value_case != MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		fail_msg("no bool property %s", name);
	return v->bool_value;
}

static int64_t serve_once(const char *uri, int64_t model, int allow_unverified, const char *deployment)
{
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = model;
	o.allow_unverified = allow_unverified;
	o.deployment = deployment;
	mlmd_scorer *s;
	if (mlmd_scorer_open(&s, &o))
		fail_msg("open: %s", mlmd_error_message());
	int64_t id = mlmd_scorer_execution_id(s);
	assert_int_equal(mlmd_scorer_free(s), 0);
	return id;
}

static char *render(mlmd_store *st, int64_t id, int execution, int format)
{
	mlmd_lineage_render_options ro = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	ro.id = id;
	ro.execution = execution;
	ro.upstream = 1;
	ro.downstream = 1;
	ro.format = format;
	char *out = NULL;
	if (mlmd_lineage_render(st, &ro, &out))
		fail_msg("render: %s", mlmd_error_message());
	return out;
}

/* model_verified: true when the file matched its recorded digest, false
 * when it was served without that (allow_unverified), also after a swap to
 * such a model; lineage marks unverified serving in every format and never
 * marks verified serving. */
static void unverified_serving_is_recorded(void **state)
{
	(void)state;
	char uri[700], p1[600], p2[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p1, sizeof p1, "tag-good.onnx");
	path_in(p2, sizeof p2, "tag-bad.onnx");
	write_tag_model(p1, 1);
	write_tag_model(p2, 2);
	int64_t good = record(st, p1, "good"), bad = record(st, p2, "bad");
	write_tag_model(p2, 3); /* changed after it was recorded */

	int64_t e_good = serve_once(uri, good, 0, "v");
	int64_t e_good_allowed = serve_once(uri, good, 1, "v"); /* matches, but a scorer that allows anything verifies nothing */
	int64_t e_bad = serve_once(uri, bad, 1, "v");
	Mlmd__Pb__GetExecutionsByIDResponse *ers;
	assert_true(prop_bool(get_execution(st, e_good, &ers), "model_verified"));
	mlmd_message_free(ers);
	assert_false(prop_bool(get_execution(st, e_good_allowed, &ers), "model_verified"));
	mlmd_message_free(ers);
	assert_false(prop_bool(get_execution(st, e_bad, &ers), "model_verified"));
	mlmd_message_free(ers);

	/* a scorer that allows unverified models: unverified from its first record on, and after
	 * swaps to a mismatching model and back */
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = good;
	o.allow_unverified = 1;
	o.deployment = "w";
	mlmd_scorer *s;
	assert_int_equal(mlmd_scorer_open(&s, &o), 0);
	int64_t e_swap = mlmd_scorer_execution_id(s);
	assert_false(prop_bool(get_execution(st, e_swap, &ers), "model_verified"));
	mlmd_message_free(ers);
	assert_int_equal(mlmd_scorer_swap(s, bad), 0);
	assert_false(prop_bool(get_execution(st, e_swap, &ers), "model_verified"));
	mlmd_message_free(ers);
	assert_int_equal(mlmd_scorer_swap(s, good), 0); /* back: it served an unverified model all the same */
	assert_int_equal(mlmd_scorer_free(s), 0);
	assert_false(prop_bool(get_execution(st, e_swap, &ers), "model_verified"));
	mlmd_message_free(ers);

	/* lineage: the unverified serving is marked in the tree, DOT and JSON; the verified one is not */
	char *t = render(st, bad, 0, MLMD_RENDER_TREE);
	char line[64];
	snprintf(line, sizeof line, "ModelServing #%lld", (long long)e_bad);
	const char *at = strstr(t, line);
	if (!at || !strstr(at, "model NOT verified") || strchr(at, '\n') < strstr(at, "model NOT verified"))
		fail_msg("tree does not mark execution %lld as unverified:\n%s", (long long)e_bad, t);
	mlmd_buffer_free(t);
	t = render(st, good, 0, MLMD_RENDER_TREE);
	snprintf(line, sizeof line, "ModelServing #%lld", (long long)e_good);
	at = strstr(t, line);
	assert_non_null(at);
	const char *eol = strchr(at, '\n');
	const char *mark = strstr(at, "NOT verified");
	if (mark && (!eol || mark < eol))
		fail_msg("tree marks verified execution %lld as unverified:\n%s", (long long)e_good, t);
	/* the swapped execution read both models: marked wherever it appears */
	snprintf(line, sizeof line, "ModelServing #%lld [COMPLETE] (model NOT verified)", (long long)e_swap);
	if (!strstr(t, line))
		fail_msg("tree lacks '%s':\n%s", line, t);
	mlmd_buffer_free(t);
	t = render(st, e_bad, 1, MLMD_RENDER_DOT);
	snprintf(line, sizeof line, "ModelServing #%lld [COMPLETE] (model NOT verified)", (long long)e_bad);
	if (!strstr(t, line))
		fail_msg("DOT lacks '%s':\n%s", line, t);
	mlmd_buffer_free(t);
	t = render(st, bad, 0, MLMD_RENDER_JSON);
	snprintf(line, sizeof line, "\"kind\":\"execution\",\"id\":%lld,", (long long)e_bad);
	at = strstr(t, line);
	assert_non_null(at);
	const char *end = strchr(at, '}');
	mark = strstr(at, "\"model_verified\":false");
	if (!mark || mark > end)
		fail_msg("JSON does not mark execution %lld:\n%s", (long long)e_bad, t);
	mlmd_buffer_free(t);
	t = render(st, good, 0, MLMD_RENDER_JSON);
	snprintf(line, sizeof line, "\"kind\":\"execution\",\"id\":%lld,", (long long)e_good);
	at = strstr(t, line);
	assert_non_null(at);
	end = strchr(at, '}');
	mark = strstr(at, "\"model_verified\":true");
	if (!mark || mark > end)
		fail_msg("JSON does not say execution %lld served a verified model:\n%s", (long long)e_good, t);
	mlmd_buffer_free(t);
	mlmd_store_free(st);
}

/* A store whose ModelServing type predates model_verified: the first scorer
 * adds the property to the type (MLMD type evolution) and records it. A
 * Deployment context that already exists, with a property of its user's,
 * is reused as it is. */
static void serving_type_gains_model_verified(void **state)
{
	(void)state;
	char uri[700], p[600];
	mlmd_store *st = open_store(uri, sizeof uri);
	path_in(p, sizeof p, "tag-old.onnx");
	write_tag_model(p, 4);
	int64_t model = record(st, p, "old");
	/* the type as earlier releases declared it (without model_verified) */
	static const char *const old_props[] = { "host", "pid", "library_version", "deployment", "started_ms",
		"updated_ms", "rows", "calls", "errors", "models_served", "swaps" };
	Mlmd__Pb__ExecutionType *et = mlmd_message_new(&mlmd__pb__execution_type__descriptor);
	assert_int_equal(mlmd_message_set_string(et, "name", "ModelServing"), 0);
	for (size_t i = 0; i < sizeof old_props / sizeof *old_props; i++)
		assert_int_equal(mlmd_type_add_property(et, old_props[i],
			i == 0 || i == 2 || i == 3 ? MLMD__PB__PROPERTY_TYPE__STRING : MLMD__PB__PROPERTY_TYPE__INT), 0);
	Mlmd__Pb__PutExecutionTypeRequest trq;
	mlmd__pb__put_execution_type_request__init(&trq);
	trq.execution_type = et;
	Mlmd__Pb__PutExecutionTypeResponse *trs;
	assert_int_equal(mlmd_store_put_execution_type(st, &trq, &trs), 0);
	mlmd_message_free(trs);
	mlmd_message_free(et);
	/* a Deployment context someone made, with a custom property */
	Mlmd__Pb__ContextType *ct = mlmd_message_new(&mlmd__pb__context_type__descriptor);
	assert_int_equal(mlmd_message_set_string(ct, "name", "Deployment"), 0);
	Mlmd__Pb__PutContextTypeRequest crq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
	crq.context_type = ct;
	Mlmd__Pb__PutContextTypeResponse *crs;
	assert_int_equal(mlmd_store_put_context_type(st, &crq, &crs), 0);
	Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
	c->has_type_id = 1;
	c->type_id = crs->type_id;
	mlmd_message_free(crs);
	mlmd_message_free(ct);
	assert_int_equal(mlmd_message_set_string(c, "name", "legacy"), 0);
	assert_int_equal(mlmd_node_set_string(c, 1, "owner", "team-a"), 0);
	Mlmd__Pb__PutContextsRequest pcq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	pcq.n_contexts = 1;
	pcq.contexts = &c;
	Mlmd__Pb__PutContextsResponse *pcs;
	assert_int_equal(mlmd_store_put_contexts(st, &pcq, &pcs), 0);
	int64_t legacy = pcs->context_ids[0];
	mlmd_message_free(pcs);
	mlmd_message_free(c);

	int64_t e = serve_once(uri, model, 0, "legacy");
	Mlmd__Pb__GetExecutionTypeRequest gq = MLMD__PB__GET_EXECUTION_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypeResponse *gs;
	gq.type_name = "ModelServing";
	assert_int_equal(mlmd_store_get_execution_type(st, &gq, &gs), 0);
	bool declared = false;
	for (size_t i = 0; i < gs->execution_type->n_properties; i++)
		if (!strcmp(gs->execution_type->properties[i]->key, "model_verified")) {
			declared = true;
			assert_int_equal(gs->execution_type->properties[i]->value, MLMD__PB__PROPERTY_TYPE__BOOLEAN);
		}
	assert_true(declared);
	mlmd_message_free(gs);
	Mlmd__Pb__GetExecutionsByIDResponse *ers;
	assert_true(prop_bool(get_execution(st, e, &ers), "model_verified"));
	mlmd_message_free(ers);
	size_t n = 0;
	assert_int_equal(deployment_members(st, "legacy", model, &n), legacy);
	assert_int_equal(n, 1);
	Mlmd__Pb__GetContextsByIDRequest q = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *r;
	q.n_context_ids = 1;
	q.context_ids = &legacy;
	assert_int_equal(mlmd_store_get_contexts_by_id(st, &q, &r), 0);
	const Mlmd__Pb__Value *owner = mlmd_node_get(r->contexts[0], 1, "owner");
	assert_non_null(owner);
	assert_string_equal(owner->string_value, "team-a");
	mlmd_message_free(r);
	mlmd_store_free(st);
}

static int setup(void **state)
{
	(void)state;
	const char *base = getenv("MLMD_TEST_TMP");
	snprintf(dir, sizeof dir, "%s/serving-%d", base ? base : "/tmp", (int)getpid());
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

int main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(record_verify_and_refuse),
		cmocka_unit_test(scorer_records_serving_lineage),
		cmocka_unit_test(scorer_open_refuses),
		cmocka_unit_test(options_versions_are_checked),
		cmocka_unit_test(swap_under_load),
		cmocka_unit_test(interval_flush_and_recorded_batches),
		cmocka_unit_test(scorers_race_on_one_deployment),
		cmocka_unit_test(serving_record_is_atomic),
		cmocka_unit_test(unverified_serving_is_recorded),
		cmocka_unit_test(serving_type_gains_model_verified),
		cmocka_unit_test(scorer_has_a_default_scratch_limit),
		cmocka_unit_test(class_counts_from_a_late_output),
		cmocka_unit_test(model_uris_are_absolute_and_decoded_strictly),
	};
	/* `test_serving swap` runs only the hot-swap test (the ThreadSanitizer build does) */
	if (argc > 1 && strcmp(argv[1], "swap") == 0) {
		const struct CMUnitTest one[] = { cmocka_unit_test(swap_under_load) };
		return cmocka_run_group_tests(one, setup, teardown);
	}
	return cmocka_run_group_tests(all, setup, teardown);
}

/*
 * The scorer: loading and refusing models, inspection, the tree engine's
 * semantics (branch modes, missing values, thresholds, aggregation, post
 * transforms, binary classifiers), XGBoost JSON, output ownership, sharing a
 * model between threads, and no allocation per call once warm. Models are
 * built here with tests/onnx_build.h; real exported models are covered by
 * tests/python/test_scorer_models.py and the ONNX node tests.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "mlmd.h"
#include "onnx_build.h"

/* ---- allocation counting (the binary is linked with --wrap for these) ---- */

/* n_bytes adds up every size asked for (never subtracting frees), so it is
 * an upper bound of the peak memory of what ran in between. */
static _Atomic long n_allocs;
static _Atomic size_t n_bytes;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) { n_allocs++; n_bytes += n; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { n_allocs++; n_bytes += n * m; return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { n_allocs++; n_bytes += n; return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { n_allocs++; n_bytes += n; return __real_aligned_alloc(a, n); }

/* ---- helpers ------------------------------------------------------------------------- */

static mlmd_model *load_ok(ob *b)
{
	size_t len;
	uint8_t *bytes = ob_pack(b, &len);
	mlmd_model *m = NULL;
	int rc = mlmd_model_load_buffer(&m, bytes, len, "test");
	if (rc)
		fail_msg("load failed: %s", mlmd_error_message());
	return m;
}

/* Loads and expects failure with code and a message containing `needle`. */
static void load_fails(ob *b, int code, const char *needle)
{
	size_t len;
	uint8_t *bytes = ob_pack(b, &len);
	mlmd_model *m = NULL;
	int rc = mlmd_model_load_buffer(&m, bytes, len, NULL);
	if (rc == 0)
		fail_msg("load succeeded, expected %s", needle);
	assert_null(m);
	if (rc != -code || !strstr(mlmd_error_message(), needle))
		fail_msg("got %d '%s', expected %d '%s'", rc, mlmd_error_message(), -code, needle);
}

static void buffer_fails(const void *p, size_t len, int code, const char *needle)
{
	mlmd_model *m = NULL;
	int rc = mlmd_model_load_buffer(&m, p, len, NULL);
	assert_null(m);
	if (rc != -code || !strstr(mlmd_error_message(), needle))
		fail_msg("got %d '%s', expected %d '%s'", rc, mlmd_error_message(), -code, needle);
}

static mlmd_tensor tf32(float *data, int64_t rows, int64_t cols)
{
	mlmd_tensor t = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .data = data };
	t.dims[0] = rows;
	t.dims[1] = cols;
	return t;
}

/* A one-node TreeEnsembleRegressor graph: X float [N, F] -> Y [N, T]. */
static void tree_graph(ob *b, int features, int targets, ob_attr **attrs, size_t n_attrs)
{
	ob_opset(b, "ai.onnx.ml", 3);
	Mlmd__Onnx__NodeProto *n = ob_node(b, "TreeEnsembleRegressor", "ai.onnx.ml", "trees", "X", "Y", NULL);
	for (size_t i = 0; i < n_attrs; i++)
		n->attribute[n->n_attribute++] = attrs[i];
	ob_input(b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, features });
	ob_output(b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, targets });
}

/* A stump: node 0 compares feature 0 with thr by mode; leaf 1 (true) = 1, leaf 2 (false) = 2. */
static mlmd_model *stump(const char *mode, float thr, int missing_true)
{
	ob b = { 0 };
	const char *modes[] = { mode, "LEAF", "LEAF" };
	ob_attr *attrs[] = {
		ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0 }, 3),
		ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2 }, 3),
		ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0 }, 3),
		ob_strings(&b, "nodes_modes", modes, 3),
		ob_floats(&b, "nodes_values", (float[]){ thr, 0, 0 }, 3),
		ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0 }, 3),
		ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0 }, 3),
		ob_ints(&b, "nodes_missing_value_tracks_true", (int64_t[]){ missing_true, 0, 0 }, 3),
		ob_ints(&b, "target_treeids", (int64_t[]){ 0, 0 }, 2),
		ob_ints(&b, "target_nodeids", (int64_t[]){ 1, 2 }, 2),
		ob_ints(&b, "target_ids", (int64_t[]){ 0, 0 }, 2),
		ob_floats(&b, "target_weights", (float[]){ 1, 2 }, 2),
	};
	tree_graph(&b, 1, 1, attrs, sizeof attrs / sizeof *attrs);
	mlmd_model *m = load_ok(&b);
	ob_free(&b);
	return m;
}

static float score1(mlmd_model *m, float x)
{
	float out[4];
	mlmd_tensor in = tf32(&x, 1, 1), o = { .data = out, .capacity = 4 };
	if (mlmd_model_score(m, NULL, &in, 1, &o, 1))
		fail_msg("score: %s", mlmd_error_message());
	return out[0];
}

/* ---- refusing bad bytes -------------------------------------------------------------- */

static void refuses_non_models(void **state)
{
	(void)state;
	buffer_fails("", 0, MLMD_INVALID_ARGUMENT, "empty model");
	buffer_fails("\xff\xff\xff\xff\xff", 5, MLMD_INVALID_ARGUMENT, "not a valid ONNX model");
	const char *pfa = "{\"input\": \"double\", \"output\": \"double\", \"action\": [{\"+\": [\"input\", 1]}]}";
	buffer_fails(pfa, strlen(pfa), MLMD_UNIMPLEMENTED, "PFA is not supported: export the model as ONNX");
	const char *pfa_yaml = "input: double\noutput: double\naction:\n  - {+: [input, 1]}\n";
	buffer_fails(pfa_yaml, strlen(pfa_yaml), MLMD_UNIMPLEMENTED, "PFA");
	const char *pmml = "<?xml version=\"1.0\"?>\n<PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"/>";
	buffer_fails(pmml, strlen(pmml), MLMD_INVALID_ARGUMENT, "PMML line 2: <PMML>: no DataDictionary");
	const char *xml = "<?xml version=\"1.0\"?>\n<svg/>";
	buffer_fails(xml, strlen(xml), MLMD_INVALID_ARGUMENT, "not a PMML model");
	const char saved[] = "\x08\x01\x12\x10tensorflow/serving";
	buffer_fails(saved, sizeof saved - 1, MLMD_UNIMPLEMENTED, "SavedModel");
	const char *json = "{\"weights\": [1, 2, 3]}";
	buffer_fails(json, strlen(json), MLMD_INVALID_ARGUMENT, "not an XGBoost model");
	mlmd_model *m = NULL;
	/* a SavedModel is a directory with saved_model.pb in it */
	char dir[256], pb[300];
	snprintf(dir, sizeof dir, "%s/savedmodel-%d", getenv("MLMD_TEST_TMP") ? getenv("MLMD_TEST_TMP") : "/tmp", (int)getpid());
	mkdir(dir, 0700);
	assert_int_equal(mlmd_model_load_file(&m, dir), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "is a directory"));
	snprintf(pb, sizeof pb, "%s/saved_model.pb", dir);
	FILE *f = fopen(pb, "wb");
	fwrite(saved, 1, sizeof saved - 1, f);
	fclose(f);
	assert_int_equal(mlmd_model_load_file(&m, dir), -MLMD_UNIMPLEMENTED);
	assert_non_null(strstr(mlmd_error_message(), "TensorFlow SavedModel"));
	unlink(pb);
	rmdir(dir);
	assert_int_equal(mlmd_model_load_file(&m, "/nonexistent/model.onnx"), -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_message(), "/nonexistent/model.onnx"));
}

/* Every prefix of a valid model fails cleanly or loads; none crashes. */
static void truncated_models_never_crash(void **state)
{
	(void)state;
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ 3, 2 }, (float[]){ 1, 2, 3, 4, 5, 6 }, 6));
	ob_node(&b, "MatMul", "", "mm", "X,W", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	int failures = 0;
	for (size_t cut = 0; cut < len; cut++) {
		mlmd_model *m = NULL;
		int rc = mlmd_model_load_buffer(&m, bytes, cut, NULL);
		if (rc) {
			failures++;
			assert_true(rc == -MLMD_INVALID_ARGUMENT || rc == -MLMD_UNIMPLEMENTED);
			assert_true(strlen(mlmd_error_message()) > 10);
		}
		mlmd_model_free(m);
	}
	assert_true(failures > (int)len / 2);
	ob_free(&b);
}

static void refuses_unsupported_op_domain_type(void **state)
{
	(void)state;
	ob b = { 0 };
	ob_opset(&b, "", 14);
	ob_node(&b, "LSTM", "", "x", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "node 'x' (ai.onnx::LSTM, opset 14): operator not supported");
	ob_free(&b);

	ob_opset(&b, "", 14);
	ob_opset(&b, "com.microsoft", 1);
	ob_node(&b, "FusedGemm", "com.microsoft", "f", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "domain 'com.microsoft' is not supported");
	ob_free(&b);

	ob_opset(&b, "", 14);
	ob_node(&b, "Relu", "", "r", "X", "Y", NULL);
	ob_input(&b, "X", 10 /* FLOAT16 */, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", 10, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "input 'X': element type FLOAT16 is not supported");
	ob_free(&b);

	/* types are checked at load where they are known */
	ob_opset(&b, "", 14);
	ob_node(&b, "Sqrt", "", "sq", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_INT64, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_INT64, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "node 'sq' (ai.onnx::Sqrt, opset 14): input 'X' has element type INT64, "
		"which this operator does not take");
	ob_free(&b);
	ob_opset(&b, "", 14);
	ob_node(&b, "Cast", "", "c", "X", "D", ob_int(&b, "to", MLMD_DTYPE_DOUBLE), NULL);
	ob_node(&b, "Add", "", "add", "X,D", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "inputs 'X' and 'D' have different element types (FLOAT, DOUBLE)");
	ob_free(&b);

	ob_opset(&b, "", 22);
	ob_node(&b, "Relu", "", "r", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "ai.onnx opset 22 is not supported");
	ob_free(&b);

	ob_opset(&b, "", 13);
	ob_opset(&b, "ai.onnx.ml", 3);
	ob_node(&b, "SVMClassifier", "ai.onnx.ml", "svm", "X", "L,P", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "L", MLMD_DTYPE_INT64, -1, NULL);
	load_fails(&b, MLMD_UNIMPLEMENTED, "node 'svm' (ai.onnx.ml::SVMClassifier, opset 3): operator not supported");
	ob_free(&b);
}

static void refuses_malformed_graphs(void **state)
{
	(void)state;
	ob b = { 0 };
	/* initializer whose data does not match its dims */
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ 2, 3 }, (float[]){ 1, 2, 3, 4, 5 }, 5));
	ob_node(&b, "MatMul", "", "mm", "X,W", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "initializer 'W': dims say 6 element(s), the data holds 5");
	ob_free(&b);

	/* absurd dimensions */
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ (int64_t)1 << 40, (int64_t)1 << 40 }, NULL, 0));
	ob_node(&b, "Identity", "", "i", "W", "Y", NULL);
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "dimensions describe more than 2^34 elements");
	ob_free(&b);

	/* a cycle */
	ob_opset(&b, "", 13);
	ob_node(&b, "Relu", "", "a", "B", "A", NULL);
	ob_node(&b, "Relu", "", "b", "A", "B", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "A", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "the graph has a cycle");
	ob_free(&b);

	/* an input nobody produces */
	ob_opset(&b, "", 13);
	ob_node(&b, "Add", "", "add", "X,Nowhere", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "node 'add': input 'Nowhere' is not a graph input");
	ob_free(&b);

	/* a required input left without a name */
	ob_opset(&b, "", 13);
	ob_node(&b, "Add", "", "add", "X,", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "node 'add' (ai.onnx::Add, opset 13): input 1 is required but has no name");
	ob_free(&b);

	/* an output nobody produces, a value defined twice */
	ob_opset(&b, "", 13);
	ob_node(&b, "Relu", "", "r", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Z", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "graph output 'Z' is not produced");
	ob_free(&b);
	ob_opset(&b, "", 13);
	ob_node(&b, "Relu", "", "r1", "X", "Y", NULL);
	ob_node(&b, "Relu", "", "r2", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "value 'Y' is defined twice");
	ob_free(&b);

	/* a tree whose child id does not exist, and one that loops */
	const char *modes[] = { "BRANCH_LEQ", "LEAF", "LEAF" };
	for (int k = 0; k < 2; k++) {
		int64_t t0 = k == 0 ? 99 : 0;
		ob_attr *attrs[] = {
			ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0 }, 3),
			ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2 }, 3),
			ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0 }, 3),
			ob_strings(&b, "nodes_modes", modes, 3),
			ob_floats(&b, "nodes_values", (float[]){ 0, 0, 0 }, 3),
			ob_ints(&b, "nodes_truenodeids", (int64_t[]){ t0, 0, 0 }, 3),
			ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0 }, 3),
			ob_ints(&b, "target_treeids", (int64_t[]){ 0 }, 1),
			ob_ints(&b, "target_nodeids", (int64_t[]){ 1 }, 1),
			ob_ints(&b, "target_ids", (int64_t[]){ 0 }, 1),
			ob_floats(&b, "target_weights", (float[]){ 1 }, 1),
		};
		tree_graph(&b, 1, 1, attrs, sizeof attrs / sizeof *attrs);
		load_fails(&b, MLMD_INVALID_ARGUMENT, k == 0 ? "true node id 99 does not exist" : "has a cycle");
		ob_free(&b);
	}

	/* arrays of different lengths, a vote on a non-leaf, a target out of range */
	ob_attr *attrs[] = {
		ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0 }, 3),
		ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2 }, 3),
		ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0 }, 2),
		ob_strings(&b, "nodes_modes", modes, 3),
		ob_floats(&b, "nodes_values", (float[]){ 0, 0, 0 }, 3),
		ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0 }, 3),
		ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0 }, 3),
	};
	tree_graph(&b, 1, 1, attrs, sizeof attrs / sizeof *attrs);
	load_fails(&b, MLMD_INVALID_ARGUMENT, "node attribute arrays differ in length");
	ob_free(&b);
}

/* Messages nested past the limit are refused before protobuf-c recurses. */
static void refuses_deep_nesting(void **state)
{
	(void)state;
	/* GraphProto { node { attribute { g: GraphProto { ... } } } }, 200 levels */
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap), *tmp = malloc(cap);
	for (int level = 0; level < 200; level++) {
		/* wrap as AttributeProto.g (field 6), NodeProto.attribute (5), GraphProto.node (1) */
		int fields[3] = { 6, 5, 1 };
		for (int f = 0; f < 3; f++) {
			size_t n = 0;
			tmp[n++] = (uint8_t)(fields[f] << 3 | 2);
			size_t l = len;
			do {
				tmp[n++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
				l >>= 7;
			} while (l);
			memcpy(tmp + n, buf, len);
			len += n;
			memcpy(buf, tmp, len);
		}
	}
	/* ModelProto { ir_version: 8, graph (7): ... } */
	size_t n = 0;
	tmp[n++] = 0x08;
	tmp[n++] = 8;
	tmp[n++] = 7 << 3 | 2;
	size_t l = len;
	do {
		tmp[n++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
		l >>= 7;
	} while (l);
	memcpy(tmp + n, buf, len);
	buffer_fails(tmp, n + len, MLMD_INVALID_ARGUMENT, "nests messages deeper than");
	free(buf);
	free(tmp);
}

/* ---- inspection ----------------------------------------------------------------------- */

static void inspects_signature_and_metadata(void **state)
{
	(void)state;
	ob b = { 0 };
	b.producer = "skl2onnx";
	ob_opset(&b, "", 15);
	ob_opset(&b, "ai.onnx.ml", 3);
	ob_meta(&b, "model_author", "tests");
	ob_node(&b, "LinearClassifier", "ai.onnx.ml", "lin", "X", "label,probs",
		ob_floats(&b, "coefficients", (float[]){ 1, 0, 0, 1, -1, -1 }, 6),
		ob_floats(&b, "intercepts", (float[]){ 0, 0, 0 }, 3),
		ob_strings(&b, "classlabels_strings", (const char *[]){ "a", "b", "c" }, 3),
		ob_string(&b, "post_transform", "SOFTMAX"), NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "label", MLMD_DTYPE_STRING, 1, (int64_t[]){ -1 });
	ob_output(&b, "probs", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	assert_string_equal(mlmd_model_format(m), "onnx");
	assert_string_equal(mlmd_model_producer(m), "skl2onnx");
	assert_int_equal(mlmd_model_ir_version(m), 8);
	assert_int_equal(mlmd_model_opset_count(m), 2);
	const char *dom, *key, *val;
	int64_t ver;
	assert_int_equal(mlmd_model_opset(m, 1, &dom, &ver), 0);
	assert_string_equal(dom, "ai.onnx.ml");
	assert_int_equal(ver, 3);
	assert_int_equal(mlmd_model_opset(m, 2, &dom, &ver), -MLMD_OUT_OF_RANGE);
	assert_int_equal(mlmd_model_metadata_count(m), 1);
	assert_int_equal(mlmd_model_metadata(m, 0, &key, &val), 0);
	assert_string_equal(key, "model_author");
	assert_string_equal(val, "tests");
	assert_int_equal(mlmd_model_input_count(m), 1);
	const mlmd_value_info *in = mlmd_model_input(m, 0);
	assert_string_equal(in->name, "X");
	assert_int_equal(in->dtype, MLMD_DTYPE_FLOAT);
	assert_int_equal(in->rank, 2);
	assert_int_equal(in->dims[0], -1);
	assert_string_equal(in->dim_names[0], "N");
	assert_int_equal(in->dims[1], 2);
	assert_int_equal(mlmd_model_input_index(m, "X"), 0);
	assert_int_equal(mlmd_model_input_index(m, "nope"), -1);
	const mlmd_value_info *probs = mlmd_model_output(m, 1);
	assert_int_equal(probs->n_labels, 3);
	assert_string_equal(probs->labels_string[2], "c");
	assert_null(mlmd_model_output(m, 2));

	/* scoring: string labels, softmax probabilities */
	float x[4] = { 2, 0, 0, 3 };
	mlmd_tensor in_t = tf32(x, 2, 2), out[2] = { { 0 } };
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_model_score(m, ctx, &in_t, 1, out, 2), 0);
	assert_int_equal(out[0].dtype, MLMD_DTYPE_STRING);
	assert_string_equal(((const char **)out[0].data)[0], "a");
	assert_string_equal(((const char **)out[0].data)[1], "b");
	const float *p = out[1].data;
	double e0 = exp(2), e1 = exp(0), e2 = exp(-2);
	assert_float_equal(p[0], e0 / (e0 + e1 + e2), 1e-6);
	/* a string output with no context cannot outlive the call */
	const char *lbl[2];
	mlmd_tensor o2[1] = { { .data = lbl, .capacity = 2 } };
	assert_int_equal(mlmd_model_score(m, NULL, &in_t, 1, o2, 1), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "needs a score context"));
	mlmd_score_ctx_free(ctx);
	/* references */
	assert_ptr_equal(mlmd_model_ref(m), m);
	mlmd_model_free(m);
	assert_string_equal(mlmd_model_format(m), "onnx");
	mlmd_model_free(m);
	ob_free(&b);
}

/* ---- tree semantics --------------------------------------------------------------------- */

static void branch_modes_and_missing_values(void **state)
{
	(void)state;
	struct {
		const char *mode;
		float x;
		float want;
	} cases[] = {
		{ "BRANCH_LEQ", 0.5f, 1 }, { "BRANCH_LEQ", 0.6f, 2 }, { "BRANCH_LT", 0.5f, 2 }, { "BRANCH_LT", 0.4f, 1 },
		{ "BRANCH_GTE", 0.5f, 1 }, { "BRANCH_GTE", 0.4f, 2 }, { "BRANCH_GT", 0.5f, 2 }, { "BRANCH_GT", 0.6f, 1 },
		{ "BRANCH_EQ", 0.5f, 1 }, { "BRANCH_EQ", 0.6f, 2 }, { "BRANCH_NEQ", 0.5f, 2 }, { "BRANCH_NEQ", 0.6f, 1 },
		{ "BRANCH_LEQ", INFINITY, 2 }, { "BRANCH_GT", -INFINITY, 2 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mlmd_model *m = stump(cases[i].mode, 0.5f, 0);
		if (score1(m, cases[i].x) != cases[i].want)
			fail_msg("%s x=%g: got %g, want %g", cases[i].mode, cases[i].x, score1(m, cases[i].x), cases[i].want);
		/* NaN goes by the missing flag, whatever the comparison would say */
		assert_true(score1(m, NAN) == 2.0f);
		mlmd_model_free(m);
		m = stump(cases[i].mode, 0.5f, 1);
		assert_true(score1(m, NAN) == 1.0f);
		mlmd_model_free(m);
	}
}

/* Thresholds stay in the model's type: a float input is compared with a
 * double threshold exactly, never with a re-rounded one. */
static void double_thresholds_are_kept(void **state)
{
	(void)state;
	const char *modes[] = { "BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF" };
	double thr = 0.1; /* (float)0.1 = 0.100000001 > 0.1 */
	ob b = { 0 };
	ob_attr *attrs[] = {
		ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0, 1, 1, 1 }, 6),
		ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2, 0, 1, 2 }, 6),
		ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0, 0, 0, 0 }, 6),
		ob_strings(&b, "nodes_modes", modes, 6),
		ob_tensor_attr(&b, "nodes_values_as_tensor",
			ob_tensor_new(&b, NULL, MLMD_DTYPE_DOUBLE, 1, (int64_t[]){ 6 }, (double[]){ thr, 0, 0, thr, 0, 0 }, 6)),
		ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0, 1, 0, 0 }, 6),
		ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0, 2, 0, 0 }, 6),
		ob_ints(&b, "target_treeids", (int64_t[]){ 0, 0, 1, 1 }, 4),
		ob_ints(&b, "target_nodeids", (int64_t[]){ 1, 2, 1, 2 }, 4),
		ob_ints(&b, "target_ids", (int64_t[]){ 0, 0, 1, 1 }, 4),
		ob_floats(&b, "target_weights", (float[]){ 1, 2, 1, 2 }, 4),
		ob_int(&b, "n_targets", 2),
	};
	tree_graph(&b, 1, 2, attrs, sizeof attrs / sizeof *attrs);
	mlmd_model *m = load_ok(&b);
	float xs[3] = { 0.1f, nextafterf(0.1f, 0), 0.5f };
	float out[6];
	mlmd_tensor in = tf32(xs, 3, 1), o = { .data = out, .capacity = 6 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	/* 0.1f > 0.1: both "<= 0.1" and "< 0.1" are false */
	assert_true(out[0] == 2 && out[1] == 2);
	/* the float just below 0.1f is below 0.1: both true */
	assert_true(out[2] == 1 && out[3] == 1);
	assert_true(out[4] == 2 && out[5] == 2);
	/* double input: compared in double */
	double xd[2] = { 0.1, 0.1000000000000001 };
	mlmd_tensor ind = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 2, .dims = { 2, 1 }, .data = xd };
	/* the input is declared FLOAT: a double input is converted (documented) */
	assert_int_equal(mlmd_model_score(m, NULL, &ind, 1, &o, 1), 0);
	assert_true(out[0] == 2); /* (float)0.1 > 0.1 */
	mlmd_model_free(m);
	ob_free(&b);
}

/* Two trees, two targets; leaves vote for both targets. */
static mlmd_model *forest(const char *agg, const char *post, const float *base)
{
	ob b = { 0 };
	const char *modes[] = { "BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF" };
	ob_attr *attrs[16] = {
		ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0, 1, 1, 1 }, 6),
		ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2, 0, 1, 2 }, 6),
		ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0, 1, 0, 0 }, 6),
		ob_strings(&b, "nodes_modes", modes, 6),
		ob_floats(&b, "nodes_values", (float[]){ 0, 0, 0, 0, 0, 0 }, 6),
		ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0, 1, 0, 0 }, 6),
		ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0, 2, 0, 0 }, 6),
		/* tree 0: leaf1 -> (t0: 1, t1: 2), leaf2 -> (t0: 3); tree 1: leaf1 -> (t0: 10), leaf2 -> (t1: 20) */
		ob_ints(&b, "target_treeids", (int64_t[]){ 0, 0, 0, 1, 1 }, 5),
		ob_ints(&b, "target_nodeids", (int64_t[]){ 1, 1, 2, 1, 2 }, 5),
		ob_ints(&b, "target_ids", (int64_t[]){ 0, 1, 0, 0, 1 }, 5),
		ob_floats(&b, "target_weights", (float[]){ 1, 2, 3, 10, 20 }, 5),
		ob_int(&b, "n_targets", 2),
		ob_string(&b, "aggregate_function", agg),
		ob_string(&b, "post_transform", post),
	};
	size_t n = 14;
	if (base)
		attrs[n++] = ob_floats(&b, "base_values", base, 2);
	tree_graph(&b, 2, 2, attrs, n);
	mlmd_model *m = load_ok(&b);
	ob_free(&b);
	return m;
}

static void aggregation_and_base_values(void **state)
{
	(void)state;
	/* rows: (x0 <= 0, x1 <= 0) -> tree0 leaf1, tree1 leaf1; (x0 > 0, x1 > 0) -> leaf2, leaf2 */
	float x[4] = { -1, -1, 1, 1 }, out[4];
	mlmd_tensor in = tf32(x, 2, 2), o = { .data = out, .capacity = 4 };
	const float base[2] = { 100, 200 };
	struct {
		const char *agg;
		float want[4];
	} cases[] = {
		{ "SUM", { 111, 202, 103, 220 } },
		/* AVERAGE divides by the number of trees (2), then adds the base */
		{ "AVERAGE", { 105.5f, 201, 101.5f, 210 } },
		/* MIN/MAX over the votes a target got; a target with no vote keeps the start value */
		{ "MIN", { 101, 202, 103, 220 } },
		{ "MAX", { 110, 202, 103, 220 } },
	};
	for (size_t i = 0; i < 4; i++) {
		mlmd_model *m = forest(cases[i].agg, "NONE", base);
		assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
		for (int k = 0; k < 4; k++)
			if (out[k] != cases[i].want[k])
				fail_msg("%s [%d]: got %g, want %g", cases[i].agg, k, out[k], cases[i].want[k]);
		mlmd_model_free(m);
	}
	/* MIN with no vote: the row keeps FLT_MAX + base, as the reference does */
	mlmd_model *m = forest("MIN", "NONE", NULL);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_true(out[1] == 2 && out[2] == 3);
	mlmd_model_free(m);
}

static void post_transforms(void **state)
{
	(void)state;
	float x[2] = { -1, -1 }, out[2];
	mlmd_tensor in = tf32(x, 1, 2), o = { .data = out, .capacity = 2 };
	/* raw scores (11, 2) */
	mlmd_model *m = forest("SUM", "LOGISTIC", NULL);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_float_equal(out[0], 1 / (1 + exp(-11.0)), 1e-7);
	assert_float_equal(out[1], 1 / (1 + exp(-2.0)), 1e-7);
	mlmd_model_free(m);
	m = forest("SUM", "SOFTMAX", NULL);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_float_equal(out[0], 1 / (1 + exp(-9.0)), 1e-7);
	assert_float_equal(out[0] + out[1], 1, 1e-6);
	mlmd_model_free(m);
	/* PROBIT of (0.975, 0.5): sqrt(2) erfinv(2p - 1) */
	const float base[2] = { -10.025f, -2.5f };
	m = forest("SUM", "PROBIT", base);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_float_equal(out[0], 1.959964, 1e-4);
	assert_float_equal(out[1], 0, 1e-5);
	mlmd_model_free(m);
	/* SOFTMAX_ZERO: an exact zero stays zero */
	const float base0[2] = { 0, -2 };
	m = forest("SUM", "SOFTMAX_ZERO", base0);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_true(out[1] == 0.0f);
	assert_float_equal(out[0], 1, 1e-7);
	mlmd_model_free(m);
}

/* A binary classifier whose leaves all vote for class 1: the single score
 * is widened to two columns ([1 - s, s] with no transform). */
static void binary_classifier_widening(void **state)
{
	(void)state;
	for (int logistic = 0; logistic < 2; logistic++) {
		ob b = { 0 };
		const char *modes[] = { "BRANCH_LEQ", "LEAF", "LEAF" };
		ob_opset(&b, "ai.onnx.ml", 3);
		ob_node(&b, "TreeEnsembleClassifier", "ai.onnx.ml", "clf", "X", "label,scores",
			ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0 }, 3),
			ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2 }, 3),
			ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0 }, 3),
			ob_strings(&b, "nodes_modes", modes, 3),
			ob_floats(&b, "nodes_values", (float[]){ 0, 0, 0 }, 3),
			ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0 }, 3),
			ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0 }, 3),
			ob_ints(&b, "class_treeids", (int64_t[]){ 0, 0 }, 2),
			ob_ints(&b, "class_nodeids", (int64_t[]){ 1, 2 }, 2),
			ob_ints(&b, "class_ids", (int64_t[]){ 1, 1 }, 2),
			ob_floats(&b, "class_weights", logistic ? (float[]){ -2, 3 } : (float[]){ 0.25f, 0.75f }, 2),
			ob_ints(&b, "classlabels_int64s", (int64_t[]){ 7, 9 }, 2),
			ob_string(&b, "post_transform", logistic ? "LOGISTIC" : "NONE"), NULL);
		ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
		ob_output(&b, "label", MLMD_DTYPE_INT64, 1, (int64_t[]){ -1 });
		ob_output(&b, "scores", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
		mlmd_model *m = load_ok(&b);
		float x[2] = { -1, 1 };
		mlmd_tensor in = tf32(x, 2, 1), out[2] = { { 0 } };
		mlmd_score_ctx *ctx;
		assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
		assert_int_equal(mlmd_model_score(m, ctx, &in, 1, out, 2), 0);
		const int64_t *lab = out[0].data;
		const float *s = out[1].data;
		assert_int_equal(out[1].dims[1], 2);
		if (!logistic) {
			assert_true(s[0] == 0.75f && s[1] == 0.25f && lab[0] == 7);
			assert_true(s[2] == 0.25f && s[3] == 0.75f && lab[1] == 9);
		} else {
			assert_float_equal(s[1], 1 / (1 + exp(2.0)), 1e-7);
			assert_float_equal(s[0] + s[1], 1, 1e-6);
			assert_true(lab[0] == 7 && lab[1] == 9);
		}
		mlmd_score_ctx_free(ctx);
		mlmd_model_free(m);
		ob_free(&b);
	}
}

/* Random trees of every comparison mode, scored by the engine (complete
 * trees through the AVX2 walk and the portable walk, deep and EQ/NEQ trees
 * through the generic walk, float and double input) and by a plain walk
 * over the source arrays here: the answers must be identical. Inputs sit
 * exactly on thresholds and include NaN. */
#define RT_TREES 14
#define RT_MAX 4096
#define RT_FEATURES 5
#define RT_ROWS 301

typedef struct {
	int n;
	int64_t tree[RT_MAX], id[RT_MAX], feat[RT_MAX], tchild[RT_MAX], fchild[RT_MAX], miss[RT_MAX];
	const char *mode[RT_MAX];
	double thr[RT_MAX];
	float weight[RT_MAX];
	int64_t target[RT_MAX];
} rt_src;

static uint64_t rt_seed = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rt_seed ^= rt_seed << 13, rt_seed ^= rt_seed >> 7, rt_seed ^= rt_seed << 17;
	return (uint32_t)(rt_seed % n);
}

static int64_t rt_grow(rt_src *s, int tree, int depth, int max_depth, bool eq_modes)
{
	int i = s->n++;
	s->tree[i] = tree;
	s->id[i] = i * 3 + 7; /* ids need not be 0..n-1 */
	if (depth == max_depth || (depth > 1 && rnd(5) == 0)) {
		s->mode[i] = "LEAF";
		s->feat[i] = s->tchild[i] = s->fchild[i] = s->miss[i] = 0;
		s->thr[i] = 0;
		s->weight[i] = (float)((int)rnd(2001) - 1000) / 64.0f;
		s->target[i] = rnd(2);
		return s->id[i];
	}
	static const char *const modes[] = { "BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ" };
	s->mode[i] = modes[rnd(eq_modes ? 6 : 4)];
	s->feat[i] = rnd(RT_FEATURES);
	s->thr[i] = ((int)rnd(17) - 8) * 0.25 + (rnd(4) == 0 ? 0.1 : 0); /* some not representable in float */
	s->miss[i] = rnd(2);
	s->tchild[i] = rt_grow(s, tree, depth + 1, max_depth, eq_modes);
	s->fchild[i] = rt_grow(s, tree, depth + 1, max_depth, eq_modes);
	return s->id[i];
}

static double rt_reference(const rt_src *s, const double *row, int target)
{
	double sum = 0;
	for (int t = 0; t < RT_TREES; t++) {
		int i = 0;
		while (s->tree[i] != t)
			i++;
		while (strcmp(s->mode[i], "LEAF") != 0) {
			double x = row[s->feat[i]], v = s->thr[i];
			bool go;
			if (isnan(x))
				go = s->miss[i];
			else if (!strcmp(s->mode[i], "BRANCH_LEQ"))
				go = x <= v;
			else if (!strcmp(s->mode[i], "BRANCH_LT"))
				go = x < v;
			else if (!strcmp(s->mode[i], "BRANCH_GTE"))
				go = x >= v;
			else if (!strcmp(s->mode[i], "BRANCH_GT"))
				go = x > v;
			else if (!strcmp(s->mode[i], "BRANCH_EQ"))
				go = x == v;
			else
				go = x != v;
			int64_t next = go ? s->tchild[i] : s->fchild[i];
			int j = 0;
			while (s->id[j] != next || s->tree[j] != t)
				j++;
			i = j;
		}
		if (s->target[i] == target)
			sum += s->weight[i];
	}
	return sum;
}

static void random_trees_match_reference(void **state)
{
	(void)state;
	static rt_src s;
	s.n = 0;
	for (int t = 0; t < RT_TREES; t++)
		rt_grow(&s, t, 0, t == 0 ? 11 : 1 + t % 8, t % 5 == 4); /* tree 0 is deeper than the padding limit */
	assert_true(s.n < RT_MAX);
	static double xd[RT_ROWS * RT_FEATURES];
	static float xf[RT_ROWS * RT_FEATURES];
	for (int i = 0; i < RT_ROWS * RT_FEATURES; i++) {
		int k = (int)rnd(24);
		xf[i] = k == 23 ? NAN : k == 22 ? 0.1f : k == 21 ? nextafterf(0.1f, 0) : (float)((k - 10) * 0.25);
		xd[i] = xf[i];
	}
	for (int variant = 0; variant < 3; variant++) {
		bool dbl = variant == 2;
		if (variant == 1)
			setenv("MLMD_SCORER_PORTABLE", "1", 1);
		ob b = { 0 };
		int64_t vt[RT_MAX], vn[RT_MAX], vi[RT_MAX];
		float vw[RT_MAX];
		int nv = 0;
		for (int i = 0; i < s.n; i++)
			if (!strcmp(s.mode[i], "LEAF")) {
				vt[nv] = s.tree[i], vn[nv] = s.id[i], vi[nv] = s.target[i], vw[nv] = s.weight[i];
				nv++;
			}
		ob_opset(&b, "ai.onnx.ml", 3);
		ob_node(&b, "TreeEnsembleRegressor", "ai.onnx.ml", "trees", "X", "Y",
			ob_ints(&b, "nodes_treeids", s.tree, (size_t)s.n), ob_ints(&b, "nodes_nodeids", s.id, (size_t)s.n),
			ob_ints(&b, "nodes_featureids", s.feat, (size_t)s.n), ob_strings(&b, "nodes_modes", s.mode, (size_t)s.n),
			ob_tensor_attr(&b, "nodes_values_as_tensor",
				ob_tensor_new(&b, NULL, MLMD_DTYPE_DOUBLE, 1, (int64_t[]){ s.n }, s.thr, (size_t)s.n)),
			ob_ints(&b, "nodes_truenodeids", s.tchild, (size_t)s.n),
			ob_ints(&b, "nodes_falsenodeids", s.fchild, (size_t)s.n),
			ob_ints(&b, "nodes_missing_value_tracks_true", s.miss, (size_t)s.n),
			ob_ints(&b, "target_treeids", vt, (size_t)nv), ob_ints(&b, "target_nodeids", vn, (size_t)nv),
			ob_ints(&b, "target_ids", vi, (size_t)nv), ob_floats(&b, "target_weights", vw, (size_t)nv),
			ob_int(&b, "n_targets", 2), NULL);
		ob_input(&b, "X", dbl ? MLMD_DTYPE_DOUBLE : MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, RT_FEATURES });
		ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
		mlmd_model *m = load_ok(&b);
		unsetenv("MLMD_SCORER_PORTABLE");
		static float out[RT_ROWS * 2];
		mlmd_tensor in = { .dtype = dbl ? MLMD_DTYPE_DOUBLE : MLMD_DTYPE_FLOAT, .rank = 2, .dims = { RT_ROWS, RT_FEATURES },
			.data = dbl ? (void *)xd : (void *)xf };
		mlmd_tensor o = { .data = out, .capacity = RT_ROWS * 2 };
		assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
		for (int r = 0; r < RT_ROWS; r++)
			for (int k = 0; k < 2; k++) {
				float want = (float)rt_reference(&s, xd + r * RT_FEATURES, k);
				if (out[r * 2 + k] != want)
					fail_msg("variant %d row %d target %d: got %.9g, want %.9g", variant, r, k, out[r * 2 + k], want);
			}
		mlmd_model_free(m);
		ob_free(&b);
	}
}

/* ---- XGBoost JSON --------------------------------------------------------------------------- */

static const char *XGB =
	"{\"learner\":{\"attributes\":{},\"feature_names\":[],\"feature_types\":[],"
	"\"gradient_booster\":{\"model\":{\"gbtree_model_param\":{\"num_trees\":\"2\",\"size_leaf_vector\":\"0\"},"
	"\"tree_info\":[0,0],\"trees\":["
	"{\"base_weights\":[0,0,0],\"categories\":[],\"categories_nodes\":[],\"categories_segments\":[],"
	"\"categories_sizes\":[],\"default_left\":[1,0,0],\"id\":0,\"left_children\":[1,-1,-1],"
	"\"loss_changes\":[0,0,0],\"parents\":[2147483647,0,0],\"right_children\":[2,-1,-1],"
	"\"split_conditions\":[0.5,-0.25,0.75],\"split_indices\":[1,0,0],\"split_type\":[0,0,0],"
	"\"sum_hessian\":[1,1,1],\"tree_param\":{\"num_deleted\":\"0\",\"num_feature\":\"2\",\"num_nodes\":\"3\","
	"\"size_leaf_vector\":\"0\"}},"
	"{\"base_weights\":[0,0,0],\"default_left\":[0,0,0],\"id\":1,\"left_children\":[1,-1,-1],"
	"\"right_children\":[2,-1,-1],\"split_conditions\":[-1E0,1.5E-1,-2.5E-1],\"split_indices\":[0,0,0],"
	"\"split_type\":[0,0,0],\"tree_param\":{\"num_nodes\":\"3\"}}]},\"name\":\"gbtree\"},"
	"\"learner_model_param\":{\"base_score\":\"%s\",\"num_class\":\"0\",\"num_feature\":\"2\",\"num_target\":\"1\"},"
	"\"objective\":{\"name\":\"%s\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},"
	"\"version\":[1,7,4]}";

static mlmd_model *xgb_model(const char *base, const char *objective, int expect_rc)
{
	char json[4096];
	snprintf(json, sizeof json, XGB, base, objective);
	mlmd_model *m = NULL;
	int rc = mlmd_model_load_buffer(&m, json, strlen(json), "m.json");
	if (rc != expect_rc)
		fail_msg("load: %d %s", rc, mlmd_error_message());
	return m;
}

static void xgboost_json_semantics(void **state)
{
	(void)state;
	mlmd_model *m = xgb_model("5E-1", "reg:squarederror", 0);
	assert_string_equal(mlmd_model_format(m), "xgboost-json");
	assert_string_equal(mlmd_model_producer_version(m), "1.7.4");
	assert_int_equal(mlmd_model_input(m, 0)->dims[1], 2);
	/* x1 < 0.5 -> -0.25 else 0.75; x0 < -1 -> 0.15 else -0.25; NaN: tree 0 left, tree 1 right */
	float x[8] = { 0, 0, -2, 1, NAN, NAN, 5, 0.5f };
	float out[4];
	mlmd_tensor in = tf32(x, 4, 2), o = { .data = out, .capacity = 4 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_int_equal(o.rank, 1);
	assert_true(out[0] == 0.5f + -0.25f + -0.25f);
	assert_true(out[1] == 0.5f + 0.75f + 0.15f);
	assert_true(out[2] == 0.5f + -0.25f + -0.25f);
	assert_true(out[3] == 0.5f + 0.75f + -0.25f);
	mlmd_model_free(m);
	/* binary:logistic: base score 0.5 is margin 0, then the sigmoid */
	m = xgb_model("[5E-1]", "binary:logistic", 0);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_float_equal(out[1], 1 / (1 + exp(-(0.75 + 0.15))), 1e-7);
	mlmd_model_free(m);
	xgb_model("5E-1", "rank:pairwise", -MLMD_UNIMPLEMENTED);
	assert_non_null(strstr(mlmd_error_message(), "objective 'rank:pairwise' is not supported"));
	const char *broken = "{\"learner\": {\"x\": [1, 2,, 3]}}";
	assert_int_equal(mlmd_model_load_buffer(&m, broken, strlen(broken), NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "malformed JSON at byte"));
	/* a wrong-width input is refused with the counts */
	float narrow[1] = { 0 };
	m = xgb_model("5E-1", "reg:squarederror", 0);
	mlmd_tensor in1 = tf32(narrow, 1, 1);
	assert_int_equal(mlmd_model_score(m, NULL, &in1, 1, &o, 1), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "dimension 1 is 1, the model declares 2"));
	mlmd_model_free(m);
}

/* ---- outputs, inputs, threads, allocation ---------------------------------------------------- */

static mlmd_model *mlp(void)
{
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ 3, 4 },
		(float[]){ 0.1f, -0.2f, 0.3f, 0.4f, 0.5f, 0.6f, -0.7f, 0.8f, 0.9f, 1.0f, 1.1f, -1.2f }, 12));
	ob_init(&b, ob_tensor_new(&b, "B", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 4 }, (float[]){ 0.1f, 0.2f, 0.3f, 0.4f }, 4));
	ob_node(&b, "Gemm", "", "gemm", "X,W,B", "H", NULL);
	ob_node(&b, "Relu", "", "relu", "H", "R", NULL);
	ob_node(&b, "Softmax", "", "sm", "R", "P", ob_int(&b, "axis", 1), NULL);
	ob_node(&b, "ArgMax", "", "am", "P", "I", ob_int(&b, "axis", 1), ob_int(&b, "keepdims", 0), NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "P", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 4 });
	ob_output(&b, "I", MLMD_DTYPE_INT64, 1, (int64_t[]){ -1 });
	mlmd_model *m = load_ok(&b);
	ob_free(&b);
	return m;
}

/* ---- declared sizes against the bytes present ---------------------------------------------- */

/* A bound on what loading a refused ONNX file may allocate: the decoder's
 * budget (32 bytes per byte of file plus 32 KiB, docs/scorer.md) and 32 KiB
 * for the rest of a load that stops early. */
#define REFUSED_BOUND(len) ((size_t)(len) * 32 + ((size_t)64 << 10))

/* Loads bytes that must be refused with `code` and a message containing
 * `needle`, and checks that everything allocated meanwhile stays within
 * REFUSED_BOUND of the file's size. */
static void refused_within_bound(const void *p, size_t len, int code, const char *needle)
{
	mlmd_model *m = NULL;
	size_t before = n_bytes;
	int rc = mlmd_model_load_buffer(&m, p, len, NULL);
	size_t used = n_bytes - before;
	assert_null(m);
	if (rc != -code || !strstr(mlmd_error_message(), needle))
		fail_msg("got %d '%s', expected %d '%s'", rc, mlmd_error_message(), -code, needle);
	if (used > REFUSED_BOUND(len))
		fail_msg("refusing a %zu-byte file ('%s') allocated %zu bytes (bound %zu)", len, needle, used,
			REFUSED_BOUND(len));
}

/* One initializer `t` feeding Identity. */
static void refused_tensor(ob_tensor *t, ob *b, const char *needle)
{
	ob_opset(b, "", 13);
	ob_init(b, t);
	ob_node(b, "Identity", "", "i", "W", "Y", NULL);
	ob_output(b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	size_t len;
	uint8_t *bytes = ob_pack(b, &len);
	refused_within_bound(bytes, len, MLMD_INVALID_ARGUMENT, needle);
	ob_free(b);
}

/* Appends a protobuf varint / a length-delimited field (for files the builder cannot make). */
static size_t pb_varint(uint8_t *o, uint64_t v)
{
	size_t n = 0;
	do {
		o[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

static size_t pb_field(uint8_t *o, unsigned field, const uint8_t *payload, size_t len)
{
	size_t n = pb_varint(o, (uint64_t)field << 3 | 2);
	n += pb_varint(o + n, len);
	if (len)
		memmove(o + n, payload, len);
	return n + len;
}

/* Every size an ONNX file declares is checked against the bytes it holds
 * before anything is allocated: a tensor's dims against its data (raw,
 * typed or strings), and the decoded structure against a budget per byte of
 * file. Loading each refused file allocates at most REFUSED_BOUND (it once
 * zero-filled the declared size first: 1 GiB for a 76-byte file). */
static void declared_sizes_are_checked_before_allocating(void **state)
{
	(void)state;
	ob b = { 0 };
	/* huge dims (2^31 floats, 8 GiB), 4 bytes of data */
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ (int64_t)1 << 16, (int64_t)1 << 15 },
		(float[]){ 1 }, 1), &b, "initializer 'W': dims say 2147483648 element(s), the data holds 1");
	/* the same with a raw_data that is a few elements short of 2^26 doubles */
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_DOUBLE, 1, (int64_t[]){ (int64_t)1 << 26 },
		(double[]){ 1, 2, 3 }, 3), &b, "dims say 67108864 element(s), the data holds 3");
	/* negative dims */
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -4, 1 }, (float[]){ 1, 2, 3, 4 }, 4), &b,
		"initializer 'W': dimension 0 is negative (-4)");
	/* dims whose product overflows 64 bits, and the same behind a zero dimension */
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 3, (int64_t[]){ (int64_t)1 << 40, (int64_t)1 << 40, 16 },
		(float[]){ 1 }, 1), &b, "dimensions describe more than 2^34 elements");
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 3, (int64_t[]){ 0, (int64_t)1 << 62, (int64_t)1 << 62 },
		NULL, 0), &b, "dimensions describe more than 2^34 elements");
	/* typed data (float_data) and string data shorter than the dims */
	ob_tensor *t = ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ (int64_t)1 << 27 }, NULL, 0);
	t->has_raw_data = 0;
	t->n_float_data = 2;
	t->float_data = ob_alloc(&b, 2 * sizeof(float));
	refused_tensor(t, &b, "dims say 134217728 element(s), the data holds 2");
	refused_tensor(ob_tensor_new(&b, "W", MLMD_DTYPE_STRING, 1, (int64_t[]){ (int64_t)1 << 26 },
		(const char *[]){ "a" }, 1), &b, "dims say 67108864 element(s), the data holds 1");
	/* the same tensor as a Constant node's attribute */
	ob_opset(&b, "", 13);
	ob_node(&b, "Constant", "", "c", "", "Y", ob_tensor_attr(&b, "value", ob_tensor_new(&b, NULL, MLMD_DTYPE_FLOAT, 2,
		(int64_t[]){ (int64_t)1 << 14, (int64_t)1 << 14 }, (float[]){ 1 }, 1)), NULL);
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, -1, NULL);
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	refused_within_bound(bytes, len, MLMD_INVALID_ARGUMENT, "attribute 'value': dims say 268435456 element(s)");
	ob_free(&b);

	/* a tree regressor declaring 100,000 targets (arrays of that size) for a stump's two votes */
	const char *modes[] = { "BRANCH_LEQ", "LEAF", "LEAF" };
	ob_attr *attrs[] = {
		ob_ints(&b, "nodes_treeids", (int64_t[]){ 0, 0, 0 }, 3),
		ob_ints(&b, "nodes_nodeids", (int64_t[]){ 0, 1, 2 }, 3),
		ob_ints(&b, "nodes_featureids", (int64_t[]){ 0, 0, 0 }, 3),
		ob_strings(&b, "nodes_modes", modes, 3),
		ob_floats(&b, "nodes_values", (float[]){ 0, 0, 0 }, 3),
		ob_ints(&b, "nodes_truenodeids", (int64_t[]){ 1, 0, 0 }, 3),
		ob_ints(&b, "nodes_falsenodeids", (int64_t[]){ 2, 0, 0 }, 3),
		ob_ints(&b, "target_treeids", (int64_t[]){ 0, 0 }, 2),
		ob_ints(&b, "target_nodeids", (int64_t[]){ 1, 2 }, 2),
		ob_ints(&b, "target_ids", (int64_t[]){ 0, 0 }, 2),
		ob_floats(&b, "target_weights", (float[]){ 1, 2 }, 2),
		ob_int(&b, "n_targets", 100000),
	};
	tree_graph(&b, 1, 100000, attrs, sizeof attrs / sizeof *attrs);
	bytes = ob_pack(&b, &len);
	refused_within_bound(bytes, len, MLMD_INVALID_ARGUMENT, "n_targets is 100000 but only 2 votes and 0 base values");
	ob_free(&b);

	/* 50,000 empty NodeProtos, and 50,000 empty TensorProtos in one attribute: each 2 bytes of wire
	 * that would decode into 100-250 bytes of structs */
	static uint8_t graph[110000], file[120000];
	for (int kind = 0; kind < 2; kind++) {
		size_t g = 0;
		if (kind == 0) {
			for (int i = 0; i < 50000; i++)
				g += pb_field(graph + g, 1, NULL, 0); /* GraphProto.node */
		} else {
			static uint8_t attr[100010], node[100020];
			size_t a = 0;
			for (int i = 0; i < 50000; i++)
				a += pb_field(attr + a, 10, NULL, 0); /* AttributeProto.tensors */
			size_t nl = pb_field(node, 5, attr, a); /* NodeProto.attribute */
			g = pb_field(graph, 1, node, nl);
		}
		size_t n = pb_varint(file, 1 << 3); /* ir_version 8 */
		n += pb_varint(file + n, 8);
		n += pb_field(file + n, 7, graph, g);
		refused_within_bound(file, n, MLMD_INVALID_ARGUMENT, "bytes of memory (the limit is 32 bytes per byte");
	}
}

/* ---- scratch limits --------------------------------------------------------------------- */

/* A broadcast that needs 4 GiB for one row is stopped by the context's limit
 * with RESOURCE_EXHAUSTED naming the node and the limit; the context stays
 * usable, and an input conversion over the limit is named the same way. */
static void scratch_limit_names_node_and_limit(void **state)
{
	(void)state;
	ob b = { 0 };
	ob_broadcast_model(&b);
	mlmd_model *m = load_ok(&b);
	ob_free(&b);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_score_ctx_set_limit(ctx, (size_t)64 << 20);
	static float x[32768];
	mlmd_tensor in = tf32(x, 1, 32768), out = { 0 };
	assert_int_equal(mlmd_model_score(m, ctx, &in, 1, &out, 1), -MLMD_RESOURCE_EXHAUSTED);
	const char *msg = mlmd_error_message();
	if (!strstr(msg, "node 'wide_add' (ai.onnx::Add) needs more scratch memory than the score context's limit of "
		"67108864 bytes") || !strstr(msg, "4294967296 more asked for"))
		fail_msg("message: %s", msg);
	/* a DOUBLE input converted to the model's FLOAT, over a 64 KiB limit */
	mlmd_score_ctx_set_limit(ctx, (size_t)64 << 10);
	static double xd[32768];
	mlmd_tensor ind = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 2, .dims = { 1, 32768 }, .data = xd };
	assert_int_equal(mlmd_model_score(m, ctx, &ind, 1, &out, 1), -MLMD_RESOURCE_EXHAUSTED);
	if (!strstr(mlmd_error_message(), "input 'X' needs more scratch memory than the score context's limit of 65536"))
		fail_msg("message: %s", mlmd_error_message());
	/* the same context still scores a model that fits */
	mlmd_score_ctx_set_limit(ctx, (size_t)1 << 20);
	mlmd_model *small = stump("BRANCH_LEQ", 0.5f, 0);
	float one = 0, res[1];
	mlmd_tensor in1 = tf32(&one, 1, 1), o1 = { .data = res, .capacity = 1 };
	assert_int_equal(mlmd_model_score(small, ctx, &in1, 1, &o1, 1), 0);
	assert_true(res[0] == 1);
	mlmd_model_free(small);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* ---- variadic ops ------------------------------------------------------------------------- */

#define WIDE 100

/* Concat (axis 1) and FeatureVectorizer over WIDE inputs of different widths:
 * the runner's argument arrays are sized from the widest node, so every
 * input reaches the op (a fixed 16-slot array once overflowed here). */
static void variadic_ops_take_100_inputs(void **state)
{
	(void)state;
	for (int fv = 0; fv < 2; fv++) {
		ob b = { 0 };
		char names[WIDE * 8] = "";
		int64_t widths[WIDE], total = 0;
		for (int i = 0; i < WIDE; i++) {
			char nm[16];
			snprintf(nm, sizeof nm, "x%d", i);
			widths[i] = 1 + i % 3;
			total += widths[i];
			strcat(names, i ? "," : "");
			strcat(names, nm);
			/* FeatureVectorizer: odd inputs are INT64 (it casts each to float) */
			ob_input(&b, nm, fv && i % 2 ? MLMD_DTYPE_INT64 : MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, widths[i] });
		}
		if (fv) {
			ob_opset(&b, "ai.onnx.ml", 1);
			ob_opset(&b, "", 13);
			ob_node(&b, "FeatureVectorizer", "ai.onnx.ml", "fv", names, "Y",
				ob_ints(&b, "inputdimensions", widths, WIDE), NULL);
		} else {
			ob_opset(&b, "", 13);
			ob_node(&b, "Concat", "", "cat", names, "Y", ob_int(&b, "axis", 1), NULL);
		}
		ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, total });
		mlmd_model *m = load_ok(&b);
		ob_free(&b);
		assert_int_equal(mlmd_model_input_count(m), WIDE);
		enum { ROWS2 = 3 };
		static float xf[WIDE][ROWS2 * 3];
		static int64_t xi[WIDE][ROWS2 * 3];
		mlmd_tensor in[WIDE];
		float want[ROWS2 * 300];
		for (int i = 0; i < WIDE; i++) {
			for (int k = 0; k < ROWS2 * widths[i]; k++) {
				xf[i][k] = (float)(i * 1000 + k) + 0.5f;
				xi[i][k] = i * 1000 + k;
			}
			bool is_int = fv && i % 2;
			in[i] = (mlmd_tensor){ .dtype = is_int ? MLMD_DTYPE_INT64 : MLMD_DTYPE_FLOAT, .rank = 2,
				.dims = { ROWS2, widths[i] }, .data = is_int ? (void *)xi[i] : (void *)xf[i] };
		}
		/* expected: row r is input 0's row r, then input 1's row r, ... */
		for (int r = 0, at = 0; r < ROWS2; r++)
			for (int i = 0; i < WIDE; i++)
				for (int c = 0; c < widths[i]; c++)
					want[at++] = fv && i % 2 ? (float)xi[i][r * widths[i] + c] : xf[i][r * widths[i] + c];
		mlmd_score_ctx *ctx;
		assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
		mlmd_tensor out = { 0 };
		if (mlmd_model_score(m, ctx, in, WIDE, &out, 1))
			fail_msg("%s: %s", fv ? "FeatureVectorizer" : "Concat", mlmd_error_message());
		assert_int_equal(out.rank, 2);
		assert_int_equal(out.dims[0], ROWS2);
		assert_int_equal(out.dims[1], total);
		for (int k = 0; k < ROWS2 * total; k++)
			if (((float *)out.data)[k] != want[k])
				fail_msg("%s: element %d is %g, expected %g", fv ? "FeatureVectorizer" : "Concat", k,
					(double)((float *)out.data)[k], (double)want[k]);
		mlmd_score_ctx_free(ctx);
		mlmd_model_free(m);
	}
}

/* XGBoost JSON is read with the library's JSON reader: strings are decoded,
 * NaN and +-Infinity are numbers (XGBoost and Python write them so), and a
 * syntax error names its byte and what is wrong there. */
static void xgboost_json_reader_details(void **state)
{
	(void)state;
	/* an escaped objective name is the same name */
	mlmd_model *m = xgb_model("5E-1", "reg:squared\\u0065rror", 0);
	mlmd_model_free(m);
	/* a leaf of -Infinity: tree 1's left leaf (x0 < -1) */
	char json[4096];
	snprintf(json, sizeof json, XGB, "5E-1", "reg:squarederror");
	char *leaf = strstr(json, "1.5E-1");
	assert_non_null(leaf);
	char fixed[4096];
	snprintf(fixed, sizeof fixed, "%.*s-Infinity%s", (int)(leaf - json), json, leaf + strlen("1.5E-1"));
	assert_int_equal(mlmd_model_load_buffer(&m, fixed, strlen(fixed), "m.json"), 0);
	float x[4] = { -2, 1, 5, 1 }, out[2];
	mlmd_tensor in = tf32(x, 2, 2), o = { .data = out, .capacity = 2 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_true(isinf(out[0]) && out[0] < 0);
	assert_true(out[1] == 0.5f + 0.75f + -0.25f);
	mlmd_model_free(m);
	/* NaN as a threshold is read (every comparison with it is false) */
	snprintf(fixed, sizeof fixed, "%.*sNaN%s", (int)(leaf - json), json, leaf + strlen("1.5E-1"));
	assert_int_equal(mlmd_model_load_buffer(&m, fixed, strlen(fixed), "m.json"), 0);
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &o, 1), 0);
	assert_true(isnan(out[0]));
	mlmd_model_free(m);
	/* other spellings are not JSON */
	snprintf(fixed, sizeof fixed, "%.*snan%s", (int)(leaf - json), json, leaf + strlen("1.5E-1"));
	assert_int_equal(mlmd_model_load_buffer(&m, fixed, strlen(fixed), "m.json"), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "malformed JSON at byte"));
	const char *missing_comma = "{\"learner\": [1 2]}";
	assert_int_equal(mlmd_model_load_buffer(&m, missing_comma, strlen(missing_comma), "m.json"),
		-MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "malformed JSON at byte 15: expected ',' or ']'"));
	const char *bad_escape = "{\"learner\": \"\\x\"}";
	assert_int_equal(mlmd_model_load_buffer(&m, bad_escape, strlen(bad_escape), "m.json"), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "a bad escape in a string"));
}

/* XGBoost JSON: counts the file declares (a tree's num_nodes, the number of
 * trees, num_class) must agree with the arrays present, and refusing such a
 * file costs memory in proportion to its text (the parser's DOM never grows
 * past what the text can hold). */
static void xgboost_declared_counts_are_checked(void **state)
{
	(void)state;
	char json[4096];
	const char *variants[][3] = {
		{ "\"num_nodes\":\"3\"}}]}", "\"num_nodes\":\"5000000\"}}]}", "tree 1: tree_param.num_nodes is 5000000, its node arrays hold 3" },
		{ "\"num_trees\":\"2\"", "\"num_trees\":\"1000000\"", "gbtree_model_param.num_trees is 1000000, the model holds 2 trees" },
		{ "\"num_class\":\"0\"", "\"num_class\":\"100000\"", "num_class is 100000 but the model holds 2 trees" },
		{ "\"num_nodes\":\"3\"}}]}", "\"num_nodes\":\"3\",\"size_leaf_vector\":\"3\"}}]}", "tree 1 has vector leaves" },
	};
	for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
		snprintf(json, sizeof json, XGB, "5E-1", v == 2 ? "multi:softprob" : "reg:squarederror");
		char *at = strstr(json, variants[v][0]);
		assert_non_null(at);
		char rest[4096];
		snprintf(rest, sizeof rest, "%s", at + strlen(variants[v][0]));
		snprintf(at, sizeof json - (size_t)(at - json), "%s%s", variants[v][1], rest);
		refused_within_bound(json, strlen(json), v == 3 ? MLMD_UNIMPLEMENTED : MLMD_INVALID_ARGUMENT, variants[v][2]);
	}
	/* a long array of one-digit numbers: the DOM is sized from the text */
	size_t n = 400000, len = 0;
	char *big = malloc(2 * n + 64);
	assert_non_null(big);
	len += (size_t)sprintf(big, "{\"learner\":[");
	for (size_t i = 0; i < n; i++)
		big[len++] = '0', big[len++] = ',';
	len += (size_t)sprintf(big + len - 1, "]}") - 1;
	refused_within_bound(big, len, MLMD_INVALID_ARGUMENT, "missing learner");
	free(big);
}

static void output_buffers_and_input_checks(void **state)
{
	(void)state;
	mlmd_model *m = mlp();
	float x[6] = { 1, 2, 3, -1, -2, -3 };
	mlmd_tensor in = tf32(x, 2, 3);
	float p[8];
	int64_t idx[2];
	/* too small a buffer: OUT_OF_RANGE, nothing written */
	mlmd_tensor out[2] = { { .data = p, .capacity = 7 }, { .data = idx, .capacity = 2 } };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, out, 2), -MLMD_OUT_OF_RANGE);
	assert_non_null(strstr(mlmd_error_message(), "output 'P' has 8 elements, the buffer given holds 7"));
	out[0].capacity = 8;
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, out, 2), 0);
	assert_int_equal(out[0].rank, 2);
	assert_int_equal(out[0].dims[1], 4);
	assert_float_equal(p[0] + p[1] + p[2] + p[3], 1, 1e-6);
	/* a buffer of the wrong type */
	mlmd_tensor bad = { .dtype = MLMD_DTYPE_DOUBLE, .data = p, .capacity = 8 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &bad, 1), -MLMD_INVALID_ARGUMENT);
	/* no context and no buffer */
	mlmd_tensor none = { 0 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &none, 1), -MLMD_INVALID_ARGUMENT);
	/* inputs: wrong count, rank, width, type; double converts */
	assert_int_equal(mlmd_model_score(m, NULL, &in, 0, out, 2), -MLMD_INVALID_ARGUMENT);
	mlmd_tensor r1 = { .dtype = MLMD_DTYPE_FLOAT, .rank = 1, .dims = { 3 }, .data = x };
	assert_int_equal(mlmd_model_score(m, NULL, &r1, 1, out, 2), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "input 'X': rank 1, the model declares rank 2"));
	const char *strs[6] = { "a", "b", "c", "d", "e", "f" };
	mlmd_tensor s = { .dtype = MLMD_DTYPE_STRING, .rank = 2, .dims = { 2, 3 }, .data = strs };
	assert_int_equal(mlmd_model_score(m, NULL, &s, 1, out, 2), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "element type STRING, the model expects FLOAT"));
	double xd[6] = { 1, 2, 3, -1, -2, -3 };
	float p2[8];
	mlmd_tensor ind = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 2, .dims = { 2, 3 }, .data = xd };
	mlmd_tensor out2[1] = { { .data = p2, .capacity = 8 } };
	assert_int_equal(mlmd_model_score(m, NULL, &ind, 1, out2, 1), 0);
	assert_memory_equal(p, p2, sizeof p);
	/* an empty batch */
	mlmd_tensor empty = tf32(x, 0, 3);
	assert_int_equal(mlmd_model_score(m, NULL, &empty, 1, out2, 1), 0);
	assert_int_equal(out2[0].dims[0], 0);
	mlmd_model_free(m);
}

#define N_THREADS 4
#define ROWS 64

typedef struct {
	mlmd_model *m;
	const float *x;
	const float *want;
	int bad;
} thread_arg;

static void *scorer_thread(void *p)
{
	thread_arg *a = p;
	mlmd_score_ctx *ctx;
	if (mlmd_score_ctx_new(&ctx)) {
		a->bad = 1;
		return NULL;
	}
	for (int it = 0; it < 300; it++) {
		int rows = 1 + it % ROWS;
		mlmd_tensor in = tf32((float *)a->x, rows, 3), out[2] = { { 0 } };
		if (mlmd_model_score(a->m, ctx, &in, 1, out, 2) || memcmp(out[0].data, a->want, (size_t)rows * 4 * sizeof(float)))
			a->bad++;
	}
	mlmd_score_ctx_free(ctx);
	return NULL;
}

static void model_is_shared_by_threads(void **state)
{
	(void)state;
	mlmd_model *m = mlp();
	static float x[ROWS * 3], want[ROWS * 4];
	for (int i = 0; i < ROWS * 3; i++)
		x[i] = (float)((i * 37) % 11) - 5;
	mlmd_tensor in = tf32(x, ROWS, 3), out = { .data = want, .capacity = ROWS * 4 };
	assert_int_equal(mlmd_model_score(m, NULL, &in, 1, &out, 1), 0);
	pthread_t th[N_THREADS];
	thread_arg args[N_THREADS];
	for (int t = 0; t < N_THREADS; t++) {
		args[t] = (thread_arg){ .m = m, .x = x, .want = want };
		assert_int_equal(pthread_create(&th[t], NULL, scorer_thread, &args[t]), 0);
	}
	for (int t = 0; t < N_THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(args[t].bad, 0);
	}
	mlmd_model_free(m);
}

/* Once a context has scored a batch of a given size, scoring again
 * allocates nothing: the scratch is reused. */
static void no_allocation_once_warm(void **state)
{
	(void)state;
	mlmd_model *mm = mlp(), *xm = xgb_model("5E-1", "binary:logistic", 0);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	static float x[1000 * 3];
	for (int i = 0; i < 1000 * 3; i++)
		x[i] = (float)(i % 7) - 3;
	mlmd_model *models[2] = { mm, xm };
	int cols[2] = { 3, 2 };
	for (int k = 0; k < 2; k++)
		for (int rows = 1; rows <= 1000; rows *= 10) {
			mlmd_tensor in = tf32(x, rows, cols[k]), out[2];
			memset(out, 0, sizeof out);
			size_t no = mlmd_model_output_count(models[k]);
			assert_int_equal(mlmd_model_score(models[k], ctx, &in, 1, out, no), 0); /* warms up */
			memset(out, 0, sizeof out); /* data == NULL: outputs in the context again */
			assert_int_equal(mlmd_model_score(models[k], ctx, &in, 1, out, no), 0);
			long before = n_allocs;
			for (int rep = 0; rep < 20; rep++) {
				memset(out, 0, sizeof out);
				assert_int_equal(mlmd_model_score(models[k], ctx, &in, 1, out, no), 0);
			}
			if (n_allocs != before)
				fail_msg("model %d, %d rows: %ld allocations in 20 warm calls", k, rows, n_allocs - before);
		}
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(mm);
	mlmd_model_free(xm);
}

static void dtype_names_and_sizes(void **state)
{
	(void)state;
	assert_string_equal(mlmd_dtype_name(MLMD_DTYPE_FLOAT), "FLOAT");
	assert_string_equal(mlmd_dtype_name(MLMD_DTYPE_UINT64), "UINT64");
	assert_string_equal(mlmd_dtype_name(MLMD_DTYPE_UNDEFINED), "UNDEFINED");
	assert_string_equal(mlmd_dtype_name(-1), "unknown type");
	assert_string_equal(mlmd_dtype_name(1000), "unknown type");
	assert_int_equal(mlmd_dtype_size(MLMD_DTYPE_DOUBLE), 8);
	assert_int_equal(mlmd_dtype_size(MLMD_DTYPE_INT16), 2);
	assert_int_equal(mlmd_dtype_size(MLMD_DTYPE_STRING), sizeof(const char *));
	assert_int_equal(mlmd_dtype_size(10), 0); /* FLOAT16: not carried */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_non_models),
		cmocka_unit_test(truncated_models_never_crash),
		cmocka_unit_test(refuses_unsupported_op_domain_type),
		cmocka_unit_test(refuses_malformed_graphs),
		cmocka_unit_test(declared_sizes_are_checked_before_allocating),
		cmocka_unit_test(refuses_deep_nesting),
		cmocka_unit_test(inspects_signature_and_metadata),
		cmocka_unit_test(branch_modes_and_missing_values),
		cmocka_unit_test(double_thresholds_are_kept),
		cmocka_unit_test(aggregation_and_base_values),
		cmocka_unit_test(post_transforms),
		cmocka_unit_test(binary_classifier_widening),
		cmocka_unit_test(random_trees_match_reference),
		cmocka_unit_test(xgboost_json_semantics),
		cmocka_unit_test(dtype_names_and_sizes),
		cmocka_unit_test(xgboost_declared_counts_are_checked),
		cmocka_unit_test(xgboost_json_reader_details),
		cmocka_unit_test(output_buffers_and_input_checks),
		cmocka_unit_test(variadic_ops_take_100_inputs),
		cmocka_unit_test(scratch_limit_names_node_and_limit),
		cmocka_unit_test(model_is_shared_by_threads),
		cmocka_unit_test(no_allocation_once_warm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

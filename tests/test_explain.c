/*
 * Explanations (mlmd/explain.h): the trace of a linear node's columns back
 * to the model's inputs through each op it follows and the refusal of
 * others, the linear engine's values against sums worked out here (ONNX
 * LinearRegressor and LinearClassifier built with tests/onnx_build.h; PMML
 * RegressionModel and GeneralRegression documents written here), additivity,
 * labels, Scalers folded into the coefficients, input and capacity checks,
 * models that are not explained, and several threads sharing one explainer.
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
#include <cmocka.h>
#include "mlmd.h"
#include "mlmd/explain.h"
#include "onnx_build.h"

static mlmd_model *load_ok(ob *b)
{
	size_t len;
	uint8_t *bytes = ob_pack(b, &len);
	mlmd_model *m = NULL;
	if (mlmd_model_load_buffer(&m, bytes, len, "test"))
		fail_msg("load failed: %s", mlmd_error_message());
	return m;
}

static mlmd_explainer *explainer_ok(mlmd_model *m, const mlmd_tensor *bg, size_t nbg)
{
	mlmd_explainer *e = NULL;
	if (mlmd_explainer_new(&e, m, bg, nbg))
		fail_msg("explainer: %s", mlmd_error_message());
	return e;
}

/* Expects mlmd_explainer_new to fail with code and a message holding each needle. */
static void explainer_fails(mlmd_model *m, const mlmd_tensor *bg, size_t nbg, int code, const char *needle,
	const char *needle2)
{
	mlmd_explainer *e = NULL;
	int rc = mlmd_explainer_new(&e, m, bg, nbg);
	if (rc == 0)
		fail_msg("explainer built, expected %s", needle);
	assert_int_equal(rc, -code);
	assert_null(e);
	if (!strstr(mlmd_error_message(), needle) || (needle2 && !strstr(mlmd_error_message(), needle2)))
		fail_msg("message '%s' lacks '%s' / '%s'", mlmd_error_message(), needle, needle2 ? needle2 : "");
}

static mlmd_tensor t2(int dtype, int64_t rows, int64_t cols, void *data)
{
	mlmd_tensor t = { .dtype = dtype, .rank = 2, .dims = { rows, cols }, .data = data };
	return t;
}

static mlmd_tensor t1(int dtype, int64_t rows, void *data)
{
	mlmd_tensor t = { .dtype = dtype, .rank = 1, .dims = { rows }, .data = data };
	return t;
}

static void assert_near(double a, double b, double tol)
{
	if (!(fabs(a - b) <= tol * (1 + fabs(b))))
		fail_msg("%.17g != %.17g", a, b);
}

/* A LinearRegressor over X [N, 3] (FLOAT): y = 0.5 - 2 x0 + 3 x1 + 0.25 x2. */
static const float REG_W[3] = { -2.0f, 3.0f, 0.25f };
static void build_regressor(ob *b, const char *xin)
{
	ob_opset(b, "", 13);
	ob_opset(b, "ai.onnx.ml", 3);
	ob_node(b, "LinearRegressor", "ai.onnx.ml", "lin", xin, "Y", ob_floats(b, "coefficients", REG_W, 3),
		ob_floats(b, "intercepts", (float[]){ 0.5f }, 1), NULL);
	ob_output(b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
}

/* ---- values -------------------------------------------------------------------------------- */

static void regressor_contributions_by_hand(void **state)
{
	(void)state;
	ob b = { 0 };
	build_regressor(&b, "X");
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	/* without a background: means 0, bias = the intercept */
	mlmd_explainer *e = explainer_ok(m, NULL, 0);
	assert_string_equal(mlmd_explainer_method(e), "linear");
	assert_int_equal(mlmd_explainer_feature_count(e), 3);
	assert_string_equal(mlmd_explainer_feature_name(e, 0), "X_0");
	assert_string_equal(mlmd_explainer_feature_name(e, 2), "X_2");
	assert_null(mlmd_explainer_feature_name(e, 3));
	assert_int_equal(mlmd_explainer_output_count(e), 1);
	assert_null(mlmd_explainer_output_label(e, 0));
	float x[6] = { 1, 2, 4, -1, 0.5f, 8 };
	mlmd_tensor in = t2(MLMD_DTYPE_FLOAT, 2, 3, x);
	double out[8], margin[2];
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 8, margin), 0);
	assert_near(out[0], -2.0, 1e-15);
	assert_near(out[1], 6.0, 1e-15);
	assert_near(out[2], 1.0, 1e-15);
	assert_near(out[3], 0.5, 1e-15);
	assert_near(margin[0], 0.5 - 2 + 6 + 1, 1e-15);
	assert_near(out[4], 2.0, 1e-15);
	assert_near(out[5], 1.5, 1e-15);
	assert_near(out[6], 2.0, 1e-15);
	assert_near(margin[1], 0.5 + 2 + 1.5 + 2, 1e-15);
	/* the margin is what the scorer computes (its FLOAT output) */
	float y[2];
	mlmd_tensor o = { .data = y, .capacity = 2 };
	assert_int_equal(mlmd_model_score(m, ctx, &in, 1, &o, 1), 0);
	assert_near(margin[0], y[0], 1e-6);
	assert_near(margin[1], y[1], 1e-6);
	mlmd_explainer_free(e);

	/* with a background: means (2, 1, 0) over its rows, a NaN skipped */
	float bgx[9] = { 1, 0, NAN, 3, 2, 1, 2, 1, -1 };
	mlmd_tensor bg = t2(MLMD_DTYPE_FLOAT, 3, 3, bgx);
	e = explainer_ok(m, &bg, 1);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 8, margin), 0);
	assert_near(out[0], -2.0 * (1 - 2), 1e-15);
	assert_near(out[1], 3.0 * (2 - 1), 1e-15);
	assert_near(out[2], 0.25 * (4 - 0), 1e-15);
	assert_near(out[3], 0.5 - 2 * 2 + 3 * 1 + 0.25 * 0, 1e-15);
	for (int r = 0; r < 2; r++) {
		double s = 0;
		for (int j = 0; j < 4; j++)
			s += out[r * 4 + j];
		assert_near(s, margin[r], 1e-12);
	}
	/* an infinite background value is refused, naming the feature and the row (it made the
	 * mean and so every row's contribution and the bias infinite or NaN; hostile-input helper) */
	float bginf[9] = { 1, 0, NAN, 3, -INFINITY, 1, 2, 1, -1 };
	mlmd_tensor bgi = t2(MLMD_DTYPE_FLOAT, 3, 3, bginf);
	explainer_fails(m, &bgi, 1, MLMD_INVALID_ARGUMENT, "background row 2: feature 'X_1' is infinite", NULL);
	/* a missing value in an explained row: its contribution and the margin are NaN */
	x[1] = NAN;
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 8, margin), 0);
	assert_true(isnan(out[1]) && isnan(margin[0]));
	assert_false(isnan(out[0]) || isnan(out[3]) || isnan(margin[1]));
	mlmd_explainer_free(e);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
	ob_free(&b);
}

static void classifier_margins_and_labels(void **state)
{
	(void)state;
	/* three classes, string labels, SOFTMAX: margins are the raw scores */
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_opset(&b, "ai.onnx.ml", 3);
	ob_node(&b, "LinearClassifier", "ai.onnx.ml", "lin", "X", "label,probs",
		ob_floats(&b, "coefficients", (float[]){ 1, 0, 0, 1, -1, -1 }, 6),
		ob_floats(&b, "intercepts", (float[]){ 0.5f, 0, -0.5f }, 3),
		ob_strings(&b, "classlabels_strings", (const char *[]){ "a", "b", "c" }, 3),
		ob_string(&b, "post_transform", "SOFTMAX"), NULL);
	ob_input(&b, "X", MLMD_DTYPE_DOUBLE, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "label", MLMD_DTYPE_STRING, 1, (int64_t[]){ -1 });
	ob_output(&b, "probs", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	double bgx[4] = { 1, 1, 3, 5 }; /* means 2, 3 */
	mlmd_tensor bg = t2(MLMD_DTYPE_DOUBLE, 2, 2, bgx);
	mlmd_explainer *e = explainer_ok(m, &bg, 1);
	assert_int_equal(mlmd_explainer_output_count(e), 3);
	assert_string_equal(mlmd_explainer_output_label(e, 0), "a");
	assert_string_equal(mlmd_explainer_output_label(e, 2), "c");
	assert_null(mlmd_explainer_output_label(e, 3));
	double x[2] = { 4, -1 };
	mlmd_tensor in = t2(MLMD_DTYPE_DOUBLE, 1, 2, x);
	double out[9], mg[3];
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 9, mg), 0);
	double want[9] = { 1 * (4 - 2), 0, 0.5 + 2, 0, 1 * (-1 - 3), 3, -1 * (4 - 2), -1 * (-1 - 3), -0.5 - 5 };
	for (int i = 0; i < 9; i++)
		assert_near(out[i], want[i], 1e-15);
	assert_near(mg[0], 4.5, 1e-15);
	assert_near(mg[1], -1, 1e-15);
	assert_near(mg[2], -3.5, 1e-15);
	/* softmax of the margins gives the scorer's probabilities */
	float p[3];
	mlmd_tensor outs[2] = { { 0 }, { .data = p, .capacity = 3 } };
	assert_int_equal(mlmd_model_score(m, ctx, &in, 1, outs, 2), 0);
	double z = exp(mg[0]) + exp(mg[1]) + exp(mg[2]);
	for (int k = 0; k < 3; k++)
		assert_near(p[k], exp(mg[k]) / z, 1e-6);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	ob_free(&b);

	/* binary with one coefficient row, int labels: one margin s (the second class's score), no labels */
	ob c = { 0 };
	ob_opset(&c, "", 13);
	ob_opset(&c, "ai.onnx.ml", 3);
	ob_node(&c, "LinearClassifier", "ai.onnx.ml", "lin", "X", "label,probs",
		ob_floats(&c, "coefficients", (float[]){ 2, -1 }, 2), ob_floats(&c, "intercepts", (float[]){ 0.25f }, 1),
		ob_ints(&c, "classlabels_ints", (int64_t[]){ 0, 1 }, 2), ob_string(&c, "post_transform", "LOGISTIC"), NULL);
	ob_input(&c, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&c, "label", MLMD_DTYPE_INT64, 1, (int64_t[]){ -1 });
	ob_output(&c, "probs", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	m = load_ok(&c);
	e = explainer_ok(m, NULL, 0);
	assert_int_equal(mlmd_explainer_output_count(e), 1);
	assert_null(mlmd_explainer_output_label(e, 0));
	float xf[2] = { 1.5f, 0.5f };
	in = t2(MLMD_DTYPE_FLOAT, 1, 2, xf);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 3, mg), 0);
	assert_near(out[0], 3, 1e-15);
	assert_near(out[1], -0.5, 1e-15);
	assert_near(out[2], 0.25, 1e-15);
	assert_near(mg[0], 2.75, 1e-15);
	mlmd_tensor o2[2] = { { 0 }, { .data = p, .capacity = 2 } };
	assert_int_equal(mlmd_model_score(m, ctx, &in, 1, o2, 2), 0);
	assert_near(p[1], 1 / (1 + exp(-mg[0])), 1e-6);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
	ob_free(&c);
}

/* ---- the trace ------------------------------------------------------------------------------- */

/* Explains one row of the regressor whose X is made by `build` from the
 * inputs a (FLOAT [N, 2]) and c (INT64 [N]); names the features. */
static void traced(void (*build)(ob *b), const char *names, const double *want)
{
	ob b = { 0 };
	build(&b);
	mlmd_model *m = load_ok(&b);
	mlmd_explainer *e = explainer_ok(m, NULL, 0);
	char got[256] = "";
	for (size_t i = 0; i < mlmd_explainer_feature_count(e); i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", mlmd_explainer_feature_name(e, i));
	assert_string_equal(got, names);
	float a[2] = { 10, 20 };
	int64_t c[1] = { 7 };
	mlmd_tensor in[2];
	for (size_t i = 0; i < mlmd_model_input_count(m); i++) {
		const mlmd_value_info *vi = mlmd_model_input(m, i);
		in[i] = !strcmp(vi->name, "a") ? t2(MLMD_DTYPE_FLOAT, 1, 2, a) : t1(MLMD_DTYPE_INT64, 1, c);
		if (vi->rank == 2 && strcmp(vi->name, "a"))
			in[i] = t2(MLMD_DTYPE_INT64, 1, 1, c);
	}
	double out[4], mg;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, in, mlmd_model_input_count(m), out, 4, &mg), 0);
	for (int j = 0; j < 3; j++)
		assert_near(out[j], REG_W[j] * want[j], 1e-15);
	float y;
	mlmd_tensor o = { .data = &y, .capacity = 1 };
	assert_int_equal(mlmd_model_score(m, ctx, in, mlmd_model_input_count(m), &o, 1), 0);
	assert_near(mg, y, 1e-6);
	mlmd_score_ctx_free(ctx);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	ob_free(&b);
}

static void build_concat(ob *b)
{
	build_regressor(b, "X");
	ob_node(b, "Cast", "", "cast", "c", "cf", ob_int(b, "to", MLMD_DTYPE_FLOAT), NULL);
	ob_node(b, "Unsqueeze", "", "unsq", "cf,ax", "c2", NULL);
	ob_init(b, ob_tensor_new(b, "ax", MLMD_DTYPE_INT64, 1, (int64_t[]){ 1 }, (int64_t[]){ 1 }, 1));
	ob_node(b, "Identity", "", "id", "a", "a2", NULL);
	ob_node(b, "Concat", "", "cat", "c2,a2", "X", ob_int(b, "axis", -1), NULL);
	ob_input(b, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_input(b, "c", MLMD_DTYPE_INT64, 1, (int64_t[]){ -1 });
}

static void build_reshape_flatten(ob *b)
{
	build_regressor(b, "X");
	/* a [N, 2] -> Reshape [-1, 1, 2] -> Flatten(axis 1) -> [N, 2]; c [N, 1] -> Squeeze(2? no: axis 1) -> Unsqueeze */
	ob_init(b, ob_tensor_new(b, "shape", MLMD_DTYPE_INT64, 1, (int64_t[]){ 3 }, (int64_t[]){ -1, 1, 2 }, 3));
	ob_node(b, "Reshape", "", "resh", "a,shape", "a3", NULL);
	ob_node(b, "Flatten", "", "flat", "a3", "a2", ob_int(b, "axis", 1), NULL);
	ob_init(b, ob_tensor_new(b, "ax1", MLMD_DTYPE_INT64, 1, (int64_t[]){ 1 }, (int64_t[]){ 1 }, 1));
	ob_node(b, "Squeeze", "", "sq", "c,ax1", "c1", NULL);
	ob_node(b, "Unsqueeze", "", "unsq", "c1,ax1", "c2", NULL);
	ob_node(b, "Cast", "", "cast", "c2", "cf", ob_int(b, "to", MLMD_DTYPE_FLOAT), NULL);
	ob_node(b, "Concat", "", "cat", "a2,cf", "X", ob_int(b, "axis", 1), NULL);
	ob_input(b, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_input(b, "c", MLMD_DTYPE_INT64, 2, (int64_t[]){ -1, 1 });
}

static void trace_follows_shape_ops(void **state)
{
	(void)state;
	traced(build_concat, "c,a_0,a_1", (double[]){ 7, 10, 20 });
	traced(build_reshape_flatten, "a_0,a_1,c", (double[]){ 10, 20, 7 });
}

static void trace_refuses_other_nodes(void **state)
{
	(void)state;
	/* a Normalizer between the input and the linear node */
	ob b = { 0 };
	build_regressor(&b, "X");
	ob_node(&b, "Normalizer", "ai.onnx.ml", "norm", "a", "X", ob_string(&b, "norm", "L2"), NULL);
	ob_input(&b, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "node 'norm' (ai.onnx.ml::Normalizer) lies between",
		"explained node 'lin'");
	mlmd_model_free(m);
	ob_free(&b);

	/* a Cast to INT64 */
	ob c = { 0 };
	build_regressor(&c, "X");
	ob_node(&c, "Cast", "", "toint", "a", "X", ob_int(&c, "to", MLMD_DTYPE_INT64), NULL);
	ob_input(&c, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	m = load_ok(&c);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "node 'toint' (ai.onnx::Cast)", "casts to INT64");
	mlmd_model_free(m);
	ob_free(&c);

	/* a Concat along the rows */
	ob d = { 0 };
	build_regressor(&d, "X");
	ob_node(&d, "Concat", "", "rows", "a,a", "X", ob_int(&d, "axis", 0), NULL);
	ob_input(&d, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	m = load_ok(&d);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "node 'rows' (ai.onnx::Concat)", "axis 1");
	mlmd_model_free(m);
	ob_free(&d);

	/* a Flatten that folds the rows */
	ob f = { 0 };
	build_regressor(&f, "X");
	ob_node(&f, "Flatten", "", "fl0", "a", "X", ob_int(&f, "axis", 0), NULL);
	ob_input(&f, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	m = load_ok(&f);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "node 'fl0' (ai.onnx::Flatten)", "keep the rows");
	mlmd_model_free(m);
	ob_free(&f);

	/* an input whose columns are not declared */
	ob g = { 0 };
	build_regressor(&g, "X");
	ob_input(&g, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, -1 });
	m = load_ok(&g);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "input 'X'", "dimension 1");
	mlmd_model_free(m);
	ob_free(&g);
}


/* Scalers in front of the linear node are folded into its coefficients. */
static void scaler_is_folded(void **state)
{
	(void)state;
	ob b = { 0 };
	build_regressor(&b, "X");
	ob_node(&b, "Scaler", "ai.onnx.ml", "scale", "s1", "X", ob_floats(&b, "offset", (float[]){ 1, -2, 0.5f }, 3),
		ob_floats(&b, "scale", (float[]){ 2, 0.5f, 4 }, 3), NULL);
	ob_node(&b, "Scaler", "ai.onnx.ml", "scale0", "a", "s1", ob_floats(&b, "offset", (float[]){ 1 }, 1), NULL);
	ob_input(&b, "a", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	float bgx[6] = { 1, 2, 3, 5, 6, 7 }; /* means 3, 4, 5 */
	mlmd_tensor bg = t2(MLMD_DTYPE_FLOAT, 2, 3, bgx);
	mlmd_explainer *e = explainer_ok(m, &bg, 1);
	assert_string_equal(mlmd_explainer_feature_name(e, 1), "a_1");
	float x[3] = { 4, 0, -1 };
	mlmd_tensor in = t2(MLMD_DTYPE_FLOAT, 1, 3, x);
	double out[4], mg;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 4, &mg), 0);
	/* w_i scale_i (x_i - mean_i); x - 1 (scale0) then ((.) - off) * sc (scale) */
	assert_near(out[0], -2.0 * 2 * (4 - 3), 1e-15);
	assert_near(out[1], 3.0 * 0.5 * (0 - 4), 1e-15);
	assert_near(out[2], 0.25 * 4 * (-1 - 5), 1e-15);
	double y0 = ((4 - 1) - 1) * 2.0, y1 = ((0 - 1) + 2) * 0.5, y2 = ((-1 - 1) - 0.5) * 4.0;
	assert_near(mg, 0.5 - 2 * y0 + 3 * y1 + 0.25 * y2, 1e-12);
	assert_near(out[0] + out[1] + out[2] + out[3], mg, 1e-12);
	float y;
	mlmd_tensor o = { .data = &y, .capacity = 1 };
	assert_int_equal(mlmd_model_score(m, ctx, &in, 1, &o, 1), 0);
	assert_near(mg, y, 1e-6);
	mlmd_score_ctx_free(ctx);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	ob_free(&b);
}

/* ---- models that are not explained ------------------------------------------------------------ */

static void mlp_is_unimplemented(void **state)
{
	(void)state;
	ob b = { 0 };
	ob_opset(&b, "", 13);
	float w[6] = { 1, 2, 3, 4, 5, 6 };
	ob_init(&b, ob_tensor_new(&b, "W", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ 3, 2 }, w, 6));
	ob_node(&b, "MatMul", "", "mm", "X,W", "H", NULL);
	ob_node(&b, "Relu", "", "relu", "H", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	mlmd_model *m = load_ok(&b);
	explainer_fails(m, NULL, 0, MLMD_UNIMPLEMENTED, "explanations need a tree ensemble or a linear model",
		"its output comes from node 'relu' (ai.onnx::Relu)");
	mlmd_model_free(m);
	ob_free(&b);

	/* two linear models */
	ob c = { 0 };
	build_regressor(&c, "X");
	ob_node(&c, "LinearRegressor", "ai.onnx.ml", "lin2", "X", "Y2", ob_floats(&c, "coefficients", REG_W, 3), NULL);
	ob_input(&c, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_output(&c, "Y2", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	m = load_ok(&c);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "more than one", "'lin2'");
	mlmd_model_free(m);
	ob_free(&c);

	/* a linear model whose output is added to another branch */
	ob d = { 0 };
	build_regressor(&d, "X");
	d.n_outputs = 0;
	ob_node(&d, "Add", "", "mix", "Y,Z", "S", NULL);
	ob_input(&d, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	ob_input(&d, "Z", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	ob_output(&d, "S", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	m = load_ok(&d);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "node 'mix' (ai.onnx::Add) after the explained node 'lin'",
		"value 'Z'");
	mlmd_model_free(m);
	ob_free(&d);
}

/* ---- checks ------------------------------------------------------------------------------------- */

static void checks_inputs_and_capacity(void **state)
{
	(void)state;
	ob b = { 0 };
	build_regressor(&b, "X");
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	mlmd_explainer *e = explainer_ok(m, NULL, 0);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	float x[6] = { 1, 2, 3, 4, 5, 6 };
	double out[8];
	mlmd_tensor in = t2(MLMD_DTYPE_FLOAT, 2, 3, x);
	/* capacity: 2 rows x (3 + 1) = 8 */
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 7, NULL), -MLMD_OUT_OF_RANGE);
	assert_non_null(strstr(mlmd_error_message(), "take 8 doubles; out holds 7"));
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 1, out, 8, NULL), 0);
	/* shapes, dtypes, counts, as the scorer checks them */
	mlmd_tensor bad = t2(MLMD_DTYPE_FLOAT, 2, 2, x);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &bad, 1, out, 8, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "dimension 1 is 2, the model declares 3"));
	const char *s[6] = { "a", "b", "c", "d", "e", "f" };
	bad = t2(MLMD_DTYPE_STRING, 2, 3, s);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &bad, 1, out, 8, NULL), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "element type STRING, the model expects FLOAT"));
	assert_int_equal(mlmd_explainer_explain(e, ctx, &in, 2, out, 8, NULL), -MLMD_INVALID_ARGUMENT);
	assert_int_equal(mlmd_explainer_explain(e, NULL, &in, 1, out, 8, NULL), -MLMD_INVALID_ARGUMENT);
	/* other numeric input types are read as the scorer converts them */
	int64_t xi[6] = { 1, 2, 3, 4, 5, 6 };
	double out2[8];
	mlmd_tensor ini = t2(MLMD_DTYPE_INT64, 2, 3, xi);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &ini, 1, out2, 8, NULL), 0);
	assert_memory_equal(out, out2, sizeof out);
	double xd[6] = { 1, 2, 3, 4, 5, 6 };
	mlmd_tensor ind = t2(MLMD_DTYPE_DOUBLE, 2, 3, xd);
	assert_int_equal(mlmd_explainer_explain(e, ctx, &ind, 1, out2, 8, NULL), 0);
	assert_memory_equal(out, out2, sizeof out);
	/* a background of the wrong shape */
	mlmd_tensor bgbad = t2(MLMD_DTYPE_FLOAT, 3, 2, x);
	explainer_fails(m, &bgbad, 1, MLMD_INVALID_ARGUMENT, "background: input 'X'", "dimension 1");
	explainer_fails(m, &in, 2, MLMD_INVALID_ARGUMENT, "background: the model has 1 input(s), 2 given", NULL);
	mlmd_explainer_free(e);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
	ob_free(&b);
}


/* ---- PMML ----------------------------------------------------------------------------------------- */

#define PMML_HEAD "<?xml version=\"1.0\"?><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"><Header/>"

static mlmd_model *load_pmml(const char *xml)
{
	mlmd_model *m = NULL;
	if (mlmd_model_load_buffer(&m, xml, strlen(xml), "test.pmml"))
		fail_msg("load: %s", mlmd_error_message());
	return m;
}

/* x (double) and g (string) as the model's inputs, in its order. */
static void pmml_inputs(mlmd_model *m, mlmd_tensor *in, int64_t n, double *x, const char **g)
{
	int ix = mlmd_model_input_index(m, "x"), ig = mlmd_model_input_index(m, "g");
	assert_true(ix >= 0 && ig >= 0);
	in[ix] = t1(MLMD_DTYPE_DOUBLE, n, x);
	in[ig] = t1(MLMD_DTYPE_STRING, n, (void *)g);
}

static const char *PMML_DD = "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
	"<DataField name=\"g\" optype=\"categorical\" dataType=\"string\"><Value value=\"red\"/><Value value=\"blue\"/>"
	"<Value value=\"green\"/></DataField>"
	"<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"A\"/><Value value=\"B\"/>"
	"<Value value=\"C\"/></DataField><DataField name=\"r\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>";

static void pmml_regression_model(void **state)
{
	(void)state;
	char xml[4096];
	/* r = 1 + 2 x + 3 [g = red] - 1 [g = blue]; x missing is replaced by 10 */
	snprintf(xml, sizeof xml, PMML_HEAD "%s<RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\" missingValueReplacement=\"10\"/><MiningField name=\"g\"/>"
		"<MiningField name=\"r\" usageType=\"predicted\"/></MiningSchema><RegressionTable intercept=\"1\">"
		"<NumericPredictor name=\"x\" coefficient=\"2\"/><CategoricalPredictor name=\"g\" value=\"red\" coefficient=\"3\"/>"
		"<CategoricalPredictor name=\"g\" value=\"blue\" coefficient=\"-1\"/></RegressionTable></RegressionModel></PMML>",
		PMML_DD);
	mlmd_model *m = load_pmml(xml);
	/* background: x = 1, 3, NaN (replaced: 10) -> mean 14/3; g = red, blue, green -> mean coefficient 2/3 */
	double bx[3] = { 1, 3, NAN };
	const char *bg_g[3] = { "red", "blue", "green" };
	mlmd_tensor bg[2];
	pmml_inputs(m, bg, 3, bx, bg_g);
	/* an infinite background value, or values whose sum overflows, are refused (hostile-input helper) */
	double binf[3] = { 1, INFINITY, NAN }, bbig[3] = { 1e308, 1e308, 1 };
	pmml_inputs(m, bg, 3, binf, bg_g);
	explainer_fails(m, bg, 2, MLMD_INVALID_ARGUMENT, "background row 2: field 'x' is infinite", NULL);
	pmml_inputs(m, bg, 3, bbig, bg_g);
	explainer_fails(m, bg, 2, MLMD_INVALID_ARGUMENT, "the values of field 'x' overflow their sum", NULL);
	pmml_inputs(m, bg, 3, bx, bg_g);
	mlmd_explainer *e = explainer_ok(m, bg, 2);
	assert_string_equal(mlmd_explainer_method(e), "linear");
	assert_int_equal(mlmd_explainer_feature_count(e), 2);
	assert_string_equal(mlmd_explainer_feature_name(e, 0), "x");
	assert_string_equal(mlmd_explainer_feature_name(e, 1), "g");
	assert_int_equal(mlmd_explainer_output_count(e), 1);
	double x[3] = { 2, NAN, 0 };
	const char *g[3] = { "blue", "red", "" };
	mlmd_tensor in[2];
	pmml_inputs(m, in, 3, x, g);
	double out[9], mg[3];
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, in, 2, out, 9, mg), 0);
	double bias = 1 + 2 * 14.0 / 3 + 2.0 / 3;
	assert_near(out[0], 2 * (2 - 14.0 / 3), 1e-15);
	assert_near(out[1], -1 - 2.0 / 3, 1e-15);
	assert_near(out[2], bias, 1e-15);
	assert_near(mg[0], 1 + 4 - 1, 1e-15);
	assert_near(out[3], 2 * (10 - 14.0 / 3), 1e-15); /* replaced */
	assert_near(out[4], 3 - 2.0 / 3, 1e-15);
	assert_near(mg[1], 1 + 20 + 3, 1e-15);
	assert_true(isnan(out[7]) && isnan(mg[2])); /* g missing: the scorer's result is missing too */
	for (int r = 0; r < 2; r++)
		assert_near(out[r * 3] + out[r * 3 + 1] + out[r * 3 + 2], mg[r], 1e-12);
	/* the margins are the scorer's predictions (no normalization) */
	mlmd_tensor o[1] = { { 0 } };
	assert_int_equal(mlmd_model_score(m, ctx, in, 2, o, 1), 0);
	assert_near(((double *)o[0].data)[0], mg[0], 1e-12);
	assert_near(((double *)o[0].data)[1], mg[1], 1e-12);
	assert_true(isnan(((double *)o[0].data)[2]));
	mlmd_explainer_free(e);
	mlmd_model_free(m);

	/* classification, softmax: one margin per table, labelled by category */
	snprintf(xml, sizeof xml, PMML_HEAD "%s<RegressionModel functionName=\"classification\" "
		"normalizationMethod=\"softmax\"><MiningSchema><MiningField name=\"x\"/><MiningField name=\"g\"/>"
		"<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>"
		"<RegressionTable intercept=\"0.5\" targetCategory=\"A\"><NumericPredictor name=\"x\" coefficient=\"-1\"/></RegressionTable>"
		"<RegressionTable intercept=\"0\" targetCategory=\"B\"><CategoricalPredictor name=\"g\" value=\"green\" coefficient=\"2\"/>"
		"</RegressionTable><RegressionTable intercept=\"0\" targetCategory=\"C\"/></RegressionModel></PMML>", PMML_DD);
	m = load_pmml(xml);
	e = explainer_ok(m, NULL, 0);
	assert_int_equal(mlmd_explainer_output_count(e), 3);
	assert_string_equal(mlmd_explainer_output_label(e, 0), "A");
	assert_string_equal(mlmd_explainer_output_label(e, 1), "B");
	assert_string_equal(mlmd_explainer_output_label(e, 2), "C");
	x[0] = 3;
	g[0] = "green";
	pmml_inputs(m, in, 1, x, g);
	assert_int_equal(mlmd_explainer_explain(e, ctx, in, 2, out, 9, mg), 0);
	double want[9] = { -3, 0, 0.5, 0, 2, 0, 0, 0, 0 };
	for (int i = 0; i < 9; i++)
		assert_near(out[i], want[i], 1e-15);
	mlmd_tensor po[2] = { { 0 }, { 0 } };
	assert_int_equal(mlmd_model_score(m, ctx, in, 2, po, 2), 0);
	double z = exp(mg[0]) + exp(mg[1]) + exp(mg[2]);
	assert_near(((double *)po[1].data)[1], exp(mg[1]) / z, 1e-12);
	mlmd_explainer_free(e);
	mlmd_model_free(m);

	/* refused: an exponent, a PredictorTerm */
	snprintf(xml, sizeof xml, PMML_HEAD "%s<RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"r\" usageType=\"predicted\"/></MiningSchema>"
		"<RegressionTable intercept=\"1\"><NumericPredictor name=\"x\" exponent=\"2\" coefficient=\"2\"/>"
		"</RegressionTable></RegressionModel></PMML>", PMML_DD);
	m = load_pmml(xml);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "PMML RegressionModel", "NumericPredictor 'x' has exponent 2");
	mlmd_model_free(m);
	snprintf(xml, sizeof xml, PMML_HEAD "%s<RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"r\" usageType=\"predicted\"/></MiningSchema>"
		"<RegressionTable intercept=\"1\"><PredictorTerm coefficient=\"2\"><FieldRef field=\"x\"/><FieldRef field=\"x\"/>"
		"</PredictorTerm></RegressionTable></RegressionModel></PMML>", PMML_DD);
	m = load_pmml(xml);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "PredictorTerms", NULL);
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
}

static void pmml_general_regression(void **state)
{
	(void)state;
	const char *lists = "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/><Parameter name=\"p3\"/>"
		"</ParameterList><FactorList><Predictor name=\"g\"/></FactorList>"
		"<CovariateList><Predictor name=\"x\"/></CovariateList><PPMatrix><PPCell value=\"1\" predictorName=\"x\" "
		"parameterName=\"p1\"/><PPCell value=\"red\" predictorName=\"g\" parameterName=\"p3\"/></PPMatrix>";
	char xml[4096];
	/* multinomial, reference C: eta_A = 1 - 0.5 x, eta_B = -1 + 2 [g = red], eta_C = 0 */
	snprintf(xml, sizeof xml, PMML_HEAD "%s<GeneralRegressionModel functionName=\"classification\" "
		"modelType=\"multinomialLogistic\" targetReferenceCategory=\"C\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"g\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>%s<ParamMatrix>"
		"<PCell targetCategory=\"A\" parameterName=\"p0\" beta=\"1\"/><PCell targetCategory=\"A\" parameterName=\"p1\" beta=\"-0.5\"/>"
		"<PCell targetCategory=\"B\" parameterName=\"p0\" beta=\"-1\"/><PCell targetCategory=\"B\" parameterName=\"p3\" beta=\"2\"/>"
		"</ParamMatrix></GeneralRegressionModel></PMML>", PMML_DD, lists);
	mlmd_model *m = load_pmml(xml);
	double bx[2] = { 0, 4 };
	const char *bg_g[2] = { "red", "blue" };
	mlmd_tensor bg[2], in[2];
	pmml_inputs(m, bg, 2, bx, bg_g);
	mlmd_explainer *e = explainer_ok(m, bg, 2);
	assert_int_equal(mlmd_explainer_output_count(e), 3);
	assert_string_equal(mlmd_explainer_output_label(e, 2), "C");
	double x[1] = { 1 };
	const char *g[1] = { "red" };
	pmml_inputs(m, in, 1, x, g);
	double out[9], mg[3];
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	assert_int_equal(mlmd_explainer_explain(e, ctx, in, 2, out, 9, mg), 0);
	/* means: x 2, [g = red] 0.5 */
	double want[9] = { -0.5 * (1 - 2), 0, 1 - 0.5 * 2, 0, 2 * (1 - 0.5), -1 + 2 * 0.5, 0, 0, 0 };
	for (int i = 0; i < 9; i++)
		assert_near(out[i], want[i], 1e-15);
	assert_near(mg[0], 0.5, 1e-15);
	assert_near(mg[1], 1, 1e-15);
	assert_near(mg[2], 0, 1e-15);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	/* binary generalizedLinear (logit), reference "no": one margin, eta of "yes" */
	const char *dd2 = "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"g\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"b\" optype=\"categorical\" dataType=\"string\"><Value value=\"no\"/>"
		"<Value value=\"yes\"/></DataField></DataDictionary>";
	snprintf(xml, sizeof xml, PMML_HEAD "%s<GeneralRegressionModel functionName=\"classification\" "
		"modelType=\"generalizedLinear\" linkFunction=\"logit\" targetReferenceCategory=\"no\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"g\"/><MiningField name=\"b\" usageType=\"predicted\"/>"
		"</MiningSchema>%s<ParamMatrix><PCell parameterName=\"p0\" beta=\"-0.25\"/>"
		"<PCell parameterName=\"p1\" beta=\"0.75\"/><PCell parameterName=\"p3\" beta=\"-2\"/></ParamMatrix>"
		"</GeneralRegressionModel></PMML>", dd2, lists);
	m = load_pmml(xml);
	e = explainer_ok(m, NULL, 0);
	assert_int_equal(mlmd_explainer_output_count(e), 1);
	assert_null(mlmd_explainer_output_label(e, 0));
	x[0] = 2;
	g[0] = "red";
	pmml_inputs(m, in, 1, x, g);
	assert_int_equal(mlmd_explainer_explain(e, ctx, in, 2, out, 3, mg), 0);
	assert_near(out[0], 1.5, 1e-15);
	assert_near(out[1], -2, 1e-15);
	assert_near(out[2], -0.25, 1e-15);
	mlmd_tensor po[2] = { { 0 }, { 0 } };
	assert_int_equal(mlmd_model_score(m, ctx, in, 2, po, 2), 0);
	assert_near(((double *)po[1].data)[1], 1 / (1 + exp(-mg[0])), 1e-12); /* P(yes) */
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	/* a squared covariate is not linear */
	const char *sq = "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/></ParameterList>"
		"<CovariateList><Predictor name=\"x\"/></CovariateList><PPMatrix><PPCell value=\"2\" predictorName=\"x\" "
		"parameterName=\"p1\"/></PPMatrix>";
	snprintf(xml, sizeof xml, PMML_HEAD "%s<GeneralRegressionModel functionName=\"regression\" modelType=\"regression\">"
		"<MiningSchema><MiningField name=\"x\"/><MiningField name=\"r\" usageType=\"predicted\"/></MiningSchema>%s"
		"<ParamMatrix><PCell parameterName=\"p0\" beta=\"0.5\"/><PCell parameterName=\"p1\" beta=\"0.2\"/></ParamMatrix>"
		"</GeneralRegressionModel></PMML>", PMML_DD, sq);
	m = load_pmml(xml);
	explainer_fails(m, NULL, 0, MLMD_FAILED_PRECONDITION, "PMML GeneralRegressionModel", "exponent other than 1");
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
}

/* ---- threads ------------------------------------------------------------------------------------ */

enum { T_ROWS = 500, T_THREADS = 4 };
typedef struct {
	const mlmd_explainer *e;
	const mlmd_tensor *in;
	double out[T_ROWS * 4];
	int rc;
} job;

static void *explain_thread(void *arg)
{
	job *j = arg;
	mlmd_score_ctx *ctx;
	if ((j->rc = mlmd_score_ctx_new(&ctx)))
		return NULL;
	for (int rep = 0; rep < 20 && !j->rc; rep++)
		j->rc = mlmd_explainer_explain(j->e, ctx, j->in, 1, j->out, T_ROWS * 4, NULL);
	mlmd_score_ctx_free(ctx);
	return NULL;
}

static void threads_share_one_explainer(void **state)
{
	(void)state;
	ob b = { 0 };
	build_regressor(&b, "X");
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 3 });
	mlmd_model *m = load_ok(&b);
	static float x[T_ROWS * 3];
	for (int i = 0; i < T_ROWS * 3; i++)
		x[i] = (float)((i * 37) % 101) / 7.0f;
	mlmd_tensor in = t2(MLMD_DTYPE_FLOAT, T_ROWS, 3, x);
	mlmd_explainer *e = explainer_ok(m, &in, 1);
	static job jobs[T_THREADS + 1];
	pthread_t th[T_THREADS];
	for (int t = 0; t <= T_THREADS; t++)
		jobs[t] = (job){ .e = e, .in = &in };
	explain_thread(&jobs[T_THREADS]); /* the reference, alone */
	assert_int_equal(jobs[T_THREADS].rc, 0);
	for (int t = 0; t < T_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, explain_thread, &jobs[t]), 0);
	for (int t = 0; t < T_THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(jobs[t].rc, 0);
		assert_memory_equal(jobs[t].out, jobs[T_THREADS].out, sizeof jobs[t].out);
	}
	mlmd_explainer_free(e);
	mlmd_model_free(m); /* the explainer held its own reference until now */
	ob_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(regressor_contributions_by_hand),
		cmocka_unit_test(classifier_margins_and_labels),
		cmocka_unit_test(trace_follows_shape_ops),
		cmocka_unit_test(trace_refuses_other_nodes),
		cmocka_unit_test(scaler_is_folded),
		cmocka_unit_test(mlp_is_unimplemented),
		cmocka_unit_test(checks_inputs_and_capacity),
		cmocka_unit_test(pmml_regression_model),
		cmocka_unit_test(pmml_general_regression),
		cmocka_unit_test(threads_share_one_explainer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

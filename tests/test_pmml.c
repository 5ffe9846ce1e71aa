/*
 * PMML: the model types and features the cPMML conformance data does not
 * reach (neural networks, naive Bayes, scorecards with reason codes, general
 * regression, every tree missing-value strategy, segmentation methods,
 * transformations, targets, outputs, ModelVerification) on small documents
 * whose answers are worked out here, and the refusals: DTDs, entity bombs,
 * external entities, deep nesting, unsupported elements.
 */
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mlmd.h"
#include "scorer/load.h"

#define HEAD "<?xml version=\"1.0\"?><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"><Header/>"

/* ---- the library's heap, counted (the binary is linked with --wrap for these) ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void __real_free(void *p);
static size_t n_allocs, live_bytes, peak_bytes;

static void *counted(void *p)
{
	if (p) {
		n_allocs++;
		live_bytes += malloc_usable_size(p);
		if (live_bytes > peak_bytes)
			peak_bytes = live_bytes;
	}
	return p;
}
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void __wrap_free(void *p);
void *__wrap_malloc(size_t n) { return counted(__real_malloc(n)); }
void *__wrap_calloc(size_t n, size_t m) { return counted(__real_calloc(n, m)); }
void *__wrap_aligned_alloc(size_t a, size_t n) { return counted(__real_aligned_alloc(a, n)); }
void __wrap_free(void *p)
{
	if (p)
		live_bytes -= malloc_usable_size(p);
	__real_free(p);
}
void *__wrap_realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = __real_realloc(p, n);
	if (q || n == 0)
		live_bytes -= old;
	return q ? counted(q) : q;
}

/* Starts measuring the peak from what is live now. */
static void peak_reset(void)
{
	peak_bytes = live_bytes;
}

static mlmd_model *load(const char *xml)
{
	mlmd_model *m = NULL;
	if (mlmd_model_load_buffer(&m, xml, strlen(xml), "test.pmml"))
		fail_msg("load: %s", mlmd_error_message());
	return m;
}

static void load_fails(const char *xml, int code, const char *needle)
{
	mlmd_model *m = NULL;
	int rc = mlmd_model_load_buffer(&m, xml, strlen(xml), NULL);
	if (rc != -code || !strstr(mlmd_error_message(), needle))
		fail_msg("got %d '%s', expected %d '%s'", rc, mlmd_error_message(), -code, needle);
	assert_null(m);
}

/* Scores one row: `spec` lists "name=value" pairs (";"-separated; empty
 * value = missing). Outputs land in out[], valid until ctx's next call. */
static void score_row(mlmd_model *m, mlmd_score_ctx *ctx, const char *spec, mlmd_tensor *out)
{
	size_t ni = mlmd_model_input_count(m);
	static double nums[16];
	static const char *strs[16];
	static char buf[1024];
	mlmd_tensor in[16];
	snprintf(buf, sizeof buf, "%s", spec);
	for (size_t k = 0; k < ni; k++) {
		const mlmd_value_info *vi = mlmd_model_input(m, k);
		nums[k] = NAN;
		strs[k] = NULL;
		for (char *p = buf; p && *p;) {
			char *semi = strchr(p, ';');
			size_t nl = strlen(vi->name);
			if (!strncmp(p, vi->name, nl) && p[nl] == '=') {
				char val[256];
				size_t vl = semi ? (size_t)(semi - (p + nl + 1)) : strlen(p + nl + 1);
				snprintf(val, sizeof val, "%.*s", (int)vl, p + nl + 1);
				if (vi->dtype == MLMD_DTYPE_STRING)
					strs[k] = vl ? strdup(val) : NULL;
				else
					nums[k] = vl ? atof(val) : NAN;
			}
			p = semi ? semi + 1 : NULL;
		}
		in[k] = (mlmd_tensor){ .dtype = vi->dtype, .rank = 1, .dims = { 1 },
			.data = vi->dtype == MLMD_DTYPE_STRING ? (void *)&strs[k] : (void *)&nums[k] };
	}
	memset(out, 0, sizeof(mlmd_tensor) * mlmd_model_output_count(m));
	if (mlmd_model_score(m, ctx, in, ni, out, mlmd_model_output_count(m)))
		fail_msg("score: %s", mlmd_error_message());
	for (size_t k = 0; k < ni; k++)
		free((void *)strs[k]);
}

static int out_index(mlmd_model *m, const char *name)
{
	for (size_t i = 0; i < mlmd_model_output_count(m); i++)
		if (!strcmp(mlmd_model_output(m, i)->name, name))
			return (int)i;
	fail_msg("no output %s", name);
	return -1;
}

static double num_out(mlmd_model *m, mlmd_tensor *out, const char *name)
{
	return ((const double *)out[out_index(m, name)].data)[0];
}

static const char *str_out(mlmd_model *m, mlmd_tensor *out, const char *name)
{
	const char *s = ((const char **)out[out_index(m, name)].data)[0];
	return s ? s : "(missing)";
}

/* ---- refusals ------------------------------------------------------------------------- */

static void refuses_dtds_bombs_and_unsupported(void **state)
{
	(void)state;
	load_fails("<?xml version=\"1.0\"?><!DOCTYPE PMML [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">"
		"<!ENTITY c \"&b;&b;&b;&b;&b;&b;\">]><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\">&c;</PMML>",
		MLMD_INVALID_ARGUMENT, "DOCTYPE declarations are not allowed");
	load_fails("<?xml version=\"1.0\"?><!DOCTYPE PMML SYSTEM \"file:///etc/passwd\"><PMML version=\"4.4\" "
		"xmlns=\"http://www.dmg.org/PMML-4_4\"/>", MLMD_INVALID_ARGUMENT, "DOCTYPE");
	char deep[8000];
	size_t at = (size_t)snprintf(deep, sizeof deep, "%s<DataDictionary>", HEAD);
	for (int i = 0; i < 300; i++)
		at += (size_t)snprintf(deep + at, sizeof deep - at, "<Extension>");
	load_fails(deep, MLMD_INVALID_ARGUMENT, "deeper than 256 levels");
	load_fails(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<SupportVectorMachineModel functionName=\"regression\"/></PMML>", MLMD_UNIMPLEMENTED,
		"<SupportVectorMachineModel>: model type not supported");
	load_fails(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<TransformationDictionary><DerivedField name=\"y\" optype=\"continuous\" dataType=\"double\">"
		"<Apply function=\"sinc\"><FieldRef field=\"x\"/></Apply></DerivedField></TransformationDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/></MiningSchema>"
		"<RegressionTable intercept=\"0\"/></RegressionModel></PMML>", MLMD_UNIMPLEMENTED,
		"<Apply function=\"sinc\">: function not supported");
	load_fails(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>",
		MLMD_INVALID_ARGUMENT, "PMML: XML error at line 1");
	load_fails(HEAD "<DataDictionary/><RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"nope\"/></MiningSchema><RegressionTable intercept=\"1\"/></RegressionModel></PMML>",
		MLMD_INVALID_ARGUMENT, "field 'nope' is not defined");
	load_fails(HEAD "<DataDictionary/><RegressionModel functionName=\"clustering\"><MiningSchema/></RegressionModel></PMML>",
		MLMD_UNIMPLEMENTED, "only classification and regression");
}

/* ---- models ----------------------------------------------------------------------------- */

static void neural_networks(void **state)
{
	(void)state;
	/* regression: y = 100 * (0.5 + 2 * logistic(x1 - x2) - logistic(x1 + x2) * 0.5) through the inverse NormContinuous */
	mlmd_model *m = load(HEAD
		"<DataDictionary><DataField name=\"x1\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"x2\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<NeuralNetwork functionName=\"regression\" activationFunction=\"logistic\"><MiningSchema>"
		"<MiningField name=\"x1\"/><MiningField name=\"x2\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
		"<NeuralInputs><NeuralInput id=\"i1\"><DerivedField optype=\"continuous\" dataType=\"double\">"
		"<NormContinuous field=\"x1\"><LinearNorm orig=\"0\" norm=\"0\"/><LinearNorm orig=\"10\" norm=\"1\"/></NormContinuous>"
		"</DerivedField></NeuralInput><NeuralInput id=\"i2\"><DerivedField optype=\"continuous\" dataType=\"double\">"
		"<FieldRef field=\"x2\"/></DerivedField></NeuralInput></NeuralInputs>"
		"<NeuralLayer><Neuron id=\"h1\" bias=\"0\"><Con from=\"i1\" weight=\"1\"/><Con from=\"i2\" weight=\"-1\"/></Neuron>"
		"<Neuron id=\"h2\"><Con from=\"i1\" weight=\"1\"/><Con from=\"i2\" weight=\"1\"/></Neuron></NeuralLayer>"
		"<NeuralLayer activationFunction=\"identity\"><Neuron id=\"o\" bias=\"0.5\"><Con from=\"h1\" weight=\"2\"/>"
		"<Con from=\"h2\" weight=\"-0.5\"/></Neuron></NeuralLayer>"
		"<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField optype=\"continuous\" dataType=\"double\">"
		"<NormContinuous field=\"y\"><LinearNorm orig=\"0\" norm=\"0\"/><LinearNorm orig=\"100\" norm=\"1\"/></NormContinuous>"
		"</DerivedField></NeuralOutput></NeuralOutputs></NeuralNetwork></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	score_row(m, ctx, "x1=5;x2=0.25", out);
	double i1 = 0.5, i2 = 0.25;
	double h1 = 1 / (1 + exp(-(i1 - i2))), h2 = 1 / (1 + exp(-(i1 + i2)));
	assert_float_equal(num_out(m, out, "y"), 100 * (0.5 + 2 * h1 - 0.5 * h2), 1e-9);
	score_row(m, ctx, "x1=5;x2=", out); /* a missing input: no prediction */
	assert_true(isnan(num_out(m, out, "y")));
	mlmd_model_free(m);

	/* classification with a softmax output layer */
	m = load(HEAD
		"<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/></DataField>"
		"</DataDictionary><NeuralNetwork functionName=\"classification\" activationFunction=\"tanh\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"c\" usageType=\"predicted\"/></MiningSchema>"
		"<NeuralInputs><NeuralInput id=\"0\"><DerivedField optype=\"continuous\" dataType=\"double\"><FieldRef field=\"x\"/>"
		"</DerivedField></NeuralInput></NeuralInputs>"
		"<NeuralLayer activationFunction=\"identity\" normalizationMethod=\"softmax\"><Neuron id=\"1\" bias=\"1\">"
		"<Con from=\"0\" weight=\"2\"/></Neuron><Neuron id=\"2\" bias=\"0\"><Con from=\"0\" weight=\"-1\"/></Neuron></NeuralLayer>"
		"<NeuralOutputs><NeuralOutput outputNeuron=\"1\"><DerivedField optype=\"categorical\" dataType=\"string\">"
		"<NormDiscrete field=\"c\" value=\"a\"/></DerivedField></NeuralOutput><NeuralOutput outputNeuron=\"2\">"
		"<DerivedField optype=\"categorical\" dataType=\"string\"><NormDiscrete field=\"c\" value=\"b\"/></DerivedField>"
		"</NeuralOutput></NeuralOutputs></NeuralNetwork></PMML>");
	score_row(m, ctx, "x=-1", out);
	double za = 1 + 2 * -1.0, zb = 1.0, pa = exp(za) / (exp(za) + exp(zb));
	assert_string_equal(str_out(m, out, "c"), "b");
	assert_float_equal(((const double *)out[1].data)[0], pa, 1e-12);
	assert_float_equal(((const double *)out[1].data)[1], 1 - pa, 1e-12);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

static void naive_bayes(void **state)
{
	(void)state;
	mlmd_model *m = load(HEAD
		"<DataDictionary><DataField name=\"color\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"size\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"ripe\" optype=\"categorical\" dataType=\"string\"><Value value=\"yes\"/><Value value=\"no\"/>"
		"</DataField></DataDictionary><NaiveBayesModel functionName=\"classification\" threshold=\"0.001\"><MiningSchema>"
		"<MiningField name=\"color\"/><MiningField name=\"size\"/><MiningField name=\"ripe\" usageType=\"target\"/>"
		"</MiningSchema><BayesInputs><BayesInput fieldName=\"color\">"
		"<PairCounts value=\"red\"><TargetValueCounts><TargetValueCount value=\"yes\" count=\"30\"/>"
		"<TargetValueCount value=\"no\" count=\"5\"/></TargetValueCounts></PairCounts>"
		"<PairCounts value=\"green\"><TargetValueCounts><TargetValueCount value=\"yes\" count=\"10\"/>"
		"<TargetValueCount value=\"no\" count=\"0\"/></TargetValueCounts></PairCounts></BayesInput>"
		"<BayesInput fieldName=\"size\"><TargetValueStats><TargetValueStat value=\"yes\">"
		"<GaussianDistribution mean=\"10\" variance=\"4\"/></TargetValueStat><TargetValueStat value=\"no\">"
		"<GaussianDistribution mean=\"6\" variance=\"1\"/></TargetValueStat></TargetValueStats></BayesInput>"
		"</BayesInputs><BayesOutput fieldName=\"ripe\"><TargetValueCounts><TargetValueCount value=\"yes\" count=\"40\"/>"
		"<TargetValueCount value=\"no\" count=\"20\"/></TargetValueCounts></BayesOutput></NaiveBayesModel></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[2];
	score_row(m, ctx, "color=red;size=7", out);
	double g_yes = exp(-9.0 / 8) / sqrt(2 * M_PI * 4), g_no = exp(-0.5) / sqrt(2 * M_PI);
	double yes = 40 * (30.0 / 40) * g_yes, no = 20 * (5.0 / 20) * g_no;
	assert_float_equal(((const double *)out[1].data)[0], yes / (yes + no), 1e-12);
	assert_string_equal(str_out(m, out, "ripe"), yes > no ? "yes" : "no");
	/* a zero count takes the threshold; a missing input contributes nothing */
	score_row(m, ctx, "color=green;size=", out);
	yes = 40 * (10.0 / 40);
	no = 20 * 0.001;
	assert_float_equal(((const double *)out[1].data)[0], yes / (yes + no), 1e-12);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

static void scorecard_with_reason_codes(void **state)
{
	(void)state;
	mlmd_model *m = load(HEAD
		"<DataDictionary><DataField name=\"age\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"job\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"score\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<Scorecard functionName=\"regression\" initialScore=\"100\" useReasonCodes=\"true\" "
		"reasonCodeAlgorithm=\"pointsBelow\" baselineMethod=\"other\"><MiningSchema><MiningField name=\"age\"/>"
		"<MiningField name=\"job\"/><MiningField name=\"score\" usageType=\"predicted\"/></MiningSchema>"
		"<Output><OutputField name=\"Final\" feature=\"predictedValue\"/>"
		"<OutputField name=\"Reason1\" feature=\"reasonCode\" rank=\"1\"/>"
		"<OutputField name=\"Reason2\" feature=\"reasonCode\" rank=\"2\"/></Output><Characteristics>"
		"<Characteristic name=\"a\" reasonCode=\"AGE\" baselineScore=\"20\">"
		"<Attribute partialScore=\"5\"><SimplePredicate field=\"age\" operator=\"lessThan\" value=\"30\"/></Attribute>"
		"<Attribute partialScore=\"25\"><True/></Attribute></Characteristic>"
		"<Characteristic name=\"j\" baselineScore=\"10\"><Attribute partialScore=\"2\" reasonCode=\"JOB_NONE\">"
		"<SimpleSetPredicate field=\"job\" booleanOperator=\"isIn\"><Array n=\"2\" type=\"string\">none \"part time\"</Array>"
		"</SimpleSetPredicate></Attribute><Attribute partialScore=\"12\" reasonCode=\"JOB\"><True/></Attribute>"
		"</Characteristic></Characteristics></Scorecard></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	score_row(m, ctx, "age=25;job=part time", out);
	assert_float_equal(num_out(m, out, "score"), 107, 0);
	/* points below baseline: AGE 15, JOB_NONE 8 */
	assert_string_equal(str_out(m, out, "Reason1"), "AGE");
	assert_string_equal(str_out(m, out, "Reason2"), "JOB_NONE");
	score_row(m, ctx, "age=40;job=none", out);
	assert_float_equal(num_out(m, out, "score"), 127, 0);
	assert_string_equal(str_out(m, out, "Reason1"), "JOB_NONE");
	assert_string_equal(str_out(m, out, "Reason2"), "(missing)");
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

static void general_regression(void **state)
{
	(void)state;
	const char *dd = "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"g\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"A\"/><Value value=\"B\"/>"
		"<Value value=\"C\"/></DataField><DataField name=\"r\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>";
	const char *lists = "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/><Parameter name=\"p2\"/>"
		"<Parameter name=\"p3\"/></ParameterList><FactorList><Predictor name=\"g\"/></FactorList>"
		"<CovariateList><Predictor name=\"x\"/></CovariateList><PPMatrix><PPCell value=\"1\" predictorName=\"x\" "
		"parameterName=\"p1\"/><PPCell value=\"2\" predictorName=\"x\" parameterName=\"p2\"/>"
		"<PPCell value=\"m\" predictorName=\"g\" parameterName=\"p3\"/></PPMatrix>";
	char xml[4096];
	/* generalLinear, log link: r = exp(0.5 + 0.2 x - 0.01 x^2 + 0.3 [g = m]) */
	snprintf(xml, sizeof xml, HEAD "%s<GeneralRegressionModel functionName=\"regression\" modelType=\"generalLinear\" "
		"linkFunction=\"log\"><MiningSchema><MiningField name=\"x\"/><MiningField name=\"g\"/>"
		"<MiningField name=\"r\" usageType=\"predicted\"/></MiningSchema>%s<ParamMatrix>"
		"<PCell parameterName=\"p0\" beta=\"0.5\"/><PCell parameterName=\"p1\" beta=\"0.2\"/>"
		"<PCell parameterName=\"p2\" beta=\"-0.01\"/><PCell parameterName=\"p3\" beta=\"0.3\"/></ParamMatrix>"
		"</GeneralRegressionModel></PMML>", dd, lists);
	mlmd_model *m = load(xml);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	score_row(m, ctx, "x=3;g=m", out);
	assert_float_equal(num_out(m, out, "r"), exp(0.5 + 0.6 - 0.09 + 0.3), 1e-12);
	score_row(m, ctx, "x=3;g=f", out);
	assert_float_equal(num_out(m, out, "r"), exp(0.5 + 0.6 - 0.09), 1e-12);
	mlmd_model_free(m);
	/* multinomialLogistic with reference category C */
	snprintf(xml, sizeof xml, HEAD "%s<GeneralRegressionModel functionName=\"classification\" "
		"modelType=\"multinomialLogistic\" targetReferenceCategory=\"C\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"g\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>%s<ParamMatrix>"
		"<PCell targetCategory=\"A\" parameterName=\"p0\" beta=\"1\"/><PCell targetCategory=\"A\" parameterName=\"p1\" beta=\"-0.5\"/>"
		"<PCell targetCategory=\"B\" parameterName=\"p0\" beta=\"-1\"/><PCell targetCategory=\"B\" parameterName=\"p3\" beta=\"2\"/>"
		"</ParamMatrix></GeneralRegressionModel></PMML>", dd, lists);
	m = load(xml);
	score_row(m, ctx, "x=1;g=m", out);
	double ea = exp(1 - 0.5), eb = exp(-1 + 2), ec = 1, s = ea + eb + ec;
	const double *p = out[1].data;
	assert_float_equal(p[0], ea / s, 1e-12);
	assert_float_equal(p[1], eb / s, 1e-12);
	assert_float_equal(p[2], ec / s, 1e-12);
	assert_string_equal(str_out(m, out, "y"), "B");
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* ---- trees ----------------------------------------------------------------------------------- */

/* Root (score A) splits on x < 5 (node L, score B, 30 records: 20 B 10 A) or x >= 5 (node R, score A,
 * 10 records: 8 A 2 B); L splits three ways on g (multiSplit): red -> B1, blue -> A1, xor/surrogate
 * on the rest. */
static const char *TREE_FMT = HEAD
	"<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
	"<DataField name=\"g\" optype=\"categorical\" dataType=\"string\"/>"
	"<DataField name=\"t\" optype=\"categorical\" dataType=\"string\"><Value value=\"A\"/><Value value=\"B\"/></DataField>"
	"</DataDictionary><TreeModel functionName=\"classification\" missingValueStrategy=\"%s\" "
	"noTrueChildStrategy=\"%s\"><MiningSchema><MiningField name=\"x\"/><MiningField name=\"g\"/>"
	"<MiningField name=\"t\" usageType=\"predicted\"/></MiningSchema>"
	"<Output><OutputField name=\"node\" feature=\"entityId\"/><OutputField name=\"pA\" feature=\"probability\" value=\"A\"/>"
	"</Output><Node id=\"root\" score=\"A\" recordCount=\"40\" defaultChild=\"L\"><True/>"
	"<ScoreDistribution value=\"A\" recordCount=\"18\"/><ScoreDistribution value=\"B\" recordCount=\"22\"/>"
	"<Node id=\"L\" score=\"B\" recordCount=\"30\" defaultChild=\"A1\"><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"5\"/>"
	"<ScoreDistribution value=\"A\" recordCount=\"10\"/><ScoreDistribution value=\"B\" recordCount=\"20\"/>"
	"<Node id=\"B1\" score=\"B\" recordCount=\"15\"><SimplePredicate field=\"g\" operator=\"equal\" value=\"red\"/>"
	"<ScoreDistribution value=\"A\" recordCount=\"0\"/><ScoreDistribution value=\"B\" recordCount=\"15\"/></Node>"
	"<Node id=\"A1\" score=\"A\" recordCount=\"10\"><SimplePredicate field=\"g\" operator=\"equal\" value=\"blue\"/>"
	"<ScoreDistribution value=\"A\" recordCount=\"8\"/><ScoreDistribution value=\"B\" recordCount=\"2\"/></Node>"
	"<Node id=\"X1\" score=\"B\" recordCount=\"5\"><CompoundPredicate booleanOperator=\"surrogate\">"
	"<SimpleSetPredicate field=\"g\" booleanOperator=\"isIn\"><Array type=\"string\">green</Array></SimpleSetPredicate>"
	"<SimplePredicate field=\"x\" operator=\"lessThan\" value=\"2\"/><False/></CompoundPredicate>"
	"<ScoreDistribution value=\"A\" recordCount=\"2\"/><ScoreDistribution value=\"B\" recordCount=\"3\"/></Node></Node>"
	"<Node id=\"R\" score=\"A\" recordCount=\"10\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"5\"/>"
	"<ScoreDistribution value=\"A\" recordCount=\"8\"/><ScoreDistribution value=\"B\" recordCount=\"2\"/></Node>"
	"</Node></TreeModel></PMML>";

static mlmd_model *tree(const char *missing, const char *notrue)
{
	char xml[8192];
	snprintf(xml, sizeof xml, TREE_FMT, missing, notrue);
	return load(xml);
}

static void tree_missing_value_strategies(void **state)
{
	(void)state;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	struct {
		const char *strategy, *notrue, *row, *node, *label;
		double pA;
	} cases[] = {
		/* no missing values: ordinary descent, multi-way split */
		{ "none", "returnNullPrediction", "x=1;g=red", "B1", "B", 0 },
		{ "none", "returnNullPrediction", "x=1;g=blue", "A1", "A", 0.8 },
		{ "none", "returnNullPrediction", "x=9;g=red", "R", "A", 0.8 },
		/* surrogate: g is missing -> the next predicate (x < 2) decides */
		{ "none", "returnNullPrediction", "x=1;g=", "X1", "B", 0.4 },
		/* no true child: null, or the last node */
		{ "none", "returnNullPrediction", "x=3;g=pink", "(missing)", "(missing)", NAN },
		{ "none", "returnLastPrediction", "x=3;g=pink", "L", "B", 10.0 / 30 },
		/* x missing at the root's children */
		{ "none", "returnLastPrediction", "x=;g=red", "root", "A", 18.0 / 40 },
		{ "lastPrediction", "returnNullPrediction", "x=;g=red", "root", "A", 18.0 / 40 },
		{ "nullPrediction", "returnNullPrediction", "x=;g=red", "(missing)", "(missing)", NAN },
		{ "defaultChild", "returnNullPrediction", "x=;g=red", "B1", "B", 0 },
		{ "defaultChild", "returnNullPrediction", "x=;g=", "A1", "A", 0.8 },
		/* weightedConfidence: L (30/40) mixes its children; B1 15/30, A1 10/30, X1 5/30 (g missing -> surrogate
		 * unknown -> every non-false child), R 10/40 */
		{ "aggregateNodes", "returnNullPrediction", "x=;g=red", "root", "B", (0 + 8) / (15.0 + 10) },
		/* weightedConfidence: L's share 30/40 of B1's (0, 1), R's 10/40 of (0.8, 0.2) */
		{ "weightedConfidence", "returnNullPrediction", "x=;g=red", "root", "B", 0.25 * 0.8 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mlmd_model *m = tree(cases[i].strategy, cases[i].notrue);
		score_row(m, ctx, cases[i].row, out);
		const char *node = str_out(m, out, "node"), *label = str_out(m, out, "t");
		double pA = num_out(m, out, "pA");
		if (strcmp(node, cases[i].node))
			fail_msg("%s/%s %s: node %s, want %s", cases[i].strategy, cases[i].notrue, cases[i].row, node, cases[i].node);
		if (strcmp(label, cases[i].label))
			fail_msg("%s %s: label %s, want %s", cases[i].strategy, cases[i].row, label, cases[i].label);
		if (isnan(cases[i].pA) ? !isnan(pA) : fabs(pA - cases[i].pA) > 1e-12)
			fail_msg("%s %s: P(A) %g, want %g", cases[i].strategy, cases[i].row, pA, cases[i].pA);
		mlmd_model_free(m);
	}
	mlmd_score_ctx_free(ctx);
}

/* ---- segmentation, transformations, targets, outputs ---------------------------------------------------- */

static mlmd_model *mining(const char *method, const char *weights)
{
	/* three constant regression segments: 1, 4, 10 with weights; the third applies only when x > 0 */
	char xml[4096];
	double w[3];
	sscanf(weights, "%lf,%lf,%lf", &w[0], &w[1], &w[2]);
	snprintf(xml, sizeof xml, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Segmentation multipleModelMethod=\"%s\">"
		"<Segment id=\"1\" weight=\"%g\"><True/><RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/></MiningSchema><RegressionTable intercept=\"1\"/></RegressionModel></Segment>"
		"<Segment id=\"2\" weight=\"%g\"><True/><RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/></MiningSchema><RegressionTable intercept=\"4\"/></RegressionModel></Segment>"
		"<Segment id=\"3\" weight=\"%g\"><SimplePredicate field=\"x\" operator=\"greaterThan\" value=\"0\"/>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/></MiningSchema>"
		"<RegressionTable intercept=\"10\"/></RegressionModel></Segment></Segmentation></MiningModel></PMML>",
		method, w[0], w[1], w[2]);
	return load(xml);
}

static void segmentation_methods(void **state)
{
	(void)state;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[2];
	struct {
		const char *method, *weights, *row;
		double want;
	} cases[] = {
		{ "sum", "1,1,1", "x=1", 15 }, { "sum", "1,1,1", "x=-1", 5 }, { "average", "1,1,1", "x=1", 5 },
		{ "weightedAverage", "1,2,7", "x=1", (1 + 8 + 70) / 10.0 }, { "median", "1,1,1", "x=1", 4 },
		{ "median", "1,1,1", "x=-1", 2.5 }, { "max", "1,1,1", "x=1", 10 }, { "selectFirst", "1,1,1", "x=1", 1 },
		{ "weightedSum", "2,1,0.5", "x=1", 11 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mlmd_model *m = mining(cases[i].method, cases[i].weights);
		score_row(m, ctx, cases[i].row, out);
		if (fabs(num_out(m, out, "y") - cases[i].want) > 1e-12)
			fail_msg("%s %s: %g, want %g", cases[i].method, cases[i].row, num_out(m, out, "y"), cases[i].want);
		mlmd_model_free(m);
	}
	/* modelChain: the first segment's output field feeds the second */
	mlmd_model *m = load(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Segmentation multipleModelMethod=\"modelChain\">"
		"<Segment id=\"1\"><True/><RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"</MiningSchema><Output><OutputField name=\"s1\" feature=\"predictedValue\"/></Output>"
		"<RegressionTable intercept=\"1\"><NumericPredictor name=\"x\" coefficient=\"2\"/></RegressionTable>"
		"</RegressionModel></Segment><Segment id=\"2\"><True/><RegressionModel functionName=\"regression\" "
		"normalizationMethod=\"exp\"><MiningSchema><MiningField name=\"s1\"/></MiningSchema><RegressionTable intercept=\"0\">"
		"<NumericPredictor name=\"s1\" coefficient=\"0.5\" exponent=\"2\"/></RegressionTable></RegressionModel></Segment>"
		"</Segmentation></MiningModel></PMML>");
	score_row(m, ctx, "x=1", out);
	assert_float_equal(num_out(m, out, "y"), exp(0.5 * 9), 1e-9);
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
}

static void transformations_targets_outputs(void **state)
{
	(void)state;
	mlmd_model *m = load(HEAD
		"<DataDictionary><DataField name=\"a\" optype=\"continuous\" dataType=\"double\">"
		"<Interval closure=\"closedClosed\" leftMargin=\"0\" rightMargin=\"100\"/></DataField>"
		"<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"><Value value=\"lo\"/><Value value=\"hi\"/>"
		"<Value value=\"?\" property=\"missing\"/></DataField>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<TransformationDictionary><DerivedField name=\"bucket\" optype=\"categorical\" dataType=\"string\">"
		"<Discretize field=\"a\" defaultValue=\"none\"><DiscretizeBin binValue=\"small\"><Interval closure=\"closedOpen\" "
		"rightMargin=\"10\"/></DiscretizeBin><DiscretizeBin binValue=\"big\"><Interval closure=\"closedOpen\" "
		"leftMargin=\"10\"/></DiscretizeBin></Discretize></DerivedField>"
		"<DerivedField name=\"w\" optype=\"continuous\" dataType=\"double\"><MapValues outputColumn=\"out\" "
		"defaultValue=\"0\" mapMissingTo=\"-1\"><FieldColumnPair field=\"bucket\" column=\"in\"/><InlineTable>"
		"<row><in>small</in><out>3</out></row><row><in>big</in><out>5</out></row></InlineTable></MapValues></DerivedField>"
		"<DerivedField name=\"z\" optype=\"continuous\" dataType=\"double\"><Apply function=\"if\">"
		"<Apply function=\"isMissing\"><FieldRef field=\"c\"/></Apply><Constant>100</Constant>"
		"<Apply function=\"+\"><Apply function=\"pow\"><FieldRef field=\"w\"/><Constant>2</Constant></Apply>"
		"<NormDiscrete field=\"c\" value=\"hi\"/></Apply></Apply></DerivedField></TransformationDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"a\" invalidValueTreatment=\"asMissing\" "
		"missingValueReplacement=\"50\"/><MiningField name=\"c\"/><MiningField name=\"y\" usageType=\"target\"/>"
		"</MiningSchema><Output><OutputField name=\"y_pred\" feature=\"predictedValue\"/>"
		"<OutputField name=\"y_plus\" feature=\"transformedValue\"><Apply function=\"+\">"
		"<FieldRef field=\"y_pred\"/><Constant>0.5</Constant></Apply></OutputField></Output>"
		"<Targets><Target field=\"y\" rescaleFactor=\"2\" rescaleConstant=\"1\" castInteger=\"floor\" max=\"200\"/></Targets>"
		"<RegressionTable intercept=\"0.25\"><NumericPredictor name=\"z\" coefficient=\"1\"/></RegressionTable>"
		"</RegressionModel></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[3];
	/* a=5 -> small -> w=3; c=hi -> z = 9 + 1 = 10; y = floor((10 + 0.25) * 2 + 1) = 21 */
	score_row(m, ctx, "a=5;c=hi", out);
	assert_float_equal(num_out(m, out, "y"), 21, 0);
	assert_float_equal(num_out(m, out, "y_plus"), 21.5, 0);
	/* a invalid (outside the interval) -> missing -> replaced by 50 -> big -> w=5; c=lo -> z = 25 */
	score_row(m, ctx, "a=500;c=lo", out);
	assert_float_equal(num_out(m, out, "y"), 51, 0);
	/* c="?" is a missing value -> z = 100 -> y = 201 -> capped at 200 */
	score_row(m, ctx, "a=5;c=?", out);
	assert_float_equal(num_out(m, out, "y"), 200, 0);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

static void model_verification(void **state)
{
	(void)state;
	const char *fmt = HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><RegressionTable intercept=\"1\">"
		"<NumericPredictor name=\"x\" coefficient=\"3\"/></RegressionTable><ModelVerification recordCount=\"2\" "
		"fieldCount=\"2\"><VerificationFields><VerificationField field=\"x\"/><VerificationField field=\"y\" "
		"precision=\"0.001\"/></VerificationFields><InlineTable><row><x>1</x><y>4</y></row><row><x>2</x><y>%s</y></row>"
		"</InlineTable></ModelVerification></RegressionModel></PMML>";
	char xml[2048];
	snprintf(xml, sizeof xml, fmt, "7.004");
	mlmd_model *m = load(xml);
	mlmd_model_free(m);
	snprintf(xml, sizeof xml, fmt, "7.5");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "row 2: field 'y' is 7, the model file expects 7.5");
	/* a segment's own ModelVerification is checked against that segment alone */
	const char *nested = HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Segmentation multipleModelMethod=\"sum\">"
		"<Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><RegressionTable intercept=\"2\"/>"
		"<ModelVerification><VerificationFields><VerificationField field=\"x\"/><VerificationField field=\"y\"/>"
		"</VerificationFields><InlineTable><row><x>1</x><y>%s</y></row></InlineTable></ModelVerification>"
		"</RegressionModel></Segment><Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/></MiningSchema><RegressionTable intercept=\"5\"/></RegressionModel></Segment>"
		"</Segmentation></MiningModel></PMML>";
	snprintf(xml, sizeof xml, nested, "2");
	m = load(xml);
	mlmd_model_free(m);
	snprintf(xml, sizeof xml, nested, "7");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "row 1: field 'y' is 2, the model file expects 7");
}

/* ---- trees compiled into the tree engine vs walked ------------------------------------------------------------ */

/* A growing text buffer. */
typedef struct {
	char *p;
	size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + (size_t)k + 1 > b->cap) {
		b->cap = (b->n + (size_t)k + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* A random predicate over x1, x2 (numbers) and c (text). `walked` wraps it
 * as (P or False), which means the same in PMML's three-valued logic but
 * is a compound predicate, so the tree is walked node by node. */
static void random_pred(sbuf *b, uint64_t *s, bool walked)
{
	static const char *const ops[] = { "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan",
		"greaterOrEqual" };
	static const char *const nums[] = { "-1", "0", "0.5", "1" };
	static const char *const texts[] = { "a", "b", "c", "zz" };
	if (walked)
		sb_add(b, "<CompoundPredicate booleanOperator=\"or\">");
	switch (rnd(s) % 4) {
	case 0:
		sb_add(b, "<SimplePredicate field=\"x%u\" operator=\"%s\" value=\"%s\"/>", 1 + rnd(s) % 2, ops[rnd(s) % 6],
			nums[rnd(s) % 4]);
		break;
	case 1:
		sb_add(b, "<SimplePredicate field=\"c\" operator=\"%s\" value=\"%s\"/>", ops[rnd(s) % 2], texts[rnd(s) % 4]);
		break;
	case 2:
		sb_add(b, "<SimpleSetPredicate field=\"c\" booleanOperator=\"%s\"><Array type=\"string\">%s %s</Array>"
			"</SimpleSetPredicate>", rnd(s) % 2 ? "isIn" : "isNotIn", texts[rnd(s) % 4], texts[rnd(s) % 4]);
		break;
	default:
		sb_add(b, "<SimpleSetPredicate field=\"x1\" booleanOperator=\"%s\"><Array type=\"real\">%s %s</Array>"
			"</SimpleSetPredicate>", rnd(s) % 2 ? "isIn" : "isNotIn", nums[rnd(s) % 4], nums[rnd(s) % 4]);
	}
	if (walked)
		sb_add(b, "<False/></CompoundPredicate>");
}

/* A random node and its subtree; node ids count up from *id. */
static void random_node(sbuf *b, uint64_t *s, int depth, int *id, bool cls, bool walked, bool root, bool is_true)
{
	static const char *const labels[] = { "A", "B", "C" };
	int me = (*id)++;
	int kids = depth < 5 && (root || rnd(s) % 4) ? 1 + (int)(rnd(s) % 3) : 0;
	bool last_true = kids > 1 && rnd(s) % 3 == 0;
	int def = kids ? (int)(rnd(s) % (unsigned)kids) : -1;
	/* children's ids are not known until they are written: write them first, then this node around them */
	sbuf kb = { 0 };
	int kid_id[3];
	for (int k = 0; k < kids; k++) {
		kid_id[k] = *id;
		sbuf one = { 0 };
		random_node(&one, s, depth + 1, id, cls, walked, false, last_true && k == kids - 1);
		sb_add(&kb, "%s", one.p);
		free(one.p);
	}
	if (cls)
		sb_add(b, "<Node id=\"n%d\" score=\"%s\" recordCount=\"%u\"", me, labels[rnd(s) % 3], 1 + rnd(s) % 50);
	else
		sb_add(b, "<Node id=\"n%d\" score=\"%u\"", me, rnd(s) % 100);
	if (def >= 0)
		sb_add(b, " defaultChild=\"n%d\"", kid_id[def]);
	sb_add(b, ">");
	if (root || is_true)
		sb_add(b, "<True/>");
	else
		random_pred(b, s, walked);
	if (cls)
		for (int k = 0; k < 3; k++)
			sb_add(b, "<ScoreDistribution value=\"%s\" recordCount=\"%u\"/>", labels[k], rnd(s) % 20);
	if (kb.p)
		sb_add(b, "%s", kb.p);
	free(kb.p);
	sb_add(b, "</Node>");
}

static mlmd_model *random_tree(uint64_t seed, bool cls, const char *missing, const char *notrue, bool walked)
{
	sbuf b = { 0 };
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x1\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"x2\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"%s\" dataType=\"%s\"/></DataDictionary>"
		"<TreeModel functionName=\"%s\" missingValueStrategy=\"%s\" noTrueChildStrategy=\"%s\"><MiningSchema>"
		"<MiningField name=\"x1\"/><MiningField name=\"x2\"/><MiningField name=\"c\"/>"
		"<MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema><Output>"
		"<OutputField name=\"node\" feature=\"entityId\"/><OutputField name=\"pred\" feature=\"predictedValue\"/>%s"
		"</Output>", cls ? "categorical" : "continuous", cls ? "string" : "double", cls ? "classification" : "regression",
		missing, notrue, cls ? "<OutputField name=\"pA\" feature=\"probability\" value=\"A\"/>" : "");
	uint64_t s = seed;
	int id = 0;
	random_node(&b, &s, 0, &id, cls, walked, true, true);
	sb_add(&b, "</TreeModel></PMML>");
	mlmd_model *m = load(b.p);
	free(b.p);
	return m;
}

/* Random trees under every missing-value and no-true-child strategy, written
 * once so that they compile into the tree engine and once so that they are
 * walked: on rows with missing values, both give the same node, prediction
 * and probability. */
static void tree_engine_matches_walker(void **state)
{
	(void)state;
	static const char *const strategies[] = { "none", "lastPrediction", "nullPrediction", "defaultChild",
		"weightedConfidence", "aggregateNodes" };
	static const char *const notrue[] = { "returnNullPrediction", "returnLastPrediction" };
	enum { ROWS = 400 };
	double x1[ROWS], x2[ROWS];
	const char *c[ROWS];
	static const double xs[] = { -1, 0, 0.5, 1, 0.25, 2 };
	static const char *const cs[] = { "a", "b", "c", "d", "" };
	uint64_t rs = 7;
	for (int i = 0; i < ROWS; i++) {
		x1[i] = rnd(&rs) % 5 == 0 ? NAN : xs[rnd(&rs) % 6];
		x2[i] = rnd(&rs) % 5 == 0 ? NAN : xs[rnd(&rs) % 6];
		c[i] = cs[rnd(&rs) % 5];
	}
	mlmd_score_ctx *ctx[2];
	assert_int_equal(mlmd_score_ctx_new(&ctx[0]), 0);
	assert_int_equal(mlmd_score_ctx_new(&ctx[1]), 0);
	int compiled = 0, total = 0;
	for (uint64_t seed = 1; seed <= 12; seed++)
		for (int cls = 0; cls < 2; cls++)
			for (size_t ms = 0; ms < 6; ms++)
				for (int nt = 0; nt < 2; nt++) {
					mlmd_model *m[2];
					mlmd_tensor out[2][8];
					for (int w = 0; w < 2; w++) {
						m[w] = random_tree(seed * 977, cls, strategies[ms], notrue[nt], w);
						int e, wk;
						assert_int_equal(mlmd__sc_pmml_tree_counts(m[w], &e, &wk), 0);
						assert_int_equal(e + wk, 1);
						if (w) {
							assert_int_equal(e, 0); /* the compound spelling is always walked */
						} else {
							compiled += e;
							total++;
						}
						mlmd_tensor in[3];
						for (size_t k = 0; k < 3; k++) {
							const char *nm = mlmd_model_input(m[w], k)->name;
							in[k] = (mlmd_tensor){ .rank = 1, .dims = { ROWS } };
							in[k].dtype = nm[0] == 'c' ? MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE;
							in[k].data = nm[0] == 'c' ? (void *)c : !strcmp(nm, "x1") ? (void *)x1 : (void *)x2;
						}
						memset(out[w], 0, sizeof out[w]);
						assert_true(mlmd_model_output_count(m[w]) <= 8);
						if (mlmd_model_score(m[w], ctx[w], in, 3, out[w], mlmd_model_output_count(m[w])))
							fail_msg("score: %s", mlmd_error_message());
					}
					for (size_t o = 0; o < mlmd_model_output_count(m[0]); o++) {
						const char *name = mlmd_model_output(m[0], o)->name;
						int o1 = out_index(m[1], name);
						for (int i = 0; i < ROWS; i++) {
							bool same;
							if (out[0][o].dtype == MLMD_DTYPE_STRING) {
								const char *a = ((const char **)out[0][o].data)[i],
									   *b = ((const char **)out[1][o1].data)[i];
								same = a == b || (a && b && !strcmp(a, b));
							} else {
								double a = ((const double *)out[0][o].data)[i],
									   b = ((const double *)out[1][o1].data)[i];
								same = (isnan(a) && isnan(b)) || a == b;
							}
							if (!same)
								fail_msg("seed %llu %s %s %s: output %s differs at row %d (x1=%g x2=%g c='%s')",
									(unsigned long long)seed, cls ? "classification" : "regression",
									strategies[ms], notrue[nt], name, i, x1[i], x2[i], c[i]);
						}
					}
					mlmd_model_free(m[0]);
					mlmd_model_free(m[1]);
				}
	/* most compile; the rest (classes under weightedConfidence/aggregateNodes, some defaultChild) are walked */
	print_message("tree engine: %d of %d random trees compiled\n", compiled, total);
	assert_true(compiled * 3 >= total * 2);
	mlmd_score_ctx_free(ctx[0]);
	mlmd_score_ctx_free(ctx[1]);
}

/* A tree whose chained tests run deeper than the engine takes (100 levels,
 * each split into 12 children, so 1200 tests in a row) still loads, is
 * walked, and scores. */
static void deep_tree_is_walked(void **state)
{
	(void)state;
	sbuf b = { 0 };
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<TreeModel functionName=\"regression\" noTrueChildStrategy=\"returnLastPrediction\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"predicted\"/></MiningSchema>"
		"<Node score=\"0\"><True/>");
	enum { DEPTH = 100 };
	for (int i = 1; i <= DEPTH; i++) {
		for (int k = 0; k < 11; k++) /* leaves for x = -1000 - 11i - k, which the rows below never match */
			sb_add(&b, "<Node score=\"-1\"><SimplePredicate field=\"x\" operator=\"equal\" value=\"%d\"/></Node>",
				-1000 - 11 * i - k);
		sb_add(&b, "<Node score=\"%d\"><SimplePredicate field=\"x\" operator=\"greaterOrEqual\" value=\"%d\"/>", i, i);
	}
	for (int i = 1; i <= DEPTH; i++)
		sb_add(&b, "</Node>");
	sb_add(&b, "</Node></TreeModel></PMML>");
	mlmd_model *m = load(b.p);
	free(b.p);
	int e, w;
	assert_int_equal(mlmd__sc_pmml_tree_counts(m, &e, &w), 0);
	assert_int_equal(e, 0);
	assert_int_equal(w, 1);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[2];
	score_row(m, ctx, "x=50.5", out);
	assert_true(num_out(m, out, "y") == 50); /* x >= 51 fails there: no true child, the last prediction */
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* ---- batches of rows -------------------------------------------------------------------- */

/* A batch of rows for a model: specs[r] lists "name=value" pairs as in
 * score_row (an empty value is missing). Inputs are built before scoring, so
 * the test's own allocations stay out of what the library is measured on. */
typedef struct {
	size_t rows, ni;
	mlmd_tensor in[16];
	double *nums[16];
	const char **strs[16];
} batch;

static void batch_build(mlmd_model *m, batch *b, size_t rows, const char *const *specs)
{
	memset(b, 0, sizeof *b);
	b->rows = rows;
	b->ni = mlmd_model_input_count(m);
	assert_true(b->ni <= 16);
	for (size_t k = 0; k < b->ni; k++) {
		const mlmd_value_info *vi = mlmd_model_input(m, k);
		b->nums[k] = calloc(rows, sizeof(double));
		b->strs[k] = calloc(rows, sizeof(char *));
		for (size_t r = 0; r < rows; r++) {
			b->nums[k][r] = NAN;
			const char *p = specs[r];
			size_t nl = strlen(vi->name);
			while (p && *p) {
				const char *semi = strchr(p, ';');
				if (!strncmp(p, vi->name, nl) && p[nl] == '=') {
					size_t vl = semi ? (size_t)(semi - (p + nl + 1)) : strlen(p + nl + 1);
					char *v = strndup(p + nl + 1, vl);
					if (vi->dtype == MLMD_DTYPE_STRING)
						b->strs[k][r] = vl ? v : (free(v), NULL);
					else
						b->nums[k][r] = vl ? atof(v) : NAN, free(v);
				}
				p = semi ? semi + 1 : NULL;
			}
		}
		b->in[k] = (mlmd_tensor){ .dtype = vi->dtype, .rank = 1, .dims = { (int64_t)rows },
			.data = vi->dtype == MLMD_DTYPE_STRING ? (void *)b->strs[k] : (void *)b->nums[k] };
	}
}

static void batch_free(batch *b)
{
	for (size_t k = 0; k < b->ni; k++) {
		for (size_t r = 0; r < b->rows; r++)
			free((void *)b->strs[k][r]);
		free(b->strs[k]);
		free(b->nums[k]);
	}
}

static void batch_score(mlmd_model *m, mlmd_score_ctx *ctx, batch *b, mlmd_tensor *out)
{
	memset(out, 0, sizeof(mlmd_tensor) * mlmd_model_output_count(m));
	if (mlmd_model_score(m, ctx, b->in, b->ni, out, mlmd_model_output_count(m)))
		fail_msg("score: %s", mlmd_error_message());
}

static const char *str_at(mlmd_model *m, mlmd_tensor *out, const char *name, size_t r)
{
	const char *s = ((const char **)out[out_index(m, name)].data)[r];
	return s ? s : "(missing)";
}

static double num_at(mlmd_model *m, mlmd_tensor *out, const char *name, size_t r)
{
	return ((const double *)out[out_index(m, name)].data)[r];
}

/* ---- user functions (DefineFunction) ------------------------------------------------------ */

/* scale(v, k) = v k; poly(t) = scale(t, 3) + square(t), square defined after its caller; code(cat)
 * maps a text parameter through MapValues, integer result (truncated); norm(z) is a NormContinuous
 * of its parameter, float result. Called from DerivedFields and from an OutputField. */
static const char *UDF_DOC = HEAD
	"<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
	"<DataField name=\"c\" optype=\"categorical\" dataType=\"string\"/>"
	"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
	"<TransformationDictionary>"
	"<DefineFunction name=\"scale\" optype=\"continuous\" dataType=\"double\"><ParameterField name=\"v\" dataType=\"double\"/>"
	"<ParameterField name=\"k\" dataType=\"double\"/><Apply function=\"*\"><FieldRef field=\"v\"/><FieldRef field=\"k\"/>"
	"</Apply></DefineFunction>"
	"<DefineFunction name=\"poly\" optype=\"continuous\" dataType=\"double\"><ParameterField name=\"t\"/>"
	"<Apply function=\"+\"><Apply function=\"scale\"><FieldRef field=\"t\"/><Constant>3</Constant></Apply>"
	"<Apply function=\"square\"><FieldRef field=\"t\"/></Apply></Apply></DefineFunction>"
	"<DefineFunction name=\"square\" optype=\"continuous\" dataType=\"double\"><ParameterField name=\"s\" dataType=\"double\"/>"
	"<Apply function=\"pow\"><FieldRef field=\"s\"/><Constant>2</Constant></Apply></DefineFunction>"
	"<DefineFunction name=\"code\" optype=\"continuous\" dataType=\"integer\"><ParameterField name=\"cat\" dataType=\"string\"/>"
	"<MapValues outputColumn=\"out\" defaultValue=\"-1.75\" dataType=\"double\"><FieldColumnPair field=\"cat\" column=\"in\"/>"
	"<InlineTable><row><in>lo</in><out>1.9</out></row><row><in>hi</in><out>-2.6</out></row></InlineTable></MapValues>"
	"</DefineFunction>"
	"<DefineFunction name=\"norm\" optype=\"continuous\" dataType=\"float\"><ParameterField name=\"z\" dataType=\"double\"/>"
	"<NormContinuous field=\"z\"><LinearNorm orig=\"0\" norm=\"0\"/><LinearNorm orig=\"10\" norm=\"1\"/></NormContinuous>"
	"</DefineFunction>"
	"<DerivedField name=\"p\" optype=\"continuous\" dataType=\"double\"><Apply function=\"poly\"><FieldRef field=\"x\"/>"
	"</Apply></DerivedField>"
	"<DerivedField name=\"q\" optype=\"continuous\" dataType=\"double\"><Apply function=\"code\"><FieldRef field=\"c\"/>"
	"</Apply></DerivedField>"
	"<DerivedField name=\"r\" optype=\"continuous\" dataType=\"double\"><Apply function=\"norm\"><FieldRef field=\"x\"/>"
	"</Apply></DerivedField></TransformationDictionary>"
	"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/><MiningField name=\"c\"/>"
	"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output>"
	"<OutputField name=\"pp\" feature=\"transformedValue\" dataType=\"double\"><Apply function=\"scale\">"
	"<FieldRef field=\"p\"/><Constant>0.5</Constant></Apply></OutputField>"
	"<OutputField name=\"rr\" feature=\"transformedValue\" dataType=\"double\"><FieldRef field=\"r\"/></OutputField>"
	"</Output><RegressionTable intercept=\"1\"><NumericPredictor name=\"p\" coefficient=\"1\"/>"
	"<NumericPredictor name=\"q\" coefficient=\"10\"/></RegressionTable></RegressionModel></PMML>";

static void define_function_parameters_nesting_and_types(void **state)
{
	(void)state;
	mlmd_model *m = load(UDF_DOC);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	/* x = 2: poly = 2*3 + 2^2 = 10; code("hi") = -2.6 as an integer: -2; y = 1 + 10 + 10 * -2 */
	score_row(m, ctx, "x=2;c=hi", out);
	assert_true(num_out(m, out, "y") == -9);
	assert_true(num_out(m, out, "pp") == 5);
	assert_true(num_out(m, out, "rr") == (double)(float)0.2); /* 2/10, a float result */
	/* x = -1.5: poly = -4.5 + 2.25; an unknown category takes the default, -1.75 -> -1 */
	score_row(m, ctx, "x=-1.5;c=other", out);
	assert_true(num_out(m, out, "y") == 1 - 2.25 - 10);
	/* a missing argument reaches the body as missing: MapValues gives missing, so does the model */
	score_row(m, ctx, "x=1;c=", out);
	assert_true(isnan(num_out(m, out, "y")));
	assert_true(num_out(m, out, "pp") == 2);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* A document with the given DefineFunctions and one DerivedField d = `apply` over x. */
static void udf_fails(const char *funcs, const char *apply, int code, const char *needle)
{
	char xml[8192];
	snprintf(xml, sizeof xml, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary><TransformationDictionary>"
		"%s<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">%s</DerivedField>"
		"</TransformationDictionary><RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><RegressionTable intercept=\"0\">"
		"<NumericPredictor name=\"d\" coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>", funcs, apply);
	load_fails(xml, code, needle);
}

#define F1(name, body) "<DefineFunction name=\"" name "\" optype=\"continuous\"><ParameterField name=\"a\"/>" body \
	"</DefineFunction>"

static void define_function_refusals(void **state)
{
	(void)state;
	const char *call_f = "<Apply function=\"f\"><FieldRef field=\"x\"/></Apply>";
	udf_fails(F1("f", "<Apply function=\"+\"><Apply function=\"f\"><FieldRef field=\"a\"/></Apply><Constant>1</Constant>"
		"</Apply>"), call_f, MLMD_INVALID_ARGUMENT, "DefineFunction 'f' calls itself (f -> f): recursion is not allowed");
	udf_fails(F1("f", "<Apply function=\"g\"><FieldRef field=\"a\"/></Apply>")
		F1("g", "<Apply function=\"h\"><FieldRef field=\"a\"/></Apply>")
		F1("h", "<Apply function=\"f\"><FieldRef field=\"a\"/></Apply>"), call_f, MLMD_INVALID_ARGUMENT,
		"DefineFunction 'f' calls itself (f -> g -> h -> f)");
	/* an unused function is checked too */
	udf_fails(F1("f", "<FieldRef field=\"a\"/>") F1("loop", "<Apply function=\"loop\"><FieldRef field=\"a\"/></Apply>"),
		call_f, MLMD_INVALID_ARGUMENT, "'loop' calls itself");
	udf_fails(F1("f", "<FieldRef field=\"a\"/>"), "<Apply function=\"f\"><FieldRef field=\"x\"/><Constant>2</Constant>"
		"</Apply>", MLMD_INVALID_ARGUMENT, "function 'f' (DefineFunction at line 1) takes 1 argument(s), got 2");
	udf_fails(F1("f", "<Apply function=\"g\"/>") F1("g", "<FieldRef field=\"a\"/>"), call_f, MLMD_INVALID_ARGUMENT,
		"function 'g' (DefineFunction at line 1) takes 1 argument(s), got 0");
	udf_fails(F1("f", "<Apply function=\"+\"><FieldRef field=\"a\"/><FieldRef field=\"x\"/></Apply>"), call_f,
		MLMD_INVALID_ARGUMENT, "DefineFunction 'f': 'x' is not one of its ParameterFields");
	udf_fails(F1("f", "<FieldRef field=\"a\"/>") F1("f", "<FieldRef field=\"a\"/>"), call_f, MLMD_INVALID_ARGUMENT,
		"DefineFunction 'f' is defined twice");
	udf_fails(F1("sum", "<FieldRef field=\"a\"/>"), call_f, MLMD_INVALID_ARGUMENT,
		"DefineFunction 'sum' has the name of a built-in function");
	udf_fails("<DefineFunction name=\"f\" optype=\"continuous\"><ParameterField name=\"a\"/><ParameterField name=\"a\"/>"
		"<FieldRef field=\"a\"/></DefineFunction>", call_f, MLMD_INVALID_ARGUMENT, "parameter 'a' is listed twice");
	udf_fails("", "<Apply function=\"nosuch\"><FieldRef field=\"x\"/></Apply>", MLMD_UNIMPLEMENTED,
		"<Apply function=\"nosuch\">: function not supported (neither a PMML built-in function nor a DefineFunction");
	/* f0(a) = a + a and f_k(a) = f_{k-1}(f_{k-1}(a)): evaluating f_24 would take some 2^24 steps per row */
	char funcs[6000];
	size_t at = (size_t)snprintf(funcs, sizeof funcs, F1("f0", "<Apply function=\"+\"><FieldRef field=\"a\"/>"
		"<FieldRef field=\"a\"/></Apply>"));
	for (int k = 1; k <= 24; k++)
		at += (size_t)snprintf(funcs + at, sizeof funcs - at, "<DefineFunction name=\"f%d\" optype=\"continuous\">"
			"<ParameterField name=\"a\"/><Apply function=\"f%d\"><Apply function=\"f%d\"><FieldRef field=\"a\"/>"
			"</Apply></Apply></DefineFunction>", k, k - 1, k - 1);
	udf_fails(funcs, "<Apply function=\"f24\"><FieldRef field=\"x\"/></Apply>", MLMD_INVALID_ARGUMENT,
		"evaluating this expression takes more than 1000000 steps per row");
}

/* ---- built-in string and date functions ----------------------------------------------------- */

#define TV(name, dt, expr) "<OutputField name=\"" name "\" feature=\"transformedValue\" dataType=\"" dt "\">" expr \
	"</OutputField>"
#define S "<FieldRef field=\"s\"/>"
#define N "<FieldRef field=\"n\"/>"
#define D "<FieldRef field=\"d\"/>"
#define K(t) "<Constant dataType=\"string\">" t "</Constant>"

#define STRING_HEAD HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>" \
	"<DataField name=\"n\" optype=\"continuous\" dataType=\"double\"/>" \
	"<DataField name=\"d\" optype=\"categorical\" dataType=\"string\"/>" \
	"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>" \
	"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/><MiningField name=\"n\"/>" \
	"<MiningField name=\"d\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output>"
#define STRING_TAIL "</Output><RegressionTable intercept=\"0\"/></RegressionModel></PMML>"

/* (two documents: a PMML model has at most 8 outputs until the op runner takes more) */
static const char *STRING_DOC = STRING_HEAD
	TV("up", "string", "<Apply function=\"uppercase\">" S "</Apply>")
	TV("low", "string", "<Apply function=\"lowercase\">" S "</Apply>")
	TV("sub", "string", "<Apply function=\"substring\">" S "<Constant>14</Constant><Constant>6</Constant></Apply>")
	TV("trim", "string", "<Apply function=\"trimBlanks\">" S "</Apply>")
	TV("cat", "string", "<Apply function=\"concat\">" K("&lt;") S K("|") N K("|>") "</Apply>")
	TV("rep", "string", "<Apply function=\"replace\">" S K("([a-z]+)-([0-9]+)") K("$2:$1") "</Apply>")
	TV("mat", "integer", "<Apply function=\"matches\">" S K("Stra") "</Apply>")
	STRING_TAIL;

static const char *FORMAT_DOC = STRING_HEAD
	TV("len", "integer", "<Apply function=\"stringLength\">" S "</Apply>")
	TV("fmt", "string", "<Apply function=\"formatNumber\">" N K("%08.3f") "</Apply>")
	TV("fmtd", "string", "<Apply function=\"formatNumber\">" N K("%+d items") "</Apply>")
	TV("date", "string", "<Apply function=\"formatDatetime\">" D K("%A %d %B %Y, %H:%M (%j)") "</Apply>")
	TV("days", "integer", "<Apply function=\"dateDaysSinceYear\">" D "<Constant>1960</Constant></Apply>")
	TV("secs", "integer", "<Apply function=\"dateSecondsSinceYear\">" D "<Constant>1960</Constant></Apply>")
	TV("mid", "integer", "<Apply function=\"dateSecondsSinceMidnight\">" D "</Apply>")
	STRING_TAIL;

static const char *const STRING_ROWS[] = {
	("s=  hello-42 Stra\xc3\x9f" "e caf\xc3\xa9 ;n=2.5;d=2004-08-20T13:45:07"),
	"s=World;n=-7;d=1999-12-31",
	"s=;n=;d=bad",
};

static void string_functions(void **state)
{
	(void)state;
	mlmd_model *m = load(STRING_DOC), *f = load(FORMAT_DOC);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	batch b, bf;
	batch_build(m, &b, 3, STRING_ROWS);
	batch_build(f, &bf, 3, STRING_ROWS);
	mlmd_tensor out[8], fo[8];
	/* three rows in one call: each row's strings outlive the next row */
	batch_score(m, ctx, &b, out);
	/* row 0; the expected texts are Python's (str.upper/lower/strip, slicing), but for the German sharp s,
	 * which keeps its case here (Python makes it "SS") */
	assert_string_equal(str_at(m, out, "up", 0), "  HELLO-42 STRA\xc3\x9f" "E CAF\xc3\x89 ");
	assert_string_equal(str_at(m, out, "low", 0), "  hello-42 stra\xc3\x9f" "e caf\xc3\xa9 ");
	assert_string_equal(str_at(m, out, "sub", 0), "ra\xc3\x9f" "e c"); /* characters 14 to 19, not bytes */
	assert_string_equal(str_at(m, out, "trim", 0), "hello-42 Stra\xc3\x9f" "e caf\xc3\xa9");
	assert_string_equal(str_at(m, out, "cat", 0), "<  hello-42 Stra\xc3\x9f" "e caf\xc3\xa9 |2.5|>");
	assert_string_equal(str_at(m, out, "rep", 0), "  42:hello Stra\xc3\x9f" "e caf\xc3\xa9 ");
	assert_true(num_at(m, out, "mat", 0) == 1);
	/* row 1: no match */
	assert_string_equal(str_at(m, out, "up", 1), "WORLD");
	assert_string_equal(str_at(m, out, "sub", 1), "");
	assert_string_equal(str_at(m, out, "cat", 1), "<World|-7|>");
	assert_string_equal(str_at(m, out, "rep", 1), "World");
	assert_true(num_at(m, out, "mat", 1) == 0);
	/* row 2: missing inputs give missing results, but concat leaves missing arguments out */
	assert_string_equal(str_at(m, out, "up", 2), "(missing)");
	assert_string_equal(str_at(m, out, "cat", 2), "<||>");
	/* text that is not UTF-8 (Latin-1 bytes): those bytes are kept as they are */
	batch lb;
	const char *latin1[] = { "s=\xe9t\xe9 \xff;n=1;d=", "s=\xc3;n=1;d=" };
	batch_build(m, &lb, 2, latin1);
	mlmd_tensor lo[8];
	batch_score(m, ctx, &lb, lo);
	assert_string_equal(str_at(m, lo, "up", 0), "\xe9T\xe9 \xff");
	assert_string_equal(str_at(m, lo, "low", 1), "\xc3");
	batch_free(&lb);
	/* Once the context has seen a batch, another one allocates nothing: each row's text reuses the same
	 * storage. (The regular expressions run in the C library, which this does not count.) */
	batch_score(m, ctx, &b, out);
	size_t before = n_allocs;
	batch_score(m, ctx, &b, out);
	assert_int_equal(n_allocs - before, 0);
	assert_string_equal(str_at(m, out, "rep", 0), "  42:hello Stra\xc3\x9f" "e caf\xc3\xa9 ");

	batch_score(f, ctx, &bf, fo);
	assert_true(num_at(f, fo, "len", 0) == 23); /* characters, not bytes */
	assert_string_equal(str_at(f, fo, "fmt", 0), "0002.500");
	assert_string_equal(str_at(f, fo, "fmtd", 0), "+2 items");
	assert_string_equal(str_at(f, fo, "date", 0), "Friday 20 August 2004, 13:45 (233)");
	assert_true(num_at(f, fo, "days", 0) == 16303);      /* Python: (date(2004,8,20) - date(1960,1,1)).days */
	assert_true(num_at(f, fo, "secs", 0) == 1408628707); /* 16303 * 86400 + 13:45:07 */
	assert_true(num_at(f, fo, "mid", 0) == 49507);
	/* a date without a time */
	assert_string_equal(str_at(f, fo, "fmt", 1), "-007.000");
	assert_string_equal(str_at(f, fo, "fmtd", 1), "-7 items");
	assert_string_equal(str_at(f, fo, "date", 1), "Friday 31 December 1999, 00:00 (365)");
	assert_true(num_at(f, fo, "days", 1) == 14609);
	assert_true(num_at(f, fo, "secs", 1) == 14609.0 * 86400);
	assert_true(isnan(num_at(f, fo, "mid", 1)));
	/* missing, and a date that is none */
	assert_true(isnan(num_at(f, fo, "len", 2)));
	assert_string_equal(str_at(f, fo, "date", 2), "(missing)");
	assert_true(isnan(num_at(f, fo, "days", 2)));
	batch_free(&b);
	batch_free(&bf);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(f);

	/* 2,000 rows in one call on a new context: the allocations do not grow with the rows */
	const char **specs = malloc(2000 * sizeof *specs);
	for (int r = 0; r < 2000; r++)
		specs[r] = STRING_ROWS[r % 3];
	batch_build(m, &b, 2000, specs);
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	before = n_allocs;
	batch_score(m, ctx, &b, out);
	size_t cold = n_allocs - before;
	if (cold > 40)
		fail_msg("%zu allocations for 2,000 rows", cold);
	assert_string_equal(str_at(m, out, "low", 1998), "  hello-42 stra\xc3\x9f" "e caf\xc3\xa9 ");
	assert_string_equal(str_at(m, out, "cat", 1999), "<World|-7|>");
	batch_free(&b);
	free(specs);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* ---- wide models ------------------------------------------------------------------------ */

/* Appends to a growing text buffer (the documents below are built field by field). */
static void cat(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		*cap = *cap * 2 + (size_t)n + 1;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
}

#define WIDE_IN 300
#define ROWS3 3

/* A RegressionModel over 300 inputs, run as one node with 300 inputs: every
 * input reaches the model (a fixed 16-slot argument array once made 17 to
 * 29 inputs fail and 30 crash). The answer is worked out here. */
static void regression_with_300_inputs(void **state)
{
	(void)state;
	size_t len = 0, cap = 4096;
	char *xml = malloc(cap);
	assert_non_null(xml);
	xml[0] = '\0';
	cat(&xml, &len, &cap, "%s<DataDictionary>", HEAD);
	for (int i = 0; i < WIDE_IN; i++)
		cat(&xml, &len, &cap, "<DataField name=\"x%d\" optype=\"continuous\" dataType=\"double\"/>", i);
	cat(&xml, &len, &cap, "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema>");
	for (int i = 0; i < WIDE_IN; i++)
		cat(&xml, &len, &cap, "<MiningField name=\"x%d\"/>", i);
	cat(&xml, &len, &cap, "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
		"<RegressionTable intercept=\"2.5\">");
	for (int i = 0; i < WIDE_IN; i++)
		cat(&xml, &len, &cap, "<NumericPredictor name=\"x%d\" coefficient=\"%d.25\"/>", i, i % 7 - 3);
	cat(&xml, &len, &cap, "</RegressionTable></RegressionModel></PMML>");
	mlmd_model *m = load(xml);
	free(xml);
	assert_int_equal(mlmd_model_input_count(m), WIDE_IN);
	static double x[WIDE_IN][ROWS3];
	mlmd_tensor in[WIDE_IN];
	double want[ROWS3];
	for (int r = 0; r < ROWS3; r++)
		want[r] = 2.5;
	for (int i = 0; i < WIDE_IN; i++) {
		/* inputs are matched by name: find x<i>'s position */
		char nm[16];
		snprintf(nm, sizeof nm, "x%d", i);
		int k = mlmd_model_input_index(m, nm);
		assert_true(k >= 0);
		for (int r = 0; r < ROWS3; r++) {
			x[k][r] = (double)((i * 31 + r * 17) % 23) - 11;
			want[r] += ((double)(i % 7 - 3) + (i % 7 - 3 < 0 ? -0.25 : 0.25)) * x[k][r];
		}
		in[k] = (mlmd_tensor){ .dtype = MLMD_DTYPE_DOUBLE, .rank = 1, .dims = { ROWS3 }, .data = x[k] };
	}
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out = { 0 };
	if (mlmd_model_score(m, ctx, in, WIDE_IN, &out, 1))
		fail_msg("score: %s", mlmd_error_message());
	assert_int_equal(out.dims[0], ROWS3);
	for (int r = 0; r < ROWS3; r++)
		if (fabs(((double *)out.data)[r] - want[r]) > 1e-9 * (1 + fabs(want[r])))
			fail_msg("row %d: %.17g, expected %.17g", r, ((double *)out.data)[r], want[r]);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* One string function over s with the given arguments after it. */
static void string_fn_fails(const char *fn, const char *args, int code, const char *needle)
{
	char xml[2048];
	snprintf(xml, sizeof xml, HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output>"
		"<OutputField name=\"o\" feature=\"transformedValue\" dataType=\"string\"><Apply function=\"%s\">"
		"<FieldRef field=\"s\"/>%s</Apply></OutputField></Output><RegressionTable intercept=\"0\"/>"
		"</RegressionModel></PMML>", fn, args);
	load_fails(xml, code, needle);
}

static void string_function_patterns_checked_at_load(void **state)
{
	(void)state;
	string_fn_fails("matches", K("a(b"), MLMD_INVALID_ARGUMENT, "function 'matches': invalid regular expression 'a(b'");
	string_fn_fails("matches", S, MLMD_UNIMPLEMENTED, "the pattern must be a Constant");
	string_fn_fails("replace", K("(a)") K("$2"), MLMD_INVALID_ARGUMENT, "function 'replace': invalid replacement '$2'");
	string_fn_fails("formatNumber", K("%s"), MLMD_INVALID_ARGUMENT, "'s' is not a supported conversion");
	string_fn_fails("formatNumber", K("%d and %d"), MLMD_INVALID_ARGUMENT, "more than one conversion");
	string_fn_fails("formatNumber", K("%99999d"), MLMD_INVALID_ARGUMENT, "a width over 1000");
	string_fn_fails("formatNumber", K("no conversion"), MLMD_INVALID_ARGUMENT, "no conversion");
	string_fn_fails("formatDatetime", K("%Q"), MLMD_INVALID_ARGUMENT, "'%Q' is not a supported conversion");
	string_fn_fails("substring", "<Constant>1</Constant>", MLMD_INVALID_ARGUMENT,
		"function 'substring' takes 3 argument(s), got 2");
}

/* ---- numeric built-ins, validity ----------------------------------------------------------------- */

#define A1(fn, x) "<Apply function=\"" fn "\"><Constant>" x "</Constant></Apply>"
#define A2(fn, x, y) "<Apply function=\"" fn "\"><Constant>" x "</Constant><Constant>" y "</Constant></Apply>"
#define A3(fn, x, y, z) "<Apply function=\"" fn "\"><Constant>" x "</Constant><Constant>" y "</Constant><Constant>" z \
	"</Constant></Apply>"

static void numeric_functions_and_validity(void **state)
{
	(void)state;
	static const struct {
		const char *expr;
		double want;
	} cases[] = {
		/* PMML 4.4's modulo is x - floor(x / y) * y (the sign of y) */
		{ A2("modulo", "-5", "3"), 1 }, { A2("modulo", "5.5", "-2"), -0.5 },
		{ A1("rint", "2.5"), 2 }, { A1("rint", "3.5"), 4 }, { A1("rint", "-0.5"), -0 },
		{ A2("hypot", "3", "4"), 5 }, { A1("expm1", "1e-10"), 1.00000000005e-10 },
		{ A1("ln1p", "1e-10"), 9.9999999995e-11 }, { A1("atan", "1"), 0.78539816339744830962 },
		{ A1("cosh", "0"), 1 }, { A1("tanh", "0.5"), 0.46211715726000974 }, { A1("asin", "1"), 1.5707963267948966 },
		/* the normal distribution: references from scipy.stats.norm (cdf, pdf, ppf) and scipy.special.erf */
		{ A1("erf", "0.6"), 0.6038560908479258 }, { A1("stdNormalCDF", "-1.7"), 0.04456546275854304 },
		{ A1("stdNormalPDF", "0.25"), 0.3866681168028493 }, { A1("stdNormalIDF", "0.3"), -0.5244005127080409 },
		{ A1("stdNormalIDF", "1e-10"), -6.361340902404056 },
		{ A3("normalCDF", "1.3", "0.5", "2"), 0.6554217416103242 },
		{ A3("normalPDF", "1.3", "0.5", "2"), 0.18413507015166167 },
		{ A3("normalIDF", "0.975", "0.5", "2"), 4.419927969080108 },
		/* out of the domain: invalid, so missing */
		{ A1("asin", "2"), NAN }, { A3("normalIDF", "0.5", "0", "-1"), NAN }, { A2("modulo", "1", "0"), NAN },
	};
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char xml[2048];
		snprintf(xml, sizeof xml, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
			"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
			"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
			"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output><OutputField name=\"o\" "
			"feature=\"transformedValue\" dataType=\"double\">%s</OutputField></Output>"
			"<RegressionTable intercept=\"0\"/></RegressionModel></PMML>", cases[i].expr);
		mlmd_model *m = load(xml);
		mlmd_tensor out[2];
		score_row(m, ctx, "x=1", out);
		double got = num_out(m, out, "o");
		if (isnan(cases[i].want) ? !isnan(got) : !(fabs(got - cases[i].want) <= 1e-13 * fabs(cases[i].want) + 1e-300))
			fail_msg("%s: %.17g, want %.17g", cases[i].expr, got, cases[i].want);
		mlmd_model_free(m);
	}
	/* isValid / isNotValid: an invalid value kept as it is (asIs) is neither valid nor missing */
	mlmd_model *m = load(HEAD "<DataDictionary><DataField name=\"v\" optype=\"continuous\" dataType=\"double\">"
		"<Interval closure=\"closedClosed\" leftMargin=\"0\" rightMargin=\"10\"/></DataField>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"v\" invalidValueTreatment=\"asIs\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output>"
		"<OutputField name=\"valid\" feature=\"transformedValue\" dataType=\"double\"><Apply function=\"isValid\">"
		"<FieldRef field=\"v\"/></Apply></OutputField><OutputField name=\"invalid\" feature=\"transformedValue\" "
		"dataType=\"double\"><Apply function=\"isNotValid\"><FieldRef field=\"v\"/></Apply></OutputField></Output>"
		"<RegressionTable intercept=\"0\"/></RegressionModel></PMML>");
	mlmd_tensor out[3];
	score_row(m, ctx, "v=5", out);
	assert_true(num_out(m, out, "valid") == 1 && num_out(m, out, "invalid") == 0);
	score_row(m, ctx, "v=50", out);
	assert_true(num_out(m, out, "valid") == 0 && num_out(m, out, "invalid") == 1);
	score_row(m, ctx, "v=", out);
	assert_true(num_out(m, out, "valid") == 0 && num_out(m, out, "invalid") == 0);
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
}

/* ---- no fixed-size arrays ---------------------------------------------------------------------------- */


/* Apply with 100 arguments, MapValues over 20 columns, 300 regression tables, a 5,000-character Array
 * value, 4,100 GeneralRegression parameters, 70 ModelVerification blocks: all used whole. */
static void large_counts_are_used_whole(void **state)
{
	(void)state;
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[8];
	/* sum and max of 1..100 (the largest, 100, is the 100th argument) */
	sbuf b = { 0 };
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Output>");
	const char *fns[] = { "sum", "max" };
	for (int f = 0; f < 2; f++) {
		sb_add(&b, "<OutputField name=\"%s\" feature=\"transformedValue\" dataType=\"double\"><Apply function=\"%s\">",
			fns[f], fns[f]);
		for (int i = 1; i <= 100; i++)
			sb_add(&b, "<Constant>%d</Constant>", i);
		sb_add(&b, "</Apply></OutputField>");
	}
	sb_add(&b, "</Output><RegressionTable intercept=\"0\"/></RegressionModel></PMML>");
	mlmd_model *m = load(b.p);
	score_row(m, ctx, "x=0", out);
	assert_true(num_out(m, out, "sum") == 5050);
	assert_true(num_out(m, out, "max") == 100);
	mlmd_model_free(m);

	/* MapValues keyed on 20 columns (derived fields: the model takes at most 16 inputs until the op runner
	 * takes more); the rows differ in column 18 only */
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary><TransformationDictionary>");
	for (int c = 1; c <= 20; c++)
		sb_add(&b, "<DerivedField name=\"c%d\" optype=\"categorical\" dataType=\"string\">%s</DerivedField>", c,
			c == 18 ? "<FieldRef field=\"s\"/>" : "<Constant dataType=\"string\">z</Constant>");
	sb_add(&b, "<DerivedField name=\"w\" optype=\"continuous\" dataType=\"double\"><MapValues outputColumn=\"out\" "
		"dataType=\"double\" defaultValue=\"-1\">");
	for (int c = 1; c <= 20; c++)
		sb_add(&b, "<FieldColumnPair field=\"c%d\" column=\"k%d\"/>", c, c);
	sb_add(&b, "<InlineTable>");
	for (int r = 0; r < 3; r++) {
		sb_add(&b, "<row>");
		for (int c = 1; c <= 20; c++)
			sb_add(&b, "<k%d>%s</k%d>", c, c == 18 ? (const char *[]){ "p", "q", "r" }[r] : "z", c);
		sb_add(&b, "<out>%d</out></row>", 10 * (r + 1));
	}
	sb_add(&b, "</InlineTable></MapValues></DerivedField></TransformationDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><RegressionTable intercept=\"0\">"
		"<NumericPredictor name=\"w\" coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>");
	m = load(b.p);
	score_row(m, ctx, "s=r", out);
	assert_true(num_out(m, out, "y") == 30);
	score_row(m, ctx, "s=q", out);
	assert_true(num_out(m, out, "y") == 20);
	mlmd_model_free(m);

	/* a softmax classifier with 300 categories; the 291st has the largest score */
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"t\" optype=\"categorical\" dataType=\"string\"/></DataDictionary>"
		"<RegressionModel functionName=\"classification\" normalizationMethod=\"softmax\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"t\" usageType=\"target\"/></MiningSchema>");
	for (int k = 0; k < 300; k++)
		sb_add(&b, "<RegressionTable intercept=\"%d\" targetCategory=\"k%d\"/>", k == 290 ? 3 : 0, k);
	sb_add(&b, "</RegressionModel></PMML>");
	m = load(b.p);
	score_row(m, ctx, "x=0", out);
	assert_string_equal(str_out(m, out, "t"), "k290");
	assert_float_equal(((const double *)out[1].data)[290], exp(3) / (exp(3) + 299), 1e-12);
	mlmd_model_free(m);

	/* a set predicate whose value is 5,000 characters long */
	char *longv = malloc(5001);
	memset(longv, 'a', 5000);
	longv[5000] = '\0';
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<TreeModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Node score=\"0\"><True/>"
		"<Node score=\"1\"><SimpleSetPredicate field=\"s\" booleanOperator=\"isIn\"><Array n=\"2\" type=\"string\">"
		"\"%s\" other</Array></SimpleSetPredicate></Node><Node score=\"2\"><True/></Node></Node></TreeModel></PMML>", longv);
	m = load(b.p);
	batch lb;
	char *spec = malloc(5010);
	snprintf(spec, 5010, "s=%s", longv);
	const char *specs[] = { spec };
	batch_build(m, &lb, 1, specs);
	batch_score(m, ctx, &lb, out);
	assert_true(num_at(m, out, "y", 0) == 1);
	batch_free(&lb);
	free(spec);
	free(longv);
	mlmd_model_free(m);

	/* a GeneralRegressionModel with 4,100 parameters; only the last has a predictor: y = 1 + 2x */
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<GeneralRegressionModel functionName=\"regression\" modelType=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema><ParameterList>");
	for (int k = 0; k < 4100; k++)
		sb_add(&b, "<Parameter name=\"p%d\"/>", k);
	sb_add(&b, "</ParameterList><CovariateList><Predictor name=\"x\"/></CovariateList><PPMatrix>"
		"<PPCell value=\"1\" predictorName=\"x\" parameterName=\"p4099\"/></PPMatrix><ParamMatrix>"
		"<PCell parameterName=\"p0\" beta=\"1\"/><PCell parameterName=\"p4099\" beta=\"2\"/></ParamMatrix>"
		"</GeneralRegressionModel></PMML>");
	m = load(b.p);
	score_row(m, ctx, "x=3", out);
	assert_true(num_out(m, out, "y") == 7);
	mlmd_model_free(m);

	/* 70 segments, each with its own ModelVerification; the last one's expectation decides */
	for (int wrong = 0; wrong < 2; wrong++) {
		b.n = 0;
		sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
			"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
			"<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
			"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Segmentation multipleModelMethod=\"sum\">");
		for (int k = 1; k <= 70; k++)
			sb_add(&b, "<Segment><True/><RegressionModel functionName=\"regression\"><MiningSchema>"
				"<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
				"<RegressionTable intercept=\"%d\"/><ModelVerification recordCount=\"1\" fieldCount=\"2\">"
				"<VerificationFields><VerificationField field=\"x\"/><VerificationField field=\"y\"/>"
				"</VerificationFields><InlineTable><row><x>1</x><y>%d</y></row></InlineTable></ModelVerification>"
				"</RegressionModel></Segment>", k, k == 70 && wrong ? 71 : k);
		sb_add(&b, "</Segmentation></MiningModel></PMML>");
		if (wrong)
			load_fails(b.p, MLMD_INVALID_ARGUMENT, "row 1: field 'y' is 70, the model file expects 71");
		else
			mlmd_model_free(load(b.p));
	}
	free(b.p);
	mlmd_score_ctx_free(ctx);
}

/* ---- GeneralRegressionModel: the reference category ------------------------------------------------------ */

/* R's glm(y ~ x1 + g, family = binomial(link = "probit")) as pmml exports it: target levels "0" and "1",
 * PCells for the modelled category "1"; P(1) = Phi(eta), eta = -0.3 + 0.85 x1 + 0.6 [g = b]. */
static const char *GLM_FMT = HEAD
	"<DataDictionary><DataField name=\"y\" optype=\"categorical\" dataType=\"string\"><Value value=\"0\"/>"
	"<Value value=\"1\"/></DataField><DataField name=\"x1\" optype=\"continuous\" dataType=\"double\"/>"
	"<DataField name=\"g\" optype=\"categorical\" dataType=\"string\"><Value value=\"a\"/><Value value=\"b\"/>"
	"</DataField></DataDictionary><GeneralRegressionModel modelName=\"General_Regression_Model\" "
	"modelType=\"generalizedLinear\" functionName=\"classification\" algorithmName=\"glm\" distribution=\"binomial\" "
	"linkFunction=\"%s\"%s><MiningSchema><MiningField name=\"y\" usageType=\"predicted\"/><MiningField name=\"x1\"/>"
	"<MiningField name=\"g\"/></MiningSchema><Output><OutputField name=\"Probability_1\" targetField=\"y\" "
	"feature=\"probability\" value=\"1\" optype=\"continuous\" dataType=\"double\"/></Output>"
	"<ParameterList><Parameter name=\"p0\" label=\"(Intercept)\"/><Parameter name=\"p1\" label=\"x1\"/>"
	"<Parameter name=\"p2\" label=\"gb\"/></ParameterList><FactorList><Predictor name=\"g\"/></FactorList>"
	"<CovariateList><Predictor name=\"x1\"/></CovariateList><PPMatrix><PPCell value=\"1\" predictorName=\"x1\" "
	"parameterName=\"p1\"/><PPCell value=\"b\" predictorName=\"g\" parameterName=\"p2\"/></PPMatrix><ParamMatrix>"
	"<PCell %sparameterName=\"p0\" df=\"1\" beta=\"-0.3\"/><PCell %sparameterName=\"p1\" df=\"1\" beta=\"0.85\"/>"
	"<PCell %sparameterName=\"p2\" df=\"1\" beta=\"0.6\"/></ParamMatrix></GeneralRegressionModel></PMML>";

static mlmd_model *glm(const char *link, const char *ref, const char *cat)
{
	char xml[4096];
	snprintf(xml, sizeof xml, GLM_FMT, link, ref, cat, cat, cat);
	return load(xml);
}

static void glm_reference_category(void **state)
{
	(void)state;
	/* references: scipy.stats.norm.cdf(-0.3 + 0.85 * x1 + 0.6 * (g == 'b')) */
	static const struct {
		const char *row;
		double p1;
	} rows[] = {
		{ "x1=1.2;g=b", 0.9065824910065281 },
		{ "x1=-0.5;g=a", 0.23422601521269487 },
		{ "x1=2;g=a", 0.9192433407662289 },
	};
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[4];
	/* the PCells name "1": the reference is "0", the category they leave out */
	mlmd_model *m = glm("probit", "", "targetCategory=\"1\" ");
	for (size_t i = 0; i < 3; i++) {
		score_row(m, ctx, rows[i].row, out);
		const double *p = out[1].data; /* [P(0), P(1)]: the target's order */
		assert_float_equal(p[1], rows[i].p1, 1e-12);
		assert_float_equal(p[0], 1 - rows[i].p1, 1e-12);
		assert_float_equal(num_out(m, out, "Probability_1"), rows[i].p1, 1e-12);
		assert_string_equal(str_out(m, out, "y"), rows[i].p1 > 0.5 ? "1" : "0");
	}
	mlmd_model_free(m);
	/* targetReferenceCategory="1" with PCells that name no category: the link gives P(0) */
	m = glm("probit", " targetReferenceCategory=\"1\"", "");
	score_row(m, ctx, rows[0].row, out);
	assert_float_equal(((const double *)out[1].data)[0], rows[0].p1, 1e-12);
	assert_float_equal(((const double *)out[1].data)[1], 1 - rows[0].p1, 1e-12);
	mlmd_model_free(m);
	/* neither: the last category is the reference, so the link gives P(0) too */
	m = glm("logit", "", "");
	score_row(m, ctx, "x1=1.2;g=b", out);
	assert_float_equal(((const double *)out[1].data)[0], 1 / (1 + exp(-(-0.3 + 0.85 * 1.2 + 0.6))), 1e-12);
	mlmd_model_free(m);
	mlmd_score_ctx_free(ctx);
	/* refused: a reference that is no category; PCells for both categories and no reference */
	char xml[4096];
	snprintf(xml, sizeof xml, GLM_FMT, "probit", " targetReferenceCategory=\"2\"", "", "", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "a generalizedLinear classifier needs exactly two target categories");
	snprintf(xml, sizeof xml, GLM_FMT, "probit", "", "targetCategory=\"1\" ", "targetCategory=\"0\" ", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "every target category has PCells, so the reference category is not known");
	snprintf(xml, sizeof xml, GLM_FMT, "probit", " targetReferenceCategory=\"0\"", "targetCategory=\"0\" ", "", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "the reference category '0' has a non-zero PCell");
}

/* ordinalMultinomial, cumulative logit over low < mid < high: P(Y <= low) = s(-1 - 0.5 x),
 * P(Y <= mid) = s(0.8 - 0.5 x); references from scipy.special.expit. */
static void ordinal_multinomial(void **state)
{
	(void)state;
	mlmd_model *m = load(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"ordinal\" dataType=\"string\"><Value value=\"low\"/><Value value=\"mid\"/>"
		"<Value value=\"high\"/></DataField></DataDictionary><GeneralRegressionModel functionName=\"classification\" "
		"modelType=\"ordinalMultinomial\" cumulativeLink=\"logit\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><ParameterList><Parameter name=\"p0\"/>"
		"<Parameter name=\"p1\"/></ParameterList><CovariateList><Predictor name=\"x\"/></CovariateList><PPMatrix>"
		"<PPCell value=\"1\" predictorName=\"x\" parameterName=\"p1\"/></PPMatrix><ParamMatrix>"
		"<PCell targetCategory=\"low\" parameterName=\"p0\" beta=\"-1\"/><PCell targetCategory=\"mid\" "
		"parameterName=\"p0\" beta=\"0.8\"/><PCell parameterName=\"p1\" beta=\"-0.5\"/></ParamMatrix>"
		"</GeneralRegressionModel></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[2];
	score_row(m, ctx, "x=0.4", out);
	const double *p = out[1].data;
	assert_float_equal(p[0], 0.23147521650098238, 1e-12);
	assert_float_equal(p[1], 0.41418108972481305, 1e-12);
	assert_float_equal(p[2], 0.3543436937742046, 1e-12);
	assert_string_equal(str_out(m, out, "y"), "mid");
	score_row(m, ctx, "x=-2", out);
	assert_float_equal(p[0], 0.5, 1e-12);
	assert_float_equal(p[1], 0.3581489350995123, 1e-12);
	assert_float_equal(p[2], 0.1418510649004877, 1e-12);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* ---- declared sizes and the load's memory cap ------------------------------------------------------------- */

static void declared_sizes_must_match(void **state)
{
	(void)state;
	char xml[4096];
	const char *set_fmt = HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<TreeModel functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><Node score=\"0\"><True/>"
		"<Node score=\"1\"><SimpleSetPredicate field=\"s\" booleanOperator=\"isIn\"><Array n=\"%s\" type=\"string\">"
		"a b</Array></SimpleSetPredicate></Node></Node></TreeModel></PMML>";
	snprintf(xml, sizeof xml, set_fmt, "2");
	mlmd_model_free(load(xml));
	snprintf(xml, sizeof xml, set_fmt, "3");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "<Array>: n=\"3\" but it holds 2 values");
	snprintf(xml, sizeof xml, set_fmt, "-1");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "n=\"-1\" is not a count");
	snprintf(xml, sizeof xml, set_fmt, "18446744073709551617");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "n=\"18446744073709551617\" is not a count");
	snprintf(xml, sizeof xml, set_fmt, "1e300");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "is not a count");
	load_fails(HEAD "<DataDictionary numberOfFields=\"3\"><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/></MiningSchema>"
		"<RegressionTable intercept=\"1\"/></RegressionModel></PMML>", MLMD_INVALID_ARGUMENT,
		"<DataDictionary>: numberOfFields=\"3\" but it holds 2 DataFields");
	const char *nn_fmt = HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<NeuralNetwork functionName=\"regression\" activationFunction=\"identity\"%s><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
		"<NeuralInputs%s><NeuralInput id=\"i\"><DerivedField optype=\"continuous\" dataType=\"double\">"
		"<FieldRef field=\"x\"/></DerivedField></NeuralInput></NeuralInputs><NeuralLayer%s><Neuron id=\"o\" bias=\"1\">"
		"<Con from=\"i\" weight=\"2\"/></Neuron></NeuralLayer><NeuralOutputs%s><NeuralOutput outputNeuron=\"o\">"
		"<DerivedField optype=\"continuous\" dataType=\"double\"><FieldRef field=\"y\"/></DerivedField></NeuralOutput>"
		"</NeuralOutputs></NeuralNetwork></PMML>";
	snprintf(xml, sizeof xml, nn_fmt, " numberOfLayers=\"1\"", " numberOfInputs=\"1\"", " numberOfNeurons=\"1\"",
		" numberOfOutputs=\"1\"");
	mlmd_model_free(load(xml));
	snprintf(xml, sizeof xml, nn_fmt, "", "", " numberOfNeurons=\"1000000000\"", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "<NeuralLayer>: numberOfNeurons=\"1000000000\" but it holds 1 Neurons");
	snprintf(xml, sizeof xml, nn_fmt, "", " numberOfInputs=\"2\"", "", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "numberOfInputs=\"2\" but it holds 1 NeuralInputs");
	snprintf(xml, sizeof xml, nn_fmt, " numberOfLayers=\"4\"", "", "", "");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "numberOfLayers=\"4\" but it holds 1 NeuralLayers");
	snprintf(xml, sizeof xml, nn_fmt, "", "", "", " numberOfOutputs=\"-3\"");
	load_fails(xml, MLMD_INVALID_ARGUMENT, "numberOfOutputs=\"-3\" is not a count");
	load_fails(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema><RegressionTable intercept=\"1\"/>"
		"<ModelVerification recordCount=\"5\"><VerificationFields><VerificationField field=\"x\"/>"
		"<VerificationField field=\"y\"/></VerificationFields><InlineTable><row><x>1</x><y>1</y></row></InlineTable>"
		"</ModelVerification></RegressionModel></PMML>", MLMD_INVALID_ARGUMENT, "recordCount=\"5\" but it holds 1 rows");
}

/* Loads doc, expecting RESOURCE_EXHAUSTED with `needle`, and checks the library's heap never grew by as
 * much as the cap (the refusal comes before the big allocation). */
static void refused_within_cap(sbuf *doc, const char *needle)
{
	peak_reset();
	size_t live = live_bytes;
	load_fails(doc->p, MLMD_RESOURCE_EXHAUSTED, needle);
	size_t grew = peak_bytes - live;
	if (grew >= ((size_t)128 << 20)) /* (the pools hold at most 64 MiB; their blocks, at most twice that) */
		fail_msg("the refused load of %zu bytes took %zu MiB", doc->n, grew >> 20);
}

static void products_of_counts_are_capped(void **state)
{
	(void)state;
	sbuf b = { 0 };
	/* a classification tree: 3,000 nodes, each with the distribution of a category of its own:
	 * dense distributions would be 3,001 x 3,000 x 16 bytes (144 MB) for a 350 kB document */
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"t\" optype=\"categorical\" dataType=\"string\"/></DataDictionary>"
		"<TreeModel functionName=\"classification\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"t\" usageType=\"target\"/></MiningSchema><Node><True/>"
		"<ScoreDistribution value=\"c0\" recordCount=\"1\"/>");
	for (int i = 1; i < 3000; i++)
		sb_add(&b, "<Node><SimplePredicate field=\"x\" operator=\"lessThan\" value=\"%d\"/>"
			"<ScoreDistribution value=\"c%d\" recordCount=\"1\"/></Node>", i, i);
	sb_add(&b, "</Node></TreeModel></PMML>");
	refused_within_cap(&b, "the tree's score distributions (nodes x categories)");
	/* MapValues: 60,000 empty rows over 60 columns (86 MB as a table) */
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary><TransformationDictionary>"
		"<DerivedField name=\"w\" optype=\"continuous\" dataType=\"double\"><MapValues outputColumn=\"out\">");
	for (int c = 0; c < 60; c++)
		sb_add(&b, "<FieldColumnPair field=\"x\" column=\"k%d\"/>", c);
	sb_add(&b, "<InlineTable>");
	for (int r = 0; r < 60000; r++)
		sb_add(&b, "<row/>");
	sb_add(&b, "</InlineTable></MapValues></DerivedField></TransformationDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/></MiningSchema>"
		"<RegressionTable intercept=\"0\"/></RegressionModel></PMML>");
	refused_within_cap(&b, "the MapValues table (rows x columns)");
	/* no explicit check: 3,000 segments that each carry the model's 1,200 categories (and their working
	 * memory) reach the pools' cap, 64 MiB for a document this small, and are refused */
	b.n = 0;
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"t\" optype=\"categorical\" dataType=\"string\">");
	for (int k = 0; k < 1200; k++)
		sb_add(&b, "<Value value=\"c%d\"/>", k);
	sb_add(&b, "</DataField></DataDictionary><MiningModel functionName=\"classification\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"t\" usageType=\"target\"/></MiningSchema>"
		"<Segmentation multipleModelMethod=\"majorityVote\">");
	for (int s = 0; s < 3000; s++)
		sb_add(&b, "<Segment><True/><TreeModel functionName=\"classification\"><MiningSchema><MiningField name=\"x\"/>"
			"<MiningField name=\"t\" usageType=\"target\"/></MiningSchema><Node score=\"c%d\"><True/></Node>"
			"</TreeModel></Segment>", s % 1200);
	sb_add(&b, "</Segmentation></MiningModel></PMML>");
	refused_within_cap(&b, "takes more than the 64 MiB allowed (16 times its size, at least 64 MiB)");
	free(b.p);
}

/* A number compared with a text (a text field holding a computed number, here 0.5 + 1.4) equals the
 * text that reads as the same number; a text that is no number is compared as text. */
static void numbers_compare_with_texts_as_numbers(void **state)
{
	(void)state;
	mlmd_model *m = load(HEAD "<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary><TransformationDictionary>"
		"<DerivedField name=\"k\" optype=\"categorical\" dataType=\"string\"><Apply function=\"+\">"
		"<FieldRef field=\"x\"/><Constant>1.4</Constant></Apply></DerivedField>"
		"<DerivedField name=\"w\" optype=\"continuous\" dataType=\"double\"><MapValues outputColumn=\"out\" "
		"dataType=\"double\" defaultValue=\"-1\"><FieldColumnPair field=\"k\" column=\"in\"/><InlineTable>"
		"<row><in>1.9</in><out>7</out></row><row><in>two</in><out>8</out></row></InlineTable></MapValues></DerivedField>"
		"</TransformationDictionary><RegressionModel functionName=\"regression\"><MiningSchema>"
		"<MiningField name=\"x\"/><MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
		"<RegressionTable intercept=\"0\"><NumericPredictor name=\"w\" coefficient=\"1\"/></RegressionTable>"
		"</RegressionModel></PMML>");
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	mlmd_tensor out[2];
	score_row(m, ctx, "x=0.5", out); /* 0.5 + 1.4 is the double nearest 1.9 (printed "%.17g": 1.8999999999999999) */
	assert_true(num_out(m, out, "y") == 7);
	score_row(m, ctx, "x=1", out);
	assert_true(num_out(m, out, "y") == -1);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

/* d0(a) = concat(a, a) and d_k(a) = d_{k-1}(d_{k-1}(a)): d5 of a 4-character text would be 16 GiB.
 * The evaluation is cheap in steps, but the row's text is capped: the call fails, naming the row. */
static void row_text_is_capped(void **state)
{
	(void)state;
	sbuf b = { 0 };
	sb_add(&b, HEAD "<DataDictionary><DataField name=\"s\" optype=\"categorical\" dataType=\"string\"/>"
		"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary><TransformationDictionary>"
		"<DefineFunction name=\"d0\" optype=\"categorical\" dataType=\"string\"><ParameterField name=\"a\"/>"
		"<Apply function=\"concat\"><FieldRef field=\"a\"/><FieldRef field=\"a\"/></Apply></DefineFunction>");
	for (int k = 1; k <= 5; k++)
		sb_add(&b, "<DefineFunction name=\"d%d\" optype=\"categorical\" dataType=\"string\"><ParameterField name=\"a\"/>"
			"<Apply function=\"d%d\"><Apply function=\"d%d\"><FieldRef field=\"a\"/></Apply></Apply></DefineFunction>",
			k, k - 1, k - 1);
	sb_add(&b, "<DerivedField name=\"big\" optype=\"categorical\" dataType=\"string\"><Apply function=\"d%s\">"
		"<FieldRef field=\"s\"/></Apply></DerivedField></TransformationDictionary><RegressionModel "
		"functionName=\"regression\"><MiningSchema><MiningField name=\"s\"/><MiningField name=\"y\" "
		"usageType=\"target\"/></MiningSchema><Output><OutputField name=\"n\" feature=\"transformedValue\" "
		"dataType=\"double\"><Apply function=\"stringLength\"><FieldRef field=\"big\"/></Apply></OutputField>"
		"</Output><RegressionTable intercept=\"0\"/></RegressionModel></PMML>", "5");
	mlmd_model *m = load(b.p);
	free(b.p);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	batch in;
	const char *rows[] = { "s=abcd" };
	batch_build(m, &in, 1, rows);
	mlmd_tensor out[2] = { 0 };
	int rc = mlmd_model_score(m, ctx, in.in, in.ni, out, 2);
	assert_int_equal(rc, -MLMD_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(mlmd_error_message(), "row 0: PMML: the string functions of one row need more than 16 MiB"));
	batch_free(&in);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
}

#define N_CLS 20

/* A 20-class softmax regression with an OutputField for every class's
 * probability: 22 graph outputs (the label, the probability matrix and the
 * 20 fields), each filled (a fixed 8-slot array once gave all zeros with
 * status 0 from the 9th output on). Probabilities are worked out here. */
static void classifier_with_20_probability_outputs(void **state)
{
	(void)state;
	size_t len = 0, cap = 4096;
	char *xml = malloc(cap);
	assert_non_null(xml);
	xml[0] = '\0';
	cat(&xml, &len, &cap, "%s<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"cls\" optype=\"categorical\" dataType=\"string\">", HEAD);
	for (int k = 0; k < N_CLS; k++)
		cat(&xml, &len, &cap, "<Value value=\"c%d\"/>", k);
	cat(&xml, &len, &cap, "</DataField></DataDictionary><RegressionModel functionName=\"classification\" "
		"normalizationMethod=\"softmax\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"cls\" usageType=\"target\"/></MiningSchema><Output>"
		"<OutputField name=\"label\" feature=\"predictedValue\"/>");
	for (int k = 0; k < N_CLS; k++)
		cat(&xml, &len, &cap, "<OutputField name=\"p_c%d\" feature=\"probability\" value=\"c%d\"/>", k, k);
	cat(&xml, &len, &cap, "</Output>");
	for (int k = 0; k < N_CLS; k++)
		cat(&xml, &len, &cap, "<RegressionTable targetCategory=\"c%d\" intercept=\"%d\">"
			"<NumericPredictor name=\"x\" coefficient=\"%d.5\"/></RegressionTable>", k, k % 5 - 2, k % 3 - 1);
	cat(&xml, &len, &cap, "</RegressionModel></PMML>");
	mlmd_model *m = load(xml);
	free(xml);
	assert_true(mlmd_model_output_count(m) >= N_CLS + 1);
	double xs[ROWS3] = { -1.5, 0.25, 2 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 1, .dims = { ROWS3 }, .data = xs };
	size_t no = mlmd_model_output_count(m);
	mlmd_tensor *out = calloc(no, sizeof *out);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	if (mlmd_model_score(m, ctx, &in, 1, out, no))
		fail_msg("score: %s", mlmd_error_message());
	for (int r = 0; r < ROWS3; r++) {
		double z[N_CLS], mx = -INFINITY, sum = 0;
		int best = 0;
		for (int k = 0; k < N_CLS; k++) {
			double coef = (double)(k % 3 - 1) + (k % 3 - 1 < 0 ? -0.5 : 0.5);
			z[k] = (double)(k % 5 - 2) + coef * xs[r];
			if (z[k] > mx)
				mx = z[k], best = k;
		}
		for (int k = 0; k < N_CLS; k++)
			sum += exp(z[k] - mx);
		for (int k = 0; k < N_CLS; k++) {
			char nm[16];
			snprintf(nm, sizeof nm, "p_c%d", k);
			double got = ((const double *)out[out_index(m, nm)].data)[r], want = exp(z[k] - mx) / sum;
			if (fabs(got - want) > 1e-12)
				fail_msg("row %d: %s = %.17g, expected %.17g", r, nm, got, want);
		}
		char bl[16];
		snprintf(bl, sizeof bl, "c%d", best);
		const char *label = ((const char **)out[out_index(m, "label")].data)[r];
		assert_non_null(label);
		assert_string_equal(label, bl);
	}
	mlmd_score_ctx_free(ctx);
	free(out);
	mlmd_model_free(m);
}

/* A softmax regression over 300 categories: every table counts (the
 * evaluator once kept the first 256 tables' values in a fixed array and gave
 * the rest probability 0, with the softmax over 256). */
static void classifier_with_300_classes(void **state)
{
	(void)state;
	enum { K = 300 };
	size_t len = 0, cap = 4096;
	char *xml = malloc(cap);
	assert_non_null(xml);
	xml[0] = '\0';
	cat(&xml, &len, &cap, "%s<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"cls\" optype=\"categorical\" dataType=\"string\">", HEAD);
	for (int k = 0; k < K; k++)
		cat(&xml, &len, &cap, "<Value value=\"c%d\"/>", k);
	cat(&xml, &len, &cap, "</DataField></DataDictionary><RegressionModel functionName=\"classification\" "
		"normalizationMethod=\"softmax\"><MiningSchema><MiningField name=\"x\"/>"
		"<MiningField name=\"cls\" usageType=\"target\"/></MiningSchema>");
	for (int k = 0; k < K; k++)
		cat(&xml, &len, &cap, "<RegressionTable targetCategory=\"c%d\" intercept=\"%d\">"
			"<NumericPredictor name=\"x\" coefficient=\"%d\"/></RegressionTable>", k, k % 11 - 5, k % 7 - 3);
	cat(&xml, &len, &cap, "</RegressionModel></PMML>");
	mlmd_model *m = load(xml);
	free(xml);
	double xs[ROWS3] = { -1, 0.5, 3 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 1, .dims = { ROWS3 }, .data = xs };
	size_t no = mlmd_model_output_count(m);
	mlmd_tensor *out = calloc(no, sizeof *out);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	if (mlmd_model_score(m, ctx, &in, 1, out, no))
		fail_msg("score: %s", mlmd_error_message());
	const mlmd_tensor *pm = &out[out_index(m, "probability")];
	assert_int_equal(pm->dims[1], K);
	for (int r = 0; r < ROWS3; r++) {
		double z[K], mx = -INFINITY, sum = 0;
		for (int k = 0; k < K; k++) {
			z[k] = (double)(k % 11 - 5) + (double)(k % 7 - 3) * xs[r];
			mx = z[k] > mx ? z[k] : mx;
		}
		for (int k = 0; k < K; k++)
			sum += exp(z[k] - mx);
		for (int k = 0; k < K; k++) {
			/* the matrix's columns are the categories in DataField order */
			double got = ((const double *)pm->data)[r * K + k], want = exp(z[k] - mx) / sum;
			if (fabs(got - want) > 1e-12)
				fail_msg("row %d class %d: %.17g, expected %.17g", r, k, got, want);
		}
	}
	mlmd_score_ctx_free(ctx);
	free(out);
	mlmd_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_dtds_bombs_and_unsupported),
		cmocka_unit_test(neural_networks),
		cmocka_unit_test(naive_bayes),
		cmocka_unit_test(scorecard_with_reason_codes),
		cmocka_unit_test(general_regression),
		cmocka_unit_test(tree_missing_value_strategies),
		cmocka_unit_test(tree_engine_matches_walker),
		cmocka_unit_test(deep_tree_is_walked),
		cmocka_unit_test(segmentation_methods),
		cmocka_unit_test(transformations_targets_outputs),
		cmocka_unit_test(model_verification),
		cmocka_unit_test(define_function_parameters_nesting_and_types),
		cmocka_unit_test(define_function_refusals),
		cmocka_unit_test(string_functions),
		cmocka_unit_test(string_function_patterns_checked_at_load),
		cmocka_unit_test(numeric_functions_and_validity),
		cmocka_unit_test(large_counts_are_used_whole),
		cmocka_unit_test(glm_reference_category),
		cmocka_unit_test(ordinal_multinomial),
		cmocka_unit_test(declared_sizes_must_match),
		cmocka_unit_test(products_of_counts_are_capped),
		cmocka_unit_test(numbers_compare_with_texts_as_numbers),
		cmocka_unit_test(row_text_is_capped),
		cmocka_unit_test(regression_with_300_inputs),
		cmocka_unit_test(classifier_with_20_probability_outputs),
		cmocka_unit_test(classifier_with_300_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

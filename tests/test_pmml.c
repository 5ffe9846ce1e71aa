/*
 * PMML: the model types and features the cPMML conformance data does not
 * reach (neural networks, naive Bayes, scorecards with reason codes, general
 * regression, every tree missing-value strategy, segmentation methods,
 * transformations, targets, outputs, ModelVerification) on small documents
 * whose answers are worked out here, and the refusals: DTDs, entity bombs,
 * external entities, deep nesting, unsupported elements.
 */
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
#include "scorer/pmml.h"

#define HEAD "<?xml version=\"1.0\"?><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"><Header/>"

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
		"<Apply function=\"sinh\"><FieldRef field=\"x\"/></Apply></DerivedField></TransformationDictionary>"
		"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/></MiningSchema>"
		"<RegressionTable intercept=\"0\"/></RegressionModel></PMML>", MLMD_UNIMPLEMENTED,
		"<Apply function=\"sinh\">: function not supported");
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
						assert_int_equal(sc_pmml_tree_counts(m[w], &e, &wk), 0);
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
	assert_int_equal(sc_pmml_tree_counts(m, &e, &w), 0);
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
		cmocka_unit_test(regression_with_300_inputs),
		cmocka_unit_test(classifier_with_20_probability_outputs),
		cmocka_unit_test(classifier_with_300_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

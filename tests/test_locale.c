/*
 * tests/test_locale.c - the library gives the same answers whatever locale
 * the host program set.
 *
 * One scenario (filters with decimal literals on the backend under test,
 * struct values with fractional numbers stored and read back, an XGBoost JSON
 * model, a PMML model, ONNX Cast between numbers and strings, an error
 * message that prints a number, the public number pair) runs twice: in the
 * "C" locale and after setlocale(LC_ALL, "de_DE.UTF-8"), whose decimal
 * separator is a comma. Each run writes a transcript of everything it saw
 * (numbers as their bit patterns, so the transcript itself cannot depend on
 * the locale); both runs also assert the expected answers, and the two
 * transcripts must be byte-identical.
 *
 * The Makefile builds the German locale under build/locale with Debian's
 * `localedef` and points LOCPATH there, so no root is needed.
 */
#include <locale.h>
#include <math.h>
#include "helpers.h"
#include "onnx_build.h"

#define GERMAN "de_DE.UTF-8"

typedef struct {
	char text[16384];
	size_t len;
} transcript;

static void say(transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(transcript *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->text + t->len, sizeof t->text - t->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof t->text - t->len);
	t->len += (size_t)n;
}

/* A double as its bits: printing it with %g would itself follow the locale. */
static void say_bits(transcript *t, const char *what, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	say(t, "%s=%016llx\n", what, (unsigned long long)u);
}

/* ---- the store: filters and stored numbers ----------------------------------------- */

static void list_ids(transcript *t, mlmd_store *s, const char *filter, const int64_t *want, size_t nwant)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.filter_query = (char *)filter;
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	rq.options = &o;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	say(t, "filter [%s]:", filter);
	for (size_t i = 0; i < rs->n_artifacts; i++)
		say(t, " %lld", (long long)rs->artifacts[i]->id);
	say(t, "\n");
	if (rs->n_artifacts != nwant)
		fail_msg("filter '%s' in locale %s: %zu matches, expected %zu", filter, setlocale(LC_NUMERIC, NULL),
			 rs->n_artifacts, nwant);
	for (size_t i = 0; i < nwant; i++)
		assert_int_equal(rs->artifacts[i]->id, want[i]);
	mlmd_message_free(rs);
}

static void store_part(transcript *t)
{
	mlmd_store *s = open_memory();
	int64_t type = artifact_type(s, "Measured", 1, "p", MLMD__PB__PROPERTY_TYPE__DOUBLE);
	const double ps[] = { 1.2, 1.5, 1.7, 2.5 };
	for (int i = 0; i < 4; i++) {
		Mlmd__Pb__Artifact *a = new_artifact(type, "file:///m");
		OK(mlmd_node_set_double(a, 0, "p", ps[i]));
		OK(put_artifact(s, a, NULL));
	}
	/* a struct value with fractional numbers, stored as JSON text */
	Mlmd__Pb__Wkt__Value n1 = MLMD__PB__WKT__VALUE__INIT, n2 = MLMD__PB__WKT__VALUE__INIT;
	n1.kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
	n1.number_value = 0.1;
	n2.kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
	n2.number_value = -2.5e-300;
	Mlmd__Pb__Wkt__Struct__FieldsEntry f1 = MLMD__PB__WKT__STRUCT__FIELDS_ENTRY__INIT,
					   f2 = MLMD__PB__WKT__STRUCT__FIELDS_ENTRY__INIT;
	f1.key = "a";
	f1.value = &n1;
	f2.key = "b";
	f2.value = &n2;
	Mlmd__Pb__Wkt__Struct__FieldsEntry *fs[] = { &f1, &f2 };
	Mlmd__Pb__Wkt__Struct st = MLMD__PB__WKT__STRUCT__INIT;
	st.n_fields = 2;
	st.fields = fs;
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	v.struct_value = &st;
	Mlmd__Pb__Artifact__CustomPropertiesEntry ce = MLMD__PB__ARTIFACT__CUSTOM_PROPERTIES_ENTRY__INIT;
	ce.key = "j";
	ce.value = &v;
	Mlmd__Pb__Artifact__CustomPropertiesEntry *ces[] = { &ce };
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
	a.has_type_id = 1;
	a.type_id = type;
	a.n_custom_properties = 1;
	a.custom_properties = ces;
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &ap;
	Mlmd__Pb__PutArtifactsResponse *rs;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	int64_t sid = rs->artifact_ids[0];
	mlmd_message_free(rs);

	list_ids(t, s, "properties.p.double_value > 1.5", (int64_t[]){ 3, 4 }, 2);
	list_ids(t, s, "properties.p.double_value < 1.25", (int64_t[]){ 1 }, 1);
	list_ids(t, s, "properties.p.double_value = 1.5", (int64_t[]){ 2 }, 1);
	list_ids(t, s, "properties.p.double_value >= 1.7e0 AND properties.p.double_value <= 2.5", (int64_t[]){ 3, 4 }, 2);

	for (int64_t id = 1; id <= 4; id++) {
		Mlmd__Pb__Artifact *got = get_artifact(s, id);
		const Mlmd__Pb__Value *p = mlmd_node_get(got, 0, "p");
		assert_non_null(p);
		assert_true(p->double_value == ps[id - 1]);
		say_bits(t, "stored p", p->double_value);
		mlmd_message_free(got);
	}
	Mlmd__Pb__Artifact *got = get_artifact(s, sid);
	const Mlmd__Pb__Value *j = mlmd_node_get(got, 1, "j");
	assert_non_null(j);
	assert_int_equal(j->value_case, MLMD__PB__VALUE__VALUE_STRUCT_VALUE);
	assert_int_equal(j->struct_value->n_fields, 2);
	for (size_t i = 0; i < 2; i++) {
		const Mlmd__Pb__Wkt__Struct__FieldsEntry *e = j->struct_value->fields[i];
		double want = !strcmp(e->key, "a") ? 0.1 : -2.5e-300;
		assert_true(e->value->number_value == want);
		say_bits(t, e->key, e->value->number_value);
	}
	mlmd_message_free(got);
	mlmd_store_free(s);
}

/* ---- models ----------------------------------------------------------------------------- */

static const char *XGB_JSON =
	"{\"learner\":{\"attributes\":{},\"feature_names\":[],\"feature_types\":[],"
	"\"gradient_booster\":{\"model\":{\"gbtree_model_param\":{\"num_trees\":\"1\",\"size_leaf_vector\":\"0\"},"
	"\"tree_info\":[0],\"trees\":["
	"{\"base_weights\":[0,0,0],\"default_left\":[1,0,0],\"id\":0,\"left_children\":[1,-1,-1],"
	"\"right_children\":[2,-1,-1],\"split_conditions\":[0.5,-0.25,0.75],\"split_indices\":[0,0,0],"
	"\"split_type\":[0,0,0],\"tree_param\":{\"num_nodes\":\"3\"}}]},\"name\":\"gbtree\"},"
	"\"learner_model_param\":{\"base_score\":\"1.25E0\",\"num_class\":\"0\",\"num_feature\":\"1\",\"num_target\":\"1\"},"
	"\"objective\":{\"name\":\"reg:squarederror\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}},"
	"\"version\":[1,7,4]}";

static const char *PMML_DOC =
	"<?xml version=\"1.0\"?><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"><Header/>"
	"<DataDictionary><DataField name=\"x\" optype=\"continuous\" dataType=\"double\"/>"
	"<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/></DataDictionary>"
	"<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x\"/>"
	"<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
	"<RegressionTable intercept=\"1.5\"><NumericPredictor name=\"x\" coefficient=\"0.25\"/></RegressionTable>"
	"</RegressionModel></PMML>";

static void score_1x1(transcript *t, const char *what, mlmd_model *m, int in_dtype, const void *x, int64_t rows,
		      float *out)
{
	mlmd_tensor in = { .dtype = in_dtype, .rank = 2, .dims = { rows, 1 }, .data = (void *)x };
	mlmd_tensor o = { .data = out, .capacity = (size_t)rows };
	OK(mlmd_model_score(m, NULL, &in, 1, &o, 1));
	for (int64_t i = 0; i < rows; i++)
		say_bits(t, what, out[i]);
}

static void model_part(transcript *t)
{
	mlmd_model *m = NULL;
	OK(mlmd_model_load_buffer(&m, XGB_JSON, strlen(XGB_JSON), "m.json"));
	float xs[3] = { 0.25f, 0.5f, 2 }, out[3];
	score_1x1(t, "xgboost", m, MLMD_DTYPE_FLOAT, xs, 3, out);
	/* x < 0.5 goes left (-0.25), else right (0.75), plus the base 1.25 */
	assert_true(out[0] == 1.0f && out[1] == 2.0f && out[2] == 2.0f);
	mlmd_model_free(m);

	OK(mlmd_model_load_buffer(&m, PMML_DOC, strlen(PMML_DOC), "m.pmml"));
	double xd[2] = { 2, 0.5 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 1, .dims = { 2 }, .data = xd };
	mlmd_tensor o = { 0 };
	mlmd_score_ctx *ctx;
	OK(mlmd_score_ctx_new(&ctx));
	OK(mlmd_model_score(m, ctx, &in, 1, &o, 1));
	for (int i = 0; i < 2; i++) {
		double y = o.dtype == MLMD_DTYPE_DOUBLE ? ((const double *)o.data)[i] : ((const float *)o.data)[i];
		assert_true(y == 1.5 + 0.25 * xd[i]);
		say_bits(t, "pmml", y);
	}
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);

	/* ONNX Cast: numbers to text and text to numbers */
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_node(&b, "Cast", "", "to_text", "X", "S", ob_int(&b, "to", MLMD_DTYPE_STRING), NULL);
	ob_node(&b, "Cast", "", "to_num", "S", "D", ob_int(&b, "to", MLMD_DTYPE_DOUBLE), NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ -1 });
	ob_output(&b, "S", MLMD_DTYPE_STRING, 1, (int64_t[]){ -1 });
	ob_output(&b, "D", MLMD_DTYPE_DOUBLE, 1, (int64_t[]){ -1 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	OK(mlmd_model_load_buffer(&m, bytes, len, "cast.onnx"));
	ob_free(&b);
	float xf[3] = { 1.5f, 0.1f, -2.5e-7f };
	mlmd_tensor ci = { .dtype = MLMD_DTYPE_FLOAT, .rank = 1, .dims = { 3 }, .data = xf };
	mlmd_tensor co[2] = { { 0 }, { 0 } };
	OK(mlmd_score_ctx_new(&ctx));
	OK(mlmd_model_score(m, ctx, &ci, 1, co, 2));
	const char *const *txt = co[0].data;
	assert_string_equal(txt[0], "1.5");
	assert_string_equal(txt[1], "0.1");
	assert_string_equal(txt[2], "-2.5e-07");
	for (int i = 0; i < 3; i++) {
		say(t, "cast text %s\n", txt[i]);
		double want;
		OK(mlmd_double_parse(txt[i], strlen(txt[i]), &want));
		assert_true(((const double *)co[1].data)[i] == want);
		say_bits(t, "cast back", ((const double *)co[1].data)[i]);
	}
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);

	/* an error message that prints a number */
	ob_opset(&b, "", 13);
	ob_node(&b, "Identity", "", "id", "X", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_INT32, 1, (int64_t[]){ -1 });
	ob_output(&b, "Y", MLMD_DTYPE_INT32, 1, (int64_t[]){ -1 });
	bytes = ob_pack(&b, &len);
	OK(mlmd_model_load_buffer(&m, bytes, len, "id.onnx"));
	ob_free(&b);
	double big[1] = { 1.5e10 };
	mlmd_tensor bi = { .dtype = MLMD_DTYPE_DOUBLE, .rank = 1, .dims = { 1 }, .data = big };
	int32_t iout[1];
	mlmd_tensor bo = { .data = iout, .capacity = 1 };
	FAILS(mlmd_model_score(m, NULL, &bi, 1, &bo, 1), MLMD_INVALID_ARGUMENT, "value 1.5e+10 does not fit INT32");
	say(t, "error: %s\n", mlmd_error_message());
	mlmd_model_free(m);
}

/* ---- the public pair ----------------------------------------------------------------------- */

static void number_part(transcript *t)
{
	char buf[40];
	const double vs[] = { 0.1, 1.5, -2.5e-300, 1e21, 123456789.125, 1.0 / 3 };
	const char *want[] = { "0.1", "1.5", "-2.5e-300", "1e+21", "123456789.125", "0.3333333333333333" };
	for (int i = 0; i < 6; i++) {
		mlmd_double_format(buf, sizeof buf, vs[i], 0);
		assert_string_equal(buf, want[i]);
		double back;
		OK(mlmd_double_parse(buf, strlen(buf), &back));
		assert_true(back == vs[i]);
		say(t, "format %s\n", buf);
	}
	mlmd_double_format(buf, sizeof buf, 2.5, 3);
	assert_string_equal(buf, "2.5");
	double d;
	FAILS(mlmd_double_parse("0x10", 4, &d), MLMD_INVALID_ARGUMENT, "'0x10' is not a decimal number");
	FAILS(mlmd_double_parse("1,5", 3, &d), MLMD_INVALID_ARGUMENT, "not a decimal number");
	FAILS(mlmd_double_parse("1e999", 5, &d), MLMD_OUT_OF_RANGE, "too large");
	OK(mlmd_double_parse(" -Infinity ", 11, &d));
	assert_true(isinf(d) && d < 0);
}

static void scenario(transcript *t)
{
	store_part(t);
	model_part(t);
	number_part(t);
}

static void same_answers_in_a_comma_decimal_locale(void **state)
{
	(void)state;
	static transcript c, german;
	assert_non_null(setlocale(LC_ALL, "C"));
	scenario(&c);
	if (!setlocale(LC_ALL, GERMAN))
		fail_msg("locale %s is not available (LOCPATH=%s): `make check` builds it with localedef "
			 "(Debian package `locales`)", GERMAN, getenv("LOCPATH") ? getenv("LOCPATH") : "unset");
	/* the locale really is comma-decimal, so the comparison means something */
	assert_string_equal(localeconv()->decimal_point, ",");
	char probe[16];
	snprintf(probe, sizeof probe, "%.1f", 1.5);
	assert_string_equal(probe, "1,5");
	scenario(&german);
	setlocale(LC_ALL, "C");
	if (c.len != german.len || memcmp(c.text, german.text, c.len))
		fail_msg("transcripts differ:\n--- C\n%s\n--- %s\n%s", c.text, GERMAN, german.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_answers_in_a_comma_decimal_locale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

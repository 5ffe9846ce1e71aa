/*
 * PMML tree ensembles on the batch path (scorer/pmml_batch.c): a
 * MiningModel's trees scored as one engine ensemble over a block of rows give
 * exactly the answers of the row-at-a-time evaluation, on every cPMML
 * conformance model (its data set, and the same rows with values made
 * missing or invalid) and on generated ensembles of every segmentation
 * method, with MiningSchema treatments, derived fields, targets and a
 * modelChain; ensembles that do not fit stay on the row path.
 *
 * Each model is loaded twice and the batch path switched off in the second
 * (mlmd__sc_pmml_batch, a hook for tests); the first scores on one thread
 * and on three; every output is compared bit for bit.
 *
 * Deep and irregular trees take the interleaved walk (scorer/pmml_walk.c):
 * it is checked against the row path on deep generated forests and on
 * every cPMML ensemble with the walk forced on (mlmd__sc_pmml_batch_walk),
 * on one and two threads (test_pmml_walk.c checks it against the tree
 * engine on random trees).
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
#include "scorer/load.h"
#include "scorer/sc.h"

#define HEAD "<?xml version=\"1.0\"?><PMML version=\"4.4\" xmlns=\"http://www.dmg.org/PMML-4_4\"><Header/>"

/* ---- helpers ------------------------------------------------------------------------------ */

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

/* The model twice: [0] on the batch path, [1] with it switched off. */
static void load_pair(const char *xml, size_t len, mlmd_model **m)
{
	for (int k = 0; k < 2; k++)
		if (mlmd_model_load_buffer(&m[k], xml, len, "test.pmml"))
			fail_msg("load: %s", mlmd_error_message());
	assert_int_equal(mlmd__sc_pmml_batch(m[1], 0), 0);
}

/* Inputs for `rows` rows, one tensor per model input: numbers (NaN missing) or texts (NULL missing). */
typedef struct {
	size_t rows, ni;
	mlmd_tensor in[64];
} inputs;

static void inputs_new(inputs *b, const mlmd_model *m, size_t rows)
{
	memset(b, 0, sizeof *b);
	b->rows = rows;
	b->ni = mlmd_model_input_count(m);
	assert_true(b->ni <= 64);
	for (size_t k = 0; k < b->ni; k++) {
		const mlmd_value_info *vi = mlmd_model_input(m, k);
		b->in[k] = (mlmd_tensor){ .dtype = vi->dtype == MLMD_DTYPE_STRING ? MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE,
			.rank = 1, .dims = { (int64_t)rows } };
		b->in[k].data = calloc(rows ? rows : 1, 8);
		assert_non_null(b->in[k].data);
	}
}

static void set_num(inputs *b, size_t k, size_t r, double v)
{
	((double *)b->in[k].data)[r] = v;
}

static void set_text(inputs *b, size_t k, size_t r, const char *v)
{
	char **s = b->in[k].data;
	free(s[r]);
	s[r] = v ? strdup(v) : NULL;
}

static void inputs_free(inputs *b)
{
	for (size_t k = 0; k < b->ni; k++) {
		if (b->in[k].dtype == MLMD_DTYPE_STRING)
			for (size_t r = 0; r < b->rows; r++)
				free(((char **)b->in[k].data)[r]);
		free(b->in[k].data);
	}
}

/* Scores the inputs on the batch path (on one thread, and on three with
 * batches split however small), and on the row path; asserts every output
 * is the same, bit for bit. */
static void same_answers(mlmd_model **m, const inputs *b, const char *what)
{
	static const char *const paths[] = { "batch", "row", "batch on 3 threads" };
	mlmd_score_ctx *ctx[3];
	size_t nout = mlmd_model_output_count(m[0]);
	mlmd_tensor out[3][32];
	assert_true(nout <= 32);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(mlmd_score_ctx_new(&ctx[k]), 0);
		if (k == 2) {
			assert_int_equal(mlmd_score_ctx_set_threads(ctx[k], 3), 0);
			mlmd__sc_ctx_set_min_part_work(ctx[k], 1);
		}
		memset(out[k], 0, sizeof out[k]);
		if (mlmd_model_score(m[k == 1], ctx[k], b->in, b->ni, out[k], nout))
			fail_msg("%s: score (%s path): %s", what, paths[k], mlmd_error_message());
	}
	for (int k = 0; k < 3; k += 2)
		for (size_t o = 0; o < nout; o++) {
			const mlmd_tensor *x = &out[k][o], *y = &out[1][o];
			assert_int_equal(x->dtype, y->dtype);
			int64_t per = x->rank == 2 ? x->dims[1] : 1;
			for (size_t r = 0; r < b->rows; r++)
				for (int64_t j = 0; j < per; j++) {
					if (x->dtype == MLMD_DTYPE_STRING) {
						const char *p = ((const char *const *)x->data)[r], *q = ((const char *const *)y->data)[r];
						if (!(p == q || (p && q && !strcmp(p, q))))
							fail_msg("%s: output '%s' row %zu: %s '%s', row path '%s'", what,
								mlmd_model_output(m[0], o)->name, r, paths[k], p ? p : "(missing)", q ? q : "(missing)");
					} else {
						double p = ((const double *)x->data)[r * (size_t)per + (size_t)j];
						double q = ((const double *)y->data)[r * (size_t)per + (size_t)j];
						if (!(isnan(p) && isnan(q)) && memcmp(&p, &q, sizeof p))
							fail_msg("%s: output '%s' row %zu [%lld]: %s %.17g, row path %.17g", what,
								mlmd_model_output(m[0], o)->name, r, (long long)j, paths[k], p, q);
					}
				}
		}
	for (int k = 0; k < 3; k++)
		mlmd_score_ctx_free(ctx[k]);
}

/* The batch path of m[0] on a context of `threads` threads (batches split
 * however small) against the row path of m[1], bit for bit. */
static void same_answers_on(mlmd_model **m, const inputs *b, int threads, const char *what)
{
	mlmd_score_ctx *ctx[2];
	size_t nout = mlmd_model_output_count(m[0]);
	mlmd_tensor out[2][32];
	assert_true(nout <= 32);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(mlmd_score_ctx_new(&ctx[k]), 0);
		if (k == 0 && threads > 1) {
			assert_int_equal(mlmd_score_ctx_set_threads(ctx[k], threads), 0);
			mlmd__sc_ctx_set_min_part_work(ctx[k], 1);
		}
		memset(out[k], 0, sizeof out[k]);
		if (mlmd_model_score(m[k], ctx[k], b->in, b->ni, out[k], nout))
			fail_msg("%s: score (%s path): %s", what, k ? "row" : "batch", mlmd_error_message());
	}
	for (size_t o = 0; o < nout; o++) {
		const mlmd_tensor *x = &out[0][o], *y = &out[1][o];
		int64_t per = x->rank == 2 ? x->dims[1] : 1;
		for (size_t r = 0; r < b->rows; r++)
			for (int64_t j = 0; j < per; j++) {
				if (x->dtype == MLMD_DTYPE_STRING) {
					const char *p = ((const char *const *)x->data)[r], *q = ((const char *const *)y->data)[r];
					if (!(p == q || (p && q && !strcmp(p, q))))
						fail_msg("%s (%d threads): output '%s' row %zu: batch '%s', row path '%s'", what, threads,
							mlmd_model_output(m[0], o)->name, r, p ? p : "(missing)", q ? q : "(missing)");
				} else {
					double p = ((const double *)x->data)[r * (size_t)per + (size_t)j];
					double q = ((const double *)y->data)[r * (size_t)per + (size_t)j];
					if (!(isnan(p) && isnan(q)) && memcmp(&p, &q, sizeof p))
						fail_msg("%s (%d threads): output '%s' row %zu [%lld]: batch %.17g, row path %.17g", what,
							threads, mlmd_model_output(m[0], o)->name, r, (long long)j, p, q);
				}
			}
	}
	for (int k = 0; k < 2; k++)
		mlmd_score_ctx_free(ctx[k]);
}

/* ---- the cPMML conformance models ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Fills inputs from a CSV data set (header, then rows; no quoting), the rows repeated `times`. */
static void inputs_from_csv(inputs *b, const mlmd_model *m, char *csv, int times)
{
	char *line = csv, *cells[128], *header[128];
	size_t rows = 0;
	for (char *p = csv; *p; p++)
		rows += *p == '\n';
	char *nl = strchr(line, '\n');
	*nl = '\0';
	int ncol = 0;
	for (char *p = line; ncol < 128;) {
		header[ncol++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	for (int c = 0; c < ncol; c++)
		header[c][strcspn(header[c], "\r")] = '\0';
	rows = 0;
	char *body = nl + 1;
	for (char *p = body; *p; p++)
		rows += *p == '\n';
	inputs_new(b, m, rows * (size_t)times);
	int col_of[64];
	for (size_t k = 0; k < b->ni; k++) {
		col_of[k] = -1;
		for (int c = 0; c < ncol; c++)
			if (!strcmp(header[c], mlmd_model_input(m, k)->name))
				col_of[k] = c;
	}
	size_t r = 0;
	for (line = body; *line && r < rows; r++) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		int n = 0;
		for (char *p = line; n < 128;) {
			cells[n++] = p;
			char *c = strchr(p, ',');
			if (!c)
				break;
			*c = '\0';
			p = c + 1;
		}
		for (size_t k = 0; k < b->ni; k++) {
			const char *v = col_of[k] >= 0 && col_of[k] < n ? cells[col_of[k]] : "";
			for (int t = 0; t < times; t++) {
				if (b->in[k].dtype == MLMD_DTYPE_STRING)
					set_text(b, k, r + (size_t)t * rows, *v ? v : NULL);
				else
					set_num(b, k, r + (size_t)t * rows, *v ? strtod(v, NULL) : NAN);
			}
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
}

/* Makes some cells missing, some numbers far out of range, some texts unknown. */
static void disturb(inputs *b, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t k = 0; k < b->ni; k++)
		for (size_t r = 0; r < b->rows; r++) {
			uint32_t x = rnd(&s) % 16;
			if (b->in[k].dtype == MLMD_DTYPE_STRING) {
				if (x == 0)
					set_text(b, k, r, NULL);
				else if (x == 1)
					set_text(b, k, r, "not a category");
			} else if (x == 0) {
				set_num(b, k, r, NAN);
			} else if (x == 1) {
				set_num(b, k, r, 1e9);
			}
		}
}

static const char *data_dir(void)
{
	const char *d = getenv("MLMD_PMML_TESTS");
	return d && *d ? d : "../shared/conformance/pmml-cpmml";
}

/* Every cPMML model with a data set: the batch path gives the row path's
 * answers on its rows (repeated, so large ensembles take several blocks) and
 * on the same rows disturbed; the tree ensembles take the batch path. */
static void cpmml_models_batch_equals_row_path(void **state)
{
	(void)state;
	static const char *const names[] = { "AuditBinaryReg", "AuditRandomForest", "AuditTree", "HousingGBTClassifier",
		"HousingGBTClassifier_PCA", "HousingGBTRegressor", "HousingGBTRegressor_PCA", "HousingLRClassifier",
		"HousingLRClassifier_PCA", "HousingLinearRegressor", "HousingLinearRegressor_PCA", "HousingRFClassifier",
		"HousingRFClassifier_PCA", "HousingRFRegressor", "HousingRFRegressor_PCA", "IrisLinearReg", "IrisMultinomReg",
		"IrisRandomForest", "IrisTree", "ensemble_audit_dectree", "ensemble_iris_dectree", "single_audit_dectree",
		"single_iris_dectree" };
	char path[4096];
	snprintf(path, sizeof path, "%s/models/IrisRandomForest.xml", data_dir());
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		fprintf(stderr, "[  SKIPPED ] the cPMML conformance data is not at %s (set MLMD_PMML_TESTS)\n", data_dir());
		skip();
	}
	fclose(probe);
	int ensembles = 0;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		size_t xlen, clen;
		snprintf(path, sizeof path, "%s/models/%s.xml", data_dir(), names[i]);
		char *xml = slurp(path, &xlen);
		snprintf(path, sizeof path, "%s/datasets/%s.csv", data_dir(), names[i]);
		char *csv = slurp(path, &clen);
		if (!xml)
			fail_msg("%s: model missing", names[i]);
		mlmd_model *m[2];
		load_pair(xml, xlen, m);
		bool ensemble = strstr(xml, "<Segmentation") && strstr(xml, "<TreeModel");
		int batched = mlmd__sc_pmml_batch(m[0], -1);
		if (ensemble && batched <= 0)
			fail_msg("%s: a tree ensemble not on the batch path", names[i]);
		if (!ensemble)
			assert_int_equal(batched, 0);
		ensembles += ensemble;
		inputs b;
		if (csv) {
			inputs_from_csv(&b, m[0], csv, 8);
		} else { /* (no data set: its first input's values vary, the rest missing) */
			inputs_new(&b, m[0], 64);
			for (size_t k = 0; k < b.ni; k++)
				for (size_t r = 0; r < b.rows; r++)
					if (b.in[k].dtype != MLMD_DTYPE_STRING)
						set_num(&b, k, r, k == 0 ? (double)r : NAN);
		}
		same_answers(m, &b, names[i]);
		disturb(&b, 1 + i);
		same_answers(m, &b, names[i]);
		inputs_free(&b);
		for (int k = 0; k < 2; k++)
			mlmd_model_free(m[k]);
		free(xml);
		free(csv);
	}
	assert_int_equal(ensembles, 12);
}

/* Every cPMML tree ensemble with the interleaved walk forced on for all its
 * trees (those the engine walks well included) gives the row path's
 * answers, on one thread and on two; the deep forests take the walk
 * without being forced, the shallow boosted trees do not. */
static void cpmml_ensembles_walk_equals_row_path(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int walk;            /* the walk in use as loaded: 1, 0, or -1 (not checked) */
	} models[] = { { "AuditRandomForest", 1 }, { "HousingGBTClassifier", -1 }, { "HousingGBTClassifier_PCA", 0 },
		{ "HousingGBTRegressor", 1 }, { "HousingGBTRegressor_PCA", -1 }, { "HousingRFClassifier", 1 },
		{ "HousingRFClassifier_PCA", 1 }, { "HousingRFRegressor", -1 }, { "HousingRFRegressor_PCA", -1 },
		{ "IrisRandomForest", -1 }, { "ensemble_audit_dectree", -1 }, { "ensemble_iris_dectree", -1 } };
	char path[4096];
	snprintf(path, sizeof path, "%s/models/IrisRandomForest.xml", data_dir());
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		fprintf(stderr, "[  SKIPPED ] the cPMML conformance data is not at %s (set MLMD_PMML_TESTS)\n", data_dir());
		skip();
	}
	fclose(probe);
	for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
		size_t xlen, clen;
		snprintf(path, sizeof path, "%s/models/%s.xml", data_dir(), models[i].name);
		char *xml = slurp(path, &xlen);
		snprintf(path, sizeof path, "%s/datasets/%s.csv", data_dir(), models[i].name);
		char *csv = slurp(path, &clen);
		if (!xml || !csv)
			fail_msg("%s: model or data set missing", models[i].name);
		mlmd_model *m[2];
		load_pair(xml, xlen, m);
		if (models[i].walk >= 0 && mlmd__sc_pmml_batch_walk(m[0], -1) != models[i].walk)
			fail_msg("%s: the interleaved walk %s", models[i].name, models[i].walk ? "not in use" : "in use");
		assert_int_equal(mlmd__sc_pmml_batch_walk(m[0], 2), 1);
		inputs b;
		inputs_from_csv(&b, m[0], csv, 2);
		for (int threads = 1; threads <= 2; threads++)
			same_answers_on(m, &b, threads, models[i].name);
		disturb(&b, 100 + i);
		for (int threads = 1; threads <= 2; threads++)
			same_answers_on(m, &b, threads, models[i].name);
		inputs_free(&b);
		for (int k = 0; k < 2; k++)
			mlmd_model_free(m[k]);
		free(xml);
		free(csv);
	}
}

/* ---- generated ensembles --------------------------------------------------------------------- */

/* A random predicate an engine tree can hold, over x1, x2 (numbers), d (a derived number) and c (text). */
static void random_pred(sbuf *b, uint64_t *s)
{
	static const char *const ops[] = { "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan",
		"greaterOrEqual" };
	static const char *const nums[] = { "-1", "0", "0.5", "1", "1.5" };
	static const char *const texts[] = { "a", "b", "c", "zz" };
	static const char *const numf[] = { "x1", "x2", "d" };
	switch (rnd(s) % 5) {
	case 0: case 1:
		sb_add(b, "<SimplePredicate field=\"%s\" operator=\"%s\" value=\"%s\"/>", numf[rnd(s) % 3], ops[2 + rnd(s) % 4],
			nums[rnd(s) % 5]);
		break;
	case 2:
		sb_add(b, "<SimplePredicate field=\"c\" operator=\"%s\" value=\"%s\"/>", ops[rnd(s) % 2], texts[rnd(s) % 4]);
		break;
	case 3:
		sb_add(b, "<SimpleSetPredicate field=\"c\" booleanOperator=\"%s\"><Array type=\"string\">%s %s</Array>"
			"</SimpleSetPredicate>", rnd(s) % 2 ? "isIn" : "isNotIn", texts[rnd(s) % 4], texts[rnd(s) % 4]);
		break;
	default:
		sb_add(b, "<SimplePredicate field=\"%s\" operator=\"%s\" value=\"%s\"/>", numf[rnd(s) % 3], ops[rnd(s) % 2],
			nums[rnd(s) % 5]);
	}
}

/* A random node and its subtree. Scores: a category (cls) or a number; some nodes have none. */
static void random_node(sbuf *b, uint64_t *s, int depth, int *id, bool cls, bool root, bool is_true)
{
	static const char *const labels[] = { "A", "B", "C" };
	int me = (*id)++;
	int kids = depth < 4 && (root || rnd(s) % 4) ? 1 + (int)(rnd(s) % 3) : 0;
	bool last_true = kids > 1 && rnd(s) % 3 == 0;
	sbuf kb = { 0 };
	for (int k = 0; k < kids; k++)
		random_node(&kb, s, depth + 1, id, cls, false, last_true && k == kids - 1);
	if (rnd(s) % 10 == 0)
		sb_add(b, "<Node id=\"n%d\"", me);
	else if (cls)
		sb_add(b, "<Node id=\"n%d\" score=\"%s\" recordCount=\"%u\"", me, labels[rnd(s) % 3], 1 + rnd(s) % 50);
	else
		sb_add(b, "<Node id=\"n%d\" score=\"%.3f\"", me, (double)(rnd(s) % 2000) / 1000 - 1);
	sb_add(b, ">");
	if (root || is_true)
		sb_add(b, "<True/>");
	else
		random_pred(b, s);
	if (cls && rnd(s) % 4)
		for (int k = 0; k < 3; k++)
			sb_add(b, "<ScoreDistribution value=\"%s\" recordCount=\"%u\"/>", labels[k], rnd(s) % 20);
	if (kb.p)
		sb_add(b, "%s", kb.p);
	free(kb.p);
	sb_add(b, "</Node>");
}

/* The data dictionary and transformations every generated document shares. */
static void doc_head(sbuf *b, bool cls)
{
	sb_add(b, HEAD "<DataDictionary>"
		"<DataField name=\"x1\" optype=\"continuous\" dataType=\"double\"/>"
		"<DataField name=\"x2\" optype=\"continuous\" dataType=\"double\">"
		"<Interval closure=\"closedClosed\" leftMargin=\"-2\" rightMargin=\"2\"/></DataField>"
		"<DataField name=\"c\" optype=\"categorical\" dataType=\"string\">"
		"<Value value=\"a\"/><Value value=\"b\"/><Value value=\"c\"/><Value value=\"zz\"/><Value value=\"?\" property=\"missing\"/>"
		"</DataField>"
		"<DataField name=\"y\" optype=\"%s\" dataType=\"%s\">%s</DataField></DataDictionary>"
		"<TransformationDictionary><DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
		"<Apply function=\"+\"><FieldRef field=\"x1\"/><Apply function=\"*\"><FieldRef field=\"x2\"/>"
		"<Constant>0.5</Constant></Apply></Apply></DerivedField></TransformationDictionary>",
		cls ? "categorical" : "continuous", cls ? "string" : "double",
		cls ? "<Value value=\"A\"/><Value value=\"B\"/><Value value=\"C\"/>" : "");
}

/* The MiningSchema of the top model: treatments vary with the seed. */
static void top_schema(sbuf *b, uint64_t *s)
{
	static const char *const x2t[] = { "", " invalidValueTreatment=\"asMissing\"", " invalidValueTreatment=\"asIs\"",
		" invalidValueTreatment=\"returnInvalid\"", " outliers=\"asExtremeValues\" lowValue=\"-1.5\" highValue=\"1.5\"" };
	sb_add(b, "<MiningSchema><MiningField name=\"y\" usageType=\"target\"/>"
		"<MiningField name=\"x1\"%s/><MiningField name=\"x2\"%s/><MiningField name=\"c\"%s/></MiningSchema>",
		rnd(s) % 2 ? " missingValueReplacement=\"0.25\"" : "", x2t[rnd(s) % 5],
		rnd(s) % 2 ? " invalidValueTreatment=\"asMissing\"" : "");
}

/* n tree segments; each segment's MiningSchema sometimes treats a field (a
 * replacement for missing x1: rows where it changes a value take the row path). */
static void tree_segments(sbuf *b, uint64_t *s, int n, bool cls, bool weights)
{
	static const char *const miss[] = { "none", "lastPrediction", "nullPrediction", "defaultChild" };
	for (int t = 0; t < n; t++) {
		sb_add(b, "<Segment id=\"%d\"", t + 1);
		if (weights)
			sb_add(b, " weight=\"%.2f\"", 0.25 + (double)(rnd(s) % 8) / 4);
		sb_add(b, "><True/><TreeModel functionName=\"%s\" missingValueStrategy=\"%s\" noTrueChildStrategy=\"%s\">"
			"<MiningSchema><MiningField name=\"x1\"%s/><MiningField name=\"x2\"/><MiningField name=\"c\"/>"
			"<MiningField name=\"d\"/></MiningSchema>", cls ? "classification" : "regression", miss[rnd(s) % 4],
			rnd(s) % 2 ? "returnLastPrediction" : "returnNullPrediction",
			rnd(s) % 8 == 0 ? " missingValueReplacement=\"-0.75\"" : "");
		int id = 0;
		random_node(b, s, 0, &id, cls, true, true);
		sb_add(b, "</TreeModel></Segment>");
	}
}

/* Random rows: missing values, x2 outside its interval, texts outside c's values or its missing value "?". */
static void random_rows(inputs *b, const mlmd_model *m, uint64_t seed)
{
	static const char *const texts[] = { "a", "b", "c", "zz", "?", "other", NULL };
	static const double nums[] = { -1, 0, 0.5, 1, 1.5, -3, 3, 0.25, NAN };
	uint64_t s = seed;
	for (size_t k = 0; k < b->ni; k++) {
		bool text = mlmd_model_input(m, k)->dtype == MLMD_DTYPE_STRING;
		for (size_t r = 0; r < b->rows; r++) {
			if (text)
				set_text(b, k, r, texts[rnd(&s) % 7]);
			else
				set_num(b, k, r, rnd(&s) % 3 ? nums[rnd(&s) % 9] : (double)(int)(rnd(&s) % 4000) / 1000 - 2);
		}
	}
}

static void check_doc(const char *xml, uint64_t seed, size_t rows, bool expect_batch, const char *what)
{
	mlmd_model *m[2];
	load_pair(xml, strlen(xml), m);
	int batched = mlmd__sc_pmml_batch(m[0], -1);
	if (expect_batch && batched < 2)
		fail_msg("%s: not on the batch path (%d trees)", what, batched);
	if (!expect_batch)
		assert_int_equal(batched, 0);
	inputs b;
	inputs_new(&b, m[0], rows);
	random_rows(&b, m[0], seed);
	same_answers(m, &b, what);
	inputs_free(&b);
	for (int k = 0; k < 2; k++)
		mlmd_model_free(m[k]);
}

/* Ensembles under every segmentation method that combines trees, classifiers
 * and regressions, with treatments, a derived field and target rescaling:
 * the batch path gives the row path's answers. */
static void generated_ensembles_batch_equals_row_path(void **state)
{
	(void)state;
	static const char *const cls_methods[] = { "majorityVote", "weightedMajorityVote", "average", "weightedAverage",
		"max", "modelChain" };
	static const char *const reg_methods[] = { "sum", "average", "weightedAverage", "median", "weightedMedian", "max",
		"weightedSum", "modelChain" };
	for (uint64_t seed = 1; seed <= 24; seed++) {
		uint64_t s = seed * 7919;
		bool cls = seed % 2;
		const char *method = cls ? cls_methods[(seed / 2) % 6] : reg_methods[(seed / 2) % 8];
		int n = 2 + (int)(rnd(&s) % 30);
		sbuf b = { 0 };
		doc_head(&b, cls);
		sb_add(&b, "<MiningModel functionName=\"%s\">", cls ? "classification" : "regression");
		top_schema(&b, &s);
		sb_add(&b, "<Output><OutputField name=\"pred\" feature=\"predictedValue\"/>%s</Output>",
			cls ? "<OutputField name=\"pB\" feature=\"probability\" value=\"B\"/>"
			"<OutputField name=\"conf\" feature=\"confidence\"/>" : "");
		if (!cls)
			sb_add(&b, "<Targets><Target field=\"y\" rescaleFactor=\"0.1\" rescaleConstant=\"2.5\"/></Targets>");
		sb_add(&b, "<Segmentation multipleModelMethod=\"%s\"%s>", method,
			seed % 3 == 0 ? " missingPredictionTreatment=\"returnMissing\"" :
			seed % 3 == 1 ? " missingPredictionTreatment=\"skipSegment\"" : "");
		tree_segments(&b, &s, n, cls, strstr(method, "weighted") != NULL);
		sb_add(&b, "</Segmentation></MiningModel></PMML>");
		char what[64];
		snprintf(what, sizeof what, "seed %llu (%s, %d trees)", (unsigned long long)seed, method, n);
		check_doc(b.p, seed, 700, true, what);
		free(b.p);
	}
}

/* A GBT classifier as JPMML writes it: a modelChain whose first segment sums
 * trees (rescaled, its decision function an output), whose second turns that
 * into probabilities; run over blocks of rows (150 trees). */
static void gbt_model_chain_batch_equals_row_path(void **state)
{
	(void)state;
	for (uint64_t seed = 100; seed < 104; seed++) {
		uint64_t s = seed;
		sbuf b = { 0 };
		doc_head(&b, true);
		sb_add(&b, "<MiningModel functionName=\"classification\">");
		top_schema(&b, &s);
		sb_add(&b, "<Segmentation multipleModelMethod=\"modelChain\"><Segment id=\"1\"><True/>"
			"<MiningModel functionName=\"regression\"><MiningSchema><MiningField name=\"x1\"/>"
			"<MiningField name=\"x2\"/><MiningField name=\"c\"/></MiningSchema>"
			"<Output><OutputField name=\"f\" optype=\"continuous\" dataType=\"double\" isFinalResult=\"false\"/>"
			"<OutputField name=\"t\" optype=\"continuous\" dataType=\"double\" feature=\"transformedValue\">"
			"<Apply function=\"/\"><Constant>1</Constant><Apply function=\"+\"><Constant>1</Constant>"
			"<Apply function=\"exp\"><Apply function=\"*\"><Constant>-1</Constant><FieldRef field=\"f\"/></Apply>"
			"</Apply></Apply></Apply></OutputField></Output>"
			"<Targets><Target rescaleConstant=\"-0.3\" rescaleFactor=\"0.1\"/></Targets>"
			"<Segmentation multipleModelMethod=\"sum\">");
		tree_segments(&b, &s, 150, false, false);
		sb_add(&b, "</Segmentation></MiningModel></Segment><Segment id=\"2\"><True/>"
			"<RegressionModel functionName=\"classification\"><MiningSchema><MiningField name=\"y\" usageType=\"target\"/>"
			"<MiningField name=\"t\"/></MiningSchema><Output>"
			"<OutputField name=\"pA\" feature=\"probability\" value=\"A\"/></Output>"
			"<RegressionTable intercept=\"0\" targetCategory=\"A\"><NumericPredictor name=\"t\" coefficient=\"1\"/>"
			"</RegressionTable><RegressionTable intercept=\"0.5\" targetCategory=\"B\"/>"
			"<RegressionTable intercept=\"0.25\" targetCategory=\"C\"/></RegressionModel></Segment>"
			"</Segmentation></MiningModel></PMML>");
		check_doc(b.p, seed, 1500, true, "modelChain");
		free(b.p);
	}
}

/* A segment predicate other than True, a segment with outputs, selectFirst:
 * the row path scores them, and says so. */
static void ensembles_that_do_not_fit_stay_on_row_path(void **state)
{
	(void)state;
	static const char *const variants[] = { "predicate", "output", "selectFirst" };
	for (int v = 0; v < 3; v++) {
		uint64_t s = 77 + (uint64_t)v;
		sbuf b = { 0 };
		doc_head(&b, false);
		sb_add(&b, "<MiningModel functionName=\"regression\">");
		top_schema(&b, &s);
		sb_add(&b, "<Segmentation multipleModelMethod=\"%s\">", v == 2 ? "selectFirst" : "sum");
		tree_segments(&b, &s, 5, false, false);
		if (v == 0)
			sb_add(&b, "<Segment id=\"9\"><SimplePredicate field=\"x1\" operator=\"lessThan\" value=\"0\"/>");
		else
			sb_add(&b, "<Segment id=\"9\"><True/>");
		sb_add(&b, "<TreeModel functionName=\"regression\"><MiningSchema><MiningField name=\"x1\"/></MiningSchema>%s"
			"<Node score=\"1\"><True/><Node score=\"2\"><SimplePredicate field=\"x1\" operator=\"lessThan\" value=\"1\"/>"
			"</Node></Node></TreeModel></Segment></Segmentation></MiningModel></PMML>",
			v == 1 ? "<Output><OutputField name=\"o\" feature=\"predictedValue\"/></Output>" : "");
		check_doc(b.p, s, 200, false, variants[v]);
		free(b.p);
	}
}

/* ---- deep trees: the interleaved walk ------------------------------------------------------------ */

/* A random deep node: two children (sometimes three), down to max_depth,
 * a node past the third level a leaf four times in ten; predicates of
 * every kind the engine compiles, the second child often True or the
 * first's complement (JPMML's and R's shapes). *deepest: the deepest level
 * made. */
static void deep_node(sbuf *b, uint64_t *s, int depth, int max_depth, int *id, bool cls, const char *pred, int *deepest)
{
	*deepest = depth > *deepest ? depth : *deepest;
	static const char *const labels[] = { "A", "B", "C" };
	static const char *const cuts[] = { "-1.5", "-1", "-0.5", "0", "0.25", "0.5", "1", "1.5" };
	static const char *const numf[] = { "x1", "x2", "d" };
	int me = (*id)++;
	if (rnd(s) % 12 == 0)
		sb_add(b, "<Node id=\"n%d\"", me);
	else if (cls)
		sb_add(b, "<Node id=\"n%d\" score=\"%s\" recordCount=\"%u\"", me, labels[rnd(s) % 3], 1 + rnd(s) % 50);
	else
		sb_add(b, "<Node id=\"n%d\" score=\"%.3f\"", me, (double)(rnd(s) % 2000) / 1000 - 1);
	sb_add(b, ">%s", pred);
	if (cls && rnd(s) % 5)
		for (int k = 0; k < 3; k++)
			sb_add(b, "<ScoreDistribution value=\"%s\" recordCount=\"%u\"/>", labels[k], rnd(s) % 20);
	if (depth < max_depth && (depth < 3 || rnd(s) % 100 < 58)) { /* (1.16 internal children a node, on average) */
		sbuf p1 = { 0 }, p2 = { 0 };
		uint32_t shape = rnd(s) % 8;
		if (shape < 4) { /* x <= t, then x > t (or True) */
			const char *f = numf[rnd(s) % 3], *t = cuts[rnd(s) % 8];
			sb_add(&p1, "<SimplePredicate field=\"%s\" operator=\"lessOrEqual\" value=\"%s\"/>", f, t);
			if (shape < 3)
				sb_add(&p2, "<SimplePredicate field=\"%s\" operator=\"greaterThan\" value=\"%s\"/>", f, t);
			else
				sb_add(&p2, "<True/>");
		} else if (shape < 6) { /* a text set and its complement, or a text equality then True */
			if (shape == 4) {
				sb_add(&p1, "<SimpleSetPredicate field=\"c\" booleanOperator=\"isIn\"><Array type=\"string\">a c zz"
					"</Array></SimpleSetPredicate>");
				sb_add(&p2, "<SimpleSetPredicate field=\"c\" booleanOperator=\"isNotIn\"><Array type=\"string\">a c zz"
					"</Array></SimpleSetPredicate>");
			} else {
				sb_add(&p1, "<SimplePredicate field=\"c\" operator=\"equal\" value=\"%s\"/>", rnd(s) % 2 ? "b" : "a");
				sb_add(&p2, "<True/>");
			}
		} else { /* any two predicates: rows may match neither */
			random_pred(&p1, s);
			random_pred(&p2, s);
		}
		deep_node(b, s, depth + 1, max_depth, id, cls, p1.p, deepest);
		deep_node(b, s, depth + 1, max_depth, id, cls, p2.p, deepest);
		if (rnd(s) % 10 == 0)
			deep_node(b, s, depth + 1, max_depth, id, cls, "<True/>", deepest);
		free(p1.p);
		free(p2.p);
	}
	sb_add(b, "</Node>");
}

/* Forests of deep trees (up to 24 levels) under every missingValueStrategy
 * and noTrueChildStrategy, classifiers averaging their distributions or
 * voting and regressions summing: the batch path takes the interleaved walk
 * and gives the row path's answers on one, two and three threads. */
static void generated_deep_trees_walk_equals_row_path(void **state)
{
	(void)state;
	static const char *const miss[] = { "none", "lastPrediction", "nullPrediction", "defaultChild" };
	static const char *const methods[] = { "average", "majorityVote", "sum", "weightedAverage" };
	for (uint64_t seed = 1; seed <= 12; seed++) {
		uint64_t s = seed * 104729;
		const char *method = methods[seed % 4];
		bool cls = seed % 4 != 2;
		int n = 2 + (int)(rnd(&s) % 12), deepest = 0;
		sbuf b = { 0 };
		doc_head(&b, cls);
		sb_add(&b, "<MiningModel functionName=\"%s\">", cls ? "classification" : "regression");
		top_schema(&b, &s);
		sb_add(&b, "<Output><OutputField name=\"pred\" feature=\"predictedValue\"/>%s</Output>",
			cls ? "<OutputField name=\"pB\" feature=\"probability\" value=\"B\"/>" : "");
		sb_add(&b, "<Segmentation multipleModelMethod=\"%s\">", method);
		for (int t = 0; t < n; t++) {
			sb_add(&b, "<Segment id=\"%d\" weight=\"%.2f\"><True/><TreeModel functionName=\"%s\" "
				"missingValueStrategy=\"%s\" noTrueChildStrategy=\"%s\"><MiningSchema><MiningField name=\"x1\"/>"
				"<MiningField name=\"x2\"/><MiningField name=\"c\"/><MiningField name=\"d\"/></MiningSchema>",
				t + 1, 0.5 + (double)(rnd(&s) % 4) / 4, cls ? "classification" : "regression", miss[rnd(&s) % 4],
				rnd(&s) % 2 ? "returnLastPrediction" : "returnNullPrediction");
			int id = 0;
			deep_node(&b, &s, 0, 12 + (int)(rnd(&s) % 13), &id, cls, "<True/>", &deepest);
			sb_add(&b, "</TreeModel></Segment>");
		}
		sb_add(&b, "</Segmentation></MiningModel></PMML>");
		assert_true(deepest >= 12); /* (deeper than the engine's complete layouts: 8 levels) */
		char what[64];
		snprintf(what, sizeof what, "deep seed %llu (%s, %d trees)", (unsigned long long)seed, method, n);
		mlmd_model *m[2];
		load_pair(b.p, b.n, m);
		int eng, walked;
		assert_int_equal(mlmd__sc_pmml_tree_counts(m[0], &eng, &walked), 0);
		if (mlmd__sc_pmml_batch(m[0], -1) < 2)
			fail_msg("%s: not on the batch path (%d trees in the engine, %d walked node by node)", what, eng, walked);
		if (mlmd__sc_pmml_batch_walk(m[0], -1) != 1)
			fail_msg("%s: deep trees not on the interleaved walk", what);
		inputs in;
		inputs_new(&in, m[0], 900);
		random_rows(&in, m[0], seed);
		for (int threads = 1; threads <= 3; threads++)
			same_answers_on(m, &in, threads, what);
		/* the same trees through the engine (as before the walk) */
		assert_int_equal(mlmd__sc_pmml_batch_walk(m[0], 0), 0);
		same_answers_on(m, &in, 1, what);
		inputs_free(&in);
		for (int k = 0; k < 2; k++)
			mlmd_model_free(m[k]);
		free(b.p);
	}
}

/* An argument: run only the tests whose names match it (cmocka's filter, e.g. 'g*'). */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpmml_models_batch_equals_row_path),
		cmocka_unit_test(generated_ensembles_batch_equals_row_path),
		cmocka_unit_test(gbt_model_chain_batch_equals_row_path),
		cmocka_unit_test(ensembles_that_do_not_fit_stay_on_row_path),
		cmocka_unit_test(cpmml_ensembles_walk_equals_row_path),
		cmocka_unit_test(generated_deep_trees_walk_equals_row_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

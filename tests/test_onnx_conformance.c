/*
 * ONNX backend node tests, scored by mlmd's scorer:
 *  - Debian's libonnx-testdata (/usr/share/libonnx-testdata/data/node, the
 *    ai.onnx operators of ONNX 1.12), and
 *  - the ai.onnx.ml node tests of ONNX 1.22 in ../shared/conformance/onnx-ml.
 * Each directory holds model.onnx and test_data_set_N/{input,output}_K.pb.
 * A directory whose model loads must reproduce every output (floats within
 * rtol 1e-5 / atol 1e-6, integers, booleans and strings exactly). A model
 * that is refused as UNIMPLEMENTED (an operator, type or attribute outside
 * the scorer's list) is skipped; skips are counted by reason and printed.
 * Set MLMD_ONNX_NODE_TESTS / MLMD_ONNX_ML_TESTS to use other directories.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "mlmd.h"
#include "onnx_min.pb-c.h"

#define MAX_REASONS 256

typedef struct {
	int ran, passed, skipped;
	char reasons[MAX_REASONS][96];
	int reason_count[MAX_REASONS];
	char examples[MAX_REASONS][64];
	int n_reasons;
	char failures[4096];
} tally;

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return b;
}

/* A test tensor decoded from a serialized TensorProto. */
typedef struct {
	mlmd_tensor t;
	void *own;
	char **strs;
	size_t n_strs;
	int dtype_raw;
} ttensor;

static size_t esize(int dt)
{
	switch (dt) {
	case 1: case 6: case 12: return 4;
	case 7: case 11: case 13: return 8;
	case 2: case 3: case 9: return 1;
	case 4: case 5: return 2;
	case 8: return sizeof(char *);
	default: return 0;
	}
}

/* Integer (or bool) element i, as the bits of a uint64 (sign-extended). */
static uint64_t ival(int dt, const void *p, size_t i)
{
	switch (dt) {
	case 2: case 9: return ((const uint8_t *)p)[i];
	case 3: return (uint64_t)(int64_t)((const int8_t *)p)[i];
	case 4: return ((const uint16_t *)p)[i];
	case 5: return (uint64_t)(int64_t)((const int16_t *)p)[i];
	case 6: return (uint64_t)(int64_t)((const int32_t *)p)[i];
	case 12: return ((const uint32_t *)p)[i];
	default: return ((const uint64_t *)p)[i];
	}
}

static void iset(int dt, void *p, size_t i, uint64_t v)
{
	switch (esize(dt)) {
	case 1: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case 2: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case 4: ((uint32_t *)p)[i] = (uint32_t)v; break;
	default: ((uint64_t *)p)[i] = v;
	}
}

static int read_tensor(const char *path, ttensor *out)
{
	size_t len;
	unsigned char *b = slurp(path, &len);
	memset(out, 0, sizeof *out);
	if (!b)
		return -1;
	Mlmd__Onnx__TensorProto *tp = mlmd__onnx__tensor_proto__unpack(NULL, len, b);
	free(b);
	if (!tp)
		return -1;
	int dt = tp->data_type;
	out->dtype_raw = dt;
	size_t es = esize(dt), n = 1;
	out->t.dtype = dt;
	out->t.rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims && i < MLMD_TENSOR_MAX_RANK; i++) {
		out->t.dims[i] = tp->dims[i];
		n *= (size_t)tp->dims[i];
	}
	if (!es || tp->n_dims > MLMD_TENSOR_MAX_RANK) {
		mlmd__onnx__tensor_proto__free_unpacked(tp, NULL);
		return 1; /* a type the scorer does not support */
	}
	out->own = calloc(n ? n : 1, es);
	if (dt == 8) {
		out->strs = calloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; i < n && i < tp->n_string_data; i++) {
			out->strs[i] = strndup((const char *)tp->string_data[i].data, tp->string_data[i].len);
			((char **)out->own)[i] = out->strs[i];
		}
		out->n_strs = n;
	} else if (tp->has_raw_data && tp->raw_data.len) {
		memcpy(out->own, tp->raw_data.data, tp->raw_data.len < n * es ? tp->raw_data.len : n * es);
	} else {
		for (size_t i = 0; i < n; i++)
			switch (dt) {
			case 1: ((float *)out->own)[i] = tp->float_data[i]; break;
			case 11: ((double *)out->own)[i] = tp->double_data[i]; break;
			case 7: ((int64_t *)out->own)[i] = tp->int64_data[i]; break;
			case 12: case 13: iset(dt, out->own, i, tp->uint64_data[i]); break;
			default: iset(dt, out->own, i, (uint64_t)(int64_t)tp->int32_data[i]);
			}
	}
	out->t.data = out->own;
	out->t.capacity = n;
	mlmd__onnx__tensor_proto__free_unpacked(tp, NULL);
	return 0;
}

static void free_tensor(ttensor *t)
{
	for (size_t i = 0; i < t->n_strs; i++)
		free(t->strs[i]);
	free(t->strs);
	free(t->own);
}

static double val(const mlmd_tensor *t, size_t i)
{
	switch (t->dtype) {
	case 1: return ((const float *)t->data)[i];
	case 11: return ((const double *)t->data)[i];
	case 13: return (double)ival(t->dtype, t->data, i);
	default: return (double)(int64_t)ival(t->dtype, t->data, i);
	}
}

/* Compares got with want; on mismatch writes why into msg. */
static int compare(const mlmd_tensor *got, const mlmd_tensor *want, char *msg, size_t cap)
{
	if (got->dtype != want->dtype) {
		snprintf(msg, cap, "type %d, expected %d", got->dtype, want->dtype);
		return -1;
	}
	size_t n = 1;
	/* a scalar and a one-element tensor of rank 1 differ in rank only in some tests: require equal ranks */
	if (got->rank != want->rank) {
		snprintf(msg, cap, "rank %d, expected %d", got->rank, want->rank);
		return -1;
	}
	for (int d = 0; d < want->rank; d++) {
		if (got->dims[d] != want->dims[d]) {
			snprintf(msg, cap, "dim %d is %lld, expected %lld", d, (long long)got->dims[d], (long long)want->dims[d]);
			return -1;
		}
		n *= (size_t)want->dims[d];
	}
	for (size_t i = 0; i < n; i++) {
		if (want->dtype == 8) {
			const char *a = ((const char *const *)got->data)[i], *b = ((const char *const *)want->data)[i];
			if (strcmp(a, b) != 0) {
				snprintf(msg, cap, "element %zu is '%s', expected '%s'", i, a, b);
				return -1;
			}
			continue;
		}
		double a = val(got, i), b = val(want, i);
		bool ok;
		if (want->dtype == 1 || want->dtype == 11)
			ok = (isnan(a) && isnan(b)) || a == b || fabs(a - b) <= 1e-6 + 1e-5 * fabs(b);
		else
			ok = ival(got->dtype, got->data, i) == ival(want->dtype, want->data, i);
		if (!ok) {
			snprintf(msg, cap, "element %zu is %.9g, expected %.9g", i, a, b);
			return -1;
		}
	}
	return 0;
}

static void note_skip(tally *t, const char *dir, const char *why)
{
	char reason[96];
	/* group "node 'x' (ai.onnx::Foo, opset 13): operator not supported" by operator */
	const char *op = strstr(why, "(ai.onnx");
	if (strstr(why, "operator not supported") && op) {
		const char *end = strchr(op, ',');
		snprintf(reason, sizeof reason, "operator %.*s", end ? (int)(end - op - 1) : 40, op + 1);
	} else if (strstr(why, "element type")) {
		const char *ty = strstr(why, "element type ");
		snprintf(reason, sizeof reason, "element type %.20s", ty + 13);
		char *sp = strchr(reason + 13, ' ');
		if (sp)
			*sp = '\0';
	} else {
		/* drop the "<path>: " prefix the loader adds */
		const char *p = strstr(why, "model.onnx: ");
		snprintf(reason, sizeof reason, "%.95s", p ? p + 12 : why);
	}
	int k;
	for (k = 0; k < t->n_reasons; k++)
		if (strcmp(t->reasons[k], reason) == 0)
			break;
	if (k == t->n_reasons && t->n_reasons < MAX_REASONS) {
		snprintf(t->reasons[k], sizeof t->reasons[k], "%s", reason);
		snprintf(t->examples[k], sizeof t->examples[k], "%s", dir);
		t->n_reasons++;
	}
	if (k < MAX_REASONS)
		t->reason_count[k]++;
	t->skipped++;
}

static void record_failure(tally *t, const char *dir, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t l = strlen(t->failures);
	if (l < sizeof t->failures - 200)
		snprintf(t->failures + l, sizeof t->failures - l, "  FAIL %s: %s\n", dir, msg);
	else if (!strstr(t->failures, "(more)"))
		strcat(t->failures, "  (more)\n");
}

static void run_dir(tally *t, mlmd_score_ctx *ctx, const char *base, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s/model.onnx", base, name);
	mlmd_model *m;
	int rc = mlmd_model_load_file(&m, path);
	if (rc) {
		const char *msg = mlmd_error_message();
		if (rc == -MLMD_UNIMPLEMENTED)
			note_skip(t, name, msg);
		else
			record_failure(t, name, "load: %s", msg);
		if (rc != -MLMD_UNIMPLEMENTED)
			t->ran++;
		return;
	}
	t->ran++;
	bool ok = true, skipped = false;
	for (int set = 0; ok && !skipped; set++) {
		snprintf(path, sizeof path, "%s/%s/test_data_set_%d", base, name, set);
		struct stat st;
		if (stat(path, &st) != 0)
			break;
		size_t ni = mlmd_model_input_count(m), no = mlmd_model_output_count(m);
		ttensor in[16], want[16];
		mlmd_tensor out[16];
		memset(out, 0, sizeof out);
		size_t k;
		for (k = 0; k < ni && k < 16; k++) {
			snprintf(path, sizeof path, "%s/%s/test_data_set_%d/input_%zu.pb", base, name, set, k);
			int r = read_tensor(path, &in[k]);
			if (r) {
				if (r > 0)
					note_skip(t, name, "element type of a test input (unsupported)");
				else
					record_failure(t, name, "cannot read %s", path);
				skipped = r > 0;
				ok = r > 0;
				k++;
				break;
			}
		}
		size_t nin_read = k;
		size_t nw = 0;
		for (; ok && !skipped && nw < no && nw < 16; nw++) {
			snprintf(path, sizeof path, "%s/%s/test_data_set_%d/output_%zu.pb", base, name, set, nw);
			int r = read_tensor(path, &want[nw]);
			if (r) {
				record_failure(t, name, "cannot read %s", path);
				ok = false;
				nw++;
				break;
			}
		}
		if (ok && !skipped) {
			mlmd_tensor inputs[16];
			for (size_t i = 0; i < ni; i++)
				inputs[i] = in[i].t;
			rc = mlmd_model_score(m, ctx, inputs, ni, out, no);
			if (rc) {
				record_failure(t, name, "score: %s", mlmd_error_message());
				ok = false;
			}
			for (size_t i = 0; ok && i < no; i++) {
				char msg[200];
				if (compare(&out[i], &want[i].t, msg, sizeof msg)) {
					record_failure(t, name, "output %zu (%s): %s", i, mlmd_model_output(m, i)->name, msg);
					ok = false;
				}
			}
		}
		for (size_t i = 0; i < nin_read; i++)
			free_tensor(&in[i]);
		for (size_t i = 0; i < nw; i++)
			free_tensor(&want[i]);
	}
	if (skipped)
		t->ran--;
	else if (ok)
		t->passed++;
	mlmd_model_free(m);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_suite(const char *base, const char *title, int min_passed)
{
	DIR *d = opendir(base);
	if (!d)
		fail_msg("%s: cannot open %s (install Debian's libonnx-testdata, or set the directory)", title, base);
	char *names[4096];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 4096)
		if (strncmp(e->d_name, "test_", 5) == 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_names);
	tally *t = calloc(1, sizeof *t);
	mlmd_score_ctx *ctx;
	assert_int_equal(mlmd_score_ctx_new(&ctx), 0);
	for (int i = 0; i < n; i++) {
		run_dir(t, ctx, base, names[i]);
		free(names[i]);
	}
	mlmd_score_ctx_free(ctx);
	printf("%s: %d directories: %d ran, %d passed, %d skipped\n", title, n, t->ran, t->passed, t->skipped);
	for (int k = 0; k < t->n_reasons; k++)
		printf("  skipped %3d  %s (e.g. %s)\n", t->reason_count[k], t->reasons[k], t->examples[k]);
	if (t->failures[0])
		printf("%s", t->failures);
	int failed = t->ran - t->passed, passed = t->passed;
	free(t);
	assert_int_equal(failed, 0);
	assert_true(passed >= min_passed);
}

static void onnx_node_tests_pass(void **state)
{
	(void)state;
	const char *dir = getenv("MLMD_ONNX_NODE_TESTS");
	run_suite(dir ? dir : "/usr/share/libonnx-testdata/data/node", "ONNX node tests (libonnx-testdata)", 170);
}

/* The ONNX-ML tests are shared data outside the repository
 * (../shared/conformance/onnx-ml from the project root). Without that
 * directory the suite says so loudly and is skipped, as the PostgreSQL
 * suites are without a server; set MLMD_ONNX_ML_TESTS to point elsewhere. */
static void onnx_ml_node_tests_pass(void **state)
{
	(void)state;
	const char *dir = getenv("MLMD_ONNX_ML_TESTS");
	struct stat st;
	if (!dir && stat("../shared/conformance/onnx-ml", &st) != 0) {
		printf("ONNX-ML node tests SKIPPED: ../shared/conformance/onnx-ml not found "
			"(set MLMD_ONNX_ML_TESTS=DIR)\n");
		skip();
	}
	run_suite(dir ? dir : "../shared/conformance/onnx-ml", "ONNX-ML node tests (onnx 1.22)", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(onnx_node_tests_pass),
		cmocka_unit_test(onnx_ml_node_tests_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

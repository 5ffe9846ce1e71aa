/*
 * tests/fuzz/fuzz_model.c - fuzz target for the model loaders (ONNX,
 * XGBoost JSON and PMML, picked by content as in mlmd_model_load_buffer).
 *
 * Each input is a model file. Loading must fail cleanly or succeed; a model
 * that loads is then scored once on a small batch made up to fit its
 * declared inputs, which must also fail cleanly or succeed, and explained
 * (mlmd_explainer, the batch as its background) likewise. Built as a
 * libFuzzer target by `make fuzz` (clang) and replayed over the seed corpus
 * by `make check` with tests/fuzz/replay.c (gcc, ASan+UBSan).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include <mlmd/explain.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROWS 3
#define MAX_ELEMS 4096

/* Explains the batch with the batch as background, when the model is explainable. */
static void explain_once(const mlmd_model *m, mlmd_score_ctx *ctx, const mlmd_tensor *in, size_t ni)
{
	mlmd_explainer *e;
	if (mlmd_explainer_new(&e, (mlmd_model *)m, in, ni))
		return;
	size_t need = ROWS * mlmd_explainer_output_count(e) * (mlmd_explainer_feature_count(e) + 1);
	double margins[ROWS * 64];
	if (mlmd_explainer_output_count(e) <= 64 && need <= (size_t)1 << 20) {
		double *out = malloc(need * sizeof *out + 1);
		if (out)
			mlmd_explainer_explain(e, ctx, in, ni, out, need, margins);
		free(out);
	}
	mlmd_explainer_free(e);
}

static void score_once(const mlmd_model *m)
{
	size_t ni = mlmd_model_input_count(m), no = mlmd_model_output_count(m);
	if (ni > 8 || no > 8)
		return;
	mlmd_tensor in[8], out[8];
	void *bufs[8] = { 0 };
	static const char *strs[MAX_ELEMS];
	memset(in, 0, sizeof in);
	memset(out, 0, sizeof out);
	for (size_t i = 0; i < MAX_ELEMS; i++)
		strs[i] = (i % 3) ? "a" : "";
	bool ok = true;
	for (size_t k = 0; k < ni && ok; k++) {
		const mlmd_value_info *vi = mlmd_model_input(m, k);
		int rank = vi->rank < 0 ? 2 : vi->rank;
		size_t n = 1;
		in[k].rank = rank;
		in[k].dtype = vi->dtype;
		for (int d = 0; d < rank; d++) {
			int64_t v = vi->rank < 0 || vi->dims[d] < 0 ? (d == 0 ? ROWS : 2) : vi->dims[d];
			in[k].dims[d] = v;
			if (v > MAX_ELEMS || (n *= (size_t)v) > MAX_ELEMS)
				ok = false;
		}
		if (!ok)
			break;
		if (vi->dtype == MLMD_DTYPE_STRING) {
			in[k].data = (void *)strs;
			continue;
		}
		bufs[k] = calloc(n ? n : 1, 8);
		/* a spread of values including NaN and negatives */
		for (size_t i = 0; i < n; i++) {
			double v = (double)((int)(i % 7) - 3) * 0.75;
			switch (vi->dtype) {
			case MLMD_DTYPE_FLOAT: ((float *)bufs[k])[i] = i % 5 == 4 ? NAN : (float)v; break;
			case MLMD_DTYPE_DOUBLE: ((double *)bufs[k])[i] = i % 5 == 4 ? NAN : v; break;
			case MLMD_DTYPE_INT32: ((int32_t *)bufs[k])[i] = (int32_t)(i % 4); break;
			case MLMD_DTYPE_INT64: ((int64_t *)bufs[k])[i] = (int64_t)(i % 4); break;
			default: ((uint8_t *)bufs[k])[i] = (uint8_t)(i & 1);
			}
		}
		in[k].data = bufs[k];
	}
	if (ok) {
		mlmd_score_ctx *ctx;
		if (mlmd_score_ctx_new(&ctx) == 0) {
			mlmd_score_ctx_set_limit(ctx, (size_t)64 << 20);
			mlmd_model_score(m, ctx, in, ni, out, no);
			explain_once(m, ctx, in, ni);
			mlmd_score_ctx_free(ctx);
		}
	}
	for (size_t k = 0; k < ni; k++)
		free(bufs[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlmd_model *m = NULL;
	if (mlmd_model_load_buffer(&m, data, size, NULL) == 0) {
		score_once(m);
		mlmd_model_free(m);
	}
	return 0;
}

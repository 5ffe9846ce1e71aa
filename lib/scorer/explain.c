/*
 * scorer/explain.c - mlmd_explainer (mlmd/explain.h): the engine for a
 * model (explain_tree.c, explain_linear.c), its features and margins, and
 * the trace of an ONNX node's input columns back to the model's inputs.
 */
#include <stdlib.h>
#include "explain.h"

#define TODO(f) mlmd__fail(MLMD_UNIMPLEMENTED, "%s: not written yet (issue 18, helper explain)", f)

int mlmd__sc_explain_trace(const mlmd_model *m, const sc_node *n, sc_pool *pool, sc_xfeat **feats, int64_t *n_feats)
{
	(void)m, (void)n, (void)pool, (void)feats, (void)n_feats;
	return TODO("mlmd__sc_explain_trace");
}
int mlmd__sc_explain_gather(const mlmd_tensor *inputs, size_t n_inputs, const sc_xfeat *f, int64_t nf, int64_t n,
			    double *x)
{
	(void)inputs, (void)n_inputs, (void)f, (void)nf, (void)n, (void)x;
	return TODO("mlmd__sc_explain_gather");
}
void mlmd__sc_explain_feature_name(const mlmd_model *m, const sc_xfeat *f, int one_column, char *buf, size_t len)
{
	(void)m, (void)f, (void)one_column;
	if (len)
		buf[0] = '\0';
}
void mlmd__sc_xeng_free_common(sc_xeng *e) { free(e); }

int mlmd_explainer_new(mlmd_explainer **out, mlmd_model *model, const mlmd_tensor *background, size_t n_background)
{
	(void)out, (void)model, (void)background, (void)n_background;
	return TODO("mlmd_explainer_new");
}
void mlmd_explainer_free(mlmd_explainer *e) { (void)e; }
const char *mlmd_explainer_method(const mlmd_explainer *e) { (void)e; return ""; }
size_t mlmd_explainer_feature_count(const mlmd_explainer *e) { (void)e; return 0; }
const char *mlmd_explainer_feature_name(const mlmd_explainer *e, size_t i) { (void)e, (void)i; return NULL; }
size_t mlmd_explainer_output_count(const mlmd_explainer *e) { (void)e; return 0; }
const char *mlmd_explainer_output_label(const mlmd_explainer *e, size_t k) { (void)e, (void)k; return NULL; }
int mlmd_explainer_explain(const mlmd_explainer *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs,
			   double *out, size_t capacity, double *margins)
{
	(void)e, (void)ctx, (void)inputs, (void)n_inputs, (void)out, (void)capacity, (void)margins;
	return TODO("mlmd_explainer_explain");
}

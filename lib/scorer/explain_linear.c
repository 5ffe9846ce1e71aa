/*
 * scorer/explain_linear.c - the linear engine of explanations (explain.h):
 * ONNX LinearRegressor and LinearClassifier (explain_pmml_linear.c does
 * PMML's RegressionModel and GeneralRegression and comes here to run).
 *
 * For margin k (a regression target, or a class's raw score before the
 * post_transform) with weights w_k and intercept b_k, feature i of a row x
 * contributes w_ki (x_i - mean_i), with mean_i the background sample's mean
 * of feature i (missing values skipped; 0 without a background, or when
 * every background value is missing), and the bias is the margin at the
 * means, b_k + sum_i w_ki mean_i; so bias + contributions = b_k + w_k . x,
 * the margin. A missing value (NaN) in an explained row makes its
 * contribution and the margin NaN, as the scorer's margin is.
 *
 * ONNX Scalers right in front of the linear node ((x - offset) * scale, an
 * affine map) are folded into its coefficients: the contributions are those
 * of the model's inputs, w_i scale_i (x_i - mean_i). (The scorer rounds the
 * Scaler's output to float; the folded margin does not, so it may differ
 * from the scorer's in the 7th digit.)
 *
 * ONNX LinearClassifier with one coefficient row and two classes: the
 * scorer (like onnxruntime) scores the classes [-s, s] with s = w . x + b,
 * so the two margins are one number's two signs; the engine explains one
 * margin, s, the second class's score (the first class's contributions are
 * its negation), and gives no output labels.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain_linear.h"

#define BG_CHUNK 1024

static void lin_free(sc_xeng *e)
{
	sc_xlin *l = e->impl;
	if (l) {
		free(l->feats);
		free(l->w);
		free(l->b);
		free(l->mean);
		free(l->bias);
		free(l->round_f);
		free(l);
	}
	mlmd__sc_xeng_free_common(e);
}

/* A view of rows [r0, r0 + n) of a batch's input tensors. */
static void rows_view(const mlmd_tensor *in, size_t n_in, int64_t r0, int64_t n, mlmd_tensor *view)
{
	for (size_t i = 0; i < n_in; i++) {
		view[i] = in[i];
		int64_t per = 1;
		for (int d = 1; d < in[i].rank; d++)
			per *= in[i].dims[d];
		view[i].dims[0] = n;
		view[i].data = (char *)in[i].data + (size_t)(r0 * per) * mlmd__sc_dtype_size(in[i].dtype);
	}
}

/* The background's column means (missing values skipped). An infinite
 * value is refused: it would make the mean, and so every row's
 * contribution of that feature and the bias, infinite or NaN. */
static int bg_means(const sc_xlin *l, char *const *names, const mlmd_tensor *bg, size_t n_bg, double *mean)
{
	int64_t F = l->F, rows = n_bg ? bg[0].dims[0] : 0;
	double *x = malloc((size_t)BG_CHUNK * (size_t)F * sizeof *x + 1);
	double *cnt = calloc((size_t)F + 1, sizeof *cnt);
	mlmd_tensor *view = malloc((n_bg + 1) * sizeof *view);
	int rc = x && cnt && view ? 0 : MLMD_OOM();
	for (int64_t r0 = 0; !rc && r0 < rows; r0 += BG_CHUNK) {
		int64_t n = rows - r0 < BG_CHUNK ? rows - r0 : BG_CHUNK;
		rows_view(bg, n_bg, r0, n, view);
		rc = mlmd__sc_explain_gather(view, n_bg, l->feats, F, n, x);
		if (rc) {
			rc = mlmd__context(rc, "background");
			break;
		}
		for (int64_t r = 0; r < n; r++)
			for (int64_t j = 0; j < F; j++) {
				double v = x[r * F + j];
				if (l->round_f[j])
					v = (float)v;
				if (isinf(v) && !rc)
					rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
						"background row %lld: feature '%s' is infinite (its mean would be; a missing "
						"value is NaN or an empty cell)", (long long)(r0 + r + 1),
						names && names[j] ? names[j] : "?");
				if (v == v) {
					mean[j] += v;
					cnt[j]++;
				}
			}
	}
	for (int64_t j = 0; !rc && j < F; j++) {
		mean[j] = cnt[j] ? mean[j] / cnt[j] : 0;
		if (!isfinite(mean[j]))
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "background: the values of feature '%s' overflow their sum",
				names && names[j] ? names[j] : "?");
	}
	free(x);
	free(cnt);
	free(view);
	return rc;
}

/* Explains n rows: see the top of the file. */
static int lin_run(const sc_xeng *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs, int64_t n,
	double *out, double *margins)
{
	const sc_xlin *l = e->impl;
	int64_t F = l->F;
	int K = e->n_outputs;
	double *x = mlmd__sc_alloc_array(&ctx->pool, (size_t)(n * F) + 1, sizeof *x);
	if (!x)
		return MLMD_OOM();
	int rc = mlmd__sc_explain_gather(inputs, n_inputs, l->feats, F, n, x);
	if (rc)
		return rc;
	for (int64_t r = 0; r < n; r++) {
		double *xr = x + r * F;
		for (int64_t j = 0; j < F; j++)
			if (l->round_f[j])
				xr[j] = (float)xr[j];
		for (int k = 0; k < K; k++) {
			const double *w = l->w + (size_t)k * (size_t)F;
			double *o = out + ((size_t)r * (size_t)K + (size_t)k) * (size_t)(F + 1);
			double s = l->b[k];
			for (int64_t j = 0; j < F; j++) {
				s += xr[j] * w[j];
				o[j] = w[j] * (xr[j] - l->mean[j]);
			}
			o[F] = l->bias[k];
			if (margins)
				margins[r * K + k] = s;
		}
	}
	return 0;
}

int mlmd__sc_xlin_finish(sc_xeng *e, sc_xlin *l, const mlmd_tensor *background, size_t n_background)
{
	e->method = "linear";
	e->n_features = l->F;
	e->impl = l;
	e->run = lin_run;
	e->free = lin_free;
	l->mean = calloc((size_t)l->F + 1, sizeof *l->mean);
	l->bias = calloc((size_t)e->n_outputs + 1, sizeof *l->bias);
	if (!l->mean || !l->bias)
		return MLMD_OOM();
	int rc = background && n_background ? bg_means(l, e->feature_names, background, n_background, l->mean) : 0;
	if (rc)
		return rc;
	for (int k = 0; k < e->n_outputs; k++) {
		double s = l->b[k];
		for (int64_t j = 0; j < l->F; j++)
			s += l->w[(size_t)k * (size_t)l->F + (size_t)j] * l->mean[j];
		l->bias[k] = s;
	}
	return 0;
}

static const sc_node *producer(const mlmd_model *m, int v)
{
	for (int k = 0; v >= 0 && k < m->n_nodes; k++)
		for (int o = 0; o < m->nodes[k].nout; o++)
			if (m->nodes[k].out[o] == v)
				return &m->nodes[k];
	return NULL;
}

/* The ONNX engine: the model's core node is a LinearRegressor or a
 * LinearClassifier fed from the inputs through the ops the trace follows. */
static int onnx_linear(sc_xeng **out, const mlmd_model *m, const sc_node *core, const mlmd_tensor *background,
	size_t n_background)
{
	const sc_linear_attr *a = core->attr;
	bool cls = !strcmp(core->op->name, "LinearClassifier");
	sc_pool pool = { 0 };
	sc_xfeat *tf;
	int64_t nf, T = a->targets, cols = (int64_t)a->n_coef / T;
	/* the Scalers right in front of the node, folded into the coefficients: traced from the first */
	const sc_node *from = core, *scalers[16];
	int n_scalers = 0;
	for (const sc_node *p; n_scalers < 16 && (p = producer(m, from->in[0])) && !strcmp(p->op->domain, "ai.onnx.ml") &&
		!strcmp(p->op->name, "Scaler");)
		from = scalers[n_scalers++] = p;
	int rc = mlmd__sc_explain_trace(m, from, &pool, &tf, &nf);
	for (int s = 0; !rc && s < n_scalers; s++) {
		const sc_pre_attr *sa = scalers[s]->attr;
		if ((sa->n_a > 1 && (int64_t)sa->n_a != cols) || (sa->n_b > 1 && (int64_t)sa->n_b != cols))
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "node '%s' (ai.onnx.ml::Scaler) has %zu offsets and %zu scales "
				"for %lld columns", scalers[s]->name, sa->n_a, sa->n_b, (long long)cols);
	}
	if (!rc && (int64_t)a->n_coef != T * nf)
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "node '%s' (ai.onnx.ml::%s) has %zu coefficients for %lld row(s); "
			"its input traces to %lld column(s)", core->name, core->op->name, a->n_coef, (long long)T,
			(long long)nf);
	sc_xeng *e = rc ? NULL : calloc(1, sizeof *e);
	sc_xlin *l = rc ? NULL : calloc(1, sizeof *l);
	if (!rc && (!e || !l))
		rc = MLMD_OOM();
	if (rc) {
		free(e);
		free(l);
		mlmd__sc_pool_free(&pool);
		return rc;
	}
	int K = (int)T;
	e->n_outputs = K;
	e->n_features = nf;
	e->impl = l;
	e->free = lin_free;
	l->F = nf;
	l->feats = malloc(((size_t)nf + 1) * sizeof *l->feats);
	l->w = malloc(((size_t)a->n_coef + 1) * sizeof *l->w);
	l->b = calloc((size_t)K + 1, sizeof *l->b);
	l->round_f = calloc((size_t)nf + 1, 1);
	e->feature_names = calloc((size_t)nf + 1, sizeof *e->feature_names);
	rc = l->feats && l->w && l->b && l->round_f && e->feature_names ? 0 : MLMD_OOM();
	if (!rc) {
		sc_memcpy(l->feats, tf, (size_t)nf * sizeof *tf);
		for (size_t i = 0; i < a->n_coef; i++)
			l->w[i] = a->coef[i];
		for (int k = 0; k < K; k++)
			l->b[k] = a->n_icpt ? a->icpt[k] : 0;
		/* w . ((x - off) * sc) + b = (w * sc) . x + (b - sum w * sc * off), Scaler by Scaler towards the inputs */
		for (int s = 0; s < n_scalers; s++) {
			const sc_pre_attr *sa = scalers[s]->attr;
			for (int k = 0; k < K; k++)
				for (int64_t j = 0; j < nf; j++) {
					double off = sa->n_a ? sa->a[sa->n_a > 1 ? j : 0] : 0, sc = sa->n_b ? sa->b[sa->n_b > 1 ? j : 0] : 1;
					double *w = &l->w[(size_t)k * (size_t)nf + (size_t)j];
					*w *= sc;
					l->b[k] -= *w * off;
				}
		}
	}
	mlmd__sc_pool_free(&pool);
	for (int64_t j = 0; !rc && j < nf; j++) {
		const mlmd_value_info *vi = &m->inputs[l->feats[j].input];
		int64_t per = 1;
		for (int d = 1; d < vi->rank; d++)
			per *= vi->dims[d];
		l->round_f[j] = vi->dtype == MLMD_DTYPE_FLOAT;
		char name[512];
		mlmd__sc_explain_feature_name(m, &l->feats[j], per == 1, name, sizeof name);
		if (!(e->feature_names[j] = strdup(name)))
			rc = MLMD_OOM();
	}
	/* labels: a classifier's classes (one margin for the binary one-row case), a regressor's targets by number */
	if (!rc && K > 1) {
		e->output_labels = calloc((size_t)K, sizeof *e->output_labels);
		rc = e->output_labels ? 0 : MLMD_OOM();
		for (int k = 0; !rc && k < K; k++) {
			char buf[64];
			const char *s = buf;
			if (cls && a->labels_str)
				s = a->labels_str[k];
			else if (cls)
				snprintf(buf, sizeof buf, "%lld", (long long)a->labels_int[k]);
			else
				snprintf(buf, sizeof buf, "%d", k);
			if (!(e->output_labels[k] = strdup(s)))
				rc = MLMD_OOM();
		}
	}
	if (!rc)
		rc = mlmd__sc_xlin_finish(e, l, background, n_background);
	if (rc) {
		lin_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int mlmd__sc_xeng_linear(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background, size_t n_background)
{
	if (!strcmp(m->format, "pmml"))
		return mlmd__sc_xeng_pmml_linear(out, m, background, n_background);
	const sc_node *core;
	int rc = mlmd__sc_explain_core(m, &core);
	if (rc)
		return rc;
	if (strcmp(core->op->name, "LinearRegressor") && strcmp(core->op->name, "LinearClassifier"))
		return 1;
	return onnx_linear(out, m, core, background, n_background);
}

/*
 * scorer/explain.c - mlmd_explainer (mlmd/explain.h): the engine for a
 * model (explain_tree.c, explain_linear.c), its features and margins, the
 * checks of a batch; and what both engines use: the model's core node, the
 * trace of an ONNX node's input columns back to the model's inputs, and the
 * gathering of those columns from a batch as doubles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain.h"
#include "ops.h"
#include "pmml.h"

/* ---- the trace ------------------------------------------------------------------------------ */

/* A traced value: its shape after the rows (dims[1..rank)) and, per row,
 * where each of its n elements (row-major) comes from. */
typedef struct {
	int rank;
	int64_t dims[MLMD_TENSOR_MAX_RANK]; /* dims[0] (the rows) unused */
	int64_t n;
	sc_xfeat *f;
} tcols;

#define TRACE_MAX_COLS ((int64_t)1 << 24)

static const char *dom(const sc_node *n) { return n->op->domain[0] ? n->op->domain : "ai.onnx"; }

static int refuse(const sc_node *bad, const sc_node *target, const char *why)
{
	return mlmd__fail(MLMD_FAILED_PRECONDITION, "node '%s' (%s::%s) lies between the model's inputs and the "
		"explained node '%s'; %s", bad->name, dom(bad), bad->op->name, target->name, why);
}

static const char *const follows = "explanations follow only Identity, Cast (to FLOAT or DOUBLE), Reshape, Flatten, "
	"Squeeze, Unsqueeze and Concat (axis 1) from the model's inputs";

static const sc_node *producer(const mlmd_model *m, int v)
{
	for (int k = 0; k < m->n_nodes; k++)
		for (int o = 0; o < m->nodes[k].nout; o++)
			if (m->nodes[k].out[o] == v)
				return &m->nodes[k];
	return NULL;
}

static int shape_from(tcols *t, int rank, const int64_t *dims)
{
	t->rank = rank;
	t->n = 1;
	for (int d = 1; d < rank; d++) {
		t->dims[d] = dims[d];
		t->n *= dims[d];
		if (t->n > TRACE_MAX_COLS)
			return -1;
	}
	return 0;
}

/* The axes of a Squeeze or Unsqueeze: its attribute (opset < 13) or its
 * constant input 1. *have is false when it has none. */
static int node_axes(const mlmd_model *m, const sc_node *p, const sc_node *target, int64_t *axes, size_t *na,
	bool *have)
{
	const sc_shape_attr *a = p->attr;
	*have = false;
	*na = 0;
	if (p->opset < 13) {
		if (a->n_axes > MLMD_TENSOR_MAX_RANK)
			return refuse(p, target, "it has too many axes");
		*have = a->has_axes && a->n_axes;
		*na = a->n_axes;
		sc_memcpy(axes, a->axes, a->n_axes * sizeof *axes);
		return 0;
	}
	if (p->nin < 2 || p->in[1] < 0)
		return 0;
	const sc_value *v = &m->values[p->in[1]];
	if (!v->is_const || v->t.dtype != MLMD_DTYPE_INT64 || mlmd__sc_numel(&v->t) > MLMD_TENSOR_MAX_RANK)
		return refuse(p, target, "its axes are not a constant INT64 list");
	*na = (size_t)mlmd__sc_numel(&v->t);
	*have = *na > 0;
	sc_memcpy(axes, v->t.data, *na * sizeof *axes);
	return 0;
}

static int trace_value(const mlmd_model *m, int v, const sc_node *target, sc_pool *pool, int depth, tcols *out);

static int trace_reshape(const mlmd_model *m, const sc_node *p, const sc_node *target, const tcols *in, tcols *out)
{
	const sc_shape_attr *a = p->attr;
	int64_t want[MLMD_TENSOR_MAX_RANK];
	size_t k;
	if (p->opset < 5) {
		k = a->n_shape;
		if (k > MLMD_TENSOR_MAX_RANK)
			return refuse(p, target, "its shape has too many dimensions");
		sc_memcpy(want, a->shape, k * sizeof *want);
	} else {
		const sc_value *s = p->nin > 1 && p->in[1] >= 0 ? &m->values[p->in[1]] : NULL;
		if (!s || !s->is_const || s->t.dtype != MLMD_DTYPE_INT64 || s->t.rank != 1 ||
			s->t.dims[0] > MLMD_TENSOR_MAX_RANK)
			return refuse(p, target, "its shape is not a constant INT64 list");
		k = (size_t)s->t.dims[0];
		sc_memcpy(want, s->t.data, k * sizeof *want);
	}
	if (k == 0 || !((want[0] == 0 && !a->allowzero) || want[0] == -1))
		return refuse(p, target, "it does not keep the rows (its shape's first entry is neither 0 nor -1)");
	int64_t known = 1;
	int infer = -1;
	out->rank = (int)k;
	for (size_t d = 1; d < k; d++) {
		int64_t x = want[d];
		if (x == 0 && !a->allowzero) {
			if ((int)d >= in->rank)
				return refuse(p, target, "its shape copies a dimension its input lacks");
			x = in->dims[d];
		}
		if (x == -1 && want[0] != -1 && infer < 0) {
			infer = (int)d;
			continue;
		}
		if (x <= 0)
			return refuse(p, target, "its shape leaves the number of columns unknown");
		out->dims[d] = x;
		known *= x;
		if (known > TRACE_MAX_COLS)
			return refuse(p, target, "its shape is too large");
	}
	if (infer >= 0) {
		if (in->n % known)
			return refuse(p, target, "its shape does not divide the columns");
		out->dims[infer] = in->n / known;
		known = in->n;
	}
	if (known != in->n)
		return refuse(p, target, "it does not keep the rows (its shape regroups the columns across rows)");
	out->n = in->n;
	out->f = in->f;
	return 0;
}

/* Follows value v back to the model's inputs (see explain.h). */
static int trace_value(const mlmd_model *m, int v, const sc_node *target, sc_pool *pool, int depth, tcols *out)
{
	if (depth > m->n_nodes + 1)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "the inputs of the explained node '%s' cannot be traced",
			target->name);
	for (size_t i = 0; i < m->n_inputs; i++) {
		if (m->input_vals[i] != v)
			continue;
		const mlmd_value_info *vi = &m->inputs[i];
		if (vi->rank < 1)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "input '%s' (feeding the explained node '%s') %s", vi->name,
				target->name, vi->rank < 0 ? "declares no shape" : "is a scalar, not a batch of rows");
		for (int d = 1; d < vi->rank; d++)
			if (vi->dims[d] < 0)
				return mlmd__fail(MLMD_FAILED_PRECONDITION, "input '%s' (feeding the explained node '%s') does not "
					"declare the size of its dimension %d", vi->name, target->name, d);
		if (shape_from(out, vi->rank, vi->dims))
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "input '%s' has too many columns", vi->name);
		out->f = mlmd__sc_alloc_array(pool, (size_t)out->n + 1, sizeof *out->f);
		if (!out->f)
			return MLMD_OOM();
		for (int64_t c = 0; c < out->n; c++)
			out->f[c] = (sc_xfeat){ (int)i, c };
		return 0;
	}
	if (m->values[v].is_const)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "value '%s' feeding the explained node '%s' is a constant, not "
			"one of the model's inputs", m->values[v].name, target->name);
	const sc_node *p = producer(m, v);
	if (!p)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "value '%s' feeding the explained node '%s' is not computed",
			m->values[v].name, target->name);
	const char *op = p->op->name;
	if (p->op->domain[0])
		return refuse(p, target, follows);
	if (!strcmp(op, "Concat")) {
		const sc_shape_attr *a = p->attr;
		tcols *parts = mlmd__sc_alloc_array(pool, (size_t)p->nin + 1, sizeof *parts);
		if (!parts)
			return MLMD_OOM();
		int64_t total = 0;
		for (int k = 0; k < p->nin; k++) {
			int rc = trace_value(m, p->in[k], target, pool, depth + 1, &parts[k]);
			if (rc)
				return rc;
			int r = parts[0].rank;
			int64_t ax = a->axis < 0 ? a->axis + r : a->axis;
			if (parts[k].rank != r || ax != 1)
				return refuse(p, target, "it does not concatenate along the columns (axis 1)");
			for (int d = 2; d < r; d++)
				if (parts[k].dims[d] != parts[0].dims[d])
					return refuse(p, target, "its inputs' shapes differ");
			total += parts[k].n;
			if (total > TRACE_MAX_COLS)
				return refuse(p, target, "it has too many columns");
		}
		*out = parts[0];
		out->n = total;
		out->dims[1] = 0;
		out->f = mlmd__sc_alloc_array(pool, (size_t)total + 1, sizeof *out->f);
		if (!out->f)
			return MLMD_OOM();
		int64_t at = 0;
		for (int k = 0; k < p->nin; k++) {
			sc_memcpy(out->f + at, parts[k].f, (size_t)parts[k].n * sizeof *out->f);
			at += parts[k].n;
			out->dims[1] += parts[k].dims[1];
		}
		return 0;
	}
	bool known = !strcmp(op, "Identity") || !strcmp(op, "Cast") || !strcmp(op, "Reshape") || !strcmp(op, "Flatten") ||
		!strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze");
	if (!known)
		return refuse(p, target, follows);
	if (!strcmp(op, "Cast")) {
		int to = m->values[p->out[0]].dtype;
		if (to != MLMD_DTYPE_FLOAT && to != MLMD_DTYPE_DOUBLE) {
			char why[160];
			snprintf(why, sizeof why, "it casts to %s; %s", mlmd__sc_dtype_name(to), follows);
			return refuse(p, target, why);
		}
	}
	tcols in;
	int rc = trace_value(m, p->in[0], target, pool, depth + 1, &in);
	if (rc)
		return rc;
	*out = in;
	if (!strcmp(op, "Identity") || !strcmp(op, "Cast"))
		return 0;
	if (!strcmp(op, "Flatten")) {
		const sc_shape_attr *a = p->attr;
		int64_t ax = a->axis < 0 ? a->axis + in.rank : a->axis;
		if (ax != 1)
			return refuse(p, target, "it does not keep the rows (axis is not 1)");
		out->rank = 2;
		out->dims[1] = in.n;
		return 0;
	}
	if (!strcmp(op, "Reshape"))
		return trace_reshape(m, p, target, &in, out);
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na;
	bool have;
	if ((rc = node_axes(m, p, target, axes, &na, &have)))
		return rc;
	if (!strcmp(op, "Squeeze")) {
		bool drop[MLMD_TENSOR_MAX_RANK] = { false };
		for (int d = 1; !have && d < in.rank; d++)
			drop[d] = in.dims[d] == 1;
		for (size_t i = 0; i < na; i++) {
			int64_t ax = axes[i] < 0 ? axes[i] + in.rank : axes[i];
			if (ax < 0 || ax >= in.rank)
				return refuse(p, target, "an axis is out of range");
			if (ax == 0)
				return refuse(p, target, "it squeezes the rows' dimension");
			if (in.dims[ax] != 1)
				return refuse(p, target, "it squeezes a dimension whose size is not 1");
			drop[ax] = true;
		}
		out->rank = 1;
		for (int d = 1; d < in.rank; d++)
			if (!drop[d])
				out->dims[out->rank++] = in.dims[d];
		return 0;
	}
	/* Unsqueeze */
	int orank = in.rank + (int)na;
	if (!have || orank > MLMD_TENSOR_MAX_RANK)
		return refuse(p, target, have ? "its result has too many dimensions" : "it has no axes");
	bool ins[MLMD_TENSOR_MAX_RANK] = { false };
	for (size_t i = 0; i < na; i++) {
		int64_t ax = axes[i] < 0 ? axes[i] + orank : axes[i];
		if (ax < 0 || ax >= orank || ins[ax])
			return refuse(p, target, "an axis is out of range or repeated");
		if (ax == 0)
			return refuse(p, target, "it inserts a dimension before the rows");
		ins[ax] = true;
	}
	out->rank = orank;
	for (int d = 1, k = 1; d < orank; d++)
		out->dims[d] = ins[d] ? 1 : in.dims[k++];
	return 0;
}

int mlmd__sc_explain_trace(const mlmd_model *m, const sc_node *n, sc_pool *pool, sc_xfeat **feats, int64_t *n_feats)
{
	if (n->nin < 1 || n->in[0] < 0)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "the explained node '%s' has no input", n->name);
	tcols t;
	int rc = trace_value(m, n->in[0], n, pool, 0, &t);
	if (rc)
		return rc;
	if (t.rank > 2)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "input 0 of the explained node '%s' has %d dimensions; "
			"explanations need an [N, F] matrix", n->name, t.rank);
	*feats = t.f;
	*n_feats = t.n;
	return 0;
}

/* ---- gathering ------------------------------------------------------------------------------ */

int mlmd__sc_explain_gather(const mlmd_tensor *inputs, size_t n_inputs, const sc_xfeat *f, int64_t nf, int64_t n,
	double *x)
{
	for (int64_t j = 0; j < nf; j++) {
		if (f[j].input < 0 || (size_t)f[j].input >= n_inputs)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "feature %lld reads input %d of %zu", (long long)j,
				f[j].input, n_inputs);
		const tensor *t = &inputs[f[j].input];
		int dt = t->dtype;
		if (dt != MLMD_DTYPE_FLOAT && dt != MLMD_DTYPE_DOUBLE && !mlmd__sc_is_int(dt))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d has element type %s; explanations read FLOAT, "
				"DOUBLE and integer inputs", f[j].input, mlmd__sc_dtype_name(dt));
		if (t->rank < 1 || t->dims[0] != n)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d does not have %lld rows", f[j].input, (long long)n);
		int64_t per = 1;
		for (int d = 1; d < t->rank; d++)
			per *= t->dims[d];
		if (f[j].col < 0 || f[j].col >= per)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d has %lld column(s); feature %lld reads column %lld",
				f[j].input, (long long)per, (long long)j, (long long)f[j].col);
		if (n && !t->data)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input %d: data is NULL", f[j].input);
		for (int64_t r = 0; r < n; r++)
			x[r * nf + j] = mlmd__sc_getd(t, r * per + f[j].col);
	}
	return 0;
}

void mlmd__sc_explain_feature_name(const mlmd_model *m, const sc_xfeat *f, int one_column, char *buf, size_t len)
{
	const char *in = f->input >= 0 && (size_t)f->input < m->n_inputs ? m->inputs[f->input].name : "?";
	if (one_column)
		snprintf(buf, len, "%s", in);
	else
		snprintf(buf, len, "%s_%lld", in, (long long)f->col);
}

void mlmd__sc_xeng_free_common(sc_xeng *e)
{
	if (!e)
		return;
	for (int64_t i = 0; e->feature_names && i < e->n_features; i++)
		free(e->feature_names[i]);
	free(e->feature_names);
	for (int k = 0; e->output_labels && k < e->n_outputs; k++)
		free(e->output_labels[k]);
	free(e->output_labels);
	free(e);
}

/* ---- the core node -------------------------------------------------------------------------- */

static bool is_core(const sc_node *n)
{
	static const char *const names[] = { "TreeEnsembleRegressor", "TreeEnsembleClassifier", "TreeEnsemble",
		"LinearRegressor", "LinearClassifier" };
	if (strcmp(n->op->domain, "ai.onnx.ml"))
		return false;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(n->op->name, names[i]))
			return true;
	return false;
}

int mlmd__sc_explain_core(const mlmd_model *m, const sc_node **core)
{
	if (strcmp(m->format, "onnx"))
		return 1;
	int at = -1;
	for (int k = 0; k < m->n_nodes; k++) {
		if (!is_core(&m->nodes[k]))
			continue;
		if (at >= 0)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "the model has more than one tree ensemble or linear model "
				"(nodes '%s' (%s) and '%s' (%s)); explanations cover exactly one", m->nodes[at].name,
				m->nodes[at].op->name, m->nodes[k].name, m->nodes[k].op->name);
		at = k;
	}
	if (at < 0)
		return 1;
	const sc_node *c = &m->nodes[at];
	bool *from = calloc((size_t)m->n_values + 1, sizeof *from);
	if (!from)
		return MLMD_OOM();
	for (int o = 0; o < c->nout; o++)
		from[c->out[o]] = true;
	int rc = 0;
	for (int k = at + 1; k < m->n_nodes && !rc; k++) {
		const sc_node *p = &m->nodes[k];
		int hit = -1, other = -1;
		for (int i = 0; i < p->nin; i++) {
			int v = p->in[i];
			if (v < 0 || m->values[v].is_const)
				continue;
			if (from[v])
				hit = v;
			else
				other = v;
		}
		if (hit < 0)
			continue;
		if (other >= 0)
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "node '%s' (%s::%s) after the explained node '%s' also takes "
				"value '%s', which does not come from it; explanations cover one tree ensemble or linear model "
				"alone", p->name, dom(p), p->op->name, c->name, m->values[other].name);
		for (int o = 0; o < p->nout; o++)
			from[p->out[o]] = true;
	}
	bool reach = false;
	for (size_t i = 0; i < m->n_outputs; i++)
		reach |= from[m->output_vals[i]];
	free(from);
	if (!rc && !reach)
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "node '%s' (%s::%s) reaches none of the model's outputs", c->name,
			dom(c), c->op->name);
	if (!rc)
		*core = c;
	return rc;
}

/* ---- the explainer ------------------------------------------------------------------------- */

struct mlmd_explainer {
	mlmd_model *model;
	sc_xeng *eng;
};

/* What a model that is neither kind is, for UNIMPLEMENTED. */
static int not_explainable(const mlmd_model *m)
{
	static const char *const pmml_kinds[] = { "RegressionModel", "TreeModel", "MiningModel", "GeneralRegressionModel",
		"NeuralNetwork", "NaiveBayesModel", "Scorecard" };
	const char *need = "explanations need a tree ensemble or a linear model";
	if (!strcmp(m->format, "pmml") && m->n_nodes == 1) {
		const pdoc *d = m->nodes[0].attr; /* the PMML op's attributes start with its document */
		int k = d && d->top ? d->top->kind : -1;
		return mlmd__fail(MLMD_UNIMPLEMENTED, "%s; it is a PMML %s", need,
			k >= 0 && k < (int)(sizeof pmml_kinds / sizeof *pmml_kinds) ? pmml_kinds[k] : "model");
	}
	if (m->n_outputs == 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "%s; it has no output", need);
	int v = m->output_vals[0];
	for (size_t i = 0; i < m->n_inputs; i++)
		if (m->input_vals[i] == v)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "%s; its output is its input '%s'", need, m->inputs[i].name);
	const sc_node *p = producer(m, v);
	if (!p)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "%s; its output '%s' is a constant", need, m->values[v].name);
	/* look through the post-processing a classifier's outputs pass (ZipMap, Identity, Cast) */
	for (int guard = 0; guard < m->n_nodes && (!strcmp(p->op->name, "Identity") || !strcmp(p->op->name, "Cast") ||
		!strcmp(p->op->name, "ZipMap")) && p->nin > 0 && p->in[0] >= 0; guard++) {
		const sc_node *q = producer(m, p->in[0]);
		if (!q)
			break;
		p = q;
	}
	return mlmd__fail(MLMD_UNIMPLEMENTED, "%s; its output comes from node '%s' (%s::%s)", need, p->name, dom(p),
		p->op->name);
}

/* Checks a batch laid out as the model's inputs (as mlmd_model_score does)
 * and gives its number of rows. */
static int check_batch(const mlmd_model *m, const mlmd_tensor *in, size_t n_in, const char *what, int64_t *rows)
{
	if (n_in != m->n_inputs)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the model has %zu input(s), %zu given", what, m->n_inputs, n_in);
	if (n_in && !in)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: inputs is NULL", what);
	*rows = 0;
	for (size_t i = 0; i < n_in; i++) {
		const mlmd_value_info *vi = &m->inputs[i];
		const tensor *t = &in[i];
		if (t->rank < 1 || t->rank > MLMD_TENSOR_MAX_RANK)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': rank %d; a batch needs rows (rank 1..%d)", what,
				vi->name, t->rank, MLMD_TENSOR_MAX_RANK);
		int64_t cnt = mlmd__sc_numel(t);
		if (cnt < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': invalid shape", what, vi->name);
		if (!t->data && cnt > 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': data is NULL", what, vi->name);
		if (vi->rank >= 0) {
			if (t->rank != vi->rank)
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': rank %d, the model declares rank %d",
					what, vi->name, t->rank, vi->rank);
			for (int d = 0; d < vi->rank; d++)
				if (vi->dims[d] >= 0 && t->dims[d] != vi->dims[d])
					return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': dimension %d is %lld, the model "
						"declares %lld", what, vi->name, d, (long long)t->dims[d], (long long)vi->dims[d]);
		}
		bool num_in = t->dtype == MLMD_DTYPE_FLOAT || t->dtype == MLMD_DTYPE_DOUBLE || t->dtype == MLMD_DTYPE_INT32 ||
			t->dtype == MLMD_DTYPE_INT64;
		bool num_decl = vi->dtype == MLMD_DTYPE_FLOAT || vi->dtype == MLMD_DTYPE_DOUBLE ||
			vi->dtype == MLMD_DTYPE_INT32 || vi->dtype == MLMD_DTYPE_INT64;
		if (vi->dtype != MLMD_DTYPE_UNDEFINED && vi->dtype != t->dtype && !(num_in && num_decl))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': element type %s, the model expects %s", what,
				vi->name, mlmd__sc_dtype_name(t->dtype), mlmd__sc_dtype_name(vi->dtype));
		if (!mlmd__sc_dtype_supported(t->dtype))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s': unsupported element type %d", what, vi->name,
				t->dtype);
		if (i > 0 && t->dims[0] != *rows)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: input '%s' has %lld rows, input '%s' %lld", what, vi->name,
				(long long)t->dims[0], m->inputs[0].name, (long long)*rows);
		*rows = t->dims[0];
	}
	return 0;
}

int mlmd_explainer_new(mlmd_explainer **out, mlmd_model *model, const mlmd_tensor *background, size_t n_background)
{
	if (!out || !model)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_explainer_new: %s is NULL", out ? "model" : "out");
	*out = NULL;
	if (background || n_background) {
		int64_t rows;
		int rc = check_batch(model, background, n_background, "background", &rows);
		if (rc)
			return rc;
	}
	sc_xeng *eng = NULL;
	int rc = mlmd__sc_xeng_trees(&eng, model, background, n_background);
	if (rc == 1)
		rc = mlmd__sc_xeng_linear(&eng, model, background, n_background);
	if (rc == 1)
		return not_explainable(model);
	if (rc < 0)
		return rc;
	mlmd_explainer *e = calloc(1, sizeof *e);
	if (!e) {
		eng->free(eng);
		return MLMD_OOM();
	}
	e->model = mlmd_model_ref(model);
	e->eng = eng;
	*out = e;
	return 0;
}

void mlmd_explainer_free(mlmd_explainer *e)
{
	if (!e)
		return;
	e->eng->free(e->eng);
	mlmd_model_free(e->model);
	free(e);
}

const char *mlmd_explainer_method(const mlmd_explainer *e) { return e ? e->eng->method : NULL; }
size_t mlmd_explainer_feature_count(const mlmd_explainer *e) { return e ? (size_t)e->eng->n_features : 0; }

const char *mlmd_explainer_feature_name(const mlmd_explainer *e, size_t i)
{
	return e && i < (size_t)e->eng->n_features ? e->eng->feature_names[i] : NULL;
}

size_t mlmd_explainer_output_count(const mlmd_explainer *e) { return e ? (size_t)e->eng->n_outputs : 0; }

const char *mlmd_explainer_output_label(const mlmd_explainer *e, size_t k)
{
	return e && e->eng->output_labels && k < (size_t)e->eng->n_outputs ? e->eng->output_labels[k] : NULL;
}

int mlmd_explainer_explain(const mlmd_explainer *e, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs,
	double *out, size_t capacity, double *margins)
{
	if (!e || !ctx)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_explainer_explain: %s is NULL", e ? "ctx" : "explainer");
	int64_t n;
	int rc = check_batch(e->model, inputs, n_inputs, "explain", &n);
	if (rc)
		return rc;
	const sc_xeng *g = e->eng;
	size_t per = (size_t)g->n_outputs * ((size_t)g->n_features + 1);
	if (n > 0 && per > SIZE_MAX / (size_t)n)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "explain: %lld rows are too many", (long long)n);
	size_t need = (size_t)n * per;
	if (capacity < need)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "explain: %lld row(s) x %d margin(s) x (%lld features + bias) take %zu "
			"doubles; out holds %zu", (long long)n, g->n_outputs, (long long)g->n_features, need, capacity);
	if (need && !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "explain: out is NULL");
	if (n == 0)
		return 0;
	mlmd__sc_pool_reset(&ctx->pool);
	ctx->pool.refused = 0;
	rc = g->run(g, ctx, inputs, n_inputs, n, out, margins);
	if (rc && ctx->pool.refused)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "explain: %lld row(s) need more scratch memory than the score "
			"context's limit of %zu bytes (%zu in use, %zu more asked for)", (long long)n, ctx->pool.limit,
			ctx->pool.used_total, ctx->pool.refused);
	return rc;
}

/*
 * scorer/run.c - the graph runner: score contexts, binding (and converting)
 * the caller's inputs, running the nodes in order on a context's arena,
 * handing the outputs back.
 */
#include <stdio.h>
#include <stdlib.h>
#include "sc.h"

int mlmd__sc_out(const sc_node *n, sc_run *r, int k, int dtype, int rank, const int64_t *dims)
{
	tensor *t = r->out[k];
	int64_t cnt = mlmd__sc_shape_numel(rank, dims);
	if (cnt < 0)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "output %d would have an invalid or too large shape", k);
	t->dtype = dtype;
	t->rank = rank;
	for (int i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->capacity = (size_t)cnt;
	t->data = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)cnt, mlmd__sc_dtype_size(dtype));
	if (!t->data && !r->ctx->pool.refused)
		return mlmd__sc_fail(n, MLMD_RESOURCE_EXHAUSTED, "output %d: %lld elements do not fit in memory", k,
			(long long)cnt);
	if (!t->data)
		return MLMD_OOM(); /* over the context's limit: run_graph says so */
	return 0;
}

/* ---- scoring ------------------------------------------------------------------------ */

int mlmd_score_ctx_new(mlmd_score_ctx **out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_score_ctx_new: out is NULL");
	*out = calloc(1, sizeof **out);
	return *out ? 0 : MLMD_OOM();
}

void mlmd_score_ctx_set_limit(mlmd_score_ctx *ctx, size_t bytes)
{
	if (ctx)
		ctx->pool.limit = bytes;
}

int mlmd_score_ctx_set_threads(mlmd_score_ctx *ctx, int n_threads)
{
	if (!ctx)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_score_ctx_set_threads: ctx is NULL");
	if (n_threads < 1 || n_threads > 256)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_score_ctx_set_threads: %d threads (1 to 256)", n_threads);
	if (ctx->team && n_threads != ctx->n_threads) {
		mlmd__sc_team_free(ctx->team);
		ctx->team = NULL;
	}
	ctx->n_threads = n_threads;
	return 0;
}

void mlmd_score_ctx_free(mlmd_score_ctx *ctx)
{
	if (!ctx)
		return;
	mlmd__sc_team_free(ctx->team);
	mlmd__sc_pool_free(&ctx->pool);
	free(ctx->slots);
	free(ctx->args_in);
	free(ctx->args_out);
	free(ctx);
}

static bool is_numeric(int dt)
{
	return dt == MLMD_DTYPE_FLOAT || dt == MLMD_DTYPE_DOUBLE || dt == MLMD_DTYPE_INT32 || dt == MLMD_DTYPE_INT64;
}

static double num_get(const void *p, int dt, int64_t i)
{
	switch (dt) {
	case MLMD_DTYPE_FLOAT: return ((const float *)p)[i];
	case MLMD_DTYPE_DOUBLE: return ((const double *)p)[i];
	case MLMD_DTYPE_INT32: return ((const int32_t *)p)[i];
	default: return (double)((const int64_t *)p)[i];
	}
}

/* Checks one caller input against its declaration; converts a numeric
 * input of another numeric type into the context. */
static int bind_input(const mlmd_model *m, mlmd_score_ctx *ctx, size_t i, const tensor *in, tensor *slot)
{
	const mlmd_value_info *vi = &m->inputs[i];
	if (in->rank < 0 || in->rank > MLMD_TENSOR_MAX_RANK)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': rank %d out of range 0..%d", vi->name, in->rank,
			MLMD_TENSOR_MAX_RANK);
	int64_t cnt = mlmd__sc_numel(in);
	if (cnt < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': invalid shape", vi->name);
	if (!in->data && cnt > 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': data is NULL", vi->name);
	if (vi->rank >= 0) {
		if (in->rank != vi->rank)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': rank %d, the model declares rank %d",
				vi->name, in->rank, vi->rank);
		for (int d = 0; d < vi->rank; d++)
			if (vi->dims[d] >= 0 && in->dims[d] != vi->dims[d])
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': dimension %d is %lld, the model "
					"declares %lld", vi->name, d, (long long)in->dims[d], (long long)vi->dims[d]);
	}
	*slot = *in;
	slot->capacity = (size_t)cnt;
	if (vi->dtype == MLMD_DTYPE_UNDEFINED || vi->dtype == in->dtype) {
		if (!mlmd__sc_dtype_supported(in->dtype))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': unsupported element type %d", vi->name,
				in->dtype);
		return 0;
	}
	if (!is_numeric(vi->dtype) || !is_numeric(in->dtype))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': element type %s, the model expects %s",
			vi->name, mlmd__sc_dtype_name(in->dtype), mlmd__sc_dtype_name(vi->dtype));
	void *conv = mlmd__sc_alloc_array(&ctx->pool, (size_t)cnt, mlmd__sc_dtype_size(vi->dtype));
	if (!conv)
		return MLMD_OOM();
	for (int64_t k = 0; k < cnt; k++) {
		double v = num_get(in->data, in->dtype, k);
		switch (vi->dtype) {
		case MLMD_DTYPE_FLOAT: ((float *)conv)[k] = (float)v; break;
		case MLMD_DTYPE_DOUBLE: ((double *)conv)[k] = v; break;
		case MLMD_DTYPE_INT32:
			if (!(v >= INT32_MIN && v <= INT32_MAX))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': value %g does not fit INT32",
					vi->name, v);
			((int32_t *)conv)[k] = (int32_t)v;
			break;
		default:
			if (!(v >= -9.2e18 && v <= 9.2e18))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "input '%s': value %g does not fit INT64",
					vi->name, v);
			((int64_t *)conv)[k] = (int64_t)v;
		}
	}
	slot->dtype = vi->dtype;
	slot->data = conv;
	return 0;
}

/* The error for a call that ran into the context's scratch limit, naming
 * the node (or, with op NULL, the input being converted) and the limit. Any
 * failure while the pool has refused a request is reported this way: the
 * op's own message would only say that memory ran out. */
static int over_limit(const mlmd_score_ctx *ctx, const char *name, const sc_op *op)
{
	const sc_pool *p = &ctx->pool;
	char what[320];
	if (op)
		snprintf(what, sizeof what, "node '%s' (%s::%s)", name, op->domain[0] ? op->domain : "ai.onnx", op->name);
	else
		snprintf(what, sizeof what, "input '%s'", name);
	return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "%s needs more scratch memory than the score context's limit of "
		"%zu bytes (%zu in use, %zu more asked for)", what, p->limit, p->used_total, p->refused);
}

static int run_graph(const mlmd_model *m, mlmd_score_ctx *ctx, const tensor *inputs, size_t n_inputs,
	tensor *outputs, size_t n_outputs)
{
	if (n_inputs != m->n_inputs)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the model has %zu input(s), %zu given", m->n_inputs, n_inputs);
	if (n_outputs > m->n_outputs)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the model has %zu output(s), %zu requested", m->n_outputs,
			n_outputs);
	if (n_inputs && !inputs)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "inputs is NULL");
	if (n_outputs && !outputs)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "outputs is NULL");
	mlmd__sc_pool_reset(&ctx->pool);
	if (ctx->n_slots < m->n_values) {
		tensor *ns = realloc(ctx->slots, (size_t)m->n_values * sizeof *ns);
		if (!ns)
			return MLMD_OOM();
		ctx->slots = ns;
		ctx->n_slots = m->n_values;
	}
	/* the node argument arrays: as wide as the model's widest node (variadic
	 * ops and PMML models take thousands), grown once per context */
	if (ctx->cap_in < m->max_nin) {
		const tensor **na = realloc(ctx->args_in, (size_t)m->max_nin * sizeof *na);
		if (!na)
			return MLMD_OOM();
		ctx->args_in = na;
		ctx->cap_in = m->max_nin;
	}
	if (ctx->cap_out < m->max_nout) {
		tensor **na = realloc(ctx->args_out, (size_t)m->max_nout * sizeof *na);
		if (!na)
			return MLMD_OOM();
		ctx->args_out = na;
		ctx->cap_out = m->max_nout;
	}
	tensor *slots = ctx->slots;
	for (int v = 0; v < m->n_values; v++) {
		if (m->values[v].is_const)
			slots[v] = m->values[v].t;
		else
			slots[v].data = NULL, slots[v].dtype = 0;
	}
	for (size_t i = 0; i < n_inputs; i++) {
		int rc = bind_input(m, ctx, i, &inputs[i], &slots[m->input_vals[i]]);
		if (rc && ctx->pool.refused)
			return over_limit(ctx, m->inputs[i].name, NULL);
		if (rc)
			return rc;
	}
	sc_run r;
	r.ctx = ctx;
	r.in = ctx->args_in;
	r.out = ctx->args_out;
	for (int k = 0; k < m->n_nodes; k++) {
		const sc_node *n = &m->nodes[k];
		r.nin = n->nin;
		r.nout = n->nout;
		for (int i = 0; i < n->nin; i++)
			r.in[i] = n->in[i] >= 0 ? &slots[n->in[i]] : NULL;
		for (int i = 0; i < n->nout; i++)
			r.out[i] = &slots[n->out[i]];
		ctx->pool.refused = 0;
		int rc = n->op->run(n, &r);
		if (rc && ctx->pool.refused)
			return over_limit(ctx, n->name, n->op);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n_outputs; i++) {
		const tensor *res = &slots[m->output_vals[i]];
		tensor *o = &outputs[i];
		int64_t cnt = mlmd__sc_numel(res);
		if (o->data) {
			if (o->dtype && o->dtype != res->dtype)
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "output '%s' is %s, the buffer given is %s",
					m->outputs[i].name, mlmd__sc_dtype_name(res->dtype), mlmd__sc_dtype_name(o->dtype));
			if ((size_t)cnt > o->capacity)
				return mlmd__fail(MLMD_OUT_OF_RANGE, "output '%s' has %lld elements, the buffer given "
					"holds %zu", m->outputs[i].name, (long long)cnt, o->capacity);
			if (cnt)
				sc_memcpy(o->data, res->data, (size_t)cnt * mlmd__sc_dtype_size(res->dtype));
		} else {
			o->data = res->data;
			o->capacity = (size_t)cnt;
		}
		o->dtype = res->dtype;
		o->rank = res->rank;
		sc_memcpy(o->dims, res->dims, sizeof o->dims);
	}
	return 0;
}

int mlmd_model_score(const mlmd_model *m, mlmd_score_ctx *ctx, const mlmd_tensor *inputs, size_t n_inputs,
	mlmd_tensor *outputs, size_t n_outputs)
{
	if (!m)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_score: model is NULL");
	if (ctx)
		return run_graph(m, ctx, inputs, n_inputs, outputs, n_outputs);
	for (size_t i = 0; i < n_outputs; i++)
		if (outputs && !outputs[i].data)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_score: without a context, output %zu needs "
				"a caller-provided buffer", i);
	mlmd_score_ctx *tmp;
	int rc = mlmd_score_ctx_new(&tmp);
	if (rc)
		return rc;
	rc = run_graph(m, tmp, inputs, n_inputs, outputs, n_outputs);
	for (size_t i = 0; rc == 0 && i < n_outputs; i++)
		if (outputs[i].dtype == MLMD_DTYPE_STRING) /* its strings may live in tmp */
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_score: output '%s' holds strings and "
				"needs a score context", m->outputs[i].name);
	mlmd_score_ctx_free(tmp);
	return rc;
}

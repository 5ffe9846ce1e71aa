/*
 * scorer/ops_shape.c - ai.onnx's shape and type operators: Identity,
 * Constant, Cast, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Gather,
 * Transpose.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ops_common.h"

/* ---- shape ops -------------------------------------------------------------------------------- */

static int run_identity(const sc_node *n, sc_run *r)
{
	(void)n;
	*r->out[0] = *r->in[0];
	return 0;
}

static int prep_constant(sc_node *n, sc_load *L)
{
	tensor *t = mlmd__sc_alloc(L->pool, sizeof *t);
	if (!t)
		return MLMD_OOM();
	n->attr = t;
	bool found;
	int rc = mlmd__sc_get_tensor(n, L, "value", &found, t);
	if (rc || found)
		return rc;
	size_t k;
	if (mlmd__sc_has(n, L, "value_float") || mlmd__sc_has(n, L, "value_int") || mlmd__sc_has(n, L, "value_string")) {
		t->rank = 0;
		t->capacity = 1;
		if (mlmd__sc_has(n, L, "value_float")) {
			double v;
			t->dtype = F;
			if ((rc = mlmd__sc_get_float(n, L, "value_float", 0, &v)) || !(t->data = mlmd__sc_alloc(L->pool, 4)))
				return rc ? rc : MLMD_OOM();
			*(float *)t->data = (float)v;
		} else if (mlmd__sc_has(n, L, "value_int")) {
			t->dtype = I64;
			if (!(t->data = mlmd__sc_alloc(L->pool, 8)))
				return MLMD_OOM();
			return mlmd__sc_get_int(n, L, "value_int", 0, t->data);
		} else {
			t->dtype = S;
			if (!(t->data = mlmd__sc_alloc(L->pool, sizeof(char *))))
				return MLMD_OOM();
			return mlmd__sc_get_string(n, L, "value_string", "", t->data);
		}
		return 0;
	}
	t->rank = 1;
	if (mlmd__sc_has(n, L, "value_floats")) {
		const float *f;
		t->dtype = F;
		rc = mlmd__sc_get_floats(n, L, "value_floats", &k, &f);
		t->data = (void *)f;
	} else if (mlmd__sc_has(n, L, "value_ints")) {
		const int64_t *v;
		t->dtype = I64;
		rc = mlmd__sc_get_ints(n, L, "value_ints", &k, &v);
		t->data = (void *)v;
	} else if (mlmd__sc_has(n, L, "value_strings")) {
		const char *const *v;
		t->dtype = S;
		rc = mlmd__sc_get_strings(n, L, "value_strings", &k, &v);
		t->data = (void *)v;
	} else {
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "needs a 'value' attribute (sparse values are not supported)");
	}
	t->dims[0] = (int64_t)k;
	t->capacity = k;
	return rc;
}

static int prep_constant_typed(sc_node *n, sc_load *L)
{
	int rc = prep_constant(n, L);
	if (!rc)
		L->m->values[n->out[0]].dtype = ((const tensor *)n->attr)->dtype;
	return rc;
}

static int run_constant(const sc_node *n, sc_run *r)
{
	*r->out[0] = *(const tensor *)n->attr;
	return 0;
}

static int parse_num(const char *s, double *out)
{
	char *end;
	while (*s == ' ')
		s++;
	*out = mlmd__strtod(s, &end);
	return end != s && *end == '\0' ? 0 : -1;
}

/* Shortest "%.Ng" that reads back as the same value. */
static void fmt_num(char *buf, size_t len, double v, bool is_float)
{
	if (v != v) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "INF" : "-INF");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		mlmd__snprintf(buf, len, "%.*g", p, v);
		double back = mlmd__strtod(buf, NULL);
		if (is_float ? (float)back == (float)v : back == v)
			return;
	}
}

typedef struct {
	int64_t to;
} cast_attr;

static int prep_cast(sc_node *n, sc_load *L)
{
	cast_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (!mlmd__sc_has(n, L, "to"))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "missing attribute 'to'");
	const char *name = NULL;
	int rc = 0;
	/* opsets 1-5 spelled the type as a string */
	int64_t to = 0;
	if (n->opset < 6 && mlmd__sc_get_string(n, L, "to", NULL, &name) == 0 && name) {
		static const char *const names[] = { "", "FLOAT", "", "", "", "", "INT32", "INT64", "STRING", "BOOL",
			"", "DOUBLE" };
		for (int i = 0; i < 12; i++)
			if (names[i][0] && strcmp(names[i], name) == 0)
				to = i;
	} else if ((rc = mlmd__sc_get_int(n, L, "to", 0, &to))) {
		return rc;
	}
	if (!mlmd__sc_dtype_supported((int)to))
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "cast to element type %s is not supported", mlmd__sc_dtype_name((int)to));
	a->to = to;
	L->m->values[n->out[0]].dtype = (int)to;
	return 0;
}

static int run_cast(const sc_node *n, sc_run *r)
{
	const cast_attr *a = n->attr;
	const tensor *x = r->in[0];
	int to = (int)a->to, rc;
	if (x->dtype == to) {
		*r->out[0] = *x;
		return 0;
	}
	if ((rc = mlmd__sc_out(n, r, 0, to, x->rank, x->dims)))
		return rc;
	int64_t m = mlmd__sc_numel(x);
	void *o = r->out[0]->data;
	for (int64_t i = 0; i < m; i++) {
		if (to == S) {
			char buf[40];
			if (x->dtype == MLMD_DTYPE_UINT64)
				snprintf(buf, sizeof buf, "%llu", (unsigned long long)mlmd__sc_getu(x, i));
			else if (mlmd__sc_is_int(x->dtype))
				snprintf(buf, sizeof buf, "%lld", (long long)geti(x, i));
			else if (x->dtype == B)
				snprintf(buf, sizeof buf, "%s", geti(x, i) ? "1" : "0");
			else
				fmt_num(buf, sizeof buf, getd(x, i), x->dtype == F);
			char *s = mlmd__sc_strdup(&r->ctx->pool, buf, strlen(buf));
			if (!s)
				return MLMD_OOM();
			((const char **)o)[i] = s;
			continue;
		}
		if (x->dtype == S) {
			const char *str = ((const char *const *)x->data)[i];
			double d;
			if (parse_num(str, &d))
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot cast string '%.40s' to a number", str);
			mlmd__sc_setd(r->out[0], i, d);
		} else if (mlmd__sc_is_int(x->dtype) || x->dtype == B) {
			if (mlmd__sc_is_int(to) || to == B)
				mlmd__sc_seti(r->out[0], i, (int64_t)mlmd__sc_getu(x, i));
			else
				mlmd__sc_setd(r->out[0], i, getd(x, i));
		} else {
			mlmd__sc_setd(r->out[0], i, getd(x, i));
		}
	}
	return 0;
}

typedef sc_shape_attr shape_attr;

static int prep_reshape(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_int(n, L, "allowzero", 0, &a->allowzero);
	if (!rc && n->opset < 5)
		rc = mlmd__sc_get_ints(n, L, "shape", &a->n_shape, &a->shape);
	if (!rc && n->opset >= 5 && (n->nin < 2 || n->in[1] < 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs a shape input");
	return rc;
}

static int run_reshape(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t want[MLMD_TENSOR_MAX_RANK];
	size_t k;
	if (n->opset < 5) {
		k = a->n_shape;
		if (k > MLMD_TENSOR_MAX_RANK)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape has rank %zu", k);
		sc_memcpy(want, a->shape, k * sizeof *want);
	} else {
		const tensor *s = r->in[1];
		if (s->dtype != I64 || s->rank != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape must be a 1-D INT64 tensor");
		if (s->dims[0] > MLMD_TENSOR_MAX_RANK)
			return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "shape has rank %lld (limit %d)", (long long)s->dims[0],
				MLMD_TENSOR_MAX_RANK);
		k = (size_t)s->dims[0];
		sc_memcpy(want, s->data, k * sizeof *want);
	}
	int64_t total = mlmd__sc_numel(x), known = 1;
	int infer = -1;
	shape os = { (int)k, { 0 } };
	for (size_t d = 0; d < k; d++) {
		int64_t v = want[d];
		if (v == 0 && !a->allowzero) {
			if ((int)d >= x->rank)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape[%zu] = 0 copies a dimension the input lacks", d);
			v = x->dims[d];
		}
		if (v == -1) {
			if (infer >= 0)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape has more than one -1");
			infer = (int)d;
			v = 1;
		} else if (v < 0) {
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape[%zu] = %lld is invalid", d, (long long)v);
		}
		os.dims[d] = v;
		if (v && known > SC_MAX_ELEMENTS / v)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "shape is too large");
		known *= v;
	}
	if (infer >= 0) {
		if (known == 0 || total % known)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot infer the -1 dimension (%lld elements into %lld)",
				(long long)total, (long long)known);
		os.dims[infer] = total / known;
		known = total;
	}
	if (known != total)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot reshape %lld elements into %lld", (long long)total,
			(long long)known);
	*r->out[0] = *x;
	r->out[0]->rank = os.rank;
	sc_memcpy(r->out[0]->dims, os.dims, sizeof os.dims);
	return 0;
}

static int prep_axis1(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	return mlmd__sc_get_int(n, L, "axis", 1, &a->axis);
}

static int prep_axis0(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (strcmp(n->op->name, "Concat") == 0 && !mlmd__sc_has(n, L, "axis"))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "missing attribute 'axis'");
	return mlmd__sc_get_int(n, L, "axis", 0, &a->axis);
}

static int run_flatten(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int ax = 0;
	if (a->axis == x->rank)
		ax = x->rank;
	else {
		int rc = norm_axis(n, a->axis, x->rank, &ax);
		if (rc)
			return rc;
	}
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < x->rank; d++)
		*(d < ax ? &outer : &inner) *= x->dims[d];
	*r->out[0] = *x;
	r->out[0]->rank = 2;
	r->out[0]->dims[0] = outer;
	r->out[0]->dims[1] = inner;
	return 0;
}

static int prep_axes(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	if (n->opset < 13) {
		a->has_axes = mlmd__sc_has(n, L, "axes");
		return mlmd__sc_get_ints(n, L, "axes", &a->n_axes, &a->axes);
	}
	return 0;
}

static int get_axes(const sc_node *n, sc_run *r, int64_t *axes, size_t *na, bool *have)
{
	const shape_attr *a = n->attr;
	*have = false;
	*na = 0;
	if (n->opset >= 13) {
		if (r->nin > 1 && r->in[1]) {
			*have = true;
			return axes_input(n, r->in[1], axes, na);
		}
		return 0;
	}
	if (a->n_axes > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "too many axes");
	*have = a->has_axes;
	*na = a->n_axes;
	sc_memcpy(axes, a->axes, a->n_axes * sizeof *axes);
	return 0;
}

static int run_squeeze(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0];
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na;
	bool have;
	int rc = get_axes(n, r, axes, &na, &have);
	if (rc)
		return rc;
	bool drop[MLMD_TENSOR_MAX_RANK] = { false };
	if (!have || na == 0)
		for (int d = 0; d < x->rank; d++)
			drop[d] = x->dims[d] == 1;
	for (size_t i = 0; i < na; i++) {
		int ax = 0;
		if ((rc = norm_axis(n, axes[i], x->rank, &ax)))
			return rc;
		if (x->dims[ax] != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "cannot squeeze axis %d of size %lld", ax,
				(long long)x->dims[ax]);
		drop[ax] = true;
	}
	tensor o = *x;
	o.rank = 0;
	for (int d = 0; d < x->rank; d++)
		if (!drop[d])
			o.dims[o.rank++] = x->dims[d];
	*r->out[0] = o;
	return 0;
}

static int run_unsqueeze(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0];
	int64_t axes[MLMD_TENSOR_MAX_RANK];
	size_t na;
	bool have;
	int rc = get_axes(n, r, axes, &na, &have);
	if (rc)
		return rc;
	int orank = x->rank + (int)na;
	if (!have || orank > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, have ? "result rank %d exceeds the limit" : "needs axes", orank);
	bool ins[MLMD_TENSOR_MAX_RANK] = { false };
	for (size_t i = 0; i < na; i++) {
		int ax = 0;
		if ((rc = norm_axis(n, axes[i], orank, &ax)))
			return rc;
		if (ins[ax])
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "axis %d repeated", ax);
		ins[ax] = true;
	}
	tensor o = *x;
	o.rank = orank;
	for (int d = 0, k = 0; d < orank; d++)
		o.dims[d] = ins[d] ? 1 : x->dims[k++];
	*r->out[0] = o;
	return 0;
}

static int run_concat(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x0 = r->in[0];
	int ax = 0, rc;
	if ((rc = norm_axis(n, a->axis, x0->rank, &ax)))
		return rc;
	shape s = { x0->rank, { 0 } };
	sc_memcpy(s.dims, x0->dims, sizeof s.dims);
	s.dims[ax] = 0;
	for (int i = 0; i < r->nin; i++) {
		const tensor *t = r->in[i];
		if (!t)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d is omitted", i);
		if (t->dtype != x0->dtype || t->rank != x0->rank)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d has type %s rank %d, input 0 has %s rank %d", i,
				mlmd__sc_dtype_name(t->dtype), t->rank, mlmd__sc_dtype_name(x0->dtype), x0->rank);
		for (int d = 0; d < t->rank; d++)
			if (d != ax && t->dims[d] != x0->dims[d])
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d differs in dimension %d", i, d);
		s.dims[ax] += t->dims[ax];
	}
	if ((rc = mlmd__sc_out(n, r, 0, x0->dtype, s.rank, s.dims)))
		return rc;
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < s.rank; d++) {
		if (d < ax)
			outer *= s.dims[d];
		if (d > ax)
			inner *= s.dims[d];
	}
	size_t es = mlmd__sc_dtype_size(x0->dtype);
	char *o = r->out[0]->data;
	for (int64_t p = 0; p < outer; p++)
		for (int i = 0; i < r->nin; i++) {
			size_t chunk = (size_t)(r->in[i]->dims[ax] * inner) * es;
			if (chunk)
				sc_memcpy(o, (const char *)r->in[i]->data + (size_t)p * chunk, chunk);
			o += chunk;
		}
	return 0;
}

static int run_gather(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0], *idx = r->in[1];
	int ax = 0, rc;
	if ((rc = norm_axis(n, a->axis, x->rank, &ax)))
		return rc;
	if (idx->dtype != I64 && idx->dtype != I32)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "indices must be INT32 or INT64");
	shape s = { 0, { 0 } };
	if (x->rank - 1 + idx->rank > MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "result rank exceeds %d", MLMD_TENSOR_MAX_RANK);
	for (int d = 0; d < ax; d++)
		s.dims[s.rank++] = x->dims[d];
	for (int d = 0; d < idx->rank; d++)
		s.dims[s.rank++] = idx->dims[d];
	for (int d = ax + 1; d < x->rank; d++)
		s.dims[s.rank++] = x->dims[d];
	if ((rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims)))
		return rc;
	int64_t outer = 1, inner = 1, len = x->dims[ax], ni = mlmd__sc_numel(idx);
	for (int d = 0; d < ax; d++)
		outer *= x->dims[d];
	for (int d = ax + 1; d < x->rank; d++)
		inner *= x->dims[d];
	size_t es = mlmd__sc_dtype_size(x->dtype);
	char *o = r->out[0]->data;
	for (int64_t p = 0; p < outer; p++)
		for (int64_t i = 0; i < ni; i++) {
			int64_t k = geti(idx, i);
			if (k < -len || k >= len)
				return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "index %lld is out of range for size %lld",
					(long long)k, (long long)len);
			if (k < 0)
				k += len;
			sc_memcpy(o, (const char *)x->data + (size_t)((p * len + k) * inner) * es, (size_t)inner * es);
			o += (size_t)inner * es;
		}
	return 0;
}

static int prep_transpose(sc_node *n, sc_load *L)
{
	shape_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	return mlmd__sc_get_ints(n, L, "perm", &a->n_perm, &a->perm);
}

static int run_transpose(const sc_node *n, sc_run *r)
{
	const shape_attr *a = n->attr;
	const tensor *x = r->in[0];
	int perm[MLMD_TENSOR_MAX_RANK];
	bool seen[MLMD_TENSOR_MAX_RANK] = { false };
	if (a->n_perm && (int)a->n_perm != x->rank)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "perm has %zu entries for rank %d", a->n_perm, x->rank);
	for (int d = 0; d < x->rank; d++) {
		int64_t p = a->n_perm ? a->perm[d] : x->rank - 1 - d;
		if (p < 0 || p >= x->rank || seen[p])
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "perm is not a permutation of 0..%d", x->rank - 1);
		seen[p] = true;
		perm[d] = (int)p;
	}
	shape s = { x->rank, { 0 } };
	int64_t ist[MLMD_TENSOR_MAX_RANK], st = 1;
	for (int d = x->rank - 1; d >= 0; d--) {
		ist[d] = st;
		st *= x->dims[d];
	}
	int64_t pst[MLMD_TENSOR_MAX_RANK];
	for (int d = 0; d < x->rank; d++) {
		s.dims[d] = x->dims[perm[d]];
		pst[d] = ist[perm[d]];
	}
	int rc = mlmd__sc_out(n, r, 0, x->dtype, s.rank, s.dims);
	if (rc)
		return rc;
	int64_t m = mlmd__sc_numel(x), idx[MLMD_TENSOR_MAX_RANK] = { 0 }, off = 0;
	size_t es = mlmd__sc_dtype_size(x->dtype);
	char *o = r->out[0]->data;
	for (int64_t i = 0; i < m; i++) {
		sc_memcpy(o + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
		for (int d = s.rank - 1; d >= 0; d--) {
			off += pst[d];
			if (++idx[d] < s.dims[d])
				break;
			off -= pst[d] * idx[d];
			idx[d] = 0;
		}
	}
	return 0;
}

/* ---- the table ----------------------------------------------------------------------------------- */

const sc_op mlmd__sc_ops_shape[] = {
	{ .domain = "", .name = "Identity", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .run = run_identity, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Constant", .min_in = 0, .max_in = 0, .min_out = 1, .max_out = 1,
	  .prepare = prep_constant_typed, .run = run_constant, .out = SC_OUT_SET },
	{ .domain = "", .name = "Cast", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_cast, .run = run_cast, .out = SC_OUT_SET },
	{ .domain = "", .name = "Reshape", .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
	  .prepare = prep_reshape, .run = run_reshape, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Flatten", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_axis1, .run = run_flatten, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Squeeze", .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
	  .prepare = prep_axes, .run = run_squeeze, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Unsqueeze", .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,
	  .prepare = prep_axes, .run = run_unsqueeze, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Concat", .min_in = 1, .max_in = SC_VARIADIC, .min_out = 1, .max_out = 1,
	  .prepare = prep_axis0, .run = run_concat, .same_types = true, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Gather", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .prepare = prep_axis0, .run = run_gather, .out = SC_OUT_SAME },
	{ .domain = "", .name = "Transpose", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_transpose, .run = run_transpose, .out = SC_OUT_SAME },
	{ .name = NULL }
};

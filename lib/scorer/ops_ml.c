/*
 * scorer/ops_ml.c - the ai.onnx.ml operators other than the tree ensembles:
 * linear models, preprocessing (Scaler, Normalizer, Binarizer, Imputer,
 * OneHotEncoder, LabelEncoder, ArrayFeatureExtractor, FeatureVectorizer)
 * and ZipMap, which the scorer treats as an output adapter: its output is
 * the [N, C] score matrix, with the class labels attached to the output's
 * description instead of a sequence of maps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

#define F MLMD_DTYPE_FLOAT
#define D MLMD_DTYPE_DOUBLE
#define I32 MLMD_DTYPE_INT32
#define I64 MLMD_DTYPE_INT64
#define S MLMD_DTYPE_STRING

static double num(const tensor *t, int64_t i)
{
	switch (t->dtype) {
	case F: return ((const float *)t->data)[i];
	case D: return ((const double *)t->data)[i];
	case I32: return ((const int32_t *)t->data)[i];
	case I64: return (double)((const int64_t *)t->data)[i];
	default: return NAN;
	}
}

static bool is_num(int dt) { return dt == F || dt == D || dt == I32 || dt == I64; }

/* X as rows x cols (1-D input is one row). */
static int matrix(const sc_node *n, const tensor *x, int64_t *rows, int64_t *cols)
{
	if (!is_num(x->dtype))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s; expected FLOAT, DOUBLE, INT64 or INT32",
			mlmd__sc_dtype_name(x->dtype));
	if (x->rank == 1) {
		*rows = 1;
		*cols = x->dims[0];
	} else if (x->rank == 2) {
		*rows = x->dims[0];
		*cols = x->dims[1];
	} else {
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X must be 1-D or 2-D, got rank %d", x->rank);
	}
	return 0;
}

/* ---- LinearRegressor, LinearClassifier ----------------------------------------------------- */

typedef sc_linear_attr linear_attr;

static int prep_linear(sc_node *n, sc_load *L, bool classifier)
{
	linear_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	const char *post;
	int rc;
	if ((rc = mlmd__sc_get_floats(n, L, "coefficients", &a->n_coef, &a->coef)) ||
		(rc = mlmd__sc_get_floats(n, L, "intercepts", &a->n_icpt, &a->icpt)) ||
		(rc = mlmd__sc_get_string(n, L, "post_transform", "NONE", &post)) || (rc = mlmd__sc_parse_post(n, post, &a->post)))
		return rc;
	if (!classifier) {
		if ((rc = mlmd__sc_get_int(n, L, "targets", 1, &a->targets)))
			return rc;
	} else {
		size_t ni, ns;
		if ((rc = mlmd__sc_get_ints(n, L, "classlabels_ints", &ni, &a->labels_int)) ||
			(rc = mlmd__sc_get_strings(n, L, "classlabels_strings", &ns, &a->labels_str)))
			return rc;
		if ((ni > 0) == (ns > 0))
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs exactly one of classlabels_ints and classlabels_strings");
		a->n_labels = ni ? ni : ns;
		if (!ni)
			a->labels_int = NULL;
		if (!ns)
			a->labels_str = NULL;
		/* classes with coefficients: one row per class, or one row for two classes */
		a->targets = (int64_t)(a->n_icpt ? a->n_icpt : a->n_labels);
		if (a->targets != (int64_t)a->n_labels && !(a->targets == 1 && a->n_labels == 2))
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%lld coefficient rows for %zu classes",
				(long long)a->targets, a->n_labels);
		L->m->values[n->out[0]].dtype = a->labels_int ? I64 : S;
		sc_value *z = &L->m->values[n->out[1]];
		z->dtype = F;
		z->n_labels = a->n_labels;
		z->labels_int64 = a->labels_int;
		z->labels_string = a->labels_str;
	}
	if (a->targets < 1 || a->n_coef == 0 || a->n_coef % (size_t)a->targets)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%zu coefficients do not split into %lld rows", a->n_coef,
			(long long)a->targets);
	if (a->n_icpt && a->n_icpt != (size_t)a->targets)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%zu intercepts for %lld rows", a->n_icpt, (long long)a->targets);
	return 0;
}

static int prep_linreg(sc_node *n, sc_load *L) { return prep_linear(n, L, false); }
static int prep_lincls(sc_node *n, sc_load *L) { return prep_linear(n, L, true); }

/* scores[rows, targets] = X . coefᵀ + intercepts, in double. */
static int linear_scores(const sc_node *n, sc_run *r, const linear_attr *a, double **out, int64_t *rows_out)
{
	int64_t rows, cols;
	int rc = matrix(n, r->in[0], &rows, &cols);
	if (rc)
		return rc;
	int64_t T = a->targets;
	if ((int64_t)a->n_coef != T * cols)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has %lld columns; the model has %zu coefficients for %lld "
			"row(s)", (long long)cols, a->n_coef, (long long)T);
	double *s = mlmd__sc_alloc_array(&r->ctx->pool, (size_t)(rows * T) + 2 * (size_t)rows + 1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	for (int64_t i = 0; i < rows; i++)
		for (int64_t t = 0; t < T; t++) {
			double v = a->n_icpt ? a->icpt[t] : 0;
			for (int64_t c = 0; c < cols; c++)
				v += num(r->in[0], i * cols + c) * a->coef[t * cols + c];
			s[i * T + t] = v;
		}
	*out = s;
	*rows_out = rows;
	return 0;
}

static int run_linreg(const sc_node *n, sc_run *r)
{
	const linear_attr *a = n->attr;
	double *s;
	int64_t rows;
	int rc = linear_scores(n, r, a, &s, &rows);
	if (rc)
		return rc;
	mlmd__sc_post_transform(a->post, s, rows, (int)a->targets);
	int64_t dims[2] = { rows, a->targets };
	if ((rc = mlmd__sc_out(n, r, 0, F, 2, dims)))
		return rc;
	for (int64_t i = 0; i < rows * a->targets; i++)
		((float *)r->out[0]->data)[i] = (float)s[i];
	return 0;
}

static int run_lincls(const sc_node *n, sc_run *r)
{
	const linear_attr *a = n->attr;
	double *s;
	int64_t rows;
	int rc = linear_scores(n, r, a, &s, &rows);
	if (rc)
		return rc;
	int K = (int)a->n_labels;
	if (a->targets == 1 && K == 2) /* one score: widen to [-s, s] */
		for (int64_t i = rows - 1; i >= 0; i--) {
			double v = s[i];
			s[2 * i] = -v;
			s[2 * i + 1] = v;
		}
	mlmd__sc_post_transform(a->post, s, rows, K);
	int64_t dims[2] = { rows, K };
	if ((rc = mlmd__sc_out(n, r, 0, a->labels_int ? I64 : S, 1, dims)) || (rc = mlmd__sc_out(n, r, 1, F, 2, dims)))
		return rc;
	for (int64_t i = 0; i < rows; i++) {
		int best = 0;
		for (int k = 0; k < K; k++) {
			((float *)r->out[1]->data)[i * K + k] = (float)s[i * K + k];
			if (s[i * K + k] > s[i * K + best])
				best = k;
		}
		if (a->labels_int)
			((int64_t *)r->out[0]->data)[i] = a->labels_int[best];
		else
			((const char **)r->out[0]->data)[i] = a->labels_str[best];
	}
	return 0;
}

/* ---- Scaler, Normalizer, Binarizer, Imputer --------------------------------------------------- */

typedef sc_pre_attr pre_attr;

static int prep_scaler(sc_node *n, sc_load *L)
{
	pre_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_floats(n, L, "offset", &a->n_a, &a->a);
	return rc ? rc : mlmd__sc_get_floats(n, L, "scale", &a->n_b, &a->b);
}

static int run_scaler(const sc_node *n, sc_run *r)
{
	const pre_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t rows, cols;
	int rc = matrix(n, x, &rows, &cols);
	if (rc)
		return rc;
	if ((a->n_a > 1 && (int64_t)a->n_a != cols) || (a->n_b > 1 && (int64_t)a->n_b != cols))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "offset/scale have %zu/%zu values for %lld columns", a->n_a,
			a->n_b, (long long)cols);
	if ((rc = mlmd__sc_out(n, r, 0, F, x->rank, x->dims)))
		return rc;
	for (int64_t i = 0; i < rows; i++)
		for (int64_t c = 0; c < cols; c++) {
			double off = a->n_a ? a->a[a->n_a > 1 ? c : 0] : 0, sc = a->n_b ? a->b[a->n_b > 1 ? c : 0] : 1;
			((float *)r->out[0]->data)[i * cols + c] = (float)((num(x, i * cols + c) - off) * sc);
		}
	return 0;
}

static int prep_normalizer(sc_node *n, sc_load *L)
{
	pre_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	const char *norm;
	int rc = mlmd__sc_get_string(n, L, "norm", "MAX", &norm);
	if (rc)
		return rc;
	if (!strcmp(norm, "MAX"))
		a->norm = 0;
	else if (!strcmp(norm, "L1"))
		a->norm = 1;
	else if (!strcmp(norm, "L2"))
		a->norm = 2;
	else
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "unknown norm '%s' (MAX, L1, L2)", norm);
	return 0;
}

static int run_normalizer(const sc_node *n, sc_run *r)
{
	const pre_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t rows, cols;
	int rc = matrix(n, x, &rows, &cols);
	if (rc || (rc = mlmd__sc_out(n, r, 0, F, x->rank, x->dims)))
		return rc;
	for (int64_t i = 0; i < rows; i++) {
		double z = a->norm == 0 ? -INFINITY : 0;
		for (int64_t c = 0; c < cols; c++) {
			double v = num(x, i * cols + c);
			if (a->norm == 0)
				z = v > z ? v : z;
			else
				z += a->norm == 1 ? fabs(v) : v * v;
		}
		if (a->norm == 2)
			z = sqrt(z);
		for (int64_t c = 0; c < cols; c++)
			((float *)r->out[0]->data)[i * cols + c] = (float)(num(x, i * cols + c) / z);
	}
	return 0;
}

static int prep_binarizer(sc_node *n, sc_load *L)
{
	pre_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	return mlmd__sc_get_float(n, L, "threshold", 0.0, &a->x);
}

static int run_binarizer(const sc_node *n, sc_run *r)
{
	const pre_attr *a = n->attr;
	const tensor *x = r->in[0];
	if (!is_num(x->dtype))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s", mlmd__sc_dtype_name(x->dtype));
	int rc = mlmd__sc_out(n, r, 0, x->dtype, x->rank, x->dims);
	if (rc)
		return rc;
	int64_t m = mlmd__sc_numel(x);
	for (int64_t i = 0; i < m; i++) {
		double v = num(x, i);
		int b = v > a->x;
		switch (x->dtype) {
		case F: ((float *)r->out[0]->data)[i] = v != v ? v : (float)b; break;
		case D: ((double *)r->out[0]->data)[i] = v != v ? v : b; break;
		case I32: ((int32_t *)r->out[0]->data)[i] = b; break;
		default: ((int64_t *)r->out[0]->data)[i] = b;
		}
	}
	return 0;
}

static int prep_imputer(sc_node *n, sc_load *L)
{
	pre_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc;
	if ((rc = mlmd__sc_get_floats(n, L, "imputed_value_floats", &a->n_a, &a->a)) ||
		(rc = mlmd__sc_get_ints(n, L, "imputed_value_int64s", &a->n_b, &a->ia)) ||
		(rc = mlmd__sc_get_float(n, L, "replaced_value_float", 0.0, &a->x)) ||
		(rc = mlmd__sc_get_int(n, L, "replaced_value_int64", 0, &a->ix)))
		return rc;
	if ((a->n_a > 0) == (a->n_b > 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs exactly one of imputed_value_floats and imputed_value_int64s");
	return 0;
}

static int run_imputer(const sc_node *n, sc_run *r)
{
	const pre_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t m = mlmd__sc_numel(x), cols = x->rank ? x->dims[x->rank - 1] : 1;
	size_t nv = a->n_a ? a->n_a : a->n_b;
	if (nv != 1 && (int64_t)nv != cols)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%zu imputed values for %lld columns", nv, (long long)cols);
	bool fl = x->dtype == F || x->dtype == D;
	if (fl != (a->n_a > 0) || !is_num(x->dtype))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s; the imputed values are %s",
			mlmd__sc_dtype_name(x->dtype), a->n_a ? "floats" : "int64s");
	int rc = mlmd__sc_out(n, r, 0, x->dtype, x->rank, x->dims);
	if (rc)
		return rc;
	bool nan_rep = isnan(a->x);
	for (int64_t i = 0; i < m; i++) {
		int64_t c = nv == 1 ? 0 : i % cols;
		switch (x->dtype) {
		case F: {
			float v = ((const float *)x->data)[i];
			bool rep = nan_rep ? v != v : v == (float)a->x;
			((float *)r->out[0]->data)[i] = rep ? a->a[c] : v;
			break;
		}
		case D: {
			double v = ((const double *)x->data)[i];
			bool rep = nan_rep ? v != v : v == (double)(float)a->x;
			((double *)r->out[0]->data)[i] = rep ? a->a[c] : v;
			break;
		}
		case I64: {
			int64_t v = ((const int64_t *)x->data)[i];
			((int64_t *)r->out[0]->data)[i] = v == a->ix ? a->ia[c] : v;
			break;
		}
		default: {
			int32_t v = ((const int32_t *)x->data)[i];
			((int32_t *)r->out[0]->data)[i] = v == a->ix ? (int32_t)a->ia[c] : v;
		}
		}
	}
	return 0;
}

/* ---- OneHotEncoder, LabelEncoder -------------------------------------------------------------- */

typedef struct {
	size_t n_int, n_str;
	const int64_t *cats_int;
	const char *const *cats_str;
	int64_t zeros;
} ohe_attr;

static int prep_ohe(sc_node *n, sc_load *L)
{
	ohe_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc;
	if ((rc = mlmd__sc_get_ints(n, L, "cats_int64s", &a->n_int, &a->cats_int)) ||
		(rc = mlmd__sc_get_strings(n, L, "cats_strings", &a->n_str, &a->cats_str)) ||
		(rc = mlmd__sc_get_int(n, L, "zeros", 1, &a->zeros)))
		return rc;
	if ((a->n_int > 0) == (a->n_str > 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs exactly one of cats_int64s and cats_strings");
	return 0;
}

static int run_ohe(const sc_node *n, sc_run *r)
{
	const ohe_attr *a = n->attr;
	const tensor *x = r->in[0];
	size_t K = a->n_int ? a->n_int : a->n_str;
	if ((x->dtype == S) != (a->n_str > 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s; the categories are %s",
			mlmd__sc_dtype_name(x->dtype), a->n_str ? "strings" : "int64s");
	if (x->rank >= MLMD_TENSOR_MAX_RANK)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has rank %d", x->rank);
	int64_t dims[MLMD_TENSOR_MAX_RANK];
	sc_memcpy(dims, x->dims, sizeof dims);
	dims[x->rank] = (int64_t)K;
	int rc = mlmd__sc_out(n, r, 0, F, x->rank + 1, dims);
	if (rc)
		return rc;
	int64_t m = mlmd__sc_numel(x);
	float *o = r->out[0]->data;
	for (int64_t i = 0; i < m; i++) {
		bool hit = false;
		for (size_t k = 0; k < K && !hit; k++) {
			if (a->n_str)
				hit = strcmp(((const char *const *)x->data)[i], a->cats_str[k]) == 0;
			else
				hit = num(x, i) == (double)a->cats_int[k];
			if (hit)
				o[i * (int64_t)K + (int64_t)k] = 1;
		}
		if (!hit && !a->zeros)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "element %lld is not a known category (zeros=0)", (long long)i);
	}
	return 0;
}

/* LabelEncoder: keys and values typed as STRING, INT64, FLOAT or DOUBLE
 * (and, from ml opset 4, any tensor type for values); lookup by binary
 * search over keys sorted at load. */
typedef struct {
	int key_type, value_type;
	size_t n;
	const void *keys;         /* sorted */
	const void *values;       /* in key order */
	int32_t *order;
	const void *deflt;        /* one value of value_type */
	const char *deflt_str;    /* ml opset 1, index -> string direction */
} le_attr;

static int key_cmp(int type, const void *keys, size_t i, const void *probe)
{
	if (type == S)
		return strcmp(((const char *const *)keys)[i], *(const char *const *)probe);
	double a = type == I64 ? (double)((const int64_t *)keys)[i] : type == F ? ((const float *)keys)[i]
		: ((const double *)keys)[i];
	double b = *(const double *)probe;
	if (type == I64) {
		int64_t x = ((const int64_t *)keys)[i], y = (int64_t)b;
		return x < y ? -1 : x > y;
	}
	if (a != a)
		return b != b ? 0 : 1; /* NaN sorts last and matches NaN */
	if (b != b)
		return -1;
	return a < b ? -1 : a > b;
}

/* Reads keys_* or values_* given as a typed list or (ml opset 4) a tensor. */
static int le_list(sc_node *n, sc_load *L, const char *base, bool keys, int *type, size_t *cnt, const void **data)
{
	char nm[64];
	int rc;
	*type = 0;
	*cnt = 0;
	*data = NULL;
	snprintf(nm, sizeof nm, "%s_strings", base);
	if (mlmd__sc_has(n, L, nm)) {
		*type = S;
		return mlmd__sc_get_strings(n, L, nm, cnt, (const char *const **)data);
	}
	snprintf(nm, sizeof nm, "%s_int64s", base);
	if (mlmd__sc_has(n, L, nm)) {
		*type = I64;
		return mlmd__sc_get_ints(n, L, nm, cnt, (const int64_t **)data);
	}
	snprintf(nm, sizeof nm, "%s_floats", base);
	if (mlmd__sc_has(n, L, nm)) {
		*type = F;
		return mlmd__sc_get_floats(n, L, nm, cnt, (const float **)data);
	}
	snprintf(nm, sizeof nm, "%s_tensor", base);
	if (mlmd__sc_has(n, L, nm)) {
		tensor t;
		bool found;
		if ((rc = mlmd__sc_get_tensor(n, L, nm, &found, &t)))
			return rc;
		if (t.rank != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "attribute '%s' must be 1-D", nm);
		if (keys && t.dtype != S && t.dtype != I64 && t.dtype != F && t.dtype != D)
			return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "keys of type %s are not supported", mlmd__sc_dtype_name(t.dtype));
		*type = t.dtype;
		*cnt = t.capacity;
		*data = t.data;
	}
	return 0;
}

/* Compares keys i and j of a typed key array. */
static int le_cmp2(int type, const void *keys, size_t i, size_t j)
{
	if (type == S)
		return strcmp(((const char *const *)keys)[i], ((const char *const *)keys)[j]);
	if (type == I64) {
		int64_t x = ((const int64_t *)keys)[i], y = ((const int64_t *)keys)[j];
		return x < y ? -1 : x > y;
	}
	double y = type == F ? ((const float *)keys)[j] : ((const double *)keys)[j];
	return key_cmp(type, keys, i, &y);
}

static int prep_le(sc_node *n, sc_load *L)
{
	le_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc;
	size_t nk, nv;
	const void *keys, *vals;
	if (n->opset == 1) {
		/* v1: classes_strings maps string <-> index, direction from the input type at run time */
		const char *const *cls;
		if ((rc = mlmd__sc_get_strings(n, L, "classes_strings", &nk, &cls)))
			return rc;
		int64_t *idx = mlmd__sc_alloc_array(L->pool, nk + 1, sizeof *idx);
		if (!idx)
			return MLMD_OOM();
		for (size_t i = 0; i < nk; i++)
			idx[i] = (int64_t)i;
		a->key_type = S;
		a->value_type = I64;
		if ((rc = mlmd__sc_get_string(n, L, "default_string", "_Unused", &a->deflt_str)))
			return rc;

		keys = cls;
		vals = idx;
		nv = nk;
	} else {
		if ((rc = le_list(n, L, "keys", true, &a->key_type, &nk, &keys)) ||
			(rc = le_list(n, L, "values", false, &a->value_type, &nv, &vals)))
			return rc;
		if (!a->key_type || !a->value_type)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs keys_* and values_* attributes");
	}
	if (nk != nv)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "%zu keys but %zu values", nk, nv);
	a->n = nk;
	size_t es = mlmd__sc_dtype_size(a->value_type), ks = mlmd__sc_dtype_size(a->key_type);
	if (!es)
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "values of type %s are not supported", mlmd__sc_dtype_name(a->value_type));
	/* default: default_tensor, or default_<type> by value type */
	void *def = mlmd__sc_alloc(L->pool, es > 8 ? es : 8);
	if (!def)
		return MLMD_OOM();
	bool found = false;
	tensor dt;
	if (n->opset >= 4 && (rc = mlmd__sc_get_tensor(n, L, "default_tensor", &found, &dt)))
		return rc;
	if (found) {
		if (dt.dtype != a->value_type || dt.capacity != 1)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "default_tensor must hold one %s", mlmd__sc_dtype_name(a->value_type));
		sc_memcpy(def, dt.data, es);
	} else if (a->value_type == S) {
		if ((rc = mlmd__sc_get_string(n, L, "default_string", "_Unused", (const char **)def)))
			return rc;
	} else if (a->value_type == I64) {
		if ((rc = mlmd__sc_get_int(n, L, "default_int64", -1, (int64_t *)def)))
			return rc;
	} else if (a->value_type == F) {
		double v;
		if ((rc = mlmd__sc_get_float(n, L, "default_float", -0.0, &v)))
			return rc;
		*(float *)def = (float)v;
	} /* other value types default to zero */
	a->deflt = def;
	L->m->values[n->out[0]].dtype = a->value_type;
	if (n->opset == 1 && n->in[0] >= 0 && L->m->values[n->in[0]].dtype == I64)
		L->m->values[n->out[0]].dtype = S; /* ml opset 1 also maps indexes back to class names */
	/* sort keys (with their values): a shell sort over indexes */
	char *sk = mlmd__sc_alloc_array(L->pool, nk + 1, ks), *sv = mlmd__sc_alloc_array(L->pool, nk + 1, es);
	int32_t *ord = malloc((nk + 1) * sizeof *ord);
	if (!sk || !sv || !ord) {
		free(ord);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < nk; i++)
		ord[i] = (int32_t)i;
	for (size_t gap = nk / 2 + 1;; gap /= 2) {
		for (size_t i = gap; i < nk; i++)
			for (size_t j = i; j >= gap && le_cmp2(a->key_type, keys, (size_t)ord[j - gap], (size_t)ord[j]) > 0;
				j -= gap) {
				int32_t t = ord[j];
				ord[j] = ord[j - gap];
				ord[j - gap] = t;
			}
		if (gap <= 1)
			break;
	}
	for (size_t i = 0; i + 1 < nk; i++)
		if (le_cmp2(a->key_type, keys, (size_t)ord[i], (size_t)ord[i + 1]) == 0) {
			int pos = ord[i + 1];
			free(ord);
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "duplicate key at position %d", pos);
		}
	for (size_t i = 0; i < nk; i++) {
		sc_memcpy(sk + i * ks, (const char *)keys + (size_t)ord[i] * ks, ks);
		sc_memcpy(sv + i * es, (const char *)vals + (size_t)ord[i] * es, es);
	}
	free(ord);
	a->keys = sk;
	a->values = sv;
	return 0;
}

/* Index of the key equal to probe, or -1. */
static int64_t le_find(const le_attr *a, int type, const void *probe)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (key_cmp(type, a->keys, mid, probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n && key_cmp(type, a->keys, lo, probe) == 0 ? (int64_t)lo : -1;
}

static int run_le(const sc_node *n, sc_run *r)
{
	const le_attr *a = n->attr;
	const tensor *x = r->in[0];
	int64_t m = mlmd__sc_numel(x);
	int rc;
	if (n->opset == 1 && x->dtype == I64) {
		/* v1 reverse direction: index -> class string */
		if ((rc = mlmd__sc_out(n, r, 0, S, x->rank, x->dims)))
			return rc;
		const int64_t *vals = a->values;
		for (int64_t i = 0; i < m; i++) {
			int64_t v = ((const int64_t *)x->data)[i];
			const char *s = NULL;
			for (size_t k = 0; k < a->n && !s; k++)
				if (vals[k] == v)
					s = ((const char *const *)a->keys)[k];
			((const char **)r->out[0]->data)[i] = s ? s : a->deflt_str;
		}
		return 0;
	}
	bool ok = a->key_type == x->dtype || (a->key_type == F && x->dtype == D) || (a->key_type == D && x->dtype == F);
	if (!ok)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X has element type %s; the keys are %s", mlmd__sc_dtype_name(x->dtype),
			mlmd__sc_dtype_name(a->key_type));
	if ((rc = mlmd__sc_out(n, r, 0, a->value_type, x->rank, x->dims)))
		return rc;
	size_t es = mlmd__sc_dtype_size(a->value_type);
	for (int64_t i = 0; i < m; i++) {
		int64_t k;
		if (x->dtype == S) {
			k = le_find(a, S, &((const char *const *)x->data)[i]);
		} else {
			double v = num(x, i);
			if (a->key_type == F)
				v = (float)v;
			k = le_find(a, a->key_type, &v);
		}
		sc_memcpy((char *)r->out[0]->data + (size_t)i * es, k >= 0 ? (const char *)a->values + (size_t)k * es :
			(const char *)a->deflt, es);
	}
	return 0;
}

/* ---- ArrayFeatureExtractor, FeatureVectorizer, ZipMap ---------------------------------------------- */

static int run_afe(const sc_node *n, sc_run *r)
{
	const tensor *x = r->in[0], *idx = r->in[1];
	if (idx->dtype != I64)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "indices must be INT64");
	if (x->rank < 1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X must have rank 1 or more");
	int64_t ni = mlmd__sc_numel(idx), last = x->dims[x->rank - 1];
	int64_t dims[MLMD_TENSOR_MAX_RANK];
	int rank = x->rank;
	sc_memcpy(dims, x->dims, sizeof dims);
	if (rank == 1) {
		rank = 2;
		dims[0] = 1;
	}
	dims[rank - 1] = ni;
	int rc = mlmd__sc_out(n, r, 0, x->dtype, rank, dims);
	if (rc)
		return rc;
	int64_t outer = last ? mlmd__sc_numel(x) / last : 0;
	size_t es = mlmd__sc_dtype_size(x->dtype);
	for (int64_t i = 0; i < ni; i++) {
		int64_t k = ((const int64_t *)idx->data)[i];
		if (k < 0 || k >= last)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "index %lld is out of range for size %lld", (long long)k,
				(long long)last);
	}
	for (int64_t p = 0; p < outer; p++)
		for (int64_t i = 0; i < ni; i++)
			sc_memcpy((char *)r->out[0]->data + (size_t)(p * ni + i) * es,
				(const char *)x->data + (size_t)(p * last + ((const int64_t *)idx->data)[i]) * es, es);
	return 0;
}

typedef struct {
	size_t n;
	const int64_t *dims;
} fv_attr;

static int prep_fv(sc_node *n, sc_load *L)
{
	fv_attr *a = mlmd__sc_alloc(L->pool, sizeof *a);
	if (!a)
		return MLMD_OOM();
	n->attr = a;
	int rc = mlmd__sc_get_ints(n, L, "inputdimensions", &a->n, &a->dims);
	if (rc)
		return rc;
	if ((int)a->n != n->nin)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputdimensions has %zu entries for %d inputs", a->n, n->nin);
	for (size_t i = 0; i < a->n; i++)
		if (a->dims[i] < 0 || a->dims[i] > 100000000)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputdimensions[%zu] = %lld", i, (long long)a->dims[i]);
	return 0;
}

static int run_fv(const sc_node *n, sc_run *r)
{
	const fv_attr *a = n->attr;
	int64_t rows = -1, total = 0;
	for (int i = 0; i < r->nin; i++) {
		const tensor *x = r->in[i];
		int64_t rr, cc;
		int rc = matrix(n, x, &rr, &cc);
		if (rc)
			return rc;
		if (rows >= 0 && rr != rows)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs have different row counts");
		rows = rr;
		total += a->dims[i];
	}
	int64_t dims[2] = { rows, total };
	int rc = mlmd__sc_out(n, r, 0, F, 2, dims);
	if (rc)
		return rc;
	float *o = r->out[0]->data;
	for (int64_t i = 0; i < rows; i++) {
		int64_t at = 0;
		for (int k = 0; k < r->nin; k++) {
			const tensor *x = r->in[k];
			int64_t cc = x->rank == 2 ? x->dims[1] : x->dims[0];
			for (int64_t c = 0; c < a->dims[k]; c++)
				o[i * total + at + c] = c < cc ? (float)num(x, i * cc + c) : 0.0f;
			at += a->dims[k];
		}
	}
	return 0;
}

static int prep_zipmap(sc_node *n, sc_load *L)
{
	size_t ni, ns;
	const int64_t *li;
	const char *const *ls;
	int rc;
	if ((rc = mlmd__sc_get_ints(n, L, "classlabels_int64s", &ni, &li)) ||
		(rc = mlmd__sc_get_strings(n, L, "classlabels_strings", &ns, &ls)))
		return rc;
	if ((ni > 0) == (ns > 0))
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "needs exactly one of classlabels_int64s and classlabels_strings");
	sc_value *z = &L->m->values[n->out[0]];
	z->is_zipmap = true;
	z->n_labels = ni ? ni : ns;
	z->labels_int64 = ni ? li : NULL;
	z->labels_string = ns ? ls : NULL;
	n->attr = z;
	return 0;
}

static int run_zipmap(const sc_node *n, sc_run *r)
{
	const sc_value *z = n->attr;
	const tensor *x = r->in[0];
	if (x->dtype != F || x->rank != 2 || x->dims[1] != (int64_t)z->n_labels)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "X must be a FLOAT [N, %zu] tensor", z->n_labels);
	*r->out[0] = *x;
	return 0;
}

const sc_op mlmd__sc_ops_ml[] = {
	{ .domain = "ai.onnx.ml", .name = "LinearRegressor", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_linreg, .run = run_linreg, .types = SC_T_MAIN, .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "LinearClassifier", .min_in = 1, .max_in = 1, .min_out = 2, .max_out = 2,
	  .prepare = prep_lincls, .run = run_lincls, .types = SC_T_MAIN, .out = SC_OUT_SET },
	{ .domain = "ai.onnx.ml", .name = "Scaler", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_scaler, .run = run_scaler, .types = SC_T_MAIN, .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "Normalizer", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_normalizer, .run = run_normalizer, .types = SC_T_MAIN, .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "Binarizer", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_binarizer, .run = run_binarizer, .types = SC_T_MAIN, .out = SC_OUT_SAME },
	{ .domain = "ai.onnx.ml", .name = "Imputer", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_imputer, .run = run_imputer, .types = SC_T_MAIN, .out = SC_OUT_SAME },
	{ .domain = "ai.onnx.ml", .name = "OneHotEncoder", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_ohe, .run = run_ohe, .types = SC_T_MAIN | SC_T(MLMD_DTYPE_STRING), .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "LabelEncoder", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_le, .run = run_le, .types = SC_T_FLT | SC_T(MLMD_DTYPE_INT64) | SC_T(MLMD_DTYPE_STRING), .out = SC_OUT_SET },
	{ .domain = "ai.onnx.ml", .name = "ArrayFeatureExtractor", .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
	  .run = run_afe, .out = SC_OUT_SAME },
	{ .domain = "ai.onnx.ml", .name = "FeatureVectorizer", .min_in = 1, .max_in = SC_VARIADIC, .min_out = 1, .max_out = 1,
	  .prepare = prep_fv, .run = run_fv, .types = SC_T_MAIN, .out = MLMD_DTYPE_FLOAT },
	{ .domain = "ai.onnx.ml", .name = "ZipMap", .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
	  .prepare = prep_zipmap, .run = run_zipmap, .types = SC_T(MLMD_DTYPE_FLOAT), .out = MLMD_DTYPE_FLOAT },
	{ .name = NULL }
};

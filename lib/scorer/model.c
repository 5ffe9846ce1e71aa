/*
 * scorer/model.c - loading (format detection), inspection and the score
 * driver: binds the caller's inputs, runs the nodes in order on a context's
 * arena and hands the outputs back.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sc.h"
#include "pmml.h"

/* ---- pools ----------------------------------------------------------------------- */

struct sc_block {
	sc_block *next;
	size_t size, used;
	_Alignas(32) unsigned char data[];
};

void *mlmd__sc_alloc(sc_pool *p, size_t n)
{
	n = (n + 31) & ~(size_t)31;
	if (n == 0)
		n = 32;
	if (p->limit && (n > p->limit || p->used_total > p->limit - n)) {
		p->refused = n;
		return NULL;
	}
	sc_block *b = p->head;
	if (!b || b->size - b->used < n) {
		size_t size = b ? b->size * 2 : 4096;
		if (p->limit && size > p->limit - p->used_total)
			size = p->limit - p->used_total; /* a new block never reserves past the limit */
		if (size < n)
			size = n;
		if (size > ((size_t)1 << 40))
			return NULL;
		sc_block *nb = aligned_alloc(32, (sizeof *nb + size + 31) & ~(size_t)31);
		if (!nb)
			return NULL;
		nb->size = size;
		nb->used = 0;
		nb->next = b;
		p->head = b = nb;
	}
	void *r = b->data + b->used;
	b->used += n;
	p->used_total += n;
	if (p->used_total > p->peak)
		p->peak = p->used_total;
	memset(r, 0, n);
	return r;
}

void *mlmd__sc_alloc_array(sc_pool *p, size_t n, size_t elem)
{
	if (elem && n > (((size_t)1 << 40) / elem))
		return NULL;
	return mlmd__sc_alloc(p, n * elem);
}

char *mlmd__sc_strdup(sc_pool *p, const char *s, size_t len)
{
	char *r = mlmd__sc_alloc(p, len + 1);
	if (r && len)
		sc_memcpy(r, s, len);
	return r;
}

/* Frees all blocks but one big enough for the peak, so the next call of the
 * same size runs in a single block without allocating. */
void mlmd__sc_pool_reset(sc_pool *p)
{
	if (p->head && p->head->next) {
		size_t want = p->peak;
		mlmd__sc_pool_free(p);
		p->peak = want;
		sc_block *nb = aligned_alloc(32, (sizeof *nb + want + 31) & ~(size_t)31);
		if (nb) {
			nb->size = want;
			nb->used = 0;
			nb->next = NULL;
			p->head = nb;
		}
	} else if (p->head) {
		p->head->used = 0;
	}
	p->used_total = 0;
	p->refused = 0;
}

void mlmd__sc_pool_free(sc_pool *p)
{
	for (sc_block *b = p->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	p->head = NULL;
	p->used_total = p->peak = p->refused = 0; /* the limit stays */
}

/* ---- tensors ---------------------------------------------------------------------- */

size_t mlmd__sc_dtype_size(int dtype)
{
	switch (dtype) {
	case MLMD_DTYPE_FLOAT: case MLMD_DTYPE_INT32: case MLMD_DTYPE_UINT32: return 4;
	case MLMD_DTYPE_DOUBLE: case MLMD_DTYPE_INT64: case MLMD_DTYPE_UINT64: return 8;
	case MLMD_DTYPE_BOOL: case MLMD_DTYPE_UINT8: case MLMD_DTYPE_INT8: return 1;
	case MLMD_DTYPE_UINT16: case MLMD_DTYPE_INT16: return 2;
	case MLMD_DTYPE_STRING: return sizeof(char *);
	default: return 0;
	}
}

bool mlmd__sc_is_int(int dt)
{
	switch (dt) {
	case MLMD_DTYPE_INT32: case MLMD_DTYPE_INT64: case MLMD_DTYPE_UINT8: case MLMD_DTYPE_INT8:
	case MLMD_DTYPE_UINT16: case MLMD_DTYPE_INT16: case MLMD_DTYPE_UINT32: case MLMD_DTYPE_UINT64:
		return true;
	default:
		return false;
	}
}

bool mlmd__sc_is_unsigned(int dt)
{
	return dt == MLMD_DTYPE_UINT8 || dt == MLMD_DTYPE_UINT16 || dt == MLMD_DTYPE_UINT32 || dt == MLMD_DTYPE_UINT64 ||
		dt == MLMD_DTYPE_BOOL;
}

/* Integer element i as int64 (UINT64 wraps; callers that care use mlmd__sc_getu). */
int64_t mlmd__sc_geti(const tensor *t, int64_t i)
{
	const void *p = t->data;
	switch (t->dtype) {
	case MLMD_DTYPE_INT32: return ((const int32_t *)p)[i];
	case MLMD_DTYPE_INT64: return ((const int64_t *)p)[i];
	case MLMD_DTYPE_UINT8: case MLMD_DTYPE_BOOL: return ((const uint8_t *)p)[i];
	case MLMD_DTYPE_INT8: return ((const int8_t *)p)[i];
	case MLMD_DTYPE_UINT16: return ((const uint16_t *)p)[i];
	case MLMD_DTYPE_INT16: return ((const int16_t *)p)[i];
	case MLMD_DTYPE_UINT32: return ((const uint32_t *)p)[i];
	case MLMD_DTYPE_UINT64: return (int64_t)((const uint64_t *)p)[i];
	default: {
		double v = mlmd__sc_getd(t, i);
		if (v != v)
			return INT64_MIN;
		if (v >= 9.2233720368547758e18)
			return INT64_MAX;
		if (v <= -9.2233720368547758e18)
			return INT64_MIN;
		return (int64_t)v;
	}
	}
}

uint64_t mlmd__sc_getu(const tensor *t, int64_t i)
{
	return t->dtype == MLMD_DTYPE_UINT64 ? ((const uint64_t *)t->data)[i] : (uint64_t)mlmd__sc_geti(t, i);
}

double mlmd__sc_getd(const tensor *t, int64_t i)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: return ((const float *)t->data)[i];
	case MLMD_DTYPE_DOUBLE: return ((const double *)t->data)[i];
	case MLMD_DTYPE_UINT64: return (double)((const uint64_t *)t->data)[i];
	case MLMD_DTYPE_STRING: return 0;
	default: return (double)mlmd__sc_geti(t, i);
	}
}

/* Stores v into integer element i, wrapping to the type's width. */
void mlmd__sc_seti(tensor *t, int64_t i, int64_t v)
{
	void *p = t->data;
	uint64_t u = (uint64_t)v;
	switch (t->dtype) {
	case MLMD_DTYPE_INT32: ((int32_t *)p)[i] = (int32_t)(uint32_t)u; break;
	case MLMD_DTYPE_INT64: ((int64_t *)p)[i] = v; break;
	case MLMD_DTYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)u; break;
	case MLMD_DTYPE_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case MLMD_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)(uint8_t)u; break;
	case MLMD_DTYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)u; break;
	case MLMD_DTYPE_INT16: ((int16_t *)p)[i] = (int16_t)(uint16_t)u; break;
	case MLMD_DTYPE_UINT32: ((uint32_t *)p)[i] = (uint32_t)u; break;
	case MLMD_DTYPE_UINT64: ((uint64_t *)p)[i] = u; break;
	case MLMD_DTYPE_FLOAT: ((float *)p)[i] = (float)v; break;
	case MLMD_DTYPE_DOUBLE: ((double *)p)[i] = (double)v; break;
	default: break;
	}
}

/* Stores a number: floats directly, integers converted (NaN and values out
 * of range saturate, so no input is undefined behaviour in C). */
void mlmd__sc_setd(tensor *t, int64_t i, double v)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: ((float *)t->data)[i] = (float)v; return;
	case MLMD_DTYPE_DOUBLE: ((double *)t->data)[i] = v; return;
	case MLMD_DTYPE_BOOL: ((uint8_t *)t->data)[i] = v != 0; return;
	case MLMD_DTYPE_UINT64:
		((uint64_t *)t->data)[i] = v != v || v <= 0 ? 0 : v >= 1.8446744073709552e19 ? UINT64_MAX : (uint64_t)v;
		return;
	default: {
		int64_t x = v != v ? INT64_MIN : v >= 9.2233720368547758e18 ? INT64_MAX : v <= -9.2233720368547758e18 ?
			INT64_MIN : (int64_t)v;
		mlmd__sc_seti(t, i, x);
	}
	}
}

bool mlmd__sc_dtype_supported(int dtype)
{
	return mlmd__sc_dtype_size(dtype) != 0;
}

const char *mlmd_dtype_name(int dtype)
{
	return mlmd__sc_dtype_name(dtype);
}

size_t mlmd_dtype_size(int dtype)
{
	return mlmd__sc_dtype_size(dtype);
}

const char *mlmd__sc_dtype_name(int dtype)
{
	static const char *const names[] = { "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
		"INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128",
		"BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4" };
	if (dtype >= 0 && dtype < (int)(sizeof names / sizeof names[0]))
		return names[dtype];
	return "unknown type";
}

/* The product of the non-zero dimensions must stay within SC_MAX_ELEMENTS
 * even when another dimension is 0, so that no product of a subset of a
 * tensor's dimensions (which ops compute: outer and inner sizes, strides)
 * can overflow. */
int64_t mlmd__sc_shape_numel(int rank, const int64_t *dims)
{
	int64_t n = 1;
	bool empty = false;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return -1;
		if (dims[i] == 0) {
			empty = true;
			continue;
		}
		if (n > SC_MAX_ELEMENTS / dims[i])
			return -1;
		n *= dims[i];
	}
	return empty ? 0 : n;
}

int64_t mlmd__sc_numel(const tensor *t)
{
	return mlmd__sc_shape_numel(t->rank, t->dims);
}

int mlmd__sc_fail(const sc_node *n, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mlmd__fail(code, "node '%s' (%s::%s, opset %d): %s", n->name,
		n->op->domain[0] ? n->op->domain : "ai.onnx", n->op->name, n->opset, msg);
}

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

/* ---- values, inputs and outputs ------------------------------------------------------ */

int mlmd__sc_add_value(mlmd_model *m, const char *name)
{
	if ((m->n_values & (m->n_values - 1)) == 0) {
		size_t cap = m->n_values ? (size_t)m->n_values * 2 : 16;
		sc_value *nv = mlmd__sc_alloc_array(&m->pool, cap, sizeof *nv);
		if (!nv)
			return MLMD_OOM();
		if (m->n_values)
			sc_memcpy(nv, m->values, (size_t)m->n_values * sizeof *nv);
		m->values = nv;
	}
	m->values[m->n_values].name = name;
	return m->n_values++;
}

/* Fills the label fields of the output infos from the values they name. */
int mlmd__sc_finish_io(mlmd_model *m)
{
	for (size_t i = 0; i < m->n_outputs; i++) {
		const sc_value *v = &m->values[m->output_vals[i]];
		m->outputs[i].n_labels = v->n_labels;
		m->outputs[i].labels_int64 = v->labels_int64;
		m->outputs[i].labels_string = v->labels_string;
	}
	return 0;
}

/* ---- loading ----------------------------------------------------------------------- */

static bool starts_with_ws(const unsigned char *p, size_t len, const char *word)
{
	size_t i = 0;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	size_t wl = strlen(word);
	return len - i >= wl && memcmp(p + i, word, wl) == 0;
}

static bool contains(const unsigned char *p, size_t len, const char *needle, size_t within)
{
	size_t nl = strlen(needle);
	if (within > len)
		within = len;
	for (size_t i = 0; i + nl <= within; i++)
		if (memcmp(p + i, needle, nl) == 0)
			return true;
	return false;
}

static int detect_and_load(mlmd_model *m, const unsigned char *p, size_t len)
{
	if (len == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "empty model (0 bytes)");
	if (starts_with_ws(p, len, "{")) {
		if (contains(p, len, "\"learner\"", len))
			return mlmd__sc_load_xgboost(m, (const char *)p, len);
		if (contains(p, len, "\"action\"", len) && (contains(p, len, "\"input\"", len) ||
			contains(p, len, "\"output\"", len)))
			return mlmd__fail(MLMD_UNIMPLEMENTED, "this is a PFA document; PFA is not supported: export "
				"the model as ONNX (or, once supported, PMML) instead");
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "JSON document is not an XGBoost model (no \"learner\" "
			"object); supported formats: ONNX, XGBoost JSON, PMML");
	}
	if (starts_with_ws(p, len, "<")) {
		if (contains(p, len, "<PMML", 65536))
			return mlmd__sc_load_pmml(m, (const char *)p, len);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "XML document is not a PMML model (no <PMML> element); "
			"supported formats: ONNX, XGBoost JSON, PMML");
	}
	if (len >= 7 && (memcmp(p, "action:", 7) == 0 || contains(p, len, "\naction:", 4096)))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "this looks like a PFA document (YAML); PFA is not supported: "
			"export the model as ONNX instead");
	/* A SavedModel's saved_model.pb starts with field 1 (saved_model_schema_version, varint). */
	if (len >= 2 && p[0] == 0x08 && p[1] == 0x01 && contains(p, len, "tensorflow", len))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "this is a TensorFlow SavedModel; it is not supported: "
			"convert it to ONNX (for example with tf2onnx) instead");
	return mlmd__sc_load_onnx(m, p, len);
}

int mlmd_model_load_buffer(mlmd_model **out, const void *data, size_t len, const char *name)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_buffer: out is NULL");
	*out = NULL;
	if (!data && len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_buffer: data is NULL");
	mlmd_model *m = calloc(1, sizeof *m);
	if (!m)
		return MLMD_OOM();
	atomic_init(&m->refs, 1);
	m->format = m->producer = m->producer_version = "";
	int rc = detect_and_load(m, data ? data : "", len);
	if (rc == 0)
		rc = mlmd__sc_finish_io(m);
	for (int k = 0; rc == 0 && k < m->n_nodes; k++) {
		if (m->nodes[k].nin > m->max_nin)
			m->max_nin = m->nodes[k].nin;
		if (m->nodes[k].nout > m->max_nout)
			m->max_nout = m->nodes[k].nout;
	}
	if (rc) {
		mlmd_model_free(m);
		return name ? mlmd__context(rc, "%s", name) : rc;
	}
	*out = m;
	return 0;
}

/* Reads a whole model file into *buf (malloc'd; the caller frees it). A
 * directory is refused, naming a SavedModel when it is one. */
int mlmd__sc_read_file(const char *path, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char pb[4096];
		snprintf(pb, sizeof pb, "%s/saved_model.pb", path);
		if (stat(pb, &st) == 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "%s: this is a TensorFlow SavedModel; it is not supported: "
				"convert it to ONNX (for example with tf2onnx) instead", path);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: is a directory, not a model file", path);
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		return mlmd__fail(errno == ENOENT ? MLMD_NOT_FOUND : MLMD_PERMISSION_DENIED, "%s: %s", path,
			strerror(errno));
	mlmd_buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		mlmd__buf_put(&b, chunk, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		mlmd__buf_free(&b);
		return mlmd__fail(MLMD_UNAVAILABLE, "%s: read error", path);
	}
	if (b.len == 0) {
		mlmd__buf_free(&b);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: empty model (0 bytes)", path);
	}
	if (!b.p || b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

int mlmd_model_load_file(mlmd_model **out, const char *path)
{
	if (!out || !path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_file: %s is NULL", out ? "path" : "out");
	*out = NULL;
	char *buf;
	size_t len;
	int rc = mlmd__sc_read_file(path, &buf, &len);
	if (rc)
		return rc;
	rc = mlmd_model_load_buffer(out, buf, len, path);
	free(buf);
	return rc;
}

int mlmd_model_read_file(const char *path, void **data, size_t *len)
{
	if (!path || !data || !len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_read_file: path, data and len are required");
	char *buf;
	int rc = mlmd__sc_read_file(path, &buf, len);
	*data = rc ? NULL : buf;
	return rc;
}

void mlmd_model_data_free(void *data)
{
	free(data);
}

mlmd_model *mlmd_model_ref(mlmd_model *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void mlmd_model_free(mlmd_model *m)
{
	if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (m->fini)
		m->fini(m->fini_arg);
	mlmd__sc_pool_free(&m->pool);
	free(m);
}

/* ---- inspection ---------------------------------------------------------------------- */

const char *mlmd_model_format(const mlmd_model *m) { return m ? m->format : ""; }
const char *mlmd_model_producer(const mlmd_model *m) { return m ? m->producer : ""; }
const char *mlmd_model_producer_version(const mlmd_model *m) { return m ? m->producer_version : ""; }
int64_t mlmd_model_ir_version(const mlmd_model *m) { return m ? m->ir_version : 0; }
size_t mlmd_model_input_count(const mlmd_model *m) { return m ? m->n_inputs : 0; }
size_t mlmd_model_output_count(const mlmd_model *m) { return m ? m->n_outputs : 0; }
size_t mlmd_model_opset_count(const mlmd_model *m) { return m ? m->n_opsets : 0; }
size_t mlmd_model_metadata_count(const mlmd_model *m) { return m ? m->n_meta : 0; }

const mlmd_value_info *mlmd_model_input(const mlmd_model *m, size_t i)
{
	return m && i < m->n_inputs ? &m->inputs[i] : NULL;
}

const mlmd_value_info *mlmd_model_output(const mlmd_model *m, size_t i)
{
	return m && i < m->n_outputs ? &m->outputs[i] : NULL;
}

int mlmd_model_input_index(const mlmd_model *m, const char *name)
{
	for (size_t i = 0; m && name && i < m->n_inputs; i++)
		if (strcmp(m->inputs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int mlmd_model_opset(const mlmd_model *m, size_t i, const char **domain, int64_t *version)
{
	if (!m || i >= m->n_opsets)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "opset index %zu out of range (%zu opsets)", i, m ? m->n_opsets : 0);
	if (domain)
		*domain = m->opset_domains[i];
	if (version)
		*version = m->opset_versions[i];
	return 0;
}

int mlmd_model_metadata(const mlmd_model *m, size_t i, const char **key, const char **value)
{
	if (!m || i >= m->n_meta)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "metadata index %zu out of range (%zu entries)", i, m ? m->n_meta : 0);
	if (key)
		*key = m->meta_keys[i];
	if (value)
		*value = m->meta_values[i];
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

void mlmd_score_ctx_free(mlmd_score_ctx *ctx)
{
	if (!ctx)
		return;
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

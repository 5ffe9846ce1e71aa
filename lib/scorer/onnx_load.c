/*
 * scorer/onnx_load.c - ONNX ModelProto to the scorer's graph.
 *
 * Decoding uses protobuf-c on our own minimal proto/onnx_min.proto. Before
 * decoding, the wire bytes are walked once along the schema to bound message
 * nesting (protobuf-c recurses per level). Then: opsets are checked, values
 * are named (initializers, inputs, node outputs), nodes are put in
 * dependency order (a cycle or an undefined input is an error), each node's
 * op is looked up and prepares its attributes, and the declared inputs and
 * outputs become the model's signature.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sc.h"
#include "load.h"
#include "ops.h"
#include "onnx_min.pb-c.h"

typedef Mlmd__Onnx__ModelProto ModelProto;
typedef Mlmd__Onnx__GraphProto GraphProto;
typedef Mlmd__Onnx__NodeProto NodeProto;
typedef Mlmd__Onnx__AttributeProto AttributeProto;
typedef Mlmd__Onnx__TensorProto TensorProto;
typedef Mlmd__Onnx__ValueInfoProto ValueInfoProto;
typedef Mlmd__Onnx__TypeProto TypeProto;

#define MAX_NESTING 32
#define MAX_NODES 1000000

/* ---- bounded nesting ------------------------------------------------------------- */

/* Message kinds of onnx_min.proto whose fields hold messages. */
enum { W_MODEL, W_GRAPH, W_NODE, W_ATTR, W_TYPE, W_TTENSOR, W_TSEQ, W_TMAP, W_VALUEINFO, W_LEAF };

static int child_kind(int kind, uint32_t field)
{
	switch (kind) {
	case W_MODEL: return field == 7 ? W_GRAPH : W_LEAF;
	case W_GRAPH: return field == 1 ? W_NODE : (field == 11 || field == 12 || field == 13) ? W_VALUEINFO : W_LEAF;
	case W_NODE: return field == 5 ? W_ATTR : W_LEAF;
	case W_ATTR: return (field == 6 || field == 11) ? W_GRAPH : W_LEAF;
	case W_VALUEINFO: return field == 2 ? W_TYPE : W_LEAF;
	case W_TYPE: return field == 1 ? W_TTENSOR : field == 4 ? W_TSEQ : field == 5 ? W_TMAP : W_LEAF;
	case W_TSEQ: return field == 1 ? W_TYPE : W_LEAF;
	case W_TMAP: return field == 2 ? W_TYPE : W_LEAF;
	default: return W_LEAF;
	}
}

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Walks a message; returns 0, or -1 on malformed wire data, or -2 when
 * nesting passes MAX_NESTING. Malformed data is left for protobuf-c to
 * report; this walk only guards the recursion. */
static int walk(const uint8_t *p, const uint8_t *end, int kind, int depth)
{
	if (depth > MAX_NESTING)
		return -2;
	while (p < end) {
		uint64_t key, len;
		if (read_varint(&p, end, &key))
			return -1;
		switch (key & 7) {
		case 0:
			if (read_varint(&p, end, &len))
				return -1;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		case 2: {
			if (read_varint(&p, end, &len) || len > (uint64_t)(end - p))
				return -1;
			int ck = child_kind(kind, (uint32_t)(key >> 3));
			if (ck != W_LEAF) {
				int rc = walk(p, p + len, ck, depth + 1);
				if (rc)
					return rc;
			}
			p += len;
			break;
		}
		default:
			return -1;
		}
	}
	return 0;
}

/* ---- tensors ------------------------------------------------------------------------ */

/* How many elements a TensorProto's data holds, in whichever field carries
 * it (string_data, raw_data, or the typed field of its element type); -1
 * when raw_data is not a whole number of elements. Read before anything is
 * allocated, so a declared shape is checked against the data present. */
static int64_t tensor_data_count(const TensorProto *tp, int dt, size_t es)
{
	if (dt == MLMD_DTYPE_STRING)
		return (int64_t)tp->n_string_data;
	if (tp->has_raw_data)
		return tp->raw_data.len % es ? -1 : (int64_t)(tp->raw_data.len / es);
	switch (dt) {
	case MLMD_DTYPE_FLOAT: return (int64_t)tp->n_float_data;
	case MLMD_DTYPE_DOUBLE: return (int64_t)tp->n_double_data;
	case MLMD_DTYPE_INT64: return (int64_t)tp->n_int64_data;
	case MLMD_DTYPE_UINT32: case MLMD_DTYPE_UINT64: return (int64_t)tp->n_uint64_data;
	default: return (int64_t)tp->n_int32_data; /* INT32, BOOL and the 8- and 16-bit integers */
	}
}

/* Decodes a TensorProto into model-owned memory. Its dims are checked
 * (none negative, the product of the non-zero ones within SC_MAX_ELEMENTS)
 * and must describe exactly the elements its data holds before anything is
 * allocated: memory follows the bytes in the file, never a declared size.
 * `what` names the tensor in errors. */
static int tensor_from_proto(sc_pool *pool, const TensorProto *tp, tensor *t, const char *what)
{
	memset(t, 0, sizeof *t);
	int dt = tp->has_data_type ? tp->data_type : 0;
	if (!mlmd__sc_dtype_supported(dt))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "%s: element type %s is not supported (supported: FLOAT, DOUBLE, "
			"BOOL, STRING and the 8- to 64-bit integers)", what, mlmd__sc_dtype_name(dt));
	if (tp->has_data_location && tp->data_location == 1)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "%s: external tensor data is not supported", what);
	if (tp->n_dims > MLMD_TENSOR_MAX_RANK)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: rank %zu exceeds %d", what, tp->n_dims, MLMD_TENSOR_MAX_RANK);
	t->dtype = dt;
	t->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: dimension %zu is negative (%lld)", what, i,
				(long long)tp->dims[i]);
		t->dims[i] = tp->dims[i];
	}
	int64_t n = mlmd__sc_numel(t);
	if (n < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: dimensions describe more than 2^34 elements (the "
			"limit)", what);
	size_t es = mlmd__sc_dtype_size(dt);
	int64_t have = tensor_data_count(tp, dt, es);
	if (have < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: raw_data holds %zu bytes, not a multiple of %zu",
			what, tp->raw_data.len, es);
	if (have != n)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: dims say %lld element(s), the data holds %lld", what,
			(long long)n, (long long)have);
	t->capacity = (size_t)n;
	t->data = mlmd__sc_alloc_array(pool, (size_t)n, es);
	if (!t->data)
		return MLMD_OOM();
	if (dt == MLMD_DTYPE_STRING) {
		for (int64_t i = 0; i < n; i++) {
			char *s = mlmd__sc_strdup(pool, (const char *)tp->string_data[i].data, tp->string_data[i].len);
			if (!s)
				return MLMD_OOM();
			((const char **)t->data)[i] = s;
		}
	} else if (tp->has_raw_data) {
		sc_memcpy(t->data, tp->raw_data.data, (size_t)n * es); /* little-endian hosts only */
		if (dt == MLMD_DTYPE_BOOL)
			for (int64_t i = 0; i < n; i++)
				((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
	} else {
		switch (dt) {
		case MLMD_DTYPE_FLOAT: sc_memcpy(t->data, tp->float_data, (size_t)n * es); break;
		case MLMD_DTYPE_DOUBLE: sc_memcpy(t->data, tp->double_data, (size_t)n * es); break;
		case MLMD_DTYPE_INT64: sc_memcpy(t->data, tp->int64_data, (size_t)n * es); break;
		case MLMD_DTYPE_INT32: sc_memcpy(t->data, tp->int32_data, (size_t)n * es); break;
		case MLMD_DTYPE_UINT32:
		case MLMD_DTYPE_UINT64:
			for (int64_t i = 0; i < n; i++)
				mlmd__sc_seti(t, i, (int64_t)tp->uint64_data[i]);
			break;
		default: /* BOOL and the 8- and 16-bit integers travel in int32_data */
			for (int64_t i = 0; i < n; i++)
				mlmd__sc_seti(t, i, tp->int32_data[i]);
		}
	}
	return 0;
}

/* ---- attributes ------------------------------------------------------------------------ */

/* The NodeProto's attributes, read for the ops' prepare functions through
 * the attribute source below (see ops.h). */

static const AttributeProto *find_attr(const NodeProto *np, const char *name)
{
	for (size_t i = 0; np && i < np->n_attribute; i++)
		if (np->attribute[i]->name && strcmp(np->attribute[i]->name, name) == 0)
			return np->attribute[i];
	return NULL;
}

/* The attribute's type, from `type` or (old models) from the fields set. */
static int attr_type(const AttributeProto *a)
{
	if (a->has_type && a->type)
		return a->type;
	if (a->n_floats) return 6;
	if (a->n_ints) return 7;
	if (a->n_strings) return 8;
	if (a->n_tensors) return 9;
	if (a->t) return 4;
	if (a->g) return 5;
	if (a->has_s) return 3;
	if (a->has_f) return 1;
	if (a->has_i) return 2;
	return 0;
}

static int wrong_kind(const sc_node *n, const char *name, const char *want)
{
	return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "attribute '%s' must be %s", name, want);
}

static bool attr_has(const void *np, const char *name)
{
	return find_attr(np, name) != NULL;
}

static int attr_int(const void *np, const sc_node *n, const char *name, int64_t *out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != 2)
		return wrong_kind(n, name, "an INT");
	*out = a->i;
	return 1;
}

static int attr_float(const void *np, const sc_node *n, const char *name, double *out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != 1)
		return wrong_kind(n, name, "a FLOAT");
	*out = a->f;
	return 1;
}

static int attr_string(const void *np, const sc_node *n, sc_pool *pool, const char *name, const char **out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != 3)
		return wrong_kind(n, name, "a STRING");
	char *s = mlmd__sc_strdup(pool, (const char *)a->s.data, a->s.len);
	if (!s)
		return MLMD_OOM();
	*out = s;
	return 1;
}

/* Copies a list attribute of `want_type` (6 FLOATS, 7 INTS) into the pool. */
static int attr_list(const void *np, const sc_node *n, sc_pool *pool, const char *name, int want_type, size_t *count,
	const void **out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != want_type)
		return wrong_kind(n, name, want_type == 6 ? "FLOATS" : "INTS");
	size_t k = want_type == 6 ? a->n_floats : a->n_ints, sz = want_type == 6 ? sizeof(float) : sizeof(int64_t);
	void *v = mlmd__sc_alloc_array(pool, k, sz);
	if (!v)
		return MLMD_OOM();
	if (k)
		sc_memcpy(v, want_type == 6 ? (const void *)a->floats : (const void *)a->ints, k * sz);
	*count = k;
	*out = v;
	return 1;
}

static int attr_floats(const void *np, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
	const float **out)
{
	const void *v;
	int rc = attr_list(np, n, pool, name, 6, count, &v);
	if (rc > 0)
		*out = v;
	return rc;
}

static int attr_ints(const void *np, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
	const int64_t **out)
{
	const void *v;
	int rc = attr_list(np, n, pool, name, 7, count, &v);
	if (rc > 0)
		*out = v;
	return rc;
}

static int attr_strings(const void *np, const sc_node *n, sc_pool *pool, const char *name, size_t *count,
	const char *const **out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != 8)
		return wrong_kind(n, name, "STRINGS");
	const char **v = mlmd__sc_alloc_array(pool, a->n_strings, sizeof *v);
	if (!v)
		return MLMD_OOM();
	for (size_t i = 0; i < a->n_strings; i++)
		if (!(v[i] = mlmd__sc_strdup(pool, (const char *)a->strings[i].data, a->strings[i].len)))
			return MLMD_OOM();
	*count = a->n_strings;
	*out = v;
	return 1;
}

static int attr_tensor(const void *np, const sc_node *n, sc_pool *pool, const char *name, tensor *out)
{
	const AttributeProto *a = find_attr(np, name);
	if (!a)
		return 0;
	if (attr_type(a) != 4 || !a->t)
		return wrong_kind(n, name, "a TENSOR");
	char what[160];
	snprintf(what, sizeof what, "node '%s' attribute '%s'", n->name, name);
	int rc = tensor_from_proto(pool, a->t, out, what);
	return rc ? rc : 1;
}

static const sc_attr_source onnx_attrs = {
	.has = attr_has,
	.get_int = attr_int,
	.get_float = attr_float,
	.get_string = attr_string,
	.get_floats = attr_floats,
	.get_ints = attr_ints,
	.get_strings = attr_strings,
	.get_tensor = attr_tensor,
};

/* ---- names ---------------------------------------------------------------------------- */

/* Open-addressing map from value names to indexes, for the load only. */
typedef struct {
	const char **keys;
	int *vals;
	size_t cap;
} name_map;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int map_init(name_map *mp, size_t n)
{
	mp->cap = 16;
	while (mp->cap < n * 2 + 16)
		mp->cap *= 2;
	mp->keys = calloc(mp->cap, sizeof *mp->keys);
	mp->vals = calloc(mp->cap, sizeof *mp->vals);
	return mp->keys && mp->vals ? 0 : MLMD_OOM();
}

static int *map_slot(name_map *mp, const char *key, bool *isnew)
{
	size_t i = hash_str(key) & (mp->cap - 1);
	while (mp->keys[i]) {
		if (strcmp(mp->keys[i], key) == 0) {
			*isnew = false;
			return &mp->vals[i];
		}
		i = (i + 1) & (mp->cap - 1);
	}
	mp->keys[i] = key;
	*isnew = true;
	return &mp->vals[i];
}

static int map_get(const name_map *mp, const char *key)
{
	size_t i = hash_str(key) & (mp->cap - 1);
	while (mp->keys[i]) {
		if (strcmp(mp->keys[i], key) == 0)
			return mp->vals[i];
		i = (i + 1) & (mp->cap - 1);
	}
	return -1;
}

/* ---- signature ---------------------------------------------------------------------------- */

static int value_info(mlmd_model *m, const ValueInfoProto *vi, mlmd_value_info *out, const char *what)
{
	sc_pool *pool = &m->pool;
	out->name = mlmd__sc_strdup(pool, vi->name, strlen(vi->name));
	out->dtype = MLMD_DTYPE_UNDEFINED;
	out->rank = -1;
	const TypeProto *tp = vi->type;
	if (!out->name)
		return MLMD_OOM();
	if (!tp || tp->value_case != MLMD__ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return 0; /* sequences and maps: only as ZipMap outputs, fixed up by the caller */
	const Mlmd__Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	if (tt->has_elem_type && tt->elem_type) {
		if (!mlmd__sc_dtype_supported(tt->elem_type))
			return mlmd__fail(MLMD_UNIMPLEMENTED, "%s '%s': element type %s is not supported (supported: "
				"FLOAT, DOUBLE, BOOL, STRING and the 8- to 64-bit integers)", what, vi->name, mlmd__sc_dtype_name(tt->elem_type));
		out->dtype = tt->elem_type;
	}
	if (tt->shape) {
		if (tt->shape->n_dim > MLMD_TENSOR_MAX_RANK)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "%s '%s': rank %zu exceeds %d", what, vi->name,
				tt->shape->n_dim, MLMD_TENSOR_MAX_RANK);
		int r = (int)tt->shape->n_dim;
		int64_t *dims = mlmd__sc_alloc_array(pool, (size_t)r + 1, sizeof *dims);
		const char **names = mlmd__sc_alloc_array(pool, (size_t)r + 1, sizeof *names);
		if (!dims || !names)
			return MLMD_OOM();
		for (int d = 0; d < r; d++) {
			const Mlmd__Onnx__TensorShapeProto__Dimension *dm = tt->shape->dim[d];
			dims[d] = -1;
			if (dm->value_case == MLMD__ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
				if (dm->dim_value < 0)
					return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%s': dimension %d is negative", what,
						vi->name, d);
				dims[d] = dm->dim_value;
			} else if (dm->value_case == MLMD__ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM) {
				names[d] = mlmd__sc_strdup(pool, dm->dim_param, strlen(dm->dim_param));
			}
		}
		out->rank = r;
		out->dims = dims;
		out->dim_names = names;
	}
	return 0;
}

/* ---- the loader ----------------------------------------------------------------------------- */

typedef struct {
	mlmd_model *m;
	const GraphProto *g;
	name_map names;
	int core_opset, ml_opset;
	int *producer;       /* value -> producing node index in g, or -1 */
} loader;

static int opset_for(loader *ld, const char *domain, int *out)
{
	if (!domain || !domain[0] || strcmp(domain, "ai.onnx") == 0)
		*out = ld->core_opset;
	else if (strcmp(domain, "ai.onnx.ml") == 0)
		*out = ld->ml_opset;
	else
		return -1;
	return *out > 0 ? 0 : -1;
}

static int load_opsets(loader *ld, const ModelProto *mp)
{
	mlmd_model *m = ld->m;
	m->n_opsets = mp->n_opset_import;
	m->opset_domains = mlmd__sc_alloc_array(&m->pool, mp->n_opset_import + 1, sizeof(char *));
	m->opset_versions = mlmd__sc_alloc_array(&m->pool, mp->n_opset_import + 1, sizeof(int64_t));
	if (!m->opset_domains || !m->opset_versions)
		return MLMD_OOM();
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Mlmd__Onnx__OperatorSetIdProto *o = mp->opset_import[i];
		const char *d = o->domain ? o->domain : "";
		m->opset_domains[i] = mlmd__sc_strdup(&m->pool, d, strlen(d));
		m->opset_versions[i] = o->version;
		if (!d[0] || strcmp(d, "ai.onnx") == 0) {
			if (o->version < 1 || o->version > 21)
				return mlmd__fail(MLMD_UNIMPLEMENTED, "ai.onnx opset %lld is not supported (1..21 are)",
					(long long)o->version);
			ld->core_opset = (int)o->version;
		} else if (strcmp(d, "ai.onnx.ml") == 0) {
			if (o->version < 1 || o->version > 5)
				return mlmd__fail(MLMD_UNIMPLEMENTED, "ai.onnx.ml opset %lld is not supported (1..5 are)",
					(long long)o->version);
			ld->ml_opset = (int)o->version;
		}
		/* Other domains are refused only if a node uses them. */
	}
	if (mp->n_opset_import == 0) /* IR < 3 had no opset imports; treat as opset 1 */
		ld->core_opset = 1;
	return 0;
}

static int add_named(loader *ld, const char *name, int *idx, const char *what)
{
	bool isnew;
	int *slot = map_slot(&ld->names, name, &isnew);
	if (!isnew)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%s' is defined twice", what, name);
	int v = mlmd__sc_add_value(ld->m, name);
	if (v < 0)
		return v;
	*slot = v;
	*idx = v;
	return 0;
}

/* Puts the graph's nodes in dependency order (Kahn), resolving each input
 * name; an undefined name or a cycle is an error. */
static int order_nodes(loader *ld, int **order_out)
{
	const GraphProto *g = ld->g;
	size_t nn = g->n_node;
	int *indeg = calloc(nn + 1, sizeof *indeg), *order = calloc(nn + 1, sizeof *order);
	int *adj_start = calloc(nn + 2, sizeof *adj_start);
	size_t n_edges = 0;
	for (size_t i = 0; i < nn; i++)
		n_edges += g->node[i]->n_input;
	int *adj = calloc(n_edges + 1, sizeof *adj);
	int rc = 0;
	if (!indeg || !order || !adj_start || !adj) {
		rc = MLMD_OOM();
		goto out;
	}
	/* count consumers per producing node */
	for (size_t i = 0; i < nn; i++)
		for (size_t k = 0; k < g->node[i]->n_input; k++) {
			const char *in = g->node[i]->input[k];
			if (!in[0])
				continue;
			int v = map_get(&ld->names, in);
			if (v < 0) {
				const char *nm = g->node[i]->name && g->node[i]->name[0] ? g->node[i]->name : g->node[i]->op_type;
				rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "node '%s': input '%s' is not a graph input, an "
					"initializer or any node's output", nm ? nm : "?", in);
				goto out;
			}
			int p = ld->producer[v];
			if (p >= 0) {
				adj_start[p + 1]++;
				indeg[i]++;
			}
		}
	for (size_t i = 0; i < nn; i++)
		adj_start[i + 1] += adj_start[i];
	int *fill = calloc(nn + 1, sizeof *fill);
	if (!fill) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < nn; i++)
		for (size_t k = 0; k < g->node[i]->n_input; k++) {
			const char *in = g->node[i]->input[k];
			if (!in[0])
				continue;
			int p = ld->producer[map_get(&ld->names, in)];
			if (p >= 0)
				adj[adj_start[p] + fill[p]++] = (int)i;
		}
	free(fill);
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < nn; i++)
		if (indeg[i] == 0)
			order[tail++] = (int)i;
	while (head < tail) {
		int u = order[head++];
		for (int e = adj_start[u]; e < adj_start[u + 1]; e++)
			if (--indeg[adj[e]] == 0)
				order[tail++] = adj[e];
	}
	if (tail != nn) {
		for (size_t i = 0; i < nn; i++)
			if (indeg[i] > 0) {
				const char *nm = g->node[i]->name && g->node[i]->name[0] ? g->node[i]->name : g->node[i]->op_type;
				rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "the graph has a cycle (through node '%s')", nm ? nm : "?");
				break;
			}
		goto out;
	}
	*order_out = order;
	order = NULL;
out:
	free(indeg);
	free(order);
	free(adj_start);
	free(adj);
	return rc;
}

static int build_node(loader *ld, const NodeProto *np, int index, sc_node *n)
{
	mlmd_model *m = ld->m;
	const char *dom = np->domain ? np->domain : "";
	const char *opname = np->op_type ? np->op_type : "";
	char nbuf[64];
	const char *nm = np->name && np->name[0] ? np->name : NULL;
	if (!nm) {
		snprintf(nbuf, sizeof nbuf, "%s#%d", opname, index);
		nm = nbuf;
	}
	n->name = mlmd__sc_strdup(&m->pool, nm, strlen(nm));
	if (!n->name)
		return MLMD_OOM();
	if (opset_for(ld, dom, &n->opset))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "node '%s' (%s::%s): domain '%s' is %s", n->name, dom, opname,
			dom, (!dom[0] || !strcmp(dom, "ai.onnx") || !strcmp(dom, "ai.onnx.ml")) ?
			"not imported by the model (no opset_import)" : "not supported (supported: ai.onnx, ai.onnx.ml)");
	n->op = mlmd__sc_find_op(strcmp(dom, "ai.onnx") == 0 ? "" : dom, opname);
	if (!n->op)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "node '%s' (%s::%s, opset %d): operator not supported", n->name,
			dom[0] ? dom : "ai.onnx", opname, n->opset);
	int nin = (int)np->n_input, nout = (int)np->n_output;
	while (nout > 0 && !np->output[nout - 1][0])
		nout--;
	if (nin < n->op->min_in || nin > n->op->max_in)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has %d input(s), expected %d..%d", nin, n->op->min_in,
			n->op->max_in);
	if (nout < n->op->min_out || nout > n->op->max_out)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "has %d output(s), expected %d..%d", nout, n->op->min_out,
			n->op->max_out);
	n->nin = nin;
	n->nout = nout;
	n->in = mlmd__sc_alloc_array(&m->pool, (size_t)nin + 1, sizeof(int));
	n->out = mlmd__sc_alloc_array(&m->pool, (size_t)nout + 1, sizeof(int));
	if (!n->in || !n->out)
		return MLMD_OOM();
	for (int i = 0; i < nin; i++) {
		/* an empty name omits an optional input; required and variadic inputs cannot be omitted */
		if (!np->input[i][0] && (i < n->op->min_in || n->op->max_in == SC_VARIADIC))
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "input %d is required but has no name", i);
		n->in[i] = np->input[i][0] ? map_get(&ld->names, np->input[i]) : -1;
	}
	for (int i = 0; i < nout; i++) {
		if (!np->output[i][0])
			return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "omitted optional output %d is not supported", i);
		n->out[i] = map_get(&ld->names, np->output[i]);
	}
	/* types known at load: check input 0 against the op, then type output 0 */
	int dt0 = nin > 0 && n->in[0] >= 0 ? m->values[n->in[0]].dtype : 0;
	int dt1 = nin > 1 && n->in[1] >= 0 ? m->values[n->in[1]].dtype : 0;
	if (dt0 > 0 && dt0 < 32 && n->op->types && !(n->op->types & SC_T(dt0)))
		return mlmd__sc_fail(n, MLMD_UNIMPLEMENTED, "input '%s' has element type %s, which this operator does not "
			"take", np->input[0], mlmd__sc_dtype_name(dt0));
	if (n->op->same_types && dt0 && dt1 && dt0 != dt1)
		return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "inputs '%s' and '%s' have different element types (%s, %s)",
			np->input[0], np->input[1], mlmd__sc_dtype_name(dt0), mlmd__sc_dtype_name(dt1));
	sc_load L = { .m = m, .pool = &m->pool, .src = &onnx_attrs, .attrs = np };
	int rc = n->op->prepare ? n->op->prepare(n, &L) : 0;
	if (rc || nout == 0)
		return rc;
	int *odt = &m->values[n->out[0]].dtype;
	if (n->op->out == SC_OUT_SAME)
		*odt = dt0;
	else if (n->op->out == SC_OUT_IN1)
		*odt = dt1;
	else if (n->op->out > 0)
		*odt = n->op->out;
	return 0;
}

static int load_graph(loader *ld)
{
	mlmd_model *m = ld->m;
	const GraphProto *g = ld->g;
	int rc = 0;
	if (g->n_node > MAX_NODES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the graph has %zu nodes (limit %d)", g->n_node, MAX_NODES);
	size_t nvals = g->n_initializer + g->n_input;
	for (size_t i = 0; i < g->n_node; i++)
		nvals += g->node[i]->n_output;
	if ((rc = map_init(&ld->names, nvals)))
		return rc;
	int *producer = calloc(nvals + 1, sizeof *producer);
	if (!producer)
		return MLMD_OOM();
	ld->producer = producer;
	for (size_t i = 0; i < g->n_initializer; i++) {
		const TensorProto *tp = g->initializer[i];
		if (!tp->name || !tp->name[0])
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "initializer %zu has no name", i);
		int v;
		char what[160];
		snprintf(what, sizeof what, "initializer '%s'", tp->name);
		if ((rc = add_named(ld, mlmd__sc_strdup(&m->pool, tp->name, strlen(tp->name)), &v, "initializer")))
			return rc;
		producer[v] = -1;
		m->values[v].is_const = true;
		if ((rc = tensor_from_proto(&m->pool, tp, &m->values[v].t, what)))
			return rc;
		m->values[v].dtype = m->values[v].t.dtype;
	}
	/* Graph inputs that are not initializers are the model's inputs. */
	m->inputs = mlmd__sc_alloc_array(&m->pool, g->n_input + 1, sizeof *m->inputs);
	m->input_vals = mlmd__sc_alloc_array(&m->pool, g->n_input + 1, sizeof(int));
	if (!m->inputs || !m->input_vals)
		return MLMD_OOM();
	for (size_t i = 0; i < g->n_input; i++) {
		const ValueInfoProto *vi = g->input[i];
		if (!vi->name || !vi->name[0])
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "graph input %zu has no name", i);
		if (map_get(&ld->names, vi->name) >= 0)
			continue; /* IR < 4 lists initializers among the inputs */
		int v;
		if ((rc = add_named(ld, mlmd__sc_strdup(&m->pool, vi->name, strlen(vi->name)), &v, "graph input")))
			return rc;
		producer[v] = -1;
		if ((rc = value_info(m, vi, &m->inputs[m->n_inputs], "input")))
			return rc;
		if (m->inputs[m->n_inputs].dtype == MLMD_DTYPE_UNDEFINED)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "input '%s' is not a tensor (sequence and map inputs "
				"are not supported)", vi->name);
		m->values[v].dtype = m->inputs[m->n_inputs].dtype;
		m->input_vals[m->n_inputs++] = v;
	}
	for (size_t i = 0; i < g->n_node; i++) {
		const NodeProto *np = g->node[i];
		for (size_t k = 0; k < np->n_output; k++) {
			if (!np->output[k][0])
				continue;
			int v;
			if ((rc = add_named(ld, mlmd__sc_strdup(&m->pool, np->output[k], strlen(np->output[k])), &v, "value")))
				return rc;
			producer[v] = (int)i;
		}
	}
	int *order = NULL;
	if ((rc = order_nodes(ld, &order)))
		return rc;
	m->nodes = mlmd__sc_alloc_array(&m->pool, g->n_node + 1, sizeof *m->nodes);
	if (!m->nodes) {
		free(order);
		return MLMD_OOM();
	}
	for (size_t k = 0; k < g->n_node && rc == 0; k++) {
		rc = build_node(ld, g->node[order[k]], order[k], &m->nodes[k]);
		m->n_nodes = (int)k + 1;
	}
	free(order);
	if (rc)
		return rc;
	if (g->n_output == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the graph has no outputs");
	m->outputs = mlmd__sc_alloc_array(&m->pool, g->n_output, sizeof *m->outputs);
	m->output_vals = mlmd__sc_alloc_array(&m->pool, g->n_output, sizeof(int));
	if (!m->outputs || !m->output_vals)
		return MLMD_OOM();
	for (size_t i = 0; i < g->n_output; i++) {
		const ValueInfoProto *vi = g->output[i];
		int v = vi->name ? map_get(&ld->names, vi->name) : -1;
		if (v < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "graph output '%s' is not produced by any node, input "
				"or initializer", vi->name ? vi->name : "");
		mlmd_value_info *o = &m->outputs[i];
		if ((rc = value_info(m, vi, o, "output")))
			return rc;
		if (o->dtype == MLMD_DTYPE_UNDEFINED && !m->values[v].is_zipmap)
			o->dtype = m->values[v].dtype; /* not declared: what the graph computes, if known */
		if (m->values[v].is_zipmap) {
			int64_t *dims = mlmd__sc_alloc_array(&m->pool, 2, sizeof *dims);
			if (!dims)
				return MLMD_OOM();
			dims[0] = -1;
			dims[1] = (int64_t)m->values[v].n_labels;
			o->dtype = MLMD_DTYPE_FLOAT;
			o->rank = 2;
			o->dims = dims;
			o->dim_names = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		} else if (o->dtype == MLMD_DTYPE_UNDEFINED && vi->type &&
			vi->type->value_case != MLMD__ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
			return mlmd__fail(MLMD_UNIMPLEMENTED, "output '%s' is a sequence or map; only tensors (and "
				"ZipMap outputs) are supported", vi->name);
		}
		m->output_vals[i] = v;
	}
	m->n_outputs = g->n_output;
	return 0;
}

/* ---- the decoder's memory budget ------------------------------------------------------------- */

/* protobuf-c allocates a struct for every (even empty) submessage and an
 * array for every repeated field, so a hostile file decodes into up to about
 * 125 bytes per byte of wire (a run of empty messages); real models take 5x
 * to 28x (a one-node graph of 66 bytes the most, a 20,000-node chain 17x).
 * The decoder therefore gets a budget of ONNX_DECODE_FACTOR bytes per byte
 * of file plus ONNX_DECODE_SLACK, and a file that needs more is refused while
 * decoding, so memory for any refused file stays within that bound. */
#define ONNX_DECODE_FACTOR 32
#define ONNX_DECODE_SLACK ((size_t)32 << 10)

typedef struct {
	size_t used, limit;
	bool over;
} decode_budget;

typedef union {
	size_t size;
	max_align_t align; /* keeps the block after the header aligned */
} block_header;

static void *budget_alloc(void *data, size_t n)
{
	decode_budget *b = data;
	size_t need = n + sizeof(block_header);
	if (need < n || need > b->limit - b->used) {
		b->over = true;
		return NULL;
	}
	block_header *h = malloc(need);
	if (!h)
		return NULL;
	h->size = need;
	b->used += need;
	return h + 1;
}

static void budget_free(void *data, void *p)
{
	if (!p)
		return;
	decode_budget *b = data;
	block_header *h = (block_header *)p - 1;
	b->used -= h->size;
	free(h);
}

int mlmd__sc_load_onnx(mlmd_model *m, const void *data, size_t len)
{
	int w = walk(data, (const uint8_t *)data + len, W_MODEL, 0);
	if (w == -2)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "ONNX model nests messages deeper than %d levels", MAX_NESTING);
	if (w == -1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "not a valid ONNX model: malformed protobuf (truncated or "
			"not protobuf; supported formats: ONNX, XGBoost JSON, PMML)");
	decode_budget budget = { .limit = ONNX_DECODE_SLACK };
	budget.limit += len > (SIZE_MAX - budget.limit) / ONNX_DECODE_FACTOR ? SIZE_MAX - budget.limit :
		len * ONNX_DECODE_FACTOR;
	ProtobufCAllocator alloc = { budget_alloc, budget_free, &budget };
	ModelProto *mp = mlmd__onnx__model_proto__unpack(&alloc, len, data);
	if (!mp && budget.over)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "not a valid ONNX model: decoding its %zu bytes needs more "
			"than %zu bytes of memory (the limit is %d bytes per byte of file plus %zu KiB; real models "
			"need far less)", len, budget.limit, ONNX_DECODE_FACTOR, ONNX_DECODE_SLACK >> 10);
	if (!mp)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "not a valid ONNX model: the protobuf does not decode as "
			"a ModelProto");
	int rc = 0;
	loader ld = { .m = m };
	if (!mp->graph) {
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "not a valid ONNX model: no graph");
		goto out;
	}
	if (!mp->has_ir_version || mp->ir_version < 3) {
		rc = mlmd__fail(MLMD_UNIMPLEMENTED, "ONNX IR version %lld is not supported (3 and later are)",
			(long long)(mp->has_ir_version ? mp->ir_version : 0));
		goto out;
	}
	m->format = "onnx";
	m->ir_version = mp->ir_version;
	m->producer = mlmd__sc_strdup(&m->pool, mp->producer_name ? mp->producer_name : "",
		mp->producer_name ? strlen(mp->producer_name) : 0);
	m->producer_version = mlmd__sc_strdup(&m->pool, mp->producer_version ? mp->producer_version : "",
		mp->producer_version ? strlen(mp->producer_version) : 0);
	m->n_meta = mp->n_metadata_props;
	m->meta_keys = mlmd__sc_alloc_array(&m->pool, m->n_meta + 1, sizeof(char *));
	m->meta_values = mlmd__sc_alloc_array(&m->pool, m->n_meta + 1, sizeof(char *));
	if (!m->producer || !m->producer_version || !m->meta_keys || !m->meta_values) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < m->n_meta; i++) {
		const char *k = mp->metadata_props[i]->key ? mp->metadata_props[i]->key : "";
		const char *v = mp->metadata_props[i]->value ? mp->metadata_props[i]->value : "";
		m->meta_keys[i] = mlmd__sc_strdup(&m->pool, k, strlen(k));
		m->meta_values[i] = mlmd__sc_strdup(&m->pool, v, strlen(v));
	}
	if ((rc = load_opsets(&ld, mp)))
		goto out;
	ld.g = mp->graph;
	rc = load_graph(&ld);
out:
	free(ld.names.keys);
	free(ld.names.vals);
	free(ld.producer);
	mlmd__onnx__model_proto__free_unpacked(mp, &alloc);
	return rc;
}

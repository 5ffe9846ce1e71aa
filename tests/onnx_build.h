/*
 * tests/onnx_build.h - builds ONNX models in C for the scorer tests, with
 * the protobuf-c code generated from proto/onnx_min.proto. Everything a
 * builder allocates is tracked and freed by ob_free().
 *
 *   ob b = {0};
 *   ob_node(&b, "Add", "", "add", "X,Y", "Z", NULL);
 *   ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){-1, 3});
 *   ...
 *   size_t len; uint8_t *bytes = ob_pack(&b, &len);   (owned by b)
 *   ob_free(&b);
 */
#ifndef MLMD_TESTS_ONNX_BUILD_H
#define MLMD_TESTS_ONNX_BUILD_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "onnx_min.pb-c.h"

typedef Mlmd__Onnx__AttributeProto ob_attr;
typedef Mlmd__Onnx__TensorProto ob_tensor;

typedef struct {
	void **owned;
	size_t n_owned, cap_owned;
	Mlmd__Onnx__NodeProto *nodes[64];
	size_t n_nodes;
	Mlmd__Onnx__TensorProto *inits[64];
	size_t n_inits;
	Mlmd__Onnx__ValueInfoProto *inputs[128], *outputs[16];
	size_t n_inputs, n_outputs;
	Mlmd__Onnx__OperatorSetIdProto *opsets[4];
	size_t n_opsets;
	Mlmd__Onnx__StringStringEntryProto *meta[8];
	size_t n_meta;
	int64_t ir_version;
	const char *producer;
} ob;

static inline void *ob_own(ob *b, void *p)
{
	if (b->n_owned == b->cap_owned) {
		b->cap_owned = b->cap_owned ? b->cap_owned * 2 : 64;
		b->owned = realloc(b->owned, b->cap_owned * sizeof *b->owned);
	}
	b->owned[b->n_owned++] = p;
	return p;
}

static inline void *ob_alloc(ob *b, size_t n)
{
	return ob_own(b, calloc(1, n ? n : 1));
}

static inline char *ob_str(ob *b, const char *s)
{
	return ob_own(b, strdup(s));
}

static inline void ob_free(ob *b)
{
	for (size_t i = 0; i < b->n_owned; i++)
		free(b->owned[i]);
	free(b->owned);
	memset(b, 0, sizeof *b);
}

static inline void ob_opset(ob *b, const char *domain, int64_t version)
{
	Mlmd__Onnx__OperatorSetIdProto *o = ob_alloc(b, sizeof *o);
	mlmd__onnx__operator_set_id_proto__init(o);
	o->domain = ob_str(b, domain);
	o->has_version = 1;
	o->version = version;
	b->opsets[b->n_opsets++] = o;
}

static inline void ob_meta(ob *b, const char *k, const char *v)
{
	Mlmd__Onnx__StringStringEntryProto *e = ob_alloc(b, sizeof *e);
	mlmd__onnx__string_string_entry_proto__init(e);
	e->key = ob_str(b, k);
	e->value = ob_str(b, v);
	b->meta[b->n_meta++] = e;
}

/* A tensor of `n` elements; data is copied. Pass n != product(dims) to make a broken one. */
static inline ob_tensor *ob_tensor_new(ob *b, const char *name, int dtype, int rank, const int64_t *dims, const void *data,
	size_t n)
{
	ob_tensor *t = ob_alloc(b, sizeof *t);
	mlmd__onnx__tensor_proto__init(t);
	if (name)
		t->name = ob_str(b, name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)rank;
	t->dims = ob_alloc(b, sizeof(int64_t) * (size_t)(rank + 1));
	for (int i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	size_t es = dtype == 1 || dtype == 6 ? 4 : dtype == 9 || dtype == 2 ? 1 : 8;
	if (dtype == 8) {
		t->n_string_data = n;
		t->string_data = ob_alloc(b, sizeof(ProtobufCBinaryData) * (n + 1));
		for (size_t i = 0; i < n; i++) {
			const char *s = ((const char *const *)data)[i];
			t->string_data[i].data = (uint8_t *)ob_str(b, s);
			t->string_data[i].len = strlen(s);
		}
	} else {
		t->has_raw_data = 1;
		t->raw_data.len = n * es;
		t->raw_data.data = ob_alloc(b, n * es);
		if (n)
			memcpy(t->raw_data.data, data, n * es);
	}
	return t;
}

static inline void ob_init(ob *b, ob_tensor *t)
{
	b->inits[b->n_inits++] = t;
}

static inline Mlmd__Onnx__ValueInfoProto *ob_vinfo(ob *b, const char *name, int elem, int rank, const int64_t *dims)
{
	Mlmd__Onnx__ValueInfoProto *v = ob_alloc(b, sizeof *v);
	mlmd__onnx__value_info_proto__init(v);
	v->name = ob_str(b, name);
	Mlmd__Onnx__TypeProto *tp = ob_alloc(b, sizeof *tp);
	mlmd__onnx__type_proto__init(tp);
	Mlmd__Onnx__TypeProto__Tensor *tt = ob_alloc(b, sizeof *tt);
	mlmd__onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = elem;
	if (rank >= 0) {
		Mlmd__Onnx__TensorShapeProto *sh = ob_alloc(b, sizeof *sh);
		mlmd__onnx__tensor_shape_proto__init(sh);
		sh->n_dim = (size_t)rank;
		sh->dim = ob_alloc(b, sizeof(void *) * (size_t)(rank + 1));
		for (int i = 0; i < rank; i++) {
			Mlmd__Onnx__TensorShapeProto__Dimension *d = ob_alloc(b, sizeof *d);
			mlmd__onnx__tensor_shape_proto__dimension__init(d);
			if (dims[i] >= 0) {
				d->value_case = MLMD__ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				d->dim_value = dims[i];
			} else {
				d->value_case = MLMD__ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				d->dim_param = ob_str(b, "N");
			}
			sh->dim[i] = d;
		}
		tt->shape = sh;
	}
	tp->value_case = MLMD__ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	v->type = tp;
	return v;
}

static inline void ob_input(ob *b, const char *name, int elem, int rank, const int64_t *dims)
{
	b->inputs[b->n_inputs++] = ob_vinfo(b, name, elem, rank, dims);
}

static inline void ob_output(ob *b, const char *name, int elem, int rank, const int64_t *dims)
{
	b->outputs[b->n_outputs++] = ob_vinfo(b, name, elem, rank, dims);
}

/* Attributes (type set, as current exporters do). */
static inline ob_attr *ob_a(ob *b, const char *name, int type)
{
	ob_attr *a = ob_alloc(b, sizeof *a);
	mlmd__onnx__attribute_proto__init(a);
	a->name = ob_str(b, name);
	a->has_type = 1;
	a->type = type;
	return a;
}

static inline ob_attr *ob_int(ob *b, const char *name, int64_t v)
{
	ob_attr *a = ob_a(b, name, 2);
	a->has_i = 1;
	a->i = v;
	return a;
}

static inline ob_attr *ob_float(ob *b, const char *name, float v)
{
	ob_attr *a = ob_a(b, name, 1);
	a->has_f = 1;
	a->f = v;
	return a;
}

static inline ob_attr *ob_string(ob *b, const char *name, const char *v)
{
	ob_attr *a = ob_a(b, name, 3);
	a->has_s = 1;
	a->s.data = (uint8_t *)ob_str(b, v);
	a->s.len = strlen(v);
	return a;
}

static inline ob_attr *ob_ints(ob *b, const char *name, const int64_t *v, size_t n)
{
	ob_attr *a = ob_a(b, name, 7);
	a->n_ints = n;
	a->ints = ob_alloc(b, sizeof(int64_t) * (n + 1));
	memcpy(a->ints, v, sizeof(int64_t) * n);
	return a;
}

static inline ob_attr *ob_floats(ob *b, const char *name, const float *v, size_t n)
{
	ob_attr *a = ob_a(b, name, 6);
	a->n_floats = n;
	a->floats = ob_alloc(b, sizeof(float) * (n + 1));
	memcpy(a->floats, v, sizeof(float) * n);
	return a;
}

static inline ob_attr *ob_strings(ob *b, const char *name, const char *const *v, size_t n)
{
	ob_attr *a = ob_a(b, name, 8);
	a->n_strings = n;
	a->strings = ob_alloc(b, sizeof(ProtobufCBinaryData) * (n + 1));
	for (size_t i = 0; i < n; i++) {
		a->strings[i].data = (uint8_t *)ob_str(b, v[i]);
		a->strings[i].len = strlen(v[i]);
	}
	return a;
}

static inline ob_attr *ob_tensor_attr(ob *b, const char *name, ob_tensor *t)
{
	ob_attr *a = ob_a(b, name, 4);
	a->t = t;
	return a;
}

/* A node; inputs/outputs are comma-separated names ("" keeps an empty slot);
 * attributes follow, NULL-terminated. */
static inline Mlmd__Onnx__NodeProto *ob_node(ob *b, const char *op, const char *domain, const char *name, const char *ins,
	const char *outs, ...)
{
	Mlmd__Onnx__NodeProto *n = ob_alloc(b, sizeof *n);
	mlmd__onnx__node_proto__init(n);
	n->op_type = ob_str(b, op);
	n->domain = ob_str(b, domain);
	if (name)
		n->name = ob_str(b, name);
	const char *lists[2] = { ins, outs };
	for (int k = 0; k < 2; k++) {
		size_t n_names = 1;
		for (const char *c = lists[k]; *c; c++)
			n_names += *c == ',';
		char **arr = ob_alloc(b, sizeof(char *) * n_names);
		size_t cnt = 0;
		if (lists[k][0]) {
			char *copy = ob_str(b, lists[k]), *p = copy;
			for (;;) {
				char *c = strchr(p, ',');
				if (c)
					*c = '\0';
				arr[cnt++] = p;
				if (!c)
					break;
				p = c + 1;
			}
		}
		if (k == 0) {
			n->input = arr;
			n->n_input = cnt;
		} else {
			n->output = arr;
			n->n_output = cnt;
		}
	}
	n->attribute = ob_alloc(b, sizeof(ob_attr *) * 64);
	va_list ap;
	va_start(ap, outs);
	for (ob_attr *a; (a = va_arg(ap, ob_attr *));)
		n->attribute[n->n_attribute++] = a;
	va_end(ap);
	b->nodes[b->n_nodes++] = n;
	return n;
}

/* A 131 KB model whose one Add broadcasts X [1, 32768] against a constant
 * [32768, 1] into a [32768, 32768] FLOAT output: 4 GiB of scratch for one
 * row, for the tests of scratch limits. */
static inline void ob_broadcast_model(ob *b)
{
	enum { W = 32768 };
	float *ones = calloc(W, sizeof *ones);
	for (int i = 0; i < W; i++)
		ones[i] = 1;
	ob_opset(b, "", 13);
	ob_init(b, ob_tensor_new(b, "C", 1, 2, (int64_t[]){ W, 1 }, ones, W));
	free(ones);
	ob_node(b, "Add", "", "wide_add", "X,C", "Y", NULL);
	ob_input(b, "X", 1, 2, (int64_t[]){ 1, W });
	ob_output(b, "Y", 1, 2, (int64_t[]){ W, W });
}

/* Serializes the model; the bytes belong to the builder. */
static inline uint8_t *ob_pack(ob *b, size_t *len)
{
	Mlmd__Onnx__GraphProto g;
	mlmd__onnx__graph_proto__init(&g);
	g.name = "g";
	g.n_node = b->n_nodes;
	g.node = b->nodes;
	g.n_initializer = b->n_inits;
	g.initializer = b->inits;
	g.n_input = b->n_inputs;
	g.input = b->inputs;
	g.n_output = b->n_outputs;
	g.output = b->outputs;
	Mlmd__Onnx__ModelProto m;
	mlmd__onnx__model_proto__init(&m);
	m.has_ir_version = 1;
	m.ir_version = b->ir_version ? b->ir_version : 8;
	m.producer_name = (char *)(b->producer ? b->producer : "mlmd-tests");
	m.graph = &g;
	m.n_opset_import = b->n_opsets;
	m.opset_import = b->opsets;
	m.n_metadata_props = b->n_meta;
	m.metadata_props = b->meta;
	*len = mlmd__onnx__model_proto__get_packed_size(&m);
	uint8_t *out = ob_alloc(b, *len);
	mlmd__onnx__model_proto__pack(&m, out);
	return out;
}

#endif

/*
 * util/json_struct.c - google.protobuf.Struct to and from JSON text, through
 * the library's JSON writer and reader (util/json.c).
 *
 * Struct property values are stored as JSON so that they stay readable by any
 * SQL tool. The mapping is the proto3 JSON one: null, number (double), string,
 * bool, object, array. JSON cannot hold NaN or infinities, so those are
 * refused with INVALID_ARGUMENT rather than stored lossily. Numbers are
 * written with 17 significant digits ("%.17g"), as they always were, so a
 * value stored by an earlier release and one stored now are the same text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pbutil.h"
#include "mlmd/json.h"

#define MAX_DEPTH 100

/* ---- writing -------------------------------------------------------------------------- */

static int value_to_json(const Mlmd__Pb__Wkt__Value *v, mlmd_json_writer *w, int depth);

static int struct_to_json(const Mlmd__Pb__Wkt__Struct *s, mlmd_json_writer *w, int depth)
{
	if (depth > MAX_DEPTH)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "struct value nests deeper than %d levels", MAX_DEPTH);
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < s->n_fields; i++) {
		mlmd_json_key(w, s->fields[i]->key ? s->fields[i]->key : "");
		int rc = value_to_json(s->fields[i]->value, w, depth + 1);
		if (rc)
			return rc;
	}
	mlmd_json_object_end(w);
	return 0;
}

static int value_to_json(const Mlmd__Pb__Wkt__Value *v, mlmd_json_writer *w, int depth)
{
	if (depth > MAX_DEPTH)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "struct value nests deeper than %d levels", MAX_DEPTH);
	if (!v) {
		mlmd_json_null(w);
		return 0;
	}
	switch (v->kind_case) {
	case MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE:
		if (!isfinite(v->number_value))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "struct value holds a non-finite number (%g), which JSON cannot store",
					  v->number_value);
		mlmd_json_double(w, v->number_value, 17);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRING_VALUE:
		mlmd_json_string(w, v->string_value ? v->string_value : "");
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE:
		mlmd_json_bool(w, v->bool_value);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE:
		if (!v->struct_value) {
			mlmd_json_object_begin(w);
			mlmd_json_object_end(w);
			return 0;
		}
		return struct_to_json(v->struct_value, w, depth + 1);
	case MLMD__PB__WKT__VALUE__KIND_LIST_VALUE:
		mlmd_json_array_begin(w);
		for (size_t i = 0; v->list_value && i < v->list_value->n_values; i++) {
			int rc = value_to_json(v->list_value->values[i], w, depth + 1);
			if (rc)
				return rc;
		}
		mlmd_json_array_end(w);
		return 0;
	default: /* null, or no kind set */
		mlmd_json_null(w);
		return 0;
	}
}

int mlmd__struct_to_json(const Mlmd__Pb__Wkt__Struct *s, mlmd_buf *out)
{
	mlmd_json_writer *w;
	int rc = mlmd_json_writer_new(&w, NULL);
	if (rc)
		return rc;
	rc = struct_to_json(s, w, 0);
	if (!rc)
		rc = mlmd_json_writer_status(w);
	size_t n;
	const char *text = rc ? NULL : mlmd_json_writer_text(w, &n);
	if (text) {
		mlmd__buf_put(out, text, n);
		if (out->oom)
			rc = MLMD_OOM();
	}
	mlmd_json_writer_free(w);
	return rc;
}

/* ---- reading -------------------------------------------------------------------------- */

/* Stored text that is not what the writer above writes: DATA_LOSS, with
 * the reader's reason (or `what`) in the message. */
static int bad(int rc, const char *what)
{
	if (rc == -MLMD_RESOURCE_EXHAUSTED)
		return rc;
	char why[256];
	snprintf(why, sizeof why, "%s", what ? what : mlmd_error_message());
	return mlmd__fail(MLMD_DATA_LOSS, "stored struct value is not valid JSON: %s", why);
}

static int parse_value(mlmd_json_reader *r, int t, const char *text, size_t len, Mlmd__Pb__Wkt__Value **out);

/* The members of an object whose '{' was just read. */
static int parse_object(mlmd_json_reader *r, Mlmd__Pb__Wkt__Struct **out)
{
	Mlmd__Pb__Wkt__Struct *s = mlmd__msg_new(&mlmd__pb__wkt__struct__descriptor);
	if (!s)
		return MLMD_OOM();
	int rc = 0;
	for (;;) {
		const char *text;
		size_t len;
		int t = mlmd_json_next(r, &text, &len);
		if (t == MLMD_JSON_OBJECT_END)
			break;
		if (t < 0) {
			rc = bad(t, NULL);
			break;
		}
		/* the reader gives a key here, or fails */
		Mlmd__Pb__Wkt__Struct__FieldsEntry *e = mlmd__msg_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
		if (!e || mlmd__push_ptr((void ***)&s->fields, &s->n_fields, e)) {
			free(e);
			rc = MLMD_OOM();
			break;
		}
		if (!(e->key = mlmd__strndup(text, len))) {
			rc = MLMD_OOM();
			break;
		}
		t = mlmd_json_next(r, &text, &len);
		if ((rc = parse_value(r, t, text, len, &e->value)))
			break;
	}
	if (rc) {
		protobuf_c_message_free_unpacked(&s->base, NULL);
		return rc;
	}
	*out = s;
	return 0;
}

/* The value whose first token t (with its text) was just read. */
static int parse_value(mlmd_json_reader *r, int t, const char *text, size_t len, Mlmd__Pb__Wkt__Value **out)
{
	if (t < 0)
		return bad(t, NULL);
	Mlmd__Pb__Wkt__Value *v = mlmd__msg_new(&mlmd__pb__wkt__value__descriptor);
	if (!v)
		return MLMD_OOM();
	int rc = 0;
	switch (t) {
	case MLMD_JSON_OBJECT:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE;
		rc = parse_object(r, &v->struct_value);
		break;
	case MLMD_JSON_ARRAY:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
		v->list_value = mlmd__msg_new(&mlmd__pb__wkt__list_value__descriptor);
		if (!v->list_value) {
			rc = MLMD_OOM();
			break;
		}
		for (;;) {
			const char *it;
			size_t il;
			int ti = mlmd_json_next(r, &it, &il);
			if (ti == MLMD_JSON_ARRAY_END)
				break;
			Mlmd__Pb__Wkt__Value *item = NULL;
			if ((rc = parse_value(r, ti, it, il, &item)))
				break;
			if (mlmd__push_ptr((void ***)&v->list_value->values, &v->list_value->n_values, item)) {
				protobuf_c_message_free_unpacked(&item->base, NULL);
				rc = MLMD_OOM();
				break;
			}
		}
		break;
	case MLMD_JSON_STRING:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
		if (!(v->string_value = mlmd__strndup(text, len)))
			rc = MLMD_OOM();
		break;
	case MLMD_JSON_TRUE:
	case MLMD_JSON_FALSE:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE;
		v->bool_value = t == MLMD_JSON_TRUE;
		break;
	case MLMD_JSON_NULL:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_NULL_VALUE;
		break;
	case MLMD_JSON_NUMBER:
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
		if (mlmd__parse_double(text, len, 0, &v->number_value))
			rc = bad(0, "bad number");
		break;
	default:
		rc = bad(0, "expected a value");
	}
	if (rc) {
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return rc;
	}
	*out = v;
	return 0;
}

int mlmd__json_to_struct(const char *json, size_t len, Mlmd__Pb__Wkt__Struct **out)
{
	*out = NULL;
	mlmd_json_reader *r;
	/* one level more than the writer lets a value nest, so anything it wrote reads back */
	int rc = mlmd_json_reader_new(&r, json, len, MAX_DEPTH + 2);
	if (rc)
		return rc;
	int t = mlmd_json_next(r, NULL, NULL);
	if (t < 0)
		rc = bad(t, NULL);
	else if (t != MLMD_JSON_OBJECT)
		rc = bad(0, "expected an object");
	else
		rc = parse_object(r, out);
	if (!rc && (t = mlmd_json_next(r, NULL, NULL)) != MLMD_JSON_END) {
		rc = bad(t, NULL);
		protobuf_c_message_free_unpacked(&(*out)->base, NULL);
		*out = NULL;
	}
	mlmd_json_reader_free(r);
	return rc;
}

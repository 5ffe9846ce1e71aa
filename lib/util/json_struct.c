/*
 * util/json.c - google.protobuf.Struct to and from JSON text.
 *
 * Struct property values are stored as JSON so that they stay readable by any
 * SQL tool. The mapping is the proto3 JSON one: null, number (double), string,
 * bool, object, array. JSON cannot hold NaN or infinities, so those are
 * refused with INVALID_ARGUMENT rather than stored lossily.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pbutil.h"

#define MAX_DEPTH 100

static int value_to_json(const Mlmd__Pb__Wkt__Value *v, mlmd_buf *out, int depth);

static void put_json_string(mlmd_buf *out, const char *s)
{
	mlmd__buf_put(out, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': mlmd__buf_puts(out, "\\\""); break;
		case '\\': mlmd__buf_puts(out, "\\\\"); break;
		case '\n': mlmd__buf_puts(out, "\\n"); break;
		case '\r': mlmd__buf_puts(out, "\\r"); break;
		case '\t': mlmd__buf_puts(out, "\\t"); break;
		case '\b': mlmd__buf_puts(out, "\\b"); break;
		case '\f': mlmd__buf_puts(out, "\\f"); break;
		default:
			if (*p < 0x20)
				mlmd__buf_printf(out, "\\u%04x", *p);
			else
				mlmd__buf_put(out, p, 1);
		}
	}
	mlmd__buf_put(out, "\"", 1);
}

static int struct_to_json(const Mlmd__Pb__Wkt__Struct *s, mlmd_buf *out, int depth)
{
	if (depth > MAX_DEPTH)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "struct value nests deeper than %d levels", MAX_DEPTH);
	mlmd__buf_put(out, "{", 1);
	for (size_t i = 0; i < s->n_fields; i++) {
		if (i)
			mlmd__buf_put(out, ",", 1);
		put_json_string(out, s->fields[i]->key ? s->fields[i]->key : "");
		mlmd__buf_put(out, ":", 1);
		int rc = value_to_json(s->fields[i]->value, out, depth + 1);
		if (rc)
			return rc;
	}
	mlmd__buf_put(out, "}", 1);
	return 0;
}

static int value_to_json(const Mlmd__Pb__Wkt__Value *v, mlmd_buf *out, int depth)
{
	if (depth > MAX_DEPTH)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "struct value nests deeper than %d levels", MAX_DEPTH);
	if (!v) {
		mlmd__buf_puts(out, "null");
		return 0;
	}
	switch (v->kind_case) {
	case MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE:
		if (!isfinite(v->number_value))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "struct value holds a non-finite number (%g), which JSON cannot store",
					  v->number_value);
		mlmd__buf_printf(out, "%.17g", v->number_value);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRING_VALUE:
		put_json_string(out, v->string_value ? v->string_value : "");
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE:
		mlmd__buf_puts(out, v->bool_value ? "true" : "false");
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE:
		if (!v->struct_value) {
			mlmd__buf_puts(out, "{}");
			return 0;
		}
		return struct_to_json(v->struct_value, out, depth + 1);
	case MLMD__PB__WKT__VALUE__KIND_LIST_VALUE:
		mlmd__buf_put(out, "[", 1);
		for (size_t i = 0; v->list_value && i < v->list_value->n_values; i++) {
			if (i)
				mlmd__buf_put(out, ",", 1);
			int rc = value_to_json(v->list_value->values[i], out, depth + 1);
			if (rc)
				return rc;
		}
		mlmd__buf_put(out, "]", 1);
		return 0;
	default: /* null, or no kind set */
		mlmd__buf_puts(out, "null");
		return 0;
	}
}

int mlmd__struct_to_json(const Mlmd__Pb__Wkt__Struct *s, mlmd_buf *out)
{
	int rc = struct_to_json(s, out, 0);
	if (!rc && out->oom)
		return MLMD_OOM();
	return rc;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct jp {
	const char *p, *end;
} jp;

static void skip_ws(jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
		j->p++;
}

static int bad(const char *what)
{
	return mlmd__fail(MLMD_DATA_LOSS, "stored struct value is not valid JSON: %s", what);
}

static void put_utf8(mlmd_buf *b, unsigned cp)
{
	char u[4];
	if (cp < 0x80) {
		u[0] = (char)cp;
		mlmd__buf_put(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		mlmd__buf_put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		mlmd__buf_put(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		mlmd__buf_put(b, u, 4);
	}
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static int parse_string(jp *j, char **out)
{
	mlmd_buf b = { 0 };
	j->p++; /* opening quote */
	while (j->p < j->end && *j->p != '"') {
		if (*j->p == '\\') {
			if (j->end - j->p < 2)
				goto fail;
			char c = j->p[1];
			j->p += 2;
			switch (c) {
			case '"': mlmd__buf_put(&b, "\"", 1); break;
			case '\\': mlmd__buf_put(&b, "\\", 1); break;
			case '/': mlmd__buf_put(&b, "/", 1); break;
			case 'n': mlmd__buf_put(&b, "\n", 1); break;
			case 'r': mlmd__buf_put(&b, "\r", 1); break;
			case 't': mlmd__buf_put(&b, "\t", 1); break;
			case 'b': mlmd__buf_put(&b, "\b", 1); break;
			case 'f': mlmd__buf_put(&b, "\f", 1); break;
			case 'u': {
				unsigned cp;
				if (j->end - j->p < 4 || hex4(j->p, &cp))
					goto fail;
				j->p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
				    j->p[1] == 'u') {
					unsigned lo;
					if (hex4(j->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						j->p += 6;
					}
				}
				put_utf8(&b, cp);
				break;
			}
			default:
				goto fail;
			}
		} else {
			mlmd__buf_put(&b, j->p, 1);
			j->p++;
		}
	}
	if (j->p >= j->end)
		goto fail;
	j->p++;
	if (b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*out = b.p ? b.p : mlmd__strdup("");
	return *out ? 0 : MLMD_OOM();
fail:
	mlmd__buf_free(&b);
	return bad("bad string");
}

static int parse_value(jp *j, Mlmd__Pb__Wkt__Value **out, int depth);

static int parse_object(jp *j, Mlmd__Pb__Wkt__Struct **out, int depth)
{
	Mlmd__Pb__Wkt__Struct *s = mlmd__msg_new(&mlmd__pb__wkt__struct__descriptor);
	if (!s)
		return MLMD_OOM();
	int rc = 0;
	j->p++; /* { */
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		*out = s;
		return 0;
	}
	for (;;) {
		skip_ws(j);
		if (j->p >= j->end || *j->p != '"') {
			rc = bad("expected a key");
			break;
		}
		Mlmd__Pb__Wkt__Struct__FieldsEntry *e =
			mlmd__msg_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
		if (!e || mlmd__push_ptr((void ***)&s->fields, &s->n_fields, e)) {
			free(e);
			rc = MLMD_OOM();
			break;
		}
		if ((rc = parse_string(j, &e->key)))
			break;
		skip_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			rc = bad("expected ':'");
			break;
		}
		j->p++;
		if ((rc = parse_value(j, &e->value, depth + 1)))
			break;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			*out = s;
			return 0;
		}
		rc = bad("expected ',' or '}'");
		break;
	}
	protobuf_c_message_free_unpacked(&s->base, NULL);
	return rc;
}

static int parse_value(jp *j, Mlmd__Pb__Wkt__Value **out, int depth)
{
	if (depth > MAX_DEPTH)
		return bad("too deep");
	skip_ws(j);
	if (j->p >= j->end)
		return bad("unexpected end");
	Mlmd__Pb__Wkt__Value *v = mlmd__msg_new(&mlmd__pb__wkt__value__descriptor);
	if (!v)
		return MLMD_OOM();
	int rc = 0;
	char c = *j->p;
	if (c == '{') {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE;
		rc = parse_object(j, &v->struct_value, depth);
	} else if (c == '[') {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
		v->list_value = mlmd__msg_new(&mlmd__pb__wkt__list_value__descriptor);
		if (!v->list_value) {
			rc = MLMD_OOM();
			goto done;
		}
		j->p++;
		skip_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			goto done;
		}
		for (;;) {
			Mlmd__Pb__Wkt__Value *item = NULL;
			if ((rc = parse_value(j, &item, depth + 1)))
				break;
			if (mlmd__push_ptr((void ***)&v->list_value->values, &v->list_value->n_values, item)) {
				protobuf_c_message_free_unpacked(&item->base, NULL);
				rc = MLMD_OOM();
				break;
			}
			skip_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == ']') {
				j->p++;
				break;
			}
			rc = bad("expected ',' or ']'");
			break;
		}
	} else if (c == '"') {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
		rc = parse_string(j, &v->string_value);
	} else if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE;
		v->bool_value = 1;
		j->p += 4;
	} else if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE;
		j->p += 5;
	} else if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_NULL_VALUE;
		j->p += 4;
	} else {
		char tmp[64];
		size_t n = 0;
		while (j->p + n < j->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", j->p[n]))
			n++;
		memcpy(tmp, j->p, n);
		tmp[n] = '\0';
		char *endp;
		double d = n ? mlmd__strtod(tmp, &endp) : 0;
		if (!n || *endp)
			rc = bad("bad number");
		v->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
		v->number_value = d;
		j->p += n;
	}
done:
	if (rc) {
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return rc;
	}
	*out = v;
	return 0;
}

int mlmd__json_to_struct(const char *json, size_t len, Mlmd__Pb__Wkt__Struct **out)
{
	jp j = { json, json + len };
	skip_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return bad("expected an object");
	int rc = parse_object(&j, out, 0);
	if (rc)
		return rc;
	skip_ws(&j);
	if (j.p != j.end) {
		protobuf_c_message_free_unpacked(&(*out)->base, NULL);
		*out = NULL;
		return bad("trailing characters");
	}
	return 0;
}

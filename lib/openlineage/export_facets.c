/*
 * openlineage/export_facets.c - the facets of an exported run event: MLMD
 * values written as JSON, our own facet `mlmd` (the node's ids, type, name,
 * state, times and every property), and the standard facets made from the
 * properties that carry their data (docs/interoperability.md, "Facets").
 * Facets a node kept from an import (the openlineage_facets property) are
 * written as they were, in place of the ones computed here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "openlineage/export.h"

/* ---- property lookups ----------------------------------------------------------------------- */

static const Mlmd__Pb__Value *prop_get(olx_prop *const *props, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (props[i]->key && !strcmp(props[i]->key, name))
			return props[i]->value;
	return NULL;
}

static const char *value_string(const Mlmd__Pb__Value *v)
{
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

const char *mlmd__olx_custom_string(olx_prop *const *props, size_t n, const char *name)
{
	return value_string(prop_get(props, n, name));
}

const Mlmd__Pb__Wkt__Struct *mlmd__olx_custom_struct(olx_prop *const *props, size_t n, const char *name)
{
	const Mlmd__Pb__Value *v = prop_get(props, n, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE ? v->struct_value : NULL;
}

/* A string property of a node, declared first, then custom: the first of
 * `names` that the node has as a non-empty string. */
#define NODE_PROPS(node) (olx_prop *const *)(node)->properties, (node)->n_properties, \
	(olx_prop *const *)(node)->custom_properties, (node)->n_custom_properties
static const char *node_string(olx_prop *const *p, size_t np, olx_prop *const *c, size_t nc, const char *const *names)
{
	for (; *names; names++) {
		const char *s = value_string(prop_get(p, np, *names));
		if (!s || !s[0])
			s = value_string(prop_get(c, nc, *names));
		if (s && s[0])
			return s;
	}
	return NULL;
}

/* ---- values as JSON ------------------------------------------------------------------------- */

static int write_wkt(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Value *v, int depth);

int mlmd__olx_write_struct(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Struct *s, int depth)
{
	if (depth > MLMD_MAX_NESTING)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "a struct value nests deeper than %d levels", MLMD_MAX_NESTING);
	mlmd_json_object_begin(w);
	int rc = 0;
	for (size_t i = 0; s && i < s->n_fields && !rc; i++) {
		mlmd_json_key(w, s->fields[i]->key ? s->fields[i]->key : "");
		rc = write_wkt(w, s->fields[i]->value, depth + 1);
	}
	mlmd_json_object_end(w);
	return rc;
}

static void write_double(mlmd_json_writer *w, double d)
{
	/* JSON has no NaN or infinity; a string keeps what the property holds */
	if (isnan(d))
		mlmd_json_string(w, "NaN");
	else if (isinf(d))
		mlmd_json_string(w, d > 0 ? "Infinity" : "-Infinity");
	else
		mlmd_json_double(w, d, 0);
}

static int write_wkt(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Value *v, int depth)
{
	if (!v) {
		mlmd_json_null(w);
		return 0;
	}
	switch (v->kind_case) {
	case MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE:
		write_double(w, v->number_value);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRING_VALUE:
		mlmd_json_string(w, v->string_value);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE:
		mlmd_json_bool(w, v->bool_value);
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE:
		return mlmd__olx_write_struct(w, v->struct_value, depth + 1);
	case MLMD__PB__WKT__VALUE__KIND_LIST_VALUE: {
		if (depth > MLMD_MAX_NESTING)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "a struct value nests deeper than %d levels",
				MLMD_MAX_NESTING);
		int rc = 0;
		mlmd_json_array_begin(w);
		for (size_t i = 0; v->list_value && i < v->list_value->n_values && !rc; i++)
			rc = write_wkt(w, v->list_value->values[i], depth + 1);
		mlmd_json_array_end(w);
		return rc;
	}
	default:
		mlmd_json_null(w);
		return 0;
	}
}

int mlmd__olx_write_value(mlmd_json_writer *w, const Mlmd__Pb__Value *v)
{
	switch (v ? v->value_case : MLMD__PB__VALUE__VALUE__NOT_SET) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE:
		mlmd_json_int(w, v->int_value);
		break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE:
		write_double(w, v->double_value);
		break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE:
		mlmd_json_string(w, v->string_value);
		break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE:
		mlmd_json_bool(w, v->bool_value);
		break;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE:
		return mlmd__olx_write_struct(w, v->struct_value, 1);
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: {
		const Mlmd__Pb__Wkt__Any *a = v->proto_value;
		char *b64 = a ? mlmd__b64_encode(a->value.data, a->value.len) : NULL;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "typeUrl");
		mlmd_json_string(w, a && a->type_url ? a->type_url : "");
		mlmd_json_key(w, "base64url");
		mlmd_json_string(w, b64 ? b64 : "");
		mlmd_json_object_end(w);
		free(b64);
		break;
	}
	default:
		mlmd_json_null(w);
	}
	return 0;
}

/* The bookkeeping properties of ol.h: written back as the event's own names
 * and facets, so not repeated inside the mlmd facet. */
static int is_ol_prop(const char *key)
{
	static const char *const names[] = { MLMD__OL_PROP_RUN_ID, MLMD__OL_PROP_JOB_NAMESPACE, MLMD__OL_PROP_JOB_NAME,
					     MLMD__OL_PROP_NAMESPACE, MLMD__OL_PROP_NAME, MLMD__OL_PROP_FACETS,
					     MLMD__OL_PROP_INPUT_FACETS, MLMD__OL_PROP_OUTPUT_FACETS, NULL };
	for (const char *const *n = names; *n; n++)
		if (!strcmp(key, *n))
			return 1;
	return 0;
}

int mlmd__olx_write_props(mlmd_json_writer *w, olx_prop *const *props, size_t n, int skip_ol)
{
	int rc = 0;
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < n && !rc; i++) {
		const char *key = props[i]->key ? props[i]->key : "";
		if (skip_ol && is_ol_prop(key))
			continue;
		mlmd_json_key(w, key);
		if ((rc = mlmd__olx_write_value(w, props[i]->value)))
			rc = mlmd__context(rc, "property '%s'", key);
	}
	mlmd_json_object_end(w);
	return rc;
}

/* ---- kept facets ---------------------------------------------------------------------------- */

static const Mlmd__Pb__Wkt__Value *struct_get(const Mlmd__Pb__Wkt__Struct *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_fields; i++)
		if (s->fields[i]->key && !strcmp(s->fields[i]->key, name))
			return s->fields[i]->value;
	return NULL;
}

static const Mlmd__Pb__Wkt__Struct *struct_part(const Mlmd__Pb__Wkt__Struct *s, const char *name)
{
	const Mlmd__Pb__Wkt__Value *v = struct_get(s, name);
	return v && v->kind_case == MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE ? v->struct_value : NULL;
}

const Mlmd__Pb__Wkt__Struct *mlmd__olx_kept_part(const Mlmd__Pb__Wkt__Struct *kept, const char *part)
{
	/* {"run": {...}, "job": {...}}; a struct with neither part is all run facets */
	if (!kept)
		return NULL;
	if (struct_part(kept, "run") || struct_part(kept, "job"))
		return struct_part(kept, part);
	return strcmp(part, "run") ? NULL : kept;
}

int mlmd__olx_kept_has(const Mlmd__Pb__Wkt__Struct *kept, const char *name)
{
	return struct_get(kept, name) != NULL;
}

int mlmd__olx_write_kept(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Struct *kept)
{
	int rc = 0;
	for (size_t i = 0; kept && i < kept->n_fields && !rc; i++) {
		mlmd_json_key(w, kept->fields[i]->key ? kept->fields[i]->key : "");
		rc = write_wkt(w, kept->fields[i]->value, 1);
	}
	return rc;
}

/* ---- facets ---------------------------------------------------------------------------------- */

void mlmd__olx_facet_begin(const olx *x, mlmd_json_writer *w, const char *name, const char *schema_url)
{
	mlmd_json_key(w, name);
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "_producer");
	mlmd_json_string(w, x->producer);
	mlmd_json_key(w, "_schemaURL");
	mlmd_json_string(w, schema_url);
}

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	return ev ? ev->name : "UNKNOWN";
}

/* The members every mlmd facet of a node has. */
static void node_members(mlmd_json_writer *w, const char *kind, int64_t id, int64_t type_id, const char *type,
	const char *name, const char *external_id)
{
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, kind);
	mlmd_json_key(w, "id");
	mlmd_json_int(w, id);
	mlmd_json_key(w, "typeId");
	mlmd_json_int(w, type_id);
	mlmd_json_key(w, "type");
	mlmd_json_string(w, type ? type : "");
	if (name && name[0]) {
		mlmd_json_key(w, "name");
		mlmd_json_string(w, name);
	}
	if (external_id && external_id[0]) {
		mlmd_json_key(w, "externalId");
		mlmd_json_string(w, external_id);
	}
}

static void times(mlmd_json_writer *w, int64_t create, int64_t update)
{
	mlmd_json_key(w, "createTimeSinceEpoch");
	mlmd_json_int(w, create);
	mlmd_json_key(w, "lastUpdateTimeSinceEpoch");
	mlmd_json_int(w, update);
}

static const char *const ERROR_PROPS[] = { "error_message", "error", NULL };
static const char *const ERROR_LANG[] = { "error_language", NULL };
static const char *const ERROR_TRACE[] = { "error_stack_trace", NULL };
static const char *const OWNER_PROPS[] = { "owner", "tag.owner", NULL };

/* A value as the text of an execution parameter. */
static void param_value(mlmd_json_writer *w, const Mlmd__Pb__Value *v)
{
	char buf[40];
	switch (v ? v->value_case : MLMD__PB__VALUE__VALUE__NOT_SET) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE:
		mlmd__snprintf(buf, sizeof buf, "%lld", (long long)v->int_value);
		mlmd_json_string(w, buf);
		return;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE:
		if (isnan(v->double_value))
			mlmd_json_string(w, "NaN");
		else if (isinf(v->double_value))
			mlmd_json_string(w, v->double_value > 0 ? "Infinity" : "-Infinity");
		else {
			mlmd_double_format(buf, sizeof buf, v->double_value, 0);
			mlmd_json_string(w, buf);
		}
		return;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE:
		mlmd_json_string(w, v->string_value);
		return;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE:
		mlmd_json_string(w, v->bool_value ? "true" : "false");
		return;
	default: {
		/* a struct or proto parameter: its JSON text */
		mlmd_json_writer *t = NULL;
		if (mlmd_json_writer_new(&t, NULL)) {
			mlmd_json_string(w, "");
			return;
		}
		const char *s = mlmd__olx_write_value(t, v) || mlmd_json_writer_status(t) ? NULL : mlmd_json_writer_text(t, NULL);
		mlmd_json_string(w, s ? s : "");
		mlmd_json_writer_free(t);
	}
	}
}

int mlmd__olx_run_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Execution *e, int fail,
			 const Mlmd__Pb__Wkt__Struct *kept)
{
	const char *err = node_string(NODE_PROPS(e), ERROR_PROPS);
	if (fail && err && !mlmd__olx_kept_has(kept, "errorMessage")) {
		const char *lang = node_string(NODE_PROPS(e), ERROR_LANG);
		const char *trace = node_string(NODE_PROPS(e), ERROR_TRACE);
		mlmd__olx_facet_begin(x, w, "errorMessage", OLX_FACET_URL("1-0-1", "ErrorMessageRunFacet"));
		mlmd_json_key(w, "message");
		mlmd_json_string(w, err);
		mlmd_json_key(w, "programmingLanguage");
		mlmd_json_string(w, lang ? lang : "unknown");
		if (trace) {
			mlmd_json_key(w, "stackTrace");
			mlmd_json_string(w, trace);
		}
		mlmd_json_object_end(w);
	}
	if (!mlmd__olx_kept_has(kept, "processing_engine")) {
		mlmd__olx_facet_begin(x, w, "processing_engine", OLX_FACET_URL("1-1-1", "ProcessingEngineRunFacet"));
		mlmd_json_key(w, "version");
		mlmd_json_string(w, mlmd_version());
		mlmd_json_key(w, "name");
		mlmd_json_string(w, "mlmd");
		mlmd_json_key(w, "openlineageAdapterVersion");
		mlmd_json_string(w, mlmd_version());
		mlmd_json_object_end(w);
	}
	/* the tracking API's parameters: custom properties param.<key> */
	size_t n_params = 0;
	for (size_t i = 0; i < e->n_custom_properties; i++)
		n_params += e->custom_properties[i]->key && !strncmp(e->custom_properties[i]->key, "param.", 6);
	if (n_params && !mlmd__olx_kept_has(kept, "executionParameters")) {
		mlmd__olx_facet_begin(x, w, "executionParameters", OLX_FACET_URL("1-0-0", "ExecutionParametersRunFacet"));
		mlmd_json_key(w, "parameters");
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < e->n_custom_properties; i++) {
			const char *key = e->custom_properties[i]->key;
			if (!key || strncmp(key, "param.", 6))
				continue;
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "key");
			mlmd_json_string(w, key + 6);
			mlmd_json_key(w, "value");
			param_value(w, e->custom_properties[i]->value);
			mlmd_json_object_end(w);
		}
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
	}
	if (!mlmd__olx_kept_has(kept, MLMD__OL_FACET)) {
		mlmd__olx_facet_begin(x, w, MLMD__OL_FACET, MLMD__OL_FACET_SCHEMA_URL);
		node_members(w, "execution", e->id, e->type_id, e->type, e->name, e->external_id);
		mlmd_json_key(w, "state");
		mlmd_json_string(w, enum_name(&mlmd__pb__execution__state__descriptor,
			e->has_last_known_state ? (int)e->last_known_state : 0));
		times(w, e->create_time_since_epoch, e->last_update_time_since_epoch);
		mlmd_json_key(w, "properties");
		int rc = mlmd__olx_write_props(w, (olx_prop *const *)e->properties, e->n_properties, 0);
		mlmd_json_key(w, "customProperties");
		if (!rc)
			rc = mlmd__olx_write_props(w, (olx_prop *const *)e->custom_properties, e->n_custom_properties, 1);
		mlmd_json_object_end(w);
		if (rc)
			return rc;
	}
	return mlmd__olx_write_kept(w, kept);
}

static void ownership(const olx *x, mlmd_json_writer *w, const char *owner, const char *url)
{
	mlmd__olx_facet_begin(x, w, "ownership", url);
	mlmd_json_key(w, "owners");
	mlmd_json_array_begin(w);
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "name");
	mlmd_json_string(w, owner);
	mlmd_json_object_end(w);
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
}

int mlmd__olx_job_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Execution *e,
			 const Mlmd__Pb__Wkt__Struct *kept)
{
	const Mlmd__Pb__ExecutionType *t = mlmd__olx_exec_type(x, e->type_id);
	const char *base = t && t->has_base_type && t->base_type ?
		enum_name(&mlmd__pb__execution_type__system_defined_base_type__descriptor, (int)t->base_type) : NULL;
	if (!mlmd__olx_kept_has(kept, "jobType")) {
		mlmd__olx_facet_begin(x, w, "jobType", OLX_FACET_URL("2-0-4", "JobTypeJobFacet"));
		mlmd_json_key(w, "processingType");
		mlmd_json_string(w, "BATCH");
		mlmd_json_key(w, "integration");
		mlmd_json_string(w, "MLMD");
		mlmd_json_key(w, "jobType");
		mlmd_json_string(w, base ? base : "EXECUTION");
		mlmd_json_object_end(w);
	}
	const char *owner = node_string(NODE_PROPS(e), OWNER_PROPS);
	if (owner && !mlmd__olx_kept_has(kept, "ownership"))
		ownership(x, w, owner, OLX_FACET_URL("1-0-1", "OwnershipJobFacet"));
	if (t && !mlmd__olx_kept_has(kept, MLMD__OL_FACET)) {
		mlmd__olx_facet_begin(x, w, MLMD__OL_FACET, MLMD__OL_FACET_SCHEMA_URL);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, "execution_type");
		mlmd_json_key(w, "id");
		mlmd_json_int(w, t->id);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, t->name ? t->name : "");
		if (t->version && t->version[0]) {
			mlmd_json_key(w, "version");
			mlmd_json_string(w, t->version);
		}
		if (t->description && t->description[0]) {
			mlmd_json_key(w, "description");
			mlmd_json_string(w, t->description);
		}
		if (base) {
			mlmd_json_key(w, "baseType");
			mlmd_json_string(w, base);
		}
		mlmd_json_key(w, "propertyTypes");
		mlmd_json_object_begin(w);
		for (size_t i = 0; i < t->n_properties; i++) {
			mlmd_json_key(w, t->properties[i]->key ? t->properties[i]->key : "");
			mlmd_json_string(w, enum_name(&mlmd__pb__property_type__descriptor, (int)t->properties[i]->value));
		}
		mlmd_json_object_end(w);
		mlmd_json_object_end(w);
	}
	return mlmd__olx_write_kept(w, kept);
}

/* ---- a model's signature as a schema --------------------------------------------------------- */

/* One field of a model's signature: what serving's mlmd_model_record()
 * writes into the inputs and outputs properties, [{"name": .., "type": ..,
 * "shape": [..] or null}]. */
typedef struct sig_field {
	char *name, *type;
	mlmd_buf shape; /* "[-1,4]" or "" (unknown) */
} sig_field;

static void sig_free(sig_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].type);
		mlmd__buf_free(&f[i].shape);
	}
	free(f);
}

/* Parses a signature; 0 and the fields, or non-zero when the text is not
 * one (the schema facet is then left out: the property is data, not ours). */
static int sig_parse(const char *text, sig_field **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	mlmd_json_reader *r = NULL;
	if (mlmd_json_reader_new(&r, text, strlen(text), 8))
		return -1;
	const char *s;
	size_t len;
	int bad = mlmd_json_next(r, NULL, NULL) != MLMD_JSON_ARRAY;
	sig_field *f = NULL;
	size_t n = 0;
	for (int t; !bad && (t = mlmd_json_next(r, NULL, NULL)) != MLMD_JSON_ARRAY_END;) {
		if (t != MLMD_JSON_OBJECT || mlmd__grow((void **)&f, n, sizeof *f)) {
			bad = 1;
			break;
		}
		sig_field *cur = &f[n++];
		memset(cur, 0, sizeof *cur);
		while (!bad && (t = mlmd_json_next(r, &s, &len)) == MLMD_JSON_KEY) {
			char **dst = !strcmp(s, "name") ? &cur->name : !strcmp(s, "type") ? &cur->type : NULL;
			if (dst) {
				if (mlmd_json_next(r, &s, &len) != MLMD_JSON_STRING || *dst || !(*dst = mlmd__strndup(s, len)))
					bad = 1;
			} else if (!strcmp(s, "shape")) {
				t = mlmd_json_next(r, NULL, NULL);
				if (t == MLMD_JSON_ARRAY) {
					mlmd__buf_puts(&cur->shape, "[");
					int k = 0;
					while (!bad && (t = mlmd_json_next(r, &s, &len)) != MLMD_JSON_ARRAY_END) {
						if (t != MLMD_JSON_NUMBER)
							bad = 1;
						mlmd__buf_puts(&cur->shape, k++ ? "," : "");
						mlmd__buf_put(&cur->shape, s, len);
					}
					mlmd__buf_puts(&cur->shape, "]");
					bad |= cur->shape.oom;
				} else if (t != MLMD_JSON_NULL) {
					bad = 1;
				}
			} else if (mlmd_json_skip(r)) {
				bad = 1;
			}
		}
		if (!bad && (t != MLMD_JSON_OBJECT_END || !cur->name))
			bad = 1;
	}
	if (!bad && mlmd_json_next(r, NULL, NULL) != MLMD_JSON_END)
		bad = 1;
	mlmd_json_reader_free(r);
	if (bad) {
		sig_free(f, n);
		return -1;
	}
	*out = f;
	*n_out = n;
	return 0;
}

/* The schema facet of a model artifact: its inputs, then its outputs, as
 * fields (the dtype as type, the direction and shape as description). */
static void schema_facet(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Artifact *a)
{
	static const char *const IN[] = { "inputs", NULL }, *const OUT[] = { "outputs", NULL };
	const char *texts[2] = { node_string(NODE_PROPS(a), IN), node_string(NODE_PROPS(a), OUT) };
	sig_field *f[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	for (int k = 0; k < 2; k++)
		if (texts[k] && sig_parse(texts[k], &f[k], &n[k]))
			n[k] = 0;
	if (n[0] + n[1]) {
		mlmd__olx_facet_begin(x, w, "schema", OLX_FACET_URL("1-2-0", "SchemaDatasetFacet"));
		mlmd_json_key(w, "fields");
		mlmd_json_array_begin(w);
		int64_t pos = 1;
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < n[k]; i++) {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "name");
				mlmd_json_string(w, f[k][i].name);
				if (f[k][i].type) {
					mlmd_json_key(w, "type");
					mlmd_json_string(w, f[k][i].type);
				}
				mlmd_buf d = { 0 };
				mlmd__buf_puts(&d, k ? "model output" : "model input");
				if (f[k][i].shape.len) {
					mlmd__buf_puts(&d, ", shape ");
					mlmd__buf_put(&d, f[k][i].shape.p, f[k][i].shape.len);
				}
				mlmd__buf_put(&d, "", 1);
				mlmd_json_key(w, "description");
				mlmd_json_string(w, d.oom ? "" : d.p);
				mlmd__buf_free(&d);
				mlmd_json_key(w, "ordinal_position");
				mlmd_json_int(w, pos++);
				mlmd_json_object_end(w);
			}
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
	}
	sig_free(f[0], n[0]);
	sig_free(f[1], n[1]);
}

int mlmd__olx_dataset_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Artifact *a,
			     Mlmd__Pb__Event *const *evs, size_t n_evs, int side)
{
	static const char *const DIGEST[] = { "digest", NULL }, *const SHA[] = { "mlmd.sha256", NULL };
	const Mlmd__Pb__Wkt__Struct *kept = mlmd__olx_custom_struct((olx_prop *const *)a->custom_properties,
		a->n_custom_properties, MLMD__OL_PROP_FACETS);
	mlmd_json_object_begin(w);
	if (!mlmd__olx_kept_has(kept, "schema"))
		schema_facet(x, w, a);
	const char *digest = node_string(NODE_PROPS(a), DIGEST), *sha = node_string(NODE_PROPS(a), SHA);
	if ((digest || sha) && !mlmd__olx_kept_has(kept, "version")) {
		mlmd__olx_facet_begin(x, w, "version", OLX_FACET_URL("1-0-1", "DatasetVersionDatasetFacet"));
		mlmd_json_key(w, "datasetVersion");
		if (digest) {
			mlmd_json_string(w, digest);
		} else {
			mlmd_buf b = { 0 };
			mlmd__buf_printf(&b, "sha256:%s", sha);
			mlmd_json_string(w, b.oom ? sha : b.p);
			mlmd__buf_free(&b);
		}
		mlmd_json_object_end(w);
	}
	const char *owner = node_string(NODE_PROPS(a), OWNER_PROPS);
	if (owner && !mlmd__olx_kept_has(kept, "ownership"))
		ownership(x, w, owner, OLX_FACET_URL("1-0-1", "OwnershipDatasetFacet"));
	if (!mlmd__olx_kept_has(kept, MLMD__OL_FACET)) {
		mlmd__olx_facet_begin(x, w, MLMD__OL_FACET, MLMD__OL_FACET_SCHEMA_URL);
		node_members(w, "artifact", a->id, a->type_id, a->type, a->name, a->external_id);
		if (a->uri && a->uri[0]) {
			mlmd_json_key(w, "uri");
			mlmd_json_string(w, a->uri);
		}
		mlmd_json_key(w, "state");
		mlmd_json_string(w, enum_name(&mlmd__pb__artifact__state__descriptor, a->has_state ? (int)a->state : 0));
		times(w, a->create_time_since_epoch, a->last_update_time_since_epoch);
		mlmd_json_key(w, "properties");
		int rc = mlmd__olx_write_props(w, (olx_prop *const *)a->properties, a->n_properties, 0);
		mlmd_json_key(w, "customProperties");
		if (!rc)
			rc = mlmd__olx_write_props(w, (olx_prop *const *)a->custom_properties, a->n_custom_properties, 1);
		if (rc) {
			mlmd_json_object_end(w);
			mlmd_json_object_end(w);
			return mlmd__context(rc, "artifact %lld", (long long)a->id);
		}
		mlmd_json_key(w, "events");
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < n_evs; i++) {
			const Mlmd__Pb__Event *ev = evs[i];
			if (!(side ? mlmd__olx_is_output(ev) : mlmd__olx_is_input(ev)))
				continue;
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "type");
			mlmd_json_string(w, enum_name(&mlmd__pb__event__type__descriptor, (int)ev->type));
			mlmd_json_key(w, "millisecondsSinceEpoch");
			mlmd_json_int(w, ev->milliseconds_since_epoch);
			if (ev->path && ev->path->n_steps) {
				mlmd_json_key(w, "path");
				mlmd_json_array_begin(w);
				for (size_t k = 0; k < ev->path->n_steps; k++) {
					const Mlmd__Pb__Event__Path__Step *st = ev->path->steps[k];
					mlmd_json_object_begin(w);
					if (st->value_case == MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX) {
						mlmd_json_key(w, "index");
						mlmd_json_int(w, st->index);
					} else {
						mlmd_json_key(w, "key");
						mlmd_json_string(w, st->value_case == MLMD__PB__EVENT__PATH__STEP__VALUE_KEY &&
							st->key ? st->key : "");
					}
					mlmd_json_object_end(w);
				}
				mlmd_json_array_end(w);
			}
			mlmd_json_object_end(w);
		}
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
	}
	int rc = mlmd__olx_write_kept(w, kept);
	mlmd_json_object_end(w);
	return rc;
}

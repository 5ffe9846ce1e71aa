/*
 * store/message.c - helpers for building and reading generated messages
 * from C without filling n_xxx arrays by hand. They use protobuf-c's
 * descriptors, so they work for every message type.
 */
#include <stdlib.h>
#include <string.h>
#include "store_private.h"
#include "../util/arena.h"

#define AT(m, off, T) (*(T *)((char *)(m) + (off)))

/* Appends to a repeated field of a message the caller gave us. Its array may
 * come from protobuf_c_message_unpack() (sized exactly) or from the caller,
 * so its capacity is unknown: mlmd__grow_any asks the allocator. */
static int push_any(void ***arr, size_t *n, void *item)
{
	if (mlmd__grow_any((void **)arr, *n, sizeof **arr))
		return -MLMD_RESOURCE_EXHAUSTED;
	(*arr)[(*n)++] = item;
	return 0;
}

static int push_any_i64(int64_t **arr, size_t *n, int64_t v)
{
	if (mlmd__grow_any((void **)arr, *n, sizeof **arr))
		return -MLMD_RESOURCE_EXHAUSTED;
	(*arr)[(*n)++] = v;
	return 0;
}

void *mlmd_message_new(const ProtobufCMessageDescriptor *type)
{
	if (!type || type->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
		mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_new: not a message descriptor");
		return NULL;
	}
	void *m = mlmd__msg_new(type);
	if (!m)
		MLMD_OOM();
	return m;
}

int mlmd_message_unpack(const ProtobufCMessageDescriptor *type, const void *data, size_t len, void **out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_unpack: out is NULL");
	*out = NULL;
	if (!type || type->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_unpack: not a message descriptor");
	if (!data && len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_unpack: data is NULL");
	int rc = mlmd__pb_check_wire(type, data, len, MLMD_MAX_NESTING, type->name);
	if (rc)
		return rc;
	/* protobuf-c's default allocator is malloc, so mlmd_message_free can free it */
	*out = protobuf_c_message_unpack(type, NULL, len, data);
	return *out ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu bytes that do not parse", type->name, len);
}

void mlmd_message_free(void *message)
{
	if (message && !mlmd__arena_free_root(message))
		protobuf_c_message_free_unpacked(message, NULL);
}

static const ProtobufCFieldDescriptor *field_of(const void *message, const char *name, const char *fn)
{
	const ProtobufCMessage *m = message;
	if (!m || !name) {
		mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: message and field name are required", fn);
		return NULL;
	}
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	if (!f)
		mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s has no field '%s'", fn, m->descriptor->name, name);
	return f;
}

int mlmd_message_append(void *message, const char *field, void *item)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_append");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	const ProtobufCMessage *it = item;
	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE || !it ||
	    it->descriptor != f->descriptor)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_message_append: '%s' is not a repeated field of %s messages", field,
				  it && it->descriptor ? it->descriptor->name : "(null)");
	return push_any(&AT(message, f->offset, void **), &AT(message, f->quantifier_offset, size_t), item);
}

int mlmd_message_append_int64(void *message, const char *field, int64_t value)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_append_int64");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (f->label != PROTOBUF_C_LABEL_REPEATED ||
	    (f->type != PROTOBUF_C_TYPE_INT64 && f->type != PROTOBUF_C_TYPE_SINT64 && f->type != PROTOBUF_C_TYPE_SFIXED64))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_append_int64: '%s' is not a repeated int64 field",
				  field);
	return push_any_i64(&AT(message, f->offset, int64_t *), &AT(message, f->quantifier_offset, size_t), value);
}

static int set_str_field(void *message, const ProtobufCFieldDescriptor *f, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = mlmd__strdup(value)))
		return MLMD_OOM();
	char **slot = &AT(message, f->offset, char *);
	if (*slot && *slot != (const char *)f->default_value)
		free(*slot);
	*slot = copy;
	return 0;
}

int mlmd_message_set_string(void *message, const char *field, const char *value)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_set_string");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_set_string: '%s' is not a string field", field);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		AT(message, f->quantifier_offset, uint32_t) = value ? f->id : 0;
	return set_str_field(message, f, value);
}

int mlmd_message_append_string(void *message, const char *field, const char *value)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_append_string");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (f->type != PROTOBUF_C_TYPE_STRING || f->label != PROTOBUF_C_LABEL_REPEATED || !value)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_message_append_string: '%s' is not a repeated string field (or value is NULL)", field);
	char *copy = mlmd__strdup(value);
	if (!copy)
		return MLMD_OOM();
	int rc = push_any(&AT(message, f->offset, void **), &AT(message, f->quantifier_offset, size_t), copy);
	if (rc)
		free(copy);
	return rc;
}

/* ---- node properties ------------------------------------------------------ */

static int is_node(const ProtobufCMessage *m)
{
	return m && (m->descriptor == &mlmd__pb__artifact__descriptor || m->descriptor == &mlmd__pb__execution__descriptor ||
		     m->descriptor == &mlmd__pb__context__descriptor);
}

static const ProtobufCFieldDescriptor *map_of(const void *node, int custom, const char *fn)
{
	if (!is_node(node)) {
		mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: not an Artifact, Execution or Context", fn);
		return NULL;
	}
	return field_of(node, custom ? "custom_properties" : "properties", fn);
}

const Mlmd__Pb__Value *mlmd_node_get(const void *node, int custom, const char *name)
{
	const ProtobufCFieldDescriptor *f = map_of(node, custom, "mlmd_node_get");
	if (!f || !name)
		return NULL;
	size_t n = AT(node, f->quantifier_offset, size_t);
	prop_entry **e = AT(node, f->offset, prop_entry **);
	const Mlmd__Pb__Value *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (e[i]->key && strcmp(e[i]->key, name) == 0)
			found = e[i]->value; /* the last entry wins, as in protobuf maps */
	return found;
}

/* Returns the Value for `name`, creating the entry when absent. */
static int node_slot(void *node, int custom, const char *name, Mlmd__Pb__Value **out)
{
	const ProtobufCFieldDescriptor *f = map_of(node, custom, "mlmd_node_set");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_node_set: a property name is required");
	size_t n = AT(node, f->quantifier_offset, size_t);
	prop_entry **e = AT(node, f->offset, prop_entry **);
	Mlmd__Pb__Value *v = mlmd__msg_new(&mlmd__pb__value__descriptor);
	if (!v)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++) {
		if (e[i]->key && strcmp(e[i]->key, name) == 0) {
			if (e[i]->value)
				protobuf_c_message_free_unpacked(&e[i]->value->base, NULL);
			e[i]->value = v;
			*out = v;
			return 0;
		}
	}
	prop_entry *pe = mlmd__msg_new(f->descriptor);
	if (!pe || !(pe->key = mlmd__strdup(name)) ||
	    push_any(&AT(node, f->offset, void **), &AT(node, f->quantifier_offset, size_t), pe)) {
		if (pe)
			protobuf_c_message_free_unpacked(&pe->base, NULL);
		free(v);
		return MLMD_OOM();
	}
	pe->value = v;
	*out = v;
	return 0;
}

int mlmd_node_set_int(void *node, int custom, const char *name, int64_t value)
{
	Mlmd__Pb__Value *v;
	int rc = node_slot(node, custom, name, &v);
	if (!rc) {
		v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		v->int_value = value;
	}
	return rc;
}

int mlmd_node_set_double(void *node, int custom, const char *name, double value)
{
	Mlmd__Pb__Value *v;
	int rc = node_slot(node, custom, name, &v);
	if (!rc) {
		v->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = value;
	}
	return rc;
}

int mlmd_node_set_string(void *node, int custom, const char *name, const char *value)
{
	if (!value)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_node_set_string: value is NULL");
	char *copy = mlmd__strdup(value);
	if (!copy)
		return MLMD_OOM();
	Mlmd__Pb__Value *v;
	int rc = node_slot(node, custom, name, &v);
	if (rc) {
		free(copy);
		return rc;
	}
	v->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	v->string_value = copy;
	return 0;
}

int mlmd_node_set_bool(void *node, int custom, const char *name, int value)
{
	Mlmd__Pb__Value *v;
	int rc = node_slot(node, custom, name, &v);
	if (!rc) {
		v->value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
		v->bool_value = value != 0;
	}
	return rc;
}

int mlmd_type_add_property(void *type, const char *name, Mlmd__Pb__PropertyType value_type)
{
	const ProtobufCMessage *m = type;
	if (!m || (m->descriptor != &mlmd__pb__artifact_type__descriptor &&
		   m->descriptor != &mlmd__pb__execution_type__descriptor &&
		   m->descriptor != &mlmd__pb__context_type__descriptor))
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_type_add_property: not an ArtifactType, ExecutionType or ContextType");
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_type_add_property: a property name is required");
	const ProtobufCFieldDescriptor *f = field_of(type, "properties", "mlmd_type_add_property");
	const ProtobufCFieldDescriptor *kf = protobuf_c_message_descriptor_get_field_by_name(f->descriptor, "key");
	const ProtobufCFieldDescriptor *vf = protobuf_c_message_descriptor_get_field_by_name(f->descriptor, "value");
	void *e = mlmd__msg_new(f->descriptor);
	char *key = mlmd__strdup(name);
	if (!e || !key || push_any(&AT(type, f->offset, void **), &AT(type, f->quantifier_offset, size_t), e)) {
		free(e);
		free(key);
		return MLMD_OOM();
	}
	AT(e, kf->offset, char *) = key;
	AT(e, vf->quantifier_offset, protobuf_c_boolean) = 1;
	AT(e, vf->offset, int) = (int)value_type;
	return 0;
}

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

/* Makes room for element n of a repeated field (the array *arr, n long) of
 * message `owner`. An arena message's array grows in its arena
 * (util/arena.h). Any other's may come from protobuf_c_message_unpack()
 * (sized exactly) or from the caller, so its capacity is unknown:
 * mlmd__grow_any asks the allocator. */
static int grow_field(const void *owner, void **arr, size_t n, size_t elem)
{
	if (mlmd__arena_owns(owner))
		return mlmd__arena_grow_for(owner, arr, n, elem);
	if (mlmd__grow_any(arr, n, elem))
		return -MLMD_RESOURCE_EXHAUSTED;
	return 0;
}

static int push_any(const void *owner, void ***arr, size_t *n, void *item)
{
	int rc = grow_field(owner, (void **)arr, *n, sizeof **arr);
	if (rc)
		return rc;
	(*arr)[(*n)++] = item;
	return 0;
}

static int push_any_i64(const void *owner, int64_t **arr, size_t *n, int64_t v)
{
	int rc = grow_field(owner, (void **)arr, *n, sizeof **arr);
	if (rc)
		return rc;
	(*arr)[(*n)++] = v;
	return 0;
}

/* A copy of s owned as message `owner` owns its strings: from its arena, or
 * malloc'd. NULL when out of memory. */
static char *str_for(const void *owner, const char *s)
{
	return mlmd__arena_owns(owner) ? mlmd__arena_strdup_for(owner, s) : mlmd__strdup(s);
}

/* A new message of type d owned as `owner` owns its sub-messages: from its
 * arena, or malloc'd. NULL when out of memory. */
static void *msg_for(const void *owner, const ProtobufCMessageDescriptor *d)
{
	return mlmd__arena_owns(owner) ? mlmd__arena_new_for(owner, d) : mlmd__msg_new(d);
}

/* Undoes msg_for/str_for after a failure: frees what is malloc'd (arena
 * memory stays until its root is freed). */
static void unmake(const void *owner, void *p)
{
	if (!mlmd__arena_owns(owner))
		free(p);
}

/* Frees a sub-message that owner's field held before a helper replaced it:
 * nothing when owner is an arena message (its arena frees it with the root). */
static void drop_msg(const void *owner, void *old)
{
	if (old && !mlmd__arena_owns(owner))
		protobuf_c_message_free_unpacked(old, NULL);
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

/* An arena message (a response of mlmd_store_call_typed with
 * MLMD_CALL_ARENA) is freed whole through its root; any other part of it is
 * freed with the root, so passing it here does nothing (a caller's mistake
 * this void function cannot report, made harmless). */
void mlmd_message_free(void *message)
{
	if (message && !mlmd__arena_free_root(message))
		protobuf_c_message_free_unpacked(message, NULL);
}

int mlmd_message_is_arena(const void *message)
{
	return mlmd__arena_owns(message);
}

int mlmd_message_copy(const void *message, void **out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_copy: out is NULL");
	*out = NULL;
	const ProtobufCMessage *m = message;
	if (!m || !m->descriptor || m->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_copy: not a message");
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return MLMD_OOM();
	protobuf_c_message_pack(m, buf);
	*out = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
	free(buf);
	/* a message that packed decodes unless memory ran out (or it held a
	 * required field unset, which no message of the library has) */
	return *out ? 0 : mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_message_copy: %s: out of memory, or a required "
				     "field is not set", m->descriptor->name);
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
	ProtobufCMessage *it = item;
	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE || !it ||
	    it->descriptor != f->descriptor)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_message_append: '%s' is not a repeated field of %s messages", field,
				  it && it->descriptor ? it->descriptor->name : "(null)");
	void ***arr = &AT(message, f->offset, void **);
	size_t *n = &AT(message, f->quantifier_offset, size_t);
	int in_arena = mlmd__arena_owns(message);
	/* A part of an arena response (an adopted item too) never changes owner
	 * and is never linked twice: a tree stays a tree, so nothing is packed
	 * twice or reached in a cycle. */
	if (mlmd__arena_owns(it))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_append: the %s is %s a response decoded into an "
				  "arena (MLMD_CALL_ARENA); append a copy (mlmd_message_copy)", it->descriptor->name,
				  mlmd__arena_is_root(it) ? "the root of" : "part of");
	int rc = push_any(message, arr, n, item);
	if (!rc && in_arena && (rc = mlmd__arena_adopt(message, it))) /* freed with the arena's root */
		(*n)--;
	return rc;
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
	return push_any_i64(message, &AT(message, f->offset, int64_t *), &AT(message, f->quantifier_offset, size_t),
			    value);
}

/* Frees what the member of f's oneof that is set now holds (a string, bytes
 * or a sub-message of a malloc'd message; no other member owns memory, and
 * an arena message's are its arena's), so another member can take the
 * shared storage. */
static void clear_oneof(void *message, const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d = ((const ProtobufCMessage *)message)->descriptor;
	uint32_t set = AT(message, f->quantifier_offset, uint32_t);
	const ProtobufCFieldDescriptor *old = set ? protobuf_c_message_descriptor_get_field(d, set) : NULL;
	if (!old)
		return;
	if (!mlmd__arena_owns(message)) {
		void *p = AT(message, old->offset, void *);
		if (old->type == PROTOBUF_C_TYPE_STRING && p && p != old->default_value)
			free(p);
		else if (old->type == PROTOBUF_C_TYPE_MESSAGE)
			drop_msg(message, p);
		else if (old->type == PROTOBUF_C_TYPE_BYTES)
			free(AT(message, old->offset, ProtobufCBinaryData).data);
	}
	memset((char *)message + old->offset, 0,
	       old->type == PROTOBUF_C_TYPE_BYTES ? sizeof(ProtobufCBinaryData) : sizeof(void *));
	AT(message, f->quantifier_offset, uint32_t) = 0;
}

int mlmd_message_set_string(void *message, const char *field, const char *value)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_set_string");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_message_set_string: '%s' is not a string field", field);
	char *copy = NULL;
	if (value && !(copy = str_for(message, value)))
		return MLMD_OOM();
	char **slot = &AT(message, f->offset, char *);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		clear_oneof(message, f); /* also this field's old string */
		AT(message, f->quantifier_offset, uint32_t) = value ? f->id : 0;
	} else if (*slot && *slot != (const char *)f->default_value && !mlmd__arena_owns(message)) {
		free(*slot);
	}
	*slot = copy;
	return 0;
}

int mlmd_message_append_string(void *message, const char *field, const char *value)
{
	const ProtobufCFieldDescriptor *f = field_of(message, field, "mlmd_message_append_string");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (f->type != PROTOBUF_C_TYPE_STRING || f->label != PROTOBUF_C_LABEL_REPEATED || !value)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "mlmd_message_append_string: '%s' is not a repeated string field (or value is NULL)", field);
	char *copy = str_for(message, value);
	if (!copy)
		return MLMD_OOM();
	int rc = push_any(message, &AT(message, f->offset, void **), &AT(message, f->quantifier_offset, size_t), copy);
	if (rc)
		unmake(message, copy);
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

/* Sets property `name` of node to a copy of `val` (a stack Value whose
 * string, if any, is borrowed): replaces the value of the first entry with
 * that name, or appends a new entry. Everything is allocated before
 * anything changes, each piece owned as what holds it: the new Value as its
 * entry (an arena message's sub-messages and strings come from its arena),
 * a new entry as the node. */
static int node_set(void *node, int custom, const char *name, const Mlmd__Pb__Value *val)
{
	const ProtobufCFieldDescriptor *f = map_of(node, custom, "mlmd_node_set");
	if (!f)
		return -MLMD_INVALID_ARGUMENT;
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_node_set: a property name is required");
	size_t n = AT(node, f->quantifier_offset, size_t);
	prop_entry **e = AT(node, f->offset, prop_entry **);
	prop_entry *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (e[i]->key && strcmp(e[i]->key, name) == 0)
			found = e[i];
	const void *owner = found ? (const void *)found : node;
	Mlmd__Pb__Value *v = msg_for(owner, &mlmd__pb__value__descriptor);
	char *str = NULL;
	int is_str = val->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE; /* the union's other members are no pointers */
	if (!v || (is_str && !(str = str_for(v, val->string_value)))) {
		unmake(owner, v);
		return MLMD_OOM();
	}
	v->value_case = val->value_case;
	if (val->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		v->int_value = val->int_value;
	else if (val->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE)
		v->double_value = val->double_value;
	else if (val->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		v->bool_value = val->bool_value;
	else if (is_str)
		v->string_value = str;
	if (found) {
		drop_msg(found, found->value);
		found->value = v;
		return 0;
	}
	prop_entry *pe = msg_for(node, f->descriptor);
	char *key = pe ? str_for(pe, name) : NULL;
	int rc = key ? push_any(node, &AT(node, f->offset, void **), &AT(node, f->quantifier_offset, size_t), pe)
		     : MLMD_OOM();
	if (rc) {
		unmake(node, key);
		unmake(node, pe);
		if (!mlmd__arena_owns(node))
			protobuf_c_message_free_unpacked(&v->base, NULL);
		return rc;
	}
	pe->key = key;
	pe->value = v;
	return 0;
}

int mlmd_node_set_int(void *node, int custom, const char *name, int64_t value)
{
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	v.int_value = value;
	return node_set(node, custom, name, &v);
}

int mlmd_node_set_double(void *node, int custom, const char *name, double value)
{
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
	v.double_value = value;
	return node_set(node, custom, name, &v);
}

int mlmd_node_set_string(void *node, int custom, const char *name, const char *value)
{
	if (!value)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_node_set_string: value is NULL");
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	v.string_value = (char *)value; /* borrowed: node_set copies it */
	return node_set(node, custom, name, &v);
}

int mlmd_node_set_bool(void *node, int custom, const char *name, int value)
{
	Mlmd__Pb__Value v = MLMD__PB__VALUE__INIT;
	v.value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
	v.bool_value = value != 0;
	return node_set(node, custom, name, &v);
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
	void *e = msg_for(type, f->descriptor);
	char *key = e ? str_for(type, name) : NULL;
	if (!key || push_any(type, &AT(type, f->offset, void **), &AT(type, f->quantifier_offset, size_t), e)) {
		unmake(type, e);
		unmake(type, key);
		return MLMD_OOM();
	}
	AT(e, kf->offset, char *) = key;
	AT(e, vf->quantifier_offset, protobuf_c_boolean) = 1;
	AT(e, vf->offset, int) = (int)value_type;
	return 0;
}

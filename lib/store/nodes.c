/*
 * store/nodes.c - artifacts, executions and contexts: insert, update, load.
 *
 * The three kinds share one table layout and one implementation; node_kind
 * holds the offsets of each field in the generated message, so the code
 * below reads and writes any of the three through the same accessors.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_private.h"

#define F(m, off, T) (*(T *)((char *)(m) + (off)))
#define HAS(m, off) F(m, off, protobuf_c_boolean)

#define NODE_COLS "n.id, n.type_id, t.name, n.name, n.external_id, n.uri, n.state," \
		  " n.create_time, n.update_time, n.system_metadata"
#define PROP_COLS "node_id, is_custom, name, value_type, int_value, double_value, string_value," \
		  " bool_value, struct_value, proto_value"

#define NODE_SQL(T)                                                                                  \
	{ MLMD_INSERT("INSERT INTO " T " (type_id, name, external_id, uri, state, create_time,"      \
		      " update_time, system_metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),             \
	  "INSERT INTO " T " (type_id, name, external_id, uri, state, create_time,"                  \
	  " update_time, system_metadata, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",                    \
	  "INSERT INTO " T "_property (" PROP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",         \
	  "INSERT INTO " T "_property (" PROP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"          \
	  " ON CONFLICT (node_id, is_custom, name) DO UPDATE SET value_type = excluded.value_type,"  \
	  " int_value = excluded.int_value, double_value = excluded.double_value,"                   \
	  " string_value = excluded.string_value, bool_value = excluded.bool_value,"                 \
	  " struct_value = excluded.struct_value, proto_value = excluded.proto_value",               \
	  "DELETE FROM " T "_property WHERE node_id = ? AND is_custom = ? AND name = ?",               \
	  "SELECT " NODE_COLS " FROM " T " n JOIN type t ON t.id = n.type_id WHERE n.id = ?",         \
	  "SELECT is_custom, name, value_type, int_value, double_value, string_value, bool_value,"   \
	  " struct_value, proto_value FROM " T "_property WHERE node_id = ? ORDER BY is_custom, name", \
	  "SELECT type_id, name, external_id, uri, state, create_time, update_time FROM " T           \
	  " WHERE id = ?",                                                                            \
	  "UPDATE " T " SET name = ?, external_id = ?, uri = ?, state = ?, update_time = ? WHERE id = ?", \
	  "SELECT 1 FROM " T " WHERE id = ?",                                                         \
	  "SELECT id FROM " T " WHERE external_id = ?",                                               \
	  "SELECT id FROM " T " WHERE type_id = ? AND name = ?",                                     \
	  MLMD_IN_SQL("SELECT " NODE_COLS " FROM " T " n JOIN type t ON t.id = n.type_id WHERE n.id IN (", \
		      ") ORDER BY n.id"),                                                             \
	  MLMD_IN_SQL("SELECT " PROP_COLS " FROM " T "_property WHERE node_id IN (",                \
		      ") ORDER BY node_id, is_custom, name"),                                         \
	  "SELECT " NODE_COLS " FROM " T " n JOIN type t ON t.id = n.type_id WHERE n.id = ?"          \
	  " AND n.deleted_time IS NULL",                                                              \
	  "SELECT type_id, name, external_id, uri, state, create_time, update_time FROM " T           \
	  " WHERE id = ? AND deleted_time IS NULL",                                                   \
	  "SELECT 1 FROM " T " WHERE id = ? AND deleted_time IS NULL",                                \
	  MLMD_IN_SQL("SELECT " NODE_COLS " FROM " T " n JOIN type t ON t.id = n.type_id"             \
		      " WHERE n.deleted_time IS NULL AND n.id IN (", ") ORDER BY n.id") }

#define NODE_KIND(KIND, WHAT, TABLE, T, D, PE, CE, URI, HSTATE, STATE)                       \
	{ KIND, WHAT, TABLE, &D, &PE, &CE, offsetof(T, has_id),               \
	  offsetof(T, id), offsetof(T, has_type_id), offsetof(T, type_id), offsetof(T, name),    \
	  offsetof(T, type), offsetof(T, external_id), URI, HSTATE, STATE,                       \
	  offsetof(T, n_properties), offsetof(T, properties), offsetof(T, n_custom_properties),  \
	  offsetof(T, custom_properties), offsetof(T, has_create_time_since_epoch),              \
	  offsetof(T, create_time_since_epoch), offsetof(T, has_last_update_time_since_epoch),   \
	  offsetof(T, last_update_time_since_epoch), offsetof(T, system_metadata), NODE_SQL(TABLE) }

const node_kind mlmd__artifact_kind = NODE_KIND(
	KIND_ARTIFACT, "artifact", "artifact", Mlmd__Pb__Artifact, mlmd__pb__artifact__descriptor,
	mlmd__pb__artifact__properties_entry__descriptor,
	mlmd__pb__artifact__custom_properties_entry__descriptor, offsetof(Mlmd__Pb__Artifact, uri),
	offsetof(Mlmd__Pb__Artifact, has_state), offsetof(Mlmd__Pb__Artifact, state));
const node_kind mlmd__execution_kind = NODE_KIND(
	KIND_EXECUTION, "execution", "execution", Mlmd__Pb__Execution, mlmd__pb__execution__descriptor,
	mlmd__pb__execution__properties_entry__descriptor,
	mlmd__pb__execution__custom_properties_entry__descriptor, SIZE_MAX,
	offsetof(Mlmd__Pb__Execution, has_last_known_state), offsetof(Mlmd__Pb__Execution, last_known_state));
const node_kind mlmd__context_kind = NODE_KIND(
	KIND_CONTEXT, "context", "context", Mlmd__Pb__Context, mlmd__pb__context__descriptor,
	mlmd__pb__context__properties_entry__descriptor,
	mlmd__pb__context__custom_properties_entry__descriptor, SIZE_MAX, SIZE_MAX, SIZE_MAX);

/* The generic prop_entry must match every generated map entry. */
#define SAME_ENTRY(T)                                                                      \
	static_assert(offsetof(T, key) == offsetof(prop_entry, key) &&                     \
			      offsetof(T, value) == offsetof(prop_entry, value) &&         \
			      sizeof(T) == sizeof(prop_entry),                             \
		      #T " layout")
SAME_ENTRY(Mlmd__Pb__Artifact__PropertiesEntry);
SAME_ENTRY(Mlmd__Pb__Artifact__CustomPropertiesEntry);
SAME_ENTRY(Mlmd__Pb__Execution__PropertiesEntry);
SAME_ENTRY(Mlmd__Pb__Execution__CustomPropertiesEntry);
SAME_ENTRY(Mlmd__Pb__Context__PropertiesEntry);
SAME_ENTRY(Mlmd__Pb__Context__CustomPropertiesEntry);

static const char *const prop_type_names[] = { "UNKNOWN", "INT", "DOUBLE", "STRING",
					       "STRUCT", "PROTO", "BOOLEAN" };

static const char *ptype_name(int t)
{
	return t >= 0 && t <= 6 ? prop_type_names[t] : "UNKNOWN";
}

/* PropertyType of a Value (0 when no member is set). */
static int value_ptype(const Mlmd__Pb__Value *v)
{
	if (!v)
		return 0;
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: return MLMD__PB__PROPERTY_TYPE__INT;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: return MLMD__PB__PROPERTY_TYPE__DOUBLE;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: return MLMD__PB__PROPERTY_TYPE__STRING;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE: return MLMD__PB__PROPERTY_TYPE__STRUCT;
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: return MLMD__PB__PROPERTY_TYPE__PROTO;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: return MLMD__PB__PROPERTY_TYPE__BOOLEAN;
	default: return 0;
	}
}

/* ---- desired property sets --------------------------------------------- */

typedef struct prop_ref {
	int custom;
	int gone;                    /* deleted (its slot stays, so a later put revives it) */
	const char *name;
	const Mlmd__Pb__Value *value;
	uint64_t hash;
} prop_ref;

/* A node's properties keyed by (custom, name), with a hash index so that
 * each lookup costs O(1): a node with n properties costs O(n) to check,
 * insert and update (a linear scan per property made 100,000 properties
 * take minutes). Iterate v[0..n) and skip entries marked gone. */
typedef struct prop_set {
	prop_ref *v;
	size_t n, live;
	uint32_t *slot;              /* open addressing: index + 1, 0 when empty */
	size_t nslot;                /* a power of two, at least twice n */
} prop_set;

static uint64_t prop_hash(int custom, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(custom != 0);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ^ (h >> 32);
}

static void set_free(prop_set *ps)
{
	free(ps->v);
	free(ps->slot);
	*ps = (prop_set){ 0 };
}

/* The entry for (custom, name), live or gone, or -1. */
static long set_slot(const prop_set *ps, int custom, const char *name, uint64_t h)
{
	if (!ps->nslot)
		return -1;
	for (size_t j = h & (ps->nslot - 1); ps->slot[j]; j = (j + 1) & (ps->nslot - 1)) {
		const prop_ref *r = &ps->v[ps->slot[j] - 1];
		if (r->hash == h && r->custom == custom && strcmp(r->name, name) == 0)
			return (long)ps->slot[j] - 1;
	}
	return -1;
}

/* The live entry for (custom, name), or -1. */
static int set_find(const prop_set *ps, int custom, const char *name)
{
	long i = set_slot(ps, custom, name, prop_hash(custom, name));
	return i >= 0 && !ps->v[i].gone ? (int)i : -1;
}

static int set_rehash(prop_set *ps, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof *slot);
	if (!slot)
		return MLMD_OOM();
	for (size_t i = 0; i < ps->n; i++) {
		size_t j = ps->v[i].hash & (nslot - 1);
		while (slot[j])
			j = (j + 1) & (nslot - 1);
		slot[j] = (uint32_t)(i + 1);
	}
	free(ps->slot);
	ps->slot = slot;
	ps->nslot = nslot;
	return 0;
}

/* Adds or replaces (later map entries win, as in protobuf maps). */
static int set_put(prop_set *ps, int custom, const char *name, const Mlmd__Pb__Value *v)
{
	uint64_t h = prop_hash(custom, name);
	long i = set_slot(ps, custom, name, h);
	if (i >= 0) {
		ps->live += ps->v[i].gone;
		ps->v[i].gone = 0;
		ps->v[i].value = v;
		return 0;
	}
	if (ps->n >= UINT32_MAX - 1)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "too many properties on one node");
	if ((ps->n + 1) * 2 > ps->nslot && set_rehash(ps, ps->nslot ? ps->nslot * 2 : 16))
		return -MLMD_RESOURCE_EXHAUSTED;
	if (mlmd__grow((void **)&ps->v, ps->n, sizeof *ps->v))
		return -MLMD_RESOURCE_EXHAUSTED;
	ps->v[ps->n] = (prop_ref){ custom, 0, name, v, h };
	size_t j = h & (ps->nslot - 1);
	while (ps->slot[j])
		j = (j + 1) & (ps->nslot - 1);
	ps->slot[j] = (uint32_t)(ps->n + 1);
	ps->n++;
	ps->live++;
	return 0;
}

static void set_del(prop_set *ps, int custom, const char *name)
{
	int i = set_find(ps, custom, name);
	if (i >= 0) {
		ps->v[i].gone = 1;
		ps->live--;
	}
}

static int set_add_map(prop_set *ps, const ProtobufCMessage *m, const node_kind *k, int custom)
{
	size_t n = F(m, custom ? k->o_n_custom : k->o_n_props, size_t);
	prop_entry **e = F(m, custom ? k->o_custom : k->o_props, prop_entry **);
	for (size_t i = 0; i < n; i++) {
		if (!e[i]->key)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: a %sproperty has no name", k->what,
					  custom ? "custom " : "");
		if (set_put(ps, custom, e[i]->key, e[i]->value))
			return -MLMD_RESOURCE_EXHAUSTED;
	}
	return 0;
}

/* ---- values <-> SQL ------------------------------------------------------ */

static int value_equal(const Mlmd__Pb__Value *a, const Mlmd__Pb__Value *b)
{
	int ta = value_ptype(a), tb = value_ptype(b);
	if (ta != tb)
		return 0;
	switch (ta) {
	case 0: return 1;
	case MLMD__PB__PROPERTY_TYPE__INT: return a->int_value == b->int_value;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE:
		/* the stored NaN is a NaN, whatever payload it was written with */
		return memcmp(&a->double_value, &b->double_value, sizeof(double)) == 0 ||
			(isnan(a->double_value) && isnan(b->double_value));
	case MLMD__PB__PROPERTY_TYPE__STRING: return strcmp(a->string_value, b->string_value) == 0;
	case MLMD__PB__PROPERTY_TYPE__BOOLEAN: return !a->bool_value == !b->bool_value;
	default: {
		/* struct and proto: compare their serialized forms */
		const ProtobufCMessage *ma = ta == MLMD__PB__PROPERTY_TYPE__STRUCT
			? (const ProtobufCMessage *)a->struct_value : (const ProtobufCMessage *)a->proto_value;
		const ProtobufCMessage *mb = ta == MLMD__PB__PROPERTY_TYPE__STRUCT
			? (const ProtobufCMessage *)b->struct_value : (const ProtobufCMessage *)b->proto_value;
		size_t na = protobuf_c_message_get_packed_size(ma), nb = protobuf_c_message_get_packed_size(mb);
		if (na != nb)
			return 0;
		uint8_t *pa = malloc(na + 1), *pb = malloc(nb + 1);
		int eq = pa && pb;
		if (eq) {
			protobuf_c_message_pack(ma, pa);
			protobuf_c_message_pack(mb, pb);
			eq = memcmp(pa, pb, na) == 0;
		}
		free(pa);
		free(pb);
		return eq;
	}
	}
}

/* Writes one property. A new node's set has unique names, so a plain insert
 * does; an update replaces values in place. */
static int insert_prop(call *c, const node_kind *k, int64_t id, const prop_ref *p, int replace)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, replace ? k->sql.upsert_prop : k->sql.insert_prop);
	if (rc)
		return rc;
	const Mlmd__Pb__Value *v = p->value;
	int t = value_ptype(v);
	mlmd__q_i64(&q, 1, id);
	mlmd__q_i64(&q, 2, p->custom);
	mlmd__q_text(&q, 3, p->name);
	mlmd__q_i64(&q, 4, t);
	mlmd_buf json = { 0 };
	uint8_t *packed = NULL;
	switch (t) {
	case MLMD__PB__PROPERTY_TYPE__INT: mlmd__q_i64(&q, 5, v->int_value); break;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE:
		/* NaN is stored as NULL on every backend (SQLite would turn it into NULL
		 * anyway; PostgreSQL's NaN would compare greater than every number in a
		 * filter): a DOUBLE row whose double_value is NULL reads back as NaN */
		if (isnan(v->double_value))
			mlmd__q_null(&q, 6);
		else
			mlmd__q_dbl(&q, 6, v->double_value);
		break;
	case MLMD__PB__PROPERTY_TYPE__STRING: mlmd__q_text(&q, 7, v->string_value); break;
	case MLMD__PB__PROPERTY_TYPE__BOOLEAN: mlmd__q_i64(&q, 8, v->bool_value ? 1 : 0); break;
	case MLMD__PB__PROPERTY_TYPE__STRUCT:
		if ((rc = mlmd__struct_to_json(v->struct_value, &json))) {
			mlmd__q_done(&q);
			return mlmd__context(rc, "%s %lld: property '%s'", k->what, (long long)id, p->name);
		}
		mlmd__q_text(&q, 9, json.p ? json.p : "{}");
		break;
	case MLMD__PB__PROPERTY_TYPE__PROTO: {
		size_t n = protobuf_c_message_get_packed_size(&v->proto_value->base);
		packed = malloc(n + 1);
		if (!packed) {
			mlmd__q_done(&q);
			return MLMD_OOM();
		}
		protobuf_c_message_pack(&v->proto_value->base, packed);
		mlmd__q_blob(&q, 10, packed, n);
		break;
	}
	default:
		break;
	}
	rc = mlmd__q_exec_later(&q); /* nothing here reacts to its status */
	mlmd__buf_free(&json);
	free(packed);
	return rc;
}

/* Reads one property row (columns as in load_props) into a new Value. */
static int row_to_value(sqlq *q, int base, Mlmd__Pb__Value **out)
{
	Mlmd__Pb__Value *v = mlmd__msg_new(&mlmd__pb__value__descriptor);
	if (!v)
		return MLMD_OOM();
	int rc = 0;
	switch ((int)mlmd__q_col_i64(q, base)) {
	case MLMD__PB__PROPERTY_TYPE__INT:
		v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		v->int_value = mlmd__q_col_i64(q, base + 1);
		break;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE:
		v->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = mlmd__q_isnull(q, base + 2) ? NAN : mlmd__q_col_dbl(q, base + 2);
		break;
	case MLMD__PB__PROPERTY_TYPE__STRING: {
		const char *sv = mlmd__q_col_text(q, base + 3);
		v->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
		v->string_value = mlmd__strdup(sv ? sv : "");
		if (!v->string_value)
			rc = MLMD_OOM();
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__BOOLEAN:
		v->value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
		v->bool_value = mlmd__q_col_i64(q, base + 4) != 0;
		break;
	case MLMD__PB__PROPERTY_TYPE__STRUCT: {
		const char *js = mlmd__q_col_text(q, base + 5);
		v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
		rc = mlmd__json_to_struct(js ? js : "{}", js ? strlen(js) : 2, &v->struct_value);
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__PROTO: {
		size_t n;
		const void *b = mlmd__q_col_blob(q, base + 6, &n);
		v->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
		v->proto_value = mlmd__pb__wkt__any__unpack(NULL, n, b ? b : (const void *)"");
		if (!v->proto_value)
			rc = mlmd__fail(MLMD_DATA_LOSS, "stored proto property value does not parse as Any");
		break;
	}
	default:
		break;
	}
	if (rc) {
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return rc;
	}
	*out = v;
	return 0;
}

/* Appends the property in the current row (is_custom, name, value columns
 * from column `col`) to the message's two maps. */
static int add_prop_row(const node_kind *k, sqlq *q, int col, ProtobufCMessage *m)
{
	int custom = (int)mlmd__q_col_i64(q, col);
	prop_entry *e = mlmd__msg_new(custom ? k->custom_entry : k->props_entry);
	if (!e)
		return MLMD_OOM();
	int rc = 0;
	e->key = mlmd__strdup(mlmd__q_col_text(q, col + 1));
	if (!e->key || (rc = row_to_value(q, col + 2, &e->value)) ||
	    mlmd__push_ptr(&F(m, custom ? k->o_custom : k->o_props, void **),
			   &F(m, custom ? k->o_n_custom : k->o_n_props, size_t), e)) {
		protobuf_c_message_free_unpacked(&e->base, NULL);
		return rc ? rc : MLMD_OOM();
	}
	return 0;
}

/* Appends the stored properties of node `id` to the message's two maps. */
static int load_props(call *c, const node_kind *k, int64_t id, ProtobufCMessage *m)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, k->sql.load_props);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	while ((rc = mlmd__q_step(&q)) == 1)
		if ((rc = add_prop_row(k, &q, 0, m)))
			break;
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* ---- load ---------------------------------------------------------------- */

static int set_str(ProtobufCMessage *m, size_t off, const char *v)
{
	if (!v)
		return 0;
	char *d = mlmd__strdup(v);
	if (!d)
		return MLMD_OOM();
	F(m, off, char *) = d;
	return 0;
}

/* Builds a node message from the current row of a NODE_COLS query. */
static int row_to_node(const node_kind *k, sqlq *q, ProtobufCMessage **out)
{
	ProtobufCMessage *m = mlmd__msg_new(k->desc);
	if (!m)
		return MLMD_OOM();
	int rc = 0;
	int64_t id = mlmd__q_col_i64(q, 0);
	HAS(m, k->o_has_id) = 1;
	F(m, k->o_id, int64_t) = id;
	HAS(m, k->o_has_type_id) = 1;
	F(m, k->o_type_id, int64_t) = mlmd__q_col_i64(q, 1);
	if ((rc = set_str(m, k->o_type, mlmd__q_col_text(q, 2))) ||
	    (rc = set_str(m, k->o_name, mlmd__q_col_text(q, 3))) ||
	    (rc = set_str(m, k->o_external_id, mlmd__q_col_text(q, 4))))
		goto fail;
	if (k->o_uri != SIZE_MAX && (rc = set_str(m, k->o_uri, mlmd__q_col_text(q, 5))))
		goto fail;
	if (k->o_state != SIZE_MAX && !mlmd__q_isnull(q, 6)) {
		HAS(m, k->o_has_state) = 1;
		F(m, k->o_state, int) = (int)mlmd__q_col_i64(q, 6);
	}
	HAS(m, k->o_has_ctime) = 1;
	F(m, k->o_ctime, int64_t) = mlmd__q_col_i64(q, 7);
	HAS(m, k->o_has_mtime) = 1;
	F(m, k->o_mtime, int64_t) = mlmd__q_col_i64(q, 8);
	size_t n;
	const void *sm = mlmd__q_col_blob(q, 9, &n);
	if (sm) {
		F(m, k->o_sysmeta, Mlmd__Pb__Wkt__Any *) = mlmd__pb__wkt__any__unpack(NULL, n, sm);
		if (!F(m, k->o_sysmeta, Mlmd__Pb__Wkt__Any *)) {
			rc = mlmd__fail(MLMD_DATA_LOSS, "%s %lld: stored system_metadata does not parse",
					k->what, (long long)id);
			goto fail;
		}
	}
	*out = m;
	return 0;
fail:
	protobuf_c_message_free_unpacked(m, NULL);
	return rc;
}

int mlmd__node_load(call *c, const node_kind *k, int64_t id, ProtobufCMessage **out)
{
	sqlq q;
	*out = NULL;
	int rc = mlmd__q(c->sql, &q, MLMD_LIVE_ONLY(c) ? k->sql.load_live : k->sql.load);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	if (rc == 1)
		rc = row_to_node(k, &q, out);
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (*out && (rc = load_props(c, k, id, *out))) {
		protobuf_c_message_free_unpacked(*out, NULL);
		*out = NULL;
	}
	return rc;
}

/* One loaded node, found by id while rows arrive in index order. */
typedef struct loaded {
	int64_t id;
	ProtobufCMessage *m;
} loaded;

static int loaded_cmp(const void *a, const void *b)
{
	int64_t x = ((const loaded *)a)->id, y = ((const loaded *)b)->id;
	return x < y ? -1 : x > y;
}

static ProtobufCMessage *loaded_find(loaded *v, size_t n, int64_t id)
{
	loaded key = { id, NULL };
	loaded *hit = bsearch(&key, v, n, sizeof *v, loaded_cmp);
	return hit ? hit->m : NULL;
}

/* Loads up to MLMD_IN_MAX nodes with two statements: their rows, then all
 * their properties. Fills v[0..*nv) sorted by id. */
static int load_chunk(call *c, const node_kind *k, const int64_t *ids, size_t n, loaded *v, size_t *nv)
{
	*nv = 0;
	int size, slot = mlmd__in_slot(n, &size);
	sqlq q;
	int rc = mlmd__q(c->sql, &q, MLMD_LIVE_ONLY(c) ? k->sql.load_in_live[slot] : k->sql.load_in[slot]);
	if (rc == 0) {
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids, n, size);
		while ((rc = mlmd__q_step(&q)) == 1) {
			if ((rc = row_to_node(k, &q, &v[*nv].m)))
				break;
			v[*nv].id = F(v[*nv].m, k->o_id, int64_t);
			(*nv)++;
		}
		mlmd__q_done(&q);
	}
	if (rc == 0 && *nv && (rc = mlmd__q(c->sql, &q, k->sql.props_in[slot])) == 0) {
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids, n, size);
		ProtobufCMessage *m = NULL;
		int64_t mid = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t id = mlmd__q_col_i64(&q, 0);
			if (!m || id != mid) {
				m = loaded_find(v, *nv, id);
				mid = id;
			}
			if (m && (rc = add_prop_row(k, &q, 1, m)))
				break;
		}
		mlmd__q_done(&q);
	}
	return rc < 0 ? rc : 0;
}

/* Nodes come back in the order of `ids`, each once; ids that do not exist
 * are skipped (MLMD's by-id reads). */
int mlmd__node_load_ids(call *c, const node_kind *k, const int64_t *ids, size_t nids, int dedupe,
			void ***arr, size_t *n)
{
	size_t before = *n;
	loaded v[MLMD_IN_MAX];
	int rc = 0;
	/* each id once, first occurrence first: sort (id, position) pairs */
	int64_t *uniq = NULL;
	if (nids > 1) {
		loaded *pairs = malloc(nids * sizeof *pairs);
		uniq = malloc(nids * sizeof *uniq);
		if (!pairs || !uniq) {
			free(pairs);
			free(uniq);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < nids; i++) {
			pairs[i].id = ids[i];
			pairs[i].m = (ProtobufCMessage *)(uintptr_t)i; /* position, not a message */
		}
		qsort(pairs, nids, sizeof *pairs, loaded_cmp);
		char *dup = calloc(nids, 1);
		if (!dup) {
			free(pairs);
			free(uniq);
			return MLMD_OOM();
		}
		for (size_t i = 1; i < nids; i++)
			if (pairs[i].id == pairs[i - 1].id) {
				size_t a = (uintptr_t)pairs[i].m, b = (uintptr_t)pairs[i - 1].m;
				dup[a > b ? a : b] = 1;
				if (a > b) /* the earlier position survives the run */
					pairs[i].m = pairs[i - 1].m;
			}
		size_t nu = 0;
		for (size_t i = 0; i < nids; i++)
			if (!dup[i])
				uniq[nu++] = ids[i];
		free(dup);
		free(pairs);
		ids = uniq;
		nids = nu;
	}
	size_t chunk = mlmd__in_chunk(nids);
	for (size_t at = 0; at < nids && !rc; at += chunk) {
		size_t m = nids - at < chunk ? nids - at : chunk, nv = 0;
		rc = load_chunk(c, k, ids + at, m, v, &nv);
		for (size_t i = 0; i < m && !rc; i++) {
			loaded key = { ids[at + i], NULL };
			loaded *hit = bsearch(&key, v, nv, sizeof *v, loaded_cmp);
			if (!hit || !hit->m)
				continue; /* absent, or already placed */
			int dup = 0;
			for (size_t j = 0; dedupe && j < before && !dup; j++)
				dup = F((*arr)[j], k->o_id, int64_t) == hit->id;
			if (dup)
				continue;
			if (mlmd__push_ptr(arr, n, hit->m))
				rc = -MLMD_RESOURCE_EXHAUSTED;
			else
				hit->m = NULL;
		}
		for (size_t i = 0; i < nv; i++)
			if (v[i].m)
				protobuf_c_message_free_unpacked(v[i].m, NULL);
	}
	free(uniq);
	return rc;
}

int mlmd__node_deleted(call *c, const node_kind *k, int64_t id)
{
	static const char *const sql[3] = {
		[KIND_EXECUTION] = "SELECT 1 FROM execution WHERE id = ? AND deleted_time IS NOT NULL",
		[KIND_ARTIFACT] = "SELECT 1 FROM artifact WHERE id = ? AND deleted_time IS NOT NULL",
		[KIND_CONTEXT] = "SELECT 1 FROM context WHERE id = ? AND deleted_time IS NOT NULL",
	};
	if (c->s->schema_version < 5)
		return 0;
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql[k->kind]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	return rc;
}

int mlmd__node_exists(call *c, const node_kind *k, int64_t id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, c->s->schema_version >= 5 ? k->sql.exists_live : k->sql.exists);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	return rc;
}

/* ---- validation ---------------------------------------------------------- */

static int validate_props(const node_kind *k, const type_info *t, const prop_set *ps, int64_t id)
{
	char who[64];
	if (id)
		snprintf(who, sizeof who, "%s %lld", k->what, (long long)id);
	else
		snprintf(who, sizeof who, "new %s", k->what);
	for (size_t i = 0; i < ps->n; i++) {
		const prop_ref *p = &ps->v[i];
		if (p->custom || p->gone)
			continue;
		int got = value_ptype(p->value);
		int j = mlmd__type_prop(t, p->name);
		if (j < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "Found unknown property: %s (%s: type '%s' does not declare '%s')",
					  p->name, who, t->name, p->name);
		if (t->props[j].type != got)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "Found unmatched property type: %s (%s: property '%s' is %s in type '%s', got %s)",
					  p->name, who, p->name, ptype_name(t->props[j].type), t->name,
					  got ? ptype_name(got) : "no value");
	}
	return 0;
}

/* Maps a unique-constraint failure on a node row to MLMD's wording. */
static int node_conflict(int rc, const node_kind *k, const char *name, const char *external_id,
			 int64_t type_id)
{
	if (rc != -MLMD_ALREADY_EXISTS)
		return rc;
	return mlmd__fail(MLMD_ALREADY_EXISTS,
			  "Given node already exists: a %s with name '%s' in type %lld or external_id '%s' is stored",
			  k->what, name ? name : "", (long long)type_id, external_id ? external_id : "");
}

/* Runs a one-row id lookup bound with (int64?, text); 1 and *id when found. */
static int lookup_id(call *c, const char *sql, const int64_t *num, const char *text, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	int p = 1;
	if (num)
		mlmd__q_i64(&q, p++, *num);
	mlmd__q_text(&q, p, text);
	rc = mlmd__q_step(&q);
	if (rc == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc;
}

/* ---- insert ---------------------------------------------------------------- */

/* A deleted context's tombstone is renamed "\x1bdeleted:<id>" (names being
 * required there, unique per type): a live context may not take such a name,
 * or it could stop that delete (and hide among the tombstones). */
static int tombstone_name(const node_kind *k, const char *name, const char *what, long long id)
{
	static const char prefix[] = "\x1b" "deleted:";
	if (k->kind != KIND_CONTEXT || !name || strncmp(name, prefix, sizeof prefix - 1) != 0)
		return 0;
	char who[96];
	if (id)
		mlmd__snprintf(who, sizeof who, "%s %lld", what, id);
	else
		mlmd__snprintf(who, sizeof who, "%s", what);
	return mlmd__fail(MLMD_INVALID_ARGUMENT,
			  "%s: name '\\x1bdeleted:%.64s' is reserved for the tombstones of deleted contexts", who,
			  name + sizeof prefix - 1);
}

static int node_insert(call *c, const node_kind *k, const ProtobufCMessage *m, int64_t *id_out)
{
	if (!HAS(m, k->o_has_type_id))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "new %s: type_id is required to create a %s", k->what,
				  k->what);
	int64_t type_id = F(m, k->o_type_id, int64_t);
	const type_info *t;
	int rc = mlmd__type_get(c, k->kind, type_id, &t);
	if (rc)
		return mlmd__context(rc, "new %s", k->what);
	const char *name = F(m, k->o_name, const char *);
	const char *ext = F(m, k->o_external_id, const char *);
	if (name && !*name)
		name = NULL; /* an empty name is no name */
	if (ext && !*ext)
		ext = NULL;
	if (k->kind == KIND_CONTEXT && !name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "new context: name is required and must not be empty");
	if ((rc = tombstone_name(k, name, "new context", 0)))
		return rc;
	prop_set ps = { 0 };
	if ((rc = set_add_map(&ps, m, k, 0)) || (rc = set_add_map(&ps, m, k, 1)) ||
	    (rc = validate_props(k, t, &ps, 0)))
		goto out;
	/* in a batch, with an id reserved with the others: no answer to wait for */
	sqlq q;
	int64_t known;
	if ((rc = mlmd__insert_prepare(c->sql, &c->ids[k->kind], k->table, &q, k->sql.insert_with_id, k->sql.insert,
				       k->sql.insert_returning, &known)))
		goto out;
	mlmd__q_i64(&q, 1, type_id);
	mlmd__q_text(&q, 2, name);
	mlmd__q_text(&q, 3, ext);
	mlmd__q_text(&q, 4, k->o_uri != SIZE_MAX ? F(m, k->o_uri, const char *) : NULL);
	if (k->o_state != SIZE_MAX && HAS(m, k->o_has_state))
		mlmd__q_i64(&q, 5, F(m, k->o_state, int));
	mlmd__q_i64(&q, 6, c->now);
	mlmd__q_i64(&q, 7, c->now);
	uint8_t *sm = NULL;
	const ProtobufCMessage *smm = F(m, k->o_sysmeta, const ProtobufCMessage *);
	if (smm) {
		size_t n = protobuf_c_message_get_packed_size(smm);
		if (!(sm = malloc(n + 1))) {
			mlmd__q_done(&q);
			rc = MLMD_OOM();
			goto out;
		}
		protobuf_c_message_pack(smm, sm);
		mlmd__q_blob(&q, 8, sm, n);
	}
	int64_t id = 0;
	rc = mlmd__insert_run(&q, 9, known, &id);
	free(sm);
	if (rc < 0) {
		rc = node_conflict(rc, k, name, ext, type_id);
		goto out;
	}
	for (size_t i = 0; i < ps.n && !rc; i++) /* a new node's set has no gone entries */
		rc = insert_prop(c, k, id, &ps.v[i], 0);
	if (!rc && c->sql->keyed && mlmd__push_i64(&c->created[k->kind], &c->n_created[k->kind], id))
		rc = MLMD_OOM();
	if (!rc)
		*id_out = id;
out:
	set_free(&ps);
	return rc;
}

/* ---- update ---------------------------------------------------------------- */

typedef struct stored_node {
	int64_t type_id, ctime, mtime;
	char *name, *ext, *uri;
	int has_state, state;
} stored_node;

static void stored_free(stored_node *sn)
{
	free(sn->name);
	free(sn->ext);
	free(sn->uri);
}

static int load_stored(call *c, const node_kind *k, int64_t id, stored_node *sn, int *found)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, c->s->schema_version >= 5 ? k->sql.load_stored_live : k->sql.load_stored);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	*found = rc == 1;
	if (rc == 1) {
		sn->type_id = mlmd__q_col_i64(&q, 0);
		sn->name = mlmd__strdup(mlmd__q_col_text(&q, 1));
		sn->ext = mlmd__strdup(mlmd__q_col_text(&q, 2));
		sn->uri = mlmd__strdup(mlmd__q_col_text(&q, 3));
		sn->has_state = !mlmd__q_isnull(&q, 4);
		sn->state = (int)mlmd__q_col_i64(&q, 4);
		sn->ctime = mlmd__q_col_i64(&q, 5);
		sn->mtime = mlmd__q_col_i64(&q, 6);
		rc = 0;
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parses an update_mask path; returns the field it names, or P_IGNORED for
 * a path that changes nothing: output-only and immutable fields, and (as in
 * MLMD, which keeps only the paths that name a field of the node) empty
 * paths and paths that name no field. For "properties.KEY" /
 * "custom_properties.KEY", *key points at KEY. */
enum { P_NAME, P_EXT, P_URI, P_STATE, P_PROPS, P_CUSTOM, P_PROP_KEY, P_CUSTOM_KEY, P_IGNORED };

static int mask_path(const node_kind *k, const char *path, const char **key)
{
	if (!strcmp(path, "name")) return P_NAME;
	if (!strcmp(path, "external_id")) return P_EXT;
	if (!strcmp(path, "uri") && k->o_uri != SIZE_MAX) return P_URI;
	if (k->kind == KIND_ARTIFACT && !strcmp(path, "state")) return P_STATE;
	if (k->kind == KIND_EXECUTION && !strcmp(path, "last_known_state")) return P_STATE;
	if (!strcmp(path, "properties")) return P_PROPS;
	if (!strcmp(path, "custom_properties")) return P_CUSTOM;
	if (!strncmp(path, "properties.", 11) && path[11]) {
		*key = path + 11;
		return P_PROP_KEY;
	}
	if (!strncmp(path, "custom_properties.", 18) && path[18]) {
		*key = path + 18;
		return P_CUSTOM_KEY;
	}
	return P_IGNORED;
}

/* Loads the stored properties as a set over freshly loaded Values (owned by *holder). */
static int stored_props(call *c, const node_kind *k, int64_t id, ProtobufCMessage **holder, prop_set *ps)
{
	*holder = mlmd__msg_new(k->desc);
	if (!*holder)
		return MLMD_OOM();
	int rc = load_props(c, k, id, *holder);
	if (!rc && !(rc = set_add_map(ps, *holder, k, 0)))
		rc = set_add_map(ps, *holder, k, 1);
	return rc;
}

/* node_update's answer when a write is needed and, beside other writers,
 * the node is not locked yet: the caller locks it and calls again. */
#define NODE_NEEDS_LOCK 1

/*
 * Updates stored node `id` from m. Beside other writers (mlmd__sql_lock),
 * a first pass (locked 0) reads without locking: a node that would not
 * change (a context reused by name, say) is left so, and others reusing it
 * run on; one that would change returns NODE_NEEDS_LOCK, and the caller
 * locks the node and calls again (locked 1), which reads it afresh.
 */
static int node_update(call *c, const node_kind *k, const ProtobufCMessage *m, int64_t id, const put_opts *o,
		       int locked)
{
	stored_node sn = { 0 };
	int found = 0, rc;
	prop_set old = { 0 }, want = { 0 };
	ProtobufCMessage *holder = NULL;
	if ((rc = load_stored(c, k, id, &sn, &found)))
		return rc;
	if (!found && (rc = mlmd__node_deleted(c, k, id)) != 0)
		return rc < 0 ? rc : mlmd__fail(MLMD_NOT_FOUND, "%s %lld is deleted (a tombstone cannot be updated)",
					       k->what, (long long)id);
	if (!found) /* MLMD: INVALID_ARGUMENT, not NOT_FOUND (the request is what is wrong) */
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s %lld: Cannot find the given id %lld (no %s with this id is "
				  "stored, so it cannot be updated)", k->what, (long long)id, (long long)id, k->what);
	if (HAS(m, k->o_has_type_id) && F(m, k->o_type_id, int64_t) != sn.type_id) {
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
				"%s %lld: type_id cannot change (stored %lld, given %lld)", k->what, (long long)id,
				(long long)sn.type_id, (long long)F(m, k->o_type_id, int64_t));
		goto out;
	}
	if (o->validate_only_if_id)
		goto out;
	if (o->occ) {
		if (!HAS(m, k->o_has_mtime) || F(m, k->o_mtime, int64_t) != sn.mtime) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
					"%s %lld: last_update_time_since_epoch %lld does not match the stored %lld; "
					"the node changed since it was read (abort_if_latest_updated_time_changed)",
					k->what, (long long)id, (long long)F(m, k->o_mtime, int64_t), (long long)sn.mtime);
			goto out;
		}
	}
	const type_info *t;
	if ((rc = mlmd__type_get(c, k->kind, sn.type_id, &t)))
		goto out;
	if ((rc = stored_props(c, k, id, &holder, &old)))
		goto out;

	/* The new state of the node: start from the stored one. */
	const char *name = sn.name, *ext = sn.ext, *uri = sn.uri;
	int has_state = sn.has_state, state = sn.state;
	const char *m_name = F(m, k->o_name, const char *);
	const char *m_ext = F(m, k->o_external_id, const char *);
	const char *m_uri = k->o_uri != SIZE_MAX ? F(m, k->o_uri, const char *) : NULL;
	int m_has_state = k->o_state != SIZE_MAX && HAS(m, k->o_has_state);
	int m_state = m_has_state ? F(m, k->o_state, int) : 0;
	const Mlmd__Pb__Wkt__FieldMask *mask = o->mask;
	int set_name = 0;

	for (size_t i = 0; i < old.n; i++)
		if ((rc = set_put(&want, old.v[i].custom, old.v[i].name, old.v[i].value)))
			goto out;
	if (!mask || mask->n_paths == 0) {
		set_name = 1;
		ext = m_ext;
		uri = m_uri;
		has_state = m_has_state;
		state = m_state;
		set_free(&want);
		if ((rc = set_add_map(&want, m, k, 0)) || (rc = set_add_map(&want, m, k, 1)))
			goto out;
	} else {
		prop_set req = { 0 };
		if ((rc = set_add_map(&req, m, k, 0)) || (rc = set_add_map(&req, m, k, 1))) {
			set_free(&req);
			goto out;
		}
		int whole[2] = { 0, 0 }, replaced[2] = { 0, 0 };
		for (size_t i = 0; i < mask->n_paths; i++) {
			const char *key = NULL;
			int p = mask->paths[i] ? mask_path(k, mask->paths[i], &key) : P_IGNORED;
			if (p == P_PROPS || p == P_CUSTOM)
				whole[p == P_CUSTOM] = 1;
		}
		for (size_t i = 0; i < mask->n_paths; i++) {
			const char *key = NULL;
			int p = mask->paths[i] ? mask_path(k, mask->paths[i], &key) : P_IGNORED;
			switch (p) {
			case P_NAME: set_name = 1; break;
			case P_EXT: ext = m_ext; break;
			case P_URI: uri = m_uri; break;
			case P_STATE: has_state = m_has_state; state = m_state; break;
			case P_PROPS:
			case P_CUSTOM: {
				int custom = p == P_CUSTOM;
				if (replaced[custom]++)
					break; /* the map is already the request's */
				for (size_t j = 0; j < want.n; j++)
					if (want.v[j].custom == custom && !want.v[j].gone) {
						want.v[j].gone = 1;
						want.live--;
					}
				for (size_t j = 0; j < req.n && !rc; j++)
					if (req.v[j].custom == custom)
						rc = set_put(&want, custom, req.v[j].name, req.v[j].value);
				break;
			}
			case P_PROP_KEY:
			case P_CUSTOM_KEY: {
				int custom = p == P_CUSTOM_KEY;
				if (whole[custom])
					break; /* a whole-map path wins over key paths */
				int j = set_find(&req, custom, key);
				if (j >= 0)
					rc = set_put(&want, custom, key, req.v[j].value);
				else
					set_del(&want, custom, key);
				break;
			}
			default:
				break;
			}
		}
		set_free(&req);
		if (rc)
			goto out;
	}
	if (set_name && m_name && *m_name) {
		/* An artifact's or execution's name is fixed once set; a context's
		 * may change (MLMD updates it), unique within its type still. */
		if (k->kind != KIND_CONTEXT && sn.name && strcmp(sn.name, m_name) != 0) {
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
					"%s %lld: name cannot change once set (stored '%s', given '%s')", k->what,
					(long long)id, sn.name, m_name);
			goto out;
		}
		if ((rc = tombstone_name(k, m_name, k->what, (long long)id)))
			goto out;
		name = m_name;
	}
	if (ext && !*ext)
		ext = NULL;
	if ((rc = validate_props(k, t, &want, id)))
		goto out;
	/* a context renamed, or a node given a new external id, beside other
	 * writers takes the new name's or external id's lock, as a new node
	 * taking it would (mlmd__node_put): a writer creating or reusing one
	 * by that key then waits for this update and finds this node */
	if (locked && k->kind == KIND_CONTEXT && name && !str_eq(name, sn.name) &&
	    (rc = mlmd__sql_lock(c->sql, "name:%d:%lld:%s", k->kind, (long long)sn.type_id, name)))
		goto out;
	if (locked && ext && !str_eq(ext, sn.ext) && (rc = mlmd__sql_lock(c->sql, "ext:%d:%s", k->kind, ext)))
		goto out;

	int props_same = want.live == old.live;
	for (size_t i = 0; props_same && i < want.n; i++) {
		if (want.v[i].gone)
			continue;
		int j = set_find(&old, want.v[i].custom, want.v[i].name);
		props_same = j >= 0 && value_equal(want.v[i].value, old.v[j].value);
	}
	int same = props_same && str_eq(name, sn.name) && str_eq(ext, sn.ext) && str_eq(uri, sn.uri) &&
		   has_state == sn.has_state && (!has_state || state == sn.state);
	if (same && !o->force_update_time && !o->occ)
		goto out;
	if (!locked && c->sql->keyed) {
		/* what the locked pass will lock, declared for the request's plan
		 * (mlmd__node_want; a restart takes them up front) */
		if ((rc = mlmd__sql_want(c->sql, "node:%d:%lld", k->kind, (long long)id)) ||
		    (k->kind == KIND_CONTEXT && name && !str_eq(name, sn.name) &&
		     (rc = mlmd__sql_want(c->sql, "name:%d:%lld:%s", k->kind, (long long)sn.type_id, name))) ||
		    (ext && !str_eq(ext, sn.ext) && (rc = mlmd__sql_want(c->sql, "ext:%d:%s", k->kind, ext))))
			goto out;
		rc = NODE_NEEDS_LOCK;
		goto out;
	}

	int64_t mtime = c->now;
	if (o->occ && mtime <= sn.mtime)
		mtime = sn.mtime + 1; /* OCC promises a new, larger timestamp */
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, k->sql.update)))
		goto out;
	mlmd__q_text(&q, 1, name);
	mlmd__q_text(&q, 2, ext);
	mlmd__q_text(&q, 3, uri);
	if (has_state)
		mlmd__q_i64(&q, 4, state);
	mlmd__q_i64(&q, 5, mtime);
	mlmd__q_i64(&q, 6, id);
	if ((rc = mlmd__q_exec(&q))) {
		rc = node_conflict(rc, k, name, ext, sn.type_id);
		goto out;
	}
	if (!props_same) {
		/* Delete what is gone, upsert what is new or changed. */
		for (size_t i = 0; i < old.n && !rc; i++) {
			if (set_find(&want, old.v[i].custom, old.v[i].name) >= 0)
				continue;
			if ((rc = mlmd__q(c->sql, &q, k->sql.delete_prop)))
				break;
			mlmd__q_i64(&q, 1, id);
			mlmd__q_i64(&q, 2, old.v[i].custom);
			mlmd__q_text(&q, 3, old.v[i].name);
			rc = mlmd__q_exec(&q);
		}
		for (size_t i = 0; i < want.n && !rc; i++) {
			if (want.v[i].gone)
				continue;
			int j = set_find(&old, want.v[i].custom, want.v[i].name);
			if (j >= 0 && value_equal(want.v[i].value, old.v[j].value))
				continue;
			rc = insert_prop(c, k, id, &want.v[i], 1);
		}
	}
out:
	set_free(&old);
	set_free(&want);
	if (holder)
		protobuf_c_message_free_unpacked(holder, NULL);
	stored_free(&sn);
	return rc;
}

void mlmd__node_batch(call *c, const node_kind *k, void *const *nodes, size_t n)
{
	c->ids[k->kind].batch = 0;
	for (size_t i = 0; i < n; i++)
		c->ids[k->kind].batch += nodes[i] && !HAS(nodes[i], k->o_has_id);
}

/* The stored node a new one reuses, when o asks for reuse: by external id,
 * or a context by type and name; *id stays 0 when there is none. */
static int reuse_lookup(call *c, const node_kind *k, const ProtobufCMessage *m, const put_opts *o, int64_t *id)
{
	const char *ext = F(m, k->o_external_id, const char *);
	const char *name = F(m, k->o_name, const char *);
	int rc;
	if (o->reuse_by_external_id && ext && *ext && (rc = lookup_id(c, k->sql.by_external_id, NULL, ext, id)) < 0)
		return rc;
	if (!*id && o->reuse_context_by_name && k->kind == KIND_CONTEXT && name && *name &&
	    HAS(m, k->o_has_type_id) &&
	    (rc = lookup_id(c, k->sql.by_type_and_name, &F(m, k->o_type_id, int64_t), name, id)) < 0)
		return rc;
	return 0;
}

int mlmd__node_want(call *c, const node_kind *k, const ProtobufCMessage *m, const put_opts *o)
{
	static const put_opts none = { 0 };
	if (!c->sql->keyed || c->sql->no_lookahead || !m)
		return 0;
	if (!o)
		o = &none;
	/* Whatever is wrong with the node is left for mlmd__node_put to say:
	 * this pass only reads, and declares what it finds it will lock. */
	if (mlmd__pb_check_msg(m, MLMD_MAX_NODE_NESTING, "node"))
		return 0;
	if (HAS(m, k->o_has_id)) {
		(void)node_update(c, k, m, F(m, k->o_id, int64_t), o, 0);
		return 0;
	}
	/* A stored node reused by name or external id is not read further:
	 * reused nodes are mostly given unchanged (a pipeline's context), and
	 * one that does change locks itself when updated, running the request
	 * again if that comes out of order. */
	int64_t id = 0;
	if (reuse_lookup(c, k, m, o, &id) < 0 || id)
		return 0;
	const char *ext = F(m, k->o_external_id, const char *);
	const char *name = F(m, k->o_name, const char *);
	int rc = 0;
	if (ext && *ext)
		rc = mlmd__sql_want(c->sql, "ext:%d:%s", k->kind, ext);
	if (!rc && k->kind == KIND_CONTEXT && name && *name && HAS(m, k->o_has_type_id))
		rc = mlmd__sql_want(c->sql, "name:%d:%lld:%s", k->kind, (long long)F(m, k->o_type_id, int64_t), name);
	return rc;
}

int mlmd__node_put(call *c, const node_kind *k, const ProtobufCMessage *m, const put_opts *o, int64_t *id_out)
{
	static const put_opts none = { 0 };
	if (!o)
		o = &none;
	int64_t id = 0;
	int rc;
	/* What is stored must fit in every response that can hold it (see
	 * MLMD_MAX_NODE_NESTING); enum values must be ones the enums define. */
	char what[64];
	if (HAS(m, k->o_has_id))
		mlmd__snprintf(what, sizeof what, "%s %lld", k->what, (long long)F(m, k->o_id, int64_t));
	else
		mlmd__snprintf(what, sizeof what, "new %s", k->what);
	if ((rc = mlmd__pb_check_msg(m, MLMD_MAX_NODE_NESTING, what)))
		return rc;
	if (HAS(m, k->o_has_id)) {
		id = F(m, k->o_id, int64_t);
	} else {
		if ((rc = reuse_lookup(c, k, m, o, &id)))
			return rc;
		/* Beside other writers (mlmd__sql_lock; a no-op when writers run
		 * one at a time), the external id and context name a new node
		 * takes are locked, then looked up again: of two writers creating
		 * or reusing one, the second finds the first's. A stored one needs
		 * no lock (nodes are deleted only by calls that run alone). */
		const char *ext = F(m, k->o_external_id, const char *);
		const char *name = F(m, k->o_name, const char *);
		if (!id && ext && *ext && (rc = mlmd__sql_want(c->sql, "ext:%d:%s", k->kind, ext)))
			return rc;
		if (!id && k->kind == KIND_CONTEXT && name && *name && HAS(m, k->o_has_type_id) &&
		    (rc = mlmd__sql_want(c->sql, "name:%d:%lld:%s", k->kind, (long long)F(m, k->o_type_id, int64_t),
					 name)))
			return rc;
		if (!id && (rc = mlmd__sql_lock_wanted(c->sql)))
			return rc;
		if (!id && c->sql->keyed && (rc = reuse_lookup(c, k, m, o, &id)))
			return rc;
		if (!id)
			return node_insert(c, k, m, id_out);
	}
	/* A node this call created is seen by no other writer yet: its update
	 * takes no node lock (whose key, an id, would change if the request ran
	 * again). A new name or external id it takes is still locked. */
	int mine = 0;
	for (size_t i = 0; c->sql->keyed && i < c->n_created[k->kind] && !mine; i++)
		mine = c->created[k->kind][i] == id;
	rc = node_update(c, k, m, id, o, mine);
	if (rc == NODE_NEEDS_LOCK) {
		/* a write beside other writers: lock the node (and the new name or
		 * external id it takes, which the first pass declared), then read
		 * it again */
		if (!(rc = mlmd__sql_lock_wanted(c->sql)))
			rc = node_update(c, k, m, id, o, 1);
	}
	if (rc)
		return rc;
	*id_out = id;
	return 0;
}

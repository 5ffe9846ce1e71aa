/*
 * store/types.c - artifact, execution and context types.
 *
 * A type is identified by (kind, name, version); an unset or empty version is
 * stored as ''. Re-putting a type may add properties (can_add_fields) or omit
 * stored ones (can_omit_fields); changing a property's value type is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rpc.h"

#define F(m, off, T) (*(T *)((char *)(m) + (off)))
#define HAS(m, off) F(m, off, protobuf_c_boolean)

typedef struct type_kind {
	int kind;
	const char *what;
	const ProtobufCMessageDescriptor *desc, *entry;
	size_t o_has_id, o_id, o_name, o_version, o_description, o_external_id, o_n_props, o_props,
		o_has_base, o_base, o_input, o_output;
} type_kind;

/* Layout shared by every generated map<string, PropertyType> entry. */
typedef struct ptype_entry {
	ProtobufCMessage base;
	char *key;
	protobuf_c_boolean has_value;
	int value;
} ptype_entry;

#define TYPE_KIND(KIND, WHAT, T, D, E, IN, OUT)                                                   \
	{ KIND, WHAT, &D, &E, offsetof(T, has_id), offsetof(T, id), offsetof(T, name),              \
	  offsetof(T, version), offsetof(T, description), offsetof(T, external_id),                  \
	  offsetof(T, n_properties), offsetof(T, properties), offsetof(T, has_base_type),           \
	  offsetof(T, base_type), IN, OUT }

static const type_kind artifact_type = TYPE_KIND(
	KIND_ARTIFACT, "artifact type", Mlmd__Pb__ArtifactType, mlmd__pb__artifact_type__descriptor,
	mlmd__pb__artifact_type__properties_entry__descriptor, SIZE_MAX, SIZE_MAX);
static const type_kind execution_type = TYPE_KIND(
	KIND_EXECUTION, "execution type", Mlmd__Pb__ExecutionType, mlmd__pb__execution_type__descriptor,
	mlmd__pb__execution_type__properties_entry__descriptor, offsetof(Mlmd__Pb__ExecutionType, input_type),
	offsetof(Mlmd__Pb__ExecutionType, output_type));
static const type_kind context_type = TYPE_KIND(
	KIND_CONTEXT, "context type", Mlmd__Pb__ContextType, mlmd__pb__context_type__descriptor,
	mlmd__pb__context_type__properties_entry__descriptor, SIZE_MAX, SIZE_MAX);

static const type_kind *kind_of(int kind)
{
	return kind == KIND_ARTIFACT ? &artifact_type : kind == KIND_EXECUTION ? &execution_type : &context_type;
}

_Static_assert(offsetof(Mlmd__Pb__ArtifactType__PropertiesEntry, value) == offsetof(ptype_entry, value) &&
		       offsetof(Mlmd__Pb__ExecutionType__PropertiesEntry, value) == offsetof(ptype_entry, value) &&
		       offsetof(Mlmd__Pb__ContextType__PropertiesEntry, value) == offsetof(ptype_entry, value),
	       "property type entry layout");

static const char *const ptnames[] = { "UNKNOWN", "INT", "DOUBLE", "STRING", "STRUCT", "PROTO", "BOOLEAN" };
static const char *ptn(int t)
{
	return t >= 0 && t <= 6 ? ptnames[t] : "UNKNOWN";
}

/* ---- per-call type cache ------------------------------------------------- */

static void type_info_free(type_info *t)
{
	free(t->name);
	for (size_t i = 0; i < t->nprops; i++)
		free(t->props[i].name);
	free(t->props);
}

static int prop_cmp(const void *a, const void *b)
{
	return strcmp(((const type_prop *)a)->name, ((const type_prop *)b)->name);
}

int mlmd__type_prop(const type_info *t, const char *name)
{
	if (!t->nprops)
		return -1;
	type_prop key = { (char *)name, 0 };
	const type_prop *hit = bsearch(&key, t->props, t->nprops, sizeof *t->props, prop_cmp);
	return hit ? (int)(hit - t->props) : -1;
}

void mlmd__call_cleanup(call *c)
{
	for (size_t i = 0; i < c->ntypes; i++)
		type_info_free(&c->types[i]);
	free(c->types);
	c->types = NULL;
	c->ntypes = 0;
	for (int k = 0; k < 3; k++) {
		free(c->deleted[k]);
		c->deleted[k] = NULL;
		c->n_deleted[k] = 0;
		free(c->created[k]);
		c->created[k] = NULL;
		c->n_created[k] = 0;
	}
	for (size_t k = 0; k < sizeof c->ids / sizeof c->ids[0]; k++)
		mlmd__id_pool_free(&c->ids[k]);
}

static void forget_type(call *c, int64_t id)
{
	for (size_t i = 0; i < c->ntypes; i++) {
		if (c->types[i].id == id) {
			type_info_free(&c->types[i]);
			c->types[i] = c->types[--c->ntypes];
			return;
		}
	}
}

int mlmd__type_get(call *c, int kind, int64_t id, const type_info **out)
{
	for (size_t i = 0; i < c->ntypes; i++) {
		if (c->types[i].id == id && c->types[i].kind == kind) {
			*out = &c->types[i];
			return 0;
		}
	}
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT name FROM type WHERE id = ? AND kind = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	mlmd__q_i64(&q, 2, kind);
	type_info t = { id, kind, NULL, 0, NULL };
	rc = mlmd__q_step(&q);
	if (rc == 1 && !(t.name = mlmd__strdup(mlmd__q_col_text(&q, 0))))
		rc = MLMD_OOM();
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return mlmd__fail(MLMD_NOT_FOUND, "no %s with id %lld", kind_of(kind)->what, (long long)id);
	if ((rc = mlmd__q(c->sql, &q, "SELECT name, value_type FROM type_property WHERE type_id = ? ORDER BY name")))
		goto fail;
	mlmd__q_i64(&q, 1, id);
	while ((rc = mlmd__q_step(&q)) == 1) {
		char *n = mlmd__strdup(mlmd__q_col_text(&q, 0));
		if (!n || mlmd__grow((void **)&t.props, t.nprops, sizeof *t.props)) {
			free(n);
			rc = MLMD_OOM();
			break;
		}
		t.props[t.nprops].name = n;
		t.props[t.nprops++].type = (int)mlmd__q_col_i64(&q, 1);
	}
	mlmd__q_done(&q);
	if (rc < 0)
		goto fail;
	/* sorted here, not by ORDER BY: PostgreSQL may collate by locale */
	if (t.nprops > 1)
		qsort(t.props, t.nprops, sizeof *t.props, prop_cmp);
	if (mlmd__grow((void **)&c->types, c->ntypes, sizeof *c->types)) {
		rc = -MLMD_RESOURCE_EXHAUSTED;
		goto fail;
	}
	c->types[c->ntypes] = t;
	*out = &c->types[c->ntypes++];
	return 0;
fail:
	type_info_free(&t);
	return rc;
}

/* ---- load ---------------------------------------------------------------- */

static int load_struct_type(sqlq *q, int col, ProtobufCMessage *m, size_t off)
{
	size_t n;
	const void *b = mlmd__q_col_blob(q, col, &n);
	if (!b || off == SIZE_MAX)
		return 0;
	if (mlmd__pb_check_wire(&mlmd__pb__artifact_struct_type__descriptor, b, n, MLMD_MAX_NESTING,
				"stored ArtifactStructType"))
	{
		char why[512];
		mlmd__snprintf(why, sizeof why, "%s", mlmd_error_message());
		return mlmd__fail(MLMD_DATA_LOSS, "%s", why);
	}
	F(m, off, void *) = mlmd__pb__artifact_struct_type__unpack(NULL, n, b);
	return F(m, off, void *) ? 0 : mlmd__fail(MLMD_DATA_LOSS, "stored ArtifactStructType does not parse");
}

int mlmd__type_load(call *c, int kind, int64_t id, ProtobufCMessage **out)
{
	const type_kind *tk = kind_of(kind);
	sqlq q;
	*out = NULL;
	int rc = mlmd__q(c->sql, &q,
			 "SELECT name, version, description, external_id, base_type, input_type, output_type"
			 " FROM type WHERE id = ? AND kind = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	mlmd__q_i64(&q, 2, kind);
	rc = mlmd__q_step(&q);
	if (rc != 1) {
		mlmd__q_done(&q);
		return rc;
	}
	ProtobufCMessage *m = mlmd__msg_new(tk->desc);
	if (!m) {
		mlmd__q_done(&q);
		return MLMD_OOM();
	}
	HAS(m, tk->o_has_id) = 1;
	F(m, tk->o_id, int64_t) = id;
	const char *version = mlmd__q_col_text(&q, 1);
	const char *desc = mlmd__q_col_text(&q, 2);
	const char *ext = mlmd__q_col_text(&q, 3);
	F(m, tk->o_name, char *) = mlmd__strdup(mlmd__q_col_text(&q, 0));
	if (version && *version)
		F(m, tk->o_version, char *) = mlmd__strdup(version);
	if (desc)
		F(m, tk->o_description, char *) = mlmd__strdup(desc);
	if (ext)
		F(m, tk->o_external_id, char *) = mlmd__strdup(ext);
	int base = (int)mlmd__q_col_i64(&q, 4);
	if (base) {
		HAS(m, tk->o_has_base) = 1;
		F(m, tk->o_base, int) = base;
	}
	rc = load_struct_type(&q, 5, m, tk->o_input);
	if (!rc)
		rc = load_struct_type(&q, 6, m, tk->o_output);
	mlmd__q_done(&q);
	if (!rc && !F(m, tk->o_name, char *))
		rc = MLMD_OOM();
	if (!rc && !(rc = mlmd__q(c->sql, &q, "SELECT name, value_type FROM type_property WHERE type_id = ? ORDER BY name"))) {
		mlmd__q_i64(&q, 1, id);
		while ((rc = mlmd__q_step(&q)) == 1) {
			ptype_entry *e = mlmd__msg_new(tk->entry);
			if (!e || !(e->key = mlmd__strdup(mlmd__q_col_text(&q, 0))) ||
			    mlmd__push_ptr(&F(m, tk->o_props, void **), &F(m, tk->o_n_props, size_t), e)) {
				if (e)
					protobuf_c_message_free_unpacked(&e->base, NULL);
				rc = MLMD_OOM();
				break;
			}
			e->has_value = 1;
			e->value = (int)mlmd__q_col_i64(&q, 1);
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	if (rc) {
		protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return 1;
}

/* ---- put ----------------------------------------------------------------- */

static int pack_struct_type(const ProtobufCMessage *m, size_t off, uint8_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (off == SIZE_MAX || !F(m, off, const ProtobufCMessage *))
		return 0;
	const ProtobufCMessage *st = F(m, off, const ProtobufCMessage *);
	*n = protobuf_c_message_get_packed_size(st);
	if (!(*out = malloc(*n + 1)))
		return MLMD_OOM();
	protobuf_c_message_pack(st, *out);
	return 0;
}

static int insert_type_prop(call *c, int64_t type_id, const char *name, int vt)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "INSERT INTO type_property (type_id, name, value_type) VALUES (?, ?, ?)");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, type_id);
	mlmd__q_text(&q, 2, name);
	mlmd__q_i64(&q, 3, vt);
	return mlmd__q_exec(&q);
}

/* A request's property definitions as a sorted set: one per name, the last
 * definition of a repeated key winning (protobuf map semantics). The names
 * point into the request. */
typedef struct req_prop {
	const char *name;
	int type;
	size_t at; /* position in the request */
} req_prop;

static int req_prop_cmp(const void *a, const void *b)
{
	const req_prop *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* put_type_props found something to write beside other writers: lock first. */
#define TYPE_NEEDS_LOCK 1

static int put_type_props(call *c, const type_kind *tk, const ProtobufCMessage *m, const char *name,
			  const char *version, const char *ext, int has_base, int base, const type_info *req,
			  int can_add, int can_omit, int locked, int64_t *id_out);

static int req_props(ptype_entry **props, size_t np, type_info *out)
{
	req_prop *v = malloc((np + 1) * sizeof *v);
	if (!v)
		return MLMD_OOM();
	for (size_t i = 0; i < np; i++)
		v[i] = (req_prop){ props[i]->key, props[i]->value, i };
	if (np > 1)
		qsort(v, np, sizeof *v, req_prop_cmp);
	out->props = malloc((np + 1) * sizeof *out->props);
	if (!out->props) {
		free(v);
		return MLMD_OOM();
	}
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		if (i + 1 < np && strcmp(v[i].name, v[i + 1].name) == 0)
			continue; /* a later definition of the same name follows */
		out->props[n].name = (char *)v[i].name;
		out->props[n++].type = v[i].type;
	}
	out->nprops = n;
	free(v);
	return 0;
}

/* Creates or evolves a type (MLMD's rules) and sets *id_out to its id.
 * With want_only (beside other writers, before a request writes anything)
 * it writes nothing: it declares the type's lock when the type would be
 * written (mlmd__sql_want), and leaves errors for the real pass. */
static int put_type(call *c, const type_kind *tk, const ProtobufCMessage *m, int can_add, int can_omit,
		    int want_only, int64_t *id_out)
{
	const char *name = m ? F(m, tk->o_name, const char *) : NULL;
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: name is required and must not be empty", tk->what);
	char what[320];
	mlmd__snprintf(what, sizeof what, "%s '%.256s'", tk->what, name);
	int rc = mlmd__pb_check_msg(m, MLMD_MAX_NODE_NESTING, what);
	if (rc)
		return rc;
	const char *version = F(m, tk->o_version, const char *);
	if (!version)
		version = "";
	const char *ext = F(m, tk->o_external_id, const char *);
	if (ext && !*ext)
		ext = NULL;
	size_t np = F(m, tk->o_n_props, size_t);
	ptype_entry **props = F(m, tk->o_props, ptype_entry **);
	for (size_t i = 0; i < np; i++) {
		if (!props[i]->key || !*props[i]->key)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%s': a property has an empty name", tk->what, name);
		if (props[i]->value <= 0 || props[i]->value > 6)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%s': property '%s' has value type %s",
					  tk->what, name, props[i]->key, ptn(props[i]->value));
	}
	int has_base = HAS(m, tk->o_has_base);
	int base = has_base ? F(m, tk->o_base, int) : 0;
	/* MLMD: a base type is added to a type that has none, kept when
	 * given again, and never changed or removed (UNSET given). */
	if (has_base && base == 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "base_type deletion is not supported yet (%s '%s': base_type UNSET)",
				  tk->what, name);
	type_info req = { 0 };
	if ((rc = req_props(props, np, &req)))
		return rc;
	/* Beside other writers, the type is read first without a lock: a type
	 * given again unchanged (every PutExecution's caller does that) is
	 * answered so. Only a write locks the type by name and reads it again,
	 * so two writers creating or evolving it run one after the other. */
	int64_t seen = 0;
	rc = put_type_props(c, tk, m, name, version, ext, has_base, base, &req, can_add, can_omit, 0, &seen);
	if (rc == TYPE_NEEDS_LOCK) {
		if (seen)
			forget_type(c, seen); /* read again under the lock */
		if (want_only)
			rc = mlmd__sql_want(c->sql, "type:%d:%s:%s", tk->kind, name, version);
		else if (!(rc = mlmd__sql_lock(c->sql, "type:%d:%s:%s", tk->kind, name, version)))
			rc = put_type_props(c, tk, m, name, version, ext, has_base, base, &req, can_add, can_omit, 1,
					    id_out);
	} else if (!rc) {
		*id_out = seen;
	}
	free(req.props);
	return rc;
}

/* put_type with the request's properties as a sorted set. Beside other
 * writers (c->sql->keyed) and not `locked`, it writes nothing: where it
 * would, it returns TYPE_NEEDS_LOCK (with *id_out set to a stored type's
 * id, whose cached definition the caller forgets). */
static int put_type_props(call *c, const type_kind *tk, const ProtobufCMessage *m, const char *name,
			  const char *version, const char *ext, int has_base, int base, const type_info *req,
			  int can_add, int can_omit, int locked, int64_t *id_out)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT id, base_type, external_id, description FROM type"
				     " WHERE kind = ? AND name = ? AND version = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, tk->kind);
	mlmd__q_text(&q, 2, name);
	mlmd__q_text(&q, 3, version);
	rc = mlmd__q_step(&q);
	int64_t id = 0;
	int stored_base = 0;
	char *stored_ext = NULL, *stored_desc = NULL;
	if (rc == 1) {
		id = mlmd__q_col_i64(&q, 0);
		stored_base = (int)mlmd__q_col_i64(&q, 1);
		stored_ext = mlmd__strdup(mlmd__q_col_text(&q, 2));
		stored_desc = mlmd__strdup(mlmd__q_col_text(&q, 3));
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	*id_out = id;
	int may_write = locked || !c->sql->keyed;

	if (!id && !may_write)
		return TYPE_NEEDS_LOCK;
	if (!id) {
		uint8_t *in = NULL, *outb = NULL;
		size_t nin, nout;
		if ((rc = pack_struct_type(m, tk->o_input, &in, &nin)) ||
		    (rc = pack_struct_type(m, tk->o_output, &outb, &nout))) {
			free(in);
			return rc;
		}
		if (!(rc = mlmd__q_insert(c->sql, &q, MLMD_INSERT("INSERT INTO type (kind, name, version, description,"
								 " external_id, base_type, input_type, output_type)"
								 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))) {
			mlmd__q_i64(&q, 1, tk->kind);
			mlmd__q_text(&q, 2, name);
			mlmd__q_text(&q, 3, version);
			mlmd__q_text(&q, 4, F(m, tk->o_description, const char *));
			mlmd__q_text(&q, 5, ext);
			mlmd__q_i64(&q, 6, base);
			mlmd__q_blob(&q, 7, in, nin);
			mlmd__q_blob(&q, 8, outb, nout);
			rc = mlmd__q_insert_step(&q, &id);
		}
		free(in);
		free(outb);
		if (rc == -MLMD_ALREADY_EXISTS)
			return mlmd__fail(MLMD_ALREADY_EXISTS, "%s '%s': external_id '%s' is used by another type",
					  tk->what, name, ext ? ext : "");
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < req->nprops; i++)
			if ((rc = insert_type_prop(c, id, req->props[i].name, req->props[i].type)))
				return rc;
		*id_out = id;
		return 0;
	}

	/* The type exists: check the request is a compatible evolution of it. */
	if (HAS(m, tk->o_has_id) && F(m, tk->o_id, int64_t) != id) {
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%s': given id %lld but the stored type has id %lld",
				tk->what, name, (long long)F(m, tk->o_id, int64_t), (long long)id);
		goto out;
	}
	if (has_base && stored_base && base != stored_base) {
		rc = mlmd__fail(MLMD_UNIMPLEMENTED, "%s '%s': changing base_type (stored %d, given %d) is not supported",
				tk->what, name, stored_base, base);
		goto out;
	}
	const type_info *t;
	if ((rc = mlmd__type_get(c, tk->kind, id, &t)))
		goto out;
	/* Both lists are sorted by name: one merge walk classifies every name
	 * as in both (same value type required), only in the request (added:
	 * can_add_fields) or only stored (omitted: can_omit_fields). */
	int added = 0;
	for (size_t i = 0, j = 0; i < req->nprops || j < t->nprops;) {
		int cmp = i == req->nprops ? 1 : j == t->nprops ? -1 : strcmp(req->props[i].name, t->props[j].name);
		if (cmp == 0 && t->props[j].type != req->props[i].type) {
			rc = mlmd__fail(MLMD_ALREADY_EXISTS,
					"Type already exists with different properties: %s '%s' stores property '%s' as %s, given %s",
					tk->what, name, req->props[i].name, ptn(t->props[j].type), ptn(req->props[i].type));
			goto out;
		}
		if (cmp < 0 && !can_add) {
			rc = mlmd__fail(MLMD_ALREADY_EXISTS,
					"Type already exists with different properties: %s '%s' has no property '%s' "
					"(set can_add_fields to add it)",
					tk->what, name, req->props[i].name);
			goto out;
		}
		if (cmp > 0 && !can_omit) {
			rc = mlmd__fail(MLMD_ALREADY_EXISTS,
					"Type already exists with different properties: %s '%s' stores property '%s', "
					"which the request omits (set can_omit_fields to allow it)",
					tk->what, name, t->props[j].name);
			goto out;
		}
		added |= cmp < 0;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	const char *desc = F(m, tk->o_description, const char *);
	int new_text = (ext && !(stored_ext && !strcmp(ext, stored_ext))) ||
		       (desc && !(stored_desc && !strcmp(desc, stored_desc)));
	if (!may_write && (added || (has_base && !stored_base) || new_text)) {
		rc = TYPE_NEEDS_LOCK;
		goto out;
	}
	for (size_t i = 0, j = 0; added && i < req->nprops; i++) {
		while (j < t->nprops && strcmp(t->props[j].name, req->props[i].name) < 0)
			j++;
		if (j < t->nprops && strcmp(t->props[j].name, req->props[i].name) == 0)
			continue;
		if ((rc = insert_type_prop(c, id, req->props[i].name, req->props[i].type)))
			goto out;
	}
	if (has_base && !stored_base) {
		if ((rc = mlmd__q(c->sql, &q, "UPDATE type SET base_type = ? WHERE id = ?")))
			goto out;
		mlmd__q_i64(&q, 1, base);
		mlmd__q_i64(&q, 2, id);
		if ((rc = mlmd__q_exec(&q)))
			goto out;
		added = 1;
	}
	if (added)
		forget_type(c, id);
	if (new_text) {
		if (!(rc = mlmd__q(c->sql, &q, "UPDATE type SET external_id = ?, description = ? WHERE id = ?"))) {
			mlmd__q_text(&q, 1, ext ? ext : stored_ext);
			mlmd__q_text(&q, 2, desc ? desc : stored_desc);
			mlmd__q_i64(&q, 3, id);
			rc = mlmd__q_exec(&q);
			if (rc == -MLMD_ALREADY_EXISTS)
				rc = mlmd__fail(MLMD_ALREADY_EXISTS, "%s '%s': external_id '%s' is used by another type",
						tk->what, name, ext);
		}
		if (rc)
			goto out;
	}
	*id_out = id;
out:
	free(stored_ext);
	free(stored_desc);
	return rc;
}

/* ---- RPCs -------------------------------------------------------------------- */

#define PUT_TYPE_RPC(M, FIELD, KIND)                                                                 \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)    \
	{                                                                                            \
		int64_t id = 0;                                                                      \
		if (!rq->FIELD)                                                                      \
			return mlmd__fail(MLMD_INVALID_ARGUMENT, #M ": " #FIELD " is required");     \
		int rc = put_type(c, &KIND, &rq->FIELD->base, rq->can_add_fields, rq->can_omit_fields, 0, &id); \
		if (rc)                                                                              \
			return rc;                                                                   \
		rs->has_type_id = 1;                                                                 \
		rs->type_id = id;                                                                    \
		return 0;                                                                            \
	}
PUT_TYPE_RPC(PutArtifactType, artifact_type, artifact_type)
PUT_TYPE_RPC(PutExecutionType, execution_type, execution_type)
PUT_TYPE_RPC(PutContextType, context_type, context_type)

int mlmd__rpc_PutTypes(call *c, const Mlmd__Pb__PutTypesRequest *rq, Mlmd__Pb__PutTypesResponse *rs)
{
	int rc = 0;
	int64_t id;
	/* Beside other writers, the types that will be written are locked in
	 * order before the first is (sql/locks.c). */
	if (c->sql->keyed && !c->sql->no_lookahead && rq->n_artifact_types + rq->n_execution_types + rq->n_context_types > 1) {
		for (size_t i = 0; i < rq->n_artifact_types; i++)
			(void)put_type(c, &artifact_type, &rq->artifact_types[i]->base, rq->can_add_fields,
				       rq->can_omit_fields, 1, &id);
		for (size_t i = 0; i < rq->n_execution_types; i++)
			(void)put_type(c, &execution_type, &rq->execution_types[i]->base, rq->can_add_fields,
				       rq->can_omit_fields, 1, &id);
		for (size_t i = 0; i < rq->n_context_types; i++)
			(void)put_type(c, &context_type, &rq->context_types[i]->base, rq->can_add_fields,
				       rq->can_omit_fields, 1, &id);
		if ((rc = mlmd__sql_lock_wanted(c->sql)))
			return rc;
	}
	for (size_t i = 0; i < rq->n_artifact_types && !rc; i++)
		if (!(rc = put_type(c, &artifact_type, &rq->artifact_types[i]->base, rq->can_add_fields,
				    rq->can_omit_fields, 0, &id)))
			rc = mlmd__push_i64(&rs->artifact_type_ids, &rs->n_artifact_type_ids, id);
	for (size_t i = 0; i < rq->n_execution_types && !rc; i++)
		if (!(rc = put_type(c, &execution_type, &rq->execution_types[i]->base, rq->can_add_fields,
				    rq->can_omit_fields, 0, &id)))
			rc = mlmd__push_i64(&rs->execution_type_ids, &rs->n_execution_type_ids, id);
	for (size_t i = 0; i < rq->n_context_types && !rc; i++)
		if (!(rc = put_type(c, &context_type, &rq->context_types[i]->base, rq->can_add_fields,
				    rq->can_omit_fields, 0, &id)))
			rc = mlmd__push_i64(&rs->context_type_ids, &rs->n_context_type_ids, id);
	return rc;
}

int mlmd__type_find(call *c, int kind, const char *name, const char *version, int64_t *id)
{
	*id = 0;
	if (!name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "type_name is required");
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT id FROM type WHERE kind = ? AND name = ? AND version = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_text(&q, 2, name);
	mlmd__q_text(&q, 3, version ? version : "");
	rc = mlmd__q_step(&q);
	if (rc == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int get_type_by_name(call *c, int kind, const char *name, const char *version, ProtobufCMessage **out)
{
	int64_t id;
	int rc = mlmd__type_find(c, kind, name, version, &id);
	if (rc)
		return rc;
	if (!id)
		return mlmd__fail(MLMD_NOT_FOUND, "No type found for query, name: `%s`, version: `%s` (%s)", name,
				  version ? version : "", kind_of(kind)->what);
	rc = mlmd__type_load(c, kind, id, out);
	return rc < 0 ? rc : 0;
}

#define GET_TYPE_RPC(M, FIELD, KIND)                                                                \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		return get_type_by_name(c, KIND, rq->type_name, rq->type_version,                   \
					(ProtobufCMessage **)&rs->FIELD);                           \
	}
GET_TYPE_RPC(GetArtifactType, artifact_type, KIND_ARTIFACT)
GET_TYPE_RPC(GetExecutionType, execution_type, KIND_EXECUTION)
GET_TYPE_RPC(GetContextType, context_type, KIND_CONTEXT)

static int append_type(call *c, int kind, int64_t id, void ***arr, size_t *n)
{
	ProtobufCMessage *m = NULL;
	int rc = mlmd__type_load(c, kind, id, &m);
	if (rc <= 0)
		return rc;
	if (mlmd__push_ptr(arr, n, m)) {
		protobuf_c_message_free_unpacked(m, NULL);
		return -MLMD_RESOURCE_EXHAUSTED;
	}
	return 0;
}

static int all_types(call *c, int kind, void ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT id FROM type WHERE kind = ? ORDER BY id");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, kind);
	int64_t *ids = NULL;
	size_t nids = 0;
	rc = mlmd__q_ids(&q, &ids, &nids);
	for (size_t i = 0; rc == 0 && i < nids; i++)
		rc = append_type(c, kind, ids[i], arr, n);
	free(ids);
	return rc;
}

#define ALL_TYPES_RPC(M, FIELD, KIND)                                                               \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		(void)rq;                                                                           \
		return all_types(c, KIND, (void ***)&rs->FIELD, &rs->n_##FIELD);                    \
	}
ALL_TYPES_RPC(GetArtifactTypes, artifact_types, KIND_ARTIFACT)
ALL_TYPES_RPC(GetExecutionTypes, execution_types, KIND_EXECUTION)
ALL_TYPES_RPC(GetContextTypes, context_types, KIND_CONTEXT)

#define TYPES_BY_ID_RPC(M, FIELD, KIND)                                                             \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		int rc = 0;                                                                         \
		for (size_t i = 0; i < rq->n_type_ids && !rc; i++)                                  \
			rc = append_type(c, KIND, rq->type_ids[i], (void ***)&rs->FIELD, &rs->n_##FIELD); \
		return rc;                                                                          \
	}
TYPES_BY_ID_RPC(GetArtifactTypesByID, artifact_types, KIND_ARTIFACT)
TYPES_BY_ID_RPC(GetExecutionTypesByID, execution_types, KIND_EXECUTION)
TYPES_BY_ID_RPC(GetContextTypesByID, context_types, KIND_CONTEXT)

static int types_by_external_ids(call *c, int kind, char **ext, size_t n_ext, void ***arr, size_t *n)
{
	int rc = 0;
	for (size_t i = 0; i < n_ext; i++)
		if (!ext[i] || !*ext[i])
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "external_ids[%zu] is empty", i);
	for (size_t i = 0; i < n_ext && !rc; i++) {
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, "SELECT id FROM type WHERE kind = ? AND external_id = ?")))
			break;
		mlmd__q_i64(&q, 1, kind);
		mlmd__q_text(&q, 2, ext[i]);
		rc = mlmd__q_step(&q);
		int64_t id = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
		mlmd__q_done(&q);
		if (rc < 0)
			break;
		rc = id ? append_type(c, kind, id, arr, n) : 0;
	}
	if (!rc && *n == 0 && n_ext > 0)
		rc = mlmd__fail(MLMD_NOT_FOUND, "no %s found for the given external_ids", kind_of(kind)->what);
	return rc;
}

#define TYPES_BY_EXT_RPC(M, FIELD, KIND)                                                            \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		return types_by_external_ids(c, KIND, rq->external_ids, rq->n_external_ids,         \
					     (void ***)&rs->FIELD, &rs->n_##FIELD);                 \
	}
TYPES_BY_EXT_RPC(GetArtifactTypesByExternalIds, artifact_types, KIND_ARTIFACT)
TYPES_BY_EXT_RPC(GetExecutionTypesByExternalIds, execution_types, KIND_EXECUTION)
TYPES_BY_EXT_RPC(GetContextTypesByExternalIds, context_types, KIND_CONTEXT)

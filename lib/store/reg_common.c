/*
 * store/reg_common.c - what the registry's handlers share: name checks,
 * loading a registered model and its versions (MLMD contexts found by type
 * and name, one index lookup each), the ModelVersion and RegisteredModel
 * messages, and masked property updates on a context.
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

const char *mlmd__reg_status_name(int status)
{
	switch (status) {
	case REG_PENDING: return "pending";
	case REG_APPROVED: return "approved";
	case REG_REJECTED: return "rejected";
	case REG_SUPERSEDED: return "superseded";
	default: return "unknown";
	}
}

int mlmd__reg_strdup(char **dst, const char *src)
{
	if (!src)
		return 0;
	return (*dst = mlmd__strdup(src)) ? 0 : MLMD_OOM();
}

int mlmd__reg_q_texts(sqlq *q, char ***arr, size_t *n)
{
	int rc;
	while ((rc = mlmd__q_step(q)) == 1) {
		char *s = mlmd__strdup(mlmd__q_col_text(q, 0));
		if (!s || mlmd__push_ptr((void ***)arr, n, s)) {
			free(s);
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

/* ---- names ------------------------------------------------------------------------------- */

int mlmd__reg_check_name(const char *name)
{
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "model name is required");
	size_t n = strlen(name);
	if (n > MLMD_REG_MAX_NAME)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "model name '%.40s...' is %zu bytes; at most %d", name, n,
				  MLMD_REG_MAX_NAME);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7f)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "model name '%s' holds a control character at byte %zu",
					  name, i);
		if (ch == '/' || ch == '@')
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "model name '%s' holds '%c' at byte %zu (it separates a version or an alias: "
					  "NAME/VERSION, NAME@ALIAS)", name, ch, i);
	}
	return 0;
}

int mlmd__reg_check_alias(const char *alias, const char *what)
{
	if (!alias || !*alias)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the alias is empty", what);
	size_t n = strlen(alias);
	if (n > MLMD_REG_MAX_ALIAS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: alias '%.40s...' is %zu characters; at most %d", what,
				  alias, n, MLMD_REG_MAX_ALIAS);
	char c0 = alias[0];
	if (!((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z') || c0 == '_'))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: alias '%s' must start with a letter or '_'", what, alias);
	for (size_t i = 1; i < n; i++) {
		char ch = alias[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '.' || ch == '-'))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "%s: alias '%s' holds '%c' at %zu; only letters, digits, '_', '.' and '-'",
					  what, alias, ch >= 0x20 && ch < 0x7f ? ch : '?', i);
	}
	if (!strcmp(alias, "latest"))
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s: 'latest' is reserved (NAME@latest resolves to the highest version)", what);
	return 0;
}

int mlmd__reg_check_tags(Mlmd__Pb__Governance__Tag *const *tags, size_t n, const char *what)
{
	if (n > MLMD_REG_MAX_TAGS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu tags; at most %d", what, n, MLMD_REG_MAX_TAGS);
	for (size_t i = 0; i < n; i++) {
		char w[64];
		mlmd__snprintf(w, sizeof w, "%s[%zu]", what, i);
		int rc = mlmd__track_check_key(tags[i]->key, w);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(tags[j]->key, tags[i]->key))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: tag '%s' is given twice", w, tags[i]->key);
	}
	return 0;
}

/* ---- models and versions ------------------------------------------------------------------ */

const Mlmd__Pb__Value *mlmd__reg_prop(const Mlmd__Pb__Context *x, const char *name)
{
	for (size_t i = 0; i < x->n_custom_properties; i++)
		if (!strcmp(x->custom_properties[i]->key, name))
			return x->custom_properties[i]->value;
	return NULL;
}

int64_t mlmd__reg_prop_int(const Mlmd__Pb__Context *x, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd__reg_prop(x, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? v->int_value : 0;
}

static const char *prop_str(const Mlmd__Pb__Context *x, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd__reg_prop(x, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

void mlmd__reg_model_free(reg_model *m)
{
	if (m->ctx)
		protobuf_c_message_free_unpacked(&m->ctx->base, NULL);
	memset(m, 0, sizeof *m);
}

/* The id of the context of type `type` named `name` (0: none): the
 * (type_id, name) unique index, after the type's own. */
static int ctx_by_name(call *c, const char *type, const char *name, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT x.id FROM type t JOIN context x ON x.type_id = t.id"
			 " WHERE t.kind = 2 AND t.name = ? AND t.version = '' AND x.name = ?");
	if (rc)
		return rc;
	mlmd__q_text(&q, 1, type);
	mlmd__q_text(&q, 2, name);
	*id = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int model_from_ctx(ProtobufCMessage *msg, reg_model *m)
{
	memset(m, 0, sizeof *m);
	m->ctx = (Mlmd__Pb__Context *)msg;
	m->id = m->ctx->id;
	m->name = m->ctx->name;
	m->latest = mlmd__reg_prop_int(m->ctx, REG_P_LATEST);
	return 0;
}

int mlmd__reg_model_load(call *c, const char *name, reg_model *m)
{
	memset(m, 0, sizeof *m);
	int rc = mlmd__reg_check_name(name);
	int64_t id = 0;
	if (!rc)
		rc = ctx_by_name(c, MLMD_REG_MODEL_TYPE, name, &id);
	if (rc)
		return rc;
	if (!id)
		return mlmd__fail(MLMD_NOT_FOUND, "registered model '%s' does not exist", name);
	return mlmd__reg_model_load_id(c, id, m);
}

int mlmd__reg_model_load_id(call *c, int64_t id, reg_model *m)
{
	memset(m, 0, sizeof *m);
	ProtobufCMessage *msg = NULL;
	int rc = mlmd__node_load(c, &mlmd__context_kind, id, &msg);
	if (rc)
		return rc;
	if (!msg || !((Mlmd__Pb__Context *)msg)->type ||
	    strcmp(((Mlmd__Pb__Context *)msg)->type, MLMD_REG_MODEL_TYPE) != 0) {
		if (msg)
			protobuf_c_message_free_unpacked(msg, NULL);
		return mlmd__fail(MLMD_NOT_FOUND, "registered model %lld does not exist (no %s context has this id)",
				  (long long)id, MLMD_REG_MODEL_TYPE);
	}
	return model_from_ctx(msg, m);
}

int mlmd__reg_version_id(call *c, const reg_model *m, int64_t version, int64_t *id)
{
	*id = 0;
	if (version < 1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "version %lld of model '%s': versions are numbered from 1",
				  (long long)version, m->name);
	char name[MLMD_REG_MAX_NAME + 32];
	mlmd__snprintf(name, sizeof name, "%s/%lld", m->name, (long long)version);
	int rc = version <= m->latest ? ctx_by_name(c, MLMD_REG_VERSION_TYPE, name, id) : 0;
	if (rc)
		return rc;
	if (!*id && m->latest)
		return mlmd__fail(MLMD_NOT_FOUND, "model '%s' has no version %lld (its versions are 1..%lld)", m->name,
				  (long long)version, (long long)m->latest);
	if (!*id)
		return mlmd__fail(MLMD_NOT_FOUND, "model '%s' has no version %lld (it has no versions yet)", m->name,
				  (long long)version);
	return 0;
}

int mlmd__reg_version_load(call *c, const reg_model *m, int64_t version, Mlmd__Pb__Context **out)
{
	int64_t id;
	*out = NULL;
	int rc = mlmd__reg_version_id(c, m, version, &id);
	ProtobufCMessage *msg = NULL;
	if (!rc)
		rc = mlmd__node_load(c, &mlmd__context_kind, id, &msg);
	if (!rc && !msg)
		rc = mlmd__fail(MLMD_NOT_FOUND, "model '%s' has no version %lld", m->name, (long long)version);
	if (!rc)
		*out = (Mlmd__Pb__Context *)msg;
	return rc;
}

/* ---- messages ----------------------------------------------------------------------------- */

static int cmp_tag(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__Tag *x = *(Mlmd__Pb__Governance__Tag *const *)a;
	const Mlmd__Pb__Governance__Tag *y = *(Mlmd__Pb__Governance__Tag *const *)b;
	return strcmp(x->key, y->key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The context's tag.* string properties as Tag messages, sorted by key. */
static int tags_of(const Mlmd__Pb__Context *x, Mlmd__Pb__Governance__Tag ***arr, size_t *n)
{
	for (size_t i = 0; i < x->n_custom_properties; i++) {
		const char *k = x->custom_properties[i]->key;
		const Mlmd__Pb__Value *v = x->custom_properties[i]->value;
		if (strncmp(k, REG_TAG_PREFIX, 4) || !v || v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)
			continue;
		Mlmd__Pb__Governance__Tag *t = mlmd__msg_new(&mlmd__pb__governance__tag__descriptor);
		int rc = t ? 0 : MLMD_OOM();
		if (!rc && !(rc = mlmd__reg_strdup(&t->key, k + 4)) && !(rc = mlmd__reg_strdup(&t->value, v->string_value)))
			rc = mlmd__push_ptr((void ***)arr, n, t) ? MLMD_OOM() : 0;
		if (rc) {
			if (t)
				protobuf_c_message_free_unpacked(&t->base, NULL);
			return rc;
		}
	}
	if (*n > 1)
		qsort(*arr, *n, sizeof **arr, cmp_tag);
	return 0;
}

/* The aliases naming `version` of model `model_id` now, sorted bytewise. */
static int aliases_of(call *c, int64_t model_id, int64_t version, char ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT alias FROM alias WHERE model_id = ? AND version = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model_id);
	mlmd__q_i64(&q, 2, version);
	if ((rc = mlmd__reg_q_texts(&q, arr, n)))
		return rc;
	if (*n > 1)
		qsort(*arr, *n, sizeof **arr, cmp_str);
	return 0;
}

int mlmd__reg_version_message(call *c, const reg_model *m, const Mlmd__Pb__Context *x, int with_artifact,
			      Mlmd__Pb__Governance__ModelVersion **out)
{
	Mlmd__Pb__Governance__ModelVersion *v = mlmd__msg_new(&mlmd__pb__governance__model_version__descriptor);
	*out = NULL;
	if (!v)
		return MLMD_OOM();
	int rc = mlmd__reg_strdup(&v->model_name, m->name);
	v->has_version = 1;
	v->version = mlmd__reg_prop_int(x, REG_P_VERSION);
	v->has_artifact_id = 1;
	v->artifact_id = mlmd__reg_prop_int(x, REG_P_ARTIFACT);
	if ((v->run_id = mlmd__reg_prop_int(x, REG_P_RUN)))
		v->has_run_id = 1;
	v->has_create_time_ms = 1;
	v->create_time_ms = x->create_time_since_epoch;
	v->has_context_id = 1;
	v->context_id = x->id;
	if (!rc)
		rc = mlmd__reg_strdup(&v->description, prop_str(x, REG_P_DESCRIPTION));
	if (!rc)
		rc = mlmd__reg_strdup(&v->creator, prop_str(x, REG_P_CREATOR));
	if (!rc)
		rc = tags_of(x, &v->tags, &v->n_tags);
	if (!rc)
		rc = aliases_of(c, m->id, v->version, &v->aliases, &v->n_aliases);
	if (!rc && with_artifact && v->artifact_id) {
		ProtobufCMessage *a = NULL;
		rc = mlmd__node_load(c, &mlmd__artifact_kind, v->artifact_id, &a);
		v->artifact = (Mlmd__Pb__Artifact *)a; /* NULL when it was deleted since */
	}
	if (rc) {
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return rc;
	}
	*out = v;
	return 0;
}

int mlmd__reg_model_message(const reg_model *m, Mlmd__Pb__Governance__RegisteredModel **out)
{
	Mlmd__Pb__Governance__RegisteredModel *r = mlmd__msg_new(&mlmd__pb__governance__registered_model__descriptor);
	*out = NULL;
	if (!r)
		return MLMD_OOM();
	int rc = mlmd__reg_strdup(&r->name, m->name);
	if (!rc)
		rc = mlmd__reg_strdup(&r->description, prop_str(m->ctx, REG_P_DESCRIPTION));
	if (!rc)
		rc = tags_of(m->ctx, &r->tags, &r->n_tags);
	r->has_create_time_ms = 1;
	r->create_time_ms = m->ctx->create_time_since_epoch;
	r->has_latest_version = 1;
	r->latest_version = m->latest;
	r->has_context_id = 1;
	r->context_id = m->id;
	if (rc) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return rc;
	}
	*out = r;
	return 0;
}

/* ---- updates ------------------------------------------------------------------------------ */

/* A masked update (MLMD's own update path): the named custom properties are
 * written, the tag.<key> of each deletion (a masked path absent from the
 * node) removed; the others stay. */
int mlmd__reg_ctx_update(call *c, int64_t id, track_props *tp, char *const *delete_tags, size_t n_delete)
{
	size_t n = tp->n + n_delete;
	if (!n)
		return 0;
	char **paths = calloc(n, sizeof *paths);
	if (!paths)
		return MLMD_OOM();
	int rc = 0;
	for (size_t i = 0; i < tp->n; i++)
		paths[i] = tp->paths[i];
	for (size_t i = 0; i < n_delete && !rc; i++) {
		size_t len = strlen(delete_tags[i]);
		char *p = malloc(sizeof "custom_properties." REG_TAG_PREFIX + len);
		if (!p) {
			rc = MLMD_OOM();
			break;
		}
		memcpy(p, "custom_properties." REG_TAG_PREFIX, sizeof "custom_properties." REG_TAG_PREFIX - 1);
		memcpy(p + sizeof "custom_properties." REG_TAG_PREFIX - 1, delete_tags[i], len + 1);
		paths[tp->n + i] = p;
	}
	if (!rc) {
		Mlmd__Pb__Context x = MLMD__PB__CONTEXT__INIT;
		Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
		mask.n_paths = n;
		mask.paths = paths;
		x.has_id = 1;
		x.id = id;
		x.n_custom_properties = tp->n;
		x.custom_properties = (Mlmd__Pb__Context__CustomPropertiesEntry **)tp->entries;
		put_opts o = { 0 };
		o.mask = &mask;
		int64_t out = 0;
		rc = mlmd__node_put(c, &mlmd__context_kind, &x.base, &o, &out);
	}
	for (size_t i = tp->n; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

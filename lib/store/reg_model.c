/*
 * store/reg_model.c - registered models and their versions: create,
 * update, get (with versions, aliases, policies and open requests), and
 * version tags. A model is an mlmd.RegisteredModel context, a version an
 * mlmd.ModelVersion context "<model>/<n>", the model's child, with the
 * model artifact attributed to both and the run associated with it.
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

/* The tags of a request as tag.<key> properties. */
static int tags_props(track_props *tp, Mlmd__Pb__Governance__Tag *const *tags, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = mlmd__tp_str(tp, REG_TAG_PREFIX, tags[i]->key, tags[i]->value ? tags[i]->value : "");
	return rc;
}

static int check_delete_tags(char *const *keys, size_t n, const char *what)
{
	if (n > MLMD_REG_MAX_TAGS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu keys; at most %d", what, n, MLMD_REG_MAX_TAGS);
	for (size_t i = 0; i < n; i++) {
		char w[64];
		mlmd__snprintf(w, sizeof w, "%s[%zu]", what, i);
		int rc = mlmd__track_check_key(keys[i], w);
		if (rc)
			return rc;
	}
	return 0;
}

/* Sets the description (unless NULL) and the tags `set` of context `id`,
 * and deletes its tags `del`. */
static int edit_ctx(call *c, int64_t id, const char *description, Mlmd__Pb__Governance__Tag *const *set, size_t nset,
		    char *const *del, size_t ndel)
{
	track_props tp;
	int rc = 0;
	mlmd__tp_init(&tp, &mlmd__context_kind);
	if (description)
		rc = mlmd__tp_str(&tp, "", REG_P_DESCRIPTION, description);
	if (!rc)
		rc = tags_props(&tp, set, nset);
	if (!rc)
		rc = mlmd__reg_ctx_update(c, id, &tp, del, ndel);
	mlmd__tp_free(&tp);
	return rc;
}

/* Puts a new context of type `type` named `name` with the properties in tp;
 * its id into *id. */
static int put_context(call *c, int64_t type, const char *name, track_props *tp, int64_t *id)
{
	Mlmd__Pb__Context x = MLMD__PB__CONTEXT__INIT;
	x.has_type_id = 1;
	x.type_id = type;
	x.name = (char *)name;
	x.n_custom_properties = tp->n;
	x.custom_properties = (Mlmd__Pb__Context__CustomPropertiesEntry **)tp->entries;
	return mlmd__node_put(c, &mlmd__context_kind, &x.base, NULL, id);
}

/* The answer of a call that wrote model `id` (named `name`): when rc (the
 * write's status) is 0, the model read back into *out; else rc with the
 * model named in the message. */
static int model_answer(call *c, int rc, int64_t id, const char *name, Mlmd__Pb__Governance__RegisteredModel **out)
{
	reg_model m;
	if (!rc)
		rc = mlmd__reg_model_load_id(c, id, &m);
	if (rc)
		return mlmd__context(rc, "registered model '%s'", name);
	rc = mlmd__reg_model_message(&m, out);
	mlmd__reg_model_free(&m);
	return rc;
}

/* The version context `id` of model m read back as its message (with its
 * artifact) into *out. */
static int version_answer(call *c, const reg_model *m, int64_t id, Mlmd__Pb__Governance__ModelVersion **out)
{
	ProtobufCMessage *x = NULL;
	int rc = mlmd__node_load(c, &mlmd__context_kind, id, &x);
	if (!rc && x)
		rc = mlmd__reg_version_message(c, m, (Mlmd__Pb__Context *)x, 1, out);
	if (x)
		protobuf_c_message_free_unpacked(x, NULL);
	return rc;
}

/* ---- CreateRegisteredModel ------------------------------------------------------------------ */

int mlmd__gov_CreateRegisteredModel(call *c, const Mlmd__Pb__Governance__CreateRegisteredModelRequest *rq,
				    Mlmd__Pb__Governance__CreateRegisteredModelResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "CreateRegisteredModel");
	if (!rc)
		rc = mlmd__reg_check_name(rq->name);
	if (!rc)
		rc = mlmd__reg_check_tags(rq->tags, rq->n_tags, "tags");
	if (rc)
		return rc;
	reg_model m;
	rc = mlmd__reg_model_load(c, rq->name, &m);
	if (!rc) {
		mlmd__reg_model_free(&m);
		return mlmd__fail(MLMD_ALREADY_EXISTS, "registered model '%s' already exists", rq->name);
	}
	if (rc != -MLMD_NOT_FOUND)
		return rc;
	int64_t type = 0, id = 0;
	if ((rc = mlmd__track_type(c, KIND_CONTEXT, MLMD_REG_MODEL_TYPE, &type)))
		return rc;
	track_props tp;
	mlmd__tp_init(&tp, &mlmd__context_kind);
	if (rq->description)
		rc = mlmd__tp_str(&tp, "", REG_P_DESCRIPTION, rq->description);
	if (!rc)
		rc = mlmd__tp_str(&tp, "", REG_P_CREATOR, c->s->actor);
	if (!rc)
		rc = mlmd__tp_int(&tp, "", REG_P_LATEST, 0);
	if (!rc)
		rc = tags_props(&tp, rq->tags, rq->n_tags);
	if (!rc)
		rc = put_context(c, type, rq->name, &tp, &id);
	mlmd__tp_free(&tp);
	return model_answer(c, rc, id, rq->name, &rs->model);
}

/* ---- UpdateRegisteredModel ------------------------------------------------------------------ */

int mlmd__gov_UpdateRegisteredModel(call *c, const Mlmd__Pb__Governance__UpdateRegisteredModelRequest *rq,
				    Mlmd__Pb__Governance__UpdateRegisteredModelResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "UpdateRegisteredModel");
	if (!rc)
		rc = mlmd__reg_check_tags(rq->set_tags, rq->n_set_tags, "set_tags");
	if (!rc)
		rc = check_delete_tags(rq->delete_tags, rq->n_delete_tags, "delete_tags");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->name, &m)))
		return rc;
	rc = edit_ctx(c, m.id, rq->description, rq->set_tags, rq->n_set_tags, rq->delete_tags, rq->n_delete_tags);
	int64_t id = m.id;
	mlmd__reg_model_free(&m);
	return model_answer(c, rc, id, rq->name, &rs->model);
}

/* ---- versions ------------------------------------------------------------------------------- */

static int exists(call *c, const node_kind *k, int64_t id, const char *what)
{
	int rc = mlmd__node_exists(c, k, id);
	if (rc < 0)
		return rc;
	return rc ? 0 : mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", what, (long long)id);
}

int mlmd__gov_CreateModelVersion(call *c, const Mlmd__Pb__Governance__CreateModelVersionRequest *rq,
				 Mlmd__Pb__Governance__CreateModelVersionResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "CreateModelVersion");
	if (rc)
		return rc;
	if (!rq->has_artifact_id || rq->artifact_id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact_id is required (the model artifact's id)");
	if (rq->has_run_id && rq->run_id < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "run_id %lld is not an execution id", (long long)rq->run_id);
	if ((rc = mlmd__reg_check_tags(rq->tags, rq->n_tags, "tags")))
		return rc;
	reg_model m;
	if ((rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	/* latest_version is a property of an MLMD context, which PutContexts can edit */
	if (m.latest < 0 || m.latest == INT64_MAX) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "model '%s': its %s property is %lld, which no version "
				"can follow (the context was edited outside the registry)", m.name, REG_P_LATEST,
				(long long)m.latest);
		mlmd__reg_model_free(&m);
		return rc;
	}
	int64_t run = rq->has_run_id ? rq->run_id : 0, n = m.latest + 1, vtype = 0, id = 0;
	char name[MLMD_REG_MAX_NAME + 32];
	mlmd__snprintf(name, sizeof name, "%s/%lld", m.name, (long long)n);
	rc = exists(c, &mlmd__artifact_kind, rq->artifact_id, "artifact");
	if (!rc && run)
		rc = exists(c, &mlmd__execution_kind, run, "run (execution)");
	if (!rc)
		rc = mlmd__track_type(c, KIND_CONTEXT, MLMD_REG_VERSION_TYPE, &vtype);
	track_props tp;
	mlmd__tp_init(&tp, &mlmd__context_kind);
	if (!rc)
		rc = mlmd__tp_str(&tp, "", REG_P_MODEL, m.name);
	if (!rc)
		rc = mlmd__tp_int(&tp, "", REG_P_VERSION, n);
	if (!rc)
		rc = mlmd__tp_int(&tp, "", REG_P_ARTIFACT, rq->artifact_id);
	if (!rc && run)
		rc = mlmd__tp_int(&tp, "", REG_P_RUN, run);
	if (!rc && rq->description)
		rc = mlmd__tp_str(&tp, "", REG_P_DESCRIPTION, rq->description);
	if (!rc)
		rc = mlmd__tp_str(&tp, "", REG_P_CREATOR, c->s->actor);
	if (!rc)
		rc = tags_props(&tp, rq->tags, rq->n_tags);
	if (!rc)
		rc = put_context(c, vtype, name, &tp, &id);
	mlmd__tp_free(&tp);
	/* the version is the model's child; the artifact belongs to both; the run to the version */
	if (!rc) {
		sqlq q;
		if (!(rc = mlmd__q(c->sql, &q, "INSERT INTO parent_context (child_id, parent_id) VALUES (?, ?)"))) {
			mlmd__q_i64(&q, 1, id);
			mlmd__q_i64(&q, 2, m.id);
			rc = mlmd__q_exec(&q);
		}
	}
	if (!rc)
		rc = mlmd__attribution_put(c, id, rq->artifact_id, 0);
	if (!rc)
		rc = mlmd__attribution_put(c, m.id, rq->artifact_id, 0);
	if (!rc && run)
		rc = mlmd__association_put(c, id, run, 0);
	mlmd__tp_init(&tp, &mlmd__context_kind);
	if (!rc)
		rc = mlmd__tp_int(&tp, "", REG_P_LATEST, n);
	if (!rc)
		rc = mlmd__reg_ctx_update(c, m.id, &tp, NULL, 0);
	mlmd__tp_free(&tp);
	if (!rc)
		rc = version_answer(c, &m, id, &rs->version);
	if (rc)
		mlmd__context(rc, "version %lld of model '%s'", (long long)n, m.name);
	mlmd__reg_model_free(&m);
	return rc;
}

int mlmd__gov_SetModelVersionTags(call *c, const Mlmd__Pb__Governance__SetModelVersionTagsRequest *rq,
				  Mlmd__Pb__Governance__SetModelVersionTagsResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "SetModelVersionTags");
	if (!rc)
		rc = mlmd__reg_check_tags(rq->set_tags, rq->n_set_tags, "set_tags");
	if (!rc)
		rc = check_delete_tags(rq->delete_tags, rq->n_delete_tags, "delete_tags");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	int64_t id = 0;
	rc = mlmd__reg_version_id(c, &m, rq->version, &id);
	if (!rc)
		rc = edit_ctx(c, id, NULL, rq->set_tags, rq->n_set_tags, rq->delete_tags, rq->n_delete_tags);
	if (!rc)
		rc = version_answer(c, &m, id, &rs->version);
	mlmd__reg_model_free(&m);
	return rc;
}

/* ---- GetRegisteredModel --------------------------------------------------------------------- */

static int cmp_version(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__ModelVersion *x = *(Mlmd__Pb__Governance__ModelVersion *const *)a;
	const Mlmd__Pb__Governance__ModelVersion *y = *(Mlmd__Pb__Governance__ModelVersion *const *)b;
	return x->version < y->version ? -1 : x->version > y->version;
}

int mlmd__reg_versions(call *c, const reg_model *m, int with_artifact, Mlmd__Pb__Governance__ModelVersion ***arr,
		       size_t *n)
{
	sqlq q;
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc = mlmd__q(c->sql, &q, "SELECT p.child_id FROM parent_context p JOIN context x ON x.id = p.child_id"
			 " JOIN type t ON t.id = x.type_id WHERE p.parent_id = ? AND t.name = '" MLMD_REG_VERSION_TYPE
			 "' ORDER BY p.child_id");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	if ((rc = mlmd__q_ids(&q, &ids, &nids)))
		return rc;
	void **ctx = NULL;
	size_t nctx = 0;
	rc = nids ? mlmd__node_load_ids(c, &mlmd__context_kind, ids, nids, 0, &ctx, &nctx) : 0;
	size_t first = *n;
	for (size_t i = 0; i < nctx && !rc; i++) {
		Mlmd__Pb__Governance__ModelVersion *v = NULL;
		if (!(rc = mlmd__reg_version_message(c, m, ctx[i], with_artifact, &v)) &&
		    mlmd__push_ptr((void ***)arr, n, v)) {
			protobuf_c_message_free_unpacked(&v->base, NULL);
			rc = MLMD_OOM();
		}
	}
	for (size_t i = 0; i < nctx; i++)
		protobuf_c_message_free_unpacked(ctx[i], NULL);
	free(ctx);
	free(ids);
	if (!rc && *n - first > 1)
		qsort(*arr + first, *n - first, sizeof **arr, cmp_version);
	return rc;
}

int mlmd__gov_GetRegisteredModel(call *c, const Mlmd__Pb__Governance__GetRegisteredModelRequest *rq,
				 Mlmd__Pb__Governance__GetRegisteredModelResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "GetRegisteredModel");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->name, &m)))
		return rc;
	Mlmd__Pb__Governance__RegisteredModel *r = NULL;
	rc = mlmd__reg_model_message(&m, &r);
	if (!rc)
		rc = mlmd__reg_versions(c, &m, 1, &r->versions, &r->n_versions);
	if (!rc)
		rc = mlmd__reg_aliases(c, &m, &r->aliases, &r->n_aliases);
	if (!rc)
		rc = mlmd__reg_policies(c, &m, &r->policies, &r->n_policies);
	if (!rc)
		rc = mlmd__reg_open_requests(c, &m, &r->open_requests, &r->n_open_requests);
	if (rc && r)
		protobuf_c_message_free_unpacked(&r->base, NULL);
	else
		rs->model = r;
	mlmd__reg_model_free(&m);
	return rc;
}

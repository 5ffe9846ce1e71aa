/*
 * store/reg_search.c - listing registered models (by name, paged by the
 * last name seen) and searching model versions (by model name, artifact,
 * run and tags; by model name, then version; paged by offset).
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

#define REG_PAGE_MAX 10000

static int check_page(int has, int32_t max)
{
	if (has && (max < 0 || max > REG_PAGE_MAX))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_results %d is out of range (0..%d; 0 for all)", max,
				  REG_PAGE_MAX);
	return 0;
}

/* ---- ListRegisteredModels ----------------------------------------------------------------- */

int mlmd__gov_ListRegisteredModels(call *c, const Mlmd__Pb__Governance__ListRegisteredModelsRequest *rq,
				   Mlmd__Pb__Governance__ListRegisteredModelsResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "ListRegisteredModels");
	if (!rc)
		rc = check_page(rq->has_max_results, rq->max_results);
	int64_t type = 0;
	if (!rc)
		rc = mlmd__track_find_type(c, KIND_CONTEXT, MLMD_REG_MODEL_TYPE, &type);
	if (rc || !type)
		return rc;
	/* one more than asked, to know whether a next page exists */
	int64_t limit = rq->max_results > 0 ? (int64_t)rq->max_results + 1 : INT64_MAX;
	const char *after = rq->page_token && *rq->page_token ? rq->page_token : NULL;
	sqlq q;
	/* tombstones (schema version 5 on) are in no listing */
	static const char *const list_sql[2][2] = {
		{ "SELECT id FROM context WHERE type_id = ? ORDER BY name LIMIT ?",
		  "SELECT id FROM context WHERE type_id = ? AND name > ? ORDER BY name LIMIT ?" },
		{ "SELECT id FROM context WHERE type_id = ? AND deleted_time IS NULL ORDER BY name LIMIT ?",
		  "SELECT id FROM context WHERE type_id = ? AND deleted_time IS NULL AND name > ? ORDER BY name LIMIT ?" },
	};
	rc = mlmd__q(c->sql, &q, list_sql[c->s->schema_version >= 5][after != NULL]);
	if (rc)
		return rc;
	int p = 1;
	mlmd__q_i64(&q, p++, type);
	if (after)
		mlmd__q_text(&q, p++, after);
	mlmd__q_i64(&q, p, limit);
	int64_t *ids = NULL;
	size_t n = 0;
	if ((rc = mlmd__q_ids(&q, &ids, &n)))
		return rc;
	int more = rq->max_results > 0 && n > (size_t)rq->max_results;
	if (more)
		n = (size_t)rq->max_results;
	for (size_t i = 0; i < n && !rc; i++) {
		reg_model m;
		Mlmd__Pb__Governance__RegisteredModel *r = NULL;
		if ((rc = mlmd__reg_model_load_id(c, ids[i], &m)))
			break;
		if (!(rc = mlmd__reg_model_message(&m, &r)) && mlmd__push_ptr((void ***)&rs->models, &rs->n_models, r)) {
			protobuf_c_message_free_unpacked(&r->base, NULL);
			rc = MLMD_OOM();
		}
		mlmd__reg_model_free(&m);
	}
	free(ids);
	if (!rc && more)
		rc = mlmd__reg_strdup(&rs->next_page_token, rs->models[rs->n_models - 1]->name);
	return rc;
}

/* ---- SearchModelVersions ------------------------------------------------------------------ */

typedef struct found {
	Mlmd__Pb__Context *x;
	const char *model;
	int64_t version;
} found;

static int cmp_found(const void *a, const void *b)
{
	const found *x = a, *y = b;
	int c = strcmp(x->model, y->model);
	return c ? c : x->version < y->version ? -1 : x->version > y->version;
}

/* Whether version context x matches every given field of the search. */
static int matches(const Mlmd__Pb__Context *x, const Mlmd__Pb__Governance__SearchModelVersionsRequest *rq)
{
	const Mlmd__Pb__Value *model = mlmd__reg_prop(x, REG_P_MODEL);
	if (!model || model->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)
		return 0;
	if (rq->model_name && *rq->model_name && strcmp(model->string_value, rq->model_name))
		return 0;
	if (rq->has_artifact_id && rq->artifact_id && mlmd__reg_prop_int(x, REG_P_ARTIFACT) != rq->artifact_id)
		return 0;
	if (rq->has_run_id && rq->run_id && mlmd__reg_prop_int(x, REG_P_RUN) != rq->run_id)
		return 0;
	for (size_t i = 0; i < rq->n_tags; i++) {
		char name[300];
		mlmd__snprintf(name, sizeof name, REG_TAG_PREFIX "%s", rq->tags[i]->key);
		const Mlmd__Pb__Value *v = mlmd__reg_prop(x, name);
		if (!v || v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE ||
		    strcmp(v->string_value, rq->tags[i]->value ? rq->tags[i]->value : ""))
			return 0;
	}
	return 1;
}

/* The candidate version contexts: those of the model, the artifact or the
 * run when one is given (an index each), else every version. */
static int candidates(call *c, const Mlmd__Pb__Governance__SearchModelVersionsRequest *rq, int64_t vtype,
		      int64_t **ids, size_t *n)
{
	sqlq q;
	int rc;
	if (rq->model_name && *rq->model_name) {
		reg_model m;
		if ((rc = mlmd__reg_model_load(c, rq->model_name, &m)))
			return rc == -MLMD_NOT_FOUND ? 0 : rc; /* a search for an unknown model finds nothing */
		int64_t id = m.id;
		mlmd__reg_model_free(&m);
		if ((rc = mlmd__q(c->sql, &q, "SELECT p.child_id FROM parent_context p JOIN context x ON x.id = p.child_id"
				  " WHERE p.parent_id = ? AND x.type_id = ? ORDER BY p.child_id")))
			return rc;
		mlmd__q_i64(&q, 1, id);
	} else if (rq->has_artifact_id && rq->artifact_id) {
		if ((rc = mlmd__q(c->sql, &q, "SELECT a.context_id FROM attribution a JOIN context x ON x.id = a.context_id"
				  " WHERE a.artifact_id = ? AND x.type_id = ? ORDER BY a.context_id")))
			return rc;
		mlmd__q_i64(&q, 1, rq->artifact_id);
	} else if (rq->has_run_id && rq->run_id) {
		if ((rc = mlmd__q(c->sql, &q, "SELECT a.context_id FROM association a JOIN context x ON x.id = a.context_id"
				  " WHERE a.execution_id = ? AND x.type_id = ? ORDER BY a.context_id")))
			return rc;
		mlmd__q_i64(&q, 1, rq->run_id);
	} else {
		if ((rc = mlmd__q(c->sql, &q, c->s->schema_version >= 5
						      ? "SELECT id FROM context WHERE id > ? AND type_id = ? AND deleted_time IS NULL"
							" ORDER BY id"
						      : "SELECT id FROM context WHERE id > ? AND type_id = ? ORDER BY id")))
			return rc;
		mlmd__q_i64(&q, 1, 0);
	}
	mlmd__q_i64(&q, 2, vtype);
	return mlmd__q_ids(&q, ids, n);
}

int mlmd__gov_SearchModelVersions(call *c, const Mlmd__Pb__Governance__SearchModelVersionsRequest *rq,
				  Mlmd__Pb__Governance__SearchModelVersionsResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "SearchModelVersions");
	if (!rc)
		rc = check_page(rq->has_max_results, rq->max_results);
	if (!rc && rq->model_name && *rq->model_name)
		rc = mlmd__reg_check_name(rq->model_name);
	for (size_t i = 0; i < rq->n_tags && !rc; i++)
		rc = mlmd__track_check_key(rq->tags[i]->key, "tags");
	int64_t offset = 0;
	if (!rc && rq->page_token && *rq->page_token) {
		/* an offset this search printed: decimal digits only (strtoll took
		 * " 1", "+1" and clamped 99999999999999999999 to a silent empty page) */
		for (const char *t = rq->page_token; *t && !rc; t++) {
			if (*t < '0' || *t > '9' || offset > (INT64_MAX - (*t - '0')) / 10)
				rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "page_token '%.40s' is not one this search returned",
						rq->page_token);
			else
				offset = offset * 10 + (*t - '0');
		}
	}
	int64_t vtype = 0;
	if (!rc)
		rc = mlmd__track_find_type(c, KIND_CONTEXT, MLMD_REG_VERSION_TYPE, &vtype);
	if (rc || !vtype)
		return rc;
	int64_t *ids = NULL;
	size_t nids = 0, nctx = 0, nf = 0;
	void **ctx = NULL;
	found *f = NULL;
	if ((rc = candidates(c, rq, vtype, &ids, &nids)) || !nids)
		goto out;
	if ((rc = mlmd__node_load_ids(c, &mlmd__context_kind, ids, nids, 0, &ctx, &nctx)))
		goto out;
	if (!(f = malloc((nctx + 1) * sizeof *f))) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < nctx; i++) {
		Mlmd__Pb__Context *x = ctx[i];
		if (matches(x, rq)) {
			f[nf].x = x;
			f[nf].model = mlmd__reg_prop(x, REG_P_MODEL)->string_value;
			f[nf].version = mlmd__reg_prop_int(x, REG_P_VERSION);
			nf++;
		}
	}
	qsort(f, nf, sizeof *f, cmp_found);
	size_t end = nf;
	if (rq->max_results > 0 && (size_t)offset + (size_t)rq->max_results < nf)
		end = (size_t)offset + (size_t)rq->max_results;
	reg_model m = { 0 };
	for (size_t i = (size_t)offset; i < end && !rc; i++) {
		if (!m.ctx || strcmp(m.name, f[i].model)) {
			mlmd__reg_model_free(&m);
			if ((rc = mlmd__reg_model_load(c, f[i].model, &m)))
				break;
		}
		Mlmd__Pb__Governance__ModelVersion *v = NULL;
		if (!(rc = mlmd__reg_version_message(c, &m, f[i].x, 0, &v)) &&
		    mlmd__push_ptr((void ***)&rs->versions, &rs->n_versions, v)) {
			protobuf_c_message_free_unpacked(&v->base, NULL);
			rc = MLMD_OOM();
		}
	}
	mlmd__reg_model_free(&m);
	if (!rc && end < nf) {
		char tok[32];
		mlmd__snprintf(tok, sizeof tok, "%zu", end);
		rc = mlmd__reg_strdup(&rs->next_page_token, tok);
	}
out:
	for (size_t i = 0; i < nctx; i++)
		protobuf_c_message_free_unpacked(ctx[i], NULL);
	free(ctx);
	free(f);
	free(ids);
	return rc;
}

/*
 * governance/reg_read.c - the registry read back as plain C
 * (mlmd/registry.h): a model with its versions, aliases, policies and open
 * requests (GetRegisteredModel), every model (ListRegisteredModels, page
 * after page), requests (GetAliasRequests) and the alias history
 * (GetAliasHistory). Each result lives in one arena (call.c) behind the
 * public struct, so its _free releases everything at once.
 */
#include <stdlib.h>
#include <string.h>
#include "gov.h"

ARENA_BOX(mlmd_registered_model, model_box);
ARENA_BOX(mlmd_registered_model_list, model_list_box);
ARENA_BOX(mlmd_alias_history, history_box);
ARENA_BOX(mlmd_alias_request_list, request_list_box);

/* ---- conversions ------------------------------------------------------------------------------- */

static const mlmd_tag *tags_of(mlmd__gv_arena *a, Mlmd__Pb__Governance__Tag *const *t, size_t n)
{
	mlmd_tag *out = mlmd__gv_alloc(a, n * sizeof *out);
	for (size_t i = 0; out && i < n; i++) {
		out[i].key = mlmd__gv_str(a, t[i]->key);
		out[i].value = mlmd__gv_str(a, t[i]->value);
	}
	return out;
}

static const mlmd_tag *reqs_of(mlmd__gv_arena *a, Mlmd__Pb__Governance__Requirement *const *t, size_t n)
{
	mlmd_tag *out = mlmd__gv_alloc(a, n * sizeof *out);
	for (size_t i = 0; out && i < n; i++) {
		out[i].key = mlmd__gv_str(a, t[i]->key);
		out[i].value = mlmd__gv_str(a, t[i]->value);
	}
	return out;
}

static const char *const *strs_of(mlmd__gv_arena *a, char *const *s, size_t n)
{
	const char **out = mlmd__gv_alloc(a, n * sizeof *out);
	for (size_t i = 0; out && i < n; i++)
		out[i] = mlmd__gv_str(a, s[i]);
	return out;
}

static const mlmd_alias_move *moves_of(mlmd__gv_arena *a, Mlmd__Pb__Governance__AliasMove *const *m, size_t n)
{
	mlmd_alias_move *out = mlmd__gv_alloc(a, n * sizeof *out);
	for (size_t i = 0; out && i < n; i++) {
		out[i].alias = mlmd__gv_str(a, m[i]->alias);
		out[i].version = m[i]->version;
	}
	return out;
}

/* The digest recorded on a model artifact, without "sha256:": the property
 * `digest` (type or custom) as `mlmd model add` records it, else the custom
 * property mlmd.sha256 as tracking records files; "" when neither. */
static const char *digest_of(const Mlmd__Pb__Artifact *art)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(art, 0, "digest");
	if (!v || v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)
		v = mlmd_node_get(art, 1, "digest");
	if (v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && v->string_value)
		return strncmp(v->string_value, "sha256:", 7) ? v->string_value : v->string_value + 7;
	v = mlmd_node_get(art, 1, "mlmd.sha256");
	if (v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && v->string_value)
		return v->string_value;
	return "";
}

static void version_of(mlmd__gv_arena *a, const Mlmd__Pb__Governance__ModelVersion *m, mlmd_registry_version *out)
{
	out->version = m->version;
	out->artifact_id = m->artifact_id;
	out->run_id = m->run_id;
	out->description = mlmd__gv_str(a, m->description);
	out->creator = mlmd__gv_str(a, m->creator);
	out->create_time_ms = m->create_time_ms;
	out->context_id = m->context_id;
	out->n_tags = m->n_tags;
	out->tags = tags_of(a, m->tags, m->n_tags);
	out->n_aliases = m->n_aliases;
	out->aliases = strs_of(a, m->aliases, m->n_aliases);
	out->uri = mlmd__gv_str(a, m->artifact ? m->artifact->uri : NULL);
	out->sha256 = mlmd__gv_str(a, m->artifact ? digest_of(m->artifact) : NULL);
}

static void policy_of(mlmd__gv_arena *a, const Mlmd__Pb__Governance__AliasPolicy *m, mlmd_alias_policy *out)
{
	out->alias = mlmd__gv_str(a, m->alias);
	out->approvals = m->approvals;
	out->n_require = m->n_require;
	out->require = reqs_of(a, m->require, m->n_require);
	out->actor = mlmd__gv_str(a, m->actor);
	out->time_ms = m->time_ms;
}

int mlmd__gv_request(mlmd__gv_arena *a, const Mlmd__Pb__Governance__AliasRequest *m, mlmd_alias_request *out)
{
	out->request_id = m->request_id;
	out->model_name = mlmd__gv_str(a, m->model_name);
	out->n_moves = m->n_moves;
	out->moves = moves_of(a, m->moves, m->n_moves);
	out->requester = mlmd__gv_str(a, m->requester);
	out->comment = mlmd__gv_str(a, m->comment);
	out->status = (mlmd_request_status)m->status;
	out->create_time_ms = m->create_time_ms;
	out->decide_time_ms = m->decide_time_ms;
	out->approvals_needed = m->approvals_needed;
	out->approvals_count = m->approvals_count;
	mlmd_approval *ap = mlmd__gv_alloc(a, m->n_approvals * sizeof *ap);
	for (size_t i = 0; ap && i < m->n_approvals; i++) {
		const Mlmd__Pb__Governance__Approval *x = m->approvals[i];
		ap[i].actor = mlmd__gv_str(a, x->actor);
		ap[i].approve = x->approve != 0;
		ap[i].comment = mlmd__gv_str(a, x->comment);
		ap[i].time_ms = x->time_ms;
	}
	out->n_approvals = m->n_approvals;
	out->approvals = ap;
	return a->oom ? -1 : 0;
}

int mlmd__gv_history(mlmd__gv_arena *a, Mlmd__Pb__Governance__AliasHistoryEntry *const *m, size_t n,
	const mlmd_alias_history_entry **out)
{
	mlmd_alias_history_entry *e = mlmd__gv_alloc(a, n * sizeof *e);
	for (size_t i = 0; e && i < n; i++) {
		e[i].model_name = mlmd__gv_str(a, m[i]->model_name);
		e[i].alias = mlmd__gv_str(a, m[i]->alias);
		e[i].old_version = m[i]->old_version;
		e[i].new_version = m[i]->new_version;
		e[i].time_ms = m[i]->time_ms;
		e[i].actor = mlmd__gv_str(a, m[i]->actor);
		e[i].request_id = m[i]->request_id;
		e[i].n_approvers = m[i]->n_approvers;
		e[i].approvers = strs_of(a, m[i]->approvers, m[i]->n_approvers);
		e[i].id = m[i]->id;
	}
	*out = e;
	return a->oom ? -1 : 0;
}

/* The model's own fields and, when `full`, its lists. */
static void model_of(mlmd__gv_arena *a, const Mlmd__Pb__Governance__RegisteredModel *m, int full,
	mlmd_registered_model *out)
{
	out->name = mlmd__gv_str(a, m->name);
	out->description = mlmd__gv_str(a, m->description);
	out->n_tags = m->n_tags;
	out->tags = tags_of(a, m->tags, m->n_tags);
	out->create_time_ms = m->create_time_ms;
	out->latest_version = m->latest_version;
	out->context_id = m->context_id;
	if (!full)
		return;
	mlmd_registry_version *v = mlmd__gv_alloc(a, m->n_versions * sizeof *v);
	for (size_t i = 0; v && i < m->n_versions; i++)
		version_of(a, m->versions[i], &v[i]);
	out->n_versions = m->n_versions;
	out->versions = v;
	out->n_aliases = m->n_aliases;
	out->aliases = moves_of(a, m->aliases, m->n_aliases);
	mlmd_alias_policy *p = mlmd__gv_alloc(a, m->n_policies * sizeof *p);
	for (size_t i = 0; p && i < m->n_policies; i++)
		policy_of(a, m->policies[i], &p[i]);
	out->n_policies = m->n_policies;
	out->policies = p;
	mlmd_alias_request *r = mlmd__gv_alloc(a, m->n_open_requests * sizeof *r);
	for (size_t i = 0; r && i < m->n_open_requests; i++)
		mlmd__gv_request(a, m->open_requests[i], &r[i]);
	out->n_open_requests = m->n_open_requests;
	out->open_requests = r;
}

/* ---- models ------------------------------------------------------------------------------------- */

int mlmd_registry_get_model(mlmd_registered_model **out, struct mlmd_store *store, const char *name)
{
	static const char fn[] = "mlmd_registry_get_model";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	if (!name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: name is NULL", fn);
	Mlmd__Pb__Governance__GetRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
	rq.name = (char *)name;
	Mlmd__Pb__Governance__GetRegisteredModelResponse *rs;
	int rc = GV_CALL(store, fn, "GetRegisteredModel", &rq, get_registered_model_response, &rs);
	if (rc)
		return rc;
	model_box *b = calloc(1, sizeof *b);
	if (b && rs->model)
		model_of(&b->a, rs->model, 1, &b->pub);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_registered_model_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_registered_model_free(mlmd_registered_model *model)
{
	if (!model)
		return;
	model_box *b = (model_box *)model;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

int mlmd_registry_list_models(mlmd_registered_model_list **out, struct mlmd_store *store)
{
	static const char fn[] = "mlmd_registry_list_models";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	model_list_box *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	mlmd_registered_model *models = NULL;
	size_t n = 0;
	char *token = NULL;
	int rc = 0;
	/* page after page; the models are copied into a growing array, then the arena */
	for (;;) {
		Mlmd__Pb__Governance__ListRegisteredModelsRequest rq =
			MLMD__PB__GOVERNANCE__LIST_REGISTERED_MODELS_REQUEST__INIT;
		rq.page_token = token;
		Mlmd__Pb__Governance__ListRegisteredModelsResponse *rs;
		rc = GV_CALL(store, fn, "ListRegisteredModels", &rq, list_registered_models_response, &rs);
		free(token);
		token = NULL;
		if (rc)
			break;
		mlmd_registered_model *grown = rs->n_models ? realloc(models, (n + rs->n_models) * sizeof *grown) : models;
		if (rs->n_models && !grown) {
			protobuf_c_message_free_unpacked(&rs->base, NULL);
			rc = MLMD_OOM();
			break;
		}
		models = grown;
		for (size_t i = 0; i < rs->n_models; i++) {
			memset(&models[n], 0, sizeof models[n]);
			model_of(&b->a, rs->models[i], 0, &models[n++]);
		}
		if (rs->next_page_token && rs->next_page_token[0] && rs->n_models &&
		    !(token = mlmd__strdup(rs->next_page_token)))
			rc = MLMD_OOM();
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		if (rc || !token)
			break;
	}
	if (!rc) {
		mlmd_registered_model *m = mlmd__gv_alloc(&b->a, n * sizeof *m);
		if (m)
			memcpy(m, models, n * sizeof *m);
		b->pub.n = n;
		b->pub.models = m;
		if (b->a.oom)
			rc = MLMD_OOM();
	}
	free(models);
	if (rc) {
		mlmd_registered_model_list_free(&b->pub);
		return rc;
	}
	*out = &b->pub;
	return 0;
}

void mlmd_registered_model_list_free(mlmd_registered_model_list *list)
{
	if (!list)
		return;
	model_list_box *b = (model_list_box *)list;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/* ---- history ------------------------------------------------------------------------------------- */

int mlmd__gv_history_new(Mlmd__Pb__Governance__AliasHistoryEntry *const *m, size_t n, mlmd_alias_history **out)
{
	history_box *b = calloc(1, sizeof *b);
	if (!b || mlmd__gv_history(&b->a, m, n, &b->pub.entries)) {
		mlmd_alias_history_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	b->pub.n = n;
	*out = &b->pub;
	return 0;
}

int mlmd_registry_history(mlmd_alias_history **out, struct mlmd_store *store, const char *name, const char *alias)
{
	static const char fn[] = "mlmd_registry_history";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	if (!name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: name is NULL", fn);
	Mlmd__Pb__Governance__GetAliasHistoryRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_HISTORY_REQUEST__INIT;
	rq.model_name = (char *)name;
	rq.alias = (char *)alias;
	Mlmd__Pb__Governance__GetAliasHistoryResponse *rs;
	int rc = GV_CALL(store, fn, "GetAliasHistory", &rq, get_alias_history_response, &rs);
	if (rc)
		return rc;
	rc = mlmd__gv_history_new(rs->entries, rs->n_entries, out);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

void mlmd_alias_history_free(mlmd_alias_history *history)
{
	if (!history)
		return;
	history_box *b = (history_box *)history;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/* ---- requests ------------------------------------------------------------------------------------- */

int mlmd_registry_requests(mlmd_alias_request_list **out, struct mlmd_store *store, const char *name,
	int64_t request_id, int pending_only)
{
	static const char fn[] = "mlmd_registry_requests";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	Mlmd__Pb__Governance__GetAliasRequestsRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_REQUESTS_REQUEST__INIT;
	rq.model_name = (char *)name;
	rq.has_request_id = request_id != 0;
	rq.request_id = request_id;
	rq.has_pending_only = pending_only != 0;
	rq.pending_only = pending_only != 0;
	Mlmd__Pb__Governance__GetAliasRequestsResponse *rs;
	int rc = GV_CALL(store, fn, "GetAliasRequests", &rq, get_alias_requests_response, &rs);
	if (rc)
		return rc;
	request_list_box *b = calloc(1, sizeof *b);
	mlmd_alias_request *r = b ? mlmd__gv_alloc(&b->a, rs->n_requests * sizeof *r) : NULL;
	for (size_t i = 0; r && i < rs->n_requests; i++)
		mlmd__gv_request(&b->a, rs->requests[i], &r[i]);
	if (b) {
		b->pub.n = rs->n_requests;
		b->pub.requests = r;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_alias_request_list_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_alias_request_list_free(mlmd_alias_request_list *list)
{
	if (!list)
		return;
	request_list_box *b = (request_list_box *)list;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/*
 * governance/registry.c - the registry's writing calls from C (mlmd/registry.h):
 * models, versions and their tags, direct alias moves, alias policies, and
 * requests with their approvals and rejections. Each builds one
 * mlmd.governance request and sends it through mlmd_store_call() (call.c),
 * so each is one transaction with its audit record, exactly as the Python
 * package's calls are. The store checks names and rules; this file only
 * checks what the C arguments alone can get wrong (NULL pointers).
 */
#include <stdlib.h>
#include <string.h>
#include "gov.h"

static int need(const void *p, const char *fn, const char *what)
{
	return p ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s is NULL", fn, what);
}

/* ---- models ------------------------------------------------------------------------------- */

int mlmd_registry_create_model(struct mlmd_store *store, const char *name, const char *description,
	const mlmd_tag *tags, size_t n_tags, int64_t *context_id)
{
	static const char fn[] = "mlmd_registry_create_model";
	int rc = need(name, fn, "name");
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq =
		MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_tags(tags, n_tags, "tag", &rq.tags)))
		return rc;
	rq.n_tags = n_tags;
	rq.name = (char *)name;
	rq.description = (char *)description;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *rs;
	rc = GV_CALL(store, fn, "CreateRegisteredModel", &rq, create_registered_model_response, &rs);
	free(rq.tags);
	if (rc)
		return rc;
	if (context_id)
		*context_id = rs->model ? rs->model->context_id : 0;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_registry_update_model(struct mlmd_store *store, const char *name, const char *description,
	const mlmd_tag *set, size_t n_set, const char *const *delete_keys, size_t n_delete)
{
	static const char fn[] = "mlmd_registry_update_model";
	int rc = need(name, fn, "name");
	if (!rc && n_delete)
		rc = need(delete_keys, fn, "delete_keys");
	Mlmd__Pb__Governance__UpdateRegisteredModelRequest rq =
		MLMD__PB__GOVERNANCE__UPDATE_REGISTERED_MODEL_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_tags(set, n_set, "tag", &rq.set_tags)))
		return rc;
	rq.n_set_tags = n_set;
	rq.name = (char *)name;
	rq.description = (char *)description;
	rq.n_delete_tags = n_delete;
	rq.delete_tags = (char **)delete_keys;
	Mlmd__Pb__Governance__UpdateRegisteredModelResponse *rs;
	rc = GV_CALL(store, fn, "UpdateRegisteredModel", &rq, update_registered_model_response, &rs);
	free(rq.set_tags);
	if (!rc)
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/* ---- versions ------------------------------------------------------------------------------ */

int mlmd_registry_create_version(struct mlmd_store *store, const char *name, int64_t artifact_id, int64_t run_id,
	const char *description, const mlmd_tag *tags, size_t n_tags, int64_t *version)
{
	static const char fn[] = "mlmd_registry_create_version";
	int rc = need(name, fn, "name");
	Mlmd__Pb__Governance__CreateModelVersionRequest rq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_tags(tags, n_tags, "tag", &rq.tags)))
		return rc;
	rq.n_tags = n_tags;
	rq.model_name = (char *)name;
	rq.has_artifact_id = 1;
	rq.artifact_id = artifact_id;
	rq.has_run_id = run_id != 0;
	rq.run_id = run_id;
	rq.description = (char *)description;
	Mlmd__Pb__Governance__CreateModelVersionResponse *rs;
	rc = GV_CALL(store, fn, "CreateModelVersion", &rq, create_model_version_response, &rs);
	free(rq.tags);
	if (rc)
		return rc;
	if (version)
		*version = rs->version ? rs->version->version : 0;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_registry_set_version_tags(struct mlmd_store *store, const char *name, int64_t version,
	const mlmd_tag *set, size_t n_set, const char *const *delete_keys, size_t n_delete)
{
	static const char fn[] = "mlmd_registry_set_version_tags";
	int rc = need(name, fn, "name");
	if (!rc && n_delete)
		rc = need(delete_keys, fn, "delete_keys");
	Mlmd__Pb__Governance__SetModelVersionTagsRequest rq = MLMD__PB__GOVERNANCE__SET_MODEL_VERSION_TAGS_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_tags(set, n_set, "tag", &rq.set_tags)))
		return rc;
	rq.n_set_tags = n_set;
	rq.model_name = (char *)name;
	rq.has_version = 1;
	rq.version = version;
	rq.n_delete_tags = n_delete;
	rq.delete_tags = (char **)delete_keys;
	Mlmd__Pb__Governance__SetModelVersionTagsResponse *rs;
	rc = GV_CALL(store, fn, "SetModelVersionTags", &rq, set_model_version_tags_response, &rs);
	free(rq.set_tags);
	if (!rc)
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/* ---- aliases --------------------------------------------------------------------------------- */

int mlmd_registry_set_aliases(struct mlmd_store *store, const char *name, const mlmd_alias_move *moves, size_t n,
	mlmd_alias_history **moved)
{
	static const char fn[] = "mlmd_registry_set_aliases";
	if (moved)
		*moved = NULL;
	int rc = need(name, fn, "name");
	Mlmd__Pb__Governance__SetAliasesRequest rq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_moves(moves, n, &rq.moves)))
		return rc;
	rq.n_moves = n;
	rq.model_name = (char *)name;
	Mlmd__Pb__Governance__SetAliasesResponse *rs;
	rc = GV_CALL(store, fn, "SetAliases", &rq, set_aliases_response, &rs);
	free(rq.moves);
	if (rc)
		return rc;
	if (moved)
		rc = mlmd__gv_history_new(rs->moves, rs->n_moves, moved);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	/* the aliases moved (the transaction committed) even when the copy failed */
	return rc ? mlmd__context(rc, "%s: the aliases moved, but their history entries could not be returned", fn) : 0;
}

int mlmd_registry_set_alias(struct mlmd_store *store, const char *name, const char *alias, int64_t version)
{
	if (version < 1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_registry_set_alias: version %lld is not a version "
			"(they start at 1; mlmd_registry_delete_alias removes an alias)", (long long)version);
	mlmd_alias_move m = { alias, version };
	return mlmd_registry_set_aliases(store, name, &m, 1, NULL);
}

int mlmd_registry_delete_alias(struct mlmd_store *store, const char *name, const char *alias)
{
	mlmd_alias_move m = { alias, 0 };
	return mlmd_registry_set_aliases(store, name, &m, 1, NULL);
}

/* ---- policies -------------------------------------------------------------------------------- */

int mlmd_registry_set_policy(struct mlmd_store *store, const char *name, const char *alias, int64_t approvals,
	const mlmd_tag *require, size_t n_require)
{
	static const char fn[] = "mlmd_registry_set_policy";
	int rc = need(name, fn, "name");
	if (!rc)
		rc = need(alias, fn, "alias");
	Mlmd__Pb__Governance__SetAliasPolicyRequest rq = MLMD__PB__GOVERNANCE__SET_ALIAS_POLICY_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_requirements(require, n_require, &rq.require)))
		return rc;
	rq.n_require = n_require;
	rq.model_name = (char *)name;
	rq.alias = (char *)alias;
	rq.has_approvals = 1;
	rq.approvals = approvals;
	Mlmd__Pb__Governance__SetAliasPolicyResponse *rs;
	rc = GV_CALL(store, fn, "SetAliasPolicy", &rq, set_alias_policy_response, &rs);
	free(rq.require);
	if (!rc)
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

int mlmd_registry_delete_policy(struct mlmd_store *store, const char *name, const char *alias)
{
	static const char fn[] = "mlmd_registry_delete_policy";
	int rc = need(name, fn, "name");
	if (!rc)
		rc = need(alias, fn, "alias");
	if (rc)
		return rc;
	Mlmd__Pb__Governance__DeleteAliasPolicyRequest rq = MLMD__PB__GOVERNANCE__DELETE_ALIAS_POLICY_REQUEST__INIT;
	rq.model_name = (char *)name;
	rq.alias = (char *)alias;
	Mlmd__Pb__Governance__DeleteAliasPolicyResponse *rs;
	if ((rc = GV_CALL(store, fn, "DeleteAliasPolicy", &rq, delete_alias_policy_response, &rs)))
		return rc;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

/* ---- requests and approvals ---------------------------------------------------------------------- */

const char *mlmd_request_status_name(mlmd_request_status status)
{
	switch (status) {
	case MLMD_REQUEST_PENDING: return "pending";
	case MLMD_REQUEST_APPROVED: return "approved";
	case MLMD_REQUEST_REJECTED: return "rejected";
	case MLMD_REQUEST_SUPERSEDED: return "superseded";
	}
	return "unknown";
}

static void state_of(const Mlmd__Pb__Governance__AliasRequest *r, mlmd_request_state *state)
{
	if (!state)
		return;
	memset(state, 0, sizeof *state);
	if (!r)
		return;
	state->request_id = r->request_id;
	state->status = (mlmd_request_status)r->status;
	state->approvals = r->approvals_count;
	state->approvals_needed = r->approvals_needed;
}

int mlmd_registry_request(struct mlmd_store *store, const char *name, const mlmd_alias_move *moves, size_t n,
	const char *comment, mlmd_request_state *state)
{
	static const char fn[] = "mlmd_registry_request";
	int rc = need(name, fn, "name");
	Mlmd__Pb__Governance__RequestAliasMoveRequest rq = MLMD__PB__GOVERNANCE__REQUEST_ALIAS_MOVE_REQUEST__INIT;
	if (rc || (rc = mlmd__gv_moves(moves, n, &rq.moves)))
		return rc;
	rq.n_moves = n;
	rq.model_name = (char *)name;
	rq.comment = (char *)comment;
	Mlmd__Pb__Governance__RequestAliasMoveResponse *rs;
	rc = GV_CALL(store, fn, "RequestAliasMove", &rq, request_alias_move_response, &rs);
	free(rq.moves);
	if (rc)
		return rc;
	state_of(rs->request, state);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_registry_approve(struct mlmd_store *store, int64_t request_id, const char *comment,
	mlmd_request_state *state)
{
	Mlmd__Pb__Governance__ApproveRequestRequest rq = MLMD__PB__GOVERNANCE__APPROVE_REQUEST_REQUEST__INIT;
	rq.has_request_id = 1;
	rq.request_id = request_id;
	rq.comment = (char *)comment;
	Mlmd__Pb__Governance__ApproveRequestResponse *rs;
	int rc = GV_CALL(store, "mlmd_registry_approve", "ApproveRequest", &rq, approve_request_response, &rs);
	if (rc)
		return rc;
	state_of(rs->request, state);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_registry_reject(struct mlmd_store *store, int64_t request_id, const char *comment,
	mlmd_request_state *state)
{
	Mlmd__Pb__Governance__RejectRequestRequest rq = MLMD__PB__GOVERNANCE__REJECT_REQUEST_REQUEST__INIT;
	rq.has_request_id = 1;
	rq.request_id = request_id;
	rq.comment = (char *)comment;
	Mlmd__Pb__Governance__RejectRequestResponse *rs;
	int rc = GV_CALL(store, "mlmd_registry_reject", "RejectRequest", &rq, reject_request_response, &rs);
	if (rc)
		return rc;
	state_of(rs->request, state);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

/*
 * governance/dg_read.c - data governance read back as plain C
 * (mlmd/datagov.h): tombstones (GetTombstones, and DeleteNodes' answer),
 * retention policies (GetRetentionPolicies), a node's effective labels
 * (GetEffectiveLabels, and the serving gate's blocking labels), the gate
 * list (GetServingGate) and impact analysis (Impact). Each result lives in
 * one arena (call.c) behind the public struct, so its _free releases
 * everything at once; NULL is a no-op for every _free.
 */
#include <stdlib.h>
#include <string.h>
#include "gov.h"

ARENA_BOX(mlmd_delete_result, delete_box);
ARENA_BOX(mlmd_retention_policy_list, policy_list_box);
ARENA_BOX(mlmd_label_list, label_list_box);
ARENA_BOX(mlmd_impact, impact_box);

/* INVALID_ARGUMENT unless kind is one of the three (`fn` names the call). */
static int kind_ok(const char *fn, mlmd_node_kind kind)
{
	if (mlmd_node_kind_name(kind))
		return 0;
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: node kind %d is not artifact (1), execution (2) or context (3)",
		fn, (int)kind);
}

static int need_out(const void *out, const char *fn)
{
	return out ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
}

/* ---- tombstones ------------------------------------------------------------------------------- */

int mlmd__gv_delete_result_new(Mlmd__Pb__Governance__Tombstone *const *t, size_t n,
	const Mlmd__Pb__Governance__DeleteNodesResponse *rs, mlmd_delete_result **out)
{
	*out = NULL;
	delete_box *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	mlmd_tombstone *v = mlmd__gv_alloc(&b->a, n * sizeof *v);
	for (size_t i = 0; v && i < n; i++) {
		v[i].kind = (mlmd_node_kind)t[i]->kind;
		v[i].id = t[i]->id;
		v[i].type_id = t[i]->type_id;
		v[i].type = GV_STR(&b->a, t[i]->type);
		v[i].delete_time_ms = t[i]->delete_time_ms;
		v[i].actor = GV_STR(&b->a, t[i]->actor);
		v[i].reason = GV_STR(&b->a, t[i]->reason);
	}
	b->pub.nodes = v;
	b->pub.n_nodes = v ? n : 0;
	if (rs) {
		b->pub.properties_removed = rs->properties_removed;
		b->pub.events_kept = rs->events_kept;
		b->pub.memberships_removed = rs->memberships_removed;
		b->pub.metric_points_removed = rs->metric_points_removed;
	}
	if (b->a.oom) {
		mlmd_delete_result_free(&b->pub);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_delete_result_free(mlmd_delete_result *result)
{
	if (!result)
		return;
	delete_box *b = (delete_box *)result;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

int mlmd_tombstones_get(struct mlmd_store *store, mlmd_node_kind kind, const int64_t *ids, size_t n_ids,
	int64_t after_id, int max_results, mlmd_delete_result **out)
{
	static const char fn[] = "mlmd_tombstones_get";
	int rc = need_out(out, fn);
	if (rc)
		return rc;
	*out = NULL;
	if ((rc = kind_ok(fn, kind)))
		return rc;
	if (n_ids && !ids)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu ids given, but the array is NULL", fn, n_ids);
	if (n_ids > MLMD__GV_MAX_IDS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu ids; at most %d in one call", fn, n_ids,
			MLMD__GV_MAX_IDS);
	if (max_results < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: max_results %d is negative (0: 1000)", fn, max_results);
	Mlmd__Pb__Governance__GetTombstonesRequest rq = MLMD__PB__GOVERNANCE__GET_TOMBSTONES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = n_ids;
	rq.ids = (int64_t *)ids;
	rq.has_after_id = after_id != 0;
	rq.after_id = after_id;
	rq.has_max_results = max_results != 0;
	rq.max_results = max_results;
	Mlmd__Pb__Governance__GetTombstonesResponse *rs;
	if ((rc = GV_CALL(store, fn, "GetTombstones", &rq, get_tombstones_response, &rs)))
		return rc;
	rc = mlmd__gv_delete_result_new(rs->tombstones, rs->n_tombstones, NULL, out);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/* ---- retention policies ---------------------------------------------------------------------- */

void mlmd__gv_policy(mlmd__gv_arena *a, const Mlmd__Pb__Governance__RetentionPolicy *m, mlmd_retention_policy *out)
{
	static const Mlmd__Pb__Governance__RetentionPolicy none = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	if (!m)
		m = &none;
	out->kind = (mlmd_node_kind)m->kind;
	out->type_name = GV_STR(a, m->type_name);
	out->type_id = m->type_id;
	out->max_age_ms = m->max_age_ms;
	out->keep_last = m->keep_last;
	out->actor = GV_STR(a, m->actor);
	out->time_ms = m->time_ms;
}

int mlmd_retention_list(struct mlmd_store *store, mlmd_retention_policy_list **out)
{
	static const char fn[] = "mlmd_retention_list";
	int rc = need_out(out, fn);
	if (rc)
		return rc;
	*out = NULL;
	Mlmd__Pb__Governance__GetRetentionPoliciesRequest rq = MLMD__PB__GOVERNANCE__GET_RETENTION_POLICIES_REQUEST__INIT;
	Mlmd__Pb__Governance__GetRetentionPoliciesResponse *rs;
	if ((rc = GV_CALL(store, fn, "GetRetentionPolicies", &rq, get_retention_policies_response, &rs)))
		return rc;
	policy_list_box *b = calloc(1, sizeof *b);
	mlmd_retention_policy *p = b ? mlmd__gv_alloc(&b->a, rs->n_policies * sizeof *p) : NULL;
	for (size_t i = 0; p && i < rs->n_policies; i++)
		mlmd__gv_policy(&b->a, rs->policies[i], &p[i]);
	if (b) {
		b->pub.policies = p;
		b->pub.n = p ? rs->n_policies : 0;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_retention_policy_list_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_retention_policy_list_free(mlmd_retention_policy_list *list)
{
	if (!list)
		return;
	policy_list_box *b = (policy_list_box *)list;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/* ---- labels ------------------------------------------------------------------------------------ */

int mlmd__gv_labels_new(Mlmd__Pb__Governance__EffectiveLabel *const *m, size_t n, mlmd_label_list **out)
{
	*out = NULL;
	label_list_box *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	mlmd_label *l = mlmd__gv_alloc(&b->a, n * sizeof *l);
	for (size_t i = 0; l && i < n; i++) {
		l[i].label = GV_STR(&b->a, m[i]->label);
		l[i].source_kind = (mlmd_node_kind)m[i]->source_kind;
		l[i].source_id = m[i]->source_id;
		l[i].distance = m[i]->distance;
		l[i].reason = GV_STR(&b->a, m[i]->reason);
		l[i].until_ms = m[i]->until_ms;
		l[i].actor = GV_STR(&b->a, m[i]->actor);
		l[i].time_ms = m[i]->time_ms;
		l[i].propagate = m[i]->propagate != 0;
	}
	b->pub.labels = l;
	b->pub.n = l ? n : 0;
	if (b->a.oom) {
		mlmd_label_list_free(&b->pub);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_label_list_free(mlmd_label_list *list)
{
	if (!list)
		return;
	label_list_box *b = (label_list_box *)list;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

int mlmd_labels_effective(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, int include_expired,
	mlmd_label_list **out)
{
	static const char fn[] = "mlmd_labels_effective";
	int rc = need_out(out, fn);
	if (rc)
		return rc;
	*out = NULL;
	if ((rc = kind_ok(fn, kind)))
		return rc;
	Mlmd__Pb__Governance__GetEffectiveLabelsRequest rq = MLMD__PB__GOVERNANCE__GET_EFFECTIVE_LABELS_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.has_id = 1;
	rq.id = id;
	rq.has_include_expired = include_expired != 0;
	rq.include_expired = include_expired != 0;
	Mlmd__Pb__Governance__GetEffectiveLabelsResponse *rs;
	if ((rc = GV_CALL(store, fn, "GetEffectiveLabels", &rq, get_effective_labels_response, &rs)))
		return rc;
	rc = mlmd__gv_labels_new(rs->labels, rs->n_labels, out);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/* ---- the gate list ------------------------------------------------------------------------------ */

int mlmd_gate_get(struct mlmd_store *store, char ***labels, size_t *n)
{
	static const char fn[] = "mlmd_gate_get";
	if (!labels)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: labels is NULL", fn);
	*labels = NULL;
	if (n)
		*n = 0;
	Mlmd__Pb__Governance__GetServingGateRequest rq = MLMD__PB__GOVERNANCE__GET_SERVING_GATE_REQUEST__INIT;
	Mlmd__Pb__Governance__GetServingGateResponse *rs;
	int rc = GV_CALL(store, fn, "GetServingGate", &rq, get_serving_gate_response, &rs);
	if (rc)
		return rc;
	/* one block: n + 1 pointers, then the strings, so mlmd_strings_free is free() */
	size_t bytes = (rs->n_labels + 1) * sizeof(char *);
	for (size_t i = 0; i < rs->n_labels; i++)
		bytes += strlen(rs->labels[i]) + 1;
	char **v = malloc(bytes);
	if (v) {
		char *p = (char *)(v + rs->n_labels + 1);
		for (size_t i = 0; i < rs->n_labels; i++) {
			size_t len = strlen(rs->labels[i]) + 1;
			v[i] = memcpy(p, rs->labels[i], len);
			p += len;
		}
		v[rs->n_labels] = NULL;
		*labels = v;
		if (n)
			*n = rs->n_labels;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return v ? 0 : MLMD_OOM();
}

void mlmd_strings_free(char **strings)
{
	free(strings);
}

/* ---- impact --------------------------------------------------------------------------------------- */

static void impacted_node(mlmd__gv_arena *a, mlmd_impact_what what, const Mlmd__Pb__Governance__ImpactedNode *m,
	mlmd_impact_item *out)
{
	out->what = what;
	out->kind = (mlmd_node_kind)m->kind;
	out->id = m->id;
	out->type = GV_STR(a, m->type);
	out->name = GV_STR(a, m->name);
	out->model_name = GV_STR(a, "");
	out->alias = out->model_name;
	out->distance = m->distance;
	out->deleted = m->deleted != 0;
}

int mlmd_impact_get(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, int max_nodes, mlmd_impact **out)
{
	static const char fn[] = "mlmd_impact_get";
	int rc = need_out(out, fn);
	if (rc)
		return rc;
	*out = NULL;
	if (kind != MLMD_NODE_ARTIFACT && kind != MLMD_NODE_EXECUTION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: impact starts from an artifact (1) or an execution (2), "
			"not node kind %d", fn, (int)kind);
	if (max_nodes < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: max_nodes %d is negative (0: 1,000,000)", fn, max_nodes);
	Mlmd__Pb__Governance__ImpactRequest rq = MLMD__PB__GOVERNANCE__IMPACT_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.has_id = 1;
	rq.id = id;
	rq.has_max_nodes = max_nodes != 0;
	rq.max_nodes = max_nodes;
	Mlmd__Pb__Governance__ImpactResponse *rs;
	if ((rc = GV_CALL(store, fn, "Impact", &rq, impact_response, &rs)))
		return rc;
	size_t n = rs->n_models + rs->n_versions + rs->n_aliases + rs->n_serving + rs->n_deployments, k = 0;
	impact_box *b = calloc(1, sizeof *b);
	mlmd_impact_item *it = b ? mlmd__gv_alloc(&b->a, n * sizeof *it) : NULL;
	if (it) {
		for (size_t i = 0; i < rs->n_models; i++)
			impacted_node(&b->a, MLMD_IMPACT_MODEL, rs->models[i], &it[k++]);
		for (size_t i = 0; i < rs->n_versions; i++, k++) {
			const Mlmd__Pb__Governance__ImpactedVersion *v = rs->versions[i];
			it[k].what = MLMD_IMPACT_VERSION;
			it[k].kind = MLMD_NODE_ARTIFACT;
			it[k].id = v->artifact_id;
			it[k].type = it[k].name = it[k].alias = GV_STR(&b->a, "");
			it[k].model_name = GV_STR(&b->a, v->model_name);
			it[k].version = v->version;
			it[k].distance = v->distance;
		}
		for (size_t i = 0; i < rs->n_aliases; i++, k++) {
			const Mlmd__Pb__Governance__ImpactedAlias *v = rs->aliases[i];
			it[k].what = MLMD_IMPACT_ALIAS;
			it[k].kind = MLMD_NODE_ARTIFACT;
			it[k].id = v->artifact_id;
			it[k].type = it[k].name = GV_STR(&b->a, "");
			it[k].model_name = GV_STR(&b->a, v->model_name);
			it[k].alias = GV_STR(&b->a, v->alias);
			it[k].version = v->version;
			it[k].distance = v->distance;
		}
		for (size_t i = 0; i < rs->n_serving; i++)
			impacted_node(&b->a, MLMD_IMPACT_SERVING, rs->serving[i], &it[k++]);
		for (size_t i = 0; i < rs->n_deployments; i++)
			impacted_node(&b->a, MLMD_IMPACT_DEPLOYMENT, rs->deployments[i], &it[k++]);
	}
	if (b) {
		b->pub.items = it;
		b->pub.n = it ? n : 0;
		b->pub.nodes_walked = rs->nodes_walked;
		b->pub.truncated = rs->truncated != 0;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_impact_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_impact_free(mlmd_impact *impact)
{
	if (!impact)
		return;
	impact_box *b = (impact_box *)impact;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

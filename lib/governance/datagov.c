/*
 * governance/datagov.c - data governance's writing calls from C
 * (mlmd/datagov.h): deleting nodes (DeleteNodes), retention policies set,
 * removed and run (SetRetentionPolicy, DeleteRetentionPolicy, RunRetention,
 * whose report is read back here), labels set and removed (Classify,
 * Unclassify) and the serving gate's list (SetServingGate); and the node
 * kinds' names. Each call builds one mlmd.governance request and sends it
 * through mlmd_store_call() (call.c), so each is one transaction with its
 * audit record. The store checks labels, types and rules; this file checks
 * only what the C arguments alone can get wrong (NULL pointers, a kind out
 * of range, negative counts).
 */
#include <stdlib.h>
#include <string.h>
#include "gov.h"

ARENA_BOX(mlmd_retention_report, report_box);

static const char *const kind_names[] = { NULL, "artifact", "execution", "context" };

const char *mlmd_node_kind_name(mlmd_node_kind kind)
{
	return kind >= MLMD_NODE_ARTIFACT && kind <= MLMD_NODE_CONTEXT ? kind_names[kind] : NULL;
}

int mlmd_node_kind_parse(const char *name, mlmd_node_kind *out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_node_kind_parse: out is NULL");
	for (int k = MLMD_NODE_ARTIFACT; name && k <= MLMD_NODE_CONTEXT; k++)
		if (!strcmp(name, kind_names[k])) {
			*out = (mlmd_node_kind)k;
			return 0;
		}
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "node kind '%s' is not artifact, execution or context",
		name ? name : "(NULL)");
}

static int need(const void *p, const char *fn, const char *what)
{
	return p ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s is NULL", fn, what);
}

/* INVALID_ARGUMENT unless kind is one of the three (or 0 where `optional`). */
static int kind_ok(const char *fn, mlmd_node_kind kind, int optional)
{
	if (mlmd_node_kind_name(kind) || (optional && kind == 0))
		return 0;
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: node kind %d is not artifact (1), execution (2) or context "
		"(3)%s", fn, (int)kind, optional ? " nor 0 (any kind)" : "");
}

/* ---- deletion ----------------------------------------------------------------------------------- */

int mlmd_nodes_delete(struct mlmd_store *store, mlmd_node_kind kind, const int64_t *ids, size_t n_ids,
	const char *reason, int dry_run, mlmd_delete_result **out)
{
	static const char fn[] = "mlmd_nodes_delete";
	if (out)
		*out = NULL;
	int rc = kind_ok(fn, kind, 0);
	if (rc)
		return rc;
	if (!n_ids)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: no ids given", fn);
	if (n_ids > MLMD__GV_MAX_IDS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu ids; at most %d in one call", fn, n_ids,
			MLMD__GV_MAX_IDS);
	if ((rc = need(ids, fn, "ids")))
		return rc;
	Mlmd__Pb__Governance__DeleteNodesRequest rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = n_ids;
	rq.ids = (int64_t *)ids;
	rq.reason = (char *)reason;
	rq.has_dry_run = dry_run != 0;
	rq.dry_run = dry_run != 0;
	Mlmd__Pb__Governance__DeleteNodesResponse *rs;
	if ((rc = GV_CALL(store, fn, "DeleteNodes", &rq, delete_nodes_response, &rs)))
		return rc;
	if (out)
		rc = mlmd__gv_delete_result_new(rs->deleted, rs->n_deleted, rs, out);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/* ---- retention ------------------------------------------------------------------------------------ */

int mlmd_retention_set(struct mlmd_store *store, mlmd_node_kind kind, const char *type_name, int64_t max_age_ms,
	int64_t keep_last)
{
	static const char fn[] = "mlmd_retention_set";
	int rc = kind_ok(fn, kind, 1);
	if (rc || (rc = need(type_name, fn, "type_name")))
		return rc;
	if (max_age_ms < 0 || keep_last < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s %lld is negative (0: no limit)", fn,
			max_age_ms < 0 ? "max_age_ms" : "keep_last",
			(long long)(max_age_ms < 0 ? max_age_ms : keep_last));
	Mlmd__Pb__Governance__RetentionPolicy p = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	p.has_kind = kind != 0;
	p.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	p.type_name = (char *)type_name;
	p.has_max_age_ms = max_age_ms != 0;
	p.max_age_ms = max_age_ms;
	p.has_keep_last = keep_last != 0;
	p.keep_last = keep_last;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest rq = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	rq.policy = &p;
	Mlmd__Pb__Governance__SetRetentionPolicyResponse *rs;
	if ((rc = GV_CALL(store, fn, "SetRetentionPolicy", &rq, set_retention_policy_response, &rs)))
		return rc;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_retention_remove(struct mlmd_store *store, mlmd_node_kind kind, const char *type_name)
{
	static const char fn[] = "mlmd_retention_remove";
	int rc = kind_ok(fn, kind, 1);
	if (rc || (rc = need(type_name, fn, "type_name")))
		return rc;
	Mlmd__Pb__Governance__DeleteRetentionPolicyRequest rq =
		MLMD__PB__GOVERNANCE__DELETE_RETENTION_POLICY_REQUEST__INIT;
	rq.has_kind = kind != 0;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.type_name = (char *)type_name;
	Mlmd__Pb__Governance__DeleteRetentionPolicyResponse *rs;
	if ((rc = GV_CALL(store, fn, "DeleteRetentionPolicy", &rq, delete_retention_policy_response, &rs)))
		return rc;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_retention_run(struct mlmd_store *store, int dry_run, mlmd_retention_report **out)
{
	static const char fn[] = "mlmd_retention_run";
	if (out)
		*out = NULL;
	Mlmd__Pb__Governance__RunRetentionRequest rq = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	rq.has_dry_run = dry_run != 0;
	rq.dry_run = dry_run != 0;
	Mlmd__Pb__Governance__RunRetentionResponse *rs;
	int rc = GV_CALL(store, fn, "RunRetention", &rq, run_retention_response, &rs);
	if (rc || !out) {
		if (!rc)
			protobuf_c_message_free_unpacked(&rs->base, NULL);
		return rc;
	}
	report_box *b = calloc(1, sizeof *b);
	mlmd_retention_result *r = b ? mlmd__gv_alloc(&b->a, rs->n_results * sizeof *r) : NULL;
	for (size_t i = 0; r && i < rs->n_results; i++) {
		const Mlmd__Pb__Governance__RetentionResult *m = rs->results[i];
		mlmd__gv_policy(&b->a, m->policy, &r[i].policy);
		r[i].examined = m->examined;
		r[i].expired = m->expired;
		r[i].deleted = m->deleted;
		r[i].kept_alias = m->kept_alias;
		r[i].kept_hold = m->kept_hold;
	}
	if (b) {
		b->pub.results = r;
		b->pub.n = r ? rs->n_results : 0;
		b->pub.deleted = rs->deleted;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_retention_report_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_retention_report_free(mlmd_retention_report *report)
{
	if (!report)
		return;
	report_box *b = (report_box *)report;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/* ---- labels ---------------------------------------------------------------------------------------- */

int mlmd_label_set(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, const char *label,
	const char *reason, int64_t until_ms, int propagate, int64_t *reached)
{
	static const char fn[] = "mlmd_label_set";
	if (reached)
		*reached = 0;
	int rc = kind_ok(fn, kind, 0);
	if (rc || (rc = need(label, fn, "label")))
		return rc;
	if (until_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: until_ms %lld is negative (0: no end)", fn,
			(long long)until_ms);
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.has_id = 1;
	rq.id = id;
	rq.label = (char *)label;
	rq.reason = (char *)reason;
	rq.has_until_ms = until_ms != 0;
	rq.until_ms = until_ms;
	rq.has_no_propagate = !propagate;
	rq.no_propagate = !propagate;
	Mlmd__Pb__Governance__ClassifyResponse *rs;
	if ((rc = GV_CALL(store, fn, "Classify", &rq, classify_response, &rs)))
		return rc;
	if (reached)
		*reached = rs->reached;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_label_remove(struct mlmd_store *store, mlmd_node_kind kind, int64_t id, const char *label,
	int64_t *reached)
{
	static const char fn[] = "mlmd_label_remove";
	if (reached)
		*reached = 0;
	int rc = kind_ok(fn, kind, 0);
	if (rc || (rc = need(label, fn, "label")))
		return rc;
	Mlmd__Pb__Governance__UnclassifyRequest rq = MLMD__PB__GOVERNANCE__UNCLASSIFY_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.has_id = 1;
	rq.id = id;
	rq.label = (char *)label;
	Mlmd__Pb__Governance__UnclassifyResponse *rs;
	if ((rc = GV_CALL(store, fn, "Unclassify", &rq, unclassify_response, &rs)))
		return rc;
	if (reached)
		*reached = rs->reached;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

/* ---- the gate list ------------------------------------------------------------------------------------ */

int mlmd_gate_set(struct mlmd_store *store, const char *const *labels, size_t n)
{
	static const char fn[] = "mlmd_gate_set";
	if (n && !labels)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu labels given, but the array is NULL", fn, n);
	for (size_t i = 0; i < n; i++)
		if (!labels[i])
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: label #%zu is NULL", fn, i);
	Mlmd__Pb__Governance__SetServingGateRequest rq = MLMD__PB__GOVERNANCE__SET_SERVING_GATE_REQUEST__INIT;
	rq.n_labels = n;
	rq.labels = (char **)labels;
	Mlmd__Pb__Governance__SetServingGateResponse *rs;
	int rc = GV_CALL(store, fn, "SetServingGate", &rq, set_serving_gate_response, &rs);
	if (rc)
		return rc;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

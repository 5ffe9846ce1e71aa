/*
 * store/dg_restore.c - RestoreDataGovernance: `mlmd import` putting another
 * store's tombstones, labels, gate list and retention policies back, with
 * their original times and actors, in the import's transaction. It reuses
 * the handlers that make them (so a restored label's reach is computed
 * here, on this store's lineage) and then writes back who and when.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

/* A node the import created for a tombstone: live, with no uri, external id
 * or property (refusing anything else keeps a restore from erasing data). */
static int check_blank(call *c, int kind, int64_t id)
{
	static const char *const sql[3] = {
		[KIND_EXECUTION] = "SELECT (SELECT COUNT(*) FROM execution_property WHERE node_id = n.id), n.external_id,"
				   " NULL FROM execution n WHERE n.id = ?",
		[KIND_ARTIFACT] = "SELECT (SELECT COUNT(*) FROM artifact_property WHERE node_id = n.id), n.external_id,"
				  " n.uri FROM artifact n WHERE n.id = ?",
		[KIND_CONTEXT] = "SELECT (SELECT COUNT(*) FROM context_property WHERE node_id = n.id), n.external_id,"
				 " NULL FROM context n WHERE n.id = ?",
	};
	int rc = mlmd__dg_node_state(c, kind, id);
	if (rc < 0)
		return rc;
	if (rc != DG_LIVE)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s %lld is already deleted",
				  mlmd__dg_kind_name(kind), (long long)id);
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, sql[kind])))
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	int blank = rc == 1 && mlmd__q_col_i64(&q, 0) == 0 && mlmd__q_isnull(&q, 1) && mlmd__q_isnull(&q, 2);
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (!blank)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s %lld has values (a uri, an external id or properties): only "
				  "a node created empty for a tombstone can be made one",
				  mlmd__dg_kind_name(kind), (long long)id);
	return 0;
}

static int restore_tombstone(call *c, const Mlmd__Pb__Governance__Tombstone *t)
{
	int kind = mlmd__dg_kind(t->has_kind ? t->kind : 0, "RestoreDataGovernance: tombstone");
	if (kind < 0)
		return -MLMD_INVALID_ARGUMENT;
	int rc = check_blank(c, kind, t->id);
	dg_delete_counts n = { 0 };
	if (rc || (rc = mlmd__dg_delete_one(c, kind, t->id, t->reason ? t->reason : "", &n)))
		return rc;
	static const char *const sql[3] = {
		[KIND_EXECUTION] = "UPDATE execution SET deleted_time = ?, deleted_by = ? WHERE id = ?",
		[KIND_ARTIFACT] = "UPDATE artifact SET deleted_time = ?, deleted_by = ? WHERE id = ?",
		[KIND_CONTEXT] = "UPDATE context SET deleted_time = ?, deleted_by = ? WHERE id = ?",
	};
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, sql[kind])))
		return rc;
	mlmd__q_i64(&q, 1, t->has_delete_time_ms ? t->delete_time_ms : c->now);
	mlmd__q_text(&q, 2, t->actor && *t->actor ? t->actor : c->s->actor);
	mlmd__q_i64(&q, 3, t->id);
	return mlmd__q_exec(&q);
}

static int restore_label(call *c, const Mlmd__Pb__Governance__LabelEntry *e)
{
	const Mlmd__Pb__Governance__EffectiveLabel *l = e->label;
	if (!l || !l->label)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "a label entry without its label");
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	Mlmd__Pb__Governance__ClassifyResponse rs = MLMD__PB__GOVERNANCE__CLASSIFY_RESPONSE__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = e->kind;
	rq.id = e->node_id;
	rq.label = l->label;
	rq.reason = l->reason;
	rq.has_until_ms = l->has_until_ms;
	rq.until_ms = l->until_ms;
	rq.has_no_propagate = 1;
	rq.no_propagate = l->has_propagate && !l->propagate;
	int rc = mlmd__gov_Classify(c, &rq, &rs);
	if (rc)
		return rc;
	int kind = mlmd__dg_kind(e->kind, "RestoreDataGovernance: label");
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "UPDATE label SET actor = ?, time = ? WHERE kind = ? AND node_id = ? AND label = ?")))
		return rc;
	mlmd__q_text(&q, 1, l->actor && *l->actor ? l->actor : c->s->actor);
	mlmd__q_i64(&q, 2, l->has_time_ms ? l->time_ms : c->now);
	mlmd__q_i64(&q, 3, kind);
	mlmd__q_i64(&q, 4, e->node_id);
	mlmd__q_text(&q, 5, l->label);
	return mlmd__q_exec(&q);
}

static int restore_policy(call *c, Mlmd__Pb__Governance__RetentionPolicy *p)
{
	Mlmd__Pb__Governance__SetRetentionPolicyRequest rq = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	Mlmd__Pb__Governance__SetRetentionPolicyResponse rs = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_RESPONSE__INIT;
	rq.policy = p;
	int rc = mlmd__gov_SetRetentionPolicy(c, &rq, &rs);
	int64_t type_id = rs.policy && rs.policy->has_type_id ? rs.policy->type_id : 0;
	if (rs.policy)
		protobuf_c_message_free_unpacked(&rs.policy->base, NULL);
	if (rc)
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "UPDATE retention_policy SET actor = ?, time = ? WHERE type_id = ?")))
		return rc;
	mlmd__q_text(&q, 1, p->actor && *p->actor ? p->actor : c->s->actor);
	mlmd__q_i64(&q, 2, p->has_time_ms ? p->time_ms : c->now);
	mlmd__q_i64(&q, 3, type_id);
	return mlmd__q_exec(&q);
}

int mlmd__gov_RestoreDataGovernance(call *c, const Mlmd__Pb__Governance__RestoreDataGovernanceRequest *rq,
				    Mlmd__Pb__Governance__RestoreDataGovernanceResponse *rs)
{
	(void)rs;
	int rc = mlmd__dg_need_schema(c, "RestoreDataGovernance");
	/* a failure names the entry (the import names its line) */
	for (size_t i = 0; !rc && i < rq->n_tombstones; i++)
		if ((rc = restore_tombstone(c, rq->tombstones[i])))
			mlmd__context(rc, "tombstones[%zu]", i);
	for (size_t i = 0; !rc && i < rq->n_labels; i++)
		if ((rc = restore_label(c, rq->labels[i])))
			mlmd__context(rc, "labels[%zu]", i);
	if (!rc && rq->has_set_gate && rq->set_gate) {
		Mlmd__Pb__Governance__SetServingGateRequest gq = MLMD__PB__GOVERNANCE__SET_SERVING_GATE_REQUEST__INIT;
		Mlmd__Pb__Governance__SetServingGateResponse gs = MLMD__PB__GOVERNANCE__SET_SERVING_GATE_RESPONSE__INIT;
		gq.n_labels = rq->n_gate;
		gq.labels = rq->gate;
		if ((rc = mlmd__gov_SetServingGate(c, &gq, &gs)))
			mlmd__context(rc, "gate");
		for (size_t i = 0; i < gs.n_labels; i++)
			free(gs.labels[i]);
		free(gs.labels);
	}
	for (size_t i = 0; !rc && i < rq->n_policies; i++)
		if ((rc = restore_policy(c, rq->policies[i])))
			mlmd__context(rc, "policies[%zu]", i);
	return rc;
}

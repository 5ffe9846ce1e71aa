/*
 * store/dg_gate.c - the serving gate's store side: the list of labels that
 * stop a model from being served (table serving_gate) and the check of one
 * artifact against it (GetServingGate, SetServingGate, CheckServingGate in
 * proto/mlmd_governance.proto). The scorer's use of the check is
 * lib/serving's.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The gate list, sorted by bytes, appended to *labels. */
static int gate_read(call *c, char ***labels, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT label FROM serving_gate");
	if (rc)
		return rc;
	while ((rc = mlmd__q_step(&q)) == 1) {
		char *l = mlmd__strdup(mlmd__q_col_text(&q, 0));
		if (!l || mlmd__push_ptr((void ***)labels, n, l)) {
			free(l);
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (*n > 1)
		qsort(*labels, *n, sizeof **labels, cmp_str);
	return 0;
}

int mlmd__gov_GetServingGate(call *c, const Mlmd__Pb__Governance__GetServingGateRequest *rq,
			     Mlmd__Pb__Governance__GetServingGateResponse *rs)
{
	(void)rq;
	int rc = mlmd__dg_need_schema(c, "GetServingGate");
	return rc ? rc : gate_read(c, &rs->labels, &rs->n_labels);
}

int mlmd__gov_SetServingGate(call *c, const Mlmd__Pb__Governance__SetServingGateRequest *rq,
			     Mlmd__Pb__Governance__SetServingGateResponse *rs)
{
	int rc;
	if ((rc = mlmd__dg_need_schema(c, "SetServingGate")))
		return rc;
	for (size_t i = 0; i < rq->n_labels; i++)
		if ((rc = mlmd__dg_label_check(rq->labels[i], "SetServingGate")))
			return mlmd__context(rc, "labels[%zu]", i);
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "DELETE FROM serving_gate")) || (rc = mlmd__q_exec(&q)))
		return rc;
	for (size_t i = 0; i < rq->n_labels; i++) {
		/* a label given twice is listed once */
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO serving_gate (label) VALUES (?) ON CONFLICT DO NOTHING")))
			return rc;
		mlmd__q_text(&q, 1, rq->labels[i]);
		if ((rc = mlmd__q_exec_later(&q)))
			return rc;
	}
	return gate_read(c, &rs->labels, &rs->n_labels);
}

int mlmd__gov_CheckServingGate(call *c, const Mlmd__Pb__Governance__CheckServingGateRequest *rq,
			       Mlmd__Pb__Governance__CheckServingGateResponse *rs)
{
	int rc;
	if ((rc = mlmd__dg_need_schema(c, "CheckServingGate")))
		return rc;
	if (!rq->has_artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckServingGate: artifact_id is required");
	if ((rc = mlmd__dg_node_state(c, KIND_ARTIFACT, rq->artifact_id)) < 0)
		return rc;
	if (rc == DG_TOMBSTONE)
		return mlmd__fail(MLMD_NOT_FOUND, "artifact %lld was deleted: it cannot be served",
				  (long long)rq->artifact_id);
	/* the artifact's active labels that the gate lists: label_reach_by_node, then one row per label */
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q,
			  MLMD_DG_EFFECTIVE_COLS " JOIN serving_gate g ON g.label = l.label"
						 " WHERE r.kind = 1 AND r.node_id = ? AND " MLMD_DG_ACTIVE_SQL)))
		return rc;
	mlmd__q_i64(&q, 1, rq->artifact_id);
	mlmd__q_i64(&q, 2, c->now);
	if ((rc = mlmd__dg_effective_read(&q, &rs->blocking, &rs->n_blocking)))
		return rc;
	rs->has_allowed = 1;
	rs->allowed = rs->n_blocking == 0;
	return 0;
}

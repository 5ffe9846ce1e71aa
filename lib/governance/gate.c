/*
 * governance/gate.c - the serving gate from C: mlmd_gate_check(), one
 * CheckServingGate call answering whether an artifact may be served, with
 * the labels that block it read back as an mlmd_label_list
 * (mlmd__gv_labels_new, dg_read.c) and a FAILED_PRECONDITION message
 * naming the first of them and its source node. The scorer (lib/serving)
 * calls it before every load and at every flush of its serving record.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gov.h"

/* "POISONED on artifact 3, 2 hops upstream: <reason>" for the first
 * blocking label, with how many more there are. */
static int blocked(int64_t id, const Mlmd__Pb__Governance__CheckServingGateResponse *rs)
{
	if (!rs->n_blocking)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "artifact %lld is blocked by the serving gate", (long long)id);
	const Mlmd__Pb__Governance__EffectiveLabel *e = rs->blocking[0];
	const char *kind = mlmd_node_kind_name((mlmd_node_kind)e->source_kind);
	char where[96], more[64] = "";
	if (e->distance == 0)
		snprintf(where, sizeof where, "its own label");
	else
		snprintf(where, sizeof where, "%d hop%s upstream", e->distance, e->distance == 1 ? "" : "s");
	if (rs->n_blocking > 1)
		snprintf(more, sizeof more, " (and %zu more blocking label%s)", rs->n_blocking - 1,
			rs->n_blocking == 2 ? "" : "s");
	bool why = e->reason && e->reason[0];
	return mlmd__fail(MLMD_FAILED_PRECONDITION, "artifact %lld is blocked by the serving gate: %s on %s %lld, %s%s%s%s",
		(long long)id, e->label ? e->label : "", kind ? kind : "node", (long long)e->source_id, where,
		why ? ": " : "", why ? e->reason : "", more);
}

int mlmd_gate_check(struct mlmd_store *store, int64_t artifact_id, mlmd_label_list **blocking)
{
	static const char fn[] = "mlmd_gate_check";
	if (blocking)
		*blocking = NULL;
	Mlmd__Pb__Governance__CheckServingGateRequest rq = MLMD__PB__GOVERNANCE__CHECK_SERVING_GATE_REQUEST__INIT;
	Mlmd__Pb__Governance__CheckServingGateResponse *rs;
	rq.has_artifact_id = 1;
	rq.artifact_id = artifact_id;
	int rc = GV_CALL(store, fn, "CheckServingGate", &rq, check_serving_gate_response, &rs);
	if (rc)
		return rc;
	if (blocking && (rc = mlmd__gv_labels_new(rs->blocking, rs->n_blocking, blocking))) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return rc;
	}
	if (rs->n_blocking || (rs->has_allowed && !rs->allowed))
		rc = blocked(artifact_id, rs);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

/*
 * cli/export_dg.c - the data governance of `mlmd export` (a store at schema
 * version 5 or later): deleted nodes as tombstone lines right after the
 * nodes (an import creates each as an empty node, so the events through it
 * map, and makes it a tombstone again at the end), and after the audit log
 * the labels set on nodes, the serving gate and the retention policies. The
 * lines carry the service's own messages (Tombstone, LabelEntry,
 * GetServingGateResponse, RetentionPolicy); import.c reads them back and
 * RestoreDataGovernance puts them in with their times and actors.
 */
#include <stdio.h>
#include <stdlib.h>
#include "export.h"
#include "import.h"

#define PAGE 1000

int cli_export_tombstones(mlmd_store *s, cli_exporter *x, cli_idlist *execs)
{
	static const int kinds[3] = { MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT,
		MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION, MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT };
	for (int k = 0; k < 3; k++) {
		int64_t after = 0;
		for (;;) {
			Mlmd__Pb__Governance__GetTombstonesRequest rq = MLMD__PB__GOVERNANCE__GET_TOMBSTONES_REQUEST__INIT;
			Mlmd__Pb__Governance__GetTombstonesResponse *rs = NULL;
			rq.has_kind = rq.has_after_id = rq.has_max_results = 1;
			rq.kind = kinds[k];
			rq.after_id = after;
			rq.max_results = PAGE;
			if (cli_track_call(s, "GetTombstones", &rq.base,
				&mlmd__pb__governance__get_tombstones_response__descriptor, (void **)&rs))
				return cli_failed("%s", mlmd_error_message());
			int rc = 0;
			for (size_t i = 0; i < rs->n_tombstones && !rc; i++) {
				const Mlmd__Pb__Governance__Tombstone *t = rs->tombstones[i];
				if (k == 1 && cli_ids_push(execs, t->id))
					rc = cli_failed("out of memory");
				else
					rc = cli_export_line(x, X_TOMBSTONE, "tombstone", "id", t->id, "type_id", t->type_id, &t->base);
				after = t->id;
			}
			size_t n = rs->n_tombstones;
			mlmd_message_free(rs);
			if (rc)
				return rc;
			if (n < PAGE)
				break;
		}
	}
	return 0;
}

static int export_labels(mlmd_store *s, cli_exporter *x)
{
	int64_t after = 0;
	for (;;) {
		Mlmd__Pb__Governance__ListLabelsRequest rq = MLMD__PB__GOVERNANCE__LIST_LABELS_REQUEST__INIT;
		Mlmd__Pb__Governance__ListLabelsResponse *rs = NULL;
		rq.has_after_id = rq.has_max_results = 1;
		rq.after_id = after;
		rq.max_results = PAGE;
		if (cli_track_call(s, "ListLabels", &rq.base, &mlmd__pb__governance__list_labels_response__descriptor,
			(void **)&rs))
			return cli_failed("%s", mlmd_error_message());
		int rc = 0;
		for (size_t i = 0; i < rs->n_labels && !rc; i++) {
			const Mlmd__Pb__Governance__LabelEntry *e = rs->labels[i];
			rc = cli_export_line(x, X_LABEL, "label", "id", e->node_id, NULL, 0, &e->base);
			after = e->label_id;
		}
		size_t n = rs->n_labels;
		mlmd_message_free(rs);
		if (rc)
			return rc;
		if (n < PAGE)
			return 0;
	}
}

int cli_export_datagov(mlmd_store *s, cli_exporter *x)
{
	int rc = export_labels(s, x);
	if (rc)
		return rc;
	Mlmd__Pb__Governance__GetServingGateRequest gq = MLMD__PB__GOVERNANCE__GET_SERVING_GATE_REQUEST__INIT;
	Mlmd__Pb__Governance__GetServingGateResponse *gs = NULL;
	if (cli_track_call(s, "GetServingGate", &gq.base, &mlmd__pb__governance__get_serving_gate_response__descriptor,
		(void **)&gs))
		return cli_failed("%s", mlmd_error_message());
	rc = cli_export_line(x, X_GATE, "serving_gate", NULL, 0, NULL, 0, &gs->base);
	mlmd_message_free(gs);
	if (rc)
		return rc;
	Mlmd__Pb__Governance__GetRetentionPoliciesRequest pq = MLMD__PB__GOVERNANCE__GET_RETENTION_POLICIES_REQUEST__INIT;
	Mlmd__Pb__Governance__GetRetentionPoliciesResponse *ps = NULL;
	if (cli_track_call(s, "GetRetentionPolicies", &pq.base,
		&mlmd__pb__governance__get_retention_policies_response__descriptor, (void **)&ps))
		return cli_failed("%s", mlmd_error_message());
	for (size_t i = 0; i < ps->n_policies && !rc; i++) {
		ps->policies[i]->has_type_id = 0; /* this store's: a policy travels by kind and type name */
		rc = cli_export_line(x, X_POLICY, "retention_policy", NULL, 0, NULL, 0, &ps->policies[i]->base);
	}
	mlmd_message_free(ps);
	return rc;
}

/*
 * store/datagov.h - what the data-governance handlers (store/dg_*.c) share:
 * node kinds on the wire and in the tables, the schema they need, whether a
 * node is a tombstone, and the checks that refuse a deletion (an active
 * label on a node, an alias protecting it).
 *
 * Kinds: the wire's NodeKind (ARTIFACT 1, EXECUTION 2, CONTEXT 3) and the
 * tables' (type.kind: KIND_EXECUTION 0, KIND_ARTIFACT 1, KIND_CONTEXT 2,
 * query/query.h) differ; convert at the edge with the two functions below
 * and use table kinds everywhere inside.
 */
#ifndef MLMD_STORE_DATAGOV_H
#define MLMD_STORE_DATAGOV_H

#include "governance.h"

/* The schema version data governance needs (tombstone columns, labels,
 * the serving gate, retention policies). */
#define MLMD_DG_SCHEMA_VERSION 5
/* FAILED_PRECONDITION naming `what` on a store below version 5 (opened
 * without the upgrade). */
int mlmd__dg_need_schema(call *c, const char *what);

/* A wire NodeKind's table kind, or -1 (after setting INVALID_ARGUMENT naming
 * `what`) for NODE_KIND_UNSPECIFIED or an unknown value. */
int mlmd__dg_kind(int wire, const char *what);
/* The wire NodeKind of a table kind. */
int mlmd__dg_wire_kind(int kind);
/* "artifact", "execution", "context" of a table kind. */
const char *mlmd__dg_kind_name(int kind);
/* The node_kind (store/nodes.c) of a table kind. */
const node_kind *mlmd__dg_node_kind(int kind);

/* Node states by id: 1 live, 2 tombstone; NOT_FOUND (with a message naming
 * the kind and id) when no row has that id. */
enum { DG_LIVE = 1, DG_TOMBSTONE = 2 };
int mlmd__dg_node_state(call *c, int kind, int64_t id);

/* SQL: the condition that a node row (alias n) is live. Only valid on a
 * store at version 5 or later (the column does not exist before): code that
 * serves older stores checks c->s->schema_version first. */
#define MLMD_DG_LIVE_SQL "n.deleted_time IS NULL"

/* Whether `label` applies to the node now (an active effective label: its
 * own or propagated to it, until-time not passed at c->now): 1 and a
 * description in why ("HOLD on artifact 3, 2 hops upstream: legal case
 * 12"), 0 when it does not, or a negative status. */
int mlmd__dg_label_applies(call *c, int kind, int64_t id, const char *label, char *why, size_t why_len);

/* Whether an alias protects the node from deletion (DeleteNodesRequest in
 * proto/mlmd_governance.proto: an artifact that is the model artifact of a
 * version an alias names, that version's context, a model's context while
 * it has an alias): 1 and "MODEL@ALIAS (version N)" in why, 0 when none
 * does, or a negative status. It does not look upstream (retention does). */
int mlmd__dg_alias_protects(call *c, int kind, int64_t id, char *why, size_t why_len);

/* Called by every write that adds lineage edges, after inserting them, so
 * that propagating labels follow new edges: an event (artifact -> execution
 * for input types, execution -> artifact for output types), an attribution
 * (context -> artifact) or an association (context -> execution). Cheap
 * when the store has no propagating label (one query per call, cached in
 * c->labels_state). store/dg_label.c. */
int mlmd__dg_edge_added(call *c, int from_kind, int64_t from_id, int to_kind, int64_t to_id);
/* Beside other writers, declares the label walks' lock (mlmd__sql_want)
 * when propagating labels exist: a write that will add lineage edges calls
 * it before it writes anything, so it takes that lock in order with its
 * others (sql/locks.c). store/dg_reach.c. */
int mlmd__dg_edges_want(call *c);

/* Event types (ml_metadata Event.Type) along which labels propagate and
 * lineage is read: inputs carry artifact -> execution, outputs execution ->
 * artifact. */
int mlmd__dg_event_is_input(int type);
int mlmd__dg_event_is_output(int type);

/* qsort comparison of int64_t ids, ascending. */
int mlmd__dg_cmp_i64(const void *a, const void *b);

/* ---- deletion (store/dg_delete.c) --------------------------------------------------------------- */

typedef struct dg_delete_counts {
	int64_t properties, events, memberships, metric_points;
} dg_delete_counts;
/* Makes the live node `id` a tombstone (the row kept, its values removed,
 * deleted_time = c->now, deleted_by = the actor, delete_reason = reason or
 * ""), adding what it removed and kept to *n. The caller has checked that
 * the node is live and that nothing protects it. */
int mlmd__dg_delete_one(call *c, int kind, int64_t id, const char *reason, dg_delete_counts *n);
/* The same for n live, distinct nodes, MLMD_IN_MAX per chunk of statements
 * (retention deletes a page at a time with it). */
int mlmd__dg_delete_ids(call *c, int kind, const int64_t *ids, size_t n, const char *reason, dg_delete_counts *n_out);
/* Marks the tombstones among nodes[0..n) (messages of kind k, loaded with
 * c->with_tombstones by a lineage walk) as tombstones: name cleared, custom
 * properties mlmd.deleted_time (int), mlmd.deleted_by and
 * mlmd.delete_reason (strings) added. One query per MLMD_IN_MAX nodes; a
 * no-op below schema version 5. */
int mlmd__dg_tombstone_mark(call *c, const node_kind *k, void **nodes, size_t n);

/* ---- labels (store/dg_label.c) ----------------------------------------------------------------- */

/* Labels: 1..MLMD_DG_LABEL_MAX bytes of [A-Za-z0-9_.:-], the first a
 * letter; INVALID_ARGUMENT naming `what` and the label otherwise. */
#define MLMD_DG_LABEL_MAX 128
int mlmd__dg_label_check(const char *label, const char *what);

/* Writes the reach of label row `label_id` (set on node kind/id) afresh:
 * its old rows removed, then the node at distance 0 and, when it
 * propagates, everything downstream at its minimum distance
 * (store/dg_reach.c). *reached (may be NULL): the rows written. */
int mlmd__dg_reach_compute(call *c, int64_t label_id, int kind, int64_t id, int propagate, int64_t *reached);

/* Effective labels: a query of these columns (bound by the caller) read
 * by mlmd__dg_effective_read, which appends one EffectiveLabel per row to
 * *arr and sorts what it appended by label (bytes), distance, source wire
 * kind and id. The statement is always finished. */
#define MLMD_DG_EFFECTIVE_COLS                                                                        \
	"SELECT l.label, l.kind, l.node_id, r.distance, l.reason, l.until_ms, l.actor, l.time, l.propagate" \
	" FROM label_reach r JOIN label l ON l.id = r.label_id"
/* The condition that a label (alias l) is in force at time ? (c->now). */
#define MLMD_DG_ACTIVE_SQL "(l.until_ms = 0 OR l.until_ms > ?)"
int mlmd__dg_effective_read(sqlq *q, Mlmd__Pb__Governance__EffectiveLabel ***arr, size_t *n);

/* ---- retention and impact (store/dg_retention.c, store/dg_impact.c) ------------------------------- */

/* One hop of a lineage walk from `frontier` (n nodes of table kind `from`,
 * KIND_ARTIFACT or KIND_EXECUTION) along events, tombstones included:
 * down = 1 follows an artifact's input events to the executions that read
 * it and an execution's output events to what it wrote; down = 0 the
 * reverse (an artifact's producers, an execution's inputs). The nodes of
 * the other kind met that are not in `seen` yet are added to it and
 * appended to *next (*nnext of them, in the order met). One indexed query
 * per MLMD_IN_MAX frontier nodes. store/dg_walk.c. */
int mlmd__dg_hop(call *c, int from, int down, const int64_t *frontier, size_t n, mlmd__idset *seen,
		 int64_t **next, size_t *nnext);

#endif

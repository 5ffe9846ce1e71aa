/*
 * store/dg_label.c - classifications: Classify, Unclassify,
 * GetEffectiveLabels and ListLabels (proto/mlmd_governance.proto,
 * "classifications"), label names, and reading effective labels (shared
 * with the serving gate, store/dg_gate.c). Where a label applies is
 * store/dg_reach.c's work.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

#define REASON_MAX 4096
#define LIST_PAGE_MAX 1000

int mlmd__dg_label_check(const char *label, const char *what)
{
	if (!label || !*label)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: a label is required", what);
	size_t n = strlen(label);
	if (n > MLMD_DG_LABEL_MAX)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: label '%.32s...' is %zu bytes long (at most %d)", what, label,
				  n, MLMD_DG_LABEL_MAX);
	int letter = (label[0] >= 'A' && label[0] <= 'Z') || (label[0] >= 'a' && label[0] <= 'z');
	for (size_t i = 0; i < n && letter; i++) {
		char ch = label[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '.' || ch == ':' || ch == '-'))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "%s: label '%s' has a character other than A-Z a-z 0-9 _ . : - at byte %zu", what,
					  label, i);
	}
	if (!letter)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: label '%s' must start with a letter", what, label);
	return 0;
}

/* ---- effective labels ---------------------------------------------------------------------- */

static int wire_rank(int wire)
{
	return wire; /* ARTIFACT 1, EXECUTION 2, CONTEXT 3 */
}

static int cmp_effective(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__EffectiveLabel *x = *(Mlmd__Pb__Governance__EffectiveLabel *const *)a,
						   *y = *(Mlmd__Pb__Governance__EffectiveLabel *const *)b;
	int r = strcmp(x->label, y->label);
	if (r)
		return r;
	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	if (x->source_kind != y->source_kind)
		return wire_rank(x->source_kind) < wire_rank(y->source_kind) ? -1 : 1;
	return x->source_id < y->source_id ? -1 : x->source_id > y->source_id;
}

/* A new EffectiveLabel from the current row of an MLMD_DG_EFFECTIVE_COLS
 * query, or NULL (out of memory). */
static Mlmd__Pb__Governance__EffectiveLabel *effective_row(sqlq *q)
{
	Mlmd__Pb__Governance__EffectiveLabel *e = mlmd__msg_new(&mlmd__pb__governance__effective_label__descriptor);
	if (!e)
		return NULL;
	e->label = mlmd__strdup(mlmd__q_col_text(q, 0));
	e->reason = mlmd__strdup(mlmd__q_col_text(q, 4) ? mlmd__q_col_text(q, 4) : "");
	e->actor = mlmd__strdup(mlmd__q_col_text(q, 6) ? mlmd__q_col_text(q, 6) : "");
	if (!e->label || !e->reason || !e->actor) {
		protobuf_c_message_free_unpacked(&e->base, NULL);
		return NULL;
	}
	e->has_source_kind = e->has_source_id = e->has_distance = e->has_until_ms = e->has_time_ms = e->has_propagate = 1;
	e->source_kind = (Mlmd__Pb__Governance__NodeKind)mlmd__dg_wire_kind((int)mlmd__q_col_i64(q, 1));
	e->source_id = mlmd__q_col_i64(q, 2);
	e->distance = (int32_t)mlmd__q_col_i64(q, 3);
	e->until_ms = mlmd__q_col_i64(q, 5);
	e->time_ms = mlmd__q_col_i64(q, 7);
	e->propagate = mlmd__q_col_i64(q, 8) != 0;
	return e;
}

int mlmd__dg_effective_read(sqlq *q, Mlmd__Pb__Governance__EffectiveLabel ***arr, size_t *n)
{
	size_t first = *n;
	int rc;
	while ((rc = mlmd__q_step(q)) == 1) {
		Mlmd__Pb__Governance__EffectiveLabel *e = effective_row(q);
		if (!e || mlmd__push_ptr((void ***)arr, n, e)) {
			if (e)
				protobuf_c_message_free_unpacked(&e->base, NULL);
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(q);
	if (rc < 0)
		return rc;
	if (*n - first > 1)
		qsort(*arr + first, *n - first, sizeof **arr, cmp_effective);
	return 0;
}

/* The kind and id of a request, checked: the table kind, or a negative
 * status (INVALID_ARGUMENT, NOT_FOUND for a node that never existed). */
static int request_node(call *c, int wire, int has_id, int64_t id, const char *what)
{
	int kind = mlmd__dg_kind(wire, what);
	if (kind < 0)
		return -MLMD_INVALID_ARGUMENT;
	if (!has_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: id is required", what);
	int rc = mlmd__dg_node_state(c, kind, id);
	return rc < 0 ? rc : kind;
}

/* ---- the RPCs ------------------------------------------------------------------------------- */

int mlmd__gov_Classify(call *c, const Mlmd__Pb__Governance__ClassifyRequest *rq,
		       Mlmd__Pb__Governance__ClassifyResponse *rs)
{
	int rc, kind;
	if ((rc = mlmd__dg_need_schema(c, "Classify")) || (rc = mlmd__dg_label_check(rq->label, "Classify")))
		return rc;
	if (rq->reason && strlen(rq->reason) > REASON_MAX)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "Classify: reason is %zu bytes long (at most %d)",
				  strlen(rq->reason), REASON_MAX);
	if (rq->until_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "Classify: until_ms %lld is negative (0: no end)",
				  (long long)rq->until_ms);
	if ((kind = request_node(c, rq->kind, rq->has_id, rq->id, "Classify")) < 0)
		return kind;
	int propagate = !rq->no_propagate;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT id FROM label WHERE kind = ? AND node_id = ? AND label = ?")))
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_i64(&q, 2, rq->id);
	mlmd__q_text(&q, 3, rq->label);
	rc = mlmd__q_step(&q);
	int64_t label_id = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (label_id) {
		/* replaced: the row (and its id) stays, its reach is written afresh */
		if ((rc = mlmd__q(c->sql, &q,
				  "UPDATE label SET reason = ?, until_ms = ?, propagate = ?, actor = ?, time = ? WHERE id = ?")))
			return rc;
		mlmd__q_i64(&q, 6, label_id);
	} else if ((rc = mlmd__q_insert(c->sql, &q,
					MLMD_INSERT("INSERT INTO label (reason, until_ms, propagate, actor, time, kind, node_id,"
						    " label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")))) {
		return rc;
	} else {
		mlmd__q_i64(&q, 6, kind);
		mlmd__q_i64(&q, 7, rq->id);
		mlmd__q_text(&q, 8, rq->label);
	}
	mlmd__q_text(&q, 1, rq->reason ? rq->reason : "");
	mlmd__q_i64(&q, 2, rq->until_ms);
	mlmd__q_i64(&q, 3, propagate);
	mlmd__q_text(&q, 4, c->s->actor);
	mlmd__q_i64(&q, 5, c->now);
	if (label_id) {
		rs->replaced = 1;
		rc = mlmd__q_exec(&q);
	} else {
		rc = mlmd__q_insert_step(&q, &label_id);
	}
	if (rc)
		return rc;
	rs->has_replaced = rs->has_reached = 1;
	return mlmd__dg_reach_compute(c, label_id, kind, rq->id, propagate, &rs->reached);
}

int mlmd__gov_Unclassify(call *c, const Mlmd__Pb__Governance__UnclassifyRequest *rq,
			 Mlmd__Pb__Governance__UnclassifyResponse *rs)
{
	int rc, kind;
	if ((rc = mlmd__dg_need_schema(c, "Unclassify")) || (rc = mlmd__dg_label_check(rq->label, "Unclassify")))
		return rc;
	if ((kind = request_node(c, rq->kind, rq->has_id, rq->id, "Unclassify")) < 0)
		return kind;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q,
			  "SELECT l.id, (SELECT COUNT(*) FROM label_reach r WHERE r.label_id = l.id) FROM label l"
			  " WHERE l.kind = ? AND l.node_id = ? AND l.label = ?")))
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_i64(&q, 2, rq->id);
	mlmd__q_text(&q, 3, rq->label);
	rc = mlmd__q_step(&q);
	int64_t label_id = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	rs->reached = rc == 1 ? mlmd__q_col_i64(&q, 1) : 0;
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (!label_id)
		return mlmd__fail(MLMD_NOT_FOUND, "%s %lld has no label '%s' of its own", mlmd__dg_kind_name(kind),
				  (long long)rq->id, rq->label);
	rs->has_reached = 1;
	/* the reach first (what the label propagated goes with it), then the row */
	static const char *const del[2] = { "DELETE FROM label_reach WHERE label_id = ?", "DELETE FROM label WHERE id = ?" };
	for (int i = 0; i < 2; i++) {
		if ((rc = mlmd__q(c->sql, &q, del[i])))
			return rc;
		mlmd__q_i64(&q, 1, label_id);
		if ((rc = mlmd__q_exec(&q)))
			return rc;
	}
	return 0;
}

int mlmd__gov_GetEffectiveLabels(call *c, const Mlmd__Pb__Governance__GetEffectiveLabelsRequest *rq,
				 Mlmd__Pb__Governance__GetEffectiveLabelsResponse *rs)
{
	int rc, kind;
	if ((rc = mlmd__dg_need_schema(c, "GetEffectiveLabels")))
		return rc;
	if ((kind = request_node(c, rq->kind, rq->has_id, rq->id, "GetEffectiveLabels")) < 0)
		return kind;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q,
			  rq->include_expired ? MLMD_DG_EFFECTIVE_COLS " WHERE r.kind = ? AND r.node_id = ?"
					      : MLMD_DG_EFFECTIVE_COLS " WHERE r.kind = ? AND r.node_id = ?"
								       " AND " MLMD_DG_ACTIVE_SQL)))
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_i64(&q, 2, rq->id);
	if (!rq->include_expired)
		mlmd__q_i64(&q, 3, c->now);
	return mlmd__dg_effective_read(&q, &rs->labels, &rs->n_labels);
}

/* ListLabels' page: by label, then label row id (the order of the index
 * label_by_label), continuing after the row after_id. */
#define LIST_COLS                                                                                      \
	"SELECT l.id, l.kind, l.node_id, l.label, l.reason, l.until_ms, l.actor, l.time, l.propagate,"     \
	" (SELECT COUNT(*) FROM label_reach r WHERE r.label_id = l.id) FROM label l"

int mlmd__gov_ListLabels(call *c, const Mlmd__Pb__Governance__ListLabelsRequest *rq,
			 Mlmd__Pb__Governance__ListLabelsResponse *rs)
{
	int rc;
	if ((rc = mlmd__dg_need_schema(c, "ListLabels")))
		return rc;
	if (rq->label && (rc = mlmd__dg_label_check(rq->label, "ListLabels")))
		return rc;
	if (rq->max_results < 0 || rq->max_results > LIST_PAGE_MAX)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "ListLabels: max_results %d is out of range (0..%d; 0 for %d)",
				  rq->max_results, LIST_PAGE_MAX, LIST_PAGE_MAX);
	int64_t limit = rq->max_results ? rq->max_results : LIST_PAGE_MAX;
	sqlq q;
	if (rq->label) {
		rc = mlmd__q(c->sql, &q, LIST_COLS " WHERE l.label = ? AND l.id > ? ORDER BY l.id LIMIT ?");
		if (!rc) {
			mlmd__q_text(&q, 1, rq->label);
			mlmd__q_i64(&q, 2, rq->after_id);
			mlmd__q_i64(&q, 3, limit);
		}
	} else if (rq->after_id > 0) {
		/* after (label of after_id, after_id): the row must still exist */
		char *after = NULL;
		if ((rc = mlmd__q(c->sql, &q, "SELECT label FROM label WHERE id = ?")))
			return rc;
		mlmd__q_i64(&q, 1, rq->after_id);
		if ((rc = mlmd__q_step(&q)) == 1 && !(after = mlmd__strdup(mlmd__q_col_text(&q, 0))))
			rc = MLMD_OOM();
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
		if (!after)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "ListLabels: after_id %lld is no label row (removed since the last page?): "
					  "list again from the start, or by label",
					  (long long)rq->after_id);
		rc = mlmd__q(c->sql, &q,
			     LIST_COLS " WHERE l.label > ? OR (l.label = ? AND l.id > ?) ORDER BY l.label, l.id LIMIT ?");
		if (!rc) {
			mlmd__q_text(&q, 1, after);
			mlmd__q_text(&q, 2, after);
			mlmd__q_i64(&q, 3, rq->after_id);
			mlmd__q_i64(&q, 4, limit);
		}
		free(after);
	} else {
		rc = mlmd__q(c->sql, &q, LIST_COLS " ORDER BY l.label, l.id LIMIT ?");
		if (!rc)
			mlmd__q_i64(&q, 1, limit);
	}
	if (rc)
		return rc;
	while ((rc = mlmd__q_step(&q)) == 1) {
		Mlmd__Pb__Governance__LabelEntry *en = mlmd__msg_new(&mlmd__pb__governance__label_entry__descriptor);
		Mlmd__Pb__Governance__EffectiveLabel *e = mlmd__msg_new(&mlmd__pb__governance__effective_label__descriptor);
		if (!en || !e || mlmd__push_ptr((void ***)&rs->labels, &rs->n_labels, en)) {
			free(en);
			free(e);
			rc = MLMD_OOM();
			break;
		}
		en->label = e;
		en->has_label_id = en->has_kind = en->has_node_id = en->has_reached = 1;
		en->label_id = mlmd__q_col_i64(&q, 0);
		en->kind = (Mlmd__Pb__Governance__NodeKind)mlmd__dg_wire_kind((int)mlmd__q_col_i64(&q, 1));
		en->node_id = mlmd__q_col_i64(&q, 2);
		en->reached = mlmd__q_col_i64(&q, 9);
		e->has_source_kind = e->has_source_id = e->has_distance = e->has_until_ms = e->has_time_ms =
			e->has_propagate = 1;
		e->source_kind = en->kind;
		e->source_id = en->node_id;
		e->until_ms = mlmd__q_col_i64(&q, 5);
		e->time_ms = mlmd__q_col_i64(&q, 7);
		e->propagate = mlmd__q_col_i64(&q, 8) != 0;
		e->label = mlmd__strdup(mlmd__q_col_text(&q, 3));
		e->reason = mlmd__strdup(mlmd__q_col_text(&q, 4) ? mlmd__q_col_text(&q, 4) : "");
		e->actor = mlmd__strdup(mlmd__q_col_text(&q, 6) ? mlmd__q_col_text(&q, 6) : "");
		if (!e->label || !e->reason || !e->actor) {
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

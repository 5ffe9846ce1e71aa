/*
 * store/dg_delete.c - deletion with tombstones: DeleteNodes (all or none,
 * refused by an alias or a HOLD, with a dry run), GetTombstones, and
 * mlmd__dg_delete_one, which retention shares.
 *
 * A tombstone keeps its row (the events through it reference it): name,
 * uri, external id and system metadata become NULL (a context's required
 * name becomes "\x1bdeleted:<id>"), its property rows go, and so do its
 * memberships (an artifact's attributions, an execution's associations, a
 * context's attributions, associations and parent links: so a tombstone is
 * reached through no context) and an execution's metric points;
 * deleted_time, deleted_by and delete_reason are set.
 * Everything runs over IN lists of MLMD_IN_MAX ids, a few statements per
 * chunk whatever the chunk's size, so 100,000 ids cost ~400 chunks.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

#define DG_MAX_IDS 100000
#define DG_MAX_REASON 4096

/* The SQL of one node table over an IN list. */
typedef struct del_sql {
	const char *state[5];        /* id, type_id, type name, deleted_time of the listed ids */
	const char *count_props[5];
	const char *delete_props[5];
	const char *count_events[5];  /* not for contexts */
	const char *tombstone[5];    /* params: [context: name prefix], time, actor, reason, ids */
	const char *hold[5];         /* params: kind, now, ids */
} del_sql;

#define DEL_SQL(T, EVCOL, NAME)                                                                           \
	{ MLMD_IN_SQL("SELECT n.id, n.type_id, t.name, n.deleted_time FROM " T " n JOIN type t ON t.id ="   \
		      " n.type_id WHERE n.id IN (", ") ORDER BY n.id"),                                    \
	  MLMD_IN_SQL("SELECT COUNT(*) FROM " T "_property WHERE node_id IN (", ")"),                      \
	  MLMD_IN_SQL("DELETE FROM " T "_property WHERE node_id IN (", ")"),                               \
	  MLMD_IN_SQL("SELECT COUNT(*) FROM event WHERE " EVCOL " IN (", ")"),                             \
	  MLMD_IN_SQL("UPDATE " T " SET name = " NAME ", external_id = NULL, uri = NULL,"                    \
		      " system_metadata = NULL, deleted_time = ?, deleted_by = ?, delete_reason = ?"         \
		      " WHERE id IN (", ")"),                                                                \
	  MLMD_IN_SQL("SELECT r.node_id FROM label_reach r JOIN label l ON l.id = r.label_id"               \
		      " WHERE r.kind = ? AND l.label = 'HOLD' AND (l.until_ms = 0 OR l.until_ms > ?)"         \
		      " AND r.node_id IN (", ") ORDER BY r.node_id LIMIT 1") }

static const del_sql dsql[3] = {
	[KIND_EXECUTION] = DEL_SQL("execution", "execution_id", "NULL"),
	[KIND_ARTIFACT] = DEL_SQL("artifact", "artifact_id", "NULL"),
	[KIND_CONTEXT] = DEL_SQL("context", "NULL", "CAST(? AS TEXT) || CAST(id AS TEXT)"),
};

/* What goes with an execution or a context besides its properties. */
static const char *const metric_count[5] =
	MLMD_IN_SQL("SELECT COUNT(*) FROM metric WHERE execution_id IN (", ")");
static const char *const metric_delete[5] = MLMD_IN_SQL("DELETE FROM metric WHERE execution_id IN (", ")");
/* memberships of contexts: each statement takes the list once */
/* an artifact's attributions, an execution's associations */
static const char *const member_node_count[3][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("SELECT COUNT(*) FROM association WHERE execution_id IN (", ")"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("SELECT COUNT(*) FROM attribution WHERE artifact_id IN (", ")"),
};
static const char *const member_node_del[3][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("DELETE FROM association WHERE execution_id IN (", ")"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("DELETE FROM attribution WHERE artifact_id IN (", ")"),
};
static const char *const member_sql[4][5] = {
	MLMD_IN_SQL("SELECT COUNT(*) FROM attribution WHERE context_id IN (", ")"),
	MLMD_IN_SQL("SELECT COUNT(*) FROM association WHERE context_id IN (", ")"),
	MLMD_IN_SQL("SELECT COUNT(*) FROM parent_context WHERE child_id IN (", ")"),
	MLMD_IN_SQL("SELECT COUNT(*) FROM parent_context WHERE parent_id IN (", ")"),
};
static const char *const member_del[4][5] = {
	MLMD_IN_SQL("DELETE FROM attribution WHERE context_id IN (", ")"),
	MLMD_IN_SQL("DELETE FROM association WHERE context_id IN (", ")"),
	MLMD_IN_SQL("DELETE FROM parent_context WHERE child_id IN (", ")"),
	MLMD_IN_SQL("DELETE FROM parent_context WHERE parent_id IN (", ")"),
};

/* Prepares the IN-list statement `sql` (MLMD_IN_SQL) for n ids (at most
 * MLMD_IN_MAX) and binds them from the first parameter on. */
static int in_prepare(call *c, sqlq *q, const char *const sql[5], const int64_t *ids, size_t n)
{
	int size, slot = mlmd__in_slot(n, &size);
	int rc = mlmd__q(c->sql, q, sql[slot]);
	if (rc)
		return rc;
	int pos = 1;
	mlmd__q_bind_ids(q, &pos, ids, n, size);
	return 0;
}

/* Runs the IN-list statement `sql` over ids and returns its single integer (a count) in *out. */
static int in_count(call *c, const char *const sql[5], const int64_t *ids, size_t n, int64_t *out)
{
	sqlq q;
	int rc = in_prepare(c, &q, sql, ids, n);
	if (rc)
		return rc;
	rc = mlmd__q_step(&q);
	*out = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* Runs the IN-list write `sql` over ids and adds the rows it changed. */
static int in_write(call *c, const char *const sql[5], const int64_t *ids, size_t n, int64_t *changed)
{
	sqlq q;
	int rc = in_prepare(c, &q, sql, ids, n);
	if (rc)
		return rc;
	rc = mlmd__q_exec(&q);
	if (rc == 0 && changed)
		*changed += c->sql->db->changes(c->sql->db);
	return rc;
}

/* Makes the live nodes ids[0..n) (n <= MLMD_IN_MAX, distinct) tombstones,
 * or with dry only counts what would go. */
static int delete_chunk(call *c, int kind, const int64_t *ids, size_t n, const char *reason, int dry,
			dg_delete_counts *cnt)
{
	const del_sql *d = &dsql[kind];
	int64_t v = 0;
	int rc = kind == KIND_CONTEXT ? 0 : in_count(c, d->count_events, ids, n, &v); /* no events through contexts */
	if (rc)
		return rc;
	cnt->events += v;
	if (dry) {
		if ((rc = in_count(c, d->count_props, ids, n, &v)))
			return rc;
		cnt->properties += v;
		if (kind != KIND_CONTEXT) {
			if ((rc = in_count(c, member_node_count[kind], ids, n, &v)))
				return rc;
			cnt->memberships += v;
		}
		if (kind == KIND_EXECUTION) {
			if ((rc = in_count(c, metric_count, ids, n, &v)))
				return rc;
			cnt->metric_points += v;
		} else if (kind == KIND_CONTEXT) {
			for (int i = 0; i < 4; i++) {
				if ((rc = in_count(c, member_sql[i], ids, n, &v)))
					return rc;
				cnt->memberships += v;
			}
		}
		return 0;
	}
	if ((rc = in_write(c, d->delete_props, ids, n, &cnt->properties)))
		return rc;
	if (kind != KIND_CONTEXT && (rc = in_write(c, member_node_del[kind], ids, n, &cnt->memberships)))
		return rc;
	if (kind == KIND_EXECUTION && (rc = in_write(c, metric_delete, ids, n, &cnt->metric_points)))
		return rc;
	if (kind == KIND_CONTEXT)
		for (int i = 0; i < 4; i++)
			if ((rc = in_write(c, member_del[i], ids, n, &cnt->memberships)))
				return rc;
	int size, slot = mlmd__in_slot(n, &size);
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, d->tombstone[slot])))
		return rc;
	int pos = 1; /* a context's name prefix comes first in the text */
	if (kind == KIND_CONTEXT)
		mlmd__q_text(&q, pos++, "\x1b" "deleted:");
	mlmd__q_i64(&q, pos++, c->now);
	mlmd__q_text(&q, pos++, c->s->actor ? c->s->actor : "");
	mlmd__q_text(&q, pos++, reason ? reason : "");
	mlmd__q_bind_ids(&q, &pos, ids, n, size);
	return mlmd__q_exec(&q);
}

/* Keeps the deleted ids for the handle's listeners (none: nothing kept). */
static int note_deleted(call *c, int kind, const int64_t *ids, size_t n)
{
	if (!c->s->n_listeners || kind < 0 || kind > 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (mlmd__push_i64(&c->deleted[kind], &c->n_deleted[kind], ids[i]))
			return MLMD_OOM();
	return 0;
}

int mlmd__dg_delete_one(call *c, int kind, int64_t id, const char *reason, dg_delete_counts *n)
{
	int rc = delete_chunk(c, kind, &id, 1, reason, 0, n);
	return rc ? rc : note_deleted(c, kind, &id, 1);
}

int mlmd__dg_delete_ids(call *c, int kind, const int64_t *ids, size_t n, const char *reason, dg_delete_counts *cnt)
{
	for (size_t at = 0; at < n; at += MLMD_IN_MAX) {
		int rc = delete_chunk(c, kind, ids + at, n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX, reason, 0, cnt);
		if (rc)
			return rc;
	}
	return note_deleted(c, kind, ids, n);
}

/* ---- DeleteNodes ----------------------------------------------------------------------------- */

static Mlmd__Pb__Governance__Tombstone *tombstone_new(int kind, int64_t id, int64_t type_id, const char *type,
						      int64_t time, const char *actor, const char *reason)
{
	Mlmd__Pb__Governance__Tombstone *t = mlmd__msg_new(&mlmd__pb__governance__tombstone__descriptor);
	if (!t)
		return NULL;
	t->has_kind = t->has_id = t->has_type_id = t->has_delete_time_ms = 1;
	t->kind = mlmd__dg_wire_kind(kind);
	t->id = id;
	t->type_id = type_id;
	t->delete_time_ms = time;
	if (!(t->type = mlmd__strdup(type ? type : "")) || !(t->actor = mlmd__strdup(actor ? actor : "")) ||
	    !(t->reason = mlmd__strdup(reason ? reason : ""))) {
		protobuf_c_message_free_unpacked(&t->base, NULL);
		return NULL;
	}
	return t;
}

/* Whether the store has any row of this (small) query: a quick test that
 * saves the per-chunk checks when no alias or HOLD exists at all. */
static int any_row(call *c, const char *sql)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	return rc;
}

/* Checks one chunk: every id live (NOT_FOUND otherwise), none under HOLD;
 * appends the would-be tombstones to rs. */
static int check_chunk(call *c, int kind, const int64_t *ids, size_t n, int holds, const char *reason,
		       Mlmd__Pb__Governance__DeleteNodesResponse *rs)
{
	const del_sql *d = &dsql[kind];
	int size, slot = mlmd__in_slot(n, &size);
	sqlq q;
	int rc = mlmd__q(c->sql, &q, d->state[slot]);
	if (rc)
		return rc;
	int pos = 1;
	mlmd__q_bind_ids(&q, &pos, ids, n, size);
	size_t at = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		int64_t id = mlmd__q_col_i64(&q, 0);
		if (at < n && ids[at] != id)
			break; /* ids[at] has no row: reported below */
		if (!mlmd__q_isnull(&q, 3)) {
			mlmd__q_done(&q);
			return mlmd__fail(MLMD_NOT_FOUND, "%s %lld is already deleted", mlmd__dg_kind_name(kind),
					  (long long)id);
		}
		Mlmd__Pb__Governance__Tombstone *t =
			tombstone_new(kind, id, mlmd__q_col_i64(&q, 1), mlmd__q_col_text(&q, 2), c->now, c->s->actor,
				      reason);
		if (!t || mlmd__push_ptr((void ***)&rs->deleted, &rs->n_deleted, t)) {
			if (t)
				protobuf_c_message_free_unpacked(&t->base, NULL);
			mlmd__q_done(&q);
			return MLMD_OOM();
		}
		at++;
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (at < n)
		return mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", mlmd__dg_kind_name(kind),
				  (long long)ids[at]);
	if (!holds)
		return 0;
	if ((rc = mlmd__q(c->sql, &q, d->hold[slot])))
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_i64(&q, 2, c->now);
	pos = 3;
	mlmd__q_bind_ids(&q, &pos, ids, n, size);
	rc = mlmd__q_step(&q);
	int64_t held = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	if (rc <= 0)
		return rc;
	char why[512];
	if ((rc = mlmd__dg_label_applies(c, kind, held, "HOLD", why, sizeof why)) < 0)
		return rc;
	return mlmd__fail(MLMD_FAILED_PRECONDITION, "%s %lld is on hold and cannot be deleted: %s",
			  mlmd__dg_kind_name(kind), (long long)held, rc ? why : "HOLD");
}

/* The nodes an alias protects (DeleteNodesRequest): few (one or two per
 * alias), read once and searched per id. */
static int alias_protected(call *c, int kind, int64_t **ids, size_t *n)
{
	const char *sql;
	if (kind == KIND_ARTIFACT)
		sql = "SELECT p.int_value FROM alias a JOIN parent_context pc ON pc.parent_id = a.model_id"
		      " JOIN context_property pv ON pv.node_id = pc.child_id AND pv.is_custom = 1"
		      " AND pv.name = 'mlmd.version' AND pv.int_value = a.version"
		      " JOIN context_property p ON p.node_id = pc.child_id AND p.is_custom = 1"
		      " AND p.name = 'mlmd.artifact_id'";
	else if (kind == KIND_CONTEXT)
		sql = "SELECT pc.child_id FROM alias a JOIN parent_context pc ON pc.parent_id = a.model_id"
		      " JOIN context_property pv ON pv.node_id = pc.child_id AND pv.is_custom = 1"
		      " AND pv.name = 'mlmd.version' AND pv.int_value = a.version"
		      " UNION SELECT model_id FROM alias";
	else
		return 0;
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	if ((rc = mlmd__q_ids(&q, ids, n)))
		return rc;
	if (*n > 1)
		qsort(*ids, *n, sizeof **ids, mlmd__dg_cmp_i64);
	return 0;
}

/* A sorted copy of the request's n ids (n > 0) without repeats, their
 * number in *out_n; NULL when out of memory. */
static int64_t *sorted_ids(const int64_t *in, size_t n, size_t *out_n)
{
	int64_t *ids = malloc(n * sizeof *ids);
	if (!ids)
		return NULL;
	memcpy(ids, in, n * sizeof *ids);
	qsort(ids, n, sizeof *ids, mlmd__dg_cmp_i64);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!m || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	*out_n = m;
	return ids;
}

int mlmd__gov_DeleteNodes(call *c, const Mlmd__Pb__Governance__DeleteNodesRequest *rq,
			  Mlmd__Pb__Governance__DeleteNodesResponse *rs)
{
	int rc = mlmd__dg_need_schema(c, "DeleteNodes");
	if (rc)
		return rc;
	int kind = mlmd__dg_kind(rq->has_kind ? rq->kind : 0, "DeleteNodes");
	if (kind < 0)
		return -MLMD_INVALID_ARGUMENT;
	if (rq->n_ids == 0 || rq->n_ids > DG_MAX_IDS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "DeleteNodes: ids: %zu ids; give 1..%d", rq->n_ids,
				  DG_MAX_IDS);
	if (rq->reason && strlen(rq->reason) > DG_MAX_REASON)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "DeleteNodes: reason: %zu bytes; at most %d",
				  strlen(rq->reason), DG_MAX_REASON);
	int dry = rq->has_dry_run && rq->dry_run;
	if (dry)
		c->no_audit = 1;
	int64_t *ids;
	size_t n;
	if (!(ids = sorted_ids(rq->ids, rq->n_ids, &n)))
		return MLMD_OOM();

	int64_t *prot = NULL;
	size_t nprot = 0;
	int holds = any_row(c, "SELECT 1 FROM label WHERE label = 'HOLD' LIMIT 1");
	rc = holds < 0 ? holds : alias_protected(c, kind, &prot, &nprot);
	for (size_t i = 0; i < nprot && !rc; i++) {
		if (!bsearch(&prot[i], ids, n, sizeof *ids, mlmd__dg_cmp_i64))
			continue;
		char why[512];
		rc = mlmd__dg_alias_protects(c, kind, prot[i], why, sizeof why);
		if (rc > 0)
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
					"%s %lld cannot be deleted: the alias %s points at it (move or remove the alias first)",
					mlmd__dg_kind_name(kind), (long long)prot[i], why);
	}
	free(prot);
	/* first every check (all or none), then the writes */
	for (size_t at = 0; at < n && !rc; at += MLMD_IN_MAX)
		rc = check_chunk(c, kind, ids + at, n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX, holds > 0,
				 rq->reason, rs);
	dg_delete_counts cnt = { 0, 0, 0, 0 };
	for (size_t at = 0; at < n && !rc; at += MLMD_IN_MAX)
		rc = delete_chunk(c, kind, ids + at, n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX, rq->reason, dry,
				  &cnt);
	free(ids);
	if (rc)
		return rc;
	rs->has_properties_removed = rs->has_events_kept = rs->has_memberships_removed =
		rs->has_metric_points_removed = 1;
	rs->properties_removed = cnt.properties;
	rs->events_kept = cnt.events;
	rs->memberships_removed = cnt.memberships;
	rs->metric_points_removed = cnt.metric_points;
	return 0;
}

/* ---- GetTombstones --------------------------------------------------------------------------- */

#define TOMB_COLS "n.id, n.type_id, t.name, n.deleted_time, n.deleted_by, n.delete_reason"
#define TOMB_SQL(T)                                                                                       \
	{ MLMD_IN_SQL("SELECT " TOMB_COLS " FROM " T " n JOIN type t ON t.id = n.type_id"                      \
		      " WHERE n.deleted_time IS NOT NULL AND n.id IN (", ") ORDER BY n.id"),                  \
	  "SELECT " TOMB_COLS " FROM " T " n JOIN type t ON t.id = n.type_id"                                 \
	  " WHERE n.deleted_time IS NOT NULL AND n.id > ? ORDER BY n.id LIMIT ?" }

typedef struct tomb_sql {
	const char *in[5];
	const char *page;
} tomb_sql;

static const tomb_sql tsql[3] = {
	[KIND_EXECUTION] = TOMB_SQL("execution"),
	[KIND_ARTIFACT] = TOMB_SQL("artifact"),
	[KIND_CONTEXT] = TOMB_SQL("context"),
};

static int tomb_rows(int kind, sqlq *q, Mlmd__Pb__Governance__GetTombstonesResponse *rs)
{
	int rc;
	while ((rc = mlmd__q_step(q)) == 1) {
		Mlmd__Pb__Governance__Tombstone *t =
			tombstone_new(kind, mlmd__q_col_i64(q, 0), mlmd__q_col_i64(q, 1), mlmd__q_col_text(q, 2),
				      mlmd__q_col_i64(q, 3), mlmd__q_col_text(q, 4), mlmd__q_col_text(q, 5));
		if (!t || mlmd__push_ptr((void ***)&rs->tombstones, &rs->n_tombstones, t)) {
			if (t)
				protobuf_c_message_free_unpacked(&t->base, NULL);
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(q);
	return rc < 0 ? rc : 0;
}

int mlmd__gov_GetTombstones(call *c, const Mlmd__Pb__Governance__GetTombstonesRequest *rq,
			    Mlmd__Pb__Governance__GetTombstonesResponse *rs)
{
	int rc = mlmd__dg_need_schema(c, "GetTombstones");
	if (rc)
		return rc;
	int kind = mlmd__dg_kind(rq->has_kind ? rq->kind : 0, "GetTombstones");
	if (kind < 0)
		return -MLMD_INVALID_ARGUMENT;
	sqlq q;
	if (rq->n_ids == 0) {
		int max = rq->has_max_results && rq->max_results > 0 ? rq->max_results : 1000;
		if (rq->has_max_results && rq->max_results < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "GetTombstones: max_results %d is negative",
					  rq->max_results);
		if (max > 10000)
			max = 10000;
		if ((rc = mlmd__q(c->sql, &q, tsql[kind].page)))
			return rc;
		mlmd__q_i64(&q, 1, rq->has_after_id ? rq->after_id : 0);
		mlmd__q_i64(&q, 2, max);
		return tomb_rows(kind, &q, rs);
	}
	if (rq->n_ids > DG_MAX_IDS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "GetTombstones: ids: %zu ids; at most %d", rq->n_ids,
				  DG_MAX_IDS);
	int64_t *ids;
	size_t n;
	if (!(ids = sorted_ids(rq->ids, rq->n_ids, &n)))
		return MLMD_OOM();
	for (size_t at = 0; at < n && !rc; at += MLMD_IN_MAX) {
		size_t m = n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX;
		int size, slot = mlmd__in_slot(m, &size);
		if ((rc = mlmd__q(c->sql, &q, tsql[kind].in[slot])))
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		rc = tomb_rows(kind, &q, rs);
	}
	free(ids);
	return rc;
}

/*
 * store/dg_common.c - what the data-governance handlers share
 * (store/datagov.h): the schema check, node kinds, tombstone state, and
 * whether a label applies to a node now.
 */
#include <stdio.h>
#include <string.h>
#include "datagov.h"

int mlmd__dg_need_schema(call *c, const char *what)
{
	if (c->s->schema_version >= MLMD_DG_SCHEMA_VERSION)
		return 0;
	return mlmd__fail(MLMD_FAILED_PRECONDITION,
			  "%s needs schema version %d (data governance: deletion, retention, labels, the serving "
			  "gate); the store is at version %d: open it with upgrade (mlmd upgrade, "
			  "MigrationOptions.enable_upgrade_migration)",
			  what, MLMD_DG_SCHEMA_VERSION, c->s->schema_version);
}

int mlmd__dg_kind(int wire, const char *what)
{
	switch (wire) {
	case MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT: return KIND_ARTIFACT;
	case MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION: return KIND_EXECUTION;
	case MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT: return KIND_CONTEXT;
	default:
		mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: kind must be ARTIFACT, EXECUTION or CONTEXT (got %d)",
			   what, wire);
		return -1;
	}
}

int mlmd__dg_wire_kind(int kind)
{
	return kind == KIND_ARTIFACT ? MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT
	       : kind == KIND_EXECUTION ? MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION
					 : MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT;
}

const char *mlmd__dg_kind_name(int kind)
{
	return kind == KIND_ARTIFACT ? "artifact" : kind == KIND_EXECUTION ? "execution" : "context";
}

const node_kind *mlmd__dg_node_kind(int kind)
{
	return kind == KIND_ARTIFACT ? &mlmd__artifact_kind
	       : kind == KIND_EXECUTION ? &mlmd__execution_kind
					 : &mlmd__context_kind;
}

int mlmd__dg_node_state(call *c, int kind, int64_t id)
{
	static const char *const sql[3] = {
		[KIND_EXECUTION] = "SELECT deleted_time FROM execution WHERE id = ?",
		[KIND_ARTIFACT] = "SELECT deleted_time FROM artifact WHERE id = ?",
		[KIND_CONTEXT] = "SELECT deleted_time FROM context WHERE id = ?",
	};
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql[kind]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	int state = rc == 1 ? (mlmd__q_isnull(&q, 0) ? DG_LIVE : DG_TOMBSTONE) : 0;
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (!state)
		return mlmd__fail(MLMD_NOT_FOUND, "%s %lld does not exist", mlmd__dg_kind_name(kind), (long long)id);
	return state;
}

int mlmd__dg_label_applies(call *c, int kind, int64_t id, const char *label, char *why, size_t why_len)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q,
			 "SELECT l.kind, l.node_id, r.distance, l.reason FROM label_reach r"
			 " JOIN label l ON l.id = r.label_id"
			 " WHERE r.kind = ? AND r.node_id = ? AND l.label = ? AND (l.until_ms = 0 OR l.until_ms > ?)"
			 " ORDER BY r.distance, l.kind, l.node_id LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_i64(&q, 2, id);
	mlmd__q_text(&q, 3, label);
	mlmd__q_i64(&q, 4, c->now);
	rc = mlmd__q_step(&q);
	if (rc == 1 && why && why_len) {
		int skind = (int)mlmd__q_col_i64(&q, 0);
		long long sid = (long long)mlmd__q_col_i64(&q, 1);
		long long dist = (long long)mlmd__q_col_i64(&q, 2);
		const char *reason = mlmd__q_col_text(&q, 3);
		char where[64];
		if (dist == 0)
			mlmd__snprintf(where, sizeof where, "its own label");
		else
			mlmd__snprintf(where, sizeof where, "%lld hop%s upstream", dist, dist == 1 ? "" : "s");
		mlmd__snprintf(why, why_len, "%s on %s %lld, %s%s%s", label, mlmd__dg_kind_name(skind), sid, where,
			       reason && *reason ? ": " : "", reason && *reason ? reason : "");
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : rc == 1;
}

int mlmd__dg_event_is_input(int t)
{
	return t == MLMD__PB__EVENT__TYPE__DECLARED_INPUT || t == MLMD__PB__EVENT__TYPE__INPUT ||
	       t == MLMD__PB__EVENT__TYPE__INTERNAL_INPUT;
}

int mlmd__dg_event_is_output(int t)
{
	return t == MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT || t == MLMD__PB__EVENT__TYPE__OUTPUT ||
	       t == MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT || t == MLMD__PB__EVENT__TYPE__PENDING_OUTPUT;
}

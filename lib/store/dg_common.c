/*
 * store/dg_common.c - what the data-governance handlers share
 * (store/datagov.h): the schema check, node kinds, ids in order, tombstone state, and
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

int mlmd__dg_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
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

/* ---- what an alias protects ------------------------------------------------------------------ */

/* The aliases that name a version (by the version's context): the version's
 * model (its parent context) has an alias row with the version's number. */
#define ALIAS_OF_VERSION                                                                                  \
	" JOIN context_property pv ON pv.node_id = v.id AND pv.is_custom = 1 AND pv.name = 'mlmd.version'" \
	" JOIN parent_context pc ON pc.child_id = v.id"                                                   \
	" JOIN alias a ON a.model_id = pc.parent_id AND a.version = pv.int_value"                         \
	" JOIN context m ON m.id = pc.parent_id"

int mlmd__dg_alias_protects(call *c, int kind, int64_t id, char *why, size_t why_len)
{
	const char *sql;
	if (kind == KIND_ARTIFACT)
		sql = "SELECT m.name, a.alias, a.version FROM context_property p JOIN context v ON v.id = p.node_id"
		      " JOIN type t ON t.id = v.type_id AND t.kind = 2 AND t.name = 'mlmd.ModelVersion'" ALIAS_OF_VERSION
		      " WHERE p.is_custom = 1 AND p.name = 'mlmd.artifact_id' AND p.int_value = ?"
		      " ORDER BY m.name, a.alias LIMIT 1";
	else if (kind == KIND_CONTEXT)
		/* a version's context, or a model's context (any of its aliases) */
		sql = "SELECT m.name, a.alias, a.version FROM context v" ALIAS_OF_VERSION " WHERE v.id = ?"
		      " UNION ALL SELECT m.name, a.alias, a.version FROM alias a JOIN context m ON m.id = a.model_id"
		      " WHERE a.model_id = ? ORDER BY 1, 2 LIMIT 1";
	else
		return 0;
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	if (kind == KIND_CONTEXT)
		mlmd__q_i64(&q, 2, id);
	rc = mlmd__q_step(&q);
	if (rc == 1 && why && why_len)
		mlmd__snprintf(why, why_len, "%s@%s (version %lld)", mlmd__q_col_text(&q, 0), mlmd__q_col_text(&q, 1),
			       (long long)mlmd__q_col_i64(&q, 2));
	mlmd__q_done(&q);
	return rc < 0 ? rc : rc == 1;
}

/*
 * store/reg_alias.c - aliases: the one function that moves an alias (the
 * alias row, its alias_history row, superseding the PENDING requests that
 * touch it), direct moves (SetAliases, refused where a policy applies),
 * resolving NAME@ALIAS, NAME@latest and NAME/VERSION now or as of a past
 * time, and the history.
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

int mlmd__reg_alias_get(call *c, int64_t model_id, const char *alias, int64_t *version)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT version FROM alias WHERE model_id = ? AND alias = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model_id);
	mlmd__q_text(&q, 2, alias);
	*version = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*version = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int cmp_move(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__AliasMove *x = *(Mlmd__Pb__Governance__AliasMove *const *)a;
	const Mlmd__Pb__Governance__AliasMove *y = *(Mlmd__Pb__Governance__AliasMove *const *)b;
	return strcmp(x->alias, y->alias);
}

int mlmd__reg_aliases(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasMove ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT alias, version FROM alias WHERE model_id = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	size_t first = *n;
	while ((rc = mlmd__q_step(&q)) == 1) {
		Mlmd__Pb__Governance__AliasMove *a = mlmd__msg_new(&mlmd__pb__governance__alias_move__descriptor);
		if (!a || mlmd__reg_strdup(&a->alias, mlmd__q_col_text(&q, 0)) || mlmd__push_ptr((void ***)arr, n, a)) {
			if (a)
				protobuf_c_message_free_unpacked(&a->base, NULL);
			rc = MLMD_OOM();
			break;
		}
		a->has_version = 1;
		a->version = mlmd__q_col_i64(&q, 1);
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (*n - first > 1)
		qsort(*arr + first, *n - first, sizeof **arr, cmp_move);
	return 0;
}

int mlmd__reg_check_moves(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasMove *const *moves, size_t n)
{
	if (!n)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "moves: at least one alias move is required");
	if (n > MLMD_REG_MAX_MOVES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "moves: %zu moves; at most %d", n, MLMD_REG_MAX_MOVES);
	for (size_t i = 0; i < n; i++) {
		char w[48];
		mlmd__snprintf(w, sizeof w, "moves[%zu]", i);
		const Mlmd__Pb__Governance__AliasMove *mv = moves[i];
		int rc = mlmd__reg_check_alias(mv->alias, w);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(moves[j]->alias, mv->alias))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: alias '%s' is moved twice (moves[%zu])", w,
						  mv->alias, j);
		int64_t v = mv->has_version ? mv->version : 0, id;
		if (v < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: version %lld (a version is >= 1; 0 removes the alias)",
					  w, (long long)v);
		if (v > 0 && (rc = mlmd__reg_version_id(c, m, v, &id)))
			return mlmd__context(rc, "%s", w);
		if (v == 0) {
			int64_t cur;
			if ((rc = mlmd__reg_alias_get(c, m->id, mv->alias, &cur)))
				return rc;
			if (!cur)
				return mlmd__fail(MLMD_NOT_FOUND, "%s: model '%s' has no alias '%s' to remove", w, m->name,
						  mv->alias);
		}
	}
	return 0;
}

/* ---- history entries ---------------------------------------------------------------------- */

/* The approving actors of request `id`, by time, then name. */
static int approvers(call *c, int64_t id, char ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT actor FROM alias_approval WHERE request_id = ? AND approve = 1"
			 " ORDER BY time, actor");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	return mlmd__reg_q_texts(&q, arr, n);
}

typedef struct hist_row {
	int64_t id, old_version, new_version, time, request_id;
	const char *alias, *actor;
} hist_row;

static int entry_new(call *c, const char *model, const hist_row *h, Mlmd__Pb__Governance__AliasHistoryEntry **out)
{
	Mlmd__Pb__Governance__AliasHistoryEntry *e =
		mlmd__msg_new(&mlmd__pb__governance__alias_history_entry__descriptor);
	*out = NULL;
	if (!e)
		return MLMD_OOM();
	int rc = mlmd__reg_strdup(&e->model_name, model);
	if (!rc)
		rc = mlmd__reg_strdup(&e->alias, h->alias);
	if (!rc)
		rc = mlmd__reg_strdup(&e->actor, h->actor);
	e->has_old_version = e->has_new_version = e->has_time_ms = e->has_request_id = e->has_id = 1;
	e->old_version = h->old_version;
	e->new_version = h->new_version;
	e->time_ms = h->time;
	e->request_id = h->request_id;
	e->id = h->id;
	if (!rc && h->request_id)
		rc = approvers(c, h->request_id, &e->approvers, &e->n_approvers);
	if (rc) {
		protobuf_c_message_free_unpacked(&e->base, NULL);
		return rc;
	}
	*out = e;
	return 0;
}

/* ---- the move ----------------------------------------------------------------------------- */

int mlmd__reg_move(call *c, const reg_model *m, const char *alias, int64_t version, int64_t request_id,
		   Mlmd__Pb__Governance__AliasHistoryEntry **entry)
{
	int64_t old = 0, hid = 0;
	int rc = mlmd__reg_alias_get(c, m->id, alias, &old);
	if (rc)
		return rc;
	if (!old && !version)
		return mlmd__fail(MLMD_NOT_FOUND, "model '%s' has no alias '%s' to remove", m->name, alias);
	sqlq q;
	if (!version)
		rc = mlmd__q(c->sql, &q, "DELETE FROM alias WHERE model_id = ? AND alias = ?");
	else if (old)
		rc = mlmd__q(c->sql, &q, "UPDATE alias SET version = ? WHERE model_id = ? AND alias = ?");
	else
		rc = mlmd__q(c->sql, &q, "INSERT INTO alias (version, model_id, alias) VALUES (?, ?, ?)");
	if (rc)
		return rc;
	int p = 1;
	if (version)
		mlmd__q_i64(&q, p++, version);
	mlmd__q_i64(&q, p++, m->id);
	mlmd__q_text(&q, p, alias);
	if ((rc = mlmd__q_exec(&q)))
		return rc;

	if ((rc = mlmd__q_insert(c->sql, &q, MLMD_INSERT("INSERT INTO alias_history (model_id, alias, old_version,"
							 " new_version, time, actor, request_id)"
							 " VALUES (?, ?, ?, ?, ?, ?, ?)"))))
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_text(&q, 2, alias);
	mlmd__q_i64(&q, 3, old);
	mlmd__q_i64(&q, 4, version);
	mlmd__q_i64(&q, 5, c->now);
	mlmd__q_text(&q, 6, c->s->actor);
	mlmd__q_i64(&q, 7, request_id);
	if ((rc = mlmd__q_insert_step(&q, &hid)))
		return rc;

	/* The requests still waiting to move this alias were asked against
	 * another state: they are superseded, not left to apply later. */
	if ((rc = mlmd__q(c->sql, &q, "UPDATE alias_request SET status = 3, decide_time = ?"
			  " WHERE model_id = ? AND status = 0 AND id <> ? AND EXISTS (SELECT 1 FROM alias_request_move mv"
			  " WHERE mv.request_id = alias_request.id AND mv.alias = ?)")))
		return rc;
	mlmd__q_i64(&q, 1, c->now);
	mlmd__q_i64(&q, 2, m->id);
	mlmd__q_i64(&q, 3, request_id);
	mlmd__q_text(&q, 4, alias);
	if ((rc = mlmd__q_exec(&q)))
		return rc;
	if (!entry)
		return 0;
	hist_row h = { hid, old, version, c->now, request_id, alias, c->s->actor };
	return entry_new(c, m->name, &h, entry);
}

/* ---- SetAliases --------------------------------------------------------------------------- */

int mlmd__gov_SetAliases(call *c, const Mlmd__Pb__Governance__SetAliasesRequest *rq,
			 Mlmd__Pb__Governance__SetAliasesResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "SetAliases");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	rc = mlmd__reg_check_moves(c, &m, rq->moves, rq->n_moves);
	/* every alias first: a policy on any of them refuses the whole call */
	for (size_t i = 0; i < rq->n_moves && !rc; i++) {
		mlmd_buf text = { 0 };
		int found = 0;
		int64_t approvals = 0;
		rc = mlmd__reg_policy_get(c, m.id, rq->moves[i]->alias, &found, &approvals, &text);
		if (!rc && found)
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
					"alias '%s' of model '%s' has a policy (%s): request the move (RequestAliasMove, "
					"mlmd registry request)", rq->moves[i]->alias, m.name, text.p ? text.p : "");
		mlmd__buf_free(&text);
	}
	for (size_t i = 0; i < rq->n_moves && !rc; i++) {
		Mlmd__Pb__Governance__AliasHistoryEntry *e = NULL;
		const Mlmd__Pb__Governance__AliasMove *mv = rq->moves[i];
		rc = mlmd__reg_move(c, &m, mv->alias, mv->has_version ? mv->version : 0, 0, &e);
		if (!rc && mlmd__push_ptr((void ***)&rs->moves, &rs->n_moves, e)) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			rc = MLMD_OOM();
		}
	}
	mlmd__reg_model_free(&m);
	return rc;
}

/* ---- ResolveModel ------------------------------------------------------------------------- */

/* The version alias `alias` named at `as_of` (0: none): the last move at or
 * before it, ties by id; one range read of alias_history's index. */
static int alias_as_of(call *c, int64_t model_id, const char *alias, int64_t as_of, int64_t *version)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT new_version FROM alias_history WHERE model_id = ? AND alias = ?"
			 " AND time <= ? ORDER BY time DESC, id DESC LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model_id);
	mlmd__q_text(&q, 2, alias);
	mlmd__q_i64(&q, 3, as_of);
	*version = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*version = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* The highest version created at or before `as_of` (0: none). Versions are
 * created in order, so it is the newest child context by time. */
static int latest_as_of(call *c, const reg_model *m, int64_t as_of, int64_t *version)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT p.child_id FROM parent_context p JOIN context x ON x.id = p.child_id"
			 " JOIN type t ON t.id = x.type_id WHERE p.parent_id = ? AND t.name = '" MLMD_REG_VERSION_TYPE
			 "' AND x.create_time <= ? ORDER BY x.create_time DESC, x.id DESC LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_i64(&q, 2, as_of);
	int64_t id = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	*version = 0;
	if (rc < 0 || !id)
		return rc < 0 ? rc : 0;
	ProtobufCMessage *x = NULL;
	if ((rc = mlmd__node_load(c, &mlmd__context_kind, id, &x)))
		return rc;
	if (x)
		*version = mlmd__reg_prop_int((Mlmd__Pb__Context *)x, REG_P_VERSION);
	protobuf_c_message_free_unpacked(x, NULL);
	return 0;
}

static int resolve(call *c, const Mlmd__Pb__Governance__ResolveModelRequest *rq, const reg_model *m,
		   Mlmd__Pb__Governance__ResolveModelResponse *rs)
{
	int has_alias = rq->alias && *rq->alias, has_version = rq->has_version && rq->version != 0;
	int as_of = rq->has_as_of_ms;
	int64_t v = 0;
	int rc = 0;
	if (has_alias == has_version)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "give one of alias and version (NAME@ALIAS or NAME/VERSION)");
	if (as_of && rq->as_of_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "as_of_ms %lld is before the epoch", (long long)rq->as_of_ms);
	if (has_version) {
		v = rq->version;
	} else if (!strcmp(rq->alias, "latest")) {
		if (as_of && (rc = latest_as_of(c, m, rq->as_of_ms, &v)))
			return rc;
		if (!as_of)
			v = m->latest;
		if (!v)
			return mlmd__fail(MLMD_NOT_FOUND, "model '%s' %s no versions", m->name,
					  as_of ? "had" : "has");
	} else {
		if ((rc = mlmd__reg_check_alias(rq->alias, "alias")))
			return rc;
		rc = as_of ? alias_as_of(c, m->id, rq->alias, rq->as_of_ms, &v) : mlmd__reg_alias_get(c, m->id, rq->alias, &v);
		if (rc)
			return rc;
		if (!v && as_of)
			return mlmd__fail(MLMD_NOT_FOUND, "alias '%s' of model '%s' named no version at %lld ms",
					  rq->alias, m->name, (long long)rq->as_of_ms);
		if (!v)
			return mlmd__fail(MLMD_NOT_FOUND, "model '%s' has no alias '%s'", m->name, rq->alias);
	}
	Mlmd__Pb__Context *x = NULL;
	if ((rc = mlmd__reg_version_load(c, m, v, &x)))
		return rc;
	if (as_of && x->create_time_since_epoch > rq->as_of_ms)
		rc = mlmd__fail(MLMD_NOT_FOUND, "version %lld of model '%s' did not exist at %lld ms (created at %lld)",
				(long long)v, m->name, (long long)rq->as_of_ms, (long long)x->create_time_since_epoch);
	if (!rc)
		rc = mlmd__reg_version_message(c, m, x, 1, &rs->version);
	if (!rc && has_alias)
		rc = mlmd__reg_strdup(&rs->alias, rq->alias);
	protobuf_c_message_free_unpacked(&x->base, NULL);
	return rc;
}

int mlmd__gov_ResolveModel(call *c, const Mlmd__Pb__Governance__ResolveModelRequest *rq,
			   Mlmd__Pb__Governance__ResolveModelResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "ResolveModel");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	rc = resolve(c, rq, &m, rs);
	mlmd__reg_model_free(&m);
	return rc;
}

/* ---- GetAliasHistory ---------------------------------------------------------------------- */

int mlmd__gov_GetAliasHistory(call *c, const Mlmd__Pb__Governance__GetAliasHistoryRequest *rq,
			      Mlmd__Pb__Governance__GetAliasHistoryResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "GetAliasHistory");
	int one = rq->alias && *rq->alias;
	if (!rc && one && strcmp(rq->alias, "latest"))
		rc = mlmd__reg_check_alias(rq->alias, "alias");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	sqlq q;
	rc = one ? mlmd__q(c->sql, &q, "SELECT id, alias, old_version, new_version, time, actor, request_id"
			   " FROM alias_history WHERE model_id = ? AND alias = ? ORDER BY time, id")
		 : mlmd__q(c->sql, &q, "SELECT id, alias, old_version, new_version, time, actor, request_id"
			   " FROM alias_history WHERE model_id = ? ORDER BY time, id");
	if (!rc) {
		mlmd__q_i64(&q, 1, m.id);
		if (one)
			mlmd__q_text(&q, 2, rq->alias);
		/* rows first, entries after: an entry's approvers are another query */
		hist_row *rows = NULL;
		char **strs = NULL;
		size_t n = 0, ns = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			char *a = mlmd__strdup(mlmd__q_col_text(&q, 1)), *who = mlmd__strdup(mlmd__q_col_text(&q, 5));
			if (!a || !who || mlmd__grow((void **)&rows, n, sizeof *rows) ||
			    mlmd__push_ptr((void ***)&strs, &ns, a) || (a = NULL, mlmd__push_ptr((void ***)&strs, &ns, who))) {
				free(a);
				free(who);
				rc = MLMD_OOM();
				break;
			}
			hist_row h = { mlmd__q_col_i64(&q, 0), mlmd__q_col_i64(&q, 2), mlmd__q_col_i64(&q, 3),
				       mlmd__q_col_i64(&q, 4), mlmd__q_col_i64(&q, 6), strs[ns - 2], strs[ns - 1] };
			rows[n++] = h;
		}
		mlmd__q_done(&q);
		for (size_t i = 0; i < n && rc >= 0; i++) {
			Mlmd__Pb__Governance__AliasHistoryEntry *e = NULL;
			if ((rc = entry_new(c, m.name, &rows[i], &e)))
				break;
			if (mlmd__push_ptr((void ***)&rs->entries, &rs->n_entries, e)) {
				protobuf_c_message_free_unpacked(&e->base, NULL);
				rc = MLMD_OOM();
			}
		}
		for (size_t i = 0; i < ns; i++)
			free(strs[i]);
		free(strs);
		free(rows);
		if (rc > 0)
			rc = 0;
	}
	mlmd__reg_model_free(&m);
	return rc;
}

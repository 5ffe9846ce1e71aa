/*
 * store/reg_request.c - requests to move aliases and their approvals:
 * RequestAliasMove (requirements checked, applied at once when no policy
 * asks for approvals), ApproveRequest (never by the requester; an actor
 * counts once; the last needed approval checks the requirements again and
 * moves the aliases in its own transaction), RejectRequest, and reading
 * requests back.
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

/* A request's row. */
typedef struct req_row {
	int64_t id, model_id, create_time, decide_time;
	int status, has_decide_time;
	char *requester, *comment;
} req_row;

static void row_free(req_row *r)
{
	free(r->requester);
	free(r->comment);
	memset(r, 0, sizeof *r);
}

/* Loads request `id`: NOT_FOUND when there is none. */
static int row_load(call *c, int64_t id, req_row *r)
{
	memset(r, 0, sizeof *r);
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT model_id, requester, comment, status, create_time, decide_time"
			 " FROM alias_request WHERE id = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	int found = 0;
	if ((rc = mlmd__q_step(&q)) == 1) {
		found = 1;
		r->id = id;
		r->model_id = mlmd__q_col_i64(&q, 0);
		r->requester = mlmd__strdup(mlmd__q_col_text(&q, 1));
		r->comment = mlmd__strdup(mlmd__q_col_text(&q, 2));
		r->status = (int)mlmd__q_col_i64(&q, 3);
		r->create_time = mlmd__q_col_i64(&q, 4);
		if (!mlmd__q_isnull(&q, 5)) {
			r->has_decide_time = 1;
			r->decide_time = mlmd__q_col_i64(&q, 5);
		}
		rc = r->requester && r->comment ? 0 : MLMD_OOM();
	}
	mlmd__q_done(&q);
	if (rc < 0) {
		row_free(r);
		return rc;
	}
	return found ? 0 : mlmd__fail(MLMD_NOT_FOUND, "request %lld does not exist", (long long)id);
}

/* The request's moves, by position (new messages appended to arr). */
static int moves_load(call *c, int64_t id, Mlmd__Pb__Governance__AliasMove ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT alias, version FROM alias_request_move WHERE request_id = ? ORDER BY position");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	while ((rc = mlmd__q_step(&q)) == 1) {
		Mlmd__Pb__Governance__AliasMove *mv = mlmd__msg_new(&mlmd__pb__governance__alias_move__descriptor);
		if (!mv || mlmd__reg_strdup(&mv->alias, mlmd__q_col_text(&q, 0)) || mlmd__push_ptr((void ***)arr, n, mv)) {
			if (mv)
				protobuf_c_message_free_unpacked(&mv->base, NULL);
			rc = MLMD_OOM();
			break;
		}
		mv->has_version = 1;
		mv->version = mlmd__q_col_i64(&q, 1);
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* The approvals the moves need now: the largest of their aliases' policies
 * (0 when none has one); *any says whether one has. */
static int needed(call *c, int64_t model_id, Mlmd__Pb__Governance__AliasMove *const *moves, size_t n, int64_t *need,
		  int *any)
{
	*need = 0;
	*any = 0;
	for (size_t i = 0; i < n; i++) {
		int found = 0;
		int64_t a = 0;
		int rc = mlmd__reg_policy_get(c, model_id, moves[i]->alias, &found, &a, NULL);
		if (rc)
			return rc;
		*any |= found;
		if (found && a > *need)
			*need = a;
	}
	return 0;
}

static int approvals_count(call *c, int64_t id, int64_t *count)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT COUNT(*) FROM alias_approval WHERE request_id = ? AND approve = 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	*count = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*count = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int model_name(call *c, int64_t id, char **out)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT name FROM context WHERE id = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	if ((rc = mlmd__q_step(&q)) == 1)
		rc = mlmd__reg_strdup(out, mlmd__q_col_text(&q, 0));
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

int mlmd__reg_request_message(call *c, int64_t id, Mlmd__Pb__Governance__AliasRequest **out)
{
	req_row r;
	*out = NULL;
	int rc = row_load(c, id, &r);
	if (rc)
		return rc;
	Mlmd__Pb__Governance__AliasRequest *m = mlmd__msg_new(&mlmd__pb__governance__alias_request__descriptor);
	if (!m) {
		row_free(&r);
		return MLMD_OOM();
	}
	m->has_request_id = m->has_status = m->has_create_time_ms = 1;
	m->request_id = id;
	m->status = (Mlmd__Pb__Governance__AliasRequest__Status)r.status;
	m->create_time_ms = r.create_time;
	m->has_decide_time_ms = r.has_decide_time;
	m->decide_time_ms = r.decide_time;
	m->requester = r.requester;
	m->comment = r.comment;
	r.requester = r.comment = NULL;
	rc = model_name(c, r.model_id, &m->model_name);
	if (!rc)
		rc = moves_load(c, id, &m->moves, &m->n_moves);
	int any;
	if (!rc)
		rc = needed(c, r.model_id, m->moves, m->n_moves, &m->approvals_needed, &any);
	m->has_approvals_needed = 1;
	if (!rc)
		rc = approvals_count(c, id, &m->approvals_count);
	m->has_approvals_count = 1;
	sqlq q;
	if (!rc && !(rc = mlmd__q(c->sql, &q, "SELECT actor, approve, comment, time FROM alias_approval"
				  " WHERE request_id = ? ORDER BY time, actor"))) {
		mlmd__q_i64(&q, 1, id);
		while ((rc = mlmd__q_step(&q)) == 1) {
			Mlmd__Pb__Governance__Approval *a = mlmd__msg_new(&mlmd__pb__governance__approval__descriptor);
			if (!a || mlmd__reg_strdup(&a->actor, mlmd__q_col_text(&q, 0)) ||
			    mlmd__reg_strdup(&a->comment, mlmd__q_col_text(&q, 2)) ||
			    mlmd__push_ptr((void ***)&m->approvals, &m->n_approvals, a)) {
				if (a)
					protobuf_c_message_free_unpacked(&a->base, NULL);
				rc = MLMD_OOM();
				break;
			}
			a->has_approve = a->has_time_ms = 1;
			a->approve = mlmd__q_col_i64(&q, 1) != 0;
			a->time_ms = mlmd__q_col_i64(&q, 3);
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	row_free(&r);
	if (rc) {
		protobuf_c_message_free_unpacked(&m->base, NULL);
		return rc;
	}
	*out = m;
	return 0;
}

/* Appends the messages of the requests `sql` selects (one int64 parameter
 * `arg`, or none when arg < 0). */
static int requests_by(call *c, const char *sql, int64_t arg, Mlmd__Pb__Governance__AliasRequest ***arr, size_t *n)
{
	sqlq q;
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	if (arg >= 0)
		mlmd__q_i64(&q, 1, arg);
	if ((rc = mlmd__q_ids(&q, &ids, &nids)))
		return rc;
	for (size_t i = 0; i < nids && !rc; i++) {
		Mlmd__Pb__Governance__AliasRequest *m = NULL;
		if (!(rc = mlmd__reg_request_message(c, ids[i], &m)) && mlmd__push_ptr((void ***)arr, n, m)) {
			protobuf_c_message_free_unpacked(&m->base, NULL);
			rc = MLMD_OOM();
		}
	}
	free(ids);
	return rc;
}

int mlmd__reg_open_requests(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasRequest ***arr, size_t *n)
{
	return requests_by(c, "SELECT id FROM alias_request WHERE model_id = ? AND status = 0 ORDER BY id", m->id, arr, n);
}

/* ---- applying a request ------------------------------------------------------------------- */

static int set_status(call *c, int64_t id, int status)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "UPDATE alias_request SET status = ?, decide_time = ? WHERE id = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, status);
	mlmd__q_i64(&q, 2, c->now);
	mlmd__q_i64(&q, 3, id);
	return mlmd__q_exec(&q);
}

/* Checks the requirements of every move again, then moves the aliases (by
 * the caller) and marks the request APPROVED: all in this transaction. */
static int apply(call *c, const reg_model *m, int64_t id, Mlmd__Pb__Governance__AliasMove *const *moves, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = mlmd__reg_check_requirements(c, m, moves[i]->alias, moves[i]->version);
	for (size_t i = 0; i < n && !rc; i++)
		rc = mlmd__reg_move(c, m, moves[i]->alias, moves[i]->version, id, NULL);
	if (!rc)
		rc = set_status(c, id, REG_APPROVED);
	return rc;
}

/* ---- RequestAliasMove --------------------------------------------------------------------- */

int mlmd__gov_RequestAliasMove(call *c, const Mlmd__Pb__Governance__RequestAliasMoveRequest *rq,
			       Mlmd__Pb__Governance__RequestAliasMoveResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "RequestAliasMove");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	int64_t need = 0, id = 0;
	int any = 0;
	rc = mlmd__reg_check_moves(c, &m, rq->moves, rq->n_moves);
	for (size_t i = 0; i < rq->n_moves && !rc; i++)
		rc = mlmd__reg_check_requirements(c, &m, rq->moves[i]->alias, rq->moves[i]->version);
	if (!rc)
		rc = needed(c, m.id, rq->moves, rq->n_moves, &need, &any);
	sqlq q;
	if (!rc && !(rc = mlmd__q_insert(c->sql, &q, MLMD_INSERT("INSERT INTO alias_request (model_id, requester,"
								 " comment, status, create_time) VALUES (?, ?, ?, 0, ?)")))) {
		mlmd__q_i64(&q, 1, m.id);
		mlmd__q_text(&q, 2, c->s->actor);
		mlmd__q_text(&q, 3, rq->comment ? rq->comment : "");
		mlmd__q_i64(&q, 4, c->now);
		rc = mlmd__q_insert_step(&q, &id);
	}
	for (size_t i = 0; i < rq->n_moves && !rc; i++) {
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_request_move (request_id, position, alias, version)"
				  " VALUES (?, ?, ?, ?)")))
			break;
		mlmd__q_i64(&q, 1, id);
		mlmd__q_i64(&q, 2, (int64_t)i);
		mlmd__q_text(&q, 3, rq->moves[i]->alias);
		mlmd__q_i64(&q, 4, rq->moves[i]->has_version ? rq->moves[i]->version : 0);
		rc = mlmd__q_exec(&q);
	}
	/* nothing to wait for: no policy, or policies that need no approval */
	if (!rc && need == 0)
		rc = apply(c, &m, id, rq->moves, rq->n_moves);
	if (!rc)
		rc = mlmd__reg_request_message(c, id, &rs->request);
	mlmd__reg_model_free(&m);
	return rc;
}

/* ---- ApproveRequest, RejectRequest -------------------------------------------------------- */

/* Loads a PENDING request for a decision: FAILED_PRECONDITION naming its
 * status otherwise. */
static int pending(call *c, int has_id, int64_t id, const char *verb, req_row *r)
{
	if (!has_id || id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "request_id is required");
	int rc = row_load(c, id, r);
	if (!rc && r->status != REG_PENDING) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "request %lld is %s: only a pending request can be %s",
				(long long)id, mlmd__reg_status_name(r->status), verb);
		row_free(r);
	}
	return rc;
}

int mlmd__gov_ApproveRequest(call *c, const Mlmd__Pb__Governance__ApproveRequestRequest *rq,
			     Mlmd__Pb__Governance__ApproveRequestResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "ApproveRequest");
	req_row r;
	if (rc || (rc = pending(c, rq->has_request_id, rq->request_id, "approved", &r)))
		return rc;
	if (!strcmp(r.requester, c->s->actor)) {
		rc = mlmd__fail(MLMD_PERMISSION_DENIED,
				"request %lld was made by '%s': a requester cannot approve their own request", (long long)r.id,
				r.requester);
		row_free(&r);
		return rc;
	}
	sqlq q;
	/* the same actor again counts once: the first approval stays as it was */
	if (!(rc = mlmd__q(c->sql, &q, "INSERT INTO alias_approval (request_id, actor, approve, comment, time)"
			   " VALUES (?, ?, 1, ?, ?) ON CONFLICT DO NOTHING"))) {
		mlmd__q_i64(&q, 1, r.id);
		mlmd__q_text(&q, 2, c->s->actor);
		mlmd__q_text(&q, 3, rq->comment ? rq->comment : "");
		mlmd__q_i64(&q, 4, c->now);
		rc = mlmd__q_exec(&q);
	}
	Mlmd__Pb__Governance__AliasMove **moves = NULL;
	size_t n = 0;
	int64_t need = 0, count = 0;
	int any;
	if (!rc)
		rc = moves_load(c, r.id, &moves, &n);
	if (!rc)
		rc = needed(c, r.model_id, moves, n, &need, &any);
	if (!rc)
		rc = approvals_count(c, r.id, &count);
	if (!rc && count >= need) {
		reg_model m;
		if (!(rc = mlmd__reg_model_load_id(c, r.model_id, &m))) {
			rc = apply(c, &m, r.id, moves, n);
			mlmd__reg_model_free(&m);
		}
	}
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(&moves[i]->base, NULL);
	free(moves);
	if (!rc)
		rc = mlmd__reg_request_message(c, r.id, &rs->request);
	row_free(&r);
	return rc;
}

int mlmd__gov_RejectRequest(call *c, const Mlmd__Pb__Governance__RejectRequestRequest *rq,
			    Mlmd__Pb__Governance__RejectRequestResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "RejectRequest");
	req_row r;
	if (rc || (rc = pending(c, rq->has_request_id, rq->request_id, "rejected", &r)))
		return rc;
	sqlq q;
	/* one row per actor: an approver who rejects keeps the rejection */
	if (!(rc = mlmd__q(c->sql, &q, "INSERT INTO alias_approval (request_id, actor, approve, comment, time)"
			   " VALUES (?, ?, 0, ?, ?) ON CONFLICT (request_id, actor) DO UPDATE SET approve = 0,"
			   " comment = excluded.comment, time = excluded.time"))) {
		mlmd__q_i64(&q, 1, r.id);
		mlmd__q_text(&q, 2, c->s->actor);
		mlmd__q_text(&q, 3, rq->comment ? rq->comment : "");
		mlmd__q_i64(&q, 4, c->now);
		rc = mlmd__q_exec(&q);
	}
	if (!rc)
		rc = set_status(c, r.id, REG_REJECTED);
	if (!rc)
		rc = mlmd__reg_request_message(c, r.id, &rs->request);
	row_free(&r);
	return rc;
}

/* ---- GetAliasRequests --------------------------------------------------------------------- */

int mlmd__gov_GetAliasRequests(call *c, const Mlmd__Pb__Governance__GetAliasRequestsRequest *rq,
			       Mlmd__Pb__Governance__GetAliasRequestsResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "GetAliasRequests");
	if (rc)
		return rc;
	int64_t model = -1;
	if (rq->model_name && *rq->model_name) {
		reg_model m;
		if ((rc = mlmd__reg_model_load(c, rq->model_name, &m)))
			return rc;
		model = m.id;
		mlmd__reg_model_free(&m);
	}
	if (rq->has_request_id && rq->request_id != 0) {
		Mlmd__Pb__Governance__AliasRequest *m = NULL;
		req_row r;
		if ((rc = row_load(c, rq->request_id, &r)))
			return rc;
		int keep = (model < 0 || r.model_id == model) && (!rq->pending_only || r.status == REG_PENDING);
		row_free(&r);
		if (!keep)
			return 0;
		if ((rc = mlmd__reg_request_message(c, rq->request_id, &m)))
			return rc;
		if (mlmd__push_ptr((void ***)&rs->requests, &rs->n_requests, m)) {
			protobuf_c_message_free_unpacked(&m->base, NULL);
			return MLMD_OOM();
		}
		return 0;
	}
	if (model >= 0)
		return requests_by(c, rq->pending_only ? "SELECT id FROM alias_request WHERE model_id = ? AND status = 0 ORDER BY id"
						       : "SELECT id FROM alias_request WHERE model_id = ? ORDER BY id",
				   model, &rs->requests, &rs->n_requests);
	return requests_by(c, rq->pending_only ? "SELECT id FROM alias_request WHERE status = 0 ORDER BY id"
					       : "SELECT id FROM alias_request ORDER BY id",
			   -1, &rs->requests, &rs->n_requests);
}

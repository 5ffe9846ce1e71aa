/*
 * store/reg_restore.c - RestoreRegistry: a model's registry state (aliases,
 * policies, requests with their approvals, the alias history) put back as
 * an export read it, for `mlmd import`. Times, actors and statuses are kept;
 * requests get new ids and the history follows them. Only into a model that
 * has no registry state yet, so nothing already there is changed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "reg.h"

/* A version number the model has: 1..latest, or 0 where `none_ok`. */
static int check_version(const reg_model *m, int64_t v, int none_ok, const char *what)
{
	if ((v == 0 && none_ok) || (v >= 1 && v <= m->latest))
		return 0;
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: model '%s' has no version %" PRId64 " (its versions are 1..%" PRId64
			  ")", what, m->name, v, m->latest);
}

static int check_text(const char *s, const char *what)
{
	return s ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s is missing", what);
}

/* FAILED_PRECONDITION when the model already has registry state. */
static int check_empty(call *c, const reg_model *m)
{
	static const char *const tables[] = { "alias", "alias_policy", "alias_request", "alias_history" };
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char sql[96];
		mlmd__snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE model_id = ? LIMIT 1", tables[i]);
		sqlq q;
		int rc = mlmd__q(c->sql, &q, sql);
		if (rc)
			return rc;
		mlmd__q_i64(&q, 1, m->id);
		rc = mlmd__q_step(&q);
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "model '%s' already has registry state (%s rows): "
					  "RestoreRegistry only fills a model that has none", m->name, tables[i]);
	}
	return 0;
}

static int put_alias(call *c, const reg_model *m, const Mlmd__Pb__Governance__AliasMove *a)
{
	int rc = mlmd__reg_check_alias(a->alias, "aliases");
	if (rc || (rc = check_version(m, a->has_version ? a->version : 0, 0, "aliases")))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias (model_id, alias, version) VALUES (?, ?, ?)")))
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_text(&q, 2, a->alias);
	mlmd__q_i64(&q, 3, a->version);
	return mlmd__q_exec(&q);
}

static int put_policy(call *c, const reg_model *m, const Mlmd__Pb__Governance__AliasPolicy *p)
{
	int rc = mlmd__reg_check_alias(p->alias, "policies");
	if (rc || (rc = check_text(p->actor, "a policy's actor")))
		return rc;
	if (!p->has_approvals || p->approvals < 0 || p->approvals > 100)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the policy of alias '%s': approvals must be 0..100", p->alias);
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_policy (model_id, alias, approvals, actor, time)"
			  " VALUES (?, ?, ?, ?, ?)")))
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_text(&q, 2, p->alias);
	mlmd__q_i64(&q, 3, p->approvals);
	mlmd__q_text(&q, 4, p->actor);
	mlmd__q_i64(&q, 5, p->time_ms);
	if ((rc = mlmd__q_exec(&q)))
		return rc;
	for (size_t i = 0; i < p->n_require && !rc; i++) {
		const Mlmd__Pb__Governance__Requirement *r = p->require[i];
		if ((rc = check_text(r->key, "a requirement's key")) || (rc = check_text(r->value, "a requirement's value")))
			break;
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_policy_require (model_id, alias, key, value)"
				  " VALUES (?, ?, ?, ?)")))
			break;
		mlmd__q_i64(&q, 1, m->id);
		mlmd__q_text(&q, 2, p->alias);
		mlmd__q_text(&q, 3, r->key);
		mlmd__q_text(&q, 4, r->value);
		rc = mlmd__q_exec(&q);
	}
	return rc;
}

static int put_request(call *c, const reg_model *m, const Mlmd__Pb__Governance__AliasRequest *r, int64_t *id)
{
	int rc = check_text(r->requester, "a request's requester");
	if (rc)
		return rc;
	if (r->n_moves == 0 || r->n_moves > MLMD_REG_MAX_MOVES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "request %" PRId64 ": %zu moves (1..%d)", r->request_id,
				  r->n_moves, MLMD_REG_MAX_MOVES);
	sqlq q;
	if ((rc = mlmd__q_insert(c->sql, &q, MLMD_INSERT("INSERT INTO alias_request (model_id, requester, comment,"
							 " status, create_time, decide_time) VALUES (?, ?, ?, ?, ?, ?)"))))
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_text(&q, 2, r->requester);
	mlmd__q_text(&q, 3, r->comment ? r->comment : "");
	mlmd__q_i64(&q, 4, r->has_status ? (int64_t)r->status : 0);
	mlmd__q_i64(&q, 5, r->create_time_ms);
	if (r->has_decide_time_ms)
		mlmd__q_i64(&q, 6, r->decide_time_ms);
	else
		mlmd__q_null(&q, 6);
	if ((rc = mlmd__q_insert_step(&q, id)))
		return rc;
	for (size_t i = 0; i < r->n_moves && !rc; i++) {
		const Mlmd__Pb__Governance__AliasMove *mv = r->moves[i];
		if ((rc = mlmd__reg_check_alias(mv->alias, "a request's moves")) ||
		    (rc = check_version(m, mv->has_version ? mv->version : 0, 1, "a request's moves")))
			break;
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_request_move (request_id, position, alias, version)"
				  " VALUES (?, ?, ?, ?)")))
			break;
		mlmd__q_i64(&q, 1, *id);
		mlmd__q_i64(&q, 2, (int64_t)i);
		mlmd__q_text(&q, 3, mv->alias);
		mlmd__q_i64(&q, 4, mv->has_version ? mv->version : 0);
		rc = mlmd__q_exec(&q);
	}
	for (size_t i = 0; i < r->n_approvals && !rc; i++) {
		const Mlmd__Pb__Governance__Approval *a = r->approvals[i];
		if ((rc = check_text(a->actor, "an approval's actor")))
			break;
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_approval (request_id, actor, approve, comment, time)"
				  " VALUES (?, ?, ?, ?, ?)")))
			break;
		mlmd__q_i64(&q, 1, *id);
		mlmd__q_text(&q, 2, a->actor);
		mlmd__q_i64(&q, 3, a->approve ? 1 : 0);
		mlmd__q_text(&q, 4, a->comment ? a->comment : "");
		mlmd__q_i64(&q, 5, a->time_ms);
		rc = mlmd__q_exec(&q);
	}
	return rc;
}

/* The source's request ids and the new ones, sorted by the source's. */
typedef struct id_pair {
	int64_t old, new_id;
} id_pair;

static int cmp_pair(const void *x, const void *y)
{
	int64_t a = ((const id_pair *)x)->old, b = ((const id_pair *)y)->old;
	return a < b ? -1 : a > b;
}

/* The new id of the source's request `old` (0 stays 0). */
static int map_request(const id_pair *map, size_t n, int64_t old, int64_t *out)
{
	*out = 0;
	if (old == 0)
		return 0;
	id_pair key = { old, 0 };
	const id_pair *hit = bsearch(&key, map, n, sizeof *map, cmp_pair);
	if (hit) {
		*out = hit->new_id;
		return 0;
	}
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "a history entry names request %" PRId64 ", which is not among the "
			  "requests of this call", old);
}

static int put_history(call *c, const reg_model *m, const Mlmd__Pb__Governance__AliasHistoryEntry *h,
		       int64_t request_id)
{
	int rc = mlmd__reg_check_alias(h->alias, "history");
	if (rc || (rc = check_version(m, h->old_version, 1, "history")) ||
	    (rc = check_version(m, h->new_version, 1, "history")) || (rc = check_text(h->actor, "a history entry's actor")))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_history (model_id, alias, old_version, new_version, time, actor,"
			  " request_id) VALUES (?, ?, ?, ?, ?, ?, ?)")))
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	mlmd__q_text(&q, 2, h->alias);
	mlmd__q_i64(&q, 3, h->old_version);
	mlmd__q_i64(&q, 4, h->new_version);
	mlmd__q_i64(&q, 5, h->time_ms);
	mlmd__q_text(&q, 6, h->actor);
	mlmd__q_i64(&q, 7, request_id);
	return mlmd__q_exec(&q);
}

int mlmd__gov_RestoreRegistry(call *c, const Mlmd__Pb__Governance__RestoreRegistryRequest *rq,
			      Mlmd__Pb__Governance__RestoreRegistryResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "RestoreRegistry");
	if (rc)
		return rc;
	reg_model m = { 0 };
	if ((rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	if ((rc = check_empty(c, &m)))
		goto out;
	for (size_t i = 0; i < rq->n_aliases && !rc; i++)
		rc = put_alias(c, &m, rq->aliases[i]);
	for (size_t i = 0; i < rq->n_policies && !rc; i++)
		rc = put_policy(c, &m, rq->policies[i]);
	id_pair *map = NULL;
	if (!rc && rq->n_requests) {
		rs->request_ids = calloc(rq->n_requests, sizeof *rs->request_ids);
		map = calloc(rq->n_requests, sizeof *map);
		if (!rs->request_ids || !map)
			rc = MLMD_OOM();
		for (size_t i = 0; i < rq->n_requests && !rc; i++) {
			if (rq->requests[i]->request_id < 1)
				rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "requests[%zu] has no request_id", i);
			else if (!(rc = put_request(c, &m, rq->requests[i], &rs->request_ids[i]))) {
				rs->n_request_ids = i + 1;
				map[i] = (id_pair){ rq->requests[i]->request_id, rs->request_ids[i] };
			}
		}
		if (!rc) {
			qsort(map, rq->n_requests, sizeof *map, cmp_pair);
			for (size_t i = 1; i < rq->n_requests && !rc; i++)
				if (map[i].old == map[i - 1].old)
					rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "request %" PRId64 " is given twice", map[i].old);
		}
	}
	for (size_t i = 0; i < rq->n_history && !rc; i++) {
		int64_t rid;
		if (!(rc = map_request(map, rq->n_requests, rq->history[i]->request_id, &rid)))
			rc = put_history(c, &m, rq->history[i], rid);
	}
	free(map);
out:
	mlmd__reg_model_free(&m);
	return rc;
}

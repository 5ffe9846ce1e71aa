/*
 * query/lineage.c - lineage walks: breadth-first over events, one hop at a
 * time.
 *
 * A hop goes from a frontier of artifacts to executions or back, with one
 * prepared, indexed query per chunk of the frontier (event's (artifact_id,
 * ...) and (execution_id, ...) indexes). The frontier is passed as an IN list
 * padded to a few fixed sizes, so the statements are cached and the SQL is
 * the same on every backend. We do not use a recursive CTE: SQLite's planner
 * may pick a plan that rescans the event table on every step.
 *
 * The caller (store/lineage.c, for GetLineageSubgraph and GetLineageGraph)
 * runs the walk inside one read transaction and builds the response from
 * the ids it collected.
 */
#include <stdlib.h>
#include <string.h>
#include "query.h"
#include "mlmd/metadata.h"
#include "util/pbutil.h"

/* ---- a set of int64 ids (open addressing; 0 is never an id) ------------------ */

static size_t slot(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 20) & (cap - 1);
}

int mlmd__idset_add(mlmd__idset *s, int64_t id)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		int64_t *v = calloc(cap, sizeof *v);
		if (!v)
			return MLMD_OOM();
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			size_t j = slot(s->v[i], cap);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = s->v[i];
		}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	size_t j = slot(id, s->cap);
	while (s->v[j]) {
		if (s->v[j] == id)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->v[j] = id;
	s->n++;
	return 1;
}

int mlmd__idset_has(const mlmd__idset *s, int64_t id)
{
	if (!s->cap)
		return 0;
	size_t j = slot(id, s->cap);
	while (s->v[j]) {
		if (s->v[j] == id)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

#define MAX_CHUNK MLMD_IN_MAX
#define in_list mlmd__in_list
#define bind_chunk mlmd__q_bind_ids

/* ---- the walk -------------------------------------------------------------------- */

enum { UP = MLMD_WALK_UP, DOWN = MLMD_WALK_DOWN, BOTH = MLMD_WALK_BOTH };
typedef mlmd__walk walker;

const char *mlmd__kind_table(int kind)
{
	return kind == KIND_ARTIFACT ? "artifact" : kind == KIND_EXECUTION ? "execution" : "context";
}

void mlmd__walk_init(mlmd__walk *w, mlmd__sql *sql)
{
	memset(w, 0, sizeof *w);
	w->sql = sql;
	w->max_hops = MLMD_WALK_MAX_HOPS;
}

void mlmd__walk_free(mlmd__walk *w)
{
	for (int k = 0; k < 2; k++) {
		if (w->has_stop[k])
			mlmd__filter_free(&w->stop[k]);
		free(w->seen[k].v);
		free(w->in[k].v);
		free(w->ids[k]);
	}
}

static const char *kind_plural_name(int k)
{
	return k == KIND_ARTIFACT ? "artifacts" : "executions";
}

static int over_budget(walker *w)
{
	if (!w->has_deadline)
		return 0;
	if (mlmd__mono_ns() >= w->deadline_ns) {
		w->partial = 1;
		w->reason = w->deadline_reason ? w->deadline_reason : "the time budget (mlmd_time_budget_ms) ran out";
		return 1;
	}
	return 0;
}

/* Adds a node to the result unless the node cap is reached. Returns 1 if
 * added, 0 if the cap stopped it, <0 on error. */
static int keep(walker *w, int k, int64_t id)
{
	if (w->max_nodes > 0 && (int64_t)(w->n[0] + w->n[1]) >= w->max_nodes) {
		w->partial = 1;
		if (!w->reason)
			w->reason = w->keep_matching ? "max_node_size was reached" : "the node cap (mlmd_max_nodes) was reached";
		return 0;
	}
	int rc = mlmd__idset_add(&w->in[k], id);
	if (rc < 0 || mlmd__push_i64(&w->ids[k], &w->n[k], id))
		return rc < 0 ? rc : MLMD_OOM();
	return 1;
}

/* The ids among `ids` that match filter `f` for node kind `k`. */
static int match(mlmd__sql *db, int k, const mlmd__filter *f, const int64_t *ids, size_t n, mlmd__idset *out)
{
	for (size_t at = 0; at < n; at += MAX_CHUNK) {
		size_t m = n - at < MAX_CHUNK ? n - at : MAX_CHUNK;
		mlmd_buf sql = { 0 };
		mlmd__buf_printf(&sql, "SELECT %sn.id FROM %s n%s WHERE n.id IN (", f->distinct ? "DISTINCT " : "",
				 mlmd__kind_table(k), f->join.p);
		int size = in_list(&sql, m);
		mlmd__buf_printf(&sql, ") AND %s", f->where.p);
		if (sql.oom) {
			mlmd__buf_free(&sql);
			return MLMD_OOM();
		}
		sqlq q;
		int rc = mlmd__q_dyn(db, &q, sql.p);
		mlmd__buf_free(&sql);
		if (rc)
			return rc;
		int pos = 1;
		mlmd__args_bind(&f->join_args, &q, &pos);
		bind_chunk(&q, &pos, ids + at, m, size);
		mlmd__args_bind(&f->where_args, &q, &pos);
		while ((rc = mlmd__q_step(&q)) == 1)
			if (mlmd__idset_add(out, mlmd__q_col_i64(&q, 0)) < 0) {
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Whether an event of type `t` is followed from a node of kind `from`. Going
 * down from an artifact follows its input events (it feeds an execution);
 * going down from an execution follows its outputs. Up is the reverse.
 * Both directions follow every event. */
static int follows(int dir, int from, int t)
{
	if (dir == BOTH)
		return 1;
	int down = dir == DOWN;
	if (from == KIND_ARTIFACT)
		return down ? mlmd__event_is_input(t) : mlmd__event_is_output(t);
	return down ? mlmd__event_is_output(t) : mlmd__event_is_input(t);
}

/* In index order, said so that every backend (and the hydrating hops
 * below) meets the nodes in the same order: the node cap keeps the first. */
#define HOP_ORDER_A ") ORDER BY artifact_id, execution_id, type"
#define HOP_ORDER_E ") ORDER BY execution_id, artifact_id, id"
static const char *const hop_from_artifacts[5] =
	MLMD_IN_SQL("SELECT execution_id, type FROM event WHERE artifact_id IN (", HOP_ORDER_A);
static const char *const hop_from_executions[5] =
	MLMD_IN_SQL("SELECT artifact_id, type FROM event WHERE execution_id IN (", HOP_ORDER_E);

/* A hydrating hop's SQL (mlmd__walk.hydrate): the same events, in the same
 * order, joined to the node each leads to, its type and its properties
 * (query.h), keeping only the events the walk's direction follows
 * (follows(): inputs 2, 3, 5 and outputs 1, 4, 6, 7 of Event.Type), so no
 * node is read for an event the walk drops. Left joins: an event whose node
 * row is absent still reaches the walk. By from kind, then by filter (0
 * every event, 1 inputs, 2 outputs). */
_Static_assert(MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT == 1 && MLMD__PB__EVENT__TYPE__DECLARED_INPUT == 2 &&
		       MLMD__PB__EVENT__TYPE__INPUT == 3 && MLMD__PB__EVENT__TYPE__OUTPUT == 4 &&
		       MLMD__PB__EVENT__TYPE__INTERNAL_INPUT == 5 && MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT == 6 &&
		       MLMD__PB__EVENT__TYPE__PENDING_OUTPUT == 7,
	       "the event types of the hydrating hops' filters");
#define HOP_JOIN(OTHER, TO, FROM)                                                                           \
	"SELECT e." OTHER ", e.type, " MLMD_WALK_NODE_COLS ", " MLMD_WALK_PROP_COLS ", e.id FROM event e"        \
	" LEFT JOIN " TO " n ON n.id = e." OTHER " LEFT JOIN type t ON t.id = n.type_id"                         \
	" LEFT JOIN " TO "_property p ON p.node_id = n.id WHERE e." FROM " IN ("
/* ORs, not IN: SQLite builds a temporary table for a constant IN list */
#define HOP_INPUTS " AND (e.type = 2 OR e.type = 3 OR e.type = 5)"
#define HOP_OUTPUTS " AND (e.type = 1 OR e.type = 4 OR e.type = 6 OR e.type = 7)"
#define HOP_A(filter) \
	MLMD_IN_SQL(HOP_JOIN("execution_id", "execution", "artifact_id"), \
		    ")" filter " ORDER BY e.artifact_id, e.execution_id, e.type, p.is_custom, p.name")
#define HOP_E(filter) \
	MLMD_IN_SQL(HOP_JOIN("artifact_id", "artifact", "execution_id"), \
		    ")" filter " ORDER BY e.execution_id, e.artifact_id, e.id, p.is_custom, p.name")
static const char *const hop_hydrate[2][3][5] = {
	[KIND_ARTIFACT] = { HOP_A(""), HOP_A(HOP_INPUTS), HOP_A(HOP_OUTPUTS) },
	[KIND_EXECUTION] = { HOP_E(""), HOP_E(HOP_INPUTS), HOP_E(HOP_OUTPUTS) },
};

/* The statements of a hop from nodes of kind `from`: plain, or hydrating
 * when the caller asked for the rows of the nodes it reaches. */
static const char *const *hop_sql(const walker *w, int from)
{
	int to = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
	if (!w->hydrate[to])
		return from == KIND_ARTIFACT ? hop_from_artifacts : hop_from_executions;
	int filter = 0; /* as follows(): down from an artifact or up from an execution takes inputs */
	if (w->dir != BOTH)
		filter = (w->dir == DOWN) == (from == KIND_ARTIFACT) ? 1 : 2;
	return hop_hydrate[from][filter];
}

/* One hop from `frontier` (nodes of kind `from`); fills `next`. */
static int hop(walker *w, int from, const int64_t *frontier, size_t nf, int64_t **next, size_t *nnext)
{
	int to = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
	int64_t *cand = NULL;
	size_t ncand = 0;
	int rc = 0;
	const char *const *sql = hop_sql(w, from);
	size_t chunk = mlmd__in_chunk(nf);
	for (size_t at = 0; at < nf && !rc; at += chunk) {
		size_t m = nf - at < chunk ? nf - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq *q;
		if ((rc = mlmd__q_family_get(w->sql, &w->hopq[from], sql, slot, &q)))
			break;
		int pos = 1;
		bind_chunk(q, &pos, frontier + at, m, size);
		int64_t hyd_event = 0; /* the event whose rows carry the node being read */
		while ((rc = mlmd__q_step(q)) == 1) {
			int64_t other = mlmd__q_col_i64(q, 0);
			if (!follows(w->dir, from, (int)mlmd__q_col_i64(q, 1)))
				continue;
			int added = mlmd__idset_add(&w->seen[to], other);
			if (added < 0 || (added && mlmd__push_i64(&cand, &ncand, other))) {
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
			if (!w->hydrate[to])
				continue;
			int64_t ev = mlmd__q_col_i64(q, MLMD_WALK_HOP_BASE + MLMD_WN_EVENT_ID);
			if (added)
				hyd_event = ev;
			else if (ev != hyd_event || !hyd_event)
				continue; /* a node met before */
			if ((rc = w->hydrate[to](w->hydrate_ctx, to, other, q, MLMD_WALK_HOP_BASE, !added)))
				break;
		}
		mlmd__q_done(q);
		if (rc > 0)
			rc = 0;
	}
	mlmd__idset hit = { 0 };
	if (!rc && ncand && w->has_stop[to])
		rc = match(w->sql, to, &w->stop[to], cand, ncand, &hit);
	for (size_t i = 0; !rc && i < ncand; i++) {
		int stop = w->has_stop[to] && mlmd__idset_has(&hit, cand[i]);
		int expand = 1;
		if (w->keep_matching) { /* boundary: drop what does not match */
			if (w->has_stop[to] && !stop)
				continue;
		} else if (stop) { /* ending node: never expanded, kept on request */
			if (!w->include_ending[to])
				continue;
			expand = 0;
		}
		int k = keep(w, to, cand[i]);
		if (k < 0)
			rc = k;
		else if (k == 0)
			break;
		else if (expand && mlmd__push_i64(next, nnext, cand[i]))
			rc = MLMD_OOM();
	}
	free(hit.v);
	free(cand);
	return rc;
}

static int sort_ids_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts ids ascending: by insertion for a walk's few nodes (qsort's calls
 * through a comparator cost more there), by qsort beyond. */
static void sort_ids(int64_t *v, size_t n)
{
	if (n > 32) {
		qsort(v, n, sizeof *v, sort_ids_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		int64_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Walks from the result's current nodes (all of kind `start`). */
int mlmd__walk_run(mlmd__walk *w, int start)
{
	int64_t *frontier = NULL;
	size_t nf = w->n[start];
	if (nf && !(frontier = malloc(nf * sizeof *frontier)))
		return MLMD_OOM();
	if (nf)
		memcpy(frontier, w->ids[start], nf * sizeof *frontier);
	int from = start, rc = 0;
	for (int64_t h = 0; h < w->max_hops && nf && !w->partial; h++) {
		if (over_budget(w))
			break;
		int64_t *next = NULL;
		size_t nn = 0;
		rc = hop(w, from, frontier, nf, &next, &nn);
		free(frontier);
		frontier = next;
		nf = nn;
		if (rc)
			break;
		from = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
	}
	free(frontier);
	/* nodes in id order, so the result does not depend on hop order */
	for (int k = 0; !rc && k < 2; k++)
		sort_ids(w->ids[k], w->n[k]);
	return rc;
}


/* ---- starting nodes ----------------------------------------------------------------- */

/* The id N when `query` is exactly "id = N" (spaces around the tokens, N
 * up to 18 decimal digits, no sign), the common way to start a walk at one
 * node; 0 for any other filter, which the filter compiler handles. */
static int64_t single_id(const char *q)
{
	while (*q == ' ')
		q++;
	if (q[0] != 'i' || q[1] != 'd')
		return 0;
	q += 2;
	while (*q == ' ')
		q++;
	if (*q++ != '=')
		return 0;
	while (*q == ' ')
		q++;
	int64_t id = 0;
	int digits = 0;
	for (; *q >= '0' && *q <= '9'; q++, digits++) {
		if (digits == 18)
			return 0;
		id = id * 10 + (*q - '0');
	}
	while (*q == ' ')
		q++;
	return digits && !*q ? id : 0;
}

/* Starts the walk at node `id` when it exists (and, with live_starts, is
 * not a tombstone): what the filter "id = N" selects, without compiling it. */
static int start_at_id(mlmd__walk *w, int k, int64_t id)
{
	static const char *const sql[2][2] = {
		[KIND_EXECUTION] = { "SELECT id FROM execution WHERE id = ?",
				     "SELECT id FROM execution WHERE id = ? AND deleted_time IS NULL" },
		[KIND_ARTIFACT] = { "SELECT id FROM artifact WHERE id = ?",
				    "SELECT id FROM artifact WHERE id = ? AND deleted_time IS NULL" },
	};
	/* hydrating: the node's row and properties, as a hydrating hop returns them (from column 0) */
#define START_JOIN(T)                                                                                           \
	"SELECT " MLMD_WALK_NODE_COLS ", " MLMD_WALK_PROP_COLS ", NULL FROM " T " n LEFT JOIN type t"             \
	" ON t.id = n.type_id LEFT JOIN " T "_property p ON p.node_id = n.id WHERE n.id = ?"
	static const char *const hydrating[2][2] = {
		[KIND_EXECUTION] = { START_JOIN("execution") " ORDER BY p.is_custom, p.name",
				     START_JOIN("execution") " AND n.deleted_time IS NULL ORDER BY p.is_custom, p.name" },
		[KIND_ARTIFACT] = { START_JOIN("artifact") " ORDER BY p.is_custom, p.name",
				    START_JOIN("artifact") " AND n.deleted_time IS NULL ORDER BY p.is_custom, p.name" },
	};
#undef START_JOIN
	sqlq q;
	int rc = mlmd__q(w->sql, &q, (w->hydrate[k] ? hydrating : sql)[k][w->live_starts != 0]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	int rows = 0; /* hydrating: one row a property */
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (!w->hydrate[k] || (rc = w->hydrate[k](w->hydrate_ctx, k, id, &q, 0, rows > 0)))
			break;
		rows++;
	}
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (!rows && rc == 0)
		return 0; /* no such node */
	if (mlmd__idset_add(&w->seen[k], id) < 0)
		return -MLMD_RESOURCE_EXHAUSTED;
	int kept = keep(w, k, id);
	return kept < 0 ? kept : 0;
}

int mlmd__walk_start_query(mlmd__walk *w, int k, const char *query, const char *field)
{
	if (!query || !*query)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s.filter_query must be set", field);
	int64_t one = (k == KIND_ARTIFACT || k == KIND_EXECUTION) ? single_id(query) : 0;
	if (one > 0) {
		int rc = start_at_id(w, k, one);
		if (rc)
			return rc;
		if (!w->n[k])
			return mlmd__fail(MLMD_NOT_FOUND, "no %s match %s.filter_query '%s'", kind_plural_name(k), field,
					  query);
		return 0;
	}
	mlmd__filter f;
	int rc = mlmd__filter_compile(k, query, 0, &f);
	if (rc)
		return mlmd__context(rc, "%s", field);
	mlmd_buf sql = { 0 };
	const char *col = f.id_col[0] ? f.id_col : "n.id"; /* as in list calls */
	mlmd__buf_printf(&sql, "SELECT %sn.id, %s FROM %s n%s WHERE %s%s ORDER BY %s LIMIT %d",
			 f.distinct ? "DISTINCT " : "", col, mlmd__kind_table(k), f.join.p, f.where.p,
			 w->live_starts ? " AND n.deleted_time IS NULL" : "", col, MLMD_WALK_MAX_START + 1);
	sqlq q;
	if (sql.oom)
		rc = MLMD_OOM();
	else
		rc = mlmd__q_dyn(w->sql, &q, sql.p);
	mlmd__buf_free(&sql);
	if (rc) {
		mlmd__filter_free(&f);
		return rc;
	}
	int pos = 1;
	mlmd__args_bind(&f.join_args, &q, &pos);
	mlmd__args_bind(&f.where_args, &q, &pos);
	int count = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		int64_t id = mlmd__q_col_i64(&q, 0);
		if (++count > MLMD_WALK_MAX_START) {
			w->partial = 1;
			w->reason = "more than 100 nodes matched the starting filter; the first 100 by id were used";
			break;
		}
		if (mlmd__idset_add(&w->seen[k], id) < 0) {
			rc = -MLMD_RESOURCE_EXHAUSTED;
			break;
		}
		int kept = keep(w, k, id); /* the node cap bounds the starting set too */
		if (kept <= 0) {
			rc = kept;
			break;
		}
	}
	mlmd__q_done(&q);
	mlmd__filter_free(&f);
	if (rc < 0)
		return rc;
	if (!w->n[k])
		return mlmd__fail(MLMD_NOT_FOUND, "no %s match %s.filter_query '%s'", kind_plural_name(k), field, query);
	return 0;
}

int mlmd__walk_budget(mlmd__walk *w, int64_t ms)
{
	if (ms == 0)
		return 0;
	if (ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_time_budget_ms must be >= 0, got %lld", (long long)ms);
	uint64_t ns = (uint64_t)ms > UINT64_MAX / 2000000u ? UINT64_MAX / 2 : (uint64_t)ms * 1000000u; /* no wrap */
	w->deadline_ns = mlmd__mono_ns() + ns;
	w->has_deadline = 1;
	w->deadline_reason = NULL;
	return 0;
}

void mlmd__walk_deadline(mlmd__walk *w, uint64_t deadline_ns)
{
	if (w->has_deadline && w->deadline_ns <= deadline_ns)
		return;
	w->deadline_ns = deadline_ns;
	w->has_deadline = 1;
	w->deadline_reason = "the call's deadline (mlmd_store_set_deadline) passed";
}

int mlmd__walk_stop(mlmd__walk *w, int k, const char *query, const char *field)
{
	if (!query || !*query)
		return 0;
	int rc = mlmd__filter_compile(k, query, 0, &w->stop[k]);
	if (rc)
		return mlmd__context(rc, "%s", field);
	w->has_stop[k] = 1;
	return 0;
}

int mlmd__walk_start_id(mlmd__walk *w, int k, int64_t id)
{
	int kept = keep(w, k, id);
	if (kept > 0 && mlmd__idset_add(&w->seen[k], id) < 0)
		return MLMD_OOM();
	return kept;
}

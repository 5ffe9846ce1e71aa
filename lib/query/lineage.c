/*
 * query/lineage.c - GetLineageSubgraph and the deprecated GetLineageGraph.
 *
 * Both are a breadth-first walk over events, one hop at a time: a hop goes
 * from a frontier of artifacts to executions or back, with one prepared,
 * indexed query per chunk of the frontier (event's (artifact_id, ...) and
 * (execution_id, ...) indexes). The frontier is passed as an IN list padded
 * to a few fixed sizes, so the statements are cached and the SQL is the same
 * on every backend. We do not use a recursive CTE: SQLite's planner may pick
 * a plan that rescans the event table on every step.
 *
 * The walk runs inside the RPC's one read transaction, so the nodes, their
 * types, contexts and events in the response are one consistent snapshot.
 */
#include <stdlib.h>
#include <string.h>
#include "filter.h"
#include "../store/rpc.h"

typedef Mlmd__Pb__LineageSubgraphQueryOptions SubOpts;

#define MAX_HOPS 100                 /* MLMD's kQueryLineageSubgraphMaxNumHops */
#define MAX_START 100                /* starting nodes per query, as in MLMD */

/* ---- a set of int64 ids (open addressing; 0 is never an id) ------------------ */

typedef struct idset {
	int64_t *v;
	size_t n, cap;
} idset;

static size_t slot(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 20) & (cap - 1);
}

/* Adds id; returns 1 if it was new, 0 if present, <0 on OOM. */
static int idset_add(idset *s, int64_t id)
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

static int idset_has(const idset *s, int64_t id)
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

enum { UP = 1, DOWN = 2, BOTH = 3 };

typedef struct walker {
	call *c;
	int dir;
	int64_t max_hops, max_nodes;
	uint64_t deadline_ns;    /* mlmd__mono_ns() when the time budget runs out */
	int has_deadline;
	/* per node kind (KIND_EXECUTION = 0, KIND_ARTIFACT = 1): */
	mlmd__filter stop[2];        /* ending nodes, or the boundary to keep */
	int has_stop[2];
	int keep_matching;           /* 1: boundary (keep matches); 0: ending nodes */
	int include_ending[2];
	idset seen[2];               /* every node met, kept or not */
	idset in[2];                 /* nodes in the result */
	int64_t *ids[2];             /* the result, in discovery order */
	size_t n[2];
	int partial;
	const char *reason;
} walker;

static void walker_free(walker *w)
{
	for (int k = 0; k < 2; k++) {
		if (w->has_stop[k])
			mlmd__filter_free(&w->stop[k]);
		free(w->seen[k].v);
		free(w->in[k].v);
		free(w->ids[k]);
	}
}

static const node_kind *kind_of(int k)
{
	return k == KIND_ARTIFACT ? &mlmd__artifact_kind : &mlmd__execution_kind;
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
		w->reason = "the time budget (mlmd_time_budget_ms) ran out";
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
	int rc = idset_add(&w->in[k], id);
	if (rc < 0 || mlmd__push_i64(&w->ids[k], &w->n[k], id))
		return rc < 0 ? rc : MLMD_OOM();
	return 1;
}

/* The ids among `ids` that match filter `f` for node kind `k`. */
static int match(call *c, int k, const mlmd__filter *f, const int64_t *ids, size_t n, idset *out)
{
	const node_kind *nk = kind_of(k);
	for (size_t at = 0; at < n; at += MAX_CHUNK) {
		size_t m = n - at < MAX_CHUNK ? n - at : MAX_CHUNK;
		mlmd_buf sql = { 0 };
		mlmd__buf_printf(&sql, "SELECT %sn.id FROM %s n%s WHERE n.id IN (", f->distinct ? "DISTINCT " : "",
				 nk->table, f->join.p);
		int size = in_list(&sql, m);
		mlmd__buf_printf(&sql, ") AND %s", f->where.p);
		if (sql.oom) {
			mlmd__buf_free(&sql);
			return MLMD_OOM();
		}
		sqlq q;
		int rc = mlmd__q_dyn(c->s, &q, sql.p);
		mlmd__buf_free(&sql);
		if (rc)
			return rc;
		int pos = 1;
		mlmd__args_bind(&f->join_args, &q, &pos);
		bind_chunk(&q, &pos, ids + at, m, size);
		mlmd__args_bind(&f->where_args, &q, &pos);
		while ((rc = mlmd__q_step(&q)) == 1)
			if (idset_add(out, mlmd__q_col_i64(&q, 0)) < 0) {
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int is_input(int t)
{
	return t == MLMD__PB__EVENT__TYPE__DECLARED_INPUT || t == MLMD__PB__EVENT__TYPE__INPUT ||
	       t == MLMD__PB__EVENT__TYPE__INTERNAL_INPUT;
}

static int is_output(int t)
{
	return t == MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT || t == MLMD__PB__EVENT__TYPE__OUTPUT ||
	       t == MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT || t == MLMD__PB__EVENT__TYPE__PENDING_OUTPUT;
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
		return down ? is_input(t) : is_output(t);
	return down ? is_output(t) : is_input(t);
}

static const char *const hop_from_artifacts[5] =
	MLMD_IN_SQL("SELECT execution_id, type FROM event WHERE artifact_id IN (", ")");
static const char *const hop_from_executions[5] =
	MLMD_IN_SQL("SELECT artifact_id, type FROM event WHERE execution_id IN (", ")");
/* index order: artifact, execution, type */
static const char *const events_of_artifacts[5] = MLMD_IN_SQL(MLMD_EVENT_COLS " WHERE artifact_id IN (", ")");

/* One hop from `frontier` (nodes of kind `from`); fills `next`. */
static int hop(walker *w, int from, const int64_t *frontier, size_t nf, int64_t **next, size_t *nnext)
{
	int to = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
	int64_t *cand = NULL;
	size_t ncand = 0;
	int rc = 0;
	size_t chunk = mlmd__in_chunk(nf);
	for (size_t at = 0; at < nf && !rc; at += chunk) {
		size_t m = nf - at < chunk ? nf - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		rc = mlmd__q(w->c->s, &q, from == KIND_ARTIFACT ? hop_from_artifacts[slot] : hop_from_executions[slot]);
		if (rc)
			break;
		int pos = 1;
		bind_chunk(&q, &pos, frontier + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t other = mlmd__q_col_i64(&q, 0);
			if (!follows(w->dir, from, (int)mlmd__q_col_i64(&q, 1)))
				continue;
			int added = idset_add(&w->seen[to], other);
			if (added < 0 || (added && mlmd__push_i64(&cand, &ncand, other))) {
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	idset hit = { 0 };
	if (!rc && ncand && w->has_stop[to])
		rc = match(w->c, to, &w->stop[to], cand, ncand, &hit);
	for (size_t i = 0; !rc && i < ncand; i++) {
		int stop = w->has_stop[to] && idset_has(&hit, cand[i]);
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

/* Walks from the result's current nodes (all of kind `start`). */
static int walk(walker *w, int start)
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
	return rc;
}

/* ---- the response ------------------------------------------------------------------ */

enum {
	F_ARTIFACTS = 1 << 0, F_EXECUTIONS = 1 << 1, F_CONTEXTS = 1 << 2, F_EVENTS = 1 << 3,
	F_ARTIFACT_TYPES = 1 << 4, F_EXECUTION_TYPES = 1 << 5, F_CONTEXT_TYPES = 1 << 6,
	F_ATTRIBUTIONS = 1 << 7, F_ASSOCIATIONS = 1 << 8, F_PARENT_CONTEXTS = 1 << 9, F_ALL = (1 << 10) - 1
};

static const struct {
	const char *path;
	int bit;
} mask_paths[] = {
	{ "artifacts", F_ARTIFACTS }, { "executions", F_EXECUTIONS }, { "contexts", F_CONTEXTS },
	{ "events", F_EVENTS }, { "artifact_types", F_ARTIFACT_TYPES }, { "execution_types", F_EXECUTION_TYPES },
	{ "context_types", F_CONTEXT_TYPES }, { "attributions", F_ATTRIBUTIONS }, { "associations", F_ASSOCIATIONS },
	{ "parent_contexts", F_PARENT_CONTEXTS },
};

static int read_mask(const Mlmd__Pb__Wkt__FieldMask *m, int *out)
{
	*out = F_ALL;
	if (!m || !m->n_paths)
		return 0;
	*out = 0;
	for (size_t i = 0; i < m->n_paths; i++) {
		int bit = 0;
		for (size_t j = 0; j < sizeof mask_paths / sizeof mask_paths[0]; j++)
			if (m->paths[i] && !strcmp(m->paths[i], mask_paths[j].path))
				bit = mask_paths[j].bit;
		if (!bit)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "read_mask: unknown path '%s'; LineageGraph has artifacts, executions, contexts, "
					  "events, artifact_types, execution_types, context_types, attributions, "
					  "associations and parent_contexts",
					  m->paths[i] ? m->paths[i] : "");
		*out |= bit;
	}
	return 0;
}

static int64_t node_type_id(const node_kind *k, const void *m)
{
	return *(const int64_t *)((const char *)m + k->o_type_id);
}

/* Loads the types of `nodes` (deduplicated, in first-seen order). */
static int load_types(call *c, const node_kind *k, void **nodes, size_t n, void ***arr, size_t *narr)
{
	idset seen = { 0 };
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int64_t t = node_type_id(k, nodes[i]);
		int added = idset_add(&seen, t);
		if (added <= 0) {
			rc = added;
			continue;
		}
		ProtobufCMessage *m = NULL;
		rc = mlmd__type_load(c, k->kind, t, &m);
		if (rc >= 0 && m && mlmd__push_ptr(arr, narr, m)) {
			protobuf_c_message_free_unpacked(m, NULL);
			rc = MLMD_OOM();
		}
		if (rc > 0)
			rc = 0;
	}
	free(seen.v);
	return rc;
}

static int sort_ids_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int event_in_result(void *execs, const Mlmd__Pb__Event *e)
{
	return idset_has(execs, e->execution_id);
}

/* Fills `g` with the walker's nodes and what `fields` asks for. */
static int fill(walker *w, int fields, Mlmd__Pb__LineageGraph *g)
{
	call *c = w->c;
	int rc = 0;
	/* nodes in id order, so the response does not depend on hop order */
	for (int k = 0; k < 2; k++)
		if (w->n[k] > 1)
			qsort(w->ids[k], w->n[k], sizeof(int64_t), sort_ids_cmp);
	int need_art = fields & (F_ARTIFACTS | F_ARTIFACT_TYPES);
	int need_exe = fields & (F_EXECUTIONS | F_EXECUTION_TYPES);
	if (need_art && (rc = mlmd__node_load_ids(c, &mlmd__artifact_kind, w->ids[KIND_ARTIFACT], w->n[KIND_ARTIFACT], 0,
						  (void ***)&g->artifacts, &g->n_artifacts)))
		return rc;
	if (need_exe && (rc = mlmd__node_load_ids(c, &mlmd__execution_kind, w->ids[KIND_EXECUTION],
						  w->n[KIND_EXECUTION], 0, (void ***)&g->executions, &g->n_executions)))
		return rc;
	if ((fields & F_ARTIFACT_TYPES) &&
	    (rc = load_types(c, &mlmd__artifact_kind, (void **)g->artifacts, g->n_artifacts, (void ***)&g->artifact_types,
			     &g->n_artifact_types)))
		return rc;
	if ((fields & F_EXECUTION_TYPES) &&
	    (rc = load_types(c, &mlmd__execution_kind, (void **)g->executions, g->n_executions,
			     (void ***)&g->execution_types, &g->n_execution_types)))
		return rc;
	if (fields & F_EVENTS) {
		/* every event between two nodes of the result, by artifact chunk */
		const int64_t *ids = w->ids[KIND_ARTIFACT];
		size_t na = w->n[KIND_ARTIFACT];
		size_t chunk = mlmd__in_chunk(na);
		for (size_t at = 0; at < na && !rc; at += chunk) {
			size_t m = na - at < chunk ? na - at : chunk;
			int size, slot = mlmd__in_slot(m, &size);
			sqlq q;
			if ((rc = mlmd__q(c->s, &q, events_of_artifacts[slot])))
				break;
			int pos = 1;
			bind_chunk(&q, &pos, ids + at, m, size);
			rc = mlmd__events_read(c, &q, event_in_result, &w->in[KIND_EXECUTION], &g->events, &g->n_events);
		}
		if (rc)
			return rc;
	}
	if (!(fields & (F_CONTEXTS | F_CONTEXT_TYPES | F_ATTRIBUTIONS | F_ASSOCIATIONS | F_PARENT_CONTEXTS)))
		return 0;
	/* contexts of the result's nodes, with the edges that link them */
	idset cset = { 0 };
	int64_t *cids = NULL;
	size_t ncids = 0;
	for (int k = 0; k < 2 && !rc; k++) {
		sqlq q;
		const char *sql = k == KIND_ARTIFACT ? "SELECT context_id FROM attribution WHERE artifact_id = ?"
						     : "SELECT context_id FROM association WHERE execution_id = ?";
		for (size_t i = 0; i < w->n[k] && !rc; i++) {
			if ((rc = mlmd__q(c->s, &q, sql)))
				break;
			mlmd__q_i64(&q, 1, w->ids[k][i]);
			while ((rc = mlmd__q_step(&q)) == 1) {
				int64_t cid = mlmd__q_col_i64(&q, 0);
				int added = idset_add(&cset, cid);
				if (added < 0 || (added && mlmd__push_i64(&cids, &ncids, cid))) {
					rc = -MLMD_RESOURCE_EXHAUSTED;
					break;
				}
				int want = k == KIND_ARTIFACT ? F_ATTRIBUTIONS : F_ASSOCIATIONS;
				if (!(fields & want))
					continue;
				void *edge = mlmd__msg_new(k == KIND_ARTIFACT ? &mlmd__pb__attribution__descriptor
									      : &mlmd__pb__association__descriptor);
				int pushed = edge && (k == KIND_ARTIFACT
							      ? mlmd__push_ptr((void ***)&g->attributions, &g->n_attributions, edge)
							      : mlmd__push_ptr((void ***)&g->associations, &g->n_associations, edge)) == 0;
				if (!pushed) {
					free(edge);
					rc = -MLMD_RESOURCE_EXHAUSTED;
					break;
				}
				if (k == KIND_ARTIFACT) {
					Mlmd__Pb__Attribution *a = edge;
					a->has_artifact_id = a->has_context_id = 1;
					a->artifact_id = w->ids[k][i];
					a->context_id = cid;
				} else {
					Mlmd__Pb__Association *a = edge;
					a->has_execution_id = a->has_context_id = 1;
					a->execution_id = w->ids[k][i];
					a->context_id = cid;
				}
			}
			mlmd__q_done(&q);
			if (rc > 0)
				rc = 0;
		}
	}
	if (!rc && ncids > 1)
		qsort(cids, ncids, sizeof *cids, sort_ids_cmp);
	if (!rc && (fields & (F_CONTEXTS | F_CONTEXT_TYPES)))
		rc = mlmd__node_load_ids(c, &mlmd__context_kind, cids, ncids, 0, (void ***)&g->contexts, &g->n_contexts);
	if (!rc && (fields & F_CONTEXT_TYPES))
		rc = load_types(c, &mlmd__context_kind, (void **)g->contexts, g->n_contexts, (void ***)&g->context_types,
				&g->n_context_types);
	if (!rc && !(fields & F_CONTEXTS)) {
		for (size_t i = 0; i < g->n_contexts; i++)
			protobuf_c_message_free_unpacked(&g->contexts[i]->base, NULL);
		free(g->contexts);
		g->contexts = NULL;
		g->n_contexts = 0;
	}
	for (size_t i = 0; !rc && (fields & F_PARENT_CONTEXTS) && i < ncids; i++) {
		sqlq q;
		if ((rc = mlmd__q(c->s, &q, "SELECT parent_id FROM parent_context WHERE child_id = ? ORDER BY parent_id")))
			break;
		mlmd__q_i64(&q, 1, cids[i]);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t par = mlmd__q_col_i64(&q, 0);
			if (!idset_has(&cset, par))
				continue;
			Mlmd__Pb__ParentContext *pc = mlmd__msg_new(&mlmd__pb__parent_context__descriptor);
			if (!pc || mlmd__push_ptr((void ***)&g->parent_contexts, &g->n_parent_contexts, pc)) {
				free(pc);
				rc = -MLMD_RESOURCE_EXHAUSTED;
				break;
			}
			pc->has_child_id = pc->has_parent_id = 1;
			pc->child_id = cids[i];
			pc->parent_id = par;
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	free(cids);
	free(cset.v);
	return rc;
}

/* ---- starting nodes ----------------------------------------------------------------- */

/* Puts the first MAX_START nodes of kind `k` matching `query` into the result. */
static int start_nodes(walker *w, int k, const char *query, const char *field)
{
	if (!query || !*query)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s.filter_query must be set", field);
	mlmd__filter f;
	int rc = mlmd__filter_compile(kind_of(k), query, 0, &f);
	if (rc)
		return mlmd__context(rc, "%s", field);
	mlmd_buf sql = { 0 };
	const char *col = f.id_col[0] ? f.id_col : "n.id"; /* as in list calls */
	mlmd__buf_printf(&sql, "SELECT %sn.id, %s FROM %s n%s WHERE %s ORDER BY %s LIMIT %d", f.distinct ? "DISTINCT " : "",
			 col, kind_of(k)->table, f.join.p, f.where.p, col, MAX_START + 1);
	sqlq q;
	if (sql.oom)
		rc = MLMD_OOM();
	else
		rc = mlmd__q_dyn(w->c->s, &q, sql.p);
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
		if (++count > MAX_START) {
			w->partial = 1;
			w->reason = "more than 100 nodes matched the starting filter; the first 100 by id were used";
			break;
		}
		if (idset_add(&w->seen[k], id) < 0) {
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

static int set_budget(walker *w, int has, int64_t ms)
{
	if (!has || ms == 0)
		return 0;
	if (ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_time_budget_ms must be >= 0, got %lld", (long long)ms);
	uint64_t ns = (uint64_t)ms > UINT64_MAX / 2000000u ? UINT64_MAX / 2 : (uint64_t)ms * 1000000u; /* no wrap */
	w->deadline_ns = mlmd__mono_ns() + ns;
	w->has_deadline = 1;
	return 0;
}

static int stop_filter(walker *w, int k, const char *query, const char *field)
{
	if (!query || !*query)
		return 0;
	int rc = mlmd__filter_compile(kind_of(k), query, 0, &w->stop[k]);
	if (rc)
		return mlmd__context(rc, "%s", field);
	w->has_stop[k] = 1;
	return 0;
}

static int finish(walker *w, int fields, Mlmd__Pb__LineageGraph **out, protobuf_c_boolean *has_partial,
		  protobuf_c_boolean *partial, char **reason)
{
	Mlmd__Pb__LineageGraph *g = mlmd__msg_new(&mlmd__pb__lineage_graph__descriptor);
	if (!g)
		return MLMD_OOM();
	*out = g; /* owned by the response from here on */
	int rc = fill(w, fields, g);
	if (rc)
		return rc;
	if (w->partial) {
		*has_partial = *partial = 1;
		if (w->reason && !(*reason = mlmd__strdup(w->reason)))
			return MLMD_OOM();
	}
	return 0;
}

int mlmd__rpc_GetLineageSubgraph(call *c, const Mlmd__Pb__GetLineageSubgraphRequest *rq,
				 Mlmd__Pb__GetLineageSubgraphResponse *rs)
{
	const SubOpts *o = rq->lineage_subgraph_query_options;
	if (!o)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "lineage_subgraph_query_options must be set");
	int start;
	const char *query, *field;
	if (o->starting_nodes_case == MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS) {
		start = KIND_ARTIFACT;
		query = o->starting_artifacts ? o->starting_artifacts->filter_query : NULL;
		field = "starting_artifacts";
	} else if (o->starting_nodes_case ==
		   MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS) {
		start = KIND_EXECUTION;
		query = o->starting_executions ? o->starting_executions->filter_query : NULL;
		field = "starting_executions";
	} else {
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "starting_nodes must be set: starting_artifacts or starting_executions");
	}
	walker w;
	memset(&w, 0, sizeof w);
	w.c = c;
	w.max_hops = MAX_HOPS;
	if (o->has_max_num_hops) {
		if (o->max_num_hops < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_num_hops must be >= 0, got %lld",
					  (long long)o->max_num_hops);
		if (o->max_num_hops < MAX_HOPS)
			w.max_hops = o->max_num_hops;
	}
	switch (o->has_direction ? o->direction : 0) {
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM: w.dir = UP; break;
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM: w.dir = DOWN; break;
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__BIDIRECTIONAL:
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DIRECTION_UNSPECIFIED: w.dir = BOTH; break;
	default:
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "direction %d is not a Direction", (int)o->direction);
	}
	if (o->has_mlmd_max_nodes) {
		if (o->mlmd_max_nodes < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_max_nodes must be >= 0, got %lld",
					  (long long)o->mlmd_max_nodes);
		w.max_nodes = o->mlmd_max_nodes;
	}
	int fields, rc;
	if ((rc = read_mask(rq->read_mask, &fields)) ||
	    (rc = set_budget(&w, o->has_mlmd_time_budget_ms, o->mlmd_time_budget_ms)))
		return rc;
	const Mlmd__Pb__LineageSubgraphQueryOptions__EndingNodes *ends[2] = { o->ending_executions, o->ending_artifacts };
	for (int k = 0; k < 2 && !rc; k++) {
		if (!ends[k])
			continue;
		const char *name = k == KIND_ARTIFACT ? "ending_artifacts" : "ending_executions";
		if (!ends[k]->filter_query || !*ends[k]->filter_query)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s.filter_query must be set", name);
		else
			rc = stop_filter(&w, k, ends[k]->filter_query, name);
		w.include_ending[k] = ends[k]->has_include_ending_nodes && ends[k]->include_ending_nodes;
	}
	if (!rc)
		rc = start_nodes(&w, start, query, field);
	if (!rc)
		rc = walk(&w, start);
	if (!rc)
		rc = finish(&w, fields, &rs->lineage_subgraph, &rs->has_mlmd_partial, &rs->mlmd_partial,
			    &rs->mlmd_partial_reason);
	walker_free(&w);
	return rc;
}

int mlmd__rpc_GetLineageGraph(call *c, const Mlmd__Pb__GetLineageGraphRequest *rq,
			      Mlmd__Pb__GetLineageGraphResponse *rs)
{
	const Mlmd__Pb__LineageGraphQueryOptions *o = rq->options;
	if (!o || o->query_nodes_case != MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__QUERY_NODES_ARTIFACTS_OPTIONS ||
	    !o->artifacts_options)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "options.artifacts_options must be set to select the query nodes");
	walker w;
	memset(&w, 0, sizeof w);
	w.c = c;
	w.dir = BOTH;
	w.keep_matching = 1;
	w.max_hops = MAX_HOPS;
	w.max_nodes = o->has_max_node_size ? o->max_node_size : 20;
	const Mlmd__Pb__LineageGraphQueryOptions__BoundaryConstraint *sc = o->stop_conditions;
	if (sc && sc->has_max_num_hops) {
		if (sc->max_num_hops < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "stop_conditions.max_num_hops must be >= 0, got %lld",
					  (long long)sc->max_num_hops);
		if (sc->max_num_hops < MAX_HOPS)
			w.max_hops = sc->max_num_hops;
	}
	int rc = set_budget(&w, o->has_mlmd_time_budget_ms, o->mlmd_time_budget_ms);
	if (!rc && sc)
		rc = stop_filter(&w, KIND_ARTIFACT, sc->boundary_artifacts, "stop_conditions.boundary_artifacts");
	if (!rc && sc)
		rc = stop_filter(&w, KIND_EXECUTION, sc->boundary_executions, "stop_conditions.boundary_executions");
	/* the query nodes: one page of the artifact listing, as MLMD does */
	Mlmd__Pb__Artifact **arts = NULL;
	size_t narts = 0;
	char *tok = NULL;
	if (!rc)
		rc = mlmd__list_nodes(c, &mlmd__artifact_kind, o->artifacts_options, NULL, NULL, NULL, 0, (void ***)&arts,
				      &narts, &tok);
	for (size_t i = 0; i < narts; i++) {
		if (!rc) {
			int k = keep(&w, KIND_ARTIFACT, arts[i]->id);
			if (k < 0)
				rc = k;
			else if (k > 0 && idset_add(&w.seen[KIND_ARTIFACT], arts[i]->id) < 0)
				rc = MLMD_OOM();
		}
		protobuf_c_message_free_unpacked(&arts[i]->base, NULL);
	}
	free(arts);
	free(tok);
	if (!rc && narts == 0)
		rc = mlmd__fail(MLMD_NOT_FOUND, "no artifacts match options.artifacts_options");
	if (!rc)
		rc = walk(&w, KIND_ARTIFACT);
	if (!rc)
		rc = finish(&w, F_ALL, &rs->subgraph, &rs->has_mlmd_partial, &rs->mlmd_partial, &rs->mlmd_partial_reason);
	walker_free(&w);
	return rc;
}

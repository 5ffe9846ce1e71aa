/*
 * store/lineage.c - GetLineageSubgraph and the deprecated GetLineageGraph:
 * the request's options become a walk (query/lineage.c), and the ids it
 * collected become the response's nodes, types, events, contexts and edges.
 *
 * Everything runs inside the RPC's one read transaction, so the response is
 * one consistent snapshot.
 */
#include <stdlib.h>
#include <string.h>
#include "rpc.h"
#include "datagov.h"
#include "lineage.h"

typedef Mlmd__Pb__LineageSubgraphQueryOptions SubOpts;
typedef mlmd__walk walker;

/* ---- the response ------------------------------------------------------------------ */

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
	mlmd__idset seen = { 0 };
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int64_t t = node_type_id(k, nodes[i]);
		int added = mlmd__idset_add(&seen, t);
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
	return mlmd__idset_has(execs, e->execution_id);
}

/* in the order of the index (artifact, execution, type), said so that every
 * backend gives it (store/wire_lineage.c reads the same order) */
static const char *const events_of_artifacts[5] =
	MLMD_IN_SQL(MLMD_EVENT_COLS " WHERE artifact_id IN (", ") ORDER BY artifact_id, execution_id, type");

/* ---- contexts, shared with store/wire_lineage.c --------------------------------------------- */

int mlmd__lineage_contexts(call *c, const mlmd__walk *w, mlmd__lineage_edge_fn edge, void *ctx, int64_t **cids,
			   size_t *ncids, mlmd__idset *cset)
{
	static const char *const sql[2] = {
		[KIND_ARTIFACT] = "SELECT context_id FROM attribution WHERE artifact_id = ?",
		[KIND_EXECUTION] = "SELECT context_id FROM association WHERE execution_id = ?",
	};
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++) {
		for (size_t i = 0; i < w->n[k] && !rc; i++) {
			sqlq q;
			if ((rc = mlmd__q(c->sql, &q, sql[k])))
				break;
			mlmd__q_i64(&q, 1, w->ids[k][i]);
			while ((rc = mlmd__q_step(&q)) == 1) {
				int64_t cid = mlmd__q_col_i64(&q, 0);
				int added = mlmd__idset_add(cset, cid);
				if (added < 0 || (added && mlmd__push_i64(cids, ncids, cid))) {
					rc = -MLMD_RESOURCE_EXHAUSTED;
					break;
				}
				if ((rc = edge(ctx, k, w->ids[k][i], cid)))
					break;
			}
			mlmd__q_done(&q);
			if (rc > 0)
				rc = 0;
		}
	}
	if (!rc && *ncids > 1)
		qsort(*cids, *ncids, sizeof **cids, sort_ids_cmp);
	return rc;
}

int mlmd__lineage_parents(call *c, const int64_t *cids, size_t n, const mlmd__idset *cset,
			  int (*parent)(void *ctx, int64_t child, int64_t parent), void *ctx)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, "SELECT parent_id FROM parent_context WHERE child_id = ? ORDER BY parent_id")))
			break;
		mlmd__q_i64(&q, 1, cids[i]);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t par = mlmd__q_col_i64(&q, 0);
			if (mlmd__idset_has(cset, par) && (rc = parent(ctx, cids[i], par)))
				break;
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	return rc;
}

/* The struct answer's edge callbacks: attributions and associations (when
 * `fields` asks for them) and parent contexts as messages of `g`. */
typedef struct graph_fill {
	Mlmd__Pb__LineageGraph *g;
	int fields;
} graph_fill;

static int graph_edge(void *ctx, int k, int64_t node, int64_t cid)
{
	graph_fill *gf = ctx;
	Mlmd__Pb__LineageGraph *g = gf->g;
	if (!(gf->fields & (k == KIND_ARTIFACT ? F_ATTRIBUTIONS : F_ASSOCIATIONS)))
		return 0;
	if (k == KIND_ARTIFACT) {
		Mlmd__Pb__Attribution *a = mlmd__msg_new(&mlmd__pb__attribution__descriptor);
		if (!a || mlmd__push_ptr((void ***)&g->attributions, &g->n_attributions, a)) {
			free(a);
			return -MLMD_RESOURCE_EXHAUSTED;
		}
		a->has_artifact_id = a->has_context_id = 1;
		a->artifact_id = node;
		a->context_id = cid;
	} else {
		Mlmd__Pb__Association *a = mlmd__msg_new(&mlmd__pb__association__descriptor);
		if (!a || mlmd__push_ptr((void ***)&g->associations, &g->n_associations, a)) {
			free(a);
			return -MLMD_RESOURCE_EXHAUSTED;
		}
		a->has_execution_id = a->has_context_id = 1;
		a->execution_id = node;
		a->context_id = cid;
	}
	return 0;
}

static int graph_parent(void *ctx, int64_t child, int64_t par)
{
	Mlmd__Pb__LineageGraph *g = ctx;
	Mlmd__Pb__ParentContext *pc = mlmd__msg_new(&mlmd__pb__parent_context__descriptor);
	if (!pc || mlmd__push_ptr((void ***)&g->parent_contexts, &g->n_parent_contexts, pc)) {
		free(pc);
		return -MLMD_RESOURCE_EXHAUSTED;
	}
	pc->has_child_id = pc->has_parent_id = 1;
	pc->child_id = child;
	pc->parent_id = par;
	return 0;
}

/* Fills `g` with the walk's nodes (ids in id order) and what `fields` asks for. */
static int fill(call *c, const walker *w, int fields, Mlmd__Pb__LineageGraph *g)
{
	int rc = 0;
	int need_art = fields & (F_ARTIFACTS | F_ARTIFACT_TYPES);
	int need_exe = fields & (F_EXECUTIONS | F_EXECUTION_TYPES);
	/* the walk passes through tombstones and marks them as deleted */
	c->with_tombstones = 1;
	if (need_art && (rc = mlmd__node_load_ids(c, &mlmd__artifact_kind, w->ids[KIND_ARTIFACT], w->n[KIND_ARTIFACT], 0,
						  (void ***)&g->artifacts, &g->n_artifacts)))
		goto out;
	if (need_exe && (rc = mlmd__node_load_ids(c, &mlmd__execution_kind, w->ids[KIND_EXECUTION],
						  w->n[KIND_EXECUTION], 0, (void ***)&g->executions, &g->n_executions)))
		goto out;
	if (need_art && (rc = mlmd__dg_tombstone_mark(c, &mlmd__artifact_kind, (void **)g->artifacts, g->n_artifacts)))
		goto out;
	if (need_exe && (rc = mlmd__dg_tombstone_mark(c, &mlmd__execution_kind, (void **)g->executions, g->n_executions)))
		goto out;
out:
	c->with_tombstones = 0;
	if (rc)
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
			if ((rc = mlmd__q(c->sql, &q, events_of_artifacts[slot])))
				break;
			int pos = 1;
			mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
			rc = mlmd__events_read(c, &q, event_in_result, (void *)&w->in[KIND_EXECUTION], &g->events, &g->n_events);
		}
		if (rc)
			return rc;
	}
	if (!(fields & (F_CONTEXTS | F_CONTEXT_TYPES | F_ATTRIBUTIONS | F_ASSOCIATIONS | F_PARENT_CONTEXTS)))
		return 0;
	/* contexts of the result's nodes, with the edges that link them */
	mlmd__idset cset = { 0 };
	int64_t *cids = NULL;
	size_t ncids = 0;
	graph_fill gf = { g, fields };
	rc = mlmd__lineage_contexts(c, w, graph_edge, &gf, &cids, &ncids, &cset);
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
	if (!rc && (fields & F_PARENT_CONTEXTS))
		rc = mlmd__lineage_parents(c, cids, ncids, &cset, graph_parent, g);
	free(cids);
	free(cset.v);
	return rc;
}

static int finish(call *c, walker *w, int fields, Mlmd__Pb__LineageGraph **out, protobuf_c_boolean *has_partial,
		  protobuf_c_boolean *partial, char **reason)
{
	Mlmd__Pb__LineageGraph *g = mlmd__msg_new(&mlmd__pb__lineage_graph__descriptor);
	if (!g)
		return MLMD_OOM();
	*out = g; /* owned by the response from here on */
	int rc = fill(c, w, fields, g);
	if (rc)
		return rc;
	if (w->partial) {
		*has_partial = *partial = 1;
		if (w->reason && !(*reason = mlmd__strdup(w->reason)))
			return MLMD_OOM();
	}
	return 0;
}

int mlmd__lineage_subgraph_setup(call *c, const Mlmd__Pb__GetLineageSubgraphRequest *rq, mlmd__walk *w, int *fields,
				 int *start_kind, mlmd__walk_row_fn hydrate, void *ctx)
{
	mlmd__walk_init(w, c->sql);
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
	w->live_starts = c->s->schema_version >= 5;
	if (o->has_max_num_hops) {
		if (o->max_num_hops < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_num_hops must be >= 0, got %lld",
					  (long long)o->max_num_hops);
		if (o->max_num_hops < MLMD_WALK_MAX_HOPS)
			w->max_hops = o->max_num_hops;
	}
	switch (o->has_direction ? o->direction : 0) {
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM: w->dir = MLMD_WALK_UP; break;
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM: w->dir = MLMD_WALK_DOWN; break;
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__BIDIRECTIONAL:
	case MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DIRECTION_UNSPECIFIED: w->dir = MLMD_WALK_BOTH; break;
	default:
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "direction %d is not a Direction", (int)o->direction);
	}
	if (o->has_mlmd_max_nodes) {
		if (o->mlmd_max_nodes < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_max_nodes must be >= 0, got %lld",
					  (long long)o->mlmd_max_nodes);
		w->max_nodes = o->mlmd_max_nodes;
	}
	int rc;
	if ((rc = read_mask(rq->read_mask, fields)) ||
	    (rc = mlmd__walk_budget(w, o->has_mlmd_time_budget_ms ? o->mlmd_time_budget_ms : 0)))
		return rc;
	if (c->s->has_deadline)
		mlmd__walk_deadline(w, c->s->deadline_ns);
	const Mlmd__Pb__LineageSubgraphQueryOptions__EndingNodes *ends[2] = { o->ending_executions, o->ending_artifacts };
	for (int k = 0; k < 2 && !rc; k++) {
		if (!ends[k])
			continue;
		const char *name = k == KIND_ARTIFACT ? "ending_artifacts" : "ending_executions";
		if (!ends[k]->filter_query || !*ends[k]->filter_query)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s.filter_query must be set", name);
		else
			rc = mlmd__walk_stop(w, k, ends[k]->filter_query, name);
		w->include_ending[k] = ends[k]->has_include_ending_nodes && ends[k]->include_ending_nodes;
	}
	*start_kind = start;
	if (!rc && hydrate && c->s->schema_version >= MLMD_DG_SCHEMA_VERSION) { /* the tombstone columns */
		if (*fields & (F_ARTIFACTS | F_ARTIFACT_TYPES))
			w->hydrate[KIND_ARTIFACT] = hydrate;
		if (*fields & (F_EXECUTIONS | F_EXECUTION_TYPES))
			w->hydrate[KIND_EXECUTION] = hydrate;
		w->hydrate_ctx = ctx;
	}
	if (!rc)
		rc = mlmd__walk_start_query(w, start, query, field);
	return rc;
}

int mlmd__rpc_GetLineageSubgraph(call *c, const Mlmd__Pb__GetLineageSubgraphRequest *rq,
				 Mlmd__Pb__GetLineageSubgraphResponse *rs)
{
	walker w;
	int fields, start;
	int rc = mlmd__lineage_subgraph_setup(c, rq, &w, &fields, &start, NULL, NULL);
	if (!rc)
		rc = mlmd__walk_run(&w, start);
	if (!rc)
		rc = finish(c, &w, fields, &rs->lineage_subgraph, &rs->has_mlmd_partial, &rs->mlmd_partial,
			    &rs->mlmd_partial_reason);
	mlmd__walk_free(&w);
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
	mlmd__walk_init(&w, c->sql);
	w.dir = MLMD_WALK_BOTH;
	w.keep_matching = 1;
	w.max_nodes = o->has_max_node_size ? o->max_node_size : 20;
	const Mlmd__Pb__LineageGraphQueryOptions__BoundaryConstraint *sc = o->stop_conditions;
	if (sc && sc->has_max_num_hops) {
		if (sc->max_num_hops < 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "stop_conditions.max_num_hops must be >= 0, got %lld",
					  (long long)sc->max_num_hops);
		if (sc->max_num_hops < MLMD_WALK_MAX_HOPS)
			w.max_hops = sc->max_num_hops;
	}
	int rc = mlmd__walk_budget(&w, o->has_mlmd_time_budget_ms ? o->mlmd_time_budget_ms : 0);
	if (!rc && c->s->has_deadline)
		mlmd__walk_deadline(&w, c->s->deadline_ns);
	if (!rc && sc)
		rc = mlmd__walk_stop(&w, KIND_ARTIFACT, sc->boundary_artifacts, "stop_conditions.boundary_artifacts");
	if (!rc && sc)
		rc = mlmd__walk_stop(&w, KIND_EXECUTION, sc->boundary_executions, "stop_conditions.boundary_executions");
	/* the query nodes: one page of the artifact listing, as MLMD does */
	Mlmd__Pb__Artifact **arts = NULL;
	size_t narts = 0;
	char *tok = NULL;
	if (!rc)
		rc = mlmd__list_nodes(c, &mlmd__artifact_kind, o->artifacts_options, NULL, NULL, NULL, 0, (void ***)&arts,
				      &narts, &tok);
	for (size_t i = 0; i < narts; i++) {
		if (!rc) {
			int k = mlmd__walk_start_id(&w, KIND_ARTIFACT, arts[i]->id);
			if (k < 0)
				rc = k;
		}
		protobuf_c_message_free_unpacked(&arts[i]->base, NULL);
	}
	free(arts);
	free(tok);
	if (!rc && narts == 0)
		rc = mlmd__fail(MLMD_NOT_FOUND, "no artifacts match options.artifacts_options");
	if (!rc)
		rc = mlmd__walk_run(&w, KIND_ARTIFACT);
	if (!rc)
		rc = finish(c, &w, F_ALL, &rs->subgraph, &rs->has_mlmd_partial, &rs->mlmd_partial, &rs->mlmd_partial_reason);
	mlmd__walk_free(&w);
	return rc;
}


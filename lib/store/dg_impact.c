/*
 * store/dg_impact.c - impact analysis (proto/mlmd_governance.proto,
 * ImpactRequest): what is downstream of an artifact or an execution and
 * matters.
 *
 * A breadth-first walk down the events (store/dg_walk.c: one batched query
 * per hop and MLMD_IN_MAX nodes, through tombstones) records every node met
 * with its distance, up to max_nodes. The walked artifacts are then
 * classified in batches: model artifacts (of type Model, named by a
 * registry version's mlmd.artifact_id, or read by a ModelServing
 * execution), their versions and the aliases on those, the walked
 * ModelServing executions and their Deployment contexts. Memory is
 * proportional to the nodes walked (bounded by max_nodes).
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"
#include "reg.h"

#define IMPACT_MAX_NODES 1000000
#define MODEL_TYPE "Model"
#define SERVING_TYPE "ModelServing"
#define DEPLOYMENT_TYPE "Deployment"

typedef struct hit {
	int64_t id;
	int32_t dist;
} hit;

typedef struct hits {
	hit *v;
	size_t n;
} hits;

static void hits_free(hits *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static int hits_push(hits *h, int64_t id, int32_t dist)
{
	if (mlmd__grow((void **)&h->v, h->n, sizeof *h->v))
		return MLMD_OOM();
	h->v[h->n].id = id;
	h->v[h->n].dist = dist;
	h->n++;
	return 0;
}

static int cmp_hit_id(const void *a, const void *b)
{
	const hit *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_hit_dist(const void *a, const void *b)
{
	const hit *x = a, *y = b;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return cmp_hit_id(a, b);
}

/* The distance of `id` in h (sorted by id), or -1. */
static int32_t dist_of(const hits *h, int64_t id)
{
	hit key = { id, 0 };
	const hit *f = h->n ? bsearch(&key, h->v, h->n, sizeof *h->v, cmp_hit_id) : NULL;
	return f ? f->dist : -1;
}

/* ---- the walk --------------------------------------------------------------------------------- */

/* Walks down from (kind, id), recording each node met with its distance in
 * w[kind] (by table kind: KIND_EXECUTION 0, KIND_ARTIFACT 1), at most `max`
 * nodes; then sorts both by id. */
static int walk(call *c, int kind, int64_t id, int64_t max, hits w[2], int64_t *walked, int *truncated)
{
	mlmd__idset seen[2] = { { 0 }, { 0 } };
	int64_t *frontier = NULL;
	size_t nf = 0;
	int rc = 0;
	if (mlmd__idset_add(&seen[kind], id) < 0 || hits_push(&w[kind], id, 0) || mlmd__push_i64(&frontier, &nf, id))
		rc = MLMD_OOM();
	*walked = 1;
	int from = kind;
	for (int32_t d = 0; !rc && nf && !*truncated; d++) {
		int to = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
		int64_t *next = NULL;
		size_t nn = 0;
		rc = mlmd__dg_hop(c, from, 1, frontier, nf, &seen[to], &next, &nn);
		free(frontier);
		frontier = next;
		nf = nn;
		if (rc)
			break;
		if (nn > 1)
			qsort(next, nn, sizeof *next, mlmd__dg_cmp_i64); /* the same cut whatever the events' order */
		if ((int64_t)nn > max - *walked) {
			nf = nn = (size_t)(max - *walked);
			*truncated = 1;
		}
		for (size_t i = 0; i < nn && !rc; i++)
			rc = hits_push(&w[to], next[i], d + 1);
		*walked += (int64_t)nn;
		from = to;
	}
	free(frontier);
	free(seen[0].v);
	free(seen[1].v);
	for (int k = 0; k < 2; k++)
		if (w[k].n > 1)
			qsort(w[k].v, w[k].n, sizeof *w[k].v, cmp_hit_id);
	return rc;
}

/* ---- batched reads over id lists ------------------------------------------------------------ */

/* Runs one of the five `sqls` (MLMD_IN_SQL) over ids[0..n) in chunks,
 * calling row(ctx, q) for each row. */
static int each_row(call *c, const char *const sqls[5], const hit *ids, size_t n, int (*row)(void *ctx, sqlq *q),
		    void *ctx)
{
	int64_t chunk[MLMD_IN_MAX];
	for (size_t at = 0; at < n; at += MLMD_IN_MAX) {
		size_t m = n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX;
		for (size_t i = 0; i < m; i++)
			chunk[i] = ids[at + i].id;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		int rc = mlmd__q(c->sql, &q, sqls[slot]);
		if (rc)
			return rc;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, chunk, m, size);
		while ((rc = mlmd__q_step(&q)) == 1)
			if ((rc = row(ctx, &q)) < 0)
				break;
		mlmd__q_done(&q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- models ---------------------------------------------------------------------------------- */

static const char *const models_by_type[5] = MLMD_IN_SQL(
	"SELECT n.id FROM artifact n JOIN type t ON t.id = n.type_id WHERE t.name = '" MODEL_TYPE "' AND n.id IN (",
	")");
static const char *const models_by_version[5] = MLMD_IN_SQL(
	"SELECT p.int_value FROM context_property p JOIN context v ON v.id = p.node_id"
	" JOIN type t ON t.id = v.type_id AND t.kind = 2 AND t.name = '" MLMD_REG_VERSION_TYPE "'"
	" WHERE p.is_custom = 1 AND p.name = '" REG_P_ARTIFACT "' AND p.int_value IN (", ")");
static const char *const models_by_serving[5] = MLMD_IN_SQL(
	"SELECT e.artifact_id, e.type FROM event e JOIN execution x ON x.id = e.execution_id"
	" JOIN type t ON t.id = x.type_id WHERE t.name = '" SERVING_TYPE "' AND e.artifact_id IN (", ")");

typedef struct model_ctx {
	mlmd__idset set;
	int check_event;             /* the second column is an event type: inputs only */
} model_ctx;

static int model_row(void *p, sqlq *q)
{
	model_ctx *m = p;
	if (m->check_event && !mlmd__dg_event_is_input((int)mlmd__q_col_i64(q, 1)))
		return 0;
	return mlmd__idset_add(&m->set, mlmd__q_col_i64(q, 0)) < 0 ? MLMD_OOM() : 0;
}

/* The model artifacts among the walked ones, as hits sorted by distance,
 * then id. */
static int find_models(call *c, const hits *arts, hits *models)
{
	model_ctx m = { { 0 }, 0 };
	int rc = each_row(c, models_by_type, arts->v, arts->n, model_row, &m);
	if (!rc)
		rc = each_row(c, models_by_version, arts->v, arts->n, model_row, &m);
	m.check_event = 1;
	if (!rc)
		rc = each_row(c, models_by_serving, arts->v, arts->n, model_row, &m);
	for (size_t i = 0; i < arts->n && !rc; i++)
		if (mlmd__idset_has(&m.set, arts->v[i].id))
			rc = hits_push(models, arts->v[i].id, arts->v[i].dist);
	free(m.set.v);
	if (!rc && models->n > 1)
		qsort(models->v, models->n, sizeof *models->v, cmp_hit_dist);
	return rc;
}

/* ---- nodes as messages ---------------------------------------------------------------------- */

static const char *const node_rows[3][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("SELECT n.id, t.name, n.name, n.deleted_time FROM execution n"
				       " JOIN type t ON t.id = n.type_id WHERE n.id IN (", ")"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("SELECT n.id, t.name, n.name, n.deleted_time FROM artifact n"
				      " JOIN type t ON t.id = n.type_id WHERE n.id IN (", ")"),
	[KIND_CONTEXT] = MLMD_IN_SQL("SELECT n.id, t.name, n.name, n.deleted_time FROM context n"
				     " JOIN type t ON t.id = n.type_id WHERE n.id IN (", ")"),
};

typedef struct node_ctx {
	int kind;
	const hit *order;            /* the nodes, in the answer's order */
	size_t n;
	Mlmd__Pb__Governance__ImpactedNode **out; /* out[i] for order[i] */
} node_ctx;

static int node_row(void *p, sqlq *q)
{
	node_ctx *x = p;
	int64_t id = mlmd__q_col_i64(q, 0);
	for (size_t i = 0; i < x->n; i++) {
		if (x->order[i].id != id || x->out[i])
			continue;
		Mlmd__Pb__Governance__ImpactedNode *m = mlmd__msg_new(&mlmd__pb__governance__impacted_node__descriptor);
		if (!m)
			return MLMD_OOM();
		x->out[i] = m;
		m->has_kind = m->has_id = m->has_distance = m->has_deleted = 1;
		m->kind = (Mlmd__Pb__Governance__NodeKind)mlmd__dg_wire_kind(x->kind);
		m->id = id;
		m->distance = x->order[i].dist;
		m->deleted = !mlmd__q_isnull(q, 3);
		const char *type = mlmd__q_col_text(q, 1), *name = mlmd__q_col_text(q, 2);
		if ((type && !(m->type = mlmd__strdup(type))) || (name && !m->deleted && !(m->name = mlmd__strdup(name))))
			return MLMD_OOM();
		return 0;
	}
	return 0;
}

/* Appends the nodes of `nodes` (in that order) to arr as ImpactedNode. A
 * linear match per row: the lists here are the models, servings and
 * deployments, not the walk; each chunk matches within its own ids. */
static int node_messages(call *c, int kind, const hits *nodes, Mlmd__Pb__Governance__ImpactedNode ***arr,
			 size_t *n)
{
	if (!nodes->n)
		return 0;
	Mlmd__Pb__Governance__ImpactedNode **out = calloc(nodes->n, sizeof *out);
	if (!out)
		return MLMD_OOM();
	int rc = 0;
	for (size_t at = 0; at < nodes->n && !rc; at += MLMD_IN_MAX) {
		size_t m = nodes->n - at < MLMD_IN_MAX ? nodes->n - at : MLMD_IN_MAX;
		node_ctx x = { kind, nodes->v + at, m, out + at };
		rc = each_row(c, node_rows[kind], nodes->v + at, m, node_row, &x);
	}
	for (size_t i = 0; i < nodes->n; i++) {
		if (!rc && out[i] && mlmd__push_ptr((void ***)arr, n, out[i]))
			rc = MLMD_OOM();
		else if (rc && out[i])
			protobuf_c_message_free_unpacked(&out[i]->base, NULL);
	}
	free(out);
	return rc;
}

/* ---- servings and deployments ---------------------------------------------------------------- */

static const char *const servings_sql[5] = MLMD_IN_SQL(
	"SELECT n.id FROM execution n JOIN type t ON t.id = n.type_id WHERE t.name = '" SERVING_TYPE "' AND n.id IN (",
	")");
static const char *const deployments_sql[5] = MLMD_IN_SQL(
	"SELECT a.context_id, a.execution_id FROM association a JOIN context x ON x.id = a.context_id"
	" JOIN type t ON t.id = x.type_id WHERE t.name = '" DEPLOYMENT_TYPE "' AND a.execution_id IN (", ")");

typedef struct pick_ctx {
	const hits *from;            /* sorted by id: the distances */
	hits *out;
	int plus;                    /* added to the distance */
} pick_ctx;

/* Row (id, via): `id` at the distance of `via` (column 1, or id itself
 * when there is one column) plus ctx->plus. */
static int pick_row(void *p, sqlq *q)
{
	pick_ctx *x = p;
	int64_t id = mlmd__q_col_i64(q, 0);
	int64_t via = x->plus ? mlmd__q_col_i64(q, 1) : id;
	int32_t d = dist_of(x->from, via);
	return d < 0 ? 0 : hits_push(x->out, id, d + x->plus);
}

/* Keeps each id once, at its smallest distance; sorts by distance, id. */
static void dedupe_min(hits *h)
{
	if (h->n > 1)
		qsort(h->v, h->n, sizeof *h->v, cmp_hit_dist);
	mlmd__idset seen = { 0 };
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		int added = mlmd__idset_add(&seen, h->v[i].id);
		if (added != 0) /* new (or out of memory: keep it rather than lose it) */
			h->v[k++] = h->v[i];
	}
	h->n = k;
	free(seen.v);
}

/* ---- versions and aliases --------------------------------------------------------------------- */

static const char *const versions_sql[5] = MLMD_IN_SQL(
	"SELECT pa.int_value, pv.int_value, m.id, m.name FROM context_property pa"
	" JOIN context v ON v.id = pa.node_id"
	" JOIN type t ON t.id = v.type_id AND t.kind = 2 AND t.name = '" MLMD_REG_VERSION_TYPE "'"
	" JOIN context_property pv ON pv.node_id = v.id AND pv.is_custom = 1 AND pv.name = '" REG_P_VERSION "'"
	" JOIN parent_context pc ON pc.child_id = v.id JOIN context m ON m.id = pc.parent_id"
	" JOIN type mt ON mt.id = m.type_id AND mt.kind = 2 AND mt.name = '" MLMD_REG_MODEL_TYPE "'"
	" WHERE pa.is_custom = 1 AND pa.name = '" REG_P_ARTIFACT "' AND pa.int_value IN (", ")");

typedef struct version_ctx {
	const hits *models;          /* sorted by id */
	Mlmd__Pb__Governance__ImpactResponse *rs;
	int64_t *model_ids;          /* parallel to rs->versions */
} version_ctx;

static int version_row(void *p, sqlq *q)
{
	version_ctx *x = p;
	int32_t d = dist_of(x->models, mlmd__q_col_i64(q, 0));
	if (d < 0)
		return 0;
	Mlmd__Pb__Governance__ImpactedVersion *v = mlmd__msg_new(&mlmd__pb__governance__impacted_version__descriptor);
	if (!v)
		return MLMD_OOM();
	v->has_artifact_id = v->has_version = v->has_distance = 1;
	v->artifact_id = mlmd__q_col_i64(q, 0);
	v->version = mlmd__q_col_i64(q, 1);
	v->distance = d;
	size_t n = x->rs->n_versions;
	if (!(v->model_name = mlmd__strdup(mlmd__q_col_text(q, 3))) ||
	    mlmd__grow((void **)&x->model_ids, n, sizeof *x->model_ids) ||
	    mlmd__push_ptr((void ***)&x->rs->versions, &x->rs->n_versions, v)) {
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return MLMD_OOM();
	}
	x->model_ids[n] = mlmd__q_col_i64(q, 2);
	return 0;
}

typedef struct vkey {
	Mlmd__Pb__Governance__ImpactedVersion *v;
	int64_t model_id;
} vkey;

static int cmp_vkey(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__ImpactedVersion *x = ((const vkey *)a)->v, *y = ((const vkey *)b)->v;
	int s = strcmp(x->model_name, y->model_name);
	if (s)
		return s;
	return x->version < y->version ? -1 : x->version > y->version;
}

static int cmp_alias(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__ImpactedAlias *x = *(Mlmd__Pb__Governance__ImpactedAlias *const *)a,
						  *y = *(Mlmd__Pb__Governance__ImpactedAlias *const *)b;
	int s = strcmp(x->model_name, y->model_name);
	return s ? s : strcmp(x->alias, y->alias);
}

/* The versions naming the models, sorted by model name, version, and the
 * aliases on them (one indexed read per version), sorted by model name,
 * alias. */
static int versions_and_aliases(call *c, hits *models, Mlmd__Pb__Governance__ImpactResponse *rs)
{
	if (!models->n)
		return 0;
	qsort(models->v, models->n, sizeof *models->v, cmp_hit_id);
	version_ctx x = { models, rs, NULL };
	int rc = each_row(c, versions_sql, models->v, models->n, version_row, &x);
	qsort(models->v, models->n, sizeof *models->v, cmp_hit_dist); /* back to the answer's order */
	size_t nv = rs->n_versions;
	vkey *keys = nv ? malloc(nv * sizeof *keys) : NULL;
	if (!rc && nv && !keys)
		rc = MLMD_OOM();
	for (size_t i = 0; !rc && i < nv; i++)
		keys[i] = (vkey){ rs->versions[i], x.model_ids[i] };
	if (!rc && nv > 1)
		qsort(keys, nv, sizeof *keys, cmp_vkey);
	for (size_t i = 0; !rc && i < nv; i++)
		rs->versions[i] = keys[i].v;
	for (size_t i = 0; !rc && i < nv; i++) {
		const Mlmd__Pb__Governance__ImpactedVersion *v = keys[i].v;
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, "SELECT alias FROM alias WHERE model_id = ? AND version = ?")))
			break;
		mlmd__q_i64(&q, 1, keys[i].model_id);
		mlmd__q_i64(&q, 2, v->version);
		while ((rc = mlmd__q_step(&q)) == 1) {
			Mlmd__Pb__Governance__ImpactedAlias *a =
				mlmd__msg_new(&mlmd__pb__governance__impacted_alias__descriptor);
			if (!a) {
				rc = MLMD_OOM();
				break;
			}
			a->has_version = a->has_artifact_id = a->has_distance = 1;
			a->version = v->version;
			a->artifact_id = v->artifact_id;
			a->distance = v->distance;
			if (!(a->model_name = mlmd__strdup(v->model_name)) ||
			    !(a->alias = mlmd__strdup(mlmd__q_col_text(&q, 0))) ||
			    mlmd__push_ptr((void ***)&rs->aliases, &rs->n_aliases, a)) {
				protobuf_c_message_free_unpacked(&a->base, NULL);
				rc = MLMD_OOM();
				break;
			}
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	if (!rc && rs->n_aliases > 1)
		qsort(rs->aliases, rs->n_aliases, sizeof *rs->aliases, cmp_alias);
	free(keys);
	free(x.model_ids);
	return rc < 0 ? rc : 0;
}

/* ---- the RPC ---------------------------------------------------------------------------------- */

int mlmd__gov_Impact(call *c, const Mlmd__Pb__Governance__ImpactRequest *rq,
		     Mlmd__Pb__Governance__ImpactResponse *rs)
{
	int rc = mlmd__dg_need_schema(c, "Impact");
	if (rc)
		return rc;
	int wire = rq->has_kind ? (int)rq->kind : 0;
	if (wire != MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT && wire != MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "Impact: kind must be ARTIFACT or EXECUTION (got %d)", wire);
	int kind = mlmd__dg_kind(wire, "Impact");
	if (!rq->has_id || rq->id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "Impact: id must be a positive node id");
	if (rq->has_max_nodes && rq->max_nodes < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "Impact: max_nodes is negative (%d)", (int)rq->max_nodes);
	int64_t max = rq->has_max_nodes && rq->max_nodes > 0 ? rq->max_nodes : IMPACT_MAX_NODES;
	if ((rc = mlmd__dg_node_state(c, kind, rq->id)) < 0)
		return rc;
	hits w[2] = { { 0 }, { 0 } }, models = { 0 }, servings = { 0 }, deps = { 0 };
	int truncated = 0;
	int64_t walked = 0;
	rc = walk(c, kind, rq->id, max, w, &walked, &truncated);
	if (!rc)
		rc = find_models(c, &w[KIND_ARTIFACT], &models);
	if (!rc) {
		pick_ctx x = { &w[KIND_EXECUTION], &servings, 0 };
		rc = each_row(c, servings_sql, w[KIND_EXECUTION].v, w[KIND_EXECUTION].n, pick_row, &x);
		dedupe_min(&servings);
	}
	if (!rc) {
		if (servings.n > 1)
			qsort(servings.v, servings.n, sizeof *servings.v, cmp_hit_id);
		pick_ctx x = { &servings, &deps, 1 };
		rc = each_row(c, deployments_sql, servings.v, servings.n, pick_row, &x);
		dedupe_min(&deps);
		if (servings.n > 1)
			qsort(servings.v, servings.n, sizeof *servings.v, cmp_hit_dist);
	}
	if (!rc)
		rc = node_messages(c, KIND_ARTIFACT, &models, &rs->models, &rs->n_models);
	if (!rc)
		rc = versions_and_aliases(c, &models, rs);
	if (!rc)
		rc = node_messages(c, KIND_EXECUTION, &servings, &rs->serving, &rs->n_serving);
	if (!rc)
		rc = node_messages(c, KIND_CONTEXT, &deps, &rs->deployments, &rs->n_deployments);
	rs->has_nodes_walked = rs->has_truncated = 1;
	rs->nodes_walked = walked;
	rs->truncated = truncated;
	hits_free(&w[0]);
	hits_free(&w[1]);
	hits_free(&models);
	hits_free(&servings);
	hits_free(&deps);
	return rc;
}

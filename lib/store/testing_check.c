/*
 * store/testing_check.c - CheckLineage: one lineage assertion, and when it
 * does not hold, a text that shows expected against found (docs/testing.md,
 * "Assertions").
 *
 * UPSTREAM, DOWNSTREAM and NO_PATH search breadth first along events, one
 * node at a time, so every node found knows its distance and the node it was
 * reached from: the failure text can show the nearest nodes in order and the
 * shortest path to a node found too far away or in the other direction.
 * Hops count as MLMD's max_num_hops does: an artifact to an execution is one
 * hop, so an artifact two steps up the chain artifact -> (execution) ->
 * artifact is at 2 hops. Deleted nodes (tombstones) are not in the lineage.
 * GRAPH_EQUALS is store/testing_equals.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing_check.h"

/* ---- nodes as text ------------------------------------------------------------------------- */

static const char *const info_sql[3][2] = {
	[KIND_ARTIFACT] = { "SELECT n.name, t.name, n.state FROM artifact n JOIN type t ON t.id = n.type_id"
			    " WHERE n.id = ?",
			    "SELECT n.name, t.name, n.state FROM artifact n JOIN type t ON t.id = n.type_id"
			    " WHERE n.id = ? AND n.deleted_time IS NULL" },
	[KIND_EXECUTION] = { "SELECT n.name, t.name, n.state FROM execution n JOIN type t ON t.id = n.type_id"
			     " WHERE n.id = ?",
			     "SELECT n.name, t.name, n.state FROM execution n JOIN type t ON t.id = n.type_id"
			     " WHERE n.id = ? AND n.deleted_time IS NULL" },
	[KIND_CONTEXT] = { "SELECT n.name, t.name, NULL FROM context n JOIN type t ON t.id = n.type_id"
			   " WHERE n.id = ?",
			   "SELECT n.name, t.name, NULL FROM context n JOIN type t ON t.id = n.type_id"
			   " WHERE n.id = ? AND n.deleted_time IS NULL" },
};

const char *mlmd__tcheck_state_name(int state)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&mlmd__pb__execution__state__descriptor,
									   state);
	return v ? v->name : "?";
}

void mlmd__tcheck_put_node_parts(mlmd_buf *b, int kind, int64_t id, const char *name, const char *type, int has_state,
				 int state)
{
	if (kind == KIND_EXECUTION)
		mlmd__buf_puts(b, "(");
	if (name && name[0])
		mlmd__buf_puts(b, name);
	else
		mlmd__buf_printf(b, "#%" PRId64, id);
	mlmd__buf_printf(b, ":%s", type ? type : "?");
	if (kind == KIND_EXECUTION) {
		if (has_state)
			mlmd__buf_printf(b, " %s", mlmd__tcheck_state_name(state));
		mlmd__buf_puts(b, ")");
	}
}

int mlmd__tcheck_put_node(call *c, mlmd_buf *b, int kind, int64_t id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, info_sql[kind][MLMD_LIVE_ONLY(c) ? 1 : 0]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, id);
	rc = mlmd__q_step(&q);
	if (rc == 1)
		mlmd__tcheck_put_node_parts(b, kind, id, mlmd__q_col_text(&q, 0), mlmd__q_col_text(&q, 1),
					    !mlmd__q_isnull(&q, 2), (int)mlmd__q_col_i64(&q, 2));
	else if (rc == 0)
		mlmd__buf_printf(b, "#%" PRId64 ":?", id);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* ---- the breadth-first search --------------------------------------------------------------- */

/* The most nodes one search visits: a bound on the work (and memory) of an
 * assertion on a large store; a search it cuts says so in the failure. */
#define MAX_VISIT 100000
/* The most nodes a failure lists, and the longest path it shows whole. */
#define MAX_LIST 10
#define MAX_PATH 16

typedef struct snode {
	int kind;                    /* KIND_* */
	int64_t id;
	int64_t dist;                /* hops from the start */
	size_t parent;               /* index of the node it was reached from; SIZE_MAX: the start */
} snode;

typedef struct search {
	int up;                      /* 1: against the flow of data (upstream) */
	snode *v;                    /* in the order found: by distance */
	size_t n;
	mlmd__idset seen[2];
	int cut;                     /* MAX_VISIT stopped it */
} search;

static void search_free(search *s)
{
	free(s->v);
	free(s->seen[0].v);
	free(s->seen[1].v);
	memset(s, 0, sizeof *s);
}

static int search_add(search *s, int kind, int64_t id, int64_t dist, size_t parent)
{
	int added = mlmd__idset_add(&s->seen[kind], id);
	if (added <= 0)
		return added < 0 ? MLMD_OOM() : 0;
	if (mlmd__grow((void **)&s->v, s->n, sizeof *s->v))
		return MLMD_OOM();
	s->v[s->n++] = (snode){ kind, id, dist, parent };
	return 1;
}

/* The index of (kind, id) in the search, or SIZE_MAX. */
static size_t search_find(const search *s, int kind, int64_t id)
{
	if (!mlmd__idset_has(&s->seen[kind], id))
		return SIZE_MAX;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == kind && s->v[i].id == id)
			return i;
	return SIZE_MAX;
}

static const char *const from_artifact_sql =
	"SELECT execution_id, type FROM event WHERE artifact_id = ? ORDER BY execution_id, id";
static const char *const from_execution_sql =
	"SELECT artifact_id, type FROM event WHERE execution_id = ? ORDER BY artifact_id, id";

/* Whether every target (kind, id) pair is in the search. */
static int all_found(const search *s, const snode *targets, size_t nt)
{
	for (size_t i = 0; i < nt; i++)
		if (!mlmd__idset_has(&s->seen[targets[i].kind], targets[i].id))
			return 0;
	return 1;
}

/*
 * Searches from (kind, id), upstream when `up`, until every node of
 * targets[0..nt) is found (nt 0: until the lineage is exhausted) or
 * MAX_VISIT nodes are met. A search is filled even when it fails.
 */
static int search_run(call *c, search *s, int up, int kind, int64_t id, const snode *targets, size_t nt)
{
	s->up = up;
	int rc = search_add(s, kind, id, 0, SIZE_MAX);
	if (rc < 0)
		return rc;
	for (size_t at = 0; at < s->n; at++) {
		if (nt && all_found(s, targets, nt))
			return 0;
		snode cur = s->v[at];
		int to = cur.kind == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
		/* from an artifact, downstream follows its inputs and upstream
		 * the outputs that made it; from an execution the reverse */
		int want_input = (cur.kind == KIND_ARTIFACT) != up;
		sqlq q;
		rc = mlmd__q(c->sql, &q, cur.kind == KIND_ARTIFACT ? from_artifact_sql : from_execution_sql);
		if (rc)
			return rc;
		mlmd__q_i64(&q, 1, cur.id);
		int64_t *next = NULL;
		size_t nnext = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int t = (int)mlmd__q_col_i64(&q, 1);
			if (want_input ? !mlmd__event_is_input(t) : !mlmd__event_is_output(t))
				continue;
			if (mlmd__push_i64(&next, &nnext, mlmd__q_col_i64(&q, 0))) {
				rc = MLMD_OOM();
				break;
			}
		}
		mlmd__q_done(&q);
		/* existence is checked after the rows are read: one statement at a time */
		for (size_t i = 0; rc >= 0 && i < nnext; i++) {
			if (mlmd__idset_has(&s->seen[to], next[i]))
				continue;
			const node_kind *k = to == KIND_ARTIFACT ? &mlmd__artifact_kind : &mlmd__execution_kind;
			int live = mlmd__node_exists(c, k, next[i]);
			if (live < 0)
				rc = live;
			else if (live && s->n >= MAX_VISIT)
				s->cut = 1;
			else if (live)
				rc = search_add(s, to, next[i], cur.dist + 1, at);
		}
		free(next);
		if (rc < 0)
			return rc;
		if (s->cut)
			return 0;
	}
	return 0;
}

/* The path from the start to node i, in the direction data flows:
 * "raw:DataSet -> (clean:Transform) -> train:DataSet"; the middle of a
 * path longer than MAX_PATH nodes is shortened to "...". */
static int put_path(call *c, mlmd_buf *b, const search *s, size_t i)
{
	size_t len = 0, *chain = NULL;
	for (size_t j = i; j != SIZE_MAX; j = s->v[j].parent)
		len++;
	chain = malloc(len * sizeof *chain);
	if (!chain)
		return MLMD_OOM();
	/* chain[0] is the start; data flows from the start downstream, and
	 * into the start from upstream */
	size_t k = len;
	for (size_t j = i; j != SIZE_MAX; j = s->v[j].parent)
		chain[--k] = j;
	int rc = 0;
	for (size_t p = 0; p < len && !rc; p++) {
		size_t at = s->up ? len - 1 - p : p;
		if (len > MAX_PATH && p >= MAX_PATH / 2 && p < len - MAX_PATH / 2) {
			if (p == MAX_PATH / 2)
				mlmd__buf_printf(b, " -> ... (%zu more nodes)", len - MAX_PATH);
			continue;
		}
		if (p)
			mlmd__buf_puts(b, " -> ");
		rc = mlmd__tcheck_put_node(c, b, s->v[chain[at]].kind, s->v[chain[at]].id);
	}
	free(chain);
	return rc;
}

/* ---- the checks --------------------------------------------------------------------------------- */

/* A request's node reference as (KIND_*, id), checked to exist and be an
 * artifact or an execution (contexts have no lineage). */
static int lineage_node(call *c, const Mlmd__Pb__Testing__NodeRef *r, const char *field, snode *out)
{
	int rc = mlmd__tcheck_node(c, r, field, &out->kind, &out->id);
	if (rc)
		return rc;
	if (out->kind == KIND_CONTEXT)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: %s is context %" PRId64
				  ": contexts have no lineage (give an artifact or an execution)", field, out->id);
	return 0;
}

int mlmd__tcheck_node(call *c, const Mlmd__Pb__Testing__NodeRef *r, const char *field, int *kind, int64_t *id)
{
	if (!r || !r->has_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: %s is missing (a node: kind and id)", field);
	const node_kind *k;
	switch (r->has_kind ? r->kind : 0) {
	case MLMD__PB__TESTING__NODE_KIND__ARTIFACT:
		*kind = KIND_ARTIFACT, k = &mlmd__artifact_kind;
		break;
	case MLMD__PB__TESTING__NODE_KIND__EXECUTION:
		*kind = KIND_EXECUTION, k = &mlmd__execution_kind;
		break;
	case MLMD__PB__TESTING__NODE_KIND__CONTEXT:
		*kind = KIND_CONTEXT, k = &mlmd__context_kind;
		break;
	default:
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: %s has no kind (ARTIFACT, EXECUTION or CONTEXT)",
				  field);
	}
	*id = r->id;
	int live = mlmd__node_exists(c, k, r->id);
	if (live < 0)
		return live;
	if (!live)
		return mlmd__fail(MLMD_NOT_FOUND, "CheckLineage: %s: %s %" PRId64 " does not exist", field, k->what,
				  r->id);
	return 0;
}

static void put_hops(mlmd_buf *b, int64_t h)
{
	mlmd__buf_printf(b, "%" PRId64 " hop%s", h, h == 1 ? "" : "s");
}

/* UPSTREAM (up = 1) or DOWNSTREAM. */
static int check_reach(call *c, const Mlmd__Pb__Testing__CheckLineageRequest *rq, int up, mlmd_buf *fail)
{
	const char *dir = up ? "upstream" : "downstream", *other_dir = up ? "downstream" : "upstream";
	snode start;
	int rc = lineage_node(c, rq->node, "node", &start);
	if (rc)
		return rc;
	if (!rq->n_contains)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: %s needs at least one node in `contains`",
				  up ? "UPSTREAM" : "DOWNSTREAM");
	int64_t within = rq->has_within ? rq->within : 0;
	if (within < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: within is %" PRId64 "; give 0 (any distance) or"
				  " a number of hops", within);
	snode *want = calloc(rq->n_contains, sizeof *want);
	if (!want)
		return MLMD_OOM();
	char field[48];
	for (size_t i = 0; i < rq->n_contains && !rc; i++) {
		snprintf(field, sizeof field, "contains[%zu]", i);
		rc = lineage_node(c, rq->contains[i], field, &want[i]);
	}
	search s = { 0 }, back = { 0 };
	if (!rc)
		rc = search_run(c, &s, up, start.kind, start.id, want, rq->n_contains);
	int holds = 1;
	for (size_t i = 0; !rc && i < rq->n_contains; i++) {
		size_t at = search_find(&s, want[i].kind, want[i].id);
		if (at == SIZE_MAX || at == 0 || (within && s.v[at].dist > within))
			holds = 0;
	}
	if (rc || holds)
		goto done;
	/* expected */
	mlmd__buf_printf(fail, "expected %s of ", dir);
	rc = mlmd__tcheck_put_node(c, fail, start.kind, start.id);
	if (within) {
		mlmd__buf_puts(fail, " within ");
		put_hops(fail, within);
	}
	mlmd__buf_puts(fail, ":");
	for (size_t i = 0; !rc && i < rq->n_contains; i++) {
		mlmd__buf_puts(fail, i ? ", " : " ");
		rc = mlmd__tcheck_put_node(c, fail, want[i].kind, want[i].id);
	}
	/* found: the nearest nodes, within the bound */
	mlmd__buf_printf(fail, "\nfound %s", dir);
	if (within) {
		mlmd__buf_puts(fail, " within ");
		put_hops(fail, within);
	}
	size_t shown = 0, total = 0;
	for (size_t i = 1; i < s.n; i++)
		if (!within || s.v[i].dist <= within)
			total++;
	if (!total)
		mlmd__buf_puts(fail, ": nothing");
	else
		mlmd__buf_puts(fail, " (nearest first):");
	for (size_t i = 1; !rc && i < s.n && shown < MAX_LIST; i++) {
		if (within && s.v[i].dist > within)
			continue;
		mlmd__buf_puts(fail, shown ? ", " : " ");
		rc = mlmd__tcheck_put_node(c, fail, s.v[i].kind, s.v[i].id);
		shown++;
	}
	if (total > shown)
		mlmd__buf_printf(fail, ", and %zu more", total - shown);
	if (s.cut)
		mlmd__buf_printf(fail, " (the search stopped after %d nodes)", MAX_VISIT);
	/* each missing node: where it is instead */
	int back_done = 0;
	for (size_t i = 0; !rc && i < rq->n_contains; i++) {
		size_t at = search_find(&s, want[i].kind, want[i].id);
		if (at != SIZE_MAX && at != 0 && (!within || s.v[at].dist <= within))
			continue;
		mlmd__buf_puts(fail, "\nmissing ");
		rc = mlmd__tcheck_put_node(c, fail, want[i].kind, want[i].id);
		if (rc)
			break;
		if (at == 0) {
			mlmd__buf_puts(fail, ": that is the node itself");
			continue;
		}
		if (at != SIZE_MAX) {
			mlmd__buf_printf(fail, ": %s at ", dir);
			put_hops(fail, s.v[at].dist);
			mlmd__buf_printf(fail, ", beyond %" PRId64 ": ", within);
			rc = put_path(c, fail, &s, at);
			continue;
		}
		if (!back_done) {
			rc = search_run(c, &back, !up, start.kind, start.id, want, rq->n_contains);
			back_done = 1;
			if (rc)
				break;
		}
		size_t bat = search_find(&back, want[i].kind, want[i].id);
		if (bat != SIZE_MAX) {
			mlmd__buf_printf(fail, ": not %s; %s at ", dir, other_dir);
			put_hops(fail, back.v[bat].dist);
			mlmd__buf_puts(fail, ": ");
			rc = put_path(c, fail, &back, bat);
		} else {
			mlmd__buf_puts(fail, ": no path to or from ");
			rc = mlmd__tcheck_put_node(c, fail, start.kind, start.id);
		}
	}
done:
	search_free(&s);
	search_free(&back);
	free(want);
	return rc < 0 ? rc : !holds;
}

static int check_no_path(call *c, const Mlmd__Pb__Testing__CheckLineageRequest *rq, mlmd_buf *fail)
{
	snode from, to;
	int rc = lineage_node(c, rq->node, "node", &from);
	if (!rc)
		rc = lineage_node(c, rq->other, "other", &to);
	if (rc)
		return rc;
	if (from.kind == to.kind && from.id == to.id) {
		mlmd__buf_puts(fail, "expected no path from ");
		rc = mlmd__tcheck_put_node(c, fail, from.kind, from.id);
		mlmd__buf_puts(fail, " to itself: they are the same node");
		return rc ? rc : 1;
	}
	search s = { 0 };
	rc = search_run(c, &s, 0, from.kind, from.id, &to, 1);
	size_t at = rc ? SIZE_MAX : search_find(&s, to.kind, to.id);
	if (!rc && at != SIZE_MAX) {
		mlmd__buf_puts(fail, "expected no path from ");
		rc = mlmd__tcheck_put_node(c, fail, from.kind, from.id);
		mlmd__buf_puts(fail, " to ");
		if (!rc)
			rc = mlmd__tcheck_put_node(c, fail, to.kind, to.id);
		mlmd__buf_puts(fail, ", found one at ");
		put_hops(fail, s.v[at].dist);
		mlmd__buf_puts(fail, ": ");
		if (!rc)
			rc = put_path(c, fail, &s, at);
	}
	search_free(&s);
	return rc < 0 ? rc : at != SIZE_MAX;
}

static const char *const producers_sql =
	"SELECT e.execution_id, e.type, x.name, t.name, x.state FROM event e JOIN execution x ON x.id = e.execution_id"
	" JOIN type t ON t.id = x.type_id WHERE e.artifact_id = ? ORDER BY e.execution_id, e.id";
static const char *const producers_live_sql =
	"SELECT e.execution_id, e.type, x.name, t.name, x.state FROM event e JOIN execution x ON x.id = e.execution_id"
	" JOIN type t ON t.id = x.type_id WHERE e.artifact_id = ? AND x.deleted_time IS NULL"
	" ORDER BY e.execution_id, e.id";

static int check_produced_by(call *c, const Mlmd__Pb__Testing__CheckLineageRequest *rq, mlmd_buf *fail)
{
	snode a;
	int rc = lineage_node(c, rq->node, "node", &a);
	if (rc)
		return rc;
	if (a.kind != KIND_ARTIFACT)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: PRODUCED_BY needs an artifact as `node`, got"
				  " execution %" PRId64, a.id);
	if (!rq->execution_type || !rq->execution_type[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: PRODUCED_BY needs `execution_type`");
	sqlq q;
	rc = mlmd__q(c->sql, &q, MLMD_LIVE_ONLY(c) ? producers_live_sql : producers_sql);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, a.id);
	int holds = 0;
	size_t n = 0;
	int64_t last = -1;
	mlmd_buf found = { 0 };
	while ((rc = mlmd__q_step(&q)) == 1) {
		int64_t x = mlmd__q_col_i64(&q, 0);
		if (!mlmd__event_is_output((int)mlmd__q_col_i64(&q, 1)) || x == last)
			continue;
		last = x;
		const char *type = mlmd__q_col_text(&q, 3);
		int has_state = !mlmd__q_isnull(&q, 4), state = (int)mlmd__q_col_i64(&q, 4);
		if (type && !strcmp(type, rq->execution_type) &&
		    (!rq->has_state || (has_state && state == (int)rq->state)))
			holds = 1;
		mlmd__buf_puts(&found, n++ ? ", " : "");
		mlmd__tcheck_put_node_parts(&found, KIND_EXECUTION, x, mlmd__q_col_text(&q, 2), type, has_state,
					    state);
	}
	mlmd__q_done(&q);
	if (rc >= 0 && !holds) {
		mlmd__buf_puts(fail, "expected ");
		rc = mlmd__tcheck_put_node(c, fail, KIND_ARTIFACT, a.id);
		mlmd__buf_printf(fail, " produced by a %s execution", rq->execution_type);
		if (rq->has_state)
			mlmd__buf_printf(fail, " in state %s", mlmd__tcheck_state_name(rq->state));
		if (n)
			mlmd__buf_printf(fail, "; produced by %s", found.p);
		else
			mlmd__buf_puts(fail, "; no execution has it as an OUTPUT");
	}
	if (found.oom)
		rc = MLMD_OOM();
	mlmd__buf_free(&found);
	return rc < 0 ? rc : !holds;
}

int mlmd__testing_CheckLineage(call *c, const Mlmd__Pb__Testing__CheckLineageRequest *rq,
			       Mlmd__Pb__Testing__CheckLineageResponse *rs)
{
	mlmd_buf fail = { 0 };
	int rc;
	switch (rq->has_check ? rq->check : 0) {
	case MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__UPSTREAM:
		rc = check_reach(c, rq, 1, &fail);
		break;
	case MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__DOWNSTREAM:
		rc = check_reach(c, rq, 0, &fail);
		break;
	case MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__NO_PATH:
		rc = check_no_path(c, rq, &fail);
		break;
	case MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__PRODUCED_BY:
		rc = check_produced_by(c, rq, &fail);
		break;
	case MLMD__PB__TESTING__CHECK_LINEAGE_REQUEST__CHECK__GRAPH_EQUALS:
		rc = mlmd__tcheck_graph_equals(c, rq->text, &fail);
		break;
	default:
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "CheckLineage: check is %s; give UPSTREAM, DOWNSTREAM, NO_PATH,"
				" PRODUCED_BY or GRAPH_EQUALS", rq->has_check ? "unknown" : "missing");
	}
	if (rc >= 0 && fail.oom)
		rc = MLMD_OOM();
	if (rc < 0) {
		mlmd__buf_free(&fail);
		return rc;
	}
	rs->has_holds = 1;
	rs->holds = rc == 0;
	if (rc) {
		rs->failure = fail.p; /* NUL-terminated; the response owns it now */
	} else {
		mlmd__buf_free(&fail);
	}
	return 0;
}

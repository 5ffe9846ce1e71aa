/*
 * openlineage/export_store.c - mlmd_openlineage_export: every execution of
 * a store as run events, in one read transaction.
 *
 * The reads are batched so that the cost grows with the store, not with
 * round trips per execution: executions come a page (100) at a time by id;
 * each page's events come in one GetEventsByExecutionIDs and the artifacts
 * they name in one GetArtifactsByID. The contexts are read once, by id.
 * The parent run of an execution is its associated context with the
 * smallest id; which one that is comes from GetContextsByExecution while
 * fewer executions than contexts have been exported, and after that from
 * a map built once from GetExecutionsByContext over every context, so the
 * number of association queries stays within twice the smaller of the two
 * counts.
 */
#include <stdlib.h>
#include <string.h>
#include "openlineage/export.h"

#define PAGE 100

typedef struct pair {
	int64_t exec_id, ctx_id;
} pair;

typedef struct exporter {
	olx x;
	mlmd_openlineage_sink sink;
	void *user;
	size_t count;
	/* every context, by id */
	void **ctx_pages;              /* the GetContextsResponse pages holding them */
	size_t n_ctx_pages;
	Mlmd__Pb__Context **ctx;
	size_t n_ctx;
	/* execution -> its smallest context id, once built */
	pair *map;
	size_t n_map;
	int have_map;
	size_t exported;               /* executions done so far */
} exporter;

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	if (x->exec_id != y->exec_id)
		return x->exec_id < y->exec_id ? -1 : 1;
	return x->ctx_id < y->ctx_id ? -1 : x->ctx_id > y->ctx_id;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static Mlmd__Pb__ListOperationOptions__OrderByField by_id(void)
{
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = ob.has_is_asc = 1;
	ob.field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID;
	ob.is_asc = 1;
	return ob;
}

/* Reads every context, in id order. */
static int read_contexts(exporter *xp)
{
	Mlmd__Pb__ListOperationOptions__OrderByField ob = by_id();
	char *token = NULL;
	int rc = 0;
	for (;;) {
		Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		lo.has_max_result_size = 1;
		lo.max_result_size = PAGE;
		lo.order_by_field = &ob;
		lo.next_page_token = token;
		Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__GetContextsResponse *rs = NULL;
		rq.options = &lo;
		if ((rc = mlmd_store_get_contexts(xp->x.store, &rq, &rs)))
			break;
		if (mlmd__push_ptr(&xp->ctx_pages, &xp->n_ctx_pages, rs)) {
			mlmd_message_free(rs);
			rc = MLMD_OOM();
			break;
		}
		for (size_t i = 0; i < rs->n_contexts && !rc; i++)
			if (mlmd__push_ptr((void ***)&xp->ctx, &xp->n_ctx, rs->contexts[i]))
				rc = MLMD_OOM();
		free(token);
		token = NULL;
		if (rc || !rs->n_contexts || !rs->next_page_token || !rs->next_page_token[0])
			break;
		if (!(token = mlmd__strdup(rs->next_page_token))) {
			rc = MLMD_OOM();
			break;
		}
	}
	free(token);
	return rc;
}

static const Mlmd__Pb__Context *find_context(const exporter *xp, int64_t id)
{
	size_t lo = 0, hi = xp->n_ctx;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (xp->ctx[mid]->id < id)
			lo = mid + 1;
		else if (xp->ctx[mid]->id > id)
			hi = mid;
		else
			return xp->ctx[mid];
	}
	return NULL;
}

/* The map of every association: execution -> smallest context id. */
static int build_map(exporter *xp)
{
	Mlmd__Pb__ListOperationOptions__OrderByField ob = by_id();
	int rc = 0;
	for (size_t c = 0; c < xp->n_ctx && !rc; c++) {
		char *token = NULL;
		for (;;) {
			Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
			lo.has_max_result_size = 1;
			lo.max_result_size = PAGE;
			lo.order_by_field = &ob;
			lo.next_page_token = token;
			Mlmd__Pb__GetExecutionsByContextRequest rq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
			Mlmd__Pb__GetExecutionsByContextResponse *rs = NULL;
			rq.has_context_id = 1;
			rq.context_id = xp->ctx[c]->id;
			rq.options = &lo;
			if ((rc = mlmd_store_get_executions_by_context(xp->x.store, &rq, &rs)))
				break;
			for (size_t i = 0; i < rs->n_executions && !rc; i++) {
				if (mlmd__grow((void **)&xp->map, xp->n_map, sizeof *xp->map))
					rc = MLMD_OOM();
				else
					xp->map[xp->n_map++] = (pair){ rs->executions[i]->id, xp->ctx[c]->id };
			}
			free(token);
			token = NULL;
			if (!rc && rs->n_executions && rs->next_page_token && rs->next_page_token[0] &&
				!(token = mlmd__strdup(rs->next_page_token)))
				rc = MLMD_OOM();
			mlmd_message_free(rs);
			if (rc || !token)
				break;
		}
		free(token);
	}
	if (rc)
		return rc;
	if (xp->n_map > 1)
		qsort(xp->map, xp->n_map, sizeof *xp->map, cmp_pair);
	xp->have_map = 1;
	return 0;
}

/* The parent context of execution `id`, or NULL. */
static int parent_of(exporter *xp, int64_t id, const Mlmd__Pb__Context **out)
{
	*out = NULL;
	if (!xp->n_ctx)
		return 0;
	if (!xp->have_map && xp->exported >= xp->n_ctx) {
		int rc = build_map(xp);
		if (rc)
			return rc;
	}
	if (xp->have_map) {
		/* the first pair of this execution has its smallest context id */
		size_t lo = 0, hi = xp->n_map;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (xp->map[mid].exec_id < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < xp->n_map && xp->map[lo].exec_id == id)
			*out = find_context(xp, xp->map[lo].ctx_id);
		return 0;
	}
	Mlmd__Pb__GetContextsByExecutionRequest rq = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__GetContextsByExecutionResponse *rs = NULL;
	rq.has_execution_id = 1;
	rq.execution_id = id;
	int rc = mlmd_store_get_contexts_by_execution(xp->x.store, &rq, &rs);
	if (rc)
		return rc;
	int64_t best = 0;
	for (size_t i = 0; i < rs->n_contexts; i++)
		if (i == 0 || rs->contexts[i]->id < best)
			best = rs->contexts[i]->id;
	if (rs->n_contexts)
		*out = find_context(xp, best);
	mlmd_message_free(rs);
	return 0;
}

/* One page of executions: their events and artifacts in one call each. */
static int export_page(exporter *xp, Mlmd__Pb__Execution **execs, size_t n)
{
	int64_t ids[PAGE];
	for (size_t i = 0; i < n; i++)
		ids[i] = execs[i]->id;
	Mlmd__Pb__GetEventsByExecutionIDsRequest vq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *vs = NULL;
	Mlmd__Pb__GetArtifactsByIDResponse *as = NULL;
	Mlmd__Pb__Event **evs = NULL;
	int64_t *aids = NULL;
	vq.n_execution_ids = n;
	vq.execution_ids = ids;
	int rc = mlmd_store_get_events_by_execution_ids(xp->x.store, &vq, &vs);
	if (rc)
		return rc;
	/* the events by execution (then artifact), and the distinct artifacts they name */
	size_t ne = vs->n_events, na = 0;
	if (ne && (!(evs = malloc(ne * sizeof *evs)) || !(aids = malloc(ne * sizeof *aids)))) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < ne; i++) {
		evs[i] = vs->events[i];
		aids[i] = vs->events[i]->artifact_id;
	}
	if (ne > 1)
		qsort(aids, ne, sizeof *aids, cmp_i64);
	for (size_t i = 0; i < ne; i++)
		if (!na || aids[na - 1] != aids[i])
			aids[na++] = aids[i];
	for (size_t i = 1; i < ne; i++) { /* insertion by execution id: stable, pages are small */
		Mlmd__Pb__Event *e = evs[i];
		size_t j = i;
		while (j > 0 && evs[j - 1]->execution_id > e->execution_id) {
			evs[j] = evs[j - 1];
			j--;
		}
		evs[j] = e;
	}
	if (na) {
		Mlmd__Pb__GetArtifactsByIDRequest aq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		aq.n_artifact_ids = na;
		aq.artifact_ids = aids;
		if ((rc = mlmd_store_get_artifacts_by_id(xp->x.store, &aq, &as)))
			goto out;
		if (as->n_artifacts > 1)
			qsort(as->artifacts, as->n_artifacts, sizeof *as->artifacts, mlmd__olx_cmp_artifact);
	}
	size_t e0 = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		/* this execution's events: the run starting at e0 (events come only for the page's ids) */
		while (e0 < ne && evs[e0]->execution_id < execs[i]->id)
			e0++;
		size_t e1 = e0;
		while (e1 < ne && evs[e1]->execution_id == execs[i]->id)
			e1++;
		olx_exec d = { execs[i], evs ? evs + e0 : NULL, e1 - e0, as ? as->artifacts : NULL, as ? as->n_artifacts : 0,
			       NULL };
		if (!(rc = parent_of(xp, execs[i]->id, &d.parent)))
			rc = mlmd__olx_emit(&xp->x, &d, xp->sink, xp->user, &xp->count);
		xp->exported++;
		e0 = e1;
	}
out:
	free(evs);
	free(aids);
	mlmd_message_free(vs);
	mlmd_message_free(as);
	return rc;
}

static int export_all(exporter *xp, int64_t since_ms)
{
	Mlmd__Pb__ListOperationOptions__OrderByField ob = by_id();
	char filter[80];
	if (since_ms)
		mlmd__snprintf(filter, sizeof filter, "last_update_time_since_epoch >= %lld", (long long)since_ms);
	char *token = NULL;
	int rc = 0;
	for (;;) {
		Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		lo.has_max_result_size = 1;
		lo.max_result_size = PAGE;
		lo.order_by_field = &ob;
		lo.next_page_token = token;
		lo.filter_query = since_ms ? filter : NULL;
		Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsResponse *rs = NULL;
		rq.options = &lo;
		if ((rc = mlmd_store_get_executions(xp->x.store, &rq, &rs)))
			break;
		size_t n = rs->n_executions < PAGE ? rs->n_executions : PAGE;
		rc = export_page(xp, rs->executions, n);
		free(token);
		token = NULL;
		if (!rc && n && rs->next_page_token && rs->next_page_token[0] && !(token = mlmd__strdup(rs->next_page_token)))
			rc = MLMD_OOM();
		mlmd_message_free(rs);
		if (rc || !token)
			break;
	}
	free(token);
	return rc;
}

int mlmd_openlineage_export(mlmd_store *store, const mlmd_openlineage_options *opts, mlmd_openlineage_sink sink,
			    void *user, size_t *n_events)
{
	if (n_events)
		*n_events = 0;
	if (!store || !sink)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_export: store and sink are required");
	if (opts && opts->version >= 1 && opts->since_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_export: since_ms is %lld; it must be 0 (all) "
			"or a time in ms since the epoch", (long long)opts->since_ms);
	exporter xp;
	memset(&xp, 0, sizeof xp);
	xp.sink = sink;
	xp.user = user;
	/* one snapshot; inside the caller's transaction (begin refuses to nest), that one */
	int rc = mlmd_store_begin(store, 0), own = rc == 0;
	if (rc && rc != -MLMD_FAILED_PRECONDITION)
		return rc;
	rc = mlmd__olx_init(&xp.x, store, opts);
	if (!rc)
		rc = read_contexts(&xp);
	if (!rc)
		rc = export_all(&xp, opts ? opts->since_ms : 0);
	if (own)
		mlmd_store_rollback(store); /* a read: nothing to keep */
	for (size_t i = 0; i < xp.n_ctx_pages; i++)
		mlmd_message_free(xp.ctx_pages[i]);
	free(xp.ctx_pages);
	free(xp.ctx);
	free(xp.map);
	mlmd__olx_free(&xp.x);
	if (n_events)
		*n_events = xp.count;
	return rc;
}

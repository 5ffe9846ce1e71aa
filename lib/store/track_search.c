/*
 * store/track_search.c - SearchRuns: MLflow's search syntax, compiled by
 * query/runs.c into SQL over the run executions, then each run's message.
 * Pages are offsets into the ordered result (page_token is the decimal
 * offset this call handed out as next_page_token).
 */
#include <stdlib.h>
#include <string.h>
#include "track.h"

#define MAX_RESULTS 50000 /* MLflow's limit */

static int parse_token(const char *t, int64_t *offset)
{
	*offset = 0;
	if (!t || !*t)
		return 0;
	int64_t v = 0;
	for (const char *p = t; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "page_token '%.40s' is not one SearchRuns handed out (next_page_token)", t);
		v = v * 10 + (*p - '0');
	}
	*offset = v;
	return 0;
}

int mlmd__track_SearchRuns(call *c, const Mlmd__Pb__Tracking__SearchRunsRequest *rq,
			   Mlmd__Pb__Tracking__SearchRunsResponse *rs)
{
	int64_t limit = rq->has_max_results ? rq->max_results : 1000, offset = 0;
	if (limit < 1 || limit > MAX_RESULTS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_results %lld: it must be 1..%d", (long long)limit,
				  MAX_RESULTS);
	int rc = parse_token(rq->page_token, &offset);
	if (rc)
		return rc;
	mlmd_buf sql = { 0 };
	mlmd__args args = { 0 };
	/* one more than asked: whether another page follows */
	if ((rc = mlmd__runs_compile(rq->filter, (const char *const *)rq->order_by, rq->n_order_by,
				     (const char *const *)rq->experiment_names, rq->n_experiment_names, limit + 1, offset,
				     &sql, &args)))
		return rc;
	sqlq q;
	int64_t *ids = NULL;
	size_t n = 0;
	if (!(rc = mlmd__q_dyn(c->sql, &q, sql.p))) {
		int pos = 1;
		mlmd__args_bind(&args, &q, &pos);
		rc = mlmd__q_ids(&q, &ids, &n);
	}
	mlmd__buf_free(&sql);
	mlmd__runs_args_free(&args);
	if (!rc && n > (size_t)limit) {
		char tok[32];
		mlmd__snprintf(tok, sizeof tok, "%lld", (long long)(offset + limit));
		n = (size_t)limit;
		if (!(rs->next_page_token = mlmd__strdup(tok)))
			rc = MLMD_OOM();
	}
	if (!rc && n && !(rs->runs = calloc(n, sizeof *rs->runs)))
		rc = MLMD_OOM();
	for (size_t i = 0; i < n && !rc; i++) {
		Mlmd__Pb__Execution *e;
		if ((rc = mlmd__track_run_load(c, 1, ids[i], 0, &e)))
			break;
		rc = mlmd__track_run_message(c, e, &rs->runs[i]);
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (!rc)
			rs->n_runs = i + 1;
	}
	free(ids);
	return rc;
}

/*
 * render/report_sections.c - the store at a glance (its types with their
 * node counts) and the experiments' runs (parameters, latest metrics,
 * metric charts drawn by mlmd_chart_svg), from the public API: MLMD's
 * listing calls and mlmd/tracking.h's read-backs.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define MAX_POINTS 400          /* points per charted series, after thinning */

bool mlmd__rp_has_type(const rp_ctx *c, int kind, const char *name)
{
	if (kind == 0 && c->at) {
		for (size_t i = 0; i < c->at->n_artifact_types; i++)
			if (c->at->artifact_types[i]->name && !strcmp(c->at->artifact_types[i]->name, name))
				return true;
	} else if (kind == 1 && c->et) {
		for (size_t i = 0; i < c->et->n_execution_types; i++)
			if (c->et->execution_types[i]->name && !strcmp(c->et->execution_types[i]->name, name))
				return true;
	} else if (kind == 2 && c->ct) {
		for (size_t i = 0; i < c->ct->n_context_types; i++)
			if (c->ct->context_types[i]->name && !strcmp(c->ct->context_types[i]->name, name))
				return true;
	}
	return false;
}

int64_t mlmd__rp_prop_int(const void *node, int custom, const char *name, int64_t dflt)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, custom, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? v->int_value : dflt;
}

double mlmd__rp_prop_double(const void *node, int custom, const char *name, double dflt)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, custom, name);
	if (v && v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE)
		return v->double_value;
	return v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? (double)v->int_value : dflt;
}

const char *mlmd__rp_prop_str(const void *node, int custom, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, custom, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

int mlmd__rp_prop_bool(const void *node, int custom, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, custom, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE ? (v->bool_value ? 1 : 0) : -1;
}

/* ---- at a glance ------------------------------------------------------------------------- */

/* Counts the nodes of one type by paging through them, up to
 * RP_TYPE_COUNT_CAP: *more when there are others. */
static int count_nodes(mlmd_store *s, int kind, const char *name, const char *version, int64_t *count, bool *more)
{
	char *token = NULL;
	int rc = 0;
	*count = 0;
	*more = false;
	for (;;) {
		Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		lo.has_max_result_size = 1;
		lo.max_result_size = 100;
		lo.next_page_token = token;
		size_t got = 0;
		const char *next = NULL;
		void *resp = NULL;
		if (kind == 0) {
			Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsByTypeResponse *rs;
			rq.type_name = (char *)name;
			rq.type_version = (char *)version;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_artifacts_by_type(s, &rq, &rs)))
				resp = rs, got = rs->n_artifacts, next = rs->next_page_token;
		} else if (kind == 1) {
			Mlmd__Pb__GetExecutionsByTypeRequest rq = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
			Mlmd__Pb__GetExecutionsByTypeResponse *rs;
			rq.type_name = (char *)name;
			rq.type_version = (char *)version;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_executions_by_type(s, &rq, &rs)))
				resp = rs, got = rs->n_executions, next = rs->next_page_token;
		} else {
			Mlmd__Pb__GetContextsByTypeRequest rq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
			Mlmd__Pb__GetContextsByTypeResponse *rs;
			rq.type_name = (char *)name;
			rq.type_version = (char *)version;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_contexts_by_type(s, &rq, &rs)))
				resp = rs, got = rs->n_contexts, next = rs->next_page_token;
		}
		free(token);
		token = NULL;
		if (rc)
			break;
		*count += (int64_t)got;
		bool again = next && next[0] && got;
		if (again && *count >= RP_TYPE_COUNT_CAP) {
			*more = true;
			again = false;
		}
		if (again && !(token = mlmd__strdup(next)))
			rc = MLMD_OOM();
		mlmd_message_free(resp);
		if (!token)
			break;
	}
	free(token);
	return rc;
}

int mlmd__rp_section_glance(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	size_t n[3] = { c->at->n_artifact_types, c->et->n_execution_types, c->ct->n_context_types };
	int64_t totals[3] = { 0, 0, 0 };
	bool capped[3] = { false, false, false };
	mlmd_buf rows = { 0 };
	int rc = 0;
	static const char *const heads[] = { "artifact type", "execution type", "context type" };
	for (int kind = 0; kind < 3 && !rc; kind++) {
		if (n[kind])
			mlmd__rp_printf(&rows, "<table class=\"types\"><thead><tr><th>%s</th><th class=\"num\">nodes</th></tr></thead>"
				  "<tbody>\n", heads[kind]);
		for (size_t i = 0; i < n[kind] && !rc; i++) {
			const char *name = kind == 0 ? c->at->artifact_types[i]->name : kind == 1 ?
				c->et->execution_types[i]->name : c->ct->context_types[i]->name;
			const char *ver = kind == 0 ? c->at->artifact_types[i]->version : kind == 1 ?
				c->et->execution_types[i]->version : c->ct->context_types[i]->version;
			if (i == RP_MAX_TYPES) {
				mlmd__rp_printf(&rows, "<tr><td colspan=\"2\" class=\"note\">%zu more types not shown</td></tr>\n",
					  n[kind] - i);
				capped[kind] = true; /* the total counts only the types listed */
				break;
			}
			int64_t count;
			bool more;
			if ((rc = count_nodes(c->store, kind, name, ver && ver[0] ? ver : NULL, &count, &more)))
				break;
			totals[kind] += count;
			capped[kind] |= more;
			mlmd__buf_puts(&rows, "<tr><td>");
			mlmd__rp_html(&rows, name);
			if (ver && ver[0]) {
				mlmd__buf_puts(&rows, " <span class=\"dim\">v");
				mlmd__rp_html(&rows, ver);
				mlmd__buf_puts(&rows, "</span>");
			}
			mlmd__rp_printf(&rows, "</td><td class=\"num\">%lld%s</td></tr>\n", (long long)count, more ? "+" : "");
		}
		if (n[kind])
			mlmd__buf_puts(&rows, "</tbody></table>\n");
	}
	if (!rc) {
		mlmd__buf_puts(b, "<section id=\"glance\"><h2>The store at a glance</h2>\n<div class=\"glance\"><div class=\"cards\">");
		static const char *const plural[] = { "artifacts", "executions", "contexts" };
		for (int kind = 0; kind < 3; kind++)
			mlmd__rp_printf(b, "<div class=\"card\"><div class=\"big\">%lld%s</div>%s</div>", (long long)totals[kind],
				  capped[kind] ? "+" : "", plural[kind]);
		mlmd__rp_printf(b, "<div class=\"card\"><div class=\"big\">%zu</div>types</div></div>\n", n[0] + n[1] + n[2]);
		if (n[0] + n[1] + n[2] == 0)
			mlmd__buf_puts(b, "<p class=\"empty\">The store holds no types yet.</p>\n");
		else {
			if (rows.p)
				mlmd__buf_put(b, rows.p, rows.len);
		}
		mlmd__buf_puts(b, "</div>\n");
		if (capped[0] || capped[1] || capped[2])
			mlmd__rp_printf(b, "<p class=\"note\">Counts stop at %d nodes per type (shown as N+).</p>\n",
				  RP_TYPE_COUNT_CAP);
		mlmd__buf_puts(b, "</section>\n");
	}
	if (rows.oom)
		b->oom = 1;
	mlmd__buf_free(&rows);
	return rc;
}

/* ---- runs -------------------------------------------------------------------------------- */

static const char *status_name(mlmd_run_status s)
{
	switch (s) {
	case MLMD_RUN_RUNNING: return "RUNNING";
	case MLMD_RUN_COMPLETE: return "COMPLETE";
	case MLMD_RUN_FAILED: return "FAILED";
	case MLMD_RUN_CANCELED: return "CANCELED";
	default: return "UNKNOWN";
	}
}

/* Sorted, unique keys (borrowed) of the runs' params (which 0) or metrics (1). */
static int keys_of(mlmd_run_info *const *runs, size_t n, int which, const char ***out, size_t *nk)
{
	size_t cap = 0;
	for (size_t i = 0; i < n; i++)
		cap += which ? runs[i]->n_metrics : runs[i]->n_params;
	const char **k = calloc(cap + 1, sizeof *k);
	if (!k)
		return MLMD_OOM();
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < (which ? runs[i]->n_metrics : runs[i]->n_params); j++)
			k[m++] = which ? runs[i]->metrics[j].key : runs[i]->params[j].key;
	/* insertion sort with dropping repeats: key counts are small next to the runs' data */
	size_t u = 0;
	for (size_t i = 0; i < m; i++) {
		const char *s = k[i] ? k[i] : "";
		size_t at = u;
		while (at > 0 && strcmp(k[at - 1], s) > 0)
			at--;
		if (at > 0 && !strcmp(k[at - 1], s))
			continue;
		memmove(k + at + 1, k + at, (u - at) * sizeof *k);
		k[at] = s;
		u++;
	}
	*out = k;
	*nk = u;
	return 0;
}

static void param_text(mlmd_buf *b, const mlmd_param *p)
{
	char t[64];
	if (p->kind == MLMD_VALUE_INT)
		mlmd__rp_printf(b, "%lld", (long long)p->int_value);
	else if (p->kind == MLMD_VALUE_DOUBLE)
		mlmd__rp_html(b, mlmd__rp_num(t, sizeof t, p->double_value, 0));
	else
		mlmd__rp_html_cut(b, p->string_value, 40);
}

/* Thins a series to at most MAX_POINTS: the lowest and highest point of
 * each of MAX_POINTS / 2 runs of consecutive points, in order. */
static size_t thin(const mlmd_metric_history *h, double *x, double *y)
{
	if (h->n <= MAX_POINTS) {
		for (size_t i = 0; i < h->n; i++)
			x[i] = (double)h->steps[i], y[i] = h->values[i];
		return h->n;
	}
	size_t k = 0, buckets = MAX_POINTS / 2;
	for (size_t bk = 0; bk < buckets; bk++) {
		size_t a = h->n * bk / buckets, z = h->n * (bk + 1) / buckets, lo = SIZE_MAX, hi = SIZE_MAX;
		for (size_t i = a; i < z; i++) {
			if (isnan(h->values[i]))
				continue;
			if (lo == SIZE_MAX || h->values[i] < h->values[lo])
				lo = i;
			if (hi == SIZE_MAX || h->values[i] > h->values[hi])
				hi = i;
		}
		if (lo == SIZE_MAX)
			lo = hi = a; /* only NaN: one gap */
		size_t first = lo < hi ? lo : hi, second = lo < hi ? hi : lo;
		x[k] = (double)h->steps[first], y[k++] = h->values[first];
		if (second != first)
			x[k] = (double)h->steps[second], y[k++] = h->values[second];
	}
	return k;
}

/* One chart: metric `key` of up to RP_MAX_SERIES runs that logged it. */
static int metric_chart(rp_ctx *c, mlmd_run_info *const *runs, size_t n, const char *key)
{
	mlmd_chart_series sr[RP_MAX_SERIES];
	double *xs[RP_MAX_SERIES], *ys[RP_MAX_SERIES];
	mlmd_buf labels[RP_MAX_SERIES];
	size_t ns = 0;
	int rc = 0;
	memset(labels, 0, sizeof labels);
	for (size_t i = 0; i < n && ns < RP_MAX_SERIES && !rc; i++) {
		if (!mlmd_run_info_metric(runs[i], key))
			continue;
		mlmd_metric_history *h;
		if ((rc = mlmd_metric_history_get(&h, c->store, runs[i]->id, key)))
			break;
		xs[ns] = malloc((h->n < MAX_POINTS ? h->n : MAX_POINTS) * sizeof(double) + sizeof(double));
		ys[ns] = malloc((h->n < MAX_POINTS ? h->n : MAX_POINTS) * sizeof(double) + sizeof(double));
		if (!xs[ns] || !ys[ns]) {
			free(xs[ns]);
			free(ys[ns]);
			mlmd_metric_history_free(h);
			rc = MLMD_OOM();
			break;
		}
		size_t np = thin(h, xs[ns], ys[ns]);
		mlmd_metric_history_free(h);
		const char *name = runs[i]->name ? runs[i]->name : "";
		mlmd__rp_utf8(&labels[ns], name, strlen(name), true);
		mlmd__rp_printf(&labels[ns], " #%lld", (long long)runs[i]->id);
		mlmd__buf_put(&labels[ns], "", 1);
		sr[ns] = (mlmd_chart_series){ labels[ns].oom ? "?" : labels[ns].p, xs[ns], ys[ns], np };
		ns++;
	}
	mlmd_buf title = { 0 };
	mlmd__rp_utf8(&title, key, strlen(key), true);
	mlmd__buf_put(&title, "", 1);
	char *svg = NULL;
	if (!rc) {
		mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
		o.title = title.oom ? "?" : title.p;
		o.y_label = o.title;
		o.width = 520;
		o.height = 300;
		rc = mlmd_chart_svg(sr, ns, &o, &svg);
	}
	if (!rc) {
		const char *p = svg;
		if (!strncmp(p, "<?xml", 5) && strchr(p, '\n'))
			p = strchr(p, '\n') + 1; /* the XML declaration has no place inside HTML */
		mlmd__buf_puts(&c->page, "<figure class=\"chart\">");
		mlmd__buf_puts(&c->page, p);
		mlmd__buf_puts(&c->page, "</figure>\n");
	}
	mlmd_buffer_free(svg);
	mlmd__buf_free(&title);
	for (size_t i = 0; i < ns; i++) {
		free(xs[i]);
		free(ys[i]);
		mlmd__buf_free(&labels[i]);
	}
	return rc;
}

static int one_experiment(rp_ctx *c, const Mlmd__Pb__Context *x, size_t *runs_left)
{
	mlmd_buf *b = &c->page;
	Mlmd__Pb__ListOperationOptions lo;
	Mlmd__Pb__ListOperationOptions__OrderByField ob;
	mlmd__rp_newest_first(&lo, &ob,
			      (int32_t)(*runs_left < RP_MAX_RUNS_PER_EXPERIMENT ? *runs_left : RP_MAX_RUNS_PER_EXPERIMENT));
	Mlmd__Pb__GetExecutionsByContextRequest rq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	rq.has_context_id = 1;
	rq.context_id = x->id;
	rq.options = &lo;
	Mlmd__Pb__GetExecutionsByContextResponse *rs;
	int rc = mlmd_store_get_executions_by_context(c->store, &rq, &rs);
	if (rc)
		return rc;
	mlmd_run_info **runs = calloc(rs->n_executions + 1, sizeof *runs);
	const char **pk = NULL, **mk = NULL;
	size_t n = 0, npk = 0, nmk = 0;
	if (!runs)
		rc = MLMD_OOM();
	for (size_t i = 0; i < rs->n_executions && !rc; i++)
		if (!(rc = mlmd_run_info_get(&runs[n], c->store, rs->executions[i]->id)))
			n++;
	*runs_left -= n;
	if (!rc)
		rc = keys_of(runs, n, 0, &pk, &npk);
	if (!rc)
		rc = keys_of(runs, n, 1, &mk, &nmk);
	if (!rc) {
		mlmd__buf_puts(b, "<h3>Experiment ");
		mlmd__rp_html(b, x->name);
		mlmd__rp_printf(b, " <span class=\"dim\">context #%lld</span></h3>\n", (long long)x->id);
		if (rs->next_page_token && rs->next_page_token[0])
			mlmd__rp_printf(b, "<p class=\"note\">The newest %zu runs; the experiment has more.</p>\n", n);
	}
	if (!rc && !n)
		mlmd__buf_puts(b, "<p class=\"empty\">No runs.</p>\n");
	if (!rc && n) {
		size_t cp = npk < RP_MAX_COLUMNS ? npk : RP_MAX_COLUMNS, cm = nmk < RP_MAX_COLUMNS ? nmk : RP_MAX_COLUMNS;
		mlmd__buf_puts(b, "<div class=\"scroll\"><table class=\"runs\"><thead><tr><th>run</th><th>name</th>"
			       "<th>status</th><th>start</th><th>end</th>");
		for (size_t k = 0; k < cp; k++) {
			mlmd__buf_puts(b, "<th class=\"param\">params.");
			mlmd__rp_html_cut(b, pk[k], 30);
			mlmd__buf_puts(b, "</th>");
		}
		for (size_t k = 0; k < cm; k++) {
			mlmd__buf_puts(b, "<th class=\"metric\">metrics.");
			mlmd__rp_html_cut(b, mk[k], 30);
			mlmd__buf_puts(b, "</th>");
		}
		mlmd__buf_puts(b, "</tr></thead><tbody>\n");
		for (size_t i = 0; i < n; i++) {
			const mlmd_run_info *r = runs[i];
			char t1[32], t2[32], num[64];
			mlmd__rp_printf(b, "<tr data-run=\"%lld\"><td class=\"num\">%lld</td><td>", (long long)r->id, (long long)r->id);
			mlmd__rp_html_cut(b, r->name, 40);
			mlmd__rp_printf(b, "</td><td class=\"st %s\">%s</td><td>%s</td><td>%s</td>", status_name(r->status),
				  status_name(r->status), mlmd__rp_time(t1, sizeof t1, r->start_time),
				  mlmd__rp_time(t2, sizeof t2, r->end_time));
			for (size_t k = 0; k < cp; k++) {
				const mlmd_param *p = mlmd_run_info_param(r, pk[k]);
				mlmd__buf_puts(b, "<td>");
				if (p)
					param_text(b, p);
				mlmd__buf_puts(b, "</td>");
			}
			for (size_t k = 0; k < cm; k++) {
				const mlmd_metric_point *m = mlmd_run_info_metric(r, mk[k]);
				mlmd__rp_printf(b, "<td class=\"num\">%s</td>", m ? mlmd__rp_num(num, sizeof num, m->value, 6) : "");
			}
			mlmd__buf_puts(b, "</tr>\n");
		}
		mlmd__buf_puts(b, "</tbody></table></div>\n");
		if (npk > cp || nmk > cm)
			mlmd__rp_printf(b, "<p class=\"note\">%zu parameters and %zu metrics; the first %d of each (by name) are "
				  "shown.</p>\n", npk, nmk, RP_MAX_COLUMNS);
		if (nmk)
			mlmd__buf_puts(b, "<div class=\"charts\">\n");
		for (size_t k = 0; k < nmk && k < RP_MAX_CHARTS && !rc; k++)
			rc = metric_chart(c, runs, n, mk[k]);
		if (nmk)
			mlmd__buf_puts(b, "</div>\n");
		if (nmk > RP_MAX_CHARTS)
			mlmd__rp_printf(b, "<p class=\"note\">Charts of the first %d metrics (by name).</p>\n", RP_MAX_CHARTS);
	}
	for (size_t i = 0; runs && i < n; i++)
		mlmd_run_info_free(runs[i]);
	free(runs);
	free(pk);
	free(mk);
	mlmd_message_free(rs);
	return rc;
}

int mlmd__rp_section_runs(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	mlmd__buf_puts(b, "<section id=\"runs\"><h2>Experiments and runs</h2>\n");
	if (!mlmd__rp_has_type(c, 2, "mlmd.Experiment")) {
		mlmd__buf_puts(b, "<p class=\"empty\">No experiment tracked (mlmd/tracking.h, the Python package's "
			       "start_run) in this store.</p>\n</section>\n");
		return 0;
	}
	Mlmd__Pb__ListOperationOptions lo;
	Mlmd__Pb__ListOperationOptions__OrderByField ob;
	mlmd__rp_newest_first(&lo, &ob, RP_MAX_EXPERIMENTS);
	Mlmd__Pb__GetContextsByTypeRequest rq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	rq.type_name = "mlmd.Experiment";
	rq.options = &lo;
	Mlmd__Pb__GetContextsByTypeResponse *rs;
	int rc = mlmd_store_get_contexts_by_type(c->store, &rq, &rs);
	if (rc)
		return rc;
	if (!rs->n_contexts)
		mlmd__buf_puts(b, "<p class=\"empty\">No experiment.</p>\n");
	else
		mlmd__rp_printf(b, "<p>The newest experiments first, each with its newest runs: at most %d experiments, %d runs "
			  "each, %d runs in all.</p>\n", RP_MAX_EXPERIMENTS, RP_MAX_RUNS_PER_EXPERIMENT, RP_MAX_RUNS);
	size_t left = RP_MAX_RUNS;
	for (size_t i = 0; i < rs->n_contexts && !rc && left; i++)
		rc = one_experiment(c, rs->contexts[i], &left);
	if (!rc && rs->next_page_token && rs->next_page_token[0])
		mlmd__rp_printf(b, "<p class=\"note\">Older experiments are not shown.</p>\n");
	mlmd__buf_puts(b, "</section>\n");
	mlmd_message_free(rs);
	return rc;
}

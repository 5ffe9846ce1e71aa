/*
 * render/report_registry.c - the registry (models, versions, aliases,
 * policies, open requests, the alias history) through mlmd/registry.h, and
 * serving: the ModelServing executions' statistics (the properties
 * lib/serving/record.c writes) and the drift windows (mlmd.DriftWindow
 * artifacts, docs/monitoring.md).
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "util/pbutil.h"

/* ---- the registry --------------------------------------------------------------------------- */

static void tags_html(mlmd_buf *b, const mlmd_tag *t, size_t n)
{
	for (size_t i = 0; i < n && i < 8; i++) {
		mlmd__buf_puts(b, "<span class=\"tag\">");
		mlmd__rp_html_cut(b, t[i].key, 24);
		mlmd__buf_puts(b, "=");
		mlmd__rp_html_cut(b, t[i].value, 24);
		mlmd__buf_puts(b, "</span> ");
	}
	if (n > 8)
		mlmd__rp_printf(b, "<span class=\"dim\">+%zu</span>", n - 8);
}

static void moves_html(mlmd_buf *b, const mlmd_alias_move *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		mlmd__buf_puts(b, i ? ", " : "");
		mlmd__rp_html(b, m[i].alias);
		if (m[i].version)
			mlmd__rp_printf(b, " \xE2\x86\x92 v%lld", (long long)m[i].version);
		else
			mlmd__buf_puts(b, " removed");
	}
}

static int one_model(rp_ctx *c, const char *name)
{
	mlmd_buf *b = &c->page;
	mlmd_registered_model *m;
	mlmd_alias_history *h = NULL;
	int rc = mlmd_registry_get_model(&m, c->store, name);
	if (rc)
		return rc;
	if ((rc = mlmd_registry_history(&h, c->store, name, NULL))) {
		mlmd_registered_model_free(m);
		return rc;
	}
	char t[32];
	mlmd__buf_puts(b, "<div class=\"model\"><h3>");
	mlmd__rp_html(b, m->name);
	mlmd__rp_printf(b, " <span class=\"dim\">%lld version%s</span></h3>\n", (long long)m->n_versions,
		  m->n_versions == 1 ? "" : "s");
	if (m->description && m->description[0]) {
		mlmd__buf_puts(b, "<p>");
		mlmd__rp_html(b, m->description);
		mlmd__buf_puts(b, "</p>\n");
	}
	mlmd__buf_puts(b, "<p>Aliases: ");
	if (!m->n_aliases)
		mlmd__buf_puts(b, "none");
	for (size_t i = 0; i < m->n_aliases; i++) {
		mlmd__buf_puts(b, "<span class=\"alias\">");
		mlmd__rp_html(b, m->aliases[i].alias);
		mlmd__rp_printf(b, "</span> \xE2\x86\x92 v%lld ", (long long)m->aliases[i].version);
	}
	for (size_t i = 0; i < m->n_policies; i++) {
		const mlmd_alias_policy *p = &m->policies[i];
		mlmd__buf_puts(b, i ? "; " : ". Policies: ");
		mlmd__rp_html(b, p->alias);
		mlmd__rp_printf(b, " needs %lld approval%s", (long long)p->approvals, p->approvals == 1 ? "" : "s");
		for (size_t k = 0; k < p->n_require; k++) {
			mlmd__buf_puts(b, k ? ", " : " and ");
			mlmd__rp_html(b, p->require[k].key);
			mlmd__buf_puts(b, "=");
			mlmd__rp_html(b, p->require[k].value);
		}
	}
	mlmd__buf_puts(b, "</p>\n<table><thead><tr><th>version</th><th>aliases</th><th>artifact</th><th>run</th>"
		       "<th>created</th><th>by</th><th>tags</th></tr></thead><tbody>\n");
	for (size_t k = 0; k < m->n_versions && k < RP_MAX_VERSIONS; k++) {
		const mlmd_registry_version *v = &m->versions[m->n_versions - 1 - k]; /* newest first */
		mlmd__rp_printf(b, "<tr><td class=\"num\">%lld</td><td>", (long long)v->version);
		for (size_t i = 0; i < v->n_aliases; i++) {
			mlmd__buf_puts(b, "<span class=\"alias\">");
			mlmd__rp_html(b, v->aliases[i]);
			mlmd__buf_puts(b, "</span> ");
		}
		mlmd__rp_printf(b, "</td><td><a href=\"#node=a%lld\" class=\"nodelink\">#%lld</a></td><td>", (long long)v->artifact_id,
			  (long long)v->artifact_id);
		if (v->run_id)
			mlmd__rp_printf(b, "#%lld", (long long)v->run_id);
		mlmd__rp_printf(b, "</td><td>%s</td><td>", mlmd__rp_time(t, sizeof t, v->create_time_ms));
		mlmd__rp_html(b, v->creator);
		mlmd__buf_puts(b, "</td><td>");
		tags_html(b, v->tags, v->n_tags);
		mlmd__buf_puts(b, "</td></tr>\n");
	}
	mlmd__buf_puts(b, "</tbody></table>\n");
	if (m->n_versions > RP_MAX_VERSIONS)
		mlmd__rp_printf(b, "<p class=\"note\">The newest %d of %zu versions.</p>\n", RP_MAX_VERSIONS, m->n_versions);
	mlmd__buf_puts(b, "<h4>Open requests</h4>\n");
	if (!m->n_open_requests)
		mlmd__buf_puts(b, "<p class=\"empty\">None pending.</p>\n");
	else
		mlmd__buf_puts(b, "<table><thead><tr><th>request</th><th>moves</th><th>by</th><th>approvals</th>"
			       "<th>since</th><th>comment</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < m->n_open_requests; i++) {
		const mlmd_alias_request *r = &m->open_requests[i];
		mlmd__rp_printf(b, "<tr><td class=\"num\">%lld</td><td>", (long long)r->request_id);
		moves_html(b, r->moves, r->n_moves);
		mlmd__buf_puts(b, "</td><td>");
		mlmd__rp_html(b, r->requester);
		mlmd__rp_printf(b, "</td><td>%lld of %lld</td><td>%s</td><td>", (long long)r->approvals_count,
			  (long long)r->approvals_needed, mlmd__rp_time(t, sizeof t, r->create_time_ms));
		mlmd__rp_html_cut(b, r->comment, 80);
		mlmd__buf_puts(b, "</td></tr>\n");
	}
	if (m->n_open_requests)
		mlmd__buf_puts(b, "</tbody></table>\n");
	mlmd__buf_puts(b, "<h4>Alias history</h4>\n");
	if (!h->n)
		mlmd__buf_puts(b, "<p class=\"empty\">No alias has moved.</p>\n");
	else
		mlmd__buf_puts(b, "<table><thead><tr><th>when</th><th>alias</th><th>from</th><th>to</th><th>by</th>"
			       "<th>request</th><th>approved by</th></tr></thead><tbody>\n");
	for (size_t k = 0; k < h->n && k < RP_MAX_HISTORY; k++) {
		const mlmd_alias_history_entry *e = &h->entries[h->n - 1 - k]; /* newest first */
		mlmd__rp_printf(b, "<tr><td>%s</td><td><span class=\"alias\">", mlmd__rp_time(t, sizeof t, e->time_ms));
		mlmd__rp_html(b, e->alias);
		mlmd__buf_puts(b, "</span></td><td>");
		if (e->old_version)
			mlmd__rp_printf(b, "v%lld", (long long)e->old_version);
		else
			mlmd__buf_puts(b, "-");
		mlmd__buf_puts(b, "</td><td>");
		if (e->new_version)
			mlmd__rp_printf(b, "v%lld", (long long)e->new_version);
		else
			mlmd__buf_puts(b, "removed");
		mlmd__buf_puts(b, "</td><td>");
		mlmd__rp_html(b, e->actor);
		mlmd__buf_puts(b, "</td><td>");
		if (e->request_id)
			mlmd__rp_printf(b, "#%lld", (long long)e->request_id);
		mlmd__buf_puts(b, "</td><td>");
		for (size_t i = 0; i < e->n_approvers; i++) {
			mlmd__buf_puts(b, i ? ", " : "");
			mlmd__rp_html(b, e->approvers[i]);
		}
		mlmd__buf_puts(b, "</td></tr>\n");
	}
	if (h->n)
		mlmd__buf_puts(b, "</tbody></table>\n");
	if (h->n > RP_MAX_HISTORY)
		mlmd__rp_printf(b, "<p class=\"note\">The newest %d of %zu moves.</p>\n", RP_MAX_HISTORY, h->n);
	mlmd__buf_puts(b, "</div>\n");
	mlmd_alias_history_free(h);
	mlmd_registered_model_free(m);
	return 0;
}

int mlmd__rp_section_registry(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	mlmd__buf_puts(b, "<section id=\"registry\"><h2>Model registry</h2>\n");
	if (!mlmd__rp_has_type(c, 2, "mlmd.RegisteredModel")) {
		mlmd__buf_puts(b, "<p class=\"empty\">No registered model in this store.</p>\n</section>\n");
		return 0;
	}
	mlmd_registered_model_list *l;
	int rc = mlmd_registry_list_models(&l, c->store);
	if (rc)
		return rc;
	if (!l->n)
		mlmd__buf_puts(b, "<p class=\"empty\">No registered model in this store.</p>\n");
	for (size_t i = 0; i < l->n && i < RP_MAX_MODELS && !rc; i++)
		rc = one_model(c, l->models[i].name);
	if (!rc && l->n > RP_MAX_MODELS)
		mlmd__rp_printf(b, "<p class=\"note\">The first %d of %zu models (by name).</p>\n", RP_MAX_MODELS, l->n);
	mlmd__buf_puts(b, "</section>\n");
	mlmd_registered_model_list_free(l);
	return rc;
}

/* ---- serving ------------------------------------------------------------------------------------ */

/* The newest nodes of a type, newest first: GetExecutionsByType (kind 1)
 * or GetArtifactsByType (0) with max nodes. *out is the response. */
static int newest(mlmd_store *s, int kind, const char *type, int max, void **out)
{
	Mlmd__Pb__ListOperationOptions lo;
	Mlmd__Pb__ListOperationOptions__OrderByField ob;
	mlmd__rp_newest_first(&lo, &ob, max);
	if (kind == 1) {
		Mlmd__Pb__GetExecutionsByTypeRequest rq = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
		rq.type_name = (char *)type;
		rq.options = &lo;
		return mlmd_store_get_executions_by_type(s, &rq, (Mlmd__Pb__GetExecutionsByTypeResponse **)out);
	}
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	rq.type_name = (char *)type;
	rq.options = &lo;
	return mlmd_store_get_artifacts_by_type(s, &rq, (Mlmd__Pb__GetArtifactsByTypeResponse **)out);
}

static const char *state_name(const Mlmd__Pb__Execution *e)
{
	return mlmd__execution_state_name(e->has_last_known_state ? e->last_known_state : 0);
}

static void num_cell(mlmd_buf *b, const void *node, const char *prop, int digits)
{
	char t[64];
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 0, prop);
	if (v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		mlmd__rp_printf(b, "<td class=\"num\">%lld</td>", (long long)v->int_value);
	else if (v && v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE)
		mlmd__rp_printf(b, "<td class=\"num\">%s</td>", mlmd__rp_num(t, sizeof t, v->double_value, digits));
	else
		mlmd__buf_puts(b, "<td></td>");
}

static void serving_table(mlmd_buf *b, const Mlmd__Pb__GetExecutionsByTypeResponse *rs)
{
	mlmd__buf_puts(b, "<div class=\"scroll\"><table class=\"serving\"><thead><tr><th>execution</th><th>state</th>"
		       "<th>deployment</th><th>model</th><th class=\"num\">rows</th><th class=\"num\">calls</th>"
		       "<th class=\"num\">errors</th><th class=\"num\">p50 &micro;s</th><th class=\"num\">p99 &micro;s</th>"
		       "<th class=\"num\">max &micro;s</th><th>verified</th><th>gate</th><th>updated</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < rs->n_executions; i++) {
		const Mlmd__Pb__Execution *e = rs->executions[i];
		char t[32];
		mlmd__rp_printf(b, "<tr><td><a href=\"#node=e%lld\" class=\"nodelink\">#%lld</a></td><td>%s</td><td>",
			  (long long)e->id, (long long)e->id, state_name(e));
		mlmd__rp_html_cut(b, mlmd__rp_prop_str(e, 0, "deployment"), 30);
		mlmd__buf_puts(b, "</td><td>");
		const char *model = mlmd__rp_prop_str(e, 1, "mlmd.model"), *alias = mlmd__rp_prop_str(e, 1, "mlmd.model_alias");
		if (model) {
			mlmd__rp_html_cut(b, model, 30);
			int64_t ver = mlmd__rp_prop_int(e, 1, "mlmd.model_version", 0);
			if (ver)
				mlmd__rp_printf(b, " v%lld", (long long)ver);
			if (alias) {
				mlmd__buf_puts(b, " @");
				mlmd__rp_html_cut(b, alias, 20);
			}
		}
		mlmd__buf_puts(b, "</td>");
		num_cell(b, e, "rows", 6);
		num_cell(b, e, "calls", 6);
		num_cell(b, e, "errors", 6);
		num_cell(b, e, "latency_p50_us", 4);
		num_cell(b, e, "latency_p99_us", 4);
		num_cell(b, e, "latency_max_us", 4);
		int mv = mlmd__rp_prop_bool(e, 0, "model_verified");
		mlmd__rp_printf(b, "<td class=\"%s\">%s</td><td>", mv == 0 ? "bad" : "", mv < 0 ? "" : mv ? "yes" : "NOT verified");
		int64_t gv = mlmd__rp_prop_int(e, 1, "mlmd.gate_violations", 0);
		if (gv) {
			mlmd__rp_printf(b, "<span class=\"bad\">%lld violation%s</span> ", (long long)gv, gv == 1 ? "" : "s");
			mlmd__rp_html_cut(b, mlmd__rp_prop_str(e, 1, "mlmd.gate_violation"), 80);
		}
		mlmd__rp_printf(b, "</td><td>%s</td></tr>\n", mlmd__rp_time(t, sizeof t, mlmd__rp_prop_int(e, 0, "updated_ms",
											   e->last_update_time_since_epoch)));
	}
	mlmd__buf_puts(b, "</tbody></table></div>\n");
}

static int drift_table(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	Mlmd__Pb__GetArtifactsByTypeResponse *rs;
	int rc = newest(c->store, 0, "mlmd.DriftWindow", RP_MAX_WINDOWS, (void **)&rs);
	if (rc)
		return rc;
	Mlmd__Pb__GetEventsByArtifactIDsResponse *ev = NULL;
	if (rs->n_artifacts) {
		Mlmd__Pb__GetEventsByArtifactIDsRequest rq = MLMD__PB__GET_EVENTS_BY_ARTIFACT_IDS_REQUEST__INIT;
		int64_t *ids = calloc(rs->n_artifacts, sizeof *ids);
		if (!ids) {
			mlmd_message_free(rs);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < rs->n_artifacts; i++)
			ids[i] = rs->artifacts[i]->id;
		rq.n_artifact_ids = rs->n_artifacts;
		rq.artifact_ids = ids;
		rc = mlmd_store_get_events_by_artifact_ids(c->store, &rq, &ev);
		free(ids);
	}
	mlmd__buf_puts(b, "<h3>Drift windows</h3>\n");
	if (!rc && !rs->n_artifacts)
		mlmd__buf_puts(b, "<p class=\"empty\">No drift window recorded.</p>\n");
	if (!rc && rs->n_artifacts) {
		mlmd__buf_puts(b, "<table class=\"drift\"><thead><tr><th>window</th><th>serving</th><th>from</th><th>to</th>"
			       "<th class=\"num\">rows</th><th>drifted</th><th class=\"num\">max PSI</th><th>model</th>"
			       "</tr></thead><tbody>\n");
		for (size_t i = 0; i < rs->n_artifacts; i++) {
			const Mlmd__Pb__Artifact *a = rs->artifacts[i];
			char t1[32], t2[32], num[64];
			int64_t serving = 0;
			for (size_t k = 0; ev && k < ev->n_events && !serving; k++)
				if (ev->events[k]->artifact_id == a->id)
					serving = ev->events[k]->execution_id;
			int drifted = mlmd__rp_prop_bool(a, 0, "drifted");
			mlmd__rp_printf(b, "<tr class=\"%s\"><td><a href=\"#node=a%lld\" class=\"nodelink\">#%lld</a></td><td>",
				  drifted == 1 ? "drifted" : "", (long long)a->id, (long long)a->id);
			if (serving)
				mlmd__rp_printf(b, "#%lld", (long long)serving);
			mlmd__rp_printf(b, "</td><td>%s</td><td>%s</td><td class=\"num\">%lld</td><td class=\"%s\">%s</td>"
				  "<td class=\"num\">%s</td><td>", mlmd__rp_time(t1, sizeof t1, mlmd__rp_prop_int(a, 0, "start_ms", 0)),
				  mlmd__rp_time(t2, sizeof t2, mlmd__rp_prop_int(a, 0, "end_ms", 0)), (long long)mlmd__rp_prop_int(a, 0, "rows", 0),
				  drifted == 1 ? "bad" : "", drifted == 1 ? "DRIFTED" : drifted == 0 ? "no" : "",
				  mlmd__rp_num(num, sizeof num, mlmd__rp_prop_double(a, 0, "max_psi", 0), 4));
			int64_t model = mlmd__rp_prop_int(a, 0, "model_id", 0);
			if (model)
				mlmd__rp_printf(b, "#%lld", (long long)model);
			mlmd__buf_puts(b, "</td></tr>\n");
		}
		mlmd__buf_puts(b, "</tbody></table>\n");
		if (rs->next_page_token && rs->next_page_token[0])
			mlmd__rp_printf(b, "<p class=\"note\">The newest %d windows.</p>\n", RP_MAX_WINDOWS);
	}
	mlmd_message_free(ev);
	mlmd_message_free(rs);
	return rc;
}

int mlmd__rp_section_serving(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	mlmd__buf_puts(b, "<section id=\"serving\"><h2>Serving</h2>\n");
	if (!mlmd__rp_has_type(c, 1, "ModelServing")) {
		mlmd__buf_puts(b, "<p class=\"empty\">No serving recorded (a scorer bound to the store records a "
			       "ModelServing execution).</p>\n</section>\n");
		return 0;
	}
	Mlmd__Pb__GetExecutionsByTypeResponse *rs;
	int rc = newest(c->store, 1, "ModelServing", RP_MAX_SERVING, (void **)&rs);
	if (rc)
		return rc;
	if (!rs->n_executions)
		mlmd__buf_puts(b, "<p class=\"empty\">No serving recorded.</p>\n");
	else {
		mlmd__rp_printf(b, "<p>The newest serving records (at most %d): what each scorer served, how fast, and whether "
			  "the model matched its recorded digest.</p>\n", RP_MAX_SERVING);
		serving_table(b, rs);
	}
	mlmd_message_free(rs);
	if (mlmd__rp_has_type(c, 0, "mlmd.DriftWindow"))
		rc = drift_table(c);
	mlmd__buf_puts(b, "</section>\n");
	return rc;
}

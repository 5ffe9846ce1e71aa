/*
 * cli/export.c - `mlmd export`: the whole store as JSON lines.
 *
 * The export is JSON lines: a header, then types, artifacts, executions,
 * contexts, events, attributions, associations, parent contexts, metric
 * histories, the registry's state and the audit log, in that order and by id
 * (deleted nodes as tombstone lines after the nodes, and labels, the gate
 * list and retention policies at the end: export_dg.c). Each type, node,
 * event, metric and audit line carries the message itself ("pb": base64 of its protobuf encoding, so
 * nothing is lost, NaN included) next to a few readable fields. Metric
 * histories are read through the tracking RPCs ListMetricKeys and
 * GetMetricHistory, and written in chunks of at most METRIC_CHUNK points;
 * the audit log through GetAuditLog. Import (import.c) puts them into a
 * store in the same order, mapping every old id to the new one, in one
 * transaction; audit records become an archive (PutAuditArchive).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <mlmd.h>
#include "cli.h"
#include "import.h"
#include "export.h"
#include "mlmd_governance.pb-c.h"

/* ---- export --------------------------------------------------------------------------------------- */

/* Points per metric_series line: a 10,000-point line is about 200 KB. */
#define METRIC_CHUNK 10000

static void counted(cli_exporter *x, int what)
{
	x->count[what]++;
	cli_progress_tick(&x->pr, ++x->records);
}

int cli_export_line(cli_exporter *x, int what, const char *kind, const char *k1, int64_t v1, const char *k2, int64_t v2,
	const ProtobufCMessage *m)
{
	char *pb = m ? cli_pb_b64(m) : NULL;
	if (m && !pb)
		return cli_failed("out of memory");
	mlmd_json_writer *w = x->w;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, kind);
	if (k1) {
		mlmd_json_key(w, k1);
		mlmd_json_int(w, v1);
	}
	if (k2) {
		mlmd_json_key(w, k2);
		mlmd_json_int(w, v2);
	}
	if (pb) {
		mlmd_json_key(w, "pb");
		mlmd_json_string(w, pb);
	}
	mlmd_json_object_end(w);
	mlmd_json_raw(w, "\n");
	free(pb);
	counted(x, what);
	return 0;
}

int cli_ids_push(cli_idlist *l, int64_t id)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		int64_t *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

/* Pages through every node of a kind in id order, printing each. */
static int export_nodes(mlmd_store *s, cli_exporter *x, int kind, cli_idlist *ids)
{
	static const char *const kinds[3] = { "artifact", "execution", "context" };
	char *token = NULL;
	int rc = 0;
	for (;;) {
		Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
		ob.has_field = ob.has_is_asc = 1;
		ob.field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID;
		ob.is_asc = 1;
		Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		lo.has_max_result_size = 1;
		lo.max_result_size = 100;
		lo.order_by_field = &ob;
		lo.next_page_token = token;
		void *resp = NULL;
		const char *next = NULL;
		size_t n = 0;
		ProtobufCMessage **nodes = NULL;
		if (kind == 0) {
			Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_artifacts(s, &rq, &rs)))
				resp = rs, n = rs->n_artifacts, next = rs->next_page_token, nodes = (ProtobufCMessage **)rs->artifacts;
		} else if (kind == 1) {
			Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
			Mlmd__Pb__GetExecutionsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_executions(s, &rq, &rs)))
				resp = rs, n = rs->n_executions, next = rs->next_page_token, nodes = (ProtobufCMessage **)rs->executions;
		} else {
			Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
			Mlmd__Pb__GetContextsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_contexts(s, &rq, &rs)))
				resp = rs, n = rs->n_contexts, next = rs->next_page_token, nodes = (ProtobufCMessage **)rs->contexts;
		}
		if (rc) {
			rc = cli_failed("%s", mlmd_error_message());
			break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			/* the three node messages begin alike: id (1), type_id (2) */
			const Mlmd__Pb__Artifact *a = (const Mlmd__Pb__Artifact *)nodes[i];
			int64_t id = kind == 0 ? a->id : kind == 1 ? ((const Mlmd__Pb__Execution *)nodes[i])->id :
				((const Mlmd__Pb__Context *)nodes[i])->id;
			int64_t tid = kind == 0 ? a->type_id : kind == 1 ? ((const Mlmd__Pb__Execution *)nodes[i])->type_id :
				((const Mlmd__Pb__Context *)nodes[i])->type_id;
			if (cli_ids_push(ids, id))
				rc = cli_failed("out of memory");
			else
				rc = cli_export_line(x, X_ARTIFACT + kind, kinds[kind], "id", id, "type_id", tid, nodes[i]);
		}
		free(token);
		token = !rc && next && next[0] && n ? strdup(next) : NULL;
		mlmd_message_free(resp);
		if (!token)
			break;
	}
	free(token);
	return rc;
}

/* The attributions, associations and parent contexts of one context. */
static int export_links(mlmd_store *s, cli_exporter *x, int64_t cid)
{
	Mlmd__Pb__GetArtifactsByContextRequest aq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextRequest pq = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *as = NULL;
	Mlmd__Pb__GetExecutionsByContextResponse *xs = NULL;
	Mlmd__Pb__GetParentContextsByContextResponse *ps = NULL;
	aq.has_context_id = xq.has_context_id = pq.has_context_id = 1;
	aq.context_id = xq.context_id = pq.context_id = cid;
	/* every member: the default page is large enough only for small contexts, so page */
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.has_max_result_size = 1;
	lo.max_result_size = 100;
	aq.options = &lo;
	char *token = NULL;
	int rc = 0;
	do {
		lo.next_page_token = token;
		if ((rc = mlmd_store_get_artifacts_by_context(s, &aq, &as)))
			break;
		for (size_t k = 0; k < as->n_artifacts; k++) {
			cli_export_line(x, X_ATTRIBUTION, "attribution", "context_id", cid, "artifact_id", as->artifacts[k]->id, NULL);
		}
		free(token);
		token = as->next_page_token && as->next_page_token[0] && as->n_artifacts ? strdup(as->next_page_token) : NULL;
		mlmd_message_free(as);
	} while (token);
	xq.options = &lo;
	do {
		lo.next_page_token = token;
		if (rc || (rc = mlmd_store_get_executions_by_context(s, &xq, &xs)))
			break;
		for (size_t k = 0; k < xs->n_executions; k++) {
			cli_export_line(x, X_ASSOCIATION, "association", "context_id", cid, "execution_id", xs->executions[k]->id, NULL);
		}
		free(token);
		token = xs->next_page_token && xs->next_page_token[0] && xs->n_executions ? strdup(xs->next_page_token) : NULL;
		mlmd_message_free(xs);
	} while (token);
	free(token);
	if (!rc && !(rc = mlmd_store_get_parent_contexts_by_context(s, &pq, &ps))) {
		for (size_t k = 0; k < ps->n_contexts; k++) {
			cli_export_line(x, X_PARENT, "parent_context", "child_id", cid, "parent_id", ps->contexts[k]->id, NULL);
		}
		mlmd_message_free(ps);
	}
	return rc ? cli_failed("%s", mlmd_error_message()) : 0;
}

/* One metric_series line: points [from, from + n) of series h. */
static int metric_line(cli_exporter *x, int64_t exec_id, const Mlmd__Pb__Tracking__MetricSeries *h, size_t from, size_t n)
{
	Mlmd__Pb__Tracking__MetricSeries part = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	part.key = h->key;
	part.n_values = part.n_steps = part.n_timestamps = n;
	part.values = h->values + from;
	part.steps = h->steps + from;
	part.timestamps = h->timestamps + from;
	char *pb = cli_pb_b64(&part.base);
	if (!pb)
		return cli_failed("out of memory");
	mlmd_json_writer *w = x->w;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, "metric_series");
	mlmd_json_key(w, "execution_id");
	mlmd_json_int(w, exec_id);
	mlmd_json_key(w, "key");
	mlmd_json_string(w, h->key);
	mlmd_json_key(w, "points");
	mlmd_json_int(w, (int64_t)n);
	mlmd_json_key(w, "pb");
	mlmd_json_string(w, pb);
	mlmd_json_object_end(w);
	mlmd_json_raw(w, "\n");
	free(pb);
	x->points += (long)n;
	counted(x, X_METRIC);
	return 0;
}

/* Every metric history of the executions, by execution, then key, each in
 * GetMetricHistory's order (step, timestamp, logging order), which an import
 * reproduces. */
static int export_metrics(mlmd_store *s, cli_exporter *x, const cli_idlist *execs)
{
	int rc = 0;
	for (size_t i = 0; i < execs->n && !rc; i += 100) {
		Mlmd__Pb__Tracking__ListMetricKeysRequest rq = MLMD__PB__TRACKING__LIST_METRIC_KEYS_REQUEST__INIT;
		Mlmd__Pb__Tracking__ListMetricKeysResponse *rs = NULL;
		rq.n_run_ids = execs->n - i < 100 ? execs->n - i : 100;
		rq.run_ids = execs->v + i;
		if (cli_track_call(s, "ListMetricKeys", &rq.base, &mlmd__pb__tracking__list_metric_keys_response__descriptor,
			(void **)&rs))
			return cli_failed("%s", mlmd_error_message());
		for (size_t k = 0; k < rs->n_keys && !rc; k++) {
			Mlmd__Pb__Tracking__GetMetricHistoryRequest hq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
			Mlmd__Pb__Tracking__GetMetricHistoryResponse *hs = NULL;
			hq.has_run_id = 1;
			hq.run_id = rs->keys[k]->run_id;
			hq.key = rs->keys[k]->key;
			if (cli_track_call(s, "GetMetricHistory", &hq.base,
				&mlmd__pb__tracking__get_metric_history_response__descriptor, (void **)&hs)) {
				rc = cli_failed("%s", mlmd_error_message());
				break;
			}
			const Mlmd__Pb__Tracking__MetricSeries *h = hs->history;
			size_t n = h ? h->n_values : 0;
			if (h && (h->n_steps != n || h->n_timestamps != n))
				rc = cli_failed("GetMetricHistory: run %lld, key '%s': %zu values, %zu steps, %zu timestamps",
					(long long)hq.run_id, hq.key, n, h->n_steps, h->n_timestamps);
			for (size_t from = 0; from < n && !rc; from += METRIC_CHUNK)
				rc = metric_line(x, hq.run_id, h, from, n - from < METRIC_CHUNK ? n - from : METRIC_CHUNK);
			mlmd_message_free(hs);
		}
		mlmd_message_free(rs);
	}
	return rc;
}

/* The registry state of every registered model (aliases, policies,
 * requests with their approvals, alias history), one registry_state line per
 * model holding a RestoreRegistryRequest, which an import sends back. The
 * models and versions themselves are contexts, exported above. */
static int export_registry(mlmd_store *s, cli_exporter *x)
{
	char *token = NULL;
	int rc = 0;
	do {
		Mlmd__Pb__Governance__ListRegisteredModelsRequest lq = MLMD__PB__GOVERNANCE__LIST_REGISTERED_MODELS_REQUEST__INIT;
		Mlmd__Pb__Governance__ListRegisteredModelsResponse *ls = NULL;
		lq.has_max_results = 1;
		lq.max_results = 100;
		lq.page_token = token;
		if (cli_track_call(s, "ListRegisteredModels", &lq.base,
			&mlmd__pb__governance__list_registered_models_response__descriptor, (void **)&ls)) {
			free(token);
			return cli_failed("%s", mlmd_error_message());
		}
		free(token);
		token = NULL;
		for (size_t i = 0; i < ls->n_models && !rc; i++) {
			char *name = ls->models[i]->name;
			Mlmd__Pb__Governance__GetRegisteredModelRequest gq = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
			Mlmd__Pb__Governance__GetAliasRequestsRequest rq = MLMD__PB__GOVERNANCE__GET_ALIAS_REQUESTS_REQUEST__INIT;
			Mlmd__Pb__Governance__GetAliasHistoryRequest hq = MLMD__PB__GOVERNANCE__GET_ALIAS_HISTORY_REQUEST__INIT;
			Mlmd__Pb__Governance__GetRegisteredModelResponse *gs = NULL;
			Mlmd__Pb__Governance__GetAliasRequestsResponse *rs = NULL;
			Mlmd__Pb__Governance__GetAliasHistoryResponse *hs = NULL;
			gq.name = rq.model_name = hq.model_name = name;
			if (cli_track_call(s, "GetRegisteredModel", &gq.base,
				&mlmd__pb__governance__get_registered_model_response__descriptor, (void **)&gs) ||
			    cli_track_call(s, "GetAliasRequests", &rq.base,
				&mlmd__pb__governance__get_alias_requests_response__descriptor, (void **)&rs) ||
			    cli_track_call(s, "GetAliasHistory", &hq.base,
				&mlmd__pb__governance__get_alias_history_response__descriptor, (void **)&hs)) {
				rc = cli_failed("%s", mlmd_error_message());
			} else if (gs->model->n_aliases || gs->model->n_policies || rs->n_requests || hs->n_entries) {
				Mlmd__Pb__Governance__RestoreRegistryRequest st = MLMD__PB__GOVERNANCE__RESTORE_REGISTRY_REQUEST__INIT;
				st.model_name = name;
				st.n_aliases = gs->model->n_aliases;
				st.aliases = gs->model->aliases;
				st.n_policies = gs->model->n_policies;
				st.policies = gs->model->policies;
				st.n_requests = rs->n_requests;
				st.requests = rs->requests;
				st.n_history = hs->n_entries;
				st.history = hs->entries;
				rc = cli_export_line(x, X_REGISTRY, "registry_state", NULL, 0, NULL, 0, &st.base);
			}
			mlmd_message_free(gs);
			mlmd_message_free(rs);
			mlmd_message_free(hs);
		}
		if (!rc && ls->next_page_token && ls->next_page_token[0] && ls->n_models && !(token = strdup(ls->next_page_token)))
			rc = cli_failed("out of memory");
		mlmd_message_free(ls);
	} while (!rc && token);
	free(token);
	return rc;
}

/* The audit log, one audit_record line per record in seq order (a store at
 * schema version 4 or later). An import keeps them as an archive. */
static int export_audit(mlmd_store *s, cli_exporter *x)
{
	int64_t since = 0;
	for (;;) {
		Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
		Mlmd__Pb__Governance__GetAuditLogResponse *rs = NULL;
		rq.has_since_seq = rq.has_max_results = 1;
		rq.since_seq = since;
		rq.max_results = 10000;
		if (cli_track_call(s, "GetAuditLog", &rq.base, &mlmd__pb__governance__get_audit_log_response__descriptor,
			(void **)&rs))
			return cli_failed("%s", mlmd_error_message());
		int rc = 0;
		for (size_t i = 0; i < rs->n_records && !rc; i++) {
			rc = cli_export_line(x, X_AUDIT, "audit_record", "seq", rs->records[i]->seq, NULL, 0, &rs->records[i]->base);
			since = rs->records[i]->seq;
		}
		size_t n = rs->n_records;
		mlmd_message_free(rs);
		if (rc || n == 0)
			return rc;
	}
}

/* ---- --format openlineage ----------------------------------------------------------------------- */

typedef struct ol_out {
	FILE *f;
	cli_progress pr;
	long n;
} ol_out;

/* The export's sink: one event a line. */
static int ol_line(const char *event, size_t len, void *user)
{
	ol_out *o = user;
	if (fwrite(event, 1, len, o->f) != len || putc('\n', o->f) == EOF)
		return 1;
	cli_progress_tick(&o->pr, ++o->n);
	return 0;
}

/* `mlmd export --format openlineage`: mlmd_openlineage_export() onto the
 * file, in the library's one read transaction. */
static int export_openlineage(const char *path, const char *ns, const char *since)
{
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	char err[160];
	if (ns && !ns[0])
		return cli_usage("export: --namespace is empty");
	o.ns = ns;
	if (since && cli_time_parse(since, &o.since_ms, err, sizeof err))
		return cli_usage("export: --since: %s", err);
	if (since && o.since_ms <= 0)
		return cli_usage("export: --since '%s' is at or before 1970-01-01T00:00:00Z; leave it out to export every "
			"execution", since);
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	ol_out out = { .f = strcmp(path, "-") ? fopen(path, "w") : stdout };
	if (!out.f) {
		mlmd_store_free(s);
		return cli_failed("%s: %s", path, strerror(errno));
	}
	cli_progress_init(&out.pr, "exported");
	size_t n = 0;
	int rc = 0;
	if (mlmd_openlineage_export(s, &o, ol_line, &out, &n))
		rc = mlmd_error_last()->code == MLMD_CANCELLED ? cli_failed("%s: write error", path) :
			cli_failed("%s", mlmd_error_message());
	cli_progress_end(&out.pr);
	if (fflush(out.f) || ferror(out.f))
		rc = rc ? rc : cli_failed("%s: write error", path);
	if (out.f != stdout && fclose(out.f) && !rc)
		rc = cli_failed("%s: write error", path);
	if (!rc)
		fprintf(stderr, "mlmd: exported %zu OpenLineage run events to %s\n", n,
			strcmp(path, "-") ? path : "standard output");
	mlmd_store_free(s);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const char *const formats[] = { "jsonl", "openlineage", NULL };
	int format = -1; /* not given: jsonl, or openlineage when --namespace or --since asks for it */
	const char *ns = NULL, *since = NULL;
	const cli_opt opts[] = {
		CLI_CHOICE("--format", "jsonl (the whole store, the default) or openlineage (run events)", &format, formats),
		CLI_STR("--namespace", "NS", "openlineage (implied): the job namespace, and the datasets' when their URI "
			"names none (default mlmd)", &ns),
		CLI_STR("--since", "TIME", "openlineage (implied): only executions last updated at or after TIME (ISO "
			"8601, or ms since the epoch)", &since),
		CLI_END,
	};
	const cli_cmd cmd = { "export", "[FILE|-]", 0, 1,
		"Writes the whole store (types, nodes with their properties and times, events with paths,\n"
		"attributions, associations, parent contexts, metric histories, the registry's aliases, policies,\n"
		"requests and alias history, the audit log) as JSON lines to FILE (default: standard output);\n"
		"`mlmd import` reads it back into any store (audit records become an archive there). On a\n"
		"terminal a progress line counts the records; a summary goes to stderr at the end.\n"
		"With --format openlineage (which --namespace and --since imply) it writes the executions as\n"
		"OpenLineage run events instead, one per line (NDJSON): a START event per execution and a\n"
		"COMPLETE, FAIL or ABORT event per ended one (docs/interoperability.md).", true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *path = nargs ? args[0] : "-";
	if (format == 1 || (format < 0 && (ns || since)))
		return export_openlineage(path, ns, since);
	if (ns || since)
		return cli_usage("export: %s applies to --format openlineage only", ns ? "--namespace" : "--since");
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	cli_exporter x = { .f = strcmp(path, "-") ? fopen(path, "w") : stdout };
	if (!x.f) {
		mlmd_store_free(s);
		return cli_failed("%s: %s", path, strerror(errno));
	}
	cli_progress_init(&x.pr, "exported");
	Mlmd__Pb__GetArtifactTypesRequest a = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest e = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest c = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *ar = NULL;
	Mlmd__Pb__GetExecutionTypesResponse *er = NULL;
	Mlmd__Pb__GetContextTypesResponse *cr = NULL;
	cli_idlist arts = { 0 }, execs = { 0 }, ctxs = { 0 }, dead = { 0 };
	if (mlmd_json_writer_new(&x.w, x.f)) {
		rc = cli_failed("%s", mlmd_error_message());
		goto out;
	}
	/* one snapshot: a store written meanwhile still exports whole */
	if (mlmd_store_begin(s, 0)) {
		rc = cli_failed("%s", mlmd_error_message());
		goto out;
	}
	mlmd_json_object_begin(x.w);
	mlmd_json_key(x.w, "kind");
	mlmd_json_string(x.w, "mlmd_export");
	mlmd_json_key(x.w, "version");
	mlmd_json_int(x.w, 1);
	mlmd_json_key(x.w, "library");
	mlmd_json_string(x.w, mlmd_version());
	mlmd_json_key(x.w, "schema_version");
	mlmd_json_int(x.w, mlmd_store_schema_version(s));
	mlmd_json_object_end(x.w);
	mlmd_json_raw(x.w, "\n");
	if (mlmd_store_get_artifact_types(s, &a, &ar) || mlmd_store_get_execution_types(s, &e, &er) ||
		mlmd_store_get_context_types(s, &c, &cr)) {
		rc = cli_failed("%s", mlmd_error_message());
		goto types;
	}
	for (size_t i = 0; i < ar->n_artifact_types && !rc; i++)
		rc = cli_export_line(&x, X_TYPE, "artifact_type", "id", ar->artifact_types[i]->id, NULL, 0, &ar->artifact_types[i]->base);
	for (size_t i = 0; i < er->n_execution_types && !rc; i++)
		rc = cli_export_line(&x, X_TYPE, "execution_type", "id", er->execution_types[i]->id, NULL, 0,
			&er->execution_types[i]->base);
	for (size_t i = 0; i < cr->n_context_types && !rc; i++)
		rc = cli_export_line(&x, X_TYPE, "context_type", "id", cr->context_types[i]->id, NULL, 0, &cr->context_types[i]->base);
	if (rc || (rc = export_nodes(s, &x, 0, &arts)) || (rc = export_nodes(s, &x, 1, &execs)) ||
		(rc = export_nodes(s, &x, 2, &ctxs)))
		goto types;
	/* deleted nodes (schema version 5): after the nodes, before the events through them */
	if (mlmd_store_schema_version(s) >= 5 && (rc = cli_export_tombstones(s, &x, &dead)))
		goto types;
	/* the events of the live executions, then of the deleted ones */
	const cli_idlist *with_events[2] = { &execs, &dead };
	for (size_t l = 0; l < 2 && !rc; l++)
		for (size_t i = 0; i < with_events[l]->n && !rc; i += 100) {
			Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
			Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
			size_t left = with_events[l]->n - i;
			rq.n_execution_ids = left < 100 ? left : 100;
			rq.execution_ids = with_events[l]->v + i;
			if ((rc = mlmd_store_get_events_by_execution_ids(s, &rq, &rs))) {
				rc = cli_failed("%s", mlmd_error_message());
				break;
			}
			for (size_t k = 0; k < rs->n_events && !rc; k++)
				rc = cli_export_line(&x, X_EVENT, "event", NULL, 0, NULL, 0, &rs->events[k]->base);
			mlmd_message_free(rs);
		}
	for (size_t i = 0; i < ctxs.n && !rc; i++)
		rc = export_links(s, &x, ctxs.v[i]);
	/* a store at schema version 2 has no metric history (and is exported read-only, as it is) */
	if (!rc && mlmd_store_schema_version(s) >= 3)
		rc = export_metrics(s, &x, &execs);
	/* and before version 4 there is no registry or audit log */
	if (!rc && mlmd_store_schema_version(s) >= 4 && !(rc = export_registry(s, &x)))
		rc = export_audit(s, &x);
	/* and before version 5 no tombstone, label, gate or retention policy */
	if (!rc && mlmd_store_schema_version(s) >= 5)
		rc = cli_export_datagov(s, &x);
types:
	mlmd_store_rollback(s); /* a read: nothing to keep or lose */
out:
	free(arts.v);
	free(execs.v);
	free(ctxs.v);
	free(dead.v);
	mlmd_message_free(ar);
	mlmd_message_free(er);
	mlmd_message_free(cr);
	cli_progress_end(&x.pr);
	if (mlmd_json_writer_status(x.w) || fflush(x.f) || ferror(x.f))
		rc = rc ? rc : cli_failed("%s: write error", path);
	if (x.f != stdout && fclose(x.f) && !rc)
		rc = cli_failed("%s: write error", path);
	mlmd_json_writer_free(x.w);
	if (!rc)
		fprintf(stderr, "mlmd: exported %ld types, %ld artifacts, %ld executions, %ld contexts, %ld events, "
			"%ld attributions, %ld associations, %ld parent contexts, %ld metric points to %s\n", x.count[X_TYPE],
			x.count[X_ARTIFACT], x.count[X_EXECUTION], x.count[X_CONTEXT], x.count[X_EVENT], x.count[X_ATTRIBUTION],
			x.count[X_ASSOCIATION], x.count[X_PARENT], x.points, strcmp(path, "-") ? path : "standard output");
	if (!rc && x.count[X_REGISTRY])
		fprintf(stderr, "mlmd: exported the aliases, policies, requests and alias history of %ld registered models\n",
			x.count[X_REGISTRY]);
	if (!rc && (x.count[X_TOMBSTONE] || x.count[X_LABEL] || x.count[X_POLICY]))
		fprintf(stderr, "mlmd: exported %ld tombstones (deleted nodes), %ld labels, %ld retention policies and the "
			"serving gate\n", x.count[X_TOMBSTONE], x.count[X_LABEL], x.count[X_POLICY]);
	if (!rc && x.count[X_AUDIT])
		fprintf(stderr, "mlmd: exported %ld audit records (an import keeps them as an archive)\n",
			x.count[X_AUDIT]);
	mlmd_store_free(s);
	return rc;
}

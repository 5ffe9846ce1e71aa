/*
 * render/report.c - the self-contained HTML report (mlmd_report_write):
 * checks the options, reads everything in one read transaction, picks the
 * graph's centre, writes the sections (report_graph.c, report_sections.c,
 * report_registry.c) into memory and the page onto the stream only when
 * all of it succeeded, so a failure writes nothing.
 *
 * The page fetches nothing: its Content-Security-Policy allows no source
 * but its own inline style and its two inline scripts, named by SHA-256.
 * Nothing in it depends on the clock or the locale: the same store gives
 * the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "report.h"

/* Standard base64 (RFC 4648 section 4, padded) of 32 bytes, as CSP hashes want it. */
static void b64_32(const unsigned char *in, char out[45])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < 32; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < 32 ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < 32 ? in[i + 2] : 0);
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < 32 ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < 32 ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}

static int csp_hash(const char *script, char out[45])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!EVP_Digest(script, strlen(script), md, &len, EVP_sha256(), NULL) || len != 32)
		return mlmd__fail(MLMD_INTERNAL, "report: SHA-256 of the page's script failed");
	b64_32(md, out);
	return 0;
}

int mlmd__rp_newest_model(mlmd_store *s, int64_t *id)
{
	*id = 0;
	int64_t best_time = 0;
	Mlmd__Pb__GetArtifactTypesRequest trq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *types;
	int rc = mlmd_store_get_artifact_types(s, &trq, &types);
	if (rc)
		return rc;
	/* pass 0: model types only; pass 1 (none found): any artifact */
	for (int pass = 0; pass < 2 && !*id && !rc; pass++) {
		Mlmd__Pb__ListOperationOptions lo;
		Mlmd__Pb__ListOperationOptions__OrderByField ob;
		mlmd__rp_newest_first(&lo, &ob, 1);
		if (pass == 1) {
			Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_artifacts(s, &rq, &rs))) {
				if (rs->n_artifacts)
					*id = rs->artifacts[0]->id;
				mlmd_message_free(rs);
			}
			break;
		}
		for (size_t i = 0; i < types->n_artifact_types && !rc; i++) {
			const Mlmd__Pb__ArtifactType *t = types->artifact_types[i];
			bool model = (t->name && (!strcmp(t->name, "Model") || !strcmp(t->name, "mlmd.Model"))) ||
				(t->has_base_type && t->base_type == MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__MODEL);
			if (!model)
				continue;
			Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsByTypeResponse *rs;
			rq.type_name = t->name;
			rq.type_version = t->version && t->version[0] ? t->version : NULL;
			rq.options = &lo;
			if ((rc = mlmd_store_get_artifacts_by_type(s, &rq, &rs)))
				break;
			const Mlmd__Pb__Artifact *a = rs->n_artifacts ? rs->artifacts[0] : NULL;
			if (a && (!*id || a->create_time_since_epoch > best_time ||
				  (a->create_time_since_epoch == best_time && a->id > *id))) {
				*id = a->id;
				best_time = a->create_time_since_epoch;
			}
			mlmd_message_free(rs);
		}
	}
	mlmd_message_free(types);
	return rc;
}

/* Parses a run reference: a decimal execution id, 1 .. 2^63 - 1. */
static int parse_run(const char *s, int64_t *id)
{
	int64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			break;
		v = v * 10 + (*p - '0');
	}
	if (p == s || *p || v == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "report: run '%.64s' is not a run id: a run is named by its "
				  "execution id, a decimal number such as 42", s);
	*id = v;
	return 0;
}

/* Sets the graph's centre from the options (checked before). */
static int choose_centre(rp_ctx *c)
{
	const mlmd_report_options *o = c->opts;
	int rc = 0;
	if (o->artifact_id) {
		Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetArtifactsByIDResponse *rs;
		int64_t id = o->artifact_id;
		rq.n_artifact_ids = 1;
		rq.artifact_ids = &id;
		if ((rc = mlmd_store_get_artifacts_by_id(c->store, &rq, &rs)))
			return rc;
		bool found = rs->n_artifacts > 0;
		mlmd_message_free(rs);
		if (!found)
			return mlmd__fail(MLMD_NOT_FOUND, "report: artifact %lld does not exist", (long long)id);
		c->centre_id = id;
		c->centre_why = "the artifact asked for";
		return 0;
	}
	if (o->run) {
		int64_t id;
		if ((rc = parse_run(o->run, &id)))
			return rc;
		Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetExecutionsByIDResponse *rs;
		rq.n_execution_ids = 1;
		rq.execution_ids = &id;
		if ((rc = mlmd_store_get_executions_by_id(c->store, &rq, &rs)))
			return rc;
		bool found = rs->n_executions > 0;
		mlmd_message_free(rs);
		if (!found)
			return mlmd__fail(MLMD_NOT_FOUND, "report: no run or execution %lld in the store ('mlmd runs ls' "
					  "lists the runs)", (long long)id);
		c->centre_exec = 1;
		c->centre_id = id;
		c->centre_why = "the run asked for";
		return 0;
	}
	if (o->model) {
		mlmd_registered_model_list *l = NULL;
		bool known = false;
		if (mlmd__rp_has_type(c, 2, "mlmd.RegisteredModel")) {
			if ((rc = mlmd_registry_list_models(&l, c->store)))
				return rc;
			for (size_t i = 0; i < l->n && !known; i++)
				known = l->models[i].name && !strcmp(l->models[i].name, o->model);
			mlmd_registered_model_list_free(l);
		}
		if (!known)
			return mlmd__fail(MLMD_NOT_FOUND, "report: no registered model named '%.200s' ('mlmd registry ls' "
					  "lists them)", o->model);
		mlmd_registered_model *m;
		if ((rc = mlmd_registry_get_model(&m, c->store, o->model)))
			return rc;
		int64_t art = m->n_versions ? m->versions[m->n_versions - 1].artifact_id : 0;
		mlmd_registered_model_free(m);
		if (!art)
			return mlmd__fail(MLMD_NOT_FOUND, "report: registered model '%.200s' has no version yet", o->model);
		c->centre_id = art;
		c->centre_why = "the latest version of the registered model asked for";
		return 0;
	}
	if ((rc = mlmd__rp_newest_model(c->store, &c->centre_id)))
		return rc;
	c->centre_why = "the newest model in the store (--artifact, --run or --model choose another)";
	return 0;
}

static int check_options(const mlmd_report_options *o)
{
	if (o->version < 1 || o->version > MLMD_REPORT_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_report_write: mlmd_report_options.version is %u (this "
				  "library knows 1 to %d); initialise the options with MLMD_REPORT_OPTIONS_INIT",
				  o->version, MLMD_REPORT_OPTIONS_VERSION);
	int chosen = (o->artifact_id != 0) + (o->run != NULL) + (o->model != NULL);
	if (chosen > 1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "report: choose the graph's node at most one way: an artifact, "
				  "a run or a model, not %d of them", chosen);
	if (o->artifact_id < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "report: artifact id %lld is negative", (long long)o->artifact_id);
	if (o->model && !o->model[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "report: the model's name is empty");
	if (o->max_nodes < 0 || o->max_nodes > RP_MAX_NODES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "report: max_nodes must be 0 (the default, %d) to %d, got %lld",
				  RP_DEFAULT_NODES, RP_MAX_NODES, (long long)o->max_nodes);
	return 0;
}

static void page_head(rp_ctx *c, const char *title, const char *h1, const char *h2)
{
	mlmd_buf *b = &c->page;
	mlmd__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
		       "base-uri 'none'; form-action 'none'; script-src 'sha256-");
	mlmd__buf_puts(b, h1);
	mlmd__buf_puts(b, "' 'sha256-");
	mlmd__buf_puts(b, h2);
	mlmd__buf_puts(b, "'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	mlmd__rp_printf(b, "<meta name=\"generator\" content=\"mlmd %s\">\n<title>", mlmd_version());
	mlmd__rp_html(b, title);
	mlmd__buf_puts(b, "</title>\n<style>\n");
	mlmd__buf_puts(b, mlmd__rp_css);
	mlmd__buf_puts(b, "</style>\n<script>");
	mlmd__buf_puts(b, mlmd__rp_js_errors);
	mlmd__buf_puts(b, "</script>\n</head>\n<body>\n<header><h1>");
	mlmd__rp_html(b, title);
	mlmd__rp_printf(b, "</h1><p class=\"sub\">mlmd %s &middot; store schema version %d &middot; this page holds the store's "
		  "data: share it as you would share the store</p>\n", mlmd_version(), mlmd_store_schema_version(c->store));
	mlmd__buf_puts(b, "<nav><a href=\"#glance\">At a glance</a><a href=\"#lineage\">Lineage</a><a href=\"#runs\">Runs"
		       "</a><a href=\"#registry\">Registry</a><a href=\"#serving\">Serving</a></nav></header>\n"
		       "<div id=\"script-errors\" class=\"errors\" hidden></div>\n<main>\n");
}

int mlmd_report_write(mlmd_store *store, const mlmd_report_options *opts, FILE *out)
{
	if (!store || !opts || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_report_write: store, options and out are required");
	int rc = check_options(opts);
	if (rc)
		return rc;
	char h1[45], h2[45];
	if ((rc = csp_hash(mlmd__rp_js_errors, h1)) || (rc = csp_hash(mlmd__rp_js_main, h2)))
		return rc;
	rp_ctx c;
	memset(&c, 0, sizeof c);
	c.store = store;
	c.opts = opts;
	c.max_nodes = opts->max_nodes ? opts->max_nodes : RP_DEFAULT_NODES;
	/* one snapshot for every read (unless the caller's transaction already gives one) */
	bool own_txn = mlmd_store_begin(store, 0) == 0;
	Mlmd__Pb__GetArtifactTypesRequest arq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest erq = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest crq = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	if (!(rc = mlmd_store_get_artifact_types(store, &arq, &c.at)) &&
	    !(rc = mlmd_store_get_execution_types(store, &erq, &c.et)) &&
	    !(rc = mlmd_store_get_context_types(store, &crq, &c.ct)))
		rc = choose_centre(&c);
	if (!rc) {
		page_head(&c, opts->title && opts->title[0] ? opts->title : "mlmd report", h1, h2);
		if (!(rc = mlmd__rp_section_glance(&c)) && !(rc = mlmd__rp_section_graph(&c)) && !(rc = mlmd__rp_section_runs(&c)) &&
		    !(rc = mlmd__rp_section_registry(&c)))
			rc = mlmd__rp_section_serving(&c);
	}
	if (own_txn)
		mlmd_store_rollback(store); /* a read: nothing to keep */
	if (!rc) {
		mlmd__buf_puts(&c.page, "</main>\n<footer>Written by mlmd ");
		mlmd__buf_puts(&c.page, mlmd_version());
		mlmd__buf_puts(&c.page, " (mlmd report). The page is self-contained: it loads nothing from a network."
			       "</footer>\n<script>");
		mlmd__buf_puts(&c.page, mlmd__rp_js_main);
		mlmd__buf_puts(&c.page, "</script>\n</body></html>\n");
		if (c.page.oom)
			rc = MLMD_OOM();
	}
	if (!rc && (fwrite(c.page.p, 1, c.page.len, out) != c.page.len || fflush(out) != 0 || ferror(out)))
		rc = mlmd__fail(MLMD_UNAVAILABLE, "report: writing the page failed");
	mlmd__buf_free(&c.page);
	mlmd_message_free(c.at);
	mlmd_message_free(c.et);
	mlmd_message_free(c.ct);
	return rc;
}

/*
 * openlineage/event.c - one execution's run events (owner: the export):
 * the times and run ids both directions share (ol.h), the event a run's
 * state gives, and mlmd_openlineage_execution_events().
 *
 * An event is built in memory with the library's JSON writer and handed to
 * the sink whole. Its members follow the mapping of
 * docs/interoperability.md; the facets are export_facets.c's.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "openlineage/export.h"

/* ---- times and ids -------------------------------------------------------------------------- */

/* The first and last instants RFC 3339 (four-digit years) can write. */
#define MIN_MS (-62167219200000LL)  /* 0000-01-01T00:00:00.000Z */
#define MAX_MS (253402300799999LL)  /* 9999-12-31T23:59:59.999Z */

void mlmd__ol_format_time(int64_t ms, char out[32])
{
	/* OpenLineage's eventTime is an RFC 3339 date-time, whose year has four
	 * digits: times outside years 0..9999 are written as the nearest end
	 * of that range (docs/interoperability.md). */
	if (ms < MIN_MS)
		ms = MIN_MS;
	if (ms > MAX_MS)
		ms = MAX_MS;
	int64_t days = ms / 86400000, rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	int64_t y;
	int mo, d;
	mlmd__civil_from_days(days, &y, &mo, &d);
	unsigned msec = (unsigned)(rem % 1000), sec = (unsigned)(rem / 1000);
	mlmd__snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y, (unsigned)mo, (unsigned)d, sec / 3600,
		sec / 60 % 60, sec % 60, msec);
}

/* The namespace of our name-based UUIDs (RFC 4122 section 4.3): a fixed
 * random UUID, 26809e20-f4cc-4d6d-9810-12f14cc68022, so that the ids are
 * ours and never collide with another producer's version-5 names. */
static const unsigned char UUID_NS[16] = { 0x26, 0x80, 0x9e, 0x20, 0xf4, 0xcc, 0x4d, 0x6d,
					   0x98, 0x10, 0x12, 0xf1, 0x4c, 0xc6, 0x80, 0x22 };

void mlmd__ol_uuid(const char *kind, int64_t id, int64_t create_time_ms, char out[37])
{
	/* A version-5 UUID: SHA-1 over the namespace and the name
	 * "KIND:ID:CREATE_TIME_MS" (decimal), version and variant bits set. */
	char name[96];
	int n = mlmd__snprintf(name, sizeof name, "%s:%lld:%lld", kind ? kind : "", (long long)id,
		(long long)create_time_ms);
	if (n < 0 || (size_t)n >= sizeof name)
		n = (int)strlen(name);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, UUID_NS, sizeof UUID_NS) &&
		EVP_DigestUpdate(c, name, (size_t)n) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen >= 16;
	EVP_MD_CTX_free(c);
	if (!ok) /* SHA-1 is always there in libcrypto; should it fail, the name's bytes, never garbage */
		for (unsigned i = 0; i < 16; i++)
			md[i] = (unsigned char)(i < (unsigned)n ? name[i] : 0);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o] = '\0';
}

/* ---- one execution's events ---------------------------------------------------------------- */

int mlmd__olx_cmp_artifact(const void *a, const void *b)
{
	int64_t x = (*(Mlmd__Pb__Artifact *const *)a)->id, y = (*(Mlmd__Pb__Artifact *const *)b)->id;
	return x < y ? -1 : x > y;
}

const Mlmd__Pb__Artifact *mlmd__olx_find_artifact(Mlmd__Pb__Artifact *const *arts, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (arts[mid]->id < id)
			lo = mid + 1;
		else if (arts[mid]->id > id)
			hi = mid;
		else
			return arts[mid];
	}
	return NULL;
}

const Mlmd__Pb__ExecutionType *mlmd__olx_exec_type(const olx *x, int64_t id)
{
	size_t lo = 0, hi = x->n_types;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->type_by_id[mid]->id < id)
			lo = mid + 1;
		else if (x->type_by_id[mid]->id > id)
			hi = mid;
		else
			return x->type_by_id[mid];
	}
	return NULL;
}

static int cmp_type(const void *a, const void *b)
{
	int64_t x = (*(const Mlmd__Pb__ExecutionType *const *)a)->id, y = (*(const Mlmd__Pb__ExecutionType *const *)b)->id;
	return x < y ? -1 : x > y;
}

int mlmd__olx_init(olx *x, mlmd_store *store, const mlmd_openlineage_options *opts)
{
	memset(x, 0, sizeof *x);
	if (opts && (opts->version < 1 || opts->version > MLMD_OPENLINEAGE_OPTIONS_VERSION))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_options.version is %u (this library knows 1 to "
			"%d); initialise the options with MLMD_OPENLINEAGE_OPTIONS_INIT", opts->version,
			MLMD_OPENLINEAGE_OPTIONS_VERSION);
	x->store = store;
	x->ns = opts && opts->ns ? opts->ns : MLMD_OPENLINEAGE_DEFAULT_NAMESPACE;
	if (!x->ns[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the OpenLineage namespace is empty");
	mlmd__snprintf(x->producer, sizeof x->producer, "https://mlmd.dev/mlmd/%s", mlmd_version());
	Mlmd__Pb__GetExecutionTypesRequest rq = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	int rc = mlmd_store_get_execution_types(store, &rq, &x->types);
	if (rc)
		return rc;
	x->n_types = x->types->n_execution_types;
	if (x->n_types) {
		x->type_by_id = malloc(x->n_types * sizeof *x->type_by_id);
		if (!x->type_by_id) {
			mlmd__olx_free(x);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < x->n_types; i++)
			x->type_by_id[i] = x->types->execution_types[i];
		qsort(x->type_by_id, x->n_types, sizeof *x->type_by_id, cmp_type);
	}
	return 0;
}

void mlmd__olx_free(olx *x)
{
	mlmd_message_free(x->types);
	free(x->type_by_id);
	x->types = NULL;
	x->type_by_id = NULL;
	x->n_types = 0;
}

/* The eventType that ends a run in this state, or NULL when it has not
 * ended (NEW, RUNNING, UNKNOWN). */
static const char *end_event(const Mlmd__Pb__Execution *e)
{
	if (!e->has_last_known_state)
		return NULL;
	switch (e->last_known_state) {
	case MLMD__PB__EXECUTION__STATE__COMPLETE:
	case MLMD__PB__EXECUTION__STATE__CACHED:
		return "COMPLETE";
	case MLMD__PB__EXECUTION__STATE__FAILED:
		return "FAIL";
	case MLMD__PB__EXECUTION__STATE__CANCELED:
		return "ABORT";
	default:
		return NULL;
	}
}

#define PROPS(node) ((olx_prop *const *)(node)->custom_properties), (node)->n_custom_properties

/* The job name of a node: TYPE, or TYPE.NAME when it has a name. */
static int job_name(mlmd_json_writer *w, const char *type, const char *name)
{
	if (!name || !name[0]) {
		mlmd_json_string(w, type ? type : "");
		return 0;
	}
	mlmd_buf b = { 0 };
	mlmd__buf_puts(&b, type ? type : "");
	mlmd__buf_puts(&b, ".");
	mlmd__buf_puts(&b, name);
	mlmd__buf_put(&b, "", 1);
	int rc = b.oom ? MLMD_OOM() : 0;
	if (!rc)
		mlmd_json_string(w, b.p);
	mlmd__buf_free(&b);
	return rc;
}

/* The parent facet: the context's run (its kept run id, else the UUID of
 * ("context", id, create time)) and job (its kept namespace and name, else
 * ours and TYPE.NAME). */
static int parent_facet(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Context *c)
{
	char uuid[37];
	const char *run_id = mlmd__olx_custom_string(PROPS(c), MLMD__OL_PROP_RUN_ID);
	const char *jns = mlmd__olx_custom_string(PROPS(c), MLMD__OL_PROP_JOB_NAMESPACE);
	const char *jname = mlmd__olx_custom_string(PROPS(c), MLMD__OL_PROP_JOB_NAME);
	if (!run_id) {
		mlmd__ol_uuid("context", c->id, c->create_time_since_epoch, uuid);
		run_id = uuid;
	}
	mlmd__olx_facet_begin(x, w, "parent", OLX_FACET_URL("1-2-0", "ParentRunFacet"));
	mlmd_json_key(w, "run");
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "runId");
	mlmd_json_string(w, run_id);
	mlmd_json_object_end(w);
	mlmd_json_key(w, "job");
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "namespace");
	mlmd_json_string(w, jns ? jns : x->ns);
	mlmd_json_key(w, "name");
	int rc = 0;
	if (jname)
		mlmd_json_string(w, jname);
	else
		rc = job_name(w, c->type, c->name);
	mlmd_json_object_end(w);
	mlmd_json_object_end(w);
	return rc;
}

int mlmd__olx_is_input(const Mlmd__Pb__Event *ev)
{
	return ev->type == MLMD__PB__EVENT__TYPE__INPUT || ev->type == MLMD__PB__EVENT__TYPE__DECLARED_INPUT;
}

int mlmd__olx_is_output(const Mlmd__Pb__Event *ev)
{
	return ev->type == MLMD__PB__EVENT__TYPE__OUTPUT || ev->type == MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT;
}

static int cmp_event(const void *a, const void *b)
{
	const Mlmd__Pb__Event *x = *(Mlmd__Pb__Event *const *)a, *y = *(Mlmd__Pb__Event *const *)b;
	if (x->artifact_id != y->artifact_id)
		return x->artifact_id < y->artifact_id ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->milliseconds_since_epoch < y->milliseconds_since_epoch ? -1 :
		x->milliseconds_since_epoch > y->milliseconds_since_epoch;
}

/* The inputs (side 0) or outputs (side 1): one dataset per artifact, by
 * artifact id, with every event of that side joining it to the run. `evs`
 * is sorted by artifact id. */
static int datasets(const olx *x, mlmd_json_writer *w, Mlmd__Pb__Event *const *evs, size_t n, const olx_exec *d,
	int side)
{
	mlmd_json_key(w, side ? "outputs" : "inputs");
	mlmd_json_array_begin(w);
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i;
		while (j < n && evs[j]->artifact_id == evs[i]->artifact_id)
			j++;
		/* [i, j): this artifact's events; is one of them on this side? */
		size_t k = 0;
		for (size_t e = i; e < j; e++)
			k += side ? mlmd__olx_is_output(evs[e]) : mlmd__olx_is_input(evs[e]);
		const Mlmd__Pb__Artifact *a = k ? mlmd__olx_find_artifact(d->arts, d->n_arts, evs[i]->artifact_id) : NULL;
		if (a) {
			const char *kns = mlmd__olx_custom_string(PROPS(a), MLMD__OL_PROP_NAMESPACE);
			const char *kname = mlmd__olx_custom_string(PROPS(a), MLMD__OL_PROP_NAME);
			char *ns = NULL, *name = NULL;
			int kept = kns && kname && kns[0] && kname[0]; /* the names an import kept */
			if (!kept)
				rc = mlmd__ol_dataset_name(a->uri, a->type, a->name, a->id, x->ns, &ns, &name);
			if (!rc) {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "namespace");
				mlmd_json_string(w, kept ? kns : ns);
				mlmd_json_key(w, "name");
				mlmd_json_string(w, kept ? kname : name);
				mlmd_json_key(w, "facets");
				rc = mlmd__olx_dataset_facets(x, w, a, evs + i, j - i, side);
				/* how a run read or wrote it, as an import kept it */
				const Mlmd__Pb__Wkt__Struct *io = mlmd__olx_custom_struct(PROPS(a),
					side ? MLMD__OL_PROP_OUTPUT_FACETS : MLMD__OL_PROP_INPUT_FACETS);
				if (!rc && io && io->n_fields) {
					mlmd_json_key(w, side ? "outputFacets" : "inputFacets");
					mlmd_json_object_begin(w);
					rc = mlmd__olx_write_kept(w, io);
					mlmd_json_object_end(w);
				}
				mlmd_json_object_end(w);
			}
			free(ns);
			free(name);
		}
		i = j;
	}
	mlmd_json_array_end(w);
	return rc;
}

/* Writes one event of the run. */
static int write_event(const olx *x, mlmd_json_writer *w, const olx_exec *d, const char *type, int64_t when,
	Mlmd__Pb__Event *const *evs, size_t n_evs)
{
	const Mlmd__Pb__Execution *e = d->e;
	char t[32], uuid[37];
	mlmd__ol_format_time(when, t);
	const char *run_id = mlmd__olx_custom_string(PROPS(e), MLMD__OL_PROP_RUN_ID);
	const char *jns = mlmd__olx_custom_string(PROPS(e), MLMD__OL_PROP_JOB_NAMESPACE);
	const char *jname = mlmd__olx_custom_string(PROPS(e), MLMD__OL_PROP_JOB_NAME);
	const Mlmd__Pb__Wkt__Struct *kept = mlmd__olx_custom_struct(PROPS(e), MLMD__OL_PROP_FACETS);
	const Mlmd__Pb__Wkt__Struct *kept_run = mlmd__olx_kept_part(kept, "run"), *kept_job = mlmd__olx_kept_part(kept, "job");
	if (!run_id) {
		mlmd__ol_uuid("execution", e->id, e->create_time_since_epoch, uuid);
		run_id = uuid;
	}
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "eventType");
	mlmd_json_string(w, type);
	mlmd_json_key(w, "eventTime");
	mlmd_json_string(w, t);
	mlmd_json_key(w, "producer");
	mlmd_json_string(w, x->producer);
	mlmd_json_key(w, "schemaURL");
	mlmd_json_string(w, MLMD__OL_RUN_EVENT_SCHEMA);
	mlmd_json_key(w, "run");
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "runId");
	mlmd_json_string(w, run_id);
	mlmd_json_key(w, "facets");
	mlmd_json_object_begin(w);
	int rc = 0;
	if (d->parent && !mlmd__olx_kept_has(kept_run, "parent"))
		rc = parent_facet(x, w, d->parent);
	if (!rc)
		rc = mlmd__olx_run_facets(x, w, e, !strcmp(type, "FAIL"), kept_run);
	mlmd_json_object_end(w);
	mlmd_json_object_end(w);
	mlmd_json_key(w, "job");
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "namespace");
	mlmd_json_string(w, jns ? jns : x->ns);
	mlmd_json_key(w, "name");
	if (jname)
		mlmd_json_string(w, jname);
	else if (!rc)
		rc = job_name(w, e->type, e->name);
	mlmd_json_key(w, "facets");
	mlmd_json_object_begin(w);
	if (!rc)
		rc = mlmd__olx_job_facets(x, w, e, kept_job);
	mlmd_json_object_end(w);
	mlmd_json_object_end(w);
	if (!rc)
		rc = datasets(x, w, evs, n_evs, d, 0);
	if (!rc)
		rc = datasets(x, w, evs, n_evs, d, 1);
	mlmd_json_object_end(w);
	return rc;
}


/* Gives the sink one event's text; CANCELLED when it says stop. */
static int give(const Mlmd__Pb__Execution *e, const char *text, size_t len, mlmd_openlineage_sink sink, void *user,
	size_t *count)
{
	if (sink(text, len, user))
		return mlmd__fail(MLMD_CANCELLED, "execution %lld: the OpenLineage sink stopped the export", (long long)e->id);
	(*count)++;
	return 0;
}

/* The length of an event's first two members as write_event() begins it:
 * {"eventType":"TYPE","eventTime":"<24 bytes>" */
static size_t head_len(const char *type)
{
	return strlen("{\"eventType\":\"\",\"eventTime\":\"\"") + strlen(type) + 24;
}

int mlmd__olx_emit(const olx *x, const olx_exec *d, mlmd_openlineage_sink sink, void *user, size_t *count)
{
	const Mlmd__Pb__Execution *e = d->e;
	const char *end = end_event(e);
	/* the events of the sides we map, sorted by artifact so that each artifact is one dataset */
	Mlmd__Pb__Event **evs = d->n_events ? malloc(d->n_events * sizeof *evs) : NULL;
	if (d->n_events && !evs)
		return MLMD_OOM();
	size_t n = 0;
	for (size_t i = 0; i < d->n_events; i++)
		if (mlmd__olx_is_input(d->events[i]) || mlmd__olx_is_output(d->events[i]))
			evs[n++] = d->events[i];
	if (n > 1)
		qsort(evs, n, sizeof *evs, cmp_event);
	/* The end event is written first. A START differs from a COMPLETE or
	 * ABORT only in its first two members, so it is that text with another
	 * head (half the work of writing it again); a FAIL may carry an
	 * errorMessage facet, which a START does not, so its START is written
	 * on its own. */
	mlmd_json_writer *w = NULL, *w0 = NULL;
	char *start = NULL;
	int rc = mlmd_json_writer_new(&w, NULL);
	mlmd__json_writer_utf8_only(w); /* the store may hold bytes that are not UTF-8 (the C API takes them) */
	if (!rc)
		rc = write_event(x, w, d, end ? end : "START", end ? e->last_update_time_since_epoch :
			e->create_time_since_epoch, evs, n);
	if (!rc)
		rc = mlmd_json_writer_status(w);
	size_t len = 0;
	const char *text = rc ? NULL : mlmd_json_writer_text(w, &len);
	if (!rc && !end) {
		rc = give(e, text, len, sink, user, count);
	} else if (!rc && strcmp(end, "FAIL")) {
		size_t cut = head_len(end), keep = len - cut;
		char t[32];
		mlmd__ol_format_time(e->create_time_since_epoch, t);
		start = malloc(head_len("START") + keep + 1);
		if (!start) {
			rc = MLMD_OOM();
		} else {
			int h = mlmd__snprintf(start, head_len("START") + 1, "{\"eventType\":\"START\",\"eventTime\":\"%s\"", t);
			memcpy(start + h, text + cut, keep + 1);
			rc = give(e, start, (size_t)h + keep, sink, user, count);
		}
		if (!rc)
			rc = give(e, text, len, sink, user, count);
	} else if (!rc) {
		if (!(rc = mlmd_json_writer_new(&w0, NULL))) {
			mlmd__json_writer_utf8_only(w0);
			rc = write_event(x, w0, d, "START", e->create_time_since_epoch, evs, n);
		}
		if (!rc && !(rc = mlmd_json_writer_status(w0))) {
			size_t len0 = 0;
			const char *text0 = mlmd_json_writer_text(w0, &len0);
			rc = give(e, text0, len0, sink, user, count);
		}
		if (!rc)
			rc = give(e, text, len, sink, user, count);
	}
	free(start);
	mlmd_json_writer_free(w);
	mlmd_json_writer_free(w0);
	free(evs);
	if (rc && rc != -MLMD_CANCELLED)
		rc = mlmd__context(rc, "execution %lld", (long long)e->id);
	return rc;
}

/* ---- mlmd_openlineage_execution_events ------------------------------------------------------ */

static int cmp_context(const void *a, const void *b)
{
	int64_t x = (*(Mlmd__Pb__Context *const *)a)->id, y = (*(Mlmd__Pb__Context *const *)b)->id;
	return x < y ? -1 : x > y;
}

int mlmd_openlineage_execution_events(mlmd_store *store, const mlmd_openlineage_options *opts,
				      int64_t execution_id, mlmd_openlineage_sink sink, void *user)
{
	if (!store || !sink)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_execution_events: store and sink are required");
	/* one snapshot; inside the caller's transaction (begin refuses to nest), that one */
	int rc = mlmd_store_begin(store, 0), own = rc == 0;
	if (rc && rc != -MLMD_FAILED_PRECONDITION)
		return rc;
	olx x;
	if ((rc = mlmd__olx_init(&x, store, opts))) {
		mlmd__olx_free(&x);
		if (own)
			mlmd_store_rollback(store);
		return rc;
	}
	Mlmd__Pb__GetExecutionsByIDRequest eq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsRequest vq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetContextsByExecutionRequest cq = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDRequest aq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *es = NULL;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *vs = NULL;
	Mlmd__Pb__GetContextsByExecutionResponse *cs = NULL;
	Mlmd__Pb__GetArtifactsByIDResponse *as = NULL;
	int64_t id = execution_id;
	eq.n_execution_ids = vq.n_execution_ids = 1;
	eq.execution_ids = vq.execution_ids = &id;
	cq.has_execution_id = 1;
	cq.execution_id = id;
	if ((rc = mlmd_store_get_executions_by_id(store, &eq, &es)))
		goto out;
	if (es->n_executions == 0) {
		rc = mlmd__fail(MLMD_NOT_FOUND, "execution %lld does not exist", (long long)id);
		goto out;
	}
	if ((rc = mlmd_store_get_events_by_execution_ids(store, &vq, &vs)) ||
		(rc = mlmd_store_get_contexts_by_execution(store, &cq, &cs)))
		goto out;
	int64_t *ids = vs->n_events ? malloc(vs->n_events * sizeof *ids) : NULL;
	if (vs->n_events && !ids) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < vs->n_events; i++)
		ids[i] = vs->events[i]->artifact_id;
	aq.n_artifact_ids = vs->n_events;
	aq.artifact_ids = ids;
	rc = mlmd_store_get_artifacts_by_id(store, &aq, &as);
	free(ids);
	if (rc)
		goto out;
	if (as->n_artifacts > 1)
		qsort(as->artifacts, as->n_artifacts, sizeof *as->artifacts, mlmd__olx_cmp_artifact);
	/* the parent run: the associated context with the smallest id */
	if (cs->n_contexts > 1)
		qsort(cs->contexts, cs->n_contexts, sizeof *cs->contexts, cmp_context);
	olx_exec d = { es->executions[0], vs->events, vs->n_events, as->artifacts, as->n_artifacts,
		       cs->n_contexts ? cs->contexts[0] : NULL };
	size_t count = 0;
	rc = mlmd__olx_emit(&x, &d, sink, user, &count);
out:
	mlmd_message_free(es);
	mlmd_message_free(vs);
	mlmd_message_free(cs);
	mlmd_message_free(as);
	mlmd__olx_free(&x);
	if (own)
		mlmd_store_rollback(store); /* a read: nothing to keep */
	return rc;
}

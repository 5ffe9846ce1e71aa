/*
 * tools/mlmd_export.c - `mlmd export`, `mlmd import` and `mlmd import-mlmd`.
 *
 * The export is JSON lines: a header, then types, artifacts, executions,
 * contexts, events, attributions, associations and parent contexts, in that
 * order and by id. Each type, node and event line carries the message itself
 * ("pb": base64 of its protobuf encoding, so nothing is lost) next to a few
 * readable fields. Import puts them into a store in the same order, mapping
 * every old id to the new one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <mlmd.h>
#include "mlmd_cli.h"

#define BATCH 500

/* ---- export --------------------------------------------------------------------------------------- */

static long exported;
static bool progress;

static void line_pb(FILE *f, const char *kind, const ProtobufCMessage *m, const char *extra_fmt, ...)
{
	if (progress && ++exported % 1000 == 0)
		fprintf(stderr, "\rmlmd: exported %ld records", exported);
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n + 1);
	protobuf_c_message_pack(m, buf);
	fprintf(f, "{\"kind\":\"%s\"", kind);
	if (extra_fmt) {
		va_list ap;
		va_start(ap, extra_fmt);
		vfprintf(f, extra_fmt, ap);
		va_end(ap);
	}
	fputs(",\"pb\":\"", f);
	cli_b64(f, buf, n);
	fputs("\"}\n", f);
	free(buf);
}

typedef struct {
	int64_t *v;
	size_t n, cap;
} idlist;

static void ids_push(idlist *l, int64_t id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = id;
}

/* Pages through every node of a kind in id order, printing each. */
static int export_nodes(mlmd_store *s, FILE *f, int kind, idlist *ids)
{
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
		if (kind == 0) {
			Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_artifacts(s, &rq, &rs))) {
				resp = rs, n = rs->n_artifacts, next = rs->next_page_token;
				for (size_t i = 0; i < n; i++) {
					ids_push(ids, rs->artifacts[i]->id);
					line_pb(f, "artifact", &rs->artifacts[i]->base, ",\"id\":%lld,\"type_id\":%lld",
						(long long)rs->artifacts[i]->id, (long long)rs->artifacts[i]->type_id);
				}
			}
		} else if (kind == 1) {
			Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
			Mlmd__Pb__GetExecutionsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_executions(s, &rq, &rs))) {
				resp = rs, n = rs->n_executions, next = rs->next_page_token;
				for (size_t i = 0; i < n; i++) {
					ids_push(ids, rs->executions[i]->id);
					line_pb(f, "execution", &rs->executions[i]->base, ",\"id\":%lld,\"type_id\":%lld",
						(long long)rs->executions[i]->id, (long long)rs->executions[i]->type_id);
				}
			}
		} else {
			Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
			Mlmd__Pb__GetContextsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_contexts(s, &rq, &rs))) {
				resp = rs, n = rs->n_contexts, next = rs->next_page_token;
				for (size_t i = 0; i < n; i++) {
					ids_push(ids, rs->contexts[i]->id);
					line_pb(f, "context", &rs->contexts[i]->base, ",\"id\":%lld,\"type_id\":%lld",
						(long long)rs->contexts[i]->id, (long long)rs->contexts[i]->type_id);
				}
			}
		}
		if (rc)
			break;
		free(token);
		token = next && next[0] && n ? strdup(next) : NULL;
		mlmd_message_free(resp);
		if (!token)
			break;
	}
	free(token);
	return rc;
}

int cmd_export(const char *store_uri, int argc, char **argv)
{
	const char *path = "-";
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: mlmd [--store URI] export [--format jsonl] [FILE|-]\n\nWrites the whole store (types, "
				"nodes with their properties, events with paths, attributions, associations, parent contexts)\n"
				"as JSON lines; `mlmd import` reads it back into any store.\n");
			return 0;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			if (strcmp(argv[++i], "jsonl"))
				return cli_usage("export: the only format is jsonl");
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage("export: unknown option '%s'", argv[i]);
		} else {
			path = argv[i];
		}
	}
	mlmd_store *s;
	if (cli_open_store_ro(store_uri, &s))
		return EXIT_FAILED;
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		mlmd_store_free(s);
		return cli_failed("%s: %s", path, strerror(errno));
	}
	int rc = 0;
	progress = isatty(2);
	exported = 0;
	fprintf(f, "{\"kind\":\"mlmd_export\",\"version\":1,\"library\":\"%s\",\"schema_version\":%d}\n", mlmd_version(),
		mlmd_store_schema_version(s));
	Mlmd__Pb__GetArtifactTypesRequest a = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest e = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest c = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *ar = NULL;
	Mlmd__Pb__GetExecutionTypesResponse *er = NULL;
	Mlmd__Pb__GetContextTypesResponse *cr = NULL;
	if (mlmd_store_get_artifact_types(s, &a, &ar) || mlmd_store_get_execution_types(s, &e, &er) ||
		mlmd_store_get_context_types(s, &c, &cr)) {
		rc = cli_failed("%s", mlmd_error_message());
		goto out;
	}
	for (size_t i = 0; i < ar->n_artifact_types; i++)
		line_pb(f, "artifact_type", &ar->artifact_types[i]->base, ",\"id\":%lld", (long long)ar->artifact_types[i]->id);
	for (size_t i = 0; i < er->n_execution_types; i++)
		line_pb(f, "execution_type", &er->execution_types[i]->base, ",\"id\":%lld", (long long)er->execution_types[i]->id);
	for (size_t i = 0; i < cr->n_context_types; i++)
		line_pb(f, "context_type", &cr->context_types[i]->base, ",\"id\":%lld", (long long)cr->context_types[i]->id);
	idlist arts = { 0 }, execs = { 0 }, ctxs = { 0 };
	if ((rc = export_nodes(s, f, 0, &arts)) || (rc = export_nodes(s, f, 1, &execs)) ||
		(rc = export_nodes(s, f, 2, &ctxs))) {
		rc = cli_failed("%s", mlmd_error_message());
		goto lists;
	}
	for (size_t i = 0; i < execs.n && !rc; i += 100) {
		Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
		rq.n_execution_ids = execs.n - i < 100 ? execs.n - i : 100;
		rq.execution_ids = execs.v + i;
		if ((rc = mlmd_store_get_events_by_execution_ids(s, &rq, &rs))) {
			rc = cli_failed("%s", mlmd_error_message());
			break;
		}
		for (size_t k = 0; k < rs->n_events; k++)
			line_pb(f, "event", &rs->events[k]->base, NULL);
		mlmd_message_free(rs);
	}
	for (size_t i = 0; i < ctxs.n && !rc; i++) {
		int64_t cid = ctxs.v[i];
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
		do {
			lo.next_page_token = token;
			if ((rc = mlmd_store_get_artifacts_by_context(s, &aq, &as)))
				break;
			for (size_t k = 0; k < as->n_artifacts; k++)
				fprintf(f, "{\"kind\":\"attribution\",\"context_id\":%lld,\"artifact_id\":%lld}\n", (long long)cid,
					(long long)as->artifacts[k]->id);
			free(token);
			token = as->next_page_token && as->next_page_token[0] && as->n_artifacts ? strdup(as->next_page_token) : NULL;
			mlmd_message_free(as);
		} while (token);
		xq.options = &lo;
		do {
			lo.next_page_token = token;
			if (rc || (rc = mlmd_store_get_executions_by_context(s, &xq, &xs)))
				break;
			for (size_t k = 0; k < xs->n_executions; k++)
				fprintf(f, "{\"kind\":\"association\",\"context_id\":%lld,\"execution_id\":%lld}\n", (long long)cid,
					(long long)xs->executions[k]->id);
			free(token);
			token = xs->next_page_token && xs->next_page_token[0] && xs->n_executions ? strdup(xs->next_page_token) : NULL;
			mlmd_message_free(xs);
		} while (token);
		free(token);
		if (!rc && !(rc = mlmd_store_get_parent_contexts_by_context(s, &pq, &ps))) {
			for (size_t k = 0; k < ps->n_contexts; k++)
				fprintf(f, "{\"kind\":\"parent_context\",\"child_id\":%lld,\"parent_id\":%lld}\n", (long long)cid,
					(long long)ps->contexts[k]->id);
			mlmd_message_free(ps);
		}
		if (rc)
			rc = cli_failed("%s", mlmd_error_message());
	}
lists:
	if (progress && exported >= 1000)
		fputc('\n', stderr);
	free(arts.v);
	free(execs.v);
	free(ctxs.v);
out:
	mlmd_message_free(ar);
	mlmd_message_free(er);
	mlmd_message_free(cr);
	if (f != stdout && fclose(f) && !rc)
		rc = cli_failed("%s: write error", path);
	else if (f == stdout)
		fflush(stdout);
	mlmd_store_free(s);
	return rc;
}

/* ---- import ---------------------------------------------------------------------------------------------- */

/* old id -> new id, for one kind; ids arrive in increasing order */
typedef struct {
	int64_t *from, *to;
	size_t n, cap;
} idmap;

static void map_add(idmap *m, int64_t from, int64_t to)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->from = realloc(m->from, m->cap * sizeof *m->from);
		m->to = realloc(m->to, m->cap * sizeof *m->to);
	}
	m->from[m->n] = from;
	m->to[m->n++] = to;
}

static int64_t map_get(const idmap *m, int64_t from)
{
	for (size_t i = 0; i < m->n; i++) /* small maps: types; nodes are looked up by bsearch below */
		if (m->from[i] == from)
			return m->to[i];
	return -1;
}

static int cmp_pair(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t map_find(const idmap *m, int64_t from)
{
	/* entries were added in increasing `from` order */
	const int64_t *p = bsearch(&from, m->from, m->n, sizeof *m->from, cmp_pair);
	return p ? m->to[p - m->from] : -1;
}

static const char *json_field(const char *line, const char *key, size_t *len)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		const char *e = strchr(p + 1, '"');
		if (!e)
			return NULL;
		*len = (size_t)(e - p - 1);
		return p + 1;
	}
	const char *e = p;
	while (*e && *e != ',' && *e != '}')
		e++;
	*len = (size_t)(e - p);
	return p;
}

static int64_t json_int(const char *line, const char *key)
{
	size_t len;
	const char *p = json_field(line, key, &len);
	return p ? strtoll(p, NULL, 10) : -1;
}

/* Pending batches of one kind of line. */
typedef struct {
	int kind;                 /* 0 artifact, 1 execution, 2 context, 3 event, 4 attribution, 5 association, 6 parent */
	void *items[BATCH];
	int64_t old_ids[BATCH];
	size_t n;
} batch;

typedef struct {
	mlmd_store *s;
	idmap types, arts, execs, ctxs;
	long lineno;
	batch b;
	bool tty;
	long done;
} importer;

/* Gives the batch's new nodes the creation and update times they had in the export. */
static int keep_times(importer *im, const int64_t *new_ids)
{
	static const char *const kinds[3] = { "artifact", "execution", "context" };
	batch *b = &im->b;
	int64_t ids[BATCH], ct[BATCH], ut[BATCH];
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++) {
		const void *m = b->items[i];
		bool has_c, has_u;
		int64_t c, u;
		if (b->kind == 0) {
			const Mlmd__Pb__Artifact *a = m;
			has_c = a->has_create_time_since_epoch, c = a->create_time_since_epoch;
			has_u = a->has_last_update_time_since_epoch, u = a->last_update_time_since_epoch;
		} else if (b->kind == 1) {
			const Mlmd__Pb__Execution *e = m;
			has_c = e->has_create_time_since_epoch, c = e->create_time_since_epoch;
			has_u = e->has_last_update_time_since_epoch, u = e->last_update_time_since_epoch;
		} else {
			const Mlmd__Pb__Context *x = m;
			has_c = x->has_create_time_since_epoch, c = x->create_time_since_epoch;
			has_u = x->has_last_update_time_since_epoch, u = x->last_update_time_since_epoch;
		}
		if (!has_c || !has_u)
			continue;
		ids[n] = new_ids[i];
		ct[n] = c;
		ut[n++] = u;
	}
	return n ? mlmd_store_restore_times(im->s, kinds[b->kind], ids, ct, ut, n) : 0;
}

static int flush_batch(importer *im)
{
	batch *b = &im->b;
	if (!b->n)
		return 0;
	int rc = 0;
	switch (b->kind) {
	case 0: {
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = b->n;
		rq.artifacts = (Mlmd__Pb__Artifact **)b->items;
		if (!(rc = mlmd_store_put_artifacts(im->s, &rq, &rs))) {
			for (size_t i = 0; i < b->n; i++)
				map_add(&im->arts, b->old_ids[i], rs->artifact_ids[i]);
			rc = keep_times(im, rs->artifact_ids);
			mlmd_message_free(rs);
		}
		break;
	}
	case 1: {
		Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__PutExecutionsResponse *rs;
		rq.n_executions = b->n;
		rq.executions = (Mlmd__Pb__Execution **)b->items;
		if (!(rc = mlmd_store_put_executions(im->s, &rq, &rs))) {
			for (size_t i = 0; i < b->n; i++)
				map_add(&im->execs, b->old_ids[i], rs->execution_ids[i]);
			rc = keep_times(im, rs->execution_ids);
			mlmd_message_free(rs);
		}
		break;
	}
	case 2: {
		Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutContextsResponse *rs;
		rq.n_contexts = b->n;
		rq.contexts = (Mlmd__Pb__Context **)b->items;
		if (!(rc = mlmd_store_put_contexts(im->s, &rq, &rs))) {
			for (size_t i = 0; i < b->n; i++)
				map_add(&im->ctxs, b->old_ids[i], rs->context_ids[i]);
			rc = keep_times(im, rs->context_ids);
			mlmd_message_free(rs);
		}
		break;
	}
	case 3: {
		Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
		Mlmd__Pb__PutEventsResponse *rs;
		rq.n_events = b->n;
		rq.events = (Mlmd__Pb__Event **)b->items;
		if (!(rc = mlmd_store_put_events(im->s, &rq, &rs)))
			mlmd_message_free(rs);
		break;
	}
	case 4: case 5: {
		Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
		Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
		if (b->kind == 4) {
			rq.n_attributions = b->n;
			rq.attributions = (Mlmd__Pb__Attribution **)b->items;
		} else {
			rq.n_associations = b->n;
			rq.associations = (Mlmd__Pb__Association **)b->items;
		}
		if (!(rc = mlmd_store_put_attributions_and_associations(im->s, &rq, &rs)))
			mlmd_message_free(rs);
		break;
	}
	default: {
		Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutParentContextsResponse *rs;
		rq.n_parent_contexts = b->n;
		rq.parent_contexts = (Mlmd__Pb__ParentContext **)b->items;
		if (!(rc = mlmd_store_put_parent_contexts(im->s, &rq, &rs)))
			mlmd_message_free(rs);
	}
	}
	for (size_t i = 0; i < b->n; i++)
		mlmd_message_free(b->items[i]);
	im->done += (long)b->n;
	b->n = 0;
	if (im->tty)
		fprintf(stderr, "\rmlmd: imported %ld records", im->done);
	return rc ? cli_failed("import stopped at line %ld: %s", im->lineno, mlmd_error_message()) : 0;
}

static int queue(importer *im, int kind, void *item, int64_t old_id)
{
	int rc = 0;
	if (im->b.n && (im->b.kind != kind || im->b.n == BATCH))
		rc = flush_batch(im);
	im->b.kind = kind;
	im->b.items[im->b.n] = item;
	im->b.old_ids[im->b.n++] = old_id;
	return rc;
}

/* Decodes the line's "pb" into a message of the descriptor's type. */
static void *decode_pb(const char *line, const ProtobufCMessageDescriptor *d)
{
	size_t len;
	const char *p = json_field(line, "pb", &len);
	if (!p)
		return NULL;
	uint8_t *buf = malloc(len + 4);
	long n = buf ? cli_unb64(p, len, buf) : -1;
	ProtobufCMessage *m = n >= 0 ? protobuf_c_message_unpack(d, NULL, (size_t)n, buf) : NULL;
	free(buf);
	if (!m)
		return NULL;
	/* re-home it in malloc'd memory the store helpers can free: pack and unpack gives exactly that */
	return m;
}

static int import_line(importer *im, const char *line)
{
	size_t klen;
	const char *k = json_field(line, "kind", &klen);
	if (!k)
		return cli_failed("line %ld: no \"kind\"", im->lineno);
	char kind[32];
	snprintf(kind, sizeof kind, "%.*s", (int)(klen < 31 ? klen : 31), k);
	int rc = 0;
	if (!strcmp(kind, "mlmd_export"))
		return json_int(line, "version") == 1 ? 0 : cli_failed("line %ld: export version %lld is not supported",
			im->lineno, (long long)json_int(line, "version"));
	if (!strcmp(kind, "artifact_type") || !strcmp(kind, "execution_type") || !strcmp(kind, "context_type")) {
		if ((rc = flush_batch(im)))
			return rc;
		int64_t old = json_int(line, "id"), id = 0;
		if (kind[0] == 'a') {
			Mlmd__Pb__ArtifactType *t = decode_pb(line, &mlmd__pb__artifact_type__descriptor);
			Mlmd__Pb__PutArtifactTypeRequest rq;
			mlmd__pb__put_artifact_type_request__init(&rq);
			Mlmd__Pb__PutArtifactTypeResponse *rs;
			if (!t)
				return cli_failed("line %ld: a malformed type", im->lineno);
			t->has_id = 0;
			rq.artifact_type = t;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_artifact_type(im->s, &rq, &rs)))
				id = rs->type_id, mlmd_message_free(rs);
			protobuf_c_message_free_unpacked(&t->base, NULL);
		} else if (kind[0] == 'e') {
			Mlmd__Pb__ExecutionType *t = decode_pb(line, &mlmd__pb__execution_type__descriptor);
			Mlmd__Pb__PutExecutionTypeRequest rq;
			mlmd__pb__put_execution_type_request__init(&rq);
			Mlmd__Pb__PutExecutionTypeResponse *rs;
			if (!t)
				return cli_failed("line %ld: a malformed type", im->lineno);
			t->has_id = 0;
			rq.execution_type = t;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_execution_type(im->s, &rq, &rs)))
				id = rs->type_id, mlmd_message_free(rs);
			protobuf_c_message_free_unpacked(&t->base, NULL);
		} else {
			Mlmd__Pb__ContextType *t = decode_pb(line, &mlmd__pb__context_type__descriptor);
			Mlmd__Pb__PutContextTypeRequest rq;
			mlmd__pb__put_context_type_request__init(&rq);
			Mlmd__Pb__PutContextTypeResponse *rs;
			if (!t)
				return cli_failed("line %ld: a malformed type", im->lineno);
			t->has_id = 0;
			rq.context_type = t;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_context_type(im->s, &rq, &rs)))
				id = rs->type_id, mlmd_message_free(rs);
			protobuf_c_message_free_unpacked(&t->base, NULL);
		}
		if (rc)
			return cli_failed("line %ld: %s", im->lineno, mlmd_error_message());
		map_add(&im->types, old, id);
		return 0;
	}
	static const ProtobufCMessageDescriptor *const node_desc[3] = { &mlmd__pb__artifact__descriptor,
		&mlmd__pb__execution__descriptor, &mlmd__pb__context__descriptor };
	int nk = !strcmp(kind, "artifact") ? 0 : !strcmp(kind, "execution") ? 1 : !strcmp(kind, "context") ? 2 : -1;
	if (nk >= 0) {
		/* decode, then copy into mlmd_message_new() memory by re-packing, so mlmd_message_free() applies */
		ProtobufCMessage *m = decode_pb(line, node_desc[nk]);
		if (!m)
			return cli_failed("line %ld: a malformed %s", im->lineno, kind);
		size_t n = protobuf_c_message_get_packed_size(m);
		uint8_t *buf = malloc(n + 1);
		protobuf_c_message_pack(m, buf);
		protobuf_c_message_free_unpacked(m, NULL);
		void *node = protobuf_c_message_unpack(node_desc[nk], NULL, n, buf);
		free(buf);
		int64_t old = json_int(line, "id");
		int64_t *type_id = nk == 0 ? &((Mlmd__Pb__Artifact *)node)->type_id : nk == 1 ?
			&((Mlmd__Pb__Execution *)node)->type_id : &((Mlmd__Pb__Context *)node)->type_id;
		*type_id = map_get(&im->types, *type_id);
		if (*type_id < 0) {
			protobuf_c_message_free_unpacked(node, NULL);
			return cli_failed("line %ld: %s %lld has a type that is not in the export", im->lineno, kind,
				(long long)old);
		}
		if (nk == 0)
			((Mlmd__Pb__Artifact *)node)->has_id = 0;
		else if (nk == 1)
			((Mlmd__Pb__Execution *)node)->has_id = 0;
		else
			((Mlmd__Pb__Context *)node)->has_id = 0;
		return queue(im, nk, node, old);
	}
	if (!strcmp(kind, "event")) {
		if (im->b.n && im->b.kind < 3 && (rc = flush_batch(im)))
			return rc;
		Mlmd__Pb__Event *e = decode_pb(line, &mlmd__pb__event__descriptor);
		if (!e)
			return cli_failed("line %ld: a malformed event", im->lineno);
		e->artifact_id = map_find(&im->arts, e->artifact_id);
		e->execution_id = map_find(&im->execs, e->execution_id);
		if (e->artifact_id < 0 || e->execution_id < 0) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			return cli_failed("line %ld: an event between nodes that are not in the export", im->lineno);
		}
		return queue(im, 3, e, 0);
	}
	if (!strcmp(kind, "attribution") || !strcmp(kind, "association") || !strcmp(kind, "parent_context")) {
		if (im->b.n && im->b.kind < 3 && (rc = flush_batch(im)))
			return rc;
		int64_t a, b;
		void *item;
		int qk;
		if (kind[1] == 't') {
			a = map_find(&im->ctxs, json_int(line, "context_id"));
			b = map_find(&im->arts, json_int(line, "artifact_id"));
			Mlmd__Pb__Attribution *at = mlmd_message_new(&mlmd__pb__attribution__descriptor);
			at->has_context_id = at->has_artifact_id = 1;
			at->context_id = a;
			at->artifact_id = b;
			item = at;
			qk = 4;
		} else if (kind[0] == 'a') {
			a = map_find(&im->ctxs, json_int(line, "context_id"));
			b = map_find(&im->execs, json_int(line, "execution_id"));
			Mlmd__Pb__Association *as = mlmd_message_new(&mlmd__pb__association__descriptor);
			as->has_context_id = as->has_execution_id = 1;
			as->context_id = a;
			as->execution_id = b;
			item = as;
			qk = 5;
		} else {
			a = map_find(&im->ctxs, json_int(line, "child_id"));
			b = map_find(&im->ctxs, json_int(line, "parent_id"));
			Mlmd__Pb__ParentContext *pc = mlmd_message_new(&mlmd__pb__parent_context__descriptor);
			pc->has_child_id = pc->has_parent_id = 1;
			pc->child_id = a;
			pc->parent_id = b;
			item = pc;
			qk = 6;
		}
		if (a < 0 || b < 0) {
			mlmd_message_free(item);
			return cli_failed("line %ld: a %s between nodes that are not in the export", im->lineno, kind);
		}
		return queue(im, qk, item, 0);
	}
	return cli_failed("line %ld: unknown kind '%s'", im->lineno, kind);
}

int cmd_import(const char *store_uri, int argc, char **argv)
{
	if (argc != 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		if (argc == 1)
			printf("usage: mlmd [--store URI] import FILE|-\n\nReads an `mlmd export` into the store: types are "
				"merged with same-named ones, nodes and edges are added with new ids.\n");
		return argc == 1 ? 0 : cli_usage("import: give one FILE (or - for standard input)");
	}
	FILE *f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f)
		return cli_failed("%s: %s", argv[0], strerror(errno));
	importer im = { .tty = isatty(2) };
	if (cli_open_store(store_uri, &im.s, false)) {
		if (f != stdin)
			fclose(f);
		return EXIT_FAILED;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	while (!rc && (len = getline(&line, &cap, f)) > 0) {
		im.lineno++;
		if (len <= 1)
			continue;
		rc = import_line(&im, line);
	}
	if (!rc)
		rc = flush_batch(&im);
	for (size_t i = 0; i < im.b.n; i++)
		mlmd_message_free(im.b.items[i]);
	if (im.tty)
		fputc('\n', stderr);
	if (!rc)
		fprintf(stderr, "mlmd: imported %zu types, %zu artifacts, %zu executions, %zu contexts\n", im.types.n,
			im.arts.n, im.execs.n, im.ctxs.n);
	free(line);
	idmap *maps[4] = { &im.types, &im.arts, &im.execs, &im.ctxs };
	for (int i = 0; i < 4; i++) {
		free(maps[i]->from);
		free(maps[i]->to);
	}
	if (f != stdin)
		fclose(f);
	mlmd_store_free(im.s);
	return rc;
}

/* ---- import-mlmd: Google MLMD's SQLite schema 10 -------------------------------------------------------- */

static const ProtobufCMessageDescriptor *const PROP_ENTRY[3][2] = {
	{ &mlmd__pb__artifact__properties_entry__descriptor, &mlmd__pb__artifact__custom_properties_entry__descriptor },
	{ &mlmd__pb__execution__properties_entry__descriptor, &mlmd__pb__execution__custom_properties_entry__descriptor },
	{ &mlmd__pb__context__properties_entry__descriptor, &mlmd__pb__context__custom_properties_entry__descriptor },
};

/* MLMD stores a STRUCT as "mlmd-struct::" + base64 and a PROTO as base64 of an Any. */
static int mlmd_value(sqlite3_stmt *q, Mlmd__Pb__Value *v, const char **err)
{
	if (sqlite3_column_type(q, 5) != SQLITE_NULL) {
		const char *t = (const char *)sqlite3_column_text(q, 5);
		size_t len = strlen(t);
		uint8_t *buf = malloc(len + 4);
		long n = buf ? cli_unb64(t, len, buf) : -1;
		Mlmd__Pb__Wkt__Any *any = n >= 0 ? mlmd__pb__wkt__any__unpack(NULL, (size_t)n, buf) : NULL;
		free(buf);
		if (!any) {
			*err = "a proto_value that is not a base64 Any";
			return -1;
		}
		v->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
		v->proto_value = any;
	} else if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
		v->bool_value = sqlite3_column_int(q, 6) != 0;
	} else if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		v->int_value = sqlite3_column_int64(q, 2);
	} else if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = sqlite3_column_double(q, 3);
	} else if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
		const char *t = (const char *)sqlite3_column_text(q, 4);
		if (!strncmp(t, "mlmd-struct::", 13)) {
			size_t len = strlen(t + 13);
			uint8_t *buf = malloc(len + 4);
			long n = buf ? cli_unb64(t + 13, len, buf) : -1;
			Mlmd__Pb__Wkt__Struct *st = n >= 0 ? mlmd__pb__wkt__struct__unpack(NULL, (size_t)n, buf) : NULL;
			free(buf);
			if (!st) {
				*err = "a struct value that is not base64 of a Struct";
				return -1;
			}
			v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
			v->struct_value = st;
		} else {
			v->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
			v->string_value = strdup(t);
		}
	} else {
		*err = "a property with no value";
		return -1;
	}
	return 0;
}

static int mlmd_props(sqlite3 *db, int kind, int64_t id, void *node, const char **err)
{
	static const char *const sql[3] = {
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ArtifactProperty WHERE artifact_id = ? ORDER BY name",
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ExecutionProperty WHERE execution_id = ? ORDER BY name",
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ContextProperty WHERE context_id = ? ORDER BY name" };
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql[kind], -1, &q, NULL) != SQLITE_OK) {
		*err = sqlite3_errmsg(db);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	int rc = 0;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		int custom = sqlite3_column_int(q, 1) != 0;
		Mlmd__Pb__Artifact__PropertiesEntry *e = mlmd_message_new(PROP_ENTRY[kind][custom]);
		Mlmd__Pb__Value *v = mlmd_message_new(&mlmd__pb__value__descriptor);
		e->key = strdup((const char *)sqlite3_column_text(q, 0));
		e->value = v;
		if ((rc = mlmd_value(q, v, err)) || mlmd_message_append(node, custom ? "custom_properties" : "properties", e)) {
			mlmd_message_free(e);
			rc = -1;
			if (!*err)
				*err = mlmd_error_message();
		}
	}
	sqlite3_finalize(q);
	return rc;
}

static int base_type(sqlite3 *db, int64_t type_id, int kind)
{
	static const char *const art[] = { "", "mlmd.Dataset", "mlmd.Model", "mlmd.Metrics", "mlmd.Statistics" };
	static const char *const exe[] = { "", "mlmd.Train", "mlmd.Transform", "mlmd.Process", "mlmd.Evaluate", "mlmd.Deploy" };
	sqlite3_stmt *q;
	int r = 0;
	if (sqlite3_prepare_v2(db, "SELECT t.name FROM ParentType p JOIN Type t ON t.id = p.parent_type_id "
		"WHERE p.type_id = ?", -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, type_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(q, 0);
		for (int i = 1; i < (kind == 0 ? 5 : 6); i++)
			if (!strcmp(n, kind == 0 ? art[i] : exe[i]))
				r = i;
	}
	sqlite3_finalize(q);
	return r;
}

int cmd_import_mlmd(const char *store_uri, int argc, char **argv)
{
	if (argc != 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		if (argc == 1)
			printf("usage: mlmd [--store URI] import-mlmd PATH.db\n\nCopies everything in a database written by "
				"Google MLMD (SQLite, schema version 10) into the store, with new ids.\n");
		return argc == 1 ? 0 : cli_usage("import-mlmd: give the MLMD database's PATH");
	}
	sqlite3 *db;
	if (sqlite3_open_v2(argv[0], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		int rc = cli_failed("%s: %s", argv[0], sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	sqlite3_stmt *q;
	int version = -1;
	if (sqlite3_prepare_v2(db, "SELECT schema_version FROM MLMDEnv", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if (version != 10) {
		sqlite3_close(db);
		return version < 0 ? cli_failed("%s is not an MLMD database (no MLMDEnv table)", argv[0]) :
			cli_failed("%s: MLMD schema version %d is not supported (10 is: MLMD 1.14 and later); upgrade it with "
				"MLMD first", argv[0], version);
	}
	importer im = { .tty = isatty(2) };
	if (cli_open_store(store_uri, &im.s, false)) {
		sqlite3_close(db);
		return EXIT_FAILED;
	}
	int rc = 0;
	const char *err = NULL;
	/* types (MLMD's nine built-in "simple types" are its own business and are skipped) */
	if (sqlite3_prepare_v2(db, "SELECT id, name, version, type_kind, description, external_id FROM Type "
		"WHERE name NOT LIKE 'mlmd.%' ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		err = sqlite3_errmsg(db);
		rc = -1;
	}
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		int tk = sqlite3_column_int(q, 3), kind = tk == 1 ? 0 : tk == 0 ? 1 : 2;
		static const ProtobufCMessageDescriptor *const td[3] = { &mlmd__pb__artifact_type__descriptor,
			&mlmd__pb__execution_type__descriptor, &mlmd__pb__context_type__descriptor };
		void *t = mlmd_message_new(td[kind]);
		mlmd_message_set_string(t, "name", (const char *)sqlite3_column_text(q, 1));
		if (sqlite3_column_type(q, 2) != SQLITE_NULL)
			mlmd_message_set_string(t, "version", (const char *)sqlite3_column_text(q, 2));
		if (sqlite3_column_type(q, 4) != SQLITE_NULL)
			mlmd_message_set_string(t, "description", (const char *)sqlite3_column_text(q, 4));
		if (sqlite3_column_type(q, 5) != SQLITE_NULL)
			mlmd_message_set_string(t, "external_id", (const char *)sqlite3_column_text(q, 5));
		sqlite3_stmt *pq;
		if (sqlite3_prepare_v2(db, "SELECT name, data_type FROM TypeProperty WHERE type_id = ? ORDER BY name", -1,
			&pq, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(pq, 1, id);
			while (sqlite3_step(pq) == SQLITE_ROW)
				mlmd_type_add_property(t, (const char *)sqlite3_column_text(pq, 0),
					(Mlmd__Pb__PropertyType)sqlite3_column_int(pq, 1));
			sqlite3_finalize(pq);
		}
		int64_t new_id = 0;
		if (kind == 0) {
			Mlmd__Pb__ArtifactType *at = t;
			int bt = base_type(db, id, 0);
			if (bt)
				at->has_base_type = 1, at->base_type = bt;
			Mlmd__Pb__PutArtifactTypeRequest rq;
			mlmd__pb__put_artifact_type_request__init(&rq);
			Mlmd__Pb__PutArtifactTypeResponse *rs;
			rq.artifact_type = at;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_artifact_type(im.s, &rq, &rs)))
				new_id = rs->type_id, mlmd_message_free(rs);
		} else if (kind == 1) {
			Mlmd__Pb__ExecutionType *et = t;
			int bt = base_type(db, id, 1);
			if (bt)
				et->has_base_type = 1, et->base_type = bt;
			Mlmd__Pb__PutExecutionTypeRequest rq;
			mlmd__pb__put_execution_type_request__init(&rq);
			Mlmd__Pb__PutExecutionTypeResponse *rs;
			rq.execution_type = et;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_execution_type(im.s, &rq, &rs)))
				new_id = rs->type_id, mlmd_message_free(rs);
		} else {
			Mlmd__Pb__PutContextTypeRequest rq;
			mlmd__pb__put_context_type_request__init(&rq);
			Mlmd__Pb__PutContextTypeResponse *rs;
			rq.context_type = t;
			rq.has_can_add_fields = rq.can_add_fields = 1;
			if (!(rc = mlmd_store_put_context_type(im.s, &rq, &rs)))
				new_id = rs->type_id, mlmd_message_free(rs);
		}
		mlmd_message_free(t);
		if (rc)
			err = mlmd_error_message();
		else
			map_add(&im.types, id, new_id);
	}
	sqlite3_finalize(q);
	/* nodes */
	static const char *const nsql[3] = {
		"SELECT id, type_id, name, external_id, uri, state, create_time_since_epoch, last_update_time_since_epoch"
		" FROM Artifact ORDER BY id",
		"SELECT id, type_id, name, external_id, NULL, last_known_state, create_time_since_epoch,"
		" last_update_time_since_epoch FROM Execution ORDER BY id",
		"SELECT id, type_id, name, external_id, NULL, NULL, create_time_since_epoch, last_update_time_since_epoch"
		" FROM Context ORDER BY id" };
	static const ProtobufCMessageDescriptor *const nd[3] = { &mlmd__pb__artifact__descriptor,
		&mlmd__pb__execution__descriptor, &mlmd__pb__context__descriptor };
	for (int kind = 0; kind < 3 && !rc; kind++) {
		if (sqlite3_prepare_v2(db, nsql[kind], -1, &q, NULL) != SQLITE_OK) {
			err = sqlite3_errmsg(db);
			rc = -1;
			break;
		}
		while (!rc && sqlite3_step(q) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(q, 0), tid = map_get(&im.types, sqlite3_column_int64(q, 1));
			if (tid < 0) {
				err = "a node whose type is missing";
				rc = -1;
				break;
			}
			void *n = mlmd_message_new(nd[kind]);
			if (sqlite3_column_type(q, 2) != SQLITE_NULL)
				mlmd_message_set_string(n, "name", (const char *)sqlite3_column_text(q, 2));
			if (sqlite3_column_type(q, 3) != SQLITE_NULL)
				mlmd_message_set_string(n, "external_id", (const char *)sqlite3_column_text(q, 3));
			/* times, kept by keep_times() after the put (MLMD's Put would assign new ones) */
			int64_t ct = sqlite3_column_int64(q, 6), ut = sqlite3_column_int64(q, 7);
			if (kind == 0) {
				Mlmd__Pb__Artifact *a = n;
				a->has_create_time_since_epoch = a->has_last_update_time_since_epoch = 1;
				a->create_time_since_epoch = ct, a->last_update_time_since_epoch = ut;
				a->has_type_id = 1, a->type_id = tid;
				if (sqlite3_column_type(q, 4) != SQLITE_NULL)
					mlmd_message_set_string(a, "uri", (const char *)sqlite3_column_text(q, 4));
				if (sqlite3_column_type(q, 5) != SQLITE_NULL)
					a->has_state = 1, a->state = sqlite3_column_int(q, 5);
			} else if (kind == 1) {
				Mlmd__Pb__Execution *e = n;
				e->has_create_time_since_epoch = e->has_last_update_time_since_epoch = 1;
				e->create_time_since_epoch = ct, e->last_update_time_since_epoch = ut;
				e->has_type_id = 1, e->type_id = tid;
				if (sqlite3_column_type(q, 5) != SQLITE_NULL)
					e->has_last_known_state = 1, e->last_known_state = sqlite3_column_int(q, 5);
			} else {
				Mlmd__Pb__Context *c = n;
				c->has_create_time_since_epoch = c->has_last_update_time_since_epoch = 1;
				c->create_time_since_epoch = ct, c->last_update_time_since_epoch = ut;
				c->has_type_id = 1, c->type_id = tid;
			}
			if ((rc = mlmd_props(db, kind, id, n, &err)) || (rc = queue(&im, kind, n, id))) {
				if (rc && !err)
					err = "";
				break;
			}
		}
		sqlite3_finalize(q);
		if (!rc && (rc = flush_batch(&im)))
			err = "";
	}
	/* events with their paths */
	if (!rc && sqlite3_prepare_v2(db, "SELECT id, artifact_id, execution_id, type, milliseconds_since_epoch FROM Event "
		"ORDER BY id", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_stmt *pq = NULL;
		sqlite3_prepare_v2(db, "SELECT is_index_step, step_index, step_key FROM EventPath WHERE event_id = ? "
			"ORDER BY rowid", -1, &pq, NULL);
		while (!rc && sqlite3_step(q) == SQLITE_ROW) {
			Mlmd__Pb__Event *e = mlmd_message_new(&mlmd__pb__event__descriptor);
			e->has_artifact_id = e->has_execution_id = e->has_type = 1;
			e->artifact_id = map_find(&im.arts, sqlite3_column_int64(q, 1));
			e->execution_id = map_find(&im.execs, sqlite3_column_int64(q, 2));
			e->type = sqlite3_column_int(q, 3);
			if (sqlite3_column_type(q, 4) != SQLITE_NULL)
				e->has_milliseconds_since_epoch = 1, e->milliseconds_since_epoch = sqlite3_column_int64(q, 4);
			if (pq) {
				sqlite3_reset(pq);
				sqlite3_bind_int64(pq, 1, sqlite3_column_int64(q, 0));
				while (sqlite3_step(pq) == SQLITE_ROW) {
					if (!e->path)
						e->path = mlmd_message_new(&mlmd__pb__event__path__descriptor);
					Mlmd__Pb__Event__Path__Step *st = mlmd_message_new(&mlmd__pb__event__path__step__descriptor);
					if (sqlite3_column_int(pq, 0)) {
						st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
						st->index = sqlite3_column_int64(pq, 1);
					} else {
						st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
						st->key = strdup(sqlite3_column_type(pq, 2) == SQLITE_NULL ? "" :
							(const char *)sqlite3_column_text(pq, 2));
					}
					mlmd_message_append(e->path, "steps", st);
				}
			}
			if (e->artifact_id < 0 || e->execution_id < 0) {
				mlmd_message_free(e);
				err = "an event between nodes that are missing";
				rc = -1;
				break;
			}
			if ((rc = queue(&im, 3, e, 0)))
				err = "";
		}
		sqlite3_finalize(pq);
		sqlite3_finalize(q);
	}
	/* attributions, associations, parent contexts */
	static const char *const esql[3] = { "SELECT context_id, artifact_id FROM Attribution ORDER BY id",
		"SELECT context_id, execution_id FROM Association ORDER BY id",
		"SELECT context_id, parent_context_id FROM ParentContext" };
	for (int k = 0; k < 3 && !rc; k++) {
		if (sqlite3_prepare_v2(db, esql[k], -1, &q, NULL) != SQLITE_OK) {
			err = sqlite3_errmsg(db);
			rc = -1;
			break;
		}
		while (!rc && sqlite3_step(q) == SQLITE_ROW) {
			int64_t a = map_find(&im.ctxs, sqlite3_column_int64(q, 0));
			int64_t b = k == 0 ? map_find(&im.arts, sqlite3_column_int64(q, 1)) : k == 1 ?
				map_find(&im.execs, sqlite3_column_int64(q, 1)) : map_find(&im.ctxs, sqlite3_column_int64(q, 1));
			if (a < 0 || b < 0) {
				err = "a link between nodes that are missing";
				rc = -1;
				break;
			}
			void *item;
			if (k == 0) {
				Mlmd__Pb__Attribution *at = mlmd_message_new(&mlmd__pb__attribution__descriptor);
				at->has_context_id = at->has_artifact_id = 1, at->context_id = a, at->artifact_id = b;
				item = at;
			} else if (k == 1) {
				Mlmd__Pb__Association *as = mlmd_message_new(&mlmd__pb__association__descriptor);
				as->has_context_id = as->has_execution_id = 1, as->context_id = a, as->execution_id = b;
				item = as;
			} else {
				Mlmd__Pb__ParentContext *pc = mlmd_message_new(&mlmd__pb__parent_context__descriptor);
				pc->has_child_id = pc->has_parent_id = 1, pc->child_id = a, pc->parent_id = b;
				item = pc;
			}
			if ((rc = queue(&im, 4 + k, item, 0)))
				err = "";
		}
		sqlite3_finalize(q);
	}
	if (!rc && (rc = flush_batch(&im)))
		err = "";
	for (size_t i = 0; i < im.b.n; i++)
		mlmd_message_free(im.b.items[i]);
	if (im.tty)
		fputc('\n', stderr);
	int status = 0;
	if (rc)
		status = err && err[0] ? cli_failed("import-mlmd %s: %s", argv[0], err) : EXIT_FAILED;
	else
		fprintf(stderr, "mlmd: imported %zu types, %zu artifacts, %zu executions, %zu contexts from %s\n", im.types.n,
			im.arts.n, im.execs.n, im.ctxs.n, argv[0]);
	idmap *maps[4] = { &im.types, &im.arts, &im.execs, &im.ctxs };
	for (int i = 0; i < 4; i++) {
		free(maps[i]->from);
		free(maps[i]->to);
	}
	sqlite3_close(db);
	mlmd_store_free(im.s);
	return status;
}

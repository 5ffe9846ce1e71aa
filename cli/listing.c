/*
 * cli/listing.c - the `mlmd` commands that read a store: types, ls,
 * show, stats, lineage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mlmd.h>
#include "cli.h"

/* ---- small helpers ------------------------------------------------------------------------- */

static const char *kind_word(int kind)
{
	return kind == 0 ? "artifact" : kind == 1 ? "execution" : "context";
}

static int parse_kind(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "artifact") || !strcmp(s, "artifacts"))
		return 0;
	if (!strcmp(s, "execution") || !strcmp(s, "executions"))
		return 1;
	if (!strcmp(s, "context") || !strcmp(s, "contexts"))
		return 2;
	return -1;
}

/* ---- printing nodes ------------------------------------------------------------------------------- */

/* {"KEY":"<base64 of the message>"}: struct and proto values, losslessly. */
static void pb_json(mlmd_json_writer *w, const char *key, const ProtobufCMessage *m)
{
	char *b64 = cli_pb_b64(m);
	if (!b64) {
		mlmd_json_null(w);
		return;
	}
	mlmd_json_object_begin(w);
	mlmd_json_key(w, key);
	mlmd_json_string(w, b64);
	mlmd_json_object_end(w);
	free(b64);
}

static void value_json(mlmd_json_writer *w, const Mlmd__Pb__Value *v)
{
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: mlmd_json_int(w, v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: mlmd_json_double(w, v->double_value, 0); break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: mlmd_json_string(w, v->string_value ? v->string_value : ""); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: mlmd_json_bool(w, v->bool_value); break;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE: pb_json(w, "struct_pb", &v->struct_value->base); break;
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: pb_json(w, "proto_pb", &v->proto_value->base); break;
	default: mlmd_json_null(w);
	}
}

static void value_text(FILE *f, const Mlmd__Pb__Value *v)
{
	char num[40];
	if (v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE) { /* for people; --json keeps every digit */
		mlmd_double_format(num, sizeof num, v->double_value, 10);
		fputs(num, f);
	} else if (v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
		fputs(v->string_value, f);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE)
		fputs("<struct>", f);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_PROTO_VALUE)
		fputs("<proto>", f);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		fprintf(f, "%lld", (long long)v->int_value);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		fputs(v->bool_value ? "true" : "false", f);
	else
		fputs("null", f);
}

typedef struct {
	int64_t id, type_id;
	const char *name, *uri, *state, *external_id;
	int64_t created, updated;
	size_t n_props, n_custom;
	Mlmd__Pb__Artifact__PropertiesEntry **props; /* same layout for all three node kinds */
	Mlmd__Pb__Artifact__CustomPropertiesEntry **custom;
} node_view;

static const char *art_state(int s)
{
	static const char *const n[] = { "UNKNOWN", "PENDING", "LIVE", "MARKED_FOR_DELETION", "DELETED", "ABANDONED",
		"REFERENCE" };
	return s >= 0 && s < 7 ? n[s] : "UNKNOWN";
}

static const char *exe_state(int s)
{
	static const char *const n[] = { "UNKNOWN", "NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED" };
	return s >= 0 && s < 7 ? n[s] : "UNKNOWN";
}

static node_view view(int kind, const void *msg)
{
	node_view v = { 0 };
	if (kind == 0) {
		const Mlmd__Pb__Artifact *a = msg;
		v = (node_view){ a->id, a->type_id, a->name, a->uri, art_state(a->has_state ? a->state : 0), a->external_id,
			a->create_time_since_epoch, a->last_update_time_since_epoch, a->n_properties, a->n_custom_properties,
			a->properties, a->custom_properties };
	} else if (kind == 1) {
		const Mlmd__Pb__Execution *e = msg;
		v = (node_view){ e->id, e->type_id, e->name, NULL, exe_state(e->has_last_known_state ? e->last_known_state : 0),
			e->external_id, e->create_time_since_epoch, e->last_update_time_since_epoch, e->n_properties,
			e->n_custom_properties, (Mlmd__Pb__Artifact__PropertiesEntry **)e->properties,
			(Mlmd__Pb__Artifact__CustomPropertiesEntry **)e->custom_properties };
	} else {
		const Mlmd__Pb__Context *c = msg;
		v = (node_view){ c->id, c->type_id, c->name, NULL, NULL, c->external_id, c->create_time_since_epoch,
			c->last_update_time_since_epoch, c->n_properties, c->n_custom_properties,
			(Mlmd__Pb__Artifact__PropertiesEntry **)c->properties,
			(Mlmd__Pb__Artifact__CustomPropertiesEntry **)c->custom_properties };
	}
	return v;
}

static void node_json(mlmd_json_writer *w, int kind, const void *msg, const char *type)
{
	node_view v = view(kind, msg);
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, kind_word(kind));
	mlmd_json_key(w, "id");
	mlmd_json_int(w, v.id);
	mlmd_json_key(w, "type");
	mlmd_json_string(w, type ? type : "");
	if (v.name) {
		mlmd_json_key(w, "name");
		mlmd_json_string(w, v.name);
	}
	if (v.uri) {
		mlmd_json_key(w, "uri");
		mlmd_json_string(w, v.uri);
	}
	if (v.state) {
		mlmd_json_key(w, "state");
		mlmd_json_string(w, v.state);
	}
	if (v.external_id) {
		mlmd_json_key(w, "external_id");
		mlmd_json_string(w, v.external_id);
	}
	mlmd_json_key(w, "create_time_since_epoch");
	mlmd_json_int(w, v.created);
	mlmd_json_key(w, "last_update_time_since_epoch");
	mlmd_json_int(w, v.updated);
	for (int c = 0; c < 2; c++) {
		size_t n = c ? v.n_custom : v.n_props;
		mlmd_json_key(w, c ? "custom_properties" : "properties");
		mlmd_json_object_begin(w);
		for (size_t i = 0; i < n; i++) {
			const char *k = c ? v.custom[i]->key : v.props[i]->key;
			mlmd_json_key(w, k ? k : "");
			value_json(w, c ? v.custom[i]->value : v.props[i]->value);
		}
		mlmd_json_object_end(w);
	}
	mlmd_json_object_end(w);
}

static void node_text(FILE *f, int kind, const void *msg, const char *type, bool long_form)
{
	node_view v = view(kind, msg);
	fprintf(f, "%-6lld %-18s %-24s", (long long)v.id, type, v.name ? v.name : "");
	if (v.state)
		fprintf(f, " %-8s", v.state);
	if (v.uri)
		fprintf(f, " %s", v.uri);
	fputc('\n', f);
	if (!long_form)
		return;
	for (int c = 0; c < 2; c++) {
		size_t n = c ? v.n_custom : v.n_props;
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "    %s%s = ", c ? "(custom) " : "", c ? v.custom[i]->key : v.props[i]->key);
			value_text(f, c ? v.custom[i]->value : v.props[i]->value);
			fputc('\n', f);
		}
	}
}

/* Type names by id, for printing, and by kind, for checking --type. */
typedef struct {
	size_t n;
	int64_t *ids;
	const char **names;      /* borrowed from resp */
	int *kinds;              /* 0 artifact, 1 execution, 2 context */
	const char **versions;   /* borrowed from resp; NULL when unversioned */
	void *resp[3];
} type_names;

static void free_types(type_names *t)
{
	for (int i = 0; i < 3; i++)
		mlmd_message_free(t->resp[i]);
	free(t->ids);
	free(t->names);
	free(t->kinds);
	free(t->versions);
	memset(t, 0, sizeof *t);
}

static int load_types(mlmd_store *s, type_names *t)
{
	memset(t, 0, sizeof *t);
	Mlmd__Pb__GetArtifactTypesRequest a = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest e = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest c = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *ar = NULL;
	Mlmd__Pb__GetExecutionTypesResponse *er = NULL;
	Mlmd__Pb__GetContextTypesResponse *cr = NULL;
	int rc = mlmd_store_get_artifact_types(s, &a, &ar);
	if (!rc)
		rc = mlmd_store_get_execution_types(s, &e, &er);
	if (!rc)
		rc = mlmd_store_get_context_types(s, &c, &cr);
	t->resp[0] = ar, t->resp[1] = er, t->resp[2] = cr;
	if (rc) {
		rc = cli_failed("%s", mlmd_error_message());
		free_types(t);
		return rc;
	}
	size_t total = ar->n_artifact_types + er->n_execution_types + cr->n_context_types;
	t->ids = malloc((total + 1) * sizeof *t->ids);
	t->names = malloc((total + 1) * sizeof *t->names);
	t->kinds = malloc((total + 1) * sizeof *t->kinds);
	t->versions = malloc((total + 1) * sizeof *t->versions);
	if (!t->ids || !t->names || !t->kinds || !t->versions) {
		free_types(t);
		return cli_failed("out of memory");
	}
	for (size_t i = 0; i < ar->n_artifact_types; i++, t->n++)
		t->ids[t->n] = ar->artifact_types[i]->id, t->names[t->n] = ar->artifact_types[i]->name, t->kinds[t->n] = 0,
		t->versions[t->n] = ar->artifact_types[i]->version;
	for (size_t i = 0; i < er->n_execution_types; i++, t->n++)
		t->ids[t->n] = er->execution_types[i]->id, t->names[t->n] = er->execution_types[i]->name, t->kinds[t->n] = 1,
		t->versions[t->n] = er->execution_types[i]->version;
	for (size_t i = 0; i < cr->n_context_types; i++, t->n++)
		t->ids[t->n] = cr->context_types[i]->id, t->names[t->n] = cr->context_types[i]->name, t->kinds[t->n] = 2,
		t->versions[t->n] = cr->context_types[i]->version;
	return 0;
}

/* Opens an existing store read-only (every user of this is a command that
 * only reads) and reads its type names; on failure prints why and leaves
 * nothing open. */
static int open_with_types(mlmd_store **s, type_names *t)
{
	if (cli_open_store_ro(cli_g.store, s))
		return -1;
	if (load_types(*s, t)) {
		mlmd_store_free(*s);
		*s = NULL;
		return -1;
	}
	return 0;
}

static const char *tname(const type_names *t, int64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ids[i] == id)
			return t->names[i];
	return "?";
}

/* ---- types ---------------------------------------------------------------------------------- */

int cmd_types(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON array on stdout", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "types", NULL, 0, 0, "Lists the artifact, execution and context types with their properties.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	type_names t;
	if (open_with_types(&s, &t))
		return EXIT_FAILED;
	static const char *const ptypes[] = { "UNKNOWN", "INT", "DOUBLE", "STRING", "STRUCT", "PROTO", "BOOLEAN" };
	mlmd_json_writer *w = json ? cli_json_stdout() : NULL;
	if (json && !w) {
		free_types(&t);
		mlmd_store_free(s);
		return EXIT_FAILED;
	}
	mlmd_json_array_begin(w);
	size_t k = 0;
	for (int kind = 0; kind < 3; kind++) {
		size_t n = kind == 0 ? ((Mlmd__Pb__GetArtifactTypesResponse *)t.resp[0])->n_artifact_types :
			kind == 1 ? ((Mlmd__Pb__GetExecutionTypesResponse *)t.resp[1])->n_execution_types :
			((Mlmd__Pb__GetContextTypesResponse *)t.resp[2])->n_context_types;
		for (size_t i = 0; i < n; i++, k++) {
			/* the three type messages share their first fields: id, name, version, description, properties */
			const Mlmd__Pb__ArtifactType *ty = kind == 0 ? ((Mlmd__Pb__GetArtifactTypesResponse *)t.resp[0])->artifact_types[i] :
				NULL;
			const Mlmd__Pb__ExecutionType *ey = kind == 1 ? ((Mlmd__Pb__GetExecutionTypesResponse *)t.resp[1])->execution_types[i] :
				NULL;
			const Mlmd__Pb__ContextType *cy = kind == 2 ? ((Mlmd__Pb__GetContextTypesResponse *)t.resp[2])->context_types[i] :
				NULL;
			int64_t id = ty ? ty->id : ey ? ey->id : cy->id;
			const char *name = ty ? ty->name : ey ? ey->name : cy->name;
			size_t np = ty ? ty->n_properties : ey ? ey->n_properties : cy->n_properties;
			if (json) {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "kind");
				mlmd_json_string(w, kind_word(kind));
				mlmd_json_key(w, "id");
				mlmd_json_int(w, id);
				mlmd_json_key(w, "name");
				mlmd_json_string(w, name ? name : "");
				mlmd_json_key(w, "properties");
				mlmd_json_object_begin(w);
			} else {
				printf("%-9s %-5lld %s", kind_word(kind), (long long)id, name);
			}
			for (size_t p = 0; p < np; p++) {
				const char *pk = ty ? ty->properties[p]->key : ey ? ey->properties[p]->key : cy->properties[p]->key;
				int pv = ty ? ty->properties[p]->value : ey ? ey->properties[p]->value : cy->properties[p]->value;
				const char *pn = pv >= 0 && pv < 7 ? ptypes[pv] : "UNKNOWN";
				if (json) {
					mlmd_json_key(w, pk ? pk : "");
					mlmd_json_string(w, pn);
				} else {
					printf("%s%s:%s", p ? ", " : "  (", pk, pn);
				}
			}
			if (json) {
				mlmd_json_object_end(w);
				mlmd_json_object_end(w);
			} else {
				fputs(np ? ")\n" : "\n", stdout);
			}
		}
	}
	if (json) {
		mlmd_json_array_end(w);
		rc = cli_json_done(w);
	}
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

/* ---- ls, show --------------------------------------------------------------------------------------- */

/* One page of a listing. */
typedef struct {
	void *resp;             /* free with mlmd_message_free() */
	void **nodes;           /* borrowed from resp */
	size_t n;
	const char *next;       /* the next page's token, "" or NULL at the end */
} page;

/* A page of every node of a kind (context_id 0), or of the artifacts (kind 0)
 * or executions (kind 1) of one context, with the options' order and filter. */
static int list_page(mlmd_store *s, int kind, int64_t context_id, Mlmd__Pb__ListOperationOptions *lo, page *p)
{
	int rc;
	memset(p, 0, sizeof *p);
	if (context_id && kind == 0) {
		Mlmd__Pb__GetArtifactsByContextRequest rq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsByContextResponse *rs;
		rq.has_context_id = 1;
		rq.context_id = context_id;
		rq.options = lo;
		if (!(rc = mlmd_store_get_artifacts_by_context(s, &rq, &rs)))
			p->resp = rs, p->n = rs->n_artifacts, p->nodes = (void **)rs->artifacts, p->next = rs->next_page_token;
	} else if (context_id) {
		Mlmd__Pb__GetExecutionsByContextRequest rq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsByContextResponse *rs;
		rq.has_context_id = 1;
		rq.context_id = context_id;
		rq.options = lo;
		if (!(rc = mlmd_store_get_executions_by_context(s, &rq, &rs)))
			p->resp = rs, p->n = rs->n_executions, p->nodes = (void **)rs->executions, p->next = rs->next_page_token;
	} else if (kind == 0) {
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs;
		rq.options = lo;
		if (!(rc = mlmd_store_get_artifacts(s, &rq, &rs)))
			p->resp = rs, p->n = rs->n_artifacts, p->nodes = (void **)rs->artifacts, p->next = rs->next_page_token;
	} else if (kind == 1) {
		Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsResponse *rs;
		rq.options = lo;
		if (!(rc = mlmd_store_get_executions(s, &rq, &rs)))
			p->resp = rs, p->n = rs->n_executions, p->nodes = (void **)rs->executions, p->next = rs->next_page_token;
	} else {
		Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__GetContextsResponse *rs;
		rq.options = lo;
		if (!(rc = mlmd_store_get_contexts(s, &rq, &rs)))
			p->resp = rs, p->n = rs->n_contexts, p->nodes = (void **)rs->contexts, p->next = rs->next_page_token;
	}
	if (p->next && !p->next[0])
		p->next = NULL;
	return rc;
}

/* Calls fn on up to `limit` nodes of a listing (every node when limit < 0), page by
 * page; sets *more when the listing holds nodes beyond the limit. */
static int list_each(mlmd_store *s, int kind, int64_t context_id, Mlmd__Pb__ListOperationOptions *lo,
	int64_t limit, bool *more, void (*fn)(void *arg, int kind, const void *node), void *arg)
{
	int64_t shown = 0;
	char *token = NULL;
	int rc = 0;
	*more = false;
	lo->has_max_result_size = 1;
	for (;;) {
		/* one row past the limit says whether there are more */
		int64_t left = limit < 0 ? INT64_MAX : limit - shown;
		lo->max_result_size = (int32_t)(left >= 100 ? 100 : left + 1);
		lo->next_page_token = token;
		page p;
		if ((rc = list_page(s, kind, context_id, lo, &p)))
			break;
		for (size_t i = 0; i < p.n; i++, shown++) {
			if (limit >= 0 && shown == limit) {
				*more = true;
				break;
			}
			fn(arg, kind, p.nodes[i]);
		}
		free(token);
		token = !*more && p.n && p.next ? strdup(p.next) : NULL;
		mlmd_message_free(p.resp);
		if (!token)
			break;
	}
	free(token);
	lo->next_page_token = NULL;
	return rc;
}

typedef struct {
	const type_names *t;
	mlmd_json_writer *w;     /* --json, else NULL */
	bool long_form;
	long shown;
} ls_out;

static void ls_print(void *arg, int kind, const void *node)
{
	ls_out *o = arg;
	node_view v = view(kind, node);
	if (o->w) {
		node_json(o->w, kind, node, tname(o->t, v.type_id));
	} else {
		node_text(stdout, kind, node, tname(o->t, v.type_id), o->long_form);
	}
	o->shown++;
}

/* The filter for --type T [--filter Q]: "type = 'T' AND (Q)", T quoted for the filter language. */
static char *ls_query(const char *type, const char *filter)
{
	size_t n = (type ? 2 * strlen(type) + 16 : 0) + (filter ? strlen(filter) + 8 : 0) + 1;
	char *q = malloc(n), *w = q;
	if (!q)
		return NULL;
	*w = '\0';
	if (type) {
		w += sprintf(w, "type = '");
		for (const char *c = type; *c; c++) {
			if (*c == '\'' || *c == '\\')
				*w++ = '\\';
			*w++ = *c;
		}
		w += sprintf(w, "'%s", filter ? " AND (" : "");
	}
	if (filter)
		w += sprintf(w, "%s%s", filter, type ? ")" : "");
	return q;
}

int cmd_ls(int argc, char **argv)
{
	static const char *const orders[] = { "id", "create_time", "update_time", NULL };
	static const int order_field[] = { MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID,
		MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME,
		MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__LAST_UPDATE_TIME };
	const char *type = NULL, *filter = NULL;
	int64_t limit = 100;
	int order = 0;
	bool json = false, desc = false, long_form = false, all = false;
	const cli_opt opts[] = {
		CLI_STR("--type", "T", "only nodes of type T", &type),
		CLI_STR("--filter", "QUERY", "only nodes matching an MLMD filter query (docs/queries.md)", &filter),
		CLI_INT("--limit", "N", "print at most N nodes (default 100; a notice on stderr says when more match)",
			&limit, 1, INT64_MAX),
		CLI_FLAG("--all", "print every node that matches", &all),
		CLI_CHOICE("--order", "order by this field (default id); ties in id order", &order, orders),
		CLI_FLAG("--desc", "descending order", &desc),
		CLI_FLAG("--long", "print each node's properties too", &long_form),
		CLI_FLAG("--json", "one JSON array of nodes on stdout (times in ms since the epoch)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "ls", "artifacts|executions|contexts", 1, 1,
		"Lists nodes, optionally of one type and matching an MLMD filter query (see docs/queries.md).", true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	int kind = parse_kind(args[0]);
	if (kind < 0)
		return cli_usage("ls: say what to list: artifacts, executions or contexts (not '%s')", args[0]);
	mlmd_store *s;
	type_names t;
	if (open_with_types(&s, &t))
		return EXIT_FAILED;
	if (type) {
		/* a type that does not exist is a mistake, not an empty listing */
		bool known = false;
		size_t nk = 0, len = 0;
		for (size_t i = 0; i < t.n; i++)
			if (t.kinds[i] == kind) {
				known = known || !strcmp(t.names[i], type);
				nk++;
				len += strlen(t.names[i]) + 2;
			}
		if (!known) {
			char *list = malloc(len + 1), *w = list;
			for (size_t i = 0; list && i < t.n; i++)
				if (t.kinds[i] == kind)
					w += sprintf(w, "%s%s", w == list ? "" : ", ", t.names[i]);
			if (list)
				*w = '\0';
			const char **names = malloc((nk + 1) * sizeof *names);
			size_t nn = 0;
			for (size_t i = 0; names && i < t.n; i++)
				if (t.kinds[i] == kind)
					names[nn++] = t.names[i];
			const char *near = names ? cli_closest(type, names, nn) : NULL;
			if (near)
				rc = cli_failed("ls: no %s type '%s' in the store (did you mean %s?); its %s types: %s",
					kind_word(kind), type, near, kind_word(kind), list ? list : "?");
			else if (nk)
				rc = cli_failed("ls: no %s type '%s' in the store; its %s types: %s", kind_word(kind), type,
					kind_word(kind), list ? list : "?");
			else
				rc = cli_failed("ls: no %s type '%s': the store has no %s types", kind_word(kind), type,
					kind_word(kind));
			free(names);
			free(list);
			free_types(&t);
			mlmd_store_free(s);
			return rc;
		}
	}
	char *query = type || filter ? ls_query(type, filter) : NULL;
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = ob.has_is_asc = 1;
	ob.field = order_field[order];
	ob.is_asc = !desc;
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.order_by_field = &ob;
	lo.filter_query = query;
	ls_out out = { .t = &t, .long_form = long_form };
	bool more = false;
	if (json && !(out.w = cli_json_stdout()))
		rc = EXIT_FAILED;
	mlmd_json_array_begin(out.w); /* (a no-op without --json) */
	if (rc)
		; /* printed */
	else if ((type || filter) && !query)
		rc = cli_failed("out of memory");
	else if (list_each(s, kind, 0, &lo, all ? -1 : limit, &more, ls_print, &out))
		rc = cli_failed("%s", mlmd_error_message());
	if (out.w) {
		mlmd_json_array_end(out.w);
		int jrc = cli_json_done(out.w);
		rc = rc ? rc : jrc;
	}
	if (!rc && more)
		fprintf(stderr, "mlmd: showing the first %ld %s%s; more match (--limit N for more, --all for every one)\n",
			out.shown, kind_word(kind), out.shown == 1 ? "" : "s");
	free(query);
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

/* ---- show ----------------------------------------------------------------------------------------- */

/* One line about a neighbour: "Run 'run-1' #4", for show's lists. */
static void brief_text(const type_names *t, int kind, const void *node)
{
	node_view v = view(kind, node);
	fputs(tname(t, v.type_id), stdout);
	if (v.name && v.name[0])
		printf(" '%s'", v.name);
	printf(" #%lld", (long long)v.id);
	if (kind == 1 && v.state)
		printf(" [%s]", v.state);
	if (v.uri && v.uri[0])
		printf(" %s", v.uri);
	putchar('\n');
}

static void brief_json(mlmd_json_writer *w, const type_names *t, int kind, const void *node)
{
	node_view v = view(kind, node);
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "id");
	mlmd_json_int(w, v.id);
	mlmd_json_key(w, "type");
	mlmd_json_string(w, tname(t, v.type_id));
	mlmd_json_key(w, "name");
	mlmd_json_string(w, v.name ? v.name : "");
	if (v.state) {
		mlmd_json_key(w, "state");
		mlmd_json_string(w, v.state);
	}
	if (kind == 0) {
		mlmd_json_key(w, "uri");
		mlmd_json_string(w, v.uri ? v.uri : "");
	}
	mlmd_json_object_end(w);
}

/* How many members `show context` prints as text; --json prints them all. */
#define SHOW_MEMBERS 100

typedef struct {
	const type_names *t;
	mlmd_json_writer *w;     /* --json, else NULL */
	const char *label;       /* text: "artifact", "execution" */
	long n;
} member_out;

static void member_print(void *arg, int kind, const void *node)
{
	member_out *o = arg;
	if (o->w) {
		brief_json(o->w, o->t, kind, node);
	} else {
		printf("  %-9s ", o->label);
		brief_text(o->t, kind, node);
	}
	o->n++;
}

/* A list of contexts (a response's array) under `key` (JSON, when w is set)
 * or as lines labelled `label`. */
static void print_contexts(const type_names *t, mlmd_json_writer *w, const char *key, const char *label,
	Mlmd__Pb__Context **cs, size_t n)
{
	if (w) {
		mlmd_json_key(w, key);
		mlmd_json_array_begin(w);
	}
	for (size_t i = 0; i < n; i++) {
		if (w) {
			brief_json(w, t, 2, cs[i]);
		} else {
			printf("  %-9s ", label);
			brief_text(t, 2, cs[i]);
		}
	}
	mlmd_json_array_end(w);
}

/* The contexts of an artifact or execution; or a context's parents, children
 * and members. Returns 0 or the failed call's status. */
static int show_links(mlmd_store *s, const type_names *t, int kind, int64_t id, mlmd_json_writer *w)
{
	int rc = 0;
	if (kind < 2) {
		void *resp = NULL;
		Mlmd__Pb__Context **cs = NULL;
		size_t n = 0;
		if (kind == 0) {
			Mlmd__Pb__GetContextsByArtifactRequest rq = MLMD__PB__GET_CONTEXTS_BY_ARTIFACT_REQUEST__INIT;
			Mlmd__Pb__GetContextsByArtifactResponse *rs;
			rq.has_artifact_id = 1;
			rq.artifact_id = id;
			if (!(rc = mlmd_store_get_contexts_by_artifact(s, &rq, &rs)))
				resp = rs, cs = rs->contexts, n = rs->n_contexts;
		} else {
			Mlmd__Pb__GetContextsByExecutionRequest rq = MLMD__PB__GET_CONTEXTS_BY_EXECUTION_REQUEST__INIT;
			Mlmd__Pb__GetContextsByExecutionResponse *rs;
			rq.has_execution_id = 1;
			rq.execution_id = id;
			if (!(rc = mlmd_store_get_contexts_by_execution(s, &rq, &rs)))
				resp = rs, cs = rs->contexts, n = rs->n_contexts;
		}
		if (!rc)
			print_contexts(t, w, "contexts", "context", cs, n);
		mlmd_message_free(resp);
		return rc;
	}
	Mlmd__Pb__GetParentContextsByContextRequest pq = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextResponse *ps;
	pq.has_context_id = 1;
	pq.context_id = id;
	if ((rc = mlmd_store_get_parent_contexts_by_context(s, &pq, &ps)))
		return rc;
	print_contexts(t, w, "parents", "parent", ps->contexts, ps->n_contexts);
	mlmd_message_free(ps);
	Mlmd__Pb__GetChildrenContextsByContextRequest cq = MLMD__PB__GET_CHILDREN_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetChildrenContextsByContextResponse *cs;
	cq.has_context_id = 1;
	cq.context_id = id;
	if ((rc = mlmd_store_get_children_contexts_by_context(s, &cq, &cs)))
		return rc;
	print_contexts(t, w, "children", "child", cs->contexts, cs->n_contexts);
	mlmd_message_free(cs);
	for (int k = 0; k < 2; k++) {
		Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
		ob.has_field = ob.has_is_asc = 1;
		ob.field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID;
		ob.is_asc = 1;
		Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		lo.order_by_field = &ob;
		member_out o = { t, w, k ? "execution" : "artifact", 0 };
		bool more = false;
		if (w) {
			mlmd_json_key(w, k ? "executions" : "artifacts");
			mlmd_json_array_begin(w);
		}
		if ((rc = list_each(s, k, id, &lo, w ? -1 : SHOW_MEMBERS, &more, member_print, &o)))
			return rc;
		mlmd_json_array_end(w);
		if (more)
			fprintf(stderr, "mlmd: context %lld has more than %d %ss; the first %d are shown (every one: "
				"mlmd ls %ss --filter 'contexts_c.id = %lld' --all)\n", (long long)id, SHOW_MEMBERS, o.label,
				SHOW_MEMBERS, o.label, (long long)id);
	}
	return 0;
}

/* The node's effective labels (GetEffectiveLabels; mlmd/datagov.h), one line each with its source,
 * or a "labels" array in JSON; nothing when it has none or the store has no labels (schema below 5). */
static void show_labels(mlmd_store *s, int kind, int64_t id, mlmd_json_writer *w)
{
	static const mlmd_node_kind kinds[] = { MLMD_NODE_ARTIFACT, MLMD_NODE_EXECUTION, MLMD_NODE_CONTEXT };
	mlmd_label_list *ls = NULL;
	if (mlmd_store_schema_version(s) < 5 || mlmd_labels_effective(s, kinds[kind], id, 0, &ls) || !ls->n) {
		mlmd_label_list_free(ls);
		return;
	}
	if (w) {
		mlmd_json_key(w, "labels");
		mlmd_json_array_begin(w);
	}
	for (size_t i = 0; i < ls->n; i++) {
		const mlmd_label *l = &ls->labels[i];
		const char *src = mlmd_node_kind_name(l->source_kind);
		if (w) {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "label");
			mlmd_json_string(w, l->label);
			mlmd_json_key(w, "source_kind");
			mlmd_json_string(w, src ? src : "");
			mlmd_json_key(w, "source_id");
			mlmd_json_int(w, l->source_id);
			mlmd_json_key(w, "distance");
			mlmd_json_int(w, l->distance);
			mlmd_json_key(w, "reason");
			mlmd_json_string(w, l->reason);
			mlmd_json_object_end(w);
			continue;
		}
		printf("  label     %s", l->label);
		if (l->distance == 0)
			printf(" (its own)");
		else
			printf(" (from %s %lld, %d hop%s upstream)", src ? src : "node", (long long)l->source_id, l->distance,
				l->distance == 1 ? "" : "s");
		if (l->reason && l->reason[0])
			printf(": %s", l->reason);
		putchar('\n');
	}
	if (w)
		mlmd_json_array_end(w);
	mlmd_label_list_free(ls);
}

int cmd_show(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout (times in ms since the epoch)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "show", "artifact|execution|context ID", 2, 2,
		"Shows one node: its type, name, state, times (ISO 8601, UTC), properties and effective labels (each\n"
		"with its source); for an artifact or an execution its events and contexts; for a context its parent and child contexts, the artifacts\n"
		"attributed to it and the executions associated with it (the first 100 of each as text, all with\n"
		"--json).",
		true, opts };
	char *args[2];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	int kind = parse_kind(args[0]);
	char *end = NULL;
	long long id = strtoll(args[1], &end, 10);
	if (kind < 0 || *end || id <= 0)
		return cli_usage("show: give artifact|execution|context and a positive ID");
	mlmd_store *s;
	type_names t;
	if (open_with_types(&s, &t))
		return EXIT_FAILED;
	int64_t id64 = id;
	void *resp = NULL, *node = NULL;
	if (kind == 0) {
		Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetArtifactsByIDResponse *rs;
		rq.n_artifact_ids = 1;
		rq.artifact_ids = &id64;
		if (!(rc = mlmd_store_get_artifacts_by_id(s, &rq, &rs)))
			resp = rs, node = rs->n_artifacts ? rs->artifacts[0] : NULL;
	} else if (kind == 1) {
		Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetExecutionsByIDResponse *rs;
		rq.n_execution_ids = 1;
		rq.execution_ids = &id64;
		if (!(rc = mlmd_store_get_executions_by_id(s, &rq, &rs)))
			resp = rs, node = rs->n_executions ? rs->executions[0] : NULL;
	} else {
		Mlmd__Pb__GetContextsByIDRequest rq = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetContextsByIDResponse *rs;
		rq.n_context_ids = 1;
		rq.context_ids = &id64;
		if (!(rc = mlmd_store_get_contexts_by_id(s, &rq, &rs)))
			resp = rs, node = rs->n_contexts ? rs->contexts[0] : NULL;
	}
	if (rc || !node) {
		rc = rc ? cli_failed("%s", mlmd_error_message()) : cli_failed("%s %lld does not exist", kind_word(kind), id);
		mlmd_message_free(resp);
		free_types(&t);
		mlmd_store_free(s);
		return rc;
	}
	node_view v = view(kind, node);
	/* events (artifacts, executions) */
	void *evr = NULL;
	Mlmd__Pb__Event **evs = NULL;
	size_t nev = 0;
	if (kind == 0) {
		Mlmd__Pb__GetEventsByArtifactIDsRequest rq = MLMD__PB__GET_EVENTS_BY_ARTIFACT_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByArtifactIDsResponse *rs;
		rq.n_artifact_ids = 1;
		rq.artifact_ids = &id64;
		if (!(rc = mlmd_store_get_events_by_artifact_ids(s, &rq, &rs)))
			evr = rs, evs = rs->events, nev = rs->n_events;
	} else if (kind == 1) {
		Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
		rq.n_execution_ids = 1;
		rq.execution_ids = &id64;
		if (!(rc = mlmd_store_get_events_by_execution_ids(s, &rq, &rs)))
			evr = rs, evs = rs->events, nev = rs->n_events;
	}
	static const char *const et[] = { "UNKNOWN", "DECLARED_OUTPUT", "DECLARED_INPUT", "INPUT", "OUTPUT",
		"INTERNAL_INPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT" };
	char created[40], updated[40];
	if (rc) {
		rc = cli_failed("%s", mlmd_error_message());
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
			goto done;
		}
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "node");
		node_json(w, kind, node, tname(&t, v.type_id));
		if (kind < 2) {
			mlmd_json_key(w, "events");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < nev; i++) {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "artifact_id");
				mlmd_json_int(w, evs[i]->artifact_id);
				mlmd_json_key(w, "execution_id");
				mlmd_json_int(w, evs[i]->execution_id);
				mlmd_json_key(w, "type");
				mlmd_json_string(w, evs[i]->type >= 0 && evs[i]->type < 8 ? et[evs[i]->type] : "UNKNOWN");
				mlmd_json_key(w, "time");
				mlmd_json_int(w, evs[i]->milliseconds_since_epoch);
				mlmd_json_object_end(w);
			}
			mlmd_json_array_end(w);
		}
		show_labels(s, kind, id64, w);
		if ((rc = show_links(s, &t, kind, id64, w))) {
			rc = cli_failed("%s", mlmd_error_message());
			mlmd_json_writer_free(w); /* the object stays open: a failure, not an answer */
		} else {
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		printf("%s %lld\n", kind_word(kind), id);
		printf("  type      %s\n", tname(&t, v.type_id));
		if (v.name)
			printf("  name      %s\n", v.name);
		if (v.uri)
			printf("  uri       %s\n", v.uri);
		if (v.state)
			printf("  state     %s\n", v.state);
		printf("  created   %s\n  updated   %s\n", cli_time_iso(created, sizeof created, v.created),
			cli_time_iso(updated, sizeof updated, v.updated));
		for (int c = 0; c < 2; c++) {
			size_t n = c ? v.n_custom : v.n_props;
			for (size_t i = 0; i < n; i++) {
				printf("  %s%s = ", c ? "(custom) " : "", c ? v.custom[i]->key : v.props[i]->key);
				value_text(stdout, c ? v.custom[i]->value : v.props[i]->value);
				putchar('\n');
			}
		}
		/* a serving execution that served a model without a matching digest (docs/serving.md) */
		const Mlmd__Pb__Value *mv = kind == 1 ? mlmd_node_get(node, 0, "model_verified") : NULL;
		if (mv && mv->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE && !mv->bool_value)
			printf("  warning   served a model that was NOT verified against its recorded digest "
			       "(--allow-unverified)\n");
		show_labels(s, kind, id64, NULL);
		for (size_t i = 0; i < nev; i++)
			printf("  event     %s %s %lld\n", evs[i]->type >= 0 && evs[i]->type < 8 ? et[evs[i]->type] : "UNKNOWN",
				kind == 0 ? "execution" : "artifact",
				(long long)(kind == 0 ? evs[i]->execution_id : evs[i]->artifact_id));
		if ((rc = show_links(s, &t, kind, id64, NULL)))
			rc = cli_failed("%s", mlmd_error_message());
	}
done:
	mlmd_message_free(evr);
	mlmd_message_free(resp);
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

/* ---- stats ------------------------------------------------------------------------------------------ */

int cmd_stats(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "stats", NULL, 0, 0,
		"Counts nodes per type; the schema version and, for an SQLite file, its size.", true, opts };
	int nargs, prc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (prc)
		return prc < 0 ? 0 : prc;
	const char *store_uri = cli_g.store;
	mlmd_store *s;
	type_names t;
	if (open_with_types(&s, &t))
		return EXIT_FAILED;
	const char *uri = store_uri ? store_uri : getenv("MLMD_STORE") ? getenv("MLMD_STORE") : "sqlite:mlmd.db";
	long long size = -1;
	struct stat st;
	if (!strncmp(uri, "sqlite:", 7) && stat(uri + 7, &st) == 0)
		size = (long long)st.st_size;
	mlmd_json_writer *w = NULL;
	if (json) {
		if (!(w = cli_json_stdout())) {
			free_types(&t);
			mlmd_store_free(s);
			return EXIT_FAILED;
		}
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "schema_version");
		mlmd_json_int(w, mlmd_store_schema_version(s));
		mlmd_json_key(w, "size_bytes");
		mlmd_json_int(w, size);
		mlmd_json_key(w, "types");
		mlmd_json_array_begin(w);
	} else
		printf("schema version %d\n%s%lld bytes\n", mlmd_store_schema_version(s), size >= 0 ? "store size " : "",
			size >= 0 ? size : 0);
	int rc = 0;
	long long totals[3] = { 0, 0, 0 };
	for (int kind = 0; kind < 3 && !rc; kind++) {
		size_t first = kind == 0 ? 0 : kind == 1 ? ((Mlmd__Pb__GetArtifactTypesResponse *)t.resp[0])->n_artifact_types :
			((Mlmd__Pb__GetArtifactTypesResponse *)t.resp[0])->n_artifact_types +
			((Mlmd__Pb__GetExecutionTypesResponse *)t.resp[1])->n_execution_types;
		size_t count = kind == 0 ? ((Mlmd__Pb__GetArtifactTypesResponse *)t.resp[0])->n_artifact_types :
			kind == 1 ? ((Mlmd__Pb__GetExecutionTypesResponse *)t.resp[1])->n_execution_types :
			((Mlmd__Pb__GetContextTypesResponse *)t.resp[2])->n_context_types;
		for (size_t i = first; i < first + count && !rc; i++) {
			/* count by paging the ids through the type */
			long long n = 0;
			char *token = NULL;
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
					rq.type_name = (char *)t.names[i];
					rq.type_version = (char *)t.versions[i]; /* a versioned type's nodes */
					rq.options = &lo;
					if (!(rc = mlmd_store_get_artifacts_by_type(s, &rq, &rs)))
						resp = rs, got = rs->n_artifacts, next = rs->next_page_token;
				} else if (kind == 1) {
					Mlmd__Pb__GetExecutionsByTypeRequest rq = MLMD__PB__GET_EXECUTIONS_BY_TYPE_REQUEST__INIT;
					Mlmd__Pb__GetExecutionsByTypeResponse *rs;
					rq.type_name = (char *)t.names[i];
					rq.type_version = (char *)t.versions[i]; /* a versioned type's nodes */
					rq.options = &lo;
					if (!(rc = mlmd_store_get_executions_by_type(s, &rq, &rs)))
						resp = rs, got = rs->n_executions, next = rs->next_page_token;
				} else {
					Mlmd__Pb__GetContextsByTypeRequest rq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
					Mlmd__Pb__GetContextsByTypeResponse *rs;
					rq.type_name = (char *)t.names[i];
					rq.type_version = (char *)t.versions[i]; /* a versioned type's nodes */
					rq.options = &lo;
					if (!(rc = mlmd_store_get_contexts_by_type(s, &rq, &rs)))
						resp = rs, got = rs->n_contexts, next = rs->next_page_token;
				}
				if (rc)
					break;
				n += (long long)got;
				free(token);
				token = next && next[0] && got ? strdup(next) : NULL;
				mlmd_message_free(resp);
				if (!token)
					break;
			}
			free(token);
			if (rc) {
				rc = cli_failed("%s", mlmd_error_message());
				break;
			}
			totals[kind] += n;
			const char *ver = t.versions[i] && t.versions[i][0] ? t.versions[i] : NULL;
			if (json) {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "kind");
				mlmd_json_string(w, kind_word(kind));
				mlmd_json_key(w, "type");
				mlmd_json_string(w, t.names[i] ? t.names[i] : "");
				mlmd_json_key(w, "version");
				mlmd_json_string(w, ver); /* null when unversioned */
				mlmd_json_key(w, "count");
				mlmd_json_int(w, n);
				mlmd_json_object_end(w);
			} else if (ver) {
				char label[512];
				snprintf(label, sizeof label, "%s (version %s)", t.names[i], ver);
				printf("%-9s %-24s %lld\n", kind_word(kind), label, n);
			} else {
				printf("%-9s %-24s %lld\n", kind_word(kind), t.names[i], n);
			}
		}
	}
	if (json && !rc) {
		mlmd_json_array_end(w);
		mlmd_json_key(w, "artifacts");
		mlmd_json_int(w, totals[0]);
		mlmd_json_key(w, "executions");
		mlmd_json_int(w, totals[1]);
		mlmd_json_key(w, "contexts");
		mlmd_json_int(w, totals[2]);
		mlmd_json_object_end(w);
		rc = cli_json_done(w);
		w = NULL;
	} else if (!rc)
		printf("total     %lld artifacts, %lld executions, %lld contexts\n", totals[0], totals[1], totals[2]);
	mlmd_json_writer_free(w); /* a failure left it open */
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

/* ---- lineage ------------------------------------------------------------------------------------------ */

int cmd_lineage(int argc, char **argv)
{
	static const char *const formats[] = { "tree", "dot", "json", NULL }; /* mlmd_render_format order */
	int dir = 0, format = MLMD_RENDER_TREE;
	int64_t hops = 20, max_nodes = 1000;
	const char *svg = NULL;
	const cli_opt opts[] = {
		CLI_SET("--up", "where the node came from: its inputs, their makers, ... (the default)", &dir, 0),
		CLI_SET("--down", "what came of it: the executions that read it, their outputs, ...", &dir, 1),
		CLI_SET("--both", "both of the above", &dir, 2),
		CLI_INT("--hops", "N", "follow at most N artifact-execution edges from the node (default 20, at most 100)",
			&hops, 1, 100),
		CLI_INT("--max-nodes", "N", "stop after N nodes (default 1000); the output then says it was cut short",
			&max_nodes, 1, 100000000),
		CLI_CHOICE("--format", "an indented tree (the default), a Graphviz digraph or JSON", &format, formats),
		CLI_SET("--json", "the same as --format json", &format, MLMD_RENDER_JSON),
		CLI_STR("--svg", "FILE", "also draw the graph into FILE with Graphviz's dot", &svg),
		CLI_END,
	};
	const cli_cmd cmd = { "lineage", "artifact|execution ID", 2, 2,
		"Shows where a node came from (--up, the default), what came of it (--down), or both. Every format\n"
		"shows the same nodes: those reached from the node by following edges in one direction (so another\n"
		"run that read the same data is not part of a model's lineage).", true, opts };
	char *args[2];
	int nargs, prc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (prc)
		return prc < 0 ? 0 : prc;
	int kind = parse_kind(args[0]);
	char *end = NULL;
	long long id = strtoll(args[1], &end, 10);
	if ((kind != 0 && kind != 1) || *end || id <= 0)
		return cli_usage("lineage: give artifact|execution and a positive ID");
	mlmd_lineage_render_options o = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	o.execution = kind == 1;
	o.id = id;
	o.upstream = dir != 1;
	o.downstream = dir != 0;
	o.max_hops = hops;
	o.max_nodes = max_nodes;
	o.format = format;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	char *text;
	int rc = 0;
	if (mlmd_lineage_render(s, &o, &text)) {
		rc = cli_failed("%s", mlmd_error_message());
	} else {
		fputs(text, stdout);
		mlmd_buffer_free(text);
	}
	if (!rc && svg) {
		o.format = MLMD_RENDER_DOT;
		if (mlmd_lineage_render(s, &o, &text)) {
			rc = cli_failed("%s", mlmd_error_message());
		} else {
			rc = cli_render_svg(text, svg);
			mlmd_buffer_free(text);
		}
	}
	mlmd_store_free(s);
	return rc;
}

/* Pipes DOT text through Graphviz's `dot -Tsvg` into path. */
int cli_render_svg(const char *dot, const char *path)
{
	if (system("command -v dot >/dev/null 2>&1") != 0)
		return cli_failed("--svg needs Graphviz's 'dot' program, which is not installed (Debian: apt-get install "
			"graphviz); the DOT text is what --format dot prints");
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "dot -Tsvg -o '%s'", path);
	if (strchr(path, '\''))
		return cli_failed("--svg: the file name may not contain a quote");
	FILE *p = popen(cmd, "w");
	if (!p)
		return cli_failed("cannot run dot: %s", strerror(errno));
	fputs(dot, p);
	int st = pclose(p);
	if (st != 0)
		return cli_failed("dot failed (status %d) writing %s", st, path);
	return 0;
}

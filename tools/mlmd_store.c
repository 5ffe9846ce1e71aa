/*
 * tools/mlmd_store.c - the `mlmd` commands that read and write a store:
 * types, ls, show, stats, lineage, export, import.
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
#include "mlmd_cli.h"

/* ---- small helpers ------------------------------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cli_b64(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		fputc(B64[v >> 18 & 63], f);
		fputc(B64[v >> 12 & 63], f);
		fputc(i + 1 < n ? B64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? B64[v & 63] : '=', f);
	}
}

/* Decodes base64 (standard alphabet, padding optional); returns the length or -1. */
long cli_unb64(const char *s, size_t len, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	long n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '=' || c == '\n' || c == '\r')
			continue;
		const char *q = strchr(B64, c);
		if (!q || !c) {
			if (c == '-')
				q = B64 + 62;
			else if (c == '_')
				q = B64 + 63;
			else
				return -1;
		}
		acc = acc << 6 | (uint32_t)(q - B64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int open_store(const char *uri, mlmd_store **out, bool must_exist, bool read_only)
{
	if (!uri)
		uri = getenv("MLMD_STORE");
	if (!uri || !uri[0])
		uri = "sqlite:mlmd.db";
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.no_create = must_exist && strncmp(uri, "sqlite:", 7) == 0 && strcmp(uri, "sqlite::memory:") != 0;
	o.read_only = read_only;
	if (mlmd_store_open(out, &o))
		return cli_failed("store %s: %s", uri, mlmd_error_message());
	return 0;
}

int cli_open_store(const char *uri, mlmd_store **out, bool must_exist)
{
	return open_store(uri, out, must_exist, false);
}

int cli_open_store_ro(const char *uri, mlmd_store **out)
{
	return open_store(uri, out, true, true);
}

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
static void pb_json(FILE *f, const char *key, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n + 1);
	if (!buf) {
		fputs("null", f);
		return;
	}
	protobuf_c_message_pack(m, buf);
	fprintf(f, "{\"%s\":\"", key);
	cli_b64(f, buf, n);
	fputs("\"}", f);
	free(buf);
}

static void value_json(FILE *f, const Mlmd__Pb__Value *v)
{
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: fprintf(f, "%lld", (long long)v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: fprintf(f, "%.17g", v->double_value); break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: cli_json_str(f, v->string_value); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: fputs(v->bool_value ? "true" : "false", f); break;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE: pb_json(f, "struct_pb", &v->struct_value->base); break;
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: pb_json(f, "proto_pb", &v->proto_value->base); break;
	default: fputs("null", f);
	}
}

static void value_text(FILE *f, const Mlmd__Pb__Value *v)
{
	if (v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE) /* for people; --json keeps every digit */
		fprintf(f, "%.10g", v->double_value);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
		fputs(v->string_value, f);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE)
		fputs("<struct>", f);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_PROTO_VALUE)
		fputs("<proto>", f);
	else
		value_json(f, v);
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

static void node_json(FILE *f, int kind, const void *msg, const char *type)
{
	node_view v = view(kind, msg);
	fprintf(f, "{\"kind\":\"%s\",\"id\":%lld,\"type\":", kind_word(kind), (long long)v.id);
	cli_json_str(f, type);
	if (v.name)
		fputs(",\"name\":", f), cli_json_str(f, v.name);
	if (v.uri)
		fputs(",\"uri\":", f), cli_json_str(f, v.uri);
	if (v.state)
		fprintf(f, ",\"state\":\"%s\"", v.state);
	if (v.external_id)
		fputs(",\"external_id\":", f), cli_json_str(f, v.external_id);
	fprintf(f, ",\"create_time_since_epoch\":%lld,\"last_update_time_since_epoch\":%lld",
		(long long)v.created, (long long)v.updated);
	for (int c = 0; c < 2; c++) {
		size_t n = c ? v.n_custom : v.n_props;
		fprintf(f, ",\"%s\":{", c ? "custom_properties" : "properties");
		for (size_t i = 0; i < n; i++) {
			const char *k = c ? v.custom[i]->key : v.props[i]->key;
			const Mlmd__Pb__Value *val = c ? v.custom[i]->value : v.props[i]->value;
			if (i)
				fputc(',', f);
			cli_json_str(f, k);
			fputc(':', f);
			value_json(f, val);
		}
		fputc('}', f);
	}
	fputc('}', f);
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

/* Type names by id, for printing. */
typedef struct {
	size_t n;
	int64_t ids[4096];
	const char *names[4096];
	const char *versions[4096]; /* NULL when unversioned */
	void *resp[3];
} type_names;

static int load_types(mlmd_store *s, type_names *t)
{
	memset(t, 0, sizeof *t);
	Mlmd__Pb__GetArtifactTypesRequest a = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest e = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest c = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *ar;
	Mlmd__Pb__GetExecutionTypesResponse *er;
	Mlmd__Pb__GetContextTypesResponse *cr;
	if (mlmd_store_get_artifact_types(s, &a, &ar) || mlmd_store_get_execution_types(s, &e, &er) ||
		mlmd_store_get_context_types(s, &c, &cr))
		return cli_failed("%s", mlmd_error_message());
	t->resp[0] = ar, t->resp[1] = er, t->resp[2] = cr;
	for (size_t i = 0; i < ar->n_artifact_types && t->n < 4096; i++, t->n++)
		t->ids[t->n] = ar->artifact_types[i]->id, t->names[t->n] = ar->artifact_types[i]->name,
		t->versions[t->n] = ar->artifact_types[i]->version;
	for (size_t i = 0; i < er->n_execution_types && t->n < 4096; i++, t->n++)
		t->ids[t->n] = er->execution_types[i]->id, t->names[t->n] = er->execution_types[i]->name,
		t->versions[t->n] = er->execution_types[i]->version;
	for (size_t i = 0; i < cr->n_context_types && t->n < 4096; i++, t->n++)
		t->ids[t->n] = cr->context_types[i]->id, t->names[t->n] = cr->context_types[i]->name,
		t->versions[t->n] = cr->context_types[i]->version;
	return 0;
}

static void free_types(type_names *t)
{
	for (int i = 0; i < 3; i++)
		mlmd_message_free(t->resp[i]);
}

/* Opens an existing store read-only (every user of this is a command that
 * only reads) and reads its type names; on failure prints why and leaves
 * nothing open. */
static int open_with_types(const char *store_uri, mlmd_store **s, type_names *t)
{
	if (cli_open_store_ro(store_uri, s))
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

int cmd_types(const char *store_uri, int argc, char **argv)
{
	bool json = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: mlmd [--store URI] types [--json]\n\nLists the artifact, execution and context types "
				"with their properties.\n");
			return 0;
		} else
			return cli_usage("types: unexpected argument '%s'", argv[i]);
	}
	mlmd_store *s;
	type_names t;
	if (open_with_types(store_uri, &s, &t))
		return EXIT_FAILED;
	static const char *const ptypes[] = { "UNKNOWN", "INT", "DOUBLE", "STRING", "STRUCT", "PROTO", "BOOLEAN" };
	if (json)
		fputc('[', stdout);
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
				fprintf(stdout, "%s{\"kind\":\"%s\",\"id\":%lld,\"name\":", k ? "," : "", kind_word(kind), (long long)id);
				cli_json_str(stdout, name);
				fputs(",\"properties\":{", stdout);
			} else {
				printf("%-9s %-5lld %s", kind_word(kind), (long long)id, name);
			}
			for (size_t p = 0; p < np; p++) {
				const char *pk = ty ? ty->properties[p]->key : ey ? ey->properties[p]->key : cy->properties[p]->key;
				int pv = ty ? ty->properties[p]->value : ey ? ey->properties[p]->value : cy->properties[p]->value;
				const char *pn = pv >= 0 && pv < 7 ? ptypes[pv] : "UNKNOWN";
				if (json) {
					fprintf(stdout, "%s", p ? "," : "");
					cli_json_str(stdout, pk);
					fprintf(stdout, ":\"%s\"", pn);
				} else {
					printf("%s%s:%s", p ? ", " : "  (", pk, pn);
				}
			}
			fputs(json ? "}}" : np ? ")\n" : "\n", stdout);
		}
	}
	if (json)
		fputs("]\n", stdout);
	free_types(&t);
	mlmd_store_free(s);
	return 0;
}

/* ---- ls, show --------------------------------------------------------------------------------------- */

int cmd_ls(const char *store_uri, int argc, char **argv)
{
	int kind = argc > 0 ? parse_kind(argv[0]) : -1;
	const char *type = NULL, *filter = NULL, *order = "id";
	long limit = 100;
	bool json = false, desc = false, long_form = false;
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		printf("usage: mlmd [--store URI] ls artifacts|executions|contexts [--type T] [--filter QUERY] [--limit N]\n"
			"       [--order id|create_time|update_time|name] [--desc] [--long] [--json]\n\n"
			"Lists nodes, optionally of one type and matching an MLMD filter query (see docs/queries.md).\n");
		return 0;
	}
	if (kind < 0)
		return cli_usage("ls: say what to list: artifacts, executions or contexts");
	for (int i = 1; i < argc; i++) {
		bool next = i + 1 < argc;
		if (!strcmp(argv[i], "--type") && next)
			type = argv[++i];
		else if (!strcmp(argv[i], "--filter") && next)
			filter = argv[++i];
		else if (!strcmp(argv[i], "--order") && next)
			order = argv[++i];
		else if (!strcmp(argv[i], "--limit") && next) {
			char *end;
			limit = strtol(argv[++i], &end, 10);
			if (*end || limit < 1)
				return cli_usage("ls: --limit must be a positive number");
		} else if (!strcmp(argv[i], "--desc"))
			desc = true;
		else if (!strcmp(argv[i], "--long"))
			long_form = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return cli_usage("ls: unknown or incomplete option '%s'", argv[i]);
	}
	int field = !strcmp(order, "id") ? MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID :
		!strcmp(order, "create_time") ? MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME :
		!strcmp(order, "update_time") ? MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__LAST_UPDATE_TIME : -1;
	if (field < 0)
		return cli_usage("ls: --order must be id, create_time or update_time");
	char query[8192] = "";
	if (type)
		snprintf(query, sizeof query, "type = '%s'%s", type, filter ? " AND " : "");
	if (filter)
		snprintf(query + strlen(query), sizeof query - strlen(query), "%s%s%s", type ? "(" : "", filter, type ? ")" : "");
	mlmd_store *s;
	type_names t;
	if (open_with_types(store_uri, &s, &t))
		return EXIT_FAILED;
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = ob.has_is_asc = 1;
	ob.field = field;
	ob.is_asc = !desc;
	Mlmd__Pb__ListOperationOptions lo = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo.has_max_result_size = 1;
	lo.order_by_field = &ob;
	lo.filter_query = query[0] ? query : NULL;
	long shown = 0;
	int rc = 0;
	char *token = NULL;
	if (json)
		fputc('[', stdout);
	while (shown < limit) {
		lo.max_result_size = (int32_t)(limit - shown > 100 ? 100 : limit - shown);
		lo.next_page_token = token;
		void *resp = NULL;
		size_t n = 0;
		void **nodes = NULL;
		const char *next = NULL;
		if (kind == 0) {
			Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			Mlmd__Pb__GetArtifactsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_artifacts(s, &rq, &rs)))
				resp = rs, n = rs->n_artifacts, nodes = (void **)rs->artifacts, next = rs->next_page_token;
		} else if (kind == 1) {
			Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
			Mlmd__Pb__GetExecutionsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_executions(s, &rq, &rs)))
				resp = rs, n = rs->n_executions, nodes = (void **)rs->executions, next = rs->next_page_token;
		} else {
			Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
			Mlmd__Pb__GetContextsResponse *rs;
			rq.options = &lo;
			if (!(rc = mlmd_store_get_contexts(s, &rq, &rs)))
				resp = rs, n = rs->n_contexts, nodes = (void **)rs->contexts, next = rs->next_page_token;
		}
		if (rc) {
			if (json)
				fputs("]\n", stdout);
			rc = cli_failed("%s", mlmd_error_message());
			break;
		}
		for (size_t i = 0; i < n; i++, shown++) {
			node_view v = view(kind, nodes[i]);
			if (json) {
				if (shown)
					fputc(',', stdout);
				node_json(stdout, kind, nodes[i], tname(&t, v.type_id));
			} else {
				node_text(stdout, kind, nodes[i], tname(&t, v.type_id), long_form);
			}
		}
		free(token);
		token = next && next[0] ? strdup(next) : NULL;
		mlmd_message_free(resp);
		if (!token || n == 0)
			break;
	}
	free(token);
	if (json && !rc)
		fputs("]\n", stdout);
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

int cmd_show(const char *store_uri, int argc, char **argv)
{
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		printf("usage: mlmd [--store URI] show artifact|execution|context ID [--json]\n\n"
			"Shows one node with its properties, events and contexts.\n");
		return 0;
	}
	int kind = argc > 0 ? parse_kind(argv[0]) : -1;
	char *end = NULL;
	long long id = argc > 1 ? strtoll(argv[1], &end, 10) : 0;
	if (kind < 0 || argc < 2 || *end || id <= 0)
		return cli_usage("show: give artifact|execution|context and a positive ID");
	bool json = argc > 2 && !strcmp(argv[2], "--json");
	if (argc > 2 && !json)
		return cli_usage("show: unexpected argument '%s'", argv[2]);
	mlmd_store *s;
	type_names t;
	if (open_with_types(store_uri, &s, &t))
		return EXIT_FAILED;
	int64_t id64 = id;
	void *resp = NULL, *node = NULL;
	int rc = 0;
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
		if (!mlmd_store_get_events_by_artifact_ids(s, &rq, &rs))
			evr = rs, evs = rs->events, nev = rs->n_events;
	} else if (kind == 1) {
		Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
		rq.n_execution_ids = 1;
		rq.execution_ids = &id64;
		if (!mlmd_store_get_events_by_execution_ids(s, &rq, &rs))
			evr = rs, evs = rs->events, nev = rs->n_events;
	}
	static const char *const et[] = { "UNKNOWN", "DECLARED_OUTPUT", "DECLARED_INPUT", "INPUT", "OUTPUT",
		"INTERNAL_INPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT" };
	if (json) {
		fputs("{\"node\":", stdout);
		node_json(stdout, kind, node, tname(&t, v.type_id));
		fputs(",\"events\":[", stdout);
		for (size_t i = 0; i < nev; i++)
			printf("%s{\"artifact_id\":%lld,\"execution_id\":%lld,\"type\":\"%s\"}", i ? "," : "",
				(long long)evs[i]->artifact_id, (long long)evs[i]->execution_id,
				evs[i]->type >= 0 && evs[i]->type < 8 ? et[evs[i]->type] : "UNKNOWN");
		fputs("]}\n", stdout);
	} else {
		printf("%s %lld\n", kind_word(kind), id);
		printf("  type      %s\n", tname(&t, v.type_id));
		if (v.name)
			printf("  name      %s\n", v.name);
		if (v.uri)
			printf("  uri       %s\n", v.uri);
		if (v.state)
			printf("  state     %s\n", v.state);
		printf("  created   %lld\n  updated   %lld\n", (long long)v.created, (long long)v.updated);
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
		for (size_t i = 0; i < nev; i++)
			printf("  event     %s %s %lld\n", evs[i]->type >= 0 && evs[i]->type < 8 ? et[evs[i]->type] : "UNKNOWN",
				kind == 0 ? "execution" : "artifact",
				(long long)(kind == 0 ? evs[i]->execution_id : evs[i]->artifact_id));
	}
	mlmd_message_free(evr);
	mlmd_message_free(resp);
	free_types(&t);
	mlmd_store_free(s);
	return 0;
}

/* ---- stats ------------------------------------------------------------------------------------------ */

int cmd_stats(const char *store_uri, int argc, char **argv)
{
	bool json = argc > 0 && !strcmp(argv[0], "--json");
	if (argc > 0 && !json) {
		if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
			printf("usage: mlmd [--store URI] stats [--json]\n\nCounts nodes per type; the schema version and, for "
				"an SQLite file, its size.\n");
			return 0;
		}
		return cli_usage("stats: unexpected argument '%s'", argv[0]);
	}
	mlmd_store *s;
	type_names t;
	if (open_with_types(store_uri, &s, &t))
		return EXIT_FAILED;
	const char *uri = store_uri ? store_uri : getenv("MLMD_STORE") ? getenv("MLMD_STORE") : "sqlite:mlmd.db";
	long long size = -1;
	struct stat st;
	if (!strncmp(uri, "sqlite:", 7) && stat(uri + 7, &st) == 0)
		size = (long long)st.st_size;
	if (json)
		printf("{\"schema_version\":%d,\"size_bytes\":%lld,\"types\":[", mlmd_store_schema_version(s), size);
	else
		printf("schema version %d\n%s%lld bytes\n", mlmd_store_schema_version(s), size >= 0 ? "store size " : "",
			size >= 0 ? size : 0);
	int rc = 0;
	size_t shown = 0;
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
				printf("%s{\"kind\":\"%s\",\"type\":", shown++ ? "," : "", kind_word(kind));
				cli_json_str(stdout, t.names[i]);
				fputs(",\"version\":", stdout);
				if (ver)
					cli_json_str(stdout, ver);
				else
					fputs("null", stdout);
				printf(",\"count\":%lld}", n);
			} else if (ver) {
				char label[512];
				snprintf(label, sizeof label, "%s (version %s)", t.names[i], ver);
				printf("%-9s %-24s %lld\n", kind_word(kind), label, n);
			} else {
				printf("%-9s %-24s %lld\n", kind_word(kind), t.names[i], n);
			}
		}
	}
	if (json && !rc)
		printf("],\"artifacts\":%lld,\"executions\":%lld,\"contexts\":%lld}\n", totals[0], totals[1], totals[2]);
	else if (!rc)
		printf("total     %lld artifacts, %lld executions, %lld contexts\n", totals[0], totals[1], totals[2]);
	free_types(&t);
	mlmd_store_free(s);
	return rc;
}

/* ---- lineage ------------------------------------------------------------------------------------------ */

int cmd_lineage(const char *store_uri, int argc, char **argv)
{
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		printf("usage: mlmd [--store URI] lineage artifact|execution ID [--up|--down|--both] [--hops N]\n"
			"       [--max-nodes N] [--format tree|dot|json] [--svg FILE]\n\n"
			"Shows where a node came from (--up, the default), what came of it (--down), or both: as an indented\n"
			"tree, a Graphviz graph or JSON. --svg renders the graph with Graphviz's dot into FILE.\n");
		return 0;
	}
	int kind = argc > 0 ? parse_kind(argv[0]) : -1;
	char *end = NULL;
	long long id = argc > 1 ? strtoll(argv[1], &end, 10) : 0;
	if ((kind != 0 && kind != 1) || argc < 2 || *end || id <= 0)
		return cli_usage("lineage: give artifact|execution and a positive ID");
	mlmd_lineage_render_options o = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	o.execution = kind == 1;
	o.id = id;
	const char *svg = NULL;
	for (int i = 2; i < argc; i++) {
		bool next = i + 1 < argc;
		if (!strcmp(argv[i], "--up"))
			o.upstream = 1, o.downstream = 0;
		else if (!strcmp(argv[i], "--down"))
			o.upstream = 0, o.downstream = 1;
		else if (!strcmp(argv[i], "--both"))
			o.upstream = o.downstream = 1;
		else if ((!strcmp(argv[i], "--hops") || !strcmp(argv[i], "--max-nodes")) && next) {
			long long v = strtoll(argv[i + 1], &end, 10);
			if (*end || v < 1)
				return cli_usage("lineage: %s must be a positive number", argv[i]);
			*(!strcmp(argv[i], "--hops") ? &o.max_hops : &o.max_nodes) = v;
			i++;
		} else if (!strcmp(argv[i], "--format") && next) {
			const char *f = argv[++i];
			o.format = !strcmp(f, "tree") ? MLMD_RENDER_TREE : !strcmp(f, "dot") ? MLMD_RENDER_DOT :
				!strcmp(f, "json") ? MLMD_RENDER_JSON : -1;
			if (o.format < 0)
				return cli_usage("lineage: --format must be tree, dot or json");
		} else if (!strcmp(argv[i], "--svg") && next) {
			svg = argv[++i];
		} else {
			return cli_usage("lineage: unknown or incomplete option '%s'", argv[i]);
		}
	}
	mlmd_store *s;
	if (cli_open_store_ro(store_uri, &s))
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

/*
 * cli/import.c - `mlmd import`: an `mlmd export` (JSON lines) read into a
 * store, all of it or nothing.
 *
 *  - cli_record_parse(): one line of the export into a record, read with
 *    the library's strict JSON reader (mlmd/json.h): one object per line,
 *    values it does not use checked and skipped, nesting bounded before
 *    anything is read deeper, and the "pb" field's base64 decoded.
 *  - cli_import_line() / cli_import_jsonl(): each record's message unpacked
 *    with its nesting bounded (cli_pb_unpack) and handed to the importer
 *    (importer.c), which maps old ids to new ones in one transaction.
 *    Errors are kept in the importer (cli_importer_error), not printed, so
 *    tests/fuzz/fuzz_import.c drives these as they are.
 *  - cmd_import(): the command.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "import.h"

/* ---- the record parser ----------------------------------------------------------------------- */

/* The integer fields a record may have, and their bits in cli_record.has. */
static const struct {
	const char *key;
	size_t off;
} int_fields[] = {
	{ "id", offsetof(cli_record, id) },
	{ "type_id", offsetof(cli_record, type_id) },
	{ "context_id", offsetof(cli_record, context_id) },
	{ "artifact_id", offsetof(cli_record, artifact_id) },
	{ "execution_id", offsetof(cli_record, execution_id) },
	{ "child_id", offsetof(cli_record, child_id) },
	{ "parent_id", offsetof(cli_record, parent_id) },
	{ "version", offsetof(cli_record, version) },
	{ "seq", offsetof(cli_record, seq) },
};

unsigned cli_record_bit(const char *key)
{
	for (size_t i = 0; i < sizeof int_fields / sizeof *int_fields; i++)
		if (!strcmp(int_fields[i].key, key))
			return 1u << i;
	return 0;
}

void cli_record_free(cli_record *r)
{
	free(r->pb);
	r->pb = NULL;
}

static int rfail(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rfail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* The reader's reason for refusing the line ("a string is not closed at
 * byte 17"), with `key` in front when the problem is in its value. */
static int reader_fail(const char *key, char *err, size_t errsize)
{
	char why[512];
	snprintf(why, sizeof why, "%s", mlmd_error_message());
	return key ? rfail(err, errsize, "\"%s\": %s", key, why) : rfail(err, errsize, "%s", why);
}

/* A JSON number (syntax already checked by the reader) as a whole int64. */
static int whole_number(const char *text, const char *key, int64_t *out, char *err, size_t errsize)
{
	if (strpbrk(text, ".eE"))
		return rfail(err, errsize, "\"%s\": expected a whole number", key);
	bool neg = text[0] == '-';
	uint64_t v = 0;
	for (const char *p = text + neg; *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return rfail(err, errsize, "\"%s\": a number out of range", key);
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX + neg)
		return rfail(err, errsize, "\"%s\": a number out of range", key);
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* The members of the line's object, after its '{'. */
static int record_members(mlmd_json_reader *j, cli_record *r, char *err, size_t errsize)
{
	bool have_kind = false, have_pb = false;
	for (;;) {
		const char *text;
		size_t tlen;
		int t = mlmd_json_next(j, &text, &tlen);
		if (t < 0)
			return reader_fail(NULL, err, errsize);
		if (t == MLMD_JSON_OBJECT_END)
			break;
		char key[64]; /* a longer key (or one holding a NUL) is none of ours: skipped */
		bool ours = tlen < sizeof key && strlen(text) == tlen;
		snprintf(key, sizeof key, "%s", ours ? text : "");
		unsigned bit = ours ? cli_record_bit(key) : 0;
		bool is_kind = ours && !strcmp(key, "kind"), is_pb = ours && !strcmp(key, "pb");
		if (bit) {
			if (r->has & bit)
				return rfail(err, errsize, "the key \"%s\" appears twice", key);
			t = mlmd_json_next(j, &text, &tlen);
			if (t < 0)
				return reader_fail(key, err, errsize);
			if (t != MLMD_JSON_NUMBER)
				return rfail(err, errsize, "\"%s\" must be a whole number", key);
			size_t i = 0;
			while (1u << i != bit)
				i++;
			if (whole_number(text, key, (int64_t *)((char *)r + int_fields[i].off), err, errsize))
				return -1;
			r->has |= bit;
		} else if (is_kind || is_pb) {
			if (is_kind ? have_kind : have_pb)
				return rfail(err, errsize, "the key \"%s\" appears twice", key);
			t = mlmd_json_next(j, &text, &tlen);
			if (t < 0)
				return reader_fail(key, err, errsize);
			if (t != MLMD_JSON_STRING)
				return rfail(err, errsize, "\"%s\" must be a string", key);
			if (is_kind) {
				have_kind = true;
				if (tlen >= sizeof r->kind || strlen(text) != tlen)
					return rfail(err, errsize, "an unknown kind");
				memcpy(r->kind, text, tlen + 1);
			} else {
				have_pb = true;
				r->has_pb = true;
				r->pb = malloc(tlen / 4 * 3 + 4);
				long n = r->pb ? cli_unb64(text, tlen, r->pb) : -1;
				if (n < 0)
					return rfail(err, errsize, "\"pb\" is not base64");
				r->pb_len = (size_t)n;
			}
		} else if (mlmd_json_skip(j)) { /* a field we do not use: checked, skipped */
			return reader_fail(NULL, err, errsize);
		}
	}
	if (mlmd_json_next(j, NULL, NULL) != MLMD_JSON_END)
		return reader_fail(NULL, err, errsize);
	if (!have_kind)
		return rfail(err, errsize, "no \"kind\"");
	return 0;
}

/* One line: a JSON object read by the library's JSON reader, nesting
 * bounded at CLI_JSON_MAX_DEPTH before it is read. */
int cli_record_parse(const char *line, size_t len, cli_record *r, char *err, size_t errsize)
{
	memset(r, 0, sizeof *r);
	mlmd_json_reader *j;
	if (mlmd_json_reader_new(&j, line, len, CLI_JSON_MAX_DEPTH))
		return reader_fail(NULL, err, errsize);
	int rc = mlmd_json_next(j, NULL, NULL) == MLMD_JSON_OBJECT ? record_members(j, r, err, errsize) :
		rfail(err, errsize, "a line of an export is one JSON object");
	mlmd_json_reader_free(j);
	if (rc)
		cli_record_free(r);
	return rc;
}

/* ---- JSON lines ----------------------------------------------------------------------------------- */

static const char *const KIND_WORD[3] = { "artifact", "execution", "context" };
static const ProtobufCMessageDescriptor *const TYPE_DESC[3] = { &mlmd__pb__artifact_type__descriptor,
	&mlmd__pb__execution_type__descriptor, &mlmd__pb__context_type__descriptor };
static const ProtobufCMessageDescriptor *const NODE_DESC[3] = { &mlmd__pb__artifact__descriptor,
	&mlmd__pb__execution__descriptor, &mlmd__pb__context__descriptor };

/* The id of a type or node record: the readable "id", which must agree with
 * the message's own when both are given. */
static int record_id(cli_importer *im, const cli_record *r, bool has_msg_id, int64_t msg_id, int64_t *out, long lineno)
{
	bool has = r->has & cli_record_bit("id");
	if (has && has_msg_id && r->id != msg_id)
		return cli_importer_fail(im, "line %ld: \"id\" %lld and the message's id %lld differ", lineno, (long long)r->id,
			(long long)msg_id);
	if (!has && !has_msg_id)
		return cli_importer_fail(im, "line %ld: a %s without an id", lineno, r->kind);
	*out = has ? r->id : msg_id;
	return 0;
}

/* A line of data governance: tombstone, label, serving_gate, retention_policy. */
static int import_dg_line(cli_importer *im, const cli_record *r, long lineno)
{
	static const struct {
		const char *kind;
		const ProtobufCMessageDescriptor *d;
	} kinds[] = {
		{ "tombstone", &mlmd__pb__governance__tombstone__descriptor },
		{ "label", &mlmd__pb__governance__label_entry__descriptor },
		{ "serving_gate", &mlmd__pb__governance__get_serving_gate_response__descriptor },
		{ "retention_policy", &mlmd__pb__governance__retention_policy__descriptor },
	};
	size_t k = 0;
	while (strcmp(r->kind, kinds[k].kind))
		k++;
	char err[512];
	void *m;
	if (!r->has_pb)
		return cli_importer_fail(im, "line %ld: a %s needs \"pb\"", lineno, r->kind);
	if (!(m = cli_pb_unpack(kinds[k].d, r->pb, r->pb_len, err, sizeof err)))
		return cli_importer_fail(im, "line %ld: \"pb\": %s", lineno, err);
	if (k == 0) { /* a tombstone's readable id and type_id must agree with its message's */
		const Mlmd__Pb__Governance__Tombstone *t = m;
		const char *bad = (r->has & cli_record_bit("id")) && t->has_id && r->id != t->id ? "id"
			: (r->has & cli_record_bit("type_id")) && t->has_type_id && r->type_id != t->type_id ? "type_id"
			: NULL;
		if (bad) {
			mlmd_message_free(m);
			return cli_importer_fail(im, "line %ld: the tombstone's \"%s\" and its message's %s differ", lineno,
				bad, bad);
		}
	}
	switch (k) {
	case 0: return cli_import_tombstone(im, m, lineno);
	case 1: return cli_import_label(im, m, lineno);
	case 2: return cli_import_gate(im, m, lineno);
	default: return cli_import_retention(im, m, lineno);
	}
}

int cli_import_line(cli_importer *im, const char *line, size_t len, long lineno)
{
	cli_record r;
	char err[512];
	if (cli_record_parse(line, len, &r, err, sizeof err))
		return cli_importer_fail(im, "line %ld: %s", lineno, err);
	int rc = 0, tk = -1, nk = -1;
	for (int k = 0; k < 3; k++) {
		char name[32];
		snprintf(name, sizeof name, "%s_type", KIND_WORD[k]);
		if (!strcmp(r.kind, name))
			tk = k;
		if (!strcmp(r.kind, KIND_WORD[k]))
			nk = k;
	}
	bool is_event = !strcmp(r.kind, "event");
	if ((tk >= 0 || nk >= 0 || is_event) && !r.has_pb) {
		cli_record_free(&r);
		return cli_importer_fail(im, "line %ld: no \"pb\" (the message) in this %s line", lineno, r.kind);
	}
	const ProtobufCMessageDescriptor *d = tk >= 0 ? TYPE_DESC[tk] : nk >= 0 ? NODE_DESC[nk] :
		is_event ? &mlmd__pb__event__descriptor : NULL;
	void *m = NULL;
	if (d && !(m = cli_pb_unpack(d, r.pb, r.pb_len, err, sizeof err))) {
		cli_record_free(&r);
		return cli_importer_fail(im, "line %ld: \"pb\": %s", lineno, err);
	}
	int64_t id = 0;
	if (!strcmp(r.kind, "mlmd_export")) {
		if (!(r.has & cli_record_bit("version")) || r.version != 1)
			rc = cli_importer_fail(im, "line %ld: export version %lld is not supported (this mlmd reads version 1)", lineno,
				(long long)((r.has & cli_record_bit("version")) ? r.version : 0));
	} else if (tk >= 0) {
		const Mlmd__Pb__ArtifactType *t = m; /* id is field 1 of all three */
		bool has_id = tk == 0 ? t->has_id : tk == 1 ? ((Mlmd__Pb__ExecutionType *)m)->has_id :
			((Mlmd__Pb__ContextType *)m)->has_id;
		int64_t mid = tk == 0 ? t->id : tk == 1 ? ((Mlmd__Pb__ExecutionType *)m)->id : ((Mlmd__Pb__ContextType *)m)->id;
		if (record_id(im, &r, has_id, mid, &id, lineno))
			rc = -1, mlmd_message_free(m);
		else
			rc = cli_import_type(im, tk, m, id, NULL, lineno);
	} else if (nk >= 0) {
		bool has_id = nk == 0 ? ((Mlmd__Pb__Artifact *)m)->has_id : nk == 1 ? ((Mlmd__Pb__Execution *)m)->has_id :
			((Mlmd__Pb__Context *)m)->has_id;
		int64_t mid = nk == 0 ? ((Mlmd__Pb__Artifact *)m)->id : nk == 1 ? ((Mlmd__Pb__Execution *)m)->id :
			((Mlmd__Pb__Context *)m)->id;
		if (record_id(im, &r, has_id, mid, &id, lineno))
			rc = -1, mlmd_message_free(m);
		else
			rc = cli_import_node(im, nk, m, id, NULL, lineno);
	} else if (is_event) {
		rc = cli_import_event(im, m, NULL, lineno);
	} else if (!strcmp(r.kind, "registry_state")) {
		/* a registered model's aliases, policies, requests and history */
		Mlmd__Pb__Governance__RestoreRegistryRequest *st = NULL;
		if (!r.has_pb)
			rc = cli_importer_fail(im, "line %ld: a registry_state needs \"pb\"", lineno);
		else if (!(st = cli_pb_unpack(&mlmd__pb__governance__restore_registry_request__descriptor, r.pb, r.pb_len, err,
			sizeof err)))
			rc = cli_importer_fail(im, "line %ld: \"pb\": %s", lineno, err);
		else
			rc = cli_import_registry(im, st, lineno);
	} else if (!strcmp(r.kind, "audit_record")) {
		/* a record of the source's audit log: kept as an archive */
		Mlmd__Pb__Governance__AuditRecord *ar = NULL;
		if (!r.has_pb)
			rc = cli_importer_fail(im, "line %ld: an audit_record needs \"pb\"", lineno);
		else if (!(ar = cli_pb_unpack(&mlmd__pb__governance__audit_record__descriptor, r.pb, r.pb_len, err, sizeof err)))
			rc = cli_importer_fail(im, "line %ld: \"pb\": %s", lineno, err);
		else if ((r.has & cli_record_bit("seq")) && (!ar->has_seq || ar->seq != r.seq))
			rc = cli_importer_fail(im, "line %ld: \"seq\" %lld and the record's seq differ", lineno, (long long)r.seq),
			mlmd_message_free(ar);
		else
			rc = cli_import_audit(im, ar, lineno);
	} else if (!strcmp(r.kind, "tombstone") || !strcmp(r.kind, "label") || !strcmp(r.kind, "serving_gate") ||
		   !strcmp(r.kind, "retention_policy")) {
		rc = import_dg_line(im, &r, lineno);
	} else if (!strcmp(r.kind, "metric_series")) {
		/* the metric history of an execution: a chunk of one key's points */
		Mlmd__Pb__Tracking__MetricSeries *ms = NULL;
		if (!(r.has & cli_record_bit("execution_id")) || !r.has_pb)
			rc = cli_importer_fail(im, "line %ld: a metric_series needs \"execution_id\" and \"pb\"", lineno);
		else if (!(ms = cli_pb_unpack(&mlmd__pb__tracking__metric_series__descriptor, r.pb, r.pb_len, err, sizeof err)))
			rc = cli_importer_fail(im, "line %ld: \"pb\": %s", lineno, err);
		else
			rc = cli_import_metric(im, r.execution_id, ms, NULL, lineno);
	} else {
		static const struct {
			const char *kind, *a, *b;
			cli_link link;
		} links[] = {
			{ "attribution", "context_id", "artifact_id", CLI_LINK_ATTRIBUTION },
			{ "association", "context_id", "execution_id", CLI_LINK_ASSOCIATION },
			{ "parent_context", "child_id", "parent_id", CLI_LINK_PARENT },
		};
		size_t i = 0;
		while (i < 3 && strcmp(r.kind, links[i].kind))
			i++;
		if (i == 3) {
			rc = cli_importer_fail(im, "line %ld: unknown kind '%s'", lineno, r.kind);
		} else {
			unsigned ba = cli_record_bit(links[i].a), bb = cli_record_bit(links[i].b);
			if ((r.has & ba) != ba || (r.has & bb) != bb)
				rc = cli_importer_fail(im, "line %ld: a %s needs \"%s\" and \"%s\"", lineno, r.kind, links[i].a, links[i].b);
			else {
				int64_t a = i == 2 ? r.child_id : r.context_id;
				int64_t b = i == 0 ? r.artifact_id : i == 1 ? r.execution_id : r.parent_id;
				rc = cli_import_link(im, links[i].link, a, b, NULL, lineno);
			}
		}
	}
	cli_record_free(&r);
	return rc ? -1 : 0;
}

int cli_import_jsonl(cli_importer *im, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = 0;
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t n = (size_t)len;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		rc = cli_import_line(im, line, n, lineno);
	}
	if (!rc && ferror(f))
		rc = cli_importer_fail(im, "reading line %ld failed", lineno + 1);
	free(line);
	return rc;
}

/* ---- OpenLineage ------------------------------------------------------------------------------------------ */

/* The whole of f in memory (malloc'd, NUL-terminated), or NULL with errno. */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
		if (cap - n - 1 == 0) {
			char *g = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!g) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = g;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

static void ol_problem(size_t line, const char *message, void *user)
{
	fprintf(stderr, "mlmd: %s: line %zu: %s (skipped)\n", (const char *)user, line, message);
}

/* mlmd import --format openlineage: NDJSON or a JSON array of events, one transaction. */
static int import_openlineage(FILE *f, const char *from, bool strict, const char *ns, bool json)
{
	size_t len = 0;
	char *text = read_all(f, &len);
	if (!text)
		return cli_failed("%s: %s", from, strerror(errno ? errno : EIO));
	mlmd_store *s;
	if (cli_open_store(cli_g.store, &s, false)) {
		free(text);
		return EXIT_FAILED;
	}
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.strict = strict;
	o.ns = ns;
	mlmd_openlineage_import_report r;
	int rc = mlmd_openlineage_import(s, &o, text, len, strict ? NULL : ol_problem, (void *)from, &r);
	free(text);
	mlmd_store_free(s);
	if (rc)
		return cli_failed("import %s: %s", from, mlmd_error_message());
	fprintf(stderr, "mlmd: read %zu OpenLineage events from %s (%zu skipped as malformed, %zu of other namespaces): "
		"%zu executions created, %zu updated; %zu artifacts created, %zu updated; %zu contexts created, "
		"%zu updated; %zu events added\n", r.events, from, r.skipped, r.ignored, r.executions_created,
		r.executions_updated, r.artifacts_created, r.artifacts_updated, r.contexts_created, r.contexts_updated,
		r.events_created);
	if (!json)
		return 0;
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	const struct {
		const char *k;
		size_t v;
	} counts[] = {
		{ "events", r.events }, { "skipped", r.skipped }, { "ignored", r.ignored },
		{ "executions_created", r.executions_created }, { "executions_updated", r.executions_updated },
		{ "artifacts_created", r.artifacts_created }, { "artifacts_updated", r.artifacts_updated },
		{ "contexts_created", r.contexts_created }, { "contexts_updated", r.contexts_updated },
		{ "events_created", r.events_created },
	};
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		mlmd_json_key(w, counts[i].k);
		mlmd_json_int(w, (int64_t)counts[i].v);
	}
	mlmd_json_object_end(w);
	return cli_json_done(w);
}

/* ---- import ---------------------------------------------------------------------------------------------- */

int cmd_import(int argc, char **argv)
{
	bool upgrade = false, strict = false, json = false;
	static const char *const formats[] = { "jsonl", "openlineage", NULL };
	int format = 0;
	const char *ns = NULL;
	const cli_opt opts[] = {
		CLI_CHOICE("--format", "jsonl (an `mlmd export`, the default) or openlineage (OpenLineage events)", &format,
			formats),
		CLI_FLAG("--strict", "openlineage: a malformed event aborts the import (nothing is written); without it, "
			"each is reported with its line and skipped", &strict),
		CLI_STR("--namespace", "NS", "openlineage: take only the run and job events of job namespace NS", &ns),
		CLI_FLAG("--json", "openlineage: print the report's counts as one JSON object", &json),
		CLI_FLAG("--upgrade", "migrate an older store to the current schema first (metric histories need version 3)",
			&upgrade),
		CLI_END,
	};
	const cli_cmd cmd = { "import", "FILE|-", 1, 1,
		"Reads an `mlmd export` into the store: types merge with same-named ones, nodes and edges are added\n"
		"with new ids and keep their times, metric histories follow their runs. The import is one\n"
		"transaction: when any line is refused (the message names it), nothing of the file is stored.\n"
		"With --format openlineage it reads OpenLineage run, job and dataset events (NDJSON, or one JSON\n"
		"array) as docs/interoperability.md maps them, in one transaction; importing the same events again\n"
		"changes nothing. A summary goes to stderr; --json prints the counts.", true,
		opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *path = args[0];
	if (format != 1 && (strict || ns || json))
		return cli_usage("import: --strict, --namespace and --json go with --format openlineage");
	if (format == 1) {
		if (upgrade)
			return cli_usage("import: --upgrade goes with --format jsonl");
		FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
		if (!f)
			return cli_failed("%s: %s", path, strerror(errno));
		rc = import_openlineage(f, strcmp(path, "-") ? path : "standard input", strict, ns, json);
		if (f != stdin)
			fclose(f);
		return rc;
	}
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return cli_failed("%s: %s", path, strerror(errno));
	mlmd_store *s;
	if (upgrade ? cli_open_store_upgrade(cli_g.store, &s) : cli_open_store(cli_g.store, &s, false)) {
		if (f != stdin)
			fclose(f);
		return EXIT_FAILED;
	}
	cli_progress pr;
	cli_progress_init(&pr, "imported");
	cli_importer *im = NULL;
	rc = cli_importer_new(&im, s, &pr) || cli_import_jsonl(im, f) || cli_importer_finish(im);
	cli_progress_end(&pr);
	if (rc)
		rc = cli_failed("import %s: %s; nothing was imported", strcmp(path, "-") ? path : "(standard input)",
			cli_importer_error(im));
	else
		cli_importer_summary(im, strcmp(path, "-") ? path : "standard input");
	cli_importer_free(im);
	if (f != stdin)
		fclose(f);
	mlmd_store_free(s);
	return rc;
}

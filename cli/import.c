/*
 * cli/import.c - `mlmd import`: an `mlmd export` (JSON lines) read into a
 * store, all of it or nothing.
 *
 *  - cli_record_parse(): one line of the export into a record. A strict
 *    JSON parser for one object per line: values it does not use are
 *    checked and skipped, nesting is bounded before it recurses, and the
 *    "pb" field's base64 is decoded.
 *  - cli_import_line() / cli_import_jsonl(): each record's message unpacked
 *    with its nesting bounded (cli_pb_unpack) and handed to the importer
 *    (importer.c), which maps old ids to new ones in one transaction.
 *    Errors are kept in the importer (cli_importer_error), not printed, so
 *    tests/fuzz/fuzz_import.c drives these as they are.
 *  - cmd_import(): the command.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <mlmd.h>
#include "cli.h"
#include "import.h"

/* ---- the record parser ----------------------------------------------------------------------- */

typedef struct {
	const char *p, *end;
	char *err;
	size_t errsize;
} jp;

static int jfail(jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jfail(jp *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->err, j->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

static void jws(jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	if (end - p < 4)
		return -1;
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Reads a string at j->p (the opening quote). With out set, decodes it into
 * *out (malloc'd, NUL-terminated; *out_len bytes, which may include NULs). */
static int jstring(jp *j, char **out, size_t *out_len)
{
	const char *p = j->p + 1;
	char *w = NULL, *buf = NULL;
	if (out) {
		/* the decoded text is never longer than the raw text */
		const char *q = p;
		while (q < j->end && *q != '"')
			q += *q == '\\' && q + 1 < j->end ? 2 : 1;
		buf = w = malloc((size_t)(q - p) + 1);
		if (!buf)
			return jfail(j, "out of memory");
	}
	for (;;) {
		if (p >= j->end) {
			free(buf);
			return jfail(j, "a string is not closed");
		}
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) {
			free(buf);
			return jfail(j, "a control character (0x%02x) inside a string", c);
		}
		if (c != '\\') {
			if (w)
				*w++ = (char)c;
			p++;
			continue;
		}
		if (p + 1 >= j->end) {
			free(buf);
			return jfail(j, "a string is not closed");
		}
		char e = p[1];
		p += 2;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			if (w)
				*w++ = map[simple - "\"\\/bfnrt"];
			continue;
		}
		unsigned u;
		if (e != 'u' || hex4(p, j->end, &u)) {
			free(buf);
			return jfail(j, "a bad escape in a string");
		}
		p += 4;
		if (u >= 0xD800 && u < 0xDC00) { /* a surrogate pair */
			unsigned lo;
			if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, j->end, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
				free(buf);
				return jfail(j, "a lone surrogate in a string");
			}
			p += 6;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		} else if (u >= 0xDC00 && u < 0xE000) {
			free(buf);
			return jfail(j, "a lone surrogate in a string");
		}
		if (!w)
			continue;
		if (u < 0x80) {
			*w++ = (char)u;
		} else if (u < 0x800) {
			*w++ = (char)(0xC0 | u >> 6);
			*w++ = (char)(0x80 | (u & 0x3F));
		} else if (u < 0x10000) {
			*w++ = (char)(0xE0 | u >> 12);
			*w++ = (char)(0x80 | (u >> 6 & 0x3F));
			*w++ = (char)(0x80 | (u & 0x3F));
		} else {
			*w++ = (char)(0xF0 | u >> 18);
			*w++ = (char)(0x80 | (u >> 12 & 0x3F));
			*w++ = (char)(0x80 | (u >> 6 & 0x3F));
			*w++ = (char)(0x80 | (u & 0x3F));
		}
	}
	j->p = p + 1;
	if (out) {
		*w = '\0';
		*out = buf;
		*out_len = (size_t)(w - buf);
	}
	return 0;
}

/* Reads a number; with out set it must be an integer that fits int64. */
static int jnumber(jp *j, int64_t *out)
{
	const char *p = j->p;
	bool neg = p < j->end && *p == '-';
	if (neg)
		p++;
	const char *digits = p;
	uint64_t v = 0;
	bool overflow = false;
	while (p < j->end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
		p++;
	}
	if (p == digits || (*digits == '0' && p - digits > 1))
		return jfail(j, "a malformed number");
	bool integer = true;
	if (p < j->end && *p == '.') {
		integer = false;
		const char *f = ++p;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return jfail(j, "a malformed number");
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		integer = false;
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		const char *x = p;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
		if (p == x)
			return jfail(j, "a malformed number");
	}
	j->p = p;
	if (!out)
		return 0;
	if (!integer)
		return jfail(j, "expected a whole number");
	if (overflow || v > (uint64_t)INT64_MAX + neg)
		return jfail(j, "a number out of range");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int jvalue(jp *j, int depth);

/* Checks and skips an object or array, `depth` levels down. */
static int jcontainer(jp *j, int depth)
{
	if (depth > CLI_JSON_MAX_DEPTH)
		return jfail(j, "values nested deeper than %d levels", CLI_JSON_MAX_DEPTH);
	char close = *j->p == '{' ? '}' : ']';
	j->p++;
	jws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		jws(j);
		if (close == '}') {
			if (j->p >= j->end || *j->p != '"')
				return jfail(j, "expected a key");
			if (jstring(j, NULL, NULL))
				return -1;
			jws(j);
			if (j->p >= j->end || *j->p != ':')
				return jfail(j, "expected ':'");
			j->p++;
		}
		if (jvalue(j, depth))
			return -1;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		return jfail(j, "expected ',' or '%c'", close);
	}
}

static int jliteral(jp *j, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return jfail(j, "an unexpected character '%c'", *j->p);
	j->p += n;
	return 0;
}

/* Checks and skips any value. */
static int jvalue(jp *j, int depth)
{
	jws(j);
	if (j->p >= j->end)
		return jfail(j, "a value is missing");
	switch (*j->p) {
	case '"': return jstring(j, NULL, NULL);
	case '{': case '[': return jcontainer(j, depth + 1);
	case 't': return jliteral(j, "true");
	case 'f': return jliteral(j, "false");
	case 'n': return jliteral(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return jnumber(j, NULL);
		return jfail(j, "an unexpected character '%c'", *j->p);
	}
}

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

int cli_record_parse(const char *line, size_t len, cli_record *r, char *err, size_t errsize)
{
	memset(r, 0, sizeof *r);
	jp j = { line, line + len, err, errsize };
	jws(&j);
	if (j.p >= j.end || *j.p != '{')
		return jfail(&j, "a line of an export is one JSON object");
	j.p++;
	jws(&j);
	bool first = true, have_kind = false, have_pb = false;
	while (j.p < j.end && *j.p != '}') {
		if (!first) {
			if (*j.p != ',')
				return cli_record_free(r), jfail(&j, "expected ',' or '}'");
			j.p++;
			jws(&j);
		}
		first = false;
		if (j.p >= j.end || *j.p != '"')
			return cli_record_free(r), jfail(&j, "expected a key");
		char *key;
		size_t klen;
		if (jstring(&j, &key, &klen))
			return cli_record_free(r), -1;
		jws(&j);
		if (j.p >= j.end || *j.p != ':') {
			free(key);
			return cli_record_free(r), jfail(&j, "expected ':'");
		}
		j.p++;
		jws(&j);
		int rc = 0;
		unsigned bit = klen == strlen(key) ? cli_record_bit(key) : 0;
		if (bit) {
			if (r->has & bit)
				rc = jfail(&j, "the key \"%s\" appears twice", key);
			else if (j.p >= j.end || !(*j.p == '-' || (*j.p >= '0' && *j.p <= '9')))
				rc = jfail(&j, "\"%s\" must be a whole number", key);
			else {
				size_t i = 0;
				while (1u << i != bit)
					i++;
				rc = jnumber(&j, (int64_t *)((char *)r + int_fields[i].off));
				if (rc) {
					char why[128];
					snprintf(why, sizeof why, "%s", err);
					jfail(&j, "\"%s\": %s", key, why);
				}
				r->has |= bit;
			}
		} else if (!strcmp(key, "kind") || !strcmp(key, "pb")) {
			bool is_kind = key[0] == 'k';
			char *s;
			size_t slen;
			if (is_kind ? have_kind : have_pb)
				rc = jfail(&j, "the key \"%s\" appears twice", key);
			else if (j.p >= j.end || *j.p != '"')
				rc = jfail(&j, "\"%s\" must be a string", key);
			else if (!(rc = jstring(&j, &s, &slen))) {
				if (is_kind) {
					have_kind = true;
					if (slen >= sizeof r->kind || strlen(s) != slen)
						rc = jfail(&j, "an unknown kind");
					else
						memcpy(r->kind, s, slen + 1);
				} else {
					have_pb = true;
					r->pb = malloc(slen / 4 * 3 + 4);
					long n = r->pb ? cli_unb64(s, slen, r->pb) : -1;
					if (n < 0)
						rc = jfail(&j, "\"pb\" is not base64");
					r->pb_len = n < 0 ? 0 : (size_t)n;
					r->has_pb = true;
				}
				free(s);
			}
		} else {
			rc = jvalue(&j, 1); /* a field we do not use: checked, skipped */
		}
		free(key);
		if (rc)
			return cli_record_free(r), -1;
		jws(&j);
	}
	if (j.p >= j.end)
		return cli_record_free(r), jfail(&j, "the object is not closed");
	j.p++;
	jws(&j);
	if (j.p != j.end)
		return cli_record_free(r), jfail(&j, "text after the object");
	if (!have_kind)
		return cli_record_free(r), jfail(&j, "no \"kind\"");
	return 0;
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

/* ---- import ---------------------------------------------------------------------------------------------- */

int cmd_import(int argc, char **argv)
{
	const cli_opt opts[] = { CLI_END };
	const cli_cmd cmd = { "import", "FILE|-", 1, 1,
		"Reads an `mlmd export` into the store: types merge with same-named ones, nodes and edges are added\n"
		"with new ids and keep their times. The import is one transaction: when any line is refused (the\n"
		"message names it), nothing of the file is stored.", true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *path = args[0];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return cli_failed("%s: %s", path, strerror(errno));
	mlmd_store *s;
	if (cli_open_store(cli_g.store, &s, false)) {
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

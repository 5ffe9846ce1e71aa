/*
 * cli/import.c - reading an `mlmd export` (JSON lines) into a store,
 * and the importer that `mlmd import-mlmd` shares.
 *
 * Three layers, each usable alone (tests/fuzz/fuzz_import.c drives them):
 *  - cli_record_parse(): one line of the export into a record. A strict
 *    JSON parser for one object per line: values it does not use are
 *    checked and skipped, nesting is bounded before it recurses, and the
 *    "pb" field's base64 is decoded.
 *  - cli_pb_unpack(): protobuf bytes from outside into a message, through
 *    the library's mlmd_message_unpack(), which bounds how deep messages
 *    nest before protobuf-c recurses (a 34 KB value nested 5,000 deep
 *    would overflow the stack) and refuses NUL bytes in strings and
 *    undefined enum values.
 *  - the importer: maps every old id to the new one, refuses an id seen
 *    twice, puts nodes and edges in batches, restores node times, and runs
 *    the whole import in one transaction (mlmd_store_begin), so a failure
 *    anywhere leaves the store as it was.
 * Errors are kept in the importer (cli_importer_error), not printed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
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

/* ---- protobuf from outside -------------------------------------------------------------------- */

void *cli_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, char *err, size_t errsize)
{
	void *m;
	if (mlmd_message_unpack(d, p, n, &m)) {
		snprintf(err, errsize, "%s", mlmd_error_message());
		return NULL;
	}
	return m;
}

/* ---- ids ------------------------------------------------------------------------------------------ */

/* old id -> new id, with where the old id was first seen (for a duplicate's message). */
typedef struct {
	int64_t old, new_id, src;
	bool used;
} id_slot;

typedef struct {
	id_slot *v;
	size_t n, cap;
} idmap;

static size_t id_hash(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

static id_slot *map_slot(const idmap *m, int64_t old)
{
	if (!m->cap)
		return NULL;
	for (size_t j = id_hash(old, m->cap);; j = (j + 1) & (m->cap - 1)) {
		if (!m->v[j].used || m->v[j].old == old)
			return &m->v[j];
	}
}

/* Adds old (with new id unknown yet: 0); returns its slot, or NULL when out of
 * memory. *dup is set when old was there already (the slot is then the old one). */
static id_slot *map_add(idmap *m, int64_t old, int64_t src, bool *dup)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		id_slot *v = calloc(cap, sizeof *v);
		if (!v)
			return NULL;
		idmap grown = { v, 0, cap };
		for (size_t i = 0; i < m->cap; i++)
			if (m->v[i].used)
				*map_slot(&grown, m->v[i].old) = m->v[i];
		free(m->v);
		m->v = v;
		m->cap = cap;
	}
	id_slot *s = map_slot(m, old);
	*dup = s->used;
	if (!s->used) {
		*s = (id_slot){ old, 0, src, true };
		m->n++;
	}
	return s;
}

/* The new id of old, or -1 when it was not imported. */
static int64_t map_get(const idmap *m, int64_t old)
{
	const id_slot *s = map_slot(m, old);
	return s && s->used && s->new_id > 0 ? s->new_id : -1;
}

/* ---- the importer ------------------------------------------------------------------------------- */

#define BATCH 500

enum { Q_ARTIFACT, Q_EXECUTION, Q_CONTEXT, Q_EVENT, Q_ATTRIBUTION, Q_ASSOCIATION, Q_PARENT };

struct cli_importer {
	mlmd_store *s;
	bool open;                     /* the transaction is open */
	idmap types[3], nodes[3];      /* by kind: artifact, execution, context */
	/* the pending batch: one kind of item */
	int kind;
	size_t n;
	void *items[BATCH];
	int64_t old[BATCH];            /* nodes: their old ids, mapped to the new ones at the flush */
	int64_t src[BATCH];
	const char *table[BATCH];
	cli_import_counts counts;
	char err[1024];
	cli_progress *progress;
};

static const char *const KIND_WORD[3] = { "artifact", "execution", "context" };

static int im_fail(cli_importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int im_fail(cli_importer *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof im->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* "line 12" or "Artifact id 7": where an input came from. */
static const char *where(char *buf, size_t size, const char *table, int64_t src)
{
	if (table)
		snprintf(buf, size, "%s %lld", table, (long long)src);
	else
		snprintf(buf, size, "line %lld", (long long)src);
	return buf;
}

int cli_importer_new(cli_importer **out, mlmd_store *s, cli_progress *progress)
{
	cli_importer *im = calloc(1, sizeof *im);
	*out = im;
	if (!im)
		return -1;
	im->s = s;
	im->progress = progress;
	if (mlmd_store_begin(s, 1))
		return im_fail(im, "%s", mlmd_error_message());
	im->open = true;
	return 0;
}

const char *cli_importer_error(const cli_importer *im)
{
	return im ? im->err : "out of memory";
}

const cli_import_counts *cli_importer_counts(const cli_importer *im)
{
	return &im->counts;
}

static void drop_batch(cli_importer *im)
{
	for (size_t i = 0; i < im->n; i++)
		mlmd_message_free(im->items[i]);
	im->n = 0;
}

void cli_importer_free(cli_importer *im)
{
	if (!im)
		return;
	drop_batch(im);
	if (im->open)
		mlmd_store_rollback(im->s); /* nothing of a failed import stays */
	for (int k = 0; k < 3; k++) {
		free(im->types[k].v);
		free(im->nodes[k].v);
	}
	free(im);
}

/* Gives the batch's new nodes the creation and update times they had. */
static int keep_times(cli_importer *im, const int64_t *new_ids)
{
	int64_t ids[BATCH], ct[BATCH], ut[BATCH];
	size_t n = 0;
	for (size_t i = 0; i < im->n; i++) {
		const void *m = im->items[i];
		bool has_c, has_u;
		int64_t c, u;
		if (im->kind == Q_ARTIFACT) {
			const Mlmd__Pb__Artifact *a = m;
			has_c = a->has_create_time_since_epoch, c = a->create_time_since_epoch;
			has_u = a->has_last_update_time_since_epoch, u = a->last_update_time_since_epoch;
		} else if (im->kind == Q_EXECUTION) {
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
	return n ? mlmd_store_restore_times(im->s, KIND_WORD[im->kind], ids, ct, ut, n) : 0;
}

/* The store's message for a failed batch, with where its item came from when
 * the message names one ("artifacts[3]: ..."). */
static int batch_fail(cli_importer *im)
{
	const char *msg = mlmd_error_message();
	char w1[96], w2[96];
	for (const char *b = strchr(msg, '['); b; b = strchr(b + 1, '[')) {
		char *end;
		unsigned long k = strtoul(b + 1, &end, 10);
		if (end > b + 1 && *end == ']' && k < im->n)
			return im_fail(im, "%s: %s", where(w1, sizeof w1, im->table[k], im->src[k]), msg);
	}
	if (im->n == 1)
		return im_fail(im, "%s: %s", where(w1, sizeof w1, im->table[0], im->src[0]), msg);
	return im_fail(im, "%s to %s: %s", where(w1, sizeof w1, im->table[0], im->src[0]),
		where(w2, sizeof w2, im->table[im->n - 1], im->src[im->n - 1]), msg);
}

/* Puts the pending batch. */
static int flush(cli_importer *im)
{
	if (!im->n)
		return 0;
	int rc = 0;
	const int64_t *ids = NULL;
	void *resp = NULL;
	switch (im->kind) {
	case Q_ARTIFACT: {
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = im->n;
		rq.artifacts = (Mlmd__Pb__Artifact **)im->items;
		if (!(rc = mlmd_store_put_artifacts(im->s, &rq, &rs)))
			resp = rs, ids = rs->artifact_ids;
		break;
	}
	case Q_EXECUTION: {
		Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__PutExecutionsResponse *rs;
		rq.n_executions = im->n;
		rq.executions = (Mlmd__Pb__Execution **)im->items;
		if (!(rc = mlmd_store_put_executions(im->s, &rq, &rs)))
			resp = rs, ids = rs->execution_ids;
		break;
	}
	case Q_CONTEXT: {
		Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutContextsResponse *rs;
		rq.n_contexts = im->n;
		rq.contexts = (Mlmd__Pb__Context **)im->items;
		if (!(rc = mlmd_store_put_contexts(im->s, &rq, &rs)))
			resp = rs, ids = rs->context_ids;
		break;
	}
	case Q_EVENT: {
		Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
		Mlmd__Pb__PutEventsResponse *rs;
		rq.n_events = im->n;
		rq.events = (Mlmd__Pb__Event **)im->items;
		if (!(rc = mlmd_store_put_events(im->s, &rq, &rs)))
			resp = rs;
		break;
	}
	case Q_ATTRIBUTION: case Q_ASSOCIATION: {
		Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
		Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
		if (im->kind == Q_ATTRIBUTION) {
			rq.n_attributions = im->n;
			rq.attributions = (Mlmd__Pb__Attribution **)im->items;
		} else {
			rq.n_associations = im->n;
			rq.associations = (Mlmd__Pb__Association **)im->items;
		}
		if (!(rc = mlmd_store_put_attributions_and_associations(im->s, &rq, &rs)))
			resp = rs;
		break;
	}
	default: {
		Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutParentContextsResponse *rs;
		rq.n_parent_contexts = im->n;
		rq.parent_contexts = (Mlmd__Pb__ParentContext **)im->items;
		if (!(rc = mlmd_store_put_parent_contexts(im->s, &rq, &rs)))
			resp = rs;
	}
	}
	if (!rc && ids) {
		for (size_t i = 0; i < im->n; i++)
			map_slot(&im->nodes[im->kind], im->old[i])->new_id = ids[i];
		rc = keep_times(im, ids);
	}
	if (rc)
		batch_fail(im);
	mlmd_message_free(resp);
	if (!rc) {
		long *count = im->kind == Q_ARTIFACT ? &im->counts.artifacts : im->kind == Q_EXECUTION ? &im->counts.executions :
			im->kind == Q_CONTEXT ? &im->counts.contexts : im->kind == Q_EVENT ? &im->counts.events :
			im->kind == Q_ATTRIBUTION ? &im->counts.attributions : im->kind == Q_ASSOCIATION ?
			&im->counts.associations : &im->counts.parent_contexts;
		*count += (long)im->n;
		im->counts.records += (long)im->n;
		if (im->progress)
			cli_progress_tick(im->progress, im->counts.records);
	}
	drop_batch(im);
	return rc ? -1 : 0;
}

/* Queues an item (owned by the importer from here on, also on failure). */
static int queue(cli_importer *im, int kind, void *item, int64_t old, const char *table, int64_t src)
{
	if (im->n && (im->kind != kind || im->n == BATCH) && flush(im)) {
		mlmd_message_free(item);
		return -1;
	}
	im->kind = kind;
	im->items[im->n] = item;
	im->old[im->n] = old;
	im->table[im->n] = table;
	im->src[im->n++] = src;
	return 0;
}

/* Before a reference to a node is resolved, the nodes still queued get their ids. */
static int flush_nodes(cli_importer *im)
{
	return im->n && im->kind <= Q_CONTEXT ? flush(im) : 0;
}

int cli_import_type(cli_importer *im, int kind, void *type, int64_t old_id, const char *table, int64_t src)
{
	char w[96], w2[96];
	int rc = flush(im);
	bool dup = false;
	id_slot *slot = rc ? NULL : map_add(&im->types[kind], old_id, src, &dup);
	if (!rc && !slot)
		rc = im_fail(im, "out of memory");
	else if (!rc && dup)
		rc = im_fail(im, "%s: %s type id %lld appears twice (first at %s)", where(w, sizeof w, table, src),
			KIND_WORD[kind], (long long)old_id, where(w2, sizeof w2, table, slot->src));
	if (rc) {
		mlmd_message_free(type);
		return -1;
	}
	int64_t id = 0;
	/* the three type messages begin alike: id, name, properties, version, ... */
	if (kind == 0) {
		Mlmd__Pb__ArtifactType *t = type;
		Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutArtifactTypeResponse *rs;
		t->has_id = 0;
		rq.artifact_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_artifact_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else if (kind == 1) {
		Mlmd__Pb__ExecutionType *t = type;
		Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutExecutionTypeResponse *rs;
		t->has_id = 0;
		rq.execution_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_execution_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else {
		Mlmd__Pb__ContextType *t = type;
		Mlmd__Pb__PutContextTypeRequest rq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutContextTypeResponse *rs;
		t->has_id = 0;
		rq.context_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_context_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	}
	mlmd_message_free(type);
	if (rc)
		return im_fail(im, "%s: %s", where(w, sizeof w, table, src), mlmd_error_message());
	slot->new_id = id;
	im->counts.types++;
	im->counts.records++;
	if (im->progress)
		cli_progress_tick(im->progress, im->counts.records);
	return 0;
}

int cli_import_node(cli_importer *im, int kind, void *node, int64_t old_id, const char *table, int64_t src)
{
	char w[96], w2[96];
	int64_t *type_id = kind == 0 ? &((Mlmd__Pb__Artifact *)node)->type_id : kind == 1 ?
		&((Mlmd__Pb__Execution *)node)->type_id : &((Mlmd__Pb__Context *)node)->type_id;
	int64_t new_type = map_get(&im->types[kind], *type_id);
	if (new_type < 0) {
		im_fail(im, "%s: %s %lld has type id %lld, but no %s type with that id was imported before it",
			where(w, sizeof w, table, src), KIND_WORD[kind], (long long)old_id, (long long)*type_id, KIND_WORD[kind]);
		mlmd_message_free(node);
		return -1;
	}
	*type_id = new_type;
	if (kind == 0)
		((Mlmd__Pb__Artifact *)node)->has_id = 0, ((Mlmd__Pb__Artifact *)node)->has_type_id = 1;
	else if (kind == 1)
		((Mlmd__Pb__Execution *)node)->has_id = 0, ((Mlmd__Pb__Execution *)node)->has_type_id = 1;
	else
		((Mlmd__Pb__Context *)node)->has_id = 0, ((Mlmd__Pb__Context *)node)->has_type_id = 1;
	bool dup = false;
	id_slot *slot = map_add(&im->nodes[kind], old_id, src, &dup);
	if (!slot || dup) {
		if (!slot)
			im_fail(im, "out of memory");
		else
			im_fail(im, "%s: %s id %lld appears twice (first at %s)", where(w, sizeof w, table, src), KIND_WORD[kind],
				(long long)old_id, where(w2, sizeof w2, table, slot->src));
		mlmd_message_free(node);
		return -1;
	}
	return queue(im, kind, node, old_id, table, src);
}

int cli_import_event(cli_importer *im, Mlmd__Pb__Event *e, const char *table, int64_t src)
{
	char w[96];
	if (flush_nodes(im)) {
		mlmd_message_free(e);
		return -1;
	}
	int64_t a = map_get(&im->nodes[0], e->artifact_id), x = map_get(&im->nodes[1], e->execution_id);
	if (a < 0 || x < 0) {
		im_fail(im, "%s: an event between artifact %lld and execution %lld, but %s %lld is not among the %ss "
			"imported before it", where(w, sizeof w, table, src), (long long)e->artifact_id, (long long)e->execution_id,
			a < 0 ? "artifact" : "execution", (long long)(a < 0 ? e->artifact_id : e->execution_id),
			a < 0 ? "artifact" : "execution");
		mlmd_message_free(e);
		return -1;
	}
	e->artifact_id = a, e->execution_id = x;
	e->has_artifact_id = e->has_execution_id = 1;
	return queue(im, Q_EVENT, e, 0, table, src);
}

int cli_import_link(cli_importer *im, cli_link kind, int64_t context_old, int64_t other_old, const char *table,
	int64_t src)
{
	char w[96];
	if (flush_nodes(im))
		return -1;
	static const char *const what[] = { "an attribution", "an association", "a parent context" };
	static const char *const other_word[] = { "artifact", "execution", "context" };
	int64_t a = map_get(&im->nodes[2], context_old);
	int64_t b = map_get(&im->nodes[kind == CLI_LINK_ATTRIBUTION ? 0 : kind == CLI_LINK_ASSOCIATION ? 1 : 2], other_old);
	if (a < 0 || b < 0)
		return im_fail(im, "%s: %s names %s %lld, which is not among the %ss imported before it",
			where(w, sizeof w, table, src), what[kind], a < 0 ? "context" : other_word[kind],
			(long long)(a < 0 ? context_old : other_old), a < 0 ? "context" : other_word[kind]);
	void *item;
	if (kind == CLI_LINK_ATTRIBUTION) {
		Mlmd__Pb__Attribution *at = mlmd_message_new(&mlmd__pb__attribution__descriptor);
		if ((item = at))
			at->has_context_id = at->has_artifact_id = 1, at->context_id = a, at->artifact_id = b;
	} else if (kind == CLI_LINK_ASSOCIATION) {
		Mlmd__Pb__Association *as = mlmd_message_new(&mlmd__pb__association__descriptor);
		if ((item = as))
			as->has_context_id = as->has_execution_id = 1, as->context_id = a, as->execution_id = b;
	} else {
		Mlmd__Pb__ParentContext *pc = mlmd_message_new(&mlmd__pb__parent_context__descriptor);
		if ((item = pc))
			pc->has_child_id = pc->has_parent_id = 1, pc->child_id = a, pc->parent_id = b;
	}
	if (!item)
		return im_fail(im, "out of memory");
	return queue(im, Q_ATTRIBUTION + (int)kind, item, 0, table, src);
}

int cli_importer_flush(cli_importer *im)
{
	return flush(im);
}

int cli_importer_finish(cli_importer *im)
{
	if (flush(im))
		return -1;
	im->open = false;
	if (mlmd_store_commit(im->s))
		return im_fail(im, "committing the import: %s", mlmd_error_message());
	return 0;
}

/* ---- JSON lines ----------------------------------------------------------------------------------- */

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
		return im_fail(im, "line %ld: \"id\" %lld and the message's id %lld differ", lineno, (long long)r->id,
			(long long)msg_id);
	if (!has && !has_msg_id)
		return im_fail(im, "line %ld: a %s without an id", lineno, r->kind);
	*out = has ? r->id : msg_id;
	return 0;
}

int cli_import_line(cli_importer *im, const char *line, size_t len, long lineno)
{
	cli_record r;
	char err[512];
	if (cli_record_parse(line, len, &r, err, sizeof err))
		return im_fail(im, "line %ld: %s", lineno, err);
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
		return im_fail(im, "line %ld: no \"pb\" (the message) in this %s line", lineno, r.kind);
	}
	const ProtobufCMessageDescriptor *d = tk >= 0 ? TYPE_DESC[tk] : nk >= 0 ? NODE_DESC[nk] :
		is_event ? &mlmd__pb__event__descriptor : NULL;
	void *m = NULL;
	if (d && !(m = cli_pb_unpack(d, r.pb, r.pb_len, err, sizeof err))) {
		cli_record_free(&r);
		return im_fail(im, "line %ld: \"pb\": %s", lineno, err);
	}
	int64_t id = 0;
	if (!strcmp(r.kind, "mlmd_export")) {
		if (!(r.has & cli_record_bit("version")) || r.version != 1)
			rc = im_fail(im, "line %ld: export version %lld is not supported (this mlmd reads version 1)", lineno,
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
			rc = im_fail(im, "line %ld: unknown kind '%s'", lineno, r.kind);
		} else {
			unsigned ba = cli_record_bit(links[i].a), bb = cli_record_bit(links[i].b);
			if ((r.has & ba) != ba || (r.has & bb) != bb)
				rc = im_fail(im, "line %ld: a %s needs \"%s\" and \"%s\"", lineno, r.kind, links[i].a, links[i].b);
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
		rc = im_fail(im, "reading line %ld failed", lineno + 1);
	free(line);
	return rc;
}

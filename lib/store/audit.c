/*
 * store/audit.c - appending to the audit chain: one record per writing call,
 * in the call's own transaction (run() in store/rpc.c calls
 * mlmd__audit_append after the handler succeeded), so a write and its record
 * commit together or not at all. The record holds the hash of the request's
 * bytes, never their values, and the ids the call touched, taken from the
 * response and the request by their field names (docs/audit.md).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "governance.h"

void mlmd__sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		memset(out, '0', 64); /* cannot happen with OpenSSL's built-in SHA-256 */
		out[64] = '\0';
		return;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void mlmd__audit_hash(int64_t seq, int64_t time_ms, const char *actor, const char *operation, const char *ids,
		      const char *request_sha256, const char *prev_hash, char out[65])
{
	/* The text is built on the stack when it fits (every record but those
	 * of large batches, whose ids are long), so verify's scan of a million
	 * records allocates nothing per record. */
	char stack[1024], *text = stack;
	const char *parts[] = { actor, operation, ids, request_sha256, prev_hash };
	size_t len[5], need = 64; /* the header and two numbers take at most 14 + 2 * 21 bytes */
	for (size_t i = 0; i < 5; i++) {
		len[i] = parts[i] ? strlen(parts[i]) : 0;
		need += len[i] + 1;
	}
	if (need > sizeof stack && !(text = malloc(need))) {
		/* no text to hash: a hash no record can have, so verify names it */
		memset(out, 'x', 64);
		out[64] = '\0';
		return;
	}
	size_t n = (size_t)mlmd__snprintf(text, need, "mlmd.audit.v1\n%" PRId64 "\n%" PRId64 "\n", seq, time_ms);
	for (size_t i = 0; i < 5; i++) {
		if (len[i])
			memcpy(text + n, parts[i], len[i]);
		n += len[i];
		text[n++] = '\n';
	}
	mlmd__sha256_hex(text, n, out);
	if (text != stack)
		free(text);
}

int mlmd__gov_need_schema(call *c, const char *what)
{
	if (c->s->schema_version >= MLMD_GOV_SCHEMA_VERSION)
		return 0;
	return mlmd__fail(MLMD_FAILED_PRECONDITION,
			  "%s needs schema version %d (the registry and the audit log); the store is at version %d: "
			  "open it with upgrade (mlmd upgrade, MigrationOptions.enable_upgrade_migration)",
			  what, MLMD_GOV_SCHEMA_VERSION, c->s->schema_version);
}

/* ---- the affected ids -------------------------------------------------------------------- */

/* The ids of one field name, in the order first seen, deduplicated at the end. */
typedef struct id_group {
	char name[64];
	int64_t *v;
	size_t n;
} id_group;

typedef struct id_set {
	id_group *g;
	size_t n;
	int oom;
} id_set;

static void ids_add(id_set *set, const char *name, int64_t v)
{
	id_group *g = NULL;
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->g[i].name, name))
			g = &set->g[i];
	if (!g) {
		if (mlmd__grow((void **)&set->g, set->n, sizeof *set->g)) {
			set->oom = 1;
			return;
		}
		g = &set->g[set->n++];
		memset(g, 0, sizeof *g);
		mlmd__snprintf(g->name, sizeof g->name, "%s", name);
	}
	/* a run of the same value (1000 artifacts of one type) is kept once */
	if (g->n && g->v[g->n - 1] == v)
		return;
	if (mlmd__push_i64(&g->v, &g->n, v))
		set->oom = 1;
}

/* The visitor of mlmd__ids_walk: each value under its field's name. */
static void ids_visit(void *ctx, const char *name, const ProtobufCMessage *holder, const char *field, int64_t v)
{
	(void)holder;
	(void)field;
	ids_add(ctx, name, v);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* "name=1,2,3 name2=4": each group sorted and deduplicated; "" when none. */
static void ids_format(id_set *set, mlmd_buf *out)
{
	for (size_t i = 0; i < set->n; i++) {
		id_group *g = &set->g[i];
		qsort(g->v, g->n, sizeof *g->v, cmp_i64);
		mlmd__buf_printf(out, "%s%s=", out->len ? " " : "", g->name);
		for (size_t k = 0; k < g->n; k++)
			if (k == 0 || g->v[k] != g->v[k - 1])
				mlmd__buf_printf(out, "%s%" PRId64, k ? "," : "", g->v[k]);
	}
	mlmd__buf_put(out, "", 1); /* NUL-terminated, len counts it */
}

static void ids_free(id_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->g[i].v);
	free(set->g);
}

/* ---- appending ---------------------------------------------------------------------------- */

int mlmd__audit_last(call *c, int64_t *seq, char hash[65])
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
	if (rc)
		return rc;
	*seq = 0;
	mlmd__snprintf(hash, 65, "%s", MLMD_AUDIT_GENESIS_TEXT);
	rc = mlmd__q_step(&q);
	if (rc == 1) {
		*seq = mlmd__q_col_i64(&q, 0);
		const char *h = mlmd__q_col_text(&q, 1);
		mlmd__snprintf(hash, 65, "%s", h ? h : "");
		rc = 0;
	}
	mlmd__q_done(&q);
	return rc;
}

int mlmd__audit_append(call *c, const audit_call *a)
{
	if (c->s->audit_off || c->s->schema_version < MLMD_GOV_SCHEMA_VERSION)
		return 0;
	/* the request's hash: its bytes as received, or packed from the typed request */
	char req_hash[65];
	if (a->request) {
		mlmd__sha256_hex(a->request, a->request_len, req_hash);
	} else if (a->msg) {
		size_t n = protobuf_c_message_get_packed_size(a->msg);
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			return MLMD_OOM();
		protobuf_c_message_pack(a->msg, buf);
		mlmd__sha256_hex(buf, n, req_hash);
		free(buf);
	} else {
		mlmd__sha256_hex("", 0, req_hash);
	}
	id_set set = { 0 };
	if (a->response)
		mlmd__ids_walk(a->response, ids_visit, &set);
	if (a->msg)
		mlmd__ids_walk(a->msg, ids_visit, &set);
	for (size_t i = 0; i < a->n_ids; i++)
		ids_add(&set, a->ids_field, a->ids[i]);
	mlmd_buf ids = { 0 };
	ids_format(&set, &ids);
	ids_free(&set);
	if (set.oom || ids.oom) {
		mlmd__buf_free(&ids);
		return MLMD_OOM();
	}

	int64_t seq;
	char prev[65], hash[65];
	/* Beside other writers, the chain's head is locked last, just before
	 * the commit, so writers wait on each other only for this record: the
	 * next holder reads the head after the last one committed. */
	int rc = mlmd__sql_lock_last(c->sql, "audit");
	if (!rc)
		rc = mlmd__audit_last(c, &seq, prev);
	if (!rc && seq == INT64_MAX) /* only an edited audit_head says so */
		rc = mlmd__fail(MLMD_DATA_LOSS, "the audit log's last seq is %" PRId64 ": no record can follow it "
				"(the log was edited; mlmd audit verify)", seq);
	if (!rc) {
		seq++;
		mlmd__audit_hash(seq, c->now, c->s->actor, a->operation, ids.p, req_hash, prev, hash);
		sqlq q;
		rc = mlmd__q(c->sql, &q, "INSERT INTO audit_log (seq, time, actor, operation, ids, request_sha256, "
			     "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
		if (!rc) {
			mlmd__q_i64(&q, 1, seq);
			mlmd__q_i64(&q, 2, c->now);
			mlmd__q_text(&q, 3, c->s->actor);
			mlmd__q_text(&q, 4, a->operation);
			mlmd__q_text(&q, 5, ids.p);
			mlmd__q_text(&q, 6, req_hash);
			mlmd__q_text(&q, 7, prev);
			mlmd__q_text(&q, 8, hash);
			rc = mlmd__q_exec_later(&q);
		}
	}
	mlmd__buf_free(&ids);
	return rc ? mlmd__context(rc, "appending the audit record of %s", a->operation) : 0;
}

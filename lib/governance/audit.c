/*
 * governance/audit.c - the audit log from C (mlmd/audit.h): records read
 * back (GetAuditLog), the chain verified (VerifyAudit) and checkpoints
 * taken (GetAuditCheckpoint), written as "SEQ:HASH" and parsed back. Reads
 * only: the log is appended by the store itself, in each writing call's
 * transaction.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "gov.h"

ARENA_BOX(mlmd_audit_log, log_box);
ARENA_BOX(mlmd_audit_verdict, verdict_box);

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- reading the log ------------------------------------------------------------------------ */

int mlmd_audit_log_read(mlmd_audit_log **out, struct mlmd_store *store, int64_t since_seq, int max_records)
{
	static const char fn[] = "mlmd_audit_log_read";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	rq.has_since_seq = 1;
	rq.since_seq = since_seq;
	rq.has_max_results = max_records != 0;
	rq.max_results = max_records;
	Mlmd__Pb__Governance__GetAuditLogResponse *rs;
	int rc = GV_CALL(store, fn, "GetAuditLog", &rq, get_audit_log_response, &rs);
	if (rc)
		return rc;
	log_box *b = calloc(1, sizeof *b);
	mlmd_audit_record *r = b ? mlmd__gv_alloc(&b->a, rs->n_records * sizeof *r) : NULL;
	for (size_t i = 0; r && i < rs->n_records; i++) {
		const Mlmd__Pb__Governance__AuditRecord *x = rs->records[i];
		r[i].seq = x->seq;
		r[i].time_ms = x->time_ms;
		r[i].actor = mlmd__gv_str(&b->a, x->actor);
		r[i].operation = mlmd__gv_str(&b->a, x->operation);
		r[i].ids = mlmd__gv_str(&b->a, x->ids);
		r[i].request_sha256 = mlmd__gv_str(&b->a, x->request_sha256);
		r[i].prev_hash = mlmd__gv_str(&b->a, x->prev_hash);
		r[i].hash = mlmd__gv_str(&b->a, x->hash);
	}
	if (b) {
		b->pub.n = rs->n_records;
		b->pub.records = r;
		b->pub.last_seq = rs->last_seq;
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_audit_log_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_audit_log_free(mlmd_audit_log *log)
{
	if (!log)
		return;
	log_box *b = (log_box *)log;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

/* ---- checkpoints ------------------------------------------------------------------------------ */

/* Whether s is 64 hex digits (lowercase only when `lower`). */
static int is_hash(const char *s, int lower)
{
	size_t i = 0;
	for (; s[i] && i < 64; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (!lower && c >= 'A' && c <= 'F')))
			return 0;
	}
	return i == 64 && !s[64];
}

int mlmd_audit_checkpoint_get(struct mlmd_store *store, mlmd_audit_checkpoint *out)
{
	static const char fn[] = "mlmd_audit_checkpoint_get";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	memset(out, 0, sizeof *out);
	Mlmd__Pb__Governance__GetAuditCheckpointRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_CHECKPOINT_REQUEST__INIT;
	Mlmd__Pb__Governance__GetAuditCheckpointResponse *rs;
	int rc = GV_CALL(store, fn, "GetAuditCheckpoint", &rq, get_audit_checkpoint_response, &rs);
	if (rc)
		return rc;
	if (!rs->hash || !is_hash(rs->hash, 1))
		rc = mlmd__fail(MLMD_DATA_LOSS, "%s: the log's last hash '%.80s' is not 64 lowercase hex digits", fn,
			rs->hash ? rs->hash : "");
	else {
		out->seq = rs->seq;
		memcpy(out->hash, rs->hash, 65);
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

int mlmd_audit_checkpoint_format(const mlmd_audit_checkpoint *cp, char *buf, size_t size)
{
	static const char fn[] = "mlmd_audit_checkpoint_format";
	if (!cp || !buf)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s is NULL", fn, cp ? "buf" : "cp");
	if (cp->seq < 0 || !memchr(cp->hash, '\0', sizeof cp->hash) || !is_hash(cp->hash, 1))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: not a checkpoint (seq %" PRId64 ", the hash must be 64 "
			"lowercase hex digits)", fn, cp->seq);
	int n = mlmd__snprintf(buf, size, "%" PRId64 ":%s", cp->seq, cp->hash);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0'; /* no cut checkpoint that could pass for one */
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu bytes are too few (a checkpoint's text takes %d)", fn,
			size, n + 1);
	}
	return 0;
}

int mlmd_audit_checkpoint_parse(const char *text, mlmd_audit_checkpoint *out)
{
	static const char fn[] = "mlmd_audit_checkpoint_parse";
	if (!text || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %s is NULL", fn, text ? "out" : "text");
	const char *p = text;
	int64_t seq = 0;
	if (*p < '0' || *p > '9')
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint '%.100s': expected SEQ:HASH (a record's number, "
			"':', its 64 hex digit hash), as 'mlmd audit checkpoint' prints it", text);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (seq > (INT64_MAX - (*p - '0')) / 10)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint '%.100s': the seq is too large", text);
		seq = seq * 10 + (*p - '0');
	}
	if (*p != ':')
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint '%.100s': expected ':' after the seq %" PRId64,
			text, seq);
	p++;
	if (!is_hash(p, 0))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint '%.100s': the hash after ':' must be 64 hex digits",
			text);
	char hash[65];
	for (int i = 0; i < 64; i++)
		hash[i] = p[i] >= 'A' && p[i] <= 'F' ? (char)(p[i] - 'A' + 'a') : p[i];
	hash[64] = '\0';
	if (seq == 0 && strcmp(hash, GENESIS))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint '%.100s': seq 0 is an empty log's, whose hash is "
			"64 zeros", text);
	out->seq = seq;
	memcpy(out->hash, hash, 65);
	return 0;
}

/* ---- verify -------------------------------------------------------------------------------------- */

int mlmd_audit_verify(struct mlmd_store *store, const mlmd_audit_checkpoint *checkpoint, mlmd_audit_verdict **out)
{
	static const char fn[] = "mlmd_audit_verify";
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	Mlmd__Pb__Governance__VerifyAuditRequest rq = MLMD__PB__GOVERNANCE__VERIFY_AUDIT_REQUEST__INIT;
	if (checkpoint && checkpoint->seq != 0) {
		if (checkpoint->seq < 0 || !memchr(checkpoint->hash, '\0', sizeof checkpoint->hash) ||
		    !is_hash(checkpoint->hash, 1))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the checkpoint is not one (seq %" PRId64 ", the "
				"hash must be 64 lowercase hex digits; mlmd_audit_checkpoint_parse reads its text)", fn,
				checkpoint->seq);
		rq.has_checkpoint_seq = 1;
		rq.checkpoint_seq = checkpoint->seq;
		rq.checkpoint_hash = (char *)checkpoint->hash;
	}
	Mlmd__Pb__Governance__VerifyAuditResponse *rs;
	int rc = GV_CALL(store, fn, "VerifyAudit", &rq, verify_audit_response, &rs);
	if (rc)
		return rc;
	verdict_box *b = calloc(1, sizeof *b);
	if (b) {
		b->pub.intact = rs->intact != 0;
		b->pub.first_bad_seq = rs->intact ? 0 : rs->first_bad_seq;
		b->pub.reason = mlmd__gv_str(&b->a, rs->intact ? NULL : rs->reason);
		b->pub.records = rs->records;
		b->pub.last_seq = rs->last_seq;
		b->pub.last_hash = mlmd__gv_str(&b->a, rs->last_hash);
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!b || b->a.oom) {
		mlmd_audit_verdict_free(b ? &b->pub : NULL);
		return MLMD_OOM();
	}
	*out = &b->pub;
	return 0;
}

void mlmd_audit_verdict_free(mlmd_audit_verdict *verdict)
{
	if (!verdict)
		return;
	verdict_box *b = (verdict_box *)verdict;
	mlmd__gv_arena_free(&b->a);
	free(b);
}

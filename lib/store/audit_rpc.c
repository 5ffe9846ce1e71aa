/*
 * store/audit_rpc.c - the AuditService's RPCs: reading the chain, verifying
 * it (one sequential scan recomputing every hash, then an optional
 * checkpoint and the archives of imports), its checkpoint, and
 * keeping another store's exported records at import (docs/audit.md).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "governance.h"

#define AUDIT_PAGE_DEFAULT 1000
#define AUDIT_PAGE_MAX 10000
#define AUDIT_COLS "seq, time, actor, operation, ids, request_sha256, prev_hash, hash"

static char *dup_col(sqlq *q, int col, int *oom)
{
	const char *t = mlmd__q_col_text(q, col);
	char *d = strdup(t ? t : "");
	if (!d)
		*oom = 1;
	return d;
}

/* The record in the current row of q (AUDIT_COLS from column `base`). */
static Mlmd__Pb__Governance__AuditRecord *record_of(sqlq *q, int base)
{
	Mlmd__Pb__Governance__AuditRecord *r = malloc(sizeof *r);
	if (!r)
		return NULL;
	mlmd__pb__governance__audit_record__init(r);
	int oom = 0;
	r->has_seq = r->has_time_ms = 1;
	r->seq = mlmd__q_col_i64(q, base);
	r->time_ms = mlmd__q_col_i64(q, base + 1);
	r->actor = dup_col(q, base + 2, &oom);
	r->operation = dup_col(q, base + 3, &oom);
	r->ids = dup_col(q, base + 4, &oom);
	r->request_sha256 = dup_col(q, base + 5, &oom);
	r->prev_hash = dup_col(q, base + 6, &oom);
	r->hash = dup_col(q, base + 7, &oom);
	if (oom) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return NULL;
	}
	return r;
}

int mlmd__gov_GetAuditLog(call *c, const Mlmd__Pb__Governance__GetAuditLogRequest *rq,
			  Mlmd__Pb__Governance__GetAuditLogResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "GetAuditLog");
	if (rc)
		return rc;
	if (rq->has_max_results && (rq->max_results < 0 || rq->max_results > AUDIT_PAGE_MAX))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_results %d is out of range (0..%d; 0 for %d)",
				  rq->max_results, AUDIT_PAGE_MAX, AUDIT_PAGE_DEFAULT);
	int64_t limit = rq->max_results > 0 ? rq->max_results : AUDIT_PAGE_DEFAULT;
	char hash[65];
	int64_t last;
	if ((rc = mlmd__audit_last(c, &last, hash)))
		return rc;
	rs->has_last_seq = 1;
	rs->last_seq = last;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")))
		return rc;
	mlmd__q_i64(&q, 1, rq->has_since_seq ? rq->since_seq : 0);
	mlmd__q_i64(&q, 2, limit);
	while ((rc = mlmd__q_step(&q)) == 1) {
		Mlmd__Pb__Governance__AuditRecord *r = record_of(&q, 0);
		if (!r || mlmd__push_ptr((void ***)&rs->records, &rs->n_records, r)) {
			if (r)
				protobuf_c_message_free_unpacked(&r->base, NULL);
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

int mlmd__gov_GetAuditCheckpoint(call *c, const Mlmd__Pb__Governance__GetAuditCheckpointRequest *rq,
				 Mlmd__Pb__Governance__GetAuditCheckpointResponse *rs)
{
	(void)rq;
	int rc = mlmd__gov_need_schema(c, "GetAuditCheckpoint");
	if (rc)
		return rc;
	char hash[65];
	int64_t seq;
	if ((rc = mlmd__audit_last(c, &seq, hash)))
		return rc;
	rs->has_seq = 1;
	rs->seq = seq;
	return (rs->hash = strdup(hash)) ? 0 : MLMD_OOM();
}

/* ---- verify -------------------------------------------------------------------------------- */

typedef struct verdict {
	int64_t bad_seq;             /* 0: intact so far */
	char reason[320];
} verdict;

static void bad(verdict *v, int64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(verdict *v, int64_t seq, const char *fmt, ...)
{
	if (v->bad_seq)
		return;
	v->bad_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
}

/* One chain's records, in seq order, from q (AUDIT_COLS at column `base`):
 * consecutive seqs from the first, each prev_hash the hash before it, each
 * hash its contents'. `first_prev` is what the first record's prev_hash must
 * be (NULL: anything, for an archive that starts mid-chain); `what` prefixes
 * the reason ("record" or "archive 12, record"). *n counts the records,
 * *last_seq and last_hash are the last one's. */
static int verify_rows(sqlq *q, int base, const char *first_prev, const char *what, verdict *v, int64_t *n,
		       int64_t *last_seq, char last_hash[65])
{
	int rc, first = 1;
	while ((rc = mlmd__q_step(q)) == 1) {
		int64_t seq = mlmd__q_col_i64(q, base), time_ms = mlmd__q_col_i64(q, base + 1);
		const char *t[6];
		for (int i = 0; i < 6; i++) {
			t[i] = mlmd__q_col_text(q, base + 2 + i);
			if (!t[i])
				t[i] = "";
		}
		(*n)++;
		/* seqs are as stored, INT64_MAX included (an edited log): no seq + 1
		 * past it */
		if (first && first_prev && seq != 1)
			bad(v, 1, "%s 1 is missing (the chain starts at %" PRId64 ")", what, seq);
		else if (!first && (*last_seq == INT64_MAX || seq != *last_seq + 1))
			bad(v, *last_seq == INT64_MAX ? seq : *last_seq + 1,
			    "%s %" PRId64 " is missing (the chain goes from %" PRId64 " to %" PRId64 ")", what,
			    *last_seq == INT64_MAX ? seq : *last_seq + 1, *last_seq, seq);
		if (first ? first_prev && strcmp(t[4], first_prev) : strcmp(t[4], last_hash))
			bad(v, seq, "%s %" PRId64 ": its prev_hash is not the hash of the record before it", what, seq);
		char h[65];
		mlmd__audit_hash(seq, time_ms, t[0], t[1], t[2], t[3], t[4], h);
		if (strcmp(h, t[5]))
			bad(v, seq, "%s %" PRId64 ": its hash does not match its contents (the record was edited)",
			    what, seq);
		/* later records are checked against what is stored, so one edited
		 * record is named once, not with every record after it */
		mlmd__snprintf(last_hash, 65, "%s", t[5]);
		*last_seq = seq;
		first = 0;
	}
	return rc < 0 ? rc : 0;
}

static int verify_archives(call *c, verdict *v, int64_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT import_seq, " AUDIT_COLS " FROM audit_archive ORDER BY import_seq, seq");
	if (rc)
		return rc;
	/* rows of each import_seq form one chain; split them as they come */
	int64_t cur = 0, prev = 0, count = 0;
	int first = 1;
	char last[65] = "";
	while ((rc = mlmd__q_step(&q)) == 1 && !v->bad_seq) {
		int64_t imp = mlmd__q_col_i64(&q, 0), seq = mlmd__q_col_i64(&q, 1), t = mlmd__q_col_i64(&q, 2);
		const char *f[6];
		for (int i = 0; i < 6; i++)
			f[i] = mlmd__q_col_text(&q, 3 + i) ? mlmd__q_col_text(&q, 3 + i) : "";
		count++;
		if (imp != cur) {
			cur = imp;
			first = 1;
		}
		char what[64];
		mlmd__snprintf(what, sizeof what, "the archive of import record %" PRId64 ": record", imp);
		/* an archive's seqs are the exporter's, up to INT64_MAX: no seq + 1 past it */
		if (!first && (prev == INT64_MAX || seq != prev + 1))
			bad(v, imp, "%s %" PRId64 " is missing", what, prev == INT64_MAX ? seq : prev + 1);
		else if (!first && strcmp(f[4], last))
			bad(v, imp, "%s %" PRId64 ": its prev_hash is not the hash of the record before it", what, seq);
		char h[65];
		mlmd__audit_hash(seq, t, f[0], f[1], f[2], f[3], f[4], h);
		if (strcmp(h, f[5]))
			bad(v, imp, "%s %" PRId64 ": its hash does not match its contents (the record was edited)", what,
			    seq);
		mlmd__snprintf(last, sizeof last, "%s", f[5]);
		prev = seq;
		first = 0;
	}
	mlmd__q_done(&q);
	*n += count;
	return rc < 0 ? rc : 0;
}

int mlmd__gov_VerifyAudit(call *c, const Mlmd__Pb__Governance__VerifyAuditRequest *rq,
			  Mlmd__Pb__Governance__VerifyAuditResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "VerifyAudit");
	if (rc)
		return rc;
	if (rq->has_checkpoint_seq != (rq->checkpoint_hash != NULL))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "a checkpoint needs both checkpoint_seq and checkpoint_hash");
	if (rq->has_checkpoint_seq && rq->checkpoint_seq < 1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "checkpoint_seq %" PRId64 " is not a record (seqs start at 1)",
				  rq->checkpoint_seq);
	verdict v = { 0 };
	int64_t n = 0, last_seq = 0;
	char last_hash[65] = MLMD_AUDIT_GENESIS_TEXT;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT " AUDIT_COLS " FROM audit_log ORDER BY seq")))
		return rc;
	rc = verify_rows(&q, 0, MLMD_AUDIT_GENESIS_TEXT, "record", &v, &n, &last_seq, last_hash);
	mlmd__q_done(&q);
	if (rc)
		return rc;
	/* Records deleted from the end leave a shorter chain that is whole; a
	 * checkpoint taken before shows it (its record is gone or changed). */
	if (rq->has_checkpoint_seq) {
		if (!(rc = mlmd__q(c->sql, &q, "SELECT hash FROM audit_log WHERE seq = ?"))) {
			mlmd__q_i64(&q, 1, rq->checkpoint_seq);
			rc = mlmd__q_step(&q);
			if (rc == 0)
				bad(&v, rq->checkpoint_seq, "the checkpoint's record %" PRId64 " is not in the log (the log "
				    "ends at %" PRId64 ": records were deleted from its end)", rq->checkpoint_seq, last_seq);
			else if (rc == 1 && strcmp(mlmd__q_col_text(&q, 0) ? mlmd__q_col_text(&q, 0) : "",
						   rq->checkpoint_hash))
				bad(&v, rq->checkpoint_seq, "record %" PRId64 " does not have the checkpoint's hash "
				    "(the log was rewritten)", rq->checkpoint_seq);
			mlmd__q_done(&q);
			rc = rc < 0 ? rc : 0;
		}
		if (rc)
			return rc;
	}
	int64_t archived = 0;
	if ((rc = verify_archives(c, &v, &archived)))
		return rc;
	rs->has_intact = rs->has_records = rs->has_last_seq = 1;
	rs->intact = v.bad_seq == 0;
	rs->records = n + archived;
	rs->last_seq = last_seq;
	if (!(rs->last_hash = strdup(last_hash)))
		return MLMD_OOM();
	if (v.bad_seq) {
		rs->has_first_bad_seq = 1;
		rs->first_bad_seq = v.bad_seq;
		if (!(rs->reason = strdup(v.reason)))
			return MLMD_OOM();
	}
	return 0;
}

/* ---- archives of imports ------------------------------------------------------------------- */

static int check_hex64(const char *s, int64_t seq, const char *field)
{
	size_t n = s ? strlen(s) : 0;
	int ok = n == 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
	return ok ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "archived record %" PRId64 ": %s is not 64 lowercase hex "
				   "digits", seq, field);
}

/* The last seq of the archive of import record `import_seq`: NOT_FOUND when
 * there is none. */
static int archive_end(call *c, int64_t import_seq, int64_t *last)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT max(seq) FROM audit_archive WHERE import_seq = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, import_seq);
	rc = mlmd__q_step(&q);
	*last = rc == 1 && !mlmd__q_isnull(&q, 0) ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (*last == 0)
		return mlmd__fail(MLMD_NOT_FOUND, "continues: there is no archive of import record %" PRId64, import_seq);
	if (*last == INT64_MAX)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "the archive of import record %" PRId64 " ends at the largest seq: "
				  "nothing can continue it", import_seq);
	return 0;
}

int mlmd__gov_PutAuditArchive(call *c, const Mlmd__Pb__Governance__PutAuditArchiveRequest *rq,
			      Mlmd__Pb__Governance__PutAuditArchiveResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "PutAuditArchive");
	if (rc)
		return rc;
	char hash[65];
	int64_t seq;
	if ((rc = mlmd__audit_last(c, &seq, hash)))
		return rc;
	if (seq == INT64_MAX) /* only an edited log ends there; run() could not append this call's record */
		return mlmd__fail(MLMD_DATA_LOSS, "the audit log's last seq is %" PRId64 ": no record can follow it "
				  "(the log was edited; mlmd audit verify)", seq);
	/* this call's own record comes next (run() appends it after this handler),
	 * unless the records continue an archive an earlier call started */
	int64_t import_seq = seq + 1, after = 0;
	if (rq->has_continues && (rc = archive_end(c, rq->continues, &after)))
		return rc;
	if (rq->has_continues)
		import_seq = rq->continues;
	for (size_t i = 0; i < rq->n_records; i++) {
		const Mlmd__Pb__Governance__AuditRecord *r = rq->records[i];
		if (!r->has_seq || r->seq < 1)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "archived record #%zu has no seq (seqs start at 1)", i);
		if (i == 0 && after && r->seq != after + 1)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "archived record %" PRId64 " does not continue the archive "
					  "of import record %" PRId64 ", which ends at record %" PRId64, r->seq, import_seq, after);
		if (i && r->seq <= rq->records[i - 1]->seq)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "archived record %" PRId64 " comes after record %" PRId64
					  ": the records must be in ascending seq order", r->seq, rq->records[i - 1]->seq);
		if (!r->has_time_ms || !r->actor || !r->operation || !r->ids)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "archived record %" PRId64 " lacks one of time_ms, "
					  "actor, operation, ids", r->seq);
		if ((rc = check_hex64(r->request_sha256, r->seq, "request_sha256")) ||
		    (rc = check_hex64(r->prev_hash, r->seq, "prev_hash")) || (rc = check_hex64(r->hash, r->seq, "hash")))
			return rc;
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO audit_archive (import_seq, " AUDIT_COLS
				  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")))
			return rc;
		mlmd__q_i64(&q, 1, import_seq);
		mlmd__q_i64(&q, 2, r->seq);
		mlmd__q_i64(&q, 3, r->time_ms);
		mlmd__q_text(&q, 4, r->actor);
		mlmd__q_text(&q, 5, r->operation);
		mlmd__q_text(&q, 6, r->ids);
		mlmd__q_text(&q, 7, r->request_sha256);
		mlmd__q_text(&q, 8, r->prev_hash);
		mlmd__q_text(&q, 9, r->hash);
		if ((rc = mlmd__q_exec_later(&q)))
			return rc;
	}
	rs->has_archive_seq = 1;
	rs->archive_seq = import_seq;
	return 0;
}

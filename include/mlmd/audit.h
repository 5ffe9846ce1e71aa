/*
 * mlmd/audit.h - the audit log from C: read the chain of records every
 * writing call appends, verify it, and take a checkpoint to keep elsewhere
 * (docs/audit.md).
 *
 *   mlmd_audit_checkpoint cp;
 *   mlmd_audit_checkpoint_get(store, &cp);              keep "SEQ:HASH" somewhere safe
 *   ...
 *   mlmd_audit_verdict *v;
 *   mlmd_audit_verify(store, &cp, &v);                  later: was anything rewritten?
 *   if (!v->intact) printf("record %lld: %s\n", (long long)v->first_bad_seq, v->reason);
 *   mlmd_audit_verdict_free(v);
 *
 * Every call is one mlmd_store_call() with a serialized mlmd.governance
 * AuditService request; reading and verifying append nothing. A store
 * below schema version 4 (opened without upgrade) has no log: the calls
 * are FAILED_PRECONDITION saying so.
 *
 * This header needs neither mlmd/store.h nor protobuf-c.
 */
#ifndef MLMD_AUDIT_H
#define MLMD_AUDIT_H

#include "common.h"

struct mlmd_store;

MLMD_BEGIN_DECLS

/* One record of the chain. Its hash is SHA-256 over its canonical text
 * (docs/audit.md), which includes prev_hash, the hash of the record before. */
typedef struct mlmd_audit_record {
	int64_t seq;                 /* 1, 2, 3... without gaps */
	int64_t time_ms;             /* ms since the epoch */
	const char *actor;
	const char *operation;       /* the RPC's name ("PutArtifacts", "ApproveRequest") */
	const char *ids;             /* the affected ids, "field=1,2 field=3" */
	const char *request_sha256;  /* of the request's serialized bytes (64 hex digits) */
	const char *prev_hash;
	const char *hash;
} mlmd_audit_record;

/* Records of the log, by seq. Allocated by the library, read-only; every
 * pointer inside is valid until mlmd_audit_log_free(). */
typedef struct mlmd_audit_log {
	size_t n;
	const mlmd_audit_record *records;
	int64_t last_seq;            /* the chain's last seq when read (0: empty) */
} mlmd_audit_log;

/* Reads the records with seq > since_seq, at most max_records of them
 * (0: up to 1000; at most 10000, else INVALID_ARGUMENT). To read the whole
 * log, call again with since_seq = the last record's seq until n is 0. On
 * success *out is new; free it with mlmd_audit_log_free(). */
MLMD_EXTERN(int) mlmd_audit_log_read(mlmd_audit_log **out, struct mlmd_store *store, int64_t since_seq,
				     int max_records);
MLMD_EXTERN(void) mlmd_audit_log_free(mlmd_audit_log *log);

/* A checkpoint: the seq and hash of one record, kept outside the store so
 * that a chain rewritten from its start can be caught. A plain value. */
typedef struct mlmd_audit_checkpoint {
	int64_t seq;                 /* 0: the log was empty */
	char hash[65];               /* 64 lowercase hex digits, NUL-terminated */
} mlmd_audit_checkpoint;

/* The longest text of a checkpoint, its NUL included: 19 digits, ':', 64. */
#define MLMD_AUDIT_CHECKPOINT_TEXT_MAX 85

/* The checkpoint of the log's last record now. */
MLMD_EXTERN(int) mlmd_audit_checkpoint_get(struct mlmd_store *store, mlmd_audit_checkpoint *out);

/* The checkpoint as text, "SEQ:HASH", into buf (size bytes; at least
 * MLMD_AUDIT_CHECKPOINT_TEXT_MAX always suffices). INVALID_ARGUMENT when it
 * does not fit (buf is then "") or the checkpoint is not one (a negative seq, a hash that is
 * not 64 hex digits). */
MLMD_EXTERN(int) mlmd_audit_checkpoint_format(const mlmd_audit_checkpoint *cp, char *buf, size_t size);

/* Parses "SEQ:HASH" (a decimal seq, then 64 hex digits, either case;
 * nothing around them) into *out, its hash in lowercase. Seq 0 is the
 * checkpoint of an empty log, whose hash is 64 zeros. INVALID_ARGUMENT
 * naming what is wrong otherwise. */
MLMD_EXTERN(int) mlmd_audit_checkpoint_parse(const char *text, mlmd_audit_checkpoint *out);

/* What mlmd_audit_verify() found. Allocated by the library, read-only. */
typedef struct mlmd_audit_verdict {
	int intact;                  /* 1: every record (and the checkpoint, when given) agrees */
	int64_t first_bad_seq;       /* when not intact: the first record that fails */
	const char *reason;          /* when not intact: what is wrong with it; else "" */
	int64_t records;             /* records checked (the archives of imports included) */
	int64_t last_seq;            /* the chain's last record */
	const char *last_hash;
} mlmd_audit_verdict;

/* Recomputes the chain (one sequential scan: consecutive seqs from 1, each
 * prev_hash the hash before it, each hash its record's contents) and, with
 * a checkpoint (NULL: none; seq 0, an empty log's, checks nothing), checks
 * that its record is still there with its hash, which catches a chain
 * rewritten from its start or cut at its end. A broken chain is not
 * an error: the call succeeds with intact 0 naming the first bad record.
 * On success *out is new; free it with mlmd_audit_verdict_free(). */
MLMD_EXTERN(int) mlmd_audit_verify(struct mlmd_store *store, const mlmd_audit_checkpoint *checkpoint,
				   mlmd_audit_verdict **out);
MLMD_EXTERN(void) mlmd_audit_verdict_free(mlmd_audit_verdict *verdict);

MLMD_END_DECLS

#endif

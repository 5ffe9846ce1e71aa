/*
 * cli/import.h - the import path of the `mlmd` tool: the JSON-lines record
 * parser (import.c), protobuf from outside with bounded nesting and the
 * importer `mlmd import` and `mlmd import-mlmd` share (importer.c). Neither
 * file has a main, so tests/fuzz/fuzz_import.c links them as they are.
 */
#ifndef MLMD_CLI_IMPORT_H
#define MLMD_CLI_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <mlmd.h>
#include "mlmd_tracking.pb-c.h"
#include "mlmd_governance.pb-c.h"
#include "cli.h"

/* JSON values a record line may nest (in fields the import skips). */
#define CLI_JSON_MAX_DEPTH 64
/* One line of an export. */
typedef struct cli_record {
	char kind[32];          /* "artifact", "event", "mlmd_export", ... */
	unsigned has;           /* which integer fields were given: cli_record_bit("id") ... */
	int64_t id, type_id, context_id, artifact_id, execution_id, child_id, parent_id, version, seq;
	bool has_pb;
	uint8_t *pb;            /* the decoded "pb" (malloc'd) */
	size_t pb_len;
} cli_record;

/* Parses one line (len bytes, without its newline). Returns 0, or -1 with
 * the reason in err. Free the record with cli_record_free(). */
int cli_record_parse(const char *line, size_t len, cli_record *r, char *err, size_t errsize);
void cli_record_free(cli_record *r);
/* The bit of an integer field in cli_record.has ("id", "type_id", ...). */
unsigned cli_record_bit(const char *key);

/* Unpacks protobuf bytes from outside into a new message of type d (free it
 * with mlmd_message_free) with mlmd_message_unpack(), which checks them first
 * (nesting within MLMD_MAX_NESTING, strings, enums). NULL with the reason in
 * err otherwise. */
void *cli_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, char *err, size_t errsize);

/* ---- the importer ---- */

typedef struct cli_importer cli_importer;

typedef struct cli_import_counts {
	long types, artifacts, executions, contexts, events, attributions, associations, parent_contexts;
	long metric_series, metric_points;  /* metric history lines and their points */
	long audit_records;                 /* the source's audit records, kept as archives */
	long registry_states;               /* registered models whose aliases, policies, requests and history came */
	long tombstones, labels, retention_policies; /* data governance (schema version 5) */
	int64_t audit_first_archive;        /* the live-chain seq of the first archive's import record */
	long records;
} cli_import_counts;

typedef enum cli_link { CLI_LINK_ATTRIBUTION, CLI_LINK_ASSOCIATION, CLI_LINK_PARENT } cli_link;

/* Starts an import into s: opens the write transaction everything runs in.
 * progress may be NULL. On failure the reason is cli_importer_error(*out);
 * free the importer in every case with cli_importer_free(), which rolls
 * back whatever was not committed by cli_importer_finish(). */
int cli_importer_new(cli_importer **out, mlmd_store *s, cli_progress *progress);
void cli_importer_free(cli_importer *im);
const char *cli_importer_error(const cli_importer *im);
/* Records the reason of a failure (printf-style) for cli_importer_error(); returns -1. */
int cli_importer_fail(cli_importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const cli_import_counts *cli_importer_counts(const cli_importer *im);

/* Prints "mlmd: imported 7 types, 3 artifacts, ... from <from>" to stderr. */
void cli_importer_summary(const cli_importer *im, const char *from);
/* Puts what is still queued and commits. */
int cli_importer_finish(cli_importer *im);
/* Puts what is still queued, without committing (cli_importer_free then
 * rolls everything back: for a fuzzer that reuses one store). */
int cli_importer_flush(cli_importer *im);

/* The pieces of an import, in the order types, nodes, events, links. Each
 * names where its input came from for messages: `table` NULL and `src` a
 * line number ("line 12"), or a table and a row id ("Artifact id 7").
 * kind: 0 artifact, 1 execution, 2 context. Ids are the source's; the
 * importer maps them to the store's and refuses one seen twice. Messages
 * passed in are the importer's from then on (freed also on failure). */
int cli_import_type(cli_importer *im, int kind, void *type, int64_t old_id, const char *table, int64_t src);
int cli_import_node(cli_importer *im, int kind, void *node, int64_t old_id, const char *table, int64_t src);
int cli_import_event(cli_importer *im, Mlmd__Pb__Event *e, const char *table, int64_t src);
int cli_import_link(cli_importer *im, cli_link kind, int64_t context_old, int64_t other_old, const char *table,
	int64_t src);

/* Metric points of execution old_id (the source's id, mapped like an
 * event's), stored with PutMetricHistory in the import's transaction. The
 * store must be at schema version 3 (else the message says to open it with
 * upgrade). The series is the importer's from then on. */
int cli_import_metric(cli_importer *im, int64_t old_id, Mlmd__Pb__Tracking__MetricSeries *m, const char *table,
	int64_t src);

/* The registry state of one model (line `src`), put back with
 * RestoreRegistry after what is queued (the model's contexts); the store
 * must be at schema version 4. The message is the importer's from then on. */
int cli_import_registry(cli_importer *im, Mlmd__Pb__Governance__RestoreRegistryRequest *st, int64_t src);

/* One record of the source's audit log (line `src`). Records are kept, in
 * the import's transaction, as one archive, sent in PutAuditArchive calls of
 * up to CLI_AUDIT_CHUNK records (each after the first continues the first's
 * archive); the store must be at schema version 4. The record is the
 * importer's from then on. */
#define CLI_AUDIT_CHUNK 10000
int cli_import_audit(cli_importer *im, Mlmd__Pb__Governance__AuditRecord *r, int64_t src);

/* Data governance (import_dg.c; the store must be at schema version 5).
 * A tombstone (line `src`) is imported at once as an empty node of its
 * type, so events through it map; labels, the gate list and retention
 * policies wait. cli_importer_finish() then runs cli_import_dg_finish():
 * RestoreDataGovernance makes the tombstones tombstones again and puts the
 * rest back, on this store's ids. Each message is the importer's from then
 * on. */
typedef struct cli_dg_pending cli_dg_pending;
int cli_import_tombstone(cli_importer *im, Mlmd__Pb__Governance__Tombstone *t, int64_t src);
int cli_import_label(cli_importer *im, Mlmd__Pb__Governance__LabelEntry *e, int64_t src);
int cli_import_gate(cli_importer *im, Mlmd__Pb__Governance__GetServingGateResponse *g, int64_t src);
int cli_import_retention(cli_importer *im, Mlmd__Pb__Governance__RetentionPolicy *r, int64_t src);
int cli_import_dg_finish(cli_importer *im);
void cli_import_dg_free(cli_dg_pending *p);
/* What import_dg.c needs of the importer: its store, its pending data
 * governance, the new id of a source id (kind 0 artifact, 1 execution,
 * 2 context; -1 when not imported), its counters. */
mlmd_store *cli_importer_store(cli_importer *im);
cli_dg_pending **cli_importer_dg(cli_importer *im);
int64_t cli_importer_new_id(const cli_importer *im, int kind, int64_t old);
cli_import_counts *cli_importer_counts_mut(cli_importer *im);

/* Runs a tracking RPC (proto/mlmd_tracking.proto) by name through
 * mlmd_store_call(): rq packed, the answer unpacked into a new message of
 * type resp_desc (free it with mlmd_message_free). Returns 0 or the
 * store's negative status, its message in mlmd_error_message(). */
int cli_track_call(mlmd_store *s, const char *method, const ProtobufCMessage *rq,
	const ProtobufCMessageDescriptor *resp_desc, void **resp);

/* One line of an export (without its newline), numbered lineno. */
int cli_import_line(cli_importer *im, const char *line, size_t len, long lineno);
/* Every line of an export. */
int cli_import_jsonl(cli_importer *im, FILE *f);

#endif

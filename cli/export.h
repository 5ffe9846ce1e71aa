/*
 * cli/export.h - what the pieces of `mlmd export` share: the exporter (the
 * output, its counters and progress), one line of the export, id lists.
 * export.c writes the store's types, nodes, edges, metric histories,
 * registry and audit log; export_dg.c its data governance.
 */
#ifndef MLMD_CLI_EXPORT_H
#define MLMD_CLI_EXPORT_H

#include <stdint.h>
#include <stdio.h>
#include <mlmd.h>
#include "cli.h"

typedef struct cli_exporter {
	FILE *f;
	mlmd_json_writer *w;   /* on f */
	cli_progress pr;
	long records;
	long count[15];    /* types, artifacts, executions, contexts, events, attributions, associations, parents,
			    * metric series lines, audit records, registry states */
	long points;       /* metric points */
} cli_exporter;

enum { X_TYPE, X_ARTIFACT, X_EXECUTION, X_CONTEXT, X_EVENT, X_ATTRIBUTION, X_ASSOCIATION, X_PARENT, X_METRIC, X_AUDIT, X_REGISTRY,
	X_TOMBSTONE, X_LABEL, X_GATE, X_POLICY };


/* One line, {"kind":KIND,"K1":V1,"K2":V2,"pb":"<base64>"}: the keys with
 * their whole numbers where k1, k2 are not NULL, the message's protobuf
 * bytes where m is not NULL. 0, or a failure already reported. */
int cli_export_line(cli_exporter *x, int what, const char *kind, const char *k1, int64_t v1, const char *k2,
	int64_t v2, const ProtobufCMessage *m);

typedef struct cli_idlist {
	int64_t *v;
	size_t n, cap;
} cli_idlist;
int cli_ids_push(cli_idlist *l, int64_t id);

/* export_dg.c (a store at schema version 5 or later): the tombstones of
 * every kind, as tombstone lines after the nodes (the ids of deleted
 * executions pushed to execs, so their events are exported too), and after
 * the audit log the labels, the gate list and the retention policies. */
int cli_export_tombstones(mlmd_store *s, cli_exporter *x, cli_idlist *execs);
int cli_export_datagov(mlmd_store *s, cli_exporter *x);

#endif

/*
 * cli/datagov.h - what the data governance commands share (cli/datagov.c:
 * delete, gc, impact; cli/labels.c: classify, unclassify, labels, gate;
 * cli/retention.c: retention set, ls, rm, run): node kinds and ids from the
 * command line, durations, and the compaction run after deleting.
 */
#ifndef MLMD_CLI_DATAGOV_H
#define MLMD_CLI_DATAGOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mlmd.h>

/* "artifact", "execution" or "context" (`impact` also passes only_two to
 * refuse context): 0, or EXIT_USAGE after saying why, with the closest kind
 * when the word is a typo ("artifacts"). */
int dg_kind(const char *cmd, const char *word, bool only_two, mlmd_node_kind *out);
/* mlmd_node_kind_name(k), or "" for an unknown kind (JSON and tables). */
const char *dg_kind_name(mlmd_node_kind k);
/* A node id: decimal, 1 .. 2^63-1. 0, or EXIT_USAGE naming the word. */
int dg_id(const char *cmd, const char *word, int64_t *out);
/* A duration: <n>ms, <n>s, <n>m, <n>h, <n>d or <n>w, or digits alone
 * (milliseconds); at least 1 ms. 0, or -1 with why in err. */
int dg_duration_parse(const char *s, int64_t *ms, char *err, size_t size);
/* ms as the largest unit that divides it ("30d", "12h", "1500ms"). */
const char *dg_duration_text(char *buf, size_t size, int64_t ms);
/* Prints "mlmd: CMD: <the library's message>"; returns EXIT_FAILED. */
int dg_failed(const char *cmd);

/* The compaction after a deletion (mlmd_store_gc, not full): 0 with *gc
 * filled (a notice on stderr when it is not complete, unless quiet), or
 * EXIT_FAILED after saying that the nodes are deleted but not yet erased. */
int dg_compact(const char *cmd, mlmd_store *s, mlmd_gc_result *gc, bool quiet);
/* A gc result as the object {"complete", "pages_freed", "detail"}, or null for NULL. */
void dg_gc_json(mlmd_json_writer *w, const mlmd_gc_result *gc);

#endif

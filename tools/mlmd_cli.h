/*
 * tools/mlmd_cli.h - what the `mlmd` tool's files share.
 */
#ifndef MLMD_TOOLS_CLI_H
#define MLMD_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <mlmd.h>

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Print "mlmd: ..." to stderr; return EXIT_USAGE / EXIT_FAILED. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens --store URI, else $MLMD_STORE, else sqlite:mlmd.db; prints the error itself. */
int cli_open_store(const char *uri, mlmd_store **out, bool must_exist);
/* The same, read-only, for commands that only read (types, ls, show, stats,
 * lineage, export): the store must exist and nothing is written to it. */
int cli_open_store_ro(const char *uri, mlmd_store **out);

void cli_json_str(FILE *f, const char *s);
void cli_b64(FILE *f, const uint8_t *p, size_t n);
long cli_unb64(const char *s, size_t len, uint8_t *out);
int cli_render_svg(const char *dot, const char *path);

int cmd_types(const char *store, int argc, char **argv);
int cmd_ls(const char *store, int argc, char **argv);
int cmd_show(const char *store, int argc, char **argv);
int cmd_stats(const char *store, int argc, char **argv);
int cmd_lineage(const char *store, int argc, char **argv);
int cmd_export(const char *store, int argc, char **argv);
int cmd_import(const char *store, int argc, char **argv);
int cmd_import_mlmd(const char *store, int argc, char **argv);

#endif

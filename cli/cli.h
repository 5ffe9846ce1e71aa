/*
 * cli/cli.h - what the `mlmd` tool's files share.
 *
 * main.c         main: the command table, global options, dispatch, version
 * util.c         messages, the option tables and the help made from them, opening
 *                the store, JSON and base64 text, times, progress lines (no main,
 *                so fuzzers can link it)
 * listing.c      types, ls, show, stats, lineage
 * score.c        score, model info, model add
 * export.c       export
 * import.c       import: the JSON-lines record parser and the command (import.h)
 * importer.c     the importer shared by import and import-mlmd (import.h; no main)
 * import_mlmd.c  import-mlmd
 * csv.c          the CSV reader and writer of score (csv.h)
 * runs.c         runs ls, runs show, runs diff (experiment tracking)
 * metrics.c      metrics: metric histories as CSV, JSON or an SVG chart
 * tracking.c     what those two share: the tracking RPCs, runs as text and JSON (tracking.h)
 * registry.c     registry: models, versions, aliases, policies, requests, approvals, history
 * reg_show.c     registry ls, show, requests, history and resolve: the registry read back
 * audit.c        audit log, audit verify, audit checkpoint
 * datagov.c      delete, gc, impact and what the data governance commands share (datagov.h)
 * labels.c       classify, unclassify, labels, gate ls / set
 * retention.c    retention set, ls, rm, run
 * drift.c, drift_store.c, profile.c, explain.c   monitoring: drift, profile, explain
 *                (inputs.c: CSV columns bound to a model's inputs)
 * report.c       report: the store as one self-contained HTML page
 * export.c and import.c also take --format openlineage (lib/openlineage through mlmd.h)
 */
#ifndef MLMD_CLI_CLI_H
#define MLMD_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <mlmd.h>

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* ---- messages ------------------------------------------------------------------------- */

/* Print "mlmd: ..." to stderr; return EXIT_USAGE / EXIT_FAILED. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- global options --------------------------------------------------------------------- */

/* Options that apply to the whole line, given before the command or after it:
 * --store URI and --actor NAME (for the commands that open a store), and
 * --json for the commands that print JSON. */
typedef struct cli_globals {
	const char *store;      /* --store URI; NULL: $MLMD_STORE, else sqlite:mlmd.db */
	const char *actor;      /* --actor NAME: who the store's writes are by; NULL: MLMD_ACTOR, else the OS user */
	bool json;              /* --json given before the command */
} cli_globals;
extern cli_globals cli_g;

/* ---- option tables -------------------------------------------------------------------- */

typedef enum cli_opt_kind {
	OPT_FLAG,       /* sets *(bool *)dest */
	OPT_STR,        /* *(const char **)dest = the value */
	OPT_INT,        /* *(int64_t *)dest = the value, within [min, max] */
	OPT_CHOICE,     /* *(int *)dest = index of the value in choices */
	OPT_SET,        /* *(int *)dest = set_value (a flag among several: --up, --down) */
	OPT_LIST,       /* appended to *(cli_list *)dest: an option that may be given several times */
} cli_opt_kind;

/* One option of a command. The table parses the command line and prints the
 * help, so the two cannot disagree. */
typedef struct cli_opt {
	const char *name;               /* "--type" */
	const char *arg;                /* the value's name in help ("T"); NULL for flags and choices */
	const char *help;               /* one line */
	cli_opt_kind kind;
	void *dest;
	const char *const *choices;     /* OPT_CHOICE: NULL-terminated */
	int64_t min, max;               /* OPT_INT */
	int set_value;                  /* OPT_SET */
} cli_opt;

/* The values of an OPT_LIST option, in the order given (borrowed from argv;
 * the array is malloc'd: cli_list_free). */
typedef struct cli_list {
	const char **v;
	size_t n;
} cli_list;
void cli_list_free(cli_list *l);

/* Table entries, one macro per kind (every field set, as -Wextra wants). */
#define CLI_STR(name, arg, help, dest) { name, arg, help, OPT_STR, dest, NULL, 0, 0, 0 }
#define CLI_FLAG(name, help, dest) { name, NULL, help, OPT_FLAG, dest, NULL, 0, 0, 0 }
#define CLI_INT(name, arg, help, dest, lo, hi) { name, arg, help, OPT_INT, dest, NULL, lo, hi, 0 }
#define CLI_CHOICE(name, help, dest, choices) { name, NULL, help, OPT_CHOICE, dest, choices, 0, 0, 0 }
#define CLI_SET(name, help, dest, value) { name, NULL, help, OPT_SET, dest, NULL, 0, 0, value }
#define CLI_LIST(name, arg, help, dest) { name, arg, help, OPT_LIST, dest, NULL, 0, 0, 0 }
#define CLI_END { NULL, NULL, NULL, OPT_FLAG, NULL, NULL, 0, 0, 0 }

/* A command: its name, positional arguments, help text and options
 * (terminated by an entry with a NULL name). */
typedef struct cli_cmd {
	const char *name;               /* "ls", "import-mlmd" */
	const char *args;               /* positional arguments in usage: "artifacts|executions|contexts" */
	int min_args, max_args;         /* how many positional arguments */
	const char *about;              /* the help's paragraph */
	bool uses_store;                /* accepts --store */
	const cli_opt *opts;
} cli_cmd;

/* Parses argv (the words after the command name) with the command's table:
 * options anywhere, as "--name value" or "--name=value", "--" ends them; the
 * global --store (for commands with uses_store) and a --json given before
 * the command are applied too. The positional words go to args (room for
 * max_args), their count to *nargs. Returns 0, -1 when it printed the help
 * (the command then exits 0), or EXIT_USAGE after printing why. */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, char **args, int *nargs);

/* Prints the command's help, generated from its table. */
void cli_help(FILE *f, const cli_cmd *cmd);

/* The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be what was meant. */
const char *cli_closest(const char *word, const char *const *candidates, size_t n);

/* A subcommand of a command group (audit, runs, registry): its name and
 * the function given the words after it. */
typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cli_sub;

/* Runs the subcommand of group `group` named by argv[0] (up to 32 subs)
 * with the words after it. --help or -h puts `help` and returns 0; no word
 * is bad usage "GROUP: NONE"; an unknown word is bad usage naming the
 * closest subcommand, else "(OTHERWISE)". Returns the subcommand's status,
 * 0 or EXIT_USAGE. */
int cli_dispatch(const char *group, const cli_sub *subs, size_t n, int argc, char **argv, const char *help,
		 const char *none, const char *otherwise);

/* ---- text ------------------------------------------------------------------------------- */

/* JSON goes through the library's writer (mlmd/json.h). A writer on
 * standard output for a command's --json output, or NULL after printing why
 * (out of memory). */
mlmd_json_writer *cli_json_stdout(void);
/* Ends --json output: a newline, the writer's status checked (a failure
 * printed), the writer freed. Returns 0 or EXIT_FAILED. */
int cli_json_done(mlmd_json_writer *w);
/* A message's protobuf bytes as base64 text (malloc'd), or NULL when out of
 * memory: the export's "pb" and show's struct and proto values. */
char *cli_pb_b64(const ProtobufCMessage *m);
/* Decodes base64 (standard or URL alphabet, padding optional) into out, which
 * has room for len * 3 / 4 + 3 bytes; returns the length or -1. */
long cli_unb64(const char *s, size_t len, uint8_t *out);
/* Milliseconds since the epoch as ISO 8601 UTC ("2026-01-31T09:08:07.123Z"). */
const char *cli_time_iso(char *buf, size_t size, int64_t ms);
/* Parses a time: ISO 8601 ("2026-12-03T10:00:00Z", fractional seconds
 * truncated to ms, "+01:00" / "-0530" offsets, a date alone = midnight UTC;
 * a date and time without a zone is refused) or milliseconds since the
 * epoch (digits alone), with the same arithmetic in every locale and time
 * zone. Returns 0, or -1 with why in err (size bytes). */
int cli_time_parse(const char *s, int64_t *ms, char *err, size_t size);

/* ---- progress --------------------------------------------------------------------------- */

/* A progress line on stderr, shown only when stderr is a terminal and
 * rewritten in place; cli_progress_end() clears it before the summary. */
typedef struct cli_progress {
	bool tty;
	bool shown;
	long next;               /* the count at which to print again */
	const char *what;        /* "exported", "imported" */
} cli_progress;
void cli_progress_init(cli_progress *p, const char *what);
void cli_progress_tick(cli_progress *p, long done);
void cli_progress_end(cli_progress *p);

/* ---- stores ----------------------------------------------------------------------------- */

/* Opens --store URI, else $MLMD_STORE, else sqlite:mlmd.db; prints the error itself. */
int cli_open_store(const char *uri, mlmd_store **out, bool must_exist);
/* The same, read-only, for commands that only read (types, ls, show, stats,
 * lineage, export): the store must exist and nothing is written to it. */
int cli_open_store_ro(const char *uri, mlmd_store **out);
/* The same, writable, migrating an older schema to the current one (import --upgrade). */
int cli_open_store_upgrade(const char *uri, mlmd_store **out);
int cli_render_svg(const char *dot, const char *path);

/* ---- commands --------------------------------------------------------------------------- */

/* Each takes the words after its name; its option table is built where its
 * variables live, in the function itself. */
int cmd_types(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_lineage(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_import_mlmd(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_impact(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_unclassify(int argc, char **argv);
int cmd_labels(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_retention(int argc, char **argv);
int cmd_drift(int argc, char **argv);
/* mlmd drift with --store: a serving execution's windows (cli/drift_store.c; cmd_drift passes its arguments on) */
int cmd_drift_store(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif

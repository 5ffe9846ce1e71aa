/*
 * cli/main.c - the mlmd command-line tool: the command table, global
 * options and dispatch. Each command group lives in its own file (cli.h).
 *
 *   mlmd [--store URI] [--actor NAME] [--json] COMMAND [ARGS]
 *
 * Exit status: 0 on success, 1 when an operation failed, 2 on bad usage.
 * Errors go to stderr and name the problem. See docs/cli.md.
 */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>

#include "cli.h"

static int run_version(int argc, char **argv)
{
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		puts("usage: mlmd version [--json]\n\nPrints the library version.");
		return 0;
	}
	if (argc > 0 && strcmp(argv[0], "--json"))
		return cli_usage("version: unexpected argument '%s'", argv[0]);
	if (cli_g.json || argc > 0) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			return EXIT_FAILED;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "version");
		mlmd_json_string(w, mlmd_version());
		mlmd_json_object_end(w);
		return cli_json_done(w);
	} else
		printf("mlmd %s\n", mlmd_version());
	return 0;
}

/* The commands: dispatch, `mlmd --help` and "did you mean" all read this
 * table. A name with a space is a subcommand listed on its own line of the
 * help; its first word dispatches. */
typedef struct command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
	{ "types", "list the artifact, execution and context types", cmd_types },
	{ "ls", "list artifacts, executions or contexts (filters, order, --json)", cmd_ls },
	{ "show", "one node with its properties, events, contexts or members", cmd_show },
	{ "lineage", "where a node came from or what came of it: tree, Graphviz or JSON", cmd_lineage },
	{ "stats", "counts per type, store size, schema version", cmd_stats },
	{ "export", "write the whole store as JSON lines", cmd_export },
	{ "import", "read an export into this store, all of it or nothing (ids are remapped)", cmd_import },
	{ "import-mlmd", "copy a Google MLMD SQLite database (schema 10) into this store", cmd_import_mlmd },
	{ "score", "score CSV rows with a model file or a store's model artifact", cmd_score },
	{ "model info", "print a model file's inputs, outputs and metadata", cmd_model },
	{ "model add", "record a model file in a store, with its digest", cmd_model },
	{ "runs ls", "list tracked runs with their parameters and latest metrics (MLflow search syntax)", cmd_runs },
	{ "runs show", "one run: parameters, tags, metrics, inputs, outputs, capture", cmd_runs },
	{ "runs diff", "two runs side by side, differences marked", cmd_runs },
	{ "metrics", "a run's metric history as CSV or JSON, or an SVG chart of several", cmd_metrics },
	{ "registry create", "register a model name (description, tags)", cmd_registry },
	{ "registry add", "add the next version of a model: a model artifact, the run that made it", cmd_registry },
	{ "registry ls", "list the registered models", cmd_registry },
	{ "registry show", "one model: versions, aliases, policies, open requests", cmd_registry },
	{ "registry alias", "set or remove aliases (several at once: one transaction)", cmd_registry },
	{ "registry tag", "set tags on a version (what policies' --require checks)", cmd_registry },
	{ "registry policy", "set or remove the approvals and requirements an alias's moves need", cmd_registry },
	{ "registry request", "ask for an alias to move; prints the request id", cmd_registry },
	{ "registry approve", "approve a pending request (the alias moves at the last approval)", cmd_registry },
	{ "registry reject", "reject a pending request", cmd_registry },
	{ "registry requests", "list requests: pending ones, or all with --all", cmd_registry },
	{ "registry resolve", "NAME@ALIAS or NAME/VERSION to its version and artifact, now or --as-of a time", cmd_registry },
	{ "registry history", "every move of a model's aliases: when, who, from, to, approvers", cmd_registry },
	{ "audit log", "the audit log's records (every write: seq, time, actor, operation, ids)", cmd_audit },
	{ "audit verify", "recompute the audit chain; exit 1 naming the first bad record", cmd_audit },
	{ "audit checkpoint", "print SEQ:HASH of the last record, for verify --checkpoint", cmd_audit },
	{ "delete", "delete nodes, keeping tombstones and lineage; then erase their values (gc)", cmd_delete },
	{ "gc", "the compaction that erases what deletions left in the database files", cmd_gc },
	{ "upgrade", "migrate an older store's schema to this library's version", cmd_upgrade },
	{ "retention set", "set a node type's retention policy: --max-age DURATION, --keep-last N", cmd_retention },
	{ "retention ls", "list the retention policies", cmd_retention },
	{ "retention rm", "remove a node type's retention policy", cmd_retention },
	{ "retention run", "apply every policy once (--dry-run: only count)", cmd_retention },
	{ "classify", "set a label (PII, POISONED, HOLD...) on a node; it follows lineage downstream", cmd_classify },
	{ "unclassify", "remove a node's own label and what it propagated", cmd_unclassify },
	{ "labels", "a node's effective labels: own and inherited, with source and distance", cmd_labels },
	{ "gate ls", "the labels that stop a model from being served", cmd_gate },
	{ "gate set", "replace the serving gate's labels (--none: an empty gate)", cmd_gate },
	{ "impact", "the models, versions, aliases, serving and deployments downstream of a node", cmd_impact },
	{ "drift", "compare two CSV samples column by column, or a serving execution's windows (--store)", cmd_drift },
	{ "profile", "record a model's reference profile of its input columns from training data", cmd_profile },
	{ "report", "one self-contained HTML page: the store, a lineage graph, runs, registry, serving", cmd_report },
	{ "explain", "per-row feature contributions of a tree or linear model's predictions", cmd_explain },
	{ "serve", "serve the store over gRPC: MLMD's MetadataStoreService and our services", cmd_serve },
	{ "version", "print the library version", run_version },
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

static void main_help(FILE *f)
{
	fprintf(f, "usage: mlmd [--store URI] [--actor NAME] [--json] COMMAND [ARGS]\n\n"
		"The store is --store URI, else $MLMD_STORE, else sqlite:mlmd.db (sqlite:PATH, sqlite::memory:,\n"
		"postgresql://USER@HOST:PORT/DB). Writes are by --actor NAME, else $MLMD_ACTOR, else the OS user\n"
		"(recorded in the audit log; the requester or approver of registry requests). --store, --actor\n"
		"and --json may come before or after the command.\n\n"
		"commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-17s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'mlmd COMMAND --help' for a command's options. Exit status: 0 success, 1 failure, 2 bad usage.\n", f);
}

/* The command whose first word is `word`, or NULL. */
static const command *find_command(const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const char *name = commands[i].name;
		size_t len = strcspn(name, " ");
		if (len == n && !strncmp(name, word, n))
			return &commands[i];
	}
	return NULL;
}

static int unknown_command(const char *word)
{
	char firsts[N_COMMANDS][16];
	const char *names[N_COMMANDS + 1];
	size_t n = 0;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		snprintf(firsts[n], sizeof firsts[n], "%.*s", (int)strcspn(commands[i].name, " "), commands[i].name);
		names[n] = firsts[n];
		n++;
	}
	names[n++] = "help";
	const char *near = cli_closest(word, names, n);
	if (near)
		return cli_usage("unknown command '%s' (did you mean %s?)", word, near);
	return cli_usage("unknown command '%s'", word);
}

int main(int argc, char **argv)
{
	/* The user's locale, as a command-line program should take it (messages,
	 * character classes); numbers stay the same in every locale, because
	 * the library and this tool read and write them with mlmd_double_parse
	 * and mlmd_double_format, never with LC_NUMERIC. */
	setlocale(LC_ALL, "");
	int i = 1;
	/* global options before the command */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--store") && i + 1 < argc) {
			cli_g.store = argv[++i];
		} else if (!strncmp(a, "--store=", 8)) {
			cli_g.store = a + 8;
		} else if (!strcmp(a, "--actor") && i + 1 < argc) {
			cli_g.actor = argv[++i];
		} else if (!strncmp(a, "--actor=", 8)) {
			cli_g.actor = a + 8;
		} else if (!strcmp(a, "--json")) {
			cli_g.json = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			main_help(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			return run_version(0, NULL);
		} else if (!strcmp(a, "--store")) {
			return cli_usage("--store needs a value (a store URI)");
		} else if (!strcmp(a, "--actor")) {
			return cli_usage("--actor needs a value (who the writes are by)");
		} else {
			static const char *const globals[] = { "--store", "--actor", "--json", "--help", "--version" };
			const char *near = cli_closest(a, globals, 5);
			return near ? cli_usage("unknown option '%s' (did you mean %s?)", a, near) :
				cli_usage("unknown option '%s' before the command", a);
		}
	}
	if (i >= argc)
		return cli_usage("a command is required");
	const char *word = argv[i];
	if (!strcmp(word, "help")) {
		const command *c = i + 1 < argc ? find_command(argv[i + 1]) : NULL;
		if (i + 1 < argc && !c)
			return unknown_command(argv[i + 1]);
		if (!c) {
			main_help(stdout);
			return 0;
		}
		char *help[] = { "--help", NULL };
		if (!strcmp(c->name, "model info") || !strcmp(c->name, "model add"))
			return cmd_model(1, help);
		return c->fn(1, help);
	}
	const command *c = find_command(word);
	if (!c)
		return unknown_command(word);
	return c->fn(argc - i - 1, argv + i + 1);
}

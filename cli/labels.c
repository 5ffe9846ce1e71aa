/*
 * cli/labels.c - classifications and the serving gate from the command
 * line: classify and unclassify (a label on a node, propagating down its
 * lineage or not), labels (a node's effective labels, with their sources
 * and distances) and gate ls / gate set (the labels that stop a model from
 * being served), through the C API (mlmd/datagov.h). docs/cli.md,
 * docs/datagov.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mlmd.h>
#include "cli.h"
#include "datagov.h"
#include "tracking.h"

#define MAX_LABELS 256 /* labels of one `gate set` */

/* ---- classify / unclassify ----------------------------------------------------------------------- */

int cmd_classify(int argc, char **argv)
{
	const char *reason = NULL, *until = NULL;
	bool no_propagate = false;
	const cli_opt opts[] = {
		CLI_STR("--reason", "TEXT", "why (kept with the label, at most 4096 bytes)", &reason),
		CLI_STR("--until", "TIME", "the label stops applying after TIME: ISO 8601 (2026-12-03T10:00:00Z, a date "
			"alone is midnight UTC) or ms since the epoch", &until),
		CLI_FLAG("--no-propagate", "the node alone, not what is downstream of it", &no_propagate),
		CLI_END,
	};
	const cli_cmd cmd = { "classify", "artifact|execution|context ID LABEL", 3, 3,
		"Sets LABEL on a node (1..128 bytes of letters, digits and _.:-, first a letter; case matters). Built\n"
		"in: PII, POISONED, EXPIRED, HOLD (refuses deletion), RESTRICTED; others are free-form. The label\n"
		"propagates downstream along lineage unless --no-propagate: an artifact's to the executions that\n"
		"read it, an execution's to the artifacts it wrote, a context's to its artifacts and executions,\n"
		"transitively, including edges added later. Setting a label the node has replaces its reason,\n"
		"until-time and propagation. Deleted nodes may be labelled. Prints how many nodes it applies to.",
		true, opts };
	char *args[3];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_node_kind kind = MLMD_NODE_ARTIFACT;
	int64_t id, until_ms = 0;
	if (rc || (rc = dg_kind(cmd.name, args[0], false, &kind)) || (rc = dg_id(cmd.name, args[1], &id)))
		return rc < 0 ? 0 : rc;
	if (until) {
		char err[256];
		if (cli_time_parse(until, &until_ms, err, sizeof err))
			return cli_usage("%s: --until %s", cmd.name, err);
		if (until_ms < 1)
			return cli_usage("%s: --until %s is not after the epoch", cmd.name, until);
	}
	mlmd_store *s = NULL;
	int64_t reached = 0;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_label_set(s, kind, id, args[2], reason, until_ms, !no_propagate, &reached))
		rc = dg_failed(cmd.name);
	else
		printf("%s on %s %lld: applies to %lld node%s\n", args[2], args[0], (long long)id, (long long)reached,
			reached == 1 ? "" : "s");
	mlmd_store_free(s);
	return rc;
}

int cmd_unclassify(int argc, char **argv)
{
	const cli_opt opts[] = { CLI_END };
	const cli_cmd cmd = { "unclassify", "artifact|execution|context ID LABEL", 3, 3,
		"Removes LABEL set on the node itself, and with it everything it propagated (a node the label also\n"
		"reaches from another source keeps it). Exit 1 when the node has no such label of its own: a label\n"
		"it only inherits is removed at its source ('mlmd labels' names it). Prints how many nodes it\n"
		"applied to.",
		true, opts };
	char *args[3];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_node_kind kind = MLMD_NODE_ARTIFACT;
	int64_t id;
	if (rc || (rc = dg_kind(cmd.name, args[0], false, &kind)) || (rc = dg_id(cmd.name, args[1], &id)))
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	int64_t reached = 0;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_label_remove(s, kind, id, args[2], &reached))
		rc = dg_failed(cmd.name);
	else
		printf("%s removed from %s %lld: it applied to %lld node%s\n", args[2], args[0], (long long)id,
			(long long)reached, reached == 1 ? "" : "s");
	mlmd_store_free(s);
	return rc;
}

/* ---- labels ---------------------------------------------------------------------------------------- */

static int labels_json(const mlmd_label_list *l)
{
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < l->n; i++) {
		const mlmd_label *x = &l->labels[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "label");
		mlmd_json_string(w, x->label);
		mlmd_json_key(w, "source_kind");
		mlmd_json_string(w, dg_kind_name(x->source_kind));
		mlmd_json_key(w, "source_id");
		mlmd_json_int(w, x->source_id);
		mlmd_json_key(w, "distance");
		mlmd_json_int(w, x->distance);
		mlmd_json_key(w, "reason");
		mlmd_json_string(w, x->reason);
		mlmd_json_key(w, "until");
		if (x->until_ms)
			mlmd_json_int(w, x->until_ms);
		else
			mlmd_json_null(w);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	return cli_json_done(w);
}

static int labels_text(const mlmd_label_list *l)
{
	if (!l->n)
		return 0;
	trk_table t;
	if (trk_table_init(&t, l->n + 1, 6))
		return cli_failed("out of memory");
	static const char *const head[] = { "LABEL", "SOURCE", "DISTANCE", "UNTIL", "BY", "REASON" };
	char buf[128];
	struct timespec now;
	timespec_get(&now, TIME_UTC);
	int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	trk_table_head(&t, head, 6);
	for (size_t i = 0; i < l->n; i++) {
		const mlmd_label *x = &l->labels[i];
		trk_table_set(&t, i + 1, 0, x->label);
		snprintf(buf, sizeof buf, "%s %lld", mlmd_node_kind_name(x->source_kind) ?
			mlmd_node_kind_name(x->source_kind) : "?", (long long)x->source_id);
		trk_table_set(&t, i + 1, 1, buf);
		snprintf(buf, sizeof buf, "%d%s", x->distance, x->distance ? "" : " (own)");
		trk_table_set(&t, i + 1, 2, buf);
		if (x->until_ms) {
			cli_time_iso(buf, sizeof buf, x->until_ms);
			if (x->until_ms <= now_ms)
				strcat(buf, " (expired)");
			trk_table_set(&t, i + 1, 3, buf);
		} else {
			trk_table_set(&t, i + 1, 3, NULL);
		}
		trk_table_set(&t, i + 1, 4, x->actor[0] ? x->actor : NULL);
		trk_table_set(&t, i + 1, 5, x->reason[0] ? x->reason : NULL);
	}
	return trk_table_done(&t);
}

int cmd_labels(int argc, char **argv)
{
	bool json = false, all = false;
	const cli_opt opts[] = {
		CLI_FLAG("--all", "also the labels whose until-time has passed", &all),
		CLI_FLAG("--json", "one JSON array on stdout: [{\"label\", \"source_kind\", \"source_id\", \"distance\", "
			"\"reason\", \"until\"}] (until: null or ms since the epoch)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "labels", "artifact|execution|context ID", 2, 2,
		"The node's effective labels: its own (distance 0) and those propagated to it along lineage, each\n"
		"with the node it is set on and the number of edges from there; a label reaching the node from two\n"
		"sources is listed once per source. Sorted by label, distance, source. Deleted nodes have labels too.",
		true, opts };
	char *args[2];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_node_kind kind = MLMD_NODE_ARTIFACT;
	int64_t id;
	if (rc || (rc = dg_kind(cmd.name, args[0], false, &kind)) || (rc = dg_id(cmd.name, args[1], &id)))
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_label_list *l = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_labels_effective(s, kind, id, all, &l))
		rc = dg_failed(cmd.name);
	else
		rc = json ? labels_json(l) : labels_text(l);
	mlmd_label_list_free(l);
	mlmd_store_free(s);
	return rc;
}

/* ---- gate ls / gate set ------------------------------------------------------------------------------ */

static int gate_ls(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: {\"labels\": [...]}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "gate ls", NULL, 0, 0,
		"Prints the serving gate's labels, one a line, sorted: a model artifact with one of them among its\n"
		"effective labels is refused at load (a new store has POISONED, EXPIRED, RESTRICTED).",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	char **labels = NULL;
	size_t n = 0;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_gate_get(s, &labels, &n))
		rc = dg_failed(cmd.name);
	else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "labels");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < n; i++)
				mlmd_json_string(w, labels[i]);
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			puts(labels[i]);
		if (!n)
			fputs("mlmd: gate ls: the gate is empty: no label stops a model from being served\n", stderr);
	}
	mlmd_strings_free(labels);
	mlmd_store_free(s);
	return rc;
}

static int gate_set(int argc, char **argv)
{
	bool none = false;
	const cli_opt opts[] = {
		CLI_FLAG("--none", "an empty gate: no label stops a model (instead of LABEL...)", &none),
		CLI_END,
	};
	const cli_cmd cmd = { "gate set", "LABEL... | --none", 0, MAX_LABELS,
		"Replaces the serving gate's labels with LABEL... (duplicates count once). An empty gate, which lets\n"
		"every model be served, must be asked for explicitly with --none. Models already serving are\n"
		"checked against the new list at their next flush. Prints nothing.",
		true, opts };
	char *args[MAX_LABELS];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (!rc && none && nargs)
		rc = cli_usage("%s: --none and labels exclude each other", cmd.name);
	else if (!rc && !none && !nargs)
		rc = cli_usage("%s: give the labels, or --none for an empty gate", cmd.name);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_gate_set(s, (const char *const *)args, (size_t)nargs))
		rc = dg_failed(cmd.name);
	mlmd_store_free(s);
	return rc;
}

int cmd_gate(int argc, char **argv)
{
	static const cli_sub subs[] = { { "ls", gate_ls }, { "set", gate_set } };
	return cli_dispatch("gate", subs, sizeof subs / sizeof *subs, argc, argv,
		"usage: mlmd [--store URI] [--actor NAME] gate SUBCOMMAND ...\n\n"
		"The serving gate (docs/datagov.md): the labels that stop a model artifact from being served when\n"
		"they are among its effective labels (default POISONED, EXPIRED, RESTRICTED).\n"
		"  gate ls [--json]\n"
		"  gate set LABEL...\n"
		"  gate set --none\n\n"
		"Run 'mlmd gate SUBCOMMAND --help' for the options. Exit status: 0 success, 1 failure, 2 bad usage.",
		"say what to do (ls, set)", "run 'mlmd gate --help'");
}

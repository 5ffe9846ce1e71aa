/*
 * cli/retention.c - retention policies from the command line: retention
 * set, ls, rm and run (a policy per node type: delete what is older than
 * --max-age and/or not among the --keep-last newest, never what an alias
 * protects or a HOLD label holds), through the C API (mlmd/datagov.h).
 * A run that deleted something runs the compaction afterwards, as
 * `mlmd delete` does. docs/cli.md, docs/datagov.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "datagov.h"
#include "tracking.h"

static const char *const kinds[] = { "artifact", "execution", "context", NULL };

/* "max-age 30d, keep-last 5" */
static const char *rule_text(char *buf, size_t size, const mlmd_retention_policy *p)
{
	char d[32];
	if (p->max_age_ms && p->keep_last)
		snprintf(buf, size, "max-age %s, keep-last %lld", dg_duration_text(d, sizeof d, p->max_age_ms),
			(long long)p->keep_last);
	else if (p->max_age_ms)
		snprintf(buf, size, "max-age %s", dg_duration_text(d, sizeof d, p->max_age_ms));
	else
		snprintf(buf, size, "keep-last %lld", (long long)p->keep_last);
	return buf;
}

/* A limit, null for 0 (none). */
static void limit_json(mlmd_json_writer *w, int64_t v)
{
	if (v)
		mlmd_json_int(w, v);
	else
		mlmd_json_null(w);
}

/* The policy's keys kind, type, type_id, max_age_ms, keep_last inside an open object. */
static void policy_fields_json(mlmd_json_writer *w, const mlmd_retention_policy *p)
{
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, dg_kind_name(p->kind));
	mlmd_json_key(w, "type");
	mlmd_json_string(w, p->type_name);
	mlmd_json_key(w, "type_id");
	mlmd_json_int(w, p->type_id);
	mlmd_json_key(w, "max_age_ms");
	limit_json(w, p->max_age_ms);
	mlmd_json_key(w, "keep_last");
	limit_json(w, p->keep_last);
}

/* ---- retention set / rm ------------------------------------------------------------------------ */

static int ret_set(int argc, char **argv)
{
	int kind = -1;
	const char *max_age = NULL;
	int64_t keep_last = 0, max_age_ms = 0;
	const cli_opt opts[] = {
		CLI_CHOICE("--kind", "which kind's type TYPE is (needed only when several kinds have a type of that name)",
			&kind, kinds),
		CLI_STR("--max-age", "DURATION", "delete nodes created longer ago than this: <n>ms|s|m|h|d|w (30d, 12h) "
			"or ms alone", &max_age),
		CLI_INT("--keep-last", "N", "keep the N newest nodes of the type whatever their age", &keep_last, 1,
			INT64_MAX),
		CLI_END,
	};
	const cli_cmd cmd = { "retention set", "TYPE", 1, 1,
		"Sets (replaces) the retention policy of node type TYPE: a 'retention run' deletes its nodes that\n"
		"are older than --max-age (by create time) and not among the --keep-last newest (by create time,\n"
		"then id). At least one of the two is needed; with both, a node goes when it is too old and not\n"
		"among the newest. Runs never delete what an alias protects (a model artifact an alias points at,\n"
		"everything upstream of it, its version's and model's contexts) nor what is under a HOLD label.\n"
		"Prints nothing.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (max_age) {
		char err[256];
		if (dg_duration_parse(max_age, &max_age_ms, err, sizeof err))
			return cli_usage("%s: --max-age %s", cmd.name, err);
	}
	if (!max_age_ms && !keep_last)
		return cli_usage("%s: give --max-age DURATION, --keep-last N or both", cmd.name);
	mlmd_store *s = NULL;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_retention_set(s, (mlmd_node_kind)(kind + 1), args[0], max_age_ms, keep_last))
		rc = dg_failed(cmd.name);
	mlmd_store_free(s);
	return rc;
}

static int ret_rm(int argc, char **argv)
{
	int kind = -1;
	const cli_opt opts[] = {
		CLI_CHOICE("--kind", "which kind's type TYPE is (needed only when several kinds have a type of that name)",
			&kind, kinds),
		CLI_END,
	};
	const cli_cmd cmd = { "retention rm", "TYPE", 1, 1,
		"Removes the retention policy of node type TYPE (exit 1 when it has none). Prints nothing.", true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_retention_remove(s, (mlmd_node_kind)(kind + 1), args[0]))
		rc = dg_failed(cmd.name);
	mlmd_store_free(s);
	return rc;
}

/* ---- retention ls --------------------------------------------------------------------------------- */

static int ret_ls(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: {\"policies\": [{\"kind\", \"type\", \"type_id\", "
			"\"max_age_ms\", \"keep_last\", \"actor\", \"time_ms\"}]} (a limit not set: null)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "retention ls", NULL, 0, 0,
		"Lists the retention policies by kind, then type name: the rule, who set it and when.", true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_retention_policy_list *l = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_retention_list(s, &l)) {
		rc = dg_failed(cmd.name);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "policies");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < l->n; i++) {
				mlmd_json_object_begin(w);
				policy_fields_json(w, &l->policies[i]);
				mlmd_json_key(w, "actor");
				mlmd_json_string(w, l->policies[i].actor);
				mlmd_json_key(w, "time_ms");
				mlmd_json_int(w, l->policies[i].time_ms);
				mlmd_json_object_end(w);
			}
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else if (l->n) {
		trk_table t;
		if (trk_table_init(&t, l->n + 1, 6))
			rc = cli_failed("out of memory");
		else {
			static const char *const head[] = { "KIND", "TYPE", "MAX_AGE", "KEEP_LAST", "SET", "BY" };
			char buf[64];
			trk_table_head(&t, head, 6);
			for (size_t i = 0; i < l->n; i++) {
				const mlmd_retention_policy *p = &l->policies[i];
				trk_table_set(&t, i + 1, 0, dg_kind_name(p->kind));
				trk_table_set(&t, i + 1, 1, p->type_name);
				trk_table_set(&t, i + 1, 2, p->max_age_ms ? dg_duration_text(buf, sizeof buf, p->max_age_ms) :
					NULL);
				snprintf(buf, sizeof buf, "%lld", (long long)p->keep_last);
				trk_table_set(&t, i + 1, 3, p->keep_last ? buf : NULL);
				trk_table_set(&t, i + 1, 4, cli_time_iso(buf, sizeof buf, p->time_ms));
				trk_table_set(&t, i + 1, 5, p->actor);
			}
			rc = trk_table_done(&t);
		}
	}
	mlmd_retention_policy_list_free(l);
	mlmd_store_free(s);
	return rc;
}

/* ---- retention run ---------------------------------------------------------------------------------- */

static int run_json(const mlmd_retention_report *r, bool dry_run, const mlmd_gc_result *gc)
{
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "dry_run");
	mlmd_json_bool(w, dry_run);
	mlmd_json_key(w, "deleted");
	mlmd_json_int(w, r->deleted);
	mlmd_json_key(w, "results");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < r->n; i++) {
		const mlmd_retention_result *x = &r->results[i];
		mlmd_json_object_begin(w);
		policy_fields_json(w, &x->policy);
		mlmd_json_key(w, "examined");
		mlmd_json_int(w, x->examined);
		mlmd_json_key(w, "expired");
		mlmd_json_int(w, x->expired);
		mlmd_json_key(w, "deleted");
		mlmd_json_int(w, x->deleted);
		mlmd_json_key(w, "kept_alias");
		mlmd_json_int(w, x->kept_alias);
		mlmd_json_key(w, "kept_hold");
		mlmd_json_int(w, x->kept_hold);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "gc");
	dg_gc_json(w, gc);
	mlmd_json_object_end(w);
	return cli_json_done(w);
}

static int run_text(const mlmd_retention_report *r, bool dry_run)
{
	int rc = 0;
	if (r->n) {
		trk_table t;
		if (trk_table_init(&t, r->n + 1, 8))
			return cli_failed("out of memory");
		const char *const head[] = { "KIND", "TYPE", "RULE", "EXAMINED", "EXPIRED",
			dry_run ? "WOULD_DELETE" : "DELETED", "KEPT_ALIAS", "KEPT_HOLD" };
		char buf[128];
		trk_table_head(&t, head, 8);
		for (size_t i = 0; i < r->n; i++) {
			const mlmd_retention_result *x = &r->results[i];
			const int64_t counts[] = { x->examined, x->expired, x->deleted, x->kept_alias, x->kept_hold };
			trk_table_set(&t, i + 1, 0, dg_kind_name(x->policy.kind));
			trk_table_set(&t, i + 1, 1, x->policy.type_name);
			trk_table_set(&t, i + 1, 2, rule_text(buf, sizeof buf, &x->policy));
			for (int c = 0; c < 5; c++) {
				snprintf(buf, sizeof buf, "%lld", (long long)counts[c]);
				trk_table_set(&t, i + 1, (size_t)c + 3, buf);
			}
		}
		rc = trk_table_done(&t);
	}
	printf("%s %lld node%s (%zu polic%s)\n", dry_run ? "would delete" : "deleted", (long long)r->deleted,
		r->deleted == 1 ? "" : "s", r->n, r->n == 1 ? "y" : "ies");
	return rc;
}

static int ret_run(int argc, char **argv)
{
	bool dry_run = false, json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--dry-run", "count what would be deleted; write nothing", &dry_run),
		CLI_FLAG("--json", "one JSON object on stdout: {\"dry_run\", \"deleted\", \"results\": [{\"kind\", \"type\", "
			"\"type_id\", \"max_age_ms\", \"keep_last\", \"examined\", \"expired\", \"deleted\", \"kept_alias\", "
			"\"kept_hold\"}], \"gc\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "retention run", NULL, 0, 0,
		"Applies every retention policy once, in one transaction: the nodes a policy selects become\n"
		"tombstones with the reason \"retention: TYPE RULE\", except those an alias protects or a HOLD label\n"
		"holds (counted as kept). Running it again deletes nothing new unless time or the store moved on.\n"
		"When something was deleted the store's compaction runs afterwards, as after 'mlmd delete'. Prints\n"
		"per policy: live nodes examined, selected, deleted, kept; then the total.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_retention_report *r = NULL;
	mlmd_gc_result gc;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_retention_run(s, dry_run, &r))
		rc = dg_failed(cmd.name);
	else {
		bool compact = !dry_run && r->deleted > 0;
		int gc_rc = compact ? dg_compact(cmd.name, s, &gc, false) : 0;
		rc = json ? run_json(r, dry_run, compact && !gc_rc ? &gc : NULL) : run_text(r, dry_run);
		if (gc_rc)
			rc = gc_rc;
	}
	mlmd_retention_report_free(r);
	mlmd_store_free(s);
	return rc;
}

/* ---- retention (the group) ------------------------------------------------------------------------------ */

int cmd_retention(int argc, char **argv)
{
	static const cli_sub subs[] = { { "set", ret_set }, { "ls", ret_ls }, { "rm", ret_rm }, { "run", ret_run } };
	return cli_dispatch("retention", subs, sizeof subs / sizeof *subs, argc, argv,
		"usage: mlmd [--store URI] [--actor NAME] retention SUBCOMMAND ...\n\n"
		"Retention policies (docs/datagov.md): per node type, delete what is older than a duration and/or\n"
		"not among the N newest, never what an alias protects or a HOLD label holds.\n"
		"  retention set TYPE [--kind KIND] [--max-age DURATION] [--keep-last N]\n"
		"  retention ls [--json]\n"
		"  retention rm TYPE [--kind KIND]\n"
		"  retention run [--dry-run] [--json]\n\n"
		"DURATION: <n>ms, <n>s, <n>m, <n>h, <n>d or <n>w (30d, 12h), or milliseconds alone. KIND: artifact,\n"
		"execution or context. Run 'mlmd retention SUBCOMMAND --help' for the options. Exit status: 0\n"
		"success, 1 failure, 2 bad usage.",
		"say what to do (set, ls, rm, run)", "run 'mlmd retention --help'");
}

/*
 * cli/datagov.c - data governance's deletion and impact commands: delete
 * (tombstones, then the compaction that erases), gc (the compaction alone)
 * and impact (what is downstream and matters), through the C API
 * (mlmd/datagov.h); and what the data governance commands share
 * (datagov.h): node kinds and ids, durations, the compaction after a
 * deletion. Labels and the gate are in labels.c, retention in retention.c.
 * docs/cli.md, docs/datagov.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "datagov.h"
#include "tracking.h"

/* ---- shared ---------------------------------------------------------------------------------- */

int dg_kind(const char *cmd, const char *word, bool only_two, mlmd_node_kind *out)
{
	static const char *const kinds[] = { "artifact", "execution", "context" };
	size_t n = only_two ? 2 : 3;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(word, kinds[i])) {
			*out = (mlmd_node_kind)(i + 1);
			return 0;
		}
	const char *near = cli_closest(word, kinds, n);
	if (near)
		return cli_usage("%s: '%s' is not a node kind (did you mean %s?)", cmd, word, near);
	return cli_usage("%s: '%s' is not a node kind: expected %s", cmd, word,
		only_two ? "artifact or execution" : "artifact, execution or context");
}

const char *dg_kind_name(mlmd_node_kind k)
{
	return mlmd_node_kind_name(k) ? mlmd_node_kind_name(k) : "";
}

int dg_id(const char *cmd, const char *word, int64_t *out)
{
	int64_t v = 0;
	const char *p = word;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return cli_usage("%s: id '%s' is too large", cmd, word);
		v = v * 10 + (*p - '0');
	}
	if (p == word || *p || v < 1)
		return cli_usage("%s: id '%s' is not a number from 1 up", cmd, word);
	*out = v;
	return 0;
}

static const struct {
	const char *suffix;
	int64_t ms;
} units[] = {
	{ "w", 7 * 86400000LL }, { "d", 86400000LL }, { "h", 3600000LL }, { "m", 60000LL }, { "s", 1000LL },
	{ "ms", 1LL },
};
#define N_UNITS (sizeof units / sizeof *units)

int dg_duration_parse(const char *s, int64_t *ms, char *err, size_t size)
{
	int64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10) {
			snprintf(err, size, "'%s' is too long a duration", s);
			return -1;
		}
		v = v * 10 + (*p - '0');
	}
	int64_t unit = *p ? 0 : 1; /* digits alone: milliseconds */
	for (size_t i = 0; !unit && p != s && i < N_UNITS; i++)
		if (!strcmp(p, units[i].suffix))
			unit = units[i].ms;
	if (p == s || !unit) {
		snprintf(err, size, "'%s' is not a duration: expected a number with ms, s, m, h, d or w (30d, 12h), "
			"or milliseconds alone", s);
		return -1;
	}
	if (v > INT64_MAX / unit) {
		snprintf(err, size, "'%s' is too long a duration", s);
		return -1;
	}
	if (v == 0) {
		snprintf(err, size, "'%s' is not a duration of at least 1 ms", s);
		return -1;
	}
	*ms = v * unit;
	return 0;
}

const char *dg_duration_text(char *buf, size_t size, int64_t ms)
{
	for (size_t i = 0; i < N_UNITS; i++)
		if (ms > 0 && ms % units[i].ms == 0) {
			snprintf(buf, size, "%lld%s", (long long)(ms / units[i].ms), units[i].suffix);
			return buf;
		}
	snprintf(buf, size, "%lldms", (long long)ms);
	return buf;
}

int dg_failed(const char *cmd)
{
	return cli_failed("%s: %s", cmd, mlmd_error_message());
}

int dg_compact(const char *cmd, mlmd_store *s, mlmd_gc_result *gc, bool quiet)
{
	memset(gc, 0, sizeof *gc);
	if (mlmd_store_gc(s, 0, gc))
		return cli_failed("%s: the nodes are deleted, but the compaction that erases their values failed: %s "
			"(run 'mlmd gc' again)", cmd, mlmd_error_message());
	if (!gc->complete && !quiet)
		fprintf(stderr, "mlmd: %s: the deleted values are not yet erased from every database file: %s\n", cmd,
			gc->detail);
	return 0;
}

void dg_gc_json(mlmd_json_writer *w, const mlmd_gc_result *gc)
{
	if (!gc) {
		mlmd_json_null(w);
		return;
	}
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "complete");
	mlmd_json_bool(w, gc->complete);
	mlmd_json_key(w, "pages_freed");
	mlmd_json_int(w, gc->pages_freed);
	mlmd_json_key(w, "detail");
	mlmd_json_string(w, gc->detail);
	mlmd_json_object_end(w);
}

static const char *num(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/* ---- delete ------------------------------------------------------------------------------------ */

static int delete_json(const mlmd_delete_result *r, bool dry_run, const mlmd_gc_result *gc)
{
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "dry_run");
	mlmd_json_bool(w, dry_run);
	mlmd_json_key(w, "deleted");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const mlmd_tombstone *t = &r->nodes[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, dg_kind_name(t->kind));
		mlmd_json_key(w, "id");
		mlmd_json_int(w, t->id);
		mlmd_json_key(w, "type_id");
		mlmd_json_int(w, t->type_id);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, t->type);
		mlmd_json_key(w, "delete_time_ms");
		mlmd_json_int(w, t->delete_time_ms);
		mlmd_json_key(w, "actor");
		mlmd_json_string(w, t->actor);
		mlmd_json_key(w, "reason");
		mlmd_json_string(w, t->reason);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "properties_removed");
	mlmd_json_int(w, r->properties_removed);
	mlmd_json_key(w, "events_kept");
	mlmd_json_int(w, r->events_kept);
	mlmd_json_key(w, "memberships_removed");
	mlmd_json_int(w, r->memberships_removed);
	mlmd_json_key(w, "metric_points_removed");
	mlmd_json_int(w, r->metric_points_removed);
	mlmd_json_key(w, "gc");
	dg_gc_json(w, gc);
	mlmd_json_object_end(w);
	return cli_json_done(w);
}

static int delete_text(const mlmd_delete_result *r, mlmd_node_kind kind, bool dry_run)
{
	trk_table t;
	if (trk_table_init(&t, r->n_nodes + 1, 5))
		return cli_failed("out of memory");
	const char *const head[] = { "ID", "TYPE", dry_run ? "AT" : "DELETED", "BY", "REASON" };
	char buf[64];
	trk_table_head(&t, head, 5);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const mlmd_tombstone *n = &r->nodes[i];
		trk_table_set(&t, i + 1, 0, num(buf, sizeof buf, n->id));
		trk_table_set(&t, i + 1, 1, n->type);
		trk_table_set(&t, i + 1, 2, cli_time_iso(buf, sizeof buf, n->delete_time_ms));
		trk_table_set(&t, i + 1, 3, n->actor);
		trk_table_set(&t, i + 1, 4, n->reason[0] ? n->reason : NULL);
	}
	int rc = trk_table_done(&t);
	const char *gone = dry_run ? "to remove" : "removed";
	printf("%s %zu %s%s: %lld propert%s %s, %lld event%s kept, %lld membership%s %s, %lld metric point%s %s\n",
	       dry_run ? "would delete" : "deleted", r->n_nodes, mlmd_node_kind_name(kind), r->n_nodes == 1 ? "" : "s",
	       (long long)r->properties_removed, r->properties_removed == 1 ? "y" : "ies", gone,
	       (long long)r->events_kept, r->events_kept == 1 ? "" : "s", (long long)r->memberships_removed,
	       r->memberships_removed == 1 ? "" : "s", gone, (long long)r->metric_points_removed,
	       r->metric_points_removed == 1 ? "" : "s", gone);
	return rc;
}

int cmd_delete(int argc, char **argv)
{
	const char *reason = NULL;
	bool dry_run = false, json = false;
	const cli_opt opts[] = {
		CLI_STR("--reason", "TEXT", "why (kept in every tombstone, at most 4096 bytes)", &reason),
		CLI_FLAG("--dry-run", "say what would be deleted; write nothing", &dry_run),
		CLI_FLAG("--json", "one JSON object on stdout: {\"dry_run\", \"deleted\": [{\"kind\", \"id\", \"type_id\", "
			"\"type\", \"delete_time_ms\", \"actor\", \"reason\"}], \"properties_removed\", \"events_kept\", "
			"\"memberships_removed\", \"metric_points_removed\", \"gc\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "delete", "artifact|execution|context ID...", 2, argc > 2 ? argc : 2,
		"Deletes nodes of one kind, all of them or none (at most 100,000 ids): each keeps a tombstone (id,\n"
		"type, deletion time, actor, reason) and the events through it, so lineage still connects what came\n"
		"before to what came after; its name, uri, properties and custom properties go (a context's\n"
		"memberships too, an execution's metric history). A deleted node is in no listing and reading it\n"
		"by id finds nothing. Refused (exit 1, nothing deleted) for an id that does not exist or is already\n"
		"deleted, for a model artifact, version or model an alias points at (naming MODEL@ALIAS) and for a\n"
		"node under a HOLD label (naming it).\n\n"
		"Without --dry-run, the store's compaction ('mlmd gc', not --full) runs afterwards, so on SQLite\n"
		"the deleted values are erased from the database files (its WAL checkpointed and truncated) by this\n"
		"command alone; on PostgreSQL it VACUUMs (docs/datagov.md says what stays in its WAL and backups).\n"
		"Prints the tombstones and the counts.",
		true, opts };
	char **args = malloc((size_t)(argc > 2 ? argc : 2) * sizeof *args);
	if (!args)
		return cli_failed("out of memory");
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_node_kind kind = MLMD_NODE_ARTIFACT;
	int64_t *ids = NULL;
	if (!rc && !(rc = dg_kind(cmd.name, args[0], false, &kind))) {
		if (!(ids = malloc((size_t)(nargs - 1) * sizeof *ids)))
			rc = cli_failed("out of memory");
		for (int i = 1; !rc && i < nargs; i++)
			rc = dg_id(cmd.name, args[i], &ids[i - 1]);
	}
	if (rc) {
		free(ids);
		free(args);
		return rc < 0 ? 0 : rc;
	}
	mlmd_store *s = NULL;
	mlmd_delete_result *r = NULL;
	mlmd_gc_result gc;
	if (cli_open_store(cli_g.store, &s, true))
		rc = EXIT_FAILED;
	else if (mlmd_nodes_delete(s, kind, ids, (size_t)nargs - 1, reason, dry_run, &r))
		rc = dg_failed(cmd.name);
	else {
		int gc_rc = dry_run ? 0 : dg_compact(cmd.name, s, &gc, false);
		rc = json ? delete_json(r, dry_run, dry_run || gc_rc ? NULL : &gc) : delete_text(r, kind, dry_run);
		if (gc_rc)
			rc = gc_rc;
	}
	mlmd_delete_result_free(r);
	mlmd_store_free(s);
	free(ids);
	free(args);
	return rc;
}

/* ---- gc ------------------------------------------------------------------------------------------ */

int cmd_gc(int argc, char **argv)
{
	bool full = false, json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--full", "also rewrite the database (SQLite VACUUM; PostgreSQL VACUUM FULL: locks the tables)",
			&full),
		CLI_FLAG("--json", "one JSON object on stdout: {\"complete\", \"pages_freed\", \"detail\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "gc", NULL, 0, 0,
		"The store's compaction step, which erases what deletions left in the database files. SQLite frees\n"
		"deleted cells and pages zeroed (secure_delete) and this checkpoints the WAL and truncates it; --full\n"
		"also VACUUMs, which gives the free pages back to the file system. PostgreSQL: VACUUM of the node,\n"
		"property and metric tables, --full VACUUM FULL (docs/datagov.md says what stays in PostgreSQL's WAL\n"
		"and backups). 'mlmd delete' runs it (not --full) by itself. Prints what was done. Exit status 1\n"
		"when it is not complete: something (another process reading the store; PostgreSQL without --full,\n"
		"whose plain VACUUM leaves the bytes in place) kept a deleted value in the files.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_gc_result gc;
	memset(&gc, 0, sizeof gc);
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (mlmd_store_gc(s, full, &gc))
		rc = dg_failed(cmd.name);
	else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			dg_gc_json(w, &gc);
			rc = cli_json_done(w);
		}
	} else if (gc.complete) {
		printf("gc: %s\n", gc.detail);
	}
	if (!rc && !gc.complete)
		rc = cli_failed("gc: incomplete: %s", gc.detail);
	mlmd_store_free(s);
	return rc;
}

/* ---- impact ------------------------------------------------------------------------------------------ */

static const char *const what_names[] = { "", "model", "version", "alias", "serving", "deployment" };

static void impact_node_json(mlmd_json_writer *w, const mlmd_impact_item *it)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, dg_kind_name(it->kind));
	mlmd_json_key(w, "id");
	mlmd_json_int(w, it->id);
	mlmd_json_key(w, "type");
	mlmd_json_string(w, it->type);
	mlmd_json_key(w, "name");
	mlmd_json_string(w, it->name);
	mlmd_json_key(w, "distance");
	mlmd_json_int(w, it->distance);
	mlmd_json_key(w, "deleted");
	mlmd_json_bool(w, it->deleted);
	mlmd_json_object_end(w);
}

static int impact_json(const mlmd_impact *im)
{
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	static const char *const keys[] = { "", "models", "versions", "aliases", "serving", "deployments" };
	mlmd_json_object_begin(w);
	for (int what = MLMD_IMPACT_MODEL; what <= MLMD_IMPACT_DEPLOYMENT; what++) {
		mlmd_json_key(w, keys[what]);
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < im->n; i++) {
			const mlmd_impact_item *it = &im->items[i];
			if ((int)it->what != what)
				continue;
			if (what != MLMD_IMPACT_VERSION && what != MLMD_IMPACT_ALIAS) {
				impact_node_json(w, it);
				continue;
			}
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "name");
			mlmd_json_string(w, it->model_name);
			if (what == MLMD_IMPACT_ALIAS) {
				mlmd_json_key(w, "alias");
				mlmd_json_string(w, it->alias);
			}
			mlmd_json_key(w, "version");
			mlmd_json_int(w, it->version);
			mlmd_json_key(w, "artifact_id");
			mlmd_json_int(w, it->id);
			mlmd_json_key(w, "distance");
			mlmd_json_int(w, it->distance);
			mlmd_json_object_end(w);
		}
		mlmd_json_array_end(w);
	}
	mlmd_json_key(w, "nodes_walked");
	mlmd_json_int(w, im->nodes_walked);
	mlmd_json_key(w, "truncated");
	mlmd_json_bool(w, im->truncated);
	mlmd_json_object_end(w);
	return cli_json_done(w);
}

static int impact_text(const mlmd_impact *im)
{
	int rc = 0;
	if (im->n) {
		trk_table t;
		if (trk_table_init(&t, im->n + 1, 5))
			return cli_failed("out of memory");
		static const char *const head[] = { "WHAT", "DISTANCE", "NODE", "TYPE", "NAME" };
		char buf[64], name[512];
		trk_table_head(&t, head, 5);
		for (size_t i = 0; i < im->n; i++) {
			const mlmd_impact_item *it = &im->items[i];
			trk_table_set(&t, i + 1, 0, what_names[it->what <= MLMD_IMPACT_DEPLOYMENT ? it->what : 0]);
			trk_table_set(&t, i + 1, 1, num(buf, sizeof buf, it->distance));
			snprintf(buf, sizeof buf, "%s %lld", mlmd_node_kind_name(it->kind) ? mlmd_node_kind_name(it->kind) : "?",
				(long long)it->id);
			trk_table_set(&t, i + 1, 2, buf);
			trk_table_set(&t, i + 1, 3, it->type[0] ? it->type : NULL);
			if (it->what == MLMD_IMPACT_VERSION)
				snprintf(name, sizeof name, "%s/%lld", it->model_name, (long long)it->version);
			else if (it->what == MLMD_IMPACT_ALIAS)
				snprintf(name, sizeof name, "%s@%s -> %lld", it->model_name, it->alias, (long long)it->version);
			else
				snprintf(name, sizeof name, "%s%s", it->name, it->deleted ? " (deleted)" : "");
			trk_table_set(&t, i + 1, 4, name[0] ? name : NULL);
		}
		rc = trk_table_done(&t);
	} else {
		fprintf(stderr, "mlmd: impact: no model, version, alias, serving or deployment downstream (%lld nodes "
			"walked)\n", (long long)im->nodes_walked);
	}
	if (im->truncated)
		fprintf(stderr, "mlmd: impact: the walk stopped after %lld nodes (--max-nodes): there may be more\n",
			(long long)im->nodes_walked);
	return rc;
}

int cmd_impact(int argc, char **argv)
{
	bool json = false;
	int64_t max_nodes = 0;
	const cli_opt opts[] = {
		CLI_INT("--max-nodes", "N", "walk at most N nodes (default 1,000,000; the answer says when it stopped)",
			&max_nodes, 1, INT32_MAX),
		CLI_FLAG("--json", "one JSON object on stdout: {\"models\", \"serving\", \"deployments\": [{\"kind\", \"id\", "
			"\"type\", \"name\", \"distance\", \"deleted\"}], \"versions\": [{\"name\", \"version\", "
			"\"artifact_id\", \"distance\"}], \"aliases\": [{\"name\", \"alias\", \"version\", \"artifact_id\", "
			"\"distance\"}], \"nodes_walked\", \"truncated\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "impact", "artifact|execution ID", 2, 2,
		"What is downstream of an artifact or execution and matters: model artifacts (of type Model, named by\n"
		"a registry version or served), the registry versions naming them and the aliases on those versions,\n"
		"the ModelServing executions that read them and their Deployment contexts, each with its distance in\n"
		"edges (a version or alias: its model artifact's). Deleted nodes are walked through; a deleted model\n"
		"is marked. Models by distance, versions and aliases by model name, then serving and deployments.",
		true, opts };
	char *args[2];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_node_kind kind = MLMD_NODE_ARTIFACT;
	int64_t id;
	if (rc || (rc = dg_kind(cmd.name, args[0], true, &kind)) || (rc = dg_id(cmd.name, args[1], &id)))
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_impact *im = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_impact_get(s, kind, id, (int)max_nodes, &im))
		rc = dg_failed(cmd.name);
	else
		rc = json ? impact_json(im) : impact_text(im);
	mlmd_impact_free(im);
	mlmd_store_free(s);
	return rc;
}

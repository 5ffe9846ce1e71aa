/*
 * cli/registry.c - the registry's writing commands (create, add, alias set
 * and rm, tag, policy set and rm, request, approve, reject) and the
 * `registry` group's dispatch, through the C API (mlmd/registry.h). The
 * reading commands are in reg_show.c. docs/cli.md, docs/registry.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "registry.h"

#define MAX_WORDS 256 /* positional words of one command (aliases, tags) */

/* ---- shared ---------------------------------------------------------------------------------- */

int reg_number(const char *cmd, const char *what, const char *s, int64_t *out)
{
	int64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return cli_usage("%s: %s '%s' is too large", cmd, what, s);
		v = v * 10 + (*p - '0');
	}
	if (p == s || *p || v < 1)
		return cli_usage("%s: %s '%s' is not a number from 1 up", cmd, what, s);
	*out = v;
	return 0;
}

int reg_tags(const char *cmd, const char *const *words, size_t n, mlmd_tag **out)
{
	*out = NULL;
	if (!n)
		return 0;
	mlmd_tag *t = calloc(n, sizeof *t);
	if (!t)
		return cli_failed("out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(words[i], '=');
		if (!eq || eq == words[i]) {
			reg_tags_free(t, i);
			return cli_usage("%s: '%s' is not KEY=VALUE", cmd, words[i]);
		}
		char *key = strndup(words[i], (size_t)(eq - words[i]));
		if (!key) {
			reg_tags_free(t, i);
			return cli_failed("out of memory");
		}
		t[i].key = key;
		t[i].value = eq + 1;
	}
	*out = t;
	return 0;
}

void reg_tags_free(mlmd_tag *tags, size_t n)
{
	for (size_t i = 0; tags && i < n; i++)
		free((char *)tags[i].key);
	free(tags);
}

int reg_failed(const char *cmd)
{
	return cli_failed("%s: %s", cmd, mlmd_error_message());
}

void reg_tags_json(mlmd_json_writer *w, const mlmd_tag *tags, size_t n)
{
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < n; i++) {
		mlmd_json_key(w, tags[i].key);
		mlmd_json_string(w, tags[i].value);
	}
	mlmd_json_object_end(w);
}

void reg_version_json(mlmd_json_writer *w, int64_t v)
{
	if (v)
		mlmd_json_int(w, v);
	else
		mlmd_json_null(w);
}

void reg_move_json_fields(mlmd_json_writer *w, const mlmd_alias_history_entry *e)
{
	mlmd_json_key(w, "alias");
	mlmd_json_string(w, e->alias);
	mlmd_json_key(w, "old_version");
	reg_version_json(w, e->old_version);
	mlmd_json_key(w, "new_version");
	reg_version_json(w, e->new_version);
	mlmd_json_key(w, "time_ms");
	mlmd_json_int(w, e->time_ms);
	mlmd_json_key(w, "actor");
	mlmd_json_string(w, e->actor);
}

void reg_request_json(mlmd_json_writer *w, const mlmd_alias_request *r)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "request_id");
	mlmd_json_int(w, r->request_id);
	mlmd_json_key(w, "name");
	mlmd_json_string(w, r->model_name);
	mlmd_json_key(w, "moves");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < r->n_moves; i++) {
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "alias");
		mlmd_json_string(w, r->moves[i].alias);
		mlmd_json_key(w, "version");
		reg_version_json(w, r->moves[i].version);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "requester");
	mlmd_json_string(w, r->requester);
	mlmd_json_key(w, "comment");
	mlmd_json_string(w, r->comment);
	mlmd_json_key(w, "status");
	mlmd_json_string(w, mlmd_request_status_name(r->status));
	mlmd_json_key(w, "create_time_ms");
	mlmd_json_int(w, r->create_time_ms);
	mlmd_json_key(w, "decide_time_ms");
	if (r->decide_time_ms)
		mlmd_json_int(w, r->decide_time_ms);
	else
		mlmd_json_null(w);
	mlmd_json_key(w, "approvals");
	mlmd_json_int(w, r->approvals_count);
	mlmd_json_key(w, "approvals_needed");
	mlmd_json_int(w, r->approvals_needed);
	mlmd_json_key(w, "decisions");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < r->n_approvals; i++) {
		const mlmd_approval *a = &r->approvals[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "actor");
		mlmd_json_string(w, a->actor);
		mlmd_json_key(w, "approve");
		mlmd_json_bool(w, a->approve);
		mlmd_json_key(w, "comment");
		mlmd_json_string(w, a->comment);
		mlmd_json_key(w, "time_ms");
		mlmd_json_int(w, a->time_ms);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
}

/* Opens the store for a writing command (it must exist unless `create`). */
static int open_rw(mlmd_store **s, bool create)
{
	return cli_open_store(cli_g.store, s, !create) ? EXIT_FAILED : 0;
}

/* The moves of "ALIAS VERSION" or "ALIAS=VERSION [ALIAS=VERSION]..." (words
 * after NAME): 0, or EXIT_USAGE after saying why. `remove` words are
 * aliases alone, each removed (version 0). *out is malloc'd. */
static int parse_moves(const char *cmd, char **words, int n, bool remove, mlmd_alias_move **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	mlmd_alias_move *m = calloc((size_t)n, sizeof *m);
	if (!m)
		return cli_failed("out of memory");
	size_t k = 0;
	int rc = 0;
	if (remove) {
		for (int i = 0; i < n; i++)
			m[k++] = (mlmd_alias_move){ words[i], 0 };
	} else if (n == 2 && !strchr(words[0], '=') && !strchr(words[1], '=')) {
		m[k].alias = words[0];
		rc = reg_number(cmd, "version", words[1], &m[k++].version);
	} else {
		for (int i = 0; i < n && !rc; i++) {
			char *eq = strchr(words[i], '=');
			if (!eq || eq == words[i]) {
				rc = cli_usage("%s: expected ALIAS VERSION or ALIAS=VERSION pairs, not '%s'", cmd, words[i]);
				break;
			}
			*eq = '\0'; /* the word is ours to split: argv */
			m[k].alias = words[i];
			rc = reg_number(cmd, "version", eq + 1, &m[k++].version);
		}
	}
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	*nout = k;
	return 0;
}

/* The first word of `alias` and `policy`: set or rm (*remove). Returns 0,
 * -1 after putting `help` for --help or -h (exit 0), or EXIT_USAGE after
 * saying `usage`. */
static int set_or_rm(int argc, char **argv, bool *remove, const char *help, const char *usage)
{
	*remove = argc > 0 && !strcmp(argv[0], "rm");
	if (argc > 0 && (*remove || !strcmp(argv[0], "set")))
		return 0;
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		puts(help);
		return -1;
	}
	return cli_usage("%s", usage);
}

/* ---- registry create --------------------------------------------------------------------------- */

static int reg_create(int argc, char **argv)
{
	const char *description = NULL;
	cli_list tag_words = { 0 };
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--description", "TEXT", "what the model is for", &description),
		CLI_LIST("--tag", "KEY=VALUE", "a tag of the model (may be given several times)", &tag_words),
		CLI_FLAG("--json", "one JSON object on stdout: {\"name\", \"description\", \"context_id\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry create", "NAME", 1, 1,
		"Registers a model under NAME (1..250 bytes, no '/' or '@', unique): an mlmd.RegisteredModel context.\n"
		"Prints the name. Versions are added with 'mlmd registry add'.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_tag *tags = NULL;
	if (rc || (rc = reg_tags(cmd.name, tag_words.v, tag_words.n, &tags))) {
		cli_list_free(&tag_words);
		return rc < 0 ? 0 : rc;
	}
	mlmd_store *s = NULL;
	int64_t context_id = 0;
	if ((rc = open_rw(&s, true)))
		;
	else if (mlmd_registry_create_model(s, args[0], description, tags, tag_words.n, &context_id))
		rc = reg_failed(cmd.name);
	else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "name");
			mlmd_json_string(w, args[0]);
			mlmd_json_key(w, "description");
			mlmd_json_string(w, description ? description : "");
			mlmd_json_key(w, "context_id");
			mlmd_json_int(w, context_id);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		puts(args[0]);
	}
	mlmd_store_free(s);
	reg_tags_free(tags, tag_words.n);
	cli_list_free(&tag_words);
	return rc;
}

/* ---- registry add -------------------------------------------------------------------------------- */

static int reg_add(int argc, char **argv)
{
	int64_t artifact = 0, run = 0;
	const char *description = NULL;
	cli_list tag_words = { 0 };
	bool json = false;
	const cli_opt opts[] = {
		CLI_INT("--artifact", "ID", "the model artifact (required; e.g. from 'mlmd model add')", &artifact, 1,
			INT64_MAX),
		CLI_INT("--run", "EXECUTION_ID", "the run (execution) that produced it", &run, 1, INT64_MAX),
		CLI_STR("--description", "TEXT", "what this version is", &description),
		CLI_LIST("--tag", "KEY=VALUE", "a tag of the version (may be given several times)", &tag_words),
		CLI_FLAG("--json", "one JSON object on stdout: {\"name\", \"version\", \"artifact_id\", \"run_id\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry add", "NAME", 1, 1,
		"Adds the next version of model NAME (1, 2, 3...): the model artifact --artifact ID and, with --run,\n"
		"the execution that produced it. Prints the new version's number.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	mlmd_tag *tags = NULL;
	if (!rc && !artifact)
		rc = cli_usage("%s: --artifact ID is required", cmd.name);
	if (rc || (rc = reg_tags(cmd.name, tag_words.v, tag_words.n, &tags))) {
		cli_list_free(&tag_words);
		return rc < 0 ? 0 : rc;
	}
	mlmd_store *s = NULL;
	int64_t version = 0;
	if ((rc = open_rw(&s, false)))
		;
	else if (mlmd_registry_create_version(s, args[0], artifact, run, description, tags, tag_words.n, &version))
		rc = reg_failed(cmd.name);
	else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "name");
			mlmd_json_string(w, args[0]);
			mlmd_json_key(w, "version");
			mlmd_json_int(w, version);
			mlmd_json_key(w, "artifact_id");
			mlmd_json_int(w, artifact);
			mlmd_json_key(w, "run_id");
			reg_version_json(w, run);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		printf("%lld\n", (long long)version);
	}
	mlmd_store_free(s);
	reg_tags_free(tags, tag_words.n);
	cli_list_free(&tag_words);
	return rc;
}

/* ---- registry alias set / rm ----------------------------------------------------------------------- */

static void moved_text(const char *name, const mlmd_alias_history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const mlmd_alias_history_entry *e = &h->entries[i];
		char from[32], to[32];
		snprintf(from, sizeof from, e->old_version ? "%lld" : "-", (long long)e->old_version);
		snprintf(to, sizeof to, e->new_version ? "%lld" : "-", (long long)e->new_version);
		printf("%s@%s: %s -> %s\n", name, e->alias, from, to);
	}
}

static void moved_json(mlmd_json_writer *w, const char *name, const mlmd_alias_history *h)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "name");
	mlmd_json_string(w, name);
	mlmd_json_key(w, "moves");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < h->n; i++) {
		const mlmd_alias_history_entry *e = &h->entries[i];
		mlmd_json_object_begin(w);
		reg_move_json_fields(w, e);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
}

static int reg_alias(int argc, char **argv)
{
	bool remove;
	int rc = set_or_rm(argc, argv, &remove,
		"usage: mlmd registry alias set NAME ALIAS VERSION\n"
		"       mlmd registry alias set NAME ALIAS=VERSION [ALIAS=VERSION]...\n"
		"       mlmd registry alias rm NAME ALIAS [ALIAS]...\n\n"
		"Moves or removes aliases directly. Run 'mlmd registry alias set --help' for the options.",
		"registry alias: expected 'alias set NAME ALIAS VERSION' or 'alias rm NAME ALIAS'");
	if (rc)
		return rc < 0 ? 0 : rc;
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: {\"name\", \"moves\": [{\"alias\", \"old_version\", "
			"\"new_version\", \"time_ms\", \"actor\"}]}", &json),
		CLI_END,
	};
	const cli_cmd set_cmd = { "registry alias set", "NAME ALIAS VERSION | NAME ALIAS=VERSION...", 3 - 1,
		MAX_WORDS,
		"Points ALIAS of model NAME at VERSION. Several ALIAS=VERSION pairs move together in one transaction\n"
		"(a swap: champion=4 challenger=3): all or none. Refused (exit 1) when an alias has a policy: then\n"
		"use 'mlmd registry request'. Prints each move as NAME@ALIAS: OLD -> NEW.",
		true, opts };
	const cli_cmd rm_cmd = { "registry alias rm", "NAME ALIAS [ALIAS]...", 2, MAX_WORDS,
		"Removes aliases of model NAME (several in one transaction). Refused (exit 1) when an alias has a\n"
		"policy. Prints each move as NAME@ALIAS: OLD -> -.",
		true, opts };
	const cli_cmd *cmd = remove ? &rm_cmd : &set_cmd;
	char *args[MAX_WORDS];
	int nargs;
	rc = cli_parse(cmd, argc - 1, argv + 1, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_alias_move *moves;
	size_t n;
	if ((rc = parse_moves(cmd->name, args + 1, nargs - 1, remove, &moves, &n)))
		return rc;
	mlmd_store *s = NULL;
	mlmd_alias_history *h = NULL;
	if ((rc = open_rw(&s, false)))
		;
	else if (mlmd_registry_set_aliases(s, args[0], moves, n, &h))
		rc = reg_failed(cmd->name);
	else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			moved_json(w, args[0], h);
			rc = cli_json_done(w);
		}
	} else {
		moved_text(args[0], h);
	}
	mlmd_alias_history_free(h);
	mlmd_store_free(s);
	free(moves);
	return rc;
}

/* ---- registry tag ------------------------------------------------------------------------------------- */

static int reg_tag(int argc, char **argv)
{
	cli_list del = { 0 };
	const cli_opt opts[] = {
		CLI_LIST("--rm", "KEY", "remove the tag KEY (may be given several times)", &del),
		CLI_END,
	};
	const cli_cmd cmd = { "registry tag", "NAME VERSION [KEY=VALUE]...", 2, MAX_WORDS,
		"Sets tags on version VERSION of model NAME (validation=passed): what a policy's --require checks.\n"
		"A tag set again takes the new value. Prints nothing.",
		true, opts };
	char *args[MAX_WORDS];
	int64_t version = 0;
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (!rc && nargs == 2 && !del.n)
		rc = cli_usage("%s: give at least one KEY=VALUE (or --rm KEY)", cmd.name);
	mlmd_tag *tags = NULL;
	if (rc || (rc = reg_number(cmd.name, "version", args[1], &version)) ||
	    (rc = reg_tags(cmd.name, (const char *const *)args + 2, (size_t)nargs - 2, &tags))) {
		cli_list_free(&del);
		return rc < 0 ? 0 : rc;
	}
	mlmd_store *s = NULL;
	if ((rc = open_rw(&s, false)))
		;
	else if (mlmd_registry_set_version_tags(s, args[0], version, tags, (size_t)nargs - 2, del.v, del.n))
		rc = reg_failed(cmd.name);
	mlmd_store_free(s);
	reg_tags_free(tags, (size_t)nargs - 2);
	cli_list_free(&del);
	return rc;
}

/* ---- registry policy set / rm ---------------------------------------------------------------------------- */

static int reg_policy(int argc, char **argv)
{
	bool remove;
	int rc = set_or_rm(argc, argv, &remove,
		"usage: mlmd registry policy set NAME ALIAS --approvals N [--require KEY=VALUE]...\n"
		"       mlmd registry policy rm NAME ALIAS\n\n"
		"Sets or removes the policy of an alias. Run 'mlmd registry policy set --help' for details.",
		"registry policy: expected 'policy set NAME ALIAS --approvals N' or 'policy rm NAME ALIAS'");
	if (rc)
		return rc < 0 ? 0 : rc;
	int64_t approvals = -1;
	cli_list require = { 0 };
	const cli_opt set_opts[] = {
		CLI_INT("--approvals", "N", "approvals needed from distinct actors, none the requester (required)",
			&approvals, 0, INT32_MAX),
		CLI_LIST("--require", "KEY=VALUE", "a version tag (or model artifact property) that must hold "
			"(may be given several times)", &require),
		CLI_END,
	};
	const cli_opt rm_opts[] = { CLI_END };
	const cli_cmd set_cmd = { "registry policy set", "NAME ALIAS", 2, 2,
		"Sets (replaces) the policy of ALIAS of model NAME: moving the alias then needs a request\n"
		"('mlmd registry request') approved by N distinct actors other than the requester, and every\n"
		"--require KEY=VALUE to hold for the version (a version tag KEY with that value, else a property of\n"
		"its model artifact). Direct moves of the alias are refused.",
		true, set_opts };
	const cli_cmd rm_cmd = { "registry policy rm", "NAME ALIAS", 2, 2,
		"Removes the policy of ALIAS of model NAME (exit 1 when it has none); direct moves are allowed again.",
		true, rm_opts };
	const cli_cmd *cmd = remove ? &rm_cmd : &set_cmd;
	char *args[2];
	int nargs;
	rc = cli_parse(cmd, argc - 1, argv + 1, args, &nargs);
	if (!rc && !remove && approvals < 0)
		rc = cli_usage("%s: --approvals N is required (0: requirements only)", cmd->name);
	mlmd_tag *req = NULL;
	if (rc || (rc = reg_tags(cmd->name, require.v, require.n, &req))) {
		cli_list_free(&require);
		return rc < 0 ? 0 : rc;
	}
	mlmd_store *s = NULL;
	if ((rc = open_rw(&s, false)))
		;
	else if (remove ? mlmd_registry_delete_policy(s, args[0], args[1]) :
			  mlmd_registry_set_policy(s, args[0], args[1], approvals, req, require.n))
		rc = reg_failed(cmd->name);
	mlmd_store_free(s);
	reg_tags_free(req, require.n);
	cli_list_free(&require);
	return rc;
}

/* ---- registry request / approve / reject ------------------------------------------------------------------- */

static int state_json(const mlmd_request_state *st, bool approvals)
{
	mlmd_json_writer *w = cli_json_stdout();
	if (!w)
		return EXIT_FAILED;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "request_id");
	mlmd_json_int(w, st->request_id);
	mlmd_json_key(w, "status");
	mlmd_json_string(w, mlmd_request_status_name(st->status));
	if (approvals) {
		mlmd_json_key(w, "approvals");
		mlmd_json_int(w, st->approvals);
	}
	mlmd_json_key(w, "approvals_needed");
	mlmd_json_int(w, st->approvals_needed);
	mlmd_json_object_end(w);
	return cli_json_done(w);
}

static int reg_request(int argc, char **argv)
{
	const char *comment = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--comment", "TEXT", "why (kept with the request)", &comment),
		CLI_FLAG("--json", "one JSON object on stdout: {\"request_id\", \"status\", \"approvals_needed\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry request", "NAME ALIAS VERSION | NAME ALIAS=VERSION...", 2, MAX_WORDS,
		"Asks for ALIAS of model NAME to move to VERSION (several ALIAS=VERSION pairs: together, when the\n"
		"request is approved). The requester is --actor. Prints the request id. Without a policy needing\n"
		"approvals the move is applied at once (status approved); refused (exit 1) when a requirement of\n"
		"the policy does not hold for the version.",
		true, opts };
	char *args[MAX_WORDS];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_alias_move *moves;
	size_t n;
	if ((rc = parse_moves(cmd.name, args + 1, nargs - 1, false, &moves, &n)))
		return rc;
	mlmd_store *s = NULL;
	mlmd_request_state st;
	if ((rc = open_rw(&s, false)))
		;
	else if (mlmd_registry_request(s, args[0], moves, n, comment, &st))
		rc = reg_failed(cmd.name);
	else if (json)
		rc = state_json(&st, false);
	else {
		printf("%lld\n", (long long)st.request_id);
		if (st.status == MLMD_REQUEST_APPROVED)
			fprintf(stderr, "mlmd: request %lld applied at once (no approvals needed)\n",
				(long long)st.request_id);
		else
			fprintf(stderr, "mlmd: request %lld is %s: it needs %lld approval%s\n", (long long)st.request_id,
				mlmd_request_status_name(st.status), (long long)st.approvals_needed,
				st.approvals_needed == 1 ? "" : "s");
	}
	mlmd_store_free(s);
	free(moves);
	return rc;
}

static int reg_decide(int argc, char **argv, bool approve)
{
	const char *comment = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--comment", "TEXT", "why (kept with the decision)", &comment),
		CLI_FLAG("--json", "one JSON object on stdout: {\"request_id\", \"status\", \"approvals\", "
			"\"approvals_needed\"}", &json),
		CLI_END,
	};
	const cli_cmd approve_cmd = { "registry approve", "REQUEST_ID", 1, 1,
		"Approves a pending request as --actor (not its requester; the same actor twice counts once). At the\n"
		"last approval needed the aliases move, in the same transaction. Prints the request's status.",
		true, opts };
	const cli_cmd reject_cmd = { "registry reject", "REQUEST_ID", 1, 1,
		"Rejects a pending request as --actor (the requester may withdraw it this way). A rejected request\n"
		"can no longer be approved. Prints the request's status.",
		true, opts };
	const cli_cmd *cmd = approve ? &approve_cmd : &reject_cmd;
	char *args[1];
	int64_t id;
	int nargs, rc = cli_parse(cmd, argc, argv, args, &nargs);
	if (rc || (rc = reg_number(cmd->name, "request id", args[0], &id)))
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_request_state st;
	if ((rc = open_rw(&s, false)))
		;
	else if (approve ? mlmd_registry_approve(s, id, comment, &st) : mlmd_registry_reject(s, id, comment, &st))
		rc = reg_failed(cmd->name);
	else if (json)
		rc = state_json(&st, true);
	else if (st.status == MLMD_REQUEST_PENDING)
		printf("request %lld: pending, %lld of %lld approvals\n", (long long)id, (long long)st.approvals,
			(long long)st.approvals_needed);
	else
		printf("request %lld: %s%s\n", (long long)id, mlmd_request_status_name(st.status),
			st.status == MLMD_REQUEST_APPROVED ? " (the aliases moved)" : "");
	mlmd_store_free(s);
	return rc;
}

/* ---- registry (the group) ------------------------------------------------------------------------------------ */

static int reg_approve(int argc, char **argv)
{
	return reg_decide(argc, argv, true);
}

static int reg_reject(int argc, char **argv)
{
	return reg_decide(argc, argv, false);
}

int cmd_registry(int argc, char **argv)
{
	static const cli_sub subs[] = {
		{ "create", reg_create }, { "add", reg_add }, { "ls", reg_ls }, { "show", reg_show },
		{ "alias", reg_alias }, { "tag", reg_tag }, { "policy", reg_policy }, { "request", reg_request },
		{ "approve", reg_approve }, { "reject", reg_reject }, { "requests", reg_requests },
		{ "resolve", reg_resolve }, { "history", reg_history },
	};
	return cli_dispatch("registry", subs, sizeof subs / sizeof *subs, argc, argv,
		"usage: mlmd [--store URI] [--actor NAME] registry SUBCOMMAND ...\n\n"
		"The model registry (docs/registry.md):\n"
		"  registry create NAME [--description TEXT] [--tag KEY=VALUE]...\n"
		"  registry add NAME --artifact ID [--run EXECUTION_ID] [--description TEXT] [--tag KEY=VALUE]...\n"
		"  registry ls [--json]\n"
		"  registry show NAME [--json]\n"
		"  registry alias set NAME ALIAS VERSION | NAME ALIAS=VERSION...\n"
		"  registry alias rm NAME ALIAS...\n"
		"  registry tag NAME VERSION KEY=VALUE... [--rm KEY]...\n"
		"  registry policy set NAME ALIAS --approvals N [--require KEY=VALUE]...\n"
		"  registry policy rm NAME ALIAS\n"
		"  registry request NAME ALIAS VERSION | NAME ALIAS=VERSION... [--comment TEXT] [--json]\n"
		"  registry approve REQUEST_ID [--comment TEXT] [--json]\n"
		"  registry reject REQUEST_ID [--comment TEXT] [--json]\n"
		"  registry requests [NAME] [--all] [--json]\n"
		"  registry resolve NAME@ALIAS|NAME/VERSION [--as-of TIME] [--json]\n"
		"  registry history NAME [--alias ALIAS] [--json]\n\n"
		"Writes are by --actor NAME (else $MLMD_ACTOR, else the OS user). Run 'mlmd registry SUBCOMMAND\n"
		"--help' for the options. Exit status: 0 success, 1 refused or failed, 2 bad usage.",
		"say what to do (create, add, ls, show, alias, tag, policy, request, approve, reject, requests, resolve, "
		"history)",
		"run 'mlmd registry --help'");
}

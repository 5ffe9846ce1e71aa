/*
 * cli/reg_show.c - the registry read back: registry ls, show, requests,
 * history (through mlmd/registry.h) and resolve (NAME@ALIAS or
 * NAME/VERSION, now or as of a time: the ResolveModel call), as aligned
 * text or one JSON object. docs/cli.md, docs/registry.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd_governance.pb-c.h"
#include "cli.h"
#include "registry.h"
#include "tracking.h"

static const char *num(char *buf, size_t n, int64_t v)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/* "a=1 b=2" into buf (cut at its size). */
static const char *tags_text(char *buf, size_t size, const mlmd_tag *t, size_t n)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%s%s=%s", i ? " " : "", t[i].key, t[i].value);
	return buf;
}

/* "a,b,c" into buf (cut at its size), or NULL when that is empty. */
static const char *join_text(char *buf, size_t size, const char *const *v, size_t n)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t j = 0; j < n && k < size; j++)
		k += (size_t)snprintf(buf + k, size - k, "%s%s", j ? "," : "", v[j]);
	return buf[0] ? buf : NULL;
}

/* ---- registry ls ------------------------------------------------------------------------------ */

static void model_fields_json(mlmd_json_writer *w, const mlmd_registered_model *m)
{
	mlmd_json_key(w, "name");
	mlmd_json_string(w, m->name);
	mlmd_json_key(w, "description");
	mlmd_json_string(w, m->description);
	mlmd_json_key(w, "tags");
	reg_tags_json(w, m->tags, m->n_tags);
	mlmd_json_key(w, "latest_version");
	reg_version_json(w, m->latest_version);
	mlmd_json_key(w, "create_time_ms");
	mlmd_json_int(w, m->create_time_ms);
	mlmd_json_key(w, "context_id");
	mlmd_json_int(w, m->context_id);
}

int reg_ls(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: {\"models\": [{\"name\", \"description\", \"tags\", "
			"\"latest_version\", \"create_time_ms\", \"context_id\"}]}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry ls", NULL, 0, 0,
		"Lists the registered models by name: latest version, creation time, description.", true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_registered_model_list *l = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_registry_list_models(&l, s)) {
		rc = reg_failed(cmd.name);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "models");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < l->n; i++) {
				mlmd_json_object_begin(w);
				model_fields_json(w, &l->models[i]);
				mlmd_json_object_end(w);
			}
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else if (l->n) {
		trk_table t;
		if (trk_table_init(&t, l->n + 1, 4))
			rc = cli_failed("out of memory");
		else {
			static const char *const head[] = { "NAME", "LATEST", "CREATED", "DESCRIPTION" };
			char buf[64];
			trk_table_head(&t, head, 4);
			for (size_t i = 0; i < l->n; i++) {
				const mlmd_registered_model *m = &l->models[i];
				trk_table_set(&t, i + 1, 0, m->name);
				trk_table_set(&t, i + 1, 1, m->latest_version ? num(buf, sizeof buf, m->latest_version) : NULL);
				trk_table_set(&t, i + 1, 2, cli_time_iso(buf, sizeof buf, m->create_time_ms));
				trk_table_set(&t, i + 1, 3, m->description);
			}
			rc = trk_table_done(&t);
		}
	}
	mlmd_registered_model_list_free(l);
	mlmd_store_free(s);
	return rc;
}

/* ---- registry show -------------------------------------------------------------------------------- */

static void show_json(mlmd_json_writer *w, const mlmd_registered_model *m)
{
	mlmd_json_object_begin(w);
	model_fields_json(w, m);
	mlmd_json_key(w, "versions");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < m->n_versions; i++) {
		const mlmd_registry_version *v = &m->versions[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "version");
		mlmd_json_int(w, v->version);
		mlmd_json_key(w, "artifact_id");
		mlmd_json_int(w, v->artifact_id);
		mlmd_json_key(w, "run_id");
		reg_version_json(w, v->run_id);
		mlmd_json_key(w, "description");
		mlmd_json_string(w, v->description);
		mlmd_json_key(w, "creator");
		mlmd_json_string(w, v->creator);
		mlmd_json_key(w, "create_time_ms");
		mlmd_json_int(w, v->create_time_ms);
		mlmd_json_key(w, "tags");
		reg_tags_json(w, v->tags, v->n_tags);
		mlmd_json_key(w, "aliases");
		mlmd_json_array_begin(w);
		for (size_t j = 0; j < v->n_aliases; j++)
			mlmd_json_string(w, v->aliases[j]);
		mlmd_json_array_end(w);
		mlmd_json_key(w, "uri");
		mlmd_json_string(w, v->uri);
		mlmd_json_key(w, "sha256");
		mlmd_json_string(w, v->sha256);
		mlmd_json_key(w, "context_id");
		mlmd_json_int(w, v->context_id);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "aliases");
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < m->n_aliases; i++) {
		mlmd_json_key(w, m->aliases[i].alias);
		mlmd_json_int(w, m->aliases[i].version);
	}
	mlmd_json_object_end(w);
	mlmd_json_key(w, "policies");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < m->n_policies; i++) {
		const mlmd_alias_policy *p = &m->policies[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "alias");
		mlmd_json_string(w, p->alias);
		mlmd_json_key(w, "approvals");
		mlmd_json_int(w, p->approvals);
		mlmd_json_key(w, "require");
		reg_tags_json(w, p->require, p->n_require);
		mlmd_json_key(w, "actor");
		mlmd_json_string(w, p->actor);
		mlmd_json_key(w, "time_ms");
		mlmd_json_int(w, p->time_ms);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_key(w, "open_requests");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < m->n_open_requests; i++)
		reg_request_json(w, &m->open_requests[i]);
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
}

/* "prod -> 3, champion -> -" */
static const char *moves_text(char *buf, size_t size, const mlmd_alias_request *r)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_moves && k < size; i++) {
		char v[32];
		snprintf(v, sizeof v, r->moves[i].version ? "%lld" : "-", (long long)r->moves[i].version);
		k += (size_t)snprintf(buf + k, size - k, "%s%s -> %s", i ? ", " : "", r->moves[i].alias, v);
	}
	return buf;
}

static int show_text(const mlmd_registered_model *m)
{
	char buf[1024], t1[64];
	printf("model %s  (context %lld)\n", m->name, (long long)m->context_id);
	if (m->description[0])
		printf("  %-12s %s\n", "description", m->description);
	printf("  %-12s %s\n", "created", cli_time_iso(t1, sizeof t1, m->create_time_ms));
	printf("  %-12s %s\n", "latest", m->latest_version ? num(t1, sizeof t1, m->latest_version) : "-");
	for (size_t i = 0; i < m->n_tags; i++)
		printf("  tag.%-8s %s\n", m->tags[i].key, m->tags[i].value);
	if (m->n_versions) {
		trk_table t;
		if (trk_table_init(&t, m->n_versions + 1, 7))
			return cli_failed("out of memory");
		static const char *const head[] = { "VERSION", "ARTIFACT", "RUN", "CREATED", "CREATOR", "ALIASES", "TAGS" };
		trk_table_head(&t, head, 7);
		for (size_t i = 0; i < m->n_versions; i++) {
			const mlmd_registry_version *v = &m->versions[i];
			trk_table_set(&t, i + 1, 0, num(t1, sizeof t1, v->version));
			trk_table_set(&t, i + 1, 1, num(t1, sizeof t1, v->artifact_id));
			trk_table_set(&t, i + 1, 2, v->run_id ? num(t1, sizeof t1, v->run_id) : NULL);
			trk_table_set(&t, i + 1, 3, cli_time_iso(t1, sizeof t1, v->create_time_ms));
			trk_table_set(&t, i + 1, 4, v->creator);
			trk_table_set(&t, i + 1, 5, join_text(buf, sizeof buf, v->aliases, v->n_aliases));
			trk_table_set(&t, i + 1, 6, v->n_tags ? tags_text(buf, sizeof buf, v->tags, v->n_tags) : NULL);
		}
		puts("versions:");
		int rc = trk_table_done(&t);
		if (rc)
			return rc;
	}
	if (m->n_aliases)
		puts("aliases:");
	for (size_t i = 0; i < m->n_aliases; i++)
		printf("  %-12s %lld\n", m->aliases[i].alias, (long long)m->aliases[i].version);
	if (m->n_policies)
		puts("policies:");
	for (size_t i = 0; i < m->n_policies; i++) {
		const mlmd_alias_policy *p = &m->policies[i];
		printf("  %-12s %lld approval%s", p->alias, (long long)p->approvals, p->approvals == 1 ? "" : "s");
		if (p->n_require)
			printf(", require %s", tags_text(buf, sizeof buf, p->require, p->n_require));
		printf("  (set by %s, %s)\n", p->actor, cli_time_iso(t1, sizeof t1, p->time_ms));
	}
	if (m->n_open_requests)
		puts("open requests:");
	for (size_t i = 0; i < m->n_open_requests; i++) {
		const mlmd_alias_request *r = &m->open_requests[i];
		printf("  #%-6lld %s  by %s, %lld of %lld approvals%s%s\n", (long long)r->request_id,
			moves_text(buf, sizeof buf, r), r->requester, (long long)r->approvals_count,
			(long long)r->approvals_needed, r->comment[0] ? ": " : "", r->comment);
	}
	return 0;
}

int reg_show(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: the model with \"versions\", \"aliases\", \"policies\" "
			"and \"open_requests\"", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry show", "NAME", 1, 1,
		"Shows model NAME: its versions (artifact, run, creator, aliases, tags), current aliases, policies\n"
		"and open (pending) requests.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_registered_model *m = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_registry_get_model(&m, s, args[0])) {
		rc = reg_failed(cmd.name);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			show_json(w, m);
			rc = cli_json_done(w);
		}
	} else {
		rc = show_text(m);
	}
	mlmd_registered_model_free(m);
	mlmd_store_free(s);
	return rc;
}

/* ---- registry requests --------------------------------------------------------------------------------- */

int reg_requests(int argc, char **argv)
{
	bool json = false, all = false;
	const cli_opt opts[] = {
		CLI_FLAG("--all", "every request, decided ones too (default: the pending ones)", &all),
		CLI_FLAG("--json", "one JSON object on stdout: {\"requests\": [...]}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry requests", "[NAME]", 0, 1,
		"Lists the pending requests (of model NAME, or every model) by id: moves, requester, approvals so far\n"
		"and needed, comment. --all lists decided ones too, with their status.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_alias_request_list *l = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_registry_requests(&l, s, nargs ? args[0] : NULL, 0, !all)) {
		rc = reg_failed(cmd.name);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "requests");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < l->n; i++)
				reg_request_json(w, &l->requests[i]);
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else if (l->n) {
		trk_table t;
		if (trk_table_init(&t, l->n + 1, 8))
			rc = cli_failed("out of memory");
		else {
			static const char *const head[] = { "REQUEST", "MODEL", "MOVES", "STATUS", "REQUESTER", "APPROVALS",
				"CREATED", "COMMENT" };
			char buf[1024];
			trk_table_head(&t, head, 8);
			for (size_t i = 0; i < l->n; i++) {
				const mlmd_alias_request *r = &l->requests[i];
				trk_table_set(&t, i + 1, 0, num(buf, sizeof buf, r->request_id));
				trk_table_set(&t, i + 1, 1, r->model_name);
				trk_table_set(&t, i + 1, 2, moves_text(buf, sizeof buf, r));
				trk_table_set(&t, i + 1, 3, mlmd_request_status_name(r->status));
				trk_table_set(&t, i + 1, 4, r->requester);
				snprintf(buf, sizeof buf, "%lld/%lld", (long long)r->approvals_count,
					(long long)r->approvals_needed);
				trk_table_set(&t, i + 1, 5, buf);
				trk_table_set(&t, i + 1, 6, cli_time_iso(buf, sizeof buf, r->create_time_ms));
				trk_table_set(&t, i + 1, 7, r->comment[0] ? r->comment : NULL);
			}
			rc = trk_table_done(&t);
		}
	}
	mlmd_alias_request_list_free(l);
	mlmd_store_free(s);
	return rc;
}

/* ---- registry history ---------------------------------------------------------------------------------- */

int reg_history(int argc, char **argv)
{
	const char *alias = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--alias", "ALIAS", "only the moves of this alias", &alias),
		CLI_FLAG("--json", "one JSON object on stdout: {\"name\", \"entries\": [{\"alias\", \"old_version\", "
			"\"new_version\", \"time_ms\", \"actor\", \"request_id\", \"approvers\"}]}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry history", "NAME", 1, 1,
		"Every move of the aliases of model NAME, oldest first: when, which alias, from which version to\n"
		"which (- where there was none), who moved it, the request and its approvers. Moves are never\n"
		"forgotten; 'mlmd registry resolve NAME@ALIAS --as-of TIME' reads an alias at a past time.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s = NULL;
	mlmd_alias_history *h = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	if (mlmd_registry_history(&h, s, args[0], alias)) {
		rc = reg_failed(cmd.name);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "name");
			mlmd_json_string(w, args[0]);
			mlmd_json_key(w, "entries");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < h->n; i++) {
				const mlmd_alias_history_entry *e = &h->entries[i];
				mlmd_json_object_begin(w);
				reg_move_json_fields(w, e);
				mlmd_json_key(w, "request_id");
				reg_version_json(w, e->request_id);
				mlmd_json_key(w, "approvers");
				mlmd_json_array_begin(w);
				for (size_t j = 0; j < e->n_approvers; j++)
					mlmd_json_string(w, e->approvers[j]);
				mlmd_json_array_end(w);
				mlmd_json_object_end(w);
			}
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else if (h->n) {
		trk_table t;
		if (trk_table_init(&t, h->n + 1, 7))
			rc = cli_failed("out of memory");
		else {
			static const char *const head[] = { "TIME", "ALIAS", "FROM", "TO", "ACTOR", "REQUEST", "APPROVERS" };
			char buf[1024];
			trk_table_head(&t, head, 7);
			for (size_t i = 0; i < h->n; i++) {
				const mlmd_alias_history_entry *e = &h->entries[i];
				trk_table_set(&t, i + 1, 0, cli_time_iso(buf, sizeof buf, e->time_ms));
				trk_table_set(&t, i + 1, 1, e->alias);
				trk_table_set(&t, i + 1, 2, e->old_version ? num(buf, sizeof buf, e->old_version) : NULL);
				trk_table_set(&t, i + 1, 3, e->new_version ? num(buf, sizeof buf, e->new_version) : NULL);
				trk_table_set(&t, i + 1, 4, e->actor);
				trk_table_set(&t, i + 1, 5, e->request_id ? num(buf, sizeof buf, e->request_id) : NULL);
				trk_table_set(&t, i + 1, 6, join_text(buf, sizeof buf, e->approvers, e->n_approvers));
			}
			rc = trk_table_done(&t);
		}
	}
	mlmd_alias_history_free(h);
	mlmd_store_free(s);
	return rc;
}

/* ---- registry resolve ------------------------------------------------------------------------------------ */

/* Splits NAME@ALIAS or NAME/VERSION (argv's word, split in place). 0, or
 * EXIT_USAGE after saying why. */
static int split_ref(const char *cmd, char *ref, char **name, char **alias, int64_t *version)
{
	char *at = strchr(ref, '@'), *slash = strrchr(ref, '/');
	*alias = NULL;
	*version = 0;
	if (at && at != ref && at[1]) {
		*at = '\0';
		*name = ref;
		*alias = at + 1;
		return 0;
	}
	if (!at && slash && slash != ref && slash[1]) {
		int rc = reg_number(cmd, "version", slash + 1, version);
		if (rc)
			return rc;
		*slash = '\0';
		*name = ref;
		return 0;
	}
	return cli_usage("%s: '%s' is not a model reference: expected NAME@ALIAS or NAME/VERSION", cmd, ref);
}

int reg_resolve(int argc, char **argv)
{
	const char *as_of = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--as-of", "TIME", "the alias as it was then: ISO 8601 (2026-12-03T10:00:00Z, a date alone is "
			"midnight UTC) or ms since the epoch", &as_of),
		CLI_FLAG("--json", "one JSON object on stdout: {\"name\", \"version\", \"artifact_id\", \"alias\", "
			"\"run_id\", \"uri\", \"sha256\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "registry resolve", "NAME@ALIAS|NAME/VERSION", 1, 1,
		"Resolves a model reference to its version and model artifact: NAME@ALIAS (NAME@latest: the highest\n"
		"version) or NAME/VERSION. With --as-of, the alias as it was at that time (the last move at or\n"
		"before it); exit 1 when it named no version then.",
		true, opts };
	char *args[1], *name = NULL, *alias = NULL;
	int64_t version, as_of_ms = 0;
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc || (rc = split_ref(cmd.name, args[0], &name, &alias, &version)))
		return rc < 0 ? 0 : rc;
	if (as_of) {
		char err[256];
		if (cli_time_parse(as_of, &as_of_ms, err, sizeof err))
			return cli_usage("%s: --as-of %s", cmd.name, err);
		if (as_of_ms < 1)
			return cli_usage("%s: --as-of %s is not after the epoch (1970-01-01T00:00:00Z)", cmd.name, as_of);
	}
	mlmd_store *s = NULL;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	rq.model_name = name;
	rq.alias = alias;
	rq.has_version = version != 0;
	rq.version = version;
	rq.has_as_of_ms = as_of_ms != 0;
	rq.as_of_ms = as_of_ms;
	Mlmd__Pb__Governance__ResolveModelResponse *rs = NULL;
	if (trk_call(s, "ResolveModel", &rq, &mlmd__pb__governance__resolve_model_response__descriptor, (void **)&rs)) {
		rc = reg_failed(cmd.name);
	} else {
		const Mlmd__Pb__Governance__ModelVersion *v = rs->version;
		const Mlmd__Pb__Artifact *a = v ? v->artifact : NULL;
		const Mlmd__Pb__Value *d = a ? mlmd_node_get(a, 0, "digest") : NULL;
		if (!d && a)
			d = mlmd_node_get(a, 1, "digest");
		const char *sha = d && d->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && d->string_value ?
			d->string_value : NULL;
		if (sha && !strncmp(sha, "sha256:", 7))
			sha += 7;
		if (!sha && a && (d = mlmd_node_get(a, 1, "mlmd.sha256")) &&
		    d->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
			sha = d->string_value;
		const char *uri = a && a->uri ? a->uri : "";
		if (!v) {
			rc = cli_failed("%s: the store's answer has no version", cmd.name);
		} else if (json) {
			mlmd_json_writer *w = cli_json_stdout();
			if (!w)
				rc = EXIT_FAILED;
			else {
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "name");
				mlmd_json_string(w, v->model_name ? v->model_name : name);
				mlmd_json_key(w, "version");
				mlmd_json_int(w, v->version);
				mlmd_json_key(w, "artifact_id");
				mlmd_json_int(w, v->artifact_id);
				mlmd_json_key(w, "alias");
				mlmd_json_string(w, rs->alias);
				mlmd_json_key(w, "run_id");
				reg_version_json(w, v->run_id);
				mlmd_json_key(w, "uri");
				mlmd_json_string(w, uri);
				mlmd_json_key(w, "sha256");
				mlmd_json_string(w, sha ? sha : "");
				mlmd_json_object_end(w);
				rc = cli_json_done(w);
			}
		} else {
			printf("%s/%lld\n", v->model_name ? v->model_name : name, (long long)v->version);
			if (rs->alias)
				printf("  %-10s %s\n", "alias", rs->alias);
			printf("  %-10s %lld\n", "artifact", (long long)v->artifact_id);
			if (uri[0])
				printf("  %-10s %s\n", "uri", uri);
			if (sha && sha[0])
				printf("  %-10s %s\n", "sha256", sha);
			if (v->run_id)
				printf("  %-10s %lld\n", "run", (long long)v->run_id);
		}
	}
	mlmd_message_free(rs);
	mlmd_store_free(s);
	return rc;
}

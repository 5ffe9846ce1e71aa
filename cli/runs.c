/*
 * cli/runs.c - runs ls, runs show and runs diff: the runs of experiment
 * tracking, read through the mlmd.tracking RPCs SearchRuns and GetRun
 * (tracking.c calls them). docs/cli.md, docs/tracking.md.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "tracking.h"

/* ---- runs ls ---------------------------------------------------------------------------------- */

/* The runs a search returned, page after page. */
typedef struct {
	Mlmd__Pb__Tracking__SearchRunsResponse **pages;
	size_t npages;
	const Run **runs;       /* borrowed from pages */
	size_t n;
} run_list;

static void run_list_free(run_list *l)
{
	for (size_t i = 0; i < l->npages; i++)
		mlmd_message_free(l->pages[i]);
	free(l->pages);
	free(l->runs);
}


/* Up to `limit` runs (all when limit < 0) of SearchRuns; *more when there are others. */
static int search(mlmd_store *s, Mlmd__Pb__Tracking__SearchRunsRequest *rq, int64_t limit, run_list *l, bool *more)
{
	char *token = NULL;
	int rc = 0;
	*more = false;
	for (;;) {
		int64_t left = limit < 0 ? INT64_MAX : limit - (int64_t)l->n;
		rq->has_max_results = 1;
		rq->max_results = (int32_t)(left >= 1000 ? 1000 : left + 1); /* one past the limit says "more" */
		rq->page_token = token;
		Mlmd__Pb__Tracking__SearchRunsResponse *rs;
		rc = trk_call(s, "SearchRuns", rq, &mlmd__pb__tracking__search_runs_response__descriptor, (void **)&rs);
		free(token);
		token = NULL;
		rq->page_token = NULL;
		if (rc)
			break;
		void *p = realloc(l->pages, (l->npages + 1) * sizeof *l->pages);
		const Run **r = realloc(l->runs, (l->n + rs->n_runs + 1) * sizeof *l->runs);
		if (p)
			l->pages = p;
		if (r)
			l->runs = r;
		if (!p || !r) {
			mlmd_message_free(rs);
			return -MLMD_RESOURCE_EXHAUSTED;
		}
		l->pages[l->npages++] = rs;
		for (size_t i = 0; i < rs->n_runs; i++) {
			if (limit >= 0 && (int64_t)l->n == limit) {
				*more = true;
				break;
			}
			l->runs[l->n++] = rs->runs[i];
		}
		if (*more || !rs->next_page_token || !rs->next_page_token[0])
			break;
		if (!(token = strdup(rs->next_page_token)))
			return -MLMD_RESOURCE_EXHAUSTED;
	}
	return rc;
}

static int runs_ls(int argc, char **argv)
{
	const char *experiment = NULL, *filter = NULL, *order = NULL;
	int64_t limit = 100;
	bool all = false, json = false;
	const cli_opt opts[] = {
		CLI_STR("--experiment", "NAME", "only the runs of this experiment", &experiment),
		CLI_STR("--filter", "QUERY", "MLflow's search syntax: metrics.loss < 0.2 and params.lr = '0.1' and ...",
			&filter),
		CLI_STR("--order-by", "SPEC", "e.g. 'metrics.loss ASC' (several comma-separated; default newest first)",
			&order),
		CLI_INT("--limit", "N", "print at most N runs (default 100; a notice on stderr says when more match)",
			&limit, 1, INT32_MAX - 1),
		CLI_FLAG("--all", "print every run that matches", &all),
		CLI_FLAG("--json", "one JSON array of runs on stdout (times in ms since the epoch)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "runs ls", NULL, 0, 0,
		"Lists runs, newest first: id, name, status, experiment, start time, then one column per parameter\n"
		"(params.KEY) and per metric's latest value (metrics.KEY). --filter and --order-by take MLflow's\n"
		"search syntax (docs/tracking.md); a value not set in a run prints as -.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	char *exp_names[1] = { (char *)experiment }, *order_copy = order ? strdup(order) : NULL, *orders[32];
	if (experiment) {
		rq.n_experiment_names = 1;
		rq.experiment_names = exp_names;
	}
	rq.filter = (char *)filter;
	if (order_copy) {
		rq.n_order_by = trk_split_commas(order_copy, orders, 32);
		rq.order_by = orders;
	}
	run_list l = { 0 };
	bool more = false;
	if (order && !order_copy)
		rc = cli_failed("out of memory");
	else if (search(s, &rq, all ? -1 : limit, &l, &more))
		rc = cli_failed("runs ls: %s", mlmd_error_message());
	if (rc) {
		/* nothing printed */
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < l.n; i++)
				trk_run_json(w, l.runs[i], false);
			mlmd_json_array_end(w);
			rc = cli_json_done(w);
		}
	} else if (l.n) {
		trk_strset pk = { 0 }, mk = { 0 };
		for (size_t i = 0; i < l.n; i++) {
			for (size_t j = 0; j < l.runs[i]->n_params; j++)
				rc |= trk_strset_add(&pk, l.runs[i]->params[j]->key);
			for (size_t j = 0; j < l.runs[i]->n_metrics; j++)
				rc |= trk_strset_add(&mk, l.runs[i]->metrics[j]->key);
		}
		trk_strset_sort(&pk);
		trk_strset_sort(&mk);
		trk_table t;
		if (rc || trk_table_init(&t, l.n + 1, 5 + pk.n + mk.n)) {
			rc = cli_failed("out of memory");
		} else {
			static const char *const head[] = { "RUN", "NAME", "STATUS", "EXPERIMENT", "START" };
			char buf[512];
			trk_table_head(&t, head, 5);
			for (size_t c = 0; c < pk.n; c++) {
				snprintf(buf, sizeof buf, "params.%s", pk.s[c]);
				trk_table_set(&t, 0, 5 + c, buf);
			}
			for (size_t c = 0; c < mk.n; c++) {
				snprintf(buf, sizeof buf, "metrics.%s", mk.s[c]);
				trk_table_set(&t, 0, 5 + pk.n + c, buf);
			}
			for (size_t i = 0; i < l.n; i++) {
				const Run *r = l.runs[i];
				snprintf(buf, sizeof buf, "%lld", (long long)r->run_id);
				trk_table_set(&t, i + 1, 0, buf);
				trk_table_set(&t, i + 1, 1, r->run_name);
				trk_table_set(&t, i + 1, 2, trk_status(r));
				trk_table_set(&t, i + 1, 3, r->experiment_name);
				trk_table_set(&t, i + 1, 4, cli_time_iso(buf, sizeof buf, r->start_time));
				for (size_t c = 0; c < pk.n; c++) {
					const Mlmd__Pb__Tracking__Param *p = trk_param(r, pk.s[c]);
					if (p)
						trk_table_set(&t, i + 1, 5 + c, trk_ptext(buf, sizeof buf, p->value));
				}
				for (size_t c = 0; c < mk.n; c++) {
					const Mlmd__Pb__Tracking__MetricPoint *m = trk_metric(r, mk.s[c]);
					if (m)
						trk_table_set(&t, i + 1, 5 + pk.n + c, trk_dtext(buf, sizeof buf, m->value));
				}
			}
			rc = trk_table_done(&t);
		}
		free(pk.s);
		free(mk.s);
	}
	if (!rc && more)
		fprintf(stderr, "mlmd: showing the first %zu runs; more match (--limit N for more, --all for every one)\n",
			l.n);
	run_list_free(&l);
	free(order_copy);
	mlmd_store_free(s);
	return rc;
}

/* ---- runs show ------------------------------------------------------------------------------------ */

static void show_files(const char *what, Mlmd__Pb__Artifact **a, size_t n)
{
	if (!n)
		return;
	printf("%s:\n", what);
	for (size_t i = 0; i < n; i++) {
		const Mlmd__Pb__Value *sha = mlmd_node_get(a[i], 1, "mlmd.sha256");
		const Mlmd__Pb__Value *size = mlmd_node_get(a[i], 1, "mlmd.size");
		printf("  %lld  %s", (long long)a[i]->id, a[i]->uri ? a[i]->uri : "");
		if (sha && sha->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
			printf("  sha256:%s", sha->string_value);
		if (size && size->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
			printf("  %lld bytes", (long long)size->int_value);
		putchar('\n');
	}
}

static void show_text(const Run *r)
{
	char buf[64], num[64];
	printf("run %lld  %s\n", (long long)r->run_id, r->run_name ? r->run_name : "");
	printf("  %-12s %s\n", "type", r->run_type ? r->run_type : "");
	printf("  %-12s %s (context %lld)\n", "experiment", r->experiment_name ? r->experiment_name : "",
		(long long)r->experiment_id);
	printf("  %-12s %s\n", "status", trk_status(r));
	printf("  %-12s %s\n", "start", cli_time_iso(buf, sizeof buf, r->start_time));
	if (r->has_end_time)
		printf("  %-12s %s\n", "end", cli_time_iso(buf, sizeof buf, r->end_time));
	if (r->fingerprint && r->fingerprint[0])
		printf("  %-12s %s\n", "fingerprint", r->fingerprint);
	size_t w = 12;
	for (size_t i = 0; i < r->n_params; i++)
		w = r->params[i]->key && strlen(r->params[i]->key) > w ? strlen(r->params[i]->key) : w;
	for (size_t i = 0; i < r->n_tags; i++)
		w = r->tags[i]->key && strlen(r->tags[i]->key) > w ? strlen(r->tags[i]->key) : w;
	for (size_t i = 0; i < r->n_metrics; i++)
		w = r->metrics[i]->key && strlen(r->metrics[i]->key) > w ? strlen(r->metrics[i]->key) : w;
	if (w > 40)
		w = 40;
	if (r->n_params)
		puts("params:");
	for (size_t i = 0; i < r->n_params; i++)
		printf("  %-*s %s\n", (int)w, r->params[i]->key ? r->params[i]->key : "",
			trk_ptext(num, sizeof num, r->params[i]->value));
	if (r->n_tags)
		puts("tags:");
	for (size_t i = 0; i < r->n_tags; i++)
		printf("  %-*s %s\n", (int)w, r->tags[i]->key ? r->tags[i]->key : "", r->tags[i]->value ? r->tags[i]->value : "");
	if (r->n_metrics)
		puts("metrics (latest):");
	for (size_t i = 0; i < r->n_metrics; i++) {
		const Mlmd__Pb__Tracking__MetricPoint *m = r->metrics[i];
		printf("  %-*s %s  (step %lld, %s)\n", (int)w, m->key ? m->key : "", trk_dtext(num, sizeof num, m->value),
			(long long)m->step, cli_time_iso(buf, sizeof buf, m->timestamp));
	}
	show_files("inputs", r->inputs, r->n_inputs);
	show_files("outputs", r->outputs, r->n_outputs);
	const Mlmd__Pb__Tracking__Capture *c = r->capture;
	if (!c)
		return;
	puts("capture:");
	if (c->n_argv) {
		mlmd_json_writer *jw;
		if (!mlmd_json_writer_new(&jw, NULL)) {
			mlmd_json_array_begin(jw);
			for (size_t i = 0; i < c->n_argv; i++)
				mlmd_json_string(jw, c->argv[i]);
			mlmd_json_array_end(jw);
			const char *text = mlmd_json_writer_text(jw, NULL);
			printf("  %-16s %s\n", "argv", text ? text : "?");
			mlmd_json_writer_free(jw);
		}
	}
	const char *names[] = { "cwd", "host", "user", "git_commit", "git_branch", "python_version", "library_version" };
	const char *vals[] = { c->cwd, c->host, c->user, c->git_commit, c->git_branch, c->python_version,
		c->library_version };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (vals[i] && vals[i][0])
			printf("  %-16s %s\n", names[i], vals[i]);
	if (c->has_git_dirty)
		printf("  %-16s %s\n", "git_dirty", c->git_dirty ? "yes" : "no");
	if (c->has_seed)
		printf("  %-16s %lld\n", "seed", (long long)c->seed);
	for (size_t i = 0; i < c->n_env; i++)
		printf("  env.%-12s %s\n", c->env[i]->key ? c->env[i]->key : "", c->env[i]->value ? c->env[i]->value : "");
	for (size_t i = 0; i < c->n_packages; i++)
		printf("  package.%-8s %s\n", c->packages[i]->key ? c->packages[i]->key : "",
			c->packages[i]->value ? c->packages[i]->value : "");
}

static int runs_show(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout (times in ms since the epoch; NaN and inf as null)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "runs show", "RUN", 1, 1,
		"Shows one run (RUN is its id, the execution id): type, experiment, status, times, parameters, tags,\n"
		"the latest value of each metric, inputs and outputs with their digests, and what was captured\n"
		"at its start (command line, directory, host, git commit, ...).",
		true, opts };
	char *args[1];
	int64_t id;
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = trk_run_id("runs show", args[0], &id)))
		return rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	Mlmd__Pb__Tracking__GetRunResponse *rs;
	if ((rc = trk_get_run(s, id, &rs))) {
		mlmd_store_free(s);
		return rc;
	}
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			trk_run_json(w, rs->run, true);
			rc = cli_json_done(w);
		}
	} else {
		show_text(rs->run);
	}
	mlmd_message_free(rs);
	mlmd_store_free(s);
	return rc;
}

/* ---- runs diff ------------------------------------------------------------------------------------- */

/* Whether two parameter values are the same (kind and value). */
static bool same_param(const Mlmd__Pb__Tracking__Param *a, const Mlmd__Pb__Tracking__Param *b)
{
	if (!a || !b)
		return !a && !b;
	const Mlmd__Pb__Value *x = a->value, *y = b->value;
	if (!x || !y)
		return !x && !y;
	if (x->value_case != y->value_case)
		return false;
	switch (x->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: return x->int_value == y->int_value;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE:
		return x->double_value == y->double_value || (isnan(x->double_value) && isnan(y->double_value));
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: return !strcmp(x->string_value ? x->string_value : "",
		y->string_value ? y->string_value : "");
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: return x->bool_value == y->bool_value;
	default: return true;
	}
}

static bool same_metric(const Mlmd__Pb__Tracking__MetricPoint *a, const Mlmd__Pb__Tracking__MetricPoint *b)
{
	if (!a || !b)
		return !a && !b;
	return a->value == b->value || (isnan(a->value) && isnan(b->value));
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* One section of the diff ("params", "tags", "metrics"): its keys in both runs, sorted. */
static int diff_keys(const Run *a, const Run *b, int section, trk_strset *k)
{
	for (int i = 0; i < 2; i++) {
		const Run *r = i ? b : a;
		size_t n = section == 0 ? r->n_params : section == 1 ? r->n_tags : r->n_metrics;
		for (size_t j = 0; j < n; j++)
			if (trk_strset_add(k, section == 0 ? r->params[j]->key : section == 1 ? r->tags[j]->key :
				r->metrics[j]->key))
				return -1;
	}
	trk_strset_sort(k);
	return 0;
}

static int runs_diff(int argc, char **argv)
{
	bool json = false, only = false;
	const cli_opt opts[] = {
		CLI_FLAG("--only-differences", "leave out the rows where both runs agree", &only),
		CLI_FLAG("--json", "one JSON object on stdout: the run ids, then each row's key, two values and "
			"\"differ\"", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "runs diff", "RUN RUN", 2, 2,
		"Compares two runs side by side: name, type, experiment and status, then every parameter, tag and\n"
		"latest metric value either run has (- where a run has none). Rows that differ are marked with *.\n"
		"Exit status 0 whether or not they differ.",
		true, opts };
	char *args[2];
	int64_t id[2];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = trk_run_id("runs diff", args[0], &id[0])) || (rc = trk_run_id("runs diff", args[1], &id[1])))
		return rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	Mlmd__Pb__Tracking__GetRunResponse *rs[2] = { NULL, NULL };
	if ((rc = trk_get_run(s, id[0], &rs[0])) || (rc = trk_get_run(s, id[1], &rs[1]))) {
		mlmd_message_free(rs[0]);
		mlmd_store_free(s);
		return rc;
	}
	const Run *a = rs[0]->run, *b = rs[1]->run;
	trk_strset keys[3] = { { 0 } };
	trk_table t = { 0 };
	mlmd_json_writer *w = NULL;
	static const char *const section[] = { "params", "tags", "metrics" };
	size_t rows = 5;
	for (int sec = 0; sec < 3 && !rc; sec++) {
		if (diff_keys(a, b, sec, &keys[sec]))
			rc = cli_failed("out of memory");
		rows += keys[sec].n;
	}
	if (!rc && json && !(w = cli_json_stdout()))
		rc = EXIT_FAILED;
	if (!rc && !json && trk_table_init(&t, rows, 4))
		rc = cli_failed("out of memory");
	if (!rc) {
		size_t row = 0;
		char ba[512], bb[512], key[512];
		if (w) {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "run_ids");
			mlmd_json_array_begin(w);
			mlmd_json_int(w, a->run_id);
			mlmd_json_int(w, b->run_id);
			mlmd_json_array_end(w);
			mlmd_json_key(w, "rows");
			mlmd_json_array_begin(w);
		} else {
			snprintf(ba, sizeof ba, "%lld", (long long)a->run_id);
			snprintf(bb, sizeof bb, "%lld", (long long)b->run_id);
			trk_table_set(&t, row, 0, "");
			trk_table_set(&t, row, 1, "");
			trk_table_set(&t, row, 2, ba);
			trk_table_set(&t, row++, 3, bb);
		}
		/* the run's own fields, then each section's keys */
		const char *fields[] = { "run_name", "run_type", "experiment", "status" };
		const char *fa[] = { a->run_name, a->run_type, a->experiment_name, trk_status(a) };
		const char *fb[] = { b->run_name, b->run_type, b->experiment_name, trk_status(b) };
		for (int sec = -1; sec < 3; sec++) {
			size_t n = sec < 0 ? 4 : keys[sec].n;
			for (size_t i = 0; i < n; i++) {
				const char *k = sec < 0 ? fields[i] : keys[sec].s[i];
				const Mlmd__Pb__Tracking__Param *pa = NULL, *pb = NULL;
				const Mlmd__Pb__Tracking__MetricPoint *ma = NULL, *mb = NULL;
				const char *va = NULL, *vb = NULL;
				bool same;
				if (sec < 0) {
					va = fa[i], vb = fb[i];
					same = same_str(va, vb);
				} else if (sec == 0) {
					pa = trk_param(a, k), pb = trk_param(b, k);
					va = pa ? trk_ptext(ba, sizeof ba, pa->value) : NULL;
					vb = pb ? trk_ptext(bb, sizeof bb, pb->value) : NULL;
					same = same_param(pa, pb);
				} else if (sec == 1) {
					va = trk_tag(a, k), vb = trk_tag(b, k);
					same = same_str(va, vb);
				} else {
					ma = trk_metric(a, k), mb = trk_metric(b, k);
					va = ma ? trk_dtext(ba, sizeof ba, ma->value) : NULL;
					vb = mb ? trk_dtext(bb, sizeof bb, mb->value) : NULL;
					same = same_metric(ma, mb);
				}
				if (only && same)
					continue;
				snprintf(key, sizeof key, "%s%s%s", sec < 0 ? "" : section[sec], sec < 0 ? "" : ".", k);
				if (w) {
					mlmd_json_object_begin(w);
					mlmd_json_key(w, "key");
					mlmd_json_string(w, key);
					mlmd_json_key(w, "values");
					mlmd_json_array_begin(w);
					for (int j = 0; j < 2; j++) {
						const Mlmd__Pb__Tracking__Param *p = j ? pb : pa;
						const Mlmd__Pb__Tracking__MetricPoint *m = j ? mb : ma;
						if (sec == 0)
							trk_pjson(w, p ? p->value : NULL);
						else if (sec == 2 && m)
							mlmd_json_double(w, m->value, 0);
						else if (sec == 2)
							mlmd_json_null(w);
						else
							mlmd_json_string(w, j ? vb : va);
					}
					mlmd_json_array_end(w);
					mlmd_json_key(w, "differ");
					mlmd_json_bool(w, !same);
					mlmd_json_object_end(w);
				} else {
					trk_table_set(&t, row, 0, same ? "" : "*");
					trk_table_set(&t, row, 1, key);
					trk_table_set(&t, row, 2, va);
					trk_table_set(&t, row++, 3, vb);
				}
			}
		}
		if (w) {
			mlmd_json_array_end(w);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		} else if (t.oom) {
			rc = cli_failed("out of memory");
		} else {
			t.rows = row;
			trk_table_print(&t);
		}
	}
	if (!json)
		trk_table_free(&t);
	for (int sec = 0; sec < 3; sec++)
		free(keys[sec].s);
	mlmd_message_free(rs[0]);
	mlmd_message_free(rs[1]);
	mlmd_store_free(s);
	return rc;
}

/* ---- runs (the group) -------------------------------------------------------------------------------- */

int cmd_runs(int argc, char **argv)
{
	static const cli_sub subs[] = { { "ls", runs_ls }, { "show", runs_show }, { "diff", runs_diff } };
	return cli_dispatch("runs", subs, 3, argc, argv,
		"usage: mlmd [--store URI] runs ls|show|diff ...\n\n"
		"The runs of experiment tracking (docs/tracking.md):\n"
		"  runs ls [--experiment NAME] [--filter QUERY] [--order-by SPEC] [--limit N] [--all] [--json]\n"
		"      the runs, newest first, with their parameters and latest metrics as columns\n"
		"  runs show RUN [--json]\n"
		"      one run (RUN is its id, the execution id)\n"
		"  runs diff RUN RUN [--only-differences] [--json]\n"
		"      two runs side by side, differences marked *\n\n"
		"Run 'mlmd runs ls --help' (show, diff) for the options. Exit status: 0 success, 1 failure, 2 bad usage.",
		"say what to do: runs ls, runs show RUN or runs diff RUN RUN",
		"runs ls, runs show or runs diff");
}

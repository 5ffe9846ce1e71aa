/*
 * cli/drift_store.c - mlmd drift --store URI --execution ID [--json] [--all]:
 * a serving execution's drift windows (docs/cli.md "cli-drift-store"), read
 * with GetDriftWindows (mlmd.governance.MonitoringService): the newest one,
 * or every one with --all, oldest first. cmd_drift (cli/drift.c) hands its
 * arguments here when --store is given.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd_governance.pb-c.h"
#include "cli.h"

static void drift_store_help(void)
{
	printf("usage: mlmd drift --store URI --execution ID [--json] [--all]\n\n"
		"Prints the drift windows a scorer recorded on its serving execution ID (`mlmd score --store ...`\n"
		"with a model that has a reference profile, `mlmd profile`): the newest window, or all of them\n"
		"(oldest first) with --all. Per window: its rows and times, whether it drifted, and per column\n"
		"the binned figures against the profile (PSI, JS distance, chi-squared p-value, the binned KS\n"
		"approximation) and the outputs' (docs/monitoring.md).\n"
		"  --json   {\"execution\": ID, \"windows\": [{\"artifact_id\", \"start_ms\", \"end_ms\", \"rows\", \"drifted\",\n"
		"           \"max_psi\", \"profile_artifact_id\", \"model_artifact_id\", \"columns\": [...],\n"
		"           \"outputs\": {...}}]}\n"
		"Exit 1 when ID is not a serving execution, or has no window because its model has no profile.\n");
}

/* The slices of the report's "columns" and "outputs" values (len 0 when absent). */
typedef struct slices {
	const char *columns, *outputs, *judged;
	size_t columns_len, outputs_len;
} slices;

static int report_slices(const char *rep, slices *sl)
{
	memset(sl, 0, sizeof *sl);
	mlmd_json_reader *r = NULL;
	int rc = mlmd_json_reader_new(&r, rep, strlen(rep), 16);
	if (rc)
		return rc;
	const char *t;
	if ((rc = mlmd_json_next(r, &t, NULL)) != MLMD_JSON_OBJECT) {
		mlmd_json_reader_free(r);
		return rc < 0 ? rc : -MLMD_INVALID_ARGUMENT;
	}
	while ((rc = mlmd_json_next(r, &t, NULL)) == MLMD_JSON_KEY) {
		int which = !strcmp(t, "columns") ? 1 : !strcmp(t, "outputs") ? 2 : !strcmp(t, "judged") ? 3 : 0;
		size_t a = mlmd_json_reader_offset(r);
		if ((rc = mlmd_json_skip(r)))
			break;
		size_t b = mlmd_json_reader_offset(r);
		while (a < b && (rep[a] == ':' || rep[a] == ' ' || rep[a] == '\t' || rep[a] == '\n' || rep[a] == '\r'))
			a++;
		if (which == 1)
			sl->columns = rep + a, sl->columns_len = b - a;
		else if (which == 2)
			sl->outputs = rep + a, sl->outputs_len = b - a;
		else if (which == 3)
			sl->judged = rep + a;
	}
	mlmd_json_reader_free(r);
	return rc < 0 ? rc : 0;
}

static void fig(const char *label, const char *text)
{
	printf(" %s %s", label, text);
}

/* One line per column (or the outputs) of the human summary: the figures read from the report. */
static int print_figures(const char *text, size_t len, bool outputs)
{
	mlmd_json_reader *r = NULL;
	int rc = mlmd_json_reader_new(&r, text, len, 16);
	if (rc)
		return rc;
	const char *t;
	int depth = 0, tok;
	char name[256] = "", kind[32] = "";
	bool in_item = false;
	while ((tok = mlmd_json_next(r, &t, NULL)) > 0) {
		if (tok == MLMD_JSON_OBJECT || tok == MLMD_JSON_ARRAY) {
			depth++;
			if (tok == MLMD_JSON_OBJECT && depth == (outputs ? 1 : 2)) {
				in_item = true;
				name[0] = kind[0] = 0;
			}
			continue;
		}
		if (tok == MLMD_JSON_OBJECT_END || tok == MLMD_JSON_ARRAY_END) {
			if (in_item && depth == (outputs ? 1 : 2) && tok == MLMD_JSON_OBJECT_END) {
				in_item = false;
				putchar('\n');
			}
			depth--;
			continue;
		}
		if (tok != MLMD_JSON_KEY || !in_item)
			continue;
		char key[32];
		snprintf(key, sizeof key, "%s", t);
		if (!strcmp(key, "counts") || !strcmp(key, "classes")) {
			if ((rc = mlmd_json_skip(r)))
				break;
			continue;
		}
		if ((tok = mlmd_json_next(r, &t, NULL)) < 0) {
			rc = tok;
			break;
		}
		const char *v = tok == MLMD_JSON_NULL ? "-" : tok == MLMD_JSON_TRUE ? "yes" : tok == MLMD_JSON_FALSE ? "no" : t;
		if (!strcmp(key, "name")) {
			snprintf(name, sizeof name, "%s", v);
		} else if (!strcmp(key, "kind")) {
			snprintf(kind, sizeof kind, "%s", v);
			printf("  %s %-16s %-11s", outputs ? "outputs" : "column ", name, kind);
		} else if (!strcmp(key, "n_current") || !strcmp(key, "missing_current") || !strcmp(key, "psi") ||
			!strcmp(key, "js") || !strcmp(key, "chi2_pvalue") || !strcmp(key, "ks") ||
			!strcmp(key, "ks_pvalue") || !strcmp(key, "drift")) {
			char buf[40];
			double x;
			if (tok == MLMD_JSON_NUMBER && strcmp(key, "n_current") && strcmp(key, "missing_current") &&
				!mlmd_double_parse(t, strlen(t), &x)) {
				mlmd_double_format(buf, sizeof buf, x, 4);
				v = buf;
			}
			fig(!strcmp(key, "n_current") ? "n" : !strcmp(key, "missing_current") ? "missing" :
				!strcmp(key, "chi2_pvalue") ? "chi2_p" : key, v);
		}
	}
	mlmd_json_reader_free(r);
	return rc < 0 ? rc : 0;
}

/* Why an execution has no window: its newest model's profile (exit 1 when it has none). */
static int no_windows(mlmd_store *s, int64_t exec, bool json)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *rs = NULL;
	rq.n_execution_ids = 1;
	rq.execution_ids = &exec;
	if (mlmd_store_get_events_by_execution_ids(s, &rq, &rs))
		return cli_failed("%s", mlmd_error_message());
	int64_t model = 0, at = -1;
	for (size_t i = 0; i < rs->n_events; i++)
		if (rs->events[i]->type == MLMD__PB__EVENT__TYPE__INPUT && rs->events[i]->milliseconds_since_epoch >= at)
			model = rs->events[i]->artifact_id, at = rs->events[i]->milliseconds_since_epoch;
	mlmd_message_free(rs);
	mlmd_profile *p = NULL;
	int rc = model ? mlmd_profile_get(&p, s, model, NULL, NULL) : -MLMD_NOT_FOUND;
	mlmd_profile_free(p);
	if (rc == -MLMD_NOT_FOUND && model)
		return cli_failed("serving execution %lld has no drift windows: model artifact %lld has no reference "
			"profile (record one with `mlmd profile`)", (long long)exec, (long long)model);
	if (rc)
		return cli_failed("serving execution %lld has no drift windows: %s", (long long)exec,
			model ? mlmd_error_message() : "it has served no model");
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			return EXIT_FAILED;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "execution");
		mlmd_json_int(w, exec);
		mlmd_json_key(w, "windows");
		mlmd_json_array_begin(w);
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
		return cli_json_done(w);
	}
	printf("serving execution %lld has no drift window yet (model artifact %lld has a reference profile; a "
		"window is recorded at a flush once it has enough rows, and at the scorer's close)\n", (long long)exec,
		(long long)model);
	return 0;
}

int cmd_drift_store(int argc, char **argv)
{
	const char *uri = cli_g.store;
	int64_t exec = 0;
	bool json = false, all = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			drift_store_help();
			return 0;
		} else if (!strcmp(a, "--store") && has_next) {
			uri = argv[++i];
		} else if (!strcmp(a, "--execution") && has_next) {
			char *end;
			exec = strtoll(argv[++i], &end, 10);
			if (*end || exec <= 0)
				return cli_usage("drift: --execution must be a positive execution id");
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--all")) {
			all = true;
		} else {
			return cli_usage("drift: unknown or incomplete option '%s' (with --store: --execution ID [--json] "
				"[--all])", a);
		}
	}
	if (!uri)
		uri = getenv("MLMD_STORE");
	if (!uri || !exec)
		return cli_usage("drift: --store URI and --execution ID are required");
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	mlmd_store *s = NULL;
	if (mlmd_store_open(&s, &so))
		return cli_failed("%s", mlmd_error_message());
	Mlmd__Pb__Governance__GetDriftWindowsRequest rq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	rq.has_serving_execution_id = rq.has_last = 1;
	rq.serving_execution_id = exec;
	rq.last = all ? 0 : 1;
	size_t n = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		mlmd_store_free(s);
		return cli_failed("out of memory");
	}
	protobuf_c_message_pack(&rq.base, buf);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s, "GetDriftWindows", buf, n, &out, &out_len);
	free(buf);
	if (rc) {
		rc = cli_failed("%s", mlmd_error_message());
		mlmd_store_free(s);
		return rc;
	}
	Mlmd__Pb__Governance__GetDriftWindowsResponse *rs =
		mlmd__pb__governance__get_drift_windows_response__unpack(NULL, out_len, out ? out : (void *)"");
	mlmd_buffer_free(out);
	if (!rs) {
		mlmd_store_free(s);
		return cli_failed("GetDriftWindows: the response does not decode");
	}
	if (!rs->n_windows) {
		rc = no_windows(s, exec, json);
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
			goto done;
		}
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "execution");
		mlmd_json_int(w, exec);
		mlmd_json_key(w, "windows");
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < rs->n_windows; i++) {
			const Mlmd__Pb__Governance__DriftWindow *d = rs->windows[i];
			slices sl;
			if (report_slices(d->report_json ? d->report_json : "{}", &sl)) {
				mlmd_json_writer_free(w);
				rc = cli_failed("drift window %lld: its report is not JSON: %s", (long long)d->artifact_id,
					mlmd_error_message());
				goto done;
			}
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "artifact_id");
			mlmd_json_int(w, d->artifact_id);
			mlmd_json_key(w, "start_ms");
			mlmd_json_int(w, d->start_ms);
			mlmd_json_key(w, "end_ms");
			mlmd_json_int(w, d->end_ms);
			mlmd_json_key(w, "rows");
			mlmd_json_int(w, d->rows);
			mlmd_json_key(w, "judged");
			mlmd_json_bool(w, !sl.judged || strncmp(sl.judged, "false", 5) != 0);
			mlmd_json_key(w, "drifted");
			mlmd_json_bool(w, d->drifted);
			mlmd_json_key(w, "max_psi");
			mlmd_json_double(w, d->max_psi, 17);
			mlmd_json_key(w, "profile_artifact_id");
			mlmd_json_int(w, d->profile_artifact_id);
			mlmd_json_key(w, "model_artifact_id");
			mlmd_json_int(w, d->model_artifact_id);
			/* the report's own columns and outputs, as they are (the writer is after a value here) */
			mlmd_json_raw(w, ",\"columns\":");
			char *cs = sl.columns_len ? strndup(sl.columns, sl.columns_len) : NULL;
			mlmd_json_raw(w, cs ? cs : "[]");
			free(cs);
			if (sl.outputs_len) {
				char *os = strndup(sl.outputs, sl.outputs_len);
				mlmd_json_raw(w, ",\"outputs\":");
				mlmd_json_raw(w, os ? os : "null");
				free(os);
			}
			mlmd_json_object_end(w);
		}
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
		rc = cli_json_done(w);
	} else {
		for (size_t i = 0; i < rs->n_windows; i++) {
			const Mlmd__Pb__Governance__DriftWindow *d = rs->windows[i];
			char a[40], b[40], psi[40];
			slices sl;
			if (report_slices(d->report_json ? d->report_json : "{}", &sl)) {
				rc = cli_failed("drift window %lld: its report is not JSON: %s", (long long)d->artifact_id,
					mlmd_error_message());
				goto done;
			}
			bool judged = !sl.judged || strncmp(sl.judged, "false", 5) != 0;
			mlmd_double_format(psi, sizeof psi, d->max_psi, 4);
			printf("drift window %lld of serving execution %lld: %s\n", (long long)d->artifact_id, (long long)exec,
				!judged ? "not judged (fewer rows than --drift-min-rows)" : d->drifted ? "DRIFTED" : "no drift");
			printf("  rows %lld, from %s to %s, max PSI %s\n", (long long)d->rows,
				cli_time_iso(a, sizeof a, d->start_ms), cli_time_iso(b, sizeof b, d->end_ms), psi);
			printf("  model artifact %lld, reference profile %lld\n", (long long)d->model_artifact_id,
				(long long)d->profile_artifact_id);
			if ((sl.columns_len && print_figures(sl.columns, sl.columns_len, false)) ||
				(sl.outputs_len && print_figures(sl.outputs, sl.outputs_len, true))) {
				rc = cli_failed("drift window %lld: %s", (long long)d->artifact_id, mlmd_error_message());
				goto done;
			}
		}
	}
done:
	mlmd__pb__governance__get_drift_windows_response__free_unpacked(rs, NULL);
	mlmd_store_free(s);
	return rc;
}

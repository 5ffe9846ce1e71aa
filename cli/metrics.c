/*
 * cli/metrics.c - the metrics command: the history of one or more metric
 * keys of one or more runs (GetRun, GetMetricHistory), as CSV rows, JSON,
 * or an SVG line chart drawn by the library (mlmd_chart_svg) with the
 * series overlaid. docs/cli.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "csv.h"
#include "tracking.h"

/* ---- metrics --------------------------------------------------------------------------------------- */

/* One key's history in one run. */
typedef struct {
	const Run *run;
	const char *key;
	Mlmd__Pb__Tracking__GetMetricHistoryResponse *resp;     /* resp->history: values, steps, timestamps */
} history;

static const Mlmd__Pb__Tracking__MetricSeries *series_of(const history *h)
{
	static const Mlmd__Pb__Tracking__MetricSeries empty = MLMD__PB__TRACKING__METRIC_SERIES__INIT;
	return h->resp && h->resp->history ? h->resp->history : &empty;
}

/* The point's step and timestamp (the arrays may be empty: 0 then). */
static int64_t at_or_0(const int64_t *a, size_t n, size_t i)
{
	return i < n ? a[i] : 0;
}

/* "a, b, c" of the run's metric keys (malloc'd), for the message naming a missing key. */
static char *metric_keys(const Run *r)
{
	size_t len = 1;
	for (size_t i = 0; i < r->n_metrics; i++)
		len += strlen(r->metrics[i]->key ? r->metrics[i]->key : "") + 2;
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < r->n_metrics; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", r->metrics[i]->key ? r->metrics[i]->key : "");
	return s;
}

static int write_svg(const history *h, size_t n, size_t nruns, size_t nkeys, const char *path, int64_t width,
	int64_t height, long *points)
{
	mlmd_chart_series *sr = calloc(n ? n : 1, sizeof *sr);
	double **xs = calloc(n ? n : 1, sizeof *xs);
	char **labels = calloc(n ? n : 1, sizeof *labels);
	char title[512];
	int rc = 0;
	*points = 0;
	if (!sr || !xs || !labels)
		rc = cli_failed("out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		const Mlmd__Pb__Tracking__MetricSeries *m = series_of(&h[i]);
		char label[512];
		if (nruns == 1)
			snprintf(label, sizeof label, "%s", h[i].key);
		else
			snprintf(label, sizeof label, "run %lld %s%s%s", (long long)h[i].run->run_id,
				h[i].run->run_name ? h[i].run->run_name : "", nkeys > 1 ? ": " : "", nkeys > 1 ? h[i].key : "");
		labels[i] = strdup(label);
		xs[i] = malloc((m->n_values ? m->n_values : 1) * sizeof **xs);
		if (!labels[i] || !xs[i]) {
			rc = cli_failed("out of memory");
			break;
		}
		for (size_t j = 0; j < m->n_values; j++)
			xs[i][j] = (double)at_or_0(m->steps, m->n_steps, j);
		sr[i] = (mlmd_chart_series){ labels[i], xs[i], m->values, m->n_values };
		*points += (long)m->n_values;
	}
	if (nruns == 1)
		snprintf(title, sizeof title, "run %lld %s", (long long)h[0].run->run_id,
			h[0].run->run_name ? h[0].run->run_name : "");
	else
		snprintf(title, sizeof title, "%s", nkeys == 1 ? h[0].key : "metrics");
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	o.title = title;
	o.x_label = "step";
	o.y_label = nkeys == 1 ? h[0].key : "value";
	o.width = (int)width;
	o.height = (int)height;
	char *svg = NULL;
	if (!rc && mlmd_chart_svg(sr, n, &o, &svg))
		rc = cli_failed("metrics: %s", mlmd_error_message());
	if (!rc) {
		bool to_stdout = !strcmp(path, "-");
		FILE *f = to_stdout ? stdout : fopen(path, "w");
		if (!f)
			rc = cli_failed("metrics: cannot write %s: %s", path, strerror(errno));
		else {
			bool ok = fputs(svg, f) >= 0;
			if (to_stdout)
				ok = fflush(f) == 0 && ok;
			else
				ok = fclose(f) == 0 && ok;
			if (!ok)
				rc = cli_failed("metrics: cannot write %s: %s", path, strerror(errno));
		}
	}
	mlmd_buffer_free(svg);
	for (size_t i = 0; i < n; i++) {
		free(xs ? xs[i] : NULL);
		free(labels ? labels[i] : NULL);
	}
	free(xs);
	free(labels);
	free(sr);
	return rc;
}

static void history_json(mlmd_json_writer *w, const history *h, size_t n)
{
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const Mlmd__Pb__Tracking__MetricSeries *m = series_of(&h[i]);
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "run_id");
		mlmd_json_int(w, h[i].run->run_id);
		mlmd_json_key(w, "key");
		mlmd_json_string(w, h[i].key);
		mlmd_json_key(w, "points");
		mlmd_json_array_begin(w);
		for (size_t j = 0; j < m->n_values; j++) {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "step");
			mlmd_json_int(w, at_or_0(m->steps, m->n_steps, j));
			mlmd_json_key(w, "timestamp");
			mlmd_json_int(w, at_or_0(m->timestamps, m->n_timestamps, j));
			mlmd_json_key(w, "value");
			mlmd_json_double(w, m->values[j], 0);
			mlmd_json_object_end(w);
		}
		mlmd_json_array_end(w);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
}

static int history_csv(const history *h, size_t n)
{
	char num[64];
	fputs("run_id,key,step,timestamp,value\n", stdout);
	for (size_t i = 0; i < n; i++) {
		const Mlmd__Pb__Tracking__MetricSeries *m = series_of(&h[i]);
		for (size_t j = 0; j < m->n_values; j++) {
			printf("%lld,", (long long)h[i].run->run_id);
			csv_put(stdout, h[i].key);
			printf(",%lld,%lld,%s\n", (long long)at_or_0(m->steps, m->n_steps, j),
				(long long)at_or_0(m->timestamps, m->n_timestamps, j), trk_dexact(num, sizeof num, m->values[j]));
		}
	}
	return fflush(stdout) ? cli_failed("metrics: cannot write the output: %s", strerror(errno)) : 0;
}

int cmd_metrics(int argc, char **argv)
{
	static const char *const formats[] = { "csv", "json", NULL };
	int format = -1;
	bool json = false;
	const char *svg = NULL;
	int64_t width = 720, height = 420;
	const cli_opt opts[] = {
		CLI_CHOICE("--format", "the history on stdout: CSV rows run_id,key,step,timestamp,value (the default) "
			"or JSON", &format, formats),
		CLI_FLAG("--json", "the same as --format json", &json),
		CLI_STR("--svg", "FILE", "draw the histories as an SVG line chart into FILE (- for stdout), one line "
			"per run and key", &svg),
		CLI_INT("--width", "PX", "the chart's width in pixels (default 720)", &width, 200, 10000),
		CLI_INT("--height", "PX", "the chart's height in pixels (default 420)", &height, 150, 10000),
		CLI_END,
	};
	const cli_cmd cmd = { "metrics", "RUN[,RUN...] KEY[,KEY...]", 2, 2,
		"Prints the history of metric KEY of run RUN (its id), every point by step, as CSV or JSON; NaN and\n"
		"infinities print as nan, inf, -inf in CSV and null in JSON. Several runs and keys, comma-separated,\n"
		"give one series per run and key (runs in the order given, then keys). With --svg the series are\n"
		"drawn overlaid on one chart (axes: step, and the key or \"value\"); the rows are then printed only\n"
		"when --format or --json asks for them.",
		true, opts };
	char *args[2];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (json) {
		if (format == 0)
			return cli_usage("metrics: --json and --format csv disagree; give one");
		format = 1;
	}
	if (svg && !strcmp(svg, "-") && format >= 0)
		return cli_usage("metrics: --svg - writes the chart on stdout; --format would write there too");
	if (format < 0 && !svg)
		format = 0;
	/* RUN[,RUN...] and KEY[,KEY...] */
	char *runs_text = strdup(args[0]), *keys_text = strdup(args[1]), *run_words[MLMD_CHART_MAX_SERIES + 1],
		*keys[MLMD_CHART_MAX_SERIES + 1];
	if (!runs_text || !keys_text) {
		free(runs_text);
		free(keys_text);
		return cli_failed("out of memory");
	}
	/* one past the most, so that too many is seen */
	size_t nruns = trk_split_commas(runs_text, run_words, MLMD_CHART_MAX_SERIES + 1);
	size_t nkeys = trk_split_commas(keys_text, keys, MLMD_CHART_MAX_SERIES + 1);
	int64_t ids[MLMD_CHART_MAX_SERIES + 1];
	if (!nruns)
		rc = cli_usage("metrics: RUN is a run id or a comma-separated list of them, not '%s'", args[0]);
	else if (!nkeys)
		rc = cli_usage("metrics: KEY is a metric key or a comma-separated list of them, not '%s'", args[1]);
	else if (nruns * nkeys > MLMD_CHART_MAX_SERIES)
		rc = cli_usage("metrics: %zu runs times %zu keys is %zu series; at most %d", nruns, nkeys, nruns * nkeys,
			MLMD_CHART_MAX_SERIES);
	for (size_t i = 0; !rc && i < nruns; i++)
		rc = trk_run_id("metrics", run_words[i], &ids[i]);
	if (rc) {
		free(runs_text);
		free(keys_text);
		return rc;
	}
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s)) {
		free(runs_text);
		free(keys_text);
		return EXIT_FAILED;
	}
	Mlmd__Pb__Tracking__GetRunResponse *runs[MLMD_CHART_MAX_SERIES] = { NULL };
	history h[MLMD_CHART_MAX_SERIES];
	size_t n = 0;
	for (size_t i = 0; !rc && i < nruns; i++) {
		if ((rc = trk_get_run(s, ids[i], &runs[i])))
			break;
		const Run *r = runs[i]->run;
		for (size_t k = 0; !rc && k < nkeys; k++) {
			if (!trk_metric(r, keys[k])) {
				char *have = metric_keys(r);
				rc = r->n_metrics ?
					cli_failed("run %lld has no metric '%s' (its metrics: %s)", (long long)ids[i], keys[k],
						have ? have : "?") :
					cli_failed("run %lld has no metric '%s' (it has logged no metrics)", (long long)ids[i],
						keys[k]);
				free(have);
				break;
			}
			Mlmd__Pb__Tracking__GetMetricHistoryRequest rq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
			rq.has_run_id = 1;
			rq.run_id = ids[i];
			rq.key = keys[k];
			h[n] = (history){ r, keys[k], NULL };
			if (trk_call(s, "GetMetricHistory", &rq, &mlmd__pb__tracking__get_metric_history_response__descriptor,
				(void **)&h[n].resp))
				rc = cli_failed("run %lld, metric '%s': %s", (long long)ids[i], keys[k], mlmd_error_message());
			n++;
		}
	}
	if (!rc && svg) {
		long points;
		rc = write_svg(h, n, nruns, nkeys, svg, width, height, &points);
		if (!rc && format < 0 && strcmp(svg, "-"))
			printf("wrote %s: %zu series, %ld points\n", svg, n, points);
	}
	if (!rc && format == 1) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			rc = EXIT_FAILED;
		else {
			history_json(w, h, n);
			rc = cli_json_done(w);
		}
	} else if (!rc && format == 0) {
		rc = history_csv(h, n);
	}
	for (size_t i = 0; i < n; i++)
		mlmd_message_free(h[i].resp);
	for (size_t i = 0; i < nruns; i++)
		mlmd_message_free(runs[i]);
	free(runs_text);
	free(keys_text);
	mlmd_store_free(s);
	return rc;
}

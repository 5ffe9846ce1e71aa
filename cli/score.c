/*
 * cli/score.c - `mlmd score` (CSV rows through a model file or a store's
 * verified model artifact, served with lineage) and `mlmd model info|add`.
 *
 *   mlmd score --model PATH [--input CSV|-] [--output CSV|-] [--columns a,b,...] [--batch N] [--max-memory SIZE]
 *   mlmd score --store URI --artifact ID [--deployment NAME] [--allow-unverified] [--gate-policy stop|record]
 *              [--flush-interval MS] [...]
 *   mlmd score --store URI --model NAME@ALIAS|NAME/VERSION [...]   (a registry reference)
 *   mlmd model info PATH [--json]
 *   mlmd model add --store URI [--type NAME] --name NAME [--uri URI] FILE
 */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include <mlmd/registry.h>

#include "csv.h"
#include "cli.h"
#include "inputs.h"

static const char *prog = "mlmd";

/* The library's name of an element type in lower case ("float", "int64"), as
 * model info prints it. */
static const char *type_word(int dt, char buf[24])
{
	const char *n = mlmd_dtype_name(dt);
	size_t k = 0;
	for (; n[k] && k < 23; k++)
		buf[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] - 'A' + 'a' : n[k]);
	buf[k] = '\0';
	return buf;
}

/* ---- score ------------------------------------------------------------------------------- */

static void score_help(FILE *f)
{
	fprintf(f, "usage: %s score --model PATH [--input CSV|-] [--output CSV|-] [--columns a,b,...] [--batch N]\n"
		"                  [--max-memory SIZE]\n"
		"       %s score --store URI --artifact ID [--deployment NAME] [--allow-unverified]\n"
		"                  [--gate-policy stop|record] [--flush-interval MS] [--drift auto|off|require]\n"
		"                  [--drift-psi X] [--drift-pvalue P] [--drift-min-rows N] [same options]\n"
		"       %s score --store URI --model NAME@ALIAS|NAME/VERSION [same options as --artifact]\n\n"
		"Scores the rows of a CSV file (with a header) with a model file (ONNX, XGBoost JSON or PMML).\n"
		"  --model PATH     the model; its format is detected from its content\n"
		"  --store URI      with --artifact: the model artifact ID of this store, verified against its\n"
		"                   recorded SHA-256; the run is recorded as a ModelServing execution in the\n"
		"                   Deployment context NAME (default \"cli\"), with rows, latency and class counts\n"
		"                   with --model NAME@ALIAS or NAME/VERSION (and no file of that name): the model\n"
		"                   artifact of the registry version it resolves to, verified and recorded the\n"
		"                   same way, with the version and alias in the serving execution. An existing\n"
		"                   file of that name wins\n"
		"  --actor NAME     with --store: who the recorded writes are by (default: MLMD_ACTOR, else\n"
		"                   the OS user)\n"
		"  --gate-policy P  with --store: a model the store's serving gate blocks (a label such as\n"
		"                   POISONED on it or upstream of it) is refused at load either way; P says what\n"
		"                   happens when a flush finds the model served has become blocked: stop\n"
		"                   (default; the next batch fails) or record (scoring goes on, the violation is\n"
		"                   recorded on the serving execution)\n"
		"  --flush-interval MS  with --store: also record (and check the gate) every MS milliseconds,\n"
		"                   not only at the end\n"
		"  --drift MODE     with --store: drift monitoring against the model's reference profile\n"
		"                   (`mlmd profile`): auto (default; monitored when it has one), off, or require\n"
		"                   (refuse a model without one). Each flush records a drift window (`mlmd drift\n"
		"                   --store URI --execution ID`); a drifted one labels the deployment DRIFTED\n"
		"  --drift-psi X    a column drifts at PSI >= X (default 0.2)\n"
		"  --drift-pvalue P ... or at a p-value below P (default 0.01)\n"
		"  --drift-min-rows N  rows a window needs to be judged (default 100)\n"
		"  --input CSV      input rows (default: standard input)\n"
		"  --output CSV     where to write the results (default: standard output)\n"
		"  --columns LIST   for a model with one [N, F] input: the columns to use, in order\n"
		"  --batch N        rows scored per call (default 1024)\n"
		"  --max-memory SIZE  scratch memory one batch may use, in bytes or with K, M, G, T (powers of\n"
		"                   1024); 0 = no limit (default 1G). A batch that needs more fails, naming the\n"
		"                   model node and the limit\n\n"
		"Columns are matched to model inputs by name. A model with a single [N, F] input takes the\n"
		"columns in order instead: all of them, or those named by --columns (F must match).\n"
		"Numbers are decimal (no hexadecimal; out of the input type's range is an error); for float\n"
		"inputs an empty cell or nan is a missing value and inf, -inf are infinities. A record may\n"
		"be at most 64 MiB. The output has one column per scalar output and NAME_<label> (or\n"
		"NAME_0 ... NAME_K-1) columns for an [N, K] output; numbers are printed with 17 significant\n"
		"digits, labels as text.\n", prog, prog, prog);
}

/* A byte count: digits with an optional K, M, G or T suffix (powers of 1024). */
static void print_label(FILE *out, const mlmd_value_info *vi, size_t k)
{
	char buf[64];
	if (vi->labels_int64) {
		snprintf(buf, sizeof buf, "%lld", (long long)vi->labels_int64[k]);
		fputs(buf, out);
	} else {
		fputs(vi->labels_string[k], out);
	}
}

static void print_double(FILE *out, double v)
{
	char buf[40];
	if (v != v) /* NaN (missing): an empty cell */
		return;
	mlmd_double_format(buf, sizeof buf, v, 17);
	fputs(buf, out);
}

static void print_value(FILE *out, const mlmd_tensor *t, size_t i)
{
	const void *p = t->data;
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: print_double(out, ((const float *)p)[i]); break;
	case MLMD_DTYPE_DOUBLE: print_double(out, ((const double *)p)[i]); break;
	case MLMD_DTYPE_INT32: fprintf(out, "%d", ((const int32_t *)p)[i]); break;
	case MLMD_DTYPE_INT64: fprintf(out, "%lld", (long long)((const int64_t *)p)[i]); break;
	case MLMD_DTYPE_STRING: csv_put(out, ((const char *const *)p)[i]); break;
	case MLMD_DTYPE_BOOL: case MLMD_DTYPE_UINT8: fprintf(out, "%u", ((const uint8_t *)p)[i]); break;
	case MLMD_DTYPE_INT8: fprintf(out, "%d", ((const int8_t *)p)[i]); break;
	case MLMD_DTYPE_UINT16: fprintf(out, "%u", ((const uint16_t *)p)[i]); break;
	case MLMD_DTYPE_INT16: fprintf(out, "%d", ((const int16_t *)p)[i]); break;
	case MLMD_DTYPE_UINT32: fprintf(out, "%u", ((const uint32_t *)p)[i]); break;
	default: fprintf(out, "%llu", (unsigned long long)((const uint64_t *)p)[i]);
	}
}

/* Columns of an output per row: 1 for [N] / [N,1], K for [N,K]. */
static int64_t out_width(const mlmd_tensor *t)
{
	int64_t w = 1;
	for (int d = 1; d < t->rank; d++)
		w *= t->dims[d];
	return w;
}

static int score(const char *global_store, int argc, char **argv)
{
	const char *model_path = NULL, *in_path = "-", *out_path = "-", *store_uri = global_store, *deployment = "cli";
	char *columns = NULL;
	long batch = 1024;
	size_t max_memory = (size_t)1 << 30;
	int64_t artifact = 0;
	int allow_unverified = 0, gate_policy = MLMD_GATE_STOP;
	long flush_ms = 0;
	int drift = MLMD_DRIFT_AUTO;
	double drift_psi = 0, drift_pvalue = 0;
	int64_t drift_min_rows = 0;
	bool drift_given = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			score_help(stdout);
			return 0;
		} else if (!strcmp(a, "--model") && has_next) {
			model_path = argv[++i];
		} else if (!strcmp(a, "--input") && has_next) {
			in_path = argv[++i];
		} else if (!strcmp(a, "--output") && has_next) {
			out_path = argv[++i];
		} else if (!strcmp(a, "--columns") && has_next) {
			columns = argv[++i];
		} else if (!strcmp(a, "--store") && has_next) {
			store_uri = argv[++i];
		} else if (!strcmp(a, "--actor") && has_next) {
			cli_g.actor = argv[++i];
		} else if (!strcmp(a, "--deployment") && has_next) {
			deployment = argv[++i];
		} else if (!strcmp(a, "--allow-unverified")) {
			allow_unverified = 1;
		} else if (!strcmp(a, "--gate-policy") && has_next) {
			const char *p = argv[++i];
			if (strcmp(p, "stop") && strcmp(p, "record"))
				return cli_usage("score: --gate-policy must be stop or record, not '%s'", p);
			gate_policy = strcmp(p, "stop") ? MLMD_GATE_RECORD : MLMD_GATE_STOP;
		} else if (!strcmp(a, "--flush-interval") && has_next) {
			char *end;
			flush_ms = strtol(argv[++i], &end, 10);
			if (*end || flush_ms < 1 || flush_ms > 86400000)
				return cli_usage("score: --flush-interval must be milliseconds from 1 to 86400000");
		} else if (!strcmp(a, "--drift") && has_next) {
			const char *d = argv[++i];
			if (!strcmp(d, "auto"))
				drift = MLMD_DRIFT_AUTO;
			else if (!strcmp(d, "off"))
				drift = MLMD_DRIFT_OFF;
			else if (!strcmp(d, "require"))
				drift = MLMD_DRIFT_REQUIRE;
			else
				return cli_usage("score: --drift must be auto, off or require, not '%s'", d);
			drift_given = true;
		} else if ((!strcmp(a, "--drift-psi") || !strcmp(a, "--drift-pvalue")) && has_next) {
			const char *v = argv[++i];
			double x;
			bool psi = !strcmp(a, "--drift-psi");
			if (mlmd_double_parse(v, strlen(v), &x) || !(x > 0) || (!psi && x >= 1) || isinf(x))
				return cli_usage("score: %s must be a number above 0%s, not '%s'", a, psi ? "" : " and below 1", v);
			*(psi ? &drift_psi : &drift_pvalue) = x;
			drift_given = true;
		} else if (!strcmp(a, "--drift-min-rows") && has_next) {
			char *end;
			drift_min_rows = strtoll(argv[++i], &end, 10);
			if (*end || drift_min_rows < 1)
				return cli_usage("score: --drift-min-rows must be a positive number of rows");
			drift_given = true;
		} else if (!strcmp(a, "--artifact") && has_next) {
			char *end;
			artifact = strtoll(argv[++i], &end, 10);
			if (*end || artifact <= 0)
				return cli_usage("score: --artifact must be a positive artifact id");
		} else if (!strcmp(a, "--batch") && has_next) {
			char *end;
			batch = strtol(argv[++i], &end, 10);
			if (*end || batch < 1 || batch > 10000000)
				return cli_usage("score: --batch must be a number from 1 to 10000000");
		} else if (!strcmp(a, "--max-memory") && has_next) {
			if (cli_parse_size(argv[++i], &max_memory))
				return cli_usage("score: --max-memory must be a byte count like 512M, 2G or 0 (no limit), "
					"not '%s'", argv[i]);
		} else {
			return cli_usage("score: unknown or incomplete option '%s'", a);
		}
	}
	if (!store_uri)
		store_uri = getenv("MLMD_STORE");
	if (!model_path == !artifact)
		return cli_usage("score: give --model PATH, or --store URI with --artifact ID");
	if (artifact && !store_uri)
		return cli_usage("score: --artifact needs --store URI (or MLMD_STORE)");
	/* with a store, --model NAME@ALIAS or NAME/VERSION that names no file is a registry
	 * reference (a file of that name wins, so an existing path keeps scoring as before) */
	struct stat sb;
	const char *ref = model_path && store_uri && mlmd_registry_is_ref(model_path) && stat(model_path, &sb) != 0 &&
		(errno == ENOENT || errno == ENOTDIR) ? model_path : NULL;
	if (drift_given && !artifact && !ref)
		return cli_usage("score: --drift options need a model from a store (--store URI with --artifact ID or "
			"--model NAME@ALIAS)");
	mlmd_model *m = NULL;
	mlmd_scorer *scorer = NULL;
	mlmd_scorer_ctx *sctx = NULL;
	if (artifact || ref) {
		mlmd_scorer_options so = MLMD_SCORER_OPTIONS_INIT;
		so.store_uri = store_uri;
		so.artifact_id = artifact;
		so.model_ref = ref;
		so.deployment = deployment;
		so.allow_unverified = allow_unverified;
		so.max_memory = max_memory ? max_memory : SIZE_MAX;
		so.actor = cli_g.actor;
		so.gate_policy = gate_policy;
		so.flush_interval_ms = (int)flush_ms;
		so.drift = drift;
		so.drift_psi = drift_psi;
		so.drift_pvalue = drift_pvalue;
		so.drift_min_rows = drift_min_rows;
		if (mlmd_scorer_open(&scorer, &so)) {
			if (ref && mlmd_error_last()->code == MLMD_NOT_FOUND)
				return cli_failed("%s (and there is no model file '%s')", mlmd_error_message(), ref);
			if (mlmd_error_last()->code == MLMD_FAILED_PRECONDITION && strstr(mlmd_error_message(), "serving gate"))
				return cli_failed("refused: %s (`mlmd labels artifact ID` shows a node's labels, `mlmd gate "
					"ls` the labels that block serving)", mlmd_error_message());
			return cli_failed("%s", mlmd_error_message());
		}
		if (mlmd_scorer_ctx_new(scorer, &sctx)) {
			int rc = cli_failed("%s", mlmd_error_message());
			mlmd_scorer_free(scorer);
			return rc;
		}
		m = mlmd_scorer_model(scorer);
	} else if (mlmd_model_load_file(&m, model_path)) {
		return cli_failed("%s", mlmd_error_message());
	}
	FILE *in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
	FILE *out = in && strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
	if (!in || !out) {
		int rc = cli_failed("%s: %s", !in ? in_path : out_path, strerror(errno));
		if (in && in != stdin)
			fclose(in);
		mlmd_model_free(m);
		mlmd_scorer_ctx_free(sctx);
		mlmd_scorer_free(scorer);
		return rc;
	}
	int rc = 0;
	csv_reader r;
	csv_init(&r, in);
	size_t ni = mlmd_model_input_count(m), no = mlmd_model_output_count(m);
	cli_inputs ci;
	mlmd_tensor *tin = calloc(ni + 1, sizeof *tin), *tout = calloc(no + 1, sizeof *tout);
	mlmd_score_ctx *ctx = NULL;
	long rows_done = 0;
	rc = cli_inputs_bind(&ci, m, &r, in_path, columns, batch);
	if (rc)
		goto out;
	if (!tin || !tout || mlmd_score_ctx_new(&ctx)) {
		rc = cli_failed("out of memory");
		goto out;
	}
	mlmd_score_ctx_set_limit(ctx, max_memory);
	bool header_done = false, eof = false;
	while (!eof && rc == 0) {
		if ((rc = cli_inputs_read(&ci, &r)))
			goto out;
		long n = ci.n;
		eof = n < batch;
		if (n == 0 && header_done)
			break;
		cli_inputs_tensors(&ci, tin);
		memset(tout, 0, (no + 1) * sizeof *tout);
		int src = n > 0 ? (sctx ? mlmd_scorer_score(sctx, tin, ni, tout, no) : mlmd_model_score(m, ctx, tin, ni, tout,
			no)) : 0;
		if (src) {
			rc = cli_failed("rows %ld-%ld: %s%s", rows_done + 1, rows_done + n, mlmd_error_message(),
				src == -MLMD_RESOURCE_EXHAUSTED && max_memory ? " (--max-memory sets the limit)" : "");
			goto out;
		}
		if (!header_done) {
			/* the header: from the first batch's shapes (or the declared ones) */
			for (size_t o = 0; o < no; o++) {
				const mlmd_value_info *vi = mlmd_model_output(m, o);
				int64_t w = n > 0 ? out_width(&tout[o]) : (vi->rank == 2 && vi->dims[1] > 0 ? vi->dims[1] : 1);
				for (int64_t k = 0; k < w; k++) {
					if (o || k)
						fputc(',', out);
					csv_put(out, vi->name);
					if (w == 1)
						continue; /* one value per row: the output's name */
					fputc('_', out);
					if (vi->n_labels == (size_t)w)
						print_label(out, vi, (size_t)k);
					else
						fprintf(out, "%lld", (long long)k);
				}
			}
			fputc('\n', out);
			header_done = true;
		}
		for (long i = 0; i < n; i++) {
			for (size_t o = 0; o < no; o++) {
				int64_t w = out_width(&tout[o]);
				if (tout[o].rank >= 1 && tout[o].dims[0] != n) {
					rc = cli_failed("output '%s' has %lld rows for %ld input rows", mlmd_model_output(m, o)->name,
						(long long)tout[o].dims[0], n);
					goto out;
				}
				for (int64_t k = 0; k < w; k++) {
					if (o || k)
						fputc(',', out);
					print_value(out, &tout[o], (size_t)(i * w + k));
				}
			}
			fputc('\n', out);
		}
		rows_done += n;
	}
	if (fflush(out) || ferror(out))
		rc = cli_failed("%s: write error", out_path);
out:
	cli_inputs_free(&ci);
	free(tin);
	free(tout);
	csv_free(&r);
	mlmd_score_ctx_free(ctx);
	mlmd_model_free(m);
	mlmd_scorer_ctx_free(sctx);
	if (scorer) {
		int64_t exec = mlmd_scorer_execution_id(scorer), version = mlmd_scorer_model_version(scorer);
		if (rc == 0 && mlmd_scorer_flush(scorer) == 0 && mlmd_scorer_gate_violations(scorer) > 0)
			fprintf(stderr, "%s: warning: the model served became blocked by the serving gate while it served; "
				"recorded on execution %lld (mlmd.gate_violation)\n", prog, (long long)exec);
		if (mlmd_scorer_free(scorer) && rc == 0)
			rc = cli_failed("recording the serving execution: %s", mlmd_error_message());
		else if (rc == 0 && ref)
			fprintf(stderr, "%s: %ld rows scored with version %lld of %s; serving recorded as execution %lld\n",
				prog, rows_done, (long long)version, ref, (long long)exec);
		else if (rc == 0)
			fprintf(stderr, "%s: %ld rows scored; serving recorded as execution %lld\n", prog, rows_done,
				(long long)exec);
	}
	if (in != stdin)
		fclose(in);
	if (out != stdout && fclose(out) && rc == 0)
		rc = cli_failed("%s: write error", out_path);
	return rc;
}

/* ---- model info --------------------------------------------------------------------------- */

/* A free dimension's name: the model's own (an ONNX dim_param), else N for
 * the first one (the rows, in every format the scorer reads), else NULL
 * (printed "?" as text, null in JSON). One notation for every format. */
static const char *dim_name(const mlmd_value_info *vi, int d)
{
	if (vi->dim_names && vi->dim_names[d] && vi->dim_names[d][0])
		return vi->dim_names[d];
	return d == 0 ? "N" : NULL;
}

static void info_json(mlmd_json_writer *w, const mlmd_value_info *vi)
{
	char tw[24];
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "name");
	mlmd_json_string(w, vi->name);
	mlmd_json_key(w, "type");
	mlmd_json_string(w, type_word(vi->dtype, tw));
	mlmd_json_key(w, "shape");
	if (vi->rank < 0) {
		mlmd_json_null(w);
	} else {
		mlmd_json_array_begin(w);
		for (int d = 0; d < vi->rank; d++) {
			if (vi->dims[d] >= 0)
				mlmd_json_int(w, vi->dims[d]);
			else
				mlmd_json_string(w, dim_name(vi, d)); /* null when it has none */
		}
		mlmd_json_array_end(w);
	}
	if (vi->n_labels) {
		mlmd_json_key(w, "labels");
		mlmd_json_array_begin(w);
		for (size_t k = 0; k < vi->n_labels; k++) {
			if (vi->labels_int64)
				mlmd_json_int(w, vi->labels_int64[k]);
			else
				mlmd_json_string(w, vi->labels_string[k]);
		}
		mlmd_json_array_end(w);
	}
	mlmd_json_object_end(w);
}

static void print_info(FILE *f, const mlmd_value_info *vi)
{
	char tw[24];
	fprintf(f, "  %s: %s", vi->name, type_word(vi->dtype, tw));
	if (vi->rank >= 0) {
		fputs(" [", f);
		for (int d = 0; d < vi->rank; d++) {
			if (d)
				fputs(", ", f);
			if (vi->dims[d] >= 0)
				fprintf(f, "%lld", (long long)vi->dims[d]);
			else
				fputs(dim_name(vi, d) ? dim_name(vi, d) : "?", f);
		}
		fputc(']', f);
	}
	if (vi->n_labels) {
		fprintf(f, " labels:");
		for (size_t k = 0; k < vi->n_labels && k < 20; k++) {
			fputc(' ', f);
			if (vi->labels_int64)
				fprintf(f, "%lld", (long long)vi->labels_int64[k]);
			else
				fputs(vi->labels_string[k], f);
		}
		if (vi->n_labels > 20)
			fprintf(f, " ... (%zu)", vi->n_labels);
	}
	fputc('\n', f);
}

static int cmd_model_info(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s model info PATH [--json]\n\nPrints a model file's (ONNX, XGBoost JSON or PMML) "
				"format, producer, opsets, inputs, outputs and metadata. A dimension the model leaves free\n"
				"prints as its name in the model, else N for the first (the rows) and ? (JSON null) for "
				"others.\n", prog);
			return 0;
		} else if (argv[i][0] == '-' || path)
			return cli_usage("model info: unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage("model info: PATH is required");
	mlmd_model *m;
	if (mlmd_model_load_file(&m, path))
		return cli_failed("%s", mlmd_error_message());
	FILE *f = stdout;
	int rc = 0;
	mlmd_json_writer *w = json ? cli_json_stdout() : NULL;
	if (json && !w) {
		rc = EXIT_FAILED;
	} else if (json) {
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "format");
		mlmd_json_string(w, mlmd_model_format(m));
		mlmd_json_key(w, "producer");
		mlmd_json_string(w, mlmd_model_producer(m));
		mlmd_json_key(w, "producer_version");
		mlmd_json_string(w, mlmd_model_producer_version(m));
		mlmd_json_key(w, "ir_version");
		mlmd_json_int(w, mlmd_model_ir_version(m));
		mlmd_json_key(w, "opsets");
		mlmd_json_object_begin(w);
		for (size_t i = 0; i < mlmd_model_opset_count(m); i++) {
			const char *d;
			int64_t v;
			mlmd_model_opset(m, i, &d, &v);
			mlmd_json_key(w, d[0] ? d : "ai.onnx");
			mlmd_json_int(w, v);
		}
		mlmd_json_object_end(w);
		mlmd_json_key(w, "inputs");
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < mlmd_model_input_count(m); i++)
			info_json(w, mlmd_model_input(m, i));
		mlmd_json_array_end(w);
		mlmd_json_key(w, "outputs");
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < mlmd_model_output_count(m); i++)
			info_json(w, mlmd_model_output(m, i));
		mlmd_json_array_end(w);
		mlmd_json_key(w, "metadata");
		mlmd_json_object_begin(w);
		for (size_t i = 0; i < mlmd_model_metadata_count(m); i++) {
			const char *k, *v;
			mlmd_model_metadata(m, i, &k, &v);
			mlmd_json_key(w, k);
			mlmd_json_string(w, v);
		}
		mlmd_json_object_end(w);
		mlmd_json_object_end(w);
		rc = cli_json_done(w);
	} else {
		fprintf(f, "format: %s\nproducer: %s %s\n", mlmd_model_format(m), mlmd_model_producer(m),
			mlmd_model_producer_version(m));
		if (mlmd_model_ir_version(m))
			fprintf(f, "ir_version: %lld\n", (long long)mlmd_model_ir_version(m));
		for (size_t i = 0; i < mlmd_model_opset_count(m); i++) {
			const char *d;
			int64_t v;
			mlmd_model_opset(m, i, &d, &v);
			fprintf(f, "opset: %s %lld\n", d[0] ? d : "ai.onnx", (long long)v);
		}
		fputs("inputs:\n", f);
		for (size_t i = 0; i < mlmd_model_input_count(m); i++)
			print_info(f, mlmd_model_input(m, i));
		fputs("outputs:\n", f);
		for (size_t i = 0; i < mlmd_model_output_count(m); i++)
			print_info(f, mlmd_model_output(m, i));
		if (mlmd_model_metadata_count(m))
			fputs("metadata:\n", f);
		for (size_t i = 0; i < mlmd_model_metadata_count(m); i++) {
			const char *k, *v;
			mlmd_model_metadata(m, i, &k, &v);
			fprintf(f, "  %s: %s\n", k, v);
		}
	}
	mlmd_model_free(m);
	return rc;
}

/* ---- model add ------------------------------------------------------------------------------- */

static int cmd_model_add(const char *global_store, int argc, char **argv)
{
	const char *store_uri = global_store ? global_store : getenv("MLMD_STORE"), *type = "Model", *name = NULL,
		*path = NULL, *uri = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s model add --store URI [--actor NAME] [--type NAME] --name NAME [--uri URI] FILE\n\n"
				"Records a model file as an artifact (default type \"Model\") with its SHA-256 digest, size,\n"
				"format, inputs and outputs, so that scorers can verify it. The file must load as a model.\n"
				"The artifact's uri is FILE's absolute file:// URI (found from any directory) unless --uri\n"
				"gives another. Prints the new artifact's id.\n", prog);
			return 0;
		} else if (!strcmp(a, "--store") && has_next) {
			store_uri = argv[++i];
		} else if (!strcmp(a, "--actor") && has_next) {
			cli_g.actor = argv[++i];
		} else if (!strcmp(a, "--type") && has_next) {
			type = argv[++i];
		} else if (!strcmp(a, "--name") && has_next) {
			name = argv[++i];
		} else if (!strcmp(a, "--uri") && has_next) {
			uri = argv[++i];
		} else if (a[0] == '-' || path) {
			return cli_usage("model add: unexpected argument '%s'", a);
		} else {
			path = a;
		}
	}
	if (!store_uri || !name || !path)
		return cli_usage("model add: --store URI (or MLMD_STORE), --name NAME and FILE are required");
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = store_uri;
	so.actor = cli_g.actor;
	mlmd_store *st;
	if (mlmd_store_open(&st, &so))
		return cli_failed("%s", mlmd_error_message());
	mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
	o.path = path;
	o.type_name = type;
	o.name = name;
	o.uri = uri;
	int64_t id;
	int rc = 0;
	if (mlmd_model_record(st, &o, &id))
		rc = cli_failed("%s", mlmd_error_message());
	else
		printf("%lld\n", (long long)id);
	mlmd_store_free(st);
	return rc;
}


int cmd_score(int argc, char **argv)
{
	if (cli_g.json)
		return cli_usage("--json does not apply to score (its output is CSV)");
	return score(cli_g.store, argc, argv);
}

int cmd_model(int argc, char **argv)
{
	if (argc < 1)
		return cli_usage("model: a subcommand is required (info, add)");
	if (!strcmp(argv[0], "info")) {
		if (!cli_g.json)
			return cmd_model_info(argc - 1, argv + 1);
		/* --json before the command: as if given after it */
		char **with = calloc((size_t)argc + 1, sizeof *with);
		if (!with)
			return cli_failed("out of memory");
		memcpy(with, argv + 1, (size_t)(argc - 1) * sizeof *with);
		with[argc - 1] = "--json";
		int rc = cmd_model_info(argc, with);
		free(with);
		return rc;
	}
	if (!strcmp(argv[0], "add")) {
		if (cli_g.json)
			return cli_usage("--json does not apply to model add");
		return cmd_model_add(cli_g.store, argc - 1, argv + 1);
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		printf("usage: mlmd model info PATH [--json]\n"
		       "       mlmd model add --store URI [--type NAME] --name NAME [--uri URI] FILE\n\n"
		       "'info' describes a model file; 'add' records one in a store with its digest.\n"
		       "Run 'mlmd model info --help' or 'mlmd model add --help' for details.\n");
		return 0;
	}
	static const char *const subs[] = { "info", "add" };
	const char *near = cli_closest(argv[0], subs, 2);
	if (near)
		return cli_usage("model: unknown subcommand '%s' (did you mean %s?)", argv[0], near);
	return cli_usage("model: unknown subcommand '%s' (info, add)", argv[0]);
}

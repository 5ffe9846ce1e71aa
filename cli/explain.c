/*
 * cli/explain.c - `mlmd explain` (docs/cli.md): each CSV row's feature
 * contributions and bias through mlmd_explainer, as CSV.
 *
 *   mlmd explain --model FILE [--input CSV|-] [--output CSV|-] [--background CSV] [--columns a,b,...]
 *                [--threads N] [--batch N] [--max-memory SIZE]
 *
 * Rows are read as `mlmd score` reads them (inputs.c), a batch at a time;
 * the batch's rows are split into one contiguous chunk per thread, each
 * thread explaining its chunk through its own score context into its part
 * of the batch's result and formatting it as CSV lines, which are then
 * written in input order. Memory is
 * bounded by the batch: its rows and n x K x (F + 1) doubles.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mlmd.h>
#include <mlmd/explain.h>

#include "cli.h"
#include "csv.h"
#include "inputs.h"

#define MAX_THREADS 64
#define DEFAULT_MAX_THREADS 8

static void explain_help(FILE *f)
{
	fprintf(f, "usage: mlmd explain --model FILE [--input CSV|-] [--output CSV|-] [--background CSV]\n"
		"                    [--columns a,b,...] [--threads N] [--batch N] [--max-memory SIZE]\n\n"
		"Writes, for each row of the input CSV, each feature's contribution to the model's margin (its\n"
		"raw score before the link function) and a bias, so that the bias plus the contributions equal\n"
		"the margin: exact path-dependent TreeSHAP for tree ensembles, w_i (x_i - mean_i) for linear\n"
		"models (docs/explain.md).\n"
		"  --model FILE     the model (ONNX, XGBoost JSON or PMML)\n"
		"  --input CSV      rows to explain, read as `mlmd score` reads them (default: standard input)\n"
		"  --output CSV     where to write (default: standard output)\n"
		"  --background CSV a background sample with the same columns: an ONNX tree ensemble's covers\n"
		"                   (required for it), a linear model's feature means (zero without it)\n"
		"  --columns LIST   for a model with one [N, F] input: the columns to use, in order\n"
		"  --threads N      threads explaining each batch (default: the CPUs, at most %d)\n"
		"  --batch N        rows read and explained at a time (default 1024)\n"
		"  --max-memory SIZE  scratch memory one thread's share of a batch may use (K, M, G, T;\n"
		"                   0 = no limit; default 1G)\n\n"
		"The output has contrib_<feature> columns and contrib_bias for a model with one margin; with K\n"
		"margins (one per class) contrib_<label>_<feature> and contrib_<label>_bias per class. Features\n"
		"are the CSV's column names for a model with a single [N, F] input, else the explainer's names.\n"
		"Numbers have 17 significant digits; a missing value gives an empty cell.\n", DEFAULT_MAX_THREADS);
}

/* One thread's share of a batch. */
typedef struct {
	const mlmd_explainer *e;
	mlmd_score_ctx *ctx;
	const mlmd_tensor *in;  /* the batch's tensors */
	size_t ni;
	long r0, n;             /* its rows */
	double *out;            /* the batch's result */
	size_t per;             /* doubles per row */
	int rc;
	char msg[512];
	char *text;             /* its rows as CSV lines (formatting is most of the work, so the threads do it) */
	size_t len, cap;
	mlmd_tensor view[];     /* ni views of its rows */
} part;

static void rows_view(const mlmd_tensor *in, size_t ni, long r0, long n, mlmd_tensor *view)
{
	for (size_t k = 0; k < ni; k++) {
		view[k] = in[k];
		int64_t w = 1;
		for (int d = 1; d < in[k].rank; d++)
			w *= in[k].dims[d];
		view[k].dims[0] = n;
		view[k].data = (char *)in[k].data + (size_t)(r0 * w) * mlmd_dtype_size(in[k].dtype);
	}
}

/* Appends a row's numbers as one CSV line to p->text; -1 when memory runs out. */
static int format_row(part *p, const double *v, size_t n)
{
	if (p->cap - p->len < n * 32 + 2) {
		size_t cap = (p->cap ? p->cap * 2 : 4096) + n * 32 + 2;
		char *t = realloc(p->text, cap);
		if (!t)
			return -1;
		p->text = t;
		p->cap = cap;
	}
	for (size_t c = 0; c < n; c++) {
		if (c)
			p->text[p->len++] = ',';
		if (v[c] == v[c]) { /* NaN (missing): an empty cell */
			mlmd_double_format(p->text + p->len, 32, v[c], 17);
			p->len += strlen(p->text + p->len);
		}
	}
	p->text[p->len++] = '\n';
	return 0;
}

static void *explain_part(void *arg)
{
	part *p = arg;
	p->len = 0;
	rows_view(p->in, p->ni, p->r0, p->n, p->view);
	double *res = p->out + (size_t)p->r0 * p->per;
	p->rc = mlmd_explainer_explain(p->e, p->ctx, p->view, p->ni, res, (size_t)p->n * p->per, NULL);
	if (p->rc) {
		snprintf(p->msg, sizeof p->msg, "%s", mlmd_error_message()); /* the error is per thread */
		return NULL;
	}
	for (long i = 0; i < p->n; i++)
		if (format_row(p, res + (size_t)i * p->per, p->per)) {
			p->rc = -MLMD_RESOURCE_EXHAUSTED;
			snprintf(p->msg, sizeof p->msg, "out of memory");
			break;
		}
	return NULL;
}

/* The background CSV read whole into tensors laid out as the model's
 * inputs (bg[k] owns its data; STRING cells' strings are owned through
 * strs[k]). */
typedef struct {
	mlmd_tensor *t;
	char ***strs;
	size_t ni;
	long rows;
} background;

static void background_free(background *b)
{
	for (size_t k = 0; k < b->ni; k++) {
		if (b->t && b->t[k].dtype == MLMD_DTYPE_STRING && b->strs && b->strs[k]) {
			int64_t w = b->t[k].rank == 2 ? b->t[k].dims[1] : 1;
			for (long i = 0; i < b->rows * w; i++)
				free(b->strs[k][i]);
		}
		if (b->t)
			free(b->t[k].data);
	}
	free(b->t);
	free(b->strs);
}

static int read_background(background *b, const mlmd_model *m, const char *path, char *columns)
{
	memset(b, 0, sizeof *b);
	FILE *f = fopen(path, "r");
	if (!f)
		return cli_failed("%s: %s", path, strerror(errno));
	csv_reader r;
	csv_init(&r, f);
	cli_inputs ci;
	char *cols = columns ? strdup(columns) : NULL; /* the input's binding splits its own copy */
	int rc = columns && !cols ? cli_failed("out of memory") : cli_inputs_bind(&ci, m, &r, path, cols, 4096);
	b->ni = ci.ni;
	b->t = calloc(ci.ni + 1, sizeof *b->t);
	b->strs = calloc(ci.ni + 1, sizeof *b->strs);
	if (!rc && (!b->t || !b->strs))
		rc = cli_failed("out of memory");
	for (size_t k = 0; !rc && k < ci.ni; k++) {
		b->t[k].dtype = ci.binds[k].dtype;
		b->t[k].rank = ci.binds[k].rank;
		b->t[k].dims[1] = ci.binds[k].n_cols;
	}
	size_t cap = 0;
	while (!rc) {
		if ((rc = cli_inputs_read(&ci, &r)) || ci.n == 0)
			break;
		if ((size_t)(b->rows + ci.n) > cap) {
			cap = cap ? cap * 2 : 4096;
			for (size_t k = 0; k < ci.ni && !rc; k++) {
				size_t es = mlmd_dtype_size(ci.binds[k].dtype), w = (size_t)ci.binds[k].n_cols;
				void *nd = realloc(b->t[k].data, cap * w * es + 1);
				if (!nd) {
					rc = cli_failed("out of memory reading the background");
					break;
				}
				b->t[k].data = nd;
				if (ci.binds[k].dtype == MLMD_DTYPE_STRING)
					b->strs[k] = (char **)nd;
			}
		}
		for (size_t k = 0; k < ci.ni && !rc; k++) {
			size_t es = mlmd_dtype_size(ci.binds[k].dtype), w = (size_t)ci.binds[k].n_cols;
			memcpy((char *)b->t[k].data + (size_t)b->rows * w * es, ci.bufs[k], (size_t)ci.n * w * es);
			if (ci.binds[k].dtype == MLMD_DTYPE_STRING) /* the strings now belong to the background */
				memset(ci.strs[k], 0, (size_t)ci.n * w * sizeof(char *));
		}
		b->rows += ci.n;
	}
	if (!rc && b->rows == 0)
		rc = cli_failed("%s: the background has no rows", path);
	for (size_t k = 0; b->t && k < ci.ni; k++)
		b->t[k].dims[0] = b->rows;
	cli_inputs_free(&ci);
	csv_free(&r);
	free(cols);
	fclose(f);
	return rc;
}

/* contrib_[<label>_]<name> */
static void put_column(FILE *out, const char *label, const char *name)
{
	size_t n = strlen(label ? label : "") + strlen(name) + 16;
	char *s = malloc(n);
	if (!s)
		return;
	if (label)
		snprintf(s, n, "contrib_%s_%s", label, name);
	else
		snprintf(s, n, "contrib_%s", name);
	csv_put(out, s);
	free(s);
}

static long default_threads(void)
{
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c < 1 ? 1 : c > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : c;
}

int cmd_explain(int argc, char **argv)
{
	const char *model_path = NULL, *in_path = "-", *out_path = "-", *bg_path = NULL;
	char *columns = NULL;
	long batch = 1024, threads = default_threads();
	size_t max_memory = (size_t)1 << 30;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool has_next = i + 1 < argc;
		char *end;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			explain_help(stdout);
			return 0;
		} else if (!strcmp(a, "--model") && has_next) {
			model_path = argv[++i];
		} else if (!strcmp(a, "--input") && has_next) {
			in_path = argv[++i];
		} else if (!strcmp(a, "--output") && has_next) {
			out_path = argv[++i];
		} else if (!strcmp(a, "--background") && has_next) {
			bg_path = argv[++i];
		} else if (!strcmp(a, "--columns") && has_next) {
			columns = argv[++i];
		} else if (!strcmp(a, "--threads") && has_next) {
			threads = strtol(argv[++i], &end, 10);
			if (*end || threads < 1 || threads > MAX_THREADS)
				return cli_usage("explain: --threads must be a number from 1 to %d", MAX_THREADS);
		} else if (!strcmp(a, "--batch") && has_next) {
			batch = strtol(argv[++i], &end, 10);
			if (*end || batch < 1 || batch > 10000000)
				return cli_usage("explain: --batch must be a number from 1 to 10000000");
		} else if (!strcmp(a, "--max-memory") && has_next) {
			if (cli_parse_size(argv[++i], &max_memory))
				return cli_usage("explain: --max-memory must be a byte count like 512M, 2G or 0 (no limit), "
					"not '%s'", argv[i]);
		} else {
			return cli_usage("explain: unknown or incomplete option '%s'", a);
		}
	}
	if (!model_path)
		return cli_usage("explain: give --model FILE");
	mlmd_model *m = NULL;
	if (mlmd_model_load_file(&m, model_path))
		return cli_failed("%s", mlmd_error_message());
	background bg = { 0 };
	int rc = bg_path ? read_background(&bg, m, bg_path, columns) : 0;
	mlmd_explainer *e = NULL;
	if (!rc && mlmd_explainer_new(&e, m, bg.t, bg.t ? bg.ni : 0))
		rc = cli_failed("model '%s': %s", model_path, mlmd_error_message());
	background_free(&bg);
	if (rc) {
		mlmd_model_free(m);
		return rc;
	}
	FILE *in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
	FILE *out = in && strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
	if (!in || !out) {
		rc = cli_failed("%s: %s", !in ? in_path : out_path, strerror(errno));
		if (in && in != stdin)
			fclose(in);
		mlmd_explainer_free(e);
		mlmd_model_free(m);
		return rc;
	}
	csv_reader r;
	csv_init(&r, in);
	cli_inputs ci;
	size_t ni = mlmd_model_input_count(m), F = mlmd_explainer_feature_count(e), K = mlmd_explainer_output_count(e);
	size_t per = K * (F + 1);
	mlmd_tensor *tin = calloc(ni + 1, sizeof *tin);
	double *res = NULL;
	part *parts[MAX_THREADS] = { 0 };
	long rows_done = 0;
	if ((rc = cli_inputs_bind(&ci, m, &r, in_path, columns, batch)))
		goto out;
	res = malloc((size_t)batch * per * sizeof *res + 1);
	for (long t = 0; t < threads && tin && res; t++) {
		parts[t] = calloc(1, sizeof *parts[t] + (ni + 1) * sizeof(mlmd_tensor));
		if (!parts[t] || mlmd_score_ctx_new(&parts[t]->ctx))
			break;
		mlmd_score_ctx_set_limit(parts[t]->ctx, max_memory);
	}
	if (!tin || !res || !parts[threads - 1] || !parts[threads - 1]->ctx) {
		rc = cli_failed("out of memory");
		goto out;
	}
	/* the header: the CSV's names for a single [N, F] input, else the explainer's */
	bool csv_names = ni == 1 && ci.binds[0].rank == 2 && (size_t)ci.binds[0].n_cols == F;
	for (size_t k = 0; k < K; k++) {
		const char *label = K > 1 ? mlmd_explainer_output_label(e, k) : NULL;
		char lbuf[32];
		if (K > 1 && !label) {
			snprintf(lbuf, sizeof lbuf, "%zu", k);
			label = lbuf;
		}
		for (size_t j = 0; j <= F; j++) {
			if (k || j)
				fputc(',', out);
			put_column(out, label, j == F ? "bias" : csv_names ? ci.header[ci.binds[0].cols[j]] :
				mlmd_explainer_feature_name(e, j));
		}
	}
	fputc('\n', out);
	for (;;) {
		if ((rc = cli_inputs_read(&ci, &r)) || ci.n == 0)
			break;
		long n = ci.n, chunk = (n + threads - 1) / threads, used = 0;
		cli_inputs_tensors(&ci, tin);
		pthread_t th[MAX_THREADS];
		bool started[MAX_THREADS] = { false };
		for (long t = 0; t < threads && t * chunk < n; t++, used++) {
			part *p = parts[t];
			p->e = e;
			p->in = tin;
			p->ni = ni;
			p->r0 = t * chunk;
			p->n = n - p->r0 < chunk ? n - p->r0 : chunk;
			p->out = res;
			p->per = per;
			p->rc = 0;
			if (t > 0 && pthread_create(&th[t], NULL, explain_part, p) == 0)
				started[t] = true;
		}
		for (long t = used - 1; t >= 0; t--) /* the calling thread takes the first chunk, and any a thread could not */
			if (!started[t])
				explain_part(parts[t]);
		for (long t = 1; t < used; t++)
			if (started[t])
				pthread_join(th[t], NULL);
		for (long t = 0; t < used && !rc; t++)
			if (parts[t]->rc)
				rc = cli_failed("rows %ld-%ld: %s%s", rows_done + parts[t]->r0 + 1, rows_done + parts[t]->r0 +
					parts[t]->n, parts[t]->msg, parts[t]->rc == -MLMD_RESOURCE_EXHAUSTED && max_memory ?
					" (--max-memory sets the limit)" : "");
		if (rc)
			break;
		for (long t = 0; t < used; t++)
			fwrite(parts[t]->text, 1, parts[t]->len, out);
		rows_done += n;
		if (n < batch)
			break;
	}
	if (!rc && (fflush(out) || ferror(out)))
		rc = cli_failed("%s: write error", out_path);
out:
	cli_inputs_free(&ci);
	csv_free(&r);
	for (long t = 0; t < MAX_THREADS; t++)
		if (parts[t]) {
			mlmd_score_ctx_free(parts[t]->ctx);
			free(parts[t]->text);
			free(parts[t]);
		}
	free(res);
	free(tin);
	mlmd_explainer_free(e);
	mlmd_model_free(m);
	if (in != stdin)
		fclose(in);
	if (out != stdout && fclose(out) && rc == 0)
		rc = cli_failed("%s: write error", out_path);
	return rc;
}

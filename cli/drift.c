/*
 * cli/drift.c - mlmd drift --reference REF.csv --current CUR.csv: two CSV
 * samples compared column by column with the two-sample statistics of
 * mlmd/monitor.h (docs/cli.md, docs/monitoring.md). With --store the
 * command is a serving execution's drift windows instead (cli/drift_store.c).
 *
 * Each file is read once; the cells of the compared columns are kept as
 * text (one buffer and one offset per cell a column), then each column is
 * classified (numeric when every non-empty value of both files is a
 * number) and compared.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "csv.h"
#include "csv_column.h"

typedef struct sample {
	const char *path;
	char **header;
	size_t n_header;
	int *index;             /* the header position of each compared column */
	csv_column *cols;       /* one per compared column */
} sample;

static void sample_free(sample *s, size_t n_cols)
{
	for (size_t i = 0; s->header && i < s->n_header; i++)
		free(s->header[i]);
	free(s->header);
	for (size_t i = 0; s->cols && i < n_cols; i++)
		csv_column_free(&s->cols[i]);
	free(s->cols);
	free(s->index);
}

static int header_find(const sample *s, const char *name)
{
	for (size_t i = 0; i < s->n_header; i++)
		if (!strcmp(s->header[i], name))
			return (int)i;
	return -1;
}

/* Reads the header line of s->path from r. */
static int read_header(sample *s, csv_reader *r)
{
	int got = csv_next(r);
	if (got < 0)
		return cli_failed("%s:%ld: %s (the header)", s->path, r->lineno, r->err);
	if (got == 0)
		return cli_failed("%s: empty file (a header line naming the columns is needed)", s->path);
	s->header = calloc(r->n_cells, sizeof *s->header);
	if (!s->header)
		return cli_failed("out of memory");
	s->n_header = r->n_cells;
	for (size_t i = 0; i < r->n_cells; i++)
		if (!(s->header[i] = strdup(r->cells[i])))
			return cli_failed("out of memory");
	return 0;
}

/* Reads the rows of s->path, keeping the cells of the n compared columns. */
static int read_rows(sample *s, csv_reader *r, size_t n)
{
	int got;
	while ((got = csv_next(r)) > 0) {
		if (r->n_cells != s->n_header)
			return cli_failed("%s:%ld: %zu fields, the header has %zu", s->path, r->lineno, r->n_cells,
					  s->n_header);
		for (size_t i = 0; i < n; i++)
			if (csv_column_push(&s->cols[i], r->cells[s->index[i]]))
				return cli_failed("out of memory reading %s", s->path);
	}
	if (got < 0)
		return cli_failed("%s:%ld: %s", s->path, r->lineno, r->err);
	return 0;
}

static int parse_threshold(const char *opt, const char *s, double max, double *out)
{
	double x;
	if (mlmd_double_parse(s, strlen(s), &x) || !(x > 0) || x > max)
		return cli_usage("%s: '%s' is not a number in (0, %g]", opt, s, max);
	*out = x;
	return 0;
}

/* ---- output ---------------------------------------------------------------------------------- */

typedef struct result {
	const char *name;
	mlmd_drift_column c;
} result;

static void json_out(mlmd_json_writer *w, const result *res, size_t n)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "columns");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const mlmd_drift_column *c = &res[i].c;
		int num = c->kind == MLMD_COLUMN_NUMERIC;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, res[i].name);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, num ? "numeric" : "categorical");
		mlmd_json_key(w, "n_reference");
		mlmd_json_int(w, c->n_reference);
		mlmd_json_key(w, "n_current");
		mlmd_json_int(w, c->n_current);
		mlmd_json_key(w, "missing_reference");
		mlmd_json_int(w, c->missing_reference);
		mlmd_json_key(w, "missing_current");
		mlmd_json_int(w, c->missing_current);
		if (num) {
			mlmd_json_key(w, "ks");
			mlmd_json_double(w, c->ks, 17);
			mlmd_json_key(w, "ks_pvalue");
			mlmd_json_double(w, c->ks_pvalue, 17);
			mlmd_json_key(w, "wasserstein");
			mlmd_json_double(w, c->wasserstein, 17); /* infinite: null */
		}
		mlmd_json_key(w, "psi");
		mlmd_json_double(w, c->psi, 17);
		mlmd_json_key(w, "js");
		mlmd_json_double(w, c->js, 17);
		if (!num) {
			mlmd_json_key(w, "chi2");
			mlmd_json_double(w, c->chi2, 17);
			mlmd_json_key(w, "chi2_pvalue");
			mlmd_json_double(w, c->chi2_pvalue, 17);
		}
		mlmd_json_key(w, "drift");
		mlmd_json_bool(w, c->drift);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
}

/* A figure in the table: 4 significant digits, "-" when it does not apply. */
static const char *fig(char *buf, size_t size, double v, int applies)
{
	if (!applies)
		return "-";
	mlmd_double_format(buf, size, v, 4);
	return buf;
}

static void table_out(const result *res, size_t n, double psi, double pvalue)
{
	int w = 6;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(res[i].name) > w)
			w = (int)strlen(res[i].name);
	printf("%-*s  %-11s  %9s  %9s  %8s  %8s  %10s  %10s  %11s  %10s  %10s  %10s  %10s  %s\n", w, "column", "kind",
	       "n_ref", "n_cur", "miss_ref", "miss_cur", "ks", "p(ks)", "wasserstein", "psi", "js", "chi2", "p(chi2)",
	       "drift");
	size_t drifted = 0;
	for (size_t i = 0; i < n; i++) {
		const mlmd_drift_column *c = &res[i].c;
		int num = c->kind == MLMD_COLUMN_NUMERIC;
		char b[7][32];
		printf("%-*s  %-11s  %9lld  %9lld  %8lld  %8lld  %10s  %10s  %11s  %10s  %10s  %10s  %10s%s\n", w,
		       res[i].name, num ? "numeric" : "categorical", (long long)c->n_reference, (long long)c->n_current,
		       (long long)c->missing_reference, (long long)c->missing_current, fig(b[0], 32, c->ks, num),
		       fig(b[1], 32, c->ks_pvalue, num), fig(b[2], 32, c->wasserstein, num), fig(b[3], 32, c->psi, 1),
		       fig(b[4], 32, c->js, 1), fig(b[5], 32, c->chi2, !num), fig(b[6], 32, c->chi2_pvalue, !num),
		       c->drift ? "  DRIFT" : "");
		drifted += c->drift != 0;
	}
	char a[32], b[32];
	mlmd_double_format(a, sizeof a, psi, 0);
	mlmd_double_format(b, sizeof b, pvalue, 0);
	printf("drift in %zu of %zu column%s (PSI >= %s or a p-value < %s)\n", drifted, n, n == 1 ? "" : "s", a, b);
}

/* ---- the command ------------------------------------------------------------------------------- */

static int wants_store(int argc, char **argv)
{
	int reference = 0;
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--store") || !strncmp(argv[i], "--store=", 8))
			return 1;
		reference |= !strcmp(argv[i], "--reference") || !strncmp(argv[i], "--reference=", 12);
	}
	/* `mlmd --store URI drift --execution ID`: the global option */
	return cli_g.store && !reference;
}

/* Compares column i of the two samples into *out. */
static int compare(const sample *ref, const sample *cur, size_t i, const char *name, const mlmd_drift_thresholds *th,
		   mlmd_drift_column *out)
{
	const csv_column *a = &ref->cols[i], *b = &cur->cols[i];
	const char **sa = csv_column_cells(a), **sb = csv_column_cells(b);
	double *xa = malloc((a->n ? a->n : 1) * sizeof *xa), *xb = malloc((b->n ? b->n : 1) * sizeof *xb);
	int rc = 0;
	if (!sa || !sb || !xa || !xb) {
		rc = cli_failed("out of memory comparing column '%s'", name);
	} else {
		int ka = mlmd_column_classify(sa, a->n, xa), kb = mlmd_column_classify(sb, b->n, xb);
		int err = ka == MLMD_COLUMN_NUMERIC && kb == MLMD_COLUMN_NUMERIC
				  ? mlmd_drift_numeric(xa, a->n, xb, b->n, th, out)
				  : mlmd_drift_categorical(sa, a->n, sb, b->n, th, out);
		if (err)
			rc = cli_failed("column '%s' (%s, %s): %s", name, ref->path, cur->path, mlmd_error_message());
	}
	free(sa), free(sb), free(xa), free(xb);
	return rc;
}

int cmd_drift(int argc, char **argv)
{
	if (wants_store(argc, argv))
		return cmd_drift_store(argc, argv);
	const char *ref_path = NULL, *cur_path = NULL, *columns = NULL, *psi_s = NULL, *pv_s = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--reference", "REF.csv", "the reference sample (a CSV file with a header line; - for stdin)",
			&ref_path),
		CLI_STR("--current", "CUR.csv", "the current sample, compared with the reference", &cur_path),
		CLI_STR("--columns", "A,B,...", "compare these columns only (default: the reference's columns that the "
			"current file also has)", &columns),
		CLI_STR("--psi-threshold", "X", "a column drifted when its PSI is at least X (default 0.2)", &psi_s),
		CLI_STR("--pvalue-threshold", "P", "a column drifted when a p-value (KS, chi-squared) is below P "
			"(default 0.01)", &pv_s),
		CLI_FLAG("--json", "one JSON object on stdout: {\"columns\": [{\"name\", \"kind\", \"n_reference\", "
			"\"n_current\", \"missing_reference\", \"missing_current\", numeric: \"ks\", \"ks_pvalue\", "
			"\"wasserstein\", categorical: \"chi2\", \"chi2_pvalue\"; both: \"psi\", \"js\", \"drift\"}]}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "drift", NULL, 0, 0,
		"Compares two samples column by column: numeric columns (every non-empty value of both files a number) "
		"by Kolmogorov-Smirnov, Wasserstein-1, PSI and Jensen-Shannon over the reference's deciles; the others by "
		"chi-squared, PSI and Jensen-Shannon over the categories. Exits 0 whether or not drift was found. "
		"With --store URI --execution ID: a serving execution's drift windows (see mlmd drift --store --help).",
		false, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!ref_path || !cur_path)
		return cli_usage("drift: --reference REF.csv and --current CUR.csv are needed (or --store URI "
				 "--execution ID)");
	if (!strcmp(ref_path, "-") && !strcmp(cur_path, "-"))
		return cli_usage("drift: only one of --reference and --current can be standard input");
	mlmd_drift_thresholds th = MLMD_DRIFT_THRESHOLDS_INIT;
	if ((psi_s && (rc = parse_threshold("--psi-threshold", psi_s, INFINITY, &th.psi))) ||
	    (pv_s && (rc = parse_threshold("--pvalue-threshold", pv_s, 1, &th.pvalue))))
		return rc;

	sample s[2] = { { ref_path, NULL, 0, NULL, NULL }, { cur_path, NULL, 0, NULL, NULL } };
	FILE *f[2] = { NULL, NULL };
	csv_reader r[2];
	char **names = NULL, *list = NULL;
	size_t n = 0;
	result *res = NULL;
	for (int k = 0; k < 2; k++) {
		f[k] = strcmp(s[k].path, "-") ? fopen(s[k].path, "r") : stdin;
		if (!f[k]) {
			rc = cli_failed("%s: %s", s[k].path, strerror(errno));
			goto out;
		}
		csv_init(&r[k], f[k]);
		if ((rc = read_header(&s[k], &r[k])))
			goto out;
	}
	/* the columns compared */
	names = calloc(s[0].n_header + 1, sizeof *names);
	if (!names) {
		rc = cli_failed("out of memory");
		goto out;
	}
	if (columns) {
		list = strdup(columns);
		size_t cap = s[0].n_header + 1;
		for (char *tok = list ? strtok(list, ",") : NULL; tok; tok = strtok(NULL, ",")) {
			for (int k = 0; k < 2; k++)
				if (header_find(&s[k], tok) < 0) {
					rc = cli_failed("column '%s' is not in %s (not in its header line)", tok,
							s[k].path);
					goto out;
				}
			if (n == cap) {
				char **nn = realloc(names, 2 * cap * sizeof *nn);
				if (!nn) {
					rc = cli_failed("out of memory");
					goto out;
				}
				names = nn;
				cap *= 2;
			}
			names[n++] = tok;
		}
		if (!list || !n) {
			rc = list ? cli_usage("drift: --columns names no column") : cli_failed("out of memory");
			goto out;
		}
	} else {
		for (size_t i = 0; i < s[0].n_header; i++)
			if (header_find(&s[0], s[0].header[i]) == (int)i && header_find(&s[1], s[0].header[i]) >= 0)
				names[n++] = s[0].header[i];
		if (!n) {
			rc = cli_failed("%s and %s have no column in common", s[0].path, s[1].path);
			goto out;
		}
	}
	for (int k = 0; k < 2; k++) {
		s[k].index = calloc(n, sizeof *s[k].index);
		s[k].cols = calloc(n, sizeof *s[k].cols);
		if (!s[k].index || !s[k].cols) {
			rc = cli_failed("out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			s[k].index[i] = header_find(&s[k], names[i]);
		if ((rc = read_rows(&s[k], &r[k], n)))
			goto out;
	}
	res = calloc(n, sizeof *res);
	if (!res) {
		rc = cli_failed("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		res[i].name = names[i];
		if ((rc = compare(&s[0], &s[1], i, names[i], &th, &res[i].c)))
			goto out;
	}
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
			goto out;
		}
		json_out(w, res, n);
		rc = cli_json_done(w);
	} else {
		table_out(res, n, th.psi, th.pvalue);
	}
out:
	for (int k = 0; k < 2; k++) {
		if (f[k]) {
			csv_free(&r[k]);
			if (f[k] != stdin)
				fclose(f[k]);
		}
		sample_free(&s[k], n);
	}
	free(res);
	free(names);
	free(list);
	return rc;
}

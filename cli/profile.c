/*
 * cli/profile.c - `mlmd profile` (docs/cli.md, "cli-profile"): a model's
 * reference profile from its training data. The model artifact is loaded
 * and verified as `mlmd score --artifact` does; the CSV columns that feed
 * its inputs (matched as `mlmd score` matches them) are read and kept in
 * memory (only those columns), each profiled as numeric or categorical;
 * the rows are scored to profile the model's outputs; and the profile is
 * recorded with PutProfile (mlmd.DataProfile, OUTPUT of mlmd.Profiling,
 * INPUT the model and --dataset).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include <mlmd/registry.h>
#include "mlmd_governance.pb-c.h"
#include "cli.h"
#include "csv.h"
#include "csv_column.h"
#include "inputs.h"

#define BATCH 1024

/* One CSV column kept: its cells as text. */
typedef struct kept {
	int csv;                /* its index in the CSV */
	const char *name;       /* the header's name (borrowed from header) */
	csv_column col;         /* n_rows cells */
	const char **cells;     /* after reading: the cells as pointers */
	double *numbers;        /* numeric columns: the values (NaN missing) */
	int kind;
	bool as_float;          /* it feeds a FLOAT input: profiled as the model sees it, rounded to float */
} kept;

typedef struct job {
	const char *in_path;
	cli_inputs ci;          /* the header and the inputs' CSV columns, as `mlmd score` binds them */
	char **header;          /* ci's */
	int n_header;
	kept *k;
	int n_kept;
	size_t n_rows;
} job;

static int keep_column(job *j, int csv)
{
	for (int i = 0; i < j->n_kept; i++)
		if (j->k[i].csv == csv)
			return i;
	kept *k = realloc(j->k, (size_t)(j->n_kept + 1) * sizeof *k);
	if (!k)
		return -1;
	j->k = k;
	memset(&k[j->n_kept], 0, sizeof *k);
	k[j->n_kept].csv = csv;
	k[j->n_kept].name = j->header[csv];
	return j->n_kept++;
}

/* Reads the header and binds the model's inputs to CSV columns with
 * cli_inputs_bind (as `mlmd score` does), keeping the columns they use. */
static int map_inputs(job *j, const mlmd_model *m, csv_reader *r, char *columns)
{
	int rc = cli_inputs_bind(&j->ci, m, r, j->in_path, columns, BATCH); /* the rows are read here, then parsed */
	j->header = j->ci.header;
	j->n_header = j->ci.n_header;
	if (rc)
		return rc;
	for (size_t i = 0; i < j->ci.ni; i++) {
		const cli_in_bind *cb = &j->ci.binds[i];
		for (int c = 0; c < cb->n_cols; c++) {
			int k = keep_column(j, cb->cols[c]);
			if (k < 0)
				return cli_failed("out of memory");
			if (cb->dtype == MLMD_DTYPE_STRING)
				j->k[k].kind = MLMD_COLUMN_CATEGORICAL;
			if (cb->dtype == MLMD_DTYPE_FLOAT)
				j->k[k].as_float = true;
		}
	}
	return 0;
}

/* Reads every row, keeping the mapped columns' cells. */
static int read_rows(job *j, csv_reader *r)
{
	for (;;) {
		int got = csv_next(r);
		if (got < 0)
			return cli_failed("%s:%ld: %s", j->in_path, r->lineno, r->err);
		if (got == 0)
			return 0;
		if (r->n_cells == 1 && r->cells[0][0] == '\0')
			continue; /* blank line */
		if ((int)r->n_cells != j->n_header)
			return cli_failed("%s:%ld: %zu fields, the header has %d", j->in_path, r->lineno, r->n_cells,
					  j->n_header);
		for (int i = 0; i < j->n_kept; i++)
			if (csv_column_push(&j->k[i].col, r->cells[j->k[i].csv]))
				return cli_failed("out of memory reading %s", j->in_path);
		j->n_rows++;
	}
}

/* Classifies each kept column and fills its numbers. */
static int classify(job *j)
{
	for (int i = 0; i < j->n_kept; i++) {
		kept *k = &j->k[i];
		if (!(k->cells = csv_column_cells(&k->col)))
			return cli_failed("out of memory");
		if (k->kind == MLMD_COLUMN_CATEGORICAL)
			continue;
		if (!(k->numbers = malloc((j->n_rows + 1) * sizeof *k->numbers)))
			return cli_failed("out of memory");
		k->kind = mlmd_column_classify(k->cells, j->n_rows, k->numbers);
		/* A scorer bins the float the model receives, so the profile's values
		 * (and the decile edges drawn from them) must be those floats: "2.8"
		 * read as a double lies above 2.8f, and a value on an edge would land
		 * in another bin when served than when profiled. */
		for (size_t r = 0; k->kind == MLMD_COLUMN_NUMERIC && k->as_float && r < j->n_rows; r++)
			if (fabs(k->numbers[r]) <= FLT_MAX) /* beyond: the scorer refuses the cell anyway */
				k->numbers[r] = (double)(float)k->numbers[r];
	}
	return 0;
}

/* The outputs: the first output with class labels and one score per class
 * gives each row's class (the argmax); else the first output with one
 * value per row gives a score histogram. */
typedef struct outs {
	int target;             /* output index, -1 none */
	bool classes;
	char **labels;          /* n_labels texts */
	size_t n_labels;
	const char **row_class; /* n_rows */
	double *row_score;
} outs;

static double elem(const mlmd_tensor *t, size_t i)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: return ((const float *)t->data)[i];
	case MLMD_DTYPE_DOUBLE: return ((const double *)t->data)[i];
	case MLMD_DTYPE_INT32: return ((const int32_t *)t->data)[i];
	case MLMD_DTYPE_INT64: return (double)((const int64_t *)t->data)[i];
	default: return NAN;
	}
}

static int64_t width_of(const mlmd_tensor *t)
{
	int64_t w = 1;
	for (int d = 1; d < t->rank; d++)
		w *= t->dims[d];
	return w;
}

static int pick_output(outs *o, const mlmd_model *m, const mlmd_tensor *tout, size_t no, size_t n_rows)
{
	o->target = -1;
	for (size_t k = 0; k < no && o->target < 0; k++) {
		const mlmd_value_info *vi = mlmd_model_output(m, k);
		bool numeric = tout[k].dtype == MLMD_DTYPE_FLOAT || tout[k].dtype == MLMD_DTYPE_DOUBLE;
		if (vi->n_labels > 1 && numeric && width_of(&tout[k]) == (int64_t)vi->n_labels) {
			o->target = (int)k;
			o->classes = true;
			o->n_labels = vi->n_labels;
			o->labels = calloc(vi->n_labels, sizeof *o->labels);
			for (size_t c = 0; o->labels && c < vi->n_labels; c++) {
				char buf[32];
				if (vi->labels_int64)
					snprintf(buf, sizeof buf, "%lld", (long long)vi->labels_int64[c]);
				o->labels[c] = strdup(vi->labels_int64 ? buf : vi->labels_string[c]);
				if (!o->labels[c])
					return -1;
			}
			o->row_class = calloc(n_rows + 1, sizeof *o->row_class);
			return o->labels && o->row_class ? 0 : -1;
		}
	}
	for (size_t k = 0; k < no && o->target < 0; k++) {
		int dt = tout[k].dtype;
		if (width_of(&tout[k]) == 1 && (dt == MLMD_DTYPE_FLOAT || dt == MLMD_DTYPE_DOUBLE ||
						 dt == MLMD_DTYPE_INT32 || dt == MLMD_DTYPE_INT64)) {
			o->target = (int)k;
			o->row_score = malloc((n_rows + 1) * sizeof *o->row_score);
			return o->row_score ? 0 : -1;
		}
	}
	return 0;
}

/* Scores the rows in batches and keeps each row's class or score. */
static int score_rows(job *j, const mlmd_model *m, outs *o)
{
	size_t no = mlmd_model_output_count(m), ni = j->ci.ni;
	mlmd_tensor *tin = calloc(ni + 1, sizeof *tin), *tout = calloc(no + 1, sizeof *tout);
	const char **row = calloc((size_t)j->n_header + 1, sizeof *row); /* a row's cells by CSV column (the kept ones) */
	mlmd_score_ctx *ctx = NULL;
	int rc = 0;
	if (!tin || !tout || !row || mlmd_score_ctx_new(&ctx))
		rc = cli_failed("out of memory");
	o->target = -2; /* not chosen yet */
	for (size_t start = 0; !rc && start < j->n_rows; start += BATCH) {
		size_t n = j->n_rows - start < BATCH ? j->n_rows - start : BATCH;
		cli_inputs_clear(&j->ci);
		for (size_t r = 0; !rc && r < n; r++) {
			for (int i = 0; i < j->n_kept; i++)
				row[j->k[i].csv] = j->k[i].cells[start + r];
			int c;
			const char *err;
			if (cli_inputs_parse_row(&j->ci, row, &c, &err))
				rc = cli_failed("%s: row %zu, column '%s': %s: '%s'", j->in_path, start + r + 1, j->header[c],
						err, row[c]);
		}
		if (rc)
			break;
		cli_inputs_tensors(&j->ci, tin);
		memset(tout, 0, (no + 1) * sizeof *tout);
		if (mlmd_model_score(m, ctx, tin, ni, tout, no)) {
			rc = cli_failed("scoring rows %zu-%zu: %s (--no-outputs profiles the inputs alone)", start + 1,
					start + n, mlmd_error_message());
			break;
		}
		if (o->target == -2 && pick_output(o, m, tout, no, j->n_rows)) {
			rc = cli_failed("out of memory");
			break;
		}
		if (o->target < 0)
			break;
		const mlmd_tensor *t = &tout[o->target];
		int64_t w = width_of(t);
		for (size_t r = 0; r < n; r++) {
			if (o->classes) {
				size_t best = 0;
				double bv = -INFINITY;
				for (int64_t c = 0; c < w; c++) {
					double v = elem(t, r * (size_t)w + (size_t)c);
					if (v > bv) {
						bv = v;
						best = (size_t)c;
					}
				}
				o->row_class[start + r] = isinf(bv) && bv < 0 ? NULL : o->labels[best];
			} else {
				o->row_score[start + r] = elem(t, r);
			}
		}
	}
	free(row);
	free(tin);
	free(tout);
	mlmd_score_ctx_free(ctx);
	return rc;
}

static void job_free(job *j)
{
	for (int i = 0; i < j->n_kept; i++) {
		csv_column_free(&j->k[i].col);
		free(j->k[i].cells);
		free(j->k[i].numbers);
	}
	free(j->k);
	cli_inputs_free(&j->ci);
}

/* PutProfile with the profile's JSON: the response, or NULL after saying why. */
static Mlmd__Pb__Governance__PutProfileResponse *put_profile(mlmd_store *s, int64_t model, const char *json,
							     int64_t dataset, const char *name)
{
	Mlmd__Pb__Governance__PutProfileRequest rq = MLMD__PB__GOVERNANCE__PUT_PROFILE_REQUEST__INIT;
	rq.has_model_artifact_id = 1;
	rq.model_artifact_id = model;
	rq.profile_json = (char *)json;
	rq.has_dataset_artifact_id = dataset != 0;
	rq.dataset_artifact_id = dataset;
	rq.name = (char *)name;
	size_t n = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *buf = malloc(n + 1);
	void *resp = NULL;
	size_t len = 0;
	if (!buf) {
		cli_failed("out of memory");
		return NULL;
	}
	protobuf_c_message_pack(&rq.base, buf);
	int rc = mlmd_store_call(s, "PutProfile", buf, n, &resp, &len);
	free(buf);
	if (rc) {
		cli_failed("profile: %s", mlmd_error_message());
		return NULL;
	}
	Mlmd__Pb__Governance__PutProfileResponse *rs =
		mlmd__pb__governance__put_profile_response__unpack(NULL, len, resp ? resp : (void *)"");
	mlmd_buffer_free(resp);
	if (!rs)
		cli_failed("profile: the store's answer does not parse");
	return rs;
}

int cmd_profile(int argc, char **argv)
{
	const char *model_ref = NULL, *input = NULL, *columns_opt = NULL, *name = NULL;
	int64_t artifact = 0, dataset = 0, cap = 0;
	bool no_outputs = false, json = false, allow_unverified = false;
	const cli_opt opts[] = {
		CLI_STR("--model", "NAME@ALIAS|NAME/VERSION", "the model: a registry reference", &model_ref),
		CLI_INT("--artifact", "ID", "the model: its artifact id", &artifact, 1, INT64_MAX),
		CLI_STR("--input", "CSV", "the training data: a CSV file with a header (- for standard input)", &input),
		CLI_STR("--columns", "A,B,...", "for a model with one [N, F] input: the columns to use, in order",
			&columns_opt),
		CLI_INT("--category-cap", "N", "categories kept per categorical column, the rest counted as other "
			"(default 100)", &cap, 1, 100000),
		CLI_INT("--dataset", "ID", "the training data's artifact, linked as a second INPUT of the profiling",
			&dataset, 1, INT64_MAX),
		CLI_STR("--name", "NAME", "the profile artifact's name (default profile-<model id>-<ms>)", &name),
		CLI_FLAG("--no-outputs", "profile the input columns only (do not score the rows)", &no_outputs),
		CLI_FLAG("--allow-unverified", "load a model artifact whose file does not match its recorded digest",
			 &allow_unverified),
		CLI_FLAG("--json", "one JSON object on stdout: {\"profile_artifact_id\", \"execution_id\", "
			 "\"model_artifact_id\", \"n_rows\", \"n_columns\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "profile", NULL, 0, 0,
		"Records a reference profile of a model's input columns from its training data: per column the\n"
		"count, missing values and, for a numeric column, mean, variance, min, max and ten bins at the\n"
		"deciles; for a categorical one the counts of its most frequent categories and an \"other\"\n"
		"count. The model artifact is loaded and verified against its digest; the CSV columns feeding\n"
		"its inputs are matched as `mlmd score` matches them (by input name; a single [N, F] input takes\n"
		"the columns in order, or --columns). Then the rows are scored and the model's outputs profiled\n"
		"(the predicted classes of a classifier, else a histogram of the first score) unless\n"
		"--no-outputs. The profile is an mlmd.DataProfile artifact, OUTPUT of an mlmd.Profiling\n"
		"execution whose INPUT is the model. The columns used are held in memory while profiling.\n"
		"Prints the profile artifact's id.",
		true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	json = json || cli_g.json;
	if (!model_ref == !artifact)
		return cli_usage("profile: give --model NAME@ALIAS|NAME/VERSION or --artifact ID");
	if (model_ref && !mlmd_registry_is_ref(model_ref))
		return cli_usage("profile: --model '%s' is not NAME@ALIAS or NAME/VERSION", model_ref);
	if (!input)
		return cli_usage("profile: --input CSV is required");
	mlmd_store *s = NULL;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	if (model_ref) {
		mlmd_model_version *v = NULL;
		if (mlmd_registry_resolve(s, model_ref, 0, &v)) {
			rc = cli_failed("profile: %s", mlmd_error_message());
			mlmd_store_free(s);
			return rc;
		}
		artifact = v->artifact_id;
		mlmd_model_version_free(v);
	}
	mlmd_model *m = NULL;
	if (mlmd_model_load_artifact(&m, s, artifact, allow_unverified)) {
		rc = cli_failed("profile: %s%s", mlmd_error_message(),
				mlmd_error_last()->code == MLMD_FAILED_PRECONDITION ? " (--allow-unverified loads it anyway)" : "");
		mlmd_store_free(s);
		return rc;
	}
	FILE *in = strcmp(input, "-") ? fopen(input, "r") : stdin;
	if (!in) {
		rc = cli_failed("%s: %s", input, strerror(errno));
		mlmd_model_free(m);
		mlmd_store_free(s);
		return rc;
	}
	job j = {.in_path = input};
	outs o = {.target = -1};
	char *columns = columns_opt ? strdup(columns_opt) : NULL;
	mlmd_profile *p = NULL;
	mlmd_profile_input *pin = NULL;
	char *text = NULL;
	csv_reader r;
	csv_init(&r, in);
	if (columns_opt && !columns) {
		rc = cli_failed("out of memory");
		goto out;
	}
	if ((rc = map_inputs(&j, m, &r, columns)) || (rc = read_rows(&j, &r)) || (rc = classify(&j)))
		goto out;
	if (j.n_rows == 0) { /* a reference of no rows compares as NaN with everything: drift never found */
		rc = cli_failed("%s: no rows after the header; a reference profile needs the training data", input);
		goto out;
	}
	if (!(pin = calloc((size_t)j.n_kept + 1, sizeof *pin))) {
		rc = cli_failed("out of memory");
		goto out;
	}
	for (int i = 0; i < j.n_kept; i++) {
		pin[i].name = j.k[i].name;
		pin[i].n = j.n_rows;
		if (j.k[i].kind == MLMD_COLUMN_NUMERIC)
			pin[i].numbers = j.k[i].numbers;
		else
			pin[i].strings = j.k[i].cells;
	}
	mlmd_profile_options po = MLMD_PROFILE_OPTIONS_INIT;
	po.category_cap = (int)cap;
	if (mlmd_profile_build(&p, pin, (size_t)j.n_kept, &po)) {
		rc = cli_failed("profile: %s", mlmd_error_message());
		goto out;
	}
	if (!no_outputs && j.n_rows > 0) {
		if ((rc = score_rows(&j, m, &o)))
			goto out;
		const char *oname = o.target >= 0 ? mlmd_model_output(m, (size_t)o.target)->name : NULL;
		int prc = 0;
		if (o.target >= 0 && o.classes)
			prc = mlmd_profile_set_classes(p, oname, o.row_class, j.n_rows);
		else if (o.target >= 0)
			prc = mlmd_profile_set_scores(p, oname, o.row_score, j.n_rows);
		else
			fprintf(stderr, "mlmd: profile: no output with class labels or one value per row; outputs not "
				"profiled\n");
		if (prc) {
			rc = cli_failed("profile: output '%s': %s", oname, mlmd_error_message());
			goto out;
		}
	}
	if (mlmd_profile_to_json(p, &text, NULL)) {
		rc = cli_failed("profile: %s", mlmd_error_message());
		goto out;
	}
	Mlmd__Pb__Governance__PutProfileResponse *rs = put_profile(s, artifact, text, dataset, name);
	if (!rs) {
		rc = EXIT_FAILED;
		goto out;
	}
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
		} else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "profile_artifact_id");
			mlmd_json_int(w, rs->profile_artifact_id);
			mlmd_json_key(w, "execution_id");
			mlmd_json_int(w, rs->execution_id);
			mlmd_json_key(w, "model_artifact_id");
			mlmd_json_int(w, rs->model_artifact_id);
			mlmd_json_key(w, "n_rows");
			mlmd_json_int(w, rs->n_rows);
			mlmd_json_key(w, "n_columns");
			mlmd_json_int(w, rs->n_columns);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		printf("%lld\n", (long long)rs->profile_artifact_id);
		fprintf(stderr, "mlmd: profile of %lld rows, %lld columns recorded for model artifact %lld (execution "
			"%lld)\n", (long long)rs->n_rows, (long long)rs->n_columns, (long long)rs->model_artifact_id,
			(long long)rs->execution_id);
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
out:
	free(text);
	free(pin);
	mlmd_profile_free(p);
	for (size_t i = 0; o.labels && i < o.n_labels; i++)
		free(o.labels[i]);
	free(o.labels);
	free(o.row_class);
	free(o.row_score);
	job_free(&j);
	free(columns);
	csv_free(&r);
	if (in != stdin)
		fclose(in);
	mlmd_model_free(m);
	mlmd_store_free(s);
	return rc;
}

/*
 * cli/tracking.c - what the tracking commands (runs.c, metrics.c) share:
 * the mlmd.tracking RPCs called through mlmd_store_call() with the
 * generated protobuf-c messages, as any client of the library would; run
 * ids (a run's id is its execution id, in decimal); parameters and metric
 * values as text and JSON; a run as JSON; aligned tables; sorted key sets.
 * Declared in tracking.h.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "tracking.h"

/* ---- calls ----------------------------------------------------------------------------------- */

/* Runs a tracking RPC: req packed, the response unpacked into *resp (free
 * it with mlmd_message_free()). Returns 0 or the negative status, with the
 * library's message in mlmd_error_message(). */
int trk_call(mlmd_store *s, const char *method, const void *req, const ProtobufCMessageDescriptor *rd, void **resp)
{
	const ProtobufCMessage *m = req;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	*resp = NULL;
	if (!buf)
		return -MLMD_RESOURCE_EXHAUSTED;
	protobuf_c_message_pack(m, buf);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s, method, buf, n, &out, &out_len);
	free(buf);
	if (!rc)
		rc = mlmd_message_unpack(rd, out, out_len, resp);
	mlmd_buffer_free(out);
	return rc;
}

/* A run id: a decimal execution id (1 .. 2^63-1). Returns 0, or EXIT_USAGE after saying why. */
int trk_run_id(const char *cmd, const char *s, int64_t *id)
{
	int64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			break;
		v = v * 10 + (*p - '0');
	}
	if (p == s || *p || v == 0)
		return cli_usage("%s: a run is named by its id, a decimal execution id such as 42, not '%s'", cmd, s);
	*id = v;
	return 0;
}

/* GetRun; on failure prints why (an unknown run is named) and returns EXIT_FAILED. */
int trk_get_run(mlmd_store *s, int64_t id, Mlmd__Pb__Tracking__GetRunResponse **out)
{
	Mlmd__Pb__Tracking__GetRunRequest rq = MLMD__PB__TRACKING__GET_RUN_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = id;
	int rc = trk_call(s, "GetRun", &rq, &mlmd__pb__tracking__get_run_response__descriptor, (void **)out);
	if (rc == -MLMD_NOT_FOUND || (!rc && !(*out)->run)) {
		mlmd_message_free(*out);
		*out = NULL;
		return cli_failed("no run %lld in the store ('mlmd runs ls' lists the runs)", (long long)id);
	}
	if (rc)
		return cli_failed("run %lld: %s", (long long)id, mlmd_error_message());
	return 0;
}

/* ---- values ----------------------------------------------------------------------------------- */

/* A double for people: 10 significant digits; nan, inf, -inf. */
const char *trk_dtext(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else if (isinf(v))
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
	else
		mlmd_double_format(buf, n, v, 10);
	return buf;
}

/* A double for programs (CSV): the shortest text that reads back as the same double. */
const char *trk_dexact(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		return trk_dtext(buf, n, v);
	mlmd_double_format(buf, n, v, 0);
	return buf;
}

/* A parameter's value as text (borrowed for a string, else in buf). */
const char *trk_ptext(char *buf, size_t n, const Mlmd__Pb__Value *v)
{
	if (!v)
		return "";
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: snprintf(buf, n, "%lld", (long long)v->int_value); return buf;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: return trk_dtext(buf, n, v->double_value);
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: return v->string_value ? v->string_value : "";
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: return v->bool_value ? "true" : "false";
	default: return "?";
	}
}

void trk_pjson(mlmd_json_writer *w, const Mlmd__Pb__Value *v)
{
	if (!v)
		mlmd_json_null(w);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		mlmd_json_int(w, v->int_value);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE)
		mlmd_json_double(w, v->double_value, 0);
	else if (v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE)
		mlmd_json_string(w, v->string_value ? v->string_value : "");
	else if (v->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		mlmd_json_bool(w, v->bool_value);
	else
		mlmd_json_null(w);
}

const char *trk_status(const Run *r)
{
	const ProtobufCEnumValue *v = r->has_status ?
		protobuf_c_enum_descriptor_get_value(&mlmd__pb__execution__state__descriptor, r->status) : NULL;
	return v ? v->name : "UNKNOWN";
}

const Mlmd__Pb__Tracking__Param *trk_param(const Run *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (r->params[i]->key && !strcmp(r->params[i]->key, key))
			return r->params[i];
	return NULL;
}

const Mlmd__Pb__Tracking__MetricPoint *trk_metric(const Run *r, const char *key)
{
	for (size_t i = 0; i < r->n_metrics; i++)
		if (r->metrics[i]->key && !strcmp(r->metrics[i]->key, key))
			return r->metrics[i];
	return NULL;
}

const char *trk_tag(const Run *r, const char *key)
{
	for (size_t i = 0; i < r->n_tags; i++)
		if (r->tags[i]->key && !strcmp(r->tags[i]->key, key))
			return r->tags[i]->value ? r->tags[i]->value : "";
	return NULL;
}

/* The run as JSON: the same keys for every run (end_time null while it runs). `full` adds
 * what `runs show` shows: inputs, outputs, capture and fingerprint. */
void trk_run_json(mlmd_json_writer *w, const Run *r, bool full)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "run_id");
	mlmd_json_int(w, r->run_id);
	mlmd_json_key(w, "run_name");
	mlmd_json_string(w, r->run_name ? r->run_name : "");
	mlmd_json_key(w, "run_type");
	mlmd_json_string(w, r->run_type ? r->run_type : "");
	mlmd_json_key(w, "experiment_id");
	mlmd_json_int(w, r->experiment_id);
	mlmd_json_key(w, "experiment_name");
	mlmd_json_string(w, r->experiment_name ? r->experiment_name : "");
	mlmd_json_key(w, "status");
	mlmd_json_string(w, trk_status(r));
	mlmd_json_key(w, "start_time");
	mlmd_json_int(w, r->start_time);
	mlmd_json_key(w, "end_time");
	if (r->has_end_time)
		mlmd_json_int(w, r->end_time);
	else
		mlmd_json_null(w);
	mlmd_json_key(w, "params");
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < r->n_params; i++) {
		mlmd_json_key(w, r->params[i]->key ? r->params[i]->key : "");
		trk_pjson(w, r->params[i]->value);
	}
	mlmd_json_object_end(w);
	mlmd_json_key(w, "tags");
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < r->n_tags; i++) {
		mlmd_json_key(w, r->tags[i]->key ? r->tags[i]->key : "");
		mlmd_json_string(w, r->tags[i]->value ? r->tags[i]->value : "");
	}
	mlmd_json_object_end(w);
	mlmd_json_key(w, "metrics");
	mlmd_json_object_begin(w);
	for (size_t i = 0; i < r->n_metrics; i++) {
		const Mlmd__Pb__Tracking__MetricPoint *m = r->metrics[i];
		mlmd_json_key(w, m->key ? m->key : "");
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "value");
		mlmd_json_double(w, m->value, 0);
		mlmd_json_key(w, "step");
		mlmd_json_int(w, m->step);
		mlmd_json_key(w, "timestamp");
		mlmd_json_int(w, m->timestamp);
		mlmd_json_object_end(w);
	}
	mlmd_json_object_end(w);
	if (full) {
		for (int out = 0; out < 2; out++) {
			size_t n = out ? r->n_outputs : r->n_inputs;
			Mlmd__Pb__Artifact **a = out ? r->outputs : r->inputs;
			mlmd_json_key(w, out ? "outputs" : "inputs");
			mlmd_json_array_begin(w);
			for (size_t i = 0; i < n; i++) {
				const Mlmd__Pb__Value *sha = mlmd_node_get(a[i], 1, "mlmd.sha256");
				const Mlmd__Pb__Value *size = mlmd_node_get(a[i], 1, "mlmd.size");
				mlmd_json_object_begin(w);
				mlmd_json_key(w, "id");
				mlmd_json_int(w, a[i]->id);
				mlmd_json_key(w, "type");
				mlmd_json_string(w, a[i]->type ? a[i]->type : "");
				mlmd_json_key(w, "name");
				mlmd_json_string(w, a[i]->name);
				mlmd_json_key(w, "uri");
				mlmd_json_string(w, a[i]->uri);
				mlmd_json_key(w, "sha256");
				trk_pjson(w, sha);
				mlmd_json_key(w, "size");
				trk_pjson(w, size);
				mlmd_json_object_end(w);
			}
			mlmd_json_array_end(w);
		}
		const Mlmd__Pb__Tracking__Capture *c = r->capture;
		mlmd_json_key(w, "capture");
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "argv");
		mlmd_json_array_begin(w);
		for (size_t i = 0; c && i < c->n_argv; i++)
			mlmd_json_string(w, c->argv[i]);
		mlmd_json_array_end(w);
		const char *names[] = { "cwd", "host", "user", "git_commit", "git_branch", "python_version",
			"library_version" };
		const char *vals[] = { c ? c->cwd : NULL, c ? c->host : NULL, c ? c->user : NULL, c ? c->git_commit : NULL,
			c ? c->git_branch : NULL, c ? c->python_version : NULL, c ? c->library_version : NULL };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
			mlmd_json_key(w, names[i]);
			mlmd_json_string(w, vals[i] && vals[i][0] ? vals[i] : NULL);
		}
		mlmd_json_key(w, "git_dirty");
		if (c && c->has_git_dirty)
			mlmd_json_bool(w, c->git_dirty);
		else
			mlmd_json_null(w);
		mlmd_json_key(w, "seed");
		if (c && c->has_seed)
			mlmd_json_int(w, c->seed);
		else
			mlmd_json_null(w);
		mlmd_json_key(w, "env");
		mlmd_json_object_begin(w);
		for (size_t i = 0; c && i < c->n_env; i++) {
			mlmd_json_key(w, c->env[i]->key ? c->env[i]->key : "");
			mlmd_json_string(w, c->env[i]->value ? c->env[i]->value : "");
		}
		mlmd_json_object_end(w);
		mlmd_json_key(w, "packages");
		mlmd_json_object_begin(w);
		for (size_t i = 0; c && i < c->n_packages; i++) {
			mlmd_json_key(w, c->packages[i]->key ? c->packages[i]->key : "");
			mlmd_json_string(w, c->packages[i]->value ? c->packages[i]->value : "");
		}
		mlmd_json_object_end(w);
		mlmd_json_object_end(w);
		mlmd_json_key(w, "fingerprint");
		mlmd_json_string(w, r->fingerprint && r->fingerprint[0] ? r->fingerprint : NULL);
	}
	mlmd_json_object_end(w);
}

/* ---- a trk_table of text cells, printed in aligned columns ------------------------------------------ */


int trk_table_init(trk_table *t, size_t rows, size_t cols)
{
	t->rows = rows, t->cols = cols, t->oom = 0;
	t->cell = calloc(rows * cols > 0 ? rows * cols : 1, sizeof *t->cell);
	return t->cell ? 0 : -1;
}

void trk_table_set(trk_table *t, size_t r, size_t c, const char *s)
{
	if (!s)
		return;
	if (!(t->cell[r * t->cols + c] = strdup(s)))
		t->oom = 1;
}

/* Prints the rows with columns padded to their widest cell (in characters);
 * the last column is not padded. */
void trk_table_print(const trk_table *t)
{
	size_t *w = calloc(t->cols ? t->cols : 1, sizeof *w);
	if (!w)
		return;
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = t->cell[r * t->cols + c];
			size_t n = 0;
			for (; s && *s; s++)
				n += ((unsigned char)*s & 0xC0) != 0x80;
			if (!s)
				n = 1;
			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = t->cell[r * t->cols + c];
			if (!s)
				s = "-";
			size_t n = 0;
			for (const char *p = s; *p; p++)
				n += ((unsigned char)*p & 0xC0) != 0x80;
			fputs(s, stdout);
			if (c + 1 < t->cols)
				printf("%*s", (int)(w[c] - n + 2), "");
		}
		putchar('\n');
	}
	free(w);
}

void trk_table_free(trk_table *t)
{
	for (size_t i = 0; t->cell && i < t->rows * t->cols; i++)
		free(t->cell[i]);
	free(t->cell);
}

void trk_table_head(trk_table *t, const char *const *head, size_t n)
{
	for (size_t c = 0; c < n; c++)
		trk_table_set(t, 0, c, head[c]);
}

int trk_table_done(trk_table *t)
{
	int rc = 0;
	if (t->oom)
		rc = cli_failed("out of memory");
	else
		trk_table_print(t);
	trk_table_free(t);
	return rc;
}


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int trk_strset_add(trk_strset *k, const char *s)
{
	const char **p = realloc(k->s, (k->n + 1) * sizeof *p);
	if (!p)
		return -1;
	k->s = p;
	k->s[k->n++] = s ? s : "";
	return 0;
}

void trk_strset_sort(trk_strset *k)
{
	if (!k->n)
		return;
	qsort(k->s, k->n, sizeof *k->s, cmp_str);
	size_t m = 1;
	for (size_t i = 1; i < k->n; i++)
		if (strcmp(k->s[i], k->s[m - 1]))
			k->s[m++] = k->s[i];
	k->n = m;
}


/* Splits "metrics.loss ASC, start_time DESC" at its commas into trimmed
 * entries written into text (modified); returns how many, at most max. */
size_t trk_split_commas(char *text, char **out, size_t max)
{
	size_t n = 0;
	for (char *p = text; p && n < max;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p)
			out[n++] = p;
		p = comma ? comma + 1 : NULL;
	}
	return n;
}

/*
 * sqlext/funcs.c - the SQL functions of mlmd/sqlite.h: mlmd_use_store,
 * mlmd_score, mlmd_score_proba, mlmd_explain and their _json variants.
 * Each scores the one row its arguments make, through the statement's
 * scorer (stmt.c), so every row counts in the statement's serving record.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx.h"
#include "util/base.h"

/* Fills the row from the arguments after the `fixed` leading ones: by
 * position, or (json) from one JSON object. 0 or -1 (reported). */
static int fill_row(sqlite3_context *ctx, sx_stmt *st, int argc, sqlite3_value **argv, int fixed, int json,
	const char *fn)
{
	if (json) {
		if (argc != fixed + 1) {
			mlmd__sx_error(ctx, st->api, fn, "takes %d arguments, got %d", fixed + 1, argc);
			return -1;
		}
		return mlmd__sx_set_json(ctx, st, argv[fixed], fn, fixed + 1);
	}
	if ((size_t)(argc - fixed) != st->n_feat) {
		mlmd__sx_error(ctx, st->api, fn, "the model '%s' takes %zu inputs (%s%s%s), got %d", st->model_text,
			st->n_feat, st->n_feat ? st->feat_name[0] : "", st->n_feat > 1 ? " ... " : "",
			st->n_feat > 1 ? st->feat_name[st->n_feat - 1] : "", argc - fixed);
		return -1;
	}
	for (size_t f = 0; f < st->n_feat; f++)
		if (mlmd__sx_set_value(ctx, st, f, argv[fixed + (int)f], fn, fixed + (int)f + 1))
			return -1;
	return 0;
}

/* Scores the row, computing the first n_out outputs. 0 or -1 (reported). */
static int score_row(sqlite3_context *ctx, sx_stmt *st, mlmd_tensor *out, size_t n_out, const char *fn)
{
	memset(out, 0, n_out * sizeof *out);
	if (mlmd_scorer_score(st->sctx, st->in, st->n_in, out, n_out)) {
		mlmd__sx_error(ctx, st->api, fn, "model '%s': %s", st->model_text, mlmd_error_message());
		return -1;
	}
	return 0;
}

static int64_t width(const mlmd_tensor *t)
{
	return t->rank >= 2 ? t->dims[1] : 1;
}

static double element(const mlmd_tensor *t, int64_t j)
{
	return t->dtype == MLMD_DTYPE_DOUBLE ? ((const double *)t->data)[j] : ((const float *)t->data)[j];
}

/* The label of class k as the SQL result: an integer or text. */
static void result_label(sqlite3_context *ctx, const sqlite3_api_routines *api, const mlmd_value_info *vi, size_t k)
{
	if (vi->labels_int64)
		api->result_int64(ctx, vi->labels_int64[k]);
	else
		api->result_text(ctx, vi->labels_string[k], -1, SQLITE_TRANSIENT);
}

static void do_score(sqlite3_context *ctx, int argc, sqlite3_value **argv, int json)
{
	const char *fn = json ? "mlmd_score_json" : "mlmd_score";
	sx_stmt *st = mlmd__sx_stmt_get(ctx, argv[0], fn);
	if (!st || fill_row(ctx, st, argc, argv, 1, json, fn))
		return;
	size_t n_out = 1;
	mlmd_tensor out[1];
	if (score_row(ctx, st, out, n_out, fn))
		return;
	const sqlite3_api_routines *api = st->api;
	const mlmd_value_info *vi = mlmd_model_output(st->model, 0);
	const mlmd_tensor *t = &out[0];
	int64_t w = width(t);
	switch (t->dtype) {
	case MLMD_DTYPE_STRING:
		if (w == 1) {
			api->result_text(ctx, ((const char *const *)t->data)[0], -1, SQLITE_TRANSIENT);
			return;
		}
		break;
	case MLMD_DTYPE_INT64:
	case MLMD_DTYPE_INT32:
	case MLMD_DTYPE_BOOL:
		if (w == 1) {
			api->result_int64(ctx, t->dtype == MLMD_DTYPE_INT64 ? ((const int64_t *)t->data)[0] :
				t->dtype == MLMD_DTYPE_INT32 ? ((const int32_t *)t->data)[0] : ((const uint8_t *)t->data)[0]);
			return;
		}
		break;
	case MLMD_DTYPE_FLOAT:
	case MLMD_DTYPE_DOUBLE:
		if (w == 1) {
			double d = element(t, 0);
			if (isnan(d))
				api->result_null(ctx);
			else
				api->result_double(ctx, d);
			return;
		}
		if (vi->n_labels == (size_t)w) {
			/* class scores: the label of the highest (the first on ties) */
			int64_t best = 0;
			for (int64_t j = 1; j < w; j++)
				if (element(t, j) > element(t, best))
					best = j;
			result_label(ctx, api, vi, (size_t)best);
			return;
		}
		break;
	default:
		break;
	}
	mlmd__sx_error(ctx, api, fn, "model '%s': its first output '%s' is %s with %lld values per row and no class "
		"labels; mlmd_score returns one value", st->model_text, vi->name, mlmd_dtype_name(t->dtype),
		(long long)w);
}

/* The class index of the label argument in vi's labels, or -1 (reported). */
static int find_label(sqlite3_context *ctx, sx_stmt *st, const mlmd_value_info *vi, sqlite3_value *v, const char *fn)
{
	const sqlite3_api_routines *api = st->api;
	int type = api->value_type(v);
	const char *s = type == SQLITE_TEXT ? (const char *)api->value_text(v) : NULL;
	for (size_t k = 0; k < vi->n_labels; k++) {
		if (vi->labels_int64) {
			int64_t want;
			if (type == SQLITE_INTEGER)
				want = api->value_int64(v);
			else if (s) {
				char *end;
				double d = mlmd__strtod(s, &end);
				if (*end || end == s || d != floor(d) || fabs(d) > 9e18)
					break;
				want = (int64_t)d;
			} else {
				break;
			}
			if (vi->labels_int64[k] == want)
				return (int)k;
		} else if (s && !strcmp(vi->labels_string[k], s)) {
			return (int)k;
		}
	}
	char list[256] = "";
	size_t used = 0;
	for (size_t k = 0; k < vi->n_labels && used < sizeof list - 40; k++) {
		char one[64];
		if (vi->labels_int64)
			mlmd__snprintf(one, sizeof one, "%lld", (long long)vi->labels_int64[k]);
		else
			mlmd__snprintf(one, sizeof one, "'%.40s'", vi->labels_string[k]);
		int n = mlmd__snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", one);
		if (n > 0)
			used += (size_t)n < sizeof list - used ? (size_t)n : sizeof list - used - 1;
	}
	char given[80];
	if (type == SQLITE_INTEGER)
		mlmd__snprintf(given, sizeof given, "%lld", (long long)api->value_int64(v));
	else if (s)
		mlmd__snprintf(given, sizeof given, "'%.60s'", s);
	else
		mlmd__snprintf(given, sizeof given, "%s", type == SQLITE_NULL ? "NULL" : type == SQLITE_FLOAT ?
			"a real number" : "a blob");
	mlmd__sx_error(ctx, api, fn, "argument 2 (label) %s is not a class of model '%s' (its classes: %s)", given,
		st->model_text, list);
	return -1;
}

static void do_proba(sqlite3_context *ctx, int argc, sqlite3_value **argv, int json)
{
	const char *fn = json ? "mlmd_score_proba_json" : "mlmd_score_proba";
	sx_stmt *st = mlmd__sx_stmt_get(ctx, argv[0], fn);
	if (!st)
		return;
	if (st->cls_output < 0) {
		mlmd__sx_error(ctx, st->api, fn, "model '%s' has no output of class probabilities (an output with "
			"class labels); use mlmd_score", st->model_text);
		return;
	}
	const mlmd_value_info *vi = mlmd_model_output(st->model, (size_t)st->cls_output);
	int k = find_label(ctx, st, vi, argv[1], fn);
	if (k < 0 || fill_row(ctx, st, argc, argv, 2, json, fn))
		return;
	mlmd_tensor out[64];
	size_t n_out = (size_t)st->cls_output + 1;
	if (n_out > sizeof out / sizeof *out) {
		mlmd__sx_error(ctx, st->api, fn, "model '%s': its class output is output %zu; at most 64 are supported",
			st->model_text, n_out);
		return;
	}
	if (score_row(ctx, st, out, n_out, fn))
		return;
	const mlmd_tensor *t = &out[st->cls_output];
	if (width(t) <= k) {
		mlmd__sx_error(ctx, st->api, fn, "model '%s': output '%s' has %lld columns for %zu classes",
			st->model_text, vi->name, (long long)width(t), vi->n_labels);
		return;
	}
	st->api->result_double(ctx, element(t, k));
}

/* The feature argument: an integer 0-based index or a feature name of the
 * explainer. -1 when reported. */
static long find_explained(sqlite3_context *ctx, sx_stmt *st, sqlite3_value *v, const char *fn)
{
	const sqlite3_api_routines *api = st->api;
	size_t nf = mlmd_explainer_feature_count(st->explainer);
	int type = api->value_type(v);
	if (type == SQLITE_INTEGER) {
		int64_t i = api->value_int64(v);
		if (i >= 0 && (uint64_t)i < nf)
			return (long)i;
		mlmd__sx_error(ctx, api, fn, "argument 2 (feature) %lld is not a feature index of model '%s' (0 to %zu)",
			(long long)i, st->model_text, nf - 1);
		return -1;
	}
	if (type == SQLITE_TEXT) {
		const char *s = (const char *)api->value_text(v);
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(mlmd_explainer_feature_name(st->explainer, i), s))
				return (long)i;
		mlmd__sx_error(ctx, api, fn, "argument 2 (feature) '%s' is not a feature of model '%s' (its features: "
			"%s%s%s)", s, st->model_text, nf ? mlmd_explainer_feature_name(st->explainer, 0) : "",
			nf > 1 ? " ... " : "", nf > 1 ? mlmd_explainer_feature_name(st->explainer, nf - 1) : "");
		return -1;
	}
	mlmd__sx_error(ctx, api, fn, "argument 2 (feature) is %s, expected a feature name or a 0-based index",
		type == SQLITE_NULL ? "NULL" : type == SQLITE_FLOAT ? "a real number" : "a blob");
	return -1;
}

static void do_explain(sqlite3_context *ctx, int argc, sqlite3_value **argv, int json)
{
	const char *fn = json ? "mlmd_explain_json" : "mlmd_explain";
	sx_stmt *st = mlmd__sx_stmt_get(ctx, argv[0], fn);
	if (!st)
		return;
	const sqlite3_api_routines *api = st->api;
	if (!st->explainer) {
		if (mlmd_explainer_new(&st->explainer, st->model, NULL, 0)) {
			mlmd__sx_error(ctx, api, fn, "model '%s': %s", st->model_text, mlmd_error_message());
			return;
		}
		size_t k = mlmd_explainer_output_count(st->explainer), f = mlmd_explainer_feature_count(st->explainer);
		if (mlmd_score_ctx_new(&st->ectx) ||
			!(st->ebuf = calloc(k * (f + 1) + k, sizeof *st->ebuf))) {
			mlmd__sx_error(ctx, api, fn, "model '%s': out of memory", st->model_text);
			return;
		}
	}
	long feat = find_explained(ctx, st, argv[1], fn);
	if (feat < 0 || fill_row(ctx, st, argc, argv, 2, json, fn))
		return;
	size_t K = mlmd_explainer_output_count(st->explainer), F = mlmd_explainer_feature_count(st->explainer);
	double *margins = st->ebuf + K * (F + 1);
	if (mlmd_explainer_explain(st->explainer, st->ectx, st->in, st->n_in, st->ebuf, K * (F + 1), margins)) {
		mlmd__sx_error(ctx, api, fn, "model '%s': %s", st->model_text, mlmd_error_message());
		return;
	}
	/* One margin: its contribution. K margins (one per class): the
	 * contribution to the margin of the predicted class, the highest. */
	size_t best = 0;
	for (size_t k = 1; k < K; k++)
		if (margins[k] > margins[best])
			best = k;
	api->result_double(ctx, st->ebuf[best * (F + 1) + (size_t)feat]);
}

static void fn_score(sqlite3_context *c, int n, sqlite3_value **v) { do_score(c, n, v, 0); }
static void fn_score_json(sqlite3_context *c, int n, sqlite3_value **v) { do_score(c, n, v, 1); }
static void fn_proba(sqlite3_context *c, int n, sqlite3_value **v) { do_proba(c, n, v, 0); }
static void fn_proba_json(sqlite3_context *c, int n, sqlite3_value **v) { do_proba(c, n, v, 1); }
static void fn_explain(sqlite3_context *c, int n, sqlite3_value **v) { do_explain(c, n, v, 0); }
static void fn_explain_json(sqlite3_context *c, int n, sqlite3_value **v) { do_explain(c, n, v, 1); }

/* mlmd_use_store(uri): checks that the store opens (and is not changed by
 * opening: no upgrade), then makes it the connection's store for the
 * statements that start after this one. Returns the uri. */
static void fn_use_store(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sx_conn *c = mlmd__sx_conn_of(ctx);
	const sqlite3_api_routines *api = c->api;
	(void)argc;
	if (api->value_type(argv[0]) != SQLITE_TEXT) {
		mlmd__sx_error(ctx, api, "mlmd_use_store", "argument 1 (uri) is not text");
		return;
	}
	const char *uri = (const char *)api->value_text(argv[0]);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o)) {
		mlmd__sx_error(ctx, api, "mlmd_use_store", "%s", mlmd_error_message());
		return;
	}
	mlmd_store_free(s);
	char *copy = mlmd__strdup(uri);
	if (!copy) {
		api->result_error_nomem(ctx);
		return;
	}
	free(c->store_uri);
	c->store_uri = copy;
	api->result_text(ctx, copy, -1, SQLITE_TRANSIENT);
}

int mlmd__sx_register_all(sqlite3 *db, sx_conn *c)
{
	static const struct {
		const char *name;
		int n_arg;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "mlmd_use_store", 1, fn_use_store },
		{ "mlmd_score", -1, fn_score },
		{ "mlmd_score_json", 2, fn_score_json },
		{ "mlmd_score_proba", -1, fn_proba },
		{ "mlmd_score_proba_json", 3, fn_proba_json },
		{ "mlmd_explain", -1, fn_explain },
		{ "mlmd_explain_json", 3, fn_explain_json },
	};
	const sqlite3_api_routines *api = c->api;
	c->refs = 1; /* ours until the loop is done */
	int rc = 0;
	for (size_t i = 0; i < sizeof fns / sizeof *fns && !rc; i++) {
		c->refs++;
		/* Not deterministic: the result depends on the store (an alias
		 * may move) and each call is recorded. */
		int src = api->create_function_v2(db, fns[i].name, fns[i].n_arg, SQLITE_UTF8, c, fns[i].fn, NULL, NULL,
			mlmd__sx_conn_release);
		if (src != SQLITE_OK)
			rc = mlmd__fail(MLMD_INTERNAL, "registering %s: SQLite error %d", fns[i].name, src);
		/* create_function_v2 calls the destructor itself when it fails */
	}
	mlmd__sx_conn_release(c);
	return rc;
}

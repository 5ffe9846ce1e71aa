/*
 * sqlext/stmt.c - the models of a connection's statements: the scorer a
 * model argument opens (mlmd/serving.h: resolved, verified against its
 * digest, passed through the serving gate), kept loaded across statements
 * in the connection's cache; each statement's first call restarts it (a new
 * serving execution, the model reloaded only when its alias moved) and the
 * statement's end (the auxdata destructor) finishes it, completing the
 * serving execution with the statement's statistics. Also the mapping of
 * SQL arguments or JSON members onto the model's inputs.
 *
 * Two call sites using the same model at once (one statement's
 * mlmd_score and mlmd_score_proba, a statement stepped while another is
 * running) each get their own entry, so each is recorded apart.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sx.h"
#include "util/base.h"

void mlmd__sx_error(sqlite3_context *ctx, const sqlite3_api_routines *api, const char *fn, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = mlmd__snprintf(msg, sizeof msg, "%s: ", fn);
	if (n < 0 || (size_t)n >= sizeof msg)
		n = 0;
	mlmd__vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	api->result_error(ctx, msg, -1);
}

/* Frees what the entry holds for its current model (its inputs, features
 * and explainer), so that bind_inputs() can map another model. */
static void unbind(sx_stmt *st)
{
	mlmd_explainer_free(st->explainer);
	st->explainer = NULL;
	mlmd_score_ctx_free(st->ectx);
	st->ectx = NULL;
	free(st->ebuf);
	st->ebuf = NULL;
	mlmd_model_free(st->model);
	st->model = NULL;
	for (size_t i = 0; i < st->n_in && st->in; i++)
		free(st->in[i].data);
	free(st->in);
	st->in = NULL;
	st->n_in = 0;
	for (size_t f = 0; f < st->n_feat && st->feat_name; f++)
		free(st->feat_name[f]);
	free(st->feat_name);
	free(st->feat_input);
	free(st->feat_col);
	free(st->seen);
	st->feat_name = NULL;
	st->feat_input = st->feat_col = NULL;
	st->seen = NULL;
	st->n_feat = 0;
}

/* Frees an entry (not in the cache, or being removed from it). Freeing a
 * serving scorer completes its execution; a finished one writes nothing. */
static void stmt_free(sx_stmt *st)
{
	if (!st)
		return;
	unbind(st);
	mlmd_scorer_ctx_free(st->sctx);
	(void)mlmd_scorer_free(st->scorer); /* the status cannot reach SQL: no statement is running */
	free(st->store_uri);
	free(st->model_text);
	free(st);
}

/* Flattens the model's inputs into features: a [N] or [N, 1] input is one
 * feature named as the input, an [N, F] input F features "<input>_<j>".
 * Numeric inputs only (FLOAT, DOUBLE, INT32, INT64). */
static int bind_inputs(sx_stmt *st)
{
	const mlmd_model *m = st->model;
	st->n_in = mlmd_model_input_count(m);
	st->in = calloc(st->n_in ? st->n_in : 1, sizeof *st->in);
	if (!st->in)
		return MLMD_OOM();
	size_t total = 0;
	for (size_t i = 0; i < st->n_in; i++) {
		const mlmd_value_info *vi = mlmd_model_input(m, i);
		if (vi->dtype != MLMD_DTYPE_FLOAT && vi->dtype != MLMD_DTYPE_DOUBLE && vi->dtype != MLMD_DTYPE_INT32 &&
			vi->dtype != MLMD_DTYPE_INT64)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "input '%s' is %s: the SQL functions take numeric inputs "
				"only (FLOAT, DOUBLE, INT32, INT64)", vi->name, mlmd_dtype_name(vi->dtype));
		int64_t cols;
		if (vi->rank == 1)
			cols = 1;
		else if (vi->rank == 2 && vi->dims[1] > 0)
			cols = vi->dims[1];
		else if (vi->rank == 2)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "input '%s' does not declare its width ([N, ?]): "
				"the SQL arguments cannot be mapped to it", vi->name);
		else
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "input '%s' has rank %d: the SQL functions map "
				"arguments to [N] and [N, F] inputs only", vi->name, vi->rank);
		if (cols > 100000 || total + (size_t)cols > 100000)
			return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "input '%s': more than 100000 features", vi->name);
		mlmd_tensor *t = &st->in[i];
		t->dtype = vi->dtype;
		t->rank = vi->rank;
		t->dims[0] = 1;
		if (vi->rank == 2)
			t->dims[1] = cols;
		t->data = calloc((size_t)cols, mlmd_dtype_size(vi->dtype));
		if (!t->data)
			return MLMD_OOM();
		total += (size_t)cols;
	}
	st->n_feat = total;
	size_t nf = total ? total : 1;
	st->feat_name = calloc(nf, sizeof *st->feat_name);
	st->feat_input = calloc(nf, sizeof *st->feat_input);
	st->feat_col = calloc(nf, sizeof *st->feat_col);
	st->seen = calloc(nf, 1);
	if (!st->feat_name || !st->feat_input || !st->feat_col || !st->seen)
		return MLMD_OOM();
	size_t f = 0;
	for (size_t i = 0; i < st->n_in; i++) {
		const mlmd_value_info *vi = mlmd_model_input(m, i);
		int64_t cols = st->in[i].rank == 2 ? st->in[i].dims[1] : 1;
		for (int64_t j = 0; j < cols; j++, f++) {
			char buf[512];
			if (cols == 1)
				mlmd__snprintf(buf, sizeof buf, "%s", vi->name);
			else
				mlmd__snprintf(buf, sizeof buf, "%s_%lld", vi->name, (long long)j);
			st->feat_name[f] = mlmd__strdup(buf);
			if (!st->feat_name[f])
				return MLMD_OOM();
			st->feat_input[f] = i;
			st->feat_col[f] = (size_t)j;
		}
	}
	st->cls_output = -1;
	for (size_t o = 0; o < mlmd_model_output_count(m); o++) {
		const mlmd_value_info *vo = mlmd_model_output(m, o);
		if (vo->n_labels > 1 && (vo->dtype == MLMD_DTYPE_FLOAT || vo->dtype == MLMD_DTYPE_DOUBLE)) {
			st->cls_output = (int)o;
			break;
		}
	}
	return 0;
}

/* Whether s is a decimal artifact id (digits only, not 0). */
static int parse_id(const char *s, int64_t *id)
{
	if (!*s || strlen(s) > 18)
		return 0;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return v > 0;
}

/* The model argument as the cache's key: *text (new; an integer in
 * decimal), checked to be an artifact id or a registry reference. 0 or a
 * negated status. */
static int model_key(const sqlite3_api_routines *api, sqlite3_value *model, char **text)
{
	*text = NULL;
	int type = api->value_type(model);
	int64_t id;
	if (type == SQLITE_INTEGER) {
		char idbuf[32];
		id = api->value_int64(model);
		mlmd__snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
		if (id <= 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "argument 1 (model) is %s, not an artifact id", idbuf);
		*text = mlmd__strdup(idbuf);
	} else if (type == SQLITE_TEXT) {
		const char *s = (const char *)api->value_text(model);
		if (!s)
			s = "";
		if (!parse_id(s, &id) && !mlmd_registry_is_ref(s))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "argument 1 (model) '%s' is neither a registry "
				"reference (NAME@ALIAS, NAME/VERSION) nor a model artifact id", s);
		*text = mlmd__strdup(s);
	} else {
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "argument 1 (model) is %s, expected a registry reference "
			"(NAME@ALIAS, NAME/VERSION) or a model artifact id",
			type == SQLITE_NULL ? "NULL" : type == SQLITE_FLOAT ? "a real number" : "a blob");
	}
	return *text ? 0 : MLMD_OOM();
}

/* Opens the scorer of a new entry (its store_uri and model_text set): 0 or
 * a negated status. */
static int stmt_open(sx_stmt *st, sx_conn *c)
{
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = st->store_uri;
	o.actor = c->actor;
	o.deployment = "sqlite";
	if (!parse_id(st->model_text, &o.artifact_id))
		o.model_ref = st->model_text;
	int rc = mlmd_scorer_open(&st->scorer, &o);
	if (rc)
		return mlmd__context(rc, "model '%s' in store %s", st->model_text, st->store_uri);
	if ((rc = mlmd_scorer_ctx_new(st->scorer, &st->sctx)))
		return rc;
	st->model = mlmd_scorer_model(st->scorer);
	if (!st->model)
		return mlmd__fail(MLMD_INTERNAL, "model '%s': the scorer has no model", st->model_text);
	if ((rc = bind_inputs(st)))
		return mlmd__context(rc, "model '%s'", st->model_text);
	return 0;
}

/* Starts the next statement on an idle entry: restarts its scorer (a new
 * serving execution; a moved alias loads the new version) and maps the
 * inputs again when the model changed. 0, or a negated status with the
 * entry still idle and finished (restart failed) or beyond use (freed by
 * the caller: -1 in *drop). */
static int stmt_restart(sx_stmt *st, int *drop)
{
	*drop = 0;
	int rc = mlmd_scorer_restart(st->scorer);
	if (rc)
		return mlmd__context(rc, "model '%s' in store %s", st->model_text, st->store_uri);
	mlmd_model *m = mlmd_scorer_model(st->scorer);
	if (!m) {
		*drop = 1;
		return mlmd__fail(MLMD_INTERNAL, "model '%s': the scorer has no model", st->model_text);
	}
	if (m == st->model) {
		mlmd_model_free(m);
		return 0;
	}
	unbind(st); /* the alias moved: another model, perhaps other inputs */
	st->model = m;
	if ((rc = bind_inputs(st))) {
		*drop = 1;
		return mlmd__context(rc, "model '%s'", st->model_text);
	}
	return 0;
}

/* Takes the connection's idle entry for (store, model) and restarts it, or
 * opens a new one and adds it to the cache. 0 and *out busy, or a negated
 * status. */
static int acquire(sx_conn *c, sqlite3_value *model, sx_stmt **out)
{
	*out = NULL;
	char *text;
	int rc = model_key(c->api, model, &text);
	if (rc)
		return rc;
	for (sx_stmt **pp = &c->cache, *st; (st = *pp); pp = &st->next) {
		if (st->busy || strcmp(st->model_text, text) || strcmp(st->store_uri, c->store_uri))
			continue;
		free(text);
		int drop;
		st->busy = 1;
		rc = stmt_restart(st, &drop);
		if (rc) {
			st->busy = 0;
			if (drop) { /* restarted, but unusable: freeing it completes the empty execution */
				*pp = st->next;
				stmt_free(st);
			}
			return rc;
		}
		*out = st;
		return 0;
	}
	sx_stmt *st = calloc(1, sizeof *st);
	if (!st) {
		free(text);
		return MLMD_OOM();
	}
	st->api = c->api;
	st->model_text = text;
	st->store_uri = mlmd__strdup(c->store_uri);
	rc = st->store_uri ? stmt_open(st, c) : MLMD_OOM();
	if (rc) {
		stmt_free(st);
		return rc;
	}
	st->busy = 1;
	st->next = c->cache;
	c->cache = st;
	*out = st;
	return 0;
}

/* Frees idle entries beyond SX_CACHE_IDLE, the least recently used first. */
static void trim(sx_conn *c)
{
	for (;;) {
		size_t idle = 0;
		sx_stmt **oldest = NULL;
		for (sx_stmt **pp = &c->cache; *pp; pp = &(*pp)->next)
			if (!(*pp)->busy) {
				idle++;
				if (!oldest || (*pp)->used < (*oldest)->used)
					oldest = pp;
			}
		if (idle <= SX_CACHE_IDLE)
			return;
		sx_stmt *st = *oldest;
		*oldest = st->next;
		stmt_free(st);
	}
}

void mlmd__sx_cache_free(sx_conn *c)
{
	for (sx_stmt *st = c->cache, *n; st; st = n) {
		n = st->next;
		stmt_free(st);
	}
	c->cache = NULL;
}

/* A call site's auxdata: the entry it uses for this statement, or the error
 * its first call met (every call reports it). It holds a reference on the
 * connection's state, so the cache outlives it whatever SQLite frees first. */
typedef struct sx_use {
	sx_conn *conn;
	sx_stmt *st;
	char *error;
} sx_use;

/* The auxdata destructor: the statement is over (reset or finalized), or
 * SQLite dropped the auxdata of a model argument that is not constant
 * (after each row). The entry's scorer finishes: the statement's
 * statistics are written and its serving execution COMPLETE; the status
 * cannot reach SQL any more. A scorer that could not finish is dropped
 * from the cache (freeing it writes the record once more). */
static void use_free(void *p)
{
	sx_use *u = p;
	if (!u)
		return;
	sx_conn *c = u->conn;
	if (u->st) {
		sx_stmt *st = u->st;
		st->busy = 0;
		st->used = ++c->tick;
		if (mlmd_scorer_finish(st->scorer)) {
			for (sx_stmt **pp = &c->cache; *pp; pp = &(*pp)->next)
				if (*pp == st) {
					*pp = st->next;
					break;
				}
			stmt_free(st);
		}
		trim(c);
	}
	free(u->error);
	free(u);
	mlmd__sx_conn_release(c);
}

sx_stmt *mlmd__sx_stmt_get(sqlite3_context *ctx, sqlite3_value *model, const char *fn)
{
	sx_conn *c = mlmd__sx_conn_of(ctx);
	const sqlite3_api_routines *api = c->api;
	sx_use *u = api->get_auxdata(ctx, 0);
	if (!u) {
		u = calloc(1, sizeof *u);
		if (!u) {
			api->result_error_nomem(ctx);
			return NULL;
		}
		u->conn = c;
		c->refs++;
		/* Owned by SQLite from here (freed at once when it cannot keep it). */
		api->set_auxdata(ctx, 0, u, use_free);
		u = api->get_auxdata(ctx, 0);
		if (!u) {
			api->result_error_nomem(ctx);
			return NULL;
		}
		if (acquire(c, model, &u->st)) {
			u->error = mlmd__strdup(mlmd_error_message());
			if (!u->error) {
				api->result_error_nomem(ctx);
				return NULL;
			}
		}
	}
	if (u->error) {
		mlmd__sx_error(ctx, api, fn, "%s", u->error);
		return NULL;
	}
	return u->st;
}

/* Stores v (already a number) as feature f of the row, in its input's
 * type. 0, or a negated status when an integer input gets a non-integer. */
static int put_number(sx_stmt *st, size_t f, double d, int have_int, int64_t iv)
{
	mlmd_tensor *t = &st->in[st->feat_input[f]];
	size_t j = st->feat_col[f];
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT:
		((float *)t->data)[j] = have_int ? (float)iv : (float)d;
		return 0;
	case MLMD_DTYPE_DOUBLE:
		((double *)t->data)[j] = have_int ? (double)iv : d;
		return 0;
	default:
		break;
	}
	if (!have_int) {
		if (!(d >= -9.2e18 && d <= 9.2e18) || d != floor(d))
			return -MLMD_INVALID_ARGUMENT;
		iv = (int64_t)d;
	}
	if (t->dtype == MLMD_DTYPE_INT32) {
		if (iv < INT32_MIN || iv > INT32_MAX)
			return -MLMD_OUT_OF_RANGE;
		((int32_t *)t->data)[j] = (int32_t)iv;
	} else {
		((int64_t *)t->data)[j] = iv;
	}
	return 0;
}

/* A missing value: NaN for a FLOAT or DOUBLE input (what the model does
 * with a missing value: XGBoost's default branch, NaN through ONNX
 * arithmetic), an error for an integer input. */
static int put_missing(sx_stmt *st, size_t f)
{
	mlmd_tensor *t = &st->in[st->feat_input[f]];
	size_t j = st->feat_col[f];
	if (t->dtype == MLMD_DTYPE_FLOAT)
		((float *)t->data)[j] = NAN;
	else if (t->dtype == MLMD_DTYPE_DOUBLE)
		((double *)t->data)[j] = NAN;
	else
		return -MLMD_INVALID_ARGUMENT;
	return 0;
}

static const char *input_type(const sx_stmt *st, size_t f)
{
	return mlmd_dtype_name(st->in[st->feat_input[f]].dtype);
}

int mlmd__sx_set_value(sqlite3_context *ctx, sx_stmt *st, size_t f, sqlite3_value *v, const char *fn, int argno)
{
	const sqlite3_api_routines *api = st->api;
	int rc;
	switch (api->value_type(v)) {
	case SQLITE_INTEGER: {
		int64_t iv = api->value_int64(v);
		rc = put_number(st, f, 0, 1, iv);
		if (rc)
			mlmd__sx_error(ctx, api, fn, "argument %d (%s) is %lld, out of range of its input type %s", argno,
				st->feat_name[f], (long long)iv, input_type(st, f));
		return rc ? -1 : 0;
	}
	case SQLITE_FLOAT: {
		double d = api->value_double(v);
		rc = put_number(st, f, d, 0, 0);
		if (rc) {
			char buf[40];
			mlmd__sx_error(ctx, api, fn, "argument %d (%s) is %s, expected an integer for its input type %s",
				argno, st->feat_name[f], mlmd__fmt_double(buf, sizeof buf, d, 17), input_type(st, f));
		}
		return rc ? -1 : 0;
	}
	case SQLITE_NULL:
		if (put_missing(st, f)) {
			mlmd__sx_error(ctx, api, fn, "argument %d (%s) is NULL, and its input type %s has no missing "
				"value", argno, st->feat_name[f], input_type(st, f));
			return -1;
		}
		return 0;
	case SQLITE_TEXT: {
		const char *s = (const char *)api->value_text(v);
		int n = api->value_bytes(v);
		mlmd__sx_error(ctx, api, fn, "argument %d (%s) is text '%.*s%s', expected a number", argno,
			st->feat_name[f], n > 60 ? 60 : n, s ? s : "", n > 60 ? "..." : "");
		return -1;
	}
	default:
		mlmd__sx_error(ctx, api, fn, "argument %d (%s) is a blob, expected a number", argno, st->feat_name[f]);
		return -1;
	}
}

static int find_feature(const sx_stmt *st, const char *name, size_t len)
{
	for (size_t f = 0; f < st->n_feat; f++)
		if (strlen(st->feat_name[f]) == len && !memcmp(st->feat_name[f], name, len))
			return (int)f;
	return -1;
}

int mlmd__sx_set_json(sqlite3_context *ctx, sx_stmt *st, sqlite3_value *v, const char *fn, int argno)
{
	const sqlite3_api_routines *api = st->api;
	if (api->value_type(v) != SQLITE_TEXT) {
		mlmd__sx_error(ctx, api, fn, "argument %d (inputs) is not text: expected a JSON object of inputs by "
			"name", argno);
		return -1;
	}
	const char *text = (const char *)api->value_text(v);
	int n = api->value_bytes(v);
	mlmd_json_reader *r;
	if (mlmd_json_reader_new(&r, text ? text : "", text ? (size_t)n : 0, 2)) {
		mlmd__sx_error(ctx, api, fn, "argument %d (inputs): %s", argno, mlmd_error_message());
		return -1;
	}
	memset(st->seen, 0, st->n_feat ? st->n_feat : 1);
	int ret = -1;
	const char *tok;
	size_t len;
	int k = mlmd_json_next(r, &tok, &len);
	if (k != MLMD_JSON_OBJECT) {
		if (k < 0)
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): %s", argno, mlmd_error_message());
		else
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs) is not a JSON object", argno);
		goto out;
	}
	for (;;) {
		k = mlmd_json_next(r, &tok, &len);
		if (k == MLMD_JSON_OBJECT_END)
			break;
		if (k < 0) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): %s", argno, mlmd_error_message());
			goto out;
		}
		int f = find_feature(st, tok, len);
		if (f < 0) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): the model '%s' has no input '%.*s' (its "
				"inputs: %s%s)", argno, st->model_text, (int)(len > 100 ? 100 : len), tok,
				st->n_feat ? st->feat_name[0] : "none", st->n_feat > 1 ? ", ..." : "");
			goto out;
		}
		if (st->seen[f]) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): '%s' is given twice", argno, st->feat_name[f]);
			goto out;
		}
		st->seen[f] = 1;
		k = mlmd_json_next(r, &tok, &len);
		int rc = 0;
		if (k == MLMD_JSON_NUMBER) {
			double d;
			if (mlmd__parse_double(tok, len, 0, &d)) {
				mlmd__sx_error(ctx, api, fn, "argument %d (inputs): '%s' is %s, out of range of a double",
					argno, st->feat_name[f], tok);
				goto out;
			}
			rc = put_number(st, (size_t)f, d, 0, 0);
		} else if (k == MLMD_JSON_NULL) {
			rc = put_missing(st, (size_t)f);
		} else if (k < 0) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): %s", argno, mlmd_error_message());
			goto out;
		} else {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): '%s' is %s, expected a number", argno,
				st->feat_name[f], k == MLMD_JSON_STRING ? "a string" : k == MLMD_JSON_TRUE ||
				k == MLMD_JSON_FALSE ? "a boolean" : "not a number");
			goto out;
		}
		if (rc) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): '%s' is not a valid value for its input type "
				"%s", argno, st->feat_name[f], input_type(st, (size_t)f));
			goto out;
		}
	}
	for (size_t f = 0; f < st->n_feat; f++)
		if (!st->seen[f] && put_missing(st, f)) {
			mlmd__sx_error(ctx, api, fn, "argument %d (inputs): '%s' is missing, and its input type %s has no "
				"missing value", argno, st->feat_name[f], input_type(st, f));
			goto out;
		}
	ret = 0;
out:
	mlmd_json_reader_free(r);
	return ret;
}

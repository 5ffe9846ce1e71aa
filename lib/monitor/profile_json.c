/*
 * monitor/profile_json.c - a reference profile's JSON form
 * (docs/monitoring.md, "profiles"): written with every double at 17
 * significant digits, so that reading it back gives the same doubles and
 * writing those again the same bytes; read strictly, every rule broken
 * refused as INVALID_ARGUMENT naming the field ("profile: columns[2].edges[4]:
 * below edges[3]").
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../util/base.h"
#include "mlmd/json.h"
#include "profile_int.h"

#define FORMAT "mlmd.profile"
#define VERSION 1

/* ---- writing ---------------------------------------------------------------------------- */

static void put_double(mlmd_json_writer *w, const char *key, double v)
{
	mlmd_json_key(w, key);
	mlmd_json_double(w, v, 17); /* NaN (no value present) is written as null */
}

static void put_bins(mlmd_json_writer *w, int n_bins, const double *edges, const int64_t *bins)
{
	mlmd_json_key(w, "edges");
	mlmd_json_array_begin(w);
	for (int i = 0; i + 1 < n_bins; i++)
		mlmd_json_double(w, edges[i], 17);
	mlmd_json_array_end(w);
	mlmd_json_key(w, "bins");
	mlmd_json_array_begin(w);
	for (int i = 0; i < n_bins; i++)
		mlmd_json_int(w, bins[i]);
	mlmd_json_array_end(w);
}

static void put_categories(mlmd_json_writer *w, const char *key, size_t n, const char *const *v, const int64_t *counts)
{
	mlmd_json_key(w, key);
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "value");
		mlmd_json_string(w, v[i]);
		mlmd_json_key(w, "count");
		mlmd_json_int(w, counts[i]);
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
}

int mlmd_profile_to_json(const mlmd_profile *p, char **json, size_t *len)
{
	if (!p || !json)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_to_json: NULL argument");
	*json = NULL;
	mlmd_json_writer *w;
	int rc = mlmd_json_writer_new(&w, NULL);
	if (rc)
		return rc;
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "format");
	mlmd_json_string(w, FORMAT);
	mlmd_json_key(w, "version");
	mlmd_json_int(w, VERSION);
	mlmd_json_key(w, "n_rows");
	mlmd_json_int(w, p->n_rows);
	mlmd_json_key(w, "columns");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < p->n_columns; i++) {
		const mlmd_profile_column *c = &p->cols[i].pub;
		int numeric = c->kind == MLMD_COLUMN_NUMERIC;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, c->name);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, numeric ? "numeric" : "categorical");
		mlmd_json_key(w, "count");
		mlmd_json_int(w, c->count);
		mlmd_json_key(w, "missing");
		mlmd_json_int(w, c->missing);
		if (numeric) {
			put_double(w, "mean", c->mean);
			put_double(w, "variance", c->variance);
			put_double(w, "min", c->min);
			put_double(w, "max", c->max);
			put_bins(w, c->n_bins, c->edges, c->bin_counts);
		} else {
			put_categories(w, "categories", c->n_categories, c->categories, c->category_counts);
			mlmd_json_key(w, "other");
			mlmd_json_int(w, c->other);
		}
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	if (p->has_outputs) {
		const mlmd_profile_outputs *o = &p->out;
		mlmd_json_key(w, "outputs");
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, o->name);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, o->n_classes ? "classes" : "scores");
		if (o->n_classes)
			put_categories(w, "classes", o->n_classes, o->classes, o->class_counts);
		else
			put_bins(w, o->n_bins, o->edges, o->bin_counts);
		mlmd_json_object_end(w);
	}
	mlmd_json_object_end(w);
	rc = mlmd_json_writer_status(w);
	size_t n = 0;
	const char *text = rc ? NULL : mlmd_json_writer_text(w, &n);
	if (!rc && !(*json = mlmd__strndup(text, n)))
		rc = MLMD_OOM();
	if (!rc && len)
		*len = n;
	mlmd_json_writer_free(w);
	return rc;
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct jp {
	mlmd_json_reader *r;
	const char *text;   /* the last token's text (borrowed) */
	size_t len;
} jp;

static int bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "profile: %s: %s", path, msg);
}

static int next(jp *j)
{
	int t = mlmd_json_next(j->r, &j->text, &j->len);
	return t < 0 ? mlmd__context(t, "profile") : t;
}

static const char *token_name(int t)
{
	switch (t) {
	case MLMD_JSON_NULL: return "null";
	case MLMD_JSON_FALSE: case MLMD_JSON_TRUE: return "a boolean";
	case MLMD_JSON_NUMBER: return "a number";
	case MLMD_JSON_STRING: return "a string";
	case MLMD_JSON_OBJECT: return "an object";
	case MLMD_JSON_ARRAY: return "an array";
	default: return "the end of the value";
	}
}

static int expect(jp *j, int want, const char *path, const char *what)
{
	int t = next(j);
	if (t < 0)
		return t;
	if (t != want)
		return bad(path, "expected %s, got %s", what, token_name(t));
	return 0;
}

/* A non-negative integer count. */
static int get_count(jp *j, const char *path, int64_t *v)
{
	int rc = expect(j, MLMD_JSON_NUMBER, path, "a count");
	if (rc)
		return rc;
	if (j->text[0] == '-')
		return bad(path, "%s is negative", j->text);
	int64_t x = 0;
	for (size_t i = 0; i < j->len; i++) {
		char ch = j->text[i];
		if (ch < '0' || ch > '9')
			return bad(path, "%s is not a whole number", j->text);
		if (x > (INT64_MAX - (ch - '0')) / 10)
			return bad(path, "%s is too large", j->text);
		x = x * 10 + (ch - '0');
	}
	*v = x;
	return 0;
}

/* A finite number, or null (*v NaN) when nullable. */
static int get_double(jp *j, const char *path, double *v)
{
	int t = next(j);
	if (t < 0)
		return t;
	if (t == MLMD_JSON_NULL) {
		*v = NAN;
		return 0;
	}
	if (t != MLMD_JSON_NUMBER)
		return bad(path, "expected a number or null, got %s", token_name(t));
	if (mlmd__parse_double(j->text, j->len, 0, v) || !isfinite(*v))
		return bad(path, "%s is not a finite double", j->text);
	return 0;
}

/* A string without NUL bytes, copied. */
static int get_string(jp *j, const char *path, char **out)
{
	int rc = expect(j, MLMD_JSON_STRING, path, "a string");
	if (rc)
		return rc;
	if (strlen(j->text) != j->len)
		return bad(path, "holds a NUL character");
	if (!(*out = mlmd__strndup(j->text, j->len)))
		return MLMD_OOM();
	return 0;
}

/* Keys of an object: the index of `key` in `keys`, or a failure naming it
 * when unknown or seen before (bit i of *seen). */
static int which_key(const char *path, const char *key, const char *const *keys, unsigned *seen)
{
	for (int i = 0; keys[i]; i++) {
		if (strcmp(key, keys[i]))
			continue;
		if (*seen & (1u << i))
			return bad(path, "key \"%s\" appears twice", key);
		*seen |= 1u << i;
		return i;
	}
	return bad(path, "unknown key \"%s\"", key);
}

/* "edges" or "bins": an array of at most `max` numbers (doubles or counts). */
static int get_array(jp *j, const char *path, int max, double *dv, int64_t *iv, int *n)
{
	char sub[160];
	int rc = expect(j, MLMD_JSON_ARRAY, path, "an array");
	*n = 0;
	while (!rc) {
		mlmd__snprintf(sub, sizeof sub, "%s[%d]", path, *n);
		int t = next(j);
		if (t < 0 || t == MLMD_JSON_ARRAY_END)
			return t < 0 ? t : 0;
		if (*n == max)
			return bad(path, "has more than %d entries", max);
		if (t != MLMD_JSON_NUMBER && !(dv && t == MLMD_JSON_NULL))
			return bad(sub, "expected a number, got %s", token_name(t));
		if (dv) {
			if (t == MLMD_JSON_NULL || mlmd__parse_double(j->text, j->len, 0, &dv[*n]) || !isfinite(dv[*n]))
				return bad(sub, "%s is not a finite double", t == MLMD_JSON_NULL ? "null" : j->text);
		} else {
			if (j->text[0] == '-')
				return bad(sub, "%s is negative", j->text);
			int64_t x = 0;
			for (size_t i = 0; i < j->len; i++) {
				char ch = j->text[i];
				if (ch < '0' || ch > '9')
					return bad(sub, "%s is not a whole number", j->text);
				if (x > (INT64_MAX - (ch - '0')) / 10)
					return bad(sub, "%s is too large", j->text);
				x = x * 10 + (ch - '0');
			}
			iv[*n] = x;
		}
		(*n)++;
	}
	return rc;
}

/* [{"value": "...", "count": N}, ...] into *cats / *counts. */
static int get_categories(jp *j, const char *path, char ***cats, int64_t **counts, size_t *n)
{
	static const char *const keys[] = {"value", "count", NULL};
	char sub[160];
	int rc = expect(j, MLMD_JSON_ARRAY, path, "an array");
	while (!rc) {
		int t = next(j);
		if (t < 0 || t == MLMD_JSON_ARRAY_END)
			return t < 0 ? t : 0;
		mlmd__snprintf(sub, sizeof sub, "%s[%zu]", path, *n);
		if (t != MLMD_JSON_OBJECT)
			return bad(sub, "expected an object, got %s", token_name(t));
		if (*n == MLMD_PROFILE_MAX_CATEGORIES)
			return bad(path, "has more than %d entries", MLMD_PROFILE_MAX_CATEGORIES);
		if ((rc = mlmd__grow((void **)cats, *n, sizeof **cats)) || (rc = mlmd__grow((void **)counts, *n, sizeof **counts)))
			return rc;
		(*cats)[*n] = NULL;
		(*counts)[*n] = 0;
		(*n)++;
		unsigned seen = 0;
		while (!rc && (t = next(j)) == MLMD_JSON_KEY) {
			int k = which_key(sub, j->text, keys, &seen);
			if (k < 0)
				return k;
			char fld[200];
			mlmd__snprintf(fld, sizeof fld, "%s.%s", sub, keys[k]);
			if (k == 0)
				rc = get_string(j, fld, &(*cats)[*n - 1]);
			else
				rc = get_count(j, fld, &(*counts)[*n - 1]);
		}
		if (rc || t < 0)
			return rc ? rc : t;
		if (seen != 3)
			return bad(sub, "needs \"value\" and \"count\"");
		if (!*(*cats)[*n - 1])
			return bad(sub, "value is empty (an empty value is missing, not a category)");
		if ((*counts)[*n - 1] == 0)
			return bad(sub, "count is 0 (a category is listed only when seen)");
		if (*n > 1 && !mlmd__profile_in_order((*cats)[*n - 2], (*counts)[*n - 2], (*cats)[*n - 1],
						      (*counts)[*n - 1]))
			return bad(sub, "out of order (more frequent first, ties by byte order, each value once)");
	}
	return rc;
}

enum { C_NAME, C_KIND, C_COUNT, C_MISSING, C_MEAN, C_VARIANCE, C_MIN, C_MAX, C_EDGES, C_BINS, C_CATS, C_OTHER };
static const char *const column_keys[] = {"name", "kind", "count", "missing", "mean", "variance", "min", "max",
					  "edges", "bins", "categories", "other", NULL};

static int get_column(jp *j, const char *path, prof_col *c)
{
	char *kind = NULL;
	int rc = 0, t;
	while (!rc && (t = next(j)) == MLMD_JSON_KEY) {
		int k = which_key(path, j->text, column_keys, &c->seen);
		if (k < 0) {
			rc = k;
			break;
		}
		char fld[200];
		mlmd__snprintf(fld, sizeof fld, "%s.%s", path, column_keys[k]);
		mlmd_profile_column *pub = &c->pub;
		switch (k) {
		case C_NAME: rc = get_string(j, fld, &c->name); break;
		case C_KIND:
			if (!(rc = get_string(j, fld, &kind))) {
				pub->kind = !strcmp(kind, "numeric") ? MLMD_COLUMN_NUMERIC
					    : !strcmp(kind, "categorical") ? MLMD_COLUMN_CATEGORICAL : 0;
				if (!pub->kind)
					rc = bad(fld, "\"%s\" is neither \"numeric\" nor \"categorical\"", kind);
			}
			break;
		case C_COUNT: rc = get_count(j, fld, &pub->count); break;
		case C_MISSING: rc = get_count(j, fld, &pub->missing); break;
		case C_MEAN: rc = get_double(j, fld, &pub->mean); break;
		case C_VARIANCE: rc = get_double(j, fld, &pub->variance); break;
		case C_MIN: rc = get_double(j, fld, &pub->min); break;
		case C_MAX: rc = get_double(j, fld, &pub->max); break;
		case C_EDGES: rc = get_array(j, fld, NEDGES, c->edges, NULL, &c->n_edges); break;
		case C_BINS: rc = get_array(j, fld, MLMD_PROFILE_BINS, NULL, c->bins, &c->n_bins); break;
		case C_CATS: rc = get_categories(j, fld, &c->cats, &c->cat_counts, &pub->n_categories); break;
		case C_OTHER: rc = get_count(j, fld, &pub->other); break;
		}
	}
	free(kind);
	return rc ? rc : t < 0 ? t : 0;
}

static int add(const char *path, const char *what, int64_t *sum, int64_t v)
{
	if (v > INT64_MAX - *sum)
		return bad(path, "%s add up to more than a 64-bit count", what);
	*sum += v;
	return 0;
}

/* The rules a column obeys once read whole (see docs/monitoring.md). */
static int check_column(const char *path, prof_col *c, int64_t n_rows)
{
	mlmd_profile_column *pub = &c->pub;
	unsigned need = 1u << C_NAME | 1u << C_KIND | 1u << C_COUNT | 1u << C_MISSING;
	unsigned num = 1u << C_MEAN | 1u << C_VARIANCE | 1u << C_MIN | 1u << C_MAX | 1u << C_EDGES | 1u << C_BINS;
	unsigned cat = 1u << C_CATS | 1u << C_OTHER;
	int numeric = pub->kind == MLMD_COLUMN_NUMERIC;
	need |= numeric ? num : cat;
	for (int i = 0; column_keys[i]; i++) {
		if ((need >> i & 1) && !(c->seen >> i & 1))
			return bad(path, "\"%s\" is missing", column_keys[i]);
		if (!(need >> i & 1) && (c->seen >> i & 1))
			return bad(path, "\"%s\" does not belong to a %s column", column_keys[i],
				   numeric ? "numeric" : "categorical");
	}
	if (!*c->name)
		return bad(path, "name is empty");
	int64_t total = 0;
	char fld[200];
	if (add(path, "count and missing", &total, pub->count) || add(path, "count and missing", &total, pub->missing))
		return -MLMD_INVALID_ARGUMENT;
	if (total != n_rows)
		return bad(path, "count %lld + missing %lld is not n_rows %lld", (long long)pub->count,
			   (long long)pub->missing, (long long)n_rows);
	total = 0;
	if (!numeric) {
		mlmd__snprintf(fld, sizeof fld, "%s.categories", path);
		for (size_t i = 0; i < pub->n_categories; i++)
			if (add(fld, "the counts", &total, c->cat_counts[i]))
				return -MLMD_INVALID_ARGUMENT;
		if (add(fld, "the counts", &total, pub->other))
			return -MLMD_INVALID_ARGUMENT;
		if (total != pub->count)
			return bad(fld, "the counts and other add up to %lld, count is %lld", (long long)total,
				   (long long)pub->count);
		mlmd__snprintf(fld, sizeof fld, "profile: %s.categories", path);
		return mlmd__profile_finish_column(c, fld);
	}
	if (pub->count == 0) {
		static const int f[] = {C_MEAN, C_VARIANCE, C_MIN, C_MAX};
		const double v[] = {pub->mean, pub->variance, pub->min, pub->max};
		for (int i = 0; i < 4; i++)
			if (!isnan(v[i]))
				return bad(path, "%s must be null when count is 0", column_keys[f[i]]);
		if (c->n_edges || c->n_bins)
			return bad(path, "edges and bins must be empty when count is 0");
		return mlmd__profile_finish_column(c, path);
	}
	static const int f[] = {C_MEAN, C_VARIANCE, C_MIN, C_MAX};
	const double v[] = {pub->mean, pub->variance, pub->min, pub->max};
	for (int i = 0; i < 4; i++)
		if (isnan(v[i]))
			return bad(path, "%s is null, count is %lld", column_keys[f[i]], (long long)pub->count);
	if (pub->variance < 0)
		return bad(path, "variance is negative");
	if (pub->min > pub->max)
		return bad(path, "min is above max");
	if (c->n_edges != NEDGES)
		return bad(path, "edges has %d entries, expected %d", c->n_edges, NEDGES);
	if (c->n_bins != MLMD_PROFILE_BINS)
		return bad(path, "bins has %d entries, expected %d", c->n_bins, MLMD_PROFILE_BINS);
	for (int i = 1; i < NEDGES; i++) {
		if (c->edges[i] < c->edges[i - 1]) {
			mlmd__snprintf(fld, sizeof fld, "%s.edges[%d]", path, i);
			return bad(fld, "below edges[%d] (edges must be ascending)", i - 1);
		}
	}
	mlmd__snprintf(fld, sizeof fld, "%s.bins", path);
	for (int i = 0; i < MLMD_PROFILE_BINS; i++)
		if (add(fld, "the counts", &total, c->bins[i]))
			return -MLMD_INVALID_ARGUMENT;
	if (total != pub->count)
		return bad(fld, "add up to %lld, count is %lld", (long long)total, (long long)pub->count);
	return mlmd__profile_finish_column(c, path);
}

enum { O_NAME, O_KIND, O_CLASSES, O_EDGES, O_BINS };

static int get_outputs(jp *j, mlmd_profile *p)
{
	static const char *const keys[] = {"name", "kind", "classes", "edges", "bins", NULL};
	unsigned seen = 0;
	char *kind = NULL;
	int rc = 0, t, n_edges = 0, n_bins = 0;
	while (!rc && (t = next(j)) == MLMD_JSON_KEY) {
		int k = which_key("outputs", j->text, keys, &seen);
		if (k < 0) {
			rc = k;
			break;
		}
		char fld[64];
		mlmd__snprintf(fld, sizeof fld, "outputs.%s", keys[k]);
		switch (k) {
		case O_NAME: rc = get_string(j, fld, &p->out_name); break;
		case O_KIND: rc = get_string(j, fld, &kind); break;
		case O_CLASSES: rc = get_categories(j, fld, &p->classes, &p->class_counts, &p->n_classes); break;
		case O_EDGES: rc = get_array(j, fld, NEDGES, p->out_edges, NULL, &n_edges); break;
		case O_BINS: rc = get_array(j, fld, MLMD_PROFILE_BINS, NULL, p->out_bins, &n_bins); break;
		}
	}
	if (rc || t < 0) {
		free(kind);
		return rc ? rc : t;
	}
	int classes = kind && !strcmp(kind, "classes"), scores = kind && !strcmp(kind, "scores");
	if (!(seen & 1u << O_NAME) || !*p->out_name)
		rc = bad("outputs", "\"name\" is missing or empty");
	else if (!classes && !scores)
		rc = bad("outputs.kind", "expected \"classes\" or \"scores\"");
	else if (classes && seen != (1u << O_NAME | 1u << O_KIND | 1u << O_CLASSES))
		rc = bad("outputs", "a \"classes\" output has name, kind and classes only");
	else if (scores && seen != (1u << O_NAME | 1u << O_KIND | 1u << O_EDGES | 1u << O_BINS))
		rc = bad("outputs", "a \"scores\" output has name, kind, edges and bins only");
	else if (classes && p->n_classes == 0)
		rc = bad("outputs.classes", "is empty");
	else if (scores && (n_edges != NEDGES || n_bins != MLMD_PROFILE_BINS))
		rc = bad("outputs", "expected %d edges and %d bins, got %d and %d", NEDGES, MLMD_PROFILE_BINS, n_edges,
			 n_bins);
	free(kind);
	if (rc)
		return rc;
	int64_t total = 0;
	size_t k = classes ? p->n_classes : MLMD_PROFILE_BINS;
	for (size_t i = 0; i < k; i++)
		if (add("outputs", "the counts", &total, classes ? p->class_counts[i] : p->out_bins[i]))
			return -MLMD_INVALID_ARGUMENT;
	for (int i = 1; scores && i < NEDGES; i++) {
		if (p->out_edges[i] < p->out_edges[i - 1]) {
			char fld[64];
			mlmd__snprintf(fld, sizeof fld, "outputs.edges[%d]", i);
			return bad(fld, "below edges[%d] (edges must be ascending)", i - 1);
		}
	}
	if (total > p->n_rows)
		return bad("outputs", "the counts add up to %lld, more than n_rows %lld", (long long)total,
			   (long long)p->n_rows);
	if (scores && total == 0)
		return bad("outputs.bins", "add up to 0");
	p->has_outputs = 1;
	mlmd__profile_finish_outputs(p);
	return 0;
}

enum { R_FORMAT, R_VERSION, R_ROWS, R_COLUMNS, R_OUTPUTS };

static int get_columns(jp *j, mlmd_profile *p)
{
	int rc = expect(j, MLMD_JSON_ARRAY, "columns", "an array");
	while (!rc) {
		int t = next(j);
		if (t < 0 || t == MLMD_JSON_ARRAY_END)
			return t < 0 ? t : 0;
		char path[64];
		mlmd__snprintf(path, sizeof path, "columns[%zu]", p->n_columns);
		if (t != MLMD_JSON_OBJECT)
			return bad(path, "expected an object, got %s", token_name(t));
		if (p->n_columns == MLMD_PROFILE_MAX_COLUMNS)
			return bad("columns", "more than %d columns", MLMD_PROFILE_MAX_COLUMNS);
		if ((rc = mlmd__grow((void **)&p->cols, p->n_columns, sizeof *p->cols)))
			return rc;
		prof_col *c = &p->cols[p->n_columns++];
		memset(c, 0, sizeof *c);
		c->pub.mean = c->pub.variance = c->pub.min = c->pub.max = NAN;
		rc = get_column(j, path, c);
	}
	return rc;
}

static int read_profile(jp *j, mlmd_profile *p)
{
	static const char *const keys[] = {"format", "version", "n_rows", "columns", "outputs", NULL};
	unsigned seen = 0;
	int rc = expect(j, MLMD_JSON_OBJECT, "(document)", "an object"), t = 0;
	while (!rc && (t = next(j)) == MLMD_JSON_KEY) {
		int k = which_key("(document)", j->text, keys, &seen);
		if (k < 0)
			return k;
		int64_t v;
		char *s = NULL;
		switch (k) {
		case R_FORMAT:
			if (!(rc = get_string(j, "format", &s)) && strcmp(s, FORMAT))
				rc = bad("format", "\"%s\" is not \"" FORMAT "\"", s);
			free(s);
			break;
		case R_VERSION:
			if (!(rc = get_count(j, "version", &v)) && v != VERSION)
				rc = bad("version", "%lld is not a version this library reads (%d)", (long long)v, VERSION);
			break;
		case R_ROWS: rc = get_count(j, "n_rows", &p->n_rows); break;
		case R_COLUMNS: rc = get_columns(j, p); break;
		case R_OUTPUTS:
			if ((t = next(j)) < 0)
				return t;
			if (t == MLMD_JSON_OBJECT)
				rc = get_outputs(j, p);
			else if (t != MLMD_JSON_NULL)
				rc = bad("outputs", "expected an object or null, got %s", token_name(t));
			break;
		}
	}
	if (rc || t < 0)
		return rc ? rc : t;
	for (int i = 0; i < R_OUTPUTS; i++)
		if (!(seen & 1u << i))
			return bad("(document)", "\"%s\" is missing", keys[i]);
	if (p->n_columns == 0)
		return bad("columns", "is empty");
	for (size_t i = 0; i < p->n_columns; i++) {
		char path[64];
		mlmd__snprintf(path, sizeof path, "columns[%zu]", i);
		if ((rc = check_column(path, &p->cols[i], p->n_rows)))
			return rc;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->cols[k].name, p->cols[i].name))
				return bad(path, "name \"%s\" is also columns[%zu]'s", p->cols[i].name, k);
	}
	return 0;
}

int mlmd_profile_from_json(mlmd_profile **out, const char *json, size_t len)
{
	if (!out || !json)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_from_json: NULL argument");
	*out = NULL;
	mlmd_profile *p = calloc(1, sizeof *p);
	if (!p)
		return MLMD_OOM();
	jp j = {0};
	int rc = mlmd_json_reader_new(&j.r, json, len, 8);
	if (!rc)
		rc = read_profile(&j, p);
	if (!rc && (rc = next(&j)) > 0)
		rc = bad("(document)", "text after the profile");
	mlmd_json_reader_free(j.r);
	if (rc) {
		mlmd_profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

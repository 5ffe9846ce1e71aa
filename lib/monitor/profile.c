/*
 * monitor/profile.c - reference profiles (mlmd/monitor.h): built from
 * columns in memory, the model's outputs added, binned (a numeric value by
 * binary search over the decile edges, a category through a hash table
 * built once), and compared with the counts a window saw. The JSON form is
 * in monitor/profile_json.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/base.h"
#include "profile_int.h"
#include "stats_int.h"

/* ---- categories: counting, ordering, the lookup table ------------------------------- */

int mlmd__profile_in_order(const char *a, int64_t ca, const char *b, int64_t cb)
{
	if (ca != cb)
		return ca > cb;
	return strcmp(a, b) < 0;
}

int mlmd__profile_finish_column(prof_col *c, const char *what)
{
	mlmd_profile_column *pub = &c->pub;
	pub->name = c->name;
	/* names and categories travel in JSON and protobuf strings, which must be UTF-8 */
	if (!mlmd__utf8_valid(c->name, strlen(c->name)))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the column name is not valid UTF-8", what);
	for (size_t i = 0; pub->kind != MLMD_COLUMN_NUMERIC && i < pub->n_categories; i++)
		if (!mlmd__utf8_valid(c->cats[i], strlen(c->cats[i])))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "%s: category %zu is not valid UTF-8 (convert the data to UTF-8 first)", what, i);
	if (pub->kind == MLMD_COLUMN_NUMERIC) {
		pub->n_bins = pub->count > 0 ? MLMD_PROFILE_BINS : 0;
		pub->edges = c->edges;
		pub->bin_counts = c->bins;
		return 0;
	}
	pub->categories = (const char *const *)c->cats;
	pub->category_counts = c->cat_counts;
	size_t n = pub->n_categories, size = 2;
	while (size < 2 * n)
		size *= 2;
	free(c->slots);
	c->slots = calloc(size, sizeof *c->slots);
	if (!c->slots)
		return MLMD_OOM();
	c->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)mlmd__stat_hash(c->cats[i]) & c->mask;
		while (c->slots[h]) {
			if (!strcmp(c->cats[c->slots[h] - 1], c->cats[i]))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: category \"%s\" appears twice", what,
						  c->cats[i]);
			h = (h + 1) & c->mask;
		}
		c->slots[h] = (uint32_t)(i + 1);
	}
	return 0;
}

/* Distinct strings with their counts, in a table that grows at half load. */
typedef struct tally {
	const char **keys;
	int64_t *counts;
	size_t size, used;
} tally;

static int tally_add(tally *t, const char *s)
{
	if (2 * (t->used + 1) > t->size) {
		size_t size = t->size ? 2 * t->size : 64;
		const char **keys = calloc(size, sizeof *keys);
		int64_t *counts = calloc(size, sizeof *counts);
		if (!keys || !counts) {
			free(keys);
			free(counts);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < t->size; i++) {
			if (!t->keys[i])
				continue;
			size_t h = (size_t)mlmd__stat_hash(t->keys[i]) & (size - 1);
			while (keys[h])
				h = (h + 1) & (size - 1);
			keys[h] = t->keys[i];
			counts[h] = t->counts[i];
		}
		free(t->keys);
		free(t->counts);
		t->keys = keys;
		t->counts = counts;
		t->size = size;
	}
	size_t h = (size_t)mlmd__stat_hash(s) & (t->size - 1);
	while (t->keys[h] && strcmp(t->keys[h], s))
		h = (h + 1) & (t->size - 1);
	if (!t->keys[h]) {
		t->keys[h] = s;
		t->used++;
	}
	t->counts[h]++;
	return 0;
}

typedef struct entry {
	const char *s;
	int64_t n;
} entry;

static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->s, y->s);
}

/* Counts the non-missing strings of v[0..n), keeps the `cap` most frequent
 * (ties by byte order) as copies in *cats / *counts, and returns the rest's
 * count in *other. With cap < 0 everything is kept unless there are more
 * than MLMD_PROFILE_MAX_CATEGORIES distinct values (INVALID_ARGUMENT). */
static int count_categories(const char *const *v, size_t n, long cap, const char *what, char ***cats,
			    int64_t **counts, size_t *n_cats, int64_t *other, int64_t *present)
{
	tally t = {0};
	int rc = 0;
	int64_t m = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (v[i] && *v[i]) {
			rc = tally_add(&t, v[i]);
			m++;
		}
	}
	entry *e = rc ? NULL : malloc((t.used ? t.used : 1) * sizeof *e);
	if (!rc && !e)
		rc = MLMD_OOM();
	if (!rc) {
		size_t k = 0;
		for (size_t i = 0; i < t.size; i++)
			if (t.keys[i])
				e[k++] = (entry){t.keys[i], t.counts[i]};
		qsort(e, k, sizeof *e, entry_cmp);
		size_t keep = k;
		if (cap < 0 && k > MLMD_PROFILE_MAX_CATEGORIES)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu distinct values, more than the %d allowed",
					what, k, MLMD_PROFILE_MAX_CATEGORIES);
		if (cap >= 0 && keep > (size_t)cap)
			keep = (size_t)cap;
		*n_cats = 0;
		*other = 0;
		*cats = rc ? NULL : calloc(keep ? keep : 1, sizeof **cats);
		*counts = rc ? NULL : calloc(keep ? keep : 1, sizeof **counts);
		if (!rc && (!*cats || !*counts))
			rc = MLMD_OOM();
		for (size_t i = 0; !rc && i < keep; i++) {
			if (!((*cats)[i] = mlmd__strdup(e[i].s)))
				rc = MLMD_OOM();
			(*counts)[i] = e[i].n;
			*n_cats = i + 1;
		}
		for (size_t i = keep; !rc && i < k; i++)
			*other += e[i].n;
	}
	free(e);
	free(t.keys);
	free(t.counts);
	*present = m;
	return rc;
}

/* ---- numbers -------------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The present values of x[0..n) sorted into a new array (*m of them);
 * an infinite value is INVALID_ARGUMENT. */
static int sorted_present(const double *x, size_t n, const char *what, double **out, size_t *m)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (isinf(x[i]))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: row %zu is infinite (a profile takes finite numbers; "
					  "NaN is missing)", what, i);
		k += !isnan(x[i]);
	}
	*m = k;
	*out = malloc((k ? k : 1) * sizeof **out);
	if (!*out)
		return MLMD_OOM();
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			(*out)[k++] = x[i];
	qsort(*out, k, sizeof **out, dbl_cmp);
	return 0;
}

/* Decile edges of a sorted sample and its ten bin counts. */
static void bin_sorted(const double *s, size_t m, double edges[NEDGES], int64_t bins[MLMD_PROFILE_BINS])
{
	mlmd_stat_deciles(s, m, edges);
	mlmd__stat_count_bins(s, m, edges, bins);
}

static int build_numeric(prof_col *c, const double *x, size_t n)
{
	double *s;
	size_t m;
	int rc = sorted_present(x, n, c->name, &s, &m);
	if (rc)
		return rc;
	c->pub.count = (int64_t)m;
	c->pub.missing = (int64_t)(n - m);
	c->pub.mean = c->pub.variance = c->pub.min = c->pub.max = NAN;
	if (m > 0) {
		/* long double: a sum of large doubles does not overflow on the way */
		long double sum = 0, ss = 0;
		for (size_t i = 0; i < m; i++)
			sum += s[i];
		double mean = (double)(sum / (long double)m);
		for (size_t i = 0; i < m; i++)
			ss += ((long double)s[i] - mean) * ((long double)s[i] - mean);
		c->pub.mean = mean;
		c->pub.variance = m > 1 ? (double)(ss / (long double)(m - 1)) : 0;
		c->pub.min = s[0];
		c->pub.max = s[m - 1];
		if (!isfinite(c->pub.mean) || !isfinite(c->pub.variance))
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the values' mean or variance overflows a double",
					c->name);
		bin_sorted(s, m, c->edges, c->bins);
	}
	free(s);
	return rc;
}

/* ---- building ------------------------------------------------------------------------- */

int mlmd_profile_build(mlmd_profile **out, const mlmd_profile_input *columns, size_t n_columns,
		       const mlmd_profile_options *opts)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: out is NULL");
	*out = NULL;
	if (opts && opts->version != MLMD_PROFILE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: options version %u, expected %d",
				  opts->version, MLMD_PROFILE_OPTIONS_VERSION);
	long cap = opts && opts->category_cap ? opts->category_cap : MLMD_PROFILE_CATEGORY_CAP;
	if (cap < 0 || cap > MLMD_PROFILE_MAX_CATEGORIES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: category cap %ld is outside 1..%d", cap,
				  MLMD_PROFILE_MAX_CATEGORIES);
	if (n_columns == 0 || !columns)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: no columns");
	if (n_columns > MLMD_PROFILE_MAX_COLUMNS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: %zu columns, more than the %d allowed",
				  n_columns, MLMD_PROFILE_MAX_COLUMNS);
	for (size_t i = 0; i < n_columns; i++) {
		const mlmd_profile_input *in = &columns[i];
		if (!in->name || !*in->name)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: column %zu has no name", i);
		if (!in->numbers == !in->strings)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "mlmd_profile_build: column '%s': give exactly one of numbers and strings",
					  in->name);
		if (in->n != columns[0].n)
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "mlmd_profile_build: column '%s' has %zu rows, column '%s' %zu", in->name,
					  in->n, columns[0].name, columns[0].n);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(columns[j].name, in->name))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_build: column '%s' appears twice",
						  in->name);
	}
	mlmd_profile *p = calloc(1, sizeof *p);
	if (!p || !(p->cols = calloc(n_columns, sizeof *p->cols))) {
		free(p);
		return MLMD_OOM();
	}
	p->n_rows = (int64_t)columns[0].n;
	p->n_columns = n_columns;
	int rc = 0;
	for (size_t i = 0; i < n_columns && !rc; i++) {
		const mlmd_profile_input *in = &columns[i];
		prof_col *c = &p->cols[i];
		if (!(c->name = mlmd__strdup(in->name))) {
			rc = MLMD_OOM();
			break;
		}
		if (in->numbers) {
			c->pub.kind = MLMD_COLUMN_NUMERIC;
			rc = build_numeric(c, in->numbers, in->n);
		} else {
			c->pub.kind = MLMD_COLUMN_CATEGORICAL;
			c->pub.mean = c->pub.variance = c->pub.min = c->pub.max = NAN;
			rc = count_categories(in->strings, in->n, cap, c->name, &c->cats, &c->cat_counts,
					      &c->pub.n_categories, &c->pub.other, &c->pub.count);
			c->pub.missing = (int64_t)in->n - c->pub.count;
		}
		if (!rc) {
			char what[32];
			mlmd__snprintf(what, sizeof what, "columns[%zu]", i);
			rc = mlmd__profile_finish_column(c, what);
		}
	}
	if (rc) {
		mlmd_profile_free(p);
		return mlmd__context(rc, "mlmd_profile_build");
	}
	*out = p;
	return 0;
}

void mlmd__profile_outputs_clear(mlmd_profile *p)
{
	for (size_t i = 0; i < p->n_classes; i++)
		free(p->classes[i]);
	free(p->classes);
	free(p->class_counts);
	free(p->out_name);
	p->classes = NULL;
	p->class_counts = NULL;
	p->out_name = NULL;
	p->n_classes = 0;
	p->has_outputs = 0;
	memset(&p->out, 0, sizeof p->out);
}

void mlmd__profile_finish_outputs(mlmd_profile *p)
{
	memset(&p->out, 0, sizeof p->out);
	p->out.name = p->out_name;
	if (p->n_classes) {
		p->out.n_classes = p->n_classes;
		p->out.classes = (const char *const *)p->classes;
		p->out.class_counts = p->class_counts;
	} else {
		p->out.n_bins = MLMD_PROFILE_BINS;
		p->out.edges = p->out_edges;
		p->out.bin_counts = p->out_bins;
	}
}

static int outputs_check(mlmd_profile *p, const char *fn, const char *output, const void *v, size_t n)
{
	if (!p || !output || !*output || (n && !v))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: NULL argument or empty output name", fn);
	if ((int64_t)n != p->n_rows)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: %zu values for a profile of %lld rows", fn, n,
				  (long long)p->n_rows);
	return 0;
}

int mlmd_profile_set_classes(mlmd_profile *p, const char *output, const char *const *classes, size_t n)
{
	static const char fn[] = "mlmd_profile_set_classes";
	int rc = outputs_check(p, fn, output, classes, n);
	if (rc)
		return rc;
	char **cats, *name = mlmd__strdup(output);
	int64_t *counts, other, present;
	size_t k;
	if (!name)
		return MLMD_OOM();
	rc = count_categories(classes, n, -1, fn, &cats, &counts, &k, &other, &present);
	if (!rc && k == 0)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: no row has a class", fn);
	if (rc) {
		for (size_t i = 0; cats && i < k; i++)
			free(cats[i]);
		free(cats);
		free(counts);
		free(name);
		return rc;
	}
	mlmd__profile_outputs_clear(p);
	p->out_name = name;
	p->classes = cats;
	p->class_counts = counts;
	p->n_classes = k;
	p->has_outputs = 1;
	mlmd__profile_finish_outputs(p);
	return 0;
}

int mlmd_profile_set_scores(mlmd_profile *p, const char *output, const double *scores, size_t n)
{
	static const char fn[] = "mlmd_profile_set_scores";
	int rc = outputs_check(p, fn, output, scores, n);
	if (rc)
		return rc;
	double *s;
	size_t m;
	if ((rc = sorted_present(scores, n, fn, &s, &m)))
		return rc;
	char *name = m ? mlmd__strdup(output) : NULL;
	if (!m || !name) {
		free(s);
		return m ? MLMD_OOM() : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: no row has a score", fn);
	}
	mlmd__profile_outputs_clear(p);
	p->out_name = name;
	bin_sorted(s, m, p->out_edges, p->out_bins);
	free(s);
	p->has_outputs = 1;
	mlmd__profile_finish_outputs(p);
	return 0;
}

void mlmd_profile_free(mlmd_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_columns; i++) {
		prof_col *c = &p->cols[i];
		for (size_t j = 0; j < c->pub.n_categories; j++)
			free(c->cats[j]);
		free(c->cats);
		free(c->cat_counts);
		free(c->slots);
		free(c->name);
	}
	free(p->cols);
	mlmd__profile_outputs_clear(p);
	free(p);
}

/* ---- reading ---------------------------------------------------------------------------- */

int64_t mlmd_profile_rows(const mlmd_profile *p) { return p ? p->n_rows : 0; }

size_t mlmd_profile_column_count(const mlmd_profile *p) { return p ? p->n_columns : 0; }

const mlmd_profile_column *mlmd_profile_column_at(const mlmd_profile *p, size_t i)
{
	return p && i < p->n_columns ? &p->cols[i].pub : NULL;
}

int mlmd_profile_column_index(const mlmd_profile *p, const char *name)
{
	for (size_t i = 0; p && name && i < p->n_columns; i++)
		if (!strcmp(p->cols[i].name, name))
			return (int)i;
	return -1;
}

const mlmd_profile_outputs *mlmd_profile_outputs_get(const mlmd_profile *p)
{
	return p && p->has_outputs ? &p->out : NULL;
}

int mlmd_profile_bin(const mlmd_profile *p, size_t column, double x)
{
	if (!p || column >= p->n_columns || isnan(x))
		return -1;
	const mlmd_profile_column *c = &p->cols[column].pub;
	if (c->kind != MLMD_COLUMN_NUMERIC || c->n_bins == 0)
		return -1;
	return mlmd_stat_bin(c->edges, c->n_bins - 1, x);
}

int mlmd_profile_category(const mlmd_profile *p, size_t column, const char *value)
{
	if (!p || column >= p->n_columns || !value || !*value)
		return -1;
	const prof_col *c = &p->cols[column];
	if (c->pub.kind != MLMD_COLUMN_CATEGORICAL)
		return -1;
	size_t h = (size_t)mlmd__stat_hash(value) & c->mask;
	while (c->slots[h]) {
		uint32_t i = c->slots[h] - 1;
		if (!strcmp(c->cats[i], value))
			return (int)i;
		h = (h + 1) & c->mask;
	}
	return (int)c->pub.n_categories;
}

/* ---- comparing a window with the profile ------------------------------------------------ */

int mlmd_profile_compare(const mlmd_profile *p, size_t column, const int64_t *counts, int64_t missing,
			 const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	if (!p || !out || !counts)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_compare: NULL argument");
	if (column >= p->n_columns)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_compare: column %zu, the profile has %zu", column,
				  p->n_columns);
	if (missing < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_compare: missing count is negative");
	const mlmd_profile_column *c = &p->cols[column].pub;
	int numeric = c->kind == MLMD_COLUMN_NUMERIC;
	size_t k = numeric ? (size_t)c->n_bins : c->n_categories + 1;
	int64_t cur_n = 0;
	for (size_t i = 0; i < k; i++) {
		if (counts[i] < 0 || counts[i] > INT64_MAX - cur_n)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_profile_compare: column '%s': count %zu is %s",
					  c->name, i, counts[i] < 0 ? "negative" : "too large");
		cur_n += counts[i];
	}
	double nan = NAN;
	*out = (mlmd_drift_column){.kind = c->kind, .n_reference = c->count, .n_current = cur_n,
				   .missing_reference = c->missing, .missing_current = missing, .ks = nan,
				   .ks_pvalue = nan, .wasserstein = nan, .psi = nan, .js = nan, .chi2 = nan,
				   .chi2_pvalue = nan};
	/* nothing to compare on one side: every figure NaN, no drift */
	if (c->count == 0 || cur_n == 0)
		return 0;
	int64_t *ref = malloc(k * sizeof *ref);
	double *pq = malloc(2 * k * sizeof *pq);
	if (!ref || !pq) {
		free(ref), free(pq);
		return MLMD_OOM();
	}
	if (numeric) {
		memcpy(ref, c->bin_counts, k * sizeof *ref);
	} else {
		if (k > 1)
			memcpy(ref, c->category_counts, (k - 1) * sizeof *ref);
		ref[k - 1] = c->other;
	}
	/* the binned KS: cumulative counts, so that equal distributions give exactly 0 */
	int64_t cr = 0, cc = 0;
	double d = 0;
	for (size_t i = 0; i < k; i++) {
		cr += ref[i];
		cc += counts[i];
		double gap = fabs((double)cr / (double)c->count - (double)cc / (double)cur_n);
		if (gap > d)
			d = gap;
	}
	mlmd__stat_psi_js(ref, c->count, counts, cur_n, k, pq, &out->psi, &out->js);
	int rc = mlmd_stat_chi2(ref, counts, k, &out->chi2, &out->chi2_pvalue, &out->chi2_dof);
	if (numeric) {
		out->ks = d;
		out->ks_pvalue = mlmd_stat_ks_pvalue(d, c->count, cur_n);
	}
	free(ref), free(pq);
	if (rc)
		return rc;
	double psi_th, pv_th;
	mlmd__stat_thresholds(th, &psi_th, &pv_th);
	out->drift = out->psi >= psi_th || out->chi2_pvalue < pv_th || (numeric && out->ks_pvalue < pv_th);
	return 0;
}

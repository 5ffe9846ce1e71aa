/*
 * scorer/pmml_doc.c - the compiled document's common parts, which every
 * other PMML file uses: errors naming the line and element, fields and name
 * maps, declared sizes checked against what the document holds, the load's
 * limit on tables, Arrays, and a model's categories.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

/* ---- errors -------------------------------------------------------------------------------------- */

int mlmd__pmml_bad(const px *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML line %d: <%s>: %s", n ? n->line : 0, n ? n->name : "?", msg);
}

int mlmd__pmml_unsupported(const px *n, const char *what)
{
	return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: <%s>: %s is not supported", n->line, n->name, what);
}

/* ---- fields -------------------------------------------------------------------------------------- */

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int map_put(pdoc *d, const char *name, int id)
{
	if ((size_t)(d->n_fields + 1) * 2 > d->map_cap) {
		size_t cap = d->map_cap ? d->map_cap * 2 : 64;
		const char **nn = calloc(cap, sizeof *nn);
		int *ni = calloc(cap, sizeof *ni);
		if (!nn || !ni) {
			free(nn);
			free(ni);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < d->map_cap; i++)
			if (d->names[i]) {
				size_t j = hash_name(d->names[i]) & (cap - 1);
				while (nn[j])
					j = (j + 1) & (cap - 1);
				nn[j] = d->names[i];
				ni[j] = d->ids[i];
			}
		free(d->names);
		free(d->ids);
		d->names = nn;
		d->ids = ni;
		d->map_cap = cap;
	}
	size_t j = hash_name(name) & (d->map_cap - 1);
	while (d->names[j] && strcmp(d->names[j], name) != 0)
		j = (j + 1) & (d->map_cap - 1);
	d->names[j] = name;
	d->ids[j] = id;
	return 0;
}

int mlmd__pmml_field_id(const pdoc *d, const char *name)
{
	if (!name || !d->map_cap)
		return -1;
	size_t j = hash_name(name) & (d->map_cap - 1);
	while (d->names[j]) {
		if (strcmp(d->names[j], name) == 0)
			return d->ids[j];
		j = (j + 1) & (d->map_cap - 1);
	}
	return -1;
}

/* A map for n names, in pool. */
int mlmd__pmml_strmap_init(sc_pool *pool, strmap *m, size_t n)
{
	size_t cap = 8;
	while (cap < 2 * n + 2)
		cap *= 2;
	m->cap = cap;
	m->names = mlmd__sc_alloc_array(pool, cap, sizeof *m->names);
	m->ids = mlmd__sc_alloc_array(pool, cap, sizeof *m->ids);
	return m->names && m->ids ? 0 : MLMD_OOM();
}

/* Adds name -> id (at most the n names the map was made for); returns the id
 * a name already had, else -1. */
int mlmd__pmml_strmap_put(strmap *m, const char *name, int id)
{
	size_t j = hash_name(name) & (m->cap - 1);
	while (m->names[j]) {
		if (!strcmp(m->names[j], name))
			return m->ids[j];
		j = (j + 1) & (m->cap - 1);
	}
	m->names[j] = name;
	m->ids[j] = id;
	return -1;
}

int mlmd__pmml_strmap_get(const strmap *m, const char *name)
{
	if (!name || !m->cap)
		return -1;
	size_t j = hash_name(name) & (m->cap - 1);
	while (m->names[j]) {
		if (!strcmp(m->names[j], name))
			return m->ids[j];
		j = (j + 1) & (m->cap - 1);
	}
	return -1;
}

int mlmd__pmml_add_field(pdoc *d, const char *name, int kind, int *out)
{
	if (d->n_fields == d->cap_fields) {
		int cap = d->cap_fields ? d->cap_fields * 2 : 32;
		pfield *nf = realloc(d->fields, (size_t)cap * sizeof *nf);
		if (!nf)
			return MLMD_OOM();
		d->fields = nf;
		d->cap_fields = cap;
	}
	pfield *f = &d->fields[d->n_fields];
	memset(f, 0, sizeof *f);
	f->name = name;
	f->kind = kind;
	int rc = map_put(d, name, d->n_fields);
	if (rc)
		return rc;
	*out = d->n_fields++;
	return 0;
}

/* ---- declared sizes, the load's limit on tables, Arrays ------------------------------------------ */

/* A declared count (Array n, numberOfInputs, ...): a non-negative integer. */
static int declared_count(const px *n, const char *attr, bool *present, size_t *out)
{
	const char *v = mlmd__px_attr(n, attr);
	*present = v != NULL;
	if (!v)
		return 0;
	double x;
	if (!parse_double(v, &x) || x < 0 || x != floor(x) || x > 9e15)
		return mlmd__pmml_bad(n, "%s=\"%s\" is not a count (a non-negative integer)", attr, v);
	*out = (size_t)x;
	return 0;
}

/* Checks a declared count against the number of items the element holds. */
int mlmd__pmml_check_count(const px *n, const char *attr, size_t have, const char *what)
{
	bool present;
	size_t want = 0;
	int rc = declared_count(n, attr, &present, &want);
	if (!rc && present && want != have)
		rc = mlmd__pmml_bad(n, "%s=\"%zu\" but it holds %zu %s", attr, want, have, what);
	return rc;
}

/* Checks that a table of rows x cols elements fits what the load may still
 * allocate, before it is allocated. */
int mlmd__pmml_check_table(pdoc *d, const px *n, size_t rows, size_t cols, size_t elem, const char *what)
{
	size_t room = d->pool->limit ? d->pool->limit - (d->pool->used_total < d->pool->limit ? d->pool->used_total :
		d->pool->limit) : SIZE_MAX;
	if (cols && rows > SIZE_MAX / cols / (elem ? elem : 1))
		return mlmd__pmml_bad(n, "%s: %zu x %zu elements overflow", what, rows, cols);
	if (rows * cols * elem > room)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML line %d: <%s>: %s: %zu x %zu elements (%zu MiB) are more "
			"than the load may allocate for this document (%d times its size, at least %zu MiB)", n->line,
			n->name, what, rows, cols, rows * cols * elem >> 20, PMML_LOAD_FACTOR, PMML_LOAD_FLOOR >> 20);
	return 0;
}

/* Splits an <Array> into values: quoted strings (with \" escapes) or tokens,
 * each kept whole. A declared n must match the count. */
int mlmd__pmml_parse_array(pdoc *d, const px *a, int kind, pv **out, size_t *n)
{
	const char *t = a->text ? a->text : "";
	size_t cap = 16, k = 0;
	pv *v = malloc(cap * sizeof *v);
	if (!v)
		return MLMD_OOM();
	const char *atype = mlmd__px_attr(a, "type");
	if (atype && strcmp(atype, "string") != 0)
		kind = F_DOUBLE;
	while (*t) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		if (!*t)
			break;
		const char *start = t;
		size_t bl = 0; /* the token's length once unescaped */
		bool quoted = *t == '"';
		if (quoted) {
			start = ++t;
			while (*t && *t != '"') {
				if (*t == '\\' && t[1] == '"')
					t++;
				bl++;
				t++;
			}
		} else {
			while (*t && *t != ' ' && *t != '\t' && *t != '\n' && *t != '\r')
				t++, bl++;
		}
		char *tok = mlmd__sc_alloc(d->pool, bl + 1);
		if (!tok) {
			free(v);
			return MLMD_OOM();
		}
		for (size_t i = 0; i < bl; i++, start++) {
			if (quoted && *start == '\\' && start[1] == '"')
				start++;
			tok[i] = *start;
		}
		if (quoted && *t == '"')
			t++;
		if (k == cap) {
			cap *= 2;
			pv *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				return MLMD_OOM();
			}
			v = nv;
		}
		v[k++] = constant(d, tok, kind);
	}
	int rc = mlmd__pmml_check_count(a, "n", k, "values");
	pv *pooled = rc ? NULL : mlmd__sc_alloc_array(d->pool, k + 1, sizeof *pooled);
	if (!rc && !pooled)
		rc = MLMD_OOM();
	if (!rc && k)
		memcpy(pooled, v, k * sizeof *v);
	free(v);
	if (rc)
		return rc;
	*out = pooled;
	*n = k;
	return 0;
}

/* ---- categories ---------------------------------------------------------------------------------- */

/* Appends category name (already in the model pool) to m's list; past a
 * few categories they are also indexed in a map (in the load's temporary
 * pool, rebuilt as the list doubles), so looking them up stays linear. */
static int append_class(pdoc *d, pmodel *m, const char *name)
{
	if (m->n_cls == m->cap_cls) {
		size_t cap = m->cap_cls ? m->cap_cls * 2 : 4;
		const char **nc = mlmd__sc_alloc_array(d->pool, cap, sizeof *nc);
		if (!nc)
			return MLMD_OOM();
		if (m->n_cls)
			memcpy(nc, m->cls, m->n_cls * sizeof *nc);
		m->cls = nc;
		m->cap_cls = cap;
	}
	m->cls[m->n_cls] = name;
	int id = (int)m->n_cls++;
	if (m->n_cls > 16 && (2 * m->n_cls + 2 > m->cmap.cap || m->cmap_shared)) {
		strmap nm;
		if (mlmd__pmml_strmap_init(d->tmp, &nm, 2 * m->n_cls))
			return MLMD_OOM();
		for (size_t k = 0; k < m->n_cls; k++)
			mlmd__pmml_strmap_put(&nm, m->cls[k], (int)k);
		m->cmap = nm;
		m->cmap_shared = false;
	} else if (m->cmap.cap) {
		mlmd__pmml_strmap_put(&m->cmap, name, id);
	}
	return id;
}

/* The index of category v among m's, added at the end if it is new. */
int mlmd__pmml_add_class(pdoc *d, pmodel *m, const char *v)
{
	if (m->cmap.cap) {
		int k = mlmd__pmml_strmap_get(&m->cmap, v);
		if (k >= 0)
			return k;
	} else {
		for (size_t k = 0; k < m->n_cls; k++)
			if (!strcmp(m->cls[k], v))
				return (int)k;
	}
	const char *name = pstrdup(d, v);
	return name ? append_class(d, m, name) : MLMD_OOM();
}

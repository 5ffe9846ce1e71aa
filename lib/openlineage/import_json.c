/*
 * openlineage/import_json.c - the import's small tools: an arena, events as
 * JSON value trees read from the library's token reader, values to and from
 * google.protobuf.Struct, RFC 3339 times, UUIDs, a string index, and a
 * dataset's URI from its namespace and name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "openlineage/import.h"

/* ---- the arena ------------------------------------------------------------------------- */

struct ol_chunk {
	ol_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *mlmd__ol_alloc(ol_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	ol_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > (1u << 16) ? n : (1u << 16);
		if (!(c = malloc(sizeof *c + cap))) {
			a->oom = 1;
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *mlmd__ol_strndup(ol_arena *a, const char *s, size_t n)
{
	char *p = mlmd__ol_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

void mlmd__ol_arena_free(ol_arena *a)
{
	for (ol_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- reading a value ------------------------------------------------------------------------ */

/* A problem that stops the reading (the reader's error, out of memory). */
static int jstop(olj_ctx *c, const char *why)
{
	snprintf(c->err, c->errsize, "%s", why);
	c->bad = true;
	return -1;
}

/* A problem with a value that is read on to its end: the first is kept. */
static void jbad(olj_ctx *c, const char *fmt, const char *s)
{
	if (!c->bad)
		snprintf(c->err, c->errsize, fmt, s);
	c->bad = true;
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp(((const olj_member *)x)->key, ((const olj_member *)y)->key);
}

/* The first key of an object that repeats, or NULL; *oom when sorting could not. */
static const char *repeated_key(const olj_member *m, size_t n, bool *oom)
{
	if (n < 2)
		return NULL;
	if (n <= 16) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (!strcmp(m[i].key, m[j].key))
					return m[i].key;
		return NULL;
	}
	olj_member *s = malloc(n * sizeof *s);
	if (!s) {
		*oom = true;
		return NULL;
	}
	memcpy(s, m, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_member);
	const char *dup = NULL;
	for (size_t i = 1; i < n && !dup; i++)
		if (!strcmp(s[i].key, s[i - 1].key))
			dup = s[i].key;
	free(s);
	return dup;
}

int mlmd__olj_read(mlmd_json_reader *r, int tok, const char *text, size_t len, olj_ctx *c, olj *out)
{
	memset(out, 0, sizeof *out);
	switch (tok) {
	case MLMD_JSON_NULL: out->t = OLJ_NULL; return 0;
	case MLMD_JSON_FALSE: out->t = OLJ_FALSE; return 0;
	case MLMD_JSON_TRUE: out->t = OLJ_TRUE; return 0;
	case MLMD_JSON_NUMBER:
		out->t = OLJ_NUM;
		if (mlmd__parse_double(text, len, 0, &out->u.num))
			jbad(c, "the number %s is out of range", text);
		return (out->text = mlmd__ol_strndup(c->a, text, len)) ? 0 : jstop(c, "out of memory");
	case MLMD_JSON_STRING:
		out->t = OLJ_STR;
		out->n = len;
		if (strlen(text) != len) {
			jbad(c, "%s", "a string holds a NUL byte (\\u0000)");
			out->n = strlen(text);
		}
		return (out->u.str = mlmd__ol_strndup(c->a, text, out->n)) ? 0 : jstop(c, "out of memory");
	case MLMD_JSON_OBJECT:
	case MLMD_JSON_ARRAY:
		break;
	default:
		return jstop(c, tok < 0 ? mlmd_error_message() : "a value was expected");
	}
	bool obj = tok == MLMD_JSON_OBJECT;
	/* children are gathered in a growing buffer, then moved into the arena */
	size_t elem = obj ? sizeof(olj_member) : sizeof(olj), n = 0, cap = 0;
	char *tmp = NULL;
	int rc = 0;
	for (;;) {
		const char *t;
		size_t tl;
		int k = mlmd_json_next(r, &t, &tl);
		if (k == (obj ? MLMD_JSON_OBJECT_END : MLMD_JSON_ARRAY_END))
			break;
		if (k < 0) {
			rc = jstop(c, mlmd_error_message());
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char *g = realloc(tmp, nc * elem);
			if (!g) {
				rc = jstop(c, "out of memory");
				break;
			}
			tmp = g;
			cap = nc;
		}
		olj *v;
		if (obj) {
			olj_member *m = (olj_member *)(void *)(tmp + n * elem);
			if (strlen(t) != tl)
				jbad(c, "%s", "a key holds a NUL byte (\\u0000)");
			if (!(m->key = mlmd__ol_strndup(c->a, t, strlen(t)))) {
				rc = jstop(c, "out of memory");
				break;
			}
			v = &m->v;
			k = mlmd_json_next(r, &t, &tl);
		} else {
			v = (olj *)(void *)(tmp + n * elem);
		}
		n++;
		if ((rc = mlmd__olj_read(r, k, t, tl, c, v)))
			break;
	}
	if (!rc && obj) {
		bool oom = false;
		const char *dup = repeated_key((olj_member *)(void *)tmp, n, &oom);
		if (oom)
			rc = jstop(c, "out of memory");
		else if (dup)
			jbad(c, "the key \"%s\" appears twice in an object", dup);
	}
	if (!rc && n) {
		void *p = mlmd__ol_alloc(c->a, n * elem);
		if (!p)
			rc = jstop(c, "out of memory");
		else
			memcpy(p, tmp, n * elem);
		if (obj)
			out->u.mem = p;
		else
			out->u.items = p;
	}
	free(tmp);
	out->t = obj ? OLJ_OBJ : OLJ_ARR;
	out->n = rc ? 0 : n;
	return rc;
}

const olj *mlmd__olj_get(const olj *v, const char *key)
{
	if (!v || v->t != OLJ_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->u.mem[i].key, key))
			return &v->u.mem[i].v;
	return NULL;
}

bool mlmd__olj_equal(const olj *x, const olj *y)
{
	if (x->t != y->t || x->n != y->n)
		return false;
	switch (x->t) {
	case OLJ_NUM: return x->u.num == y->u.num;
	case OLJ_STR: return !memcmp(x->u.str, y->u.str, x->n);
	case OLJ_ARR:
		for (size_t i = 0; i < x->n; i++)
			if (!mlmd__olj_equal(&x->u.items[i], &y->u.items[i]))
				return false;
		return true;
	case OLJ_OBJ:
		for (size_t i = 0; i < x->n; i++) {
			/* same position first: objects usually keep their order */
			const olj *o = !strcmp(x->u.mem[i].key, y->u.mem[i].key) ? &y->u.mem[i].v :
				mlmd__olj_get(y, x->u.mem[i].key);
			if (!o || !mlmd__olj_equal(&x->u.mem[i].v, o))
				return false;
		}
		return true;
	default: return true;
	}
}

olj *mlmd__olj_copy(ol_arena *a, const olj *v)
{
	olj *c = mlmd__ol_alloc(a, sizeof *c);
	if (!c)
		return NULL;
	*c = *v;
	if (v->t == OLJ_NUM && v->text && !(c->text = mlmd__ol_strndup(a, v->text, strlen(v->text))))
		return NULL;
	if (v->t == OLJ_STR) {
		if (!(c->u.str = mlmd__ol_strndup(a, v->u.str, v->n)))
			return NULL;
	} else if (v->t == OLJ_OBJ && v->n) {
		if (!(c->u.mem = mlmd__ol_alloc(a, v->n * sizeof *c->u.mem)))
			return NULL;
		for (size_t i = 0; i < v->n; i++) {
			olj *k = mlmd__olj_copy(a, &v->u.mem[i].v);
			if (!k || !(c->u.mem[i].key = mlmd__ol_strndup(a, v->u.mem[i].key, strlen(v->u.mem[i].key))))
				return NULL;
			c->u.mem[i].v = *k;
		}
	} else if (v->t == OLJ_ARR && v->n) {
		if (!(c->u.items = mlmd__ol_alloc(a, v->n * sizeof *c->u.items)))
			return NULL;
		for (size_t i = 0; i < v->n; i++) {
			olj *k = mlmd__olj_copy(a, &v->u.items[i]);
			if (!k)
				return NULL;
			c->u.items[i] = *k;
		}
	}
	return c;
}

/* ---- Struct -------------------------------------------------------------------------------- */

static Mlmd__Pb__Wkt__Value *to_value(const olj *v);

Mlmd__Pb__Wkt__Struct *mlmd__olj_to_struct(const olj *obj)
{
	Mlmd__Pb__Wkt__Struct *s = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	if (!s)
		return NULL;
	for (size_t i = 0; obj->t == OLJ_OBJ && i < obj->n; i++) {
		Mlmd__Pb__Wkt__Struct__FieldsEntry *e = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
		if (!e || mlmd_message_append(s, "fields", e)) {
			mlmd_message_free(e);
			mlmd_message_free(s);
			return NULL;
		}
		if (mlmd_message_set_string(e, "key", obj->u.mem[i].key) || !(e->value = to_value(&obj->u.mem[i].v))) {
			mlmd_message_free(s);
			return NULL;
		}
	}
	return s;
}

static Mlmd__Pb__Wkt__Value *to_value(const olj *v)
{
	Mlmd__Pb__Wkt__Value *x = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	if (!x)
		return NULL;
	bool ok = true;
	switch (v->t) {
	case OLJ_NULL: x->kind_case = MLMD__PB__WKT__VALUE__KIND_NULL_VALUE; break;
	case OLJ_FALSE:
	case OLJ_TRUE:
		x->kind_case = MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE;
		x->bool_value = v->t == OLJ_TRUE;
		break;
	case OLJ_NUM:
		x->kind_case = MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE;
		x->number_value = v->u.num;
		break;
	case OLJ_STR:
		x->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
		ok = (x->string_value = strdup(v->u.str)) != NULL;
		break;
	case OLJ_OBJ:
		x->kind_case = MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE;
		ok = (x->struct_value = mlmd__olj_to_struct(v)) != NULL;
		break;
	default:
		x->kind_case = MLMD__PB__WKT__VALUE__KIND_LIST_VALUE;
		if (!(x->list_value = mlmd_message_new(&mlmd__pb__wkt__list_value__descriptor))) {
			ok = false;
			break;
		}
		for (size_t i = 0; ok && i < v->n; i++) {
			Mlmd__Pb__Wkt__Value *item = to_value(&v->u.items[i]);
			if (!item || mlmd_message_append(x->list_value, "values", item)) {
				mlmd_message_free(item);
				ok = false;
			}
		}
	}
	if (!ok) {
		mlmd_message_free(x);
		return NULL;
	}
	return x;
}

static int from_value(ol_arena *a, const Mlmd__Pb__Wkt__Value *x, olj *out)
{
	memset(out, 0, sizeof *out);
	switch (x ? x->kind_case : MLMD__PB__WKT__VALUE__KIND_NULL_VALUE) {
	case MLMD__PB__WKT__VALUE__KIND_BOOL_VALUE: out->t = x->bool_value ? OLJ_TRUE : OLJ_FALSE; return 0;
	case MLMD__PB__WKT__VALUE__KIND_NUMBER_VALUE:
		out->t = OLJ_NUM;
		out->u.num = x->number_value;
		return 0;
	case MLMD__PB__WKT__VALUE__KIND_STRING_VALUE:
		out->t = OLJ_STR;
		out->n = x->string_value ? strlen(x->string_value) : 0;
		return (out->u.str = mlmd__ol_strndup(a, x->string_value ? x->string_value : "", out->n)) ? 0 : -1;
	case MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE:
		return mlmd__olj_from_struct(a, x->struct_value, out);
	case MLMD__PB__WKT__VALUE__KIND_LIST_VALUE: {
		out->t = OLJ_ARR;
		size_t n = x->list_value ? x->list_value->n_values : 0;
		if (n && !(out->u.items = mlmd__ol_alloc(a, n * sizeof *out->u.items)))
			return -1;
		out->n = n;
		for (size_t i = 0; i < n; i++)
			if (from_value(a, x->list_value->values[i], &out->u.items[i]))
				return -1;
		return 0;
	}
	default: out->t = OLJ_NULL; return 0;
	}
}

int mlmd__olj_from_struct(ol_arena *a, const Mlmd__Pb__Wkt__Struct *s, olj *out)
{
	memset(out, 0, sizeof *out);
	out->t = OLJ_OBJ;
	size_t n = s ? s->n_fields : 0;
	if (n && !(out->u.mem = mlmd__ol_alloc(a, n * sizeof *out->u.mem)))
		return -1;
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		const char *k = s->fields[i]->key ? s->fields[i]->key : "";
		if (!(out->u.mem[i].key = mlmd__ol_strndup(a, k, strlen(k))) ||
		    from_value(a, s->fields[i]->value, &out->u.mem[i].v))
			return -1;
	}
	return 0;
}

/* ---- times and UUIDs ----------------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int mlmd__ol_parse_time(const char *s, int64_t *ms)
{
	int Y, M, D, h, m, sec;
	size_t n = strlen(s);
	if (n < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) || h > 23 || m > 59 ||
	    sec > 60)
		return -1;
	bool leap_second = sec == 60; /* counted as the last ms of its minute */
	if (leap_second)
		sec = 59;
	const char *p = s + 19;
	int frac_ms = 0;
	if (*p == '.') {
		p++;
		int nd = 0;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac_ms *= 10;
	}
	if (leap_second)
		frac_ms = 999;
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t days = mlmd__days_from_civil(Y, M, D);
	*ms = ((days * 24 + h) * 60 + m - off) * 60000 + (int64_t)sec * 1000 + frac_ms;
	return 0;
}

bool mlmd__ol_uuid_norm(const char *s, char out[37])
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (c >= 'A' && c <= 'F') {
			c = (char)(c - 'A' + 'a');
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
		out[i] = c;
	}
	out[36] = 0;
	return true;
}

/* ---- the string index (open addressing, FNV-1a) ---------------------------------------------- */

struct ol_slot {
	const char *key; /* NULL: empty */
	size_t len;
	uint64_t h;
	long value;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

long mlmd__ol_index_get(const ol_index *ix, const char *key, size_t len)
{
	if (!ix->cap)
		return -1;
	uint64_t h = fnv(key, len);
	for (size_t i = h & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		const struct ol_slot *s = &ix->slots[i];
		if (!s->key)
			return -1;
		if (s->h == h && s->len == len && !memcmp(s->key, key, len))
			return s->value;
	}
}

int mlmd__ol_index_put(ol_index *ix, ol_arena *a, const char *key, size_t len, long value)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct ol_slot *ns = calloc(cap, sizeof *ns);
		if (!ns)
			return -1;
		for (size_t i = 0; i < ix->cap; i++) {
			struct ol_slot *s = &ix->slots[i];
			if (!s->key)
				continue;
			size_t j = s->h & (cap - 1);
			while (ns[j].key)
				j = (j + 1) & (cap - 1);
			ns[j] = *s;
		}
		free(ix->slots);
		ix->slots = ns;
		ix->cap = cap;
	}
	uint64_t h = fnv(key, len);
	size_t i = h & (ix->cap - 1);
	while (ix->slots[i].key) {
		struct ol_slot *s = &ix->slots[i];
		if (s->h == h && s->len == len && !memcmp(s->key, key, len)) {
			s->value = value;
			return 0;
		}
		i = (i + 1) & (ix->cap - 1);
	}
	char *k = mlmd__ol_strndup(a, key, len);
	if (!k)
		return -1;
	ix->slots[i] = (struct ol_slot){ k, len, h, value };
	ix->n++;
	return 0;
}

void mlmd__ol_index_free(ol_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof *ix);
}

/* ---- dataset URIs (OpenLineage's naming spec, the inverse of the export's table) ---- */

const char *mlmd__ol_dataset_uri(ol_arena *a, const char *ns, const char *name)
{
	char *u;
	size_t ln = strlen(ns), lm = strlen(name);
	if (!strcmp(ns, "file"))
		return name;
	const char *sep = strstr(ns, "://");
	if (!sep || sep == ns)
		return NULL;
	bool slash = name[0] == '/' || (ln && ns[ln - 1] == '/');
	if (!(u = mlmd__ol_alloc(a, ln + lm + 2)))
		return NULL;
	memcpy(u, ns, ln);
	if (!slash)
		u[ln++] = '/';
	memcpy(u + ln, name, lm + 1);
	return u;
}

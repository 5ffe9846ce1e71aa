/*
 * store/track_common.c - what the tracking handlers (store/track_*.c) share:
 * the system types, custom property updates on a run, loading a run and its
 * experiment, and the Run message a run is shown as.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "rpc.h"
#include "track.h"
#include "mlmd/json.h"

/* ---- types --------------------------------------------------------------- */

int mlmd__track_find_type(call *c, int kind, const char *name, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT id FROM type WHERE kind = ? AND name = ? AND version = ''");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, kind);
	mlmd__q_text(&q, 2, name);
	*id = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* Created through MLMD's own Put*Type handlers, in this call's transaction. */
int mlmd__track_type(call *c, int kind, const char *name, int64_t *id)
{
	int rc = mlmd__track_find_type(c, kind, name, id);
	if (rc || *id)
		return rc;
	if (kind == KIND_EXECUTION) {
		Mlmd__Pb__ExecutionType t = MLMD__PB__EXECUTION_TYPE__INIT;
		Mlmd__Pb__PutExecutionTypeRequest rq;
		protobuf_c_message_init(&mlmd__pb__put_execution_type_request__descriptor, &rq); /* its INIT names deprecated fields */
		Mlmd__Pb__PutExecutionTypeResponse rs = MLMD__PB__PUT_EXECUTION_TYPE_RESPONSE__INIT;
		t.name = (char *)name;
		rq.execution_type = &t;
		rc = mlmd__rpc_PutExecutionType(c, &rq, &rs);
		*id = rs.type_id;
	} else if (kind == KIND_ARTIFACT) {
		Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
		Mlmd__Pb__PutArtifactTypeRequest rq;
		protobuf_c_message_init(&mlmd__pb__put_artifact_type_request__descriptor, &rq); /* its INIT names deprecated fields */
		Mlmd__Pb__PutArtifactTypeResponse rs = MLMD__PB__PUT_ARTIFACT_TYPE_RESPONSE__INIT;
		t.name = (char *)name;
		rq.artifact_type = &t;
		rc = mlmd__rpc_PutArtifactType(c, &rq, &rs);
		*id = rs.type_id;
	} else {
		Mlmd__Pb__ContextType t = MLMD__PB__CONTEXT_TYPE__INIT;
		Mlmd__Pb__PutContextTypeRequest rq;
		protobuf_c_message_init(&mlmd__pb__put_context_type_request__descriptor, &rq); /* its INIT names deprecated fields */
		Mlmd__Pb__PutContextTypeResponse rs = MLMD__PB__PUT_CONTEXT_TYPE_RESPONSE__INIT;
		t.name = (char *)name;
		rq.context_type = &t;
		rc = mlmd__rpc_PutContextType(c, &rq, &rs);
		*id = rs.type_id;
	}
	return rc ? mlmd__context(rc, "creating type '%s'", name) : 0;
}

int mlmd__track_artifact_type(call *c, const char *name, size_t n, const char *const *keys,
			      const Mlmd__Pb__PropertyType *types, int64_t *id)
{
	Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
	Mlmd__Pb__ArtifactType__PropertiesEntry *ents = calloc(n + 1, sizeof *ents);
	Mlmd__Pb__ArtifactType__PropertiesEntry **pe = calloc(n + 1, sizeof *pe);
	if (!ents || !pe) {
		free(ents), free(pe);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__artifact_type__properties_entry__init(&ents[i]);
		ents[i].key = (char *)keys[i];
		ents[i].has_value = 1;
		ents[i].value = types[i];
		pe[i] = &ents[i];
	}
	t.name = (char *)name;
	t.n_properties = n;
	t.properties = pe;
	Mlmd__Pb__PutArtifactTypeRequest rq;
	protobuf_c_message_init(&mlmd__pb__put_artifact_type_request__descriptor, &rq); /* its INIT names deprecated fields */
	rq.artifact_type = &t;
	rq.has_can_add_fields = rq.can_add_fields = 1;
	Mlmd__Pb__PutArtifactTypeResponse rs = MLMD__PB__PUT_ARTIFACT_TYPE_RESPONSE__INIT;
	int rc = mlmd__rpc_PutArtifactType(c, &rq, &rs);
	*id = rs.type_id;
	free(ents), free(pe);
	return rc ? mlmd__context(rc, "creating type '%s'", name) : 0;
}

/* ---- custom properties ----------------------------------------------------- */

struct track_item {
	prop_entry e;                /* the map entry (every node kind's has this layout) */
	Mlmd__Pb__Value v;
	char *name, *sval;
};

void mlmd__tp_init(track_props *tp, const node_kind *k)
{
	memset(tp, 0, sizeof *tp);
	tp->k = k;
}

void mlmd__tp_free(track_props *tp)
{
	for (size_t i = 0; i < tp->n; i++) {
		free(tp->items[i]->name);
		free(tp->items[i]->sval);
		free(tp->items[i]);
		free(tp->paths[i]);
	}
	free(tp->items);
	free(tp->entries);
	free(tp->paths);
	memset(tp, 0, sizeof *tp);
}

static track_item *tp_add(track_props *tp, const char *prefix, const char *key)
{
	if (tp->n == tp->cap) {
		size_t cap = tp->cap ? tp->cap * 2 : 16;
		track_item **it = realloc(tp->items, cap * sizeof *it);
		if (!it)
			return NULL;
		tp->items = it;
		void **en = realloc(tp->entries, cap * sizeof *en);
		if (!en)
			return NULL;
		tp->entries = en;
		char **pa = realloc(tp->paths, cap * sizeof *pa);
		if (!pa)
			return NULL;
		tp->paths = pa;
		tp->cap = cap;
	}
	track_item *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	size_t lp = strlen(prefix), lk = strlen(key);
	t->name = malloc(lp + lk + 1);
	char *path = malloc(18 + lp + lk + 1);
	if (!t->name || !path) {
		free(t->name);
		free(path);
		free(t);
		return NULL;
	}
	memcpy(t->name, prefix, lp);
	memcpy(t->name + lp, key, lk + 1);
	memcpy(path, "custom_properties.", 18);
	memcpy(path + 18, t->name, lp + lk + 1);
	protobuf_c_message_init(tp->k->custom_entry, &t->e);
	protobuf_c_message_init(&mlmd__pb__value__descriptor, &t->v);
	t->e.key = t->name;
	t->e.value = &t->v;
	tp->items[tp->n] = t;
	tp->entries[tp->n] = &t->e;
	tp->paths[tp->n] = path;
	tp->n++;
	return t;
}

int mlmd__tp_value(track_props *tp, const char *prefix, const char *key, const Mlmd__Pb__Value *v)
{
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: return mlmd__tp_int(tp, prefix, key, v->int_value);
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: return mlmd__tp_dbl(tp, prefix, key, v->double_value);
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: return mlmd__tp_str(tp, prefix, key, v->string_value);
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: return mlmd__tp_bool(tp, prefix, key, v->bool_value);
	default:
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s%s: only int, double, string and bool values are kept",
				  prefix, key);
	}
}

int mlmd__tp_str(track_props *tp, const char *prefix, const char *key, const char *v)
{
	track_item *t = tp_add(tp, prefix, key);
	if (!t || !(t->sval = mlmd__strdup(v ? v : "")))
		return MLMD_OOM();
	t->v.value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	t->v.string_value = t->sval;
	return 0;
}

int mlmd__tp_int(track_props *tp, const char *prefix, const char *key, int64_t v)
{
	track_item *t = tp_add(tp, prefix, key);
	if (!t)
		return MLMD_OOM();
	t->v.value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	t->v.int_value = v;
	return 0;
}

int mlmd__tp_dbl(track_props *tp, const char *prefix, const char *key, double v)
{
	track_item *t = tp_add(tp, prefix, key);
	if (!t)
		return MLMD_OOM();
	t->v.value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
	t->v.double_value = v;
	return 0;
}

int mlmd__tp_bool(track_props *tp, const char *prefix, const char *key, int v)
{
	track_item *t = tp_add(tp, prefix, key);
	if (!t)
		return MLMD_OOM();
	t->v.value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
	t->v.bool_value = v != 0;
	return 0;
}

/* A masked update (MLMD's own update path): only the named properties and
 * the state change; the update time moves when something did. */
int mlmd__tp_update_execution(call *c, int64_t id, track_props *tp, int state)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
	char *state_path = "last_known_state";
	char **paths = malloc((tp->n + 1) * sizeof *paths);
	if (!paths)
		return MLMD_OOM();
	if (tp->n)
		memcpy(paths, tp->paths, tp->n * sizeof *paths);
	mask.n_paths = tp->n;
	if (state >= 0) {
		paths[mask.n_paths++] = state_path;
		e.has_last_known_state = 1;
		e.last_known_state = (Mlmd__Pb__Execution__State)state;
	}
	mask.paths = paths;
	e.has_id = 1;
	e.id = id;
	e.n_custom_properties = tp->n;
	e.custom_properties = (Mlmd__Pb__Execution__CustomPropertiesEntry **)tp->entries;
	put_opts o = { 0 };
	o.mask = &mask;
	int64_t out = 0;
	int rc = mask.n_paths ? mlmd__node_put(c, &mlmd__execution_kind, &e.base, &o, &out) : 0;
	free(paths);
	return rc;
}

/* ---- runs ------------------------------------------------------------------- */

static const char *state_name(int s)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&mlmd__pb__execution__state__descriptor, s);
	return v ? v->name : "UNKNOWN";
}

int mlmd__track_run_load(call *c, int has_id, int64_t id, int running, Mlmd__Pb__Execution **out)
{
	*out = NULL;
	if (!has_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "run_id is required");
	ProtobufCMessage *m = NULL;
	int rc = mlmd__node_load(c, &mlmd__execution_kind, id, &m);
	if (rc)
		return rc;
	if (!m)
		return mlmd__fail(MLMD_NOT_FOUND, "run %lld does not exist (no execution has this id)", (long long)id);
	Mlmd__Pb__Execution *e = (Mlmd__Pb__Execution *)m;
	if (running && e->last_known_state != MLMD__PB__EXECUTION__STATE__RUNNING) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
				"run %lld has ended (%s): nothing more can be logged to it; start a new run",
				(long long)id, state_name(e->last_known_state));
		protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = e;
	return 0;
}

const Mlmd__Pb__Value *mlmd__track_prop(const Mlmd__Pb__Execution *e, const char *name)
{
	for (size_t i = 0; i < e->n_custom_properties; i++)
		if (!strcmp(e->custom_properties[i]->key, name))
			return e->custom_properties[i]->value;
	return NULL;
}

static int cmp_key(const void *a, const void *b);

/* ---- repeated keys and lookups (requests may hold many thousands) ---------------- */

typedef struct key_ref {
	const char *key;
	size_t i;
} key_ref;

static int cmp_ref(const void *a, const void *b)
{
	const key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

int mlmd__track_key_groups(void *const *items, size_t n, size_t key_offset, size_t **first, size_t **last)
{
	*first = *last = NULL;
	if (!n)
		return 0;
	key_ref *r = malloc(n * sizeof *r);
	size_t *f = malloc(2 * n * sizeof *f); /* n <= what a request decodes to: no overflow */
	if (!r || !f) {
		free(r);
		free(f);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		r[i].key = *(char *const *)((const char *)items[i] + key_offset);
		r[i].i = i;
	}
	qsort(r, n, sizeof *r, cmp_ref);
	size_t *l = f + n;
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && !strcmp(r[b].key, r[a].key); b++)
			;
		for (size_t j = a; j < b; j++) {
			f[r[j].i] = r[a].i;
			l[r[j].i] = r[b - 1].i;
		}
	}
	free(r);
	*first = f;
	*last = l;
	return 0;
}

prop_entry **mlmd__track_props_sorted(const Mlmd__Pb__Execution *e, int *rc)
{
	size_t n = e->n_custom_properties;
	*rc = 0;
	if (!n)
		return NULL;
	prop_entry **sorted = malloc(n * sizeof *sorted);
	if (!sorted) {
		*rc = MLMD_OOM();
		return NULL;
	}
	memcpy(sorted, e->custom_properties, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_key);
	return sorted;
}

const Mlmd__Pb__Value *mlmd__track_prop_sorted(prop_entry *const *sorted, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sorted[mid]->key, name);
		if (!c)
			return sorted[mid]->value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mlmd__track_run_experiment(call *c, int64_t run, int64_t *id, char **name)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT x.id, x.name FROM association a JOIN context x ON x.id = a.context_id"
			 " JOIN type t ON t.id = x.type_id WHERE a.execution_id = ? AND t.kind = 2 AND t.name = '"
			 MLMD_TRACK_EXPERIMENT_TYPE "' ORDER BY x.id LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, run);
	*id = 0;
	if (name)
		*name = NULL;
	if ((rc = mlmd__q_step(&q)) == 1) {
		*id = mlmd__q_col_i64(&q, 0);
		if (name && !(*name = mlmd__strdup(mlmd__q_col_text(&q, 1))))
			rc = MLMD_OOM();
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

int mlmd__track_check_key(const char *key, const char *what)
{
	if (!key || !*key)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: the key is empty", what);
	size_t n = strlen(key);
	if (n > MLMD_TRACK_MAX_KEY)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s '%.40s...': the key is %zu bytes; at most %d", what, key, n,
				  MLMD_TRACK_MAX_KEY);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: key '%s' holds a control character at byte %zu",
					  what, key, i);
	return 0;
}

int mlmd__track_check_sha256(const char *s, const char *what)
{
	size_t n = s ? strlen(s) : 0;
	int ok = n == 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
	if (!ok)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: sha256 '%.80s' is not 64 lowercase hex digits", what,
				  s ? s : "");
	return 0;
}

/* ---- the Run message ---------------------------------------------------------- */

static int copy_str(char **dst, const char *src)
{
	if (!src)
		return 0;
	return (*dst = mlmd__strdup(src)) ? 0 : MLMD_OOM();
}

/* Appends p to the message's repeated field (array of pointers, count),
 * which only ever grows here from empty: its capacity is n rounded up to a
 * power of two, so n appends cost O(n) copying whatever realloc does. */
static int push_ptr(void ***arr, size_t *n, void *p)
{
	if (!(*n & (*n - 1))) { /* 0 or a power of two: full */
		void **a = realloc(*arr, (*n ? 2 * *n : 1) * sizeof *a);
		if (!a)
			return MLMD_OOM();
		*arr = a;
	}
	(*arr)[(*n)++] = p;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const prop_entry *x = *(prop_entry *const *)a, *y = *(prop_entry *const *)b;
	return strcmp(x->key, y->key);
}

/* argv is kept as a JSON array of strings (mlmd.argv). */
static int argv_from_json(const char *text, Mlmd__Pb__Tracking__Capture *cap)
{
	mlmd_json_reader *r = NULL;
	int rc = mlmd_json_reader_new(&r, text, strlen(text), 4);
	if (rc)
		return 0; /* not ours: leave argv empty */
	const char *t;
	size_t len;
	int tok = mlmd_json_next(r, &t, &len);
	if (tok == MLMD_JSON_ARRAY) {
		while ((tok = mlmd_json_next(r, &t, &len)) == MLMD_JSON_STRING) {
			char *s = malloc(len + 1);
			if (!s) {
				rc = MLMD_OOM();
				break;
			}
			memcpy(s, t, len);
			s[len] = '\0';
			if ((rc = push_ptr((void ***)&cap->argv, &cap->n_argv, s))) {
				free(s);
				break;
			}
		}
	}
	mlmd_json_reader_free(r);
	return rc;
}

static int map_entry(void ***arr, size_t *n, const ProtobufCMessageDescriptor *d, const char *key, const char *value)
{
	Mlmd__Pb__Tracking__Capture__EnvEntry *e = mlmd__msg_new(d); /* EnvEntry and PackagesEntry share a layout */
	if (!e)
		return MLMD_OOM();
	int rc = copy_str(&e->key, key);
	if (!rc)
		rc = copy_str(&e->value, value);
	if (!rc)
		rc = push_ptr(arr, n, e);
	if (rc)
		protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}

/* One capture property into the Capture message; returns 1 when it was one. */
static int capture_prop(Mlmd__Pb__Tracking__Capture *cap, const char *name, const Mlmd__Pb__Value *v, int *rc)
{
	const char *s = v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
	const char *n = name + 5; /* after "mlmd." */
	*rc = 0;
	if (!strcmp(n, "argv") && s)
		*rc = argv_from_json(s, cap);
	else if (!strcmp(n, "cwd") && s)
		*rc = copy_str(&cap->cwd, s);
	else if (!strcmp(n, "host") && s)
		*rc = copy_str(&cap->host, s);
	else if (!strcmp(n, "user") && s)
		*rc = copy_str(&cap->user, s);
	else if (!strcmp(n, "git_commit") && s)
		*rc = copy_str(&cap->git_commit, s);
	else if (!strcmp(n, "git_branch") && s)
		*rc = copy_str(&cap->git_branch, s);
	else if (!strcmp(n, "python_version") && s)
		*rc = copy_str(&cap->python_version, s);
	else if (!strcmp(n, "library_version") && s)
		*rc = copy_str(&cap->library_version, s);
	else if (!strcmp(n, "git_dirty") && v->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE)
		cap->has_git_dirty = 1, cap->git_dirty = v->bool_value;
	else if (!strcmp(n, "seed") && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)
		cap->has_seed = 1, cap->seed = v->int_value;
	else if (!strncmp(n, "env.", 4) && s)
		*rc = map_entry((void ***)&cap->env, &cap->n_env, &mlmd__pb__tracking__capture__env_entry__descriptor,
				n + 4, s);
	else if (!strncmp(n, "package.", 8) && s)
		*rc = map_entry((void ***)&cap->packages, &cap->n_packages,
				&mlmd__pb__tracking__capture__packages_entry__descriptor, n + 8, s);
	else
		return 0;
	return 1;
}

static int copy_value(const Mlmd__Pb__Value *v, Mlmd__Pb__Value **out)
{
	Mlmd__Pb__Value *c = mlmd__msg_new(&mlmd__pb__value__descriptor);
	if (!c)
		return MLMD_OOM();
	c->value_case = v->value_case;
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: c->int_value = v->int_value; break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: c->double_value = v->double_value; break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: c->bool_value = v->bool_value; break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE:
		if (!(c->string_value = mlmd__strdup(v->string_value))) {
			free(c);
			return MLMD_OOM();
		}
		break;
	default:
		c->value_case = MLMD__PB__VALUE__VALUE__NOT_SET;
		break;
	}
	*out = c;
	return 0;
}

/* Params, tags, metrics (with the step and timestamp of the latest point,
 * when the store has the metric table) and the capture, from the run's
 * custom properties, each list sorted by key. */
static int run_props(call *c, const Mlmd__Pb__Execution *e, Mlmd__Pb__Tracking__Run *r)
{
	size_t n = e->n_custom_properties;
	prop_entry **sorted = malloc((n + 1) * sizeof *sorted);
	if (!sorted)
		return MLMD_OOM();
	if (n) {
		memcpy(sorted, e->custom_properties, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, cmp_key);
	}
	Mlmd__Pb__Tracking__Capture *cap = mlmd__msg_new(&mlmd__pb__tracking__capture__descriptor);
	int rc = cap ? 0 : MLMD_OOM(), have_cap = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name = sorted[i]->key;
		const Mlmd__Pb__Value *v = sorted[i]->value;
		if (!v)
			continue;
		if (!strncmp(name, "param.", 6)) {
			Mlmd__Pb__Tracking__Param *p = mlmd__msg_new(&mlmd__pb__tracking__param__descriptor);
			if (!p || (rc = copy_str(&p->key, name + 6)) || (rc = copy_value(v, &p->value)) ||
			    (rc = push_ptr((void ***)&r->params, &r->n_params, p))) {
				if (p)
					protobuf_c_message_free_unpacked(&p->base, NULL);
				rc = rc ? rc : MLMD_OOM();
			}
		} else if (!strncmp(name, "tag.", 4) && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE) {
			Mlmd__Pb__Tracking__Tag *t = mlmd__msg_new(&mlmd__pb__tracking__tag__descriptor);
			if (!t || (rc = copy_str(&t->key, name + 4)) || (rc = copy_str(&t->value, v->string_value)) ||
			    (rc = push_ptr((void ***)&r->tags, &r->n_tags, t))) {
				if (t)
					protobuf_c_message_free_unpacked(&t->base, NULL);
				rc = rc ? rc : MLMD_OOM();
			}
		} else if (!strncmp(name, "metric.", 7) && (v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE ||
							       v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE)) {
			Mlmd__Pb__Tracking__MetricPoint *m = mlmd__msg_new(&mlmd__pb__tracking__metric_point__descriptor);
			if (!m || (rc = copy_str(&m->key, name + 7))) {
				if (m)
					protobuf_c_message_free_unpacked(&m->base, NULL);
				rc = rc ? rc : MLMD_OOM();
				break;
			}
			m->has_value = 1;
			m->value = v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE ? v->double_value
											 : (double)v->int_value;
			if (c->s->schema_version >= 3) {
				int found = 0;
				double val;
				int64_t step, ts;
				rc = mlmd__metric_latest(c->sql, e->id, name + 7, &found, &val, &step, &ts);
				if (found) {
					m->has_step = m->has_timestamp = 1;
					m->step = step;
					m->timestamp = ts;
				}
			}
			if (!rc)
				rc = push_ptr((void ***)&r->metrics, &r->n_metrics, m);
			if (rc)
				protobuf_c_message_free_unpacked(&m->base, NULL);
		} else if (!strcmp(name, "mlmd.end_time") && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE) {
			r->has_end_time = 1;
			r->end_time = v->int_value;
		} else if (!strcmp(name, "mlmd.fingerprint") && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE) {
			rc = copy_str(&r->fingerprint, v->string_value);
		} else if (!strncmp(name, "mlmd.", 5)) {
			have_cap |= capture_prop(cap, name, v, &rc);
		}
	}
	free(sorted);
	if (cap && (rc || !have_cap))
		protobuf_c_message_free_unpacked(&cap->base, NULL);
	else if (cap)
		r->capture = cap;
	return rc;
}

/* The run's files: its INPUT and OUTPUT events' artifacts, by event id. */
static int run_files(call *c, int64_t run, Mlmd__Pb__Tracking__Run *r)
{
	Mlmd__Pb__Event **ev = NULL;
	size_t nev = 0;
	int rc = mlmd__events_load(c, MLMD_EVENT_COLS " WHERE execution_id = ? ORDER BY id", run, &ev, &nev);
	for (int out = 0; out < 2 && !rc; out++) {
		int64_t *ids = NULL;
		size_t n = 0;
		int want = out ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		for (size_t i = 0; i < nev && !rc; i++)
			if (ev[i]->type == (Mlmd__Pb__Event__Type)want)
				rc = mlmd__push_i64(&ids, &n, ev[i]->artifact_id);
		if (!rc && n)
			rc = out ? mlmd__node_load_ids(c, &mlmd__artifact_kind, ids, n, 1, (void ***)&r->outputs,
						       &r->n_outputs)
				 : mlmd__node_load_ids(c, &mlmd__artifact_kind, ids, n, 1, (void ***)&r->inputs,
						       &r->n_inputs);
		free(ids);
	}
	for (size_t i = 0; i < nev; i++)
		protobuf_c_message_free_unpacked(&ev[i]->base, NULL);
	free(ev);
	return rc;
}

int mlmd__track_run_message(call *c, const Mlmd__Pb__Execution *e, Mlmd__Pb__Tracking__Run **out)
{
	Mlmd__Pb__Tracking__Run *r = mlmd__msg_new(&mlmd__pb__tracking__run__descriptor);
	if (!r)
		return MLMD_OOM();
	r->has_run_id = 1;
	r->run_id = e->id;
	r->has_status = 1;
	r->status = e->last_known_state;
	r->has_start_time = 1;
	r->start_time = e->create_time_since_epoch;
	int64_t xid = 0;
	int rc = copy_str(&r->run_name, e->name);
	if (!rc)
		rc = copy_str(&r->run_type, e->type);
	if (!rc)
		rc = mlmd__track_run_experiment(c, e->id, &xid, &r->experiment_name);
	if (!rc && xid)
		r->has_experiment_id = 1, r->experiment_id = xid;
	if (!rc)
		rc = run_props(c, e, r);
	if (!rc)
		rc = run_files(c, e->id, r);
	if (rc) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
		return rc;
	}
	*out = r;
	return 0;
}

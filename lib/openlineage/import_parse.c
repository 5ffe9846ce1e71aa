/*
 * openlineage/import_parse.c - pass 1 of the import: the text split into
 * events (NDJSON lines, or the elements of one JSON array), each read,
 * checked whole, and only then folded into what the import keeps per run,
 * dataset and job (import.h). Nothing touches the store here, so a strict
 * import that meets a malformed event has written nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "openlineage/import.h"

/* ---- problems ----------------------------------------------------------------------------- */

/* A malformed event: told to the problem callback, counted and skipped, or
 * with strict kept as the reason to stop (1). */
static int bad(ol_import *im, size_t line, const char *why)
{
	im->rep.skipped++;
	if (im->problem)
		im->problem(line, why, im->user);
	if (im->strict) {
		im->bad_line = line;
		snprintf(im->bad_why, sizeof im->bad_why, "%s", why);
		return 1;
	}
	return 0;
}

/* ---- checks ------------------------------------------------------------------------------- */

/* Member `key` of obj as a non-empty string: *out, or why not in why. */
static int need_str(const olj *obj, const char *where, const char *key, bool required, const char **out, char *why,
		    size_t wsize)
{
	const olj *v = mlmd__olj_get(obj, key);
	*out = NULL;
	if (!v) {
		if (required)
			snprintf(why, wsize, "%s\"%s\" is missing", where, key);
		return required ? -1 : 0;
	}
	if (v->t != OLJ_STR) {
		snprintf(why, wsize, "%s\"%s\" must be a string", where, key);
		return -1;
	}
	if (required && !v->n) {
		snprintf(why, wsize, "%s\"%s\" is empty", where, key);
		return -1;
	}
	*out = v->u.str;
	return 0;
}

/* Member `key` of obj, when present, as an object whose members are objects. */
static int check_facets(const olj *obj, const char *where, const char *key, const olj **out, char *why, size_t wsize)
{
	const olj *f = mlmd__olj_get(obj, key);
	*out = f;
	if (!f)
		return 0;
	if (f->t != OLJ_OBJ) {
		snprintf(why, wsize, "%s\"%s\" must be an object", where, key);
		return -1;
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->u.mem[i].v.t != OLJ_OBJ) {
			snprintf(why, wsize, "%s\"%s\": the facet \"%s\" must be an object", where, key, f->u.mem[i].key);
			return -1;
		}
	return 0;
}

/* A job or dataset: {namespace, name, facets, ...}. */
static int check_named(const olj *v, const char *where, char *why, size_t wsize)
{
	const char *s;
	const olj *f;
	if (!v || v->t != OLJ_OBJ) {
		snprintf(why, wsize, "%s must be an object", where);
		return -1;
	}
	char w[96];
	snprintf(w, sizeof w, "%s: ", where);
	return need_str(v, w, "namespace", true, &s, why, wsize) || need_str(v, w, "name", true, &s, why, wsize) ||
		check_facets(v, w, "facets", &f, why, wsize) ? -1 : 0;
}

/* inputs or outputs: an array of datasets. */
static int check_datasets(const olj *ev, const char *key, char *why, size_t wsize)
{
	const olj *a = mlmd__olj_get(ev, key);
	if (!a)
		return 0;
	if (a->t != OLJ_ARR) {
		snprintf(why, wsize, "\"%s\" must be an array", key);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		char where[64];
		const olj *f;
		snprintf(where, sizeof where, "%s[%zu]", key, i);
		if (check_named(&a->u.items[i], where, why, wsize))
			return -1;
		snprintf(where, sizeof where, "%s[%zu]: ", key, i);
		if (check_facets(&a->u.items[i], where, key[0] == 'i' ? "inputFacets" : "outputFacets", &f, why, wsize))
			return -1;
	}
	return 0;
}

/* Our facet, when present: its members of known meaning have their types. */
static int check_mlmd(const olj *f, const char *where, char *why, size_t wsize)
{
	if (!f)
		return 0;
	static const char *const strs[] = { "kind", "type", "name", "uri", "state", "baseType", "description",
					   "version", "externalId", NULL };
	static const char *const objs[] = { "properties", "customProperties", "propertyTypes", NULL };
	const char *s;
	for (size_t i = 0; strs[i]; i++)
		if (need_str(f, where, strs[i], false, &s, why, wsize))
			return -1;
	for (size_t i = 0; objs[i]; i++) {
		const olj *o = mlmd__olj_get(f, objs[i]);
		if (o && o->t != OLJ_OBJ) {
			snprintf(why, wsize, "%s\"%s\" must be an object", where, objs[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- folding ------------------------------------------------------------------------------ */

/* An empty object with room for n members, in arena a. */
static olj *ol_alloc_obj(ol_arena *a, size_t n)
{
	olj *o = mlmd__ol_alloc(a, sizeof *o);
	if (!o || !(o->u.mem = mlmd__ol_alloc(a, n * sizeof *o->u.mem)))
		return NULL;
	o->t = OLJ_OBJ;
	o->n = 0;
	o->text = NULL;
	return o;
}

static const char *intern(ol_import *im, const char *s)
{
	return mlmd__ol_strndup(&im->a, s, strlen(s));
}

/* Merges facet (name, val) seen at (t, seq) into fs: the latest wins. */
static int merge_facet(ol_import *im, ol_facets *fs, const char *name, const olj *val, int64_t t, size_t seq)
{
	ol_facet *f = NULL;
	for (size_t i = 0; i < fs->n && !f; i++)
		if (!strcmp(fs->v[i].name, name))
			f = &fs->v[i];
	if (f && !ol_later(t, seq, f->time, f->seq))
		return 0;
	if (!f) {
		if (mlmd__grow((void **)&fs->v, fs->n, sizeof *fs->v))
			return -1;
		f = &fs->v[fs->n++];
		if (!(f->name = intern(im, name)))
			return -1;
	}
	f->time = t;
	f->seq = seq;
	const olj *del = mlmd__olj_get(val, "_deleted");
	if (del && del->t == OLJ_TRUE) {
		f->val = NULL;
		return 0;
	}
	return (f->val = mlmd__olj_copy(&im->a, val)) ? 0 : -1;
}

/* Folds every facet of object `facets` into fs, but the ones in skip. */
static int merge_facets(ol_import *im, ol_facets *fs, const olj *facets, int64_t t, size_t seq)
{
	for (size_t i = 0; facets && i < facets->n; i++) {
		const char *k = facets->u.mem[i].key;
		if (!strcmp(k, MLMD__OL_FACET))
			continue;
		if (merge_facet(im, fs, k, &facets->u.mem[i].v, t, seq))
			return -1;
	}
	return 0;
}

/* Keeps our facet of the latest event: only the members the import uses
 * (not its ids, times or events, which the store gives anew). */
static int keep_mlmd(ol_import *im, ol_mlmd *m, const olj *facets, int64_t t, size_t seq)
{
	static const char *const used[] = { "type", "name", "uri", "state", "properties", "customProperties",
					    "propertyTypes", "baseType", "description", "version" };
	const size_t n_used = sizeof used / sizeof *used;
	const olj *f = mlmd__olj_get(facets, MLMD__OL_FACET);
	if (!f || (m->facet && !ol_later(t, seq, m->time, m->seq)))
		return 0;
	olj *c = ol_alloc_obj(&im->a, n_used);
	if (!c)
		return -1;
	for (size_t i = 0; i < n_used; i++) {
		const olj *v = mlmd__olj_get(f, used[i]);
		olj *k = v ? mlmd__olj_copy(&im->a, v) : NULL;
		if (v && !k)
			return -1;
		if (k)
			c->u.mem[c->n++] = (olj_member){ used[i], *k };
	}
	m->time = t;
	m->seq = seq;
	m->facet = c;
	return 0;
}

static void span(int64_t *first, int64_t *last, int64_t t, bool fresh)
{
	if (fresh || t < *first)
		*first = t;
	if (fresh || t > *last)
		*last = t;
}

/* The dataset (ns, name), added when new; -1 when out of memory. */
static long dataset(ol_import *im, const char *ns, const char *name, int64_t t)
{
	size_t ln = strlen(ns), lm = strlen(name);
	char *key = malloc(ln + lm + 2);
	if (!key)
		return -1;
	memcpy(key, ns, ln + 1);
	memcpy(key + ln + 1, name, lm + 1);
	long i = mlmd__ol_index_get(&im->ds_ix, key, ln + lm + 1);
	if (i < 0) {
		if (mlmd__grow((void **)&im->ds, im->n_ds, sizeof *im->ds)) {
			free(key);
			return -1;
		}
		ol_ds *d = &im->ds[im->n_ds];
		memset(d, 0, sizeof *d);
		if (!(d->ns = intern(im, ns)) || !(d->name = intern(im, name)) ||
		    mlmd__ol_index_put(&im->ds_ix, &im->a, key, ln + lm + 1, (long)im->n_ds)) {
			free(key);
			return -1;
		}
		i = (long)im->n_ds++;
		span(&d->first, &d->last, t, true);
	} else {
		span(&im->ds[i].first, &im->ds[i].last, t, false);
	}
	free(key);
	return i;
}

/* A context: a parent run (key: its run id) or a job (key: ns NUL name). */
static long context(ol_import *im, int kind, const char *run_id, const char *ns, const char *name, int64_t t)
{
	size_t ln = strlen(ns), lm = strlen(name), lr = run_id ? strlen(run_id) : 0;
	size_t kl = kind == OL_CTX_PARENT ? 1 + lr : 1 + ln + 1 + lm;
	char *key = malloc(kl + 1);
	if (!key)
		return -1;
	key[0] = (char)('0' + kind);
	if (kind == OL_CTX_PARENT) {
		memcpy(key + 1, run_id, lr + 1);
	} else {
		memcpy(key + 1, ns, ln + 1);
		memcpy(key + 2 + ln, name, lm + 1);
	}
	long i = mlmd__ol_index_get(&im->ctx_ix, key, kl);
	if (i < 0) {
		if (mlmd__grow((void **)&im->ctx, im->n_ctx, sizeof *im->ctx)) {
			free(key);
			return -1;
		}
		ol_ctx *c = &im->ctx[im->n_ctx];
		memset(c, 0, sizeof *c);
		c->kind = kind;
		if ((run_id && !(c->run_id = intern(im, run_id))) || !(c->job_ns = intern(im, ns)) ||
		    !(c->job_name = intern(im, name)) || mlmd__ol_index_put(&im->ctx_ix, &im->a, key, kl, (long)im->n_ctx)) {
			free(key);
			return -1;
		}
		i = (long)im->n_ctx++;
		span(&c->first, &c->last, t, true);
	} else {
		span(&im->ctx[i].first, &im->ctx[i].last, t, false);
	}
	free(key);
	return i;
}

/* The datasets of inputs or outputs folded in; edges added to run r (when
 * not NULL) or attributions to job context c (when >= 0). */
static int fold_datasets(ol_import *im, const olj *arr, bool out, int64_t t, size_t seq, ol_run *r, long c)
{
	for (size_t i = 0; arr && i < arr->n; i++) {
		const olj *d = &arr->u.items[i];
		long k = dataset(im, mlmd__olj_get(d, "namespace")->u.str, mlmd__olj_get(d, "name")->u.str, t);
		if (k < 0)
			return -1;
		ol_ds *ds = &im->ds[k];
		const olj *facets = mlmd__olj_get(d, "facets");
		if (merge_facets(im, &ds->facets, facets, t, seq) || keep_mlmd(im, &ds->mlmd, facets, t, seq) ||
		    merge_facets(im, out ? &ds->out_facets : &ds->in_facets,
				 mlmd__olj_get(d, out ? "outputFacets" : "inputFacets"), t, seq))
			return -1;
		int type = out ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		char key[1 + 3 * sizeof(int64_t)];
		if (r) {
			int64_t part[3] = { (int64_t)(r - im->runs), k, type };
			key[0] = 'E';
			memcpy(key + 1, part, sizeof part);
			long j = mlmd__ol_index_get(&im->link_ix, key, sizeof key);
			if (j < 0) {
				if (mlmd__grow((void **)&r->edges, r->n_edges, sizeof *r->edges) ||
				    mlmd__ol_index_put(&im->link_ix, &im->a, key, sizeof key, (long)r->n_edges))
					return -1;
				r->edges[r->n_edges++] = (ol_edge){ (size_t)k, type, t };
			} else if (t < r->edges[j].time) {
				r->edges[j].time = t;
			}
		}
		if (c >= 0) {
			ol_ctx *x = &im->ctx[c];
			int64_t part[3] = { c, k, 0 };
			key[0] = 'C';
			memcpy(key + 1, part, sizeof part);
			if (mlmd__ol_index_get(&im->link_ix, key, sizeof key) < 0) {
				if (mlmd__grow((void **)&x->ds, x->n_ds, sizeof *x->ds) ||
				    mlmd__ol_index_put(&im->link_ix, &im->a, key, sizeof key, (long)x->n_ds))
					return -1;
				x->ds[x->n_ds++] = (size_t)k;
			}
		}
	}
	return 0;
}

static int fold_run(ol_import *im, const olj *ev, int64_t t, size_t seq, const char *run_id, int state)
{
	long i = mlmd__ol_index_get(&im->run_ix, run_id, 36);
	const olj *run = mlmd__olj_get(ev, "run"), *job = mlmd__olj_get(ev, "job");
	if (i < 0) {
		if (mlmd__grow((void **)&im->runs, im->n_runs, sizeof *im->runs))
			return -1;
		ol_run *r = &im->runs[im->n_runs];
		memset(r, 0, sizeof *r);
		r->parent = -1;
		if (!(r->run_id = intern(im, run_id)) || mlmd__ol_index_put(&im->run_ix, &im->a, run_id, 36, (long)im->n_runs))
			return -1;
		i = (long)im->n_runs++;
		span(&r->first, &r->last, t, true);
		r->tjob = t;
		r->sjob = seq;
		r->job_ns = intern(im, mlmd__olj_get(job, "namespace")->u.str);
		r->job_name = intern(im, mlmd__olj_get(job, "name")->u.str);
		if (!r->job_ns || !r->job_name)
			return -1;
	} else {
		ol_run *r = &im->runs[i];
		span(&r->first, &r->last, t, false);
		if (ol_later(t, seq, r->tjob, r->sjob)) {
			r->tjob = t;
			r->sjob = seq;
			r->job_ns = intern(im, mlmd__olj_get(job, "namespace")->u.str);
			r->job_name = intern(im, mlmd__olj_get(job, "name")->u.str);
			if (!r->job_ns || !r->job_name)
				return -1;
		}
	}
	ol_run *r = &im->runs[i];
	if (state == MLMD__PB__EXECUTION__STATE__RUNNING) {
		r->running = true;
	} else if (state && (!r->term || ol_later(t, seq, r->tterm, r->sterm))) {
		r->term = state;
		r->tterm = t;
		r->sterm = seq;
	}
	const char *producer = mlmd__olj_get(ev, "producer") ? mlmd__olj_get(ev, "producer")->u.str : NULL;
	if (producer && (!r->producer || ol_later(t, seq, r->tprod, r->sprod))) {
		if (!(r->producer = intern(im, producer)))
			return -1;
		r->tprod = t;
		r->sprod = seq;
	}
	const olj *rf = mlmd__olj_get(run, "facets"), *jf = mlmd__olj_get(job, "facets");
	for (size_t k = 0; rf && k < rf->n; k++) {
		const char *name = rf->u.mem[k].key;
		if (!strcmp(name, "parent")) {
			const olj *p = &rf->u.mem[k].v;
			char pid[37];
			mlmd__ol_uuid_norm(mlmd__olj_get(mlmd__olj_get(p, "run"), "runId")->u.str, pid);
			const olj *pj = mlmd__olj_get(p, "job");
			long c = context(im, OL_CTX_PARENT, pid, mlmd__olj_get(pj, "namespace")->u.str, mlmd__olj_get(pj, "name")->u.str, t);
			if (c < 0)
				return -1;
			if (r->parent < 0 || ol_later(t, seq, r->tparent, r->sparent)) {
				r->parent = c;
				r->tparent = t;
				r->sparent = seq;
			}
		} else if (strcmp(name, MLMD__OL_FACET) && merge_facet(im, &r->facets, name, &rf->u.mem[k].v, t, seq)) {
			return -1;
		}
	}
	if (keep_mlmd(im, &r->mlmd, rf, t, seq) || keep_mlmd(im, &r->job_mlmd, jf, t, seq) ||
	    merge_facets(im, &r->job_facets, jf, t, seq))
		return -1;
	return fold_datasets(im, mlmd__olj_get(ev, "inputs"), false, t, seq, r, -1) ||
		fold_datasets(im, mlmd__olj_get(ev, "outputs"), true, t, seq, r, -1) ? -1 : 0;
}

/* One event read whole: checked, then folded in. Returns 0 (folded or
 * skipped), 1 (strict: stop), or a negative status. */
static int fold(ol_import *im, const olj *ev, size_t line)
{
	char why[400];
	const char *s;
	int64_t t;
	im->rep.events++;
	if (ev->t != OLJ_OBJ)
		return bad(im, line, "an event must be a JSON object");
	if (need_str(ev, "", "eventTime", true, &s, why, sizeof why))
		return bad(im, line, why);
	if (mlmd__ol_parse_time(s, &t)) {
		snprintf(why, sizeof why, "\"eventTime\" is not an RFC 3339 date-time with a time zone: \"%.60s\"", s);
		return bad(im, line, why);
	}
	if (t < 0) { /* MLMD's times are ms since 1970; the store refuses earlier ones */
		snprintf(why, sizeof why, "\"eventTime\" is before 1970-01-01T00:00:00Z, which MLMD cannot hold: \"%.60s\"",
			 s);
		return bad(im, line, why);
	}
	if (need_str(ev, "", "producer", false, &s, why, sizeof why) ||
	    need_str(ev, "", "schemaURL", false, &s, why, sizeof why))
		return bad(im, line, why);
	const olj *run = mlmd__olj_get(ev, "run"), *job = mlmd__olj_get(ev, "job"), *ds = mlmd__olj_get(ev, "dataset");
	size_t seq = im->seq++;
	if (run) {
		if (run->t != OLJ_OBJ)
			return bad(im, line, "\"run\" must be an object");
		char id[37];
		if (need_str(run, "run: ", "runId", true, &s, why, sizeof why))
			return bad(im, line, why);
		if (!mlmd__ol_uuid_norm(s, id)) {
			snprintf(why, sizeof why, "run: \"runId\" is not a UUID: \"%.60s\"", s);
			return bad(im, line, why);
		}
		const olj *f;
		if (!job)
			return bad(im, line, "a run event has no \"job\"");
		if (check_named(job, "job", why, sizeof why) || check_facets(run, "run: ", "facets", &f, why, sizeof why) ||
		    check_datasets(ev, "inputs", why, sizeof why) || check_datasets(ev, "outputs", why, sizeof why) ||
		    check_mlmd(mlmd__olj_get(f, MLMD__OL_FACET), "run: facet \"mlmd\": ", why, sizeof why) ||
		    check_mlmd(mlmd__olj_get(mlmd__olj_get(job, "facets"), MLMD__OL_FACET), "job: facet \"mlmd\": ", why, sizeof why))
			return bad(im, line, why);
		const olj *p = mlmd__olj_get(f, "parent");
		if (p) {
			const olj *pr = mlmd__olj_get(p, "run");
			char pid[37];
			if (!pr || pr->t != OLJ_OBJ || need_str(pr, "", "runId", true, &s, why, sizeof why) ||
			    !mlmd__ol_uuid_norm(s, pid))
				return bad(im, line, "run: facet \"parent\": \"run\" must be an object with a UUID \"runId\"");
			if (check_named(mlmd__olj_get(p, "job"), "run: facet \"parent\": job", why, sizeof why))
				return bad(im, line, why);
		}
		const olj *et = mlmd__olj_get(ev, "eventType");
		int state = 0;
		if (et) {
			static const struct {
				const char *name;
				int state;
			} types[] = {
				{ "START", MLMD__PB__EXECUTION__STATE__RUNNING },
				{ "RUNNING", MLMD__PB__EXECUTION__STATE__RUNNING },
				{ "COMPLETE", MLMD__PB__EXECUTION__STATE__COMPLETE },
				{ "FAIL", MLMD__PB__EXECUTION__STATE__FAILED },
				{ "ABORT", MLMD__PB__EXECUTION__STATE__CANCELED },
				{ "OTHER", 0 },
			};
			size_t k = 0;
			while (k < 6 && (et->t != OLJ_STR || strcmp(et->u.str, types[k].name)))
				k++;
			if (k == 6)
				return bad(im, line, "\"eventType\" must be one of START, RUNNING, COMPLETE, FAIL, ABORT, OTHER");
			state = types[k].state;
		}
		if (im->only_ns && strcmp(mlmd__olj_get(job, "namespace")->u.str, im->only_ns)) {
			im->rep.ignored++;
			return 0;
		}
		return fold_run(im, ev, t, seq, id, state) ? MLMD_OOM() : 0;
	}
	if (ds) {
		const olj *f;
		if (job)
			return bad(im, line, "a dataset event has a \"job\"");
		if (check_named(ds, "dataset", why, sizeof why) ||
		    check_facets(ds, "dataset: ", "facets", &f, why, sizeof why) ||
		    check_mlmd(mlmd__olj_get(f, MLMD__OL_FACET), "dataset: facet \"mlmd\": ", why, sizeof why))
			return bad(im, line, why);
		long k = dataset(im, mlmd__olj_get(ds, "namespace")->u.str, mlmd__olj_get(ds, "name")->u.str, t);
		if (k < 0 || merge_facets(im, &im->ds[k].facets, f, t, seq) || keep_mlmd(im, &im->ds[k].mlmd, f, t, seq))
			return MLMD_OOM();
		return 0;
	}
	if (job) {
		if (check_named(job, "job", why, sizeof why) || check_datasets(ev, "inputs", why, sizeof why) ||
		    check_datasets(ev, "outputs", why, sizeof why))
			return bad(im, line, why);
		if (im->only_ns && strcmp(mlmd__olj_get(job, "namespace")->u.str, im->only_ns)) {
			im->rep.ignored++;
			return 0;
		}
		long c = context(im, OL_CTX_JOB, NULL, mlmd__olj_get(job, "namespace")->u.str, mlmd__olj_get(job, "name")->u.str, t);
		if (c < 0 || merge_facets(im, &im->ctx[c].facets, mlmd__olj_get(job, "facets"), t, seq) ||
		    fold_datasets(im, mlmd__olj_get(ev, "inputs"), false, t, seq, NULL, c) ||
		    fold_datasets(im, mlmd__olj_get(ev, "outputs"), true, t, seq, NULL, c))
			return MLMD_OOM();
		return 0;
	}
	return bad(im, line, "an event needs \"run\" and \"job\" (a run event), \"job\" (a job event) or \"dataset\"");
}

/* ---- the text ------------------------------------------------------------------------------ */

/* One event in text[0..n) at `line`: an NDJSON line. */
static int one_line(ol_import *im, const char *text, size_t n, size_t line)
{
	char why[600];
	if (n > OL_MAX_EVENT_BYTES) {
		im->rep.events++;
		snprintf(why, sizeof why, "the event is %zu bytes, more than the %u bytes an event may have", n,
			 OL_MAX_EVENT_BYTES);
		return bad(im, line, why);
	}
	const char *nul = memchr(text, 0, n);
	if (nul || !mlmd__utf8_valid(text, n)) {
		im->rep.events++;
		if (nul)
			snprintf(why, sizeof why, "a NUL byte at byte %zu", (size_t)(nul - text) + 1);
		return bad(im, line, nul ? why : "the line is not valid UTF-8");
	}
	ol_arena tmp = { 0 };
	olj_ctx c = { &tmp, why, sizeof why, false };
	mlmd_json_reader *r;
	int rc = mlmd_json_reader_new(&r, text, n, OL_MAX_DEPTH);
	if (rc)
		return rc;
	const char *t;
	size_t tl;
	olj v;
	int k = mlmd_json_next(r, &t, &tl);
	if (mlmd__olj_read(r, k, t, tl, &c, &v) == 0 && !c.bad && mlmd_json_next(r, NULL, NULL) != MLMD_JSON_END) {
		snprintf(why, sizeof why, "%s", mlmd_error_message());
		c.bad = true;
	}
	mlmd_json_reader_free(r);
	if (tmp.oom) {
		mlmd__ol_arena_free(&tmp);
		return MLMD_OOM();
	}
	if (c.bad) {
		im->rep.events++;
		char msg[700];
		snprintf(msg, sizeof msg, "not a JSON event: %s", why);
		rc = bad(im, line, msg);
	} else {
		rc = fold(im, &v, line);
	}
	mlmd__ol_arena_free(&tmp);
	return rc;
}

/* The elements of one JSON array starting at text[start]. */
static int array_events(ol_import *im, const char *text, size_t len, size_t start)
{
	mlmd_json_reader *r;
	int rc = mlmd_json_reader_new(&r, text + start, len - start, OL_MAX_DEPTH + 1);
	if (rc)
		return rc;
	size_t line = 1, scanned = 0;
	for (size_t i = 0; i < start; i++)
		line += text[i] == '\n';
	scanned = start;
	mlmd_json_next(r, NULL, NULL); /* the '[' */
	for (;;) {
		const char *t;
		size_t tl;
		int k = mlmd_json_next(r, &t, &tl);
		if (k == MLMD_JSON_ARRAY_END)
			break;
		/* where the element starts: its first token ends at the offset */
		size_t at = start + mlmd_json_reader_offset(r);
		size_t el = at;
		if (k == MLMD_JSON_OBJECT || k == MLMD_JSON_ARRAY)
			el = at - 1;
		while (scanned < el)
			line += text[scanned++] == '\n';
		if (k < 0) {
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "line %zu: the JSON array cannot be read on: %s", line,
					mlmd__json_reader_problem(r));
			break;
		}
		char why[600];
		ol_arena tmp = { 0 };
		olj_ctx c = { &tmp, why, sizeof why, false };
		olj v;
		if (mlmd__olj_read(r, k, t, tl, &c, &v)) {
			bool oom = tmp.oom;
			mlmd__ol_arena_free(&tmp);
			rc = oom ? MLMD_OOM() :
				mlmd__fail(MLMD_INVALID_ARGUMENT, "line %zu: the JSON array cannot be read on: %s", line, why);
			break;
		}
		size_t end = start + mlmd_json_reader_offset(r);
		if (c.bad) {
			im->rep.events++;
			char msg[700];
			snprintf(msg, sizeof msg, "not a JSON event: %s", why);
			rc = bad(im, line, msg);
		} else if (end - el > OL_MAX_EVENT_BYTES) {
			im->rep.events++;
			snprintf(why, sizeof why, "the event is %zu bytes, more than the %u bytes an event may have", end - el,
				 OL_MAX_EVENT_BYTES);
			rc = bad(im, line, why);
		} else if (!mlmd__utf8_valid(text + el, end - el)) {
			im->rep.events++;
			rc = bad(im, line, "the event is not valid UTF-8");
		} else {
			rc = fold(im, &v, line);
		}
		mlmd__ol_arena_free(&tmp);
		if (rc)
			break;
	}
	if (!rc && mlmd_json_next(r, NULL, NULL) != MLMD_JSON_END)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "text follows the JSON array of events: %s",
				mlmd__json_reader_problem(r));
	mlmd_json_reader_free(r);
	return rc;
}

/* Whether text[0..len) is one JSON value and nothing more (a pretty-printed
 * event): the reader stops at the second value of NDJSON, so this is cheap. */
static bool one_value(const char *text, size_t len)
{
	mlmd_json_reader *r;
	if (mlmd_json_reader_new(&r, text, len, OL_MAX_DEPTH))
		return false;
	int t;
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	mlmd_json_reader_free(r);
	return t == MLMD_JSON_END;
}

int mlmd__ol_read_events(ol_import *im, const char *text, size_t len)
{
	size_t i = 0;
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) /* a byte order mark */
		i = 3;
	size_t j = i;
	while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n'))
		j++;
	if (j < len && text[j] == '[')
		return array_events(im, text, len, j);
	if (j < len && text[j] == '{' && one_value(text + j, len - j)) { /* one event over several lines */
		size_t line = 1;
		for (size_t k = 0; k < j; k++)
			line += text[k] == '\n';
		return one_line(im, text + j, len - j, line);
	}
	size_t line = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - i;
		line++;
		const char *p = text + i;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		size_t lead = 0;
		while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
			lead++;
		if (n > lead) {
			int rc = one_line(im, p, n, line);
			if (rc)
				return rc;
		}
		i = end + 1;
	}
	return 0;
}


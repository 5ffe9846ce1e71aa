/*
 * serving/scorer.c - mlmd_scorer: a model from the store, verified, served
 * to scoring threads and swapped without stopping them, with statistics
 * kept on the scoring path for the flush to record (record.c).
 *
 * Swap without locks on the hot path: the scorer holds the current model
 * and a version number. A context remembers the version of the model it
 * holds a reference to; each call reads the version (one atomic load) and
 * only when it changed takes the scorer's mutex to pick up the new model and
 * drop its reference to the old one. So a call in flight always finishes on
 * the model it started with, and a model is freed by whichever holder lets
 * go of it last.
 *
 * The serving gate: every load (open, swap) checks the artifact first
 * (artifact.c) and every flush the model served (record.c); a flush that
 * finds it blocked under MLMD_GATE_STOP sets gate_stopped, which a scoring
 * call reads with one relaxed load before anything else.
 *
 * Statistics are per context and per model version, in blocks the scorer
 * owns. Only the scoring thread writes a block (relaxed atomic stores, which
 * are plain moves on x86); the flush reads them with relaxed loads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sv.h"

/* ---- scorers ------------------------------------------------------------------------------ */

static served *served_new(mlmd_model *m, int64_t artifact_id)
{
	served *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->model = m;
	v->artifact_id = artifact_id;
	v->cls_output = -1;
	for (size_t o = 0; o < mlmd_model_output_count(m); o++) {
		const mlmd_value_info *vi = mlmd_model_output(m, o);
		if (vi->n_labels > 1 && vi->n_labels <= MAX_CLASSES &&
			(vi->dtype == MLMD_DTYPE_FLOAT || vi->dtype == MLMD_DTYPE_DOUBLE)) {
			v->cls_output = (int)o;
			v->n_labels = vi->n_labels;
			v->labels = calloc(vi->n_labels, sizeof *v->labels);
			for (size_t k = 0; v->labels && k < vi->n_labels; k++) {
				char buf[64];
				if (vi->labels_int64)
					snprintf(buf, sizeof buf, "%lld", (long long)vi->labels_int64[k]);
				v->labels[k] = strdup(vi->labels_int64 ? buf : vi->labels_string[k]);
			}
			break;
		}
	}
	return v;
}

static void served_free(served *v)
{
	for (size_t k = 0; v->labels && k < v->n_labels; k++)
		free(v->labels[k]);
	free(v->labels);
	free(v->model_name);
	free(v->model_alias);
	mlmd__sv_drift_free(v->drift);
	mlmd_model_free(v->model);
	free(v);
}

/* Remembers the registry version a model was resolved from (NULL: given by
 * artifact), for the serving record. */
static int served_set_ref(served *v, const mlmd_model_version *mv)
{
	if (!mv)
		return 0;
	v->model_version = mv->version;
	v->model_name = mlmd__strdup(mv->model_name);
	v->model_alias = mv->alias ? mlmd__strdup(mv->alias) : NULL;
	return !v->model_name || (mv->alias && !v->model_alias) ? MLMD_OOM() : 0;
}

/* Loads a model for this scorer. *verified is what the serving record's
 * model_verified says of it: the file matched the artifact's digest and the
 * scorer enforces that. A scorer opened with allow_unverified enforces
 * nothing, so what it serves is recorded as unverified even when the digest
 * happened to match (the record says how the model was served, and such a
 * scorer would have served any file). */
static int load_verified(mlmd_scorer *s, int64_t artifact_id, mlmd_model **m, bool *verified)
{
	pthread_mutex_lock(&s->store_mu);
	int rc = mlmd__sv_load_artifact(m, s->store, artifact_id, s->allow_unverified, s->gate_on, verified);
	pthread_mutex_unlock(&s->store_mu);
	*verified = *verified && !s->allow_unverified;
	return rc;
}

/* The latency histogram's bucket of a duration: 4 per power of two of
 * nanoseconds (record.c reports a bucket by its midpoint). */
static int lat_bucket(uint64_t ns)
{
	if (ns < 1)
		return 0;
	int e = 63 - __builtin_clzll(ns);
	int sub = e >= 2 ? (int)((ns >> (e - 2)) & 3) : 0;
	int b = e * 4 + sub;
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

static int set_ref(mlmd_scorer *s, const char *ref, int64_t as_of_ms);

static void scorer_destroy(mlmd_scorer *s)
{
	for (served *v = s->all, *n; v; v = n) {
		n = v->next;
		served_free(v);
	}
	for (stat_block *b = s->blocks, *n; b; b = n) {
		n = b->next;
		free(b->drift);
		free(b);
	}
	mlmd_store_free(s->store);
	free(s->linked);
	free(s->deployment);
	free(s->gate_stop_msg);
	free(s->gate_violation);
	free(s->ref);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->store_mu);
	pthread_mutex_destroy(&s->tmu);
	pthread_cond_destroy(&s->tcond);
	free(s);
}

int mlmd_scorer_open(mlmd_scorer **out, const mlmd_scorer_options *o)
{
	if (!out || !o)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: out, options and store_uri are required");
	*out = NULL;
	if (o->version < 1 || o->version > MLMD_SCORER_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: mlmd_scorer_options.version is %u (this "
			"library knows 1 to %d); initialise the options with MLMD_SCORER_OPTIONS_INIT", o->version,
			MLMD_SCORER_OPTIONS_VERSION);
	if (!o->store_uri)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: out, options and store_uri are required");
	const char *ref = o->version >= 3 ? o->model_ref : NULL;
	if ((o->artifact_id != 0) + (o->artifact_name != NULL) + (ref != NULL) != 1)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: give one of artifact_id, artifact_name and "
			"model_ref");
	if (ref && o->as_of_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: as_of_ms is negative");
	if (o->flush_interval_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: flush_interval_ms is negative");
	int policy = o->version >= 4 ? o->gate_policy : MLMD_GATE_STOP;
	if (policy != MLMD_GATE_STOP && policy != MLMD_GATE_RECORD)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: gate_policy %d is neither MLMD_GATE_STOP (0) "
			"nor MLMD_GATE_RECORD (1)", policy);
	int drift = o->version >= 5 ? o->drift : MLMD_DRIFT_AUTO;
	if (drift != MLMD_DRIFT_AUTO && drift != MLMD_DRIFT_OFF && drift != MLMD_DRIFT_REQUIRE)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: drift %d is none of MLMD_DRIFT_AUTO (0), "
			"MLMD_DRIFT_OFF (1) and MLMD_DRIFT_REQUIRE (2)", drift);
	if (o->version >= 5 && (o->drift_min_rows < 0 || isnan(o->drift_psi) || isnan(o->drift_pvalue) ||
		o->drift_pvalue >= 1))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: drift_min_rows must not be negative, "
			"drift_psi must be a number and drift_pvalue below 1 (<= 0: the defaults)");
	if (drift == MLMD_DRIFT_REQUIRE && o->no_recording)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: drift REQUIRE needs a recording scorer "
			"(no_recording is set): drift windows are part of the serving record");
	mlmd_scorer *s = calloc(1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	s->drift_mode = drift;
	s->drift_th.psi = o->version >= 5 && o->drift_psi > 0 ? o->drift_psi : MLMD_DRIFT_PSI;
	s->drift_th.pvalue = o->version >= 5 && o->drift_pvalue > 0 ? o->drift_pvalue : MLMD_DRIFT_PVALUE;
	s->drift_min_rows = o->version >= 5 && o->drift_min_rows > 0 ? o->drift_min_rows : MLMD_DRIFT_MIN_ROWS;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_mutex_init(&s->tmu, NULL);
	pthread_cond_init(&s->tcond, NULL);
	s->recording = !o->no_recording;
	s->record_batches = o->record_batches && s->recording;
	s->allow_unverified = o->allow_unverified;
	s->gate_policy = policy;
	s->max_memory = o->version >= 2 && o->max_memory ? o->max_memory : MLMD_SCORER_DEFAULT_MAX_MEMORY;
	s->deployment = mlmd__strdup(o->deployment ? o->deployment : "default");
	s->started_ms = mlmd__now_ms();
	if (gethostname(s->host, sizeof s->host - 1) != 0)
		snprintf(s->host, sizeof s->host, "unknown");
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = o->store_uri;
	so.actor = o->version >= 3 ? o->actor : NULL;
	int rc = s->deployment ? mlmd_store_open(&s->store, &so) : MLMD_OOM();
	/* a store below schema version 5 (opened without upgrade) has no gate: served unchecked */
	s->gate_on = !rc && mlmd_store_schema_version(s->store) >= 5;
	int64_t id = o->artifact_id;
	mlmd_model_version *mv = NULL;
	if (!rc && ref && !(rc = mlmd_registry_resolve(s->store, ref, o->as_of_ms, &mv)))
		id = mv->artifact_id;
	if (!rc && !id && !ref) {
		Mlmd__Pb__GetArtifactByTypeAndNameRequest rq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
		Mlmd__Pb__GetArtifactByTypeAndNameResponse *rs = NULL;
		rq.type_name = (char *)(o->artifact_type ? o->artifact_type : "Model");
		rq.artifact_name = (char *)o->artifact_name;
		if (!(rc = mlmd_store_get_artifact_by_type_and_name(s->store, &rq, &rs))) {
			if (rs->artifact)
				id = rs->artifact->id;
			else
				rc = mlmd__fail(MLMD_NOT_FOUND, "no artifact of type '%s' named '%s'", rq.type_name,
					o->artifact_name);
		}
		mlmd_message_free(rs);
	}
	mlmd_model *m = NULL;
	bool verified = false;
	if (!rc)
		rc = load_verified(s, id, &m, &verified);
	if (rc && mv)
		rc = mlmd__context(rc, "%s (version %lld of '%s')", ref, (long long)mv->version, mv->model_name);
	if (!rc) {
		served *v = served_new(m, id);
		if (!v) {
			mlmd_model_free(m);
			rc = MLMD_OOM();
		} else {
			v->verified = verified;
			v->gate_fresh = s->gate_on && s->recording; /* the first record's flush follows */
			v->version = 1;
			v->in_record = true;
			s->current = s->all = v;
			atomic_store(&s->version, 1);
			rc = served_set_ref(v, mv);
			if (!rc)
				rc = mlmd__sv_drift_attach(s, v);
		}
	}
	mlmd_model_version_free(mv);
	if (!rc && ref)
		rc = set_ref(s, ref, o->as_of_ms);
	if (!rc && s->recording) {
		pthread_mutex_lock(&s->store_mu);
		rc = mlmd__sv_start_recording(s);
		pthread_mutex_unlock(&s->store_mu);
	}
	if (!rc && s->recording && o->flush_interval_ms > 0) {
		s->interval_ms = o->flush_interval_ms;
		if (pthread_create(&s->thread, NULL, mlmd__sv_flush_thread, s) != 0)
			rc = mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_scorer_open: cannot start the flush thread");
		else
			s->thread_started = true;
	}
	if (rc) {
		scorer_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

int mlmd__sv_switch(mlmd_scorer *s, int64_t artifact_id, const mlmd_model_version *mv)
{
	mlmd_model *m;
	bool verified;
	int rc = load_verified(s, artifact_id, &m, &verified); /* the slow part, off the scoring path */
	if (rc)
		return rc;
	served *v = served_new(m, artifact_id);
	if (!v) {
		mlmd_model_free(m);
		return MLMD_OOM();
	}
	if ((rc = served_set_ref(v, mv)) || (rc = mlmd__sv_drift_attach(s, v))) {
		served_free(v);
		return rc;
	}
	v->verified = verified;
	v->gate_fresh = s->gate_on; /* the flush that follows need not check it again */
	v->in_record = true;
	pthread_mutex_lock(&s->mu);
	served *old = s->current;
	/* the new model passed the gate: a scorer the gate stopped serves again */
	atomic_store_explicit(&s->gate_stopped, 0, memory_order_relaxed);
	v->version = old->version + 1;
	v->next = s->all;
	s->all = v;
	s->current = v;
	atomic_store_explicit(&s->version, v->version, memory_order_release);
	mlmd_model *old_model = old->model;
	old->model = NULL; /* contexts still using it hold their own references */
	pthread_mutex_unlock(&s->mu);
	mlmd_model_free(old_model);
	return 0;
}

/* The reference restart follows: the one the current model came from. */
static int set_ref(mlmd_scorer *s, const char *ref, int64_t as_of_ms)
{
	char *copy = ref ? mlmd__strdup(ref) : NULL;
	if (ref && !copy)
		return MLMD_OOM();
	pthread_mutex_lock(&s->mu);
	free(s->ref);
	s->ref = copy;
	s->ref_as_of_ms = as_of_ms;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int mlmd_scorer_swap(mlmd_scorer *s, int64_t artifact_id)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_swap: scorer is NULL");
	int rc = mlmd__sv_switch(s, artifact_id, NULL);
	if (rc)
		return rc;
	set_ref(s, NULL, 0); /* cannot fail */
	return mlmd_scorer_flush(s);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool mlmd__sv_same_version(const served *v, const mlmd_model_version *mv)
{
	return v->artifact_id == mv->artifact_id && v->model_version == mv->version &&
		same_str(v->model_name, mv->model_name) && same_str(v->model_alias, mv->alias);
}

int mlmd_scorer_swap_ref(mlmd_scorer *s, const char *ref)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_swap_ref: scorer is NULL");
	mlmd_model_version *mv = NULL;
	pthread_mutex_lock(&s->store_mu);
	int rc = mlmd_registry_resolve(s->store, ref, 0, &mv);
	pthread_mutex_unlock(&s->store_mu);
	if (rc)
		return rc;
	pthread_mutex_lock(&s->mu);
	bool same = mlmd__sv_same_version(s->current, mv);
	pthread_mutex_unlock(&s->mu);
	if (!same && (rc = mlmd__sv_switch(s, mv->artifact_id, mv)))
		rc = mlmd__context(rc, "%s (version %lld of '%s')", ref, (long long)mv->version, mv->model_name);
	mlmd_model_version_free(mv);
	if (!rc)
		rc = set_ref(s, ref, 0);
	if (!rc && !same)
		rc = mlmd_scorer_flush(s);
	return rc;
}

int64_t mlmd_scorer_execution_id(const mlmd_scorer *s)
{
	return s ? s->execution_id : 0;
}

int64_t mlmd_scorer_artifact_id(const mlmd_scorer *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	int64_t id = s->current->artifact_id;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return id;
}

int64_t mlmd_scorer_model_version(const mlmd_scorer *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	int64_t v = s->current->model_version;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return v;
}

int64_t mlmd_scorer_gate_violations(const mlmd_scorer *s)
{
	return s ? atomic_load_explicit(&((mlmd_scorer *)s)->gate_violations, memory_order_relaxed) : 0;
}

int mlmd_scorer_gate_stopped(const mlmd_scorer *s)
{
	return s ? atomic_load_explicit(&((mlmd_scorer *)s)->gate_stopped, memory_order_relaxed) : 0;
}

mlmd_model *mlmd_scorer_model(mlmd_scorer *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&s->mu);
	mlmd_model *m = mlmd_model_ref(s->current->model);
	pthread_mutex_unlock(&s->mu);
	return m;
}

int mlmd_scorer_free(mlmd_scorer *s)
{
	if (!s)
		return 0;
	if (s->thread_started) {
		pthread_mutex_lock(&s->tmu);
		s->stop = true;
		pthread_cond_signal(&s->tcond);
		pthread_mutex_unlock(&s->tmu);
		pthread_join(s->thread, NULL);
	}
	int rc = 0;
	if (s->ctxs)
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_scorer_free: scoring contexts are still open; "
			"free them first");
	if (!rc) {
		pthread_mutex_lock(&s->store_mu);
		/* a finished scorer's record is complete already */
		if (!atomic_load_explicit(&s->finished, memory_order_relaxed))
			rc = mlmd__sv_flush_locked(s, true);
		pthread_mutex_unlock(&s->store_mu);
		scorer_destroy(s);
	}
	return rc;
}

/* ---- contexts and the hot path ------------------------------------------------------------- */

int mlmd_scorer_ctx_new(mlmd_scorer *s, mlmd_scorer_ctx **out)
{
	if (!s || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_ctx_new: scorer and out are required");
	mlmd_scorer_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return MLMD_OOM();
	int rc = mlmd_score_ctx_new(&c->sc);
	if (rc) {
		free(c);
		return rc;
	}
	mlmd_score_ctx_set_limit(c->sc, s->max_memory);
	c->scorer = s;
	pthread_mutex_lock(&s->mu);
	c->next = s->ctxs;
	if (s->ctxs)
		s->ctxs->prev = c;
	s->ctxs = c;
	pthread_mutex_unlock(&s->mu);
	*out = c;
	return 0;
}

void mlmd_scorer_ctx_free(mlmd_scorer_ctx *c)
{
	if (!c)
		return;
	mlmd_scorer *s = c->scorer;
	if (s->record_batches && atomic_load(&c->head) != atomic_load(&c->tail))
		mlmd_scorer_flush(s); /* its recorded batches are not lost */
	pthread_mutex_lock(&s->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->ctxs = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->mu);
	mlmd_model_free(c->model);
	mlmd_score_ctx_free(c->sc);
	free(c->extra);
	free(c);
}

/* Picks up the scorer's current model (rare: first call, after a swap). */
static int switch_model(mlmd_scorer_ctx *c)
{
	mlmd_scorer *s = c->scorer;
	stat_block *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	atomic_init(&b->lat_min_ns, UINT64_MAX);
	mlmd_model *old = c->model;
	served *old_cur = c->cur;
	uint64_t old_version = c->version;
	pthread_mutex_lock(&s->mu);
	c->cur = s->current;
	c->model = mlmd_model_ref(s->current->model);
	c->version = atomic_load_explicit(&s->version, memory_order_relaxed);
	b->model = c->cur;
	int rc = mlmd__sv_drift_block(b); /* the drift counts of the block, allocated with it */
	if (rc) {
		pthread_mutex_unlock(&s->mu);
		free(b);
		mlmd_model_free(c->model);
		c->model = old;
		c->cur = old_cur;
		c->version = old_version;
		return rc;
	}
	b->next = s->blocks;
	s->blocks = b;
	pthread_mutex_unlock(&s->mu);
	c->stats = b;
	mlmd_model_free(old);
	return 0;
}

/* A scoring call while the serving gate has stopped the scorer, or after
 * mlmd_scorer_finish(). */
static int gate_refused(mlmd_scorer *s)
{
	if (atomic_load_explicit(&s->finished, memory_order_relaxed))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "the scorer's serving execution %lld is finished: "
			"mlmd_scorer_restart() starts the next one", (long long)s->execution_id);
	pthread_mutex_lock(&s->mu);
	int rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "%s", s->gate_stop_msg ? s->gate_stop_msg :
		"the model served is blocked by the serving gate");
	pthread_mutex_unlock(&s->mu);
	return rc;
}

#define ADD(field, v) atomic_store_explicit(&(field), atomic_load_explicit(&(field), memory_order_relaxed) + (v), \
	memory_order_relaxed)

int mlmd_scorer_score(mlmd_scorer_ctx *c, const mlmd_tensor *inputs, size_t n_inputs, mlmd_tensor *outputs,
	size_t n_outputs)
{
	if (!c)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_score: context is NULL");
	mlmd_scorer *s = c->scorer;
	if (atomic_load_explicit(&s->gate_stopped, memory_order_relaxed) |
		atomic_load_explicit(&s->finished, memory_order_relaxed))
		return gate_refused(s);
	if (atomic_load_explicit(&s->version, memory_order_acquire) != c->version) {
		int rc = switch_model(c);
		if (rc)
			return rc;
	}
	stat_block *b = c->stats;
	const served *v = c->cur;
	/* the class output (and the drift plan's score output) must be computed to be counted */
	size_t need = n_outputs;
	mlmd_tensor *outs = outputs;
	if (v->min_outputs > (int)n_outputs) {
		need = (size_t)v->min_outputs;
		if (c->n_extra < need) {
			mlmd_tensor *ne = realloc(c->extra, need * sizeof *ne);
			if (!ne)
				return MLMD_OOM();
			c->extra = ne;
			c->n_extra = need;
		}
		memset(c->extra, 0, need * sizeof *c->extra);
		for (size_t i = 0; i < n_outputs; i++)
			c->extra[i] = outputs[i];
		outs = c->extra;
	}
	uint64_t t0 = mlmd__mono_ns();
	int rc = mlmd_model_score(c->model, c->sc, inputs, n_inputs, outs, need);
	uint64_t dt = mlmd__mono_ns() - t0;
	if (outs != outputs)
		for (size_t i = 0; i < n_outputs; i++)
			outputs[i] = outs[i];
	ADD(b->calls, 1);
	ADD(b->lat_sum_ns, dt);
	if (dt < atomic_load_explicit(&b->lat_min_ns, memory_order_relaxed))
		atomic_store_explicit(&b->lat_min_ns, dt, memory_order_relaxed);
	if (dt > atomic_load_explicit(&b->lat_max_ns, memory_order_relaxed))
		atomic_store_explicit(&b->lat_max_ns, dt, memory_order_relaxed);
	ADD(b->lat[lat_bucket(dt)], 1);
	if (rc) {
		ADD(b->errors, 1);
		return rc;
	}
	int64_t rows = n_inputs && inputs[0].rank > 0 ? inputs[0].dims[0] : 1;
	ADD(b->rows, (uint64_t)rows);
	if (v->drift)
		mlmd__sv_drift_count(v->drift, b, inputs, n_inputs, outs, need, rows);
	if (v->cls_output >= 0 && (size_t)v->cls_output < need) {
		const mlmd_tensor *p = &outs[v->cls_output];
		size_t K = v->n_labels;
		bool dbl = p->dtype == MLMD_DTYPE_DOUBLE;
		if (p->rank == 2 && (size_t)p->dims[1] == K && (dbl || p->dtype == MLMD_DTYPE_FLOAT)) {
			uint64_t conf[CONF_BUCKETS] = { 0 }, cls[MAX_CLASSES] = { 0 };
			const float *pr = p->data;
			const double *pd = p->data;
			for (int64_t r = 0; r < p->dims[0]; r++) {
				size_t best = 0;
				for (size_t k = 1; k < K; k++)
					if ((dbl ? pd[r * (int64_t)K + (int64_t)k] : pr[r * (int64_t)K + (int64_t)k]) >
						(dbl ? pd[r * (int64_t)K + (int64_t)best] : pr[r * (int64_t)K + (int64_t)best]))
						best = k;
				double mx = dbl ? pd[r * (int64_t)K + (int64_t)best] : pr[r * (int64_t)K + (int64_t)best];
				int bin = mx >= 1.0 ? CONF_BUCKETS - 1 : mx > 0 ? (int)(mx * CONF_BUCKETS) : 0;
				conf[bin]++;
				cls[best]++;
			}
			for (int i = 0; i < CONF_BUCKETS; i++)
				if (conf[i])
					ADD(b->conf[i], conf[i]);
			for (size_t k = 0; k < K; k++)
				if (cls[k])
					ADD(b->cls[k], cls[k]);
		}
	}
	if (s->record_batches) {
		uint32_t h = atomic_load_explicit(&c->head, memory_order_relaxed);
		if (h - atomic_load_explicit(&c->tail, memory_order_acquire) >= RING) {
			ADD(c->dropped, 1);
		} else {
			batch_rec *br = &c->ring[h % RING];
			br->rows = (uint64_t)rows;
			br->at_ms = mlmd__now_ms();
			mlmd__sv_inputs_digest(inputs, n_inputs, br->digest);
			atomic_store_explicit(&c->head, h + 1, memory_order_release);
		}
	}
	return 0;
}

const mlmd_model *mlmd_scorer_ctx_model(const mlmd_scorer_ctx *c)
{
	return c ? c->model : NULL;
}

int64_t mlmd_scorer_ctx_artifact_id(const mlmd_scorer_ctx *c)
{
	return c && c->cur ? c->cur->artifact_id : 0;
}

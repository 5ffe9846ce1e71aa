/*
 * serving/record.c - the serving record: what scorers did, written to the
 * store by the flush (explicit, the interval thread, swap, close),
 * serialized by the scorer's store mutex and never on the scoring path.
 *
 * The flush sums every statistics block (relaxed loads of what scoring
 * threads store) into cumulative totals, so nothing is reset or locked per
 * call. Each flush writes the record with PutExecution, so a record is
 * stored whole or not at all: the first one creates the execution, its
 * Deployment context (or joins the one another scorer created: the store
 * serializes writers, so two scorers starting at once end up in the same
 * context) and the INPUT event of its model in one transaction. The bool
 * property model_verified says whether every model the execution has served
 * matched its recorded digest under a scorer that enforces it; it is false
 * from the flush that links the first model served by a scorer opened with
 * allow_unverified. A model served by registry reference adds the custom
 * properties mlmd.model, mlmd.model_version and (for NAME@ALIAS)
 * mlmd.model_alias, naming the version served now: each record carries
 * every property, so they follow a swap and vanish when a model given by
 * artifact replaces it.
 *
 * The serving gate: every flush first checks the model served now with one
 * CheckServingGate (mlmd_gate_check()), except right after the load that
 * checked it. Blocked (its data labelled POISONED since it was loaded, say),
 * the violation is recorded in the custom properties mlmd.gate_violation
 * (the check's message; the last one found stays) and mlmd.gate_violations
 * (flushes that found one), and with MLMD_GATE_STOP the scorer stops
 * serving until a flush finds it allowed again or a swap replaces it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sv.h"

/* ---- recording ------------------------------------------------------------------------------ */

static int flush_record(mlmd_scorer *s, bool complete);

static const char *const EXEC_PROPS[] = { "host", "pid", "library_version", "deployment", "started_ms", "updated_ms",
	"rows", "calls", "errors", "latency_min_us", "latency_mean_us", "latency_p50_us", "latency_p90_us",
	"latency_p99_us", "latency_max_us", "confidence_histogram", "class_counts", "models_served", "swaps",
	"batches_dropped", "model_verified", NULL };
static const int EXEC_TYPES[] = { S_, I_, S_, S_, I_, I_, I_, I_, I_, D_, D_, D_, D_, D_, D_, S_, S_, I_, I_, I_, B_ };

static double bucket_upper_ns(int b)
{
	/* bucket b covers [2^(b/4) * (1 + (b%4)/4), next) nanoseconds; report its midpoint */
	double lo = ldexp(1.0 + (b % 4) / 4.0, b / 4), hi = ldexp(1.0 + (b % 4 + 1) / 4.0, b / 4);
	return (lo + hi) / 2;
}

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* Sums every block into the execution's record: a new message (free it with
 * mlmd_message_free()) carrying every property, since an update replaces
 * them all. `models_served` is how many artifacts the execution will have
 * read once this record is written, `verified` whether every model it has
 * served matched its digest. Called with store_mu held. */
static int build_record(mlmd_scorer *s, bool complete, int64_t models_served, bool verified,
	Mlmd__Pb__Execution **out)
{
	*out = NULL;
	uint64_t calls = 0, rows = 0, errors = 0, lat_sum = 0, lat_min = UINT64_MAX, lat_max = 0, dropped = 0;
	uint64_t lat[LAT_BUCKETS] = { 0 }, conf[CONF_BUCKETS] = { 0 };
	/* class counts by label text across versions: a small linear table */
	char *names[256];
	uint64_t counts[256];
	int n_names = 0, models = 0;
	pthread_mutex_lock(&s->mu);
	stat_block *blocks = s->blocks;
	const served *cur = s->current; /* kept (with its strings) until the scorer closes */
	for (served *v = s->all; v; v = v->next)
		models += v->in_record; /* this execution's models (restart starts another) */
	for (mlmd_scorer_ctx *c = s->ctxs; c; c = c->next)
		dropped += LD(c->dropped);
	pthread_mutex_unlock(&s->mu);
	for (stat_block *b = blocks; b; b = b->next) {
		calls += LD(b->calls);
		rows += LD(b->rows);
		errors += LD(b->errors);
		lat_sum += LD(b->lat_sum_ns);
		uint64_t mn = LD(b->lat_min_ns), mx = LD(b->lat_max_ns);
		if (LD(b->calls)) {
			lat_min = mn < lat_min ? mn : lat_min;
			lat_max = mx > lat_max ? mx : lat_max;
		}
		for (int i = 0; i < LAT_BUCKETS; i++)
			lat[i] += LD(b->lat[i]);
		for (int i = 0; i < CONF_BUCKETS; i++)
			conf[i] += LD(b->conf[i]);
		for (size_t k = 0; k < b->model->n_labels; k++) {
			uint64_t c = LD(b->cls[k]);
			if (!c || !b->model->labels[k])
				continue;
			int j;
			for (j = 0; j < n_names; j++)
				if (strcmp(names[j], b->model->labels[k]) == 0)
					break;
			if (j == n_names) {
				if (n_names == 256)
					continue;
				names[n_names] = b->model->labels[k];
				counts[n_names++] = 0;
			}
			counts[j] += c;
		}
	}
	for (int i = 1; i < n_names; i++) /* by label, so the JSON is stable */
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *tn = names[j];
			uint64_t tc = counts[j];
			names[j] = names[j - 1];
			counts[j] = counts[j - 1];
			names[j - 1] = tn;
			counts[j - 1] = tc;
		}
	double pct[3] = { 0, 0, 0 }, qs[3] = { 0.5, 0.9, 0.99 };
	uint64_t seen = 0;
	int q = 0;
	for (int i = 0; i < LAT_BUCKETS && q < 3 && calls; i++) {
		seen += lat[i];
		while (q < 3 && seen >= (uint64_t)ceil(qs[q] * (double)calls))
			pct[q++] = bucket_upper_ns(i);
	}
	mlmd_json_writer *hist = NULL, *classes = NULL;
	int rc = mlmd_json_writer_new(&hist, NULL);
	if (!rc)
		rc = mlmd_json_writer_new(&classes, NULL);
	if (!rc) {
		mlmd_json_array_begin(hist);
		for (int i = 0; i < CONF_BUCKETS; i++)
			mlmd_json_int(hist, (int64_t)conf[i]);
		mlmd_json_array_end(hist);
		mlmd_json_object_begin(classes);
		for (int j = 0; j < n_names; j++) {
			mlmd_json_key(classes, names[j]);
			mlmd_json_int(classes, (int64_t)counts[j]);
		}
		mlmd_json_object_end(classes);
		rc = mlmd_json_writer_status(hist) ? mlmd_json_writer_status(hist) : mlmd_json_writer_status(classes);
	}
	Mlmd__Pb__Execution *e = rc ? NULL : mlmd_message_new(&mlmd__pb__execution__descriptor);
	if (!rc && !e)
		rc = MLMD_OOM();
	if (!rc) {
		e->has_id = s->execution_id != 0; /* 0: the first record creates it */
		e->id = s->execution_id;
		e->has_type_id = 1;
		e->type_id = s->execution_type_id;
		e->has_last_known_state = 1;
		e->last_known_state = complete ? MLMD__PB__EXECUTION__STATE__COMPLETE : MLMD__PB__EXECUTION__STATE__RUNNING;
		rc = mlmd_node_set_string(e, 0, "host", s->host);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "pid", (int64_t)getpid());
		rc = rc ? rc : mlmd_node_set_string(e, 0, "library_version", mlmd_version());
		rc = rc ? rc : mlmd_node_set_string(e, 0, "deployment", s->deployment);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "started_ms", s->started_ms);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "updated_ms", mlmd__now_ms());
		rc = rc ? rc : mlmd_node_set_int(e, 0, "rows", (int64_t)rows);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "calls", (int64_t)calls);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "errors", (int64_t)errors);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "models_served", models_served);
		rc = rc ? rc : mlmd_node_set_bool(e, 0, "model_verified", verified);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "swaps", models - 1);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "batches_dropped", (int64_t)dropped);
		if (calls) {
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_min_us", (double)lat_min / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_mean_us", (double)lat_sum / (double)calls / 1e3);
			for (int k = 0; k < 3; k++) /* a bucket's midpoint, kept within the observed range */
				pct[k] = pct[k] < (double)lat_min ? (double)lat_min : pct[k] > (double)lat_max ? (double)lat_max : pct[k];
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p50_us", pct[0] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p90_us", pct[1] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p99_us", pct[2] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_max_us", (double)lat_max / 1e3);
		}
		rc = rc ? rc : mlmd_node_set_string(e, 0, "confidence_histogram", mlmd_json_writer_text(hist, NULL));
		rc = rc ? rc : mlmd_node_set_string(e, 0, "class_counts", mlmd_json_writer_text(classes, NULL));
		/* what the serving gate found */
		if (s->gate_violation) {
			rc = rc ? rc : mlmd_node_set_string(e, 1, "mlmd.gate_violation", s->gate_violation);
			rc = rc ? rc : mlmd_node_set_int(e, 1, "mlmd.gate_violations",
				atomic_load_explicit(&s->gate_violations, memory_order_relaxed));
		}
		/* the registry version served now, when it was given by reference */
		if (cur->model_name) {
			rc = rc ? rc : mlmd_node_set_string(e, 1, "mlmd.model", cur->model_name);
			rc = rc ? rc : mlmd_node_set_int(e, 1, "mlmd.model_version", cur->model_version);
			if (cur->model_alias)
				rc = rc ? rc : mlmd_node_set_string(e, 1, "mlmd.model_alias", cur->model_alias);
		}
	}
	if (rc)
		mlmd_message_free(e);
	else
		*out = e;
	mlmd_json_writer_free(hist);
	mlmd_json_writer_free(classes);
	return rc;
}

/*
 * Writes the execution's record in one PutExecution, so it is stored whole
 * or not at all: the execution with every property, an INPUT event from
 * each of the `nm` models, an OUTPUT event to each of the `nb` new
 * ScoredBatch artifacts, and with `in_context` its association with the
 * Deployment context (created if missing, reused as it is if it exists)
 * and the models' attributions. The first record creates the execution and
 * sets s->execution_id (and e's id, for a second call with the same record).
 */
static int put_record(mlmd_scorer *s, Mlmd__Pb__Execution *e, const int64_t *models, size_t nm,
	Mlmd__Pb__Artifact **batches, size_t nb, bool in_context)
{
	size_t n = nm + nb;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs = calloc(n + 1, sizeof *pairs);
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent **pp = calloc(n + 1, sizeof *pp);
	Mlmd__Pb__Event *evs = calloc(n + 1, sizeof *evs);
	if (!pairs || !pp || !evs) {
		free(pairs);
		free(pp);
		free(evs);
		return MLMD_OOM();
	}
	int64_t now = mlmd__now_ms();
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__put_execution_request__artifact_and_event__init(&pairs[i]);
		mlmd__pb__event__init(&evs[i]);
		evs[i].has_type = 1;
		if (i < nm) {
			evs[i].type = MLMD__PB__EVENT__TYPE__INPUT;
			evs[i].has_artifact_id = 1;
			evs[i].artifact_id = models[i];
			evs[i].has_milliseconds_since_epoch = 1;
			evs[i].milliseconds_since_epoch = now;
		} else {
			evs[i].type = MLMD__PB__EVENT__TYPE__OUTPUT;
			pairs[i].artifact = batches[i - nm];
		}
		pairs[i].event = &evs[i];
		pp[i] = &pairs[i];
	}
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = s->context_type_id;
	if (s->context_id) {
		c.has_id = 1;
		c.id = s->context_id;
	} else {
		c.name = s->deployment;
	}
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	/* another scorer may have created the deployment: take it as it is,
	 * without rewriting it (its properties are its owner's) */
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	opt.has_force_reuse_context = opt.force_reuse_context = 1;
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	rq.execution = e;
	rq.n_artifact_event_pairs = n;
	rq.artifact_event_pairs = pp;
	rq.options = &opt;
	if (in_context) {
		rq.n_contexts = 1;
		rq.contexts = &cp;
	}
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc = mlmd_store_put_execution(s->store, &rq, &rs);
	if (!rc) {
		s->execution_id = rs->execution_id;
		e->has_id = 1;
		e->id = rs->execution_id;
		if (in_context && rs->n_context_ids == 1)
			s->context_id = rs->context_ids[0];
	}
	mlmd_message_free(rs);
	free(pairs);
	free(pp);
	free(evs);
	return rc;
}

static const char *const BATCH_PROPS[] = { "rows", "input_digest", "scored_ms", NULL };
static const int BATCH_TYPES[] = { I_, S_, I_ };

/* New ScoredBatch artifacts for recorded batches (free each with
 * mlmd_message_free(), then the array). */
static int batch_artifacts(mlmd_scorer *s, const batch_rec *recs, size_t n, Mlmd__Pb__Artifact ***out)
{
	*out = NULL;
	int rc = 0;
	if (!s->batch_type_id && (rc = mlmd__sv_ensure_type(s->store, 0, "ScoredBatch", BATCH_PROPS, BATCH_TYPES,
		&s->batch_type_id)))
		return rc;
	Mlmd__Pb__Artifact **arts = calloc(n, sizeof *arts);
	if (!arts)
		return MLMD_OOM();
	for (size_t i = 0; i < n && !rc; i++) {
		arts[i] = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		if (!arts[i]) {
			rc = MLMD_OOM();
			break;
		}
		arts[i]->has_type_id = 1;
		arts[i]->type_id = s->batch_type_id;
		arts[i]->has_state = 1;
		arts[i]->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		char dg[80];
		snprintf(dg, sizeof dg, "sha256:%s", recs[i].digest);
		rc = mlmd_node_set_int(arts[i], 0, "rows", (int64_t)recs[i].rows);
		rc = rc ? rc : mlmd_node_set_string(arts[i], 0, "input_digest", dg);
		rc = rc ? rc : mlmd_node_set_int(arts[i], 0, "scored_ms", recs[i].at_ms);
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			mlmd_message_free(arts[i]);
		free(arts);
		return rc;
	}
	*out = arts;
	return 0;
}

/*
 * Writes what the scorer has done since the last flush. The statistics, the
 * links to models not yet recorded (with model_verified) and the Deployment
 * membership go in one PutExecution; recorded batches in a second one with
 * the same statistics when there are both (PutExecution would otherwise put
 * the batches in the deployment too). The first flush creates the
 * execution, its association and its first model link together.
 */
int mlmd__sv_flush_locked(mlmd_scorer *s, bool complete)
{
	/* a check that failed (not: found the model blocked) is returned after the record */
	int grc = mlmd__sv_gate_flush(s);
	char gmsg[512] = "";
	if (grc)
		snprintf(gmsg, sizeof gmsg, "%s", mlmd_error_message());
	int rc = s->recording ? flush_record(s, complete) : 0;
	if (!rc)
		rc = mlmd__sv_drift_flush(s, complete);
	if (!rc && grc)
		rc = mlmd__fail(-grc, "serving gate check at the flush: %s", gmsg);
	return rc;
}

int mlmd__sv_gate_flush(mlmd_scorer *s)
{
	if (!s->gate_on)
		return 0;
	pthread_mutex_lock(&s->mu);
	served *cur = s->current;
	bool fresh = cur->gate_fresh; /* its load checked it just now */
	cur->gate_fresh = false;
	int64_t id = cur->artifact_id;
	pthread_mutex_unlock(&s->mu);
	if (fresh)
		return 0;
	int rc = mlmd_gate_check(s->store, id, NULL);
	/* blocked, or the artifact deleted (a tombstone cannot be served either) */
	bool blocked = rc == -MLMD_FAILED_PRECONDITION || rc == -MLMD_NOT_FOUND;
	if (rc && !blocked)
		return rc;
	char *msg = blocked ? mlmd__strdup(mlmd_error_message()) : NULL;
	if (blocked && !msg)
		return MLMD_OOM();
	if (blocked) {
		free(s->gate_violation);
		s->gate_violation = mlmd__strdup(msg);
		atomic_fetch_add_explicit(&s->gate_violations, 1, memory_order_relaxed);
	}
	pthread_mutex_lock(&s->mu);
	if (s->current == cur) { /* not swapped meanwhile (the swap's flush checks the new one) */
		if (blocked && s->gate_policy == MLMD_GATE_STOP) {
			free(s->gate_stop_msg);
			s->gate_stop_msg = msg;
			msg = NULL;
			atomic_store_explicit(&s->gate_stopped, 1, memory_order_relaxed);
		} else {
			atomic_store_explicit(&s->gate_stopped, 0, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&s->mu);
	free(msg);
	return 0;
}

/* The record itself (mlmd__sv_flush_locked without the gate). */
static int flush_record(mlmd_scorer *s, bool complete)
{
	int rc = 0;
	/* models not yet linked to the execution */
	pthread_mutex_lock(&s->mu);
	int64_t pending[64];
	served *pv[64];
	int np = 0;
	bool verified = true;
	for (served *v = s->all; v; v = v->next) {
		if (!v->in_record)
			continue; /* served by an earlier execution of this scorer */
		verified &= v->verified; /* every model it has served, linked or about to be */
		if (!v->event_recorded && np < 64) {
			pending[np] = v->artifact_id;
			pv[np++] = v;
		}
	}
	/* recorded batches, drained from each context's ring */
	size_t nrec = 0, cap = 0;
	batch_rec *recs = NULL;
	for (mlmd_scorer_ctx *c = s->ctxs; c; c = c->next) {
		uint32_t t = atomic_load_explicit(&c->tail, memory_order_relaxed);
		uint32_t h = atomic_load_explicit(&c->head, memory_order_acquire);
		for (; t != h; t++) {
			if (nrec == cap) {
				cap = cap ? cap * 2 : 64;
				batch_rec *nr = realloc(recs, cap * sizeof *nr);
				if (!nr)
					break;
				recs = nr;
			}
			recs[nrec++] = c->ring[t % RING];
		}
		atomic_store_explicit(&c->tail, t, memory_order_release);
	}
	pthread_mutex_unlock(&s->mu);
	/* one INPUT event per artifact, however often it is swapped back in */
	int64_t fresh[64];
	size_t nfresh = 0;
	for (int i = 0; i < np; i++) {
		bool dup = false;
		for (size_t j = 0; j < s->n_linked; j++)
			dup |= s->linked[j] == pending[i];
		for (size_t j = 0; j < nfresh; j++)
			dup |= fresh[j] == pending[i];
		if (!dup)
			fresh[nfresh++] = pending[i];
	}
	if (s->n_linked + nfresh > s->cap_linked) {
		size_t nc = s->cap_linked ? s->cap_linked * 2 : 8;
		while (nc < s->n_linked + nfresh)
			nc *= 2;
		int64_t *nl = realloc(s->linked, nc * sizeof *nl);
		if (!nl)
			rc = MLMD_OOM();
		else
			s->linked = nl, s->cap_linked = nc;
	}
	Mlmd__Pb__Execution *e = NULL;
	Mlmd__Pb__Artifact **batches = NULL;
	if (!rc)
		rc = build_record(s, complete, (int64_t)(s->n_linked + nfresh), verified, &e);
	if (!rc && nrec)
		rc = batch_artifacts(s, recs, nrec, &batches);
	bool link = !s->execution_id || nfresh;
	if (!rc && (link || !nrec))
		rc = put_record(s, e, fresh, nfresh, NULL, 0, link);
	if (!rc) {
		for (size_t i = 0; i < nfresh; i++)
			s->linked[s->n_linked++] = fresh[i];
		for (int i = 0; i < np; i++)
			pv[i]->event_recorded = true; /* only flush (store_mu held) reads or writes this */
	}
	if (!rc && nrec)
		rc = put_record(s, e, NULL, 0, batches, nrec, false);
	for (size_t i = 0; batches && i < nrec; i++)
		mlmd_message_free(batches[i]);
	free(batches);
	mlmd_message_free(e);
	free(recs);
	return rc;
}

int mlmd_scorer_flush(mlmd_scorer *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_flush: scorer is NULL");
	pthread_mutex_lock(&s->store_mu);
	/* finished: the record is complete and nothing is served until a restart */
	int rc = atomic_load_explicit(&s->finished, memory_order_relaxed) ? 0 : mlmd__sv_flush_locked(s, false);
	pthread_mutex_unlock(&s->store_mu);
	return rc;
}

void *mlmd__sv_flush_thread(void *arg)
{
	mlmd_scorer *s = arg;
	pthread_mutex_lock(&s->tmu);
	while (!s->stop) {
		struct timespec ts = mlmd__deadline_in_ms(CLOCK_REALTIME, s->interval_ms);
		pthread_cond_timedwait(&s->tcond, &s->tmu, &ts);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->tmu);
		mlmd_scorer_flush(s); /* failures are retried at the next interval; close reports its own */
		pthread_mutex_lock(&s->tmu);
	}
	pthread_mutex_unlock(&s->tmu);
	return NULL;
}

/* Declares the types (each call its own transaction: declaring a type
 * again, or adding model_verified to a ModelServing type of an earlier
 * release, is harmless whoever does it first), then writes the first
 * record: the execution, its Deployment context and its first model, in
 * one transaction. */
int mlmd__sv_start_recording(mlmd_scorer *s)
{
	static const char *const no_props[] = { NULL };
	static const int no_types[] = { 0 };
	int rc = mlmd__sv_ensure_type(s->store, 1, "ModelServing", EXEC_PROPS, EXEC_TYPES, &s->execution_type_id);
	if (!rc)
		rc = mlmd__sv_ensure_type(s->store, 2, "Deployment", no_props, no_types, &s->context_type_id);
	return rc ? rc : mlmd__sv_flush_locked(s, false);
}

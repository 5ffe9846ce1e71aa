/*
 * serving/lifecycle.c - one serving execution after another on a loaded
 * model: mlmd_scorer_finish() completes the current record and refuses
 * scoring; mlmd_scorer_restart() follows the scorer's reference again
 * (loading only a version it does not serve), checks the serving gate and
 * starts a new record with the statistics reset. A host that serves in
 * short runs (an SQL statement, a batch job's step) keeps the model loaded
 * between them and still records each run on its own.
 */
#include <stdlib.h>
#include <string.h>
#include "sv.h"

int mlmd_scorer_finish(mlmd_scorer *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_finish: scorer is NULL");
	pthread_mutex_lock(&s->store_mu);
	if (atomic_load_explicit(&s->finished, memory_order_relaxed)) {
		pthread_mutex_unlock(&s->store_mu);
		return 0;
	}
	/* new calls are refused from here; the final record follows */
	atomic_store_explicit(&s->finished, 1, memory_order_relaxed);
	int rc = mlmd__sv_flush_locked(s, true);
	if (rc) /* nothing changed: the scorer serves on, and a later finish or free writes again */
		atomic_store_explicit(&s->finished, 0, memory_order_relaxed);
	pthread_mutex_unlock(&s->store_mu);
	return rc;
}

#define ZERO(field) atomic_store_explicit(&(field), 0, memory_order_relaxed)

/* Zeroes the statistics (mu held). The drift counts are cumulative: the
 * finish recorded every window, so the next window starts where they are. */
static void reset_stats(mlmd_scorer *s)
{
	for (stat_block *b = s->blocks; b; b = b->next) {
		ZERO(b->calls);
		ZERO(b->rows);
		ZERO(b->errors);
		ZERO(b->lat_sum_ns);
		ZERO(b->lat_max_ns);
		atomic_store_explicit(&b->lat_min_ns, UINT64_MAX, memory_order_relaxed);
		for (int i = 0; i < LAT_BUCKETS; i++)
			ZERO(b->lat[i]);
		for (int i = 0; i < CONF_BUCKETS; i++)
			ZERO(b->conf[i]);
		for (int i = 0; i < MAX_CLASSES; i++)
			ZERO(b->cls[i]);
	}
	for (mlmd_scorer_ctx *c = s->ctxs; c; c = c->next)
		ZERO(c->dropped);
	for (served *v = s->all; v; v = v->next)
		v->in_record = v == s->current;
	s->current->event_recorded = false;
	s->current->gate_fresh = s->gate_on && s->recording; /* restart checked it just now */
	atomic_store_explicit(&s->gate_stopped, 0, memory_order_relaxed);
	free(s->gate_stop_msg);
	s->gate_stop_msg = NULL;
}

/* Follows the scorer's reference again: loads the version it resolves to
 * when that is not the one served (the gate checked at the load), else
 * checks the gate on the model served. */
static int refresh(mlmd_scorer *s)
{
	pthread_mutex_lock(&s->mu);
	char *ref = s->ref ? mlmd__strdup(s->ref) : NULL;
	bool oom = s->ref && !ref;
	int64_t as_of = s->ref_as_of_ms, id = s->current->artifact_id;
	pthread_mutex_unlock(&s->mu);
	if (oom)
		return MLMD_OOM();
	int rc = 0;
	bool loaded = false;
	if (ref) {
		mlmd_model_version *mv = NULL;
		pthread_mutex_lock(&s->store_mu);
		rc = mlmd_registry_resolve(s->store, ref, as_of, &mv);
		pthread_mutex_unlock(&s->store_mu);
		if (!rc) {
			pthread_mutex_lock(&s->mu);
			bool same = mlmd__sv_same_version(s->current, mv);
			pthread_mutex_unlock(&s->mu);
			if (!same) {
				rc = mlmd__sv_switch(s, mv->artifact_id, mv);
				if (rc)
					rc = mlmd__context(rc, "%s (version %lld of '%s')", ref, (long long)mv->version,
						mv->model_name);
				loaded = !rc;
			}
		}
		mlmd_model_version_free(mv);
	}
	if (!rc && !loaded && s->gate_on) {
		pthread_mutex_lock(&s->store_mu);
		rc = mlmd_gate_check(s->store, id, NULL);
		pthread_mutex_unlock(&s->store_mu);
	}
	free(ref);
	return rc;
}

int mlmd_scorer_restart(mlmd_scorer *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_restart: scorer is NULL");
	if (!atomic_load_explicit(&s->finished, memory_order_relaxed))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_scorer_restart: the scorer is serving (execution "
			"%lld); finish it first with mlmd_scorer_finish()", (long long)s->execution_id);
	int rc = refresh(s);
	if (rc)
		return rc; /* still finished: scoring refused, a later restart tries again */
	pthread_mutex_lock(&s->store_mu);
	pthread_mutex_lock(&s->mu);
	reset_stats(s);
	pthread_mutex_unlock(&s->mu);
	s->execution_id = 0; /* the next record creates a new execution, in the same Deployment context */
	s->n_linked = 0;
	s->started_ms = mlmd__now_ms();
	free(s->gate_violation);
	s->gate_violation = NULL;
	atomic_store_explicit(&s->gate_violations, 0, memory_order_relaxed);
	if (s->recording)
		rc = mlmd__sv_flush_locked(s, false);
	if (!rc)
		atomic_store_explicit(&s->finished, 0, memory_order_relaxed);
	pthread_mutex_unlock(&s->store_mu);
	return rc;
}

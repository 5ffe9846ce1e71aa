/*
 * store/track_log.c - Log (parameters, tags and metric series in one
 * transaction; the series through one prepared insert), GetMetricHistory
 * (one range scan), and what export and import use to carry histories:
 * PutMetricHistory (points restored to any execution, properties left as
 * they are) and ListMetricKeys (the keys each execution has points for).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "track.h"

/* The metric table arrived with schema version 3; a version-2 store opened
 * without the upgrade has none. */
static int need_metric_table(call *c, const char *what)
{
	if (c->s->schema_version >= 3)
		return 0;
	return mlmd__fail(MLMD_FAILED_PRECONDITION,
			  "%s: the store is at schema version %d, which has no metric history table; open it with "
			  "upgrade enabled (mlmd_store_options.upgrade, or MigrationOptions.enable_upgrade_migration) "
			  "to migrate it to version 3", what, c->s->schema_version);
}

static int check_series(const Mlmd__Pb__Tracking__MetricSeries *m, size_t i)
{
	char w[48];
	mlmd__snprintf(w, sizeof w, "metrics[%zu]", i);
	int rc = mlmd__track_check_key(m->key, w);
	if (rc)
		return rc;
	if (m->n_steps && m->n_steps != m->n_values)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s: metric '%s' has %zu values but %zu steps (steps are empty or one per value)", w,
				  m->key, m->n_values, m->n_steps);
	if (m->n_timestamps && m->n_timestamps != m->n_values)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s: metric '%s' has %zu values but %zu timestamps (timestamps are empty or one per "
				  "value)", w, m->key, m->n_values, m->n_timestamps);
	return 0;
}

int mlmd__track_Log(call *c, const Mlmd__Pb__Tracking__LogRequest *rq, Mlmd__Pb__Tracking__LogResponse *rs)
{
	int rc = 0;
	for (size_t i = 0; i < rq->n_params && !rc; i++) {
		char w[48];
		mlmd__snprintf(w, sizeof w, "params[%zu]", i);
		const Mlmd__Pb__Value *v = rq->params[i]->value;
		if (!(rc = mlmd__track_check_key(rq->params[i]->key, w)) &&
		    (!v || (v->value_case != MLMD__PB__VALUE__VALUE_INT_VALUE &&
			    v->value_case != MLMD__PB__VALUE__VALUE_DOUBLE_VALUE &&
			    v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)))
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: parameter '%s' must have an int, double or string value",
					w, rq->params[i]->key);
	}
	for (size_t i = 0; i < rq->n_tags && !rc; i++) {
		char w[48];
		mlmd__snprintf(w, sizeof w, "tags[%zu]", i);
		rc = mlmd__track_check_key(rq->tags[i]->key, w);
	}
	for (size_t i = 0; i < rq->n_metrics && !rc; i++)
		rc = check_series(rq->metrics[i], i);
	if (!rc && rq->n_metrics)
		rc = need_metric_table(c, "Log");
	if (rc)
		return rc;
	Mlmd__Pb__Execution *e;
	if ((rc = mlmd__track_run_load(c, rq->has_run_id, rq->run_id, 1, &e)))
		return rc;
	track_props tp;
	mlmd__tp_init(&tp, &mlmd__execution_kind);
	char name[MLMD_TRACK_MAX_KEY + 16];
	/* repeated keys and the run's properties are found by sorting, not by
	 * pairs: a request may carry many thousands of keys */
	size_t *pfirst, *plast, *tfirst, *tlast, *mfirst, *mlast;
	prop_entry **props = NULL;
	rc = mlmd__track_key_groups((void *const *)rq->params, rq->n_params,
				    offsetof(Mlmd__Pb__Tracking__Param, key), &pfirst, &plast);
	if (!rc && (rc = mlmd__track_key_groups((void *const *)rq->tags, rq->n_tags, offsetof(Mlmd__Pb__Tracking__Tag, key),
						&tfirst, &tlast)))
		free(pfirst);
	if (!rc && (rc = mlmd__track_key_groups((void *const *)rq->metrics, rq->n_metrics,
						offsetof(Mlmd__Pb__Tracking__MetricSeries, key), &mfirst, &mlast))) {
		free(pfirst);
		free(tfirst);
	}
	if (rc) {
		protobuf_c_message_free_unpacked(&e->base, NULL);
		return rc;
	}
	if (rq->n_params)
		props = mlmd__track_props_sorted(e, &rc);
	/* a parameter keeps its first value: the same again is accepted, another refused */
	for (size_t i = 0; i < rq->n_params && !rc; i++) {
		const Mlmd__Pb__Tracking__Param *p = rq->params[i];
		mlmd__snprintf(name, sizeof name, "param.%s", p->key);
		const Mlmd__Pb__Value *old = mlmd__track_prop_sorted(props, e->n_custom_properties, name);
		size_t j = pfirst[i];
		if (j < i)
			old = rq->params[j]->value;
		if (old && !mlmd__track_same_value(old, p->value)) {
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
					"params[%zu]: run %lld: parameter '%s' already has another value; a parameter keeps "
					"the value it was first logged with (log it under another key, or use a tag)",
					i, (long long)e->id, p->key);
		} else if (!old) {
			rc = mlmd__tp_value(&tp, "param.", p->key, p->value);
		}
	}
	for (size_t i = 0; i < rq->n_tags && !rc; i++)
		if (tlast[i] == i) /* the last value of a repeated tag wins */
			rc = mlmd__tp_str(&tp, "tag.", rq->tags[i]->key, rq->tags[i]->value);
	int64_t points = 0;
	for (size_t i = 0; i < rq->n_metrics && !rc; i++) {
		const Mlmd__Pb__Tracking__MetricSeries *m = rq->metrics[i];
		if (m->n_values)
			rc = mlmd__metric_insert(c->sql, e->id, m->key, m->values, m->n_steps ? m->steps : NULL,
						 m->n_timestamps ? m->timestamps : NULL, c->now, m->n_values);
		points += (int64_t)m->n_values;
		/* the latest point (by step, then timestamp, then logging order)
		 * becomes metric.<key>, once per key even when it comes twice
		 * (and when its last series is empty) */
		if (!rc && mlast[i] == i) {
			int found = 0;
			double v;
			int64_t step, ts;
			rc = mlmd__metric_latest(c->sql, e->id, m->key, &found, &v, &step, &ts);
			if (!rc && found)
				rc = mlmd__tp_dbl(&tp, "metric.", m->key, v);
		}
	}
	if (!rc && tp.n)
		rc = mlmd__tp_update_execution(c, e->id, &tp, -1);
	mlmd__tp_free(&tp);
	free(props);
	free(pfirst);
	free(tfirst);
	free(mfirst);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	if (!rc) {
		rs->has_points = 1;
		rs->points = points;
	}
	return rc;
}

int mlmd__track_GetMetricHistory(call *c, const Mlmd__Pb__Tracking__GetMetricHistoryRequest *rq,
				 Mlmd__Pb__Tracking__GetMetricHistoryResponse *rs)
{
	int rc = mlmd__track_check_key(rq->key, "key");
	if (!rc)
		rc = need_metric_table(c, "GetMetricHistory");
	if (rc)
		return rc;
	if (!rq->has_run_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "run_id is required");
	if ((rc = mlmd__node_exists(c, &mlmd__execution_kind, rq->run_id)) < 0)
		return rc;
	if (!rc)
		return mlmd__fail(MLMD_NOT_FOUND, "run %lld does not exist (no execution has this id)",
				  (long long)rq->run_id);
	mlmd__metric_series m = { 0 };
	Mlmd__Pb__Tracking__MetricSeries *h = mlmd__msg_new(&mlmd__pb__tracking__metric_series__descriptor);
	if (!h)
		return MLMD_OOM();
	rs->history = h;
	if (!(h->key = mlmd__strdup(rq->key)))
		return MLMD_OOM();
	if ((rc = mlmd__metric_history(c->sql, rq->run_id, rq->key, &m))) {
		mlmd__metric_series_free(&m);
		return rc;
	}
	/* the arrays go to the response as they are (freed with it) */
	h->values = m.values;
	h->steps = m.steps;
	h->timestamps = m.timestamps;
	h->n_values = h->n_steps = h->n_timestamps = m.n;
	return 0;
}

/* An execution that must exist: NOT_FOUND naming it otherwise. */
static int need_execution(call *c, int has_id, int64_t id)
{
	if (!has_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "run_id is required");
	int rc = mlmd__node_exists(c, &mlmd__execution_kind, id);
	if (rc < 0)
		return rc;
	if (!rc)
		return mlmd__fail(MLMD_NOT_FOUND, "run %lld does not exist (no execution has this id)", (long long)id);
	return 0;
}

/* Log's points without Log's conditions: any execution, ended or not, and
 * no metric.<key> property written (a restore brings the properties with the
 * execution itself). */
int mlmd__track_PutMetricHistory(call *c, const Mlmd__Pb__Tracking__PutMetricHistoryRequest *rq,
				 Mlmd__Pb__Tracking__PutMetricHistoryResponse *rs)
{
	int rc = 0;
	for (size_t i = 0; i < rq->n_metrics && !rc; i++)
		rc = check_series(rq->metrics[i], i);
	if (!rc)
		rc = need_metric_table(c, "PutMetricHistory");
	if (!rc)
		rc = need_execution(c, rq->has_run_id, rq->run_id);
	int64_t points = 0;
	for (size_t i = 0; i < rq->n_metrics && !rc; i++) {
		const Mlmd__Pb__Tracking__MetricSeries *m = rq->metrics[i];
		if (!m->n_values)
			continue;
		rc = mlmd__metric_insert(c->sql, rq->run_id, m->key, m->values, m->n_steps ? m->steps : NULL,
					 m->n_timestamps ? m->timestamps : NULL, c->now, m->n_values);
		points += (int64_t)m->n_values;
	}
	if (!rc) {
		rs->has_points = 1;
		rs->points = points;
	}
	return rc;
}

#define MAX_KEY_RUNS 1000

int mlmd__track_ListMetricKeys(call *c, const Mlmd__Pb__Tracking__ListMetricKeysRequest *rq,
			       Mlmd__Pb__Tracking__ListMetricKeysResponse *rs)
{
	if (rq->n_run_ids > MAX_KEY_RUNS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "ListMetricKeys: %zu run ids; at most %d per call",
				  rq->n_run_ids, MAX_KEY_RUNS);
	int rc = need_metric_table(c, "ListMetricKeys");
	size_t cap = 0;
	for (size_t i = 0; i < rq->n_run_ids && !rc; i++) {
		mlmd__metric_key *keys;
		size_t n;
		if ((rc = mlmd__metric_keys(c->sql, rq->run_ids[i], &keys, &n)))
			break;
		for (size_t k = 0; k < n && !rc; k++) {
			if (rs->n_keys == cap) {
				size_t c2 = cap ? cap * 2 : 16;
				Mlmd__Pb__Tracking__MetricKeyCount **g = realloc(rs->keys, c2 * sizeof *g);
				if (!g) {
					rc = MLMD_OOM();
					break;
				}
				rs->keys = g;
				cap = c2;
			}
			Mlmd__Pb__Tracking__MetricKeyCount *e = mlmd__msg_new(&mlmd__pb__tracking__metric_key_count__descriptor);
			if (!e) {
				rc = MLMD_OOM();
				break;
			}
			rs->keys[rs->n_keys++] = e;
			e->has_run_id = e->has_points = 1;
			e->run_id = rq->run_ids[i];
			e->points = keys[k].points;
			e->key = keys[k].key; /* the response owns it now */
			keys[k].key = NULL;
		}
		mlmd__metric_keys_free(keys, n);
	}
	return rc;
}

/*
 * query/metric.c - the metric history table (schema version 3): the bulk
 * insert of one key's points with one prepared statement, the range scan of
 * one run's key, the latest point of a key, and the keys of one run.
 *
 * A NaN value is stored as NULL (as NaN DOUBLE properties are) and read
 * back as NaN; the infinities are stored as they are.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "query.h"

#define INSERT_SQL "INSERT INTO metric (execution_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)"

/*
 * One statement, prepared once (the session caches it), bound and stepped
 * once per point straight through the backend's vtable: the loop does no
 * lookup, no allocation and no copy of its own. A backend that can defer a
 * statement (PostgreSQL's pipeline) sends the points without waiting for
 * each; its failure comes back by the end of the call.
 */
int mlmd__metric_insert(mlmd__sql *s, int64_t run, const char *key, const double *values, const int64_t *steps,
			const int64_t *timestamps, int64_t default_time, size_t n)
{
	sqlq q;
	int rc = mlmd__q(s, &q, INSERT_SQL);
	if (rc)
		return rc;
	mlmd_backend *db = s->db;
	mlmd_backend_stmt *st = q.st;
	int (*step)(mlmd_backend_stmt *) = db->step_deferred ? db->step_deferred : db->step;
	size_t klen = strlen(key);
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = db->bind_int64(st, 1, run)) || (rc = db->bind_text(st, 2, key, klen)) ||
		    (rc = db->bind_int64(st, 3, steps ? steps[i] : 0)) ||
		    (rc = db->bind_int64(st, 4, timestamps ? timestamps[i] : default_time)))
			break;
		rc = isnan(values[i]) ? db->bind_null(st, 5) : db->bind_double(st, 5, values[i]);
		if (rc)
			break;
		rc = step(st);
		rc = rc < 0 ? rc : 0;
		db->reset(st);
	}
	mlmd__q_done(&q);
	return rc;
}

static int grow(mlmd__metric_series *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	double *v = realloc(m->values, cap * sizeof *v);
	if (v)
		m->values = v;
	int64_t *st = v ? realloc(m->steps, cap * sizeof *st) : NULL;
	if (st)
		m->steps = st;
	int64_t *ts = st ? realloc(m->timestamps, cap * sizeof *ts) : NULL;
	if (ts)
		m->timestamps = ts;
	if (!ts)
		return MLMD_OOM();
	m->cap = cap;
	return 0;
}

/* One range scan of the index metric_by_run (execution_id, key, step,
 * timestamp, id): the points come in the order they are returned. */
int mlmd__metric_history(mlmd__sql *s, int64_t run, const char *key, mlmd__metric_series *out)
{
	sqlq q;
	int rc = mlmd__q(s, &q, "SELECT step, timestamp, value FROM metric WHERE execution_id = ? AND key = ?"
			 " ORDER BY step, timestamp, id");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, run);
	mlmd__q_text(&q, 2, key);
	mlmd_backend *db = s->db;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (out->n == out->cap && (rc = grow(out)))
			break;
		out->steps[out->n] = db->column_int64(q.st, 0);
		out->timestamps[out->n] = db->column_int64(q.st, 1);
		out->values[out->n] = db->column_type(q.st, 2) == MLMD_COL_NULL ? NAN : db->column_double(q.st, 2);
		out->n++;
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

void mlmd__metric_series_free(mlmd__metric_series *m)
{
	free(m->values);
	free(m->steps);
	free(m->timestamps);
	memset(m, 0, sizeof *m);
}

/* The last point of the same order, read backwards from the index's end. */
int mlmd__metric_latest(mlmd__sql *s, int64_t run, const char *key, int *found, double *value, int64_t *step,
			int64_t *timestamp)
{
	sqlq q;
	int rc = mlmd__q(s, &q, "SELECT step, timestamp, value FROM metric WHERE execution_id = ? AND key = ?"
			 " ORDER BY step DESC, timestamp DESC, id DESC LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, run);
	mlmd__q_text(&q, 2, key);
	*found = 0;
	if ((rc = mlmd__q_step(&q)) == 1) {
		*found = 1;
		*step = mlmd__q_col_i64(&q, 0);
		*timestamp = mlmd__q_col_i64(&q, 1);
		*value = mlmd__q_isnull(&q, 2) ? NAN : mlmd__q_col_dbl(&q, 2);
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

void mlmd__metric_keys_free(mlmd__metric_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i].key);
	free(keys);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(((const mlmd__metric_key *)a)->key, ((const mlmd__metric_key *)b)->key);
}

/* Grouped over the index's (execution_id, key) prefix; sorted here with
 * strcmp, since PostgreSQL would order text by the database's collation. */
int mlmd__metric_keys(mlmd__sql *s, int64_t run, mlmd__metric_key **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlq q;
	int rc = mlmd__q(s, &q, "SELECT key, COUNT(*) FROM metric WHERE execution_id = ? GROUP BY key");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, run);
	mlmd__metric_key *v = NULL;
	size_t cap = 0, len = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (len == cap) {
			size_t c2 = cap ? cap * 2 : 16;
			mlmd__metric_key *g = realloc(v, c2 * sizeof *g);
			if (!g) {
				rc = MLMD_OOM();
				break;
			}
			v = g;
			cap = c2;
		}
		const char *k = mlmd__q_col_text(&q, 0);
		if (!(v[len].key = mlmd__strdup(k ? k : ""))) {
			rc = MLMD_OOM();
			break;
		}
		v[len++].points = mlmd__q_col_i64(&q, 1);
	}
	mlmd__q_done(&q);
	if (rc < 0) {
		mlmd__metric_keys_free(v, len);
		return rc;
	}
	if (len > 1)
		qsort(v, len, sizeof *v, key_cmp);
	*out = v;
	*n = len;
	return 0;
}

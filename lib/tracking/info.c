/*
 * tracking/info.c - reading runs back as plain C: mlmd_run_info (from
 * GetRun and FindCachedRun's mlmd.tracking.Run), the lookups on it, and
 * metric histories (GetMetricHistory) as parallel arrays.
 *
 * A run info keeps the unpacked response alive and points into it: the
 * public struct is the first member of a private one that also owns the
 * arrays of C structs built over the message, so one free releases all.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tk.h"

typedef struct info_impl {
	mlmd_run_info pub;           /* first: what the caller holds */
	ProtobufCMessage *msg;       /* the response everything points into */
	mlmd_capture_info capture;
	mlmd_param *params;
	mlmd_tag *tags, *env, *packages;
	mlmd_metric_point *metrics;
	mlmd_run_file *files;        /* inputs, then outputs */
} info_impl;

static const char *str(const char *s)
{
	return s ? s : "";
}

static void *alloc_array(size_t n, size_t elem, int *rc)
{
	if (*rc || n == 0)
		return NULL;
	void *p = calloc(n, elem);
	if (!p)
		*rc = MLMD_OOM();
	return p;
}

static void fill_file(mlmd_run_file *f, const Mlmd__Pb__Artifact *a)
{
	f->artifact_id = a->id;
	f->type = str(a->type);
	f->name = str(a->name);
	f->uri = str(a->uri);
	const Mlmd__Pb__Value *sha = mlmd_node_get(a, 1, "mlmd.sha256");
	const Mlmd__Pb__Value *size = mlmd_node_get(a, 1, "mlmd.size");
	f->sha256 = sha && sha->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? str(sha->string_value) : "";
	f->size = size && size->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? size->int_value : -1;
}

/* Builds the C view of run r (inside msg, which the new info owns from
 * here on, also on failure). */
static int info_from_run(mlmd_run_info **out, ProtobufCMessage *msg, const Mlmd__Pb__Tracking__Run *r)
{
	*out = NULL;
	info_impl *x = calloc(1, sizeof *x);
	if (!x) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return MLMD_OOM();
	}
	x->msg = msg;
	mlmd_run_info *i = &x->pub;
	i->id = r->run_id;
	i->name = str(r->run_name);
	i->type = str(r->run_type);
	i->experiment_id = r->experiment_id;
	i->experiment = str(r->experiment_name);
	i->status = r->has_status ? (mlmd_run_status)r->status : (mlmd_run_status)0;
	i->start_time = r->start_time;
	i->end_time = r->has_end_time ? r->end_time : 0;
	i->fingerprint = str(r->fingerprint);
	i->capture = &x->capture;
	int rc = 0;
	x->params = alloc_array(r->n_params, sizeof *x->params, &rc);
	x->tags = alloc_array(r->n_tags, sizeof *x->tags, &rc);
	x->metrics = alloc_array(r->n_metrics, sizeof *x->metrics, &rc);
	x->files = alloc_array(r->n_inputs + r->n_outputs, sizeof *x->files, &rc);
	const Mlmd__Pb__Tracking__Capture *c = r->capture;
	if (c) {
		x->env = alloc_array(c->n_env, sizeof *x->env, &rc);
		x->packages = alloc_array(c->n_packages, sizeof *x->packages, &rc);
	}
	if (rc) {
		mlmd_run_info_free(i);
		return rc;
	}
	for (size_t k = 0; k < r->n_params; k++) {
		const Mlmd__Pb__Tracking__Param *p = r->params[k];
		mlmd_param *q = &x->params[k];
		q->key = str(p->key);
		const Mlmd__Pb__Value *v = p->value;
		if (v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE) {
			q->kind = MLMD_VALUE_INT;
			q->int_value = v->int_value;
		} else if (v && v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE) {
			q->kind = MLMD_VALUE_DOUBLE;
			q->double_value = v->double_value;
		} else {
			q->kind = MLMD_VALUE_STRING;
			q->string_value = v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? str(v->string_value) : "";
		}
	}
	i->n_params = r->n_params;
	i->params = x->params;
	for (size_t k = 0; k < r->n_tags; k++) {
		x->tags[k].key = str(r->tags[k]->key);
		x->tags[k].value = str(r->tags[k]->value);
	}
	i->n_tags = r->n_tags;
	i->tags = x->tags;
	for (size_t k = 0; k < r->n_metrics; k++) {
		const Mlmd__Pb__Tracking__MetricPoint *m = r->metrics[k];
		x->metrics[k] = (mlmd_metric_point){ str(m->key), m->has_value ? m->value : NAN, m->step, m->timestamp };
	}
	i->n_metrics = r->n_metrics;
	i->metrics = x->metrics;
	for (size_t k = 0; k < r->n_inputs; k++)
		fill_file(&x->files[k], r->inputs[k]);
	for (size_t k = 0; k < r->n_outputs; k++)
		fill_file(&x->files[r->n_inputs + k], r->outputs[k]);
	i->n_inputs = r->n_inputs;
	i->inputs = x->files;
	i->n_outputs = r->n_outputs;
	i->outputs = x->files ? x->files + r->n_inputs : NULL;

	mlmd_capture_info *ci = &x->capture;
	ci->cwd = ci->host = ci->user = ci->git_commit = ci->git_branch = ci->python_version = ci->library_version = "";
	ci->git_dirty = -1;
	if (c) {
		ci->n_argv = c->n_argv;
		ci->argv = (const char *const *)c->argv;
		ci->cwd = str(c->cwd);
		ci->host = str(c->host);
		ci->user = str(c->user);
		ci->git_commit = str(c->git_commit);
		ci->git_branch = str(c->git_branch);
		ci->git_dirty = c->has_git_dirty ? !!c->git_dirty : -1;
		for (size_t k = 0; k < c->n_env; k++)
			x->env[k] = (mlmd_tag){ str(c->env[k]->key), str(c->env[k]->value) };
		ci->n_env = c->n_env;
		ci->env = x->env;
		ci->has_seed = c->has_seed;
		ci->seed = c->seed;
		ci->python_version = str(c->python_version);
		for (size_t k = 0; k < c->n_packages; k++)
			x->packages[k] = (mlmd_tag){ str(c->packages[k]->key), str(c->packages[k]->value) };
		ci->n_packages = c->n_packages;
		ci->packages = x->packages;
		ci->library_version = str(c->library_version);
	}
	*out = i;
	return 0;
}

int mlmd_run_info_get(mlmd_run_info **out, struct mlmd_store *store, int64_t run_id)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_info_get: out is NULL");
	*out = NULL;
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_info_get: store is NULL");
	Mlmd__Pb__Tracking__GetRunRequest rq = MLMD__PB__TRACKING__GET_RUN_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run_id;
	Mlmd__Pb__Tracking__GetRunResponse *rs = NULL;
	int rc = mlmd__tk_call(store, "GetRun", &rq.base, &mlmd__pb__tracking__get_run_response__descriptor,
		(ProtobufCMessage **)&rs);
	if (rc)
		return rc;
	if (!rs->run) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return mlmd__fail(MLMD_NOT_FOUND, "run %lld does not exist", (long long)run_id);
	}
	return info_from_run(out, &rs->base, rs->run);
}

void mlmd_run_info_free(mlmd_run_info *info)
{
	if (!info)
		return;
	info_impl *x = (info_impl *)info;
	free(x->params);
	free(x->tags);
	free(x->env);
	free(x->packages);
	free(x->metrics);
	free(x->files);
	if (x->msg)
		protobuf_c_message_free_unpacked(x->msg, NULL);
	free(x);
}

const mlmd_param *mlmd_run_info_param(const mlmd_run_info *info, const char *key)
{
	for (size_t k = 0; info && key && k < info->n_params; k++)
		if (strcmp(info->params[k].key, key) == 0)
			return &info->params[k];
	return NULL;
}

const char *mlmd_run_info_tag(const mlmd_run_info *info, const char *key)
{
	for (size_t k = 0; info && key && k < info->n_tags; k++)
		if (strcmp(info->tags[k].key, key) == 0)
			return info->tags[k].value;
	return NULL;
}

const mlmd_metric_point *mlmd_run_info_metric(const mlmd_run_info *info, const char *key)
{
	for (size_t k = 0; info && key && k < info->n_metrics; k++)
		if (strcmp(info->metrics[k].key, key) == 0)
			return &info->metrics[k];
	return NULL;
}

/* ---- cache lookup ------------------------------------------------------------------------ */

int mlmd_run_find_cached(mlmd_run_info **out, struct mlmd_store *store, const char *run_type, const mlmd_param *params,
	size_t n_params, const char *const *input_sha256, size_t n_inputs, char fingerprint[65])
{
	if (fingerprint)
		fingerprint[0] = '\0';
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_find_cached: out is NULL");
	*out = NULL;
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_find_cached: store is NULL");
	if ((n_params && !params) || (n_inputs && !input_sha256))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_find_cached: params or input_sha256 is NULL");
	if (n_params > SIZE_MAX / (sizeof(Mlmd__Pb__Tracking__Param) + sizeof(Mlmd__Pb__Value)))
		return MLMD_OOM();
	int rc = 0;
	Mlmd__Pb__Tracking__Param *ps = alloc_array(n_params, sizeof *ps, &rc), **pp = alloc_array(n_params, sizeof *pp, &rc);
	Mlmd__Pb__Value *vs = alloc_array(n_params, sizeof *vs, &rc);
	for (size_t k = 0; k < n_params && !rc; k++) {
		rc = mlmd__tk_param(&params[k], &ps[k], &vs[k]);
		pp[k] = &ps[k];
	}
	for (size_t k = 0; k < n_inputs && !rc; k++)
		if (!input_sha256[k])
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_find_cached: input_sha256[%zu] is NULL", k);
	Mlmd__Pb__Tracking__FindCachedRunResponse *rs = NULL;
	if (!rc) {
		Mlmd__Pb__Tracking__FindCachedRunRequest rq = MLMD__PB__TRACKING__FIND_CACHED_RUN_REQUEST__INIT;
		rq.run_type = (char *)run_type;
		rq.n_params = n_params;
		rq.params = pp;
		rq.n_input_sha256 = n_inputs;
		rq.input_sha256 = (char **)input_sha256;
		rc = mlmd__tk_call(store, "FindCachedRun", &rq.base, &mlmd__pb__tracking__find_cached_run_response__descriptor,
			(ProtobufCMessage **)&rs);
	}
	free(ps);
	free(pp);
	free(vs);
	if (rc)
		return rc;
	if (fingerprint && rs->fingerprint && strlen(rs->fingerprint) == 64)
		memcpy(fingerprint, rs->fingerprint, 65);
	if (!rs->run) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return 0;
	}
	return info_from_run(out, &rs->base, rs->run);
}

/* ---- metric histories -------------------------------------------------------------------- */

int mlmd_metric_history_get(mlmd_metric_history **out, struct mlmd_store *store, int64_t run_id, const char *key)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_metric_history_get: out is NULL");
	*out = NULL;
	if (!store || !key || !key[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_metric_history_get: a store and a metric key are required");
	Mlmd__Pb__Tracking__GetMetricHistoryRequest rq = MLMD__PB__TRACKING__GET_METRIC_HISTORY_REQUEST__INIT;
	rq.has_run_id = 1;
	rq.run_id = run_id;
	rq.key = (char *)key;
	Mlmd__Pb__Tracking__GetMetricHistoryResponse *rs = NULL;
	int rc = mlmd__tk_call(store, "GetMetricHistory", &rq.base,
		&mlmd__pb__tracking__get_metric_history_response__descriptor, (ProtobufCMessage **)&rs);
	if (rc)
		return rc;
	const Mlmd__Pb__Tracking__MetricSeries *m = rs->history;
	size_t n = m ? m->n_values : 0;
	if (m && ((m->n_steps && m->n_steps != n) || (m->n_timestamps && m->n_timestamps != n))) {
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return mlmd__fail(MLMD_INTERNAL, "GetMetricHistory: %zu values, %zu steps, %zu timestamps", n,
			m->n_steps, m->n_timestamps);
	}
	mlmd_metric_history *h = calloc(1, sizeof *h);
	if (h && n) {
		/* copied out of the response: the caller frees plain arrays */
		h->values = malloc(n * sizeof *h->values);
		h->steps = calloc(n, sizeof *h->steps);
		h->timestamps = calloc(n, sizeof *h->timestamps);
		if (h->values && h->steps && h->timestamps) {
			memcpy(h->values, m->values, n * sizeof *h->values);
			if (m->n_steps)
				memcpy(h->steps, m->steps, n * sizeof *h->steps);
			if (m->n_timestamps)
				memcpy(h->timestamps, m->timestamps, n * sizeof *h->timestamps);
		} else {
			mlmd_metric_history_free(h);
			h = NULL;
		}
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	if (!h)
		return MLMD_OOM();
	h->n = n;
	*out = h;
	return 0;
}

void mlmd_metric_history_free(mlmd_metric_history *history)
{
	if (!history)
		return;
	free(history->values);
	free(history->steps);
	free(history->timestamps);
	free(history);
}

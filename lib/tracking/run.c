/*
 * tracking/run.c - mlmd_run: a handle on one run of the store. Begin (with
 * the reproducibility capture), log parameters, tags and metric points, end.
 * Each call builds one mlmd.tracking request and sends it through
 * mlmd_store_call() (mlmd__tk_call), so each is one transaction, exactly as
 * the Python package's calls are. The handle remembers the run's id, name
 * and, once ended COMPLETE, its fingerprint; nothing else, so the store
 * is the one authority on a run's state (another process may log to it).
 */
#include <stdlib.h>
#include <string.h>
#include "tk.h"
#include "util/msgcall.h"

/* ---- one call ---------------------------------------------------------------------------- */

int mlmd__tk_call(struct mlmd_store *store, const char *method, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	return mlmd__msg_call(store, method, method, req, resp_desc, resp);
}

int mlmd__tk_param(const mlmd_param *p, Mlmd__Pb__Tracking__Param *out, Mlmd__Pb__Value *value)
{
	mlmd__pb__tracking__param__init(out);
	mlmd__pb__value__init(value);
	if (!p->key || !p->key[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "a parameter needs a key");
	out->key = (char *)p->key;
	out->value = value;
	switch (p->kind) {
	case MLMD_VALUE_INT:
		value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		value->int_value = p->int_value;
		return 0;
	case MLMD_VALUE_DOUBLE:
		value->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		value->double_value = p->double_value;
		return 0;
	case MLMD_VALUE_STRING:
		if (!p->string_value)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "parameter '%s': string_value is NULL", p->key);
		value->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
		value->string_value = (char *)p->string_value;
		return 0;
	}
	return mlmd__fail(MLMD_INVALID_ARGUMENT, "parameter '%s': kind %d is not MLMD_VALUE_INT, _DOUBLE or _STRING",
		p->key, (int)p->kind);
}

#define CALL(store, method, req, resp_type, resp)                                                       \
	mlmd__tk_call((store), (method), &(req)->base, &mlmd__pb__tracking__##resp_type##__descriptor,     \
		(ProtobufCMessage **)(resp))

static int check_run(const mlmd_run *run, const char *fn)
{
	return run ? 0 : mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: run is NULL", fn);
}

/* ---- begin ------------------------------------------------------------------------------- */

int mlmd_run_begin(mlmd_run **out, struct mlmd_store *store, const char *experiment, const char *run_name,
	const char *run_type, const mlmd_run_options *opts)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_begin: out is NULL");
	*out = NULL;
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_begin: store is NULL");
	mlmd_run_options defaults = MLMD_RUN_OPTIONS_INIT;
	const mlmd_run_options *o = opts ? opts : &defaults;
	if (o->version < 1 || o->version > MLMD_RUN_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_begin: mlmd_run_options.version is %u (this "
			"library knows 1 to %d); initialise the options with MLMD_RUN_OPTIONS_INIT", o->version,
			MLMD_RUN_OPTIONS_VERSION);
	Mlmd__Pb__Tracking__Capture capture;
	mlmd__pb__tracking__capture__init(&capture);
	int rc = 0;
	if (!o->no_capture && (rc = mlmd__capture_fill(&capture, o->extra_env, o->git_dir)))
		return mlmd__context(rc, "mlmd_run_begin: capture");
	if (o->has_seed) {
		capture.has_seed = 1;
		capture.seed = o->seed;
	}
	Mlmd__Pb__Tracking__StartRunRequest rq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	rq.experiment_name = (char *)experiment;
	rq.run_name = (char *)run_name;
	rq.run_type = (char *)run_type;
	rq.capture = &capture;
	Mlmd__Pb__Tracking__StartRunResponse *rs = NULL;
	rc = CALL(store, "StartRun", &rq, start_run_response, &rs);
	mlmd__capture_clear(&capture);
	if (rc)
		return rc;
	mlmd_run *run = calloc(1, sizeof *run);
	if (!run || !(run->name = mlmd__strdup(rs->run_name ? rs->run_name : ""))) {
		free(run);
		protobuf_c_message_free_unpacked(&rs->base, NULL);
		return MLMD_OOM();
	}
	run->store = store;
	run->id = rs->run_id;
	run->experiment_id = rs->experiment_id;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	*out = run;
	return 0;
}

int64_t mlmd_run_id(const mlmd_run *run)
{
	return run ? run->id : 0;
}

int64_t mlmd_run_experiment_id(const mlmd_run *run)
{
	return run ? run->experiment_id : 0;
}

const char *mlmd_run_name(const mlmd_run *run)
{
	return run ? run->name : "";
}

const char *mlmd_run_fingerprint(const mlmd_run *run)
{
	return run ? run->fingerprint : "";
}

void mlmd_run_free(mlmd_run *run)
{
	if (!run)
		return;
	free(run->name);
	free(run);
}

/* ---- log --------------------------------------------------------------------------------- */

/* Sends a Log request for this run; what it holds is the caller's. */
static int send_log(mlmd_run *run, Mlmd__Pb__Tracking__LogRequest *rq)
{
	rq->has_run_id = 1;
	rq->run_id = run->id;
	Mlmd__Pb__Tracking__LogResponse *rs = NULL;
	int rc = CALL(run->store, "Log", rq, log_response, &rs);
	if (!rc)
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

int mlmd_run_log_params(mlmd_run *run, const mlmd_param *params, size_t n)
{
	int rc = check_run(run, "mlmd_run_log_params");
	if (rc)
		return rc;
	if (n == 0)
		return 0;
	if (!params)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_log_params: params is NULL");
	if (n > SIZE_MAX / (sizeof(Mlmd__Pb__Tracking__Param) + sizeof(Mlmd__Pb__Value) + sizeof(void *)))
		return MLMD_OOM();
	Mlmd__Pb__Tracking__Param *ps = malloc(n * sizeof *ps), **pp = malloc(n * sizeof *pp);
	Mlmd__Pb__Value *vs = malloc(n * sizeof *vs);
	if (!ps || !pp || !vs)
		rc = MLMD_OOM();
	for (size_t i = 0; i < n && !rc; i++) {
		rc = mlmd__tk_param(&params[i], &ps[i], &vs[i]);
		pp[i] = &ps[i];
	}
	if (!rc) {
		Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
		rq.n_params = n;
		rq.params = pp;
		rc = send_log(run, &rq);
	}
	free(ps);
	free(pp);
	free(vs);
	return rc;
}

int mlmd_run_log_param_int(mlmd_run *run, const char *key, int64_t value)
{
	mlmd_param p = { key, MLMD_VALUE_INT, value, 0, NULL };
	return mlmd_run_log_params(run, &p, 1);
}

int mlmd_run_log_param_double(mlmd_run *run, const char *key, double value)
{
	mlmd_param p = { key, MLMD_VALUE_DOUBLE, 0, value, NULL };
	return mlmd_run_log_params(run, &p, 1);
}

int mlmd_run_log_param_string(mlmd_run *run, const char *key, const char *value)
{
	mlmd_param p = { key, MLMD_VALUE_STRING, 0, 0, value };
	return mlmd_run_log_params(run, &p, 1);
}

int mlmd_run_set_tag(mlmd_run *run, const char *key, const char *value)
{
	int rc = check_run(run, "mlmd_run_set_tag");
	if (rc)
		return rc;
	if (!key || !key[0] || !value)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_set_tag: a tag needs a key and a value");
	Mlmd__Pb__Tracking__Tag t = MLMD__PB__TRACKING__TAG__INIT, *tp = &t;
	t.key = (char *)key;
	t.value = (char *)value;
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	rq.n_tags = 1;
	rq.tags = &tp;
	return send_log(run, &rq);
}

int mlmd_run_log_metrics(mlmd_run *run, const char *key, const double *values, const int64_t *steps,
	const int64_t *timestamps, size_t n)
{
	int rc = check_run(run, "mlmd_run_log_metrics");
	if (rc)
		return rc;
	if (!key || !key[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_log_metrics: a metric needs a key");
	if (n == 0)
		return 0;
	if (!values)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_log_metrics: metric '%s': values is NULL", key);
	Mlmd__Pb__Tracking__MetricSeries m = MLMD__PB__TRACKING__METRIC_SERIES__INIT, *mp = &m;
	m.key = (char *)key;
	m.n_values = n;
	m.values = (double *)values;
	if (steps) {
		m.n_steps = n;
		m.steps = (int64_t *)steps;
	}
	if (timestamps) {
		m.n_timestamps = n;
		m.timestamps = (int64_t *)timestamps;
	}
	Mlmd__Pb__Tracking__LogRequest rq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	rq.n_metrics = 1;
	rq.metrics = &mp;
	return send_log(run, &rq);
}

int mlmd_run_log_metric(mlmd_run *run, const char *key, double value, int64_t step)
{
	return mlmd_run_log_metrics(run, key, &value, &step, NULL, 1);
}

/* ---- end --------------------------------------------------------------------------------- */

int mlmd_run_end(mlmd_run *run, mlmd_run_status status)
{
	int rc = check_run(run, "mlmd_run_end");
	if (rc)
		return rc;
	if (status != MLMD_RUN_COMPLETE && status != MLMD_RUN_FAILED && status != MLMD_RUN_CANCELED)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_run_end: run %lld: status %d is not MLMD_RUN_COMPLETE, "
			"MLMD_RUN_FAILED or MLMD_RUN_CANCELED", (long long)run->id, (int)status);
	Mlmd__Pb__Tracking__EndRunRequest rq = MLMD__PB__TRACKING__END_RUN_REQUEST__INIT;
	rq.has_run_id = rq.has_status = 1;
	rq.run_id = run->id;
	rq.status = (Mlmd__Pb__Execution__State)status;
	Mlmd__Pb__Tracking__EndRunResponse *rs = NULL;
	rc = CALL(run->store, "EndRun", &rq, end_run_response, &rs);
	if (rc)
		return rc;
	if (rs->fingerprint && strlen(rs->fingerprint) == 64)
		memcpy(run->fingerprint, rs->fingerprint, 65);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}


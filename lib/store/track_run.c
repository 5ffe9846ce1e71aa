/*
 * store/track_run.c - a run's life: StartRun (the experiment context, the
 * run execution with its parameters, tags and capture, the association),
 * EndRun (state, end time, fingerprint) and GetRun.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "track.h"
#include "mlmd/json.h"

/* Checks a request's parameters: keys, kinds, and one value per key. */
static int check_params(Mlmd__Pb__Tracking__Param **p, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		char w[64];
		mlmd__snprintf(w, sizeof w, "%s[%zu]", what, i);
		int rc = mlmd__track_check_key(p[i]->key, w);
		if (rc)
			return rc;
		const Mlmd__Pb__Value *v = p[i]->value;
		if (!v || (v->value_case != MLMD__PB__VALUE__VALUE_INT_VALUE &&
			   v->value_case != MLMD__PB__VALUE__VALUE_DOUBLE_VALUE &&
			   v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE))
			return mlmd__fail(MLMD_INVALID_ARGUMENT,
					  "%s: parameter '%s' must have an int, double or string value", w, p[i]->key);
	}
	return 0;
}

static int check_tags(Mlmd__Pb__Tracking__Tag **t, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		char w[64];
		mlmd__snprintf(w, sizeof w, "%s[%zu]", what, i);
		int rc = mlmd__track_check_key(t[i]->key, w);
		if (rc)
			return rc;
	}
	return 0;
}

/* The capture as custom properties (docs/tracking.md lists the names). */
static int capture_props(track_props *tp, const Mlmd__Pb__Tracking__Capture *cap)
{
	int rc = 0;
	if (cap && cap->n_argv) {
		mlmd_json_writer *w = NULL;
		if ((rc = mlmd_json_writer_new(&w, NULL)))
			return rc;
		mlmd_json_array_begin(w);
		for (size_t i = 0; i < cap->n_argv; i++)
			mlmd_json_string(w, cap->argv[i] ? cap->argv[i] : "");
		mlmd_json_array_end(w);
		rc = mlmd_json_writer_status(w);
		if (!rc)
			rc = mlmd__tp_str(tp, "mlmd.", "argv", mlmd_json_writer_text(w, NULL));
		mlmd_json_writer_free(w);
	}
#define S(f) \
	if (!rc && cap && cap->f) \
		rc = mlmd__tp_str(tp, "mlmd.", #f, cap->f);
	S(cwd) S(host) S(user) S(git_commit) S(git_branch) S(python_version)
#undef S
	if (!rc && cap && cap->has_git_dirty)
		rc = mlmd__tp_bool(tp, "mlmd.", "git_dirty", cap->git_dirty);
	if (!rc && cap && cap->has_seed)
		rc = mlmd__tp_int(tp, "mlmd.", "seed", cap->seed);
	for (size_t i = 0; cap && !rc && i < cap->n_env; i++)
		rc = mlmd__tp_str(tp, "mlmd.env.", cap->env[i]->key, cap->env[i]->value);
	for (size_t i = 0; cap && !rc && i < cap->n_packages; i++)
		rc = mlmd__tp_str(tp, "mlmd.package.", cap->packages[i]->key, cap->packages[i]->value);
	if (!rc)
		rc = mlmd__tp_str(tp, "mlmd.", "library_version",
				  cap && cap->library_version && *cap->library_version ? cap->library_version
											: mlmd_version());
	return rc;
}

static int check_capture(const Mlmd__Pb__Tracking__Capture *cap)
{
	for (size_t i = 0; cap && i < cap->n_env; i++) {
		int rc = mlmd__track_check_key(cap->env[i]->key, "capture.env");
		if (rc)
			return rc;
	}
	for (size_t i = 0; cap && i < cap->n_packages; i++) {
		int rc = mlmd__track_check_key(cap->packages[i]->key, "capture.packages");
		if (rc)
			return rc;
	}
	return 0;
}

/* Two entries with the same key in one request: the same value is allowed
 * (it is one parameter), another one is refused. */
static int same_value(const Mlmd__Pb__Value *a, const Mlmd__Pb__Value *b)
{
	if (a->value_case != b->value_case)
		return 0;
	switch (a->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: return a->int_value == b->int_value;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE:
		return a->double_value == b->double_value || (a->double_value != a->double_value &&
							      b->double_value != b->double_value);
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: return !strcmp(a->string_value, b->string_value);
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: return a->bool_value == b->bool_value;
	default: return 0;
	}
}

int mlmd__track_same_value(const Mlmd__Pb__Value *a, const Mlmd__Pb__Value *b)
{
	return same_value(a, b);
}

static int start_run(call *c, const Mlmd__Pb__Tracking__StartRunRequest *rq, Mlmd__Pb__Tracking__StartRunResponse *rs,
		     const size_t *pfirst, const size_t *tlast);

int mlmd__track_StartRun(call *c, const Mlmd__Pb__Tracking__StartRunRequest *rq,
			 Mlmd__Pb__Tracking__StartRunResponse *rs)
{
	int rc = check_params(rq->params, rq->n_params, "params");
	if (!rc)
		rc = check_tags(rq->tags, rq->n_tags, "tags");
	if (!rc)
		rc = check_capture(rq->capture);
	/* repeated keys by sorting, not by pairs: a request may carry many thousands */
	size_t *pfirst = NULL, *plast, *tfirst = NULL, *tlast;
	if (!rc)
		rc = mlmd__track_key_groups((void *const *)rq->params, rq->n_params,
					    offsetof(Mlmd__Pb__Tracking__Param, key), &pfirst, &plast);
	if (!rc)
		rc = mlmd__track_key_groups((void *const *)rq->tags, rq->n_tags, offsetof(Mlmd__Pb__Tracking__Tag, key),
					    &tfirst, &tlast);
	for (size_t i = 0; !rc && i < rq->n_params; i++)
		if (pfirst[i] < i && !same_value(rq->params[i]->value, rq->params[pfirst[i]]->value))
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
					"params[%zu]: parameter '%s' is given twice with different values", i,
					rq->params[i]->key);
	if (!rc)
		rc = start_run(c, rq, rs, pfirst, tlast);
	free(pfirst);
	free(tfirst);
	return rc;
}

/* StartRun once the request is checked; pfirst and tlast: the first
 * parameter and the last tag of each key (mlmd__track_key_groups). */
static int start_run(call *c, const Mlmd__Pb__Tracking__StartRunRequest *rq, Mlmd__Pb__Tracking__StartRunResponse *rs,
		     const size_t *pfirst, const size_t *tlast)
{
	const char *xname = rq->experiment_name && *rq->experiment_name ? rq->experiment_name
									 : MLMD_TRACK_DEFAULT_EXPERIMENT;
	const char *rtype = rq->run_type && *rq->run_type ? rq->run_type : MLMD_TRACK_RUN_TYPE;
	int rc;
	int64_t xtype = 0, rtype_id = 0, xid = 0, run = 0;
	if ((rc = mlmd__track_type(c, KIND_CONTEXT, MLMD_TRACK_EXPERIMENT_TYPE, &xtype)) ||
	    (rc = mlmd__track_type(c, KIND_EXECUTION, rtype, &rtype_id)))
		return rc;
	Mlmd__Pb__Context x = MLMD__PB__CONTEXT__INIT;
	x.has_type_id = 1;
	x.type_id = xtype;
	x.name = (char *)xname;
	put_opts xo = { 0 };
	xo.reuse_context_by_name = 1;
	if ((rc = mlmd__node_put(c, &mlmd__context_kind, &x.base, &xo, &xid)))
		return mlmd__context(rc, "experiment '%s'", xname);

	track_props tp;
	mlmd__tp_init(&tp, &mlmd__execution_kind);
	for (size_t i = 0; !rc && i < rq->n_params; i++)
		if (pfirst[i] == i)
			rc = mlmd__tp_value(&tp, "param.", rq->params[i]->key, rq->params[i]->value);
	for (size_t i = 0; !rc && i < rq->n_tags; i++)
		if (tlast[i] == i) /* the last value of a repeated tag wins */
			rc = mlmd__tp_str(&tp, "tag.", rq->tags[i]->key, rq->tags[i]->value);
	if (!rc)
		rc = capture_props(&tp, rq->capture);
	if (rc) {
		mlmd__tp_free(&tp);
		return rc;
	}
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = rtype_id;
	e.name = rq->run_name && *rq->run_name ? rq->run_name : NULL;
	e.has_last_known_state = 1;
	e.last_known_state = MLMD__PB__EXECUTION__STATE__RUNNING;
	e.n_custom_properties = tp.n;
	e.custom_properties = (Mlmd__Pb__Execution__CustomPropertiesEntry **)tp.entries;
	rc = mlmd__node_put(c, &mlmd__execution_kind, &e.base, NULL, &run);
	mlmd__tp_free(&tp);
	if (rc)
		return mlmd__context(rc, "run '%s' of type '%s'", e.name ? e.name : "(unnamed)", rtype);
	char gen[48];
	if (!e.name) {
		/* named after its id, which only the insert tells */
		mlmd__snprintf(gen, sizeof gen, "run-%lld", (long long)run);
		Mlmd__Pb__Execution u = MLMD__PB__EXECUTION__INIT;
		Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
		char *path = "name";
		mask.n_paths = 1;
		mask.paths = &path;
		u.has_id = 1;
		u.id = run;
		u.name = gen;
		put_opts o = { 0 };
		o.mask = &mask;
		int64_t same;
		if ((rc = mlmd__node_put(c, &mlmd__execution_kind, &u.base, &o, &same)))
			return rc;
	}
	if ((rc = mlmd__association_put(c, xid, run, 0)))
		return rc;
	rs->has_run_id = rs->has_experiment_id = 1;
	rs->run_id = run;
	rs->experiment_id = xid;
	rs->run_name = mlmd__strdup(e.name ? e.name : gen);
	return rs->run_name ? 0 : MLMD_OOM();
}

int mlmd__track_EndRun(call *c, const Mlmd__Pb__Tracking__EndRunRequest *rq, Mlmd__Pb__Tracking__EndRunResponse *rs)
{
	int state = rq->has_status ? (int)rq->status : MLMD__PB__EXECUTION__STATE__COMPLETE;
	if (state != MLMD__PB__EXECUTION__STATE__COMPLETE && state != MLMD__PB__EXECUTION__STATE__FAILED &&
	    state != MLMD__PB__EXECUTION__STATE__CANCELED)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "status must be COMPLETE, FAILED or CANCELED (got %d)", state);
	if (rq->has_end_time && rq->end_time < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "end_time %lld is negative", (long long)rq->end_time);
	Mlmd__Pb__Execution *e;
	int rc = mlmd__track_run_load(c, rq->has_run_id, rq->run_id, 1, &e);
	if (rc)
		return rc;
	track_props tp;
	mlmd__tp_init(&tp, &mlmd__execution_kind);
	rc = mlmd__tp_int(&tp, "mlmd.", "end_time", rq->has_end_time ? rq->end_time : c->now);
	if (!rc && state == MLMD__PB__EXECUTION__STATE__COMPLETE) {
		char fp[65];
		rc = mlmd__track_run_fingerprint(c, e, fp);
		if (!rc)
			rc = mlmd__tp_str(&tp, "mlmd.", "fingerprint", fp);
		if (!rc && !(rs->fingerprint = mlmd__strdup(fp)))
			rc = MLMD_OOM();
	}
	if (!rc)
		rc = mlmd__tp_update_execution(c, e->id, &tp, state);
	mlmd__tp_free(&tp);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}

int mlmd__track_GetRun(call *c, const Mlmd__Pb__Tracking__GetRunRequest *rq, Mlmd__Pb__Tracking__GetRunResponse *rs)
{
	Mlmd__Pb__Execution *e;
	int rc = mlmd__track_run_load(c, rq->has_run_id, rq->run_id, 0, &e);
	if (rc)
		return rc;
	rc = mlmd__track_run_message(c, e, &rs->run);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}

/*
 * store/mon_profile.c - MonitoringService: PutProfile and GetProfile
 * (proto/mlmd_governance.proto, "monitoring"). A reference profile is an
 * artifact of type mlmd.DataProfile (properties profile, the JSON;
 * n_rows; n_columns; custom property mlmd.model_artifact_id), OUTPUT of an
 * execution of type mlmd.Profiling (COMPLETE) whose INPUTs are the model
 * artifact and, when given, the training data's artifact: all written in
 * the call's transaction. The profile itself is built or checked by
 * lib/monitor (mlmd/monitor.h), so what is stored is always the library's
 * normalized JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "governance.h"
#include "rpc.h"
#include "track.h"
#include "mlmd/monitor.h"
#include "util/pbutil.h"

#define PROFILE_TYPE "mlmd.DataProfile"
#define PROFILING_TYPE "mlmd.Profiling"
#define P_MODEL "mlmd.model_artifact_id"
/* The most values (rows x columns) PutProfile builds a profile from in one
 * request, and the longest profile JSON it takes (docs/monitoring.md). */
#define MAX_VALUES 50000000
#define MAX_JSON (64 << 20)

/* ---- the model ------------------------------------------------------------------------- */

/* NOT_FOUND unless artifact `id` exists and is not deleted; `what` names it. */
static int live_artifact(call *c, int64_t id, const char *what)
{
	if (id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s id %lld is not an id", what, (long long)id);
	int rc = mlmd__node_exists(c, &mlmd__artifact_kind, id);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	rc = mlmd__node_deleted(c, &mlmd__artifact_kind, id);
	if (rc < 0)
		return rc;
	return mlmd__fail(MLMD_NOT_FOUND, "%s %lld %s", what, (long long)id,
			  rc == 1 ? "was deleted (a tombstone)" : "does not exist");
}

/* The model artifact of a request: its id, or the registry reference
 * NAME@ALIAS | NAME/VERSION resolved as ResolveModel does. */
static int resolve_model(call *c, int has_id, int64_t id, const char *ref, int64_t *out)
{
	int has_ref = ref && *ref;
	has_id = has_id && id != 0;
	if (has_id == has_ref)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "give one of model_artifact_id and model_ref (NAME@ALIAS or NAME/VERSION)");
	if (has_id) {
		*out = id;
		return live_artifact(c, id, "model artifact");
	}
	size_t cut = strcspn(ref, "@/");
	if (!ref[cut] || cut == 0 || !ref[cut + 1])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "model_ref '%s' is not NAME@ALIAS or NAME/VERSION", ref);
	char *name = mlmd__strndup(ref, cut);
	if (!name)
		return MLMD_OOM();
	Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	rq.model_name = name;
	int rc = 0;
	if (ref[cut] == '@') {
		rq.alias = (char *)ref + cut + 1;
	} else {
		char *end = NULL;
		long long v = strtoll(ref + cut + 1, &end, 10);
		if (*end || v < 1 || ref[cut + 1] == '+' || ref[cut + 1] == ' ')
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "model_ref '%s': version '%s' is not a number >= 1", ref,
					ref + cut + 1);
		rq.has_version = 1;
		rq.version = v;
	}
	Mlmd__Pb__Governance__ResolveModelResponse *rs =
		rc ? NULL : mlmd__msg_new(&mlmd__pb__governance__resolve_model_response__descriptor);
	if (!rc && !rs)
		rc = MLMD_OOM();
	if (!rc && !(rc = mlmd__gov_ResolveModel(c, &rq, rs))) {
		*out = rs->version ? rs->version->artifact_id : 0;
		if (*out <= 0)
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "model_ref '%s' names a version without a model artifact",
					ref);
		else
			rc = live_artifact(c, *out, "model artifact");
	}
	if (rs)
		protobuf_c_message_free_unpacked(&rs->base, NULL);
	free(name);
	return rc ? mlmd__context(rc, "model_ref '%s'", ref) : 0;
}

/* ---- the profile ------------------------------------------------------------------------ */

/* Builds the profile from the request's columns, or checks its JSON. */
static int request_profile(const Mlmd__Pb__Governance__PutProfileRequest *rq, mlmd_profile **out)
{
	int has_json = rq->profile_json && *rq->profile_json;
	if (has_json == (rq->n_columns > 0))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "give one of profile_json and columns");
	if (has_json) {
		size_t len = strlen(rq->profile_json);
		if (len > MAX_JSON)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "profile_json is %zu bytes, more than the %d allowed", len,
					  MAX_JSON);
		if (rq->has_category_cap && rq->category_cap)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "category_cap goes with columns, not profile_json");
		return mlmd_profile_from_json(out, rq->profile_json, len);
	}
	if (rq->n_columns > MLMD_PROFILE_MAX_COLUMNS)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%zu columns, more than the %d allowed", rq->n_columns,
				  MLMD_PROFILE_MAX_COLUMNS);
	mlmd_profile_input *in = calloc(rq->n_columns, sizeof *in);
	if (!in)
		return MLMD_OOM();
	size_t total = 0;
	int rc = 0;
	for (size_t i = 0; i < rq->n_columns && !rc; i++) {
		const Mlmd__Pb__Governance__ProfileColumnData *col = rq->columns[i];
		in[i].name = col->name;
		if (col->n_numbers && col->n_strings)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "columns[%zu]: give numbers or strings, not both", i);
		if (col->n_strings) {
			in[i].n = col->n_strings;
			in[i].strings = (const char *const *)col->strings;
		} else {
			in[i].n = col->n_numbers;
			static const double none[1] = {0};
			in[i].numbers = col->numbers ? col->numbers : none;
		}
		total += in[i].n;
		if (!rc && total > MAX_VALUES)
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "more than %d values in the request's columns", MAX_VALUES);
	}
	if (!rc) {
		mlmd_profile_options o = MLMD_PROFILE_OPTIONS_INIT;
		o.category_cap = rq->has_category_cap ? rq->category_cap : 0;
		rc = mlmd_profile_build(out, in, rq->n_columns, &o);
	}
	free(in);
	return rc;
}

/* The id of mlmd.DataProfile with its three properties (added to a type of
 * that name made before without them). */
static int profile_type(call *c, int64_t *id)
{
	static const char *const names[3] = {"profile", "n_rows", "n_columns"};
	static const Mlmd__Pb__PropertyType types[3] = {MLMD__PB__PROPERTY_TYPE__STRING, MLMD__PB__PROPERTY_TYPE__INT,
							 MLMD__PB__PROPERTY_TYPE__INT};
	return mlmd__track_artifact_type(c, PROFILE_TYPE, 3, names, types, id);
}

/* A name not taken by another profile: `name`, or the default
 * profile-<model>-<ms> with -2, -3... when two land in one millisecond. */
static int profile_name(call *c, int64_t type, const char *name, int64_t model, char *buf, size_t size)
{
	if (name && *name) {
		mlmd__snprintf(buf, size, "%s", name);
		return 0;
	}
	for (int k = 1; k < 1000; k++) {
		if (k == 1)
			mlmd__snprintf(buf, size, "profile-%lld-%lld", (long long)model, (long long)c->now);
		else
			mlmd__snprintf(buf, size, "profile-%lld-%lld-%d", (long long)model, (long long)c->now, k);
		sqlq q;
		int rc = mlmd__q(c->sql, &q, "SELECT 1 FROM artifact WHERE type_id = ? AND name = ?");
		if (rc)
			return rc;
		mlmd__q_i64(&q, 1, type);
		mlmd__q_text(&q, 2, buf);
		rc = mlmd__q_step(&q);
		mlmd__q_done(&q);
		if (rc <= 0)
			return rc;
	}
	return mlmd__fail(MLMD_ALREADY_EXISTS, "no free default name for a profile of model artifact %lld",
			  (long long)model);
}

static int put_event(call *c, int64_t artifact, int64_t execution, Mlmd__Pb__Event__Type type)
{
	Mlmd__Pb__Event e = MLMD__PB__EVENT__INIT;
	e.has_artifact_id = e.has_execution_id = e.has_type = 1;
	e.artifact_id = artifact;
	e.execution_id = execution;
	e.type = type;
	return mlmd__event_put(c, &e);
}

static void value_int(Mlmd__Pb__Value *v, int64_t x)
{
	mlmd__pb__value__init(v);
	v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	v->int_value = x;
}

static int write_profile(call *c, const Mlmd__Pb__Governance__PutProfileRequest *rq, int64_t model,
			 const char *json, const mlmd_profile *p, Mlmd__Pb__Governance__PutProfileResponse *rs)
{
	int64_t ptype = 0, xtype = 0, xid = 0, aid = 0;
	int rc = profile_type(c, &ptype);
	if (!rc)
		rc = mlmd__track_type(c, KIND_EXECUTION, PROFILING_TYPE, &xtype);
	char name[320];
	if (!rc)
		rc = profile_name(c, ptype, rq->name, model, name, sizeof name);
	if (rc)
		return rc;
	Mlmd__Pb__Execution x = MLMD__PB__EXECUTION__INIT;
	x.has_type_id = 1;
	x.type_id = xtype;
	x.has_last_known_state = 1;
	x.last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
	if ((rc = mlmd__node_put(c, &mlmd__execution_kind, &x.base, NULL, &xid)))
		return rc;

	Mlmd__Pb__Value v[4];
	mlmd__pb__value__init(&v[0]);
	v[0].value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	v[0].string_value = (char *)json;
	value_int(&v[1], mlmd_profile_rows(p));
	value_int(&v[2], (int64_t)mlmd_profile_column_count(p));
	value_int(&v[3], model);
	Mlmd__Pb__Artifact__PropertiesEntry pe[3], *pep[3];
	static const char *const keys[3] = {"profile", "n_rows", "n_columns"};
	for (int i = 0; i < 3; i++) {
		mlmd__pb__artifact__properties_entry__init(&pe[i]);
		pe[i].key = (char *)keys[i];
		pe[i].value = &v[i];
		pep[i] = &pe[i];
	}
	Mlmd__Pb__Artifact__CustomPropertiesEntry ce = MLMD__PB__ARTIFACT__CUSTOM_PROPERTIES_ENTRY__INIT, *cep = &ce;
	ce.key = P_MODEL;
	ce.value = &v[3];
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT;
	a.has_type_id = 1;
	a.type_id = ptype;
	a.name = name;
	a.has_state = 1;
	a.state = MLMD__PB__ARTIFACT__STATE__LIVE;
	a.n_properties = 3;
	a.properties = pep;
	a.n_custom_properties = 1;
	a.custom_properties = &cep;
	if ((rc = mlmd__node_put(c, &mlmd__artifact_kind, &a.base, NULL, &aid)))
		return rc;
	if ((rc = put_event(c, model, xid, MLMD__PB__EVENT__TYPE__INPUT)))
		return rc;
	if (rq->has_dataset_artifact_id && rq->dataset_artifact_id &&
	    (rc = put_event(c, rq->dataset_artifact_id, xid, MLMD__PB__EVENT__TYPE__INPUT)))
		return rc;
	if ((rc = put_event(c, aid, xid, MLMD__PB__EVENT__TYPE__OUTPUT)))
		return rc;
	rs->has_profile_artifact_id = rs->has_execution_id = rs->has_model_artifact_id = 1;
	rs->has_n_rows = rs->has_n_columns = 1;
	rs->profile_artifact_id = aid;
	rs->execution_id = xid;
	rs->model_artifact_id = model;
	rs->n_rows = mlmd_profile_rows(p);
	rs->n_columns = (int64_t)mlmd_profile_column_count(p);
	return 0;
}

int mlmd__gov_PutProfile(call *c, const Mlmd__Pb__Governance__PutProfileRequest *rq,
			 Mlmd__Pb__Governance__PutProfileResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "PutProfile");
	int64_t model = 0;
	if (!rc)
		rc = resolve_model(c, rq->has_model_artifact_id, rq->model_artifact_id, rq->model_ref, &model);
	if (!rc && rq->has_dataset_artifact_id && rq->dataset_artifact_id == model)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "dataset_artifact_id %lld is the model artifact itself",
				(long long)model);
	if (!rc && rq->has_dataset_artifact_id && rq->dataset_artifact_id)
		rc = live_artifact(c, rq->dataset_artifact_id, "dataset artifact");
	if (!rc && rq->name && strlen(rq->name) > 250)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "name is longer than 250 bytes");
	mlmd_profile *p = NULL;
	char *json = NULL;
	if (!rc)
		rc = request_profile(rq, &p);
	if (!rc)
		rc = mlmd_profile_to_json(p, &json, NULL);
	if (!rc)
		rc = write_profile(c, rq, model, json, p, rs);
	free(json);
	mlmd_profile_free(p);
	return rc;
}

/* ---- GetProfile ---------------------------------------------------------------------------- */

/* The newest live mlmd.DataProfile that is OUTPUT of an mlmd.Profiling
 * execution with an INPUT event from `model` and names `model` as its
 * model (not a profile whose training data `model` is) (0: none). */
static int newest_profile(call *c, int64_t model, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q,
			 c->s->schema_version >= 5
				 ? "SELECT a.id FROM event ei JOIN execution x ON x.id = ei.execution_id"
				   " JOIN type tx ON tx.id = x.type_id JOIN event eo ON eo.execution_id = x.id"
				   " JOIN artifact a ON a.id = eo.artifact_id JOIN type ta ON ta.id = a.type_id"
				   " JOIN artifact_property pm ON pm.node_id = a.id AND pm.name = '" P_MODEL "'"
				   " AND pm.is_custom = 1 AND pm.int_value = ei.artifact_id"
				   " WHERE ei.artifact_id = ? AND ei.type = ? AND eo.type = ? AND tx.name = '" PROFILING_TYPE
				   "' AND ta.name = '" PROFILE_TYPE "' AND a.deleted_time IS NULL"
				   " ORDER BY a.create_time DESC, a.id DESC LIMIT 1"
				 : "SELECT a.id FROM event ei JOIN execution x ON x.id = ei.execution_id"
				   " JOIN type tx ON tx.id = x.type_id JOIN event eo ON eo.execution_id = x.id"
				   " JOIN artifact a ON a.id = eo.artifact_id JOIN type ta ON ta.id = a.type_id"
				   " JOIN artifact_property pm ON pm.node_id = a.id AND pm.name = '" P_MODEL "'"
				   " AND pm.is_custom = 1 AND pm.int_value = ei.artifact_id"
				   " WHERE ei.artifact_id = ? AND ei.type = ? AND eo.type = ? AND tx.name = '" PROFILING_TYPE
				   "' AND ta.name = '" PROFILE_TYPE "' ORDER BY a.create_time DESC, a.id DESC LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model);
	mlmd__q_i64(&q, 2, MLMD__PB__EVENT__TYPE__INPUT);
	mlmd__q_i64(&q, 3, MLMD__PB__EVENT__TYPE__OUTPUT);
	*id = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

int mlmd__gov_GetProfile(call *c, const Mlmd__Pb__Governance__GetProfileRequest *rq,
			 Mlmd__Pb__Governance__GetProfileResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "GetProfile");
	int64_t model = 0, id = 0;
	int by_profile = rq->has_profile_artifact_id && rq->profile_artifact_id;
	if (rc)
		return rc;
	if (by_profile) {
		if ((rq->has_model_artifact_id && rq->model_artifact_id) || (rq->model_ref && *rq->model_ref))
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "give the model or profile_artifact_id, not both");
		id = rq->profile_artifact_id;
		if ((rc = live_artifact(c, id, "profile artifact")))
			return rc;
	} else {
		if ((rc = resolve_model(c, rq->has_model_artifact_id, rq->model_artifact_id, rq->model_ref, &model)) ||
		    (rc = newest_profile(c, model, &id)))
			return rc;
		if (!id)
			return mlmd__fail(MLMD_NOT_FOUND,
					  "model artifact %lld has no reference profile (record one with `mlmd profile` or "
					  "mlmd_profile_record())", (long long)model);
	}
	Mlmd__Pb__Artifact *a = NULL;
	if ((rc = mlmd__node_load(c, &mlmd__artifact_kind, id, (ProtobufCMessage **)&a)))
		return rc;
	if (!a)
		return mlmd__fail(MLMD_NOT_FOUND, "profile artifact %lld does not exist", (long long)id);
	const type_info *t = NULL;
	rc = mlmd__type_get(c, KIND_ARTIFACT, a->type_id, &t);
	const Mlmd__Pb__Value *pj = mlmd_node_get(a, 0, "profile");
	const Mlmd__Pb__Value *pm = mlmd_node_get(a, 1, P_MODEL);
	if (!rc && (!t || strcmp(t->name, PROFILE_TYPE)))
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact %lld is not a " PROFILE_TYPE, (long long)id);
	else if (!rc && (!pj || pj->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE))
		rc = mlmd__fail(MLMD_DATA_LOSS, "profile artifact %lld has no 'profile' property", (long long)id);
	if (!rc && !(rs->profile_json = mlmd__strdup(pj->string_value)))
		rc = MLMD_OOM();
	if (!rc) {
		rs->has_profile_artifact_id = rs->has_model_artifact_id = rs->has_create_time_ms = 1;
		rs->profile_artifact_id = id;
		rs->model_artifact_id = model ? model
				       : pm && pm->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? pm->int_value : 0;
		rs->create_time_ms = a->create_time_since_epoch;
	}
	protobuf_c_message_free_unpacked(&a->base, NULL);
	return rc;
}

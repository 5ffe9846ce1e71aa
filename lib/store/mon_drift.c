/*
 * store/mon_drift.c - MonitoringService: PutDriftWindow and GetDriftWindows
 * (proto/mlmd_governance.proto, section "monitoring").
 *
 * A drift window is an artifact of type mlmd.DriftWindow (created, or
 * extended with its properties, when missing), OUTPUT of the serving
 * execution that scored its rows. A drifted window with a deployment
 * context labels that context DRIFTED through Classify in the same
 * transaction (propagating, as Classify does by default: the deployment's
 * models and serving executions carry it too, so a gate list holding
 * DRIFTED blocks them), the reason naming the window and the client's
 * reason (the drifted columns). Windows are listed oldest first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "governance.h"
#include "datagov.h"
#include "rpc.h"
#include "track.h"
#include "mlmd/json.h"

#define DRIFT_TYPE "mlmd.DriftWindow"
#define SERVING_TYPE "ModelServing"
#define REASON_CAP 4096
/* The longest report_json a window takes (as PutProfile's profile_json). */
#define MAX_REPORT (64 << 20)

static const char *const PROPS[] = { "report", "rows", "start_ms", "end_ms", "drifted", "max_psi", "profile_id",
	"model_id" };
static const Mlmd__Pb__PropertyType PTYPES[] = { MLMD__PB__PROPERTY_TYPE__STRING, MLMD__PB__PROPERTY_TYPE__INT,
	MLMD__PB__PROPERTY_TYPE__INT, MLMD__PB__PROPERTY_TYPE__INT, MLMD__PB__PROPERTY_TYPE__BOOLEAN,
	MLMD__PB__PROPERTY_TYPE__DOUBLE, MLMD__PB__PROPERTY_TYPE__INT, MLMD__PB__PROPERTY_TYPE__INT };
#define NPROPS (sizeof PROPS / sizeof PROPS[0])

/* The id of mlmd.DriftWindow, created or extended with its properties. */
static int drift_type(call *c, int64_t *id)
{
	return mlmd__track_artifact_type(c, DRIFT_TYPE, NPROPS, PROPS, PTYPES, id);
}

/* Loads execution `id` and checks it is a serving execution. */
static int serving_execution(call *c, int has_id, int64_t id, const char *what)
{
	if (!has_id || id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: serving_execution_id is required", what);
	ProtobufCMessage *m = NULL;
	int rc = mlmd__node_load(c, &mlmd__execution_kind, id, &m);
	if (rc)
		return rc;
	if (!m)
		return mlmd__fail(MLMD_NOT_FOUND, "%s: no execution %lld", what, (long long)id);
	const Mlmd__Pb__Execution *e = (const Mlmd__Pb__Execution *)m;
	if (!e->type || strcmp(e->type, SERVING_TYPE) != 0)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: execution %lld is not a serving execution (its type is "
			"'%s', not '%s')", what, (long long)id, e->type ? e->type : "", SERVING_TYPE);
	protobuf_c_message_free_unpacked(m, NULL);
	return rc;
}

/* INVALID_ARGUMENT unless report_json is one JSON object (what
 * GetDriftWindows hands out and `mlmd drift --store --json` embeds). */
static int check_report(const char *what, const char *json)
{
	size_t len = strlen(json);
	if (len > MAX_REPORT)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: report_json is %zu bytes, more than the %d allowed", what,
			len, MAX_REPORT);
	mlmd_json_reader *r = NULL;
	int rc = mlmd_json_reader_new(&r, json, len, MLMD_JSON_MAX_DEPTH);
	if (rc)
		return mlmd__context(rc, "%s: report_json", what);
	int tok = mlmd_json_next(r, NULL, NULL);
	if (tok >= 0 && tok != MLMD_JSON_OBJECT)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: report_json is not a JSON object", what);
	while (!rc && tok > 0)
		tok = mlmd_json_next(r, NULL, NULL);
	if (!rc && tok < 0)
		rc = mlmd__context(tok, "%s: report_json", what);
	mlmd_json_reader_free(r);
	return rc;
}

/* The end of the longest prefix of s[0..n) that does not cut a UTF-8
 * sequence (s is valid UTF-8 when whole). */
static size_t utf8_prefix(const char *s, size_t n)
{
	size_t len = strlen(s);
	if (len < n)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

int mlmd__gov_PutDriftWindow(call *c, const Mlmd__Pb__Governance__PutDriftWindowRequest *rq,
	Mlmd__Pb__Governance__PutDriftWindowResponse *rs)
{
	static const char what[] = "PutDriftWindow";
	int rc;
	if ((rc = mlmd__dg_need_schema(c, what)) ||
		(rc = serving_execution(c, rq->has_serving_execution_id, rq->serving_execution_id, what)))
		return rc;
	if (!rq->has_model_artifact_id || rq->model_artifact_id <= 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: model_artifact_id is required", what);
	if ((rc = mlmd__dg_node_state(c, KIND_ARTIFACT, rq->model_artifact_id)) < 0)
		return rc;
	if (rc == DG_TOMBSTONE)
		return mlmd__fail(MLMD_NOT_FOUND, "%s: model artifact %lld was deleted (a tombstone)", what,
			(long long)rq->model_artifact_id);
	if (rq->profile_artifact_id < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: profile_artifact_id %lld is not an id (0: none)", what,
			(long long)rq->profile_artifact_id);
	if (isnan(rq->max_psi) || rq->max_psi < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: max_psi %g is not a PSI (a number >= 0)", what,
			rq->max_psi);
	if (rq->rows < 0 || rq->start_ms < 0 || rq->end_ms < rq->start_ms)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: rows %lld, start_ms %lld, end_ms %lld: rows must not be "
			"negative nor the window end before it starts", what, (long long)rq->rows, (long long)rq->start_ms,
			(long long)rq->end_ms);
	if (!rq->report_json || !rq->report_json[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: report_json is required", what);
	if ((rc = check_report(what, rq->report_json)))
		return rc;
	if (rq->drifted && rq->has_deployment_context_id) {
		if ((rc = mlmd__node_exists(c, &mlmd__context_kind, rq->deployment_context_id)) < 0)
			return rc;
		if (!rc)
			return mlmd__fail(MLMD_NOT_FOUND, "%s: no context %lld (deployment_context_id)", what,
				(long long)rq->deployment_context_id);
	}
	int64_t type_id;
	if ((rc = drift_type(c, &type_id)))
		return rc;
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	if (!a)
		return MLMD_OOM();
	a->has_type_id = 1;
	a->type_id = type_id;
	a->has_state = 1;
	a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
	rc = mlmd_node_set_string(a, 0, "report", rq->report_json);
	rc = rc ? rc : mlmd_node_set_int(a, 0, "rows", rq->rows);
	rc = rc ? rc : mlmd_node_set_int(a, 0, "start_ms", rq->start_ms);
	rc = rc ? rc : mlmd_node_set_int(a, 0, "end_ms", rq->end_ms);
	rc = rc ? rc : mlmd_node_set_bool(a, 0, "drifted", rq->drifted);
	rc = rc ? rc : mlmd_node_set_double(a, 0, "max_psi", rq->max_psi);
	rc = rc ? rc : mlmd_node_set_int(a, 0, "profile_id", rq->profile_artifact_id);
	rc = rc ? rc : mlmd_node_set_int(a, 0, "model_id", rq->model_artifact_id);
	int64_t id = 0;
	put_opts po = { 0 };
	if (!rc) {
		mlmd__node_batch(c, &mlmd__artifact_kind, (void *const *)&a, 1);
		rc = mlmd__node_put(c, &mlmd__artifact_kind, &a->base, &po, &id);
	}
	mlmd_message_free(a);
	if (rc)
		return rc;
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = ev.has_milliseconds_since_epoch = 1;
	ev.artifact_id = id;
	ev.execution_id = rq->serving_execution_id;
	ev.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	ev.milliseconds_since_epoch = c->now;
	if ((rc = mlmd__event_put(c, &ev)))
		return rc;
	rs->has_window_artifact_id = 1;
	rs->window_artifact_id = id;
	if (rq->drifted && rq->has_deployment_context_id) {
		char reason[REASON_CAP];
		int head = snprintf(reason, sizeof reason, "drift window %lld of serving execution %lld%s",
			(long long)id, (long long)rq->serving_execution_id, rq->reason && rq->reason[0] ? ": " : "");
		if (rq->reason && head > 0 && (size_t)head < sizeof reason) { /* cut on a character boundary */
			size_t n = utf8_prefix(rq->reason, sizeof reason - 1 - (size_t)head);
			memcpy(reason + head, rq->reason, n);
			reason[head + n] = 0;
		}
		Mlmd__Pb__Governance__ClassifyRequest cq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
		Mlmd__Pb__Governance__ClassifyResponse cs = MLMD__PB__GOVERNANCE__CLASSIFY_RESPONSE__INIT;
		cq.has_kind = cq.has_id = 1;
		cq.kind = mlmd__dg_wire_kind(KIND_CONTEXT);
		cq.id = rq->deployment_context_id;
		cq.label = (char *)"DRIFTED";
		cq.reason = reason;
		if ((rc = mlmd__gov_Classify(c, &cq, &cs)))
			return mlmd__context(rc, "%s: labelling context %lld DRIFTED", what,
				(long long)rq->deployment_context_id);
		rs->has_labelled = rs->labelled = 1;
	}
	return 0;
}

static int64_t prop_int(const Mlmd__Pb__Artifact *a, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(a, 0, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE ? v->int_value : 0;
}

int mlmd__gov_GetDriftWindows(call *c, const Mlmd__Pb__Governance__GetDriftWindowsRequest *rq,
	Mlmd__Pb__Governance__GetDriftWindowsResponse *rs)
{
	static const char what[] = "GetDriftWindows";
	int rc;
	if ((rc = mlmd__dg_need_schema(c, what)) ||
		(rc = serving_execution(c, rq->has_serving_execution_id, rq->serving_execution_id, what)))
		return rc;
	if (rq->last < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: last %d is negative (0: all)", what, rq->last);
	int64_t type_id = 0;
	if ((rc = mlmd__track_find_type(c, KIND_ARTIFACT, DRIFT_TYPE, &type_id)) || !type_id)
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT a.id FROM event e JOIN artifact a ON a.id = e.artifact_id"
		" WHERE e.execution_id = ? AND e.type = ? AND a.type_id = ? ORDER BY a.id")))
		return rc;
	mlmd__q_i64(&q, 1, rq->serving_execution_id);
	mlmd__q_i64(&q, 2, MLMD__PB__EVENT__TYPE__OUTPUT);
	mlmd__q_i64(&q, 3, type_id);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *ni = realloc(ids, nc * sizeof *ni);
			if (!ni) {
				rc = MLMD_OOM();
				break;
			}
			ids = ni, cap = nc;
		}
		ids[n++] = mlmd__q_col_i64(&q, 0);
	}
	mlmd__q_done(&q);
	size_t from = rq->last > 0 && (size_t)rq->last < n ? n - (size_t)rq->last : 0;
	void **arts = NULL;
	size_t na = 0;
	if (rc >= 0)
		rc = mlmd__node_load_ids(c, &mlmd__artifact_kind, n ? ids + from : NULL, n - from, 1, &arts, &na);
	free(ids);
	if (rc < 0)
		goto out;
	rc = 0;
	if (na && !(rs->windows = calloc(na, sizeof *rs->windows))) {
		rc = MLMD_OOM();
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		const Mlmd__Pb__Artifact *a = arts[i];
		Mlmd__Pb__Governance__DriftWindow *w = malloc(sizeof *w);
		if (!w) {
			rc = MLMD_OOM();
			break;
		}
		mlmd__pb__governance__drift_window__init(w);
		rs->windows[rs->n_windows++] = w;
		const Mlmd__Pb__Value *rep = mlmd_node_get(a, 0, "report");
		const Mlmd__Pb__Value *dr = mlmd_node_get(a, 0, "drifted");
		const Mlmd__Pb__Value *mp = mlmd_node_get(a, 0, "max_psi");
		w->has_artifact_id = w->has_serving_execution_id = w->has_model_artifact_id = 1;
		w->has_profile_artifact_id = w->has_start_ms = w->has_end_ms = w->has_rows = 1;
		w->has_drifted = w->has_max_psi = 1;
		w->artifact_id = a->id;
		w->serving_execution_id = rq->serving_execution_id;
		w->model_artifact_id = prop_int(a, "model_id");
		w->profile_artifact_id = prop_int(a, "profile_id");
		w->start_ms = prop_int(a, "start_ms");
		w->end_ms = prop_int(a, "end_ms");
		w->rows = prop_int(a, "rows");
		w->drifted = dr && dr->value_case == MLMD__PB__VALUE__VALUE_BOOL_VALUE && dr->bool_value;
		w->max_psi = mp && mp->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE ? mp->double_value : 0;
		if (rep && rep->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && rep->string_value &&
			!(w->report_json = mlmd__strdup(rep->string_value))) {
			rc = MLMD_OOM();
			break;
		}
	}
out:
	for (size_t i = 0; i < na; i++)
		protobuf_c_message_free_unpacked(arts[i], NULL);
	free(arts);
	return rc;
}

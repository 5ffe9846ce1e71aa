/*
 * governance/monitor.c - profiles in the store (mlmd/monitor.h): clients of
 * mlmd.governance.MonitoringService's PutProfile and GetProfile. The
 * profile travels as its JSON form (mlmd_profile_to_json), which the store
 * checks again and stores; GetProfile's JSON is read back with
 * mlmd_profile_from_json.
 */
#include <stdlib.h>
#include <string.h>
#include "gov.h"
#include "mlmd/monitor.h"

int mlmd_profile_record(struct mlmd_store *store, int64_t model_artifact_id, const char *model_ref,
			const mlmd_profile *p, int64_t dataset_artifact_id, const char *name, int64_t *profile_artifact_id)
{
	static const char fn[] = "mlmd_profile_record";
	if (profile_artifact_id)
		*profile_artifact_id = 0;
	if (!p)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: profile is NULL", fn);
	if (dataset_artifact_id < 0 || model_artifact_id < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: a negative artifact id", fn);
	char *json = NULL;
	int rc = mlmd_profile_to_json(p, &json, NULL);
	if (rc)
		return rc;
	Mlmd__Pb__Governance__PutProfileRequest rq = MLMD__PB__GOVERNANCE__PUT_PROFILE_REQUEST__INIT;
	rq.has_model_artifact_id = model_artifact_id != 0;
	rq.model_artifact_id = model_artifact_id;
	rq.model_ref = (char *)model_ref;
	rq.profile_json = json;
	rq.has_dataset_artifact_id = dataset_artifact_id != 0;
	rq.dataset_artifact_id = dataset_artifact_id;
	rq.name = (char *)name;
	Mlmd__Pb__Governance__PutProfileResponse *rs;
	rc = GV_CALL(store, fn, "PutProfile", &rq, put_profile_response, &rs);
	free(json);
	if (rc)
		return rc;
	if (profile_artifact_id)
		*profile_artifact_id = rs->profile_artifact_id;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return 0;
}

int mlmd_profile_get(mlmd_profile **out, struct mlmd_store *store, int64_t model_artifact_id, const char *model_ref,
		     int64_t *profile_artifact_id)
{
	static const char fn[] = "mlmd_profile_get";
	if (profile_artifact_id)
		*profile_artifact_id = 0;
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: out is NULL", fn);
	*out = NULL;
	Mlmd__Pb__Governance__GetProfileRequest rq = MLMD__PB__GOVERNANCE__GET_PROFILE_REQUEST__INIT;
	rq.has_model_artifact_id = model_artifact_id != 0;
	rq.model_artifact_id = model_artifact_id;
	rq.model_ref = (char *)model_ref;
	Mlmd__Pb__Governance__GetProfileResponse *rs;
	int rc = GV_CALL(store, fn, "GetProfile", &rq, get_profile_response, &rs);
	if (rc)
		return rc;
	const char *j = rs->profile_json ? rs->profile_json : "";
	rc = mlmd_profile_from_json(out, j, strlen(j));
	if (rc)
		mlmd__context(rc, "%s: profile artifact %lld", fn, (long long)rs->profile_artifact_id);
	else if (profile_artifact_id)
		*profile_artifact_id = rs->profile_artifact_id;
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}

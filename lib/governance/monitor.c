/*
 * governance/monitor.c - profiles in the store (mlmd/monitor.h): clients of
 * mlmd.governance.MonitoringService's PutProfile and GetProfile.
 */
#include "../util/base.h"
#include "mlmd/monitor.h"

int mlmd_profile_record(struct mlmd_store *store, int64_t model_artifact_id, const char *model_ref,
			const mlmd_profile *p, int64_t dataset_artifact_id, const char *name, int64_t *profile_artifact_id)
{
	(void)store, (void)model_artifact_id, (void)model_ref, (void)p, (void)dataset_artifact_id, (void)name;
	(void)profile_artifact_id;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_profile_record: not written yet (issue 18, helper profiles)");
}

int mlmd_profile_get(mlmd_profile **out, struct mlmd_store *store, int64_t model_artifact_id, const char *model_ref,
		     int64_t *profile_artifact_id)
{
	(void)out, (void)store, (void)model_artifact_id, (void)model_ref, (void)profile_artifact_id;
	return mlmd__fail(MLMD_UNIMPLEMENTED, "mlmd_profile_get: not written yet (issue 18, helper profiles)");
}

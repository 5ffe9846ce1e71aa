/*
 * monitor/profile.c - reference profiles (mlmd/monitor.h): built from
 * columns, binned, compared with a window's counts, and their JSON form.
 */
#include <math.h>
#include "../util/base.h"
#include "mlmd/monitor.h"

#define TODO(f) mlmd__fail(MLMD_UNIMPLEMENTED, "%s: not written yet (issue 18, helper profiles)", f)

int mlmd_profile_build(mlmd_profile **out, const mlmd_profile_input *columns, size_t n_columns,
		       const mlmd_profile_options *opts)
{
	(void)out, (void)columns, (void)n_columns, (void)opts;
	return TODO("mlmd_profile_build");
}
int mlmd_profile_set_classes(mlmd_profile *p, const char *output, const char *const *classes, size_t n)
{
	(void)p, (void)output, (void)classes, (void)n;
	return TODO("mlmd_profile_set_classes");
}
int mlmd_profile_set_scores(mlmd_profile *p, const char *output, const double *scores, size_t n)
{
	(void)p, (void)output, (void)scores, (void)n;
	return TODO("mlmd_profile_set_scores");
}
int mlmd_profile_to_json(const mlmd_profile *p, char **json, size_t *len)
{
	(void)p, (void)json, (void)len;
	return TODO("mlmd_profile_to_json");
}
int mlmd_profile_from_json(mlmd_profile **out, const char *json, size_t len)
{
	(void)out, (void)json, (void)len;
	return TODO("mlmd_profile_from_json");
}
void mlmd_profile_free(mlmd_profile *p) { (void)p; }
int64_t mlmd_profile_rows(const mlmd_profile *p) { (void)p; return 0; }
size_t mlmd_profile_column_count(const mlmd_profile *p) { (void)p; return 0; }
const mlmd_profile_column *mlmd_profile_column_at(const mlmd_profile *p, size_t i) { (void)p, (void)i; return NULL; }
int mlmd_profile_column_index(const mlmd_profile *p, const char *name) { (void)p, (void)name; return -1; }
const mlmd_profile_outputs *mlmd_profile_outputs_get(const mlmd_profile *p) { (void)p; return NULL; }
int mlmd_profile_bin(const mlmd_profile *p, size_t column, double x) { (void)p, (void)column, (void)x; return 0; }
int mlmd_profile_category(const mlmd_profile *p, size_t column, const char *value)
{
	(void)p, (void)column, (void)value;
	return 0;
}
int mlmd_profile_compare(const mlmd_profile *p, size_t column, const int64_t *counts, int64_t missing,
			 const mlmd_drift_thresholds *th, mlmd_drift_column *out)
{
	(void)p, (void)column, (void)counts, (void)missing, (void)th, (void)out;
	return TODO("mlmd_profile_compare");
}

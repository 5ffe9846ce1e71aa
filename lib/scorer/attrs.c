/*
 * scorer/attrs.c - what the operators' prepare functions read their nodes
 * through: the attribute getters (over whichever attribute source the loader
 * supplies, see ops.h), the constant inputs, and post_transform names.
 */
#include <stdio.h>
#include <string.h>
#include "ops.h"

/* ---- attributes -------------------------------------------------------------------- */

bool mlmd__sc_has(sc_node *n, sc_load *L, const char *name)
{
	(void)n;
	return L->src && L->src->has(L->attrs, name);
}

int mlmd__sc_get_int(sc_node *n, sc_load *L, const char *name, int64_t def, int64_t *out)
{
	*out = def;
	int rc = L->src ? L->src->get_int(L->attrs, n, name, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_float(sc_node *n, sc_load *L, const char *name, double def, double *out)
{
	*out = def;
	int rc = L->src ? L->src->get_float(L->attrs, n, name, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_string(sc_node *n, sc_load *L, const char *name, const char *def, const char **out)
{
	*out = def;
	int rc = L->src ? L->src->get_string(L->attrs, n, L->pool, name, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_floats(sc_node *n, sc_load *L, const char *name, size_t *count, const float **out)
{
	*count = 0;
	*out = NULL;
	int rc = L->src ? L->src->get_floats(L->attrs, n, L->pool, name, count, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_ints(sc_node *n, sc_load *L, const char *name, size_t *count, const int64_t **out)
{
	*count = 0;
	*out = NULL;
	int rc = L->src ? L->src->get_ints(L->attrs, n, L->pool, name, count, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_strings(sc_node *n, sc_load *L, const char *name, size_t *count, const char *const **out)
{
	*count = 0;
	*out = NULL;
	int rc = L->src ? L->src->get_strings(L->attrs, n, L->pool, name, count, out) : 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_tensor(sc_node *n, sc_load *L, const char *name, bool *found, tensor *out)
{
	int rc = L->src ? L->src->get_tensor(L->attrs, n, L->pool, name, out) : 0;
	*found = rc > 0;
	return rc < 0 ? rc : 0;
}

int mlmd__sc_get_doubles_or_tensor(sc_node *n, sc_load *L, const char *name, size_t *count, double **out)
{
	char tname[96];
	snprintf(tname, sizeof tname, "%s_as_tensor", name);
	*count = 0;
	*out = NULL;
	bool found;
	tensor t;
	int rc = mlmd__sc_get_tensor(n, L, tname, &found, &t);
	if (rc)
		return rc;
	if (found) {
		if (t.dtype != MLMD_DTYPE_FLOAT && t.dtype != MLMD_DTYPE_DOUBLE)
			return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "attribute '%s' must be a FLOAT or DOUBLE tensor", tname);
		size_t k = t.capacity;
		double *v = mlmd__sc_alloc_array(L->pool, k, sizeof *v);
		if (!v)
			return MLMD_OOM();
		for (size_t i = 0; i < k; i++)
			v[i] = t.dtype == MLMD_DTYPE_FLOAT ? ((float *)t.data)[i] : ((double *)t.data)[i];
		*count = k;
		*out = v;
		return 0;
	}
	const float *f;
	size_t k;
	if ((rc = mlmd__sc_get_floats(n, L, name, &k, &f)))
		return rc;
	double *v = mlmd__sc_alloc_array(L->pool, k, sizeof *v);
	if (!v)
		return MLMD_OOM();
	for (size_t i = 0; i < k; i++)
		v[i] = f[i];
	*count = k;
	*out = v;
	return 0;
}

const tensor *mlmd__sc_const_input(const sc_node *n, sc_load *L, int i)
{
	if (i >= n->nin || n->in[i] < 0 || !L->m->values[n->in[i]].is_const)
		return NULL;
	return &L->m->values[n->in[i]].t;
}

int mlmd__sc_parse_post(const sc_node *n, const char *s, sc_post *out)
{
	static const char *const names[] = { "NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (sc_post)i;
			return 0;
		}
	return mlmd__sc_fail(n, MLMD_INVALID_ARGUMENT, "unknown post_transform '%s'", s);
}

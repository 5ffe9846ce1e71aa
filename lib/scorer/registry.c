/*
 * scorer/registry.c - the operator registry: every table of operators (one
 * per file of operators, see ops.h) and the lookup loaders use to find a
 * node's operator.
 */
#include <string.h>
#include "ops.h"

/* ---- the registry ------------------------------------------------------------------ */

const sc_op *mlmd__sc_find_op(const char *domain, const char *name)
{
	const sc_op *tables[] = { mlmd__sc_ops_elementwise, mlmd__sc_ops_reduce, mlmd__sc_ops_linalg, mlmd__sc_ops_shape,
		mlmd__sc_ops_ml, mlmd__sc_ops_tree };
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const sc_op *o = tables[t]; o->name; o++)
			if (strcmp(o->domain, domain) == 0 && strcmp(o->name, name) == 0)
				return o;
	return NULL;
}

/*
 * scorer/explain_tree.c - the tree engine of explanations: covers and
 * path-dependent TreeSHAP (explain.h).
 */
#include "explain.h"

int mlmd__sc_xeng_trees(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background, size_t n_background)
{
	(void)out, (void)m, (void)background, (void)n_background;
	return 1; /* not written yet (issue 18, helper treeshap): no model is a tree ensemble to it */
}

/*
 * lib/scorer/explain_tree.h - what the tree engine of explanations
 * (explain_tree.c) offers the PMML tree converter (explain_tree_pmml.c).
 */
#ifndef MLMD_SCORER_EXPLAIN_TREE_H
#define MLMD_SCORER_EXPLAIN_TREE_H

#include "explain.h"
#include "trees.h"

/* explain_tree.c: an engine over the trees `src` describes (src->cover
 * required, one per node), built into the engine's own memory; their column
 * j is the model's feature feats[j] (nf columns). K = src->n_targets
 * margins, labelled `labels` when K > 1. A vote weight of NaN marks a leaf
 * where the model gives no prediction: rows reaching it get NaN margins and
 * contributions. `what` names the model in errors. */
int mlmd__sc_xeng_trees_src(sc_xeng **out, const mlmd_model *m, const sc_tree_src *src, const sc_xfeat *feats,
	int64_t nf, const char *const *labels, const char *what);

/* explain_tree_pmml.c: a PMML TreeModel, or a MiningModel of TreeModels,
 * as trees with their recordCounts as covers. 1 when the model is not one. */
int mlmd__sc_xeng_pmml_trees(sc_xeng **out, const mlmd_model *m);

#endif

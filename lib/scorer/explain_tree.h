/*
 * lib/scorer/explain_tree.h - the tree engine of explanations
 * (explain_tree.c) and what finds a model's trees (explain_tree_model.c,
 * explain_tree_pmml.c).
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

/* explain_tree.c: an engine over the trees T (whose view's nodes have the
 * covers `cover`), whose columns are the model's features feats (n_cols
 * of them), or with feats NULL input 0's columns (an [N, n_cols] matrix,
 * XGBoost). binary_id >= 0 explains that target alone (one margin); given
 * names the features (else as the explainer names traced features). */
int mlmd__sc_xtree_engine(sc_xeng **out, const mlmd_model *m, const sc_trees *T, const double *cover,
	const sc_xfeat *feats, int64_t n_cols, int binary_id, const char *const *given, const int64_t *labels_int,
	const char *const *labels_str, const char *what);
/* explain_tree.c: cover[i] += how many of the n rows of x (n x nc) reach
 * node i of the view, walking as the model does. */
void mlmd__sc_xtree_count_covers(const sc_tree_view *v, const double *x, int64_t n, int64_t nc, double *cover);

/* explain_tree_pmml.c: a PMML TreeModel, or a MiningModel of TreeModels,
 * as trees with their recordCounts as covers. 1 when the model is not one. */
int mlmd__sc_xeng_pmml_trees(sc_xeng **out, const mlmd_model *m);

#endif

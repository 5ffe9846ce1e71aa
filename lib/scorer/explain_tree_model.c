/*
 * scorer/explain_tree_model.c - which trees a model's explanation covers
 * (explain_tree.h): XGBoost JSON's booster (covers: sum_hessian, feature
 * names from the JSON), the ONNX tree ensemble at the model's core (covers
 * counted from the background sample, columns traced to the model's
 * inputs), PMML's TreeModels (explain_tree_pmml.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "explain_tree.h"

int mlmd__sc_xeng_trees(sc_xeng **out, const mlmd_model *m, const mlmd_tensor *background, size_t n_background)
{
	const sc_trees *T = NULL;
	const char *const *given = NULL;
	const int64_t *labels_int = NULL;
	const char *const *labels_str = NULL;
	const sc_node *node = NULL;
	int n_features = 0, binary_id = -1;
	bool softprob = false, classifier = false, onnx = false; /* softprob: labels are the class indexes */
	if (!strcmp(m->format, "pmml"))
		return mlmd__sc_xeng_pmml_trees(out, m);
	if (!strcmp(m->format, "xgboost-json") && m->n_nodes == 1 &&
		!mlmd__sc_xgb_explain_info(&m->nodes[0], &T, &given, &n_features, &softprob)) {
		node = &m->nodes[0];
	} else {
		int rc = mlmd__sc_explain_core(m, &node);
		if (rc)
			return rc;
		if (mlmd__sc_onnx_trees_explain_info(node, &T, &classifier, &binary_id, &labels_int, &labels_str))
			return 1; /* a linear model */
		onnx = true;
	}
	sc_tree_view v;
	mlmd__sc_trees_view(T, &v);
	sc_pool pool = { 0 };
	sc_xfeat *feats = NULL;
	int64_t nf = n_features;
	double *counted = NULL;
	int rc = 0;
	char what[300];
	snprintf(what, sizeof what, "model %s: node '%s'", m->format, node->name);
	if (onnx) {
		if ((rc = mlmd__sc_explain_trace(m, node, &pool, &feats, &nf)))
			goto out;
		if (nf < mlmd__sc_trees_n_features(T) || nf > 10000000) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the trees use %d features, the input has %lld columns",
				what, mlmd__sc_trees_n_features(T), (long long)nf);
			goto out;
		}
		int64_t rows = n_background && background && background[0].rank >= 1 ? background[0].dims[0] : 0;
		if (!background || rows < 1) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "model node '%s' (%s): ONNX tree ensembles carry no node "
				"covers: give a background sample (--background) to count them from", node->name, node->op->name);
			goto out;
		}
		if ((uint64_t)rows > SIZE_MAX / sizeof(double) / (uint64_t)(nf > 0 ? nf : 1)) {
			rc = MLMD_OOM();
			goto out;
		}
		double *bx = malloc((size_t)rows * (size_t)nf * sizeof *bx + 1);
		counted = calloc((size_t)v.n_nodes + 1, sizeof *counted);
		if (!bx || !counted) {
			free(bx);
			rc = MLMD_OOM();
			goto out;
		}
		rc = mlmd__sc_explain_gather(background, n_background, feats, nf, rows, bx);
		if (!rc)
			mlmd__sc_xtree_count_covers(&v, bx, rows, nf, counted);
		free(bx);
		if (rc)
			goto out;
	} else if (!v.cover) {
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "%s: the trees have no sum_hessian (node covers); save the "
			"model with XGBoost >= 1.0's JSON format", what);
		goto out;
	}
	rc = mlmd__sc_xtree_engine(out, m, T, counted ? counted : v.cover, feats, nf, binary_id, given, labels_int,
		labels_str, what);
out:
	free(counted);
	mlmd__sc_pool_free(&pool);
	return rc;
}

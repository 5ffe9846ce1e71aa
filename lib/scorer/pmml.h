/*
 * lib/scorer/pmml.h - the PMML loader's internals: the element tree built
 * from the XML (pmml_xml.c) and the compiled model (pmml.c).
 */
#ifndef MLMD_PMML_H
#define MLMD_PMML_H

#include "sc.h"

/* One XML element. Names are local (namespace stripped); attribute values
 * and text are NUL-terminated copies in the pool. */
typedef struct px {
	const char *name;
	const char **attr;       /* name, value, ..., NULL */
	struct px *first, *last, *next, *parent;
	char *text;              /* character data, NULL if none */
	size_t tlen, tcap;
	int line;
	bool foreign;            /* outside the PMML namespaces */
} px;

int px_parse(sc_pool *pool, const char *data, size_t len, px **root);
const char *px_attr(const px *n, const char *name);
px *px_child(const px *n, const char *name);     /* first PMML child of that name */
px *px_next(const px *n, const char *name);      /* next PMML sibling of that name */

int sc_load_pmml(mlmd_model *m, const char *data, size_t len);
/* How many of a PMML model's TreeModels were compiled into the tree engine and how
 * many are walked node by node (tests and `mlmd model info`); -1 if m is not PMML. */
int sc_pmml_tree_counts(const mlmd_model *m, int *engine, int *walked);

#endif

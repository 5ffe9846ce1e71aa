/*
 * lib/scorer/pmml_xml.h - a PMML document as a small element tree, built
 * with expat (pmml_xml.c).
 */
#ifndef MLMD_SCORER_PMML_XML_H
#define MLMD_SCORER_PMML_XML_H

#include <stdbool.h>
#include <stddef.h>
#include "tensor.h"

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

int mlmd__px_parse(sc_pool *pool, const char *data, size_t len, px **root);
const char *mlmd__px_attr(const px *n, const char *name);
px *mlmd__px_child(const px *n, const char *name);     /* first PMML child of that name */
px *mlmd__px_next(const px *n, const char *name);      /* next PMML sibling of that name */

#endif

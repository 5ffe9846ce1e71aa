/*
 * tests/ol_helpers.h - what the OpenLineage import suites (test_openlineage_import,
 * test_openlineage_hostile) share: two run ids, and the problems an import tells its
 * callback, kept for the test to look at.
 */
#ifndef MLMD_TEST_OL_HELPERS_H
#define MLMD_TEST_OL_HELPERS_H

#include <stdio.h>
#include "helpers.h"

#define RUN1 "0c5e4a4e-1f1a-4c7e-9a55-000000000001"
#define RUN2 "0c5e4a4e-1f1a-4c7e-9a55-000000000002"

/* Problems told by the import: how many, and the lines and messages of the first 32. */
typedef struct problems {
	size_t n;
	size_t line[32];
	char msg[32][400];
} problems;

/* The import's problem callback; user is a problems. */
static inline void on_problem(size_t line, const char *message, void *user)
{
	problems *p = user;
	if (p->n < 32) {
		p->line[p->n] = line;
		snprintf(p->msg[p->n], sizeof p->msg[p->n], "%s", message);
	}
	p->n++;
}

#endif

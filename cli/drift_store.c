/*
 * cli/drift_store.c - mlmd drift --store URI --execution ID: a serving
 * execution's drift windows (docs/cli.md).
 */
#include "cli.h"

int cmd_drift_store(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "mlmd: drift --store: not written yet (issue 18, helper serving)\n");
	return 1;
}

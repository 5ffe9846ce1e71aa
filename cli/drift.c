/*
 * cli/drift.c - mlmd drift (docs/cli.md).
 */
#include "cli.h"

int cmd_drift(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "mlmd: drift: not written yet (issue 18, helper stats)\n");
	return 1;
}

/*
 * cli/explain.c - mlmd explain (docs/cli.md).
 */
#include "cli.h"

int cmd_explain(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "mlmd: explain: not written yet (issue 18, helper explain)\n");
	return 1;
}

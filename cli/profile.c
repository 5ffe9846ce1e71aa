/*
 * cli/profile.c - mlmd profile (docs/cli.md).
 */
#include "cli.h"

int cmd_profile(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "mlmd: profile: not written yet (issue 18, helper profiles)\n");
	return 1;
}

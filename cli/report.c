/*
 * cli/report.c - `mlmd report`: the store as one self-contained HTML page
 * (owner: the report).
 */
#include <stdio.h>
#include <mlmd.h>
#include "cli.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failed("report: not written yet");
}

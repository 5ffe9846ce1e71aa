/*
 * cli/serve.c - `mlmd serve`: the store's RPCs over gRPC until SIGTERM
 * (server/server.h, docs/server.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <mlmd.h>
#include "cli.h"
#include "server/server.h"

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failed("serve: not written yet");
}

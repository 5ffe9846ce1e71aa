/*
 * cli/upgrade.c - `mlmd upgrade`: migrates a store's schema to this
 * library's version (what MLMD's enable_upgrade_migration does), so that an
 * older store gains experiment tracking (3), the registry and the audit log
 * (4) and data governance (5). Stores open without it as they are.
 */
#include <stdio.h>
#include <mlmd.h>
#include "cli.h"

int cmd_upgrade(int argc, char **argv)
{
	const cli_opt opts[] = { CLI_END };
	const cli_cmd cmd = { "upgrade", NULL, 0, 0,
		"Migrates the store's schema to this library's version (tracking: 3, registry and audit: 4, data\n"
		"governance: 5), in one transaction; an up-to-date store is left as it is. Prints the versions.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	int before = mlmd_store_schema_version(s);
	mlmd_store_free(s);
	if (before >= mlmd_schema_version()) {
		printf("upgrade: the store is at schema version %d already\n", before);
		return 0;
	}
	if (cli_open_store_upgrade(cli_g.store, &s))
		return EXIT_FAILED;
	printf("upgrade: schema version %d -> %d\n", before, mlmd_store_schema_version(s));
	mlmd_store_free(s);
	return 0;
}

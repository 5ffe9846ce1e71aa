/*
 * cli/gc.c - mlmd gc: the store's compaction step after deletions
 * (mlmd_store_gc, docs/datagov.md): SQLite checkpoints and truncates its
 * WAL (--full: VACUUM too), PostgreSQL VACUUMs (--full: VACUUM FULL).
 */
#include <stdio.h>
#include "cli.h"

int cmd_gc(int argc, char **argv)
{
	bool full = false, json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--full", "also rebuild the files (SQLite: VACUUM; PostgreSQL: VACUUM FULL, which locks each "
			 "table while it runs)", &full),
		CLI_FLAG("--json", "one JSON object on stdout: complete, pages_freed, detail", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "gc", NULL, 0, 0,
		"Erases what deletions left in the database's files: SQLite zeroes freed space as it goes\n"
		"(secure_delete) and gc checkpoints and truncates the WAL; PostgreSQL VACUUMs the node, property,\n"
		"metric and label tables. Exit status 0 when no deleted byte remains in the database's files, 1\n"
		"when something held it back (another process reading an old snapshot; PostgreSQL without\n"
		"--full, whose plain VACUUM leaves the bytes in place) or the call failed.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	if (cli_open_store(cli_g.store, &s, true))
		return EXIT_FAILED;
	mlmd_gc_result r;
	if (mlmd_store_gc(s, full, &r)) {
		rc = cli_failed("gc: %s", mlmd_error_message());
		mlmd_store_free(s);
		return rc;
	}
	mlmd_store_free(s);
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w)
			return EXIT_FAILED;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "complete");
		mlmd_json_bool(w, r.complete);
		mlmd_json_key(w, "pages_freed");
		mlmd_json_int(w, r.pages_freed);
		mlmd_json_key(w, "detail");
		mlmd_json_string(w, r.detail);
		mlmd_json_object_end(w);
		if ((rc = cli_json_done(w)))
			return rc;
	} else if (r.complete) {
		printf("gc: %s\n", r.detail);
	}
	if (!r.complete)
		return cli_failed("gc: incomplete: %s", r.detail);
	return 0;
}

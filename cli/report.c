/*
 * cli/report.c - `mlmd report`: the store as one self-contained HTML page
 * (mlmd_report_write, docs/cli.md, docs/interoperability.md).
 *
 * With --output the page goes to a temporary file beside FILE, renamed over
 * it only once the whole page is written: a failure leaves FILE as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <mlmd.h>
#include "cli.h"

int cmd_report(int argc, char **argv)
{
	const char *output = NULL, *run = NULL, *model = NULL, *title = NULL;
	int64_t artifact = 0, max_nodes = 0;
	const cli_opt opts[] = {
		CLI_STR("--output", "FILE", "write the page to FILE (default: standard output)", &output),
		CLI_INT("--artifact", "ID", "draw the lineage of this artifact", &artifact, 1, INT64_MAX),
		CLI_STR("--run", "ID", "... of this run (its execution id, as 'mlmd runs ls' shows it)", &run),
		CLI_STR("--model", "NAME", "... of this registered model's latest version", &model),
		CLI_STR("--title", "T", "the page's title (default 'mlmd report')", &title),
		CLI_INT("--max-nodes", "N", "nodes in the lineage graph (default 300, at most 5000)", &max_nodes, 1, 5000),
		CLI_END,
	};
	const cli_cmd cmd = { "report", NULL, 0, 0,
		"Writes one self-contained HTML page about the store (inline CSS, JavaScript and SVG; it loads nothing\n"
		"from a network and opens from disk): the types and their node counts, the lineage graph of one node\n"
		"(by default the newest model; click a node for its properties), the experiments' runs with their\n"
		"parameters, latest metrics and metric charts, the registry, serving records and drift windows.\n"
		"At most one of --artifact, --run and --model. The page holds the store's data: share it as you would\n"
		"the store. Bounds and layout: docs/interoperability.md.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((artifact != 0) + (run != NULL) + (model != NULL) > 1)
		return cli_usage("report: give at most one of --artifact, --run and --model");
	if (run && (!*run || strspn(run, "0123456789") != strlen(run)))
		return cli_usage("report: run '%s' is not a run id: a run is named by its execution id, a decimal number "
				 "such as 42", run);
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	mlmd_report_options o = MLMD_REPORT_OPTIONS_INIT;
	o.artifact_id = artifact;
	o.run = run;
	o.model = model;
	o.title = title;
	o.max_nodes = max_nodes;
	FILE *f = stdout;
	char *tmp = NULL;
	if (output) {
		size_t n = strlen(output) + 16;
		if (!(tmp = malloc(n))) {
			mlmd_store_free(s);
			return cli_failed("out of memory");
		}
		snprintf(tmp, n, "%s.tmp-XXXXXX", output);
		int fd = mkstemp(tmp);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			rc = cli_failed("report: cannot write '%s': %s", output, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			mlmd_store_free(s);
			return rc;
		}
		mode_t um = umask(0); /* mkstemp makes 0600; give the page the mode a new file would get */
		umask(um);
		fchmod(fd, 0666 & ~um);
	}
	if (mlmd_report_write(s, &o, f)) {
		rc = cli_failed("%s", mlmd_error_message());
	}
	long size = output ? ftell(f) : 0;
	if (output) {
		if (fclose(f) != 0 && !rc)
			rc = cli_failed("report: writing '%s' failed: %s", output, strerror(errno));
		if (!rc && rename(tmp, output) != 0)
			rc = cli_failed("report: cannot write '%s': %s", output, strerror(errno));
		if (rc)
			unlink(tmp);
		else
			printf("wrote %s (%ld bytes)\n", output, size);
		free(tmp);
	}
	mlmd_store_free(s);
	return rc;
}

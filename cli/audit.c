/*
 * cli/audit.c - audit log, audit verify and audit checkpoint: the store's
 * audit chain read, verified and checkpointed through the C API
 * (mlmd/audit.h). docs/cli.md, docs/audit.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "tracking.h"

#define AUDIT_PAGE 1000

static void record_json(mlmd_json_writer *w, const mlmd_audit_record *r)
{
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "seq");
	mlmd_json_int(w, r->seq);
	mlmd_json_key(w, "time_ms");
	mlmd_json_int(w, r->time_ms);
	mlmd_json_key(w, "actor");
	mlmd_json_string(w, r->actor);
	mlmd_json_key(w, "operation");
	mlmd_json_string(w, r->operation);
	mlmd_json_key(w, "ids");
	mlmd_json_string(w, r->ids);
	mlmd_json_key(w, "request_sha256");
	mlmd_json_string(w, r->request_sha256);
	mlmd_json_key(w, "prev_hash");
	mlmd_json_string(w, r->prev_hash);
	mlmd_json_key(w, "hash");
	mlmd_json_string(w, r->hash);
	mlmd_json_object_end(w);
}

/* ---- audit log ------------------------------------------------------------------------------- */

static int audit_log(int argc, char **argv)
{
	int64_t since = 0, limit = 0;
	bool json = false;
	const cli_opt opts[] = {
		CLI_INT("--since", "SEQ", "only the records after record SEQ", &since, 0, INT64_MAX),
		CLI_INT("--limit", "N", "at most N records (default: every one)", &limit, 1, INT64_MAX),
		CLI_FLAG("--json", "one JSON object on stdout: {\"records\": [...], \"last_seq\"} (times in ms since "
			"the epoch)", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "audit log", NULL, 0, 0,
		"Prints the audit log, oldest first: one record per write to the store (MLMD's, tracking's and the\n"
		"registry's calls), with its sequence number, time, actor, operation and the ids it touched. With\n"
		"--json each record also has the SHA-256 of its request and its chain hashes.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	mlmd_json_writer *w = NULL;
	trk_table t = { 0 };
	if (json && !(w = cli_json_stdout())) {
		mlmd_store_free(s);
		return EXIT_FAILED;
	}
	if (w) {
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "records");
		mlmd_json_array_begin(w);
	} else if (trk_table_init(&t, 1, 5)) {
		mlmd_store_free(s);
		return cli_failed("out of memory");
	} else {
		static const char *const head[] = { "SEQ", "TIME", "ACTOR", "OPERATION", "IDS" };
		trk_table_head(&t, head, 5);
	}
	int64_t after = since, count = 0, last_seq = 0;
	for (;;) {
		mlmd_audit_log *log;
		int64_t left = limit ? limit - count : AUDIT_PAGE;
		if ((rc = mlmd_audit_log_read(&log, s, after, (int)(left < AUDIT_PAGE ? left : AUDIT_PAGE)))) {
			rc = cli_failed("audit log: %s", mlmd_error_message());
			break;
		}
		last_seq = log->last_seq;
		if (!w && log->n) {
			/* grow the table by this page */
			char **cell = realloc(t.cell, (t.rows + log->n) * t.cols * sizeof *cell);
			if (!cell) {
				mlmd_audit_log_free(log);
				rc = cli_failed("out of memory");
				break;
			}
			memset(cell + t.rows * t.cols, 0, log->n * t.cols * sizeof *cell);
			t.cell = cell;
		}
		for (size_t i = 0; i < log->n; i++) {
			const mlmd_audit_record *r = &log->records[i];
			if (w) {
				record_json(w, r);
				continue;
			}
			char buf[64];
			size_t row = t.rows++;
			snprintf(buf, sizeof buf, "%lld", (long long)r->seq);
			trk_table_set(&t, row, 0, buf);
			trk_table_set(&t, row, 1, cli_time_iso(buf, sizeof buf, r->time_ms));
			trk_table_set(&t, row, 2, r->actor);
			trk_table_set(&t, row, 3, r->operation);
			trk_table_set(&t, row, 4, r->ids);
		}
		count += (int64_t)log->n;
		if (log->n)
			after = log->records[log->n - 1].seq;
		size_t n = log->n;
		mlmd_audit_log_free(log);
		if (!n || (limit && count >= limit))
			break;
	}
	if (w) {
		mlmd_json_array_end(w);
		mlmd_json_key(w, "last_seq");
		mlmd_json_int(w, last_seq);
		mlmd_json_object_end(w);
		int done = cli_json_done(w);
		rc = rc ? rc : done;
	} else {
		if (!rc && t.oom)
			rc = cli_failed("out of memory");
		if (!rc && t.rows > 1)
			trk_table_print(&t);
		trk_table_free(&t);
	}
	if (!rc && limit && count >= limit && after < last_seq)
		fprintf(stderr, "mlmd: showing %lld records; the log goes on to record %lld (--since %lld for the "
			"next ones)\n", (long long)count, (long long)last_seq, (long long)after);
	mlmd_store_free(s);
	return rc;
}

/* ---- audit verify ---------------------------------------------------------------------------- */

static int audit_verify(int argc, char **argv)
{
	const char *checkpoint = NULL;
	bool json = false;
	const cli_opt opts[] = {
		CLI_STR("--checkpoint", "SEQ:HASH", "also check that record SEQ still has HASH (as 'mlmd audit "
			"checkpoint' printed it)", &checkpoint),
		CLI_FLAG("--json", "one JSON object on stdout: intact, first_bad_seq, reason, records, last_seq, "
			"last_hash", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "audit verify", NULL, 0, 0,
		"Recomputes the audit chain: every record's hash over its contents, each record's link to the one\n"
		"before, consecutive sequence numbers, and with --checkpoint a hash kept elsewhere (which catches\n"
		"a chain rewritten from its start or cut at its end). Exit status 0 when intact, 1 naming the\n"
		"first bad record (a row edited, deleted or inserted behind the library's back).",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_audit_checkpoint cp;
	if (checkpoint && mlmd_audit_checkpoint_parse(checkpoint, &cp))
		return cli_usage("audit verify: --checkpoint: %s", mlmd_error_message());
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	mlmd_audit_verdict *v;
	if (mlmd_audit_verify(s, checkpoint ? &cp : NULL, &v)) {
		rc = cli_failed("audit verify: %s", mlmd_error_message());
		mlmd_store_free(s);
		return rc;
	}
	if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
		} else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "intact");
			mlmd_json_bool(w, v->intact);
			mlmd_json_key(w, "first_bad_seq");
			if (v->intact)
				mlmd_json_null(w);
			else
				mlmd_json_int(w, v->first_bad_seq);
			mlmd_json_key(w, "reason");
			mlmd_json_string(w, v->intact ? NULL : v->reason);
			mlmd_json_key(w, "records");
			mlmd_json_int(w, v->records);
			mlmd_json_key(w, "last_seq");
			mlmd_json_int(w, v->last_seq);
			mlmd_json_key(w, "last_hash");
			mlmd_json_string(w, v->last_hash);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else if (v->intact) {
		printf("intact: %lld records, the last %lld:%s\n", (long long)v->records, (long long)v->last_seq,
			v->last_hash);
	}
	if (!rc && !v->intact)
		rc = cli_failed("audit log broken at record %lld: %s", (long long)v->first_bad_seq, v->reason);
	mlmd_audit_verdict_free(v);
	mlmd_store_free(s);
	return rc;
}

/* ---- audit checkpoint ------------------------------------------------------------------------- */

static int audit_checkpoint(int argc, char **argv)
{
	bool json = false;
	const cli_opt opts[] = {
		CLI_FLAG("--json", "one JSON object on stdout: {\"seq\", \"hash\", \"checkpoint\": \"SEQ:HASH\"}", &json),
		CLI_END,
	};
	const cli_cmd cmd = { "audit checkpoint", NULL, 0, 0,
		"Prints SEQ:HASH, the sequence number and hash of the audit log's last record. Keep it somewhere\n"
		"the store's owners cannot write; 'mlmd audit verify --checkpoint SEQ:HASH' then detects a chain\n"
		"rewritten from its start, which recomputing the chain alone cannot.",
		true, opts };
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	mlmd_store *s;
	if (cli_open_store_ro(cli_g.store, &s))
		return EXIT_FAILED;
	mlmd_audit_checkpoint cp;
	char text[MLMD_AUDIT_CHECKPOINT_TEXT_MAX];
	if (mlmd_audit_checkpoint_get(s, &cp) || mlmd_audit_checkpoint_format(&cp, text, sizeof text)) {
		rc = cli_failed("audit checkpoint: %s", mlmd_error_message());
	} else if (json) {
		mlmd_json_writer *w = cli_json_stdout();
		if (!w) {
			rc = EXIT_FAILED;
		} else {
			mlmd_json_object_begin(w);
			mlmd_json_key(w, "seq");
			mlmd_json_int(w, cp.seq);
			mlmd_json_key(w, "hash");
			mlmd_json_string(w, cp.hash);
			mlmd_json_key(w, "checkpoint");
			mlmd_json_string(w, text);
			mlmd_json_object_end(w);
			rc = cli_json_done(w);
		}
	} else {
		puts(text);
	}
	mlmd_store_free(s);
	return rc;
}

/* ---- audit (the group) --------------------------------------------------------------------------- */

int cmd_audit(int argc, char **argv)
{
	static const cli_sub subs[] = {
		{ "log", audit_log }, { "verify", audit_verify }, { "checkpoint", audit_checkpoint },
	};
	return cli_dispatch("audit", subs, 3, argc, argv,
		"usage: mlmd [--store URI] audit log|verify|checkpoint ...\n\n"
		"The audit log: one record per write, chained by SHA-256 (docs/audit.md):\n"
		"  audit log [--since SEQ] [--limit N] [--json]\n"
		"      the records, oldest first\n"
		"  audit verify [--checkpoint SEQ:HASH] [--json]\n"
		"      recompute the chain; exit 0 intact, 1 naming the first bad record\n"
		"  audit checkpoint [--json]\n"
		"      print SEQ:HASH of the last record, to keep elsewhere for verify --checkpoint\n\n"
		"Run 'mlmd audit log --help' (verify, checkpoint) for the options. Exit status: 0 success,\n"
		"1 failure, 2 bad usage.",
		"say what to do: audit log, audit verify or audit checkpoint",
		"audit log, audit verify or audit checkpoint");
}

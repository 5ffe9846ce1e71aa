/*
 * cli/util.c - what every `mlmd` command uses: messages, the option
 * tables that both parse a command line and print its help, "did you mean",
 * opening the store, --json output on the library's JSON writer, base64
 * text, ISO 8601 times and progress lines.
 *
 * No main here, so a fuzzer can link the import path with it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>
#include "cli.h"

cli_globals cli_g;

static const char *current_cmd; /* for "(run 'mlmd ls --help' ...)" */

/* ---- messages ------------------------------------------------------------------------- */

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	fputs("mlmd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current_cmd)
		fprintf(stderr, "\n(run 'mlmd %s --help' for its options)\n", current_cmd);
	else
		fputs("\n(run 'mlmd --help' for usage)\n", stderr);
	return EXIT_USAGE;
}

int cli_failed(const char *fmt, ...)
{
	va_list ap;
	fputs("mlmd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

/* ---- did you mean ------------------------------------------------------------------------ */

/* Edit distance with adjacent transpositions (optimal string alignment),
 * for short words; longer ones count as far apart. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 63 || m > 63)
		return 64;
	size_t d[64][64];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

const char *cli_closest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, len = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	/* two edits in a three-letter word is another word, not a typo */
	return best && best_d * 2 <= len ? best : NULL;
}

int cli_dispatch(const char *group, const cli_sub *subs, size_t n, int argc, char **argv, const char *help,
		 const char *none, const char *otherwise)
{
	const char *names[32];
	if (n > 32)
		n = 32;
	for (size_t i = 0; argc > 0 && i < n; i++)
		if (!strcmp(argv[0], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		puts(help);
		return 0;
	}
	if (argc == 0)
		return cli_usage("%s: %s", group, none);
	for (size_t i = 0; i < n; i++)
		names[i] = subs[i].name;
	const char *near = cli_closest(argv[0], names, n);
	if (near)
		return cli_usage("%s: unknown subcommand '%s' (did you mean %s %s?)", group, argv[0], group, near);
	return cli_usage("%s: unknown subcommand '%s' (%s)", group, argv[0], otherwise);
}

/* ---- option tables -------------------------------------------------------------------------- */

static const cli_opt store_opt = CLI_STR("--store", "URI",
	"sqlite:PATH, sqlite::memory: or postgresql://...; default $MLMD_STORE, else sqlite:mlmd.db", NULL);
static const cli_opt actor_opt = CLI_STR("--actor", "NAME",
	"who the writes are by (audit log, requests, approvals); default $MLMD_ACTOR, else the OS user", NULL);

void cli_list_free(cli_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The text an option shows in help and usage: "--type T", "--order id|name". */
static void opt_label(const cli_opt *o, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s", o->name);
	if (o->kind == OPT_CHOICE) {
		for (size_t i = 0; o->choices[i] && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%c%s", i ? '|' : ' ', o->choices[i]);
	} else if (o->arg && n < size) {
		snprintf(buf + n, size - n, o->kind == OPT_LIST ? " %s..." : " %s", o->arg);
	}
}

static const cli_opt *find_opt(const cli_cmd *c, const char *name, size_t len)
{
	for (const cli_opt *o = c->opts; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	if (c->uses_store && len == 7 && !strncmp(name, "--store", 7))
		return &store_opt;
	if (c->uses_store && len == 7 && !strncmp(name, "--actor", 7))
		return &actor_opt;
	return NULL;
}

void cli_help(FILE *f, const cli_cmd *c)
{
	char label[256];
	int col = fprintf(f, "usage: mlmd%s %s%s%s", c->uses_store ? " [--store URI]" : "", c->name, c->args ? " " : "",
		c->args ? c->args : "");
	for (const cli_opt *o = c->opts; o->name; o++) {
		opt_label(o, label, sizeof label);
		if (col + (int)strlen(label) + 3 > 100)
			col = fprintf(f, "\n      ") - 1;
		col += fprintf(f, " [%s]", label);
	}
	fprintf(f, "\n\n%s\n\noptions:\n", c->about);
	/* the help column starts after the widest label that fits 24 columns; longer labels get a line of their own */
	size_t w = strlen("--store URI");
	for (const cli_opt *o = c->opts; o->name; o++) {
		opt_label(o, label, sizeof label);
		if (strlen(label) > w && strlen(label) <= 24)
			w = strlen(label);
	}
	const cli_opt *globals[] = { &store_opt, &actor_opt };
	for (const cli_opt *o = c->opts;; o++) {
		int last = !o->name;
		for (int g = 0; g < (last && c->uses_store ? 2 : last ? 0 : 1); g++) {
			const cli_opt *shown = last ? globals[g] : o;
			opt_label(shown, label, sizeof label);
			if (strlen(label) > w)
				fprintf(f, "  %s\n  %-*s  %s\n", label, (int)w, "", shown->help);
			else
				fprintf(f, "  %-*s  %s\n", (int)w, label, shown->help);
		}
		if (last)
			break;
	}
	fprintf(f, "  %-*s  %s\n\n", (int)w, "-h, --help", "print this help");
	bool json = find_opt(c, "--json", 6) != NULL;
	if (c->uses_store || json)
		fprintf(f, "%s may also come before the command. ", c->uses_store && json ? "--store, --actor and --json" :
			c->uses_store ? "--store and --actor" : "--json");
	fputs("Exit status: 0 success, 1 failure, 2 bad usage.\n", f);
}

/* Stores an option's value; returns 0 or EXIT_USAGE after saying why. */
static int opt_apply(const cli_cmd *c, const cli_opt *o, const char *value)
{
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)o->dest = true;
		return 0;
	case OPT_SET:
		*(int *)o->dest = o->set_value;
		return 0;
	case OPT_STR:
		*(const char **)o->dest = value;
		return 0;
	case OPT_LIST: {
		cli_list *l = o->dest;
		const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
		if (!v)
			return cli_failed("out of memory");
		v[l->n++] = value;
		l->v = v;
		return 0;
	}
	case OPT_INT: {
		char *end;
		long long v = strtoll(value, &end, 10);
		if (end == value || *end || v < o->min || v > o->max)
			return cli_usage("%s: %s takes a whole number from %lld to %lld, not '%s'", c->name, o->name,
				(long long)o->min, (long long)o->max, value);
		*(int64_t *)o->dest = v;
		return 0;
	}
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], value)) {
				*(int *)o->dest = i;
				return 0;
			}
		{
			char label[256];
			opt_label(o, label, sizeof label);
			return cli_usage("%s: %s takes one of %s, not '%s'", c->name, o->name, strchr(label, ' ') + 1,
				value);
		}
	}
	return 0;
}

/* An unknown option: say so, and which one was probably meant. */
static int unknown_opt(const cli_cmd *c, const char *word, size_t len)
{
	const char *names[64];
	size_t n = 0;
	for (const cli_opt *o = c->opts; o->name && n < 60; o++)
		names[n++] = o->name;
	if (c->uses_store) {
		names[n++] = "--store";
		names[n++] = "--actor";
	}
	names[n++] = "--help";
	char w[128];
	snprintf(w, sizeof w, "%.*s", (int)(len < 127 ? len : 127), word);
	const char *near = cli_closest(w, names, n);
	if (near)
		return cli_usage("%s: unknown option '%s' (did you mean %s?)", c->name, w, near);
	return cli_usage("%s: unknown option '%s'", c->name, w);
}

int cli_parse(const cli_cmd *c, int argc, char **argv, char **args, int *nargs)
{
	int rc;
	current_cmd = c->name;
	*nargs = 0;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			break;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_help(stdout, c);
			return -1;
		}
	if (cli_g.json) {
		const cli_opt *o = find_opt(c, "--json", 6);
		if (!o)
			return cli_usage("%s: --json does not apply to this command", c->name);
		opt_apply(c, o, NULL);
	}
	bool options = true;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (!options || a[0] != '-' || !strcmp(a, "-")) {
			if (*nargs >= c->max_args)
				return cli_usage("%s: unexpected argument '%s'", c->name, a);
			args[(*nargs)++] = argv[i];
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		const cli_opt *o = a[1] == '-' ? find_opt(c, a, len) : NULL;
		if (!o)
			return unknown_opt(c, a, len);
		const char *value = NULL;
		bool takes_value = o->kind == OPT_STR || o->kind == OPT_INT || o->kind == OPT_CHOICE || o->kind == OPT_LIST;
		if (takes_value) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return cli_usage("%s: %s needs a value", c->name, o->name);
		} else if (eq) {
			return cli_usage("%s: %s takes no value", c->name, o->name);
		}
		if (o == &store_opt)
			cli_g.store = value;
		else if (o == &actor_opt)
			cli_g.actor = value;
		else if ((rc = opt_apply(c, o, value)))
			return rc;
	}
	if (*nargs < c->min_args)
		return cli_usage("%s: expected %s", c->name, c->args);
	return 0;
}

/* ---- stores ---------------------------------------------------------------------------------- */

static int open_store(const char *uri, mlmd_store **out, bool must_exist, bool read_only, bool upgrade)
{
	if (!uri)
		uri = getenv("MLMD_STORE");
	if (!uri || !uri[0])
		uri = "sqlite:mlmd.db";
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.no_create = must_exist && strncmp(uri, "sqlite:", 7) == 0 && strcmp(uri, "sqlite::memory:") != 0;
	o.read_only = read_only;
	o.upgrade = upgrade;
	o.actor = cli_g.actor;
	if (mlmd_store_open(out, &o))
		return cli_failed("store %s: %s", uri, mlmd_error_message());
	return 0;
}

int cli_open_store(const char *uri, mlmd_store **out, bool must_exist)
{
	return open_store(uri, out, must_exist, false, false);
}

int cli_open_store_ro(const char *uri, mlmd_store **out)
{
	return open_store(uri, out, true, true, false);
}

int cli_open_store_upgrade(const char *uri, mlmd_store **out)
{
	return open_store(uri, out, false, false, true);
}

/* ---- text ------------------------------------------------------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cli_pb_b64(const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *p = malloc(n + 1);
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!p || !out) {
		free(p);
		free(out);
		return NULL;
	}
	protobuf_c_message_pack(m, p);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		*o++ = B64[v >> 18 & 63];
		*o++ = B64[v >> 12 & 63];
		*o++ = i + 1 < n ? B64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? B64[v & 63] : '=';
	}
	*o = '\0';
	free(p);
	return out;
}

long cli_unb64(const char *s, size_t len, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	long n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '=' || c == '\n' || c == '\r')
			continue;
		const char *q = c ? strchr(B64, c) : NULL;
		if (!q) {
			if (c == '-')
				q = B64 + 62;
			else if (c == '_')
				q = B64 + 63;
			else
				return -1;
		}
		acc = acc << 6 | (uint32_t)(q - B64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

mlmd_json_writer *cli_json_stdout(void)
{
	mlmd_json_writer *w;
	if (mlmd_json_writer_new(&w, stdout)) {
		cli_failed("%s", mlmd_error_message());
		return NULL;
	}
	return w;
}

int cli_json_done(mlmd_json_writer *w)
{
	mlmd_json_raw(w, "\n");
	int rc = mlmd_json_writer_status(w) ? cli_failed("%s", mlmd_error_message()) : 0;
	mlmd_json_writer_free(w);
	return rc;
}

const char *cli_time_iso(char *buf, size_t size, int64_t ms)
{
	/* floor division without -ms, which INT64_MIN (an imported time) overflows */
	int64_t secs = ms / 1000;
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "%lld ms", (long long)ms);
		return buf;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return buf;
}

/* ---- progress --------------------------------------------------------------------------------- */

#define PROGRESS_STEP 1000

void cli_progress_init(cli_progress *p, const char *what)
{
	*p = (cli_progress){ .tty = isatty(2) != 0, .next = PROGRESS_STEP, .what = what };
}

void cli_progress_tick(cli_progress *p, long done)
{
	if (!p->tty || done < p->next)
		return;
	fprintf(stderr, "\rmlmd: %s %ld records...", p->what, done);
	fflush(stderr);
	p->shown = true;
	p->next = done + PROGRESS_STEP;
}

void cli_progress_end(cli_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr); /* clear the line for the summary */
	p->shown = false;
}

/* ---- times read ------------------------------------------------------------------------------- */

/* Reads exactly n decimal digits at *p (advancing it); -1 when they are not there. */
static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, for
 * years 1..9999: whole years counted with their leap days, then months. */
static int64_t days_since_epoch(int y, int m, int d)
{
	static const int before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t py = y - 1, p1970 = 1969;
	int64_t to_year = py * 365 + py / 4 - py / 100 + py / 400;
	int64_t to_1970 = p1970 * 365 + p1970 / 4 - p1970 / 100 + p1970 / 400;
	return to_year - to_1970 + before_month[m - 1] + (m > 2 && leap_year(y)) + d - 1;
}

int cli_time_parse(const char *s, int64_t *ms, char *err, size_t size)
{
	const char *p = s;
	size_t len = strlen(s);
	if (len && strspn(s, "0123456789") == len) { /* milliseconds since the epoch */
		int64_t v = 0;
		for (; *p; p++) {
			if (v > (INT64_MAX - (*p - '0')) / 10) {
				snprintf(err, size, "'%.64s' is too large for milliseconds since the epoch", s);
				return -1;
			}
			v = v * 10 + (*p - '0');
		}
		*ms = v;
		return 0;
	}
	int y = digits(&p, 4), mo = -1, d = -1, h = 0, mi = 0, sec = 0, frac_ms = 0;
	if (y >= 0 && *p == '-' && (p++, mo = digits(&p, 2)) >= 0 && *p == '-')
		p++, d = digits(&p, 2);
	if (y < 1 || mo < 0 || d < 0) {
		snprintf(err, size, "'%.64s' is not a time: expected ISO 8601 (2026-12-03, 2026-12-03T10:00:00Z, "
			"2026-12-03T10:00:00.250+01:00) or milliseconds since the epoch", s);
		return -1;
	}
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap_year(y))) {
		snprintf(err, size, "'%.64s': %04d-%02d-%02d is not a date", s, y, mo, d);
		return -1;
	}
	int64_t offset_min = 0;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ') {
			snprintf(err, size, "'%.64s': expected 'T' and a time after the date", s);
			return -1;
		}
		p++;
		h = digits(&p, 2);
		if (h >= 0 && *p == ':')
			p++, mi = digits(&p, 2);
		else
			mi = -1;
		if (mi >= 0 && *p == ':') {
			p++;
			sec = digits(&p, 2);
			if (sec >= 0 && (*p == '.' || *p == ',')) {
				p++;
				int nd = 0;
				for (; *p >= '0' && *p <= '9'; p++, nd++)
					if (nd < 3)
						frac_ms = frac_ms * 10 + (*p - '0');
				if (!nd)
					sec = -1;
				for (; nd < 3; nd++)
					frac_ms *= 10;
			}
		}
		if (h < 0 || mi < 0 || sec < 0 || h > 23 || mi > 59 || sec > 59) {
			snprintf(err, size, "'%.64s': expected the time as HH:MM, HH:MM:SS or HH:MM:SS.fff (00:00 to "
				"23:59:59)", s);
			return -1;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;
			int oh = digits(&p, 2), om = 0;
			bool colon = oh >= 0 && *p == ':';
			if (colon) /* then the minutes must follow ("+01:" is not an offset) */
				p++;
			if (oh >= 0 && (*p || colon))
				om = digits(&p, 2);
			if (oh < 0 || om < 0 || oh > 23 || om > 59) {
				snprintf(err, size, "'%.64s': expected the offset as +HH:MM, +HHMM or +HH", s);
				return -1;
			}
			offset_min = sign * (oh * 60 + om);
		} else if (!*p) {
			snprintf(err, size, "'%.64s' has no time zone: add Z for UTC or an offset such as +01:00", s);
			return -1;
		}
	}
	if (*p) {
		snprintf(err, size, "'%.64s': unexpected '%.16s' at the end", s, p);
		return -1;
	}
	int64_t secs = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
	*ms = secs * 1000 + frac_ms;
	return 0;
}

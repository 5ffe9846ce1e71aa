/*
 * tests/fuzz/fuzz_time.c - fuzz target for the CLI's times (cli/util.c):
 * cli_time_parse, which reads `--as-of TIME` (ISO 8601 or ms since the
 * epoch), and cli_time_iso, which prints every time the CLI shows.
 *
 * The input is a time as text. Parsing it must succeed or fail with a
 * message; a time it reads must print as ISO 8601 that parses back to the
 * same ms (for years 1..9999). The input's first 8 bytes (little-endian)
 * are also printed as a time: any int64, INT64_MIN included (an imported
 * record's time), must print without overflow. Seeds: tests/fuzz/corpus/time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints ms and, when it is within years 1..9999, parses it back. */
static void round_trip(int64_t ms)
{
	char iso[64], err[256];
	cli_time_iso(iso, sizeof iso, ms);
	int64_t back = 0;
	/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in ms */
	if (ms < -62135596800000LL || ms > 253402300799999LL)
		return;
	if (cli_time_parse(iso, &back, err, sizeof err) || back != ms) {
		fprintf(stderr, "%lld printed as '%s' reads back as %lld (%s)\n", (long long)ms, iso, (long long)back,
			err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 8) {
		uint64_t u = 0;
		for (int i = 7; i >= 0; i--)
			u = u << 8 | data[i];
		round_trip((int64_t)u);
	}
	char text[256], err[256] = "";
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	int64_t ms = 0;
	if (cli_time_parse(text, &ms, err, sizeof err)) {
		if (!err[0])
			abort();
		return 0;
	}
	round_trip(ms);
	return 0;
}

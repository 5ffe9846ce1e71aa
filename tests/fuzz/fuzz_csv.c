/*
 * tests/fuzz/fuzz_csv.c - fuzz target for the CSV reader of `mlmd score`
 * (cli/csv.c).
 *
 * Each input is a CSV file. Every record is read (with a small record
 * limit, so the limit's path is reached too), every cell is parsed as each
 * element type a model input can have, and every cell is written back out;
 * all of it must succeed or fail cleanly. Built as a libFuzzer target by
 * `make fuzz` (clang) and replayed over the seed corpus by `make check`
 * with tests/fuzz/replay.c (gcc, ASan+UBSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dtypes[] = { MLMD_DTYPE_FLOAT, MLMD_DTYPE_DOUBLE, MLMD_DTYPE_INT64, MLMD_DTYPE_INT32,
	MLMD_DTYPE_INT16, MLMD_DTYPE_INT8, MLMD_DTYPE_UINT64, MLMD_DTYPE_UINT32, MLMD_DTYPE_UINT16, MLMD_DTYPE_UINT8,
	MLMD_DTYPE_BOOL, MLMD_DTYPE_STRING };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* a private copy: fmemopen wants a writable buffer on some C libraries */
	char *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	FILE *in = fmemopen(copy, size, "r");
	FILE *out = fopen("/dev/null", "w");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		free(copy);
		return 0;
	}
	csv_reader r;
	csv_init(&r, in);
	r.max_record = 1024;
	for (int records = 0; records < 10000; records++) {
		int got = csv_next(&r);
		if (got <= 0)
			break;
		for (size_t c = 0; c < r.n_cells; c++) {
			union { double d; int64_t i; uint64_t u; const char *s; } buf;
			char *strs[1] = { NULL };
			for (size_t k = 0; k < sizeof dtypes / sizeof *dtypes; k++) {
				const char *err = NULL;
				if (csv_parse_cell(r.cells[c], dtypes[k], &buf, 0, strs, &err) && !err)
					abort(); /* a failure always says why */
				free(strs[0]);
				strs[0] = NULL;
			}
			if (c)
				fputc(',', out);
			csv_put(out, r.cells[c]);
		}
		fputc('\n', out);
	}
	csv_free(&r);
	fclose(in);
	fclose(out);
	free(copy);
	return 0;
}

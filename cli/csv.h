/*
 * cli/csv.h - the CSV reader and writer of `mlmd score`: RFC 4180 records
 * (quoted fields may span lines, CRLF accepted, a UTF-8 byte order mark at
 * the start is dropped), each record bounded in size, and cells parsed into
 * tensor elements of the model's input types (see docs/cli.md).
 */
#ifndef MLMD_CLI_CSV_H
#define MLMD_CLI_CSV_H

#include <stddef.h>
#include <stdio.h>

/* The longest record (a line, or several when a quoted field spans them)
 * the reader accepts, in bytes: a record is buffered whole, so this bounds
 * the reader's memory (the buffer never grows past it). */
#define CSV_MAX_RECORD ((size_t)64 << 20)

typedef struct csv_reader {
	FILE *f;
	size_t max_record;      /* CSV_MAX_RECORD unless changed after csv_init */
	char *line;             /* the record, unquoted in place */
	size_t cap;
	char **cells;           /* n_cells pointers into line */
	size_t n_cells, cap_cells;
	long lineno;            /* the physical line the last record started on (1-based) */
	long next_line;         /* the physical line the next record starts on */
	const char *err;        /* why csv_next returned -1 (valid until the next call) */
	char errbuf[96];
} csv_reader;

/* Starts reading f (not owned: the caller closes it). */
void csv_init(csv_reader *r, FILE *f);

/* Reads the next record into r->cells; returns 1, 0 at the end of the
 * input, or -1 with r->err set ("the record is longer than N bytes, the
 * limit for one CSV record", "malformed CSV record: a quoted field is not
 * closed", ...); after -1, r->lineno is the line the bad record starts on. */
int csv_next(csv_reader *r);

/* Frees what the reader allocated (not the FILE). */
void csv_free(csv_reader *r);

/* Writes s as one CSV cell, quoted when it holds a comma, quote or line
 * break; NULL (a missing string) writes an empty cell. */
void csv_put(FILE *out, const char *s);

/*
 * Parses one cell into element `at` of buf, an array of the element type
 * dtype (MLMD_DTYPE_*). Numbers are read as mlmd_double_parse() reads them:
 * decimal only (no hexadecimal), and a value out of the type's range is an
 * error, never silently infinite or wrapped. For FLOAT and DOUBLE an empty
 * cell or "nan" (any case) is a missing value (NaN), and "inf", "infinity"
 * (signed, any case) are infinities. Integers are decimal and range-checked
 * for their width; BOOL takes 0/1/true/false/True/False. STRING cells are
 * copied (strdup) into strings_out[at] and buf[at]; the caller frees them.
 * Returns 0, or -1 with *err set to what is wrong (static text).
 */
int csv_parse_cell(const char *cell, int dtype, void *buf, size_t at, char **strings_out, const char **err);

#endif

/*
 * cli/csv.c - the CSV reader and writer of `mlmd score` (see csv.h).
 *
 * A record is read into one buffer that grows by doubling up to the
 * reader's max_record bytes and no further, then split and unquoted in
 * place. Cells become tensor elements through csv_parse_cell(), which reads
 * numbers with the library's locale-independent mlmd_double_parse().
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>

#include "csv.h"

/* The most fields one record may have: the cell pointers cost 8 bytes per
 * field, so this bounds them (8 MiB) as max_record bounds the text. */
#define CSV_MAX_CELLS ((size_t)1 << 20)

void csv_init(csv_reader *r, FILE *f)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->max_record = CSV_MAX_RECORD;
	r->next_line = 1;
}

void csv_free(csv_reader *r)
{
	free(r->line);
	free(r->cells);
	r->line = NULL;
	r->cells = NULL;
	r->cap = r->cap_cells = r->n_cells = 0;
}

static int fail(csv_reader *r, const char *why)
{
	r->err = why;
	return -1;
}

/* Makes room for one more byte and a terminator, doubling up to max_record. */
static int grow_line(csv_reader *r, size_t len)
{
	if (len + 2 <= r->cap)
		return 0;
	if (len >= r->max_record) {
		snprintf(r->errbuf, sizeof r->errbuf, "the record is longer than %zu bytes, the limit for one CSV record",
			r->max_record);
		return fail(r, r->errbuf);
	}
	size_t nc = r->cap ? r->cap * 2 : 4096;
	if (nc > r->max_record + 2)
		nc = r->max_record + 2;
	char *nl = realloc(r->line, nc);
	if (!nl)
		return fail(r, "out of memory");
	r->line = nl;
	r->cap = nc;
	return 0;
}

/* Splits r->line into cells, unquoting in place. */
static int split(csv_reader *r)
{
	r->n_cells = 0;
	char *p = r->line, *w;
	for (;;) {
		if (r->n_cells == r->cap_cells) {
			if (r->cap_cells >= CSV_MAX_CELLS)
				return fail(r, "the record has more than 1048576 fields, the limit for one CSV record");
			size_t nc = r->cap_cells ? r->cap_cells * 2 : 64;
			char **ncells = realloc(r->cells, nc * sizeof *ncells);
			if (!ncells)
				return fail(r, "out of memory");
			r->cells = ncells;
			r->cap_cells = nc;
		}
		r->cells[r->n_cells++] = w = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return fail(r, "malformed CSV record: a quoted field is not closed");
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			if (*p != ',' && *p != '\0')
				return fail(r, "malformed CSV record: text after a closing quote");
		} else {
			while (*p && *p != ',')
				*w++ = *p++;
		}
		char sep = *p;
		*w = '\0';
		if (sep == '\0')
			return 0;
		p++;
	}
}

int csv_next(csv_reader *r)
{
	size_t len = 0;
	bool inq = false, first = r->next_line == 1 && !r->line;
	long newlines = 0;
	int c;
	r->err = NULL;
	r->lineno = r->next_line;
	for (;;) {
		c = getc(r->f);
		if (c == EOF)
			break;
		if (c == '"')
			inq = !inq;
		if (c == '\n') {
			newlines++;
			if (!inq)
				break;
		}
		if (grow_line(r, len))
			return -1;
		r->line[len++] = (char)c;
	}
	r->next_line += newlines;
	if (c == EOF && len == 0)
		return 0;
	if (!r->line && grow_line(r, 0)) /* an empty line: still a record */
		return -1;
	if (len && r->line[len - 1] == '\r')
		len--;
	r->line[len] = '\0';
	/* a UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first name */
	if (first && len >= 3 && !memcmp(r->line, "\xEF\xBB\xBF", 3))
		memmove(r->line, r->line + 3, len - 2);
	return split(r) ? -1 : 1;
}

void csv_put(FILE *out, const char *s)
{
	if (!s) /* a missing string: an empty cell */
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* ---- cells ------------------------------------------------------------------------------ */

/* A decimal integer: [+-] digits, surrounded by blanks; -1 when it is not
 * one or does not fit 64 bits (as a signed value, or as an unsigned one when
 * is_unsigned). */
static int parse_int(const char *s, bool is_unsigned, int64_t *sv, uint64_t *uv)
{
	while (*s == ' ')
		s++;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	while (*s == ' ')
		s++;
	if (*s)
		return -1;
	if (is_unsigned) {
		if (neg && v)
			return -1;
		*uv = v;
		return 0;
	}
	if (v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -1;
	*sv = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static bool blank(const char *s)
{
	while (*s == ' ')
		s++;
	return *s == '\0';
}

int csv_parse_cell(const char *cell, int dtype, void *buf, size_t at, char **strings_out, const char **err)
{
	if (dtype == MLMD_DTYPE_STRING) {
		char *s = strdup(cell);
		if (!s) {
			*err = "out of memory";
			return -1;
		}
		strings_out[at] = s;
		((const char **)buf)[at] = s;
		return 0;
	}
	if (dtype == MLMD_DTYPE_FLOAT || dtype == MLMD_DTYPE_DOUBLE) {
		double v = NAN;
		if (!blank(cell)) {
			int rc = mlmd_double_parse(cell, strlen(cell), &v);
			if (rc) {
				*err = rc == -MLMD_OUT_OF_RANGE ? "out of range for a DOUBLE" : "not a number";
				return -1;
			}
		}
		if (dtype == MLMD_DTYPE_DOUBLE) {
			((double *)buf)[at] = v;
			return 0;
		}
		float f = (float)v;
		if (isinf(f) && !isinf(v)) {
			*err = "out of range for a FLOAT";
			return -1;
		}
		((float *)buf)[at] = f;
		return 0;
	}
	if (blank(cell)) {
		*err = "empty cell for an integer input (missing values need a float input)";
		return -1;
	}
	if (dtype == MLMD_DTYPE_BOOL) {
		while (*cell == ' ')
			cell++;
		size_t n = strcspn(cell, " ");
		bool t = (n == 1 && cell[0] == '1') || (n == 4 && (!strncmp(cell, "true", 4) || !strncmp(cell, "True", 4)));
		bool f = (n == 1 && cell[0] == '0') || (n == 5 && (!strncmp(cell, "false", 5) || !strncmp(cell, "False", 5)));
		if ((!t && !f) || !blank(cell + n)) {
			*err = "not a boolean (0/1/true/false)";
			return -1;
		}
		((uint8_t *)buf)[at] = t;
		return 0;
	}
	bool is_unsigned = dtype == MLMD_DTYPE_UINT8 || dtype == MLMD_DTYPE_UINT16 || dtype == MLMD_DTYPE_UINT32 ||
		dtype == MLMD_DTYPE_UINT64;
	int64_t v = 0;
	uint64_t u = 0;
	if (parse_int(cell, is_unsigned, &v, &u)) {
		*err = is_unsigned ? "not an unsigned integer that fits 64 bits" : "not an integer that fits 64 bits";
		return -1;
	}
	bool fits;
	switch (dtype) {
	case MLMD_DTYPE_INT8: fits = v >= INT8_MIN && v <= INT8_MAX; break;
	case MLMD_DTYPE_INT16: fits = v >= INT16_MIN && v <= INT16_MAX; break;
	case MLMD_DTYPE_INT32: fits = v >= INT32_MIN && v <= INT32_MAX; break;
	case MLMD_DTYPE_UINT8: fits = u <= UINT8_MAX; break;
	case MLMD_DTYPE_UINT16: fits = u <= UINT16_MAX; break;
	case MLMD_DTYPE_UINT32: fits = u <= UINT32_MAX; break;
	default: fits = true;
	}
	if (!fits) {
		*err = "out of range for the input's integer type";
		return -1;
	}
	switch (dtype) {
	case MLMD_DTYPE_INT8: ((int8_t *)buf)[at] = (int8_t)v; break;
	case MLMD_DTYPE_INT16: ((int16_t *)buf)[at] = (int16_t)v; break;
	case MLMD_DTYPE_INT32: ((int32_t *)buf)[at] = (int32_t)v; break;
	case MLMD_DTYPE_UINT8: ((uint8_t *)buf)[at] = (uint8_t)u; break;
	case MLMD_DTYPE_UINT16: ((uint16_t *)buf)[at] = (uint16_t)u; break;
	case MLMD_DTYPE_UINT32: ((uint32_t *)buf)[at] = (uint32_t)u; break;
	case MLMD_DTYPE_UINT64: ((uint64_t *)buf)[at] = u; break;
	default: ((int64_t *)buf)[at] = v;
	}
	return 0;
}

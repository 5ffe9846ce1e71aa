/*
 * cli/csv_column.h - the cells of one CSV column kept as text
 * (csv_column.c): one buffer holding the cells NUL-terminated one after
 * another and an offset per cell. `mlmd drift` keeps the compared columns
 * of both files this way, `mlmd profile` the columns feeding the model.
 */
#ifndef MLMD_CLI_CSV_COLUMN_H
#define MLMD_CLI_CSV_COLUMN_H

#include <stddef.h>

typedef struct csv_column {
	char *text;             /* the cells, each NUL-terminated */
	size_t len, cap;
	size_t *off;            /* where each cell starts in text */
	size_t n, cap_off;      /* cells kept */
} csv_column;

/* Appends a copy of cell; -1 when memory runs out (c unchanged). */
int csv_column_push(csv_column *c, const char *cell);
/* The cells as c->n pointers into c->text (malloc'd, at least one slot; the
 * caller frees the array, not the strings), valid until the next push;
 * NULL when memory runs out. */
const char **csv_column_cells(const csv_column *c);
/* Frees what c holds (a zeroed column is empty). */
void csv_column_free(csv_column *c);

#endif

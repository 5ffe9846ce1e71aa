/*
 * cli/inputs.h - CSV rows as a model's input tensors, shared by `mlmd
 * score`, `mlmd explain` and `mlmd profile` (the binding alone; inputs.c):
 * model inputs bound to header columns (by name; a single [N, F] input
 * takes the columns in order or those --columns names), batches of rows
 * parsed into per-input buffers.
 */
#ifndef MLMD_CLI_INPUTS_H
#define MLMD_CLI_INPUTS_H

#include <stddef.h>
#include <mlmd.h>
#include "csv.h"

typedef struct cli_in_bind {
	int n_cols;       /* CSV columns feeding this input */
	int *cols;        /* their indexes in the CSV */
	int dtype;
	int rank;         /* rank of the tensor given to the model (1 or 2) */
} cli_in_bind;

typedef struct cli_inputs {
	size_t ni;        /* the model's inputs */
	cli_in_bind *binds;
	void **bufs;      /* per input: batch x n_cols elements of its dtype */
	char ***strs;     /* per input: the strings a batch's STRING cells hold (freed by the next read) */
	long batch;
	long n;           /* rows in the buffers (the last read) */
	char **header;    /* the CSV's column names */
	int n_header;
	const char *path; /* for messages */
} cli_inputs;

/* Reads the header from r and binds m's inputs to its columns; `columns`
 * (may be NULL) is --columns (modified: split at commas). batch 0 binds
 * only (`mlmd profile` reads the rows itself; do not call cli_inputs_read).
 * Returns 0 or the status of cli_failed() (the message printed). Free with
 * cli_inputs_free either way. */
int cli_inputs_bind(cli_inputs *ci, const mlmd_model *m, csv_reader *r, const char *path, char *columns, long batch);

/* Reads up to ci->batch rows into the buffers (ci->n rows; 0 at the end).
 * Returns 0 or cli_failed()'s status. */
int cli_inputs_read(cli_inputs *ci, csv_reader *r);

/* The rows of a batch from elsewhere (`mlmd profile` keeps its rows as
 * text): cli_inputs_clear starts a batch (the last one's strings freed,
 * ci->n 0); cli_inputs_parse_row parses one row into row ci->n (below
 * ci->batch) and counts it, cells[c] being CSV column c's cell (only the
 * bound columns are read). Returns 0, or -1 with *col the CSV column and
 * *err what is wrong (static text). cli_inputs_read is these on r's rows. */
void cli_inputs_clear(cli_inputs *ci);
int cli_inputs_parse_row(cli_inputs *ci, const char *const *cells, int *col, const char **err);
/* The tensors of the rows read (ci->ni entries in tin). */
void cli_inputs_tensors(const cli_inputs *ci, mlmd_tensor *tin);

void cli_inputs_free(cli_inputs *ci);

/* A byte count like 512M, 2G or 0 (K, M, G, T are powers of 1024); -1 if
 * malformed. */
int cli_parse_size(const char *s, size_t *out);

#endif

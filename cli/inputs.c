/*
 * cli/inputs.c - CSV rows as a model's input tensors (inputs.h), for
 * `mlmd score` and `mlmd explain`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "inputs.h"

int cli_parse_size(const char *s, size_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static int split_list(char *s, char ***out, int *n)
{
	int cap = 8;
	*out = malloc((size_t)cap * sizeof **out);
	*n = 0;
	if (!*out)
		return -1;
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (*n == cap) {
			cap *= 2;
			char **nl = realloc(*out, (size_t)cap * sizeof **out);
			if (!nl)
				return -1;
			*out = nl;
		}
		(*out)[(*n)++] = tok;
	}
	return 0;
}

int cli_inputs_bind(cli_inputs *ci, const mlmd_model *m, csv_reader *r, const char *path, char *columns, long batch)
{
	memset(ci, 0, sizeof *ci);
	ci->path = path;
	ci->batch = batch;
	size_t ni = ci->ni = mlmd_model_input_count(m);
	ci->binds = calloc(ni + 1, sizeof *ci->binds);
	ci->bufs = calloc(ni + 1, sizeof *ci->bufs);
	ci->strs = calloc(ni + 1, sizeof *ci->strs);
	if (!ci->binds || !ci->bufs || !ci->strs)
		return cli_failed("out of memory");
	int got = csv_next(r);
	if (got < 0)
		return cli_failed("%s:%ld: %s (the header)", path, r->lineno, r->err);
	if (got == 0)
		return cli_failed("%s: empty input (a header line is needed)", path);
	int n_header = ci->n_header = (int)r->n_cells;
	char **header = ci->header = calloc((size_t)n_header + 1, sizeof *header);
	for (int c = 0; header && c < n_header; c++)
		if (!(header[c] = strdup(r->cells[c])))
			return cli_failed("out of memory");
	if (!header)
		return cli_failed("out of memory");
	char **colnames = NULL;
	int n_colnames = 0, rc = 0;
	if (columns && split_list(columns, &colnames, &n_colnames)) {
		free(colnames);
		return cli_failed("out of memory");
	}
	for (size_t k = 0; k < ni && !rc; k++) {
		const mlmd_value_info *vi = mlmd_model_input(m, k);
		cli_in_bind *b = &ci->binds[k];
		b->dtype = vi->dtype;
		int by_name = -1;
		for (int c = 0; c < n_header; c++)
			if (!strcmp(header[c], vi->name))
				by_name = c;
		int64_t width = vi->rank == 2 ? vi->dims[1] : 1;
		if (vi->rank > 2 || vi->rank == 0) {
			rc = cli_failed("input '%s' has rank %d; CSV scoring supports inputs of shape [N] or [N, F]", vi->name,
				vi->rank);
			break;
		}
		b->rank = vi->rank < 0 ? 2 : vi->rank;
		if (ni == 1 && b->rank == 2 && !(by_name >= 0 && width == 1 && !colnames)) {
			/* the single [N, F] input: columns in order */
			int want = colnames ? n_colnames : n_header;
			b->cols = calloc((size_t)want + 1, sizeof *b->cols);
			if (!b->cols) {
				rc = cli_failed("out of memory");
				break;
			}
			b->n_cols = want;
			for (int j = 0; j < want && !rc; j++) {
				b->cols[j] = j;
				if (colnames) {
					b->cols[j] = -1;
					for (int c = 0; c < n_header; c++)
						if (!strcmp(header[c], colnames[j]))
							b->cols[j] = c;
					if (b->cols[j] < 0)
						rc = cli_failed("--columns: no column '%s' in the input header", colnames[j]);
				}
			}
			if (!rc && width >= 0 && want != width)
				rc = cli_failed("input '%s' takes %lld features; %s %d column(s)", vi->name, (long long)width,
					colnames ? "--columns names" : "the CSV has", want);
		} else {
			if (by_name < 0) {
				rc = cli_failed("input '%s': no CSV column of that name (columns: %d in the header)", vi->name,
					n_header);
				break;
			}
			if (width != 1 && width != -1) {
				rc = cli_failed("input '%s' takes %lld features per row; only single-column inputs are matched "
					"by name", vi->name, (long long)width);
				break;
			}
			b->cols = calloc(1, sizeof *b->cols);
			if (!b->cols) {
				rc = cli_failed("out of memory");
				break;
			}
			b->cols[0] = by_name;
			b->n_cols = 1;
		}
		if (rc)
			break;
		if (b->dtype == MLMD_DTYPE_UNDEFINED)
			b->dtype = MLMD_DTYPE_FLOAT;
		ci->bufs[k] = calloc((size_t)batch * (size_t)b->n_cols + 1,
			mlmd_dtype_size(b->dtype) ? mlmd_dtype_size(b->dtype) : 1);
		ci->strs[k] = calloc((size_t)batch * (size_t)b->n_cols + 1, sizeof(char *));
		if (!ci->bufs[k] || !ci->strs[k])
			rc = cli_failed("out of memory");
	}
	free(colnames);
	return rc;
}

static void clear_strings(cli_inputs *ci)
{
	for (size_t k = 0; k < ci->ni; k++)
		if (ci->strs[k])
			for (long i = 0; i < ci->n * ci->binds[k].n_cols; i++) {
				free(ci->strs[k][i]);
				ci->strs[k][i] = NULL;
			}
}

void cli_inputs_clear(cli_inputs *ci)
{
	clear_strings(ci);
	ci->n = 0;
}

int cli_inputs_parse_row(cli_inputs *ci, const char *const *cells, int *col, const char **err)
{
	for (size_t k = 0; k < ci->ni; k++)
		for (int j = 0; j < ci->binds[k].n_cols; j++) {
			int c = ci->binds[k].cols[j];
			size_t at = (size_t)ci->n * (size_t)ci->binds[k].n_cols + (size_t)j;
			*err = "invalid";
			if (csv_parse_cell(cells[c], ci->binds[k].dtype, ci->bufs[k], at, ci->strs[k], err)) {
				ci->n++; /* the row's strings parsed so far are freed with it */
				*col = c;
				return -1;
			}
		}
	ci->n++;
	return 0;
}

int cli_inputs_read(cli_inputs *ci, csv_reader *r)
{
	cli_inputs_clear(ci);
	while (ci->n < ci->batch) {
		int got = csv_next(r);
		if (got < 0)
			return cli_failed("%s:%ld: %s", ci->path, r->lineno, r->err);
		if (got == 0)
			break;
		if (r->n_cells == 1 && r->cells[0][0] == '\0')
			continue; /* blank line */
		if ((int)r->n_cells != ci->n_header)
			return cli_failed("%s:%ld: %zu fields, the header has %d", ci->path, r->lineno, r->n_cells, ci->n_header);
		int c;
		const char *err;
		if (cli_inputs_parse_row(ci, (const char *const *)r->cells, &c, &err))
			return cli_failed("%s:%ld: column '%s': %s: '%s'", ci->path, r->lineno, ci->header[c], err,
				r->cells[c]);
	}
	return 0;
}

void cli_inputs_tensors(const cli_inputs *ci, mlmd_tensor *tin)
{
	for (size_t k = 0; k < ci->ni; k++) {
		tin[k] = (mlmd_tensor){ .dtype = ci->binds[k].dtype, .rank = ci->binds[k].rank, .data = ci->bufs[k] };
		tin[k].dims[0] = ci->n;
		tin[k].dims[1] = ci->binds[k].n_cols;
	}
}

void cli_inputs_free(cli_inputs *ci)
{
	if (ci->binds && ci->strs)
		clear_strings(ci);
	for (size_t k = 0; k < ci->ni; k++) {
		if (ci->strs)
			free(ci->strs[k]);
		if (ci->bufs)
			free(ci->bufs[k]);
		if (ci->binds)
			free(ci->binds[k].cols);
	}
	for (int c = 0; ci->header && c < ci->n_header; c++)
		free(ci->header[c]);
	free(ci->header);
	free(ci->strs);
	free(ci->bufs);
	free(ci->binds);
	memset(ci, 0, sizeof *ci);
}

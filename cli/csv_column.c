/*
 * cli/csv_column.c - the cells of one CSV column kept as text (see
 * csv_column.h): the buffer and the offsets double as they fill.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "csv_column.h"

int csv_column_push(csv_column *c, const char *cell)
{
	size_t l = strlen(cell) + 1;
	if (l > SIZE_MAX / 2 - c->len)
		return -1;
	if (c->len + l > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + l)
			cap *= 2;
		char *t = realloc(c->text, cap);
		if (!t)
			return -1;
		c->text = t;
		c->cap = cap;
	}
	if (c->n == c->cap_off) {
		size_t cap = c->cap_off ? c->cap_off * 2 : 1024;
		if (cap > SIZE_MAX / sizeof *c->off)
			return -1;
		size_t *o = realloc(c->off, cap * sizeof *o);
		if (!o)
			return -1;
		c->off = o;
		c->cap_off = cap;
	}
	memcpy(c->text + c->len, cell, l);
	c->off[c->n++] = c->len;
	c->len += l;
	return 0;
}

const char **csv_column_cells(const csv_column *c)
{
	const char **v = malloc((c->n ? c->n : 1) * sizeof *v);
	for (size_t i = 0; v && i < c->n; i++)
		v[i] = c->text + c->off[i];
	return v;
}

void csv_column_free(csv_column *c)
{
	free(c->text);
	free(c->off);
	memset(c, 0, sizeof *c);
}

/*
 * monitor/profile_int.h - the reference profile's representation, shared by
 * monitor/profile.c (building, binning, comparing) and
 * monitor/profile_json.c (its JSON form). Nothing outside lib/monitor
 * includes this: everyone else sees mlmd/monitor.h.
 */
#ifndef MLMD_MONITOR_PROFILE_INT_H
#define MLMD_MONITOR_PROFILE_INT_H

#include <stdint.h>
#include "mlmd/monitor.h"

#define NEDGES (MLMD_PROFILE_BINS - 1)

typedef struct prof_col {
	mlmd_profile_column pub;        /* what mlmd_profile_column_at() hands out; points into the fields below */
	char *name;
	double edges[NEDGES];
	int64_t bins[MLMD_PROFILE_BINS];
	char **cats;                    /* n_categories strings, most frequent first */
	int64_t *cat_counts;
	uint32_t *slots;                /* open addressing over cats: index + 1, 0 = empty */
	size_t mask;                    /* slots has mask + 1 entries (a power of two) */
	/* while reading JSON (monitor/profile_json.c) */
	unsigned seen, nulls;
	int n_edges, n_bins;
	size_t cap_cats;
} prof_col;

struct mlmd_profile {
	int64_t n_rows;
	size_t n_columns;
	prof_col *cols;
	int has_outputs;
	mlmd_profile_outputs out;       /* points into the fields below */
	char *out_name;
	char **classes;
	int64_t *class_counts;
	size_t n_classes;
	double out_edges[NEDGES];
	int64_t out_bins[MLMD_PROFILE_BINS];
};

/* Builds column c's category hash table and sets c->pub from the fields;
 * INVALID_ARGUMENT when a category appears twice (what names the column). */
int mlmd__profile_finish_column(prof_col *c, const char *what);
/* Sets p->out from the outputs' fields (p->has_outputs set by the caller). */
void mlmd__profile_finish_outputs(mlmd_profile *p);
void mlmd__profile_outputs_clear(mlmd_profile *p);
/* Whether categories (a, ca) then (b, cb) are in the profile's order: more
 * frequent first, ties by byte order; equal strings are out of order. */
int mlmd__profile_in_order(const char *a, int64_t ca, const char *b, int64_t cb);

#endif

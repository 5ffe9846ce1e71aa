/*
 * tests/fuzz/fuzz_profile.c - fuzz target for a reference profile's JSON
 * form (mlmd_profile_from_json, lib/monitor/profile_json.c), which the
 * store reads from every PutProfile request and every stored profile.
 *
 * The input is JSON text. Reading it must succeed or fail with
 * INVALID_ARGUMENT and a message naming the field (starting "profile").
 * A profile it reads must write back as JSON that reads again and writes
 * the same bytes, and binning, category lookup and comparing every column
 * with its own counts (PSI 0, no drift) must hold. Seeds:
 * tests/fuzz/corpus/profile.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mlmd_profile *p = NULL;
	int rc = mlmd_profile_from_json(&p, (const char *)data, size);
	if (rc) {
		if (rc != -MLMD_INVALID_ARGUMENT || strncmp(mlmd_error_message(), "profile", 7) || p)
			abort();
		return 0;
	}
	char *a = NULL, *b = NULL;
	mlmd_profile *q = NULL;
	if (mlmd_profile_to_json(p, &a, NULL) || mlmd_profile_from_json(&q, a, strlen(a)) ||
	    mlmd_profile_to_json(q, &b, NULL) || strcmp(a, b))
		abort();
	static const int64_t none[1] = {0};
	for (size_t i = 0; i < mlmd_profile_column_count(p); i++) {
		const mlmd_profile_column *c = mlmd_profile_column_at(p, i);
		mlmd_drift_column d;
		if (c->kind == MLMD_COLUMN_NUMERIC) {
			for (int k = 0; k + 1 < c->n_bins; k++)
				if (mlmd_profile_bin(p, i, c->edges[k]) > k)
					abort();
			if (mlmd_profile_bin(p, i, NAN) != -1 ||
			    mlmd_profile_compare(p, i, c->n_bins ? c->bin_counts : none, 0, NULL, &d))
				abort();
		} else {
			for (size_t k = 0; k < c->n_categories; k++)
				if (mlmd_profile_category(p, i, c->categories[k]) != (int)k)
					abort();
			int64_t *counts = malloc((c->n_categories + 1) * sizeof *counts);
			if (!counts)
				abort();
			if (c->n_categories)
				memcpy(counts, c->category_counts, c->n_categories * sizeof *counts);
			counts[c->n_categories] = c->other;
			if (mlmd_profile_compare(p, i, counts, 0, NULL, &d))
				abort();
			free(counts);
		}
		if (c->count > 0 && (d.psi != 0 || d.drift))
			abort();
	}
	free(a);
	free(b);
	mlmd_profile_free(q);
	mlmd_profile_free(p);
	return 0;
}

/*
 * monitor/stats_int.h - statistics steps that monitor/drift.c (two samples)
 * and monitor/profile.c (profiles, a window against a profile) both take,
 * defined once in monitor/stats.c. Nothing outside lib/monitor includes
 * this: everyone else sees mlmd/monitor.h.
 */
#ifndef MLMD_MONITOR_STATS_INT_H
#define MLMD_MONITOR_STATS_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mlmd/monitor.h"

/* The thresholds th gives, the defaults (MLMD_DRIFT_PSI, MLMD_DRIFT_PVALUE)
 * for NULL or a field that is not above 0. */
void mlmd__stat_thresholds(const mlmd_drift_thresholds *th, double *psi, double *pvalue);

/* Counts x[0..n) (no NaN) into the ten decile bins edges delimit
 * (mlmd_stat_bin). */
void mlmd__stat_count_bins(const double *x, size_t n, const double edges[9], int64_t counts[10]);

/* PSI and JS distance between two count vectors over the same k bins,
 * turned into proportions of their totals n_ref and n_cur (both above 0);
 * pq is scratch for 2 k doubles. */
void mlmd__stat_psi_js(const int64_t *ref, int64_t n_ref, const int64_t *cur, int64_t n_cur, size_t k, double *pq,
		       double *psi, double *js);

/* FNV-1a of a NUL-terminated string, for the in-memory category tables. */
uint64_t mlmd__stat_hash(const char *s);

#endif

/*
 * mlmd/monitor.h - drift: two-sample statistics, reference profiles of a
 * model's input columns, and the drift windows a scorer records against
 * them. docs/monitoring.md gives every formula and the JSON forms.
 *
 *   model artifact --INPUT--> mlmd.Profiling --OUTPUT--> mlmd.DataProfile
 *   ModelServing execution --OUTPUT--> mlmd.DriftWindow    (one per flush)
 *
 * The statistics are plain functions of their inputs (no store, no global
 * state, any thread). Profiles are immutable once built and may be shared
 * between threads. The store functions are clients of
 * mlmd.governance.MonitoringService (proto/mlmd_governance.proto), so
 * every write is audited like any other.
 */
#ifndef MLMD_MONITOR_H
#define MLMD_MONITOR_H

#include "common.h"

struct mlmd_store;

MLMD_BEGIN_DECLS

/* ---- two-sample statistics ---------------------------------------------------------- */

typedef enum mlmd_column_kind {
	MLMD_COLUMN_NUMERIC = 1,
	MLMD_COLUMN_CATEGORICAL = 2
} mlmd_column_kind;

/* When a column counts as drifted: PSI at or above `psi`, or a p-value
 * (KS's, chi-squared's) below `pvalue`. A value <= 0 takes the default. */
typedef struct mlmd_drift_thresholds {
	double psi;     /* default MLMD_DRIFT_PSI 0.2 */
	double pvalue;  /* default MLMD_DRIFT_PVALUE 0.01 */
} mlmd_drift_thresholds;

#define MLMD_DRIFT_PSI 0.2
#define MLMD_DRIFT_PVALUE 0.01
#define MLMD_DRIFT_THRESHOLDS_INIT { MLMD_DRIFT_PSI, MLMD_DRIFT_PVALUE }

/* The figures of one column. Fields that do not apply to the kind (KS and
 * Wasserstein for a categorical column, chi-squared for a numeric one; a
 * binned comparison has no Wasserstein) are NaN. */
typedef struct mlmd_drift_column {
	int kind;                    /* mlmd_column_kind */
	int64_t n_reference, n_current;             /* values present (missing excluded) */
	int64_t missing_reference, missing_current;
	double ks, ks_pvalue;        /* numeric: exact D on the samples (binned: the largest gap
	                                between the binned cumulative distributions) */
	double wasserstein;          /* numeric, samples only */
	double psi, js;              /* over the ten decile bins, or the categories */
	double chi2, chi2_pvalue;    /* categorical (binned: also numeric bins) */
	int64_t chi2_dof;
	int drift;                   /* a threshold is crossed */
} mlmd_drift_column;

/* Compares two numeric samples (NaN = missing): KS D and its asymptotic
 * p-value, Wasserstein-1, PSI and JS distance over ten bins whose inner
 * edges are the reference's deciles. The arrays are not modified. A side
 * with no value present is INVALID_ARGUMENT. */
MLMD_EXTERN(int) mlmd_drift_numeric(const double *reference, size_t n_reference, const double *current,
	size_t n_current, const mlmd_drift_thresholds *th, mlmd_drift_column *out);

/* Compares two categorical samples (NULL or "" = missing): chi-squared of
 * the 2 x K table (no continuity correction, categories absent from both
 * omitted), PSI and JS distance over the categories' proportions. */
MLMD_EXTERN(int) mlmd_drift_categorical(const char *const *reference, size_t n_reference,
	const char *const *current, size_t n_current, const mlmd_drift_thresholds *th, mlmd_drift_column *out);

/* Building blocks (docs/monitoring.md, "Formulas"). p and q are proportions
 * over the same k bins (p the reference); a zero proportion counts as 1e-4
 * in PSI. */
MLMD_EXTERN(double) mlmd_stat_psi(const double *p, const double *q, size_t k);
/* Jensen-Shannon distance, base 2: the square root of the divergence, in [0, 1]. */
MLMD_EXTERN(double) mlmd_stat_js(const double *p, const double *q, size_t k);
/* Chi-squared of the 2 x k table of counts (columns with no count on either
 * side omitted): statistic, p-value (upper tail with dof = k' - 1), dof.
 * Fewer than two columns left, or a side with no count at all: chi2 0,
 * p-value 1, dof 0. A negative count is INVALID_ARGUMENT. */
MLMD_EXTERN(int) mlmd_stat_chi2(const int64_t *reference, const int64_t *current, size_t k, double *chi2,
	double *pvalue, int64_t *dof);
/* Q(sqrt(n m / (n + m)) d), the asymptotic Kolmogorov p-value of a KS D. */
MLMD_EXTERN(double) mlmd_stat_ks_pvalue(double d, int64_t n, int64_t m);
/* The upper tail of the chi-squared distribution: P(X > x), dof > 0. */
MLMD_EXTERN(double) mlmd_stat_chi2_sf(double x, double dof);
/* The nine inner decile edges of a sorted sample (n >= 1, no NaN), by
 * linear interpolation between order statistics (numpy.percentile's
 * default): edge j is the (j/10) quantile. */
MLMD_EXTERN(void) mlmd_stat_deciles(const double *sorted, size_t n, double edges[9]);
/* The bin of x among bins split at `n_edges` ascending edges (n_edges + 1
 * bins): a value equal to an edge belongs to the bin below it. */
MLMD_EXTERN(int) mlmd_stat_bin(const double *edges, int n_edges, double x);

/* Whether a column of text values is numeric: every non-empty value parses
 * as a number (mlmd_double_parse; blank and "nan" in any case count as missing,
 * "inf" as a number). When numbers != NULL (n entries) it receives the
 * values, NaN for missing ones. Returns MLMD_COLUMN_NUMERIC or
 * MLMD_COLUMN_CATEGORICAL (a column of only empty values is numeric). */
MLMD_EXTERN(int) mlmd_column_classify(const char *const *values, size_t n, double *numbers);

/* ---- reference profiles ------------------------------------------------------------- */

typedef struct mlmd_profile mlmd_profile;

#define MLMD_PROFILE_BINS 10            /* numeric columns: deciles of the reference */
#define MLMD_PROFILE_CATEGORY_CAP 100   /* categories kept per column; the rest count as "other" */
/* Limits of a profile (built or read from JSON): columns, and categories per
 * column (also the largest category cap, and the most classes an output may
 * have). Beyond them: INVALID_ARGUMENT. */
#define MLMD_PROFILE_MAX_COLUMNS 4096
#define MLMD_PROFILE_MAX_CATEGORIES 100000

/* One column of rows in memory: numbers (NaN = missing) or strings (NULL or
 * "" = missing), exactly one of them non-NULL. */
typedef struct mlmd_profile_input {
	const char *name;
	size_t n;
	const double *numbers;
	const char *const *strings;
} mlmd_profile_input;

/* A profiled column, read-only (valid while the profile lives). */
typedef struct mlmd_profile_column {
	const char *name;
	int kind;                     /* mlmd_column_kind */
	int64_t count, missing;       /* values present, values missing */
	/* numeric */
	double mean, variance;        /* variance with n - 1 (0 for one value) */
	double min, max;
	int n_bins;                   /* MLMD_PROFILE_BINS always (a bin between equal edges is
	                                 empty), or 0 when no value is present (count 0: mean,
	                                 variance, min, max NaN, no edges) */
	const double *edges;          /* n_bins - 1 inner edges, non-decreasing */
	const int64_t *bin_counts;    /* n_bins */
	/* categorical: the most frequent categories (ties by byte order), then the rest */
	size_t n_categories;
	const char *const *categories;
	const int64_t *category_counts;
	int64_t other;                /* values in categories beyond the cap */
} mlmd_profile_column;

/* The model's outputs on the profiled rows, when the profile has them:
 * class counts (a classifier: labels as text) or a histogram of one score. */
typedef struct mlmd_profile_outputs {
	const char *name;             /* the output profiled */
	size_t n_classes;             /* > 0: class counts */
	const char *const *classes;
	const int64_t *class_counts;
	int n_bins;                   /* > 0: score histogram */
	const double *edges;          /* n_bins - 1 */
	const int64_t *bin_counts;
} mlmd_profile_outputs;

typedef struct mlmd_profile_options {
	unsigned version;             /* MLMD_PROFILE_OPTIONS_VERSION */
	int category_cap;             /* 0 = MLMD_PROFILE_CATEGORY_CAP */
} mlmd_profile_options;
#define MLMD_PROFILE_OPTIONS_VERSION 1
#define MLMD_PROFILE_OPTIONS_INIT { MLMD_PROFILE_OPTIONS_VERSION, 0 }

/* Builds a profile of n_columns columns (1..MLMD_PROFILE_MAX_COLUMNS, all
 * of the same length). opts may be NULL. Column names must be unique and
 * non-empty; a numeric column's values must be finite or NaN (missing), an
 * infinite one is INVALID_ARGUMENT. On success *out is a new profile; free
 * it with mlmd_profile_free(). */
MLMD_EXTERN(int) mlmd_profile_build(mlmd_profile **out, const mlmd_profile_input *columns, size_t n_columns,
	const mlmd_profile_options *opts);
/* Adds the model's outputs on the same rows (n = the profile's rows): a
 * classifier's class per row (labels as text, NULL or "" = no class; every
 * class kept, most frequent first, ties by byte order), or one score per
 * row (NaN = none), binned at that score's deciles into
 * MLMD_PROFILE_BINS bins. Replaces outputs set before. No class / no score
 * at all is INVALID_ARGUMENT (and the outputs set before stay). */
MLMD_EXTERN(int) mlmd_profile_set_classes(mlmd_profile *p, const char *output, const char *const *classes, size_t n);
MLMD_EXTERN(int) mlmd_profile_set_scores(mlmd_profile *p, const char *output, const double *scores, size_t n);

/* The JSON form (docs/monitoring.md): written and read back exactly. A
 * malformed document is INVALID_ARGUMENT naming the offending field
 * ("profile: columns[2].edges[4]: ..."). to_json: *json is malloc'd and
 * NUL-terminated (free() it), *len (may be NULL) its length. from_json:
 * *out is a new profile (mlmd_profile_free()). */
MLMD_EXTERN(int) mlmd_profile_to_json(const mlmd_profile *p, char **json, size_t *len);
MLMD_EXTERN(int) mlmd_profile_from_json(mlmd_profile **out, const char *json, size_t len);
MLMD_EXTERN(void) mlmd_profile_free(mlmd_profile *p);

MLMD_EXTERN(int64_t) mlmd_profile_rows(const mlmd_profile *p);
MLMD_EXTERN(size_t) mlmd_profile_column_count(const mlmd_profile *p);
MLMD_EXTERN(const mlmd_profile_column *) mlmd_profile_column_at(const mlmd_profile *p, size_t i);
/* Index of the column named `name`, or -1. */
MLMD_EXTERN(int) mlmd_profile_column_index(const mlmd_profile *p, const char *name);
/* The outputs' profile, or NULL when the profile has none. */
MLMD_EXTERN(const mlmd_profile_outputs *) mlmd_profile_outputs_get(const mlmd_profile *p);

/* Binning a value as the profile does (no allocation, any thread): a
 * numeric column's bin (mlmd_stat_bin over its edges: a binary search), a
 * categorical column's category index (a hash table built with the
 * profile), or n_categories for "other". -1 for a missing value (NaN; NULL
 * or ""), a column out of range or of the other kind, and a numeric column
 * with no value in the profile (n_bins 0); no error is recorded. */
MLMD_EXTERN(int) mlmd_profile_bin(const mlmd_profile *p, size_t column, double x);
MLMD_EXTERN(int) mlmd_profile_category(const mlmd_profile *p, size_t column, const char *value);

/* Compares counts seen in a window with column `column` of the profile:
 * `counts` has n_bins entries (numeric) or n_categories + 1 (categorical,
 * "other" last); `missing` counts missing values. Gives PSI, JS, chi-squared
 * and the binned KS approximation (NaN for a categorical column);
 * wasserstein is NaN. When either side has no value present (the profile's
 * count or the window's counts all 0) every figure is NaN and drift 0.
 * th may be NULL (the defaults). Negative counts: INVALID_ARGUMENT. */
MLMD_EXTERN(int) mlmd_profile_compare(const mlmd_profile *p, size_t column, const int64_t *counts, int64_t missing,
	const mlmd_drift_thresholds *th, mlmd_drift_column *out);

/* ---- in the store --------------------------------------------------------------------- */

/* Records a profile of the model artifact `model_artifact_id` (or, when it
 * is 0, of the registry reference model_ref: "NAME@ALIAS" | "NAME/VERSION"),
 * as the mlmd.DataProfile OUTPUT of an mlmd.Profiling execution whose
 * INPUTs are the model and dataset_artifact_id (0: none). name may be NULL
 * (the default name). *profile_artifact_id (may be NULL) receives the new
 * artifact's id. */
MLMD_EXTERN(int) mlmd_profile_record(struct mlmd_store *store, int64_t model_artifact_id, const char *model_ref,
	const mlmd_profile *p, int64_t dataset_artifact_id, const char *name, int64_t *profile_artifact_id);

/* The newest profile of a model artifact (or reference, as above):
 * NOT_FOUND saying how to record one when it has none. *profile_artifact_id
 * may be NULL. */
MLMD_EXTERN(int) mlmd_profile_get(mlmd_profile **out, struct mlmd_store *store, int64_t model_artifact_id,
	const char *model_ref, int64_t *profile_artifact_id);

MLMD_END_DECLS

#endif

/*
 * serving/drift.c - drift monitoring while serving (mlmd/serving.h,
 * mlmd/monitor.h, docs/monitoring.md "serving"): the plan compiled from the
 * model's newest reference profile at each load, the profile's bins counted
 * per context on the scoring path, and the windows each flush compares with
 * the profile and records (PutDriftWindow, through mlmd_store_call with the
 * generated mlmd.governance messages, as lib/governance does).
 *
 * The plan: each profile column reads one model input, by name when the
 * input holds one value per row, or by position when the model has a single
 * input of F values per row and the profile F columns (and no column matched
 * by name). A profile column the model does not have is ignored. The
 * outputs: class counts of the served class output (the statistics' own
 * argmax counts, reused), or the profile's score histogram over a model
 * output of that name with one value per row.
 *
 * Counting: every stat_block of a monitored model has an array of relaxed
 * atomic counters (per column its bins and a missing count, the score bins
 * and missing, then the rows counted), allocated with the block. Only the
 * scoring thread writes a block; the flush reads totals and keeps, per
 * model version, the totals at the last recorded window, so a window is the
 * difference (nothing is reset). A batch scored while a flush reads may be
 * split between two windows.
 *
 * Windows: at a flush, the window of the version served is recorded when it
 * has at least drift_min_rows rows (judged), otherwise carried over to the
 * next flush; a version no longer served (after a swap) and every version
 * at the scorer's close have their non-empty windows recorded whatever
 * their size, judged only with drift_min_rows rows ("judged": false and not
 * drifted otherwise).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sv.h"
#include "mlmd_governance.pb-c.h"

void mlmd__sv_drift_free(drift_plan *p)
{
	if (!p)
		return;
	mlmd_profile_free(p->profile);
	free(p->cols);
	free(p->prev);
	free(p);
}

/* Values per row of a declared input (rank 1: one; rank 2: dims[1], -1
 * when symbolic), or 0 when it is not a table of rows. */
static int64_t declared_width(const mlmd_value_info *vi)
{
	if (vi->rank == 1)
		return 1;
	if (vi->rank == 2)
		return vi->dims[1] > 0 ? vi->dims[1] : -1;
	return vi->rank < 0 ? -1 : 0;
}

/* x as the nearest float, for the values and edges of a FLOAT input (a value
 * beyond a float's range is left as it is: the conversion would be undefined). */
static double to_float(double x)
{
	return fabs(x) <= FLT_MAX ? (double)(float)x : x;
}

static int compile(drift_plan *p, const served *v)
{
	const mlmd_model *m = v->model;
	size_t nc = mlmd_profile_column_count(p->profile), ni = mlmd_model_input_count(m);
	p->cols = calloc(nc ? nc : 1, sizeof *p->cols);
	if (!p->cols)
		return MLMD_OOM();
	size_t off = 0;
	/* by name: an input holding one value per row */
	for (size_t j = 0; j < nc; j++) {
		const mlmd_profile_column *pc = mlmd_profile_column_at(p->profile, j);
		int i = mlmd_model_input_index(m, pc->name);
		if (i < 0)
			continue;
		int64_t w = declared_width(mlmd_model_input(m, (size_t)i));
		if (w != 1 && w != -1)
			continue;
		p->cols[p->n_cols++] = (dcol){ .pcol = j, .input = i, .col = 0, .width = 1 };
	}
	/* by position: a single [N, F] input and a profile of F columns */
	if (!p->n_cols && ni == 1 && nc > 0) {
		int64_t w = declared_width(mlmd_model_input(m, 0));
		if (w == (int64_t)nc || (w == -1 && nc > 1))
			for (size_t j = 0; j < nc; j++)
				p->cols[p->n_cols++] = (dcol){ .pcol = j, .input = 0, .col = (int64_t)j, .width = (int64_t)nc };
	}
	size_t kept = 0;
	for (size_t k = 0; k < p->n_cols; k++) {
		dcol *c = &p->cols[kept];
		*c = p->cols[k];
		const mlmd_profile_column *pc = mlmd_profile_column_at(p->profile, c->pcol);
		if (pc->kind == MLMD_COLUMN_NUMERIC && pc->n_bins < 1)
			continue; /* the profile saw no value in it: no bins to count into */
		c->kind = pc->kind;
		c->n_slots = pc->kind == MLMD_COLUMN_NUMERIC ? pc->n_bins : (int)pc->n_categories + 1;
		c->edges = pc->edges;
		c->as_float = mlmd_model_input(m, (size_t)c->input)->dtype == MLMD_DTYPE_FLOAT;
		if (c->kind == MLMD_COLUMN_NUMERIC && c->as_float && c->n_slots - 1 <= MLMD_PROFILE_BINS - 1) {
			/* The model sees floats: an edge on a data value ("2.9" read as a
			 * double) must compare equal to that value as a float (2.9f), or
			 * the training rows served again would change bins. */
			for (int j = 0; j < c->n_slots - 1; j++)
				c->float_edges[j] = to_float(pc->edges[j]);
			c->edges = c->float_edges;
		}
		c->off = off;
		off += (size_t)c->n_slots + 1;
		kept++;
	}
	p->n_cols = kept;
	p->score_output = -1;
	const mlmd_profile_outputs *po = mlmd_profile_outputs_get(p->profile);
	if (po && po->n_classes > 0 && v->cls_output >= 0) {
		p->out_kind = OUT_CLASSES;
	} else if (po && po->n_bins > 0 && po->name) {
		for (size_t o = 0; o < mlmd_model_output_count(m); o++) {
			const mlmd_value_info *vi = mlmd_model_output(m, o);
			if (vi->name && !strcmp(vi->name, po->name) && declared_width(vi) != 0 &&
				(vi->dtype == MLMD_DTYPE_FLOAT || vi->dtype == MLMD_DTYPE_DOUBLE)) {
				p->out_kind = OUT_SCORES;
				p->score_output = (int)o;
				p->score_bins = po->n_bins;
				p->score_off = off;
				off += (size_t)po->n_bins + 1;
				break;
			}
		}
	}
	p->rows_slot = off++;
	p->n_slots = off;
	p->prev = calloc(p->n_slots, sizeof *p->prev);
	return p->prev ? 0 : MLMD_OOM();
}

/* The text of the profile's columns and the model's inputs, for a refusal. */
static void names(const drift_plan *p, const mlmd_model *m, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	n += (size_t)snprintf(buf + n, cap - n, "profile columns");
	for (size_t j = 0; j < mlmd_profile_column_count(p->profile) && n < cap; j++)
		n += (size_t)snprintf(buf + n, cap - n, "%s'%s'", j ? ", " : " ", mlmd_profile_column_at(p->profile, j)->name);
	for (size_t i = 0; i < mlmd_model_input_count(m) && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s'%s'", i ? ", " : "; model inputs ", mlmd_model_input(m, i)->name);
}

int mlmd__sv_drift_attach(mlmd_scorer *s, served *v)
{
	v->min_outputs = s->recording && v->cls_output >= 0 ? v->cls_output + 1 : 0;
	if (s->drift_mode == MLMD_DRIFT_OFF || !s->recording)
		return 0;
	if (!s->gate_on) { /* below schema version 5: no monitoring tables */
		if (s->drift_mode == MLMD_DRIFT_REQUIRE)
			return mlmd__fail(MLMD_FAILED_PRECONDITION, "drift REQUIRE: the store is below schema version 5, "
				"which drift monitoring needs; open it with upgrade (mlmd upgrade)");
		return 0;
	}
	mlmd_profile *prof = NULL;
	int64_t pid = 0;
	pthread_mutex_lock(&s->store_mu);
	int rc = mlmd_profile_get(&prof, s->store, v->artifact_id, NULL, &pid);
	pthread_mutex_unlock(&s->store_mu);
	if (rc == -MLMD_NOT_FOUND) {
		if (s->drift_mode != MLMD_DRIFT_REQUIRE)
			return 0;
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "model artifact %lld has no reference profile, and drift "
			"monitoring is REQUIRE: record one with `mlmd profile --store URI --artifact %lld --input "
			"TRAIN.csv` (or mlmd_profile_record())", (long long)v->artifact_id, (long long)v->artifact_id);
	}
	if (rc)
		return mlmd__context(rc, "reading the reference profile of model artifact %lld", (long long)v->artifact_id);
	drift_plan *p = calloc(1, sizeof *p);
	if (!p) {
		mlmd_profile_free(prof);
		return MLMD_OOM();
	}
	p->profile = prof;
	p->profile_id = pid;
	p->start_ms = mlmd__now_ms();
	if ((rc = compile(p, v))) {
		mlmd__sv_drift_free(p);
		return rc;
	}
	if (!p->n_cols && s->drift_mode == MLMD_DRIFT_REQUIRE) {
		char buf[1024];
		names(p, v->model, buf, sizeof buf);
		mlmd__sv_drift_free(p);
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "the reference profile %lld of model artifact %lld matches none "
			"of the model's inputs (%s), and drift monitoring is REQUIRE", (long long)pid,
			(long long)v->artifact_id, buf);
	}
	if (p->out_kind == OUT_SCORES && p->score_output + 1 > v->min_outputs)
		v->min_outputs = p->score_output + 1;
	v->drift = p;
	return 0;
}

int mlmd__sv_drift_block(stat_block *b)
{
	const drift_plan *p = b->model->drift;
	if (!p)
		return 0;
	b->drift = calloc(p->n_slots, sizeof *b->drift);
	return b->drift ? 0 : MLMD_OOM();
}

/* ---- the hot path ---------------------------------------------------------------------------- */

#define INC(a) atomic_store_explicit(&(a), atomic_load_explicit(&(a), memory_order_relaxed) + 1, memory_order_relaxed)

static double num_at(const mlmd_tensor *t, int64_t i)
{
	switch (t->dtype) {
	case MLMD_DTYPE_FLOAT: return ((const float *)t->data)[i];
	case MLMD_DTYPE_DOUBLE: return ((const double *)t->data)[i];
	case MLMD_DTYPE_INT64: return (double)((const int64_t *)t->data)[i];
	case MLMD_DTYPE_INT32: return ((const int32_t *)t->data)[i];
	case MLMD_DTYPE_INT16: return ((const int16_t *)t->data)[i];
	case MLMD_DTYPE_INT8: return ((const int8_t *)t->data)[i];
	case MLMD_DTYPE_UINT64: return (double)((const uint64_t *)t->data)[i];
	case MLMD_DTYPE_UINT32: return ((const uint32_t *)t->data)[i];
	case MLMD_DTYPE_UINT16: return ((const uint16_t *)t->data)[i];
	case MLMD_DTYPE_UINT8: case MLMD_DTYPE_BOOL: return ((const uint8_t *)t->data)[i];
	case MLMD_DTYPE_STRING: {
		const char *sv = ((const char *const *)t->data)[i];
		double x;
		return sv && sv[0] && !mlmd_double_parse(sv, strlen(sv), &x) ? x : NAN;
	}
	default: return NAN;
	}
}

static bool is_int(int dtype)
{
	return dtype == MLMD_DTYPE_INT64 || dtype == MLMD_DTYPE_INT32 || dtype == MLMD_DTYPE_INT16 ||
		dtype == MLMD_DTYPE_INT8 || dtype == MLMD_DTYPE_UINT32 || dtype == MLMD_DTYPE_UINT16 ||
		dtype == MLMD_DTYPE_UINT8 || dtype == MLMD_DTYPE_BOOL;
}

/* A categorical value's text: the string itself, an integer's decimal
 * digits or a number's shortest text, written into buf (no allocation);
 * NULL when missing. */
static const char *text_at(const mlmd_tensor *t, int64_t i, char *buf, size_t cap)
{
	if (t->dtype == MLMD_DTYPE_STRING) {
		const char *sv = ((const char *const *)t->data)[i];
		return sv && sv[0] ? sv : NULL;
	}
	if (t->dtype == MLMD_DTYPE_UINT64) {
		uint64_t u = ((const uint64_t *)t->data)[i];
		char *e = buf + cap - 1;
		*e = 0;
		do
			*--e = (char)('0' + u % 10);
		while ((u /= 10) && e > buf);
		return e;
	}
	double x = num_at(t, i);
	if (isnan(x))
		return NULL;
	if (is_int(t->dtype)) {
		int64_t v = t->dtype == MLMD_DTYPE_INT64 ? ((const int64_t *)t->data)[i] : (int64_t)x; /* exact above 2^53 */
		uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		char *e = buf + cap - 1;
		*e = 0;
		do
			*--e = (char)('0' + u % 10);
		while ((u /= 10) && e > buf + 1);
		if (v < 0)
			*--e = '-';
		return e;
	}
	if (t->dtype == MLMD_DTYPE_FLOAT) {
		/* the shortest text that reads back as the same float ("0.1" for 0.1f,
		 * not the double's "0.10000000149011612") */
		float f = (float)x;
		for (int prec = 6; prec <= 9; prec++) {
			double back;
			mlmd_double_format(buf, cap, x, prec);
			if (prec == 9 || (mlmd__parse_double(buf, strlen(buf), 0, &back) == 0 && (float)back == f))
				break;
		}
		return buf;
	}
	mlmd_double_format(buf, cap, x, 0);
	return buf;
}

/* The bin of x among n_edges ascending edges, as mlmd_stat_bin() (and so
 * mlmd_profile_bin()) gives it: the number of edges below x, a value equal
 * to an edge in the bin below it. Counted without branches for the usual
 * nine decile edges (a binary search's branches mispredict on live data). */
static inline int bin_of(const double *edges, int n_edges, double x)
{
	if (n_edges > 16)
		return mlmd_stat_bin(edges, n_edges, x);
	int b = 0;
	for (int j = 0; j < n_edges; j++)
		b += edges[j] < x;
	return b;
}

/* Elements per row of a tensor of `rows` rows. */
static int64_t row_width(const mlmd_tensor *t, int64_t rows)
{
	if (t->rank < 1 || t->dims[0] != rows)
		return 0;
	int64_t w = 1;
	for (int d = 1; d < t->rank; d++)
		w *= t->dims[d];
	return w;
}

void mlmd__sv_drift_count(const drift_plan *p, stat_block *b, const mlmd_tensor *in, size_t n_in,
	const mlmd_tensor *out, size_t n_out, int64_t rows)
{
	_Atomic uint64_t *a = b->drift;
	for (size_t k = 0; k < p->n_cols; k++) {
		const dcol *c = &p->cols[k];
		if ((size_t)c->input >= n_in)
			continue;
		const mlmd_tensor *t = &in[c->input];
		int64_t w = row_width(t, rows);
		if (w != c->width || !t->data)
			continue;
		_Atomic uint64_t *cnt = a + c->off, *miss = cnt + c->n_slots;
		if (c->kind == MLMD_COLUMN_NUMERIC) {
			int ne = c->n_slots - 1;
			if (t->dtype == MLMD_DTYPE_FLOAT && ne == MLMD_PROFILE_BINS - 1) {
				/* the usual case: float inputs, nine decile edges; counted on the stack,
				 * then added to the block once per bin */
				const float *f = (const float *)t->data + c->col;
				const double *e = c->edges;
				uint64_t lc[MLMD_PROFILE_BINS + 1] = { 0 };
				for (int64_t r = 0; r < rows; r++) {
					double x = f[r * w];
					int bn = (e[0] < x) + (e[1] < x) + (e[2] < x) + (e[3] < x) + (e[4] < x) + (e[5] < x) +
						(e[6] < x) + (e[7] < x) + (e[8] < x);
					lc[isnan(x) ? MLMD_PROFILE_BINS : bn]++;
				}
				for (int k2 = 0; k2 <= MLMD_PROFILE_BINS; k2++)
					if (lc[k2])
						atomic_store_explicit(&cnt[k2], atomic_load_explicit(&cnt[k2], memory_order_relaxed) +
							lc[k2], memory_order_relaxed);
			} else {
				for (int64_t r = 0; r < rows; r++) {
					double x = num_at(t, r * w + c->col);
					if (isnan(x))
						INC(*miss);
					else
						INC(cnt[bin_of(c->edges, ne, c->as_float ? to_float(x) : x)]);
				}
			}
		} else {
			char buf[40];
			for (int64_t r = 0; r < rows; r++) {
				const char *sv = text_at(t, r * w + c->col, buf, sizeof buf);
				int ci = sv ? mlmd_profile_category(p->profile, c->pcol, sv) : -1;
				if (ci < 0 || ci >= c->n_slots)
					INC(*miss);
				else
					INC(cnt[ci]);
			}
		}
	}
	if (p->out_kind == OUT_SCORES && (size_t)p->score_output < n_out) {
		const mlmd_tensor *t = &out[p->score_output];
		const mlmd_profile_outputs *po = mlmd_profile_outputs_get(p->profile);
		if (row_width(t, rows) == 1 && t->data) {
			_Atomic uint64_t *cnt = a + p->score_off;
			for (int64_t r = 0; r < rows; r++) {
				double x = num_at(t, r);
				if (isnan(x))
					INC(cnt[p->score_bins]);
				else
					INC(cnt[bin_of(po->edges, p->score_bins - 1, x)]);
			}
		}
	}
	atomic_store_explicit(&a[p->rows_slot], atomic_load_explicit(&a[p->rows_slot], memory_order_relaxed) +
		(uint64_t)rows, memory_order_relaxed);
}

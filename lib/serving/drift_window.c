/*
 * serving/drift_window.c - the drift windows of the serving record
 * (docs/monitoring.md "serving"): at each flush, for every model version
 * with a drift plan, the counts since its last recorded window compared
 * with the reference profile (mlmd_profile_compare per column; PSI, JS
 * distance and chi-squared of the class counts or the score histogram),
 * written as the window's report JSON and recorded with one PutDriftWindow
 * (mlmd.governance.MonitoringService), which labels the Deployment context
 * DRIFTED in the same transaction when the window drifted. Which windows
 * are due: drift.c's header comment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sv.h"
#include "mlmd_governance.pb-c.h"

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* The figures of two count vectors over the same k bins (ref, cur): PSI,
 * JS distance, chi-squared; drift by the thresholds. */
typedef struct figures {
	int64_t n_ref, n_cur;
	double psi, js, chi2, chi2_p;
	int drift;
} figures;

static int compare_counts(const int64_t *ref, const int64_t *cur, size_t k, const mlmd_drift_thresholds *th,
	figures *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < k; i++)
		f->n_ref += ref[i], f->n_cur += cur[i];
	f->psi = f->js = f->chi2 = f->chi2_p = NAN;
	if (!f->n_ref || !f->n_cur)
		return 0;
	double *p = malloc(2 * k * sizeof *p);
	if (!p)
		return MLMD_OOM();
	double *q = p + k;
	for (size_t i = 0; i < k; i++) {
		p[i] = (double)ref[i] / (double)f->n_ref;
		q[i] = (double)cur[i] / (double)f->n_cur;
	}
	f->psi = mlmd_stat_psi(p, q, k);
	f->js = mlmd_stat_js(p, q, k);
	free(p);
	int64_t dof;
	int rc = mlmd_stat_chi2(ref, cur, k, &f->chi2, &f->chi2_p, &dof);
	if (rc)
		return rc;
	f->drift = f->psi >= th->psi || f->chi2_p < th->pvalue;
	return 0;
}

static void counts_json(mlmd_json_writer *w, const int64_t *c, size_t k)
{
	mlmd_json_key(w, "counts");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < k; i++)
		mlmd_json_int(w, c[i]);
	mlmd_json_array_end(w);
}

static void num(mlmd_json_writer *w, const char *key, double v)
{
	mlmd_json_key(w, key);
	mlmd_json_double(w, v, 17);
}

static void i64(mlmd_json_writer *w, const char *key, int64_t v)
{
	mlmd_json_key(w, key);
	mlmd_json_int(w, v);
}

/* One window's report; *drifted, *max_psi and the reason (the drifted
 * columns) set from it. win: the window's counts (the plan's slots);
 * cls: its class counts by served label. */
static int report(const mlmd_scorer *s, const served *v, const int64_t *win, const int64_t *cls, bool judged,
	mlmd_json_writer *w, bool *drifted, double *max_psi, char *reason, size_t cap)
{
	const drift_plan *p = v->drift;
	*drifted = false;
	*max_psi = 0;
	size_t rn = 0;
	reason[0] = 0;
	mlmd_json_object_begin(w);
	i64(w, "rows", win[p->rows_slot]);
	mlmd_json_key(w, "judged");
	mlmd_json_bool(w, judged);
	mlmd_json_key(w, "columns");
	mlmd_json_array_begin(w);
	for (size_t k = 0; k < p->n_cols; k++) {
		const dcol *c = &p->cols[k];
		const mlmd_profile_column *pc = mlmd_profile_column_at(p->profile, c->pcol);
		const int64_t *cnt = win + c->off;
		mlmd_drift_column d;
		int rc = mlmd_profile_compare(p->profile, c->pcol, cnt, cnt[c->n_slots], &s->drift_th, &d);
		if (rc)
			return mlmd__context(rc, "comparing column '%s' with the profile", pc->name);
		bool num_col = c->kind == MLMD_COLUMN_NUMERIC;
		bool drift = judged && d.drift;
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, pc->name);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, num_col ? "numeric" : "categorical");
		i64(w, "n_reference", d.n_reference);
		i64(w, "n_current", d.n_current);
		i64(w, "missing_reference", d.missing_reference);
		i64(w, "missing_current", d.missing_current);
		num(w, "psi", d.psi);
		num(w, "js", d.js);
		num(w, "chi2", d.chi2);
		num(w, "chi2_pvalue", d.chi2_pvalue);
		if (num_col) {
			num(w, "ks", d.ks);
			num(w, "ks_pvalue", d.ks_pvalue);
		}
		mlmd_json_key(w, "drift");
		mlmd_json_bool(w, drift);
		counts_json(w, cnt, (size_t)c->n_slots);
		mlmd_json_object_end(w);
		if (!isnan(d.psi) && d.psi > *max_psi)
			*max_psi = d.psi;
		if (drift) {
			*drifted = true;
			if (rn < cap)
				rn += (size_t)snprintf(reason + rn, cap - rn, "%s'%s'", rn ? ", " : "column(s) ", pc->name);
		}
	}
	mlmd_json_array_end(w);
	const mlmd_profile_outputs *po = mlmd_profile_outputs_get(p->profile);
	if (p->out_kind != OUT_NONE) {
		/* reference and current counts over the same bins */
		size_t k = p->out_kind == OUT_SCORES ? (size_t)p->score_bins : po->n_classes + v->n_labels;
		int64_t *ref = calloc(2 * (k ? k : 1), sizeof *ref);
		size_t *bin = calloc(v->n_labels + 1, sizeof *bin); /* served label l's bin (OUT_CLASSES) */
		if (!ref || !bin) {
			free(ref), free(bin);
			return MLMD_OOM();
		}
		int64_t *cur = ref + k;
		size_t used = k, missing = 0;
		if (p->out_kind == OUT_SCORES) {
			memcpy(ref, po->bin_counts, k * sizeof *ref);
			memcpy(cur, win + p->score_off, k * sizeof *cur);
			missing = (size_t)win[p->score_off + k];
		} else {
			/* the profile's classes, then served labels the profile does not have */
			used = po->n_classes;
			memcpy(ref, po->class_counts, po->n_classes * sizeof *ref);
			for (size_t l = 0; l < v->n_labels; l++) {
				size_t j;
				for (j = 0; j < po->n_classes; j++)
					if (v->labels[l] && po->classes[j] && !strcmp(v->labels[l], po->classes[j]))
						break;
				if (j == po->n_classes)
					j = used++;
				bin[l] = j;
				cur[j] += cls[l];
			}
		}
		figures f;
		int rc = compare_counts(ref, cur, used, &s->drift_th, &f);
		if (rc) {
			free(ref), free(bin);
			return rc;
		}
		bool drift = judged && f.drift;
		mlmd_json_key(w, "outputs");
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, po->name);
		mlmd_json_key(w, "kind");
		mlmd_json_string(w, p->out_kind == OUT_SCORES ? "scores" : "classes");
		i64(w, "n_reference", f.n_ref);
		i64(w, "n_current", f.n_cur);
		if (p->out_kind == OUT_SCORES)
			i64(w, "missing_current", (int64_t)missing);
		num(w, "psi", f.psi);
		num(w, "js", f.js);
		num(w, "chi2", f.chi2);
		num(w, "chi2_pvalue", f.chi2_p);
		mlmd_json_key(w, "drift");
		mlmd_json_bool(w, drift);
		if (p->out_kind == OUT_CLASSES) {
			mlmd_json_key(w, "classes");
			mlmd_json_array_begin(w);
			for (size_t j = 0; j < po->n_classes; j++)
				mlmd_json_string(w, po->classes[j]);
			for (size_t l = 0; l < v->n_labels; l++)
				if (bin[l] >= po->n_classes) /* a label the profile does not have: its own bin */
					mlmd_json_string(w, v->labels[l]);
			mlmd_json_array_end(w);
		}
		counts_json(w, cur, used);
		mlmd_json_object_end(w);
		free(ref), free(bin);
		if (!isnan(f.psi) && f.psi > *max_psi)
			*max_psi = f.psi;
		if (drift) {
			*drifted = true;
			if (rn < cap)
				rn += (size_t)snprintf(reason + rn, cap - rn, "%soutputs '%s'", rn ? ", " : "", po->name);
		}
	}
	mlmd_json_object_end(w);
	if (*drifted && rn < cap)
		snprintf(reason + rn, cap - rn, " drifted (max PSI %.3f)", *max_psi);
	return mlmd_json_writer_status(w);
}

/* PutDriftWindow: *labelled when the deployment was labelled DRIFTED. */
static int put_window(mlmd_scorer *s, const served *v, int64_t start, int64_t end, int64_t rows, const char *json,
	bool drifted, double max_psi, const char *reason, bool *labelled)
{
	Mlmd__Pb__Governance__PutDriftWindowRequest rq = MLMD__PB__GOVERNANCE__PUT_DRIFT_WINDOW_REQUEST__INIT;
	rq.has_serving_execution_id = rq.has_model_artifact_id = rq.has_profile_artifact_id = 1;
	rq.has_start_ms = rq.has_end_ms = rq.has_rows = rq.has_drifted = rq.has_max_psi = 1;
	rq.serving_execution_id = s->execution_id;
	rq.model_artifact_id = v->artifact_id;
	rq.profile_artifact_id = v->drift->profile_id;
	rq.start_ms = start;
	rq.end_ms = end;
	rq.rows = rows;
	rq.report_json = (char *)json;
	rq.drifted = drifted;
	rq.max_psi = max_psi;
	if (drifted && s->context_id) {
		rq.has_deployment_context_id = 1;
		rq.deployment_context_id = s->context_id;
		rq.reason = (char *)reason;
	}
	size_t n = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return MLMD_OOM();
	protobuf_c_message_pack(&rq.base, buf);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s->store, "PutDriftWindow", buf, n, &out, &out_len);
	free(buf);
	*labelled = false;
	if (!rc) {
		static const uint8_t empty[1];
		Mlmd__Pb__Governance__PutDriftWindowResponse *rs = mlmd__pb__governance__put_drift_window_response__unpack(
			NULL, out_len, out ? out : empty);
		*labelled = rs && rs->labelled;
		if (rs)
			mlmd__pb__governance__put_drift_window_response__free_unpacked(rs, NULL);
	}
	mlmd_buffer_free(out);
	return rc;
}

/* The window of version v, when due: recorded, and the plan's totals moved on. */
static int flush_one(mlmd_scorer *s, served *v, stat_block *blocks, bool current, bool complete, bool *labelled)
{
	drift_plan *p = v->drift;
	size_t n = p->n_slots;
	uint64_t *tot = calloc(n + MAX_CLASSES, sizeof *tot);
	int64_t *win = calloc(n + MAX_CLASSES, sizeof *win);
	if (!tot || !win) {
		free(tot);
		free(win);
		return MLMD_OOM();
	}
	uint64_t *tcls = tot + n;
	for (stat_block *b = blocks; b; b = b->next) {
		if (b->model != v || !b->drift)
			continue;
		for (size_t i = 0; i < n; i++)
			tot[i] += LD(b->drift[i]);
		for (size_t k = 0; k < v->n_labels && k < MAX_CLASSES; k++)
			tcls[k] += LD(b->cls[k]);
	}
	for (size_t i = 0; i < n; i++)
		win[i] = (int64_t)(tot[i] - p->prev[i]);
	for (size_t k = 0; k < MAX_CLASSES; k++)
		win[n + k] = (int64_t)(tcls[k] - p->prev_cls[k]);
	int64_t rows = win[p->rows_slot];
	bool judged = rows >= s->drift_min_rows;
	int rc = 0;
	if (rows > 0 && (judged || !current || complete)) {
		mlmd_json_writer *w = NULL;
		bool drifted = false;
		double max_psi = 0;
		char reason[1024];
		int64_t end = mlmd__now_ms();
		rc = mlmd_json_writer_new(&w, NULL);
		if (!rc)
			rc = report(s, v, win, win + n, judged, w, &drifted, &max_psi, reason, sizeof reason);
		if (!rc)
			rc = put_window(s, v, p->start_ms, end < p->start_ms ? p->start_ms : end, rows,
				mlmd_json_writer_text(w, NULL), drifted, max_psi, reason, labelled);
		mlmd_json_writer_free(w);
		if (!rc) {
			memcpy(p->prev, tot, n * sizeof *tot);
			memcpy(p->prev_cls, tcls, MAX_CLASSES * sizeof *tcls);
			p->start_ms = end;
			atomic_fetch_add_explicit(&s->drift_windows, 1, memory_order_relaxed);
			if (drifted)
				atomic_fetch_add_explicit(&s->drift_drifted, 1, memory_order_relaxed);
		}
	}
	free(tot);
	free(win);
	return rc;
}

int mlmd__sv_drift_flush(mlmd_scorer *s, bool complete)
{
	if (!s->recording || !s->execution_id)
		return 0;
	pthread_mutex_lock(&s->mu);
	stat_block *blocks = s->blocks;
	served *all = s->all, *cur = s->current; /* the list only grows; its nodes live until the scorer closes */
	pthread_mutex_unlock(&s->mu);
	int rc = 0;
	bool labelled = false;
	for (served *v = all; v && !rc; v = v->next) {
		bool l = false;
		if (v->drift)
			rc = flush_one(s, v, blocks, v == cur, complete, &l);
		labelled |= l;
	}
	/* a gate list holding DRIFTED stops the scorer at the flush that found the drift */
	if (!rc && labelled)
		rc = mlmd__sv_gate_flush(s);
	return rc;
}

int mlmd_scorer_drift_monitored(const mlmd_scorer *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	int on = s->current->drift != NULL;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return on;
}

int64_t mlmd_scorer_drift_windows(const mlmd_scorer *s, int64_t *drifted)
{
	if (drifted)
		*drifted = s ? atomic_load_explicit(&((mlmd_scorer *)s)->drift_drifted, memory_order_relaxed) : 0;
	return s ? atomic_load_explicit(&((mlmd_scorer *)s)->drift_windows, memory_order_relaxed) : 0;
}

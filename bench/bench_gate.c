/*
 * bench/bench_gate.c - the serving gate's check next to the model load it
 * guards. A SQLite store holds each model at the end of a 10-hop chain
 * below a dataset labelled PII (not gated, so the check reads labels and
 * lets the model pass) and, to make label_reach large, NOISE other datasets
 * each feeding a Train execution and an output, all labelled POISONED
 * (propagated). For each model file (e.g. a small and a large XGBoost
 * model) it times, as the median of MLMD_BENCH_REPS repetitions (default 5;
 * spread: the range over the median) of the mean time of the runs in
 * S / repetitions seconds (S default 1, at least 5 runs), the cases in turns
 * within a repetition:
 *   - mlmd_gate_check() alone (one CheckServingGate),
 *   - mlmd_model_load_artifact() (read the file, SHA-256, parse; no gate),
 *     and the check followed by the load,
 *   - mlmd_scorer_open() with no_recording (the gate check and the load),
 *     the gate on (schema version 5) - what a scorer pays at open;
 * and the check's time over the load's, per repetition.
 *
 *   bench_gate DIR MODEL... [--noise N] [--secs S]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "mlmd_governance.pb-c.h"

/* n new artifacts of a type (ids into out). */
static void artifacts(mlmd_store *s, int64_t tid, size_t n, int64_t *out)
{
	Mlmd__Pb__Artifact *a = calloc(n, sizeof *a), **ap = calloc(n, sizeof *ap);
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__artifact__init(&a[i]);
		a[i].has_type_id = 1;
		a[i].type_id = tid;
		ap[i] = &a[i];
	}
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = n;
	rq.artifacts = ap;
	if (mlmd_store_put_artifacts(s, &rq, &rs))
		die("artifacts");
	memcpy(out, rs->artifact_ids, n * sizeof *out);
	mlmd_message_free(rs);
	free(a);
	free(ap);
}

/* n executions, each reading in[i] and writing out[i]. */
static void steps(mlmd_store *s, int64_t etid, size_t n, const int64_t *in, const int64_t *out)
{
	Mlmd__Pb__Execution *e = calloc(n, sizeof *e), **ep = calloc(n, sizeof *ep);
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__execution__init(&e[i]);
		e[i].has_type_id = 1;
		e[i].type_id = etid;
		ep[i] = &e[i];
	}
	Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *rs;
	rq.n_executions = n;
	rq.executions = ep;
	if (mlmd_store_put_executions(s, &rq, &rs))
		die("executions");
	Mlmd__Pb__Event *ev = calloc(2 * n, sizeof *ev), **evp = calloc(2 * n, sizeof *evp);
	for (size_t i = 0; i < 2 * n; i++) {
		mlmd__pb__event__init(&ev[i]);
		ev[i].has_execution_id = ev[i].has_artifact_id = ev[i].has_type = 1;
		ev[i].execution_id = rs->execution_ids[i / 2];
		ev[i].artifact_id = i % 2 ? out[i / 2] : in[i / 2];
		ev[i].type = i % 2 ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		evp[i] = &ev[i];
	}
	mlmd_message_free(rs);
	Mlmd__Pb__PutEventsRequest erq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *ers;
	erq.n_events = 2 * n;
	erq.events = evp;
	if (mlmd_store_put_events(s, &erq, &ers))
		die("events");
	mlmd_message_free(ers);
	free(e);
	free(ep);
	free(ev);
	free(evp);
}

static void classify(mlmd_store *s, int64_t id, const char *label)
{
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.id = id;
	rq.label = (char *)label;
	bench_rpc(s, "Classify", &rq, NULL);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_gate DIR MODEL... [--noise N] [--secs S]\n");
		return 2;
	}
	const char *dir = argv[1];
	long noise = 20000;
	double secs = 1.0;
	const char *models[16];
	int nm = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--noise") && i + 1 < argc)
			noise = atol(argv[++i]);
		else if (!strcmp(argv[i], "--secs") && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (nm < 16)
			models[nm++] = argv[i];
	}
	char db[1024], uri[1100];
	snprintf(db, sizeof db, "%s/gate.db", dir);
	rm_db(db);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &so))
		die("open");
	int64_t ds = bench_node_type(s, 1, "Dataset"), tr = bench_node_type(s, 0, "Train");
	/* noise: datasets -> Train -> outputs, the datasets POISONED (one label each, reach 3) */
	double t0 = now_s();
	int64_t *in = malloc((size_t)noise * sizeof *in), *out = malloc((size_t)noise * sizeof *out);
	for (long done = 0; done < noise; done += 1000) {
		size_t n = (size_t)(noise - done < 1000 ? noise - done : 1000);
		artifacts(s, ds, n, in + done);
		artifacts(s, ds, n, out + done);
		steps(s, tr, n, in + done, out + done);
	}
	for (long i = 0; i < noise; i++)
		classify(s, in[i], "POISONED");
	int reps = bench_rep_count();
	printf("store: %ld labelled datasets (%ld nodes) in %.1f s; median of %d repetitions, \u00b1 the range over "
	       "the median\n", noise, 3 * noise, now_s() - t0, reps);
	free(in);
	free(out);
	for (int k = 0; k < nm; k++) {
		/* dataset -> 10 hops -> the model, the dataset PII (not gated) */
		mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
		char name[32];
		snprintf(name, sizeof name, "model-%d", k);
		ro.path = models[k];
		ro.name = name;
		int64_t model;
		if (mlmd_model_record(s, &ro, &model))
			die("record");
		int64_t chain[10];
		artifacts(s, ds, 10, chain);
		steps(s, tr, 9, chain, chain + 1);
		steps(s, tr, 1, chain + 9, &model);
		classify(s, chain[0], "PII");
		mlmd_label_list *l;
		if (mlmd_gate_check(s, model, &l) || l->n)
			die("gate check (expected allowed)");
		mlmd_label_list_free(l);
		/* each case: one warm-up run, then runs until `span` seconds have passed (at least 5) */
#define TIMED(out, body)                                                              \
	do {                                                                          \
		body;                                                                 \
		long n_ = 0;                                                          \
		double a_ = now_s(), t_;                                              \
		do {                                                                  \
			body;                                                         \
			n_++;                                                         \
		} while ((t_ = now_s()) - a_ < span || n_ < 5);                      \
		bench_reps_add(&out, (t_ - a_) / (double)n_ * 1e6);                   \
	} while (0)
		bench_reps check = { 0 }, load = { 0 }, both = { 0 }, opened = { 0 }, share = { 0 };
		mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
		o.store_uri = uri;
		o.artifact_id = model;
		o.no_recording = 1;
		double span = secs / reps;
		for (int rep = 0; rep < reps; rep++) {
			mlmd_model *m;
			mlmd_scorer *sc;
			TIMED(check, if (mlmd_gate_check(s, model, NULL)) die("gate check"));
			TIMED(load, if (mlmd_model_load_artifact(&m, s, model, 0)) die("load"); mlmd_model_free(m));
			TIMED(both, if (mlmd_gate_check(s, model, NULL) || mlmd_model_load_artifact(&m, s, model, 0))
				die("check and load"); mlmd_model_free(m));
			TIMED(opened, if (mlmd_scorer_open(&sc, &o)) die("scorer open"); mlmd_scorer_free(sc));
			bench_reps_add(&share, 100 * check.v[rep] / load.v[rep]);
		}
		FILE *f = fopen(models[k], "rb");
		long size = 0;
		if (f) {
			fseek(f, 0, SEEK_END);
			size = ftell(f);
			fclose(f);
		}
		printf("%s (%ld bytes):\n", models[k], size);
		bench_head("", "us", "load us", "% of the load");
		bench_row("gate check (mlmd_gate_check)", "%.1f", &check, &load, "%.2f%%", &share);
		bench_row("load without the check", "%.1f", &load, NULL, NULL, NULL);
		bench_row("load with the check", "%.1f", &both, NULL, NULL, NULL);
		bench_row("scorer open (no recording, gate on)", "%.1f", &opened, NULL, NULL, NULL);
	}
	mlmd_store_free(s);
	rm_db(db);
	return 0;
}

/*
 * tests/fuzz/fuzz_search.c - fuzz target for the run search compiler
 * (lib/query/runs.c) through the public path: a SearchRuns request sent with
 * mlmd_store_call() to a small in-memory store holding three runs with
 * parameters (string, int, double), tags and metrics, made once.
 *
 * An input is the filter, then up to four order_by entries, separated by NUL
 * bytes: "filter\0order_by[0]\0order_by[1]...". The call must succeed with a
 * response that parses, or fail with INVALID_ARGUMENT whose message names the
 * filter or the order_by entry: the compiler must never emit SQL the database
 * rejects. Crashes, leaks and sanitizer reports are the other findings.
 * Built by `make fuzz` (clang), replayed over tests/fuzz/corpus/search by
 * `make check-fuzz` (tests/fuzz/replay.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd_tracking.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ORDER 4

/* Sends one request; aborts unless it succeeds. Returns the response bytes. */
static void *must_call(mlmd_store *s, const char *method, const ProtobufCMessage *rq, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		abort();
	protobuf_c_message_pack(rq, buf);
	void *resp = NULL;
	if (mlmd_store_call(s, method, buf, n, &resp, len)) {
		fprintf(stderr, "fuzz_search setup: %s: %s\n", method, mlmd_error_message());
		abort();
	}
	free(buf);
	return resp;
}

static void add_run(mlmd_store *s, const char *experiment, const char *name, int64_t n, double lr, const char *team,
		    double loss, int end)
{
	Mlmd__Pb__Value v_opt = MLMD__PB__VALUE__INIT, v_n = MLMD__PB__VALUE__INIT, v_lr = MLMD__PB__VALUE__INIT;
	v_opt.value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
	v_opt.string_value = (char *)(lr > 0.05 ? "adam" : "sgd");
	v_n.value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	v_n.int_value = n;
	v_lr.value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
	v_lr.double_value = lr;
	Mlmd__Pb__Tracking__Param p[3] = { MLMD__PB__TRACKING__PARAM__INIT, MLMD__PB__TRACKING__PARAM__INIT,
					   MLMD__PB__TRACKING__PARAM__INIT };
	p[0].key = "optimizer", p[0].value = &v_opt;
	p[1].key = "n", p[1].value = &v_n;
	p[2].key = "lr", p[2].value = &v_lr;
	Mlmd__Pb__Tracking__Param *pp[3] = { &p[0], &p[1], &p[2] };
	Mlmd__Pb__Tracking__Tag t[2] = { MLMD__PB__TRACKING__TAG__INIT, MLMD__PB__TRACKING__TAG__INIT };
	t[0].key = "team", t[0].value = (char *)team;
	t[1].key = "my key", t[1].value = "it's \"quoted\"";
	Mlmd__Pb__Tracking__Tag *tp[2] = { &t[0], &t[1] };
	Mlmd__Pb__Tracking__StartRunRequest srq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	srq.experiment_name = (char *)experiment;
	srq.run_name = (char *)name;
	srq.n_params = 3, srq.params = pp;
	srq.n_tags = 2, srq.tags = tp;
	size_t len;
	void *b = must_call(s, "StartRun", &srq.base, &len);
	Mlmd__Pb__Tracking__StartRunResponse *srs = mlmd__pb__tracking__start_run_response__unpack(NULL, len, b);
	mlmd_buffer_free(b);
	if (!srs)
		abort();
	int64_t id = srs->run_id;
	mlmd__pb__tracking__start_run_response__free_unpacked(srs, NULL);

	double values[3] = { loss * 2, loss * 1.5, loss };
	int64_t steps[3] = { 0, 1, 2 };
	Mlmd__Pb__Tracking__MetricSeries m[2] = { MLMD__PB__TRACKING__METRIC_SERIES__INIT,
						  MLMD__PB__TRACKING__METRIC_SERIES__INIT };
	m[0].key = "loss", m[0].n_values = 3, m[0].values = values, m[0].n_steps = 3, m[0].steps = steps;
	m[1].key = "val/acc.top-1", m[1].n_values = 1, m[1].values = &lr;
	Mlmd__Pb__Tracking__MetricSeries *mp[2] = { &m[0], &m[1] };
	Mlmd__Pb__Tracking__LogRequest lrq = MLMD__PB__TRACKING__LOG_REQUEST__INIT;
	lrq.has_run_id = 1, lrq.run_id = id;
	lrq.n_metrics = 2, lrq.metrics = mp;
	mlmd_buffer_free(must_call(s, "Log", &lrq.base, &len));
	if (end) {
		Mlmd__Pb__Tracking__EndRunRequest erq = MLMD__PB__TRACKING__END_RUN_REQUEST__INIT;
		erq.has_run_id = 1, erq.run_id = id;
		mlmd_buffer_free(must_call(s, "EndRun", &erq.base, &len));
	}
}

static mlmd_store *store(void)
{
	static mlmd_store *s;
	if (s)
		return s;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	if (mlmd_store_open(&s, &o))
		abort();
	add_run(s, "vision", "r1", 10, 0.1, "a", 0.5, 1);
	add_run(s, "vision", "r2", 20, 0.01, "b", 0.25, 0);
	add_run(s, "Default", "r3", 30, 1e-3, "a%_", 0.125, 1);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1 << 17))
		return 0; /* past the filter's 65536 bytes; the limits' seeds are longer than FUZZ_MAXLEN_search */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	char *order[MAX_ORDER];
	size_t n_order = 0;
	for (char *p = memchr(text, 0, size); p && p < text + size && n_order < MAX_ORDER;
	     p = memchr(p + 1, 0, (size_t)(text + size - p))) {
		order[n_order++] = p + 1;
	}
	Mlmd__Pb__Tracking__SearchRunsRequest rq = MLMD__PB__TRACKING__SEARCH_RUNS_REQUEST__INIT;
	rq.filter = text;
	rq.n_order_by = n_order;
	rq.order_by = order;
	char *experiment = "vision";
	if (size % 3 == 1) { /* sometimes one experiment, sometimes a small page */
		rq.n_experiment_names = 1;
		rq.experiment_names = &experiment;
	} else if (size % 3 == 2) {
		rq.has_max_results = 1;
		rq.max_results = 1;
	}
	size_t n = mlmd__pb__tracking__search_runs_request__get_packed_size(&rq);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		abort();
	mlmd__pb__tracking__search_runs_request__pack(&rq, buf);
	void *resp = NULL;
	size_t resp_len = 0;
	int rc = mlmd_store_call(store(), "SearchRuns", buf, n, &resp, &resp_len);
	if (rc == 0) {
		Mlmd__Pb__Tracking__SearchRunsResponse *rs =
			mlmd__pb__tracking__search_runs_response__unpack(NULL, resp_len, resp);
		if (!rs) {
			fprintf(stderr, "SearchRuns: the response does not parse\n");
			abort();
		}
		mlmd__pb__tracking__search_runs_response__free_unpacked(rs, NULL);
	} else {
		const mlmd_error *e = mlmd_error_last();
		if (rc != -MLMD_INVALID_ARGUMENT || e->code != -rc ||
		    (strncmp(e->message, "SearchRuns: filter: ", 20) && strncmp(e->message, "SearchRuns: order_by[", 21))) {
			fprintf(stderr, "SearchRuns [%s]: unexpected failure %d: {%d, '%s'}\n", text, rc, e->code,
				e->message);
			abort();
		}
		if (resp) {
			fprintf(stderr, "SearchRuns: failed (%d) but handed out a response\n", rc);
			abort();
		}
	}
	mlmd_buffer_free(resp);
	free(buf);
	free(text);
	return 0;
}

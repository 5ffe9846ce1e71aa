/*
 * tests/test_drift_window_rpc.c - MonitoringService's PutDriftWindow and
 * GetDriftWindows given hostile requests, on every backend
 * (MLMD_TEST_BACKEND): a window on an execution that is not a serving
 * execution, negative rows, an end before the start, a report that is not
 * a JSON object or is past 64 MiB, a NaN or negative max_psi, a negative profile id, a
 * deleted (tombstoned) model, a missing deployment context, last < 0; each
 * refused with its code and a message naming the field, and nothing
 * written. A drifted window's reason longer than a label's reason is cut
 * on a UTF-8 character boundary. A good window reads back as written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dg_helpers.h"

typedef struct fixture {
	mlmd_store *s;
	int64_t model, old_model, serving, other, deployment;
} fixture;

static void setup(fixture *f)
{
	f->s = open_memory();
	int64_t at = artifact_type(f->s, "Model", 0);
	Mlmd__Pb__Artifact *a = new_artifact(at, "file:///m");
	OK(put_artifact(f->s, a, &f->model));
	a = new_artifact(at, "file:///old");
	OK(put_artifact(f->s, a, &f->old_model));
	f->serving = put_execution_node(f->s, execution_type(f->s, "ModelServing"));
	f->other = put_execution_node(f->s, execution_type(f->s, "Training"));
	f->deployment = put_context_node(f->s, context_type(f->s, "Deployment"), "prod");
	Mlmd__Pb__Governance__DeleteNodesRequest d = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	d.has_kind = 1;
	d.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	d.n_ids = 1;
	d.ids = &f->old_model;
	free_msg(dg_rpc_ok(f->s, "DeleteNodes", &d, &mlmd__pb__governance__delete_nodes_response__descriptor));
}

static Mlmd__Pb__Governance__PutDriftWindowRequest good(const fixture *f)
{
	Mlmd__Pb__Governance__PutDriftWindowRequest rq = MLMD__PB__GOVERNANCE__PUT_DRIFT_WINDOW_REQUEST__INIT;
	rq.has_serving_execution_id = rq.has_model_artifact_id = rq.has_start_ms = rq.has_end_ms = 1;
	rq.has_rows = rq.has_max_psi = 1;
	rq.serving_execution_id = f->serving;
	rq.model_artifact_id = f->model;
	rq.start_ms = 1000;
	rq.end_ms = 2000;
	rq.rows = 50;
	rq.max_psi = 0.05;
	rq.report_json = (char *)"{\"columns\":[],\"outputs\":{}}";
	return rq;
}

/* Runs PutDriftWindow; expects status `code` (0: success) and, on a
 * failure, `what` in the message. */
static void put(fixture *f, const Mlmd__Pb__Governance__PutDriftWindowRequest *rq, int code, const char *what)
{
	int rc;
	void *rs = test_rpc(f->s, "PutDriftWindow", rq, &mlmd__pb__governance__put_drift_window_response__descriptor, &rc);
	if (!code) {
		OK(rc);
		free_msg(rs);
		return;
	}
	assert_null(rs);
	if (rc != -code || !strstr(mlmd_error_message(), what))
		fail_msg("PutDriftWindow: want %s '%s', got %s '%s'", mlmd_status_name(-code), what,
			 mlmd_status_name(rc), mlmd_error_message());
}

static size_t n_windows(fixture *f)
{
	Mlmd__Pb__Governance__GetDriftWindowsRequest rq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	rq.has_serving_execution_id = 1;
	rq.serving_execution_id = f->serving;
	Mlmd__Pb__Governance__GetDriftWindowsResponse *rs =
		dg_rpc_ok(f->s, "GetDriftWindows", &rq, &mlmd__pb__governance__get_drift_windows_response__descriptor);
	size_t n = rs->n_windows;
	free_msg(rs);
	return n;
}

static void refusals_name_the_field(void **state)
{
	(void)state;
	fixture f;
	setup(&f);
	/* no window yet: an empty list (also with last) */
	assert_int_equal(n_windows(&f), 0);
	Mlmd__Pb__Governance__PutDriftWindowRequest rq = good(&f);
	rq.serving_execution_id = f.other;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "is not a serving execution");
	rq = good(&f);
	rq.rows = -1;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "rows -1");
	rq = good(&f);
	rq.end_ms = 999;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "end_ms 999");
	static const char *const bad[] = {"{\"columns\":", "[1,2]", "\"x\"", "{} {}", "{\"a\":NaN}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rq = good(&f);
		rq.report_json = (char *)bad[i];
		put(&f, &rq, MLMD_INVALID_ARGUMENT, "report_json");
	}
	/* a report past 64 MiB */
	size_t big = (64u << 20) + 16;
	char *huge = malloc(big + 1);
	assert_non_null(huge);
	memset(huge, ' ', big);
	memcpy(huge, "{}", 2);
	huge[big] = 0;
	rq = good(&f);
	rq.report_json = huge;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "more than the 67108864 allowed");
	free(huge);
	rq = good(&f);
	rq.max_psi = NAN;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "max_psi");
	rq.max_psi = -0.5;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "max_psi");
	rq = good(&f);
	rq.has_profile_artifact_id = 1;
	rq.profile_artifact_id = -3;
	put(&f, &rq, MLMD_INVALID_ARGUMENT, "profile_artifact_id -3");
	rq = good(&f);
	rq.model_artifact_id = f.old_model;
	put(&f, &rq, MLMD_NOT_FOUND, "was deleted");
	rq = good(&f);
	rq.has_drifted = rq.drifted = 1;
	rq.has_deployment_context_id = 1;
	rq.deployment_context_id = f.deployment + 100;
	put(&f, &rq, MLMD_NOT_FOUND, "deployment_context_id");
	/* nothing was written */
	assert_int_equal(n_windows(&f), 0);

	Mlmd__Pb__Governance__GetDriftWindowsRequest gq = MLMD__PB__GOVERNANCE__GET_DRIFT_WINDOWS_REQUEST__INIT;
	gq.has_serving_execution_id = gq.has_last = 1;
	gq.serving_execution_id = f.serving;
	gq.last = -1;
	int rc;
	assert_null(test_rpc(f.s, "GetDriftWindows", &gq, &mlmd__pb__governance__get_drift_windows_response__descriptor,
			     &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "last -1"));
	gq.last = 0;
	gq.serving_execution_id = f.other;
	assert_null(test_rpc(f.s, "GetDriftWindows", &gq, &mlmd__pb__governance__get_drift_windows_response__descriptor,
			     &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);

	/* a good window, infinite PSI included, reads back as written */
	rq = good(&f);
	rq.max_psi = INFINITY;
	put(&f, &rq, 0, NULL);
	gq.serving_execution_id = f.serving;
	gq.last = 5;
	Mlmd__Pb__Governance__GetDriftWindowsResponse *rs =
		dg_rpc_ok(f.s, "GetDriftWindows", &gq, &mlmd__pb__governance__get_drift_windows_response__descriptor);
	assert_int_equal(rs->n_windows, 1);
	assert_int_equal(rs->windows[0]->rows, 50);
	assert_string_equal(rs->windows[0]->report_json, rq.report_json);
	free_msg(rs);
	mlmd_store_free(f.s);
}

/* A drifted window's label reason is "drift window N of serving execution
 * M: " and the client's reason, cut to fit on a character boundary. */
static void long_reason_cut_on_a_character(void **state)
{
	(void)state;
	fixture f;
	setup(&f);
	size_t n = 3000;
	char *reason = malloc(2 * n + 2); /* "y"? and 3000 x U+00E9: 6000 or 6001 bytes */
	assert_non_null(reason);
	reason[0] = 'y';
	for (size_t i = 0; i < n; i++)
		memcpy(reason + 1 + 2 * i, "\xc3\xa9", 2);
	reason[2 * n + 1] = 0;
	for (int k = 0; k < 2; k++) { /* with and without the "y": the cut falls on either parity */
		Mlmd__Pb__Governance__PutDriftWindowRequest rq = good(&f);
		rq.has_drifted = rq.drifted = 1;
		rq.has_deployment_context_id = 1;
		rq.deployment_context_id = f.deployment;
		rq.reason = reason + k;
		int rc;
		Mlmd__Pb__Governance__PutDriftWindowResponse *rs = test_rpc(
			f.s, "PutDriftWindow", &rq, &mlmd__pb__governance__put_drift_window_response__descriptor, &rc);
		OK(rc);
		assert_true(rs->labelled);
		free_msg(rs);
		mlmd_label_list *ls = NULL;
		OK(mlmd_labels_effective(f.s, MLMD_NODE_CONTEXT, f.deployment, 0, &ls));
		int seen = 0;
		for (size_t i = 0; i < ls->n; i++) {
			const char *r = ls->labels[i].reason;
			if (strcmp(ls->labels[i].label, "DRIFTED") || !r)
				continue;
			seen = 1;
			const char *tail = strstr(r, ": ");
			assert_non_null(tail);
			tail += 2;
			if (k == 0) {
				assert_int_equal(*tail, 'y');
				tail++;
			}
			size_t len = strlen(tail);
			assert_true(len > 100 && len < 2 * n && len % 2 == 0); /* cut, in whole characters */
			for (size_t j = 0; j < len; j += 2)
				assert_memory_equal(tail + j, "\xc3\xa9", 2);
		}
		assert_true(seen);
		mlmd_label_list_free(ls);
	}
	free(reason);
	mlmd_store_free(f.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusals_name_the_field),
		cmocka_unit_test(long_reason_cut_on_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

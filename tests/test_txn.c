/*
 * tests/test_txn.c - transactions over several calls (mlmd_store_begin,
 * mlmd_store_commit, mlmd_store_rollback), on every backend: the calls take
 * effect together or not at all, a failure inside rolls everything back,
 * and without a transaction every call is still its own.
 */
#include "helpers.h"

/* How many artifacts the store holds (every type). */
static size_t n_artifacts(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	size_t n = rs->n_artifacts;
	mlmd_message_free(rs);
	return n;
}

static size_t n_artifact_types(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactTypesRequest rq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *rs;
	OK(mlmd_store_get_artifact_types(s, &rq, &rs));
	size_t n = rs->n_artifact_types;
	mlmd_message_free(rs);
	return n;
}

/* Puts one context; returns the call's status. */
static int put_context(mlmd_store *s, int64_t type_id, const char *name)
{
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = type_id;
	c.name = (char *)name;
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *rs = NULL;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	int rc = mlmd_store_put_contexts(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

/* A second handle on the same store, or NULL for an in-memory one. */
static mlmd_store *second_handle(void)
{
	if (!strcmp(test_backend(), "sqlite-memory"))
		return NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = last_store_uri;
	mlmd_store *s2 = NULL;
	OK(mlmd_store_open(&s2, &o));
	return s2;
}

static void calls_in_a_transaction_commit_together(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	mlmd_store *other = second_handle();
	OK(mlmd_store_begin(s, 1));
	int64_t t = artifact_type(s, "Data", 0), id1, id2;
	OK(put_artifact(s, new_artifact(t, "a://1"), &id1));
	OK(put_artifact(s, new_artifact(t, "a://2"), &id2));
	int64_t ct = 5000, ut = 6000;
	OK(mlmd_store_restore_times(s, "artifact", &id1, &ct, &ut, 1));
	assert_int_equal(n_artifacts(s), 2); /* the transaction sees its own writes */
	if (other) /* nobody else does before the commit */
		assert_int_equal(n_artifacts(other), 0);
	OK(mlmd_store_commit(s));
	if (other) {
		assert_int_equal(n_artifacts(other), 2);
		mlmd_store_free(other);
	}
	Mlmd__Pb__Artifact *a = get_artifact(s, id1);
	assert_int_equal(a->create_time_since_epoch, 5000);
	mlmd_message_free(a);
	/* after the commit, calls are their own transactions again */
	OK(put_artifact(s, new_artifact(t, "a://3"), NULL));
	assert_int_equal(n_artifacts(s), 3);
	mlmd_store_free(s);
}

static void a_failed_call_rolls_back_the_whole_transaction(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t kept = artifact_type(s, "Kept", 0);
	OK(mlmd_store_begin(s, 1));
	int64_t t = artifact_type(s, "Data", 0);
	OK(put_artifact(s, new_artifact(t, "a://1"), NULL));
	OK(put_artifact(s, new_artifact(kept, "a://2"), NULL));
	int64_t ctype = context_type(s, "Run");
	put_context_node(s, ctype, "run-1");
	FAILS(put_context(s, ctype, "run-1"), MLMD_ALREADY_EXISTS, "PutContexts");
	/* the transaction is over: later calls say so, naming the failure */
	FAILS(put_artifact(s, new_artifact(t, "a://3"), NULL), MLMD_FAILED_PRECONDITION,
	      "rolled back when an earlier call in it failed (PutContexts");
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs = NULL;
	FAILS(mlmd_store_get_artifacts(s, &rq, &rs), MLMD_FAILED_PRECONDITION, "mlmd_store_rollback()");
	FAILS(mlmd_store_commit(s), MLMD_ABORTED, "nothing was committed");
	/* nothing of it stayed: not the type, not the artifacts */
	assert_int_equal(n_artifacts(s), 0);
	assert_int_equal(n_artifact_types(s), 1);
	Mlmd__Pb__GetContextTypesRequest tq = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesResponse *ts;
	OK(mlmd_store_get_context_types(s, &tq, &ts));
	assert_int_equal(ts->n_context_types, 0);
	mlmd_message_free(ts);
	/* and the handle works as before */
	OK(put_artifact(s, new_artifact(kept, "a://4"), NULL));
	assert_int_equal(n_artifacts(s), 1);
	/* the same with rollback ending the failed transaction */
	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(kept, "a://5"), NULL));
	int64_t missing = 424242, ct = 1, ut = 2;
	FAILS(mlmd_store_restore_times(s, "artifact", &missing, &ct, &ut, 1), MLMD_NOT_FOUND, "424242");
	OK(mlmd_store_rollback(s));
	assert_int_equal(n_artifacts(s), 1);
	mlmd_store_free(s);
}

static void rollback_discards_every_call(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	OK(mlmd_store_begin(s, 1));
	int64_t t = artifact_type(s, "Data", 0);
	for (int i = 0; i < 3; i++)
		OK(put_artifact(s, new_artifact(t, "a://x"), NULL));
	/* the bytes entry point runs inside it too */
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__Artifact *a = new_artifact(t, "a://bytes");
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	uint8_t buf[256];
	size_t n = mlmd__pb__put_artifacts_request__pack(&rq, buf);
	void *resp = NULL;
	size_t resp_len = 0;
	OK(mlmd_store_call(s, "PutArtifacts", buf, n, &resp, &resp_len));
	mlmd_buffer_free(resp);
	mlmd_message_free(a);
	assert_int_equal(n_artifacts(s), 4);
	OK(mlmd_store_rollback(s));
	assert_int_equal(n_artifacts(s), 0);
	assert_int_equal(n_artifact_types(s), 0);
	mlmd_store_free(s);
}

static void read_transactions_refuse_writes(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t t = artifact_type(s, "Data", 0);
	OK(put_artifact(s, new_artifact(t, "a://1"), NULL));
	OK(mlmd_store_begin(s, 0));
	assert_int_equal(n_artifacts(s), 1);
	FAILS(put_artifact(s, new_artifact(t, "a://2"), NULL), MLMD_FAILED_PRECONDITION, "read-only");
	/* a refused write does not end the read transaction */
	assert_int_equal(n_artifacts(s), 1);
	OK(mlmd_store_commit(s));
	OK(put_artifact(s, new_artifact(t, "a://2"), NULL));
	assert_int_equal(n_artifacts(s), 2);
	mlmd_store_free(s);
}

static void unbalanced_calls_are_refused(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	FAILS(mlmd_store_commit(s), MLMD_FAILED_PRECONDITION, "no transaction is open");
	FAILS(mlmd_store_rollback(s), MLMD_FAILED_PRECONDITION, "no transaction is open");
	OK(mlmd_store_begin(s, 1));
	FAILS(mlmd_store_begin(s, 1), MLMD_FAILED_PRECONDITION, "do not nest");
	FAILS(mlmd_store_begin(s, 0), MLMD_FAILED_PRECONDITION, "do not nest");
	OK(mlmd_store_commit(s));
	FAILS(mlmd_store_commit(s), MLMD_FAILED_PRECONDITION, "no transaction is open");
	FAILS(mlmd_store_begin(NULL, 1), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_store_commit(NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_store_rollback(NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	mlmd_store_free(s);
}

static void free_rolls_back_an_open_transaction(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t t = artifact_type(s, "Data", 0);
	mlmd_store *other = second_handle();
	if (!other) { /* an in-memory store ends with its handle: nothing to look at afterwards */
		OK(mlmd_store_begin(s, 1));
		OK(put_artifact(s, new_artifact(t, "a://1"), NULL));
		mlmd_store_free(s);
		return;
	}
	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(t, "a://1"), NULL));
	mlmd_store_free(s); /* releases the write lock, too: the other handle can write */
	assert_int_equal(n_artifacts(other), 0);
	OK(put_artifact(other, new_artifact(t, "a://2"), NULL));
	assert_int_equal(n_artifacts(other), 1);
	mlmd_store_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calls_in_a_transaction_commit_together),
		cmocka_unit_test(a_failed_call_rolls_back_the_whole_transaction),
		cmocka_unit_test(rollback_discards_every_call),
		cmocka_unit_test(read_transactions_refuse_writes),
		cmocka_unit_test(unbalanced_calls_are_refused),
		cmocka_unit_test(free_rolls_back_an_open_transaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

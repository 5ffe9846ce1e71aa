/*
 * tests/test_audit.c - the audit log, on every backend: one record per
 * writing call (MLMD's, tracking's, governance's) in the call's own
 * transaction, with the handle's actor and the hash of the request's bytes;
 * reads and failed calls append nothing; verify recomputes the chain and
 * names the first record that rows edited, deleted or inserted with SQL
 * behind the library's back break; a checkpoint catches a chain rewritten
 * from the start or cut short at its end; a process that dies mid-transaction leaves neither the
 * write nor its record; archives of imports are verified as chains too.
 */
#include <signal.h>
#include <sys/wait.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include "helpers.h"
#include "store/governance.h" /* mlmd__store_sql, mlmd__audit_hash: SQL behind the library's back */
#include "mlmd_governance.pb-c.h"
#include "mlmd_tracking.pb-c.h"

typedef Mlmd__Pb__Governance__AuditRecord Record;

/* Runs RPC `method` on message rq through the bytes entry point; *out is the
 * unpacked response of type `out_desc` (free with mlmd_message_free). */
static int call_rpc(mlmd_store *s, const char *method, const ProtobufCMessage *rq,
		    const ProtobufCMessageDescriptor *out_desc, void **out)
{
	int rc;
	void *m = test_rpc(s, method, rq, out_desc, &rc);
	if (out)
		*out = m;
	else
		mlmd_message_free(m);
	return rc;
}

static Mlmd__Pb__Governance__GetAuditLogResponse *audit_log(mlmd_store *s, int64_t since)
{
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	rq.has_since_seq = 1;
	rq.since_seq = since;
	void *rs;
	OK(call_rpc(s, "GetAuditLog", &rq.base, &mlmd__pb__governance__get_audit_log_response__descriptor, &rs));
	return rs;
}

static size_t n_records(mlmd_store *s)
{
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	size_t n = l->n_records;
	assert_int_equal(l->last_seq, (int64_t)n);
	mlmd_message_free(l);
	return n;
}

/* VerifyAudit, with a checkpoint when hash is not NULL. */
static Mlmd__Pb__Governance__VerifyAuditResponse *verify(mlmd_store *s, int64_t seq, const char *hash)
{
	Mlmd__Pb__Governance__VerifyAuditRequest rq = MLMD__PB__GOVERNANCE__VERIFY_AUDIT_REQUEST__INIT;
	if (hash) {
		rq.has_checkpoint_seq = 1;
		rq.checkpoint_seq = seq;
		rq.checkpoint_hash = (char *)hash;
	}
	void *rs;
	OK(call_rpc(s, "VerifyAudit", &rq.base, &mlmd__pb__governance__verify_audit_response__descriptor, &rs));
	return rs;
}

/* Asserts the chain is broken at `seq` with a reason containing `needle`. */
static void expect_broken(mlmd_store *s, int64_t cseq, const char *chash, int64_t seq, const char *needle)
{
	Mlmd__Pb__Governance__VerifyAuditResponse *v = verify(s, cseq, chash);
	if (v->intact)
		fail_msg("verify says intact; expected record %lld to be named (%s)", (long long)seq, needle);
	assert_int_equal(v->first_bad_seq, seq);
	if (!strstr(v->reason, needle))
		fail_msg("reason '%s' lacks '%s'", v->reason, needle);
	mlmd_message_free(v);
}

static void expect_intact(mlmd_store *s, int64_t cseq, const char *chash)
{
	Mlmd__Pb__Governance__VerifyAuditResponse *v = verify(s, cseq, chash);
	if (!v->intact)
		fail_msg("verify: record %lld: %s", (long long)v->first_bad_seq, v->reason);
	mlmd_message_free(v);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned len = 0;
	assert_true(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) && len == 32);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void sql(mlmd_store *s, const char *text)
{
	OK(mlmd__sql_exec(mlmd__store_sql(s), text));
}

/* Six writing calls: a type, two artifacts at once, an execution, an
 * event, a context with an attribution and association. */
static void some_writes(mlmd_store *s)
{
	int64_t t = artifact_type(s, "Data", 0);
	Mlmd__Pb__Artifact *a[2] = { new_artifact(t, "/a"), new_artifact(t, "/b") };
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = 2;
	rq.artifacts = a;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	int64_t art = rs->artifact_ids[0];
	mlmd_message_free(rs);
	mlmd_message_free(a[0]);
	mlmd_message_free(a[1]);
	int64_t et = execution_type(s, "Train");
	int64_t ex = put_execution_node(s, et);
	Mlmd__Pb__Event e = MLMD__PB__EVENT__INIT, *ep = &e;
	e.has_artifact_id = e.has_execution_id = e.has_type = 1;
	e.artifact_id = art;
	e.execution_id = ex;
	e.type = MLMD__PB__EVENT__TYPE__INPUT;
	Mlmd__Pb__PutEventsRequest er = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *ers;
	er.n_events = 1;
	er.events = &ep;
	OK(mlmd_store_put_events(s, &er, &ers));
	mlmd_message_free(ers);
}

/* ---- the records ------------------------------------------------------------------------- */

static void every_write_appends_one_linked_record(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	OK(mlmd_store_set_actor(s, "alice"));
	assert_string_equal(mlmd_store_actor(s), "alice");
	some_writes(s);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	const char *ops[] = { "PutArtifactType", "PutArtifacts", "PutExecutionType", "PutExecutions", "PutEvents" };
	assert_int_equal(l->n_records, 5);
	char prev[65];
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (size_t i = 0; i < l->n_records; i++) {
		Record *r = l->records[i];
		assert_int_equal(r->seq, (int64_t)i + 1);
		assert_string_equal(r->operation, ops[i]);
		assert_string_equal(r->actor, "alice");
		assert_string_equal(r->prev_hash, prev);
		assert_int_equal(strlen(r->hash), 64);
		assert_int_equal(strlen(r->request_sha256), 64);
		assert_true(r->time_ms > 0);
		snprintf(prev, sizeof prev, "%s", r->hash);
	}
	/* each hash is SHA-256 of the documented text (docs/audit.md), computed here independently */
	for (size_t i = 0; i < l->n_records; i++) {
		Record *r = l->records[i];
		char text[1024], h[65];
		int n = snprintf(text, sizeof text, "mlmd.audit.v1\n%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n", (long long)r->seq,
				 (long long)r->time_ms, r->actor, r->operation, r->ids, r->request_sha256, r->prev_hash);
		assert_true(n > 0 && (size_t)n < sizeof text);
		sha256_hex(text, (size_t)n, h);
		assert_string_equal(r->hash, h);
	}
	/* the ids the calls touched, from their responses and requests */
	assert_string_equal(l->records[0]->ids, "type_id=1");
	assert_non_null(strstr(l->records[1]->ids, "artifact_ids=1,2"));
	assert_non_null(strstr(l->records[1]->ids, "artifacts.type_id=1"));
	assert_non_null(strstr(l->records[4]->ids, "events.artifact_id=1"));
	assert_non_null(strstr(l->records[4]->ids, "events.execution_id=1"));
	mlmd_message_free(l);
	expect_intact(s, 0, NULL);
	/* the checkpoint is the last record */
	Mlmd__Pb__Governance__GetAuditCheckpointRequest cq = MLMD__PB__GOVERNANCE__GET_AUDIT_CHECKPOINT_REQUEST__INIT;
	Mlmd__Pb__Governance__GetAuditCheckpointResponse *cp;
	OK(call_rpc(s, "GetAuditCheckpoint", &cq.base, &mlmd__pb__governance__get_audit_checkpoint_response__descriptor,
		    (void **)&cp));
	assert_int_equal(cp->seq, 5);
	assert_string_equal(cp->hash, prev);
	expect_intact(s, cp->seq, cp->hash);
	mlmd_message_free(cp);
	/* paging */
	l = audit_log(s, 3);
	assert_int_equal(l->n_records, 2);
	assert_int_equal(l->records[0]->seq, 4);
	mlmd_message_free(l);
	Mlmd__Pb__Governance__GetAuditLogRequest bad = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	bad.has_max_results = 1;
	bad.max_results = -1;
	FAILS(call_rpc(s, "GetAuditLog", &bad.base, &mlmd__pb__governance__get_audit_log_response__descriptor, NULL),
	      MLMD_INVALID_ARGUMENT, "max_results -1");
	/* the same for a record whose ids run long (400 artifacts in one call) */
	{
		int64_t t = artifact_type(s, "Many", 0);
		Mlmd__Pb__Artifact *many[400];
		for (int i = 0; i < 400; i++)
			many[i] = new_artifact(t, "/many");
		Mlmd__Pb__PutArtifactsRequest mq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *mr;
		mq.n_artifacts = 400;
		mq.artifacts = many;
		OK(mlmd_store_put_artifacts(s, &mq, &mr));
		mlmd_message_free(mr);
		for (int i = 0; i < 400; i++)
			mlmd_message_free(many[i]);
		Mlmd__Pb__Governance__GetAuditLogResponse *ml = audit_log(s, 5);
		Record *r = ml->records[ml->n_records - 1];
		assert_string_equal(r->operation, "PutArtifacts");
		size_t cap = strlen(r->ids) + 512;
		assert_true(strlen(r->ids) > 1024); /* past the library's stack buffer */
		char *text = malloc(cap), h[65];
		int n = snprintf(text, cap, "mlmd.audit.v1\n%lld\n%lld\n%s\n%s\n%s\n%s\n%s\n", (long long)r->seq,
				 (long long)r->time_ms, r->actor, r->operation, r->ids, r->request_sha256, r->prev_hash);
		sha256_hex(text, (size_t)n, h);
		assert_string_equal(r->hash, h);
		free(text);
		mlmd_message_free(ml);
	}
	mlmd_store_free(s);
}

/* A tracking call and the store's other writing entry point are audited too. */
static void tracking_and_restore_times_are_audited(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Tracking__StartRunRequest rq = MLMD__PB__TRACKING__START_RUN_REQUEST__INIT;
	rq.experiment_name = "exp";
	void *rs;
	OK(call_rpc(s, "StartRun", &rq.base, &mlmd__pb__tracking__start_run_response__descriptor, &rs));
	mlmd_message_free(rs);
	int64_t t = artifact_type(s, "D", 0);
	int64_t id;
	OK(put_artifact(s, new_artifact(t, "/x"), &id));
	int64_t when = 1000;
	OK(mlmd_store_restore_times(s, "artifact", &id, &when, &when, 1));
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	assert_true(l->n_records >= 4);
	int start = 0, restore = 0;
	for (size_t i = 0; i < l->n_records; i++) {
		start += !strcmp(l->records[i]->operation, "StartRun");
		if (!strcmp(l->records[i]->operation, "RestoreTimes")) {
			restore++;
			char want[64];
			snprintf(want, sizeof want, "artifact_ids=%lld", (long long)id);
			assert_string_equal(l->records[i]->ids, want);
			/* the hash of (id, create, update) as little-endian 64-bit integers */
			uint8_t le[24];
			const int64_t v[3] = { id, when, when };
			for (int k = 0; k < 24; k++)
				le[k] = (uint8_t)((uint64_t)v[k / 8] >> (8 * (k % 8)));
			char h[65];
			sha256_hex(le, sizeof le, h);
			assert_string_equal(l->records[i]->request_sha256, h);
		}
	}
	assert_int_equal(start, 1);
	assert_int_equal(restore, 1);
	mlmd_message_free(l);
	expect_intact(s, 0, NULL);
	mlmd_store_free(s);
}

/* The record holds the SHA-256 of the request's bytes: the same for the
 * typed call and mlmd_store_call with those bytes. */
static void request_hash_is_of_the_request_bytes(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t t = artifact_type(s, "D", 0);
	Mlmd__Pb__Artifact *a = new_artifact(t, "/h");
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	size_t n = protobuf_c_message_get_packed_size(&rq.base);
	uint8_t *buf = malloc(n);
	protobuf_c_message_pack(&rq.base, buf);
	char want[65];
	sha256_hex(buf, n, want);
	free(buf);
	Mlmd__Pb__PutArtifactsResponse *rs;
	OK(mlmd_store_put_artifacts(s, &rq, &rs));
	mlmd_message_free(rs);
	void *out;
	OK(call_rpc(s, "PutArtifacts", &rq.base, &mlmd__pb__put_artifacts_response__descriptor, &out));
	mlmd_message_free(out);
	mlmd_message_free(a);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 1);
	assert_int_equal(l->n_records, 2);
	assert_string_equal(l->records[0]->request_sha256, want);
	assert_string_equal(l->records[1]->request_sha256, want);
	/* the value itself is nowhere in the record */
	assert_null(strstr(l->records[0]->ids, "/h"));
	mlmd_message_free(l);
	mlmd_store_free(s);
}

/* Reads append nothing; a failed write appends nothing; a caller's
 * transaction commits its records with its writes, or none. */
static void reads_failures_and_rollbacks_append_nothing(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	some_writes(s);
	size_t before = n_records(s);
	Mlmd__Pb__GetArtifactsRequest g = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *gr;
	OK(mlmd_store_get_artifacts(s, &g, &gr));
	mlmd_message_free(gr);
	expect_intact(s, 0, NULL);
	assert_int_equal(n_records(s), before);
	/* an artifact of a type that does not exist: refused */
	Mlmd__Pb__Artifact *bad = new_artifact(987654, "/bad");
	assert_true(put_artifact(s, bad, NULL) < 0);
	assert_int_equal(n_records(s), before);
	int64_t t = artifact_type(s, "D2", 0);
	before = n_records(s);
	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(t, "/r1"), NULL));
	OK(put_artifact(s, new_artifact(t, "/r2"), NULL));
	OK(mlmd_store_rollback(s));
	assert_int_equal(n_records(s), before);
	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(t, "/c1"), NULL));
	OK(put_artifact(s, new_artifact(t, "/c2"), NULL));
	OK(mlmd_store_commit(s));
	assert_int_equal(n_records(s), before + 2);
	expect_intact(s, 0, NULL);
	mlmd_store_free(s);
}

/* ---- the actor --------------------------------------------------------------------------- */

static void actor_comes_from_option_environment_or_user(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* about the handle, not the backend */
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	mlmd_store *s;
	setenv("MLMD_ACTOR", "ci-bot", 1);
	OK(mlmd_store_open(&s, &o));
	assert_string_equal(mlmd_store_actor(s), "ci-bot");
	mlmd_store_free(s);
	o.actor = "carol";
	OK(mlmd_store_open(&s, &o));
	assert_string_equal(mlmd_store_actor(s), "carol");
	/* NULL: the default again */
	OK(mlmd_store_set_actor(s, NULL));
	assert_string_equal(mlmd_store_actor(s), "ci-bot");
	FAILS(mlmd_store_set_actor(s, ""), MLMD_INVALID_ARGUMENT, "is empty");
	FAILS(mlmd_store_set_actor(s, "a\nb"), MLMD_INVALID_ARGUMENT, "control character");
	FAILS(mlmd_store_set_actor(s, "bad\xff"), MLMD_INVALID_ARGUMENT, "not valid UTF-8");
	FAILS(mlmd_store_set_actor(s, "trunc\xc3"), MLMD_INVALID_ARGUMENT, "not valid UTF-8");
	char longname[300];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	FAILS(mlmd_store_set_actor(s, longname), MLMD_INVALID_ARGUMENT, "longer than 256 bytes");
	assert_string_equal(mlmd_store_actor(s), "ci-bot"); /* unchanged by refusals */
	OK(mlmd_store_set_actor(s, "J\xc3\xbcrgen"));
	mlmd_store_free(s);
	/* an invalid option is refused at open */
	o.actor = "x\ty";
	FAILS(mlmd_store_open(&s, &o), MLMD_INVALID_ARGUMENT, "control character");
	/* without MLMD_ACTOR: the OS user (or uid:<n>), never empty */
	unsetenv("MLMD_ACTOR");
	o.actor = NULL;
	OK(mlmd_store_open(&s, &o));
	assert_true(strlen(mlmd_store_actor(s)) > 0);
	mlmd_store_free(s);
	/* a version-1 options struct has no actor field: not read */
	mlmd_store_options v1 = MLMD_STORE_OPTIONS_INIT;
	v1.version = 1;
	v1.uri = "sqlite::memory:";
	v1.actor = "never-read";
	OK(mlmd_store_open(&s, &v1));
	assert_string_not_equal(mlmd_store_actor(s), "never-read");
	mlmd_store_free(s);
}

/* ---- tampering ---------------------------------------------------------------------------- */

static void edited_row_is_named(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	some_writes(s);
	sql(s, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
	expect_broken(s, 0, NULL, 3, "hash does not match its contents");
	mlmd_store_free(s);
	s = open_memory();
	some_writes(s);
	sql(s, "UPDATE audit_log SET ids = '' WHERE seq = 2");
	expect_broken(s, 0, NULL, 2, "edited");
	mlmd_store_free(s);
}

static void deleted_rows_are_named(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	some_writes(s);
	sql(s, "DELETE FROM audit_log WHERE seq = 3");
	expect_broken(s, 0, NULL, 3, "record 3 is missing");
	mlmd_store_free(s);
	/* the newest records: the shorter chain is whole, so only a checkpoint
	 * taken before shows it */
	s = open_memory();
	some_writes(s);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	char cp[65];
	snprintf(cp, sizeof cp, "%s", l->records[4]->hash);
	mlmd_message_free(l);
	sql(s, "DELETE FROM audit_log WHERE seq >= 4");
	expect_intact(s, 0, NULL);
	expect_broken(s, 5, cp, 5, "deleted from its end");
	/* and once the store is written again, record 5 is another record */
	int64_t t = artifact_type(s, "Later", 0);
	OK(put_artifact(s, new_artifact(t, "/later"), NULL));
	expect_intact(s, 0, NULL);
	expect_broken(s, 5, cp, 5, "does not have the checkpoint's hash");
	mlmd_store_free(s);
	/* the first */
	s = open_memory();
	some_writes(s);
	sql(s, "DELETE FROM audit_log WHERE seq = 1");
	expect_broken(s, 0, NULL, 1, "record 1 is missing");
	mlmd_store_free(s);
}

static void inserted_row_is_named(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	some_writes(s);
	/* a record added at the end */
	sql(s, "INSERT INTO audit_log (seq, time, actor, operation, ids, request_sha256, prev_hash, hash) "
	       "SELECT 6, time, 'mallory', 'PutArtifacts', '', request_sha256, hash, hash FROM audit_log WHERE seq = 5");
	expect_broken(s, 0, NULL, 6, "hash does not match its contents");
	mlmd_store_free(s);
	/* one slipped in between (a gap made for it first) */
	s = open_memory();
	some_writes(s);
	sql(s, "UPDATE audit_log SET seq = seq + 1 WHERE seq >= 5");
	sql(s, "INSERT INTO audit_log (seq, time, actor, operation, ids, request_sha256, prev_hash, hash) "
	       "SELECT 5, time, 'mallory', 'PutArtifacts', '', request_sha256, hash, hash FROM audit_log WHERE seq = 4");
	expect_broken(s, 0, NULL, 5, "hash does not match its contents");
	mlmd_store_free(s);
}

/* Whoever knows the (documented) hash can rewrite the whole chain
 * consistently; a checkpoint kept elsewhere from before still catches it. */
static void rewritten_chain_fails_the_checkpoint(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	some_writes(s);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	char cp_hash[65];
	snprintf(cp_hash, sizeof cp_hash, "%s", l->records[2]->hash);
	/* rewrite: record 2's actor changed, every hash from there recomputed */
	char prev[65];
	snprintf(prev, sizeof prev, "%s", l->records[0]->hash);
	for (size_t i = 1; i < l->n_records; i++) {
		Record *r = l->records[i];
		const char *actor = i == 1 ? "mallory" : r->actor;
		char h[65], q[512];
		mlmd__audit_hash(r->seq, r->time_ms, actor, r->operation, r->ids, r->request_sha256, prev, h);
		snprintf(q, sizeof q, "UPDATE audit_log SET actor = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %lld",
			 actor, prev, h, (long long)r->seq);
		sql(s, q);
		snprintf(prev, sizeof prev, "%s", h);
	}
	mlmd_message_free(l);
	expect_intact(s, 0, NULL);
	expect_broken(s, 3, cp_hash, 3, "does not have the checkpoint's hash");
	/* a checkpoint beyond the log */
	expect_broken(s, 99, cp_hash, 99, "not in the log");
	Mlmd__Pb__Governance__VerifyAuditRequest half = MLMD__PB__GOVERNANCE__VERIFY_AUDIT_REQUEST__INIT;
	half.has_checkpoint_seq = 1;
	half.checkpoint_seq = 2;
	FAILS(call_rpc(s, "VerifyAudit", &half.base, &mlmd__pb__governance__verify_audit_response__descriptor, NULL),
	      MLMD_INVALID_ARGUMENT, "both checkpoint_seq and checkpoint_hash");
	mlmd_store_free(s);
}

/* ---- crashes ------------------------------------------------------------------------------- */

static int64_t count_rows(const char *path, const char *query)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, query, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* A process killed in the middle of a transaction that wrote an artifact
 * and its audit record leaves neither: the next open sees the store as it
 * was, with an intact chain. */
static void crash_mid_transaction_leaves_neither(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own; the crash is the process's, not the backend's */
	char *path = tmp_path("crash");
	mlmd_store *s = open_file(path);
	some_writes(s);
	int64_t t = artifact_type(s, "Crash", 0);
	mlmd_store_free(s);
	int64_t arts = count_rows(path, "SELECT count(*) FROM artifact");
	int64_t recs = count_rows(path, "SELECT count(*) FROM audit_log");
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		mlmd_store *c = open_file(path);
		char seen = 'n';
		if (!mlmd_store_begin(c, 1) && !put_artifact(c, new_artifact(t, "/lost"), NULL)) {
			/* inside the transaction the record is there */
			Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(c, 0);
			seen = l->n_records == (size_t)recs + 1 ? 'y' : 'n';
			mlmd_message_free(l);
		}
		if (write(fds[1], &seen, 1) != 1)
			_exit(3);
		raise(SIGKILL); /* dies with the transaction open */
		_exit(2);
	}
	close(fds[1]);
	char seen = 0;
	assert_int_equal(read(fds[0], &seen, 1), 1);
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(seen, 'y');
	s = open_file(path);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM artifact"), arts);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM audit_log"), recs);
	expect_intact(s, 0, NULL);
	/* and the chain goes on from where it was */
	OK(put_artifact(s, new_artifact(t, "/next"), NULL));
	assert_int_equal(n_records(s), (size_t)recs + 1);
	expect_intact(s, 0, NULL);
	mlmd_store_free(s);
	tmp_remove(path);
}

/* ---- archives (import) ------------------------------------------------------------------- */

static void archives_are_kept_and_verified(void **st)
{
	(void)st;
	mlmd_store *src = open_memory();
	some_writes(src);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(src, 0);
	mlmd_store *s = open_memory();
	some_writes(s);
	size_t before = n_records(s);
	Mlmd__Pb__Governance__PutAuditArchiveRequest rq = MLMD__PB__GOVERNANCE__PUT_AUDIT_ARCHIVE_REQUEST__INIT;
	rq.n_records = l->n_records;
	rq.records = l->records;
	rq.source = "src";
	Mlmd__Pb__Governance__PutAuditArchiveResponse *rs;
	OK(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		    (void **)&rs));
	/* the import's own record is the next in the live chain */
	assert_int_equal(rs->archive_seq, (int64_t)before + 1);
	Mlmd__Pb__Governance__GetAuditLogResponse *mine = audit_log(s, (int64_t)before);
	assert_int_equal(mine->n_records, 1);
	assert_string_equal(mine->records[0]->operation, "PutAuditArchive");
	mlmd_message_free(mine);
	Mlmd__Pb__Governance__VerifyAuditResponse *v = verify(s, 0, NULL);
	assert_true(v->intact);
	assert_int_equal(v->records, (int64_t)before + 1 + (int64_t)l->n_records);
	mlmd_message_free(v);
	char q[160];
	snprintf(q, sizeof q, "UPDATE audit_archive SET actor = 'mallory' WHERE seq = 2 AND import_seq = %lld",
		 (long long)rs->archive_seq);
	sql(s, q);
	expect_broken(s, 0, NULL, rs->archive_seq, "record 2: its hash does not match");
	mlmd_message_free(rs);
	/* bad records are refused, nothing kept */
	free(l->records[1]->hash);
	l->records[1]->hash = strdup("not-hex");
	FAILS(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		       NULL), MLMD_INVALID_ARGUMENT, "archived record 2: hash is not 64 lowercase hex digits");
	rq.records = l->records + 1;
	rq.n_records = 1;
	l->records[1]->has_seq = 0;
	FAILS(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		       NULL), MLMD_INVALID_ARGUMENT, "has no seq");
	mlmd_message_free(l);
	mlmd_store_free(s);
	mlmd_store_free(src);
}

/* Seqs at INT64_MAX (an archive's are the exporter's; a live one only in an
 * edited log) are verified without seq + 1 past it, and a log whose last
 * seq is INT64_MAX refuses the next write (DATA_LOSS) instead of wrapping. */
static void extreme_seqs_do_not_overflow(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Record r[2];
	Record *rp[2] = { &r[0], &r[1] };
	char text[512], hashes[2][65];
	const char *prev = MLMD_AUDIT_GENESIS_TEXT, *req = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	for (int i = 0; i < 2; i++) {
		mlmd__pb__governance__audit_record__init(&r[i]);
		r[i].has_seq = r[i].has_time_ms = 1;
		r[i].seq = INT64_MAX - 1 + i;
		r[i].time_ms = 5;
		r[i].actor = "a";
		r[i].operation = "PutArtifacts";
		r[i].ids = "";
		r[i].request_sha256 = (char *)req;
		r[i].prev_hash = (char *)prev;
		int n = snprintf(text, sizeof text, "mlmd.audit.v1\n%lld\n5\na\nPutArtifacts\n\n%s\n%s\n",
				 (long long)r[i].seq, req, prev);
		sha256_hex(text, (size_t)n, hashes[i]);
		r[i].hash = hashes[i];
		prev = hashes[i];
	}
	Mlmd__Pb__Governance__PutAuditArchiveRequest rq = MLMD__PB__GOVERNANCE__PUT_AUDIT_ARCHIVE_REQUEST__INIT;
	rq.n_records = 2;
	rq.records = rp;
	OK(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		    NULL));
	expect_intact(s, 0, NULL);
	/* the live log: its last record edited to INT64_MAX */
	some_writes(s);
	int64_t n = (int64_t)n_records(s);
	char q[200], why[120];
	snprintf(q, sizeof q, "UPDATE audit_log SET seq = 9223372036854775807 WHERE seq = %lld", (long long)n);
	sql(s, q);
	snprintf(why, sizeof why, "record %lld is missing (the chain goes from %lld to 9223372036854775807)",
		 (long long)n, (long long)n - 1);
	expect_broken(s, 0, NULL, n, why);
	rq.n_records = 0;
	FAILS(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		       NULL), MLMD_DATA_LOSS, "no record can follow it");
	mlmd_store_free(s);
}

/* An import's records sent in several calls are one archive: each call
 * after the first names the archive it continues, must start where it ended,
 * and verify checks the link between the calls' records like any other. */
static void archive_continued_over_several_calls_is_one_chain(void **st)
{
	(void)st;
	mlmd_store *src = open_memory();
	some_writes(src);
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(src, 0);
	assert_int_equal(l->n_records, 5);
	mlmd_store *s = open_memory();
	Mlmd__Pb__Governance__PutAuditArchiveRequest rq = MLMD__PB__GOVERNANCE__PUT_AUDIT_ARCHIVE_REQUEST__INIT;
	Mlmd__Pb__Governance__PutAuditArchiveResponse *rs;
	rq.n_records = 2;
	rq.records = l->records;
	OK(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		    (void **)&rs));
	int64_t first = rs->archive_seq;
	mlmd_message_free(rs);
	/* the next call must start at record 3 */
	rq.has_continues = 1;
	rq.continues = first;
	rq.records = l->records + 3;
	rq.n_records = 2;
	FAILS(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		       NULL), MLMD_INVALID_ARGUMENT, "does not continue the archive");
	rq.continues = 999;
	FAILS(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		       NULL), MLMD_NOT_FOUND, "no archive of import record 999");
	rq.continues = first;
	rq.records = l->records + 2;
	rq.n_records = 3;
	OK(call_rpc(s, "PutAuditArchive", &rq.base, &mlmd__pb__governance__put_audit_archive_response__descriptor,
		    (void **)&rs));
	assert_int_equal(rs->archive_seq, first);
	mlmd_message_free(rs);
	expect_intact(s, 0, NULL);
	/* record 3, the first of the second call, deleted: a gap in one chain */
	char q[128];
	snprintf(q, sizeof q, "DELETE FROM audit_archive WHERE import_seq = %lld AND seq = 3", (long long)first);
	sql(s, q);
	expect_broken(s, 0, NULL, first, "record 3 is missing");
	mlmd_message_free(l);
	mlmd_store_free(s);
	mlmd_store_free(src);
}

/* ---- stores from before governance ---------------------------------------------------------- */

/* A version-3 store opened without the upgrade is written without records
 * (it has no log) and says so when asked for one; upgraded, its chain
 * starts at 1. */
static void version_3_store_has_no_log_until_upgraded(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own */
	char *path = tmp_path("v3");
	mlmd_store *s = open_file(path);
	mlmd_store_free(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, TEST_DROP_V5_SQL TEST_DROP_V4_SQL "; UPDATE mlmd_schema SET version = 3", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	s = open_file(path);
	assert_int_equal(mlmd_store_schema_version(s), 3);
	some_writes(s);
	Mlmd__Pb__Governance__GetAuditLogRequest rq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	FAILS(call_rpc(s, "GetAuditLog", &rq.base, &mlmd__pb__governance__get_audit_log_response__descriptor, NULL),
	      MLMD_FAILED_PRECONDITION, "needs schema version 4");
	mlmd_store_free(s);
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(mlmd_store_schema_version(s), mlmd_schema_version());
	assert_int_equal(n_records(s), 0);
	int64_t t = artifact_type(s, "After", 0);
	(void)t;
	Mlmd__Pb__Governance__GetAuditLogResponse *l = audit_log(s, 0);
	assert_int_equal(l->n_records, 1);
	assert_int_equal(l->records[0]->seq, 1);
	mlmd_message_free(l);
	expect_intact(s, 0, NULL);
	mlmd_store_free(s);
	tmp_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_write_appends_one_linked_record),
		cmocka_unit_test(tracking_and_restore_times_are_audited),
		cmocka_unit_test(request_hash_is_of_the_request_bytes),
		cmocka_unit_test(reads_failures_and_rollbacks_append_nothing),
		cmocka_unit_test(actor_comes_from_option_environment_or_user),
		cmocka_unit_test(edited_row_is_named),
		cmocka_unit_test(deleted_rows_are_named),
		cmocka_unit_test(inserted_row_is_named),
		cmocka_unit_test(rewritten_chain_fails_the_checkpoint),
		cmocka_unit_test(crash_mid_transaction_leaves_neither),
		cmocka_unit_test(archives_are_kept_and_verified),
		cmocka_unit_test(archive_continued_over_several_calls_is_one_chain),
		cmocka_unit_test(extreme_seqs_do_not_overflow),
		cmocka_unit_test(version_3_store_has_no_log_until_upgraded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

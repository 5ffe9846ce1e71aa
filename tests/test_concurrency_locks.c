/*
 * tests/test_concurrency_locks.c - the keyed locks of writers that run side
 * by side (docs/postgresql.md), each met by PROCS processes at once: an
 * update with abort_if_latest_updated_time_changed (the node lock: one
 * writer of a base time wins), whole-map property replaces of one context
 * (the node lock: the map stays one writer's), and a new external id set by
 * an update while other writers create or reuse an artifact by it (the
 * external id's lock: they find the updated node). On SQLite the writers run
 * one at a time and the same outcomes must hold. Each child reports through
 * a pipe; the tests count, never time.
 */
#include "concurrency.h"

#define ROUNDS 24

typedef struct outcome {
	int proc;
	int ok, precondition, exists, other;
	unsigned char won[ROUNDS];   /* the rounds whose write of this process succeeded */
} outcome;

static int report[2];

static int send_outcome(const outcome *o)
{
	return write(report[1], o, sizeof *o) == (ssize_t)sizeof *o && !o->other ? 0 : 1;
}

/* The PROCS outcomes; wins[r] counts the processes that won round r. */
static outcome gather(int wins[ROUNDS])
{
	close(report[1]);
	outcome sum = { 0 }, o;
	int n = 0;
	memset(wins, 0, sizeof(int) * ROUNDS);
	while (read(report[0], &o, sizeof o) == (ssize_t)sizeof o) {
		sum.ok += o.ok;
		sum.precondition += o.precondition;
		sum.exists += o.exists;
		sum.other += o.other;
		for (int r = 0; r < ROUNDS; r++)
			wins[r] += o.won[r];
		n++;
	}
	close(report[0]);
	assert_int_equal(n, PROCS);
	return sum;
}

static void note(outcome *o, int rc, int round, const char *what)
{
	if (rc == 0) {
		o->ok++;
		o->won[round] = 1;
	} else if (rc == -MLMD_FAILED_PRECONDITION) {
		o->precondition++;
	} else if (rc == -MLMD_ALREADY_EXISTS) {
		o->exists++;
	} else {
		fprintf(stderr, "proc %d round %d: %s: %s\n", o->proc, round, what, mlmd_error_message());
		o->other++;
	}
}

static Mlmd__Pb__Artifact *load_artifact(mlmd_store *s, int64_t id, Mlmd__Pb__GetArtifactsByIDResponse **holder)
{
	Mlmd__Pb__GetArtifactsByIDRequest q = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	q.n_artifact_ids = 1;
	q.artifact_ids = &id;
	OK(mlmd_store_get_artifacts_by_id(s, &q, holder));
	assert_int_equal((*holder)->n_artifacts, 1);
	return (*holder)->artifacts[0];
}

/* ---- OCC updates from one base time ----------------------------------------------------- */

static int64_t occ_id[ROUNDS], occ_mtime[ROUNDS];

/* Every process updates artifact r with the base time the parent read. */
static int occ_writer(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int r = 0; r < ROUNDS && !o.other; r++) {
		char u[48];
		snprintf(u, sizeof u, "/occ/%d/%d", r, proc);
		Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
		a.has_id = a.has_type_id = a.has_last_update_time_since_epoch = 1;
		a.id = occ_id[r];
		a.type_id = art_t;
		a.last_update_time_since_epoch = occ_mtime[r];
		a.uri = u;
		Mlmd__Pb__PutArtifactsRequest__Options opt = MLMD__PB__PUT_ARTIFACTS_REQUEST__OPTIONS__INIT;
		opt.has_abort_if_latest_updated_time_changed = opt.abort_if_latest_updated_time_changed = 1;
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		rq.n_artifacts = 1;
		rq.artifacts = &ap;
		rq.options = &opt;
		Mlmd__Pb__PutArtifactsResponse *rs = NULL;
		int rc, tries = 0;
		while ((rc = mlmd_store_put_artifacts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
			;
		mlmd_message_free(rs);
		note(&o, rc, r, "PutArtifacts (OCC)");
	}
	return send_outcome(&o);
}

/* PROCS updates of one artifact from the same last_update_time_since_epoch
 * with abort_if_latest_updated_time_changed: exactly one succeeds, the
 * others fail FAILED_PRECONDITION, and the stored uri is the winner's. */
static void occ_updates_have_one_winner(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	for (int r = 0; r < ROUNDS; r++) {
		OK(put_artifact(s, new_artifact(art_t, "/occ/base"), &occ_id[r]));
		Mlmd__Pb__GetArtifactsByIDResponse *h;
		occ_mtime[r] = load_artifact(s, occ_id[r], &h)->last_update_time_since_epoch;
		mlmd_message_free(h);
	}
	assert_int_equal(pipe(report), 0);
	int wins[ROUNDS];
	fan_out(occ_writer);
	outcome sum = gather(wins);
	assert_int_equal(sum.other, 0);
	assert_int_equal(sum.ok, ROUNDS);
	assert_int_equal(sum.precondition, ROUNDS * (PROCS - 1));
	for (int r = 0; r < ROUNDS; r++) {
		assert_int_equal(wins[r], 1);
		Mlmd__Pb__GetArtifactsByIDResponse *h;
		const Mlmd__Pb__Artifact *a = load_artifact(s, occ_id[r], &h);
		assert_true(a->last_update_time_since_epoch > occ_mtime[r]);
		assert_non_null(strstr(a->uri, "/occ/"));
		assert_string_not_equal(a->uri, "/occ/base");
		mlmd_message_free(h);
	}
	mlmd_store_free(s);
}

/* ---- whole-map replaces of one context -------------------------------------------------- */

static int64_t shared_ctx;

/* Process p replaces the context's custom properties with {p<p>_a: round,
 * p<p>_b: round}: even processes by a plain update, odd ones through the
 * update mask "custom_properties". */
static int map_writer(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int r = 0; r < ROUNDS && !o.other; r++) {
		Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
		c.has_id = c.has_type_id = 1;
		c.id = shared_ctx;
		c.type_id = ctx_t;
		c.name = "shared";
		Mlmd__Pb__Context__CustomPropertiesEntry e[2], *ep[2] = { &e[0], &e[1] };
		Mlmd__Pb__Value v[2];
		char keys[2][16];
		for (int k = 0; k < 2; k++) {
			mlmd__pb__context__custom_properties_entry__init(&e[k]);
			mlmd__pb__value__init(&v[k]);
			snprintf(keys[k], sizeof keys[k], "p%d_%c", proc, 'a' + k);
			e[k].key = keys[k];
			e[k].value = &v[k];
			v[k].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
			v[k].int_value = r;
		}
		c.n_custom_properties = 2;
		c.custom_properties = ep;
		Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		rq.n_contexts = 1;
		rq.contexts = &cp;
		Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
		char *mask_path = "custom_properties";
		if (proc % 2) {
			mask.n_paths = 1;
			mask.paths = &mask_path;
			rq.update_mask = &mask;
		}
		Mlmd__Pb__PutContextsResponse *rs = NULL;
		int rc, tries = 0;
		while ((rc = mlmd_store_put_contexts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
			;
		mlmd_message_free(rs);
		note(&o, rc, r, "PutContexts");
	}
	return send_outcome(&o);
}

/* After PROCS processes replaced one context's custom properties many times
 * at once, the map is exactly one writer's: two keys of one process, with
 * one round's value. */
static void whole_map_replaces_keep_one_map(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	shared_ctx = put_context_node(s, ctx_t, "shared");
	assert_int_equal(pipe(report), 0);
	int wins[ROUNDS];
	fan_out(map_writer);
	outcome sum = gather(wins);
	assert_int_equal(sum.other, 0);
	assert_int_equal(sum.ok, ROUNDS * PROCS);
	Mlmd__Pb__GetContextsByIDRequest q = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *r;
	q.n_context_ids = 1;
	q.context_ids = &shared_ctx;
	OK(mlmd_store_get_contexts_by_id(s, &q, &r));
	assert_int_equal(r->n_contexts, 1);
	const Mlmd__Pb__Context *c = r->contexts[0];
	if (c->n_custom_properties != 2)
		fail_msg("the map has %zu keys, not one writer's 2", c->n_custom_properties);
	const char *k0 = c->custom_properties[0]->key, *k1 = c->custom_properties[1]->key;
	assert_int_equal(strlen(k0), strlen(k1));
	if (strncmp(k0, k1, strlen(k0) - 1))
		fail_msg("keys %s and %s are two writers'", k0, k1);
	assert_int_equal(c->custom_properties[0]->value->int_value, c->custom_properties[1]->value->int_value);
	mlmd_message_free(r);
	mlmd_store_free(s);
}

/* ---- a new external id beside writers reusing it ------------------------------------------ */

#define EXTRA 500
static int64_t ext_art[ROUNDS]; /* the artifact given ext-<r> by an update (0: every process creates) */

/* Round r: in an update round, process r % PROCS sets ext_art[r]'s external
 * id to ext-<r> (and puts EXTRA new artifacts in the same call) while the others PutExecution an output artifact of that
 * external id with reuse_artifact_if_already_exist_by_external_id; in the
 * other rounds every process does that PutExecution. */
static int ext_writer(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int r = 0; r < ROUNDS && !o.other; r++) {
		char ext[32];
		snprintf(ext, sizeof ext, "ext-%d", r);
		Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a;
		a.has_type_id = 1;
		a.type_id = art_t;
		a.external_id = ext;
		int rc, tries = 0;
		if (ext_art[r] && r % PROCS == proc) {
			/* the update, then EXTRA new artifacts: the external id is
			 * set well before the transaction commits */
			a.has_id = 1;
			a.id = ext_art[r];
			Mlmd__Pb__Artifact *arts[1 + EXTRA];
			arts[0] = ap;
			for (int i = 1; i <= EXTRA; i++)
				arts[i] = new_artifact(art_t, "/ext/extra");
			Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
			rq.n_artifacts = 1 + EXTRA;
			rq.artifacts = arts;
			Mlmd__Pb__PutArtifactsResponse *rs = NULL;
			while ((rc = mlmd_store_put_artifacts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
				;
			mlmd_message_free(rs);
			for (int i = 1; i <= EXTRA; i++)
				mlmd_message_free(arts[i]);
			if (rc == -MLMD_ALREADY_EXISTS) /* a writer created ext-<r> first: allowed */
				rc = -MLMD_FAILED_PRECONDITION;
			note(&o, rc, r, "PutArtifacts (external id)");
			continue;
		}
		Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
		e.has_type_id = 1;
		e.type_id = exe_t;
		Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT;
		ev.has_type = 1;
		ev.type = MLMD__PB__EVENT__TYPE__OUTPUT;
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
								*pp = &pair;
		pair.artifact = &a;
		pair.event = &ev;
		Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
		opt.has_reuse_artifact_if_already_exist_by_external_id = 1;
		opt.reuse_artifact_if_already_exist_by_external_id = 1;
		Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
		rq.execution = &e;
		rq.n_artifact_event_pairs = 1;
		rq.artifact_event_pairs = &pp;
		rq.options = &opt;
		Mlmd__Pb__PutExecutionResponse *rs = NULL;
		while ((rc = mlmd_store_put_execution(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
			;
		mlmd_message_free(rs);
		if (rc == 0) {
			o.ok++;
		} else {
			fprintf(stderr, "proc %d round %d: PutExecution reusing %s: %s\n", proc, r, ext,
				mlmd_error_message());
			o.other++;
		}
	}
	return send_outcome(&o);
}

/* Every PutExecution reusing an artifact by external id succeeds, whether
 * the id is being created by seven others or set on an existing artifact by
 * an update at the same time; each external id ends on exactly one
 * artifact, the updated one when the update succeeded. */
static void external_id_set_beside_reusers(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	int updates = 0;
	for (int r = 0; r < ROUNDS; r++) {
		ext_art[r] = 0;
		if (r % 3) {
			OK(put_artifact(s, new_artifact(art_t, "/ext/pre"), &ext_art[r]));
			updates++;
		}
	}
	assert_int_equal(pipe(report), 0);
	int wins[ROUNDS];
	fan_out(ext_writer);
	outcome sum = gather(wins);
	assert_int_equal(sum.other, 0);
	assert_int_equal(sum.exists, 0);
	int updated = 0;
	for (int r = 0; r < ROUNDS; r++) {
		char ext[32], *ep = ext;
		snprintf(ext, sizeof ext, "ext-%d", r);
		Mlmd__Pb__GetArtifactsByExternalIdsRequest q = MLMD__PB__GET_ARTIFACTS_BY_EXTERNAL_IDS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsByExternalIdsResponse *rs;
		q.n_external_ids = 1;
		q.external_ids = &ep;
		OK(mlmd_store_get_artifacts_by_external_ids(s, &q, &rs));
		assert_int_equal(rs->n_artifacts, 1);
		if (ext_art[r] && wins[r]) {
			updated++;
			assert_int_equal(rs->artifacts[0]->id, ext_art[r]);
		} else {
			assert_true(rs->artifacts[0]->id != ext_art[r]);
		}
		mlmd_message_free(rs);
	}
	/* the update rounds' PutExecutions are the ok calls besides the updates that won */
	int executions = (ROUNDS - updates) * PROCS + updates * (PROCS - 1);
	assert_int_equal(sum.ok, executions + updated);
	assert_int_equal(count(s, "GetExecutions"), (size_t)executions);
	/* the artifacts made beforehand, one per external id no update set, and
	 * the updates' extra ones */
	assert_int_equal(count(s, "GetArtifacts"), (size_t)(updates + ROUNDS - updated + EXTRA * updated));
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(occ_updates_have_one_winner, setup, teardown),
		cmocka_unit_test_setup_teardown(whole_map_replaces_keep_one_map, setup, teardown),
		cmocka_unit_test_setup_teardown(external_id_set_beside_reusers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

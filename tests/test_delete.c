/*
 * tests/test_delete.c - deletion with tombstones (DeleteNodes,
 * GetTombstones) on every backend: what a tombstone keeps and loses, counts,
 * all-or-none refusals (unknown ids, an alias, a HOLD), dry runs, the id
 * limit, invisibility in reads and listings, tombstones in lineage walks,
 * stores opened at version 4 without upgrade, and the erasure marker test
 * (no byte of a deleted value left in the database files after
 * mlmd_store_gc).
 */
#include <sqlite3.h>
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

typedef Mlmd__Pb__Governance__DeleteNodesRequest DelRq;
typedef Mlmd__Pb__Governance__DeleteNodesResponse DelRs;

static void free_msg(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

/* DeleteNodes of `kind` (wire NodeKind); returns the response or NULL with *rc. */
static DelRs *del(mlmd_store *s, int kind, const int64_t *ids, size_t n, const char *reason, int dry, int *rc)
{
	DelRq rq = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.n_ids = n;
	rq.ids = (int64_t *)ids;
	rq.reason = (char *)reason;
	if (dry) {
		rq.has_dry_run = 1;
		rq.dry_run = 1;
	}
	return test_rpc(s, "DeleteNodes", &rq, &mlmd__pb__governance__delete_nodes_response__descriptor, rc);
}

static DelRs *del_ok(mlmd_store *s, int kind, const int64_t *ids, size_t n, const char *reason, int dry)
{
	int rc;
	DelRs *r = del(s, kind, ids, n, reason, dry, &rc);
	if (rc)
		fail_msg("DeleteNodes -> %d (%s): %s", rc, mlmd_status_name(rc), mlmd_error_message());
	return r;
}

#define ART MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT
#define EXE MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION
#define CTX MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT

static void event(mlmd_store *s, int64_t a, int64_t e, int type)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = a;
	ev.execution_id = e;
	ev.type = (Mlmd__Pb__Event__Type)type;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs = NULL;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(s, &rq, &rs));
	mlmd_message_free(rs);
}

static int member(mlmd_store *s, int64_t ctx, int64_t a, int64_t e)
{
	Mlmd__Pb__Attribution at_ = MLMD__PB__ATTRIBUTION__INIT, *atp = &at_;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at_.has_context_id = at_.has_artifact_id = 1;
	at_.context_id = ctx;
	at_.artifact_id = a;
	as.has_context_id = as.has_execution_id = 1;
	as.context_id = ctx;
	as.execution_id = e;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs = NULL;
	rq.n_attributions = a ? 1 : 0;
	rq.attributions = &atp;
	rq.n_associations = e ? 1 : 0;
	rq.associations = &asp;
	int rc = mlmd_store_put_attributions_and_associations(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

/* A small pipeline: raw -> train -> model, in context run (with a child context). */
typedef struct fix {
	mlmd_store *s;
	int64_t at, et, ct;
	int64_t raw, model, train, run, child;
} fix;

static void pipeline(fix *f)
{
	mlmd_store *s = f->s = open_memory();
	f->at = artifact_type(s, "Data", 1, "size", MLMD__PB__PROPERTY_TYPE__INT);
	f->et = execution_type(s, "Train");
	f->ct = context_type(s, "Run");
	Mlmd__Pb__Artifact *a = new_artifact(f->at, "file:///raw");
	OK(mlmd_node_set_int(a, 0, "size", 7));
	OK(mlmd_node_set_string(a, 1, "note", "secret"));
	OK(mlmd_message_set_string(a, "name", "raw"));
	OK(put_artifact(s, a, &f->raw));
	OK(put_artifact(s, new_artifact(f->at, "file:///model"), &f->model));
	f->train = put_execution_node(s, f->et);
	event(s, f->raw, f->train, MLMD__PB__EVENT__TYPE__INPUT);
	event(s, f->model, f->train, MLMD__PB__EVENT__TYPE__OUTPUT);
	f->run = put_context_node(s, f->ct, "run-1");
	f->child = put_context_node(s, f->ct, "run-1-child");
	OK(member(s, f->run, f->raw, f->train));
	OK(member(s, f->run, f->model, 0));
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = f->child;
	pc.parent_id = f->run;
	Mlmd__Pb__PutParentContextsRequest prq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *prs = NULL;
	prq.n_parent_contexts = 1;
	prq.parent_contexts = &pcp;
	OK(mlmd_store_put_parent_contexts(s, &prq, &prs));
	mlmd_message_free(prs);
}

/* ---- DeleteNodes: tombstones and counts ------------------------------------------------------ */

static void delete_artifact_keeps_tombstone(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	OK(mlmd_store_set_actor(f.s, "alice"));
	int64_t ids[] = { f.raw, f.raw };
	DelRs *r = del_ok(f.s, ART, ids, 2, "gdpr request 7", 0);
	assert_int_equal(r->n_deleted, 1);
	assert_int_equal(r->deleted[0]->id, f.raw);
	assert_int_equal(r->deleted[0]->type_id, f.at);
	assert_string_equal(r->deleted[0]->type, "Data");
	assert_string_equal(r->deleted[0]->actor, "alice");
	assert_string_equal(r->deleted[0]->reason, "gdpr request 7");
	assert_true(r->deleted[0]->delete_time_ms > 0);
	assert_int_equal(r->properties_removed, 2);
	assert_int_equal(r->events_kept, 1);
	assert_int_equal(r->memberships_removed, 0);
	int64_t when = r->deleted[0]->delete_time_ms;
	free_msg(r);

	/* again: NOT_FOUND (already deleted) */
	int rc;
	assert_null(del(f.s, ART, &f.raw, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_NOT_FOUND, "already deleted");

	/* GetTombstones by id (live and unknown ids left out) and paged */
	Mlmd__Pb__Governance__GetTombstonesRequest tq = MLMD__PB__GOVERNANCE__GET_TOMBSTONES_REQUEST__INIT;
	int64_t q[] = { f.model, f.raw, 999999 };
	tq.has_kind = 1;
	tq.kind = ART;
	tq.n_ids = 3;
	tq.ids = q;
	Mlmd__Pb__Governance__GetTombstonesResponse *t =
		test_rpc(f.s, "GetTombstones", &tq, &mlmd__pb__governance__get_tombstones_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(t->n_tombstones, 1);
	assert_int_equal(t->tombstones[0]->id, f.raw);
	assert_int_equal(t->tombstones[0]->delete_time_ms, when);
	assert_string_equal(t->tombstones[0]->reason, "gdpr request 7");
	free_msg(t);
	tq.n_ids = 0;
	t = test_rpc(f.s, "GetTombstones", &tq, &mlmd__pb__governance__get_tombstones_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(t->n_tombstones, 1);
	free_msg(t);
	tq.has_after_id = 1;
	tq.after_id = f.raw;
	t = test_rpc(f.s, "GetTombstones", &tq, &mlmd__pb__governance__get_tombstones_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(t->n_tombstones, 0);
	free_msg(t);
	mlmd_store_free(f.s);
}

static void delete_execution_and_context(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	DelRs *r = del_ok(f.s, EXE, &f.train, 1, NULL, 0);
	assert_int_equal(r->n_deleted, 1);
	assert_string_equal(r->deleted[0]->reason, "");
	assert_int_equal(r->events_kept, 2);
	free_msg(r);
	r = del_ok(f.s, CTX, &f.run, 1, "done", 0);
	/* two attributions, one association, one parent link */
	assert_int_equal(r->memberships_removed, 4);
	free_msg(r);
	Mlmd__Pb__Governance__GetTombstonesRequest tq = MLMD__PB__GOVERNANCE__GET_TOMBSTONES_REQUEST__INIT;
	tq.has_kind = 1;
	tq.kind = CTX;
	int rc;
	Mlmd__Pb__Governance__GetTombstonesResponse *t =
		test_rpc(f.s, "GetTombstones", &tq, &mlmd__pb__governance__get_tombstones_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(t->n_tombstones, 1);
	assert_int_equal(t->tombstones[0]->id, f.run);
	assert_string_equal(t->tombstones[0]->reason, "done");
	assert_string_equal(t->tombstones[0]->type, "Run");
	assert_true(t->tombstones[0]->delete_time_ms > 0);
	free_msg(t);
	/* the context's name is free again */
	int64_t again = put_context_node(f.s, f.ct, "run-1");
	assert_true(again != f.run);
	mlmd_store_free(f.s);
}

static void refusals_all_or_none(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	int rc;
	int64_t ids[] = { f.raw, 424242 };
	assert_null(del(f.s, ART, ids, 2, NULL, 0, &rc));
	FAILS(rc, MLMD_NOT_FOUND, "artifact 424242 does not exist");
	Mlmd__Pb__Artifact *a = get_artifact(f.s, f.raw);
	assert_non_null(a); /* nothing went */
	mlmd_message_free(a);
	assert_null(del(f.s, 0, ids, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "kind");
	assert_null(del(f.s, ART, ids, 0, NULL, 0, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "1..100000");
	int64_t *many = calloc(100001, sizeof *many);
	for (int i = 0; i < 100001; i++)
		many[i] = f.raw;
	assert_null(del(f.s, ART, many, 100001, NULL, 0, &rc));
	FAILS(rc, MLMD_INVALID_ARGUMENT, "1..100000");
	free(many);
	mlmd_store_free(f.s);
}

static void dry_run_writes_nothing(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	Mlmd__Pb__Governance__GetAuditLogRequest aq = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	int rc;
	Mlmd__Pb__Governance__GetAuditLogResponse *log0 =
		test_rpc(f.s, "GetAuditLog", &aq, &mlmd__pb__governance__get_audit_log_response__descriptor, &rc);
	OK(rc);
	DelRs *r = del_ok(f.s, CTX, &f.run, 1, NULL, 1);
	assert_int_equal(r->n_deleted, 1);
	assert_int_equal(r->memberships_removed, 4);
	free_msg(r);
	r = del_ok(f.s, ART, &f.raw, 1, NULL, 1);
	assert_int_equal(r->properties_removed, 2);
	free_msg(r);
	Mlmd__Pb__Artifact *a = get_artifact(f.s, f.raw);
	assert_non_null(a);
	assert_string_equal(a->uri, "file:///raw");
	mlmd_message_free(a);
	Mlmd__Pb__Governance__GetAuditLogResponse *log1 =
		test_rpc(f.s, "GetAuditLog", &aq, &mlmd__pb__governance__get_audit_log_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(log1->n_records, log0->n_records);
	free_msg(log0);
	free_msg(log1);
	/* the real one is audited */
	free_msg(del_ok(f.s, ART, &f.raw, 1, NULL, 0));
	log1 = test_rpc(f.s, "GetAuditLog", &aq, &mlmd__pb__governance__get_audit_log_response__descriptor, &rc);
	OK(rc);
	assert_string_equal(log1->records[log1->n_records - 1]->operation, "DeleteNodes");
	free_msg(log1);
	mlmd_store_free(f.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delete_artifact_keeps_tombstone),
		cmocka_unit_test(delete_execution_and_context),
		cmocka_unit_test(refusals_all_or_none),
		cmocka_unit_test(dry_run_writes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

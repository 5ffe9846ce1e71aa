/*
 * tests/test_delete.c - deletion with tombstones (DeleteNodes,
 * GetTombstones) on every backend: what a tombstone keeps and loses, counts,
 * all-or-none refusals (unknown ids, an alias, a HOLD), dry runs, the id
 * limit, invisibility in reads and listings, tombstones in lineage walks,
 * stores opened at version 4 without upgrade, and the erasure marker test
 * (no byte of a deleted value left in the database files after
 * mlmd_store_gc).
 */
#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include "dg_helpers.h"
#include "store/governance.h" /* mlmd__store_sql: a HOLD label's rows written behind the library's back */

typedef Mlmd__Pb__Governance__DeleteNodesRequest DelRq;
typedef Mlmd__Pb__Governance__DeleteNodesResponse DelRs;

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
	assert_int_equal(r->memberships_removed, 1); /* its attribution to run-1 */
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
	assert_int_equal(r->memberships_removed, 1); /* its association */
	free_msg(r);
	r = del_ok(f.s, CTX, &f.run, 1, "done", 0);
	/* two attributions and one parent link (the association went with the execution) */
	assert_int_equal(r->memberships_removed, 3);
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

/* ---- invisibility -------------------------------------------------------------------------- */

static Mlmd__Pb__ListOperationOptions *filter_opts(const char *q)
{
	static Mlmd__Pb__ListOperationOptions o;
	Mlmd__Pb__ListOperationOptions init = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o = init;
	o.filter_query = (char *)q;
	return &o;
}

static void tombstones_are_in_no_listing(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	free_msg(del_ok(f.s, ART, &f.raw, 1, NULL, 0));
	free_msg(del_ok(f.s, EXE, &f.train, 1, NULL, 0));
	free_msg(del_ok(f.s, CTX, &f.child, 1, NULL, 0));

	/* by id: left out */
	int64_t both[] = { f.raw, f.model };
	Mlmd__Pb__GetArtifactsByIDRequest bq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *br = NULL;
	bq.n_artifact_ids = 2;
	bq.artifact_ids = both;
	OK(mlmd_store_get_artifacts_by_id(f.s, &bq, &br));
	assert_int_equal(br->n_artifacts, 1);
	assert_int_equal(br->artifacts[0]->id, f.model);
	mlmd_message_free(br);
	assert_null(get_artifact(f.s, f.raw));
	Mlmd__Pb__GetExecutionsByIDRequest eq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *er = NULL;
	eq.n_execution_ids = 1;
	eq.execution_ids = &f.train;
	OK(mlmd_store_get_executions_by_id(f.s, &eq, &er));
	assert_int_equal(er->n_executions, 0);
	mlmd_message_free(er);
	Mlmd__Pb__GetContextsByIDRequest cq = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *cr = NULL;
	cq.n_context_ids = 1;
	cq.context_ids = &f.child;
	OK(mlmd_store_get_contexts_by_id(f.s, &cq, &cr));
	assert_int_equal(cr->n_contexts, 0);
	mlmd_message_free(cr);

	/* listings */
	Mlmd__Pb__GetArtifactsRequest aq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ar = NULL;
	OK(mlmd_store_get_artifacts(f.s, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 1);
	assert_int_equal(ar->artifacts[0]->id, f.model);
	mlmd_message_free(ar);
	char flt[128];
	snprintf(flt, sizeof flt, "id = %lld OR uri = 'file:///model'", (long long)f.raw);
	aq.options = filter_opts(flt);
	OK(mlmd_store_get_artifacts(f.s, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 1);
	assert_int_equal(ar->artifacts[0]->id, f.model);
	mlmd_message_free(ar);
	Mlmd__Pb__GetArtifactsByTypeRequest tq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByTypeResponse *tr = NULL;
	tq.type_name = "Data";
	OK(mlmd_store_get_artifacts_by_type(f.s, &tq, &tr));
	assert_int_equal(tr->n_artifacts, 1);
	mlmd_message_free(tr);
	Mlmd__Pb__GetArtifactsByContextRequest xq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *xr = NULL;
	xq.has_context_id = 1;
	xq.context_id = f.run;
	OK(mlmd_store_get_artifacts_by_context(f.s, &xq, &xr));
	assert_int_equal(xr->n_artifacts, 1);
	assert_int_equal(xr->artifacts[0]->id, f.model);
	mlmd_message_free(xr);
	Mlmd__Pb__GetExecutionsRequest gq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *gr = NULL;
	OK(mlmd_store_get_executions(f.s, &gq, &gr));
	assert_int_equal(gr->n_executions, 0);
	mlmd_message_free(gr);
	Mlmd__Pb__GetExecutionsByContextRequest ecq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *ecr = NULL;
	ecq.has_context_id = 1;
	ecq.context_id = f.run;
	OK(mlmd_store_get_executions_by_context(f.s, &ecq, &ecr));
	assert_int_equal(ecr->n_executions, 0);
	mlmd_message_free(ecr);
	Mlmd__Pb__GetContextsRequest gcq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetContextsResponse *gcr = NULL;
	OK(mlmd_store_get_contexts(f.s, &gcq, &gcr));
	assert_int_equal(gcr->n_contexts, 1);
	assert_int_equal(gcr->contexts[0]->id, f.run);
	mlmd_message_free(gcr);
	Mlmd__Pb__GetContextsByTypeRequest ctq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetContextsByTypeResponse *ctr = NULL;
	ctq.type_name = "Run";
	OK(mlmd_store_get_contexts_by_type(f.s, &ctq, &ctr));
	assert_int_equal(ctr->n_contexts, 1);
	mlmd_message_free(ctr);
	Mlmd__Pb__GetChildrenContextsByContextRequest chq = MLMD__PB__GET_CHILDREN_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetChildrenContextsByContextResponse *chr = NULL;
	chq.has_context_id = 1;
	chq.context_id = f.run;
	OK(mlmd_store_get_children_contexts_by_context(f.s, &chq, &chr));
	assert_int_equal(chr->n_contexts, 0);
	mlmd_message_free(chr);
	Mlmd__Pb__GetContextsByArtifactRequest caq = MLMD__PB__GET_CONTEXTS_BY_ARTIFACT_REQUEST__INIT;
	Mlmd__Pb__GetContextsByArtifactResponse *car = NULL;
	caq.has_artifact_id = 1;
	caq.artifact_id = f.raw;
	OK(mlmd_store_get_contexts_by_artifact(f.s, &caq, &car));
	assert_int_equal(car->n_contexts, 0);
	mlmd_message_free(car);

	/* no new edge to a tombstone */
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = f.raw;
	ev.execution_id = put_execution_node(f.s, f.et);
	ev.type = MLMD__PB__EVENT__TYPE__INPUT;
	Mlmd__Pb__PutEventsRequest pq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *pr = NULL;
	pq.n_events = 1;
	pq.events = &evp;
	FAILS(mlmd_store_put_events(f.s, &pq, &pr), MLMD_NOT_FOUND, "is deleted");
	FAILS(member(f.s, f.run, f.raw, 0), MLMD_NOT_FOUND, "is deleted");
	FAILS(member(f.s, f.child, f.model, 0), MLMD_NOT_FOUND, "is deleted");
	/* nor an update */
	Mlmd__Pb__Artifact *a = new_artifact(f.at, "file:///back");
	a->has_id = 1;
	a->id = f.raw;
	FAILS(put_artifact(f.s, a, NULL), MLMD_NOT_FOUND, "is deleted");
	mlmd_store_free(f.s);
}

/* ---- lineage walks ---------------------------------------------------------------------------- */

static const char *custom_str(Mlmd__Pb__Artifact *a, const char *key)
{
	for (size_t i = 0; i < a->n_custom_properties; i++)
		if (!strcmp(a->custom_properties[i]->key, key))
			return a->custom_properties[i]->value->string_value;
	return NULL;
}

static int64_t custom_int(ProtobufCMessage *m, const char *key)
{
	Mlmd__Pb__Execution *e = (Mlmd__Pb__Execution *)m;
	Mlmd__Pb__Artifact *a = (Mlmd__Pb__Artifact *)m;
	size_t n = m->descriptor == &mlmd__pb__execution__descriptor ? e->n_custom_properties : a->n_custom_properties;
	for (size_t i = 0; i < n; i++) {
		const char *k = m->descriptor == &mlmd__pb__execution__descriptor ? e->custom_properties[i]->key
										    : a->custom_properties[i]->key;
		Mlmd__Pb__Value *v = m->descriptor == &mlmd__pb__execution__descriptor ? e->custom_properties[i]->value
											  : a->custom_properties[i]->value;
		if (!strcmp(k, key))
			return v->int_value;
	}
	return -1;
}

static void lineage_shows_tombstones(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	/* an artifact a client marked DELETED (MLMD's own state) is a live node */
	Mlmd__Pb__Artifact *c = new_artifact(f.at, "file:///client-deleted");
	c->has_state = 1;
	c->state = MLMD__PB__ARTIFACT__STATE__DELETED;
	int64_t cdel = 0;
	OK(put_artifact(f.s, c, &cdel));
	event(f.s, cdel, f.train, MLMD__PB__EVENT__TYPE__INPUT);
	OK(mlmd_store_set_actor(f.s, "bob"));
	DelRs *r = del_ok(f.s, ART, &f.raw, 1, "poisoned", 0);
	int64_t when = r->deleted[0]->delete_time_ms;
	free_msg(r);
	r = del_ok(f.s, EXE, &f.train, 1, NULL, 0);
	int64_t when_exe = r->deleted[0]->delete_time_ms;
	free_msg(r);

	/* subgraph upstream of the model: through the deleted execution to the deleted input */
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	char flt[64];
	snprintf(flt, sizeof flt, "id = %lld", (long long)f.model);
	sn.filter_query = flt;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	o.has_max_num_hops = 1;
	o.max_num_hops = 4;
	o.has_direction = 1;
	o.direction = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM;
	rq.lineage_subgraph_query_options = &o;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	OK(mlmd_store_get_lineage_subgraph(f.s, &rq, &rs));
	Mlmd__Pb__LineageGraph *g = rs->lineage_subgraph;
	assert_int_equal(g->n_artifacts, 3);
	assert_int_equal(g->n_executions, 1);
	assert_int_equal(g->n_events, 3);
	assert_int_equal(g->executions[0]->id, f.train);
	assert_int_equal(custom_int(&g->executions[0]->base, "mlmd.deleted_time"), when_exe);
	int seen_raw = 0, seen_client = 0;
	for (size_t i = 0; i < g->n_artifacts; i++) {
		Mlmd__Pb__Artifact *x = g->artifacts[i];
		if (x->id == f.raw) {
			seen_raw = 1;
			assert_int_equal(x->type_id, f.at);
			assert_string_equal(x->type, "Data");
			assert_null(x->uri);
			assert_null(x->name);
			assert_int_equal(x->n_properties, 0);
			assert_int_equal(x->n_custom_properties, 3);
			assert_int_equal(custom_int(&x->base, "mlmd.deleted_time"), when);
			assert_string_equal(custom_str(x, "mlmd.deleted_by"), "bob");
			assert_string_equal(custom_str(x, "mlmd.delete_reason"), "poisoned");
			assert_true(x->create_time_since_epoch > 0);
		} else if (x->id == cdel) {
			seen_client = 1;
			assert_int_equal(x->state, MLMD__PB__ARTIFACT__STATE__DELETED);
			assert_string_equal(x->uri, "file:///client-deleted");
			assert_int_equal(x->n_custom_properties, 0);
		} else {
			assert_int_equal(x->id, f.model);
			assert_int_equal(x->n_custom_properties, 0);
		}
	}
	assert_true(seen_raw && seen_client);
	mlmd_message_free(rs);
	/* a tombstone is no starting node */
	snprintf(flt, sizeof flt, "id = %lld", (long long)f.raw);
	FAILS(mlmd_store_get_lineage_subgraph(f.s, &rq, &rs), MLMD_NOT_FOUND, "");

	/* MLMD's GetLineageGraph from the model */
	Mlmd__Pb__GetLineageGraphRequest lq = MLMD__PB__GET_LINEAGE_GRAPH_REQUEST__INIT;
	Mlmd__Pb__LineageGraphQueryOptions lo = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__INIT;
	snprintf(flt, sizeof flt, "uri = 'file:///model'");
	lo.query_nodes_case = MLMD__PB__LINEAGE_GRAPH_QUERY_OPTIONS__QUERY_NODES_ARTIFACTS_OPTIONS;
	lo.artifacts_options = filter_opts(flt);
	lq.options = &lo;
	Mlmd__Pb__GetLineageGraphResponse *lr = NULL;
	OK(mlmd_store_get_lineage_graph(f.s, &lq, &lr));
	g = lr->subgraph;
	assert_int_equal(g->n_artifacts, 3);
	assert_int_equal(g->n_executions, 1);
	seen_raw = 0;
	for (size_t i = 0; i < g->n_artifacts; i++)
		if (g->artifacts[i]->id == f.raw) {
			seen_raw = 1;
			assert_string_equal(custom_str(g->artifacts[i], "mlmd.delete_reason"), "poisoned");
		}
	assert_true(seen_raw);
	mlmd_message_free(lr);

	/* `mlmd lineage`: tree, DOT and JSON mark the tombstones */
	mlmd_lineage_render_options ro = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	ro.id = f.model;
	char *text = NULL;
	OK(mlmd_lineage_render(f.s, &ro, &text));
	assert_non_null(strstr(text, "(deleted by bob: poisoned)"));
	assert_non_null(strstr(text, "file:///model"));
	assert_null(strstr(text, "file:///model (deleted"));
	mlmd_buffer_free(text);
	ro.format = MLMD_RENDER_DOT;
	OK(mlmd_lineage_render(f.s, &ro, &text));
	char want[96];
	snprintf(want, sizeof want, "a%lld [shape=ellipse, style=\"filled,dashed\"", (long long)f.raw);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof want, "e%lld [shape=box, style=\"rounded,filled,dashed\"", (long long)f.train);
	assert_non_null(strstr(text, want));
	mlmd_buffer_free(text);
	ro.format = MLMD_RENDER_JSON;
	OK(mlmd_lineage_render(f.s, &ro, &text));
	snprintf(want, sizeof want, "\"id\":%lld,", (long long)f.raw);
	char *node = strstr(text, want);
	assert_non_null(node);
	char *deleted = strstr(node, "\"deleted\":");
	assert_non_null(deleted);
	assert_true(!strncmp(deleted, "\"deleted\":true,\"deleted_time\":", 29));
	assert_non_null(strstr(text, "\"delete_reason\":\"poisoned\""));
	mlmd_buffer_free(text);
	/* a tombstone is no starting point */
	ro.id = f.raw;
	ro.format = MLMD_RENDER_TREE;
	FAILS(mlmd_lineage_render(f.s, &ro, &text), MLMD_NOT_FOUND, "");
	mlmd_store_free(f.s);
}

/* ---- refusals: alias and HOLD ------------------------------------------------------------------ */

#define RPC_OK(s, M, rq, snake)                                                                   \
	({                                                                                        \
		int rc__;                                                                         \
		Mlmd__Pb__Governance__##M##Response *r__ =                                        \
			test_rpc(s, #M, rq, &mlmd__pb__governance__##snake##_response__descriptor, &rc__); \
		if (rc__)                                                                         \
			fail_msg(#M " -> %d (%s): %s", rc__, mlmd_status_name(rc__), mlmd_error_message()); \
		r__;                                                                              \
	})

static void alias_and_hold_refuse(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	mlmd_store *s = f.s;
	Mlmd__Pb__Governance__CreateRegisteredModelRequest mq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	mq.name = "churn";
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *mr = RPC_OK(s, CreateRegisteredModel, &mq, create_registered_model);
	int64_t model_ctx = mr->model->context_id;
	free_msg(mr);
	Mlmd__Pb__Governance__CreateModelVersionRequest vq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	vq.model_name = "churn";
	vq.has_artifact_id = 1;
	vq.artifact_id = f.model;
	Mlmd__Pb__Governance__CreateModelVersionResponse *vr = RPC_OK(s, CreateModelVersion, &vq, create_model_version);
	int64_t version_ctx = vr->version->context_id;
	free_msg(vr);
	Mlmd__Pb__Governance__SetAliasesRequest aq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Mlmd__Pb__Governance__AliasMove mv = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mvp = &mv;
	mv.alias = "prod";
	mv.has_version = 1;
	mv.version = 1;
	aq.model_name = "churn";
	aq.moves = &mvp;
	aq.n_moves = 1;
	free_msg(RPC_OK(s, SetAliases, &aq, set_aliases));

	int rc;
	int64_t ids[] = { f.raw, f.model };
	assert_null(del(s, ART, ids, 2, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "churn@prod");
	assert_null(del(s, ART, ids, 2, NULL, 1, &rc)); /* a dry run says so too */
	FAILS(rc, MLMD_FAILED_PRECONDITION, "churn@prod");
	assert_null(del(s, CTX, &version_ctx, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "churn@prod");
	assert_null(del(s, CTX, &model_ctx, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "churn@prod");
	Mlmd__Pb__Artifact *a = get_artifact(s, f.raw); /* all or none: raw is still there */
	assert_non_null(a);
	mlmd_message_free(a);
	/* the alias gone, the artifact can go */
	mv.version = 0;
	free_msg(RPC_OK(s, SetAliases, &aq, set_aliases));
	free_msg(del_ok(s, ART, &f.model, 1, NULL, 1));

	/* a HOLD on the execution (its rows as the labels helper writes them) */
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO label (kind, node_id, label, reason, until_ms, propagate, actor, time)"
		 " VALUES (0, %lld, 'HOLD', 'case 12', 0, 1, 'legal', 1);"
		 "INSERT INTO label_reach (label_id, kind, node_id, distance)"
		 " SELECT id, 0, %lld, 0 FROM label WHERE label = 'HOLD';"
		 "INSERT INTO label_reach (label_id, kind, node_id, distance)"
		 " SELECT id, 1, %lld, 1 FROM label WHERE label = 'HOLD';",
		 (long long)f.train, (long long)f.train, (long long)f.model);
	OK(mlmd__sql_exec(mlmd__store_sql(s), sql));
	assert_null(del(s, EXE, &f.train, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "HOLD on execution");
	assert_null(del(s, ART, ids, 2, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "case 12");
	a = get_artifact(s, f.raw);
	assert_non_null(a);
	mlmd_message_free(a);
	/* an expired hold no longer applies */
	OK(mlmd__sql_exec(mlmd__store_sql(s), "UPDATE label SET until_ms = 2"));
	free_msg(del_ok(s, ART, ids, 2, NULL, 0));
	mlmd_store_free(s);
}

/* ---- a version 4 store opened without upgrade ------------------------------------------------- */

static void version_4_store_still_reads(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own; once is enough */
	char *path = tmp_path("v4");
	mlmd_store *s = open_file(path);
	int64_t at = artifact_type(s, "Data", 0);
	int64_t et = execution_type(s, "Train");
	int64_t a1 = 0, a2 = 0;
	OK(put_artifact(s, new_artifact(at, "file:///a1"), &a1));
	OK(put_artifact(s, new_artifact(at, "file:///a2"), &a2));
	int64_t e = put_execution_node(s, et);
	event(s, a1, e, MLMD__PB__EVENT__TYPE__INPUT);
	mlmd_store_free(s);
	sqlite_back_to_v4(path);
	s = open_file(path);
	assert_int_equal(mlmd_store_schema_version(s), 4);
	Mlmd__Pb__GetArtifactsRequest aq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ar = NULL;
	OK(mlmd_store_get_artifacts(s, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 2);
	mlmd_message_free(ar);
	aq.options = filter_opts("uri = 'file:///a2'");
	OK(mlmd_store_get_artifacts(s, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 1);
	mlmd_message_free(ar);
	Mlmd__Pb__Artifact *a = get_artifact(s, a1);
	assert_non_null(a);
	mlmd_message_free(a);
	event(s, a2, e, MLMD__PB__EVENT__TYPE__OUTPUT);
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = "uri = 'file:///a1'";
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	rq.lineage_subgraph_query_options = &o;
	Mlmd__Pb__GetLineageSubgraphResponse *rs = NULL;
	OK(mlmd_store_get_lineage_subgraph(s, &rq, &rs));
	assert_int_equal(rs->lineage_subgraph->n_artifacts, 2);
	mlmd_message_free(rs);
	int rc;
	assert_null(del(s, ART, &a1, 1, NULL, 0, &rc));
	FAILS(rc, MLMD_FAILED_PRECONDITION, "schema version 5");
	mlmd_store_free(s);
	tmp_remove(path);
}

/* ---- erasure: the marker test ------------------------------------------------------------------ */

/* Occurrences of `marker` in the file (0 when it does not exist). */
static int file_has(const char *path, const char *marker)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t cap = 1 << 20, n = 0, got;
	char *buf = malloc(cap);
	assert_non_null(buf);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	int hits = 0;
	size_t ml = strlen(marker);
	for (size_t i = 0; n >= ml && i <= n - ml; i++)
		if (buf[i] == marker[0] && !memcmp(buf + i, marker, ml))
			hits++;
	free(buf);
	return hits;
}

/* Occurrences in the SQLite database's files: db, -wal, -shm, -journal. */
static int sqlite_files_have(const char *path, const char *marker)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	int hits = 0;
	for (size_t i = 0; i < 4; i++) {
		char p[1200];
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		hits += file_has(p, marker);
	}
	return hits;
}

/* Occurrences in every regular file under dir (recursively). */
static int dir_has(const char *dir, const char *marker)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int hits = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[2048];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			hits += dir_has(p, marker);
		else if (S_ISREG(st.st_mode))
			hits += file_has(p, marker);
	}
	closedir(d);
	return hits;
}

/* Writes the marker as a property, a custom property, the artifact's name
 * and uri and a context's name; returns the artifact's and context's ids. */
static void write_marker(mlmd_store *s, const char *marker, int64_t *art, int64_t *ctx)
{
	int64_t at = artifact_type(s, "Secret", 1, "p", MLMD__PB__PROPERTY_TYPE__STRING);
	int64_t ct = context_type(s, "Case");
	char v[256];
	snprintf(v, sizeof v, "file:///%s-uri", marker);
	Mlmd__Pb__Artifact *a = new_artifact(at, v);
	snprintf(v, sizeof v, "%s-prop", marker);
	OK(mlmd_node_set_string(a, 0, "p", v));
	snprintf(v, sizeof v, "%s-custom", marker);
	OK(mlmd_node_set_string(a, 1, "c", v));
	snprintf(v, sizeof v, "%s-name", marker);
	OK(mlmd_message_set_string(a, "name", v));
	OK(put_artifact(s, a, art));
	snprintf(v, sizeof v, "%s-ctx", marker);
	*ctx = put_context_node(s, ct, v);
	OK(member(s, *ctx, *art, 0));
	/* and unrelated rows around them, which stay */
	for (int i = 0; i < 50; i++) {
		int64_t id;
		OK(put_artifact(s, new_artifact(at, "file:///keep"), &id));
	}
}

static void erase_marker(mlmd_store *s, int64_t art, int64_t ctx)
{
	free_msg(del_ok(s, ART, &art, 1, "erasure test", 0));
	free_msg(del_ok(s, CTX, &ctx, 1, "erasure test", 0));
}

static void erasure_leaves_no_marker_sqlite(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory") && strcmp(test_backend(), "sqlite-file"))
		skip(); /* a file store of its own, through the library's SQLite backend */
	char *path = tmp_path("erase");
	mlmd_store *s = open_file(path);
	char marker[64];
	snprintf(marker, sizeof marker, "MLMD-MARKER-%d-%ld-Q", (int)getpid(), (long)random());
	int64_t art, ctx;
	write_marker(s, marker, &art, &ctx);
	/* the control: the marker is there before (in the WAL or the file) */
	assert_true(sqlite_files_have(path, marker) >= 5);
	mlmd_gc_result r;
	OK(mlmd_store_gc(s, 0, &r));
	assert_true(sqlite_files_have(path, marker) >= 5); /* checkpointed into the file */
	erase_marker(s, art, ctx);
	OK(mlmd_store_gc(s, 0, &r));
	assert_int_equal(r.complete, 1);
	assert_non_null(strstr(r.detail, "WAL checkpointed and truncated"));
	assert_int_equal(sqlite_files_have(path, marker), 0);
	struct stat stw;
	char wal[1200];
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_true(stat(wal, &stw) != 0 || stw.st_size == 0);
	/* what stays: the tombstones, the other artifacts */
	Mlmd__Pb__GetArtifactsRequest aq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ar = NULL;
	OK(mlmd_store_get_artifacts(s, &aq, &ar));
	assert_int_equal(ar->n_artifacts, 50); /* the unrelated ones */
	mlmd_message_free(ar);
	/* full: VACUUM too, the file shrinks to its live pages */
	OK(mlmd_store_gc(s, 1, &r));
	assert_int_equal(r.complete, 1);
	assert_non_null(strstr(r.detail, "VACUUM"));
	assert_int_equal(sqlite_files_have(path, marker), 0);
	mlmd_store_free(s);
	tmp_remove(path);
}

static void gc_refused_in_a_transaction_and_blocked_by_a_reader(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	OK(mlmd_store_begin(s, 0));
	mlmd_gc_result r;
	FAILS(mlmd_store_gc(s, 0, &r), MLMD_FAILED_PRECONDITION, "transaction");
	OK(mlmd_store_rollback(s));
	OK(mlmd_store_gc(s, 0, NULL));
	OK(mlmd_store_gc(s, 0, &r));
	if (!strcmp(test_backend(), "custom")) /* no compact slot: nothing to compact */
		assert_non_null(strstr(r.detail, "nothing to compact"));
	mlmd_store_free(s);
	if (strcmp(test_backend(), "sqlite-memory") && strcmp(test_backend(), "sqlite-file"))
		return;
	/* a reader on an older snapshot keeps the WAL from being truncated */
	char *path = tmp_path("gc-reader");
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.busy_timeout_ms = 50;
	s = NULL;
	OK(mlmd_store_open(&s, &o));
	int64_t at = artifact_type(s, "Data", 0), id;
	OK(put_artifact(s, new_artifact(at, "file:///a"), &id));
	sqlite3 *reader;
	assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM artifact;", NULL, NULL, NULL), SQLITE_OK);
	OK(put_artifact(s, new_artifact(at, "file:///b"), &id)); /* a frame the reader does not see */
	OK(mlmd_store_gc(s, 0, &r));
	assert_int_equal(r.complete, 0);
	assert_non_null(strstr(r.detail, "older snapshot"));
	assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(reader);
	OK(mlmd_store_gc(s, 0, &r));
	assert_int_equal(r.complete, 1);
	mlmd_store_free(s);
	tmp_remove(path);
}

/* PostgreSQL: with its data directory local (MLMD_TEST_POSTGRES_DIR, as
 * scripts/pg-throwaway.sh prints), the same over the database's files
 * under base/ after gc full (VACUUM FULL) and a checkpoint. */
static void erasure_leaves_no_marker_postgresql(void **st)
{
	(void)st;
	const char *dir = getenv("MLMD_TEST_POSTGRES_DIR");
	if (!backend_is_pg() || !dir || !*dir)
		skip();
	mlmd_store *s = open_memory();
	char marker[64];
	snprintf(marker, sizeof marker, "MLMD-PGMARKER-%d-%ld-Q", (int)getpid(), (long)random());
	int64_t art, ctx;
	write_marker(s, marker, &art, &ctx);
	sqlq q;
	OK(mlmd__q(mlmd__store_sql(s), &q, "SELECT oid FROM pg_database WHERE datname = current_database()"));
	assert_int_equal(mlmd__q_step(&q), 1);
	long long oid = (long long)mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	char base[1200];
	snprintf(base, sizeof base, "%s/data/base/%lld", dir, oid);
	OK(mlmd__sql_exec(mlmd__store_sql(s), "CHECKPOINT"));
	assert_true(dir_has(base, marker) >= 5); /* the control */
	erase_marker(s, art, ctx);
	mlmd_gc_result r;
	OK(mlmd_store_gc(s, 0, &r));
	assert_int_equal(r.complete, 0); /* plain VACUUM leaves the bytes in the pages */
	OK(mlmd_store_gc(s, 1, &r));
	assert_int_equal(r.complete, 1);
	OK(mlmd__sql_exec(mlmd__store_sql(s), "CHECKPOINT"));
	assert_int_equal(dir_has(base, marker), 0);
	mlmd_store_free(s);
}

/* ---- hostile requests ------------------------------------------------------------------------ */

static int put_context_named(mlmd_store *s, int64_t type_id, int64_t id, const char *name)
{
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = type_id;
	c.has_id = id != 0;
	c.id = id;
	c.name = (char *)name;
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *rs = NULL;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	int rc = mlmd_store_put_contexts(s, &rq, &rs);
	mlmd_message_free(rs);
	return rc;
}

/* A live context may not hold the name a tombstone takes ("\x1bdeleted:<id>"):
 * it used to make that context's delete fail on the unique (type, name) with
 * the database's message. Neither at creation nor by a rename. */
static void tombstone_name_is_reserved(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	char name[64];
	snprintf(name, sizeof name, "\x1b" "deleted:%lld", (long long)f.child);
	assert_int_equal(put_context_named(f.s, f.ct, 0, name), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "reserved for the tombstones"));
	assert_int_equal(put_context_named(f.s, f.ct, f.run, name), -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "reserved for the tombstones"));
	int64_t ids[] = { f.child };
	free_msg(del_ok(f.s, CTX, ids, 1, NULL, 0));
	/* the name is free again for a new context; the tombstone's is not */
	put_context_node(f.s, f.ct, "run-1-child");
	assert_int_equal(put_context_named(f.s, f.ct, 0, name), -MLMD_INVALID_ARGUMENT);
	mlmd_store_free(f.s);
}

/* Bad requests are refused with a message that names the RPC once. */
static void bad_requests_say_what(void **st)
{
	(void)st;
	fix f;
	pipeline(&f);
	int rc;
	assert_null(del(f.s, 0, (int64_t[]){ f.raw }, 1, NULL, 0, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "kind must be"));
	assert_null(strstr(mlmd_error_message(), "DeleteNodes: DeleteNodes"));
	int64_t bad[] = { 0, -1, INT64_MAX };
	for (size_t i = 0; i < 3; i++) {
		assert_null(del(f.s, ART, &bad[i], 1, NULL, 0, &rc));
		assert_int_equal(rc, -MLMD_NOT_FOUND);
	}
	assert_null(del(f.s, ART, (int64_t[]){ f.raw, INT64_MAX }, 2, NULL, 0, &rc)); /* all or none */
	assert_int_equal(rc, -MLMD_NOT_FOUND);
	free_msg(del_ok(f.s, ART, (int64_t[]){ f.raw }, 1, NULL, 0)); /* still live */
	mlmd_store_free(f.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delete_artifact_keeps_tombstone),
		cmocka_unit_test(delete_execution_and_context),
		cmocka_unit_test(refusals_all_or_none),
		cmocka_unit_test(dry_run_writes_nothing),
		cmocka_unit_test(tombstones_are_in_no_listing),
		cmocka_unit_test(lineage_shows_tombstones),
		cmocka_unit_test(alias_and_hold_refuse),
		cmocka_unit_test(version_4_store_still_reads),
		cmocka_unit_test(erasure_leaves_no_marker_sqlite),
		cmocka_unit_test(gc_refused_in_a_transaction_and_blocked_by_a_reader),
		cmocka_unit_test(erasure_leaves_no_marker_postgresql),
		cmocka_unit_test(tombstone_name_is_reserved),
		cmocka_unit_test(bad_requests_say_what),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_listener.c - listeners on committed writes (mlmd_store_listen),
 * on every backend: each writing RPC that touches nodes names exactly the
 * nodes it created, updated or linked; changes are told after the commit,
 * in call order, once; a transaction's at its commit and never when it is
 * rolled back; failed calls and reads never; a callback may read and write
 * the store, its writes told after it returns, with no recursion.
 */
#include "helpers.h"
#include "mlmd_governance.pb-c.h"
#include "store/store_private.h" /* s->listen: no listener, no state */

#define MAX_SEEN 64

/* What a recording listener saw: one line per change, "Method a=1,2 e=3 c=". */
typedef struct seen {
	char line[MAX_SEEN][256];
	int n;
	int freed;                   /* free_user calls */
} seen;

static void ids_text(char *out, size_t n, const char *tag, const int64_t *ids, size_t count)
{
	size_t len = strlen(out);
	len += (size_t)snprintf(out + len, n - len, " %s=", tag);
	for (size_t i = 0; i < count && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "," : "", (long long)ids[i]);
}

static void change_text(const mlmd_store_change *ch, char *out, size_t n)
{
	snprintf(out, n, "%s", ch->method);
	ids_text(out, n, "a", ch->artifact_ids, ch->n_artifact_ids);
	ids_text(out, n, "e", ch->execution_ids, ch->n_execution_ids);
	ids_text(out, n, "c", ch->context_ids, ch->n_context_ids);
}

static void record(mlmd_store *s, const mlmd_store_change *ch, void *user)
{
	(void)s;
	seen *v = user;
	assert_true(v->n < MAX_SEEN);
	change_text(ch, v->line[v->n++], sizeof v->line[0]);
}

static void count_free(void *user)
{
	((seen *)user)->freed++;
}

/* Asserts the last change seen, and that exactly `n` were seen in all. */
#define LAST_IS(v, count, text)                                                         \
	do {                                                                            \
		assert_int_equal((v)->n, (count));                                      \
		assert_string_equal((v)->line[(v)->n - 1], (text));                     \
	} while (0)

static void every_writing_rpc_names_its_nodes(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	seen v = { 0 };
	int id = 0;
	OK(mlmd_store_listen(s, record, &v, count_free, &id));
	assert_true(id > 0);
	int64_t at = artifact_type(s, "Data", 0);
	LAST_IS(&v, 1, "PutArtifactType a= e= c="); /* a write that touches no node is told too */
	int64_t et = execution_type(s, "Train");
	int64_t ct = context_type(s, "Pipeline");
	assert_int_equal(v.n, 3);

	/* PutArtifacts: new ones, then an update of one of them */
	Mlmd__Pb__Artifact *arts[2] = { new_artifact(at, "file:///a1"), new_artifact(at, "file:///a2") };
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *par = NULL;
	pa.n_artifacts = 2;
	pa.artifacts = arts;
	OK(mlmd_store_put_artifacts(s, &pa, &par));
	int64_t a1 = par->artifact_ids[0], a2 = par->artifact_ids[1];
	char want[256];
	snprintf(want, sizeof want, "PutArtifacts a=%lld,%lld e= c=", (long long)a1, (long long)a2);
	LAST_IS(&v, 4, want);
	mlmd_message_free(par);
	arts[1]->has_id = 1;
	arts[1]->id = a2;
	pa.n_artifacts = 1;
	pa.artifacts = &arts[1];
	OK(mlmd_store_put_artifacts(s, &pa, &par));
	mlmd_message_free(par);
	snprintf(want, sizeof want, "PutArtifacts a=%lld e= c=", (long long)a2);
	LAST_IS(&v, 5, want);
	mlmd_message_free(arts[0]);
	mlmd_message_free(arts[1]);

	/* PutExecutions, PutContexts */
	int64_t e1 = put_execution_as(s, et, 0, NULL, MLMD__PB__EXECUTION__STATE__RUNNING);
	snprintf(want, sizeof want, "PutExecutions a= e=%lld c=", (long long)e1);
	LAST_IS(&v, 6, want);
	int64_t c1 = put_context_node(s, ct, "p1");
	snprintf(want, sizeof want, "PutContexts a= e= c=%lld", (long long)c1);
	LAST_IS(&v, 7, want);

	/* PutEvents: the execution and the artifact it names */
	put_event_node(s, e1, a1, MLMD__PB__EVENT__TYPE__INPUT);
	snprintf(want, sizeof want, "PutEvents a=%lld e=%lld c=", (long long)a1, (long long)e1);
	LAST_IS(&v, 8, want);

	/* PutExecution: a new execution, a new output artifact, an existing input, a context */
	Mlmd__Pb__Execution ex = MLMD__PB__EXECUTION__INIT;
	ex.has_type_id = 1;
	ex.type_id = et;
	Mlmd__Pb__Artifact *out = new_artifact(at, "file:///out");
	Mlmd__Pb__Artifact in = MLMD__PB__ARTIFACT__INIT;
	in.has_id = 1;
	in.id = a2;
	Mlmd__Pb__Event oe = MLMD__PB__EVENT__INIT, ie = MLMD__PB__EVENT__INIT;
	oe.has_type = ie.has_type = 1;
	oe.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	ie.type = MLMD__PB__EVENT__TYPE__INPUT;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p1 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
							  p2 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
	p1.artifact = out;
	p1.event = &oe;
	p2.artifact = &in;
	p2.event = &ie;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &p1, &p2 };
	Mlmd__Pb__Context cref = MLMD__PB__CONTEXT__INIT, *crefp = &cref;
	cref.has_id = 1;
	cref.id = c1;
	cref.has_type_id = 1;
	cref.type_id = ct;
	cref.name = "p1";
	Mlmd__Pb__PutExecutionRequest px = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__PutExecutionResponse *pxr = NULL;
	px.execution = &ex;
	px.n_artifact_event_pairs = 2;
	px.artifact_event_pairs = pairs;
	px.n_contexts = 1;
	px.contexts = &crefp;
	OK(mlmd_store_put_execution(s, &px, &pxr));
	int64_t e2 = pxr->execution_id, a3 = pxr->artifact_ids[0];
	mlmd_message_free(pxr);
	mlmd_message_free(out);
	snprintf(want, sizeof want, "PutExecution a=%lld,%lld e=%lld c=%lld", (long long)a2, (long long)a3, (long long)e2,
		 (long long)c1);
	LAST_IS(&v, 9, want);

	/* PutLineageSubgraph: a new execution, artifact and context */
	Mlmd__Pb__Execution lx = MLMD__PB__EXECUTION__INIT, *lxp = &lx;
	lx.has_type_id = 1;
	lx.type_id = et;
	Mlmd__Pb__Artifact *la = new_artifact(at, "file:///sub");
	Mlmd__Pb__Context lc = MLMD__PB__CONTEXT__INIT, *lcp = &lc;
	lc.has_type_id = 1;
	lc.type_id = ct;
	lc.name = "sub";
	Mlmd__Pb__Event le = MLMD__PB__EVENT__INIT;
	le.has_type = 1;
	le.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge edge = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT,
						      *edgep = &edge;
	edge.has_execution_index = edge.has_artifact_index = 1;
	edge.event = &le;
	Mlmd__Pb__PutLineageSubgraphRequest pl = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__PutLineageSubgraphResponse *plr = NULL;
	pl.n_executions = pl.n_artifacts = pl.n_contexts = pl.n_event_edges = 1;
	pl.executions = &lxp;
	pl.artifacts = &la;
	pl.contexts = &lcp;
	pl.event_edges = &edgep;
	OK(mlmd_store_put_lineage_subgraph(s, &pl, &plr));
	snprintf(want, sizeof want, "PutLineageSubgraph a=%lld e=%lld c=%lld", (long long)plr->artifact_ids[0],
		 (long long)plr->execution_ids[0], (long long)plr->context_ids[0]);
	int64_t c2 = plr->context_ids[0];
	mlmd_message_free(plr);
	mlmd_message_free(la);
	LAST_IS(&v, 10, want);

	/* PutAttributionsAndAssociations */
	Mlmd__Pb__Attribution attr = MLMD__PB__ATTRIBUTION__INIT, *attrp = &attr;
	attr.has_artifact_id = attr.has_context_id = 1;
	attr.artifact_id = a1;
	attr.context_id = c2;
	Mlmd__Pb__Association asso = MLMD__PB__ASSOCIATION__INIT, *assop = &asso;
	asso.has_execution_id = asso.has_context_id = 1;
	asso.execution_id = e1;
	asso.context_id = c2;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest paa = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *paar = NULL;
	paa.n_attributions = paa.n_associations = 1;
	paa.attributions = &attrp;
	paa.associations = &assop;
	OK(mlmd_store_put_attributions_and_associations(s, &paa, &paar));
	mlmd_message_free(paar);
	snprintf(want, sizeof want, "PutAttributionsAndAssociations a=%lld e=%lld c=%lld", (long long)a1, (long long)e1,
		 (long long)c2);
	LAST_IS(&v, 11, want);

	/* PutParentContexts: both contexts, from field names that say nothing alone */
	Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
	pc.has_child_id = pc.has_parent_id = 1;
	pc.child_id = c2;
	pc.parent_id = c1;
	Mlmd__Pb__PutParentContextsRequest ppc = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutParentContextsResponse *ppcr = NULL;
	ppc.n_parent_contexts = 1;
	ppc.parent_contexts = &pcp;
	OK(mlmd_store_put_parent_contexts(s, &ppc, &ppcr));
	mlmd_message_free(ppcr);
	snprintf(want, sizeof want, "PutParentContexts a= e= c=%lld,%lld", (long long)c1, (long long)c2);
	LAST_IS(&v, 12, want);

	/* governance: a model version (artifact, run, its new context), a deletion by kind and ids */
	int rc = 0;
	Mlmd__Pb__Governance__CreateRegisteredModelRequest crm = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	crm.name = "churn";
	mlmd_message_free(test_rpc(s, "CreateRegisteredModel", &crm,
				   &mlmd__pb__governance__create_registered_model_response__descriptor, &rc));
	OK(rc);
	assert_int_equal(v.n, 13);
	Mlmd__Pb__Governance__CreateModelVersionRequest cmv = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	cmv.model_name = "churn";
	cmv.has_artifact_id = cmv.has_run_id = 1;
	cmv.artifact_id = a3;
	cmv.run_id = e2;
	Mlmd__Pb__Governance__CreateModelVersionResponse *cmvr =
		test_rpc(s, "CreateModelVersion", &cmv, &mlmd__pb__governance__create_model_version_response__descriptor, &rc);
	OK(rc);
	snprintf(want, sizeof want, "CreateModelVersion a=%lld e=%lld c=%lld", (long long)a3, (long long)e2,
		 (long long)cmvr->version->context_id);
	mlmd_message_free(cmvr);
	LAST_IS(&v, 14, want);
	Mlmd__Pb__Governance__DeleteNodesRequest dn = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	int64_t del[2] = { a1, a1 };
	dn.has_kind = 1;
	dn.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	dn.n_ids = 2;
	dn.ids = del;
	mlmd_message_free(test_rpc(s, "DeleteNodes", &dn, &mlmd__pb__governance__delete_nodes_response__descriptor, &rc));
	OK(rc);
	snprintf(want, sizeof want, "DeleteNodes a=%lld e= c=", (long long)a1);
	LAST_IS(&v, 15, want);

	/* restore_times is a write too */
	int64_t t0 = 1000;
	OK(mlmd_store_restore_times(s, "execution", &e1, &t0, &t0, 1));
	snprintf(want, sizeof want, "RestoreTimes a= e=%lld c=", (long long)e1);
	LAST_IS(&v, 16, want);

	assert_int_equal(v.freed, 0);
	mlmd_store_free(s);
	assert_int_equal(v.freed, 1);
}

static void failed_calls_and_reads_are_never_told(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	seen v = { 0 };
	OK(mlmd_store_listen(s, record, &v, NULL, NULL));
	int64_t at = artifact_type(s, "Data", 0);
	assert_int_equal(v.n, 1);
	int64_t id;
	assert_int_not_equal(put_artifact(s, new_artifact(at + 1000, "file:///x"), &id), 0);
	Mlmd__Pb__GetArtifactsRequest g = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *gr = NULL;
	OK(mlmd_store_get_artifacts(s, &g, &gr));
	mlmd_message_free(gr);
	/* a dry run writes nothing */
	Mlmd__Pb__Governance__DeleteNodesRequest dn = MLMD__PB__GOVERNANCE__DELETE_NODES_REQUEST__INIT;
	OK(put_artifact(s, new_artifact(at, "file:///y"), &id));
	assert_int_equal(v.n, 2);
	dn.has_kind = dn.has_dry_run = 1;
	dn.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	dn.dry_run = 1;
	dn.n_ids = 1;
	dn.ids = &id;
	int rc = 0;
	mlmd_message_free(test_rpc(s, "DeleteNodes", &dn, &mlmd__pb__governance__delete_nodes_response__descriptor, &rc));
	OK(rc);
	assert_int_equal(v.n, 2);
	mlmd_store_free(s);
}

/* Retention deletes nodes as DeleteNodes does: its change names them. */
static void a_retention_run_names_the_nodes_it_deleted(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	seen v = { 0 };
	OK(mlmd_store_listen(s, record, &v, NULL, NULL));
	int64_t et = execution_type(s, "Train");
	int64_t e1 = put_execution_as(s, et, 0, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE);
	int64_t e2 = put_execution_as(s, et, 0, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE);
	put_execution_as(s, et, 0, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE);
	Mlmd__Pb__Governance__RetentionPolicy pol = MLMD__PB__GOVERNANCE__RETENTION_POLICY__INIT;
	pol.type_name = "Train";
	pol.has_keep_last = 1;
	pol.keep_last = 1;
	Mlmd__Pb__Governance__SetRetentionPolicyRequest sp = MLMD__PB__GOVERNANCE__SET_RETENTION_POLICY_REQUEST__INIT;
	sp.policy = &pol;
	int rc = 0;
	mlmd_message_free(test_rpc(s, "SetRetentionPolicy", &sp,
				   &mlmd__pb__governance__set_retention_policy_response__descriptor, &rc));
	OK(rc);
	Mlmd__Pb__Governance__RunRetentionRequest rr = MLMD__PB__GOVERNANCE__RUN_RETENTION_REQUEST__INIT;
	Mlmd__Pb__Governance__RunRetentionResponse *rrs =
		test_rpc(s, "RunRetention", &rr, &mlmd__pb__governance__run_retention_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(rrs->deleted, 2);
	mlmd_message_free(rrs);
	char want[128];
	snprintf(want, sizeof want, "RunRetention a= e=%lld,%lld c=", (long long)e1, (long long)e2);
	LAST_IS(&v, 6, want);
	mlmd_store_free(s);
}

static void a_transaction_is_told_at_its_commit_and_never_when_rolled_back(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	int64_t at = artifact_type(s, "Data", 0), ct = context_type(s, "P");
	seen v = { 0 };
	OK(mlmd_store_listen(s, record, &v, NULL, NULL));

	OK(mlmd_store_begin(s, 1));
	int64_t a = 0;
	OK(put_artifact(s, new_artifact(at, "file:///t1"), &a));
	int64_t c = put_context_node(s, ct, "t");
	assert_int_equal(v.n, 0); /* nothing before the commit */
	OK(mlmd_store_commit(s));
	assert_int_equal(v.n, 2);
	char want[256];
	snprintf(want, sizeof want, "PutArtifacts a=%lld e= c=", (long long)a);
	assert_string_equal(v.line[0], want);
	snprintf(want, sizeof want, "PutContexts a= e= c=%lld", (long long)c);
	assert_string_equal(v.line[1], want);

	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(at, "file:///t2"), &a));
	OK(mlmd_store_rollback(s));
	assert_int_equal(v.n, 2);

	OK(mlmd_store_begin(s, 1));
	OK(put_artifact(s, new_artifact(at, "file:///t3"), &a));
	assert_int_not_equal(put_artifact(s, new_artifact(at + 1000, "file:///bad"), &a), 0);
	FAILS(mlmd_store_commit(s), MLMD_ABORTED, "nothing was committed");
	assert_int_equal(v.n, 2);

	/* a read transaction tells nothing */
	OK(mlmd_store_begin(s, 0));
	Mlmd__Pb__GetArtifactsRequest g = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *gr = NULL;
	OK(mlmd_store_get_artifacts(s, &g, &gr));
	mlmd_message_free(gr);
	OK(mlmd_store_commit(s));
	assert_int_equal(v.n, 2);
	mlmd_store_free(s);
}

/* A listener that writes: on each PutContexts change whose context is
 * named below "w3", it puts the next context ("w1" -> "w2" -> "w3") and
 * reads the store; `depth` proves no callback runs inside another. */
typedef struct writer {
	seen v;
	int64_t ct;
	int depth, max_depth;
	int during;                  /* changes the other listener saw while this callback ran */
	seen *other;
} writer;

static void write_back(mlmd_store *s, const mlmd_store_change *ch, void *user)
{
	writer *w = user;
	w->depth++;
	if (w->depth > w->max_depth)
		w->max_depth = w->depth;
	record(s, ch, &w->v);
	if (!strcmp(ch->method, "PutContexts") && w->v.n < 3) {
		int before = w->other->n;
		char name[16];
		snprintf(name, sizeof name, "w%d", w->v.n + 1);
		put_context_node(s, w->ct, name);
		/* the read sees the committed state, the new context included */
		Mlmd__Pb__GetContextsRequest g = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__GetContextsResponse *gr = NULL;
		OK(mlmd_store_get_contexts(s, &g, &gr));
		assert_int_equal(gr->n_contexts, (size_t)w->v.n + 1);
		mlmd_message_free(gr);
		w->during += w->other->n - before;
	}
	/* no listener can be removed from inside a callback */
	FAILS(mlmd_store_unlisten(s, 1), MLMD_FAILED_PRECONDITION, "inside");
	w->depth--;
}

static void a_callback_may_read_and_write_and_its_writes_follow_it(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	writer w = { .ct = context_type(s, "P") };
	seen after = { 0 };
	w.other = &after;
	OK(mlmd_store_listen(s, write_back, &w, NULL, NULL));
	OK(mlmd_store_listen(s, record, &after, NULL, NULL));
	put_context_node(s, w.ct, "w1");
	/* w1 told to both, then w2 (written by the first callback), then w3 */
	assert_int_equal(w.v.n, 3);
	assert_int_equal(after.n, 3);
	for (int i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof want, "PutContexts a= e= c=%d", i + 1);
		assert_string_equal(w.v.line[i], want);
		assert_string_equal(after.line[i], want);
	}
	assert_int_equal(w.max_depth, 1);
	assert_int_equal(w.during, 0);
	mlmd_store_free(s);
}

static void listeners_are_added_found_removed_and_freed(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	assert_null(s->listen); /* no listener, no listener state: writes pay nothing */
	artifact_type(s, "Data", 0);
	assert_null(s->listen);
	seen a = { 0 }, b = { 0 };
	int ida = 0, idb = 0;
	FAILS(mlmd_store_listen(s, NULL, &a, NULL, NULL), MLMD_INVALID_ARGUMENT, "fn");
	OK(mlmd_store_listen(s, record, &a, count_free, &ida));
	OK(mlmd_store_listen(s, record, &b, count_free, &idb));
	assert_int_not_equal(ida, idb);
	assert_ptr_equal(mlmd_store_listener_data(s, record), &a);
	assert_null(mlmd_store_listener_data(s, write_back));
	execution_type(s, "T");
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	OK(mlmd_store_unlisten(s, ida));
	assert_int_equal(a.freed, 1);
	FAILS(mlmd_store_unlisten(s, ida), MLMD_NOT_FOUND, "no listener");
	assert_ptr_equal(mlmd_store_listener_data(s, record), &b);
	context_type(s, "C");
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 2);
	/* at most 64 */
	seen many = { 0 };
	for (int i = 1; i < 64; i++)
		OK(mlmd_store_listen(s, record, &many, count_free, NULL));
	FAILS(mlmd_store_listen(s, record, &many, count_free, NULL), MLMD_RESOURCE_EXHAUSTED, "64");
	OK(mlmd_store_unlisten(s, idb));
	assert_int_equal(b.freed, 1);
	assert_int_equal(s->n_listeners, 63);
	mlmd_store_free(s);
	assert_int_equal(many.freed, 63);
	assert_int_equal(a.freed, 1);
	assert_int_equal(b.freed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_writing_rpc_names_its_nodes),
		cmocka_unit_test(failed_calls_and_reads_are_never_told),
		cmocka_unit_test(a_retention_run_names_the_nodes_it_deleted),
		cmocka_unit_test(a_transaction_is_told_at_its_commit_and_never_when_rolled_back),
		cmocka_unit_test(a_callback_may_read_and_write_and_its_writes_follow_it),
		cmocka_unit_test(listeners_are_added_found_removed_and_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

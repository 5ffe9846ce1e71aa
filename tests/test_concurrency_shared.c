/*
 * tests/test_concurrency_shared.c - many processes deciding on the same
 * things at once: one type evolved by all, context names created by all,
 * the same contexts reused by every PutExecution, parent-context edges
 * added in opposite directions, the links of one labelled chain, and big
 * batches of new artifacts beside single ones. On PostgreSQL these writers run side by side
 * (docs/postgresql.md), so this is where a lost, duplicated or torn write, a
 * second context of one name or a cycle would show; on SQLite they run one
 * at a time and the same counts must hold. Each child reports its outcomes
 * through a pipe; the audit chain must verify with exactly one record per
 * call that succeeded.
 */
#include "concurrency.h"
#include <fcntl.h>
#include <limits.h>

#define ROUNDS 40     /* iterations per process */
#define TEAMS 5       /* context names every process creates and reuses */
#define PAIRS 30      /* context pairs given opposite parent edges */

/* What one child did, written to `report` in one write (atomic: < PIPE_BUF). */
typedef struct outcome {
	int proc;
	int calls_ok;                /* successful calls: one audit record each */
	int types_ok, contexts_made, contexts_existed, executions_ok;
	int edges_made, edges_cycle, edges_existed;
	int batches_ok, batch_aborts, singles_ok;
	int other;                   /* any other failure */
} outcome;

static int report[2];

static int send_outcome(const outcome *o)
{
	return write(report[1], o, sizeof *o) == (ssize_t)sizeof *o && !o->other ? 0 : 1;
}

/* Reads the PROCS outcomes the children wrote and adds them up. */
static outcome gather(void)
{
	close(report[1]);
	outcome sum = { 0 }, o;
	int n = 0;
	while (read(report[0], &o, sizeof o) == (ssize_t)sizeof o) {
		sum.calls_ok += o.calls_ok;
		sum.types_ok += o.types_ok;
		sum.contexts_made += o.contexts_made;
		sum.contexts_existed += o.contexts_existed;
		sum.executions_ok += o.executions_ok;
		sum.edges_made += o.edges_made;
		sum.edges_cycle += o.edges_cycle;
		sum.edges_existed += o.edges_existed;
		sum.batches_ok += o.batches_ok;
		sum.batch_aborts += o.batch_aborts;
		sum.singles_ok += o.singles_ok;
		sum.other += o.other;
		n++;
	}
	close(report[0]);
	assert_int_equal(n, PROCS);
	return sum;
}

static void set_int_prop(Mlmd__Pb__Artifact__PropertiesEntry *e, Mlmd__Pb__Value *v, const char *key, int64_t x)
{
	mlmd__pb__artifact__properties_entry__init(e);
	mlmd__pb__value__init(v);
	e->key = (char *)key;
	e->value = v;
	v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
	v->int_value = x;
}

/* PutArtifactType "Dataset" {span: INT}, odd processes with one more
 * property each round (extra_0..extra_3), all allowed to add and omit. */
static int put_dataset_type(mlmd_store *s, int proc, int round, int64_t *id)
{
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	char extra[16];
	snprintf(extra, sizeof extra, "extra_%d", round % 4);
	if (!t || mlmd_message_set_string(t, "name", "Dataset") ||
	    mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__INT) ||
	    (proc % 2 && mlmd_type_add_property(t, extra, MLMD__PB__PROPERTY_TYPE__STRING))) {
		mlmd_message_free(t);
		return -MLMD_INTERNAL;
	}
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	rq.artifact_type = t;
	rq.has_can_add_fields = rq.can_add_fields = 1;
	rq.has_can_omit_fields = rq.can_omit_fields = 1;
	Mlmd__Pb__PutArtifactTypeResponse *rs = NULL;
	int rc, tries = 0;
	while ((rc = mlmd_store_put_artifact_type(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
		;
	if (!rc)
		*id = rs->type_id;
	mlmd_message_free(rs);
	mlmd_message_free(t);
	return rc;
}

static int put_team(mlmd_store *s, int round)
{
	char name[32];
	snprintf(name, sizeof name, "team-%d", round % TEAMS);
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ctx_t;
	c.name = name;
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	Mlmd__Pb__PutContextsResponse *rs = NULL;
	int rc, tries = 0;
	while ((rc = mlmd_store_put_contexts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
		;
	mlmd_message_free(rs);
	return rc;
}

/* PutExecution: 2 inputs and 2 outputs with a property each, in the
 * contexts "pipeline" and team-<round % TEAMS>, reused by name. */
static int put_run(mlmd_store *s, int64_t dataset_t, int proc, int round)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = exe_t;
	Mlmd__Pb__Artifact a[4];
	Mlmd__Pb__Artifact__PropertiesEntry pe[4], *pep[4];
	Mlmd__Pb__Value pv[4];
	Mlmd__Pb__Event ev[4];
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair[4], *pairs[4];
	char uris[4][64];
	for (int k = 0; k < 4; k++) {
		mlmd__pb__artifact__init(&a[k]);
		mlmd__pb__event__init(&ev[k]);
		mlmd__pb__put_execution_request__artifact_and_event__init(&pair[k]);
		a[k].has_type_id = 1;
		a[k].type_id = dataset_t;
		snprintf(uris[k], sizeof uris[k], "/p%d/r%d/%d", proc, round, k);
		a[k].uri = uris[k];
		set_int_prop(&pe[k], &pv[k], "span", proc * 1000 + round);
		pep[k] = &pe[k];
		a[k].n_properties = 1;
		a[k].properties = &pep[k];
		ev[k].has_type = 1;
		ev[k].type = k < 2 ? MLMD__PB__EVENT__TYPE__INPUT : MLMD__PB__EVENT__TYPE__OUTPUT;
		pair[k].artifact = &a[k];
		pair[k].event = &ev[k];
		pairs[k] = &pair[k];
	}
	char team[32];
	snprintf(team, sizeof team, "team-%d", round % TEAMS);
	Mlmd__Pb__Context c[2] = { MLMD__PB__CONTEXT__INIT, MLMD__PB__CONTEXT__INIT }, *cps[2] = { &c[0], &c[1] };
	c[0].has_type_id = c[1].has_type_id = 1;
	c[0].type_id = c[1].type_id = ctx_t;
	c[0].name = "pipeline";
	c[1].name = team;
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	rq.options = &opt;
	rq.execution = &e;
	rq.n_artifact_event_pairs = 4;
	rq.artifact_event_pairs = pairs;
	rq.n_contexts = 2;
	rq.contexts = cps;
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc, tries = 0;
	while ((rc = mlmd_store_put_execution(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
		;
	mlmd_message_free(rs);
	return rc;
}

static int share_everything(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int round = 0; round < ROUNDS && !o.other; round++) {
		int64_t dataset_t = 0;
		int rc = put_dataset_type(s, proc, round, &dataset_t);
		if (rc) {
			fprintf(stderr, "proc %d round %d: PutArtifactType: %s\n", proc, round, mlmd_error_message());
			o.other++;
			break;
		}
		o.types_ok++;
		rc = put_team(s, round);
		if (rc == 0)
			o.contexts_made++;
		else if (rc == -MLMD_ALREADY_EXISTS)
			o.contexts_existed++;
		else {
			fprintf(stderr, "proc %d round %d: PutContexts: %s\n", proc, round, mlmd_error_message());
			o.other++;
			break;
		}
		if ((rc = put_run(s, dataset_t, proc, round))) {
			fprintf(stderr, "proc %d round %d: PutExecution: %s\n", proc, round, mlmd_error_message());
			o.other++;
			break;
		}
		o.executions_ok++;
	}
	o.calls_ok = o.types_ok + o.contexts_made + o.executions_ok;
	return send_outcome(&o);
}

static int64_t context_id(mlmd_store *s, const char *name)
{
	Mlmd__Pb__GetContextByTypeAndNameRequest q = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *r;
	q.type_name = "Run";
	q.context_name = (char *)name;
	OK(mlmd_store_get_context_by_type_and_name(s, &q, &r));
	assert_non_null(r->context);
	int64_t id = r->context->id;
	mlmd_message_free(r);
	return id;
}

/* Audit: intact, and exactly `records` records after checkpoint `before`. */
static void audit_has(mlmd_store *s, const mlmd_audit_checkpoint *before, int64_t records)
{
	mlmd_audit_verdict *v = NULL;
	OK(mlmd_audit_verify(s, NULL, &v));
	if (!v->intact)
		fail_msg("audit chain broken at %lld: %s", (long long)v->first_bad_seq, v->reason);
	assert_int_equal(v->last_seq - before->seq, records);
	mlmd_audit_verdict_free(v);
}

static void writers_share_types_and_contexts(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	mlmd_audit_checkpoint before;
	OK(mlmd_audit_checkpoint_get(s, &before));
	assert_int_equal(pipe(report), 0);
	int codes[PROCS];
	int ok = fan_out_codes(share_everything, codes);
	outcome sum = gather();
	assert_int_equal(sum.other, 0);
	assert_int_equal(ok, PROCS);
	int n = PROCS * ROUNDS;
	assert_int_equal(sum.types_ok, n);
	assert_int_equal(sum.executions_ok, n);
	/* each team name made exactly once; every other PutContexts refused */
	assert_int_equal(sum.contexts_made, TEAMS);
	assert_int_equal(sum.contexts_existed, n - TEAMS);
	assert_int_equal(count(s, "GetContexts"), TEAMS + 1);
	assert_int_equal(count(s, "GetExecutions"), n);
	assert_int_equal(count(s, "GetArtifacts"), 4 * n);

	/* one type, with every property any writer added */
	Mlmd__Pb__GetArtifactTypeRequest tq = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeResponse *tr;
	tq.type_name = "Dataset";
	OK(mlmd_store_get_artifact_type(s, &tq, &tr));
	assert_non_null(tr->artifact_type);
	assert_int_equal(tr->artifact_type->n_properties, 5);
	mlmd_message_free(tr);

	/* every execution in "pipeline" and in exactly one team, every artifact attributed */
	Mlmd__Pb__GetExecutionsByContextRequest er = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *ers;
	er.has_context_id = 1;
	er.context_id = context_id(s, "pipeline");
	OK(mlmd_store_get_executions_by_context(s, &er, &ers));
	assert_int_equal(ers->n_executions, n);
	int64_t *ids = malloc(sizeof *ids * n);
	for (size_t i = 0; i < ers->n_executions; i++)
		ids[i] = ers->executions[i]->id;
	mlmd_message_free(ers);
	size_t in_teams = 0;
	for (int t = 0; t < TEAMS; t++) {
		char name[32];
		snprintf(name, sizeof name, "team-%d", t);
		er.context_id = context_id(s, name);
		OK(mlmd_store_get_executions_by_context(s, &er, &ers));
		assert_int_equal(ers->n_executions, PROCS * (ROUNDS / TEAMS));
		in_teams += ers->n_executions;
		mlmd_message_free(ers);
	}
	assert_int_equal(in_teams, n);
	Mlmd__Pb__GetArtifactsByContextRequest ar = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *ars;
	ar.has_context_id = 1;
	ar.context_id = context_id(s, "pipeline");
	OK(mlmd_store_get_artifacts_by_context(s, &ar, &ars));
	assert_int_equal(ars->n_artifacts, 4 * n);
	for (size_t i = 0; i < ars->n_artifacts; i++) { /* nothing torn: each has its own property value */
		const Mlmd__Pb__Artifact *a = ars->artifacts[i];
		assert_int_equal(a->n_properties, 1);
		assert_string_equal(a->properties[0]->key, "span");
		int p, r, k;
		assert_int_equal(sscanf(a->uri, "/p%d/r%d/%d", &p, &r, &k), 3);
		assert_int_equal(a->properties[0]->value->int_value, p * 1000 + r);
	}
	mlmd_message_free(ars);

	/* two inputs and two outputs per execution */
	Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
	evq.n_execution_ids = n;
	evq.execution_ids = ids;
	OK(mlmd_store_get_events_by_execution_ids(s, &evq, &evs));
	assert_int_equal(evs->n_events, 4 * n);
	size_t inputs = 0;
	for (size_t i = 0; i < evs->n_events; i++)
		inputs += evs->events[i]->type == MLMD__PB__EVENT__TYPE__INPUT;
	assert_int_equal(inputs, 2 * n);
	mlmd_message_free(evs);
	free(ids);

	audit_has(s, &before, sum.calls_ok);
	mlmd_store_free(s);
}

/* ---- parent contexts added in opposite directions -------------------------------------------- */

static int64_t pair_a[PAIRS], pair_b[PAIRS];

/* Even processes make a_i the child of b_i, odd ones the reverse. */
static int opposite_edges(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int i = 0; i < PAIRS; i++) {
		Mlmd__Pb__ParentContext pc = MLMD__PB__PARENT_CONTEXT__INIT, *pcp = &pc;
		pc.has_child_id = pc.has_parent_id = 1;
		pc.child_id = proc % 2 ? pair_b[i] : pair_a[i];
		pc.parent_id = proc % 2 ? pair_a[i] : pair_b[i];
		Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
		rq.n_parent_contexts = 1;
		rq.parent_contexts = &pcp;
		Mlmd__Pb__PutParentContextsResponse *rs = NULL;
		int rc, tries = 0;
		while ((rc = mlmd_store_put_parent_contexts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
			;
		mlmd_message_free(rs);
		if (rc == 0)
			o.edges_made++;
		else if (rc == -MLMD_INVALID_ARGUMENT && strstr(mlmd_error_message(), "cycle"))
			o.edges_cycle++;
		else if (rc == -MLMD_ALREADY_EXISTS)
			o.edges_existed++;
		else {
			fprintf(stderr, "proc %d pair %d: %s\n", proc, i, mlmd_error_message());
			o.other++;
		}
	}
	o.calls_ok = o.edges_made;
	return send_outcome(&o);
}

static size_t parents_of(mlmd_store *s, int64_t id, int64_t *parent)
{
	Mlmd__Pb__GetParentContextsByContextRequest q = MLMD__PB__GET_PARENT_CONTEXTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetParentContextsByContextResponse *r;
	q.has_context_id = 1;
	q.context_id = id;
	OK(mlmd_store_get_parent_contexts_by_context(s, &q, &r));
	size_t n = r->n_contexts;
	if (n)
		*parent = r->contexts[0]->id;
	mlmd_message_free(r);
	return n;
}

static void opposite_parent_edges_never_cycle(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	for (int i = 0; i < PAIRS; i++) {
		char name[32];
		snprintf(name, sizeof name, "a-%d", i);
		pair_a[i] = put_context_node(s, ctx_t, name);
		snprintf(name, sizeof name, "b-%d", i);
		pair_b[i] = put_context_node(s, ctx_t, name);
	}
	mlmd_audit_checkpoint before;
	OK(mlmd_audit_checkpoint_get(s, &before));
	assert_int_equal(pipe(report), 0);
	int codes[PROCS];
	fan_out_codes(opposite_edges, codes);
	outcome sum = gather();
	assert_int_equal(sum.other, 0);
	/* per pair: one edge made, its three repeats refused, the four reverses cycles */
	assert_int_equal(sum.edges_made, PAIRS);
	assert_int_equal(sum.edges_existed, PAIRS * (PROCS / 2 - 1));
	assert_int_equal(sum.edges_cycle, PAIRS * PROCS / 2);
	for (int i = 0; i < PAIRS; i++) {
		int64_t pa = 0, pb = 0;
		size_t na = parents_of(s, pair_a[i], &pa), nb = parents_of(s, pair_b[i], &pb);
		assert_int_equal(na + nb, 1);
		if (na)
			assert_int_equal(pa, pair_b[i]);
		else
			assert_int_equal(pb, pair_a[i]);
	}
	audit_has(s, &before, sum.calls_ok);
	mlmd_store_free(s);
}

/* ---- labels over edges added side by side -------------------------------------------------- */

#define LINKS (PROCS * 6)
static int64_t chain_art[LINKS + 1], chain_exe[LINKS + 1];

/* Process p adds the links i = p + 1, p + 1 + PROCS, ...: the INPUT event
 * chain_art[i - 1] -> chain_exe[i] and the OUTPUT event chain_exe[i] ->
 * chain_art[i], in one PutEvents each, while its neighbours add theirs. */
static int add_links(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	for (int i = proc + 1; i <= LINKS; i += PROCS) {
		Mlmd__Pb__Event ev[2] = { MLMD__PB__EVENT__INIT, MLMD__PB__EVENT__INIT }, *evp[2] = { &ev[0], &ev[1] };
		for (int k = 0; k < 2; k++) {
			ev[k].has_artifact_id = ev[k].has_execution_id = ev[k].has_type = 1;
			ev[k].artifact_id = chain_art[i - 1 + k];
			ev[k].execution_id = chain_exe[i];
			ev[k].type = k ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		}
		Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
		rq.n_events = 2;
		rq.events = evp;
		Mlmd__Pb__PutEventsResponse *rs = NULL;
		int rc, tries = 0;
		while ((rc = mlmd_store_put_events(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 200)
			;
		mlmd_message_free(rs);
		if (rc) {
			fprintf(stderr, "proc %d link %d: %s\n", proc, i, mlmd_error_message());
			o.other++;
		} else {
			o.calls_ok++;
		}
	}
	return send_outcome(&o);
}

static int has_label(mlmd_store *s, mlmd_node_kind kind, int64_t id, const char *label)
{
	mlmd_label_list *l = NULL;
	OK(mlmd_labels_effective(s, kind, id, 0, &l));
	int found = 0;
	for (size_t i = 0; i < l->n; i++)
		found |= !strcmp(l->labels[i].label, label);
	mlmd_label_list_free(l);
	return found;
}

/* A propagating label on the chain's first artifact; the chain's links are
 * added by PROCS processes at once. However their commits interleave,
 * every node down the chain ends up with the label: the writer that links
 * to labelled lineage walks on over the links committed before it. */
static void labels_follow_links_added_side_by_side(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	for (int i = 0; i <= LINKS; i++) {
		char uri_i[32];
		snprintf(uri_i, sizeof uri_i, "/chain/%d", i);
		OK(put_artifact(s, new_artifact(art_t, uri_i), &chain_art[i])); /* frees the artifact */
		chain_exe[i] = put_execution_node(s, exe_t);
	}
	OK(mlmd_label_set(s, MLMD_NODE_ARTIFACT, chain_art[0], "pii", NULL, 0, 1, NULL));
	assert_int_equal(pipe(report), 0);
	int codes[PROCS];
	fan_out_codes(add_links, codes);
	outcome sum = gather();
	assert_int_equal(sum.other, 0);
	assert_int_equal(sum.calls_ok, LINKS);
	for (int i = 1; i <= LINKS; i++) {
		if (!has_label(s, MLMD_NODE_EXECUTION, chain_exe[i], "pii"))
			fail_msg("execution of link %d lacks the label", i);
		if (!has_label(s, MLMD_NODE_ARTIFACT, chain_art[i], "pii"))
			fail_msg("artifact of link %d lacks the label", i);
	}
	mlmd_store_free(s);
}

/* ---- a batch's ids beside single inserts -------------------------------------------------- */

#define BATCHES 5
#define BATCH 5000           /* the largest batch */
/* batches of 2000, and one over the 4096 ids one statement reserves */
static const int batch_size[BATCHES] = { 2000, 2000, 5000, 2000, 2000 };
static int batch_done[2];    /* the batch writer writes one byte per single writer when done */

/* Process 0 puts BATCHES batches of batch_size[b] new artifacts (retrying ABORTED,
 * counted) and checks that each returned id holds its own artifact; the
 * others put single artifacts until it is done. */
static int batch_or_singles(mlmd_store *s, int proc)
{
	outcome o = { .proc = proc };
	if (proc) {
		char c;
		while (read(batch_done[0], &c, 1) != 1 && !o.other) {
			char u[48];
			snprintf(u, sizeof u, "/single/%d/%d", proc, o.singles_ok);
			int rc, tries = 0;
			while ((rc = put_artifact(s, new_artifact(art_t, u), NULL)) == -MLMD_ABORTED && tries++ < 200)
				;
			if (rc) {
				fprintf(stderr, "proc %d single %d: %s\n", proc, o.singles_ok, mlmd_error_message());
				o.other++;
			} else {
				o.singles_ok++;
			}
		}
		o.calls_ok = o.singles_ok;
		return send_outcome(&o);
	}
	Mlmd__Pb__Artifact **arts = calloc(BATCH, sizeof *arts);
	for (int b = 0; b < BATCHES && !o.other; b++) {
		const int n = batch_size[b];
		for (int i = 0; i < n; i++) {
			char u[48];
			snprintf(u, sizeof u, "/batch/%d/%d", b, i);
			arts[i] = new_artifact(art_t, u);
		}
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		rq.n_artifacts = (size_t)n;
		rq.artifacts = arts;
		Mlmd__Pb__PutArtifactsResponse *rs = NULL;
		int rc;
		while ((rc = mlmd_store_put_artifacts(s, &rq, &rs)) == -MLMD_ABORTED && o.batch_aborts < 20)
			o.batch_aborts++;
		for (int i = 0; i < n; i++)
			mlmd_message_free(arts[i]);
		if (rc || rs->n_artifact_ids != (size_t)n) {
			fprintf(stderr, "batch %d: %s\n", b, rc ? mlmd_error_message() : "wrong id count");
			mlmd_message_free(rs);
			o.other++;
			break;
		}
		/* each id answered holds the artifact put in its place */
		Mlmd__Pb__GetArtifactsByIDRequest q = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		Mlmd__Pb__GetArtifactsByIDResponse *r = NULL;
		q.n_artifact_ids = (size_t)n;
		q.artifact_ids = rs->artifact_ids;
		if (mlmd_store_get_artifacts_by_id(s, &q, &r) || r->n_artifacts != (size_t)n) {
			o.other++;
		} else {
			for (size_t i = 0; i < r->n_artifacts; i++) {
				size_t at = 0;
				while (at < (size_t)n && rs->artifact_ids[at] != r->artifacts[i]->id)
					at++;
				char u[48];
				snprintf(u, sizeof u, "/batch/%d/%zu", b, at);
				if (at == (size_t)n || strcmp(r->artifacts[i]->uri, u)) {
					fprintf(stderr, "batch %d: artifact %lld is %s\n", b, (long long)r->artifacts[i]->id,
						r->artifacts[i]->uri);
					o.other++;
					break;
				}
			}
		}
		mlmd_message_free(r);
		mlmd_message_free(rs);
		o.batches_ok += !o.other;
	}
	free(arts);
	char done[PROCS - 1];
	memset(done, 'd', sizeof done);
	if (write(batch_done[1], done, sizeof done) != (ssize_t)sizeof done)
		o.other++;
	o.calls_ok = o.batches_ok;
	return send_outcome(&o);
}

/* Batches of new artifacts take their ids in one statement while seven
 * processes insert single artifacts from the same sequence: every batch
 * succeeds the first time, and every artifact is stored once. */
static void batches_beside_single_inserts(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	assert_int_equal(pipe(report), 0);
	assert_int_equal(pipe(batch_done), 0);
	assert_int_equal(fcntl(batch_done[0], F_SETFL, O_NONBLOCK), 0);
	int codes[PROCS];
	fan_out_codes(batch_or_singles, codes);
	close(batch_done[0]);
	close(batch_done[1]);
	outcome sum = gather();
	assert_int_equal(sum.other, 0);
	assert_int_equal(sum.batches_ok, BATCHES);
	assert_int_equal(sum.batch_aborts, 0);
	int batched = 0;
	for (int b = 0; b < BATCHES; b++)
		batched += batch_size[b];
	assert_int_equal(count(s, "GetArtifacts"), (size_t)(batched + sum.singles_ok));
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writers_share_types_and_contexts, setup, teardown),
		cmocka_unit_test_setup_teardown(opposite_parent_edges_never_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(labels_follow_links_added_side_by_side, setup, teardown),
		cmocka_unit_test_setup_teardown(batches_beside_single_inserts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

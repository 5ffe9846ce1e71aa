/*
 * tests/test_labels.c - classifications and the serving gate's store side,
 * on every backend: labels propagating downstream (diamonds at their
 * minimum distance, long chains, contexts), several sources of one label,
 * labels that do not propagate, until-times, lineage added after
 * labelling (PutExecution, PutEvents, PutAttributionsAndAssociations, a
 * shorter path), removal restoring the exact previous state, label names,
 * ListLabels, the gate list and CheckServingGate, tombstones, and a store
 * below version 5.
 */
#include "dg_helpers.h"
#include "store/store_private.h" /* mlmd__store_sql: tombstones made with SQL (the delete RPC is not ours) */

typedef Mlmd__Pb__Governance__EffectiveLabel Eff;
typedef Mlmd__Pb__Governance__GetEffectiveLabelsResponse Effs;

#define FAR_FUTURE 4102444800000LL /* 2100-01-01 */

/* ---- calls ---------------------------------------------------------------------------------- */

static int classify_full(mlmd_store *s, int kind, int64_t id, const char *label, const char *reason, int64_t until,
			 int no_propagate, Mlmd__Pb__Governance__ClassifyResponse **out)
{
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.id = id;
	rq.label = (char *)label;
	rq.reason = (char *)reason;
	rq.has_until_ms = until != 0;
	rq.until_ms = until;
	rq.has_no_propagate = no_propagate;
	rq.no_propagate = no_propagate;
	int rc;
	Mlmd__Pb__Governance__ClassifyResponse *rs =
		test_rpc(s, "Classify", &rq, &mlmd__pb__governance__classify_response__descriptor, &rc);
	if (out)
		*out = rs;
	else
		mlmd_message_free(rs);
	return rc;
}

/* Classifies and returns how many nodes the label reached (fails the test on error). */
static int64_t classify(mlmd_store *s, int kind, int64_t id, const char *label)
{
	Mlmd__Pb__Governance__ClassifyResponse *rs = NULL;
	OK(classify_full(s, kind, id, label, "test", 0, 0, &rs));
	int64_t n = rs->reached;
	mlmd_message_free(rs);
	return n;
}

static int unclassify_rc(mlmd_store *s, int kind, int64_t id, const char *label, int64_t *reached)
{
	Mlmd__Pb__Governance__UnclassifyRequest rq = MLMD__PB__GOVERNANCE__UNCLASSIFY_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.id = id;
	rq.label = (char *)label;
	int rc;
	Mlmd__Pb__Governance__UnclassifyResponse *rs =
		test_rpc(s, "Unclassify", &rq, &mlmd__pb__governance__unclassify_response__descriptor, &rc);
	if (rs && reached)
		*reached = rs->reached;
	mlmd_message_free(rs);
	return rc;
}

static int64_t unclassify(mlmd_store *s, int kind, int64_t id, const char *label)
{
	int64_t n = -1;
	OK(unclassify_rc(s, kind, id, label, &n));
	return n;
}

static int labels_rc(mlmd_store *s, int kind, int64_t id, int expired, Effs **out)
{
	Mlmd__Pb__Governance__GetEffectiveLabelsRequest rq = MLMD__PB__GOVERNANCE__GET_EFFECTIVE_LABELS_REQUEST__INIT;
	rq.has_kind = rq.has_id = 1;
	rq.kind = (Mlmd__Pb__Governance__NodeKind)kind;
	rq.id = id;
	rq.has_include_expired = 1;
	rq.include_expired = expired;
	int rc;
	*out = test_rpc(s, "GetEffectiveLabels", &rq, &mlmd__pb__governance__get_effective_labels_response__descriptor,
			&rc);
	return rc;
}

static Effs *labels(mlmd_store *s, int kind, int64_t id, int expired)
{
	Effs *rs = NULL;
	OK(labels_rc(s, kind, id, expired, &rs));
	return rs;
}

/* The distance at which `label` from (skind, sid) applies to the node, or -1. */
static int dist(mlmd_store *s, int kind, int64_t id, const char *label, int skind, int64_t sid)
{
	Effs *rs = labels(s, kind, id, 0);
	int d = -1;
	for (size_t i = 0; i < rs->n_labels; i++)
		if (!strcmp(rs->labels[i]->label, label) && (int)rs->labels[i]->source_kind == skind &&
		    rs->labels[i]->source_id == sid) {
			assert_int_equal(d, -1); /* one entry per (label, source) */
			d = rs->labels[i]->distance;
		}
	mlmd_message_free(rs);
	return d;
}

static size_t nlabels(mlmd_store *s, int kind, int64_t id)
{
	Effs *rs = labels(s, kind, id, 0);
	size_t n = rs->n_labels;
	mlmd_message_free(rs);
	return n;
}

static Mlmd__Pb__Governance__CheckServingGateResponse *gate_check(mlmd_store *s, int64_t artifact, int *rc)
{
	Mlmd__Pb__Governance__CheckServingGateRequest rq = MLMD__PB__GOVERNANCE__CHECK_SERVING_GATE_REQUEST__INIT;
	rq.has_artifact_id = 1;
	rq.artifact_id = artifact;
	return test_rpc(s, "CheckServingGate", &rq, &mlmd__pb__governance__check_serving_gate_response__descriptor, rc);
}

/* ---- lineage -------------------------------------------------------------------------------- */

typedef struct graph {
	mlmd_store *s;
	int64_t at, et, ct;
} graph;

static graph new_graph(void)
{
	graph g;
	g.s = open_memory();
	g.at = artifact_type(g.s, "DataSet", 0);
	g.et = execution_type(g.s, "Trainer");
	g.ct = context_type(g.s, "Pipeline");
	return g;
}

static int64_t art(graph *g)
{
	int64_t id = 0;
	OK(put_artifact(g->s, new_artifact(g->at, NULL), &id));
	return id;
}

static int64_t exe(graph *g)
{
	return put_execution_node(g->s, g->et);
}

static int put_event_rc(mlmd_store *s, int64_t a, int64_t e, int type)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = a;
	ev.execution_id = e;
	ev.type = (Mlmd__Pb__Event__Type)type;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	rq.n_events = 1;
	rq.events = &evp;
	int rc;
	mlmd_message_free(test_rpc(s, "PutEvents", &rq, &mlmd__pb__put_events_response__descriptor, &rc));
	return rc;
}

static void input(graph *g, int64_t a, int64_t e)
{
	OK(put_event_rc(g->s, a, e, MLMD__PB__EVENT__TYPE__INPUT));
}

static void output(graph *g, int64_t e, int64_t a)
{
	OK(put_event_rc(g->s, a, e, MLMD__PB__EVENT__TYPE__OUTPUT));
}

/* A new execution reading ins[0..n) and writing a new artifact (returned;
 * the execution in *e when e is not NULL). */
static int64_t step(graph *g, const int64_t *ins, size_t n, int64_t *e)
{
	int64_t x = exe(g), a = art(g);
	for (size_t i = 0; i < n; i++)
		input(g, ins[i], x);
	output(g, x, a);
	if (e)
		*e = x;
	return a;
}

/* PutAttributionsAndAssociations of one attribution (artifact > 0) or association. */
static void member(graph *g, int64_t ctx, int64_t artifact, int64_t execution)
{
	Mlmd__Pb__Attribution at = MLMD__PB__ATTRIBUTION__INIT, *atp = &at;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	if (artifact) {
		at.has_context_id = at.has_artifact_id = 1;
		at.context_id = ctx;
		at.artifact_id = artifact;
		rq.n_attributions = 1;
		rq.attributions = &atp;
	} else {
		as.has_context_id = as.has_execution_id = 1;
		as.context_id = ctx;
		as.execution_id = execution;
		rq.n_associations = 1;
		rq.associations = &asp;
	}
	int rc;
	mlmd_message_free(test_rpc(g->s, "PutAttributionsAndAssociations", &rq,
				   &mlmd__pb__put_attributions_and_associations_response__descriptor, &rc));
	OK(rc);
}

/* Every effective label (expired ones included) of the nodes, as text. */
static char *dump(mlmd_store *s, const int *kinds, const int64_t *ids, size_t n)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		Effs *rs = labels(s, kinds[i], ids[i], 1);
		for (size_t j = 0; j < rs->n_labels; j++) {
			const Eff *e = rs->labels[j];
			len += (size_t)snprintf(out + len, cap - len, "%d/%lld: %s from %d/%lld at %d until %lld %s\n",
						kinds[i], (long long)ids[i], e->label, e->source_kind,
						(long long)e->source_id, e->distance, (long long)e->until_ms, e->reason);
			assert_true(len < cap);
		}
		mlmd_message_free(rs);
	}
	return out;
}

/* ---- propagation ---------------------------------------------------------------------------- */

/* d is read by e1 (-> a1) and e2 (-> a2), and by the longer path e4 -> a4 ->
 * e5 -> a5; e3 reads a1, a2 and a5 and writes m. */
typedef struct diamond {
	int64_t d, e1, a1, e2, a2, e4, a4, e5, a5, e3, m;
} diamond;

static diamond make_diamond(graph *g)
{
	diamond x;
	x.d = art(g);
	x.a1 = step(g, &x.d, 1, &x.e1);
	x.a2 = step(g, &x.d, 1, &x.e2);
	x.a4 = step(g, &x.d, 1, &x.e4);
	x.a5 = step(g, &x.a4, 1, &x.e5);
	int64_t ins[3] = { x.a1, x.a5, x.a2 };
	x.m = step(g, ins, 3, &x.e3);
	return x;
}

static void diamond_keeps_minimum_distance(void **st)
{
	(void)st;
	graph g = new_graph();
	diamond x = make_diamond(&g);
	assert_int_equal(classify(g.s, ART, x.d, "PII"), 11);
	assert_int_equal(dist(g.s, ART, x.d, "PII", ART, x.d), 0);
	assert_int_equal(dist(g.s, EXE, x.e1, "PII", ART, x.d), 1);
	assert_int_equal(dist(g.s, ART, x.a1, "PII", ART, x.d), 2);
	assert_int_equal(dist(g.s, ART, x.a5, "PII", ART, x.d), 4);
	assert_int_equal(dist(g.s, EXE, x.e3, "PII", ART, x.d), 3); /* not 5 through a5 */
	assert_int_equal(dist(g.s, ART, x.m, "PII", ART, x.d), 4);
	assert_int_equal(nlabels(g.s, ART, x.m), 1);                 /* two paths, one entry */
	Effs *rs = labels(g.s, ART, x.m, 0);
	const Eff *e = rs->labels[0];
	assert_string_equal(e->label, "PII");
	assert_string_equal(e->reason, "test");
	assert_true(e->propagate);
	assert_int_equal(e->until_ms, 0);
	assert_true(e->time_ms > 0);
	assert_true(strlen(e->actor) > 0);
	mlmd_message_free(rs);
	/* nothing upstream is labelled */
	int64_t up = art(&g), e0;
	int64_t down = step(&g, &up, 1, &e0);
	(void)down;
	assert_int_equal(nlabels(g.s, ART, up), 0);
	/* labelling a1 too: m has PII from two sources, sorted by distance */
	assert_int_equal(classify(g.s, ART, x.a1, "PII"), 3);
	rs = labels(g.s, ART, x.m, 0);
	assert_int_equal(rs->n_labels, 2);
	assert_int_equal(rs->labels[0]->source_id, x.a1);
	assert_int_equal(rs->labels[0]->distance, 2);
	assert_int_equal(rs->labels[1]->source_id, x.d);
	assert_int_equal(rs->labels[1]->distance, 4);
	mlmd_message_free(rs);
	assert_int_equal(unclassify(g.s, ART, x.d, "PII"), 11);
	assert_int_equal(nlabels(g.s, EXE, x.e1), 0);
	assert_int_equal(dist(g.s, ART, x.m, "PII", ART, x.a1), 2);
	assert_int_equal(unclassify(g.s, ART, x.a1, "PII"), 3);
	assert_int_equal(nlabels(g.s, ART, x.m), 0);
	mlmd_store_free(g.s);
}

static void long_chain_is_followed_and_removed(void **st)
{
	(void)st;
	graph g = new_graph();
	enum { HOPS = 50 };
	int64_t a[HOPS + 1], e[HOPS + 1];
	a[0] = art(&g);
	for (int i = 1; i <= HOPS; i++)
		a[i] = step(&g, &a[i - 1], 1, &e[i]);
	assert_int_equal(classify(g.s, ART, a[0], "POISONED"), 2 * HOPS + 1);
	for (int i = 1; i <= HOPS; i++) {
		assert_int_equal(dist(g.s, EXE, e[i], "POISONED", ART, a[0]), 2 * i - 1);
		assert_int_equal(dist(g.s, ART, a[i], "POISONED", ART, a[0]), 2 * i);
	}
	/* from the middle: only the lower half */
	assert_int_equal(classify(g.s, EXE, e[HOPS / 2], "HOLD"), 2 * (HOPS - HOPS / 2 + 1));
	assert_int_equal(nlabels(g.s, ART, a[HOPS / 2 - 1]), 1);
	assert_int_equal(dist(g.s, ART, a[HOPS], "HOLD", EXE, e[HOPS / 2]), 2 * (HOPS - HOPS / 2) + 1);
	assert_int_equal(unclassify(g.s, ART, a[0], "POISONED"), 2 * HOPS + 1);
	for (int i = 1; i <= HOPS; i++)
		assert_int_equal(dist(g.s, ART, a[i], "POISONED", ART, a[0]), -1);
	assert_int_equal(nlabels(g.s, ART, a[HOPS]), 1);
	mlmd_store_free(g.s);
}

static void node_keeps_label_until_both_sources_are_gone(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t s1 = art(&g), s2 = art(&g), ex;
	int64_t ins[2] = { s1, s2 };
	int64_t m = step(&g, ins, 2, &ex);
	classify(g.s, ART, s1, "RESTRICTED");
	classify(g.s, ART, s2, "RESTRICTED");
	assert_int_equal(nlabels(g.s, ART, m), 2);
	unclassify(g.s, ART, s1, "RESTRICTED");
	assert_int_equal(nlabels(g.s, ART, m), 1);
	assert_int_equal(dist(g.s, ART, m, "RESTRICTED", ART, s2), 2);
	assert_int_equal(nlabels(g.s, ART, s1), 0);
	unclassify(g.s, ART, s2, "RESTRICTED");
	assert_int_equal(nlabels(g.s, ART, m), 0);
	assert_int_equal(nlabels(g.s, EXE, ex), 0);
	/* a label the node does not have of its own: NOT_FOUND, even when it has it from upstream */
	classify(g.s, ART, s1, "RESTRICTED");
	FAILS(unclassify_rc(g.s, ART, m, "RESTRICTED", NULL), MLMD_NOT_FOUND, "no label 'RESTRICTED' of its own");
	FAILS(unclassify_rc(g.s, ART, s1, "PII", NULL), MLMD_NOT_FOUND, "PII");
	mlmd_store_free(g.s);
}

static void no_propagate_stays_on_the_node(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g), ex;
	int64_t m = step(&g, &d, 1, &ex);
	Mlmd__Pb__Governance__ClassifyResponse *rs = NULL;
	OK(classify_full(g.s, ART, d, "PII", NULL, 0, 1, &rs));
	assert_int_equal(rs->reached, 1);
	assert_false(rs->replaced);
	mlmd_message_free(rs);
	assert_int_equal(dist(g.s, ART, d, "PII", ART, d), 0);
	assert_int_equal(nlabels(g.s, EXE, ex), 0);
	assert_int_equal(nlabels(g.s, ART, m), 0);
	Effs *e = labels(g.s, ART, d, 0);
	assert_false(e->labels[0]->propagate);
	assert_string_equal(e->labels[0]->reason, "");
	mlmd_message_free(e);
	/* edges added later do not carry it either */
	int64_t x2 = exe(&g);
	input(&g, d, x2);
	assert_int_equal(nlabels(g.s, EXE, x2), 0);
	/* re-classified to propagate: replaced, the reach written afresh; and back */
	OK(classify_full(g.s, ART, d, "PII", "now it spreads", 0, 0, &rs));
	assert_true(rs->replaced);
	assert_int_equal(rs->reached, 4);
	mlmd_message_free(rs);
	assert_int_equal(dist(g.s, ART, m, "PII", ART, d), 2);
	assert_int_equal(dist(g.s, EXE, x2, "PII", ART, d), 1);
	OK(classify_full(g.s, ART, d, "PII", NULL, 0, 1, &rs));
	assert_true(rs->replaced);
	assert_int_equal(rs->reached, 1);
	mlmd_message_free(rs);
	assert_int_equal(nlabels(g.s, ART, m), 0);
	mlmd_store_free(g.s);
}

static void context_label_reaches_members_and_downstream(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t ctx = put_context_node(g.s, g.ct, "run-1");
	int64_t x = art(&g), y = exe(&g), z = art(&g);
	output(&g, y, z);
	member(&g, ctx, x, 0);
	member(&g, ctx, 0, y);
	int64_t w = step(&g, &z, 1, NULL);
	assert_int_equal(classify(g.s, CTX, ctx, "RESTRICTED"), 6);
	assert_int_equal(dist(g.s, CTX, ctx, "RESTRICTED", CTX, ctx), 0);
	assert_int_equal(dist(g.s, ART, x, "RESTRICTED", CTX, ctx), 1);
	assert_int_equal(dist(g.s, EXE, y, "RESTRICTED", CTX, ctx), 1);
	assert_int_equal(dist(g.s, ART, z, "RESTRICTED", CTX, ctx), 2);
	assert_int_equal(dist(g.s, ART, w, "RESTRICTED", CTX, ctx), 4);
	/* attributions and associations added later (PutAttributionsAndAssociations) */
	int64_t x2 = art(&g), y2 = exe(&g), z2 = art(&g);
	output(&g, y2, z2);
	member(&g, ctx, x2, 0);
	member(&g, ctx, 0, y2);
	assert_int_equal(dist(g.s, ART, x2, "RESTRICTED", CTX, ctx), 1);
	assert_int_equal(dist(g.s, EXE, y2, "RESTRICTED", CTX, ctx), 1);
	assert_int_equal(dist(g.s, ART, z2, "RESTRICTED", CTX, ctx), 2);
	/* an artifact that was already downstream at 4 comes closer */
	member(&g, ctx, w, 0);
	assert_int_equal(dist(g.s, ART, w, "RESTRICTED", CTX, ctx), 1);
	assert_int_equal(unclassify(g.s, CTX, ctx, "RESTRICTED"), 9);
	assert_int_equal(nlabels(g.s, ART, z2), 0);
	mlmd_store_free(g.s);
}

static void until_times_apply_until_they_pass(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g);
	int64_t m = step(&g, &d, 1, NULL);
	/* 1000 ms after the epoch is before any clock a store runs on */
	OK(classify_full(g.s, ART, d, "EXPIRED", "licence ended", 1000, 0, NULL));
	OK(classify_full(g.s, ART, d, "PII", NULL, FAR_FUTURE, 0, NULL));
	Effs *rs = labels(g.s, ART, m, 0);
	assert_int_equal(rs->n_labels, 1);
	assert_string_equal(rs->labels[0]->label, "PII");
	assert_int_equal(rs->labels[0]->until_ms, FAR_FUTURE);
	mlmd_message_free(rs);
	rs = labels(g.s, ART, m, 1);
	assert_int_equal(rs->n_labels, 2);
	assert_string_equal(rs->labels[0]->label, "EXPIRED");
	assert_int_equal(rs->labels[0]->until_ms, 1000);
	assert_int_equal(rs->labels[0]->distance, 2);
	assert_string_equal(rs->labels[0]->reason, "licence ended");
	assert_string_equal(rs->labels[1]->label, "PII");
	mlmd_message_free(rs);
	/* the label stays stored, and can be set again without an end */
	assert_int_equal(unclassify(g.s, ART, d, "EXPIRED"), 3);
	OK(classify_full(g.s, ART, d, "EXPIRED", NULL, 1000, 0, NULL));
	OK(classify_full(g.s, ART, d, "EXPIRED", NULL, 0, 0, NULL));
	assert_int_equal(nlabels(g.s, ART, m), 2);
	FAILS(classify_full(g.s, ART, d, "EXPIRED", NULL, -5, 0, NULL), MLMD_INVALID_ARGUMENT, "negative");
	mlmd_store_free(g.s);
}

static void lineage_added_after_labelling_is_followed(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g);
	classify(g.s, ART, d, "POISONED");
	/* PutExecution: an input event from d and a new output */
	Mlmd__Pb__Execution ex = MLMD__PB__EXECUTION__INIT;
	ex.has_type_id = 1;
	ex.type_id = g.et;
	Mlmd__Pb__Event in = MLMD__PB__EVENT__INIT, out = MLMD__PB__EVENT__INIT;
	in.has_artifact_id = in.has_type = 1;
	in.artifact_id = d;
	in.type = MLMD__PB__EVENT__TYPE__INPUT;
	out.has_type = 1;
	out.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	Mlmd__Pb__Artifact *na = new_artifact(g.at, "file:///model");
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p1 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
							p2 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
	/* the output first: it is labelled when the input arrives */
	p2.event = &in;
	p1.artifact = na;
	p1.event = &out;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &p1, &p2 };
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	rq.execution = &ex;
	rq.n_artifact_event_pairs = 2;
	rq.artifact_event_pairs = pairs;
	int rc;
	Mlmd__Pb__PutExecutionResponse *rs =
		test_rpc(g.s, "PutExecution", &rq, &mlmd__pb__put_execution_response__descriptor, &rc);
	OK(rc);
	mlmd_message_free(na);
	int64_t e1 = rs->execution_id, m = rs->artifact_ids[0];
	mlmd_message_free(rs);
	assert_int_equal(dist(g.s, EXE, e1, "POISONED", ART, d), 1);
	assert_int_equal(dist(g.s, ART, m, "POISONED", ART, d), 2);
	/* PutEvents: m read by a new execution, which writes n */
	int64_t e2 = exe(&g), n = art(&g);
	output(&g, e2, n); /* before the input: nothing to carry yet */
	assert_int_equal(nlabels(g.s, ART, n), 0);
	input(&g, m, e2);
	assert_int_equal(dist(g.s, EXE, e2, "POISONED", ART, d), 3);
	assert_int_equal(dist(g.s, ART, n, "POISONED", ART, d), 4);
	/* a shorter path added later: every distance below it shrinks */
	int64_t e3 = exe(&g);
	output(&g, e3, m);
	assert_int_equal(dist(g.s, ART, m, "POISONED", ART, d), 2);
	input(&g, d, e3);
	assert_int_equal(dist(g.s, ART, m, "POISONED", ART, d), 2); /* d -> e3 -> m is 2 as well */
	int64_t e4 = exe(&g);
	output(&g, e4, n);
	input(&g, d, e4);
	assert_int_equal(dist(g.s, ART, n, "POISONED", ART, d), 2);
	/* PutLineageSubgraph: a new execution reading n by id, writing a new artifact */
	Mlmd__Pb__Execution sx = MLMD__PB__EXECUTION__INIT, *sxp = &sx;
	sx.has_type_id = 1;
	sx.type_id = g.et;
	Mlmd__Pb__Artifact *sa = new_artifact(g.at, NULL);
	Mlmd__Pb__Event sin = MLMD__PB__EVENT__INIT, sout = MLMD__PB__EVENT__INIT;
	sin.has_artifact_id = sin.has_type = 1;
	sin.artifact_id = n;
	sin.type = MLMD__PB__EVENT__TYPE__DECLARED_INPUT;
	sout.has_type = 1;
	sout.type = MLMD__PB__EVENT__TYPE__PENDING_OUTPUT;
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed1 = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT,
						       ed2 = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
	ed1.has_execution_index = 1;
	ed1.event = &sin;
	ed2.has_execution_index = ed2.has_artifact_index = 1;
	ed2.event = &sout;
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge *edges[2] = { &ed2, &ed1 };
	Mlmd__Pb__PutLineageSubgraphRequest lrq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	lrq.n_executions = 1;
	lrq.executions = &sxp;
	lrq.n_artifacts = 1;
	lrq.artifacts = &sa;
	lrq.n_event_edges = 2;
	lrq.event_edges = edges;
	Mlmd__Pb__PutLineageSubgraphResponse *lrs =
		test_rpc(g.s, "PutLineageSubgraph", &lrq, &mlmd__pb__put_lineage_subgraph_response__descriptor, &rc);
	OK(rc);
	mlmd_message_free(sa);
	assert_int_equal(dist(g.s, EXE, lrs->execution_ids[0], "POISONED", ART, d), 3);
	assert_int_equal(dist(g.s, ART, lrs->artifact_ids[0], "POISONED", ART, d), 4);
	mlmd_message_free(lrs);
	/* an event type that is neither input nor output carries nothing */
	int64_t e5 = exe(&g);
	OK(put_event_rc(g.s, d, e5, MLMD__PB__EVENT__TYPE__UNKNOWN));
	assert_int_equal(nlabels(g.s, EXE, e5), 0);
	/* everything came off with the label */
	assert_int_equal(unclassify(g.s, ART, d, "POISONED"), 9);
	assert_int_equal(nlabels(g.s, ART, n), 0);
	mlmd_store_free(g.s);
}

static void removal_restores_the_previous_state(void **st)
{
	(void)st;
	graph g = new_graph();
	diamond x = make_diamond(&g);
	int kinds[11] = { ART, EXE, ART, EXE, ART, EXE, ART, EXE, ART, EXE, ART };
	int64_t ids[11] = { x.d, x.e1, x.a1, x.e2, x.a2, x.e4, x.a4, x.e5, x.a5, x.e3, x.m };
	OK(classify_full(g.s, ART, x.a4, "PII", "r1", FAR_FUTURE, 0, NULL));
	OK(classify_full(g.s, EXE, x.e1, "POISONED", "r2", 0, 0, NULL));
	OK(classify_full(g.s, ART, x.a2, "HOLD", NULL, 1000, 1, NULL));
	char *before = dump(g.s, kinds, ids, 11);
	assert_non_null(strstr(before, "PII"));
	/* the same label from another source, and a new one */
	classify(g.s, ART, x.d, "PII");
	classify(g.s, ART, x.d, "POISONED");
	int64_t late = exe(&g);
	input(&g, x.m, late);
	char *during = dump(g.s, kinds, ids, 11);
	assert_string_not_equal(before, during);
	unclassify(g.s, ART, x.d, "PII");
	unclassify(g.s, ART, x.d, "POISONED");
	char *after = dump(g.s, kinds, ids, 11);
	assert_string_equal(before, after);
	/* the execution added meanwhile has what it has from the remaining labels */
	assert_int_equal(dist(g.s, EXE, late, "PII", ART, x.a4), 5);
	assert_int_equal(dist(g.s, EXE, late, "POISONED", EXE, x.e1), 4);
	assert_int_equal(nlabels(g.s, EXE, late), 2);
	free(before);
	free(during);
	free(after);
	mlmd_store_free(g.s);
}

static void label_names_and_requests_are_checked(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g);
	char long_ok[129], too_long[130];
	memset(long_ok, 'a', 128);
	long_ok[128] = 0;
	memset(too_long, 'b', 129);
	too_long[129] = 0;
	classify(g.s, ART, d, long_ok);
	classify(g.s, ART, d, "team.x:pii-2_b");
	classify(g.s, ART, d, "pii"); /* case matters: not PII */
	classify(g.s, ART, d, "PII");
	assert_int_equal(nlabels(g.s, ART, d), 4);
	FAILS(classify_full(g.s, ART, d, too_long, NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "at most 128");
	FAILS(classify_full(g.s, ART, d, "", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "label is required");
	FAILS(classify_full(g.s, ART, d, NULL, NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "label is required");
	FAILS(classify_full(g.s, ART, d, "1abc", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "start with a letter");
	FAILS(classify_full(g.s, ART, d, "_x", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "start with a letter");
	FAILS(classify_full(g.s, ART, d, "a b", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "byte 1");
	FAILS(classify_full(g.s, ART, d, "a/b", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "A-Z a-z 0-9");
	FAILS(classify_full(g.s, ART, d, "caf\xc3\xa9", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "byte 3");
	FAILS(unclassify_rc(g.s, ART, d, "a b", NULL), MLMD_INVALID_ARGUMENT, "a b");
	char reason[4098];
	memset(reason, 'r', 4097);
	reason[4097] = 0;
	FAILS(classify_full(g.s, ART, d, "PII", reason, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "at most 4096");
	reason[4096] = 0;
	OK(classify_full(g.s, ART, d, "PII", reason, 0, 0, NULL));
	/* kinds and ids */
	FAILS(classify_full(g.s, 0, d, "PII", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "kind must be");
	FAILS(classify_full(g.s, 7, d, "PII", NULL, 0, 0, NULL), MLMD_INVALID_ARGUMENT, "kind");
	FAILS(classify_full(g.s, ART, d + 1000, "PII", NULL, 0, 0, NULL), MLMD_NOT_FOUND, "does not exist");
	FAILS(classify_full(g.s, EXE, d + 1000, "PII", NULL, 0, 0, NULL), MLMD_NOT_FOUND, "execution");
	FAILS(classify_full(g.s, CTX, 1, "PII", NULL, 0, 0, NULL), MLMD_NOT_FOUND, "context 1 does not exist");
	Effs *rs = NULL;
	FAILS(labels_rc(g.s, ART, d + 1000, 0, &rs), MLMD_NOT_FOUND, "does not exist");
	FAILS(unclassify_rc(g.s, ART, d + 1000, "PII", NULL), MLMD_NOT_FOUND, "does not exist");
	Mlmd__Pb__Governance__ClassifyRequest rq = MLMD__PB__GOVERNANCE__CLASSIFY_REQUEST__INIT;
	rq.has_kind = 1;
	rq.kind = MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT;
	rq.label = "PII";
	int rc;
	FAILS((test_rpc(g.s, "Classify", &rq, &mlmd__pb__governance__classify_response__descriptor, &rc), rc),
	      MLMD_INVALID_ARGUMENT, "id is required");
	mlmd_store_free(g.s);
}

static Mlmd__Pb__Governance__ListLabelsResponse *list(mlmd_store *s, const char *label, int64_t after, int max)
{
	Mlmd__Pb__Governance__ListLabelsRequest rq = MLMD__PB__GOVERNANCE__LIST_LABELS_REQUEST__INIT;
	rq.label = (char *)label;
	rq.has_after_id = after != 0;
	rq.after_id = after;
	rq.has_max_results = max != 0;
	rq.max_results = max;
	int rc;
	Mlmd__Pb__Governance__ListLabelsResponse *rs =
		test_rpc(s, "ListLabels", &rq, &mlmd__pb__governance__list_labels_response__descriptor, &rc);
	OK(rc);
	return rs;
}

static void list_labels_pages_by_label(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g), e;
	int64_t m = step(&g, &d, 1, &e);
	classify(g.s, ART, m, "POISONED");
	classify(g.s, ART, d, "PII");
	classify(g.s, ART, d, "POISONED");
	OK(classify_full(g.s, EXE, e, "HOLD", "case 12", 0, 1, NULL));
	Mlmd__Pb__Governance__ListLabelsResponse *rs = list(g.s, NULL, 0, 0);
	assert_int_equal(rs->n_labels, 4);
	assert_string_equal(rs->labels[0]->label->label, "HOLD");
	assert_int_equal(rs->labels[0]->kind, EXE);
	assert_int_equal(rs->labels[0]->node_id, e);
	assert_int_equal(rs->labels[0]->reached, 1);
	assert_string_equal(rs->labels[0]->label->reason, "case 12");
	assert_int_equal(rs->labels[0]->label->distance, 0);
	assert_false(rs->labels[0]->label->propagate);
	assert_string_equal(rs->labels[1]->label->label, "PII");
	assert_int_equal(rs->labels[1]->reached, 3);
	assert_string_equal(rs->labels[2]->label->label, "POISONED");
	assert_int_equal(rs->labels[2]->node_id, m); /* labelled first */
	assert_int_equal(rs->labels[3]->node_id, d);
	int64_t third = rs->labels[2]->label_id, first = rs->labels[0]->label_id;
	mlmd_message_free(rs);
	rs = list(g.s, NULL, first, 2);
	assert_int_equal(rs->n_labels, 2);
	assert_string_equal(rs->labels[0]->label->label, "PII");
	assert_int_equal(rs->labels[1]->label_id, third);
	mlmd_message_free(rs);
	rs = list(g.s, NULL, third, 2);
	assert_int_equal(rs->n_labels, 1);
	assert_int_equal(rs->labels[0]->node_id, d);
	mlmd_message_free(rs);
	rs = list(g.s, "POISONED", 0, 1);
	assert_int_equal(rs->n_labels, 1);
	assert_int_equal(rs->labels[0]->node_id, m);
	int64_t after = rs->labels[0]->label_id;
	mlmd_message_free(rs);
	rs = list(g.s, "POISONED", after, 1);
	assert_int_equal(rs->n_labels, 1);
	assert_int_equal(rs->labels[0]->node_id, d);
	assert_int_equal(rs->labels[0]->reached, 3);
	mlmd_message_free(rs);
	rs = list(g.s, "RESTRICTED", 0, 0);
	assert_int_equal(rs->n_labels, 0);
	mlmd_message_free(rs);
	Mlmd__Pb__Governance__ListLabelsRequest rq = MLMD__PB__GOVERNANCE__LIST_LABELS_REQUEST__INIT;
	rq.has_max_results = 1;
	rq.max_results = 1001;
	int rc;
	FAILS((test_rpc(g.s, "ListLabels", &rq, &mlmd__pb__governance__list_labels_response__descriptor, &rc), rc),
	      MLMD_INVALID_ARGUMENT, "out of range");
	mlmd_store_free(g.s);
}

/* ---- tombstones (made with SQL: deletion is another handler's) ------------------------------ */

static void tombstone(mlmd_store *s, const char *table, int64_t id)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET deleted_time = 1, deleted_by = 'test', delete_reason = '' WHERE id = %lld", table,
		 (long long)id);
	OK(mlmd__sql_exec(mlmd__store_sql(s), sql));
}

static void tombstones_are_labelled_and_walked_through(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t d = art(&g), e1, e2;
	int64_t mid = step(&g, &d, 1, &e1);
	int64_t m = step(&g, &mid, 1, &e2);
	tombstone(g.s, "artifact", d);
	tombstone(g.s, "execution", e2);
	assert_int_equal(classify(g.s, ART, d, "POISONED"), 5);
	assert_int_equal(dist(g.s, ART, d, "POISONED", ART, d), 0);
	assert_int_equal(dist(g.s, EXE, e2, "POISONED", ART, d), 3);
	assert_int_equal(dist(g.s, ART, m, "POISONED", ART, d), 4);
	/* the gate: a tombstone cannot be served, a live model below one is blocked */
	int rc;
	Mlmd__Pb__Governance__CheckServingGateResponse *gs = gate_check(g.s, d, &rc);
	FAILS(rc, MLMD_NOT_FOUND, "deleted");
	assert_null(gs);
	gs = gate_check(g.s, m, &rc);
	OK(rc);
	assert_false(gs->allowed);
	mlmd_message_free(gs);
	mlmd_store_free(g.s);
}

/* ---- the serving gate ----------------------------------------------------------------------- */

static Mlmd__Pb__Governance__SetServingGateResponse *gate_set(mlmd_store *s, const char **l, size_t n, int *rc)
{
	Mlmd__Pb__Governance__SetServingGateRequest rq = MLMD__PB__GOVERNANCE__SET_SERVING_GATE_REQUEST__INIT;
	rq.n_labels = n;
	rq.labels = (char **)l;
	return test_rpc(s, "SetServingGate", &rq, &mlmd__pb__governance__set_serving_gate_response__descriptor, rc);
}

static void gate_list_is_set_and_read(void **st)
{
	(void)st;
	mlmd_store *s = open_memory();
	Mlmd__Pb__Governance__GetServingGateRequest rq = MLMD__PB__GOVERNANCE__GET_SERVING_GATE_REQUEST__INIT;
	int rc;
	Mlmd__Pb__Governance__GetServingGateResponse *g =
		test_rpc(s, "GetServingGate", &rq, &mlmd__pb__governance__get_serving_gate_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(g->n_labels, 3);
	assert_string_equal(g->labels[0], "EXPIRED");
	assert_string_equal(g->labels[1], "POISONED");
	assert_string_equal(g->labels[2], "RESTRICTED");
	mlmd_message_free(g);
	const char *want[] = { "POISONED", "PII", "team:blocked", "POISONED" };
	Mlmd__Pb__Governance__SetServingGateResponse *ss = gate_set(s, want, 4, &rc);
	OK(rc);
	assert_int_equal(ss->n_labels, 3);
	assert_string_equal(ss->labels[0], "PII");
	assert_string_equal(ss->labels[1], "POISONED");
	assert_string_equal(ss->labels[2], "team:blocked");
	mlmd_message_free(ss);
	const char *bad[] = { "PII", "no way" };
	FAILS((gate_set(s, bad, 2, &rc), rc), MLMD_INVALID_ARGUMENT, "labels[1]");
	g = test_rpc(s, "GetServingGate", &rq, &mlmd__pb__governance__get_serving_gate_response__descriptor, &rc);
	assert_int_equal(g->n_labels, 3); /* unchanged by the refused call */
	mlmd_message_free(g);
	ss = gate_set(s, NULL, 0, &rc);
	OK(rc);
	assert_int_equal(ss->n_labels, 0);
	mlmd_message_free(ss);
	g = test_rpc(s, "GetServingGate", &rq, &mlmd__pb__governance__get_serving_gate_response__descriptor, &rc);
	assert_int_equal(g->n_labels, 0);
	mlmd_message_free(g);
	mlmd_store_free(s);
}

static void gate_check_names_blocking_labels(void **st)
{
	(void)st;
	graph g = new_graph();
	int64_t data = art(&g), other = art(&g), e;
	int64_t ins[2] = { data, other };
	int64_t model = step(&g, ins, 2, &e);
	int rc;
	Mlmd__Pb__Governance__CheckServingGateResponse *gs = gate_check(g.s, model, &rc);
	OK(rc);
	assert_true(gs->allowed);
	assert_int_equal(gs->n_blocking, 0);
	mlmd_message_free(gs);
	/* labels not in the gate list, and gated ones that have expired, do not block */
	classify(g.s, ART, data, "PII");
	OK(classify_full(g.s, ART, other, "EXPIRED", NULL, 1000, 0, NULL));
	gs = gate_check(g.s, model, &rc);
	OK(rc);
	assert_true(gs->allowed);
	mlmd_message_free(gs);
	/* a poisoned dataset blocks, named with its source and distance; a far-off end still blocks */
	OK(classify_full(g.s, ART, data, "POISONED", "label flips", FAR_FUTURE, 0, NULL));
	classify(g.s, EXE, e, "RESTRICTED");
	gs = gate_check(g.s, model, &rc);
	OK(rc);
	assert_false(gs->allowed);
	assert_int_equal(gs->n_blocking, 2);
	assert_string_equal(gs->blocking[0]->label, "POISONED");
	assert_int_equal(gs->blocking[0]->source_kind, ART);
	assert_int_equal(gs->blocking[0]->source_id, data);
	assert_int_equal(gs->blocking[0]->distance, 2);
	assert_string_equal(gs->blocking[0]->reason, "label flips");
	assert_string_equal(gs->blocking[1]->label, "RESTRICTED");
	assert_int_equal(gs->blocking[1]->source_kind, EXE);
	assert_int_equal(gs->blocking[1]->distance, 1);
	mlmd_message_free(gs);
	/* the gate list decides: PII gated, POISONED and RESTRICTED not */
	const char *only_pii[] = { "PII" };
	mlmd_message_free(gate_set(g.s, only_pii, 1, &rc));
	OK(rc);
	gs = gate_check(g.s, model, &rc);
	OK(rc);
	assert_false(gs->allowed);
	assert_int_equal(gs->n_blocking, 1);
	assert_string_equal(gs->blocking[0]->label, "PII");
	mlmd_message_free(gs);
	unclassify(g.s, ART, data, "PII");
	gs = gate_check(g.s, model, &rc);
	OK(rc);
	assert_true(gs->allowed);
	mlmd_message_free(gs);
	/* a label on the model itself, and the other artifacts */
	classify(g.s, ART, model, "PII");
	gs = gate_check(g.s, model, &rc);
	assert_false(gs->allowed);
	assert_int_equal(gs->blocking[0]->distance, 0);
	mlmd_message_free(gs);
	gs = gate_check(g.s, model + 1000, &rc);
	FAILS(rc, MLMD_NOT_FOUND, "does not exist");
	assert_null(gs);
	Mlmd__Pb__Governance__CheckServingGateRequest rq = MLMD__PB__GOVERNANCE__CHECK_SERVING_GATE_REQUEST__INIT;
	FAILS((test_rpc(g.s, "CheckServingGate", &rq, &mlmd__pb__governance__check_serving_gate_response__descriptor,
			&rc),
	       rc),
	      MLMD_INVALID_ARGUMENT, "artifact_id is required");
	mlmd_store_free(g.s);
}

/* ---- a store below version 5 ---------------------------------------------------------------- */

static void version_4_store_needs_version_5(void **st)
{
	(void)st;
	if (strcmp(test_backend(), "sqlite-memory"))
		skip(); /* a file of its own */
	char *path = tmp_path("v4");
	mlmd_store *s = open_file(path);
	mlmd_store_free(s);
	sqlite_back_to_v4(path);
	s = open_file(path);
	assert_int_equal(mlmd_store_schema_version(s), 4);
	graph g = { s, artifact_type(s, "DataSet", 0), execution_type(s, "Trainer"), 0 };
	/* lineage is written as before (no label tables to look at) */
	int64_t d = art(&g);
	int64_t m = step(&g, &d, 1, NULL);
	FAILS(classify_full(s, ART, d, "PII", NULL, 0, 0, NULL), MLMD_FAILED_PRECONDITION, "needs schema version 5");
	Effs *rs = NULL;
	FAILS(labels_rc(s, ART, m, 0, &rs), MLMD_FAILED_PRECONDITION, "needs schema version 5");
	FAILS(unclassify_rc(s, ART, d, "PII", NULL), MLMD_FAILED_PRECONDITION, "version 5");
	int rc;
	FAILS((gate_check(s, m, &rc), rc), MLMD_FAILED_PRECONDITION, "version 5");
	FAILS((gate_set(s, NULL, 0, &rc), rc), MLMD_FAILED_PRECONDITION, "version 5");
	mlmd_store_free(s);
	/* upgraded, it labels */
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.upgrade = 1;
	OK(mlmd_store_open(&s, &o));
	assert_int_equal(classify(s, ART, d, "PII"), 3);
	assert_int_equal(dist(s, ART, m, "PII", ART, d), 2);
	mlmd_store_free(s);
	tmp_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(diamond_keeps_minimum_distance),
		cmocka_unit_test(long_chain_is_followed_and_removed),
		cmocka_unit_test(node_keeps_label_until_both_sources_are_gone),
		cmocka_unit_test(no_propagate_stays_on_the_node),
		cmocka_unit_test(context_label_reaches_members_and_downstream),
		cmocka_unit_test(until_times_apply_until_they_pass),
		cmocka_unit_test(lineage_added_after_labelling_is_followed),
		cmocka_unit_test(removal_restores_the_previous_state),
		cmocka_unit_test(label_names_and_requests_are_checked),
		cmocka_unit_test(list_labels_pages_by_label),
		cmocka_unit_test(tombstones_are_labelled_and_walked_through),
		cmocka_unit_test(gate_list_is_set_and_read),
		cmocka_unit_test(gate_check_names_blocking_labels),
		cmocka_unit_test(version_4_store_needs_version_5),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

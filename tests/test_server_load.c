/*
 * tests/test_server_load.c - 32 clients writing through one in-process
 * `mlmd serve` (server/server.h) at once, each on its own channel: nothing
 * lost, nothing stored twice, every id the server answered is there.
 *
 * The store is a temporary SQLite file, or a fresh PostgreSQL database with
 * MLMD_TEST_BACKEND=postgresql (tests/server_fixture.h). The clients start
 * together (a condition variable), race to create the same types and the
 * same shared contexts (PutExecution with reuse_context_if_already_exist),
 * and retry ABORTED as MLMD's clients do. Afterwards a direct handle on the
 * store counts what is there. Nothing is timed: the test counts.
 */
#include "server_fixture.h"
#include <pthread.h>

#define CLIENTS 32
#define ROUNDS 10
#define SHARED 3     /* contexts "shared-0".."shared-2", besides "shared-all" */
#define RETRIES 1000 /* ABORTED answers one call may get before the client gives up */

#define MLMD_PATH(m) "/ml_metadata.MetadataStoreService/" m

/* The clients' start line: each says it is ready, then waits for `go`. */
typedef struct start_line {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready, go;
} start_line;

/* One client thread's settings and what it was answered. */
typedef struct client {
	int index;
	const char *target;
	start_line *start;
	int64_t at, et, ct;               /* the type ids it was given */
	int64_t in_id[ROUNDS];            /* PutArtifacts: "in-<client>-<round>" */
	int64_t out_id[ROUNDS];           /* PutExecution's new artifact "out-<client>-<round>" */
	int64_t exec_id[ROUNDS];          /* PutExecution's execution "exec-<client>-<round>" */
	int64_t ctx_id[ROUNDS][2];        /* its contexts: "shared-<round % SHARED>", "shared-all" */
	unsigned long long ok, aborted;   /* answers by status */
	char error[600];                  /* the first failure ("" when none) */
} client;

/*
 * Makes one call of `path` with message rq on channel ch, retrying ABORTED;
 * on success returns the response unpacked as `out` (free it with
 * mlmd_message_free) and counts it; else records the failure in c->error and
 * returns NULL. Runs on the client's thread: no cmocka assertions here.
 */
static void *client_call(client *c, gc_channel *ch, const char *path, const void *rqv,
			 const ProtobufCMessageDescriptor *out)
{
	const ProtobufCMessage *rq = rqv;
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	if (!buf) {
		snprintf(c->error, sizeof c->error, "%s: out of memory", path);
		return NULL;
	}
	protobuf_c_message_pack(rq, buf);
	void *m = NULL;
	for (int tries = 0; tries <= RETRIES; tries++) {
		gc_result r;
		if (gc_call(ch, path, buf, n, 0, &r) != 0) {
			snprintf(c->error, sizeof c->error, "%s: the client could not make the call", path);
			break;
		}
		if (r.status == 0) {
			c->ok++;
			m = protobuf_c_message_unpack(out, NULL, r.len, r.data ? r.data : (const uint8_t *)"");
			if (!m)
				snprintf(c->error, sizeof c->error, "%s: the response does not decode", path);
			gc_result_free(&r);
			break;
		}
		int again = r.status == MLMD_ABORTED;
		if (again)
			c->aborted++;
		else
			snprintf(c->error, sizeof c->error, "%s: status %d (%s): %s", path, r.status,
				 mlmd_status_name(-r.status), r.message);
		gc_result_free(&r);
		if (!again)
			break;
	}
	if (!m && !c->error[0])
		snprintf(c->error, sizeof c->error, "%s: still ABORTED after %d tries", path, RETRIES);
	free(buf);
	return m;
}

/* Puts the three types every client shares; 0 or -1 (c->error says why). */
static int client_types(client *c, gc_channel *ch)
{
	Mlmd__Pb__ArtifactType t1 = MLMD__PB__ARTIFACT_TYPE__INIT;
	Mlmd__Pb__ExecutionType t2 = MLMD__PB__EXECUTION_TYPE__INIT;
	Mlmd__Pb__ContextType t3 = MLMD__PB__CONTEXT_TYPE__INIT;
	t1.name = "LoadData";
	t2.name = "LoadStep";
	t3.name = "LoadRun";
	Mlmd__Pb__PutArtifactTypeRequest r1 = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutExecutionTypeRequest r2 = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutContextTypeRequest r3 = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
	r1.artifact_type = &t1;
	r2.execution_type = &t2;
	r3.context_type = &t3;
	Mlmd__Pb__PutArtifactTypeResponse *a =
		client_call(c, ch, MLMD_PATH("PutArtifactType"), &r1, &mlmd__pb__put_artifact_type_response__descriptor);
	Mlmd__Pb__PutExecutionTypeResponse *e =
		a ? client_call(c, ch, MLMD_PATH("PutExecutionType"), &r2, &mlmd__pb__put_execution_type_response__descriptor)
		  : NULL;
	Mlmd__Pb__PutContextTypeResponse *x =
		e ? client_call(c, ch, MLMD_PATH("PutContextType"), &r3, &mlmd__pb__put_context_type_response__descriptor)
		  : NULL;
	if (x) {
		c->at = a->type_id;
		c->et = e->type_id;
		c->ct = x->type_id;
	}
	mlmd_message_free(a);
	mlmd_message_free(e);
	mlmd_message_free(x);
	return x ? 0 : -1;
}

/* Round r: a new artifact, then an execution that reads it and writes
 * another, in two shared contexts. 0 or -1 (c->error says why). */
static int client_round(client *c, gc_channel *ch, int r)
{
	char in_name[32], out_name[32], exec_name[32], shared[32];
	snprintf(in_name, sizeof in_name, "in-%d-%d", c->index, r);
	snprintf(out_name, sizeof out_name, "out-%d-%d", c->index, r);
	snprintf(exec_name, sizeof exec_name, "exec-%d-%d", c->index, r);
	snprintf(shared, sizeof shared, "shared-%d", r % SHARED);

	Mlmd__Pb__Artifact in = MLMD__PB__ARTIFACT__INIT, *inp = &in;
	in.has_type_id = 1;
	in.type_id = c->at;
	in.name = in_name;
	in.uri = "/load/in";
	Mlmd__Pb__PutArtifactsRequest prq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	prq.n_artifacts = 1;
	prq.artifacts = &inp;
	Mlmd__Pb__PutArtifactsResponse *prs =
		client_call(c, ch, MLMD_PATH("PutArtifacts"), &prq, &mlmd__pb__put_artifacts_response__descriptor);
	if (!prs)
		return -1;
	if (prs->n_artifact_ids != 1) {
		snprintf(c->error, sizeof c->error, "PutArtifacts answered %zu ids for one artifact", prs->n_artifact_ids);
		mlmd_message_free(prs);
		return -1;
	}
	c->in_id[r] = prs->artifact_ids[0];
	mlmd_message_free(prs);

	in.has_id = 1;
	in.id = c->in_id[r];
	Mlmd__Pb__Artifact out = MLMD__PB__ARTIFACT__INIT;
	out.has_type_id = 1;
	out.type_id = c->at;
	out.name = out_name;
	out.uri = "/load/out";
	Mlmd__Pb__Event ev[2] = { MLMD__PB__EVENT__INIT, MLMD__PB__EVENT__INIT };
	ev[0].has_type = ev[1].has_type = 1;
	ev[0].type = MLMD__PB__EVENT__TYPE__INPUT;
	ev[1].type = MLMD__PB__EVENT__TYPE__OUTPUT;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair[2] = {
		MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
		MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
	};
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &pair[0], &pair[1] };
	pair[0].artifact = &in;
	pair[0].event = &ev[0];
	pair[1].artifact = &out;
	pair[1].event = &ev[1];
	Mlmd__Pb__Context ctx[2] = { MLMD__PB__CONTEXT__INIT, MLMD__PB__CONTEXT__INIT };
	Mlmd__Pb__Context *ctxs[2] = { &ctx[0], &ctx[1] };
	ctx[0].has_type_id = ctx[1].has_type_id = 1;
	ctx[0].type_id = ctx[1].type_id = c->ct;
	ctx[0].name = shared;
	ctx[1].name = "shared-all";
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = c->et;
	e.name = exec_name;
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = 1;
	opt.reuse_context_if_already_exist = 1;
	Mlmd__Pb__PutExecutionRequest xrq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	xrq.execution = &e;
	xrq.n_artifact_event_pairs = 2;
	xrq.artifact_event_pairs = pairs;
	xrq.n_contexts = 2;
	xrq.contexts = ctxs;
	xrq.options = &opt;
	Mlmd__Pb__PutExecutionResponse *xrs =
		client_call(c, ch, MLMD_PATH("PutExecution"), &xrq, &mlmd__pb__put_execution_response__descriptor);
	if (!xrs)
		return -1;
	int rc = 0;
	if (xrs->n_artifact_ids != 2 || xrs->n_context_ids != 2 || xrs->artifact_ids[0] != c->in_id[r]) {
		snprintf(c->error, sizeof c->error, "PutExecution answered %zu artifact ids, %zu context ids",
			 xrs->n_artifact_ids, xrs->n_context_ids);
		rc = -1;
	} else {
		c->exec_id[r] = xrs->execution_id;
		c->out_id[r] = xrs->artifact_ids[1];
		c->ctx_id[r][0] = xrs->context_ids[0];
		c->ctx_id[r][1] = xrs->context_ids[1];
	}
	mlmd_message_free(xrs);
	return rc;
}

static void *client_main(void *arg)
{
	client *c = arg;
	gc_channel *ch = gc_open(c->target, NULL, 0);
	pthread_mutex_lock(&c->start->mu);
	c->start->ready++;
	pthread_cond_broadcast(&c->start->cv);
	while (!c->start->go)
		pthread_cond_wait(&c->start->cv, &c->start->mu);
	pthread_mutex_unlock(&c->start->mu);
	if (!ch) {
		snprintf(c->error, sizeof c->error, "gc_open(%s) failed", c->target);
		return NULL;
	}
	if (client_types(c, ch) == 0)
		for (int r = 0; r < ROUNDS && client_round(c, ch, r) == 0; r++)
			;
	gc_close(ch);
	return NULL;
}

/* ---- what the store holds, read through the direct handle ---------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Asserts the n names are all different. */
static void assert_names_unique(char **names, size_t n, const char *what)
{
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(names[i - 1], names[i]))
			fail_msg("%s '%s' is stored twice", what, names[i]);
}

/* The expected name of artifact `id` among the clients' answers (NULL: none). */
static const char *artifact_name_of(const client *cl, int64_t id, char *buf, size_t n)
{
	for (int i = 0; i < CLIENTS; i++)
		for (int r = 0; r < ROUNDS; r++) {
			if (cl[i].in_id[r] == id)
				return snprintf(buf, n, "in-%d-%d", i, r), buf;
			if (cl[i].out_id[r] == id)
				return snprintf(buf, n, "out-%d-%d", i, r), buf;
		}
	return NULL;
}

static void check_artifacts(mlmd_store *h, const client *cl)
{
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs = NULL;
	OK(mlmd_store_get_artifacts(h, &rq, &rs));
	assert_int_equal(rs->n_artifacts, CLIENTS * ROUNDS * 2);
	char **names = calloc(rs->n_artifacts, sizeof *names);
	assert_non_null(names);
	for (size_t i = 0; i < rs->n_artifacts; i++) {
		char want[32];
		const Mlmd__Pb__Artifact *a = rs->artifacts[i];
		const char *w = artifact_name_of(cl, a->id, want, sizeof want);
		if (!w || !a->name || strcmp(a->name, w))
			fail_msg("artifact %lld is '%s'; the answers said '%s'", (long long)a->id,
				 a->name ? a->name : "(no name)", w ? w : "(no such id)");
		names[i] = a->name;
	}
	assert_names_unique(names, rs->n_artifacts, "artifact");
	free(names);
	mlmd_message_free(rs);
}

static void check_executions_and_events(mlmd_store *h, const client *cl)
{
	Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *rs = NULL;
	OK(mlmd_store_get_executions(h, &rq, &rs));
	assert_int_equal(rs->n_executions, CLIENTS * ROUNDS);
	char **names = calloc(rs->n_executions, sizeof *names);
	int64_t *ids = calloc(rs->n_executions, sizeof *ids);
	assert_true(names && ids);
	for (size_t k = 0; k < rs->n_executions; k++) {
		names[k] = rs->executions[k]->name;
		ids[k] = rs->executions[k]->id;
		int found = 0;
		for (int i = 0; i < CLIENTS && !found; i++)
			for (int r = 0; r < ROUNDS && !found; r++)
				if (cl[i].exec_id[r] == ids[k]) {
					char want[32];
					snprintf(want, sizeof want, "exec-%d-%d", i, r);
					assert_string_equal(names[k], want);
					found = 1;
				}
		if (!found)
			fail_msg("execution %lld is in the store but no client was answered its id", (long long)ids[k]);
	}
	assert_names_unique(names, rs->n_executions, "execution");

	/* two events each: the round's input read, its output written */
	Mlmd__Pb__GetEventsByExecutionIDsRequest erq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ers = NULL;
	erq.n_execution_ids = rs->n_executions;
	erq.execution_ids = ids;
	OK(mlmd_store_get_events_by_execution_ids(h, &erq, &ers));
	assert_int_equal(ers->n_events, CLIENTS * ROUNDS * 2);
	for (size_t k = 0; k < ers->n_events; k++) {
		const Mlmd__Pb__Event *ev = ers->events[k];
		int found = 0;
		for (int i = 0; i < CLIENTS && !found; i++)
			for (int r = 0; r < ROUNDS && !found; r++)
				if (cl[i].exec_id[r] == ev->execution_id) {
					int64_t want = ev->type == MLMD__PB__EVENT__TYPE__INPUT ? cl[i].in_id[r] : cl[i].out_id[r];
					assert_int_equal(ev->artifact_id, want);
					found = 1;
				}
		assert_true(found);
	}
	mlmd_message_free(ers);
	free(names);
	free(ids);
	mlmd_message_free(rs);
}

/* One context per shared name, whatever the race to create it; its
 * associations and attributions are every round that named it. */
static void check_contexts(mlmd_store *h, const client *cl)
{
	Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetContextsResponse *rs = NULL;
	OK(mlmd_store_get_contexts(h, &rq, &rs));
	assert_int_equal(rs->n_contexts, SHARED + 1);
	char *names[SHARED + 1];
	for (size_t k = 0; k < rs->n_contexts; k++)
		names[k] = rs->contexts[k]->name;
	assert_names_unique(names, rs->n_contexts, "context");
	for (size_t k = 0; k < rs->n_contexts; k++) {
		const Mlmd__Pb__Context *ctx = rs->contexts[k];
		int all = !strcmp(ctx->name, "shared-all");
		int rounds = 0;
		for (int r = 0; r < ROUNDS; r++)
			if (all || r % SHARED == atoi(ctx->name + strlen("shared-"))) {
				rounds++;
				for (int i = 0; i < CLIENTS; i++)
					assert_int_equal(cl[i].ctx_id[r][all], ctx->id);
			}
		Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsByContextResponse *xs = NULL;
		xq.has_context_id = 1;
		xq.context_id = ctx->id;
		OK(mlmd_store_get_executions_by_context(h, &xq, &xs));
		assert_int_equal(xs->n_executions, CLIENTS * rounds);
		mlmd_message_free(xs);
		Mlmd__Pb__GetArtifactsByContextRequest aq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsByContextResponse *as = NULL;
		aq.has_context_id = 1;
		aq.context_id = ctx->id;
		OK(mlmd_store_get_artifacts_by_context(h, &aq, &as));
		assert_int_equal(as->n_artifacts, CLIENTS * rounds * 2);
		mlmd_message_free(as);
	}
	mlmd_message_free(rs);
}

/*
 * CLIENTS threads write through a server with `threads` workers; then the
 * store holds exactly what the answers said, and the server counted every
 * answer.
 */
static void clients_write_through(int threads)
{
	if (sfx_unsupported())
		skip();
	sfx f;
	char err[512];
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.threads = threads;
	sfx_store(&f);
	int rc = sfx_start(&f, &cfg, err, sizeof err);
	if (rc)
		fail_msg("srv_start -> %d: %s", rc, err);

	static client cl[CLIENTS];
	pthread_t th[CLIENTS];
	start_line start = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	for (int i = 0; i < CLIENTS; i++) {
		memset(&cl[i], 0, sizeof cl[i]);
		cl[i].index = i;
		cl[i].target = f.target;
		cl[i].start = &start;
		assert_int_equal(pthread_create(&th[i], NULL, client_main, &cl[i]), 0);
	}
	pthread_mutex_lock(&start.mu);
	while (start.ready < CLIENTS)
		pthread_cond_wait(&start.cv, &start.mu);
	start.go = 1;
	pthread_cond_broadcast(&start.cv);
	pthread_mutex_unlock(&start.mu);
	unsigned long long ok = 0, aborted = 0;
	for (int i = 0; i < CLIENTS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		ok += cl[i].ok;
		aborted += cl[i].aborted;
	}
	for (int i = 0; i < CLIENTS; i++)
		if (cl[i].error[0])
			fail_msg("client %d: %s", i, cl[i].error);
	/* the same types for everyone, whoever created them */
	for (int i = 1; i < CLIENTS; i++) {
		assert_int_equal(cl[i].at, cl[0].at);
		assert_int_equal(cl[i].et, cl[0].et);
		assert_int_equal(cl[i].ct, cl[0].ct);
	}
	/* the server counted each answer once, by its status (read after the stop:
	 * a worker counts a call after its client may already have the answer) */
	assert_int_equal(srv_stop(f.server), 0);
	unsigned long long n[17];
	srv_counts(f.server, n);
	assert_int_equal(ok, (unsigned long long)CLIENTS * (3 + 2 * ROUNDS));
	assert_int_equal(n[0], ok);
	assert_int_equal(n[MLMD_ABORTED], aborted);
	for (int k = 1; k < 17; k++)
		if (k != MLMD_ABORTED && n[k])
			fail_msg("the server answered %llu calls with %s", n[k], mlmd_status_name(-k));
	check_artifacts(f.local, cl);
	check_executions_and_events(f.local, cl);
	check_contexts(f.local, cl);
	if (aborted)
		print_message("(%llu ABORTED answers retried)\n", aborted);
	sfx_down(&f);
}

static void clients_32_write_through_4_workers(void **st)
{
	(void)st;
	clients_write_through(4);
}

static void clients_32_write_through_1_worker(void **st)
{
	(void)st;
	clients_write_through(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clients_32_write_through_4_workers),
		cmocka_unit_test(clients_32_write_through_1_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

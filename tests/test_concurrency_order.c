/*
 * tests/test_concurrency_order.c - writers that lock the same keys in
 * opposite orders (docs/postgresql.md, lib/sql/locks.c): PROCS processes at
 * once, half of them naming two contexts as [x, y] and half as [y, x],
 * round after round. Writers take their keyed locks in one global order
 * whatever order a request names things in, so no call is ever ABORTED by a
 * deadlock (with locks taken in request order, PostgreSQL found deadlocks
 * and aborted calls here). Every ABORTED is counted, retried, and must not
 * occur; the stored state must then be exact. On SQLite the writers run one
 * at a time and the same must hold. Each child reports through a pipe; the
 * tests count, never time.
 */
#include "concurrency.h"

#define ROUNDS 40

typedef struct tally {
	int aborted;                 /* ABORTED results (each retried) */
	int failed;                  /* any other failure */
} tally;

static int report[2];

static int send_tally(const tally *t)
{
	return write(report[1], t, sizeof *t) == (ssize_t)sizeof *t && !t->failed ? 0 : 1;
}

static tally gather(void)
{
	close(report[1]);
	tally sum = { 0 }, t;
	int n = 0;
	while (read(report[0], &t, sizeof t) == (ssize_t)sizeof t) {
		sum.aborted += t.aborted;
		sum.failed += t.failed;
		n++;
	}
	close(report[0]);
	assert_int_equal(n, PROCS);
	return sum;
}

/* Counts rc into t: ABORTED asks for another try (1), anything else ends. */
static int again(tally *t, int rc, int proc, int round, const char *what)
{
	if (rc == -MLMD_ABORTED) {
		fprintf(stderr, "proc %d round %d: %s: ABORTED: %s\n", proc, round, what, mlmd_error_message());
		t->aborted++;
		return t->aborted < 1000;
	}
	if (rc) {
		fprintf(stderr, "proc %d round %d: %s: %s\n", proc, round, what, mlmd_error_message());
		t->failed++;
	}
	return 0;
}

/* ---- updates of two stored contexts, in opposite orders --------------------------------------- */

static int64_t ctx_x, ctx_y;

/* Round r: process p sets custom property w<p> to r on both contexts in one
 * PutContexts (update mask custom_properties.w<p>, so writers do not
 * overwrite each other's keys), even processes as [x, y], odd as [y, x]. */
static int update_writer(mlmd_store *s, int proc)
{
	tally t = { 0 };
	char key[16], mpath[48];
	snprintf(key, sizeof key, "w%d", proc);
	snprintf(mpath, sizeof mpath, "custom_properties.%s", key);
	char *pathp = mpath;
	for (int r = 0; r < ROUNDS && !t.failed; r++) {
		Mlmd__Pb__Context c[2], *cp[2];
		Mlmd__Pb__Context__CustomPropertiesEntry e[2], *ep[2];
		Mlmd__Pb__Value v[2];
		for (int k = 0; k < 2; k++) {
			mlmd__pb__context__init(&c[k]);
			mlmd__pb__context__custom_properties_entry__init(&e[k]);
			mlmd__pb__value__init(&v[k]);
			c[k].has_id = c[k].has_type_id = 1;
			c[k].id = (k == 0) == (proc % 2 == 0) ? ctx_x : ctx_y;
			c[k].type_id = ctx_t;
			v[k].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
			v[k].int_value = r;
			e[k].key = key;
			e[k].value = &v[k];
			ep[k] = &e[k];
			c[k].n_custom_properties = 1;
			c[k].custom_properties = &ep[k];
			cp[k] = &c[k];
		}
		Mlmd__Pb__Wkt__FieldMask mask = MLMD__PB__WKT__FIELD_MASK__INIT;
		mask.n_paths = 1;
		mask.paths = &pathp;
		Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		rq.n_contexts = 2;
		rq.contexts = cp;
		rq.update_mask = &mask;
		int rc;
		do {
			Mlmd__Pb__PutContextsResponse *rs = NULL;
			rc = mlmd_store_put_contexts(s, &rq, &rs);
			mlmd_message_free(rs);
		} while (again(&t, rc, proc, r, "PutContexts"));
	}
	return send_tally(&t);
}

/* The value of custom property `key` of context id (-1 when absent), and
 * how many custom properties it has. */
static int64_t ctx_prop(mlmd_store *s, int64_t id, const char *key, size_t *nprops)
{
	Mlmd__Pb__GetContextsByIDRequest q = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *r;
	q.n_context_ids = 1;
	q.context_ids = &id;
	OK(mlmd_store_get_contexts_by_id(s, &q, &r));
	assert_int_equal(r->n_contexts, 1);
	int64_t v = -1;
	const Mlmd__Pb__Context *c = r->contexts[0];
	*nprops = c->n_custom_properties;
	for (size_t i = 0; i < c->n_custom_properties; i++)
		if (!strcmp(c->custom_properties[i]->key, key))
			v = c->custom_properties[i]->value->int_value;
	mlmd_message_free(r);
	return v;
}

/* PROCS writers updating two contexts in opposite orders, ROUNDS times
 * each: no call is ABORTED, and each context ends with every writer's key
 * at the last round. */
static void opposite_order_updates_are_never_aborted(void **st)
{
	(void)st;
	make_types();
	mlmd_store *s = open_shared();
	assert_non_null(s);
	ctx_x = put_context_node(s, ctx_t, "x");
	ctx_y = put_context_node(s, ctx_t, "y");
	assert_int_equal(pipe(report), 0);
	assert_int_equal(fan_out(update_writer), PROCS);
	tally sum = gather();
	assert_int_equal(sum.failed, 0);
	if (sum.aborted)
		fail_msg("%d calls were ABORTED (deadlocks between writers locking in opposite orders)", sum.aborted);
	const int64_t ids[2] = { ctx_x, ctx_y };
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < PROCS; p++) {
			char key[16];
			size_t n;
			snprintf(key, sizeof key, "w%d", p);
			assert_int_equal(ctx_prop(s, ids[k], key, &n), ROUNDS - 1);
			assert_int_equal(n, PROCS);
		}
	mlmd_store_free(s);
}

/* ---- new contexts by name, in opposite orders --------------------------------------------------- */

/* Round r: process p puts a new execution in contexts x-<r> and y-<r>,
 * reused by name when they exist (reuse_context_if_already_exist): the
 * first writer of the round creates them, the others reuse them. Even
 * processes name them as [x, y], odd ones as [y, x]. */
static int create_writer(mlmd_store *s, int proc)
{
	tally t = { 0 };
	for (int r = 0; r < ROUNDS && !t.failed; r++) {
		char names[2][32];
		snprintf(names[0], sizeof names[0], "%c-%d", proc % 2 ? 'y' : 'x', r);
		snprintf(names[1], sizeof names[1], "%c-%d", proc % 2 ? 'x' : 'y', r);
		Mlmd__Pb__Context c[2], *cp[2];
		for (int k = 0; k < 2; k++) {
			mlmd__pb__context__init(&c[k]);
			c[k].has_type_id = 1;
			c[k].type_id = ctx_t;
			c[k].name = names[k];
			cp[k] = &c[k];
		}
		Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
		e.has_type_id = 1;
		e.type_id = exe_t;
		Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
		opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
		Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
		rq.execution = &e;
		rq.n_contexts = 2;
		rq.contexts = cp;
		rq.options = &opt;
		int rc;
		do {
			Mlmd__Pb__PutExecutionResponse *rs = NULL;
			rc = mlmd_store_put_execution(s, &rq, &rs);
			mlmd_message_free(rs);
		} while (again(&t, rc, proc, r, "PutExecution"));
	}
	return send_tally(&t);
}

/* How many executions context id is associated with. */
static size_t executions_in(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__GetExecutionsByContextRequest q = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *r;
	q.has_context_id = 1;
	q.context_id = id;
	OK(mlmd_store_get_executions_by_context(s, &q, &r));
	size_t n = r->n_executions;
	mlmd_message_free(r);
	return n;
}

/* PROCS writers creating or reusing two new contexts per round in opposite
 * orders: no call is ABORTED, each name is one context, and each context
 * holds every writer's execution of its round. */
static void opposite_order_new_contexts_are_never_aborted(void **st)
{
	(void)st;
	make_types();
	assert_int_equal(pipe(report), 0);
	assert_int_equal(fan_out(create_writer), PROCS);
	tally sum = gather();
	assert_int_equal(sum.failed, 0);
	if (sum.aborted)
		fail_msg("%d calls were ABORTED (deadlocks between writers locking in opposite orders)", sum.aborted);
	mlmd_store *s = open_shared();
	assert_non_null(s);
	assert_int_equal(count(s, "GetContexts"), 2 * ROUNDS);
	assert_int_equal(count(s, "GetExecutions"), PROCS * ROUNDS);
	Mlmd__Pb__GetContextsResponse *all = NULL;
	Mlmd__Pb__GetContextsRequest q = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	OK(mlmd_store_get_contexts(s, &q, &all));
	assert_int_equal(all->n_contexts, 2 * ROUNDS);
	for (size_t i = 0; i < all->n_contexts; i++)
		assert_int_equal(executions_in(s, all->contexts[i]->id), PROCS);
	mlmd_message_free(all);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(opposite_order_updates_are_never_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(opposite_order_new_contexts_are_never_aborted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

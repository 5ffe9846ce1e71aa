/*
 * tests/test_sql_locks.c - the order keyed write locks are taken in
 * (lib/sql/locks.c): a backend whose lock() records the keys it is asked
 * for (tests/backend_custom.c with that slot filled) shows that keys go out
 * in one global order whatever order they are asked for in, that a key
 * needed out of that order, or after a write, is not waited for but makes
 * the request run again with it up front, and that a request run that way
 * gives the same answer as one that declared its keys ahead.
 */
#include "helpers.h"
#include "backend_custom.h"
#include "sql/sql.h"
#include "store/governance.h" /* mlmd__store_sql: the hook that turns the look-ahead off */
#include "mlmd_governance.pb-c.h"

/* What the backend was asked: "BEGIN" for each keyed transaction, then the
 * keys locked in it, in the order asked. */
#define MAX_SEEN 256
static char seen[MAX_SEEN][96];
static int nseen;
static int (*real_begin)(mlmd_backend *b, int write);

static void record(const char *what, size_t len)
{
	if (nseen < MAX_SEEN)
		snprintf(seen[nseen++], sizeof seen[0], "%.*s", (int)len, what);
}

static int rec_lock(mlmd_backend *b, const char *key, size_t len)
{
	(void)b;
	record(key, len);
	return 0;
}

static int rec_begin(mlmd_backend *b, int write)
{
	if (write == 2)
		record("BEGIN", 5);
	return real_begin(b, write);
}

static char *file;

/* A custom backend on a new file that records its locks. */
static mlmd_backend *open_recording(void)
{
	file = tmp_path("sql_locks");
	mlmd_backend *be = NULL;
	OK(custom_backend_open(&be, file));
	real_begin = be->begin;
	be->begin = rec_begin;
	be->lock = rec_lock;
	nseen = 0;
	return be;
}

static int teardown(void **st)
{
	(void)st;
	if (file)
		tmp_remove(file);
	file = NULL;
	return 0;
}

/* Whether key a comes before key b in the order of lib/sql/locks.c. */
static int before(const char *a, const char *b)
{
	uint32_t ha = mlmd__lock_hash(a, strlen(a)), hb = mlmd__lock_hash(b, strlen(b));
	return ha != hb ? ha < hb : strcmp(a, b) < 0;
}

/* Orders two keys: *lo before *hi. */
static void order2(const char **lo, const char **hi)
{
	if (before(*hi, *lo)) {
		const char *t = *lo;
		*lo = *hi;
		*hi = t;
	}
}

static void declared_keys_are_locked_in_one_order(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd__sql s;
	mlmd__sql_init(&s, be);
	const char *keys[5] = { "name:2:5:a", "name:2:5:b", "node:1:7", "ext:1:e", "type:0:T:" };
	OK(mlmd__sql_begin(&s, 2));
	assert_true(s.keyed);
	for (int i = 0; i < 5; i++)
		OK(mlmd__sql_want(&s, "%s", keys[i]));
	OK(mlmd__sql_want(&s, "%s", keys[1])); /* twice is once */
	OK(mlmd__sql_lock_wanted(&s));
	assert_int_equal(nseen, 6);
	assert_string_equal(seen[0], "BEGIN");
	for (int i = 2; i < nseen; i++)
		if (!before(seen[i - 1], seen[i]))
			fail_msg("'%s' was locked before '%s'", seen[i - 1], seen[i]);
	/* a key held is not asked for again */
	for (int i = 0; i < 5; i++)
		OK(mlmd__sql_lock(&s, "%s", keys[i]));
	assert_int_equal(nseen, 6);
	OK(mlmd__sql_commit(&s));
	assert_int_equal(s.nheld, 0);
	mlmd__sql_plan_clear(&s);
	mlmd__sql_finish(&s);
	be->close(be);
}

static void a_key_out_of_order_restarts_with_it_up_front(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd__sql s;
	mlmd__sql_init(&s, be);
	const char *lo = "node:2:1", *hi = "node:2:2";
	order2(&lo, &hi);
	OK(mlmd__sql_begin(&s, 2));
	OK(mlmd__sql_lock(&s, "%s", hi));
	assert_int_equal(mlmd__sql_lock(&s, "%s", lo), -MLMD_ABORTED);
	assert_true(s.relock);
	assert_int_equal(nseen, 2); /* BEGIN, hi: lo was not waited for */
	mlmd__sql_rollback(&s);
	s.relock = 0; /* as the store does before it runs the request again */
	OK(mlmd__sql_begin(&s, 2));
	assert_int_equal(nseen, 5);
	assert_string_equal(seen[2], "BEGIN");
	assert_string_equal(seen[3], lo);
	assert_string_equal(seen[4], hi);
	OK(mlmd__sql_lock(&s, "%s", hi));
	OK(mlmd__sql_lock(&s, "%s", lo));
	assert_int_equal(nseen, 5);
	assert_false(s.relock);
	OK(mlmd__sql_commit(&s));
	mlmd__sql_plan_clear(&s);
	assert_int_equal(s.nplan, 0);
	/* the next request starts with nothing up front */
	OK(mlmd__sql_begin(&s, 2));
	assert_int_equal(nseen, 6);
	OK(mlmd__sql_commit(&s));
	mlmd__sql_finish(&s);
	be->close(be);
}

static void no_key_is_waited_for_after_a_write(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd__sql s;
	mlmd__sql_init(&s, be);
	OK(mlmd__sql_exec(&s, "CREATE TABLE t (x INTEGER)"));
	const char *a = "name:2:1:a", *b = "name:2:1:b";
	order2(&a, &b);
	OK(mlmd__sql_begin(&s, 2));
	OK(mlmd__sql_lock(&s, "%s", a));
	sqlq q;
	OK(mlmd__q(&s, &q, "SELECT x FROM t"));
	assert_int_equal(mlmd__q_step(&q), 0);
	mlmd__q_done(&q);
	OK(mlmd__sql_lock(&s, "%s", b)); /* a read is not a write */
	OK(mlmd__q(&s, &q, "INSERT INTO t VALUES (1)"));
	OK(mlmd__q_exec(&q));
	assert_int_equal(mlmd__sql_lock(&s, "%s~", b), -MLMD_ABORTED);
	assert_true(s.relock);
	assert_int_equal(nseen, 3);
	mlmd__sql_rollback(&s);
	mlmd__sql_plan_clear(&s);
	mlmd__sql_finish(&s);
	be->close(be);
}

static void the_last_lock_follows_writes_and_nothing_follows_it(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd__sql s;
	mlmd__sql_init(&s, be);
	OK(mlmd__sql_exec(&s, "CREATE TABLE t (x INTEGER)"));
	OK(mlmd__sql_begin(&s, 2));
	sqlq q;
	OK(mlmd__q(&s, &q, "INSERT INTO t VALUES (1)"));
	OK(mlmd__q_exec(&q));
	OK(mlmd__sql_lock_last(&s, "audit"));
	assert_int_equal(nseen, 2);
	assert_string_equal(seen[1], "audit");
	OK(mlmd__sql_lock_last(&s, "audit")); /* once */
	assert_int_equal(nseen, 2);
	assert_int_equal(mlmd__sql_lock(&s, "node:1:1"), -MLMD_ABORTED);
	mlmd__sql_rollback(&s);
	mlmd__sql_plan_clear(&s);
	mlmd__sql_finish(&s);
	be->close(be);
}

static void writers_that_run_alone_take_no_keyed_lock(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd__sql s;
	mlmd__sql_init(&s, be);
	OK(mlmd__sql_begin(&s, 1));
	assert_false(s.keyed);
	OK(mlmd__sql_lock(&s, "node:1:1"));
	OK(mlmd__sql_want(&s, "node:1:2"));
	OK(mlmd__sql_lock_wanted(&s));
	OK(mlmd__sql_lock_last(&s, "audit"));
	assert_int_equal(nseen, 0);
	assert_int_equal(s.nplan, 0);
	OK(mlmd__sql_commit(&s));
	mlmd__sql_finish(&s);
	be->close(be);
}

/* ---- through the store ------------------------------------------------------------------ */

/* PutContexts of two stored contexts, setting custom property p to v on
 * both, the one whose node key comes later first. */
static void put_two(mlmd_store *s, int64_t first, int64_t second, int64_t ctx_type, int64_t v)
{
	Mlmd__Pb__Context c[2], *cp[2];
	Mlmd__Pb__Context__CustomPropertiesEntry e[2], *ep[2];
	Mlmd__Pb__Value val[2];
	for (int k = 0; k < 2; k++) {
		mlmd__pb__context__init(&c[k]);
		mlmd__pb__context__custom_properties_entry__init(&e[k]);
		mlmd__pb__value__init(&val[k]);
		c[k].has_id = c[k].has_type_id = 1;
		c[k].id = k ? second : first;
		c[k].type_id = ctx_type;
		val[k].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		val[k].int_value = v;
		e[k].key = "p";
		e[k].value = &val[k];
		ep[k] = &e[k];
		c[k].n_custom_properties = 1;
		c[k].custom_properties = &ep[k];
		cp[k] = &c[k];
	}
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *rs;
	rq.n_contexts = 2;
	rq.contexts = cp;
	OK(mlmd_store_put_contexts(s, &rq, &rs));
	assert_int_equal(rs->n_context_ids, 2);
	assert_int_equal(rs->context_ids[0], first);
	assert_int_equal(rs->context_ids[1], second);
	mlmd_message_free(rs);
}

static int64_t prop_p(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__GetContextsByIDRequest q = MLMD__PB__GET_CONTEXTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetContextsByIDResponse *r;
	q.n_context_ids = 1;
	q.context_ids = &id;
	OK(mlmd_store_get_contexts_by_id(s, &q, &r));
	assert_int_equal(r->n_contexts, 1);
	assert_int_equal(r->contexts[0]->n_custom_properties, 1);
	int64_t v = r->contexts[0]->custom_properties[0]->value->int_value;
	mlmd_message_free(r);
	return v;
}

/* The node keys recorded since index from, and how many BEGINs. */
static int node_keys_since(int from, const char *out[8], int *nbegin)
{
	int n = 0;
	*nbegin = 0;
	for (int i = from; i < nseen; i++) {
		if (!strcmp(seen[i], "BEGIN"))
			++*nbegin;
		else if (!strncmp(seen[i], "node:", 5) && n < 8)
			out[n++] = seen[i];
	}
	return n;
}

static void a_request_run_again_gives_the_same_answer(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd_store *s = NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	OK(mlmd_store_open_backend(&s, be, &o));
	int64_t ct = context_type(s, "Run");
	int64_t x = put_context_node(s, ct, "x"), y = put_context_node(s, ct, "y");
	char kx[32], ky[32];
	snprintf(kx, sizeof kx, "node:2:%lld", (long long)x);
	snprintf(ky, sizeof ky, "node:2:%lld", (long long)y);
	int64_t first = before(kx, ky) ? y : x, second = first == x ? y : x;
	const char *lo = first == x ? ky : kx, *hi = first == x ? kx : ky;

	/* declared ahead: one attempt, the keys in order */
	int from = nseen, nbegin;
	const char *keys[8];
	put_two(s, first, second, ct, 1);
	assert_int_equal(node_keys_since(from, keys, &nbegin), 2);
	assert_int_equal(nbegin, 1);
	assert_string_equal(keys[0], lo);
	assert_string_equal(keys[1], hi);

	/* learnt by running: the first attempt stops at the second key, the
	 * second takes both up front, in order */
	mlmd__store_sql(s)->no_lookahead = 1;
	from = nseen;
	put_two(s, first, second, ct, 2);
	assert_int_equal(node_keys_since(from, keys, &nbegin), 3);
	assert_int_equal(nbegin, 2);
	assert_string_equal(keys[0], hi);
	assert_string_equal(keys[1], lo);
	assert_string_equal(keys[2], hi);
	assert_int_equal(prop_p(s, x), 2);
	assert_int_equal(prop_p(s, y), 2);
	assert_int_equal(mlmd__store_sql(s)->nplan, 0);

	/* the audit chain has one record per call that went in, none of the
	 * attempt rolled back */
	uint8_t empty = 0;
	void *out = NULL;
	size_t n = 0;
	OK(mlmd_store_call(s, "VerifyAudit", &empty, 0, &out, &n));
	Mlmd__Pb__Governance__VerifyAuditResponse *vr =
		mlmd__pb__governance__verify_audit_response__unpack(NULL, n, out);
	assert_non_null(vr);
	assert_true(vr->intact);
	assert_int_equal(vr->records, 5); /* the type, two contexts, two updates */
	mlmd__pb__governance__verify_audit_response__free_unpacked(vr, NULL);
	mlmd_buffer_free(out);
	mlmd_store_free(s);
}

/* A context the call creates and then reuses by name with a change: no
 * other writer can see it before the commit, so its update takes no node
 * lock (whose key, an id, would differ if the request ran again). */
static void a_node_created_in_the_call_needs_no_node_lock(void **st)
{
	(void)st;
	mlmd_backend *be = open_recording();
	mlmd_store *s = NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	OK(mlmd_store_open_backend(&s, be, &o));
	int64_t ct = context_type(s, "Run");
	Mlmd__Pb__Context c[2], *cp[2];
	Mlmd__Pb__Context__CustomPropertiesEntry e[2], *ep[2];
	Mlmd__Pb__Value val[2];
	for (int k = 0; k < 2; k++) {
		mlmd__pb__context__init(&c[k]);
		mlmd__pb__context__custom_properties_entry__init(&e[k]);
		mlmd__pb__value__init(&val[k]);
		c[k].has_type_id = 1;
		c[k].type_id = ct;
		c[k].name = "c";
		val[k].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		val[k].int_value = k + 1;
		e[k].key = "p";
		e[k].value = &val[k];
		ep[k] = &e[k];
		c[k].n_custom_properties = 1;
		c[k].custom_properties = &ep[k];
		cp[k] = &c[k];
	}
	Mlmd__Pb__PutLineageSubgraphRequest__Options opt = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.n_contexts = 2;
	rq.contexts = cp;
	rq.options = &opt;
	Mlmd__Pb__PutLineageSubgraphResponse *rs;
	int from = nseen, nbegin;
	OK(mlmd_store_put_lineage_subgraph(s, &rq, &rs));
	assert_int_equal(rs->n_context_ids, 2);
	assert_int_equal(rs->context_ids[0], rs->context_ids[1]);
	const char *keys[8];
	assert_int_equal(node_keys_since(from, keys, &nbegin), 0);
	assert_int_equal(nbegin, 1);
	assert_int_equal(prop_p(s, rs->context_ids[0]), 2);
	mlmd_message_free(rs);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(declared_keys_are_locked_in_one_order, teardown),
		cmocka_unit_test_teardown(a_key_out_of_order_restarts_with_it_up_front, teardown),
		cmocka_unit_test_teardown(no_key_is_waited_for_after_a_write, teardown),
		cmocka_unit_test_teardown(the_last_lock_follows_writes_and_nothing_follows_it, teardown),
		cmocka_unit_test_teardown(writers_that_run_alone_take_no_keyed_lock, teardown),
		cmocka_unit_test_teardown(a_request_run_again_gives_the_same_answer, teardown),
		cmocka_unit_test_teardown(a_node_created_in_the_call_needs_no_node_lock, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

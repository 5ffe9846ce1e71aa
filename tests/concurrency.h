/*
 * tests/concurrency.h - what the many-process tests share (test_concurrency.c,
 * test_concurrency_shared.c): the store every process opens (an SQLite file,
 * or a fresh PostgreSQL database with MLMD_TEST_BACKEND=postgresql), the
 * pipe barrier that starts PROCS children together, and counting what is
 * stored. Callers retry ABORTED, as MLMD clients do; the tests count, never
 * time.
 */
#ifndef MLMD_TESTS_CONCURRENCY_H
#define MLMD_TESTS_CONCURRENCY_H

#include "helpers.h"
#include <sys/wait.h>

#define PROCS 8

/* The store every process opens: a temporary file, or a fresh database. */
static char uri[1200];
static char *path;

static inline int setup(void **st)
{
	(void)st;
	static int n;
	if (backend_is_pg()) {
		const char *base = getenv("MLMD_TEST_POSTGRES");
		if (!base || !*base)
			fail_msg("MLMD_TEST_BACKEND=postgresql needs MLMD_TEST_POSTGRES");
		snprintf(uri, sizeof uri, "%s/mlmd_t_conc_%d_%d", base, (int)getpid(), ++n);
		path = NULL;
	} else {
		path = tmp_path("concurrency");
		snprintf(uri, sizeof uri, "sqlite:%s", path);
	}
	return 0;
}

static inline int teardown(void **st)
{
	(void)st;
	if (path)
		tmp_remove(path);
	path = NULL;
	return 0;
}

static inline mlmd_store *open_shared(void)
{
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.busy_timeout_ms = 30000;
	mlmd_store *s = NULL;
	int rc;
	/* the first opens race to create the schema: that too may be ABORTED */
	for (int tries = 0; (rc = mlmd_store_open(&s, &o)) == -MLMD_ABORTED && tries < 50; tries++)
		usleep(10000);
	if (rc) {
		fprintf(stderr, "open %s: %s\n", uri, mlmd_error_message());
		return NULL;
	}
	return s;
}

/*
 * Runs `body(i)` in PROCS child processes that start together: each opens its
 * handle, says so through `ready`, and waits on `go`, which the parent closes
 * once all are ready, so every body begins its calls with the others already
 * running (however the machine schedules the forks). Sets codes[i] to each
 * child's exit status (-1 when it did not exit) and returns how many exited 0.
 */
static inline int fan_out_codes(int (*body)(mlmd_store *s, int i), int codes[PROCS])
{
	pid_t pids[PROCS];
	int ready[2], go[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			mlmd_store *s = open_shared();
			char c = s ? 'r' : 'x', g;
			if (write(ready[1], &c, 1) != 1)
				_exit(4);
			close(ready[1]);
			if (read(go[0], &g, 1) != 0) /* end of file: go */
				_exit(4);
			int rc = s ? body(s, i) : 2;
			mlmd_store_free(s);
			_exit(rc);
		}
	}
	close(ready[1]);
	close(go[0]);
	int n = 0;
	char c;
	while (n < PROCS && read(ready[0], &c, 1) == 1)
		n++;
	close(ready[0]);
	close(go[1]); /* the barrier opens */
	int ok = 0;
	for (int i = 0; i < PROCS; i++) {
		int status;
		waitpid(pids[i], &status, 0);
		codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		ok += codes[i] == 0;
	}
	assert_int_equal(n, PROCS);
	return ok;
}

static inline int fan_out(int (*body)(mlmd_store *s, int i))
{
	int codes[PROCS];
	return fan_out_codes(body, codes);
}

static int64_t art_t, exe_t, ctx_t;

static inline void make_types(void)
{
	mlmd_store *s = open_shared();
	assert_non_null(s);
	art_t = artifact_type(s, "Shard", 0);
	exe_t = execution_type(s, "Worker");
	ctx_t = context_type(s, "Run");
	mlmd_store_free(s);
}

/* 500 PutExecution calls: two new artifacts each, an input and an output
 * event, and the shared run context, reused by name. */

static inline size_t count(mlmd_store *s, const char *method)
{
	uint8_t empty = 0;
	void *out = NULL;
	size_t n = 0;
	OK(mlmd_store_call(s, method, &empty, 0, &out, &n));
	size_t items = 0;
	if (!strcmp(method, "GetArtifacts")) {
		Mlmd__Pb__GetArtifactsResponse *r = mlmd__pb__get_artifacts_response__unpack(NULL, n, out);
		items = r->n_artifacts;
		mlmd_message_free(r);
	} else if (!strcmp(method, "GetExecutions")) {
		Mlmd__Pb__GetExecutionsResponse *r = mlmd__pb__get_executions_response__unpack(NULL, n, out);
		items = r->n_executions;
		mlmd_message_free(r);
	} else {
		Mlmd__Pb__GetContextsResponse *r = mlmd__pb__get_contexts_response__unpack(NULL, n, out);
		items = r->n_contexts;
		mlmd_message_free(r);
	}
	mlmd_buffer_free(out);
	return items;
}


#endif

/*
 * tests/test_faults.c - crashes and lost servers.
 *
 * SQLite: a writer killed with SIGKILL in the middle of its write loop, 50
 * times; the file stays intact and every call that returned success is there
 * in full, with no part of any other call.
 *
 * PostgreSQL (MLMD_TEST_BACKEND=postgresql, with MLMD_TEST_POSTGRES_DIR naming
 * the scripts/pg-throwaway.sh cluster): the server crashes under a store handle
 * and under a writer; calls fail fast with UNAVAILABLE naming the server, the
 * same handle works again once the server is back, and no half-written call
 * is ever visible.
 *
 * Nothing here depends on the machine's speed: the parent learns through a
 * pipe what the writer has done (its first committed write, a server it found
 * gone) and acts on that, never on elapsed time.
 */
#include "helpers.h"
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

static int64_t art_t, exe_t;

static void make_types(mlmd_store *s)
{
	art_t = artifact_type(s, "Part", 1, "n", MLMD__PB__PROPERTY_TYPE__INT);
	exe_t = execution_type(s, "Step");
}

/* One PutExecution: an execution with an input and an output artifact (each
 * with a property) and their events. Returns the status; *id the execution. */
static int put_one(mlmd_store *s, int64_t tag, int64_t *id)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = exe_t;
	Mlmd__Pb__Artifact *a[2];
	Mlmd__Pb__Event ev[2] = { MLMD__PB__EVENT__INIT, MLMD__PB__EVENT__INIT };
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair[2] = {
		MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
		MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT
	};
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &pair[0], &pair[1] };
	for (int k = 0; k < 2; k++) {
		a[k] = new_artifact(art_t, k ? "/out" : "/in");
		mlmd_node_set_int(a[k], 0, "n", tag);
		ev[k].has_type = 1;
		ev[k].type = k ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
		pair[k].artifact = a[k];
		pair[k].event = &ev[k];
	}
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	rq.execution = &e;
	rq.n_artifact_event_pairs = 2;
	rq.artifact_event_pairs = pairs;
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc = mlmd_store_put_execution(s, &rq, &rs);
	if (!rc)
		*id = rs->execution_id;
	mlmd_message_free(rs);
	mlmd_message_free(a[0]);
	mlmd_message_free(a[1]);
	return rc;
}

/* Checks the whole store: every execution has exactly two events and two
 * artifacts with their property, and there are no other artifacts. */
static void check_whole(mlmd_store *s, const int64_t *done, size_t ndone)
{
	Mlmd__Pb__GetExecutionsRequest er = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *ers;
	OK(mlmd_store_get_executions(s, &er, &ers));
	Mlmd__Pb__GetArtifactsRequest ar = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ars;
	OK(mlmd_store_get_artifacts(s, &ar, &ars));
	assert_int_equal(ars->n_artifacts, 2 * ers->n_executions);
	for (size_t i = 0; i < ars->n_artifacts; i++)
		assert_non_null(mlmd_node_get(ars->artifacts[i], 0, "n"));
	int64_t *ids = malloc(sizeof *ids * (ers->n_executions + 1));
	for (size_t i = 0; i < ers->n_executions; i++)
		ids[i] = ers->executions[i]->id;
	Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
	evq.n_execution_ids = ers->n_executions;
	evq.execution_ids = ids;
	OK(mlmd_store_get_events_by_execution_ids(s, &evq, &evs));
	assert_int_equal(evs->n_events, 2 * ers->n_executions);
	/* every call that reported success is there */
	for (size_t i = 0; i < ndone; i++) {
		size_t j = 0;
		while (j < ers->n_executions && ids[j] != done[i])
			j++;
		if (j == ers->n_executions)
			fail_msg("execution %lld returned success but is not in the store", (long long)done[i]);
	}
	free(ids);
	mlmd_message_free(evs);
	mlmd_message_free(ars);
	mlmd_message_free(ers);
}

/* Reads one id from the writer's pipe: 1 with *id set, 0 at end of file. */
static int read_id(int fd, int64_t *id)
{
	size_t got = 0;
	while (got < sizeof *id) {
		ssize_t r = read(fd, (char *)id + got, sizeof *id - got);
		if (r == 0)
			return 0;
		if (r < 0)
			fail_msg("reading the writer's pipe: %s", strerror(errno));
		got += (size_t)r;
	}
	return 1;
}

static void push_id(int64_t **done, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*done = realloc(*done, *cap * sizeof **done);
		assert_non_null(*done);
	}
	(*done)[(*n)++] = id;
}

/* The child's exit status, for messages. */
static const char *child_status(pid_t pid, char *buf, size_t n)
{
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status))
		snprintf(buf, n, "exited with %d", WEXITSTATUS(status));
	else
		snprintf(buf, n, "killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return buf;
}

/*
 * A writer killed with SIGKILL in its write loop, 50 times. Each round the
 * child writes the id of every call that returned success to a pipe; the
 * parent waits for the first one (so the child is past opening the store and
 * into its loop, however busy the machine), lets a random number of further
 * calls through, and kills it, so the kill lands somewhere in a later call.
 * Nothing depends on how fast either side runs.
 */
static void sqlite_writer_killed_50_times(void **st)
{
	(void)st;
	enum { ROUNDS = 50 };
	char *path = tmp_path("killed");
	mlmd_store *s = open_file(path);
	make_types(s);
	mlmd_store_free(s);
	int64_t *done = NULL;
	size_t ndone = 0, cap = 0;
	int kills = 0;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int round = 0; round < ROUNDS; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			char uri[1100];
			snprintf(uri, sizeof uri, "sqlite:%s", path);
			mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
			o.uri = uri;
			mlmd_store *w = NULL;
			if (mlmd_store_open(&w, &o))
				_exit(2);
			for (int64_t i = 0;; i++) {
				int64_t id;
				int rc = put_one(w, round * 100000 + i, &id);
				if (rc == 0 && write(fds[1], &id, sizeof id) != sizeof id)
					_exit(1);
				if (rc && rc != -MLMD_ABORTED)
					_exit(3); /* only a busy database is worth retrying */
			}
		}
		close(fds[1]);
		int64_t id;
		char why[64];
		if (!read_id(fds[0], &id))
			fail_msg("round %d: the writer stopped before its first write (%s): see its stderr", round,
				 child_status(pid, why, sizeof why));
		push_id(&done, &ndone, &cap, id);
		/* a random number of further calls, then somewhere in the next */
		for (long more = random() % 8; more > 0; more--) {
			if (!read_id(fds[0], &id))
				fail_msg("round %d: the writer stopped (%s)", round, child_status(pid, why, sizeof why));
			push_id(&done, &ndone, &cap, id);
		}
		if (random() % 2)
			usleep((useconds_t)(random() % 1000)); /* varies where the kill lands; nothing waits on it */
		assert_int_equal(kill(pid, SIGKILL), 0);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %d: the writer ended on its own (%s)", round,
				 WIFEXITED(status) ? "exited" : "signal");
		kills++;
		while (read_id(fds[0], &id)) /* what it wrote before it died */
			push_id(&done, &ndone, &cap, id);
		close(fds[0]);
	}
	assert_int_equal(kills, ROUNDS);
	assert_true(ndone >= ROUNDS);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
	sqlite3_close(db);
	s = open_file(path);
	check_whole(s, done, ndone);
	mlmd_store_free(s);
	print_message("%d kills during writes; %zu acknowledged writes verified whole, no torn call\n", kills, ndone);
	free(done);
	tmp_remove(path);
}

static const char *pg_dir(void)
{
	const char *d = getenv("MLMD_TEST_POSTGRES_DIR");
	return backend_is_pg() && d && *d ? d : NULL;
}

static void pg_ctl(const char *what)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "sh scripts/pg-throwaway.sh %s '%s'", what, pg_dir());
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

/* A crash under a handle: the next calls fail with UNAVAILABLE naming the
 * server (they return: libpq sees the closed connection), and the same handle
 * works again once the server is back. */
static void postgres_lost_and_back(void **st)
{
	(void)st;
	if (!pg_dir()) {
		print_message("skipped: needs MLMD_TEST_BACKEND=postgresql and MLMD_TEST_POSTGRES_DIR\n");
		skip();
	}
	mlmd_store *s = open_memory(); /* a fresh database */
	make_types(s);
	int64_t id, done[2];
	OK(put_one(s, 1, &done[0]));
	pg_ctl("crash");
	int rc = put_one(s, 2, &id);
	assert_int_equal(rc, -MLMD_UNAVAILABLE);
	assert_non_null(strstr(mlmd_error_message(), "PostgreSQL server 127.0.0.1:"));
	/* still down: the next call says so too */
	assert_int_equal(put_one(s, 3, &id), -MLMD_UNAVAILABLE);
	pg_ctl("resume");
	OK(put_one(s, 4, &done[1])); /* the same handle reconnects */
	check_whole(s, done, 2);
	mlmd_store_free(s);
}

/*
 * A writer in a loop while the server crashes: after it is back, every
 * successful call is there and no call is there in part. The child reports
 * each successful call's id through a pipe, and -1 when a call first finds
 * the server gone; the parent crashes the server after the first success and
 * a random number more, and starts it again only once the writer has seen it
 * gone. The writer stops 30 successes after that, so the crash always falls
 * inside its run, whatever the machine's speed.
 */
static void postgres_crash_under_writer(void **st)
{
	(void)st;
	if (!pg_dir()) {
		print_message("skipped: needs MLMD_TEST_BACKEND=postgresql and MLMD_TEST_POSTGRES_DIR\n");
		skip();
	}
	mlmd_store *s = open_memory();
	make_types(s);
	char uri[1200];
	snprintf(uri, sizeof uri, "%s", last_store_uri); /* the writer opens the same database */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	long before = random() % 50;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
		o.uri = uri;
		o.no_create = 1;
		mlmd_store *w = NULL;
		if (mlmd_store_open(&w, &o))
			_exit(2);
		int failed = 0, after = 0;
		for (int64_t i = 0; after < 30; i++) {
			int64_t id;
			int rc = put_one(w, i, &id);
			if (rc == 0) {
				after += failed;
				if (write(fds[1], &id, sizeof id) != sizeof id)
					_exit(1);
			} else if (rc != -MLMD_UNAVAILABLE && rc != -MLMD_ABORTED) {
				fprintf(stderr, "writer: %s\n", mlmd_error_message());
				_exit(3);
			} else {
				if (!failed && rc == -MLMD_UNAVAILABLE) {
					int64_t gone = -1;
					if (write(fds[1], &gone, sizeof gone) != sizeof gone)
						_exit(1);
				}
				failed |= rc == -MLMD_UNAVAILABLE;
				usleep(20000); /* the server is away (or busy): try again */
			}
		}
		mlmd_store_free(w);
		_exit(0);
	}
	close(fds[1]);
	int64_t *done = NULL, id;
	size_t n = 0, cap = 0;
	int seen_gone = 0;
	char why[64];
	/* the first success and `before` more, then the crash */
	for (long k = 0; k <= before; k++) {
		if (!read_id(fds[0], &id))
			fail_msg("the writer stopped before the crash (%s)", child_status(pid, why, sizeof why));
		assert_true(id > 0);
		push_id(&done, &n, &cap, id);
	}
	pg_ctl("crash");
	/* its calls in flight may still succeed; then it sees the server gone */
	while (!seen_gone) {
		if (!read_id(fds[0], &id))
			fail_msg("the writer stopped before it saw the crash (%s)", child_status(pid, why, sizeof why));
		if (id == -1)
			seen_gone = 1;
		else
			push_id(&done, &n, &cap, id);
	}
	pg_ctl("resume");
	while (read_id(fds[0], &id)) {
		assert_true(id > 0);
		push_id(&done, &n, &cap, id);
	}
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(n >= (size_t)before + 1 + 30);
	check_whole(s, done, n);
	print_message("server crashed after %ld writes; %zu acknowledged writes verified whole\n", before + 1, n);
	free(done);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqlite_writer_killed_50_times),
		cmocka_unit_test(postgres_lost_and_back),
		cmocka_unit_test(postgres_crash_under_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

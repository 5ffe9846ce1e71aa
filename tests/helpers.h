/*
 * tests/helpers.h - shared fixtures for the cmocka suites.
 */
#ifndef MLMD_TEST_HELPERS_H
#define MLMD_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <mlmd.h>
#include "backend_custom.h"

/* Asserts a call succeeded, printing the library's message if not. */
#define OK(expr)                                                                                 \
	do {                                                                                     \
		int rc_ = (expr);                                                                \
		if (rc_ != 0)                                                                    \
			fail_msg("%s -> %d (%s): %s", #expr, rc_, mlmd_status_name(rc_),         \
				 mlmd_error_message());                                          \
	} while (0)

/* Asserts a call failed with the given (positive) code and a message containing `needle`. */
#define FAILS(expr, want, needle)                                                                \
	do {                                                                                     \
		int rc_ = (expr);                                                                \
		if (rc_ != -(want))                                                              \
			fail_msg("%s -> %d (%s), expected %s; message: %s", #expr, rc_,          \
				 mlmd_status_name(rc_), mlmd_status_name(want), mlmd_error_message()); \
		assert_int_equal(mlmd_error_last()->code, (want));                              \
		if (!strstr(mlmd_error_message(), (needle)))                                     \
			fail_msg("message '%s' lacks '%s'", mlmd_error_message(), (needle));     \
	} while (0)

/* A fresh temporary path under $MLMD_TEST_TMP (or /tmp); remove with tmp_remove(). */
/* SQL that takes a SQLite store's tables back to schema version 3 (for
 * tests of stores written before governance). */
/* Packs rq (a message), runs `method` through mlmd_store_call and unpacks
 * the response as `out`: a new message (free it with mlmd_message_free), or
 * NULL on failure with *rc the status. */
static inline void *test_rpc(mlmd_store *s, const char *method, const void *rqv, const ProtobufCMessageDescriptor *out,
			     int *rc)
{
	const ProtobufCMessage *rq = rqv;
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(rq, buf);
	void *resp = NULL;
	size_t len = 0;
	*rc = mlmd_store_call(s, method, buf, n, &resp, &len);
	free(buf);
	if (*rc)
		return NULL;
	void *m = protobuf_c_message_unpack(out, NULL, len, resp ? resp : (void *)"");
	mlmd_buffer_free(resp);
	assert_non_null(m);
	return m;
}

/* Takes a store back from version 5 to 4 (the downgrade step's SQL). */
#define TEST_DROP_V5_TOMB(T) \
	" ALTER TABLE " T " DROP COLUMN deleted_time; ALTER TABLE " T " DROP COLUMN deleted_by;" \
	" ALTER TABLE " T " DROP COLUMN delete_reason;"
#define TEST_DROP_V5_SQL                                                                            \
	"DROP TABLE retention_policy; DROP TABLE serving_gate; DROP TABLE label_reach; DROP TABLE label;" \
	TEST_DROP_V5_TOMB("artifact") TEST_DROP_V5_TOMB("execution") TEST_DROP_V5_TOMB("context") " "

#define TEST_DROP_V4_SQL                                                                            \
	"DROP TABLE alias_approval; DROP TABLE alias_request_move; DROP TABLE alias_request;"      \
	" DROP TABLE alias_policy_require; DROP TABLE alias_policy; DROP TABLE alias_history;"     \
	" DROP TABLE alias; DROP TABLE audit_archive; DROP TABLE audit_log;"

static inline char *tmp_path(const char *tag)
{
	const char *dir = getenv("MLMD_TEST_TMP");
	if (!dir)
		dir = "/tmp";
	char mk[512];
	snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
	if (system(mk) != 0)
		fail_msg("cannot create %s", dir);
	char *p = malloc(1024);
	snprintf(p, 1024, "%s/mlmd-%s-%d-%ld.db", dir, tag, (int)getpid(), (long)random());
	unlink(p);
	return p;
}

static inline void tmp_remove(char *p)
{
	char x[1100];
	unlink(p);
	snprintf(x, sizeof x, "%s-wal", p);
	unlink(x);
	snprintf(x, sizeof x, "%s-shm", p);
	unlink(x);
	free(p);
}

static inline mlmd_store *open_file(const char *path)
{
	char uri[1100];
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	OK(mlmd_store_open(&s, &o));
	return s;
}

/*
 * The backend the conformance suites run on, from MLMD_TEST_BACKEND:
 * "sqlite-memory" (the default), "sqlite-file", "postgresql" with
 * MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT naming a server on which
 * the tests may create databases, or "custom": the backend of
 * tests/backend_custom.c (written on the public interface only) on a
 * temporary file, opened with mlmd_store_open_backend().
 */
static inline const char *test_backend(void)
{
	const char *b = getenv("MLMD_TEST_BACKEND");
	return b && *b ? b : "sqlite-memory";
}

static inline int backend_is_pg(void)
{
	return strcmp(test_backend(), "postgresql") == 0;
}

/* Every file open_memory() made, removed at exit (the array grows as needed). */
static char **test_files;
static int n_test_files;

static inline void remove_test_files(void)
{
	for (int i = 0; i < n_test_files; i++)
		tmp_remove(test_files[i]);
	free(test_files);
	test_files = NULL;
	n_test_files = 0;
}

/* The URI open_memory() used last (to open the same store again). */
static char last_store_uri[1200];

/* A fresh, empty store on the backend under test (each call a new one: a
 * memory database, a new temporary file, or a new PostgreSQL database). */
static inline mlmd_store *open_memory(void)
{
	const char *b = test_backend();
	char uri[1200];
	static int counter;
	if (!strcmp(b, "sqlite-file") || !strcmp(b, "custom")) {
		char *p = tmp_path("conformance");
		if (n_test_files == 0)
			atexit(remove_test_files);
		char **grown = realloc(test_files, (size_t)(n_test_files + 1) * sizeof *grown);
		if (!grown)
			fail_msg("out of memory");
		test_files = grown;
		test_files[n_test_files++] = p;
		snprintf(uri, sizeof uri, "sqlite:%s", p);
	} else if (!strcmp(b, "postgresql")) {
		const char *base = getenv("MLMD_TEST_POSTGRES");
		if (!base || !*base)
			fail_msg("MLMD_TEST_BACKEND=postgresql needs MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT");
		snprintf(uri, sizeof uri, "%s/mlmd_t_%d_%d", base, (int)getpid(), ++counter);
	} else if (!strcmp(b, "sqlite-memory")) {
		snprintf(uri, sizeof uri, "sqlite::memory:");
	} else {
		fail_msg("MLMD_TEST_BACKEND=%s: expected sqlite-memory, sqlite-file, postgresql or custom", b);
	}
	/* for custom: the same file through the library's SQLite backend */
	snprintf(last_store_uri, sizeof last_store_uri, "%s", uri);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	mlmd_store *s = NULL;
	if (!strcmp(b, "custom")) {
		mlmd_backend *be = NULL;
		OK(custom_backend_open(&be, uri + strlen("sqlite:")));
		OK(mlmd_store_open_backend(&s, be, &o));
		return s;
	}
	o.uri = uri;
	OK(mlmd_store_open(&s, &o));
	return s;
}

/* Puts an artifact type with the given (name, PropertyType) pairs; returns its id. */
static inline int64_t artifact_type(mlmd_store *s, const char *name, int nprops, ...)
{
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	OK(mlmd_message_set_string(t, "name", name));
	va_list ap;
	va_start(ap, nprops);
	for (int i = 0; i < nprops; i++) {
		const char *pn = va_arg(ap, const char *);
		int pt = va_arg(ap, int);
		OK(mlmd_type_add_property(t, pn, (Mlmd__Pb__PropertyType)pt));
	}
	va_end(ap);
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs;
	rq.artifact_type = t;
	OK(mlmd_store_put_artifact_type(s, &rq, &rs));
	int64_t id = rs->type_id;
	mlmd_message_free(rs);
	mlmd_message_free(t);
	return id;
}

static inline int64_t execution_type(mlmd_store *s, const char *name)
{
	Mlmd__Pb__ExecutionType t = MLMD__PB__EXECUTION_TYPE__INIT;
	t.name = (char *)name;
	Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutExecutionTypeResponse *rs;
	rq.execution_type = &t;
	OK(mlmd_store_put_execution_type(s, &rq, &rs));
	int64_t id = rs->type_id;
	mlmd_message_free(rs);
	return id;
}

static inline int64_t context_type(mlmd_store *s, const char *name)
{
	Mlmd__Pb__ContextType t = MLMD__PB__CONTEXT_TYPE__INIT;
	t.name = (char *)name;
	Mlmd__Pb__PutContextTypeRequest rq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutContextTypeResponse *rs;
	rq.context_type = &t;
	OK(mlmd_store_put_context_type(s, &rq, &rs));
	int64_t id = rs->type_id;
	mlmd_message_free(rs);
	return id;
}

/* A new artifact message (free with mlmd_message_free). */
static inline Mlmd__Pb__Artifact *new_artifact(int64_t type_id, const char *uri)
{
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = type_id;
	if (uri)
		OK(mlmd_message_set_string(a, "uri", uri));
	return a;
}

/* Puts one artifact (taking ownership); returns the call's status and the id. */
static inline int put_artifact(mlmd_store *s, Mlmd__Pb__Artifact *a, int64_t *id)
{
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs = NULL;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	int rc = mlmd_store_put_artifacts(s, &rq, &rs);
	if (!rc) {
		assert_int_equal(rs->n_artifact_ids, 1);
		if (id)
			*id = rs->artifact_ids[0];
	} else {
		assert_null(rs);
	}
	mlmd_message_free(rs);
	mlmd_message_free(a);
	return rc;
}

static inline Mlmd__Pb__Artifact *get_artifact(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	OK(mlmd_store_get_artifacts_by_id(s, &rq, &rs));
	Mlmd__Pb__Artifact *a = NULL;
	if (rs->n_artifacts == 1) {
		a = rs->artifacts[0];
		rs->n_artifacts = 0; /* keep it */
		free(rs->artifacts);
		rs->artifacts = NULL;
	}
	mlmd_message_free(rs);
	return a;
}

/* Puts execution message e as it is (the caller keeps it); returns its id. */
static inline int64_t put_execution_msg(mlmd_store *s, Mlmd__Pb__Execution *e)
{
	Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *rs = NULL;
	rq.n_executions = 1;
	rq.executions = &e;
	OK(mlmd_store_put_executions(s, &rq, &rs));
	assert_int_equal(rs->n_execution_ids, 1);
	int64_t id = rs->execution_ids[0];
	mlmd_message_free(rs);
	return id;
}

/* Puts a new execution of type_id (id 0) or updates execution `id`: named
 * `name` (NULL: no name) in `state` (negative: no state). Returns its id. */
static inline int64_t put_execution_as(mlmd_store *s, int64_t type_id, int64_t id, const char *name, int state)
{
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = type_id;
	e.has_id = id != 0;
	e.id = id;
	e.name = (char *)name;
	if (state >= 0) {
		e.has_last_known_state = 1;
		e.last_known_state = (Mlmd__Pb__Execution__State)state;
	}
	return put_execution_msg(s, &e);
}

static inline int64_t put_execution_node(mlmd_store *s, int64_t type_id)
{
	return put_execution_as(s, type_id, 0, NULL, -1);
}

static inline int64_t put_context_node(mlmd_store *s, int64_t type_id, const char *name)
{
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT;
	Mlmd__Pb__Context *cp = &c;
	c.has_type_id = 1;
	c.type_id = type_id;
	c.name = (char *)name;
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *rs;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	OK(mlmd_store_put_contexts(s, &rq, &rs));
	int64_t id = rs->context_ids[0];
	mlmd_message_free(rs);
	return id;
}

/* Puts one event of `type` (an Mlmd__Pb__Event__Type) between execution exec and artifact art. */
static inline void put_event_node(mlmd_store *s, int64_t exec, int64_t art, int type)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_execution_id = ev.has_artifact_id = ev.has_type = 1;
	ev.execution_id = exec;
	ev.artifact_id = art;
	ev.type = (Mlmd__Pb__Event__Type)type;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs = NULL;
	rq.n_events = 1;
	rq.events = &evp;
	OK(mlmd_store_put_events(s, &rq, &rs));
	mlmd_message_free(rs);
}

/* Associates execution exec with context ctx. */
static inline void put_association(mlmd_store *s, int64_t ctx, int64_t exec)
{
	Mlmd__Pb__Association a = MLMD__PB__ASSOCIATION__INIT, *ap = &a;
	a.has_context_id = a.has_execution_id = 1;
	a.context_id = ctx;
	a.execution_id = exec;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs = NULL;
	rq.n_associations = 1;
	rq.associations = &ap;
	OK(mlmd_store_put_attributions_and_associations(s, &rq, &rs));
	mlmd_message_free(rs);
}

#endif

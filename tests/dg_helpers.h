/*
 * tests/dg_helpers.h - what the data-governance suites (test_delete,
 * test_retention, test_impact) share: the wire NodeKinds, freeing a
 * governance response, writing one event, registry models, versions and
 * aliases made through the registry's RPCs, and a SQLite store file set
 * back to schema version 4. test_labels, test_serving_gate and
 * test_datagov_api use it too.
 */
#ifndef MLMD_TEST_DG_HELPERS_H
#define MLMD_TEST_DG_HELPERS_H

#include <sqlite3.h>
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

#define ART MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT
#define EXE MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION
#define CTX MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT

/* Frees a message returned by test_rpc (NULL: nothing). */
static inline void free_msg(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

/* One event of `type` (Mlmd__Pb__Event__Type) between artifact a and execution e (helpers.h's
 * put_event_node, artifact first); fails the test if refused. */
static inline void event(mlmd_store *s, int64_t a, int64_t e, int type)
{
	put_event_node(s, e, a, type);
}

/* Calls `method` with rq and returns its response (type d); fails the test,
 * naming the method and the status, when the call fails. */
static inline void *dg_rpc_ok(mlmd_store *s, const char *method, const void *rq, const ProtobufCMessageDescriptor *d)
{
	int rc;
	void *r = test_rpc(s, method, rq, d, &rc);
	if (rc)
		fail_msg("%s -> %d (%s): %s", method, rc, mlmd_status_name(rc), mlmd_error_message());
	return r;
}

/* A registered model (CreateRegisteredModel): its context id. */
static inline int64_t create_model(mlmd_store *s, const char *name)
{
	Mlmd__Pb__Governance__CreateRegisteredModelRequest rq = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	rq.name = (char *)name;
	Mlmd__Pb__Governance__CreateRegisteredModelResponse *r = dg_rpc_ok(
		s, "CreateRegisteredModel", &rq, &mlmd__pb__governance__create_registered_model_response__descriptor);
	int64_t id = r->model->context_id;
	free_msg(r);
	return id;
}

/* A version of `model` for artifact `art`: its context id; *number (unless NULL) its number. */
static inline int64_t add_version(mlmd_store *s, const char *model, int64_t art, int64_t *number)
{
	Mlmd__Pb__Governance__CreateModelVersionRequest rq = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	rq.model_name = (char *)model;
	rq.has_artifact_id = 1;
	rq.artifact_id = art;
	Mlmd__Pb__Governance__CreateModelVersionResponse *r =
		dg_rpc_ok(s, "CreateModelVersion", &rq, &mlmd__pb__governance__create_model_version_response__descriptor);
	if (number)
		*number = r->version->version;
	int64_t id = r->version->context_id;
	free_msg(r);
	return id;
}

/* Moves `alias` of `model` to `version` (SetAliases; version 0 removes it). */
static inline void set_alias(mlmd_store *s, const char *model, const char *alias, int64_t version)
{
	Mlmd__Pb__Governance__SetAliasesRequest rq = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	Mlmd__Pb__Governance__AliasMove m = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &m;
	m.alias = (char *)alias;
	m.has_version = 1;
	m.version = version;
	rq.model_name = (char *)model;
	rq.moves = &mp;
	rq.n_moves = 1;
	free_msg(dg_rpc_ok(s, "SetAliases", &rq, &mlmd__pb__governance__set_aliases_response__descriptor));
}

/* Sets the (closed) SQLite store file at path back to schema version 4, as
 * a store written before data governance: the version 5 tables and the
 * tombstone columns dropped (TEST_DROP_V5_SQL). */
static inline void sqlite_back_to_v4(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, TEST_DROP_V5_SQL " UPDATE mlmd_schema SET version = 4", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
}

#endif

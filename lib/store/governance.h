/*
 * store/governance.h - the governance services' RPCs
 * (proto/mlmd_governance.proto: mlmd.governance.RegistryService and
 * AuditService), served by store/rpc.c beside MLMD's and tracking's, and
 * what their handlers share: the registry (store/reg_*.c) and the audit
 * chain (store/audit*.c), which every writing call of every service appends
 * to from run() in store/rpc.c.
 */
#ifndef MLMD_STORE_GOVERNANCE_H
#define MLMD_STORE_GOVERNANCE_H

#include "store_private.h"
#include "mlmd_governance.pb-c.h"

/* X(Method, snake_name, writes); messages Mlmd__Pb__Governance__<Method>Request/Response. */
#define MLMD__REG_RPC_LIST(X)                                   \
	X(CreateRegisteredModel, create_registered_model, 1)    \
	X(UpdateRegisteredModel, update_registered_model, 1)    \
	X(GetRegisteredModel, get_registered_model, 0)          \
	X(ListRegisteredModels, list_registered_models, 0)      \
	X(CreateModelVersion, create_model_version, 1)          \
	X(SetModelVersionTags, set_model_version_tags, 1)       \
	X(SearchModelVersions, search_model_versions, 0)        \
	X(SetAliases, set_aliases, 1)                           \
	X(SetAliasPolicy, set_alias_policy, 1)                  \
	X(DeleteAliasPolicy, delete_alias_policy, 1)            \
	X(RequestAliasMove, request_alias_move, 1)              \
	X(ApproveRequest, approve_request, 1)                   \
	X(RejectRequest, reject_request, 1)                     \
	X(GetAliasRequests, get_alias_requests, 0)              \
	X(ResolveModel, resolve_model, 0)                       \
	X(GetAliasHistory, get_alias_history, 0)                \
	X(RestoreRegistry, restore_registry, 1)

#define MLMD__AUDIT_RPC_LIST(X)                                 \
	X(GetAuditLog, get_audit_log, 0)                        \
	X(VerifyAudit, verify_audit, 0)                         \
	X(GetAuditCheckpoint, get_audit_checkpoint, 0)          \
	X(PutAuditArchive, put_audit_archive, 1)

/* Data governance (store/dg_*.c, store/datagov.h): deletion, retention,
 * labels, the serving gate, impact. */
#define MLMD__DATA_RPC_LIST(X)                                  \
	X(DeleteNodes, delete_nodes, 1)                         \
	X(GetTombstones, get_tombstones, 0)                     \
	X(SetRetentionPolicy, set_retention_policy, 1)          \
	X(GetRetentionPolicies, get_retention_policies, 0)      \
	X(DeleteRetentionPolicy, delete_retention_policy, 1)    \
	X(RunRetention, run_retention, 1)                       \
	X(Classify, classify, 1)                                \
	X(Unclassify, unclassify, 1)                            \
	X(GetEffectiveLabels, get_effective_labels, 0)          \
	X(ListLabels, list_labels, 0)                           \
	X(GetServingGate, get_serving_gate, 0)                  \
	X(SetServingGate, set_serving_gate, 1)                  \
	X(CheckServingGate, check_serving_gate, 0)              \
	X(Impact, impact, 0)                                    \
	X(RestoreDataGovernance, restore_data_governance, 1)

/* Monitoring (store/mon_profile.c, store/mon_drift.c): reference profiles
 * and the drift windows serving records against them. */
#define MLMD__MON_RPC_LIST(X)                                   \
	X(PutProfile, put_profile, 1)                           \
	X(GetProfile, get_profile, 0)                           \
	X(PutDriftWindow, put_drift_window, 1)                  \
	X(GetDriftWindows, get_drift_windows, 0)

#define MLMD__GOV_HANDLER(M, snake, writes)                                                      \
	int mlmd__gov_##M(call *c, const Mlmd__Pb__Governance__##M##Request *rq,                  \
			  Mlmd__Pb__Governance__##M##Response *rs);
MLMD__REG_RPC_LIST(MLMD__GOV_HANDLER)
MLMD__AUDIT_RPC_LIST(MLMD__GOV_HANDLER)
MLMD__DATA_RPC_LIST(MLMD__GOV_HANDLER)
MLMD__MON_RPC_LIST(MLMD__GOV_HANDLER)
#undef MLMD__GOV_HANDLER

/* The schema version governance needs: a call on an older store (opened
 * without the upgrade) is FAILED_PRECONDITION saying so. */
#define MLMD_GOV_SCHEMA_VERSION 4
int mlmd__gov_need_schema(call *c, const char *what);

/* ---- the audit chain (store/audit.c) ------------------------------------- */

/* What run() knows of a writing call, for its audit record. */
typedef struct audit_call {
	const char *operation;               /* the RPC's name */
	const void *request;                 /* its serialized bytes, or NULL: packed from `msg` */
	size_t request_len;
	const ProtobufCMessage *msg;         /* the decoded request (NULL for non-RPC writes) */
	const ProtobufCMessage *response;    /* NULL when it has none */
	/* For a write that is not an RPC (no msg): its ids, as "<ids_field>=..." */
	const char *ids_field;
	const int64_t *ids;
	size_t n_ids;
} audit_call;

/* Appends the call's record to the chain (in the call's transaction): the
 * affected ids come from the response and request (docs/audit.md). A store
 * below MLMD_GOV_SCHEMA_VERSION, or with auditing switched off for a
 * benchmark (mlmd__store_set_audit), appends nothing. */
int mlmd__audit_append(call *c, const audit_call *a);

/* The prev_hash of the first record. */
#define MLMD_AUDIT_GENESIS_TEXT "0000000000000000000000000000000000000000000000000000000000000000"

/* The chain's last record: its seq and hash (0 and the genesis hash when
 * the log is empty). */
int mlmd__audit_last(call *c, int64_t *seq, char hash[65]);

/* The canonical text's hash (docs/audit.md): out = 64 lowercase hex + NUL. */
void mlmd__audit_hash(int64_t seq, int64_t time_ms, const char *actor, const char *operation, const char *ids,
		      const char *request_sha256, const char *prev_hash, char out[65]);
/* SHA-256 of bytes, as 64 lowercase hex + NUL. */
void mlmd__sha256_hex(const void *data, size_t len, char out[65]);

#endif

/*
 * store/reg.h - what the registry's handlers (store/reg_*.c) share: the
 * names of its system types and properties, name checks, finding a model
 * or a version, the messages a model and a version are shown as, policies,
 * and the one function that moves an alias (alias + alias_history).
 *
 * The records are MLMD nodes (docs/registry.md): a registered model is a
 * context of type mlmd.RegisteredModel, a version a context of type
 * mlmd.ModelVersion named "<model>/<n>", child of the model's context, with
 * the model artifact attributed to both and the run associated with the
 * version. Aliases, policies, requests, approvals and the alias history have
 * their own tables (schema version 4).
 */
#ifndef MLMD_STORE_REG_H
#define MLMD_STORE_REG_H

#include "governance.h"
#include "track.h"

#define MLMD_REG_MODEL_TYPE "mlmd.RegisteredModel"
#define MLMD_REG_VERSION_TYPE "mlmd.ModelVersion"
#define MLMD_REG_MAX_NAME 250            /* bytes of a model name */
#define MLMD_REG_MAX_ALIAS 64            /* characters of an alias */
#define MLMD_REG_MAX_MOVES 100           /* moves in one SetAliases or request */
#define MLMD_REG_MAX_TAGS 1000           /* tags or requirements in one request */

/* Custom property names (the data model in docs/registry.md). */
#define REG_P_DESCRIPTION "mlmd.description"
#define REG_P_CREATOR "mlmd.creator"
#define REG_P_LATEST "mlmd.latest_version"
#define REG_P_MODEL "mlmd.model"
#define REG_P_VERSION "mlmd.version"
#define REG_P_ARTIFACT "mlmd.artifact_id"
#define REG_P_RUN "mlmd.run_id"
#define REG_TAG_PREFIX "tag."

enum {
	REG_PENDING = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__PENDING,
	REG_APPROVED = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__APPROVED,
	REG_REJECTED = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__REJECTED,
	REG_SUPERSEDED = MLMD__PB__GOVERNANCE__ALIAS_REQUEST__STATUS__SUPERSEDED,
};
/* "pending", "approved", "rejected", "superseded" */
const char *mlmd__reg_status_name(int status);

/* ---- names (store/reg_common.c) ---------------------------------------------------------- */

/* A model name: 1..250 bytes, no control characters, no '/' or '@'. */
int mlmd__reg_check_name(const char *name);
/* An alias: 1..64 of [A-Za-z0-9_.-], first a letter or '_', not "latest".
 * `what` names it in the message. */
int mlmd__reg_check_alias(const char *alias, const char *what);
/* Tag keys and values of a request: keys as tracking's, a value present. */
int mlmd__reg_check_tags(Mlmd__Pb__Governance__Tag *const *tags, size_t n, const char *what);

/* ---- models and versions ----------------------------------------------------------------- */

/* A loaded registered model: its context and what the handlers read of it. */
typedef struct reg_model {
	Mlmd__Pb__Context *ctx;      /* owned */
	int64_t id;                  /* the context id */
	const char *name;            /* ctx->name */
	int64_t latest;              /* mlmd.latest_version (0: none) */
} reg_model;
void mlmd__reg_model_free(reg_model *m);
/* Loads model `name` (checked first): NOT_FOUND naming it when absent. */
int mlmd__reg_model_load(call *c, const char *name, reg_model *m);
/* Loads the model whose context id is `id` (NOT_FOUND when absent). */
int mlmd__reg_model_load_id(call *c, int64_t id, reg_model *m);
/* The context id of version `version` of model m: NOT_FOUND naming both
 * when absent (a version is >= 1). */
int mlmd__reg_version_id(call *c, const reg_model *m, int64_t version, int64_t *id);
/* Loads the version context (free with protobuf_c_message_free_unpacked). */
int mlmd__reg_version_load(call *c, const reg_model *m, int64_t version, Mlmd__Pb__Context **out);

/* A custom property of a context, or NULL. */
const Mlmd__Pb__Value *mlmd__reg_prop(const Mlmd__Pb__Context *x, const char *name);
int64_t mlmd__reg_prop_int(const Mlmd__Pb__Context *x, const char *name);

/* The message of a version context (new; free with
 * protobuf_c_message_free_unpacked): with its artifact when `with_artifact`. */
int mlmd__reg_version_message(call *c, const reg_model *m, const Mlmd__Pb__Context *x, int with_artifact,
			      Mlmd__Pb__Governance__ModelVersion **out);
/* The model's message without the "answers only" fields. */
int mlmd__reg_model_message(const reg_model *m, Mlmd__Pb__Governance__RegisteredModel **out);

/* The versions of model m (by version), appended to arr. */
int mlmd__reg_versions(call *c, const reg_model *m, int with_artifact, Mlmd__Pb__Governance__ModelVersion ***arr,
		       size_t *n);

/* Writes tp's custom properties on context `id` and deletes tag.<key> for
 * each of `delete_tags`, leaving the others as they are. */
int mlmd__reg_ctx_update(call *c, int64_t id, track_props *tp, char *const *delete_tags, size_t n_delete);

/* ---- policies (store/reg_policy.c) -------------------------------------------------------- */

/* Whether (model, alias) has a policy; when it has, *approvals its number
 * and `text` (when not NULL) "2 approvals, validation=passed". */
int mlmd__reg_policy_get(call *c, int64_t model_id, const char *alias, int *found, int64_t *approvals,
			 mlmd_buf *text);
/* The policies of model m, sorted by alias, appended to arr. */
int mlmd__reg_policies(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasPolicy ***arr, size_t *n);
/* Checks the requirements of the policy of (model, alias), if any, for
 * `version`: FAILED_PRECONDITION naming the first that does not hold. */
int mlmd__reg_check_requirements(call *c, const reg_model *m, const char *alias, int64_t version);

/* ---- aliases (store/reg_alias.c) ---------------------------------------------------------- */

/* Checks a list of moves against model m: at least one, at most
 * MLMD_REG_MAX_MOVES, valid aliases, each at most once, versions >= 0
 * that exist, and removals (version 0) of aliases that exist. */
int mlmd__reg_check_moves(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasMove *const *moves, size_t n);
/* The current aliases of model m, sorted, appended to arr. */
int mlmd__reg_aliases(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasMove ***arr, size_t *n);
/* The version alias `alias` names now (0: none). */
int mlmd__reg_alias_get(call *c, int64_t model_id, const char *alias, int64_t *version);
/* Moves `alias` of model m to `version` (0: removes it), in the call's
 * transaction: the alias row, one alias_history row (by c->s->actor, for
 * request `request_id`, 0 for a direct move), and every other PENDING
 * request touching the alias becomes SUPERSEDED. When `entry` is not NULL
 * it receives the history entry written (new). */
int mlmd__reg_move(call *c, const reg_model *m, const char *alias, int64_t version, int64_t request_id,
		   Mlmd__Pb__Governance__AliasHistoryEntry **entry);

/* ---- requests (store/reg_request.c) ------------------------------------------------------- */

/* The message of request `id` (new), with its moves, approvals and the
 * approvals it needs now. */
int mlmd__reg_request_message(call *c, int64_t id, Mlmd__Pb__Governance__AliasRequest **out);
/* The PENDING requests of model m, by id, appended to arr. */
int mlmd__reg_open_requests(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasRequest ***arr, size_t *n);

/* ---- small helpers ------------------------------------------------------------------------ */

/* *dst = a copy of src (NULL stays NULL). */
int mlmd__reg_strdup(char **dst, const char *src);
/* Steps q to its end (and finishes it), appending a copy of each row's
 * first column to the strings *arr (n of them). 0 or the negative status. */
int mlmd__reg_q_texts(sqlq *q, char ***arr, size_t *n);

#endif

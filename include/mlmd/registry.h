/*
 * mlmd/registry.h - the model registry from C: registered models, their
 * numbered versions, aliases moved directly or through policy-gated requests
 * and approvals, and the history of every move, resolvable as of any time
 * (docs/registry.md).
 *
 * The records are MLMD nodes: a registered model is a context of type
 * mlmd.RegisteredModel, a version a context of type mlmd.ModelVersion named
 * "<model>/<n>" (its parent context the model's) with its model artifact
 * attributed to it. Every call is one mlmd_store_call() with a serialized
 * mlmd.governance request, so every call is one transaction and every
 * writing one appends its audit record (mlmd/audit.h).
 *
 * This header needs neither mlmd/store.h nor protobuf-c: what the calls
 * read back is plain C structs, allocated by the library and read-only for
 * the caller (fields may be appended in later versions, so never allocate
 * or copy one yourself), each freed with its _free function, which frees
 * every pointer inside it. NULL is a no-op for every _free.
 *
 * Errors, as every call of the library: 0, or a negative status with a
 * message (mlmd_error_last()): INVALID_ARGUMENT for a bad name or argument,
 * NOT_FOUND naming the missing model, version, policy or request,
 * ALREADY_EXISTS for a taken model name, FAILED_PRECONDITION for a move a
 * policy refuses (naming the policy) or a request no longer pending,
 * PERMISSION_DENIED for approving one's own request. The actor of every
 * call is the store handle's (mlmd_store_set_actor()).
 */
#ifndef MLMD_REGISTRY_H
#define MLMD_REGISTRY_H

#include "common.h"
#include "tracking.h" /* mlmd_tag: a key and a text value */

struct mlmd_store;

MLMD_BEGIN_DECLS

/* A model version as resolved: free with mlmd_model_version_free(). */
typedef struct mlmd_model_version {
	char *model_name;
	int64_t version;             /* 1, 2, 3... */
	int64_t artifact_id;         /* the model artifact */
	int64_t run_id;              /* the execution that produced it, 0 when none */
	char *alias;                 /* the alias resolved (NAME@ALIAS), else NULL */
	char *uri;                   /* the artifact's uri ("" when it has none) */
	char *sha256;                /* its recorded digest, 64 hex digits ("" when none recorded) */
	int64_t context_id;          /* the version's mlmd.ModelVersion context */
	int64_t create_time_ms;
} mlmd_model_version;

/* Resolves a reference "NAME@ALIAS" or "NAME/VERSION" (NAME@latest: the
 * highest version) in the store: the alias as it is now, or with
 * as_of_ms > 0 as it was then (the last move at or before that time).
 * INVALID_ARGUMENT for a malformed reference, NOT_FOUND naming what is
 * missing (the model, the version, the alias, or no version under the alias
 * at that time). On success *out is new. */
MLMD_EXTERN(int) mlmd_registry_resolve(struct mlmd_store *store, const char *ref, int64_t as_of_ms,
				       mlmd_model_version **out);
/* Whether `ref` has the form of a registry reference (NAME@ALIAS or
 * NAME/VERSION with a decimal VERSION): 1 or 0. It does not look in a store. */
MLMD_EXTERN(int) mlmd_registry_is_ref(const char *ref);
MLMD_EXTERN(void) mlmd_model_version_free(mlmd_model_version *v);

/* ---- models and versions ---------------------------------------------------------------- */

/* Registers a model: a unique `name` (1..250 bytes, no control characters,
 * no '/' or '@'), an optional description (NULL: none) and n_tags tags.
 * ALREADY_EXISTS when the name is taken. On success *context_id (when not
 * NULL) is the model's mlmd.RegisteredModel context id. */
MLMD_EXTERN(int) mlmd_registry_create_model(struct mlmd_store *store, const char *name, const char *description,
					    const mlmd_tag *tags, size_t n_tags, int64_t *context_id);

/* Updates a model's description (NULL: unchanged) and tags: n_set tags set,
 * n_delete tag keys removed (a key not there is no error). */
MLMD_EXTERN(int) mlmd_registry_update_model(struct mlmd_store *store, const char *name, const char *description,
					    const mlmd_tag *set, size_t n_set, const char *const *delete_keys,
					    size_t n_delete);

/* Adds the next version of model `name` (its latest version + 1): the model
 * artifact `artifact_id` (must exist), the execution `run_id` that produced
 * it (0: none; must exist otherwise), an optional description and tags. On
 * success *version (when not NULL) is the new version's number. */
MLMD_EXTERN(int) mlmd_registry_create_version(struct mlmd_store *store, const char *name, int64_t artifact_id,
					      int64_t run_id, const char *description, const mlmd_tag *tags,
					      size_t n_tags, int64_t *version);

/* Sets n_set tags and removes n_delete tag keys of version `version` of
 * model `name`: the tags an alias policy's requirements check. */
MLMD_EXTERN(int) mlmd_registry_set_version_tags(struct mlmd_store *store, const char *name, int64_t version,
						const mlmd_tag *set, size_t n_set, const char *const *delete_keys,
						size_t n_delete);

/* ---- aliases ----------------------------------------------------------------------------- */

/* One alias move: the alias to name `version`, or with version 0 to go. */
typedef struct mlmd_alias_move {
	const char *alias;
	int64_t version;           /* 0: remove the alias */
} mlmd_alias_move;

/* One move of one alias as the history keeps it. */
typedef struct mlmd_alias_history_entry {
	const char *model_name;
	const char *alias;
	int64_t old_version;       /* 0: the alias did not exist */
	int64_t new_version;       /* 0: the alias was removed */
	int64_t time_ms;           /* ms since the epoch */
	const char *actor;         /* who moved it (the last approver for a request) */
	int64_t request_id;        /* 0: a direct move */
	size_t n_approvers;
	const char *const *approvers; /* the request's approving actors */
	int64_t id;                /* orders moves within one millisecond */
} mlmd_alias_history_entry;

/* A list of history entries, oldest first. */
typedef struct mlmd_alias_history {
	size_t n;
	const mlmd_alias_history_entry *entries;
} mlmd_alias_history;

/* Moves n aliases of model `name` directly, all in one transaction (a swap
 * of champion and challenger is two moves; an alias at most once). Refused
 * with FAILED_PRECONDITION naming the policy when any of the aliases has
 * one (nothing moves then: use mlmd_registry_request()). On success
 * *moved (when not NULL) is new: the history entries written; free it with
 * mlmd_alias_history_free(). */
MLMD_EXTERN(int) mlmd_registry_set_aliases(struct mlmd_store *store, const char *name, const mlmd_alias_move *moves,
					   size_t n, mlmd_alias_history **moved);
/* One move: `alias` names `version` now. */
MLMD_EXTERN(int) mlmd_registry_set_alias(struct mlmd_store *store, const char *name, const char *alias,
					 int64_t version);
/* Removes `alias` (NOT_FOUND when the model has no such alias). */
MLMD_EXTERN(int) mlmd_registry_delete_alias(struct mlmd_store *store, const char *name, const char *alias);

/* The alias history of model `name`, oldest first: every alias (alias
 * NULL) or one. On success *out is new; free it with
 * mlmd_alias_history_free(). An alias as it was at a time is
 * mlmd_registry_resolve() with as_of_ms. */
MLMD_EXTERN(int) mlmd_registry_history(mlmd_alias_history **out, struct mlmd_store *store, const char *name,
				       const char *alias);
MLMD_EXTERN(void) mlmd_alias_history_free(mlmd_alias_history *history);

/* ---- policies, requests and approvals ---------------------------------------------------- */

/* Sets (replaces) the policy of (model `name`, `alias`): a move needs
 * `approvals` approvals (>= 0) from distinct actors other than the
 * requester, and each of the n_require requirements KEY=VALUE to hold for
 * the target version (a version tag KEY with text VALUE, else a property of
 * its model artifact whose value as text is VALUE; a key at most once). */
MLMD_EXTERN(int) mlmd_registry_set_policy(struct mlmd_store *store, const char *name, const char *alias,
					  int64_t approvals, const mlmd_tag *require, size_t n_require);
/* Removes the policy of (name, alias): NOT_FOUND when there is none. */
MLMD_EXTERN(int) mlmd_registry_delete_policy(struct mlmd_store *store, const char *name, const char *alias);

/* A request's status; the numbers are AliasRequest.Status's. */
typedef enum mlmd_request_status {
	MLMD_REQUEST_PENDING = 0,
	MLMD_REQUEST_APPROVED = 1,  /* the moves were applied */
	MLMD_REQUEST_REJECTED = 2,
	MLMD_REQUEST_SUPERSEDED = 3 /* one of its aliases moved otherwise first */
} mlmd_request_status;

/* "pending", "approved", "rejected", "superseded"; "unknown" for another number. */
MLMD_EXTERN(const char *) mlmd_request_status_name(mlmd_request_status status);

/* Where a request stands after a call (a plain value: nothing to free). */
typedef struct mlmd_request_state {
	int64_t request_id;
	mlmd_request_status status;
	int64_t approvals;          /* distinct approving actors so far */
	int64_t approvals_needed;   /* the largest `approvals` of its aliases' policies */
} mlmd_request_state;

/* Asks for n aliases of model `name` to move, with an optional comment; the
 * requester is the store's actor. Refused (FAILED_PRECONDITION) when a
 * requirement does not hold. Without policies on its aliases, or when they
 * need no approval, the moves are applied at once (status APPROVED). On
 * success *state (when not NULL) says where the request stands. */
MLMD_EXTERN(int) mlmd_registry_request(struct mlmd_store *store, const char *name, const mlmd_alias_move *moves,
				       size_t n, const char *comment, mlmd_request_state *state);
/* The store's actor approves (or rejects) a PENDING request, with an
 * optional comment. Approving one's own request is PERMISSION_DENIED; the
 * same actor again counts once; when the distinct approvals reach the
 * number needed the aliases move in this call (status APPROVED). Any actor,
 * the requester too, may reject. A request that is not PENDING is
 * FAILED_PRECONDITION naming its status. *state as above. */
MLMD_EXTERN(int) mlmd_registry_approve(struct mlmd_store *store, int64_t request_id, const char *comment,
				       mlmd_request_state *state);
MLMD_EXTERN(int) mlmd_registry_reject(struct mlmd_store *store, int64_t request_id, const char *comment,
				      mlmd_request_state *state);

/* One approval or rejection of a request. */
typedef struct mlmd_approval {
	const char *actor;
	int approve;               /* 1 approval, 0 the rejection */
	const char *comment;       /* "" when none */
	int64_t time_ms;
} mlmd_approval;

/* A request as the store holds it. */
typedef struct mlmd_alias_request {
	int64_t request_id;
	const char *model_name;
	size_t n_moves;
	const mlmd_alias_move *moves;      /* in the order requested */
	const char *requester;
	const char *comment;               /* "" when none */
	mlmd_request_status status;
	int64_t create_time_ms;
	int64_t decide_time_ms;            /* when it left PENDING; 0 while pending */
	size_t n_approvals;
	const mlmd_approval *approvals;    /* approvals and the rejection, by time */
	int64_t approvals_needed;
	int64_t approvals_count;           /* distinct approving actors */
} mlmd_alias_request;

/* A list of requests, by id. */
typedef struct mlmd_alias_request_list {
	size_t n;
	const mlmd_alias_request *requests;
} mlmd_alias_request_list;

/* The requests of model `name` (NULL: every model), request `request_id`
 * alone (0: every one), only the pending ones when pending_only. On success
 * *out is new; free it with mlmd_alias_request_list_free(). */
MLMD_EXTERN(int) mlmd_registry_requests(mlmd_alias_request_list **out, struct mlmd_store *store, const char *name,
					int64_t request_id, int pending_only);
MLMD_EXTERN(void) mlmd_alias_request_list_free(mlmd_alias_request_list *list);

/* ---- reading models back ----------------------------------------------------------------- */

/* A version as mlmd_registry_get_model() lists it. */
typedef struct mlmd_registry_version {
	int64_t version;
	int64_t artifact_id;
	int64_t run_id;                    /* 0 when none */
	const char *description;           /* "" when none */
	const char *creator;
	int64_t create_time_ms;
	int64_t context_id;                /* its mlmd.ModelVersion context */
	size_t n_tags;
	const mlmd_tag *tags;              /* sorted by key */
	size_t n_aliases;
	const char *const *aliases;        /* the aliases naming it now, sorted */
	const char *uri;                   /* its artifact's uri ("" when none or not read) */
	const char *sha256;                /* its artifact's digest, 64 hex digits ("" when none) */
} mlmd_registry_version;

/* A policy on one alias. */
typedef struct mlmd_alias_policy {
	const char *alias;
	int64_t approvals;
	size_t n_require;
	const mlmd_tag *require;           /* KEY=VALUE requirements, sorted by key */
	const char *actor;                 /* who set it */
	int64_t time_ms;
} mlmd_alias_policy;

/* A registered model. The lists after context_id are filled by
 * mlmd_registry_get_model() only (empty in mlmd_registry_list_models()). */
typedef struct mlmd_registered_model {
	const char *name;
	const char *description;           /* "" when none */
	size_t n_tags;
	const mlmd_tag *tags;              /* sorted by key */
	int64_t create_time_ms;
	int64_t latest_version;            /* 0: no version yet */
	int64_t context_id;                /* its mlmd.RegisteredModel context */
	size_t n_versions;
	const mlmd_registry_version *versions;   /* by version */
	size_t n_aliases;
	const mlmd_alias_move *aliases;          /* the current aliases, sorted */
	size_t n_policies;
	const mlmd_alias_policy *policies;       /* sorted by alias */
	size_t n_open_requests;
	const mlmd_alias_request *open_requests; /* the pending ones, by id */
} mlmd_registered_model;

/* Reads model `name` with its versions, aliases, policies and open
 * requests (NOT_FOUND when there is no such model). On success *out is
 * new; free it with mlmd_registered_model_free(). */
MLMD_EXTERN(int) mlmd_registry_get_model(mlmd_registered_model **out, struct mlmd_store *store, const char *name);
MLMD_EXTERN(void) mlmd_registered_model_free(mlmd_registered_model *model);

/* A list of registered models, by name. */
typedef struct mlmd_registered_model_list {
	size_t n;
	const mlmd_registered_model *models;
} mlmd_registered_model_list;

/* Every registered model, by name (their own fields only). On success *out
 * is new; free it with mlmd_registered_model_list_free(). */
MLMD_EXTERN(int) mlmd_registry_list_models(mlmd_registered_model_list **out, struct mlmd_store *store);
MLMD_EXTERN(void) mlmd_registered_model_list_free(mlmd_registered_model_list *list);

MLMD_END_DECLS

#endif

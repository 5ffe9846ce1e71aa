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
 * This header needs neither mlmd/store.h nor protobuf-c.
 */
#ifndef MLMD_REGISTRY_H
#define MLMD_REGISTRY_H

#include "common.h"

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

MLMD_END_DECLS

#endif

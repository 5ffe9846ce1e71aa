/*
 * store/nodes_rpc.c - the RPCs that write and read artifacts, executions and
 * contexts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rpc.h"

#define AK (&mlmd__artifact_kind)
#define EK (&mlmd__execution_kind)
#define CK (&mlmd__context_kind)

/* ---- puts ------------------------------------------------------------------- */

static int put_nodes(call *c, const node_kind *k, void **nodes, size_t n, const put_opts *o, int64_t **ids,
		     size_t *nids, const char *field)
{
	/* Beside other writers, a batch declares every lock its nodes will
	 * take and takes them in order before it writes (sql/locks.c); one
	 * node takes its own before it writes anyway. */
	if (n > 1 && c->sql->keyed) {
		int rc = 0;
		for (size_t i = 0; i < n && !rc; i++)
			rc = mlmd__node_want(c, k, nodes[i], o);
		if (rc || (rc = mlmd__sql_lock_wanted(c->sql)))
			return rc;
	}
	mlmd__node_batch(c, k, nodes, n);
	for (size_t i = 0; i < n; i++) {
		int64_t id = 0;
		int rc = mlmd__node_put(c, k, nodes[i], o, &id);
		if (rc)
			return mlmd__context(rc, "%s[%zu]", field, i);
		if (mlmd__push_i64(ids, nids, id))
			return -MLMD_RESOURCE_EXHAUSTED;
	}
	return 0;
}

int mlmd__rpc_PutArtifacts(call *c, const Mlmd__Pb__PutArtifactsRequest *rq, Mlmd__Pb__PutArtifactsResponse *rs)
{
	put_opts o = { 0 };
	o.mask = rq->update_mask;
	o.occ = rq->options && rq->options->abort_if_latest_updated_time_changed;
	return put_nodes(c, AK, (void **)rq->artifacts, rq->n_artifacts, &o, &rs->artifact_ids, &rs->n_artifact_ids,
			 "artifacts");
}

int mlmd__rpc_PutExecutions(call *c, const Mlmd__Pb__PutExecutionsRequest *rq, Mlmd__Pb__PutExecutionsResponse *rs)
{
	put_opts o = { 0 };
	o.mask = rq->update_mask;
	return put_nodes(c, EK, (void **)rq->executions, rq->n_executions, &o, &rs->execution_ids,
			 &rs->n_execution_ids, "executions");
}

int mlmd__rpc_PutContexts(call *c, const Mlmd__Pb__PutContextsRequest *rq, Mlmd__Pb__PutContextsResponse *rs)
{
	put_opts o = { 0 };
	o.mask = rq->update_mask;
	return put_nodes(c, CK, (void **)rq->contexts, rq->n_contexts, &o, &rs->context_ids, &rs->n_context_ids,
			 "contexts");
}

/* ---- listing ------------------------------------------------------------------ */

#define LIST_RPC(M, FIELD, KIND)                                                                    \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		return mlmd__list_nodes(c, KIND, rq->options, NULL, NULL, NULL, 0,                  \
					(void ***)&rs->FIELD, &rs->n_##FIELD, &rs->next_page_token); \
	}
LIST_RPC(GetArtifacts, artifacts, AK)
LIST_RPC(GetExecutions, executions, EK)
LIST_RPC(GetContexts, contexts, CK)

static int by_ids(call *c, const node_kind *k, const int64_t *ids, size_t n, void ***arr, size_t *narr)
{
	return mlmd__node_load_ids(c, k, ids, n, 0, arr, narr);
}

int mlmd__rpc_GetArtifactsByID(call *c, const Mlmd__Pb__GetArtifactsByIDRequest *rq,
			       Mlmd__Pb__GetArtifactsByIDResponse *rs)
{
	int rc = by_ids(c, AK, rq->artifact_ids, rq->n_artifact_ids, (void ***)&rs->artifacts, &rs->n_artifacts);
	if (rc || !rq->populate_artifact_types)
		return rc;
	for (size_t i = 0; i < rs->n_artifacts && !rc; i++) {
		int64_t tid = rs->artifacts[i]->type_id;
		size_t j = 0;
		while (j < rs->n_artifact_types && rs->artifact_types[j]->id != tid)
			j++;
		if (j < rs->n_artifact_types)
			continue;
		ProtobufCMessage *t = NULL;
		rc = mlmd__type_load(c, KIND_ARTIFACT, tid, &t);
		if (rc > 0) {
			rc = mlmd__push_ptr((void ***)&rs->artifact_types, &rs->n_artifact_types, t);
			if (rc)
				protobuf_c_message_free_unpacked(t, NULL);
		}
	}
	return rc;
}

int mlmd__rpc_GetExecutionsByID(call *c, const Mlmd__Pb__GetExecutionsByIDRequest *rq,
				Mlmd__Pb__GetExecutionsByIDResponse *rs)
{
	return by_ids(c, EK, rq->execution_ids, rq->n_execution_ids, (void ***)&rs->executions, &rs->n_executions);
}

int mlmd__rpc_GetContextsByID(call *c, const Mlmd__Pb__GetContextsByIDRequest *rq,
			      Mlmd__Pb__GetContextsByIDResponse *rs)
{
	return by_ids(c, CK, rq->context_ids, rq->n_context_ids, (void ***)&rs->contexts, &rs->n_contexts);
}

static int by_type(call *c, const node_kind *k, const char *name, const char *version,
		   const Mlmd__Pb__ListOperationOptions *o, void ***arr, size_t *n, char **tok)
{
	int64_t tid;
	int rc = mlmd__type_find(c, k->kind, name, version, &tid);
	if (rc || !tid)
		return rc; /* an unknown type has no nodes */
	return mlmd__list_nodes(c, k, o, NULL, "n.type_id = ?", &tid, 1, arr, n, tok);
}

#define BY_TYPE_RPC(M, FIELD, KIND)                                                                 \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		return by_type(c, KIND, rq->type_name, rq->type_version, rq->options,               \
			       (void ***)&rs->FIELD, &rs->n_##FIELD, &rs->next_page_token);         \
	}
BY_TYPE_RPC(GetArtifactsByType, artifacts, AK)
BY_TYPE_RPC(GetExecutionsByType, executions, EK)
BY_TYPE_RPC(GetContextsByType, contexts, CK)

static int by_type_and_name(call *c, const node_kind *k, const char *tname, const char *tversion,
			    const char *name, ProtobufCMessage **out)
{
	int64_t tid;
	int rc = mlmd__type_find(c, k->kind, tname, tversion, &tid);
	if (rc || !tid)
		return rc;
	if (!name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s name is required", k->what);
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, k->sql.by_type_and_name)))
		return rc;
	mlmd__q_i64(&q, 1, tid);
	mlmd__q_text(&q, 2, name);
	rc = mlmd__q_step(&q);
	int64_t id = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	if (rc < 0 || !id)
		return rc < 0 ? rc : 0;
	return mlmd__node_load(c, k, id, out);
}

int mlmd__rpc_GetArtifactByTypeAndName(call *c, const Mlmd__Pb__GetArtifactByTypeAndNameRequest *rq,
				       Mlmd__Pb__GetArtifactByTypeAndNameResponse *rs)
{
	return by_type_and_name(c, AK, rq->type_name, rq->type_version, rq->artifact_name,
				(ProtobufCMessage **)&rs->artifact);
}

int mlmd__rpc_GetExecutionByTypeAndName(call *c, const Mlmd__Pb__GetExecutionByTypeAndNameRequest *rq,
					Mlmd__Pb__GetExecutionByTypeAndNameResponse *rs)
{
	return by_type_and_name(c, EK, rq->type_name, rq->type_version, rq->execution_name,
				(ProtobufCMessage **)&rs->execution);
}

int mlmd__rpc_GetContextByTypeAndName(call *c, const Mlmd__Pb__GetContextByTypeAndNameRequest *rq,
				      Mlmd__Pb__GetContextByTypeAndNameResponse *rs)
{
	return by_type_and_name(c, CK, rq->type_name, rq->type_version, rq->context_name,
				(ProtobufCMessage **)&rs->context);
}

/* Runs `sql` with one text or integer parameter and appends the nodes whose
 * ids it returns, each once. */
static int append_query(call *c, const node_kind *k, const char *sql, const char *text, int64_t num,
			void ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	if (text)
		mlmd__q_text(&q, 1, text);
	else
		mlmd__q_i64(&q, 1, num);
	int64_t *ids = NULL;
	size_t nids = 0;
	if (!(rc = mlmd__q_ids(&q, &ids, &nids)))
		rc = mlmd__node_load_ids(c, k, ids, nids, 1, arr, n);
	free(ids);
	return rc;
}

int mlmd__rpc_GetArtifactsByURI(call *c, const Mlmd__Pb__GetArtifactsByURIRequest *rq,
				Mlmd__Pb__GetArtifactsByURIResponse *rs)
{
	int rc = 0;
	for (size_t i = 0; i < rq->n_uris && !rc; i++)
		rc = append_query(c, AK, "SELECT id FROM artifact WHERE uri = ? ORDER BY id", rq->uris[i] ? rq->uris[i] : "",
				  0, (void ***)&rs->artifacts, &rs->n_artifacts);
	return rc;
}

static int by_external_ids(call *c, const node_kind *k, char **ext, size_t n_ext, void ***arr, size_t *n)
{
	int rc = 0;
	for (size_t i = 0; i < n_ext; i++)
		if (!ext[i] || !*ext[i])
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "external_ids[%zu] is empty", i);
	for (size_t i = 0; i < n_ext && !rc; i++)
		rc = append_query(c, k, k->sql.by_external_id, ext[i], 0, arr, n);
	if (!rc && *n == 0 && n_ext > 0)
		rc = mlmd__fail(MLMD_NOT_FOUND, "no %s found for the given external_ids", k->what);
	return rc;
}

#define BY_EXT_RPC(M, FIELD, KIND)                                                                  \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		return by_external_ids(c, KIND, rq->external_ids, rq->n_external_ids,               \
				       (void ***)&rs->FIELD, &rs->n_##FIELD);                       \
	}
BY_EXT_RPC(GetArtifactsByExternalIds, artifacts, AK)
BY_EXT_RPC(GetExecutionsByExternalIds, executions, EK)
BY_EXT_RPC(GetContextsByExternalIds, contexts, CK)

/* ---- contexts and their members ------------------------------------------ */

int mlmd__rpc_GetContextsByArtifact(call *c, const Mlmd__Pb__GetContextsByArtifactRequest *rq,
				    Mlmd__Pb__GetContextsByArtifactResponse *rs)
{
	if (!rq->has_artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact_id is required");
	return append_query(c, CK, "SELECT context_id FROM attribution WHERE artifact_id = ? ORDER BY context_id",
			    NULL, rq->artifact_id, (void ***)&rs->contexts, &rs->n_contexts);
}

int mlmd__rpc_GetContextsByExecution(call *c, const Mlmd__Pb__GetContextsByExecutionRequest *rq,
				     Mlmd__Pb__GetContextsByExecutionResponse *rs)
{
	if (!rq->has_execution_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "execution_id is required");
	return append_query(c, CK, "SELECT context_id FROM association WHERE execution_id = ? ORDER BY context_id",
			    NULL, rq->execution_id, (void ***)&rs->contexts, &rs->n_contexts);
}

int mlmd__rpc_GetArtifactsByContext(call *c, const Mlmd__Pb__GetArtifactsByContextRequest *rq,
				    Mlmd__Pb__GetArtifactsByContextResponse *rs)
{
	if (!rq->has_context_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "context_id is required");
	return mlmd__list_nodes(c, AK, rq->options, "JOIN attribution m ON m.artifact_id = n.id", "m.context_id = ?",
				&rq->context_id, 1, (void ***)&rs->artifacts, &rs->n_artifacts, &rs->next_page_token);
}

int mlmd__rpc_GetExecutionsByContext(call *c, const Mlmd__Pb__GetExecutionsByContextRequest *rq,
				     Mlmd__Pb__GetExecutionsByContextResponse *rs)
{
	if (!rq->has_context_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "context_id is required");
	return mlmd__list_nodes(c, EK, rq->options, "JOIN association m ON m.execution_id = n.id", "m.context_id = ?",
				&rq->context_id, 1, (void ***)&rs->executions, &rs->n_executions,
				&rs->next_page_token);
}

#define PARENTS_SQL "SELECT parent_id FROM parent_context WHERE child_id = ? ORDER BY parent_id"
#define CHILDREN_SQL "SELECT child_id FROM parent_context WHERE parent_id = ? ORDER BY child_id"

int mlmd__rpc_GetParentContextsByContext(call *c, const Mlmd__Pb__GetParentContextsByContextRequest *rq,
					 Mlmd__Pb__GetParentContextsByContextResponse *rs)
{
	if (!rq->has_context_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "context_id is required");
	return append_query(c, CK, PARENTS_SQL, NULL, rq->context_id, (void ***)&rs->contexts, &rs->n_contexts);
}

int mlmd__rpc_GetChildrenContextsByContext(call *c, const Mlmd__Pb__GetChildrenContextsByContextRequest *rq,
					   Mlmd__Pb__GetChildrenContextsByContextResponse *rs)
{
	if (!rq->has_context_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "context_id is required");
	return append_query(c, CK, CHILDREN_SQL, NULL, rq->context_id, (void ***)&rs->contexts, &rs->n_contexts);
}

/* Batched parents or children: one map entry per requested context that has
 * any, holding them in a per-context message. The two RPCs differ only in
 * their generated names and in the query. */
#define BY_CONTEXTS_RPC(M, SQL, ENTRY_DESC, PER_DESC, PER_T, FIELD)                                \
	int mlmd__rpc_##M(call *c, const Mlmd__Pb__##M##Request *rq, Mlmd__Pb__##M##Response *rs)   \
	{                                                                                           \
		int rc = 0;                                                                         \
		for (size_t i = 0; i < rq->n_context_ids && !rc; i++) {                             \
			Mlmd__Pb__##M##Response__ContextsEntry *e = mlmd__msg_new(&ENTRY_DESC);     \
			PER_T *per = mlmd__msg_new(&PER_DESC);                                      \
			if (!e || !per) {                                                           \
				free(e);                                                            \
				free(per);                                                          \
				return MLMD_OOM();                                                  \
			}                                                                           \
			e->has_key = 1;                                                             \
			e->key = rq->context_ids[i];                                                \
			e->value = per;                                                             \
			rc = append_query(c, CK, SQL, NULL, e->key, (void ***)&per->FIELD,          \
					  &per->n_##FIELD);                                         \
			size_t found = per->n_##FIELD;                                              \
			if (rc || !found || mlmd__push_ptr((void ***)&rs->contexts, &rs->n_contexts, e)) { \
				protobuf_c_message_free_unpacked(&e->base, NULL); /* frees per */   \
				if (!rc && found)                                                   \
					rc = -MLMD_RESOURCE_EXHAUSTED;                              \
			}                                                                           \
		}                                                                                   \
		return rc;                                                                          \
	}
BY_CONTEXTS_RPC(GetParentContextsByContexts, PARENTS_SQL,
		mlmd__pb__get_parent_contexts_by_contexts_response__contexts_entry__descriptor,
		mlmd__pb__get_parent_contexts_by_contexts_response__parent_contexts_per_child__descriptor,
		Mlmd__Pb__GetParentContextsByContextsResponse__ParentContextsPerChild, parent_contexts)
BY_CONTEXTS_RPC(GetChildrenContextsByContexts, CHILDREN_SQL,
		mlmd__pb__get_children_contexts_by_contexts_response__contexts_entry__descriptor,
		mlmd__pb__get_children_contexts_by_contexts_response__children_contexts_per_parent__descriptor,
		Mlmd__Pb__GetChildrenContextsByContextsResponse__ChildrenContextsPerParent, children_contexts)

/*
 * mlmd/rpc_list.h - the 52 RPCs of MetadataStoreService as an X-macro.
 *
 * X(Method, snake_name, writes): Method is the MLMD RPC name accepted by
 * mlmd_store_call(); its messages are Mlmd__Pb__<Method>Request and
 * Mlmd__Pb__<Method>Response; snake_name names the typed function
 * mlmd_store_<snake_name>(); writes is 1 for calls that modify the store.
 */
#ifndef MLMD_RPC_LIST_H
#define MLMD_RPC_LIST_H

#define MLMD_RPC_LIST(X)                                                    \
	X(PutArtifactType, put_artifact_type, 1)                            \
	X(PutExecutionType, put_execution_type, 1)                          \
	X(PutContextType, put_context_type, 1)                              \
	X(PutTypes, put_types, 1)                                           \
	X(PutArtifacts, put_artifacts, 1)                                   \
	X(PutExecutions, put_executions, 1)                                 \
	X(PutContexts, put_contexts, 1)                                     \
	X(PutEvents, put_events, 1)                                         \
	X(PutExecution, put_execution, 1)                                   \
	X(PutLineageSubgraph, put_lineage_subgraph, 1)                      \
	X(PutAttributionsAndAssociations, put_attributions_and_associations, 1) \
	X(PutParentContexts, put_parent_contexts, 1)                        \
	X(GetArtifactType, get_artifact_type, 0)                            \
	X(GetExecutionType, get_execution_type, 0)                          \
	X(GetContextType, get_context_type, 0)                              \
	X(GetArtifactTypes, get_artifact_types, 0)                          \
	X(GetExecutionTypes, get_execution_types, 0)                        \
	X(GetContextTypes, get_context_types, 0)                            \
	X(GetArtifactTypesByID, get_artifact_types_by_id, 0)                \
	X(GetExecutionTypesByID, get_execution_types_by_id, 0)              \
	X(GetContextTypesByID, get_context_types_by_id, 0)                  \
	X(GetArtifactTypesByExternalIds, get_artifact_types_by_external_ids, 0) \
	X(GetExecutionTypesByExternalIds, get_execution_types_by_external_ids, 0) \
	X(GetContextTypesByExternalIds, get_context_types_by_external_ids, 0) \
	X(GetArtifacts, get_artifacts, 0)                                   \
	X(GetExecutions, get_executions, 0)                                 \
	X(GetContexts, get_contexts, 0)                                     \
	X(GetArtifactsByID, get_artifacts_by_id, 0)                         \
	X(GetExecutionsByID, get_executions_by_id, 0)                       \
	X(GetContextsByID, get_contexts_by_id, 0)                           \
	X(GetArtifactsByType, get_artifacts_by_type, 0)                     \
	X(GetExecutionsByType, get_executions_by_type, 0)                   \
	X(GetContextsByType, get_contexts_by_type, 0)                       \
	X(GetArtifactByTypeAndName, get_artifact_by_type_and_name, 0)       \
	X(GetExecutionByTypeAndName, get_execution_by_type_and_name, 0)     \
	X(GetContextByTypeAndName, get_context_by_type_and_name, 0)         \
	X(GetArtifactsByURI, get_artifacts_by_uri, 0)                       \
	X(GetArtifactsByExternalIds, get_artifacts_by_external_ids, 0)      \
	X(GetExecutionsByExternalIds, get_executions_by_external_ids, 0)    \
	X(GetContextsByExternalIds, get_contexts_by_external_ids, 0)        \
	X(GetEventsByExecutionIDs, get_events_by_execution_ids, 0)          \
	X(GetEventsByArtifactIDs, get_events_by_artifact_ids, 0)            \
	X(GetContextsByArtifact, get_contexts_by_artifact, 0)               \
	X(GetContextsByExecution, get_contexts_by_execution, 0)             \
	X(GetArtifactsByContext, get_artifacts_by_context, 0)               \
	X(GetExecutionsByContext, get_executions_by_context, 0)             \
	X(GetParentContextsByContext, get_parent_contexts_by_context, 0)    \
	X(GetChildrenContextsByContext, get_children_contexts_by_context, 0) \
	X(GetParentContextsByContexts, get_parent_contexts_by_contexts, 0)  \
	X(GetChildrenContextsByContexts, get_children_contexts_by_contexts, 0) \
	X(GetLineageGraph, get_lineage_graph, 0)                            \
	X(GetLineageSubgraph, get_lineage_subgraph, 0)

#endif

"""MetadataStore: MLMD's Python API over the mlmd C library.

Each method builds the RPC's request message and hands it to the store's
transport (_transport.py): the C library in this process (mlmd_store_call),
or a server over gRPC for a MetadataStoreClientConfig. A failure raises the
ml_metadata.errors exception for the returned status code, the same on both. Method
names, arguments, defaults and return values are those of Google's
ml_metadata.MetadataStore.
"""

import dataclasses
import enum
import functools
import logging
import random
import time
from typing import Iterable, List, Optional, Sequence, Tuple

from ml_metadata import _actor
from ml_metadata import _native
from ml_metadata import errors
from ml_metadata.metadata_store import _transport
from ml_metadata.proto import metadata_store_pb2
from ml_metadata.proto import metadata_store_service_pb2 as svc

# Page size of list calls, MLMD's cap.
MAX_NUM_RESULT = 100

_DEFAULT_RETRIES = 5


@functools.lru_cache(maxsize=None)
def _messages(method: str):
  """The (request, response) message classes of the RPC `method`."""
  return getattr(svc, method + 'Request'), getattr(svc, method + 'Response')


class OrderByField(enum.Enum):
  """The field list calls order by."""
  CREATE_TIME = metadata_store_pb2.ListOperationOptions.OrderByField.CREATE_TIME
  UPDATE_TIME = (
      metadata_store_pb2.ListOperationOptions.OrderByField.LAST_UPDATE_TIME)
  ID = metadata_store_pb2.ListOperationOptions.OrderByField.ID


@dataclasses.dataclass
class ListOptions:
  """Options of list calls.

  limit: at most this many nodes (None: all); order_by: an OrderByField
  (None: by id); is_asc: ascending; filter_query: MLMD's filter language.
  """
  limit: Optional[int] = None
  order_by: Optional[OrderByField] = None
  is_asc: bool = True
  filter_query: Optional[str] = None


@dataclasses.dataclass
class ExtraOptions:
  """Accepted for compatibility; mlmd uses none of it."""
  euc: Optional[str] = None


class MetadataStore(object):
  """A metadata store: in this process on the backend a ConnectionConfig
  names, or behind a server (`mlmd serve`, or Google's
  metadata_store_server) a MetadataStoreClientConfig names."""

  def __init__(self, config, enable_upgrade_migration: bool = False, *,
               actor: Optional[str] = None):
    """Opens the store, or the channel to its server.

    Args:
      config: a ConnectionConfig (`fake_database`, `sqlite` with or without
        a file name, `postgresql`): the store runs in this process; or a
        MetadataStoreClientConfig (host, port, ssl_config, channel_arguments,
        client_timeout_sec): calls go to that server over gRPC.
      enable_upgrade_migration: migrate an older schema to this library's
        (in process only: a server migrates its own store).
      actor: (mlmd's, keyword only; in process only) who this handle's
        writes are by, for the audit log; None: mlmd.set_actor()'s as it is
        now, else $MLMD_ACTOR, else the OS user name.

    Raises:
      ValueError: config is neither config message; with a
        MetadataStoreClientConfig: enable_upgrade_migration or actor given,
        or a field that cannot be used (no host, a port out of range, a
        timeout that is not positive, ssl_config fields that are not PEM
        text).
      ImportError: a MetadataStoreClientConfig without python3-grpcio.
      errors.InvalidArgumentError: actor is not acceptable (empty, over 256
        bytes, control characters).
      RuntimeError: the store cannot be opened (bad or unset config,
        unreadable file, a schema that needs migration, ...).
    """
    self._transport = None
    self._max_num_retries = _DEFAULT_RETRIES
    if isinstance(config, metadata_store_pb2.MetadataStoreClientConfig):
      if enable_upgrade_migration:
        raise ValueError(
            'enable_upgrade_migration cannot be used with a '
            'MetadataStoreClientConfig: the server migrates its own store '
            '(mlmd serve --upgrade)')
      if actor is not None:
        raise ValueError(
            'actor cannot be used with a MetadataStoreClientConfig: the server '
            'records its own actor (mlmd --actor NAME serve), or under mutual '
            'TLS the common name of the client certificate')
      self._transport = _transport.Grpc(config)
      return
    if actor is not None:
      _actor.check(actor)
    else:
      actor = _actor.current()
    if not isinstance(config, metadata_store_pb2.ConnectionConfig):
      raise ValueError('MetadataStore needs a ConnectionConfig or a '
                       'MetadataStoreClientConfig, got %s' %
                       type(config).__name__)
    self._config = metadata_store_pb2.ConnectionConfig()
    self._config.CopyFrom(config)
    if enable_upgrade_migration:
      self._config.mlmd_migration_options.enable_upgrade_migration = True
    if (config.HasField('retry_options') and
        config.retry_options.HasField('max_num_retries')):
      self._max_num_retries = config.retry_options.max_num_retries
    self._transport = _transport.InProcess(self._config.SerializeToString(),
                                           actor)

  def __del__(self):
    self._close()

  def _close(self):
    """Closes the store handle or the channel now (mlmd's; MLMD has no
    close: a store closes when it is garbage). Later calls raise
    FailedPreconditionError."""
    transport = getattr(self, '_transport', None)
    if transport is not None:
      self._transport = None
      transport.close()

  @property
  def pipeline_asset(self):
    return None

  @property
  def _handle(self):
    """The C library's handle of a store in this process, for raw
    _native.call()s (tests, tools); None over gRPC or once closed."""
    return getattr(self._transport, 'handle', None)

  # ---- calling the store ----------------------------------------------------

  def _call(self, method: str, request, response):
    """Runs one RPC, retrying ABORTED up to _max_num_retries times; a
    failure raises errors.make_exception(message, code)."""
    attempt = 0
    while True:
      transport = self._transport
      if transport is None:
        raise errors.FailedPreconditionError('the store has been closed')
      code, message = transport.call(method, request, response)
      if code == 0:
        return response
      if code != errors.ABORTED or attempt >= self._max_num_retries:
        raise errors.make_exception(message, code)
      attempt += 1
      # jittered exponential backoff: 10 ms, 20 ms, ... capped at 1 s
      time.sleep(min(1.0, 0.01 * (2**(attempt - 1))) * random.uniform(0.5, 1.5))

  def _list(self, method: str, request, field: str,
            list_options: Optional[ListOptions]):
    """Pages through a list call; returns the nodes of every page."""
    opts = request.options
    limit = None
    if list_options is not None:
      if list_options.limit is not None and list_options.limit < 1:
        raise errors.InvalidArgumentError(
            'list_options.limit must be >= 1, got %d' % list_options.limit)
      limit = list_options.limit
      if list_options.order_by is not None:
        opts.order_by_field.field = list_options.order_by.value
      opts.order_by_field.is_asc = list_options.is_asc
      if list_options.filter_query:
        opts.filter_query = list_options.filter_query
    result = []
    while True:
      want = MAX_NUM_RESULT if limit is None else min(limit - len(result),
                                                      MAX_NUM_RESULT)
      opts.max_result_size = want
      response = self._call(method, request, getattr(svc, method + 'Response')())
      result.extend(getattr(response, field))
      if not response.next_page_token:
        break
      if limit is not None and len(result) >= limit:
        break
      opts.next_page_token = response.next_page_token
    return result

  # ---- types ------------------------------------------------------------------

  def _put_type(self, method, field, t, can_add_fields, can_omit_fields):
    request = getattr(svc, method + 'Request')()
    getattr(request, field).CopyFrom(t)
    request.can_add_fields = can_add_fields
    request.can_omit_fields = can_omit_fields
    return self._call(method, request,
                      getattr(svc, method + 'Response')()).type_id

  def put_artifact_type(self, artifact_type: metadata_store_pb2.ArtifactType,
                        can_add_fields: bool = False,
                        can_omit_fields: bool = False,
                        extra_options: Optional[ExtraOptions] = None) -> int:
    """Inserts or updates an artifact type; returns its id."""
    return self._put_type('PutArtifactType', 'artifact_type', artifact_type,
                          can_add_fields, can_omit_fields)

  def put_execution_type(self,
                         execution_type: metadata_store_pb2.ExecutionType,
                         can_add_fields: bool = False,
                         can_omit_fields: bool = False,
                         extra_options: Optional[ExtraOptions] = None) -> int:
    """Inserts or updates an execution type; returns its id."""
    return self._put_type('PutExecutionType', 'execution_type', execution_type,
                          can_add_fields, can_omit_fields)

  def put_context_type(self, context_type: metadata_store_pb2.ContextType,
                       can_add_fields: bool = False,
                       can_omit_fields: bool = False,
                       extra_options: Optional[ExtraOptions] = None) -> int:
    """Inserts or updates a context type; returns its id."""
    return self._put_type('PutContextType', 'context_type', context_type,
                          can_add_fields, can_omit_fields)

  def _get_type(self, method, field, type_name, type_version):
    request = getattr(svc, method + 'Request')(type_name=type_name)
    if type_version:
      request.type_version = type_version
    return getattr(self._call(method, request,
                              getattr(svc, method + 'Response')()), field)

  def get_artifact_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> metadata_store_pb2.ArtifactType:
    """The artifact type of this name (and version); NotFoundError if none."""
    return self._get_type('GetArtifactType', 'artifact_type', type_name,
                          type_version)

  def get_execution_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> metadata_store_pb2.ExecutionType:
    """The execution type of this name (and version); NotFoundError if none."""
    return self._get_type('GetExecutionType', 'execution_type', type_name,
                          type_version)

  def get_context_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> metadata_store_pb2.ContextType:
    """The context type of this name (and version); NotFoundError if none."""
    return self._get_type('GetContextType', 'context_type', type_name,
                          type_version)

  def _get_all(self, method, field, **fields):
    request_class, response_class = _messages(method)
    return list(getattr(self._call(method, request_class(**fields),
                                   response_class()), field))

  def get_artifact_types(
      self, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ArtifactType]:
    return self._get_all('GetArtifactTypes', 'artifact_types')

  def get_execution_types(
      self, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ExecutionType]:
    return self._get_all('GetExecutionTypes', 'execution_types')

  def get_context_types(
      self, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ContextType]:
    return self._get_all('GetContextTypes', 'context_types')

  def get_artifact_types_by_id(
      self, type_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ArtifactType]:
    return self._get_all('GetArtifactTypesByID', 'artifact_types',
                         type_ids=list(type_ids))

  def get_execution_types_by_id(
      self, type_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ExecutionType]:
    return self._get_all('GetExecutionTypesByID', 'execution_types',
                         type_ids=list(type_ids))

  def get_context_types_by_id(
      self, type_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ContextType]:
    return self._get_all('GetContextTypesByID', 'context_types',
                         type_ids=list(type_ids))

  def get_artifact_types_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ArtifactType]:
    return self._get_all('GetArtifactTypesByExternalIds', 'artifact_types',
                         external_ids=list(external_ids))

  def get_execution_types_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ExecutionType]:
    return self._get_all('GetExecutionTypesByExternalIds', 'execution_types',
                         external_ids=list(external_ids))

  def get_context_types_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.ContextType]:
    return self._get_all('GetContextTypesByExternalIds', 'context_types',
                         external_ids=list(external_ids))

  # ---- nodes ------------------------------------------------------------------

  def _put_nodes(self, method, field, nodes, field_mask_paths):
    request = getattr(svc, method + 'Request')()
    getattr(request, field).extend(nodes)
    if field_mask_paths:
      request.update_mask.paths.extend(field_mask_paths)
    response = self._call(method, request, getattr(svc, method + 'Response')())
    return list(getattr(response, field[:-1] + '_ids'))

  def put_artifacts(self, artifacts: Sequence[metadata_store_pb2.Artifact],
                    field_mask_paths: Optional[Sequence[str]] = None,
                    extra_options: Optional[ExtraOptions] = None) -> List[int]:
    """Inserts (no id) or updates (id) artifacts; returns their ids."""
    return self._put_nodes('PutArtifacts', 'artifacts', artifacts,
                           field_mask_paths)

  def put_executions(self, executions: Sequence[metadata_store_pb2.Execution],
                     field_mask_paths: Optional[Sequence[str]] = None,
                     extra_options: Optional[ExtraOptions] = None) -> List[int]:
    """Inserts (no id) or updates (id) executions; returns their ids."""
    return self._put_nodes('PutExecutions', 'executions', executions,
                           field_mask_paths)

  def put_contexts(self, contexts: Sequence[metadata_store_pb2.Context],
                   field_mask_paths: Optional[Sequence[str]] = None,
                   extra_options: Optional[ExtraOptions] = None) -> List[int]:
    """Inserts (no id) or updates (id) contexts; returns their ids."""
    return self._put_nodes('PutContexts', 'contexts', contexts,
                           field_mask_paths)

  def put_events(self, events: Sequence[metadata_store_pb2.Event],
                 extra_options: Optional[ExtraOptions] = None) -> None:
    """Inserts events."""
    request = svc.PutEventsRequest()
    request.events.extend(events)
    self._call('PutEvents', request, svc.PutEventsResponse())

  def put_execution(
      self,
      execution: metadata_store_pb2.Execution,
      artifact_and_events: Sequence[Tuple[metadata_store_pb2.Artifact,
                                          Optional[metadata_store_pb2.Event]]],
      contexts: Optional[Sequence[metadata_store_pb2.Context]],
      reuse_context_if_already_exist: bool = False,
      reuse_artifact_if_already_exist_by_external_id: bool = False,
      force_reuse_context: bool = False,
      force_update_time: bool = False,
      extra_options: Optional[ExtraOptions] = None
  ) -> Tuple[int, List[int], List[int]]:
    """Records an execution with its artifacts, events and contexts at once.

    Returns (execution id, artifact ids, context ids).
    """
    request = svc.PutExecutionRequest()
    request.execution.CopyFrom(execution)
    for item in artifact_and_events:  # (artifact,) or (artifact, event or None)
      pair = request.artifact_event_pairs.add()
      pair.artifact.CopyFrom(item[0])
      if len(item) > 1 and item[1] is not None:
        pair.event.CopyFrom(item[1])
    if contexts:
      request.contexts.extend(contexts)
    request.options.reuse_context_if_already_exist = (
        reuse_context_if_already_exist)
    request.options.reuse_artifact_if_already_exist_by_external_id = (
        reuse_artifact_if_already_exist_by_external_id)
    request.options.force_reuse_context = force_reuse_context
    request.options.force_update_time = force_update_time
    response = self._call('PutExecution', request, svc.PutExecutionResponse())
    return (response.execution_id, list(response.artifact_ids),
            list(response.context_ids))

  def put_lineage_subgraph(
      self,
      executions: Sequence[metadata_store_pb2.Execution],
      artifacts: Sequence[metadata_store_pb2.Artifact],
      contexts: Sequence[metadata_store_pb2.Context],
      event_edges: Sequence[Tuple[Optional[int], Optional[int],
                                  metadata_store_pb2.Event]],
      reuse_context_if_already_exist: bool = False,
      reuse_artifact_if_already_exist_by_external_id: bool = False,
      extra_options: Optional[ExtraOptions] = None
  ) -> Tuple[List[int], List[int], List[int]]:
    """Records executions, artifacts, contexts and the events between them.

    event_edges are (execution index, artifact index, event), the indexes
    into `executions` and `artifacts`. Returns (execution ids, artifact ids,
    context ids).
    """
    request = svc.PutLineageSubgraphRequest()
    request.executions.extend(executions)
    request.artifacts.extend(artifacts)
    request.contexts.extend(contexts)
    for execution_index, artifact_index, event in event_edges:
      edge = request.event_edges.add()
      if execution_index is not None:
        edge.execution_index = execution_index
      if artifact_index is not None:
        edge.artifact_index = artifact_index
      edge.event.CopyFrom(event)
    request.options.reuse_context_if_already_exist = (
        reuse_context_if_already_exist)
    request.options.reuse_artifact_if_already_exist_by_external_id = (
        reuse_artifact_if_already_exist_by_external_id)
    response = self._call('PutLineageSubgraph', request,
                          svc.PutLineageSubgraphResponse())
    return (list(response.execution_ids), list(response.artifact_ids),
            list(response.context_ids))

  def put_attributions_and_associations(
      self, attributions: Sequence[metadata_store_pb2.Attribution],
      associations: Sequence[metadata_store_pb2.Association],
      extra_options: Optional[ExtraOptions] = None) -> None:
    """Links artifacts (attributions) and executions (associations) to contexts."""
    request = svc.PutAttributionsAndAssociationsRequest()
    request.attributions.extend(attributions)
    request.associations.extend(associations)
    self._call('PutAttributionsAndAssociations', request,
               svc.PutAttributionsAndAssociationsResponse())

  def put_parent_contexts(
      self, parent_contexts: Sequence[metadata_store_pb2.ParentContext],
      extra_options: Optional[ExtraOptions] = None) -> None:
    """Inserts parent-child links between contexts."""
    request = svc.PutParentContextsRequest()
    request.parent_contexts.extend(parent_contexts)
    self._call('PutParentContexts', request, svc.PutParentContextsResponse())

  # ---- reading nodes ------------------------------------------------------------

  def get_artifacts(
      self, list_options: Optional[ListOptions] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    """Artifacts, all or as list_options select them."""
    return self._list('GetArtifacts', svc.GetArtifactsRequest(), 'artifacts',
                      list_options)

  def get_executions(
      self, list_options: Optional[ListOptions] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Execution]:
    """Executions, all or as list_options select them."""
    return self._list('GetExecutions', svc.GetExecutionsRequest(),
                      'executions', list_options)

  def get_contexts(
      self, list_options: Optional[ListOptions] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    """Contexts, all or as list_options select them."""
    return self._list('GetContexts', svc.GetContextsRequest(), 'contexts',
                      list_options)

  def get_artifacts_by_id(
      self, artifact_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    """The artifacts with these ids (ids that do not exist are skipped)."""
    return self._get_all('GetArtifactsByID', 'artifacts',
                         artifact_ids=list(artifact_ids))

  def get_executions_by_id(
      self, execution_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Execution]:
    return self._get_all('GetExecutionsByID', 'executions',
                         execution_ids=list(execution_ids))

  def get_contexts_by_id(
      self, context_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    return self._get_all('GetContextsByID', 'contexts',
                         context_ids=list(context_ids))

  def get_artifacts_and_types_by_artifact_ids(
      self, artifact_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> Tuple[List[metadata_store_pb2.Artifact],
             List[metadata_store_pb2.ArtifactType]]:
    """The artifacts with these ids and their types."""
    request = svc.GetArtifactsByIDRequest(artifact_ids=list(artifact_ids),
                                          populate_artifact_types=True)
    response = self._call('GetArtifactsByID', request,
                          svc.GetArtifactsByIDResponse())
    return list(response.artifacts), list(response.artifact_types)

  def _by_type(self, method, field, type_name, type_version):
    request = getattr(svc, method + 'Request')(type_name=type_name)
    if type_version:
      request.type_version = type_version
    return self._list(method, request, field, None)

  def get_artifacts_by_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    return self._by_type('GetArtifactsByType', 'artifacts', type_name,
                         type_version)

  def get_executions_by_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Execution]:
    return self._by_type('GetExecutionsByType', 'executions', type_name,
                         type_version)

  def get_contexts_by_type(
      self, type_name: str, type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    return self._by_type('GetContextsByType', 'contexts', type_name,
                         type_version)

  def _by_type_and_name(self, method, field, type_name, node_name,
                        type_version):
    request = getattr(svc, method + 'Request')(type_name=type_name)
    setattr(request, field + '_name', node_name)
    if type_version:
      request.type_version = type_version
    response = self._call(method, request, getattr(svc, method + 'Response')())
    return getattr(response, field) if response.HasField(field) else None

  def get_artifact_by_type_and_name(
      self, type_name: str, artifact_name: str,
      type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> Optional[metadata_store_pb2.Artifact]:
    """The artifact of this type and name, or None."""
    return self._by_type_and_name('GetArtifactByTypeAndName', 'artifact',
                                  type_name, artifact_name, type_version)

  def get_execution_by_type_and_name(
      self, type_name: str, execution_name: str,
      type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> Optional[metadata_store_pb2.Execution]:
    """The execution of this type and name, or None."""
    return self._by_type_and_name('GetExecutionByTypeAndName', 'execution',
                                  type_name, execution_name, type_version)

  def get_context_by_type_and_name(
      self, type_name: str, context_name: str,
      type_version: Optional[str] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> Optional[metadata_store_pb2.Context]:
    """The context of this type and name, or None."""
    return self._by_type_and_name('GetContextByTypeAndName', 'context',
                                  type_name, context_name, type_version)

  def get_artifacts_by_uri(
      self, uri: str, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    """The artifacts with this uri."""
    return self._get_all('GetArtifactsByURI', 'artifacts', uris=[uri])

  def get_artifacts_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    return self._get_all('GetArtifactsByExternalIds', 'artifacts',
                         external_ids=list(external_ids))

  def get_executions_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Execution]:
    return self._get_all('GetExecutionsByExternalIds', 'executions',
                         external_ids=list(external_ids))

  def get_contexts_by_external_ids(
      self, external_ids: Iterable[str],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    return self._get_all('GetContextsByExternalIds', 'contexts',
                         external_ids=list(external_ids))

  # ---- edges and neighbourhoods -------------------------------------------------

  def get_contexts_by_artifact(
      self, artifact_id: int, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    """The contexts the artifact is attributed to."""
    return self._get_all('GetContextsByArtifact', 'contexts',
                         artifact_id=artifact_id)

  def get_contexts_by_execution(
      self, execution_id: int, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    """The contexts the execution is associated with."""
    return self._get_all('GetContextsByExecution', 'contexts',
                         execution_id=execution_id)

  def get_artifacts_by_context(
      self, context_id: int, list_options: Optional[ListOptions] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Artifact]:
    """The artifacts attributed to the context."""
    return self._list('GetArtifactsByContext',
                      svc.GetArtifactsByContextRequest(context_id=context_id),
                      'artifacts', list_options)

  def get_executions_by_context(
      self, context_id: int, list_options: Optional[ListOptions] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Execution]:
    """The executions associated with the context."""
    return self._list('GetExecutionsByContext',
                      svc.GetExecutionsByContextRequest(context_id=context_id),
                      'executions', list_options)

  def get_events_by_execution_ids(
      self, execution_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Event]:
    return self._get_all('GetEventsByExecutionIDs', 'events',
                         execution_ids=list(execution_ids))

  def get_events_by_artifact_ids(
      self, artifact_ids: Iterable[int],
      extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Event]:
    return self._get_all('GetEventsByArtifactIDs', 'events',
                         artifact_ids=list(artifact_ids))

  def get_parent_contexts_by_context(
      self, context_id: int, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    return self._get_all('GetParentContextsByContext', 'contexts',
                         context_id=context_id)

  def get_children_contexts_by_context(
      self, context_id: int, extra_options: Optional[ExtraOptions] = None
  ) -> List[metadata_store_pb2.Context]:
    return self._get_all('GetChildrenContextsByContext', 'contexts',
                         context_id=context_id)

  def get_lineage_subgraph(
      self,
      query_options: metadata_store_pb2.LineageSubgraphQueryOptions,
      field_mask_paths: Optional[Sequence[str]] = None,
      extra_options: Optional[ExtraOptions] = None
  ) -> metadata_store_pb2.LineageGraph:
    """The lineage around the nodes query_options selects.

    mlmd returns nodes, types, contexts and events read in one transaction;
    field_mask_paths selects LineageGraph fields (default: all).
    """
    request = svc.GetLineageSubgraphRequest()
    request.lineage_subgraph_query_options.CopyFrom(query_options)
    if field_mask_paths:
      request.read_mask.paths.extend(field_mask_paths)
    return self._call('GetLineageSubgraph', request,
                      svc.GetLineageSubgraphResponse()).lineage_subgraph


def downgrade_schema(config: metadata_store_pb2.ConnectionConfig,
                     downgrade_to_schema_version: int) -> None:
  """Takes the database `config` names down to an older schema version.

  Raises:
    ValueError: downgrade_to_schema_version is negative.
    errors.InvalidArgumentError: the database cannot go to that version.
    RuntimeError: any other failure.
  """
  if downgrade_to_schema_version < 0:
    raise ValueError('downgrade_to_schema_version must be >= 0, got %d' %
                     downgrade_to_schema_version)
  request = metadata_store_pb2.ConnectionConfig()
  request.CopyFrom(config)
  request.mlmd_migration_options.downgrade_to_schema_version = (
      downgrade_to_schema_version)
  handle, code, message = _native.open_store(request.SerializeToString())
  if handle is not None:  # cannot happen: a downgrade never stays open
    _native.free_store(handle)
    return
  if message.startswith('MLMD cannot be downgraded to schema_version'):
    raise errors.make_exception(message, errors.INVALID_ARGUMENT) from None
  if code == errors.CANCELLED and message.startswith(
      'Downgrade migration was performed.'):
    logging.info(message)
    return
  raise RuntimeError('%s (status %d)' % (message, code))

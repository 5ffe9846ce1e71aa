"""The public surface matches MLMD's MetadataStore: the same 49 methods,
parameter names and defaults, so code written for MLMD calls them as is."""

import inspect

from ml_metadata import metadata_store

MLMD_METHODS = {
    'put_artifacts': ['artifacts', 'field_mask_paths'],
    'put_executions': ['executions', 'field_mask_paths'],
    'put_contexts': ['contexts', 'field_mask_paths'],
    'put_artifact_type': ['artifact_type', 'can_add_fields', 'can_omit_fields'],
    'put_execution_type': ['execution_type', 'can_add_fields',
                           'can_omit_fields'],
    'put_context_type': ['context_type', 'can_add_fields', 'can_omit_fields'],
    'put_events': ['events'],
    'put_execution': ['execution', 'artifact_and_events', 'contexts',
                      'reuse_context_if_already_exist',
                      'reuse_artifact_if_already_exist_by_external_id',
                      'force_reuse_context', 'force_update_time'],
    'put_lineage_subgraph': ['executions', 'artifacts', 'contexts',
                             'event_edges', 'reuse_context_if_already_exist',
                             'reuse_artifact_if_already_exist_by_external_id'],
    'get_lineage_subgraph': ['query_options', 'field_mask_paths'],
    'put_attributions_and_associations': ['attributions', 'associations'],
    'put_parent_contexts': ['parent_contexts'],
    'get_artifacts': ['list_options'],
    'get_executions': ['list_options'],
    'get_contexts': ['list_options'],
    'get_artifacts_by_id': ['artifact_ids'],
    'get_executions_by_id': ['execution_ids'],
    'get_contexts_by_id': ['context_ids'],
    'get_artifacts_and_types_by_artifact_ids': ['artifact_ids'],
    'get_artifacts_by_type': ['type_name', 'type_version'],
    'get_executions_by_type': ['type_name', 'type_version'],
    'get_contexts_by_type': ['type_name', 'type_version'],
    'get_artifact_by_type_and_name': ['type_name', 'artifact_name',
                                      'type_version'],
    'get_execution_by_type_and_name': ['type_name', 'execution_name',
                                       'type_version'],
    'get_context_by_type_and_name': ['type_name', 'context_name',
                                     'type_version'],
    'get_artifacts_by_uri': ['uri'],
    'get_artifacts_by_external_ids': ['external_ids'],
    'get_executions_by_external_ids': ['external_ids'],
    'get_contexts_by_external_ids': ['external_ids'],
    'get_artifact_type': ['type_name', 'type_version'],
    'get_execution_type': ['type_name', 'type_version'],
    'get_context_type': ['type_name', 'type_version'],
    'get_artifact_types': [],
    'get_execution_types': [],
    'get_context_types': [],
    'get_artifact_types_by_id': ['type_ids'],
    'get_execution_types_by_id': ['type_ids'],
    'get_context_types_by_id': ['type_ids'],
    'get_artifact_types_by_external_ids': ['external_ids'],
    'get_execution_types_by_external_ids': ['external_ids'],
    'get_context_types_by_external_ids': ['external_ids'],
    'get_contexts_by_artifact': ['artifact_id'],
    'get_contexts_by_execution': ['execution_id'],
    'get_artifacts_by_context': ['context_id', 'list_options'],
    'get_executions_by_context': ['context_id', 'list_options'],
    'get_events_by_execution_ids': ['execution_ids'],
    'get_events_by_artifact_ids': ['artifact_ids'],
    'get_parent_contexts_by_context': ['context_id'],
    'get_children_contexts_by_context': ['context_id'],
}


def test_same_methods_and_parameters():
  cls = metadata_store.MetadataStore
  public = {n for n, _ in inspect.getmembers(cls, inspect.isfunction)
            if not n.startswith('_')}
  assert public == set(MLMD_METHODS)
  assert len(public) == 49
  for name, params in MLMD_METHODS.items():
    sig = inspect.signature(getattr(cls, name))
    names = [p for p in sig.parameters if p != 'self']
    assert names == params + ['extra_options'], name
    assert sig.parameters['extra_options'].default is None
    for p in sig.parameters.values():
      if p.name in ('list_options', 'field_mask_paths', 'type_version'):
        assert p.default is None, (name, p.name)
      if p.name.startswith(('can_', 'reuse_', 'force_')):
        assert p.default is False, (name, p.name)


def test_module_functions_and_options():
  sig = inspect.signature(metadata_store.downgrade_schema)
  assert list(sig.parameters) == ['config', 'downgrade_to_schema_version']
  sig = inspect.signature(metadata_store.MetadataStore.__init__)
  # MLMD's parameters, then mlmd's keyword-only actor (default None), so
  # every call written for MLMD binds as it does there.
  positional = [p for p in sig.parameters.values()
                if p.kind != inspect.Parameter.KEYWORD_ONLY]
  assert [p.name for p in positional] == ['self', 'config',
                                          'enable_upgrade_migration']
  assert sig.parameters['enable_upgrade_migration'].default is False
  extra = [p for p in sig.parameters.values()
           if p.kind == inspect.Parameter.KEYWORD_ONLY]
  assert [(p.name, p.default) for p in extra] == [('actor', None)]
  o = metadata_store.ListOptions()
  assert (o.limit, o.order_by, o.is_asc, o.filter_query) == (None, None, True,
                                                             None)
  assert {f.name for f in metadata_store.OrderByField} == {
      'CREATE_TIME', 'UPDATE_TIME', 'ID'}
  assert metadata_store.ExtraOptions().euc is None


# MLMD 1.16's Python modules that hold public names (its gRPC stub module
# metadata_store_service_pb2_grpc and its C++ extension are not provided:
# docs/python.md, "What differs").
MLMD_MODULES = [
    'ml_metadata',
    'ml_metadata.errors',
    'ml_metadata.metadata_store',
    'ml_metadata.metadata_store.metadata_store',
    'ml_metadata.metadata_store.mlmd_types',
    'ml_metadata.proto',
    'ml_metadata.proto.metadata_store_pb2',
    'ml_metadata.proto.metadata_store_service_pb2',
    'ml_metadata.simple_types',
    'ml_metadata.simple_types.proto',
    'ml_metadata.simple_types.proto.simple_types_pb2',
    'ml_metadata.version',
]


def test_mlmd_modules_import():
  import importlib  # pylint: disable=g-import-not-at-top
  for name in MLMD_MODULES:
    assert importlib.import_module(name).__name__ == name


def test_mlmd_types_names():
  from ml_metadata.metadata_store import mlmd_types  # pylint: disable=g-import-not-at-top
  public = {n for n, v in vars(mlmd_types).items()
            if inspect.isclass(v) and v.__module__ == mlmd_types.__name__ and
            not n.startswith('_')}
  artifacts = {'Dataset', 'Model', 'Metrics', 'Statistics'}
  executions = {'Train', 'Transform', 'Process', 'Evaluate', 'Deploy'}
  assert public == artifacts | executions | {'ArtifactType', 'ExecutionType'}
  for base, names in ((mlmd_types.ArtifactType, artifacts),
                      (mlmd_types.ExecutionType, executions)):
    assert list(inspect.signature(base.__init__).parameters) == [
        'self', 'system_type']
    assert isinstance(base.system_type, property)
    for n in names:
      cls = getattr(mlmd_types, n)
      assert cls.__bases__ == (base,)
      assert list(inspect.signature(cls.__init__).parameters) == ['self']
  assert isinstance(mlmd_types._SystemType.name, property)  # pylint: disable=protected-access
  assert list(inspect.signature(
      mlmd_types._SystemType.__init__).parameters) == ['self', 'type_name']  # pylint: disable=protected-access

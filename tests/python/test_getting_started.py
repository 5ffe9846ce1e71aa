"""MLMD's getting-started walkthrough, as a user would write it against
Google's package, run unchanged on mlmd: register types, record a dataset,
a trainer run and the model it produced, link them by events and an
experiment context, then follow the lineage back from the model."""

import ml_metadata as mlmd
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2


def test_walkthrough(tmp_path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(tmp_path / 'walkthrough.db')
  config.sqlite.connection_mode = 3  # READWRITE_OPENCREATE
  store = metadata_store.MetadataStore(config)

  # Types.
  data_type = metadata_store_pb2.ArtifactType()
  data_type.name = 'DataSet'
  data_type.properties['day'] = metadata_store_pb2.INT
  data_type.properties['split'] = metadata_store_pb2.STRING
  data_type_id = store.put_artifact_type(data_type)

  model_type = metadata_store_pb2.ArtifactType()
  model_type.name = 'SavedModel'
  model_type.properties['version'] = metadata_store_pb2.INT
  model_type.properties['name'] = metadata_store_pb2.STRING
  model_type_id = store.put_artifact_type(model_type)

  trainer_type = metadata_store_pb2.ExecutionType()
  trainer_type.name = 'Trainer'
  trainer_type.properties['state'] = metadata_store_pb2.STRING
  trainer_type_id = store.put_execution_type(trainer_type)

  experiment_type = metadata_store_pb2.ContextType()
  experiment_type.name = 'Experiment'
  experiment_type.properties['note'] = metadata_store_pb2.STRING
  experiment_type_id = store.put_context_type(experiment_type)

  # A dataset.
  data = metadata_store_pb2.Artifact()
  data.uri = 'path/to/data'
  data.properties['day'].int_value = 1
  data.properties['split'].string_value = 'train'
  data.type_id = data_type_id
  [data_id] = store.put_artifacts([data])

  # A trainer run that reads it.
  run = metadata_store_pb2.Execution()
  run.type_id = trainer_type_id
  run.properties['state'].string_value = 'RUNNING'
  [run_id] = store.put_executions([run])
  input_event = metadata_store_pb2.Event()
  input_event.artifact_id = data_id
  input_event.execution_id = run_id
  input_event.type = metadata_store_pb2.Event.DECLARED_INPUT
  store.put_events([input_event])

  # The model it writes.
  model = metadata_store_pb2.Artifact()
  model.uri = 'path/to/model/file'
  model.properties['version'].int_value = 1
  model.properties['name'].string_value = 'MNIST-v1'
  model.type_id = model_type_id
  [model_id] = store.put_artifacts([model])
  output_event = metadata_store_pb2.Event()
  output_event.artifact_id = model_id
  output_event.execution_id = run_id
  output_event.type = metadata_store_pb2.Event.DECLARED_OUTPUT
  store.put_events([output_event])

  run.id = run_id
  run.properties['state'].string_value = 'COMPLETED'
  store.put_executions([run])

  # The experiment that groups them.
  experiment = metadata_store_pb2.Context()
  experiment.type_id = experiment_type_id
  experiment.name = 'exp1'
  experiment.properties['note'].string_value = 'My first experiment.'
  [experiment_id] = store.put_contexts([experiment])
  attribution = metadata_store_pb2.Attribution()
  attribution.artifact_id = model_id
  attribution.context_id = experiment_id
  association = metadata_store_pb2.Association()
  association.execution_id = run_id
  association.context_id = experiment_id
  store.put_attributions_and_associations([attribution], [association])

  # Queries.
  assert [a.uri for a in store.get_artifacts_by_type('DataSet')
         ] == ['path/to/data']
  assert [a.id for a in store.get_artifacts_by_context(experiment_id)
         ] == [model_id]
  assert [e.id for e in store.get_executions_by_context(experiment_id)
         ] == [run_id]
  assert store.get_executions_by_id([run_id])[0].properties[
      'state'].string_value == 'COMPLETED'

  # Which data was this model trained on? model -> run -> inputs.
  [producer] = [e for e in store.get_events_by_artifact_ids([model_id])
                if e.type == metadata_store_pb2.Event.DECLARED_OUTPUT]
  inputs = [e.artifact_id for e in
            store.get_events_by_execution_ids([producer.execution_id])
            if e.type == metadata_store_pb2.Event.DECLARED_INPUT]
  [trained_on] = store.get_artifacts_by_id(inputs)
  assert trained_on.properties['split'].string_value == 'train'

  # The same in one call, with mlmd's lineage subgraph.
  query = metadata_store_pb2.LineageSubgraphQueryOptions()
  query.starting_artifacts.filter_query = "properties.name.string_value = 'MNIST-v1'"
  query.direction = metadata_store_pb2.LineageSubgraphQueryOptions.UPSTREAM
  query.max_num_hops = 2
  graph = store.get_lineage_subgraph(query)
  assert sorted(a.uri for a in graph.artifacts) == ['path/to/data',
                                                     'path/to/model/file']
  assert [c.name for c in graph.contexts] == ['exp1']

  # And the store reopened later still has it all.
  del store
  again = mlmd.MetadataStore(config)
  assert len(again.get_artifacts()) == 2
  assert again.get_context_by_type_and_name('Experiment', 'exp1').id == (
      experiment_id)

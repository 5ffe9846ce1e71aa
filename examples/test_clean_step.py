"""Testing a pipeline step with mlmd's pytest plugin (docs/testing.md).

`clean_step` is the code under test: an ordinary MLMD-based pipeline step
that reads a dataset artifact, records a Transform execution and the
cleaned dataset it writes. The tests give it a lineage built from the
notation and check the lineage it leaves behind. Run them with
    pytest -p mlmd.testing examples/test_clean_step.py
(`-p mlmd.testing` is not needed once the mlmd package is installed: its
pytest11 entry point loads the plugin).
"""

import os

from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import testing

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'snapshots',
                      'clean_step.txt')


def clean_step(store, raw, drop_rows):
  """The step under test: cleans dataset `raw` (an Artifact), dropping
  `drop_rows` rows; records the run and returns the cleaned Artifact."""
  rows = raw.custom_properties['rows'].int_value - drop_rows
  dataset = store.put_artifact_type(mpb.ArtifactType(name='DataSet'))
  transform = store.put_execution_type(mpb.ExecutionType(name='Transform'))
  out = mpb.Artifact(type_id=dataset, name=raw.name + '.clean')
  out.custom_properties['rows'].int_value = rows
  state = mpb.Execution.COMPLETE if rows > 0 else mpb.Execution.FAILED
  run = mpb.Execution(type_id=transform, name='clean-' + raw.name,
                      last_known_state=state)
  _, [_, out_id], _ = store.put_execution(
      run, [(raw, mpb.Event(type=mpb.Event.INPUT)),
            (out, mpb.Event(type=mpb.Event.OUTPUT))], [])
  [stored] = store.get_artifacts_by_id([out_id])
  return stored


def test_clean_step_records_its_lineage(mlmd_store, mlmd_graph):
  g = mlmd_graph("raw:DataSet {rows=100} -> (validate:Validator COMPLETE)"
                 ' -> report:Report')
  cleaned = clean_step(mlmd_store, g['raw'], drop_rows=3)

  assert cleaned.custom_properties['rows'].int_value == 97
  testing.assert_produced_by(mlmd_store, cleaned, 'Transform', 'COMPLETE')
  testing.assert_upstream(mlmd_store, cleaned, ['raw'], within=2)
  # the step reads raw; it has nothing to do with the validation report
  testing.assert_no_path(mlmd_store, 'report', cleaned)
  # the whole graph, pinned to a reviewed file (refresh it with
  # pytest -p mlmd.testing --mlmd-update-snapshots examples/test_clean_step.py)
  testing.assert_snapshot(mlmd_store, GOLDEN)


def test_clean_step_that_drops_everything_fails(mlmd_store, mlmd_graph):
  g = mlmd_graph('raw:DataSet {rows=3}')
  cleaned = clean_step(mlmd_store, g['raw'], drop_rows=3)
  testing.assert_produced_by(mlmd_store, cleaned, 'Transform', 'FAILED')

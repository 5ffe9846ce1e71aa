"""`mlmd score` and the serving gate, with the real binary: the iris model
trained by the demo pipeline (examples/pipeline.c) is recorded with
`mlmd model add` below a dataset and a Train execution (put with
ml_metadata); labels are set with the Classify RPC (packed here, sent with
mlmd_store_call). A model trained on POISONED data is refused at load, by
artifact id and by NAME@ALIAS, with exit status 1 naming the label and the
dataset; a label outside the gate list does not block; --gate-policy takes
stop or record only; an allowed model scores the same rows either way.
"""

import json
import os
import shutil
import subprocess

import pytest

from ml_metadata import _native
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from mlmd.proto import mlmd_governance_pb2 as gov

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
IRIS = os.path.join(ROOT, 'examples', 'data', 'iris.csv')
COLUMNS = 'sepal_length,sepal_width,petal_length,petal_width'


def mlmd(*args, check=True):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  if check:
    assert res.returncode == 0, res.stderr
  return res


def rpc(store, method, request, response_type):
  handle, code, msg = _native.open_uri(store)
  assert handle, msg
  try:
    out, code, msg = _native.call(handle, method.encode(), request.SerializeToString())
    assert code == 0, f'{method}: {msg}'
    resp = response_type()
    resp.ParseFromString(out)
    return resp
  finally:
    _native.free_store(handle)


def classify(store, artifact_id, label, reason=''):
  rpc(store, 'Classify', gov.ClassifyRequest(kind=gov.ARTIFACT, id=artifact_id, label=label, reason=reason),
      gov.ClassifyResponse)


def servings(store):
  res = mlmd('--store', store, 'ls', 'executions', '--type', 'ModelServing', '--json', check=False)
  if res.returncode == 1 and "no execution type 'ModelServing'" in res.stderr:
    return []
  assert res.returncode == 0, res.stderr
  return json.loads(res.stdout)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
  d = tmp_path_factory.mktemp('trained')
  res = subprocess.run([PIPELINE, str(d / 'demo.db'), IRIS, str(d)], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  return d / 'iris-run-1.onnx'


@pytest.fixture
def lineage(trained, tmp_path):
  """A store: dataset -> Train -> the iris model (recorded by `mlmd model add`),
  registered as iris version 1 with prod -> 1."""
  db = tmp_path / 'gate.db'
  store = f'sqlite:{db}'
  path = tmp_path / 'iris.onnx'
  shutil.copy(trained, path)
  model = int(mlmd('--store', store, 'model', 'add', '--name', 'iris-v1', str(path)).stdout.split()[-1])
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = str(db)
  ms = metadata_store.MetadataStore(config)
  ds_type = ms.put_artifact_type(pb.ArtifactType(name='Dataset'))
  tr_type = ms.put_execution_type(pb.ExecutionType(name='Train'))
  [dataset] = ms.put_artifacts([pb.Artifact(type_id=ds_type, uri='file:///data/iris.csv')])
  [train] = ms.put_executions([pb.Execution(type_id=tr_type)])
  ms.put_events([pb.Event(execution_id=train, artifact_id=dataset, type=pb.Event.INPUT),
                 pb.Event(execution_id=train, artifact_id=model, type=pb.Event.OUTPUT)])
  del ms
  rpc(store, 'CreateRegisteredModel', gov.CreateRegisteredModelRequest(name='iris'), gov.CreateRegisteredModelResponse)
  rpc(store, 'CreateModelVersion', gov.CreateModelVersionRequest(model_name='iris', artifact_id=model),
      gov.CreateModelVersionResponse)
  rpc(store, 'SetAliases', gov.SetAliasesRequest(model_name='iris', moves=[gov.AliasMove(alias='prod', version=1)]),
      gov.SetAliasesResponse)
  return store, model, dataset, tmp_path


def test_a_model_on_poisoned_data_is_refused(lineage):
  store, model, dataset, d = lineage
  score = ['score', '--store', store, '--input', IRIS, '--columns', COLUMNS, '--output', str(d / 'out.csv')]
  want = mlmd('score', '--model', str(d / 'iris.onnx'), '--input', IRIS, '--columns', COLUMNS).stdout
  for policy in ('stop', 'record'):
    mlmd(*score, '--artifact', str(model), '--gate-policy', policy)
    assert (d / 'out.csv').read_text() == want
  assert len(servings(store)) == 2

  classify(store, dataset, 'PII', 'emails')  # not in the gate list
  mlmd(*score, '--artifact', str(model))

  classify(store, dataset, 'POISONED', 'label flips in batch 7')
  blocked = (f'artifact {model} is blocked by the serving gate: POISONED on artifact {dataset}, 2 hops upstream: '
             'label flips in batch 7')
  for args in (['--artifact', str(model)], ['--model', 'iris@prod', '--gate-policy', 'record'],
               ['--model', 'iris/1']):
    res = mlmd(*score, *args, check=False)
    assert res.returncode == 1, res.stderr
    assert res.stderr.startswith('mlmd: refused: ') and blocked in res.stderr, res.stderr
    assert 'mlmd gate ls' in res.stderr
  assert "iris@prod (version 1 of 'iris')" in mlmd(*score, '--model', 'iris@prod', check=False).stderr
  assert len(servings(store)) == 3  # nothing served by the refused runs

  # the gate list decides: POISONED no longer gated, the model serves again
  rpc(store, 'SetServingGate', gov.SetServingGateRequest(labels=['RESTRICTED']), gov.SetServingGateResponse)
  mlmd(*score, '--model', 'iris@prod')
  assert (d / 'out.csv').read_text() == want


def test_gate_policy_and_flush_interval_are_checked(lineage):
  store, model, _, _ = lineage
  for args in (['--gate-policy', 'halt'], ['--gate-policy'], ['--flush-interval', '0'],
               ['--flush-interval', 'soon']):
    res = mlmd('score', '--store', store, '--artifact', str(model), '--input', IRIS, *args, check=False)
    assert res.returncode == 2, res.stderr
  res = mlmd('score', '--help')
  assert '--gate-policy' in res.stdout and '--flush-interval' in res.stdout

"""`mlmd score --store URI --model NAME@ALIAS|NAME/VERSION`: scoring by registry
reference with the real binary. The iris model is trained by the demo
pipeline (examples/pipeline.c), recorded with `mlmd model add`, registered
through the RegistryService RPCs (packed here, sent with mlmd_store_call) and
scored on the real iris CSV rows; the serving execution records the version
and alias; an alias move is followed by the next run; a tampered version is
refused; an existing file named like a reference wins.
"""

import json
import os
import shutil
import subprocess

import pytest

from ml_metadata import _native
from mlmd.proto import mlmd_governance_pb2 as gov

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
IRIS = os.path.join(ROOT, 'examples', 'data', 'iris.csv')
COLUMNS = 'sepal_length,sepal_width,petal_length,petal_width'


def mlmd(*args, check=True, cwd=None):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=cwd, env=env)
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


def set_alias(store, name, alias, version):
  rpc(store, 'SetAliases', gov.SetAliasesRequest(model_name=name, moves=[gov.AliasMove(alias=alias, version=version)]),
      gov.SetAliasesResponse)


def servings(store):
  """The store's ModelServing executions ([] before the first scorer declared the type)."""
  res = mlmd('--store', store, 'ls', 'executions', '--type', 'ModelServing', '--json', check=False)
  if res.returncode == 1 and "no execution type 'ModelServing'" in res.stderr:
    return []
  assert res.returncode == 0, res.stderr
  return json.loads(res.stdout)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
  """Two iris models, trained by two runs of the demo pipeline."""
  d = tmp_path_factory.mktemp('trained')
  for _ in range(2):
    res = subprocess.run([PIPELINE, str(d / 'demo.db'), IRIS, str(d)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
  return [d / 'iris-run-1.onnx', d / 'iris-run-2.onnx']


@pytest.fixture
def registry(trained, tmp_path):
  """A store with model iris: versions 1 and 2 (the two trained models), prod -> 1."""
  store = f'sqlite:{tmp_path / "reg.db"}'
  models = []
  for n in (1, 2):
    path = tmp_path / f'v{n}.onnx'
    shutil.copy(trained[n - 1], path)
    aid = int(mlmd('--store', store, 'model', 'add', '--name', f'iris-v{n}', str(path)).stdout.split()[-1])
    models.append((path, aid))
  rpc(store, 'CreateRegisteredModel', gov.CreateRegisteredModelRequest(name='iris'), gov.CreateRegisteredModelResponse)
  for n, (_, aid) in enumerate(models, 1):
    v = rpc(store, 'CreateModelVersion', gov.CreateModelVersionRequest(model_name='iris', artifact_id=aid),
            gov.CreateModelVersionResponse)
    assert v.version.version == n
  set_alias(store, 'iris', 'prod', 1)
  return store, models, tmp_path


def test_score_by_alias_records_version_and_follows_a_move(registry):
  store, models, d = registry
  out = d / 'out.csv'
  res = mlmd('score', '--store', store, '--model', 'iris@prod', '--input', IRIS, '--columns', COLUMNS,
             '--output', str(out))
  assert 'with version 1 of iris@prod' in res.stderr
  # the same rows as scoring version 1's file directly
  direct = mlmd('score', '--model', str(models[0][0]), '--input', IRIS, '--columns', COLUMNS).stdout
  assert out.read_text() == direct
  assert len(direct.splitlines()) == 151
  (run,) = servings(store)
  assert run['custom_properties'] == {'mlmd.model': 'iris', 'mlmd.model_version': 1, 'mlmd.model_alias': 'prod'}
  assert run['properties']['rows'] == 150 and run['properties']['model_verified'] is True

  set_alias(store, 'iris', 'prod', 2)
  res = mlmd('score', '--store', store, '--model', 'iris@prod', '--input', IRIS, '--columns', COLUMNS,
             '--output', str(out))
  assert 'with version 2 of iris@prod' in res.stderr
  assert out.read_text() == mlmd('score', '--model', str(models[1][0]), '--input', IRIS, '--columns', COLUMNS).stdout
  runs = servings(store)
  assert runs[1]['custom_properties'] == {'mlmd.model': 'iris', 'mlmd.model_version': 2, 'mlmd.model_alias': 'prod'}

  # NAME/VERSION: no alias recorded
  mlmd('score', '--store', store, '--model', 'iris/1', '--input', IRIS, '--columns', COLUMNS, '--output', str(out))
  assert servings(store)[2]['custom_properties'] == {'mlmd.model': 'iris', 'mlmd.model_version': 1}


def test_unknown_references_and_tampered_versions_fail(registry):
  store, models, d = registry
  score = ['score', '--store', store, '--input', IRIS, '--columns', COLUMNS, '--output', str(d / 'out.csv')]
  for ref, needle in [('iris@staging', 'staging'), ('nope@prod', 'nope'), ('iris/7', 'iris/7')]:
    res = mlmd(*score, '--model', ref, check=False)
    assert res.returncode == 1, res.stderr
    assert needle in res.stderr and f"there is no model file '{ref}'" in res.stderr
  with open(models[1][0], 'ab') as f:  # still a valid ONNX file, but not the recorded bytes
    f.write(b'\x32\x07changed')
  res = mlmd(*score, '--model', 'iris/2', check=False)
  assert res.returncode == 1 and 'the artifact records sha256:' in res.stderr
  assert "version 2 of 'iris'" in res.stderr
  # only the refused runs: nothing was served
  assert servings(store) == []
  # a malformed one with a store is a model path like any other (no file: exit 1)
  res = mlmd(*score, '--model', 'iris@', check=False)
  assert res.returncode == 1 and 'iris@' in res.stderr


def test_an_existing_file_named_like_a_reference_wins(registry):
  store, models, d = registry
  work = d / 'work'
  (work / 'iris').mkdir(parents=True)
  shutil.copy(models[1][0], work / 'iris@prod')   # prod names version 1; this file is version 2's model
  shutil.copy(models[1][0], work / 'iris' / '1')
  want = mlmd('score', '--model', str(models[1][0]), '--input', IRIS, '--columns', COLUMNS).stdout
  for name in ('iris@prod', 'iris/1'):
    res = mlmd('score', '--store', store, '--model', name, '--input', IRIS, '--columns', COLUMNS, cwd=work)
    assert res.stdout == want
    assert 'serving recorded' not in res.stderr
  assert servings(store) == []
  # without a store a reference is only a path
  res = mlmd('score', '--model', 'iris@prod', '--input', IRIS, check=False)
  assert res.returncode == 1 and 'iris@prod' in res.stderr

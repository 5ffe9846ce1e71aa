"""`mlmd profile` and MlflowClient.record_profile / get_profile with the real
binary and library. XGBoost models (binary and multiclass) are trained here
on numpy data, recorded with `mlmd model add` and registered; the profile's
figures are checked against numpy (means, variances, decile edges as
numpy.percentile computes them, bin counts at those edges) and the output
profile against the booster's own predictions (the predicted classes'
counts, the score histogram); a text column is categorical; a tampered model
file is refused unless --allow-unverified; the Python API records from
lists and numpy arrays and reads the newest profile back.
"""

import csv
import json
import os
import subprocess

import numpy as np
import pytest
import xgboost as xgb

import mlmd
from ml_metadata import errors

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))


def run(*args, check=True):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  if check:
    assert res.returncode == 0, res.stderr
  return res


@pytest.fixture(scope='module')
def models(tmp_path_factory):
  d = tmp_path_factory.mktemp('profile')
  rng = np.random.default_rng(7)
  X = rng.normal(size=(500, 3))
  X[::17, 1] = np.nan  # missing values in column b
  y = (X[:, 0] + np.nan_to_num(X[:, 1]) > 0).astype(int)
  y3 = np.digitize(X[:, 0], [-0.5, 0.5])
  dm = xgb.DMatrix(X, label=y, missing=np.nan)
  binary = xgb.train({'objective': 'binary:logistic', 'max_depth': 3, 'nthread': 1}, dm, 8)
  binary.save_model(str(d / 'binary.json'))
  multi = xgb.train({'objective': 'multi:softprob', 'num_class': 3, 'max_depth': 3, 'nthread': 1},
                    xgb.DMatrix(X, label=y3, missing=np.nan), 8)
  multi.save_model(str(d / 'multi.json'))
  with open(d / 'train.csv', 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['a', 'b', 'c'])
    for r in X:
      w.writerow(['' if np.isnan(v) else repr(float(v)) for v in r])
  return d, X, binary, multi


@pytest.fixture
def store(models, tmp_path):
  d = models[0]
  uri = f'sqlite:{tmp_path / "p.db"}'
  ids = {}
  for name in ('binary', 'multi'):
    ids[name] = int(run('--store', uri, 'model', 'add', '--name', name, str(d / f'{name}.json')).stdout.split()[-1])
  c = mlmd.MlflowClient(uri)
  c.create_registered_model('churn')
  c.create_model_version('churn', ids['multi'])
  c.set_registered_model_alias('churn', 'prod', 1)
  return uri, ids, c


def deciles(v):
  return np.percentile(v, [10, 20, 30, 40, 50, 60, 70, 80, 90])


def test_profile_figures_match_numpy_and_the_booster(models, store):
  d, X, _, multi = models
  uri, ids, c = store
  res = run('--store', uri, 'profile', '--model', 'churn@prod', '--input', str(d / 'train.csv'), '--json')
  out = json.loads(res.stdout)
  assert set(out) == {'profile_artifact_id', 'execution_id', 'model_artifact_id', 'n_rows', 'n_columns'}
  assert out['model_artifact_id'] == ids['multi'] and out['n_rows'] == 500 and out['n_columns'] == 3
  p = c.get_profile('churn@prod')
  assert p.profile_artifact_id == out['profile_artifact_id'] and p.model_artifact_id == ids['multi']
  prof = p.profile
  assert prof['format'] == 'mlmd.profile' and prof['version'] == 1 and prof['n_rows'] == 500
  assert [col['name'] for col in prof['columns']] == ['a', 'b', 'c']
  # the model's input is FLOAT: the profile holds the values the model sees, rounded to float
  X32 = X.astype(np.float32).astype(np.float64)
  for j, col in enumerate(prof['columns']):
    v = X32[:, j][~np.isnan(X32[:, j])]
    assert col['kind'] == 'numeric'
    assert col['count'] == len(v) and col['missing'] == 500 - len(v)
    assert col['mean'] == pytest.approx(v.mean(), rel=1e-12)
    assert col['variance'] == pytest.approx(v.var(ddof=1), rel=1e-12)
    assert col['min'] == v.min() and col['max'] == v.max()
    edges = deciles(v)
    assert np.allclose(col['edges'], edges, rtol=1e-14, atol=0)
    # a value equal to an edge belongs to the bin below it: numpy's side='left'
    assert col['bins'] == np.bincount(np.searchsorted(col['edges'], v, side='left'), minlength=10).tolist()
  assert prof['columns'][1]['missing'] == len(range(0, 500, 17))
  # outputs: the predicted class of each row, counted
  o = prof['outputs']
  assert o['name'] == 'probabilities' and o['kind'] == 'classes'
  pred = multi.predict(xgb.DMatrix(X, missing=np.nan)).argmax(axis=1)
  want = {str(k): int(n) for k, n in zip(*np.unique(pred, return_counts=True))}
  assert {e['value']: e['count'] for e in o['classes']} == want
  # lineage: the profile is the OUTPUT of a Profiling execution reading the model
  lin = run('--store', uri, 'show', 'artifact', str(out['profile_artifact_id'])).stdout
  assert 'mlmd.DataProfile' in lin and f'OUTPUT execution {out["execution_id"]}' in lin


def test_binary_scores_histogram_and_json_reads_back(models, store):
  d, X, binary, _ = models
  uri, ids, c = store
  res = run('--store', uri, 'profile', '--artifact', str(ids['binary']), '--input', str(d / 'train.csv'),
            '--name', 'bin-profile')
  pid = int(res.stdout.strip())
  assert 'profile of 500 rows, 3 columns recorded' in res.stderr
  p = c.get_profile(ids['binary'])
  assert p.profile_artifact_id == pid
  o = p.profile['outputs']
  assert o['name'] == 'predictions' and o['kind'] == 'scores'
  scores = binary.predict(xgb.DMatrix(X, missing=np.nan)).astype(np.float64)
  assert np.allclose(o['edges'], deciles(scores), rtol=1e-5, atol=1e-6)
  assert sum(o['bins']) == 500
  # --no-outputs: inputs only; the newest profile is returned
  res = run('--store', uri, 'profile', '--artifact', str(ids['binary']), '--input', str(d / 'train.csv'),
            '--no-outputs')
  p2 = c.get_profile(ids['binary'])
  assert p2.profile_artifact_id == int(res.stdout) > pid
  assert 'outputs' not in p2.profile
  assert c.get_profile(profile_artifact_id=pid).profile == p.profile


def test_text_column_is_categorical_and_refusals(models, store, tmp_path):
  d, _, _, _ = models
  uri, ids, c = store
  data = tmp_path / 'cat.csv'
  data.write_text('a,b,c\n1,red,3\n2,blue,4\n,red,5\n4,green,\n5,red,7\n')
  res = run('--store', uri, 'profile', '--artifact', str(ids['binary']), '--input', str(data), '--no-outputs',
            '--category-cap', '1', '--json')
  prof = c.get_profile(profile_artifact_id=json.loads(res.stdout)['profile_artifact_id']).profile
  b = prof['columns'][1]
  assert b == {'name': 'b', 'kind': 'categorical', 'count': 5, 'missing': 0,
               'categories': [{'value': 'red', 'count': 3}], 'other': 2}
  assert prof['columns'][0]['missing'] == 1 and prof['columns'][2]['missing'] == 1
  # scoring text refuses, naming the row and column
  res = run('--store', uri, 'profile', '--artifact', str(ids['binary']), '--input', str(data), check=False)
  assert res.returncode == 1 and "column 'b'" in res.stderr and 'red' in res.stderr
  # usage errors
  for args in (['--artifact', '1'], ['--input', str(data)], ['--artifact', '1', '--model', 'x@y', '--input', 'z'],
               ['--model', 'nonsense', '--input', str(data)]):
    assert run('--store', uri, 'profile', *args, check=False).returncode == 2
  # no such model, no such reference
  res = run('--store', uri, 'profile', '--artifact', '999', '--input', str(data), check=False)
  assert res.returncode == 1 and '999' in res.stderr
  res = run('--store', uri, 'profile', '--model', 'churn@staging', '--input', str(data), check=False)
  assert res.returncode == 1 and 'staging' in res.stderr
  # a header and no rows: refused (a reference of no rows never finds drift; hostile-input helper)
  empty = tmp_path / 'empty.csv'
  empty.write_text('a,b,c\n')
  res = run('--store', uri, 'profile', '--artifact', str(ids['binary']), '--input', str(empty), check=False)
  assert res.returncode == 1 and 'no rows after the header' in res.stderr


def test_tampered_model_refused_unless_allowed(models, store, tmp_path):
  d, _, _, _ = models
  uri, ids, c = store
  path = tmp_path / 'm.json'
  path.write_bytes((d / 'binary.json').read_bytes())
  aid = int(run('--store', uri, 'model', 'add', '--name', 'tampered', str(path)).stdout.split()[-1])
  path.write_bytes(path.read_bytes() + b' ')  # still valid JSON, not the recorded bytes
  res = run('--store', uri, 'profile', '--artifact', str(aid), '--input', str(d / 'train.csv'), check=False)
  assert res.returncode == 1 and '--allow-unverified' in res.stderr
  with pytest.raises(errors.NotFoundError, match='has no reference profile'):
    c.get_profile(aid)
  run('--store', uri, 'profile', '--artifact', str(aid), '--input', str(d / 'train.csv'), '--allow-unverified')
  assert c.get_profile(aid).profile['n_rows'] == 500


def test_python_record_profile(store):
  uri, ids, c = store
  with pytest.raises(errors.NotFoundError, match=r'model artifact %d has no reference profile \(record one with'
                     % ids['binary']):
    c.get_profile(ids['binary'])
  x = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
  r = c.record_profile('churn/1', {'x': x, 'n': [1, 2, None, 4, float('nan')], 's': ['u', None, 'v', '', 'u']},
                       name='from-python', category_cap=5)
  assert r.model_artifact_id == ids['multi'] and r.n_rows == 5 and r.n_columns == 3
  p = c.get_profile(ids['multi'])
  assert p.profile_artifact_id == r.profile_artifact_id
  cols = {col['name']: col for col in p.profile['columns']}
  assert cols['x']['count'] == 4 and cols['x']['mean'] == 3.0 and cols['x']['variance'] == pytest.approx(10 / 3)
  assert cols['n']['count'] == 3 and cols['n']['missing'] == 2
  assert cols['s']['kind'] == 'categorical' and cols['s']['categories'] == [
      {'value': 'u', 'count': 2}, {'value': 'v', 'count': 1}] and cols['s']['missing'] == 2
  with pytest.raises(errors.InvalidArgumentError, match='mixes numbers and strings'):
    c.record_profile(ids['multi'], {'m': [1, 'a']})
  with pytest.raises(errors.InvalidArgumentError, match='has 2 rows'):
    c.record_profile(ids['multi'], {'a': [1, 2, 3], 'b': [1, 2]})
  with pytest.raises(errors.NotFoundError):
    c.record_profile(987654, {'a': [1.0]})
  with pytest.raises(errors.InvalidArgumentError):
    c.record_profile('not a ref', {'a': [1.0]})


def test_columns_bound_as_score_binds_them(models, store, tmp_path):
  """The CSV columns feeding the single [N, 3] input are chosen as `mlmd score`
  chooses them (the binding is cli/inputs.c's): --columns picks and orders
  them; an unknown name, or a count that is not the input's width, fails."""
  _, X, _, _ = models
  uri, ids, c = store
  data = tmp_path / 'wide.csv'
  with open(data, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['z', 'c', 'extra', 'a', 'b'])
    for r in X[:50]:
      w.writerow(['1', repr(float(r[2])), 'x', repr(float(r[0])), '' if np.isnan(r[1]) else repr(float(r[1]))])
  res = run('--store', uri, 'profile', '--artifact', str(ids['multi']), '--input', str(data), '--columns', 'a,b,c',
            '--json')
  prof = c.get_profile(profile_artifact_id=json.loads(res.stdout)['profile_artifact_id']).profile
  assert [col['name'] for col in prof['columns']] == ['a', 'b', 'c']
  assert prof['columns'][0]['mean'] == pytest.approx(X[:50, 0].astype(np.float32).astype(np.float64).mean(), rel=1e-12)
  assert prof['columns'][1]['missing'] == int(np.isnan(X[:50, 1]).sum())
  res = run('--store', uri, 'profile', '--artifact', str(ids['multi']), '--input', str(data), '--columns', 'a,nope,c',
            check=False)
  assert res.returncode == 1 and "no column 'nope'" in res.stderr
  res = run('--store', uri, 'profile', '--artifact', str(ids['multi']), '--input', str(data), check=False)
  assert res.returncode == 1 and 'takes 3 features' in res.stderr and '5 column' in res.stderr


def test_the_training_rows_served_again_do_not_drift(models, store):
  """Serving exactly the profiled rows counts exactly the profile's bins:
  every PSI is 0. The values are bounded to floats by the model's FLOAT
  input; profiling them as doubles would move the values sitting on a
  decile edge ("2.8" as a double lies above 2.8f) into another bin when
  served, and data identical to the training data would look drifted."""
  d = models[0]
  uri = store[0]
  ties = d / 'ties.csv'
  rng = np.random.default_rng(3)
  with open(ties, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['a', 'b', 'c'])
    for _ in range(400):  # one decimal: many values on the decile edges, few of them exact in float
      w.writerow([f'{v:.1f}' for v in rng.normal(3, 1, size=3)])
  run('--store', uri, 'profile', '--model', 'churn@prod', '--input', str(ties))
  res = run('--store', uri, 'score', '--model', 'churn@prod', '--input', str(ties), '--drift', 'require')
  execution = int(res.stderr.split('execution ')[-1].split()[0])
  got = json.loads(run('--store', uri, 'drift', '--store', uri, '--execution', str(execution), '--json').stdout)
  (window,) = got['windows']
  assert window['rows'] == 400 and not window['drifted']
  for col in window['columns']:
    assert col['psi'] == 0 and not col['drift'], col

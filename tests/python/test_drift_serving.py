"""Drift while serving through the CLI and Python: `mlmd score --drift` on an
XGBoost model trained here with a reference profile recorded by `mlmd
profile`, then `mlmd drift --store --execution` (text and --json) and
MlflowClient.drift_windows. A stable stream records a window without drift
whose column counts equal numpy's binning at the profile's edges; a shifted
stream (column a moved by 2 sd) drifts, names the column and labels the
deployment DRIFTED (shown by `mlmd show`); refusals: --drift require for a
model without a profile, `mlmd drift --store` on a serving execution whose
model has no profile and on an execution that does not serve, --drift with a
model file; a window below --drift-min-rows is recorded unjudged at the end.
"""

import csv
import json
import os
import re
import subprocess

import numpy as np
import pytest
import xgboost as xgb

import mlmd
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))


def run(*args, check=True):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  if check:
    assert res.returncode == 0, res.stderr
  return res


def write_csv(path, X):
  with open(path, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['a', 'b', 'c'])
    for r in X:
      w.writerow([repr(float(v)) for v in r])


@pytest.fixture(scope='module')
def data(tmp_path_factory):
  d = tmp_path_factory.mktemp('drift')
  rng = np.random.default_rng(11)
  X = rng.normal(size=(2000, 3)).astype(np.float32)
  y = (X[:, 0] + X[:, 1] > 0).astype(int)
  booster = xgb.train({'objective': 'binary:logistic', 'max_depth': 3, 'nthread': 1},
                      xgb.DMatrix(X, label=y), 8)
  booster.save_model(str(d / 'model.json'))
  booster.save_model(str(d / 'bare.json'))
  write_csv(d / 'train.csv', X)
  stable = rng.normal(size=(600, 3)).astype(np.float32)
  shifted = rng.normal(size=(600, 3)).astype(np.float32)
  shifted[:, 0] += 2.0
  write_csv(d / 'stable.csv', stable)
  write_csv(d / 'shifted.csv', shifted)
  return d, stable, shifted


@pytest.fixture
def store(data, tmp_path):
  d = data[0]
  uri = f'sqlite:{tmp_path / "d.db"}'
  model = int(run('--store', uri, 'model', 'add', '--name', 'm', str(d / 'model.json')).stdout.split()[-1])
  bare = int(run('--store', uri, 'model', 'add', '--name', 'bare', str(d / 'bare.json')).stdout.split()[-1])
  prof = json.loads(run('--store', uri, 'profile', '--artifact', str(model), '--input',
                        str(d / 'train.csv'), '--json').stdout)
  return uri, model, bare, prof


def score(uri, artifact, csv_path, *extra, check=True):
  res = run('--store', uri, 'score', '--artifact', str(artifact), '--input', str(csv_path),
            '--output', os.devnull, *extra, check=check)
  if not check:
    return res, None
  m = re.search(r'serving recorded as execution (\d+)', res.stderr)
  assert m, res.stderr
  return res, int(m.group(1))


def deployment_id(uri, name):
  cfg = metadata_store_pb2.ConnectionConfig()
  cfg.sqlite.filename_uri = uri[len('sqlite:'):]
  ms = metadata_store.MetadataStore(cfg)
  return ms.get_context_by_type_and_name('Deployment', name).id


def test_stable_then_shifted(data, store):
  d, stable, shifted = data
  uri, model, _, prof = store
  _, e1 = score(uri, model, d / 'stable.csv', '--drift', 'auto', '--deployment', 'live')
  out = json.loads(run('--store', uri, 'drift', '--store', uri, '--execution', str(e1), '--json').stdout)
  assert out['execution'] == e1 and len(out['windows']) == 1
  w = out['windows'][0]
  assert w['rows'] == 600 and w['drifted'] is False and w['judged'] is True
  assert w['model_artifact_id'] == model and w['profile_artifact_id'] == prof['profile_artifact_id']
  assert w['end_ms'] >= w['start_ms'] and w['max_psi'] < 0.2
  assert [c['name'] for c in w['columns']] == ['a', 'b', 'c']
  profile = mlmd.MlflowClient(uri).get_profile(model).profile
  for j, c in enumerate(w['columns']):
    edges = profile['columns'][j]['edges']
    want = np.bincount(np.searchsorted(edges, stable[:, j].astype(np.float64), side='left'), minlength=10)
    assert c['counts'] == want.tolist()
    assert c['kind'] == 'numeric' and c['n_current'] == 600 and c['missing_current'] == 0
    assert c['drift'] is False
  assert 'outputs' in w
  text = run('drift', '--store', uri, '--execution', str(e1)).stdout
  assert f'of serving execution {e1}: no drift' in text and 'rows 600' in text
  assert 'DRIFTED' not in run('--store', uri, 'show', 'context', str(deployment_id(uri, 'live'))).stdout

  _, e2 = score(uri, model, d / 'shifted.csv', '--deployment', 'live2', '--drift-min-rows', '500')
  out = json.loads(run('drift', '--store', uri, '--execution', str(e2), '--json').stdout)
  w = out['windows'][0]
  assert w['drifted'] is True and w['max_psi'] >= 0.2
  cols = {c['name']: c for c in w['columns']}
  assert cols['a']['drift'] is True and cols['a']['psi'] >= 0.2
  assert cols['b']['drift'] is False
  text = run('drift', '--store', uri, '--execution', str(e2)).stdout
  assert ': DRIFTED' in text and re.search(r'column\s+a\s+numeric .* drift yes', text)
  shown = run('--store', uri, 'show', 'context', str(deployment_id(uri, 'live2'))).stdout
  assert re.search(r'label\s+DRIFTED \(its own\): drift window %d of serving execution %d' % (
      w['artifact_id'], e2), shown), shown
  # Python: the same windows, the report parsed
  ws = mlmd.MlflowClient(uri).drift_windows(e2)
  assert len(ws) == 1 and ws[0].drifted and ws[0].artifact_id == w['artifact_id']
  assert ws[0].rows == 600 and ws[0].report['columns'][0]['name'] == 'a'
  assert mlmd.MlflowClient(uri).drift_windows(e1, last=1)[0].drifted is False


def test_refusals(data, store):
  d = data[0]
  uri, model, bare, prof = store
  res, _ = score(uri, bare, d / 'stable.csv', '--drift', 'require', check=False)
  assert res.returncode == 1 and f'model artifact {bare} has no reference profile' in res.stderr
  _, e = score(uri, bare, d / 'stable.csv')
  res = run('drift', '--store', uri, '--execution', str(e), check=False)
  assert res.returncode == 1
  assert res.stderr.strip() == (f'mlmd: serving execution {e} has no drift windows: model artifact {bare} has '
                                'no reference profile (record one with `mlmd profile`)')
  assert mlmd.MlflowClient(uri).drift_windows(e) == []
  res = run('drift', '--store', uri, '--execution', str(prof['execution_id']), check=False)
  assert res.returncode == 1 and 'not a serving execution' in res.stderr
  res = run('score', '--model', str(d / 'model.json'), '--input', str(d / 'stable.csv'), '--drift', 'off',
            check=False)
  assert res.returncode == 2
  res, _ = score(uri, model, d / 'stable.csv', '--drift', 'sometimes', check=False)
  assert res.returncode == 2


def test_short_window_is_recorded_unjudged(data, store):
  d = data[0]
  uri, model, _, _ = store
  _, e = score(uri, model, d / 'shifted.csv', '--drift-min-rows', '1000')
  out = json.loads(run('drift', '--store', uri, '--execution', str(e), '--json', '--all').stdout)
  assert len(out['windows']) == 1
  w = out['windows'][0]
  assert w['rows'] == 600 and w['judged'] is False and w['drifted'] is False
  assert 'not judged' in run('drift', '--store', uri, '--execution', str(e)).stdout


def test_profiles_from_memory_meet_float_inputs(data, tmp_path):
  """Profiles recorded from Python (float64 values, strings) against a model
  whose input is FLOAT: the scorer bins each value as the float the model
  receives, so the training rows served again count exactly the profile's
  bins even where decile edges sit on data values with one decimal (2.9 as a
  double lies below 2.9f); a categorical column given as the values' text
  finds its categories ("0.1", not the widened double's
  "0.10000000149011612"); and a numeric column the profile saw no value in
  is left out rather than counting every served value as missing."""
  d = data[0]
  rng = np.random.default_rng(5)
  X = np.round(rng.normal(3, 1, size=(1000, 3)), 1)
  X[:, 2] = np.round(rng.choice([0.1, 0.2, 0.7], size=1000), 1)
  booster = xgb.train({'objective': 'binary:logistic', 'max_depth': 2, 'nthread': 1},
                      xgb.DMatrix(X, label=(X[:, 0] > 3).astype(int)), 4)
  booster.save_model(str(tmp_path / 'm.json'))
  with open(tmp_path / 'train.csv', 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['a', 'b', 'c'])
    for r in X:
      w.writerow([f'{v:.1f}' for v in r])
  uri = f'sqlite:{tmp_path / "f.db"}'
  model = int(run('--store', uri, 'model', 'add', '--name', 'm', str(tmp_path / 'm.json')).stdout.split()[-1])
  c = mlmd.MlflowClient(uri)
  c.record_profile(model, {'a': X[:, 0], 'b': X[:, 1], 'c': [f'{v:.1f}' for v in X[:, 2]]})
  _, execution = score(uri, model, tmp_path / 'train.csv', '--drift', 'require')
  (window,) = json.loads(run('--store', uri, 'drift', '--store', uri, '--execution', str(execution),
                             '--json').stdout)['windows']
  cols = {col['name']: col for col in window['columns']}
  assert set(cols) == {'a', 'b', 'c'} and not window['drifted'], window
  for col in cols.values():
    assert col['psi'] == 0 and col['n_current'] == 1000 and col['missing_current'] == 0, col
  # a column with no value in the training rows: not monitored, instead of 1000 "missing" values
  c.record_profile(model, {'a': X[:, 0], 'b': [float('nan')] * 1000, 'c': X[:, 2]})
  _, execution = score(uri, model, tmp_path / 'train.csv', '--drift', 'require')
  (window,) = json.loads(run('--store', uri, 'drift', '--store', uri, '--execution', str(execution),
                             '--json').stdout)['windows']
  assert [col['name'] for col in window['columns']] == ['a', 'c'] and not window['drifted'], window

"""Scores real scikit-learn and XGBoost models with `mlmd score` and checks
the results against what scikit-learn and XGBoost predict themselves.

The models are trained and converted at test time (tests/scorer_models.py);
each is written to a temporary directory together with its input rows as
CSV, scored by the command-line tool, and compared: probabilities and
regression values within rtol 1e-5, labels exactly, and XGBoost JSON models
bit for bit against Booster.inplace_predict.
"""

import csv
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import scorer_models as sm  # noqa: E402

sklearn = pytest.importorskip('sklearn')
xgb = pytest.importorskip('xgboost')

from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,  # noqa: E402
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get('MLMD_CLI', os.path.join(HERE, '..', '..', 'build', 'mlmd'))
RTOL = 1e-5


def write_csv(path, X):
  with open(path, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow([f'f{i}' for i in range(X.shape[1])])
    for row in X:
      # repr of the float32 value as a double is exact; NaN is an empty cell
      w.writerow(['' if math.isnan(v) else repr(float(v)) for v in row])


def score(model, X, tmp_path, extra=()):
  inp = tmp_path / 'in.csv'
  out = tmp_path / 'out.csv'
  write_csv(inp, X)
  source = ['--model', str(model)] if model is not None else []
  res = subprocess.run([CLI, 'score', *source, '--input', str(inp), '--output', str(out), *extra],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  with open(out, newline='') as f:
    rows = list(csv.reader(f))
  header, body = rows[0], rows[1:]
  assert len(body) == len(X)
  cols = {}
  for j, name in enumerate(header):
    cols[name] = [r[j] for r in body]
  return cols


def floats(col):
  return np.array([float(v) for v in col])


def columns(cols, prefix, labels):
  return np.stack([floats(cols[f'{prefix}_{c}']) for c in labels], axis=1)


def close(got, want, rtol=RTOL, atol=1e-6):
  np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.fixture(scope='module')
def reg_data():
  X, y = sm.data(n=500, f=6, seed=1)
  return X, y


def test_decision_tree_regressor(tmp_path, reg_data):
  X, y = reg_data
  est = DecisionTreeRegressor(max_depth=12, random_state=0).fit(X, y)
  model = sm.tree_regressor(est, X.shape[1], tmp_path / 'm.onnx')
  cols = score(model, X, tmp_path)
  close(floats(cols['variable']), est.predict(X))


def test_random_forest_regressor_average(tmp_path, reg_data):
  X, y = reg_data
  est = RandomForestRegressor(n_estimators=30, max_depth=8, random_state=0).fit(X, y)
  model = sm.tree_regressor(est, X.shape[1], tmp_path / 'm.onnx', aggregate='AVERAGE')
  cols = score(model, X, tmp_path)
  close(floats(cols['variable']), est.predict(X))


def test_gradient_boosting_regressor(tmp_path, reg_data):
  X, y = reg_data
  est = GradientBoostingRegressor(n_estimators=60, max_depth=4, learning_rate=0.1, random_state=0).fit(X, y)
  base = float(est._raw_predict_init(X[:1])[0, 0])
  model = sm.tree_regressor(est, X.shape[1], tmp_path / 'm.onnx', scale=est.learning_rate, base=base)
  cols = score(model, X, tmp_path)
  close(floats(cols['variable']), est.predict(X))


@pytest.mark.parametrize('kind', ['tree', 'forest', 'gb_binary', 'gb_multi'])
def test_tree_classifiers(tmp_path, reg_data, kind):
  X, y = reg_data
  k = 2 if kind == 'gb_binary' else 3
  yc = sm.classes(y, k)
  if kind == 'tree':
    est = DecisionTreeClassifier(max_depth=10, random_state=0).fit(X, yc)
  elif kind == 'forest':
    est = RandomForestClassifier(n_estimators=25, max_depth=7, random_state=0).fit(X, yc)
  else:
    est = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0).fit(X, yc)
  labels = [int(c) for c in est.classes_]
  model = sm.tree_classifier(est, X.shape[1], tmp_path / 'm.onnx', labels, gb=kind.startswith('gb'))
  cols = score(model, X, tmp_path)
  proba = est.predict_proba(X)
  got = columns(cols, 'probabilities', labels)
  close(got, proba)
  # labels: where sklearn's top two probabilities are not (nearly) tied, ours agree
  top = np.sort(proba, axis=1)
  clear = top[:, -1] - top[:, -2] > 1e-5
  assert clear.sum() > len(X) * 0.5
  np.testing.assert_array_equal(np.array([int(v) for v in cols['label']])[clear], est.predict(X)[clear])


@pytest.mark.parametrize('matmul', [False, True])
def test_linear_regression(tmp_path, reg_data, matmul):
  X, y = reg_data
  est = LinearRegression().fit(X, y)
  model = sm.linear_regressor(est, X.shape[1], tmp_path / 'm.onnx', matmul=matmul)
  cols = score(model, X, tmp_path)
  # coefficients are float32 in the model: compare with the same coefficients in double
  want = X.astype(np.float64) @ est.coef_.astype(np.float32).astype(np.float64) + np.float32(est.intercept_)
  close(floats(cols['variable']), want, atol=1e-5)
  close(floats(cols['variable']), est.predict(X), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('k', [2, 3])
def test_logistic_regression_pipeline(tmp_path, k):
  X, y = sm.data(n=400, f=5, seed=2, missing=0.05)
  yc = sm.classes(np.nan_to_num(y), k)
  imp = SimpleImputer(strategy='mean').fit(X)
  sc = StandardScaler().fit(imp.transform(X))
  Xt = sc.transform(imp.transform(X)).astype(np.float32)
  est = LogisticRegression(max_iter=500).fit(Xt, yc)
  model = sm.logistic(est, X.shape[1], tmp_path / 'm.onnx', scaler=sc, imputer=imp)
  cols = score(model, X, tmp_path)
  labels = [int(c) for c in est.classes_]
  # sklearn on the same float32 pipeline arithmetic
  Xi = np.where(np.isnan(X), imp.statistics_.astype(np.float32), X)
  Xs = ((Xi - sc.mean_.astype(np.float32)) * (1.0 / sc.scale_).astype(np.float32)).astype(np.float32)
  proba = est.predict_proba(Xs)
  close(columns(cols, 'probabilities', labels), proba, rtol=1e-4, atol=1e-5)
  top = np.sort(proba, axis=1)
  clear = top[:, -1] - top[:, -2] > 1e-4
  np.testing.assert_array_equal(np.array([int(v) for v in cols['label']])[clear], est.predict(Xs)[clear])


def test_mlp_classifier(tmp_path):
  X, y = sm.data(n=400, f=6, seed=3)
  yc = sm.classes(y, 3)
  est = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0).fit(X, yc)
  model = sm.mlp_classifier(est, X.shape[1], tmp_path / 'm.onnx')
  cols = score(model, X, tmp_path)
  proba = est.predict_proba(X)
  close(columns(cols, 'probabilities', [0, 1, 2]), proba, rtol=1e-4, atol=1e-5)
  top = np.sort(proba, axis=1)
  clear = top[:, -1] - top[:, -2] > 1e-4
  np.testing.assert_array_equal(np.array([int(v) for v in cols['index']])[clear], est.predict(X)[clear])


XGB_CASES = [
    ('reg:squarederror', 1),
    ('binary:logistic', 2),
    ('multi:softprob', 3),
]


def xgb_model(objective, k, seed=4):
  X, y = sm.data(n=600, f=8, seed=seed, missing=0.12)
  yt = y if k == 1 else sm.classes(np.nan_to_num(y), k)
  params = {'objective': objective, 'max_depth': 5, 'eta': 0.3, 'nthread': 1, 'seed': 0}
  if objective.startswith('multi'):
    params['num_class'] = k
  booster = xgb.train(params, xgb.DMatrix(X, label=yt, missing=np.nan), num_boost_round=25)
  return X, booster


@pytest.mark.parametrize('objective,k', XGB_CASES)
def test_xgboost_json_bit_identical(tmp_path, objective, k):
  X, booster = xgb_model(objective, k)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  want = booster.inplace_predict(X)
  cols = score(path, X, tmp_path)
  if k >= 3:
    got = columns(cols, 'probabilities', list(range(k))).astype(np.float32)
  else:
    got = floats(cols['predictions']).astype(np.float32)
  assert np.isnan(X).any()
  # bit for bit, not merely close
  assert got.tobytes() == want.astype(np.float32).tobytes(), np.max(np.abs(got - want))


@pytest.mark.parametrize('objective,k', XGB_CASES)
def test_xgboost_as_onnx(tmp_path, objective, k):
  X, booster = xgb_model(objective, k, seed=5)
  model = sm.xgboost_to_onnx(booster, X.shape[1], tmp_path / 'm.onnx', objective, n_classes=1 if k <= 2 else k)
  want = booster.inplace_predict(X).reshape(len(X), -1)
  cols = score(model, X, tmp_path)
  if want.shape[1] == 1:
    got = floats(cols['prediction']).reshape(-1, 1)
  else:
    got = np.stack([floats(cols[f'prediction_{i}']) for i in range(want.shape[1])], axis=1)
  close(got, want, rtol=RTOL, atol=1e-5)


def test_columns_option_and_errors(tmp_path):
  X, booster = xgb_model('reg:squarederror', 1)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  # extra columns, selected and reordered with --columns
  inp = tmp_path / 'wide.csv'
  names = [f'f{i}' for i in range(X.shape[1])]
  with open(inp, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['id'] + names[::-1])
    for i, row in enumerate(X[:20]):
      w.writerow([i] + ['' if math.isnan(v) else repr(float(v)) for v in row[::-1]])
  res = subprocess.run([CLI, 'score', '--model', str(path), '--input', str(inp), '--columns', ','.join(names)],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  got = np.array([float(line) for line in res.stdout.splitlines()[1:]], dtype=np.float32)
  assert got.tobytes() == booster.inplace_predict(X[:20]).astype(np.float32).tobytes()
  # all 9 columns for an 8-feature model: a count mismatch is an error (exit 1)
  res = subprocess.run([CLI, 'score', '--model', str(path), '--input', str(inp)], capture_output=True, text=True)
  assert res.returncode == 1
  assert 'takes 8 features' in res.stderr and '9 column' in res.stderr
  # an unknown column name
  res = subprocess.run([CLI, 'score', '--model', str(path), '--input', str(inp), '--columns', 'f0,nope'],
                       capture_output=True, text=True)
  assert res.returncode == 1 and "no column 'nope'" in res.stderr
  # bad usage: exit 2
  res = subprocess.run([CLI, 'score', '--input', str(inp)], capture_output=True, text=True)
  assert res.returncode == 2 and '--model' in res.stderr
  # a cell that is not a number names the line and column
  bad = tmp_path / 'bad.csv'
  bad.write_text(','.join(names) + '\n' + ','.join(['1'] * 7 + ['x']) + '\n')
  res = subprocess.run([CLI, 'score', '--model', str(path), '--input', str(bad)], capture_output=True, text=True)
  assert res.returncode == 1 and "column 'f7'" in res.stderr and ':2:' in res.stderr


def test_model_info_json(tmp_path):
  X, booster = xgb_model('multi:softprob', 3)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  res = subprocess.run([CLI, 'model', 'info', str(path), '--json'], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  info = json.loads(res.stdout)
  assert info['format'] == 'xgboost-json'
  assert info['inputs'][0]['shape'] == ['N', 8]
  assert info['outputs'][0]['labels'] == [0, 1, 2]
  assert info['metadata']['objective'] == 'multi:softprob'
  assert info['metadata']['num_trees'] == '75'


def test_cli_model_add_and_score_from_store(tmp_path):
  """`mlmd model add` records a model with its digest; `mlmd score --store
  --artifact` serves it verified and records the run; a changed file is
  refused."""
  from ml_metadata.metadata_store import metadata_store
  from ml_metadata.proto import metadata_store_pb2
  X, booster = xgb_model('multi:softprob', 3)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  db = tmp_path / 'store.db'
  res = subprocess.run([CLI, 'model', 'add', '--store', f'sqlite:{db}', '--name', 'churn', str(path)],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  artifact_id = int(res.stdout)
  from_file = score(path, X, tmp_path)
  from_store = score(None, X, tmp_path, ['--store', f'sqlite:{db}', '--artifact', str(artifact_id),
                                         '--deployment', 'staging'])
  assert from_file == from_store
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(db)
  store = metadata_store.MetadataStore(config)
  [model] = store.get_artifacts_by_id([artifact_id])
  assert model.properties['format'].string_value == 'xgboost-json'
  assert model.properties['digest'].string_value.startswith('sha256:')
  [run] = store.get_executions_by_type('ModelServing')
  assert run.properties['rows'].int_value == len(X)
  assert run.properties['deployment'].string_value == 'staging'
  assert run.last_known_state == metadata_store_pb2.Execution.COMPLETE
  counts = json.loads(run.properties['class_counts'].string_value)
  assert sum(counts.values()) == len(X)
  [ev] = store.get_events_by_execution_ids([run.id])
  assert ev.artifact_id == artifact_id and ev.type == metadata_store_pb2.Event.INPUT
  # the file changes: refused with both digests, exit status 1
  booster2 = xgb_model('multi:softprob', 3, seed=9)[1]
  booster2.save_model(str(path))
  res = subprocess.run([CLI, 'score', '--store', f'sqlite:{db}', '--artifact', str(artifact_id), '--input',
                        str(tmp_path / 'in.csv')], capture_output=True, text=True)
  assert res.returncode == 1
  assert 'the artifact records sha256:' in res.stderr and 'has digest sha256:' in res.stderr

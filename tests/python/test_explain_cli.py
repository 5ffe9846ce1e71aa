"""`mlmd explain` on real models: scikit-learn LinearRegression and
LogisticRegression exported to ONNX (tests/scorer_models.py), compared with
w . (x - mean) computed here with numpy from the estimators' own
coefficients (a StandardScaler folded in); the header's names, K classes, --background, --threads giving
the same bytes, refusals and exit statuses; and an XGBoost model whose
contributions add up to its output_margin.
"""

import csv
import math
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
import scorer_models as sm  # noqa: E402

sklearn = pytest.importorskip('sklearn')
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get('MLMD_CLI', os.path.join(HERE, '..', '..', 'build', 'mlmd'))
NAMES = ['age', 'income', 'score', 'tenure']


def write_csv(path, X, names=NAMES):
  with open(path, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(names)
    for row in X:
      w.writerow(['' if math.isnan(v) else repr(float(v)) for v in row])


def explain(tmp_path, model, X, *extra, expect=0):
  inp, out = tmp_path / 'in.csv', tmp_path / 'out.csv'
  write_csv(inp, X)
  res = subprocess.run([CLI, 'explain', '--model', str(model), '--input', str(inp), '--output', str(out), *extra],
                       capture_output=True, text=True)
  assert res.returncode == expect, res.stderr
  if expect:
    return res.stderr
  with open(out, newline='') as f:
    rows = list(csv.reader(f))
  body = np.array([[float(v) if v else np.nan for v in r] for r in rows[1:]])
  assert len(body) == len(X)
  return rows[0], body, out.read_bytes()


def f32(a):
  """The values as the model reads them (its input is FLOAT), in double."""
  return np.asarray(a, dtype=np.float32).astype(np.float64)


def test_linear_regression_against_numpy(tmp_path):
  X, y = sm.data(300, 4, seed=3)
  est = LinearRegression().fit(X, y)
  model = sm.linear_regressor(est, 4, tmp_path / 'lin.onnx')
  w, b = f32(est.coef_), float(np.float32(est.intercept_))
  x = f32(X[:40])
  # no background: means 0
  header, got, _ = explain(tmp_path, model, X[:40])
  assert header == [f'contrib_{n}' for n in NAMES] + ['contrib_bias']
  np.testing.assert_allclose(got[:, :4], x * w, rtol=1e-12, atol=1e-12)
  np.testing.assert_allclose(got[:, 4], b, rtol=1e-12)
  # with a background: its column means
  bg = X[100:300]
  write_csv(tmp_path / 'bg.csv', bg)
  header, got, _ = explain(tmp_path, model, X[:40], '--background', str(tmp_path / 'bg.csv'))
  mean = f32(bg).mean(axis=0)
  np.testing.assert_allclose(got[:, :4], (x - mean) * w, rtol=1e-9, atol=1e-12)
  np.testing.assert_allclose(got[:, 4], b + mean @ w, rtol=1e-12)
  # additivity: bias + contributions = the margin = sklearn's prediction (float32 weights)
  margin = got.sum(axis=1)
  np.testing.assert_allclose(margin, x @ w + b, rtol=1e-12, atol=1e-12)
  np.testing.assert_allclose(margin, est.predict(X[:40]), rtol=1e-4, atol=1e-4)


def test_logistic_k_classes_names_and_margins(tmp_path):
  X, y = sm.data(300, 4, seed=4)
  est = LogisticRegression(max_iter=1000).fit(X, sm.classes(y, 3))
  model = sm.logistic(est, 4, tmp_path / 'lr.onnx')
  write_csv(tmp_path / 'bg.csv', X[:200])
  header, got, _ = explain(tmp_path, model, X[200:260], '--background', str(tmp_path / 'bg.csv'))
  want_header = [f'contrib_{k}_{n}' for k in (0, 1, 2) for n in NAMES + ['bias']]
  assert header == want_header
  W, b = f32(est.coef_), f32(est.intercept_)
  mean = f32(X[:200]).mean(axis=0)
  x = f32(X[200:260])
  for k in range(3):
    part = got[:, k * 5:(k + 1) * 5]
    np.testing.assert_allclose(part[:, :4], (x - mean) * W[k], rtol=1e-9, atol=1e-12)
    # the margins are sklearn's decision_function; their softmax its probabilities
    np.testing.assert_allclose(part.sum(axis=1), x @ W[k] + b[k], rtol=1e-12, atol=1e-12)
  margins = np.stack([got[:, k * 5:(k + 1) * 5].sum(axis=1) for k in range(3)], axis=1)
  np.testing.assert_allclose(margins, est.decision_function(X[200:260]), rtol=1e-4, atol=1e-4)


def test_binary_logistic_has_one_margin(tmp_path):
  X, y = sm.data(200, 4, seed=5)
  est = LogisticRegression(max_iter=1000).fit(X, (y > np.median(y)).astype(int))
  model = sm.logistic(est, 4, tmp_path / 'lr2.onnx')
  header, got, _ = explain(tmp_path, model, X[:30])
  assert header == [f'contrib_{n}' for n in NAMES] + ['contrib_bias']
  np.testing.assert_allclose(got.sum(axis=1), est.decision_function(X[:30]), rtol=1e-4, atol=1e-4)


def test_standard_scaler_is_folded(tmp_path):
  X, y = sm.data(300, 4, seed=10)
  sc = StandardScaler().fit(X)
  est = LogisticRegression(max_iter=1000).fit(sc.transform(X), sm.classes(y, 3))
  model = sm.logistic(est, 4, tmp_path / 'scaled.onnx', scaler=sc)
  write_csv(tmp_path / 'bg.csv', X[:200])
  header, got, _ = explain(tmp_path, model, X[200:250], '--background', str(tmp_path / 'bg.csv'))
  assert header[:5] == [f'contrib_0_{n}' for n in NAMES] + ['contrib_0_bias']
  # the contributions of the raw inputs: coef_i / scale_i (x_i - mean_i)
  W = f32(est.coef_) * f32(1.0 / sc.scale_)
  mean, x = f32(X[:200]).mean(axis=0), f32(X[200:250])
  for k in range(3):
    np.testing.assert_allclose(got[:, k * 5:k * 5 + 4], (x - mean) * W[k], rtol=1e-9, atol=1e-12)
  margins = np.stack([got[:, k * 5:(k + 1) * 5].sum(axis=1) for k in range(3)], axis=1)
  np.testing.assert_allclose(margins, est.decision_function(sc.transform(X[200:250])), rtol=1e-4, atol=1e-4)


def test_threads_give_the_same_bytes(tmp_path):
  X, y = sm.data(2000, 4, seed=6)
  est = LogisticRegression(max_iter=1000).fit(X, sm.classes(y, 3))
  model = sm.logistic(est, 4, tmp_path / 'lr.onnx')
  _, _, one = explain(tmp_path, model, X, '--threads', '1')
  _, _, four = explain(tmp_path, model, X, '--threads', '4', '--batch', '333')
  _, _, seven = explain(tmp_path, model, X, '--threads', '7', '--batch', '5')
  assert one == four == seven


def test_columns_and_missing_values(tmp_path):
  X, y = sm.data(100, 4, seed=7)
  est = LinearRegression().fit(X[:, [3, 1, 0, 2]], y)
  model = sm.linear_regressor(est, 4, tmp_path / 'lin.onnx')
  Xm = X[:10].copy()
  Xm[2, 1] = np.nan
  header, got, _ = explain(tmp_path, model, Xm, '--columns', 'tenure,income,age,score')
  assert header == ['contrib_tenure', 'contrib_income', 'contrib_age', 'contrib_score', 'contrib_bias']
  assert math.isnan(got[2, 1]) and not np.isnan(got[2, [0, 2, 3, 4]]).any()
  np.testing.assert_allclose(got[0, :4], f32(Xm[0, [3, 1, 0, 2]]) * f32(est.coef_), rtol=1e-12)


def test_refusals_and_usage(tmp_path):
  X, y = sm.data(200, 4, seed=8)
  # an MLP: not explained
  mlp = MLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0).fit(X, sm.classes(y, 2))
  model = sm.mlp_classifier(mlp, 4, tmp_path / 'mlp.onnx')
  err = explain(tmp_path, model, X[:5], expect=1)
  assert "model '" in err and 'explanations need a tree ensemble or a linear model' in err
  assert "its output comes from node" in err
  # an Imputer in front of the linear model: named
  imp = SimpleImputer().fit(X)
  est = LogisticRegression(max_iter=1000).fit(X, sm.classes(y, 2))
  model = sm.logistic(est, 4, tmp_path / 'imputed.onnx', imputer=imp)
  err = explain(tmp_path, model, X[:5], expect=1)
  assert '(ai.onnx.ml::Imputer) lies between the model' in err
  # usage errors
  lin = sm.linear_regressor(LinearRegression().fit(X, y), 4, tmp_path / 'lin.onnx')
  for args in (['--threads', '0'], ['--batch', 'x'], ['--bogus'], []):
    res = subprocess.run([CLI, 'explain', *(['--model', str(lin)] if args else []), *args],
                         capture_output=True, text=True)
    assert res.returncode == 2, (args, res.stderr)
  # a background with other columns; a missing file
  write_csv(tmp_path / 'bad.csv', X[:5, :3], names=NAMES[:3])
  err = explain(tmp_path, lin, X[:5], '--background', str(tmp_path / 'bad.csv'), expect=1)
  assert 'takes 4 features' in err
  err = explain(tmp_path, tmp_path / 'nope.onnx', X[:5], expect=1)
  assert 'nope.onnx' in err


def test_xgboost_contributions_add_to_output_margin(tmp_path):
  xgb = pytest.importorskip('xgboost')
  X, y = sm.data(400, 4, seed=9, missing=0.05)
  booster = xgb.train({'max_depth': 4, 'eta': 0.3, 'objective': 'binary:logistic'},
                      xgb.DMatrix(X, label=(y > np.median(y)).astype(int)), num_boost_round=20)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  header, got, _ = explain(tmp_path, path, X[:50], '--threads', '3', '--batch', '7')
  assert header == [f'contrib_{n}' for n in NAMES] + ['contrib_bias']
  margin = booster.predict(xgb.DMatrix(X[:50]), output_margin=True)
  np.testing.assert_allclose(got.sum(axis=1), margin, rtol=1e-5, atol=1e-5)
  ref = booster.predict(xgb.DMatrix(X[:50]), pred_contribs=True)
  np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)


PMML = """<?xml version="1.0"?><PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header/>
<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
<DataField name="g" optype="categorical" dataType="string"><Value value="red"/><Value value="blue"/>
<Value value="green"/></DataField><DataField name="r" optype="continuous" dataType="double"/></DataDictionary>
<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/><MiningField name="g"/>
<MiningField name="r" usageType="predicted"/></MiningSchema><RegressionTable intercept="1">
<NumericPredictor name="x" coefficient="2"/><CategoricalPredictor name="g" value="red" coefficient="3"/>
<CategoricalPredictor name="g" value="blue" coefficient="-1"/></RegressionTable></RegressionModel></PMML>"""


def test_pmml_regression_with_a_categorical_field(tmp_path):
  model = tmp_path / 'reg.pmml'
  model.write_text(PMML)
  (tmp_path / 'in.csv').write_text('g,x\nred,1\nblue,2\n,3\n')
  (tmp_path / 'bg.csv').write_text('x,g\n1,red\n3,blue\n2,green\n')
  res = subprocess.run([CLI, 'explain', '--model', str(model), '--input', str(tmp_path / 'in.csv'),
                        '--background', str(tmp_path / 'bg.csv')], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  rows = list(csv.reader(res.stdout.splitlines()))
  assert rows[0] == ['contrib_x', 'contrib_g', 'contrib_bias']
  # means: x 2; g's coefficient over the background (3 - 1 + 0) / 3
  mean_g = 2 / 3
  bias = 1 + 2 * 2 + mean_g
  want = [[2 * (1 - 2), 3 - mean_g, bias], [2 * (2 - 2), -1 - mean_g, bias]]
  for got, w in zip(rows[1:3], want):
    np.testing.assert_allclose([float(v) for v in got], w, rtol=1e-15)
  assert rows[3][1] == '' and float(rows[3][0]) == 2 * (3 - 2)  # g missing: an empty cell

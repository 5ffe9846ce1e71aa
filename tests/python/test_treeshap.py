"""TreeSHAP (mlmd_explainer, method tree_path_dependent) against XGBoost's
own pred_contribs, on models trained here with python3-xgboost.

The explainer is called through ctypes on the library the Python package
loads (ml_metadata._native). Every model has 20 features and NaN missing
values in training and in the rows explained. Checks:
 - contributions and bias equal Booster.predict(pred_contribs=True) within
   1e-5 of the margins' scale (XGBoost computes in float32);
 - additivity: bias + sum of contributions = the margin, 1e-6 relative, in
   double, and the margin equals predict(output_margin=True);
 - feature names (XGBoost feature_names, else input_<j>) and output labels;
 - the same trees as a PMML MiningModel of TreeModels with recordCount =
   cover (converted here) give the same contributions;
 - the same trees as an ONNX TreeEnsembleRegressor: refused without a
   background sample, and with the training rows as background the counted
   covers are XGBoost's (hessian = count for squared error with the exact
   tree method), so the contributions agree.
"""

import ctypes
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

xgb = pytest.importorskip('xgboost')

from ml_metadata._native import lib  # noqa: E402

F = 20
FAILED_PRECONDITION = 9


class Tensor(ctypes.Structure):
  _fields_ = [('dtype', ctypes.c_int), ('rank', ctypes.c_int), ('dims', ctypes.c_int64 * 8),
              ('data', ctypes.c_void_p), ('capacity', ctypes.c_size_t)]


P = ctypes.c_void_p
lib.mlmd_model_load_file.argtypes = [ctypes.POINTER(P), ctypes.c_char_p]
lib.mlmd_model_free.argtypes = [P]
lib.mlmd_score_ctx_new.argtypes = [ctypes.POINTER(P)]
lib.mlmd_score_ctx_free.argtypes = [P]
lib.mlmd_error_message.restype = ctypes.c_char_p
lib.mlmd_explainer_new.argtypes = [ctypes.POINTER(P), P, ctypes.POINTER(Tensor), ctypes.c_size_t]
lib.mlmd_explainer_free.argtypes = [P]
lib.mlmd_explainer_method.argtypes = [P]
lib.mlmd_explainer_method.restype = ctypes.c_char_p
lib.mlmd_explainer_feature_count.argtypes = [P]
lib.mlmd_explainer_feature_count.restype = ctypes.c_size_t
lib.mlmd_explainer_feature_name.argtypes = [P, ctypes.c_size_t]
lib.mlmd_explainer_feature_name.restype = ctypes.c_char_p
lib.mlmd_explainer_output_count.argtypes = [P]
lib.mlmd_explainer_output_count.restype = ctypes.c_size_t
lib.mlmd_explainer_output_label.argtypes = [P, ctypes.c_size_t]
lib.mlmd_explainer_output_label.restype = ctypes.c_char_p
lib.mlmd_explainer_explain.argtypes = [P, P, ctypes.POINTER(Tensor), ctypes.c_size_t,
                                       ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                                       ctypes.POINTER(ctypes.c_double)]


def tensor(X):
  X = np.ascontiguousarray(X, dtype=np.float32)
  t = Tensor(dtype=1, rank=2, data=X.ctypes.data)
  t.dims[0], t.dims[1] = X.shape
  return t, X


class Explained:
  """An explainer over a model file (and an optional background)."""

  def __init__(self, path, background=None):
    self.model, self.ctx, self.e = P(), P(), P()
    assert lib.mlmd_model_load_file(ctypes.byref(self.model), str(path).encode()) == 0, lib.mlmd_error_message()
    assert lib.mlmd_score_ctx_new(ctypes.byref(self.ctx)) == 0
    bg, keep = (tensor(background) if background is not None else (None, None))
    self.rc = lib.mlmd_explainer_new(ctypes.byref(self.e), self.model, ctypes.byref(bg) if bg else None,
                                     1 if bg else 0)
    self.error = lib.mlmd_error_message().decode() if self.rc else None
    del keep

  def close(self):
    if self.e:
      lib.mlmd_explainer_free(self.e)
    lib.mlmd_score_ctx_free(self.ctx)
    lib.mlmd_model_free(self.model)

  @property
  def features(self):
    return [lib.mlmd_explainer_feature_name(self.e, i).decode()
            for i in range(lib.mlmd_explainer_feature_count(self.e))]

  @property
  def labels(self):
    k = lib.mlmd_explainer_output_count(self.e)
    return [lib.mlmd_explainer_output_label(self.e, i) for i in range(k)]

  def explain(self, X):
    t, keep = tensor(X)
    n, K, nf = len(X), lib.mlmd_explainer_output_count(self.e), lib.mlmd_explainer_feature_count(self.e)
    out = np.zeros(n * K * (nf + 1))
    margins = np.zeros(n * K)
    dp = ctypes.POINTER(ctypes.c_double)
    rc = lib.mlmd_explainer_explain(self.e, self.ctx, ctypes.byref(t), 1, out.ctypes.data_as(dp), out.size,
                                    margins.ctypes.data_as(dp))
    assert rc == 0, lib.mlmd_error_message()
    del keep
    return out.reshape(n, K, nf + 1), margins.reshape(n, K)


def data(seed, n=600):
  rng = np.random.RandomState(seed)
  X = rng.uniform(-2, 2, size=(n, F)).astype(np.float32)
  X[rng.uniform(size=X.shape) < 0.05] = np.nan
  z = np.nan_to_num(X)
  y = np.sin(2 * z[:, 0]) + z[:, 1] * z[:, 2] + np.abs(z[:, 3]) - z[:, 4] ** 2 + 0.3 * z[:, 5:10].sum(axis=1)
  return X, y


def train(objective, seed=0, rounds=30, depth=6, **extra):
  X, y = data(seed)
  params = {'objective': objective, 'max_depth': depth, 'eta': 0.2, 'nthread': 1, 'seed': seed,
            'base_score': 0.3 if objective != 'multi:softprob' else 0.5}
  if objective == 'binary:logistic':
    y = (y > np.median(y)).astype(np.float32)
  elif objective == 'multi:softprob':
    y = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3])).astype(np.float32)
    params['num_class'] = 3
  params.update(extra)
  d = xgb.DMatrix(X, label=y, missing=np.nan)
  return xgb.train(params, d, num_boost_round=rounds), X


def reference(booster, X):
  d = xgb.DMatrix(X, missing=np.nan, feature_names=booster.feature_names)
  c = booster.predict(d, pred_contribs=True).astype(np.float64)
  m = booster.predict(d, output_margin=True).astype(np.float64)
  if c.ndim == 2:
    c, m = c[:, None, :], m[:, None]
  return c, m


def check_against_xgboost(ours, margins, booster, X):
  want, want_m = reference(booster, X)
  assert ours.shape == want.shape
  scale = max(1.0, float(np.abs(want_m).max()))
  np.testing.assert_allclose(ours, want, rtol=0, atol=1e-5 * scale)
  np.testing.assert_allclose(margins, want_m, rtol=0, atol=1e-5 * scale)
  # additivity, in double: bias + contributions = the margin the model computes
  np.testing.assert_allclose(ours.sum(axis=2), margins, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize('objective,depth,K', [('reg:squarederror', 6, 1), ('binary:logistic', 4, 1),
                                               ('multi:softprob', 6, 3)])
def test_xgboost_json(tmp_path, objective, depth, K):
  booster, X = train(objective, depth=depth)
  path = tmp_path / 'm.json'
  booster.save_model(str(path))
  ex = Explained(path)
  try:
    assert ex.rc == 0, ex.error
    assert lib.mlmd_explainer_method(ex.e) == b'tree_path_dependent'
    assert ex.features == ['input_%d' % j for j in range(F)]
    assert ex.labels == ([None] if K == 1 else [b'0', b'1', b'2'])
    rows = X[:200].copy()
    rows[::7, 3] = np.nan  # more missing values in the explained rows
    ours, margins = ex.explain(rows)
    check_against_xgboost(ours, margins, booster, rows)
    # one row at a time gives the same
    one, _ = ex.explain(rows[5:6])
    np.testing.assert_array_equal(one[0], ours[5])
  finally:
    ex.close()


def test_feature_names(tmp_path):
  X, y = data(3)
  names = ['feat_%s' % chr(ord('a') + j) for j in range(F)]
  booster = xgb.train({'objective': 'reg:squarederror', 'max_depth': 3, 'nthread': 1},
                      xgb.DMatrix(X, label=y, feature_names=names), num_boost_round=5)
  path = tmp_path / 'named.json'
  booster.save_model(str(path))
  ex = Explained(path)
  try:
    assert ex.rc == 0, ex.error
    assert ex.features == names
    ours, margins = ex.explain(X[:50])
    check_against_xgboost(ours, margins, booster, X[:50])
  finally:
    ex.close()


# ---- ONNX: the same trees, covers counted from a background sample -----------------------------

def test_onnx_background(tmp_path):
  onnx = pytest.importorskip('onnx')  # noqa: F841
  import scorer_models as sm
  booster, X = train('reg:squarederror', seed=5, rounds=20, depth=5, tree_method='exact')
  path = tmp_path / 'm.onnx'
  sm.xgboost_to_onnx(booster, F, str(path), 'reg:squarederror')
  ex = Explained(path)
  try:
    assert ex.rc == -FAILED_PRECONDITION
    assert 'ONNX tree ensembles carry no node covers: give a background sample (--background)' in ex.error
  finally:
    ex.close()
  ex = Explained(path, background=X)
  try:
    assert ex.rc == 0, ex.error
    assert ex.features == ['X_%d' % j for j in range(F)]
    rows = X[:100]
    ours, margins = ex.explain(rows)
    scale = max(1.0, float(np.abs(margins).max()))
    np.testing.assert_allclose(ours.sum(axis=2), margins, rtol=0, atol=1e-6 * scale)
    # squared error: every row's hessian is 1, so XGBoost's covers are the counts of training rows
    model = json.loads(booster.save_raw('json'))
    for t in model['learner']['gradient_booster']['model']['trees']:
      assert all(float(h) == int(h) for h in t['sum_hessian'])
    check_against_xgboost(ours, margins, booster, rows)
  finally:
    ex.close()
  # a background that reaches only part of the trees: still additive
  ex = Explained(path, background=X[:7])
  try:
    assert ex.rc == 0, ex.error
    ours, margins = ex.explain(X[100:150])
    np.testing.assert_allclose(ours.sum(axis=2), margins, rtol=0, atol=1e-6 * max(1.0, np.abs(margins).max()))
  finally:
    ex.close()


def test_onnx_multiclass_background(tmp_path):
  pytest.importorskip('onnx')
  import scorer_models as sm
  booster, X = train('multi:softprob', seed=6, rounds=10, depth=4)
  path = tmp_path / 'm3.onnx'
  sm.xgboost_to_onnx(booster, F, str(path), 'multi:softprob', n_classes=3)
  ex = Explained(path, background=X)
  try:
    assert ex.rc == 0, ex.error
    assert ex.labels == [b'0', b'1', b'2']
    ours, margins = ex.explain(X[:80])
    want_m = reference(booster, X[:80])[1]
    np.testing.assert_allclose(margins, want_m, rtol=0, atol=1e-5 * max(1.0, np.abs(want_m).max()))
    np.testing.assert_allclose(ours.sum(axis=2), margins, rtol=0, atol=1e-6 * max(1.0, np.abs(margins).max()))
  finally:
    ex.close()

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
import re
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
lib.mlmd_explainer_new.argtypes = [ctypes.POINTER(P), P, ctypes.c_void_p, ctypes.c_size_t]
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
lib.mlmd_explainer_explain.argtypes = [P, P, ctypes.c_void_p, ctypes.c_size_t,
                                       ctypes.POINTER(ctypes.c_double), ctypes.c_size_t,
                                       ctypes.POINTER(ctypes.c_double)]


def tensors(X, columns):
  """X as one FLOAT [N, F] tensor, or (columns) as F DOUBLE [N] tensors (PMML's inputs)."""
  if not columns:
    X = np.ascontiguousarray(X, dtype=np.float32)
    arr = (Tensor * 1)()
    arr[0].dtype, arr[0].rank, arr[0].data = 1, 2, X.ctypes.data
    arr[0].dims[0], arr[0].dims[1] = X.shape
    return arr, 1, [X]
  cols = [np.ascontiguousarray(X[:, j], dtype=np.float64) for j in range(X.shape[1])]
  arr = (Tensor * len(cols))()
  for j, c in enumerate(cols):
    arr[j].dtype, arr[j].rank, arr[j].data = 11, 1, c.ctypes.data
    arr[j].dims[0] = len(c)
  return arr, len(cols), cols


class Explained:
  """An explainer over a model file (and an optional background)."""

  def __init__(self, path, background=None, columns=False):
    self.model, self.ctx, self.e, self.columns = P(), P(), P(), columns
    assert lib.mlmd_model_load_file(ctypes.byref(self.model), str(path).encode()) == 0, lib.mlmd_error_message()
    assert lib.mlmd_score_ctx_new(ctypes.byref(self.ctx)) == 0
    bg, nbg, keep = tensors(background, columns) if background is not None else (None, 0, None)
    self.rc = lib.mlmd_explainer_new(ctypes.byref(self.e), self.model, bg, nbg)
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
    t, nt, keep = tensors(X, self.columns)
    n, K, nf = len(X), lib.mlmd_explainer_output_count(self.e), lib.mlmd_explainer_feature_count(self.e)
    out = np.zeros(n * K * (nf + 1))
    margins = np.zeros(n * K)
    dp = ctypes.POINTER(ctypes.c_double)
    rc = lib.mlmd_explainer_explain(self.e, self.ctx, t, nt, out.ctypes.data_as(dp), out.size,
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


# ---- PMML: the same trees as a MiningModel of TreeModels, recordCount = cover --------------------

def xgboost_to_pmml(booster, path, objective):
  """The booster's margin as a PMML regression MiningModel (sum) of TreeModels: the base score as a
  one-node constant segment, every XGBoost node with recordCount = its sum_hessian, splits as
  lessThan / greaterOrEqual, missing values to the default child."""
  model = json.loads(booster.save_raw('json'))
  learner = model['learner']
  base = float(learner['learner_model_param']['base_score'].strip('[]'))
  if objective == 'binary:logistic':
    base = float(-np.log(1.0 / np.float32(base) - 1.0))
  trees = learner['gradient_booster']['model']['trees']
  names = ['f%d' % j for j in range(F)]
  schema = ''.join('<MiningField name="%s"/>' % n for n in names) + '<MiningField name="y" usageType="target"/>'
  fl = lambda v: repr(float(np.float32(v)))

  def node(t, i, pred):
    l, r = t['left_children'][i], t['right_children'][i]
    cover = repr(float(t['sum_hessian'][i]))
    if l == -1:
      return '<Node id="%d" score="%s" recordCount="%s">%s</Node>' % (i, fl(t['split_conditions'][i]), cover, pred)
    f, thr = names[t['split_indices'][i]], fl(t['split_conditions'][i])
    dflt = l if t['default_left'][i] else r
    return '<Node id="%d" recordCount="%s" defaultChild="%d">%s%s%s</Node>' % (
        i, cover, dflt, pred,
        node(t, l, '<SimplePredicate field="%s" operator="lessThan" value="%s"/>' % (f, thr)),
        node(t, r, '<SimplePredicate field="%s" operator="greaterOrEqual" value="%s"/>' % (f, thr)))

  def tree_model(body):
    return ('<TreeModel functionName="regression" missingValueStrategy="defaultChild" '
            'noTrueChildStrategy="returnLastPrediction"><MiningSchema>%s</MiningSchema>%s</TreeModel>' % (schema, body))

  segs = ['<Segment id="base"><True/>%s</Segment>' % tree_model(
      '<Node id="0" score="%s"><True/></Node>' % repr(base))]
  for k, t in enumerate(trees):
    segs.append('<Segment id="%d"><True/>%s</Segment>' % (k, tree_model(node(t, 0, '<True/>'))))
  fields = ''.join('<DataField name="%s" optype="continuous" dataType="double"/>' % n for n in names)
  doc = ('<?xml version="1.0"?><PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'
         '<DataDictionary numberOfFields="%d">%s<DataField name="y" optype="continuous" dataType="double"/>'
         '</DataDictionary><MiningModel functionName="regression"><MiningSchema>%s</MiningSchema>'
         '<Segmentation multipleModelMethod="sum">%s</Segmentation></MiningModel></PMML>'
         % (F + 1, fields, schema, ''.join(segs)))
  with open(path, 'w') as f:
    f.write(doc)


@pytest.mark.parametrize('objective', ['reg:squarederror', 'binary:logistic'])
def test_pmml_mining_model(tmp_path, objective):
  booster, X = train(objective, seed=7, rounds=15, depth=6)
  path = tmp_path / 'm.pmml'
  xgboost_to_pmml(booster, str(path), objective)
  ex = Explained(path, columns=True)
  try:
    assert ex.rc == 0, ex.error
    assert ex.features == ['f%d' % j for j in range(F)]
    assert ex.labels == [None]
    rows = X[:150].copy()
    rows[::5, 0] = np.nan
    ours, margins = ex.explain(rows)
    check_against_xgboost(ours, margins, booster, rows)
  finally:
    ex.close()


def test_pmml_refusals(tmp_path):
  booster, _ = train('reg:squarederror', seed=8, rounds=2, depth=2)
  path = tmp_path / 'm.pmml'
  xgboost_to_pmml(booster, str(path), 'reg:squarederror')
  doc = open(path).read()
  cases = [
      # a node without recordCount, named
      (doc.replace('<Node id="1" recordCount=', '<Node id="1" x=', 1), "node '1': it has no recordCount"),
      # a negative recordCount, said so (hostile-input helper)
      (re.sub(r'<Node id="1" recordCount="[^"]*"', '<Node id="1" recordCount="-5"', doc, count=1),
       "node '1': its recordCount is negative"),
      # a strategy TreeSHAP does not follow
      (doc.replace('missingValueStrategy="defaultChild"', 'missingValueStrategy="weightedConfidence"', 1),
       'missingValueStrategy weightedConfidence'),
      # a compound predicate
      (re.sub(r'(<SimplePredicate [^>]*/>)(</Node>)', r'<CompoundPredicate booleanOperator="and"><True/>\1'
              r'</CompoundPredicate>\2', doc, count=1), 'CompoundPredicate'),
      # segments combined by a vote
      (doc.replace('multipleModelMethod="sum"', 'multipleModelMethod="median"'), 'other than sum'),
  ]
  for text, want in cases:
    bad = tmp_path / 'bad.pmml'
    bad.write_text(text)
    ex = Explained(bad, columns=True)
    try:
      assert ex.rc == -FAILED_PRECONDITION, (want, ex.rc, ex.error)
      assert want in ex.error
    finally:
      ex.close()


# ---- ONNX from scikit-learn: averaging, classifiers --------------------------------------------

def check_background_identities(ex, X, margins_want=None):
  """With covers counted from background X: bias = the mean margin over X, and additivity."""
  ours, margins = ex.explain(X)
  scale = max(1.0, float(np.abs(margins).max()))
  np.testing.assert_allclose(ours.sum(axis=2), margins, rtol=0, atol=1e-6 * scale)
  np.testing.assert_allclose(ours[0, :, -1], margins.mean(axis=0), rtol=0, atol=1e-9 * scale)
  if margins_want is not None:
    np.testing.assert_allclose(margins, margins_want, rtol=0, atol=1e-5 * scale)


def test_onnx_sklearn_forests(tmp_path):
  pytest.importorskip('onnx')
  sk = pytest.importorskip('sklearn.ensemble')
  import scorer_models as sm
  X, y = data(11, n=300)
  X = np.nan_to_num(X).astype(np.float32)
  # a random forest regressor: ONNX aggregate AVERAGE
  rf = sk.RandomForestRegressor(n_estimators=8, max_depth=5, bootstrap=False, max_features=0.5, random_state=0)
  rf.fit(X, y)
  path = tmp_path / 'rf.onnx'
  sm.tree_regressor(rf, F, str(path), aggregate='AVERAGE')
  ex = Explained(path, background=X)
  try:
    assert ex.rc == 0, ex.error
    check_background_identities(ex, X, rf.predict(X)[:, None])
  finally:
    ex.close()
  # a binary gradient boosting classifier: one margin (the raw score), no label
  yc = (y > np.median(y)).astype(int)
  gb = sk.GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, yc)
  path = tmp_path / 'gb.onnx'
  sm.tree_classifier(gb, F, str(path), [0, 1], gb=True)
  ex = Explained(path, background=X)
  try:
    assert ex.rc == 0, ex.error
    assert ex.labels == [None]
    check_background_identities(ex, X, gb.decision_function(X)[:, None])
  finally:
    ex.close()
  # a three-class random forest classifier: one margin per class (its probability), labelled
  y3 = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
  rfc = sk.RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X, y3)
  path = tmp_path / 'rfc.onnx'
  sm.tree_classifier(rfc, F, str(path), [0, 1, 2])
  ex = Explained(path, background=X[:100])
  try:
    assert ex.rc == 0, ex.error
    assert ex.labels == [b'0', b'1', b'2']
    check_background_identities(ex, X[:100], rfc.predict_proba(X[:100]))
  finally:
    ex.close()


# ---- PMML classification, multiway and set splits: a brute-force reference ---------------------

CLS_TREE = '''<?xml version="1.0"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary numberOfFields="4">
 <DataField name="a" optype="continuous" dataType="double"/>
 <DataField name="b" optype="continuous" dataType="double"/>
 <DataField name="c" optype="continuous" dataType="double"/>
 <DataField name="y" optype="categorical" dataType="string"><Value value="A"/><Value value="B"/><Value value="C"/></DataField>
</DataDictionary>
<TreeModel functionName="classification" missingValueStrategy="defaultChild" noTrueChildStrategy="returnLastPrediction">
 <MiningSchema><MiningField name="a"/><MiningField name="b"/><MiningField name="c"/>
  <MiningField name="y" usageType="target"/></MiningSchema>
 <Node id="r" recordCount="100" defaultChild="n3"><True/>
  <Node id="n1" recordCount="30"><SimplePredicate field="a" operator="lessThan" value="0"/>%s</Node>
  <Node id="n2" recordCount="20" defaultChild="n22">
   <SimpleSetPredicate field="a" booleanOperator="isIn"><Array n="2" type="real">1 2</Array></SimpleSetPredicate>
   <Node id="n21" recordCount="12"><SimplePredicate field="b" operator="lessOrEqual" value="0.5"/>%s</Node>
   <Node id="n22" recordCount="8"><SimplePredicate field="b" operator="greaterThan" value="0.5"/>%s</Node>
  </Node>
  <Node id="n3" recordCount="50"><SimplePredicate field="a" operator="greaterOrEqual" value="0"/>%s</Node>
 </Node>
</TreeModel></PMML>'''
LEAVES = {'n1': (0.7, 0.2, 0.1), 'n21': (0.1, 0.8, 0.1), 'n22': (0.3, 0.3, 0.4), 'n3': (0.2, 0.2, 0.6)}


def dist(p):
  return ''.join('<ScoreDistribution value="%s" recordCount="%g" probability="%r"/>' % (k, 10 * v, v)
                 for k, v in zip('ABC', p))


def cls_game(x, S):
  """E[probabilities | x_S] of CLS_TREE, walking as the scorer does (feature 0 = a, 1 = b)."""
  a, b = x[0], x[1]
  def n2():
    if 1 not in S:
      return (12 * np.array(LEAVES['n21']) + 8 * np.array(LEAVES['n22'])) / 20
    if np.isnan(b):
      return np.array(LEAVES['n22'])
    return np.array(LEAVES['n21'] if b <= 0.5 else LEAVES['n22'])
  if 0 not in S:
    return (30 * np.array(LEAVES['n1']) + 20 * n2() + 50 * np.array(LEAVES['n3'])) / 100
  if np.isnan(a):
    return np.array(LEAVES['n3'])
  if a < 0:
    return np.array(LEAVES['n1'])
  if a in (1.0, 2.0):
    return n2()
  return np.array(LEAVES['n3'])


def test_pmml_classification_multiway(tmp_path):
  path = tmp_path / 'cls.pmml'
  path.write_text(CLS_TREE % tuple(dist(LEAVES[k]) for k in ('n1', 'n21', 'n22', 'n3')))
  ex = Explained(path, columns=True)
  try:
    assert ex.rc == 0, ex.error
    assert ex.features == ['a', 'b', 'c']
    assert ex.labels == [b'A', b'B', b'C']
    rows = np.array([[-1, 0, 0], [1, 0.25, 5], [2, 3, 0], [2, np.nan, 1], [0.5, 0, 0], [np.nan, 0, 0],
                     [1, np.nan, np.nan]], dtype=np.float32)
    ours, margins = ex.explain(rows)
    for r, x in enumerate(rows):
      v = {S: cls_game(x, S) for S in [(), (0,), (1,), (0, 1)]}
      want_a = 0.5 * (v[(0,)] - v[()]) + 0.5 * (v[(0, 1)] - v[(1,)])
      want_b = 0.5 * (v[(1,)] - v[()]) + 0.5 * (v[(0, 1)] - v[(0,)])
      np.testing.assert_allclose(ours[r, :, 0], want_a, atol=1e-12)
      np.testing.assert_allclose(ours[r, :, 1], want_b, atol=1e-12)
      np.testing.assert_allclose(ours[r, :, 2], 0, atol=0)
      np.testing.assert_allclose(ours[r, :, 3], v[()], atol=1e-12)
      np.testing.assert_allclose(margins[r], v[(0, 1)], atol=1e-12)
  finally:
    ex.close()


# ---- through the command-line tool ---------------------------------------------------------------

CLI = os.environ.get('MLMD_CLI', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'mlmd'))


def write_csv(path, X):
  import csv
  with open(path, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['f%d' % j for j in range(X.shape[1])])
    for row in X:
      w.writerow(['' if np.isnan(v) else repr(float(v)) for v in row])


def test_cli_explain(tmp_path):
  import csv
  import subprocess
  booster, X = train('multi:softprob', seed=9, rounds=8, depth=6)
  model = tmp_path / 'm.json'
  booster.save_model(str(model))
  rows = X[:40]
  write_csv(tmp_path / 'in.csv', rows)
  res = subprocess.run([CLI, 'explain', '--model', str(model), '--input', str(tmp_path / 'in.csv'), '--threads', '2'],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  table = list(csv.reader(res.stdout.splitlines()))
  header, body = table[0], table[1:]
  assert header[:2] == ['contrib_0_f0', 'contrib_0_f1'] and header[F] == 'contrib_0_bias'
  assert len(header) == 3 * (F + 1) and len(body) == len(rows)
  got = np.array([[float(v) for v in r] for r in body]).reshape(len(rows), 3, F + 1)
  want, want_m = reference(booster, rows)
  np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * max(1.0, np.abs(want_m).max()))
  # an ONNX tree ensemble needs --background
  pytest.importorskip('onnx')
  import scorer_models as sm
  onnx_path = tmp_path / 'm.onnx'
  sm.xgboost_to_onnx(booster, F, str(onnx_path), 'multi:softprob', n_classes=3)
  res = subprocess.run([CLI, 'explain', '--model', str(onnx_path), '--input', str(tmp_path / 'in.csv')],
                       capture_output=True, text=True)
  assert res.returncode == 1
  assert 'ONNX tree ensembles carry no node covers: give a background sample (--background)' in res.stderr
  write_csv(tmp_path / 'bg.csv', X)
  res = subprocess.run([CLI, 'explain', '--model', str(onnx_path), '--input', str(tmp_path / 'in.csv'),
                        '--background', str(tmp_path / 'bg.csv')], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  body = list(csv.reader(res.stdout.splitlines()))[1:]
  got = np.array([[float(v) for v in r] for r in body]).reshape(len(rows), 3, F + 1)
  margins = booster.predict(xgb.DMatrix(rows), output_margin=True)
  np.testing.assert_allclose(got.sum(axis=2), margins, rtol=0, atol=1e-5 * max(1.0, np.abs(margins).max()))

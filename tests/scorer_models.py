"""Builds real models for the scorer tests: trains scikit-learn and XGBoost
models on small synthetic data and writes them as ONNX (converted here with
onnx.helper, since Debian has no converter package) or as XGBoost JSON.

Each builder returns (model_path, X, expected) where expected maps output
names to what scikit-learn / XGBoost themselves predict for X. Run with
Debian's /usr/bin/python3 (python3-sklearn, python3-xgboost, python3-onnx).
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ML = helper.make_opsetid('ai.onnx.ml', 3)
CORE = helper.make_opsetid('', 15)


def _save(graph, path, opsets=(CORE, ML)):
  model = helper.make_model(graph, opset_imports=list(opsets), producer_name='mlmd-tests')
  model.ir_version = 8
  onnx.checker.check_model(model)
  onnx.save(model, str(path))
  return str(path)


def _x_info(n_features, name='X', elem=TensorProto.FLOAT):
  return helper.make_tensor_value_info(name, elem, [None, n_features])


def data(n=400, f=6, seed=0, missing=0.0):
  rng = np.random.RandomState(seed)
  X = rng.uniform(-3, 3, size=(n, f)).astype(np.float32)
  # Some decimal-valued features, so rows sit exactly on tree thresholds.
  X[:, 0] = np.round(X[:, 0], 1)
  y = X[:, 0] * 2 + np.sin(X[:, 1]) * 3 + X[:, 2] * X[:, 3] + rng.normal(0, 0.1, n)
  if missing:
    X[rng.uniform(size=X.shape) < missing] = np.nan
  return X, y.astype(np.float64)


def classes(y, k):
  """Integer classes 0..k-1 from a continuous target, by quantile."""
  cuts = np.quantile(y, np.linspace(0, 1, k + 1)[1:-1])
  return np.searchsorted(cuts, y)


def _zipmap_type():
  """seq(map(int64, float)), ZipMap's output type (built by hand: onnx 1.12's
  helper has no map type constructor)."""
  t = onnx.TypeProto()
  m = t.sequence_type.elem_type.map_type
  m.key_type = TensorProto.INT64
  m.value_type.tensor_type.elem_type = TensorProto.FLOAT
  return t


# ---- trees -----------------------------------------------------------------------

def _tree_nodes(tree, tree_id, nodes):
  t = tree.tree_
  for i in range(t.node_count):
    leaf = t.children_left[i] == -1
    nodes['treeids'].append(tree_id)
    nodes['nodeids'].append(i)
    nodes['featureids'].append(0 if leaf else int(t.feature[i]))
    nodes['modes'].append('LEAF' if leaf else 'BRANCH_LEQ')
    nodes['values'].append(0.0 if leaf else float(t.threshold[i]))
    nodes['true'].append(0 if leaf else int(t.children_left[i]))
    nodes['false'].append(0 if leaf else int(t.children_right[i]))


def _new_nodes():
  return {k: [] for k in ('treeids', 'nodeids', 'featureids', 'modes', 'values', 'true', 'false')}


def _node_attrs(nodes):
  # Thresholds as doubles (sklearn's own), so the scorer has to keep them exact.
  return dict(
      nodes_treeids=nodes['treeids'], nodes_nodeids=nodes['nodeids'],
      nodes_featureids=nodes['featureids'], nodes_modes=nodes['modes'],
      nodes_values_as_tensor=numpy_helper.from_array(np.array(nodes['values'], dtype=np.float64)),
      nodes_truenodeids=nodes['true'], nodes_falsenodeids=nodes['false'])


def tree_regressor(est, n_features, path, aggregate='SUM', scale=1.0, base=None):
  """DecisionTree / RandomForest / GradientBoosting regressor -> TreeEnsembleRegressor."""
  trees = getattr(est, 'estimators_', None)
  if trees is None:
    trees = [est]
  trees = list(np.ravel(trees))
  nodes = _new_nodes()
  tt, tn, ti, tw = [], [], [], []
  for k, tr in enumerate(trees):
    _tree_nodes(tr, k, nodes)
    t = tr.tree_
    for i in range(t.node_count):
      if t.children_left[i] == -1:
        tt.append(k), tn.append(i), ti.append(0), tw.append(float(t.value[i, 0, 0]) * scale)
  attrs = _node_attrs(nodes)
  attrs.update(target_treeids=tt, target_nodeids=tn, target_ids=ti,
               target_weights_as_tensor=numpy_helper.from_array(np.array(tw, dtype=np.float64)),
               n_targets=1, aggregate_function=aggregate)
  if base is not None:
    attrs['base_values_as_tensor'] = numpy_helper.from_array(np.array([base], dtype=np.float64))
  node = helper.make_node('TreeEnsembleRegressor', ['X'], ['variable'], domain='ai.onnx.ml', **attrs)
  graph = helper.make_graph([node], 'trees', [_x_info(n_features)],
                            [helper.make_tensor_value_info('variable', TensorProto.FLOAT, [None, 1])])
  return _save(graph, path)


def tree_classifier(est, n_features, path, labels, gb=False):
  """DecisionTree / RandomForest classifier (probability leaves) or
  GradientBoosting classifier (raw scores + LOGISTIC/SOFTMAX) ->
  TreeEnsembleClassifier followed by ZipMap."""
  n_classes = len(labels)
  nodes = _new_nodes()
  ct, cn, ci, cw = [], [], [], []
  attrs = {}
  if gb:
    stages = est.estimators_  # [n_stages, K] (K = 1 for binary)
    k_cols = stages.shape[1]
    tid = 0
    for s in range(stages.shape[0]):
      for c in range(k_cols):
        tr = stages[s, c]
        _tree_nodes(tr, tid, nodes)
        t = tr.tree_
        for i in range(t.node_count):
          if t.children_left[i] == -1:
            ct.append(tid), cn.append(i), ci.append(1 if k_cols == 1 else c)
            cw.append(float(t.value[i, 0, 0]) * est.learning_rate)
        tid += 1
    raw0 = est._raw_predict_init(np.zeros((1, n_features), dtype=np.float32))[0]
    attrs['base_values_as_tensor'] = numpy_helper.from_array(np.array(raw0, dtype=np.float64))
    attrs['post_transform'] = 'LOGISTIC' if k_cols == 1 else 'SOFTMAX'
  else:
    trees = getattr(est, 'estimators_', None) or [est]
    for k, tr in enumerate(trees):
      _tree_nodes(tr, k, nodes)
      t = tr.tree_
      for i in range(t.node_count):
        if t.children_left[i] == -1:
          v = t.value[i, 0, :]
          p = v / v.sum()
          for c in range(n_classes):
            ct.append(k), cn.append(i), ci.append(c), cw.append(float(p[c]) / len(trees))
  attrs.update(_node_attrs(nodes))
  attrs.update(class_treeids=ct, class_nodeids=cn, class_ids=ci,
               class_weights_as_tensor=numpy_helper.from_array(np.array(cw, dtype=np.float64)),
               classlabels_int64s=[int(x) for x in labels])
  nodes_ = [
      helper.make_node('TreeEnsembleClassifier', ['X'], ['label', 'probs'], domain='ai.onnx.ml', **attrs),
      helper.make_node('ZipMap', ['probs'], ['probabilities'], domain='ai.onnx.ml',
                       classlabels_int64s=[int(x) for x in labels]),
  ]
  zip_type = _zipmap_type()
  graph = helper.make_graph(nodes_, 'trees', [_x_info(n_features)],
                            [helper.make_tensor_value_info('label', TensorProto.INT64, [None]),
                             helper.make_value_info('probabilities', zip_type)])
  return _save(graph, path)


# ---- linear models and MLP -------------------------------------------------------------

def linear_regressor(est, n_features, path, matmul=False):
  coef = np.asarray(est.coef_, dtype=np.float32).reshape(1, -1)
  icpt = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float32))
  if not matmul:
    node = helper.make_node('LinearRegressor', ['X'], ['variable'], domain='ai.onnx.ml',
                            coefficients=coef.ravel().tolist(), intercepts=icpt.tolist())
    graph = helper.make_graph([node], 'linear', [_x_info(n_features)],
                              [helper.make_tensor_value_info('variable', TensorProto.FLOAT, [None, 1])])
    return _save(graph, path)
  nodes = [helper.make_node('MatMul', ['X', 'W'], ['xw']), helper.make_node('Add', ['xw', 'b'], ['variable'])]
  inits = [numpy_helper.from_array(coef.T.copy(), 'W'), numpy_helper.from_array(icpt, 'b')]
  graph = helper.make_graph(nodes, 'linear', [_x_info(n_features)],
                            [helper.make_tensor_value_info('variable', TensorProto.FLOAT, [None, 1])], inits)
  return _save(graph, path, opsets=(CORE,))


def logistic(est, n_features, path, scaler=None, imputer=None):
  """LogisticRegression (optionally after SimpleImputer and StandardScaler)
  -> [Imputer] -> [Scaler] -> LinearClassifier -> ZipMap."""
  labels = [int(c) for c in est.classes_]
  binary = len(labels) == 2
  nodes, x = [], 'X'
  if imputer is not None:
    nodes.append(helper.make_node('Imputer', [x], ['imputed'], domain='ai.onnx.ml',
                                  imputed_value_floats=imputer.statistics_.astype(np.float32).tolist(),
                                  replaced_value_float=float('nan')))
    x = 'imputed'
  if scaler is not None:
    nodes.append(helper.make_node('Scaler', [x], ['scaled'], domain='ai.onnx.ml',
                                  offset=scaler.mean_.astype(np.float32).tolist(),
                                  scale=(1.0 / scaler.scale_).astype(np.float32).tolist()))
    x = 'scaled'
  nodes.append(helper.make_node('LinearClassifier', [x], ['label', 'probs'], domain='ai.onnx.ml',
                                coefficients=est.coef_.astype(np.float32).ravel().tolist(),
                                intercepts=est.intercept_.astype(np.float32).tolist(),
                                classlabels_ints=labels, multi_class=0 if binary else 1,
                                post_transform='LOGISTIC' if binary else 'SOFTMAX'))
  nodes.append(helper.make_node('ZipMap', ['probs'], ['probabilities'], domain='ai.onnx.ml',
                                classlabels_int64s=labels))
  zip_type = _zipmap_type()
  graph = helper.make_graph(nodes, 'logistic', [_x_info(n_features)],
                            [helper.make_tensor_value_info('label', TensorProto.INT64, [None]),
                             helper.make_value_info('probabilities', zip_type)])
  return _save(graph, path)


def mlp_classifier(est, n_features, path):
  """MLPClassifier (relu hidden layers, softmax out) -> Gemm/Relu/.../Softmax + ArgMax."""
  nodes, inits, x = [], [], 'X'
  n_layers = len(est.coefs_)
  for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
    inits += [numpy_helper.from_array(w.astype(np.float32), f'W{i}'),
              numpy_helper.from_array(b.astype(np.float32), f'B{i}')]
    nodes.append(helper.make_node('Gemm', [x, f'W{i}', f'B{i}'], [f'h{i}']))
    x = f'h{i}'
    if i < n_layers - 1:
      nodes.append(helper.make_node('Relu', [x], [f'r{i}']))
      x = f'r{i}'
  nodes.append(helper.make_node('Softmax', [x], ['probabilities'], axis=1))
  nodes.append(helper.make_node('ArgMax', ['probabilities'], ['index'], axis=1, keepdims=0))
  graph = helper.make_graph(nodes, 'mlp', [_x_info(n_features)],
                            [helper.make_tensor_value_info('index', TensorProto.INT64, [None]),
                             helper.make_tensor_value_info('probabilities', TensorProto.FLOAT, [None, len(est.classes_)])],
                            inits)
  return _save(graph, path, opsets=(CORE,))


# ---- XGBoost ------------------------------------------------------------------------------

def xgboost_to_onnx(booster, n_features, path, objective, n_classes=1):
  """An XGBoost booster -> TreeEnsembleRegressor (BRANCH_LT, missing values
  follow default_left), with base_score as a margin and the objective's
  transform as ONNX ops."""
  import json
  model = json.loads(booster.save_raw('json'))
  learner = model['learner']
  base = float(learner['learner_model_param']['base_score'].strip('[]'))
  trees = learner['gradient_booster']['model']['trees']
  info = learner['gradient_booster']['model']['tree_info']
  nodes = _new_nodes()
  miss, tt, tn, ti, tw = [], [], [], [], []
  for k, t in enumerate(trees):
    for i, (l, r) in enumerate(zip(t['left_children'], t['right_children'])):
      leaf = l == -1
      nodes['treeids'].append(k), nodes['nodeids'].append(i)
      nodes['featureids'].append(0 if leaf else t['split_indices'][i])
      nodes['modes'].append('LEAF' if leaf else 'BRANCH_LT')
      nodes['values'].append(0.0 if leaf else t['split_conditions'][i])
      nodes['true'].append(0 if leaf else l), nodes['false'].append(0 if leaf else r)
      miss.append(0 if leaf else int(t['default_left'][i]))
      if leaf:
        tt.append(k), tn.append(i), ti.append(int(info[k])), tw.append(t['split_conditions'][i])
  attrs = dict(nodes_treeids=nodes['treeids'], nodes_nodeids=nodes['nodeids'],
               nodes_featureids=nodes['featureids'], nodes_modes=nodes['modes'],
               nodes_values=nodes['values'], nodes_truenodeids=nodes['true'],
               nodes_falsenodeids=nodes['false'], nodes_missing_value_tracks_true=miss,
               target_treeids=tt, target_nodeids=tn, target_ids=ti, target_weights=tw,
               n_targets=n_classes)
  margin = base
  if objective == 'binary:logistic':
    margin = float(-np.log(1.0 / base - 1.0))
  attrs['base_values'] = [margin] * n_classes
  out = []
  nodes_ = [helper.make_node('TreeEnsembleRegressor', ['X'], ['margin'], domain='ai.onnx.ml', **attrs)]
  if objective == 'binary:logistic':
    nodes_.append(helper.make_node('Sigmoid', ['margin'], ['prediction']))
  elif objective == 'multi:softprob':
    nodes_.append(helper.make_node('Softmax', ['margin'], ['prediction'], axis=1))
  else:
    nodes_.append(helper.make_node('Identity', ['margin'], ['prediction']))
  out = [helper.make_tensor_value_info('prediction', TensorProto.FLOAT, [None, n_classes])]
  graph = helper.make_graph(nodes_, 'xgboost', [_x_info(n_features)], out)
  return _save(graph, path)

"""Writes the seed corpus for tests/fuzz/fuzz_model.c: one small model per
supported operator, tree ensembles of each version, and XGBoost JSON
models. Run with Debian's /usr/bin/python3 (python3-onnx, python3-xgboost):

    /usr/bin/python3 tests/fuzz/make_model_corpus.py tests/fuzz/corpus/model
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, inits=(), opsets=(('', 15),)):
  g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
  m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
  m.ir_version = 8
  with open(os.path.join(out, name + '.onnx'), 'wb') as f:
    f.write(m.SerializeToString())


def vi(name, elem=F, shape=(None, 3)):
  return helper.make_tensor_value_info(name, elem, list(shape))


X, Y = vi('X'), vi('Y')
for op in ['Identity', 'Abs', 'Neg', 'Sqrt', 'Exp', 'Log', 'Relu', 'Sigmoid', 'Tanh']:
  save(op.lower(), [helper.make_node(op, ['X'], ['Y'])], [X], [Y])
save('leakyrelu', [helper.make_node('LeakyRelu', ['X'], ['Y'], alpha=0.2)], [X], [Y])
for op in ['Add', 'Sub', 'Mul', 'Div']:
  save(op.lower(), [helper.make_node(op, ['X', 'B'], ['Y'])], [X], [Y],
       [numpy_helper.from_array(np.array([1, 2, 3], np.float32), 'B')])
for op in ['Less', 'Greater', 'Equal']:
  save(op.lower(), [helper.make_node(op, ['X', 'B'], ['C']), helper.make_node('Not', ['C'], ['Y'])], [X],
       [vi('Y', TensorProto.BOOL)], [numpy_helper.from_array(np.array([0, 0, 0], np.float32), 'B')])
save('where', [helper.make_node('Greater', ['X', 'Z'], ['C']), helper.make_node('Where', ['C', 'X', 'Z'], ['Y'])],
     [X], [Y], [numpy_helper.from_array(np.zeros((1, 3), np.float32), 'Z')])
save('softmax', [helper.make_node('Softmax', ['X'], ['Y'], axis=1)], [X], [Y])
save('logsoftmax', [helper.make_node('LogSoftmax', ['X'], ['Y'])], [X], [Y], opsets=(('', 11),))
save('argmax', [helper.make_node('ArgMax', ['X'], ['Y'], axis=1, keepdims=0, select_last_index=1)], [X],
     [vi('Y', TensorProto.INT64, (None,))])
save('reducesum', [helper.make_node('ReduceSum', ['X', 'A'], ['Y'], keepdims=1)], [X], [Y],
     [numpy_helper.from_array(np.array([1], np.int64), 'A')])
save('clip', [helper.make_node('Clip', ['X', 'lo', 'hi'], ['Y'])], [X], [Y],
     [numpy_helper.from_array(np.array(-1, np.float32), 'lo'), numpy_helper.from_array(np.array(1, np.float32), 'hi')])
save('cast', [helper.make_node('Cast', ['X'], ['S'], to=TensorProto.STRING),
              helper.make_node('Cast', ['S'], ['Y'], to=TensorProto.DOUBLE)], [X], [vi('Y', TensorProto.DOUBLE)])
save('reshape', [helper.make_node('Reshape', ['X', 'S'], ['R']), helper.make_node('Flatten', ['R'], ['Y'], axis=1)],
     [X], [Y], [numpy_helper.from_array(np.array([-1, 1, 3], np.int64), 'S')])
save('squeeze', [helper.make_node('Unsqueeze', ['X', 'A'], ['U']), helper.make_node('Squeeze', ['U', 'A'], ['Y'])],
     [X], [Y], [numpy_helper.from_array(np.array([1], np.int64), 'A')], opsets=(('', 13),))
save('concat', [helper.make_node('Concat', ['X', 'X'], ['C'], axis=1),
                helper.make_node('Gather', ['C', 'I'], ['Y'], axis=1)], [X], [Y],
     [numpy_helper.from_array(np.array([0, -1, 2], np.int64), 'I')])
save('transpose', [helper.make_node('Transpose', ['X'], ['T'], perm=[1, 0]),
                   helper.make_node('Transpose', ['T'], ['Y'])], [X], [Y])
save('gemm', [helper.make_node('Gemm', ['X', 'W', 'B'], ['Y'], transB=1, alpha=0.5)], [X], [Y],
     [numpy_helper.from_array(np.eye(3, dtype=np.float32), 'W'), numpy_helper.from_array(np.ones(3, np.float32), 'B')])
save('matmul', [helper.make_node('MatMul', ['X', 'W'], ['Y'])], [X], [Y],
     [numpy_helper.from_array(np.eye(3, dtype=np.float32), 'W')])
save('constant', [helper.make_node('Constant', [], ['C'], value_floats=[1.0, 2.0, 3.0]),
                  helper.make_node('Add', ['X', 'C'], ['Y'])], [X], [Y])

ML = ('ai.onnx.ml', 3)
def ml(name, node, outputs, inputs=(X,), opset=ML):
  save(name, [node], list(inputs), outputs, opsets=(('', 15), opset))

ml('scaler', helper.make_node('Scaler', ['X'], ['Y'], domain='ai.onnx.ml', offset=[1.0, 2.0, 3.0], scale=[2.0, 2.0, 2.0]), [Y])
ml('normalizer', helper.make_node('Normalizer', ['X'], ['Y'], domain='ai.onnx.ml', norm='L2'), [Y])
ml('binarizer', helper.make_node('Binarizer', ['X'], ['Y'], domain='ai.onnx.ml', threshold=0.5), [Y])
ml('imputer', helper.make_node('Imputer', ['X'], ['Y'], domain='ai.onnx.ml', imputed_value_floats=[0.0, 1.0, 2.0],
                               replaced_value_float=float('nan')), [Y])
ml('onehot', helper.make_node('OneHotEncoder', ['X'], ['Y'], domain='ai.onnx.ml', cats_int64s=[0, 1, 2]),
   [vi('Y', F, (None, 3, 3))], inputs=(vi('X', TensorProto.INT64),))
ml('labelencoder', helper.make_node('LabelEncoder', ['X'], ['Y'], domain='ai.onnx.ml', keys_strings=['a', 'b'],
                                    values_int64s=[1, 2], default_int64=-1),
   [vi('Y', TensorProto.INT64)], inputs=(vi('X', TensorProto.STRING),), opset=('ai.onnx.ml', 2))
ml('linreg', helper.make_node('LinearRegressor', ['X'], ['Y'], domain='ai.onnx.ml', coefficients=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                              intercepts=[0.5, -0.5], targets=2), [vi('Y', F, (None, 2))])
save('lincls', [helper.make_node('LinearClassifier', ['X'], ['L', 'P'], domain='ai.onnx.ml',
                                 coefficients=[1.0, 2.0, 3.0, -1.0, -2.0, -3.0], intercepts=[0.0, 1.0], classlabels_ints=[4, 5],
                                 post_transform='SOFTMAX'),
                helper.make_node('ZipMap', ['P'], ['Z'], domain='ai.onnx.ml', classlabels_int64s=[4, 5])],
     [X], [vi('L', TensorProto.INT64, (None,)), vi('Z', F, (None, 2))], opsets=(('', 15), ML))
ml('afe', helper.make_node('ArrayFeatureExtractor', ['X', 'I'], ['Y'], domain='ai.onnx.ml'), [Y],
   inputs=(X, vi('I', TensorProto.INT64, (2,))))
ml('featvec', helper.make_node('FeatureVectorizer', ['X'], ['Y'], domain='ai.onnx.ml', inputdimensions=[3]), [Y])

tree = dict(nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1], nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2],
            nodes_featureids=[0, 1, 0, 0, 0, 2, 0, 0],
            nodes_modes=['BRANCH_LEQ', 'BRANCH_GT', 'LEAF', 'LEAF', 'LEAF', 'BRANCH_EQ', 'LEAF', 'LEAF'],
            nodes_values=[0.5, -0.5, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0],
            nodes_falsenodeids=[4, 3, 0, 0, 0, 2, 0, 0], nodes_missing_value_tracks_true=[1, 0, 0, 0, 0, 0, 0, 0])
ml('tree_reg', helper.make_node('TreeEnsembleRegressor', ['X'], ['Y'], domain='ai.onnx.ml', n_targets=1,
                                target_treeids=[0, 0, 0, 1, 1], target_nodeids=[2, 3, 4, 1, 2], target_ids=[0] * 5,
                                target_weights=[1.0, 2.0, 3.0, 4.0, 5.0], aggregate_function='AVERAGE', base_values=[0.5],
                                **tree), [vi('Y', F, (None, 1))])
ml('tree_cls', helper.make_node('TreeEnsembleClassifier', ['X'], ['L', 'P'], domain='ai.onnx.ml',
                                class_treeids=[0, 0, 0, 1, 1], class_nodeids=[2, 3, 4, 1, 2], class_ids=[1] * 5,
                                class_weights=[0.1, 0.2, 0.3, 0.4, 0.5], classlabels_strings=['no', 'yes'],
                                post_transform='LOGISTIC', **tree),
   [vi('L', TensorProto.STRING, (None,)), vi('P', F, (None, 2))])
v5 = helper.make_node('TreeEnsemble', ['X'], ['Y'], domain='ai.onnx.ml', n_targets=2, aggregate_function=1,
                      tree_roots=[0], nodes_featureids=[0, 1], nodes_modes=numpy_helper.from_array(np.array([0, 6], np.uint8)),
                      nodes_splits=numpy_helper.from_array(np.array([0.5, np.nan], np.float32)),
                      nodes_truenodeids=[1, 0], nodes_trueleafs=[0, 1], nodes_falsenodeids=[2, 1], nodes_falseleafs=[1, 1],
                      membership_values=numpy_helper.from_array(np.array([1, 2, np.nan], np.float32)),
                      leaf_targetids=[0, 1, 0], leaf_weights=numpy_helper.from_array(np.array([1, 2, 3], np.float32)))
save('tree_v5', [v5], [X], [vi('Y', F, (None, 2))], opsets=(('', 15), ('ai.onnx.ml', 5)))

try:
  import xgboost as xgb
  rng = np.random.RandomState(0)
  Xd = rng.uniform(-1, 1, (200, 3)).astype(np.float32)
  Xd[rng.uniform(size=Xd.shape) < 0.1] = np.nan
  for obj, k in [('reg:squarederror', 0), ('binary:logistic', 0), ('multi:softprob', 3)]:
    y = (Xd[:, 0] > 0).astype(int) if k == 0 else rng.randint(0, 3, 200)
    p = {'objective': obj, 'max_depth': 2, 'nthread': 1}
    if k:
      p['num_class'] = k
    b = xgb.train(p, xgb.DMatrix(Xd, label=y), num_boost_round=2)
    b.save_model(os.path.join(out, 'xgb_' + obj.replace(':', '_') + '.json'))
except ImportError:
  pass

"""Trains the scorer benchmark's model: an XGBoost regressor of 100 trees,
depth 6, on 20 features, saved as JSON. Usage: bench_scorer_model.py OUT.json
(Debian's /usr/bin/python3 with python3-xgboost)."""
import sys

import numpy as np
import xgboost as xgb

rng = np.random.RandomState(42)
X = rng.uniform(-2, 2, size=(20000, 20)).astype(np.float32)
y = (np.sin(X[:, 0] * 2) + X[:, 1] * X[:, 2] + np.abs(X[:, 3]) - X[:, 4] ** 2 + 0.5 * X[:, 5:10].sum(axis=1)
     + np.cos(X[:, 10:15]).sum(axis=1) + rng.normal(0, 0.1, 20000))
params = {'objective': 'reg:squarederror', 'max_depth': 6, 'eta': 0.1, 'nthread': 1, 'seed': 0}
booster = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=100)
booster.save_model(sys.argv[1])

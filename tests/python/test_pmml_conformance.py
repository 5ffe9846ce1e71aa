"""The cPMML conformance data (../shared/conformance/pmml-cpmml, MIT): every
model scores its dataset with `mlmd score`. As cPMML's own suite demands,
predicted labels must equal the `prediction` column exactly and numeric
predictions must be within 0.1 % relative error; where the dataset also has
the model's probability columns, those are held to the same bound.

The data lives outside the repository; without it this suite is skipped,
loudly (pytest's summary shows the reason).
"""

import csv
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CLI = os.environ.get('MLMD_CLI', os.path.join(HERE, '..', '..', 'build', 'mlmd'))
DATA = os.environ.get('MLMD_PMML_TESTS', os.path.join(HERE, '..', '..', '..', 'shared', 'conformance', 'pmml-cpmml'))

MODELS = sorted(f[:-4] for f in os.listdir(os.path.join(DATA, 'models'))) if os.path.isdir(DATA) else []
WITH_DATA = [m for m in MODELS if os.path.exists(os.path.join(DATA, 'datasets', m + '.csv'))]


def close(got, want):
  try:
    g, w = float(got), float(want)
  except ValueError:
    return got == want
  return abs(g - w) <= 1e-3 * abs(w) + 1e-12


@pytest.mark.skipif(not os.path.isdir(DATA), reason=f'PMML conformance data not found at {DATA} (set MLMD_PMML_TESTS)')
def test_conformance_data_is_complete():
  assert len(WITH_DATA) >= 22


@pytest.mark.parametrize('name', WITH_DATA)
def test_cpmml_model_scores_its_dataset(name):
  model = os.path.join(DATA, 'models', name + '.xml')
  data = os.path.join(DATA, 'datasets', name + '.csv')
  res = subprocess.run([CLI, 'score', '--model', model, '--input', data], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  out = list(csv.reader(res.stdout.splitlines()))
  with open(data, newline='') as f:
    want = list(csv.reader(f))
  header, rows = want[0], want[1:]
  assert len(out) - 1 == len(rows)
  pred = header.index('prediction')
  # probability columns the model also outputs (same name)
  shared = [(header.index(c), out[0].index(c)) for c in header if c.startswith('Probability_') and c in out[0]]
  bad = []
  for i, (o, w) in enumerate(zip(out[1:], rows)):
    if not close(o[0], w[pred]):
      bad.append((i, o[0], w[pred]))
    for wi, oi in shared:
      if not close(o[oi], w[wi]):
        bad.append((i, header[wi], o[oi], w[wi]))
  assert not bad, f'{len(bad)} mismatches, first {bad[:3]}'

"""`mlmd drift --reference --current` against an independent computation:
random samples drawn here (numpy, fixed seed) are written to CSV files, the
real binary compares them, and every figure it prints is checked against
scipy and numpy: the KS statistic (scipy.stats.ks_2samp), its p-value from
the asymptotic Kolmogorov distribution (scipy.stats.kstwobign.sf of
sqrt(n m / (n + m)) D, the formula the issue specifies), Wasserstein-1
(scipy.stats.wasserstein_distance), the decile bins (numpy.percentile and
numpy.searchsorted side='left': a value on an edge is in the bin below),
PSI (numpy, zero proportions floored at 1e-4), the Jensen-Shannon distance
(scipy.spatial.distance.jensenshannon, base 2) and chi-squared
(scipy.stats.chi2_contingency without continuity correction). Then the
command's refusals and exit statuses.
"""

import json
import math
import os
import subprocess

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
REL = 1e-9


def mlmd(*args):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  return subprocess.run([CLI, *args], capture_output=True, text=True, env=env)


def cell(v):
  if v is None:
    return ''
  if isinstance(v, str):
    return v
  if isinstance(v, float) and math.isnan(v):
    return ''
  return repr(float(v))


def write_csv(path, columns):
  """columns: {name: list of values (float, str, None = empty cell)}"""
  names = list(columns)
  n = len(columns[names[0]])
  with open(path, 'w') as f:
    f.write(','.join(names) + '\n')
    for i in range(n):
      f.write(','.join(cell(columns[c][i]) for c in names) + '\n')


def near(got, want, what):
  assert got is not None, what
  assert math.isclose(got, want, rel_tol=REL, abs_tol=1e-12), f'{what}: {got!r} vs {want!r}'


def psi(p, q):
  p = np.where(p > 0, p, 1e-4)
  q = np.where(q > 0, q, 1e-4)
  return float(np.sum((q - p) * np.log(q / p)))


def expect_numeric(a, b):
  a = np.asarray([x for x in a if not (isinstance(x, float) and math.isnan(x))], dtype=float)
  b = np.asarray([x for x in b if not (isinstance(x, float) and math.isnan(x))], dtype=float)
  n, m = len(a), len(b)
  d = stats.ks_2samp(a, b).statistic
  edges = np.percentile(a, np.arange(10, 100, 10))
  p = np.bincount(np.searchsorted(edges, a, side='left'), minlength=10) / n
  q = np.bincount(np.searchsorted(edges, b, side='left'), minlength=10) / m
  return {
      'n_reference': n, 'n_current': m,
      'ks': d,
      'ks_pvalue': stats.kstwobign.sf(math.sqrt(n * m / (n + m)) * d),
      'wasserstein': stats.wasserstein_distance(a, b),
      'psi': psi(p, q),
      'js': distance.jensenshannon(p, q, base=2),
  }


def expect_categorical(a, b):
  a = [x for x in a if x]
  b = [x for x in b if x]
  cats = sorted(set(a) | set(b))
  ca = np.array([a.count(c) for c in cats], dtype=float)
  cb = np.array([b.count(c) for c in cats], dtype=float)
  chi2, pv, dof, _ = stats.chi2_contingency(np.array([ca, cb]), correction=False)
  p, q = ca / len(a), cb / len(b)
  return {
      'n_reference': len(a), 'n_current': len(b),
      'chi2': chi2, 'chi2_pvalue': pv,
      'psi': psi(p, q),
      'js': distance.jensenshannon(p, q, base=2),
  }


NUMERIC_KEYS = {'ks', 'ks_pvalue', 'wasserstein', 'psi', 'js'}
CATEGORICAL_KEYS = {'chi2', 'chi2_pvalue', 'psi', 'js'}
COMMON_KEYS = {'name', 'kind', 'n_reference', 'n_current', 'missing_reference', 'missing_current', 'drift'}


@pytest.fixture(scope='module')
def samples():
  rng = np.random.default_rng(20261203)

  def with_missing(x, frac):
    x = list(x)
    for i in rng.choice(len(x), int(frac * len(x)), replace=False):
      x[i] = float('nan')
    return x

  ref = {
      'normal': list(rng.normal(0, 1, 2000)),
      'shifted': list(rng.normal(0, 1, 2000)),
      'ties': list(rng.poisson(3, 2000).astype(float)),
      'missing': with_missing(rng.normal(5, 2, 2000), 0.1),
      'small': list(rng.normal(0, 1, 2000)),
      'colour': list(rng.choice(['red', 'green', 'blue', 'grey'], 2000, p=[0.4, 0.3, 0.2, 0.1])),
      'mixed': list(rng.integers(0, 5, 2000).astype(float)),
      'sparse': list(rng.choice(['a', 'b', ''], 2000, p=[0.45, 0.45, 0.1])),
  }
  cur = {
      'normal': list(rng.normal(0, 1, 1500)),
      'shifted': list(rng.normal(0.3, 1.2, 1500)),
      'ties': list(rng.poisson(3.4, 1500).astype(float)),
      'missing': with_missing(rng.normal(5.1, 2, 1500), 0.2),
      'small': list(rng.normal(0, 1, 7)) + [float('nan')] * 1493,
      'colour': list(rng.choice(['red', 'green', 'blue', 'pink'], 1500, p=[0.25, 0.25, 0.25, 0.25])),
      'mixed': [str(x) for x in rng.integers(0, 5, 1499)] + ['five'],
      'sparse': list(rng.choice(['a', 'b', ''], 1500, p=[0.3, 0.3, 0.4])),
  }
  return ref, cur


@pytest.fixture(scope='module')
def files(samples, tmp_path_factory):
  d = tmp_path_factory.mktemp('drift')
  ref, cur = samples
  write_csv(d / 'ref.csv', ref)
  # the current file's columns in another order, and one column more
  cur_cols = {'extra': ['1'] * 1500}
  cur_cols.update({k: cur[k] for k in reversed(list(cur))})
  write_csv(d / 'cur.csv', cur_cols)
  return d, str(d / 'ref.csv'), str(d / 'cur.csv')


def test_every_figure_matches_scipy(samples, files):
  ref, cur = samples
  _, ref_csv, cur_csv = files
  res = mlmd('drift', '--reference', ref_csv, '--current', cur_csv, '--json')
  assert res.returncode == 0, res.stderr
  doc = json.loads(res.stdout)
  assert list(doc) == ['columns']
  cols = {c['name']: c for c in doc['columns']}
  # the reference's columns, in its order; 'extra' is only in the current file
  assert [c['name'] for c in doc['columns']] == list(ref)
  kinds = {'colour': 'categorical', 'mixed': 'categorical', 'sparse': 'categorical'}
  for name in ref:
    c = cols[name]
    kind = kinds.get(name, 'numeric')
    assert c['kind'] == kind, name
    assert set(c) == COMMON_KEYS | (NUMERIC_KEYS if kind == 'numeric' else CATEGORICAL_KEYS), name
    if kind == 'numeric':
      want = expect_numeric(ref[name], cur[name])
      pvalue = want['ks_pvalue']
    else:
      to_text = lambda v: '' if isinstance(v, float) and math.isnan(v) else (v if isinstance(v, str) else cell(v))
      want = expect_categorical([to_text(v) for v in ref[name]], [to_text(v) for v in cur[name]])
      pvalue = want['chi2_pvalue']
    assert c['n_reference'] == want['n_reference'], name
    assert c['n_current'] == want['n_current'], name
    assert c['missing_reference'] == len(ref[name]) - want['n_reference'], name
    assert c['missing_current'] == len(cur[name]) - want['n_current'], name
    for k, v in want.items():
      if not k.startswith('n_'):
        near(c[k], v, f'{name}.{k}')
    assert c['drift'] == (want['psi'] >= 0.2 or pvalue < 0.01), name
  # the samples were drawn to cover both outcomes and the edge cases
  assert not cols['normal']['drift'] and cols['shifted']['drift'] and cols['colour']['drift']
  assert cols['missing']['missing_reference'] == 200 and cols['missing']['missing_current'] == 300
  assert cols['small']['n_current'] == 7
  assert cols['ties']['ks'] > 0 and cols['shifted']['ks_pvalue'] < 1e-10


def test_ties_on_the_decile_edges(tmp_path):
  # integers: most decile edges are values of the sample, so the edge rule
  # decides where a large share of each sample goes
  rng = np.random.default_rng(7)
  a = list(rng.integers(0, 4, 501).astype(float))
  b = list(rng.integers(1, 5, 333).astype(float))
  write_csv(tmp_path / 'a.csv', {'x': a})
  write_csv(tmp_path / 'b.csv', {'x': b})
  res = mlmd('drift', '--reference', str(tmp_path / 'a.csv'), '--current', str(tmp_path / 'b.csv'), '--json')
  assert res.returncode == 0, res.stderr
  c = json.loads(res.stdout)['columns'][0]
  want = expect_numeric(a, b)
  for k in NUMERIC_KEYS:
    near(c[k], want[k], k)
  edges = np.percentile(a, np.arange(10, 100, 10))
  assert set(edges) & set(a), 'some edges are sample values'


def test_thresholds_and_columns(files):
  _, ref_csv, cur_csv = files
  res = mlmd('drift', '--reference', ref_csv, '--current', cur_csv, '--json', '--columns', 'shifted,colour',
             '--psi-threshold', '100', '--pvalue-threshold', '1e-300')
  assert res.returncode == 0, res.stderr
  cols = json.loads(res.stdout)['columns']
  assert [c['name'] for c in cols] == ['shifted', 'colour']
  assert not any(c['drift'] for c in cols)
  res = mlmd('drift', '--reference', ref_csv, '--current', cur_csv, '--columns', 'normal',
             '--psi-threshold', '1e-9')
  assert res.returncode == 0, res.stderr
  assert 'DRIFT' in res.stdout.splitlines()[1]
  assert 'drift in 1 of 1 column (PSI >= 1e-09 or a p-value < 0.01)' in res.stdout


def test_table_output(files):
  _, ref_csv, cur_csv = files
  res = mlmd('drift', '--reference', ref_csv, '--current', cur_csv)
  assert res.returncode == 0, res.stderr
  lines = res.stdout.splitlines()
  assert lines[0].split() == ['column', 'kind', 'n_ref', 'n_cur', 'miss_ref', 'miss_cur', 'ks', 'p(ks)',
                              'wasserstein', 'psi', 'js', 'chi2', 'p(chi2)', 'drift']
  rows = {l.split()[0]: l.split() for l in lines[1:-1]}
  assert rows['normal'][1] == 'numeric' and rows['normal'][11] == '-' and rows['normal'][-1] != 'DRIFT'
  assert rows['colour'][1] == 'categorical' and rows['colour'][6] == '-' and rows['colour'][-1] == 'DRIFT'
  assert rows['missing'][4:6] == ['200', '300']
  assert lines[-1].startswith('drift in ')


def test_refusals(files, tmp_path):
  d, ref_csv, cur_csv = files
  # a requested column missing from either file
  res = mlmd('drift', '--reference', ref_csv, '--current', cur_csv, '--columns', 'normal,nosuch')
  assert res.returncode == 1 and "column 'nosuch' is not in " + ref_csv in res.stderr
  res = mlmd('drift', '--reference', cur_csv, '--current', ref_csv, '--columns', 'extra')
  assert res.returncode == 1 and "column 'extra' is not in " + ref_csv in res.stderr
  # a ragged row names the file and the line
  bad = tmp_path / 'bad.csv'
  bad.write_text('normal,x\n1,2\n3\n')
  res = mlmd('drift', '--reference', ref_csv, '--current', str(bad))
  assert res.returncode == 1 and f'{bad}:3: 1 fields, the header has 2' in res.stderr, res.stderr
  unclosed = tmp_path / 'unclosed.csv'
  unclosed.write_text('normal\n1\n"2\n')
  res = mlmd('drift', '--reference', str(unclosed), '--current', cur_csv)
  assert res.returncode == 1 and f'{unclosed}:3:' in res.stderr, res.stderr
  empty = tmp_path / 'empty.csv'
  empty.write_text('')
  res = mlmd('drift', '--reference', ref_csv, '--current', str(empty))
  assert res.returncode == 1 and 'header' in res.stderr
  res = mlmd('drift', '--reference', ref_csv, '--current', str(tmp_path / 'absent.csv'))
  assert res.returncode == 1 and 'absent.csv' in res.stderr
  # a column with no value present on one side
  blank = tmp_path / 'blank.csv'
  blank.write_text('normal,colour\n,red\n,\n')
  res = mlmd('drift', '--reference', ref_csv, '--current', str(blank), '--columns', 'normal')
  assert res.returncode == 1 and "column 'normal'" in res.stderr and 'current sample has no value' in res.stderr
  res = mlmd('drift', '--reference', str(blank), '--current', cur_csv, '--columns', 'colour')
  assert res.returncode == 0, res.stderr
  other = tmp_path / 'other.csv'
  other.write_text('p,q\n1,2\n')
  res = mlmd('drift', '--reference', ref_csv, '--current', str(other))
  assert res.returncode == 1 and 'no column in common' in res.stderr
  # usage errors
  for args in (['--reference', ref_csv], ['--current', cur_csv],
               ['--reference', ref_csv, '--current', cur_csv, '--psi-threshold', '0'],
               ['--reference', ref_csv, '--current', cur_csv, '--pvalue-threshold', '1.5'],
               ['--reference', ref_csv, '--current', cur_csv, '--pvalue-threshold', 'x'],
               ['--reference', ref_csv, '--current', cur_csv, '--bogus']):
    res = mlmd('drift', *args)
    assert res.returncode == 2, (args, res.stderr)
    assert res.stderr.startswith('mlmd: '), res.stderr


def test_infinities_and_standard_input(tmp_path):
  # a third of the reference at -inf, none of the current: Wasserstein is
  # infinite (null in JSON), KS counts -inf like any value
  ref = tmp_path / 'ref.csv'
  ref.write_text('x,y\n-inf,1\n1,2\n2,3\n')
  cur = '\n'.join(['x,y', '1,1', '2,2', '3,3']) + '\n'
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, 'drift', '--reference', str(ref), '--current', '-', '--json'], input=cur,
                       capture_output=True, text=True, env=env)
  assert res.returncode == 0, res.stderr
  x, y = json.loads(res.stdout)['columns']
  assert x['wasserstein'] is None
  near(x['ks'], stats.ks_2samp([-np.inf, 1, 2], [1, 2, 3]).statistic, 'ks')
  near(y['wasserstein'], stats.wasserstein_distance([1, 2, 3], [1, 2, 3]), 'wasserstein')
  assert y['ks'] == 0 and not y['drift']
  res = mlmd('drift', '--reference', '-', '--current', '-')
  assert res.returncode == 2


def test_wide_magnitudes_through_the_sort(tmp_path):
  # signs, exponents from -300 to 300, subnormals, zeros of both signs and
  # repeated values: every byte of the IEEE bits the sort orders by varies
  rng = np.random.default_rng(11)

  def draw(n, shift):
    x = np.sign(rng.normal(shift, 1, n)) * 10.0 ** rng.uniform(-300, 300, n)
    x[rng.choice(n, n // 50, replace=False)] = 5e-324
    x[rng.choice(n, n // 50, replace=False)] = -0.0
    x[rng.choice(n, n // 50, replace=False)] = 0.0
    x[rng.choice(n, n // 20, replace=False)] = 1.5
    return list(x)

  a, b = draw(30000, 0), draw(25000, 0.2)
  write_csv(tmp_path / 'a.csv', {'w': a})
  write_csv(tmp_path / 'b.csv', {'w': b})
  res = mlmd('drift', '--reference', str(tmp_path / 'a.csv'), '--current', str(tmp_path / 'b.csv'), '--json')
  assert res.returncode == 0, res.stderr
  c = json.loads(res.stdout)['columns'][0]
  want = expect_numeric(a, b)
  for k in NUMERIC_KEYS:
    near(c[k], want[k], k)
  assert c['drift']


def test_same_output_in_a_comma_decimal_locale(files):
  # the CLI calls setlocale(LC_ALL, ""): numbers must read and print the same
  _, ref_csv, cur_csv = files
  locpath = os.environ.get('LOCPATH', os.path.join(ROOT, 'build', 'locale'))
  out = {}
  for lang in ('C', 'de_DE.UTF-8'):
    env = dict(os.environ, LC_ALL=lang, LANG=lang, LOCPATH=locpath)
    env.pop('MLMD_STORE', None)
    for fmt in ([], ['--json']):
      res = subprocess.run([CLI, 'drift', '--reference', ref_csv, '--current', cur_csv, '--psi-threshold', '0.25',
                            *fmt], capture_output=True, text=True, env=env)
      assert res.returncode == 0, res.stderr
      out[lang, bool(fmt)] = res.stdout
  check = subprocess.run(['/usr/bin/python3', '-c', 'import locale; locale.setlocale(locale.LC_ALL, ""); '
                          'print(locale.localeconv()["decimal_point"])'], capture_output=True, text=True,
                         env=dict(os.environ, LC_ALL='de_DE.UTF-8', LOCPATH=locpath))
  assert check.stdout.strip() == ',', f'de_DE.UTF-8 is not available under {locpath}: make check builds it'
  assert out['C', True] == out['de_DE.UTF-8', True]
  assert out['C', False] == out['de_DE.UTF-8', False]
  assert 'PSI >= 0.25' in out['C', False]

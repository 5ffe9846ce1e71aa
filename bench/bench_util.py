"""Repetitions for the Python benchmarks, as bench/bench.h has them for C.

Issue 22's stability rule: every figure a benchmark prints is the median of
several repetitions with their spread (the range over the median, in
percent), and a ratio's baseline is measured in the same run, each
repetition of ours next to one of the baseline's, the ratio taken per pair.
MLMD_BENCH_REPS sets the count (default 5, at most 64).

  reps = bench_util.rep_count()
  ours, base = bench_util.interleaved(run_ours, run_base, reps)
  print(bench_util.row('get 100k artifacts', ours, base,
                       bench_util.ratios(ours, base)))
"""

import os
import time

MAX_REPS = 64
NAME_W = 46  # the widths of bench.h's bench_row
COL_W = 22


def rep_count():
  """The number of repetitions: MLMD_BENCH_REPS, default 5, 1..64."""
  try:
    n = int(os.environ.get('MLMD_BENCH_REPS', '5'))
  except ValueError:
    n = 5
  return max(1, min(MAX_REPS, n))


def median(values):
  """The median of the values (0 when there are none)."""
  s = sorted(values)
  n = len(s)
  if not n:
    return 0.0
  return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def spread(values):
  """(max - min) / median, in percent (0 for fewer than two values)."""
  if len(values) < 2:
    return 0.0
  m = median(values)
  return 100.0 * (max(values) - min(values)) / abs(m) if m else 0.0


def fmt(values, f='%.0f'):
  """'MEDIAN +-SPREAD%' with the median printed by f."""
  return '%s \u00b1%.0f%%' % (f % median(values), spread(values))


def timed(fn):
  """The wall-clock seconds fn() takes."""
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start


def interleaved(ours, base, reps=None):
  """Runs ours() and base() in turns, reps times (ours first in even
  repetitions, the baseline first in odd ones, so that neither always
  follows the other); each returns its figure for the repetition. Returns
  the two lists of figures, pair i measured next to each other."""
  reps = rep_count() if reps is None else reps
  a, b = [], []
  for i in range(reps):
    if i % 2:
      b.append(base())
      a.append(ours())
    else:
      a.append(ours())
      b.append(base())
  return a, b


def ratios(num, den):
  """The per-pair ratios num[i] / den[i]."""
  return [x / y for x, y in zip(num, den)]


def _cell(s, w, left=False):
  return s.ljust(w) if left else s.rjust(w)


def head(name, ours=None, base=None, ratio=None):
  """A header row: the column titles (None: the column is left out)."""
  out = _cell(name, NAME_W, True)
  for c in (ours, base, ratio):
    if c is not None:
      out += '  ' + _cell(c, COL_W)
  return out


def row(name, ours=None, base=None, ratio=None, f='%.0f', rf='%.2fx'):
  """A result row NAME  OURS +-S%  BASE +-S%  RATIO +-S% (None: left out);
  ours and base printed by f, the ratio by rf."""
  out = _cell(name, NAME_W, True)
  for c, cf in ((ours, f), (base, f), (ratio, rf)):
    if c is not None:
      out += '  ' + _cell(fmt(c, cf), COL_W)
  return out

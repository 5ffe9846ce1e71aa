#!/usr/bin/python3
"""Python tracking benchmark (make bench). Not a test.

One-point mlmd.log_metric calls, beside the raw ctypes call of
mlmd_store_call with the same prebuilt Log request bytes (the library's own
work: one transaction inserting one point and updating the run's latest
value), so the difference is what the Python layer adds. Then N points of
one key logged per point (log_metric) and in batches (MlflowClient.log_batch,
1000 points a call, and all in one call; mlmd's
MlflowClient.log_metric_series, all in one call), each against the per-point
figure of the same repetition, and the key's history read back
(get_metric_history). A SQLite file store in DIR.

Every figure is the median of MLMD_BENCH_REPS repetitions (default 5) with
its spread (bench_util.py); the two sides of a ratio are measured in turns in
each repetition, the ratio taken per pair. A repetition makes 4,000
one-point calls of each kind and logs 20,000 points per workload (five
repetitions do the work one run of the earlier version did).

Usage: bench_python_tracking.py DIR
"""

import ctypes
import os
import sys

from ml_metadata import _native
import mlmd
from mlmd.proto import mlmd_tracking_pb2 as tpb

import bench_util

ONE = 4000      # one-point calls of each kind per repetition
N = 20000       # points of the bulk workloads per repetition
BATCH = 1000


def fresh(path):
  for suffix in ('', '-wal', '-shm'):
    if os.path.exists(path + suffix):
      os.unlink(path + suffix)
  mlmd.set_store('sqlite:' + path)


def one_point(client, reps):
  """us a call of the fluent log_metric and of the raw ctypes call, in turns."""
  call = _native.lib.mlmd_store_call
  free = _native.lib.mlmd_buffer_free
  out = ctypes.c_void_p()
  out_len = ctypes.c_size_t()
  pout, plen = ctypes.byref(out), ctypes.byref(out_len)

  made = []  # runs started so far: their names must differ

  def fluent():
    made.append(1)
    with mlmd.start_run(run_name='one-point-%d' % len(made)):
      def calls():
        for i in range(ONE):
          mlmd.log_metric('loss', 0.5, step=i)
      return bench_util.timed(calls) / ONE * 1e6

  def raw():
    made.append(1)
    with mlmd.start_run(run_name='raw-%d' % len(made)) as run:
      req = tpb.LogRequest(run_id=int(run.info.run_id))
      req.metrics.add(key='loss', values=[0.5], steps=[1], timestamps=[1])
      payload = req.SerializeToString()
      handle = client._store._handle  # pylint: disable=protected-access
      n = len(payload)

      def calls():
        for _ in range(ONE):
          if call(handle, b'Log', payload, n, pout, plen) != 0:
            raise RuntimeError(_native.error_message())
          free(out)
      return bench_util.timed(calls) / ONE * 1e6

  return bench_util.interleaved(fluent, raw, reps)


def bulk(client, rep):
  """One repetition of the N-point workloads (per point first in even
  repetitions, last in odd ones): [(name, seconds)], and the run whose
  history the batched workload wrote."""
  def per_point():
    with mlmd.start_run(run_name='per-point-%d' % rep):
      def calls():
        for i in range(N):
          mlmd.log_metric('loss', 1.0 / (i + 1), step=i)
      return bench_util.timed(calls)

  rid = []

  def batched():
    with mlmd.start_run(run_name='batched-%d' % rep) as run:
      rid.append(run.info.run_id)
      now = 1700000000000

      def calls():
        for b in range(0, N, BATCH):
          client.log_batch(run.info.run_id, metrics=[
              mlmd.Metric('loss', 1.0 / (i + 1), now, i)
              for i in range(b, b + BATCH)])
      return bench_util.timed(calls)

  def one_call():
    with mlmd.start_run(run_name='one-call-%d' % rep) as run:
      return bench_util.timed(lambda: client.log_batch(run.info.run_id, metrics=[
          mlmd.Metric('loss', 1.0 / (i + 1), 1700000000000, i)
          for i in range(N)]))

  def series():
    with mlmd.start_run(run_name='series-%d' % rep) as run:
      return bench_util.timed(lambda: client.log_metric_series(
          run.info.run_id, 'loss', [1.0 / (i + 1) for i in range(N)],
          steps=range(N)))

  cases = [('log_metric per point', per_point),
           ('log_batch, %d points a call' % BATCH, batched),
           ('log_batch, all in one call', one_call),
           ('log_metric_series, all in one call', series)]
  order = cases if rep % 2 == 0 else cases[::-1]
  t = dict((name, fn()) for name, fn in order)
  return [(name, t[name]) for name, _ in cases], rid[0]


def main():
  bench_dir = sys.argv[1]
  reps = bench_util.rep_count()
  fresh(os.path.join(bench_dir, 'bench-python-tracking.db'))
  client = mlmd.MlflowClient()
  print('python tracking benchmark (%s): median of %d repetitions, '
        '\u00b1 the range over the median' % (sys.executable, reps))

  fluent, raw = one_point(client, reps)
  print(bench_util.head('one point a call (%d calls a repetition)' % ONE,
                        'log_metric us/call', 'raw ctypes us/call',
                        'log_metric/raw'))
  print(bench_util.row('log_metric one point', fluent, raw,
                       bench_util.ratios(fluent, raw), f='%.1f'))
  print(bench_util.row('the Python layer adds (us/call)',
                       [a - b for a, b in zip(fluent, raw)], f='%.1f'))

  rates = {}
  hist = []
  for rep in range(reps):
    results, rid = bulk(client, rep)
    for name, t in results:
      rates.setdefault(name, []).append(N / t)
    got = []
    hist.append(N / bench_util.timed(
        lambda: got.extend(client.get_metric_history(rid, 'loss'))))
    assert len(got) == N, len(got)
  base = rates['log_metric per point']
  print(bench_util.head('%d points of one key' % N, 'points/s',
                        'per point, points/s', 'vs per point'))
  for name in rates:
    print(bench_util.row('%d points, %s' % (N, name), rates[name], base,
                         bench_util.ratios(rates[name], base), rf='%.1fx'))
  print(bench_util.row('get_metric_history of %d points (points/s)' % N,
                       hist))


if __name__ == '__main__':
  main()

#!/usr/bin/python3
"""Python tracking benchmark (make bench). Not a test.

One-point mlmd.log_metric calls per second, beside the cost of the raw
ctypes call of mlmd_store_call with the same prebuilt Log request bytes (the
library's own work: one transaction inserting one point and updating the
run's latest value), so the difference is what the Python layer adds. Then
100,000 points of one key logged per point (log_metric) and in batches
(MlflowClient.log_batch, 1000 points a call, and all in one call; mlmd's
MlflowClient.log_metric_series, all in one call), and the
key's history read back (get_metric_history). A SQLite file store in DIR.

Usage: bench_python_tracking.py DIR
"""

import ctypes
import os
import sys
import time

from ml_metadata import _native
import mlmd
from mlmd.proto import mlmd_tracking_pb2 as tpb

ONE = 20000     # one-point calls timed
N = 100000      # points of the bulk workloads
BATCH = 1000


def fresh(path):
  for suffix in ('', '-wal', '-shm'):
    if os.path.exists(path + suffix):
      os.unlink(path + suffix)
  mlmd.set_store('sqlite:' + path)


def timed(fn):
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start


def main():
  bench_dir = sys.argv[1]
  fresh(os.path.join(bench_dir, 'bench-python-tracking.db'))
  client = mlmd.MlflowClient()

  # One point per call: the fluent call, then the raw ctypes call.
  with mlmd.start_run(run_name='one-point') as run:

    def fluent():
      for i in range(ONE):
        mlmd.log_metric('loss', 0.5, step=i)
    t_fluent = timed(fluent)

  with mlmd.start_run(run_name='raw') as run:
    req = tpb.LogRequest(run_id=int(run.info.run_id))
    req.metrics.add(key='loss', values=[0.5], steps=[1], timestamps=[1])
    payload = req.SerializeToString()
    handle = client._store._handle  # pylint: disable=protected-access
    call = _native.lib.mlmd_store_call
    free = _native.lib.mlmd_buffer_free
    out = ctypes.c_void_p()
    out_len = ctypes.c_size_t()
    pout, plen = ctypes.byref(out), ctypes.byref(out_len)
    n = len(payload)

    def raw():
      for _ in range(ONE):
        if call(handle, b'Log', payload, n, pout, plen) != 0:
          raise RuntimeError(_native.error_message())
        free(out)
    t_raw = timed(raw)
  print('log_metric one point: %.0f calls/s (%.1f us a call); raw ctypes '
        'mlmd_store_call with the same prebuilt request: %.0f calls/s '
        '(%.1f us); the Python layer adds %.1f us a call' %
        (ONE / t_fluent, t_fluent / ONE * 1e6, ONE / t_raw, t_raw / ONE * 1e6,
         (t_fluent - t_raw) / ONE * 1e6))

  # 100,000 points: per point, then in batches.
  results = []
  with mlmd.start_run(run_name='per-point'):
    def per_point():
      for i in range(N):
        mlmd.log_metric('loss', 1.0 / (i + 1), step=i)
    results.append(('log_metric per point', timed(per_point)))
  with mlmd.start_run(run_name='batched') as run:
    rid = run.info.run_id

    def batched():
      now = 1700000000000
      for b in range(0, N, BATCH):
        client.log_batch(rid, metrics=[
            mlmd.Metric('loss', 1.0 / (i + 1), now, i)
            for i in range(b, b + BATCH)])
    results.append(('log_batch, %d points a call' % BATCH, timed(batched)))
  with mlmd.start_run(run_name='one-call') as run:
    rid_all = run.info.run_id
    results.append(('log_batch, all in one call', timed(
        lambda: client.log_batch(rid_all, metrics=[
            mlmd.Metric('loss', 1.0 / (i + 1), 1700000000000, i)
            for i in range(N)]))))
  with mlmd.start_run(run_name='series') as run:
    rid_series = run.info.run_id
    results.append(('log_metric_series, all in one call', timed(
        lambda: client.log_metric_series(
            rid_series, 'loss', [1.0 / (i + 1) for i in range(N)],
            steps=range(N)))))
  base = results[0][1]
  for name, t in results:
    print('%d points, %s: %.2f s, %.0f points/s (%.1fx per point)' %
          (N, name, t, N / t, base / t))

  hist = []
  t = timed(lambda: hist.extend(client.get_metric_history(rid, 'loss')))
  assert len(hist) == N, len(hist)
  print('get_metric_history of %d points: %.3f s (%.0f points/s)' %
        (N, t, N / t))


if __name__ == '__main__':
  main()

#!/usr/bin/python3
"""Python binding benchmark (make bench). Not a test.

The core benchmark's put and get workloads through ml_metadata: 100k
artifacts with 3 properties put in batches of 1000, then all read back by
id, 1000 per call. Prints the Python rates beside the C rates of the same
workloads, read from the core benchmark's output of the same run
(bench_store's lines, given as the first argument).

Usage: bench_python.py STORE_BENCH_OUTPUT DIR
"""

import os
import re
import sys
import time

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

N = 100000
BATCH = 1000


def c_rates(path):
  rates = {}
  with open(path) as f:
    for line in f:
      if line.startswith(('put 100k artifacts', 'get 100k artifacts')):
        m = re.search(r'([0-9.]+) a/s', line)  # the first rate is mlmd's
        if m:
          rates[line.split()[0]] = float(m.group(1))
  return rates


def main():
  out, bench_dir = sys.argv[1], sys.argv[2]
  path = os.path.join(bench_dir, 'bench-python.db')
  for suffix in ('', '-wal', '-shm'):
    if os.path.exists(path + suffix):
      os.unlink(path + suffix)
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = path
  store = metadata_store.MetadataStore(config)
  t = pb.ArtifactType(name='DataSet')
  t.properties['span'] = pb.INT
  t.properties['score'] = pb.DOUBLE
  t.properties['split'] = pb.STRING
  tid = store.put_artifact_type(t)

  ids = []
  start = time.perf_counter()
  for b in range(0, N, BATCH):
    batch = []
    for i in range(b, b + BATCH):
      a = pb.Artifact(type_id=tid, uri='/data/part-%d' % i)
      a.properties['span'].int_value = i
      a.properties['score'].double_value = i * 0.5
      a.properties['split'].string_value = 'train' if i % 2 else 'eval'
      batch.append(a)
    ids.extend(store.put_artifacts(batch))
  put_rate = N / (time.perf_counter() - start)

  start = time.perf_counter()
  got = 0
  for b in range(0, N, BATCH):
    got += len(store.get_artifacts_by_id(ids[b:b + BATCH]))
  get_rate = got / (time.perf_counter() - start)
  assert got == N

  c = c_rates(out)
  print('python binding benchmark (ml_metadata over ctypes, %s):' %
        sys.executable)
  for name, rate in (('put', put_rate), ('get', get_rate)):
    label = ('put 100k artifacts, 3 props, batches of 1000' if name == 'put'
             else 'get 100k artifacts by id, 1000 per call')
    if name in c:
      print('%-44s %10.0f a/s  C %10.0f a/s  python/C %4.0f%%' %
            (label, rate, c[name], 100.0 * rate / c[name]))
    else:
      print('%-44s %10.0f a/s  (no C figure in %s)' % (label, rate, out))
  del store
  for suffix in ('', '-wal', '-shm'):
    if os.path.exists(path + suffix):
      os.unlink(path + suffix)


if __name__ == '__main__':
  main()

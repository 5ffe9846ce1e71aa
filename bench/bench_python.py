#!/usr/bin/python3
"""Python binding benchmark (make bench). Not a test.

The core benchmark's put and get workloads through ml_metadata: 100k
artifacts with 3 properties put in batches of 1000, then the first 100k read
back by id, 1000 per call. The C figures they are compared with are measured
in this same process, each repetition right before the Python one, through
libmlmd's typed functions (mlmd_store_put_artifacts,
mlmd_store_get_artifacts_by_id, called with ctypes on requests decoded
before the timed part, one call per 1000 artifacts, so ctypes costs nothing
that matters) and, for the get, also through the bytes entry point
(mlmd_store_call, which the binding itself uses). Every figure is the
median of MLMD_BENCH_REPS repetitions (default 5) with its spread
((max - min) / median); each ratio is the median of the per-repetition
ratios. The C side writes to its own store file, so both read the same
number of rows laid out the same way. The header says whether ml_metadata's
C++ message accelerator is in use (docs/python.md; MLMD_PYTHON_NO_CPP=1
measures without it).

Usage: bench_python.py STORE_BENCH_OUTPUT DIR   (the first argument is
ignored; it is kept so the Makefile's command line still works)
"""

import ctypes
import os
import sys
import time

import bench_util
from google.protobuf.internal import api_implementation
from ml_metadata import _cpp
from ml_metadata import _native
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc

N = 100000
BATCH = 1000

lib = _native.lib
lib.mlmd_message_unpack.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                    ctypes.c_size_t,
                                    ctypes.POINTER(ctypes.c_void_p)]
lib.mlmd_message_unpack.restype = ctypes.c_int
lib.mlmd_message_free.argtypes = [ctypes.c_void_p]
lib.mlmd_message_free.restype = None
for _fn in (lib.mlmd_store_put_artifacts, lib.mlmd_store_get_artifacts_by_id):
  _fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                  ctypes.POINTER(ctypes.c_void_p)]
  _fn.restype = ctypes.c_int


def descriptor(name):
  return ctypes.addressof(ctypes.c_char.in_dll(lib, name))


PUT_RQ = descriptor('mlmd__pb__put_artifacts_request__descriptor')
GET_RQ = descriptor('mlmd__pb__get_artifacts_by_idrequest__descriptor')


def c_message(desc, message):
  """message (a Python proto) decoded by libmlmd: a pointer to free with
  mlmd_message_free."""
  data = message.SerializeToString()
  out = ctypes.c_void_p()
  if lib.mlmd_message_unpack(desc, data, len(data), ctypes.byref(out)):
    raise RuntimeError(_native.error_message())
  return out


def c_call_typed(fn, handle, rq):
  rs = ctypes.c_void_p()
  if fn(handle, rq, ctypes.byref(rs)):
    raise RuntimeError(_native.error_message())
  lib.mlmd_message_free(rs)


def dataset_type():
  t = pb.ArtifactType(name='DataSet')
  t.properties['span'] = pb.INT
  t.properties['score'] = pb.DOUBLE
  t.properties['split'] = pb.STRING
  return t


def batch_of(tid, start):
  batch = []
  for i in range(start, start + BATCH):
    a = pb.Artifact(type_id=tid, uri='/data/part-%d' % i)
    a.properties['span'].int_value = i
    a.properties['score'].double_value = i * 0.5
    a.properties['split'].string_value = 'train' if i % 2 else 'eval'
    batch.append(a)
  return batch


def row(name, ours, base, ratio):
  print(bench_util.row(name, ours, base, [100 * r for r in ratio],
                       f='%.0f a/s', rf='%.0f%%'))
  sys.stdout.flush()


def remove(path):
  for suffix in ('', '-wal', '-shm'):
    if os.path.exists(path + suffix):
      os.unlink(path + suffix)


def main():
  bench_dir = sys.argv[2] if len(sys.argv) > 2 else '/tmp'
  reps = bench_util.rep_count()
  py_path = os.path.join(bench_dir, 'bench-python.db')
  c_path = os.path.join(bench_dir, 'bench-python-c.db')
  remove(py_path)
  remove(c_path)
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = py_path
  store = metadata_store.MetadataStore(config)
  tid = store.put_artifact_type(dataset_type())
  handle, code, message = _native.open_uri('sqlite:' + c_path)
  if handle is None:
    raise RuntimeError('%s (status %d)' % (message, code))
  data, code, message = _native.call(
      handle, b'PutArtifactType',
      svc.PutArtifactTypeRequest(artifact_type=dataset_type())
      .SerializeToString())
  if code:
    raise RuntimeError(message)
  c_tid = svc.PutArtifactTypeResponse.FromString(data).type_id

  print('python binding benchmark (ml_metadata over ctypes, %s), %d '
        'repetitions; protobuf %s, C++ message accelerator: %s'
        % (sys.executable, reps, api_implementation.Type(), _cpp.REASON))
  print(bench_util.head('workload', 'python', 'C (same run)', 'python/C'))
  # put: each repetition adds 100k artifacts to each store
  py_put, c_put, put_ratio = [], [], []
  for rep in range(reps):
    rqs = [c_message(PUT_RQ, svc.PutArtifactsRequest(
        artifacts=batch_of(c_tid, rep * N + b))) for b in range(0, N, BATCH)]

    def c_side():
      start = time.perf_counter()
      for rq in rqs:
        c_call_typed(lib.mlmd_store_put_artifacts, handle, rq)
      return N / (time.perf_counter() - start)

    def py_side():
      start = time.perf_counter()
      for b in range(0, N, BATCH):
        store.put_artifacts(batch_of(tid, rep * N + b))
      return N / (time.perf_counter() - start)

    if rep % 2 == 0:  # neither side always runs first
      py_rate = py_side()
      c_rate = c_side()
    else:
      c_rate = c_side()
      py_rate = py_side()
    for rq in rqs:
      lib.mlmd_message_free(rq)
    c_put.append(c_rate)
    py_put.append(py_rate)
    put_ratio.append(py_rate / c_rate)
  row('put 100k artifacts, 3 props, batches of 1000', py_put, c_put,
      put_ratio)

  # get the first 100k by id (ids 1..100k in both stores)
  ids = list(range(1, N + 1))
  got = store.get_artifacts_by_id(ids[:BATCH])
  assert len(got) == BATCH and got[0].properties['split'].string_value
  rqs = [c_message(GET_RQ, svc.GetArtifactsByIDRequest(
      artifact_ids=ids[b:b + BATCH])) for b in range(0, N, BATCH)]
  raw = [svc.GetArtifactsByIDRequest(artifact_ids=ids[b:b + BATCH])
         .SerializeToString() for b in range(0, N, BATCH)]
  data, code, _ = _native.call(handle, b'GetArtifactsByID', raw[0])
  assert code == 0
  assert len(svc.GetArtifactsByIDResponse.FromString(data).artifacts) == BATCH
  responses = [_native.call(handle, b'GetArtifactsByID', r)[0] for r in raw]
  py_get, c_typed, c_bytes, r_typed, r_bytes = [], [], [], [], []
  parse, r_parse = [], []
  def c_typed_side():
    start = time.perf_counter()
    for rq in rqs:
      c_call_typed(lib.mlmd_store_get_artifacts_by_id, handle, rq)
    return N / (time.perf_counter() - start)

  def c_bytes_side():
    start = time.perf_counter()
    for r in raw:
      _native.call(handle, b'GetArtifactsByID', r)
    return N / (time.perf_counter() - start)

  def py_side():
    start = time.perf_counter()
    n = 0
    for b in range(0, N, BATCH):
      n += len(store.get_artifacts_by_id(ids[b:b + BATCH]))
    rate = n / (time.perf_counter() - start)
    assert n == N
    return rate

  for rep in range(reps):
    if rep % 2 == 0:  # the C figures before Python's, then after
      typed, bytes_rate, py_rate = c_typed_side(), c_bytes_side(), py_side()
    else:
      py_rate = py_side()
      bytes_rate, typed = c_bytes_side(), c_typed_side()
    start = time.perf_counter()
    for data in responses:
      list(svc.GetArtifactsByIDResponse.FromString(data).artifacts)
    parse_rate = N / (time.perf_counter() - start)
    parse.append(parse_rate)
    r_parse.append(parse_rate / typed)
    py_get.append(py_rate)
    c_typed.append(typed)
    c_bytes.append(bytes_rate)
    r_typed.append(py_rate / typed)
    r_bytes.append(py_rate / bytes_rate)
  row('get 100k artifacts by id, 1000 per call', py_get, c_typed, r_typed)
  row('get 100k artifacts by id, vs C bytes', py_get, c_bytes, r_bytes)
  row('python protobuf parse alone, vs C typed get', parse, c_typed, r_parse)
  print('(C: the typed functions; "vs C bytes": mlmd_store_call, whose '
        'response the C caller does not decode while Python parses it; '
        '"parse alone": FromString and list() of the same responses, '
        'no store call, a ceiling for the binding)')
  for rq in rqs:
    lib.mlmd_message_free(rq)
  del store
  _native.free_store(handle)
  remove(py_path)
  remove(c_path)


if __name__ == '__main__':
  main()

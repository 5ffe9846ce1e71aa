"""The reproducibility capture a Python run records at start.

The library's mlmd_capture_collect() gathers what any process has (command
line, working directory, host, user, git commit/dirty/branch read from .git,
the allow-listed environment variables plus the names the caller adds, the
library version); Python adds the interpreter version (sys.version) and the
installed versions of the packages the caller names. The result is one
mlmd.tracking.Capture sent with StartRun, stored as the run's mlmd.*
properties (docs/tracking.md).
"""

import ctypes
import importlib.metadata
import sys

from ml_metadata import _native
from ml_metadata import errors
from mlmd.proto import mlmd_tracking_pb2 as tpb

_lib = _native.lib
try:
  _collect = _lib.mlmd_capture_collect
  _collect.argtypes = [ctypes.POINTER(ctypes.c_char_p),
                       ctypes.POINTER(ctypes.c_void_p),
                       ctypes.POINTER(ctypes.c_size_t)]
  _collect.restype = ctypes.c_int
except AttributeError:  # a library older than the tracking client API
  _collect = None

NOT_INSTALLED = '(not installed)'


def package_version(name):
  """The installed version of distribution `name`, or '(not installed)'."""
  try:
    return importlib.metadata.version(name)
  except importlib.metadata.PackageNotFoundError:
    module = sys.modules.get(name)
    version = getattr(module, '__version__', None)
    return str(version) if version is not None else NOT_INSTALLED


def collect(packages=(), env=(), seed=None):
  """A Capture: the library's fields, sys.version, the named packages'
  versions, the seed when given."""
  capture = tpb.Capture()
  if _collect is not None:
    names = [str(n).encode('utf-8') for n in env]
    arr = (ctypes.c_char_p * (len(names) + 1))(*names, None)
    out = ctypes.c_void_p()
    out_len = ctypes.c_size_t()
    rc = _collect(arr, ctypes.byref(out), ctypes.byref(out_len))
    if rc != 0:
      raise errors.make_exception(
          'reproducibility capture: ' + _native.error_message(), -rc)
    try:
      capture.ParseFromString(ctypes.string_at(out, out_len.value))
    finally:
      _lib.mlmd_buffer_free(out)
  capture.python_version = sys.version
  for name in packages:
    capture.packages[str(name)] = package_version(str(name))
  if seed is not None:
    if isinstance(seed, bool) or not isinstance(seed, int):
      raise errors.InvalidArgumentError('seed must be an int, got %r' % (seed,))
    capture.seed = seed
  return capture

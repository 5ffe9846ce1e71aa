"""Loads libmlmd and declares the C functions the bindings use.

The bindings need nothing but the library's byte-level FFI:
mlmd_store_open_config (ml_metadata) or mlmd_store_open (a store URI, for
the mlmd tracking package), mlmd_store_set_actor and mlmd_store_actor (who a
handle's writes are by), mlmd_store_call, mlmd_error_message,
mlmd_buffer_free and mlmd_store_free. Both packages load the library through
this module, once. The library is looked for, in order:
  1. the file named by the MLMD_LIBRARY environment variable;
  2. next to this package (`make` and `pip install` put a copy there);
  3. the build directory of a source checkout (../../../build);
  4. the directory `make install` recorded, then the system's library path.
"""

import ctypes
import ctypes.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
  env = os.environ.get('MLMD_LIBRARY')
  if env:
    # An explicit choice is the only one: a wrong path is an error, not a
    # reason to load some other copy.
    return [('MLMD_LIBRARY', env)]
  found = [
      ('next to the package', os.path.join(_HERE, 'libmlmd.so')),
      ('source checkout', os.path.normpath(
          os.path.join(_HERE, '..', '..', '..', 'build', 'libmlmd.so'))),
  ]
  try:
    from ml_metadata import _install_paths  # written by `make install`
    found.append(('installed', os.path.join(_install_paths.LIBDIR,
                                            'libmlmd.so.0')))
  except ImportError:
    pass
  name = ctypes.util.find_library('mlmd')
  if name:
    found.append(('system library path', name))
  for d in ('/usr/local/lib', '/usr/lib', '/usr/lib/x86_64-linux-gnu',
            '/usr/lib/aarch64-linux-gnu'):
    found.append(('system library path', os.path.join(d, 'libmlmd.so.0')))
  return found


def _load():
  tried = []
  for where, path in _candidates():
    is_name = os.sep not in path
    if not is_name and not os.path.exists(path):
      tried.append('%s (%s: no such file)' % (path, where))
      continue
    try:
      return ctypes.CDLL(path), path
    except OSError as e:
      tried.append('%s (%s: %s)' % (path, where, e))
  raise ImportError(
      'ml_metadata: cannot load the mlmd C library (libmlmd.so). Looked at: '
      + '; '.join(tried) + '. Build it with `make` in the mlmd source tree, '
      'install it with `make install`, or set MLMD_LIBRARY to its path.')


lib, path = _load()

lib.mlmd_store_open_config.argtypes = [
    ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t]
lib.mlmd_store_open_config.restype = ctypes.c_int


class StoreOptions(ctypes.Structure):
  """mlmd_store_options (include/mlmd/store.h), version 1."""
  _fields_ = [('version', ctypes.c_uint), ('uri', ctypes.c_char_p),
              ('read_only', ctypes.c_int), ('no_create', ctypes.c_int),
              ('upgrade', ctypes.c_int), ('busy_timeout_ms', ctypes.c_int),
              ('synchronous_full', ctypes.c_int)]


lib.mlmd_store_open.argtypes = [ctypes.POINTER(ctypes.c_void_p),
                                ctypes.POINTER(StoreOptions)]
lib.mlmd_store_open.restype = ctypes.c_int
lib.mlmd_store_call.argtypes = [
    ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
    ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
lib.mlmd_store_call.restype = ctypes.c_int
lib.mlmd_error_message.argtypes = []
lib.mlmd_error_message.restype = ctypes.c_char_p
lib.mlmd_buffer_free.argtypes = [ctypes.c_void_p]
lib.mlmd_buffer_free.restype = None
lib.mlmd_store_free.argtypes = [ctypes.c_void_p]
lib.mlmd_store_free.restype = None
lib.mlmd_store_set_actor.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.mlmd_store_set_actor.restype = ctypes.c_int
lib.mlmd_store_actor.argtypes = [ctypes.c_void_p]
lib.mlmd_store_actor.restype = ctypes.c_char_p


def error_message():
  """The message of the last failure on this thread."""
  m = lib.mlmd_error_message()
  return m.decode('utf-8', 'replace') if m else ''


def set_actor(handle, actor):
  """Sets who the handle's later calls are by (None: the library's default,
  $MLMD_ACTOR, else the OS user name). Returns (0, '') or (code, message)."""
  rc = lib.mlmd_store_set_actor(
      handle, None if actor is None else actor.encode('utf-8'))
  if rc != 0:
    return -rc, error_message()
  return 0, ''


def actor(handle):
  """The handle's actor (a str)."""
  a = lib.mlmd_store_actor(handle)
  return a.decode('utf-8', 'replace') if a else None


def _with_actor(handle, actor_name):
  """(handle, 0, '') with `actor_name` set on the new handle (None: leave
  the library's default), else the handle freed and (None, code, message)."""
  if actor_name is not None:
    code, message = set_actor(handle, actor_name)
    if code != 0:
      lib.mlmd_store_free(handle)
      return None, code, message
  return handle, 0, ''


def open_store(config_bytes, actor_name=None):
  """Opens a store from serialized ConnectionConfig bytes, its writes by
  `actor_name` (None: the library's default).

  Returns (handle, 0, '') or (None, code, message).
  """
  handle = ctypes.c_void_p()
  rc = lib.mlmd_store_open_config(ctypes.byref(handle), config_bytes,
                                  len(config_bytes))
  if rc != 0:
    return None, -rc, error_message()
  return _with_actor(handle, actor_name)


def open_uri(uri, upgrade=False, actor_name=None):
  """Opens a store by URI as the CLI does (sqlite:PATH, sqlite::memory:,
  postgresql://USER@HOST:PORT/DB), creating it when new, its writes by
  `actor_name` (None: the library's default).

  Returns (handle, 0, '') or (None, code, message).
  """
  opts = StoreOptions(1, uri.encode('utf-8'), 0, 0, 1 if upgrade else 0, 0, 0)
  handle = ctypes.c_void_p()
  rc = lib.mlmd_store_open(ctypes.byref(handle), ctypes.byref(opts))
  if rc != 0:
    return None, -rc, error_message()
  return _with_actor(handle, actor_name)


# Bound once: call() runs for every RPC.
_store_call = lib.mlmd_store_call
_buffer_free = lib.mlmd_buffer_free
_byref = ctypes.byref
_string_at = ctypes.string_at
_void_p = ctypes.c_void_p
_size_t = ctypes.c_size_t


def call(handle, method, request_bytes):
  """Runs one RPC: returns (response_bytes, 0, '') or (None, code, message)."""
  out = _void_p()
  out_len = _size_t()
  rc = _store_call(handle, method, request_bytes, len(request_bytes),
                   _byref(out), _byref(out_len))
  if rc != 0:
    return None, -rc, error_message()
  try:
    return _string_at(out, out_len.value), 0, ''
  finally:
    _buffer_free(out)


def free_store(handle):
  lib.mlmd_store_free(handle)

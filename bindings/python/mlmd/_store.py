"""The store a tracking client talks to: one open libmlmd handle per URI.

Every call is one tracking RPC (proto/mlmd_tracking.proto) or MLMD RPC run
through the library's bytes entry point mlmd_store_call; a failure raises the
ml_metadata.errors exception for the returned status code. Handles are shared
per URI within the process, so the fluent API and every MlflowClient on
`sqlite::memory:` see the same in-memory store.

A shared handle's actor (who its writes are by) is set before each call to
the caller's: a client's own actor, else mlmd.set_actor()'s as it is then,
else the library's default; mlmd_store_set_actor runs only when it changes.
"""

import atexit
import os
import threading

from ml_metadata import _actor
from ml_metadata import _native
from ml_metadata import errors

DEFAULT_URI = 'sqlite:mlmd.db'

_stores = {}
_stores_lock = threading.Lock()
_current_uri = None  # set_store()'s URI


def set_uri(uri):
  """Makes `uri` the store of later calls that name none (None: back to
  $MLMD_STORE, else sqlite:mlmd.db)."""
  global _current_uri
  _current_uri = str(uri) if uri else None


def resolve_uri(uri=None):
  """The URI given, else set_store()'s, else $MLMD_STORE, else
  sqlite:mlmd.db."""
  if uri:
    return str(uri)
  return _current_uri or os.environ.get('MLMD_STORE') or DEFAULT_URI


class Store(object):
  """One open store; calls on it are serialized (the handle is not shared
  between threads by the library)."""

  def __init__(self, uri):
    self.uri = uri
    self._lock = threading.Lock()
    handle, code, message = _native.open_uri(uri)
    if handle is None:
      raise errors.make_exception('store %s: %s' % (uri, message), code)
    self._handle = handle
    self._actor = None  # the handle's actor as last set (None: the default)

  def _set_actor(self, actor):
    """Gives the handle `actor` (None: set_actor()'s, else the library's
    default) unless it has it already. Called with the lock held."""
    if actor is None:
      actor = _actor.current()
    if actor != self._actor:
      code, message = _native.set_actor(self._handle, actor)
      if code != 0:
        raise errors.make_exception(message, code)
      self._actor = actor

  def actor(self, actor=None):
    """Who a call by `actor` (a client's own, or None) would be by: the
    name the handle would carry."""
    with self._lock:
      if self._handle is None:
        raise errors.FailedPreconditionError('store %s is closed' % self.uri)
      self._set_actor(actor)
      return _native.actor(self._handle)

  def call_bytes(self, method, payload, actor=None):
    """Runs one RPC on serialized bytes by `actor` (None: set_actor()'s,
    else the library's default); returns the response bytes."""
    with self._lock:
      if self._handle is None:
        raise errors.FailedPreconditionError('store %s is closed' % self.uri)
      self._set_actor(actor)
      data, code, message = _native.call(self._handle, method, payload)
    if code != 0:
      raise errors.make_exception(message, code)
    return data

  def call(self, method, request, response, actor=None):
    """Runs one RPC by `actor` (as call_bytes): serializes `request`, parses
    into `response`."""
    response.ParseFromString(
        self.call_bytes(method.encode('ascii'), request.SerializeToString(),
                        actor))
    return response

  def with_handle(self, fn):
    """fn(handle)'s value, with the lock held: for the library's calls on
    the handle other than mlmd_store_call (mlmd_store_gc)."""
    with self._lock:
      if self._handle is None:
        raise errors.FailedPreconditionError('store %s is closed' % self.uri)
      return fn(self._handle)

  def close(self):
    with self._lock:
      if self._handle is not None:
        _native.free_store(self._handle)
        self._handle = None

  def __del__(self):
    handle = getattr(self, '_handle', None)
    if handle is not None and _native is not None:
      self._handle = None
      _native.free_store(handle)


def get_store(uri=None):
  """The shared open store for `uri` (resolved as resolve_uri does)."""
  uri = resolve_uri(uri)
  with _stores_lock:
    s = _stores.get(uri)
    if s is None:
      s = Store(uri)
      _stores[uri] = s
    return s



@atexit.register
def _close_all():
  """Closes the shared stores at exit (after the fluent API has ended its
  active runs: its exit handler is registered later, so it runs first)."""
  with _stores_lock:
    for s in _stores.values():
      s.close()
    _stores.clear()

"""The process-wide default actor: who the writes of stores opened by this
process are by (the actor of their audit records, the requester or approver
of the registry's requests). Shared by both packages: mlmd.set_actor() sets
it; ml_metadata.MetadataStore applies it when it opens a store, mlmd's
clients at each call (theirs share one handle per URI). Unset, a store uses
the library's default: $MLMD_ACTOR, else the OS user name.

The library trusts its host for identity (docs/audit.md): an actor is what
the program says it is.
"""

import os
import threading

from ml_metadata import errors

_MAX = 256
_lock = threading.Lock()
_actor = None  # set_actor()'s name, or None


def problem(name):
  """Why `name` is not an acceptable actor (the library's rule: 1..256 bytes
  of UTF-8 text without control characters), or None when it is."""
  if not isinstance(name, str):
    return 'is not a string (got %s)' % type(name).__name__
  try:
    n = len(name.encode('utf-8'))
  except UnicodeEncodeError:
    return 'is not valid UTF-8'
  if n == 0:
    return 'is empty'
  if n > _MAX:
    return 'is longer than 256 bytes'
  if any(ord(c) < 0x20 or ord(c) == 0x7f for c in name):
    return 'holds a control character'
  return None


def check(name):
  """`name` when it is an acceptable actor; InvalidArgumentError else."""
  why = problem(name)
  if why:
    raise errors.InvalidArgumentError(
        'actor %r %s (1..256 bytes of UTF-8 text without control '
        'characters)' % (name, why))
  return name


def set_actor(name):
  """Makes `name` the actor of this process's later writes: of stores
  ml_metadata.MetadataStore opens from now on, and of every call of mlmd's
  clients and fluent functions that were not given an actor of their own.
  None: back to the library's default ($MLMD_ACTOR, else the OS user name).
  An unacceptable name (empty, over 256 bytes, control characters) raises
  InvalidArgumentError and changes nothing."""
  global _actor
  if name is not None:
    check(name)
  with _lock:
    _actor = name


def current():
  """set_actor()'s name, or None when unset (the library's default)."""
  return _actor


def library_default():
  """The actor the library gives a store when none is set: $MLMD_ACTOR when
  acceptable, else the effective user's name, else "uid:<n>"."""
  env = os.environ.get('MLMD_ACTOR')
  if env is not None and problem(env) is None:
    return env
  try:
    import pwd  # pylint: disable=import-outside-toplevel
    name = pwd.getpwuid(os.geteuid()).pw_name
    if problem(name) is None:
      return name
  except (ImportError, KeyError):
    pass
  return 'uid:%d' % os.geteuid()


def get_actor():
  """The actor of this process's later writes: set_actor()'s, else the
  library's default ($MLMD_ACTOR, else the OS user name)."""
  return _actor if _actor is not None else library_default()

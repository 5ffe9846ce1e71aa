"""The C++ message accelerator: generated classes for protobuf's cpp backend.

Under python3-protobuf's `cpp` implementation, a message class of a
pure-Python _pb2 module is a dynamic message, parsed and serialized through
reflection; when the module's file is already in libprotobuf's generated
pool, the same class is backed by the generated C++ class instead, whose
parser is compiled code (several times faster for the large responses of
MLMD's reads). `make` builds the extension module `_cpp_messages` (protoc's
C++ classes of the same .proto files as the _pb2 modules, linked against
libprotobuf; docs/python.md) next to this file, and ml_metadata's
__init__ calls load() before anything imports a _pb2 module.

load() is a no-op (ACTIVE stays False, REASON says why) when
MLMD_PYTHON_NO_CPP is set to anything but '' or '0', when the protobuf
implementation is not 'cpp', when the extension is missing or does not
load, or when the _pb2 modules were imported before it. The messages are
the same either way: only how they are parsed changes.

ACTIVE is True once the _pb2 message classes are checked to be backed by the
generated classes. A descriptor compiled into the extension that differs
from the one its _pb2 module carries (an extension built from other .proto
files) is an ImportError naming the fix: the classes would otherwise follow
the extension's descriptor, not the module's.
"""

import importlib.util
import os
import sys

ACTIVE = False
REASON = 'not loaded'
_loaded = False

_MODULES = {
    'ml_metadata/proto/metadata_store.proto':
        'ml_metadata.proto.metadata_store_pb2',
    'ml_metadata/proto/metadata_store_service.proto':
        'ml_metadata.proto.metadata_store_service_pb2',
}


def disabled_by_env():
  """True when MLMD_PYTHON_NO_CPP asks for the accelerator to stay off."""
  return os.environ.get('MLMD_PYTHON_NO_CPP', '') not in ('', '0')


def load():
  """Loads the extension before the _pb2 modules when it can; sets ACTIVE
  and REASON. Safe to call more than once (later calls do nothing)."""
  global ACTIVE, REASON, _loaded
  if _loaded:
    return
  _loaded = True
  if disabled_by_env():
    REASON = 'disabled by MLMD_PYTHON_NO_CPP'
    return
  try:
    from google.protobuf.internal import api_implementation  # pylint: disable=g-import-not-at-top
    impl = api_implementation.Type()
  except ImportError as e:
    REASON = 'google.protobuf is not importable: %s' % e
    return
  if impl != 'cpp':
    REASON = 'the protobuf implementation is %r, not cpp' % impl
    return
  early = [m for m in _MODULES.values() if m in sys.modules]
  if early:
    REASON = '%s was imported before the accelerator' % early[0]
    return
  if importlib.util.find_spec('ml_metadata._cpp_messages') is None:
    REASON = 'the extension module _cpp_messages is not built (make builds it)'
    return
  try:
    from ml_metadata import _cpp_messages  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    REASON = 'the extension module _cpp_messages does not load: %s' % e
    return
  modules = {}
  for file_name, module_name in _MODULES.items():
    __import__(module_name)
    modules[file_name] = sys.modules[module_name]
  for file_name in _cpp_messages.FILES:
    module = modules.get(file_name)
    if module is None:
      continue
    if module.DESCRIPTOR.serialized_pb != _cpp_messages.file_descriptor(
        file_name):
      raise ImportError(
          'ml_metadata: %s was built from another version of %s than %s: '
          'run `make` again (or set MLMD_PYTHON_NO_CPP=1 to do without it)'
          % (_cpp_messages.__file__, file_name, module.__file__))
  from google.protobuf.pyext import _message  # pylint: disable=g-import-not-at-top
  artifact = modules['ml_metadata/proto/metadata_store.proto'].Artifact()
  backed = _cpp_messages.backed_by_generated(artifact, _message.__file__)
  if backed:
    ACTIVE = True
    REASON = 'active (%s)' % os.path.basename(_cpp_messages.__file__)
  elif backed is None:
    REASON = ('loaded, but this protobuf build does not let it check that '
              'messages use the generated classes')
  else:
    REASON = ('loaded, but python\'s protobuf does not use it (another '
              'libprotobuf than the one it was linked with)')

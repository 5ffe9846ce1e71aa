"""The C++ message accelerator (ml_metadata/_cpp.py, _cpp_messages.cc).

With the extension built (`make` builds it when g++ and python3-dev are
there, as CI does) and protobuf's cpp implementation, ml_metadata's message
classes must be backed by the generated C++ classes; results must be the
same with the accelerator, with MLMD_PYTHON_NO_CPP=1 and with protobuf's
pure-Python implementation (a fixed workload, cpp_workload.py, run in
subprocesses); a descriptor that differs from its _pb2 module's must be an
ImportError, never classes that silently follow another .proto.
"""

import glob
import json
import os
import subprocess
import sys

import pytest

import ml_metadata
from ml_metadata import _cpp
from ml_metadata.proto import metadata_store_pb2
from ml_metadata.proto import metadata_store_service_pb2

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory
from google.protobuf.internal import api_implementation

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(os.path.abspath(ml_metadata.__file__))
BUILT = bool(glob.glob(os.path.join(PKG, '_cpp_messages*.so')))
CPP = api_implementation.Type() == 'cpp'
WANTED = BUILT and CPP and not _cpp.disabled_by_env()

needs_accelerator = pytest.mark.skipif(
    not WANTED, reason='no accelerator here: built=%s, protobuf %s, '
    'MLMD_PYTHON_NO_CPP=%r' % (BUILT, api_implementation.Type(),
                               os.environ.get('MLMD_PYTHON_NO_CPP')))


def _env(**extra):
  env = dict(os.environ)
  env.pop('MLMD_PYTHON_NO_CPP', None)
  env.pop('PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION', None)
  env['PYTHONPATH'] = os.pathsep.join(
      p for p in (os.path.dirname(PKG), os.environ.get('PYTHONPATH')) if p)
  env.update(extra)
  return env


def _python(code, **extra):
  """Runs `code` in a new interpreter; returns its stdout (it must exit 0)."""
  done = subprocess.run([sys.executable, '-c', code], env=_env(**extra),
                        capture_output=True, text=True, check=False)
  assert done.returncode == 0, done.stderr
  return done.stdout


@needs_accelerator
def test_accelerator_is_active_when_built():
  assert _cpp.ACTIVE, _cpp.REASON
  from ml_metadata import _cpp_messages  # pylint: disable=g-import-not-at-top
  from google.protobuf.pyext import _message  # pylint: disable=g-import-not-at-top
  for message in (metadata_store_pb2.Artifact(),
                  metadata_store_service_pb2.GetArtifactsByIDResponse(),
                  metadata_store_service_pb2.PutExecutionRequest()):
    assert _cpp_messages.backed_by_generated(message, _message.__file__)


@needs_accelerator
def test_compiled_descriptors_are_the_pb2_modules_bytes():
  from ml_metadata import _cpp_messages  # pylint: disable=g-import-not-at-top
  modules = {metadata_store_pb2.DESCRIPTOR.name: metadata_store_pb2,
             metadata_store_service_pb2.DESCRIPTOR.name:
                 metadata_store_service_pb2}
  assert sorted(_cpp_messages.FILES) == sorted(modules)
  for name, module in modules.items():
    assert _cpp_messages.file_descriptor(name) == module.DESCRIPTOR.serialized_pb
  assert _cpp_messages.file_descriptor('google/protobuf/any.proto') is None
  assert _cpp_messages.file_descriptor('no/such.proto') is None


@needs_accelerator
def test_check_tells_dynamic_messages_from_generated_ones():
  from ml_metadata import _cpp_messages  # pylint: disable=g-import-not-at-top
  from google.protobuf.pyext import _message  # pylint: disable=g-import-not-at-top
  # A message of a pool of its own is a dynamic message.
  pool = descriptor_pool.DescriptorPool()
  f = descriptor_pb2.FileDescriptorProto(name='t/dyn.proto', package='t')
  m = f.message_type.add(name='M')
  m.field.add(name='x', number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
              label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
  pool.Add(f)
  cls = message_factory.MessageFactory(pool).GetPrototype(
      pool.FindMessageTypeByName('t.M'))
  assert _cpp_messages.backed_by_generated(cls(x=3), _message.__file__) is False
  assert _cpp_messages.backed_by_generated(42, _message.__file__) is None
  assert _cpp_messages.backed_by_generated(
      metadata_store_pb2.Artifact(), '/no/such/module.so') is None


@needs_accelerator
def test_disabled_by_environment_leaves_messages_dynamic():
  out = _python(
      'import json\n'
      'from ml_metadata import _cpp\n'
      'from ml_metadata.proto import metadata_store_pb2 as pb\n'
      'from ml_metadata import _cpp_messages\n'
      'from google.protobuf.pyext import _message\n'
      'print(json.dumps([_cpp.ACTIVE, _cpp.REASON,\n'
      '  _cpp_messages.backed_by_generated(pb.Artifact(), _message.__file__)]))',
      MLMD_PYTHON_NO_CPP='1')
  active, reason, backed = json.loads(out)
  assert not active and 'MLMD_PYTHON_NO_CPP' in reason
  # Loaded after the _pb2 modules, the extension changes nothing.
  assert backed is False


def test_pure_python_protobuf_skips_it():
  out = _python('from ml_metadata import _cpp\nprint(_cpp.ACTIVE, _cpp.REASON)',
                PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION='python')
  assert out.startswith('False ') and "'python'" in out


def test_stale_extension_is_an_import_error():
  # A stand-in extension whose descriptor differs from the _pb2 module's.
  code = (
      'import importlib.machinery, sys, types\n'
      'from google.protobuf.internal import api_implementation\n'
      'if api_implementation.Type() != "cpp":\n'
      '  api_implementation.Type = lambda: "cpp"\n'
      'fake = types.ModuleType("ml_metadata._cpp_messages")\n'
      'fake.__spec__ = importlib.machinery.ModuleSpec(fake.__name__, None)\n'
      'fake.__file__ = "/stale/_cpp_messages.so"\n'
      'fake.FILES = ("ml_metadata/proto/metadata_store.proto",)\n'
      'fake.file_descriptor = lambda name: b"other bytes"\n'
      'sys.modules[fake.__name__] = fake\n'
      'try:\n'
      '  import ml_metadata\n'
      'except ImportError as e:\n'
      '  print("ImportError:", e)\n')
  out = _python(code)
  assert out.startswith('ImportError:'), out
  assert 'metadata_store.proto' in out and 'make' in out
  assert 'MLMD_PYTHON_NO_CPP' in out


def _workload(tmp_path, label, **extra):
  path = str(tmp_path / ('%s.db' % label))
  done = subprocess.run(
      [sys.executable, os.path.join(HERE, 'cpp_workload.py'), path],
      env=_env(**extra), capture_output=True, text=True, check=False)
  assert done.returncode == 0, done.stderr
  return json.loads(done.stdout)


@pytest.mark.in_process
def test_results_identical_with_and_without_it(tmp_path):
  fast = _workload(tmp_path, 'default')
  off = _workload(tmp_path, 'off', MLMD_PYTHON_NO_CPP='1')
  pure = _workload(tmp_path, 'pure',
                   PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION='python')
  accelerated = fast.pop('accelerated')
  assert accelerated or not WANTED
  assert off.pop('accelerated') is False
  assert pure.pop('accelerated') is False
  assert sorted(fast) == sorted(off) == sorted(pure)
  for key in fast:
    assert fast[key] == off[key], key
    assert fast[key] == pure[key], key
  # The workload really read something: every page, the lineage, the errors.
  assert len(fast['get_artifacts']) == 250
  assert fast['get_lineage_subgraph']
  assert fast['get_missing_type'][1] == 'NotFoundError'
  assert fast['put_bad_property'][1] == 'InvalidArgumentError'

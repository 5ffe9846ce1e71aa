"""The errors module, the import forms, and how the library is found."""

import os
import subprocess
import sys

import pytest

from ml_metadata import errors


def test_every_code_has_its_exception_class():
  names = {
      errors.CANCELLED: 'CancelledError', errors.UNKNOWN: 'UnknownError',
      errors.INVALID_ARGUMENT: 'InvalidArgumentError',
      errors.DEADLINE_EXCEEDED: 'DeadlineExceededError',
      errors.NOT_FOUND: 'NotFoundError',
      errors.ALREADY_EXISTS: 'AlreadyExistsError',
      errors.PERMISSION_DENIED: 'PermissionDeniedError',
      errors.RESOURCE_EXHAUSTED: 'ResourceExhaustedError',
      errors.FAILED_PRECONDITION: 'FailedPreconditionError',
      errors.ABORTED: 'AbortedError', errors.OUT_OF_RANGE: 'OutOfRangeError',
      errors.UNIMPLEMENTED: 'UnimplementedError',
      errors.INTERNAL: 'InternalError', errors.UNAVAILABLE: 'UnavailableError',
      errors.DATA_LOSS: 'DataLossError',
      errors.UNAUTHENTICATED: 'UnauthenticatedError',
  }
  assert errors.OK == 0 and errors.UNAUTHENTICATED == 16
  for code, name in names.items():
    e = errors.make_exception('boom %d' % code, code)
    assert type(e).__name__ == name
    assert isinstance(e, errors.StatusError)
    assert e.error_code == code
    assert str(e) == 'boom %d' % code
    assert errors.exception_type_from_error_code(code) is type(e)
  odd = errors.make_exception('odd', 99)
  assert type(odd) is errors.StatusError and odd.error_code == 99


def _run(code, env_extra=None):
  env = dict(os.environ)
  env.update(env_extra or {})
  return subprocess.run([sys.executable, '-c', code], env=env,
                        capture_output=True, text=True, check=False)


def test_import_forms():
  r = _run('import ml_metadata as mlmd\n'
           'from ml_metadata import metadata_store, errors\n'
           'from ml_metadata.metadata_store import metadata_store as ms\n'
           'from ml_metadata.proto import metadata_store_pb2, '
           'metadata_store_service_pb2\n'
           'assert mlmd.MetadataStore is ms.MetadataStore\n'
           'assert metadata_store.MetadataStore is ms.MetadataStore\n'
           'assert mlmd.proto.Artifact is metadata_store_pb2.Artifact\n'
           'assert mlmd.ListOptions and mlmd.OrderByField and '
           'mlmd.downgrade_schema\n'
           'print(mlmd.__version__)')
  assert r.returncode == 0, r.stderr
  assert r.stdout.strip() == '0.1.0'


def test_missing_library_is_a_clear_import_error():
  r = _run('import ml_metadata', {'MLMD_LIBRARY': '/nonexistent/libmlmd.so'})
  assert r.returncode != 0
  assert 'ImportError' in r.stderr
  assert '/nonexistent/libmlmd.so (MLMD_LIBRARY: no such file)' in r.stderr
  assert 'make' in r.stderr


def test_mlmd_library_selects_the_file():
  from ml_metadata import _native  # pylint: disable=g-import-not-at-top
  r = _run('from ml_metadata import _native; print(_native.path)',
           {'MLMD_LIBRARY': _native.path})
  assert r.returncode == 0, r.stderr
  assert r.stdout.strip() == _native.path


REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _import_from(site_dir, env_extra=None):
  env = {k: v for k, v in os.environ.items()
         if k not in ('PYTHONPATH', 'MLMD_LIBRARY')}
  env['PYTHONPATH'] = str(site_dir)
  env.update(env_extra or {})
  code = ('import ml_metadata as mlmd, ml_metadata._native as n\n'
          'c = mlmd.proto.ConnectionConfig(); c.fake_database.SetInParent()\n'
          'mlmd.MetadataStore(c).put_artifact_type('
          'mlmd.proto.ArtifactType(name="T"))\n'
          'print(mlmd.__file__); print(n.path)')
  return subprocess.run([sys.executable, '-c', code], env=env, cwd='/',
                        capture_output=True, text=True, check=False)


def _track_from(site_dir):
  """Imports the mlmd tracking package from site_dir and records a run."""
  env = {k: v for k, v in os.environ.items()
         if k not in ('PYTHONPATH', 'MLMD_LIBRARY', 'MLMD_STORE')}
  env['PYTHONPATH'] = str(site_dir)
  code = ('import mlmd\n'
          'mlmd.set_store("sqlite::memory:")\n'
          'with mlmd.start_run() as r:\n'
          '  mlmd.log_metric("m", 1.5, step=3)\n'
          'print(mlmd.__file__)\n'
          'print(mlmd.get_run(r.info.run_id).data.metrics["m"])')
  r = subprocess.run([sys.executable, '-c', code], env=env, cwd='/',
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  pkg, metric = r.stdout.split()
  assert pkg.startswith(str(site_dir))
  assert metric == '1.5'


def test_make_install_installs_a_working_package(tmp_path):
  prefix = tmp_path / 'prefix'
  r = subprocess.run(['make', '-s', '-C', REPO, 'install', 'PREFIX=%s' % prefix],
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stdout + r.stderr
  site = prefix / 'lib' / 'python3' / 'dist-packages'
  r = _import_from(site)
  assert r.returncode == 0, r.stderr
  pkg, lib = r.stdout.split()
  assert pkg.startswith(str(site))
  assert lib == str(prefix / 'lib' / 'libmlmd.so.0')  # from _install_paths
  _track_from(site)


def test_pip_install_works_offline(tmp_path):
  target = tmp_path / 'site'
  r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-index',
                      '--no-deps', '--quiet',
                      '--target', str(target),
                      os.path.join(REPO, 'bindings', 'python')],
                     capture_output=True, text=True, check=False)
  if r.returncode != 0 and 'No module named pip' in r.stderr:
    pytest.skip('pip is not installed for %s' % sys.executable)
  assert r.returncode == 0, r.stderr
  r = _import_from(target)
  assert r.returncode == 0, r.stderr
  pkg, lib = r.stdout.split()
  assert pkg.startswith(str(target))
  assert lib == str(target / 'ml_metadata' / 'libmlmd.so')  # shipped inside
  _track_from(target)

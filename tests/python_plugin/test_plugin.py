"""The pytest plugin alone: this directory has no conftest.py, and check-python
runs it as its own pytest run with `-p mlmd.testing`, so every fixture used
here comes from the plugin. The --mlmd-update-snapshots option is tested by
running pytest again in a subprocess on a test file written to tmp_path."""

import os
import re
import subprocess
import sys

from ml_metadata import errors
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import testing


def _put_artifact(store, name):
  type_id = store.put_artifact_type(mpb.ArtifactType(name='DataSet'))
  [artifact_id] = store.put_artifacts([mpb.Artifact(type_id=type_id,
                                                     name=name)])
  return artifact_id


def _open(path):
  config = mpb.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  return metadata_store.MetadataStore(config)


# Two tests that each write to mlmd_store and find only their own node: the
# store is fresh for every test whichever runs first.
def test_mlmd_store_is_a_fresh_store_one(mlmd_store):
  assert isinstance(mlmd_store, metadata_store.MetadataStore)
  _put_artifact(mlmd_store, 'one')
  assert [a.name for a in mlmd_store.get_artifacts()] == ['one']


def test_mlmd_store_is_a_fresh_store_two(mlmd_store):
  _put_artifact(mlmd_store, 'two')
  assert [a.name for a in mlmd_store.get_artifacts()] == ['two']


def test_mlmd_store_is_in_memory(mlmd_store, tmp_path):
  _put_artifact(mlmd_store, 'one')
  # pylint: disable=protected-access
  assert mlmd_store._config.WhichOneof('config') == 'fake_database'
  assert list(tmp_path.iterdir()) == []


def test_mlmd_store_path_is_a_store_file_in_tmp_path(mlmd_store_path,
                                                     tmp_path):
  assert mlmd_store_path.parent == tmp_path
  assert mlmd_store_path.is_file()
  with open(mlmd_store_path, 'rb') as f:
    assert f.read(16) == b'SQLite format 3\x00'
  writer = _open(mlmd_store_path)
  artifact_id = _put_artifact(writer, 'kept')
  writer._close()  # pylint: disable=protected-access
  reader = _open(mlmd_store_path)
  assert [(a.id, a.name) for a in reader.get_artifacts()] == [
      (artifact_id, 'kept')]


def test_mlmd_graph_builds_on_mlmd_store(mlmd_graph, mlmd_store):
  g = mlmd_graph('raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model')
  assert list(g) == ['raw', 'fit', 'model']
  assert [a.name for a in mlmd_store.get_artifacts()] == ['raw', 'model']
  testing.assert_produced_by(mlmd_store, g['model'], 'Trainer', 'COMPLETE')


def test_mlmd_graph_errors_name_line_and_column(mlmd_graph):
  try:
    mlmd_graph('raw:DataSet\n(fit:Trainer) -> raw:Model')
  except errors.InvalidArgumentError as e:
    assert str(e) == ("BuildGraph: line 2, column 22: 'raw' has type "
                      "'DataSet' (line 1, column 1), got 'Model'")
  else:
    raise AssertionError('a type given twice differently was accepted')


_GOLDEN_TEST = '''
import os
from mlmd import testing

def test_snapshot(mlmd_graph, mlmd_store):
  mlmd_graph(os.environ['GRAPH'])
  testing.assert_snapshot(mlmd_store, 'golden/graph.txt')
'''


def _pytest_run(directory, *args, graph, update_env=None):
  """Runs pytest with only our plugin on directory/test_golden.py; returns
  (exit status, output)."""
  env = dict(os.environ, GRAPH=graph)
  env.pop(testing.UPDATE_ENV, None)
  if update_env is not None:
    env[testing.UPDATE_ENV] = update_env
  p = subprocess.run(
      [sys.executable, '-m', 'pytest', '-q', '-p', 'mlmd.testing', '-p',
       'no:cacheprovider', '-c', str(directory / 'pytest.ini'),
       '--confcutdir', str(directory), *args, 'test_golden.py'],
      cwd=str(directory), env=env, stdout=subprocess.PIPE,
      stderr=subprocess.STDOUT, check=False)
  return p.returncode, p.stdout.decode('utf-8', 'replace')


def test_update_snapshots_option_writes_and_a_change_fails_with_a_diff(
    tmp_path):
  (tmp_path / 'pytest.ini').write_text('[pytest]\n')
  (tmp_path / 'test_golden.py').write_text(_GOLDEN_TEST)
  golden = tmp_path / 'golden' / 'graph.txt'
  first = 'raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model'

  rc, out = _pytest_run(tmp_path, graph=first)
  assert rc == 1, out
  assert ('golden file golden/graph.txt does not exist; write it from the '
          'store with pytest --mlmd-update-snapshots (or '
          'MLMD_UPDATE_SNAPSHOTS=1 in the environment)') in out, out
  assert not golden.exists()

  rc, out = _pytest_run(tmp_path, '--mlmd-update-snapshots', graph=first)
  assert rc == 0, out
  written = golden.read_text()
  assert 'raw' in written and 'fit' in written and 'model' in written

  rc, out = _pytest_run(tmp_path, graph=first)
  assert rc == 0, out

  second = 'raw:DataSet -> (fit:Trainer FAILED) -> model:Model'
  rc, out = _pytest_run(tmp_path, graph=second)
  assert rc == 1, out
  assert ("the store's graph differs from golden file golden/graph.txt "
          '(- golden, + store; if the change is intended, update it with '
          'pytest --mlmd-update-snapshots') in out, out
  assert '--- golden/graph.txt' in out and '+++ store' in out, out
  assert '-(fit:Trainer COMPLETE)\n' in out, out
  assert '+(fit:Trainer FAILED)\n' in out, out
  assert golden.read_text() == written

  rc, out = _pytest_run(tmp_path, graph=second, update_env='1')
  assert rc == 0, out
  assert golden.read_text() != written and 'FAILED' in golden.read_text()
  rc, out = _pytest_run(tmp_path, graph=second)
  assert rc == 0, out

  rc, out = _pytest_run(tmp_path, graph=second, update_env='yes')
  assert rc == 1, out
  assert "MLMD_UPDATE_SNAPSHOTS must be 1 (write golden files) or 0, got 'yes'" in out, out


def test_the_option_is_in_pytest_help(tmp_path):
  (tmp_path / 'pytest.ini').write_text('[pytest]\n')
  (tmp_path / 'test_golden.py').write_text(_GOLDEN_TEST)
  rc, out = _pytest_run(tmp_path, '--help', graph='')
  assert rc == 0, out
  assert '--mlmd-update-snapshots' in out, out


_SETUP_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                         'bindings', 'python', 'setup.py')
_FIXTURE_TEST = '''
def test_fixtures(mlmd_store, mlmd_graph, mlmd_store_path):
  mlmd_graph('raw:DataSet')
  assert [a.name for a in mlmd_store.get_artifacts()] == ['raw']
  assert mlmd_store_path.is_file()
'''


def test_installed_entry_point_loads_the_plugin_also_with_p(tmp_path):
  """The package as installed: a dist-info holding setup.py's own pytest11
  line. pytest then loads the plugin by itself, and `-p mlmd.testing`
  given as well is the same plugin, not a second registration (which
  pytest refuses with "Plugin already registered")."""
  with open(_SETUP_PY) as f:
    [line] = re.findall(r"'pytest11': \['([^']*)'\]", f.read())
  dist = tmp_path / 'site' / 'mlmd-0.dist-info'
  dist.mkdir(parents=True)
  (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: mlmd\n'
                                 'Version: 0\n')
  (dist / 'entry_points.txt').write_text('[pytest11]\n%s\n' % line)
  run = tmp_path / 'run'
  run.mkdir()
  (run / 'pytest.ini').write_text('[pytest]\n')
  (run / 'test_fixtures.py').write_text(_FIXTURE_TEST)
  env = dict(os.environ)
  env['PYTHONPATH'] = os.pathsep.join(
      [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p] +
      [str(tmp_path / 'site')])
  for extra in ([], ['-p', 'mlmd.testing']):
    p = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         '-c', str(run / 'pytest.ini'), '--confcutdir', str(run), *extra,
         'test_fixtures.py'], cwd=str(run), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, check=False)
    out = p.stdout.decode('utf-8', 'replace')
    assert p.returncode == 0, (extra, out)
    assert '1 passed' in out, (extra, out)

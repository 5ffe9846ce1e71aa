"""Numbers do not follow the locale: the CLI (which takes the user's locale
with setlocale(LC_ALL, "")) and the Python drop-in (in a process that set a
German locale) give byte-identical answers in C and de_DE.UTF-8.

The German locale is built by `make check` under build/locale (LOCPATH)."""

import json
import locale
import os
import subprocess

import pytest

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
LOCPATH = os.environ.get('LOCPATH', os.path.join(ROOT, 'build', 'locale'))
GERMAN = 'de_DE.UTF-8'


def run(lang, *args, cwd=None):
  env = dict(os.environ, LC_ALL=lang, LANG=lang, LOCPATH=LOCPATH)
  res = subprocess.run([CLI, *args], capture_output=True, env=env, cwd=cwd)
  assert res.returncode == 0, res.stderr.decode()
  return res.stdout


def german_available():
  env = dict(os.environ, LC_ALL=GERMAN, LOCPATH=LOCPATH)
  out = subprocess.run(['/usr/bin/python3', '-c', 'import locale; locale.setlocale(locale.LC_ALL, ""); '
                        'print(locale.localeconv()["decimal_point"])'], capture_output=True, text=True, env=env)
  return out.returncode == 0 and out.stdout.strip() == ','


@pytest.fixture(scope='module')
def store(tmp_path_factory):
  assert german_available(), f'{GERMAN} is not available under LOCPATH={LOCPATH}: make check builds it (localedef)'
  d = tmp_path_factory.mktemp('locale')
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(d / 'n.db')
  s = metadata_store.MetadataStore(config)
  t = metadata_store_pb2.ArtifactType(name='Measured')
  t.properties['p'] = metadata_store_pb2.DOUBLE
  tid = s.put_artifact_type(t)
  arts = []
  for v in (1.2, 1.5, 1.7, 2.5):
    a = metadata_store_pb2.Artifact(type_id=tid, uri=f'file:///m/{v}')
    a.properties['p'].double_value = v
    a.custom_properties['j'].struct_value.update({'x': v / 3, 'tiny': 2.5e-300})
    arts.append(a)
  s.put_artifacts(arts)
  del s
  return d


def test_cli_output_is_the_same_in_a_comma_locale(store, tmp_path):
  uri = f'sqlite:{store / "n.db"}'
  for args in (['ls', 'artifacts', '--long'], ['ls', 'artifacts', '--json'], ['show', 'artifact', '2'],
               ['show', 'artifact', '2', '--json'], ['stats', '--json'],
               ['ls', 'artifacts', '--filter', 'properties.p.double_value > 1.5', '--json']):
    c, de = run('C', '--store', uri, *args), run(GERMAN, '--store', uri, *args)
    assert c == de, (args, c, de)
  # the filter really compared with 1.5 (not 1): two of four match
  assert len(json.loads(run(GERMAN, '--store', uri, 'ls', 'artifacts', '--json', '--filter',
                            'properties.p.double_value > 1.5'))) == 2
  # export, then import into a new store, under the German locale: the same export again
  exported = run('C', '--store', uri, 'export', '-')
  assert run(GERMAN, '--store', uri, 'export', '-') == exported
  dump = tmp_path / 'dump.jsonl'
  dump.write_bytes(exported)
  copy = f'sqlite:{tmp_path / "copy.db"}'
  run(GERMAN, '--store', copy, 'import', str(dump))
  again = json.loads(run('C', '--store', copy, 'show', 'artifact', '2', '--json'))
  first = json.loads(run('C', '--store', uri, 'show', 'artifact', '2', '--json'))
  assert again['node']['properties'] == first['node']['properties']
  assert again['node']['custom_properties'] == first['node']['custom_properties']


def test_cli_scores_the_same_in_a_comma_locale(tmp_path):
  pmml = tmp_path / 'm.pmml'
  pmml.write_text(
      '<?xml version="1.0"?><PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header/>'
      '<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>'
      '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
      '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
      '<MiningField name="y" usageType="target"/></MiningSchema>'
      '<RegressionTable intercept="1.5"><NumericPredictor name="x" coefficient="0.25"/></RegressionTable>'
      '</RegressionModel></PMML>')
  csv = tmp_path / 'in.csv'
  csv.write_text('x\n2\n0.5\n1e-3\n')
  c, de = (run(lang, 'score', '--model', str(pmml), '--input', str(csv)) for lang in ('C', GERMAN))
  assert c == de
  assert [float(v) for v in c.decode().splitlines()[1:]] == [1.5 + 0.25 * x for x in (2, 0.5, 1e-3)]


def test_python_drop_in_in_a_comma_locale(store):
  """The library in this very process, after the host set a German locale."""
  os.environ['LOCPATH'] = LOCPATH
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(store / 'n.db')
  s = metadata_store.MetadataStore(config)
  old = locale.setlocale(locale.LC_ALL)
  try:
    locale.setlocale(locale.LC_ALL, GERMAN)
    assert locale.localeconv()['decimal_point'] == ','
    got = s.get_artifacts(list_options=metadata_store.ListOptions(
        filter_query='properties.p.double_value > 1.5'))
    assert sorted(a.properties['p'].double_value for a in got) == [1.7, 2.5]
    a = s.get_artifacts_by_id([2])[0]
    assert a.custom_properties['j'].struct_value['x'] == 1.5 / 3
    assert a.custom_properties['j'].struct_value['tiny'] == 2.5e-300
  finally:
    locale.setlocale(locale.LC_ALL, old)

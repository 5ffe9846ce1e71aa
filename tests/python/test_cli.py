"""The `mlmd` command-line tool end to end, on a store the demo pipeline
builds (examples/pipeline.c): listings and JSON, lineage (tree, Graphviz,
JSON), stats, exit statuses, the export -> import -> export round trip, and
import-mlmd on a database built here with Google MLMD's schema 10 in plain SQL.
"""

import base64
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys

import pytest

from ml_metadata import _native
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2
from google.protobuf import any_pb2, struct_pb2
from cli_run import CLI, mlmd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
# takes a store's tables back to schema version 3 (before governance and data governance)
_DROP_TOMBSTONE_COLS = ''.join(
    f'ALTER TABLE {t} DROP COLUMN deleted_time; ALTER TABLE {t} DROP COLUMN deleted_by; '
    f'ALTER TABLE {t} DROP COLUMN delete_reason; ' for t in ('artifact', 'execution', 'context'))
DROP_V4_SQL = ('DROP TABLE retention_policy; DROP TABLE serving_gate; DROP TABLE label_reach; DROP TABLE label; '
               + _DROP_TOMBSTONE_COLS +
               'DROP TABLE alias_approval; DROP TABLE alias_request_move; DROP TABLE alias_request; '
               'DROP TABLE alias_policy_require; DROP TABLE alias_policy; DROP TABLE alias_history; '
               'DROP TABLE alias; DROP TABLE audit_archive; DROP TABLE audit_log')


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
  """A store with two pipeline runs."""
  d = tmp_path_factory.mktemp('demo')
  db = d / 'demo.db'
  for _ in range(2):
    res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(d)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
  return f'sqlite:{db}', d


def test_types_ls_show_stats(demo):
  store, _ = demo
  types = json.loads(mlmd('--store', store, 'types', '--json').stdout)
  names = {(t['kind'], t['name']) for t in types}
  assert {('artifact', 'DataSet'), ('artifact', 'Model'), ('execution', 'Trainer'), ('execution', 'Evaluator'),
          ('execution', 'ModelServing'), ('context', 'Run'), ('context', 'Deployment')} <= names
  models = json.loads(mlmd('--store', store, 'ls', 'artifacts', '--type', 'Model', '--json').stdout)
  assert [m['name'] for m in models] == ['iris-softmax-run-1', 'iris-softmax-run-2']
  assert models[0]['properties']['digest'].startswith('sha256:')
  assert models[0]['properties']['format'] == 'onnx'
  # filter language, order and limit
  newest = json.loads(mlmd('--store', store, 'ls', 'artifacts', '--filter', "name LIKE 'iris-softmax-%'",
                           '--order', 'id', '--desc', '--limit', '1', '--json').stdout)
  assert [m['name'] for m in newest] == ['iris-softmax-run-2']
  evals = json.loads(mlmd('--store', store, 'ls', 'executions', '--type', 'Evaluator', '--json').stdout)
  assert len(evals) == 2 and evals[0]['properties']['accuracy'] > 0.9
  text = mlmd('--store', store, 'ls', 'contexts').stdout
  assert 'run-1' in text and 'run-2' in text and 'demo' in text
  shown = json.loads(mlmd('--store', store, 'show', 'artifact', str(models[0]['id']), '--json').stdout)
  assert shown['node']['name'] == 'iris-softmax-run-1'
  assert sorted(e['type'] for e in shown['events']) == ['INPUT', 'INPUT', 'OUTPUT']
  stats = json.loads(mlmd('--store', store, 'stats', '--json').stdout)
  assert stats['artifacts'] == 3 and stats['executions'] == 6 and stats['contexts'] == 4  # + the experiment 'iris'
  assert stats['schema_version'] >= 1 and stats['size_bytes'] > 0


def test_lineage_formats(demo, tmp_path):
  store, _ = demo
  models = json.loads(mlmd('--store', store, 'ls', 'artifacts', '--type', 'Model', '--json').stdout)
  mid = str(models[0]['id'])
  tree = mlmd('--store', store, 'lineage', 'artifact', mid, '--both').stdout.splitlines()
  assert tree[0].startswith("Model 'iris-softmax-run-1'")
  assert any('made by Trainer' in l for l in tree)
  assert any("input DataSet 'iris-" in l for l in tree)
  assert any('read by ModelServing' in l for l in tree)
  up = mlmd('--store', store, 'lineage', 'artifact', mid).stdout
  assert 'ModelServing' not in up and 'Trainer' in up
  graph = json.loads(mlmd('--store', store, 'lineage', 'artifact', mid, '--both', '--format', 'json').stdout)
  kinds = {(n['kind'], n['type']) for n in graph['nodes']}
  assert ('execution', 'Trainer') in kinds and ('artifact', 'DataSet') in kinds
  assert any(e['type'] == 'OUTPUT' and e['artifact'] == int(mid) for e in graph['edges'])
  assert graph['partial'] is False
  # DOT that Graphviz accepts
  dot = mlmd('--store', store, 'lineage', 'artifact', mid, '--both', '--format', 'dot').stdout
  assert dot.startswith('digraph lineage {')
  if shutil.which('dot'):
    res = subprocess.run(['dot', '-Tsvg'], input=dot, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert '<svg' in res.stdout
    svg = tmp_path / 'l.svg'
    mlmd('--store', store, 'lineage', 'artifact', mid, '--svg', str(svg))
    assert svg.read_text().count('<g id="node') >= 3
  # without Graphviz, --svg says what is missing and fails
  res = subprocess.run([CLI, '--store', store, 'lineage', 'artifact', mid, '--svg', str(tmp_path / 'none.svg')],
                       capture_output=True, text=True, env={'PATH': '/nonexistent'})
  assert res.returncode == 1 and "needs Graphviz's 'dot' program" in res.stderr
  assert not (tmp_path / 'none.svg').exists()
  # bounds: one hop only reaches the trainer
  one = json.loads(mlmd('--store', store, 'lineage', 'artifact', mid, '--hops', '1', '--format', 'json').stdout)
  assert {n['type'] for n in one['nodes']} == {'Model', 'Trainer'}


def _file_state(path):
  """The file's bytes, whether its header says WAL, and which -wal/-shm exist."""
  with open(path, 'rb') as f:
    data = f.read()
  return data, data[18:20] == b'\x02\x02', [os.path.exists(str(path) + x) for x in ('-wal', '-shm')]


READ_ONLY_COMMANDS = [['types'], ['ls', 'artifacts'], ['show', 'artifact', '1'], ['stats'],
                      ['lineage', 'artifact', '1'], ['export', '-']]


def test_read_only_commands_leave_other_files_unchanged(tmp_path):
  """Commands that only read refuse a file that is not an mlmd store and
  leave it as it was: same bytes, same journal mode, nothing beside it
  (`mlmd stats` used to create 14 tables in it and switch it to WAL)."""
  other = tmp_path / 'app.db'
  con = sqlite3.connect(str(other))
  con.execute('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)')
  con.execute("INSERT INTO users (name) VALUES ('ada')")
  con.commit()
  con.close()
  google = tmp_path / 'google.db'
  con = sqlite3.connect(str(google))
  con.execute('CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY)')
  con.execute('INSERT INTO MLMDEnv VALUES (10)')
  con.commit()
  con.close()
  for path, says in [(other, 'not an mlmd store'), (google, 'mlmd import-mlmd')]:
    before = _file_state(path)
    assert before[1] is False and before[2] == [False, False]
    for cmd in READ_ONLY_COMMANDS:
      res = mlmd('--store', f'sqlite:{path}', *cmd, check=False)
      assert res.returncode == 1, (cmd, res.stdout)
      assert says in res.stderr, (cmd, res.stderr)
      assert _file_state(path) == before, cmd


def test_read_only_commands_do_not_write_the_store(demo, tmp_path):
  """On an mlmd store, the read-only commands open it read-only: the
  database file keeps its bytes and its journal mode (a copy in rollback
  mode is not switched to WAL by reading it)."""
  store, _ = demo
  path = tmp_path / 'copy.db'
  src = sqlite3.connect(store[len('sqlite:'):])
  dst = sqlite3.connect(str(path))
  src.backup(dst)
  src.close()
  dst.execute('PRAGMA journal_mode = DELETE')
  dst.close()
  before = _file_state(path)
  assert before[1] is False
  for cmd in READ_ONLY_COMMANDS + [['ls', 'contexts', '--json'], ['stats', '--json']]:
    mlmd('--store', f'sqlite:{path}', *cmd)
    assert _file_state(path) == before, cmd


def test_stats_counts_versioned_types(tmp_path):
  """A type with a version is counted (it used to count 0 and be left out
  of the total): each version of a type on its own line."""
  db = tmp_path / 'versions.db'
  s = metadata_store.MetadataStore(_file_config(db))
  v1 = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='Model', version='v1'))
  v2 = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='Model', version='v2'))
  plain = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='Data'))
  et = s.put_execution_type(metadata_store_pb2.ExecutionType(name='Train', version='2024'))
  ct = s.put_context_type(metadata_store_pb2.ContextType(name='Run', version='r'))
  s.put_artifacts([metadata_store_pb2.Artifact(type_id=v1) for _ in range(3)] +
                  [metadata_store_pb2.Artifact(type_id=v2) for _ in range(2)] +
                  [metadata_store_pb2.Artifact(type_id=plain)])
  s.put_executions([metadata_store_pb2.Execution(type_id=et)])
  s.put_contexts([metadata_store_pb2.Context(type_id=ct, name='c')])
  del s
  stats = json.loads(mlmd('--store', f'sqlite:{db}', 'stats', '--json').stdout)
  assert (stats['artifacts'], stats['executions'], stats['contexts']) == (6, 1, 1)
  counts = {(t['kind'], t['type'], t['version']): t['count'] for t in stats['types']}
  assert counts[('artifact', 'Model', 'v1')] == 3
  assert counts[('artifact', 'Model', 'v2')] == 2
  assert counts[('artifact', 'Data', None)] == 1
  assert counts[('execution', 'Train', '2024')] == 1
  assert counts[('context', 'Run', 'r')] == 1
  assert (stats['artifacts'], stats['executions'], stats['contexts']) == (6, 1, 1)
  text = mlmd('--store', f'sqlite:{db}', 'stats').stdout
  assert 'Model (version v1)' in text and 'Model (version v2)' in text
  assert 'total     6 artifacts, 1 executions, 1 contexts' in text


def _file_config(path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  return config


def test_exit_statuses(demo):
  store, _ = demo
  assert mlmd('--store', store, 'frobnicate', check=False).returncode == 2
  assert mlmd('--store', store, 'ls', check=False).returncode == 2
  res = mlmd('--store', store, 'show', 'artifact', '999', check=False)
  assert res.returncode == 1 and 'artifact 999 does not exist' in res.stderr
  res = mlmd('--store', store, 'ls', 'artifacts', '--filter', 'name = ', check=False)
  assert res.returncode == 1 and 'filter_query' in res.stderr
  res = mlmd('--store', store, 'lineage', 'artifact', '999', check=False)
  assert res.returncode == 1 and 'does not exist' in res.stderr
  res = mlmd('--store', 'sqlite:/nonexistent/dir/x.db', 'types', check=False)
  assert res.returncode == 1
  for cmd in ['types', 'ls', 'show', 'lineage', 'stats', 'export', 'import', 'import-mlmd', 'score']:
    assert mlmd(cmd, '--help').stdout.startswith('usage:')
  for sub in [['model'], ['model', 'info'], ['model', 'add']]:
    assert mlmd(*sub, '--help').stdout.startswith('usage:')


def _decoded(path):
  """Export lines with their messages decoded and ids replaced by canonical
  ones (types by name, nodes by their position in the export), so two exports
  of the same content compare equal. Times are kept: an import keeps them.
  Audit records are left out: each store has its own chain (an import keeps
  the source's as an archive; test_audit_log_travels_as_an_archive)."""
  recs = []
  with open(path) as f:
    for line in f:
      rec = json.loads(line)
      if rec['kind'] not in ('mlmd_export', 'audit_record'):
        recs.append(rec)
  classes = {'artifact_type': metadata_store_pb2.ArtifactType, 'execution_type': metadata_store_pb2.ExecutionType,
             'context_type': metadata_store_pb2.ContextType, 'artifact': metadata_store_pb2.Artifact,
             'execution': metadata_store_pb2.Execution, 'context': metadata_store_pb2.Context,
             'event': metadata_store_pb2.Event}
  type_names, ordinal = {}, {'artifact': {}, 'execution': {}, 'context': {}}
  # data governance: the gate list and retention policies (by type name) compare as they are; tombstones
  # and labels carry store ids (their round trip: test_cli_export_dg.py)
  recs = [r for r in recs if r['kind'] not in ('tombstone', 'label')]
  for rec in recs:
    if rec['kind'] in ('serving_gate', 'retention_policy'):
      continue
    if rec['kind'] == 'metric_series':  # the points exactly as exported; only the execution id is renumbered
      rec['execution_id'] = ('metric', rec['execution_id'])
    elif 'pb' in rec:
      rec['pb'] = classes[rec['kind']].FromString(base64.b64decode(rec['pb']))
    if rec['kind'].endswith('_type'):
      type_names[rec['pb'].id] = rec['pb'].name
    elif rec['kind'] in ordinal:
      ordinal[rec['kind']][rec['pb'].id] = len(ordinal[rec['kind']])
  out = []
  for rec in recs:
    kind = rec['kind']
    if kind in ('serving_gate', 'retention_policy'):
      out.append(rec)
      continue
    if kind == 'metric_series':
      rec['execution_id'] = ordinal['execution'][rec['execution_id'][1]]
      out.append(rec)
      continue
    if 'pb' in rec:
      msg = rec['pb']
      if kind.endswith('_type'):
        msg.ClearField('id')
      elif kind in ordinal:
        msg.id = ordinal[kind][msg.id]
        msg.type_id = 0
        rec['type'] = type_names[rec['type_id']]
      else:  # event
        msg.artifact_id = ordinal['artifact'][msg.artifact_id]
        msg.execution_id = ordinal['execution'][msg.execution_id]
      rec['pb'] = msg.SerializeToString(deterministic=True)
    for key, k in (('artifact_id', 'artifact'), ('execution_id', 'execution'), ('context_id', 'context'),
                   ('child_id', 'context'), ('parent_id', 'context')):
      if key in rec and 'pb' not in rec:
        rec[key] = ordinal[k][rec[key]]
    rec.pop('id', None)
    rec.pop('type_id', None)
    out.append(rec)
  return out


def test_export_import_export_round_trip(demo, tmp_path):
  store, _ = demo
  first, second = tmp_path / 'a.jsonl', tmp_path / 'b.jsonl'
  mlmd('--store', store, 'export', str(first))
  res = mlmd('--store', f'sqlite:{tmp_path / "copy.db"}', 'import', str(first))
  assert 'imported 8 types, 3 artifacts, 6 executions, 4 contexts' in res.stderr
  mlmd('--store', f'sqlite:{tmp_path / "copy.db"}', 'export', str(second))
  a, b = _decoded(first), _decoded(second)
  assert len(a) == len(b) > 20
  assert a == b  # every type, node, property, event (with paths) and link
  kinds = {r['kind'] for r in a}
  assert {'artifact_type', 'execution_type', 'context_type', 'artifact', 'execution', 'context', 'event',
          'attribution', 'association', 'metric_series'} <= kinds
  # the demo's two tracked runs: 3000 loss points and an accuracy each, exactly as they were
  assert 'parent contexts, 6002 metric points from' in res.stderr
  assert [(r['key'], r['points']) for r in a if r['kind'] == 'metric_series'] == [('accuracy', 1), ('loss', 3000)] * 2
  assert _metric_lines(first) == _metric_lines(second)
  # importing into a store that already has these names is refused clearly
  res = mlmd('--store', f'sqlite:{tmp_path / "copy.db"}', 'import', str(first), check=False)
  assert res.returncode == 1 and 'line 10: PutArtifacts: artifacts[0]' in res.stderr and 'already exists' in res.stderr
  assert 'nothing was imported' in res.stderr


MLMD_V10 = """
CREATE TABLE Type (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL, version VARCHAR(255),
  type_kind TINYINT(1) NOT NULL, description TEXT, input_type TEXT, output_type TEXT, external_id VARCHAR(255) UNIQUE);
CREATE TABLE ParentType (type_id INT NOT NULL, parent_type_id INT NOT NULL, PRIMARY KEY (type_id, parent_type_id));
CREATE TABLE TypeProperty (type_id INT NOT NULL, name VARCHAR(255) NOT NULL, data_type INT NULL,
  PRIMARY KEY (type_id, name));
CREATE TABLE Artifact (id INTEGER PRIMARY KEY AUTOINCREMENT, type_id INT NOT NULL, uri TEXT, state INT,
  name VARCHAR(255), external_id VARCHAR(255) UNIQUE, create_time_since_epoch INT NOT NULL DEFAULT 0,
  last_update_time_since_epoch INT NOT NULL DEFAULT 0, UNIQUE (type_id, name));
CREATE TABLE ArtifactProperty (artifact_id INT NOT NULL, name VARCHAR(255) NOT NULL,
  is_custom_property TINYINT(1) NOT NULL, int_value INT, double_value DOUBLE, string_value TEXT, byte_value BLOB,
  proto_value BLOB, bool_value BOOLEAN, PRIMARY KEY (artifact_id, name, is_custom_property));
CREATE TABLE Execution (id INTEGER PRIMARY KEY AUTOINCREMENT, type_id INT NOT NULL, last_known_state INT,
  name VARCHAR(255), external_id VARCHAR(255) UNIQUE, create_time_since_epoch INT NOT NULL DEFAULT 0,
  last_update_time_since_epoch INT NOT NULL DEFAULT 0, UNIQUE (type_id, name));
CREATE TABLE ExecutionProperty (execution_id INT NOT NULL, name VARCHAR(255) NOT NULL,
  is_custom_property TINYINT(1) NOT NULL, int_value INT, double_value DOUBLE, string_value TEXT, byte_value BLOB,
  proto_value BLOB, bool_value BOOLEAN, PRIMARY KEY (execution_id, name, is_custom_property));
CREATE TABLE Context (id INTEGER PRIMARY KEY AUTOINCREMENT, type_id INT NOT NULL, name VARCHAR(255) NOT NULL,
  external_id VARCHAR(255) UNIQUE, create_time_since_epoch INT NOT NULL DEFAULT 0,
  last_update_time_since_epoch INT NOT NULL DEFAULT 0, UNIQUE (type_id, name));
CREATE TABLE ContextProperty (context_id INT NOT NULL, name VARCHAR(255) NOT NULL,
  is_custom_property TINYINT(1) NOT NULL, int_value INT, double_value DOUBLE, string_value TEXT, byte_value BLOB,
  proto_value BLOB, bool_value BOOLEAN, PRIMARY KEY (context_id, name, is_custom_property));
CREATE TABLE ParentContext (context_id INT NOT NULL, parent_context_id INT NOT NULL,
  PRIMARY KEY (context_id, parent_context_id));
CREATE TABLE Event (id INTEGER PRIMARY KEY AUTOINCREMENT, artifact_id INT NOT NULL, execution_id INT NOT NULL,
  type INT NOT NULL, milliseconds_since_epoch INT, UNIQUE (artifact_id, execution_id, type));
CREATE TABLE EventPath (event_id INT NOT NULL, is_index_step TINYINT(1) NOT NULL, step_index INT, step_key TEXT);
CREATE TABLE Association (id INTEGER PRIMARY KEY AUTOINCREMENT, context_id INT NOT NULL, execution_id INT NOT NULL,
  UNIQUE (context_id, execution_id));
CREATE TABLE Attribution (id INTEGER PRIMARY KEY AUTOINCREMENT, context_id INT NOT NULL, artifact_id INT NOT NULL,
  UNIQUE (context_id, artifact_id));
CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY);
"""


def build_mlmd_db(path, version=10):
  db = sqlite3.connect(path)
  db.executescript(MLMD_V10)
  db.execute('INSERT INTO MLMDEnv VALUES (?)', (version,))
  # MLMD's own simple types, which are skipped, and the user's types
  db.execute("INSERT INTO Type (id, name, type_kind) VALUES (1, 'mlmd.Model', 1)")
  db.execute("INSERT INTO Type (id, name, version, type_kind, description) VALUES (10, 'Model', 'v1', 1, 'trained')")
  db.execute("INSERT INTO Type (id, name, type_kind) VALUES (11, 'Trainer', 0)")
  db.execute("INSERT INTO Type (id, name, type_kind) VALUES (12, 'Pipeline', 2)")
  db.execute('INSERT INTO ParentType VALUES (10, 1)')
  for name, dt in [('accuracy', 2), ('epochs', 1), ('notes', 3), ('config', 4), ('spec', 5), ('final', 6)]:
    db.execute('INSERT INTO TypeProperty VALUES (10, ?, ?)', (name, dt))
  db.execute("INSERT INTO Artifact (id, type_id, uri, state, name, external_id, create_time_since_epoch) "
             "VALUES (7, 10, 's3://m/1', 2, 'm1', 'ext-m1', 1234)")
  db.execute("INSERT INTO Artifact (id, type_id, uri, state, name) VALUES (8, 10, 's3://m/2', 4, 'm2')")
  cfg = struct_pb2.Struct()
  cfg.update({'layers': [64, 32], 'act': 'relu'})
  spec = any_pb2.Any(type_url='type.googleapis.com/tensorflow.TensorSpec', value=b'\x08\x01')
  props = [(7, 'accuracy', 0, None, 0.91, None, None, None),
           (7, 'epochs', 0, 12, None, None, None, None),
           (7, 'notes', 0, None, None, 'first try', None, None),
           (7, 'config', 0, None, None, 'mlmd-struct::' + base64.b64encode(cfg.SerializeToString()).decode(), None, None),
           (7, 'spec', 0, None, None, None, base64.b64encode(spec.SerializeToString()).decode(), None),
           (7, 'final', 0, None, None, None, None, 1),
           (7, 'owner', 1, None, None, 'ana', None, None)]
  db.executemany('INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, int_value, double_value, '
                 'string_value, proto_value, bool_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', props)
  db.execute("INSERT INTO Execution (id, type_id, last_known_state, name) VALUES (3, 11, 3, 'train-1')")
  db.execute("INSERT INTO ExecutionProperty (execution_id, name, is_custom_property, int_value) VALUES (3, 'seed', 1, 42)")
  db.execute("INSERT INTO Context (id, type_id, name) VALUES (5, 12, 'nightly')")
  db.execute("INSERT INTO Context (id, type_id, name) VALUES (6, 12, 'nightly-2026-11-27')")
  db.execute("INSERT INTO ContextProperty (context_id, name, is_custom_property, string_value) "
             "VALUES (5, 'team', 1, 'search')")
  db.execute('INSERT INTO Event (id, artifact_id, execution_id, type, milliseconds_since_epoch) VALUES (1, 7, 3, 4, 99)')
  db.execute('INSERT INTO Event (id, artifact_id, execution_id, type) VALUES (2, 8, 3, 3)')
  db.execute("INSERT INTO EventPath VALUES (1, 0, NULL, 'model')")
  db.execute('INSERT INTO EventPath VALUES (1, 1, 0, NULL)')
  db.execute('INSERT INTO Attribution (context_id, artifact_id) VALUES (6, 7)')
  db.execute('INSERT INTO Association (context_id, execution_id) VALUES (6, 3)')
  db.execute('INSERT INTO ParentContext VALUES (6, 5)')
  db.commit()
  db.close()


def test_import_mlmd(tmp_path):
  src = tmp_path / 'mlmd.db'
  build_mlmd_db(str(src))
  dst = tmp_path / 'ours.db'
  res = mlmd('--store', f'sqlite:{dst}', 'import-mlmd', str(src))
  assert 'imported 3 types, 2 artifacts, 1 executions, 2 contexts' in res.stderr
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(dst)
  store = metadata_store.MetadataStore(config)
  [mt] = store.get_artifact_types()
  assert mt.name == 'Model' and mt.version == 'v1' and mt.description == 'trained'
  assert mt.base_type == metadata_store_pb2.ArtifactType.MODEL
  assert dict(mt.properties) == {'accuracy': 2, 'epochs': 1, 'notes': 3, 'config': 4, 'spec': 5, 'final': 6}
  m1, m2 = store.get_artifacts_by_type('Model', 'v1')  # MLMD: a type is its name and version
  assert (m1.name, m1.uri, m1.external_id, m1.state) == ('m1', 's3://m/1', 'ext-m1', metadata_store_pb2.Artifact.LIVE)
  assert m2.state == metadata_store_pb2.Artifact.DELETED
  assert m1.create_time_since_epoch == 1234 and m1.last_update_time_since_epoch == 0  # MLMD's times, kept
  p = m1.properties
  assert p['accuracy'].double_value == 0.91 and p['epochs'].int_value == 12 and p['notes'].string_value == 'first try'
  assert p['final'].bool_value is True
  from google.protobuf import json_format
  assert json_format.MessageToDict(p['config'].struct_value) == {'layers': [64.0, 32.0], 'act': 'relu'}
  assert p['spec'].proto_value.type_url == 'type.googleapis.com/tensorflow.TensorSpec'
  assert p['spec'].proto_value.value == b'\x08\x01'
  assert m1.custom_properties['owner'].string_value == 'ana'
  [ex] = store.get_executions()
  assert ex.name == 'train-1' and ex.last_known_state == metadata_store_pb2.Execution.COMPLETE
  assert ex.custom_properties['seed'].int_value == 42
  events = sorted(store.get_events_by_execution_ids([ex.id]), key=lambda e: e.artifact_id)
  assert [e.type for e in events] == [metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.INPUT]
  assert events[0].milliseconds_since_epoch == 99
  assert [s.key or s.index for s in events[0].path.steps] == ['model', 0]
  assert events[0].path.steps[1].HasField('index')
  run = store.get_context_by_type_and_name('Pipeline', 'nightly-2026-11-27')
  assert [a.name for a in store.get_artifacts_by_context(run.id)] == ['m1']
  assert [e.name for e in store.get_executions_by_context(run.id)] == ['train-1']
  assert [c.name for c in store.get_parent_contexts_by_context(run.id)] == ['nightly']
  assert store.get_context_by_type_and_name('Pipeline', 'nightly').custom_properties['team'].string_value == 'search'


def test_round_trip_keeps_paths_parents_structs_and_protos(tmp_path):
  """The import-mlmd fixture has what the demo lacks: event paths, parent
  contexts, struct and proto values, custom properties, external ids."""
  build_mlmd_db(str(tmp_path / 'mlmd.db'))
  one, two = f'sqlite:{tmp_path / "one.db"}', f'sqlite:{tmp_path / "two.db"}'
  mlmd('--store', one, 'import-mlmd', str(tmp_path / 'mlmd.db'))
  mlmd('--store', one, 'export', str(tmp_path / 'a.jsonl'))
  mlmd('--store', two, 'import', str(tmp_path / 'a.jsonl'))
  mlmd('--store', two, 'export', str(tmp_path / 'b.jsonl'))
  a, b = _decoded(tmp_path / 'a.jsonl'), _decoded(tmp_path / 'b.jsonl')
  assert a == b
  kinds = [r['kind'] for r in a]
  assert 'parent_context' in kinds and kinds.count('event') == 2
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(tmp_path / 'two.db')
  store = metadata_store.MetadataStore(config)
  m1 = store.get_artifacts_by_type('Model', 'v1')[0]
  assert m1.external_id == 'ext-m1' and m1.properties['spec'].proto_value.value == b'\x08\x01'
  [ex] = store.get_executions()
  steps = [e for e in store.get_events_by_execution_ids([ex.id]) if e.path.steps][0].path.steps
  assert steps[0].key == 'model' and steps[1].index == 0


def test_import_mlmd_refuses_other_versions(tmp_path):
  src = tmp_path / 'old.db'
  build_mlmd_db(str(src), version=8)
  res = mlmd('--store', f'sqlite:{tmp_path / "x.db"}', 'import-mlmd', str(src), check=False)
  assert res.returncode == 1 and 'MLMD schema version 8 is not supported (10 is' in res.stderr
  plain = tmp_path / 'plain.db'
  sqlite3.connect(str(plain)).execute('CREATE TABLE t (x)').connection.close()
  res = mlmd('--store', f'sqlite:{tmp_path / "x.db"}', 'import-mlmd', str(plain), check=False)
  assert res.returncode == 1 and 'not an MLMD database' in res.stderr


GOLDEN_TYPES = """\
artifact  1     DataSet  (columns:STRING, digest:STRING, rows:INT)
artifact  6     Model  (digest:STRING, format:STRING, inputs:STRING, outputs:STRING, size_bytes:INT)
execution 2     Evaluator  (accuracy:DOUBLE, rows:INT)
execution 5     Trainer
execution 7     ModelServing  (batches_dropped:INT, calls:INT, class_counts:STRING, \
confidence_histogram:STRING, deployment:STRING, errors:INT, host:STRING, latency_max_us:DOUBLE, \
latency_mean_us:DOUBLE, latency_min_us:DOUBLE, latency_p50_us:DOUBLE, latency_p90_us:DOUBLE, \
latency_p99_us:DOUBLE, library_version:STRING, model_verified:BOOLEAN, models_served:INT, pid:INT, rows:INT, started_ms:INT, \
swaps:INT, updated_ms:INT)
context   3     Run
context   4     mlmd.Experiment
context   8     Deployment
"""

GOLDEN_TREE = """\
Model 'iris-softmax-run-2' #3 file://OUT/iris-run-2.onnx
├── made by Trainer 'run-2' #4 [COMPLETE]
│   └── input DataSet 'iris-91eb642c3adb' #1 DATA
├── read by Evaluator #5 [COMPLETE]
└── read by ModelServing #6 [COMPLETE]
"""

GOLDEN_LS = """\
1      DataSet            iris-91eb642c3adb        LIVE     DATA
2      Model              iris-softmax-run-1       LIVE     file://OUT/iris-run-1.onnx
3      Model              iris-softmax-run-2       LIVE     file://OUT/iris-run-2.onnx
"""


def test_golden_text_output(demo):
  """The human-readable listings are stable for a given store: compare them
  whole (the demo's output directory and data path vary and are replaced)."""
  store, d = demo
  data = os.path.join(ROOT, 'examples', 'data', 'iris.csv')

  def text(*args):
    return mlmd('--store', store, *args).stdout.replace(data, 'DATA').replace(str(d), 'OUT')

  assert text('types') == GOLDEN_TYPES
  assert text('lineage', 'artifact', '3', '--both') == GOLDEN_TREE
  assert text('ls', 'artifacts') == GOLDEN_LS


def test_unverified_serving_is_recorded_and_shown(demo, tmp_path):
  """`score --allow-unverified` of a model whose file no longer matches its digest: the serving
  execution says model_verified = false, `show` warns, lineage marks it in every format; the
  verified run says true and is not marked."""
  _, d = demo
  store = f'sqlite:{tmp_path / "s.db"}'
  model = tmp_path / 'model.onnx'
  shutil.copy(d / 'iris-run-1.onnx', model)
  mid = mlmd('--store', store, 'model', 'add', '--name', 'iris', str(model)).stdout.split()[-1]
  iris = os.path.join(ROOT, 'examples', 'data', 'iris.csv')
  score = ['--store', store, 'score', '--artifact', mid, '--input', iris, '--output', str(tmp_path / 'out.csv'),
           '--columns', 'sepal_length,sepal_width,petal_length,petal_width']
  mlmd(*score)
  with open(model, 'ab') as f:  # still a valid ONNX file (a doc_string field), but not the recorded bytes
    f.write(b'\x32\x07changed')
  res = mlmd(*score, check=False)
  assert res.returncode == 1 and 'the artifact records sha256:' in res.stderr
  mlmd(*score, '--allow-unverified')
  runs = json.loads(mlmd('--store', store, 'ls', 'executions', '--type', 'ModelServing', '--json').stdout)
  assert [r['properties']['model_verified'] for r in runs] == [True, False]
  good, bad = str(runs[0]['id']), str(runs[1]['id'])
  shown = mlmd('--store', store, 'show', 'execution', bad).stdout
  assert 'model_verified = false' in shown and 'NOT verified' in shown
  assert 'NOT verified' not in mlmd('--store', store, 'show', 'execution', good).stdout
  js = json.loads(mlmd('--store', store, 'show', 'execution', bad, '--json').stdout)
  assert js['node']['properties']['model_verified'] is False
  tree = mlmd('--store', store, 'lineage', 'artifact', mid, '--both').stdout.splitlines()
  marked = [l for l in tree if 'read by ModelServing' in l]
  assert len(marked) == 2
  assert [('NOT verified' in l) for l in marked] == [False, True], tree
  graph = json.loads(mlmd('--store', store, 'lineage', 'artifact', mid, '--both', '--format', 'json').stdout)
  verified = {n['id']: n['model_verified'] for n in graph['nodes'] if n['kind'] == 'execution'}
  assert verified == {int(good): True, int(bad): False}
  dot = mlmd('--store', store, 'lineage', 'artifact', mid, '--both', '--format', 'dot').stdout
  assert dot.count('(model NOT verified)') == 1


# ---- scoring CSV: numbers, BOM, record limit, memory limit; model info; model add ----------------

def _onnx_model(path, nodes, inputs, outputs, inits=()):
  """Saves a small ONNX model built with onnx.helper (Debian's python3-onnx)."""
  from onnx import helper
  import onnx
  graph = helper.make_graph(nodes, 'g', inputs, outputs, list(inits))
  model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='mlmd-tests')
  model.ir_version = 8
  onnx.save(model, str(path))
  return str(path)


def _abc_model(path, elem=None):
  """Three [N, 1] inputs a, b, c (FLOAT unless elem) concatenated into Y [N, 3]."""
  from onnx import TensorProto, helper
  elem = elem or TensorProto.FLOAT
  ins = [helper.make_tensor_value_info(n, elem, [None, 1]) for n in 'abc']
  return _onnx_model(path, [helper.make_node('Concat', ['a', 'b', 'c'], ['Y'], axis=1)], ins,
                     [helper.make_tensor_value_info('Y', elem, [None, 3])])


def test_score_csv_numbers_are_decimal_and_checked(tmp_path):
  """Cells are read by mlmd_double_parse: hexadecimal and values out of the
  type's range are errors naming the line and column (they were read as 16,
  8 and inf); nan is a missing value, inf an infinity."""
  from onnx import TensorProto
  model = _abc_model(tmp_path / 'm.onnx')
  dbl = _abc_model(tmp_path / 'd.onnx', TensorProto.DOUBLE)
  csv = tmp_path / 'in.csv'
  for m, cell, err in [(model, '0x10', "column 'b': not a number: '0x10'"),
                       (model, '0x1p3', "column 'b': not a number: '0x1p3'"),
                       (model, '1e39', "column 'b': out of range for a FLOAT: '1e39'"),
                       (dbl, '1e999', "column 'b': out of range for a DOUBLE: '1e999'"),
                       (dbl, '-1e999', "out of range for a DOUBLE"),
                       (model, '1,5', 'fields, the header has 3')]:
    csv.write_text(f'a,b,c\n1,2,3\n4,{cell},6\n')
    res = mlmd('score', '--model', m, '--input', str(csv), check=False)
    assert res.returncode == 1 and f'{csv}:3: ' in res.stderr and err in res.stderr, (cell, res.stderr)
  csv.write_text('a,b,c\nnan,inf,-Infinity\n 1.5 ,NaN,\n')
  out = mlmd('score', '--model', model, '--input', str(csv)).stdout.splitlines()
  assert out == ['Y_0,Y_1,Y_2', ',inf,-inf', '1.5,,']


def test_score_csv_integer_cells_are_range_checked(tmp_path):
  from onnx import TensorProto
  m32 = _abc_model(tmp_path / 'i.onnx', TensorProto.INT32)
  csv = tmp_path / 'in.csv'
  for cell, err in [('2147483648', 'out of range for the input'), ('0x10', 'not an integer'),
                    ('99999999999999999999', 'not an integer that fits 64 bits'), ('1.5', 'not an integer')]:
    csv.write_text(f'a,b,c\n1,{cell},3\n')
    res = mlmd('score', '--model', m32, '--input', str(csv), check=False)
    assert res.returncode == 1 and f"{csv}:2: column 'b': {err}" in res.stderr, (cell, res.stderr)
  csv.write_text('a,b,c\n-2147483648,+7,2147483647\n')
  assert mlmd('score', '--model', m32, '--input', str(csv)).stdout.splitlines()[1] == '-2147483648,7,2147483647'


def test_score_csv_strips_a_byte_order_mark(tmp_path):
  """A UTF-8 BOM (Excel's "CSV UTF-8") is not part of the first column's
  name: 'a' is found (it was '\\ufeffa' and the input was missing)."""
  model = _abc_model(tmp_path / 'm.onnx')
  csv = tmp_path / 'bom.csv'
  csv.write_bytes(b'\xef\xbb\xbfa,b,c\r\n1,2,3\r\n')
  out = mlmd('score', '--model', model, '--input', str(csv)).stdout.splitlines()
  assert out == ['Y_0,Y_1,Y_2', '1,2,3']


def _max_rss_kb(args):
  """Runs args in a child of a fresh Python and returns (result, the child's peak RSS in KiB):
  a count, not a time."""
  import sys
  code = ('import resource, subprocess, sys, json\n'
          'r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n'
          'print(json.dumps([r.returncode, r.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n')
  res = subprocess.run(['/usr/bin/python3', '-c', code, *args], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  rc, err, rss = json.loads(res.stdout)
  return rc, err, rss


def test_score_csv_record_limit(tmp_path):
  """A record over 64 MiB is refused naming its line, and reading it costs
  about the limit, not a multiple of the line (a 300 MB line cost 1 GB)."""
  model = _abc_model(tmp_path / 'm.onnx')
  csv = tmp_path / 'long.csv'
  with open(csv, 'w') as f:
    f.write('a,b,c\n1,2,3\n')
    chunk = '1,' * (1 << 19)
    for _ in range(96):  # 96 MiB of "1,1,1,..." on line 3
      f.write(chunk)
    f.write('1\n4,5,6\n')
  rc, err, rss_kb = _max_rss_kb([CLI, 'score', '--model', model, '--input', str(csv), '--output', os.devnull])
  assert rc == 1 and f'{csv}:3: the record is longer than 67108864 bytes, the limit for one CSV record' in err, err
  assert rss_kb < 112 * 1024, f'peak RSS {rss_kb} KiB for a 96 MiB record'


def _broadcast_model(path):
  """131 KB: Add broadcasts X [1, 32768] with a constant [32768, 1]: 4 GiB for one row."""
  import numpy as np
  from onnx import TensorProto, helper, numpy_helper
  c = numpy_helper.from_array(np.ones((32768, 1), dtype=np.float32), 'C')
  return _onnx_model(path, [helper.make_node('Add', ['X', 'C'], ['Y'], name='wide_add')],
                     [helper.make_tensor_value_info('X', TensorProto.FLOAT, [1, 32768])],
                     [helper.make_tensor_value_info('Y', TensorProto.FLOAT, [32768, 32768])], [c])


def test_score_max_memory(tmp_path):
  """`mlmd score` caps a batch's scratch memory (default 1G, --max-memory):
  the broadcast model fails naming the node and the limit instead of taking
  4 GiB; the same through a store's artifact (the scorer's limit)."""
  model = _broadcast_model(tmp_path / 'b.onnx')
  csv = tmp_path / 'row.csv'
  csv.write_text(','.join(f'x{i}' for i in range(32768)) + '\n' + ','.join(['1'] * 32768) + '\n')
  want = "node 'wide_add' (ai.onnx::Add) needs more scratch memory than the score context's limit of"
  res = mlmd('score', '--model', model, '--input', str(csv), check=False)
  assert res.returncode == 1 and f'{want} 1073741824 bytes' in res.stderr and '--max-memory' in res.stderr, res.stderr
  res = mlmd('score', '--model', model, '--input', str(csv), '--max-memory', '16M', check=False)
  assert res.returncode == 1 and f'{want} 16777216 bytes' in res.stderr, res.stderr
  store = f'sqlite:{tmp_path}/s.db'
  aid = mlmd('model', 'add', '--store', store, '--name', 'b', model).stdout.strip()
  res = mlmd('score', '--store', store, '--artifact', aid, '--input', str(csv), '--max-memory', '64M', check=False)
  assert res.returncode == 1 and f'{want} 67108864 bytes' in res.stderr, res.stderr
  for bad in ['12Q', '-1', '', 'G', '99999999999T']:
    assert mlmd('score', '--model', model, '--max-memory', bad, check=False).returncode == 2
  assert '--max-memory SIZE' in mlmd('score', '--help').stdout


def test_score_help_and_model_info_name_pmml(tmp_path):
  assert 'ONNX, XGBoost JSON or PMML' in mlmd('score', '--help').stdout
  junk = tmp_path / 'junk.bin'
  junk.write_bytes(b'\x07\x07\x07 not a model')
  res = mlmd('model', 'info', str(junk), check=False)
  assert res.returncode == 1 and 'supported formats: ONNX, XGBoost JSON, PMML' in res.stderr, res.stderr


def test_model_info_one_shape_notation(tmp_path):
  """A free dimension prints as the model's name for it, else N for the
  first (the rows) and ? / null for others, whatever the format (ONNX
  printed [?, 4] and XGBoost [N, 4])."""
  from onnx import TensorProto, helper
  onnx_path = _onnx_model(tmp_path / 'm.onnx', [helper.make_node('Identity', ['X'], ['Y'])],
                          [helper.make_tensor_value_info('X', TensorProto.FLOAT, [None, 4])],
                          [helper.make_tensor_value_info('Y', TensorProto.FLOAT, ['batch', None])])
  text = mlmd('model', 'info', onnx_path).stdout
  assert '  X: float [N, 4]' in text and '  Y: float [batch, ?]' in text, text
  info = json.loads(mlmd('model', 'info', onnx_path, '--json').stdout)
  assert info['inputs'][0]['shape'] == ['N', 4] and info['outputs'][0]['shape'] == ['batch', None]
  xgb = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'model', 'xgb_multi_softprob.json')
  assert '  input: float [N, 3]' in mlmd('model', 'info', xgb).stdout
  pmml = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'model')
  pmmls = sorted(f for f in os.listdir(pmml) if f.endswith('.pmml') or f.endswith('.xml'))
  if pmmls:
    text = mlmd('model', 'info', os.path.join(pmml, pmmls[0])).stdout
    assert '[?' not in text and '[N' in text, text


def test_model_add_records_an_absolute_file_uri(tmp_path):
  """`mlmd model add` run with a relative path records the file's absolute
  file:// URI, so scoring from another directory finds it."""
  sub = tmp_path / 'models dir'
  sub.mkdir()
  _abc_model(sub / 'm.onnx')
  store = f'sqlite:{tmp_path}/s.db'
  res = subprocess.run([CLI, 'model', 'add', '--store', store, '--name', 'm', 'm.onnx'], cwd=sub,
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  aid = res.stdout.strip()
  arts = json.loads(mlmd('--store', store, 'ls', 'artifacts', '--json').stdout)
  assert arts[0]['uri'] == 'file://' + str(sub.resolve()).replace(' ', '%20') + '/m.onnx'
  csv = tmp_path / 'in.csv'
  csv.write_text('a,b,c\n1,2,3\n')
  other = tmp_path / 'elsewhere'
  other.mkdir()
  res = subprocess.run([CLI, 'score', '--store', store, '--artifact', aid, '--input', str(csv)], cwd=other,
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  assert res.stdout.splitlines() == ['Y_0,Y_1,Y_2', '1,2,3']


# ---- a new user's first hour and a hostile input campaign (issue 13) ------------------------------------

import pty
import re
import select

sys_path_fuzz = os.path.join(ROOT, 'tests', 'fuzz')


def _deep_artifact(type_id, depth):
  import sys
  if sys_path_fuzz not in sys.path:
    sys.path.insert(0, sys_path_fuzz)
  import make_import_corpus
  return make_import_corpus.deep_artifact(type_id, depth)


def _lineage_ids(text, fmt):
  """The (kind, id) pairs a lineage rendering shows."""
  if fmt == 'json':
    return {(n['kind'], n['id']) for n in json.loads(text)['nodes']}
  if fmt == 'dot':
    return {('artifact' if k == 'a' else 'execution', int(i)) for k, i in re.findall(r'^  ([ae])(\d+) \[shape', text, re.M)}
  if fmt == 'svg':
    return {('artifact' if k == 'a' else 'execution', int(i)) for k, i in re.findall(r'<title>([ae])(\d+)</title>', text)}
  return {('execution' if st else 'artifact', int(i)) for i, st in re.findall(r'#(\d+)( \[)?', text)}


def test_lineage_is_one_answer_in_every_format(demo, tmp_path):
  """Two runs read one data set: run 1's model, both ways, is run 1 in the tree, DOT, JSON and SVG."""
  store, _ = demo
  base = ['--store', store, 'lineage', 'artifact', '2', '--both']
  tree = _lineage_ids(mlmd(*base).stdout, 'tree')
  assert tree == {('artifact', 1), ('artifact', 2), ('execution', 1), ('execution', 2), ('execution', 3)}
  assert _lineage_ids(mlmd(*base, '--format', 'dot').stdout, 'dot') == tree
  assert _lineage_ids(mlmd(*base, '--format', 'json').stdout, 'json') == tree
  assert _lineage_ids(mlmd(*base, '--json').stdout, 'json') == tree
  if shutil.which('dot'):
    mlmd(*base, '--svg', str(tmp_path / 'l.svg'))
    assert _lineage_ids((tmp_path / 'l.svg').read_text(), 'svg') == tree
  # downstream of the data set: both runs, and again the same in every format
  down = ['--store', store, 'lineage', 'artifact', '1', '--down']
  nodes = _lineage_ids(mlmd(*down).stdout, 'tree')
  assert len(nodes) == 9 and _lineage_ids(mlmd(*down, '--json').stdout, 'json') == nodes


def test_show_lists_contexts_members_and_iso_times(demo, tmp_path):
  store, _ = demo
  text = mlmd('--store', store, 'show', 'artifact', '2').stdout
  assert "  context   Run 'run-1' #1" in text and "  context   Deployment 'demo' #3" in text
  assert "  context   mlmd.Experiment 'iris' #2" in text  # the tracked run's output
  created = re.search(r'^  created   (\S+)$', text, re.M).group(1)
  assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', created)
  shown = json.loads(mlmd('--store', store, 'show', 'artifact', '2', '--json').stdout)
  assert [(c['type'], c['name']) for c in shown['contexts']] == [('Run', 'run-1'), ('mlmd.Experiment', 'iris'),
                                                                 ('Deployment', 'demo')]
  ms = shown['node']['create_time_since_epoch']
  import datetime
  assert datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.') + \
      '%03dZ' % (ms % 1000) == created
  run = mlmd('--store', store, 'show', 'context', '1').stdout
  assert "  artifact  DataSet 'iris-" in run and "  artifact  Model 'iris-softmax-run-1' #2" in run
  assert "  execution Trainer 'run-1' #1 [COMPLETE]" in run and '  execution Evaluator #2 [COMPLETE]' in run
  run = json.loads(mlmd('--store', store, 'show', 'context', '1', '--json').stdout)
  assert [a['name'] for a in run['artifacts']] == ['iris-91eb642c3adb', 'iris-softmax-run-1']
  assert [e['type'] for e in run['executions']] == ['Trainer', 'Evaluator']
  assert run['parents'] == [] and run['children'] == []
  # parent and child contexts, from the MLMD fixture (nightly-2026-11-27 is a child of nightly)
  build_mlmd_db(str(tmp_path / 'mlmd.db'))
  other = f'sqlite:{tmp_path / "o.db"}'
  mlmd('--store', other, 'import-mlmd', str(tmp_path / 'mlmd.db'))
  ctxs = {c['name']: c['id'] for c in json.loads(mlmd('--store', other, 'ls', 'contexts', '--json').stdout)}
  child = json.loads(mlmd('--store', other, 'show', 'context', str(ctxs['nightly-2026-11-27']), '--json').stdout)
  assert [p['name'] for p in child['parents']] == ['nightly'] and [a['name'] for a in child['artifacts']] == ['m1']
  parent = mlmd('--store', other, 'show', 'context', str(ctxs['nightly'])).stdout
  assert "  child     Pipeline 'nightly-2026-11-27'" in parent


@pytest.fixture(scope='module')
def big(tmp_path_factory):
  """A store with 1,205 artifacts (more than a listing's default and two import batches)."""
  d = tmp_path_factory.mktemp('big')
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(d / 'big.db')
  s = metadata_store.MetadataStore(config)
  t = metadata_store_pb2.ArtifactType(name='Shard')
  t.properties['n'] = metadata_store_pb2.INT
  tid = s.put_artifact_type(t)
  for start in range(0, 1205, 400):
    arts = []
    for i in range(start, min(start + 400, 1205)):
      a = metadata_store_pb2.Artifact(type_id=tid, name=f'shard-{i:04d}', uri=f's3://b/{i}')
      a.properties['n'].int_value = i
      arts.append(a)
    s.put_artifacts(arts)
  del s
  return f'sqlite:{d / "big.db"}', d


def test_ls_says_when_it_cuts_and_refuses_unknown_types(big):
  store, _ = big
  res = mlmd('--store', store, 'ls', 'artifacts')
  assert len(res.stdout.splitlines()) == 100
  assert 'showing the first 100 artifacts; more match' in res.stderr and '--all' in res.stderr
  res = mlmd('--store', store, 'ls', 'artifacts', '--all')
  assert len(res.stdout.splitlines()) == 1205 and res.stderr == ''
  res = mlmd('--store', store, 'ls', 'artifacts', '--limit', '1205', '--json')
  assert len(json.loads(res.stdout)) == 1205 and res.stderr == ''
  res = mlmd('--store', store, 'ls', 'artifacts', '--limit', '1204', '--json')
  assert len(json.loads(res.stdout)) == 1204 and 'showing the first 1204 artifacts' in res.stderr
  res = mlmd('--store', store, 'ls', 'artifacts', '--type', 'Shrad', check=False)
  assert res.returncode == 1 and res.stdout == ''
  assert "no artifact type 'Shrad'" in res.stderr and 'did you mean Shard?' in res.stderr and 'Shard' in res.stderr
  res = mlmd('--store', store, 'ls', 'executions', '--type', 'Shard', check=False)
  assert res.returncode == 1 and "no execution type 'Shard'" in res.stderr
  # a type name is quoted for the filter language
  res = mlmd('--store', store, 'ls', 'artifacts', '--type', "Sh'ard", check=False)
  assert res.returncode == 1 and "no artifact type 'Sh'ard'" in res.stderr


def _help_options(text):
  """(option, [choices] or None, takes_value) for each option line of a --help."""
  opts = []
  for line in text.splitlines():
    m = re.match(r'^  (--[a-z-]+)(?: (\S+))?', line)
    if m and m.group(1) not in ('--help', '--store'):
      arg = m.group(2)
      choices = arg.split('|') if arg and not arg.isupper() else None  # placeholders are capitals: N, FILE
      opts.append((m.group(1), choices, arg is not None))
  return opts


def test_help_and_behaviour_agree(demo, tmp_path):
  """Every option a command's help lists is accepted, with every value its help names."""
  store, _ = demo
  runs = {
      'types': [], 'ls': ['artifacts'], 'show': ['artifact', '2'], 'stats': [], 'lineage': ['artifact', '2'],
      'export': [str(tmp_path / 'e.jsonl')],
  }
  values = {'--type': 'Model', '--filter': "name != ''", '--limit': '2', '--hops': '2', '--max-nodes': '10',
            '--svg': str(tmp_path / 'x.svg'), '--actor': 'tester', '--namespace': 'team', '--since': '2020-01-01'}
  for cmd, args in runs.items():
    text = mlmd(cmd, '--help').stdout
    assert text.startswith('usage: mlmd [--store URI] ' + cmd)
    for opt, choices, takes in _help_options(text):
      if opt == '--svg' and not shutil.which('dot'):
        continue
      for value in choices or ([values[opt]] if takes else [None]):
        res = mlmd('--store', store, cmd, *args, opt, *([value] if value else []), check=False)
        assert res.returncode == 0, (cmd, opt, value, res.stderr)
  # what the help does not list is refused as bad usage, naming the choices
  res = mlmd('--store', store, 'ls', 'artifacts', '--order', 'name', check=False)
  assert res.returncode == 2 and 'id|create_time|update_time' in res.stderr and '--order' in res.stderr


def test_global_options_anywhere_and_did_you_mean(demo):
  store, _ = demo
  after = json.loads(mlmd('ls', 'artifacts', '--store', store, '--json').stdout)
  before = json.loads(mlmd('--store', store, '--json', 'ls', 'artifacts').stdout)
  assert after == before and len(after) == 3
  assert mlmd('--store=' + store, 'types').stdout == mlmd('types', '--store=' + store).stdout
  for cmd in (['types'], ['stats'], ['show', 'artifact', '2'], ['lineage', 'artifact', '2']):
    assert mlmd(*cmd, '--store', store).stdout == mlmd('--store', store, *cmd).stdout
    assert json.loads(mlmd('--json', '--store', store, *cmd).stdout) == \
        json.loads(mlmd(*cmd, '--json', '--store', store).stdout)
  res = mlmd('--store', store, '--json', 'export', check=False)
  assert res.returncode == 2 and '--json does not apply' in res.stderr
  res = mlmd('--store', store, 'lineag', 'artifact', '2', check=False)
  assert res.returncode == 2 and "unknown command 'lineag' (did you mean lineage?)" in res.stderr
  res = mlmd('--store', store, 'improt', 'x', check=False)
  assert res.returncode == 2 and 'did you mean import?' in res.stderr
  res = mlmd('--store', store, 'ls', 'artifacts', '--ordr', 'id', check=False)
  assert res.returncode == 2 and "unknown option '--ordr' (did you mean --order?)" in res.stderr
  res = mlmd('--store', store, 'frobnicate', check=False)
  assert res.returncode == 2 and 'did you mean' not in res.stderr
  assert mlmd('help', 'ls').stdout == mlmd('ls', '--help').stdout


def _with_pty_stderr(args):
  """Runs the CLI with stderr on a terminal; returns (returncode, what the terminal got)."""
  master, slave = pty.openpty()
  p = subprocess.Popen([CLI, *args], stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
  os.close(slave)
  out = b''
  while True:
    r, _, _ = select.select([master], [], [], 60)
    if not r:
      break
    try:
      chunk = os.read(master, 65536)
    except OSError:
      break
    if not chunk:
      break
    out += chunk
  os.close(master)
  return p.wait(), out.decode()


def test_long_runs_show_progress_on_a_terminal_and_a_summary(big, tmp_path):
  store, _ = big
  path = tmp_path / 'big.jsonl'
  rc, tty = _with_pty_stderr(['--store', store, 'export', str(path)])
  assert rc == 0 and '\rmlmd: exported 1000 records...' in tty
  # the summary, then the audit log's line
  assert 'mlmd: exported 1 types, 1205 artifacts, 0 executions' in tty.splitlines()[-2]
  assert 'audit records' in tty.splitlines()[-1]
  plain = mlmd('--store', store, 'export', str(path)).stderr  # not a terminal: the summary only
  assert '\r' not in plain and plain.startswith('mlmd: exported 1 types, 1205 artifacts')
  rc, tty = _with_pty_stderr(['--store', f'sqlite:{tmp_path / "copy.db"}', 'import', str(path)])
  assert rc == 0 and '\rmlmd: imported 1001 records...' in tty
  assert 'mlmd: imported 1 types, 1205 artifacts' in tty.splitlines()[-2]
  assert 'audit records of the source' in tty.splitlines()[-1]
  plain = mlmd('--store', f'sqlite:{tmp_path / "copy2.db"}', 'import', str(path)).stderr
  assert '\r' not in plain and plain.startswith('mlmd: imported 1 types, 1205 artifacts')
  build_mlmd_db(str(tmp_path / 'mlmd.db'))
  res = mlmd('--store', f'sqlite:{tmp_path / "m.db"}', 'import-mlmd', str(tmp_path / 'mlmd.db'))
  assert res.stderr.startswith('mlmd: imported 3 types') and '\r' not in res.stderr


def _dump(store_uri):
  """Everything a store holds, by its ids: a failed import must leave this unchanged."""
  path = store_uri[len('sqlite:'):]
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = path
  s = metadata_store.MetadataStore(config)
  arts, execs, ctxs = s.get_artifacts(), s.get_executions(), s.get_contexts()
  out = {
      'types': sorted(t.SerializeToString(deterministic=True) for t in
                      s.get_artifact_types() + s.get_execution_types() + s.get_context_types()),
      'nodes': sorted(n.SerializeToString(deterministic=True) for n in arts + execs + ctxs),
      'events': sorted(e.SerializeToString(deterministic=True) for e in s.get_events_by_execution_ids([e.id for e in execs])),
      'members': sorted((c.id, a.id) for c in ctxs for a in s.get_artifacts_by_context(c.id)),
  }
  del s
  return out


def test_import_is_all_or_nothing(big, demo, tmp_path):
  store, _ = big
  good = tmp_path / 'good.jsonl'
  mlmd('--store', store, 'export', str(good))
  lines = good.read_text().splitlines()
  assert len(lines) > 1200
  # a bad line after the first two batches of 500
  bad = list(lines)
  bad[1100] = bad[1100].replace('"pb":"', '"pb":"!')
  (tmp_path / 'bad.jsonl').write_text('\n'.join(bad) + '\n')
  target = f'sqlite:{tmp_path / "target.db"}'
  demo_store, _ = demo
  mlmd('--store', demo_store, 'export', str(tmp_path / 'demo.jsonl'))
  mlmd('--store', target, 'import', str(tmp_path / 'demo.jsonl'))
  before = _dump(target)
  res = mlmd('--store', target, 'import', str(tmp_path / 'bad.jsonl'), check=False)
  assert res.returncode == 1 and _dump(target) == before  # not the two batches before the bad line
  assert 'line 1101: "pb" is not base64' in res.stderr and 'nothing was imported' in res.stderr
  # the corrected file then imports (no ALREADY_EXISTS from a half-done first try)
  res = mlmd('--store', target, 'import', str(good))
  assert 'imported 1 types, 1205 artifacts' in res.stderr
  after = _dump(target)
  assert len(after['nodes']) == len(before['nodes']) + 1205
  # a failure the store reports (a name taken), late in the file: the same
  res = mlmd('--store', target, 'import', str(good), check=False)
  assert res.returncode == 1 and 'already exists' in res.stderr and _dump(target) == after


def test_import_refuses_duplicate_ids(demo, tmp_path):
  store, _ = demo
  path = tmp_path / 'e.jsonl'
  mlmd('--store', store, 'export', str(path))
  lines = path.read_text().splitlines()
  arts = [i for i, l in enumerate(lines) if json.loads(l)['kind'] == 'artifact']
  # the second artifact's line claims the first one's id (its message id too)
  first = json.loads(lines[arts[0]])
  second = json.loads(lines[arts[1]])
  msg = metadata_store_pb2.Artifact.FromString(base64.b64decode(second['pb']))
  msg.id = first['id']
  second['id'] = first['id']
  second['pb'] = base64.b64encode(msg.SerializeToString()).decode()
  lines[arts[1]] = json.dumps(second, separators=(',', ':'))
  path.write_text('\n'.join(lines) + '\n')
  target = f'sqlite:{tmp_path / "t.db"}'
  res = mlmd('--store', target, 'import', str(path), check=False)
  assert res.returncode == 1
  assert f'line {arts[1] + 1}: artifact id {first["id"]} appears twice (first at line {arts[0] + 1})' in res.stderr
  assert _dump(target)['nodes'] == []


def test_import_mlmd_is_all_or_nothing_and_names_rows(tmp_path):
  src = tmp_path / 'mlmd.db'
  build_mlmd_db(str(src))
  db = sqlite3.connect(str(src))
  db.execute("INSERT INTO ContextProperty (context_id, name, is_custom_property, string_value) "
             "VALUES (6, 'broken', 1, 'mlmd-struct::!!!')")
  db.commit()
  db.close()
  target = f'sqlite:{tmp_path / "t.db"}'
  res = mlmd('--store', target, 'import-mlmd', str(src), check=False)
  assert res.returncode == 1 and _dump(target) == {'types': [], 'nodes': [], 'events': [], 'members': []}
  assert "ContextProperty (context_id 6, name 'broken'): a Struct value that is not base64" in res.stderr
  assert 'nothing was imported' in res.stderr and 'line 0' not in res.stderr
  # an artifact of a type that is not there: its table and id
  db = sqlite3.connect(str(src))
  db.execute("DELETE FROM ContextProperty WHERE name = 'broken'")
  db.execute("INSERT INTO Artifact (id, type_id, uri, name) VALUES (9, 77, 's3://x', 'orphan')")
  db.commit()
  db.close()
  res = mlmd('--store', target, 'import-mlmd', str(src), check=False)
  assert res.returncode == 1 and 'Artifact id 9: artifact 9 has type id 77' in res.stderr
  assert _dump(target)['nodes'] == []
  # without the orphan, the same file imports
  db = sqlite3.connect(str(src))
  db.execute('DELETE FROM Artifact WHERE id = 9')
  db.commit()
  db.close()
  res = mlmd('--store', target, 'import-mlmd', str(src))
  assert 'imported 3 types, 2 artifacts, 1 executions, 2 contexts, 2 events' in res.stderr


def test_deep_values_are_refused_cleanly(tmp_path):
  """A struct nested 5,000 deep (a 34 KB line) is refused with a message, by import and import-mlmd."""
  store = f'sqlite:{tmp_path / "s.db"}'
  header = '{"kind":"mlmd_export","version":1}'
  t = metadata_store_pb2.ArtifactType(id=1, name='Deep')
  compact = {'separators': (',', ':')}  # as `mlmd export` writes them
  lines = [header, json.dumps({'kind': 'artifact_type', 'id': 1, 'pb': base64.b64encode(t.SerializeToString()).decode()},
                              **compact)]
  deep = _deep_artifact(1, 5000)
  lines.append(json.dumps({'kind': 'artifact', 'id': 1, 'type_id': 1, 'pb': base64.b64encode(deep).decode()}, **compact))
  (tmp_path / 'deep.jsonl').write_text('\n'.join(lines) + '\n')
  res = mlmd('--store', store, 'import', str(tmp_path / 'deep.jsonl'), check=False)
  assert res.returncode == 1, res  # not a crash
  assert 'line 3: "pb": ml_metadata.Artifact: ' in res.stderr and 'messages nest deeper than 100 levels' in res.stderr, res.stderr
  # JSON nested in a field the import does not use
  (tmp_path / 'json.jsonl').write_text('{"kind":"mlmd_export","version":1,"x":' + '[' * 5000 + ']' * 5000 + '}\n')
  res = mlmd('--store', store, 'import', str(tmp_path / 'json.jsonl'), check=False)
  assert res.returncode == 1 and 'line 1: values nested deeper than 64 levels' in res.stderr
  # import-mlmd: the struct in an MLMD property
  src = tmp_path / 'mlmd.db'
  build_mlmd_db(str(src))
  db = sqlite3.connect(str(src))
  inner = _deep_struct_bytes(5000)  # MLMD keeps a STRUCT as "mlmd-struct::" + base64 of the Struct
  db.execute("INSERT INTO ArtifactProperty (artifact_id, name, is_custom_property, string_value) "
             "VALUES (7, 'deep', 1, ?)", ('mlmd-struct::' + base64.b64encode(inner).decode(),))
  db.commit()
  db.close()
  res = mlmd('--store', f'sqlite:{tmp_path / "m.db"}', 'import-mlmd', str(src), check=False)
  assert res.returncode == 1
  assert "ArtifactProperty (artifact_id 7, name 'deep'): google.protobuf.Struct: " in res.stderr, res.stderr
  assert 'messages nest deeper than 100 levels' in res.stderr


def _deep_struct_bytes(depth):
  """A google.protobuf.Struct {"a": [[[... 1 ...]]]} with `depth` lists."""
  import sys
  if sys_path_fuzz not in sys.path:
    sys.path.insert(0, sys_path_fuzz)
  import make_import_corpus as m
  inner = m.field(2, 1, b'\x00\x00\x00\x00\x00\x00\xf0\x3f')
  for _ in range(depth):
    inner = m.field(6, 2, m.field(1, 2, inner))
  return m.field(1, 2, m.field(1, 2, b'a') + m.field(2, 2, inner))


def test_doubles_that_are_no_number(tmp_path):
  """NaN and the infinities survive the store and the export round trip; the
  text output names them, JSON (which has no such numbers) writes null."""
  db = tmp_path / 'nan.db'
  cfg = metadata_store_pb2.ConnectionConfig()
  cfg.sqlite.filename_uri = str(db)
  store = metadata_store.MetadataStore(cfg)
  t = metadata_store_pb2.ArtifactType(name='T')
  t.properties['p'] = metadata_store_pb2.DOUBLE
  tid = store.put_artifact_type(t)
  a = metadata_store_pb2.Artifact(type_id=tid, uri='u')
  a.properties['p'].double_value = float('nan')
  a.custom_properties['inf'].double_value = float('inf')
  a.custom_properties['ninf'].double_value = float('-inf')
  [aid] = store.put_artifacts([a])
  [got] = store.get_artifacts_by_id([aid])
  assert got.properties['p'].double_value != got.properties['p'].double_value  # NaN
  assert got.custom_properties['inf'].double_value == float('inf')
  assert got.custom_properties['ninf'].double_value == float('-inf')
  del store
  uri = f'sqlite:{db}'
  text = mlmd('--store', uri, 'show', 'artifact', str(aid)).stdout
  assert 'p = nan' in text and '(custom) inf = inf' in text and '(custom) ninf = -inf' in text
  node = json.loads(mlmd('--store', uri, 'ls', 'artifacts', '--json').stdout)[0]
  assert node['properties'] == {'p': None}
  assert node['custom_properties'] == {'inf': None, 'ninf': None}
  exported = tmp_path / 'x.jsonl'
  exported.write_text(mlmd('--store', uri, 'export').stdout)
  mlmd('--store', f'sqlite:{tmp_path / "copy.db"}', 'import', str(exported))
  cfg2 = metadata_store_pb2.ConnectionConfig()
  cfg2.sqlite.filename_uri = str(tmp_path / 'copy.db')
  [copy] = metadata_store.MetadataStore(cfg2).get_artifacts()
  assert copy.properties['p'].double_value != copy.properties['p'].double_value
  assert copy.custom_properties['ninf'].double_value == float('-inf')


# ---- metric histories in the export ------------------------------------------------------------------

def _varint(n):
  n &= (1 << 64) - 1
  out = bytearray()
  while True:
    b = n & 0x7F
    n >>= 7
    out.append(b | (0x80 if n else 0))
    if not n:
      return bytes(out)


def _field(num, wire, payload):
  return _varint(num << 3 | wire) + (_varint(len(payload)) + payload if wire == 2 else payload)


def _series_bytes(key, values, steps=None, timestamps=None):
  """An mlmd.tracking.MetricSeries, encoded by hand (the tracking protos have no Python module here)."""
  out = _field(1, 2, key.encode()) + _field(2, 2, struct.pack('<%dd' % len(values), *values))
  if steps is not None:
    out += _field(3, 2, b''.join(_varint(x) for x in steps))
  if timestamps is not None:
    out += _field(4, 2, b''.join(_varint(x) for x in timestamps))
  return out


def _read_varint(data, i):
  n = shift = 0
  while True:
    b = data[i]
    i += 1
    n |= (b & 0x7F) << shift
    shift += 7
    if not b & 0x80:
      return n, i


def _parse_series(data):
  """(key, values, steps, timestamps) of MetricSeries bytes; values as their 8 raw bytes each."""
  key, values, steps, stamps, i = None, [], [], [], 0
  while i < len(data):
    tag, i = _read_varint(data, i)
    assert tag & 7 == 2, tag
    size, i = _read_varint(data, i)
    chunk, i = data[i:i + size], i + size
    num = tag >> 3
    if num == 1:
      key = chunk.decode()
    elif num == 2:
      values += [chunk[j:j + 8] for j in range(0, len(chunk), 8)]
    else:
      j, ints = 0, []
      while j < len(chunk):
        v, j = _read_varint(chunk, j)
        ints.append(v - (1 << 64) if v >= 1 << 63 else v)
      (steps if num == 3 else stamps).extend(ints)
  return key, values, steps, stamps


def _metric_lines(path):
  return [l for l in open(path).read().splitlines() if json.loads(l)['kind'] == 'metric_series']


def _rpc(store, method, payload):
  data, code, message = _native.call(store._handle, method.encode(), payload)
  assert code == 0, (method, message)
  return data


def _tracked_store(db):
  """Two tracked runs through the store's tracking RPCs (mlmd_store_call): one
  ended with 25,000 loss points (NaN and the infinities among them) and a
  key with a quote, one still running with a few points."""
  cfg = metadata_store_pb2.ConnectionConfig()
  cfg.sqlite.filename_uri = str(db)
  store = metadata_store.MetadataStore(cfg)
  runs = []
  for name in ('long', 'short'):
    resp = _rpc(store, 'StartRun', _field(1, 2, b'exp') + _field(2, 2, name.encode()))
    assert resp[0] == 0x08
    runs.append(_read_varint(resp, 1)[0])
  n = 25000
  values = [1.0 / (i + 1) for i in range(n)]
  values[3], values[10001], values[20002] = float('nan'), float('inf'), float('-inf')
  steps = list(range(n))
  stamps = [1700000000000 + i for i in range(n)]
  for lo in range(0, n, 5000):
    _rpc(store, 'Log', _field(1, 0, _varint(runs[0])) +
         _field(4, 2, _series_bytes('loss', values[lo:lo + 5000], steps[lo:lo + 5000], stamps[lo:lo + 5000])))
  _rpc(store, 'Log', _field(1, 0, _varint(runs[0])) + _field(4, 2, _series_bytes('a "quoted" key', [1.7976931348623157e308, 5e-324],
                                                                                 [-1, 2], [0, -5])))
  _rpc(store, 'EndRun', _field(1, 0, _varint(runs[0])))
  _rpc(store, 'Log', _field(1, 0, _varint(runs[1])) + _field(4, 2, _series_bytes('acc', [0.5, 0.75], [1, 2], [7, 8])))
  del store
  return runs, values


def test_metric_histories_round_trip_exactly(tmp_path):
  """export -> import -> export keeps every metric point bit for bit (NaN,
  the infinities, the largest double, a subnormal), in chunks of 10,000 points a line,
  for an ended run and a running one; the copy's runs have their new ids."""
  src = tmp_path / 'src.db'
  runs, values = _tracked_store(src)
  first, second = tmp_path / 'a.jsonl', tmp_path / 'b.jsonl'
  res = mlmd('--store', f'sqlite:{src}', 'export', str(first))
  assert 'parent contexts, 25004 metric points to' in res.stderr
  lines = [json.loads(l) for l in _metric_lines(first)]
  assert [(r['execution_id'], r['key'], r['points']) for r in lines] == [
      (runs[0], 'a "quoted" key', 2), (runs[0], 'loss', 10000), (runs[0], 'loss', 10000), (runs[0], 'loss', 5000),
      (runs[1], 'acc', 2)]
  got = []
  for r in lines[1:4]:
    key, vals, steps, stamps = _parse_series(base64.b64decode(r['pb']))
    assert key == 'loss' and len(vals) == len(steps) == len(stamps) == r['points']
    got += vals
  assert got == [struct.pack('<d', v) for v in values]  # every bit, NaN's too
  key, vals, steps, stamps = _parse_series(base64.b64decode(lines[0]['pb']))
  assert vals == [struct.pack('<d', 1.7976931348623157e308), struct.pack('<d', 5e-324)] and steps == [-1, 2] and stamps == [0, -5]
  # into a store that already has other executions: the runs get new ids
  copy = f'sqlite:{tmp_path / "copy.db"}'
  others = tmp_path / 'other.jsonl'
  other = tmp_path / 'other.db'
  cfg = metadata_store_pb2.ConnectionConfig()
  cfg.sqlite.filename_uri = str(other)
  ms = metadata_store.MetadataStore(cfg)
  tid = ms.put_execution_type(metadata_store_pb2.ExecutionType(name='Before'))
  ms.put_executions([metadata_store_pb2.Execution(type_id=tid, name=f'e{i}') for i in range(3)])
  del ms
  mlmd('--store', f'sqlite:{other}', 'export', str(others))
  mlmd('--store', copy, 'import', str(others))
  res = mlmd('--store', copy, 'import', str(first))
  assert 'parent contexts, 25004 metric points from' in res.stderr
  mlmd('--store', copy, 'export', str(second))
  again = [json.loads(l) for l in _metric_lines(second)]
  assert [r['execution_id'] for r in again] == [runs[0] + 3] * 4 + [runs[1] + 3]
  assert [(r['key'], r['points'], r['pb']) for r in again] == [(r['key'], r['points'], r['pb']) for r in lines]
  # the copy's properties are the source's: the latest loss, the running run still running
  cfg.sqlite.filename_uri = str(tmp_path / 'copy.db')
  ms = metadata_store.MetadataStore(cfg)
  by_name = {e.name: e for e in ms.get_executions()}
  assert by_name['long'].custom_properties['metric.loss'].double_value == values[-1]
  assert by_name['long'].last_known_state == metadata_store_pb2.Execution.COMPLETE
  assert by_name['short'].last_known_state == metadata_store_pb2.Execution.RUNNING
  assert by_name['short'].custom_properties['metric.acc'].double_value == 0.75
  del ms


def test_metric_lines_are_checked(tmp_path):
  """A metric line naming an execution not imported before it is refused
  with its line number, nothing imported; a store at schema version 2 is
  refused unless the import upgrades it; an export without metric lines (as
  before they existed) still imports."""
  src = tmp_path / 'src.db'
  _tracked_store(src)
  good = tmp_path / 'good.jsonl'
  mlmd('--store', f'sqlite:{src}', 'export', str(good))
  lines = good.read_text().splitlines()
  at = next(i for i, l in enumerate(lines) if json.loads(l)['kind'] == 'metric_series')
  bad = list(lines)
  rec = json.loads(bad[at])
  rec['execution_id'] = 4242
  bad[at] = json.dumps(rec, separators=(',', ':'))
  (tmp_path / 'bad.jsonl').write_text('\n'.join(bad) + '\n')
  target = f'sqlite:{tmp_path / "t.db"}'
  res = mlmd('--store', target, 'import', str(tmp_path / 'bad.jsonl'), check=False)
  assert res.returncode == 1 and 'nothing was imported' in res.stderr
  assert f'line {at + 1}: the metric history of execution 4242, which is not among the executions imported' \
      in res.stderr, res.stderr
  assert _dump(target)['nodes'] == []
  # a series whose steps do not match its values: the store's message, with the line
  rec = json.loads(lines[at])
  rec['pb'] = base64.b64encode(_series_bytes('k', [1.0, 2.0], [1])).decode()
  bad[at] = json.dumps(rec, separators=(',', ':'))
  (tmp_path / 'bad.jsonl').write_text('\n'.join(bad) + '\n')
  res = mlmd('--store', target, 'import', str(tmp_path / 'bad.jsonl'), check=False)
  assert res.returncode == 1 and f'line {at + 1}: PutMetricHistory: ' in res.stderr
  assert "metric 'k' has 2 values but 1 steps" in res.stderr and _dump(target)['nodes'] == []
  # without metric lines, as an export made before they existed: imports
  old = tmp_path / 'old.jsonl'
  old.write_text('\n'.join(l for l in lines if json.loads(l)['kind'] != 'metric_series') + '\n')
  res = mlmd('--store', f'sqlite:{tmp_path / "o.db"}', 'import', str(old))
  assert 'parent contexts, 0 metric points from' in res.stderr
  # a store at schema version 2 (no metric table): refused, saying what to do, nothing imported;
  # `import --upgrade` migrates it and imports
  v2 = f'sqlite:{tmp_path / "v2.db"}'
  (tmp_path / 'header.jsonl').write_text(lines[0] + '\n')
  mlmd('--store', v2, 'import', str(tmp_path / 'header.jsonl'))  # an empty store
  db = sqlite3.connect(str(tmp_path / 'v2.db'))
  db.executescript('DROP TABLE metric; ' + DROP_V4_SQL + '; UPDATE mlmd_schema SET version = 2')
  db.close()
  res = mlmd('--store', v2, 'import', str(good), check=False)
  assert res.returncode == 1 and f'line {at + 1}: a metric history, but the store is at schema version 2' in res.stderr
  assert 'mlmd import --upgrade' in res.stderr and 'nothing was imported' in res.stderr, res.stderr
  assert _dump(v2)['nodes'] == []
  res = mlmd('--store', v2, 'import', '--upgrade', str(good))
  assert 'parent contexts, 25004 metric points from' in res.stderr
  db = sqlite3.connect(str(tmp_path / 'v2.db'))
  assert db.execute('SELECT version FROM mlmd_schema').fetchone()[0] >= 3
  assert db.execute('SELECT count(*) FROM metric').fetchone()[0] == 25004
  db.close()


def test_audit_log_travels_as_an_archive(tmp_path):
  """export carries the audit log as audit_record lines; import keeps them,
  unchanged, as an archive under the record of its own call, in the same
  transaction as the rest; a store without the audit log's schema refuses
  them unless upgraded; a damaged record is refused, naming its line."""
  src = tmp_path / 'src.db'
  cfg = metadata_store_pb2.ConnectionConfig()
  cfg.sqlite.filename_uri = str(src)
  ms = metadata_store.MetadataStore(cfg)
  tid = ms.put_artifact_type(metadata_store_pb2.ArtifactType(name='Data'))
  ms.put_artifacts([metadata_store_pb2.Artifact(type_id=tid, uri=f'/d/{i}') for i in range(3)])
  del ms
  db = sqlite3.connect(str(src))
  source_rows = db.execute('SELECT seq, time, actor, operation, ids, request_sha256, prev_hash, hash '
                           'FROM audit_log ORDER BY seq').fetchall()
  db.close()
  assert [r[3] for r in source_rows] == ['PutArtifactType', 'PutArtifacts']
  out = tmp_path / 'src.jsonl'
  res = mlmd('--store', f'sqlite:{src}', 'export', str(out))
  assert 'exported 2 audit records' in res.stderr
  lines = out.read_text().splitlines()
  audit = [json.loads(l) for l in lines if json.loads(l)['kind'] == 'audit_record']
  assert [r['seq'] for r in audit] == [1, 2]
  target = tmp_path / 't.db'
  res = mlmd('--store', f'sqlite:{target}', 'import', str(out))
  assert 'kept the 2 audit records of the source as an archive' in res.stderr
  db = sqlite3.connect(str(target))
  kept = db.execute('SELECT seq, time, actor, operation, ids, request_sha256, prev_hash, hash '
                    'FROM audit_archive ORDER BY seq').fetchall()
  assert kept == source_rows
  (import_seq,) = db.execute('SELECT DISTINCT import_seq FROM audit_archive').fetchone()
  assert db.execute('SELECT operation FROM audit_log WHERE seq = ?', (import_seq,)).fetchone() == ('PutAuditArchive',)
  # the import's own writes are in the target's chain, which starts at 1
  ops = [r[0] for r in db.execute('SELECT operation FROM audit_log ORDER BY seq')]
  assert ops[0] == 'PutArtifactType' and ops[-1] == 'PutAuditArchive' and 'PutArtifacts' in ops
  db.close()
  # a damaged record: refused with its line, nothing imported
  at = next(i for i, l in enumerate(lines) if json.loads(l)['kind'] == 'audit_record')
  bad = list(lines)
  rec = json.loads(bad[at])
  rec['pb'] = base64.b64encode(b'\x08\x01').decode()  # seq 1 and nothing else
  bad[at] = json.dumps(rec)
  (tmp_path / 'bad.jsonl').write_text('\n'.join(bad) + '\n')
  fresh = f'sqlite:{tmp_path / "fresh.db"}'
  res = mlmd('--store', fresh, 'import', str(tmp_path / 'bad.jsonl'), check=False)
  assert res.returncode == 1 and 'archived record 1 lacks one of time_ms' in res.stderr, res.stderr
  assert 'nothing was imported' in res.stderr
  # a store at schema version 3 (no audit log): refused, saying what to do; --upgrade imports
  v3 = tmp_path / 'v3.db'
  (tmp_path / 'header.jsonl').write_text(lines[0] + '\n')
  mlmd('--store', f'sqlite:{v3}', 'import', str(tmp_path / 'header.jsonl'))
  db = sqlite3.connect(str(v3))
  db.executescript(DROP_V4_SQL + '; UPDATE mlmd_schema SET version = 3')
  db.close()
  res = mlmd('--store', f'sqlite:{v3}', 'import', str(out), check=False)
  assert res.returncode == 1 and 'an audit record, but the store is at schema version 3' in res.stderr, res.stderr
  res = mlmd('--store', f'sqlite:{v3}', 'import', '--upgrade', str(out))
  assert 'kept the 2 audit records' in res.stderr


def test_governed_demo_and_registry_round_trip(tmp_path):
  """The demo with --govern: each run's model becomes a version of 'iris' and
  'prod' moves by a request the trainer makes and a reviewer approves; the
  scorer serves iris@prod; the audit log verifies. export/import carries the
  registry's aliases, policies, requests (with approvals) and alias history
  (one registry_state line per model), and the copy exports them the same."""
  db = tmp_path / 'gov.db'
  for run in (1, 2):
    res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path),
                          '--govern'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (f'govern    iris version {run} (validation=passed): prod -> version {run}, requested by trainer, '
            'approved by reviewer') in res.stdout, res.stdout
    assert f'serve     iris@prod = version {run}, ' in res.stdout
    assert 'chain intact' in res.stdout
    # monitoring: a profile recorded beside the model, a stable window, a drifted one, an explanation
    assert f'profile   model #' in res.stdout and 'of 100 training rows, 4 columns' in res.stdout
    assert 'drift     serving window: 1 recorded, 0 drifted' in res.stdout, res.stdout
    assert "drift     petal_length x1.6: 1 window drifted; deployment 'demo' labelled DRIFTED" in res.stdout
    assert 'explain   a held-out row -> ' in res.stdout and '(linear): margin ' in res.stdout
    # sharing: the report and the OpenLineage events, one START (and one end) per execution
    assert f'report    {tmp_path}/report.html (' in res.stdout, res.stdout
    html = (tmp_path / 'report.html').read_text()
    assert html.startswith('<!DOCTYPE html>') and html.rstrip().endswith('</html>')
    events = [json.loads(l) for l in (tmp_path / 'openlineage.ndjson').read_text().splitlines()]
    assert f'lineage   {tmp_path}/openlineage.ndjson: {len(events)} OpenLineage run events' in res.stdout
    starts = {e['run']['runId'] for e in events if e['eventType'] == 'START'}
    assert len(starts) == len({e['run']['runId'] for e in events}) > 0
  # step 10 of `make demo`: the store served over gRPC and read with MLMD's client config
  res = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'serve.py'), CLI, str(db)],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'bindings',
                                                                                              'python')))
  assert res.returncode == 0, res.stdout + res.stderr
  assert "read with MLMD's MetadataStoreClientConfig" in res.stdout
  assert '2 models' in res.stdout and 'trained on iris.csv' in res.stdout, res.stdout
  assert 'same answers as in process; SIGTERM: drained, exit status 0' in res.stdout
  store = f'sqlite:{db}'
  got = json.loads(mlmd('--store', store, 'registry', 'resolve', 'iris@prod', '--json').stdout)
  assert got['version'] == 2 and got['alias'] == 'prod'
  serving = json.loads(mlmd('--store', store, 'ls', 'executions', '--type', 'ModelServing', '--json').stdout)
  assert serving[-1]['custom_properties']['mlmd.model_version'] == 2
  mlmd('--store', store, 'audit', 'verify')
  # the drifted window's figures, from the last serving execution that has one
  windows = json.loads(mlmd('--store', store, 'drift', '--store', store, '--execution',
                            str(serving[-1]['id']), '--json').stdout)['windows']
  assert windows[-1]['drifted'] and windows[-1]['rows'] == 150
  worst = max(windows[-1]['columns'], key=lambda c: c['psi'])
  assert worst['name'] == 'petal_length' and worst['drift']

  first, second = tmp_path / 'a.jsonl', tmp_path / 'b.jsonl'
  res = mlmd('--store', store, 'export', str(first))
  assert 'registry state' not in res.stderr and 'of 1 registered models' in res.stderr
  copy = f'sqlite:{tmp_path / "copy.db"}'
  res = mlmd('--store', copy, 'import', str(first))
  assert 'restored the aliases, policies, requests and alias history of 1 registered models' in res.stderr
  mlmd('--store', copy, 'export', str(second))

  def state(path):
    recs = [json.loads(l) for l in path.read_text().splitlines()]
    return [r['pb'] for r in recs if r['kind'] == 'registry_state']
  assert state(first) == state(second) and len(state(first)) == 1
  for s in (store, copy):
    shown = json.loads(mlmd('--store', s, 'registry', 'show', 'iris', '--json').stdout)
    hist = json.loads(mlmd('--store', s, 'registry', 'history', 'iris', '--json').stdout)
    if s == store:
      want_show, want_hist = shown, hist
  assert shown == want_show and hist == want_hist
  # as of a time between the two moves, in the copy too
  entries = hist['entries'] if isinstance(hist, dict) else hist
  t = entries[1]['time_ms'] - 1 if entries[1]['time_ms'] > entries[0]['time_ms'] else entries[0]['time_ms']
  then = json.loads(mlmd('--store', copy, 'registry', 'resolve', 'iris@prod', '--as-of', str(t), '--json').stdout)
  assert then['version'] == 1
  # an import of the state into a model that already has one is refused, nothing imported
  recs = [json.loads(l) for l in first.read_text().splitlines()]
  only = tmp_path / 'state.jsonl'
  only.write_text('\n'.join(json.dumps(r) for r in recs if r['kind'] in ('mlmd_export', 'registry_state')) + '\n')
  res = mlmd('--store', copy, 'import', str(only), check=False)
  assert res.returncode == 1 and "model 'iris' already has registry state" in res.stderr, res.stderr
  assert 'nothing was imported' in res.stderr

"""`mlmd gc` end to end on real SQLite files: the compaction step after
deletions (docs/datagov.md): exit 0 and the detail when the WAL was
checkpointed and truncated, --full (VACUUM), --json keys, exit 1 when a
reader holding an old snapshot keeps the WAL from being truncated, and for a
store that does not exist.
"""

import json
import os
import sqlite3
import subprocess

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))


def mlmd(*args):
  return subprocess.run([CLI, *args], capture_output=True, text=True)


def make_store(path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  store = metadata_store.MetadataStore(config)
  t = metadata_store_pb2.ArtifactType(name='Data')
  tid = store.put_artifact_type(t)
  store.put_artifacts([metadata_store_pb2.Artifact(type_id=tid, uri='file:///a')])
  return store, tid


def test_gc_checkpoints_and_full_vacuums(tmp_path):
  path = tmp_path / 's.db'
  store, _ = make_store(path)
  del store
  res = mlmd('--store', 'sqlite:%s' % path, 'gc')
  assert res.returncode == 0, res.stderr
  assert 'WAL checkpointed and truncated' in res.stdout
  wal = str(path) + '-wal'
  assert not os.path.exists(wal) or os.path.getsize(wal) == 0
  res = mlmd('--store', 'sqlite:%s' % path, 'gc', '--full', '--json')
  assert res.returncode == 0, res.stderr
  doc = json.loads(res.stdout)
  assert doc['complete'] is True
  assert 'VACUUM' in doc['detail']
  assert isinstance(doc['pages_freed'], int)


def test_gc_incomplete_while_a_reader_holds_a_snapshot(tmp_path):
  path = tmp_path / 's.db'
  store, tid = make_store(path)
  reader = sqlite3.connect(str(path), isolation_level=None)
  reader.execute('BEGIN')
  reader.execute('SELECT count(*) FROM artifact').fetchall()
  store.put_artifacts([metadata_store_pb2.Artifact(type_id=tid, uri='file:///b')])
  env = dict(os.environ)
  res = subprocess.run([CLI, '--store', 'sqlite:%s' % path, 'gc', '--json'], capture_output=True, text=True,
                       env=env, timeout=120)
  assert res.returncode == 1
  assert json.loads(res.stdout)['complete'] is False
  assert 'gc: incomplete' in res.stderr and 'older snapshot' in res.stderr
  reader.execute('COMMIT')
  reader.close()
  res = mlmd('--store', 'sqlite:%s' % path, 'gc')
  assert res.returncode == 0, res.stderr


def test_gc_of_a_missing_store_fails(tmp_path):
  res = mlmd('--store', 'sqlite:%s' % (tmp_path / 'none.db'), 'gc')
  assert res.returncode == 1
  assert res.stderr.startswith('mlmd: ')
  assert not (tmp_path / 'none.db').exists()

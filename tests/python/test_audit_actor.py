"""Who a write is by, from Python, and the audit log read through mlmd:
mlmd.set_actor and the actor= arguments, as the audit records show them
(for mlmd's clients and fluent API and for ml_metadata.MetadataStore);
get_audit_log, audit_checkpoint, and verify_audit detecting rows edited,
deleted and a chain rewritten with sqlite3 behind the library's back. On
SQLite and, when MLMD_TEST_POSTGRES is set, on PostgreSQL (tampering: SQLite
files)."""

import hashlib
import itertools
import os
import sqlite3
import urllib.parse

import pytest

import mlmd
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

_serial = itertools.count()


def pg_uri(tag):
  base = os.environ.get('MLMD_TEST_POSTGRES')
  if not base:
    pytest.skip('set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT')
  return '%s/mlmd_t_py_aud_%s_%d' % (base.rstrip('/'), tag, os.getpid())


def mlmd_config(uri):
  """The ml_metadata ConnectionConfig of a store URI."""
  config = pb.ConnectionConfig()
  if uri.startswith('sqlite:'):
    config.sqlite.filename_uri = uri[len('sqlite:'):]
  else:
    u = urllib.parse.urlparse(uri)
    config.postgresql.host = u.hostname
    config.postgresql.port = str(u.port or 5432)
    config.postgresql.user = u.username or ''
    config.postgresql.dbname = u.path.lstrip('/')
    config.postgresql.skip_db_creation = True
  return config


@pytest.fixture(autouse=True)
def no_actor():
  """Every test starts and ends with no process actor set."""
  mlmd.set_actor(None)
  yield
  mlmd.set_actor(None)
  mlmd.set_store(None)


@pytest.fixture(params=['sqlite', 'postgresql'])
def uri(request, tmp_path):
  if request.param == 'sqlite':
    return 'sqlite:%s' % (tmp_path / 'audit.db')
  return pg_uri('%d' % next(_serial))


def put_artifact(client, name):
  """One MLMD write (PutArtifacts) through the client's store; its id."""
  from ml_metadata.proto import metadata_store_service_pb2 as svc  # pylint: disable=import-outside-toplevel
  req = svc.PutArtifactsRequest()
  req.artifacts.add(type_id=artifact_type(client), uri='file:/' + name)
  return client._call('PutArtifacts', req,  # pylint: disable=protected-access
                      svc.PutArtifactsResponse()).artifact_ids[0]


def artifact_type(client):
  from ml_metadata.proto import metadata_store_service_pb2 as svc  # pylint: disable=import-outside-toplevel
  req = svc.PutArtifactTypeRequest(can_add_fields=True)
  req.artifact_type.name = 'Blob'
  return client._call('PutArtifactType', req,  # pylint: disable=protected-access
                      svc.PutArtifactTypeResponse()).type_id


def test_set_actor_get_actor_and_refusals(monkeypatch):
  monkeypatch.setenv('MLMD_ACTOR', 'from-env')
  assert mlmd.get_actor() == 'from-env'
  mlmd.set_actor('alice')
  assert mlmd.get_actor() == 'alice'
  for bad in ('', 'a\nb', 'tab\there', 'x' * 257, 'del\x7f', 42):
    with pytest.raises(errors.InvalidArgumentError):
      mlmd.set_actor(bad)
    assert mlmd.get_actor() == 'alice'  # unchanged
    with pytest.raises(mlmd.exceptions.MlflowException):
      mlmd.MlflowClient('sqlite::memory:', actor=bad)
    with pytest.raises(errors.InvalidArgumentError):
      metadata_store.MetadataStore(mlmd_config('sqlite::memory:'), actor=bad)
    with pytest.raises(errors.InvalidArgumentError):
      mlmd.set_store('sqlite::memory:', actor=bad)
  mlmd.set_actor('é' * 128)  # 256 bytes of UTF-8: the limit
  assert mlmd.get_actor() == 'é' * 128
  mlmd.set_actor(None)
  assert mlmd.get_actor() == 'from-env'
  monkeypatch.setenv('MLMD_ACTOR', 'bad\nenv')  # unacceptable: the OS user
  import pwd  # pylint: disable=import-outside-toplevel
  assert mlmd.get_actor() == pwd.getpwuid(os.geteuid()).pw_name


def test_audit_records_carry_the_actor_of_each_call(uri, monkeypatch):
  monkeypatch.setenv('MLMD_ACTOR', 'env-actor')
  c = mlmd.MlflowClient(uri)
  pinned = mlmd.MlflowClient(uri, actor='robot')
  assert c.actor == 'env-actor' and pinned.actor == 'robot'
  put_artifact(c, 'a')                 # the library's default: MLMD_ACTOR
  mlmd.set_actor('alice')
  put_artifact(c, 'b')                 # the same shared handle, now alice
  put_artifact(pinned, 'c')            # its own actor, whatever set_actor says
  mlmd.set_actor('bob')
  assert c.actor == 'bob'
  run = c.create_run(experiment_name='e')
  c.log_metric(run.info.run_id, 'loss', 0.5)
  put_artifact(pinned, 'd')
  mlmd.set_actor(None)
  put_artifact(c, 'e')
  log = c.get_audit_log()
  assert [(r.actor, r.operation) for r in log] == [
      ('env-actor', 'PutArtifactType'), ('env-actor', 'PutArtifacts'),
      ('alice', 'PutArtifactType'), ('alice', 'PutArtifacts'),
      ('robot', 'PutArtifactType'), ('robot', 'PutArtifacts'),
      ('bob', 'StartRun'), ('bob', 'Log'),
      ('robot', 'PutArtifactType'), ('robot', 'PutArtifacts'),
      ('env-actor', 'PutArtifactType'), ('env-actor', 'PutArtifacts')]
  assert [r.seq for r in log] == list(range(1, 13))
  assert all(r.prev_hash == p.hash for p, r in zip(log, log[1:]))
  assert 'run_id=%s' % run.info.run_id in log[6].ids
  # since and max_results
  assert [r.seq for r in c.get_audit_log(since=10)] == [11, 12]
  assert [r.seq for r in c.get_audit_log(since=3, max_results=2)] == [4, 5]
  assert c.get_audit_log(since=12) == []
  with pytest.raises(errors.InvalidArgumentError):
    c.get_audit_log(since=-1)


def test_fluent_writes_use_set_actor_and_set_store_actor(uri):
  mlmd.set_store(uri)
  mlmd.set_actor('carol')
  with mlmd.start_run(run_name='r1'):
    mlmd.log_param('lr', 0.1)
  mlmd.set_store(uri, actor='dave')
  with mlmd.start_run(run_name='r2'):
    mlmd.set_actor('erin')  # set_store's actor wins for the fluent calls
    mlmd.log_param('lr', 0.2)
  assert mlmd.get_client().actor == 'dave'
  actors = [(r.actor, r.operation) for r in mlmd.get_client().get_audit_log()]
  assert actors == [('carol', 'StartRun'), ('carol', 'Log'),
                    ('carol', 'EndRun'), ('dave', 'StartRun'),
                    ('dave', 'Log'), ('dave', 'EndRun')]


def test_metadata_store_writes_carry_the_actor(uri):
  mlmd.MlflowClient(uri)  # creates the store (and PostgreSQL's database)
  config = mlmd_config(uri)
  before = metadata_store.MetadataStore(config)  # opened before set_actor
  mlmd.set_actor('frank')
  after = metadata_store.MetadataStore(config)
  own = metadata_store.MetadataStore(config, actor='grace')
  t = pb.ArtifactType(name='Data')
  tid = after.put_artifact_type(t)
  after.put_artifacts([pb.Artifact(type_id=tid, uri='x')])
  own.put_artifacts([pb.Artifact(type_id=tid, uri='y')])
  mlmd.set_actor('heidi')  # a MetadataStore keeps the actor it opened with
  after.put_artifacts([pb.Artifact(type_id=tid, uri='z')])
  before.put_artifacts([pb.Artifact(type_id=tid, uri='w')])
  log = mlmd.MlflowClient(uri).get_audit_log()
  import pwd  # pylint: disable=import-outside-toplevel
  default = os.environ.get('MLMD_ACTOR') or pwd.getpwuid(os.geteuid()).pw_name
  assert [(r.actor, r.operation) for r in log] == [
      ('frank', 'PutArtifactType'), ('frank', 'PutArtifacts'),
      ('grace', 'PutArtifacts'), ('frank', 'PutArtifacts'),
      (default, 'PutArtifacts')]
  assert 'artifact_ids=%d' % after.get_artifacts_by_uri('x')[0].id in \
      log[1].ids.split()


def test_checkpoint_and_verify_intact(uri):
  c = mlmd.MlflowClient(uri)
  v = c.verify_audit()
  assert v and v.intact and v.records == 0 and v.first_bad_seq is None
  assert c.audit_checkpoint() == '0:' + '0' * 64
  for i in range(5):
    put_artifact(c, str(i))
  cp = c.audit_checkpoint()
  seq, h = cp.split(':')
  log = c.get_audit_log()
  assert int(seq) == 10 and h == log[-1].hash
  v = c.verify_audit(checkpoint=cp)
  assert v.intact and v.records == 10 and v.last_seq == 10 and \
      v.last_hash == h
  assert c.verify_audit(checkpoint=(3, log[2].hash)).intact
  bad = c.verify_audit(checkpoint=(3, log[3].hash))
  assert not bad and bad.first_bad_seq == 3 and 'checkpoint' in bad.reason
  for wrong in ('10', '10:xyz', 'ten:' + h, '0:' + h, (1, 'zz'), 7):
    with pytest.raises(errors.InvalidArgumentError):
      c.verify_audit(checkpoint=wrong)


def _record_hash(seq, time_ms, actor, op, ids, req_sha, prev):
  text = 'mlmd.audit.v1\n%d\n%d\n%s\n%s\n%s\n%s\n%s\n' % (
      seq, time_ms, actor, op, ids, req_sha, prev)
  return hashlib.sha256(text.encode('utf-8')).hexdigest()


@pytest.fixture
def six_records(tmp_path):
  path = tmp_path / 'tamper.db'
  c = mlmd.MlflowClient('sqlite:%s' % path)
  mlmd.set_actor('ivan')
  for i in range(3):
    put_artifact(c, str(i))
  assert [r.seq for r in c.get_audit_log()] == [1, 2, 3, 4, 5, 6]
  assert c.verify_audit().intact
  return c, path


def _sql(path, *statements):
  db = sqlite3.connect(str(path))
  try:
    for s in statements:
      db.execute(s)
    db.commit()
  finally:
    db.close()


def test_verify_names_a_row_edited_behind_the_librarys_back(six_records):
  c, path = six_records
  # Our hash of each record is the library's (docs/audit.md's text).
  for r in c.get_audit_log():
    assert r.hash == _record_hash(r.seq, r.timestamp, r.actor, r.operation,
                                  r.ids, r.request_sha256, r.prev_hash)
  _sql(path, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
  v = c.verify_audit()
  assert not v.intact and v.first_bad_seq == 4 and v.reason
  assert c.get_audit_log(since=3, max_results=1)[0].actor == 'mallory'


def test_verify_names_a_deleted_row(six_records):
  c, path = six_records
  _sql(path, 'DELETE FROM audit_log WHERE seq = 3')
  v = c.verify_audit()
  assert not v.intact and v.first_bad_seq == 3, v


def test_checkpoint_detects_a_chain_rewritten_from_the_start(six_records):
  c, path = six_records
  cp = c.audit_checkpoint()
  # Rewrite every record's actor and recompute the whole chain and the
  # head, as someone holding the database could: the chain is consistent
  # again, and only the checkpoint kept elsewhere tells.
  db = sqlite3.connect(str(path))
  rows = db.execute('SELECT seq, time, actor, operation, ids, request_sha256 '
                    'FROM audit_log ORDER BY seq').fetchall()
  prev = '0' * 64
  for seq, t, _, op, ids, req in rows:
    h = _record_hash(seq, t, 'mallory', op, ids, req, prev)
    db.execute("UPDATE audit_log SET actor = 'mallory', prev_hash = ?, "
               'hash = ? WHERE seq = ?', (prev, h, seq))
    prev = h
  if db.execute("SELECT count(*) FROM sqlite_master WHERE name = "
                "'audit_head'").fetchone()[0]:
    # (a head row, where the schema has one, is as easy to rewrite)
    db.execute('UPDATE audit_head SET hash = ? WHERE id = 1', (prev,))
  db.commit()
  db.close()
  assert c.verify_audit().intact
  v = c.verify_audit(checkpoint=cp)
  assert not v.intact and v.first_bad_seq == 6 and 'rewritten' in v.reason

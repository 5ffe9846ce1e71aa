"""Data governance from Python (mlmd.MlflowClient's delete, tombstones, gc,
retention, classify/labels, the serving gate and impact): lineage built with
ml_metadata's MetadataStore (put_execution with events) and a registry built
with mlmd's registry calls; deletions refused by an alias and by HOLD,
labels propagating through a chain and a diamond, until-times as datetimes,
retention dry run against run, the erasure marker gone from the SQLite
files after gc, and the refusals' exceptions and messages. On SQLite files,
on an in-memory store (tracking-built lineage) and, when MLMD_TEST_POSTGRES
is set, on PostgreSQL."""

import datetime
import glob
import itertools
import os
import shutil
import subprocess
import uuid

import pytest

import mlmd
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from mlmd import _store

from test_audit_actor import mlmd_config
from test_audit_actor import pg_uri

_serial = itertools.count()
UTC = datetime.timezone.utc


@pytest.fixture(params=['sqlite', 'postgresql'])
def uri(request, tmp_path):
  """A new store's URI; the tests act as 'ann'."""
  mlmd.set_actor(None)
  if request.param == 'sqlite':
    u = 'sqlite:%s' % (tmp_path / 'gov.db')
  else:
    u = pg_uri('gov%d' % next(_serial))
  mlmd.set_actor('ann')
  yield u
  mlmd.set_actor(None)


class Lineage(object):
  """A client and an ml_metadata MetadataStore on the same store, with
  types Dataset, Model, Snapshot (artifacts), Train (executions)."""

  def __init__(self, u):
    self.client = mlmd.MlflowClient(u)  # creates the store
    self.ms = metadata_store.MetadataStore(mlmd_config(u))
    t = pb.ArtifactType(name='Dataset')
    t.properties['note'] = pb.STRING
    self.dataset = self.ms.put_artifact_type(t)
    self.model = self.ms.put_artifact_type(pb.ArtifactType(name='Model'))
    self.snapshot = self.ms.put_artifact_type(pb.ArtifactType(name='Snapshot'))
    self.train = self.ms.put_execution_type(pb.ExecutionType(name='Train'))

  def artifact(self, type_id, name, **custom):
    a = pb.Artifact(type_id=type_id, name=name, uri='file:/data/' + name)
    for k, v in custom.items():
      a.custom_properties[k].string_value = v
    [a.id] = self.ms.put_artifacts([a])
    return a

  def step(self, inputs, outputs):
    """An execution of Train reading `inputs` (Artifact messages with ids)
    and writing `outputs` (new Artifact messages; their ids are set):
    one put_execution with INPUT and OUTPUT events. Its id."""
    pairs = [(a, pb.Event(type=pb.Event.INPUT)) for a in inputs]
    pairs += [(a, pb.Event(type=pb.Event.OUTPUT)) for a in outputs]
    eid, aids, _ = self.ms.put_execution(pb.Execution(type_id=self.train),
                                         pairs, [])
    for a, i in zip(outputs, aids[len(inputs):]):
      a.id = i
    return eid

  def new(self, type_id, name):
    return pb.Artifact(type_id=type_id, name=name, uri='file:/data/' + name)


@pytest.fixture
def lin(uri):
  return Lineage(uri)


def ids(labels):
  return [(l.label, l.source_kind, l.source_id, l.distance) for l in labels]


# ---- arguments -----------------------------------------------------------------


def test_arguments_are_checked_before_any_call(tmp_path):
  c = mlmd.MlflowClient('sqlite:%s' % (tmp_path / 'args.db'))
  cases = [
      (lambda: c.delete('widget', [1]), "kind 'widget'"),
      (lambda: c.delete('artifact', [0]), 'out of range'),
      (lambda: c.delete('artifact', ['x']), "'x' is not an id"),
      (lambda: c.delete('artifact', [True]), 'is not an id'),
      (lambda: c.delete([]), 'expected a kind and ids'),
      (lambda: c.delete('artifact'), "kind 'artifact' given without ids"),
      (lambda: c.delete([pb.Artifact(id=1), pb.Execution(id=2)]),
       'several kinds (artifact, execution)'),
      (lambda: c.labels(pb.Artifact(id=1), 2), 'pass a node object alone'),
      (lambda: c.delete('artifact', [1, pb.Execution(id=2)]),
       'an execution among the artifact ids'),
      (lambda: c.labels(object()), 'expected a kind and an id'),
      (lambda: c.classify('artifact', 1), 'no label given'),
      (lambda: c.classify('artifact', 1, 'PII', until='soon'),
       "until 'soon': expected ISO 8601"),
      (lambda: c.classify('artifact', 1, 'PII', until=0),
       'after the epoch'),
      (lambda: c.set_retention('Model', max_age='3 fortnights'),
       "max_age '3 fortnights'"),
      (lambda: c.set_retention('Model', max_age=datetime.timedelta(0)),
       'at least 1 ms'),
      (lambda: c.set_retention('Model', keep_last=0), 'keep_last 0'),
      (lambda: c.set_retention('Model', keep_last=1, kind='node'),
       "kind 'node'"),
      (lambda: c.impact('artifact', 1, max_nodes=-1), 'max_nodes -1'),
      (lambda: c.tombstones('artifact', max_results=-1), 'max_results -1'),
      (lambda: c.check_gate('not a ref'), 'model reference'),
  ]
  for call, text in cases:
    with pytest.raises(errors.InvalidArgumentError) as e:
      call()
    assert text in str(e.value), (text, str(e.value))
  assert c.get_audit_log() == []  # nothing was sent that wrote


def test_durations():
  from mlmd import datagov  # pylint: disable=import-outside-toplevel
  assert datagov.duration_ms('d', 1500) == 1500
  assert datagov.duration_ms('d', '1500') == 1500
  assert datagov.duration_ms('d', '500ms') == 500
  assert datagov.duration_ms('d', '45s') == 45000
  assert datagov.duration_ms('d', '90m') == 5400000
  assert datagov.duration_ms('d', '12h') == 43200000
  assert datagov.duration_ms('d', '30d') == 30 * 86400000
  assert datagov.duration_ms('d', '2w') == 14 * 86400000
  assert datagov.duration_ms('d', datetime.timedelta(hours=1, milliseconds=2)) \
      == 3600002
  for bad in ('', '1y', '-1d', '1.5h', 1.5, None, True):
    with pytest.raises(errors.InvalidArgumentError):
      datagov.duration_ms('d', bad)


# ---- deletion -------------------------------------------------------------------


def test_delete_keeps_tombstones_and_events(lin):
  c, ms = lin.client, lin.ms
  d = lin.artifact(lin.dataset, 'd')
  m = lin.new(lin.model, 'm')
  e = lin.step([d], [m])
  other = lin.artifact(lin.dataset, 'other')
  before = len(c.get_audit_log())

  dry = c.delete('artifact', [m.id, m.id], reason='wrong data', dry_run=True)
  assert dry.dry_run and dry.ids == [m.id] and len(dry) == 1
  assert dry.events_kept == 1
  assert [a.id for a in ms.get_artifacts_by_id([m.id])] == [m.id]
  assert c.tombstones('artifact') == []
  assert len(c.get_audit_log()) == before  # a dry run writes nothing

  r = c.delete(m, reason='wrong data')  # the node object alone
  assert not r.dry_run and r.ids == [m.id] and r.events_kept == 1
  [t] = r.tombstones
  assert (t.kind, t.id, t.type_id, t.type) == ('artifact', m.id, lin.model,
                                               'Model')
  assert (t.actor, t.reason) == ('ann', 'wrong data') and t.timestamp > 0
  assert ms.get_artifacts_by_id([m.id]) == []
  assert m.id not in [a.id for a in ms.get_artifacts()]
  # the event through the tombstone stays: lineage still connects
  assert [(ev.artifact_id, ev.type) for ev in
          ms.get_events_by_execution_ids([e])] == [
              (d.id, pb.Event.INPUT), (m.id, pb.Event.OUTPUT)]
  # MLMD's lineage walk passes through the tombstone and shows it as a stub
  q = pb.LineageSubgraphQueryOptions(max_num_hops=4)
  q.starting_artifacts.filter_query = 'id = %d' % d.id
  g = ms.get_lineage_subgraph(q)
  [stub] = [a for a in g.artifacts if a.id == m.id]
  assert stub.custom_properties['mlmd.deleted_by'].string_value == 'ann'
  assert stub.custom_properties['mlmd.delete_reason'].string_value == \
      'wrong data'
  assert stub.custom_properties['mlmd.deleted_time'].int_value == t.timestamp
  assert not stub.uri and not stub.name
  [rec] = c.get_audit_log(since=before)
  assert (rec.operation, rec.actor) == ('DeleteNodes', 'ann')
  assert str(m.id) in rec.ids

  got = c.tombstones('artifact', [d.id, m.id, other.id, 999999])
  assert [x.id for x in got] == [m.id] and got[0].reason == 'wrong data'
  assert [x.id for x in c.tombstones('artifact')] == [m.id]
  assert c.tombstones('artifact', after_id=m.id) == []
  assert c.tombstones('execution') == []

  with pytest.raises(errors.NotFoundError) as ex:
    c.delete('artifact', [m.id])  # deleted already
  assert str(m.id) in str(ex.value)
  with pytest.raises(errors.NotFoundError):
    c.delete('artifact', [other.id, 999999])  # all or none
  assert [a.id for a in ms.get_artifacts_by_id([other.id])] == [other.id]

  assert c.delete('artifact', [other, d.id], dry_run=True).ids == sorted(
      [d.id, other.id])             # node objects among the ids
  r = c.delete('execution', e)
  assert r.ids == [e] and r.events_kept == 2
  assert ms.get_executions_by_id([e]) == []
  r = c.delete([d, other])
  assert r.ids == sorted([d.id, other.id])
  assert [x.id for x in c.tombstones('artifact')] == sorted(
      [d.id, m.id, other.id])
  assert [x.id for x in c.tombstones('artifact', max_results=2)] == sorted(
      [d.id, m.id, other.id])[:2]


def test_delete_refused_by_an_alias_and_by_hold(lin):
  c = lin.client
  d = lin.artifact(lin.dataset, 'd')
  m = lin.new(lin.model, 'm')
  lin.step([d], [m])
  c.create_registered_model('iris')
  mv = c.create_model_version('iris', artifact_id=m.id)
  c.set_registered_model_alias('iris', 'prod', mv.version)
  with pytest.raises(errors.FailedPreconditionError) as e:
    c.delete('artifact', [m.id])
  assert 'iris@prod' in str(e.value)
  with pytest.raises(errors.FailedPreconditionError) as e:
    c.delete('context', [mv.context_id], dry_run=True)
  assert 'iris@prod' in str(e.value)
  assert c.tombstones('artifact') == []

  held = c.classify('artifact', d.id, 'HOLD', reason='litigation',
                    propagate=False)
  assert held.reached == 1 and not held.replaced
  with pytest.raises(errors.FailedPreconditionError) as e:
    c.delete('artifact', d.id)
  assert 'HOLD' in str(e.value)
  c.unclassify('artifact', d.id, 'HOLD')
  assert c.delete('artifact', d.id).ids == [d.id]

  c.delete_registered_model_alias('iris', 'prod')
  assert c.delete('artifact', [m.id]).ids == [m.id]


# ---- labels -----------------------------------------------------------------------


def test_labels_propagate_through_lineage(lin):
  c = lin.client
  d = lin.artifact(lin.dataset, 'd')
  x, y, z = (lin.new(lin.dataset, n) for n in 'xyz')
  e1 = lin.step([d], [x])
  e2 = lin.step([d], [y])
  e3 = lin.step([x, y], [z])           # a diamond: d reaches z by two paths
  ch = c.classify(d, label='PII', reason='emails')
  assert (ch.reached, ch.replaced) == (7, False)  # d, e1, x, e2, y, e3, z
  [own] = c.labels('artifact', d.id)
  assert (own.label, own.source_kind, own.source_id, own.distance) == (
      'PII', 'artifact', d.id, 0)
  assert (own.reason, own.until, own.actor, own.propagate) == (
      'emails', None, 'ann', True)
  assert own.timestamp > 0
  assert ids(c.labels('execution', e1)) == [('PII', 'artifact', d.id, 1)]
  assert ids(c.labels(('artifact', x.id))) == [('PII', 'artifact', d.id, 2)]
  assert ids(c.labels('execution', e3)) == [('PII', 'artifact', d.id, 3)]
  assert ids(c.labels(z)) == [('PII', 'artifact', d.id, 4)]  # one entry
  assert c.labels(z)[0].as_dict()['source_kind'] == 'artifact'

  # a second source: z keeps PII while either remains
  c.classify('artifact', y.id, 'PII')
  assert ids(c.labels(z)) == [('PII', 'artifact', y.id, 2),
                              ('PII', 'artifact', d.id, 4)]
  assert c.classify('artifact', y.id, 'PII', reason='again').replaced
  assert c.unclassify(d, label='PII').reached == 7
  assert ids(c.labels(z)) == [('PII', 'artifact', y.id, 2)]
  assert c.labels(x) == [] and c.labels('execution', e1) == []
  with pytest.raises(errors.NotFoundError) as e:
    c.unclassify('artifact', d.id, 'PII')
  assert 'PII' in str(e.value)
  with pytest.raises(errors.NotFoundError):
    c.labels('artifact', 999999)

  # edges added later carry the label on; an execution's label its outputs
  w = lin.new(lin.dataset, 'w')
  e4 = lin.step([z], [w])
  assert ids(c.labels(w)) == [('PII', 'artifact', y.id, 4)]
  c.classify('execution', e4, 'RESTRICTED', propagate=False)
  assert [l.label for l in c.labels(w)] == ['PII']
  c.classify('execution', e4, 'RESTRICTED')
  assert ids(c.labels(w)) == [('PII', 'artifact', y.id, 4),
                              ('RESTRICTED', 'execution', e4, 1)]
  with pytest.raises(errors.InvalidArgumentError):
    c.classify('artifact', d.id, '9-not-a-label')

  listed = c.list_labels()
  assert [(l.label, l.kind, l.id) for l in listed] == [
      ('PII', 'artifact', y.id), ('RESTRICTED', 'execution', e4)]
  assert listed[0].reached == 5 and listed[0].reason == 'again'
  assert [l.id for l in c.list_labels('RESTRICTED')] == [e4]
  assert c.list_labels('HOLD') == []
  assert len(c.list_labels(max_results=1)) == 1


def test_until_times(lin):
  c = lin.client
  d = lin.artifact(lin.dataset, 'd')
  m = lin.new(lin.model, 'm')
  lin.step([d], [m])
  past = datetime.datetime(2020, 1, 1, tzinfo=UTC)
  future = datetime.datetime(2100, 6, 1, 12, 30, tzinfo=UTC)
  c.classify('artifact', d.id, 'EXPIRED', until=past)
  c.classify('artifact', d.id, 'PII', until=future)
  c.classify('artifact', d.id, 'RESTRICTED', until='2100-01-01')
  got = c.labels(m)
  assert [(l.label, l.until) for l in got] == [
      ('PII', int(future.timestamp() * 1000)),
      ('RESTRICTED', int(datetime.datetime(2100, 1, 1, tzinfo=UTC).timestamp()
                         * 1000))]
  got = c.labels(m, include_expired=True)
  assert [(l.label, l.until) for l in got][0] == (
      'EXPIRED', int(past.timestamp() * 1000))
  assert len(got) == 3
  # an expired gate label does not block; a live one does
  c.set_gate(['EXPIRED', 'PII'])
  with pytest.raises(mlmd.GateBlockedError) as e:
    c.check_gate(m.id)
  assert [l.label for l in e.value.blocking] == ['PII']


# ---- the serving gate -------------------------------------------------------------


def test_serving_gate(lin):
  c = lin.client
  d = lin.artifact(lin.dataset, 'd')
  m = lin.new(lin.model, 'm')
  lin.step([d], [m])
  assert c.gate() == ['EXPIRED', 'POISONED', 'RESTRICTED']
  assert c.check_gate(m.id) == []
  c.classify('artifact', d.id, 'POISONED', reason='label flips')
  with pytest.raises(errors.FailedPreconditionError) as e:
    c.check_gate(m)
  err = e.value
  assert isinstance(err, mlmd.GateBlockedError)
  assert err.error_code == errors.FAILED_PRECONDITION
  assert 'POISONED' in str(err) and 'artifact %d' % d.id in str(err)
  assert 'label flips' in str(err) and err.artifact_id == m.id
  assert ids(err.blocking) == [('POISONED', 'artifact', d.id, 2)]
  assert ids(c.check_gate(m.id, raise_blocked=False)) == [
      ('POISONED', 'artifact', d.id, 2)]

  c.create_registered_model('iris')
  c.create_model_version('iris', artifact_id=m.id)
  c.set_registered_model_alias('iris', 'prod', 1)
  for ref in ('iris@prod', 'iris/1', c.get_model_version('iris', 1)):
    with pytest.raises(mlmd.GateBlockedError):
      c.check_gate(ref)
  with pytest.raises(errors.NotFoundError):
    c.check_gate('iris@staging')

  assert c.set_gate(['RESTRICTED', 'PII']) == ['PII', 'RESTRICTED']
  assert c.gate() == ['PII', 'RESTRICTED']
  assert c.check_gate(m.id) == []
  assert c.set_gate('POISONED') == ['POISONED']
  assert len(c.check_gate(m.id, raise_blocked=False)) == 1
  assert c.set_gate([]) == [] and c.check_gate(m.id) == []
  with pytest.raises(errors.InvalidArgumentError):
    c.set_gate(['no spaces allowed'])
  with pytest.raises(errors.NotFoundError):
    c.check_gate(999999)
  x = lin.artifact(lin.dataset, 'x')
  c.delete('artifact', [x.id])
  with pytest.raises(errors.NotFoundError):
    c.check_gate(x.id)        # a tombstone cannot be served


# ---- impact ------------------------------------------------------------------------


def test_impact(lin):
  c, ms = lin.client, lin.ms
  d = lin.artifact(lin.dataset, 'd')
  m = lin.new(lin.model, 'm')
  lin.step([d], [m])
  other = lin.new(lin.model, 'other')
  lin.step([], [other])
  c.create_registered_model('iris')
  c.create_model_version('iris', artifact_id=m.id)
  c.create_model_version('iris', artifact_id=m.id)
  c.set_registered_model_alias('iris', 'prod', 2)
  serving_t = ms.put_execution_type(pb.ExecutionType(name='ModelServing'))
  deploy_t = ms.put_context_type(pb.ContextType(name='Deployment'))
  dep = pb.Context(type_id=deploy_t, name='web')
  s, _, [dep_id] = ms.put_execution(
      pb.Execution(type_id=serving_t),
      [(ms.get_artifacts_by_id([m.id])[0], pb.Event(type=pb.Event.INPUT))],
      [dep])

  im = c.impact('artifact', d.id)
  assert [(n.kind, n.id, n.type, n.name, n.distance, n.deleted)
          for n in im.models] == [('artifact', m.id, 'Model', 'm', 2, False)]
  assert [(v.name, v.version, v.artifact_id, v.distance)
          for v in im.versions] == [('iris', 1, m.id, 2), ('iris', 2, m.id, 2)]
  assert [(a.name, a.alias, a.version, a.distance) for a in im.aliases] == [
      ('iris', 'prod', 2, 2)]
  assert [(n.kind, n.id, n.distance) for n in im.serving] == [
      ('execution', s, 3)]
  assert [(n.kind, n.id, n.name, n.distance) for n in im.deployments] == [
      ('context', dep_id, 'web', 4)]
  assert im.nodes_walked >= 4 and not im.truncated
  assert c.impact('artifact', other.id).serving == []
  with pytest.raises(errors.NotFoundError):
    c.impact('artifact', 999999)
  with pytest.raises(errors.InvalidArgumentError):
    c.impact('context', dep_id)


# ---- retention ----------------------------------------------------------------------


def test_retention_dry_run_and_run(lin):
  c, ms = lin.client, lin.ms
  snaps = [lin.artifact(lin.snapshot, 's%d' % i) for i in range(4)]
  models = [lin.new(lin.model, 'm%d' % i) for i in range(3)]
  lin.step([], models)
  c.create_registered_model('iris')
  c.create_model_version('iris', artifact_id=models[0].id)
  c.set_registered_model_alias('iris', 'prod', 1)  # the oldest model
  c.classify('artifact', snaps[1].id, 'HOLD', propagate=False)

  p = c.set_retention('Snapshot', keep_last=1)
  assert (p.kind, p.type, p.type_id, p.keep_last, p.max_age) == (
      'artifact', 'Snapshot', lin.snapshot, 1, None)
  assert p.actor == 'ann' and p.timestamp > 0
  c.set_retention('Model', keep_last=1, kind='artifact')
  q = c.set_retention('Dataset', max_age=datetime.timedelta(days=30))
  assert q.max_age == 30 * 86400000
  assert c.set_retention('Dataset', max_age='12h').max_age == 43200000
  assert [(x.kind, x.type) for x in c.retention_policies()] == [
      ('artifact', 'Dataset'), ('artifact', 'Model'), ('artifact', 'Snapshot')]
  with pytest.raises(errors.NotFoundError):
    c.set_retention('NoSuchType', keep_last=1)
  with pytest.raises(errors.InvalidArgumentError):
    c.set_retention('Snapshot')  # neither rule

  before = len(c.get_audit_log())
  dry = c.run_retention(dry_run=True)
  assert dry.dry_run and dry.deleted == 3
  by = {r.policy.type: r for r in dry}
  assert (by['Snapshot'].examined, by['Snapshot'].expired,
          by['Snapshot'].deleted, by['Snapshot'].kept_hold) == (4, 3, 2, 1)
  assert (by['Model'].examined, by['Model'].expired, by['Model'].deleted,
          by['Model'].kept_alias) == (3, 2, 1, 1)
  assert (by['Dataset'].expired, by['Dataset'].deleted) == (0, 0)
  assert len(ms.get_artifacts()) == 7 and c.tombstones('artifact') == []
  assert len(c.get_audit_log()) == before

  assert dry.gc is None and c.run_retention(dry_run=True, gc=True).gc is None
  run = c.run_retention(gc=True)
  assert not run.dry_run and run.deleted == 3
  assert isinstance(run.gc, mlmd.GcResult) and run.gc.detail
  gone = c.tombstones('artifact')
  assert sorted(t.id for t in gone) == sorted(
      [snaps[0].id, snaps[2].id, models[1].id])
  assert all(t.reason.startswith('retention: ') for t in gone)
  assert sorted(a.id for a in ms.get_artifacts()) == sorted(
      [snaps[1].id, snaps[3].id, models[0].id, models[2].id])
  again = c.run_retention(gc=True)
  assert again.deleted == 0 and again.gc is None  # idempotent

  c.remove_retention('Snapshot')
  c.remove_retention('Model', kind='artifact')
  assert [x.type for x in c.retention_policies()] == ['Dataset']
  with pytest.raises(errors.NotFoundError):
    c.remove_retention('Snapshot')


# ---- erasure ------------------------------------------------------------------------


def file_bytes(path):
  """The bytes of the database file and its companions (-wal, -shm,
  -journal)."""
  parts = []
  for f in sorted(glob.glob(str(path) + '*')):
    with open(f, 'rb') as fh:
      parts.append(fh.read())
  return b''.join(parts)


@pytest.mark.parametrize('full', [False, True])
def test_gc_erases_the_deleted_bytes(tmp_path, full):
  path = tmp_path / 'erase.db'
  lin = Lineage('sqlite:%s' % path)
  c = lin.client
  marker = 'erase-me-%s' % uuid.uuid4().hex
  keep = 'keep-me-%s' % uuid.uuid4().hex
  a = lin.artifact(lin.dataset, marker + '-name', secret=marker)
  b = lin.artifact(lin.dataset, 'b', secret=keep)
  assert marker.encode() in file_bytes(path)
  if full:
    assert c.delete('artifact', [a.id], reason='gdpr request').gc is None
    result = c.gc(full=True)
  else:  # the compaction run by delete itself
    result = c.delete('artifact', [a.id], reason='gdpr request', gc=True).gc
  assert result.complete and bool(result) and result.detail
  assert result.pages_freed >= 0
  data = file_bytes(path)
  assert marker.encode() not in data
  assert keep.encode() in data
  assert [x.id for x in lin.ms.get_artifacts_by_id([b.id])] == [b.id]
  assert [t.reason for t in c.tombstones('artifact')] == ['gdpr request']


def pg_files(u, path_sql):
  """psql's one-line answer to a query on the database of `u`."""
  return subprocess.run(['psql', '-X', '-At', u, '-c', path_sql], check=True,
                        capture_output=True, text=True).stdout.strip()


def dir_has(d, marker):
  """Whether a file below `d` holds `marker`'s bytes."""
  for f in glob.glob(os.path.join(d, '**'), recursive=True):
    if os.path.isfile(f):
      with open(f, 'rb') as fh:
        if marker.encode() in fh.read():
          return True
  return False


def test_gc_on_every_backend(lin, uri):
  """SQLite: gc() is complete. PostgreSQL: a plain VACUUM leaves the bytes
  in the pages (complete False), VACUUM FULL rewrites the tables (True);
  with the server's data directory local (MLMD_TEST_POSTGRES_DIR) and psql,
  the database's files under base/ have no byte of the marker left."""
  c = lin.client
  marker = 'erase-me-%s' % uuid.uuid4().hex
  a = lin.artifact(lin.dataset, marker, secret=marker)
  pg = uri.startswith('postgresql:')
  pgdir = os.environ.get('MLMD_TEST_POSTGRES_DIR')
  base = None
  if pg and pgdir and shutil.which('psql'):
    oid = pg_files(uri, 'SELECT oid FROM pg_database WHERE datname = '
                   'current_database()')
    base = os.path.join(pgdir, 'data', 'base', oid)
    pg_files(uri, 'CHECKPOINT')
    assert dir_has(base, marker)  # the control
  c.delete('artifact', [a.id])
  r = c.gc()
  assert isinstance(r, mlmd.GcResult) and r.detail
  assert r.complete is (not pg)
  r = c.gc(full=True)
  assert r.complete is True and bool(r)
  if base:
    pg_files(uri, 'CHECKPOINT')
    assert not dir_has(base, marker)


# ---- an in-memory store, lineage from tracking ------------------------------------------


@pytest.fixture
def memory_client():
  mlmd.set_actor('ann')
  c = mlmd.MlflowClient('sqlite::memory:')
  yield c
  mlmd.set_actor(None)
  with _store._stores_lock:  # pylint: disable=protected-access
    s = _store._stores.pop('sqlite::memory:', None)  # pylint: disable=protected-access
  if s is not None:
    s.close()


def test_in_memory_store_with_tracked_runs(memory_client, tmp_path):
  c = memory_client
  data = tmp_path / 'train.csv'
  data.write_text('a,b\n1,2\n')
  model = tmp_path / 'model.bin'
  model.write_text('weights')
  run = c.create_run(experiment_name='train')
  [din], [mout] = c.log_files(run.info.run_id, inputs=[data],
                              outputs=[model])
  c.set_terminated(run.info.run_id)
  c.classify('artifact', din, 'POISONED')
  assert ids(c.labels(run)) == [('POISONED', 'artifact', din, 1)]
  with pytest.raises(mlmd.GateBlockedError):
    c.check_gate(mout)
  c.create_registered_model('m')
  c.create_model_version('m', artifact_id=mout)
  im = c.impact('artifact', din)
  assert [(m.id, m.distance) for m in im.models] == [(mout, 2)]
  assert [(v.name, v.version) for v in im.versions] == [('m', 1)]
  r = c.delete('artifact', [din], reason='poisoned')
  assert r.ids == [din]
  assert ids(c.labels('artifact', mout)) == [('POISONED', 'artifact', din, 2)]
  assert c.gc().complete


def test_a_version_4_store_says_to_upgrade(tmp_path):
  path = tmp_path / 'old.db'
  config = mlmd_config('sqlite:%s' % path)
  ms = metadata_store.MetadataStore(config)
  [aid] = ms.put_artifacts([pb.Artifact(
      type_id=ms.put_artifact_type(pb.ArtifactType(name='Dataset')))])
  del ms
  metadata_store.downgrade_schema(config, 4)
  u = 'sqlite:%s' % path
  c = mlmd.MlflowClient(u)
  for call in (lambda: c.delete('artifact', [aid]), lambda: c.gate(),
               lambda: c.labels('artifact', aid),
               lambda: c.run_retention(dry_run=True)):
    with pytest.raises(errors.FailedPreconditionError) as e:
      call()
    assert 'needs schema version 5' in str(e.value)
    assert 'enable_upgrade_migration' in str(e.value)
  # upgraded with ml_metadata, then opened again by the mlmd client
  metadata_store.MetadataStore(config, enable_upgrade_migration=True)
  with _store._stores_lock:  # pylint: disable=protected-access
    _store._stores.pop(u).close()  # pylint: disable=protected-access
  c = mlmd.MlflowClient(u)
  assert c.gate() == ['EXPIRED', 'POISONED', 'RESTRICTED']
  assert c.delete('artifact', [aid]).ids == [aid]

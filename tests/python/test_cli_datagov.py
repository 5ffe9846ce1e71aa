"""The data governance commands of the `mlmd` tool end to end, on real SQLite
files: delete (dry run, tombstones, refusals by an alias and by a HOLD label,
erasure of the deleted values from the database files by the command alone),
gc, retention set/ls/rm/run (dry run against the real run, keep-last, an
alias's upstream kept, idempotence), classify/unclassify/labels (labels
propagating down the lineage the demo pipeline builds, until-times, --all,
--no-propagate), gate ls/set (--none), and impact on a store with a registry.
Checks text, the exact keys of every --json document, exit statuses 0/1/2 and
that error messages name what is wrong. Registry stores are built with
`mlmd registry` commands over model artifacts recorded by the MLMD client.
"""

import glob
import json
import os
import sqlite3
import subprocess

import pytest

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
DIGEST = '0123456789abcdef' * 4

TOMBSTONE_KEYS = {'kind', 'id', 'type_id', 'type', 'delete_time_ms', 'actor', 'reason'}
DELETE_KEYS = {'dry_run', 'deleted', 'properties_removed', 'events_kept', 'memberships_removed',
               'metric_points_removed', 'gc'}
GC_KEYS = {'complete', 'pages_freed', 'detail'}
LABEL_KEYS = {'label', 'source_kind', 'source_id', 'distance', 'reason', 'until'}
POLICY_KEYS = {'kind', 'type', 'type_id', 'max_age_ms', 'keep_last', 'actor', 'time_ms'}
RESULT_KEYS = {'kind', 'type', 'type_id', 'max_age_ms', 'keep_last', 'examined', 'expired', 'deleted', 'kept_alias',
               'kept_hold'}
NODE_KEYS = {'kind', 'id', 'type', 'name', 'distance', 'deleted'}


def mlmd(*args, check=True, actor=None):
  env = dict(os.environ)
  env.pop('MLMD_ACTOR', None)
  env.pop('MLMD_STORE', None)
  if actor:
    env['MLMD_ACTOR'] = actor
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  if check:
    assert res.returncode == 0, (args, res.stderr)
  return res


def jmlmd(*args, **kw):
  return json.loads(mlmd(*args, '--json', **kw).stdout)


def refused(*args, status=1, needle=None):
  """Runs a command that must fail with `status`, its message naming `needle`."""
  res = mlmd(*args, check=False)
  assert res.returncode == status, (args, res.returncode, res.stdout, res.stderr)
  assert res.stderr.startswith('mlmd: '), res.stderr
  if needle:
    assert needle in res.stderr, (needle, res.stderr)
  assert res.stdout == ''
  return res


def client(db):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(db)
  return metadata_store.MetadataStore(config)


@pytest.fixture
def demo(tmp_path):
  """A store the demo pipeline built: DataSet 1 -> Trainer 1 -> Model 2 -> Evaluator 2, ModelServing 3 (Deployment 3)."""
  db = tmp_path / 'demo.db'
  res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path)],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  store = f'sqlite:{db}'
  ids = {a['type']: a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')}
  execs = {e['type']: e['id'] for e in jmlmd('--store', store, 'ls', 'executions')}
  return store, db, ids, execs


@pytest.fixture
def reg(tmp_path):
  """data -> train -> model (type Model), registered as iris/1 with alias prod; plus an older data set."""
  db = tmp_path / 'reg.db'
  s = client(db)
  ds = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='DataSet'))
  mt = metadata_store_pb2.ArtifactType(name='Model')
  mt.properties['digest'] = metadata_store_pb2.STRING
  mtid = s.put_artifact_type(mt)
  et = s.put_execution_type(metadata_store_pb2.ExecutionType(name='Trainer'))
  model = metadata_store_pb2.Artifact(type_id=mtid, uri='file:///models/m1.onnx')
  model.properties['digest'].string_value = 'sha256:' + DIGEST
  data, model_id = s.put_artifacts([metadata_store_pb2.Artifact(type_id=ds, uri='file:///data/a.csv'), model])
  [run] = s.put_executions([metadata_store_pb2.Execution(type_id=et)])
  s.put_events([
      metadata_store_pb2.Event(artifact_id=data, execution_id=run, type=metadata_store_pb2.Event.INPUT),
      metadata_store_pb2.Event(artifact_id=model_id, execution_id=run, type=metadata_store_pb2.Event.OUTPUT)])
  [newer] = s.put_artifacts([metadata_store_pb2.Artifact(type_id=ds, uri='file:///data/b.csv')])
  del s
  store = f'sqlite:{db}'
  mlmd('--store', store, 'registry', 'create', 'iris', actor='alice')
  mlmd('--store', store, 'registry', 'add', 'iris', '--artifact', str(model_id), '--run', str(run), actor='alice')
  mlmd('--store', store, 'registry', 'alias', 'set', 'iris', 'prod', '1', actor='alice')
  return store, db, dict(data=data, model=model_id, run=run, newer=newer)


# ---- help and usage -----------------------------------------------------------------------------


def test_help_lists_every_command():
  text = mlmd('--help').stdout
  for name in ('delete', 'gc', 'retention set', 'retention ls', 'retention rm', 'retention run', 'classify',
               'unclassify', 'labels', 'gate ls', 'gate set', 'impact'):
    assert f'\n  {name} ' in text, name
  for words in (['delete'], ['gc'], ['retention'], ['retention', 'set'], ['retention', 'ls'], ['retention', 'rm'],
                ['retention', 'run'], ['classify'], ['unclassify'], ['labels'], ['gate'], ['gate', 'ls'],
                ['gate', 'set'], ['impact']):
    res = mlmd(*words, '--help')
    assert res.stdout.startswith('usage: mlmd'), words
  assert 'compaction' in mlmd('delete', '--help').stdout and 'erased' in mlmd('delete', '--help').stdout
  assert '--none' in mlmd('gate', 'set', '--help').stdout
  assert 'DURATION' in mlmd('retention', '--help').stdout
  assert mlmd('help', 'impact').stdout.startswith('usage: mlmd')
  refused('gate', status=2, needle='gate: say what to do')
  refused('retention', 'purge', status=2, needle="unknown subcommand 'purge'")
  refused('retention', 'runn', status=2, needle='did you mean retention run')


# ---- delete and gc --------------------------------------------------------------------------------


def test_delete_dry_run_then_for_real(demo):
  store, db, ids, execs = demo
  data = ids['DataSet']
  events = len(jmlmd('--store', store, 'show', 'artifact', str(data))['events'])
  dry = jmlmd('--store', store, 'delete', 'artifact', str(data), '--dry-run', actor='dpo')
  assert set(dry) == DELETE_KEYS and dry['dry_run'] is True and dry['gc'] is None
  [t] = dry['deleted']
  assert set(t) == TOMBSTONE_KEYS
  assert (t['kind'], t['id'], t['type'], t['actor'], t['reason']) == ('artifact', data, 'DataSet', 'dpo', '')
  assert dry['properties_removed'] >= 3 and dry['events_kept'] == events >= 1
  assert [a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')].count(data) == 1  # nothing written
  text = mlmd('--store', store, 'delete', 'artifact', str(data), '--dry-run').stdout.splitlines()
  assert text[0].split() == ['ID', 'TYPE', 'AT', 'BY', 'REASON']
  assert text[1].split()[:2] == [str(data), 'DataSet']
  assert text[-1].startswith('would delete 1 artifact: ')

  out = jmlmd('--store', store, 'delete', 'artifact', str(data), '--reason', 'GDPR request 7', actor='dpo')
  assert out['dry_run'] is False and set(out['gc']) == GC_KEYS
  assert out['deleted'][0]['reason'] == 'GDPR request 7' and out['deleted'][0]['delete_time_ms'] > 0
  assert data not in [a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')]
  refused('--store', store, 'show', 'artifact', str(data), needle=str(data))
  refused('--store', store, 'delete', 'artifact', str(data), needle=str(data))  # already deleted

  # an execution in text, with a reason
  ev = execs['Evaluator']
  lines = mlmd('--store', store, 'delete', 'execution', str(ev), '--reason', 'bad run').stdout.splitlines()
  assert lines[0].split() == ['ID', 'TYPE', 'DELETED', 'BY', 'REASON']
  assert lines[1].split()[:2] == [str(ev), 'Evaluator'] and lines[1].endswith('bad run')
  assert lines[-1].startswith('deleted 1 execution: ')


def test_delete_usage_and_unknown_ids(demo):
  store, _, ids, _ = demo
  refused('--store', store, 'delete', 'artifacts', '1', status=2, needle='did you mean artifact')
  refused('--store', store, 'delete', 'node', '1', status=2, needle="'node' is not a node kind")
  refused('--store', store, 'delete', 'artifact', 'x1', status=2, needle="id 'x1'")
  refused('--store', store, 'delete', 'artifact', '0', status=2, needle="id '0'")
  refused('--store', store, 'delete', 'artifact', status=2, needle='expected artifact|execution|context ID')
  refused('--store', store, 'delete', 'artifact', '1', '--force', status=2, needle="unknown option '--force'")
  # all or none: one unknown id, nothing deleted
  refused('--store', store, 'delete', 'artifact', str(ids['DataSet']), '424242', needle='424242')
  assert ids['DataSet'] in [a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')]
  refused('--store', 'sqlite:' + os.path.join(os.path.dirname(store[7:]), 'none.db'), 'delete', 'artifact', '1',
          needle='none.db')


def test_delete_erases_the_values_from_the_files(tmp_path):
  db = tmp_path / 'marker.db'
  s = client(db)
  t = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='Record'))
  marker = 'zq-unique-marker-7d1f0c'
  a = metadata_store_pb2.Artifact(type_id=t, uri=f'file:///records/{marker}-uri')
  a.custom_properties['email'].string_value = f'{marker}@example.com'
  [aid] = s.put_artifacts([a])
  del s
  store = f'sqlite:{db}'
  blob = b''.join(open(f, 'rb').read() for f in glob.glob(str(db) + '*'))
  assert marker.encode() in blob  # it was there
  out = jmlmd('--store', store, 'delete', 'artifact', str(aid))
  assert out['gc']['complete'] is True
  blob = b''.join(open(f, 'rb').read() for f in glob.glob(str(db) + '*'))
  assert marker.encode() not in blob


def test_gc(demo):
  store, db, _, _ = demo
  out = jmlmd('--store', store, 'gc')
  assert set(out) == GC_KEYS and out['complete'] is True and out['detail']
  full = jmlmd('--store', store, 'gc', '--full')
  assert set(full) == GC_KEYS and full['complete'] is True
  assert mlmd('--store', store, 'gc').stdout.strip()
  refused('--store', store, 'gc', 'now', status=2, needle="unexpected argument 'now'")


def test_a_reader_holding_the_wal_keeps_the_erasure_incomplete(demo):
  store, db, ids, _ = demo
  reader = sqlite3.connect(str(db))
  reader.execute('BEGIN')
  reader.execute('SELECT count(*) FROM artifact').fetchone()  # a read snapshot from before the delete
  res = mlmd('--store', store, 'delete', 'artifact', str(ids['DataSet']), '--json')
  out = json.loads(res.stdout)
  assert out['deleted'][0]['id'] == ids['DataSet']  # deleted all the same: exit 0
  assert out['gc']['complete'] is False and 'not yet erased' in res.stderr
  # (each compaction waits for the store's busy timeout before it gives up on the reader)
  res = mlmd('--store', store, 'gc', '--json', check=False)  # the JSON all the same, and exit 1
  assert res.returncode == 1 and json.loads(res.stdout)['complete'] is False
  assert res.stderr.startswith('mlmd: gc: incomplete') and 'another connection is reading' in res.stderr
  reader.rollback()
  reader.close()
  assert jmlmd('--store', store, 'gc')['complete'] is True


def test_delete_refused_by_an_alias(reg):
  store, _, n = reg
  res = refused('--store', store, 'delete', 'artifact', str(n['model']), '--dry-run', needle='iris@prod')
  refused('--store', store, 'delete', 'artifact', str(n['model']), needle='iris@prod')
  assert n['model'] in [a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')]
  mlmd('--store', store, 'registry', 'alias', 'rm', 'iris', 'prod')
  out = jmlmd('--store', store, 'delete', 'artifact', str(n['model']))
  assert [t['id'] for t in out['deleted']] == [n['model']]
  del res


def test_delete_refused_by_hold(demo):
  store, _, ids, execs = demo
  mlmd('--store', store, 'classify', 'artifact', str(ids['DataSet']), 'HOLD', '--reason', 'litigation')
  refused('--store', store, 'delete', 'artifact', str(ids['DataSet']), needle='HOLD')
  # the hold propagates: the model trained on it is held too
  refused('--store', store, 'delete', 'artifact', str(ids['Model']), needle='HOLD')
  mlmd('--store', store, 'unclassify', 'artifact', str(ids['DataSet']), 'HOLD')
  mlmd('--store', store, 'delete', 'artifact', str(ids['Model']))


# ---- labels ---------------------------------------------------------------------------------------


def test_labels_propagate_through_the_pipeline(demo):
  store, _, ids, execs = demo
  data, model = ids['DataSet'], ids['Model']
  res = mlmd('--store', store, 'classify', 'artifact', str(data), 'PII', '--reason', 'names and emails', actor='dpo')
  assert res.stdout.startswith(f'PII on artifact {data}: applies to ')
  reached = int(res.stdout.split('applies to ')[1].split()[0])
  assert reached >= 4  # the data set, the trainer, the model, what read the model

  [own] = jmlmd('--store', store, 'labels', 'artifact', str(data))
  assert own == {'label': 'PII', 'source_kind': 'artifact', 'source_id': data, 'distance': 0,
                 'reason': 'names and emails', 'until': None}
  [on_model] = jmlmd('--store', store, 'labels', 'artifact', str(model))
  assert set(on_model) == LABEL_KEYS and (on_model['source_id'], on_model['distance']) == (data, 2)
  [on_trainer] = jmlmd('--store', store, 'labels', 'execution', str(execs['Trainer']))
  assert on_trainer['distance'] == 1 and on_trainer['source_kind'] == 'artifact'
  [on_serving] = jmlmd('--store', store, 'labels', 'execution', str(execs['ModelServing']))
  assert on_serving['distance'] == 3

  # text: one row per (label, source)
  lines = mlmd('--store', store, 'labels', 'artifact', str(model)).stdout.splitlines()
  assert lines[0].split() == ['LABEL', 'SOURCE', 'DISTANCE', 'UNTIL', 'BY', 'REASON']
  assert lines[1].split()[:4] == ['PII', 'artifact', str(data), '2']
  assert lines[1].endswith('names and emails')

  # the model's own, not propagating; an expired one shown only with --all
  mlmd('--store', store, 'classify', 'artifact', str(model), 'RESTRICTED', '--no-propagate')
  mlmd('--store', store, 'classify', 'artifact', str(model), 'EXPIRED', '--until', '2020-01-01', '--no-propagate')
  labels = jmlmd('--store', store, 'labels', 'artifact', str(model))
  assert [(l['label'], l['distance']) for l in labels] == [('PII', 2), ('RESTRICTED', 0)]
  labels = jmlmd('--store', store, 'labels', 'artifact', str(model), '--all')
  assert labels[0] == {'label': 'EXPIRED', 'source_kind': 'artifact', 'source_id': model, 'distance': 0,
                       'reason': '', 'until': 1577836800000}
  assert '(expired)' in mlmd('--store', store, 'labels', 'artifact', str(model), '--all').stdout
  assert [l['label'] for l in jmlmd('--store', store, 'labels', 'execution', str(execs['ModelServing']))] == ['PII']
  # --until in ms, in the future
  mlmd('--store', store, 'classify', 'execution', str(execs['Trainer']), 'review', '--until', '4102444800000',
        '--no-propagate')
  [own] = [l for l in jmlmd('--store', store, 'labels', 'execution', str(execs['Trainer'])) if l['label'] == 'review']
  assert own['until'] == 4102444800000 and own['distance'] == 0

  # removing the source removes what it propagated
  res = mlmd('--store', store, 'unclassify', 'artifact', str(data), 'PII')
  assert res.stdout.startswith(f'PII removed from artifact {data}: it applied to {reached} node')
  assert jmlmd('--store', store, 'labels', 'execution', str(execs['ModelServing'])) == []
  assert mlmd('--store', store, 'labels', 'execution', str(execs['ModelServing'])).stdout == ''
  refused('--store', store, 'unclassify', 'artifact', str(data), 'PII', needle='PII')
  refused('--store', store, 'unclassify', 'artifact', str(model), 'PII', needle='PII')


def test_classify_errors(demo):
  store, _, ids, _ = demo
  a = str(ids['DataSet'])
  refused('--store', store, 'classify', 'artifact', a, '9lives', needle='9lives')
  refused('--store', store, 'classify', 'artifact', '424242', 'PII', needle='424242')
  refused('--store', store, 'classify', 'artifact', a, 'PII', '--until', 'yesterday', status=2, needle='--until')
  refused('--store', store, 'classify', 'artifact', a, status=2, needle='expected artifact|execution|context ID LABEL')
  refused('--store', store, 'classify', 'dataset', a, 'PII', status=2, needle="'dataset' is not a node kind")
  refused('--store', store, 'labels', 'artifact', '424242', needle='424242')
  refused('--store', store, 'labels', 'artifact', a, '--expired', status=2, needle="unknown option '--expired'")


# ---- the gate -------------------------------------------------------------------------------------


def test_gate_ls_and_set(demo):
  store, _, _, _ = demo
  assert mlmd('--store', store, 'gate', 'ls').stdout == 'EXPIRED\nPOISONED\nRESTRICTED\n'
  assert jmlmd('--store', store, 'gate', 'ls') == {'labels': ['EXPIRED', 'POISONED', 'RESTRICTED']}
  assert mlmd('--store', store, 'gate', 'set', 'POISONED', 'PII').stdout == ''
  assert jmlmd('--store', store, 'gate', 'ls') == {'labels': ['PII', 'POISONED']}
  refused('--store', store, 'gate', 'set', status=2, needle='--none')
  refused('--store', store, 'gate', 'set', 'PII', '--none', status=2, needle='--none')
  refused('--store', store, 'gate', 'set', 'bad label', needle='bad label')
  assert jmlmd('--store', store, 'gate', 'ls') == {'labels': ['PII', 'POISONED']}  # unchanged
  mlmd('--store', store, 'gate', 'set', '--none')
  res = mlmd('--store', store, 'gate', 'ls')
  assert res.stdout == '' and 'empty' in res.stderr
  assert jmlmd('--store', store, 'gate', 'ls') == {'labels': []}


# ---- retention ------------------------------------------------------------------------------------


def test_retention_dry_run_then_run(tmp_path):
  db = tmp_path / 'logs.db'
  s = client(db)
  t = s.put_artifact_type(metadata_store_pb2.ArtifactType(name='Log'))
  logs = list(s.put_artifacts([metadata_store_pb2.Artifact(type_id=t, uri=f'file:///logs/{i}') for i in range(5)]))
  et = s.put_execution_type(metadata_store_pb2.ExecutionType(name='Log'))  # a second kind with that name
  del s
  store = f'sqlite:{db}'
  refused('--store', store, 'retention', 'set', 'Log', '--keep-last', '2', needle='Log')  # two kinds
  mlmd('--store', store, 'retention', 'set', 'Log', '--kind', 'artifact', '--keep-last', '2', actor='ops')
  mlmd('--store', store, 'retention', 'set', 'Log', '--kind', 'execution', '--max-age', '30d', actor='ops')
  policies = jmlmd('--store', store, 'retention', 'ls')['policies']
  assert [set(p) for p in policies] == [POLICY_KEYS, POLICY_KEYS]
  assert [(p['kind'], p['type'], p['max_age_ms'], p['keep_last'], p['actor']) for p in policies] == [
      ('artifact', 'Log', None, 2, 'ops'), ('execution', 'Log', 30 * 86400000, None, 'ops')]
  assert policies[1]['type_id'] == et
  lines = mlmd('--store', store, 'retention', 'ls').stdout.splitlines()
  assert lines[0].split() == ['KIND', 'TYPE', 'MAX_AGE', 'KEEP_LAST', 'SET', 'BY']
  assert lines[1].split()[:4] == ['artifact', 'Log', '-', '2'] and lines[2].split()[:4] == ['execution', 'Log', '30d', '-']

  dry = jmlmd('--store', store, 'retention', 'run', '--dry-run')
  assert set(dry) == {'dry_run', 'deleted', 'results', 'gc'} and dry['dry_run'] is True and dry['gc'] is None
  assert dry['deleted'] == 3
  r = [x for x in dry['results'] if x['kind'] == 'artifact'][0]
  assert set(r) == RESULT_KEYS
  assert (r['examined'], r['expired'], r['deleted'], r['kept_alias'], r['kept_hold']) == (5, 3, 3, 0, 0)
  assert len(jmlmd('--store', store, 'ls', 'artifacts')) == 5  # nothing written
  text = mlmd('--store', store, 'retention', 'run', '--dry-run').stdout.splitlines()
  assert text[0].split() == ['KIND', 'TYPE', 'RULE', 'EXAMINED', 'EXPIRED', 'WOULD_DELETE', 'KEPT_ALIAS', 'KEPT_HOLD']
  assert text[-1] == 'would delete 3 nodes (2 policies)'

  run = jmlmd('--store', store, 'retention', 'run')
  assert run['deleted'] == 3 and run['dry_run'] is False and set(run['gc']) == GC_KEYS
  assert sorted(a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')) == logs[3:]
  assert mlmd('--store', store, 'retention', 'run').stdout.splitlines()[-1] == 'deleted 0 nodes (2 policies)'
  again = jmlmd('--store', store, 'retention', 'run')
  assert again['deleted'] == 0 and again['gc'] is None

  mlmd('--store', store, 'retention', 'rm', 'Log', '--kind', 'execution')
  refused('--store', store, 'retention', 'rm', 'Log', '--kind', 'execution', needle='Log')
  assert len(jmlmd('--store', store, 'retention', 'ls')['policies']) == 1
  refused('--store', store, 'retention', 'set', 'Log', '--kind', 'artifact', status=2, needle='--keep-last')
  refused('--store', store, 'retention', 'set', 'Log', '--max-age', '3x', status=2, needle="'3x'")
  refused('--store', store, 'retention', 'set', 'Log', '--max-age', '0d', status=2, needle="'0d'")
  refused('--store', store, 'retention', 'set', 'Log', '--keep-last', '0', status=2, needle='--keep-last')
  refused('--store', store, 'retention', 'set', 'Log', '--kind', 'node', '--keep-last', '1', status=2,
          needle='--kind takes one of artifact|execution|context')
  refused('--store', store, 'retention', 'set', 'NoSuchType', '--keep-last', '1', needle='NoSuchType')


def test_retention_keeps_what_an_alias_protects(reg):
  store, _, n = reg
  mlmd('--store', store, 'retention', 'set', 'DataSet', '--keep-last', '1')
  out = jmlmd('--store', store, 'retention', 'run')
  [r] = out['results']
  assert (r['examined'], r['expired'], r['deleted'], r['kept_alias']) == (2, 1, 0, 1)
  assert n['data'] in [a['id'] for a in jmlmd('--store', store, 'ls', 'artifacts')]
  mlmd('--store', store, 'classify', 'artifact', str(n['newer']), 'HOLD')
  mlmd('--store', store, 'retention', 'set', 'DataSet', '--max-age', '1ms')
  [r] = jmlmd('--store', store, 'retention', 'run', '--dry-run')['results']
  assert (r['expired'], r['kept_alias'], r['kept_hold'], r['deleted']) == (2, 1, 1, 0)


# ---- impact ---------------------------------------------------------------------------------------


def test_impact_on_a_registry_store(reg):
  store, _, n = reg
  out = jmlmd('--store', store, 'impact', 'artifact', str(n['data']))
  assert set(out) == {'models', 'versions', 'aliases', 'serving', 'deployments', 'nodes_walked', 'truncated'}
  [m] = out['models']
  assert set(m) == NODE_KEYS
  assert (m['kind'], m['id'], m['type'], m['distance'], m['deleted']) == ('artifact', n['model'], 'Model', 2, False)
  assert out['versions'] == [{'name': 'iris', 'version': 1, 'artifact_id': n['model'], 'distance': 2}]
  assert out['aliases'] == [{'name': 'iris', 'alias': 'prod', 'version': 1, 'artifact_id': n['model'], 'distance': 2}]
  assert out['serving'] == [] and out['deployments'] == [] and out['truncated'] is False
  assert out['nodes_walked'] >= 3
  lines = mlmd('--store', store, 'impact', 'execution', str(n['run'])).stdout.splitlines()
  assert lines[0].split() == ['WHAT', 'DISTANCE', 'NODE', 'TYPE', 'NAME']
  assert lines[1].split()[:4] == ['model', '1', 'artifact', str(n['model'])]
  assert lines[2].split() == ['version', '1', 'artifact', str(n['model']), '-', 'iris/1']
  assert lines[3].split() == ['alias', '1', 'artifact', str(n['model']), '-', 'iris@prod', '->', '1']
  res = mlmd('--store', store, 'impact', 'artifact', str(n['newer']))
  assert res.stdout == '' and 'no model' in res.stderr
  refused('--store', store, 'impact', 'context', '1', status=2, needle='artifact or execution')
  refused('--store', store, 'impact', 'artifact', '424242', needle='424242')


def test_impact_on_the_pipeline_reaches_serving(demo):
  store, _, ids, execs = demo
  out = jmlmd('--store', store, 'impact', 'artifact', str(ids['DataSet']))
  assert [m['id'] for m in out['models']] == [ids['Model']]
  assert [(s['id'], s['type'], s['distance']) for s in out['serving']] == [(execs['ModelServing'], 'ModelServing', 3)]
  assert [(d['kind'], d['name'], d['distance']) for d in out['deployments']] == [('context', 'demo', 4)]
  out = jmlmd('--store', store, 'impact', 'artifact', str(ids['DataSet']), '--max-nodes', '1')
  assert out['truncated'] is True
  assert 'stopped' in mlmd('--store', store, 'impact', 'artifact', str(ids['DataSet']), '--max-nodes', '1').stderr

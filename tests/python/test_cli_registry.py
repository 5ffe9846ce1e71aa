"""The registry and audit commands of the `mlmd` tool end to end, on real SQLite
files: registry create, add, ls, show, alias set/rm (a swap in one call),
tag, policy set/rm, request, approve, reject, requests, resolve (now and
--as-of, ISO 8601 or ms), history; audit log, verify, checkpoint. Model
artifacts are recorded through the MLMD Python client (the same library).
Checks text and --json keys, exit statuses 0/1/2, the approval flow with
--actor switched before and after the command, and audit verify catching a
row edited, deleted or a chain rewritten behind the library's back (sqlite3).
"""

import datetime
import json
import os
import re
import sqlite3
import subprocess

import pytest

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
DIGEST = '0123456789abcdef' * 4


def mlmd(*args, check=True, actor=None):
  env = dict(os.environ)
  env.pop('MLMD_ACTOR', None)
  if actor:
    env['MLMD_ACTOR'] = actor
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  if check:
    assert res.returncode == 0, (args, res.stderr)
  return res


def jmlmd(*args, **kw):
  res = mlmd(*args, '--json', **kw)
  return json.loads(res.stdout)


def artifacts(path, n, validation=None):
  """n model artifacts (and one execution) recorded with the MLMD client; their ids and the run's."""
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  store = metadata_store.MetadataStore(config)
  t = metadata_store_pb2.ArtifactType(name='Model')
  t.properties['digest'] = metadata_store_pb2.STRING
  tid = store.put_artifact_type(t)
  arts = []
  for i in range(n):
    a = metadata_store_pb2.Artifact(type_id=tid, uri=f'file:///models/m{i + 1}.onnx')
    a.properties['digest'].string_value = 'sha256:' + DIGEST
    if validation:
      a.custom_properties['validation'].string_value = validation[i]
    arts.append(a)
  ids = store.put_artifacts(arts)
  et = store.put_execution_type(metadata_store_pb2.ExecutionType(name='Trainer'))
  [run] = store.put_executions([metadata_store_pb2.Execution(type_id=et)])
  return list(ids), run


@pytest.fixture
def reg(tmp_path):
  """A store with model 'iris' and versions 1..3 (artifacts a1..a3; version 1 made by run)."""
  db = tmp_path / 'reg.db'
  ids, run = artifacts(db, 3)
  store = f'sqlite:{db}'
  mlmd('--store', store, 'registry', 'create', 'iris', '--description', 'the iris model', actor='alice')
  mlmd('--store', store, 'registry', 'add', 'iris', '--artifact', str(ids[0]), '--run', str(run), actor='alice')
  for a in ids[1:]:
    mlmd('--store', store, 'registry', 'add', 'iris', '--artifact', str(a), actor='alice')
  return store, db, ids, run


# ---- models and versions -----------------------------------------------------------------------


def test_create_add_ls_and_show(tmp_path):
  db = tmp_path / 'm.db'
  ids, run = artifacts(db, 2)
  s = f'sqlite:{db}'
  res = mlmd('--store', s, 'registry', 'create', 'iris', '--description', 'flowers', '--tag', 'team=vision',
             '--tag', 'tier=gold')
  assert res.stdout == 'iris\n'
  created = jmlmd('--store', s, 'registry', 'create', 'alpha')
  assert set(created) == {'name', 'description', 'context_id'} and created['name'] == 'alpha'
  assert mlmd('--store', s, 'registry', 'add', 'iris', '--artifact', str(ids[0]), '--run', str(run)).stdout == '1\n'
  added = jmlmd('--store', s, 'registry', 'add', 'iris', '--artifact', str(ids[1]), '--tag', 'validation=passed')
  assert added == {'name': 'iris', 'version': 2, 'artifact_id': ids[1], 'run_id': None}

  lines = mlmd('--store', s, 'registry', 'ls').stdout.splitlines()
  assert lines[0].split() == ['NAME', 'LATEST', 'CREATED', 'DESCRIPTION']
  assert [l.split()[0] for l in lines[1:]] == ['alpha', 'iris']
  assert lines[2].split()[1] == '2' and lines[2].endswith('flowers')
  models = jmlmd('--store', s, 'registry', 'ls')['models']
  assert [m['name'] for m in models] == ['alpha', 'iris']
  assert set(models[1]) == {'name', 'description', 'tags', 'latest_version', 'create_time_ms', 'context_id'}
  assert models[1]['tags'] == {'team': 'vision', 'tier': 'gold'} and models[0]['latest_version'] is None

  show = jmlmd('--store', s, 'registry', 'show', 'iris')
  assert {'versions', 'aliases', 'policies', 'open_requests'} <= set(show)
  v1, v2 = show['versions']
  assert (v1['version'], v1['artifact_id'], v1['run_id']) == (1, ids[0], run)
  assert v1['uri'] == 'file:///models/m1.onnx' and v1['sha256'] == DIGEST
  assert v2['tags'] == {'validation': 'passed'} and v2['run_id'] is None
  text = mlmd('--store', s, 'registry', 'show', 'iris').stdout
  assert text.startswith('model iris') and 'the iris model' not in text and 'flowers' in text
  assert re.search(r'^2\s+%d\s+-\s' % ids[1], text, re.M) and 'validation=passed' in text

  # refused: a taken name, an unknown artifact, an unknown model
  res = mlmd('--store', s, 'registry', 'create', 'iris', check=False)
  assert res.returncode == 1 and 'iris' in res.stderr and res.stderr.startswith('mlmd: ')
  res = mlmd('--store', s, 'registry', 'add', 'iris', '--artifact', '9999', check=False)
  assert res.returncode == 1 and '9999' in res.stderr
  res = mlmd('--store', s, 'registry', 'show', 'nope', check=False)
  assert res.returncode == 1 and 'nope' in res.stderr


def test_tags_on_versions(reg):
  s = reg[0]
  assert mlmd('--store', s, 'registry', 'tag', 'iris', '2', 'validation=passed', 'owner=bob').stdout == ''
  mlmd('--store', s, 'registry', 'tag', 'iris', '2', '--rm', 'owner')
  v2 = jmlmd('--store', s, 'registry', 'show', 'iris')['versions'][1]
  assert v2['tags'] == {'validation': 'passed'}
  assert mlmd('--store', s, 'registry', 'tag', 'iris', '2', 'novalue', check=False).returncode == 2
  assert mlmd('--store', s, 'registry', 'tag', 'iris', '2', check=False).returncode == 2
  assert mlmd('--store', s, 'registry', 'tag', 'iris', 'two', 'a=b', check=False).returncode == 2
  assert mlmd('--store', s, 'registry', 'tag', 'iris', '7', 'a=b', check=False).returncode == 1


# ---- aliases and history ------------------------------------------------------------------------


def test_alias_set_swap_rm_and_history(reg):
  s = reg[0]
  assert mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'champion', '1',
              actor='carol').stdout == 'iris@champion: - -> 1\n'
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'challenger', '2')
  swap = jmlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'champion=2', 'challenger=1')
  assert swap['name'] == 'iris'
  assert [(m['alias'], m['old_version'], m['new_version']) for m in swap['moves']] == [
      ('champion', 1, 2), ('challenger', 2, 1)]
  # a swap with a version that does not exist moves neither alias
  res = mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'champion=3', 'challenger=9', check=False)
  assert res.returncode == 1 and '9' in res.stderr
  assert jmlmd('--store', s, 'registry', 'show', 'iris')['aliases'] == {'champion': 2, 'challenger': 1}
  assert mlmd('--store', s, 'registry', 'alias', 'rm', 'iris', 'challenger').stdout == 'iris@challenger: 1 -> -\n'

  h = jmlmd('--store', s, 'registry', 'history', 'iris')
  assert h['name'] == 'iris'
  assert [(e['alias'], e['old_version'], e['new_version']) for e in h['entries']] == [
      ('champion', None, 1), ('challenger', None, 2), ('champion', 1, 2), ('challenger', 2, 1),
      ('challenger', 1, None)]
  e = h['entries'][0]
  assert set(e) == {'alias', 'old_version', 'new_version', 'time_ms', 'actor', 'request_id', 'approvers'}
  assert e['actor'] == 'carol' and e['request_id'] is None and e['approvers'] == []
  only = jmlmd('--store', s, 'registry', 'history', 'iris', '--alias', 'champion')['entries']
  assert [x['new_version'] for x in only] == [1, 2]
  text = mlmd('--store', s, 'registry', 'history', 'iris').stdout.splitlines()
  assert text[0].split() == ['TIME', 'ALIAS', 'FROM', 'TO', 'ACTOR', 'REQUEST', 'APPROVERS']
  assert text[1].split()[1:5] == ['champion', '-', '1', 'carol']
  # bad usage
  for args in (['alias', 'set', 'iris', 'prod'], ['alias', 'set', 'iris', 'prod', 'x'], ['alias', 'mv', 'iris'],
               ['alias', 'set', 'iris', 'prod=0'], ['alias', 'set', 'iris', '=3']):
    assert mlmd('--store', s, 'registry', *args, check=False).returncode == 2, args


def _iso(ms, offset_minutes=0):
  tz = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
  t = datetime.datetime.fromtimestamp(ms / 1000, tz)
  text = t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03d' % (ms % 1000)
  if not offset_minutes:
    return text + 'Z'
  sign = '+' if offset_minutes > 0 else '-'
  return text + '%s%02d:%02d' % (sign, abs(offset_minutes) // 60, abs(offset_minutes) % 60)


def test_resolve_now_and_as_of(reg):
  s = reg[0]
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '1')
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '3')
  t1, t2 = [e['time_ms'] for e in jmlmd('--store', s, 'registry', 'history', 'iris')['entries']]
  now = jmlmd('--store', s, 'registry', 'resolve', 'iris@prod')
  assert {'name', 'version', 'artifact_id', 'alias'} <= set(now)
  assert (now['name'], now['version'], now['alias'], now['artifact_id']) == ('iris', 3, 'prod', reg[2][2])
  by_number = jmlmd('--store', s, 'registry', 'resolve', 'iris/1')
  assert by_number['version'] == 1 and by_number['alias'] is None and by_number['run_id'] == reg[3]
  assert by_number['sha256'] == DIGEST
  latest = jmlmd('--store', s, 'registry', 'resolve', 'iris@latest')
  assert latest['version'] == 3
  text = mlmd('--store', s, 'registry', 'resolve', 'iris@prod').stdout
  assert text.startswith('iris/3\n') and 'alias      prod' in text

  # as of the first move's time: version 1 (unless both moves share one millisecond)
  want = 1 if t2 > t1 else 3
  for as_of in (str(t1), _iso(t1), _iso(t1, 60), _iso(t1, -330)):
    got = jmlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', as_of)
    assert got['version'] == want, as_of
  assert jmlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', str(t2))['version'] == 3
  # before the first move the alias named nothing: refused, exit 1
  res = mlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', str(t1 - 1), check=False)
  assert res.returncode == 1 and 'prod' in res.stderr
  res = mlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', '2001-02-03', check=False)
  assert res.returncode == 1
  # far in the future: what it is now
  assert jmlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', '9999-12-31T23:59:59.999Z')[
      'version'] == 3
  # bad times and references are bad usage
  for bad in ('yesterday', '2026-13-01', '2026-02-29', '2026-12-03T10:00:00', '2026-12-03T24:00:00Z',
              '2026-12-03T10:00:00+1', '2026-12-03T10:00:00Zjunk', '0', '99999999999999999999',
              '2026-12-03T10:00:00+01:', '1969-12-31T23:59:59Z', '2026-12-31T23:59:60Z'):
    res = mlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', bad, check=False)
    assert res.returncode == 2 and '--as-of' in res.stderr, bad
  for ref in ('iris', 'iris@', 'iris/', 'iris/x', '@prod', 'iris/0'):
    assert mlmd('--store', s, 'registry', 'resolve', ref, check=False).returncode == 2, ref
  assert mlmd('--store', s, 'registry', 'resolve', 'iris/9', check=False).returncode == 1
  assert mlmd('--store', s, 'registry', 'resolve', 'iris@nope', check=False).returncode == 1


def test_as_of_iso_forms_agree(reg):
  """Each ISO 8601 form is read as the instant it names, in ms (the store's refusal quotes it)."""
  s = reg[0]
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '2')
  instants = {
      '2024-02-29T12:00:00Z': 1709208000000, '2024-02-29T13:30:00+01:30': 1709208000000,
      '2024-02-29T07:00:00.000-0500': 1709208000000, '2024-02-29t12:00:00z': 1709208000000,
      '2024-02-29 14:00:00+02': 1709208000000, '1709208000000': 1709208000000,
      '2024-02-29T12:00:00.1239Z': 1709208000123, '2000-02-29': 951782400000, '1970-01-02': 86400000,
      '1969-12-31T23:00:00-02:00': 3600000, '2025-12-03T10:00:00Z': 1764756000000,
  }
  for text, ms in instants.items():
    res = mlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', text, check=False)
    # every instant is before the move: the alias named no version then
    assert res.returncode == 1 and f'at {ms} ms' in res.stderr, (text, res.stderr)
  for bad in ('1900-02-29', '0000-01-01', '2026-04-31', '2026-12-03T10:60:00Z', '2026-12-03T10:00:00+24:00',
              '2026-12-03T10:00:00.Z', '2026-12-3', '26-12-03', ' 2026-12-03'):
    res = mlmd('--store', s, 'registry', 'resolve', 'iris@prod', '--as-of', bad, check=False)
    assert res.returncode == 2, (bad, res.stderr)


# ---- policies, requests, approvals -----------------------------------------------------------------


def test_policy_refuses_direct_moves_and_requests_need_approvals(reg):
  s = reg[0]
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '1')
  mlmd('--store', s, 'registry', 'tag', 'iris', '2', 'validation=passed')
  assert mlmd('--store', s, '--actor', 'admin', 'registry', 'policy', 'set', 'iris', 'prod', '--approvals', '2',
              '--require', 'validation=passed').stdout == ''
  res = mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '2', check=False)
  assert res.returncode == 1 and 'policy' in res.stderr
  pol = jmlmd('--store', s, 'registry', 'show', 'iris')['policies']
  assert pol == [{'alias': 'prod', 'approvals': 2, 'require': {'validation': 'passed'}, 'actor': 'admin',
                  'time_ms': pol[0]['time_ms']}]
  # a requirement that does not hold: refused
  res = mlmd('--store', s, '--actor', 'alice', 'registry', 'request', 'iris', 'prod', '3', check=False)
  assert res.returncode == 1 and 'validation' in res.stderr

  req = jmlmd('--store', s, '--actor', 'alice', 'registry', 'request', 'iris', 'prod', '2', '--comment', 'ship it')
  assert {'request_id', 'status'} <= set(req) and req['status'] == 'pending'
  rid = str(req['request_id'])
  # the requester cannot approve (--actor after the command this time)
  res = mlmd('--store', s, 'registry', 'approve', rid, '--actor', 'alice', check=False)
  assert res.returncode == 1 and 'alice' in res.stderr
  a1 = jmlmd('--store', s, 'registry', 'approve', rid, '--actor', 'bob', '--comment', 'ok')
  assert {'request_id', 'status', 'approvals'} <= set(a1)
  assert (a1['request_id'], a1['status'], a1['approvals']) == (int(rid), 'pending', 1)
  # bob again counts once; MLMD_ACTOR is the default actor
  assert jmlmd('--store', s, 'registry', 'approve', rid, actor='bob')['approvals'] == 1
  show = jmlmd('--store', s, 'registry', 'show', 'iris')
  assert show['aliases']['prod'] == 1
  [open_req] = show['open_requests']
  assert open_req['requester'] == 'alice' and open_req['comment'] == 'ship it'
  assert open_req['moves'] == [{'alias': 'prod', 'version': 2}]
  listed = mlmd('--store', s, 'registry', 'requests').stdout
  assert re.search(r'^%s\s+iris\s+prod -> 2\s+pending\s+alice\s+1/2' % rid, listed, re.M)
  text = mlmd('--store', s, 'registry', 'approve', rid, actor='carol').stdout
  assert text == f'request {rid}: approved (the aliases moved)\n'
  assert jmlmd('--store', s, 'registry', 'resolve', 'iris@prod')['version'] == 2
  res = mlmd('--store', s, 'registry', 'approve', rid, actor='dave', check=False)
  assert res.returncode == 1 and 'approved' in res.stderr
  last = jmlmd('--store', s, 'registry', 'history', 'iris', '--alias', 'prod')['entries'][-1]
  assert last['request_id'] == int(rid) and last['approvers'] == ['bob', 'carol'] and last['actor'] == 'carol'
  assert jmlmd('--store', s, 'registry', 'requests')['requests'] == []
  assert [r['status'] for r in jmlmd('--store', s, 'registry', 'requests', 'iris', '--all')['requests']] == [
      'approved']

  # rejected: can no longer be approved
  rid2 = mlmd('--store', s, 'registry', 'request', 'iris', 'prod', '2', actor='alice').stdout.strip()
  rej = jmlmd('--store', s, 'registry', 'reject', rid2, '--comment', 'no', actor='bob')
  assert rej['status'] == 'rejected'
  res = mlmd('--store', s, 'registry', 'approve', rid2, actor='carol', check=False)
  assert res.returncode == 1 and 'rejected' in res.stderr

  # without the policy, a direct move works again; removing it twice is refused
  mlmd('--store', s, 'registry', 'policy', 'rm', 'iris', 'prod')
  assert mlmd('--store', s, 'registry', 'policy', 'rm', 'iris', 'prod', check=False).returncode == 1
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'prod', '3')
  # a request without a policy applies at once
  res = mlmd('--store', s, 'registry', 'request', 'iris', 'staging', '1')
  assert res.stdout.strip().isdigit() and 'at once' in res.stderr
  # bad usage
  for args in (['policy', 'set', 'iris', 'prod'], ['policy', 'set', 'iris', 'prod', '--approvals', '-1'],
               ['policy', 'set', 'iris', 'prod', '--approvals', '1', '--require', 'x'], ['approve', 'x'],
               ['approve'], ['reject', '0'], ['request', 'iris', 'prod'], ['policy', 'frob', 'iris', 'prod']):
    assert mlmd('--store', s, 'registry', *args, check=False).returncode == 2, args


# ---- the audit log -------------------------------------------------------------------------------


def test_audit_log_checkpoint_and_verify(reg):
  s, db = reg[0], reg[1]
  recs = jmlmd('--store', s, 'audit', 'log')
  assert set(recs) == {'records', 'last_seq'}
  ops = [r['operation'] for r in recs['records']]
  assert ops[-4:] == ['CreateRegisteredModel', 'CreateModelVersion', 'CreateModelVersion', 'CreateModelVersion']
  assert [r['seq'] for r in recs['records']] == list(range(1, len(ops) + 1)) and recs['last_seq'] == len(ops)
  r = recs['records'][-1]
  assert set(r) == {'seq', 'time_ms', 'actor', 'operation', 'ids', 'request_sha256', 'prev_hash', 'hash'}
  assert r['actor'] == 'alice' and r['prev_hash'] == recs['records'][-2]['hash']
  since = jmlmd('--store', s, 'audit', 'log', '--since', str(len(ops) - 2))['records']
  assert [x['seq'] for x in since] == [len(ops) - 1, len(ops)]
  text = mlmd('--store', s, 'audit', 'log', '--limit', '2')
  assert text.stdout.splitlines()[0].split() == ['SEQ', 'TIME', 'ACTOR', 'OPERATION', 'IDS']
  assert len(text.stdout.splitlines()) == 3 and '--since 2' in text.stderr

  cp = mlmd('--store', s, 'audit', 'checkpoint').stdout.strip()
  assert re.fullmatch(r'%d:[0-9a-f]{64}' % len(ops), cp) and cp.endswith(r['hash'])
  assert jmlmd('--store', s, 'audit', 'checkpoint') == {'seq': len(ops), 'hash': r['hash'], 'checkpoint': cp}
  ok = mlmd('--store', s, 'audit', 'verify', '--checkpoint', cp)
  assert ok.stdout.startswith('intact: %d records' % len(ops))
  v = jmlmd('--store', s, 'audit', 'verify')
  assert v == {'intact': True, 'first_bad_seq': None, 'reason': None, 'records': len(ops), 'last_seq': len(ops),
               'last_hash': r['hash']}
  # reads appended nothing
  assert mlmd('--store', s, 'audit', 'checkpoint').stdout.strip() == cp
  for bad in ('x', '3', '3:abc', '-1:' + '0' * 64, '0:' + '1' * 64):
    res = mlmd('--store', s, 'audit', 'verify', '--checkpoint', bad, check=False)
    assert res.returncode == 2 and 'checkpoint' in res.stderr, bad

  # a row edited behind the library's back: named
  con = sqlite3.connect(db)
  con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
  con.commit()
  res = mlmd('--store', s, 'audit', 'verify', check=False)
  assert res.returncode == 1 and 'record 3' in res.stderr and res.stdout == ''
  v = json.loads(mlmd('--store', s, 'audit', 'verify', '--json', check=False).stdout)
  assert v['intact'] is False and v['first_bad_seq'] == 3 and 'edited' in v['reason']
  con.execute("UPDATE audit_log SET actor = ? WHERE seq = 3", (recs['records'][2]['actor'],))
  con.commit()
  assert mlmd('--store', s, 'audit', 'verify').returncode == 0
  # a row deleted from the middle
  con.execute('DELETE FROM audit_log WHERE seq = 2')
  con.commit()
  res = mlmd('--store', s, 'audit', 'verify', check=False)
  assert res.returncode == 1 and 'record 2' in res.stderr
  con.close()


def test_a_rewritten_chain_is_caught_by_the_checkpoint(tmp_path):
  """Rewrite the log from record 1 with consistent hashes: only the checkpoint sees it."""
  import hashlib
  db = tmp_path / 'c.db'
  artifacts(db, 1)
  s = f'sqlite:{db}'
  mlmd('--store', s, 'registry', 'create', 'iris', actor='alice')
  cp = mlmd('--store', s, 'audit', 'checkpoint').stdout.strip()
  con = sqlite3.connect(db)
  rows = con.execute('SELECT seq, time, actor, operation, ids, request_sha256 FROM audit_log ORDER BY seq').fetchall()
  prev = '0' * 64
  for seq, time, actor, op, ids, req in rows:
    actor = 'mallory'
    text = f'mlmd.audit.v1\n{seq}\n{time}\n{actor}\n{op}\n{ids}\n{req}\n{prev}\n'
    h = hashlib.sha256(text.encode()).hexdigest()
    con.execute('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?', (actor, prev, h, seq))
    prev = h
  if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_head'").fetchone():
    con.execute('UPDATE audit_head SET hash = ? WHERE id = 1', (prev,))  # the head row, where there is one
  con.commit()
  con.close()
  assert mlmd('--store', s, 'audit', 'verify').returncode == 0  # consistent in itself
  res = mlmd('--store', s, 'audit', 'verify', '--checkpoint', cp, check=False)
  seq = cp.split(':')[0]
  assert res.returncode == 1 and f'record {seq}' in res.stderr and 'checkpoint' in res.stderr


# ---- usage and help ---------------------------------------------------------------------------------


def test_usage_errors_and_help(reg):
  s = reg[0]
  for args in (['registry'], ['registry', 'frobnicate'], ['registry', 'create'], ['registry', 'add', 'iris'],
               ['registry', 'add', 'iris', '--artifact', 'x'], ['registry', 'show'], ['audit'], ['audit', 'vrify'],
               ['audit', 'log', '--since', '-1'], ['registry', 'history'], ['--actor']):
    res = mlmd('--store', s, *args, check=False)
    assert res.returncode == 2 and res.stderr.startswith('mlmd: '), args
  assert 'did you mean registry approve' in mlmd('registry', 'aprove', check=False).stderr
  group = mlmd('registry', '--help').stdout
  for line in ('registry create NAME', 'registry policy set NAME ALIAS --approvals N [--require KEY=VALUE]...',
               'registry history NAME [--alias ALIAS]', 'registry resolve NAME@ALIAS|NAME/VERSION [--as-of TIME]'):
    assert line in group, line
  assert mlmd('help', 'registry').stdout == group
  assert 'audit verify [--checkpoint SEQ:HASH]' in mlmd('audit', '--help').stdout
  subs = [['registry', 'create'], ['registry', 'add'], ['registry', 'ls'], ['registry', 'show'],
          ['registry', 'alias', 'set'], ['registry', 'alias', 'rm'], ['registry', 'tag'],
          ['registry', 'policy', 'set'], ['registry', 'policy', 'rm'], ['registry', 'request'],
          ['registry', 'approve'], ['registry', 'reject'], ['registry', 'requests'], ['registry', 'resolve'],
          ['registry', 'history'], ['audit', 'log'], ['audit', 'verify'], ['audit', 'checkpoint']]
  for sub in subs:
    text = mlmd(*sub, '--help').stdout
    assert text.startswith('usage: mlmd [--store URI] ' + ' '.join(sub)), sub
    assert '--actor NAME' in text and 'Exit status' in text, sub
  main = mlmd('--help').stdout
  assert '--actor NAME' in main
  for line in ('registry create', 'registry approve', 'registry history', 'audit verify', 'audit checkpoint'):
    assert re.search(r'^  ' + line + ' ', main, re.M), line


def test_actor_defaults_and_is_checked(reg):
  s = reg[0]
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'a1', '1', actor='from-env')
  mlmd('--actor', 'from-flag', '--store', s, 'registry', 'alias', 'set', 'iris', 'a2', '1', actor='from-env')
  mlmd('--store', s, 'registry', 'alias', 'set', 'iris', 'a3', '1', '--actor=after', actor='from-env')
  actors = [r['actor'] for r in jmlmd('--store', s, 'audit', 'log')['records'][-3:]]
  assert actors == ['from-env', 'from-flag', 'after']
  res = mlmd('--store', s, '--actor', 'bad\nname', 'registry', 'alias', 'set', 'iris', 'a4', '1', check=False)
  assert res.returncode == 1 and 'actor' in res.stderr

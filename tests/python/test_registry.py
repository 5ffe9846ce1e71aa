"""The model registry from Python (mlmd.MlflowClient, MLflow's names): models,
versions from tracked files and runs, tags, MLflow's search filters, aliases
(one and several in one transaction), policies and the approval flow with
mlmd.set_actor switching actors, the as-of history, and that all of it is
ordinary MLMD nodes and audited. On SQLite files and, when
MLMD_TEST_POSTGRES is set, on PostgreSQL."""

import datetime
import itertools
import os
import subprocess
import sys

import pytest

import mlmd
from ml_metadata import errors
from ml_metadata import metadata_store
from mlmd import _filter
from mlmd import registry

from test_audit_actor import mlmd_config
from test_audit_actor import pg_uri

_serial = itertools.count()


@pytest.fixture(params=['sqlite', 'postgresql'])
def client(request, tmp_path):
  """A client of a new store, opened with no process actor set; the
  tests then act as 'ann' (mlmd.set_actor)."""
  mlmd.set_actor(None)
  if request.param == 'sqlite':
    uri = 'sqlite:%s' % (tmp_path / 'registry.db')
  else:
    uri = pg_uri('reg%d' % next(_serial))
  c = mlmd.MlflowClient(uri)
  mlmd.set_actor('ann')
  yield c
  mlmd.set_actor(None)


def model_file(client, tmp_path, name, text):
  """A model file written by a run and recorded by tracking: (run id,
  artifact id, path)."""
  path = tmp_path / name
  path.write_text(text)
  run = client.create_run(experiment_name='train')
  _, [aid] = client.log_files(run.info.run_id, outputs=[path])
  client.set_terminated(run.info.run_id)
  return run.info.run_id, aid, str(path)


@pytest.fixture
def iris(client, tmp_path):
  """Model iris with versions 1..3 (from three runs) and the client."""
  client.create_registered_model('iris', tags={'team': 'vision'},
                                 description='flowers')
  found = []
  for i in range(3):
    run_id, aid, path = model_file(client, tmp_path, 'm%d.bin' % i,
                                   'weights %d' % i)
    found.append((run_id, aid, path))
    mv = client.create_model_version('iris', path, run_id=run_id,
                                     tags={'i': i})
    assert mv.version == i + 1
  return client, found


def test_models_and_versions(iris, tmp_path):
  c, made = iris
  m = c.get_registered_model('iris')
  assert (m.name, m.description, m.tags) == ('iris', 'flowers',
                                             {'team': 'vision'})
  assert m.latest_version == 3 and [v.version for v in m.versions] == [1, 2, 3]
  assert m.latest_versions[0].version == 3
  with pytest.raises(errors.AlreadyExistsError):
    c.create_registered_model('iris')
  for bad in ('', 'a/b', 'a@b', 'x' * 251):
    with pytest.raises(errors.InvalidArgumentError):
      c.create_registered_model(bad)
  with pytest.raises(errors.NotFoundError):
    c.get_registered_model('nope')
  mv = c.get_model_version('iris', '2')
  run_id, aid, path = made[1]
  assert (mv.name, mv.version, mv.artifact_id, mv.run_id) == ('iris', 2, aid,
                                                              run_id)
  assert os.path.realpath(mv.source) == os.path.realpath(path)
  assert mv.digest and len(mv.digest) == 64
  assert mv.tags == {'i': '1'} and mv.user_id == 'ann'
  with pytest.raises(errors.NotFoundError):
    c.get_model_version('iris', 9)
  with pytest.raises(errors.InvalidArgumentError):
    c.get_model_version('iris', 0)
  # by artifact id, and refusals
  v4 = c.create_model_version('iris', artifact_id=aid, description='again')
  assert (v4.version, v4.artifact_id, v4.run_id, v4.description) == (
      4, aid, None, 'again')
  assert c.create_model_version('iris', str(aid)).version == 5
  with pytest.raises(errors.NotFoundError):
    c.create_model_version('iris', str(tmp_path / 'unrecorded.bin'))
  with pytest.raises(errors.NotFoundError):
    c.create_model_version('nope', artifact_id=aid)
  with pytest.raises(errors.InvalidArgumentError):
    c.create_model_version('iris', path, artifact_id=aid)
  # tags and description
  c.set_model_version_tag('iris', 1, 'validation', 'passed')
  c.delete_model_version_tag('iris', 1, 'i')
  assert c.get_model_version('iris', 1).tags == {'validation': 'passed'}
  c.set_registered_model_tag('iris', 'owner', 'ml')
  c.delete_registered_model_tag('iris', 'team')
  c.update_registered_model('iris', description='irises')
  m = c.get_registered_model('iris')
  assert (m.tags, m.description) == ({'owner': 'ml'}, 'irises')


def test_searches(iris):
  c, made = iris
  c.create_registered_model('iris-2')
  c.create_registered_model('mnist')
  c.create_model_version('mnist', artifact_id=made[0][1])
  names = lambda ms: [m.name for m in ms]  # pylint: disable=unnecessary-lambda-assignment
  assert names(c.search_registered_models()) == ['iris', 'iris-2', 'mnist']
  assert names(c.search_registered_models("name = 'mnist'")) == ['mnist']
  assert names(c.search_registered_models("name LIKE 'iris%'")) == [
      'iris', 'iris-2']
  assert names(c.search_registered_models("name ILIKE 'IRIS_2'")) == ['iris-2']
  page = c.search_registered_models(max_results=2)
  assert names(page) == ['iris', 'iris-2'] and page.token
  assert names(c.search_registered_models(page_token=page.token)) == ['mnist']

  vs = lambda r: [(v.name, v.version) for v in r]  # pylint: disable=unnecessary-lambda-assignment
  assert vs(c.search_model_versions()) == [('iris', 1), ('iris', 2),
                                           ('iris', 3), ('mnist', 1)]
  assert vs(c.search_model_versions("name='iris'")) == [('iris', 1),
                                                        ('iris', 2),
                                                        ('iris', 3)]
  run0 = made[0][0]
  assert vs(c.search_model_versions("run_id = '%s'" % run0)) == [('iris', 1)]
  assert vs(c.search_model_versions(
      "name = \"iris\" AND tags.i = '2'")) == [('iris', 3)]
  assert vs(c.search_model_versions("tags.`i` = '1' and name='iris'")) == [
      ('iris', 2)]
  assert vs(c.search_model_versions('artifact_id = %d' % made[0][1])) == [
      ('iris', 1), ('mnist', 1)]
  assert c.search_model_versions("name='iris'")[0].source
  page = c.search_model_versions("name='iris'", max_results=2)
  assert vs(page) == [('iris', 1), ('iris', 2)] and page.token
  rest = c.search_model_versions("name='iris'", max_results=2,
                                 page_token=page.token)
  assert vs(rest) == [('iris', 3)] and rest.token is None
  assert c.search_model_versions("name = 'none'") == []
  for bad in ("name = 'iris' OR name = 'x'", "name != 'iris'",
              "name IN ('iris')", "version_number = 1", "name LIKE 'i%'",
              "name = iris", "name = 'a' AND name = 'b'", "run_id = 'x'"):
    with pytest.raises(mlmd.exceptions.MlflowException) as e:
      c.search_model_versions(bad)
    assert e.value.error_code == errors.INVALID_ARGUMENT, bad
  with pytest.raises(errors.InvalidArgumentError):
    c.search_registered_models("tags.x = 'y'")


def test_aliases_swap_in_one_transaction_and_resolve(iris):
  c, _ = iris
  c.set_registered_model_alias('iris', 'champion', 1)
  c.set_registered_model_alias('iris', 'challenger', '2')
  assert c.get_model_version_by_alias('iris', 'champion').version == 1
  assert c.get_registered_model('iris').aliases == {'champion': 1,
                                                    'challenger': 2}
  assert c.get_model_version('iris', 2).aliases == ['challenger']
  seq = c.get_audit_log()[-1].seq
  moved = c.set_registered_model_aliases('iris', {'champion': 2,
                                                  'challenger': 1})
  assert {(e.alias, e.old_version, e.new_version) for e in moved} == {
      ('champion', 1, 2), ('challenger', 2, 1)}
  [rec] = c.get_audit_log(since=seq)  # one call, one transaction, one record
  assert (rec.operation, rec.actor) == ('SetAliases', 'ann')
  assert c.resolve('iris@champion').version == 2
  assert c.resolve('iris@champion').alias == 'champion'
  assert c.resolve('iris/3').version == 3 and c.resolve('iris/3').alias is None
  assert c.resolve('iris@latest').version == 3
  # A swap with one bad move moves nothing.
  with pytest.raises(errors.NotFoundError):
    c.set_registered_model_aliases('iris', {'champion': 1, 'challenger': 9})
  assert c.get_registered_model('iris').aliases == {'champion': 2,
                                                    'challenger': 1}
  c.delete_registered_model_alias('iris', 'challenger')
  with pytest.raises(errors.NotFoundError):
    c.get_model_version_by_alias('iris', 'challenger')
  for bad in ('latest', '9lives', 'a b', 'x' * 65):
    with pytest.raises(errors.InvalidArgumentError):
      c.set_registered_model_alias('iris', bad, 1)
  for bad in ('iris', 'iris@', '@x', 'iris/0', 'iris/x', 42):
    with pytest.raises(errors.InvalidArgumentError):
      c.resolve(bad)
  hist = c.get_alias_history('iris', 'challenger')
  assert [(e.old_version, e.new_version) for e in hist] == [(None, 2), (2, 1),
                                                            (1, None)]
  assert all(e.actor == 'ann' and e.request_id is None for e in hist)


def test_as_of_resolution_between_moves(iris):
  c, _ = iris
  # Move the alias until the store has recorded moves at two distinct
  # milliseconds (no sleeping: the times are read from the history).
  target = 1
  for _ in range(100000):
    c.set_registered_model_alias('iris', 'prod', target)
    target = 3 if target != 3 else 2
    hist = c.get_alias_history('iris', 'prod')
    if len({e.timestamp for e in hist}) >= 3:
      break
  times = sorted({e.timestamp for e in hist})
  assert len(times) >= 3
  def at(t):
    """What the history says the alias named at time t."""
    last = [e for e in hist if e.timestamp <= t]
    return last[-1].new_version if last else None
  for t in times:
    for q in (t - 1, t):
      want = at(q)
      if want is None:
        with pytest.raises(errors.NotFoundError):
          c.resolve('iris@prod', as_of=q)
      else:
        assert c.resolve('iris@prod', as_of=q).version == want, q
  # The same instant as a datetime and as ISO 8601 text.
  t = times[1]
  when = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc)
  assert c.resolve('iris@prod', as_of=when).version == at(t)
  iso = when.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (t % 1000)
  assert c.resolve('iris@prod', as_of=iso).version == at(t)
  # A version must have existed then.
  first = c.get_model_version('iris', 1).creation_timestamp
  with pytest.raises(errors.NotFoundError):
    c.resolve('iris/1', as_of=first - 1)
  assert c.resolve('iris/1', as_of=first).version == 1
  with pytest.raises(errors.InvalidArgumentError):
    c.resolve('iris@prod', as_of='yesterday')


def test_approval_flow_with_set_actor(iris):
  c, _ = iris
  c.set_model_version_tag('iris', 2, 'validation', 'passed')
  pol = c.set_alias_policy('iris', 'prod', 2, require={'validation': 'passed'})
  assert (pol.approvals, pol.require, pol.actor) == (
      2, {'validation': 'passed'}, 'ann')
  with pytest.raises(errors.FailedPreconditionError) as e:
    c.set_registered_model_alias('iris', 'prod', 2)
  assert 'polic' in str(e.value)
  # The required tag is missing on version 3: refused.
  with pytest.raises(errors.FailedPreconditionError):
    c.request_alias_move('iris', 'prod', 3)

  mlmd.set_actor('alice')
  req = c.request_alias_move('iris', 'prod', 2, comment='better recall')
  assert (req.status, req.requester, req.comment, req.approvals,
          req.approvals_needed) == ('pending', 'alice', 'better recall', 0, 2)
  assert (req.alias, req.version, req.moves) == ('prod', 2, {'prod': 2})
  with pytest.raises(errors.PermissionDeniedError):
    c.approve_request(req.request_id)          # self-approval
  mlmd.set_actor('bob')
  r = c.approve_request(req.request_id, comment='ok')
  assert (r.status, r.approvals) == ('pending', 1)
  r = c.approve_request(req.request_id)        # bob again counts once
  assert (r.status, r.approvals) == ('pending', 1)
  with pytest.raises(errors.NotFoundError):
    c.get_model_version_by_alias('iris', 'prod')
  assert [x.request_id for x in c.get_registered_model('iris').open_requests] \
      == [req.request_id]
  mlmd.set_actor('carol')
  r = c.approve_request(req.request_id)
  assert (r.status, r.approvals, sorted(r.approvers)) == ('approved', 2,
                                                          ['bob', 'carol'])
  assert r.decision_timestamp is not None
  assert c.get_model_version_by_alias('iris', 'prod').version == 2
  [h] = c.get_alias_history('iris', 'prod')
  assert (h.new_version, h.actor, h.request_id, sorted(h.approvers)) == (
      2, 'carol', req.request_id, ['bob', 'carol'])
  with pytest.raises(errors.FailedPreconditionError):
    c.approve_request(req.request_id)          # no longer pending
  # the audit log names each actor
  ops = [(x.actor, x.operation) for x in c.get_audit_log()
         if x.operation in ('RequestAliasMove', 'ApproveRequest')]
  assert ops == [('alice', 'RequestAliasMove'), ('bob', 'ApproveRequest'),
                 ('bob', 'ApproveRequest'), ('carol', 'ApproveRequest')]

  # rejected, and superseded
  c.set_model_version_tag('iris', 3, 'validation', 'passed')
  mlmd.set_actor('alice')
  r1 = c.request_alias_move('iris', 'prod', 3)
  mlmd.set_actor('dave')
  rej = c.reject_request(r1.request_id, comment='not yet')
  assert rej.status == 'rejected' and rej.reviews[-1].approved is False
  assert rej.reviews[-1].comment == 'not yet'
  with pytest.raises(errors.FailedPreconditionError):
    c.approve_request(r1.request_id)
  a = c.request_alias_move('iris', 'prod', 3)
  b = c.request_alias_move('iris', 'prod', 2)
  for who in ('erin', 'frank'):
    mlmd.set_actor(who)
    c.approve_request(a.request_id)
  assert c.get_alias_request(a.request_id).status == 'approved'
  assert c.get_alias_request(b.request_id).status == 'superseded'
  with pytest.raises(errors.FailedPreconditionError):
    c.approve_request(b.request_id)
  assert c.get_alias_requests('iris', pending_only=True) == []
  assert [x.status for x in c.get_alias_requests('iris')] == [
      'approved', 'rejected', 'approved', 'superseded']
  with pytest.raises(errors.NotFoundError):
    c.get_alias_request(10**6)
  # without the policy, moves are direct again; a request applies at once
  c.delete_alias_policy('iris', 'prod')
  with pytest.raises(errors.NotFoundError):
    c.delete_alias_policy('iris', 'prod')
  assert c.request_alias_move('iris', 'prod', 1).status == 'approved'
  c.set_registered_model_alias('iris', 'prod', 2)
  assert c.resolve('iris@prod').version == 2


def test_registry_records_are_mlmd_nodes(iris):
  c, made = iris
  store = metadata_store.MetadataStore(mlmd_config(c.tracking_uri))
  [model] = store.get_contexts_by_type('mlmd.RegisteredModel')
  assert model.name == 'iris'
  assert model.custom_properties['mlmd.description'].string_value == 'flowers'
  assert model.custom_properties['mlmd.latest_version'].int_value == 3
  versions = {x.name: x for x in store.get_contexts_by_type(
      'mlmd.ModelVersion')}
  assert set(versions) == {'iris/1', 'iris/2', 'iris/3'}
  v2 = versions['iris/2']
  assert v2.custom_properties['mlmd.artifact_id'].int_value == made[1][1]
  assert [p.id for p in store.get_parent_contexts_by_context(v2.id)] == [
      model.id]
  assert [a.id for a in store.get_artifacts_by_context(v2.id)] == [made[1][1]]
  assert [e.id for e in store.get_executions_by_context(v2.id)] == [
      int(made[1][0])]


def test_register_model_from_a_fluent_run(client, tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  while mlmd.active_run() is not None:
    mlmd.end_run()
  mlmd.set_store(client.tracking_uri)
  try:
    with mlmd.start_run() as run:
      os.makedirs('out', exist_ok=True)
      with open('out/model.bin', 'w') as f:
        f.write('weights')
      mlmd.log_artifact('out/model.bin')
    rid = run.info.run_id
    mv = mlmd.register_model('runs:/%s/model.bin' % rid, 'iris',
                             tags={'k': 'v'})
    assert (mv.name, mv.version, mv.run_id, mv.tags) == ('iris', 1, rid,
                                                         {'k': 'v'})
    assert os.path.realpath(mv.source) == os.path.realpath('out/model.bin')
    assert mlmd.register_model('out/model.bin', 'iris').version == 2
    assert mlmd.get_client().get_registered_model('iris').latest_version == 2
    with pytest.raises(errors.NotFoundError):
      mlmd.register_model('runs:/%s/other.bin' % rid, 'iris')
    with pytest.raises(errors.NotFoundError):
      mlmd.register_model('runs:/999999/model.bin', 'iris')
  finally:
    mlmd.set_store(None)


def test_the_docs_example_runs(tmp_path):
  """docs/python.md's registry example, as written, in a fresh directory."""
  doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                     'docs', 'python.md')
  with open(doc) as f:
    text = f.read()
  section = text[text.index('# The model registry and the audit log'):]
  code = section[section.index('```python\n') + 10:]
  code = code[:code.index('```\n')]
  assert 'approve_request' in code and 'verify_audit' in code
  (tmp_path / 'model.onnx').write_text('weights')
  env = {k: v for k, v in os.environ.items() if k not in ('MLMD_STORE',)}
  env['PYTHONPATH'] = os.path.normpath(os.path.join(
      os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bindings',
      'python'))
  r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  lines = r.stdout.split()
  assert os.path.realpath(lines[0]) == os.path.realpath(
      tmp_path / 'model.onnx')
  assert lines[1] == '1'


# ---- the Python side alone (no store needed) ---------------------------------

def test_filter_forms_and_refusals():
  f = _filter.model_version_filter(
      "name = 'ir\\'is' AND run_id='42' and tags.`a b` = \"x\" AND "
      "tags.validation='passed' AND artifact_id = 7")
  assert f == {'name': "ir'is", 'run_id': '42', 'artifact_id': '7',
               'tags': {'a b': 'x', 'validation': 'passed'}}
  assert _filter.model_version_filter(None) == {'tags': {}}
  assert _filter.model_version_filter('  ') == {'tags': {}}
  for bad in ("name = 'a' OR run_id = '1'", "name != 'a'", "name = 'a' AND",
              "source_path = 'x'", "name IN ('a', 'b')", "tags.k = 'a' "
              "AND tags.k = 'b'", "name = 'a' name = 'b'", "name"):
    with pytest.raises(errors.InvalidArgumentError):
      _filter.model_version_filter(bad)
  keep = _filter.registered_model_filter("name LIKE 'ir_s%'")
  assert keep('iris') and keep('iris-2') and not keep('IRIS') and \
      not keep('irs')
  assert _filter.registered_model_filter("name ILIKE 'IR%'")('iris')
  assert _filter.registered_model_filter('') is None


def test_references_and_times():
  assert registry.parse_ref('iris@prod') == ('iris', 'prod', None)
  assert registry.parse_ref('iris/12') == ('iris', None, 12)
  assert registry.parse_ref('a.b-c@x.y') == ('a.b-c', 'x.y', None)
  for bad in ('iris', 'iris@', '@prod', '/1', 'iris/0', 'iris/-1', 'iris/1x',
              None):
    with pytest.raises(errors.InvalidArgumentError):
      registry.parse_ref(bad)
  utc = datetime.timezone.utc
  t = datetime.datetime(2026, 12, 3, 10, 0, 0, 123000, tzinfo=utc)
  ms = 1796292000123
  assert registry.as_of_ms(ms) == ms and registry.as_of_ms(str(ms)) == ms
  assert registry.as_of_ms(t) == ms
  assert registry.as_of_ms('2026-12-03T10:00:00.123Z') == ms
  assert registry.as_of_ms('2026-12-03T11:00:00.123+01:00') == ms
  assert registry.as_of_ms('2026-12-03T10:00:00.123') == ms  # no offset: UTC
  assert registry.as_of_ms('2026-12-03') == ms - 36000123
  assert registry.as_of_ms(datetime.date(2026, 12, 3)) == ms - 36000123
  for bad in (True, 1.5, 'noon', '2026-13-01', [1]):
    with pytest.raises(errors.InvalidArgumentError):
      registry.as_of_ms(bad)
  assert registry.version_number('3') == 3
  for bad in (0, -1, True, '1.0', 'one', 2**63):
    with pytest.raises(errors.InvalidArgumentError):
      registry.version_number(bad)


def test_hostile_filters_numbers_and_times():
  # LIKE with many '%' runs over a long name: answered (a regex of '.*'
  # runs backtracked exponentially here and never returned)
  keep = _filter.registered_model_filter("name LIKE '" + '%a' * 12 + "%b'")
  assert not keep('a' * 250) and keep('a' * 249 + 'b')
  keep = _filter.registered_model_filter("name ILIKE 'A%_%c'")
  assert keep('abc') and keep('ABXC') and not keep('ac') and not keep('abcd')
  assert _filter.registered_model_filter("name LIKE '%%'")('')
  # digits str.isdigit() takes and int() refuses: InvalidArgumentError, not
  # ValueError
  for call in (lambda: registry.version_number('\u00b2'),
               lambda: registry.parse_ref('m/\u00b2'),
               lambda: registry.as_of_ms('\u00b2'),
               lambda: mlmd.audit.parse_checkpoint('\u00b2:' + '0' * 64),
               lambda: registry._id('artifact_id', '\u00b9')):
    with pytest.raises(errors.InvalidArgumentError):
      call()
  # times that do not fit, or have no local time
  for bad in (2**63, -2**63 - 1, str(2**64), datetime.datetime(1, 1, 1)):
    with pytest.raises(errors.InvalidArgumentError):
      registry.as_of_ms(bad)
  assert registry.as_of_ms(2**63 - 1) == 2**63 - 1

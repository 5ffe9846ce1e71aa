"""The mlmd tracking package: an MLflow tracking script run with only its
import changed records what it says (checked through mlmd and through
ml_metadata, since runs are ordinary MLMD nodes); the context manager's
FAILED path; NaN and the infinities; clear errors; capture; on SQLite and,
when MLMD_TEST_POSTGRES is set, on PostgreSQL."""

import hashlib
import itertools
import math
import os
import subprocess
import sys
import urllib.parse

import pytest

import mlmd
from mlmd import _capture
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

HERE = os.path.dirname(os.path.abspath(__file__))
BINDINGS = os.path.normpath(os.path.join(HERE, '..', '..', 'bindings',
                                         'python'))

# Written as an MLflow user writes a tracking script (MLflow's fluent API and
# mlflow.MlflowClient); the test changes its import line and nothing else.
MLFLOW_SCRIPT = '''\
import mlflow

mlflow.set_experiment("mnist")
for lr in (0.1, 0.01, 0.001):
    with mlflow.start_run(run_name="lr-%s" % lr) as run:
        mlflow.log_param("lr", lr)
        mlflow.log_params({"epochs": 5, "optimizer": "sgd"})
        mlflow.set_tag("team", "vision" if lr > 0.005 else "audio")
        loss = 1.0
        for epoch in range(5):
            loss = loss * (0.5 if lr == 0.1 else 0.9 if lr == 0.01 else 0.8)
            mlflow.log_metric("loss", loss, step=epoch)
        mlflow.log_metrics({"accuracy": 1 - loss, "f1": 0.5})
        path = "model-%s.txt" % lr
        with open(path, "w") as f:
            f.write("weights for lr=%s\\n" % lr)
        mlflow.log_artifact(path)
        print("run", run.info.run_id, lr)

runs = mlflow.search_runs(
    experiment_names=["mnist"],
    filter_string="metrics.loss < 0.7 and params.optimizer = 'sgd' "
                  "and tags.team = 'vision'",
    order_by=["metrics.loss ASC"], output_format="list")
for r in runs:
    print("found", r.info.run_id, r.data.params["lr"], r.data.metrics["loss"])
client = mlflow.MlflowClient()
for m in client.get_metric_history(runs[0].info.run_id, "loss"):
    print("point", m.key, m.step, m.value)
'''


def ported(script):
  lines = script.split('\n')
  assert lines[0] == 'import mlflow'
  return '\n'.join(['import mlmd as mlflow'] + lines[1:])


def pg_uri(tag):
  base = os.environ.get('MLMD_TEST_POSTGRES')
  if not base:
    pytest.skip('set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT')
  return '%s/mlmd_t_py_trk_%s_%d' % (base.rstrip('/'), tag, os.getpid())


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


_serial = itertools.count()


@pytest.fixture(params=['sqlite', 'postgresql'])
def store_uri(request, tmp_path):
  if request.param == 'sqlite':
    return 'sqlite:%s' % (tmp_path / 'track.db')
  return pg_uri('%d' % next(_serial))


@pytest.fixture
def fresh(store_uri):
  """mlmd's process state reset: no active run, no experiment, this store."""
  while mlmd.active_run() is not None:
    mlmd.end_run()
  mlmd.fluent._experiment = None  # pylint: disable=protected-access
  mlmd.set_capture_packages([])
  mlmd.set_capture_env([])
  mlmd.set_store(store_uri)
  yield store_uri
  while mlmd.active_run() is not None:
    mlmd.end_run()
  mlmd.set_store(None)


def run_script(source, cwd, store):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_LIBRARY'}
  env['PYTHONPATH'] = BINDINGS
  env['MLMD_STORE'] = store
  r = subprocess.run([sys.executable, '-c', source], cwd=str(cwd), env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  return [line.split() for line in r.stdout.splitlines()]


def test_an_mlflow_script_ported_by_its_import(fresh, tmp_path):
  work = tmp_path / 'work'
  work.mkdir()
  out = run_script(ported(MLFLOW_SCRIPT), work, fresh)
  started = [(rid, lr) for tag, rid, lr in (l for l in out if l[0] == 'run')]
  assert [lr for _, lr in started] == ['0.1', '0.01', '0.001']
  ids = {lr: rid for rid, lr in started}
  assert all(rid.isdigit() for rid in ids.values())
  # search: loss < 0.7 and team vision leaves lr 0.1 (0.03125) and 0.01
  # (0.59049), best first; lr 0.001 (0.32768) is team audio.
  found = [l[1:] for l in out if l[0] == 'found']
  assert [(rid, lr) for rid, lr, _ in found] == [(ids['0.1'], '0.1'),
                                                 (ids['0.01'], '0.01')]
  assert float(found[0][2]) == 0.5**5
  points = [l[1:] for l in out if l[0] == 'point']
  assert points == [['loss', str(i), repr(0.5**(i + 1))] for i in range(5)]

  # What it recorded, through mlmd.
  client = mlmd.MlflowClient()
  for lr, factor in (('0.1', 0.5), ('0.01', 0.9), ('0.001', 0.8)):
    run = mlmd.get_run(ids[lr])
    assert run.info.run_id == ids[lr]
    assert run.info.run_name == 'lr-' + lr
    assert run.info.status == 'FINISHED'
    assert run.info.start_time <= run.info.end_time
    assert run.data.params == {'lr': lr, 'epochs': '5', 'optimizer': 'sgd'}
    loss = 1.0
    for _ in range(5):
      loss *= factor
    assert run.data.metrics == {'loss': loss, 'accuracy': 1 - loss, 'f1': 0.5}
    assert run.data.tags['team'] == ('vision' if lr != '0.001' else 'audio')
    hist = client.get_metric_history(ids[lr], 'loss')
    assert [m.step for m in hist] == [0, 1, 2, 3, 4]
    assert hist[-1].value == loss and hist[-1].key == 'loss'
    assert all(run.info.start_time <= m.timestamp <= run.info.end_time
               for m in hist)
    assert run.fingerprint and len(run.fingerprint) == 64
  exp = mlmd.get_experiment_by_name('mnist')
  assert {r.info.experiment_id for r in
          mlmd.search_runs(['mnist'])} == {exp.experiment_id}

  # ... and through ml_metadata: ordinary MLMD nodes.
  store = metadata_store.MetadataStore(mlmd_config(fresh))
  runs = {str(e.id): e for e in store.get_executions_by_type('mlmd.Run')}
  assert set(runs) == set(ids.values())
  e = runs[ids['0.1']]
  assert e.name == 'lr-0.1'
  assert e.last_known_state == pb.Execution.COMPLETE
  props = e.custom_properties
  assert props['param.lr'].string_value == '0.1'
  assert props['param.epochs'].string_value == '5'
  assert props['tag.team'].string_value == 'vision'
  assert props['metric.loss'].double_value == 0.5**5
  assert props['mlmd.python_version'].string_value == sys.version
  [ctx] = store.get_contexts_by_type('mlmd.Experiment')
  assert ctx.name == 'mnist' and str(ctx.id) == exp.experiment_id
  assert {x.id for x in store.get_executions_by_context(ctx.id)} == \
      {int(i) for i in ids.values()}
  events = store.get_events_by_execution_ids([e.id])
  assert [ev.type for ev in events] == [pb.Event.OUTPUT]
  [art] = store.get_artifacts_by_id([events[0].artifact_id])
  model = work / 'model-0.1.txt'
  assert os.path.realpath(art.uri) == os.path.realpath(model)
  data = model.read_bytes()
  assert art.custom_properties['mlmd.sha256'].string_value == \
      hashlib.sha256(data).hexdigest()
  assert art.custom_properties['mlmd.size'].int_value == len(data)
  # MLMD's filter language finds runs by their latest metric.
  good = store.get_executions(metadata_store.ListOptions(
      filter_query='custom_properties.`metric.loss`.double_value < 0.4'))
  assert {str(x.id) for x in good} == {ids['0.1'], ids['0.001']}


def test_an_exception_in_the_with_block_fails_the_run(fresh):
  with pytest.raises(ZeroDivisionError):
    with mlmd.start_run(run_name='doomed') as run:
      mlmd.log_metric('loss', 1.0)
      assert mlmd.active_run().info.run_id == run.info.run_id
      print(1 / 0)
  assert mlmd.active_run() is None
  got = mlmd.get_run(run.info.run_id)
  assert got.info.status == 'FAILED'
  assert got.info.end_time is not None
  assert got.fingerprint is None
  assert mlmd.last_active_run().info.status == 'FAILED'


def test_end_run_statuses_and_run_defaults(fresh):
  run = mlmd.start_run()
  assert run.info.status == 'RUNNING'
  assert run.info.end_time is None
  assert run.info.run_name == 'run-' + run.info.run_id
  assert mlmd.get_run(run.info.run_id).info.experiment_name == 'Default'
  with pytest.raises(errors.InvalidArgumentError, match='DONE'):
    mlmd.end_run('DONE')
  assert mlmd.active_run() is not None  # a bad status ends nothing
  mlmd.end_run('KILLED')
  assert mlmd.get_run(run.info.run_id).info.status == 'KILLED'
  mlmd.end_run()  # no active run: nothing to do


def test_one_active_run_unless_nested(fresh):
  mlmd.set_experiment('nesting')
  with mlmd.start_run(run_name='parent') as parent:
    with pytest.raises(errors.FailedPreconditionError, match='already active'):
      mlmd.start_run()
    with mlmd.start_run(run_name='child', nested=True) as child:
      assert mlmd.active_run().info.run_id == child.info.run_id
      mlmd.log_param('depth', 1)
    assert mlmd.active_run().info.run_id == parent.info.run_id
  c = mlmd.get_run(child.info.run_id)
  assert c.data.tags['mlflow.parentRunId'] == parent.info.run_id
  assert c.data.params == {'depth': '1'}
  assert mlmd.get_run(parent.info.run_id).data.params == {}
  kids = mlmd.search_runs(
      filter_string="tags.mlflow.parentRunId = '%s'" % parent.info.run_id)
  assert [r.info.run_id for r in kids] == [child.info.run_id]


def test_logging_with_no_active_run_starts_one(fresh):
  mlmd.log_param('a', 'b')
  run = mlmd.active_run()
  assert run is not None
  mlmd.end_run()
  assert mlmd.get_run(run.info.run_id).data.params == {'a': 'b'}


def test_nan_and_infinities_round_trip(fresh):
  values = [float('nan'), float('inf'), float('-inf'), -0.0, 1e308, 5e-324]
  with mlmd.start_run() as run:
    for i, v in enumerate(values):
      mlmd.log_metric('odd', v, step=i)
    mlmd.log_metrics({'n': float('nan'), 'p': float('inf')}, step=7)
  hist = mlmd.MlflowClient().get_metric_history(run.info.run_id, 'odd')
  assert [m.step for m in hist] == list(range(len(values)))
  assert math.isnan(hist[0].value)
  assert [m.value for m in hist[1:]] == values[1:]
  got = mlmd.get_run(run.info.run_id).data.metrics
  assert got['odd'] == 5e-324 and got['p'] == float('inf')
  assert math.isnan(got['n'])
  store = metadata_store.MetadataStore(mlmd_config(fresh))
  [e] = store.get_executions_by_id([int(run.info.run_id)])
  assert math.isnan(e.custom_properties['metric.n'].double_value)
  assert e.custom_properties['metric.p'].double_value == float('inf')


def test_clear_errors(fresh):
  # A value that is not a number: refused before anything is sent (no run
  # is started for it).
  for bad in ('0.5', None, [1.0], 1j):
    with pytest.raises(errors.InvalidArgumentError, match='metric'):
      mlmd.log_metric('loss', bad)
  with pytest.raises(errors.InvalidArgumentError, match='not a number'):
    mlmd.log_metrics({'ok': 1.0, 'bad': 'x'})
  assert mlmd.active_run() is None
  assert mlmd.search_runs(search_all_experiments=True) == []
  with pytest.raises(mlmd.exceptions.MlflowException):
    mlmd.log_metric('loss', 1.0, step=1.5)
  mlmd.end_run()
  client = mlmd.MlflowClient()
  # An unknown run; a string that is not a run id.
  with pytest.raises(errors.NotFoundError):
    mlmd.get_run('999999')
  with pytest.raises(errors.NotFoundError):
    client.log_metric('999999', 'loss', 1.0)
  with pytest.raises(errors.InvalidArgumentError, match='run id'):
    mlmd.get_run('a1b2c3')
  # Logging to a run that has ended.
  with mlmd.start_run() as run:
    mlmd.log_param('lr', 0.1)
    mlmd.log_param('lr', 0.1)  # the same value again is fine
    with pytest.raises(errors.InvalidArgumentError, match='another value'):
      mlmd.log_param('lr', 0.2)  # a parameter keeps its value
  for call in (lambda: client.log_metric(run.info.run_id, 'loss', 1.0),
               lambda: client.set_tag(run.info.run_id, 't', 'v'),
               lambda: client.log_param(run.info.run_id, 'p', 1),
               lambda: client.log_artifact(run.info.run_id, __file__)):
    with pytest.raises(errors.FailedPreconditionError,
                       match='run %s has ended' % run.info.run_id):
      call()
  assert mlmd.get_run(run.info.run_id).data.params == {'lr': '0.1'}
  with pytest.raises(errors.InvalidArgumentError, match='nowhere'):
    mlmd.log_artifact(str(fresh) + '/nowhere')  # no such file


def test_store_uri_resolution(tmp_path):
  env = {k: v for k, v in os.environ.items()
         if k not in ('MLMD_LIBRARY', 'MLMD_STORE')}
  env['PYTHONPATH'] = BINDINGS
  code = ('import mlmd\nwith mlmd.start_run() as r:\n  mlmd.set_tag("t", "1")\n'
          'print(mlmd.get_store_uri(), r.info.run_id)')
  r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  assert r.stdout.split() == ['sqlite:mlmd.db', '1']
  assert (tmp_path / 'mlmd.db').exists()
  env['MLMD_STORE'] = 'sqlite:%s' % (tmp_path / 'env.db')
  r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  assert (tmp_path / 'env.db').exists()
  code = 'import mlmd\nmlmd.set_store("nosuch:x")'
  r = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode != 0 and 'unknown scheme' in r.stderr


def test_files_inputs_outputs_and_reuse(fresh, tmp_path):
  data = tmp_path / 'train.csv'
  data.write_bytes(b'x,y\n1,2\n' * 1000)
  copy = tmp_path / 'copy.csv'
  copy.write_bytes(data.read_bytes())
  outdir = tmp_path / 'out'
  (outdir / 'sub').mkdir(parents=True)
  (outdir / 'a.bin').write_bytes(b'\x00' * 10)
  (outdir / 'sub' / 'b.bin').write_bytes(b'\x01' * 20)
  client = mlmd.MlflowClient()
  with mlmd.start_run() as run:
    mlmd.log_input(str(data))
    mlmd.log_artifacts(str(outdir))
  ins, _ = client.log_files(mlmd.start_run().info.run_id, inputs=[copy])
  mlmd.end_run()
  got = mlmd.get_run(run.info.run_id)
  assert [a.uri for a in got.inputs] == [str(data)]
  assert sorted(a.uri for a in got.outputs) == [str(outdir / 'a.bin'),
                                                str(outdir / 'sub' / 'b.bin')]
  assert ins == [got.inputs[0].id]  # the same bytes: the same artifact
  sizes = {a.uri: a.custom_properties['mlmd.size'].int_value
           for a in got.outputs}
  assert sizes[str(outdir / 'sub' / 'b.bin')] == 20


def test_capture(fresh):
  mlmd.set_capture_packages(['protobuf'])
  with mlmd.start_run(packages=['no-such-package-xyz'], seed=42) as run:
    pass
  cap = mlmd.get_run(run.info.run_id).capture
  assert cap.python_version == sys.version
  import google.protobuf  # pylint: disable=g-import-not-at-top
  assert dict(cap.packages) == {'protobuf': google.protobuf.__version__,
                                'no-such-package-xyz': '(not installed)'}
  assert cap.seed == 42
  store = metadata_store.MetadataStore(mlmd_config(fresh))
  [e] = store.get_executions_by_id([int(run.info.run_id)])
  p = e.custom_properties
  assert p['mlmd.package.protobuf'].string_value == google.protobuf.__version__
  assert p['mlmd.seed'].int_value == 42
  with pytest.raises(errors.InvalidArgumentError, match='seed'):
    mlmd.start_run(seed='7')
  assert mlmd.active_run() is None
  if _capture._collect is None:  # pylint: disable=protected-access
    pytest.skip('this libmlmd has no mlmd_capture_collect')
  os.environ['MLMD_PY_TEST_VAR'] = 'seen'
  try:
    with mlmd.start_run(env=['MLMD_PY_TEST_VAR']) as run:
      pass
  finally:
    del os.environ['MLMD_PY_TEST_VAR']
  cap = mlmd.get_run(run.info.run_id).capture
  assert cap.cwd == os.getcwd()
  assert cap.env['MLMD_PY_TEST_VAR'] == 'seen'
  assert cap.library_version


def test_log_batch_and_order(fresh):
  client = mlmd.MlflowClient()
  with mlmd.start_run() as run:
    rid = run.info.run_id
    client.log_batch(rid, metrics=[mlmd.Metric('x', float(i), 1000 + i, i)
                                   for i in range(999, -1, -1)],
                     params=[mlmd.Param('p', 3)], tags=[mlmd.RunTag('t', 'u')])
  hist = client.get_metric_history(rid, 'x')
  assert [m.step for m in hist] == list(range(1000))
  assert [m.timestamp for m in hist] == [1000 + i for i in range(1000)]
  got = client.get_run(rid)
  assert got.data.metrics == {'x': 999.0}
  assert got.data.params == {'p': '3'} and got.data.tags == {'t': 'u'}


def test_search_runs_order_and_limits(fresh):
  mlmd.set_experiment('grid')
  ids = []
  for i in range(5):
    with mlmd.start_run(run_name='g%d' % i) as run:
      mlmd.log_metric('score', float(i % 3))
      mlmd.log_param('i', i)
    ids.append(run.info.run_id)
  with mlmd.start_run(experiment_name='other') as run:
    mlmd.log_metric('score', 9.0)
  assert [r.info.run_id for r in mlmd.search_runs()] == ids[::-1]
  desc = mlmd.search_runs(order_by=['metrics.score DESC'], max_results=2)
  assert [r.data.metrics['score'] for r in desc] == [2.0, 1.0]
  assert len(mlmd.search_runs(search_all_experiments=True)) == 6
  assert [r.info.run_id for r in mlmd.search_runs(
      filter_string="params.i = '3'")] == [ids[3]]
  finished = mlmd.search_runs(
      filter_string="attributes.status = 'FINISHED' and metrics.score >= 2")
  assert {r.info.run_id for r in finished} == {ids[2]}
  exp = mlmd.get_experiment_by_name('other')
  assert [r.info.run_id for r in mlmd.search_runs(
      experiment_ids=[exp.experiment_id])] == [run.info.run_id]
  with pytest.raises(errors.InvalidArgumentError):
    mlmd.search_runs(output_format='pandas')


def test_log_metric_series(fresh):
  client = mlmd.MlflowClient()
  with mlmd.start_run() as run:
    rid = run.info.run_id
    n = client.log_metric_series(rid, 'acc', [0.1, 0.5, float('nan'), 0.9],
                                 steps=[3, 1, 2, 0],
                                 timestamps=[10, 20, 30, 40])
    assert n == 4
    assert client.log_metric_series(rid, 'lr', [1, 2]) == 2
    with pytest.raises(errors.InvalidArgumentError, match='2 values but 1'):
      client.log_metric_series(rid, 'lr', [1, 2], steps=[1])
    with pytest.raises(errors.InvalidArgumentError, match='not a number'):
      client.log_metric_series(rid, 'lr', [1, 'two'])
  hist = client.get_metric_history(rid, 'acc')
  assert [(m.step, m.timestamp) for m in hist] == [(0, 40), (1, 20), (2, 30),
                                                   (3, 10)]
  assert math.isnan(hist[2].value) and hist[0].value == 0.9
  assert mlmd.get_run(rid).data.metrics['acc'] == 0.1  # step 3 is the latest
  lr = client.get_metric_history(rid, 'lr')
  assert [(m.step, m.value) for m in lr] == [(0, 1.0), (0, 2.0)]
  assert lr[0].timestamp == lr[1].timestamp > 0


def test_a_run_left_active_ends_finished_at_exit(fresh, tmp_path):
  code = ('import mlmd\nr = mlmd.start_run()\nmlmd.log_metric("m", 2.0)\n'
          'print(r.info.run_id)')
  [[rid]] = run_script(code, tmp_path, fresh)
  run = mlmd.get_run(rid)
  assert run.info.status == 'FINISHED' and run.data.metrics == {'m': 2.0}

"""The tracking commands of the `mlmd` tool end to end: runs ls, runs show,
runs diff and metrics, on a real SQLite store whose runs are recorded here
through the library's tracking RPCs (StartRun, Log, LogFiles, EndRun) called
with mlmd_store_call, as any client would. Checks the text and --json
output, the CSV, the SVG chart (well-formed XML, one polyline per unbroken
stretch of each series), errors and exit statuses, and every --help.
"""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ml_metadata import _native
from ml_metadata.proto import metadata_store_pb2
from cli_run import CLI, mlmd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
SVG = '{http://www.w3.org/2000/svg}'
RUNNING, COMPLETE, FAILED = 2, 3, 4


@pytest.fixture(scope='module')
def pb():
  """The tracking messages, as the mlmd package generates them (the same descriptors every
  other test of this process uses)."""
  from mlmd.proto import mlmd_tracking_pb2
  return mlmd_tracking_pb2


class Tracker:
  """StartRun/Log/LogFiles/EndRun through mlmd_store_call on a file store."""

  def __init__(self, pb, path):
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    self.pb = pb
    self.handle, code, message = _native.open_store(config.SerializeToString())
    assert code == 0, message

  def call(self, method, request, response_type):
    data, code, message = _native.call(self.handle, method.encode(), request.SerializeToString())
    assert code == 0, (method, message)
    response = response_type()
    response.ParseFromString(data)
    return response

  def start(self, experiment, name, params, tags=None, argv=None):
    rq = self.pb.StartRunRequest(experiment_name=experiment, run_name=name)
    for k, v in params.items():
      p = rq.params.add(key=k)
      if isinstance(v, int):
        p.value.int_value = v
      elif isinstance(v, float):
        p.value.double_value = v
      else:
        p.value.string_value = v
    for k, v in (tags or {}).items():
      rq.tags.add(key=k, value=v)
    if argv:
      rq.capture.argv.extend(argv)
      rq.capture.cwd = '/work/train'
      rq.capture.seed = 7
    return self.call('StartRun', rq, self.pb.StartRunResponse).run_id

  def log(self, run, key, values, steps=None):
    rq = self.pb.LogRequest(run_id=run)
    rq.metrics.add(key=key, values=values, steps=steps if steps is not None else list(range(len(values))))
    self.call('Log', rq, self.pb.LogResponse)

  def log_input(self, run, uri, sha, size):
    rq = self.pb.LogFilesRequest(run_id=run)
    rq.inputs.add(uri=uri, sha256=sha, size=size)
    self.call('LogFiles', rq, self.pb.LogFilesResponse)

  def end(self, run, status):
    self.call('EndRun', self.pb.EndRunRequest(run_id=run, status=status), self.pb.EndRunResponse)

  def close(self):
    _native.free_store(self.handle)


LOSS1 = [1.0, 0.8, 0.6, 0.5, 0.45, float('nan'), 0.35, 0.3, 0.25, 0.2]
LOSS2 = [0.9, 0.6, 0.4, 0.3, 0.2, 0.15, 0.12, 0.1]
SHA = 'ab' * 32


@pytest.fixture(scope='module')
def runs(pb, tmp_path_factory):
  """Three runs: two in experiment 'vision' (one COMPLETE, one FAILED) and one still RUNNING in 'nlp'."""
  db = tmp_path_factory.mktemp('runs') / 'runs.db'
  t = Tracker(pb, db)
  a = t.start('vision', 'baseline', {'lr': '0.1', 'epochs': 10, 'dropout': 0.5}, {'team': 'x'},
              argv=['train.py', '--lr', '0.1'])
  t.log(a, 'loss', LOSS1)
  t.log(a, 'accuracy', [0.5 + i / 20 for i in range(10)])
  t.log_input(a, 'file:///data/train.csv', SHA, 1234)
  t.end(a, COMPLETE)
  b = t.start('vision', 'tuned', {'lr': '0.01', 'epochs': 10, 'dropout': 0.25}, {'team': 'y'})
  t.log(b, 'loss', LOSS2)
  t.log(b, 'accuracy', [0.6 + i / 20 for i in range(8)])
  t.end(b, FAILED)
  c = t.start('nlp', 'bert <&> "big"', {'lr': '0.5'})
  t.log(c, 'loss', [float('inf')], [0])
  t.close()
  return f'sqlite:{db}', {'a': a, 'b': b, 'c': c}


# ---- runs ls ------------------------------------------------------------------------------------------


def test_runs_ls_text_has_params_and_latest_metrics_as_columns(runs):
  store, ids = runs
  lines = mlmd('--store', store, 'runs', 'ls').stdout.splitlines()
  head = lines[0].split()
  assert head == ['RUN', 'NAME', 'STATUS', 'EXPERIMENT', 'START', 'params.dropout', 'params.epochs', 'params.lr',
                  'metrics.accuracy', 'metrics.loss']
  assert len(lines) == 4
  # newest first; columns aligned (every row's START column begins where the header's does)
  assert [int(l.split()[0]) for l in lines[1:]] == [ids['c'], ids['b'], ids['a']]
  col = lines[0].index('START')
  assert all(re.match(r'\d{4}-\d\d-\d\dT', l[col:]) for l in lines[1:])
  rows = {int(l.split()[0]): l for l in lines[1:]}
  assert rows[ids['a']].split()[1:4] == ['baseline', 'COMPLETE', 'vision']
  assert rows[ids['a']].split()[5:] == ['0.5', '10', '0.1', '0.95', '0.2']
  assert rows[ids['b']].split()[2] == 'FAILED'
  assert rows[ids['c']].split()[-5:] == ['-', '-', '0.5', '-', 'inf']


def test_runs_ls_json_filter_order_experiment_limit(runs):
  store, ids = runs
  out = json.loads(mlmd('--store', store, 'runs', 'ls', '--json').stdout)
  assert [r['run_id'] for r in out] == [ids['c'], ids['b'], ids['a']]
  keys = {'run_id', 'run_name', 'run_type', 'experiment_id', 'experiment_name', 'status', 'start_time', 'end_time',
          'params', 'tags', 'metrics'}
  assert all(set(r) == keys for r in out)
  a = out[2]
  assert a['run_type'] == 'mlmd.Run' and a['status'] == 'COMPLETE' and a['experiment_name'] == 'vision'
  assert a['params'] == {'dropout': 0.5, 'epochs': 10, 'lr': '0.1'}
  assert a['tags'] == {'team': 'x'}
  assert a['metrics']['loss']['value'] == 0.2 and a['metrics']['loss']['step'] == 9
  assert isinstance(a['metrics']['loss']['timestamp'], int)
  assert a['end_time'] >= a['start_time'] > 1e12
  c = out[0]
  assert c['end_time'] is None and c['status'] == 'RUNNING'
  assert c['metrics']['loss']['value'] is None  # inf: JSON has none
  assert c['run_name'] == 'bert <&> "big"'
  # --experiment, --filter (MLflow syntax), --order-by, --json given before the command
  vision = json.loads(mlmd('--store', store, '--json', 'runs', 'ls', '--experiment', 'vision').stdout)
  assert sorted(r['run_id'] for r in vision) == sorted([ids['a'], ids['b']])
  low = json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--filter', 'metrics.loss < 0.15').stdout)
  assert [r['run_id'] for r in low] == [ids['b']]
  by_param = json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--filter',
                             "params.lr = '0.1' and tags.team = 'x'").stdout)
  assert [r['run_id'] for r in by_param] == [ids['a']]
  ordered = json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--experiment', 'vision',
                            '--order-by', 'metrics.loss ASC').stdout)
  assert [r['run_id'] for r in ordered] == [ids['b'], ids['a']]
  two = json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--order-by',
                        'params.lr DESC, attributes.start_time ASC').stdout)
  assert [r['params']['lr'] for r in two] == ['0.5', '0.1', '0.01']
  # --limit cuts the listing and says so on stderr; --all lists every run
  res = mlmd('--store', store, 'runs', 'ls', '--json', '--limit', '1')
  assert len(json.loads(res.stdout)) == 1 and 'showing the first 1 runs; more match' in res.stderr
  assert len(json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--all').stdout)) == 3
  # nothing matches: an empty array, and no text
  assert json.loads(mlmd('--store', store, 'runs', 'ls', '--json', '--filter', 'metrics.loss < -1').stdout) == []
  assert mlmd('--store', store, 'runs', 'ls', '--filter', 'metrics.loss < -1').stdout == ''


def test_runs_ls_bad_filter_fails_naming_it(runs):
  store, _ = runs
  res = mlmd('--store', store, 'runs', 'ls', '--filter', 'metrics.loss <<< 1', check=False)
  assert res.returncode == 1 and res.stdout == '' and res.stderr.startswith('mlmd: runs ls: ')


# ---- runs show ----------------------------------------------------------------------------------------


def test_runs_show_text_and_json(runs):
  store, ids = runs
  text = mlmd('--store', store, 'runs', 'show', str(ids['a'])).stdout
  assert text.startswith(f"run {ids['a']}  baseline\n")
  assert re.search(r'^  status +COMPLETE$', text, re.M)
  assert re.search(r'^  experiment +vision \(context \d+\)$', text, re.M)
  assert re.search(r'^  lr +0\.1$', text, re.M) and re.search(r'^  epochs +10$', text, re.M)
  assert re.search(r'^  team +x$', text, re.M)
  assert re.search(r'^  loss +0\.2  \(step 9, \d{4}-', text, re.M)
  assert re.search(r'^  \d+  file:///data/train\.csv  sha256:' + SHA + '  1234 bytes$', text, re.M)
  assert '["train.py","--lr","0.1"]' in text and re.search(r'^  seed +7$', text, re.M)
  full = json.loads(mlmd('--store', store, 'runs', 'show', str(ids['a']), '--json').stdout)
  assert set(full) == {'run_id', 'run_name', 'run_type', 'experiment_id', 'experiment_name', 'status', 'start_time',
                       'end_time', 'params', 'tags', 'metrics', 'inputs', 'outputs', 'capture', 'fingerprint'}
  assert full['inputs'][0]['uri'] == 'file:///data/train.csv'
  assert full['inputs'][0]['sha256'] == SHA and full['inputs'][0]['size'] == 1234
  assert full['outputs'] == []
  assert full['capture']['argv'] == ['train.py', '--lr', '0.1'] and full['capture']['seed'] == 7
  assert full['capture']['cwd'] == '/work/train'
  assert re.fullmatch('[0-9a-f]{64}', full['fingerprint'])
  # the same run as ls shows it
  listed = [r for r in json.loads(mlmd('--store', store, 'runs', 'ls', '--json').stdout) if r['run_id'] == ids['a']][0]
  assert {k: full[k] for k in listed} == listed
  running = json.loads(mlmd('--store', store, '--json', 'runs', 'show', str(ids['c'])).stdout)
  assert running['end_time'] is None and running['fingerprint'] is None and running['status'] == 'RUNNING'


def test_unknown_and_malformed_runs(runs):
  store, ids = runs
  res = mlmd('--store', store, 'runs', 'show', '999999', check=False)
  assert res.returncode == 1 and res.stdout == '' and 'no run 999999' in res.stderr
  for bad in ('abc', '-3', '0', '1.5', '99999999999999999999'):
    res = mlmd('--store', store, 'runs', 'show', '--', bad, check=False)
    assert res.returncode == 2 and f"not '{bad}'" in res.stderr, (bad, res.stderr)
  res = mlmd('--store', store, 'runs', 'diff', str(ids['a']), '424242', check=False)
  assert res.returncode == 1 and 'no run 424242' in res.stderr and res.stdout == ''
  res = mlmd('--store', store, 'metrics', '424242', 'loss', check=False)
  assert res.returncode == 1 and 'no run 424242' in res.stderr
  res = mlmd('--store', store, 'runs', 'show', check=False)
  assert res.returncode == 2 and 'expected RUN' in res.stderr
  res = mlmd('--store', store, 'runs', 'sho', '1', check=False)
  assert res.returncode == 2 and 'did you mean runs show?' in res.stderr
  res = mlmd('--store', store, 'runs', check=False)
  assert res.returncode == 2
  # a store that does not exist is a failure, not a new empty store
  res = mlmd('--store', 'sqlite:/nonexistent/dir/x.db', 'runs', 'ls', check=False)
  assert res.returncode == 1 and not os.path.exists('/nonexistent/dir/x.db')


# ---- runs diff ----------------------------------------------------------------------------------------


def test_runs_diff_marks_differences(runs):
  store, ids = runs
  text = mlmd('--store', store, 'runs', 'diff', str(ids['a']), str(ids['b'])).stdout
  rows = {l[2:].split()[0]: (l[0], l[2:].split()[1:]) for l in text.splitlines()[1:]}
  assert text.splitlines()[0].split() == [str(ids['a']), str(ids['b'])]
  assert rows['run_name'] == ('*', ['baseline', 'tuned'])
  assert rows['experiment'] == (' ', ['vision', 'vision'])
  assert rows['status'] == ('*', ['COMPLETE', 'FAILED'])
  assert rows['params.lr'] == ('*', ['0.1', '0.01'])
  assert rows['params.epochs'] == (' ', ['10', '10'])
  assert rows['tags.team'] == ('*', ['x', 'y'])
  assert rows['metrics.loss'] == ('*', ['0.2', '0.1'])
  # a key only one run has shows - for the other
  ac = mlmd('--store', store, 'runs', 'diff', str(ids['a']), str(ids['c'])).stdout
  acc = [l for l in ac.splitlines() if 'metrics.accuracy' in l][0]
  assert acc.startswith('*') and acc.split()[-1] == '-'
  only = mlmd('--store', store, 'runs', 'diff', str(ids['a']), str(ids['b']), '--only-differences').stdout
  assert 'params.epochs' not in only and 'params.lr' in only
  j = json.loads(mlmd('--store', store, 'runs', 'diff', str(ids['a']), str(ids['c']), '--json').stdout)
  assert j['run_ids'] == [ids['a'], ids['c']]
  by_key = {r['key']: r for r in j['rows']}
  assert all(set(r) == {'key', 'values', 'differ'} for r in j['rows'])
  assert by_key['params.lr'] == {'key': 'params.lr', 'values': ['0.1', '0.5'], 'differ': True}
  assert by_key['params.epochs']['values'] == [10, None]
  assert by_key['metrics.loss']['values'] == [0.2, None]  # inf: null in JSON
  # a run against itself: nothing differs
  same = json.loads(mlmd('--store', store, 'runs', 'diff', str(ids['a']), str(ids['a']), '--json').stdout)
  assert not any(r['differ'] for r in same['rows'])


# ---- metrics ------------------------------------------------------------------------------------------


def test_metrics_csv_and_json(runs):
  store, ids = runs
  csv = mlmd('--store', store, 'metrics', str(ids['a']), 'loss').stdout.splitlines()
  assert csv[0] == 'run_id,key,step,timestamp,value'
  assert len(csv) == 11
  cells = [l.split(',') for l in csv[1:]]
  assert [int(c[2]) for c in cells] == list(range(10))
  assert [c[4] for c in cells][:3] == ['1', '0.8', '0.6'] and cells[5][4] == 'nan'
  assert all(c[0] == str(ids['a']) and c[1] == 'loss' for c in cells)
  j = json.loads(mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--format', 'json').stdout)
  assert len(j) == 1 and set(j[0]) == {'run_id', 'key', 'points'}
  pts = j[0]['points']
  assert [p['value'] for p in pts][:5] == LOSS1[:5] and pts[5]['value'] is None
  assert all(set(p) == {'step', 'timestamp', 'value'} for p in pts)
  assert json.loads(mlmd('--store', store, '--json', 'metrics', str(ids['a']), 'loss').stdout) == j
  # several runs and keys: runs in the order given, then keys
  both = json.loads(mlmd('--store', store, 'metrics', f"{ids['b']},{ids['a']}", 'loss,accuracy', '--json').stdout)
  assert [(s['run_id'], s['key'], len(s['points'])) for s in both] == [
      (ids['b'], 'loss', 8), (ids['b'], 'accuracy', 8), (ids['a'], 'loss', 10), (ids['a'], 'accuracy', 10)]
  inf = mlmd('--store', store, 'metrics', str(ids['c']), 'loss').stdout.splitlines()
  assert inf[1].endswith(',inf')


def _svg(text):
  root = ET.fromstring(text)
  assert root.tag == SVG + 'svg'
  return root


def test_metrics_svg_is_a_chart(runs, tmp_path):
  store, ids = runs
  path = tmp_path / 'loss.svg'
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--svg', str(path))
  assert res.stdout == f'wrote {path}: 1 series, 10 points\n'
  root = _svg(path.read_text())
  lines = root.findall(f'.//{SVG}polyline')
  # the NaN at step 5 is a gap: steps 0-4 and 6-9
  assert [len(l.get('points').split()) for l in lines] == [5, 4]
  texts = {t.get('class'): t.text for t in root.iter(SVG + 'text') if t.get('class') in ('title', 'xtitle', 'ytitle')}
  assert texts == {'title': f"run {ids['a']} baseline", 'xtitle': 'step', 'ytitle': 'loss'}
  xticks = [t.text for t in root.iter(SVG + 'text') if t.get('class') == 'xtick']
  assert xticks[0] == '0' and xticks[-1] == '10'
  assert root.find(f".//{SVG}g[@class='legend']") is None
  # two runs, two keys: four series overlaid, a legend naming each, the rows on stdout too when asked
  path2 = tmp_path / 'both.svg'
  res = mlmd('--store', store, 'metrics', f"{ids['a']},{ids['b']}", 'loss,accuracy', '--svg', str(path2),
             '--format', 'csv')
  assert len(res.stdout.splitlines()) == 1 + 10 + 10 + 8 + 8
  root = _svg(path2.read_text())
  assert len(root.findall(f".//{SVG}g[@class='series']")) == 4
  assert len(root.findall(f'.//{SVG}polyline')) == 5  # run a's loss has its gap
  legend = [t.text for t in root.find(f".//{SVG}g[@class='legend']").iter(SVG + 'text')]
  assert legend == [f"run {ids['a']} baseline: loss", f"run {ids['a']} baseline: accuracy",
                    f"run {ids['b']} tuned: loss", f"run {ids['b']} tuned: accuracy"]
  colours = {l.get('stroke') for l in root.findall(f'.//{SVG}polyline')}
  assert len(colours) == 4
  # --svg - writes the chart on stdout; names are escaped; --width/--height
  out = mlmd('--store', store, 'metrics', str(ids['c']), 'loss', '--svg', '-', '--width', '400',
             '--height', '300').stdout
  root = _svg(out)
  assert root.get('width') == '400.00' and root.get('height') == '300.00'
  assert root.find(f"{SVG}text[@class='title']").text == f"run {ids['c']} bert <&> \"big\""
  assert root.findall(f'.//{SVG}polyline') == [] and root.findall(f'.//{SVG}circle') == []  # inf only: nothing drawn


def test_metrics_errors(runs, tmp_path):
  store, ids = runs
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'los', check=False)
  assert res.returncode == 1 and f"run {ids['a']} has no metric 'los' (its metrics: accuracy, loss)" in res.stderr
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--format', 'xml', check=False)
  assert res.returncode == 2 and 'csv|json' in res.stderr
  res = mlmd('--store', store, 'metrics', str(ids['a']), check=False)
  assert res.returncode == 2 and 'expected RUN[,RUN...] KEY[,KEY...]' in res.stderr
  res = mlmd('--store', store, 'metrics', f"{ids['a']},x", 'loss', check=False)
  assert res.returncode == 2 and "not 'x'" in res.stderr
  res = mlmd('--store', store, 'metrics', ','.join(['1'] * 65), 'loss', check=False)
  assert res.returncode == 2 and 'at most 64' in res.stderr
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--svg', '-', '--json', check=False)
  assert res.returncode == 2
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--svg', str(tmp_path / 'no' / 'x.svg'),
             check=False)
  assert res.returncode == 1 and 'cannot write' in res.stderr
  res = mlmd('--store', store, 'metrics', str(ids['a']), 'loss', '--width', '5', check=False)
  assert res.returncode == 2 and '--width' in res.stderr


# ---- help ---------------------------------------------------------------------------------------------


def _help_options(text):
  """(option, [choices] or None, takes_value) for each option line of a --help."""
  opts = []
  for line in text.splitlines():
    m = re.match(r'^  (--[a-z-]+)(?: (\S+))?', line)
    if m and m.group(1) not in ('--help', '--store'):
      arg = m.group(2)
      choices = arg.split('|') if arg and not arg.isupper() else None
      opts.append((m.group(1), choices, arg is not None))
  return opts


def test_help_of_each_command_matches_its_behaviour(runs, tmp_path):
  store, ids = runs
  a, b = str(ids['a']), str(ids['b'])
  commands = {('runs', 'ls'): [], ('runs', 'show'): [a], ('runs', 'diff'): [a, b], ('metrics',): [a, 'loss']}
  values = {'--experiment': 'vision', '--filter': 'metrics.loss < 1', '--order-by': 'metrics.loss ASC',
            '--limit': '2', '--svg': str(tmp_path / 'h.svg'), '--width': '300', '--height': '200', '--actor': 'tester'}
  for cmd, args in commands.items():
    text = mlmd(*cmd, '--help').stdout
    assert text.startswith('usage: mlmd [--store URI] ' + ' '.join(cmd))
    assert 'Exit status: 0 success, 1 failure, 2 bad usage.' in text
    assert mlmd('help', cmd[0]).returncode == 0
    opts = _help_options(text)
    assert opts, cmd
    for opt, choices, takes in opts:
      for value in choices or ([values[opt]] if takes else [None]):
        res = mlmd('--store', store, *cmd, *args, opt, *([value] if value else []), check=False)
        assert res.returncode == 0, (cmd, opt, value, res.stderr)
  group = mlmd('runs', '--help').stdout
  assert 'runs ls' in group and 'runs show RUN' in group and 'runs diff RUN RUN' in group
  assert mlmd('help', 'runs').stdout == group
  main = mlmd('--help').stdout
  for line in ('runs ls', 'runs show', 'runs diff', 'metrics'):
    assert re.search(r'^  ' + line + ' ', main, re.M), line
  assert 'RUN[,RUN...] KEY[,KEY...]' in mlmd('metrics', '--help').stdout

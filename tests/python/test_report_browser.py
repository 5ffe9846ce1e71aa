"""`mlmd report` in a real browser: the demo pipeline's store (with
--govern) written as one HTML page, loaded from disk in Debian's headless
Chromium. The page's script marks <body data-status="ready"> when it has
run and records script errors into the page (data-errors); Chromium's
--dump-dom gives the DOM after its scripts ran (--virtual-time-budget lets
them finish without waiting on the clock). Checks: no script error, the
graph holds the model's lineage (the nodes `mlmd lineage --both` names), a
#node=ID fragment opens that node's properties in the side panel, a hostile
artifact name neither runs nor breaks the page, and a screenshot is kept
under $MLMD_TEST_TMP (its path printed).
"""

import html.parser
import json
import os
import shutil
import subprocess

import pytest

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
CHROMIUM = '/usr/bin/chromium'

needs_chromium = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                    reason='Debian chromium is not installed (/usr/bin/chromium); scripts/deps.sh lists it')


def mlmd(*args):
  res = subprocess.run([CLI, *args], capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  return res.stdout


def chromium(tmp, *args):
  """Runs headless Chromium with a private profile and returns stdout."""
  home = tmp / 'chromium-home'
  for d in ('', 'config', 'cache'):
    (home / d).mkdir(parents=True, exist_ok=True)
  env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / 'config'), XDG_CACHE_HOME=str(home / 'cache'))
  cmd = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions',
         '--user-data-dir=' + str(home / 'profile'), '--virtual-time-budget=10000', *args]
  res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
  assert res.returncode == 0, res.stderr[-2000:]
  return res.stdout


class Dom(html.parser.HTMLParser):
  """The parts of a dumped DOM the checks read."""

  def __init__(self):
    super().__init__()
    self.body = {}
    self.nodes = {}        # data-node -> the node's <title> text
    self.panel = None      # the side panel's attributes
    self.panel_text = []
    self.errors_div = None
    self._stack = []       # open elements: (tag, role)

  def handle_starttag(self, tag, attrs):
    a = dict(attrs)
    role = None
    if tag == 'body':
      self.body = a
    if tag == 'g' and 'node' in (a.get('class') or '').split() and a.get('data-node'):
      role = ('node', a['data-node'])
      self.nodes[a['data-node']] = ''
    if tag == 'aside' and a.get('id') == 'panel':
      role = ('panel', None)
      self.panel = a
    if tag == 'div' and a.get('id') == 'script-errors':
      self.errors_div = a
    if tag not in ('meta', 'br', 'img', 'input', 'link', 'path', 'rect', 'circle', 'polyline', 'line'):
      self._stack.append((tag, role))

  def handle_endtag(self, tag):
    while self._stack:
      t, _ = self._stack.pop()
      if t == tag:
        break

  def _in(self, kind):
    for t, role in reversed(self._stack):
      if role and role[0] == kind:
        return role
    return None

  def handle_data(self, data):
    node = self._in('node')
    if node and self._stack and self._stack[-1][0] == 'title':
      self.nodes[node[1]] += data
    if self._in('panel'):
      self.panel_text.append(data)


def load(tmp, page, fragment=''):
  dom = Dom()
  dom.feed(chromium(tmp, '--dump-dom', page.as_uri() + fragment))
  return dom


def assert_ran_clean(dom):
  assert dom.body.get('data-status') == 'ready', f'the page script did not finish: body {dom.body}'
  assert 'data-errors' not in dom.body, f'script errors: {dom.body}'
  assert dom.errors_div is not None and 'hidden' in dom.errors_div


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
  d = tmp_path_factory.mktemp('report')
  db = d / 'demo.db'
  res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(d), '--govern'],
                       capture_output=True, text=True)
  assert res.returncode == 0, res.stderr
  page = d / 'report.html'
  out = mlmd('--store', f'sqlite:{db}', 'report', '--output', str(page), '--title', 'iris demo')
  assert out.startswith('wrote ')
  return d, f'sqlite:{db}', page


@needs_chromium
def test_page_renders_with_the_models_lineage(demo):
  d, store, page = demo
  text = page.read_text(encoding='utf-8')
  assert 'http://' not in text.replace('http://www.w3.org/2000/svg', '')  # nothing to fetch
  dom = load(d, page)
  assert_ran_clean(dom)
  # the oracle: the same walk as `mlmd lineage --both` of the newest model
  models = json.loads(mlmd('--store', store, 'ls', 'artifacts', '--type', 'Model', '--json'))
  model = max(models, key=lambda m: (m['create_time_since_epoch'], m['id']))
  lineage = json.loads(mlmd('--store', store, 'lineage', 'artifact', str(model['id']), '--both', '--json'))
  want = {('a' if n['kind'] == 'artifact' else 'e') + str(n['id']): n for n in lineage['nodes']}
  assert set(dom.nodes) == set(want)
  assert len(dom.nodes) == 10  # DataSet, Trainer, Model, Evaluator, Profiling, DataProfile, 2 x (serving, window)
  assert dom.body.get('data-nodes') == '10'
  for key, n in want.items():
    title = dom.nodes[key]
    assert title.startswith(n['type']), (key, title)
    if n['name']:
      assert f"'{n['name']}'" in title, (key, title)
  types = sorted(n['type'] for n in want.values())
  assert types == sorted(['DataSet', 'Trainer', 'Model', 'Evaluator', 'mlmd.Profiling', 'mlmd.DataProfile',
                          'ModelServing', 'ModelServing', 'mlmd.DriftWindow', 'mlmd.DriftWindow'])
  # the deployment was labelled DRIFTED by the demo: the label reaches the model
  assert 'DRIFTED' in dom.nodes['a%d' % model['id']]
  # with no fragment the panel shows the centre, the model
  assert dom.panel.get('data-shown') == 'a%d' % model['id']


@needs_chromium
def test_fragment_opens_a_nodes_properties(demo):
  d, store, page = demo
  trainers = json.loads(mlmd('--store', store, 'ls', 'executions', '--type', 'Trainer', '--json'))
  key = 'e%d' % trainers[0]['id']
  dom = load(d, page, '#node=' + key)
  assert_ran_clean(dom)
  assert dom.panel.get('data-shown') == key
  panel = ''.join(dom.panel_text)
  assert f"Trainer '{trainers[0]['name']}' #{trainers[0]['id']}" in panel
  assert 'COMPLETE' in panel and 'Inputs' in panel and 'Outputs' in panel
  # a node outside the graph: said so, no script error
  dom = load(d, page, '#node=a987654')
  assert_ran_clean(dom)
  assert 'is not in this graph' in ''.join(dom.panel_text)


@needs_chromium
def test_hostile_name_neither_runs_nor_breaks_the_page(tmp_path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(tmp_path / 'evil.db')
  s = metadata_store.MetadataStore(config)
  t = metadata_store_pb2.ArtifactType(name='Model')
  tid = s.put_artifact_type(t)
  evil = "</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"><script>x</script>'\""
  a = metadata_store_pb2.Artifact(type_id=tid, name=evil, uri='javascript:alert(1)')
  a.custom_properties['note'].string_value = '</script><script>document.title="pwned"</script>'
  [aid] = s.put_artifacts([a])
  del s
  page = tmp_path / 'evil.html'
  mlmd('--store', f'sqlite:{tmp_path / "evil.db"}', 'report', '--output', str(page))
  dom = load(tmp_path, page, f'#node=a{aid}')
  assert_ran_clean(dom)
  assert 'data-pwned' not in dom.body
  assert list(dom.nodes) == [f'a{aid}']
  assert evil in dom.nodes[f'a{aid}']            # shown as text, whole
  panel = ''.join(dom.panel_text)
  assert evil in panel and '</script><script>document.title="pwned"</script>' in panel


@needs_chromium
def test_screenshot_is_kept(demo, capsys):
  d, _, page = demo
  out_dir = os.environ.get('MLMD_TEST_TMP') or str(d)
  os.makedirs(out_dir, exist_ok=True)
  shot = os.path.join(os.path.abspath(out_dir), 'report-screenshot.png')
  if os.path.exists(shot):
    os.unlink(shot)
  chromium(d, '--hide-scrollbars', '--window-size=1280,900', '--screenshot=' + shot, page.as_uri())
  with open(shot, 'rb') as f:
    head = f.read(24)
  assert head[:8] == b'\x89PNG\r\n\x1a\n'
  width, height = int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')
  assert (width, height) == (1280, 900)
  assert os.path.getsize(shot) > 20000  # a picture, not a blank page
  with capsys.disabled():  # shown in the test run's output: a test artifact
    print(f'\nreport screenshot: {shot}')


def test_cli_errors_leave_the_output_alone(demo):
  d, store, _ = demo
  target = d / 'keep.html'
  target.write_text('old page')
  cases = [(['--artifact', '987654'], 1, 'artifact 987654 does not exist'),
           (['--run', '987654'], 1, 'no run or execution 987654'),
           (['--run', 'abc'], 2, "run 'abc' is not a run id"),
           (['--model', 'nope'], 1, "no registered model named 'nope'"),
           (['--model', 'iris', '--artifact', '1'], 2, 'at most one of'),
           (['--max-nodes', '0'], 2, '--max-nodes')]
  for args, code, msg in cases:
    res = subprocess.run([CLI, '--store', store, 'report', '--output', str(target), *args], capture_output=True,
                         text=True)
    assert res.returncode == code, (args, res.stderr)
    assert msg in res.stderr, (args, res.stderr)
    assert target.read_text() == 'old page'
  assert sorted(p.name for p in d.iterdir() if p.name.startswith('keep.html')) == ['keep.html']  # no temporary left
  # standard output by default, the same bytes as --output
  out = subprocess.run([CLI, '--store', store, 'report', '--title', 'iris demo'], capture_output=True)
  assert out.returncode == 0
  assert out.stdout == (d / 'report.html').read_bytes()

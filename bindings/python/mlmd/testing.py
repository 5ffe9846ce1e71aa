"""mlmd.testing: unit-testing ML pipelines (docs/testing.md).

Lineage fixtures from a compact notation (build), lineage assertions that
raise AssertionError showing expected against found (assert_upstream,
assert_downstream, assert_no_path, assert_produced_by, assert_graph_equals),
snapshots of a graph as stable text for golden files (snapshot,
assert_snapshot), and a pytest plugin (fixtures mlmd_store, mlmd_store_path,
mlmd_graph; option --mlmd-update-snapshots), registered through the
package's pytest11 entry point (named mlmd.testing, like the module, so
that `-p mlmd.testing` with the package installed is the same plugin) or
with `-p mlmd.testing`.

`store` is an ml_metadata MetadataStore, in process or a client of
`mlmd serve`: every function is one or a few RPCs of
mlmd.testing.TestingService (proto/mlmd_testing.proto), the implementation
the C API shares. A node argument is either a node read back from the
store (an Artifact, Execution or Context proto with its id, such as the
values build() returns) or a name: the MLMD name of exactly one artifact,
execution or context in the store (the notation names nodes by their MLMD
names), so names also find the nodes a pipeline under test wrote itself.
Errors raise ml_metadata.errors exceptions: a name no node has is
NotFoundError, a name several nodes share is InvalidArgumentError, bad
notation is InvalidArgumentError naming the line and column.
"""

import difflib
import os
import re

from ml_metadata import errors
from ml_metadata.metadata_store import metadata_store as _metadata_store
from ml_metadata.proto import metadata_store_pb2 as mpb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd.proto import mlmd_testing_pb2 as tpb

__all__ = ['build', 'assert_upstream', 'assert_downstream', 'assert_no_path',
           'assert_produced_by', 'assert_graph_equals', 'snapshot',
           'assert_snapshot', 'UPDATE_ENV']

# The environment variable that makes assert_snapshot write golden files.
UPDATE_ENV = 'MLMD_UPDATE_SNAPSHOTS'
_UPDATE_OPTION = '--mlmd-update-snapshots'

_KINDS = ((mpb.Artifact, tpb.ARTIFACT, 'artifact'),
          (mpb.Execution, tpb.EXECUTION, 'execution'),
          (mpb.Context, tpb.CONTEXT, 'context'))
_KIND_NAME = {tpb.ARTIFACT: 'artifact', tpb.EXECUTION: 'execution',
              tpb.CONTEXT: 'context'}
# Names a filter query can quote as they are; any other name is found by
# listing (slower, but never a wrongly quoted query).
_PLAIN_NAME = re.compile(r'[A-Za-z0-9_.\-/:@ ]+\Z')

# Set by the plugin while a pytest run with --mlmd-update-snapshots is
# configured (pytest_configure / pytest_unconfigure).
_update_by_option = False


def _check_store(store):
  if not callable(getattr(store, '_call', None)):
    raise TypeError('store must be an ml_metadata MetadataStore, got %s'
                    % type(store).__name__)


def _check_text(text, what):
  if not isinstance(text, str):
    raise TypeError('%s must be a str, got %s' % (what, type(text).__name__))


def build(store, text):
  """Builds the graph `text` describes (notation: docs/testing.md) in
  `store`, in one transaction (everything or, on an error, nothing).

  Returns a dict from each name of the text, in order of first mention, to
  the stored node read back: an ml_metadata Artifact, Execution or Context
  proto with its id. A node of the same type and name already in the
  store (from an earlier build, or written by other code) is reused; each
  text is parsed on its own, so its first mention there needs the type.
  Bad notation raises InvalidArgumentError ("BuildGraph: line L, column C:
  ..."), with nothing written."""
  _check_store(store)
  _check_text(text, 'text')
  r = store._call('BuildGraph', tpb.BuildGraphRequest(text=text),
                  tpb.BuildGraphResponse())
  by_kind = {}
  for kind, method, field in ((tpb.ARTIFACT, 'Artifacts', 'artifact'),
                              (tpb.EXECUTION, 'Executions', 'execution'),
                              (tpb.CONTEXT, 'Contexts', 'context')):
    ids = [n.id for n in r.nodes if n.kind == kind]
    if ids:
      request = getattr(svc, 'Get%sByIDRequest' % method)()
      getattr(request, field + '_ids').extend(ids)
      response = store._call('Get%sByID' % method, request,
                             getattr(svc, 'Get%sByIDResponse' % method)())
      by_kind[kind] = {n.id: n for n in getattr(response, field + 's')}
  graph = {}
  for n in r.nodes:
    node = by_kind.get(n.kind, {}).get(n.id)
    if node is None:
      raise errors.InternalError(
          'BuildGraph returned %s %d (%r), which cannot be read back'
          % (_KIND_NAME.get(n.kind, 'node'), n.id, n.name))
    graph[n.name] = node
  return graph


def _find_named(store, name):
  """Every artifact, execution and context whose MLMD name is `name`, as
  (kind, node) pairs."""
  found = []
  if _PLAIN_NAME.match(name):
    options = _metadata_store.ListOptions(filter_query="name = '%s'" % name)
  else:
    options = None
  for kind, listing in ((tpb.ARTIFACT, store.get_artifacts),
                        (tpb.EXECUTION, store.get_executions),
                        (tpb.CONTEXT, store.get_contexts)):
    found.extend((kind, n) for n in listing(list_options=options)
                 if n.name == name)
  return found


def _ref(store, node, what):
  """The NodeRef of `node` (a proto with an id, or a name)."""
  for cls, kind, noun in _KINDS:
    if isinstance(node, cls):
      if not node.HasField('id'):
        raise errors.InvalidArgumentError(
            '%s: the %s has no id (pass a node read back from the store, '
            'such as a value build() returned)' % (what, noun))
      return tpb.NodeRef(kind=kind, id=node.id)
  if isinstance(node, str):
    if not node:
      raise errors.InvalidArgumentError('%s: the node name is empty' % what)
    found = _find_named(store, node)
    if not found:
      raise errors.NotFoundError(
          "%s: no artifact, execution or context is named '%s'" % (what, node))
    if len(found) > 1:
      raise errors.InvalidArgumentError(
          "%s: the name '%s' is ambiguous: %s; pass the node itself"
          % (what, node, ', '.join('%s %d' % (_KIND_NAME[k], n.id)
                                   for k, n in found)))
    kind, n = found[0]
    return tpb.NodeRef(kind=kind, id=n.id)
  raise TypeError('%s must be a node name (str) or an ml_metadata Artifact, '
                  'Execution or Context, got %s' % (what, type(node).__name__))


def _refs(store, nodes, what):
  """NodeRefs of one node or of an iterable of nodes."""
  if isinstance(nodes, (str, mpb.Artifact, mpb.Execution, mpb.Context)):
    nodes = [nodes]
  try:
    nodes = list(nodes)
  except TypeError:
    raise TypeError('%s must be a node or a list of nodes, got %s'
                    % (what, type(nodes).__name__)) from None
  return [_ref(store, n, '%s[%d]' % (what, i)) for i, n in enumerate(nodes)]


def _hops(within):
  if within is None:
    return None
  if isinstance(within, bool) or not isinstance(within, int) or within < 1:
    raise errors.InvalidArgumentError(
        'within must be a positive number of hops or None (any distance), '
        'got %r' % (within,))
  if within > 2**31 - 1:
    raise errors.InvalidArgumentError(
        'within must be at most %d hops, got %d' % (2**31 - 1, within))
  return within


def _state(state):
  if state is None:
    return None
  if isinstance(state, str):
    if state not in mpb.Execution.State.keys():
      raise errors.InvalidArgumentError(
          'state must be one of %s, got %r'
          % (' '.join(mpb.Execution.State.keys()), state))
    return mpb.Execution.State.Value(state)
  if (isinstance(state, int) and not isinstance(state, bool) and
      state in mpb.Execution.State.values()):
    return state
  raise errors.InvalidArgumentError(
      'state must be an Execution.State (or its name: %s), got %r'
      % (' '.join(mpb.Execution.State.keys()), state))


def _check(store, request):
  """Runs CheckLineage; a failing check raises AssertionError with the
  RPC's text."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  r = store._call('CheckLineage', request, tpb.CheckLineageResponse())
  if not r.holds:
    raise AssertionError(r.failure)


def assert_upstream(store, node, contains, within=None):
  """Asserts that every node of `contains` (one node or a list) is upstream
  of `node`: reached from it against the edges' direction, within `within`
  hops when given (artifact -> execution is one hop). AssertionError shows
  what was expected and what was found."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  _check_store(store)
  req = tpb.CheckLineageRequest(
      check=tpb.CheckLineageRequest.UPSTREAM, node=_ref(store, node, 'node'),
      contains=_refs(store, contains, 'contains'))
  if _hops(within) is not None:
    req.within = within
  _check(store, req)


def assert_downstream(store, node, contains, within=None):
  """Asserts that every node of `contains` (one node or a list) is
  downstream of `node`, within `within` hops when given."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  _check_store(store)
  req = tpb.CheckLineageRequest(
      check=tpb.CheckLineageRequest.DOWNSTREAM,
      node=_ref(store, node, 'node'),
      contains=_refs(store, contains, 'contains'))
  if _hops(within) is not None:
    req.within = within
  _check(store, req)


def assert_no_path(store, a, b):
  """Asserts that no directed path leads from `a` to `b` (`a` is not
  upstream of `b`); the failure shows the path found."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  _check_store(store)
  _check(store, tpb.CheckLineageRequest(
      check=tpb.CheckLineageRequest.NO_PATH, node=_ref(store, a, 'a'),
      other=_ref(store, b, 'b')))


def assert_produced_by(store, artifact, execution_type, state=None):
  """Asserts that `artifact` is an OUTPUT of an execution of type
  `execution_type` (in `state` when given: an Execution.State or its name,
  such as 'COMPLETE')."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  _check_store(store)
  _check_text(execution_type, 'execution_type')
  req = tpb.CheckLineageRequest(
      check=tpb.CheckLineageRequest.PRODUCED_BY,
      node=_ref(store, artifact, 'artifact'), execution_type=execution_type)
  state = _state(state)
  if state is not None:
    req.state = state
  _check(store, req)


def assert_graph_equals(store, text):
  """Asserts that the store's graph is the one `text` (the notation)
  describes: nodes by name, their types, states, the properties the text
  gives, edges and contexts."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  _check_store(store)
  _check_text(text, 'text')
  _check(store, tpb.CheckLineageRequest(
      check=tpb.CheckLineageRequest.GRAPH_EQUALS, text=text))


def snapshot(store, roots=None, within=None):
  """The graph around `roots` (one node or a list; None: the whole store),
  `within` hops when given, as stable text: nodes by name, no ids, no
  times, sorted; the same graph always gives the same text."""
  _check_store(store)
  req = tpb.GetGraphSnapshotRequest()
  if roots is not None:
    req.roots.extend(_refs(store, roots, 'roots'))
  if _hops(within) is not None:
    req.within = within
  return store._call('GetGraphSnapshot', req,
                     tpb.GetGraphSnapshotResponse()).text


def _updating():
  value = os.environ.get(UPDATE_ENV, '')
  if value not in ('', '0', '1'):
    raise errors.InvalidArgumentError(
        '%s must be 1 (write golden files) or 0, got %r' % (UPDATE_ENV, value))
  return _update_by_option or value == '1'


def assert_snapshot(store, path, roots=None, within=None):
  """Asserts that snapshot(store, roots, within) is the text of the golden
  file `path` (UTF-8, compared byte for byte); the AssertionError holds a
  unified diff from the file to the store's graph. A missing file fails
  and says how to create it.

  Updating: under `pytest --mlmd-update-snapshots`, or with
  MLMD_UPDATE_SNAPSHOTS=1 in the environment, the file is written instead
  (its directory created), and the assertion holds."""
  __tracebackhide__ = True  # pylint: disable=unused-variable
  path = os.fspath(path)
  got = snapshot(store, roots=roots, within=within)
  how = ('pytest %s (or %s=1 in the environment)'
         % (_UPDATE_OPTION, UPDATE_ENV))
  if _updating():
    try:
      with open(path, 'rb') as f:
        if f.read() == got.encode('utf-8'):
          return
    except FileNotFoundError:
      pass
    directory = os.path.dirname(path)
    if directory:
      os.makedirs(directory, exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='') as f:
      f.write(got)
    return
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except FileNotFoundError:
    raise AssertionError(
        'golden file %s does not exist; write it from the store with %s, '
        'review it and commit it' % (path, how)) from None
  try:
    want = data.decode('utf-8')
  except UnicodeDecodeError as e:
    raise AssertionError('golden file %s is not UTF-8 (byte %d); rewrite it '
                         'with %s' % (path, e.start, how)) from None
  if want == got:
    return
  diff = ''.join(difflib.unified_diff(
      want.splitlines(True), got.splitlines(True), fromfile=path,
      tofile='store'))
  if not diff.endswith('\n'):
    diff += '\n'
  raise AssertionError('the store\'s graph differs from golden file %s '
                       '(- golden, + store; if the change is intended, '
                       'update it with %s):\n%s' % (path, how, diff))


# ---- the pytest plugin ------------------------------------------------------
# Loaded through the pytest11 entry point `mlmd` (setup.py) or with
# `pytest -p mlmd.testing`. pytest is imported only here, when the module
# is used as a plugin or its fixtures are defined: importing mlmd.testing
# outside pytest needs pytest installed only if the fixtures are used.

try:
  import pytest as _pytest
except ImportError:  # pragma: no cover - mlmd.testing without pytest
  _pytest = None


def pytest_addoption(parser):
  group = parser.getgroup('mlmd', 'mlmd lineage testing')
  group.addoption(_UPDATE_OPTION, action='store_true', default=False,
                  help='write the golden files of mlmd.testing.assert_snapshot '
                  'from the stores instead of comparing (also: %s=1)'
                  % UPDATE_ENV)


def pytest_configure(config):
  global _update_by_option  # pylint: disable=global-statement
  _update_by_option = bool(config.getoption(_UPDATE_OPTION, default=False))


def pytest_unconfigure(config):  # pylint: disable=unused-argument
  global _update_by_option  # pylint: disable=global-statement
  _update_by_option = False


def _memory_store():
  config = mpb.ConnectionConfig()
  config.fake_database.SetInParent()
  return _metadata_store.MetadataStore(config)


if _pytest is not None:

  @_pytest.fixture
  def mlmd_store():
    """A fresh in-memory ml_metadata MetadataStore for this test, closed
    after it."""
    store = _memory_store()
    yield store
    store._close()  # pylint: disable=protected-access

  @_pytest.fixture
  def mlmd_store_path(tmp_path):
    """The path (pathlib.Path) of a fresh SQLite store file in tmp_path,
    its schema created: give it to the code under test (as a file name,
    `sqlite:` URI or ConnectionConfig.sqlite.filename_uri) and open it
    again to check what that code wrote."""
    path = tmp_path / 'mlmd.sqlite'
    config = mpb.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    _metadata_store.MetadataStore(config)._close()  # pylint: disable=protected-access
    return path

  @_pytest.fixture
  def mlmd_graph(mlmd_store):  # pylint: disable=redefined-outer-name
    """A function: notation text in, build(mlmd_store, text)'s name-to-node
    dict out."""
    return lambda text: build(mlmd_store, text)

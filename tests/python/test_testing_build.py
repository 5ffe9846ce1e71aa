"""mlmd.testing.build: the notation through BuildGraph, read back as
ml_metadata protos; its errors as ml_metadata.errors; how node arguments
are resolved. Runs in process and through `mlmd serve` (the `store`
fixture; PY_SERVER_TESTS), which proves mlmd.testing.TestingService is
routed over gRPC."""

import pytest

from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import testing

PIPELINE = ('raw:DataSet -> (clean:Transform) -> train:DataSet '
            '-> (fit:Trainer COMPLETE) -> model:Model')


def test_build_returns_stored_nodes_by_name_in_order(store):
  g = testing.build(store, PIPELINE)
  assert list(g) == ['raw', 'clean', 'train', 'fit', 'model']
  assert isinstance(g['raw'], mpb.Artifact)
  assert isinstance(g['clean'], mpb.Execution)
  assert g['fit'].last_known_state == mpb.Execution.COMPLETE
  assert g['model'].name == 'model'
  # what build returns is what the store holds
  [model] = store.get_artifacts_by_id([g['model'].id])
  assert model == g['model']
  [model_type] = store.get_artifact_types_by_id([model.type_id])
  assert model_type.name == 'Model'
  events = store.get_events_by_execution_ids([g['fit'].id])
  assert sorted((e.artifact_id, e.type) for e in events) == sorted([
      (g['train'].id, mpb.Event.INPUT), (g['model'].id, mpb.Event.OUTPUT)])


def test_build_properties_and_contexts(store):
  g = testing.build(
      store, "raw:DataSet {rows=120, frac=0.25, src='s3://b/k\\'1', ok=true}"
      ' -> (fit:Trainer)\ncontext run1:Run = raw, (fit)')
  p = g['raw'].custom_properties
  assert p['rows'].int_value == 120
  assert p['frac'].double_value == 0.25
  assert p['src'].string_value == "s3://b/k'1"
  assert p['ok'].bool_value is True
  assert isinstance(g['run1'], mpb.Context)
  assert [a.id for a in store.get_artifacts_by_context(g['run1'].id)] == [
      g['raw'].id]
  assert [e.id for e in store.get_executions_by_context(g['run1'].id)] == [
      g['fit'].id]


def test_build_again_reuses_named_nodes(store):
  first = testing.build(store, 'raw:DataSet -> (clean:Transform)')
  # each text is parsed on its own: a node is found again by type and name
  second = testing.build(store, 'raw:DataSet -> (other:Transform)')
  assert second['raw'].id == first['raw'].id
  assert len(store.get_artifacts()) == 1
  with pytest.raises(errors.InvalidArgumentError) as e:
    testing.build(store, 'raw -> (third:Transform)')
  assert str(e.value) == ("BuildGraph: line 1, column 1: 'raw' is new and "
                          "needs a type ('raw:Type'), got 'raw'")


@pytest.mark.parametrize('text,message', [
    ('a:A -> b:B', "line 1, column 8: an edge joins an artifact and an "
     "execution, but 'a' and 'b' are both artifacts, got 'b'"),
    ('a:A\na:B', "line 2, column 3: 'a' has type 'A' (line 1, column 1), "
     "got 'B'"),
    ('(e:E FINISHED)', 'line 1, column 6: unknown execution state (UNKNOWN, '
     "NEW, RUNNING, COMPLETE, FAILED, CACHED or CANCELED), got 'FINISHED'"),
    ('a:A {n=12abc}', "line 1, column 8: malformed number, got '12abc'"),
    ('a:A ->', 'line 1, column 7: expected a node (name:Type or '
     '(name:Type)), got end of text'),
])
def test_notation_errors_raise_invalid_argument_and_write_nothing(
    store, text, message):
  with pytest.raises(errors.InvalidArgumentError) as e:
    testing.build(store, text)
  assert str(e.value) == 'BuildGraph: ' + message
  assert store.get_artifacts() == [] and store.get_executions() == []
  assert store.get_artifact_types() == []


def test_a_later_line_fails_the_whole_build(store):
  with pytest.raises(errors.InvalidArgumentError) as e:
    testing.build(store, 'a:A -> (e:E)\n(e) -> b:B -> c:C')
  assert str(e.value) == (
      "BuildGraph: line 2, column 15: an edge joins an artifact and an "
      "execution, but 'b' and 'c' are both artifacts, got 'c'")
  assert store.get_artifacts() == [] and store.get_executions() == []


def test_build_rejects_what_is_not_text_or_a_store(store):
  with pytest.raises(TypeError, match='text must be a str, got bytes'):
    testing.build(store, b'a:A')
  with pytest.raises(TypeError, match='store must be an ml_metadata '
                     'MetadataStore, got str'):
    testing.build('sqlite:x.db', 'a:A')


def test_nodes_by_name_or_by_proto(store):
  g = testing.build(store, PIPELINE)
  testing.assert_upstream(store, 'model', ['raw', g['fit']])
  testing.assert_upstream(store, g['model'], 'raw')


def _put(store, artifacts=(), executions=()):
  """Nodes written with MLMD's own API (as a pipeline would), not build()."""
  a_type = store.put_artifact_type(mpb.ArtifactType(name='DataSet'))
  e_type = store.put_execution_type(mpb.ExecutionType(name='Transform'))
  a_ids = store.put_artifacts([mpb.Artifact(type_id=a_type, name=n)
                               for n in artifacts])
  e_ids = store.put_executions([mpb.Execution(type_id=e_type, name=n)
                                for n in executions])
  return a_ids, e_ids


def test_an_unknown_name_is_not_found(store):
  _put(store, ['raw', 'model'])
  with pytest.raises(errors.NotFoundError) as e:
    testing.assert_upstream(store, 'model', ['raw', 'rwa'])
  assert str(e.value) == ("contains[1]: no artifact, execution or context "
                          "is named 'rwa'")


def test_a_name_two_nodes_share_is_ambiguous(store):
  [a], [x] = _put(store, ['x'], ['x'])
  with pytest.raises(errors.InvalidArgumentError) as e:
    testing.assert_no_path(store, 'x', 'y')
  assert str(e.value) == ("a: the name 'x' is ambiguous: artifact %d, "
                          'execution %d; pass the node itself' % (a, x))


def test_names_outside_the_filter_syntax_are_found_too(store):
  _put(store, ["it's"])
  with pytest.raises(errors.NotFoundError,
                     match="^b: no artifact, execution or context is named "
                     "'it s'$"):
    testing.assert_no_path(store, "it's", 'it s')


def test_bad_node_arguments(store):
  _put(store, ['raw', 'model'])
  with pytest.raises(TypeError, match='node must be a node name'):
    testing.assert_upstream(store, 7, ['raw'])
  with pytest.raises(TypeError, match='contains must be a node or a list of '
                     'nodes, got int'):
    testing.assert_upstream(store, 'model', 7)
  with pytest.raises(errors.InvalidArgumentError,
                     match='node: the artifact has no id'):
    testing.assert_upstream(store, mpb.Artifact(name='model'), ['raw'])
  with pytest.raises(errors.InvalidArgumentError, match='node: the node name '
                     'is empty'):
    testing.assert_upstream(store, '', ['raw'])
  for within in (0, -1, True, 1.5):
    with pytest.raises(errors.InvalidArgumentError,
                       match='within must be a positive number of hops'):
      testing.assert_upstream(store, 'model', ['raw'], within=within)
  with pytest.raises(errors.InvalidArgumentError,
                     match="state must be one of UNKNOWN NEW RUNNING "
                     "COMPLETE FAILED CACHED CANCELED, got 'DONE'"):
    testing.assert_produced_by(store, 'model', 'Trainer', state='DONE')
  with pytest.raises(errors.InvalidArgumentError,
                     match='state must be an Execution.State'):
    testing.assert_produced_by(store, 'model', 'Trainer', state=99)
  with pytest.raises(TypeError, match='execution_type must be a str'):
    testing.assert_produced_by(store, 'model', None)

"""mlmd.testing's lineage assertions: AssertionError with CheckLineage's
failure text, exactly (what was expected against what was found), and
nothing raised when they hold. The graph is written with MLMD's own API, as
a pipeline would. In process and through `mlmd serve` (PY_SERVER_TESTS)."""

import pytest

from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import testing


def _pipeline(store):
  """raw:DataSet -> (clean:Transform COMPLETE) -> train:DataSet
  -> (fit:Trainer FAILED) -> model:Model, and other:DataSet on its own.
  Returns name -> id."""
  t = {n: store.put_artifact_type(mpb.ArtifactType(name=n))
       for n in ('DataSet', 'Model')}
  e = {n: store.put_execution_type(mpb.ExecutionType(name=n))
       for n in ('Transform', 'Trainer')}
  ids = {}
  [ids['raw'], ids['other']] = store.put_artifacts([
      mpb.Artifact(type_id=t['DataSet'], name='raw'),
      mpb.Artifact(type_id=t['DataSet'], name='other')])
  raw = mpb.Artifact(id=ids['raw'], type_id=t['DataSet'], name='raw')
  ids['clean'], [_, ids['train']], _ = store.put_execution(
      mpb.Execution(type_id=e['Transform'], name='clean',
                    last_known_state=mpb.Execution.COMPLETE),
      [(raw, mpb.Event(type=mpb.Event.INPUT)),
       (mpb.Artifact(type_id=t['DataSet'], name='train'),
        mpb.Event(type=mpb.Event.OUTPUT))], [])
  train = mpb.Artifact(id=ids['train'], type_id=t['DataSet'], name='train')
  ids['fit'], [_, ids['model']], _ = store.put_execution(
      mpb.Execution(type_id=e['Trainer'], name='fit',
                    last_known_state=mpb.Execution.FAILED),
      [(train, mpb.Event(type=mpb.Event.INPUT)),
       (mpb.Artifact(type_id=t['Model'], name='model'),
        mpb.Event(type=mpb.Event.OUTPUT))], [])
  return ids


def _failure(call, *args, **kwargs):
  with pytest.raises(AssertionError) as e:
    call(*args, **kwargs)
  return str(e.value)


def test_assertions_that_hold_return_none(store):
  _pipeline(store)
  assert testing.assert_upstream(store, 'model', ['raw', 'fit', 'clean']) is None
  assert testing.assert_upstream(store, 'model', 'fit', within=1) is None
  assert testing.assert_downstream(store, 'raw', ['model'], within=4) is None
  assert testing.assert_no_path(store, 'model', 'raw') is None
  assert testing.assert_no_path(store, 'other', 'model') is None
  assert testing.assert_produced_by(store, 'model', 'Trainer') is None
  assert testing.assert_produced_by(store, 'model', 'Trainer',
                                    mpb.Execution.FAILED) is None
  assert testing.assert_produced_by(store, 'train', 'Transform',
                                    'COMPLETE') is None


_PATH = ('raw:DataSet -> (clean:Transform COMPLETE) -> train:DataSet '
         '-> (fit:Trainer FAILED) -> model:Model')


def test_upstream_failure_lists_what_was_found_and_what_is_missing(store):
  _pipeline(store)
  assert _failure(testing.assert_upstream, store, 'model',
                  ['raw', 'other']) == (
      'expected upstream of model:Model: raw:DataSet, other:DataSet\n'
      'found upstream (nearest first): (fit:Trainer FAILED), train:DataSet, '
      '(clean:Transform COMPLETE), raw:DataSet\n'
      'missing other:DataSet: no path to or from model:Model')


def test_upstream_within_shows_the_path_beyond_the_bound(store):
  _pipeline(store)
  assert _failure(testing.assert_upstream, store, 'model', 'raw',
                  within=2) == (
      'expected upstream of model:Model within 2 hops: raw:DataSet\n'
      'found upstream within 2 hops (nearest first): (fit:Trainer FAILED), '
      'train:DataSet\n'
      'missing raw:DataSet: upstream at 4 hops, beyond 2: ' + _PATH)


def test_upstream_of_a_node_that_is_downstream(store):
  ids = _pipeline(store)
  raw = store.get_artifacts_by_id([ids['raw']])[0]
  assert _failure(testing.assert_upstream, store, raw, ['model']) == (
      'expected upstream of raw:DataSet: model:Model\n'
      'found upstream: nothing\n'
      'missing model:Model: not upstream; downstream at 4 hops: ' + _PATH)


def test_downstream_failure(store):
  _pipeline(store)
  assert _failure(testing.assert_downstream, store, 'raw', 'model',
                  within=3) == (
      'expected downstream of raw:DataSet within 3 hops: model:Model\n'
      'found downstream within 3 hops (nearest first): '
      '(clean:Transform COMPLETE), train:DataSet, (fit:Trainer FAILED)\n'
      'missing model:Model: downstream at 4 hops, beyond 3: ' + _PATH)


def test_no_path_failure_shows_the_path(store):
  _pipeline(store)
  assert _failure(testing.assert_no_path, store, 'raw', 'model') == (
      'expected no path from raw:DataSet to model:Model, found one at 4 '
      'hops: ' + _PATH)


def test_produced_by_failures(store):
  _pipeline(store)
  assert _failure(testing.assert_produced_by, store, 'model', 'Trainer',
                  'COMPLETE') == (
      'expected model:Model produced by a Trainer execution in state '
      'COMPLETE; produced by (fit:Trainer FAILED)')
  assert _failure(testing.assert_produced_by, store, 'model',
                  'Transform') == (
      'expected model:Model produced by a Transform execution; produced by '
      '(fit:Trainer FAILED)')
  assert _failure(testing.assert_produced_by, store, 'raw', 'Transform') == (
      'expected raw:DataSet produced by a Transform execution; no execution '
      'has it as an OUTPUT')


def test_a_node_that_does_not_exist_is_an_error_not_a_failure(store):
  _pipeline(store)
  with pytest.raises(errors.NotFoundError) as e:
    testing.assert_upstream(store, mpb.Artifact(id=999), 'raw')
  assert str(e.value) == 'CheckLineage: node: artifact 999 does not exist'


def test_graph_equals_holds_and_shows_each_difference(store):
  testing.build(store, 'raw:DataSet {rows=100} -> (fit:Trainer COMPLETE) '
                '-> model:Model')
  head = "the store's graph differs from the expected one:\n"
  assert testing.assert_graph_equals(
      store, 'raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model') is None
  assert _failure(testing.assert_graph_equals, store,
                  'raw:DataSet -> (fit:Trainer FAILED) -> model:Model') == (
                      head + 'fit: expected state FAILED, found COMPLETE')
  assert _failure(testing.assert_graph_equals, store,
                  'raw:DataSet {rows=5} -> (fit:Trainer COMPLETE) '
                  '-> model:Model') == (
                      head + 'raw: property rows: expected 5, found 100')
  assert _failure(testing.assert_graph_equals, store,
                  'raw:DataSet -> (fit:Trainer COMPLETE)') == (
                      head + 'extra model:Model')
  assert _failure(testing.assert_graph_equals, store,
                  'raw:DataSet -> (fit:Trainer COMPLETE) -> model:Model\n'
                  'context c:Run = raw') == head + 'missing c:Run'


def test_graph_equals_with_bad_notation_is_an_error(store):
  with pytest.raises(errors.InvalidArgumentError) as e:
    testing.assert_graph_equals(store, 'a:A ->')
  assert str(e.value) == ('CheckLineage: text: line 1, column 7: expected a '
                          'node (name:Type or (name:Type)), got end of text')

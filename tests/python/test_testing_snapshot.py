"""mlmd.testing.snapshot and assert_snapshot: stable text (no ids, no
times), subgraphs, golden files written on request, differences shown as a
unified diff. In process and through `mlmd serve` (PY_SERVER_TESTS)."""

import pytest

from ml_metadata import errors
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import testing

PIPELINE = ('rawdata:DataSet -> (cleaning:Transform) -> trainset:DataSet '
            '-> (fitting:Trainer COMPLETE) -> churnmodel:Model {auc=0.9}\n'
            'context run1:Run = rawdata, (fitting)')


@pytest.fixture(autouse=True)
def no_update_env(monkeypatch):
  monkeypatch.delenv(testing.UPDATE_ENV, raising=False)


def test_same_graph_same_text_whatever_the_ids(store):
  # a node of another type written first shifts every id and type id
  other = store.put_artifact_type(mpb.ArtifactType(name='Unrelated'))
  store.put_artifacts([mpb.Artifact(type_id=other, name='first')])
  g = testing.build(store, PIPELINE)
  text = testing.snapshot(store, roots='churnmodel')
  assert text == testing.snapshot(store, roots=g['churnmodel'])
  for name in ('rawdata', 'cleaning', 'trainset', 'fitting', 'churnmodel',
               'COMPLETE', 'Trainer'):
    assert name in text, text
  assert 'first' not in text
  fresh_config = mpb.ConnectionConfig()
  fresh_config.fake_database.SetInParent()
  fresh = metadata_store.MetadataStore(fresh_config)
  h = testing.build(fresh, PIPELINE)
  assert h['churnmodel'].id != g['churnmodel'].id
  assert testing.snapshot(fresh, roots='churnmodel') == text


def test_within_limits_the_subgraph(store):
  testing.build(store, PIPELINE)
  near = testing.snapshot(store, roots=['churnmodel'], within=1)
  assert 'fitting' in near and 'rawdata' not in near, near
  everything = testing.snapshot(store)
  assert 'rawdata' in everything and 'run1' in everything, everything


def test_missing_golden_file_says_how_to_create_it(store, tmp_path):
  testing.build(store, PIPELINE)
  golden = tmp_path / 'snap' / 'graph.txt'
  with pytest.raises(AssertionError) as e:
    testing.assert_snapshot(store, golden)
  assert str(e.value) == (
      'golden file %s does not exist; write it from the store with pytest '
      '--mlmd-update-snapshots (or MLMD_UPDATE_SNAPSHOTS=1 in the '
      'environment), review it and commit it' % golden)
  assert not golden.exists()


def test_update_writes_then_a_change_fails_with_a_diff(store, tmp_path,
                                                       monkeypatch):
  g = testing.build(store, PIPELINE)
  golden = tmp_path / 'snap' / 'graph.txt'
  monkeypatch.setenv(testing.UPDATE_ENV, '1')
  testing.assert_snapshot(store, golden)
  assert golden.read_bytes() == testing.snapshot(store).encode('utf-8')
  monkeypatch.setenv(testing.UPDATE_ENV, '0')
  testing.assert_snapshot(store, golden)
  before = golden.read_bytes()

  fit = g['fitting']
  fit.last_known_state = mpb.Execution.FAILED
  store.put_executions([fit])
  with pytest.raises(AssertionError) as e:
    testing.assert_snapshot(store, str(golden))
  text = str(e.value)
  assert text.startswith(
      "the store's graph differs from golden file %s (- golden, + store; if "
      'the change is intended, update it with pytest --mlmd-update-snapshots '
      '(or MLMD_UPDATE_SNAPSHOTS=1 in the environment)):\n--- %s\n+++ store\n'
      % (golden, golden)), text
  lines = text.splitlines()
  assert any(l.startswith('-') and 'COMPLETE' in l for l in lines), text
  assert any(l.startswith('+') and 'FAILED' in l for l in lines), text
  assert golden.read_bytes() == before  # a failing comparison writes nothing


def test_golden_file_that_is_not_utf8(store, tmp_path):
  testing.build(store, PIPELINE)
  golden = tmp_path / 'graph.txt'
  golden.write_bytes(b'\xff\xfe')
  with pytest.raises(AssertionError, match=r'is not UTF-8 \(byte 0\)'):
    testing.assert_snapshot(store, golden)


def test_bad_update_variable_is_an_error(store, tmp_path, monkeypatch):
  testing.build(store, PIPELINE)
  monkeypatch.setenv(testing.UPDATE_ENV, 'yes')
  with pytest.raises(errors.InvalidArgumentError,
                     match="MLMD_UPDATE_SNAPSHOTS must be 1 .write golden "
                     "files. or 0, got 'yes'"):
    testing.assert_snapshot(store, tmp_path / 'graph.txt')
  assert not (tmp_path / 'graph.txt').exists()

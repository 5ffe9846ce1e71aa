"""Every public method of MetadataStore, with its errors, through Python."""

import pytest

from conftest import file_config
from conftest import memory_config
from ml_metadata import _native
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

ListOptions = metadata_store.ListOptions
OrderByField = metadata_store.OrderByField


def data_type(store, name='DataSet', **props):
  t = pb.ArtifactType(name=name)
  for k, v in props.items():
    t.properties[k] = v
  return store.put_artifact_type(t)


def artifact(type_id, uri=None, name=None, **props):
  a = pb.Artifact(type_id=type_id)
  if uri is not None:
    a.uri = uri
  if name is not None:
    a.name = name
  for k, v in props.items():
    if isinstance(v, bool):
      a.properties[k].bool_value = v
    elif isinstance(v, int):
      a.properties[k].int_value = v
    elif isinstance(v, float):
      a.properties[k].double_value = v
    else:
      a.properties[k].string_value = v
  return a


# ---- opening ------------------------------------------------------------------


@pytest.mark.in_process
def test_open_configs(db_path):
  s = metadata_store.MetadataStore(memory_config())
  assert s.get_artifacts() == []
  sq = pb.ConnectionConfig()
  sq.sqlite.SetInParent()  # no file name: in memory
  assert metadata_store.MetadataStore(sq).get_artifact_types() == []
  s1 = metadata_store.MetadataStore(file_config(db_path))
  tid = data_type(s1)
  s1.put_artifacts([artifact(tid, '/persisted')])
  del s1
  s2 = metadata_store.MetadataStore(file_config(db_path))
  assert [a.uri for a in s2.get_artifacts()] == ['/persisted']
  assert s2.pipeline_asset is None


@pytest.mark.in_process
def test_bad_configs():
  with pytest.raises(RuntimeError, match='no backend set'):
    metadata_store.MetadataStore(pb.ConnectionConfig())
  with pytest.raises(ValueError):
    metadata_store.MetadataStore('sqlite:x.db')
  with pytest.raises(ValueError, match='port must be 1..65535'):
    metadata_store.MetadataStore(pb.MetadataStoreClientConfig(host='h'))
  bad = pb.ConnectionConfig()
  bad.sqlite.filename_uri = '/nonexistent-dir/x.db'
  with pytest.raises(RuntimeError):
    metadata_store.MetadataStore(bad)
  ro = pb.ConnectionConfig()
  ro.sqlite.filename_uri = '/nonexistent-dir/y.db'
  ro.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
  with pytest.raises(RuntimeError):
    metadata_store.MetadataStore(ro)


@pytest.mark.in_process
def test_retry_options_and_aborted_retries(monkeypatch):
  config = memory_config()
  s = metadata_store.MetadataStore(config)
  assert s._max_num_retries == 5  # pylint: disable=protected-access
  config.retry_options.max_num_retries = 2
  s = metadata_store.MetadataStore(config)
  assert s._max_num_retries == 2  # pylint: disable=protected-access
  real = _native.call
  calls = []

  def flaky(handle, method, payload):
    calls.append(method)
    if len(calls) <= 2:
      return None, errors.ABORTED, 'database is locked'
    return real(handle, method, payload)

  monkeypatch.setattr(_native, 'call', flaky)
  assert s.get_artifacts() == []  # two ABORTED, then success
  assert len(calls) == 3
  calls.clear()

  def always(handle, method, payload):
    calls.append(method)
    return None, errors.ABORTED, 'database is locked'

  monkeypatch.setattr(_native, 'call', always)
  with pytest.raises(errors.AbortedError, match='locked'):
    s.get_artifacts()
  assert len(calls) == 3  # the first try and two retries
  calls.clear()

  def not_found(handle, method, payload):
    calls.append(method)
    return None, errors.NOT_FOUND, 'gone'

  monkeypatch.setattr(_native, 'call', not_found)
  with pytest.raises(errors.NotFoundError):
    s.get_artifacts()
  assert len(calls) == 1  # other codes are not retried


# ---- types ----------------------------------------------------------------------


def test_types(store):
  tid = data_type(store, day=pb.INT)
  assert data_type(store, day=pb.INT) == tid  # same definition: same id
  with pytest.raises(errors.AlreadyExistsError):
    data_type(store, day=pb.STRING)
  with pytest.raises(errors.AlreadyExistsError):
    data_type(store, day=pb.INT, split=pb.STRING)
  assert store.put_artifact_type(
      pb.ArtifactType(name='DataSet',
                      properties={'day': pb.INT, 'split': pb.STRING}),
      can_add_fields=True) == tid
  assert store.put_artifact_type(
      pb.ArtifactType(name='DataSet'), can_omit_fields=True) == tid
  with pytest.raises(errors.InvalidArgumentError):
    store.put_artifact_type(pb.ArtifactType())
  got = store.get_artifact_type('DataSet')
  assert got.id == tid and set(got.properties) == {'day', 'split'}
  with pytest.raises(errors.NotFoundError):
    store.get_artifact_type('Nope')
  v2 = store.put_artifact_type(pb.ArtifactType(name='DataSet', version='2'))
  assert v2 != tid
  assert store.get_artifact_type('DataSet', type_version='2').id == v2
  ext = store.put_artifact_type(pb.ArtifactType(name='Ext', external_id='e1'))
  assert [t.id for t in store.get_artifact_types()] == [tid, v2, ext]
  assert [t.id for t in store.get_artifact_types_by_id([ext, 999, tid])
         ] == [ext, tid]
  assert [t.name for t in store.get_artifact_types_by_external_ids(['e1'])
         ] == ['Ext']

  eid = store.put_execution_type(pb.ExecutionType(name='Trainer',
                                                  external_id='ex'))
  assert store.get_execution_type('Trainer').id == eid
  assert [t.id for t in store.get_execution_types()] == [eid]
  assert [t.id for t in store.get_execution_types_by_id([eid])] == [eid]
  assert [t.id for t in store.get_execution_types_by_external_ids(['ex'])
         ] == [eid]
  cid = store.put_context_type(pb.ContextType(name='Run', external_id='cx'),
                               can_add_fields=True, can_omit_fields=True)
  assert store.get_context_type('Run').id == cid
  assert [t.id for t in store.get_context_types()] == [cid]
  assert [t.id for t in store.get_context_types_by_id([cid])] == [cid]
  assert [t.id for t in store.get_context_types_by_external_ids(['cx'])
         ] == [cid]
  with pytest.raises(errors.NotFoundError):
    store.get_execution_type('Nope')
  with pytest.raises(errors.NotFoundError):
    store.get_context_type('Nope')


# ---- nodes ------------------------------------------------------------------------


def test_artifacts_put_get_update(store):
  tid = data_type(store, day=pb.INT, split=pb.STRING)
  a = artifact(tid, '/d/1', 'one', day=1, split='train')
  a.custom_properties['note'].string_value = 'x'
  a.external_id = 'ext-1'
  a.state = pb.Artifact.LIVE
  [aid] = store.put_artifacts([a])
  [b] = store.get_artifacts_by_id([aid])
  assert (b.uri, b.name, b.type, b.state) == ('/d/1', 'one', 'DataSet',
                                              pb.Artifact.LIVE)
  assert b.properties['day'].int_value == 1
  assert b.custom_properties['note'].string_value == 'x'
  assert b.create_time_since_epoch > 0
  # update with a mask touches only the listed paths
  b.uri = '/d/1b'
  b.properties['day'].int_value = 2
  store.put_artifacts([b], field_mask_paths=['properties.day'])
  [c] = store.get_artifacts_by_id([aid])
  assert c.uri == '/d/1' and c.properties['day'].int_value == 2
  store.put_artifacts([b])
  assert store.get_artifacts_by_id([aid])[0].uri == '/d/1b'
  with pytest.raises(errors.InvalidArgumentError, match='unknown property'):
    store.put_artifacts([artifact(tid, nope=1)])
  with pytest.raises(errors.AlreadyExistsError):
    store.put_artifacts([artifact(tid, '/dup', 'one')])
  # reads by uri, type, type and name, external id
  assert [x.id for x in store.get_artifacts_by_uri('/d/1b')] == [aid]
  assert store.get_artifacts_by_uri('/none') == []
  assert [x.id for x in store.get_artifacts_by_type('DataSet')] == [aid]
  assert store.get_artifacts_by_type('Nope') == []
  assert store.get_artifact_by_type_and_name('DataSet', 'one').id == aid
  assert store.get_artifact_by_type_and_name('DataSet', 'two') is None
  assert [x.id for x in store.get_artifacts_by_external_ids(['ext-1'])
         ] == [aid]
  with pytest.raises(errors.NotFoundError):
    store.get_artifacts_by_external_ids(['none'])
  arts, types = store.get_artifacts_and_types_by_artifact_ids([aid, 404])
  assert [x.id for x in arts] == [aid] and [t.id for t in types] == [tid]


def test_executions_and_contexts(store):
  et = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct = store.put_context_type(pb.ContextType(name='Run'))
  e = pb.Execution(type_id=et, name='t1', external_id='x1',
                   last_known_state=pb.Execution.RUNNING)
  [eid] = store.put_executions([e])
  e.id = eid
  e.last_known_state = pb.Execution.COMPLETE
  store.put_executions([e], field_mask_paths=['last_known_state'])
  [got] = store.get_executions_by_id([eid])
  assert got.last_known_state == pb.Execution.COMPLETE
  assert [x.id for x in store.get_executions()] == [eid]
  assert [x.id for x in store.get_executions_by_type('Trainer')] == [eid]
  assert store.get_execution_by_type_and_name('Trainer', 't1').id == eid
  assert store.get_execution_by_type_and_name('Trainer', 'zz') is None
  assert [x.id for x in store.get_executions_by_external_ids(['x1'])] == [eid]
  [cid] = store.put_contexts([pb.Context(type_id=ct, name='run-1',
                                         external_id='c1')])
  with pytest.raises(errors.AlreadyExistsError):
    store.put_contexts([pb.Context(type_id=ct, name='run-1')])
  with pytest.raises(errors.InvalidArgumentError):
    store.put_contexts([pb.Context(type_id=ct)])
  assert [x.id for x in store.get_contexts()] == [cid]
  assert [x.id for x in store.get_contexts_by_id([cid])] == [cid]
  assert [x.id for x in store.get_contexts_by_type('Run')] == [cid]
  assert store.get_context_by_type_and_name('Run', 'run-1').id == cid
  assert store.get_context_by_type_and_name('Run', 'x') is None
  assert [x.id for x in store.get_contexts_by_external_ids(['c1'])] == [cid]


def test_events_links_and_parents(store):
  tid = data_type(store)
  et = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct = store.put_context_type(pb.ContextType(name='Run'))
  [a1, a2] = store.put_artifacts([artifact(tid, '/in'), artifact(tid, '/out')])
  [e1] = store.put_executions([pb.Execution(type_id=et)])
  ev_in = pb.Event(artifact_id=a1, execution_id=e1, type=pb.Event.INPUT)
  ev_in.path.steps.add().key = 'examples'
  ev_in.path.steps.add().index = 0
  store.put_events([ev_in, pb.Event(artifact_id=a2, execution_id=e1,
                                    type=pb.Event.OUTPUT)])
  with pytest.raises(errors.AlreadyExistsError):
    store.put_events([ev_in])
  with pytest.raises(errors.InvalidArgumentError):
    store.put_events([pb.Event(artifact_id=999, execution_id=e1,
                               type=pb.Event.INPUT)])
  evs = store.get_events_by_execution_ids([e1])
  assert [(x.artifact_id, x.type) for x in evs] == [(a1, pb.Event.INPUT),
                                                     (a2, pb.Event.OUTPUT)]
  assert evs[0].path.steps[0].key == 'examples'
  assert evs[0].path.steps[1].index == 0
  assert [x.execution_id for x in store.get_events_by_artifact_ids([a2])
         ] == [e1]
  [c1, c2, c3] = store.put_contexts([pb.Context(type_id=ct, name=n)
                                     for n in ('a', 'b', 'c')])
  store.put_attributions_and_associations(
      [pb.Attribution(context_id=c1, artifact_id=a1)],
      [pb.Association(context_id=c1, execution_id=e1)])
  assert [x.id for x in store.get_contexts_by_artifact(a1)] == [c1]
  assert [x.id for x in store.get_contexts_by_execution(e1)] == [c1]
  assert [x.id for x in store.get_artifacts_by_context(c1)] == [a1]
  assert [x.id for x in store.get_executions_by_context(c1)] == [e1]
  store.put_parent_contexts([pb.ParentContext(child_id=c1, parent_id=c2),
                             pb.ParentContext(child_id=c2, parent_id=c3)])
  assert [x.id for x in store.get_parent_contexts_by_context(c1)] == [c2]
  assert [x.id for x in store.get_children_contexts_by_context(c2)] == [c1]
  with pytest.raises(errors.InvalidArgumentError, match='cycle'):
    store.put_parent_contexts([pb.ParentContext(child_id=c3, parent_id=c1)])
  with pytest.raises(errors.AlreadyExistsError):
    store.put_parent_contexts([pb.ParentContext(child_id=c1, parent_id=c2)])


def test_put_execution_and_lineage_subgraph(store):
  tid = data_type(store)
  et = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct = store.put_context_type(pb.ContextType(name='Run'))
  execution = pb.Execution(type_id=et, last_known_state=pb.Execution.COMPLETE)
  model = artifact(tid, '/model')
  model.external_id = 'model-1'
  eid, aids, cids = store.put_execution(
      execution,
      [(artifact(tid, '/data'), pb.Event(type=pb.Event.INPUT)),
       (model, pb.Event(type=pb.Event.OUTPUT))],
      [pb.Context(type_id=ct, name='run-1')])
  assert len(aids) == 2 and len(cids) == 1
  assert [x.id for x in store.get_artifacts_by_context(cids[0])] == aids
  assert [x.id for x in store.get_executions_by_context(cids[0])] == [eid]
  # reuse the context by name, and the artifact by external id
  eid2, aids2, cids2 = store.put_execution(
      pb.Execution(type_id=et), [(model,)],  # an artifact without an event
      [pb.Context(type_id=ct, name='run-1')],
      reuse_context_if_already_exist=True,
      reuse_artifact_if_already_exist_by_external_id=True)
  assert cids2 == cids and aids2 == [aids[1]] and eid2 != eid
  with pytest.raises(errors.AlreadyExistsError):
    store.put_execution(pb.Execution(type_id=et), [],
                        [pb.Context(type_id=ct, name='run-1')])
  # force_reuse_context: a context with an id is only checked
  ctx = store.get_contexts_by_id(cids)[0]
  ctx.custom_properties['ignored'].int_value = 1
  store.put_execution(pb.Execution(type_id=et), [], [ctx],
                      force_reuse_context=True, force_update_time=True)
  assert 'ignored' not in store.get_contexts_by_id(cids)[0].custom_properties
  with pytest.raises(errors.InvalidArgumentError):
    store.put_execution(pb.Execution(type_id=et), [(artifact(tid),
                                                    pb.Event(execution_id=999,
                                                             type=pb.Event.INPUT))],
                        [])

  exec_ids, art_ids, ctx_ids = store.put_lineage_subgraph(
      [pb.Execution(type_id=et), pb.Execution(type_id=et)],
      [artifact(tid, '/a'), artifact(tid, '/b')],
      [pb.Context(type_id=ct, name='run-2')],
      [(0, 0, pb.Event(type=pb.Event.INPUT)),
       (0, 1, pb.Event(type=pb.Event.OUTPUT)),
       (1, 1, pb.Event(type=pb.Event.INPUT))])
  assert len(exec_ids) == 2 and len(art_ids) == 2 and len(ctx_ids) == 1
  assert len(store.get_events_by_execution_ids(exec_ids)) == 3
  with pytest.raises(errors.OutOfRangeError):
    store.put_lineage_subgraph([pb.Execution(type_id=et)], [], [],
                               [(0, 5, pb.Event(type=pb.Event.INPUT))])
  again = store.put_lineage_subgraph(
      [], [], [pb.Context(type_id=ct, name='run-2')], [],
      reuse_context_if_already_exist=True)
  assert again[2] == ctx_ids


def test_mlmd_116_update_and_subgraph_parity(store):
  """Google MLMD 1.16's answers for updates and PutLineageSubgraph edges."""
  tid = data_type(store)
  et = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct = store.put_context_type(pb.ContextType(name='Run'))
  # an update by an id that is not stored is INVALID_ARGUMENT, every kind
  with pytest.raises(errors.InvalidArgumentError, match='Cannot find the given id'):
    store.put_artifacts([pb.Artifact(id=777, type_id=tid)])
  with pytest.raises(errors.InvalidArgumentError, match='Cannot find the given id'):
    store.put_executions([pb.Execution(id=777, type_id=et)])
  with pytest.raises(errors.InvalidArgumentError, match='Cannot find the given id'):
    store.put_contexts([pb.Context(id=777, type_id=ct, name='x')])
  # empty and unknown mask paths are ignored, known ones still apply
  [aid] = store.put_artifacts([artifact(tid, '/u/1')])
  a = store.get_artifacts_by_id([aid])[0]
  a.uri = '/u/2'
  store.put_artifacts([a], field_mask_paths=['', 'no_such_field'])
  assert store.get_artifacts_by_id([aid])[0].uri == '/u/1'
  store.put_artifacts([a], field_mask_paths=['bogus', 'uri'])
  assert store.get_artifacts_by_id([aid])[0].uri == '/u/2'
  [eid] = store.put_executions([pb.Execution(type_id=et)])
  store.put_executions([pb.Execution(id=eid, last_known_state=pb.Execution.COMPLETE)],
                       field_mask_paths=['', 'uri'])
  assert not store.get_executions_by_id([eid])[0].HasField('last_known_state')
  # a context's name can change; it stays unique within the type
  [c1, c2] = store.put_contexts([pb.Context(type_id=ct, name='a'),
                                 pb.Context(type_id=ct, name='b')])
  store.put_contexts([pb.Context(id=c1, type_id=ct, name='renamed')],
                     field_mask_paths=['name', 'nonsense'])
  assert store.get_context_by_type_and_name('Run', 'renamed').id == c1
  with pytest.raises(errors.AlreadyExistsError):
    store.put_contexts([pb.Context(id=c1, type_id=ct, name='b')])
  # edges by index or by the event's own ids
  execs, arts, ctxs = store.put_lineage_subgraph(
      [pb.Execution(type_id=et)], [artifact(tid, '/n')],
      [pb.Context(type_id=ct, name='sub')],
      [(None, 0, pb.Event(execution_id=eid, type=pb.Event.INPUT)),
       (0, None, pb.Event(artifact_id=aid, type=pb.Event.INPUT))])
  evs = store.get_events_by_execution_ids([eid, execs[0]])
  assert sorted((e.artifact_id, e.execution_id) for e in evs) == sorted(
      [(arts[0], eid), (aid, execs[0])])
  with pytest.raises(errors.InvalidArgumentError):
    store.put_lineage_subgraph(  # both given, disagreeing
        [pb.Execution(type_id=et)], [], [],
        [(0, None, pb.Event(execution_id=eid, artifact_id=aid,
                            type=pb.Event.OUTPUT))])
  with pytest.raises(errors.OutOfRangeError):
    store.put_lineage_subgraph([], [], [],
                               [(3, None, pb.Event(artifact_id=aid,
                                                   type=pb.Event.OUTPUT))])
  with pytest.raises(errors.AlreadyExistsError):
    store.put_lineage_subgraph([], [], [pb.Context(type_id=ct, name='sub')], [])
  assert store.put_lineage_subgraph(
      [], [], [pb.Context(type_id=ct, name='sub')], [],
      reuse_context_if_already_exist=True)[2] == ctxs


# ---- listing, paging, filters ---------------------------------------------------------


def test_list_options_paging_and_order(store):
  tid = data_type(store, n=pb.INT)
  ids = store.put_artifacts([artifact(tid, '/p/%d' % i, n=i)
                             for i in range(250)])
  assert [a.id for a in store.get_artifacts()] == ids  # all, over 3 pages
  got = store.get_artifacts(ListOptions(limit=120))
  assert [a.id for a in got] == ids[:120]
  got = store.get_artifacts(ListOptions(limit=7, is_asc=False))
  assert [a.id for a in got] == ids[::-1][:7]
  got = store.get_artifacts(ListOptions(order_by=OrderByField.CREATE_TIME,
                                        is_asc=False))
  assert [a.id for a in got] == ids[::-1]
  got = store.get_artifacts(ListOptions(order_by=OrderByField.UPDATE_TIME))
  assert sorted(a.id for a in got) == ids
  got = store.get_artifacts(ListOptions(order_by=OrderByField.ID, limit=300))
  assert [a.id for a in got] == ids
  with pytest.raises(errors.InvalidArgumentError):
    store.get_artifacts(ListOptions(limit=0))
  assert OrderByField.UPDATE_TIME.value == (
      pb.ListOperationOptions.OrderByField.LAST_UPDATE_TIME)


def test_filters(store):
  tid = data_type(store, n=pb.INT, acc=pb.DOUBLE)
  other = data_type(store, 'Model')
  ct = store.put_context_type(pb.ContextType(name='Run'))
  ids = store.put_artifacts([artifact(tid, '/f/%d' % i, 'f%d' % i, n=i,
                                      acc=i / 100.0) for i in range(150)])
  [m] = store.put_artifacts([artifact(other, '/m', 'm')])
  got = store.get_artifacts(ListOptions(
      filter_query='properties.n.int_value >= 140'))
  assert [a.id for a in got] == ids[140:]
  got = store.get_artifacts(ListOptions(
      filter_query='properties.n.int_value < 120', is_asc=False, limit=130))
  assert [a.id for a in got] == ids[:120][::-1]
  got = store.get_artifacts(ListOptions(
      filter_query="type = 'Model' OR name LIKE 'f14_'"))
  assert [a.id for a in got] == ids[140:150] + [m]
  assert [a.id for a in store.get_artifacts(ListOptions(
      filter_query="type = 'Model'"))] == [m]
  [cid] = store.put_contexts([pb.Context(type_id=ct, name='r')])
  store.put_attributions_and_associations(
      [pb.Attribution(context_id=cid, artifact_id=i) for i in ids[:5]], [])
  got = store.get_artifacts_by_context(cid, ListOptions(
      filter_query='properties.n.int_value > 2'))
  assert [a.id for a in got] == ids[3:5]
  got = store.get_artifacts(ListOptions(filter_query="contexts_a.name = 'r'",
                                        limit=3))
  assert [a.id for a in got] == ids[:3]
  with pytest.raises(errors.InvalidArgumentError, match='1:1: unknown field'):
    store.get_artifacts(ListOptions(filter_query="nope = 1"))
  with pytest.raises(errors.InvalidArgumentError, match='filter_query'):
    store.get_executions(ListOptions(filter_query="uri = 'x'"))
  with pytest.raises(errors.InvalidArgumentError):
    store.get_contexts(ListOptions(filter_query='state = LIVE'))


def test_lineage_subgraph(store):
  tid = data_type(store)
  et = store.put_execution_type(pb.ExecutionType(name='Step'))
  # raw -> clean -> ds -> train -> model
  execs, arts, _ = store.put_lineage_subgraph(
      [pb.Execution(type_id=et, name='clean'),
       pb.Execution(type_id=et, name='train')],
      [artifact(tid, '/raw', 'raw'), artifact(tid, '/ds', 'ds'),
       artifact(tid, '/model', 'model')], [],
      [(0, 0, pb.Event(type=pb.Event.INPUT)),
       (0, 1, pb.Event(type=pb.Event.OUTPUT)),
       (1, 1, pb.Event(type=pb.Event.INPUT)),
       (1, 2, pb.Event(type=pb.Event.OUTPUT))])
  opts = pb.LineageSubgraphQueryOptions(
      starting_artifacts=pb.LineageSubgraphQueryOptions.StartingNodes(
          filter_query="name = 'model'"),
      max_num_hops=2,
      direction=pb.LineageSubgraphQueryOptions.UPSTREAM)
  g = store.get_lineage_subgraph(opts)
  assert sorted(a.name for a in g.artifacts) == ['ds', 'model']
  assert [e.name for e in g.executions] == ['train']
  assert [t.name for t in g.artifact_types] == ['DataSet']  # hydrated
  assert len(g.events) == 2
  g = store.get_lineage_subgraph(opts, field_mask_paths=['executions'])
  assert len(g.artifacts) == 0 and [e.id for e in g.executions] == [execs[1]]
  opts.max_num_hops = 10
  opts.mlmd_max_nodes = 3
  g = store.get_lineage_subgraph(opts, field_mask_paths=['artifacts',
                                                         'executions'])
  assert len(g.artifacts) + len(g.executions) == 3
  opts.starting_artifacts.filter_query = "name = 'nothing'"
  with pytest.raises(errors.NotFoundError):
    store.get_lineage_subgraph(opts)
  with pytest.raises(errors.InvalidArgumentError, match='read_mask'):
    store.get_lineage_subgraph(opts, field_mask_paths=['nodes'])
  assert arts[0] < arts[2]


# ---- schema --------------------------------------------------------------------------


@pytest.mark.in_process
def test_downgrade_schema(db_path):
  config = file_config(db_path)
  s = metadata_store.MetadataStore(config)
  data_type(s)
  del s
  with pytest.raises(ValueError):
    metadata_store.downgrade_schema(config, -1)
  with pytest.raises(errors.InvalidArgumentError,
                     match='cannot be downgraded to schema_version 7'):
    metadata_store.downgrade_schema(config, 7)
  metadata_store.downgrade_schema(config, 1)
  with pytest.raises(RuntimeError, match='older'):
    metadata_store.MetadataStore(config)
  s = metadata_store.MetadataStore(config, enable_upgrade_migration=True)
  assert [t.name for t in s.get_artifact_types()] == ['DataSet']


@pytest.mark.in_process
def test_stores_are_independent(db_path):
  a = metadata_store.MetadataStore(memory_config())
  b = metadata_store.MetadataStore(memory_config())
  data_type(a)
  assert b.get_artifact_types() == []
  f1 = metadata_store.MetadataStore(file_config(db_path))
  f2 = metadata_store.MetadataStore(file_config(db_path))
  data_type(f1, 'Shared')
  assert [t.name for t in f2.get_artifact_types()] == ['Shared']


@pytest.mark.in_process
def test_postgresql_config():
  """ConnectionConfig.postgresql, when the suite has a server."""
  import os  # pylint: disable=g-import-not-at-top
  import urllib.parse  # pylint: disable=g-import-not-at-top
  uri = os.environ.get('MLMD_TEST_POSTGRES')
  if not uri:
    pytest.skip('set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT')
  u = urllib.parse.urlparse(uri)
  config = pb.ConnectionConfig()
  config.postgresql.host = u.hostname
  config.postgresql.port = str(u.port or 5432)
  config.postgresql.user = u.username or ''
  config.postgresql.dbname = 'mlmd_t_py_%d' % os.getpid()
  store = metadata_store.MetadataStore(config)
  tid = data_type(store, n=pb.INT)
  ids = store.put_artifacts([artifact(tid, '/pg/%d' % i, n=i) for i in range(30)])
  got = store.get_artifacts(ListOptions(filter_query='properties.n.int_value > 26'))
  assert [a.id for a in got] == ids[27:]
  again = metadata_store.MetadataStore(config)  # a second connection
  assert len(again.get_artifacts()) == 30
  config.postgresql.dbname = 'mlmd_t_missing_%d' % os.getpid()
  config.postgresql.skip_db_creation = True
  with pytest.raises(RuntimeError, match='does not exist'):
    metadata_store.MetadataStore(config)
  config.postgresql.port = '1'
  with pytest.raises(RuntimeError, match='PostgreSQL server'):
    metadata_store.MetadataStore(config)

"""A fixed MetadataStore workload whose results test_cpp_messages compares
across protobuf back ends (run as a script: `cpp_workload.py STORE_FILE`).

It writes types, artifacts (every property kind, custom properties, more
than one page), executions, contexts, events, attributions, associations
and parent contexts to a new SQLite file, then reads them back through
get, list (paged, ordered, filtered), by-type, by-context, events and
lineage calls. It prints one JSON object: the accelerator's state and, per
call, the results serialized deterministically, in hex, with the clock
fields (create and update times) cleared, since two runs cannot share them.
Errors the store raises are part of the results (their class and message).
"""

import json
import sys

from ml_metadata import _cpp
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

from google.protobuf import any_pb2
from google.protobuf import struct_pb2

_CLOCK = ('create_time_since_epoch', 'last_update_time_since_epoch')


def _clear_clock(message):
  """Clears the clock fields of message and of the messages inside it."""
  for field, value in message.ListFields():
    if field.name in _CLOCK:
      message.ClearField(field.name)
    elif field.message_type is None or field.message_type.GetOptions().map_entry:
      continue  # scalars; maps hold property values, never clock fields
    elif field.label == field.LABEL_REPEATED:
      for v in value:
        _clear_clock(v)
    else:
      _clear_clock(value)


def _plain(message):
  """message with its clock fields cleared, serialized deterministically."""
  copy = type(message)()
  copy.CopyFrom(message)
  _clear_clock(copy)
  return copy.SerializeToString(deterministic=True).hex()


def _result(value):
  if isinstance(value, (list, tuple)):
    return [_result(v) for v in value]
  if hasattr(value, 'SerializeToString'):
    return _plain(value)
  return value


def workload(path):
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = path
  store = metadata_store.MetadataStore(config)
  out = {'accelerated': _cpp.ACTIVE}

  def record(name, fn, *args, **kwargs):
    try:
      out[name] = _result(fn(*args, **kwargs))
    except errors.StatusError as e:
      out[name] = ['error', type(e).__name__, str(e)]

  at = pb.ArtifactType(name='DataSet', version='v1', description='rows')
  for name, kind in (('span', pb.INT), ('score', pb.DOUBLE),
                     ('split', pb.STRING), ('meta', pb.STRUCT),
                     ('blob', pb.PROTO), ('ok', pb.BOOLEAN)):
    at.properties[name] = kind
  at_id = store.put_artifact_type(at)
  et_id = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct_id = store.put_context_type(pb.ContextType(name='Pipeline'))

  artifacts = []
  for i in range(250):
    a = pb.Artifact(type_id=at_id, uri='/data/part-%d' % i,
                    name='part-%d' % i, external_id='ext-%d' % i,
                    state=pb.Artifact.LIVE if i % 3 else pb.Artifact.PENDING)
    a.properties['span'].int_value = i
    a.properties['score'].double_value = i * 0.25
    a.properties['split'].string_value = 'train' if i % 2 else 'eval\u00e9'
    a.properties['ok'].bool_value = bool(i % 5)
    if i % 7 == 0:
      s = struct_pb2.Struct()
      s.update({'rows': i, 'tags': ['a', 'b'], 'nested': {'x': 1.5}})
      a.properties['meta'].struct_value.CopyFrom(s)
      blob = any_pb2.Any()
      blob.Pack(pb.Value(int_value=i))
      a.properties['blob'].proto_value.CopyFrom(blob)
    a.custom_properties['note'].string_value = 'n%d' % (i % 4)
    a.custom_properties['weight'].double_value = -i
    artifacts.append(a)
  ids = store.put_artifacts(artifacts)
  out['artifact_ids'] = ids

  contexts = [pb.Context(type_id=ct_id, name='run-%d' % i) for i in range(3)]
  ctx_ids = store.put_contexts(contexts)
  store.put_parent_contexts([pb.ParentContext(child_id=ctx_ids[1],
                                              parent_id=ctx_ids[0])])
  for i in range(20):
    e = pb.Execution(type_id=et_id, name='exec-%d' % i,
                     last_known_state=pb.Execution.COMPLETE)
    e.custom_properties['epoch'].int_value = i
    inp = pb.Event(type=pb.Event.INPUT, milliseconds_since_epoch=1000 + i)
    outp = pb.Event(type=pb.Event.OUTPUT, milliseconds_since_epoch=2000 + i)
    step = outp.path.steps.add()
    step.key = 'model'
    src = pb.Artifact(id=ids[i])
    dst = pb.Artifact(id=ids[i + 1])
    ctx = pb.Context(id=ctx_ids[i % 3])
    record('put_execution_%d' % i, store.put_execution, e,
           [(src, inp), (dst, outp)], [ctx])

  some = ids[::3] + [10**9]  # one id that does not exist
  record('get_artifacts_by_id', store.get_artifacts_by_id, some)
  record('get_artifacts', store.get_artifacts)
  record('get_artifacts_ordered', store.get_artifacts,
         list_options=metadata_store.ListOptions(
             limit=130, order_by=metadata_store.OrderByField.ID,
             is_asc=False))
  record('get_artifacts_filtered', store.get_artifacts,
         list_options=metadata_store.ListOptions(
             filter_query="properties.split.string_value = 'train' AND "
                          'custom_properties.weight.double_value < -100'))
  record('get_artifacts_by_type', store.get_artifacts_by_type, 'DataSet')
  record('get_artifacts_by_uri', store.get_artifacts_by_uri, '/data/part-7')
  record('get_artifacts_by_external_ids', store.get_artifacts_by_external_ids,
         ['ext-3', 'ext-200'])
  record('get_artifact_by_type_and_name', store.get_artifact_by_type_and_name,
         'DataSet', 'part-14')
  record('get_artifacts_and_types', store.get_artifacts_and_types_by_artifact_ids,
         ids[:5])
  record('get_executions', store.get_executions)
  record('get_contexts', store.get_contexts)
  record('get_artifact_types', store.get_artifact_types)
  record('get_artifacts_by_context', store.get_artifacts_by_context, ctx_ids[1])
  record('get_executions_by_context', store.get_executions_by_context,
         ctx_ids[2])
  record('get_contexts_by_artifact', store.get_contexts_by_artifact, ids[4])
  record('get_parent_contexts', store.get_parent_contexts_by_context,
         ctx_ids[1])
  record('get_events_by_artifact_ids', store.get_events_by_artifact_ids,
         ids[:25])
  record('get_events_by_execution_ids', store.get_events_by_execution_ids,
         list(range(1, 21)))
  opts = pb.LineageSubgraphQueryOptions(max_num_hops=4)
  opts.starting_artifacts.filter_query = 'id = %d' % ids[5]
  record('get_lineage_subgraph', store.get_lineage_subgraph, opts)
  record('get_missing_type', store.get_artifact_type, 'NoSuchType')
  record('put_bad_property', store.put_artifacts,
         [pb.Artifact(type_id=at_id, properties={
             'span': pb.Value(string_value='not an int')})])
  return out


if __name__ == '__main__':
  json.dump(workload(sys.argv[1]), sys.stdout, sort_keys=True)

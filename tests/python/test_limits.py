"""What the store accepts stays readable by Debian's Python protobuf.

Python's protobuf (like C++'s) refuses a message nested more than 100 levels
deep. A struct property nested 48 objects deep used to be stored, and from
then on every listing that returned it raised DecodeError. mlmd now refuses a
node nested deeper than MLMD_MAX_NODE_NESTING (97) levels below itself: the
deepest a node sits in a response is 3 levels (a Context in
GetParentContextsByContextsResponse), so 3 + 97 = 100 still parses.
"""

import pytest
from google.protobuf.internal import api_implementation

from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc

NODE_LIMIT = 97


def deep_context(type_id, name, depth):
  """A context whose deepest message is `depth` levels below it: map entry
  (1), Value (2), Struct (3), fields entry (4), google.protobuf.Value (5),
  then list levels (2 each) and, for an even depth, an empty Struct."""
  c = pb.Context(type_id=type_id, name=name)
  v = c.custom_properties['p'].struct_value.fields['k']
  level = 5
  while level + 2 <= depth:
    v = v.list_value.values.add()
    level += 2
  if level < depth:
    v.struct_value.SetInParent()
    level += 1
  assert level == depth
  return c


def nested_objects(n):
  """A dict nested n objects deep: {'a': {'a': ... {}}}."""
  d = {}
  for _ in range(n - 1):
    d = {'a': d}
  return d


def test_deepest_accepted_node_reads_back_in_every_response(store):
  ct = store.put_context_type(pb.ContextType(name='Run'))
  [parent, child] = store.put_contexts([deep_context(ct, 'parent', NODE_LIMIT),
                                        deep_context(ct, 'child', NODE_LIMIT)])
  store.put_parent_contexts([pb.ParentContext(child_id=child, parent_id=parent)])
  # listings decode in Python
  assert sorted(c.name for c in store.get_contexts()) == ['child', 'parent']
  assert store.get_contexts_by_id([child])[0].custom_properties['p'].HasField('struct_value')
  assert [c.id for c in store.get_parent_contexts_by_context(child)] == [parent]
  # and so does the deepest response a Context can be in (100 levels)
  req = svc.GetParentContextsByContextsRequest(context_ids=[child])
  resp = store._call('GetParentContextsByContexts', req,  # pylint: disable=protected-access
                     svc.GetParentContextsByContextsResponse())
  assert [c.id for c in resp.contexts[child].parent_contexts] == [parent]
  # one level more would not parse there: it is refused when put
  with pytest.raises(errors.InvalidArgumentError, match='deeper than 97 levels'):
    store.put_contexts([deep_context(ct, 'deeper', NODE_LIMIT + 1)])
  too_deep = svc.GetParentContextsByContextsResponse()
  too_deep.contexts[1].parent_contexts.append(deep_context(ct, 'x', NODE_LIMIT + 1))
  if api_implementation.Type() != 'python':  # the pure-Python parser has no depth limit
    with pytest.raises(Exception):
      svc.GetParentContextsByContextsResponse().ParseFromString(too_deep.SerializeToString())


def test_struct_48_deep_is_refused_and_listings_keep_working(store):
  t = store.put_artifact_type(pb.ArtifactType(name='DataSet'))
  ok = pb.Artifact(type_id=t, uri='/ok')
  ok.custom_properties['s'].struct_value.update(nested_objects(32))  # 3 * 32 = 96 levels
  store.put_artifacts([ok])
  deep = pb.Artifact(type_id=t, uri='/deep')
  deep.custom_properties['s'].struct_value.update(nested_objects(48))
  with pytest.raises(errors.InvalidArgumentError, match='messages nest deeper than'):
    store.put_artifacts([deep])
  deep.custom_properties['s'].struct_value.Clear()
  deep.custom_properties['s'].struct_value.update(nested_objects(33))  # 99 levels: the node limit
  with pytest.raises(errors.InvalidArgumentError, match='deeper than 97 levels'):
    store.put_artifacts([deep])
  assert [a.uri for a in store.get_artifacts()] == ['/ok']
  assert [a.uri for a in store.get_artifacts_by_type('DataSet')] == ['/ok']


def test_nul_in_strings_is_refused_not_cut(store):
  t = store.put_artifact_type(pb.ArtifactType(name='DataSet'))
  with pytest.raises(errors.InvalidArgumentError, match=r'artifacts\[0\]\.uri: the string holds a NUL'):
    store.put_artifacts([pb.Artifact(type_id=t, uri='s3://b/a\x00../../etc/passwd')])
  with pytest.raises(errors.InvalidArgumentError, match='NUL'):
    store.put_artifacts([pb.Artifact(type_id=t, name='same\x00one'),
                         pb.Artifact(type_id=t, name='same\x00two')])
  store.put_artifacts([pb.Artifact(type_id=t, uri='s3://b/a')])
  with pytest.raises(errors.InvalidArgumentError, match='filter_query'):
    store.get_artifacts(list_options=metadata_store.ListOptions(filter_query="\x00 name = 'x'"))
  assert [a.uri for a in store.get_artifacts()] == ['s3://b/a']


def test_unknown_enum_values_are_refused(store):
  t = store.put_artifact_type(pb.ArtifactType(name='DataSet'))
  a = pb.Artifact(type_id=t)
  a.ParseFromString(a.SerializeToString() + b'\x30\x63')  # state = 99 (field 6)
  with pytest.raises(errors.InvalidArgumentError, match='99 is not a value of ml_metadata.Artifact.State'):
    store.put_artifacts([a])
  assert store.get_artifacts() == []

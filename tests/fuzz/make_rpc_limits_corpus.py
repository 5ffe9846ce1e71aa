"""Seeds for tests/fuzz/fuzz_rpc.c: nesting at and past the limits (a node 97
levels deep, 98, a request past 100), NUL bytes in strings, enum values no
enum defines. The target's record format: u8 method index, u16 little-endian
length, request bytes. Run from the source tree after `make`:

    /usr/bin/python3 tests/fuzz/make_rpc_limits_corpus.py tests/fuzz/corpus/rpc
"""
import os, re, struct, sys
sys.path.insert(0, 'bindings/python')
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
with open('include/mlmd/rpc_list.h') as f:
  METHODS = re.findall(r'X\((\w+), \w+, [01]\)', f.read())
out = sys.argv[1]
def raw(method, b):
  assert len(b) < 65536
  return bytes([METHODS.index(method)]) + struct.pack('<H', len(b)) + b
def rec(method, **fields):
  return raw(method, getattr(svc, method + 'Request')(**fields).SerializeToString())
def save(name, *records):
  data = b''.join(records)
  assert len(data) <= 4096, (name, len(data))
  with open(os.path.join(out, name), 'wb') as f:
    f.write(data)
def deep_context(name, depth):
  c = pb.Context(type_id=1, name=name)
  v = c.custom_properties['p'].struct_value.fields['k']
  level = 5
  while level + 2 <= depth:
    v = v.list_value.values.add(); level += 2
  if level < depth:
    v.struct_value.SetInParent()
  return c
RUN = rec('PutContextType', context_type=pb.ContextType(name='Run'))
DATA = rec('PutArtifactType', artifact_type=pb.ArtifactType(name='D', properties={'s': pb.STRING}))
# a node as deep as allowed (97 levels), one past it, and a request past 100
save('limits-depth', RUN, rec('PutContexts', contexts=[deep_context('ok', 97)]),
     rec('PutContexts', contexts=[deep_context('no', 98)]),
     rec('PutContexts', contexts=[deep_context('far', 140)]),
     rec('PutContexts', contexts=[pb.Context(type_id=1, name='child')]),
     rec('PutParentContexts', parent_contexts=[pb.ParentContext(child_id=2, parent_id=1)]),
     rec('GetParentContextsByContexts', context_ids=[2]), rec('GetContexts'))
# NUL bytes: a uri, a property value, a property name, a filter that starts with one
a = pb.Artifact(type_id=1, uri='s3://b/a\x00../../etc/passwd')
b = pb.Artifact(type_id=1, uri='s3://b/b')
b.properties['s'].string_value = 'x\x00y'
c = pb.Artifact(type_id=1)
c.custom_properties['n\x00m'].int_value = 1
save('limits-nul', DATA, rec('PutArtifacts', artifacts=[a]), rec('PutArtifacts', artifacts=[b]),
     rec('PutArtifacts', artifacts=[c]), rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, uri='s3://ok')]),
     rec('GetArtifacts', options=pb.ListOperationOptions(filter_query="\x00 name = 'x'")),
     rec('GetArtifactsByURI', uris=['s3://ok', 's3://b/a\x00']))
# enum values no enum defines: state 99, Event.type 77, a property type 42
st = pb.Artifact(type_id=1).SerializeToString() + b'\x30\x63'
ev = pb.Event(artifact_id=1, execution_id=1).SerializeToString() + b'\x20\x4d'
tp = svc.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name='E')).SerializeToString()
save('limits-enums', DATA, rec('PutExecutionType', execution_type=pb.ExecutionType(name='T')),
     raw('PutArtifacts', b'\x0a' + bytes([len(st)]) + st),
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1)]), rec('PutExecutions', executions=[pb.Execution(type_id=2)]),
     raw('PutEvents', b'\x0a' + bytes([len(ev)]) + ev),
     raw('PutArtifactType', b'\x0a\x0a\x12\x01F\x1a\x05\x0a\x01p\x10\x2a'),
     rec('GetArtifacts', options=pb.ListOperationOptions(filter_query='state = LIVE')))

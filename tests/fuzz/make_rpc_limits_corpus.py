"""Seeds for tests/fuzz/fuzz_rpc.c: nesting at and past the limits (a node 97
levels deep, 98, a request past 100), NUL bytes in strings, enum values no
enum defines; for the governance RPCs, numbers at their extremes (versions,
request ids, as_of_ms, seqs, page sizes and tokens), names and aliases at and
past their lengths, many moves, tags and requirements. The target's record format: u8 method index, u16 little-endian
length, request bytes. Run from the source tree after `make`:

    /usr/bin/python3 tests/fuzz/make_rpc_limits_corpus.py tests/fuzz/corpus/rpc
"""
import os, re, struct, sys
sys.path.insert(0, 'bindings/python')
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd.proto import mlmd_governance_pb2 as gov
METHODS = []
for h in ('include/mlmd/rpc_list.h', 'lib/store/track.h', 'lib/store/governance.h'):
  with open(h) as f:
    METHODS += re.findall(r'X\((\w+), \w+, [01]\)', f.read())
assert len(METHODS) == 82, len(METHODS)
GOVERNANCE = METHODS[62:]
out = sys.argv[1]
def raw(method, b):
  assert len(b) < 65536
  return bytes([METHODS.index(method)]) + struct.pack('<H', len(b)) + b
def rec(method, **fields):
  return raw(method, getattr(gov if method in GOVERNANCE else svc, method + 'Request')(**fields).SerializeToString())
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

# ---- governance --------------------------------------------------------------------------
I64_MIN, I64_MAX, I32_MIN, I32_MAX = -2**63, 2**63 - 1, -2**31, 2**31 - 1
def actor(name):
  return bytes([len(METHODS)]) + struct.pack('<H', len(name)) + name
MODEL = [rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model')),
         rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, uri='file:///m')]),
         rec('CreateRegisteredModel', name='m'),
         rec('CreateModelVersion', model_name='m', artifact_id=1),
         rec('CreateModelVersion', model_name='m', artifact_id=1)]
# numbers at their extremes
save('limits-reg-numbers', *MODEL,
     *[rec('ResolveModel', model_name='m', version=v) for v in (I64_MIN, -1, I64_MAX)],
     rec('ResolveModel', model_name='m', alias='latest', as_of_ms=I64_MIN),
     rec('ResolveModel', model_name='m', alias='latest', as_of_ms=I64_MAX),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='a', version=I64_MAX),
                                              gov.AliasMove(alias='b', version=I64_MIN)]),
     rec('SetModelVersionTags', model_name='m', version=I64_MIN, set_tags=[gov.Tag(key='k', value='v')]),
     rec('ApproveRequest', request_id=I64_MIN), rec('RejectRequest', request_id=I64_MAX),
     rec('GetAliasRequests', request_id=-1),
     rec('SetAliasPolicy', model_name='m', alias='p', approvals=I64_MAX),
     rec('SetAliasPolicy', model_name='m', alias='q', approvals=I64_MIN),
     rec('CreateModelVersion', model_name='m', artifact_id=I64_MIN, run_id=I64_MAX))
# pages and tokens
save('limits-reg-pages', *MODEL,
     rec('ListRegisteredModels', max_results=I32_MAX), rec('ListRegisteredModels', max_results=I32_MIN),
     rec('ListRegisteredModels', max_results=1, page_token='\xff' * 300),
     rec('SearchModelVersions', max_results=I32_MAX, page_token='9223372036854775807'),
     rec('SearchModelVersions', max_results=1, page_token='-9223372036854775808'),
     rec('SearchModelVersions', max_results=1, page_token='99999999999999999999999'),
     rec('SearchModelVersions', max_results=1, page_token='1x'),
     rec('GetAuditLog', since_seq=I64_MIN, max_results=I32_MAX),
     rec('GetAuditLog', since_seq=I64_MAX, max_results=I32_MIN),
     rec('GetAuditLog', since_seq=-1, max_results=1),
     rec('VerifyAudit', checkpoint_seq=I64_MAX, checkpoint_hash='f' * 64),
     rec('VerifyAudit', checkpoint_seq=I64_MIN, checkpoint_hash='x'),
     rec('VerifyAudit', checkpoint_seq=1))
# names and aliases at and past their lengths, actors too
save('limits-reg-names', *MODEL,
     rec('CreateRegisteredModel', name='n' * 250), rec('CreateRegisteredModel', name='n' * 251),
     rec('CreateRegisteredModel', name='a\x00b'), rec('CreateRegisteredModel', name='x/1'),
     rec('CreateRegisteredModel', name='\u00e9t\u00e9'),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='A' * 64, version=1)]),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='A' * 65, version=1)]),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='latest', version=1),
                                              gov.AliasMove(alias='9x', version=1)]),
     rec('ResolveModel', model_name='m', alias='A' * 64, version=1),
     rec('ResolveModel', model_name='m'),
     actor(b'b' * 256), rec('GetRegisteredModel', name='m'),
     actor(b'b' * 257), actor(b'\xc3('), actor(b'\x1b[31m'), actor(b''))
# many moves, tags and requirements
save('limits-reg-many', *MODEL,
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='a%d' % i, version=1 + i % 2) for i in range(101)]),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='d', version=1)] * 3),
     rec('UpdateRegisteredModel', name='m', set_tags=[gov.Tag(key='t%d' % i, value='v') for i in range(80)],
         delete_tags=['t%d' % i for i in range(50)]),
     rec('SetAliasPolicy', model_name='m', alias='p',
         require=[gov.Requirement(key='k%d' % i, value='v') for i in range(80)]),
     rec('RequestAliasMove', model_name='m', moves=[gov.AliasMove(alias='p', version=1)]),
     rec('GetRegisteredModel', name='m'), rec('GetAliasHistory', model_name='m'))
# an archive whose records end at the largest seq, then verified
import hashlib
def archived(seq, prev='0' * 64):
  text = 'mlmd.audit.v1\n%d\n%d\na\nX\n\n%s\n%s\n' % (seq, I64_MIN, 'a' * 64, prev)
  return gov.AuditRecord(seq=seq, time_ms=I64_MIN, actor='a', operation='X', ids='', request_sha256='a' * 64,
                         prev_hash=prev, hash=hashlib.sha256(text.encode()).hexdigest())
A = archived(I64_MAX - 1)
save('limits-audit-archive',
     rec('PutAuditArchive', records=[A, archived(I64_MAX, prev=A.hash)]),
     rec('PutAuditArchive', records=[archived(I64_MAX)]),
     rec('PutAuditArchive', records=[archived(1), archived(1)]),
     rec('PutAuditArchive', records=[archived(2, prev='A' * 64)]),
     rec('VerifyAudit'), rec('GetAuditLog', max_results=10000))
# a model context edited through MLMD's own PutContexts: its latest_version at INT64_MAX, negative
def edited_model(latest):
  x = pb.Context(id=1, type_id=2, name='m')
  x.custom_properties['mlmd.latest_version'].int_value = latest
  return rec('PutContexts', contexts=[x])
save('limits-reg-edited', rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model')),
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, uri='file:///m')]),
     rec('CreateRegisteredModel', name='m'), rec('GetContextTypes'), rec('GetContexts'),
     edited_model(I64_MAX), rec('CreateModelVersion', model_name='m', artifact_id=1),
     rec('ResolveModel', model_name='m', alias='latest'), rec('GetRegisteredModel', name='m'),
     edited_model(-5), rec('CreateModelVersion', model_name='m', artifact_id=1),
     rec('ResolveModel', model_name='m', alias='latest'), rec('GetRegisteredModel', name='m'),
     rec('SearchModelVersions', model_name='m'))
# contexts of the registry's types made through MLMD's PutContexts: a version without
# properties, one of a model that does not exist, one with a string version, attached to the
# real model; a "model" context without properties; then every read
def forged(cid, type_id, name, **props):
  x = pb.Context(type_id=type_id, name=name)
  for k, v in props.items():
    if isinstance(v, int):
      x.custom_properties[k].int_value = v
    else:
      x.custom_properties[k].string_value = v
  return x
save('limits-reg-forged', rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model')),
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, uri='file:///m')]),
     rec('CreateRegisteredModel', name='m'), rec('CreateModelVersion', model_name='m', artifact_id=1),
     rec('GetContextTypes'),
     rec('PutContexts', contexts=[
         forged(3, 3, 'm/7'), forged(4, 3, 'ghost/1', **{'mlmd.model': 'ghost', 'mlmd.version': 1}),
         forged(5, 3, 'm/x', **{'mlmd.model': 'm', 'mlmd.version': 'x', 'mlmd.artifact_id': 99}),
         forged(6, 2, 'bare'), forged(7, 3, 'm/2', **{'mlmd.model': 'm', 'mlmd.version': 2})]),
     rec('PutParentContexts', parent_contexts=[pb.ParentContext(child_id=i, parent_id=1) for i in (3, 4, 5, 7)] +
         [pb.ParentContext(child_id=2, parent_id=6)]),
     rec('GetRegisteredModel', name='m'), rec('GetRegisteredModel', name='bare'),
     rec('ListRegisteredModels'), rec('SearchModelVersions'), rec('SearchModelVersions', model_name='m'),
     rec('SearchModelVersions', artifact_id=1), rec('ResolveModel', model_name='m', version=2),
     rec('ResolveModel', model_name='m', alias='latest'),
     rec('SetAliases', model_name='m', moves=[gov.AliasMove(alias='a', version=2)]),
     rec('CreateModelVersion', model_name='m', artifact_id=1),
     rec('CreateModelVersion', model_name='bare', artifact_id=1),
     rec('SetModelVersionTags', model_name='m', version=2, set_tags=[gov.Tag(key='k', value='v')]),
     rec('GetAliasHistory', model_name='m'))

"""Seeds for tests/fuzz/fuzz_rpc.c's DataGovernanceService RPCs (indices after
the actor pseudo-method): deletes of every kind with missing, zero,
negative, INT64_MAX and duplicate ids, reasons past 4096 bytes and with NUL
and control characters, deleting twice and re-using a deleted name; labels
empty, 129 bytes, with bad characters, on tombstones, with negative
until-times; retention policies with negative and huge ages, unknown and
ambiguous types; gates with duplicates and bad names; impact with negative
max_nodes; RestoreDataGovernance of live nodes with values, of unknown nodes
and of contexts. The target's record format: u8 method index, u16
little-endian length, request bytes. Run from the source tree after `make`:

    /usr/bin/python3 tests/fuzz/make_rpc_datagov_corpus.py tests/fuzz/corpus/rpc
"""
import os, re, struct, sys
sys.path.insert(0, 'bindings/python')
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd.proto import mlmd_governance_pb2 as gov
METHODS = []
for h in ('include/mlmd/rpc_list.h', 'lib/store/track.h', 'lib/store/governance.h'):
  with open(h) as f:
    text = f.read()
  if h.endswith('governance.h'):
    text = text[:text.index('#define MLMD__DATA_RPC_LIST')]
  METHODS += re.findall(r'X\((\w+), \w+, [01]\)', text)
SET_ACTOR = len(METHODS)  # 83: the actor pseudo-method, then the data governance RPCs
with open('lib/store/governance.h') as f:
  text = f.read()
DATA = re.findall(r'X\((\w+), \w+, [01]\)', text[text.index('#define MLMD__DATA_RPC_LIST'):])[:15]
assert DATA[0] == 'DeleteNodes' and DATA[-1] == 'RestoreDataGovernance', DATA
METHODS += ['(actor)'] + DATA
out = sys.argv[1]
I64 = 2**63 - 1
A, E, C = gov.ARTIFACT, gov.EXECUTION, gov.CONTEXT
def raw(method, b):
  assert len(b) < 65536
  return bytes([METHODS.index(method)]) + struct.pack('<H', len(b)) + b
def rec(method, **fields):
  mod = gov if method in DATA else svc
  return raw(method, getattr(mod, method + 'Request')(**fields).SerializeToString())
def varint(n):
  n &= 2**64 - 1
  b = b''
  while True:
    b += bytes([(n & 0x7f) | (0x80 if n > 0x7f else 0)])
    n >>= 7
    if not n:
      return b
def kind(method, k, **fields):
  # a NodeKind no enum value names (python refuses to set one): field 1 first
  return raw(method, b'\x08' + varint(k) + getattr(gov, method + 'Request')(**fields).SerializeToString())
def actor(name):
  return bytes([SET_ACTOR]) + struct.pack('<H', len(name)) + name.encode()
def save(name, *records):
  assert len(records) <= 32, (name, len(records))  # the target's MAX_CALLS
  data = b''.join(records)
  # a reason past 4096 bytes does not fit FUZZ_MAXLEN_rpc: `make check-fuzz` replays such
  # a seed whole, libFuzzer takes its first 4096 bytes
  assert len(data) <= 12288, (name, len(data))
  with open(os.path.join(out, name), 'wb') as f:
    f.write(data)
def art(uri, name=None, **props):
  a = pb.Artifact(type_id=1, uri=uri)
  if name:
    a.name = name
  for k, v in props.items():
    a.custom_properties[k].string_value = v
  return a
TYPES = [rec('PutArtifactType', artifact_type=pb.ArtifactType(name='D', properties={'s': pb.STRING})),
         rec('PutExecutionType', execution_type=pb.ExecutionType(name='T')),
         rec('PutContextType', context_type=pb.ContextType(name='Run')),
         # a type name used by two kinds: retention by name alone is ambiguous
         rec('PutContextType', context_type=pb.ContextType(name='D'))]
NODES = [rec('PutArtifacts', artifacts=[art('s3://a', 'a', m='secret'), art('s3://b', 'b'), art('s3://c')]),
         rec('PutExecutions', executions=[pb.Execution(type_id=2, name='e')]),
         rec('PutEvents', events=[pb.Event(artifact_id=1, execution_id=1, type=pb.Event.INPUT),
                                  pb.Event(artifact_id=2, execution_id=1, type=pb.Event.OUTPUT)]),
         rec('PutContexts', contexts=[pb.Context(type_id=3, name='run')]),
         rec('PutAttributionsAndAssociations',
             attributions=[pb.Attribution(artifact_id=2, context_id=1)],
             associations=[pb.Association(execution_id=1, context_id=1)])]
BASE = TYPES + NODES
save('dg-delete-ids', *BASE,
     rec('DeleteNodes'), rec('DeleteNodes', kind=A), kind('DeleteNodes', 4, ids=[1]), kind('DeleteNodes', -1, ids=[1]),
     rec('DeleteNodes', kind=A, ids=[0]), rec('DeleteNodes', kind=A, ids=[-1]),
     rec('DeleteNodes', kind=A, ids=[I64]), rec('DeleteNodes', kind=A, ids=[-I64 - 1]),
     rec('DeleteNodes', kind=A, ids=[3, 3, 3], dry_run=True),
     rec('DeleteNodes', kind=A, ids=[3, 3, 1], reason='dup'),
     rec('DeleteNodes', kind=A, ids=[3]), rec('DeleteNodes', kind=A, ids=[3], dry_run=True),
     rec('GetTombstones', kind=A), rec('GetTombstones', kind=A, ids=[0, -1, I64, 1, 3, 3]),
     rec('GetTombstones', kind=A, after_id=-5, max_results=-1), rec('GetTombstones', kind=A, after_id=I64),
     rec('GetTombstones'), rec('GetArtifactsByID', artifact_ids=[1, 3]))
save('dg-delete-reason', *BASE,
     rec('DeleteNodes', kind=A, ids=[1], reason='x' * 4097),
     rec('DeleteNodes', kind=A, ids=[1], reason='a\x00b\x01\x1b[31m\n'),
     rec('DeleteNodes', kind=E, ids=[1], reason='r' * 4096),
     rec('DeleteNodes', kind=C, ids=[1], reason='\x7f'),
     rec('DeleteNodes', kind=C, ids=[1]),
     rec('GetTombstones', kind=C), rec('GetTombstones', kind=E),
     rec('GetContextsByID', context_ids=[5]), rec('GetContexts'),
     rec('GetLineageSubgraph', lineage_subgraph_query_options=pb.LineageSubgraphQueryOptions(
         starting_artifacts=pb.LineageSubgraphQueryOptions.StartingNodes(filter_query='uri = "s3://b"'),
         max_num_hops=4)))
save('dg-delete-reuse', *BASE,
     rec('DeleteNodes', kind=A, ids=[1]), rec('PutArtifacts', artifacts=[art('s3://a', 'a')]),
     rec('DeleteNodes', kind=E, ids=[1]), rec('PutExecutions', executions=[pb.Execution(type_id=2, name='e')]),
     rec('DeleteNodes', kind=C, ids=[1]), rec('PutContexts', contexts=[pb.Context(type_id=3, name='run')]),
     rec('PutContexts', contexts=[pb.Context(type_id=3, name='\x1bdeleted:1')]),
     rec('GetContextByTypeAndName', type_name='Run', context_name='run'),
     rec('GetArtifactByTypeAndName', type_name='D', artifact_name='a'),
     rec('DeleteNodes', kind=A, ids=[1]), rec('DeleteNodes', kind=A, ids=[4, 1]),
     rec('GetArtifacts'))
save('dg-labels', *BASE,
     rec('Classify'), rec('Classify', kind=A, id=1), rec('Classify', kind=A, id=1, label=''),
     rec('Classify', kind=A, id=1, label='L' * 128), rec('Classify', kind=A, id=1, label='L' * 129),
     rec('Classify', kind=A, id=1, label='1abc'), rec('Classify', kind=A, id=1, label='a b'),
     rec('Classify', kind=A, id=1, label='a\x00b'), rec('Classify', kind=A, id=1, label='é'),
     kind('Classify', 4, id=1, label='PII'), rec('Classify', kind=A, id=0, label='PII'),
     rec('Classify', kind=A, id=-1, label='PII'), rec('Classify', kind=A, id=I64, label='PII'),
     rec('ListLabels'))
save('dg-labels-attrs', *BASE,
     rec('Classify', kind=A, id=1, label='PII', until_ms=-1),
     rec('Classify', kind=A, id=1, label='PII', until_ms=I64, reason='x' * 4097),
     rec('Classify', kind=A, id=1, label='POISONED', reason='bad\x00\n\x1b'),
     rec('Classify', kind=A, id=1, label='POISONED', no_propagate=True),
     rec('Classify', kind=C, id=1, label='HOLD'),
     rec('GetEffectiveLabels', kind=A, id=2), rec('GetEffectiveLabels', kind=A, id=2, include_expired=True),
     rec('GetEffectiveLabels', kind=A, id=0), rec('GetEffectiveLabels', kind=0, id=2), kind('GetEffectiveLabels', -1, id=2),
     rec('ListLabels', label='', max_results=-1), rec('ListLabels', after_id=I64),
     rec('ListLabels', label='POISONED', after_id=-1, max_results=1),
     rec('Unclassify', kind=A, id=1, label='NOPE'), rec('Unclassify', kind=A, id=1, label=''),
     rec('Unclassify', kind=A, id=1, label='POISONED'), rec('Unclassify', kind=A, id=1, label='POISONED'),
     rec('DeleteNodes', kind=A, ids=[2]))
save('dg-labels-tombstone', *BASE,
     rec('Classify', kind=A, id=1, label='POISONED'),
     rec('DeleteNodes', kind=A, ids=[1, 2], reason='gone'),
     rec('Classify', kind=A, id=1, label='PII'), rec('Classify', kind=A, id=2, label='EXPIRED'),
     rec('GetEffectiveLabels', kind=A, id=2), rec('CheckServingGate', artifact_id=2),
     rec('PutEvents', events=[pb.Event(artifact_id=3, execution_id=1, type=pb.Event.OUTPUT)]),
     rec('GetEffectiveLabels', kind=A, id=3), rec('CheckServingGate', artifact_id=3),
     rec('Unclassify', kind=A, id=1, label='POISONED'), rec('CheckServingGate', artifact_id=3),
     rec('ListLabels'))
save('dg-gate', *BASE,
     rec('GetServingGate'), rec('SetServingGate', labels=['PII', 'PII', 'POISONED']),
     rec('SetServingGate', labels=['']), rec('SetServingGate', labels=['bad label']),
     rec('SetServingGate', labels=['L' * 129]), rec('SetServingGate', labels=['X'] * 200),
     rec('SetServingGate'), rec('GetServingGate'),
     rec('SetServingGate', labels=['POISONED', 'EXPIRED', 'RESTRICTED']),
     rec('Classify', kind=E, id=1, label='RESTRICTED', until_ms=1),
     rec('CheckServingGate', artifact_id=2), rec('CheckServingGate', artifact_id=0),
     rec('CheckServingGate', artifact_id=-3), rec('CheckServingGate', artifact_id=I64),
     rec('CheckServingGate'))
save('dg-retention', *BASE,
     rec('SetRetentionPolicy'), rec('SetRetentionPolicy', policy=gov.RetentionPolicy(type_name='D', max_age_ms=1)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D', max_age_ms=-1)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D', keep_last=-1)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D')),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='nope', max_age_ms=1)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=E, type_name='D', max_age_ms=1)),
     kind('DeleteRetentionPolicy', 4, type_name='D'),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D', max_age_ms=I64, keep_last=I64)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D', max_age_ms=I64)),
     rec('RunRetention', dry_run=True),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(kind=A, type_name='D', keep_last=1)),
     rec('SetRetentionPolicy', policy=gov.RetentionPolicy(type_name='T', max_age_ms=1, type_id=99)),
     rec('Classify', kind=A, id=1, label='HOLD'),
     rec('GetRetentionPolicies'), rec('RunRetention', dry_run=True), rec('RunRetention'), rec('RunRetention'),
     rec('DeleteRetentionPolicy', type_name='D'),
     rec('DeleteRetentionPolicy', kind=A, type_name='D'), rec('DeleteRetentionPolicy', kind=A, type_name='D'),
     rec('GetRetentionPolicies'), rec('GetTombstones', kind=A))
save('dg-impact', *BASE,
     rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model')),
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=5, uri='file:///m.onnx')]),
     rec('PutExecutions', executions=[pb.Execution(type_id=2)]),
     rec('PutEvents', events=[pb.Event(artifact_id=2, execution_id=2, type=pb.Event.INPUT),
                              pb.Event(artifact_id=4, execution_id=2, type=pb.Event.OUTPUT)]),
     rec('Impact'), rec('Impact', kind=C, id=1), rec('Impact', kind=A, id=1, max_nodes=-1),
     rec('Impact', kind=A, id=1, max_nodes=1), rec('Impact', kind=A, id=1, max_nodes=2**31 - 1),
     rec('Impact', kind=E, id=1), rec('Impact', kind=A, id=0), rec('Impact', kind=A, id=I64),
     rec('DeleteNodes', kind=E, ids=[2]), rec('Impact', kind=A, id=1),
     rec('DeleteNodes', kind=A, ids=[4]), rec('Impact', kind=A, id=1))
T = gov.Tombstone
save('dg-restore', *BASE,
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1)]),
     rec('RestoreDataGovernance', tombstones=[T(kind=A, id=1, delete_time_ms=5, actor='x')]),
     rec('RestoreDataGovernance', tombstones=[T(kind=A, id=4, delete_time_ms=-5), T(kind=A, id=4)]),
     kind('Impact', 4, id=1), kind('Impact', -1, id=1),
     rec('RestoreDataGovernance', tombstones=[T(kind=A, id=I64)]),
     rec('RestoreDataGovernance', tombstones=[T(kind=C, id=1, reason='r' * 4097)]),
     rec('RestoreDataGovernance', labels=[gov.LabelEntry(kind=A, node_id=99, label=gov.EffectiveLabel(label='PII'))]),
     rec('RestoreDataGovernance', labels=[gov.LabelEntry(kind=A, node_id=1, label=gov.EffectiveLabel(label='b a d'))]),
     rec('RestoreDataGovernance', labels=[gov.LabelEntry(kind=A, node_id=1)]),
     rec('RestoreDataGovernance', labels=[gov.LabelEntry(kind=C, node_id=1, label=gov.EffectiveLabel(
         label='PII', actor='old', time_ms=-1, until_ms=-1, propagate=True)),
         gov.LabelEntry(kind=C, node_id=1, label=gov.EffectiveLabel(label='PII'))]),
     rec('RestoreDataGovernance', set_gate=True, gate=['A', 'A', '']),
     rec('RestoreDataGovernance', set_gate=True),
     rec('RestoreDataGovernance', policies=[gov.RetentionPolicy(kind=A, type_name='nope', max_age_ms=1)]),
     rec('RestoreDataGovernance', policies=[gov.RetentionPolicy(type_name='D', max_age_ms=1)]),
     rec('RestoreDataGovernance', policies=[gov.RetentionPolicy(kind=A, type_name='D', max_age_ms=1),
                                            gov.RetentionPolicy(kind=A, type_name='D', keep_last=2)]),
     rec('GetServingGate'), rec('GetRetentionPolicies'), rec('ListLabels'), rec('GetTombstones', kind=A))
# a live context that already holds the name a tombstone of context 1 would take
save('dg-delete-name-taken', *TYPES,
     rec('PutContexts', contexts=[pb.Context(type_id=3, name='run'), pb.Context(type_id=3, name='\x1bdeleted:1')]),
     rec('DeleteNodes', kind=C, ids=[1]), rec('GetTombstones', kind=C),
     rec('GetContextByTypeAndName', type_name='Run', context_name='\x1bdeleted:1'))

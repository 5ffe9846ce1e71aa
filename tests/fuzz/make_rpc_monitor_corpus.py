"""Seeds for tests/fuzz/fuzz_rpc.c's MonitoringService RPCs (the indices after
the data governance RPCs): PutProfile with a checked JSON profile, with
columns of mismatched lengths, with numbers and strings in one column, with
zero columns, with both or neither of JSON and columns, for a model id that
is an execution's id, for a tombstoned model, with a NaN/inf column and a
bad category cap; GetProfile by model, by a profile id that is not a
profile; PutDriftWindow on a non-serving execution, with negative rows, an
end before the start, a report that is not JSON, a NaN max_psi, a drifted
window labelling a deployment context with a reason past 4096 bytes of
multibyte characters; GetDriftWindows with last < 0, last 1, on an
execution without windows. Record format: u8 method index, u16
little-endian length, request bytes. Run from the source tree after `make`:

    /usr/bin/python3 tests/fuzz/make_rpc_monitor_corpus.py tests/fuzz/corpus/rpc
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
with open('lib/store/governance.h') as f:
  text = f.read()
DATA = re.findall(r'X\((\w+), \w+, [01]\)', text[text.index('#define MLMD__DATA_RPC_LIST'):
                                               text.index('#define MLMD__MON_RPC_LIST')])
MON = re.findall(r'X\((\w+), \w+, [01]\)', text[text.index('#define MLMD__MON_RPC_LIST'):])[:4]
assert MON == ['PutProfile', 'GetProfile', 'PutDriftWindow', 'GetDriftWindows'], MON
METHODS += ['(actor)'] + DATA + MON
assert METHODS.index('PutProfile') == 99, METHODS.index('PutProfile')
out = sys.argv[1]
A = gov.ARTIFACT
def rec(method, **fields):
  mod = gov if method in DATA + MON else svc
  b = getattr(mod, method + 'Request')(**fields).SerializeToString()
  assert len(b) < 65536
  return bytes([METHODS.index(method)]) + struct.pack('<H', len(b)) + b
def save(name, *records):
  assert len(records) <= 32, (name, len(records))
  with open(os.path.join(out, name), 'wb') as f:
    f.write(b''.join(records))
Col = gov.ProfileColumnData
PROFILE = ('{"format":"mlmd.profile","version":1,"n_rows":4,"columns":[{"name":"x","kind":"numeric",'
           '"count":4,"missing":0,"mean":2,"variance":1,"min":0.5,"max":3.5,"edges":[1,1,1,2,2,2,3,3,3],'
           '"bins":[1,0,0,1,0,0,1,0,0,1]}]}')
# artifact type 1 (model), execution types 1 ModelServing and 2 T, context type 1 Deployment;
# artifacts 1 model, 2 model (deleted), 3 data; executions 1 serving, 2 other; context 1
BASE = [rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model')),
        rec('PutExecutionType', execution_type=pb.ExecutionType(name='ModelServing')),
        rec('PutExecutionType', execution_type=pb.ExecutionType(name='T')),
        rec('PutContextType', context_type=pb.ContextType(name='Deployment')),
        rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, name='m'), pb.Artifact(type_id=1, name='old'),
                                       pb.Artifact(type_id=1, name='data')]),
        rec('PutExecutions', executions=[pb.Execution(type_id=2), pb.Execution(type_id=3)]),
        rec('PutContexts', contexts=[pb.Context(type_id=4, name='prod')]),
        rec('DeleteNodes', kind=A, ids=[2])]
save('mon-profile-json', *BASE,
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, dataset_artifact_id=3),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, name='p'),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, name='p'),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, category_cap=3),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE[:-3]),
     rec('PutProfile', model_artifact_id=1, profile_json='{}'),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE.replace('[1,1,1,2,2,2,3,3,3]', '[3,1,1,2,2,2,3,3,3]')),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, name='n' * 251),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, dataset_artifact_id=2),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, dataset_artifact_id=-1),
     rec('GetProfile', model_artifact_id=1), rec('GetProfile', profile_artifact_id=4),
     rec('GetProfile', profile_artifact_id=3), rec('GetProfile', profile_artifact_id=1, model_artifact_id=1),
     rec('GetProfile', model_artifact_id=3), rec('GetProfile'), rec('GetProfile', model_ref='m@prod'),
     rec('GetProfile', model_ref='m/0'), rec('GetProfile', model_ref='@'), rec('GetProfile', model_ref='m/x'))
save('mon-profile-columns', *BASE,
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[1, 2, 3]), Col(name='b', numbers=[1])]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[1], strings=['x'])]),
     rec('PutProfile', model_artifact_id=1),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a')]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(numbers=[1, 2])]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[1]), Col(name='a', numbers=[2])]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[float('nan')] * 5)]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[float('inf'), -float('inf'), 1e308, -1e308])]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='s', strings=['', '', 'x', 'y', 'x'])], category_cap=1),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='s', strings=['x'])], category_cap=-1),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='s', strings=[str(i) for i in range(3000)])], category_cap=2000000000),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE, columns=[Col(name='a', numbers=[1])]),
     rec('PutProfile', model_artifact_id=1, columns=[Col(name='a', numbers=[1] * 2000)]),
     rec('GetProfile', model_artifact_id=1))
save('mon-profile-model', *BASE,
     rec('PutProfile', model_artifact_id=2, profile_json=PROFILE),
     rec('PutProfile', model_artifact_id=-1, profile_json=PROFILE),
     rec('PutProfile', model_artifact_id=2**63 - 1, profile_json=PROFILE),
     rec('PutProfile', model_artifact_id=1, model_ref='m@prod', profile_json=PROFILE),
     rec('PutProfile', model_ref='m', profile_json=PROFILE),
     rec('PutProfile', model_ref='m/99999999999999999999', profile_json=PROFILE),
     rec('PutProfile', model_ref='m/-1', profile_json=PROFILE),
     rec('GetProfile', model_artifact_id=2),
     rec('DeleteNodes', kind=A, ids=[1]), rec('GetProfile', model_artifact_id=1),
     rec('PutProfile', model_artifact_id=1, profile_json=PROFILE))
W = dict(serving_execution_id=1, model_artifact_id=1, start_ms=10, end_ms=20, rows=5,
         report_json='{"columns":[],"outputs":{}}')
def win(**kw):
  d = dict(W)
  d.update(kw)
  return rec('PutDriftWindow', **d)
save('mon-drift', *BASE,
     win(), win(serving_execution_id=2), win(serving_execution_id=0), win(serving_execution_id=99),
     win(rows=-1), win(start_ms=-1), win(end_ms=5), win(report_json=''), win(report_json='{"columns":'),
     win(report_json='[1,2]'), win(max_psi=float('nan')), win(max_psi=float('inf')),
     win(model_artifact_id=2), win(model_artifact_id=99), win(profile_artifact_id=-3))
save('mon-drift-label', *BASE,
     win(drifted=True, deployment_context_id=1, reason='é' * 3000),
     win(drifted=True, deployment_context_id=1, reason='a\x01\x1b[31m'),
     win(drifted=True, deployment_context_id=77), win(drifted=True, deployment_context_id=-1),
     rec('GetDriftWindows', serving_execution_id=1), rec('GetDriftWindows', serving_execution_id=1, last=-1),
     rec('GetDriftWindows', serving_execution_id=1, last=1), rec('GetDriftWindows', serving_execution_id=1, last=2**31 - 1),
     rec('GetDriftWindows', serving_execution_id=2), rec('GetDriftWindows'),
     rec('ListLabels'))
save('mon-drift-empty', *BASE,
     rec('GetDriftWindows', serving_execution_id=1),
     rec('PutDriftWindow', serving_execution_id=1, model_artifact_id=1, report_json='{}'),
     rec('PutExecutions', executions=[pb.Execution(type_id=2)]),
     rec('GetDriftWindows', serving_execution_id=3), rec('GetDriftWindows', serving_execution_id=3, last=5))

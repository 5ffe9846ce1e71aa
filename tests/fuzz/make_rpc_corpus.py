"""Writes the seed corpus for tests/fuzz/fuzz_rpc.c: short programs of RPC
calls (types, nodes, events, contexts, then reads, filtered lists and lineage
walks; runs, metrics, files and searches of the tracking service), one program per file, in the target's record format
(u8 method index, u16 little-endian length, request bytes). Run after `make`
with Debian's /usr/bin/python3:

    PYTHONPATH=bindings/python /usr/bin/python3 tests/fuzz/make_rpc_corpus.py tests/fuzz/corpus/rpc
"""

import os
import re
import struct
import sys

from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd.proto import mlmd_tracking_pb2 as trk
from mlmd.proto import mlmd_governance_pb2 as gov

HERE = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# Method order as the target sees it: include/mlmd/rpc_list.h.
with open(os.path.join(HERE, '..', '..', 'include', 'mlmd', 'rpc_list.h')) as f:
  METHODS = re.findall(r'X\((\w+), \w+, [01]\)', f.read())
assert len(METHODS) == 52, len(METHODS)
# then the tracking RPCs: lib/store/track.h's MLMD__TRACK_RPC_LIST.
with open(os.path.join(HERE, '..', '..', 'lib', 'store', 'track.h')) as f:
  TRACKING = re.findall(r'X\((\w+), \w+, [01]\)', f.read())
assert len(TRACKING) == 10, TRACKING
METHODS += TRACKING
# then the governance RPCs: lib/store/governance.h's MLMD__REG_RPC_LIST and MLMD__AUDIT_RPC_LIST,
# and last the target's pseudo-method that sets the actor.
with open(os.path.join(HERE, '..', '..', 'lib', 'store', 'governance.h')) as f:
  GOVERNANCE = re.findall(r'X\((\w+), \w+, [01]\)', f.read())
assert len(GOVERNANCE) == 20, GOVERNANCE
METHODS += GOVERNANCE
SET_ACTOR = len(METHODS)


def rec(method, **fields):
  req = getattr(gov if method in GOVERNANCE else trk if method in TRACKING else svc, method + 'Request')(**fields)
  b = req.SerializeToString()
  assert len(b) < 65536
  return bytes([METHODS.index(method)]) + struct.pack('<H', len(b)) + b


def save(name, *records):
  with open(os.path.join(out, name), 'wb') as f:
    f.write(b''.join(records))


def dataset_type():
  t = pb.ArtifactType(name='DataSet')
  t.properties['span'] = pb.INT
  t.properties['acc'] = pb.DOUBLE
  t.properties['owner'] = pb.STRING
  return rec('PutArtifactType', artifact_type=t, can_add_fields=True)


def artifact(name, span, uri):
  a = pb.Artifact(type_id=1, name=name, uri=uri, state=pb.Artifact.LIVE)
  a.properties['span'].int_value = span
  a.properties['acc'].double_value = span / 10
  a.custom_properties['note'].string_value = 'n' + name
  return a


TRAINER = rec('PutExecutionType', execution_type=pb.ExecutionType(name='Trainer'))
RUN = rec('PutContextType', context_type=pb.ContextType(name='Run'))
TWO = rec('PutArtifacts', artifacts=[artifact('a', 1, 's3://b/a'), artifact('b', 2, 's3://b/b')])

save('types', dataset_type(), TRAINER, RUN, rec('GetArtifactTypes'), rec('GetExecutionTypes'),
     rec('GetContextTypes'), rec('GetArtifactType', type_name='DataSet'))
save('put-types', rec('PutTypes', artifact_types=[pb.ArtifactType(name='M')],
                      execution_types=[pb.ExecutionType(name='E')], context_types=[pb.ContextType(name='C')]),
     rec('GetArtifactTypesByID', type_ids=[1, 2]), rec('GetContextTypesByID', type_ids=[1]))
save('artifacts', dataset_type(), TWO, rec('GetArtifactsByID', artifact_ids=[1, 2, 3]),
     rec('GetArtifactsByType', type_name='DataSet'), rec('GetArtifactByTypeAndName', type_name='DataSet',
                                                         artifact_name='a'),
     rec('GetArtifactsByURI', uris=['s3://b/a']))
save('filter', dataset_type(), TWO,
     rec('GetArtifacts', options=pb.ListOperationOptions(
         max_result_size=1, filter_query="properties.span.int_value > 1 AND uri LIKE 's3://%'")),
     rec('GetArtifacts', options=pb.ListOperationOptions(
         order_by_field=pb.ListOperationOptions.OrderByField(field=pb.ListOperationOptions.OrderByField.ID,
                                                             is_asc=False))))
e = pb.Execution(type_id=2, last_known_state=pb.Execution.COMPLETE)
ev_in = pb.Event(artifact_id=1, type=pb.Event.INPUT)
ev_in.path.steps.add().key = 'examples'
ev_out = pb.Event(artifact_id=2, type=pb.Event.OUTPUT)
ev_out.path.steps.add().index = 0
save('execution', dataset_type(), TRAINER, RUN, TWO,
     rec('PutExecution', execution=e,
         artifact_event_pairs=[svc.PutExecutionRequest.ArtifactAndEvent(event=ev_in),
                               svc.PutExecutionRequest.ArtifactAndEvent(event=ev_out)],
         contexts=[pb.Context(type_id=3, name='run-1')]),
     rec('GetEventsByExecutionIDs', execution_ids=[1]), rec('GetContextsByExecution', execution_id=1),
     rec('GetArtifactsByContext', context_id=1))
save('lineage', dataset_type(), TRAINER, TWO,
     rec('PutExecutions', executions=[e]),
     rec('PutEvents', events=[pb.Event(artifact_id=1, execution_id=1, type=pb.Event.INPUT),
                              pb.Event(artifact_id=2, execution_id=1, type=pb.Event.OUTPUT)]),
     rec('GetLineageGraph', options=pb.LineageGraphQueryOptions(
         artifacts_options=pb.ListOperationOptions(filter_query="name = 'a'"),
         stop_conditions=pb.LineageGraphQueryOptions.BoundaryConstraint(max_num_hops=4))),
     rec('GetLineageSubgraph', lineage_subgraph_query_options=pb.LineageSubgraphQueryOptions(
         starting_artifacts=pb.LineageSubgraphQueryOptions.StartingNodes(filter_query='id = 2'),
         max_num_hops=3, direction=pb.LineageSubgraphQueryOptions.UPSTREAM)))
save('contexts', RUN, rec('PutContexts', contexts=[pb.Context(type_id=1, name='p'), pb.Context(type_id=1, name='c')]),
     rec('PutParentContexts', parent_contexts=[pb.ParentContext(child_id=2, parent_id=1)]),
     rec('GetParentContextsByContext', context_id=2), rec('GetChildrenContextsByContexts', context_ids=[1]),
     rec('GetContexts', options=pb.ListOperationOptions(filter_query="parent_contexts_a.name = 'p'")))
save('attributions', dataset_type(), TRAINER, RUN, TWO, rec('PutExecutions', executions=[e]),
     rec('PutContexts', contexts=[pb.Context(type_id=3, name='r')]),
     rec('PutAttributionsAndAssociations', attributions=[pb.Attribution(context_id=1, artifact_id=1)],
         associations=[pb.Association(context_id=1, execution_id=1)]),
     rec('GetContextsByArtifact', artifact_id=1), rec('GetExecutionsByContext', context_id=1))
sub = pb.LineageGraph(artifacts=[artifact('x', 3, 'file:///x')], executions=[e],
                      contexts=[pb.Context(type_id=3, name='sub')])
save('subgraph', dataset_type(), TRAINER, RUN,
     rec('PutLineageSubgraph', executions=[e], artifacts=[artifact('x', 3, 'file:///x')],
         contexts=[pb.Context(type_id=3, name='sub')],
         event_edges=[svc.PutLineageSubgraphRequest.EventEdge(execution_index=0, artifact_index=0,
                                                               event=pb.Event(type=pb.Event.OUTPUT))]))
s = pb.Artifact(type_id=1, uri='file:///s')
s.custom_properties['j'].struct_value.update({'a': 0.5, 'b': [1, 'two', {'c': None}]})
s.custom_properties['p'].proto_value.Pack(pb.Artifact(uri='nested'))
save('struct', dataset_type(), rec('PutArtifacts', artifacts=[s]), rec('GetArtifactsByID', artifact_ids=[1]))
save('external-ids', rec('PutArtifactType', artifact_type=pb.ArtifactType(name='T', external_id='t-1')),
     rec('PutArtifacts', artifacts=[pb.Artifact(type_id=1, external_id='x-1')]),
     rec('GetArtifactsByExternalIds', external_ids=['x-1']),
     rec('GetArtifactTypesByExternalIds', external_ids=['t-1']))
save('update-mask', dataset_type(), TWO,
     rec('PutArtifacts', artifacts=[pb.Artifact(id=1, type_id=1, uri='s3://new')],
         update_mask={'paths': ['uri', 'properties.span', '']}),
     rec('GetArtifactsByID', artifact_ids=[1]))


# The tracking service: a run with parameters, tags, metric series and files, ended, then read.
def param(key, **value):
  return trk.Param(key=key, value=pb.Value(**value))


SHA = 'ab' * 32
START = rec('StartRun', experiment_name='vision', run_name='r1',
            capture=trk.Capture(argv=['train.py', '--lr=0.1'], cwd='/w', git_commit='0' * 40, git_dirty=False,
                                env={'OMP_NUM_THREADS': '4'}, seed=42),
            params=[param('lr', double_value=0.1), param('n', int_value=10), param('opt', string_value='adam')],
            tags=[trk.Tag(key='team', value='a')])
LOSS = trk.MetricSeries(key='loss', values=[0.5, 0.25, float('nan')], steps=[0, 1, 2], timestamps=[10, 20, 30])
save('track-run', START,
     rec('Log', run_id=1, params=[param('lr', double_value=0.1)], tags=[trk.Tag(key='team', value='b')],
         metrics=[LOSS, trk.MetricSeries(key='acc', values=[0.9])]),
     rec('LogFiles', run_id=1, inputs=[trk.FileRecord(uri='file:///d.csv', sha256=SHA, size=10)],
         outputs=[trk.FileRecord(uri='file:///m.onnx', sha256='cd' * 32, size=5, name='m', type='Model')]),
     rec('EndRun', run_id=1, status=pb.Execution.COMPLETE, end_time=1000),
     rec('GetRun', run_id=1), rec('GetMetricHistory', run_id=1, key='loss'),
     rec('FindCachedRun', params=[param('lr', double_value=0.1), param('n', int_value=10),
                                  param('opt', string_value='adam')], input_sha256=[SHA]),
     rec('Log', run_id=1, tags=[trk.Tag(key='late', value='x')]))
save('track-search', START,
     rec('StartRun', experiment_name='vision', params=[param('lr', string_value='0.01')]),
     rec('Log', run_id=1, metrics=[LOSS]),
     rec('EndRun', run_id=2, status=pb.Execution.FAILED),
     rec('SearchRuns', experiment_names=['vision'],
         filter="metrics.loss < 1 and params.lr = '0.1' and tags.team LIKE 'a%' and attributes.status != 'RUNNING'",
         order_by=['metrics.loss DESC', 'params.lr', 'attributes.start_time ASC'], max_results=1),
     rec('SearchRuns', filter='params.`lr` >= 0.001', page_token='1'),
     rec('SearchRuns', filter='attributes.run_name ILIKE \'R%\' or tags.x = 1'))
save('track-history', START,
     rec('PutMetricHistory', run_id=1, metrics=[LOSS, trk.MetricSeries(key='val/acc', values=[1, 2], steps=[5, 5])]),
     rec('ListMetricKeys', run_ids=[1, 2, 1]),
     rec('GetMetricHistory', run_id=1, key='val/acc'),
     rec('PutMetricHistory', run_id=1, metrics=[trk.MetricSeries(key='bad', values=[1], steps=[1, 2])]),
     rec('ListMetricKeys', run_ids=[]))


# The governance services: a registered model with versions, tags, aliases, a policy with
# requirements, requests approved by another actor, rejected, superseded; then resolve (by
# alias, version, latest, as of a time), history, searches and pages, and the audit log.
def actor(name):
  return bytes([SET_ACTOR]) + struct.pack('<H', len(name)) + name.encode()


MODEL_TYPE = rec('PutArtifactType', artifact_type=pb.ArtifactType(name='Model', properties={'digest': pb.STRING}))
def model_artifacts(n):
  arts = []
  for i in range(n):
    a = pb.Artifact(type_id=1, uri='file:///m%d.onnx' % i)
    a.properties['digest'].string_value = 'sha256:' + ('%02x' % i) * 32
    arts.append(a)
  return rec('PutArtifacts', artifacts=arts)


REG = [MODEL_TYPE, model_artifacts(3), actor('alice'),
       rec('CreateRegisteredModel', name='iris', description='d', tags=[gov.Tag(key='team', value='a')]),
       rec('CreateModelVersion', model_name='iris', artifact_id=1, tags=[gov.Tag(key='eval', value='ok')]),
       rec('CreateModelVersion', model_name='iris', artifact_id=2, description='two'),
       rec('CreateModelVersion', model_name='iris', artifact_id=3)]
save('reg-aliases', *REG,
     rec('SetAliases', model_name='iris', moves=[gov.AliasMove(alias='champion', version=1),
                                                 gov.AliasMove(alias='challenger', version=2)]),
     rec('SetAliases', model_name='iris', moves=[gov.AliasMove(alias='champion', version=2),
                                                 gov.AliasMove(alias='challenger', version=0)]),
     rec('ResolveModel', model_name='iris', alias='champion'),
     rec('ResolveModel', model_name='iris', alias='champion', as_of_ms=1),
     rec('ResolveModel', model_name='iris', alias='latest'),
     rec('ResolveModel', model_name='iris', version=2),
     rec('GetAliasHistory', model_name='iris'),
     rec('GetRegisteredModel', name='iris'),
     rec('UpdateRegisteredModel', name='iris', description='new', set_tags=[gov.Tag(key='x', value='y')],
         delete_tags=['team']))
save('reg-approve', *REG,
     rec('SetAliasPolicy', model_name='iris', alias='prod', approvals=2,
         require=[gov.Requirement(key='eval', value='ok')]),
     rec('RequestAliasMove', model_name='iris', moves=[gov.AliasMove(alias='prod', version=1)], comment='go'),
     rec('ApproveRequest', request_id=1),
     actor('bob'), rec('ApproveRequest', request_id=1, comment='lgtm'),
     actor('carol'), rec('ApproveRequest', request_id=1),
     rec('GetAliasRequests', model_name='iris'),
     rec('ResolveModel', model_name='iris', alias='prod'),
     rec('GetAliasHistory', model_name='iris', alias='prod'),
     rec('GetRegisteredModel', name='iris'))
save('reg-reject', *REG,
     rec('SetAliasPolicy', model_name='iris', alias='prod', approvals=1),
     rec('RequestAliasMove', model_name='iris', moves=[gov.AliasMove(alias='prod', version=2)]),
     rec('RequestAliasMove', model_name='iris', moves=[gov.AliasMove(alias='prod', version=3),
                                                       gov.AliasMove(alias='beta', version=1)]),
     actor('bob'), rec('RejectRequest', request_id=1, comment='no'),
     rec('ApproveRequest', request_id=2),
     rec('ApproveRequest', request_id=1),
     rec('GetAliasRequests', pending_only=True),
     rec('GetAliasRequests', request_id=2),
     rec('DeleteAliasPolicy', model_name='iris', alias='prod'),
     rec('GetRegisteredModel', name='iris'))
save('reg-supersede', *REG,
     rec('SetAliasPolicy', model_name='iris', alias='prod', approvals=1),
     rec('RequestAliasMove', model_name='iris', moves=[gov.AliasMove(alias='prod', version=2)]),
     rec('RequestAliasMove', model_name='iris', moves=[gov.AliasMove(alias='prod', version=3)]),
     actor('bob'), rec('ApproveRequest', request_id=2),
     rec('ApproveRequest', request_id=1),
     rec('GetAliasRequests'),
     rec('SetAliases', model_name='iris', moves=[gov.AliasMove(alias='prod', version=1)]))
save('reg-search', *REG,
     rec('CreateRegisteredModel', name='a'), rec('CreateRegisteredModel', name='b'),
     rec('CreateModelVersion', model_name='a', artifact_id=1),
     rec('ListRegisteredModels', max_results=1),
     rec('ListRegisteredModels', max_results=1, page_token='a'),
     rec('SearchModelVersions', artifact_id=1, max_results=1),
     rec('SearchModelVersions', tags=[gov.Tag(key='eval', value='ok')]),
     rec('SearchModelVersions', model_name='iris', max_results=2, page_token='2'),
     rec('SetModelVersionTags', model_name='iris', version=2, set_tags=[gov.Tag(key='eval', value='ok')],
         delete_tags=['none']),
     rec('SearchModelVersions', model_name='iris', tags=[gov.Tag(key='eval', value='ok')]))
save('audit', *REG,
     rec('SetAliases', model_name='iris', moves=[gov.AliasMove(alias='champion', version=1)]),
     rec('GetAuditLog'), rec('GetAuditLog', since_seq=2, max_results=2),
     rec('GetAuditCheckpoint'), rec('VerifyAudit'),
     rec('VerifyAudit', checkpoint_seq=3, checkpoint_hash='0' * 64),
     rec('PutAuditArchive', source='old', records=[
         gov.AuditRecord(seq=1, time_ms=1, actor='x', operation='PutArtifacts', ids='artifact_ids=1',
                         request_sha256='a' * 64, prev_hash='0' * 64, hash='b' * 64)]),
     rec('VerifyAudit'))

"""`mlmd export --format openlineage` on a store the demo pipeline builds
(examples/pipeline.c, two runs, the second with --govern), plus a few
executions written here through ml_metadata (failed and canceled runs,
object-store and database URIs, hostile property values): every event
validates against OpenLineage's core schema 2-0-2, every facet against its
own facet schema, and our `mlmd` facet against
docs/openlineage/MlmdNodeFacet.json, all resolved from local files (no
network); and the events say what the store holds."""

import json
import os
import re
import subprocess

import jsonschema  # Debian's python3-jsonschema
import pytest

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from cli_run import CLI, mlmd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')
SPEC = os.environ.get('MLMD_OPENLINEAGE_SPEC',
                      os.path.join(ROOT, '..', 'shared', 'conformance', 'openlineage'))
OUR_FACET = os.path.join(ROOT, 'docs', 'openlineage', 'MlmdNodeFacet.json')
RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
TIME = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')


@pytest.fixture(scope='module')
def schemas():
  """$id -> schema, for the core schema, every facet schema and ours."""
  if not os.path.isdir(SPEC):
    pytest.skip(f'the OpenLineage specification is not at {SPEC} (set MLMD_OPENLINEAGE_SPEC)')
  store = {}
  paths = [os.path.join(SPEC, 'OpenLineage.json'), OUR_FACET]
  facets = os.path.join(SPEC, 'facets')
  paths += [os.path.join(facets, f) for f in sorted(os.listdir(facets)) if f.endswith('.json')]
  for p in paths:
    with open(p, encoding='utf-8') as f:
      s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    store[s['$id']] = s
  return store


def validator(store, ref):
  """A validator of `ref` whose every $ref resolves from the local store;
  one that would need the network fails instead."""
  def no_network(uri):
    raise AssertionError(f'schema {uri} is not among the local files')
  resolver = jsonschema.RefResolver(base_uri='', referrer={}, store=store, handlers={'http': no_network,
                                                                                     'https': no_network})
  return jsonschema.Draft202012Validator({'$ref': ref}, resolver=resolver)


def add_nodes(db):
  """Executions the pipeline does not make: FAILED with an error message and
  an owner, CANCELED, RUNNING; datasets on s3, gs, postgres and with no URI;
  hostile property values. Returns their ids."""
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = str(db)
  s = metadata_store.MetadataStore(config)
  at = pb.ArtifactType(name='Table')
  at.properties['owner'] = pb.STRING
  tid = s.put_artifact_type(at)
  et = pb.ExecutionType(name='Etl', base_type=pb.ExecutionType.TRANSFORM)
  et.properties['error_message'] = pb.STRING
  etid = s.put_execution_type(et)
  arts = []
  for name, uri in (('raw', 's3://lake/raw/2026/part-0.parquet'), ('gcs', 'gs://bucket/dir/file.csv'),
                    ('orders', 'postgres://db.example:5433/shop.public.orders'), ('nouri', None)):
    a = pb.Artifact(type_id=tid, name=name)
    if uri:
      a.uri = uri
    a.properties['owner'].string_value = 'team:data'
    arts.append(a)
  arts[3].custom_properties['nan'].double_value = float('nan')
  arts[3].custom_properties['inf'].double_value = float('-inf')
  arts[3].custom_properties['ctl'].string_value = 'a\x01b\x1f"\\\n\t\u00e9'
  arts[3].custom_properties['big'].string_value = 'x' * 200000
  arts[3].custom_properties['nested'].struct_value.update({'a': [1, 'two', {'b': None}], 'c': True})
  aids = s.put_artifacts(arts)
  failed = pb.Execution(type_id=etid, name='load-orders', last_known_state=pb.Execution.FAILED)
  failed.properties['error_message'].string_value = 'relation "orders" does not exist'
  failed.custom_properties['owner'].string_value = 'user:ana'
  failed.custom_properties['param.batch'].int_value = 500
  failed.custom_properties['param.rate'].double_value = float('nan')
  canceled = pb.Execution(type_id=etid, last_known_state=pb.Execution.CANCELED)
  running = pb.Execution(type_id=etid, name='tail', last_known_state=pb.Execution.RUNNING)
  eids = s.put_executions([failed, canceled, running])
  ev = []
  for eid, aid, t in ((eids[0], aids[0], pb.Event.INPUT), (eids[0], aids[2], pb.Event.DECLARED_OUTPUT),
                      (eids[0], aids[1], pb.Event.INTERNAL_INPUT), (eids[1], aids[3], pb.Event.DECLARED_INPUT),
                      (eids[1], aids[3], pb.Event.OUTPUT), (eids[2], aids[1], pb.Event.INPUT)):
    e = pb.Event(execution_id=eid, artifact_id=aid, type=t)
    e.path.steps.add().key = 'tables'
    e.path.steps.add().index = 3
    ev.append(e)
  s.put_events(ev)
  return eids, aids


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
  d = tmp_path_factory.mktemp('ol')
  db = d / 'demo.db'
  for extra in ([], ['--govern']):
    res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(d), *extra],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
  eids, aids = add_nodes(db)
  return f'sqlite:{db}', d, eids, aids


def export(store, *args):
  res = mlmd('--store', store, 'export', '--format', 'openlineage', *args)
  lines = res.stdout.splitlines()
  assert f'exported {len(lines)} OpenLineage run events' in res.stderr
  return [json.loads(line) for line in lines]


def facets_of(event):
  """(where, name, facet) of every facet in the event."""
  out = [('run', k, v) for k, v in event['run'].get('facets', {}).items()]
  out += [('job', k, v) for k, v in event['job'].get('facets', {}).items()]
  for side in ('inputs', 'outputs'):
    for ds in event.get(side, []):
      out += [(side, k, v) for k, v in ds.get('facets', {}).items()]
  return out


def test_every_event_and_facet_validates(demo, schemas):
  store, _, _, _ = demo
  events = export(store)
  assert len(events) > 10
  check_event = validator(schemas, RUN_EVENT)
  checked = set()
  for e in events:
    errors = sorted(check_event.iter_errors(e), key=str)
    assert not errors, f'{e["job"]["name"]} {e["eventType"]}: {errors[0]}'
    assert UUID.match(e['run']['runId'])
    assert TIME.match(e['eventTime'])
    assert e['schemaURL'] == RUN_EVENT
    for where, name, facet in facets_of(e):
      url = facet['_schemaURL']
      base = url.split('#')[0]
      assert base in schemas, f'{where} facet {name}: no local schema for {url}'
      ref = url if '#' in url else url + '#/$defs/MlmdNodeFacet'
      errors = list(validator(schemas, ref).iter_errors(facet))
      assert not errors, f'{where} facet {name}: {errors[0]}'
      # the facet is the one its schema declares under this name
      assert name in schemas[base]['properties'], f'{name} is not the name {base} gives its facet'
      checked.add(name)
  assert {'parent', 'processing_engine', 'executionParameters', 'errorMessage', 'mlmd', 'jobType', 'ownership',
          'schema', 'version'} <= checked


def test_content(demo, schemas):
  store, d, eids, aids = demo
  events = export(store)
  by_job = {}
  for e in events:
    by_job.setdefault(e['job']['name'], []).append(e)
  # the first pipeline run's trainer: a named execution, its input and output by URI
  train = by_job['Trainer.run-1']
  assert [e['eventType'] for e in train] == ['START', 'COMPLETE']
  assert train[0]['run']['runId'] == train[1]['run']['runId']
  assert train[0]['job']['namespace'] == 'mlmd'
  iris = os.path.join(ROOT, 'examples', 'data', 'iris.csv')  # the path as the pipeline was given it
  assert [(i['namespace'], i['name']) for i in train[0]['inputs']] == [('file', iris)]
  assert [(o['namespace'], o['name']) for o in train[0]['outputs']] == [('file', str(d / 'iris-run-1.onnx'))]
  model = train[0]['outputs'][0]['facets']
  assert [f['name'] for f in model['schema']['fields']] == ['X', 'label', 'probabilities']
  assert model['version']['datasetVersion'].startswith('sha256:')
  assert model['mlmd']['type'] == 'Model' and model['mlmd']['name'] == 'iris-softmax-run-1'
  params = {p['key']: p['value'] for p in train[0]['run']['facets']['executionParameters']['parameters']}
  assert params['iterations'] == '3000'
  assert train[0]['eventTime'] <= train[1]['eventTime']
  # an unnamed execution is its type; the parent run is its first context
  assert all(len(by_job[j]) == 2 for j in ('Trainer.run-2',))
  parent = train[0]['run']['facets']['parent']
  assert UUID.match(parent['run']['runId']) and parent['job']['namespace'] == 'mlmd'
  # the executions added here
  failed = by_job['Etl.load-orders']
  assert [e['eventType'] for e in failed] == ['START', 'FAIL']
  assert 'errorMessage' not in failed[0]['run']['facets']
  assert failed[1]['run']['facets']['errorMessage']['message'] == 'relation "orders" does not exist'
  assert failed[1]['job']['facets']['ownership']['owners'] == [{'name': 'user:ana'}]
  assert failed[1]['job']['facets']['jobType']['jobType'] == 'TRANSFORM'
  assert [(i['namespace'], i['name']) for i in failed[1]['inputs']] == [('s3://lake', 'raw/2026/part-0.parquet')]
  assert [(o['namespace'], o['name']) for o in failed[1]['outputs']] == [('postgres://db.example:5433',
                                                                          'shop.public.orders')]
  (joined,) = failed[1]['outputs'][0]['facets']['mlmd']['events']
  assert joined['type'] == 'DECLARED_OUTPUT' and joined['path'] == [{'key': 'tables'}, {'index': 3}]
  # INTERNAL_INPUT is not mapped: the gs artifact is no input of this run
  assert all(i['namespace'] != 'gs://bucket' for i in failed[1]['inputs'])
  params = {p['key']: p['value'] for p in failed[1]['run']['facets']['executionParameters']['parameters']}
  assert params == {'batch': '500', 'rate': 'NaN'}
  canceled = by_job['Etl']
  assert [e['eventType'] for e in canceled] == ['START', 'ABORT']
  hostile = canceled[0]['inputs'][0]
  assert (hostile['namespace'], hostile['name']) == ('mlmd', 'Table.nouri')
  assert [(o['namespace'], o['name']) for o in canceled[0]['outputs']] == [('mlmd', 'Table.nouri')]
  custom = hostile['facets']['mlmd']['customProperties']
  assert custom['nan'] == 'NaN' and custom['inf'] == '-Infinity'
  assert custom['ctl'] == 'a\x01b\x1f"\\\n\t\u00e9' and len(custom['big']) == 200000
  assert custom['nested'] == {'a': [1, 'two', {'b': None}], 'c': True}
  assert [e['eventType'] for e in by_job['Etl.tail']] == ['START']
  assert by_job['Etl.tail'][0]['inputs'][0]['namespace'] == 'gs://bucket'


def test_stable_ids_namespace_and_since(demo, tmp_path):
  store, _, eids, _ = demo
  first, again = export(store), export(store)
  assert [e['run']['runId'] for e in first] == [e['run']['runId'] for e in again]
  assert first == again
  assert len({e['run']['runId'] for e in first}) == len({(e['job']['name'], e['run']['facets']['mlmd']['id'])
                                                         for e in first})
  # --namespace names the jobs and the URI-less datasets; file datasets keep theirs
  other = export(store, '--namespace', 'team-a')
  assert {e['job']['namespace'] for e in other} == {'team-a'}
  assert [e['run']['runId'] for e in other] == [e['run']['runId'] for e in first]
  # --since: ISO 8601 or ms; a time after every update exports nothing
  last = max(e['run']['facets']['mlmd']['lastUpdateTimeSinceEpoch'] for e in first)
  assert export(store, '--since', str(last + 1)) == []
  recent = export(store, '--since', str(last))
  assert recent and all(e['run']['facets']['mlmd']['lastUpdateTimeSinceEpoch'] >= last for e in recent)
  assert export(store, '--since', '1971-01-01T00:00:00Z') == first
  # into a file, and the usage errors
  out = tmp_path / 'events.ndjson'
  mlmd('--store', store, 'export', '--format', 'openlineage', str(out))
  assert [json.loads(line) for line in out.read_text().splitlines()] == first
  # --namespace and --since imply the format; with --format jsonl they are bad usage
  assert [json.loads(line) for line in mlmd('--store', store, 'export', '--since', '1971-01-01').stdout.splitlines()] \
      == first
  for bad in (['--format', 'xml'], ['--format', 'jsonl', '--namespace', 'x'], ['--format', 'jsonl', '--since', '1'],
              ['--format', 'openlineage', '--since', 'yesterday'], ['--since', '0'],
              ['--format', 'openlineage', '--namespace', '']):
    res = mlmd('--store', store, 'export', *bad, check=False)
    assert res.returncode == 2 and res.stderr.startswith('mlmd: '), (bad, res.stderr)

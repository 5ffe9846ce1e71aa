"""`mlmd import --format openlineage` through the command line: Airflow-,
Spark- and dbt-shaped events (tests/data/openlineage: NDJSON, out of order,
and a JSON array with a job event and a dataset event), read back through
ml_metadata; a second import that reports nothing created or updated and
leaves `mlmd export` byte-identical; malformed events skipped with their
line, or with --strict the whole import refused with nothing written;
standard input; and a round trip: the demo pipeline's store exported as
OpenLineage, imported into an empty store and exported again gives the same
jobs, run ids, eventTypes, times, parents and datasets."""

import json
import os
import subprocess

import pytest

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from cli_run import CLI, mlmd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
DATA = os.path.join(ROOT, 'tests', 'data', 'openlineage')
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')


def ol_import(store, path, *extra, check=True, stdin=None):
  return mlmd('--store', store, 'import', '--format', 'openlineage', '--json', *extra, path, check=check,
              stdin=stdin)


def export_bytes(store):
  res = subprocess.run([CLI, '--store', store, 'export', '-'], capture_output=True)
  assert res.returncode == 0, res.stderr
  return res.stdout


def open_store(db):
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = str(db)
  return metadata_store.MetadataStore(config)


def by_job(store):
  return {e.custom_properties['openlineage_job_name'].string_value: e for e in store.get_executions()}


CREATED = ('executions_created', 'executions_updated', 'artifacts_created', 'artifacts_updated',
           'contexts_created', 'contexts_updated', 'events_created')


def test_airflow_spark_and_dbt_events(tmp_path):
  db = tmp_path / 'ol.db'
  store = f'sqlite:{db}'
  reports = [json.loads(ol_import(store, os.path.join(DATA, f)).stdout)
             for f in ('airflow.ndjson', 'spark.ndjson', 'dbt.json')]
  assert [r['events'] for r in reports] == [4, 3, 6]
  assert all(r['skipped'] == 0 for r in reports)
  s = open_store(db)
  ex = by_job(s)
  assert set(ex) == {'orders_daily.extract', 'orders_daily.transform',
                     'sales_etl.execute_insert_into_hadoop_fs_relation_command.warehouse_sales',
                     'dev.jaffle_shop.stg_orders', 'dev.jaffle_shop.orders_daily'}
  # Airflow: the task's type is the job, FAIL is FAILED, times from eventTime (microseconds cut to ms)
  extract, transform = ex['orders_daily.extract'], ex['orders_daily.transform']
  assert s.get_execution_types_by_id([extract.type_id])[0].name == 'orders_daily.extract'
  assert extract.last_known_state == pb.Execution.COMPLETE
  assert transform.last_known_state == pb.Execution.FAILED
  assert extract.create_time_since_epoch == 1717207200012
  assert extract.last_update_time_since_epoch == 1717207290500
  assert extract.custom_properties['openlineage_run_id'].string_value == '7f1e6c1a-2b3c-4d5e-8f90-0a1b2c3d4e01'
  assert extract.custom_properties['openlineage_job_namespace'].string_value == 'airflow-prod'
  kept = extract.custom_properties['openlineage_facets'].struct_value
  assert set(kept['run'].keys()) == {'nominalTime', 'airflow'}
  assert set(kept['job'].keys()) == {'jobType', 'ownership'}
  assert transform.custom_properties['openlineage_facets'].struct_value['run']['errorMessage']['message'] == \
      'division by zero'
  # both tasks are in the DAG run's context
  parent = s.get_contexts_by_execution(extract.id)
  assert [c.type for c in parent] == ['openlineage.ParentRun']
  assert parent[0].custom_properties['openlineage_job_name'].string_value == 'orders_daily'
  assert {e.id for e in s.get_executions_by_context(parent[0].id)} == {extract.id, transform.id}
  # Spark: START, RUNNING and COMPLETE (COMPLETE first in the file) are one completed execution
  spark = ex['sales_etl.execute_insert_into_hadoop_fs_relation_command.warehouse_sales']
  assert spark.last_known_state == pb.Execution.COMPLETE
  assert spark.create_time_since_epoch == 1717322400001
  assert spark.last_update_time_since_epoch == 1717322460999
  # datasets: found again by namespace and name, URIs rebuilt, one INPUT/OUTPUT event each
  arts = {(a.custom_properties['openlineage_namespace'].string_value,
           a.custom_properties['openlineage_name'].string_value): a for a in s.get_artifacts()}
  assert len(arts) == 8
  assert arts[('s3://lake-raw', 'orders/2024-06-01.parquet')].uri == 's3://lake-raw/orders/2024-06-01.parquet'
  assert arts[('file', '/data/in/sales.csv')].uri == '/data/in/sales.csv'
  assert arts[('hdfs://namenode:8020', '/warehouse/sales')].uri == 'hdfs://namenode:8020/warehouse/sales'
  out = arts[('hdfs://namenode:8020', '/warehouse/sales')]
  assert out.custom_properties['openlineage_output_facets'].struct_value['outputStatistics']['rowCount'] == 1200
  raw = arts[('s3://lake-raw', 'orders/2024-06-01.parquet')]
  events = s.get_events_by_artifact_ids([raw.id])
  assert sorted((e.execution_id, e.type) for e in events) == sorted(
      [(extract.id, pb.Event.OUTPUT), (transform.id, pb.Event.INPUT)])
  # dbt: the job event is a context with its facets and datasets; the dataset event an artifact
  job = [c for c in s.get_contexts() if c.type == 'openlineage.Job']
  assert [c.name for c in job] == ['dbt/dev.jaffle_shop.orders_daily']
  assert job[0].custom_properties['openlineage_facets'].struct_value['documentation']['description'] == \
      'Daily order totals'
  assert len(s.get_artifacts_by_context(job[0].id)) == 2
  doc = arts[('postgres://warehouse:5432', 'dev.raw.orders')]
  assert doc.uri == 'postgres://warehouse:5432/dev.raw.orders'
  assert doc.custom_properties['openlineage_facets'].struct_value['documentation']['description'] == \
      'Orders as loaded'

  # the same files again: nothing created or updated, and the export is byte-identical
  before = export_bytes(store)
  for f in ('airflow.ndjson', 'spark.ndjson', 'dbt.json'):
    r = json.loads(ol_import(store, os.path.join(DATA, f)).stdout)
    assert all(r[k] == 0 for k in CREATED), r
  assert export_bytes(store) == before


def test_malformed_events_are_skipped_or_refused_with_strict(tmp_path):
  with open(os.path.join(DATA, 'spark.ndjson'), encoding='utf-8') as f:
    good = f.read().splitlines()
  text = '\n'.join([good[0], '{"eventTime": "yesterday", "run": {}}', good[1], 'not json', '', good[2]]) + '\n'
  path = tmp_path / 'mixed.ndjson'
  path.write_text(text, encoding='utf-8')
  store = f'sqlite:{tmp_path / "strict.db"}'
  res = ol_import(store, str(path), '--strict', check=False)
  assert res.returncode == 1
  assert 'line 2: "eventTime" is not an RFC 3339 date-time' in res.stderr
  assert 'nothing was imported' in res.stderr
  assert open_store(tmp_path / 'strict.db').get_executions() == []
  res = ol_import(store, str(path))
  r = json.loads(res.stdout)
  assert r['skipped'] == 2 and r['events'] == 5 and r['executions_created'] == 1
  assert 'line 2:' in res.stderr and 'line 4: not a JSON event' in res.stderr
  # usage: --strict belongs to --format openlineage
  res = mlmd('--store', store, 'import', '--strict', str(path), check=False)
  assert res.returncode == 2


def test_standard_input_and_the_namespace_filter(tmp_path):
  with open(os.path.join(DATA, 'airflow.ndjson'), encoding='utf-8') as f:
    text = f.read()
  store = f'sqlite:{tmp_path / "in.db"}'
  r = json.loads(ol_import(store, '-', '--namespace', 'elsewhere', stdin=text).stdout)
  assert r['ignored'] == 4 and r['executions_created'] == 0
  r = json.loads(ol_import(store, '-', '--namespace', 'airflow-prod', stdin=text).stdout)
  assert r['ignored'] == 0 and r['executions_created'] == 2


def export_ol(store):
  res = mlmd('--store', store, 'export', '--format', 'openlineage', '-')
  return [json.loads(line) for line in res.stdout.splitlines()]


def summary(events):
  """What must survive a round trip, per event."""
  out = []
  for e in events:
    parent = e['run'].get('facets', {}).get('parent')
    out.append((e['job']['namespace'], e['job']['name'], e['run']['runId'], e['eventType'], e['eventTime'],
                tuple(sorted((d['namespace'], d['name']) for d in e.get('inputs', []))),
                tuple(sorted((d['namespace'], d['name']) for d in e.get('outputs', []))),
                (parent['run']['runId'], parent['job']['namespace'], parent['job']['name']) if parent else None))
  return sorted(out)


def test_round_trip_through_openlineage(tmp_path):
  if not os.path.exists(PIPELINE):
    pytest.skip(f'{PIPELINE} is not built')
  db = tmp_path / 'demo.db'
  for extra in ([], ['--govern']):
    res = subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path),
                          *extra], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
  first = export_ol(f'sqlite:{db}')
  assert len(first) >= 8
  path = tmp_path / 'demo.ndjson'
  path.write_text(''.join(json.dumps(e) + '\n' for e in first), encoding='utf-8')
  copy = f'sqlite:{tmp_path / "copy.db"}'
  r = json.loads(ol_import(copy, str(path), '--strict').stdout)
  assert r['skipped'] == 0 and r['executions_created'] == len({e['run']['runId'] for e in first})
  second = export_ol(copy)
  assert summary(second) == summary(first)
  # our facet brought the execution types and names back
  types = {e['run']['facets']['mlmd']['type'] for e in first}
  assert {t.name for t in open_store(tmp_path / 'copy.db').get_execution_types()} >= types
  # and importing the export again changes nothing
  before = export_bytes(copy)
  r = json.loads(ol_import(copy, str(path), '--strict').stdout)
  assert all(r[k] == 0 for k in CREATED), r
  assert export_bytes(copy) == before

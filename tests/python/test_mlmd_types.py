"""MLMD's system types in Python: the system_type_extension option on the
base-type enum values, ml_metadata.metadata_store.mlmd_types, the
ml_metadata.simple_types package, and user types whose base_type comes from
them, stored and read back through real stores."""

import os
import subprocess
import sys
import urllib.parse

import pytest

from conftest import file_config
from google.protobuf import descriptor
from google.protobuf import descriptor_pb2
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.metadata_store import mlmd_types
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.simple_types.proto import simple_types_pb2

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# MLMD 1.16's metadata_store.proto: every SystemDefinedBaseType value and the
# type_name its system_type_extension option carries.
EXPECTED_OPTIONS = {
    pb.ArtifactType.SystemDefinedBaseType: [
        ('UNSET', 0, 'unset_artifact_type'),
        ('DATASET', 1, 'mlmd.Dataset'),
        ('MODEL', 2, 'mlmd.Model'),
        ('METRICS', 3, 'mlmd.Metrics'),
        ('STATISTICS', 4, 'mlmd.Statistics'),
    ],
    pb.ExecutionType.SystemDefinedBaseType: [
        ('UNSET', 0, 'unset_execution_type'),
        ('TRAIN', 1, 'mlmd.Train'),
        ('TRANSFORM', 2, 'mlmd.Transform'),
        ('PROCESS', 3, 'mlmd.Process'),
        ('EVALUATE', 4, 'mlmd.Evaluate'),
        ('DEPLOY', 5, 'mlmd.Deploy'),
    ],
    pb.ContextType.SystemDefinedBaseType: [
        ('UNSET', 0, 'unset_context_type'),
    ],
}

# Each mlmd_types class: its base, its enum value and its type name.
CLASSES = [
    (mlmd_types.Dataset, mlmd_types.ArtifactType, pb.ArtifactType.DATASET,
     'mlmd.Dataset'),
    (mlmd_types.Model, mlmd_types.ArtifactType, pb.ArtifactType.MODEL,
     'mlmd.Model'),
    (mlmd_types.Metrics, mlmd_types.ArtifactType, pb.ArtifactType.METRICS,
     'mlmd.Metrics'),
    (mlmd_types.Statistics, mlmd_types.ArtifactType,
     pb.ArtifactType.STATISTICS, 'mlmd.Statistics'),
    (mlmd_types.Train, mlmd_types.ExecutionType, pb.ExecutionType.TRAIN,
     'mlmd.Train'),
    (mlmd_types.Transform, mlmd_types.ExecutionType,
     pb.ExecutionType.TRANSFORM, 'mlmd.Transform'),
    (mlmd_types.Process, mlmd_types.ExecutionType, pb.ExecutionType.PROCESS,
     'mlmd.Process'),
    (mlmd_types.Evaluate, mlmd_types.ExecutionType,
     pb.ExecutionType.EVALUATE, 'mlmd.Evaluate'),
    (mlmd_types.Deploy, mlmd_types.ExecutionType, pb.ExecutionType.DEPLOY,
     'mlmd.Deploy'),
]


def option_name(enum_type, number):
  """The type_name read as MLMD's own mlmd_types reads it."""
  options = enum_type.DESCRIPTOR.values_by_number[number].GetOptions()
  return options.Extensions[pb.system_type_extension].type_name


# ---- the option ------------------------------------------------------------------


def test_extension_is_declared_as_mlmd_declares_it():
  ext = pb.system_type_extension
  assert pb.DESCRIPTOR.extensions_by_name['system_type_extension'] is ext
  assert ext.full_name == 'ml_metadata.system_type_extension'
  assert ext.number == 384560917
  assert ext.containing_type.full_name == 'google.protobuf.EnumValueOptions'
  assert ext.message_type is pb.SystemTypeExtension.DESCRIPTOR
  assert ext.label == ext.LABEL_OPTIONAL
  field = pb.SystemTypeExtension.DESCRIPTOR.fields_by_name['type_name']
  assert (field.number, field.type) == (1, field.TYPE_STRING)
  assert [f.name for f in pb.SystemTypeExtension.DESCRIPTOR.fields] == [
      'type_name']
  assert pb.DESCRIPTOR.name == 'ml_metadata/proto/metadata_store.proto'
  assert 'google/protobuf/descriptor.proto' in [
      d.name for d in pb.DESCRIPTOR.dependencies]


@pytest.mark.parametrize('enum_type', list(EXPECTED_OPTIONS),
                         ids=lambda e: e.DESCRIPTOR.full_name)
def test_every_base_type_value_carries_its_type_name(enum_type):
  values = enum_type.DESCRIPTOR.values
  assert [(v.name, v.number) for v in values] == [
      (n, num) for n, num, _ in EXPECTED_OPTIONS[enum_type]]
  for name, number, type_name in EXPECTED_OPTIONS[enum_type]:
    opts = enum_type.DESCRIPTOR.values_by_name[name].GetOptions()
    assert opts.HasExtension(pb.system_type_extension), name
    assert opts.Extensions[pb.system_type_extension].type_name == type_name
    assert option_name(enum_type, number) == type_name
  # The exact expression.
  assert pb.ArtifactType.SystemDefinedBaseType.DESCRIPTOR.values_by_name[
      'DATASET'].GetOptions().Extensions[
          pb.system_type_extension].type_name == 'mlmd.Dataset'


def test_options_are_in_the_serialized_file_descriptor():
  """The option is in the descriptor bytes the module registers, so any
  protobuf runtime (and protoc's decoder) sees it, not only this one."""
  fdp = descriptor_pb2.FileDescriptorProto()
  fdp.ParseFromString(pb.DESCRIPTOR.serialized_pb)
  seen = {}
  for msg in fdp.message_type:
    for enum in msg.enum_type:
      if enum.name != 'SystemDefinedBaseType':
        continue
      for v in enum.value:
        ext = v.options.Extensions[pb.system_type_extension]
        seen[(msg.name, v.name)] = ext.type_name
  want = {(e.DESCRIPTOR.containing_type.name, n): t
          for e, rows in EXPECTED_OPTIONS.items() for n, _, t in rows}
  assert seen == want
  assert [e.name for e in fdp.extension] == ['system_type_extension']
  assert fdp.extension[0].extendee == '.google.protobuf.EnumValueOptions'


def test_extension_with_the_pure_python_protobuf():
  """The same reads with protobuf's pure-Python runtime (another process:
  the runtime is chosen at first import)."""
  code = ('from ml_metadata.proto import metadata_store_pb2 as pb\n'
          'from ml_metadata.metadata_store import mlmd_types\n'
          'from google.protobuf.internal import api_implementation\n'
          'E = pb.system_type_extension\n'
          'names = []\n'
          'for t in (pb.ArtifactType, pb.ExecutionType, pb.ContextType):\n'
          '  for v in t.SystemDefinedBaseType.DESCRIPTOR.values:\n'
          '    names.append(v.GetOptions().Extensions[E].type_name)\n'
          'names.append(mlmd_types.Deploy().name)\n'
          'print(api_implementation.Type(), " ".join(names))\n')
  env = dict(os.environ, PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION='python')
  r = subprocess.run([sys.executable, '-c', code], env=env,
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  impl, names = r.stdout.strip().split(' ', 1)
  assert impl == 'python'
  want = [t for rows in EXPECTED_OPTIONS.values() for _, _, t in rows]
  assert names.split() == want + ['mlmd.Deploy']


# ---- mlmd_types --------------------------------------------------------------------


@pytest.mark.parametrize('cls,base,system_type,name', CLASSES,
                         ids=[c[0].__name__ for c in CLASSES])
def test_every_mlmd_types_class(cls, base, system_type, name):
  t = cls()
  assert isinstance(t, base)
  assert isinstance(t, mlmd_types._SystemType)  # pylint: disable=protected-access
  assert t.name == name
  assert t.system_type == system_type
  enum_type = (pb.ArtifactType if base is mlmd_types.ArtifactType else
               pb.ExecutionType).SystemDefinedBaseType
  assert t.name == option_name(enum_type, t.system_type)
  # The same type through the generic base, from the enum value.
  same = base(system_type)
  assert (same.name, same.system_type) == (name, system_type)
  # As in MLMD, the instance holds the built-in type's message.
  proto = t._type  # pylint: disable=protected-access
  want_cls = (pb.ArtifactType if base is mlmd_types.ArtifactType else
              pb.ExecutionType)
  assert proto == want_cls(name=name)
  assert repr(t) == '%s(name=%r, system_type=%d)' % (cls.__name__, name,
                                                     system_type)


def test_instances_do_not_share_state():
  a, b = mlmd_types.Model(), mlmd_types.Model()
  a._type.name = 'changed'  # pylint: disable=protected-access
  assert b.name == 'mlmd.Model'
  assert mlmd_types.Model().name == 'mlmd.Model'


def test_unset_and_unknown_values_are_refused():
  with pytest.raises(errors.NotFoundError,
                     match='unset_artifact_type is not found') as e:
    mlmd_types.ArtifactType(pb.ArtifactType.UNSET)
  assert e.value.error_code == errors.NOT_FOUND
  with pytest.raises(errors.NotFoundError, match='unset_execution_type'):
    mlmd_types.ExecutionType(pb.ExecutionType.UNSET)
  with pytest.raises(KeyError, match=r'9 is not a value of '
                     r'ml_metadata\.ArtifactType\.SystemDefinedBaseType '
                     r'\(UNSET=0, DATASET=1, MODEL=2, METRICS=3, '
                     r'STATISTICS=4\)'):
    mlmd_types.ArtifactType(9)
  with pytest.raises(KeyError, match='ExecutionType.SystemDefinedBaseType'):
    mlmd_types.ExecutionType(6)
  with pytest.raises(KeyError, match="'TRAIN' is not a value"):
    mlmd_types.ExecutionType('TRAIN')
  with pytest.raises(KeyError):
    mlmd_types.ArtifactType(None)


def test_a_system_type_is_not_a_type_message(store):
  """As in MLMD, the classes describe a base type; they are not messages
  the store takes."""
  with pytest.raises(TypeError):
    store.put_artifact_type(mlmd_types.Dataset())


# ---- simple_types ------------------------------------------------------------------


def test_simple_types_message():
  d = simple_types_pb2.SimpleTypes.DESCRIPTOR
  assert d.full_name == 'ml_metadata.SimpleTypes'
  assert d.file.name == 'ml_metadata/simple_types/proto/simple_types.proto'
  assert d.file.package == 'ml_metadata'
  assert d.file.syntax == 'proto3'
  rep = descriptor.FieldDescriptor.LABEL_REPEATED
  assert [(f.name, f.number, f.label, f.message_type.full_name)
          for f in d.fields] == [
              ('artifact_types', 1, rep, 'ml_metadata.ArtifactType'),
              ('execution_types', 2, rep, 'ml_metadata.ExecutionType'),
              ('context_types', 3, rep, 'ml_metadata.ContextType'),
          ]
  assert [x.name for x in d.file.dependencies] == [
      'ml_metadata/proto/metadata_store.proto']
  import ml_metadata.simple_types  # pylint: disable=g-import-not-at-top
  import ml_metadata.simple_types.proto  # pylint: disable=g-import-not-at-top
  assert ml_metadata.simple_types.proto.simple_types_pb2 is simple_types_pb2


def test_simple_types_bundle():
  """The bundle the classes look names up in: MLMD's nine built-in types in
  MLMD's order, names only, and no context type."""
  bundle = mlmd_types._load_simple_types()  # pylint: disable=protected-access
  want = simple_types_pb2.SimpleTypes()
  for n in ('mlmd.Dataset', 'mlmd.Model', 'mlmd.Metrics', 'mlmd.Statistics'):
    want.artifact_types.add(name=n)
  for n in ('mlmd.Train', 'mlmd.Transform', 'mlmd.Process', 'mlmd.Evaluate',
            'mlmd.Deploy'):
    want.execution_types.add(name=n)
  assert bundle == want
  again = simple_types_pb2.SimpleTypes()
  again.ParseFromString(bundle.SerializeToString())
  assert again == want
  assert sorted(c[3] for c in CLASSES) == sorted(
      [t.name for t in bundle.artifact_types] +
      [t.name for t in bundle.execution_types])


# ---- with a store ------------------------------------------------------------------


def put_and_check_types(store):
  """Puts one user type per mlmd_types class, base_type from the class, and
  checks each reads back equal by every type read. Returns {name: type}."""
  put = {}
  for cls, base, _, _ in CLASSES:
    if base is mlmd_types.ArtifactType:
      t = pb.ArtifactType(name='My' + cls.__name__,
                          base_type=cls().system_type,
                          description='a ' + cls().name,
                          external_id='ext-' + cls.__name__)
      t.properties['span'] = pb.INT
      t.id = store.put_artifact_type(t)
      assert store.get_artifact_type(t.name) == t
      assert store.get_artifact_types_by_id([t.id]) == [t]
      assert store.get_artifact_types_by_external_ids([t.external_id]) == [t]
    else:
      t = pb.ExecutionType(name='My' + cls.__name__,
                           base_type=cls().system_type,
                           external_id='ext-' + cls.__name__)
      t.properties['step'] = pb.STRING
      t.id = store.put_execution_type(t)
      assert store.get_execution_type(t.name) == t
      assert store.get_execution_types_by_id([t.id]) == [t]
      assert store.get_execution_types_by_external_ids([t.external_id]) == [t]
    put[t.name] = t
  arts = {t.name: t for t in store.get_artifact_types()}
  exes = {t.name: t for t in store.get_execution_types()}
  assert {**arts, **exes} == put
  return put


def check_types(store, put):
  got = store.get_artifact_types() + store.get_execution_types()
  assert {t.name: t for t in got} == put
  for cls, base, system_type, _ in CLASSES:
    t = put['My' + cls.__name__]
    assert t.base_type == system_type
    assert t.HasField('base_type')
    kind = ('ArtifactType' if base is mlmd_types.ArtifactType else
            'ExecutionType')
    enum_type = getattr(pb, kind).SystemDefinedBaseType
    assert option_name(enum_type, t.base_type) == cls().name


def put_nodes(store, put):
  ds = put['MyDataset']
  model = put['MyModel']
  train = put['MyTrain']
  a_in = pb.Artifact(type_id=ds.id, uri='/data/train')
  a_in.properties['span'].int_value = 3
  [in_id] = store.put_artifacts([a_in])
  a_in.id = in_id
  ex = pb.Execution(type_id=train.id, last_known_state=pb.Execution.COMPLETE)
  ex.properties['step'].string_value = 'fit'
  out = pb.Artifact(type_id=model.id, uri='/models/1')
  ex_id, [_, out_id], _ = store.put_execution(
      ex, [(a_in, pb.Event(type=pb.Event.INPUT)),
           (out, pb.Event(type=pb.Event.OUTPUT))], [])
  return in_id, ex_id, out_id


def check_nodes(store, put, ids):
  in_id, ex_id, out_id = ids
  [a] = store.get_artifacts_by_type('MyDataset')
  assert (a.id, a.uri, a.type, a.properties['span'].int_value) == (
      in_id, '/data/train', 'MyDataset', 3)
  [m], [m_type] = store.get_artifacts_and_types_by_artifact_ids([out_id])
  assert m.uri == '/models/1'
  assert m_type == put['MyModel']
  assert m_type.base_type == mlmd_types.Model().system_type
  [e] = store.get_executions_by_id([ex_id])
  assert e.type == 'MyTrain'
  events = store.get_events_by_execution_ids([ex_id])
  assert sorted((ev.artifact_id, ev.type) for ev in events) == sorted(
      [(in_id, pb.Event.INPUT), (out_id, pb.Event.OUTPUT)])
  q = pb.LineageSubgraphQueryOptions(max_num_hops=2)
  q.starting_artifacts.filter_query = 'id = %d' % in_id
  g = store.get_lineage_subgraph(q)
  assert {t.name: t for t in g.artifact_types} == {
      'MyDataset': put['MyDataset'], 'MyModel': put['MyModel']}
  assert list(g.execution_types) == [put['MyTrain']]


def test_round_trip(store):
  put = put_and_check_types(store)
  check_types(store, put)
  check_nodes(store, put, put_nodes(store, put))


@pytest.mark.in_process
def test_round_trip_through_a_sqlite_file(db_path):
  store = metadata_store.MetadataStore(file_config(db_path))
  put = put_and_check_types(store)
  ids = put_nodes(store, put)
  del store
  again = metadata_store.MetadataStore(file_config(db_path))
  check_types(again, put)
  check_nodes(again, put, ids)
  # The bytes of a type read back parse as the same message, base_type kept.
  t = again.get_artifact_type('MyStatistics')
  copy = pb.ArtifactType()
  copy.ParseFromString(t.SerializeToString())
  assert copy.base_type == pb.ArtifactType.STATISTICS == t.base_type


@pytest.mark.in_process
def test_round_trip_on_postgresql():
  uri = os.environ.get('MLMD_TEST_POSTGRES')
  if not uri:
    pytest.skip('set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT')
  u = urllib.parse.urlparse(uri)
  config = pb.ConnectionConfig()
  config.postgresql.host = u.hostname
  config.postgresql.port = str(u.port or 5432)
  config.postgresql.user = u.username or ''
  config.postgresql.dbname = 'mlmd_t_py_types_%d' % os.getpid()
  store = metadata_store.MetadataStore(config)
  put = put_and_check_types(store)
  ids = put_nodes(store, put)
  del store
  again = metadata_store.MetadataStore(config)
  check_types(again, put)
  check_nodes(again, put, ids)


def test_base_type_on_a_stored_type(store):
  """MLMD's rules for base_type on a type that is stored: the same value or
  none keeps it, another value is UNIMPLEMENTED."""
  t = pb.ArtifactType(name='Examples', base_type=mlmd_types.Dataset().system_type)
  tid = store.put_artifact_type(t)
  assert store.put_artifact_type(t) == tid
  assert store.put_artifact_type(pb.ArtifactType(name='Examples')) == tid
  assert store.get_artifact_type('Examples').base_type == pb.ArtifactType.DATASET
  with pytest.raises(errors.UnimplementedError, match='base_type'):
    store.put_artifact_type(pb.ArtifactType(
        name='Examples', base_type=mlmd_types.Model().system_type))
  e = pb.ExecutionType(name='Trainer', base_type=mlmd_types.Train().system_type)
  eid = store.put_execution_type(e)
  with pytest.raises(errors.UnimplementedError, match='base_type'):
    store.put_execution_type(pb.ExecutionType(
        name='Trainer', base_type=mlmd_types.Deploy().system_type))
  assert store.get_execution_types_by_id([eid])[0].base_type == (
      pb.ExecutionType.TRAIN)
  # A type with no base_type reads back without the field.
  plain = store.put_artifact_type(pb.ArtifactType(name='Plain'))
  [p] = store.get_artifact_types_by_id([plain])
  assert not p.HasField('base_type')


# ---- installed -----------------------------------------------------------------------

_IMPORTS = ('from ml_metadata.metadata_store import mlmd_types\n'
            'from ml_metadata.simple_types.proto import simple_types_pb2\n'
            'import ml_metadata.simple_types\n'
            'print(mlmd_types.__file__)\n'
            'print(simple_types_pb2.__file__)\n'
            'print(mlmd_types.Evaluate().name)\n')


def _imports_from(site):
  env = dict(os.environ)
  env['PYTHONPATH'] = str(site)
  r = subprocess.run([sys.executable, '-c', _IMPORTS], env=env, cwd='/',
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  types_file, pb2_file, name = r.stdout.split()
  assert types_file.startswith(str(site))
  assert pb2_file.startswith(str(site))
  assert name == 'mlmd.Evaluate'


@pytest.mark.in_process
def test_make_install_and_pip_install_carry_the_modules(tmp_path):
  prefix = tmp_path / 'prefix'
  r = subprocess.run(['make', '-s', '-C', REPO, 'install', 'PREFIX=%s' % prefix],
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stdout + r.stderr
  _imports_from(prefix / 'lib' / 'python3' / 'dist-packages')
  target = tmp_path / 'site'
  r = subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-index',
                      '--no-deps', '--quiet', '--target', str(target),
                      os.path.join(REPO, 'bindings', 'python')],
                     capture_output=True, text=True, check=False)
  if r.returncode != 0 and 'No module named pip' in r.stderr:
    pytest.skip('pip is not installed for %s' % sys.executable)
  assert r.returncode == 0, r.stderr
  _imports_from(target)

"""MLMD's system types: the built-in artifact and execution types.

The same classes as Google's `ml_metadata.metadata_store.mlmd_types` (MLMD
1.16): `Dataset`, `Model`, `Metrics`, `Statistics` (artifact types) and
`Train`, `Transform`, `Process`, `Evaluate`, `Deploy` (execution types), on
the bases `ArtifactType` and `ExecutionType`. An instance has

- `name`: the built-in type's name, `'mlmd.Dataset'`, ...;
- `system_type`: the `SystemDefinedBaseType` enum value it stands for
  (`metadata_store_pb2.ArtifactType.DATASET`, ...), the value a user type
  puts in its `base_type` field to say what kind of thing it is.

The names are not written here: each comes from the `system_type_extension`
option of its enum value in metadata_store.proto, read from the generated
descriptor, so the proto is the one place that holds them (as in MLMD, where
a built-in type is looked up by that name in the bundle of simple types).

Nothing here touches a store: these are plain Python objects, made without a
connection.
"""

import abc
from typing import Union

from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2
from ml_metadata.simple_types.proto import simple_types_pb2

_TypeProto = Union[metadata_store_pb2.ArtifactType,
                   metadata_store_pb2.ExecutionType]


def _type_name_option(enum_value) -> str:
  """The system_type_extension type_name of an EnumValueDescriptor."""
  options = enum_value.GetOptions()
  return options.Extensions[metadata_store_pb2.system_type_extension].type_name


def _load_simple_types() -> simple_types_pb2.SimpleTypes:
  """The bundle of built-in types, in the order of their enum values.

  One type per SystemDefinedBaseType value of ArtifactType and ExecutionType
  whose option names a type; the UNSET values (named 'unset_...') name none.
  ContextType has only UNSET, so the bundle holds no context type. Returns a
  new message each call.
  """
  bundle = simple_types_pb2.SimpleTypes()
  for enum_type, out in (
      (metadata_store_pb2.ArtifactType.SystemDefinedBaseType,
       bundle.artifact_types),
      (metadata_store_pb2.ExecutionType.SystemDefinedBaseType,
       bundle.execution_types),
      (metadata_store_pb2.ContextType.SystemDefinedBaseType,
       bundle.context_types)):
    for value in enum_type.DESCRIPTOR.values:
      name = _type_name_option(value)
      if name and not name.startswith('unset'):
        out.add(name=name)
  return bundle


def _find_type(type_name: str) -> _TypeProto:
  """The built-in type named `type_name`, as a new message.

  Raises errors.NotFoundError when no built-in type has that name.
  """
  bundle = _load_simple_types()
  for t in list(bundle.artifact_types) + list(bundle.execution_types):
    if t.name == type_name:
      return t
  known = [t.name for t in bundle.artifact_types]
  known += [t.name for t in bundle.execution_types]
  raise errors.NotFoundError(
      'Type name: %s is not found among the built-in types (%s)' %
      (type_name, ', '.join(known)))


def _option_name(enum_type, system_type) -> str:
  """The type name the option of `system_type`, a value of `enum_type`, gives.

  Raises KeyError (as MLMD does) naming the enum and its values when
  `system_type` is not one of them.
  """
  value = None
  if isinstance(system_type, int):
    value = enum_type.DESCRIPTOR.values_by_number.get(system_type)
  if value is None:
    raise KeyError('%r is not a value of %s (%s)' % (
        system_type, enum_type.DESCRIPTOR.full_name,
        ', '.join('%s=%d' % (v.name, v.number)
                  for v in enum_type.DESCRIPTOR.values)))
  return _type_name_option(value)


class _SystemType(abc.ABC):
  """A built-in MLMD type, found by its name among the simple types."""

  def __init__(self, type_name: str):
    """Looks `type_name` up among the built-in types.

    Raises errors.NotFoundError when no built-in type has that name (for
    example 'unset_artifact_type', the name of an UNSET value).
    """
    self._type = _find_type(type_name)

  @property
  def name(self) -> str:
    """The built-in type's name, such as 'mlmd.Dataset'."""
    return self._type.name

  def __repr__(self) -> str:
    return '%s(name=%r, system_type=%r)' % (
        type(self).__name__, self.name, getattr(self, '_system_type', None))


class ArtifactType(_SystemType):
  """A built-in artifact type, named by an ArtifactType.SystemDefinedBaseType.

  `ArtifactType(metadata_store_pb2.ArtifactType.MODEL)` is `Model()`.
  """

  def __init__(
      self, system_type: metadata_store_pb2.ArtifactType.SystemDefinedBaseType):
    self._system_type = system_type
    super().__init__(
        _option_name(metadata_store_pb2.ArtifactType.SystemDefinedBaseType,
                     system_type))

  @property
  def system_type(self) -> metadata_store_pb2.ArtifactType.SystemDefinedBaseType:
    """The enum value, for an ArtifactType's base_type field."""
    return self._system_type


class ExecutionType(_SystemType):
  """A built-in execution type, named by an ExecutionType.SystemDefinedBaseType.

  `ExecutionType(metadata_store_pb2.ExecutionType.TRAIN)` is `Train()`.
  """

  def __init__(
      self,
      system_type: metadata_store_pb2.ExecutionType.SystemDefinedBaseType):
    self._system_type = system_type
    super().__init__(
        _option_name(metadata_store_pb2.ExecutionType.SystemDefinedBaseType,
                     system_type))

  @property
  def system_type(
      self) -> metadata_store_pb2.ExecutionType.SystemDefinedBaseType:
    """The enum value, for an ExecutionType's base_type field."""
    return self._system_type


class Dataset(ArtifactType):
  """The built-in artifact type 'mlmd.Dataset' (base_type DATASET)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ArtifactType.DATASET)


class Model(ArtifactType):
  """The built-in artifact type 'mlmd.Model' (base_type MODEL)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ArtifactType.MODEL)


class Statistics(ArtifactType):
  """The built-in artifact type 'mlmd.Statistics' (base_type STATISTICS)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ArtifactType.STATISTICS)


class Metrics(ArtifactType):
  """The built-in artifact type 'mlmd.Metrics' (base_type METRICS)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ArtifactType.METRICS)


class Train(ExecutionType):
  """The built-in execution type 'mlmd.Train' (base_type TRAIN)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ExecutionType.TRAIN)


class Transform(ExecutionType):
  """The built-in execution type 'mlmd.Transform' (base_type TRANSFORM)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ExecutionType.TRANSFORM)


class Process(ExecutionType):
  """The built-in execution type 'mlmd.Process' (base_type PROCESS)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ExecutionType.PROCESS)


class Evaluate(ExecutionType):
  """The built-in execution type 'mlmd.Evaluate' (base_type EVALUATE)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ExecutionType.EVALUATE)


class Deploy(ExecutionType):
  """The built-in execution type 'mlmd.Deploy' (base_type DEPLOY)."""

  def __init__(self):
    super().__init__(metadata_store_pb2.ExecutionType.DEPLOY)

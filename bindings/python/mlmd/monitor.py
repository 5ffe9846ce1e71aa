"""Monitoring's client methods (MlflowClient inherits them): reference
profiles of a model's input columns, recorded from rows in memory at
training time, and the drift windows a scorer records against them while it
serves.

Each method is one MonitoringService RPC (proto/mlmd_governance.proto,
whose comments are the semantics) through mlmd_store_call, audited like
every write. docs/monitoring.md has the model and the formulas.
"""

import collections
import json
import math
import numbers

from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import registry
from mlmd.proto import mlmd_governance_pb2 as gpb

# What record_profile returns: the PutProfile answer.
ProfileRecord = collections.namedtuple(
    'ProfileRecord', 'profile_artifact_id execution_id model_artifact_id n_rows n_columns')
# What get_profile returns: the profile's JSON form parsed (docs/monitoring.md,
# "profiles"), its artifact, the model's artifact, when it was recorded.
Profile = collections.namedtuple(
    'Profile', 'profile profile_artifact_id model_artifact_id create_time_ms')
# What drift_windows returns, one per window: its artifact, the serving
# execution, the model served and its profile, the window's times and rows,
# whether it drifted, its largest PSI, and the report JSON parsed.
DriftWindow = collections.namedtuple(
    'DriftWindow', 'artifact_id execution_id model_artifact_id profile_artifact_id start_ms end_ms '
    'rows drifted max_psi report')


def _model_fields(model):
  """(model_artifact_id, model_ref) for an id, an ml_metadata Artifact, a
  ModelVersion (its artifact_id) or a reference NAME@ALIAS | NAME/VERSION."""
  if isinstance(model, mpb.Artifact):
    return registry._id('model artifact id', model.id), None
  if isinstance(model, str) and not registry._decimal(model.strip()):
    registry.parse_ref(model)  # InvalidArgumentError for a malformed one
    return None, model
  if hasattr(model, 'artifact_id') and not isinstance(model, (str, numbers.Number)):
    return registry._id('model artifact id', model.artifact_id), None
  return registry._id('model artifact id', model), None


def _missing(v):
  return v is None or (isinstance(v, float) and math.isnan(v)) or (
      isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral) and math.isnan(float(v)))


def _column(name, values):
  """One ProfileColumnData: numbers (None and NaN missing) or strings (None,
  NaN and '' missing). A column mixing numbers and strings is refused."""
  if not isinstance(name, str) or not name:
    raise errors.InvalidArgumentError('column name %r is not a non-empty string' % (name,))
  col = gpb.ProfileColumnData(name=name)
  dtype = getattr(values, 'dtype', None)
  if dtype is not None and getattr(dtype, 'kind', '') in 'fiu' and hasattr(values, 'tolist'):
    col.numbers.extend(float(v) for v in values.tolist())  # numpy / pandas numeric
    return col
  vals = list(values)
  kinds = set()
  for v in vals:
    if _missing(v):
      continue
    if isinstance(v, str):
      kinds.add('string')
    elif isinstance(v, numbers.Real) and not isinstance(v, bool):
      kinds.add('number')
    else:
      raise errors.InvalidArgumentError(
          'column %r: %r is neither a number nor a string' % (name, v))
  if len(kinds) > 1:
    raise errors.InvalidArgumentError(
        'column %r mixes numbers and strings (give one kind per column)' % name)
  if 'string' in kinds:
    col.strings.extend('' if _missing(v) else v for v in vals)
  else:
    col.numbers.extend(float('nan') if _missing(v) else float(v) for v in vals)
  return col


class MonitoringMethods(object):
  """The monitoring part of MlflowClient (it provides _call)."""

  # ---- profiles (helper profiles) -------------------------------------------

  def record_profile(self, model, columns, dataset=None, name=None,
                     category_cap=None):
    """Records a reference profile of `model` built from rows in memory.

    model: its artifact id, an ml_metadata Artifact, a ModelVersion, or a
    registry reference "NAME@ALIAS" | "NAME/VERSION". columns: a mapping
    column name -> sequence of numbers or of strings (lists, numpy arrays,
    pandas Series: anything iterable), all of one length; None and NaN are
    missing (and '' in a string column). A string column is categorical,
    a numeric one gets mean, variance, min, max and ten decile bins.
    dataset: the training data's artifact id (a second INPUT of the
    profiling). name: the profile artifact's name. category_cap: categories
    kept per categorical column (default 100; the rest count as "other").
    Returns a ProfileRecord (profile_artifact_id, execution_id,
    model_artifact_id, n_rows, n_columns). NotFoundError for a model that
    does not exist or was deleted."""
    mid, ref = _model_fields(model)
    if not hasattr(columns, 'items'):
      raise errors.InvalidArgumentError('columns must be a mapping name -> values')
    req = gpb.PutProfileRequest(columns=[_column(k, v) for k, v in columns.items()])
    if mid is not None:
      req.model_artifact_id = mid
    else:
      req.model_ref = ref
    if dataset is not None:
      req.dataset_artifact_id = registry._id('dataset artifact id',
                                             getattr(dataset, 'id', dataset))
    if name is not None:
      req.name = name
    if category_cap is not None:
      if isinstance(category_cap, bool) or not isinstance(category_cap, numbers.Integral) \
          or not 1 <= category_cap <= 100000:
        raise errors.InvalidArgumentError('category_cap %r is not 1..100000' % (category_cap,))
      req.category_cap = int(category_cap)
    r = self._call('PutProfile', req, gpb.PutProfileResponse())
    return ProfileRecord(r.profile_artifact_id, r.execution_id,
                         r.model_artifact_id, r.n_rows, r.n_columns)

  def get_profile(self, model=None, profile_artifact_id=None):
    """The newest reference profile of `model` (as record_profile takes it),
    or the profile artifact `profile_artifact_id`: a Profile (profile: the
    JSON form parsed into a dict; profile_artifact_id; model_artifact_id;
    create_time_ms). NotFoundError when the model has none."""
    req = gpb.GetProfileRequest()
    if (model is None) == (profile_artifact_id is None):
      raise errors.InvalidArgumentError('give model or profile_artifact_id')
    if model is not None:
      mid, ref = _model_fields(model)
      if mid is not None:
        req.model_artifact_id = mid
      else:
        req.model_ref = ref
    else:
      req.profile_artifact_id = registry._id('profile artifact id',
                                             profile_artifact_id)
    r = self._call('GetProfile', req, gpb.GetProfileResponse())
    return Profile(json.loads(r.profile_json), r.profile_artifact_id,
                   r.model_artifact_id, r.create_time_ms)


  # ---- drift windows (helper serving) ---------------------------------------

  def drift_windows(self, execution_id, last=0):
    """The drift windows a scorer recorded on the serving execution
    `execution_id` (an id or an ml_metadata Execution), oldest first; with
    last=N only the newest N. Each is a DriftWindow: artifact_id,
    execution_id, model_artifact_id, profile_artifact_id, start_ms, end_ms,
    rows, drifted, max_psi and report, the window's JSON figures parsed
    into a dict ({"rows", "judged", "columns": [...], "outputs": {...}};
    docs/monitoring.md, "serving"; a figure that could not be computed is
    None). [] when there is none (a model without a profile is served
    unmonitored). InvalidArgumentError when the execution is not a serving
    execution, NotFoundError when it does not exist."""
    eid = registry._id('serving execution id', getattr(execution_id, 'id', execution_id))
    if isinstance(last, bool) or not isinstance(last, numbers.Integral) or not 0 <= last <= 2**31 - 1:
      raise errors.InvalidArgumentError('last %r is not a count >= 0 (0: all)' % (last,))
    req = gpb.GetDriftWindowsRequest(serving_execution_id=eid, last=int(last))
    r = self._call('GetDriftWindows', req, gpb.GetDriftWindowsResponse())
    return [DriftWindow(w.artifact_id, w.serving_execution_id, w.model_artifact_id,
                        w.profile_artifact_id, w.start_ms, w.end_ms, w.rows, w.drifted,
                        w.max_psi, json.loads(w.report_json) if w.report_json else {})
            for w in r.windows]

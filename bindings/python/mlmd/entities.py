"""MLflow's entities, as mlmd's Python API shows runs and metric points.

Run (with .info and .data), Metric, Param, RunTag and Experiment have the
attribute names of MLflow's classes of the same names. A run id is the
decimal string of the run's execution id ("42"), an experiment id the
decimal string of the experiment's context id. Statuses use MLflow's names:
RUNNING, FINISHED (MLMD's COMPLETE), FAILED, KILLED (MLMD's CANCELED).
"""

import math

from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2

_State = metadata_store_pb2.Execution.State

# MLflow's status names and the execution states they are stored as.
STATUS_TO_STATE = {
    'RUNNING': _State.RUNNING,
    'FINISHED': _State.COMPLETE,
    'FAILED': _State.FAILED,
    'KILLED': _State.CANCELED,
}
STATE_TO_STATUS = {v: k for k, v in STATUS_TO_STATE.items()}


class RunStatus(object):
  """MLflow's run statuses (strings here, as MLflow's RunInfo.status)."""
  RUNNING = 'RUNNING'
  FINISHED = 'FINISHED'
  FAILED = 'FAILED'
  KILLED = 'KILLED'

  @staticmethod
  def is_terminated(status):
    return status in ('FINISHED', 'FAILED', 'KILLED')

  @staticmethod
  def all_status():
    return ['RUNNING', 'FINISHED', 'FAILED', 'KILLED']


def status_to_state(status):
  """The execution state an MLflow status name is stored as."""
  s = str(status).upper()
  if s not in STATUS_TO_STATE:
    raise errors.InvalidArgumentError(
        'run status %r: expected one of RUNNING, FINISHED, FAILED, KILLED'
        % (status,))
  return STATUS_TO_STATE[s]


def state_to_status(state):
  """MLflow's name for an execution state (MLMD's own name for the states
  MLflow has no name for, such as NEW)."""
  if state in STATE_TO_STATUS:
    return STATE_TO_STATUS[state]
  try:
    return _State.Name(state)
  except ValueError:
    return "UNKNOWN"


def run_id_to_int(run_id):
  """The execution id of a run id ("42", or 42); InvalidArgumentError else."""
  if isinstance(run_id, bool):
    raise errors.InvalidArgumentError('run id %r is not a run id' % (run_id,))
  if isinstance(run_id, int):
    n = run_id
  else:
    text = str(run_id).strip()
    if not (text.isascii() and text.isdigit()):
      raise errors.InvalidArgumentError(
          'run id %r is not a run id (run ids are decimal execution ids, '
          'such as "42")' % (run_id,))
    n = int(text)
  if n <= 0 or n >= 2**63:
    raise errors.InvalidArgumentError('run id %r is out of range' % (run_id,))
  return n


def value_text(value):
  """A parameter's ml_metadata.Value as MLflow shows parameters: a string."""
  kind = value.WhichOneof('value')
  if kind == 'string_value':
    return value.string_value
  if kind == 'int_value':
    return str(value.int_value)
  if kind == 'double_value':
    return repr(value.double_value)
  if kind is None:
    return ''
  return str(getattr(value, kind))


class PagedList(list):
  """A list (of runs, models, versions) with .token, the next page's token
  (None at the end)."""

  def __init__(self, items, token):
    super().__init__(items)
    self.token = token


class Metric(object):
  """One metric point: .key .value .timestamp (ms) .step."""

  def __init__(self, key, value, timestamp, step):
    self.key = key
    self.value = value
    self.timestamp = timestamp
    self.step = step

  def __eq__(self, other):
    if not isinstance(other, Metric):
      return NotImplemented
    same = (self.value == other.value or
            (math.isnan(self.value) and math.isnan(other.value)))
    return (self.key, self.timestamp, self.step) == (
        other.key, other.timestamp, other.step) and same

  def __repr__(self):
    return '<Metric: key=%r, step=%r, timestamp=%r, value=%r>' % (
        self.key, self.step, self.timestamp, self.value)


class Param(object):
  """A parameter for log_batch: .key .value (logged as str(value))."""

  def __init__(self, key, value):
    self.key = key
    self.value = value

  def __repr__(self):
    return '<Param: key=%r, value=%r>' % (self.key, self.value)


class RunTag(object):
  """A tag for log_batch: .key .value."""

  def __init__(self, key, value):
    self.key = key
    self.value = value

  def __repr__(self):
    return '<RunTag: key=%r, value=%r>' % (self.key, self.value)


class Experiment(object):
  """An experiment: .experiment_id (None until its first run creates it)
  and .name."""

  def __init__(self, experiment_id, name):
    self.experiment_id = experiment_id
    self.name = name
    self.lifecycle_stage = 'active'

  def __repr__(self):
    return '<Experiment: experiment_id=%r, name=%r>' % (self.experiment_id,
                                                       self.name)


class RunInfo(object):
  """MLflow's RunInfo: run_id and run_uuid (the same), run_name,
  experiment_id, status, start_time and end_time (ms; end_time None while
  the run is running), user_id (the captured user), lifecycle_stage."""

  def __init__(self, run):
    self.run_id = str(run.run_id)
    self.run_uuid = self.run_id
    self.run_name = run.run_name
    self.experiment_id = str(run.experiment_id)
    self.experiment_name = run.experiment_name
    self.run_type = run.run_type
    self.status = state_to_status(run.status)
    self.start_time = run.start_time if run.HasField('start_time') else None
    self.end_time = run.end_time if run.HasField('end_time') else None
    self.user_id = run.capture.user if run.HasField('capture') else ''
    self.lifecycle_stage = 'active'
    self.artifact_uri = None

  def __repr__(self):
    return '<RunInfo: run_id=%r, run_name=%r, experiment_id=%r, status=%r>' % (
        self.run_id, self.run_name, self.experiment_id, self.status)


class RunData(object):
  """MLflow's RunData: params (str -> str), metrics (key -> the latest
  value, by step then timestamp), tags (str -> str)."""

  def __init__(self, run):
    self.params = {p.key: value_text(p.value) for p in run.params}
    self.metrics = {m.key: m.value for m in run.metrics}
    self.tags = {t.key: t.value for t in run.tags}

  def __repr__(self):
    return '<RunData: params=%r, metrics=%r, tags=%r>' % (
        self.params, self.metrics, self.tags)


class Run(object):
  """A run as MLflow shows it: .info (RunInfo) and .data (RunData).

  mlmd adds .inputs and .outputs (the files as ml_metadata.Artifact
  messages, with their mlmd.sha256 and mlmd.size properties), .capture
  (the mlmd.tracking.Capture recorded at start), .fingerprint (set when the
  run ended FINISHED) and .proto (the mlmd.tracking.Run message).
  """

  def __init__(self, run):
    self.proto = run
    self.info = RunInfo(run)
    self.data = RunData(run)
    self.inputs = list(run.inputs)
    self.outputs = list(run.outputs)
    self.capture = run.capture
    self.fingerprint = run.fingerprint if run.HasField('fingerprint') else None

  def __repr__(self):
    return '<Run: info=%r, data=%r>' % (self.info, self.data)


# The registry's and the audit log's entities, also reachable from here.
from mlmd.registry_entities import AliasHistoryEntry  # pylint: disable=wrong-import-position
from mlmd.registry_entities import AliasPolicy  # pylint: disable=wrong-import-position
from mlmd.registry_entities import AliasRequest  # pylint: disable=wrong-import-position
from mlmd.registry_entities import ModelVersion  # pylint: disable=wrong-import-position
from mlmd.registry_entities import RegisteredModel  # pylint: disable=wrong-import-position
from mlmd.registry_entities import Review  # pylint: disable=wrong-import-position

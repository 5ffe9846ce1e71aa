"""MlflowClient: the run-id-based half of MLflow's API, over mlmd's store,
with the model registry's methods (mlmd/registry.py), the audit log's
(mlmd/audit.py) and data governance's (mlmd/datagov.py).

Each method is one tracking RPC (proto/mlmd_tracking.proto) through the
library's mlmd_store_call, one transaction. Arguments are checked before any
call (a metric value that is not a number, a run id that is not a decimal
execution id: InvalidArgumentError); the store's refusals (an unknown run:
NotFoundError; logging to a run that has ended, changing a logged
parameter: the library's status) raise the ml_metadata.errors exception for
the status code. mlmd.exceptions.MlflowException is their base class.
"""

import hashlib
import numbers
import os
import time

from ml_metadata import _actor
from ml_metadata import errors
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd import _store
from mlmd import audit
from mlmd import datagov
from mlmd import entities
from mlmd import monitor
from mlmd import registry
from mlmd.proto import mlmd_tracking_pb2 as tpb

EXPERIMENT_TYPE = 'mlmd.Experiment'
DEFAULT_EXPERIMENT = 'Default'
_CHUNK = 1 << 20


def now_ms():
  return int(time.time() * 1000)


def metric_value(key, value):
  """`value` as a float; InvalidArgumentError when it is not a number (NaN
  and the infinities are numbers and are stored as such)."""
  t = type(value)
  if t is float or t is int:
    return float(value)
  if isinstance(value, (str, bytes, bytearray)) or not isinstance(
      value, numbers.Number):
    raise errors.InvalidArgumentError(
        'metric %r: value %r is not a number (got %s)' %
        (key, value, type(value).__name__))
  try:
    return float(value)
  except (TypeError, ValueError) as e:
    raise errors.InvalidArgumentError('metric %r: value %r is not a real '
                                      'number: %s' % (key, value, e)) from None


def _int_arg(what, key, v):
  if type(v) is int:
    return v
  if isinstance(v, bool) or not isinstance(v, numbers.Integral):
    raise errors.InvalidArgumentError('metric %r: %s %r is not an int' %
                                      (key, what, v))
  return int(v)


def _key(what, key):
  if not isinstance(key, str) or not key:
    raise errors.InvalidArgumentError('%s key %r: expected a non-empty '
                                      'string' % (what, key))
  return key


def file_record(path, artifact_type=None):
  """A FileRecord for the file at `path`: its absolute path as the URI, its
  SHA-256 and size computed in one read."""
  path = os.fspath(path)
  h = hashlib.sha256()
  size = 0
  try:
    with open(path, 'rb') as f:
      while True:
        block = f.read(_CHUNK)
        if not block:
          break
        h.update(block)
        size += len(block)
  except OSError as e:
    raise errors.InvalidArgumentError('file %s: %s' % (path, e.strerror or e)) \
        from None
  rec = tpb.FileRecord(uri=os.path.abspath(path), sha256=h.hexdigest(),
                       size=size)
  if artifact_type:
    rec.type = artifact_type
  return rec


def _files_in(path):
  """`path` if it is a file, else every file below it, sorted."""
  path = os.fspath(path)
  if not os.path.isdir(path):
    return [path]
  found = []
  for root, dirs, files in os.walk(path):
    dirs.sort()
    found.extend(os.path.join(root, f) for f in sorted(files))
  return found


PagedList = entities.PagedList


class MlflowClient(registry.RegistryMethods, audit.AuditMethods,
                   datagov.DataGovernanceMethods, monitor.MonitoringMethods):
  """A client of one store: `tracking_uri` (a store URI as the CLI takes:
  sqlite:PATH, sqlite::memory:, postgresql://USER@HOST:PORT/DB), else
  `registry_uri`, else the one mlmd.set_store() named, else $MLMD_STORE,
  else sqlite:mlmd.db. Runs, the model registry, the audit log and data
  governance (deletion, retention, labels, the serving gate) live in the
  same store.

  actor: who this client's writes are by (the audit log's actor, the
  requester or approver of alias requests); None: mlmd.set_actor()'s at the
  time of each call, else $MLMD_ACTOR, else the OS user name.
  """

  def __init__(self, tracking_uri=None, registry_uri=None, *, actor=None):
    if actor is not None:
      _actor.check(actor)
    self._actor = actor
    self._store = _store.get_store(tracking_uri or registry_uri)

  @property
  def tracking_uri(self):
    return self._store.uri

  @property
  def actor(self):
    """Who this client's next write is by."""
    return self._store.actor(self._actor)

  def _call(self, method, request, response):
    return self._store.call(method, request, response, self._actor)

  # ---- experiments ----------------------------------------------------------

  def get_experiment_by_name(self, name):
    """The experiment named `name`, or None when no run created it yet."""
    r = self._call('GetContextByTypeAndName',
                   svc.GetContextByTypeAndNameRequest(
                       type_name=EXPERIMENT_TYPE, context_name=name),
                   svc.GetContextByTypeAndNameResponse())
    if not r.HasField('context'):
      return None
    return entities.Experiment(str(r.context.id), r.context.name)

  def get_experiment(self, experiment_id):
    """The experiment of id `experiment_id`; NotFoundError when none."""
    n = entities.run_id_to_int(experiment_id)
    r = self._call('GetContextsByID', svc.GetContextsByIDRequest(
        context_ids=[n]), svc.GetContextsByIDResponse())
    if not r.contexts:
      raise errors.NotFoundError('no experiment with id %s' % experiment_id)
    return entities.Experiment(str(r.contexts[0].id), r.contexts[0].name)

  # ---- runs -----------------------------------------------------------------

  def create_run(self, experiment_id=None, start_time=None, tags=None,
                 run_name=None, *, experiment_name=None, run_type=None,
                 capture=None):
    """Starts a run (RUNNING) in the experiment named `experiment_name`, or
    of id `experiment_id`, else Default; returns its Run. `start_time` is
    not settable (a run starts when it is recorded) and must be None."""
    if start_time is not None:
      raise errors.InvalidArgumentError(
          'start_time: a run starts when it is recorded (its execution\'s '
          'create time); leave it None')
    req = tpb.StartRunRequest()
    if experiment_name is None and experiment_id is not None:
      experiment_name = self.get_experiment(experiment_id).name
    req.experiment_name = experiment_name or DEFAULT_EXPERIMENT
    if run_name:
      req.run_name = str(run_name)
    if run_type:
      req.run_type = run_type
    if capture is not None:
      req.capture.CopyFrom(capture)
    for k, v in (tags or {}).items():
      req.tags.add(key=_key('tag', k), value=str(v))
    r = self._call('StartRun', req, tpb.StartRunResponse())
    return self.get_run(r.run_id)

  def get_run(self, run_id):
    """The run of id `run_id` ("42"); NotFoundError when there is none."""
    r = self._call('GetRun', tpb.GetRunRequest(
        run_id=entities.run_id_to_int(run_id)), tpb.GetRunResponse())
    return entities.Run(r.run)

  def set_terminated(self, run_id, status=None, end_time=None):
    """Ends the run: status FINISHED (default), FAILED or KILLED."""
    req = tpb.EndRunRequest(run_id=entities.run_id_to_int(run_id),
                            status=entities.status_to_state(status or
                                                            'FINISHED'))
    if req.status == entities.STATUS_TO_STATE['RUNNING']:
      raise errors.InvalidArgumentError('a run cannot end RUNNING')
    if end_time is not None:
      req.end_time = int(end_time)
    self._call('EndRun', req, tpb.EndRunResponse())

  def search_runs(self, experiment_ids=None, filter_string='',
                  run_view_type=None, max_results=1000, order_by=None,
                  page_token=None, *, experiment_names=None):
    """Runs of the experiments named (by id or by name; none: every
    experiment) that match `filter_string` (MLflow's search syntax), ordered
    by `order_by` (e.g. ["metrics.loss ASC"]; default newest first): one
    page of at most `max_results`, as a list with .token for the next."""
    del run_view_type  # runs are never deleted: every run is active
    names = list(experiment_names or [])
    for i in experiment_ids or []:
      names.append(self.get_experiment(i).name)
    req = tpb.SearchRunsRequest(experiment_names=names,
                                filter=filter_string or '',
                                order_by=list(order_by or []),
                                max_results=int(max_results))
    if page_token:
      req.page_token = page_token
    r = self._call('SearchRuns', req, tpb.SearchRunsResponse())
    return PagedList([entities.Run(x) for x in r.runs],
                     r.next_page_token or None)

  # ---- logging --------------------------------------------------------------

  def log_param(self, run_id, key, value):
    """Logs str(value) as parameter `key`; returns value. A parameter keeps
    its first value: logging another is refused."""
    self.log_batch(run_id, params=[entities.Param(key, value)])
    return value

  def set_tag(self, run_id, key, value):
    self.log_batch(run_id, tags=[entities.RunTag(key, value)])

  def log_metric(self, run_id, key, value, timestamp=None, step=None):
    """Logs one point (step default 0, timestamp default now, ms)."""
    req = tpb.LogRequest(run_id=entities.run_id_to_int(run_id))
    req.metrics.add(
        key=_key('metric', key), values=[metric_value(key, value)],
        steps=[0 if step is None else _int_arg('step', key, step)],
        timestamps=[now_ms() if timestamp is None else
                    _int_arg('timestamp', key, timestamp)])
    self._call('Log', req, tpb.LogResponse())

  def log_batch(self, run_id, metrics=(), params=(), tags=(), synchronous=None):
    """Logs Metric points, Params and RunTags in one call and one
    transaction; a key's points keep their order."""
    del synchronous
    req = tpb.LogRequest(run_id=entities.run_id_to_int(run_id))
    for p in params:
      req.params.add(key=_key('param', p.key)).value.string_value = str(
          p.value)
    for t in tags:
      req.tags.add(key=_key('tag', t.key), value=str(t.value))
    series = {}
    now = None
    for m in metrics:
      s = series.get(m.key)
      if s is None:
        s = series[m.key] = ([], [], [])
      s[0].append(metric_value(m.key, m.value))
      s[1].append(0 if m.step is None else _int_arg('step', m.key, m.step))
      if m.timestamp is None:
        now = now or now_ms()
      s[2].append(now if m.timestamp is None else
                  _int_arg('timestamp', m.key, m.timestamp))
    for k, (values, steps, stamps) in series.items():
      req.metrics.add(key=_key('metric', k), values=values, steps=steps,
                      timestamps=stamps)
    self._call('Log', req, tpb.LogResponse())

  def log_metric_series(self, run_id, key, values, steps=None,
                        timestamps=None):
    """mlmd's bulk path (not in MLflow): many points of one key in one call
    and one transaction. values: a sequence of numbers; steps: ints, as many
    (None: every step 0); timestamps: ints in ms, as many (None: the
    call's time).
    Returns the number of points stored."""
    vals = [metric_value(key, v) for v in values]
    n = len(vals)
    req = tpb.LogRequest(run_id=entities.run_id_to_int(run_id))
    s = req.metrics.add(key=_key('metric', key))
    s.values.extend(vals)
    for what, seq, field in (('steps', steps, s.steps),
                             ('timestamps', timestamps, s.timestamps)):
      if seq is None:
        continue
      seq = [_int_arg(what[:-1], key, x) for x in seq]
      if len(seq) != n:
        raise errors.InvalidArgumentError(
            'metric %r: %d values but %d %s' % (key, n, len(seq), what))
      field.extend(seq)
    return self._call('Log', req, tpb.LogResponse()).points

  def get_metric_history(self, run_id, key):
    """Every point of metric `key` of the run, by step, then timestamp,
    then logging order: a list of Metric (.key .value .step .timestamp)."""
    r = self._call('GetMetricHistory', tpb.GetMetricHistoryRequest(
        run_id=entities.run_id_to_int(run_id), key=key),
                   tpb.GetMetricHistoryResponse())
    h = r.history
    n = len(h.values)
    steps = h.steps if len(h.steps) == n else [0] * n
    stamps = h.timestamps if len(h.timestamps) == n else [0] * n
    return [entities.Metric(key, v, t, s)
            for v, s, t in zip(h.values, steps, stamps)]

  # ---- files ----------------------------------------------------------------

  def log_files(self, run_id, inputs=(), outputs=(), artifact_type=None):
    """Records files as the run's inputs and outputs (paths; a directory
    stands for every file below it): URI = absolute path, SHA-256 and size
    computed here; a file whose digest is already recorded reuses that
    artifact. Returns (input artifact ids, output artifact ids)."""
    req = tpb.LogFilesRequest(run_id=entities.run_id_to_int(run_id))
    for p in inputs:
      for f in _files_in(p):
        req.inputs.append(file_record(f, artifact_type))
    for p in outputs:
      for f in _files_in(p):
        req.outputs.append(file_record(f, artifact_type))
    r = self._call('LogFiles', req, tpb.LogFilesResponse())
    return list(r.input_ids), list(r.output_ids)

  def log_artifact(self, run_id, local_path, artifact_path=None):
    """Records the file at `local_path` as an output of the run (not
    copied: the record names it by absolute path, digest and size)."""
    del artifact_path
    self.log_files(run_id, outputs=[local_path])

  def log_artifacts(self, run_id, local_dir, artifact_path=None):
    """Records every file below `local_dir` as an output of the run."""
    del artifact_path
    self.log_files(run_id, outputs=[local_dir])

  def log_input(self, run_id, path):
    """Records the file (or every file below the directory) at `path` as an
    input of the run."""
    self.log_files(run_id, inputs=[path])

  # ---- cache lookup ---------------------------------------------------------

  def find_cached_run(self, params=None, inputs=(), run_type=None):
    """The latest run of `run_type` that ended FINISHED with these
    parameters (a dict, compared as str(value), as logged from Python) on
    input files with these contents (paths, or SHA-256 hex digests), or
    None."""
    req = tpb.FindCachedRunRequest()
    if run_type:
      req.run_type = run_type
    for k, v in sorted((params or {}).items()):
      req.params.add(key=_key('param', k)).value.string_value = str(v)
    for x in inputs:
      x = os.fspath(x)
      if len(x) == 64 and all(c in '0123456789abcdef' for c in x) and \
          not os.path.exists(x):
        req.input_sha256.append(x)
      else:
        req.input_sha256.extend(file_record(f).sha256 for f in _files_in(x))
    r = self._call('FindCachedRun', req, tpb.FindCachedRunResponse())
    return entities.Run(r.run) if r.HasField('run') else None


Client = MlflowClient

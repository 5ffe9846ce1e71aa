"""MLflow's fluent API: the module-level functions that log to the active
run, with MLflow's names and meaning.

State is per process: the store (set_store), the experiment
(set_experiment), the stack of active runs (start_run; nested=True pushes a
child, tagged mlflow.parentRunId), and what the capture adds
(set_capture_packages, set_capture_env). A logging call with no active run
starts one, as in MLflow, and a run still active when the interpreter exits
is ended FINISHED.
"""

import atexit
import os
import threading

from ml_metadata import _actor
from ml_metadata import errors
from mlmd import _capture
from mlmd import _store
from mlmd import client as _client
from mlmd import entities
from mlmd import registry as _registry

_lock = threading.RLock()
_active = []            # ActiveRun objects, innermost last
_experiment = None      # set_experiment()'s name
_packages = []          # set_capture_packages()
_env = []               # set_capture_env()
_last_run_id = None
_atexit_registered = False


_cached = (None, None)   # ((URI, actor), MlflowClient) of the last call
_store_actor = None      # set_store()'s actor


def _client_now():
  """A client of the current store (kept while the URI and set_store()'s
  actor stay the same)."""
  global _cached
  key = (_store.resolve_uri(), _store_actor)
  cached_key, c = _cached
  if cached_key != key:
    c = _client.MlflowClient(key[0], actor=key[1])
    _cached = (key, c)
  return c


def get_client():
  """The MlflowClient the fluent functions use now (the current store,
  set_store()'s actor): for the registry and audit calls, which are
  client methods."""
  return _client_now()


# ---- store and experiment ----------------------------------------------------

def set_store(uri, *, actor=None):
  """Makes `uri` the store (sqlite:PATH, sqlite::memory:,
  postgresql://USER@HOST:PORT/DB; None: back to $MLMD_STORE, else
  sqlite:mlmd.db). A store named is opened (created when new) now.
  actor: who the fluent functions' writes are by from now on (None:
  mlmd.set_actor()'s at each call, else $MLMD_ACTOR, else the OS user)."""
  global _store_actor
  if actor is not None:
    _actor.check(actor)
  _store.set_uri(uri)
  _store_actor = actor
  if uri:
    _store.get_store()


set_tracking_uri = set_store


def get_store_uri():
  """The URI calls use: set_store()'s, else $MLMD_STORE, else sqlite:mlmd.db."""
  return _store.resolve_uri()


get_tracking_uri = get_store_uri


def set_experiment(experiment_name=None, experiment_id=None):
  """Makes the named experiment the one later runs start in; returns it
  (its experiment_id is None until its first run creates its context)."""
  global _experiment
  c = _client_now()
  if experiment_name is None and experiment_id is None:
    raise errors.InvalidArgumentError(
        'set_experiment: give experiment_name or experiment_id')
  if experiment_name is None:
    exp = c.get_experiment(experiment_id)
  else:
    if not isinstance(experiment_name, str) or not experiment_name:
      raise errors.InvalidArgumentError(
          'experiment name %r: expected a non-empty string' %
          (experiment_name,))
    exp = c.get_experiment_by_name(experiment_name) or entities.Experiment(
        None, experiment_name)
  with _lock:
    _experiment = exp.name
  return exp


def get_experiment_by_name(name):
  return _client_now().get_experiment_by_name(name)


def _current_experiment():
  return _experiment or os.environ.get('MLFLOW_EXPERIMENT_NAME') or \
      _client.DEFAULT_EXPERIMENT


# ---- capture -----------------------------------------------------------------

def set_capture_packages(packages):
  """Names the packages (distribution names, e.g. ["numpy", "torch"]) whose
  installed versions every later run records (mlmd.package.<name>)."""
  global _packages
  with _lock:
    _packages = [str(p) for p in packages]


def set_capture_env(names):
  """Adds environment variable names to the library's allow-list for later
  runs (recorded as mlmd.env.<NAME> when set)."""
  global _env
  with _lock:
    _env = [str(n) for n in names]


# ---- runs --------------------------------------------------------------------

class ActiveRun(entities.Run):
  """The run start_run() started: a Run (its state at start) that, used as
  a context manager, ends FINISHED on success and FAILED on an exception."""

  def __enter__(self):
    return self

  def __exit__(self, exc_type, exc_val, exc_tb):
    status = 'FINISHED' if exc_type is None else 'FAILED'
    _end(self.info.run_id, status)
    return False


def _end(run_id, status):
  global _last_run_id
  with _lock:
    for i in range(len(_active) - 1, -1, -1):
      if _active[i].info.run_id == run_id:
        del _active[i]
        break
    else:
      return  # already ended through end_run()
    _last_run_id = run_id
  _client_now().set_terminated(run_id, status)


def _end_all_at_exit():
  while True:
    with _lock:
      if not _active:
        return
      run_id = _active[-1].info.run_id
    try:
      _end(run_id, 'FINISHED')
    except errors.StatusError:
      with _lock:
        if _active and _active[-1].info.run_id == run_id:
          _active.pop()


def start_run(run_id=None, experiment_id=None, run_name=None, nested=False,
              tags=None, description=None, *, experiment_name=None,
              run_type=None, packages=None, env=None, seed=None):
  """Starts a run and makes it the active one; returns an ActiveRun.

  run_id: make an existing RUNNING run active instead (a run that has
  ended cannot be reopened). experiment_name, else experiment_id, else
  set_experiment()'s, else $MLFLOW_EXPERIMENT_NAME, else "Default".
  run_name: default "run-<id>". nested: required to start a run while one
  is active (the new one is tagged mlflow.parentRunId). tags: a dict;
  description: the tag mlflow.note.content. run_type: the execution type
  (default mlmd.Run). packages, env: added to set_capture_packages()'s and
  set_capture_env()'s for this run; seed: an int recorded as mlmd.seed.
  """
  global _atexit_registered
  c = _client_now()
  with _lock:
    parent = _active[-1] if _active else None
    if parent is not None and not nested:
      raise errors.FailedPreconditionError(
          'run %s is already active; end it with mlmd.end_run() first, or '
          'start a nested run with start_run(nested=True)' %
          parent.info.run_id)
    pkgs = list(_packages) + [str(p) for p in packages or []]
    env_names = list(_env) + [str(n) for n in env or []]
  if run_id is not None:
    run = c.get_run(run_id)
    if run.info.status != 'RUNNING':
      raise errors.FailedPreconditionError(
          'run %s has ended (%s); mlmd does not reopen a run' %
          (run.info.run_id, run.info.status))
  else:
    all_tags = dict(tags or {})
    if parent is not None:
      all_tags['mlflow.parentRunId'] = parent.info.run_id
    if description is not None:
      all_tags['mlflow.note.content'] = description
    if experiment_name is None and experiment_id is None:
      experiment_name = _current_experiment()
    run = c.create_run(experiment_id=experiment_id, tags=all_tags,
                       run_name=run_name, experiment_name=experiment_name,
                       run_type=run_type,
                       capture=_capture.collect(pkgs, env_names, seed))
  active = ActiveRun(run.proto)
  with _lock:
    _active.append(active)
    if not _atexit_registered:
      atexit.register(_end_all_at_exit)
      _atexit_registered = True
  return active


def active_run():
  """The innermost active run (an ActiveRun), or None."""
  with _lock:
    return _active[-1] if _active else None


def last_active_run():
  """The active run, else the run that ended last in this process (its
  current state), else None."""
  with _lock:
    if _active:
      return _active[-1]
    last = _last_run_id
  return get_run(last) if last is not None else None


def end_run(status='FINISHED'):
  """Ends the active run with `status` (FINISHED, FAILED or KILLED); does
  nothing when no run is active."""
  with _lock:
    if not _active:
      return
    run_id = _active[-1].info.run_id
  entities.status_to_state(status)  # refuse a bad status before ending
  _end(run_id, status)


def _run_id():
  """The active run's id, starting a run when none is active (MLflow)."""
  with _lock:
    if _active:
      return _active[-1].info.run_id
  return start_run().info.run_id


# ---- logging -----------------------------------------------------------------

def log_param(key, value):
  """Logs str(value) as parameter `key` of the active run; returns value."""
  return _client_now().log_param(_run_id(), key, value)


def log_params(params):
  """Logs every (key, str(value)) of the dict in one call."""
  _client_now().log_batch(
      _run_id(), params=[entities.Param(k, v) for k, v in params.items()])


def set_tag(key, value):
  _client_now().set_tag(_run_id(), key, value)


def set_tags(tags):
  _client_now().log_batch(
      _run_id(), tags=[entities.RunTag(k, v) for k, v in tags.items()])


def log_metric(key, value, step=None, timestamp=None):
  """Logs one point of metric `key` (step default 0, timestamp default now,
  ms). A value that is not a number raises before anything is sent; NaN and
  the infinities are stored as such."""
  _client.metric_value(key, value)  # before a run is started for it
  _client_now().log_metric(_run_id(), key, value, timestamp=timestamp,
                           step=step)


def log_metrics(metrics, step=None, timestamp=None):
  """Logs one point of each metric of the dict, in one call."""
  for k, v in metrics.items():
    _client.metric_value(k, v)  # before a run is started for them
  ts = _client.now_ms() if timestamp is None else timestamp
  _client_now().log_batch(_run_id(), metrics=[
      entities.Metric(k, v, ts, step) for k, v in metrics.items()])


def log_input(path):
  """Records the file (or every file below the directory) at `path` as an
  input of the active run, with its SHA-256 and size."""
  _client_now().log_input(_run_id(), path)


def log_artifact(local_path, artifact_path=None):
  """Records the file at `local_path` as an output of the active run, with
  its SHA-256 and size (the file is not copied)."""
  _client_now().log_artifact(_run_id(), local_path, artifact_path)


def log_artifacts(local_dir, artifact_path=None):
  """Records every file below `local_dir` as an output of the active run."""
  _client_now().log_artifacts(_run_id(), local_dir, artifact_path)


# ---- reading -----------------------------------------------------------------

def get_run(run_id):
  """The run of id `run_id` ("42"): .info, .data (params, latest metrics,
  tags); NotFoundError when there is none."""
  return _client_now().get_run(run_id)


def search_runs(experiment_names=None, filter_string='', order_by=None,
                max_results=1000, *, experiment_ids=None,
                search_all_experiments=False, output_format='list',
                run_view_type=None):
  """Runs matching `filter_string` (MLflow's search syntax, e.g.
  "metrics.loss < 0.2 and params.lr = '0.1'"), ordered by `order_by`
  (e.g. ["metrics.loss ASC"]; default newest first), at most `max_results`,
  as a list of Run. Experiments: those named (by name or by id), else every
  experiment when search_all_experiments, else the current one (as
  set_experiment() left it, else Default). No pandas: output_format must be
  "list"."""
  del run_view_type
  if output_format != 'list':
    raise errors.InvalidArgumentError(
        'output_format %r: mlmd returns runs as a list (output_format="list")'
        % (output_format,))
  if experiment_names is None and experiment_ids is None and \
      not search_all_experiments:
    experiment_names = [_current_experiment()]
  c = _client_now()
  runs = []
  token = None
  while len(runs) < max_results:
    page = c.search_runs(experiment_ids, filter_string,
                         max_results=min(1000, max_results - len(runs)),
                         order_by=order_by, page_token=token,
                         experiment_names=experiment_names)
    runs.extend(page)
    token = page.token
    if not token:
      break
  return runs


# ---- registry ----------------------------------------------------------------

def register_model(model_uri, name, await_registration_for=None, *,
                   tags=None):
  """MLflow's register_model: registers model `name` when it is new and adds
  a version for `model_uri`, returning its ModelVersion. model_uri: MLflow's
  runs:/RUN_ID/PATH (the run's output file whose path ends with PATH, as
  log_artifact recorded it; the run becomes the version's), or an artifact
  id or URI (a local path recorded by log_artifact). Versions are ready at
  once: await_registration_for is accepted and ignored."""
  del await_registration_for
  return _registry.register(_client_now(), model_uri, name, tags)

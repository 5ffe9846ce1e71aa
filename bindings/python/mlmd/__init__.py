"""mlmd: experiment tracking with MLflow's fluent API, recorded as ordinary
MLMD nodes in an mlmd store (docs/python.md).

A tracking script written for MLflow ports by changing its import to
`import mlmd as mlflow`: set_experiment, start_run (a context manager),
log_param(s), log_metric(s), set_tag(s), log_artifact, log_input, get_run,
search_runs and MlflowClient().get_metric_history have MLflow's names and
meaning. Run ids are the decimal strings of the runs' execution ids. The
store is mlmd.set_store(uri), else $MLMD_STORE, else sqlite:mlmd.db.
"""

from ml_metadata import errors
from ml_metadata.version import __version__
from mlmd import entities
from mlmd import exceptions
from mlmd.client import Client
from mlmd.client import MlflowClient
from mlmd.entities import Experiment
from mlmd.entities import Metric
from mlmd.entities import Param
from mlmd.entities import Run
from mlmd.entities import RunStatus
from mlmd.entities import RunTag
from mlmd.fluent import active_run
from mlmd.fluent import ActiveRun
from mlmd.fluent import end_run
from mlmd.fluent import get_experiment_by_name
from mlmd.fluent import get_run
from mlmd.fluent import get_store_uri
from mlmd.fluent import get_tracking_uri
from mlmd.fluent import last_active_run
from mlmd.fluent import log_artifact
from mlmd.fluent import log_artifacts
from mlmd.fluent import log_input
from mlmd.fluent import log_metric
from mlmd.fluent import log_metrics
from mlmd.fluent import log_param
from mlmd.fluent import log_params
from mlmd.fluent import search_runs
from mlmd.fluent import set_capture_env
from mlmd.fluent import set_capture_packages
from mlmd.fluent import set_experiment
from mlmd.fluent import set_store
from mlmd.fluent import set_tag
from mlmd.fluent import set_tags
from mlmd.fluent import set_tracking_uri
from mlmd.fluent import start_run

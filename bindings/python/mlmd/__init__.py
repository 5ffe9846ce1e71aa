"""mlmd: experiment tracking with MLflow's fluent API, recorded as ordinary
MLMD nodes in an mlmd store (docs/python.md).

A tracking script written for MLflow ports by changing its import to
`import mlmd as mlflow`: set_experiment, start_run (a context manager),
log_param(s), log_metric(s), set_tag(s), log_artifact, log_input, get_run,
search_runs and MlflowClient().get_metric_history have MLflow's names and
meaning. Run ids are the decimal strings of the runs' execution ids. The
store is mlmd.set_store(uri), else $MLMD_STORE, else sqlite:mlmd.db.

The model registry and the audit log are MlflowClient methods with
MLflow's names where MLflow has the call (create_registered_model,
create_model_version, set_registered_model_alias, search_model_versions,
...) and mlmd's for policies, approvals, the alias history and the audit
chain (docs/python.md). Data governance (deletion with tombstones, gc,
retention, labels that follow lineage, the serving gate, impact analysis)
is MlflowClient methods too (mlmd/datagov.py, docs/datagov.md). mlmd.set_actor(name) says who this process's writes
are by (the audit log's actor, the requester or approver of alias requests).
"""

from ml_metadata import errors
from ml_metadata._actor import get_actor
from ml_metadata._actor import set_actor
from ml_metadata.version import __version__
from mlmd import audit
from mlmd import datagov
from mlmd import entities
from mlmd import exceptions
from mlmd.client import Client
from mlmd.client import MlflowClient
from mlmd.audit import AuditRecord
from mlmd.audit import AuditVerification
from mlmd.datagov import LabelChange
from mlmd.datagov_entities import DeleteResult
from mlmd.datagov_entities import EffectiveLabel
from mlmd.datagov_entities import GateBlockedError
from mlmd.datagov_entities import GcResult
from mlmd.datagov_entities import Impact
from mlmd.datagov_entities import ImpactedAlias
from mlmd.datagov_entities import ImpactedNode
from mlmd.datagov_entities import ImpactedVersion
from mlmd.datagov_entities import LabelEntry
from mlmd.datagov_entities import RetentionPolicy
from mlmd.datagov_entities import RetentionReport
from mlmd.datagov_entities import RetentionResult
from mlmd.datagov_entities import Tombstone
from mlmd.entities import Experiment
from mlmd.entities import Metric
from mlmd.entities import Param
from mlmd.entities import Run
from mlmd.entities import RunStatus
from mlmd.entities import RunTag
from mlmd.registry_entities import AliasHistoryEntry
from mlmd.registry_entities import AliasPolicy
from mlmd.registry_entities import AliasRequest
from mlmd.registry_entities import ModelVersion
from mlmd.registry_entities import RegisteredModel
from mlmd.fluent import active_run
from mlmd.fluent import ActiveRun
from mlmd.fluent import end_run
from mlmd.fluent import get_client
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
from mlmd.fluent import register_model
from mlmd.fluent import search_runs
from mlmd.fluent import set_capture_env
from mlmd.fluent import set_capture_packages
from mlmd.fluent import set_experiment
from mlmd.fluent import set_store
from mlmd.fluent import set_tag
from mlmd.fluent import set_tags
from mlmd.fluent import set_tracking_uri
from mlmd.fluent import start_run

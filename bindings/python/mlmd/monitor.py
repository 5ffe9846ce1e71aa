"""Monitoring's client methods (MlflowClient inherits them): reference
profiles of a model's input columns, recorded from rows in memory at
training time, and the drift windows a scorer records against them while it
serves.

Each method is one MonitoringService RPC (proto/mlmd_governance.proto,
whose comments are the semantics) through mlmd_store_call, audited like
every write. docs/monitoring.md has the model and the formulas.
"""

from mlmd.proto import mlmd_governance_pb2 as gpb


class MonitoringMethods(object):
  """The monitoring part of MlflowClient (it provides _call)."""

  # ---- profiles (helper profiles) -------------------------------------------


  # ---- drift windows (helper serving) ---------------------------------------

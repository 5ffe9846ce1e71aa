"""The tracking service's protos (proto/mlmd_tracking.proto, package
mlmd.tracking), generated into mlmd_tracking_pb2 by scripts/gen-proto-py.sh."""

from mlmd.proto import mlmd_tracking_pb2

"""Exceptions, under MLflow's name: every error mlmd's tracking API raises
is an ml_metadata.errors.StatusError (a subclass chosen by status code:
InvalidArgumentError, NotFoundError, FailedPreconditionError, ...), so
`except mlmd.exceptions.MlflowException` catches them as it does in MLflow."""

from ml_metadata.errors import StatusError as MlflowException  # pylint: disable=unused-import
from ml_metadata.errors import *  # pylint: disable=wildcard-import,unused-wildcard-import

"""Status codes and exceptions, as in Google's ml_metadata.errors.

Every failed call raises a subclass of StatusError chosen by the canonical
status code the C library returned; the message is the library's, naming
what was wrong.
"""

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class StatusError(Exception):
  """A failed call: `error_code` is the canonical status code."""

  def __init__(self, message, error_code):
    super().__init__(message)
    self.message = message
    self.error_code = error_code


class CancelledError(StatusError):

  def __init__(self, message):
    super().__init__(message, CANCELLED)


class UnknownError(StatusError):

  def __init__(self, message):
    super().__init__(message, UNKNOWN)


class InvalidArgumentError(StatusError):

  def __init__(self, message):
    super().__init__(message, INVALID_ARGUMENT)


class DeadlineExceededError(StatusError):

  def __init__(self, message):
    super().__init__(message, DEADLINE_EXCEEDED)


class NotFoundError(StatusError):

  def __init__(self, message):
    super().__init__(message, NOT_FOUND)


class AlreadyExistsError(StatusError):

  def __init__(self, message):
    super().__init__(message, ALREADY_EXISTS)


class PermissionDeniedError(StatusError):

  def __init__(self, message):
    super().__init__(message, PERMISSION_DENIED)


class ResourceExhaustedError(StatusError):

  def __init__(self, message):
    super().__init__(message, RESOURCE_EXHAUSTED)


class FailedPreconditionError(StatusError):

  def __init__(self, message):
    super().__init__(message, FAILED_PRECONDITION)


class AbortedError(StatusError):

  def __init__(self, message):
    super().__init__(message, ABORTED)


class OutOfRangeError(StatusError):

  def __init__(self, message):
    super().__init__(message, OUT_OF_RANGE)


class UnimplementedError(StatusError):

  def __init__(self, message):
    super().__init__(message, UNIMPLEMENTED)


class InternalError(StatusError):

  def __init__(self, message):
    super().__init__(message, INTERNAL)


class UnavailableError(StatusError):

  def __init__(self, message):
    super().__init__(message, UNAVAILABLE)


class DataLossError(StatusError):

  def __init__(self, message):
    super().__init__(message, DATA_LOSS)


class UnauthenticatedError(StatusError):

  def __init__(self, message):
    super().__init__(message, UNAUTHENTICATED)


_CODE_TO_EXCEPTION_CLASS = {
    CANCELLED: CancelledError,
    UNKNOWN: UnknownError,
    INVALID_ARGUMENT: InvalidArgumentError,
    DEADLINE_EXCEEDED: DeadlineExceededError,
    NOT_FOUND: NotFoundError,
    ALREADY_EXISTS: AlreadyExistsError,
    PERMISSION_DENIED: PermissionDeniedError,
    RESOURCE_EXHAUSTED: ResourceExhaustedError,
    FAILED_PRECONDITION: FailedPreconditionError,
    ABORTED: AbortedError,
    OUT_OF_RANGE: OutOfRangeError,
    UNIMPLEMENTED: UnimplementedError,
    INTERNAL: InternalError,
    UNAVAILABLE: UnavailableError,
    DATA_LOSS: DataLossError,
    UNAUTHENTICATED: UnauthenticatedError,
}


def exception_type_from_error_code(error_code):
  """The exception class for a status code (StatusError for unknown codes)."""
  return _CODE_TO_EXCEPTION_CLASS.get(error_code, StatusError)


def make_exception(message, error_code):
  """A new exception of the class for `error_code`, carrying `message`."""
  cls = _CODE_TO_EXCEPTION_CLASS.get(error_code)
  if cls is None:
    return StatusError(message, error_code)
  return cls(message)

"""How a MetadataStore's calls reach a store: in this process, or over gRPC.

A transport has one job: run the RPC `method` (MLMD's name, such as
'PutArtifacts') with a request message, fill the response message, and
return (0, '') or (code, message) with the canonical status code of a
failure. MetadataStore builds every request and parses nothing itself, so
its public methods, paging and retries are the same on both transports.

- InProcess: a handle of the mlmd C library (mlmd_store_call through
  ctypes); one call at a time per handle, under a lock.
- Grpc: a channel to `mlmd serve` (or any server of MLMD's
  MetadataStoreService), configured from a MetadataStoreClientConfig as
  MLMD's own client configures it. `grpc` is imported only here, so
  in-process users need no python3-grpcio.
"""

import math
import threading

from ml_metadata import _native
from ml_metadata import errors


class InProcess(object):
  """A store opened in this process from a serialized ConnectionConfig."""

  def __init__(self, config_bytes, actor):
    """Opens the store; RuntimeError naming the reason when it cannot."""
    self._lock = threading.Lock()
    handle, code, message = _native.open_store(config_bytes, actor)
    if handle is None:
      raise RuntimeError('%s (status %d)' % (message, code))
    self.handle = handle  # the mlmd_store pointer; None once closed

  def call(self, method, request, response):
    payload = request.SerializeToString()
    name = method.encode('ascii')
    with self._lock:  # one handle runs one call at a time
      if self.handle is None:
        return errors.FAILED_PRECONDITION, 'the store has been closed'
      data, code, message = _native.call(self.handle, name, payload)
    if code == 0:
      response.ParseFromString(data)
    return code, message

  def close(self):
    with self._lock:
      handle, self.handle = self.handle, None
    if handle is not None:
      _native.free_store(handle)


def _pem(ssl_config, field):
  """The PEM bytes of ssl_config.`field`, None when unset. MLMD's fields hold
  the PEM text itself; a file name there is a ValueError saying so."""
  if not ssl_config.HasField(field):
    return None
  text = getattr(ssl_config, field)
  if '-----BEGIN ' not in text:
    raise ValueError(
        'MetadataStoreClientConfig.ssl_config.%s must hold PEM text '
        '("-----BEGIN ..."), not a file name: read the file into it (got %r)'
        % (field, text[:60]))
  return text.encode('utf-8')


def target_of(config):
  """'HOST:PORT' of a MetadataStoreClientConfig (an IPv6 address in
  brackets); ValueError when host or port is missing or out of range."""
  if not config.host:
    raise ValueError('MetadataStoreClientConfig.host is not set (the '
                     'server\'s name or address, e.g. "127.0.0.1")')
  if not config.HasField('port') or not 0 < config.port < 65536:
    raise ValueError('MetadataStoreClientConfig.port must be 1..65535, got %s'
                     % (config.port if config.HasField('port') else 'none'))
  host = config.host
  if ':' in host and not host.startswith('['):
    host = '[%s]' % host
  return '%s:%d' % (host, config.port)


def channel_options(config):
  """The gRPC channel options MLMD's client derives from channel_arguments:
  only those that are set, as (name, value) pairs."""
  args = config.channel_arguments
  options = []
  if args.HasField('max_receive_message_length'):
    options.append(('grpc.max_receive_message_length',
                    args.max_receive_message_length))
  if args.HasField('http2_max_ping_strikes'):
    options.append(('grpc.http2.max_ping_strikes', args.http2_max_ping_strikes))
  return options


class Grpc(object):
  """A channel to a server of MLMD's MetadataStoreService.

  From the MetadataStoreClientConfig, as MLMD 1.16's client reads it:
  host and port are the target; client_timeout_sec, when set, is every
  call's timeout (DEADLINE_EXCEEDED past it); channel_arguments become
  channel options; with ssl_config the channel is TLS, custom_ca being the
  root certificates, client_key the private key and server_cert the
  certificate chain the client presents (MLMD's name; it is the client's
  certificate, for servers that ask for one), else it is plaintext.
  gRPC channels are thread-safe: calls from several threads run at once.
  """

  def __init__(self, config):
    target = target_of(config)
    self._timeout = None
    if config.HasField('client_timeout_sec'):
      t = config.client_timeout_sec
      if not (math.isfinite(t) and t > 0):
        raise ValueError('MetadataStoreClientConfig.client_timeout_sec must be '
                         'a positive number of seconds, got %r' % t)
      self._timeout = t
    options = channel_options(config)
    credentials = None
    if config.HasField('ssl_config'):
      ssl = config.ssl_config
      root = _pem(ssl, 'custom_ca')
      key = _pem(ssl, 'client_key')
      chain = _pem(ssl, 'server_cert')
      if (key is None) != (chain is None):
        raise ValueError(
            'MetadataStoreClientConfig.ssl_config: client_key and server_cert '
            '(the client\'s certificate chain) go together; %s is set alone'
            % ('client_key' if chain is None else 'server_cert'))
    try:
      # pylint: disable=import-outside-toplevel
      import grpc
      from ml_metadata.proto import metadata_store_service_pb2_grpc as svc_grpc
    except ImportError as e:
      raise ImportError(
          'MetadataStoreClientConfig needs gRPC for Python (Debian package '
          'python3-grpcio) and the generated stubs of `make`: %s' % e) from e
    self._grpc = grpc
    if config.HasField('ssl_config'):
      credentials = grpc.ssl_channel_credentials(root, key, chain)
      self._channel = grpc.secure_channel(target, credentials, options=options)
    else:
      self._channel = grpc.insecure_channel(target, options=options)
    self._stub = svc_grpc.MetadataStoreServiceStub(self._channel)
    self.target = target

  def call(self, method, request, response):
    stub = self._stub
    if stub is None:
      return errors.FAILED_PRECONDITION, 'the store has been closed'
    try:
      rpc = getattr(stub, method, None)
      if rpc is None:
        rpc = self._other_service(method, request, response)
        if rpc is None:
          return errors.UNIMPLEMENTED, (
              'no service in %s declares the method %s'
              % (request.DESCRIPTOR.file.name, method))
      response.CopyFrom(rpc(request, timeout=self._timeout))
    except self._grpc.RpcError as e:
      code = e.code()
      # StatusCode's value is (number, name); details() may be None.
      return code.value[0], e.details() or code.value[1]
    except ValueError:
      if self._stub is None:  # closed by another thread during the call
        return errors.FAILED_PRECONDITION, 'the store has been closed'
      raise
    return 0, ''

  def _other_service(self, method, request, response):
    """A callable for `method` of one of mlmd's own services (tracking,
    governance, testing: routed by `mlmd serve` at "/SERVICE/METHOD"): the
    service is the one declaring `method` in the request message's .proto
    file, whose descriptor the generated module carries; None when no
    service there declares it."""
    for service in request.DESCRIPTOR.file.services_by_name.values():
      if method in service.methods_by_name:
        return self._channel.unary_unary(
            '/%s/%s' % (service.full_name, method),
            request_serializer=type(request).SerializeToString,
            response_deserializer=type(response).FromString)
    return None

  def close(self):
    stub, self._stub = self._stub, None
    if stub is not None:
      self._channel.close()

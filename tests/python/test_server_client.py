"""MetadataStore over gRPC against real `mlmd serve` processes.

Each test starts its servers on 127.0.0.1 with a port the system picks and
synchronises on what they print (the port line on stdout, the -vv START
lines and the drain line on stderr), never on time. Certificates are made
in the test with the openssl command. The served store is a SQLite file, so
a test can hold its write lock with Python's sqlite3 module.
"""

import json
import re
import socket
import sqlite3
import subprocess
import sys
import threading

import grpc
import pytest

from conftest import CLI
from conftest import file_config
from conftest import memory_config
from conftest import Server
from ml_metadata import _actor
from ml_metadata import errors
from ml_metadata import metadata_store
from ml_metadata.metadata_store import _transport
from ml_metadata.proto import metadata_store_pb2 as pb

SERVICE = '/ml_metadata.MetadataStoreService/'
HEALTH = '/grpc.health.v1.Health/Check'
# One access-log line (docs/server.md): time, peer, path, status, microseconds.
LOG_LINE = re.compile(
    r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (ipv4:127\.0\.0\.1:\d+) '
    r'(/\S+) ([A-Z_]+) (\d+)us$')


@pytest.fixture
def served(tmp_path):
  """Starts servers on fresh SQLite files in tmp_path: served(args...) ->
  (Server, its file's path); each is stopped at teardown and must exit 0."""
  started = []

  def start(*args, actor=None):
    path = tmp_path / ('served%d.db' % len(started))
    s = Server('sqlite:%s' % path, args=args, actor=actor)
    started.append(s)
    return s, path

  yield start
  for s in started:
    rc = s.stop()
    assert rc == 0, 'mlmd serve exited %d; stderr:\n%s' % (rc, s.stderr())


def dataset_type(store):
  t = pb.ArtifactType(name='DataSet')
  t.properties['day'] = pb.INT
  return store.put_artifact_type(t)


def raw_call(port, path, payload):
  """One unary call with raw request bytes on a plaintext channel:
  (StatusCode, details, response bytes or None). The timeout only guards
  against a hang."""
  with grpc.insecure_channel('127.0.0.1:%d' % port) as ch:
    try:
      return grpc.StatusCode.OK, '', ch.unary_unary(path)(payload, timeout=60)
    except grpc.RpcError as e:
      return e.code(), e.details(), None


def unused_port():
  """A port nothing listens on: bound here (so no other process takes it)
  but never listened on, so connections to it are refused. Close it after."""
  s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  s.bind(('127.0.0.1', 0))
  return s


# ---- configuration -------------------------------------------------------------


def test_client_config_is_read_as_mlmd_reads_it():
  c = pb.MetadataStoreClientConfig(host='db.example', port=8080)
  assert _transport.target_of(c) == 'db.example:8080'
  assert _transport.target_of(pb.MetadataStoreClientConfig(
      host='::1', port=9)) == '[::1]:9'
  assert _transport.channel_options(c) == []
  c.channel_arguments.max_receive_message_length = 1000
  assert _transport.channel_options(c) == [('grpc.max_receive_message_length',
                                            1000)]
  c.channel_arguments.http2_max_ping_strikes = 0  # set, though 0
  assert _transport.channel_options(c) == [
      ('grpc.max_receive_message_length', 1000), ('grpc.http2.max_ping_strikes', 0)]


@pytest.mark.parametrize('fields,kwargs,match', [
    ({'port': 8080}, {}, 'host is not set'),
    ({'host': 'h'}, {}, r'port must be 1\.\.65535, got none'),
    ({'host': 'h', 'port': 70000}, {}, 'got 70000'),
    ({'host': 'h', 'port': 1, 'client_timeout_sec': 0}, {}, 'positive'),
    ({'host': 'h', 'port': 1, 'client_timeout_sec': -2}, {}, 'positive'),
    ({'host': 'h', 'port': 1}, {'enable_upgrade_migration': True},
     'server migrates its own store'),
    ({'host': 'h', 'port': 1}, {'actor': 'alice'}, 'server records its own actor'),
])
def test_unusable_client_configs_are_value_errors(fields, kwargs, match):
  with pytest.raises(ValueError, match=match):
    metadata_store.MetadataStore(pb.MetadataStoreClientConfig(**fields), **kwargs)


def test_ssl_config_must_hold_pem_text(tmp_path):
  c = pb.MetadataStoreClientConfig(host='h', port=1)
  c.ssl_config.custom_ca = str(tmp_path / 'ca.pem')
  with pytest.raises(ValueError, match='custom_ca must hold PEM text'):
    metadata_store.MetadataStore(c)
  c.ssl_config.custom_ca = '-----BEGIN CERTIFICATE-----\n'
  c.ssl_config.client_key = '-----BEGIN PRIVATE KEY-----\n'
  with pytest.raises(ValueError, match='client_key is set alone'):
    metadata_store.MetadataStore(c)


def test_in_process_use_does_not_import_grpc():
  code = ('import sys\n'
          'from ml_metadata import metadata_store\n'
          'from ml_metadata.proto import metadata_store_pb2 as pb\n'
          'c = pb.ConnectionConfig(); c.fake_database.SetInParent()\n'
          'metadata_store.MetadataStore(c).get_artifacts()\n'
          'print(sorted(m for m in sys.modules if m.split(".")[0] == "grpc"))\n')
  r = subprocess.run([sys.executable, '-c', code], capture_output=True,
                     text=True, check=False)
  assert r.returncode == 0, r.stderr
  assert r.stdout.strip() == '[]'


# ---- calls and errors ------------------------------------------------------------


def test_unreachable_server_is_unavailable():
  s = unused_port()
  try:
    port = s.getsockname()[1]
    store = metadata_store.MetadataStore(pb.MetadataStoreClientConfig(
        host='127.0.0.1', port=port))
    with pytest.raises(errors.UnavailableError, match='127.0.0.1:%d' % port):
      store.get_artifact_types()
  finally:
    s.close()


def test_errors_are_the_in_process_exceptions(served):
  """The same failing calls raise the same exception classes with the same
  messages through the server as in process."""
  server, _ = served()
  remote = metadata_store.MetadataStore(server.client_config())
  local = metadata_store.MetadataStore(memory_config())
  for store in (remote, local):
    dataset_type(store)

  def failures(store):
    got = []
    calls = [
        lambda: store.get_artifact_type('NoSuchType'),
        lambda: store.put_artifact_type(pb.ArtifactType(name='DataSet')),
        lambda: store.put_artifacts([pb.Artifact(type_id=9999)]),
        lambda: store.get_artifacts(metadata_store.ListOptions(
            filter_query='uri = ')),
        lambda: store.put_artifacts([pb.Artifact(type_id=1, uri='a\x00b')]),
    ]
    for call in calls:
      with pytest.raises(errors.StatusError) as e:
        call()
      got.append((type(e.value), e.value.error_code, str(e.value)))
    return got

  remote_failures = failures(remote)
  assert remote_failures == failures(local)
  assert [f[0] for f in remote_failures] == [
      errors.NotFoundError, errors.AlreadyExistsError, errors.NotFoundError,
      errors.InvalidArgumentError, errors.InvalidArgumentError]


def test_every_public_method_works_through_the_server(served, tmp_path):
  """Writes through the server land in the served file; paging, lineage and
  a process sharing one client between threads work unchanged."""
  server, path = served('--threads', '4')
  store = metadata_store.MetadataStore(server.client_config())
  tid = dataset_type(store)
  ids = store.put_artifacts([pb.Artifact(type_id=tid, uri='/a/%d' % i)
                             for i in range(250)])
  assert len(store.get_artifacts()) == 250  # three pages of 100
  page = store.get_artifacts(metadata_store.ListOptions(
      limit=120, order_by=metadata_store.OrderByField.ID, is_asc=False))
  assert [a.id for a in page] == sorted(ids, reverse=True)[:120]
  et = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  ct = store.put_context_type(pb.ContextType(name='Run'))
  [eid, [out_id], [cid]] = store.put_execution(
      pb.Execution(type_id=et),
      [(pb.Artifact(type_id=tid, uri='/model'),
        pb.Event(type=pb.Event.OUTPUT))],
      [pb.Context(type_id=ct, name='r1')])
  assert [a.id for a in store.get_artifacts_by_context(cid)] == [out_id]
  assert [e.execution_id for e in store.get_events_by_artifact_ids([out_id])] == [eid]

  per_thread = 40
  failures = []

  def writer(n):
    try:
      for i in range(per_thread):
        store.put_artifacts([pb.Artifact(type_id=tid, uri='/t/%d/%d' % (n, i))])
    except Exception as e:  # pylint: disable=broad-except
      failures.append(e)

  threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
  for t in threads:
    t.start()
  for t in threads:
    t.join()
  assert failures == []
  uris = [a.uri for a in store.get_artifacts() if a.uri.startswith('/t/')]
  assert sorted(uris) == sorted('/t/%d/%d' % (n, i) for n in range(4)
                                for i in range(per_thread))
  store._close()  # pylint: disable=protected-access
  with pytest.raises(errors.FailedPreconditionError, match='closed'):
    store.get_artifact_types()
  assert server.stop() == 0
  again = metadata_store.MetadataStore(file_config(path))
  assert len(again.get_artifacts()) == 250 + 1 + 4 * per_thread


def test_aborted_is_retried_as_in_process(served):
  """ABORTED (a busy database) is retried by the same loop as in process,
  5 times (a client config has no retry_options); other codes are not."""
  server, _ = served()
  store = metadata_store.MetadataStore(server.client_config())
  assert store._max_num_retries == 5  # pylint: disable=protected-access
  grpc_transport = store._transport  # pylint: disable=protected-access
  calls = []

  class Flaky(object):
    """The real channel, after `aborts` ABORTED answers of its own."""

    def __init__(self, aborts):
      self.aborts = aborts

    def call(self, method, request, response):
      calls.append(method)
      if len(calls) <= self.aborts:
        return errors.ABORTED, 'database is locked'
      return grpc_transport.call(method, request, response)

    def close(self):
      grpc_transport.close()

  store._transport = Flaky(2)  # pylint: disable=protected-access
  assert store.get_artifact_types() == []
  assert calls == ['GetArtifactTypes'] * 3
  calls.clear()
  store._transport = Flaky(6)  # pylint: disable=protected-access
  with pytest.raises(errors.AbortedError, match='locked'):
    store.get_artifact_types()
  assert len(calls) == 6  # the first try and 5 retries
  calls.clear()
  store._transport = Flaky(0)  # pylint: disable=protected-access
  with pytest.raises(errors.NotFoundError):
    store.get_artifact_type('Missing')
  assert len(calls) == 1


def test_client_timeout_is_deadline_exceeded(served):
  """A write blocked behind the file's write lock outlives a short
  client_timeout_sec; after the lock goes, the store answers again."""
  server, path = served()
  store = metadata_store.MetadataStore(server.client_config())
  tid = dataset_type(store)
  quick = metadata_store.MetadataStore(server.client_config(client_timeout_sec=0.5))
  locker = sqlite3.connect(str(path), isolation_level=None)
  locker.execute('BEGIN IMMEDIATE')
  try:
    # The server waits up to its busy timeout (10 s) for the lock.
    with pytest.raises(errors.DeadlineExceededError):
      quick.put_artifacts([pb.Artifact(type_id=tid, uri='/late')])
    assert store.get_artifact_types()[0].name == 'DataSet'  # reads go on
  finally:
    locker.execute('ROLLBACK')
    locker.close()
  [aid] = store.put_artifacts([pb.Artifact(type_id=tid, uri='/now')])
  assert store.get_artifacts_by_id([aid])[0].uri == '/now'


def test_max_message_sizes(served):
  """The client's max_receive_message_length refuses a large response; the
  server's --max-message-bytes refuses a large request, and a large response
  with a message naming the limit."""
  server, _ = served('--max-message-bytes', '20000')
  store = metadata_store.MetadataStore(server.client_config())
  tid = dataset_type(store)
  big = 'x' * 1500
  store.put_artifacts([pb.Artifact(type_id=tid, uri='/%d/%s' % (i, big))
                       for i in range(10)])  # a listing of ~15 kB
  small = server.client_config()
  small.channel_arguments.max_receive_message_length = 4000
  with pytest.raises(errors.ResourceExhaustedError):
    metadata_store.MetadataStore(small).get_artifacts()
  assert len(metadata_store.MetadataStore(small).get_artifacts(
      metadata_store.ListOptions(limit=2))) == 2
  assert len(store.get_artifacts()) == 10
  with pytest.raises(errors.ResourceExhaustedError):  # a request of ~30 kB
    store.put_artifacts([pb.Artifact(type_id=tid, uri='/big/' + 'y' * 30000)])
  store.put_artifacts([pb.Artifact(type_id=tid, uri='/%d/%s' % (i, big))
                       for i in range(10, 20)])
  with pytest.raises(errors.ResourceExhaustedError, match='20000'):
    store.get_artifacts_by_type('DataSet')  # a response of ~30 kB
  assert len(store.get_artifacts(metadata_store.ListOptions(limit=8))) == 8


# ---- raw calls: health, bad bytes, unknown paths ---------------------------------


def test_health_and_raw_calls(served):
  server, _ = served()
  port = server.port
  assert raw_call(port, HEALTH, b'') == (grpc.StatusCode.OK, '', b'\x08\x01')
  name = b'ml_metadata.MetadataStoreService'
  assert raw_call(port, HEALTH, b'\x0a' + bytes([len(name)]) + name)[2] == b'\x08\x01'
  code, details, _ = raw_call(port, HEALTH, b'\x0a\x04nope')
  assert code == grpc.StatusCode.NOT_FOUND, details
  code, details, _ = raw_call(port, SERVICE + 'PutArtifacts', b'\xff\xff\xff')
  assert code == grpc.StatusCode.INVALID_ARGUMENT, details
  code, details, _ = raw_call(port, SERVICE + 'NoSuchMethod', b'')
  assert code == grpc.StatusCode.UNIMPLEMENTED, details
  code, details, _ = raw_call(port, '/no.Such/Service', b'')
  assert code == grpc.StatusCode.UNIMPLEMENTED, details
  # and the server still answers
  store = metadata_store.MetadataStore(server.client_config())
  assert store.get_artifact_types() == []


# ---- the access log and SIGTERM with a call in flight ----------------------------


def test_access_log_has_one_line_per_call(served):
  server, _ = served('-v')
  store = metadata_store.MetadataStore(server.client_config())
  dataset_type(store)
  with pytest.raises(errors.NotFoundError):
    store.get_artifact_type('Missing')
  store.get_artifact_types()
  assert server.stop() == 0
  lines = [LOG_LINE.match(l) for l in server.lines()]
  calls = [(m.group(3), m.group(4)) for m in lines if m]
  # A line is written once the call is answered, so the order of two calls
  # close together may differ from the order they were made in.
  assert sorted(calls) == sorted([(SERVICE + 'PutArtifactType', 'OK'),
                                  (SERVICE + 'GetArtifactType', 'NOT_FOUND'),
                                  (SERVICE + 'GetArtifactTypes', 'OK')]), server.stderr()


def test_sigterm_drains_a_call_in_flight(served):
  """SIGTERM while a write waits for the file's lock: the server stops
  accepting, the write completes and is answered, the server exits 0, and
  the write is in the file: none lost, none half applied."""
  server, path = served('-vv', '--grace-seconds', '60')
  store = metadata_store.MetadataStore(server.client_config())
  tid = dataset_type(store)
  locker = sqlite3.connect(str(path), isolation_level=None)
  locker.execute('BEGIN IMMEDIATE')
  result = {}

  def write():
    try:
      result['ids'] = store.put_artifacts([pb.Artifact(type_id=tid, uri='/in-flight')])
    except Exception as e:  # pylint: disable=broad-except
      result['error'] = e

  t = threading.Thread(target=write)
  try:
    t.start()
    server.wait_for(r' %sPutArtifacts START$' % re.escape(SERVICE))
    server.proc.terminate()  # SIGTERM
    server.wait_for(r'SIGTERM: draining')
  finally:
    locker.execute('ROLLBACK')
    locker.close()
  t.join()
  assert 'error' not in result, result
  assert server.stop() == 0, server.stderr()
  done = [m for m in map(LOG_LINE.match, server.lines()) if m]
  assert sorted((m.group(3), m.group(4)) for m in done) == [
      (SERVICE + 'PutArtifactType', 'OK'), (SERVICE + 'PutArtifacts', 'OK')]
  got = metadata_store.MetadataStore(file_config(path)).get_artifacts()
  assert [(a.id, a.uri) for a in got] == [(result['ids'][0], '/in-flight')]


# ---- TLS and mutual TLS ------------------------------------------------------------


def openssl(*args, cwd):
  r = subprocess.run(['openssl', *args], cwd=cwd, capture_output=True, text=True,
                     check=False)
  assert r.returncode == 0, r.stderr


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
  """A CA, a server certificate for localhost and 127.0.0.1, a client
  certificate for CN=alice, and a second CA with a client certificate of its
  own (CN=mallory)."""
  d = tmp_path_factory.mktemp('certs')
  ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  for ca in ('ca', 'other-ca'):
    openssl('req', '-x509', *ec, '-keyout', ca + '.key', '-out', ca + '.pem',
            '-days', '2', '-subj', '/CN=mlmd test ' + ca,
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign', cwd=d)
  (d / 'server.ext').write_text(
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  (d / 'client.ext').write_text('extendedKeyUsage=clientAuth\n')
  (d / 'stranger.ext').write_text('extendedKeyUsage=clientAuth\n')
  for name, cn, ca, serial in (('server', 'localhost', 'ca', '1'),
                               ('client', 'alice', 'ca', '2'),
                               ('stranger', 'mallory', 'other-ca', '3')):
    openssl('req', *ec, '-keyout', name + '.key', '-out', name + '.csr',
            '-subj', '/CN=' + cn, cwd=d)
    openssl('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey',
            ca + '.key', '-set_serial', serial, '-days', '2', '-out', name + '.pem',
            '-extfile', name + '.ext', cwd=d)
  return d


def tls_config(server, certs, ca='ca.pem', client='client'):
  c = server.client_config()
  c.ssl_config.custom_ca = (certs / ca).read_text()
  if client:
    c.ssl_config.client_key = (certs / (client + '.key')).read_text()
    c.ssl_config.server_cert = (certs / (client + '.pem')).read_text()  # MLMD's name
  return c


def tls_args(certs, mutual):
  args = ['--tls-cert', str(certs / 'server.pem'), '--tls-key', str(certs / 'server.key')]
  if mutual:
    args += ['--tls-client-ca', str(certs / 'ca.pem')]
  return args


def audit_actors(path):
  r = subprocess.run([CLI, '--store', 'sqlite:%s' % path, 'audit', 'log', '--json'],
                     capture_output=True, text=True, check=False)
  assert r.returncode == 0, r.stderr
  return [(rec['actor'], rec['operation']) for rec in json.loads(r.stdout)['records']]


def test_tls(served, certs):
  server, path = served(*tls_args(certs, mutual=False), actor='svc')
  _actor.set_actor('this-process')  # applies to stores in process only
  try:
    store = metadata_store.MetadataStore(tls_config(server, certs, client=None))
    dataset_type(store)
  finally:
    _actor.set_actor(None)
  assert [t.name for t in store.get_artifact_types()] == ['DataSet']
  # a plaintext client, and a client that does not trust the server's CA
  with pytest.raises(errors.UnavailableError):
    metadata_store.MetadataStore(server.client_config()).get_artifact_types()
  with pytest.raises(errors.UnavailableError):
    metadata_store.MetadataStore(
        tls_config(server, certs, ca='other-ca.pem', client=None)).get_artifact_types()
  assert server.stop() == 0
  assert audit_actors(path) == [('svc', 'PutArtifactType')]


def test_mutual_tls_writes_are_by_the_certificate_name(served, certs):
  server, path = served(*tls_args(certs, mutual=True), actor='svc')
  store = metadata_store.MetadataStore(tls_config(server, certs))
  dataset_type(store)
  assert [t.name for t in store.get_artifact_types()] == ['DataSet']
  # no client certificate, or one the client CA did not sign: no handshake
  for client in (None, 'stranger'):
    with pytest.raises(errors.UnavailableError):
      metadata_store.MetadataStore(
          tls_config(server, certs, client=client)).get_artifact_types()
  assert server.stop() == 0
  assert audit_actors(path) == [('alice', 'PutArtifactType')]

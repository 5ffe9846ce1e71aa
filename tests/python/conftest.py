"""Fixtures: every test gets its own store; file stores live in a fresh
temporary directory that pytest removes.

Server mode: with MLMD_TEST_SERVER=sqlite (or =postgresql, which needs
MLMD_TEST_POSTGRES), the `store` fixture is a MetadataStore over gRPC on a
real `mlmd serve` this test starts on 127.0.0.1 with a port the system picks
(a fresh SQLite file in the test's tmp_path, or a fresh PostgreSQL database
mlmd_t_py_srv_<pid>_<n>); at teardown the server gets SIGTERM and must exit
0. Tests marked `in_process` (they open stores themselves, reach into the C
library, run the CLI on a file ...) are skipped in server mode.
"""

import itertools
import os
import re
import selectors
import signal
import subprocess
import threading

import pytest

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

CLI = os.environ.get('MLMD_CLI', os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'mlmd'))
SERVER_MODE = os.environ.get('MLMD_TEST_SERVER', '')
_MODES = ('', 'sqlite', 'postgresql')
# How long a server may take to print its port line or to exit after SIGTERM
# before the test gives up: a guard against a hang, never a measurement.
HANG_GUARD_S = 120

_serial = itertools.count()


def pytest_configure(config):
  config.addinivalue_line(
      'markers', 'in_process: the test needs a store in this process (it '
      'opens configs itself, reaches into the C library, runs the CLI on the '
      'file); skipped when MLMD_TEST_SERVER is set')
  if SERVER_MODE not in _MODES:
    raise pytest.UsageError('MLMD_TEST_SERVER must be sqlite or postgresql '
                            '(or unset), got %r' % SERVER_MODE)
  if SERVER_MODE == 'postgresql' and not os.environ.get('MLMD_TEST_POSTGRES'):
    raise pytest.UsageError('MLMD_TEST_SERVER=postgresql needs '
                            'MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT')


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
  if not SERVER_MODE:
    return
  skip = pytest.mark.skip(reason='in_process: cannot run through a server '
                          '(MLMD_TEST_SERVER=%s)' % SERVER_MODE)
  for item in items:
    if 'in_process' in item.keywords:
      item.add_marker(skip)


def memory_config():
  config = metadata_store_pb2.ConnectionConfig()
  config.fake_database.SetInParent()
  return config


def file_config(path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  return config


class Server(object):
  """A real `mlmd serve` process on 127.0.0.1 and a port the system picks.

  Starts `$MLMD_CLI --store URI [--actor A] serve --port 0 ARGS...`, reads
  the port from its one stdout line and keeps reading its stderr on a
  thread (`lines()`, `wait_for()`), so tests synchronise on what the
  server says, never on time. `stop()` sends SIGTERM and returns the exit
  status. Start-up failure raises AssertionError with the server's stderr.
  """

  def __init__(self, store_uri, args=(), actor=None, env=None):
    cmd = [CLI, '--store', store_uri]
    if actor is not None:
      cmd += ['--actor', actor]
    cmd += ['serve', '--port', '0'] + list(args)
    self.cmd = cmd
    self._cond = threading.Condition()
    self._err = []
    self._err_done = False
    self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env)
    self._reader = threading.Thread(target=self._read_stderr, daemon=True)
    self._reader.start()
    line = self._first_line()
    m = re.fullmatch(r'mlmd serve: listening on (\S+):(\d+)\n', line)
    if not m:
      self.proc.kill()
      self.proc.wait()
      self._reader.join(HANG_GUARD_S)  # all of stderr, for the message
      raise AssertionError('%s: no port line (stdout %r); stderr:\n%s' %
                           (' '.join(cmd), line, self.stderr()))
    self.host, self.port = m.group(1), int(m.group(2))

  def _first_line(self):
    sel = selectors.DefaultSelector()
    sel.register(self.proc.stdout, selectors.EVENT_READ)
    try:
      if not sel.select(HANG_GUARD_S):
        return ''
    finally:
      sel.close()
    return self.proc.stdout.readline().decode('utf-8', 'replace')

  def _read_stderr(self):
    for raw in self.proc.stderr:
      with self._cond:
        self._err.append(raw.decode('utf-8', 'replace').rstrip('\n'))
        self._cond.notify_all()
    with self._cond:
      self._err_done = True
      self._cond.notify_all()

  def lines(self):
    """The stderr lines read so far."""
    with self._cond:
      return list(self._err)

  def stderr(self):
    return '\n'.join(self.lines())

  def wait_for(self, pattern, count=1):
    """Waits until `count` stderr lines match the regex `pattern` and returns
    the matching lines; AssertionError when stderr ends first (or after
    HANG_GUARD_S)."""
    rx = re.compile(pattern)
    with self._cond:
      def found():
        return [l for l in self._err if rx.search(l)]
      ok = self._cond.wait_for(
          lambda: len(found()) >= count or self._err_done, HANG_GUARD_S)
      got = found()
      if not ok or len(got) < count:
        raise AssertionError('server stderr has %d of %d lines matching %r:\n%s'
                             % (len(got), count, pattern, '\n'.join(self._err)))
      return got

  def client_config(self, **fields):
    return metadata_store_pb2.MetadataStoreClientConfig(
        host=fields.pop('host', '127.0.0.1'), port=self.port, **fields)

  def stop(self, sig=signal.SIGTERM):
    """Sends `sig` (once) and waits for the exit; returns the exit status."""
    if self.proc.returncode is None:
      self.proc.send_signal(sig)
    try:
      rc = self.proc.wait(HANG_GUARD_S)
    except subprocess.TimeoutExpired:
      self.proc.kill()
      rc = self.proc.wait()
    self._reader.join()
    self.proc.stdout.close()
    self.proc.stderr.close()
    return rc


def pg_database_uri(tag):
  """A fresh database's URI under $MLMD_TEST_POSTGRES (mlmd creates it)."""
  base = os.environ['MLMD_TEST_POSTGRES'].rstrip('/')
  return '%s/mlmd_t_py_%s_%d_%d' % (base, tag, os.getpid(), next(_serial))


def pg_drop(uri):
  """Drops the database of `uri` when psql is there (else `make pg-cleanup`
  drops every mlmd_t_* database)."""
  base, name = uri.rsplit('/', 1)
  try:
    subprocess.run(['psql', base + '/postgres', '-qc',
                    'DROP DATABASE IF EXISTS "%s"' % name],
                   capture_output=True, check=False)
  except OSError:
    pass


@pytest.fixture
def server_store_uri(tmp_path):
  """The URI of a fresh store for a server in this mode's backend."""
  if SERVER_MODE == 'postgresql':
    uri = pg_database_uri('srv')
    yield uri
    pg_drop(uri)
  else:
    yield 'sqlite:%s' % (tmp_path / 'served.db')


@pytest.fixture
def store(request):
  if not SERVER_MODE:
    yield metadata_store.MetadataStore(memory_config())
    return
  uri = request.getfixturevalue('server_store_uri')
  server = Server(uri)
  client = metadata_store.MetadataStore(server.client_config())
  yield client
  client._close()  # pylint: disable=protected-access
  rc = server.stop()
  assert rc == 0, 'mlmd serve exited %d after SIGTERM; stderr:\n%s' % (
      rc, server.stderr())


@pytest.fixture
def db_path(tmp_path):
  return tmp_path / 'mlmd.db'

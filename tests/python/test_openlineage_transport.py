"""The OpenLineage HTTP transport from Python: ml_metadata.MetadataStore
opens through mlmd_store_open_config, so MLMD_OPENLINEAGE_URL in the
environment makes its writes post run events to a real HTTP receiver on
127.0.0.1 (http.server on a free port). The waits are bounded only to
guard against a hang; nothing is timed."""

import http.server
import json
import os
import threading

import pytest

from conftest import file_config
from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

GUARD_S = 60


class Receiver(object):
  """Records the JSON bodies POSTed to it and answers 200."""

  def __init__(self):
    self.bodies = []
    self.paths = []
    self.cond = threading.Condition()
    receiver = self

    class Handler(http.server.BaseHTTPRequestHandler):

      def do_POST(self):  # pylint: disable=invalid-name
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        with receiver.cond:
          receiver.bodies.append(json.loads(body))
          receiver.paths.append((self.path, self.headers.get('Content-Type')))
          receiver.cond.notify_all()
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

      def log_message(self, *args):
        pass

    self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    self.port = self.server.server_address[1]
    self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
    self.thread.start()

  def wait(self, n):
    with self.cond:
      self.cond.wait_for(lambda: len(self.bodies) >= n, timeout=GUARD_S)
      assert len(self.bodies) >= n, 'got %d events, expected %d' % (len(self.bodies), n)

  def close(self):
    self.server.shutdown()
    self.server.server_close()


@pytest.fixture
def receiver():
  r = Receiver()
  yield r
  r.close()


def test_metadata_store_posts_start_then_complete(receiver, tmp_path, monkeypatch):
  monkeypatch.setenv('MLMD_OPENLINEAGE_URL', 'http://127.0.0.1:%d' % receiver.port)
  monkeypatch.setenv('MLMD_OPENLINEAGE_NAMESPACE', 'py-team')
  monkeypatch.delenv('MLMD_OPENLINEAGE_QUEUE_DIR', raising=False)
  db = tmp_path / 'md.db'
  store = metadata_store.MetadataStore(file_config(db))
  tid = store.put_execution_type(pb.ExecutionType(name='Trainer'))
  e = pb.Execution(type_id=tid, name='fit', last_known_state=pb.Execution.RUNNING)
  [eid] = store.put_executions([e])
  receiver.wait(1)
  e.id = eid
  e.last_known_state = pb.Execution.COMPLETE
  store.put_executions([e])
  receiver.wait(2)
  start, complete = receiver.bodies[:2]
  assert start['eventType'] == 'START'
  assert complete['eventType'] == 'COMPLETE'
  assert start['run']['runId'] == complete['run']['runId']
  assert start['job']['namespace'] == 'py-team'
  assert start['job']['name'] == 'Trainer.fit'
  assert receiver.paths[0] == ('/api/v1/lineage', 'application/json')
  # the queue of an SQLite file store is beside it
  assert os.path.isdir(str(db) + '.openlineage')
  del store
  assert len(receiver.bodies) == 2


def test_a_bad_url_in_the_environment_refuses_the_open(tmp_path, monkeypatch):
  monkeypatch.setenv('MLMD_OPENLINEAGE_URL', 'gopher://127.0.0.1')
  with pytest.raises(RuntimeError, match='MLMD_OPENLINEAGE_URL'):
    metadata_store.MetadataStore(file_config(tmp_path / 'md.db'))

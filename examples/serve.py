"""Step 10 of the demo: the demo's store served over gRPC to MLMD's own client.

  serve.py MLMD_PROGRAM STORE.db

Starts `mlmd serve` on the store (127.0.0.1, a port the system picks), reads
the store through Google MLMD's Python API with a MetadataStoreClientConfig,
as Kubeflow Pipelines or TFX would talk to metadata_store_server, checks the
answers against the same store opened in process, and stops the server with
SIGTERM (it drains and exits 0).
"""

import os
import re
import signal
import subprocess
import sys
import tempfile

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2


def start(program, db, log):
  server = subprocess.Popen(
      [program, '--store', 'sqlite:' + db, 'serve', '--port', '0', '--threads', '2'],
      stdout=subprocess.PIPE, stderr=log, text=True)
  line = server.stdout.readline()
  m = re.match(r'mlmd serve: listening on (\S+):(\d+)$', line.strip())
  if not m:
    server.kill()
    server.wait()
    log.seek(0)
    sys.exit('serve.py: mlmd serve did not start (it printed %r)\n%s' % (line, log.read()))
  return server, m.group(1), int(m.group(2))


def summary(store):
  """What a pipeline tool would read: types, nodes, the newest model's inputs."""
  types = sorted(t.name for t in store.get_artifact_types())
  arts = store.get_artifacts()
  execs = store.get_executions()
  models = store.get_artifacts_by_type('Model') if 'Model' in types else []
  inputs = []
  if models:
    newest = max(models, key=lambda a: a.id)
    made_by = [e.execution_id for e in store.get_events_by_artifact_ids([newest.id])
               if e.type == metadata_store_pb2.Event.OUTPUT]
    events = store.get_events_by_execution_ids(made_by)
    ids = [e.artifact_id for e in events if e.type == metadata_store_pb2.Event.INPUT]
    inputs = sorted(a.uri for a in store.get_artifacts_by_id(ids))
  return types, len(arts), len(execs), len(models), inputs


def main():
  program, db = sys.argv[1], sys.argv[2]
  log = tempfile.TemporaryFile(mode='w+')  # the server's stderr, shown if it fails
  server, host, port = start(program, db, log)
  try:
    config = metadata_store_pb2.MetadataStoreClientConfig(host=host, port=port)
    config.client_timeout_sec = 30
    client = metadata_store.MetadataStore(config)
    remote = summary(client)
    del client  # closes the channel, so the drain need not wait for it
  finally:
    server.send_signal(signal.SIGTERM)
    status = server.wait()
  local_config = metadata_store_pb2.ConnectionConfig()
  local_config.sqlite.filename_uri = db
  local = summary(metadata_store.MetadataStore(local_config))
  types, n_arts, n_execs, n_models, inputs = remote
  print('10. serve: mlmd serve on %s:%d, read with MLMD\'s MetadataStoreClientConfig' % (host, port))
  print('   artifact types %s; %d artifacts, %d executions, %d models' %
        (', '.join(types), n_arts, n_execs, n_models))
  print('   the newest model was trained on %s' % (', '.join(os.path.basename(u) for u in inputs)
                                                   or '(nothing recorded)'))
  if remote != local:
    sys.exit('serve.py: the server answered %r, the store in process %r' % (remote, local))
  if status != 0:
    log.seek(0)
    sys.exit('serve.py: mlmd serve exited %d after SIGTERM\n%s' % (status, log.read()))
  print('   same answers as in process; SIGTERM: drained, exit status 0')


if __name__ == '__main__':
  main()

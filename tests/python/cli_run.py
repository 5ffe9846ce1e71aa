"""The mlmd CLI as the Python tests run it: CLI is its path (the environment's
MLMD_CLI, else build/mlmd of this checkout), mlmd(...) one run of it."""

import os
import subprocess

CLI = os.environ.get('MLMD_CLI', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'mlmd'))


def mlmd(*args, check=True, stdin=None):
  """Runs the CLI with args (stdin: text for its standard input) and returns the
  CompletedProcess, its output as text; with check, asserts it exited 0."""
  res = subprocess.run([CLI, *args], capture_output=True, text=True, input=stdin)
  if check:
    assert res.returncode == 0, res.stderr
  return res

"""The SQL functions (docs/sql.md) from Debian's `sqlite3` shell, loaded
with `.load libmlmd.so mlmd_sqlite_extension_init`, against a real store
set up with the `mlmd` CLI and real XGBoost model files: predictions, an
alias moved between two statements, a tampered model file and a model
blocked by the serving gate refused, one serving execution per statement
with its row count, the model kept loaded across the statements of a
session (until its alias moves), type errors naming the argument,
explanations.
"""

import json
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
CLI = os.environ.get('MLMD_CLI', os.path.join(ROOT, 'build', 'mlmd'))
LIB = os.path.join(os.path.dirname(os.path.abspath(CLI)), 'libmlmd.so')
MODELS = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', 'model')
SQLITE3 = shutil.which('sqlite3')

pytestmark = [pytest.mark.in_process,
              pytest.mark.skipif(SQLITE3 is None, reason='needs the sqlite3 shell (scripts/deps.sh installs it)')]


def mlmd(*args):
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
  assert res.returncode == 0, res.stderr
  return res.stdout


def shell(store, *sql, cwd=None):
  """Runs the statements in one sqlite3 shell session (its own database in
  memory, table t of three rows); returns (exit status, stdout, stderr)."""
  cmds = ['.load %s mlmd_sqlite_extension_init' % LIB,
          "SELECT mlmd_use_store('%s');" % store,
          'CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c);',
          'INSERT INTO t(a, b, c) VALUES (1, 2, 3), (0.5, NULL, 7), (-3, 3.25, 0);']
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([SQLITE3, '-bail', ':memory:'], input='\n'.join(cmds + list(sql)) + '\n',
                       capture_output=True, text=True, env=env, cwd=cwd)
  out = res.stdout.splitlines()
  assert out and out[0] == store  # mlmd_use_store's answer
  return res.returncode, out[1:], res.stderr


@pytest.fixture
def store(tmp_path):
  """churn/1: the 3-class softprob model, churn/2: the regressor; prod -> 1."""
  for name in ('xgb_multi_softprob.json', 'xgb_reg_squarederror.json'):
    shutil.copy(os.path.join(MODELS, name), tmp_path / name)
  uri = 'sqlite:%s' % (tmp_path / 'md.db')
  a1 = mlmd('--store', uri, 'model', 'add', '--name', 'cls', str(tmp_path / 'xgb_multi_softprob.json')).strip()
  a2 = mlmd('--store', uri, 'model', 'add', '--name', 'reg', str(tmp_path / 'xgb_reg_squarederror.json')).strip()
  mlmd('--store', uri, 'registry', 'create', 'churn')
  mlmd('--store', uri, 'registry', 'add', 'churn', '--artifact', a1)
  mlmd('--store', uri, 'registry', 'add', 'churn', '--artifact', a2)
  mlmd('--store', uri, 'registry', 'alias', 'set', 'churn', 'prod', '1')
  return uri, tmp_path, int(a1), int(a2)


def servings(uri):
  rows = json.loads(mlmd('--store', uri, 'ls', 'executions', '--type', 'ModelServing', '--json'))
  out = []
  for e in rows:
    node = json.loads(mlmd('--store', uri, '--json', 'show', 'execution', str(e['id'])))['node']
    out.append(node)
  return out


def test_scores_and_records_one_execution_per_statement(store):
  uri, _, _, _ = store
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', a, b, c) FROM t;",
                       "SELECT round(mlmd_score_proba('churn@prod', 0, a, b, c) + mlmd_score_proba('churn@prod', 1, a, b, c)"
                       " + mlmd_score_proba('churn@prod', 2, a, b, c), 6) FROM t WHERE id = 1;")
  assert rc == 0, err
  assert len(out) == 4
  assert all(v in ('0', '1', '2') for v in out[:3])
  assert out[3] == '1.0'
  recs = servings(uri)
  # the first statement: one scorer; the second: one per mlmd_score_proba call
  assert len(recs) == 4
  assert recs[0]['properties']['rows'] == 3
  assert recs[0]['properties']['deployment'] == 'sqlite'
  assert recs[0]['state'] == 'COMPLETE'
  assert recs[0]['custom_properties']['mlmd.model_version'] == 1
  assert sum(json.loads(recs[0]['properties']['class_counts']).values()) == 3
  assert [r['properties']['rows'] for r in recs[1:]] == [1, 1, 1]


def test_alias_moved_between_two_statements(store, tmp_path):
  uri, _, _, _ = store
  # the alias moves between the two statements of one shell session: the
  # shell runs the CLI in the middle through its .system command
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', a, b, c) FROM t WHERE id = 1;",
                       ".system %s --store %s registry alias set churn prod 2 >/dev/null" % (CLI, uri),
                       "SELECT mlmd_score('churn@prod', a, b, c) FROM t WHERE id = 1;",
                       "SELECT mlmd_score('churn/2', a, b, c) FROM t WHERE id = 1;")
  assert rc == 0, err
  assert out[0] in ('0', '1', '2')
  assert '.' in out[1] and out[1] == out[2]
  recs = servings(uri)
  assert [r['custom_properties']['mlmd.model_version'] for r in recs] == [1, 2, 2]


def test_model_stays_loaded_across_statements(store):
  uri, tmp, _, a2 = store
  cls = tmp / 'xgb_multi_softprob.json'
  q = "SELECT mlmd_score('churn@prod', a, b, c) FROM t WHERE id = 1;"
  # version 1's file removed after the first statement: the second still
  # scores with the model the session loaded; the alias moved to 2 loads
  # version 2; moved back to 1, version 1 must be loaded again and its file
  # is gone; moved to 2 again, the cached version 2 serves; blocked since
  # it was loaded, it is refused at the next statement
  rc, out, err = shell(uri, q, '.system rm %s' % cls, q,
                       ".system %s --store %s registry alias set churn prod 2 >/dev/null" % (CLI, uri), q,
                       ".system %s --store %s registry alias set churn prod 1 >/dev/null" % (CLI, uri),
                       ".bail off", q, "SELECT 'next';",
                       ".system %s --store %s registry alias set churn prod 2 >/dev/null" % (CLI, uri), q,
                       ".system %s --store %s classify artifact %s POISONED --reason x >/dev/null" % (CLI, uri, a2),
                       q)
  assert out[0] in ('0', '1', '2')
  assert out[1] == out[0]
  assert '.' in out[2]
  assert out[3] == 'next'
  assert out[4] == out[2]
  assert len(out) == 5, (out, err)
  errs = err.splitlines()
  assert len(errs) == 2, err
  assert 'version 1 of \'churn\'' in errs[0] and str(cls) in errs[0]
  assert 'blocked by the serving gate: POISONED' in errs[1]
  recs = servings(uri)
  assert [r['custom_properties']['mlmd.model_version'] for r in recs] == [1, 1, 2, 2]
  assert [r['properties']['rows'] for r in recs] == [1, 1, 1, 1]
  assert all(r['state'] == 'COMPLETE' for r in recs)


def test_tampered_model_is_refused(store):
  uri, tmp, _, _ = store
  with open(tmp / 'xgb_multi_softprob.json', 'a') as f:
    f.write(' ')
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', a, b, c) FROM t;")
  assert rc != 0
  assert 'mlmd_score: ' in err and 'has digest sha256:' in err and 'churn@prod' in err


def test_blocked_model_is_refused(store):
  uri, _, a1, _ = store
  mlmd('--store', uri, 'classify', 'artifact', str(a1), 'POISONED', '--reason', 'bad rows')
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', a, b, c) FROM t;")
  assert rc != 0
  assert 'blocked by the serving gate: POISONED' in err
  rc, out, err = shell(uri, "SELECT mlmd_score('churn/2', a, b, c) FROM t WHERE id = 1;")
  assert rc == 0, err


def test_type_errors_name_the_argument(store):
  uri, _, _, _ = store
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', 1, 'abc', 3);")
  assert rc != 0
  assert "mlmd_score: argument 3 (input_1) is text 'abc', expected a number" in err
  rc, out, err = shell(uri, "SELECT mlmd_score('churn@prod', 1, 2);")
  assert "takes 3 inputs (input_0 ... input_2), got 2" in err


def test_json_and_explain(store):
  uri, _, _, _ = store
  rc, out, err = shell(uri,
                       "SELECT mlmd_score_json('churn/2', '{\"input_0\": 1, \"input_1\": 2, \"input_2\": 3}') "
                       "= mlmd_score('churn/2', 1, 2, 3);",
                       "SELECT mlmd_explain('churn/2', 0, 1, 2, 3) = mlmd_explain_json('churn/2', 0, "
                       "'{\"input_0\": 1, \"input_1\": 2, \"input_2\": 3}');",
                       "SELECT typeof(mlmd_explain('churn/2', 2, 1, 2, 3));")
  assert rc == 0, err
  assert out == ['1', '1', 'real']


def test_default_store_is_mlmd_db_in_the_current_directory(store, tmp_path):
  uri, tmp, _, _ = store
  shutil.copy(tmp / 'md.db', tmp_path / 'mlmd.db')
  env = {k: v for k, v in os.environ.items() if k != 'MLMD_STORE'}
  res = subprocess.run([SQLITE3, '-bail', ':memory:'],
                       input='.load %s mlmd_sqlite_extension_init\nSELECT typeof(mlmd_score(\'churn/2\', 1, 2, 3));\n' % LIB,
                       capture_output=True, text=True, env=env, cwd=tmp_path)
  assert res.returncode == 0, res.stderr
  assert res.stdout.strip() == 'real'

"""`mlmd export` and `mlmd import` carry data governance: a deleted node
travels as a tombstone (with the events through it, its deletion time, actor
and reason), labels (with their actors and times; the reach recomputed on
the imported lineage), the serving gate and retention policies. Real stores,
the real CLI, the demo pipeline's lineage."""
import base64
import json
import os
import sqlite3
import subprocess

from mlmd.proto import mlmd_governance_pb2
from cli_run import CLI, mlmd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIPELINE = os.path.join(os.path.dirname(CLI), 'examples', 'pipeline')


def lines(path):
  with open(path) as f:
    return [json.loads(line) for line in f]


def decode(rec, cls):
  return cls.FromString(base64.b64decode(rec['pb']))


def governance(path):
  """The data governance of an export with store ids replaced by the node's
  position among the export's nodes of its kind (and type ids by names)."""
  recs = lines(path)
  types = {(r['kind'][:-len('_type')], r['id']): r for r in recs if r['kind'].endswith('_type')}
  order = {'artifact': [], 'execution': [], 'context': []}
  for r in recs:
    if r['kind'] in order or r['kind'] == 'tombstone':
      kind = r['kind'] if r['kind'] in order else \
          mlmd_governance_pb2.NodeKind.Name(decode(r, mlmd_governance_pb2.Tombstone).kind).lower()
      order[kind].append(r['id'])
  pos = {k: {i: n for n, i in enumerate(v)} for k, v in order.items()}
  tombstones = []
  for r in recs:
    if r['kind'] == 'tombstone':
      t = decode(r, mlmd_governance_pb2.Tombstone)
      kind = mlmd_governance_pb2.NodeKind.Name(t.kind).lower()
      assert (kind, t.type_id) in types
      tombstones.append((kind, pos[kind][t.id], t.type, t.delete_time_ms, t.actor, t.reason))
  labels = []
  for r in recs:
    if r['kind'] == 'label':
      e = decode(r, mlmd_governance_pb2.LabelEntry)
      kind = mlmd_governance_pb2.NodeKind.Name(e.kind).lower()
      labels.append((kind, pos[kind][e.node_id], e.label.label, e.label.reason, e.label.until_ms, e.label.propagate,
                     e.label.actor, e.label.time_ms, e.reached))
  gate = [decode(r, mlmd_governance_pb2.GetServingGateResponse).labels for r in recs if r['kind'] == 'serving_gate']
  policies = [decode(r, mlmd_governance_pb2.RetentionPolicy) for r in recs if r['kind'] == 'retention_policy']
  policies = [(p.kind, p.type_name, p.max_age_ms, p.keep_last, p.actor, p.time_ms) for p in policies]
  events = sum(1 for r in recs if r['kind'] == 'event')
  return {'tombstones': tombstones, 'labels': sorted(labels), 'gate': [list(g) for g in gate],
          'policies': policies, 'events': events}


def test_data_governance_round_trip(tmp_path):
  db = tmp_path / 'src.db'
  subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path)],
                 check=True, capture_output=True)
  src = f'sqlite:{db}'
  # artifact 1 is the dataset, 2 the trained model (written by the trainer, read by the evaluation)
  mlmd('--store', src, '--actor', 'steward', 'classify', 'artifact', '1', 'POISONED', '--reason', 'label noise')
  mlmd('--store', src, '--actor', 'legal', 'classify', 'execution', '1', 'HOLD', '--no-propagate')
  mlmd('--store', src, '--actor', 'janitor', 'delete', 'artifact', '2', '--reason', 'superseded')
  mlmd('--store', src, 'gate', 'set', 'POISONED', 'RESTRICTED', 'PII')
  mlmd('--store', src, 'retention', 'set', 'DataSet', '--keep-last', '3', '--max-age', '30d')
  first = tmp_path / 'a.jsonl'
  res = mlmd('--store', src, 'export', str(first))
  assert 'exported 1 tombstones (deleted nodes), 2 labels, 1 retention policies' in res.stderr, res.stderr
  a = governance(first)
  with sqlite3.connect(str(db)) as c:  # every event, those through the deleted model included
    assert a['events'] == c.execute('SELECT COUNT(*) FROM event').fetchone()[0] > 0
    assert c.execute('SELECT COUNT(*) FROM event WHERE artifact_id = 2').fetchone()[0] >= 2
  assert [t[2:] for t in a['tombstones']] == [('Model', a['tombstones'][0][3], 'janitor', 'superseded')]
  assert a['tombstones'][0][3] > 0

  copy = f'sqlite:{tmp_path / "copy.db"}'
  res = mlmd('--store', copy, 'import', str(first))
  assert 'restored 1 tombstones (deleted nodes), 2 labels and 1 retention policies' in res.stderr, res.stderr
  second = tmp_path / 'b.jsonl'
  mlmd('--store', copy, 'export', str(second))
  b = governance(second)
  assert a == b  # tombstones (time, actor, reason), labels (actor, time, reach), gate, policies, every event

  # the imported store acts on them: the model is a tombstone (not listed, its lineage kept) ...
  listed = mlmd('--store', copy, 'ls', 'artifacts').stdout
  assert 'Model' not in listed and 'DataSet' in listed
  # ... and the label reached downstream again, through the tombstone, on the copy's own lineage
  out = json.loads(mlmd('--store', copy, 'labels', 'execution', '1', '--json').stdout)
  assert {(l['label'], l['distance']) for l in out} == {('POISONED', 1), ('HOLD', 0)}
  poisoned = [l for l in a['labels'] if l[2] == 'POISONED'][0]
  assert poisoned[-1] > 2  # it reached more than the dataset and one execution
  assert mlmd('--store', copy, 'gate', 'ls').stdout.split() == ['PII', 'POISONED', 'RESTRICTED']


def test_a_malformed_tombstone_line_is_named(tmp_path):
  db = tmp_path / 'src.db'
  subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path)],
                 check=True, capture_output=True)
  src = f'sqlite:{db}'
  mlmd('--store', src, 'delete', 'artifact', '2')
  out = tmp_path / 'a.jsonl'
  mlmd('--store', src, 'export', str(out))
  # a tombstone line whose message lacks its kind is named with its line
  recs = out.read_text().splitlines()
  at = next(i for i, l in enumerate(recs) if json.loads(l)['kind'] == 'tombstone')
  bad = json.loads(recs[at])
  t = decode(bad, mlmd_governance_pb2.Tombstone)
  t.ClearField('kind')
  bad['pb'] = base64.b64encode(t.SerializeToString()).decode()
  recs[at] = json.dumps(bad)
  (tmp_path / 'bad.jsonl').write_text('\n'.join(recs) + '\n')
  res = mlmd('--store', f'sqlite:{tmp_path / "t.db"}', 'import', str(tmp_path / 'bad.jsonl'), check=False)
  assert res.returncode == 1 and f'line {at + 1}: a tombstone needs its kind, id and type_id' in res.stderr, res.stderr


def test_crafted_data_governance_lines_fail_naming_the_line(tmp_path):
  """Each crafted line fails the import with its line number; nothing is imported."""
  db = tmp_path / 'src.db'
  subprocess.run([PIPELINE, str(db), os.path.join(ROOT, 'examples', 'data', 'iris.csv'), str(tmp_path)],
                 check=True, capture_output=True)
  src = f'sqlite:{db}'
  mlmd('--store', src, 'classify', 'artifact', '1', 'POISONED')
  mlmd('--store', src, 'delete', 'execution', '1')
  mlmd('--store', src, 'retention', 'set', 'DataSet', '--max-age', '30d')
  out = tmp_path / 'a.jsonl'
  mlmd('--store', src, 'export', str(out))
  recs = out.read_text().splitlines()
  at = {json.loads(l)['kind']: i for i, l in enumerate(recs)}

  def edit(kind, cls, **fields):
    def change(rs):
      rec = json.loads(rs[at[kind]])
      m = decode(rec, cls)
      for k, v in fields.items():
        if isinstance(v, dict):
          for kk, vv in v.items():
            setattr(getattr(m, k), kk, vv)
        elif k.startswith('line_'):
          rec[k[5:]] = v
        elif isinstance(v, list):
          m.ClearField(k)
          getattr(m, k).extend(v)
        else:
          setattr(m, k, v)
      rec['pb'] = base64.b64encode(m.SerializeToString()).decode()
      rs[at[kind]] = json.dumps(rec)
    return change

  def twice(kind):
    return lambda rs: rs.insert(at[kind] + 1, rs[at[kind]])

  G = mlmd_governance_pb2
  cases = [
      (edit('tombstone', G.Tombstone, line_type_id=99), at['tombstone'], "\"type_id\" and its message's type_id differ"),
      (edit('label', G.LabelEntry, node_id=999), at['label'], 'artifact 999, which is not among the nodes imported'),
      (twice('serving_gate'), at['serving_gate'] + 1, 'a second serving_gate'),
      (edit('serving_gate', G.GetServingGateResponse, labels=['bad label']), at['serving_gate'], "'bad label'"),
      (edit('retention_policy', G.RetentionPolicy, type_name='Nope'), at['retention_policy'], "named 'Nope'"),
      (edit('retention_policy', G.RetentionPolicy, max_age_ms=-5), at['retention_policy'], 'negative'),
      (edit('label', G.LabelEntry, label={'until_ms': -1}), at['label'], 'until_ms -1 is negative'),
      # given twice, the second would silently replace the first
      (twice('label'), at['label'] + 1, 'the label POISONED of that node again'),
      (twice('retention_policy'), at['retention_policy'] + 1, "a second retention policy of type 'DataSet'"),
  ]
  for n, (change, line, needle) in enumerate(cases):
    rs = list(recs)
    change(rs)
    path = tmp_path / f'bad{n}.jsonl'
    path.write_text('\n'.join(rs) + '\n')
    store = f'sqlite:{tmp_path / f"t{n}.db"}'
    res = mlmd('--store', store, 'import', str(path), check=False)
    assert res.returncode == 1, (n, res.stderr)
    assert f'line {line + 1}: ' in res.stderr and needle in res.stderr, (n, res.stderr)
    assert 'nothing was imported' in res.stderr
    assert mlmd('--store', store, '--json', 'ls', 'artifacts').stdout.strip() in ('[]', ''), n

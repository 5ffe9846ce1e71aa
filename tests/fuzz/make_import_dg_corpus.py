"""Seeds of tests/fuzz/fuzz_import.c for the data governance lines (tombstone,
label, serving_gate, retention_policy): an export of the demo pipeline with a
label, a deleted execution and a retention policy (audit records left out),
and crafted variants of its lines: a tombstone of another kind, of a type
that does not exist, whose readable type_id disagrees with its message, with
an unknown NodeKind; labels on nodes not imported, twice, on the tombstone,
with a negative until-time; two serving_gate lines, a bad gate label; a
retention policy of a type that does not exist, of the wrong kind, negative,
twice. Run from the source tree after `make` and `make build/examples/pipeline`:

  /usr/bin/python3 tests/fuzz/make_import_dg_corpus.py tests/fuzz/corpus/import
"""
import base64, json, os, subprocess, sys, tempfile
sys.path.insert(0, 'bindings/python')
from mlmd.proto import mlmd_governance_pb2 as gov

out = sys.argv[1]
tmp = tempfile.mkdtemp()
db = os.path.join(tmp, 'd.db')
subprocess.run(['build/examples/pipeline', db, 'examples/data/iris.csv', tmp], check=True, capture_output=True)
M = ['build/mlmd', '--store', 'sqlite:' + db]
for args in (['classify', 'artifact', '1', 'POISONED', '--reason', 'x'], ['delete', 'execution', '1'],
             ['retention', 'set', 'DataSet', '--max-age', '30d']):
  subprocess.run(M + args, check=True, capture_output=True)
subprocess.run(M + ['export', os.path.join(tmp, 'e.jsonl')], check=True, capture_output=True)
with open(os.path.join(tmp, 'e.jsonl')) as f:
  lines = [l for l in f.read().splitlines() if json.loads(l)['kind'] != 'audit_record']


def at(kind):
  return next(i for i, l in enumerate(lines) if json.loads(l)['kind'] == kind)


def save(name, ls):
  data = ('\n'.join(ls) + '\n').encode()
  assert len(data) <= 8192, (name, len(data))  # FUZZ_MAXLEN_import
  with open(os.path.join(out, name), 'wb') as f:
    f.write(data)


def edit(name, line_kind, cls, raw_prefix=b'', **fields):
  ls = list(lines)
  i = at(line_kind)
  rec = json.loads(ls[i])
  m = cls.FromString(base64.b64decode(rec['pb']))
  for k, v in fields.items():
    if k.startswith('line_'):
      rec[k[5:]] = v
    elif isinstance(v, list):
      m.ClearField(k)
      getattr(m, k).extend(v)
    elif isinstance(v, dict):
      for kk, vv in v.items():
        setattr(getattr(m, k), kk, vv)
    else:
      setattr(m, k, v)
  rec['pb'] = base64.b64encode(raw_prefix + m.SerializeToString()).decode()
  ls[i] = json.dumps(rec)
  save(name, ls)


def twice(name, kind):
  ls = list(lines)
  ls.insert(at(kind) + 1, ls[at(kind)])
  save(name, ls)


save('dg_full.jsonl', lines)
edit('dg_tombstone_context.jsonl', 'tombstone', gov.Tombstone, kind=gov.CONTEXT)
edit('dg_tombstone_type_99.jsonl', 'tombstone', gov.Tombstone, type_id=99, line_type_id=99)
edit('dg_tombstone_line_type.jsonl', 'tombstone', gov.Tombstone, line_type_id=99)
edit('dg_tombstone_kind_9.jsonl', 'tombstone', gov.Tombstone, raw_prefix=b'\x08\x09')
edit('dg_label_unknown_node.jsonl', 'label', gov.LabelEntry, node_id=999)
edit('dg_label_unknown_context.jsonl', 'label', gov.LabelEntry, kind=gov.CONTEXT, node_id=50)
edit('dg_label_on_tombstone.jsonl', 'label', gov.LabelEntry, kind=gov.EXECUTION,
     node_id=json.loads(lines[at('tombstone')])['id'])
edit('dg_label_until_negative.jsonl', 'label', gov.LabelEntry, label={'until_ms': -1})
twice('dg_label_twice.jsonl', 'label')
twice('dg_gate_twice.jsonl', 'serving_gate')
edit('dg_gate_bad_label.jsonl', 'serving_gate', gov.GetServingGateResponse, labels=['bad label', 'PII', 'PII'])
edit('dg_policy_unknown_type.jsonl', 'retention_policy', gov.RetentionPolicy, type_name='Nope')
edit('dg_policy_wrong_kind.jsonl', 'retention_policy', gov.RetentionPolicy, kind=gov.EXECUTION)
edit('dg_policy_negative.jsonl', 'retention_policy', gov.RetentionPolicy, max_age_ms=-5)
twice('dg_policy_twice.jsonl', 'retention_policy')

"""Writes the seed corpus of tests/fuzz/fuzz_import.c: small JSON-lines
inputs for `mlmd import`, cut from two real exports and varied.

  build/mlmd --store sqlite:demo.db export demo.jsonl          # after make demo
  build/mlmd --store sqlite:f.db import-mlmd mlmd.db            # tests/python/test_cli.py's MLMD fixture
  build/mlmd --store sqlite:f.db export fixture.jsonl
  python3 tests/fuzz/make_import_corpus.py demo.jsonl fixture.jsonl tests/fuzz/corpus/import

`--audit-only OUT` writes just the audit_record seeds (no exports needed).
Also usable by tests: deep_value(n) builds a property nested n lists deep.
"""

import base64
import json
import os
import struct
import sys


def varint(n):
  out = bytearray()
  while True:
    b = n & 0x7F
    n >>= 7
    if n:
      out.append(b | 0x80)
    else:
      out.append(b)
      return bytes(out)


def field(num, wire, payload):
  if wire == 2:
    return varint(num << 3 | 2) + varint(len(payload)) + payload
  return varint(num << 3 | wire) + payload


def deep_value(depth):
  """An ml_metadata.Value holding a google.protobuf.Struct {"a": [[[...1...]]]}
  with `depth` lists inside (every list is two messages: ListValue, Value)."""
  inner = field(2, 1, struct.pack('<d', 1.0))  # google.protobuf.Value.number_value
  for _ in range(depth):
    inner = field(6, 2, field(1, 2, inner))  # Value.list_value = ListValue{values: [inner]}
  entry = field(1, 2, b'a') + field(2, 2, inner)
  fields = field(1, 2, entry)
  return field(4, 2, fields)  # ml_metadata.Value.struct_value


def deep_artifact(type_id, depth, name='deep'):
  """An Artifact of type_id with a custom property `deep` nested `depth` lists deep."""
  entry = field(1, 2, b'deep') + field(2, 2, deep_value(depth))
  return field(2, 0, varint(type_id)) + field(7, 2, name.encode()) + field(5, 2, entry)


def b64(data):
  return base64.b64encode(data).decode()


def metric_series(key, values, steps):
  """An mlmd.tracking.MetricSeries with packed values and steps."""
  vals = b''.join(struct.pack('<d', v) for v in values)
  return field(1, 2, key.encode()) + field(2, 2, vals) + field(3, 2, b''.join(varint(x) for x in steps))


def metric_seeds(demo):
  """Metric history lines: a good one after its execution, one naming an
  execution not imported, one whose pb is not a MetricSeries, one whose
  steps do not match its values."""
  recs = [json.loads(l) for l in demo]
  header = demo[0]
  ex_type = next(l for l, r in zip(demo, recs) if r['kind'] == 'execution_type')
  ex_type_id = json.loads(ex_type)['id']
  ex = next(l for l, r in zip(demo, recs) if r['kind'] == 'execution' and r['type_id'] == ex_type_id)
  ex_id = json.loads(ex)['id']
  good = metric_series('loss', [0.5, float('nan'), float('inf'), -1e308], [0, 1, 2, 3])
  line = '{"kind":"metric_series","execution_id":%d,"key":"loss","points":4,"pb":"%s"}'
  return {
      'metric_series.jsonl': [header, ex_type, ex, line % (ex_id, b64(good))],
      'metric_unknown_execution.jsonl': [header, ex_type, ex, line % (ex_id + 1000, b64(good))],
      'metric_bad_pb.jsonl': [header, ex_type, ex, line % (ex_id, b64(field(2, 2, b'\x01\x02\x03')))],
      'metric_bad_steps.jsonl': [header, ex_type, ex, line % (ex_id, b64(metric_series('k', [1.0, 2.0], [1])))],
  }


def main(demo_path, fixture_path, out):
  demo = [l for l in open(demo_path).read().splitlines() if l]
  fixture = [l for l in open(fixture_path).read().splitlines() if l]
  recs = [json.loads(l) for l in demo]
  header = demo[0]
  types = [l for l, r in zip(demo, recs) if r['kind'].endswith('_type')]
  art_type = next(l for l, r in zip(demo, recs) if r['kind'] == 'artifact_type')
  art_type_id = json.loads(art_type)['id']
  first_art = next(l for l, r in zip(demo, recs) if r['kind'] == 'artifact')
  seeds = {
      'demo_full.jsonl': demo,
      'fixture_full.jsonl': fixture,  # event paths, parent contexts, struct and proto values
      'header_types.jsonl': [header] + types,
      'one_artifact.jsonl': [header, art_type, first_art],
      'duplicate_id.jsonl': [header, art_type, first_art, first_art],
      'bad_base64.jsonl': [header, art_type, first_art.replace('"pb":"', '"pb":"*')],
      'id_mismatch.jsonl': [header, art_type, first_art.replace('"id":1,', '"id":5,', 1)],
      'bad_version.jsonl': [header.replace('"version":1', '"version":2')],
      'truncated.jsonl': [header, art_type, first_art[:len(first_art) // 2]],
      'missing_node.jsonl': [header] + types + ['{"kind":"attribution","context_id":1,"artifact_id":99}'],
      'unicode_and_unused.jsonl': [
          '{"kind":"mlmd_export","version":1,"note":"caf\\u00e9 \\ud83d\\ude00","extra":[1,2.5e3,-0.5,true,null,{"x":[]}]}',
          '{"kind":"art\\u0069fact_type","id":1,"pb":"' + json.loads(art_type)['pb'] + '"}'],
      'deep_json.jsonl': [header, '{"kind":"mlmd_export","version":1,"x":' + '[' * 80 + ']' * 80 + '}'],
      'deep_struct.jsonl': [header, art_type,
                            '{"kind":"artifact","id":1,"type_id":%d,"pb":"%s"}' % (art_type_id,
                                                                                  b64(deep_artifact(art_type_id, 120)))],
      'nested_ok.jsonl': [header, art_type,
                          '{"kind":"artifact","id":1,"type_id":%d,"pb":"%s"}' % (art_type_id,
                                                                                b64(deep_artifact(art_type_id, 3)))],
  }
  seeds.update(metric_seeds(demo))
  seeds.update(audit_seeds())
  os.makedirs(out, exist_ok=True)
  for name, lines in seeds.items():
    with open(os.path.join(out, name), 'w') as f:
      f.write('\n'.join(lines) + '\n')


def audit_record(seq, time_ms, actor, operation, ids, prev, req='ab' * 32, hash_=None):
  """An mlmd.governance.AuditRecord (its hash computed unless given) and its hash."""
  import hashlib
  text = 'mlmd.audit.v1\n%d\n%d\n%s\n%s\n%s\n%s\n%s\n' % (seq, time_ms, actor, operation, ids, req, prev)
  h = hash_ if hash_ is not None else hashlib.sha256(text.encode()).hexdigest()
  pb = (field(1, 0, varint(seq & (2**64 - 1))) + field(2, 0, varint(time_ms & (2**64 - 1))) +
        field(3, 2, actor.encode()) + field(4, 2, operation.encode()) + field(5, 2, ids.encode()) +
        field(6, 2, req.encode()) + field(7, 2, prev.encode()) + field(8, 2, h.encode()))
  return pb, h


def audit_seeds():
  """Inputs with audit_record lines: a chain kept as an archive, and hostile ones (bad base64,
  bad protobuf, seqs that disagree, go backwards or reach INT64_MAX, NUL bytes, no hash)."""
  header = '{"kind":"mlmd_export","version":1,"library":"0.1.0","schema_version":4}'
  def line(pb, seq=None):
    return ('{"kind":"audit_record",%s"pb":"%s"}' % ('' if seq is None else '"seq":%d,' % seq, b64(pb)))
  chain, prev = [], '0' * 64
  for i in range(1, 4):
    pb, prev = audit_record(i, 1796292000000 + i, 'alice', 'PutArtifacts', 'artifact_ids=%d' % i, prev)
    chain.append(line(pb, i))
  top, _ = audit_record(2**63 - 1, -2**63, 'a', 'X', '', '0' * 64)
  nul, _ = audit_record(1, 1, 'a\x00b', 'X', '', '0' * 64)
  nohash = audit_record(1, 1, 'a', 'X', '', '0' * 64)[0][:-(2 + 64)]
  return {
      'audit_chain.jsonl': [header] + chain,
      'audit_seq_differs.jsonl': [header, chain[0].replace('"seq":1', '"seq":2')],
      'audit_backwards.jsonl': [header, chain[1], chain[0]],
      'audit_gap.jsonl': [header, chain[0], chain[2]],
      'audit_bad_base64.jsonl': [header, '{"kind":"audit_record","seq":1,"pb":"!!!=AAA"}'],
      'audit_bad_pb.jsonl': [header, line(b'\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff'),
                             line(b'\x1a\xff\xff\xff\xff\x0fab'), line(b'\x0b\x0c')],
      'audit_no_pb.jsonl': [header, '{"kind":"audit_record","seq":1}'],
      'audit_int64.jsonl': [header, line(top, 2**63 - 1), '{"kind":"audit_record","seq":-9223372036854775808,"pb":""}'],
      'audit_nul_and_no_hash.jsonl': [header, line(nul, 1), line(nohash, 1)],
      'audit_old_store.jsonl': [header.replace('"schema_version":4', '"schema_version":3')] + chain[:1],
  }


if __name__ == '__main__':
  if sys.argv[1] == '--audit-only':  # python3 make_import_corpus.py --audit-only OUT
    for name, lines in audit_seeds().items():
      with open(os.path.join(sys.argv[2], name), 'w') as f:
        f.write('\n'.join(lines) + '\n')
  elif sys.argv[1] == '--metric-only':  # python3 make_import_corpus.py --metric-only demo.jsonl OUT
    for name, lines in metric_seeds([l for l in open(sys.argv[2]).read().splitlines() if l]).items():
      with open(os.path.join(sys.argv[3], name), 'w') as f:
        f.write('\n'.join(lines) + '\n')
  else:
    main(*sys.argv[1:4])

#!/usr/bin/env python3
"""Writes the seed corpus of the OpenLineage import fuzz target
(tests/fuzz/fuzz_openlineage.c) to tests/fuzz/corpus/openlineage/: small
valid RunEvents, JobEvents and DatasetEvents, arrays, NDJSON, and the
malformations the import must refuse cleanly. Run it from the repository
root; it rewrites only the files it names (crash inputs kept there stay)."""
import json
import os

OUT = "tests/fuzz/corpus/openlineage"
P = "https://example.com/producer"
RS = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
JS = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
DS = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent"
R1 = "0190329f-0000-7000-8000-000000000001"
R2 = "0190329f-0000-7000-8000-000000000002"


def run(et="START", t="2024-06-01T00:00:00Z", rid=R1, ns="n", name="j", inputs=(), outputs=(), facets=None,
        jfacets=None):
    e = {"eventType": et, "eventTime": t, "producer": P, "schemaURL": RS,
         "run": {"runId": rid}, "job": {"namespace": ns, "name": name}}
    if facets is not None:
        e["run"]["facets"] = facets
    if jfacets is not None:
        e["job"]["facets"] = jfacets
    if inputs:
        e["inputs"] = [{"namespace": a, "name": b} for a, b in inputs]
    if outputs:
        e["outputs"] = [{"namespace": a, "name": b} for a, b in outputs]
    return e


def line(*events):
    return "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)


parent = {"parent": {"_producer": P, "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json",
                     "run": {"runId": R2}, "job": {"namespace": "n", "name": "dag"}}}
schema_facet = {"schema": {"_producer": P, "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                           "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]}}
seeds = {
    "run_start.ndjson": line(run()),
    "run_start_complete.ndjson": line(run(inputs=[("s3://b", "in")]),
                                      run("COMPLETE", "2024-06-01T00:01:00Z", outputs=[("s3://b", "out")])),
    "run_fail.ndjson": line(run(), run("FAIL", "2024-06-01T00:01:00.5+02:00")),
    "run_abort.ndjson": line(run("ABORT")),
    "run_running_other.ndjson": line(run("RUNNING"), run("OTHER")),
    "run_parent.ndjson": line(run(facets=parent, inputs=[("postgres://h:5432", "db.s.t")])),
    "run_noeventtype.ndjson": line({k: v for k, v in run().items() if k != "eventType"}),
    "array.json": json.dumps([run(), run("COMPLETE", "2024-06-01T00:02:00Z", outputs=[("file", "/tmp/x")])], indent=1),
    "array_empty.json": "[]",
    "job_event.ndjson": line({"eventTime": "2024-06-01T00:00:00Z", "producer": P, "schemaURL": JS,
                              "job": {"namespace": "n", "name": "j", "facets": {"sql": {"_producer": P, "_schemaURL": P, "query": "select 1"}}},
                              "inputs": [{"namespace": "s3://b", "name": "k"}]}),
    "dataset_event.ndjson": line({"eventTime": "2024-06-01T00:00:00Z", "producer": P, "schemaURL": DS,
                                  "dataset": {"namespace": "s3://b", "name": "k", "facets": schema_facet}}),
    "same_run_two_jobs.ndjson": line(run(name="a"), run(name="b")),
    "in_and_out.ndjson": line(run(inputs=[("s3://b", "k")], outputs=[("s3://b", "k")])),
    "upper_runid.ndjson": line(run(rid=R1.upper()), run("COMPLETE", rid=R1)),
    "brace_runid.ndjson": line(run(rid="{" + R1 + "}")),
    "bad_runid.ndjson": line(run(rid="not-a-uuid")),
    "times.ndjson": line(run(t="0000-01-01T00:00:00Z"), run(t="9999-12-31T23:59:59.999999Z", rid=R2),
                         run(t="2016-12-31T23:59:60Z"), run(t="2024-06-01T00:00:00+05:30"),
                         run(t="2024-06-01T00:00:00"), run(t="2024-06-01"), run(t=""), run(t="2024-13-40T25:61:61Z")),
    "dup_keys.ndjson": '{"eventType":"START","eventType":"COMPLETE","eventTime":"2024-06-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"%s"},"job":{"namespace":"n","name":"j","name":"k"}}\n' % R1,
    "nul.ndjson": line(run(name="a\u0000b", inputs=[("s3://b\u0000", "k")])),
    "surrogate.ndjson": '{"eventType":"START","eventTime":"2024-06-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"%s"},"job":{"namespace":"n","name":"\\ud800x\\udc00\\ud83d\\ude00"}}\n' % R1,
    "bignum.ndjson": '{"eventType":"START","eventTime":"2024-06-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"%s","facets":{"x":{"_producer":"p","_schemaURL":"s","n":1e999,"m":-1e999,"k":123456789012345678901234567890,"z":-0,"f":1.5e-400}}},"job":{"namespace":"n","name":"j"}}\n' % R1,
    "deep.ndjson": '{"eventType":"START","eventTime":"2024-06-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"%s","facets":{"x":%s1%s}},"job":{"namespace":"n","name":"j"}}\n' % (R1, "[" * 300, "]" * 300),
    "crlf.ndjson": line(run(), run("COMPLETE", rid=R1)).replace("\n", "\r\n"),
    "bom.ndjson": "\ufeff" + line(run()),
    "empty.ndjson": "",
    "blank_lines.ndjson": "\n\n  \n\t\n",
    "array_trailing.json": json.dumps([run()]) + " garbage",
    "array_then_object.json": json.dumps([run()]) + "\n" + json.dumps(run(rid=R2)),
    "not_object.ndjson": "1\n\"s\"\nnull\ntrue\n[]\n",
    "truncated.ndjson": line(run())[:-20],
    "missing_fields.ndjson": '{"eventType":"START"}\n{"run":{"runId":"%s"}}\n{"job":{"namespace":"n","name":"j"},"run":{}}\n{}\n' % R1,
    "wrong_types.ndjson": '{"eventType":1,"eventTime":2,"producer":3,"schemaURL":4,"run":{"runId":5},"job":{"namespace":[],"name":{}},"inputs":{},"outputs":"x"}\n',
    "ds_wrong.ndjson": line(run(inputs=[("", ""), ("s3://b", "")])) + '{"eventType":"START","eventTime":"2024-06-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"%s"},"job":{"namespace":"n","name":"j"},"inputs":[1,null,{"namespace":"a"}]}\n' % R2,
    "uris.ndjson": line(run(inputs=[("s3://b", "a b"), ("file", "/x y"), ("://", "x"), ("postgres://h:p", ""),
                                    ("gs://", "k"), ("hdfs://nn:8020", "/p"), ("bigquery", "p.d.t")])),
    "invalid_utf8.ndjson": None,  # written as bytes below
    "mlmd_facet.ndjson": line(run(facets={"mlmd": {"_producer": P, "_schemaURL": P, "state": "CACHED", "properties": {"a": 1}}})),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in seeds.items():
        if text is None:
            continue
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    with open(os.path.join(OUT, "invalid_utf8.ndjson"), "wb") as f:
        text = json.dumps(run(name="a\u00e9b"), ensure_ascii=False) + "\n"
        f.write(text.encode().replace(b"a\xc3\xa9b", b"a\xff\xc3(b\xed\xa0\x80"))
    for src in ("airflow.ndjson", "spark.ndjson", "dbt.json"):
        with open(os.path.join("tests/data/openlineage", src), "rb") as f:
            data = f.read()
        with open(os.path.join(OUT, "real_" + src), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

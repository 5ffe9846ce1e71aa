"""mlmd.testing: unit-testing ML pipelines (docs/testing.md).

Lineage fixtures from a compact notation (build), lineage assertions that
raise AssertionError showing expected against found (assert_upstream,
assert_downstream, assert_no_path, assert_produced_by, assert_graph_equals),
snapshots of a graph as stable text for golden files, and a pytest plugin
(fixtures mlmd_store, mlmd_store_path, mlmd_graph), registered through the
package's pytest11 entry point or with `-p mlmd.testing`.

(Contract placeholder: the owner writes it.)
"""

"""MLMD's built-in types, as in Google's ml_metadata.simple_types.

The package holds the `SimpleTypes` message
(`ml_metadata.simple_types.proto.simple_types_pb2`); the types themselves are
the `mlmd.*` names of `ml_metadata.metadata_store.mlmd_types`.
"""

"""The generated simple_types_pb2 module (from proto/simple_types.proto)."""

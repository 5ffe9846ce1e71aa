#!/bin/sh
# Generates the Python protobuf modules of the ml_metadata and mlmd packages
# from the project's .proto files: $1 is the build dir, $2 the packages'
# parent dir. MLMD's protos are used as they are (package ml_metadata, MLMD's
# names), so the generated modules are the ones MLMD's own package would hold:
# ml_metadata/proto/metadata_store_pb2.py (with the system_type_extension
# option the C generator strips), metadata_store_service_pb2.py and
# ml_metadata/simple_types/proto/simple_types_pb2.py, each under MLMD's .proto
# file name; the tracking and governance contracts become
# mlmd/proto/mlmd_tracking_pb2.py and mlmd_governance_pb2.py, which import
# ml_metadata.proto.metadata_store_pb2.
# The gRPC stubs (metadata_store_service_pb2_grpc.py, for MetadataStore over
# `mlmd serve`) come from protoc's gRPC Python plugin (Debian:
# protobuf-compiler-grpc); the modules they make need python3-grpcio only when
# a client config is used.
set -eu
out=$1
dst=$2
src=$out/proto-py
mkdir -p "$src/ml_metadata/proto" "$src/ml_metadata/simple_types/proto" "$src/mlmd/proto" \
	"$dst/ml_metadata/proto" "$dst/ml_metadata/simple_types/proto" "$dst/mlmd/proto"
cp proto/metadata_store.proto proto/metadata_store_service.proto "$src/ml_metadata/proto/"
cp proto/simple_types.proto "$src/ml_metadata/simple_types/proto/"
cp proto/mlmd_tracking.proto proto/mlmd_governance.proto proto/mlmd_testing.proto "$src/mlmd/proto/"
protoc -I"$src" -I/usr/include --python_out="$dst" \
	"$src/ml_metadata/proto/metadata_store.proto" "$src/ml_metadata/proto/metadata_store_service.proto" \
	"$src/ml_metadata/simple_types/proto/simple_types.proto" \
	"$src/mlmd/proto/mlmd_tracking.proto" "$src/mlmd/proto/mlmd_governance.proto" \
	"$src/mlmd/proto/mlmd_testing.proto"
plugin=$(command -v grpc_python_plugin || true)
if [ -z "$plugin" ]; then
	echo "gen-proto-py: grpc_python_plugin not found (Debian package protobuf-compiler-grpc)" >&2
	exit 1
fi
protoc -I"$src" -I/usr/include --plugin=protoc-gen-grpc_python="$plugin" --grpc_python_out="$dst" \
	"$src/ml_metadata/proto/metadata_store_service.proto"

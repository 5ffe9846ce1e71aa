#!/bin/sh
# Generates the Python protobuf modules of the ml_metadata package from the
# project's .proto files: $1 is the build dir, $2 the package's parent dir.
# The protos are used as they are (package ml_metadata, MLMD's names), so the
# generated modules are the ones MLMD's own package would hold.
set -eu
out=$1
dst=$2
src=$out/proto-py
mkdir -p "$src/ml_metadata/proto" "$dst/ml_metadata/proto"
cp proto/metadata_store.proto proto/metadata_store_service.proto "$src/ml_metadata/proto/"
protoc -I"$src" -I/usr/include --python_out="$dst" \
	"$src/ml_metadata/proto/metadata_store.proto" "$src/ml_metadata/proto/metadata_store_service.proto"

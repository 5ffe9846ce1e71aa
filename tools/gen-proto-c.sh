#!/bin/sh
# Generates the protobuf-c sources for the library into $1 (the build dir).
# The project's .proto files stay plain MLMD-compatible protos; for C we add
# protobuf-c's c_package option so generated names start with mlmd__pb__
# (and the shared library exports only mlmd_ symbols), and drop the
# descriptor.proto extension, which C does not use (wire format unaffected).
set -eu
out=$1
src=$out/proto-src
mkdir -p "$src/ml_metadata/proto" "$src/google/protobuf" "$out/gen"
prep() { # source destination c_package
	sed -e '/mlmd-c: strip/d' -e "s/ \[(system_type_extension)[^]]*\]//" "$1" |
	awk -v pkg="$3" '{ print } /^package / { print "import \"protobuf-c/protobuf-c.proto\";"; print "option (pb_c_file).c_package = \"" pkg "\";" }' > "$2"
}
prep proto/metadata_store.proto "$src/ml_metadata/proto/metadata_store.proto" mlmd.pb
prep proto/metadata_store_service.proto "$src/ml_metadata/proto/metadata_store_service.proto" mlmd.pb
prep proto/onnx_min.proto "$src/onnx_min.proto" mlmd.onnx
for f in any struct field_mask; do
	prep /usr/include/google/protobuf/$f.proto "$src/google/protobuf/$f.proto" mlmd.pb.wkt
done
protoc-c -I"$src" -I/usr/include --c_out="$out/gen" \
	"$src/google/protobuf/any.proto" "$src/google/protobuf/struct.proto" \
	"$src/google/protobuf/field_mask.proto" \
	"$src/ml_metadata/proto/metadata_store.proto" "$src/ml_metadata/proto/metadata_store_service.proto" \
	"$src/onnx_min.proto"

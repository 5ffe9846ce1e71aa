#!/bin/sh
# Installs the Debian packages mlmd needs to build and test, when missing.
# As root (or with sudo) it runs apt-get; otherwise it prints the command.
set -eu
PKGS="gcc make pkg-config libsqlite3-dev libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev libcmocka-dev libpq-dev
	protobuf-compiler python3 python3-protobuf python3-pytest python3-pip python3-setuptools g++ python3-dev
	libssl-dev libexpat1-dev graphviz locales clang libclang-rt-14-dev libonnx-testdata python3-onnx python3-numpy python3-sklearn python3-scipy python3-xgboost libxgboost-dev
	libcurl4-openssl-dev python3-jsonschema chromium
	libgrpc-dev protobuf-compiler-grpc python3-grpcio openssl sqlite3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	echo "deps: installing$missing (sudo)"
	sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $cmd
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root:  apt-get update && $cmd" >&2
	exit 1
fi

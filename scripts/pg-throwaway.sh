#!/bin/sh
# A throwaway PostgreSQL cluster for tests and benchmarks, on 127.0.0.1 and
# a free port, in a fresh directory: never a cluster Debian may have started.
#   scripts/pg-throwaway.sh start   prints MLMD_TEST_POSTGRES=postgresql://... and the
#                                 directory (for stop) on two lines
#   scripts/pg-throwaway.sh stop DIR
#   scripts/pg-throwaway.sh crash DIR    stops the server at once (as a crash would)
#   scripts/pg-throwaway.sh resume DIR   starts it again on the same port
# Run as root it runs the server as the `postgres` user; otherwise as you.
set -eu
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bindir" ] || { echo "pg-throwaway: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() {
	if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/mlmd-pg.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	as_pg "$bindir/initdb -D '$dir/data' -U postgres -A trust --no-sync -E UTF8 >'$dir/initdb.log' 2>&1" ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# settings in the cluster's own file, so `resume` starts it the same way
	printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 64\n" \
		"$port" "$dir" >>"$dir/data/postgresql.conf"
	as_pg "$bindir/pg_ctl -D '$dir/data' -l '$dir/server.log' -w start >/dev/null" ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "MLMD_TEST_POSTGRES=postgresql://postgres@127.0.0.1:$port"
	echo "$dir"
	;;
crash)
	as_pg "$bindir/pg_ctl -D '$2/data' -m immediate stop >/dev/null"
	;;
resume)
	as_pg "$bindir/pg_ctl -D '$2/data' -l '$2/server.log' -w start >/dev/null"
	;;
stop)
	dir=$2
	as_pg "$bindir/pg_ctl -D '$dir/data' -m immediate stop >/dev/null 2>&1" || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start | stop DIR | crash DIR | resume DIR" >&2
	exit 2
	;;
esac

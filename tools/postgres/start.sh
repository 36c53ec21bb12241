#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for tests and prints its
# DSN (use it as SLUICE_TEST_POSTGRES). Idempotent: a running cluster is
# reused. Stop it with tools/postgres/stop.sh.
#   SLUICE_PG_DIR   data directory (default /tmp/sluice-postgres)
#   SLUICE_PG_PORT  port (default 55432)
set -euo pipefail
DIR=${SLUICE_PG_DIR:-/tmp/sluice-postgres}
PORT=${SLUICE_PG_PORT:-55432}

if ! command -v pg_config >/dev/null 2>&1 || [ ! -x "$(pg_config --bindir)/initdb" ]; then
	echo "installing postgresql" >&2
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi
BIN=$(pg_config --bindir)
if [ ! -x "$BIN/initdb" ]; then
	# Debian keeps the server binaries apart from pg_config's bindir.
	BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ ! -f "$DIR/PG_VERSION" ]; then
	mkdir -p "$DIR"
	[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
	chmod 700 "$DIR"
	as_pg "$BIN/initdb" -D "$DIR" -A trust -U postgres --no-sync >&2
fi
if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
	as_pg "$BIN/pg_ctl" -D "$DIR" -w -l "$DIR/server.log" \
		-o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >&2
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"

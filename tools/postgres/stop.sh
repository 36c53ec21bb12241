#!/usr/bin/env bash
# Stops the cluster started by tools/postgres/start.sh (and with --purge
# removes its data directory).
set -euo pipefail
DIR=${SLUICE_PG_DIR:-/tmp/sluice-postgres}
BIN=$(pg_config --bindir)
[ -x "$BIN/pg_ctl" ] || BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -f "$DIR/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
	as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >&2
fi
if [ "${1:-}" = "--purge" ]; then rm -rf "$DIR"; fi

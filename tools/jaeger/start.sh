#!/usr/bin/env bash
# Builds Jaeger v2 from this tools module, starts it in the background with
# config.yaml (every listener on 127.0.0.1, in-memory storage), waits until
# it is healthy and prints its pid on stdout. Stop it with kill PID.
#
#   pid=$(tools/jaeger/start.sh)
#   export SLUICE_JAEGER_QUERY=http://127.0.0.1:16686 SLUICE_JAEGER_OTLP=127.0.0.1:14317
#   export SLUICE_JAEGER_OTLP_HTTP=127.0.0.1:14318
#
# Environment: JAEGER_BIN (binary path, default $TMPDIR/sluice-jaeger),
# JAEGER_LOG (log file, default $TMPDIR/sluice-jaeger.log),
# JAEGER_WAIT (seconds to wait for health, default 60), and the port
# variables of config.yaml (JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT,
# JAEGER_QUERY_PORT, JAEGER_QUERY_GRPC_PORT, JAEGER_HEALTH_PORT,
# JAEGER_HEALTH_GRPC_PORT). The first build takes minutes; later ones hit
# the build cache.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="${TMPDIR:-/tmp}"
bin="${JAEGER_BIN:-$tmp/sluice-jaeger}"
log="${JAEGER_LOG:-$tmp/sluice-jaeger.log}"
wait_s="${JAEGER_WAIT:-60}"
health="http://127.0.0.1:${JAEGER_HEALTH_PORT:-13133}/status"
query="http://127.0.0.1:${JAEGER_QUERY_PORT:-16686}/api/v3/services"

# A listener already on the query port means another Jaeger (or something
# else) would answer the tests: refuse rather than test against it.
if (exec 3<>"/dev/tcp/127.0.0.1/${JAEGER_QUERY_PORT:-16686}") 2>/dev/null; then
	echo "jaeger: 127.0.0.1:${JAEGER_QUERY_PORT:-16686} is already in use" >&2
	exit 1
fi

echo "jaeger: building $bin" >&2
(cd "$here" && go build -o "$bin" github.com/jaegertracing/jaeger/cmd/jaeger)

"$bin" --config "$here/config.yaml" >"$log" 2>&1 </dev/null &
pid=$!

ok() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null "$health" 2>/dev/null && curl -fsS -o /dev/null "$query" 2>/dev/null
	else
		(exec 3<>"/dev/tcp/127.0.0.1/${JAEGER_QUERY_PORT:-16686}") 2>/dev/null
	fi
}
deadline=$((SECONDS + wait_s))
until ok; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "jaeger: exited during start-up; log $log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "jaeger: not healthy after ${wait_s}s; log $log:" >&2
		tail -n 40 "$log" >&2
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.2
done
echo "jaeger: pid $pid healthy (log $log)" >&2
echo "$pid"

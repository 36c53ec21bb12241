#!/usr/bin/env bash
# Builds the in-memory S3-compatible server of this tools module
# (github.com/johannesboyne/gofakes3, from the Go module proxy), starts it
# in the background on 127.0.0.1 and prints, on stdout, its pid and its
# endpoint on one line. Stop it with kill PID.
#
#   read -r pid endpoint < <(tools/s3/start.sh)
#   export SLUICE_TEST_S3=$endpoint   # e.g. http://127.0.0.1:40123, bucket sluice-test
#
# Environment: S3_BIN (binary path, default $TMPDIR/sluice-s3), S3_LOG (log
# file, default $TMPDIR/sluice-s3.log), S3_ADDR (default 127.0.0.1:0, a
# free port), S3_BUCKETS (default sluice-test), S3_WAIT (seconds, default 30).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="${TMPDIR:-/tmp}"
bin="${S3_BIN:-$tmp/sluice-s3}"
log="${S3_LOG:-$tmp/sluice-s3.log}"
out="$(mktemp "$tmp/sluice-s3.XXXXXX")"
wait_s="${S3_WAIT:-30}"

echo "s3: building $bin" >&2
(cd "$here" && go build -o "$bin" .)

"$bin" -addr "${S3_ADDR:-127.0.0.1:0}" -buckets "${S3_BUCKETS:-sluice-test}" >"$out" 2>"$log" </dev/null &
pid=$!
deadline=$((SECONDS + wait_s))
until [ -s "$out" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "s3: exited during start-up; log $log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "s3: no endpoint after ${wait_s}s" >&2
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done
endpoint="$(head -n 1 "$out")"
rm -f "$out"
echo "$pid $endpoint"

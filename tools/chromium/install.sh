#!/usr/bin/env bash
# Installs Debian's chromium if it is missing and prints the binary's path.
# Tests read the path from SLUICE_CHROMIUM (else they look for chromium on
# PATH): export SLUICE_CHROMIUM="$(tools/chromium/install.sh)".
set -euo pipefail
bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$bin" ]; then
	SUDO=; if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium >&2 ||
		{ $SUDO apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium >&2; }
	bin="$(command -v chromium || command -v chromium-browser)"
fi
"$bin" --version >&2
echo "$bin"

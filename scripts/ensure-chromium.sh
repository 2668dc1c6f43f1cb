#!/usr/bin/env bash
# Installs Debian's chromium for the browser end-to-end tests (e2e/controlui_test.go),
# idempotently: when a chromium binary is already on PATH it prints its path and does
# nothing else. No browser is downloaded from anywhere but the Debian archive.
#
#   scripts/ensure-chromium.sh            # prints the chromium binary's path on stdout
set -euo pipefail

log() { echo "ensure-chromium: $*" >&2; }

find_chromium() {
	local c
	for c in chromium chromium-browser; do
		if command -v "$c" >/dev/null 2>&1; then
			command -v "$c"
			return 0
		fi
	done
	return 1
}

if bin=$(find_chromium); then
	echo "$bin"
	exit 0
fi
command -v apt-get >/dev/null || { log "chromium is not installed and apt-get is missing: install Debian's chromium package by hand"; exit 2; }
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
log "installing Debian's chromium (apt-get)"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
bin=$(find_chromium) || { log "chromium is still missing after apt-get install"; exit 2; }
echo "$bin"

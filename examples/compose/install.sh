#!/usr/bin/env bash
# Prepares and starts the Compose deployment with Docker or Podman, whichever
# is here. Idempotent: what exists is kept (tokens are never regenerated).
#
#   ./install.sh [--origin URL] [--no-start]
#
#   --origin URL   the browser origin of the Control UI (default http://127.0.0.1:8443)
#   --no-start     write the files, do not build or start anything
#
# Writes, all owner-only:
#   .env                    from .env.example: generated gateway password, DOCKER_GID (0600)
#   secrets/guard_tokens    the first client token, "operator SECRET" (0600)
#   secrets/audit_key       the HMAC key of every audit log (0600)
#   allowlist.txt           the egress allowlist, if missing: provider hosts for the keys in .env
#   openclaw.json           the hardened config, with the Control UI origin
# and then checks the result with `stackaudit audit` when bin/stackaudit is built.
set -euo pipefail
cd "$(dirname "$0")"

origin=http://127.0.0.1:8443
start=1
while [ $# -gt 0 ]; do
	case $1 in
	--origin) origin=${2:?--origin needs a URL}; shift 2 ;;
	--no-start) start=0; shift ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case $origin in http://* | https://*) ;; *) echo "install.sh: --origin must be an http(s) URL" >&2; exit 2 ;; esac

log() { echo "install.sh: $*" >&2; }
# 32 random bytes, base64url without padding: 256 bits.
secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# The engine and its Compose client.
compose=() engine=""
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
	engine=docker compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
	engine=docker compose=(docker-compose)
elif command -v podman >/dev/null 2>&1 && podman compose version >/dev/null 2>&1; then
	engine=podman compose=(podman compose)
elif command -v podman-compose >/dev/null 2>&1; then
	engine=podman compose=(podman-compose)
fi
if [ -z "$engine" ] && [ "$start" = 1 ]; then
	log "neither Docker (docker compose, docker-compose) nor Podman (podman compose, podman-compose) is installed"
	exit 2
fi

umask 077
mkdir -p secrets
chmod 700 secrets

if [ ! -f .env ]; then
	cp .env.example .env
	log "wrote .env from .env.example"
fi
chmod 600 .env
setenv() { # KEY VALUE: replace the line KEY=... in .env
	local tmp
	tmp=$(mktemp .env.XXXXXX)
	awk -v k="$1" -v v="$2" 'BEGIN{done=0} $0 ~ "^"k"=" {print k"="v; done=1; next} {print} END{if(!done) print k"="v}' .env >"$tmp"
	chmod 600 "$tmp"
	mv "$tmp" .env
}
getenv() { sed -n "s/^$1=//p" .env | tail -1; }

[ -n "$(getenv OPENCLAW_GATEWAY_PASSWORD)" ] || setenv OPENCLAW_GATEWAY_PASSWORD "$(secret)"
# The token OpenClaw presents to the provider guard as its apiKey: the
# provider key itself stays with the guard.
[ -n "$(getenv PROVIDER_GUARD_TOKEN)" ] || setenv PROVIDER_GUARD_TOKEN "$(secret)"

sock=""
for s in /var/run/docker.sock /run/podman/podman.sock "${XDG_RUNTIME_DIR:-/nonexistent}/podman/podman.sock"; do
	[ -S "$s" ] && { sock=$s; break; }
done
if [ -n "$sock" ]; then
	setenv DOCKER_GID "$(stat -c %g "$sock")"
fi

if [ ! -s secrets/guard_tokens ]; then
	tok=$(secret)
	{ echo "# NAME SECRET (or NAME sha256:HEX), one per line; the name is what the audit log shows"; echo "operator $tok"; } >secrets/guard_tokens
	log "client token for \"operator\" (keep it; it is also in secrets/guard_tokens): $tok"
fi
[ -s secrets/audit_key ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secrets/audit_key
chmod 600 secrets/guard_tokens secrets/audit_key

# The guard, provider guard, egress proxy and egress-dns run as uid 65532 and
# read these through Compose secrets (bind mounts keep owner and mode).
owner() {
	if [ "$(id -u)" = 0 ]; then
		chown 65532:65532 "$@"
	elif [ "$engine" = podman ]; then
		podman unshare chown 65532:65532 "$@"
	else
		log "run as root (or with rootless Podman) so that uid 65532 can read $*; or chown 65532 them yourself"
	fi
}
owner secrets/guard_tokens secrets/audit_key

if [ ! -f allowlist.txt ]; then
	{
		echo "# Names the stack may reach (egress-dns and the egress proxy read this file)."
		[ -n "$(getenv OPENAI_API_KEY)" ] && echo api.openai.com
		[ -n "$(getenv ANTHROPIC_API_KEY)" ] && echo api.anthropic.com
		echo "# The npm registry, for installs that go through the quarantine policy."
		echo registry.npmjs.org
	} >allowlist.txt
	chmod 644 allowlist.txt
	log "wrote allowlist.txt"
fi

# The Control UI origin is the one setting that depends on where you serve it.
tmp=$(mktemp openclaw.json.XXXXXX)
sed "s|controlUi: { allowedOrigins: \[[^]]*\] }|controlUi: { allowedOrigins: [\"$origin\"] }|" openclaw.json >"$tmp"
chmod 644 "$tmp"
mv "$tmp" openclaw.json

if [ -x ../../bin/stackaudit ]; then
	if ! ../../bin/stackaudit audit .; then
		log "stackaudit found problems (above); fix them before you start"
		exit 1
	fi
fi

if [ "$start" = 1 ]; then
	"${compose[@]}" up -d --build
	log "started with ${compose[*]}; the guard is at http://$(getenv GUARD_BIND):$(getenv GUARD_PORT)"
else
	log "files ready; start with: ${compose[*]:-docker compose} up -d --build"
fi

#!/usr/bin/env bash
# Builds the images, pushes them, pins them by digest, creates the Docker
# secrets that are missing and deploys the stack. Run on a Swarm manager.
#
#   REGISTRY=registry.example.com/openclaw ./deploy.sh [STACK]   (default stack name: openclaw)
#
# Secrets it creates when absent (never printed again, never in an environment):
#   guard_tokens    "operator SECRET", printed once for you to hand out
#   audit_key       the HMAC key of the audit logs
#   openai_api_key  read from $OPENAI_API_KEY, or empty (the provider is then unused)
set -euo pipefail
cd "$(dirname "$0")"
stack=${1:-openclaw}
: "${REGISTRY:?set REGISTRY to where the trusted node pulls from, e.g. registry.example.com/openclaw}"
log() { echo "deploy.sh: $*" >&2; }
secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

[ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || { log "run this on a Swarm manager"; exit 2; }
docker node ls --filter node.label=openclaw.trusted=true --format '{{.Hostname}}' | grep -q . ||
	{ log "no node is labelled: docker node update --label-add openclaw.trusted=true NODE"; exit 2; }

pin() { # target -> REGISTRY/target@sha256:...
	local ref="$REGISTRY/$1:build"
	docker build -q -f ../compose/Dockerfile --target "$1" -t "$ref" ../.. >/dev/null
	docker push -q "$ref" >/dev/null
	docker image inspect --format '{{index .RepoDigests 0}}' "$ref"
}
CADDY_IMAGE=$(pin caddy)
COREDNS_IMAGE=$(pin coredns)
OPENCLAW_IMAGE=$(pin openclaw)
DOCKER_GID=$(stat -c %g /var/run/docker.sock)
export CADDY_IMAGE COREDNS_IMAGE OPENCLAW_IMAGE DOCKER_GID

have() { docker secret inspect "$1" >/dev/null 2>&1; }
if ! have guard_tokens; then
	tok=$(secret)
	printf '# NAME SECRET, one per line\noperator %s\n' "$tok" | docker secret create guard_tokens - >/dev/null
	log "client token for \"operator\": $tok"
fi
have audit_key || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | docker secret create audit_key - >/dev/null
# One token, in the two shapes its readers want: the provider guard's token
# file ("NAME SECRET") and OpenClaw's single-value secret file.
if ! have provider_guard_tokens || ! have provider_guard_token; then
	docker secret rm provider_guard_tokens provider_guard_token >/dev/null 2>&1 || true
	pg=$(secret)
	printf '# NAME SECRET, one per line\nopenclaw %s\n' "$pg" | docker secret create provider_guard_tokens - >/dev/null
	printf '%s' "$pg" | docker secret create provider_guard_token - >/dev/null
fi
have openai_api_key || printf '%s' "${OPENAI_API_KEY:-}" | docker secret create openai_api_key - >/dev/null

if [ -x ../../bin/stackaudit ]; then
	../../bin/stackaudit audit --os-env . || { log "stackaudit found problems (above)"; exit 1; }
fi
docker stack deploy --prune -c docker-stack.yml "$stack"
log "deployed $stack; check it with: bin/stackaudit audit --live --os-env examples/swarm"

#!/usr/bin/env bash
# Installs the Debian tools the deployment examples' tests use, if missing:
#   nft (nftables)          the firewall ruleset, loaded in a network namespace
#   ip (iproute2)           network namespaces and veth pairs
#   docker-compose (v1)     `docker-compose config -q` without an engine
#   systemd-analyze         `systemd-analyze security --offline=true`
#   docker (docker.io)      the Docker CLI loads the Swarm stack as `docker stack deploy` does
# Idempotent: with everything present it does nothing. Needs root to install.
set -euo pipefail
need=()
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v docker >/dev/null || need+=(docker.io)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "ensure-deploy-tools: missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
	exit 2
fi
echo "ensure-deploy-tools: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

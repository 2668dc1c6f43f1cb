#!/usr/bin/env bash
# Host firewall for an OpenClaw Secure Stack node, with ufw. The same policy
# as nftables.conf: deny inbound; SSH from the admin address, rate-limited;
# the guard from its clients; 80/443 from a CDN only when asked; Swarm ports
# between nodes only.
#
#   ADMIN=198.51.100.7 [GUARD_CLIENTS="198.51.100.7 203.0.113.0/24"] \
#   [CDN_RANGES_FILE=cdn-ranges.txt] [SWARM_NODES="10.0.0.2 10.0.0.3"] ./ufw.sh
#
# CDN_RANGES_FILE holds one CIDR per line (the CDN's published list, e.g.
# https://www.cloudflare.com/ips-v4 saved to a file); without it 80/443 stay closed.
#
# Docker: ufw filters the INPUT chain, and ports Docker publishes are DNAT'ed
# and forwarded around it, so `ufw deny` does not close them. Publish the
# guard on 127.0.0.1 (the Compose example's default), or add the DOCKER-USER
# rules at the end of /etc/ufw/after.rules that this script prints.
set -euo pipefail
: "${ADMIN:?set ADMIN to the address SSH is allowed from}"
GUARD_CLIENTS=${GUARD_CLIENTS:-$ADMIN}
command -v ufw >/dev/null || { echo "ufw.sh: ufw is not installed (apt-get install ufw)" >&2; exit 2; }

ufw --force reset >/dev/null
ufw default deny incoming
ufw default allow outgoing
ufw default deny routed

# SSH: the admin address only; `limit` refuses a source after 6 connections in 30 s.
ufw limit proto tcp from "$ADMIN" to any port 22 comment 'ssh from the admin'

for c in $GUARD_CLIENTS; do
	ufw allow proto tcp from "$c" to any port 8443 comment 'openclaw guard'
	ufw allow proto tcp from "$c" to any port 443 comment 'openclaw guard (tls)'
done

if [ -n "${CDN_RANGES_FILE:-}" ]; then
	grep -Ev '^\s*(#|$)' "$CDN_RANGES_FILE" | while read -r r; do
		ufw allow proto tcp from "$r" to any port 80,443 comment 'cdn'
	done
fi

for n in ${SWARM_NODES:-}; do
	ufw allow proto tcp from "$n" to any port 2377,7946 comment 'swarm'
	ufw allow proto udp from "$n" to any port 7946,4789 comment 'swarm'
done

ufw --force enable
ufw status verbose

cat <<'RULES'

# For Docker-published ports, append to /etc/ufw/after.rules (then `ufw reload`),
# replacing ADMIN with the guard's clients:
*filter
:DOCKER-USER - [0:0]
-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A DOCKER-USER -i lo -j RETURN
-A DOCKER-USER -m conntrack --ctstate NEW -m conntrack --ctstate DNAT -s ADMIN -j RETURN
-A DOCKER-USER -m conntrack --ctstate NEW -m conntrack --ctstate DNAT -j DROP
COMMIT
RULES

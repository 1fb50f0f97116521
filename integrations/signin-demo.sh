#!/usr/bin/env bash
# Entra sign-in, offline: the repo's Entra emulator on 127.0.0.1 stands in for
# login.microsoftonline.com. Run by install.sh inside a throwaway keyring session.
# Tokens are never shown: only their length and the claims that say who they are for.
set -euo pipefail
bin_dir="$1"
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$bin_dir:$PATH"
work=$(mktemp -d)
python3 "$here/emulator/entra-emulator.py" --port-file "$work/port" 2>"$work/emulator.log" &
emulator=$!
trap 'kill $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
curl -sS --noproxy '*' -X POST "http://127.0.0.1:$port/_control/config" \
    -d '{"device_interval": 1, "device_auto_approve": true}' >/dev/null
step() { printf '\n$ %s\n' "$1"; }
describe() {  # the token's length and its audience and user, never the token
    python3 -c '
import sys, json, base64
t = sys.stdin.read().strip(); p = t.split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print("<a %d-character access token for %s, audience %s>" % (len(t), c["upn"], c["aud"]))'
}
unset DISPLAY WAYLAND_DISPLAY BROWSER CI GIT_TERMINAL_PROMPT  # the demo signs in; its last step shows the CI case
exec 2>&1  # people read both streams here, in order

echo "Entra sign-in against the local emulator (http://127.0.0.1:$port):"
step "entra-credential-helper profile add demo --tenant organizations --client-id … --scope api://demo/.default --authority-host http://127.0.0.1:$port"
entra-credential-helper profile add demo --tenant organizations --client-id 2f0e1d4c-3b6a-4978-8a9b-0c1d2e3f4a5b \
    --scope api://demo/.default --authority-host "http://127.0.0.1:$port" --host git.demo.example
step "entra-credential-helper login      (no display here, so the device code; the emulator approves it)"
entra-credential-helper login
step "entra-credential-helper get-token  (cached: no request reaches the emulator)"
entra-credential-helper get-token | describe
step "entra-credential-helper get-token --scope api://other/.default  (the same refresh token, no new sign-in)"
entra-credential-helper get-token --scope api://other/.default | describe
step "entra-credential-helper status"
entra-credential-helper status
step "entra-credential-helper logout"
entra-credential-helper logout
step "CI=true entra-credential-helper get-token   (cannot prompt: fails at once, naming the fix)"
CI=true setsid -w entra-credential-helper get-token || true

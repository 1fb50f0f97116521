#!/usr/bin/env bash
# The token benchmarks, run inside a throwaway keyring by benchmarks/run.sh:
#   benchmarks/tokens.sh OURS GIT_PEER RUNS [ROUNDS]
# Starts the Entra emulator over HTTPS (a self-signed certificate made here: MSAL accepts
# https authorities only, so both clients use the same TLS emulator), signs our helper and
# MSAL Python in once with the device code flow, stores one item with git-credential-libsecret,
# then prints three Markdown tables: cached hit (bench.py), silent refresh and 32 parallel
# gets (tokens.py). Nothing leaves 127.0.0.1.
set -euo pipefail
ours="$1" git_peer="$2" runs="$3" rounds="${4:-7}"
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import msal' 2>/dev/null; then
    echo "tokens.sh: MSAL Python is missing (Debian: apt-get install python3-msal)" >&2
    exit 1
fi
# shellcheck source=benchmarks/signed-in.sh
. "$here/signed-in.sh"
/usr/bin/python3 "$here/msal_refresh.py" setup "$base/organizations" "$client_id" "$scope" \
    "$work/msal-cache.json" >/dev/null
printf 'protocol=https\nhost=bench.example.com\nusername=bench\npassword=bench-secret\n' | "$git_peer" store >/dev/null
printf 'protocol=https\nhost=bench.example.com\n' > "$work/git"

# Before anything is timed: our cached get prints a JWT without asking the emulator, and
# the peer prints the stored password.
control reset-counters '{}' >/dev/null
"$ours" get-token --profile bench > "$work/token"
python3 - "$work/token" "$(control counters)" <<'PY'
import base64, json, sys
parts = open(sys.argv[1]).read().strip().split(".")
assert len(parts) == 3, "get-token did not print a JWT"
claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
assert claims["aud"] == "api://bench", "get-token printed a token for another audience"
assert json.loads(sys.argv[2])["token"] == 0, "the cached get-token asked the emulator"
PY
"$git_peer" get < "$work/git" | grep -qx 'password=bench-secret' \
    || { echo "tokens.sh: git-credential-libsecret did not return the stored password" >&2; exit 1; }

control reset-counters '{}' >/dev/null
cached_front_ends tokens.sh

echo "**Cached access token** (\`get-token\` answering from the kernel keyring vs \`git-credential-libsecret get\` on a stored item). Bar: wall ≤ 0.5x the peer's."
echo
python3 "$here/bench.py" --runs "$runs" \
    --case "get-token, cached" "$ours get-token --profile bench" "$git_peer get" "$work/git"
echo
echo "**Front ends, cached** (issue 4): git \`get\` for a routed host (the cached Entra token), docker \`get\` for a routed registry (the cached ACR token) and the kubectl exec plugin (cluster routed by its server), each vs \`git-credential-libsecret get\` on a stored item. Bar: wall ≤ 0.5x the peer's."
echo
python3 "$here/bench.py" --runs "$runs" \
    --case "git get, routed, cached" "$work/git-credential-entra get" "$git_peer get" "$work/git-routed,$work/git" \
    --case "docker get, ACR token cached" "$work/docker-credential-entra get" "$git_peer get" "$work/registry,$work/git" \
    --case "kubectl exec plugin, cached" "KUBERNETES_EXEC_INFO='$exec_info' $ours kubectl" "$git_peer get" "$work/git"
exchanges=$(grep -c 'POST /oauth2/exchange 200' "$work/registry.log" || true)
[ "$exchanges" = 1 ] || { grep -v "GET /v2" "$work/registry.log" >&2; echo "tokens.sh: expected 1 ACR exchange over all runs, the registry saw $exchanges" >&2; exit 1; }
echo
echo "Over all the docker runs the registry saw $exchanges token exchange (the one before timing)."
echo
python3 "$here/tokens.py" --ours "$ours" --port "$port" --ca "$work/cert.pem" --client-id "$client_id" \
    --scope "$scope" --msal-cache "$work/msal-cache.json" --runs "$runs" --rounds "$rounds"

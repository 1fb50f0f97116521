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
client_id=6a3c1d7e-0b4f-4f43-9d2e-2b1f0e5c8a11
scope=api://bench/.default

if ! /usr/bin/python3 -c 'import msal' 2>/dev/null; then
    echo "tokens.sh: MSAL Python is missing (Debian: apt-get install python3-msal)" >&2
    exit 1
fi

work=$(mktemp -d)
emulator=""
cleanup() {
    # Our access tokens sit in the kernel's per-user keyring, which outlives this session.
    [ -s "$work/config.json" ] && "$ours" logout --profile bench >/dev/null 2>&1 || true
    if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
# Loopback only: no proxy in the way of either client.
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
python3 "$here/../emulator/entra-emulator.py" --port 0 --port-file "$work/port" \
    --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" 2>"$work/emulator.log" &
emulator=$!
for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    kill -0 "$emulator" 2>/dev/null || { cat "$work/emulator.log" >&2; echo "tokens.sh: the emulator did not start" >&2; exit 1; }
    sleep 0.05
done
[ -s "$work/port" ] || { echo "tokens.sh: the emulator wrote no port" >&2; exit 1; }
port=$(cat "$work/port")
base="https://127.0.0.1:$port"
# Both clients trust the system CAs plus the emulator's certificate, as they would behind a
# TLS-inspecting proxy: ours adds SSL_CERT_FILE to the system bundle itself; requests (MSAL)
# reads REQUESTS_CA_BUNDLE instead of its own, so it gets the same set.
cat /etc/ssl/certs/ca-certificates.crt "$work/cert.pem" > "$work/ca-bundle.pem"
export SSL_CERT_FILE="$work/cert.pem" REQUESTS_CA_BUNDLE="$work/ca-bundle.pem"
export ENTRA_CREDENTIAL_HELPER_CONFIG="$work/config.json"
control() {  # control NAME [JSON]: GET without JSON, POST with it
    if [ $# -gt 1 ]; then
        curl -sSf --cacert "$work/cert.pem" -H 'Content-Type: application/json' -d "$2" "$base/_control/$1"
    else
        curl -sSf --cacert "$work/cert.pem" "$base/_control/$1"
    fi
}

# One sign-in each, by device code, which the emulator approves by itself.
control config '{"device_interval": 1, "device_auto_approve": true}' >/dev/null
"$ours" profile add bench --tenant organizations --client-id "$client_id" --scope "$scope" \
    --authority-host "$base" --host git.bench.example --host kube.bench.example >/dev/null 2>&1
"$ours" get-token --profile bench --flow device-code >/dev/null 2>"$work/sign-in.log" \
    || { cat "$work/sign-in.log" >&2; exit 1; }
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

# The front ends' cached paths (issue 4): a registry that exchanges Entra tokens for ACR
# tokens (the demo's), a second profile on the same sign-in for it, and one exchange now.
python3 "$here/../integrations/demo/servers/registry.py" --emulator "$base" --port-file "$work/registry-port" \
    2>"$work/registry.log" &
registry=$!
trap 'kill $registry 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$work/registry-port" ] && break; sleep 0.05; done
registry_host="127.0.0.1:$(cat "$work/registry-port")"
"$ours" profile add bench-acr --tenant organizations --client-id "$client_id" --authority-host "$base" \
    --scope https://containerregistry.azure.net/.default --kind acr --host "$registry_host" >/dev/null 2>&1
ln -s "$ours" "$work/docker-credential-entra"
ln -s "$ours" "$work/git-credential-entra"
printf 'protocol=https\nhost=git.bench.example\n' > "$work/git-routed"
printf '%s\n' "$registry_host" > "$work/registry"
exec_info='{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,"cluster":{"server":"https://kube.bench.example"}}}'
"$work/docker-credential-entra" get < "$work/registry" > "$work/docker-answer"
control reset-counters '{}' >/dev/null
"$work/git-credential-entra" get < "$work/git-routed" | grep -q '^password=ey' \
    || { echo "tokens.sh: our git get gave no token for a routed host" >&2; exit 1; }
KUBERNETES_EXEC_INFO="$exec_info" "$ours" kubectl | grep -q '"token":"ey' \
    || { echo "tokens.sh: our kubectl answer has no token" >&2; exit 1; }
"$work/docker-credential-entra" get < "$work/registry" | cmp -s - "$work/docker-answer" \
    || { echo "tokens.sh: our docker get did not answer the cached ACR token" >&2; exit 1; }
[ "$(control counters | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" = 0 ] \
    || { echo "tokens.sh: a cached front-end answer asked the emulator" >&2; exit 1; }

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

# Sourced by tokens.sh and config.sh (with $ours and $here set; set -euo pipefail on): a
# work directory removed on exit, the Entra emulator over HTTPS with a self-signed
# certificate (MSAL accepts https authorities only), the profile `bench` (routes
# git.bench.example and kube.bench.example) signed in once by device code, and the demo's
# registry with the ACR profile `bench-acr` holding one exchanged ACR token. Leaves:
# $work (config.json, cert.pem, git-routed, registry, git-credential-entra and
# docker-credential-entra links), $base, $port, $registry_host, $exec_info and control().
# Nothing leaves 127.0.0.1.
client_id=6a3c1d7e-0b4f-4f43-9d2e-2b1f0e5c8a11
scope=api://bench/.default

work=$(mktemp -d)
emulator=""
registry=""
cleanup() {
    # Our access tokens sit in the kernel's per-user keyring, which outlives this session.
    [ -s "$work/config.json" ] && "$ours" logout --profile bench >/dev/null 2>&1 || true
    for pid in $registry $emulator; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
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
    kill -0 "$emulator" 2>/dev/null || { cat "$work/emulator.log" >&2; echo "benchmarks: the emulator did not start" >&2; exit 1; }
    sleep 0.05
done
[ -s "$work/port" ] || { echo "benchmarks: the emulator wrote no port" >&2; exit 1; }
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

# One sign-in, by device code, which the emulator approves by itself.
control config '{"device_interval": 1, "device_auto_approve": true}' >/dev/null
"$ours" profile add bench --tenant organizations --client-id "$client_id" --scope "$scope" \
    --authority-host "$base" --host git.bench.example --host kube.bench.example >/dev/null 2>&1
"$ours" get-token --profile bench --flow device-code >/dev/null 2>"$work/sign-in.log" \
    || { cat "$work/sign-in.log" >&2; exit 1; }

# The front ends' cached paths (issue 4): a registry that exchanges Entra tokens for ACR
# tokens (the demo's), a second profile on the same sign-in for it, and one exchange now.
python3 "$here/../integrations/demo/servers/registry.py" --emulator "$base" --port-file "$work/registry-port" \
    2>"$work/registry.log" &
registry=$!
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

# cached_front_ends WHO: git (routed host), kubectl and docker each answer from the caches,
# without a token request to the emulator since the last reset-counters.
cached_front_ends() {
    "$work/git-credential-entra" get < "$work/git-routed" | grep -q '^password=ey' \
        || { echo "$1: our git get gave no token for a routed host" >&2; exit 1; }
    KUBERNETES_EXEC_INFO="$exec_info" "$ours" kubectl | grep -q '"token":"ey' \
        || { echo "$1: our kubectl answer has no token" >&2; exit 1; }
    "$work/docker-credential-entra" get < "$work/registry" | cmp -s - "$work/docker-answer" \
        || { echo "$1: our docker get did not answer the cached ACR token" >&2; exit 1; }
    [ "$(control counters | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" = 0 ] \
        || { echo "$1: a cached front-end answer asked the emulator" >&2; exit 1; }
}

#!/usr/bin/env bash
# Self-test of the offline demo's servers (README.md beside this file): starts the Entra emulator,
# git-server.py, registry.py and kube-api.py on free 127.0.0.1 ports, gets tokens from the emulator
# with curl, and drives real git, docker (CLI only, no daemon) and kubectl against them.
# Exits non-zero at the first failure (with the servers' logs); always stops what it started and
# removes its temporary directory. Tokens stay in files of that 0700 directory and are never shown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
step_timeout=${SELFTEST_TIMEOUT:-60}  # seconds for any one client command

for tool in python3 git curl openssl docker kubectl timeout; do
    command -v "$tool" >/dev/null || { echo "selftest: FAIL: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/demo-servers-selftest.XXXXXX")
pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 30); do  # up to 3 s, then KILL what is left
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$status" != 0 ]; then
        for log in "$work"/*.log; do
            [ -f "$log" ] && { echo "--- $(basename "$log") (last 30 lines)"; tail -n 30 "$log"; }
        done >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Nothing here may leave the machine or read the user's configuration.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY KUBECONFIG DOCKER_CONFIG \
    GIT_ASKPASS SSH_ASKPASS DISPLAY WAYLAND_DISPLAY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export DOCKER_HOST="unix://$work/no-docker-daemon.sock"
mkdir -p "$HOME"
git config --global user.name "Demo Selftest"
git config --global user.email "selftest@contoso.example"
git config --global init.defaultBranch main
git config --global protocol.version 2

ok() { echo "ok   $*"; }
fail() { echo "selftest: FAIL: $*" >&2; exit 1; }
run() { timeout -k 5 "$step_timeout" "$@"; }  # any client command, bounded
http() { run curl -sS --noproxy '*' --max-time 20 "$@"; }
json() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

. "$(dirname "$0")/start.sh"

# --- servers ----------------------------------------------------------------------------------
kube_certificate
mkdir -p "$work/repos"
git init -q --bare "$work/repos/demo.git"

start emulator python3 "$repo/emulator/entra-emulator.py"
emulator_port=$port emulator="http://127.0.0.1:$port"
start git-server python3 "$here/git-server.py" --root "$work/repos" --emulator "$emulator" --audience api://demo-git
git_port=$port
start registry python3 "$here/registry.py" --emulator "$emulator" --audience https://containerregistry.azure.net
registry_port=$port
start kube-api python3 "$here/kube-api.py" --cert "$work/kube-cert.pem" --key "$work/kube-key.pem" \
    --emulator "$emulator" --audience 6dae42f8-4368-4678-94ff-3960e28e3630
kube_port=$port
ok "emulator :$emulator_port, git-server :$git_port, registry :$registry_port, kube-api :$kube_port"

entra_token() {  # scope, file: the device code flow, approved through the control API; the token to file (no newline)
    local scope=$1 file=$2 base="$emulator/organizations/oauth2/v2.0"
    http -f -d client_id=demo-selftest --data-urlencode "scope=$scope" "$base/devicecode" -o "$work/dc.json" \
        || fail "devicecode for $scope"
    json "$work/dc.json" user_code | python3 -c 'import json, sys; print(json.dumps({"user_code": input()}))' \
        | http -f -H 'Content-Type: application/json' --data-binary @- "$emulator/_control/device/approve" \
        -o /dev/null || fail "approving the device code for $scope"
    json "$work/dc.json" device_code | tr -d '\n' >"$work/device_code"  # curl's @file keeps a newline
    http -f -d client_id=demo-selftest -d grant_type=urn:ietf:params:oauth:grant-type:device_code \
        --data-urlencode "device_code@$work/device_code" "$base/token" -o "$work/token.json" \
        || fail "redeeming the device code for $scope"
    (umask 077; json "$work/token.json" access_token | tr -d '\n' >"$file")
    rm -f "$work/dc.json" "$work/device_code" "$work/token.json"
}
entra_token api://demo-git/.default "$work/git.token"
entra_token https://containerregistry.azure.net/.default "$work/acr-entra.token"
entra_token 6dae42f8-4368-4678-94ff-3960e28e3630/.default "$work/kube.token"
entra_token api://some-other-api/.default "$work/other.token"
ok "Entra tokens from the emulator (device code flow) for git, ACR, AKS and another audience"

# --- emulator: POST /_control/verify -----------------------------------------------------------
python3 -c 'import json, sys; print(json.dumps({"token": open(sys.argv[1]).read().strip()}))' "$work/git.token" \
    | http -f -H 'Content-Type: application/json' --data-binary @- "$emulator/_control/verify" -o "$work/verify.json"
[ "$(json "$work/verify.json" valid)" = True ] || fail "verify: a token of this run is not valid"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["claims"]["aud"] == "api://demo-git"' \
    "$work/verify.json" || fail "verify: aud is not api://demo-git"
http -f -d '{"token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}' "$emulator/_control/verify" -o "$work/verify.json"
[ "$(json "$work/verify.json" valid)" = False ] || fail "verify: a forged token is valid"
ok "emulator /_control/verify: valid with claims for its own token, invalid for a forged one"

# --- git ---------------------------------------------------------------------------------------
git_url="http://127.0.0.1:$git_port/demo.git"
bearer_header() { printf 'Authorization: Bearer %s' "$(cat "$1")"; }
code=$(http -o /dev/null -D "$work/headers" -w '%{http_code}' "$git_url/info/refs?service=git-upload-pack")
[ "$code" = 401 ] || fail "git-server without a token: HTTP $code, not 401"
grep -qi '^WWW-Authenticate: Bearer authorization_uri=' "$work/headers" \
    && grep -qi '^WWW-Authenticate: Basic realm="demo-git"' "$work/headers" \
    || fail "git-server 401 lacks its two WWW-Authenticate challenges"
ok "git-server: 401 without a token, with Bearer and Basic challenges"

if run git clone -q "$git_url" "$work/no-token" >"$work/out" 2>&1; then fail "git clone without a token worked"; fi
grep -qiE 'Authentication failed|could not read Username' "$work/out" \
    || fail "git clone without a token: $(cat "$work/out")"
if run git -c http.extraHeader="$(bearer_header "$work/other.token")" clone -q "$git_url" "$work/wrong-aud" \
    >"$work/out" 2>&1; then fail "git clone with another audience's token worked"; fi
grep -q '401 (wrong audience)' "$work/git-server.log" || fail "git-server did not refuse the other audience's token"
ok "git clone fails without a token and with a token for another audience"

run git -c http.extraHeader="$(bearer_header "$work/git.token")" clone -q "$git_url" "$work/clone" 2>"$work/out" \
    || fail "git clone with a Bearer token: $(cat "$work/out")"
ok "git clone (empty repository) with Authorization: Bearer"
(
    cd "$work/clone"
    echo "hello from the demo" >README
    head -c 3000000 /dev/urandom >big.bin  # > http.postBuffer: git sends the pack chunked
    git add README big.bin && git commit -qm "first"
    for i in $(seq 1 200); do  # many refs to want: git gzips the clone's fetch request
        git tag "t$i" "$(git commit-tree -p HEAD -m "tag $i" "HEAD^{tree}")"
    done
) || fail "preparing the commits to push"
GIT_TRACE_CURL="$work/push.trace" GIT_TRACE_CURL_NO_DATA=1 run git -C "$work/clone" \
    -c http.extraHeader="$(bearer_header "$work/git.token")" push -q origin main --tags 2>"$work/out" \
    || fail "git push with a Bearer token: $(cat "$work/out")"
[ "$(git --git-dir "$work/repos/demo.git" rev-parse main)" = "$(git -C "$work/clone" rev-parse main)" ] \
    || fail "the pushed commit is not in the server's repository"
grep -q '=> Send header: Transfer-Encoding: chunked' "$work/push.trace" || fail "the push was not sent chunked"
ok "git push (3 MB, chunked request body, 200 tags) with Authorization: Bearer"

# The helper's way: git asks a credential helper after the 401 and answers with Basic user:token.
helper="!f() { test \"\$1\" = get && echo username=entra && echo \"password=\$(cat '$work/git.token')\"; }; f"
GIT_TRACE_CURL="$work/clone.trace" GIT_TRACE_CURL_NO_DATA=1 run git -c credential.helper= \
    -c credential.helper="$helper" clone -q "$git_url" "$work/clone2" 2>"$work/out" \
    || fail "git clone with a credential helper (Basic): $(cat "$work/out")"
grep -q '=> Send header: Content-Encoding: gzip' "$work/clone.trace" || fail "the clone's request was not gzip'ed"
cmp -s "$work/clone/big.bin" "$work/clone2/big.bin" && [ "$(git -C "$work/clone2" tag | wc -l)" = 200 ] \
    || fail "the clone differs from what was pushed"
rm -f "$work"/*.trace
ok "git clone through a credential helper (401, then Basic user:token; gzip'ed request) has the push"

# --- registry + docker -------------------------------------------------------------------------
registry="http://127.0.0.1:$registry_port"
service="127.0.0.1:$registry_port"
exchange() {  # grant_type, token file: prints the HTTP status; the body in $work/exchange.json
    http -o "$work/exchange.json" -w '%{http_code}' -d "grant_type=$1" -d "service=$service" \
        --data-urlencode "access_token@$2" "$registry/oauth2/exchange"
}
[ "$(exchange password "$work/acr-entra.token")" = 400 ] || fail "exchange: a bad grant_type is not 400"
[ "$(exchange access_token "$work/git.token")" = 401 ] || fail "exchange: another audience's token is not 401"
grep -q '"UNAUTHORIZED"' "$work/exchange.json" || fail "exchange: the 401 lacks ACR's error body"
[ "$(exchange access_token "$work/acr-entra.token")" = 200 ] || fail "exchange of the ACR Entra token"
(umask 077; json "$work/exchange.json" refresh_token | tr -d '\n' >"$work/acr-refresh.token")
rm -f "$work/exchange.json"
ok "registry /oauth2/exchange: 400 bad grant_type, 401 wrong audience, 200 refresh token"

code=$(http -o /dev/null -D "$work/headers" -w '%{http_code}' "$registry/v2/demo/hello/manifests/latest")
challenge="WWW-Authenticate: Bearer realm=\"$registry/oauth2/token\",service=\"$service\""
challenge+=",scope=\"repository:demo/hello:pull\""
[ "$code" = 401 ] && grep -qF "$challenge" "$work/headers" \
    || fail "registry without a token: HTTP $code or a wrong challenge"
http -f -K - "$registry/oauth2/token?service=$service&scope=repository:demo/hello:pull" -o "$work/access.json" \
    <<<"user = \"00000000-0000-0000-0000-000000000000:$(cat "$work/acr-refresh.token")\"" \
    || fail "registry /oauth2/token with the refresh token"
http -f -K - "$registry/v2/demo/hello/manifests/latest" -D "$work/headers" -o "$work/manifest.json" \
    <<<"header = \"Authorization: Bearer $(json "$work/access.json" access_token)\"" || fail "GET manifest with a token"
rm -f "$work/access.json"
digest=$(tr -d '\r' <"$work/headers" | sed -n 's/^Docker-Content-Digest: //Ip')
[ "$digest" = "sha256:$(sha256sum "$work/manifest.json" | cut -d' ' -f1)" ] \
    || fail "Docker-Content-Digest is not the body's"
ok "registry: 401 challenge with realm/service/scope; token; manifest with the right Docker-Content-Digest"

docker_config() {  # dir, config.json content from python
    mkdir -p "$1"
    python3 -c "$2" "$work/acr-refresh.token" "$service" >"$1/config.json"
}
docker_config "$work/docker-auth" 'import base64, json, sys
auth = base64.b64encode(("00000000-0000-0000-0000-000000000000:" + open(sys.argv[1]).read().strip()).encode())
print(json.dumps({"auths": {sys.argv[2]: {"auth": auth.decode()}}}))'
docker_config "$work/docker-identity" 'import json, sys
print(json.dumps({"auths": {sys.argv[2]: {"identitytoken": open(sys.argv[1]).read().strip()}}}))'
docker_config "$work/docker-none" 'print("{}")'
for config in docker-auth docker-identity; do
    DOCKER_CONFIG="$work/$config" run docker manifest inspect --insecure "$service/demo/hello:latest" \
        >"$work/out" 2>&1 || fail "docker manifest inspect ($config): $(cat "$work/out")"
    python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["schemaVersion"] == 2 and m["layers"]' \
        "$work/out" || fail "docker manifest inspect ($config) did not print the manifest"
done
ok "docker manifest inspect --insecure prints the manifest (credentials as auth and as identitytoken)"
if DOCKER_CONFIG="$work/docker-none" run docker manifest inspect --insecure "$service/demo/hello:latest" \
    >"$work/out" 2>&1; then fail "docker manifest inspect without credentials worked"; fi
grep -qi 'unauthorized' "$work/out" || fail "docker without credentials: $(cat "$work/out")"
if DOCKER_CONFIG="$work/docker-auth" run docker manifest inspect --insecure "$service/demo/nope:latest" \
    >"$work/out" 2>&1; then fail "docker manifest inspect of an unknown repository worked"; fi
grep -qi 'no such manifest' "$work/out" || fail "docker, unknown repository: $(cat "$work/out")"
ok "docker manifest inspect fails without credentials (unauthorized) and for an unknown repository"

# --- kube-api + kubectl --------------------------------------------------------------------------
kubeconfig() {  # file, token file
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster:
    server: https://127.0.0.1:$kube_port
    certificate-authority-data: $(base64 <"$work/kube-cert.pem" | tr -d '\n')
users:
- name: demo
  user:
    token: $(cat "$2")
contexts:
- name: demo
  context: {cluster: demo, user: demo}
current-context: demo
EOF
    chmod 600 "$1"
}
kubeconfig "$work/kube-good.yaml" "$work/kube.token"
kubeconfig "$work/kube-aud.yaml" "$work/git.token"
echo "not-a-token" >"$work/bad.token"
kubeconfig "$work/kube-bad.yaml" "$work/bad.token"
run kubectl --kubeconfig "$work/kube-good.yaml" get --raw /version >"$work/out" 2>&1 \
    || fail "kubectl get --raw /version: $(cat "$work/out")"
python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); assert v["major"] == "1" and v["gitVersion"]' \
    "$work/out" || fail "kubectl get --raw /version did not print the version"
ok "kubectl get --raw /version over https with the AKS-audience token: $(cat "$work/out" | head -c 60)…"
for config in kube-bad kube-aud; do
    if run kubectl --kubeconfig "$work/$config.yaml" get --raw /version >"$work/out" 2>&1; then
        fail "kubectl with $config worked"
    fi
    grep -q 'Unauthorized' "$work/out" || fail "kubectl with $config: $(cat "$work/out")"
done
code=$(http -o "$work/out" -w '%{http_code}' --cacert "$work/kube-cert.pem" "https://127.0.0.1:$kube_port/version")
[ "$code" = 401 ] && python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))
assert (s["kind"], s["status"], s["reason"], s["code"]) == ("Status", "Failure", "Unauthorized", 401)' "$work/out" \
    || fail "kube-api without a token: HTTP $code or not a Status"
ok "kubectl fails with a bad token and another audience's token; no token: 401 Status"

# --- the logs never hold a token --------------------------------------------------------------------
for token in "$work"/*.token; do
    [ "$(basename "$token")" = bad.token ] && continue
    secret=$(cat "$token")
    for log in "$work"/*.log; do
        grep -qF "${secret:0:40}" "$log" && fail "$(basename "$log") holds a token"
        grep -qF "${secret: -40}" "$log" && fail "$(basename "$log") holds a token"
    done
done
ok "no token in any server log"
echo "selftest: all passed"

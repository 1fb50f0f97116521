#!/usr/bin/env bash
# The offline demo: ONE sign-in to the repo's Entra emulator serves git, docker and kubectl.
# Starts the emulator and three local servers on free 127.0.0.1 ports (integrations/demo/servers:
# git smart HTTP, an ACR look-alike registry, a TLS fake Kubernetes API), signs in once (the
# browser when there is a display or $BROWSER, else a device code the emulator approves by
# itself), then runs git clone and push, docker manifest inspect and kubectl get --raw /version
# with prompting switched off. Tokens are never shown. Everything it starts or writes is removed
# on exit; your ~/.gitconfig, ~/.docker and ~/.kube are never read or written. Without docker or
# kubectl on PATH, their steps are skipped, saying how to get them (git and the helper's own
# docker answer still run).
#   integrations/demo.sh [--bin-dir DIR] [--use-my-keyring] [--auto-approve]
#     --bin-dir DIR      use DIR/entra-credential-helper (default: build the release binary)
#     --use-my-keyring   keep the refresh token in your own Secret Service (logged out at the end),
#                        not in a throwaway gnome-keyring session
#     --auto-approve     the emulator's browser sign-in page approves at once (nobody to click)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

# --- outside: options, the binary, the keyring session --------------------------------------------
if [ "${ECH_DEMO_INSIDE:-}" != 1 ]; then
    bin_dir="" keyring=throwaway auto_approve=false
    while [ $# -gt 0 ]; do
        case "$1" in
            --bin-dir) [ $# -ge 2 ] || { echo "demo.sh: --bin-dir needs a directory" >&2; exit 2; }
                       bin_dir=$2; shift 2 ;;
            --bin-dir=*) bin_dir=${1#*=}; shift ;;
            --use-my-keyring) keyring=mine; shift ;;
            --auto-approve) auto_approve=true; shift ;;
            -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) echo "demo.sh: unknown option '$1'; use --bin-dir DIR, --use-my-keyring or --auto-approve" >&2
               exit 2 ;;
        esac
    done
    "$repo/scripts/deps.sh" demo
    if [ -n "$bin_dir" ]; then
        binary="$bin_dir/entra-credential-helper"
        [ -x "$binary" ] || { echo "demo.sh: no entra-credential-helper in $bin_dir; run integrations/install.sh --bin-dir $bin_dir, or omit --bin-dir to build one" >&2; exit 2; }
    else
        echo "Building the release binary (scripts/build-release.sh)…"
        binary=$("$repo/scripts/build-release.sh")
    fi
    # with-keyring.sh drops the display; the sign-in may still use it (the keyring never prompts).
    export ECH_DEMO_INSIDE=1 ECH_DEMO_BINARY="$(realpath "$binary")" ECH_DEMO_KEYRING=$keyring \
        ECH_DEMO_AUTO_APPROVE=$auto_approve ECH_DEMO_DISPLAY="${DISPLAY:-}" \
        ECH_DEMO_WAYLAND_DISPLAY="${WAYLAND_DISPLAY:-}"
    [ "$keyring" = mine ] && exec "$0"
    exec "$repo/scripts/with-keyring.sh" "$0"
fi

# --- inside: a private world ----------------------------------------------------------------------
servers="$repo/integrations/demo/servers"
[ -n "$ECH_DEMO_DISPLAY" ] && export DISPLAY=$ECH_DEMO_DISPLAY
[ -n "$ECH_DEMO_WAYLAND_DISPLAY" ] && export WAYLAND_DISPLAY=$ECH_DEMO_WAYLAND_DISPLAY
work=$(mktemp -d "${TMPDIR:-/tmp}/entra-demo.XXXXXX")
pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The demo's refresh token and cached access tokens go too (your keyring with
    # --use-my-keyring): the demo's own sign-in only, never --all, which would also sweep
    # your real sign-ins and every access token of ours in your kernel keyring.
    [ -f "$XDG_CONFIG_HOME/entra-credential-helper/config.json" ] \
        && timeout 20 entra-credential-helper logout --profile demo-git >/dev/null 2>&1 </dev/null
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$status" = 130 ] || [ "$status" = 143 ]; then
        echo "demo: interrupted; everything it started is stopped and removed."
    elif [ "$status" != 0 ]; then
        echo "demo: FAILED (exit $status). The servers' logs (never a token):"
        for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $(basename "$log")"; tail -n 20 "$log"; }; done
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
exec 2>&1  # people read both streams here, in order

# Nothing here leaves the machine or reads the user's configuration.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY KUBECONFIG GIT_ASKPASS SSH_ASKPASS \
    GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH \
    ENTRA_CREDENTIAL_HELPER_CONFIG ENTRA_CREDENTIAL_HELPER_STORE AZURE_TENANT_ID AZURE_CLIENT_ID \
    AZURE_AUTHORITY_HOST TENANT_ID CLIENT_ID USE_INTERACTIVE
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
mkdir -p "$work/bin" "$work/home" "$work/config" "$work/cache" "$work/state" "$work/docker" "$work/repos"
for name in entra-credential-helper git-credential-entra docker-credential-entra; do
    ln -s "$ECH_DEMO_BINARY" "$work/bin/$name"
done
export PATH="$work/bin:$PATH" HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
    XDG_STATE_HOME="$work/state" GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1 \
    DOCKER_CONFIG="$work/docker" KUBECONFIG="$work/kubeconfig" DOCKER_HOST="unix://$work/no-docker-daemon.sock"

say() { printf '\n%s\n' "$*"; }
step() { printf '$ %s\n' "$1"; }
run() { timeout -k 5 120 "$@"; }
fail() { echo "demo: $*"; exit 1; }
http() { curl -sS --noproxy '*' --max-time 20 -f "$@"; }
json() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
describe() {  # stdin: an Entra access token. Prints its length, user and audience, never the token.
    python3 -c '
import sys, json, base64
t = sys.stdin.read().strip(); p = t.split(".")[1]
c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
print("<a %d-character access token for %s, audience %s>" % (len(t), c["upn"], c["aud"]))'
}
. "$servers/start.sh"
. "$repo/scripts/clients.sh"
skipped=()
skip() {  # client, the command it would run: one line saying it is skipped and how to get the client
    echo "  skipped (no $1 on PATH): $2"
    echo "  to run it, $(client_hint "$1")"
    skipped+=("$2")
}

# --- the emulator and the three servers -------------------------------------------------------------
start emulator python3 "$repo/emulator/entra-emulator.py"
emulator_port=$port authority="http://127.0.0.1:$port"
http -o /dev/null -X POST "$authority/_control/config" \
    -d "{\"device_interval\": 1, \"device_auto_approve\": true, \"auto_approve\": $ECH_DEMO_AUTO_APPROVE}"
git init -q --bare --initial-branch=main "$work/repos/demo.git"
git init -q --initial-branch=main "$work/seed"
echo "Hello from the offline demo's git server." >"$work/seed/README"
git -C "$work/seed" add README
git -C "$work/seed" -c user.name=Demo -c user.email=demo@contoso.example commit -qm "first commit"
git -C "$work/seed" push -q "$work/repos/demo.git" main
start git-server python3 "$servers/git-server.py" --root "$work/repos" --emulator "$authority"
git_port=$port
start registry python3 "$servers/registry.py" --emulator "$authority"
registry=127.0.0.1:$port
kube_certificate
start kube-api python3 "$servers/kube-api.py" --cert "$work/kube-cert.pem" --key "$work/kube-key.pem" \
    --emulator "$authority"
kube_port=$port

echo "The offline demo: one Entra sign-in for git, docker and kubectl, all on 127.0.0.1."
echo "  Entra emulator    $authority   (stands in for login.microsoftonline.com; user ada@contoso.example)"
echo "  git smart HTTP    http://127.0.0.1:$git_port/demo.git   (Azure Repos look-alike)"
echo "  registry          http://$registry   (ACR look-alike: /oauth2/exchange, /oauth2/token, /v2/)"
echo "  Kubernetes API    https://127.0.0.1:$kube_port   (AKS look-alike, its own self-signed CA)"
echo "Each server accepts only tokens this emulator issued, for its own audience."
if [ "$ECH_DEMO_KEYRING" = mine ]; then
    echo "The refresh token goes to your Secret Service; the demo logs out at the end."
else
    echo "The refresh token goes to a throwaway gnome-keyring session (scripts/with-keyring.sh)."
fi

# --- profiles and the three tools' configuration ------------------------------------------------------
client_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
say "Three profiles with the same tenant, client and authority share one refresh token:"
common=(--tenant organizations --client-id "$client_id" --authority-host "$authority")
step "entra-credential-helper profile add demo-git --scope api://demo-git/.default --host 127.0.0.1:$git_port …"
entra-credential-helper profile add demo-git "${common[@]}" --scope api://demo-git/.default --host "127.0.0.1:$git_port"
step "entra-credential-helper profile add demo-acr --scope https://containerregistry.azure.net/.default --host $registry --kind acr …"
entra-credential-helper profile add demo-acr "${common[@]}" --scope https://containerregistry.azure.net/.default \
    --host "$registry" --kind acr
step "entra-credential-helper profile add demo-aks --scope 6dae42f8-4368-4678-94ff-3960e28e3630/.default --host 127.0.0.1:$kube_port …"
entra-credential-helper profile add demo-aks "${common[@]}" --scope 6dae42f8-4368-4678-94ff-3960e28e3630/.default \
    --host "127.0.0.1:$kube_port"
echo "  (common: --tenant organizations --client-id $client_id --authority-host $authority)"

cat >"$GIT_CONFIG_GLOBAL" <<EOF
[user]
	name = Ada Demo
	email = ada@contoso.example
[credential]
	helper = entra
EOF
printf '{"credHelpers": {"%s": "entra"}}\n' "$registry" >"$DOCKER_CONFIG/config.json"
(umask 077; cat >"$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo-aks
  cluster:
    server: https://127.0.0.1:$kube_port
    certificate-authority-data: $(base64 <"$work/kube-cert.pem" | tr -d '\n')
users:
- name: entra
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: entra-credential-helper
      args: [kubectl]
      provideClusterInfo: true
      interactiveMode: IfAvailable
contexts:
- name: demo-aks
  context: {cluster: demo-aks, user: entra}
current-context: demo-aks
EOF
)
say "The tools' configuration, in temporary files (GIT_CONFIG_GLOBAL, DOCKER_CONFIG, KUBECONFIG):"
echo "  git:     credential.helper = entra"
echo "  docker:  config.json {\"credHelpers\": {\"$registry\": \"entra\"}}"
echo "  kubectl: a user with exec {command: entra-credential-helper, args: [kubectl], provideClusterInfo: true}"

# --- the one sign-in ------------------------------------------------------------------------------------
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}${BROWSER:-}" ]; then
    how="the browser opens the emulator's sign-in page"
    [ "$ECH_DEMO_AUTO_APPROVE" = true ] && how+="; with --auto-approve it needs no click" \
        || how+="; press \"Sign in as ada@contoso.example\" there"
else
    how="no display and no \$BROWSER, so a device code; the emulator approves it by itself, as you would at its /devicelogin page"
fi
say "1. Sign in, once ($how):"
step "entra-credential-helper login --profile demo-git"
env -u CI -u GIT_TERMINAL_PROMPT entra-credential-helper login --profile demo-git
step "entra-credential-helper status --profile demo-git"
entra-credential-helper status --profile demo-git

say "From here on nothing may prompt: CI=true and GIT_TERMINAL_PROMPT=0 make any sign-in attempt fail at once."
export CI=true GIT_TERMINAL_PROMPT=0

say "2. git: the helper answers for 127.0.0.1:$git_port with the access token as the password."
step "printf 'protocol=http\\nhost=127.0.0.1:$git_port\\n' | git credential fill"
printf 'protocol=http\nhost=127.0.0.1:%s\n\n' "$git_port" | run git credential fill >"$work/fill"
sed -n '/^password=/!p' "$work/fill"
printf 'password=%s\n' "$(sed -n 's/^password=//p' "$work/fill" | describe)"
rm -f "$work/fill"
step "git clone http://127.0.0.1:$git_port/demo.git"
(cd "$work/home" && run git clone "http://127.0.0.1:$git_port/demo.git")
echo "  README: $(cat "$work/home/demo/README")"
step "git commit -am 'Signed in once' && git push"
echo "Pushed through entra-credential-helper." >>"$work/home/demo/README"
git -C "$work/home/demo" commit -qam "Signed in once"
run git -C "$work/home/demo" push
[ "$(git --git-dir "$work/repos/demo.git" rev-parse main)" = "$(git -C "$work/home/demo" rev-parse HEAD)" ] \
    || fail "the pushed commit is not on the server"
echo "  The server's main is now: $(git --git-dir "$work/repos/demo.git" log --oneline -1 main)"

say "3. docker: the helper exchanges the Entra token at the registry's /oauth2/exchange for an ACR refresh token."
step "echo $registry | docker-credential-entra get"
echo "$registry" | run docker-credential-entra get >"$work/docker-get" \
    || fail "docker-credential-entra get: $(cat "$work/docker-get")"
python3 -c '
import json, sys
answer = json.load(open(sys.argv[1]))
answer["Secret"] = "<a %d-character ACR refresh token>" % len(answer["Secret"])
print(json.dumps(answer, separators=(",", ":")))' "$work/docker-get"
rm -f "$work/docker-get"
if command -v docker >/dev/null; then
    step "docker manifest inspect --insecure $registry/demo/hello:latest   (the client only: no daemon)"
    run docker manifest inspect --insecure "$registry/demo/hello:latest"
else
    skip docker "docker manifest inspect --insecure $registry/demo/hello:latest"
fi

say "4. kubectl: the exec plugin picks profile demo-aks by the cluster's server."
if command -v kubectl >/dev/null; then
    step "kubectl get --raw /version"
    run kubectl get --raw /version
    echo
else
    skip kubectl "kubectl get --raw /version"
fi

say "5. What the emulator saw:"
step "curl $authority/_control/counters"
http "$authority/_control/counters" >"$work/counters.json"
http "$authority/_control/issued" >"$work/issued.json"
python3 - "$work/counters.json" "$work/issued.json" <<'EOF'
import json, sys
counters, issued = (json.load(open(path)) for path in sys.argv[1:])
grants = counters["grants"]
sign_ins = issued["codes"] + issued["device_codes"]
print(f"  interactive sign-ins: {sign_ins}  (browser authorization codes: {issued['codes']}, "
      f"device codes: {issued['device_codes']})")
print(f"  token requests: {counters['token']}  (authorization_code {grants['authorization_code']}, device_code "
      f"{grants['device_code']} incl. polls, refresh_token {grants['refresh_token']}: tokens for the other "
      f"resources, from the one refresh token)")
if sign_ins != 1:
    sys.exit(f"demo: expected exactly one interactive sign-in, the emulator counted {sign_ins}")
EOF

say "6. Sign out (the three profiles share one sign-in, so one logout ends it); after that a caller that cannot prompt fails at once, naming the fix:"
step "entra-credential-helper logout --profile demo-git"
entra-credential-helper logout --profile demo-git
step "git -C demo fetch   (CI=true)"
if run git -C "$work/home/demo" fetch; then fail "git fetch worked after logout"; fi

if [ ${#skipped[@]} -eq 0 ]; then
    say "Done: one sign-in served git, docker and kubectl. The servers, the emulator and $work are removed now."
else
    say "Done: one sign-in served git, docker-credential-entra$(command -v docker >/dev/null && echo ", docker")$(
        command -v kubectl >/dev/null && echo ", kubectl"). Skipped, for want of the client on PATH:"
    printf '  %s\n' "${skipped[@]}"
    echo "How to get the clients is said above; then run integrations/demo.sh again."
    echo "The servers, the emulator and $work are removed now."
fi

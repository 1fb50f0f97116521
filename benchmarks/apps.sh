#!/usr/bin/env bash
# The app-token benchmarks (issue 11), run inside a throwaway keyring by benchmarks/run.sh:
#   benchmarks/apps.sh OURS GIT_PEER RUNS
# On the emulator of signed-in.sh (HTTPS, the demo registry), registers a confidential app
# with a client secret and an RSA certificate, and prints two Markdown tables:
# - cached app token (client credentials with AZURE_CLIENT_SECRET, then cached in the kernel
#   keyring): get-token, git get, docker get and the kubectl exec plugin, each against
#   `git-credential-libsecret get` (bench.py);
# - a fresh client-credentials acquisition with the certificate (our cache dropped before
#   each call) against MSAL Python's ConfidentialClientApplication in a new process, with
#   the emulator's own answer time (apps.py).
# Nothing leaves 127.0.0.1.
set -euo pipefail
ours="$1" git_peer="$2" runs="$3"
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import msal, cryptography' 2>/dev/null; then
    echo "apps.sh: MSAL Python is missing (Debian: apt-get install python3-msal)" >&2
    exit 1
fi
# shellcheck source=benchmarks/signed-in.sh
. "$here/signed-in.sh"
app_id=3f6b2a9c-7d1e-4c58-b0a4-9e2d5c7f1a36
tenant=contoso.example
secret=bench-app-secret-value
export AZURE_CLIENT_SECRET="$secret"  # the CI way; only the client-credentials profiles below use it
# The app tokens sit in the kernel's per-user keyring, which outlives this session.
trap 'for p in app app-acr app-cert; do "$ours" logout --profile "$p" >/dev/null 2>&1 || true; done; cleanup' EXIT

# The app's certificate: an RSA key and a self-signed certificate, one PEM file for ours
# (key and certificate), the key and the certificate apart for MSAL and the registration.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench-app -keyout "$work/app-key.pem" \
    -out "$work/app-cert.pem" 2>/dev/null
cat "$work/app-key.pem" "$work/app-cert.pem" > "$work/app.pem"
python3 - "$work/app-cert.pem" "$app_id" "$secret" > "$work/app.json" <<'PY'
import json, sys
cert, app_id, secret = sys.argv[1:4]
print(json.dumps({"client_id": app_id, "secrets": [secret], "certificates": [open(cert).read()], "roles": ["Bench.Read"]}))
PY
control apps "$(cat "$work/app.json")" >/dev/null

# The app's profiles: git and kubectl hosts, the registry (taken over from the person's
# ACR profile), and a certificate profile for the fresh acquisitions.
"$ours" profile remove bench-acr >/dev/null 2>&1
"$ours" profile add app --tenant "$tenant" --client-id "$app_id" --flow client-credentials \
    --scope api://bench/.default --authority-host "$base" --host git.app.example --host kube.app.example >/dev/null
"$ours" profile add app-acr --tenant "$tenant" --client-id "$app_id" --flow client-credentials --kind acr \
    --scope https://containerregistry.azure.net/.default --authority-host "$base" --host "$registry_host" >/dev/null
"$ours" profile add app-cert --tenant "$tenant" --client-id "$app_id" --flow client-credentials \
    --certificate "$work/app.pem" --scope api://bench-cert/.default --authority-host "$base" >/dev/null
printf 'protocol=https\nhost=git.app.example\n' > "$work/git-app"
app_exec_info='{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,"cluster":{"server":"https://kube.app.example"}}}'
printf 'protocol=https\nhost=bench.example.com\nusername=bench\npassword=bench-secret\n' | "$git_peer" store >/dev/null
printf 'protocol=https\nhost=bench.example.com\n' > "$work/git"

# Before anything is timed: one client-credentials grant each for the two scopes and one ACR
# exchange, then every front end answers an app token from the cache, asking nothing.
control reset-counters '{}' >/dev/null
"$ours" get-token --profile app > "$work/app-token"
"$work/git-credential-entra" get < "$work/git-app" > "$work/git-answer"
KUBERNETES_EXEC_INFO="$app_exec_info" "$ours" kubectl > "$work/kubectl-answer"
"$work/docker-credential-entra" get < "$work/registry" > "$work/docker-answer"
python3 - "$work/app-token" "$(control counters)" <<'PY'
import base64, json, sys
parts = open(sys.argv[1]).read().strip().split(".")
assert len(parts) == 3, "get-token did not print a JWT"
claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
assert (claims["aud"], claims["idtyp"]) == ("api://bench", "app"), f"not an app token for api://bench: {claims}"
counters = json.loads(sys.argv[2])
cc = counters["client_credentials"]
assert (counters["token"], cc["requests"], cc["secret"]) == (2, 2, 2), f"expected 2 secret grants: {counters}"
PY
grep -q '^password=ey' "$work/git-answer" || { echo "apps.sh: git get gave no app token" >&2; exit 1; }
grep -q '"token":"ey' "$work/kubectl-answer" || { echo "apps.sh: kubectl got no app token" >&2; exit 1; }
control reset-counters '{}' >/dev/null
for _ in 1 2; do
    "$ours" get-token --profile app | cmp -s - "$work/app-token" || { echo "apps.sh: cached get-token changed" >&2; exit 1; }
    "$work/git-credential-entra" get < "$work/git-app" | cmp -s - "$work/git-answer" || { echo "apps.sh: cached git get changed" >&2; exit 1; }
    KUBERNETES_EXEC_INFO="$app_exec_info" "$ours" kubectl | cmp -s - "$work/kubectl-answer" || { echo "apps.sh: cached kubectl answer changed" >&2; exit 1; }
    "$work/docker-credential-entra" get < "$work/registry" | cmp -s - "$work/docker-answer" || { echo "apps.sh: cached docker get changed" >&2; exit 1; }
done
[ "$(control counters | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" = 0 ] \
    || { echo "apps.sh: a cached app-token answer asked the emulator" >&2; exit 1; }
"$git_peer" get < "$work/git" | grep -qx 'password=bench-secret' \
    || { echo "apps.sh: git-credential-libsecret did not return the stored password" >&2; exit 1; }
exchanges_before=$(grep -c 'POST /oauth2/exchange 200' "$work/registry.log" || true)

echo "**Cached app token** (issue 11: client credentials with \`AZURE_CLIENT_SECRET\`, the app token cached in the kernel keyring): \`get-token\`, git \`get\` for a routed host, docker \`get\` for a routed registry (the cached ACR token of the app) and the kubectl exec plugin, each vs \`git-credential-libsecret get\` on a stored item. Bar: wall ≤ 0.25x the peer's."
echo
cached=$(python3 "$here/bench.py" --runs "$runs" \
    --case "get-token, app token cached" "$ours get-token --profile app" "$git_peer get" "$work/git" \
    --case "git get, routed, app token cached" "$work/git-credential-entra get" "$git_peer get" "$work/git-app,$work/git" \
    --case "docker get, app's ACR token cached" "$work/docker-credential-entra get" "$git_peer get" "$work/registry,$work/git" \
    --case "kubectl exec plugin, app token cached" "KUBERNETES_EXEC_INFO='$app_exec_info' $ours kubectl" "$git_peer get" "$work/git")
echo "$cached"
echo
# The bar, case by case, from the table's wall-ratio column.
python3 - "$cached" <<'PY'
import sys
rows = [line.split("|") for line in sys.argv[1].splitlines() if line.startswith("| ") and line.count("x |") >= 2]
assert len(rows) == 4, "apps.sh: expected 4 rows from bench.py"
missed = [r[1].strip() for r in rows if float(r[4].strip().rstrip("x")) > 0.25]
print(f"Bar (wall ≤ 0.25x): met in {len(rows) - len(missed)} of {len(rows)} cases" +
      (f"; MISSED: {', '.join(missed)}." if missed else "."))
PY
exchanges=$(grep -c 'POST /oauth2/exchange 200' "$work/registry.log" || true)
tokens=$(control counters | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ "$exchanges" = "$exchanges_before" ] && [ "$tokens" = 0 ] \
    || { echo "apps.sh: the timed cached runs asked the emulator ($tokens) or the registry ($((exchanges - exchanges_before)))" >&2; exit 1; }
echo "Over all the timed runs the emulator saw 0 token requests and the registry 0 exchanges."
echo
unset AZURE_CLIENT_SECRET  # the certificate profile must not find a secret
/usr/bin/python3 "$here/apps.py" --ours "$ours" --port "$port" --ca "$work/cert.pem" --client-id "$app_id" \
    --tenant "$tenant" --key "$work/app-key.pem" --cert "$work/app-cert.pem" --scope api://bench-cert/.default \
    --profile app-cert --runs "$runs"

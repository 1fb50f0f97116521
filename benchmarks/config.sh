#!/usr/bin/env bash
# The config-size benchmark (issue 10), run inside a throwaway keyring by benchmarks/run.sh:
#   benchmarks/config.sh OURS RUNS
# Signs in as tokens.sh does (signed-in.sh), stores one login for an unrouted host, then
# writes a second config: the same two profiles plus 1,000 generated ones with 4 host
# patterns each. Each cached front-end call runs with either config, interleaved, and
# config.py prints one Markdown table. Nothing leaves 127.0.0.1.
set -euo pipefail
ours="$1" runs="$2"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=benchmarks/signed-in.sh
. "$here/signed-in.sh"

printf 'protocol=https\nhost=stored.bench.example\nusername=bench\npassword=bench-secret\n' \
    | "$work/git-credential-entra" store
printf 'protocol=https\nhost=stored.bench.example\n' > "$work/git-unrouted"
cp "$work/config.json" "$work/one.json"
python3 - "$work/one.json" "$work/large.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
for i in range(1000):
    config["profiles"][f"team-{i:04d}"] = {
        "tenant": f"team{i}.onmicrosoft.com", "client_id": f"6a3c1d7e-0b4f-4f43-9d2e-{i:012d}",
        "scopes": [f"api://team-{i}/.default"],
        "hosts": [f"git.team{i}.example", f"*.team{i}.example.net", f"kube.team{i}.example:6443",
                  f"dev.example.org/team-{i}"]}
json.dump(config, open(sys.argv[2], "w"), indent=2, sort_keys=True)
PY

# Before anything is timed: both configs give the same answers, from the caches.
control reset-counters '{}' >/dev/null
for config in one large; do
    export ENTRA_CREDENTIAL_HELPER_CONFIG="$work/$config.json"
    "$work/git-credential-entra" get < "$work/git-unrouted" | grep -qx 'password=bench-secret' \
        || { echo "config.sh: no stored login for an unrouted host with the $config config" >&2; exit 1; }
    cached_front_ends "config.sh ($config config)"
done

size() { python3 -c 'import json,os,sys; c=json.load(open(sys.argv[1])); print(len(c["profiles"]), sum(len(p.get("hosts",[])) for p in c["profiles"].values()), os.path.getsize(sys.argv[1]) // 1024)' "$1"; }
read -r large_profiles large_patterns large_kib < <(size "$work/large.json")
read -r one_profiles one_patterns one_kib < <(size "$work/one.json")
echo "**Config size, cached front ends** (issue 10): each call with the benchmark's own config ($one_profiles profiles, $one_patterns host patterns, $one_kib KiB) and with that config plus 1,000 generated profiles ($large_profiles profiles, $large_patterns patterns, $large_kib KiB). Bar: wall ≤ 2x the small config's."
echo
python3 "$here/config.py" --runs "$runs" --small "$work/one.json" --large "$work/large.json" \
    --case "git get, routed, cached" "$work/git-credential-entra get" "$work/git-routed" \
    --case "git get, unrouted (stored login)" "$work/git-credential-entra get" "$work/git-unrouted" \
    --case "docker get, ACR token cached" "$work/docker-credential-entra get" "$work/registry" \
    --case "kubectl exec plugin, cached" "KUBERNETES_EXEC_INFO='$exec_info' $ours kubectl" /dev/null

#!/usr/bin/env bash
# Runs the benchmarks side by side with the peers in one run and writes the tables into
# BENCHMARKS.md between their markers.
#   benchmarks/run.sh [RUNS] [PART]...   (RUNS: default 40, at least 20; PART: storage, tokens,
#                                         config, apps; default all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-40}"
[ "$runs" -ge 20 ] || { echo "run.sh: use at least 20 runs" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(storage tokens config apps)
for part in "${parts[@]}"; do
    case "$part" in storage|tokens|config|apps) ;; *) echo "run.sh: no part '$part' (storage, tokens, config, apps)" >&2; exit 2 ;; esac
done
scripts/deps.sh test
ours=$(scripts/build-release.sh)
git_peer=$(scripts/build-peers.sh)
stamp="Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
results=()
for part in "${parts[@]}"; do
    case "$part" in
        storage) body=$(scripts/with-keyring.sh benchmarks/storage.sh "$ours" "$git_peer" "$runs") ;;
        tokens)  body=$(scripts/with-keyring.sh benchmarks/tokens.sh "$ours" "$git_peer" "$runs") ;;
        config)  body=$(scripts/with-keyring.sh benchmarks/config.sh "$ours" "$runs") ;;
        apps)    body=$(scripts/with-keyring.sh benchmarks/apps.sh "$ours" "$git_peer" "$runs") ;;
    esac
    results+=("$part" "$body")
    printf '%s\n\n' "$body"
done
python3 - "$stamp" "${results[@]}" <<'PY'
import re, sys
stamp, rest = sys.argv[1], sys.argv[2:]
text = open("BENCHMARKS.md").read()
for name, body in zip(rest[::2], rest[1::2]):
    if f"<!-- {name}:begin -->" not in text:
        sys.exit(f"run.sh: BENCHMARKS.md has no <!-- {name}:begin --> marker")
    body = f"{stamp} {body}" if name == "storage" else f"{stamp}\n\n{body}"
    block = f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->"
    text = re.sub(f"<!-- {name}:begin -->.*?<!-- {name}:end -->", lambda _: block, text, flags=re.S)
open("BENCHMARKS.md", "w").write(text)
PY

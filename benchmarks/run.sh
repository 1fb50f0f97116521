#!/usr/bin/env bash
# Runs the benchmarks side by side with the peers in one run and writes the tables into
# BENCHMARKS.md between their markers.  benchmarks/run.sh [RUNS]   (default 40, at least 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-40}"
[ "$runs" -ge 20 ] || { echo "run.sh: use at least 20 runs" >&2; exit 2; }
scripts/deps.sh test
ours=$(scripts/build-release.sh)
git_peer=$(scripts/build-peers.sh)
table=$(scripts/with-keyring.sh benchmarks/storage.sh "$ours" "$git_peer" "$runs")
tokens=$(scripts/with-keyring.sh benchmarks/tokens.sh "$ours" "$git_peer" "$runs")
config=$(scripts/with-keyring.sh benchmarks/config.sh "$ours" "$runs")
stamp="Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
python3 - "$table" "$tokens" "$config" "$stamp" <<'PY'
import re, sys
table, tokens, config, stamp = sys.argv[1:5]
text = open("BENCHMARKS.md").read()
for name, body in (("storage", f"{stamp} {table}"), ("tokens", f"{stamp}\n\n{tokens}"), ("config", f"{stamp}\n\n{config}")):
    if f"<!-- {name}:begin -->" not in text:
        sys.exit(f"run.sh: BENCHMARKS.md has no <!-- {name}:begin --> marker")
    block = f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->"
    text = re.sub(f"<!-- {name}:begin -->.*?<!-- {name}:end -->", lambda _: block, text, flags=re.S)
open("BENCHMARKS.md", "w").write(text)
PY
echo "$table"
echo
echo "$tokens"
echo
echo "$config"

#!/usr/bin/env bash
# Runs the benchmarks side by side with the peers in one run and writes the table into
# BENCHMARKS.md between its markers.  benchmarks/run.sh [RUNS]   (default 40, at least 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-40}"
[ "$runs" -ge 20 ] || { echo "run.sh: use at least 20 runs" >&2; exit 2; }
scripts/deps.sh test
ours=$(scripts/build-release.sh)
git_peer=$(scripts/build-peers.sh)
table=$(scripts/with-keyring.sh benchmarks/storage.sh "$ours" "$git_peer" "$runs")
stamp="Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
python3 - "$table" "$stamp" <<'PY'
import re, sys
table, stamp = sys.argv[1], sys.argv[2]
text = open("BENCHMARKS.md").read()
block = f"<!-- storage:begin -->\n{stamp} {table}\n<!-- storage:end -->"
text = re.sub(r"<!-- storage:begin -->.*?<!-- storage:end -->", lambda _: block, text, flags=re.S)
open("BENCHMARKS.md", "w").write(text)
PY
echo "$table"

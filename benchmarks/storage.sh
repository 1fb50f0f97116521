#!/usr/bin/env bash
# The cached-path benchmark of the storage helpers, run inside a throwaway keyring by
# benchmarks/run.sh: our `git get` against git-credential-libsecret and our
# `docker get` against docker-credential-secretservice, on the same stored items.
set -euo pipefail
ours="$1" git_peer="$2" runs="$3"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf 'protocol=https\nhost=bench.example.com\nusername=bench\npassword=bench-secret\n' | "$git_peer" store >/dev/null
printf '{"ServerURL":"bench.example.com","Username":"bench","Secret":"bench-secret"}' \
    | docker-credential-secretservice store
printf 'protocol=https\nhost=bench.example.com\n' > "$work/git"
printf 'bench.example.com\n' > "$work/docker"
# Both answer the same before anything is timed.
[ "$("$ours" git get < "$work/git")" = "$("$git_peer" get < "$work/git")" ]
[ "$("$ours" docker get < "$work/docker")" = "$(docker-credential-secretservice get < "$work/docker")" ]
python3 "$(dirname "$0")/bench.py" --runs "$runs" \
    --case "git get" "$ours git get" "$git_peer get" "$work/git" \
    --case "docker get" "$ours docker get" "docker-credential-secretservice get" "$work/docker" \
    --case "git get, encrypted transport" "ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT=encrypted $ours git get" \
        "$git_peer get" "$work/git"

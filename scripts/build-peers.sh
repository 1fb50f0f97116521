#!/usr/bin/env bash
# Builds the peer we compare against and interoperate with: git-credential-libsecret,
# from the contrib sources Debian's git package ships. Prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/share/doc/git/contrib/credential/libsecret
out=.build/peers
mkdir -p "$out"
if [ ! -x "$out/git-credential-libsecret" ] || [ "$src/git-credential-libsecret.c" -nt "$out/git-credential-libsecret" ]; then
    # shellcheck disable=SC2046
    gcc -O2 -Wall -o "$out/git-credential-libsecret" "$src/git-credential-libsecret.c" \
        $(pkg-config --cflags --libs libsecret-1 glib-2.0) >&2
fi
echo "$PWD/$out/git-credential-libsecret"

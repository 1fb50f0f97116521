#!/usr/bin/env bash
# Builds the release binary the way it ships: Swift's standard library and libstdc++
# linked statically, no $ORIGIN rpath (each start would probe missing paths), linked
# by the toolchain's lld with packed relative relocations (RELR: a 2.5 KB table instead
# of 430 KB to read and page in at every start), and libsecret/GLib from the system.
# Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx_dir=.build/static-cxx
mkdir -p "$cxx_dir"
# A folder holding only libstdc++.a makes `-lstdc++` pick the static archive.
ln -sf "$(g++ -print-file-name=libstdc++.a)" "$cxx_dir/libstdc++.a"
swift build -c release --static-swift-stdlib --disable-local-rpath \
    -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
    -Xlinker -L"$PWD/$cxx_dir" >&2
echo "$PWD/.build/release/entra-credential-helper"

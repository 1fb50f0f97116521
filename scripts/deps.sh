#!/usr/bin/env bash
# Installs the Debian 12 packages this project needs, or, when not root, prints the
# exact apt-get line. Usage: scripts/deps.sh build|deb|demo|test
#   build: what building and running the helper needs
#   deb:   that, plus what scripts/build-deb.sh needs (dpkg-dev, lintian)
#   demo:  that, plus what integrations/demo.sh drives (docker and kubectl are optional there)
#   test:  that, plus the real components the tests and benchmarks drive; docker and kubectl
#          must be on PATH (checked, not installed: scripts/clients.sh says how to get them)
set -euo pipefail
mode=${1:-build}

build_packages=(libsecret-1-dev pkgconf g++ gnome-keyring dbus libsecret-tools libglib2.0-bin
                libcurl4-openssl-dev libcurl4 libssl3 python3 publicsuffix
                libqrencode4)
demo_packages=(git curl openssl)
test_packages=(git zsh dbus-tests docker-registry apache2-utils golang-docker-credential-helpers
               time curl make valgrind chromium python3-msal python3-yaml openssl util-linux gdb
               man-db zbar-tools)
deb_packages=(dpkg-dev lintian)  # scripts/build-deb.sh (and its check in the tests)
packages=("${build_packages[@]}")
[ "$mode" = demo ] || [ "$mode" = test ] && packages+=("${demo_packages[@]}")
[ "$mode" = test ] && packages+=("${test_packages[@]}")
[ "$mode" = deb ] || [ "$mode" = test ] && packages+=("${deb_packages[@]}")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "Installing: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    else
        echo "Missing packages. Run:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if ! command -v swift >/dev/null; then
    echo "No Swift toolchain on PATH: install Swift 6 (swift.org) and retry." >&2
    exit 1
fi
# The test command drives both; install.sh and the demo run without them (the demo skips
# their steps and says how to get them).
if [ "$mode" = test ]; then
    . "$(dirname "$0")/clients.sh"
    for tool in docker kubectl; do
        command -v "$tool" >/dev/null || { echo "No $tool on PATH: $(client_hint "$tool"); then retry." >&2; exit 1; }
    done
fi

#!/usr/bin/env bash
# Runs every test: the unit tests, and the integration tests against real components:
# gnome-keyring in a private D-Bus session, git, the docker CLI with Debian's
# docker-registry, and the peers git-credential-libsecret and
# docker-credential-secretservice; first, the offline demo's servers' selftest and a short
# run of every fuzz target (not when arguments pick swift tests). Installs what is missing
# first (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
if [ $# -eq 0 ]; then  # the offline demo's servers against real git, docker and kubectl (curl-made tokens)
    integrations/demo/servers/selftest.sh
    emulator/tests/run.sh  # the Entra emulator's own tests (client credentials, managed identity, CI OIDC)
    # Every libFuzzer target for a short smoke run (ECH_FUZZ_SECONDS each, default 20): a
    # crash or a broken invariant fails the run. Long runs: scripts/fuzz.sh, FUZZING.md.
    scripts/fuzz.sh all "${ECH_FUZZ_SECONDS:-20}"
    scripts/deb-check.sh  # the .deb: built, lintian-clean, installed with apt-get, used through PATH, purged clean (root)
fi
peer=$(scripts/build-peers.sh)
swift build --build-tests
# Every real-component suite must run here: a missing piece fails instead of skipping.
export ECH_PEER_GIT="$peer" ECH_REQUIRE_INTEGRATION=1
if [ $# -gt 0 ]; then
    exec scripts/with-keyring.sh swift test --skip-build --disable-xctest "$@"
fi
# valgrind is CPU-hungry: the memory checks run after the other suites, not alongside
# them, so that a 2-core CI machine does not starve the timing-sensitive real clients.
exec scripts/with-keyring.sh bash -c 'swift test --skip-build --disable-xctest --skip MemoryCheckTests &&
    swift test --skip-build --disable-xctest --filter MemoryCheckTests'


#!/usr/bin/env bash
# Runs a command inside a throwaway D-Bus session with a real, unlocked gnome-keyring
# (Secret Service only), with HOME and the XDG folders in a temporary directory.
# Everything is removed afterwards.
#   scripts/with-keyring.sh COMMAND [ARGS…]
# Keeps ECH_KEEP_HOME=1 to leave the temporary HOME in place for inspection.
set -euo pipefail

if [ "${ECH_INSIDE_KEYRING:-}" != 1 ]; then
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/ech-keyring.XXXXXX")
    trap '[ "${ECH_KEEP_HOME:-}" = 1 ] || rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/home" "$scratch/runtime" "$scratch/data" "$scratch/config" "$scratch/cache"
    chmod 700 "$scratch/runtime"
    # The caller's bus and display must not leak in: the test keyring is the only one.
    env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY -u GNOME_KEYRING_CONTROL \
        ECH_INSIDE_KEYRING=1 HOME="$scratch/home" \
        XDG_RUNTIME_DIR="$scratch/runtime" XDG_DATA_HOME="$scratch/data" \
        XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" \
        dbus-run-session -- "$0" "$@" 3>&2 2>/dev/null   # dbus-daemon's chatter goes to /dev/null
    exit $?
fi

# Inside the session: our stderr back on the caller's, then the keyring, unlocked
# with a known password on stdin.
exec 2>&3 3>&-
printf '%s' "${ECH_KEYRING_PASSWORD:-test-keyring-password}" \
    | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for _ in $(seq 1 50); do
    if gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
        --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Service Collections >/dev/null 2>&1; then
        break
    fi
    sleep 0.1
done
export ECH_KEYRING_READY=1
"$@"

#!/bin/bash
# $BROWSER for the tests: real headless Chromium loads the sign-in URL, follows the
# emulator's redirect to our loopback listener, and dumps the final page (our success
# or failure page) into $ECH_BROWSER_DUMP when set. $ECH_BROWSER_LOCALHOST (127.0.0.1 or
# [::1]) makes Chromium reach localhost on that address alone (by default it tries ::1 first).
# With $ECH_TRICKLE set, a local client first connects to the listener on 127.0.0.1 and
# sends one byte every 1.5 s, never finishing its request; ECH_TRICKLE=only: no Chromium.
if [ -n "${ECH_TRICKLE:-}" ]; then
    port=$(printf '%s' "$1" | sed -n 's/.*redirect_uri=http%3A%2F%2Flocalhost%3A\([0-9]*\).*/\1/p')
    (
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
        for _ in $(seq 40); do  # 60 s at most; ends sooner once the listener has closed
            printf G >&3 || exit 0
            sleep 1.5
        done
    ) </dev/null >/dev/null 2>&1 &
    sleep 0.5  # the trickler's connection comes first
    [ "$ECH_TRICKLE" = only ] && exit 0
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out=${ECH_BROWSER_DUMP:-/dev/null}
exec_status=0
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$profile" ${ECH_BROWSER_LOCALHOST:+"--host-resolver-rules=MAP localhost $ECH_BROWSER_LOCALHOST"} \
    --dump-dom "$1${ECH_BROWSER_APPEND:-}" > "$out" 2>/dev/null || exec_status=$?
exit $exec_status

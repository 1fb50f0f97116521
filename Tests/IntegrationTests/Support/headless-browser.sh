#!/bin/sh
# $BROWSER for the tests: real headless Chromium loads the sign-in URL, follows the
# emulator's redirect to our loopback listener, and dumps the final page (our success
# or failure page) into $ECH_BROWSER_DUMP when set. $ECH_BROWSER_LOCALHOST (127.0.0.1 or
# [::1]) makes Chromium reach localhost on that address alone (by default it tries ::1 first).
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out=${ECH_BROWSER_DUMP:-/dev/null}
exec_status=0
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$profile" ${ECH_BROWSER_LOCALHOST:+"--host-resolver-rules=MAP localhost $ECH_BROWSER_LOCALHOST"} --dump-dom "$1${ECH_BROWSER_APPEND:-}" > "$out" 2>/dev/null || exec_status=$?
exit $exec_status

#!/bin/bash
# $BROWSER for the listener tests: first a local client that connects to the sign-in
# listener on 127.0.0.1 and sends one byte every 1.5 s, never finishing its request (how a
# review held the listener); then, unless ECH_TRICKLE_ONLY is set, headless-browser.sh.
port=$(printf '%s' "$1" | sed -n 's/.*redirect_uri=http%3A%2F%2Flocalhost%3A\([0-9]*\).*/\1/p')
(
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
    for _ in $(seq 40); do  # 60 s at most; ends sooner when the listener has closed
        printf G >&3 || exit 0
        sleep 1.5
    done
) </dev/null >/dev/null 2>&1 &
sleep 0.5  # the trickler's connection comes first
[ -n "${ECH_TRICKLE_ONLY:-}" ] && exit 0
exec "$(dirname "$0")/headless-browser.sh" "$@"

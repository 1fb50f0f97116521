#!/usr/bin/env bash
# The Debian package on this machine, as a user gets it (issue 12): builds it
# (scripts/build-deb.sh, lintian included), installs it with `apt-get install ./….deb`, checks
# that git finds git-credential-entra through PATH (a store and get round trip in a throwaway
# keyring), that `man entra-credential-helper` renders, that the bash completion loads and that
# `docker-credential-entra version` answers; then purges it and checks nothing of it is left.
# It installs a system package, so it needs root: in CI (CI=true) not being root fails; on a
# developer's machine it then says so and does nothing, and it never replaces a copy of the
# package that is already installed there.
set -euo pipefail
cd "$(dirname "$0")/.."
package=entra-credential-helper
if [ "$(id -u)" != 0 ]; then
    if [ "${CI:-}" = true ]; then echo "deb-check.sh: CI must run as root (it installs the package)" >&2; exit 1; fi
    echo "deb-check.sh: not root, so the package is not installed and checked here (run it as root, as CI does)" >&2
    exit 0
fi
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    if [ "${CI:-}" = true ]; then echo "deb-check.sh: $package is installed already: CI starts fresh" >&2; exit 1; fi
    echo "deb-check.sh: $package is installed on this machine: left alone, not checked (apt-get purge $package first)" >&2
    exit 0
fi
deb=$(scripts/build-deb.sh)
version=$(dpkg-deb -f "$deb" Version)
fail() { echo "deb-check.sh: $*" >&2; exit 1; }
trap 'apt-get purge -y -qq "$package" >/dev/null 2>&1 || true' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$(realpath "$deb")" >&2
installed=$(dpkg -L "$package")

# The system's PATH only: nothing from a build tree or ~/.local/bin.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ "$(command -v git-credential-entra)" = /usr/bin/git-credential-entra ] || fail "git-credential-entra is not on PATH"
[ "$(git credential-entra --version)" = "entra-credential-helper $version" ] \
    || fail "git credential-entra --version does not say $version"
# git's protocol through PATH, in a throwaway keyring: what store keeps, get answers.
answer=$(scripts/with-keyring.sh bash -c '
    printf "protocol=https\nhost=deb-check.example\nusername=u\npassword=p\n\n" | git credential-entra store
    printf "protocol=https\nhost=deb-check.example\n\n" | git credential-entra get')
[ "$answer" = $'username=u\npassword=p' ] || fail "git credential-entra get answered: $answer"
[ "$(docker-credential-entra version)" = "$version" ] || fail "docker-credential-entra version does not say $version"
[ -f /usr/share/man/man1/$package.1.gz ] || fail "the man page was not installed: $(grep -rs path-exclude /etc/dpkg/dpkg.cfg.d/ | head -1)"
page=$(MANPAGER=cat MAN_DISABLE_SECCOMP=1 MANWIDTH=80 man entra-credential-helper 2>&1 | col -bx)
grep -q "^EXIT STATUS" <<<"$page" && grep -q "^ENVIRONMENT" <<<"$page" || fail "man entra-credential-helper: $(head -3 <<<"$page")"
MANPAGER=cat man -w git-credential-entra docker-credential-entra >/dev/null || fail "no man page for the helper names"
bash -c "source /usr/share/bash-completion/completions/$package && complete -p $package" >/dev/null \
    || fail "the bash completion does not load"

apt-get purge -y -qq "$package" >&2
trap - EXIT
! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || fail "still installed after purge"
left=$(while read -r path; do
    # Shared directories (/usr/bin, /usr/share/man/man1, …) stay; anything named for the package must go.
    if [ -L "$path" ] || [ -f "$path" ] || { [ -d "$path" ] && [[ "$path" == *entra* ]]; }; then echo "$path"; fi
done <<<"$installed")
[ -z "$left" ] || fail "left after purge: $left"
echo "deb-check.sh: $(basename "$deb") installed, used by git and docker through PATH, man page and completion there, purged clean" >&2

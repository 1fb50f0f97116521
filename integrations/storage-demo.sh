#!/usr/bin/env bash
# A git and a docker round trip through the installed helper, run by install.sh inside
# a throwaway keyring session. Secrets are masked in what is shown.
set -euo pipefail
bin_dir="$1"
export PATH="$bin_dir:$PATH"
mask() { sed -E 's/(password=).*/\1••••/; s/("Secret":")[^"]*/\1••••/'; }
step() { printf '\n$ %s\n' "$1"; }

echo "Round trip in a throwaway keyring:"
step "git credential approve   (protocol=https host=git.example.com username=demo)"
printf 'protocol=https\nhost=git.example.com\nusername=demo\npassword=demo-secret\n\n' \
    | git -c credential.helper= -c credential.helper=entra credential approve
step "git credential fill"
printf 'protocol=https\nhost=git.example.com\n\n' \
    | GIT_TERMINAL_PROMPT=0 git -c credential.helper= -c credential.helper=entra credential fill | mask
step "docker-credential-entra store / get / list"
printf '{"ServerURL":"registry.example.com","Username":"demo","Secret":"demo-secret"}' | docker-credential-entra store
echo registry.example.com | docker-credential-entra get | mask
docker-credential-entra list
step "erase both"
printf 'protocol=https\nhost=git.example.com\n\n' | git -c credential.helper= -c credential.helper=entra credential reject
echo registry.example.com | docker-credential-entra erase
docker-credential-entra list
